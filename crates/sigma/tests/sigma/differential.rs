//! A differential test against another Sigma implementation, rsigma (`rsigma-eval`, MIT): the
//! same 57 rules over every corpus record, and over probe records built from the rules' own
//! selections (so every rule is exercised, matching and not, with case changes and with the
//! other selections of the rule mixed in). Both engines must agree on every record; the
//! divergences that follow from documented semantic choices are listed here, each with its
//! reason, and must occur exactly as listed.

use rsigma_parser::{Detection, DetectionItem, Modifier, SigmaValue, StringPart};
use serde_json::{Map, Value as J};
use std::collections::{BTreeMap, BTreeSet};
use trailguard_model::decode_event_text;
use trailguard_sigma::RuleSet;

use crate::common::*;

struct Oracle {
    engine: rsigma_eval::Engine,
    rules: Vec<rsigma_parser::SigmaRule>,
}

fn oracle() -> Oracle {
    let mut engine = rsigma_eval::Engine::new();
    let mut rules = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(sigmahq_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let collection =
            rsigma_parser::parse_sigma_yaml(&text).unwrap_or_else(|e| panic!("rsigma: {}: {e}", p.display()));
        engine
            .add_collection(&collection)
            .unwrap_or_else(|e| panic!("rsigma: {}: {e}", p.display()));
        rules.extend(collection.rules);
    }
    assert_eq!(rules.len(), 57);
    Oracle { engine, rules }
}

/// Rule ids matched by both engines on one record's text.
fn verdicts(ours: &RuleSet, theirs: &Oracle, text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let ev = decode_event_text(text).expect("record decodes");
    let mut a = BTreeSet::new();
    ours.matching(&ev, |id| {
        a.insert(ours.rule(id).unwrap().id.clone().unwrap());
    });
    let v: J = serde_json::from_str(text).unwrap();
    let b = theirs
        .engine
        .evaluate(&rsigma_eval::event::JsonEvent::borrow(&v))
        .into_iter()
        .filter_map(|r| r.header.rule_id)
        .collect();
    (a, b)
}

fn set_path(obj: &mut Map<String, J>, path: &str, value: J) {
    let mut parts = path.split('.').peekable();
    let mut cur = obj;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_owned(), value);
            return;
        }
        let next = cur.entry(p.to_owned()).or_insert_with(|| J::Object(Map::new()));
        if !next.is_object() {
            *next = J::Object(Map::new());
        }
        let J::Object(m) = next else { return };
        cur = m;
    }
}

/// A value that satisfies one detection item (as far as a simple generator can).
fn probe_value(item: &DetectionItem) -> Option<J> {
    let has = |m: Modifier| item.field.modifiers.contains(&m);
    if has(Modifier::FieldRef) {
        return None;
    }
    let v = item.values.first()?;
    if has(Modifier::Exists) {
        return matches!(v, SigmaValue::Bool(true)).then(|| J::String("x".into()));
    }
    Some(match v {
        SigmaValue::Null => return None,
        SigmaValue::Bool(b) => J::Bool(*b),
        SigmaValue::Integer(i) => J::from(*i),
        SigmaValue::Float(f) => J::from(*f),
        SigmaValue::String(s) => {
            let mut t = String::new();
            for p in &s.parts {
                match p {
                    StringPart::Plain(x) => t.push_str(x),
                    StringPart::Special(_) => t.push('x'),
                }
            }
            if has(Modifier::Re) {
                t = s
                    .original
                    .replace(".+", "x")
                    .replace(".*", "")
                    .replace(['^', '$', '\\'], "");
            }
            if has(Modifier::Contains) {
                t = format!("pre {t} post");
            } else if has(Modifier::StartsWith) {
                t = format!("{t} post");
            } else if has(Modifier::EndsWith) {
                t = format!("pre {t}");
            }
            J::String(t)
        }
    })
}

fn branches(d: &Detection) -> Vec<Vec<&DetectionItem>> {
    match d {
        Detection::AllOf(items) => vec![items.iter().collect()],
        Detection::AnyOf(subs) => subs.iter().flat_map(branches).collect(),
        _ => Vec::new(),
    }
}

fn record(items: &[&DetectionItem], upper: bool) -> String {
    let mut obj = Map::new();
    obj.insert("eventTime".into(), "2024-05-01T09:30:00Z".into());
    obj.insert("eventID".into(), "probe".into());
    for item in items {
        let (Some(name), Some(mut v)) = (&item.field.name, probe_value(item)) else {
            continue;
        };
        if upper && let J::String(s) = &v {
            v = J::String(s.to_uppercase());
        }
        set_path(&mut obj, name, v);
    }
    J::Object(obj).to_string()
}

/// Records derived from every rule: each branch of each selection alone, upper-cased, and
/// merged with the first branch of every other selection of the rule.
fn probes(oracle: &Oracle) -> Vec<String> {
    let mut out = Vec::new();
    for rule in &oracle.rules {
        let mut names: Vec<&String> = rule.detection.named.keys().collect();
        names.sort();
        let mut all: Vec<&DetectionItem> = Vec::new();
        for n in &names {
            let bs = branches(&rule.detection.named[*n]);
            for b in &bs {
                out.push(record(b, false));
                out.push(record(b, true));
            }
            if let Some(first) = bs.first() {
                all.extend(first.iter().copied());
            }
        }
        out.push(record(&all, false));
        // Each selection merged with the others except one (to step around filters).
        for skip in &names {
            let items: Vec<&DetectionItem> = names
                .iter()
                .filter(|n| *n != skip)
                .flat_map(|n| {
                    branches(&rule.detection.named[*n])
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                })
                .collect();
            out.push(record(&items, false));
        }
    }
    out
}

/// Divergences that follow from documented semantic choices: (rule title, reason).
const KNOWN: &[(&str, &str)] = &[];

#[test]
#[allow(clippy::print_stdout, reason = "the test's summary, shown with --nocapture")]
fn rsigma_agrees_on_the_corpus_and_on_probes() {
    let ours = sigmahq();
    let theirs = oracle();
    let mut texts: Vec<(String, String)> = Vec::new();
    for_each_record(&root().join("testdata/corpus"), &mut |file, ev| {
        texts.push((file.key.clone(), ev.raw.text().to_owned()));
    });
    let corpus = texts.len();
    assert!(corpus > 3000, "{corpus} corpus records");
    for (i, p) in probes(&theirs).into_iter().enumerate() {
        texts.push((format!("probe #{i}"), p));
    }
    let title_of: BTreeMap<String, String> = ours.rules().map(|r| (r.id.clone().unwrap(), r.title.clone())).collect();
    let mut divergences: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut matched = 0usize;
    let mut rules_seen = BTreeSet::new();
    for (where_, text) in &texts {
        let (a, b) = verdicts(&ours, &theirs, text);
        matched += usize::from(!a.is_empty());
        rules_seen.extend(a.iter().cloned());
        for id in a.symmetric_difference(&b) {
            let side = if a.contains(id) {
                "only trailguard"
            } else {
                "only rsigma"
            };
            divergences.entry(title_of[id].clone()).or_default().push(format!(
                "{side}: {where_}: {}",
                text.chars().take(400).collect::<String>()
            ));
        }
    }
    let unexplained: Vec<String> = divergences
        .iter()
        .filter(|(t, _)| !KNOWN.iter().any(|(k, _)| k == t))
        .map(|(t, v)| format!("{t}: {} record(s), e.g. {}", v.len(), v[0]))
        .collect();
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
    for (title, reason) in KNOWN {
        assert!(
            divergences.contains_key(*title),
            "listed divergence no longer occurs: {title} ({reason})"
        );
    }
    // The probes make the comparison meaningful: most rules fire somewhere.
    assert!(
        rules_seen.len() >= 50,
        "only {} rules fired on {} records",
        rules_seen.len(),
        texts.len()
    );
    assert!(matched > 300, "{matched}");
    println!(
        "{} corpus records + {} probes; {matched} matched; {} of 57 rules fired",
        corpus,
        texts.len() - corpus,
        rules_seen.len()
    );
}
