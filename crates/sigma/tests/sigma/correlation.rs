//! Correlation rules over synthetic sequences of records, fed in event-time order.

use trailguard_model::{Timestamp, decode_event_text};
use trailguard_sigma::*;

use crate::common::build;

const LOGS: &str = "logsource:\n    product: aws\n    service: cloudtrail\n";

/// A record at `minute` past 09:00 (seconds allowed as `m:ss`), by `user`, calling `name`.
fn rec(at: &str, user: &str, name: &str, extra: &str) -> String {
    let (m, s) = at.split_once(':').unwrap_or((at, "00"));
    format!(
        r#"{{"eventTime":"2024-05-01T09:{m:0>2}:{s:0>2}Z","eventID":"{user}-{name}-{at}","eventName":"{name}","userIdentity":{{"type":"IAMUser","userName":"{user}","arn":"arn:aws:iam::1:user/{user}"}}{extra}}}"#
    )
}

/// Run every record through the rules and the correlator; returns the alerts and counters.
fn run(
    yaml: &str,
    records: &[String],
    limits: CorrelationLimits,
) -> (RuleSet, Vec<CorrelationAlert>, CorrelationStats) {
    let (set, report) = build(yaml, &Options::default());
    let bad: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.severity() > Severity::Warning)
        .map(ToString::to_string)
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    let mut corr = set.correlator(limits);
    let mut out = Vec::new();
    for r in records {
        let ev = decode_event_text(r).expect("record");
        for m in set.matches(&ev) {
            if let Some(obs) = set.observe(&ev, m.id, &limits) {
                corr.feed(&obs, &mut out);
            }
        }
    }
    let stats = corr.finish(&mut out);
    (set, out, stats)
}

fn at(m: u32, s: u32) -> Timestamp {
    Timestamp::from_civil(2024, 5, 1, 9, m, s).unwrap()
}

fn group(a: &CorrelationAlert) -> Vec<(String, Option<String>)> {
    a.group
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_deref().map(str::to_owned)))
        .collect()
}

fn failed_login_rule() -> String {
    format!(
        "title: Failed console login\nid: 11111111-0000-0000-0000-000000000001\nname: failed_login\nauthor: Base Author\n{LOGS}detection:\n    selection:\n        eventName: ConsoleLogin\n        responseElements.ConsoleLogin: Failure\n    condition: selection\n"
    )
}

fn failure(t: &str, user: &str) -> String {
    rec(
        t,
        user,
        "ConsoleLogin",
        r#","responseElements":{"ConsoleLogin":"Failure"}"#,
    )
}

fn success(t: &str, user: &str) -> String {
    rec(
        t,
        user,
        "ConsoleLogin",
        r#","responseElements":{"ConsoleLogin":"Success"}"#,
    )
}

#[test]
fn event_count_slides_and_resets() {
    let yaml = format!(
        "{}---\ntitle: Console brute force\nid: 11111111-0000-0000-0000-0000000000c1\nauthor: Corr Author\nlevel: high\ncorrelation:\n    type: event_count\n    rules:\n        - failed_login\n    group-by:\n        - userIdentity.userName\n    timespan: 5m\n    condition:\n        gte: 3\n",
        failed_login_rule()
    );
    let records = vec![
        failure("0", "alice"),
        failure("1", "alice"),
        failure("2", "bob"),
        failure("3", "alice"), // third within 5m: fires
        failure("4", "alice"),
        failure("5", "alice"), // only two since the reset
        failure("20", "carol"),
        failure("24", "carol"),
        failure("29:30", "carol"), // three, but over 5m30s
        failure("30", "carol"),    // 24 … 30: 6m, so only 29:30 and 30 remain with 30
        success("31", "alice"),
    ];
    let (set, alerts, stats) = run(&yaml, &records, CorrelationLimits::default());
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.rule.title, "Console brute force");
    assert_eq!(a.rule.author.as_deref(), Some("Corr Author"));
    assert!(a.rule.standalone);
    assert_eq!(a.kind, CorrelationType::EventCount);
    assert_eq!(group(a), vec![("userIdentity.userName".into(), Some("alice".into()))]);
    assert_eq!((a.first, a.last, a.count), (at(0, 0), at(3, 0), 3));
    assert_eq!(
        a.event_ids.iter().map(|s| &**s).collect::<Vec<_>>(),
        ["alice-ConsoleLogin-0", "alice-ConsoleLogin-1", "alice-ConsoleLogin-3"]
    );
    assert_eq!(a.rules.len(), 1);
    assert_eq!(
        a.rules[0].author.as_deref(),
        Some("Base Author"),
        "base rules travel for attribution"
    );
    assert!(!set.rule(RuleId(0)).unwrap().standalone, "generate defaults to false");
    assert_eq!(stats.observations, 10);
    assert_eq!(stats.alerts, 1);
}

#[test]
fn value_count_counts_distinct_values() {
    let yaml = format!(
        "title: Any IAM read\nname: iam_read\n{LOGS}detection:\n    selection:\n        eventName|startswith: [List, Get]\n    condition: selection\n---\ntitle: IAM enumeration\ncorrelation:\n    type: value_count\n    rules: iam_read\n    group-by: [userIdentity.arn]\n    timespan: 10m\n    condition:\n        field: eventName\n        gte: 3\n    generate: true\n"
    );
    let records = vec![
        rec("0", "alice", "ListUsers", ""),
        rec("1", "alice", "ListUsers", ""),
        rec("2", "bob", "GetUser", ""),
        rec("3", "alice", "ListRoles", ""),
        rec("4", "alice", "ListRoles", ""),
        rec("5", "alice", "GetAccountAuthorizationDetails", ""),
    ];
    let (set, alerts, _) = run(&yaml, &records, CorrelationLimits::default());
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.count, 3);
    assert_eq!(
        a.values.iter().map(|s| &**s).collect::<Vec<_>>(),
        ["ListUsers", "ListRoles", "GetAccountAuthorizationDetails"]
    );
    assert_eq!(
        (a.first, a.last),
        (at(1, 0), at(5, 0)),
        "the latest sighting of each value"
    );
    assert!(
        set.rule(RuleId(0)).unwrap().standalone,
        "generate: true keeps the rule's own alerts"
    );
}

const CREATE_THEN_ATTACH: &str = "title: Create user\nname: create_user\nlogsource: {product: aws}\ndetection:\n    s:\n        eventName: CreateUser\n    condition: s\n---\ntitle: Attach policy\nname: attach_policy\nlogsource: {product: aws}\ndetection:\n    s:\n        eventName: AttachUserPolicy\n    condition: s\n---\ntitle: New admin\ncorrelation:\n    type: TYPE\n    rules: [create_user, attach_policy]\n    group-by: [userIdentity.arn]\n    timespan: 10m\n";

#[test]
fn temporal_any_order_and_ordered() {
    let records = vec![
        rec("0", "alice", "AttachUserPolicy", ""),
        rec("2", "alice", "CreateUser", ""),
        rec("3", "bob", "CreateUser", ""),
        rec("20", "bob", "AttachUserPolicy", ""),
    ];
    let (_, alerts, _) = run(
        &CREATE_THEN_ATTACH.replace("TYPE", "temporal"),
        &records,
        CorrelationLimits::default(),
    );
    assert_eq!(alerts.len(), 1, "bob's pair is 17 minutes apart");
    assert_eq!(group(&alerts[0])[0].1.as_deref(), Some("arn:aws:iam::1:user/alice"));
    assert_eq!(
        (alerts[0].first, alerts[0].last, alerts[0].count),
        (at(0, 0), at(2, 0), 2)
    );

    let (_, ordered, _) = run(
        &CREATE_THEN_ATTACH.replace("TYPE", "temporal_ordered"),
        &records,
        CorrelationLimits::default(),
    );
    assert!(ordered.is_empty(), "alice attached before creating: {ordered:#?}");
    let in_order = vec![
        rec("0", "alice", "CreateUser", ""),
        rec("9", "alice", "AttachUserPolicy", ""),
    ];
    let (_, ordered, _) = run(
        &CREATE_THEN_ATTACH.replace("TYPE", "temporal_ordered"),
        &in_order,
        CorrelationLimits::default(),
    );
    assert_eq!(ordered.len(), 1);
    assert_eq!(ordered[0].kind, CorrelationType::TemporalOrdered);
}

#[test]
fn chained_correlations_failed_logins_then_success() {
    // The specification's own example, on CloudTrail fields.
    let yaml = format!(
        "title: Brute force then success\nid: 11111111-0000-0000-0000-0000000000c2\nlevel: critical\nauthor: Outer\ncorrelation:\n    type: temporal_ordered\n    rules:\n        - many_failed\n        - successful_login\n    group-by:\n        - userIdentity.userName\n    timespan: 10m\n---\ntitle: Many failed logins\nname: many_failed\ncorrelation:\n    type: event_count\n    rules: [failed_login]\n    group-by: [userIdentity.userName]\n    timespan: 10m\n    condition:\n        gte: 3\n---\n{}---\ntitle: Successful console login\nname: successful_login\n{LOGS}detection:\n    s:\n        eventName: ConsoleLogin\n        responseElements.ConsoleLogin: Success\n    condition: s\n",
        failed_login_rule()
    );
    let records = vec![
        success("0", "alice"), // a success before the failures does not count
        failure("1", "alice"),
        failure("2", "alice"),
        failure("3", "alice"),
        failure("3", "bob"),
        success("4", "bob"),
        success("6", "alice"),
    ];
    let (set, alerts, _) = run(&yaml, &records, CorrelationLimits::default());
    let titles: Vec<(&str, bool)> = alerts
        .iter()
        .map(|a| (a.rule.title.as_str(), a.rule.standalone))
        .collect();
    assert_eq!(
        titles,
        [("Many failed logins", false), ("Brute force then success", true)]
    );
    let outer = &alerts[1];
    assert_eq!(
        group(outer),
        vec![("userIdentity.userName".into(), Some("alice".into()))]
    );
    assert_eq!((outer.first, outer.last), (at(3, 0), at(6, 0)));
    let mut authors: Vec<&str> = outer.rules.iter().filter_map(|r| r.author.as_deref()).collect();
    authors.sort_unstable();
    assert_eq!(
        authors,
        ["Base Author"],
        "attribution reaches the base rules through the chain"
    );
    assert!(set.rules().all(|r| !r.standalone));
    assert_eq!(set.correlations().len(), 2);
}

#[test]
fn upper_bounds_close_tumbling_windows() {
    let yaml = format!(
        "{}---\ntitle: A single failure\ncorrelation:\n    type: event_count\n    rules: [failed_login]\n    group-by: [userIdentity.userName]\n    timespan: 10m\n    condition:\n        lt: 2\n",
        failed_login_rule()
    );
    let records = vec![
        failure("0", "alice"),
        failure("1", "bob"),
        failure("5", "bob"),
        failure("11", "carol"), // closes alice's window (09:00–09:10) and bob's (09:01–09:11)
    ];
    let (_, alerts, _) = run(&yaml, &records, CorrelationLimits::default());
    let got: Vec<(Option<String>, u64)> = alerts.iter().map(|a| (group(a)[0].1.clone(), a.count)).collect();
    assert_eq!(
        got,
        [(Some("alice".into()), 1), (Some("carol".into()), 1)],
        "bob failed twice"
    );
    assert_eq!(alerts[0].last, at(0, 0));
}

#[test]
fn aliases_join_different_fields() {
    let yaml = format!(
        "title: Login profile created\nname: profile_created\n{LOGS}detection:\n    s:\n        eventName: CreateLoginProfile\n    condition: s\n---\ntitle: Console login\nname: console_login\n{LOGS}detection:\n    s:\n        eventName: ConsoleLogin\n    condition: s\n---\ntitle: New login profile used at once\ncorrelation:\n    type: temporal_ordered\n    rules: [profile_created, console_login]\n    group-by: [target]\n    timespan: 1h\n    aliases:\n        target:\n            profile_created: requestParameters.userName\n            console_login: userIdentity.userName\n"
    );
    let records = vec![
        rec(
            "0",
            "admin",
            "CreateLoginProfile",
            r#","requestParameters":{"userName":"victim"}"#,
        ),
        rec("5", "admin", "ConsoleLogin", ""),
        rec("9", "victim", "ConsoleLogin", ""),
    ];
    let (_, alerts, _) = run(&yaml, &records, CorrelationLimits::default());
    assert_eq!(alerts.len(), 1);
    assert_eq!(group(&alerts[0]), vec![("target".into(), Some("victim".into()))]);
    assert_eq!(alerts[0].last, at(9, 0));
}

#[test]
fn memory_is_bounded_and_reported() {
    let yaml = format!(
        "{}---\ntitle: Pairs\ncorrelation:\n    type: event_count\n    rules: [failed_login]\n    group-by: [userIdentity.userName]\n    timespan: 1h\n    condition:\n        gte: 2\n",
        failed_login_rule()
    );
    let records = vec![
        failure("0", "a"),
        failure("1", "b"),
        failure("2", "c"), // evicts a, the least recently active
        failure("3", "a"), // a starts afresh and evicts b
        failure("4", "c"), // c's pair
    ];
    let limits = CorrelationLimits {
        max_groups: 2,
        ..CorrelationLimits::default()
    };
    let (_, alerts, stats) = run(&yaml, &records, limits);
    assert_eq!(alerts.len(), 1);
    assert_eq!(group(&alerts[0])[0].1.as_deref(), Some("c"));
    assert_eq!(stats.groups_evicted, 2);
    assert_eq!(stats.max_groups_held, 2);
}

#[test]
fn out_of_order_input_is_counted() {
    let yaml = format!(
        "{}---\ntitle: Pairs\ncorrelation:\n    type: event_count\n    rules: [failed_login]\n    group-by: [userIdentity.userName]\n    timespan: 1h\n    condition:\n        gte: 2\n",
        failed_login_rule()
    );
    let records = vec![failure("5", "a"), failure("1", "a")];
    let (_, alerts, stats) = run(&yaml, &records, CorrelationLimits::default());
    assert_eq!(stats.out_of_order, 1);
    assert_eq!(alerts.len(), 1);
}

#[test]
fn bad_correlations_are_refused_with_reasons() {
    let base = failed_login_rule();
    let cases: &[(&str, Severity, &str)] = &[
        (
            "type: value_sum\n    rules: [failed_login]\n    timespan: 5m\n    condition: {field: x, gte: 1}",
            Severity::Unsupported,
            "value_sum",
        ),
        (
            "type: event_count\n    rules: [failed_login]\n    timespan: 5m",
            Severity::Error,
            "correlation.condition",
        ),
        (
            "type: event_count\n    rules: [failed_login]\n    timespan: 5 minutes\n    condition: {gte: 1}",
            Severity::Error,
            "not a timespan",
        ),
        (
            "type: event_count\n    rules: [nobody]\n    timespan: 5m\n    condition: {gte: 1}",
            Severity::Error,
            "no loaded rule",
        ),
        (
            "type: value_count\n    rules: [failed_login]\n    timespan: 5m\n    condition: {gte: 1}",
            Severity::Error,
            "condition.field",
        ),
        (
            "type: temporal\n    rules: [failed_login]\n    timespan: 5m\n    condition: {lt: 2}",
            Severity::Unsupported,
            "upper bound",
        ),
        (
            "type: event_count\n    rules: [failed_login]\n    timespan: 5m\n    condition: {gte: 1000000}",
            Severity::Unsupported,
            "threshold",
        ),
        (
            "type: sequence\n    rules: [failed_login]\n    timespan: 5m",
            Severity::Error,
            "unknown correlation type",
        ),
    ];
    for (body, severity, why) in cases {
        let yaml = format!("{base}---\ntitle: Bad\ncorrelation:\n    {body}\n");
        let (set, report) = build(&yaml, &Options::default());
        assert_eq!(set.correlations().len(), 0, "{body}");
        let p = report
            .problems
            .iter()
            .find(|p| p.severity() > Severity::Warning)
            .expect("a problem");
        assert_eq!(p.severity(), *severity, "{p}");
        assert!(p.to_string().contains(why), "{p} should mention {why}");
    }
    // Cycles.
    let yaml = "title: A\nname: a\ncorrelation: {type: temporal, rules: [b], timespan: 5m}\n---\ntitle: B\nname: b\ncorrelation: {type: temporal, rules: [a], timespan: 5m}\n";
    let (set, report) = build(yaml, &Options::default());
    assert_eq!(set.correlations().len(), 0);
    assert!(
        report.problems.iter().any(|p| p.to_string().contains("cycle")),
        "{:#?}",
        report.problems
    );
}

#[test]
fn windows_closed_together_come_out_in_a_stable_order() {
    let yaml = format!(
        "{}---\ntitle: A single failure\ncorrelation:\n    type: event_count\n    rules: [failed_login]\n    group-by: [userIdentity.userName]\n    timespan: 10m\n    condition:\n        eq: 1\n",
        failed_login_rule()
    );
    // Windows open at 09:00 (zed, then amy) and 09:01 (bob); one later record closes all three.
    let records = vec![
        failure("0", "zed"),
        failure("0", "amy"),
        failure("1", "bob"),
        failure("30", "late"),
    ];
    let (_, alerts, _) = run(&yaml, &records, CorrelationLimits::default());
    let order: Vec<String> = alerts.iter().filter_map(|a| group(a)[0].1.clone()).collect();
    assert_eq!(order, ["amy", "zed", "bob", "late"], "by closing time, then group");
}

#[test]
fn engines_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<RuleSet>();
    send_sync::<RuleMatch>();
    send_sync::<Observation>();
    send_sync::<CorrelationAlert>();
    send::<Correlator>();
}

#[test]
fn chains_are_bounded() {
    // c0 takes the base rule, c1 takes c0, … c19 takes c18: 20 levels.
    let mut yaml = failed_login_rule();
    for i in 0..20 {
        let input = if i == 0 {
            "failed_login".to_string()
        } else {
            format!("c{}", i - 1)
        };
        yaml.push_str(&format!(
            "---\ntitle: Level {i}\nname: c{i}\ncorrelation:\n    type: event_count\n    rules: [{input}]\n    group-by: [userIdentity.userName]\n    timespan: 1h\n    condition: {{gte: 1}}\n"
        ));
    }
    let (set, report) = build(&yaml, &Options::default());
    assert_eq!(set.correlations().len(), 16);
    let refused = report
        .problems
        .iter()
        .filter(|p| p.severity() == Severity::Unsupported)
        .count();
    assert_eq!(refused, 4, "{:#?}", report.problems);
    // The 16 that remain fire in a cascade from one record.
    let mut corr = set.correlator(CorrelationLimits::default());
    let mut out = Vec::new();
    let text = failure("0", "alice");
    let ev = decode_event_text(&text).unwrap();
    for m in set.matches(&ev) {
        if let Some(obs) = set.observe(&ev, m.id, &CorrelationLimits::default()) {
            corr.feed(&obs, &mut out);
        }
    }
    assert_eq!(out.len(), 16);
    assert_eq!(
        out.iter().filter(|a| a.rule.standalone).count(),
        1,
        "only the outermost alerts on its own"
    );
}
