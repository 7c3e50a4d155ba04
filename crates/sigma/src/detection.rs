//! The `detection` section compiled: search identifiers made of field items and keywords, each
//! value turned into the cheapest test that decides it.

use std::collections::BTreeMap;
use std::net::IpAddr;

use trailguard_model::FieldPath;

use crate::modifier::{self, B64, Cmp, Position, Spec, TimePart};
use crate::pattern::{SigmaStr, StrMatcher};
use crate::problem::{Problem, ProblemKind};
use crate::rule::Ctx;
use crate::yaml::{Node, NodeKind};

/// Longest regular expression accepted, in bytes.
const MAX_REGEX_LEN: usize = 8192;
/// Compiled-size limit for one regular expression (bytes of program).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// What the compiler needs from the configuration.
#[derive(Clone, Debug, Default)]
pub(crate) struct ValueOptions {
    pub(crate) placeholders: BTreeMap<String, Vec<String>>,
}

/// An IPv4 or IPv6 network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cidr {
    V4(u32, u32),
    V6(u128, u128),
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let (addr, bits) = match text.trim().split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u32>().ok()?)),
            None => (text.trim(), None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let bits = bits.unwrap_or(32);
                if bits > 32 {
                    return None;
                }
                let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
                Some(Cidr::V4(u32::from(a) & mask, mask))
            }
            IpAddr::V6(a) => {
                let bits = bits.unwrap_or(128);
                if bits > 128 {
                    return None;
                }
                let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
                Some(Cidr::V6(u128::from(a) & mask, mask))
            }
        }
    }

    pub(crate) fn contains(&self, text: &str) -> bool {
        let Ok(ip) = text.trim().parse::<IpAddr>() else {
            return false;
        };
        match (self, ip) {
            (Cidr::V4(net, mask), IpAddr::V4(a)) => u32::from(a) & mask == *net,
            (Cidr::V4(net, mask), IpAddr::V6(a)) => a.to_ipv4_mapped().is_some_and(|a| u32::from(a) & mask == *net),
            (Cidr::V6(net, mask), IpAddr::V6(a)) => u128::from(a) & mask == *net,
            (Cidr::V6(..), IpAddr::V4(_)) => false,
        }
    }
}

/// A compiled regular expression with a literal every match contains, checked first: most
/// values do not hold it, and a substring search is far cheaper than a regex search.
#[derive(Clone, Debug)]
pub(crate) struct Re {
    re: regex::Regex,
    /// The literal (lowered when `fold`).
    lit: Option<Box<[u8]>>,
    /// A searcher for it, built once (unless the search folds case).
    finder: Option<memchr::memmem::Finder<'static>>,
}

/// A literal that every match of `hir` contains, if one can be named.
fn required_literal(hir: &regex_syntax::hir::Hir) -> Option<Vec<u8>> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(l) => Some(l.0.to_vec()),
        HirKind::Capture(c) => required_literal(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required_literal(&r.sub),
        HirKind::Concat(subs) => {
            // Adjacent literals form one longer literal; any child's literal is required too.
            let mut best: Option<Vec<u8>> = None;
            let mut run: Vec<u8> = Vec::new();
            let keep = |cand: Vec<u8>, best: &mut Option<Vec<u8>>| {
                if best.as_ref().is_none_or(|b| cand.len() > b.len()) {
                    *best = Some(cand);
                }
            };
            for sub in subs {
                if let HirKind::Literal(l) = sub.kind() {
                    run.extend_from_slice(&l.0);
                    continue;
                }
                if !run.is_empty() {
                    keep(std::mem::take(&mut run), &mut best);
                }
                if let Some(c) = required_literal(sub) {
                    keep(c, &mut best);
                }
            }
            if !run.is_empty() {
                keep(run, &mut best);
            }
            best
        }
        _ => None,
    }
}

impl Re {
    fn new(re: regex::Regex, pattern: &str, fold: bool, multi_line: bool, dot_all: bool) -> Re {
        // Literals are read from the pattern without case folding (inline `(?i)` still folds
        // them into classes, which name no literal); a folded search then looks for them.
        let lit = regex_syntax::ParserBuilder::new()
            .multi_line(multi_line)
            .dot_matches_new_line(dot_all)
            .nest_limit(64)
            .build()
            .parse(pattern)
            .ok()
            .and_then(|h| required_literal(&h))
            .filter(|l| l.len() >= 3 && (!fold || l.is_ascii()))
            .map(|mut l| {
                if fold {
                    l.make_ascii_lowercase();
                }
                l.into_boxed_slice()
            });
        let finder = lit
            .as_ref()
            .filter(|_| !fold)
            .map(|l| memchr::memmem::Finder::new(&**l).into_owned());
        Re { re, lit, finder }
    }

    #[inline]
    pub(crate) fn is_match(&self, text: &str) -> bool {
        if let Some(l) = &self.lit {
            let absent = match &self.finder {
                Some(f) => f.find(text.as_bytes()).is_none(),
                // ASCII text folds only within ASCII, so an ASCII search is exact there.
                None => text.is_ascii() && crate::pattern::find(text.as_bytes(), l, true).is_none(),
            };
            if absent {
                return false;
            }
        }
        self.re.is_match(text)
    }
}

/// One value test.
#[derive(Clone, Debug)]
pub(crate) enum Matcher {
    /// The field is JSON `null` (a `null` in a list of values).
    Null,
    Str(StrMatcher),
    Regex(Box<Re>),
    Num(Cmp, f64),
    Cidr(Cidr),
    Time(TimePart, Cmp, i64),
}

/// A value test and how the rule wrote it (for explanations).
#[derive(Clone, Debug)]
pub(crate) struct ValueTest {
    pub(crate) m: Matcher,
    pub(crate) shown: Box<str>,
}

/// How a field relates to a referenced field (`fieldref`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rel {
    Eq,
    Contains,
    Prefix,
    Suffix,
}

/// What a field item tests.
#[derive(Clone, Debug)]
pub(crate) enum Test {
    /// `field: null`: absent or JSON `null`.
    Null,
    /// `field|exists: true/false`.
    Exists(bool),
    /// Values: each entry of `alts` is one value as written, with its expansions (OR). The
    /// entries are OR-ed, or AND-ed with `all`. With `neq` the field must be present and match
    /// none of them.
    Values {
        alts: Vec<Vec<ValueTest>>,
        all: bool,
        neq: bool,
        /// Whether a JSON object or array value is also compared as its compact text.
        text_of_objects: bool,
    },
    /// `fieldref`: compare with other fields of the same record.
    FieldRef {
        refs: Vec<FieldPath>,
        rel: Rel,
        fold: bool,
        all: bool,
        neq: bool,
    },
}

/// `field|modifiers: values`.
#[derive(Clone, Debug)]
pub(crate) struct FieldItem {
    pub(crate) path: FieldPath,
    /// The key as written (`eventName|startswith`).
    pub(crate) key: Box<str>,
    /// Where the key is written.
    pub(crate) pos: crate::yaml::Pos,
    pub(crate) test: Test,
}

/// A keyword search: values looked for in every scalar of the record.
#[derive(Clone, Debug)]
pub(crate) struct KeywordItem {
    pub(crate) key: Box<str>,
    pub(crate) alts: Vec<Vec<ValueTest>>,
    pub(crate) all: bool,
    /// Per alternative (per value as written): lowered ASCII literals, one of which must appear
    /// in the record's JSON text for the value to match; `None` when no such prefilter is safe.
    pub(crate) literals: Vec<Option<Vec<Box<[u8]>>>>,
}

/// One member of a search's AND.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    Field(FieldItem),
    Keyword(KeywordItem),
}

/// A search identifier: an OR of branches, each an AND of items.
#[derive(Clone, Debug)]
pub(crate) struct Search {
    pub(crate) name: Box<str>,
    pub(crate) branches: Vec<Vec<Item>>,
}

fn invalid(msg: impl Into<String>) -> ProblemKind {
    ProblemKind::Invalid { message: msg.into() }
}

/// Compile one search identifier's definition.
pub(crate) fn compile_search(ctx: &Ctx, name: &str, node: &Node, opts: &ValueOptions) -> Result<Search, Box<Problem>> {
    let field = format!("detection.{name}");
    let branches = match &node.kind {
        NodeKind::Map(members) => vec![compile_map(ctx, &field, node, members, opts)?],
        NodeKind::Seq(items) if items.is_empty() => {
            return Err(ctx.problem(node.pos, Some(field), invalid("the search is an empty list")));
        }
        NodeKind::Seq(items) if items.iter().all(|i| i.as_scalar().is_some()) => {
            vec![vec![Item::Keyword(compile_keywords(ctx, &field, "", items, opts)?)]]
        }
        NodeKind::Seq(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let f = format!("{field}[{i}]");
                match &item.kind {
                    NodeKind::Map(members) => out.push(compile_map(ctx, &f, item, members, opts)?),
                    NodeKind::Scalar(_) => out.push(vec![Item::Keyword(compile_keywords(
                        ctx,
                        &f,
                        "",
                        std::slice::from_ref(item),
                        opts,
                    )?)]),
                    NodeKind::Seq(_) => return Err(ctx.type_error(item, &f, "a mapping or a keyword")),
                }
            }
            out
        }
        NodeKind::Scalar(s) if !s.is_null() => {
            vec![vec![Item::Keyword(compile_keywords(
                ctx,
                &field,
                "",
                std::slice::from_ref(node),
                opts,
            )?)]]
        }
        NodeKind::Scalar(_) => return Err(ctx.type_error(node, &field, "a mapping, a list or a keyword")),
    };
    Ok(Search {
        name: name.into(),
        branches,
    })
}

fn compile_map(
    ctx: &Ctx,
    field: &str,
    node: &Node,
    members: &[(Node, Node)],
    opts: &ValueOptions,
) -> Result<Vec<Item>, Box<Problem>> {
    if members.is_empty() {
        return Err(ctx.problem(
            node.pos,
            Some(field.to_owned()),
            invalid("the search is an empty mapping"),
        ));
    }
    let mut items = Vec::with_capacity(members.len());
    for (k, v) in members {
        let key = k.as_scalar().map(|s| s.text.as_str()).unwrap_or_default();
        let f = format!("{field}.{key}");
        items.push(compile_item(ctx, &f, key, k, v, opts)?);
    }
    Ok(items)
}

fn parse_key<'k>(ctx: &Ctx, f: &str, key: &'k str, key_node: &Node) -> Result<(&'k str, Spec), Box<Problem>> {
    let mut parts = key.split('|');
    let name = parts.next().unwrap_or_default();
    let mut chain = Vec::new();
    for m in parts {
        chain.push(modifier::parse_modifier(m).map_err(|k| ctx.problem(key_node.pos, Some(f.to_owned()), k))?);
    }
    let spec = Spec::from_chain(&chain).map_err(|k| ctx.problem(key_node.pos, Some(f.to_owned()), k))?;
    Ok((name, spec))
}

fn values_of<'n>(ctx: &Ctx, f: &str, node: &'n Node) -> Result<&'n [Node], Box<Problem>> {
    match &node.kind {
        NodeKind::Scalar(_) => Ok(std::slice::from_ref(node)),
        NodeKind::Seq(items) => {
            if items.is_empty() {
                return Err(ctx.problem(node.pos, Some(f.to_owned()), invalid("empty list of values")));
            }
            for i in items {
                if i.as_scalar().is_none() {
                    return Err(ctx.type_error(i, f, "a value (string, number, boolean or null)"));
                }
            }
            Ok(items)
        }
        NodeKind::Map(_) => Err(ctx.type_error(node, f, "a value or a list of values")),
    }
}

fn compile_item(
    ctx: &Ctx,
    f: &str,
    key: &str,
    key_node: &Node,
    value: &Node,
    opts: &ValueOptions,
) -> Result<Item, Box<Problem>> {
    let (name, spec) = parse_key(ctx, f, key, key_node)?;
    let values = values_of(ctx, f, value)?;
    if name.is_empty() {
        return Ok(Item::Keyword(compile_keyword_spec(ctx, f, key, &spec, values, opts)?));
    }
    if name.split('.').any(str::is_empty) {
        return Err(ctx.problem(
            key_node.pos,
            Some(f.to_owned()),
            invalid(format!("`{name}` is not a field path (an empty name between dots)")),
        ));
    }
    let err = |node: &Node, kind: ProblemKind| ctx.problem(node.pos, Some(f.to_owned()), kind);
    let path = FieldPath::dotted(name);

    if spec.exists {
        let [v] = values else {
            return Err(err(value, invalid("`exists` takes one value, true or false")));
        };
        let b = v
            .as_scalar()
            .and_then(|s| s.as_bool())
            .ok_or_else(|| err(v, invalid("`exists` takes true or false")))?;
        return Ok(Item::Field(FieldItem {
            path,
            key: key.into(),
            pos: key_node.pos,
            test: Test::Exists(b),
        }));
    }

    if spec.fieldref {
        let mut refs = Vec::new();
        for v in values {
            let Some(t) = v.as_str() else {
                return Err(err(v, invalid("`fieldref` takes field names, not null")));
            };
            if t.is_empty() || t.split('.').any(str::is_empty) {
                return Err(err(v, invalid(format!("`{t}` is not a field path"))));
            }
            refs.push(FieldPath::dotted(t));
        }
        let rel = match spec.position {
            None => Rel::Eq,
            Some(Position::Contains) => Rel::Contains,
            Some(Position::StartsWith) => Rel::Prefix,
            Some(Position::EndsWith) => Rel::Suffix,
        };
        return Ok(Item::Field(FieldItem {
            path,
            key: key.into(),
            pos: key_node.pos,
            test: Test::FieldRef {
                refs,
                rel,
                fold: !spec.cased,
                all: spec.all,
                neq: spec.neq,
            },
        }));
    }

    // `field: null` alone is its own test.
    if let [v] = values
        && v.is_null()
        && !spec.neq
    {
        if spec.position.is_some() || !spec.is_string() || spec.windash || spec.base64.is_some() || spec.expand {
            return Err(err(v, invalid("`null` cannot take value modifiers")));
        }
        return Ok(Item::Field(FieldItem {
            path,
            key: key.into(),
            pos: key_node.pos,
            test: Test::Null,
        }));
    }

    let alts = compile_values(ctx, f, &spec, values, opts)?;
    let text_of_objects = spec.is_string() || spec.re;
    Ok(Item::Field(FieldItem {
        path,
        key: key.into(),
        pos: key_node.pos,
        test: Test::Values {
            alts,
            all: spec.all,
            neq: spec.neq,
            text_of_objects,
        },
    }))
}

/// Compile each value as written into its alternatives.
fn compile_values(
    ctx: &Ctx,
    f: &str,
    spec: &Spec,
    values: &[Node],
    opts: &ValueOptions,
) -> Result<Vec<Vec<ValueTest>>, Box<Problem>> {
    let mut alts = Vec::with_capacity(values.len());
    for v in values {
        let err = |kind: ProblemKind| ctx.problem(v.pos, Some(f.to_owned()), kind);
        let Some(scalar) = v.as_scalar() else {
            return Err(ctx.type_error(v, f, "a value"));
        };
        if scalar.is_null() {
            if !spec.is_string() || spec.position.is_some() || spec.windash || spec.base64.is_some() {
                return Err(err(invalid("`null` cannot take value modifiers")));
            }
            alts.push(vec![ValueTest {
                m: Matcher::Null,
                shown: "null".into(),
            }]);
            continue;
        }
        let texts = if spec.expand {
            modifier::expand(&scalar.text, &opts.placeholders).map_err(err)?
        } else {
            vec![scalar.text.clone()]
        };
        let mut alt = Vec::new();
        for text in texts {
            compile_value(spec, &text, &mut alt).map_err(err)?;
        }
        if alt.len() > modifier::MAX_EXPANSION {
            return Err(err(ProblemKind::Unsupported {
                feature: "a value with this many alternatives".into(),
                reason: format!("more than {} after expansion", modifier::MAX_EXPANSION),
            }));
        }
        alts.push(alt);
    }
    Ok(alts)
}

fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn compile_value(spec: &Spec, text: &str, out: &mut Vec<ValueTest>) -> Result<(), ProblemKind> {
    if spec.re {
        if text.len() > MAX_REGEX_LEN {
            return Err(ProblemKind::Unsupported {
                feature: "a regular expression this long".into(),
                reason: format!("longer than {MAX_REGEX_LEN} bytes"),
            });
        }
        let re = regex::RegexBuilder::new(text)
            .case_insensitive(spec.re_i)
            .multi_line(spec.re_m)
            .dot_matches_new_line(spec.re_s)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .nest_limit(64)
            .build()
            .map_err(|e| {
                let message = e.to_string();
                if message.contains("look-around") || message.contains("backreferences") {
                    ProblemKind::Unsupported {
                        feature: format!("regular expression `{text}`"),
                        reason: "look-around and back-references are outside Sigma's regex flavour and trailguard's linear-time engine".into(),
                    }
                } else {
                    ProblemKind::Regex {
                        pattern: text.to_owned(),
                        message,
                    }
                }
            })?;
        out.push(ValueTest {
            m: Matcher::Regex(Box::new(Re::new(re, text, spec.re_i, spec.re_m, spec.re_s))),
            shown: format!("/{text}/").into(),
        });
        return Ok(());
    }
    if spec.cidr {
        let c = Cidr::parse(text).ok_or_else(|| invalid(format!("`{text}` is not an IPv4 or IPv6 network")))?;
        out.push(ValueTest {
            m: Matcher::Cidr(c),
            shown: text.into(),
        });
        return Ok(());
    }
    if let Some(part) = spec.time {
        let n: i64 = text
            .trim()
            .parse()
            .map_err(|_| invalid(format!("`{text}` is not a whole number (for `{}`)", part.name())))?;
        let cmp = spec.cmp.unwrap_or(Cmp::Eq);
        out.push(ValueTest {
            m: Matcher::Time(part, cmp, n),
            shown: format!("{} {} {n}", part.name(), cmp.symbol()).into(),
        });
        return Ok(());
    }
    if let Some(cmp) = spec.cmp {
        let n = parse_number(text).ok_or_else(|| invalid(format!("`{text}` is not a number")))?;
        out.push(ValueTest {
            m: Matcher::Num(cmp, n),
            shown: format!("{} {text}", cmp.symbol()).into(),
        });
        return Ok(());
    }
    // Strings.
    let variants = if spec.windash {
        modifier::windash(text)?
    } else {
        vec![text.to_owned()]
    };
    for v in variants {
        let strings: Vec<SigmaStr> = match spec.base64 {
            None => vec![SigmaStr::parse(&v)],
            Some(kind) => {
                let parsed = SigmaStr::parse(&v);
                let Some(lit) = parsed.as_literal() else {
                    return Err(invalid("`base64`/`base64offset` cannot encode wildcards"));
                };
                let bytes = modifier::encode_wide(&lit, spec.wide);
                match kind {
                    B64::Plain => vec![SigmaStr::literal(&modifier::base64_plain(&bytes))],
                    B64::Offset => modifier::base64_offsets(&bytes)
                        .iter()
                        .map(|s| SigmaStr::literal(s))
                        .collect(),
                }
            }
        };
        for s in strings {
            let s = match spec.position {
                None => s,
                Some(Position::Contains) => s.star_front().star_back(),
                Some(Position::StartsWith) => s.star_back(),
                Some(Position::EndsWith) => s.star_front(),
            };
            out.push(ValueTest {
                shown: s.display().into(),
                m: Matcher::Str(StrMatcher::new(&s, spec.cased)),
            });
        }
    }
    Ok(())
}

/// Keywords: a list of plain values, or a key with no field name (`'|all'`).
fn compile_keywords(
    ctx: &Ctx,
    f: &str,
    key: &str,
    values: &[Node],
    opts: &ValueOptions,
) -> Result<KeywordItem, Box<Problem>> {
    compile_keyword_spec(ctx, f, key, &Spec::default(), values, opts)
}

fn compile_keyword_spec(
    ctx: &Ctx,
    f: &str,
    key: &str,
    spec: &Spec,
    values: &[Node],
    opts: &ValueOptions,
) -> Result<KeywordItem, Box<Problem>> {
    if spec.exists || spec.fieldref || spec.neq {
        let pos = values.first().map_or(Default::default(), |v| v.pos);
        return Err(ctx.problem(
            pos,
            Some(f.to_owned()),
            invalid("keyword searches take no `exists`, `fieldref` or `neq`"),
        ));
    }
    // A keyword is found anywhere in a value unless the rule says otherwise.
    let mut spec = spec.clone();
    if spec.is_string() && spec.position.is_none() {
        spec.position = Some(Position::Contains);
    }
    for v in values {
        if v.is_null() {
            return Err(ctx.problem(v.pos, Some(f.to_owned()), invalid("a keyword cannot be null")));
        }
    }
    let alts = compile_values(ctx, f, &spec, values, opts)?;
    let literals = alts
        .iter()
        .map(|alt| {
            alt.iter()
                .map(|vt| match &vt.m {
                    Matcher::Str(m) if m.folds_case() => m
                        .required_literal()
                        .filter(|l| {
                            !l.is_empty()
                                && l.iter()
                                    .all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' && b != b'/')
                        })
                        .map(Box::from),
                    _ => None,
                })
                .collect::<Option<Vec<Box<[u8]>>>>()
        })
        .collect();
    Ok(KeywordItem {
        key: if key.is_empty() { "keywords".into() } else { key.into() },
        alts,
        all: spec.all,
        literals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(p: &str) -> Option<String> {
        let h = regex_syntax::Parser::new().parse(p).unwrap();
        required_literal(&h).map(|l| String::from_utf8(l).unwrap())
    }

    #[test]
    fn required_literals() {
        assert_eq!(lit(".+:assumed-role/aws:.+").as_deref(), Some(":assumed-role/aws:"));
        assert_eq!(
            lit("^arn:aws:iam::[0-9]{12}:root$").as_deref(),
            Some("arn:aws:iam::"),
            "the longest"
        );
        assert_eq!(lit("(abc)+x").as_deref(), Some("abc"));
        assert_eq!(lit("abc|def"), None);
        assert_eq!(lit("a?bcd").as_deref(), Some("bcd"));
        assert_eq!(lit("(?i)secret"), None, "folded literals become classes");
        let r = |p: &str, fold: bool| {
            let re = regex::RegexBuilder::new(p).case_insensitive(fold).build().unwrap();
            Re::new(re, p, fold, false, false)
        };
        assert!(r("assumed-role/AWS:", true).is_match("x:ASSUMED-ROLE/aws:y"));
        assert!(!r("assumed-role/AWS:", false).is_match("x:ASSUMED-ROLE/aws:y"));
        assert!(
            r("k.lvin", true).is_match("\u{212a}elvin"),
            "non-ASCII text skips the ASCII prefilter"
        );
    }
}
