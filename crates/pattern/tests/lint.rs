//! `lint`: every code, where it points, and the AWS-valid replacement it offers; parse errors and
//! their caret rendering; strict and lenient reading of what AWS rejects.

use trailguard_pattern::{Code, Pattern, Severity, lint};

/// Each pattern and the codes lint must report (in order of position).
const CASES: &[(&str, &[&str])] = &[
    // Accepted, nothing to say.
    ("{ $.eventName = \"StopLogging\" }", &[]),
    ("ERROR -ARGUMENTS", &[]),
    ("", &[]),
    // Unreadable (FP1xx).
    ("{ $.eventName = \"StopLogging }", &["FP101"]),
    ("{ ($.eventName = x }", &["FP101"]),
    ("{ $.eventName = x", &["FP101"]),
    ("[a, b", &["FP101"]),
    ("{ $.a = %abc }", &["FP101"]),
    ("{ $.eventName IN [\"a\", \"b\"] }", &["FP102"]),
    ("{ $.eventName NOT IN [\"a\"] }", &["FP102"]),
    ("{ $.readOnly IS NOT TRUE }", &["FP102"]),
    ("{ $.eventName == \"x\" }", &["FP102"]),
    (
        "[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]",
        &["FP103"],
    ),
    ("%(ab%", &["FP104"]),
    ("{ $.a = %a{3,2}% }", &["FP104"]),
    ("%\\q%", &["FP104"]),
    ("{ $.a:b = 1 }", &["FP105"]),
    ("{ $ = 1 }", &["FP105"]),
    ("{ $.a = 1 } x", &["FP100"]),
    ("{ }", &["FP100"]),
    ("{ $.a = }", &["FP100"]),
    ("ERROR\"x\"", &["FP100"]),
    ("? ERROR", &["FP100"]),
    // Rejected by AWS, read leniently (FP2xx).
    (
        "{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }",
        &["FP204"],
    ),
    ("{ $.errorMessage IS NOT NULL }", &["FP205"]),
    ("{ $.a[*].b[*] = 1 }", &["FP206"]),
    ("{ $.a[*] = 1 || $.b[*] = 1 || $.c.* = 1 || $.d[*] = 1 }", &["FP207"]),
    ("{ $.eventType > \"UpdateTrail\" }", &["FP208"]),
    ("{ $.latency < %1% }", &["FP208", "FP310"]),
    ("{ $[0] = 1 }", &["FP209"]),
    ("{ $.[\"cluster.name\"] = \"c\" }", &["FP210"]),
    ("{ $['cluster.name'] = \"c\" }", &["FP210"]),
    ("ERROR: disk", &["FP211"]),
    ("%something!%", &["FP310", "FP203"]),
    ("%(ab)+%", &["FP310", "FP203", "FP203"]),
    ("%café%", &["FP310", "FP203"]),
    ("{ $.a = %x% || $.b = %y% || $.c = %z% }", &["FP310", "FP202"]),
    // Accepted, probably a mistake (FP3xx).
    ("?ERROR ?ARGUMENTS REQUEST", &["FP301"]),
    ("{ $.errorCode = \"Client.*Operation\" }", &["FP302"]),
    ("{ $.errorCode != \"AccessDenied\" }", &["FP303"]),
    ("{ ($.errorCode != \"AccessDenied\") || ($.errorCode NOT EXISTS) }", &[]),
    ("{ $.readOnly = true }", &["FP304"]),
    ("{ $.readOnly != \"false\" }", &["FP303", "FP304"]),
    (
        "{ ($.errorCode = AccessDenied*) || ($.sourceIPAddress!=delivery.logs.amazonaws.com) }",
        &["FP305"],
    ),
    ("{ $.userIdentity.invokedBy not exists }", &["FP306", "FP306"]),
    ("{ $.errorCode is null }", &["FP306", "FP306"]),
    ("{ $.errorCode =!AccessDenied }", &["FP307"]),
    ("[w1=!ERROR&&w1=!WARN, w2]", &["FP307", "FP307"]),
    ("{ $.errorCode != * }", &["FP308"]),
    ("[w1, w2=ERROR]", &["FP309"]),
    ("[a, a, b]", &["FP312"]),
    ("%10.10.0.1%", &["FP310", "FP311"]),
    ("{ $.EventName = \"StopLogging\" }", &["FP313"]),
    ("{ $.userIdentity.Type = \"Root\" }", &["FP313"]),
    ("{ $.Records[0].eventName = \"StopLogging\" }", &["FP314"]),
];

#[test]
fn every_code_where_expected() {
    let mut failures = Vec::new();
    for (pattern, want) in CASES {
        let got: Vec<&str> = lint(pattern).iter().map(|d| d.code.as_str()).collect();
        if got != *want {
            failures.push(format!("{pattern:?}: got {got:?}, want {want:?}\n{:#?}", lint(pattern)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Every code the registry defines is exercised above, except those for limits (too large).
    let seen: Vec<&str> = CASES.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    for code in Code::ALL {
        if matches!(code, Code::TooLarge | Code::PatternTooLong) {
            continue;
        }
        assert!(seen.contains(&code.as_str()), "{code} ({}) is not tested", code.name());
    }
}

#[test]
fn limits() {
    let long = format!("{{ {} }}", vec!["$.eventName = \"CreateTrail\""; 40].join(" || "));
    assert!(long.chars().count() > 1024);
    let d = lint(&long);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code, Code::PatternTooLong);
    assert!(Pattern::parse(&long).is_ok());
    assert!(Pattern::parse_strict(&long).is_err());

    let huge = "a".repeat(trailguard_pattern::MAX_PATTERN_BYTES + 1);
    assert_eq!(lint(&huge)[0].code, Code::TooLarge);
    let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(100), ")".repeat(100));
    assert_eq!(lint(&deep)[0].code, Code::TooLarge);
    let ok_deep = format!("{{ {}$.a = 1{} }}", "(".repeat(60), ")".repeat(60));
    assert!(Pattern::parse(&ok_deep).unwrap().matches_message(r#"{"a":1}"#));
}

#[test]
fn replacements_are_aws_valid() {
    let cases = [
        (
            "{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }",
            "$.errorMessage = *",
            "{ ($.eventName = ConsoleLogin) && ($.errorMessage = *) }",
        ),
        (
            "{ $.errorMessage IS NOT NULL }",
            "$.errorMessage = *",
            "{ $.errorMessage = * }",
        ),
        (
            "{ $.[\"cluster.name\"] = \"c\" }",
            ".['cluster.name']",
            "{ $.['cluster.name'] = \"c\" }",
        ),
        ("ERROR: disk", "\"ERROR:\"", "\"ERROR:\" disk"),
        ("%a!%", "\\x21", "%a\\x21%"),
        ("{ $.readOnly = true }", "$.readOnly IS TRUE", "{ $.readOnly IS TRUE }"),
        (
            "{ $.a = 1 && $.errorCode != \"x\" }",
            "($.errorCode != \"x\" || $.errorCode NOT EXISTS)",
            "{ $.a = 1 && ($.errorCode != \"x\" || $.errorCode NOT EXISTS) }",
        ),
        ("{ $.EventName = x }", "$.eventName", "{ $.eventName = x }"),
        ("{ $.Records[*].eventName = x }", "$.eventName", "{ $.eventName = x }"),
        ("{ $.a is null }", "IS", "{ $.a IS null }"),
    ];
    for (pattern, replacement, fixed) in cases {
        let d = lint(pattern).into_iter().find(|d| d.replacement.is_some());
        let d = d.unwrap_or_else(|| panic!("{pattern}: no replacement"));
        let r = d.replacement.as_ref().unwrap();
        assert_eq!(r.text, replacement, "{pattern}");
        assert_eq!(d.fixed.as_deref(), Some(fixed), "{pattern}");
    }
    // The canonical print of a leniently read pattern is what AWS accepts.
    let p = Pattern::parse("{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }").unwrap();
    assert!(!p.aws_accepts());
    let printed = p.to_string();
    assert_eq!(printed, "{ $.eventName = \"ConsoleLogin\" && $.errorMessage = * }");
    assert!(Pattern::parse_strict(&printed).unwrap().aws_accepts());
}

#[test]
fn lenient_reading_matches_like_the_replacement() {
    let lenient = Pattern::parse("{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }").unwrap();
    let valid = Pattern::parse("{ ($.eventName = ConsoleLogin) && ($.errorMessage = *) }").unwrap();
    for msg in [
        r#"{"eventName":"ConsoleLogin","errorMessage":"Failed authentication"}"#,
        r#"{"eventName":"ConsoleLogin"}"#,
        r#"{"eventName":"ConsoleLogin","errorMessage":null}"#,
        r#"{"eventName":"ConsoleLogin","errorMessage":{"a":1}}"#,
    ] {
        assert_eq!(lenient.matches_message(msg), valid.matches_message(msg), "{msg}");
    }
    let e = Pattern::parse_strict("{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }").unwrap_err();
    assert_eq!(e.code(), Code::ExistsKeyword);
}

#[test]
fn parse_errors_point_at_the_column() {
    let e = Pattern::parse("{ $.eventName = \"StopLogging }").unwrap_err();
    assert_eq!(e.column, 17);
    assert_eq!(
        e.render(),
        "error[FP101]: quoted string is never closed: add the closing \" (at column 17)\n  { $.eventName = \"StopLogging }\n                  ^^^^^^^^^^^^^^\n"
    );
    let e = Pattern::parse("{ $.a = 1 && && $.b = 2 }").unwrap_err();
    assert_eq!(e.column, 14);
    assert!(e.to_string().contains("unexpected `&`"), "{e}");
    let e = Pattern::parse("{ $.a:b = 1 }").unwrap_err();
    assert!(e.to_string().contains("$.['a:b']"), "{e}");
    // Columns count characters, not bytes.
    let e = Pattern::parse("{ $.é = 1 }").unwrap_err();
    assert_eq!(e.column, 5);
}

#[test]
fn diagnostics_render_with_a_caret() {
    let p = "{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }";
    let d = &lint(p)[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(
        d.render(p),
        "error[FP204 exists-keyword]: CloudWatch Logs does not support `EXISTS`; `$.errorMessage = *` is true when the field holds a string or a number (trailguard reads the pattern that way) (column 36)\n  { ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }\n                                     ^^^^^^^^^^^^^^^^^^^^^\n  AWS-valid: $.errorMessage = *\n"
    );
}

#[test]
fn lint_never_panics_on_odd_input() {
    for p in [
        "{",
        "}",
        "[",
        "]",
        "%",
        "%%",
        "\"",
        "-",
        "?",
        "{$",
        "{$.",
        "{$[",
        "{$.[",
        "{$.['",
        "{ $.a = \"\\",
        "[...",
        "[a=",
        "[a = %",
        "{ $.a IS",
        "{ $.a NOT",
        "{ $.a IS NOT",
        "{ ( }",
        "{ ) }",
        "{ $.a = 1 ) }",
        "é",
        "{ $.a = é }",
        "\u{0}",
        "{\u{0}}",
        "[a=1||b",
        "{ $.a[99999999999999999999999] = 1 }",
        "%[%",
        "%\\x%",
        "%a{99999999999}%",
    ] {
        let _ = lint(p);
        if let Ok(pat) = Pattern::parse(p) {
            let _ = pat.matches_message("x");
            let _ = pat.explain();
        }
    }
}
