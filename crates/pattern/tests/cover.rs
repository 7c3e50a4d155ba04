//! Semantic coverage: CIS patterns against rewritten (equivalent) and altered variants, the
//! answers' examples, the cases it cannot decide, and a property test of soundness against brute
//! force over a small universe of records.

use proptest::prelude::*;
use trailguard_model::decode_event_text;
use trailguard_pattern::{Coverage, Pattern, covers};

fn cis(id: &str) -> Pattern {
    let text = include_str!("data/cis.txt")
        .lines()
        .find_map(|l| l.strip_prefix(id).and_then(|r| r.strip_prefix('\t')))
        .unwrap_or_else(|| panic!("no CIS pattern {id}"));
    Pattern::parse(text).unwrap()
}

fn p(text: &str) -> Pattern {
    Pattern::parse(text).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[track_caller]
fn assert_covers(candidate: &Pattern, required: &Pattern) {
    let c = covers(candidate, required);
    assert_eq!(c, Coverage::Covers, "\ncandidate: {candidate}\nrequired:  {required}");
}

/// Checks the answer is "does not cover", that every example is a real record the required
/// pattern matches and the candidate does not, and returns the conditions of the first.
#[track_caller]
fn assert_misses(candidate: &Pattern, required: &Pattern) -> Vec<String> {
    match covers(candidate, required) {
        Coverage::DoesNotCover { missed } => {
            assert!(!missed.is_empty());
            for m in &missed {
                let ev = decode_event_text(&m.event).unwrap();
                assert!(required.matches(&ev), "{}", m.event);
                assert!(!candidate.matches(&ev), "{}", m.event);
            }
            missed[0].conditions.clone()
        }
        other => panic!("\ncandidate: {candidate}\nrequired:  {required}\ngot {other:?}"),
    }
}

#[test]
fn rewritten_cis_patterns_cover() {
    // Reordered, unparenthesised, quoted, spaced differently.
    assert_covers(
        &p(
            r#"{$.eventName="DetachGroupPolicy"||$.eventName="AttachGroupPolicy"||$.eventName="DetachUserPolicy"||$.eventName="AttachUserPolicy"||$.eventName="DetachRolePolicy"||$.eventName="AttachRolePolicy"||$.eventName="DeletePolicyVersion"||$.eventName="CreatePolicyVersion"||$.eventName="DeletePolicy"||$.eventName="CreatePolicy"||$.eventName="PutUserPolicy"||$.eventName="PutRolePolicy"||$.eventName="PutGroupPolicy"||$.eventName="DeleteUserPolicy"||$.eventName="DeleteRolePolicy"||$.eventName="DeleteGroupPolicy"}"#,
        ),
        &cis("4.4"),
    );
    assert_covers(
        &p(
            "{ ( ( $.eventName = \"StopLogging\" ) ) || $.eventName = StartLogging || ($.eventName = DeleteTrail || $.eventName = UpdateTrail) || $.eventName = CreateTrail }",
        ),
        &cis("4.5"),
    );
    // A superset of event names.
    assert_covers(
        &p(
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) || ($.eventName = PutEventSelectors) }",
        ),
        &cis("4.5"),
    );
    // Distributed over the alternatives.
    assert_covers(
        &p(
            "{ ($.eventSource = \"kms.amazonaws.com\" && $.eventName = \"ScheduleKeyDeletion\") || ($.eventName = DisableKey && $.eventSource = kms.amazonaws.com) }",
        ),
        &cis("4.7"),
    );
    // Conditions in another order; `!=` the other way round is still the same test.
    assert_covers(
        &p(
            "{ ($.eventType != \"AwsServiceEvent\") && ($.userIdentity.invokedBy NOT EXISTS) && ($.userIdentity.type = Root) }",
        ),
        &cis("4.3"),
    );
    // The quoted and unquoted transcriptions of 4.15 and 4.1 are the same pattern.
    let unquoted_415 = cis("4.15").source().replace('"', "");
    assert_covers(&p(&unquoted_415), &cis("4.15"));
    assert_covers(&cis("4.15"), &p(&unquoted_415));
    assert_covers(&cis("4.1-v1.4-audit"), &cis("4.1-v1.4-remediation"));
    assert_covers(&cis("4.1-v1.4-remediation"), &cis("4.1-v1.4-audit"));
    assert_covers(&cis("4.1-v2"), &cis("4.1-v6"));
    assert_covers(&cis("4.1-v6"), &cis("4.1-v2"));
    // Looser filters cover stricter ones.
    assert_covers(&cis("4.1-v1.2"), &cis("4.1-v2"));
    assert_covers(&cis("4.1-v1.4-audit"), &cis("4.1-v2"));
    assert_covers(&cis("4.1-v2"), &cis("4.1-steampipe-272"));
    assert_covers(&cis("4.2"), &cis("4.2-sso"));
    assert_covers(&cis("4.10-v5"), &cis("4.10-v1.4"));
    assert_covers(&cis("4.13-remediation"), &cis("4.13-audit"));
    // "Every record" covers everything, and so does a test every CloudTrail record passes.
    assert_covers(&p(""), &cis("4.3"));
    assert_covers(&p("{ $.eventName = * }"), &cis("4.4"));
    assert_covers(&p("{ $.eventSource = * }"), &cis("4.3"));
    // The same pattern, whatever it is.
    for id in ["4.1-v2", "4.2", "4.3", "4.6", "4.8", "4.9", "4.11", "4.12", "4.14"] {
        assert_covers(&cis(id), &cis(id));
    }
}

#[test]
fn altered_cis_patterns_do_not_cover() {
    // A dropped event name.
    let dropped = cis("4.4").source().replace("||($.eventName=DeletePolicyVersion)", "");
    let why = assert_misses(&p(&dropped), &cis("4.4"));
    assert!(
        why.contains(&"eventName is \"DeletePolicyVersion\"".to_owned()),
        "{why:?}"
    );
    // A changed value.
    let changed = cis("4.6").source().replace("Failed authentication", "Failed");
    let why = assert_misses(&p(&changed), &cis("4.6"));
    assert!(
        why.contains(&"errorMessage is \"Failed authentication\"".to_owned()),
        "{why:?}"
    );
    // An added condition.
    let narrowed = format!(
        "{{ ({}) && ($.awsRegion = \"us-east-1\") }}",
        &cis("4.5").to_string()[2..cis("4.5").to_string().len() - 2]
    );
    let why = assert_misses(&p(&narrowed), &cis("4.5"));
    assert!(why.iter().any(|c| c.starts_with("awsRegion is")), "{why:?}");
    // A wildcard made exact, a value's case changed.
    assert_misses(
        &p(r#"{($.errorCode="Client.UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#),
        &cis("4.1-v1.2"),
    );
    assert_misses(
        &p(r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied")}"#),
        &cis("4.1-v1.2"),
    );
    assert_misses(
        &p(
            r#"{ $.userIdentity.type = "root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
        ),
        &cis("4.3"),
    );
    // Stricter versions do not cover looser ones.
    let why = assert_misses(&cis("4.1-v2"), &cis("4.1-v1.2"));
    assert!(
        why.contains(&"sourceIPAddress is \"delivery.logs.amazonaws.com\"".to_owned())
            || why.contains(&"eventName is \"HeadBucket\"".to_owned()),
        "{why:?}"
    );
    assert_misses(&cis("4.1-steampipe-272"), &cis("4.1-v2"));
    assert_misses(&cis("4.2-sso"), &cis("4.2"));
    let why = assert_misses(&cis("4.10-v1.4"), &cis("4.10-v5"));
    assert!(
        why.contains(&"eventName is \"ModifySecurityGroupRules\"".to_owned()),
        "{why:?}"
    );
    assert_misses(&cis("4.13-audit"), &cis("4.13-remediation"));
    // A different control altogether.
    assert_misses(&cis("4.5"), &cis("4.4"));
    // `!=` is false on a missing field: `$.x != v` does not cover `$.x NOT EXISTS`-based patterns.
    assert_misses(
        &p("{ $.userIdentity.type = Root && $.eventType != AwsServiceEvent }"),
        &p("{ $.userIdentity.type = Root && $.userIdentity.invokedBy NOT EXISTS }"),
    );
}

#[test]
fn undecidable_cases_say_so() {
    let unknown = |c: &Pattern, r: &Pattern| match covers(c, r) {
        Coverage::Unknown { reason } => reason,
        other => panic!("{c} vs {r}: {other:?}"),
    };
    // Other pattern kinds.
    assert!(unknown(&p("StopLogging"), &cis("4.5")).contains("term pattern"));
    assert!(unknown(&cis("4.5"), &p("%StopLogging%")).contains("regular expression"));
    // A regex that in fact covers: never claimed without proof, never refuted without a record.
    let r = unknown(
        &p("{ $.eventName = %Trail$% || $.eventName = %Logging$% }"),
        &cis("4.5"),
    );
    assert!(r.contains("no record confirming it"), "{r}");
    // A regex that does not cover is refuted with a record.
    assert_misses(&p("{ $.eventName = %^Create% }"), &cis("4.5"));
    // Identical text is always covered, even where nothing else can be decided.
    assert_covers(&p("[ip, user, ..., status = 4*]"), &p("[ip,user,...,status=4*]"));
}

// ---------------------------------------------------------------------------------------------
// Soundness against brute force.

const NAMES: &[&str] = &["A", "AB", "BA", "B", "XYZ", ""];
const CODES: &[Option<&str>] = &[
    None,
    Some("null"),
    Some("\"A\""),
    Some("\"AB\""),
    Some("\"BA\""),
    Some("\"XYZ\""),
];
const PARAMS: &[Option<&str>] = &[
    None,
    Some("null"),
    Some("\"A\""),
    Some("\"AB\""),
    Some("\"B\""),
    Some("5"),
    Some("2"),
    Some("true"),
    Some("{}"),
];

/// Every record of the small universe: eventName (always a string), errorCode (a string, null or
/// absent), requestParameters.x (anything).
fn universe() -> Vec<String> {
    let mut out = Vec::new();
    for n in NAMES {
        for c in CODES {
            for x in PARAMS {
                let mut s = format!(
                    r#"{{"eventTime":"2024-05-01T10:00:00Z","eventSource":"s.amazonaws.com","eventName":"{n}""#
                );
                if let Some(c) = c {
                    s.push_str(&format!(r#","errorCode":{c}"#));
                }
                match x {
                    Some(x) => s.push_str(&format!(r#","requestParameters":{{"x":{x}}}"#)),
                    None => s.push_str(r#","requestParameters":{}"#),
                }
                s.push('}');
                out.push(s);
            }
        }
    }
    out
}

fn atom() -> impl Strategy<Value = String> {
    let sel = prop::sample::select(vec!["$.eventName", "$.errorCode", "$.requestParameters.x"]);
    let check = prop::sample::select(vec![
        "= A",
        "= AB",
        "= \"B*\"",
        "= \"*B\"",
        "= \"*A*\"",
        "!= A",
        "!= \"*B\"",
        "= *",
        "NOT EXISTS",
        "IS NULL",
        "= 5",
        "> 3",
        "!= 2",
        "IS TRUE",
    ]);
    (sel, check).prop_map(|(s, c)| format!("{s} {c}"))
}

fn formula() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("({})", v.join(" && "))),
            prop::collection::vec(inner, 2..4).prop_map(|v| format!("({})", v.join(" || "))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn coverage_agrees_with_brute_force(c in formula(), r in formula()) {
        let candidate = p(&format!("{{ {c} }}"));
        let required = p(&format!("{{ {r} }}"));
        let events: Vec<_> = universe();
        let violated = events.iter().any(|e| {
            let ev = decode_event_text(e).unwrap();
            required.matches(&ev) && !candidate.matches(&ev)
        });
        match covers(&candidate, &required) {
            Coverage::Covers => prop_assert!(!violated, "claimed to cover: {candidate} / {required}"),
            Coverage::DoesNotCover { missed } => {
                for m in missed {
                    let ev = decode_event_text(&m.event).unwrap();
                    prop_assert!(required.matches(&ev) && !candidate.matches(&ev));
                }
            }
            Coverage::Unknown { reason } => prop_assert!(false, "undecided on exact atoms: {reason}"),
        }
        if violated {
            prop_assert!(!matches!(covers(&candidate, &required), Coverage::Covers));
        }
    }
}

/// Every pair from a fixed list of formulas: "covers" agrees with brute force, "does not cover"
/// comes with records that prove it, and both answers occur (so the property above is not
/// passing vacuously).
#[test]
fn fixed_pairs_agree_with_brute_force() {
    let atoms = [
        "$.eventName = A",
        "$.eventName = \"A*\"",
        "$.eventName != AB",
        "$.eventName = \"*B\"",
        "$.errorCode = *",
        "$.errorCode NOT EXISTS",
        "$.errorCode IS NULL",
        "$.errorCode = \"*A*\"",
        "$.requestParameters.x > 3",
        "$.requestParameters.x = 5",
        "$.requestParameters.x IS TRUE",
        "$.requestParameters.x = \"A*\"",
    ];
    let mut formulas: Vec<String> = atoms.iter().map(|a| (*a).to_owned()).collect();
    for (i, a) in atoms.iter().enumerate() {
        for b in &atoms[i + 1..] {
            formulas.push(format!("{a} && {b}"));
            formulas.push(format!("{a} || {b}"));
        }
    }
    let events: Vec<_> = universe()
        .iter()
        .map(|e| decode_event_text(e).unwrap().raw.text().to_owned())
        .collect();
    let patterns: Vec<Pattern> = formulas.iter().map(|f| p(&format!("{{ {f} }}"))).collect();
    let matches: Vec<Vec<bool>> = patterns
        .iter()
        .map(|pat| {
            events
                .iter()
                .map(|e| pat.matches(&decode_event_text(e).unwrap()))
                .collect()
        })
        .collect();
    let (mut yes, mut no) = (0, 0);
    for (i, c) in patterns.iter().enumerate().step_by(3) {
        for (j, r) in patterns.iter().enumerate().step_by(2) {
            let violated = matches[j].iter().zip(&matches[i]).any(|(req, cand)| *req && !*cand);
            match covers(c, r) {
                Coverage::Covers => {
                    assert!(!violated, "claimed to cover: {c} / {r}");
                    yes += 1;
                }
                Coverage::DoesNotCover { missed } => {
                    // The universe is small; the example records are the proof.
                    for m in missed {
                        let ev = decode_event_text(&m.event).unwrap();
                        assert!(r.matches(&ev) && !c.matches(&ev), "{c} / {r}: {}", m.event);
                    }
                    no += 1;
                }
                Coverage::Unknown { reason } => panic!("{c} / {r}: {reason}"),
            }
        }
    }
    assert!(yes > 100 && no > 1000, "{yes} covers, {no} do not");
}
