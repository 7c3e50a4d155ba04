//! The parser: one pass over the pattern text, building the tree and noting every construct that
//! CloudWatch Logs would reject but trailguard can read (those become diagnostics, and errors in
//! strict mode).
//!
//! Dispatch follows AWS: after trimming whitespace, `{…}` is a JSON pattern, `[…]` a
//! space-delimited pattern, `%…%` a regular expression, anything else terms; an empty pattern and
//! `" "` match everything.

use trailguard_model::Step;

use crate::ast::{
    Ast, Check, Column, Condition, Expr, Field, Literal, NumberLit, Op, RegexLit, Selector, Span, StrLit, StrPart,
    Term, TermKind, Test, is_bare_word,
};
use crate::diag::{Code, Diagnostic};
use crate::error::{ParseError, ParseErrorKind as K};

/// The longest pattern trailguard reads, in bytes (CloudWatch Logs accepts 1024 characters; longer
/// patterns are read so that they can be linted and tried locally).
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;
/// The deepest nesting of parentheses trailguard reads.
pub const MAX_DEPTH: usize = 64;

/// A parsed pattern and what was noted on the way.
pub(crate) struct Parsed {
    pub(crate) ast: Ast,
    pub(crate) notes: Vec<Diagnostic>,
}

pub(crate) fn parse(src: &str) -> Result<Parsed, ParseError> {
    if src.len() > MAX_PATTERN_BYTES {
        return Err(ParseError::new(
            K::TooLong {
                len: src.len(),
                max: MAX_PATTERN_BYTES,
            },
            Span::new(MAX_PATTERN_BYTES, src.len()),
            src,
        ));
    }
    let start = src.len() - src.trim_start_matches(|c: char| c.is_ascii_whitespace()).len();
    let end = src.trim_end_matches(|c: char| c.is_ascii_whitespace()).len().max(start);
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: start,
        end,
        notes: Vec::new(),
        depth: 0,
    };
    let text = &src[start..end];
    let ast = if text.is_empty() || text == "\" \"" {
        Ast::MatchAll
    } else {
        match p.b[start] {
            b'{' => p.json()?,
            b'[' => p.delimited()?,
            b'%' if text.len() >= 2 && text.ends_with('%') => {
                let source = &src[start + 1..end - 1];
                crate::regex::analyze(source, start + 1, src, Some(&mut p.notes))?;
                Ast::Regex(RegexLit {
                    source: source.to_owned(),
                    span: Span::new(start, end),
                })
            }
            _ => p.terms()?,
        }
    };
    Ok(Parsed { ast, notes: p.notes })
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    end: usize,
    notes: Vec<Diagnostic>,
    depth: usize,
}

/// Characters that may follow `.` in a selector.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl<'a> Parser<'a> {
    fn err<T>(&self, kind: K, start: usize, end: usize) -> Result<T, ParseError> {
        Err(ParseError::new(kind, Span::new(start, end), self.src))
    }

    fn note(&mut self, code: Code, span: Span, message: impl Into<String>, replacement: Option<String>) {
        self.notes
            .push(Diagnostic::new(code, span, message, replacement, self.src));
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.b[self.pos])
    }

    fn at(&self, s: &str) -> bool {
        self.pos + s.len() <= self.end && self.b[self.pos..].starts_with(s.as_bytes())
    }

    fn skip_ws(&mut self) {
        while self.pos < self.end && self.b[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    /// A description of what is at `at`, and the span of that character.
    fn found(&self, at: usize) -> (String, usize) {
        if at >= self.end {
            return ("end of pattern".to_owned(), at);
        }
        let c = self.src[at..].chars().next().unwrap_or(' ');
        (format!("`{c}`"), at + c.len_utf8())
    }

    fn unexpected<T>(&self, expected: &'static str) -> Result<T, ParseError> {
        let (found, end) = self.found(self.pos);
        self.err(K::Unexpected { found, expected }, self.pos, end)
    }

    /// A `"…"` string starting at the current position; a backslash makes the next character
    /// literal. Returns its pieces (unescaped `*` as [`StrPart::Star`]).
    fn quoted(&mut self) -> Result<Vec<StrPart>, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut parts = Vec::new();
        let mut text = String::new();
        loop {
            let Some(c) = self.src[self.pos..self.end].chars().next() else {
                return self.err(
                    K::Unterminated {
                        what: "quoted string",
                        close: '"',
                    },
                    open,
                    self.end,
                );
            };
            self.pos += c.len_utf8();
            match c {
                '"' => break,
                '\\' => {
                    let Some(n) = self.src[self.pos..self.end].chars().next() else {
                        return self.err(
                            K::Unterminated {
                                what: "quoted string",
                                close: '"',
                            },
                            open,
                            self.end,
                        );
                    };
                    self.pos += n.len_utf8();
                    text.push(n);
                }
                '*' => {
                    parts.push(StrPart::Text(std::mem::take(&mut text)));
                    parts.push(StrPart::Star);
                }
                c => text.push(c),
            }
        }
        parts.push(StrPart::Text(text));
        Ok(parts)
    }

    // -----------------------------------------------------------------------------------------
    // Terms.

    fn terms(&mut self) -> Result<Ast, ParseError> {
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            let Some(first) = self.peek() else { break };
            let start = self.pos;
            let kind = match first {
                b'-' => TermKind::Excluded,
                b'?' => TermKind::Optional,
                _ => TermKind::Required,
            };
            if kind != TermKind::Required {
                self.pos += 1;
                if self.peek().is_none_or(|b| b.is_ascii_whitespace()) {
                    if kind == TermKind::Optional {
                        return self.unexpected("a term right after `?`");
                    }
                    // The 2018 text writes `"ERROR" - "Exiting"`: a lone dash excludes the next term.
                    self.skip_ws();
                    if self.peek().is_none() {
                        return self.unexpected("a term after `-`");
                    }
                }
                if matches!(self.peek(), Some(b'-' | b'?')) {
                    return self.unexpected("a term (a prefix `-` or `?` is written once)");
                }
            }
            let text = if self.peek() == Some(b'"') {
                let parts = self.quoted()?;
                parts
                    .into_iter()
                    .map(|p| match p {
                        StrPart::Text(t) => t,
                        StrPart::Star => "*".to_owned(),
                    })
                    .collect::<String>()
            } else {
                let word_start = self.pos;
                while self.pos < self.end && !self.b[self.pos].is_ascii_whitespace() && self.b[self.pos] != b'"' {
                    self.pos += 1;
                }
                let word = &self.src[word_start..self.pos];
                if !is_bare_word(word) {
                    let mut quoted = String::new();
                    let t = Term {
                        kind: TermKind::Required,
                        text: word.to_owned(),
                        span: Span::default(),
                    };
                    use std::fmt::Write as _;
                    let _ = write!(quoted, "{t}");
                    self.note(
                        Code::UnquotedTerm,
                        Span::new(word_start, self.pos),
                        format!(
                            "CloudWatch Logs requires terms with characters other than letters, digits and `_` to be in double quotes: write {quoted}"
                        ),
                        Some(quoted),
                    );
                }
                word.to_owned()
            };
            if self.peek().is_some_and(|b| !b.is_ascii_whitespace()) {
                return self.unexpected("a space between terms");
            }
            terms.push(Term {
                kind,
                text,
                span: Span::new(start, self.pos),
            });
        }
        Ok(Ast::Terms(terms))
    }

    // -----------------------------------------------------------------------------------------
    // JSON patterns.

    fn json(&mut self) -> Result<Ast, ParseError> {
        let open = self.pos;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            return self.err(
                K::Unexpected {
                    found: "`}`".into(),
                    expected: "a condition such as `$.eventName = \"StopLogging\"`",
                },
                self.pos,
                self.pos + 1,
            );
        }
        let expr = self.or_expr()?;
        self.skip_ws();
        if self.peek() != Some(b'}') {
            if self.peek().is_none() {
                return self.err(
                    K::Unterminated {
                        what: "JSON pattern `{`",
                        close: '}',
                    },
                    open,
                    open + 1,
                );
            }
            return self.unexpected("`&&`, `||` or the closing `}`");
        }
        self.pos += 1;
        if self.pos < self.end {
            return self.unexpected("end of pattern after the closing `}`");
        }
        Ok(Ast::Json(expr))
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut parts = vec![self.and_expr()?];
        loop {
            self.skip_ws();
            if !self.at("||") {
                break;
            }
            self.pos += 2;
            parts.push(self.and_expr()?);
        }
        Ok(flatten(parts, true))
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut parts = vec![self.unary()?];
        loop {
            self.skip_ws();
            if !self.at("&&") {
                break;
            }
            self.pos += 2;
            parts.push(self.unary()?);
        }
        Ok(flatten(parts, false))
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some(b'(') => {
                let open = self.pos;
                if self.depth >= MAX_DEPTH {
                    return self.err(K::TooDeep { max: MAX_DEPTH }, open, open + 1);
                }
                self.depth += 1;
                self.pos += 1;
                let e = self.or_expr()?;
                self.skip_ws();
                if self.peek() != Some(b')') {
                    if self.peek().is_none() || self.peek() == Some(b'}') && self.pos + 1 == self.end {
                        return self.err(
                            K::Unterminated {
                                what: "parenthesis `(`",
                                close: ')',
                            },
                            open,
                            open + 1,
                        );
                    }
                    return self.unexpected("`&&`, `||` or `)`");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(e)
            }
            Some(b'$') => Ok(Expr::Test(self.test()?)),
            _ => self.unexpected("a selector such as `$.eventName`, or `(`"),
        }
    }

    fn selector(&mut self) -> Result<Selector, ParseError> {
        let start = self.pos;
        self.pos += 1; // '$'
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'*') => {
                            self.pos += 1;
                            steps.push(Step::AnyMember);
                        }
                        Some(b'[') => {
                            self.pos += 1;
                            let key = self.bracket_key(true)?;
                            steps.push(Step::Key(key.into()));
                        }
                        Some(b) if is_name_byte(b) => {
                            let s = self.pos;
                            while self.peek().is_some_and(is_name_byte) {
                                self.pos += 1;
                            }
                            steps.push(Step::Key(self.src[s..self.pos].into()));
                        }
                        _ => {
                            let (found, end) = self.found(self.pos);
                            return self.err(
                                K::Selector {
                                    reason: format!("expected a field name, `*` or `['key']` after `.`, found {found}"),
                                },
                                self.pos,
                                end,
                            );
                        }
                    }
                }
                Some(b'[') => {
                    let open = self.pos;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'*') => {
                            self.pos += 1;
                            if self.peek() != Some(b']') {
                                return self.unexpected("`]` after `[*`");
                            }
                            self.pos += 1;
                            if steps.is_empty() {
                                self.root_index(open);
                            }
                            steps.push(Step::AnyElement);
                        }
                        Some(b'0'..=b'9') => {
                            let s = self.pos;
                            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                                self.pos += 1;
                            }
                            let Ok(n) = self.src[s..self.pos].parse::<usize>() else {
                                return self.err(
                                    K::Selector {
                                        reason: "the array index is too large".into(),
                                    },
                                    s,
                                    self.pos,
                                );
                            };
                            if self.peek() != Some(b']') {
                                return self.unexpected("`]` after the array index");
                            }
                            self.pos += 1;
                            if steps.is_empty() {
                                self.root_index(open);
                            }
                            steps.push(Step::Index(n));
                        }
                        Some(b'\'' | b'"') => {
                            let key = self.bracket_key(false)?;
                            let mut fixed = String::new();
                            let _ = crate::ast::write_selector(&mut fixed, &[Step::Key(key.as_str().into())]);
                            let fixed = fixed.trim_start_matches('$').to_owned();
                            self.note(
                                Code::BracketKeyForm,
                                Span::new(open, self.pos),
                                format!("CloudWatch Logs writes bracket notation as `.['key']`: write {fixed}"),
                                Some(fixed.clone()),
                            );
                            steps.push(Step::Key(key.into()));
                        }
                        _ => {
                            let (found, end) = self.found(self.pos);
                            return self.err(
                                K::Selector {
                                    reason: format!("expected an index, `*` or a quoted key after `[`, found {found}"),
                                },
                                open,
                                end,
                            );
                        }
                    }
                }
                _ => break,
            }
        }
        if steps.is_empty() {
            return self.err(
                K::Selector {
                    reason: "`$` alone is the whole event; name a field, e.g. `$.eventName`".into(),
                },
                start,
                self.pos,
            );
        }
        let end = self.pos;
        if let Some(b) = self.peek()
            && !b.is_ascii_whitespace()
            && !matches!(b, b'=' | b'!' | b'<' | b'>' | b')' | b'}' | b'&' | b'|')
        {
            let (found, fend) = self.found(self.pos);
            // Suggest bracket notation for a name with other characters in it.
            let mut name_end = self.pos;
            while name_end < self.end
                && !self.b[name_end].is_ascii_whitespace()
                && !matches!(
                    self.b[name_end],
                    b'=' | b'!' | b'<' | b'>' | b')' | b'}' | b'&' | b'|' | b'.' | b'['
                )
            {
                name_end += 1;
            }
            let reason = match steps.last() {
                Some(Step::Key(k)) if name_end > self.pos => {
                    let name = format!("{k}{}", &self.src[self.pos..name_end]);
                    let mut sel = String::new();
                    let mut s2 = steps.clone();
                    if let Some(last) = s2.last_mut() {
                        *last = Step::Key(name.as_str().into());
                    }
                    let _ = crate::ast::write_selector(&mut sel, &s2);
                    format!("{found} cannot appear in a field name after `.`; write {sel}")
                }
                _ => format!("unexpected {found} in a selector"),
            };
            return self.err(K::Selector { reason }, self.pos, fend.max(name_end));
        }
        Ok(Selector {
            steps,
            span: Span::new(start, end),
        })
    }

    fn root_index(&mut self, at: usize) {
        self.note(
            Code::RootIndex,
            Span::new(at, self.pos),
            "CloudWatch Logs does not allow an array index on the root (`$[0]`): an index must follow a property, as in `$.resources[0]`",
            None,
        );
    }

    /// After `[`: a quoted key and `]`. `dotted` tells whether it was written `.[`.
    fn bracket_key(&mut self, dotted: bool) -> Result<String, ParseError> {
        let open = self.pos - 1;
        let Some(q @ (b'\'' | b'"')) = self.peek() else {
            return self.unexpected("a quoted key such as `['cluster.name']`");
        };
        self.pos += 1;
        let mut key = String::new();
        loop {
            let Some(c) = self.src[self.pos..self.end].chars().next() else {
                return self.err(
                    K::Unterminated {
                        what: "bracket key",
                        close: q as char,
                    },
                    open,
                    self.end,
                );
            };
            self.pos += c.len_utf8();
            if c as u32 == u32::from(q) {
                break;
            }
            if c == '\\' {
                let Some(n) = self.src[self.pos..self.end].chars().next() else {
                    continue;
                };
                self.pos += n.len_utf8();
                key.push(n);
            } else {
                key.push(c);
            }
        }
        if self.peek() != Some(b']') {
            return self.unexpected("`]` after the quoted key");
        }
        self.pos += 1;
        if q == b'"' && dotted {
            let mut fixed = String::new();
            let _ = crate::ast::write_selector(&mut fixed, &[Step::Key(key.as_str().into())]);
            let fixed = fixed.trim_start_matches('$').to_owned();
            self.note(
                Code::BracketKeyForm,
                Span::new(open - 1, self.pos),
                format!("CloudWatch Logs accepts only single quotes in bracket notation: write {fixed}"),
                Some(fixed.clone()),
            );
        }
        Ok(key)
    }

    fn word(&mut self) -> (&'a str, Span) {
        let s = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        (&self.src[s..self.pos], Span::new(s, self.pos))
    }

    fn keyword(
        &mut self,
        expected: &'static str,
        options: &[&'static str],
    ) -> Result<(&'static str, Span), ParseError> {
        self.skip_ws();
        let (w, span) = self.word();
        for o in options {
            if w.eq_ignore_ascii_case(o) {
                if w != *o {
                    self.note(
                        Code::LowercaseKeyword,
                        span,
                        format!("keywords are written in upper case in every AWS example: write {o}"),
                        Some((*o).to_owned()),
                    );
                }
                return Ok((o, span));
            }
        }
        self.pos = span.start;
        self.unexpected(expected)
    }

    fn test(&mut self) -> Result<Test, ParseError> {
        let selector = self.selector()?;
        let start = selector.span.start;
        self.skip_ws();
        let op = match self.peek() {
            Some(b'=') if self.at("==") => {
                return self.err(
                    K::Unsupported {
                        construct: "`==`".into(),
                        replacement: "`=`".into(),
                    },
                    self.pos,
                    self.pos + 2,
                );
            }
            Some(b'=') => Some((Op::Eq, 1)),
            Some(b'!') if self.at("!=") => Some((Op::Ne, 2)),
            Some(b'<') if self.at("<=") => Some((Op::Le, 2)),
            Some(b'>') if self.at(">=") => Some((Op::Ge, 2)),
            Some(b'<') => Some((Op::Lt, 1)),
            Some(b'>') => Some((Op::Gt, 1)),
            Some(b'!') => {
                return self.unexpected("`!=`");
            }
            _ => None,
        };
        if let Some((op, len)) = op {
            self.pos += len;
            let value = self.value(true)?;
            let span = Span::new(start, value.span().end);
            let test = Test {
                selector,
                check: Check::Compare { op, value },
                span,
            };
            self.check_compare(&test);
            return Ok(test);
        }
        let sel_text = selector.to_string();
        let (kw, kw_span) = self.keyword(
            "an operator (`=`, `!=`, `<`, `>`, `<=`, `>=`) or `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`",
            &["IS", "NOT", "EXISTS", "IN"],
        )?;
        let check = match kw {
            "IS" => {
                let (w, w_span) = self.keyword("NULL, TRUE or FALSE after IS", &["NULL", "TRUE", "FALSE", "NOT"])?;
                match w {
                    "NULL" => Check::IsNull,
                    "TRUE" => Check::IsTrue,
                    "FALSE" => Check::IsFalse,
                    _ => {
                        let (w2, w2_span) = self.keyword("NULL after IS NOT", &["NULL", "TRUE", "FALSE"])?;
                        if w2 != "NULL" {
                            let other = if w2 == "TRUE" { "FALSE" } else { "TRUE" };
                            return self.err(
                                K::Unsupported {
                                    construct: format!("`IS NOT {w2}`"),
                                    replacement: format!(
                                        "`{sel_text} IS {other}` (a record without the field matches neither)"
                                    ),
                                },
                                kw_span.start,
                                w2_span.end,
                            );
                        }
                        let span = Span::new(start, w2_span.end);
                        let replacement = format!("{sel_text} = *");
                        self.note(
                            Code::IsNot,
                            span,
                            format!(
                                "CloudWatch Logs does not support `IS NOT`; `{sel_text} = *` is true when the field holds a string or a number (trailguard reads the pattern that way)"
                            ),
                            Some(replacement),
                        );
                        let _ = w_span;
                        Check::Compare {
                            op: Op::Eq,
                            value: Literal::Str(StrLit::new(vec![StrPart::Star], w2_span)),
                        }
                    }
                }
            }
            "NOT" => {
                let (w, w_span) = self.keyword("EXISTS after NOT", &["EXISTS", "IN"])?;
                if w == "IN" {
                    return self.err(
                        K::Unsupported {
                            construct: "`NOT IN` (it belongs to fieldSelectionCriteria, not to filter patterns)".into(),
                            replacement: format!("`({sel_text} != \"a\") && ({sel_text} != \"b\")`"),
                        },
                        kw_span.start,
                        w_span.end,
                    );
                }
                Check::NotExists
            }
            "EXISTS" => {
                let span = Span::new(start, kw_span.end);
                let replacement = format!("{sel_text} = *");
                self.note(
                    Code::ExistsKeyword,
                    span,
                    format!(
                        "CloudWatch Logs does not support `EXISTS`; `{sel_text} = *` is true when the field holds a string or a number (trailguard reads the pattern that way)"
                    ),
                    Some(replacement),
                );
                Check::Compare {
                    op: Op::Eq,
                    value: Literal::Str(StrLit::new(vec![StrPart::Star], kw_span)),
                }
            }
            _ => {
                return self.err(
                    K::Unsupported {
                        construct: "`IN` (it belongs to fieldSelectionCriteria, not to filter patterns)".into(),
                        replacement: format!("`({sel_text} = \"a\") || ({sel_text} = \"b\")`"),
                    },
                    kw_span.start,
                    kw_span.end,
                );
            }
        };
        Ok(Test {
            selector,
            check,
            span: Span::new(start, self.pos),
        })
    }

    /// Notes on a comparison that AWS rejects or that is likely a mistake.
    fn check_compare(&mut self, test: &Test) {
        let Check::Compare { op, value } = &test.check else {
            return;
        };
        if op.is_ordering() {
            match value {
                Literal::Number(_) => {}
                Literal::Str(_) | Literal::Regex(_) => {
                    self.note(
                        Code::OrderingNonNumber,
                        value.span(),
                        format!(
                            "`{}` compares numbers; CloudWatch Logs rejects it with a {} (trailguard treats the test as never true)",
                            op.as_str(),
                            if matches!(value, Literal::Regex(_)) { "regular expression" } else { "string" }
                        ),
                        None,
                    );
                }
            }
        }
        if let Literal::Str(s) = value {
            self.check_str(s, *op);
        }
    }

    fn check_str(&mut self, s: &StrLit, op: Op) {
        if s.has_inner_star() {
            self.note(
                Code::InnerStar,
                s.span,
                format!(
                    "a `*` in the middle of `{}` stands for itself (CloudWatch Logs treats `*` as a wildcard only at the start or the end of a value)",
                    s.display_text()
                ),
                None,
            );
        }
        if op == Op::Eq
            && let Some(StrPart::Text(t)) = s.parts.first()
            && t.starts_with('!')
            && self.src.get(s.span.start..s.span.start + 1) == Some("!")
        {
            let rest = &self.src[s.span.start + 1..s.span.end];
            self.note(
                Code::EqualsBang,
                s.span,
                format!("`=!{rest}` compares with a value starting with `!`; for \"not equal\" write `!= {rest}`"),
                None,
            );
        }
    }

    /// A value after an operator: a quoted string, `%regex%`, a number or a bare string.
    fn value(&mut self, json: bool) -> Result<Literal, ParseError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(b'"') => {
                let parts = self.quoted()?;
                Ok(Literal::Str(StrLit::new(parts, Span::new(start, self.pos))))
            }
            Some(b'%') => {
                let Some(close) = self.src[start + 1..self.end].find('%') else {
                    return self.err(
                        K::Unterminated {
                            what: "regular expression `%`",
                            close: '%',
                        },
                        start,
                        self.end,
                    );
                };
                let source = &self.src[start + 1..start + 1 + close];
                crate::regex::analyze(source, start + 1, self.src, Some(&mut self.notes))?;
                self.pos = start + close + 2;
                Ok(Literal::Regex(RegexLit {
                    source: source.to_owned(),
                    span: Span::new(start, self.pos),
                }))
            }
            _ => {
                while self.pos < self.end {
                    let b = self.b[self.pos];
                    let stop = b.is_ascii_whitespace()
                        || b == b'"'
                        || self.at("&&")
                        || self.at("||")
                        || if json {
                            matches!(b, b'(' | b')' | b'{' | b'}')
                        } else {
                            matches!(b, b',' | b']')
                        };
                    if stop {
                        break;
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    return self.unexpected("a value: a number, a string, `*` or `%regex%`");
                }
                let text = &self.src[start..self.pos];
                let span = Span::new(start, self.pos);
                if let Some(value) = parse_number(text) {
                    return Ok(Literal::Number(NumberLit {
                        text: text.to_owned(),
                        value,
                        span,
                    }));
                }
                let mut parts = Vec::new();
                for (i, piece) in text.split('*').enumerate() {
                    if i > 0 {
                        parts.push(StrPart::Star);
                    }
                    parts.push(StrPart::Text(piece.to_owned()));
                }
                Ok(Literal::Str(StrLit::new(parts, span)))
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Space-delimited patterns.

    fn delimited(&mut self) -> Result<Ast, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            let field_start = self.pos;
            let field = if self.at("...") {
                self.pos += 3;
                Field::Ellipsis
            } else {
                match self.peek() {
                    Some(b',' | b']') => Field::Unnamed,
                    Some(b) if is_name_byte(b) => Field::Column(self.column(field_start)?),
                    None => {
                        return self.err(
                            K::Unterminated {
                                what: "space-delimited pattern `[`",
                                close: ']',
                            },
                            open,
                            open + 1,
                        );
                    }
                    _ => return self.unexpected("a column name, `...` or `,`"),
                }
            };
            fields.push(field);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                None => {
                    return self.err(
                        K::Unterminated {
                            what: "space-delimited pattern `[`",
                            close: ']',
                        },
                        open,
                        open + 1,
                    );
                }
                _ => return self.unexpected("`,` or the closing `]`"),
            }
        }
        if self.pos < self.end {
            return self.unexpected("end of pattern after the closing `]`");
        }
        Ok(Ast::Delimited(fields))
    }

    fn column_name(&mut self) -> (&'a str, Span) {
        let s = self.pos;
        while self.peek().is_some_and(is_name_byte) {
            self.pos += 1;
        }
        (&self.src[s..self.pos], Span::new(s, self.pos))
    }

    fn delimited_op(&mut self) -> Option<Op> {
        let (op, len) = if self.at("!=") {
            (Op::Ne, 2)
        } else if self.at("<=") {
            (Op::Le, 2)
        } else if self.at(">=") {
            (Op::Ge, 2)
        } else if self.at("=") {
            (Op::Eq, 1)
        } else if self.at("<") {
            (Op::Lt, 1)
        } else if self.at(">") {
            (Op::Gt, 1)
        } else {
            return None;
        };
        self.pos += len;
        Some(op)
    }

    fn column(&mut self, start: usize) -> Result<Column, ParseError> {
        let (name, _) = self.column_name();
        let name = name.to_owned();
        self.skip_ws();
        let mut conditions: Vec<Vec<Condition>> = Vec::new();
        if matches!(self.peek(), Some(b'=' | b'!' | b'<' | b'>')) {
            let mut alt = Vec::new();
            let mut first = true;
            loop {
                let cond_start = self.pos;
                if !first {
                    self.skip_ws();
                    let (other, other_span) = self.column_name();
                    if other.is_empty() {
                        return self.unexpected("the column name again, as in `w1 = ERROR || w1 = WARN`");
                    }
                    if other != name {
                        return self.err(
                            K::CrossColumn {
                                column: name.clone(),
                                other: other.to_owned(),
                            },
                            other_span.start,
                            other_span.end,
                        );
                    }
                    self.skip_ws();
                }
                first = false;
                let Some(op) = self.delimited_op() else {
                    return self.unexpected("an operator (`=`, `!=`, `<`, `>`, `<=`, `>=`)");
                };
                let value = self.value(false)?;
                let span = Span::new(cond_start, value.span().end);
                if op.is_ordering() && !matches!(value, Literal::Number(_)) {
                    self.note(
                        Code::OrderingNonNumber,
                        value.span(),
                        format!(
                            "`{}` compares numbers; CloudWatch Logs rejects it with a string or regular expression (trailguard treats the condition as never true)",
                            op.as_str()
                        ),
                        None,
                    );
                }
                if let Literal::Str(s) = &value {
                    self.check_str(s, op);
                }
                alt.push(Condition { op, value, span });
                self.skip_ws();
                if self.at("&&") {
                    self.pos += 2;
                } else if self.at("||") {
                    self.pos += 2;
                    conditions.push(std::mem::take(&mut alt));
                } else {
                    break;
                }
            }
            conditions.push(alt);
        }
        Ok(Column {
            name,
            conditions,
            span: Span::new(start, self.pos),
        })
    }
}

/// Join parts, merging nested groups of the same kind.
fn flatten(parts: Vec<Expr>, or: bool) -> Expr {
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or(Expr::And(Vec::new()));
    }
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Expr::Or(v) if or => out.extend(v),
            Expr::And(v) if !or => out.extend(v),
            p => out.push(p),
        }
    }
    if or { Expr::Or(out) } else { Expr::And(out) }
}

/// `[+-]? digits ( "." digits )? ( [eE] [+-]? digits )?`, as a number.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    if !digits(&mut i) {
        return None;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for (t, v) in [
            ("400", 400.0),
            ("1e+3", 1000.0),
            ("+1000", 1000.0),
            ("10e3", 10000.0),
            ("-0.5", -0.5),
            ("1E-3", 0.001),
        ] {
            assert_eq!(parse_number(t), Some(v), "{t}");
        }
        for t in [
            "",
            "+",
            "1.",
            ".5",
            "1e",
            "123.123.*",
            "0x10",
            "1_000",
            "Infinity",
            "1e999",
        ] {
            assert_eq!(parse_number(t), None, "{t}");
        }
    }
}
