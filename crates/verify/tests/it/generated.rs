//! The generator's signed chains: intact ones raise nothing; every tampering is found, named
//! by object and kind.

use std::sync::OnceLock;

use trailguard_gen::GenConfig;
use trailguard_verify::report::Uncovered;
use trailguard_verify::{FindingKind, Severity, SignatureSource, Verdict, VerifyOptions};

use crate::support::{Trail, assert_has, failures, gunzip, gzip, has, small_config, summary};

fn base() -> &'static Trail {
    static T: OnceLock<Trail> = OnceLock::new();
    T.get_or_init(|| Trail::generate(&small_config(7)))
}

/// A chain of the base trail and its digests, oldest first.
fn chain(t: &Trail) -> (String, String, Vec<String>) {
    let (a, r) = t.chains()[1].clone();
    let keys = t.digest_keys(&a, &r);
    assert!(keys.len() >= 6, "{keys:?}");
    (a, r, keys)
}

/// A digest (index from the oldest) that lists at least one log.
fn digest_with_logs(t: &Trail, keys: &[String], from: usize) -> usize {
    (from..keys.len())
        .find(|&i| !t.logs_of(&keys[i]).is_empty())
        .expect("a digest with logs")
}

#[test]
fn intact_chains_are_valid() {
    for (seed, org, prefix, trail_name) in [
        (7, true, None, "org-trail"),
        (8, false, Some("audit/ct"), "my_trail.v2"),
        (9, true, Some("x"), "a_b_c"),
    ] {
        let cfg = GenConfig {
            organization: org,
            key_prefix: prefix.map(str::to_owned),
            trail_name: trail_name.into(),
            ..small_config(seed)
        };
        let t = Trail::generate(&cfg);
        let r = t.verify();
        assert_eq!(r.verdict, Verdict::Valid, "seed {seed}: {:#?}", summary(&r));
        assert!(r.findings.is_empty(), "seed {seed}: {:#?}", summary(&r));
        let digests = t.objects.keys().filter(|k| k.contains("CloudTrail-Digest")).count() as u64;
        assert_eq!(r.totals.digests.valid, digests);
        assert_eq!(r.totals.logs.valid, t.log_keys().len() as u64);
        assert_eq!(r.areas.len(), t.chains().len());
        // As a copy without metadata: everything but the newest digest of each chain is
        // authenticated by its successor; the heads are hash-checked only.
        let r = t.verify_with(None, &VerifyOptions::all());
        assert_eq!(r.verdict, Verdict::Valid, "{:#?}", summary(&r));
        assert_eq!(r.totals.digests.unauthenticated, t.chains().len() as u64);
        assert_eq!(r.totals.digests.valid, digests - t.chains().len() as u64);
        assert_eq!(r.findings_of("head-unauthenticated").count(), t.chains().len());
        assert!(
            r.findings.iter().all(|f| f.severity == Severity::Warning),
            "{:#?}",
            summary(&r)
        );
        assert!(r.areas.iter().all(|a| a.head_unauthenticated));
    }
}

#[test]
fn key_rotation_and_a_long_chain() {
    let cfg = GenConfig {
        records: 4_000,
        accounts: 1,
        regions: vec!["us-east-1".into()],
        duration_hours: 24 * 45,
        ..small_config(11)
    };
    let t = Trail::generate(&cfg);
    let fingerprints: std::collections::BTreeSet<String> = t
        .objects
        .keys()
        .filter(|k| k.contains("CloudTrail-Digest"))
        .map(|k| t.digest(k).digest_public_key_fingerprint)
        .collect();
    assert!(fingerprints.len() >= 3, "keys rotate: {fingerprints:?}");
    let r = t.verify();
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", summary(&r));
    assert!(r.findings.is_empty());
}

#[test]
fn log_edited() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    let d = digest_with_logs(&t, &keys, 2);
    let log = t.logs_of(&keys[d])[0].clone();
    let mut text = gunzip(&t.objects[&log]);
    let at = text.windows(9).position(|w| w == b"eventName").expect("a record");
    text[at + 12] ^= 0x20;
    t.objects.insert(log.clone(), gzip(&text));
    let r = t.verify();
    assert_has(&r, "log-hash-mismatch", &log);
    assert_eq!(failures(&r), vec![format!("log-hash-mismatch {log}")]);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(r.totals.logs.invalid, 1);
}

#[test]
fn log_deleted() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    let d = digest_with_logs(&t, &keys, 1);
    let log = t.logs_of(&keys[d])[0].clone();
    t.remove(&log);
    let r = t.verify();
    assert_eq!(failures(&r), vec![format!("log-missing {log}")]);
    assert_eq!(r.totals.logs.missing, 1);
}

#[test]
fn log_appended_with_a_second_gzip_member() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    let d = digest_with_logs(&t, &keys, 3);
    let log = t.logs_of(&keys[d])[0].clone();
    let extra =
        gzip(br#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-02T01:00:00Z","eventName":"Forged"}]}"#);
    t.objects.get_mut(&log).unwrap().extend(extra);
    let r = t.verify();
    assert_eq!(failures(&r), vec![format!("log-trailing-data {log}")]);
    let f = r.findings_of("log-trailing-data").next().unwrap();
    assert!(matches!(f.kind, FindingKind::LogTrailingData { gzip_member: true, .. }));
}

#[test]
fn log_truncated() {
    let (_, _, keys) = chain(base());
    let d = digest_with_logs(base(), &keys, 2);
    let log = base().logs_of(&keys[d])[0].clone();
    // The gzip trailer cut: the data is all there, but the object was altered.
    let mut t = base().clone();
    let n = t.objects[&log].len();
    t.objects.get_mut(&log).unwrap().truncate(n - 8);
    let r = t.verify();
    assert_eq!(failures(&r), vec![format!("log-damaged {log}")]);
    let f = r.findings_of("log-damaged").next().unwrap();
    assert!(matches!(
        f.kind,
        FindingKind::LogDamaged {
            damage: trailguard_verify::logcheck::Damage::TrailerMissing,
            content_matches: true,
            ..
        }
    ));
    // Cut inside the compressed data.
    let mut t = base().clone();
    t.objects.get_mut(&log).unwrap().truncate(n / 2);
    let r = t.verify();
    assert_eq!(failures(&r), vec![format!("log-damaged {log}")]);
    assert!(matches!(
        r.findings_of("log-damaged").next().unwrap().kind,
        FindingKind::LogDamaged {
            damage: trailguard_verify::logcheck::Damage::Truncated,
            content_matches: false,
            ..
        }
    ));
}

#[test]
fn digest_edited() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    let d = digest_with_logs(&t, &keys, 2);
    let key = keys[d].clone();
    let mut digest = t.digest(&key);
    digest.log_files.remove(0);
    t.objects
        .insert(key.clone(), gzip(&serde_json::to_vec(&digest).unwrap()));
    let r = t.verify();
    assert_has(&r, "digest-signature-invalid", &key);
    assert_has(&r, "previous-hash-mismatch", &keys[d + 1]);
    assert_has(&r, "logs-of-invalid-digest", &key);
    // The log dropped from the edited digest is not covered by any valid one.
    assert!(r.findings_of("log-not-covered").count() >= 1, "{:#?}", summary(&r));
    assert_eq!(r.totals.digests.invalid, 1);
}

#[test]
fn digest_deleted_middle() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    let d = digest_with_logs(&t, &keys, 2);
    let logs = t.logs_of(&keys[d]);
    t.remove(&keys[d]);
    let r = t.verify();
    assert_has(&r, "digest-missing", &keys[d]);
    let f = r.findings_of("digest-missing").next().unwrap();
    assert!(matches!(f.kind, FindingKind::DigestMissing { count: 1, .. }), "{f:?}");
    // Its logs are still there: counted and listed as not covered (their digest is missing).
    for l in &logs {
        let found = r.findings_of("log-not-covered").any(|f| {
            matches!(&f.kind, FindingKind::LogNotCovered { log, reason: Uncovered::DigestMissing, .. } if &log.key == l)
        });
        assert!(found, "{l}: {:#?}", summary(&r));
    }
    assert_eq!(r.totals.digests.missing, 1);
    assert_eq!(r.totals.logs.not_covered, logs.len() as u64);
}

#[test]
fn two_digests_deleted_in_a_row() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    t.remove(&keys[2]);
    t.remove(&keys[3]);
    let r = t.verify();
    assert_has(&r, "digest-missing", &keys[3]);
    let f = r.findings_of("digest-missing").next().unwrap();
    assert!(matches!(f.kind, FindingKind::DigestMissing { count: 2, .. }), "{f:?}");
    assert_eq!(r.totals.digests.missing, 2);
}

#[test]
fn first_digest_deleted() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    t.remove(&keys[0]);
    let r = t.verify();
    assert_has(&r, "digest-missing", &keys[0]);
    assert_eq!(r.verdict, Verdict::Invalid);
}

#[test]
fn newest_digest_deleted() {
    for pick in 0..2 {
        let mut t = base().clone();
        let (a, r_) = t.chains()[pick * 3 % t.chains().len()].clone();
        let keys = t.digest_keys(&a, &r_);
        let newest = keys.last().unwrap().clone();
        t.remove(&newest);
        let r = t.verify();
        assert_eq!(r.verdict, Verdict::Invalid, "{:#?}", summary(&r));
        assert_has(&r, "newest-digest-missing", &keys[keys.len() - 2]);
    }
}

#[test]
fn digest_copied_and_moved() {
    let (_, _, keys) = chain(base());
    let d = digest_with_logs(base(), &keys, 2);
    let later = keys.last().unwrap().replace("_20", "_21");
    // Copied to a later key: the copy is flagged, the chain is intact.
    let mut t = base().clone();
    let bytes = t.objects[&keys[d]].clone();
    t.objects.insert(later.clone(), bytes.clone());
    let r = t.verify();
    assert_has(&r, "digest-moved", &later);
    assert_eq!(
        failures(&r),
        vec![format!("digest-moved {later}")],
        "{:#?}",
        summary(&r)
    );
    // Moved: the copy stands in for the original, still flagged.
    let mut t = base().clone();
    t.remove(&keys[d]);
    t.objects.insert(later.clone(), bytes);
    let r = t.verify();
    assert_has(&r, "digest-moved", &later);
    assert!(!has(&r, "digest-missing", &keys[d]), "{:#?}", summary(&r));
    assert_eq!(r.totals.logs.not_covered, 0, "{:#?}", summary(&r));
}

#[test]
fn signature_stripped_or_wrong_in_metadata() {
    let (_, _, keys) = chain(base());
    let victim = keys[2].clone();
    let head = keys.last().unwrap().clone();
    let t = base();
    // Online: the object lost its signature metadata.
    let r = t.verify_online(|k, s| {
        if k == victim
            && let SignatureSource::Metadata { signature, .. } = s
        {
            *signature = None;
        }
    });
    assert_eq!(
        failures(&r),
        vec![format!("digest-signature-missing {victim}")],
        "{:#?}",
        summary(&r)
    );
    assert!(matches!(
        r.findings_of("digest-signature-missing").next().unwrap().kind,
        FindingKind::DigestSignatureMissing {
            authenticated_by_successor: true,
            ..
        }
    ));
    // A wrong signature in the metadata of a digest with a successor.
    let wrong = t.signatures.lookup(&t.bucket, &keys[1]).unwrap().signature.clone();
    let r = t.verify_online(|k, s| {
        if k == victim
            && let SignatureSource::Metadata { signature, .. } = s
        {
            *signature = Some(wrong.clone());
        }
    });
    assert_has(&r, "digest-signature-mismatch", &victim);
    // The newest digest, whose signature only its metadata carries.
    let r = t.verify_online(|k, s| {
        if k == head
            && let SignatureSource::Metadata { signature, .. } = s
        {
            *signature = Some(wrong.clone());
        }
    });
    assert_has(&r, "digest-signature-invalid", &head);
}

#[test]
fn signed_with_an_unknown_key() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    let key = keys[3].clone();
    let mut digest = t.digest(&key);
    let other = trailguard_verify::SigningKey::from_seed([9; 32]).unwrap();
    digest.digest_public_key_fingerprint = other.fingerprint().to_owned();
    t.objects
        .insert(key.clone(), gzip(&serde_json::to_vec(&digest).unwrap()));
    let r = t.verify();
    assert_has(&r, "public-key-not-found", &key);
}

#[test]
fn injected_log() {
    let mut t = base().clone();
    let (_, _, keys) = chain(&t);
    let d = digest_with_logs(&t, &keys, 2);
    let model = t.logs_of(&keys[d])[0].clone();
    // Same folder and minute as a genuine log, another unique suffix.
    let (head, _) = model.rsplit_once('_').unwrap();
    let injected = format!("{head}_INJECTEDxxxxxxxx.json.gz");
    let bytes = t.objects[&model].clone();
    t.objects.insert(injected.clone(), bytes);
    let r = t.verify();
    assert_eq!(
        failures(&r),
        vec![format!("log-not-covered {injected}")],
        "{:#?}",
        summary(&r)
    );
    assert!(matches!(
        r.findings_of("log-not-covered").next().unwrap().kind,
        FindingKind::LogNotCovered {
            reason: Uncovered::Injected,
            ..
        }
    ));
}
