//! `trailguard detect` and `trailguard rules list/test/explain` as users run them: outputs,
//! exit codes and messages.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value as J;

fn bin() -> Command {
    let mut c = Command::cargo_bin("trailguard").unwrap();
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

fn stratus(technique: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/corpus/stratus-red-team/docs/detonation-logs")
        .join(format!("{technique}.json"))
}

fn sigma_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sigma-cloudtrail")
}

const STOP: &str = r#"{"Records":[
{"eventVersion":"1.09","eventTime":"2024-05-01T10:00:00Z","eventID":"e-stop","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory","userName":"mallory","accountId":"111122223333"}},
{"eventVersion":"1.09","eventTime":"2024-05-01T10:01:00Z","eventID":"e-list","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory"}}
]}"#;

fn stop_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::io::Write::write_all(&mut f, STOP.as_bytes()).unwrap();
    f
}

#[test]
fn table_names_rule_event_and_reason() {
    let f = stop_file();
    let out = bin().args(["detect"]).arg(f.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "alerts at or above low exit 1");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("TIME"), "{text}");
    // CIS 4.5 and TG-TT-001, both on e-stop, in rule-id order at the same time.
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains("TG-CIS-4.5") && lines[1].contains("high"), "{text}");
    assert!(
        lines[2].contains("TG-TT-001") && lines[2].contains("critical"),
        "{text}"
    );
    assert!(lines[2].contains("arn:aws:iam::111122223333:user/mallory"));
    assert!(lines[2].contains("203.0.113.7"));
    assert!(lines[2].contains("cloudtrail:StopLogging"));
    assert!(lines[2].contains("111122223333") && lines[2].contains("us-east-1"));
    assert!(
        lines[2].contains(r#"$.eventName = "StopLogging" (record: StopLogging)"#),
        "{text}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("2 alerts (1 critical, 1 high)"), "{err}");
    assert!(err.contains("over 2 records"), "{err}");
}

#[test]
fn jsonl_and_json_and_ocsf() {
    let f = stop_file();
    let out = bin()
        .args(["detect", "--pack", "trail-tamper", "--format", "jsonl"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<J> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let a = &lines[0];
    assert_eq!(a["rule"]["id"], "TG-TT-001");
    assert_eq!(a["rule"]["pack"], "trail-tamper");
    assert_eq!(a["rule"]["author"], "trailguard");
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["event"]["id"], "e-stop");
    assert_eq!(a["event"]["time"], "2024-05-01T10:00:00Z");
    assert_eq!(a["event"]["source_ip"], "203.0.113.7");
    assert_eq!(a["event"]["event_name"], "StopLogging");
    assert_eq!(a["event"]["account"], "111122223333");
    assert_eq!(a["reasons"][0]["part"], "filter pattern");

    let out = bin()
        .args(["detect", "--pack", "cis,trail-tamper", "--format", "json"])
        .arg(f.path())
        .output()
        .unwrap();
    let v: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "trailguard.detect/v1");
    assert_eq!(v["records"], 2);
    assert_eq!(v["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(v["alerts_by_severity"]["critical"], 1);

    let out = bin()
        .args(["detect", "--pack", "trail-tamper", "--format", "ocsf"])
        .arg(f.path())
        .output()
        .unwrap();
    let o: J = serde_json::from_str(String::from_utf8(out.stdout).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(o["class_uid"], 2004);
    assert_eq!(o["type_uid"], 200401);
    assert_eq!(o["severity_id"], 5);
    assert_eq!(o["finding_info"]["analytic"]["uid"], "TG-TT-001");
    assert_eq!(o["cloud"]["account"]["uid"], "111122223333");
    assert_eq!(o["time"], 1714557600000_i64);
}

#[test]
fn severity_filters_and_exit_codes() {
    let f = stop_file();
    // Only critical printed; fail-on critical → 1.
    let out = bin()
        .args([
            "detect",
            "--min-severity",
            "critical",
            "--fail-on",
            "critical",
            "--format",
            "jsonl",
        ])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
    // A pattern that matches nothing: exit 0, no output.
    let out = bin()
        .args(["detect", "--pattern", "{ $.eventName = DeleteBucket }"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    // A --pattern rule that matches (medium) with --fail-on high: printed, exit 0.
    let out = bin()
        .args([
            "detect",
            "--pattern",
            "{ $.eventName = ListBuckets }",
            "--fail-on",
            "high",
            "--format",
            "jsonl",
        ])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let a: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["rule"]["id"], "pattern-1");
    assert_eq!(a["event"]["id"], "e-list");
    // Unknown severity: a usage error (clap exits 2).
    bin()
        .args(["detect", "--fail-on", "urgent"])
        .arg(f.path())
        .assert()
        .code(2);
}

#[test]
fn sigma_rules_carry_their_author() {
    let out = bin()
        .args(["detect", "--sigma"])
        .arg(sigma_dir())
        .args(["--format", "jsonl"])
        .arg(stratus("aws.defense-evasion.cloudtrail-stop"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let alerts: Vec<J> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!alerts.is_empty());
    for a in &alerts {
        assert_eq!(a["rule"]["kind"], "sigma");
        assert!(a["rule"]["author"].as_str().is_some_and(|s| !s.is_empty()), "{a}");
        assert_eq!(a["rule"]["license"], "DRL-1.1");
    }
    // Only Sigma rules ran: no built-in pack.
    assert!(alerts.iter().all(|a| a["rule"]["pack"].is_null()));
}

#[test]
fn bad_rule_files_have_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let f = stop_file();
    // A pattern that cannot be read: the column is named.
    let bad = write(
        "bad-pattern.yaml",
        "rules:\n  - id: X-1\n    title: t\n    description: d\n    severity: high\n    pattern: '{ $.eventName = }'\n",
    );
    bin()
        .args(["detect", "--rules"])
        .arg(&bad)
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rule `X-1`").and(predicate::str::contains("filter pattern cannot be read")));
    // An unknown key: the line is named.
    let bad = write(
        "bad-key.yaml",
        "rules:\n  - id: X-2\n    title: t\n    description: d\n    severity: high\n    patern: '{ $.a = 1 }'\n",
    );
    bin()
        .args(["detect", "--rules"])
        .arg(&bad)
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad-key.yaml:").and(predicate::str::contains("patern")));
    // A bad severity and a bad threshold period.
    let bad = write(
        "bad-threshold.yaml",
        "rules:\n  - id: X-3\n    title: t\n    description: d\n    severity: high\n    pattern: '{ $.a = 1 }'\n    threshold: {count: 5, period: 45}\n",
    );
    bin()
        .args(["detect", "--rules"])
        .arg(&bad)
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("period 45 s"));
    // A Sigma body that does not compile.
    let bad = write(
        "bad-sigma.yaml",
        "rules:\n  - id: X-4\n    title: t\n    description: d\n    severity: high\n    sigma:\n      selection: {eventName|nosuchmodifier: x}\n      condition: selection\n",
    );
    bin()
        .args(["detect", "--rules"])
        .arg(&bad)
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rule `X-4`").and(predicate::str::contains("Sigma detection")));
    // A duplicate id across files.
    let dup = write(
        "dup.yaml",
        "rules:\n  - id: TG-TT-001\n    title: t\n    description: d\n    severity: high\n    pattern: '{ $.a = 1 }'\n",
    );
    bin()
        .args(["detect", "--pack", "trail-tamper", "--rules"])
        .arg(&dup)
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already used"));
    // Missing file, unknown pack.
    bin()
        .args(["detect", "--rules", "/nonexistent/rules.yaml"])
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the rule file"));
    bin()
        .args(["detect", "--pack", "nope"])
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown pack"));
}

#[test]
fn user_rule_file_with_threshold_runs_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("mine.yaml");
    std::fs::write(
        &rules,
        r#"rules:
  - id: MY-1
    title: Two bucket listings in a minute
    description: test rule
    severity: medium
    pattern: '{ $.eventName = "ListBuckets" }'
    threshold: {count: 2, period: 60, group_by: [principal]}
    tests:
      match:
        - {eventName: ListBuckets}
      no_match:
        - {eventName: GetObject}
      sequences:
        - {alerts: 1, events: [{eventName: ListBuckets}, {eventName: ListBuckets}]}
  - id: MY-2
    title: Deliberately wrong test
    description: its no_match test matches
    severity: low
    pattern: '{ $.eventName = "ListBuckets" }'
    tests:
      match:
        - {eventName: ListBuckets}
      no_match:
        - {eventName: ListBuckets}
"#,
    )
    .unwrap();
    let out = bin().args(["rules", "test", "--rules"]).arg(&rules).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("FAIL MY-2"), "{text}");
    assert!(text.contains("expected no match"), "{text}");
    assert!(!text.contains("FAIL MY-1"), "{text}");
    assert!(text.contains("1 failed"), "{text}");
    // Detect with the file: the threshold needs two listings; the file has one.
    let f = stop_file();
    let out = bin()
        .args(["detect", "--format", "jsonl", "--rules"])
        .arg(&rules)
        .arg(f.path())
        .output()
        .unwrap();
    let ids: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<J>(l).unwrap()["rule"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids, vec!["MY-2"]);
}

#[test]
fn rules_test_passes_on_the_built_in_packs() {
    let out = bin().args(["rules", "test"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(" 0 failed"), "{text}");
    let out = bin().args(["rules", "test", "--json"]).output().unwrap();
    let v: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failed"], 0);
    assert!(v["tests"].as_u64().unwrap() > 150);
}

#[test]
fn rules_list_and_explain() {
    let out = bin().args(["rules", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("ID"));
    for id in ["TG-CIS-4.1", "TG-CIS-4.16", "TG-TT-001", "TG-TH-009"] {
        assert!(text.contains(id), "{id}");
    }
    assert!(text.contains("≥ 20 in 300 s, per principal"), "{text}");
    let out = bin()
        .args(["rules", "list", "--json", "--pack", "cis"])
        .output()
        .unwrap();
    let v: J = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rules"].as_array().unwrap().len(), 16);

    let out = bin().args(["rules", "explain", "TG-CIS-4.3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Root user activity"));
    assert!(text.contains(r#"$.userIdentity.invokedBy NOT EXISTS"#));
    assert!(text.contains("CloudWatch Logs accepts it as written"), "{text}");
    assert!(text.contains("must not match"));
    let out = bin().args(["rules", "explain", "TG-TH-005"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("fieldref"), "{text}");
    bin()
        .args(["rules", "explain", "NOPE-1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule with id"));
}

#[test]
fn scan_reports_alerts_by_severity() {
    let out = bin()
        .args(["scan", "--json"])
        .arg(stratus("aws.defense-evasion.cloudtrail-stop"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: J = serde_json::from_slice(&out.stdout).unwrap();
    let d = &v["detection"];
    assert_eq!(d["alerts"], 2);
    assert_eq!(d["by_severity"][0], serde_json::json!(["critical", 1]));
    assert_eq!(d["by_rule"][0]["rule"], "TG-TT-001");
    assert_eq!(d["by_rule"][0]["examples"][0]["event"]["event_name"], "StopLogging");
}
