//! Parse errors: typed, with the place in the pattern and a caret rendering.

use crate::ast::Span;

/// Why a pattern could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The pattern is longer than trailguard reads.
    #[error(
        "the pattern is {len} bytes long; trailguard reads patterns up to {max} bytes (CloudWatch Logs accepts 1024 characters)"
    )]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Parentheses nested too deep.
    #[error("parentheses are nested more than {max} deep")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// Something other than what the grammar allows here.
    #[error("unexpected {found}; expected {expected}")]
    Unexpected {
        /// What was found (`"end of pattern"`, `` `)` ``, …).
        found: String,
        /// What the grammar allows here.
        expected: &'static str,
    },
    /// A quoted string, regex or bracket key that is never closed.
    #[error("{what} is never closed: add the closing {close}")]
    Unterminated {
        /// What was opened.
        what: &'static str,
        /// The character that closes it.
        close: char,
    },
    /// A construct outside the filter-pattern language, with what to write instead.
    #[error("{construct} is not part of the CloudWatch Logs filter-pattern language; write {replacement}")]
    Unsupported {
        /// The construct.
        construct: String,
        /// What to write instead.
        replacement: String,
    },
    /// A space-delimited field whose conditions name two columns.
    #[error(
        "the field `{column}` also tests `{other}`: a space-delimited field can only test its own column (CloudWatch Logs rejects this as \"Invalid filter pattern\")"
    )]
    CrossColumn {
        /// The field's column.
        column: String,
        /// The other column named in its conditions.
        other: String,
    },
    /// A regular expression trailguard cannot read or compile.
    #[error("invalid regular expression: {reason}")]
    Regex {
        /// What is wrong.
        reason: String,
    },
    /// A property selector that cannot be read.
    #[error("invalid selector: {reason}")]
    Selector {
        /// What is wrong.
        reason: String,
    },
    /// In strict mode: a construct CloudWatch Logs rejects (trailguard reads it in lenient mode).
    #[error("CloudWatch Logs rejects this pattern: {message}")]
    Rejected {
        /// The lint code.
        code: crate::Code,
        /// The lint message.
        message: String,
    },
}

impl ParseErrorKind {
    /// The stable code of this error (see [`crate::Code`]).
    pub fn code(&self) -> crate::Code {
        use crate::Code as C;
        match self {
            ParseErrorKind::TooLong { .. } | ParseErrorKind::TooDeep { .. } => C::TooLarge,
            ParseErrorKind::Unexpected { .. } => C::Syntax,
            ParseErrorKind::Unterminated { .. } => C::Unterminated,
            ParseErrorKind::Unsupported { .. } => C::UnsupportedConstruct,
            ParseErrorKind::CrossColumn { .. } => C::CrossColumn,
            ParseErrorKind::Regex { .. } => C::InvalidRegex,
            ParseErrorKind::Selector { .. } => C::InvalidSelector,
            ParseErrorKind::Rejected { code, .. } => *code,
        }
    }
}

/// A pattern that could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at column {column})")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Where, in bytes.
    pub span: Span,
    /// Where, as a 1-based column in characters.
    pub column: usize,
    pattern: String,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, span: Span, pattern: &str) -> ParseError {
        ParseError {
            kind,
            span,
            column: column_of(pattern, span.start),
            pattern: pattern.to_owned(),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> crate::Code {
        self.kind.code()
    }

    /// The pattern that failed.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The error, the pattern, and a caret line under the place:
    ///
    /// ```text
    /// error[FP103]: quoted string is never closed: add the closing " (at column 17)
    ///   { $.eventName = "StopLogging }
    ///                   ^^^^^^^^^^^^^^
    /// ```
    pub fn render(&self) -> String {
        let mut out = format!("error[{}]: {self}\n", self.code().as_str());
        out.push_str(&caret_lines(&self.pattern, self.span));
        out
    }
}

/// The 1-based character column of byte `at` in `text`.
pub(crate) fn column_of(text: &str, at: usize) -> usize {
    let at = floor_char_boundary(text, at.min(text.len()));
    text[..at].chars().count() + 1
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Two indented lines: the pattern (control characters shown as spaces) and carets under `span`.
/// Long patterns are cut to a window around the span.
pub fn caret_lines(pattern: &str, span: Span) -> String {
    const WINDOW: usize = 100;
    let start = floor_char_boundary(pattern, span.start.min(pattern.len()));
    let end = floor_char_boundary(pattern, span.end.clamp(start, pattern.len()));
    let chars: Vec<char> = pattern.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let col = pattern[..start].chars().count();
    let width = pattern[start..end].chars().count().max(1);
    let (from, lead) = if col > WINDOW / 2 {
        (col - WINDOW / 2, "…")
    } else {
        (0, "")
    };
    let to = (from + WINDOW).max(col + width).min(chars.len());
    let tail = if to < chars.len() { "…" } else { "" };
    let shown: String = chars[from..to].iter().collect();
    let pad = " ".repeat(col - from + lead.chars().count());
    let carets = "^".repeat(width.min(WINDOW));
    format!("  {lead}{shown}{tail}\n  {pad}{carets}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        assert_eq!(column_of("abc", 0), 1);
        assert_eq!(column_of("éabc", 2), 2);
        assert_eq!(column_of("éabc", 1), 1);
        assert_eq!(column_of("abc", 99), 4);
    }

    #[test]
    fn caret_under_span() {
        let r = caret_lines("{ $.a EXISTS }", Span::new(6, 12));
        assert_eq!(r, "  { $.a EXISTS }\n        ^^^^^^\n");
        let r = caret_lines("ab", Span::new(2, 2));
        assert_eq!(r, "  ab\n    ^\n");
        let long = "x".repeat(300);
        let r = caret_lines(&long, Span::new(200, 201));
        assert!(r.starts_with("  …x"), "{r}");
        let caret_col = r.lines().nth(1).unwrap().find('^').unwrap();
        assert_eq!(caret_col, 2 + 1 + 50);
    }
}
