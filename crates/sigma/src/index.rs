//! The literal prefilter: which rules can possibly match a record, from one hash lookup per
//! indexed field.
//!
//! For each rule the compiler looks for a field the rule cannot match without — a typed
//! CloudTrail scalar (`eventName` first, then `eventSource`, then any other) that every way of
//! satisfying the condition requires to equal (or start with) one of a few literals. The rule is
//! then filed under those literals; at match time the record's value of each indexed field is
//! lowered once and looked up. Rules with no such field (a regex on `userIdentity.arn`, a
//! keyword search) are checked on every record. The index only ever skips rules that cannot
//! match: the full rule is still evaluated for every candidate.

use rustc_hash::FxHashMap;
use trailguard_model::{Event, FieldId, Leaf};

use crate::condition::Cond;
use crate::detection::{Item, Matcher, Search, Test};

/// A literal a field must equal or start with (lowered).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    Exact(Box<[u8]>),
    Prefix(Box<[u8]>),
}

impl Key {
    fn accepts(&self, v: &[u8]) -> bool {
        match self {
            Key::Exact(k) => **k == *v,
            Key::Prefix(k) => v.starts_with(k),
        }
    }
}

fn lowered(bytes: &[u8]) -> Box<[u8]> {
    String::from_utf8_lossy(bytes).to_lowercase().into_bytes().into()
}

/// The keys a field item imposes on `field`, if it imposes any.
fn item_keys(item: &Item, field: FieldId) -> Option<Vec<Key>> {
    let Item::Field(f) = item else { return None };
    if f.path.leaf() != Some(field) {
        return None;
    }
    let Test::Values {
        alts, all, neq: false, ..
    } = &f.test
    else {
        return None;
    };
    if *all && alts.len() != 1 {
        // With `all` every value must match; any one of them is a valid key set.
        return alts.first().and_then(|alt| alt_keys(std::slice::from_ref(alt)));
    }
    alt_keys(alts)
}

fn alt_keys(alts: &[Vec<crate::detection::ValueTest>]) -> Option<Vec<Key>> {
    let mut keys = Vec::new();
    for vt in alts.iter().flatten() {
        let Matcher::Str(m) = &vt.m else { return None };
        if let Some(k) = m.exact_key() {
            keys.push(Key::Exact(lowered(k)));
        } else if let Some(k) = m.prefix_key() {
            if k.is_empty() {
                return None;
            }
            keys.push(Key::Prefix(lowered(k)));
        } else {
            return None;
        }
    }
    (!keys.is_empty()).then_some(keys)
}

fn search_keys(s: &Search, field: FieldId) -> Option<Vec<Key>> {
    let mut out = Vec::new();
    for branch in &s.branches {
        let best = branch.iter().filter_map(|i| item_keys(i, field)).min_by_key(Vec::len)?;
        out.extend(best);
    }
    Some(out)
}

/// The keys a condition imposes on `field`: some key must hold for the condition to be true.
fn cond_keys(c: &Cond, searches: &[Search], field: FieldId) -> Option<Vec<Key>> {
    match c {
        Cond::Search(i) => search_keys(&searches[*i], field),
        Cond::Not(_) => None,
        Cond::And(cs) => cs
            .iter()
            .filter_map(|c| cond_keys(c, searches, field))
            .min_by_key(Vec::len),
        Cond::Or(cs) => {
            let mut out = Vec::new();
            for c in cs {
                out.extend(cond_keys(c, searches, field)?);
            }
            Some(out)
        }
        Cond::Of { all: true, ids } => ids
            .iter()
            .filter_map(|&i| search_keys(&searches[i], field))
            .min_by_key(Vec::len),
        Cond::Of { all: false, ids } => {
            let mut out = Vec::new();
            for &i in ids {
                out.extend(search_keys(&searches[i], field)?);
            }
            Some(out)
        }
    }
}

/// Fields tried for the index, most selective first.
fn preference() -> impl Iterator<Item = FieldId> {
    [FieldId::EventName, FieldId::EventSource].into_iter().chain(
        FieldId::ALL
            .iter()
            .copied()
            .filter(|f| f.is_leaf() && !matches!(f, FieldId::EventName | FieldId::EventSource)),
    )
}

/// Rules filed under one literal.
type Bucket = (Box<[u8]>, Vec<u32>);

/// Fields with at most this many exact literals are looked up by a linear scan (length first,
/// then bytes folded in place) instead of hashing a lowered copy.
const SMALL: usize = 8;

#[derive(Debug, Default)]
struct FieldIndex {
    field: Option<FieldId>,
    exact: FxHashMap<Box<[u8]>, Vec<u32>>,
    /// The same literals as `exact`, as a list, when there are few of them.
    small: Option<Vec<Bucket>>,
    /// Rules with at least one prefix key: checked against every key.
    prefixed: Vec<(u32, Vec<Key>)>,
}

/// Where each rule is filed.
#[derive(Debug, Default)]
pub(crate) struct Index {
    fields: Vec<FieldIndex>,
    always: Vec<u32>,
    /// Rules filed under a field path with dots: a record with a literally dotted top-level key
    /// may shadow them, so such records skip the index.
    any_dotted: bool,
}

/// How a rule was filed (for `rules explain` and tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prefilter {
    /// Checked only when `field` equals (or starts with) one of `keys` (lowered).
    Field {
        /// The field.
        field: &'static str,
        /// The literals.
        keys: Vec<String>,
    },
    /// Checked on every record.
    Always,
}

impl Index {
    pub(crate) fn build(rules: &[(&[Search], &Cond)]) -> (Index, Vec<Prefilter>) {
        let mut idx = Index::default();
        let mut how = Vec::with_capacity(rules.len());
        for (r, (searches, cond)) in rules.iter().enumerate() {
            let r = u32::try_from(r).unwrap_or(u32::MAX);
            let mut chosen: Option<(FieldId, Vec<Key>)> = None;
            for field in preference() {
                if let Some(mut keys) = cond_keys(cond, searches, field) {
                    keys.sort();
                    keys.dedup();
                    let exact_only = keys.iter().all(|k| matches!(k, Key::Exact(_)));
                    let better = match &chosen {
                        None => true,
                        Some((_, prev)) => exact_only && prev.iter().any(|k| matches!(k, Key::Prefix(_))),
                    };
                    if better {
                        chosen = Some((field, keys));
                    }
                    if exact_only {
                        break;
                    }
                }
            }
            let Some((field, keys)) = chosen else {
                idx.always.push(r);
                how.push(Prefilter::Always);
                continue;
            };
            how.push(Prefilter::Field {
                field: field.path(),
                keys: keys
                    .iter()
                    .map(|k| match k {
                        Key::Exact(b) => String::from_utf8_lossy(b).into_owned(),
                        Key::Prefix(b) => format!("{}*", String::from_utf8_lossy(b)),
                    })
                    .collect(),
            });
            idx.any_dotted |= field.path().contains('.');
            let fi = match idx.fields.iter_mut().position(|f| f.field == Some(field)) {
                Some(i) => &mut idx.fields[i],
                None => {
                    idx.fields.push(FieldIndex {
                        field: Some(field),
                        ..FieldIndex::default()
                    });
                    let last = idx.fields.len() - 1;
                    &mut idx.fields[last]
                }
            };
            if keys.iter().all(|k| matches!(k, Key::Exact(_))) {
                for k in keys {
                    if let Key::Exact(b) = k {
                        let list = fi.exact.entry(b).or_default();
                        if list.last() != Some(&r) {
                            list.push(r);
                        }
                    }
                }
            } else {
                fi.prefixed.push((r, keys));
            }
        }
        for fi in &mut idx.fields {
            if fi.exact.len() <= SMALL {
                let mut list: Vec<Bucket> = fi.exact.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                list.sort();
                fi.small = Some(list);
            }
        }
        (idx, how)
    }

    /// Call `f` with every rule that may match `ev` (each once, in no particular order).
    #[inline]
    pub(crate) fn candidates(&self, ev: &Event<'_>, total: usize, mut f: impl FnMut(u32)) {
        if self.any_dotted && ev.extra.iter().any(|(k, _)| k.contains('.')) {
            for r in 0..total {
                f(u32::try_from(r).unwrap_or(u32::MAX));
            }
            return;
        }
        let mut buf = [0u8; 96];
        for fi in &self.fields {
            let Some(field) = fi.field else { continue };
            let text: &str = match ev.leaf(field) {
                Leaf::Str(s) => s,
                Leaf::Bool(true) => "true",
                Leaf::Bool(false) => "false",
                Leaf::Null | Leaf::Missing => continue,
            };
            if let Some(small) = &fi.small
                && text.is_ascii()
            {
                for (k, rules) in small {
                    if k.len() == text.len() && k.iter().zip(text.as_bytes()).all(|(a, b)| *a == b.to_ascii_lowercase())
                    {
                        for &r in rules {
                            f(r);
                        }
                    }
                }
                if fi.prefixed.is_empty() {
                    continue;
                }
            }
            let owned;
            let v: &[u8] = if text.len() <= buf.len() && text.is_ascii() {
                let b = &mut buf[..text.len()];
                b.copy_from_slice(text.as_bytes());
                b.make_ascii_lowercase();
                b
            } else {
                owned = text.to_lowercase();
                owned.as_bytes()
            };
            if (fi.small.is_none() || !text.is_ascii())
                && let Some(list) = fi.exact.get(v)
            {
                for &r in list {
                    f(r);
                }
            }
            for (r, keys) in &fi.prefixed {
                if keys.iter().any(|k| k.accepts(v)) {
                    f(*r);
                }
            }
        }
        for &r in &self.always {
            f(r);
        }
    }
}
