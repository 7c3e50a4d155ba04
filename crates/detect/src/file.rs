//! Rule files: YAML documents holding rules with their metadata, logic, threshold and tests.
//! The format is described in `docs/rules.md`; the built-in packs are written in it.

use serde::Deserialize;

use crate::rule::{Body, Expect, GroupKey, Origin, Rule, Severity, TestCase, Threshold};

/// Largest rule file accepted, in bytes.
pub const MAX_RULE_FILE_BYTES: usize = 8 << 20;
/// Most events one test sequence may expand to (`repeat` included).
pub const MAX_TEST_EVENTS: u64 = 10_000;
/// The `eventTime` given to test events that do not state one.
pub const DEFAULT_TEST_TIME: &str = "2024-05-01T12:00:00Z";

/// A rule file that cannot be used, with the file, the rule and what to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default(), .rule.as_ref().map(|r| format!(": rule `{r}`")).unwrap_or_default())]
pub struct RuleFileError {
    /// The file (or pack) name.
    pub file: String,
    /// The line, when known.
    pub line: Option<usize>,
    /// The rule's id, when known.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    pack: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    license: Option<String>,
    rules: Vec<RuleDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    id: String,
    title: String,
    description: String,
    severity: Severity,
    #[serde(default)]
    mitre: Vec<String>,
    #[serde(default, alias = "false_positives")]
    falsepositives: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    sigma: Option<yaml_serde::Value>,
    #[serde(default)]
    threshold: Option<ThresholdDoc>,
    #[serde(default)]
    tests: TestsDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdDoc {
    count: u64,
    period: u32,
    #[serde(default = "one")]
    evaluation_periods: u32,
    #[serde(default)]
    group_by: Vec<String>,
}

fn one() -> u32 {
    1
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TestsDoc {
    #[serde(default, rename = "match")]
    matching: Vec<yaml_serde::Value>,
    #[serde(default)]
    no_match: Vec<yaml_serde::Value>,
    #[serde(default)]
    sequences: Vec<SequenceDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SequenceDoc {
    #[serde(default)]
    name: Option<String>,
    events: Vec<yaml_serde::Value>,
    alerts: u64,
}

/// Read a rule file's text. `origin` says where it came from (a pack or a file); `name` is
/// used in errors.
pub fn parse_rules(name: &str, text: &str, origin: &Origin) -> Result<Vec<Rule>, RuleFileError> {
    let err = |line: Option<usize>, rule: Option<&str>, message: String| RuleFileError {
        file: name.to_owned(),
        line,
        rule: rule.map(str::to_owned),
        message,
    };
    if text.len() > MAX_RULE_FILE_BYTES {
        return Err(err(
            None,
            None,
            format!("the file is larger than {} MiB", MAX_RULE_FILE_BYTES >> 20),
        ));
    }
    let doc: FileDoc = yaml_serde::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        let msg = e.to_string();
        err(
            line,
            None,
            format!(
                "{msg} (a rule file is a mapping with `rules:`, a list of rules with id, title, description, \
                 severity and one of pattern or sigma; see docs/rules.md)"
            ),
        )
    })?;
    if let (Origin::Pack(p), Some(declared)) = (origin, &doc.pack)
        && p != declared
    {
        return Err(err(
            None,
            None,
            format!("the file declares pack {declared:?}, not {p:?}"),
        ));
    }
    let _ = &doc.description;
    let mut out = Vec::with_capacity(doc.rules.len());
    for r in doc.rules {
        let id = r.id.trim().to_owned();
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(
                None,
                Some(&r.id),
                "a rule id must be non-empty, without spaces".into(),
            ));
        }
        let rerr = |m: String| err(None, Some(&id), m);
        if r.title.trim().is_empty() {
            return Err(rerr("the rule has an empty title".into()));
        }
        let body = match (r.pattern, r.sigma) {
            (Some(p), None) => Body::Pattern(p.trim().to_owned()),
            (None, Some(s)) => Body::Sigma(sigma_detection(&s).map_err(rerr)?),
            (Some(_), Some(_)) => return Err(rerr("give either `pattern` or `sigma`, not both".into())),
            (None, None) => return Err(rerr("the rule has no logic: give `pattern` or `sigma`".into())),
        };
        let threshold = match r.threshold {
            None => None,
            Some(t) => {
                let group_by = t
                    .group_by
                    .iter()
                    .map(|k| GroupKey::parse(k))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(rerr)?;
                let th = Threshold {
                    count: t.count,
                    period_secs: t.period,
                    evaluation_periods: t.evaluation_periods,
                    group_by,
                };
                th.validate().map_err(rerr)?;
                Some(th)
            }
        };
        let mut tests = Vec::new();
        for (i, v) in r.tests.matching.iter().enumerate() {
            tests.push(TestCase {
                name: format!("match #{}", i + 1),
                events: vec![event_json(v, 0).map_err(|m| rerr(format!("test match #{}: {m}", i + 1)))?],
                expect: Expect::Match,
            });
        }
        for (i, v) in r.tests.no_match.iter().enumerate() {
            tests.push(TestCase {
                name: format!("no_match #{}", i + 1),
                events: vec![event_json(v, 0).map_err(|m| rerr(format!("test no_match #{}: {m}", i + 1)))?],
                expect: Expect::NoMatch,
            });
        }
        for (i, s) in r.tests.sequences.iter().enumerate() {
            let name = s.name.clone().unwrap_or_else(|| format!("sequence #{}", i + 1));
            let events = sequence_events(&s.events).map_err(|m| rerr(format!("test {name}: {m}")))?;
            tests.push(TestCase {
                name,
                events,
                expect: Expect::Alerts(s.alerts),
            });
        }
        out.push(Rule {
            id,
            title: r.title.trim().to_owned(),
            description: r.description.trim().to_owned(),
            severity: r.severity,
            mitre: r.mitre,
            falsepositives: r.falsepositives,
            references: r.references,
            author: r.author.or_else(|| doc.author.clone()),
            license: doc.license.clone(),
            origin: origin.clone(),
            body,
            threshold,
            tests,
        });
    }
    Ok(out)
}

/// The `sigma:` value: a mapping with a `detection:` section (or the detection section itself),
/// returned as the detection's YAML text.
fn sigma_detection(v: &yaml_serde::Value) -> Result<String, String> {
    let yaml_serde::Value::Mapping(m) = v else {
        return Err("`sigma` must be a mapping with the rule's detection (selections and a condition)".into());
    };
    let detection = match m.get("detection") {
        Some(d) => {
            if m.len() > 1 {
                return Err(
                    "`sigma` holds only `detection:`; title, level and the rest come from the rule itself".into(),
                );
            }
            d
        }
        None => v,
    };
    let yaml_serde::Value::Mapping(d) = detection else {
        return Err("the Sigma detection must be a mapping".into());
    };
    if d.get("condition").is_none() {
        return Err("the Sigma detection has no `condition`".into());
    }
    yaml_serde::to_string(detection).map_err(|e| format!("cannot write the Sigma detection back as YAML: {e}"))
}

/// A test event as JSON text, with `eventTime` filled in (the default time plus `offset`
/// seconds) when the test does not give one.
fn event_json(v: &yaml_serde::Value, offset: i64) -> Result<String, String> {
    let mut j = serde_json::to_value(v).map_err(|e| format!("the event cannot be written as JSON: {e}"))?;
    let serde_json::Value::Object(map) = &mut j else {
        return Err("a test event must be a mapping (a CloudTrail record)".into());
    };
    if !map.contains_key("eventTime") {
        let base = trailguard_model::Timestamp::parse_event_time(DEFAULT_TEST_TIME).map_err(|e| e.to_string())?;
        map.insert("eventTime".into(), base.add_secs(offset).to_rfc3339().into());
    }
    serde_json::to_string(&j).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepeatDoc {
    repeat: u64,
    #[serde(default)]
    every: i64,
    event: yaml_serde::Value,
}

/// The events of a sequence: plain events, or `{repeat: N, every: SECONDS, event: {...}}`. Events
/// without an `eventTime` follow each other one second apart (or `every` seconds apart within a
/// repeat), from the default time.
fn sequence_events(items: &[yaml_serde::Value]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut clock: i64 = 0;
    for v in items {
        let is_repeat = matches!(v, yaml_serde::Value::Mapping(m) if m.get("repeat").is_some());
        if is_repeat {
            let r: RepeatDoc = yaml_serde::from_value(v.clone()).map_err(|e| format!("bad repeat: {e}"))?;
            if out.len() as u64 + r.repeat > MAX_TEST_EVENTS {
                return Err(format!("a sequence may hold at most {MAX_TEST_EVENTS} events"));
            }
            let given = matches!(&r.event, yaml_serde::Value::Mapping(m) if m.get("eventTime").is_some());
            for k in 0..r.repeat {
                if given {
                    // Shift the given time by k × every.
                    let text = event_json(&r.event, 0)?;
                    out.push(shift_time(&text, k as i64 * r.every)?);
                } else {
                    out.push(event_json(&r.event, clock)?);
                    clock += r.every.max(0);
                }
            }
            if !given && r.every <= 0 {
                clock += 1;
            }
        } else {
            if out.len() as u64 >= MAX_TEST_EVENTS {
                return Err(format!("a sequence may hold at most {MAX_TEST_EVENTS} events"));
            }
            out.push(event_json(v, clock)?);
            clock += 1;
        }
    }
    Ok(out)
}

fn shift_time(json: &str, secs: i64) -> Result<String, String> {
    let mut j: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let t = j
        .get("eventTime")
        .and_then(|v| v.as_str())
        .ok_or("eventTime must be a string")?;
    let ts = trailguard_model::Timestamp::parse_rfc3339(t).map_err(|e| e.to_string())?;
    if let Some(o) = j.as_object_mut() {
        o.insert("eventTime".into(), ts.add_secs(secs).to_rfc3339().into());
    }
    serde_json::to_string(&j).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::File("t.yaml".into())
    }

    const HEAD: &str = "rules:\n  - id: A-1\n    title: t\n    description: d\n    severity: low\n";

    #[test]
    fn a_minimal_rule() {
        let r = parse_rules(
            "t.yaml",
            &format!("{HEAD}    pattern: '{{ $.eventName = X }}'\n"),
            &origin(),
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].body, Body::Pattern("{ $.eventName = X }".into()));
        assert_eq!(r[0].severity, Severity::Low);
        assert!(r[0].threshold.is_none());
    }

    #[test]
    fn unknown_keys_are_errors_with_the_line() {
        let e = parse_rules("t.yaml", &format!("{HEAD}    patern: x\n"), &origin()).unwrap_err();
        assert_eq!(e.line, Some(6), "{e}");
        assert!(e.to_string().starts_with("t.yaml:6:"), "{e}");
        assert!(e.message.contains("patern"), "{e}");
    }

    #[test]
    fn logic_is_required_and_single() {
        let e = parse_rules("t.yaml", HEAD, &origin()).unwrap_err();
        assert!(e.message.contains("no logic"), "{e}");
        let both = format!("{HEAD}    pattern: x\n    sigma: {{selection: {{a: 1}}, condition: selection}}\n");
        assert!(
            parse_rules("t.yaml", &both, &origin())
                .unwrap_err()
                .message
                .contains("not both")
        );
        let nocond = format!("{HEAD}    sigma: {{selection: {{a: 1}}}}\n");
        assert!(
            parse_rules("t.yaml", &nocond, &origin())
                .unwrap_err()
                .message
                .contains("condition")
        );
    }

    #[test]
    fn thresholds_are_checked() {
        let t = |th: &str| {
            parse_rules(
                "t.yaml",
                &format!("{HEAD}    pattern: x\n    threshold: {th}\n"),
                &origin(),
            )
        };
        let ok = t("{count: 5, period: 300, group_by: [principal, requestParameters.userName]}").unwrap();
        let th = ok[0].threshold.as_ref().unwrap();
        assert_eq!(th.evaluation_periods, 1);
        assert_eq!(
            th.group_by,
            vec![
                GroupKey::Principal,
                GroupKey::Field("requestParameters.userName".into())
            ]
        );
        assert!(t("{count: 0, period: 300}").unwrap_err().message.contains("at least 1"));
        assert!(t("{count: 1, period: 90}").unwrap_err().message.contains("90 s"));
        assert!(
            t("{count: 1, period: 60, group_by: ['bad key!']}")
                .unwrap_err()
                .message
                .contains("group-by")
        );
    }

    #[test]
    fn test_events_get_times() {
        let text = format!(
            "{HEAD}    pattern: x\n    tests:\n      match: [{{eventName: A}}]\n      sequences:\n        - alerts: 1\n          events:\n            - {{eventName: B}}\n            - {{repeat: 3, every: 10, event: {{eventName: C}}}}\n            - {{repeat: 2, every: 60, event: {{eventName: D, eventTime: '2024-01-01T00:00:00Z'}}}}\n"
        );
        let r = parse_rules("t.yaml", &text, &origin()).unwrap();
        let m: serde_json::Value = serde_json::from_str(&r[0].tests[0].events[0]).unwrap();
        assert_eq!(m["eventTime"], DEFAULT_TEST_TIME);
        let seq = &r[0].tests[1];
        assert_eq!(seq.expect, Expect::Alerts(1));
        let times: Vec<String> = seq
            .events
            .iter()
            .map(|e| {
                serde_json::from_str::<serde_json::Value>(e).unwrap()["eventTime"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            times,
            [
                "2024-05-01T12:00:00Z",
                "2024-05-01T12:00:01Z",
                "2024-05-01T12:00:11Z",
                "2024-05-01T12:00:21Z",
                "2024-01-01T00:00:00Z",
                "2024-01-01T00:01:00Z"
            ]
        );
    }

    #[test]
    fn packs_must_say_their_own_name() {
        let e = parse_rules(
            "p",
            &format!("pack: other\n{HEAD}    pattern: x\n"),
            &Origin::Pack("cis".into()),
        )
        .unwrap_err();
        assert!(e.message.contains("declares pack"), "{e}");
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    /// Untrusted rule files: an alias bomb and deep nesting are refused, not expanded.
    #[test]
    fn alias_bombs_and_deep_nesting_are_refused() {
        // The bomb sits where any YAML is accepted: inside a test event.
        let mut bomb = String::from(
            "rules:\n  - id: A-1\n    title: t\n    description: d\n    severity: low\n    pattern: x\n    tests:\n      match:\n        - a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
        );
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "          a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse_rules("bomb.yaml", &bomb, &Origin::File("bomb.yaml".into())).unwrap_err();
        assert!(e.message.contains("repetition limit"), "{e}");
        let deep = format!("rules: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_rules("deep.yaml", &deep, &Origin::File("deep.yaml".into())).is_err());
    }
}
