//! Semantic coverage: does every CloudTrail record that the required pattern matches also match
//! the candidate? (Is a customer's metric filter at least as wide as the CIS pattern?)
//!
//! # Method
//!
//! Both JSON patterns are boolean formulas over *atoms* — one test on one selector, such as
//! `$.eventName = "StopLogging"`, `$.errorCode = *UnauthorizedOperation` or
//! `$.userIdentity.invokedBy NOT EXISTS`. Spelling does not matter: quotes, parentheses, order and
//! whitespace are gone after parsing, and equal tests are the same atom.
//!
//! 1. For each selector without wildcards, the value it selects in a record is one thing:
//!    absent, `null`, a boolean, an array or object, a number, or a string. The atoms on that
//!    selector are evaluated on every kind of value, and for strings on *every* string, by a
//!    breadth-first walk over the product of small automata for the literals (exact texts,
//!    prefixes, suffixes, substrings), over the alphabet of the literals' characters plus one
//!    other character. That yields exactly the combinations of atom values any record can
//!    produce, each with a witness value. Fields CloudTrail documents as written on every record
//!    (`eventName`, `eventSource`, `eventTime`, `eventVersion`, `awsRegion`, `eventID`,
//!    `sourceIPAddress`) only take strings; other documented string fields take strings, `null`
//!    or nothing; everything else takes any JSON value or nothing. "Every record" therefore means
//!    every record that has those fields, as every record CloudTrail delivers does.
//! 2. The required pattern is put in disjunctive normal form. For each conjunction, a search over
//!    the candidate's selectors looks for value combinations that satisfy the conjunction and make
//!    the candidate false (three-valued evaluation prunes the search).
//! 3. A combination found is turned into a concrete CloudTrail record (a realistic record with
//!    those fields set), and both patterns are run on it with the real matcher. Only a confirmed
//!    record is reported as missed.
//!
//! # Limits
//!
//! Where the exact reasoning does not apply, atoms are treated as independent unknowns: regular
//! expressions, selectors with `[*]` or `.*`, literals that look like numbers tested against
//! number values, and fields whose automaton grows too large. That only adds combinations, so a
//! `Covers` answer stays sound; a difference found through such an atom is reported only when a
//! record confirming it can be built, else the answer is `Unknown`. Selectors that overlap (`$.a`
//! and `$.a.b`) are treated as independent the same way. Term, regex and space-delimited patterns
//! are compared only by their canonical text. Budgets on the normal form (4,096 conjunctions) and
//! the search (1,000,000 steps) turn into `Unknown`, never into `Covers`.

use std::collections::{HashMap, HashSet, VecDeque};

use trailguard_json::{Kind as JsonKind, Raw};
use trailguard_model::{FieldId, Step, decode_event_text};

use crate::Pattern;
use crate::ast::{Ast, Check, Expr, Literal, Op, Wildcard, selector_text};

/// The answer of [`covers`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Coverage {
    /// Every record the required pattern matches is matched by the candidate.
    Covers,
    /// Some records the required pattern matches are not matched by the candidate.
    DoesNotCover {
        /// Examples, each confirmed by running both patterns on it.
        missed: Vec<Missed>,
    },
    /// trailguard cannot decide; never a guess.
    Unknown {
        /// Why.
        reason: String,
    },
}

/// A kind of record the candidate misses.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Missed {
    /// The field values that make the difference (`eventName is "DeleteTrail"`).
    pub conditions: Vec<String>,
    /// A whole CloudTrail record with those values: the required pattern matches it, the candidate
    /// does not.
    pub event: String,
}

/// Whether `candidate` matches every CloudTrail record that `required` matches.
///
/// Used by the posture auditor: `required` is the prescribed CIS pattern, `candidate` the
/// customer's metric filter. See the module documentation for the method and its limits.
pub fn covers(candidate: &Pattern, required: &Pattern) -> Coverage {
    if matches!(candidate.ast(), Ast::MatchAll) {
        return Coverage::Covers;
    }
    if candidate.to_string() == required.to_string() {
        return Coverage::Covers;
    }
    let required_expr = match required.ast() {
        Ast::Json(e) => Some(e),
        Ast::MatchAll => None,
        other => {
            return Coverage::Unknown {
                reason: format!(
                    "the required pattern is a {}; coverage is decided for JSON patterns (other kinds only when the text is the same)",
                    other.kind().name()
                ),
            };
        }
    };
    let Ast::Json(candidate_expr) = candidate.ast() else {
        return Coverage::Unknown {
            reason: format!(
                "the candidate is a {}; coverage is decided for JSON patterns (other kinds only when the text is the same)",
                candidate.kind().name()
            ),
        };
    };
    let mut u = Universe::default();
    let r = match required_expr {
        Some(e) => u.formula(e),
        None => F::True,
    };
    let c = u.formula(candidate_expr);
    u.build_fields();
    let Some(dnf) = dnf(&r, 4096) else {
        return Coverage::Unknown {
            reason: "the required pattern has too many alternatives to compare (over 4,096 in normal form)".into(),
        };
    };
    let mut search = Search {
        u: &u,
        c: &c,
        steps: 0,
        budget: 1_000_000,
    };
    let mut missed = Vec::new();
    let mut unconfirmed: Option<Vec<String>> = None;
    let mut seen = HashSet::new();
    for conj in &dnf {
        let Some(found) = search.counterexample(conj) else {
            if search.steps > search.budget {
                return Coverage::Unknown {
                    reason: "the comparison needs more steps than trailguard allows (1,000,000)".into(),
                };
            }
            continue;
        };
        let (event, conditions) = u.realize(&found);
        let confirmed = event.as_deref().is_some_and(|json| {
            decode_event_text(json).is_ok_and(|ev| required.matches(&ev) && !candidate.matches(&ev))
        });
        match event {
            Some(json) if confirmed => {
                if seen.insert(conditions.clone()) {
                    missed.push(Missed {
                        conditions,
                        event: json,
                    });
                }
                if missed.len() >= 3 {
                    break;
                }
            }
            _ => {
                unconfirmed.get_or_insert(conditions);
            }
        }
    }
    if !missed.is_empty() {
        return Coverage::DoesNotCover { missed };
    }
    if let Some(conditions) = unconfirmed {
        return Coverage::Unknown {
            reason: format!(
                "the candidate may miss records where {}, but no record confirming it could be built (regular expressions, wildcard selectors or overlapping selectors are involved)",
                if conditions.is_empty() {
                    "the required pattern holds".to_owned()
                } else {
                    conditions.join(" and ")
                }
            ),
        };
    }
    Coverage::Covers
}

// ---------------------------------------------------------------------------------------------
// Formulas and atoms.

#[derive(Clone, Debug)]
enum F {
    True,
    Atom(usize),
    And(Vec<F>),
    Or(Vec<F>),
}

#[derive(Clone, Debug, PartialEq)]
enum APred {
    Eq(Wildcard),
    Ne(Wildcard),
    Num { op: Op, value: f64, text: String },
    Regex { source: String, negate: bool },
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
    Never,
}

#[derive(Debug)]
struct Atom {
    steps: Vec<Step>,
    pred: APred,
    /// The field (or free unknown) it belongs to, and its bit there.
    field: usize,
    bit: u32,
}

/// The value a selector takes in a witness record.
#[derive(Clone, Debug, PartialEq)]
enum Witness {
    Missing,
    Null,
    Bool(bool),
    Container,
    Str(String),
    Num(String),
    /// Not known (an atom treated as an independent unknown).
    Free,
}

#[derive(Clone, Debug)]
struct Choice {
    bits: u128,
    witness: Witness,
}

#[derive(Debug)]
struct FieldInfo {
    steps: Vec<Step>,
    atoms: Vec<usize>,
    choices: Vec<Choice>,
}

#[derive(Default, Debug)]
struct Universe {
    atoms: Vec<Atom>,
    keys: HashMap<String, usize>,
    fields: Vec<FieldInfo>,
}

/// Fields CloudTrail writes as a string on every record.
const ALWAYS_STRING: &[&str] = &[
    "eventTime",
    "eventVersion",
    "eventSource",
    "eventName",
    "awsRegion",
    "eventID",
    "sourceIPAddress",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Domain {
    /// Any JSON value, or nothing.
    Any,
    /// A string, `null`, or nothing (documented string fields).
    StringLeaf,
    /// Always a string.
    AlwaysString,
}

fn domain(steps: &[Step]) -> Domain {
    let mut dotted = String::new();
    for (i, s) in steps.iter().enumerate() {
        match s {
            Step::Key(k) if !k.contains('.') => {
                if i > 0 {
                    dotted.push('.');
                }
                dotted.push_str(k);
            }
            _ => return Domain::Any,
        }
    }
    if ALWAYS_STRING.contains(&dotted.as_str()) {
        return Domain::AlwaysString;
    }
    match FieldId::from_path(&dotted) {
        Some(f) if f.is_leaf() && !crate::eval::RETYPED_LEAVES.contains(&f) => Domain::StringLeaf,
        _ => Domain::Any,
    }
}

impl Universe {
    fn atom(&mut self, steps: &[Step], pred: APred) -> usize {
        let key = format!("{steps:?}|{pred:?}");
        if let Some(&i) = self.keys.get(&key) {
            return i;
        }
        let i = self.atoms.len();
        self.atoms.push(Atom {
            steps: steps.to_vec(),
            pred,
            field: 0,
            bit: 0,
        });
        self.keys.insert(key, i);
        i
    }

    fn formula(&mut self, e: &Expr) -> F {
        match e {
            Expr::And(v) => F::And(v.iter().map(|e| self.formula(e)).collect()),
            Expr::Or(v) => F::Or(v.iter().map(|e| self.formula(e)).collect()),
            Expr::Test(t) => {
                let pred = match &t.check {
                    Check::NotExists => APred::NotExists,
                    Check::IsNull => APred::IsNull,
                    Check::IsTrue => APred::IsTrue,
                    Check::IsFalse => APred::IsFalse,
                    Check::Compare { op, value } => match value {
                        Literal::Str(s) => match op {
                            Op::Eq => APred::Eq(s.wildcard()),
                            Op::Ne => APred::Ne(s.wildcard()),
                            _ => APred::Never,
                        },
                        Literal::Number(n) => APred::Num {
                            op: *op,
                            value: n.value,
                            text: n.text.clone(),
                        },
                        Literal::Regex(r) => match op {
                            Op::Eq | Op::Ne => APred::Regex {
                                source: r.source.clone(),
                                negate: *op == Op::Ne,
                            },
                            _ => APred::Never,
                        },
                    },
                };
                F::Atom(self.atom(&t.selector.steps, pred))
            }
        }
    }

    /// Group atoms into fields and work out each field's possible combinations.
    fn build_fields(&mut self) {
        let mut by_steps: Vec<(Vec<Step>, Vec<usize>)> = Vec::new();
        for (i, a) in self.atoms.iter().enumerate() {
            let exact = !a.steps.iter().any(|s| matches!(s, Step::AnyElement | Step::AnyMember))
                && !matches!(a.pred, APred::Regex { .. });
            if !exact {
                // An independent unknown.
                by_steps.push((a.steps.clone(), vec![i]));
                continue;
            }
            match by_steps
                .iter_mut()
                .find(|(s, atoms)| *s == a.steps && atoms.first().is_some_and(|&j| is_exact(&self.atoms[j])))
            {
                Some((_, atoms)) => atoms.push(i),
                None => by_steps.push((a.steps.clone(), vec![i])),
            }
        }
        for (steps, atoms) in by_steps {
            let analysed = if atoms.len() <= 128 && atoms.first().is_some_and(|&a| is_exact(&self.atoms[a])) {
                let preds: Vec<&APred> = atoms.iter().map(|&a| &self.atoms[a].pred).collect();
                field_choices(&preds, domain(&steps))
            } else {
                None
            };
            match analysed {
                Some(choices) => self.push_field(steps, atoms, choices),
                None => {
                    // Each atom becomes an independent unknown: every combination stays possible.
                    for a in atoms {
                        self.push_field(steps.clone(), vec![a], free_choices());
                    }
                }
            }
        }
    }

    fn push_field(&mut self, steps: Vec<Step>, atoms: Vec<usize>, choices: Vec<Choice>) {
        let fi = self.fields.len();
        for (bit, &a) in atoms.iter().enumerate() {
            self.atoms[a].field = fi;
            self.atoms[a].bit = u32::try_from(bit).unwrap_or(u32::MAX);
        }
        self.fields.push(FieldInfo { steps, atoms, choices });
    }

    /// A record for a counterexample, and the conditions it shows. `None` for the record when a
    /// value could not be built.
    fn realize(&self, assignment: &[Option<usize>]) -> (Option<String>, Vec<String>) {
        let mut tree = template();
        let mut conditions = Vec::new();
        let mut buildable = true;
        for (fi, choice) in assignment.iter().enumerate() {
            let Some(ci) = choice else { continue };
            let field = &self.fields[fi];
            let choice = &field.choices[*ci];
            let path = selector_text(&field.steps);
            let path = path.strip_prefix("$.").unwrap_or(&path).to_owned();
            let value = match &choice.witness {
                Witness::Free => {
                    // Left as in the template; running both patterns on the record decides.
                    for (bit, &a) in field.atoms.iter().enumerate() {
                        let holds = choice.bits >> bit & 1 == 1;
                        conditions.push(format!(
                            "`{}` is {}",
                            describe_atom(&self.atoms[a]),
                            if holds { "true" } else { "false" }
                        ));
                    }
                    continue;
                }
                Witness::Missing => {
                    conditions.push(format!("{path} is absent"));
                    None
                }
                Witness::Null => {
                    conditions.push(format!("{path} is null"));
                    Some(J::Null)
                }
                Witness::Bool(b) => {
                    conditions.push(format!("{path} is {b}"));
                    Some(J::Bool(*b))
                }
                Witness::Container => {
                    conditions.push(format!("{path} is an object"));
                    Some(J::Obj(Vec::new()))
                }
                Witness::Str(s) => {
                    conditions.push(format!("{path} is {s:?}"));
                    Some(J::Str(s.clone()))
                }
                Witness::Num(n) => {
                    conditions.push(format!("{path} is the number {n}"));
                    Some(J::Num(n.clone()))
                }
            };
            if !set_path(&mut tree, &field.steps, value) {
                buildable = false;
            }
        }
        let json = buildable.then(|| {
            let mut out = String::new();
            tree.write(&mut out);
            out
        });
        (json, conditions)
    }
}

fn is_exact(a: &Atom) -> bool {
    !a.steps.iter().any(|s| matches!(s, Step::AnyElement | Step::AnyMember)) && !matches!(a.pred, APred::Regex { .. })
}

fn describe_atom(a: &Atom) -> String {
    let sel = selector_text(&a.steps);
    match &a.pred {
        APred::Eq(w) => format!("{sel} = {}", wildcard_text(w)),
        APred::Ne(w) => format!("{sel} != {}", wildcard_text(w)),
        APred::Num { op, text, .. } => format!("{sel} {} {text}", op.as_str()),
        APred::Regex { source, negate } => format!("{sel} {} %{source}%", if *negate { "!=" } else { "=" }),
        APred::IsNull => format!("{sel} IS NULL"),
        APred::IsTrue => format!("{sel} IS TRUE"),
        APred::IsFalse => format!("{sel} IS FALSE"),
        APred::NotExists => format!("{sel} NOT EXISTS"),
        APred::Never => format!("{sel} (never true)"),
    }
}

fn wildcard_text(w: &Wildcard) -> String {
    match w {
        Wildcard::Any => "*".into(),
        Wildcard::Exact(t) => format!("{t:?}"),
        Wildcard::Prefix(t) => format!("\"{t}*\""),
        Wildcard::Suffix(t) => format!("\"*{t}\""),
        Wildcard::Contains(t) => format!("\"*{t}*\""),
    }
}

/// Both values of one independent unknown.
fn free_choices() -> Vec<Choice> {
    vec![
        Choice {
            bits: 0,
            witness: Witness::Free,
        },
        Choice {
            bits: 1,
            witness: Witness::Free,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Field analysis.

/// Evaluate a predicate on a value.
fn eval_pred(p: &APred, w: &Witness, string_test: &dyn Fn(&Wildcard) -> bool) -> bool {
    match (p, w) {
        (APred::NotExists, Witness::Missing) => true,
        (APred::IsNull, Witness::Null) => true,
        (APred::IsTrue, Witness::Bool(true)) => true,
        (APred::IsFalse, Witness::Bool(false)) => true,
        (APred::Eq(x), Witness::Str(_)) => string_test(x),
        (APred::Ne(x), Witness::Str(_)) => !string_test(x),
        (APred::Eq(x), Witness::Num(t)) => x.is_match(t),
        (APred::Ne(x), Witness::Num(t)) => !x.is_match(t),
        (APred::Num { op, text, .. }, Witness::Str(_)) => match op {
            Op::Eq => string_test(&Wildcard::Exact(text.clone())),
            Op::Ne => !string_test(&Wildcard::Exact(text.clone())),
            _ => false,
        },
        (APred::Num { op, value, .. }, Witness::Num(t)) => t.parse::<f64>().is_ok_and(|v| op.compare(v, *value)),
        _ => false,
    }
}

fn vector(preds: &[&APred], w: &Witness, string_test: &dyn Fn(&Wildcard) -> bool) -> u128 {
    let mut bits = 0u128;
    for (i, p) in preds.iter().enumerate() {
        if eval_pred(p, w, string_test) {
            bits |= 1 << i;
        }
    }
    bits
}

/// Characters a number's JSON text is made of.
fn numberish(t: &str) -> bool {
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
}

/// Every combination of the predicates' values on one selector, with a witness each. `None` when
/// the field cannot be analysed exactly.
fn field_choices(preds: &[&APred], domain: Domain) -> Option<Vec<Choice>> {
    let mut found: Vec<Choice> = Vec::new();
    let add = |bits: u128, witness: Witness, found: &mut Vec<Choice>| {
        if let Some(c) = found.iter_mut().find(|c| c.bits == bits) {
            // Prefer a readable witness: a non-empty string over an empty one.
            if matches!(&c.witness, Witness::Str(s) if s.is_empty())
                && matches!(&witness, Witness::Str(s) if !s.is_empty())
            {
                c.witness = witness;
            }
            return;
        }
        found.push(Choice { bits, witness });
    };
    let no_string = |_: &Wildcard| false;
    if domain != Domain::AlwaysString {
        add(
            vector(preds, &Witness::Missing, &no_string),
            Witness::Missing,
            &mut found,
        );
        add(vector(preds, &Witness::Null, &no_string), Witness::Null, &mut found);
    }
    if domain == Domain::Any {
        for w in [Witness::Bool(true), Witness::Bool(false), Witness::Container] {
            add(vector(preds, &w, &no_string), w, &mut found);
        }
        // Numbers: values on both sides of every constant, and the constants as written.
        let mut values: Vec<f64> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        for p in preds {
            match p {
                APred::Num { value, text, .. } => {
                    values.push(*value);
                    texts.push(text.clone());
                }
                APred::Eq(w) | APred::Ne(w) if w != &Wildcard::Any && numberish(w.text()) => {
                    // A text test that a number's text might pass: not analysed exactly.
                    return None;
                }
                _ => {}
            }
        }
        values.sort_by(f64::total_cmp);
        values.dedup();
        let mut reps: Vec<f64> = vec![0.0];
        for (i, v) in values.iter().enumerate() {
            reps.push(*v);
            reps.push(v - 1.0);
            reps.push(v + 1.0);
            if let Some(next) = values.get(i + 1) {
                reps.push(v + (next - v) / 2.0);
            }
        }
        for r in reps {
            if r.is_finite() {
                texts.push(number_text(r));
            }
        }
        for t in texts {
            let w = Witness::Num(t);
            add(vector(preds, &w, &no_string), w, &mut found);
        }
    }
    // Strings: every reachable state of the literals' automata.
    let mut wildcards: Vec<Wildcard> = Vec::new();
    for p in preds {
        match p {
            APred::Eq(w) | APred::Ne(w) => wildcards.push(w.clone()),
            APred::Num {
                op: Op::Eq | Op::Ne,
                text,
                ..
            } => wildcards.push(Wildcard::Exact(text.clone())),
            _ => {}
        }
    }
    let strings = string_witnesses(&wildcards)?;
    // Readable witnesses first: the literals themselves, then a word no literal is about.
    let mut readable: Vec<String> = wildcards.iter().map(|w| w.text().to_owned()).collect();
    readable.push("OtherValue".into());
    for s in readable.into_iter().chain(strings) {
        let test = |w: &Wildcard| w.is_match(&s);
        let bits = vector(preds, &Witness::Str(String::new()), &test);
        add(bits, Witness::Str(s), &mut found);
    }
    Some(found)
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The literals' automaton state after some input.
#[derive(Clone, PartialEq, Eq, Hash)]
struct SState {
    /// The input, while it is a prefix of an exact or prefix literal.
    track: Option<String>,
    /// Prefix literals the input starts with, once `track` is gone.
    prefixes: u64,
    /// The longest suffix of the input that is a prefix of a suffix or substring literal.
    tail: String,
    /// Substring literals seen.
    seen: u64,
}

/// A set of strings that together show every combination of the wildcards' values that any
/// string can show. `None` when there are too many literals or states.
fn string_witnesses(wildcards: &[Wildcard]) -> Option<Vec<String>> {
    let mut heads: Vec<&str> = Vec::new(); // exact and prefix literals
    let mut prefixes: Vec<&str> = Vec::new();
    let mut tails: Vec<&str> = Vec::new(); // suffix and substring literals
    let mut contains: Vec<&str> = Vec::new();
    for w in wildcards {
        match w {
            Wildcard::Any => {}
            Wildcard::Exact(t) => heads.push(t),
            Wildcard::Prefix(t) => {
                heads.push(t);
                prefixes.push(t);
            }
            Wildcard::Suffix(t) => tails.push(t),
            Wildcard::Contains(t) => {
                tails.push(t);
                contains.push(t);
            }
        }
    }
    if prefixes.len() > 64 || contains.len() > 64 {
        return None;
    }
    let head_prefixes: HashSet<&str> = heads
        .iter()
        .flat_map(|t| t.char_indices().map(|(i, _)| &t[..i]).chain(std::iter::once(*t)))
        .collect();
    let mut tail_prefixes: HashSet<&str> = tails
        .iter()
        .flat_map(|t| t.char_indices().map(|(i, _)| &t[..i]).chain(std::iter::once(*t)))
        .collect();
    // The empty tail always qualifies; the shortening loop below stops there.
    tail_prefixes.insert("");
    let mut alphabet: Vec<char> = heads.iter().chain(tails.iter()).flat_map(|t| t.chars()).collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    let fresh = "xyzqXYZQ0123456789_-~"
        .chars()
        .chain('\u{E000}'..='\u{E0FF}')
        .find(|c| !alphabet.contains(c))?;
    alphabet.push(fresh);

    let seen_of = |tail: &str| -> u64 {
        let mut m = 0;
        for (i, t) in contains.iter().enumerate() {
            if tail.ends_with(t) {
                m |= 1 << i;
            }
        }
        m
    };
    let start = SState {
        track: Some(String::new()),
        prefixes: 0,
        tail: String::new(),
        seen: seen_of(""),
    };
    let mut visited: HashSet<SState> = HashSet::new();
    let mut queue: VecDeque<(SState, String)> = VecDeque::new();
    let mut out = Vec::new();
    visited.insert(start.clone());
    queue.push_back((start, String::new()));
    const MAX_STATES: usize = 50_000;
    while let Some((st, input)) = queue.pop_front() {
        out.push(input.clone());
        for &c in &alphabet {
            let track = match &st.track {
                Some(s) => {
                    let mut n = s.clone();
                    n.push(c);
                    head_prefixes.contains(n.as_str()).then_some(n)
                }
                None => None,
            };
            let prefixes_mask = match (&st.track, &track) {
                (Some(s), None) => {
                    let mut n = s.clone();
                    n.push(c);
                    let mut m = 0;
                    for (i, p) in prefixes.iter().enumerate() {
                        if n.starts_with(p) {
                            m |= 1 << i;
                        }
                    }
                    m
                }
                _ => st.prefixes,
            };
            let mut tail = st.tail.clone();
            tail.push(c);
            while !tail.is_empty() && !tail_prefixes.contains(tail.as_str()) {
                let mut it = tail.chars();
                it.next();
                tail = it.as_str().to_owned();
            }
            let next = SState {
                track,
                prefixes: prefixes_mask,
                seen: st.seen | seen_of(&tail),
                tail,
            };
            if visited.contains(&next) {
                continue;
            }
            if visited.len() >= MAX_STATES {
                return None;
            }
            visited.insert(next.clone());
            let mut s = input.clone();
            s.push(c);
            queue.push_back((next, s));
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Normal form and search.

/// The formula as alternatives of conjunctions of atoms; `None` beyond `cap` conjunctions.
fn dnf(f: &F, cap: usize) -> Option<Vec<Vec<usize>>> {
    Some(match f {
        F::True => vec![Vec::new()],
        F::Atom(a) => vec![vec![*a]],
        F::Or(v) => {
            let mut out = Vec::new();
            for e in v {
                out.extend(dnf(e, cap)?);
                if out.len() > cap {
                    return None;
                }
            }
            out
        }
        F::And(v) => {
            let mut acc: Vec<Vec<usize>> = vec![Vec::new()];
            for e in v {
                let d = dnf(e, cap)?;
                let mut next = Vec::with_capacity(acc.len() * d.len());
                for a in &acc {
                    for b in &d {
                        let mut c = a.clone();
                        c.extend(b.iter().copied());
                        c.sort_unstable();
                        c.dedup();
                        next.push(c);
                        if next.len() > cap {
                            return None;
                        }
                    }
                }
                acc = next;
            }
            acc
        }
    })
}

struct Search<'a> {
    u: &'a Universe,
    c: &'a F,
    steps: usize,
    budget: usize,
}

fn atoms_of(f: &F, out: &mut Vec<usize>) {
    match f {
        F::True => {}
        F::Atom(a) => out.push(*a),
        F::And(v) | F::Or(v) => v.iter().for_each(|e| atoms_of(e, out)),
    }
}

impl Search<'_> {
    /// Three-valued value of the candidate under a partial assignment (field → choice).
    fn eval(&self, f: &F, assign: &[Option<usize>]) -> Option<bool> {
        match f {
            F::True => Some(true),
            F::Atom(a) => {
                let atom = &self.u.atoms[*a];
                assign[atom.field].map(|ci| self.u.fields[atom.field].choices[ci].bits >> atom.bit & 1 == 1)
            }
            F::And(v) => {
                let mut all = Some(true);
                for e in v {
                    match self.eval(e, assign) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            F::Or(v) => {
                let mut any = Some(false);
                for e in v {
                    match self.eval(e, assign) {
                        Some(true) => return Some(true),
                        None => any = None,
                        Some(false) => {}
                    }
                }
                any
            }
        }
    }

    /// A choice per field that satisfies `conj` and makes the candidate false.
    fn counterexample(&mut self, conj: &[usize]) -> Option<Vec<Option<usize>>> {
        let u = self.u;
        // What the conjunction requires of each field.
        let mut need: HashMap<usize, u128> = HashMap::new();
        for &a in conj {
            let atom = &u.atoms[a];
            *need.entry(atom.field).or_default() |= 1 << atom.bit;
        }
        let allowed = |fi: usize| -> Vec<usize> {
            let need = need.get(&fi).copied().unwrap_or(0);
            u.fields[fi]
                .choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.bits & need == need)
                .map(|(i, _)| i)
                .collect()
        };
        let mut assign: Vec<Option<usize>> = vec![None; u.fields.len()];
        for &fi in need.keys() {
            let a = allowed(fi);
            let Some(&first) = a.first() else {
                return None; // The conjunction cannot hold.
            };
            assign[fi] = Some(first);
        }
        // The candidate's fields, each with its choices that differ on the candidate's atoms.
        let mut c_atoms = Vec::new();
        atoms_of(self.c, &mut c_atoms);
        let mut c_fields: Vec<usize> = Vec::new();
        for a in &c_atoms {
            let f = u.atoms[*a].field;
            if !c_fields.contains(&f) {
                c_fields.push(f);
            }
        }
        let mut options: Vec<Vec<usize>> = Vec::with_capacity(c_fields.len());
        for &fi in &c_fields {
            let mask: u128 = c_atoms
                .iter()
                .filter(|&&a| u.atoms[a].field == fi)
                .fold(0, |m, &a| m | 1 << u.atoms[a].bit);
            let mut seen = HashSet::new();
            let opts: Vec<usize> = allowed(fi)
                .into_iter()
                .filter(|&ci| seen.insert(u.fields[fi].choices[ci].bits & mask))
                .collect();
            options.push(opts);
        }
        for &fi in &c_fields {
            assign[fi] = None;
        }
        if self.dfs(0, &c_fields, &options, &mut assign) {
            // Fields of the conjunction left open: any allowed choice.
            for &fi in need.keys() {
                if assign[fi].is_none() {
                    assign[fi] = allowed(fi).first().copied();
                }
            }
            return Some(assign);
        }
        None
    }

    fn dfs(&mut self, k: usize, fields: &[usize], options: &[Vec<usize>], assign: &mut Vec<Option<usize>>) -> bool {
        self.steps += 1;
        if self.steps > self.budget {
            return false;
        }
        match self.eval(self.c, assign) {
            Some(true) => return false,
            Some(false) => return true,
            None => {}
        }
        if k == fields.len() {
            return false;
        }
        let fi = fields[k];
        for &ci in &options[k] {
            assign[fi] = Some(ci);
            if self.dfs(k + 1, fields, options, assign) {
                return true;
            }
        }
        assign[fi] = None;
        false
    }
}

// ---------------------------------------------------------------------------------------------
// Witness records.

/// A small ordered JSON tree for building example records.
#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn from_raw(r: Raw<'_>) -> J {
        match r.kind() {
            JsonKind::Null => J::Null,
            JsonKind::Bool => J::Bool(r.text() == "true"),
            JsonKind::Number => J::Num(r.text().to_owned()),
            JsonKind::String => J::Str(r.as_str().map(|s| s.into_owned()).unwrap_or_default()),
            JsonKind::Array => J::Arr(r.elements().into_iter().map(J::from_raw).collect()),
            JsonKind::Object => J::Obj(
                r.members()
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), J::from_raw(v)))
                    .collect(),
            ),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => trailguard_json::escape_into(out, s),
            J::Arr(v) => {
                out.push('[');
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    e.write(out);
                }
                out.push(']');
            }
            J::Obj(v) => {
                out.push('{');
                for (i, (k, e)) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    trailguard_json::escape_into(out, k);
                    out.push(':');
                    e.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// A realistic management-event record that examples start from.
const TEMPLATE: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEUSER00001","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEKEY000001","userName":"alice"},"eventTime":"2024-05-01T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.11","userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"requestID":"8d2f1b7e-0000-4000-8000-000000000001","eventID":"0a1b2c3d-0000-4000-8000-0000000000ff","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

fn template() -> J {
    Raw::parse(TEMPLATE).map(J::from_raw).unwrap_or(J::Obj(Vec::new()))
}

/// Set (or with `None`, remove) the value at `steps`; false when the path cannot be built.
fn set_path(node: &mut J, steps: &[Step], value: Option<J>) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return false;
    };
    match step {
        Step::Key(k) => {
            if !matches!(node, J::Obj(_)) {
                if value.is_none() {
                    return true; // Nothing there to remove.
                }
                *node = J::Obj(Vec::new());
            }
            let J::Obj(members) = node else { return false };
            let pos = members.iter().position(|(name, _)| name == &**k);
            if rest.is_empty() {
                match (pos, value) {
                    (Some(i), Some(v)) => members[i].1 = v,
                    (None, Some(v)) => members.push((k.to_string(), v)),
                    (Some(i), None) => {
                        members.remove(i);
                    }
                    (None, None) => {}
                }
                return true;
            }
            let i = match pos {
                Some(i) => i,
                None if value.is_none() => return true,
                None => {
                    members.push((k.to_string(), J::Obj(Vec::new())));
                    members.len() - 1
                }
            };
            set_path(&mut members[i].1, rest, value)
        }
        Step::Index(i) => {
            if *i > 1024 {
                return false;
            }
            if !matches!(node, J::Arr(_)) {
                if value.is_none() {
                    return true;
                }
                *node = J::Arr(Vec::new());
            }
            let J::Arr(items) = node else { return false };
            if rest.is_empty() {
                match value {
                    Some(v) => {
                        while items.len() <= *i {
                            items.push(J::Null);
                        }
                        items[*i] = v;
                    }
                    None => items.truncate(*i),
                }
                return true;
            }
            if items.len() <= *i {
                if value.is_none() {
                    return true;
                }
                while items.len() <= *i {
                    items.push(J::Obj(Vec::new()));
                }
            }
            set_path(&mut items[*i], rest, value)
        }
        Step::AnyElement | Step::AnyMember => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn witnesses(ws: &[Wildcard]) -> HashSet<Vec<bool>> {
        string_witnesses(ws)
            .unwrap()
            .iter()
            .map(|s| ws.iter().map(|w| w.is_match(s)).collect())
            .collect()
    }

    #[test]
    fn automaton_finds_every_combination() {
        // Brute force over short strings of a small alphabet gives the reachable combinations.
        let cases: Vec<Vec<Wildcard>> = vec![
            vec![
                Wildcard::Prefix("ab".into()),
                Wildcard::Suffix("ba".into()),
                Wildcard::Contains("aba".into()),
            ],
            vec![
                Wildcard::Exact("ab".into()),
                Wildcard::Prefix("a".into()),
                Wildcard::Suffix("b".into()),
            ],
            vec![
                Wildcard::Contains("aa".into()),
                Wildcard::Contains("ab".into()),
                Wildcard::Suffix("a".into()),
                Wildcard::Exact("".into()),
            ],
        ];
        for ws in cases {
            let got = witnesses(&ws);
            let mut want = HashSet::new();
            let alpha = ['a', 'b', 'c'];
            for len in 0..=7u32 {
                for n in 0..3usize.pow(len) {
                    let mut s = String::new();
                    let mut k = n;
                    for _ in 0..len {
                        s.push(alpha[k % 3]);
                        k /= 3;
                    }
                    want.insert(ws.iter().map(|w| w.is_match(&s)).collect::<Vec<_>>());
                }
            }
            assert_eq!(got, want, "{ws:?}");
        }
    }

    #[test]
    fn example_records_are_built() {
        let mut t = template();
        assert!(set_path(
            &mut t,
            &[Step::Key("errorCode".into())],
            Some(J::Str("AccessDenied".into()))
        ));
        assert!(set_path(
            &mut t,
            &[Step::Key("userIdentity".into()), Step::Key("type".into())],
            None
        ));
        assert!(set_path(
            &mut t,
            &[Step::Key("resources".into()), Step::Index(1), Step::Key("ARN".into())],
            Some(J::Str("arn:x".into()))
        ));
        let mut s = String::new();
        t.write(&mut s);
        let ev = decode_event_text(&s).unwrap();
        assert_eq!(ev.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(ev.identity_type(), None);
        assert_eq!(ev.resources.len(), 2);
    }
}
