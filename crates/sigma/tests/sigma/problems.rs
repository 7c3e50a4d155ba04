//! Bad, unsupported and foreign rules: each problem names the file, line, column, rule and
//! field; the rest of the input still compiles; nothing panics.

use std::collections::BTreeMap;

use crate::common::*;
use trailguard_sigma::*;

/// The single problem a rule text produces (panics when there is not exactly one).
fn problem(yaml: &str) -> Problem {
    let (_, report) = build(yaml, &Options::default());
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
    report.problems.into_iter().next().unwrap()
}

const HEAD: &str =
    "title: Broken\nid: 0b0b0b0b-0000-0000-0000-000000000000\nlogsource:\n    product: aws\n    service: cloudtrail\n";

#[test]
fn unknown_modifier_with_position_field_and_hint() {
    let p = problem(&format!(
        "{HEAD}detection:\n    selection:\n        eventName|contians: Stop\n    condition: selection\n"
    ));
    assert_eq!(p.severity(), Severity::Error);
    assert_eq!((p.origin.pos.line, p.origin.pos.col), (8, 9));
    assert_eq!(p.field.as_deref(), Some("detection.selection.eventName|contians"));
    assert_eq!(p.rule.as_deref(), Some("Broken"));
    assert_eq!(
        p.to_string(),
        "rule.yml:8:9: error in rule `Broken`: detection.selection.eventName|contians: unknown modifier `contians` (did you mean `contains`?)"
    );
}

#[test]
fn condition_errors_point_at_the_column() {
    let p = problem(&format!(
        "{HEAD}detection:\n    selection:\n        eventName: x\n    condition: selection and not filtre\n"
    ));
    match &p.kind {
        ProblemKind::Condition { column, message, .. } => {
            assert_eq!(*column, 19);
            assert!(message.contains("`filtre`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.origin.pos.line, 9);
}

#[test]
fn refused_features_say_why() {
    let cases: &[(&str, &str)] = &[
        (
            "detection:\n    selection:\n        eventName: ConsoleLogin\n    condition: selection | count() by userIdentity.arn > 5\n",
            "correlation",
        ),
        (
            "detection:\n    a:\n        eventName: x\n    b:\n        eventName: y\n    condition: a near b\n",
            "temporal",
        ),
        (
            "detection:\n    a:\n        eventName: x\n    b:\n        eventName: y\n    condition: a | near b\n",
            "`temporal`",
        ),
        (
            "detection:\n    selection:\n        eventName: x\n    timeframe: 5m\n    condition: selection\n",
            "timespan",
        ),
        (
            "detection:\n    selection:\n        userAgent|re: '(?=x)y'\n    condition: selection\n",
            "look-around",
        ),
        (
            "detection:\n    selection:\n        userAgent|utf16le: x\n    condition: selection\n",
            "base64",
        ),
        (
            "detection:\n    selection:\n        userAgent|expand: '%corp_agents%'\n    condition: selection\n",
            "corp_agents",
        ),
    ];
    for (body, why) in cases {
        let p = problem(&format!("{HEAD}{body}"));
        assert_eq!(p.severity(), Severity::Unsupported, "{p}");
        assert!(p.to_string().contains(why), "{p} should mention {why}");
    }
    let unsupported_status = problem(&HEAD.replace("logsource", "status: unsupported\nlogsource"));
    assert_eq!(unsupported_status.severity(), Severity::Unsupported);
    assert_eq!(unsupported_status.field.as_deref(), Some("status"));
}

#[test]
fn invalid_rules_are_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "detection:\n    selection:\n        eventName: x\n",
            "`condition` is required",
        ),
        (
            "detection:\n    selection:\n        userAgent|re: '(unclosed'\n    condition: selection\n",
            "does not compile",
        ),
        (
            "detection:\n    selection:\n        sourceIPAddress|cidr: 10.0.0.0/33\n    condition: selection\n",
            "network",
        ),
        (
            "detection:\n    selection:\n        x|gt: many\n    condition: selection\n",
            "not a number",
        ),
        (
            "detection:\n    selection:\n        x|exists: maybe\n    condition: selection\n",
            "true or false",
        ),
        (
            "detection:\n    selection:\n        x|contains|startswith: a\n    condition: selection\n",
            "only one of",
        ),
        (
            "detection:\n    selection:\n        x|contains|base64: a\n    condition: selection\n",
            "must come before",
        ),
        (
            "detection:\n    selection:\n        x|i: a\n    condition: selection\n",
            "flags of `re`",
        ),
        (
            "detection:\n    selection:\n        x: {a: b}\n    condition: selection\n",
            "expected a value",
        ),
        (
            "detection:\n    selection: []\n    condition: selection\n",
            "empty list",
        ),
        (
            "detection:\n    selection:\n        x|contains: null\n    condition: selection\n",
            "null",
        ),
        (
            "detection:\n    selection:\n        a..b: x\n    condition: selection\n",
            "not a field path",
        ),
        (
            "detection:\n    selection:\n        x: 1\n    condition: 2 of selection\n",
            "only `1 of` and `all of`",
        ),
        (
            "detection:\n    selection:\n        x: 1\n    condition: 1 of filter_*\n",
            "matches no search identifier",
        ),
        (
            "detection:\n    selection:\n        x: 1\n    condition: (selection\n",
            "expected `)`",
        ),
    ];
    for (body, why) in cases {
        let p = problem(&format!("{HEAD}{body}"));
        assert_eq!(p.severity(), Severity::Error, "{p}");
        assert!(p.to_string().contains(why), "{p} should mention {why}");
    }
    let level = problem(&format!(
        "{HEAD}level: severe\ndetection:\n    s:\n        x: 1\n    condition: s\n"
    ));
    assert!(level.to_string().contains("unknown level `severe`"), "{level}");
    assert_eq!(level.origin.pos.line, 6);
    let no_title = problem("logsource: {product: aws}\ndetection: {s: {x: 1}, condition: s}\n");
    assert!(matches!(no_title.kind, ProblemKind::Missing { key: "title" }));
}

#[test]
fn yaml_errors_and_duplicate_keys() {
    let p = problem("title: x\ndetection:\n  selection:\n    eventName: [a, b\n  condition: selection\n");
    assert!(matches!(p.kind, ProblemKind::Yaml { .. }), "{p}");
    assert!(p.origin.pos.line >= 4);
    let d = problem(&format!(
        "{HEAD}detection:\n    selection:\n        eventName: a\n        eventName: b\n    condition: selection\n"
    ));
    assert!(d.to_string().contains("duplicate key `eventName`"), "{d}");
    assert_eq!(d.origin.pos.line, 9);
}

#[test]
fn foreign_logsources_are_not_applied_unless_asked() {
    let windows = "title: Whoami\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    selection:\n        CommandLine|contains: whoami\n    condition: selection\n";
    let (set, report) = build(windows, &Options::default());
    assert!(set.is_empty());
    assert_eq!(report.summary.not_applied, 1);
    assert_eq!(report.problems[0].severity(), Severity::NotApplied);
    assert!(
        report.problems[0]
            .to_string()
            .contains("product: windows, category: process_creation")
    );
    let any = Options {
        logsource: LogsourcePolicy::Any,
        ..Options::default()
    };
    let (set, report) = build(windows, &any);
    assert_eq!(set.len(), 1);
    assert!(
        report.problems.iter().all(|p| p.severity() == Severity::Warning),
        "only the unknown-field lint remains: {:?}",
        report.problems
    );
    // product-only and service-only logsources fit.
    for ls in [
        "product: aws",
        "service: cloudtrail",
        "product: AWS\n    service: CloudTrail",
    ] {
        let y = format!("title: t\nlogsource:\n    {ls}\ndetection:\n    s:\n        eventName: x\n    condition: s\n");
        assert_eq!(build(&y, &Options::default()).0.len(), 1, "{ls}");
    }
    for ls in [
        "product: gcp",
        "product: aws\n    service: guardduty",
        "product: aws\n    category: auth",
    ] {
        let y = format!("title: t\nlogsource:\n    {ls}\ndetection:\n    s:\n        eventName: x\n    condition: s\n");
        assert_eq!(build(&y, &Options::default()).0.len(), 0, "{ls}");
    }
}

#[test]
fn one_bad_document_does_not_stop_the_others() {
    let text = format!(
        "{HEAD}detection:\n    s:\n        eventName: Good\n    condition: s\n---\ntitle: Second\nlogsource: {{product: aws}}\ndetection:\n    s:\n        eventName|nope: x\n    condition: s\n---\ntitle: Third\nid: 0b0b0b0b-0000-0000-0000-000000000000\nlogsource: {{product: aws}}\ndetection:\n    s:\n        eventName: x\n    condition: s\n"
    );
    let (set, report) = build(&text, &Options::default());
    assert_eq!(set.len(), 1);
    assert_eq!(report.summary.documents, 3);
    assert_eq!(report.summary.refused, 2);
    let by_doc: BTreeMap<usize, &ProblemKind> = report.problems.iter().map(|p| (p.origin.document, &p.kind)).collect();
    assert!(matches!(by_doc[&1], ProblemKind::UnknownModifier { .. }));
    assert!(
        matches!(by_doc[&2], ProblemKind::Duplicate { .. }),
        "the second use of an id is refused"
    );
    assert!(report.problems[0].to_string().contains("(document 2)"));
}

#[test]
fn placeholders_expand_from_options() {
    let rule = format!(
        "{HEAD}detection:\n    selection:\n        userIdentity.arn|expand|endswith: '/%admins%'\n    condition: selection\n"
    );
    let mut opts = Options::default();
    opts.placeholders
        .insert("admins".into(), vec!["alice".into(), "bob".into()]);
    let (set, report) = build(&rule, &opts);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let ev = |arn: &str| record_text(&format!(r#"{{"userIdentity":{{"arn":"{arn}"}}}}"#));
    let hit = ev("arn:aws:iam::1:user/bob");
    let miss = ev("arn:aws:iam::1:user/mallory");
    assert_eq!(
        set.matches(&trailguard_model::decode_event_text(&hit).unwrap()).len(),
        1
    );
    assert!(
        set.matches(&trailguard_model::decode_event_text(&miss).unwrap())
            .is_empty()
    );
}

#[test]
fn global_filters_apply_to_the_rules_they_name() {
    let text = format!(
        "{HEAD}name: stop_logging\ndetection:\n    s:\n        eventName: StopLogging\n    condition: s\n---\ntitle: Ignore the deploy role\nlogsource:\n    product: aws\nfilter:\n    rules:\n        - stop_logging\n        - not_loaded\n    selection:\n        userIdentity.arn|endswith: ':role/deploy'\n    condition: selection\n"
    );
    let (set, report) = build(&text, &Options::default());
    assert_eq!(report.summary.filters, 1);
    let lints: Vec<&str> = report
        .problems
        .iter()
        .filter_map(|p| match &p.kind {
            ProblemKind::Lint { code, .. } => Some(*code),
            _ => None,
        })
        .collect();
    assert_eq!(lints, ["filter-unknown-rule"]);
    let ev = |arn: &str| {
        record_text(&format!(
            r#"{{"eventName":"StopLogging","userIdentity":{{"arn":"{arn}"}}}}"#
        ))
    };
    let deploy = ev("arn:aws:sts::1:assumed-role/x:role/deploy");
    let other = ev("arn:aws:iam::1:user/mallory");
    assert!(
        set.matches(&trailguard_model::decode_event_text(&deploy).unwrap())
            .is_empty()
    );
    assert_eq!(
        set.matches(&trailguard_model::decode_event_text(&other).unwrap()).len(),
        1
    );
}

#[test]
fn load_path_reads_folders_and_reports_unreadable_files() {
    let dir = std::env::temp_dir().join(format!("trailguard-sigma-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub/.hidden")).unwrap();
    std::fs::write(dir.join("LICENSE"), "Detection Rule License (DRL) 1.1").unwrap();
    std::fs::write(
        dir.join("b.yml"),
        format!("{HEAD}detection: {{s: {{eventName: x}}, condition: s}}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("sub/a.yaml"), "title: a\n").unwrap();
    std::fs::write(dir.join("sub/.hidden/c.yml"), "title: hidden\n").unwrap();
    std::fs::write(dir.join("sub/notes.txt"), "not a rule").unwrap();
    std::fs::write(dir.join("sub/bad.yml"), [0xff, 0xfe, 0x00]).unwrap();
    let loaded = load_path(&dir);
    let names: Vec<String> = loaded.sources.iter().map(|s| stem(&s.name)).collect();
    assert_eq!(names, ["b", "a"], "sorted, folders after files, hidden skipped");
    assert!(loaded.sources.iter().all(|s| s.license.as_deref() == Some("DRL-1.1")));
    assert_eq!(loaded.errors.len(), 1);
    assert!(loaded.errors[0].to_string().contains("bad.yml"));
    assert!(load_path(&dir.join("missing")).errors.len() == 1);
    let _ = std::fs::remove_dir_all(&dir);
}

mod never_panics {
    use proptest::prelude::*;
    use trailguard_sigma::{Options, RuleSet, Source};

    const RULE: &str = include_str!(
        "../../../../testdata/sigma-cloudtrail/rules/aws_cloudtrail_guardduty_detector_deleted_or_updated.yml"
    );

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn on_arbitrary_text(text in ".{0,400}") {
            let _ = RuleSet::build(&[Source::new("fuzz.yml", text)], &Options::default());
        }

        #[test]
        fn on_a_mangled_real_rule(cut in 0usize..2000, insert in "[ \\-:|*?'\"\\[\\]{}#&!%@`\n]{0,6}") {
            let mut text = RULE.to_string();
            let mut at = cut.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, &insert);
            let _ = RuleSet::build(&[Source::new("fuzz.yml", text)], &Options::default());
        }
    }
}

#[test]
fn many_filters_on_one_rule_stay_flat() {
    let mut text =
        format!("{HEAD}name: target\ndetection:\n    s:\n        eventName: StopLogging\n    condition: s\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "---\ntitle: Filter {i}\nlogsource: {{product: aws}}\nfilter:\n    rules: [target]\n    selection:\n        userIdentity.userName: user{i}\n    condition: selection\n"
        ));
    }
    let (set, report) = build(&text, &Options::default());
    assert_eq!(report.summary.filters, 3000);
    let ev = |user: &str| {
        record_text(&format!(
            r#"{{"eventName":"StopLogging","userIdentity":{{"userName":"{user}"}}}}"#
        ))
    };
    let hit = ev("mallory");
    let filtered = ev("user2999");
    assert_eq!(
        set.matches(&trailguard_model::decode_event_text(&hit).unwrap()).len(),
        1
    );
    assert!(
        set.matches(&trailguard_model::decode_event_text(&filtered).unwrap())
            .is_empty()
    );
}
