//! Matching semantics beyond the reference's table: missing, null, boolean, array and object
//! values; wildcards; numbers; precedence; records whose typed fields differ in JSON type from
//! their text; keys with dots; the text term patterns see for a record.

use trailguard_model::decode_event_text;
use trailguard_pattern::{Pattern, Subject, log_message};

/// `(pattern, message, expected)`; messages are JSON objects unless noted.
const CASES: &[(&str, &str, bool)] = &[
    // Missing, null, present.
    ("{ $.a = * }", r#"{"a":"x"}"#, true),
    ("{ $.a = * }", r#"{"a":""}"#, true),
    ("{ $.a = * }", r#"{"a":0}"#, true),
    ("{ $.a = * }", r#"{"a":null}"#, false),
    ("{ $.a = * }", r#"{"a":true}"#, false),
    ("{ $.a = * }", r#"{"a":[1]}"#, false),
    ("{ $.a = * }", r#"{"a":{}}"#, false),
    ("{ $.a = * }", r#"{"b":1}"#, false),
    ("{ $.a != \"x\" }", r#"{"b":1}"#, false),
    ("{ $.a != \"x\" }", r#"{"a":null}"#, false),
    ("{ $.a != \"x\" }", r#"{"a":"y"}"#, true),
    ("{ $.a != \"x\" }", r#"{"a":7}"#, true),
    ("{ $.a != \"x\" }", r#"{"a":false}"#, false),
    ("{ $.a IS NULL }", r#"{"a":null}"#, true),
    ("{ $.a IS NULL }", r#"{}"#, false),
    ("{ $.a NOT EXISTS }", r#"{"a":null}"#, false),
    ("{ $.a NOT EXISTS }", r#"{}"#, true),
    ("{ $.a.b NOT EXISTS }", r#"{"a":null}"#, true),
    ("{ $.a.b NOT EXISTS }", r#"{"a":"str"}"#, true),
    ("{ $.a IS TRUE }", r#"{"a":"true"}"#, false),
    ("{ $.a IS FALSE }", r#"{"a":false}"#, true),
    ("{ $.a = true }", r#"{"a":true}"#, false),
    ("{ $.a = \"true\" }", r#"{"a":"true"}"#, true),
    // Arrays and objects never equal a value; indexes and wildcards reach into them.
    ("{ $.a = 1 }", r#"{"a":[1]}"#, false),
    ("{ $.a != 1 }", r#"{"a":[1]}"#, false),
    ("{ $.a[0] = 1 }", r#"{"a":[1]}"#, true),
    ("{ $.a[1] = 1 }", r#"{"a":[1]}"#, false),
    ("{ $.a[0] = 1 }", r#"{"a":{"0":1}}"#, false),
    ("{ $.a.0 = 1 }", r#"{"a":{"0":1}}"#, true),
    ("{ $.a.b = 1 }", r#"{"a":[{"b":1}]}"#, false),
    ("{ $.a[*].b = 1 }", r#"{"a":[{"b":2},{"b":1}]}"#, true),
    ("{ $.a[*].b = 1 }", r#"{"a":{"x":{"b":1}}}"#, false),
    ("{ $.a.*.b = 1 }", r#"{"a":{"x":{"b":1}}}"#, true),
    ("{ $.a[*] != \"x\" }", r#"{"a":["x","y"]}"#, true),
    ("{ $.a[*] != \"x\" }", r#"{"a":["x"]}"#, false),
    ("{ $.a[*] NOT EXISTS }", r#"{"a":[]}"#, true),
    ("{ $.a[*] NOT EXISTS }", r#"{"a":[null]}"#, false),
    ("{ $.* = \"v\" }", r#"{"x":1,"y":"v"}"#, true),
    ("{ $.a[*] = \"x\" && $.a[*] = \"y\" }", r#"{"a":["x","y"]}"#, true),
    // Keys with dots are one key.
    ("{ $.['a.b'] = 1 }", r#"{"a.b":1}"#, true),
    ("{ $.['a.b'] = 1 }", r#"{"a":{"b":1}}"#, false),
    ("{ $.a.b = 1 }", r#"{"a.b":1}"#, false),
    ("{ $.['it\\'s'] = 1 }", r#"{"it's":1}"#, true),
    // String wildcards at the ends only; escapes.
    ("{ $.a = \"*Event\" }", r#"{"a":"PutEvent"}"#, true),
    ("{ $.a = \"Event*\" }", r#"{"a":"EventName"}"#, true),
    ("{ $.a = \"*vent*\" }", r#"{"a":"EventName"}"#, true),
    ("{ $.a = \"Ev*ent\" }", r#"{"a":"Ev*ent"}"#, true),
    ("{ $.a = \"Ev*ent\" }", r#"{"a":"EvXent"}"#, false),
    ("{ $.a = \"\\*x\" }", r#"{"a":"*x"}"#, true),
    ("{ $.a = \"\\*x\" }", r#"{"a":"ax"}"#, false),
    ("{ $.a = \"q\\\"uote\" }", r#"{"a":"q\"uote"}"#, true),
    ("{ $.a = \"caf\u{e9}\" }", r#"{"a":"caf\u00e9"}"#, true),
    ("{ $.a = x }", r#"{"a":"X"}"#, false),
    // Numbers.
    ("{ $.a = 1e+3 }", r#"{"a":1000}"#, true),
    ("{ $.a = 1000 }", r#"{"a":1e3}"#, true),
    ("{ $.a > 10 }", r#"{"a":10.5}"#, true),
    ("{ $.a > 10 }", r#"{"a":"11"}"#, false),
    ("{ $.a >= -1 }", r#"{"a":-1}"#, true),
    ("{ $.a < 0 }", r#"{"a":null}"#, false),
    ("{ $.a = 400 }", r#"{"a":"400"}"#, true),
    ("{ $.a = 400 }", r#"{"a":"400.0"}"#, false),
    ("{ $.a != 400 }", r#"{"a":"401"}"#, true),
    ("{ $.a = \"4*\" }", r#"{"a":404}"#, true),
    ("{ $.a = \"400\" }", r#"{"a":400}"#, true),
    ("{ $.a = %^4[0-9]+$% }", r#"{"a":404}"#, true),
    ("{ $.a > \"1\" }", r#"{"a":5}"#, false),
    // Precedence: && binds tighter than ||.
    ("{ $.a = 1 || $.b = 1 && $.c = 1 }", r#"{"a":1}"#, true),
    ("{ ($.a = 1 || $.b = 1) && $.c = 1 }", r#"{"a":1}"#, false),
    ("{ $.a = 1 && $.b = 1 || $.c = 1 }", r#"{"c":1}"#, true),
    ("{ $.a = 1 && ($.b = 1 || $.c = 1) }", r#"{"c":1}"#, false),
    ("{(((($.a=1))))}", r#"{"a":1}"#, true),
    // JSON patterns only match JSON objects.
    ("{ $.a = * }", r#"["a"]"#, false),
    ("{ $.a = * }", "a=1", false),
    ("{ $.a = * }", r#"{"a":1} trailing"#, false),
    // Regex dialect.
    ("%^\\s*x%", "\tx", true),
    ("%\\d%", "\u{0663}", false),
    ("%\\w%", "\u{e9}", false),
    ("%a.b%", "a\nb", false),
    ("%a.b%", "a\u{e9}b", true),
    ("%^$%", "", true),
    ("%a{,2}b%", "b", true),
    ("%[.]%", "x", false),
    ("%[\\d-]%", "-", true),
    // Terms: substrings, case-sensitive, quoted phrases with escapes.
    ("\"a \\\"b\\\"\"", "x a \"b\" y", true),
    ("err", "ERROR", false),
    ("\"\"", "anything", true),
];

#[test]
fn table() {
    let mut failures = Vec::new();
    for (pattern, message, want) in CASES {
        let p = Pattern::parse(pattern).unwrap_or_else(|e| panic!("{}", e.render()));
        if p.matches_message(message) != *want {
            failures.push(format!("{pattern} on {message}: want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A CloudTrail record, compact.
const RECORD: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/dev/bob","sessionContext":{"attributes":{"creationDate":"2024-05-01T09:00:00Z","mfaAuthenticated":"false"},"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/dev"}}},"eventTime":"2024-05-01T10:20:00Z","eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.5","userAgent":"[aws-cli/2.15.0 Python/3.11]","requestParameters":{"bucketName":"logs","policy":{"Statement":[{"Effect":"Allow","Principal":"*"}]}},"responseElements":null,"readOnly":false,"resources":[{"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::logs"}],"eventType":"AwsApiCall","recipientAccountId":"111122223333","eventCategory":"Management"}"#;

/// The same JSON laid out over lines, member order kept.
fn pretty(compact: &str) -> String {
    let mut out = String::new();
    let (mut in_str, mut escaped, mut depth) = (false, false, 0usize);
    for c in compact.chars() {
        out.push(c);
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => {
                depth += 1;
                out.push_str(&format!("\n{}", "  ".repeat(depth)));
            }
            '}' | ']' => depth = depth.saturating_sub(1),
            ',' => out.push_str(&format!("\n{}", "  ".repeat(depth))),
            ':' => out.push(' '),
            _ => {}
        }
    }
    out
}

#[test]
fn records_and_their_messages_agree() {
    let pretty = pretty(RECORD);
    for text in [RECORD, pretty.as_str()] {
        let ev = decode_event_text(text).unwrap();
        let message = log_message(text);
        for (pattern, want) in [
            ("{ $.eventName = PutBucketPolicy }", true),
            (
                "{ $.userIdentity.sessionContext.attributes.mfaAuthenticated = \"false\" }",
                true,
            ),
            (
                "{ $.userIdentity.sessionContext.sessionIssuer.arn = \"*:role/dev\" }",
                true,
            ),
            ("{ $.requestParameters.policy.Statement[0].Principal = \"*\" }", true),
            ("{ $.requestParameters.policy.Statement[*].Effect = Allow }", true),
            ("{ $.requestParameters.bucketName = logs && $.readOnly IS FALSE }", true),
            ("{ $.responseElements IS NULL }", true),
            ("{ $.responseElements NOT EXISTS }", false),
            ("{ $.resources[0].ARN = \"arn:aws:s3:::*\" }", true),
            ("{ $.resources.ARN = * }", false),
            ("{ $.userIdentity = * }", false),
            ("{ $.errorCode NOT EXISTS }", true),
            ("\"\\\"eventName\\\":\\\"PutBucketPolicy\\\"\"", true),
            ("PutBucketPolicy -DeleteBucketPolicy", true),
            ("%\"readOnly\":false%", true),
            ("%\\x22readOnly\\x22:false%", true),
            ("[...]", true),
        ] {
            let p = Pattern::parse(pattern).unwrap();
            assert_eq!(p.matches(&ev), want, "{pattern} on the record");
            assert_eq!(p.matches_message(&message), want, "{pattern} on the message");
            let subject = Subject::event(&ev);
            assert_eq!(p.is_match(&subject), want, "{pattern} through a subject");
        }
    }
    assert!(!log_message(&pretty).contains('\n'));
    assert_eq!(log_message(&pretty), log_message(RECORD));
}

#[test]
fn typed_fields_keep_their_json_type() {
    // The decoder reads readOnly "true" as a boolean and mfaAuthenticated false as text; a filter
    // pattern sees the JSON as written.
    let text = r#"{"eventTime":"2024-05-01T10:20:00Z","eventName":"X","readOnly":"true","managementEvent":true,"userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":false}}}}"#;
    let ev = decode_event_text(text).unwrap();
    assert_eq!(ev.read_only, Some(true));
    for (pattern, want) in [
        ("{ $.readOnly IS TRUE }", false),
        ("{ $.readOnly = \"true\" }", true),
        ("{ $.managementEvent IS TRUE }", true),
        (
            "{ $.userIdentity.sessionContext.attributes.mfaAuthenticated = \"false\" }",
            false,
        ),
        (
            "{ $.userIdentity.sessionContext.attributes.mfaAuthenticated IS FALSE }",
            true,
        ),
    ] {
        let p = Pattern::parse(pattern).unwrap();
        assert_eq!(p.matches(&ev), want, "{pattern}");
        assert_eq!(p.matches_message(text), want, "{pattern} as text");
    }
}

#[test]
fn a_dotted_key_is_not_the_nested_field() {
    let text = r#"{"eventTime":"2024-05-01T10:20:00Z","eventName":"X","userIdentity":{"type":"Root"},"userIdentity.type":"IAMUser"}"#;
    let ev = decode_event_text(text).unwrap();
    let nested = Pattern::parse("{ $.userIdentity.type = Root }").unwrap();
    let dotted = Pattern::parse("{ $.['userIdentity.type'] = IAMUser }").unwrap();
    assert!(nested.matches(&ev));
    assert!(dotted.matches(&ev));
    assert!(
        !Pattern::parse("{ $.['userIdentity.type'] = Root }")
            .unwrap()
            .matches(&ev)
    );
}

#[test]
fn every_retyped_leaf_is_read_from_text() {
    // For every documented scalar, a record holding it as another JSON type either is refused by
    // the decoder or is read the way its text says. This keeps the fast path honest if the model
    // learns to coerce more fields.
    use trailguard_model::FieldId;
    for f in FieldId::ALL.iter().filter(|f| f.is_leaf() && **f != FieldId::EventTime) {
        let steps: Vec<&str> = f.path().split('.').collect();
        for (json_value, pattern_check) in [("true", "IS TRUE"), ("7", "= 7"), ("\"true\"", "= \"true\"")] {
            let mut value = json_value.to_owned();
            for k in steps.iter().rev() {
                value = format!("{{\"{k}\":{value}}}");
            }
            let inner = &value[1..value.len() - 1];
            let text = format!(r#"{{"eventTime":"2024-05-01T10:20:00Z",{inner}}}"#);
            let Ok(ev) = decode_event_text(&text) else { continue };
            let p = Pattern::parse(&format!("{{ $.{} {pattern_check} }}", f.path())).unwrap();
            assert!(p.matches(&ev), "{} written as {json_value}", f.path());
            assert_eq!(p.matches(&ev), p.matches_message(&text), "{}", f.path());
        }
    }
}

#[test]
fn delimited_lines() {
    let p = Pattern::parse("[w1=ERROR, w2]").unwrap();
    let m = p
        .test_message("ERROR 09/25/2014 12:00:02 Failed to process request")
        .unwrap();
    assert_eq!(
        m.extracted,
        [
            ("$w1".to_owned(), "ERROR".to_owned()),
            (
                "$w2".to_owned(),
                "09/25/2014 12:00:02 Failed to process request".to_owned()
            )
        ]
    );
    let p = Pattern::parse("[..., status_code = 4*, bytes]").unwrap();
    let m = p.test_message("a b c 404 12").unwrap();
    assert_eq!(m.extracted[0], ("$1".into(), "a".into()));
    assert_eq!(m.extracted[3], ("$status_code".into(), "404".into()));
    assert_eq!(m.extracted[4], ("$bytes".into(), "12".into()));
    assert!(p.test_message("a b c 500 12").is_none());
    // Fewer fields than the pattern needs.
    assert!(!Pattern::parse("[a, b, c]").unwrap().matches_message("x y"));
    // More: the last takes the rest.
    assert!(Pattern::parse("[a, b]").unwrap().matches_message("x y z"));
    // A number condition on a field that is not a number.
    assert!(!Pattern::parse("[a, b > 1]").unwrap().matches_message("x y"));
    assert!(Pattern::parse("[a, b >= 1e2]").unwrap().matches_message("x 100"));
    // Runs of spaces separate fields once.
    assert!(Pattern::parse("[a = x, b = y]").unwrap().matches_message("x    y"));
    // Two ellipses.
    let p = Pattern::parse("[..., x = mid, ..., y = end]").unwrap();
    assert!(p.matches_message("a mid b c end"));
    assert!(!p.matches_message("a b c end"));
    assert!(Pattern::parse("[...]").unwrap().matches_message(""));
    assert!(!Pattern::parse("[a]").unwrap().matches_message(""));
    assert!(
        Pattern::parse("[w1=ERROR || w1=WARNING, w2]")
            .unwrap()
            .matches_message("WARNING x")
    );
    assert!(Pattern::parse("[w1=%ERR%, w2]").unwrap().matches_message("MYERROR x"));
    assert!(!Pattern::parse("[w1!=%ERR%, w2]").unwrap().matches_message("MYERROR x"));
}
