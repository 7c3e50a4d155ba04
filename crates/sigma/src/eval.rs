//! Evaluating compiled searches and conditions against one record.
//!
//! A field's candidates are the values its path selects (arrays fan out at any depth). Strings
//! compare as they are, numbers and booleans as their JSON text (`'false'` in a rule matches a
//! JSON `false`), and a JSON object or array is compared through every scalar inside it and —
//! for string tests — also as its compact JSON text. JSON `null` matches only `null`.

use trailguard_json::{Kind, Raw, Value};
use trailguard_model::{Event, FieldPath, Step, Timestamp};

use crate::condition::Cond;
use crate::detection::{FieldItem, Item, KeywordItem, Matcher, Rel, Search, Test, ValueTest};
use crate::modifier::TimePart;
use crate::pattern;

/// Longest witness value kept in an explanation, in characters.
const WITNESS_CHARS: usize = 200;

/// Call `f` with every scalar inside a container (nulls skipped), in document order, until it
/// returns false. Iterative: nesting is bounded by the reader, not by the call stack.
fn leaves(raw: Raw<'_>, f: &mut dyn FnMut(Option<&str>) -> bool) -> bool {
    let mut stack = vec![raw];
    let mut kids = Vec::new();
    while let Some(r) = stack.pop() {
        match r.kind() {
            Kind::Object => {
                r.for_each_member(|_, v| {
                    kids.push(v);
                    true
                });
                stack.extend(kids.drain(..).rev());
            }
            Kind::Array => {
                r.for_each_element(|v| {
                    kids.push(v);
                    true
                });
                stack.extend(kids.drain(..).rev());
            }
            Kind::Null => {}
            _ => {
                let go_on = match r.value() {
                    Value::String(s) => f(Some(&s)),
                    Value::Number(n) => f(Some(n)),
                    Value::Bool(b) => f(Some(if b { "true" } else { "false" })),
                    _ => true,
                };
                if !go_on {
                    return false;
                }
            }
        }
    }
    true
}

/// Call `f` with each candidate of `path` (`None` for JSON `null`) until it returns false.
fn candidates(ev: &Event<'_>, path: &FieldPath, text_of_objects: bool, f: &mut dyn FnMut(Option<&str>) -> bool) {
    ev.visit(path, &mut |v| match v {
        Value::Null => f(None),
        Value::Bool(b) => f(Some(if b { "true" } else { "false" })),
        Value::Number(n) => f(Some(n)),
        Value::String(s) => f(Some(&s)),
        Value::Array(raw) => leaves(raw, f),
        Value::Object(raw) => {
            if text_of_objects {
                let text = compact(raw.text());
                if !f(Some(&text)) {
                    return false;
                }
            }
            leaves(raw, f)
        }
    });
}

/// The compact JSON text of a value (whitespace outside strings removed).
pub(crate) fn compact(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    trailguard_json::minify_into(&mut out, text.as_bytes());
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// ISO 8601 week number (1–53) of a civil date.
fn iso_week(t: Timestamp) -> i64 {
    const DAY_MS: i64 = 86_400_000;
    let days = t.millis().div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday: Monday = 1 … Sunday = 7.
    let weekday = |d: i64| (d + 3).rem_euclid(7) + 1;
    let (y, ..) = t.to_civil();
    let jan1 = |y: i64| Timestamp::from_civil(y, 1, 1, 0, 0, 0).map_or(0, |j| j.millis().div_euclid(DAY_MS));
    let weeks_in = |y: i64| {
        let wd = weekday(jan1(y));
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if wd == 4 || (leap && wd == 3) { 53 } else { 52 }
    };
    let ordinal = days - jan1(y) + 1;
    let week = (ordinal - weekday(days) + 10).div_euclid(7);
    if week < 1 {
        weeks_in(y - 1)
    } else if week > weeks_in(y) {
        1
    } else {
        week
    }
}

fn time_part(text: &str, part: TimePart) -> Option<i64> {
    let t = Timestamp::parse_event_time(text).ok()?;
    let (y, mo, d, h, mi, _) = t.to_civil();
    Some(match part {
        TimePart::Minute => i64::from(mi),
        TimePart::Hour => i64::from(h),
        TimePart::Day => i64::from(d),
        TimePart::Week => iso_week(t),
        TimePart::Month => i64::from(mo),
        TimePart::Year => y,
    })
}

/// Whether one value test accepts one candidate.
#[inline]
pub(crate) fn value_matches(m: &Matcher, c: Option<&str>) -> bool {
    let Some(t) = c else {
        return matches!(m, Matcher::Null);
    };
    match m {
        Matcher::Null => false,
        Matcher::Str(s) => s.is_match(t),
        Matcher::Regex(r) => r.is_match(t),
        Matcher::Num(cmp, x) => parse_number(t).is_some_and(|v| cmp.holds(v, *x)),
        Matcher::Cidr(c) => c.contains(t),
        #[allow(clippy::cast_precision_loss)]
        Matcher::Time(part, cmp, n) => time_part(t, *part).is_some_and(|v| cmp.holds(v as f64, *n as f64)),
    }
}

fn keep(witness: &mut Option<&mut Option<String>>, c: Option<&str>) {
    if let Some(w) = witness.as_deref_mut() {
        *w = Some(match c {
            None => "null".to_owned(),
            Some(t) if t.chars().count() > WITNESS_CHARS => {
                let mut s: String = t.chars().take(WITNESS_CHARS).collect();
                s.push('…');
                s
            }
            Some(t) => t.to_owned(),
        });
    }
}

/// Whether `path` resolves to anything in the record (an empty array or a `null` included).
pub(crate) fn exists(ev: &Event<'_>, path: &FieldPath) -> bool {
    if ev.first(path).is_some() {
        return true;
    }
    if path.leaf().is_some() {
        return false;
    }
    // Only an empty array at the end of the path selects nothing yet exists: walk precisely.
    let keys: Vec<&str> = path
        .steps()
        .iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(&**k),
            _ => None,
        })
        .collect();
    let mut stack = vec![(ev.raw, 0usize)];
    let mut kids = Vec::new();
    while let Some((node, i)) = stack.pop() {
        if i == keys.len() {
            return true;
        }
        match node.kind() {
            Kind::Object => {
                if keys.len() - i > 1 && node.get(&keys[i..].join(".")).is_some() {
                    return true;
                }
                if let Some(v) = node.get(keys[i]) {
                    stack.push((v, i + 1));
                }
            }
            Kind::Array => {
                node.for_each_element(|el| {
                    kids.push((el, i));
                    true
                });
                stack.append(&mut kids);
            }
            _ => {}
        }
    }
    false
}

fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn relates(value: &str, other: &str, rel: Rel, folding: bool) -> bool {
    let (v, o) = if folding {
        (fold(value), fold(other))
    } else {
        (value.into(), other.into())
    };
    match rel {
        Rel::Eq => v == o,
        Rel::Contains => pattern::find(v.as_bytes(), o.as_bytes(), false).is_some(),
        Rel::Prefix => v.starts_with(&*o),
        Rel::Suffix => v.ends_with(&*o),
    }
}

fn any_alt(alts: &[Vec<ValueTest>], c: Option<&str>) -> bool {
    alts.iter().any(|alt| alt.iter().any(|vt| value_matches(&vt.m, c)))
}

/// Whether a field item holds; with a witness, the candidate that decided it is kept.
pub(crate) fn field_matches(ev: &Event<'_>, item: &FieldItem, mut witness: Option<&mut Option<String>>) -> bool {
    match &item.test {
        Test::Null => {
            let mut non_null = false;
            ev.visit(&item.path, &mut |v| {
                non_null = !matches!(v, Value::Null);
                !non_null
            });
            if !non_null {
                keep(&mut witness, None);
            }
            !non_null
        }
        Test::Exists(want) => {
            let found = exists(ev, &item.path);
            if found == *want {
                if let Some(w) = witness {
                    *w = Some(if found { "(present)" } else { "(absent)" }.to_owned());
                }
                true
            } else {
                false
            }
        }
        Test::Values {
            alts,
            all: false,
            neq: false,
            text_of_objects,
        } => {
            let mut hit = false;
            candidates(ev, &item.path, *text_of_objects, &mut |c| {
                if any_alt(alts, c) {
                    hit = true;
                    keep(&mut witness, c);
                    return false;
                }
                true
            });
            hit
        }
        Test::Values {
            alts,
            all: true,
            neq: false,
            text_of_objects,
        } => {
            // Every value as written must match some candidate.
            for alt in alts {
                let mut hit = false;
                candidates(ev, &item.path, *text_of_objects, &mut |c| {
                    if alt.iter().any(|vt| value_matches(&vt.m, c)) {
                        hit = true;
                        keep(&mut witness, c);
                        return false;
                    }
                    true
                });
                if !hit {
                    return false;
                }
            }
            true
        }
        Test::Values {
            alts,
            neq: true,
            text_of_objects,
            ..
        } => {
            // Present (not null) and equal to none of the values.
            let mut present = false;
            let mut equal = false;
            let mut first: Option<String> = None;
            candidates(ev, &item.path, *text_of_objects, &mut |c| {
                if c.is_some() {
                    present = true;
                    if first.is_none() && witness.is_some() {
                        first = c.map(str::to_owned);
                    }
                }
                if any_alt(alts, c) {
                    equal = true;
                    return false;
                }
                true
            });
            let ok = present && !equal;
            if ok {
                keep(&mut witness, first.as_deref());
            }
            ok
        }
        Test::FieldRef {
            refs,
            rel,
            fold,
            all,
            neq,
        } => {
            let mut mine: Vec<String> = Vec::new();
            candidates(ev, &item.path, false, &mut |c| {
                if let Some(t) = c {
                    mine.push(t.to_owned());
                }
                true
            });
            if mine.is_empty() {
                return false;
            }
            let mut per_ref = Vec::with_capacity(refs.len());
            for r in refs {
                let mut theirs: Vec<String> = Vec::new();
                candidates(ev, r, false, &mut |c| {
                    if let Some(t) = c {
                        theirs.push(t.to_owned());
                    }
                    true
                });
                per_ref.push(theirs);
            }
            let related = |theirs: &Vec<String>| -> Option<&String> {
                mine.iter().find(|m| theirs.iter().any(|t| relates(m, t, *rel, *fold)))
            };
            let ok = if *neq {
                per_ref.iter().all(|t| !t.is_empty()) && per_ref.iter().all(|t| related(t).is_none())
            } else if *all {
                per_ref.iter().all(|t| related(t).is_some())
            } else {
                per_ref.iter().any(|t| related(t).is_some())
            };
            if ok {
                let w = if *neq {
                    mine.first()
                } else {
                    per_ref.iter().find_map(related)
                };
                keep(&mut witness, w.map(String::as_str));
            }
            ok
        }
    }
}

/// Whether the record's text may hold one of the literals (a necessary condition). The
/// literals hold no character JSON must escape, but any character may be written `\uXXXX`:
/// text with such escapes is not prefiltered.
fn text_may_hold(text: &str, lits: &[Box<[u8]>]) -> bool {
    lits.iter().any(|l| pattern::find(text.as_bytes(), l, true).is_some())
        || memchr::memmem::find(text.as_bytes(), b"\\u").is_some()
}

/// Whether a keyword item holds: each value (or, with `all`, every value) is found in some
/// scalar of the record.
pub(crate) fn keyword_matches(ev: &Event<'_>, item: &KeywordItem, mut witness: Option<&mut Option<String>>) -> bool {
    let text = ev.raw.text();
    let check = |alt: &[ValueTest], lits: &Option<Vec<Box<[u8]>>>, witness: &mut Option<&mut Option<String>>| {
        if let Some(lits) = lits
            && !text_may_hold(text, lits)
        {
            return false;
        }
        let mut hit = false;
        leaves(ev.raw, &mut |c| {
            if alt.iter().any(|vt| value_matches(&vt.m, c)) {
                hit = true;
                keep(witness, c);
                return false;
            }
            true
        });
        hit
    };
    if item.all {
        item.alts
            .iter()
            .zip(&item.literals)
            .all(|(alt, lits)| check(alt, lits, &mut witness))
    } else {
        item.alts
            .iter()
            .zip(&item.literals)
            .any(|(alt, lits)| check(alt, lits, &mut witness))
    }
}

fn item_matches(ev: &Event<'_>, item: &Item) -> bool {
    match item {
        Item::Field(f) => field_matches(ev, f, None),
        Item::Keyword(k) => keyword_matches(ev, k, None),
    }
}

/// Whether a search holds: some branch has all its items.
pub(crate) fn search_matches(ev: &Event<'_>, s: &Search) -> bool {
    s.branches.iter().any(|b| b.iter().all(|i| item_matches(ev, i)))
}

/// Search results computed at most once per record.
pub(crate) struct Memo {
    done: u128,
    value: u128,
}

impl Memo {
    pub(crate) fn new() -> Memo {
        Memo { done: 0, value: 0 }
    }

    fn get(&mut self, ev: &Event<'_>, searches: &[Search], i: usize) -> bool {
        if i >= 128 {
            return search_matches(ev, &searches[i]);
        }
        let bit = 1u128 << i;
        if self.done & bit != 0 {
            return self.value & bit != 0;
        }
        let v = search_matches(ev, &searches[i]);
        self.done |= bit;
        if v {
            self.value |= bit;
        }
        v
    }
}

/// Evaluate a condition.
pub(crate) fn eval(ev: &Event<'_>, cond: &Cond, searches: &[Search], memo: &mut Memo) -> bool {
    match cond {
        Cond::Search(i) => memo.get(ev, searches, *i),
        Cond::Not(c) => !eval(ev, c, searches, memo),
        Cond::And(cs) => cs.iter().all(|c| eval(ev, c, searches, memo)),
        Cond::Or(cs) => cs.iter().any(|c| eval(ev, c, searches, memo)),
        Cond::Of { all: true, ids } => ids.iter().all(|&i| memo.get(ev, searches, i)),
        Cond::Of { all: false, ids } => ids.iter().any(|&i| memo.get(ev, searches, i)),
    }
}

/// The searches that made a true condition true (those under an even number of `not`s whose
/// truth the result depends on), in definition order.
pub(crate) fn contributing(ev: &Event<'_>, cond: &Cond, searches: &[Search], memo: &mut Memo, out: &mut Vec<usize>) {
    match cond {
        Cond::Search(i) => {
            if memo.get(ev, searches, *i) {
                out.push(*i);
            }
        }
        Cond::Not(_) => {}
        Cond::And(cs) | Cond::Or(cs) => {
            for c in cs {
                if eval(ev, c, searches, memo) {
                    contributing(ev, c, searches, memo, out);
                }
            }
        }
        Cond::Of { ids, .. } => {
            for &i in ids {
                if memo.get(ev, searches, i) {
                    out.push(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_event_time(s).unwrap()
    }

    #[test]
    fn iso_weeks() {
        assert_eq!(iso_week(at("2024-01-01T00:00:00Z")), 1);
        assert_eq!(iso_week(at("2021-01-03T00:00:00Z")), 53);
        assert_eq!(iso_week(at("2020-12-31T00:00:00Z")), 53);
        assert_eq!(iso_week(at("2019-12-30T00:00:00Z")), 1);
        assert_eq!(iso_week(at("2024-05-01T09:00:00Z")), 18);
    }
}
