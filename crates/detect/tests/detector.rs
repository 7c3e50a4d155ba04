//! The detector on plain records: Sigma rules from folders with attribution and correlations,
//! filter-pattern reasons, thresholds through collectors merged from several threads.

use trailguard_detect::{DetectorBuilder, Keep, Origin, Rule, Severity, parse_rules};
use trailguard_model::decode_event_text;
use trailguard_sigma::Source;

fn rec(t: &str, name: &str, user: &str, id: &str) -> String {
    format!(
        r#"{{"eventTime":"{t}","eventID":"{id}","eventSource":"iam.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.3","recipientAccountId":"111122223333","userIdentity":{{"type":"IAMUser","userName":"{user}","arn":"arn:aws:iam::111122223333:user/{user}"}}}}"#
    )
}

const SIGMA: &str = r#"
title: IAM user listing
id: 0b0f0e8c-0000-4000-8000-000000000001
name: iam_list
author: Jane Analyst
level: low
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventName: ListUsers
    condition: selection
---
title: Many IAM listings
id: 0b0f0e8c-0000-4000-8000-000000000002
author: Jane Analyst
level: high
correlation:
    type: event_count
    rules: [iam_list]
    group-by: [userIdentity.userName]
    timespan: 10m
    condition: {gte: 3}
    generate: true
"#;

#[test]
fn sigma_folder_rules_alert_with_author_and_correlate() {
    let mut src = Source::new("team/iam.yml", SIGMA);
    src.license = Some("DRL-1.1".into());
    let mut b = DetectorBuilder::new();
    b.sigma([src]);
    let (det, notes) = b.build().unwrap();
    assert!(notes.sigma.problems.is_empty(), "{:?}", notes.sigma.problems);
    assert_eq!(det.rules().len(), 2);
    let texts: Vec<String> = (0..4)
        .map(|i| rec(&format!("2024-05-01T10:0{i}:00Z"), "ListUsers", "eve", &format!("e{i}")))
        .collect();
    // Two collectors (two threads), records split between them out of order.
    let mut c1 = det.collector(Keep::All);
    let mut c2 = det.collector(Keep::All);
    for (i, t) in texts.iter().enumerate().rev() {
        let ev = decode_event_text(t).unwrap();
        if i % 2 == 0 { c1.record(&ev) } else { c2.record(&ev) }
    }
    c1.merge(c2);
    let found = c1.finish();
    let single: Vec<_> = found.alerts.iter().filter(|a| a.window.is_none()).collect();
    assert_eq!(single.len(), 4);
    assert!(single.iter().all(|a| a.rule.author.as_deref() == Some("Jane Analyst")));
    assert!(single.iter().all(|a| a.rule.license.as_deref() == Some("DRL-1.1")));
    assert_eq!(single[0].reasons[0].part, "selection");
    assert_eq!(single[0].event.id.as_deref(), Some("e0"), "time order");
    let corr: Vec<_> = found.alerts.iter().filter(|a| a.window.is_some()).collect();
    assert_eq!(corr.len(), 1, "{corr:#?}");
    assert_eq!(corr[0].severity, Severity::High);
    assert_eq!(corr[0].rule.kind, "sigma-correlation");
    let w = corr[0].window.as_ref().unwrap();
    assert_eq!(w.count, 3);
    assert_eq!(
        w.group,
        vec![("userIdentity.userName".to_owned(), Some("eve".to_owned()))]
    );
}

#[test]
fn thresholds_merge_across_threads_in_event_time_order() {
    let rules = parse_rules(
        "t.yaml",
        r#"rules:
  - id: T-1
    title: three listings in a minute per user
    description: d
    severity: medium
    pattern: '{ $.eventName = "ListUsers" }'
    threshold: {count: 3, period: 60, group_by: [principal]}
"#,
        &Origin::File("t.yaml".into()),
    )
    .unwrap();
    let mut b = DetectorBuilder::new();
    b.rules(rules);
    let (det, _) = b.build().unwrap();
    let mut records = Vec::new();
    // eve: 3 in minute 10:00 (alert), bob: 2 in 10:00 and 1 in 10:01 (no alert).
    for (t, u, id) in [
        ("2024-05-01T10:00:05Z", "eve", "a"),
        ("2024-05-01T10:00:15Z", "bob", "b"),
        ("2024-05-01T10:00:25Z", "eve", "c"),
        ("2024-05-01T10:00:35Z", "bob", "d"),
        ("2024-05-01T10:00:45Z", "eve", "e"),
        ("2024-05-01T10:01:05Z", "bob", "f"),
    ] {
        records.push(rec(t, "ListUsers", u, id));
    }
    let mut cs: Vec<_> = (0..3).map(|_| det.collector(Keep::All)).collect();
    for (i, t) in records.iter().enumerate().rev() {
        cs[i % 3].record(&decode_event_text(t).unwrap());
    }
    let mut merged = det.collector(Keep::All);
    for c in cs {
        merged.merge(c);
    }
    let found = merged.finish();
    assert_eq!(found.alerts.len(), 1);
    let a = &found.alerts[0];
    assert_eq!(a.event.id.as_deref(), Some("e"), "the event that completed the count");
    let w = a.window.as_ref().unwrap();
    assert_eq!(w.count, 3);
    assert_eq!(w.event_ids, ["a", "c", "e"]);
    assert_eq!(w.group[0].1.as_deref(), Some("arn:aws:iam::111122223333:user/eve"));
    assert_eq!(found.counts.get("T-1"), Some(&1));
}

#[test]
fn keep_first_keeps_the_earliest_alerts_and_all_counts() {
    let mut b = DetectorBuilder::new();
    b.rules([Rule::from_pattern(0, r#"{ $.eventName = "ListUsers" }"#, Severity::Low)]);
    let (det, _) = b.build().unwrap();
    let mut c1 = det.collector(Keep::First(2));
    let mut c2 = det.collector(Keep::First(2));
    for i in (0..9).rev() {
        let t = rec(&format!("2024-05-01T10:00:0{i}Z"), "ListUsers", "eve", &format!("e{i}"));
        let ev = decode_event_text(&t).unwrap();
        if i % 2 == 0 { c1.record(&ev) } else { c2.record(&ev) }
    }
    c1.merge(c2);
    let found = c1.finish();
    assert_eq!(found.counts.get("pattern-1"), Some(&9));
    let ids: Vec<_> = found.alerts.iter().map(|a| a.event.id.clone().unwrap()).collect();
    assert_eq!(ids, ["e0", "e1"]);
    assert!(
        found.alerts[0]
            .why()
            .contains(r#"$.eventName = "ListUsers" (record: ListUsers)"#)
    );
}

#[test]
fn rules_that_only_feed_a_correlation_do_not_alert_alone() {
    let text = SIGMA.replace("    generate: true\n", "");
    let mut b = DetectorBuilder::new();
    b.sigma([Source::new("team/iam.yml", text)]);
    let (det, _) = b.build().unwrap();
    assert_eq!(det.rules().len(), 1, "only the correlation is a rule of its own");
    let mut c = det.collector(Keep::All);
    for i in 0..3 {
        let t = rec(&format!("2024-05-01T10:0{i}:00Z"), "ListUsers", "eve", &format!("e{i}"));
        c.record(&decode_event_text(&t).unwrap());
    }
    let found = c.finish();
    assert_eq!(found.alerts.len(), 1);
    assert_eq!(found.alerts[0].rule.kind, "sigma-correlation");
}
