//! Value modifiers (`field|contains|all`): parsing, validation of combinations, and the value
//! transformations (`expand`, `windash`, `utf16*`, `base64`, `base64offset`).

use base64::Engine as _;

use crate::problem::ProblemKind;

/// One modifier, as Sigma names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Re,
    I,
    M,
    S,
    Cased,
    Exists,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Cidr,
    Base64,
    Base64Offset,
    Utf16le,
    Utf16be,
    Utf16,
    Wide,
    Windash,
    Expand,
    FieldRef,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// Every modifier name pySigma and the specification (v2.1) define, aliases included.
const NAMES: &[(&str, Modifier)] = &[
    ("contains", Modifier::Contains),
    ("startswith", Modifier::StartsWith),
    ("endswith", Modifier::EndsWith),
    ("all", Modifier::All),
    ("re", Modifier::Re),
    ("i", Modifier::I),
    ("ignorecase", Modifier::I),
    ("m", Modifier::M),
    ("multiline", Modifier::M),
    ("s", Modifier::S),
    ("dotall", Modifier::S),
    ("cased", Modifier::Cased),
    ("exists", Modifier::Exists),
    ("neq", Modifier::Neq),
    ("lt", Modifier::Lt),
    ("lte", Modifier::Lte),
    ("gt", Modifier::Gt),
    ("gte", Modifier::Gte),
    ("cidr", Modifier::Cidr),
    ("base64", Modifier::Base64),
    ("base64offset", Modifier::Base64Offset),
    ("utf16le", Modifier::Utf16le),
    ("utf16be", Modifier::Utf16be),
    ("utf16", Modifier::Utf16),
    ("wide", Modifier::Wide),
    ("windash", Modifier::Windash),
    ("expand", Modifier::Expand),
    ("fieldref", Modifier::FieldRef),
    ("minute", Modifier::Minute),
    ("hour", Modifier::Hour),
    ("day", Modifier::Day),
    ("week", Modifier::Week),
    ("month", Modifier::Month),
    ("year", Modifier::Year),
];

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Parse one modifier name.
pub(crate) fn parse_modifier(name: &str) -> Result<Modifier, ProblemKind> {
    if let Some((_, m)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Ok(*m);
    }
    let lower = name.to_ascii_lowercase();
    let suggestion = NAMES
        .iter()
        .map(|(n, _)| (edit_distance(&lower, n), *n))
        .filter(|(d, n)| *d <= 2 && n.len() > 2)
        .min()
        .map(|(_, n)| n);
    Err(ProblemKind::UnknownModifier {
        name: name.to_owned(),
        suggestion,
    })
}

/// Where a string value must be found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    Contains,
    StartsWith,
    EndsWith,
}

/// A numeric comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
}

impl Cmp {
    pub(crate) fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Lte => a <= b,
            Cmp::Gt => a > b,
            Cmp::Gte => a >= b,
            Cmp::Eq => a == b,
        }
    }

    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Lte => "<=",
            Cmp::Gt => ">",
            Cmp::Gte => ">=",
            Cmp::Eq => "=",
        }
    }
}

/// A part of a timestamp (`minute` … `year`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl TimePart {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TimePart::Minute => "minute",
            TimePart::Hour => "hour",
            TimePart::Day => "day",
            TimePart::Week => "week",
            TimePart::Month => "month",
            TimePart::Year => "year",
        }
    }
}

/// A byte encoding applied before base64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wide {
    Le,
    Be,
    /// Little-endian with a byte order mark.
    Bom,
}

/// Base64 flavours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum B64 {
    Plain,
    Offset,
}

/// A validated modifier chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Spec {
    pub(crate) position: Option<Position>,
    pub(crate) all: bool,
    pub(crate) cased: bool,
    pub(crate) neq: bool,
    pub(crate) exists: bool,
    pub(crate) fieldref: bool,
    pub(crate) expand: bool,
    pub(crate) windash: bool,
    pub(crate) re: bool,
    pub(crate) re_i: bool,
    pub(crate) re_m: bool,
    pub(crate) re_s: bool,
    pub(crate) cidr: bool,
    pub(crate) wide: Option<Wide>,
    pub(crate) base64: Option<B64>,
    pub(crate) cmp: Option<Cmp>,
    pub(crate) time: Option<TimePart>,
}

fn invalid(message: impl Into<String>) -> ProblemKind {
    ProblemKind::Invalid {
        message: message.into(),
    }
}

impl Spec {
    /// Validate a chain as written.
    pub(crate) fn from_chain(chain: &[Modifier]) -> Result<Spec, ProblemKind> {
        use Modifier as M;
        let mut s = Spec::default();
        let mut seen: Vec<Modifier> = Vec::new();
        for (i, &m) in chain.iter().enumerate() {
            if seen.contains(&m) {
                return Err(invalid(format!("modifier `{}` is repeated", name_of(m))));
            }
            seen.push(m);
            match m {
                M::Contains | M::StartsWith | M::EndsWith => {
                    if s.position.is_some() {
                        return Err(invalid(
                            "only one of `contains`, `startswith` and `endswith` may be given",
                        ));
                    }
                    s.position = Some(match m {
                        M::Contains => Position::Contains,
                        M::StartsWith => Position::StartsWith,
                        _ => Position::EndsWith,
                    });
                }
                M::All => s.all = true,
                M::Re => s.re = true,
                M::I => s.re_i = true,
                M::M => s.re_m = true,
                M::S => s.re_s = true,
                M::Cased => s.cased = true,
                M::Exists => s.exists = true,
                M::Neq => s.neq = true,
                M::Lt | M::Lte | M::Gt | M::Gte => {
                    if s.cmp.is_some() {
                        return Err(invalid("only one of `lt`, `lte`, `gt` and `gte` may be given"));
                    }
                    s.cmp = Some(match m {
                        M::Lt => Cmp::Lt,
                        M::Lte => Cmp::Lte,
                        M::Gt => Cmp::Gt,
                        _ => Cmp::Gte,
                    });
                }
                M::Cidr => s.cidr = true,
                M::Base64 | M::Base64Offset => {
                    if s.base64.is_some() {
                        return Err(invalid("only one of `base64` and `base64offset` may be given"));
                    }
                    if s.position.is_some() {
                        return Err(invalid(format!(
                            "`{}` must come before `contains`/`startswith`/`endswith`: the wildcards they add cannot be encoded",
                            name_of(m)
                        )));
                    }
                    s.base64 = Some(if m == M::Base64 { B64::Plain } else { B64::Offset });
                }
                M::Utf16le | M::Utf16be | M::Utf16 | M::Wide => {
                    if s.wide.is_some() {
                        return Err(invalid(
                            "only one of `utf16le`, `utf16be`, `utf16` and `wide` may be given",
                        ));
                    }
                    if s.base64.is_some() {
                        return Err(invalid(format!(
                            "`{}` must come before `base64`/`base64offset`",
                            name_of(m)
                        )));
                    }
                    if !chain[i + 1..].iter().any(|x| matches!(x, M::Base64 | M::Base64Offset)) {
                        return Err(ProblemKind::Unsupported {
                            feature: format!("`{}` without `base64`/`base64offset`", name_of(m)),
                            reason: "UTF-16 bytes never occur in CloudTrail's JSON text; encode them with `base64` or `base64offset`".into(),
                        });
                    }
                    s.wide = Some(match m {
                        M::Utf16be => Wide::Be,
                        M::Utf16 => Wide::Bom,
                        _ => Wide::Le,
                    });
                }
                M::Windash => s.windash = true,
                M::Expand => s.expand = true,
                M::FieldRef => s.fieldref = true,
                M::Minute | M::Hour | M::Day | M::Week | M::Month | M::Year => {
                    if s.time.is_some() {
                        return Err(invalid("only one time part (`minute` … `year`) may be given"));
                    }
                    s.time = Some(match m {
                        M::Minute => TimePart::Minute,
                        M::Hour => TimePart::Hour,
                        M::Day => TimePart::Day,
                        M::Week => TimePart::Week,
                        M::Month => TimePart::Month,
                        _ => TimePart::Year,
                    });
                }
            }
        }
        s.check()?;
        Ok(s)
    }

    fn string_transforms(&self) -> bool {
        self.position.is_some() || self.windash || self.base64.is_some() || self.wide.is_some()
    }

    fn check(&self) -> Result<(), ProblemKind> {
        if (self.re_i || self.re_m || self.re_s) && !self.re {
            return Err(invalid("`i`, `m` and `s` are flags of `re` and need it"));
        }
        if self.exists
            && (self.string_transforms()
                || self.all
                || self.re
                || self.cased
                || self.neq
                || self.cidr
                || self.cmp.is_some()
                || self.fieldref
                || self.expand
                || self.time.is_some())
        {
            return Err(invalid("`exists` cannot be combined with other modifiers"));
        }
        if self.re
            && (self.windash
                || self.base64.is_some()
                || self.cidr
                || self.cmp.is_some()
                || self.neq
                || self.fieldref
                || self.time.is_some())
        {
            return Err(invalid(
                "`re` can be combined only with `i`, `m`, `s`, `all`, `cased`, `expand` and `contains`/`startswith`/`endswith`",
            ));
        }
        if self.cidr
            && (self.string_transforms() || self.cmp.is_some() || self.fieldref || self.time.is_some() || self.cased)
        {
            return Err(invalid("`cidr` can be combined only with `all`, `neq` and `expand`"));
        }
        if self.cmp.is_some() && (self.string_transforms() || self.fieldref || self.cased || self.neq) {
            return Err(invalid(
                "`lt`/`lte`/`gt`/`gte` compare numbers and take no string modifiers",
            ));
        }
        if self.time.is_some() && (self.string_transforms() || self.fieldref || self.cased) {
            return Err(invalid(
                "time parts (`minute` … `year`) take only `lt`/`lte`/`gt`/`gte`, `neq` and `all`",
            ));
        }
        if self.fieldref && (self.windash || self.base64.is_some() || self.expand) {
            return Err(invalid(
                "`fieldref` can be combined only with `contains`/`startswith`/`endswith`, `cased`, `neq` and `all`",
            ));
        }
        Ok(())
    }

    /// Whether the values are compared as strings (what `null` and wildcards mean depends on it).
    pub(crate) fn is_string(&self) -> bool {
        !(self.re || self.cidr || self.cmp.is_some() || self.time.is_some() || self.fieldref || self.exists)
    }
}

pub(crate) fn name_of(m: Modifier) -> &'static str {
    NAMES.iter().find(|(_, x)| *x == m).map_or("?", |(n, _)| n)
}

/// Most alternatives one value may expand to (`windash`, `expand`).
pub(crate) const MAX_EXPANSION: usize = 4096;

/// `windash`: every `-` or `/` that starts a word (a non-word character or the start before it,
/// a word character after it) is tried as each of `-`, `/`, en dash, em dash and horizontal bar,
/// as pySigma does.
pub(crate) fn windash(value: &str) -> Result<Vec<String>, ProblemKind> {
    const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
    let chars: Vec<char> = value.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let spots: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '-' | '/')
                && (i == 0 || !is_word(chars[i - 1]))
                && chars.get(i + 1).is_some_and(|&c| is_word(c))
        })
        .collect();
    let total = DASHES.len().checked_pow(u32::try_from(spots.len()).unwrap_or(u32::MAX));
    if total.is_none_or(|t| t > MAX_EXPANSION) {
        return Err(ProblemKind::Unsupported {
            feature: format!("`windash` on a value with {} dashes", spots.len()),
            reason: format!("it would expand to more than {MAX_EXPANSION} alternatives"),
        });
    }
    let mut out = vec![chars.clone()];
    for &i in &spots {
        let mut next = Vec::with_capacity(out.len() * DASHES.len());
        for v in &out {
            for d in DASHES {
                let mut w = v.clone();
                w[i] = d;
                next.push(w);
            }
        }
        out = next;
    }
    Ok(out.into_iter().map(|v| v.into_iter().collect()).collect())
}

/// `expand`: replace every `%name%` by each of its configured values.
pub(crate) fn expand(
    value: &str,
    placeholders: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<Vec<String>, ProblemKind> {
    let mut out = vec![String::new()];
    let mut rest = value;
    while let Some(start) = rest.find('%') {
        let Some(len) = rest[start + 1..].find('%') else { break };
        let name = &rest[start + 1..start + 1 + len];
        for o in &mut out {
            o.push_str(&rest[..start]);
        }
        let Some(values) = placeholders.get(name) else {
            return Err(ProblemKind::Unsupported {
                feature: format!("placeholder `%{name}%`"),
                reason: format!("no values are configured for `{name}`; give them in the Sigma placeholder settings"),
            });
        };
        if values.is_empty() {
            return Ok(Vec::new());
        }
        if out.len().saturating_mul(values.len()) > MAX_EXPANSION {
            return Err(ProblemKind::Unsupported {
                feature: format!("placeholder `%{name}%`"),
                reason: format!("the value would expand to more than {MAX_EXPANSION} alternatives"),
            });
        }
        out = out
            .iter()
            .flat_map(|o| values.iter().map(move |v| format!("{o}{v}")))
            .collect();
        rest = &rest[start + 2 + len..];
    }
    for o in &mut out {
        o.push_str(rest);
    }
    Ok(out)
}

/// The bytes of `value` in the requested encoding.
pub(crate) fn encode_wide(value: &str, wide: Option<Wide>) -> Vec<u8> {
    match wide {
        None => value.as_bytes().to_vec(),
        Some(w) => {
            let mut out = Vec::with_capacity(value.len() * 2 + 2);
            if w == Wide::Bom {
                out.extend_from_slice(&[0xff, 0xfe]);
            }
            for u in value.encode_utf16() {
                let b = if w == Wide::Be {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                };
                out.extend_from_slice(&b);
            }
            out
        }
    }
}

/// `base64`: the encoding of the whole value.
pub(crate) fn base64_plain(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `base64offset`: the three encodings of the value at offsets 0, 1 and 2 within a larger
/// encoded text, keeping only the characters that depend on the value alone.
pub(crate) fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    (0..3)
        .map(|shift| {
            let mut padded = vec![b' '; shift];
            padded.extend_from_slice(bytes);
            let enc = base64::engine::general_purpose::STANDARD.encode(&padded);
            let trim_end = match (bytes.len() + shift) % 3 {
                0 => 0,
                1 => 3,
                _ => 2,
            };
            let end = enc.len().saturating_sub(trim_end);
            enc.get(START[shift]..end).unwrap_or_default().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Modifier as M;

    #[test]
    fn names_and_suggestions() {
        assert_eq!(parse_modifier("contains"), Ok(M::Contains));
        assert_eq!(parse_modifier("dotall"), Ok(M::S));
        match parse_modifier("contians") {
            Err(ProblemKind::UnknownModifier { suggestion, .. }) => assert_eq!(suggestion, Some("contains")),
            other => panic!("{other:?}"),
        }
        match parse_modifier("zzzzzz") {
            Err(ProblemKind::UnknownModifier { suggestion, .. }) => assert_eq!(suggestion, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn combinations() {
        assert!(Spec::from_chain(&[M::Contains, M::All]).is_ok());
        assert!(Spec::from_chain(&[M::Wide, M::Base64Offset, M::Contains]).is_ok());
        assert!(Spec::from_chain(&[M::Contains, M::Base64]).is_err());
        assert!(Spec::from_chain(&[M::Contains, M::StartsWith]).is_err());
        assert!(Spec::from_chain(&[M::I]).is_err());
        assert!(Spec::from_chain(&[M::Re, M::I, M::M, M::S]).is_ok());
        assert!(Spec::from_chain(&[M::Exists, M::Contains]).is_err());
        assert!(Spec::from_chain(&[M::Contains, M::Contains]).is_err());
        assert!(matches!(
            Spec::from_chain(&[M::Utf16le]),
            Err(ProblemKind::Unsupported { .. })
        ));
        assert!(Spec::from_chain(&[M::FieldRef, M::Neq]).is_ok());
        assert!(Spec::from_chain(&[M::Hour, M::Gte]).is_ok());
        assert!(Spec::from_chain(&[M::Gt, M::Lt]).is_err());
    }

    #[test]
    fn windash_permutes_leading_dashes_only() {
        let v = windash("-foo /bar x-y").unwrap();
        assert_eq!(v.len(), 25);
        assert!(v.contains(&"/foo -bar x-y".to_string()));
        assert!(v.contains(&"\u{2014}foo \u{2015}bar x-y".to_string()));
        assert!(v.iter().all(|s| s.ends_with("x-y")));
        assert_eq!(windash("plain").unwrap(), vec!["plain".to_string()]);
        assert!(windash(&"-a ".repeat(10)).is_err());
    }

    #[test]
    fn expand_placeholders() {
        let mut p = std::collections::BTreeMap::new();
        p.insert("admins".to_string(), vec!["alice".to_string(), "bob".to_string()]);
        assert_eq!(
            expand("user/%admins%", &p).unwrap(),
            vec!["user/alice".to_string(), "user/bob".to_string()]
        );
        assert_eq!(expand("100%", &p).unwrap(), vec!["100%".to_string()]);
        assert!(matches!(expand("%missing%", &p), Err(ProblemKind::Unsupported { .. })));
    }

    #[test]
    fn base64_offsets_are_the_stable_parts() {
        // Independently: "ping" at every offset in a longer text contains one of the variants.
        let variants = base64_offsets(b"ping");
        for prefix in ["", "a", "ab", "abc", "abcd"] {
            for suffix in ["", "z", "zz", "zzz"] {
                let enc = base64_plain(format!("{prefix}ping{suffix}").as_bytes());
                assert!(
                    variants.iter().any(|v| enc.contains(v.as_str())),
                    "{prefix}ping{suffix} -> {enc} vs {variants:?}"
                );
            }
        }
        assert_eq!(base64_plain(b"ping"), "cGluZw==");
        assert_eq!(encode_wide("cmd", Some(Wide::Le)), b"c\0m\0d\0");
        assert_eq!(encode_wide("cmd", Some(Wide::Be)), b"\0c\0m\0d");
        assert_eq!(encode_wide("cmd", Some(Wide::Bom)), b"\xff\xfec\0m\0d\0");
    }
}
