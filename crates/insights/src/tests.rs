//! The model on synthetic per-minute series: rhythm, sparse and new APIs, spikes, plateaus,
//! pauses, changes of level, error rates, CloudTrail's documented example, and stream/batch
//! and save/resume equivalence.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::accumulate::Accumulator;
use crate::config::{DAY, InsightsConfig};
use crate::detect::Detector;
use crate::insight::{EndReason, Insight, InsightState, anomalies};
use crate::key::InsightType;

/// 2026-01-05T00:00Z, a Monday, as a minute index.
const MONDAY: u32 = 29_459_520;
const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-1";
const CALLS: InsightType = InsightType::ApiCallRateInsight;
const ERRORS: InsightType = InsightType::ApiErrorRateInsight;

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 60.0 {
        // Normal approximation, plenty for rates this high.
        let u1: f64 = rng.r#gen::<f64>().max(1e-300);
        let u2: f64 = rng.r#gen();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        return (lambda + z * lambda.sqrt()).round().max(0.0) as u32;
    }
    // Inversion.
    let u: f64 = rng.r#gen();
    let mut p = (-lambda).exp();
    let mut cdf = p;
    let mut k = 0u32;
    while u > cdf && k < 10_000 {
        k += 1;
        p *= lambda / f64::from(k);
        cdf += p;
    }
    k
}

/// Office-hours rhythm in UTC: busy 09–17 on weekdays, a trickle at night, a tenth at weekends;
/// mean about 1 over a week.
fn office(minute: u32) -> f64 {
    let hour = (minute / 60) % 24;
    let weekday = ((minute / DAY) + 3) % 7;
    let day = match hour {
        0..=6 => 0.05,
        7 | 18 => 0.5,
        8..=17 => 2.6,
        _ => 0.2,
    };
    if weekday >= 5 { day * 0.1 } else { day }
}

/// Around the clock with a nightly batch bump.
fn machine(minute: u32) -> f64 {
    if matches!((minute / 60) % 24, 1..=3) { 1.6 } else { 0.95 }
}

struct Sim {
    acc: Accumulator,
    rng: ChaCha8Rng,
    end: u32,
}

impl Sim {
    fn new(cfg: &InsightsConfig, seed: u64, days: u32) -> Sim {
        let mut acc = Accumulator::new(cfg);
        let end = MONDAY + days * DAY;
        // The trail delivers every hour.
        for m in (MONDAY..end).step_by(60) {
            acc.touch(ACCOUNT, m);
        }
        acc.touch(ACCOUNT, end - 1);
        Sim {
            acc,
            rng: ChaCha8Rng::seed_from_u64(seed),
            end,
        }
    }

    /// Background traffic: `level` × `shape(minute)` calls per minute, by three callers.
    fn background(&mut self, kind: InsightType, api: &str, code: Option<&str>, level: f64, shape: fn(u32) -> f64) {
        for m in MONDAY..self.end {
            let n = poisson(&mut self.rng, level * shape(m));
            for _ in 0..n {
                let who = [
                    "arn:aws:iam::111122223333:role/app",
                    "arn:aws:iam::111122223333:role/ci",
                    "arn:aws:iam::111122223333:user/ops",
                ][self.rng.gen_range(0..3)];
                self.acc.add_counts(
                    kind,
                    ACCOUNT,
                    REGION,
                    ("ec2.amazonaws.com", api),
                    code,
                    m,
                    1,
                    (who, "aws-sdk-go/1.0"),
                );
            }
        }
    }

    /// `n` calls at minute `m` by the attacker.
    fn inject(&mut self, kind: InsightType, api: &str, code: Option<&str>, m: u32, n: u32) {
        self.acc.add_counts(
            kind,
            ACCOUNT,
            REGION,
            ("ec2.amazonaws.com", api),
            code,
            m,
            n,
            ("arn:aws:iam::111122223333:user/mallory", "python-requests/2.31"),
        );
    }

    fn run(self, cfg: InsightsConfig) -> (Detector, Vec<Insight>) {
        let mut d = Detector::new(cfg).unwrap();
        d.absorb(self.acc);
        let recs = d.finish();
        (d, recs)
    }
}

fn at(day: u32, hour: u32, minute: u32) -> u32 {
    MONDAY + day * DAY + hour * 60 + minute
}

fn minute(t: trailguard_model::Timestamp) -> i64 {
    t.secs() / 60
}

fn assert_window(i: &Insight, start: u32, end: u32, slack: i64) {
    let s = minute(i.start) - i64::from(start);
    assert!(s.abs() <= slack, "start off by {s} min: {i:#?}");
    let e = i.end.map(|e| minute(e) - i64::from(end));
    assert!(e.is_some_and(|e| e.abs() <= slack), "end off by {e:?} min: {i:#?}");
}

fn top(i: &Insight, attribute: &str) -> String {
    crate::render::top_value(i, attribute).unwrap_or("").to_owned()
}

#[test]
fn steady_rhythmic_traffic_raises_nothing() {
    let cfg = InsightsConfig::default();
    let mut found = Vec::new();
    for seed in 0..6u64 {
        let mut sim = Sim::new(&cfg, seed, 14);
        for (i, level) in [0.02, 0.3, 2.0, 12.0].into_iter().enumerate() {
            sim.background(CALLS, &format!("Office{i}"), None, level, office);
            sim.background(CALLS, &format!("Machine{i}"), None, level, machine);
        }
        sim.background(ERRORS, "DescribeThings", Some("AccessDenied"), 0.05, office);
        let (_, recs) = sim.run(cfg.clone());
        found.extend(recs.iter().map(|r| {
            format!(
                "seed {seed}: {:?} {} start {} detected {} p {:e} scale {} expected {} insight {:?}",
                r.state, r.key.event_name, r.start, r.detected_at, r.p_value, r.scale, r.expected, r.insight
            )
        }));
    }
    assert!(found.is_empty(), "no insight on steady traffic: {found:#?}");
}

#[test]
fn recurring_clumps_are_learnt() {
    // A deployment pipeline: 8–14 calls in one minute, about six times a day, at random.
    let cfg = InsightsConfig::default();
    let mut sim = Sim::new(&cfg, 7, 14);
    sim.background(CALLS, "CreateTags", None, 0.05, machine);
    for d in 0..14 {
        for _ in 0..6 {
            let m = at(d, 0, 0) + sim.rng.gen_range(0..DAY);
            let n = sim.rng.gen_range(8..=14);
            sim.inject(CALLS, "CreateTags", None, m, n);
        }
    }
    let (_, recs) = sim.run(cfg);
    // The first days may flag the first clumps (the pattern is new); afterwards nothing.
    let late: Vec<&Insight> = recs
        .iter()
        .filter(|r| r.start.secs() / 60 >= i64::from(at(3, 0, 0)))
        .collect();
    assert!(late.is_empty(), "{late:#?}");
}

#[test]
fn sparse_api_and_stray_calls_raise_nothing() {
    let cfg = InsightsConfig::default();
    let mut sim = Sim::new(&cfg, 3, 10);
    // A rarely used API: a call every few hours, sometimes two together.
    for d in 0..10 {
        for h in [2, 9, 15] {
            let n = if (d + h) % 4 == 0 { 2 } else { 1 };
            sim.inject(CALLS, "ModifyInstanceAttribute", None, at(d, h, 7), n);
        }
    }
    // A silent API: one stray call, later two in a minute, later four over ten minutes.
    sim.inject(CALLS, "DeleteVolume", None, at(8, 3, 0), 1);
    sim.inject(CALLS, "DeleteVolume", None, at(8, 14, 0), 2);
    for k in 0..4 {
        sim.inject(CALLS, "DeleteVolume", None, at(9, 11, k * 3), 1);
    }
    let (_, recs) = sim.run(cfg);
    assert!(recs.is_empty(), "{recs:#?}");
}

#[test]
fn bursts_of_every_shape_are_found_with_their_window_and_callers() {
    let cfg = InsightsConfig::default();
    let mut sim = Sim::new(&cfg, 11, 12);
    sim.background(CALLS, "CreateTags", None, 0.4, office);
    sim.background(CALLS, "RunInstances", None, 0.2, machine);
    // (a) a one-minute spike at night
    sim.inject(CALLS, "CreateTags", None, at(8, 3, 10), 40);
    // (b) a 20-minute burst in office hours: +6 per minute
    for k in 0..20 {
        sim.inject(CALLS, "CreateTags", None, at(9, 10, 0) + k, 6);
    }
    // (c) a long plateau: +1.5 per minute for four hours on an around-the-clock API
    for k in 0..240 {
        let n = poisson(&mut sim.rng, 1.5);
        sim.inject(
            CALLS,
            "RunInstances",
            None,
            at(10, 13, 0) + k,
            n.max(u32::from(k == 0 || k == 239)),
        );
    }
    // (d) a brand-new API, slowly: about 2 per minute for 15 minutes
    for k in 0..15 {
        let n = poisson(&mut sim.rng, 2.0).max(u32::from(k == 0 || k == 14));
        sim.inject(CALLS, "CreateKeyPair", None, at(11, 21, 30) + k, n);
    }
    let (_, recs) = sim.run(cfg);
    let list = anomalies(&recs);
    let find = |api: &str, day: u32| {
        list.iter()
            .find(|i| {
                i.key.event_name == api && (minute(i.start) - i64::from(at(day, 0, 0))).div_euclid(i64::from(DAY)) == 0
            })
            .unwrap_or_else(|| panic!("no insight for {api} on day {day}: {list:#?}"))
    };
    let a = find("CreateTags", 8);
    assert_window(a, at(8, 3, 10), at(8, 3, 11), 1);
    let b = find("CreateTags", 9);
    assert_window(b, at(9, 10, 0), at(9, 10, 20), 3);
    let c = find("RunInstances", 10);
    assert_window(c, at(10, 13, 0), at(10, 17, 0), 5);
    let d = find("CreateKeyPair", 11);
    assert_window(d, at(11, 21, 30), at(11, 21, 45), 3);
    for i in [a, b, c, d] {
        assert_eq!(i.state, InsightState::End);
        assert_eq!(i.end_reason, Some(EndReason::Returned));
        assert_eq!(
            top(i, "userIdentityArn"),
            "arn:aws:iam::111122223333:user/mallory",
            "{i:#?}"
        );
        assert_eq!(top(i, "userAgent"), "python-requests/2.31");
        assert_eq!(top(i, "errorCode"), "null");
    }
    assert_eq!(d.baseline.events, 0, "a new API has an empty baseline");
    assert!(d.attributions.iter().all(|a| a.baseline.is_empty()));
    assert_eq!(list.len(), 4, "nothing else: {list:#?}");
    // Every anomaly has its Start and its End, with the same shared id.
    assert_eq!(recs.len(), 8);
    for i in &list {
        let pair: Vec<&Insight> = recs.iter().filter(|r| r.shared_event_id == i.shared_event_id).collect();
        assert_eq!(pair.len(), 2);
        assert_eq!(pair[0].state, InsightState::Start);
        assert!(pair[0].detected_at >= pair[0].start);
    }
}

#[test]
fn a_pause_inside_a_burst_is_one_insight() {
    let cfg = InsightsConfig::default();
    let mut sim = Sim::new(&cfg, 5, 9);
    sim.background(CALLS, "AttachVolume", None, 0.3, office);
    for k in 0..10 {
        sim.inject(CALLS, "AttachVolume", None, at(8, 11, 0) + k, 20);
        sim.inject(CALLS, "AttachVolume", None, at(8, 11, 16) + k, 20);
    }
    let (_, recs) = sim.run(cfg);
    let list = anomalies(&recs);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_window(&list[0], at(8, 11, 0), at(8, 11, 26), 1);
}

#[test]
fn a_change_of_level_is_one_insight() {
    let cfg = InsightsConfig::default();
    let mut sim = Sim::new(&cfg, 9, 12);
    for m in MONDAY..sim.end {
        let level = if m >= at(8, 10, 0) { 6.0 } else { 0.5 };
        let n = poisson(&mut sim.rng, level);
        sim.inject(CALLS, "PutMetricAlarm", None, m, n);
    }
    let (_, recs) = sim.run(cfg.clone());
    let list = anomalies(&recs);
    assert_eq!(list.len(), 1, "{list:#?}");
    let i = &list[0];
    assert!((minute(i.start) - i64::from(at(8, 10, 0))).abs() <= 2);
    assert_eq!(i.end_reason, Some(EndReason::MaxDuration));
    assert_eq!(i.insight.duration, u64::from(cfg.max_duration));
}

#[test]
fn error_rate_bursts_are_keyed_by_code() {
    let cfg = InsightsConfig::default();
    let mut sim = Sim::new(&cfg, 21, 10);
    sim.background(ERRORS, "ListSecrets", Some("AccessDenied"), 0.02, office);
    sim.background(ERRORS, "ListSecrets", Some("ThrottlingException"), 0.5, machine);
    for k in 0..15 {
        sim.inject(ERRORS, "ListSecrets", Some("AccessDenied"), at(9, 4, 0) + k, 12);
    }
    let (_, recs) = sim.run(cfg);
    let list = anomalies(&recs);
    assert_eq!(list.len(), 1, "{list:#?}");
    let i = &list[0];
    assert_eq!(i.key.insight_type, ERRORS);
    assert_eq!(i.key.error_code.as_deref(), Some("AccessDenied"));
    assert_window(i, at(9, 4, 0), at(9, 4, 15), 1);
    let codes = &i.attributions[2];
    assert_eq!(codes.attribute, "errorCode");
    assert_eq!(codes.insight[0].value, "AccessDenied");
    assert!((codes.insight[0].average - i.insight.average).abs() < 1e-12);
    assert!(
        i.to_record()
            .contains(r#""insightType":"ApiErrorRateInsight","errorCode":"AccessDenied""#)
    );
}

#[test]
fn cloudtrails_documented_example_is_reproduced() {
    // CompleteLifecycleAction: one call in the 11336 minutes before the insight, then three
    // calls in five minutes by three roles (the AWS CloudTrail User Guide's insightDetails).
    let cfg = InsightsConfig {
        window: 28 * DAY,
        min_events: 3,
        ..InsightsConfig::default()
    };
    let mut acc = Accumulator::new(&cfg);
    let start = MONDAY + 30 * DAY + 51;
    let from = start - 11_336;
    for m in (from..start + 180).step_by(60) {
        acc.touch("012345678901", m);
    }
    acc.touch("012345678901", from);
    let api = ("autoscaling.amazonaws.com", "CompleteLifecycleAction");
    let role = |i: u32| format!("arn:aws:sts::012345678901:assumed-role/CodeDeployRole{i}");
    acc.add_counts(
        CALLS,
        "012345678901",
        "us-east-1",
        api,
        None,
        from + 4000,
        1,
        (&role(1), "codedeploy.amazonaws.com"),
    );
    for i in 1..=3 {
        acc.add_counts(
            CALLS,
            "012345678901",
            "us-east-1",
            api,
            None,
            start + 2 * (i - 1),
            1,
            (&role(i), "codedeploy.amazonaws.com"),
        );
    }
    acc.touch("012345678901", start + 180);
    let mut d = Detector::new(cfg).unwrap();
    d.absorb(acc);
    let recs = d.finish();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    let end = &recs[1];
    let v: serde_json::Value = serde_json::from_str(&end.to_record()).unwrap();
    let details = &v["insightDetails"];
    let expected: serde_json::Value = serde_json::from_str(
        r#"{
        "state": "End",
        "eventSource": "autoscaling.amazonaws.com",
        "eventName": "CompleteLifecycleAction",
        "insightType": "ApiCallRateInsight",
        "insightContext": {
          "statistics": {
            "baseline": { "average": 0.0000882145 },
            "insight": { "average": 0.6 },
            "insightDuration": 5,
            "baselineDuration": 11336
          },
          "attributions": [
            {
              "attribute": "userIdentityArn",
              "insight": [
                { "value": "arn:aws:sts::012345678901:assumed-role/CodeDeployRole1", "average": 0.2 },
                { "value": "arn:aws:sts::012345678901:assumed-role/CodeDeployRole2", "average": 0.2 },
                { "value": "arn:aws:sts::012345678901:assumed-role/CodeDeployRole3", "average": 0.2 }
              ],
              "baseline": [
                { "value": "arn:aws:sts::012345678901:assumed-role/CodeDeployRole1", "average": 0.0000882145 }
              ]
            },
            {
              "attribute": "userAgent",
              "insight": [ { "value": "codedeploy.amazonaws.com", "average": 0.6 } ],
              "baseline": [ { "value": "codedeploy.amazonaws.com", "average": 0.0000882145 } ]
            },
            {
              "attribute": "errorCode",
              "insight": [ { "value": "null", "average": 0.6 } ],
              "baseline": [ { "value": "null", "average": 0.0000882145 } ]
            }
          ]
        }
      }"#,
    )
    .unwrap();
    assert_eq!(details, &expected, "{}", serde_json::to_string_pretty(details).unwrap());
    assert_eq!(v["eventTime"], "2026-02-04T00:56:00Z");
    assert_eq!(recs[0].start, end.start);
    assert_eq!(v["eventType"], "AwsCloudTrailInsight");
    assert_eq!(v["eventCategory"], "Insight");
    assert_eq!(v["sharedEventID"].as_str(), Some(recs[0].shared_event_id.as_str()));
    assert_ne!(recs[0].event_id(), end.event_id());
}

/// Records as comparable text.
fn texts(recs: &[Insight]) -> Vec<String> {
    let mut v: Vec<String> = recs.iter().map(Insight::to_record).collect();
    v.sort();
    v
}

fn bursty_sim(cfg: &InsightsConfig) -> Sim {
    let mut sim = Sim::new(cfg, 33, 11);
    sim.background(CALLS, "CreateTags", None, 0.5, office);
    sim.background(
        ERRORS,
        "GetPasswordData",
        Some("Client.UnauthorizedOperation"),
        0.01,
        machine,
    );
    for k in 0..12 {
        sim.inject(CALLS, "CreateTags", None, at(8, 23, 50) + k, 9);
    }
    for k in 0..5 {
        sim.inject(
            ERRORS,
            "GetPasswordData",
            Some("Client.UnauthorizedOperation"),
            at(9, 14, 2) + k,
            7,
        );
    }
    // Open at the end of the input.
    for k in 0..20 {
        sim.inject(CALLS, "CreateTags", None, sim.end - 20 + k, 15);
    }
    sim
}

#[test]
fn a_stream_in_hourly_steps_with_save_and_resume_gives_the_batch_records() {
    let cfg = InsightsConfig::default();
    let batch = {
        let sim = bursty_sim(&cfg);
        let (_, recs) = sim.run(cfg.clone());
        recs
    };
    assert!(batch.len() >= 5, "{batch:#?}");
    assert_eq!(
        batch.iter().filter(|r| r.state == InsightState::End).count() + 1,
        batch.iter().filter(|r| r.state == InsightState::Start).count(),
        "the last one is still open"
    );

    // The same counts, split by hour (as they would arrive), fed in order.
    let sim = bursty_sim(&cfg);
    let end = sim.end;
    let all = sim.acc;
    let mut det = Detector::new(cfg.clone()).unwrap();
    let mut streamed = Vec::new();
    let mut hour = MONDAY;
    let mut saves = 0;
    while hour < end {
        let next = (hour + 60).min(end);
        det.absorb(all.slice(hour, next));
        // One hour of lateness allowed: evaluate up to the previous hour.
        streamed.extend(det.advance(crate::accumulate::time_of(hour)));
        if (hour - MONDAY).is_multiple_of(13 * 60) {
            let bytes = det.save().unwrap();
            det = Detector::load(&bytes, &cfg).unwrap();
            saves += 1;
        }
        hour = next;
    }
    streamed.extend(det.finish());
    assert!(saves > 10);
    assert_eq!(det.counts().late, 0);
    assert_eq!(texts(&streamed), texts(&batch));
}

#[test]
fn a_state_refuses_other_settings_and_other_files() {
    let cfg = InsightsConfig::default();
    let det = Detector::new(cfg.clone()).unwrap();
    let bytes = det.save().unwrap();
    let other = InsightsConfig {
        window: 14 * DAY,
        ..cfg.clone()
    };
    let e = Detector::load(&bytes, &other).unwrap_err();
    assert!(e.to_string().contains("window: saved 10080, now 20160"), "{e}");
    let e = Detector::load(br#"{"format":"something else"}"#, &cfg).unwrap_err();
    assert!(e.to_string().contains("not a trailguard insights state"), "{e}");
    assert!(Detector::load(b"[", &cfg).is_err());
}

#[test]
fn streaming_memory_is_bounded_by_the_window() {
    let cfg = InsightsConfig::default();
    let mut sim = Sim::new(&cfg, 1, 30);
    sim.background(CALLS, "CreateTags", None, 0.5, machine);
    let all = sim.acc;
    let mut det = Detector::new(cfg.clone()).unwrap();
    let mut day = MONDAY;
    let mut most = 0;
    while day < MONDAY + 30 * DAY {
        det.absorb(all.slice(day, day + DAY));
        det.advance(crate::accumulate::time_of(day + DAY));
        most = most.max(det.cells_held());
        day += DAY;
    }
    // Window (7 d) + longest insight (1 d) + 2 days kept; 30 days fed.
    let bound = (10 * DAY + 60) as usize;
    assert!(most <= bound, "{most} cells held, bound {bound}");
    assert!(most > (7 * DAY) as usize / 2);
}
