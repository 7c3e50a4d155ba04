//! `trailguard collect` and `trailguard audit` as users run them.
//!
//! - `live`: accounts built with boto3 in a real AWS-compatible server (`moto_server`, started
//!   on a free loopback port per test), collected and audited; every finding is compared with
//!   the expected table in `tests/aws/expected/`.
//! - `iac`: CloudFormation templates (the hardened organization trail and broken variants) and
//!   Terraform plans.
//! - `formats`: insta snapshots of every output format, and exit codes.
//! - `reference`: `--list` and `--explain` come from the registry.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Std, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value as J;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("trailguard").unwrap();
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

/// The findings of a JSON report as sorted `CHECK STATUS RESOURCE` lines, with ids replaced
/// by names.
fn table(report: &J, names: &[(&str, &str)]) -> String {
    let mut rows: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut id = f["resource"]["id"].as_str().unwrap().to_string();
            for (value, name) in names {
                id = id.replace(value, name);
            }
            format!(
                "{} {} {}",
                f["check_id"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
                id
            )
        })
        .collect();
    rows.sort();
    rows.join("\n") + "\n"
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/aws/expected").join(name)).unwrap()
}

/// Compare with `tests/aws/expected/NAME` line by line, printing the difference. With
/// `TRAILGUARD_UPDATE_EXPECTED=1` the file is rewritten with the actual table instead (review
/// every changed line with `git diff tests/aws/expected` against the scenario before committing).
fn assert_table(actual: &str, name: &str, what: &str) {
    if std::env::var_os("TRAILGUARD_UPDATE_EXPECTED").is_some_and(|v| v == "1") {
        std::fs::write(root().join("tests/aws/expected").join(name), actual).unwrap();
        return;
    }
    let expected = expected(name);
    let expected = expected.as_str();
    if actual != expected {
        let a: std::collections::BTreeSet<&str> = actual.lines().collect();
        let e: std::collections::BTreeSet<&str> = expected.lines().collect();
        let missing: Vec<_> = e.difference(&a).collect();
        let extra: Vec<_> = a.difference(&e).collect();
        panic!(
            "{what}: findings differ\n  expected but missing:\n    {missing:#?}\n  not expected:\n    {extra:#?}\n\nactual table:\n{actual}"
        );
    }
}

/// `audit --format json --snapshot FILE`: the exit code and the report.
fn audit_snapshot(snap: &Path) -> (Option<i32>, J) {
    let out = bin()
        .args(["audit", "--format", "json", "--snapshot"])
        .arg(snap)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "audit printed no JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn finding<'a>(report: &'a J, check: &str, resource_contains: &str) -> &'a J {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == check && f["resource"]["id"].as_str().unwrap().contains(resource_contains))
        .unwrap_or_else(|| panic!("no {check} finding for {resource_contains}"))
}

mod moto {
    use super::*;

    /// The Python with `tests/requirements.txt` installed (scripts/test sets it up).
    pub(crate) fn python() -> PathBuf {
        match std::env::var_os("TRAILGUARD_TEST_PYTHON") {
            Some(p) => PathBuf::from(p),
            None => panic!(
                "these tests need moto_server and boto3: set TRAILGUARD_TEST_PYTHON to a Python with tests/requirements.txt installed \
                 (scripts/test creates .venv and sets it; by hand: python3 -m venv .venv && .venv/bin/pip install -r tests/requirements.txt \
                 && export TRAILGUARD_TEST_PYTHON=$PWD/.venv/bin/python)"
            ),
        }
    }

    /// A `moto_server` on a free loopback port, stopped when dropped.
    pub(crate) struct Moto {
        child: Child,
        pub(crate) endpoint: String,
    }

    impl Moto {
        pub(crate) fn start(record: Option<&Path>, delay: f64) -> Moto {
            let mut cmd = Std::new(python());
            cmd.arg(root().join("tests/aws/moto_server.py"))
                .args(["--port", "0", "--delay", &delay.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            if let Some(r) = record {
                cmd.arg("--record").arg(r);
            }
            let mut child = cmd.spawn().expect("cannot start tests/aws/moto_server.py");
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                let _ = tx.send(line);
            });
            let line = rx
                .recv_timeout(Duration::from_secs(120))
                .unwrap_or_else(|_| panic!("moto_server did not start within 120 s"));
            let port = line
                .trim()
                .strip_prefix("READY ")
                .unwrap_or_else(|| panic!("moto_server said {line:?} instead of READY <port>"));
            Moto {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
            }
        }

        /// Build accounts with `tests/aws/build.py WHAT`; returns what it printed.
        pub(crate) fn build(&self, what: &str) -> J {
            let out = Std::new(python())
                .arg(root().join("tests/aws/build.py"))
                .args(["--endpoint", &self.endpoint, what])
                .env("PYTHONWARNINGS", "ignore")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "build.py {what} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).unwrap()
        }

        /// `trailguard SUBCOMMAND --endpoint-url …` with credentials for the emulator and nothing
        /// from the environment.
        pub(crate) fn trailguard(&self, subcommand: &str) -> Command {
            let mut c = bin();
            c.env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env_remove("AWS_SESSION_TOKEN")
                .env_remove("AWS_PROFILE")
                .env("AWS_REGION", "us-east-1")
                .env("AWS_CONFIG_FILE", "/nonexistent")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .args([subcommand, "--endpoint-url", &self.endpoint]);
            c
        }
    }

    impl Drop for Moto {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

mod live {
    use super::moto::Moto;
    use super::*;

    const REGIONS: &str = "us-east-1,eu-west-1,ap-southeast-2";

    #[test]
    fn weakened_alarms_fail_on_a_live_organization() {
        // The hardened organization with the root-usage alarm's actions disabled and the
        // CloudTrail-changes alarm deleted: exactly those two checks turn to FAIL, in every
        // account the organization trail covers, and each reason names the alarm's problem.
        let dir = tempfile::tempdir().unwrap();
        let m = Moto::start(None, 0.0);
        let ids = m.build("hardened-weak-alarms");
        let snap = dir.path().join("org.json");
        let out = m
            .trailguard("collect")
            .args(["--org", "OrganizationAccountAccessRole", "--regions", REGIONS, "--out"])
            .arg(&snap)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let (code, report) = audit_snapshot(&snap);
        assert_eq!(code, Some(1), "a failed check exits 1");
        let names = [
            (ids["log_archive"].as_str().unwrap(), "{log-archive}"),
            (ids["workload"].as_str().unwrap(), "{workload}"),
            (ids["organization"].as_str().unwrap(), "{org}"),
            (ids["key"].as_str().unwrap().rsplit('/').next().unwrap(), "{key-id}"),
        ];
        let actual = table(&report, &names);
        let hardened = expected("hardened.txt");
        let a: std::collections::BTreeSet<&str> = actual.lines().collect();
        let h: std::collections::BTreeSet<&str> = hardened.lines().collect();
        let now_failing: Vec<&str> = a.difference(&h).copied().collect();
        let no_longer: Vec<&str> = h.difference(&a).copied().collect();
        assert_eq!(now_failing.len(), 6, "two checks × three accounts: {now_failing:#?}");
        assert_eq!(no_longer.len(), 6, "{no_longer:#?}");
        assert!(
            now_failing.iter().all(|l| l.split(' ').nth(1) == Some("FAIL")),
            "{now_failing:#?}"
        );
        assert!(
            no_longer.iter().all(|l| l.split(' ').nth(1) == Some("PASS")),
            "{no_longer:#?}"
        );
        let checks: std::collections::BTreeSet<&str> = now_failing.iter().filter_map(|l| l.split(' ').next()).collect();
        assert_eq!(checks.len(), 2, "{checks:?}");
        let reasons: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == "FAIL")
            .map(|f| f["reason"].as_str().unwrap().to_string())
            .collect();
        assert!(reasons.iter().any(|r| r.contains("RootAccountUsage")), "{reasons:#?}");
        assert!(
            reasons.iter().any(|r| r.to_lowercase().contains("alarm")),
            "{reasons:#?}"
        );
    }

    #[test]
    fn hardened_organization_has_no_failure() {
        let dir = tempfile::tempdir().unwrap();
        let m = Moto::start(None, 0.0);
        let ids = m.build("hardened");
        let snap = dir.path().join("org.json");
        let out = m
            .trailguard("collect")
            .args(["--org", "OrganizationAccountAccessRole", "--regions", REGIONS, "--out"])
            .arg(&snap)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let (_, report) = audit_snapshot(&snap);
        let names = [
            (ids["log_archive"].as_str().unwrap(), "{log-archive}"),
            (ids["workload"].as_str().unwrap(), "{workload}"),
            (ids["organization"].as_str().unwrap(), "{org}"),
            (ids["key"].as_str().unwrap().rsplit('/').next().unwrap(), "{key-id}"),
        ];
        assert_table(&table(&report, &names), "hardened.txt", "hardened organization");
        // Exit 0: nothing fails. The one thing moto 5.2.5 cannot serve is ERROR, never FAIL:
        // CloudTrail Lake (moto does not implement ListEventDataStores; tests/aws/moto_server.py
        // answers 501 NotImplementedException), and the reason says the endpoint lacks the call.
        // The log-archive account's key is read with that account's role, bucket versioning
        // despite moto's `<GetBucketVersioningResponse>` root: both are judged.
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let findings = report["findings"].as_array().unwrap();
        assert!(
            !findings.iter().any(|f| f["status"] == "FAIL"),
            "no false FAIL on the hardened organization"
        );
        for f in findings.iter().filter(|f| f["status"] == "ERROR") {
            assert_eq!(f["check_id"], "CT-046", "{f}");
            let reason = f["reason"].as_str().unwrap();
            assert!(
                reason.contains("the endpoint does not implement cloudtrail:ListEventDataStores"),
                "{f}"
            );
        }
        let lake = finding(&report, "CT-046", "123456789012");
        assert_eq!(lake["status"], "ERROR", "{lake}");
        // What moto serves is judged: validation, the organization trail, the bucket's policy,
        // the SCP guardrails, the log-archive account's key (read with its role) and the
        // bucket's versioning, with Object Lock COMPLIANCE standing in for MFA Delete.
        for (check, resource) in [
            ("CT-001", "123456789012"),
            ("CT-005", "org-trail"),
            ("CT-006", "org-trail"),
            ("CT-007", ":key/"),
            ("CT-008", ":key/"),
            ("CT-009", "organization/"),
            ("CT-031", "org-trail-logs"),
            ("CT-033", "org-trail-logs"),
            ("CT-034", "org-trail-logs"),
            ("CT-035", "org-trail-logs"),
        ] {
            let f = finding(&report, check, resource);
            assert_eq!(f["status"], "PASS", "{f}");
        }
        // The SCP guardrail (with its break-glass exemption) protects the member accounts.
        let workload = ids["workload"].as_str().unwrap();
        assert_eq!(finding(&report, "CT-040", workload)["status"], "PASS");
        // `audit --live` reads the same and judges the same.
        let live = m
            .trailguard("audit")
            .args([
                "--live",
                "--format",
                "json",
                "--org",
                "OrganizationAccountAccessRole",
                "--regions",
                REGIONS,
            ])
            .output()
            .unwrap();
        let live: J = serde_json::from_slice(&live.stdout).unwrap();
        assert_eq!(table(&live, &names), table(&report, &names));
    }

    #[test]
    fn pitfalls_are_reported_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let m = Moto::start(None, 0.0);
        let _ = m.build("pitfalls");
        let snap = dir.path().join("pitfalls.json");
        let out = m
            .trailguard("collect")
            .args(["--regions", "us-east-1,eu-west-1,us-west-2", "--out"])
            .arg(&snap)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let (code, report) = audit_snapshot(&snap);
        assert_eq!(code, Some(1), "failures exit 1");
        assert_table(&table(&report, &[]), "pitfalls.txt", "pitfalls account");
        // Reasons name the exact setting.
        let validation = finding(&report, "CT-005", "app-trail");
        assert!(
            validation["reason"]
                .as_str()
                .unwrap()
                .contains("LogFileValidationEnabled = false")
        );
        let public = finding(&report, "CT-031", "pitfall-trail-logs");
        assert!(public["reason"].as_str().unwrap().contains("AllUsers"), "{public}");
        let mgmt = finding(&report, "CT-003", "123456789012");
        assert!(
            mgmt["reason"].as_str().unwrap().contains("no multi-region trail"),
            "{mgmt}"
        );
        let unversioned = finding(&report, "CT-034", "pitfall-trail-logs");
        assert!(
            unversioned["reason"]
                .as_str()
                .unwrap()
                .contains("versioning was never enabled"),
            "{unversioned}"
        );
        let orphan = finding(&report, "CT-043", "legacy-trail");
        assert!(
            orphan["reason"].as_str().unwrap().contains("does not exist"),
            "{orphan}"
        );
        // --soft-fail turns results into 0; --fail-on critical still fails on the public bucket.
        let soft = bin()
            .args(["audit", "--soft-fail", "--snapshot"])
            .arg(&snap)
            .output()
            .unwrap();
        assert_eq!(soft.status.code(), Some(0));
        let critical = bin()
            .args(["audit", "--fail-on", "critical", "--snapshot"])
            .arg(&snap)
            .output()
            .unwrap();
        assert_eq!(critical.status.code(), Some(1));
    }

    #[test]
    fn resources_of_accounts_left_out_are_not_judged() {
        // --org with only the workload account: the log-archive account, which owns the
        // organization trail's key and bucket, is not collected, so they are read with the
        // management account's credentials as before. moto keeps accounts apart: neither may
        // read as a FAIL; the bucket is another account's (MANUAL), the key cannot be read.
        let dir = tempfile::tempdir().unwrap();
        let m = Moto::start(None, 0.0);
        let ids = m.build("hardened");
        let workload = ids["workload"].as_str().unwrap();
        let log_archive = ids["log_archive"].as_str().unwrap();
        let snap = dir.path().join("org.json");
        let out = m
            .trailguard("collect")
            .args([
                "--org",
                "OrganizationAccountAccessRole",
                "--accounts",
                workload,
                "--regions",
                "us-east-1",
                "--out",
            ])
            .arg(&snap)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let s: J = serde_json::from_slice(&std::fs::read(&snap).unwrap()).unwrap();
        let accounts: Vec<&str> = s["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["account_id"].as_str().unwrap())
            .collect();
        assert_eq!(accounts, ["123456789012", workload]);
        let mgmt = &s["accounts"][0];
        assert_eq!(
            mgmt["buckets"][0]["presence"]["ok"], "other_account",
            "{}",
            mgmt["buckets"]
        );
        assert!(
            mgmt["keys"][0]["reference"].as_str().unwrap().contains(log_archive),
            "{}",
            mgmt["keys"]
        );
        let (_, report) = audit_snapshot(&snap);
        for check in ["CT-034", "CT-035", "CT-036", "CT-037", "CT-038"] {
            let f = finding(&report, check, "org-trail-logs");
            assert_eq!(f["status"], "MANUAL", "{f}");
        }
        for check in ["CT-006", "CT-007", "CT-008"] {
            let f = finding(
                &report,
                check,
                if check == "CT-006" { "org-trail" } else { log_archive },
            );
            assert_eq!(f["status"], "ERROR", "{f}");
            let reason = f["reason"].as_str().unwrap();
            assert!(reason.contains("kms:"), "{f}");
            assert!(
                reason.contains(&format!("the key belongs to account {log_archive}")),
                "{f}"
            );
        }
    }

    /// The 17 regions enabled by default in the aws partition.
    const SEVENTEEN: &str = "us-east-1,us-east-2,us-west-1,us-west-2,ca-central-1,eu-west-1,eu-west-2,eu-west-3,eu-central-1,eu-north-1,ap-south-1,ap-southeast-1,ap-southeast-2,ap-northeast-1,ap-northeast-2,ap-northeast-3,sa-east-1";

    #[test]
    fn seventeen_regions_are_read_concurrently() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("requests.jsonl");
        // Each request is held 50 ms by the server so that intervals are comparable on a busy
        // machine; the verdict comes from their overlap, not from any duration.
        let m = Moto::start(Some(&record), 0.05);
        let out = m
            .trailguard("collect")
            .args(["--regions", SEVENTEEN, "--out"])
            .arg(dir.path().join("s.json"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = std::fs::read_to_string(&record).unwrap();
        let mut events: Vec<(f64, i32, String)> = Vec::new();
        let mut regions = std::collections::BTreeSet::new();
        for line in text.lines() {
            let v: J = serde_json::from_str(line).unwrap();
            let region = v["region"].as_str().unwrap().to_string();
            if v["service"] != "cloudtrail" {
                continue;
            }
            regions.insert(region.clone());
            events.push((v["start"].as_f64().unwrap(), 1, region.clone()));
            events.push((v["end"].as_f64().unwrap(), -1, region));
        }
        assert_eq!(regions.len(), 17, "every region was read: {regions:?}");
        // Sweep: the most distinct regions with a CloudTrail request in flight at once.
        events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut open: BTreeMap<String, i32> = BTreeMap::new();
        let mut most = 0;
        for (_, d, r) in events {
            *open.entry(r).or_default() += d;
            most = most.max(open.values().filter(|n| **n > 0).count());
        }
        assert!(
            most >= 8,
            "at most {most} regions had requests in flight at the same time"
        );
    }

    #[test]
    fn enabled_regions_are_discovered() {
        let dir = tempfile::tempdir().unwrap();
        let m = Moto::start(None, 0.0);
        let snap = dir.path().join("s.json");
        let out = m.trailguard("collect").args(["--out"]).arg(&snap).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let s: J = serde_json::from_slice(&std::fs::read(&snap).unwrap()).unwrap();
        let regions: Vec<&str> = s["accounts"][0]["regions"]["ok"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(
            regions.contains(&"us-east-1") && regions.contains(&"af-south-1"),
            "{regions:?}"
        );
        assert!(
            !regions.iter().any(|r| r.starts_with("cn-") || r.starts_with("us-gov-")),
            "other partitions: {regions:?}"
        );
        let read = s["accounts"][0]["region_data"].as_array().unwrap().len();
        assert_eq!(read, regions.len(), "every enabled region was read");
    }

    #[test]
    fn denied_reads_are_errors_not_failures() {
        // No server at all: the credentials cannot even be checked.
        let out = bin()
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .args([
                "collect",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--max-attempts",
                "1",
                "--region",
                "us-east-1",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("GetCallerIdentity"), "{err}");
    }
}

/// Replace RFC 3339 times (`2026-11-21T03:22:55Z`) with `[time]`.
fn redact_times(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let shape = |w: &[u8]| {
        w.len() == 20
            && w.iter().enumerate().all(|(k, c)| match k {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            })
    };
    while i < b.len() {
        if i + 20 <= b.len() && shape(&b[i..i + 20]) {
            out.push_str("[time]");
            i += 20;
        } else {
            let ch = s[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

mod iac {
    use super::*;

    fn dir() -> PathBuf {
        root().join("tests/iac")
    }

    fn audit_cfn_text(text: &str, extra: &[&str]) -> (Option<i32>, J) {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("template.yaml");
        std::fs::write(&p, text).unwrap();
        let out = bin()
            .args(["audit", "--format", "json", "--cfn"])
            .arg(&p)
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            serde_json::from_slice(&out.stdout).unwrap_or(J::Null),
        )
    }

    fn statuses(report: &J) -> Vec<(String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["check_id"].as_str().unwrap().to_string(),
                    f["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn hardened_stacks_have_no_failure() {
        for (file, table_name) in [
            ("org-trail-management.yaml", "cfn-management.txt"),
            ("org-trail-log-archive.yaml", "cfn-log-archive.txt"),
        ] {
            let out = bin()
                .current_dir(dir())
                .args(["audit", "--format", "json", "--cfn", file])
                .output()
                .unwrap();
            let report: J = serde_json::from_slice(&out.stdout).unwrap();
            assert_table(&table(&report, &[]), table_name, file);
            assert_eq!(out.status.code(), Some(0), "{file}");
        }
    }

    #[test]
    fn all_in_one_stack_keeps_the_logs_in_the_trail_account() {
        let out = bin()
            .current_dir(dir())
            .args(["audit", "--format", "json", "--cfn", "org-trail-all-in-one.yaml"])
            .output()
            .unwrap();
        let report: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_table(&table(&report, &[]), "cfn-all-in-one.txt", "all-in-one template");
        assert_eq!(out.status.code(), Some(1));
        // SARIF points at the bucket's line.
        let sarif = bin()
            .current_dir(dir())
            .args(["audit", "--format", "sarif", "--cfn", "org-trail-all-in-one.yaml"])
            .output()
            .unwrap();
        let s: J = serde_json::from_slice(&sarif.stdout).unwrap();
        let result = &s["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "CT-039");
        let line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap();
        let text = std::fs::read_to_string(dir().join("org-trail-all-in-one.yaml")).unwrap();
        assert_eq!(text.lines().nth(line as usize - 1).unwrap().trim(), "TrailBucket:");
    }

    /// (what was broken, text to replace, replacement, results that must appear)
    /// (what was broken, text to replace, replacement, results that must appear)
    type Broken = (
        &'static str,
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    );

    const BROKEN: &[Broken] = &[
        (
            "single-region trail",
            "      IsMultiRegionTrail: true\n",
            "      IsMultiRegionTrail: false\n",
            &[
                ("CT-001", "FAIL"),
                ("CT-002", "FAIL"),
                ("CT-003", "FAIL"),
                ("CT-009", "FAIL"),
                ("CT-013", "FAIL"),
                ("CT-028", "FAIL"),
            ],
        ),
        (
            "no log file validation",
            "      EnableLogFileValidation: true\n",
            "      EnableLogFileValidation: false\n",
            &[("CT-005", "FAIL")],
        ),
        (
            "SSE-S3 instead of KMS",
            "      KMSKeyId: !GetAtt TrailKey.Arn\n",
            "",
            &[("CT-006", "FAIL")],
        ),
        (
            "stopped trail",
            "      IsLogging: true\n",
            "      IsLogging: false\n",
            &[("CT-001", "FAIL"), ("CT-043", "FAIL")],
        ),
        (
            "key rotation off",
            "      EnableKeyRotation: true\n      KeyPolicy:",
            "      EnableKeyRotation: false\n      KeyPolicy:",
            &[("CT-008", "FAIL")],
        ),
        (
            "key policy without aws:SourceArn or encryption context",
            "            Action: kms:GenerateDataKey*\n            Resource: \"*\"\n            Condition:\n              StringEquals:\n                aws:SourceArn: !Sub arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${TrailName}\n              StringLike:\n                kms:EncryptionContext:aws:cloudtrail:arn: !Sub arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*\n",
            "            Action: kms:GenerateDataKey*\n            Resource: \"*\"\n",
            &[("CT-007", "FAIL")],
        ),
        (
            "public bucket",
            "      PublicAccessBlockConfiguration:\n        BlockPublicAcls: true\n        IgnorePublicAcls: true\n        BlockPublicPolicy: true\n        RestrictPublicBuckets: true\n      OwnershipControls:",
            "      AccessControl: PublicRead\n      OwnershipControls:",
            &[("CT-031", "FAIL")],
        ),
        (
            "GOVERNANCE mode",
            "            Mode: COMPLIANCE\n",
            "            Mode: GOVERNANCE\n",
            &[("CT-035", "FAIL"), ("CT-036", "FAIL")],
        ),
        (
            "short expiration",
            "            ExpirationInDays: 2557\n",
            "            ExpirationInDays: 30\n",
            &[("CT-037", "FAIL")],
        ),
        (
            "CloudTrail may write anywhere, from any trail",
            "            Resource:\n              - !Sub ${TrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*\n              - !Sub ${TrailBucket.Arn}/AWSLogs/${OrganizationId}/*\n            Condition:\n              StringEquals:\n                s3:x-amz-acl: bucket-owner-full-control\n                aws:SourceArn: !Sub arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${TrailName}\n",
            "            Resource: !Sub ${TrailBucket.Arn}/*\n",
            &[("CT-033", "FAIL")],
        ),
        (
            "log retention 90 days",
            "      RetentionInDays: 400\n",
            "      RetentionInDays: 90\n",
            &[("CT-044", "FAIL")],
        ),
        (
            "no CloudWatch Logs",
            "      CloudWatchLogsLogGroupArn: !GetAtt TrailLogGroup.Arn\n",
            "",
            &[("CT-010", "FAIL"), ("CT-011", "FAIL"), ("CT-025", "FAIL")],
        ),
        (
            "root alarm disabled",
            "      AlarmName: RootAccountUsage\n      MetricName: RootAccountUsage\n      Namespace: CISBenchmark\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 1\n      ComparisonOperator: GreaterThanOrEqualToThreshold\n      ActionsEnabled: true\n",
            "      AlarmName: RootAccountUsage\n      MetricName: RootAccountUsage\n      Namespace: CISBenchmark\n      Statistic: Sum\n      Period: 300\n      EvaluationPeriods: 1\n      Threshold: 1\n      ComparisonOperator: GreaterThanOrEqualToThreshold\n      ActionsEnabled: false\n",
            &[("CT-013", "FAIL")],
        ),
        (
            "nobody subscribed to the alarm topic",
            "      Subscription:\n        - Protocol: email\n          Endpoint: !Ref AlertEmail\n",
            "",
            &[("CT-011", "FAIL"), ("CT-015", "FAIL"), ("CT-025", "FAIL")],
        ),
        (
            "no Insights",
            "      InsightSelectors:\n        - InsightType: ApiCallRateInsight\n        - InsightType: ApiErrorRateInsight\n",
            "",
            &[("CT-027", "FAIL")],
        ),
        (
            "read-only S3 data events",
            "            - Field: resources.type\n              Equals: [\"AWS::S3::Object\"]\n",
            "            - Field: resources.type\n              Equals: [\"AWS::S3::Object\"]\n            - Field: readOnly\n              Equals: [\"true\"]\n",
            &[("CT-028", "FAIL"), ("CT-029", "PASS")],
        ),
        (
            "SCP without break-glass exemption",
            "      Name: protect-cloudtrail\n      Type: SERVICE_CONTROL_POLICY\n      TargetIds: [!Ref OrganizationRootId]\n      Content:\n        Version: \"2012-10-17\"\n        Statement:\n          - Sid: DenyTrailTampering\n            Effect: Deny\n            Action:\n              - cloudtrail:StopLogging\n              - cloudtrail:DeleteTrail\n              - cloudtrail:UpdateTrail\n              - cloudtrail:PutEventSelectors\n              - cloudtrail:PutInsightSelectors\n              - cloudtrail:DeleteEventDataStore\n            Resource: \"*\"\n            Condition:\n              ArnNotLike:\n                aws:PrincipalArn: arn:aws:iam::*:role/BreakGlass\n",
            "      Name: protect-cloudtrail\n      Type: SERVICE_CONTROL_POLICY\n      TargetIds: [!Ref OrganizationRootId]\n      Content:\n        Version: \"2012-10-17\"\n        Statement:\n          - Sid: DenyTrailTampering\n            Effect: Deny\n            Action:\n              - cloudtrail:StopLogging\n              - cloudtrail:DeleteTrail\n              - cloudtrail:UpdateTrail\n              - cloudtrail:PutEventSelectors\n              - cloudtrail:PutInsightSelectors\n              - cloudtrail:DeleteEventDataStore\n            Resource: \"*\"\n",
            &[("CT-040", "FAIL")],
        ),
        (
            "bucket name from a parameter without default",
            "      BucketName: !Sub org-trail-logs-${AWS::AccountId}\n",
            "      BucketName: !Ref LogBucketName\n",
            &[("CT-049", "MANUAL")],
        ),
    ];

    #[test]
    fn broken_variants_fail_where_they_were_broken() {
        let base = std::fs::read_to_string(dir().join("org-trail-all-in-one.yaml")).unwrap();
        let (_, clean) = audit_cfn_text(&base, &[]);
        let clean_fails: Vec<(String, String)> = statuses(&clean).into_iter().filter(|(_, s)| s == "FAIL").collect();
        assert_eq!(clean_fails, vec![("CT-039".to_string(), "FAIL".to_string())]);
        for (what, from, to, want) in BROKEN {
            assert!(
                base.contains(from),
                "{what}: the template no longer contains the text to break"
            );
            let mut text = base.replacen(from, to, 1);
            if *what == "bucket name from a parameter without default" {
                text = text.replacen("Parameters:\n", "Parameters:\n  LogBucketName:\n    Type: String\n", 1);
            }
            let (code, report) = audit_cfn_text(&text, &[]);
            let got = statuses(&report);
            for (check, status) in *want {
                assert!(
                    got.iter().any(|(c, s)| c == check && s == status),
                    "{what}: expected {check} {status}, got {:?}",
                    got.iter().filter(|(c, _)| c == check).collect::<Vec<_>>()
                );
            }
            if want.iter().any(|(_, s)| *s == "FAIL") {
                assert_eq!(code, Some(1), "{what}");
            }
        }
    }

    #[test]
    fn altered_cis_patterns_are_not_accepted() {
        let base = std::fs::read_to_string(dir().join("org-trail-all-in-one.yaml")).unwrap();
        // StopLogging removed from the CIS 4.5 pattern: it no longer covers the control.
        let from = "|| ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
        assert!(base.contains(from));
        let (_, report) = audit_cfn_text(&base.replacen(from, "|| ($.eventName = StartLogging) }", 1), &[]);
        let ct015 = finding(&report, "CT-015", "");
        assert_ne!(ct015["status"], "PASS", "{ct015}");
        // The published texts of every version are accepted as written (reordered whitespace too).
        let (_, report) = audit_cfn_text(&base, &[]);
        for id in 11..=25 {
            let f = finding(&report, &format!("CT-{id:03}"), "");
            assert_eq!(f["status"], "PASS", "{f}");
        }
        // --strict-exact is Security Hub's rule: the v5.0.0 text of 4.1 is not CloudWatch.2's
        // (4.3's is, token for token).
        let (_, exact) = audit_cfn_text(&base, &["--strict-exact", "--cis-version", "1.2.0"]);
        assert_eq!(finding(&exact, "CT-011", "")["status"], "FAIL");
        assert_eq!(finding(&exact, "CT-013", "")["status"], "PASS");
        let (_, exact5) = audit_cfn_text(&base, &["--strict-exact"]);
        assert_eq!(finding(&exact5, "CT-013", "")["status"], "PASS");
    }

    fn plan() -> J {
        serde_json::from_str(&std::fs::read_to_string(dir().join("terraform/hardened.plan.json")).unwrap()).unwrap()
    }

    fn audit_plan(p: &J) -> (Option<i32>, J) {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("plan.json");
        std::fs::write(&f, serde_json::to_vec(p).unwrap()).unwrap();
        let out = bin()
            .args(["audit", "--format", "json", "--terraform"])
            .arg(&f)
            .output()
            .unwrap();
        (
            out.status.code(),
            serde_json::from_slice(&out.stdout).unwrap_or(J::Null),
        )
    }

    fn set_trail(p: &mut J, key: &str, value: J) {
        for r in p["planned_values"]["root_module"]["resources"].as_array_mut().unwrap() {
            if r["address"] == "aws_cloudtrail.org" {
                r["values"][key] = value.clone();
            }
        }
    }

    #[test]
    fn terraform_plans() {
        let out = bin()
            .current_dir(dir())
            .args([
                "audit",
                "--format",
                "json",
                "--terraform",
                "terraform/hardened.plan.json",
            ])
            .output()
            .unwrap();
        let report: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_table(&table(&report, &[]), "terraform-hardened.txt", "hardened plan");
        // One plan, one account: the only failure is that the logs stay in the trail's account.
        assert_eq!(out.status.code(), Some(1));
        let fails: Vec<&J> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == "FAIL")
            .collect();
        assert_eq!(fails.len(), 1, "{fails:?}");
        assert_eq!(fails[0]["check_id"], "CT-039");
        // Values known only after apply were resolved through the configuration's references.
        let ct006 = finding(&report, "CT-006", "org-trail");
        assert_eq!(ct006["status"], "PASS", "{ct006}");
        let mut p = plan();
        set_trail(&mut p, "is_multi_region_trail", J::Bool(false));
        set_trail(&mut p, "enable_log_file_validation", J::Bool(false));
        let (code, r) = audit_plan(&p);
        assert_eq!(code, Some(1));
        assert_eq!(finding(&r, "CT-001", "")["status"], "FAIL");
        assert_eq!(finding(&r, "CT-005", "org-trail")["status"], "FAIL");
        // A kms_key_id unknown after apply with no reference to follow is not guessed.
        let mut p = plan();
        for c in p["configuration"]["root_module"]["resources"].as_array_mut().unwrap() {
            if c["address"] == "aws_cloudtrail.org" {
                c["expressions"]["kms_key_id"] = serde_json::json!({"references": ["var.trail_key_arn"]});
            }
        }
        let (_, r) = audit_plan(&p);
        assert_eq!(finding(&r, "CT-006", "org-trail")["status"], "MANUAL");
        assert!(
            r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["check_id"] == "CT-049" && f["status"] == "MANUAL")
        );
        // The trail's bucket and key through a provider that assumes a role in a log-archive
        // account: the plan spans two accounts, which the reader merges into one. CT-039 does
        // not fail on that merge but says it cannot tell; CT-049 names both providers.
        let mut p = plan();
        p["configuration"]["provider_config"]["aws.logs"] = serde_json::json!({
            "name": "aws",
            "full_name": "registry.terraform.io/hashicorp/aws",
            "alias": "logs",
            "expressions": {
                "region": {"constant_value": "us-east-1"},
                "assume_role": [{"role_arn": {"constant_value": "arn:aws:iam::222222222222:role/Terraform"}}]
            }
        });
        for c in p["configuration"]["root_module"]["resources"].as_array_mut().unwrap() {
            let a = c["address"].as_str().unwrap().to_string();
            if a == "aws_kms_key.trail" || a.starts_with("aws_s3_bucket") {
                c["provider_config_key"] = J::from("aws.logs");
            }
        }
        let (code, r) = audit_plan(&p);
        let ct039 = finding(&r, "CT-039", "");
        assert_eq!(ct039["status"], "MANUAL", "{ct039}");
        assert!(
            ct039["reason"]
                .as_str()
                .unwrap()
                .contains("aws.logs (account 222222222222, from assume_role)"),
            "{ct039}"
        );
        let providers: Vec<&str> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == "CT-049" && f["status"] == "MANUAL")
            .map(|f| f["resource"]["id"].as_str().unwrap())
            .filter(|id| id.starts_with("provider."))
            .collect();
        assert_eq!(providers, ["provider.aws.account", "provider.aws.logs.account"]);
        assert_eq!(code, Some(0), "nothing else fails: {}", r["findings"]);
        // Not a plan.
        let (code, _) = audit_plan(&serde_json::json!({"resources": []}));
        assert_eq!(code, Some(2));
    }

    #[test]
    fn bad_templates_are_refused_with_position() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("bad.yaml");
        std::fs::write(&p, "Resources:\n  Trail:\n    Type: [unclosed\n").unwrap();
        let out = bin().args(["audit", "--cfn"]).arg(&p).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("bad.yaml:"), "{err}");
        std::fs::write(&p, "Description: no resources\n").unwrap();
        let out = bin().args(["audit", "--cfn"]).arg(&p).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no Resources"));
    }
}

mod formats {
    use super::*;

    fn fixture() -> PathBuf {
        root().join("tests/aws/fixtures/pitfalls.snapshot.json")
    }

    fn run(args: &[&str]) -> (Option<i32>, String) {
        let out = bin().current_dir(root().join("tests/iac")).args(args).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    }

    /// Every format of the same two reports: a live snapshot and a template.
    #[test]
    fn every_format() {
        let snap = fixture();
        let snap = snap.to_str().unwrap();
        for fmt in ["text", "json", "ocsf", "asff", "junit", "csv", "html", "markdown"] {
            let (code, out) = run(&["audit", "--snapshot", snap, "--skip", "CT-01,CT-02", "--format", fmt]);
            assert_eq!(code, Some(1), "{fmt}");
            insta::assert_snapshot!(format!("snapshot_{fmt}"), out);
        }
        for fmt in ["text", "sarif", "junit", "csv"] {
            let (code, out) = run(&[
                "audit",
                "--cfn",
                "org-trail-all-in-one.yaml",
                "--skip",
                "CT-01,CT-02",
                "--format",
                fmt,
            ]);
            assert_eq!(code, Some(1), "{fmt}");
            insta::assert_snapshot!(format!("cfn_{fmt}"), redact_times(&out));
        }
    }

    #[test]
    fn machine_formats_are_well_formed() {
        let snap = fixture();
        let snap = snap.to_str().unwrap();
        let (_, ocsf) = run(&["audit", "--snapshot", snap, "--format", "ocsf"]);
        let events: J = serde_json::from_str(&ocsf).unwrap();
        for e in events.as_array().unwrap() {
            assert_eq!(e["class_uid"], 2003);
            assert_eq!(e["type_uid"], 200301);
            assert!(
                ["PASS", "FAIL", "MANUAL", "NOT_APPLICABLE", "ERROR"]
                    .contains(&e["compliance"]["status_code"].as_str().unwrap())
            );
        }
        let (_, asff) = run(&["audit", "--snapshot", snap, "--format", "asff"]);
        let findings: J = serde_json::from_str(&asff).unwrap();
        for f in findings.as_array().unwrap() {
            assert_eq!(f["SchemaVersion"], "2018-10-08");
            assert!(["PASSED", "FAILED", "NOT_AVAILABLE"].contains(&f["Compliance"]["Status"].as_str().unwrap()));
            assert_eq!(f["AwsAccountId"].as_str().unwrap().len(), 12);
        }
        let (_, csv) = run(&["audit", "--snapshot", snap, "--format", "csv"]);
        let header = csv.lines().next().unwrap();
        assert!(header.starts_with("check_id,name,title,severity,status"));
        // SARIF is line-oriented: only for templates and plans.
        let out = bin()
            .args(["audit", "--snapshot", snap, "--format", "sarif"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("SARIF"));
        let out = bin()
            .current_dir(root().join("tests/iac"))
            .args(["audit", "--cfn", "org-trail-management.yaml", "--format", "asff"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let (_, html) = run(&["audit", "--snapshot", fixture().to_str().unwrap(), "--format", "html"]);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script"), "no scripts");
        assert!(
            !html.contains("src=\"http") && !html.contains("href=\"http"),
            "no external resources"
        );
        assert!(html.contains("&quot;") || html.contains("&#39;"), "text is escaped");
    }

    #[test]
    fn exit_codes() {
        let snap = fixture();
        let snap = snap.to_str().unwrap();
        assert_eq!(run(&["audit", "--snapshot", snap]).0, Some(1));
        assert_eq!(run(&["audit", "--snapshot", snap, "--soft-fail"]).0, Some(0));
        assert_eq!(run(&["audit", "--snapshot", snap, "--fail-on", "critical"]).0, Some(1));
        // CT-048 (optional) runs only when selected; a --skip prefix covering it wins.
        let (code, json) = run(&["audit", "--snapshot", snap, "--select", "CT-048", "--format", "json"]);
        assert_eq!(code, Some(1));
        assert!(json.contains("\"CT-048\""));
        assert!(
            !run(&["audit", "--snapshot", snap, "--format", "json"])
                .1
                .contains("\"CT-048\"")
        );
        assert_eq!(
            run(&["audit", "--snapshot", snap, "--select", "CT-048", "--skip", "CT-0"]).0,
            Some(0)
        );
        assert_eq!(run(&["audit", "--snapshot", snap, "--skip", "CT-0"]).0, Some(0));
        assert_eq!(run(&["audit", "--snapshot", "/nonexistent.json"]).0, Some(2));
        assert_eq!(run(&["audit", "--snapshot", snap, "--select", "CT-999"]).0, Some(2));
        assert_eq!(run(&["audit"]).0, Some(2));
        assert_eq!(run(&["audit", "--snapshot", snap, "--cis-version", "9.9"]).0, Some(2));
    }
}

mod reference {
    use super::*;

    #[test]
    fn list_and_explain_come_from_the_registry() {
        let out = bin().args(["audit", "--list"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        for i in 1..=49 {
            assert!(text.contains(&format!("CT-{i:03} ")), "CT-{i:03} missing from --list");
        }
        let out = bin().args(["audit", "--list", "--format", "json"]).output().unwrap();
        let list: J = serde_json::from_slice(&out.stdout).unwrap();
        let ct001 = &list[0];
        assert_eq!(ct001["id"], "CT-001");
        let maps: Vec<&str> = ct001["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert!(
            maps.contains(&"cis-aws-5.0.0:3.1")
                && maps.contains(&"securityhub:CloudTrail.1")
                && maps.contains(&"prowler:cloudtrail_multi_region_enabled")
        );
        let out = bin().args(["audit", "--explain", "CT-015"]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        insta::assert_snapshot!("explain_ct015", text);
        let out = bin().args(["audit", "--explain", "CT-404"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn collect_prints_its_policy() {
        let out = bin().args(["collect", "--print-policy"]).output().unwrap();
        let policy: J = serde_json::from_slice(&out.stdout).unwrap();
        let actions = policy["Statement"][0]["Action"].as_array().unwrap();
        assert!(actions.iter().all(|a| {
            let verb = a.as_str().unwrap().split(':').nth(1).unwrap();
            verb.starts_with("Get") || verb.starts_with("List") || verb.starts_with("Describe")
        }));
    }
}
