//! Real attack traffic: Stratus Red Team detonations from the corpus
//! (`testdata/corpus/stratus-red-team/docs/detonation-logs/`), replayed on top of eight days of
//! quiet, rhythmic background traffic in the same account and region, are found — with their
//! minute, their API, their error code and the detonation's role as the top caller.
//!
//! The detonation records are the corpus's own text; only `eventTime` is moved (by whole
//! minutes, so each record keeps its second) to the ninth day.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use trailguard_insights::{Accumulator, Detector, Insight, InsightType, InsightsConfig, anomalies, render};
use trailguard_model::{Timestamp, decode_event_text};

/// 2026-01-05T00:00Z, a Monday.
const START: i64 = 1_767_571_200;
const DAY: i64 = 86_400;

fn detonation(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/corpus/stratus-red-team/docs/detonation-logs")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text).expect("JSON") {
        Value::Array(records) => records,
        Value::Object(mut o) => match o.remove("Records") {
            Some(Value::Array(records)) => records,
            _ => panic!("{name}: no records"),
        },
        _ => panic!("{name}: no records"),
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn put(acc: &mut Accumulator, record: &Value) {
    let s = record.to_string();
    let ev = decode_event_text(&s).expect("a valid record");
    acc.record(&ev, None);
}

/// A background call of `api` at `secs`.
fn call(account: &str, region: &str, api: (&str, &str), read_only: bool, who: &str, secs: i64) -> Value {
    serde_json::json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "arn": who, "accountId": account},
        "eventTime": Timestamp::from_secs(secs).to_rfc3339(),
        "eventSource": api.0,
        "eventName": api.1,
        "awsRegion": region,
        "sourceIPAddress": "10.0.1.17",
        "userAgent": "aws-sdk-go-v2/1.30.3",
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "eventCategory": "Management",
        "recipientAccountId": account,
    })
}

/// Eight and a half days of quiet traffic in the detonation's account and region: applications that
/// describe instances and write metrics around the clock (busier in office hours), and the
/// detonated API itself a few times a day, by the application, without errors.
fn background(acc: &mut Accumulator, account: &str, region: &str, api: (&str, &str), seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let app = format!("arn:aws:sts::{account}:assumed-role/app-server/i-0a1b2c3d4e5f67890");
    // Up to two hours after the detonation (day 8, 14:03), with no gap in the logs.
    for minute in 0..(8 * DAY + 16 * 3600) / 60 {
        let secs = START + minute * 60;
        let hour = (minute / 60) % 24;
        let office = (8..18).contains(&hour) && (minute / 1440) % 7 < 5;
        let p = if office { 0.6 } else { 0.15 };
        if rng.r#gen::<f64>() < p {
            let t = secs + rng.gen_range(0..60);
            put(
                acc,
                &call(
                    account,
                    region,
                    ("ec2.amazonaws.com", "DescribeInstances"),
                    true,
                    &app,
                    t,
                ),
            );
        }
        if rng.r#gen::<f64>() < p / 2.0 {
            let t = secs + rng.gen_range(0..60);
            put(
                acc,
                &call(
                    account,
                    region,
                    ("monitoring.amazonaws.com", "PutMetricData"),
                    false,
                    &app,
                    t,
                ),
            );
        }
        // The detonated API, a few times a day.
        if rng.r#gen::<f64>() < 0.003 {
            let t = secs + rng.gen_range(0..60);
            put(acc, &call(account, region, api, true, &app, t));
        }
    }
}

/// Replays `name` at day 8, 14:03 (busy hours) and returns the anomalies and the replayed
/// records of `api` (their first and last minute).
fn replay(name: &str, api: &str, cfg: &InsightsConfig, seed: u64) -> (Vec<Insight>, Vec<Value>) {
    let records = detonation(name);
    let calls: Vec<Value> = records.iter().filter(|r| r["eventName"] == api).cloned().collect();
    assert!(!calls.is_empty(), "{name}: no {api}");
    let account = text(&calls[0], "recipientAccountId");
    let region = text(&calls[0], "awsRegion");
    let source = text(&calls[0], "eventSource");
    let mut acc = Accumulator::new(cfg);
    background(&mut acc, &account, &region, (&source, api), seed);
    // Move the detonation, by whole minutes, to start at day 8, 14:03.
    let first = records
        .iter()
        .filter_map(|r| Timestamp::parse_rfc3339(r["eventTime"].as_str()?).ok())
        .map(Timestamp::secs)
        .min()
        .expect("times");
    let shift = (START + 8 * DAY + 14 * 3600 + 3 * 60 - first).div_euclid(60) * 60;
    let mut moved = Vec::new();
    for r in &records {
        let mut r = r.clone();
        let t = Timestamp::parse_rfc3339(r["eventTime"].as_str().expect("eventTime")).expect("time");
        r["eventTime"] = Value::String(t.add_secs(shift).to_rfc3339());
        put(&mut acc, &r);
        if r["eventName"] == api {
            moved.push(r);
        }
    }
    let mut det = Detector::new(cfg.clone()).expect("settings");
    det.absorb(acc);
    (anomalies(&det.finish()), moved)
}

fn minute(t: Timestamp) -> i64 {
    t.secs().div_euclid(60)
}

/// CloudTrail attributes an assumed role's calls to the role, not the session.
fn role(arn: &str) -> &str {
    if arn.contains(":assumed-role/") {
        arn.rsplit_once('/').map_or(arn, |(r, _)| r)
    } else {
        arn
    }
}

/// The one anomaly, of `kind`, on the replayed API, within 5 minutes of the replayed calls,
/// attributed to the detonation's role.
fn check(list: &[Insight], kind: InsightType, calls: &[Value]) {
    assert_eq!(list.len(), 1, "one insight: {list:#?}");
    let i = &list[0];
    let c = &calls[0];
    assert_eq!(i.key.insight_type, kind);
    assert_eq!(i.key.event_name, text(c, "eventName"));
    assert_eq!(i.key.account, text(c, "recipientAccountId"));
    assert_eq!(i.key.region, text(c, "awsRegion"));
    let times: Vec<i64> = calls
        .iter()
        .map(|r| minute(Timestamp::parse_rfc3339(r["eventTime"].as_str().expect("time")).expect("time")))
        .collect();
    let first = times.iter().copied().min().expect("calls");
    let last = times.iter().copied().max().expect("calls");
    assert!((minute(i.start) - first).abs() <= 5, "{i:#?}");
    assert!(i.end.is_some_and(|e| (minute(e) - (last + 1)).abs() <= 5), "{i:#?}");
    let n = calls.len() as u64;
    assert!(i.insight.events >= n * 9 / 10 && i.insight.events <= n + 2, "{i:#?}");
    let caller = text(&c["userIdentity"], "arn");
    assert_eq!(render::top_value(i, "userIdentityArn"), Some(role(&caller)), "{i:#?}");
    // The record reads back as CloudTrail's shape.
    let rec: Value = serde_json::from_str(&i.to_record()).expect("JSON");
    assert_eq!(rec["eventType"], "AwsCloudTrailInsight");
    assert_eq!(rec["insightDetails"]["insightType"], kind.as_str());
    let stats = &rec["insightDetails"]["insightContext"]["statistics"];
    assert!(stats["baselineDuration"].as_u64() >= Some(10_080), "{stats} {i:?}");
}

#[test]
fn get_password_data_denials_are_an_error_rate_insight() {
    // 30 × GetPasswordData denied (Client.UnauthorizedOperation) in 11 seconds: CloudTrail's
    // own semantics (write calls for call rate; errors of any call for error rate) catch it.
    let cfg = InsightsConfig::default();
    let (list, calls) = replay(
        "aws.credential-access.ec2-get-password-data.json",
        "GetPasswordData",
        &cfg,
        1,
    );
    assert_eq!(calls.len(), 30);
    check(&list, InsightType::ApiErrorRateInsight, &calls);
    assert_eq!(list[0].key.error_code.as_deref(), Some("Client.UnauthorizedOperation"));
    assert_eq!(
        render::top_value(&list[0], "errorCode"),
        Some("Client.UnauthorizedOperation")
    );
}

#[test]
fn secrets_retrieval_is_a_call_rate_insight_with_read_calls() {
    // 20 × GetSecretValue in 4 seconds: read-only, so only with read calls counted.
    let (list, calls) = replay(
        "aws.credential-access.secretsmanager-retrieve-secrets.json",
        "GetSecretValue",
        &InsightsConfig::default(),
        2,
    );
    assert_eq!(calls.len(), 20);
    assert!(
        list.is_empty(),
        "CloudTrail's semantics count write calls only: {list:#?}"
    );
    let cfg = InsightsConfig {
        read_calls: true,
        ..InsightsConfig::default()
    };
    let (list, calls) = replay(
        "aws.credential-access.secretsmanager-retrieve-secrets.json",
        "GetSecretValue",
        &cfg,
        2,
    );
    check(&list, InsightType::ApiCallRateInsight, &calls);
    assert_eq!(render::top_value(&list[0], "errorCode"), Some("null"));
}

#[test]
fn ssm_instance_discovery_is_a_call_rate_insight_with_read_calls() {
    // DescribeInstanceInformation over a minute while sending a command.
    let cfg = InsightsConfig {
        read_calls: true,
        ..InsightsConfig::default()
    };
    let (list, calls) = replay(
        "aws.execution.ssm-send-command.json",
        "DescribeInstanceInformation",
        &cfg,
        3,
    );
    assert!(calls.len() >= 38, "{}", calls.len());
    check(&list, InsightType::ApiCallRateInsight, &calls);
}
