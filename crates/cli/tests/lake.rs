//! The lake commands as users run them: `ingest`, `query`, `lookup`, `timeline`, `lake …`, and
//! crash safety under a real `kill -9`.
//!
//! The tests that need real third-party readers (DuckDB, Spark) and an S3-compatible server
//! (moto) run `tests/lake/readers.py` with the Python that `scripts/test` prepares
//! (`TRAILGUARD_TEST_PYTHON`); without it they fail and say how to get it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value as J;

fn bin() -> Command {
    let mut c = Command::cargo_bin("trailguard").unwrap();
    c.env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env_remove("TRAILGUARD_LAKE");
    c
}

fn bin_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("trailguard")
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn query_json(lake: &Path, sql: &str) -> Vec<J> {
    let out = bin()
        .args(["query", "--format", "jsonl", "--lake"])
        .arg(lake)
        .arg(sql)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A synthetic trail in the CloudTrail key layout: `files` objects of `per_file` records over
/// two accounts, two regions and three days; every record has a unique eventID.
fn synthetic_trail(root: &Path, files: usize, per_file: usize) -> usize {
    let mut total = 0;
    for f in 0..files {
        let account = ["111122223333", "444455556666"][f % 2];
        let region = ["us-east-1", "eu-west-1"][(f / 2) % 2];
        let day = 1 + (f / 4) % 3;
        let dir = root.join(format!("AWSLogs/{account}/CloudTrail/{region}/2024/05/{day:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut records = Vec::with_capacity(per_file);
        for r in 0..per_file {
            let sec = (r * 7 + f * 13) % 86_400;
            let source = ["s3.amazonaws.com", "iam.amazonaws.com", "ec2.amazonaws.com"][r % 3];
            let name = ["GetObject", "ListUsers", "DescribeInstances", "PutObject"][r % 4];
            records.push(serde_json::json!({
                "eventVersion": "1.09",
                "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": format!("arn:aws:iam::{account}:user/u{}", r % 17),
                                 "accountId": account, "accessKeyId": format!("AKIA{:016}", r % 23), "userName": format!("u{}", r % 17)},
                "eventTime": format!("2024-05-{day:02}T{:02}:{:02}:{:02}Z", sec / 3600, (sec / 60) % 60, sec % 60),
                "eventSource": source,
                "eventName": name,
                "awsRegion": region,
                "sourceIPAddress": format!("203.0.113.{}", r % 250),
                "userAgent": "aws-cli/2.15.0",
                "requestParameters": {"bucketName": format!("bucket-{}", r % 5), "key": format!("k/{r}")},
                "responseElements": null,
                "requestID": format!("REQ{f:06}{r:06}"),
                "eventID": format!("{f:08x}-0000-4000-8000-{r:012x}"),
                "readOnly": r % 4 != 3,
                "eventType": "AwsApiCall",
                "managementEvent": r % 3 != 0,
                "recipientAccountId": account,
                "eventCategory": if r % 3 == 0 { "Data" } else { "Management" },
            }));
            total += 1;
        }
        let text = serde_json::json!({"Records": records}).to_string();
        std::fs::write(
            dir.join(format!(
                "{account}_CloudTrail_{region}_2024050{day}T0000Z_{f:06}.json.gz"
            )),
            gz(text.as_bytes()),
        )
        .unwrap();
    }
    total
}

fn lake_state(lake: &Path) -> (i64, i64, String) {
    let rows = query_json(
        lake,
        "SELECT count(*) AS n, count(DISTINCT eventid) AS ids, sum(src_record) AS s FROM events",
    );
    let digest = query_json(
        lake,
        "SELECT sha256(string_agg(concat(eventid, src_key, CAST(src_record AS VARCHAR)), ',' ORDER BY eventid)) AS h FROM events",
    );
    (
        rows[0]["n"].as_i64().unwrap(),
        rows[0]["ids"].as_i64().unwrap(),
        digest[0]["h"].to_string(),
    )
}

/// Every data file on disk is named by the ledger (no orphans after a completed run).
fn assert_no_orphans(lake: &Path) {
    let info = bin()
        .args(["lake", "info", "--json", "--lake"])
        .arg(lake)
        .output()
        .unwrap();
    assert_eq!(info.status.code(), Some(0));
    let mut on_disk = 0;
    for table in ["events", "insights"] {
        let mut stack = vec![lake.join(table)];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else { continue };
            for e in rd {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    on_disk += 1;
                }
            }
        }
    }
    let v: J = serde_json::from_slice(&info.stdout).unwrap();
    let files: u64 = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["files"].as_u64().unwrap())
        .sum();
    assert_eq!(on_disk, files, "files on disk vs files in the ledger");
}

mod ingest {
    use super::*;

    #[test]
    fn ingest_query_and_ingest_again() {
        let lake = tempfile::tempdir().unwrap();
        let out = bin()
            .args(["ingest", "--json", "--lake"])
            .arg(lake.path())
            .arg(corpus())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let r: J = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(r["records"], 3277);
        // 6 records of the corpus repeat an (eventID, recipient account) already read.
        assert_eq!(r["duplicates"], 6);
        assert_eq!(
            r["events_added"].as_u64().unwrap() + r["insights_added"].as_u64().unwrap(),
            3271
        );
        // The corpus's broken files are reported on stderr, with file and position.
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("warning: ") && err.contains("aws-cloudtrail-processing-library"),
            "{err}"
        );
        let again = bin()
            .args(["ingest", "--lake"])
            .arg(lake.path())
            .arg(corpus())
            .output()
            .unwrap();
        assert_eq!(again.status.code(), Some(0));
        let text = String::from_utf8_lossy(&again.stdout);
        assert!(text.contains("0 files read"), "{text}");
        assert!(text.contains("0 rows added to events"), "{text}");
        let rows = query_json(lake.path(), "SELECT count(*) AS n FROM events");
        assert_eq!(rows[0]["n"].as_u64().unwrap(), r["events_added"].as_u64().unwrap());
    }

    #[test]
    fn strict_fails_on_skipped_input() {
        let lake = tempfile::tempdir().unwrap();
        let out = bin()
            .args(["ingest", "--strict", "--lake"])
            .arg(lake.path())
            .arg(corpus())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn query_without_a_lake_says_how_to_make_one() {
        let lake = tempfile::tempdir().unwrap();
        let out = bin()
            .args(["query", "--lake"])
            .arg(lake.path().join("nothing"))
            .arg("SELECT 1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("trailguard ingest"), "{err}");
    }
}

mod query {
    use super::*;

    fn corpus_lake() -> tempfile::TempDir {
        let lake = tempfile::tempdir().unwrap();
        bin()
            .args(["ingest", "-q", "--lake"])
            .arg(lake.path())
            .arg(corpus())
            .assert()
            .success();
        lake
    }

    #[test]
    fn formats() {
        let lake = corpus_lake();
        let sql = "SELECT eventname, count(*) AS n FROM events WHERE eventsource = 'signin.amazonaws.com' GROUP BY 1 ORDER BY 1";
        let table = bin()
            .args(["query", "--lake"])
            .arg(lake.path())
            .arg(sql)
            .output()
            .unwrap();
        let table = String::from_utf8(table.stdout).unwrap();
        assert!(table.starts_with("eventname"), "{table}");
        assert!(table.contains("ConsoleLogin"));
        let csv = bin()
            .args(["query", "--format", "csv", "--lake"])
            .arg(lake.path())
            .arg(sql)
            .output()
            .unwrap();
        let csv = String::from_utf8(csv.stdout).unwrap();
        assert!(csv.starts_with("eventname,n\n"), "{csv}");
        assert!(csv.contains("ConsoleLogin,3\n"), "{csv}");
        let out = tempfile::tempdir().unwrap();
        let pq = out.path().join("r.parquet");
        bin()
            .args(["query", "--format", "parquet", "--output"])
            .arg(&pq)
            .arg("--lake")
            .arg(lake.path())
            .arg(sql)
            .assert()
            .success();
        let bytes = std::fs::read(&pq).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        let no_out = bin()
            .args(["query", "--format", "parquet", "--lake"])
            .arg(lake.path())
            .arg(sql)
            .output()
            .unwrap();
        assert_eq!(no_out.status.code(), Some(2));
    }

    #[test]
    fn saved_lake_query_from_a_file() {
        let lake = corpus_lake();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("q.sql");
        std::fs::write(
            &f,
            "-- console sign-ins without MFA\nSELECT eventTime, userIdentity.arn FROM $EDS_ID\nWHERE eventSource = 'signin.amazonaws.com' AND eventName = 'ConsoleLogin'\n  AND element_at(additionalEventData, 'MFAUsed') = 'No' ORDER BY eventTime",
        )
        .unwrap();
        let out = bin()
            .args(["query", "--format", "csv", "--lake"])
            .arg(lake.path())
            .arg("--file")
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[test]
    fn statements_that_write_are_refused() {
        let lake = corpus_lake();
        for sql in [
            "CREATE TABLE x AS SELECT 1",
            "COPY (SELECT 1) TO '/tmp/x.csv'",
            "INSERT INTO events SELECT * FROM events",
            "DROP TABLE events",
        ] {
            let out = bin()
                .args(["query", "--lake"])
                .arg(lake.path())
                .arg(sql)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{sql}");
        }
    }

    #[test]
    fn lookup_prints_lookup_events_json() {
        let lake = corpus_lake();
        let out = bin()
            .args([
                "lookup",
                "--lookup-attributes",
                "AttributeKey=EventName,AttributeValue=ConsoleLogin",
                "--max-results",
                "2",
                "--lake",
            ])
            .arg(lake.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: J = serde_json::from_slice(&out.stdout).unwrap();
        let events = v["Events"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["EventName"], "ConsoleLogin");
        assert_eq!(events[0]["EventTime"], "2024-08-02T08:53:24+00:00");
        let inner: J = serde_json::from_str(events[0]["CloudTrailEvent"].as_str().unwrap()).unwrap();
        assert_eq!(inner["responseElements"]["ConsoleLogin"], "Success");
        assert_eq!(inner["eventID"], events[0]["EventId"]);
    }

    #[test]
    fn timeline_of_an_access_key_shows_where_it_came_from() {
        let lake = corpus_lake();
        // A temporary key minted by an AssumeRole call in the corpus, then used.
        let minted = query_json(
            lake.path(),
            "SELECT re_accesskeyid AS k FROM events WHERE re_accesskeyid IN (SELECT useridentity.accesskeyid FROM events) ORDER BY eventtime LIMIT 1",
        );
        let key = minted[0]["k"].as_str().unwrap().to_owned();
        let out = bin()
            .args(["timeline", "--format", "jsonl", "--access-key", &key, "--lake"])
            .arg(lake.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<J> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(rows.len() > 1);
        assert_eq!(rows[0]["note"], "issued the key", "{:?}", rows[0]);
        let times: Vec<&str> = rows.iter().map(|r| r["eventtime"].as_str().unwrap()).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted);
        let bad = bin().args(["timeline", "--lake"]).arg(lake.path()).output().unwrap();
        assert_eq!(bad.status.code(), Some(2));
    }

    #[test]
    fn ddl_for_every_engine() {
        let lake = corpus_lake();
        for engine in ["athena", "trino"] {
            let no_loc = bin()
                .args(["lake", "ddl", "--engine", engine, "--lake"])
                .arg(lake.path())
                .output()
                .unwrap();
            assert_eq!(no_loc.status.code(), Some(2), "{engine} needs an S3 location");
            let out = bin()
                .args([
                    "lake",
                    "ddl",
                    "--engine",
                    engine,
                    "--location",
                    "s3://bucket/lake",
                    "--lake",
                ])
                .arg(lake.path())
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.contains("s3://bucket/lake/events/"), "{text}");
        }
        let athena = bin()
            .args([
                "lake",
                "ddl",
                "--engine",
                "athena",
                "--location",
                "s3://bucket/lake",
                "--lake",
            ])
            .arg(lake.path())
            .output()
            .unwrap();
        let text = String::from_utf8(athena.stdout).unwrap();
        // Partition projection enumerates exactly the lake's accounts, sorted.
        let accounts: Vec<String> = query_json(lake.path(), "SELECT DISTINCT account FROM events ORDER BY 1")
            .iter()
            .map(|r| r["account"].as_str().unwrap().to_owned())
            .collect();
        assert!(accounts.len() > 10);
        let want = format!("'projection.account.values'='{}'", accounts.join(","));
        assert!(text.contains(&want), "{want}\n{text}");
    }
}

/// `kill -9` of the ingesting process at random moments, then a run to the end: exactly the
/// rows of a clean run, nothing twice, nothing lost, no orphan files.
#[test]
fn kill_9_during_ingest_then_rerun_gives_a_clean_runs_rows() {
    let src = tempfile::tempdir().unwrap();
    let total = synthetic_trail(src.path(), 96, 400);
    // The clean run.
    let clean = tempfile::tempdir().unwrap();
    bin()
        .args(["ingest", "-q", "--commit-size", "512KiB", "--lake"])
        .arg(clean.path())
        .arg(src.path())
        .assert()
        .success();
    let want = lake_state(clean.path());
    assert_eq!(want.0 as usize, total);
    assert_eq!(want.1 as usize, total);

    // Kill runs. A run that reaches its end leaves nothing for the next ones to interrupt, so
    // each round waits until its run has committed one more batch (the commit records under
    // `_trailguard/log/`), then kills it after a further pseudo-random 0-40 ms: mid-way through
    // writing the next batch's data files or its commit.
    let crashed = tempfile::tempdir().unwrap();
    let commits = |lake: &Path| {
        std::fs::read_dir(lake.join("_trailguard/log"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut kills = 0;
    let mut notes: Vec<String> = Vec::new();
    for round in 0..8 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let extra = Duration::from_millis(seed % 41);
        let before = commits(crashed.path());
        let mut child = std::process::Command::new(bin_path())
            .args(["ingest", "-q", "--commit-size", "512KiB", "--lake"])
            .arg(crashed.path())
            .arg(src.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while commits(crashed.path()) <= before && Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(extra);
        // SIGKILL: no destructor, no flush, no cleanup.
        match child.try_wait().unwrap() {
            Some(_) => notes.push(format!("round {round}: finished before the kill")),
            None => {
                child.kill().unwrap();
                kills += 1;
                notes.push(format!("round {round}: killed {extra:?} after a commit"));
            }
        }
        let _ = child.wait();
    }
    assert!(
        kills >= 3,
        "the kills must land while ingest runs ({kills} did): {notes:?}"
    );
    bin()
        .args(["ingest", "-q", "--commit-size", "512KiB", "--lake"])
        .arg(crashed.path())
        .arg(src.path())
        .assert()
        .success();
    assert_eq!(lake_state(crashed.path()), want);
    assert_no_orphans(crashed.path());

    // Compaction killed part-way: still the same rows.
    for round in 0..3 {
        let mut child = std::process::Command::new(bin_path())
            .args(["lake", "compact", "-q", "--lake"])
            .arg(crashed.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(30 + 70 * round));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(lake_state(crashed.path()), want, "after killing compaction");
    }
    bin()
        .args(["lake", "compact", "-q", "--lake"])
        .arg(crashed.path())
        .assert()
        .success();
    assert_eq!(lake_state(crashed.path()), want);
    assert_no_orphans(crashed.path());
}

/// Runs `tests/lake/readers.py` with only the `check` part (duckdb, raw, s3 or spark): real
/// third-party readers must give the same answers as `trailguard query`.
fn readers(check: &str) {
    let python = std::env::var("TRAILGUARD_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "TRAILGUARD_TEST_PYTHON is not set: this test runs DuckDB, Spark and moto from Python. \
             Run scripts/test (it creates .venv with tests/requirements.txt and sets it), or set it \
             to a Python with those packages installed."
        )
    });
    let work = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(python);
    cmd.arg(repo().join("tests/lake/readers.py"))
        .arg("--trailguard")
        .arg(bin_path())
        .arg("--corpus")
        .arg(corpus())
        .arg("--work")
        .arg(work.path());
    for other in ["duckdb", "raw", "s3", "spark"] {
        if other != check {
            cmd.arg("--skip").arg(other);
        }
    }
    let status = cmd.status().unwrap();
    assert!(
        status.success(),
        "tests/lake/readers.py ({check}) failed (its output is above)"
    );
}

/// DuckDB over the lake's Parquet files (Hive partitioning) answers the investigation queries
/// like `trailguard query`.
#[test]
fn real_readers_agree_duckdb_on_the_lake() {
    readers("duckdb");
}

/// Investigation queries with DuckDB over the raw JSON objects equal `trailguard query` over a
/// lake of the same objects.
#[test]
fn real_readers_agree_duckdb_on_raw_json() {
    readers("raw");
}

/// The lake written to and read from S3 (moto on loopback) answers like the local one; a second
/// ingest adds nothing.
#[test]
fn real_readers_agree_s3_via_moto() {
    readers("s3");
}

/// Spark (local mode) reads the lake by path and through `trailguard lake ddl --engine spark`.
#[test]
fn real_readers_agree_spark() {
    readers("spark");
}
