//! Field access by path, for the rule engines.
//!
//! A [`FieldPath`] is compiled once per rule and then applied to every record:
//! - a documented scalar (`eventName`, `userIdentity.sessionContext.sessionIssuer.arn`) is read
//!   from the typed record, with no JSON scanning at all;
//! - a path into a payload (`requestParameters.bucketName`) scans only that payload's text;
//! - anything else (unknown fields, `resources[0].ARN`, whole objects) scans the record's text.
//!
//! Two selection semantics exist, because the two rule languages differ:
//! - [`Fanout::Explicit`] (CloudWatch Logs filter patterns): `.name` on an array selects
//!   nothing; arrays are entered only by `[n]` and `[*]`, objects' values by `.*`.
//! - [`Fanout::Implicit`] (Sigma): a name step fans out through arrays at any depth, a key that
//!   literally contains the dots of the remaining path is preferred to nested traversal, and an
//!   array found at the end yields its elements.

use std::borrow::Cow;

use trailguard_json::{Kind, Raw, Value};

use crate::event::{Event, Leaf};
use crate::field::FieldId;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A member of an object.
    Key(Box<str>),
    /// An element of an array, zero-based.
    Index(usize),
    /// Every element of an array (`[*]`).
    AnyElement,
    /// Every member value of an object (`.*`).
    AnyMember,
}

/// How a path walks through arrays (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fanout {
    /// CloudWatch Logs filter patterns.
    Explicit,
    /// Sigma rules.
    Implicit,
}

/// Where a compiled path starts reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Start {
    /// A typed scalar: no scanning.
    Leaf(FieldId),
    /// A payload's text; the remaining steps start after the first.
    Payload(FieldId),
    /// The record's text.
    Record,
}

/// A compiled path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldPath {
    text: String,
    steps: Vec<Step>,
    fanout: Fanout,
    start: Start,
    /// For implicit paths: at step `i`, the remaining key steps joined with dots (when there
    /// are two or more and all are keys) — the literal dotted key that wins over nesting.
    joined: Vec<Option<Box<str>>>,
}

impl FieldPath {
    /// A dotted path as Sigma and trailguard's rule files write it (`userIdentity.arn`,
    /// `requestParameters.containerDefinitions.command`), with implicit array fan-out.
    pub fn dotted(path: &str) -> FieldPath {
        let steps = path.split('.').map(|s| Step::Key(s.into())).collect();
        FieldPath::new(path.to_owned(), steps, Fanout::Implicit)
    }

    /// A path from explicit steps (as the filter-pattern parser produces them).
    pub fn from_steps(text: impl Into<String>, steps: Vec<Step>, fanout: Fanout) -> FieldPath {
        FieldPath::new(text.into(), steps, fanout)
    }

    fn new(text: String, steps: Vec<Step>, fanout: Fanout) -> FieldPath {
        let start = Self::plan(&steps);
        let joined = Self::joined_suffixes(&steps, fanout);
        FieldPath {
            text,
            steps,
            fanout,
            start,
            joined,
        }
    }

    /// At each step of an implicit path, the dotted literal key formed by that step and all the
    /// following ones, when they are two or more keys.
    fn joined_suffixes(steps: &[Step], fanout: Fanout) -> Vec<Option<Box<str>>> {
        if fanout != Fanout::Implicit {
            return Vec::new();
        }
        (0..steps.len())
            .map(|i| {
                let rest = &steps[i..];
                if rest.len() < 2 {
                    return None;
                }
                let mut keys = Vec::with_capacity(rest.len());
                for s in rest {
                    let Step::Key(k) = s else { return None };
                    keys.push(&**k);
                }
                Some(keys.join(".").into_boxed_str())
            })
            .collect()
    }

    fn plan(steps: &[Step]) -> Start {
        let mut dotted = String::new();
        for (i, step) in steps.iter().enumerate() {
            let Step::Key(k) = step else {
                return Start::Record;
            };
            if i > 0 {
                dotted.push('.');
            }
            dotted.push_str(k);
            if i == 0
                && let Some(id) = FieldId::from_path(&dotted).filter(|f| f.is_payload())
            {
                return Start::Payload(id);
            }
        }
        match FieldId::from_path(&dotted) {
            Some(id) if id.is_leaf() => Start::Leaf(id),
            _ => Start::Record,
        }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The steps.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The known scalar this path names, if any.
    pub fn leaf(&self) -> Option<FieldId> {
        match self.start {
            Start::Leaf(id) => Some(id),
            _ => None,
        }
    }

    /// Whether the path contains a wildcard step.
    pub fn has_wildcard(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::AnyElement | Step::AnyMember))
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl<'a> Event<'a> {
    /// Call `f` with every value `path` selects, until it returns false. Nothing is called when
    /// the path selects nothing (a missing field); a present `null` is passed as
    /// [`Value::Null`].
    pub fn visit<'e>(&'e self, path: &FieldPath, f: &mut dyn FnMut(Value<'e>) -> bool) {
        let mut start = path.start;
        if path.fanout == Fanout::Implicit && path.steps.len() > 1 && self.extra.iter().any(|(k, _)| k.contains('.')) {
            // A top-level key with dots may shadow the nested path: take the slow, exact way.
            start = Start::Record;
        }
        match start {
            Start::Leaf(id) => {
                let v = match self.leaf(id) {
                    Leaf::Missing => return,
                    Leaf::Null => Value::Null,
                    Leaf::Str(s) => Value::String(Cow::Borrowed(s)),
                    Leaf::Bool(b) => Value::Bool(b),
                };
                f(v);
            }
            Start::Payload(id) => {
                if let Some(raw) = self.payload(id) {
                    walk(raw, path, 1, f);
                }
            }
            Start::Record => {
                walk(self.raw, path, 0, f);
            }
        }
    }

    /// The first value `path` selects.
    pub fn first<'e>(&'e self, path: &FieldPath) -> Option<Value<'e>> {
        let mut out = None;
        self.visit(path, &mut |v| {
            out = Some(v);
            false
        });
        out
    }

    /// Whether `path` selects anything (a present `null` counts).
    pub fn exists(&self, path: &FieldPath) -> bool {
        self.first(path).is_some()
    }

    /// Every value `path` selects, collected.
    pub fn values<'e>(&'e self, path: &FieldPath) -> Vec<Value<'e>> {
        let mut out = Vec::new();
        self.visit(path, &mut |v| {
            out.push(v);
            true
        });
        out
    }
}

/// Walk `path.steps[i..]` from `node`; returns false when `f` asked to stop.
fn walk<'e>(node: Raw<'e>, path: &FieldPath, i: usize, f: &mut dyn FnMut(Value<'e>) -> bool) -> bool {
    let fanout = path.fanout;
    let Some(step) = path.steps.get(i) else {
        if fanout == Fanout::Implicit && node.kind() == Kind::Array {
            let mut go_on = true;
            node.for_each_element(|el| {
                go_on = walk(el, path, i, f);
                go_on
            });
            return go_on;
        }
        return f(node.value());
    };
    match step {
        Step::Key(key) => match node.kind() {
            Kind::Object => {
                if let Some(joined) = path.joined.get(i).and_then(Option::as_deref)
                    && let Some(v) = node.get(joined)
                {
                    // A key that literally holds the dots of the remaining path wins.
                    return walk(v, path, path.steps.len(), f);
                }
                match node.get(key) {
                    Some(v) => walk(v, path, i + 1, f),
                    None => true,
                }
            }
            Kind::Array if fanout == Fanout::Implicit => {
                let mut go_on = true;
                node.for_each_element(|el| {
                    go_on = walk(el, path, i, f);
                    go_on
                });
                go_on
            }
            _ => true,
        },
        Step::Index(n) => match node.index(*n) {
            Some(v) => walk(v, path, i + 1, f),
            None => true,
        },
        Step::AnyElement => {
            let mut go_on = true;
            node.for_each_element(|el| {
                go_on = walk(el, path, i + 1, f);
                go_on
            });
            go_on
        }
        Step::AnyMember => {
            let mut go_on = true;
            node.for_each_member(|_, v| {
                go_on = walk(v, path, i + 1, f);
                go_on
            });
            go_on
        }
    }
}
