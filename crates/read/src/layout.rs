//! CloudTrail's S3 key layout: `[prefix/]AWSLogs/[o-…/]<account>/<folder>/<region>/YYYY/MM/DD/<name>`.
//!
//! File names are parsed from both ends, because trail names may contain `_` while account ids,
//! regions and timestamps never do:
//! - log: `<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`
//! - digest: `<acct>_CloudTrail-Digest_<src-region>_<trail>_<home-region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz`
//! - Insights: `<acct>_CloudTrail-Insight_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`

use trailguard_model::Timestamp;

/// The folder after the account id, which says what the objects below it are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Folder {
    /// `CloudTrail/`: management and data events.
    CloudTrail,
    /// `CloudTrail-NetworkActivity/`: network activity events.
    NetworkActivity,
    /// `CloudTrail-Insight/`: Insights records.
    Insight,
    /// `CloudTrail-Digest/`: digest files.
    Digest,
    /// Any other service's logs (`Config/`, `vpcflowlogs/`, …): not CloudTrail.
    Other(String),
}

impl Folder {
    fn parse(s: &str) -> Folder {
        match s {
            "CloudTrail" => Folder::CloudTrail,
            "CloudTrail-NetworkActivity" => Folder::NetworkActivity,
            "CloudTrail-Insight" => Folder::Insight,
            "CloudTrail-Digest" => Folder::Digest,
            other => Folder::Other(other.to_owned()),
        }
    }
}

/// What an object key says about the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Text before `AWSLogs/` (the trail's S3 key prefix, or a local folder), without the
    /// trailing `/`.
    pub prefix: String,
    /// The organization id of an organization trail (`o-…`).
    pub org_id: Option<String>,
    /// The account id in the key.
    pub account: String,
    /// The folder after the account.
    pub folder: Folder,
    /// The region folder.
    pub region: Option<String>,
    /// The date folders (`YYYY/MM/DD`), as midnight UTC.
    pub date: Option<Timestamp>,
    /// The file name, parsed.
    pub name: FileName,
}

/// A parsed object name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileName {
    /// A log or Insights file.
    Log(LogName),
    /// A digest file.
    Digest(DigestName),
    /// A name that does not follow CloudTrail's pattern.
    Unknown,
}

/// The parts of a log (or Insights) file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogName {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Delivery time (minute precision).
    pub delivered: Timestamp,
    /// The random suffix.
    pub unique: String,
}

/// The parts of a digest file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestName {
    /// Account id.
    pub account: String,
    /// The region whose events the digest covers (and that delivered it).
    pub source_region: String,
    /// The trail name (may contain `_`, `.` and `-`).
    pub trail: String,
    /// The trail's home region.
    pub home_region: String,
    /// The digest's end time (second precision).
    pub end: Timestamp,
    /// A backfill digest (`…_backfill.json.gz`).
    pub backfill: bool,
}

/// Parse an object key or a local path that contains CloudTrail's layout. Returns `None` when
/// there is no `AWSLogs/<account>/<folder>/` part.
pub fn parse_key(key: &str) -> Option<KeyInfo> {
    let key = key.replace('\\', "/");
    // The last `AWSLogs` component, so that a local folder named AWSLogs higher up does not confuse.
    let at = key
        .rmatch_indices("AWSLogs/")
        .find(|(i, _)| *i == 0 || key.as_bytes()[i - 1] == b'/')?
        .0;
    let prefix = key[..at].trim_end_matches('/').to_owned();
    let mut parts = key[at + "AWSLogs/".len()..].split('/').filter(|p| !p.is_empty());
    let mut first = parts.next()?;
    let mut org_id = None;
    if first.starts_with("o-") {
        org_id = Some(first.to_owned());
        first = parts.next()?;
    }
    if !is_account(first) {
        return None;
    }
    let account = first.to_owned();
    let folder = Folder::parse(parts.next()?);
    let rest: Vec<&str> = parts.collect();
    let (region, date, name) = match rest.as_slice() {
        [region, y, m, d, name] => (Some((*region).to_owned()), parse_date(y, m, d), *name),
        [region, name] => (Some((*region).to_owned()), None, *name),
        [.., name] => (None, None, *name),
        [] => (None, None, ""),
    };
    let name = parse_file_name(name);
    Some(KeyInfo {
        prefix,
        org_id,
        account,
        folder,
        region,
        date,
        name,
    })
}

fn parse_date(y: &str, m: &str, d: &str) -> Option<Timestamp> {
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    Timestamp::from_civil(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?, 0, 0, 0)
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_region(s: &str) -> bool {
    !s.is_empty() && !s.contains('_') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parse a CloudTrail object name (the last component of a key).
pub fn parse_file_name(name: &str) -> FileName {
    let Some(stem) = name.strip_suffix(".json.gz").or_else(|| name.strip_suffix(".json")) else {
        return FileName::Unknown;
    };
    let Some((account, rest)) = stem.split_once('_') else {
        return FileName::Unknown;
    };
    if !is_account(account) {
        return FileName::Unknown;
    }
    let Some((kind, rest)) = rest.split_once('_') else {
        return FileName::Unknown;
    };
    match kind {
        "CloudTrail-Digest" => parse_digest_rest(account, rest).map_or(FileName::Unknown, FileName::Digest),
        "CloudTrail" | "CloudTrail-Insight" | "CloudTrail-NetworkActivity" => {
            // <region>_<YYYYMMDDTHHmmZ>_<unique>
            let mut it = rest.splitn(3, '_');
            let (Some(region), Some(ts), Some(unique)) = (it.next(), it.next(), it.next()) else {
                return FileName::Unknown;
            };
            match (is_region(region), parse_compact_time(ts)) {
                (true, Some(delivered)) => FileName::Log(LogName {
                    account: account.to_owned(),
                    region: region.to_owned(),
                    delivered,
                    unique: unique.to_owned(),
                }),
                _ => FileName::Unknown,
            }
        }
        _ => FileName::Unknown,
    }
}

fn parse_digest_rest(account: &str, rest: &str) -> Option<DigestName> {
    let (rest, backfill) = match rest.strip_suffix("_backfill") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let (rest, ts) = rest.rsplit_once('_')?;
    let end = parse_compact_time(ts)?;
    let (rest, home_region) = rest.rsplit_once('_')?;
    let (source_region, trail) = rest.split_once('_')?;
    if !is_region(source_region) || !is_region(home_region) || trail.is_empty() {
        return None;
    }
    Some(DigestName {
        account: account.to_owned(),
        source_region: source_region.to_owned(),
        trail: trail.to_owned(),
        home_region: home_region.to_owned(),
        end,
        backfill,
    })
}

/// `YYYYMMDDTHHmmZ` or `YYYYMMDDTHHMMSSZ`.
fn parse_compact_time(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
    if b.get(8) != Some(&b'T') || b.last() != Some(&b'Z') {
        return None;
    }
    let secs = match b.len() {
        14 => 0,
        16 => num(13..15)?,
        _ => return None,
    };
    Timestamp::from_civil(
        i64::from(num(0..4)?),
        num(4..6)?,
        num(6..8)?,
        num(9..11)?,
        num(11..13)?,
        secs,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_key() {
        let k = parse_key("AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/111122223333_CloudTrail_us-east-1_20240102T0105Z_abcdEFGH12345678.json.gz").unwrap();
        assert_eq!(k.prefix, "");
        assert_eq!(k.org_id, None);
        assert_eq!(k.account, "111122223333");
        assert_eq!(k.folder, Folder::CloudTrail);
        assert_eq!(k.region.as_deref(), Some("us-east-1"));
        assert_eq!(k.date.unwrap().to_rfc3339(), "2024-01-02T00:00:00Z");
        let FileName::Log(n) = k.name else { panic!() };
        assert_eq!(n.delivered.to_rfc3339(), "2024-01-02T01:05:00Z");
        assert_eq!(n.unique, "abcdEFGH12345678");
    }

    #[test]
    fn org_digest_key_with_underscores_in_trail_name() {
        let k = parse_key("logs/trail/AWSLogs/o-abc123defg/444455556666/CloudTrail-Digest/eu-west-1/2024/01/01/444455556666_CloudTrail-Digest_eu-west-1_my_org_trail.v2_us-east-1_20240101T061728Z_backfill.json.gz").unwrap();
        assert_eq!(k.prefix, "logs/trail");
        assert_eq!(k.org_id.as_deref(), Some("o-abc123defg"));
        assert_eq!(k.account, "444455556666");
        assert_eq!(k.folder, Folder::Digest);
        let FileName::Digest(d) = k.name else { panic!() };
        assert_eq!(d.source_region, "eu-west-1");
        assert_eq!(d.trail, "my_org_trail.v2");
        assert_eq!(d.home_region, "us-east-1");
        assert_eq!(d.end.to_rfc3339(), "2024-01-01T06:17:28Z");
        assert!(d.backfill);
    }

    #[test]
    fn other_layouts() {
        assert!(parse_key("some/folder/file.json").is_none());
        assert!(parse_key("AWSLogs/notanaccount/CloudTrail/x").is_none());
        let k = parse_key("/data/AWSLogs/111122223333/Config/us-east-1/2024/01/01/x.json.gz").unwrap();
        assert_eq!(k.folder, Folder::Other("Config".into()));
        let k = parse_key("AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/01/01/111122223333_CloudTrail-Insight_us-east-1_20240101T0000Z_u.json.gz").unwrap();
        assert_eq!(k.folder, Folder::Insight);
        assert!(matches!(k.name, FileName::Log(_)));
        assert_eq!(parse_file_name("README.md"), FileName::Unknown);
        assert_eq!(
            parse_file_name("111122223333_CloudTrail_us-east-1_2024_x.json.gz"),
            FileName::Unknown
        );
    }
}
