//! Chains the generator does not make, built and signed here: a stop of logging (a second
//! chain starting after a gap), a key used outside its validity window, a key given as
//! SubjectPublicKeyInfo (which the reference CLI cannot load), a previous-digest hash that
//! disagrees with the real previous digest.

use std::collections::BTreeMap;

use rsa::pkcs8::EncodePublicKey;
use sha2::{Digest as _, Sha256};
use trailguard_model::Timestamp;
use trailguard_model::digest::{Digest, DigestLogFile, DigestMetadata, PublicKey, PublicKeysFile, SignaturesFile};
use trailguard_verify::{FindingKind, Severity, SigningKey, Verdict, string_to_sign};

use crate::support::{Trail, assert_has, failures, gzip, summary};

const BUCKET: &str = "built-trail-bucket";
const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";

fn key() -> SigningKey {
    SigningKey::from_seed([42; 32]).expect("key")
}

fn at(hour: u32, min: u32, sec: u32) -> String {
    format!("2026-01-01T{hour:02}:{min:02}:{sec:02}Z")
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).expect("time")
}

fn digest_key(hour: u32) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}/2026/01/01/{ACCOUNT}_CloudTrail-Digest_{REGION}_main_{REGION}_20260101T{hour:02}1728Z.json.gz"
    )
}

fn log_key(hour: u32, n: u32) -> String {
    format!(
        "AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2026/01/01/{ACCOUNT}_CloudTrail_{REGION}_20260101T{hour:02}05Z_log{n:013}.json.gz"
    )
}

/// The edits a test makes to one digest before it is signed.
type Edit<'a> = &'a dyn Fn(u32, &mut Digest);

/// Hourly digests ending at `hh:17:28` for each hour of `runs` (each run a chain starting
/// afresh, as after a stop of logging), each listing one log delivered at `hh:05`.
fn build(runs: &[std::ops::RangeInclusive<u32>], key: &SigningKey, keys: PublicKeysFile, edit: Edit) -> Trail {
    let mut objects = BTreeMap::new();
    let mut signatures = SignaturesFile::default();
    for run in runs {
        let mut previous: Option<(String, String, String)> = None; // key, hash, signature
        for hour in run.clone() {
            let text = format!(
                r#"{{"Records":[{{"eventVersion":"1.08","eventTime":"{}","eventName":"Hour{hour}"}}]}}"#,
                at(hour, 1, 0)
            );
            let log = log_key(hour, hour);
            let mut d = Digest {
                aws_account_id: ACCOUNT.into(),
                digest_start_time: at(hour - 1, 17, 28),
                digest_end_time: at(hour, 17, 28),
                digest_s3_bucket: BUCKET.into(),
                digest_s3_object: digest_key(hour),
                digest_public_key_fingerprint: key.fingerprint().to_owned(),
                digest_signature_algorithm: "SHA256withRSA".into(),
                newest_event_time: Some(at(hour, 1, 0)),
                oldest_event_time: Some(at(hour, 1, 0)),
                previous_digest_s3_bucket: previous.as_ref().map(|_| BUCKET.to_owned()),
                previous_digest_s3_object: previous.as_ref().map(|p| p.0.clone()),
                previous_digest_hash_value: previous.as_ref().map(|p| p.1.clone()),
                previous_digest_hash_algorithm: previous.as_ref().map(|_| "SHA-256".to_owned()),
                previous_digest_signature: previous.as_ref().map(|p| p.2.clone()),
                log_files: vec![DigestLogFile {
                    s3_bucket: BUCKET.into(),
                    s3_object: log.clone(),
                    hash_value: hex::encode(Sha256::digest(text.as_bytes())),
                    hash_algorithm: "SHA-256".into(),
                    newest_event_time: at(hour, 1, 0),
                    oldest_event_time: at(hour, 1, 0),
                }],
            };
            edit(hour, &mut d);
            let json = serde_json::to_vec(&d).expect("json");
            let message = string_to_sign(
                &d.digest_end_time,
                BUCKET,
                &d.digest_s3_object,
                &json,
                d.previous_digest_signature.as_deref(),
            );
            let signature = key.sign_hex(message.as_bytes()).expect("sign");
            objects.insert(log, gzip(text.as_bytes()));
            objects.insert(digest_key(hour), gzip(&json));
            signatures.insert(
                BUCKET,
                &digest_key(hour),
                DigestMetadata {
                    signature: signature.clone(),
                    signature_algorithm: Some("SHA256withRSA".into()),
                    backfill_generation_timestamp: None,
                },
            );
            previous = Some((digest_key(hour), hex::encode(Sha256::digest(&json)), signature));
        }
    }
    Trail {
        bucket: BUCKET.into(),
        objects,
        keys,
        signatures,
        arn: format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"),
        organization: None,
        prefix: None,
    }
}

fn keys_valid(key: &SigningKey, from: &str, to: &str) -> PublicKeysFile {
    PublicKeysFile::AllRegions(vec![key.public_key_entry(ts(from), ts(to))])
}

fn whole_day(key: &SigningKey) -> PublicKeysFile {
    keys_valid(key, "2025-12-31T00:00:00Z", "2026-01-30T00:00:00Z")
}

#[test]
fn a_hand_built_chain_is_valid() {
    let k = key();
    let t = build(&[1..=6], &k, whole_day(&k), &|_, _| {});
    let r = t.verify();
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", summary(&r));
    assert!(r.findings.is_empty(), "{:#?}", summary(&r));
    assert_eq!(r.totals.digests.valid, 6);
    assert_eq!(r.totals.logs.valid, 6);
}

#[test]
fn a_stop_of_logging_is_a_gap_not_a_deletion() {
    let k = key();
    // Logging from 00:17 to 04:17, stopped, restarted: a new chain from 07:17 to 10:17.
    let t = build(&[1..=4, 8..=10], &k, whole_day(&k), &|_, _| {});
    let r = t.verify();
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", summary(&r));
    assert!(failures(&r).is_empty(), "{:#?}", summary(&r));
    let gaps: Vec<_> = r.findings_of("logging-gap").collect();
    assert_eq!(gaps.len(), 1, "{:#?}", summary(&r));
    assert_eq!(gaps[0].severity, Severity::Warning);
    match &gaps[0].kind {
        FindingKind::LoggingGap { from, to, .. } => {
            assert_eq!(*from, ts(&at(4, 17, 28)), "{:#?}", gaps[0]);
            assert_eq!(*to, ts(&at(7, 17, 28)), "{:#?}", gaps[0]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.totals.digests.valid, 7);
}

#[test]
fn a_key_outside_its_validity_window() {
    let k = key();
    // The key's validity ends at 01:00; digests are signed at delivery, so trailguard allows
    // 2 hours (as the reference CLI widens its key range): digests ending after 03:00 cannot
    // have been signed by it.
    let t = build(
        &[1..=5],
        &k,
        keys_valid(&k, "2025-12-31T00:00:00Z", "2026-01-01T01:00:00Z"),
        &|_, _| {},
    );
    let r = t.verify();
    assert_eq!(r.verdict, Verdict::Invalid, "{:#?}", summary(&r));
    for hour in 3..=5 {
        assert_has(&r, "public-key-not-valid", &digest_key(hour));
    }
    for hour in 1..=2 {
        assert!(
            !r.findings
                .iter()
                .any(|f| f.kind.object().is_some_and(|o| o.key == digest_key(hour)) && f.severity.fails()),
            "hour {hour}: {:#?}",
            summary(&r)
        );
    }
}

#[test]
fn keys_given_as_subject_public_key_info_are_accepted() {
    let k = key();
    let spki = k.public_key().to_public_key_der().expect("spki").into_vec();
    use base64::Engine as _;
    let entry = PublicKey {
        value: base64::engine::general_purpose::STANDARD.encode(&spki),
        ..k.public_key_entry(ts("2025-12-31T00:00:00Z"), ts("2026-01-30T00:00:00Z"))
    };
    // The listed fingerprint is the MD5 of the DER as given (CloudTrail's rule).
    let entry = PublicKey {
        fingerprint: trailguard_verify::keys::fingerprint(&spki),
        ..entry
    };
    let fingerprint = entry.fingerprint.clone();
    let mut by_region = BTreeMap::new();
    by_region.insert(REGION.to_owned(), vec![entry]);
    let t = build(&[1..=4], &k, PublicKeysFile::ByRegion(by_region), &|_, d| {
        d.digest_public_key_fingerprint = fingerprint.clone();
    });
    let r = t.verify();
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", summary(&r));
    assert_eq!(r.totals.digests.valid, 4);
}

#[test]
fn a_previous_hash_that_disagrees_with_the_previous_digest() {
    let k = key();
    // Digest 4 is validly signed but names a hash of digest 3 that is not digest 3's: someone
    // with the signing key rewrote history, or digest 3 was replaced (signed by the same key).
    let t = build(&[1..=6], &k, whole_day(&k), &|hour, d| {
        if hour == 4 {
            d.previous_digest_hash_value = Some("00".repeat(32));
        }
    });
    let r = t.verify();
    assert_eq!(r.verdict, Verdict::Invalid, "{:#?}", summary(&r));
    assert_has(&r, "previous-hash-mismatch", &digest_key(4));
}
