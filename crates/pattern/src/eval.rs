//! The compiled matcher: built once from the tree, run against many events.
//!
//! - JSON patterns read fields through [`FieldPath`]s with explicit fan-out, so a documented
//!   scalar (`eventName`, `userIdentity.type`, `errorCode`) is read from the typed record with no
//!   scanning, a payload path scans only that payload, and anything else walks the record's text.
//!   Alternatives that compare one selector with several strings (`$.eventName = A || … || Z`)
//!   become one set lookup; conjunctions and alternatives run their cheapest parts first.
//! - Strings with `*` at an end become prefix / suffix / substring tests; regexes that are only
//!   text become substring searches; everything else runs on the `regex` crate (linear time).
//! - Term patterns are substring searches with prebuilt finders.

use std::borrow::Cow;
use std::cell::OnceCell;

use memchr::memmem::Finder;
use rustc_hash::FxHashSet;
use trailguard_json::{Kind as JsonKind, Raw, Value};
use trailguard_model::{Event, Fanout, FieldId, FieldPath, Leaf, Step};

use crate::ast::{Ast, Check, Expr, Field, Literal, Op, TermKind, Wildcard};
use crate::delimited::{self, Cond, PField};
use crate::error::{ParseError, ParseErrorKind};
use crate::regex::{Plan, analyze, build};

/// A test on a piece of text.
#[derive(Debug)]
pub(crate) enum TextMatcher {
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Contains(Box<Finder<'static>>),
    Regex(Box<regex::Regex>),
}

impl TextMatcher {
    pub(crate) fn from_wildcard(w: &Wildcard) -> TextMatcher {
        match w {
            Wildcard::Any => TextMatcher::Any,
            Wildcard::Exact(t) => TextMatcher::Exact(t.as_str().into()),
            Wildcard::Prefix(t) if t.is_empty() => TextMatcher::Any,
            Wildcard::Prefix(t) => TextMatcher::Prefix(t.as_str().into()),
            Wildcard::Suffix(t) if t.is_empty() => TextMatcher::Any,
            Wildcard::Suffix(t) => TextMatcher::Suffix(t.as_str().into()),
            Wildcard::Contains(t) if t.is_empty() => TextMatcher::Any,
            Wildcard::Contains(t) => TextMatcher::Contains(Box::new(Finder::new(t.as_bytes()).into_owned())),
        }
    }

    /// A regex in CloudWatch Logs' dialect; `at` is where its text starts in `pattern`.
    pub(crate) fn from_regex(source: &str, at: usize, pattern: &str) -> Result<TextMatcher, ParseError> {
        Ok(match analyze(source, at, pattern, None)? {
            Plan::Literal { text, start, end } => match (start, end) {
                (true, true) => TextMatcher::Exact(text.into()),
                (true, false) if text.is_empty() => TextMatcher::Any,
                (true, false) => TextMatcher::Prefix(text.into()),
                (false, true) if text.is_empty() => TextMatcher::Any,
                (false, true) => TextMatcher::Suffix(text.into()),
                (false, false) if text.is_empty() => TextMatcher::Any,
                (false, false) => TextMatcher::Contains(Box::new(Finder::new(text.as_bytes()).into_owned())),
            },
            Plan::Regex(r) => TextMatcher::Regex(Box::new(build(&r).map_err(|reason| {
                ParseError::new(
                    ParseErrorKind::Regex { reason },
                    crate::ast::Span::new(at, at + source.len()),
                    pattern,
                )
            })?)),
        })
    }

    #[inline]
    pub(crate) fn is_match(&self, s: &str) -> bool {
        match self {
            TextMatcher::Any => true,
            TextMatcher::Exact(t) => s == &**t,
            TextMatcher::Prefix(t) => s.starts_with(&**t),
            TextMatcher::Suffix(t) => s.ends_with(&**t),
            TextMatcher::Contains(f) => f.find(s.as_bytes()).is_some(),
            TextMatcher::Regex(r) => r.is_match(s),
        }
    }

    fn cost(&self) -> u32 {
        match self {
            TextMatcher::Regex(_) => 8,
            TextMatcher::Contains(_) => 2,
            _ => 1,
        }
    }
}

/// A selected value, as the tests see it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Str(&'a str),
    /// A number, as its JSON text.
    Num(&'a str),
    /// An array or an object.
    Container,
}

fn with_value<R>(v: &Value<'_>, f: impl FnOnce(Node<'_>) -> R) -> R {
    match v {
        Value::Null => f(Node::Null),
        Value::Bool(b) => f(Node::Bool(*b)),
        Value::Number(n) => f(Node::Num(n)),
        Value::String(s) => f(Node::Str(s)),
        Value::Array(_) | Value::Object(_) => f(Node::Container),
    }
}

/// A set of exact strings, or other text tests, any of which may match.
#[derive(Debug, Default)]
pub(crate) struct AnyOf {
    small: Vec<Box<str>>,
    set: FxHashSet<Box<str>>,
    others: Vec<TextMatcher>,
}

impl AnyOf {
    fn is_match(&self, s: &str) -> bool {
        (if self.set.is_empty() {
            self.small.iter().any(|t| &**t == s)
        } else {
            self.set.contains(s)
        }) || self.others.iter().any(|m| m.is_match(s))
    }
}

/// A test on one selected value.
#[derive(Debug)]
pub(crate) enum Pred {
    /// `=` a string (or a regex): true for a string or number whose text matches.
    Text(TextMatcher),
    /// `!=` a string (or a regex): true for a string or number whose text does not match.
    NotText(TextMatcher),
    /// Several `=` alternatives on one selector.
    AnyOf(AnyOf),
    /// A comparison with a number literal.
    Number {
        op: Op,
        value: f64,
        text: Box<str>,
    },
    IsNull,
    IsTrue,
    IsFalse,
    Never,
}

impl Pred {
    #[inline]
    fn test(&self, n: Node<'_>) -> bool {
        match (self, n) {
            (Pred::Text(m), Node::Str(s) | Node::Num(s)) => m.is_match(s),
            (Pred::NotText(m), Node::Str(s) | Node::Num(s)) => !m.is_match(s),
            (Pred::AnyOf(a), Node::Str(s) | Node::Num(s)) => a.is_match(s),
            (Pred::Number { op, value, .. }, Node::Num(t)) => t.parse::<f64>().is_ok_and(|v| op.compare(v, *value)),
            (Pred::Number { op, text, .. }, Node::Str(s)) => match op {
                Op::Eq => s == &**text,
                Op::Ne => s != &**text,
                _ => false,
            },
            (Pred::IsNull, Node::Null) => true,
            (Pred::IsTrue, Node::Bool(true)) => true,
            (Pred::IsFalse, Node::Bool(false)) => true,
            _ => false,
        }
    }
}

/// How a selector is read from an event.
#[derive(Debug)]
pub(crate) enum Access {
    /// A documented scalar, from the typed record.
    Leaf(FieldId),
    /// Through the model's path access (payloads, containers, unknown fields).
    Path(FieldPath),
    /// By walking the record's text: for keys holding dots (which the model would read as a
    /// nested path) and for scalars whose typed slot may not show the JSON type
    /// (`readOnly` written as `"true"`, `mfaAuthenticated` written as `false`).
    Text,
}

/// Leaves whose typed slot may hold a value of another JSON type than the record's text: the
/// decoder turns booleans and numbers into text for these, and `"true"`/`"false"` into booleans
/// for the boolean ones. Filter patterns distinguish the types, so these are read from the text.
pub(crate) const RETYPED_LEAVES: &[FieldId] = &[
    FieldId::ManagementEvent,
    FieldId::ReadOnly,
    FieldId::MfaAuthenticated,
    FieldId::Ec2RoleDelivery,
    FieldId::AssumedRoot,
    FieldId::Ec2IssuedInVpc,
    FieldId::SessionCredentialFromConsole,
];

/// A compiled selector.
#[derive(Debug)]
pub(crate) struct Sel {
    steps: Vec<Step>,
    access: Access,
}

impl Sel {
    pub(crate) fn new(steps: &[Step]) -> Sel {
        let path = FieldPath::from_steps(crate::ast::selector_text(steps), steps.to_vec(), Fanout::Explicit);
        let dotted_key = steps.iter().any(|s| matches!(s, Step::Key(k) if k.contains('.')));
        let access = if dotted_key {
            Access::Text
        } else {
            match path.leaf() {
                Some(id) if RETYPED_LEAVES.contains(&id) => Access::Text,
                Some(id) => Access::Leaf(id),
                None => Access::Path(path),
            }
        };
        Sel {
            steps: steps.to_vec(),
            access,
        }
    }

    fn cost(&self) -> u32 {
        match &self.access {
            Access::Leaf(_) => 1,
            Access::Path(p) if matches!(p.steps().first(), Some(Step::Key(k)) if FieldId::from_path(k).is_some_and(|f| f.is_payload())) => {
                6
            }
            _ => 12,
        }
    }

    fn same_as(&self, other: &Sel) -> bool {
        self.steps == other.steps
    }
}

/// Walk `steps` from `node` with explicit fan-out; returns false when `f` asked to stop.
fn walk(node: Raw<'_>, steps: &[Step], f: &mut dyn FnMut(Node<'_>) -> bool) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return with_value(&node.value(), f);
    };
    match step {
        Step::Key(k) => match node.kind() {
            JsonKind::Object => node.get(k).is_none_or(|v| walk(v, rest, f)),
            _ => true,
        },
        Step::Index(i) => node.index(*i).is_none_or(|v| walk(v, rest, f)),
        Step::AnyElement => {
            let mut go_on = true;
            node.for_each_element(|el| {
                go_on = walk(el, rest, f);
                go_on
            });
            go_on
        }
        Step::AnyMember => {
            let mut go_on = true;
            node.for_each_member(|_, v| {
                go_on = walk(v, rest, f);
                go_on
            });
            go_on
        }
    }
}

/// What a JSON pattern is evaluated on.
pub(crate) enum Doc<'d, 'e> {
    Event(&'d Event<'e>),
    Text(Raw<'d>),
}

impl Doc<'_, '_> {
    #[inline]
    fn visit(&self, sel: &Sel, f: &mut dyn FnMut(Node<'_>) -> bool) {
        match self {
            Doc::Event(ev) => match &sel.access {
                Access::Leaf(id) => {
                    match ev.leaf(*id) {
                        Leaf::Missing => {}
                        Leaf::Null => {
                            f(Node::Null);
                        }
                        Leaf::Str(s) => {
                            f(Node::Str(s));
                        }
                        Leaf::Bool(b) => {
                            f(Node::Bool(b));
                        }
                    };
                }
                Access::Path(p) => ev.visit(p, &mut |v| with_value(&v, &mut *f)),
                Access::Text => {
                    walk(ev.raw, &sel.steps, f);
                }
            },
            Doc::Text(raw) => {
                walk(*raw, &sel.steps, f);
            }
        }
    }
}

/// A compiled JSON condition.
#[derive(Debug)]
pub(crate) enum JNode {
    And(Box<[JNode]>),
    Or(Box<[JNode]>),
    /// True when some selected value passes.
    Some(Box<(Sel, Pred)>),
    /// True when the selector selects nothing.
    Absent(Box<Sel>),
}

impl JNode {
    fn eval(&self, d: &Doc<'_, '_>) -> bool {
        match self {
            JNode::And(v) => v.iter().all(|n| n.eval(d)),
            JNode::Or(v) => v.iter().any(|n| n.eval(d)),
            JNode::Some(t) => {
                let (sel, pred) = &**t;
                // The common case, a documented scalar of a record: no closure, no scanning.
                if let (Doc::Event(ev), Access::Leaf(id)) = (d, &sel.access) {
                    return match ev.leaf(*id) {
                        Leaf::Missing => false,
                        Leaf::Null => pred.test(Node::Null),
                        Leaf::Str(s) => pred.test(Node::Str(s)),
                        Leaf::Bool(b) => pred.test(Node::Bool(b)),
                    };
                }
                let mut hit = false;
                d.visit(sel, &mut |n| {
                    hit = pred.test(n);
                    !hit
                });
                hit
            }
            JNode::Absent(sel) => {
                if let (Doc::Event(ev), Access::Leaf(id)) = (d, &sel.access) {
                    return ev.leaf(*id) == Leaf::Missing;
                }
                let mut any = false;
                d.visit(sel, &mut |_| {
                    any = true;
                    false
                });
                !any
            }
        }
    }

    fn cost(&self) -> u32 {
        match self {
            JNode::And(v) | JNode::Or(v) => v.iter().map(JNode::cost).sum::<u32>().min(1000),
            JNode::Some(t) => {
                let (sel, pred) = &**t;
                sel.cost()
                    * match pred {
                        Pred::Text(m) | Pred::NotText(m) => m.cost(),
                        Pred::AnyOf(a) => 1 + a.others.iter().map(TextMatcher::cost).sum::<u32>(),
                        _ => 1,
                    }
            }
            JNode::Absent(sel) => sel.cost(),
        }
    }
}

fn compile_pred(check: &Check, pattern: &str) -> Result<Option<Pred>, ParseError> {
    Ok(Some(match check {
        Check::NotExists => return Ok(None),
        Check::IsNull => Pred::IsNull,
        Check::IsTrue => Pred::IsTrue,
        Check::IsFalse => Pred::IsFalse,
        Check::Compare { op, value } => match value {
            Literal::Number(n) => Pred::Number {
                op: *op,
                value: n.value,
                text: n.text.as_str().into(),
            },
            Literal::Str(s) => match op {
                Op::Eq => Pred::Text(TextMatcher::from_wildcard(&s.wildcard())),
                Op::Ne => Pred::NotText(TextMatcher::from_wildcard(&s.wildcard())),
                _ => Pred::Never,
            },
            Literal::Regex(r) => {
                let m = TextMatcher::from_regex(&r.source, r.span.start + 1, pattern)?;
                match op {
                    Op::Eq => Pred::Text(m),
                    Op::Ne => Pred::NotText(m),
                    _ => Pred::Never,
                }
            }
        },
    }))
}

fn compile_expr(e: &Expr, pattern: &str) -> Result<JNode, ParseError> {
    Ok(match e {
        Expr::Test(t) => {
            let sel = Sel::new(&t.selector.steps);
            match compile_pred(&t.check, pattern)? {
                None => JNode::Absent(Box::new(sel)),
                Some(p) => JNode::Some(Box::new((sel, p))),
            }
        }
        Expr::And(v) => {
            let mut parts = v
                .iter()
                .map(|e| compile_expr(e, pattern))
                .collect::<Result<Vec<_>, _>>()?;
            parts.sort_by_key(JNode::cost);
            JNode::And(parts.into())
        }
        Expr::Or(v) => {
            let parts = v
                .iter()
                .map(|e| compile_expr(e, pattern))
                .collect::<Result<Vec<_>, _>>()?;
            let mut parts = merge_alternatives(parts);
            parts.sort_by_key(JNode::cost);
            if parts.len() == 1 {
                return Ok(parts.pop().unwrap_or(JNode::Or(Box::new([]))));
            }
            JNode::Or(parts.into())
        }
    })
}

/// Merge `sel = "a" || sel = "b*" || …` (the same selector, `=` with strings) into one test.
/// With a wildcard selector the test is "some value matches one of them", which is the same as
/// "one of them matches some value".
fn merge_alternatives(parts: Vec<JNode>) -> Vec<JNode> {
    let mut out: Vec<JNode> = Vec::with_capacity(parts.len());
    for p in parts {
        let JNode::Some(t) = p else {
            out.push(p);
            continue;
        };
        if !matches!(t.1, Pred::Text(_)) {
            out.push(JNode::Some(t));
            continue;
        }
        let existing = out.iter().position(
            |o| matches!(o, JNode::Some(e) if matches!(e.1, Pred::Text(_) | Pred::AnyOf(_)) && e.0.same_as(&t.0)),
        );
        let Some(i) = existing else {
            out.push(JNode::Some(t));
            continue;
        };
        let (_, m) = *t;
        if let (JNode::Some(e), Pred::Text(m)) = (&mut out[i], m) {
            let pred = &mut e.1;
            let mut any = match std::mem::replace(pred, Pred::Never) {
                Pred::AnyOf(a) => a,
                other => {
                    let mut a = AnyOf::default();
                    if let Pred::Text(first) = other {
                        a.add(first);
                    }
                    a
                }
            };
            any.add(m);
            *pred = Pred::AnyOf(any);
        }
    }
    out
}

impl AnyOf {
    fn add(&mut self, m: TextMatcher) {
        match m {
            TextMatcher::Exact(t) => {
                if !self.set.is_empty() {
                    self.set.insert(t);
                } else {
                    self.small.push(t);
                    if self.small.len() > 4 {
                        self.set = self.small.drain(..).collect();
                    }
                }
            }
            m => self.others.push(m),
        }
    }
}

/// The compiled form of a whole pattern.
#[derive(Debug)]
pub(crate) enum Matcher {
    All,
    Terms {
        required: Vec<Finder<'static>>,
        excluded: Vec<Finder<'static>>,
        optional: Vec<Finder<'static>>,
    },
    Text(TextMatcher),
    Json(JNode),
    Delimited(Vec<PField>),
}

fn compile_cond(op: Op, value: &Literal, pattern: &str) -> Result<Cond, ParseError> {
    Ok(match value {
        Literal::Number(n) => Cond::Number { op, value: n.value },
        Literal::Str(s) => match op {
            Op::Eq | Op::Ne => Cond::Text {
                m: TextMatcher::from_wildcard(&s.wildcard()),
                negate: op == Op::Ne,
            },
            _ => Cond::Never,
        },
        Literal::Regex(r) => match op {
            Op::Eq | Op::Ne => Cond::Text {
                m: TextMatcher::from_regex(&r.source, r.span.start + 1, pattern)?,
                negate: op == Op::Ne,
            },
            _ => Cond::Never,
        },
    })
}

pub(crate) fn compile(ast: &Ast, pattern: &str) -> Result<Matcher, ParseError> {
    Ok(match ast {
        Ast::MatchAll => Matcher::All,
        Ast::Terms(terms) => {
            let finders = |k: TermKind| {
                terms
                    .iter()
                    .filter(|t| t.kind == k)
                    .map(|t| Finder::new(t.text.as_bytes()).into_owned())
                    .collect::<Vec<_>>()
            };
            let required = finders(TermKind::Required);
            let excluded = finders(TermKind::Excluded);
            // AWS: with plain or `-` terms present, `?` terms are ignored.
            let optional = if required.is_empty() && excluded.is_empty() {
                finders(TermKind::Optional)
            } else {
                Vec::new()
            };
            Matcher::Terms {
                required,
                excluded,
                optional,
            }
        }
        Ast::Regex(r) => Matcher::Text(TextMatcher::from_regex(&r.source, r.span.start + 1, pattern)?),
        Ast::Json(e) => Matcher::Json(compile_expr(e, pattern)?),
        Ast::Delimited(fields) => {
            let mut out = Vec::with_capacity(fields.len());
            for f in fields {
                out.push(match f {
                    Field::Ellipsis => PField::Ellipsis,
                    Field::Unnamed => PField::Column {
                        name: None,
                        alts: Vec::new(),
                    },
                    Field::Column(c) => PField::Column {
                        name: Some(c.name.clone()),
                        alts: c
                            .conditions
                            .iter()
                            .map(|alt| {
                                alt.iter()
                                    .map(|cond| compile_cond(cond.op, &cond.value, pattern))
                                    .collect::<Result<Vec<_>, _>>()
                            })
                            .collect::<Result<Vec<_>, _>>()?,
                    },
                });
            }
            Matcher::Delimited(out)
        }
    })
}

/// What a pattern is matched against: a CloudTrail record, or a log message as text. The
/// message text of a record and the JSON reading of a message are worked out once, when a
/// pattern first needs them, and shared by every pattern matched against the same subject.
pub struct Subject<'s> {
    event: Option<&'s Event<'s>>,
    message: OnceCell<Cow<'s, str>>,
    json: OnceCell<Option<Raw<'s>>>,
}

impl<'s> Subject<'s> {
    /// A CloudTrail record. Term, regex and space-delimited patterns see its log message
    /// ([`crate::log_message`]); JSON patterns read its fields.
    pub fn event(event: &'s Event<'s>) -> Subject<'s> {
        Subject {
            event: Some(event),
            message: OnceCell::new(),
            json: OnceCell::new(),
        }
    }

    /// A log message, as CloudWatch Logs would hold it (one line). JSON patterns match it only
    /// when the whole message is a JSON object.
    pub fn message(text: &'s str) -> Subject<'s> {
        let message = OnceCell::new();
        let _ = message.set(Cow::Borrowed(text));
        Subject {
            event: None,
            message,
            json: OnceCell::new(),
        }
    }

    /// The message text.
    pub fn text(&self) -> &str {
        self.message.get_or_init(|| match self.event {
            Some(ev) => crate::text::log_message(ev.raw.text()),
            None => Cow::Borrowed(""),
        })
    }

    fn doc(&self) -> Option<Doc<'_, 's>> {
        if let Some(ev) = self.event {
            return Some(Doc::Event(ev));
        }
        let raw = *self.json.get_or_init(|| match self.message.get() {
            Some(Cow::Borrowed(text)) => Raw::parse(text).ok().filter(|r| r.kind() == JsonKind::Object),
            _ => None,
        });
        raw.map(Doc::Text)
    }
}

impl Matcher {
    pub(crate) fn is_match(&self, s: &Subject<'_>) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Terms {
                required,
                excluded,
                optional,
            } => {
                let text = s.text().as_bytes();
                required.iter().all(|f| f.find(text).is_some())
                    && !excluded.iter().any(|f| f.find(text).is_some())
                    && (optional.is_empty() || optional.iter().any(|f| f.find(text).is_some()))
            }
            Matcher::Text(m) => m.is_match(s.text()),
            Matcher::Json(node) => s.doc().is_some_and(|d| node.eval(&d)),
            Matcher::Delimited(fields) => delimited::is_match(fields, s.text()),
        }
    }
}
