//! Diagnostics: stable codes, severities, messages, places and fixes.
//!
//! Codes are stable: `FP1xx` are patterns trailguard cannot read, `FP2xx` constructs CloudWatch
//! Logs rejects (trailguard reads most of them leniently, so that patterns printed by guides still
//! run), `FP3xx` patterns AWS accepts that are probably not what the author meant.

use crate::ast::Span;
use crate::error::{caret_lines, column_of};

macro_rules! codes {
    ($( $(#[$doc:meta])* $id:ident = $code:literal, $name:literal, $sev:ident; )*) => {
        /// A diagnostic's stable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $id, )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[ $( Code::$id, )* ];

            /// `FP204`
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$id => $code, )* }
            }

            /// `exists-keyword`
            pub const fn name(self) -> &'static str {
                match self { $( Code::$id => $name, )* }
            }

            /// How serious a finding with this code is.
            pub const fn severity(self) -> Severity {
                match self { $( Code::$id => Severity::$sev, )* }
            }
        }
    };
}

codes! {
    /// Syntax error.
    Syntax = "FP100", "syntax", Error;
    /// A quoted string, regex or bracket key never closed.
    Unterminated = "FP101", "unterminated", Error;
    /// A construct that is not part of the language (`IN`, `NOT IN`, `IS NOT TRUE`, `==`).
    UnsupportedConstruct = "FP102", "unsupported-construct", Error;
    /// A space-delimited field that tests another column.
    CrossColumn = "FP103", "cross-column-condition", Error;
    /// A regular expression that cannot be read or compiled.
    InvalidRegex = "FP104", "invalid-regex", Error;
    /// A selector that cannot be read.
    InvalidSelector = "FP105", "invalid-selector", Error;
    /// Beyond what trailguard reads (length, nesting).
    TooLarge = "FP106", "too-large", Error;

    /// Longer than the 1024 characters CloudWatch Logs accepts.
    PatternTooLong = "FP201", "pattern-too-long", Error;
    /// More than 2 regular expressions in a JSON or space-delimited pattern.
    TooManyRegexes = "FP202", "too-many-regexes", Error;
    /// A character CloudWatch Logs does not allow in a regular expression.
    RegexCharacter = "FP203", "regex-character", Error;
    /// `EXISTS` without `NOT`.
    ExistsKeyword = "FP204", "exists-keyword", Error;
    /// `IS NOT NULL`.
    IsNot = "FP205", "is-not", Error;
    /// More than one wildcard in one selector.
    SelectorWildcards = "FP206", "selector-wildcards", Error;
    /// More than three wildcard selectors in one pattern.
    WildcardSelectors = "FP207", "wildcard-selectors", Error;
    /// `< > <= >=` with a string or regular expression.
    OrderingNonNumber = "FP208", "ordering-non-number", Error;
    /// An array index on the root (`$[0]`).
    RootIndex = "FP209", "root-index", Error;
    /// Bracket notation other than `.['key']`.
    BracketKeyForm = "FP210", "bracket-key-form", Error;
    /// A term with characters other than letters, digits and `_`, not in double quotes.
    UnquotedTerm = "FP211", "unquoted-term", Error;

    /// `?` terms next to plain or `-` terms: AWS ignores the `?` terms.
    OptionalTermsIgnored = "FP301", "optional-terms-ignored", Warning;
    /// A `*` in the middle of a value stands for itself.
    InnerStar = "FP302", "inner-star", Warning;
    /// `!=` on a field CloudTrail often leaves out: a missing field makes `!=` false.
    NotEqualMissing = "FP303", "not-equal-missing-field", Warning;
    /// `=` / `!=` on a boolean: only `IS TRUE` / `IS FALSE` test booleans.
    BooleanEquality = "FP304", "boolean-equality", Warning;
    /// An alternative that alone matches nearly every CloudTrail record.
    MatchesAlmostEverything = "FP305", "matches-almost-everything", Warning;
    /// A keyword not in upper case.
    LowercaseKeyword = "FP306", "lowercase-keyword", Warning;
    /// `=!` where `!=` was probably meant.
    EqualsBang = "FP307", "equals-bang", Warning;
    /// A test that can never be true.
    NeverMatches = "FP308", "never-matches", Warning;
    /// A condition on the last field of a space-delimited pattern, which takes the rest of the line.
    LastFieldTakesRest = "FP309", "last-field-takes-rest", Warning;
    /// At most 5 patterns with regular expressions per log group.
    RegexQuota = "FP310", "regex-quota", Note;
    /// An unescaped `.` in a regular expression between digits or letters.
    UnescapedDot = "FP311", "unescaped-dot", Warning;
    /// Two space-delimited columns with the same name.
    DuplicateColumn = "FP312", "duplicate-column", Warning;
    /// A CloudTrail field name with the wrong letter case.
    FieldCase = "FP313", "field-case", Warning;
    /// `$.Records…`: CloudTrail sends each record as its own log event.
    RecordsWrapper = "FP314", "records-wrapper", Warning;
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information.
    Note,
    /// Accepted by AWS, probably a mistake.
    Warning,
    /// Rejected by AWS (or unreadable).
    Error,
}

impl Severity {
    /// `error`, `warning`, `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Text to put in place of a span.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Replacement {
    /// What to replace.
    pub span: Span,
    /// The replacement text.
    pub text: String,
}

/// One finding about a pattern.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// The code's name (`exists-keyword`).
    pub name: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
    /// Where, in bytes.
    pub span: Span,
    /// Where, as a 1-based column in characters.
    pub column: usize,
    /// The AWS-valid text to write instead, if there is one.
    pub replacement: Option<Replacement>,
    /// The whole pattern with the replacement applied.
    pub fixed: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(
        code: Code,
        span: Span,
        message: impl Into<String>,
        replacement: Option<String>,
        pattern: &str,
    ) -> Diagnostic {
        let replacement = replacement.map(|text| Replacement { span, text });
        let fixed = replacement.as_ref().and_then(|r| {
            let (a, b) = (r.span.start.min(pattern.len()), r.span.end.min(pattern.len()));
            (pattern.is_char_boundary(a) && pattern.is_char_boundary(b))
                .then(|| format!("{}{}{}", &pattern[..a], r.text, &pattern[b..]))
        });
        Diagnostic {
            code,
            name: code.name(),
            severity: code.severity(),
            message: message.into(),
            span,
            column: column_of(pattern, span.start),
            replacement,
            fixed,
        }
    }

    /// A parse error as a diagnostic.
    pub fn from_parse_error(e: &crate::ParseError) -> Diagnostic {
        Diagnostic::new(e.code(), e.span, e.kind.to_string(), None, e.pattern())
    }

    /// The diagnostic as text, with the pattern and a caret line:
    ///
    /// ```text
    /// error[FP204 exists-keyword]: CloudWatch Logs does not support `EXISTS`; …
    ///   { ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }
    ///                                      ^^^^^^^^^^^^^^^^^^^^
    ///   AWS-valid: $.errorMessage = *
    /// ```
    pub fn render(&self, pattern: &str) -> String {
        let mut out = format!(
            "{}[{} {}]: {} (column {})\n",
            self.severity.as_str(),
            self.code.as_str(),
            self.name,
            self.message,
            self.column
        );
        out.push_str(&caret_lines(pattern, self.span));
        if let Some(r) = &self.replacement {
            let label = if self.severity == Severity::Error {
                "AWS-valid"
            } else {
                "suggested"
            };
            out.push_str(&format!("  {label}: {}\n", r.text));
        }
        out
    }
}
