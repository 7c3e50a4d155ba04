//! End-to-end checks of generated trails: determinism, exact counts, record shape and
//! realism, scenarios against the manifest, and full digest-chain verification.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;

use serde_json::Value;
use sha2::{Digest as _, Sha256};
use trailguard_gen::{
    DirSink, GenConfig, GenError, GenOutput, MemorySink, PublicKeysFile, ScenarioKind, ScenarioSelection, generate,
    write_sidecars,
};
use trailguard_model::digest::Digest;
use trailguard_model::time::Timestamp;
use trailguard_verify::keys::{decode_key_value, fingerprint, parse_public_key, verify_with_key};
use trailguard_verify::string_to_sign;

struct Trail {
    files: BTreeMap<String, Vec<u8>>,
    out: GenOutput,
}

fn run(cfg: &GenConfig) -> Trail {
    let sink = MemorySink::new();
    let out = generate(cfg, &sink).expect("generation succeeds");
    Trail {
        files: sink.into_files(),
        out,
    }
}

/// The trail of [`small`], generated once for all tests of this binary.
fn small_trail() -> &'static Trail {
    static TRAIL: std::sync::OnceLock<Trail> = std::sync::OnceLock::new();
    TRAIL.get_or_init(|| run(&small()))
}

/// A small multi-account, multi-region configuration that still has every scenario.
fn small() -> GenConfig {
    GenConfig {
        seed: 42,
        records: 12_000,
        accounts: 3,
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        duration_hours: 30,
        gzip_level: 1,
        ..GenConfig::default()
    }
}

/// Inflate exactly one gzip member; anything after it is an error.
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut d = flate2::bufread::GzDecoder::new(bytes);
    let mut out = Vec::new();
    d.read_to_end(&mut out).expect("valid gzip");
    assert!(d.into_inner().is_empty(), "data after the first gzip member");
    out
}

impl Trail {
    fn log_keys(&self) -> impl Iterator<Item = &String> {
        self.files.keys().filter(|k| k.contains("/CloudTrail/"))
    }

    /// (key, records) of every log file.
    fn logs(&self) -> Vec<(String, Vec<Value>)> {
        self.log_keys()
            .map(|k| {
                let v: Value = serde_json::from_slice(&gunzip(&self.files[k])).expect("log JSON");
                let Value::Object(mut o) = v else {
                    panic!("log is not an object: {k}")
                };
                assert_eq!(o.len(), 1, "only Records at the top");
                let Some(Value::Array(recs)) = o.remove("Records") else {
                    panic!("no Records array in {k}")
                };
                (k.clone(), recs)
            })
            .collect()
    }

    fn records(&self) -> Vec<Value> {
        self.logs().into_iter().flat_map(|(_, r)| r).collect()
    }
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

#[test]
fn same_config_same_bytes_whatever_the_threads() {
    let cfg = GenConfig {
        records: 3_000,
        duration_hours: 6,
        ..small()
    };
    let a = run(&cfg);
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let b = pool(1).install(|| run(&cfg));
    let c = pool(3).install(|| run(&cfg));
    assert_eq!(a.files, b.files);
    assert_eq!(a.files, c.files);
    assert_eq!(a.out.manifest, c.out.manifest);
    assert_eq!(a.out.signatures, c.out.signatures);
    assert!(!a.files.is_empty());

    let d = run(&GenConfig { seed: 43, ..cfg });
    assert_ne!(a.files.keys().collect::<Vec<_>>(), d.files.keys().collect::<Vec<_>>());
}

#[test]
fn record_totals_are_exact() {
    let base = GenConfig {
        duration_hours: 8,
        regions: vec!["us-east-1".into()],
        accounts: 2,
        digests: false,
        gzip_level: 1,
        ..small()
    };
    let minimum = base.minimum_records().unwrap();
    assert!(minimum > 100, "{minimum}");
    for records in [minimum, minimum + 1, minimum + 997, 9_999] {
        let t = run(&GenConfig {
            records,
            ..base.clone()
        });
        assert_eq!(t.records().len() as u64, records);
        assert_eq!(t.out.manifest.counts.records, records);
        assert_eq!(
            t.out.manifest.counts.background_records + t.out.manifest.counts.scenario_records,
            records
        );
    }
    let err = generate(
        &GenConfig {
            records: minimum - 1,
            ..base.clone()
        },
        &MemorySink::new(),
    )
    .unwrap_err();
    assert!(
        matches!(err, GenError::TooFewRecords { minimum: m, .. } if m == minimum),
        "{err}"
    );
    assert!(err.to_string().contains(&minimum.to_string()));
    // No scenarios: any count works, even zero.
    for records in [0, 1, 17] {
        let t = run(&GenConfig {
            records,
            scenarios: ScenarioSelection::None,
            ..base.clone()
        });
        assert_eq!(t.records().len() as u64, records);
    }
}

#[test]
fn records_have_the_fields_cloudtrail_guarantees() {
    let t = small_trail();
    let m = &t.out.manifest;
    let (start, end) = (m.time_range.start, m.time_range.end);
    let mut ids = HashSet::new();
    let mut unsorted_files = 0;
    let mut versions = BTreeSet::new();
    let mut sources = BTreeSet::new();
    let (mut errors, mut reads, mut total) = (0, 0, 0);
    for (key, recs) in t.logs() {
        // <prefix>AWSLogs/o-…/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16>.json.gz
        let parts: Vec<&str> = key.split('/').collect();
        let (acct, region) = (parts[2], parts[4]);
        let name = parts[8];
        let stamp = name.rsplit('_').nth(1).unwrap();
        assert_eq!(stamp.len(), 14, "{key}");
        let file_time = Timestamp::parse_rfc3339(&format!("{}00Z", &stamp[..13])).unwrap();
        assert!(name.starts_with(&format!("{acct}_CloudTrail_{region}_")), "{key}");
        assert!(!recs.is_empty());
        let mut times = Vec::new();
        for r in &recs {
            total += 1;
            for f in [
                "eventVersion",
                "userIdentity",
                "eventTime",
                "eventSource",
                "eventName",
                "awsRegion",
                "sourceIPAddress",
                "eventID",
                "eventType",
                "eventCategory",
                "recipientAccountId",
                "readOnly",
                "managementEvent",
            ] {
                assert!(r.get(f).is_some(), "{f} missing in {r}");
            }
            assert!(r.get("requestParameters").is_some(), "{r}");
            assert!(r.get("responseElements").is_some(), "{r}");
            assert_eq!(s(r, &["awsRegion"]), Some(region));
            assert_eq!(s(r, &["recipientAccountId"]), Some(acct));
            let time = Timestamp::parse_event_time(s(r, &["eventTime"]).unwrap()).unwrap();
            assert!(time >= start && time < end, "{time}");
            assert!(
                time < file_time && time >= file_time.add_secs(-300),
                "{time} not in the slot of {key}"
            );
            times.push(time);
            assert!(ids.insert(s(r, &["eventID"]).unwrap().to_string()), "duplicate eventID");
            let data = r["eventCategory"] == "Data";
            assert_eq!(r["managementEvent"].as_bool(), Some(!data));
            let uit = s(r, &["userIdentity", "type"]);
            if uit == Some("AWSService") {
                assert!(r.get("tlsDetails").is_none(), "{r}");
                assert!(r.get("sharedEventID").is_some(), "{r}");
            }
            if let Some(k) = s(r, &["userIdentity", "accessKeyId"]) {
                assert!(
                    k.is_empty() || ((k.starts_with("AKIA") || k.starts_with("ASIA")) && k.len() == 20),
                    "{k}"
                );
            }
            if r.get("errorCode").is_some() || r.get("errorMessage").is_some() {
                errors += 1;
                if r.get("errorCode").is_some() {
                    assert!(r["responseElements"].is_null() || r["eventName"] == "ConsoleLogin");
                }
            }
            reads += usize::from(r["readOnly"] == true);
            versions.insert(s(r, &["eventVersion"]).unwrap().to_string());
            sources.insert(s(r, &["eventSource"]).unwrap().to_string());
        }
        if times.windows(2).any(|w| w[1] < w[0]) {
            unsorted_files += 1;
        }
    }
    assert_eq!(total as u64, m.counts.records);
    assert!(unsorted_files > 10, "records in files should not be sorted by time");
    let rate = errors as f64 / total as f64;
    assert!((0.02..0.08).contains(&rate), "error rate {rate}");
    assert!(reads * 2 > total, "reads dominate: {reads}/{total}");
    for v in ["1.08", "1.09", "1.10", "1.11"] {
        assert!(versions.contains(v), "{versions:?}");
    }
    assert!(sources.len() >= 25, "{} sources: {sources:?}", sources.len());
}

use std::collections::HashSet;

#[test]
fn identities_and_global_events_look_real() {
    let t = small_trail();
    let recs = t.records();
    let mut types: HashMap<String, usize> = HashMap::new();
    let mut mfa_logins = 0;
    for r in &recs {
        let ty = s(r, &["userIdentity", "type"]).unwrap_or("(none)").to_string();
        *types.entry(ty.clone()).or_default() += 1;
        let src = s(r, &["eventSource"]).unwrap();
        if matches!(
            src,
            "iam.amazonaws.com" | "signin.amazonaws.com" | "route53.amazonaws.com" | "organizations.amazonaws.com"
        ) || (src == "sts.amazonaws.com"
            && s(r, &["tlsDetails", "clientProvidedHostHeader"]) == Some("sts.amazonaws.com"))
        {
            assert_eq!(s(r, &["awsRegion"]), Some("us-east-1"), "{r}");
        }
        if ty == "AssumedRole" {
            let arn = s(r, &["userIdentity", "arn"]).unwrap();
            assert!(arn.starts_with("arn:aws:sts::"), "{arn}");
            let issuer = &r["userIdentity"]["sessionContext"]["sessionIssuer"];
            assert_eq!(issuer["type"], "Role");
            let role = issuer["userName"].as_str().unwrap();
            assert!(arn.contains(&format!(":assumed-role/{role}/")), "{arn}");
            if role.starts_with("AWSReservedSSO_") {
                assert!(arn.rsplit('/').next().unwrap().contains('@'));
                assert!(
                    issuer["arn"]
                        .as_str()
                        .unwrap()
                        .contains("/aws-reserved/sso.amazonaws.com/")
                );
            }
        }
        if ty == "IdentityCenterUser" {
            assert!(r["userIdentity"]["onBehalfOf"]["userId"].is_string());
            assert!(r["userIdentity"]["credentialId"].is_string());
            assert!(r["userIdentity"].get("userName").is_none());
        }
        if ty == "AWSAccount" {
            let caller = s(r, &["userIdentity", "accountId"]).unwrap();
            assert_ne!(Some(caller), s(r, &["recipientAccountId"]), "cross-account");
            assert!(r.get("sharedEventID").is_some(), "{r}");
            assert_eq!(s(r, &["eventName"]), Some("AssumeRole"));
        }
        if ty == "AWSService" {
            let by = s(r, &["userIdentity", "invokedBy"]).unwrap();
            assert_eq!(s(r, &["sourceIPAddress"]), Some(by));
        }
        if s(r, &["eventName"]) == Some("ConsoleLogin") && s(r, &["additionalEventData", "MFAUsed"]) == Some("Yes") {
            mfa_logins += 1;
        }
    }
    for ty in [
        "IAMUser",
        "AssumedRole",
        "AWSService",
        "IdentityCenterUser",
        "WebIdentityUser",
        "AWSAccount",
        "(none)",
        "Root",
    ] {
        assert!(types.contains_key(ty), "no {ty}: {types:?}");
    }
    assert!(types["AssumedRole"] > types["IAMUser"]);
    assert!(mfa_logins > 0);
}

#[test]
fn record_sizes_are_realistic() {
    let t = small_trail();
    let mut sizes: Vec<usize> = t
        .records()
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap().len())
        .collect();
    sizes.sort_unstable();
    let avg = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
    assert!((800.0..=1500.0).contains(&avg), "average record size {avg}");
    let p50 = sizes[sizes.len() / 2];
    let p99 = sizes[sizes.len() * 99 / 100];
    assert!((600..=1500).contains(&p50), "median {p50}");
    assert!(p99 < 4500, "p99 {p99}");
    assert!(sizes[0] > 300, "smallest {}", sizes[0]);
    let m = &t.out.manifest.counts;
    assert!(m.log_bytes > 0 && m.log_bytes_gz > 0 && m.log_bytes > 3 * m.log_bytes_gz);
}

#[test]
fn volume_follows_working_hours_and_weekdays() {
    // One account, one region, two weeks, no scenarios: a clean rhythm.
    let t = run(&GenConfig {
        records: 40_000,
        accounts: 1,
        regions: vec!["us-east-1".into()],
        duration_hours: 14 * 24,
        scenarios: ScenarioSelection::None,
        digests: false,
        gzip_level: 1,
        ..small()
    });
    let start = t.out.manifest.time_range.start.secs();
    let mut by_hour = [0usize; 24];
    let mut by_weekday = [0usize; 7];
    for r in t.records() {
        let secs = Timestamp::parse_event_time(s(&r, &["eventTime"]).unwrap())
            .unwrap()
            .secs();
        let rel = secs - start;
        by_hour[((rel / 3600) % 24) as usize] += 1;
        by_weekday[((rel / 86_400) % 7) as usize] += 1; // the start is a Monday
    }
    let max_h = *by_hour.iter().max().unwrap() as f64;
    let min_h = *by_hour.iter().min().unwrap() as f64;
    assert!(max_h > 2.0 * min_h, "hours {by_hour:?}");
    let weekday = by_weekday[..5].iter().sum::<usize>() as f64 / 5.0;
    let weekend = by_weekday[5..].iter().sum::<usize>() as f64 / 2.0;
    assert!(weekday > 1.3 * weekend, "weekdays {by_weekday:?}");
}

#[test]
fn clean_trail_has_no_threats() {
    let t = run(&GenConfig {
        records: 20_000,
        duration_hours: 48,
        scenarios: ScenarioSelection::None,
        digests: false,
        ..small()
    });
    assert!(t.out.manifest.scenarios.is_empty());
    let threat_names: Vec<&str> = ScenarioKind::ALL
        .iter()
        .flat_map(|k| k.signature_event_names().iter().copied())
        .collect();
    let mut key_ips: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in t.records() {
        let name = s(&r, &["eventName"]).unwrap();
        assert!(!threat_names.contains(&name), "{name} in clean traffic");
        assert_ne!(s(&r, &["userIdentity", "type"]), Some("Root"));
        if name == "ConsoleLogin" {
            assert_eq!(s(&r, &["responseElements", "ConsoleLogin"]), Some("Success"));
            assert_eq!(s(&r, &["additionalEventData", "MFAUsed"]), Some("Yes"));
            assert_eq!(s(&r, &["userIdentity", "type"]), Some("IAMUser"));
        }
        if let Some(k) = s(&r, &["userIdentity", "accessKeyId"])
            && k.starts_with("AKIA")
        {
            key_ips
                .entry(k.to_string())
                .or_default()
                .insert(s(&r, &["sourceIPAddress"]).unwrap().to_string());
        }
    }
    assert!(key_ips.len() > 5);
    for (k, ips) in key_ips {
        assert!(ips.len() <= 3, "{k} used from {ips:?}");
    }
}

#[test]
fn every_scenario_event_is_in_the_output_once() {
    let t = small_trail();
    let m = &t.out.manifest;
    assert_eq!(m.scenarios.len(), ScenarioKind::ALL.len());
    let mut wanted: HashMap<&str, (&str, &str, Timestamp, &str, &str)> = HashMap::new();
    for sc in &m.scenarios {
        assert!(!sc.event_ids.is_empty());
        assert_eq!(sc.event_ids.len(), sc.events.len());
        assert!(sc.start <= sc.end);
        assert!(
            sc.start >= m.time_range.start.add_secs(12 * 3600),
            "{} at {}",
            sc.id,
            sc.start
        );
        for e in &sc.events {
            wanted.insert(
                &e.event_id,
                (&e.event_name, &e.event_source, e.event_time, &sc.account, &sc.region),
            );
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let threat_names: Vec<&str> = ScenarioKind::ALL
        .iter()
        .flat_map(|k| k.signature_event_names().iter().copied())
        .collect();
    for r in t.records() {
        let id = s(&r, &["eventID"]).unwrap();
        let name = s(&r, &["eventName"]).unwrap();
        if let Some((n, src, time, acct, region)) = wanted.get(id) {
            assert_eq!(name, *n);
            assert_eq!(s(&r, &["eventSource"]), Some(*src));
            assert_eq!(s(&r, &["eventTime"]).unwrap(), time.to_rfc3339());
            assert_eq!(s(&r, &["recipientAccountId"]), Some(*acct));
            assert_eq!(s(&r, &["awsRegion"]), Some(*region));
            *seen.entry(id.to_string()).or_default() += 1;
        } else {
            assert!(!threat_names.contains(&name), "{name} outside scenarios");
            assert_ne!(s(&r, &["userIdentity", "type"]), Some("Root"));
        }
    }
    assert_eq!(seen.len(), wanted.len());
    assert!(seen.values().all(|&n| n == 1));
    assert_eq!(wanted.len() as u64, m.counts.scenario_records);
}

#[test]
fn scenarios_are_internally_consistent() {
    let t = small_trail();
    let m = &t.out.manifest;
    let recs = t.records();
    let by_id: HashMap<&str, &Value> = recs.iter().map(|r| (s(r, &["eventID"]).unwrap(), r)).collect();
    let scenario = |k: ScenarioKind| m.scenarios.iter().find(|x| x.kind == k).unwrap();
    let events =
        |k: ScenarioKind| -> Vec<&Value> { scenario(k).event_ids.iter().map(|id| by_id[id.as_str()]).collect() };
    let trail = &m.trail;
    for e in events(ScenarioKind::CloudtrailStopLogging) {
        assert_eq!(s(e, &["requestParameters", "name"]), Some(trail.arn.as_str()));
        assert_eq!(s(e, &["awsRegion"]), Some(trail.home_region.as_str()));
        assert_eq!(s(e, &["recipientAccountId"]), Some(trail.management_account.as_str()));
    }
    for k in [ScenarioKind::KmsDisableKey, ScenarioKind::KmsScheduleKeyDeletion] {
        for e in events(k) {
            assert_eq!(s(e, &["requestParameters", "keyId"]), Some(trail.kms_key_arn.as_str()));
        }
    }
    let tamper = events(ScenarioKind::LogBucketTampering);
    assert_eq!(tamper.len(), 3);
    for e in tamper {
        assert_eq!(s(e, &["requestParameters", "bucketName"]), Some(trail.bucket.as_str()));
    }
    let sg = events(ScenarioKind::SecurityGroupOpened);
    let text = serde_json::to_string(&sg[0]["requestParameters"]).unwrap();
    assert!(text.contains("0.0.0.0/0") && text.contains("\"fromPort\":22"), "{text}");
    // Failed sign-ins: ≥ 5 within 5 minutes from one address.
    let fails = events(ScenarioKind::ConsoleLoginFailures);
    assert!(fails.len() >= 5);
    let ips: BTreeSet<&str> = fails.iter().map(|e| s(e, &["sourceIPAddress"]).unwrap()).collect();
    assert_eq!(ips.len(), 1);
    let sc = scenario(ScenarioKind::ConsoleLoginFailures);
    assert!(sc.end.secs() - sc.start.secs() <= 300);
    for e in fails {
        assert_eq!(s(e, &["errorMessage"]), Some("Failed authentication"));
        assert_eq!(s(e, &["responseElements", "ConsoleLogin"]), Some("Failure"));
    }
    for e in events(ScenarioKind::ConsoleLoginWithoutMfa) {
        assert_eq!(s(e, &["additionalEventData", "MFAUsed"]), Some("No"));
        assert_eq!(s(e, &["responseElements", "ConsoleLogin"]), Some("Success"));
    }
    for e in events(ScenarioKind::RootConsoleLogin) {
        assert_eq!(s(e, &["userIdentity", "type"]), Some("Root"));
    }
    // A new address for a key with a stable history.
    let sc = scenario(ScenarioKind::AccessKeyNewIp);
    let key = s(by_id[sc.event_ids[0].as_str()], &["userIdentity", "accessKeyId"]).unwrap();
    let history: BTreeSet<&str> = recs
        .iter()
        .filter(|r| s(r, &["userIdentity", "accessKeyId"]) == Some(key))
        .filter(|r| !sc.event_ids.iter().any(|id| Some(id.as_str()) == s(r, &["eventID"])))
        .map(|r| s(r, &["sourceIPAddress"]).unwrap())
        .collect();
    assert!(!history.is_empty(), "the key has a history");
    assert!(!history.contains(sc.source_ip.as_str()));
    // Call-rate burst: far above the baseline of the same API in the same stream.
    let sc = scenario(ScenarioKind::ApiCallRateBurst);
    let in_stream = |r: &&Value| {
        s(r, &["recipientAccountId"]) == Some(sc.account.as_str()) && s(r, &["awsRegion"]) == Some(sc.region.as_str())
    };
    let baseline = recs
        .iter()
        .filter(in_stream)
        .filter(|r| s(r, &["eventName"]) == Some("CreateTags"))
        .count()
        - sc.event_ids.len();
    let minutes = (m.time_range.end.secs() - m.time_range.start.secs()) as f64 / 60.0;
    let burst_rate = sc.event_ids.len() as f64 / 20.0;
    assert!(
        burst_rate > 10.0 * (baseline as f64 / minutes).max(0.1),
        "{burst_rate} vs {baseline}"
    );
    // Error-rate burst: all access denied.
    for e in events(ScenarioKind::ApiErrorRateBurst) {
        let code = s(e, &["errorCode"]).unwrap();
        assert!(code.contains("AccessDenied") || code.contains("Unauthorized"), "{code}");
    }
}

/// One digest of a chain: end time, key, parsed JSON, inflated bytes.
type ChainEntry = (Timestamp, String, Digest, Vec<u8>);

/// Verify every digest chain from the written bytes, the public keys and the signatures.
fn verify_chains(t: &Trail) -> usize {
    let m = &t.out.manifest;
    let bucket = &m.trail.bucket;
    let PublicKeysFile::ByRegion(keys) = &t.out.public_keys else {
        panic!("region-mapped keys expected")
    };
    let mut digests: BTreeMap<(String, String), Vec<ChainEntry>> = BTreeMap::new();
    for (key, bytes) in t.files.iter().filter(|(k, _)| k.contains("/CloudTrail-Digest/")) {
        let raw = gunzip(bytes);
        let d: Digest = serde_json::from_slice(&raw).unwrap();
        assert_eq!(&d.digest_s3_object, key);
        assert_eq!(&d.digest_s3_bucket, bucket);
        let parts: Vec<&str> = key.split('/').collect();
        let region = parts[parts.iter().position(|p| *p == "CloudTrail-Digest").unwrap() + 1];
        let name = parts.last().unwrap();
        assert!(name.starts_with(&format!(
            "{}_CloudTrail-Digest_{region}_{}_",
            d.aws_account_id, m.trail.name
        )));
        assert!(name.ends_with(&format!(
            "_{}_{}.json.gz",
            m.trail.home_region,
            d.end_time().unwrap().to_rfc3339().replace(['-', ':'], "")
        )));
        digests
            .entry((d.aws_account_id.clone(), region.to_string()))
            .or_default()
            .push((d.end_time().unwrap(), key.clone(), d, raw));
    }
    let mut referenced = BTreeSet::new();
    let mut count = 0;
    for ((acct, region), mut chain) in digests {
        chain.sort_by_key(|c| c.0);
        let region_keys = &keys[&region];
        let mut prev: Option<(&String, &Vec<u8>, String)> = None;
        for (end, key, d, raw) in &chain {
            count += 1;
            assert_eq!(&d.aws_account_id, &acct);
            let start = d.start_time().unwrap();
            assert_eq!(end.secs() - start.secs(), 3600);
            match &prev {
                None => assert!(d.is_chain_start(), "first digest of a chain has null previous*"),
                Some((pkey, praw, psig)) => {
                    assert_eq!(d.previous_digest_s3_object.as_deref(), Some(pkey.as_str()));
                    assert_eq!(d.previous_digest_s3_bucket.as_deref(), Some(bucket.as_str()));
                    assert_eq!(d.previous_digest_hash_algorithm.as_deref(), Some("SHA-256"));
                    assert_eq!(
                        d.previous_digest_hash_value.as_deref(),
                        Some(hex::encode(Sha256::digest(praw)).as_str())
                    );
                    assert_eq!(d.previous_digest_signature.as_deref(), Some(psig.as_str()));
                    let pd: Digest = serde_json::from_slice(praw).unwrap();
                    assert_eq!(pd.digest_end_time, d.digest_start_time, "contiguous");
                }
            }
            // Signature from the signatures file, key by fingerprint and validity.
            let meta = t
                .out
                .signatures
                .lookup(bucket, key)
                .expect("signature for every digest");
            assert_eq!(meta.signature_algorithm.as_deref(), Some("SHA256withRSA"));
            let pk = region_keys
                .iter()
                .find(|k| k.fingerprint == d.digest_public_key_fingerprint)
                .expect("signing key listed for the digest's region");
            assert!(pk.is_valid_at(*end), "key valid at digest end");
            let der = decode_key_value(&pk.value).unwrap();
            assert_eq!(fingerprint(&der), pk.fingerprint);
            let public = parse_public_key(&der).unwrap();
            let msg = string_to_sign(
                &d.digest_end_time,
                bucket,
                key,
                raw,
                d.previous_digest_signature.as_deref(),
            );
            assert!(
                verify_with_key(&public, msg.as_bytes(), &meta.signature),
                "digest signature {key}"
            );
            if let Some((pkey, praw, psig)) = &prev {
                // The successor carries the predecessor's signature (offline verification).
                let pd: Digest = serde_json::from_slice(praw).unwrap();
                let ppk = region_keys
                    .iter()
                    .find(|k| k.fingerprint == pd.digest_public_key_fingerprint)
                    .unwrap();
                let pmsg = string_to_sign(
                    &pd.digest_end_time,
                    bucket,
                    pkey,
                    praw,
                    pd.previous_digest_signature.as_deref(),
                );
                let ppub = parse_public_key(&decode_key_value(&ppk.value).unwrap()).unwrap();
                assert!(verify_with_key(&ppub, pmsg.as_bytes(), psig));
            }
            // Log files: hashes of the uncompressed bytes and event-time bounds.
            let mut newest: Option<&str> = None;
            for lf in &d.log_files {
                assert_eq!(&lf.s3_bucket, bucket);
                let bytes = t.files.get(&lf.s3_object).expect("listed log exists");
                let raw = gunzip(bytes);
                assert_eq!(lf.hash_value, hex::encode(Sha256::digest(&raw)));
                assert_eq!(lf.hash_algorithm, "SHA-256");
                let v: Value = serde_json::from_slice(&raw).unwrap();
                let times: Vec<&str> = v["Records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["eventTime"].as_str().unwrap())
                    .collect();
                assert_eq!(Some(lf.newest_event_time.as_str()), times.iter().copied().max());
                assert_eq!(Some(lf.oldest_event_time.as_str()), times.iter().copied().min());
                assert!(lf.s3_object.contains(&format!("/{acct}/CloudTrail/{region}/")));
                assert!(referenced.insert(lf.s3_object.clone()), "log listed twice");
                newest = newest.max(Some(lf.newest_event_time.as_str()));
            }
            assert_eq!(d.newest_event_time.as_deref(), newest);
            if d.log_files.is_empty() {
                assert!(d.newest_event_time.is_none() && d.oldest_event_time.is_none());
            }
            prev = Some((key, raw, meta.signature.clone()));
        }
        let last = chain.last().unwrap();
        assert!(last.0 >= m.time_range.end, "chains cover the whole period");
    }
    let logs: BTreeSet<String> = t.log_keys().cloned().collect();
    assert_eq!(logs, referenced, "every log file is in exactly one digest");
    assert_eq!(count as u64, m.counts.digest_files);
    count
}

#[test]
fn digest_chains_verify() {
    let t = small_trail();
    let n = verify_chains(t);
    let m = &t.out.manifest;
    assert_eq!(m.chains.len(), 6);
    assert!(m.chains.iter().all(|c| c.digests >= 30));
    assert_eq!(n as u64, m.chains.iter().map(|c| c.digests).sum::<u64>());
    // Digest end times sit at a fixed odd offset within the hour.
    let d = t.files.keys().find(|k| k.contains("CloudTrail-Digest")).unwrap();
    assert!(!d.ends_with("0000Z.json.gz"));
    // Empty digests exist in quiet hours.
    let empty = t
        .files
        .iter()
        .filter(|(k, _)| k.contains("CloudTrail-Digest"))
        .filter(|(_, v)| {
            serde_json::from_slice::<Digest>(&gunzip(v))
                .unwrap()
                .log_files
                .is_empty()
        })
        .count();
    assert!(empty > 0);
}

#[test]
fn keys_rotate_over_long_ranges() {
    let t = run(&GenConfig {
        records: 3_000,
        accounts: 1,
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        duration_hours: 26 * 24,
        scenarios: ScenarioSelection::None,
        gzip_level: 1,
        ..small()
    });
    let PublicKeysFile::ByRegion(keys) = &t.out.public_keys else {
        panic!()
    };
    assert_eq!(keys.len(), 2);
    let fps: BTreeSet<&str> = keys.values().flatten().map(|k| k.fingerprint.as_str()).collect();
    assert_eq!(
        fps.len(),
        keys.values().map(Vec::len).sum::<usize>(),
        "each region has its own keys"
    );
    for list in keys.values() {
        assert!(list.len() >= 2);
        for w in list.windows(2) {
            assert_eq!(
                w[1].validity_start_time.secs() - w[0].validity_start_time.secs(),
                20 * 86_400
            );
            assert_eq!(
                w[0].validity_end_time.secs() - w[0].validity_start_time.secs(),
                30 * 86_400
            );
        }
    }
    let used: BTreeSet<String> = t
        .files
        .iter()
        .filter(|(k, _)| k.contains("CloudTrail-Digest"))
        .map(|(_, v)| {
            serde_json::from_slice::<Digest>(&gunzip(v))
                .unwrap()
                .digest_public_key_fingerprint
        })
        .collect();
    assert!(used.len() >= 4, "{used:?}");
    verify_chains(&t);
}

#[test]
fn dir_sink_and_sidecars() {
    let cfg = GenConfig {
        records: 2_500,
        duration_hours: 4,
        regions: vec!["eu-west-1".into()],
        home_region: "eu-west-1".into(),
        accounts: 1,
        ..small()
    };
    let dir = tempfile::tempdir().unwrap();
    let out = generate(&cfg, &DirSink::new(dir.path())).unwrap();
    trailguard_gen::write_sidecar_files(dir.path(), &out).unwrap();
    let mem = run(&cfg);
    for (k, v) in &mem.files {
        assert_eq!(&std::fs::read(dir.path().join(k)).unwrap(), v, "{k}");
    }
    let manifest: trailguard_gen::Manifest =
        serde_json::from_slice(&std::fs::read(dir.path().join(".trailguard/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest, mem.out.manifest);
    assert_eq!(manifest.manifest_version, 1);
    let keys: PublicKeysFile =
        serde_json::from_slice(&std::fs::read(dir.path().join(".trailguard/public-keys.json")).unwrap()).unwrap();
    assert_eq!(keys, mem.out.public_keys);
    let sigs: trailguard_gen::SignaturesFile =
        serde_json::from_slice(&std::fs::read(dir.path().join(".trailguard/signatures.json")).unwrap()).unwrap();
    assert_eq!(sigs, mem.out.signatures);
    // The same side files through any sink.
    let sink = MemorySink::new();
    write_sidecars(&out, &sink).unwrap();
    assert_eq!(sink.len(), 3);
    // Global events fall back to the home region without us-east-1.
    assert_eq!(manifest.trail.global_service_region, "eu-west-1");
    assert!(manifest.config == cfg);
}

#[test]
fn layout_options() {
    let cfg = GenConfig {
        records: 1_500,
        duration_hours: 3,
        accounts: 2,
        account_ids: vec!["111122223333".into(), "444455556666".into()],
        regions: vec!["us-east-1".into()],
        organization: false,
        key_prefix: Some("logs/ct".into()),
        trail_name: "My_trail.v2-x".into(),
        bucket: Some("my-trail-bucket".into()),
        data_events: false,
        ..small()
    };
    let t = run(&cfg);
    for k in t.files.keys() {
        assert!(
            k.starts_with("logs/ct/AWSLogs/111122223333/") || k.starts_with("logs/ct/AWSLogs/444455556666/"),
            "{k}"
        );
    }
    assert!(
        t.files
            .keys()
            .any(|k| k.contains("_CloudTrail-Digest_us-east-1_My_trail.v2-x_us-east-1_"))
    );
    assert_eq!(
        t.out.manifest.trail.arn,
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/My_trail.v2-x"
    );
    assert!(t.out.manifest.trail.organization_id.is_none());
    assert!(t.records().iter().all(|r| r["eventCategory"] == "Management"));
    assert_eq!(t.out.manifest.counts.data_event_records, 0);
    verify_chains(&t);
}

#[test]
fn demo_trail() {
    let cfg = GenConfig::demo();
    let t = run(&cfg);
    let m = &t.out.manifest;
    assert_eq!(m.counts.records, 60_000);
    assert_eq!(m.trail.accounts.len(), 2);
    assert_eq!(m.trail.regions.len(), 3);
    assert_eq!(m.scenarios.len(), ScenarioKind::ALL.len());
    assert!(m.counts.data_event_records > 4_000);
    verify_chains(&t);
}

#[test]
fn progress_reaches_the_totals() {
    let cfg = GenConfig {
        records: 2_000,
        duration_hours: 3,
        regions: vec!["us-east-1".into()],
        accounts: 1,
        scenarios: ScenarioSelection::None,
        ..small()
    };
    let last = std::sync::Mutex::new(Vec::new());
    let out = trailguard_gen::generate_with_progress(&cfg, &MemorySink::new(), &|p| {
        last.lock().unwrap().push(p);
    })
    .unwrap();
    let seen = last.into_inner().unwrap();
    assert!(seen.iter().all(|p| p.records_total == 2_000));
    assert_eq!(seen.iter().map(|p| p.records_written).max(), Some(2_000));
    assert_eq!(
        seen.iter().map(|p| p.digests_written).max(),
        Some(out.manifest.counts.digest_files)
    );
}
