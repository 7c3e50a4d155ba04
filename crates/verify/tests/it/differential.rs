//! The real AWS CLI (`aws cloudtrail validate-logs`, against moto_server holding the same
//! objects and S3 metadata) on every tamper variant:
//!
//! 1. `--format aws-cli` (the emulation) prints exactly what the CLI prints, on both streams,
//!    with the same exit status — for every variant, including those where the CLI is wrong
//!    (the emulation reproduces the CLI, blind spots included);
//! 2. trailguard's own verdict agrees wherever the CLI is right: every object the CLI calls
//!    INVALID is the subject of a failing finding, and where the CLI sees nothing wrong but
//!    something is (the cases listed in `docs/verify.md`), trailguard says so.

use std::collections::{BTreeMap, BTreeSet};

use trailguard_model::Timestamp;
use trailguard_verify::awscli::{self, CliRun};
use trailguard_verify::{KeyRing, Prepared, Report, SignatureSource, VerifyOptions};

use crate::oracle::{Server, validate_logs};
use crate::support::{Trail, gunzip, gzip, small_config, summary};

type Metadata = BTreeMap<String, BTreeMap<String, String>>;

struct Fixture {
    trail: Trail,
    metadata: Metadata,
    account: String,
    region: String,
    keys: Vec<String>,
}

fn fixture() -> Fixture {
    let trail = Trail::generate(&small_config(7));
    let metadata = trail
        .signatures
        .0
        .iter()
        .map(|(k, m)| {
            let key = k.strip_prefix(&format!("{}/", trail.bucket)).unwrap_or(k).to_owned();
            let mut meta = BTreeMap::from([("signature".to_owned(), m.signature.clone())]);
            if let Some(a) = &m.signature_algorithm {
                meta.insert("signature-algorithm".into(), a.clone());
            }
            (key, meta)
        })
        .collect();
    let (account, region) = trail.chains()[1].clone();
    let keys = trail.digest_keys(&account, &region);
    Fixture {
        trail,
        metadata,
        account,
        region,
        keys,
    }
}

impl Fixture {
    fn digest_with_logs(&self, from: usize) -> usize {
        (from..self.keys.len())
            .find(|&i| !self.trail.logs_of(&self.keys[i]).is_empty())
            .expect("a digest with logs")
    }

    fn prepared(
        &self,
    ) -> (
        Prepared,
        std::collections::HashMap<trailguard_verify::ObjectRef, trailguard_verify::LogOutcome>,
    ) {
        let opts = VerifyOptions::all();
        let mut source = self.trail.offline(None);
        for d in &mut source.digests {
            let m = self.metadata.get(&d.at.key);
            d.signature = SignatureSource::from_metadata(|name| m.and_then(|m| m.get(name)).map(String::as_str));
        }
        let prepared = Prepared::new(source.digests.clone(), source.logs.clone(), &opts);
        let outcomes = self.trail.outcomes(&source, &prepared);
        (prepared, outcomes)
    }

    fn strict(&self) -> Report {
        let (p, o) = self.prepared();
        trailguard_verify::validate(&p, &o, &KeyRing::from_file(&self.trail.keys))
    }

    /// Compare the emulation with the real CLI on this chain; returns the CLI's output.
    fn compare(&self, start: Timestamp, end: Timestamp, verbose: bool) -> crate::oracle::CliOutput {
        let (p, outcomes) = self.prepared();
        let keys = KeyRing::from_file(&self.trail.keys);
        let run: CliRun = awscli::runs(&p, Some(start), end, Some(&self.trail.arn), verbose)
            .into_iter()
            .find(|r| r.account == self.account && r.region == self.region)
            .expect("the chain's run");
        let ours = awscli::transcript(&p, &outcomes, &keys, &run);
        let server = Server::start(&self.trail.bucket, &self.trail.objects, &self.metadata);
        let trails = serde_json::json!([{
            "Name": "org-trail",
            "TrailARN": self.trail.arn,
            "S3BucketName": self.trail.bucket,
            "S3KeyPrefix": self.trail.prefix,
            "IsOrganizationTrail": self.trail.organization.is_some(),
        }]);
        let mut args: Vec<String> = [
            "--trail-arn",
            &self.trail.arn,
            "--region",
            &self.region,
            "--account-id",
            &self.account,
            "--start-time",
            &start.to_string(),
            "--end-time",
            &end.to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if verbose {
            args.push("--verbose".into());
        }
        let keys_json = serde_json::to_value(&self.trail.keys).unwrap();
        let theirs = validate_logs(&server, &keys_json, &trails, self.trail.organization.as_deref(), &args);
        assert_eq!(ours.stdout, theirs.stdout, "stdout differs (ours, then the CLI's)");
        assert_eq!(ours.stderr, theirs.stderr, "stderr differs (ours, then the CLI's)");
        assert_eq!(i32::from(ours.exit), theirs.exit, "exit status differs");
        theirs
    }

    fn compare_all(&self, verbose: bool) -> crate::oracle::CliOutput {
        let start = Timestamp::parse_rfc3339("2026-11-01T00:00:00Z").unwrap();
        let end = Timestamp::parse_rfc3339("2026-11-03T00:00:00Z").unwrap();
        self.compare(start, end, verbose)
    }

    fn set_digest(&mut self, key: &str, edit: impl FnOnce(&mut serde_json::Value)) {
        let mut v: serde_json::Value = serde_json::from_slice(&gunzip(&self.trail.objects[key])).unwrap();
        edit(&mut v);
        self.trail
            .objects
            .insert(key.to_owned(), gzip(&serde_json::to_vec(&v).unwrap()));
    }
}

/// The objects the CLI reported INVALID (digests and logs), by key.
fn cli_invalid(out: &crate::oracle::CliOutput) -> BTreeSet<String> {
    out.stderr
        .lines()
        .filter(|l| l.contains("\tINVALID: "))
        .filter_map(|l| l.split('\t').nth(1))
        .filter_map(|url| url.strip_prefix("s3://"))
        .filter_map(|rest| rest.split_once('/').map(|(_, k)| k.to_owned()))
        .collect()
}

/// Every object the CLI calls invalid is the subject of a failing trailguard finding.
#[track_caller]
fn agrees(out: &crate::oracle::CliOutput, r: &Report) {
    let ours: BTreeSet<String> = r
        .findings
        .iter()
        .filter(|f| f.severity.fails())
        .flat_map(|f| {
            let mut keys = vec![];
            if let Some(o) = f.kind.object() {
                keys.push(o.key.clone());
            }
            if let trailguard_verify::FindingKind::DigestMissing { digest, .. } = &f.kind {
                keys.push(digest.key.clone());
            }
            keys
        })
        .collect();
    for k in cli_invalid(out) {
        assert!(
            ours.contains(&k),
            "the CLI says {k} is invalid; trailguard's failing findings: {:#?}",
            summary(r)
        );
    }
    if out.exit == 1 {
        assert_eq!(r.exit_code(), 1, "{:#?}", summary(r));
    }
}

#[test]
fn intact() {
    let f = fixture();
    let out = f.compare_all(true);
    assert_eq!(out.exit, 0);
    assert!(out.stdout.contains("digest files valid"));
    assert_eq!(f.strict().exit_code(), 0);
    // A window inside the chain (the CLI's range rules: digests ending up to an hour after).
    let start = Timestamp::parse_rfc3339("2026-11-02T02:30:00Z").unwrap();
    let end = Timestamp::parse_rfc3339("2026-11-02T04:30:00Z").unwrap();
    f.compare(start, end, false);
}

#[test]
fn log_edited() {
    let mut f = fixture();
    let d = f.digest_with_logs(2);
    let log = f.trail.logs_of(&f.keys[d])[0].clone();
    let mut text = gunzip(&f.trail.objects[&log]);
    let at = text.len() / 2;
    text[at] = if text[at] == b'a' { b'b' } else { b'a' };
    f.trail.objects.insert(log.clone(), gzip(&text));
    let out = f.compare_all(false);
    assert!(out.stderr.contains("hash value doesn't match"));
    agrees(&out, &f.strict());
}

#[test]
fn log_deleted_appended_and_cut() {
    let mut f = fixture();
    let d = f.digest_with_logs(1);
    let logs = f.trail.logs_of(&f.keys[d]);
    let d2 = f.digest_with_logs(d + 1);
    let logs2 = f.trail.logs_of(&f.keys[d2]);
    f.trail.remove(&logs[0]);
    f.trail
        .objects
        .get_mut(&logs2[0])
        .unwrap()
        .extend(gzip(b"{\"Records\":[]}"));
    let cut_inside = logs2.get(1).cloned();
    if let Some(l) = &cut_inside {
        let n = f.trail.objects[l].len();
        f.trail.objects.get_mut(l).unwrap().truncate(n / 2);
    }
    let out = f.compare_all(false);
    assert!(out.stderr.contains("INVALID: not found"));
    assert!(out.stderr.contains("unexpected data after end of compressed stream"));
    agrees(&out, &f.strict());
}

#[test]
fn log_trailer_cut_is_missed_by_the_cli() {
    let mut f = fixture();
    let d = f.digest_with_logs(2);
    let log = f.trail.logs_of(&f.keys[d])[0].clone();
    let n = f.trail.objects[&log].len();
    f.trail.objects.get_mut(&log).unwrap().truncate(n - 8);
    let out = f.compare_all(false);
    assert_eq!(out.exit, 0, "the CLI accepts a log without its gzip trailer");
    let r = f.strict();
    assert!(crate::support::has(&r, "log-damaged", &log), "{:#?}", summary(&r));
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn log_not_gzip_and_junk_after_a_digest() {
    let mut f = fixture();
    let d = f.digest_with_logs(2);
    let log = f.trail.logs_of(&f.keys[d])[0].clone();
    let plain = gunzip(&f.trail.objects[&log]);
    f.trail.objects.insert(log.clone(), plain);
    let junk_digest = f.keys[3].clone();
    f.trail.objects.get_mut(&junk_digest).unwrap().extend(b"junk");
    let out = f.compare_all(false);
    assert!(out.stderr.contains("INVALID: invalid format"));
    let r = f.strict();
    agrees(&out, &r);
    assert!(crate::support::has(&r, "digest-trailing-data", &junk_digest));
}

#[test]
fn digest_edited_and_signature_stripped_or_wrong() {
    let mut f = fixture();
    let d = f.digest_with_logs(2);
    let edited = f.keys[d].clone();
    f.set_digest(&edited, |v| {
        v["logFiles"].as_array_mut().unwrap().pop();
    });
    let stripped = f.keys[d + 2].clone();
    f.metadata.get_mut(&stripped).unwrap().remove("signature");
    let wrong = f.keys[d + 3].clone();
    let other = f.metadata[&f.keys[0]]["signature"].clone();
    f.metadata.get_mut(&wrong).unwrap().insert("signature".into(), other);
    let out = f.compare_all(true);
    assert_eq!(
        out.stderr.matches("signature verification failed").count(),
        3,
        "{}",
        out.stderr
    );
    agrees(&out, &f.strict());
}

#[test]
fn middle_digest_deleted() {
    let mut f = fixture();
    let d = f.digest_with_logs(2);
    let k = f.keys[d].clone();
    f.trail.remove(&k);
    let out = f.compare_all(false);
    assert!(out.stderr.contains(&format!("{k}\tINVALID: not found")));
    let r = f.strict();
    agrees(&out, &r);
    // Its logs are not counted by the CLI; trailguard lists them.
    assert!(r.totals.logs.not_covered > 0);
}

#[test]
fn two_digests_deleted_in_a_row() {
    let mut f = fixture();
    let (a, b) = (f.keys[2].clone(), f.keys[3].clone());
    f.trail.remove(&a);
    f.trail.remove(&b);
    let out = f.compare_all(false);
    // The CLI reports only the first of the two (aws/aws-cli#7054).
    assert!(out.stderr.contains(&format!("{b}\tINVALID: not found")));
    assert!(!out.stderr.contains(&a));
    let r = f.strict();
    agrees(&out, &r);
    assert_eq!(r.totals.digests.missing, 2);
}

#[test]
fn first_and_newest_digests_deleted() {
    let mut f = fixture();
    let first = f.keys[0].clone();
    let newest = f.keys.last().unwrap().clone();
    f.trail.remove(&first);
    f.trail.remove(&newest);
    let out = f.compare_all(false);
    assert!(out.stderr.contains(&format!("{first}\tINVALID: not found")));
    assert!(
        !out.stderr.contains(&newest),
        "the CLI does not see the newest digest deleted"
    );
    let r = f.strict();
    agrees(&out, &r);
    assert!(
        r.findings_of("newest-digest-missing").count() == 1,
        "{:#?}",
        summary(&r)
    );
}

#[test]
fn digest_copied_to_a_later_key() {
    let mut f = fixture();
    let d = f.digest_with_logs(2);
    let newest = f.keys.last().unwrap().clone();
    // The key of an hour after the newest digest.
    let ts = &newest[newest.len() - 24..newest.len() - 8];
    let t = Timestamp::parse_rfc3339(ts).unwrap().add_secs(3600);
    let (y, mo, dd, h, mi, s) = t.to_civil();
    let later = newest.replace(ts, &format!("{y:04}{mo:02}{dd:02}T{h:02}{mi:02}{s:02}Z"));
    let bytes = f.trail.objects[&f.keys[d]].clone();
    f.trail.objects.insert(later.clone(), bytes);
    let meta = f.metadata[&f.keys[d]].clone();
    f.metadata.insert(later.clone(), meta);
    let out = f.compare_all(false);
    assert!(out.stderr.contains("has been moved from its original location"));
    agrees(&out, &f.strict());
}

#[test]
fn unknown_key_and_injected_log() {
    let mut f = fixture();
    let k = f.keys[3].clone();
    let other = trailguard_verify::SigningKey::from_seed([9; 32]).unwrap();
    let fp = other.fingerprint().to_owned();
    f.set_digest(&k, |v| {
        v["digestPublicKeyFingerprint"] = serde_json::Value::String(fp.clone())
    });
    let d = f.digest_with_logs(4);
    let model = f.trail.logs_of(&f.keys[d])[0].clone();
    let (head, _) = model.rsplit_once('_').unwrap();
    let injected = format!("{head}_INJECTEDxxxxxxxx.json.gz");
    let bytes = f.trail.objects[&model].clone();
    f.trail.objects.insert(injected.clone(), bytes);
    let out = f.compare_all(false);
    assert!(
        out.stderr
            .contains("public key not found in region us-east-1 for fingerprint")
    );
    assert!(!out.stderr.contains("INJECTED"), "the CLI never looks at unlisted logs");
    let r = f.strict();
    agrees(&out, &r);
    assert!(
        crate::support::has(&r, "log-not-covered", &injected),
        "{:#?}",
        summary(&r)
    );
}
