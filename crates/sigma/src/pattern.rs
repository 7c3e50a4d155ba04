//! Sigma string values and their compiled string tests.
//!
//! A Sigma string is literal text with two wildcards: `*` (any run of characters, possibly
//! empty) and `?` (exactly one character). `\*` and `\?` are literal, `\\` is one backslash, and
//! a backslash before anything else is itself. Matching is case-insensitive unless the rule
//! says `cased`.
//!
//! Values are compiled to the cheapest test that decides them — equality, prefix, suffix,
//! substring, "anything", or a segment glob — never to a regular expression. ASCII needles (all
//! of the SigmaHQ CloudTrail rules) compare with ASCII case folding in place; a needle with
//! other letters lowers the field value with Unicode rules first.

use std::borrow::Cow;

/// One piece of a Sigma string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Literal text.
    Lit(String),
    /// `*`
    Star,
    /// `?`
    One,
}

/// A parsed Sigma string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SigmaStr(pub(crate) Vec<Tok>);

impl SigmaStr {
    /// Parse a value as written in a rule, wildcards and escapes included.
    pub(crate) fn parse(text: &str) -> SigmaStr {
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        lit.push(n);
                        chars.next();
                    }
                    _ => lit.push('\\'),
                },
                '*' | '?' => {
                    if !lit.is_empty() {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                    toks.push(if c == '*' { Tok::Star } else { Tok::One });
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        SigmaStr(toks)
    }

    /// A string with no wildcards.
    pub(crate) fn literal(text: &str) -> SigmaStr {
        if text.is_empty() {
            SigmaStr(Vec::new())
        } else {
            SigmaStr(vec![Tok::Lit(text.to_owned())])
        }
    }

    /// The text, if there are no wildcards.
    pub(crate) fn as_literal(&self) -> Option<String> {
        let mut s = String::new();
        for t in &self.0 {
            match t {
                Tok::Lit(l) => s.push_str(l),
                _ => return None,
            }
        }
        Some(s)
    }

    /// Put `*` in front unless there is one (`endswith`, `contains`).
    pub(crate) fn star_front(mut self) -> SigmaStr {
        if self.0.first() != Some(&Tok::Star) {
            self.0.insert(0, Tok::Star);
        }
        self
    }

    /// Put `*` at the end unless there is one (`startswith`, `contains`).
    pub(crate) fn star_back(mut self) -> SigmaStr {
        if self.0.last() != Some(&Tok::Star) {
            self.0.push(Tok::Star);
        }
        self
    }

    /// The string as a rule would write it (escapes restored), for explanations.
    pub(crate) fn display(&self) -> String {
        let mut s = String::new();
        for t in &self.0 {
            match t {
                Tok::Lit(l) => {
                    for c in l.chars() {
                        if matches!(c, '*' | '?') {
                            s.push('\\');
                        }
                        s.push(c);
                    }
                }
                Tok::Star => s.push('*'),
                Tok::One => s.push('?'),
            }
        }
        s
    }
}

/// How letters are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fold {
    /// Exactly (`cased`).
    Cased,
    /// The needle is ASCII and lowered; field bytes are lowered one by one.
    Ascii,
    /// The needle has non-ASCII letters and is lowered; the field value is lowered (Unicode).
    Unicode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum SegTok {
    Lit(Box<[u8]>),
    One,
}

/// Literal pieces and `?`s between two `*`s.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seg(Vec<SegTok>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// `*`: any string.
    Any,
    Exact(Box<[u8]>),
    Prefix(Box<[u8]>),
    Suffix(Box<[u8]>),
    Contains(Box<[u8]>),
    Glob {
        /// The first segment must match at the start.
        start: bool,
        /// The last segment must match at the end.
        end: bool,
        segs: Vec<Seg>,
    },
}

/// A compiled string test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StrMatcher {
    kind: Kind,
    fold: Fold,
}

fn lower(s: &str, fold: Fold) -> Box<[u8]> {
    match fold {
        Fold::Cased => s.as_bytes().into(),
        Fold::Ascii => s.to_ascii_lowercase().into_bytes().into(),
        Fold::Unicode => s.to_lowercase().into_bytes().into(),
    }
}

impl StrMatcher {
    /// Compile a Sigma string.
    pub(crate) fn new(s: &SigmaStr, cased: bool) -> StrMatcher {
        let fold = if cased {
            Fold::Cased
        } else if s.0.iter().all(|t| match t {
            Tok::Lit(l) => l.is_ascii(),
            _ => true,
        }) {
            Fold::Ascii
        } else {
            Fold::Unicode
        };
        // Merge runs of stars.
        let mut toks: Vec<&Tok> = Vec::with_capacity(s.0.len());
        for t in &s.0 {
            if *t == Tok::Star && toks.last() == Some(&&Tok::Star) {
                continue;
            }
            toks.push(t);
        }
        let kind = match toks.as_slice() {
            [] => Kind::Exact(Box::default()),
            [Tok::Star] => Kind::Any,
            [Tok::Lit(a)] => Kind::Exact(lower(a, fold)),
            [Tok::Lit(a), Tok::Star] => Kind::Prefix(lower(a, fold)),
            [Tok::Star, Tok::Lit(a)] => Kind::Suffix(lower(a, fold)),
            [Tok::Star, Tok::Lit(a), Tok::Star] => Kind::Contains(lower(a, fold)),
            _ => {
                let start = toks.first() != Some(&&Tok::Star);
                let end = toks.last() != Some(&&Tok::Star);
                let mut segs = Vec::new();
                let mut cur = Vec::new();
                for t in &toks {
                    match t {
                        Tok::Star => segs.push(Seg(std::mem::take(&mut cur))),
                        Tok::One => cur.push(SegTok::One),
                        Tok::Lit(l) => cur.push(SegTok::Lit(lower(l, fold))),
                    }
                }
                segs.push(Seg(cur));
                // Stars at the ends leave empty segments there; they carry no constraint.
                segs.retain(|s| !s.0.is_empty());
                Kind::Glob { start, end, segs }
            }
        };
        StrMatcher { kind, fold }
    }

    /// The lowered literal this matcher requires the whole value to equal (for indexes).
    pub(crate) fn exact_key(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Exact(n) => Some(n),
            _ => None,
        }
    }

    /// The lowered literal this matcher requires the value to start with (for indexes).
    pub(crate) fn prefix_key(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Prefix(n) => Some(n),
            Kind::Exact(n) => Some(n),
            Kind::Glob { start: true, segs, .. } => match segs.first().and_then(|s| s.0.first()) {
                Some(SegTok::Lit(l)) => Some(l),
                _ => None,
            },
            _ => None,
        }
    }

    /// The lowered literal the value must contain, if any (for prefilters over record text).
    pub(crate) fn required_literal(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Exact(n) | Kind::Prefix(n) | Kind::Suffix(n) | Kind::Contains(n) => Some(n),
            Kind::Glob { segs, .. } => segs
                .iter()
                .flat_map(|s| s.0.iter())
                .filter_map(|t| match t {
                    SegTok::Lit(l) => Some(&**l),
                    SegTok::One => None,
                })
                .max_by_key(|l| l.len()),
            Kind::Any => None,
        }
    }

    /// Whether matching ignores case.
    pub(crate) fn folds_case(&self) -> bool {
        self.fold != Fold::Cased
    }

    /// Whether `value` matches.
    pub(crate) fn is_match(&self, value: &str) -> bool {
        let lowered: Cow<'_, str> = match self.fold {
            Fold::Unicode => Cow::Owned(value.to_lowercase()),
            _ => Cow::Borrowed(value),
        };
        let h = lowered.as_bytes();
        let ci = self.fold == Fold::Ascii;
        match &self.kind {
            Kind::Any => true,
            Kind::Exact(n) => h.len() == n.len() && eq(h, n, ci),
            Kind::Prefix(n) => h.len() >= n.len() && eq(&h[..n.len()], n, ci),
            Kind::Suffix(n) => h.len() >= n.len() && eq(&h[h.len() - n.len()..], n, ci),
            Kind::Contains(n) => find(h, n, ci).is_some(),
            Kind::Glob { start, end, segs } => glob(h, *start, *end, segs, ci),
        }
    }
}

#[inline]
fn eq(h: &[u8], n: &[u8], ci: bool) -> bool {
    if ci {
        h.len() == n.len() && h.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b)
    } else {
        h == n
    }
}

/// The first position of `n` in `h`; with `ci`, `n` is lowered ASCII and `h` is compared with
/// ASCII case folding.
pub(crate) fn find(h: &[u8], n: &[u8], ci: bool) -> Option<usize> {
    let Some(&first) = n.first() else {
        return Some(0);
    };
    if !ci || !first.is_ascii_alphabetic() && n.iter().all(|b| !b.is_ascii_alphabetic()) {
        return memchr::memmem::find(h, n);
    }
    if h.len() < n.len() {
        return None;
    }
    let last_start = h.len() - n.len();
    let mut at = 0;
    while at <= last_start {
        let rel = if first.is_ascii_alphabetic() {
            memchr::memchr2(first, first.to_ascii_uppercase(), &h[at..=last_start])?
        } else {
            memchr::memchr(first, &h[at..=last_start])?
        };
        let i = at + rel;
        if eq(&h[i + 1..i + n.len()], &n[1..], true) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// Length in bytes of the UTF-8 character starting with `b`.
#[inline]
fn char_width(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// Match a segment at `i`; returns where it ends.
fn seg_at(h: &[u8], mut i: usize, seg: &Seg, ci: bool) -> Option<usize> {
    for t in &seg.0 {
        match t {
            SegTok::Lit(n) => {
                if h.len() < i + n.len() || !eq(&h[i..i + n.len()], n, ci) {
                    return None;
                }
                i += n.len();
            }
            SegTok::One => {
                let &b = h.get(i)?;
                i = (i + char_width(b)).min(h.len());
            }
        }
    }
    Some(i)
}

/// Match a segment ending at `end`; returns where it starts.
fn seg_back(h: &[u8], mut end: usize, seg: &Seg, ci: bool) -> Option<usize> {
    for t in seg.0.iter().rev() {
        match t {
            SegTok::Lit(n) => {
                if end < n.len() || !eq(&h[end - n.len()..end], n, ci) {
                    return None;
                }
                end -= n.len();
            }
            SegTok::One => {
                if end == 0 {
                    return None;
                }
                end -= 1;
                while end > 0 && (h[end] & 0xc0) == 0x80 {
                    end -= 1;
                }
            }
        }
    }
    Some(end)
}

/// Segments separated by `*`: anchored ones at the ends, the others found leftmost-first in
/// order, which is optimal for star-separated fixed-length segments.
fn glob(h: &[u8], start: bool, end: bool, segs: &[Seg], ci: bool) -> bool {
    let mut segs = segs;
    let mut pos = 0;
    let mut limit = h.len();
    if start && end && segs.len() == 1 {
        return seg_at(h, 0, &segs[0], ci) == Some(h.len());
    }
    if start {
        let Some((first, rest)) = segs.split_first() else {
            return h.is_empty() || !end;
        };
        match seg_at(h, 0, first, ci) {
            Some(e) => pos = e,
            None => return false,
        }
        segs = rest;
    }
    if end {
        let Some((last, rest)) = segs.split_last() else {
            return !start || pos == h.len();
        };
        match seg_back(h, h.len(), last, ci) {
            Some(s) if s >= pos => limit = s,
            _ => return false,
        }
        segs = rest;
    }
    for seg in segs {
        let mut found = None;
        let mut i = pos;
        while i <= limit {
            // Jump to the next place the segment's first literal could start.
            if let Some(SegTok::Lit(n)) = seg.0.first() {
                match find(&h[i..limit], n, ci) {
                    Some(rel) => i += rel,
                    None => return false,
                }
            }
            if let Some(e) = seg_at(&h[..limit], i, seg, ci) {
                found = Some(e);
                break;
            }
            if i >= limit {
                break;
            }
            i += char_width(h[i]);
        }
        match found {
            Some(e) => pos = e,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, value: &str) -> bool {
        StrMatcher::new(&SigmaStr::parse(pattern), false).is_match(value)
    }

    fn cased(pattern: &str, value: &str) -> bool {
        StrMatcher::new(&SigmaStr::parse(pattern), true).is_match(value)
    }

    #[test]
    fn escapes() {
        assert_eq!(SigmaStr::parse(r"a\*b").as_literal().as_deref(), Some("a*b"));
        assert_eq!(SigmaStr::parse(r"a\?b").as_literal().as_deref(), Some("a?b"));
        assert_eq!(
            SigmaStr::parse(r"C:\Windows\").as_literal().as_deref(),
            Some(r"C:\Windows\")
        );
        assert_eq!(SigmaStr::parse(r"a\\b").as_literal().as_deref(), Some(r"a\b"));
        assert_eq!(
            SigmaStr::parse(r"a\\*").0,
            vec![Tok::Lit(r"a\".into()), Tok::Star],
            "an escaped backslash before a wildcard"
        );
        assert_eq!(SigmaStr::parse(r"a\\\*").as_literal().as_deref(), Some(r"a\*"));
        assert_eq!(SigmaStr::parse(r"x\*?").display(), r"x\*?");
    }

    #[test]
    fn shapes() {
        assert!(m("StopLogging", "stoplogging"));
        assert!(!m("StopLogging", "StopLoggingX"));
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("Update*", "UpdateFunctionConfiguration20150331v2"));
        assert!(m("*.amazonaws.com", "EC2.AMAZONAWS.COM"));
        assert!(m("*S3 Browser*", "aws-sdk-dotnet S3 browser 10.9"));
        assert!(!m("*S3 Browser*", "S3Browser"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("*a*b*", "xxaxxbxx"));
        assert!(!m("*a*b*", "xxbxxaxx"));
        assert!(m("a?c", "abc"));
        assert!(m("a?c", "aéc"), "? is one character, not one byte");
        assert!(!m("a?c", "ac"));
        assert!(!m("a?c", "abbc"));
        assert!(m("*?", "x"));
        assert!(!m("*?", ""));
        assert!(m("?*", "é"));
        assert!(!m("ab*ba", "aba"), "anchored segments may not overlap");
        assert!(m("ab*ba", "abba"));
        assert!(m("*aab", "aaab"));
        assert!(m("*x*?y", "axbcy"));
        assert!(!m("*x*?y", "axy"));
    }

    #[test]
    fn case() {
        assert!(m("NO", "No"));
        assert!(!cased("NO", "No"));
        assert!(cased("No", "No"));
        assert!(m("*ÉTÉ*", "un été chaud"), "non-ASCII needles fold with Unicode rules");
        assert!(m("straße", "STRAßE"));
        assert!(m("*user*", "arn:aws:iam::1:USER/x"));
        assert!(!cased("*user*", "arn:aws:iam::1:USER/x"));
    }

    #[test]
    fn find_is_case_insensitive() {
        assert_eq!(find(b"xxABcd", b"abc", true), Some(2));
        assert_eq!(find(b"xxABcd", b"abc", false), None);
        assert_eq!(find(b"a1-b", b"1-b", true), Some(1));
        assert_eq!(find(b"ab", b"abc", true), None);
        assert_eq!(find(b"", b"", true), Some(0));
    }
}
