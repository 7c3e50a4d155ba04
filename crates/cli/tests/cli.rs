//! The `trailguard` command as users run it: whole outputs, exit codes, stderr messages.
//!
//! Modules by command; each test runs the real binary.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value as J;

fn bin() -> Command {
    let mut c = Command::cargo_bin("trailguard").unwrap();
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus")
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

mod scan {
    use super::*;

    #[test]
    fn corpus_report_snapshot() {
        let out = bin()
            .current_dir(corpus())
            .args(["scan", ".", "--top", "5"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        insta::assert_snapshot!("scan_corpus_text", text);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("scanned in"), "{err}");
    }

    #[test]
    fn demo_trail_verdict_heads_the_report_and_insights_find_its_bursts() {
        let out = bin().args(["scan", "-q"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        // Four days: the injected bursts come after the two days of baseline Insights needs.
        let insights = text.lines().find(|l| l.starts_with("Insights")).unwrap_or_default();
        assert!(insights.contains("anomalies"), "{text}");
        assert!(text.starts_with("trailguard scan — built-in demo trail"), "{text}");
        let first = text.lines().nth(2).unwrap_or_default();
        assert!(
            first.starts_with("Integrity") && first.contains("VALID — every digest and log checked is intact"),
            "{text}"
        );
        assert!(text.contains("the demo trail's signing keys"), "{text}");
    }

    #[test]
    fn corpus_json() {
        let out = bin().args(["scan", "--json"]).arg(corpus()).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], "trailguard.scan/v1");
        assert_eq!(v["summary"]["events"], 3277);
        assert_eq!(v["files"]["read"], 130);
        assert_eq!(v["skipped"]["records"], 5);
        assert_eq!(v["skipped"]["skips"], 6);
        assert_eq!(v["skipped"]["incomplete_files"], 1);
        assert_eq!(v["summary"]["root"]["events"], 3);
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    #[test]
    fn strict_fails_on_skipped_input() {
        bin()
            .args(["scan", "--strict"])
            .arg(corpus())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--strict: 6 input problems skipped data"));
        bin()
            .args(["scan", "--strict", "-q"])
            .arg(corpus().join("invictus-aws_dataset"))
            .assert()
            .code(0);
    }

    #[test]
    fn missing_source() {
        bin()
            .args(["scan", "/nonexistent/trail"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "error: cannot read the source /nonexistent/trail",
            ));
    }

    #[test]
    fn folder_without_cloudtrail_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
        bin().arg("scan").arg(dir.path()).assert().code(2).stderr(
            predicate::str::contains("no CloudTrail files found")
                .and(predicate::str::contains("1 other files left out")),
        );
    }

    #[test]
    fn stdin_gzip() {
        let bytes = std::fs::read(corpus().join("trailscraper/tests/cloudtrail/data/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz")).unwrap();
        let out = bin().args(["scan", "-", "--json"]).write_stdin(bytes).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["summary"]["events"], 2);
        assert_eq!(v["source"], "-");
    }

    #[test]
    fn damaged_input_is_named_and_the_rest_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let good = std::fs::read(corpus().join(
            "invictus-aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgocspSowgK0Gto.json",
        ))
        .unwrap();
        let z = gz(&good);
        std::fs::write(dir.path().join("a-good.json.gz"), &z).unwrap();
        std::fs::write(dir.path().join("b-cut.json.gz"), &z[..z.len() / 2]).unwrap();
        std::fs::write(dir.path().join("c-empty.json"), b"").unwrap();
        let out = bin().arg("scan").arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("skip gzip-truncated × 1"), "{text}");
        assert!(text.contains("b-cut.json.gz"), "{text}");
        assert!(text.contains("skip file-empty × 1"), "{text}");
        assert!(text.contains("c-empty.json: empty file"), "{text}");
    }
}

mod events {
    use super::*;

    #[test]
    fn table_of_one_api() {
        let out = bin()
            .args(["events", "--event-name", "StopLogging"])
            .arg(corpus())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("TIME  "), "{text}");
        assert_eq!(lines.len(), 1 + 4, "{text}");
        assert!(lines[1..].iter().all(|l| l.contains("StopLogging")));
        // Input problems go to stderr, the listing to stdout.
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("warning: ") && err.contains("record skipped"), "{err}");
    }

    #[test]
    fn jsonl_is_lossless_and_filters_combine() {
        let out = bin()
            .args([
                "events",
                "-q",
                "--format",
                "jsonl",
                "--lookup-attribute",
                "EventSource=ssm.amazonaws.com",
            ])
            .args([
                "--error-code",
                "*",
                "--start-time",
                "2023-07-10T13:50:00+02:00",
                "--end-time",
                "2023-07-10T12:00:00Z",
            ])
            .arg(corpus().join("invictus-aws_dataset"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.is_empty());
        for line in text.lines() {
            let v: J = serde_json::from_str(line).unwrap();
            assert_eq!(v["eventSource"], "ssm.amazonaws.com");
            assert!(v["errorCode"].is_string());
            let t = v["eventTime"].as_str().unwrap();
            assert!(("2023-07-10T11:50:00Z"..="2023-07-10T12:00:00Z").contains(&t), "{t}");
        }
    }

    #[test]
    fn csv_and_max_results() {
        let out = bin()
            .args([
                "events",
                "-q",
                "--format",
                "csv",
                "--max-results",
                "7",
                "--region",
                "us-east-1",
            ])
            .arg(corpus())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.matches("\r\n").count(), 8, "{text}");
        assert!(text.starts_with("eventTime,eventSource,eventName,"));
    }

    #[test]
    fn bad_arguments_are_errors() {
        bin()
            .args(["events", "--lookup-attribute", "Colour=blue"])
            .arg(corpus())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("unknown attribute"));
        bin()
            .args(["events", "--start-time", "yesterday"])
            .arg(corpus())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--start-time").and(predicate::str::contains("invalid time")));
        bin()
            .args([
                "events",
                "--start-time",
                "2024-01-02T00:00:00Z",
                "--end-time",
                "2024-01-01T00:00:00Z",
            ])
            .arg(corpus())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is after --end-time"));
    }

    #[test]
    fn a_closed_pipe_is_not_an_error() {
        // `trailguard events … | head -1`: the reader goes away; exit quietly with 0.
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailguard"))
            .args(["events", "-q", "--format", "jsonl"])
            .arg(corpus())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(!String::from_utf8_lossy(&out.stderr).contains("error"));
    }
}

/// `rules lint` and `events --pattern`: CloudWatch Logs filter patterns.
mod pattern {
    use super::*;

    const EXISTS: &str = "{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }";

    #[test]
    fn lint_accepts_a_cis_pattern_and_explains_it() {
        let out = bin()
            .args(["rules", "lint", "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            text,
            "result: CloudWatch Logs accepts this JSON pattern.\n\n\
             Matches CloudTrail records (log events that are JSON objects) where all of:\n  \
             - `userIdentity.type` is \"Root\"\n  \
             - `userIdentity.invokedBy` is absent\n  \
             - `eventType` is present and is not \"AwsServiceEvent\"\n\
             A `!=` test is false on a record that lacks the field.\n"
        );
    }

    #[test]
    fn lint_rejects_what_aws_rejects_and_gives_the_valid_form() {
        let out = bin().args(["rules", "lint", EXISTS]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with("error[FP204 exists-keyword]: CloudWatch Logs does not support `EXISTS`"),
            "{text}"
        );
        assert!(text.contains("\n  { ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }\n                                     ^^^^^^^^^^^^^^^^^^^^^\n  AWS-valid: $.errorMessage = *\n"), "{text}");
        assert!(text.contains("result: CloudWatch Logs would reject this JSON pattern (1 error, 0 warnings).\nAWS-valid form: { $.eventName = \"ConsoleLogin\" && $.errorMessage = * }\n"), "{text}");
    }

    #[test]
    fn lint_of_an_unreadable_pattern_exits_2() {
        let out = bin()
            .args(["rules", "lint", "{ $.eventName = \"StopLogging }"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with("error[FP101 unterminated]: quoted string is never closed"),
            "{text}"
        );
        assert!(text.contains("                  ^^^^^^^^^^^^^^\n"), "{text}");
        assert!(text.ends_with("result: trailguard cannot read this pattern, and CloudWatch Logs would reject it.\n"));
    }

    #[test]
    fn lint_json() {
        let out = bin().args(["rules", "lint", "--json", EXISTS]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], "trailguard.rules.lint/v1");
        assert_eq!(v["parsed"], true);
        assert_eq!(v["accepted"], false);
        assert_eq!(v["kind"], "json");
        assert_eq!(v["errors"], 1);
        assert_eq!(v["diagnostics"][0]["code"], "FP204");
        assert_eq!(v["diagnostics"][0]["severity"], "error");
        assert_eq!(v["diagnostics"][0]["column"], 36);
        assert_eq!(v["diagnostics"][0]["replacement"]["text"], "$.errorMessage = *");
        assert_eq!(
            v["diagnostics"][0]["fixed"],
            "{ ($.eventName = ConsoleLogin) && ($.errorMessage = *) }"
        );
        assert_eq!(
            v["aws_valid"],
            "{ $.eventName = \"ConsoleLogin\" && $.errorMessage = * }"
        );
        let out = bin().args(["rules", "lint", "--json", "{ $.a = "]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["parsed"], false);
        assert_eq!(v["diagnostics"][0]["code"], "FP100");
    }

    #[test]
    fn events_pattern_filters_like_a_metric_filter() {
        let run = |args: &[&str]| {
            let out = bin()
                .args(["events", "-q", "--format", "jsonl"])
                .args(args)
                .arg(corpus())
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let by_pattern = run(&["--pattern", "{ ($.eventName = StopLogging) }"]);
        let by_name = run(&["--event-name", "StopLogging"]);
        assert_eq!(by_pattern.lines().count(), 4);
        assert_eq!(by_pattern, by_name);
        // The CIS root-use alarm on the corpus, combined with another filter.
        let root = run(&[
            "--pattern",
            "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }",
        ]);
        assert!(root.lines().count() >= 2, "{root}");
        for line in root.lines() {
            let v: J = serde_json::from_str(line).unwrap();
            assert_eq!(v["userIdentity"]["type"], "Root");
            assert!(v["userIdentity"]["invokedBy"].is_null());
        }
        // A term pattern sees each record's text.
        let terms = run(&["--pattern", "StopLogging -TrailNotFoundException"]);
        assert!(
            terms
                .lines()
                .all(|l| l.contains("StopLogging") && !l.contains("TrailNotFoundException"))
        );
        assert!(terms.lines().count() >= 1);
    }

    #[test]
    fn events_pattern_warns_about_what_aws_rejects_and_fails_on_what_it_cannot_read() {
        bin()
            .args(["events", "--format", "jsonl", "--pattern", EXISTS])
            .arg(corpus())
            .assert()
            .code(0)
            .stderr(predicate::str::contains(
                "warning: --pattern: CloudWatch Logs does not support `EXISTS`",
            ))
            .stderr(predicate::str::contains(
                "trailguard reads it as: { $.eventName = \"ConsoleLogin\" && $.errorMessage = * }",
            ));
        bin()
            .args(["events", "--pattern", "{ $.eventName = "])
            .arg(corpus())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--pattern: error[FP100]"))
            .stderr(predicate::str::contains("^"));
    }
}

mod insights {
    //! `trailguard insights` and the anomalies in `scan`, on a generated trail (nine days,
    //! three accounts, two regions, an injected call-rate and error-rate burst) and on the
    //! real corpus.
    use super::*;

    /// A generated trail with its manifest, in a temporary folder.
    fn trail() -> (tempfile::TempDir, J) {
        let dir = tempfile::tempdir().unwrap();
        bin()
            .args(["generate", "-q", "--days", "9", "--records", "40000", "--accounts", "3"])
            .args(["--regions", "us-east-1,us-west-2", "--no-digests", "--gzip-level", "1"])
            .args(["--scenarios", "api_call_rate_burst,api_error_rate_burst", "--out"])
            .arg(dir.path())
            .assert()
            .code(0);
        let manifest = std::fs::read(dir.path().join(".trailguard/manifest.json")).unwrap();
        let manifest: J = serde_json::from_slice(&manifest).unwrap();
        (dir, manifest)
    }

    fn minute(t: &J) -> i64 {
        let t = t.as_str().unwrap();
        // YYYY-MM-DDTHH:MM:SSZ → minutes within the (single) month of the trail.
        let d: i64 = t[8..10].parse().unwrap();
        let h: i64 = t[11..13].parse().unwrap();
        let m: i64 = t[14..16].parse().unwrap();
        (d * 24 + h) * 60 + m
    }

    #[test]
    fn a_generated_trail_end_to_end() {
        let (dir, manifest) = trail();
        let call = manifest["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["kind"] == "api_call_rate_burst")
            .unwrap()
            .clone();

        // The table: exit 1 (insights are results), the burst with its caller.
        let out = bin().args(["insights", "-q"]).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with("START "), "{text}");
        let line = text
            .lines()
            .find(|l| l.contains("ec2:CreateTags"))
            .expect("the call-rate burst");
        assert!(
            line.contains("call rate") && line.contains(call["principal"].as_str().unwrap()),
            "{line}"
        );
        assert!(text.contains("error rate"), "{text}");
        assert!(out.stderr.is_empty());

        // JSON lines: CloudTrail Insights records, Start/End pairs sharing sharedEventID.
        let charts = dir.path().join("charts");
        let out = bin()
            .args(["insights", "--format", "jsonl", "--chart"])
            .arg(&charts)
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("40000 records") && err.contains("charts in"), "{err}");
        let recs: Vec<J> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(recs.len() >= 4 && recs.len().is_multiple_of(2), "{recs:#?}");
        for r in &recs {
            assert_eq!(r["eventType"], "AwsCloudTrailInsight");
            assert_eq!(r["eventCategory"], "Insight");
            let d = &r["insightDetails"];
            let st = &d["insightContext"]["statistics"];
            assert!(st["baseline"]["average"].is_number() && st["insight"]["average"].is_number());
            assert!(st["insightDuration"].as_u64().unwrap() >= 1);
            assert!(st["baselineDuration"].as_u64().unwrap() >= 24 * 60);
            let attrs: Vec<&str> = d["insightContext"]["attributions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["attribute"].as_str().unwrap())
                .collect();
            assert_eq!(attrs, ["userIdentityArn", "userAgent", "errorCode"]);
            let pair = recs
                .iter()
                .filter(|x| x["sharedEventID"] == r["sharedEventID"])
                .map(|x| x["insightDetails"]["state"].as_str().unwrap())
                .collect::<Vec<_>>();
            assert_eq!(pair.len(), 2, "{r}");
            assert!(pair.contains(&"Start") && pair.contains(&"End"));
        }
        let start = recs
            .iter()
            .find(|r| r["insightDetails"]["eventName"] == "CreateTags" && r["insightDetails"]["state"] == "Start")
            .unwrap();
        assert_eq!(start["insightDetails"]["insightType"], "ApiCallRateInsight");
        assert_eq!(start["recipientAccountId"], call["account"]);
        assert_eq!(start["awsRegion"], call["region"]);
        assert!(
            (minute(&start["eventTime"]) - minute(&call["start"])).abs() <= 5,
            "{start}"
        );
        let end = recs
            .iter()
            .find(|r| r["sharedEventID"] == start["sharedEventID"] && r["insightDetails"]["state"] == "End")
            .unwrap();
        assert!((minute(&end["eventTime"]) - minute(&call["end"])).abs() <= 5, "{end}");
        let top = &end["insightDetails"]["insightContext"]["attributions"][0]["insight"][0];
        assert_eq!(top["value"], call["principal"]);
        let error_rate = recs
            .iter()
            .filter(|r| r["insightDetails"]["insightType"] == "ApiErrorRateInsight")
            .count();
        assert!(error_rate >= 2, "{recs:#?}");
        assert!(
            recs.iter()
                .filter(|r| r["insightDetails"]["insightType"] == "ApiErrorRateInsight")
                .all(|r| r["insightDetails"]["errorCode"].is_string())
        );
        // One SVG chart per anomaly.
        let svgs: Vec<PathBuf> = std::fs::read_dir(&charts).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(svgs.len(), recs.len() / 2);
        for p in &svgs {
            let svg = std::fs::read_to_string(p).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                "{}",
                p.display()
            );
        }

        // The scan report carries the same anomalies.
        let out = bin().args(["scan", "--top", "3"]).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let n = recs.len() / 2;
        assert!(
            text.contains(&format!(
                "Insights     {n} anomalies (1 call rate, {} error rate)",
                n - 1
            )),
            "{text}"
        );
        assert!(text.contains("ec2:CreateTags"), "{text}");
        let out = bin().args(["scan", "--json"]).arg(dir.path()).output().unwrap();
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["insights"]["anomalies"].as_array().unwrap().len(), n);
        let out = bin().args(["scan", "--no-insights"]).arg(dir.path()).output().unwrap();
        assert!(!String::from_utf8(out.stdout).unwrap().contains("Insights"));

        // A stream in two steps (`--state`, the second run over the newer files only) gives
        // the batch records.
        let (old, new) = (dir.path().join("step-1"), dir.path().join("step-2"));
        let mut logs = Vec::new();
        let mut todo = vec![dir.path().join("AWSLogs")];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    logs.push(p);
                }
            }
        }
        for p in &logs {
            let rel = p.strip_prefix(dir.path()).unwrap();
            let day: u32 = rel.to_str().unwrap().split("/2026/11/").nth(1).unwrap()[..2]
                .parse()
                .unwrap();
            let to = if day < 8 { &old } else { &new }.join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::hard_link(p, &to).unwrap();
        }
        let state = dir.path().join("insights.state");
        let mut stream: Vec<J> = Vec::new();
        for step in [&old, &new] {
            let out = bin()
                .args(["insights", "-q", "--format", "jsonl", "--state"])
                .arg(&state)
                .arg(step)
                .output()
                .unwrap();
            assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
            stream.extend(
                String::from_utf8(out.stdout)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str::<J>(l).unwrap()),
            );
        }
        let key = |r: &J| (r["sharedEventID"].to_string(), r["insightDetails"]["state"].to_string());
        let (mut a, mut b) = (recs.clone(), stream);
        a.sort_by_key(key);
        b.sort_by_key(key);
        assert_eq!(a, b, "stream in two steps vs batch");

        // CloudTrail's own Insights in the input are read and compared: one of ours handed
        // back as CloudTrail's, and one that trailguard did not find.
        let mut theirs: Vec<J> = recs
            .iter()
            .filter(|r| r["sharedEventID"] == start["sharedEventID"])
            .cloned()
            .collect();
        let mut other = start.clone();
        other["sharedEventID"] = J::from("EXAMPLE2-1729-42f1-b735-5d8c0EXAMPLE");
        other["insightDetails"]["eventName"] = J::from("CompleteLifecycleAction");
        other["insightDetails"]["eventSource"] = J::from("autoscaling.amazonaws.com");
        theirs.push(other);
        let acct = call["account"].as_str().unwrap();
        let region = call["region"].as_str().unwrap();
        let folder = dir
            .path()
            .join(format!("AWSLogs/{acct}/CloudTrail-Insight/{region}/2026/11/10"));
        std::fs::create_dir_all(&folder).unwrap();
        let body = serde_json::json!({ "Records": theirs }).to_string();
        std::fs::write(
            folder.join(format!(
                "{acct}_CloudTrail-Insight_{region}_20261110T2300Z_abcdefABCDEF1234.json.gz"
            )),
            gz(body.as_bytes()),
        )
        .unwrap();
        let out = bin()
            .args(["insights", "-q", "--compare"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("CloudTrail Insights in the input (2)"), "{text}");
        assert!(
            text.contains("1 of CloudTrail's 2 insights also found by trailguard; 1 not found"),
            "{text}"
        );
    }

    #[test]
    fn state_is_saved_and_refuses_other_settings() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("insights.state");
        bin()
            .args(["insights", "-q", "--state"])
            .arg(&state)
            .arg(corpus().join("invictus-aws_dataset"))
            .assert()
            .code(0);
        let saved: J = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
        assert!(saved["format"].as_str().unwrap().starts_with("trailguard"), "{saved}");
        bin()
            .args(["insights", "-q", "--window", "14", "--state"])
            .arg(&state)
            .arg(corpus().join("invictus-aws_dataset"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot resume from").and(predicate::str::contains("window")));
    }

    #[test]
    fn the_corpus_has_too_little_history_for_insights() {
        // Real records, but no API has a day of history before any burst: nothing is raised,
        // and the problems of the damaged corpus files are named.
        let out = bin()
            .args(["insights", "--format", "json"])
            .arg(corpus())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], "trailguard.insights/v1");
        assert_eq!(v["summary"]["anomalies"].as_array().unwrap().len(), 0);
        assert_eq!(v["summary"]["counts"]["records"], 3277);
        assert_eq!(v["records"].as_array().unwrap().len(), 0);
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("6 input problems skipped data"), "{err}");
        bin()
            .args(["insights", "--strict", "-q"])
            .arg(corpus())
            .assert()
            .code(2);
    }

    #[test]
    fn too_short_an_input_says_so() {
        // A Stratus detonation alone: seconds of records, no baseline to judge them against.
        let bytes = std::fs::read(
            corpus().join("stratus-red-team/docs/detonation-logs/aws.credential-access.ec2-get-password-data.json"),
        )
        .unwrap();
        bin()
            .args(["insights", "-"])
            .write_stdin(bytes)
            .assert()
            .code(0)
            .stdout(predicate::str::contains(
                "No insights: a baseline needs 48 h of history before an API can raise one, and the input spans 0.0 h.",
            ))
            .stderr(predicate::str::contains(
                "34 records: 0 write calls and 32 errors counted",
            ));
    }

    #[test]
    fn bad_arguments_are_errors() {
        bin().args(["insights", "--window", "0"]).arg(corpus()).assert().code(2);
        bin()
            .args(["insights", "--alpha", "2"])
            .arg(corpus())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("alpha"));
        bin()
            .args(["insights", "/nonexistent/trail"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot read the source"));
    }
}
