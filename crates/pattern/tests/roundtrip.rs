//! `parse → print → parse` is stable: the printed form parses to the same tree, prints the same
//! again, and matches the same messages. Checked on patterns generated from the grammar (with
//! random spacing, parentheses and quoting) and on arbitrary text that happens to parse.

use proptest::prelude::*;
use trailguard_pattern::Pattern;

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", "  ", "\t"])
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["eventName", "a", "user-id", "x_1", "0", "errorCode", "B"]).prop_map(str::to_owned)
}

fn selector() -> impl Strategy<Value = String> {
    let step = prop_oneof![
        name().prop_map(|n| format!(".{n}")),
        (0usize..4).prop_map(|i| format!("[{i}]")),
        Just("[*]".to_owned()),
        Just(".*".to_owned()),
        prop::sample::select(vec!["a.b", "it\\'s", "x y", "é"]).prop_map(|k| format!(".['{k}']")),
    ];
    (name(), prop::collection::vec(step, 0..3)).prop_map(|(first, rest)| format!("$.{first}{}", rest.concat()))
}

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "x",
            "*x",
            "x*",
            "*x*",
            "*",
            "a.b-c:d/e",
            "123.123.*",
            "Ev*ent",
            "true",
            "1e5x",
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec![
            "\"x y\"",
            "\"q\\\"uote\"",
            "\"back\\\\slash\"",
            "\"\\*lit\"",
            "\"*\"",
            "\"\"",
            "\"é\"",
            "\"400\"",
        ])
        .prop_map(str::to_owned),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        string_value(),
        prop::sample::select(vec!["400", "-1", "+2.5", "1e+3", "10E-2"]).prop_map(str::to_owned),
        prop::sample::select(vec!["%a|b%", "%^x\\d{1,3}$%", "%[a-z]+%", "%\\x3A%", "%a{,2}%"]).prop_map(str::to_owned),
    ]
}

fn test() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["=", "!=", "<", ">", "<=", ">="]);
    prop_oneof![
        (selector(), ws(), op, ws(), value()).prop_map(|(s, a, o, b, v)| format!("{s}{a}{o}{b}{v}")),
        (
            selector(),
            prop::sample::select(vec![
                "IS NULL",
                "IS TRUE",
                "IS FALSE",
                "NOT EXISTS",
                "is null",
                "EXISTS"
            ])
        )
            .prop_map(|(s, k)| format!("{s} {k}")),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    test().prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 2..4), ws()).prop_map(|(v, w)| v.join(&format!("{w}&&{w}"))),
            (prop::collection::vec(inner.clone(), 2..4), ws()).prop_map(|(v, w)| v.join(&format!("{w}||{w}"))),
            (inner, ws()).prop_map(|(e, w)| format!("({w}{e}{w})")),
        ]
    })
}

fn term() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", "-", "?"]),
        prop::sample::select(vec!["ERROR", "a_1", "\"x y\"", "\"q\\\"\"", "\"*\"", "\"{\"", "\"é\""]),
    )
        .prop_map(|(p, t)| format!("{p}{t}"))
}

fn column() -> impl Strategy<Value = String> {
    let cond = (prop::sample::select(vec!["=", "!=", "<", ">="]), value()).prop_map(|(o, v)| format!("{o}{v}"));
    prop_oneof![
        Just("...".to_owned()),
        Just(String::new()),
        name(),
        (
            name(),
            prop::collection::vec(cond, 1..3),
            prop::sample::select(vec!["&&", "||"])
        )
            .prop_map(|(n, conds, j)| conds
                .iter()
                .map(|c| format!("{n} {c}"))
                .collect::<Vec<_>>()
                .join(&format!(" {j} "))),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (ws(), expr(), ws()).prop_map(|(a, e, b)| format!("{{{a}{e}{b}}}")),
        1 => prop::collection::vec(term(), 1..4).prop_map(|v| v.join(" ")),
        1 => prop::collection::vec(column(), 1..5).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => prop::sample::select(vec!["%a|b%", "%^x\\d{1,3}$%", "%[^c]at%", "%\\[.\\]%"]).prop_map(str::to_owned),
    ]
}

const MESSAGES: &[&str] = &[
    r#"{"eventName":"x","a":"x y","errorCode":400,"B":[1,{"a":"x"}],"a.b":"q\"uote","0":{"0":"*x"}}"#,
    r#"{"eventName":["x"],"user-id":null,"x_1":true,"errorCode":"400","it's":"é"}"#,
    "ERROR x y \"q\\\"\" {",
    "x 400 a_1",
];

fn check(text: &str) -> Result<(), TestCaseError> {
    let Ok(first) = Pattern::parse(text) else { return Ok(()) };
    let printed = first.to_string();
    let second =
        Pattern::parse(&printed).map_err(|e| TestCaseError::fail(format!("{text:?} printed as {printed:?}: {e}")))?;
    let (mut a, mut b) = (first.ast().clone(), second.ast().clone());
    a.clear_spans();
    b.clear_spans();
    prop_assert_eq!(&a, &b, "{:?} printed as {:?}", text, printed);
    prop_assert_eq!(second.to_string(), printed.clone());
    for m in MESSAGES {
        prop_assert_eq!(
            first.matches_message(m),
            second.matches_message(m),
            "{} vs {} on {}",
            text,
            printed,
            m
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn grammar_patterns_round_trip(text in pattern()) {
        prop_assert!(Pattern::parse(&text).is_ok(), "{:?} does not parse: {:?}", text, Pattern::parse(&text).err());
        check(&text)?;
    }

    #[test]
    fn arbitrary_text_round_trips_when_it_parses(text in "[{}\\[\\]()$.*'\"a-c0-2 =!<>&|%?,\\\\-]{0,24}") {
        check(&text)?;
    }
}
