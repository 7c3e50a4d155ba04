//! Every case of the reference's test list (filter-patterns.md §10): the documented AWS examples,
//! cases derived from the documented rules, observed behaviour, and trailguard's defaults for the
//! open questions. One table, `tests/data/aws-cases.txt`, read verbatim.
//!
//! CloudTrail records (C…) are checked twice: as decoded records (the fast path that reads typed
//! fields) and as log messages (the text path); both must give the expected answer.

use std::collections::HashMap;

use trailguard_model::decode_event_text;
use trailguard_pattern::Pattern;

struct Case {
    line: usize,
    expect: String,
    events: Vec<String>,
    pattern: String,
}

fn load() -> (HashMap<String, String>, Vec<Case>) {
    let text = include_str!("data/aws-cases.txt");
    let mut events = HashMap::new();
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("event ") {
            let (id, body) = rest.split_once(' ').unwrap();
            events.insert(id.to_owned(), body.to_owned());
            continue;
        }
        let mut parts = line.splitn(4, char::is_whitespace).filter(|s| !s.is_empty());
        let expect = parts.next().unwrap().to_owned();
        let rest = line[expect.len()..].trim_start();
        let (ids, rest) = rest.split_once(char::is_whitespace).unwrap();
        let rest = rest.trim_start();
        let (_basis, pattern) = rest.split_once(char::is_whitespace).unwrap();
        cases.push(Case {
            line: i + 1,
            expect,
            events: ids.split(',').map(str::to_owned).collect(),
            pattern: pattern.trim_start().to_owned(),
        });
    }
    (events, cases)
}

#[test]
fn reference_cases() {
    let (events, cases) = load();
    assert_eq!(events.len(), 62);
    assert_eq!(cases.len(), 155);
    let mut failures = Vec::new();
    let mut checks = 0;
    for c in &cases {
        if c.expect == "invalid" {
            checks += 1;
            match Pattern::parse_strict(&c.pattern) {
                Ok(_) => failures.push(format!("line {}: {:?} accepted in strict mode", c.line, c.pattern)),
                Err(e) => {
                    let lint = trailguard_pattern::lint(&c.pattern);
                    if !lint.iter().any(|d| d.code == e.code()) {
                        failures.push(format!("line {}: lint lacks {}", c.line, e.code()));
                    }
                }
            }
            continue;
        }
        let p = match Pattern::parse(&c.pattern) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("line {}: {:?} does not parse: {e}", c.line, c.pattern));
                continue;
            }
        };
        if !p.aws_accepts() {
            failures.push(format!(
                "line {}: {:?} would be rejected: {:?}",
                c.line,
                c.pattern,
                p.diagnostics()
            ));
        }
        let want = c.expect == "match";
        for id in &c.events {
            let msg = events.get(id).unwrap_or_else(|| panic!("no event {id}"));
            checks += 1;
            let got = p.matches_message(msg);
            if got != want {
                failures.push(format!(
                    "line {}: {} on {id}: got {got} as a message",
                    c.line, c.pattern
                ));
            }
            if id.starts_with('C') {
                let ev = decode_event_text(msg).unwrap();
                checks += 1;
                let got = p.matches(&ev);
                if got != want {
                    failures.push(format!("line {}: {} on {id}: got {got} as a record", c.line, c.pattern));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checks} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn empty_pattern_matches_everything() {
    let (events, _) = load();
    let p = Pattern::parse("").unwrap();
    for id in ["U1", "U11", "U19", "J0", "J7"] {
        assert!(p.matches_message(&events[id]), "{id}");
    }
    assert!(Pattern::parse("   ").unwrap().matches_message("x"));
}

#[test]
fn extracted_values_of_the_archived_example() {
    let (events, _) = load();
    let p = Pattern::parse("[..., request=*.html*, status_code=4*,]").unwrap();
    let m = p.test_message(&events["D6"]).unwrap();
    let want = [
        ("$1", "127.0.0.1"),
        ("$2", "-"),
        ("$3", "frank"),
        ("$4", "10/Oct/2000:13:25:15 -0700"),
        ("$request", "GET /index.html HTTP/1.0"),
        ("$status_code", "404"),
        ("$7", "1534"),
    ];
    let got: Vec<(&str, &str)> = m.extracted.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, want);
}
