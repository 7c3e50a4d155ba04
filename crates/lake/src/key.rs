//! Partition values of a record and its identity for deduplication.

use sha2::{Digest, Sha256};
use trailguard_model::{Event, Timestamp};

use crate::log::PartitionValues;

/// A record's partition: `account=…/region=…/date=…`.
///
/// The account is `recipientAccountId`, else the key's account, else `userIdentity.accountId`;
/// the region is `awsRegion`, else the key's region; the date is the UTC day of `eventTime`
/// (never the key's date, which is the delivery date). Values are escaped the way Hive escapes
/// partition values, so hostile text (`../`) can never leave the table's folder.
pub(crate) fn partition_of(ev: &Event<'_>, key_account: Option<&str>, key_region: Option<&str>) -> PartitionValues {
    let (account, region) = raw_partition(ev, key_account, key_region);
    PartitionValues {
        account: escape_value(account),
        region: escape_value(region),
        date: day_text(ev.time),
    }
}

/// The account and region a record is partitioned by, before escaping.
pub(crate) fn raw_partition<'e>(
    ev: &'e Event<'_>,
    key_account: Option<&'e str>,
    key_region: Option<&'e str>,
) -> (&'e str, &'e str) {
    let account = ev
        .recipient_account_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(key_account)
        .or_else(|| ev.user_identity.as_ref().and_then(|u| u.account_id.as_deref()))
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown");
    let region = ev
        .aws_region
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(key_region)
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown");
    (account, region)
}

/// `YYYY-MM-DD` of a time.
pub(crate) fn day_text(t: Timestamp) -> String {
    let (y, m, d, ..) = t.to_civil();
    format!("{y:04}-{m:02}-{d:02}")
}

/// Escape a partition value: letters, digits, `-`, `_` and `.` stay, everything else becomes
/// `%XX` (as Hive and Spark do); `.` and `..` alone are escaped too; cut to 128 bytes.
pub(crate) fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes().take(128) {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') || (b == b'.' && v != "." && v != "..") {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("unknown");
    }
    out
}

/// The folder of a partition below its table: `account=…/region=…/date=…`.
pub(crate) fn partition_dir(p: &PartitionValues) -> String {
    format!("account={}/region={}/date={}", p.account, p.region, p.date)
}

/// A record's identity: (`eventID`, recipient account), packed into 24 bytes without loss for
/// the usual shapes (a GUID and a 12-digit account); anything else is hashed (SHA-256, 128 bits)
/// and flagged so hashed and packed values never meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct EventKey {
    id: u128,
    account: u64,
}

const HASHED_ID: u64 = 1 << 63;
const HASHED_ACCOUNT: u64 = 1 << 62;
const NO_ACCOUNT: u64 = 1 << 61;

impl EventKey {
    /// The key of a record, or `None` when it has no `eventID` (such records are never
    /// deduplicated).
    pub(crate) fn of(event_id: Option<&str>, recipient: Option<&str>) -> Option<EventKey> {
        let id_text = event_id.filter(|s| !s.is_empty())?;
        let (id, mut flags) = match parse_guid(id_text) {
            Some(v) => (v, 0),
            None => (hash128(id_text.as_bytes()), HASHED_ID),
        };
        let account = match recipient {
            None => NO_ACCOUNT,
            Some(a) if a.len() <= 18 && !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()) => {
                // At most 18 digits: below 2^60, clear of the flag bits. Leading zeros matter
                // ("0123" ≠ "123"), so the length goes in too.
                a.parse::<u64>().unwrap_or(0) | ((a.len() as u64) << 56)
            }
            Some(a) => {
                flags |= HASHED_ACCOUNT;
                (hash128(a.as_bytes()) as u64) >> 3
            }
        };
        Some(EventKey {
            id,
            account: account | flags,
        })
    }
}

fn hash128(b: &[u8]) -> u128 {
    let h = Sha256::digest(b);
    let mut x = [0u8; 16];
    x.copy_from_slice(&h[..16]);
    u128::from_le_bytes(x)
}

/// A canonical GUID (`8-4-4-4-12` hex digits, either case) as 128 bits. Case is kept apart:
/// `eventID`s are compared exactly, so an upper-case GUID is hashed instead.
fn parse_guid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut v: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u128::from(d);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailguard_model::decode_event_text;

    #[test]
    fn keys_pack_guids_and_accounts_exactly() {
        let a = EventKey::of(Some("3f8e6a4b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), Some("111122223333")).unwrap();
        let b = EventKey::of(Some("3f8e6a4b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), Some("111122223334")).unwrap();
        let c = EventKey::of(Some("3f8e6a4b-1c2d-4e5f-8a9b-0c1d2e3f4a5c"), Some("111122223333")).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            a,
            EventKey::of(Some("3f8e6a4b-1c2d-4e5f-8a9b-0c1d2e3f4a5b"), Some("111122223333")).unwrap()
        );
        // Upper case, odd ids and accounts are hashed, and never equal a packed key.
        let up = EventKey::of(Some("3F8E6A4B-1C2D-4E5F-8A9B-0C1D2E3F4A5B"), Some("111122223333")).unwrap();
        assert_ne!(a, up);
        assert_ne!(
            EventKey::of(Some("e1"), Some("0123")),
            EventKey::of(Some("e1"), Some("123"))
        );
        assert_ne!(EventKey::of(Some("e1"), None), EventKey::of(Some("e1"), Some("x")));
        assert_eq!(EventKey::of(None, Some("1")), None);
        assert_eq!(EventKey::of(Some(""), Some("1")), None);
    }

    #[test]
    fn partitions_come_from_the_record_and_are_escaped() {
        let ev = decode_event_text(
            r#"{"eventTime":"2024-05-01T23:59:59Z","awsRegion":"eu-west-1","recipientAccountId":"111122223333"}"#,
        )
        .unwrap();
        let p = partition_of(&ev, Some("999"), Some("us-east-1"));
        assert_eq!(
            partition_dir(&p),
            "account=111122223333/region=eu-west-1/date=2024-05-01"
        );
        let evil = decode_event_text(
            r#"{"eventTime":"2024-05-01T00:00:00Z","awsRegion":"../../etc","recipientAccountId":".."}"#,
        )
        .unwrap();
        let p = partition_of(&evil, None, None);
        assert_eq!(p.account, "%2E%2E");
        assert_eq!(p.region, "..%2F..%2Fetc");
        assert!(!partition_dir(&p).split('/').any(|part| part == ".." || part == "."));
        let bare = decode_event_text(r#"{"eventTime":"2024-05-01T00:00:00Z"}"#).unwrap();
        let p = partition_of(&bare, Some("222233334444"), Some("ap-south-1"));
        assert_eq!((p.account.as_str(), p.region.as_str()), ("222233334444", "ap-south-1"));
        assert_eq!(partition_of(&bare, None, None).account, "unknown");
    }
}
