//! CloudWatch Logs' regular-expression dialect: checked against what AWS allows, translated to
//! the `regex` crate's syntax, and compiled.
//!
//! The `regex` crate runs in time linear in the subject for every pattern (no backtracking, no
//! look-around, no back-references), which covers everything the AWS dialect has. The dialect's
//! differences are translated:
//! - `\d \w \s` (and `\D \W \S`) are ASCII-only in AWS (`[0-9]`, `[a-zA-Z_0-9]`, tab/space/newline);
//!   the crate's are Unicode-aware, so they become explicit classes;
//! - `{,n}` becomes `{0,n}` (the crate requires a lower bound);
//! - every literal character is escaped for the crate (inside classes too, where the crate gives
//!   `[`, `&&`, `--` and `~~` special meanings AWS does not have);
//! - `.` does not match a newline (both agree; trailguard's answer to open question 11).
//!
//! What AWS rejects — characters outside its list, `(` and `)`, non-ASCII text — is noted as an
//! `FP203` diagnostic; leniently, such characters stand for themselves (parentheses group).
//! A regex that is only literal text (perhaps anchored) is run as a string search instead.

use std::fmt::Write as _;

use crate::ast::Span;
use crate::diag::{Code, Diagnostic};
use crate::error::{ParseError, ParseErrorKind as K};

/// How a translated regex runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Plain text, found with a substring search (or compared at the start / end).
    Literal { text: String, start: bool, end: bool },
    /// A real regular expression (in the crate's syntax).
    Regex(String),
}

/// Symbols AWS allows as literal characters in a regex.
fn allowed_literal(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '#' | '=' | '@' | '/' | ';' | ',' | '-' | ' ')
}

struct Tr<'a> {
    src: &'a str,
    base: usize,
    pattern: &'a str,
    pos: usize,
    out: String,
    notes: Option<&'a mut Vec<Diagnostic>>,
    /// Literal text so far, while the regex is still plain text.
    literal: Option<String>,
    anchored_start: bool,
    anchored_end: bool,
    /// Whether the previous item can take a quantifier.
    can_repeat: bool,
    /// Whether the previous item was a quantifier (a second one may only be the lazy `?`).
    after_quantifier: bool,
    depth: usize,
}

/// Check `src` (the text between `%` signs, starting at byte `base` of `pattern`) and translate it.
/// Diagnostics go to `notes` when given.
pub(crate) fn analyze(
    src: &str,
    base: usize,
    pattern: &str,
    notes: Option<&mut Vec<Diagnostic>>,
) -> Result<Plan, ParseError> {
    let mut t = Tr {
        src,
        base,
        pattern,
        pos: 0,
        out: String::with_capacity(src.len() + 8),
        notes,
        literal: Some(String::new()),
        anchored_start: false,
        anchored_end: false,
        can_repeat: false,
        after_quantifier: false,
        depth: 0,
    };
    t.run()?;
    if let Some(text) = t.literal {
        return Ok(Plan::Literal {
            text,
            start: t.anchored_start,
            end: t.anchored_end,
        });
    }
    // Compile once here so that every error is reported at parse time, with its place.
    build(&t.out).map_err(|reason| t.error(K::Regex { reason }, 0, src.len()))?;
    Ok(Plan::Regex(t.out))
}

/// Compile a translated regex with trailguard's size limits.
pub(crate) fn build(translated: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(translated)
        .size_limit(1 << 20)
        .dfa_size_limit(2 << 20)
        .nest_limit(64)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(n) => {
                format!("the expression is too large to run (it needs more than {n} bytes compiled)")
            }
            e => e.to_string().lines().last().unwrap_or("invalid").trim().to_owned(),
        })
}

fn escape_char(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

impl<'a> Tr<'a> {
    fn error(&self, kind: K, start: usize, end: usize) -> ParseError {
        ParseError::new(kind, Span::new(self.base + start, self.base + end), self.pattern)
    }

    fn fail<T>(&self, reason: impl Into<String>, start: usize, end: usize) -> Result<T, ParseError> {
        Err(self.error(K::Regex { reason: reason.into() }, start, end))
    }

    fn next(&mut self) -> Option<char> {
        let c = self.src[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn not_literal(&mut self) {
        self.literal = None;
    }

    fn disallowed(&mut self, c: char, at: usize) {
        let Some(notes) = self.notes.as_deref_mut() else { return };
        let span = Span::new(self.base + at, self.base + at + c.len_utf8());
        let (message, replacement) = if c.is_ascii() {
            let hex = format!("\\x{:02X}", c as u32);
            (
                format!(
                    "CloudWatch Logs does not allow `{c}` in a regular expression{}; write it as `{hex}`",
                    if c == '(' || c == ')' {
                        " (there are no groups)"
                    } else {
                        ""
                    }
                ),
                Some(hex),
            )
        } else {
            (
                format!("CloudWatch Logs allows only ASCII characters in a regular expression, not `{c}`"),
                None,
            )
        };
        notes.push(Diagnostic::new(
            Code::RegexCharacter,
            span,
            message,
            replacement,
            self.pattern,
        ));
    }

    fn literal_char(&mut self, c: char) {
        escape_char(&mut self.out, c);
        if let Some(l) = &mut self.literal {
            l.push(c);
        }
        self.can_repeat = true;
        self.after_quantifier = false;
    }

    fn run(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.next() {
            let at = self.pos - c.len_utf8();
            match c {
                '\\' => self.escape(at, false)?,
                '[' => self.class(at)?,
                '.' => {
                    self.not_literal();
                    self.out.push('.');
                    self.can_repeat = true;
                    self.after_quantifier = false;
                }
                '^' => {
                    if at == 0 && self.literal.is_some() {
                        self.anchored_start = true;
                    } else {
                        self.not_literal();
                    }
                    self.out.push('^');
                    self.can_repeat = false;
                    self.after_quantifier = false;
                }
                '$' => {
                    if self.pos == self.src.len() && self.literal.is_some() {
                        self.anchored_end = true;
                    } else {
                        self.not_literal();
                    }
                    self.out.push('$');
                    self.can_repeat = false;
                    self.after_quantifier = false;
                }
                '|' => {
                    self.not_literal();
                    self.out.push('|');
                    self.can_repeat = false;
                    self.after_quantifier = false;
                }
                '*' | '+' | '?' => {
                    if c == '?' && self.after_quantifier {
                        // Lazy quantifier: the same matches for a search.
                        self.out.push('?');
                        self.after_quantifier = false;
                        self.can_repeat = false;
                        continue;
                    }
                    if !self.can_repeat {
                        return self.fail(format!("`{c}` has nothing to repeat"), at, self.pos);
                    }
                    self.not_literal();
                    self.out.push(c);
                    self.can_repeat = false;
                    self.after_quantifier = true;
                }
                '{' => self.repetition(at)?,
                '(' | ')' => {
                    self.disallowed(c, at);
                    self.not_literal();
                    if c == '(' {
                        self.depth += 1;
                        if self.depth > 64 {
                            return self.fail("groups nested too deep", at, self.pos);
                        }
                        self.out.push('(');
                        self.can_repeat = false;
                    } else {
                        if self.depth == 0 {
                            return self.fail("`)` without a matching `(`", at, self.pos);
                        }
                        self.depth -= 1;
                        self.out.push(')');
                        self.can_repeat = true;
                    }
                    self.after_quantifier = false;
                }
                ']' | '}' => self.literal_char(c),
                c => {
                    if !allowed_literal(c) {
                        self.disallowed(c, at);
                    }
                    self.literal_char(c);
                }
            }
        }
        if self.depth > 0 {
            return self.fail("`(` without a matching `)`", 0, self.src.len());
        }
        Ok(())
    }

    /// After a backslash at `at`. In a class, class escapes are written without brackets where
    /// they can be.
    fn escape(&mut self, at: usize, in_class: bool) -> Result<(), ParseError> {
        let Some(c) = self.next() else {
            return self.fail("a `\\` at the end escapes nothing", at, self.pos);
        };
        let class = match c {
            'd' => Some(("0-9", false)),
            'D' => Some(("0-9", true)),
            'w' => Some(("a-zA-Z_0-9", false)),
            'W' => Some(("a-zA-Z_0-9", true)),
            's' => Some(("\\t\\n ", false)),
            'S' => Some(("\\t\\n ", true)),
            _ => None,
        };
        if let Some((items, negated)) = class {
            if !in_class {
                self.not_literal();
            }
            match (in_class, negated) {
                (true, false) => self.out.push_str(items),
                (_, true) => {
                    let _ = write!(self.out, "[^{items}]");
                }
                (false, false) => {
                    let _ = write!(self.out, "[{items}]");
                }
            }
            self.can_repeat = true;
            self.after_quantifier = false;
            return Ok(());
        }
        if c == 'x' {
            let hex: String = self.src[self.pos..].chars().take(2).collect();
            if hex.len() != 2 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                return self.fail("`\\x` needs two hex digits, as in `\\x3A`", at, self.pos);
            }
            self.pos += 2;
            let code = u32::from_str_radix(&hex, 16).unwrap_or(0);
            let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
            if in_class {
                escape_char(&mut self.out, ch);
            } else {
                self.literal_char(ch);
            }
            return Ok(());
        }
        if c.is_ascii_punctuation() || c == ' ' {
            if in_class {
                escape_char(&mut self.out, c);
            } else {
                self.literal_char(c);
            }
            return Ok(());
        }
        self.fail(
            format!(
                "`\\{c}` is not in CloudWatch Logs' regex syntax (escapes: \\d \\D \\w \\W \\s \\S \\xhh, and `\\` before a symbol)"
            ),
            at,
            self.pos,
        )
    }

    /// A class starting with `[` at `at`.
    fn class(&mut self, at: usize) -> Result<(), ParseError> {
        self.not_literal();
        self.out.push('[');
        if self.src[self.pos..].starts_with('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut first = true;
        let mut prev: Option<char> = None;
        loop {
            let item_at = self.pos;
            let Some(c) = self.next() else {
                return self.fail("`[` is never closed: add `]`", at, at + 1);
            };
            match c {
                ']' if !first => break,
                '\\' => {
                    // An escaped single character can start a range; a class escape cannot.
                    let before = self.out.len();
                    self.escape(item_at, true)?;
                    let written = &self.out[before..];
                    prev = unescape_single(written);
                }
                '-' if prev.is_some() && !self.src[self.pos..].starts_with(']') => {
                    let lo = prev.take().unwrap_or('-');
                    let hi_at = self.pos;
                    let hi = match self.next() {
                        Some('\\') => {
                            let before = self.out.len();
                            self.escape(hi_at, true)?;
                            let hi = unescape_single(&self.out[before..]);
                            self.out.truncate(before);
                            match hi {
                                Some(h) => h,
                                None => return self.fail("a range cannot end with a class escape", hi_at, self.pos),
                            }
                        }
                        Some(h) => {
                            if !allowed_literal(h) && !"^$?[]{}|*+.".contains(h) {
                                self.disallowed(h, hi_at);
                            }
                            h
                        }
                        None => return self.fail("`[` is never closed: add `]`", at, at + 1),
                    };
                    if hi < lo {
                        return self.fail(format!("the range `{lo}-{hi}` is backwards"), item_at - 1, self.pos);
                    }
                    self.out.push('-');
                    escape_char(&mut self.out, hi);
                }
                c => {
                    if !allowed_literal(c) && !"^$?[]{}|*+.".contains(c) {
                        self.disallowed(c, item_at);
                    }
                    escape_char(&mut self.out, c);
                    prev = Some(c);
                }
            }
            first = false;
        }
        self.out.push(']');
        self.can_repeat = true;
        self.after_quantifier = false;
        Ok(())
    }

    /// `{m}`, `{m,}`, `{m,n}`, `{,n}` starting at `at`.
    fn repetition(&mut self, at: usize) -> Result<(), ParseError> {
        let rest = &self.src[self.pos..];
        let Some(close) = rest.find('}') else {
            return self.fail(
                "`{` is never closed: write a repetition such as `{2}` or `{1,3}`",
                at,
                at + 1,
            );
        };
        let inner = &rest[..close];
        let num = |s: &str| -> Result<Option<u32>, ()> {
            if s.is_empty() {
                return Ok(None);
            }
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
            s.parse::<u32>().map(Some).map_err(|_| ())
        };
        let parsed = match inner.split_once(',') {
            None => num(inner).ok().flatten().map(|m| (m, Some(m), false)),
            Some((a, b)) => match (num(a), num(b)) {
                (Ok(a), Ok(b)) if a.is_some() || b.is_some() => Some((a.unwrap_or(0), b, true)),
                _ => None,
            },
        };
        let end = self.pos + close + 1;
        let Some((m, n, comma)) = parsed else {
            return self.fail(
                format!("`{{{inner}}}` is not a repetition (write `{{m}}`, `{{m,}}`, `{{m,n}}` or `{{,n}}`)"),
                at,
                end,
            );
        };
        if !self.can_repeat {
            return self.fail(format!("`{{{inner}}}` has nothing to repeat"), at, end);
        }
        if let Some(n) = n
            && n < m
        {
            return self.fail(
                format!("`{{{inner}}}` repeats at least {m} but at most {n} times"),
                at,
                end,
            );
        }
        self.pos = end;
        self.not_literal();
        match (n, comma) {
            (Some(n), true) => {
                let _ = write!(self.out, "{{{m},{n}}}");
            }
            (Some(_), false) => {
                let _ = write!(self.out, "{{{m}}}");
            }
            (None, _) => {
                let _ = write!(self.out, "{{{m},}}");
            }
        }
        self.can_repeat = false;
        self.after_quantifier = true;
        Ok(())
    }
}

/// The single character an escaped class item stands for (`\-` → `-`, `a` → `a`).
fn unescape_single(written: &str) -> Option<char> {
    let mut it = written.chars();
    match (it.next(), it.next(), it.next()) {
        (Some('\\'), Some(c), None) if c.is_ascii_punctuation() || c == ' ' => Some(c),
        (Some(c), None, None) if c != '\\' => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(src: &str) -> Plan {
        analyze(src, 1, &format!("%{src}%"), None).unwrap()
    }

    fn re(src: &str) -> String {
        match plan(src) {
            Plan::Regex(r) => r,
            p => panic!("{src}: {p:?}"),
        }
    }

    #[test]
    fn literals_become_string_tests() {
        assert_eq!(
            plan("AUTHORIZED"),
            Plan::Literal {
                text: "AUTHORIZED".into(),
                start: false,
                end: false
            }
        );
        assert_eq!(
            plan("\\x3A"),
            Plan::Literal {
                text: ":".into(),
                start: false,
                end: false
            }
        );
        assert_eq!(
            plan("10\\.10\\.0\\.1"),
            Plan::Literal {
                text: "10.10.0.1".into(),
                start: false,
                end: false
            }
        );
        assert_eq!(
            plan("^[hc]at"),
            Plan::Regex("^[hc]at".into()),
            "a class is not a literal"
        );
        assert_eq!(
            plan("^start"),
            Plan::Literal {
                text: "start".into(),
                start: true,
                end: false
            }
        );
        assert_eq!(
            plan("end$"),
            Plan::Literal {
                text: "end".into(),
                start: false,
                end: true
            }
        );
        assert!(matches!(plan("a$b"), Plan::Regex(_)));
        assert!(matches!(plan("a^b"), Plan::Regex(_)));
    }

    #[test]
    fn translation() {
        assert_eq!(re("\\d{1,3}"), "[0-9]{1,3}");
        assert_eq!(re("a{,3}"), "a{0,3}");
        assert_eq!(re("a{3,}"), "a{3,}");
        assert_eq!(re("[\\w-]+"), "[a-zA-Z_0-9\\-]+");
        assert_eq!(re("[^\\S]"), "[^[^\\t\\n ]]");
        assert_eq!(re("[a-z&&b]"), "[a-z\\&\\&b]");
        assert_eq!(re("[]a]"), "[\\]a]");
        assert_eq!(re("colou?r"), "colou?r");
        assert_eq!(re("a*?b"), "a*?b");
        assert_eq!(re("x.#"), "x.\\#");
    }

    #[test]
    fn errors() {
        for bad in [
            "*a", "a**", "a{", "a{x}", "{2}", "a{3,2}", "[a", "\\", "\\q", "\\x4", "a|+", "[z-a]", "(a", "a)",
        ] {
            assert!(analyze(bad, 1, &format!("%{bad}%"), None).is_err(), "{bad}");
        }
        let e = analyze("[a-z]{50000}", 0, "[a-z]{50000}", None).unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
    }

    #[test]
    fn disallowed_characters_are_noted() {
        let mut notes = Vec::new();
        let src = "%something!(x)café%";
        analyze(&src[1..src.len() - 1], 1, src, Some(&mut notes)).unwrap();
        let found: Vec<_> = notes.iter().map(|d| &src[d.span.start..d.span.end]).collect();
        assert_eq!(found, ["!", "(", ")", "é"]);
        assert_eq!(notes[0].replacement.as_ref().unwrap().text, "\\x21");
    }
}
