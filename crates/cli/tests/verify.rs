//! `trailguard verify` as users run it: trails written by `trailguard generate` (signed digest
//! chains, `.trailguard/public-keys.json` and `.trailguard/signatures.json`), intact and
//! tampered, verified as a local copy and from S3 (a real `moto_server` on loopback); whole
//! verdicts, the finding naming the right object, exit codes, and the aws-cli format.
//!
//! The S3 tests need the Python of `tests/requirements.txt` (`scripts/test` sets
//! `TRAILGUARD_TEST_PYTHON`); without it they fail and say how to get it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use serde_json::Value as J;

#[path = "../../verify/tests/it/oracle.rs"]
#[allow(dead_code)]
mod oracle;

fn bin() -> Command {
    let mut c = Command::cargo_bin("trailguard").unwrap();
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

/// A generated trail on disk: 2 accounts × 2 regions, 8 hours, an organization trail.
struct Generated {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn generate_into(dir: &Path, seed: &str, hours: &str, records: &str) {
    let out = bin()
        .args(["generate", "-q", "--out"])
        .arg(dir)
        .args([
            "--records",
            records,
            "--accounts",
            "2",
            "--regions",
            "us-east-1,eu-west-1",
        ])
        .args([
            "--hours",
            hours,
            "--scenarios",
            "none",
            "--seed",
            seed,
            "--gzip-level",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The pristine trail, generated once; each test copies it.
fn pristine() -> &'static Path {
    static G: OnceLock<Generated> = OnceLock::new();
    &G.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("trail");
        generate_into(&root, "5", "8", "3000");
        Generated { _dir: dir, root }
    })
    .root
}

/// A fresh copy of the pristine trail, with its key and signature files moved out of it (as a
/// user keeps them: keys fetched from CloudTrail, not from the copy under test).
struct Copy {
    _dir: tempfile::TempDir,
    root: PathBuf,
    keys: PathBuf,
    signatures: PathBuf,
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn copy() -> Copy {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("copy");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(pristine(), &root);
    let keys = dir.path().join("public-keys.json");
    let signatures = dir.path().join("signatures.json");
    std::fs::rename(root.join(".trailguard/public-keys.json"), &keys).unwrap();
    std::fs::rename(root.join(".trailguard/signatures.json"), &signatures).unwrap();
    Copy {
        _dir: dir,
        root,
        keys,
        signatures,
    }
}

impl Copy {
    /// Keys (relative to the root, `/`-separated) of the files under `folder` (`CloudTrail`,
    /// `CloudTrail-Digest`), sorted.
    fn files(&self, folder: &str) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.root, &self.root, &mut out);
        out.retain(|k| k.contains(&format!("/{folder}/")));
        out.sort();
        out
    }

    /// The digests of one chain (account and region of the first digest), oldest first.
    fn chain(&self) -> Vec<String> {
        let all = self.files("CloudTrail-Digest");
        let first = all[0].clone();
        let folder = &first[..first.find("/CloudTrail-Digest/").unwrap()];
        let region = first.split('/').nth_back(4).unwrap().to_owned();
        let mut chain: Vec<String> = all
            .into_iter()
            .filter(|k| k.starts_with(&format!("{folder}/CloudTrail-Digest/{region}/")))
            .collect();
        chain.sort_by_key(|k| k.rsplit('_').next().unwrap().to_owned());
        assert!(chain.len() >= 6, "{chain:?}");
        chain
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    fn read_gz(&self, key: &str) -> Vec<u8> {
        let mut text = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(std::fs::read(self.path(key)).unwrap().as_slice()),
            &mut text,
        )
        .unwrap();
        text
    }

    /// Logs listed by a digest.
    fn logs_of(&self, digest: &str) -> Vec<String> {
        let d: J = serde_json::from_slice(&self.read_gz(digest)).unwrap();
        d["logFiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["s3Object"].as_str().unwrap().to_owned())
            .collect()
    }

    /// A digest of the chain, from index `from` on, that lists logs.
    fn digest_with_logs(&self, from: usize) -> (String, Vec<String>) {
        self.chain()[from..]
            .iter()
            .map(|d| (d.clone(), self.logs_of(d)))
            .find(|(_, l)| !l.is_empty())
            .expect("a digest listing logs")
    }

    /// `trailguard COMMAND <copy> --public-keys … --signatures … EXTRA…`
    fn run(&self, command: &str, extra: &[&str]) -> Output {
        bin()
            .arg(command)
            .arg(&self.root)
            .arg("--public-keys")
            .arg(&self.keys)
            .arg("--signatures")
            .arg(&self.signatures)
            .args(extra)
            .output()
            .unwrap()
    }

    fn verify(&self, extra: &[&str]) -> Output {
        self.run("verify", extra)
    }

    /// Append a second gzip member holding a forged record to `log`: readers that read every
    /// member see it.
    fn append_forged_member(&self, log: &str) {
        let mut bytes = std::fs::read(self.path(log)).unwrap();
        bytes.extend(gz(br#"{"Records":[{"eventName":"Forged"}]}"#));
        std::fs::write(self.path(log), bytes).unwrap();
    }

    /// Cut a log of more than 200 bytes, none of `spare`, in the middle of its deflate data;
    /// returns its key.
    fn cut_a_log(&self, spare: &[&String]) -> String {
        let cut = self
            .files("CloudTrail")
            .into_iter()
            .find(|k| !spare.contains(&k) && std::fs::metadata(self.path(k)).unwrap().len() > 200)
            .unwrap();
        let bytes = std::fs::read(self.path(&cut)).unwrap();
        std::fs::write(self.path(&cut), &bytes[..bytes.len() / 2]).unwrap();
        cut
    }

    /// Flip the case of one letter of an event name inside `log` (still valid JSON and gzip).
    fn edit_log(&self, log: &str) {
        let mut text = self.read_gz(log);
        let at = text.windows(9).position(|w| w == b"eventName").unwrap();
        text[at + 12] ^= 0x20;
        std::fs::write(self.path(log), gz(&text)).unwrap();
    }

    fn verify_json(&self, extra: &[&str]) -> (i32, J) {
        let out = self.verify(&[&["--format", "json"], extra].concat());
        let v: J = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), v)
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut e, data).unwrap();
    e.finish().unwrap()
}

fn findings(v: &J) -> &Vec<J> {
    v["findings"].as_array().expect("findings")
}

/// Kinds of the failing findings (`invalid`, `missing`, `unverifiable`), each with the keys it
/// names.
fn failures(v: &J) -> Vec<(String, String)> {
    findings(v)
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("invalid" | "missing" | "unverifiable")))
        .map(|f| (f["kind"].as_str().unwrap().to_owned(), f.to_string()))
        .collect()
}

/// A finding of `kind` names `key`.
fn assert_finding(v: &J, kind: &str, key: &str) {
    assert!(
        findings(v)
            .iter()
            .any(|f| f["kind"] == kind && f.to_string().contains(key)),
        "no {kind} naming {key}: {:#}",
        v["findings"]
    );
}

/// `scan` verifies the digest chains of a source in its one pass (issue 4 item 7): its
/// verdict, counts and findings must be exactly those of `trailguard verify` on the same copy,
/// with the same keys and signatures.
mod scan_pass {
    use super::*;

    impl Copy {
        fn scan(&self, extra: &[&str]) -> Output {
            self.run("scan", &[&["-q", "--no-insights"], extra].concat())
        }

        fn scan_integrity(&self) -> J {
            let out = self.scan(&["--json"]);
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            let v: J = serde_json::from_slice(&out.stdout).unwrap();
            v["integrity"].clone()
        }
    }

    /// The validation part of a verify JSON document (the context fields left out).
    fn validation(v: &J) -> J {
        let mut m = serde_json::Map::new();
        for k in [
            "schema",
            "verdict",
            "start",
            "end",
            "expected_until",
            "expected_until_given",
            "totals",
            "areas",
            "keys",
            "findings",
        ] {
            m.insert(k.to_owned(), v[k].clone());
        }
        J::Object(m)
    }

    fn same_as_verify(c: &Copy) -> J {
        let integrity = c.scan_integrity();
        assert!(integrity.is_object(), "scan did not verify: {integrity}");
        let (_, v) = c.verify_json(&[]);
        assert_eq!(
            validation(&integrity["report"]),
            validation(&v),
            "scan's integrity report differs from verify's"
        );
        integrity
    }

    #[test]
    fn intact_trail_same_verdict_as_verify() {
        let c = copy();
        let i = same_as_verify(&c);
        assert_eq!(i["report"]["verdict"], "valid");
        assert_eq!(
            i["report"]["totals"]["logs"]["valid"],
            c.files("CloudTrail").len() as u64
        );
        assert_eq!(
            i["report"]["totals"]["digests"]["valid"],
            c.files("CloudTrail-Digest").len() as u64
        );
        assert!(i["public_keys"].as_str().unwrap().contains("public-keys.json"), "{i:#}");
    }

    #[test]
    fn tampered_logs_same_findings_as_verify() {
        let c = copy();
        let (_, logs) = c.digest_with_logs(1);
        let (_, later) = c.digest_with_logs(4);
        // Edited.
        let edited = &logs[0];
        c.edit_log(edited);
        // Deleted.
        let deleted = &logs[1.min(logs.len() - 1)];
        if deleted != edited {
            std::fs::remove_file(c.path(deleted)).unwrap();
        }
        // A forged second gzip member appended.
        let appended = &later[0];
        c.append_forged_member(appended);
        // Cut inside the deflate data: the reader streams it, so scan hashes it on its own.
        let cut = c.cut_a_log(&[edited, deleted, appended]);

        let i = same_as_verify(&c);
        let r = &i["report"];
        assert_eq!(r["verdict"], "invalid");
        assert_finding(r, "log-hash-mismatch", edited);
        assert_finding(r, "log-trailing-data", appended);
        if deleted != edited {
            assert_finding(r, "log-missing", deleted);
        }
        assert!(
            findings(r).iter().any(|f| f.to_string().contains(cut.as_str())),
            "the cut log is not named: {r:#}"
        );
    }

    #[test]
    fn deleted_digests_and_forged_signature_same_findings_as_verify() {
        let c = copy();
        let chain = c.chain();
        let n = chain.len();
        std::fs::remove_file(c.path(&chain[2])).unwrap();
        std::fs::remove_file(c.path(&chain[n - 1])).unwrap();
        let i = same_as_verify(&c);
        assert_finding(&i["report"], "digest-missing", &chain[2]);
        assert_finding(&i["report"], "newest-digest-missing", &chain[n - 2]);

        let c = copy();
        let head = chain.last().unwrap();
        let mut sigs: BTreeMap<String, J> = serde_json::from_slice(&std::fs::read(&c.signatures).unwrap()).unwrap();
        let head_entry = sigs.keys().find(|k| k.ends_with(head.as_str())).unwrap().clone();
        let other_entry = sigs.keys().find(|k| k.ends_with(chain[1].as_str())).unwrap().clone();
        let forged = sigs[&other_entry].clone();
        sigs.insert(head_entry, forged);
        std::fs::write(&c.signatures, serde_json::to_vec(&sigs).unwrap()).unwrap();
        let i = same_as_verify(&c);
        assert_finding(&i["report"], "digest-signature-invalid", head);
    }

    #[test]
    fn text_puts_the_verdict_first_and_strict_fails_on_it() {
        let c = copy();
        let out = c.scan(&[]);
        let text = String::from_utf8(out.stdout).unwrap();
        let first = text.lines().nth(2).unwrap_or_default();
        assert!(first.starts_with("Integrity") && first.contains("VALID"), "{text}");

        let (_, logs) = c.digest_with_logs(2);
        let log = &logs[0];
        c.edit_log(log);
        let out = c.scan(&[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "integrity is reported, not an error without --strict"
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let first = text.lines().nth(2).unwrap_or_default();
        assert!(first.starts_with("Integrity") && first.contains("INVALID"), "{text}");
        let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
        assert!(
            head.contains(log.as_str()),
            "the edited log is not named near the top:\n{text}"
        );

        let out = c.scan(&["--strict"]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let out = c.scan(&["--strict", "--no-verify"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("not verified (--no-verify)"), "{text}");
        let v: J = serde_json::from_slice(&c.scan(&["--json", "--no-verify"]).stdout).unwrap();
        assert!(v.get("integrity").is_none(), "{v:#}");
    }

    #[test]
    fn keys_inside_the_copy_are_used_and_called_out() {
        let c = copy();
        std::fs::copy(&c.keys, c.root.join(".trailguard/public-keys.json")).unwrap();
        let out = bin()
            .arg("scan")
            .arg(&c.root)
            .args(["-q", "--no-insights", "--json"])
            .output()
            .unwrap();
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        let i = &v["integrity"];
        assert!(
            i["public_keys"].as_str().unwrap().contains("inside the source"),
            "{i:#}"
        );
        assert!(
            i["notes"][0].as_str().unwrap().contains("authenticate nothing"),
            "{i:#}"
        );
        // Without signatures only each chain's head is hash-checked.
        assert_eq!(i["report"]["totals"]["digests"]["unauthenticated"], 4, "{i:#}");
    }
}

mod local {
    use super::*;

    #[test]
    fn intact_trail_is_valid_text_and_json() {
        let c = copy();
        let out = c.verify(&[]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.starts_with("trailguard verify"), "{text}");
        assert!(text.contains("Verdict"), "{text}");
        assert!(text.contains("By account and region"), "{text}");

        let (code, v) = c.verify_json(&[]);
        assert_eq!(code, 0);
        assert_eq!(v["verdict"], "valid", "{v:#}");
        assert!(findings(&v).is_empty(), "{v:#}");
        let digests = c.files("CloudTrail-Digest").len() as u64;
        let logs = c.files("CloudTrail").len() as u64;
        assert_eq!(v["totals"]["digests"]["valid"], digests);
        assert_eq!(v["totals"]["logs"]["valid"], logs);
        // Four chains: 2 accounts × 2 regions.
        assert_eq!(v["areas"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn without_signatures_only_the_heads_are_hash_checked_and_strict_fails() {
        let c = copy();
        let run = |extra: &[&str]| {
            bin()
                .arg("verify")
                .arg(&c.root)
                .arg("--public-keys")
                .arg(&c.keys)
                .args(extra)
                .output()
                .unwrap()
        };
        let out = run(&["--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        let heads: Vec<_> = findings(&v)
            .iter()
            .filter(|f| f["kind"] == "head-unauthenticated")
            .collect();
        assert_eq!(heads.len(), 4, "{v:#}");
        assert!(heads.iter().all(|f| f["severity"] == "warning"));
        let digests = c.files("CloudTrail-Digest").len() as u64;
        assert_eq!(v["totals"]["digests"]["unauthenticated"], 4);
        assert_eq!(v["totals"]["digests"]["valid"], digests - 4);
        // --strict: a warning fails the run.
        let out = run(&["--strict"]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    }

    #[test]
    fn log_edited() {
        let c = copy();
        let (_, logs) = c.digest_with_logs(2);
        let log = &logs[0];
        c.edit_log(log);
        let (code, v) = c.verify_json(&[]);
        assert_eq!(code, 1);
        assert_eq!(v["verdict"], "invalid");
        assert_finding(&v, "log-hash-mismatch", log);
        assert_eq!(failures(&v).len(), 1, "{:#?}", failures(&v));
    }

    #[test]
    fn log_deleted_appended_and_truncated() {
        let c = copy();
        let (_, logs) = c.digest_with_logs(1);
        let (_, later) = c.digest_with_logs(4);
        let deleted = &logs[0];
        std::fs::remove_file(c.path(deleted)).unwrap();
        // A second gzip member with a forged record.
        let appended = &later[0];
        c.append_forged_member(appended);
        // Cut inside the deflate data.
        let cut = &c.cut_a_log(&[deleted, appended]);

        let (code, v) = c.verify_json(&[]);
        assert_eq!(code, 1);
        assert_finding(&v, "log-missing", deleted);
        assert_finding(&v, "log-trailing-data", appended);
        assert!(
            findings(&v).iter().any(
                |f| matches!(f["kind"].as_str(), Some("log-damaged" | "log-hash-mismatch"))
                    && f.to_string().contains(cut.as_str())
            ),
            "{v:#}"
        );
        assert_eq!(failures(&v).len(), 3, "{:#?}", failures(&v));
        assert_eq!(v["totals"]["logs"]["missing"], 1);
    }

    #[test]
    fn digest_edited() {
        let c = copy();
        let d = c.chain()[3].clone();
        let text = String::from_utf8(c.read_gz(&d)).unwrap();
        let edited = text.replacen("\"logFiles\":[", "\"logFiles\":[ ", 1);
        assert_ne!(text, edited);
        std::fs::write(c.path(&d), gz(edited.as_bytes())).unwrap();
        let (code, v) = c.verify_json(&[]);
        assert_eq!(code, 1);
        assert_finding(&v, "digest-signature-invalid", &d);
    }

    #[test]
    fn digests_deleted_first_middle_newest_and_two_in_a_row() {
        let c = copy();
        let chain = c.chain();
        let n = chain.len();
        let (first, middle, newest) = (&chain[0], &chain[2], &chain[n - 1]);
        let (two_a, two_b) = (&chain[n - 4], &chain[n - 3]);
        let listed: usize = [middle, two_a, two_b].iter().map(|d| c.logs_of(d).len()).sum();
        for d in [first, middle, newest, two_a, two_b] {
            std::fs::remove_file(c.path(d)).unwrap();
        }
        let (code, v) = c.verify_json(&[]);
        assert_eq!(code, 1, "{v:#}");
        assert_finding(&v, "digest-missing", middle);
        // The pair is one finding counting both, not only the first (aws-cli issue #7054).
        assert!(
            findings(&v)
                .iter()
                .any(|f| f["kind"] == "digest-missing" && f["count"] == 2 && f.to_string().contains(two_b.as_str())),
            "{v:#}"
        );
        assert_finding(&v, "digest-missing", first);
        assert!(
            v["totals"]["digests"]["missing"].as_u64().unwrap() >= 5,
            "{:#}",
            v["totals"]
        );
        // The new head is one hour short of the copy's newest delivery.
        assert_finding(&v, "newest-digest-missing", &chain[n - 2]);
        // Logs listed by the deleted digests are reported, not dropped.
        let uncovered = v["totals"]["logs"]["not_covered"].as_u64().unwrap_or(0)
            + v["totals"]["logs"]["unverifiable"].as_u64().unwrap_or(0);
        assert!(
            uncovered as usize >= listed,
            "{listed} logs of deleted digests: {:#}",
            v["totals"]
        );
    }

    #[test]
    fn digest_moved_and_injected_log() {
        let c = copy();
        let chain = c.chain();
        let (victim, _) = c.digest_with_logs(2);
        let bytes = std::fs::read(c.path(&victim)).unwrap();
        let later = chain.last().unwrap().replace("_20", "_21");
        std::fs::create_dir_all(c.path(&later).parent().unwrap()).unwrap();
        std::fs::write(c.path(&later), &bytes).unwrap();
        // A log beside the real ones that no digest lists.
        let (_, logs) = c.digest_with_logs(3);
        let injected = logs[0].replace(".json.gz", "").to_owned() + "X.json.gz";
        let injected = {
            let (dir, name) = injected.rsplit_once('/').unwrap();
            let (stem, _) = name.rsplit_once('_').unwrap();
            format!("{dir}/{stem}_ZZZZZZZZZZZZZZZZ.json.gz")
        };
        std::fs::write(c.path(&injected), gz(br#"{"Records":[]}"#)).unwrap();
        let (code, v) = c.verify_json(&[]);
        assert_eq!(code, 1);
        assert_finding(&v, "digest-moved", &later);
        assert_finding(&v, "log-not-covered", &injected);
    }

    #[test]
    fn wrong_key_and_stripped_signature() {
        let c = copy();
        // Keys of another generated trail (another seed): no fingerprint matches.
        let other = tempfile::tempdir().unwrap();
        generate_into(&other.path().join("t"), "6", "2", "100");
        let wrong = other.path().join("t/.trailguard/public-keys.json");
        let out = bin()
            .arg("verify")
            .arg(&c.root)
            .arg("--public-keys")
            .arg(&wrong)
            .arg("--signatures")
            .arg(&c.signatures)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            findings(&v).iter().any(|f| f["kind"] == "public-key-not-found"),
            "{v:#}"
        );
        assert_eq!(v["totals"]["digests"]["valid"], 0);

        // The newest digest's signature replaced by another digest's: it no longer verifies.
        let chain = c.chain();
        let head = chain.last().unwrap();
        let mut sigs: BTreeMap<String, J> = serde_json::from_slice(&std::fs::read(&c.signatures).unwrap()).unwrap();
        let head_entry = sigs.keys().find(|k| k.ends_with(head.as_str())).unwrap().clone();
        let other_entry = sigs.keys().find(|k| k.ends_with(chain[1].as_str())).unwrap().clone();
        let forged = sigs[&other_entry].clone();
        sigs.insert(head_entry, forged);
        std::fs::write(&c.signatures, serde_json::to_vec(&sigs).unwrap()).unwrap();
        let (code, v) = c.verify_json(&[]);
        assert_eq!(code, 1);
        assert_finding(&v, "digest-signature-invalid", head);
    }

    #[test]
    fn aws_cli_format() {
        let c = copy();
        let out = c.verify(&["--format", "aws-cli", "-v"]);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.starts_with("Validating log files for trail arn:aws:cloudtrail:"),
            "{stdout}"
        );
        assert!(stdout.contains("\tvalid\n"), "{stdout}");
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

        let (_, logs) = c.digest_with_logs(1);
        std::fs::remove_file(c.path(&logs[0])).unwrap();
        let out = c.verify(&["--format", "aws-cli"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!(
                "Log file\ts3://trailguard-demo-trail/{}\tINVALID: not found\n",
                logs[0]
            )) || stderr.contains(&format!("/{}\tINVALID: not found\n", logs[0])),
            "{stderr}"
        );
        // --strict keeps to the trailguard formats.
        let out = c.verify(&["--format", "aws-cli", "--strict"]);
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn could_not_check_is_exit_2() {
        let c = copy();
        // No keys at all: nothing can be authenticated.
        let out = bin()
            .arg("verify")
            .arg(&c.root)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
        // Not a folder.
        let out = bin().arg("verify").arg(c.root.join("nope")).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a folder"));
        // A keys file that is not one.
        let out = bin()
            .arg("verify")
            .arg(&c.root)
            .arg("--public-keys")
            .arg(&c.signatures)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

mod s3 {
    use super::*;

    /// Serve the copy's objects from moto_server, each digest with its S3 user metadata, and
    /// the trail's public keys from moto's CloudTrail `ListPublicKeys`.
    fn serve(c: &Copy) -> (oracle::Server, String) {
        let sigs: BTreeMap<String, BTreeMap<String, J>> =
            serde_json::from_slice(&std::fs::read(&c.signatures).unwrap()).unwrap();
        let manifest: J =
            serde_json::from_slice(&std::fs::read(c.root.join(".trailguard/manifest.json")).unwrap()).unwrap();
        let bucket = manifest["trail"]["bucket"].as_str().unwrap().to_owned();
        let metadata: BTreeMap<String, BTreeMap<String, String>> = sigs
            .into_iter()
            .map(|(k, m)| {
                let key = k.strip_prefix(&format!("{bucket}/")).unwrap_or(&k).to_owned();
                let m = m
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
                    .collect();
                (key, m)
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let keys: J = serde_json::from_slice(&std::fs::read(&c.keys).unwrap()).unwrap();
        (
            oracle::Server::start_dir_with_keys(&bucket, &c.root, &metadata, Some(&keys), dir),
            bucket,
        )
    }

    /// The time at which every chain's newest digest is just due (its end plus the 90 minutes
    /// trailguard allows for delivery): the copy was taken then.
    fn due(c: &Copy) -> String {
        let mut newest: BTreeMap<String, String> = BTreeMap::new();
        for k in c.files("CloudTrail-Digest") {
            let chain = k[..k.rfind('_').unwrap()].to_owned();
            let stamp = k.rsplit('_').next().unwrap()[..16].to_owned();
            let e = newest.entry(chain).or_default();
            if *e < stamp {
                *e = stamp;
            }
        }
        let first = newest.values().min().unwrap();
        let (h, m): (u32, u32) = (first[9..11].parse().unwrap(), first[11..13].parse().unwrap());
        let total = h * 60 + m + 90;
        assert!(total < 24 * 60, "{first}");
        format!(
            "{}-{}-{}T{:02}:{:02}:{}Z",
            &first[0..4],
            &first[4..6],
            &first[6..8],
            total / 60,
            total % 60,
            &first[13..15]
        )
    }

    fn verify_s3(server: &oracle::Server, bucket: &str, extra: &[&str]) -> Output {
        bin()
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .arg("verify")
            .arg(format!("s3://{bucket}"))
            .args(["--endpoint-url", &server.url])
            .args(extra)
            .output()
            .unwrap()
    }

    #[test]
    fn intact_and_tampered_bucket() {
        let c = copy();
        let chain = c.chain();
        let (_, logs) = c.digest_with_logs(2);
        let newest = chain.last().unwrap().clone();
        let now = due(&c);
        // Tamper before serving: a log deleted, the newest digest deleted.
        let saved = tempfile::tempdir().unwrap();
        let saved_keys = saved.path().join("keys.json");
        let saved_sigs = saved.path().join("sigs.json");
        let pristine = {
            let (server, bucket) = serve(&c);
            // Keys from ListPublicKeys, signatures from S3 metadata; both saved for offline use.
            let out = verify_s3(
                &server,
                &bucket,
                &[
                    "--now",
                    &now,
                    "--save-public-keys",
                    saved_keys.to_str().unwrap(),
                    "--save-signatures",
                    saved_sigs.to_str().unwrap(),
                ],
            );
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.contains("from CloudTrail ListPublicKeys"), "{text}");
            // Offline with what was saved: the same verdict, every digest authenticated.
            let out = bin()
                .arg("verify")
                .arg(&c.root)
                .arg("--public-keys")
                .arg(&saved_keys)
                .arg("--signatures")
                .arg(&saved_sigs)
                .args(["--format", "json"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            let v: J = serde_json::from_slice(&out.stdout).unwrap();
            assert!(findings(&v).is_empty(), "{v:#}");
            let out = verify_s3(&server, &bucket, &["--format", "json", "--now", &now]);
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            serde_json::from_slice::<J>(&out.stdout).unwrap()
        };
        assert_eq!(pristine["verdict"], "valid", "{pristine:#}");
        assert!(findings(&pristine).is_empty(), "{pristine:#}");
        assert_eq!(
            pristine["totals"]["digests"]["valid"],
            c.files("CloudTrail-Digest").len() as u64
        );

        std::fs::remove_file(c.path(&logs[0])).unwrap();
        std::fs::remove_file(c.path(&newest)).unwrap();
        let (server, bucket) = serve(&c);
        let out = verify_s3(&server, &bucket, &["--format", "json", "--now", &now]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_finding(&v, "log-missing", &logs[0]);
        assert_finding(&v, "newest-digest-missing", &chain[chain.len() - 2]);

        // The aws-cli format from S3 names the deleted log as the CLI does.
        let out = verify_s3(&server, &bucket, &["--format", "aws-cli"]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("Log file\ts3://{bucket}/{}\tINVALID: not found\n", logs[0])),
            "{stderr}"
        );
    }
}
