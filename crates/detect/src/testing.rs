//! Rules are tested like code: every rule carries events that must and must not match, and
//! sequences that must raise a given number of alerts through the threshold.

use serde::Serialize;
use trailguard_model::decode_event_text;

use crate::detector::{Detector, RuleIx};
use crate::rule::{Expect, Origin};

/// The verdict of one test.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// As expected.
    Pass,
    /// Not as expected (the detail says what happened).
    Fail,
}

/// One test's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestResult {
    /// The rule.
    pub rule: String,
    /// Where the rule came from.
    pub origin: Origin,
    /// The test's name (`match #1`, `no_match #2`, a sequence's name, or `has tests`).
    pub test: String,
    /// Pass or fail.
    pub verdict: Verdict,
    /// What happened, for failures.
    pub detail: String,
}

/// Run every test of every rule of `det` (rules from `--sigma` folders have none). A rule of a
/// built-in pack or a rule file without at least one `match` and one `no_match` test fails a
/// `has tests` check, and a threshold rule also needs a sequence.
pub fn run_tests(det: &Detector) -> Vec<TestResult> {
    let mut out = Vec::new();
    for (i, rule) in det.rules().iter().enumerate() {
        let ix = RuleIx(i as u32);
        if matches!(rule.origin, Origin::Sigma(_) | Origin::CommandLine) {
            continue;
        }
        let has = |e: fn(&Expect) -> bool| rule.tests.iter().any(|t| e(&t.expect));
        let mut missing = Vec::new();
        if !has(|e| matches!(e, Expect::Match)) {
            missing.push("a `match` event");
        }
        if !has(|e| matches!(e, Expect::NoMatch)) {
            missing.push("a `no_match` event");
        }
        if rule.threshold.is_some() && !has(|e| matches!(e, Expect::Alerts(_))) {
            missing.push("a sequence (the rule has a threshold)");
        }
        out.push(TestResult {
            rule: rule.id.clone(),
            origin: rule.origin.clone(),
            test: "has tests".into(),
            verdict: if missing.is_empty() {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            detail: if missing.is_empty() {
                String::new()
            } else {
                format!("the rule needs {}", missing.join(" and "))
            },
        });
        for t in &rule.tests {
            let mut events = Vec::with_capacity(t.events.len());
            let mut decode_error = None;
            for (k, text) in t.events.iter().enumerate() {
                match decode_event_text(text) {
                    Ok(ev) => events.push(ev),
                    Err(e) => {
                        decode_error = Some(format!("event {} is not a valid CloudTrail record: {e}", k + 1));
                        break;
                    }
                }
            }
            let (ok, detail) = match (decode_error, &t.expect) {
                (Some(e), _) => (false, e),
                (None, Expect::Match) => {
                    let m = events.first().is_some_and(|ev| det.body_matches(ix, ev));
                    (
                        m,
                        if m {
                            String::new()
                        } else {
                            "expected a match, got none".into()
                        },
                    )
                }
                (None, Expect::NoMatch) => {
                    let m = events.first().is_some_and(|ev| det.body_matches(ix, ev));
                    let why = events
                        .first()
                        .map(|ev| {
                            let a = crate::alert::Alert {
                                rule: std::sync::Arc::new(crate::alert::RuleRef::of(rule)),
                                severity: rule.severity,
                                event: crate::alert::EventRef::default(),
                                reasons: det.reasons(ix, ev),
                                window: None,
                            };
                            a.why()
                        })
                        .unwrap_or_default();
                    (
                        !m,
                        if m {
                            format!("expected no match, but it matched ({why})")
                        } else {
                            String::new()
                        },
                    )
                }
                (None, Expect::Alerts(n)) => {
                    let got = det.run_rule(ix, &events).len() as u64;
                    (
                        got == *n,
                        if got == *n {
                            String::new()
                        } else {
                            format!("expected {n} alerts, got {got}")
                        },
                    )
                }
            };
            out.push(TestResult {
                rule: rule.id.clone(),
                origin: rule.origin.clone(),
                test: t.name.clone(),
                verdict: if ok { Verdict::Pass } else { Verdict::Fail },
                detail,
            });
        }
    }
    out
}
