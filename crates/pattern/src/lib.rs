//! CloudWatch Logs filter patterns — the language of metric filters, subscription filters,
//! `FilterLogEvents` and Live Tail — for CloudTrail records: parse, match, lint, explain, and
//! decide whether one pattern covers another.
//!
//! - [`Pattern::parse`] reads all four kinds: JSON (`{ $.eventName = "StopLogging" }`),
//!   space-delimited (`[ip, user, ..., status_code = 4*, bytes]`), regex (`%[Ee]rror%`) and terms
//!   (`ERROR -ARGUMENTS`, `?WARN ?ERROR`, `"exact phrase"`). It is lenient where guides print
//!   patterns AWS rejects (`$.errorMessage EXISTS` is read as `$.errorMessage = *`) and says so in
//!   [`Pattern::diagnostics`]; [`Pattern::parse_strict`] accepts only what AWS accepts.
//! - [`Pattern::matches`] runs the compiled pattern on a [`trailguard_model::Event`] with AWS's
//!   semantics: a missing field makes both `=` and `!=` false, `IS NULL` needs a JSON `null`,
//!   arrays and objects never equal a value, `*` is a wildcard at the ends of a value. Term, regex
//!   and space-delimited patterns see the record as CloudWatch Logs holds it ([`log_message`]).
//!   [`Pattern::matches_message`] and [`Pattern::test_message`] take any log line, as
//!   `TestMetricFilter` does.
//! - [`lint`] lists what AWS would reject and what looks like a mistake, each with a stable
//!   [`Code`] and, where there is one, the AWS-valid replacement; [`explain`] says in words what
//!   a pattern matches.
//! - [`covers`] decides whether every CloudTrail record one pattern matches is matched by
//!   another (a customer's metric filter against the CIS pattern), or says it cannot tell.
//!
//! ```
//! use trailguard_model::decode_event_text;
//! use trailguard_pattern::{Pattern, covers, Coverage};
//!
//! let ev = decode_event_text(r#"{"eventTime":"2024-05-01T10:00:00Z","eventSource":"cloudtrail.amazonaws.com",
//!   "eventName":"StopLogging","userIdentity":{"type":"IAMUser"}}"#).unwrap();
//! let cis = Pattern::parse("{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || \
//!     ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }").unwrap();
//! assert!(cis.matches(&ev));
//!
//! let theirs = Pattern::parse(r#"{$.eventName="StopLogging"||$.eventName="DeleteTrail"||$.eventName="UpdateTrail"||
//!     $.eventName="CreateTrail"||$.eventName="StartLogging"||$.eventName="PutEventSelectors"}"#).unwrap();
//! assert!(matches!(covers(&theirs, &cis), Coverage::Covers));
//!
//! let guide = Pattern::parse("{ ($.eventName = ConsoleLogin) && ($.errorMessage EXISTS) }").unwrap();
//! assert_eq!(guide.diagnostics()[0].code.as_str(), "FP204");
//! assert_eq!(guide.to_string(), r#"{ $.eventName = "ConsoleLogin" && $.errorMessage = * }"#);
//! ```

#![deny(missing_docs)]

mod ast;
mod cover;
mod delimited;
mod diag;
mod error;
mod eval;
mod explain;
mod lint;
mod parse;
mod regex;
mod text;

use std::fmt;

pub use ast::{
    Ast, Check, Column, Condition, Expr, Field, Kind, Literal, NumberLit, Op, RegexLit, Selector, Span, StrLit,
    StrPart, Term, TermKind, Test, Wildcard,
};
pub use cover::{Coverage, Missed, covers};
pub use diag::{Code, Diagnostic, Replacement, Severity};
pub use error::{ParseError, ParseErrorKind, caret_lines};
pub use eval::Subject;
pub use explain::explain;
pub use lint::{AWS_MAX_CHARS, AWS_MAX_REGEXES, AWS_MAX_WILDCARD_SELECTORS, lint};
pub use parse::{MAX_DEPTH, MAX_PATTERN_BYTES};
pub use text::log_message;

/// A parsed and compiled filter pattern. Parse once, match many times; cheap to share between
/// threads.
pub struct Pattern {
    source: String,
    ast: Ast,
    notes: Vec<Diagnostic>,
    matcher: eval::Matcher,
}

/// A match of a log message, as `TestMetricFilter` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageMatch {
    /// For space-delimited patterns, the field values a metric filter can use: `$name` for named
    /// columns, `$n` (1-based) for columns under `...` or left unnamed. Empty for other kinds.
    pub extracted: Vec<(String, String)>,
}

impl Pattern {
    /// Read a pattern, leniently: constructs AWS rejects but whose meaning is clear (`EXISTS`,
    /// `IS NOT NULL`, bracket keys in double quotes, unquoted terms with symbols, regex
    /// characters outside AWS's list, quotas) are accepted and listed in
    /// [`Pattern::diagnostics`] as errors.
    pub fn parse(text: &str) -> Result<Pattern, ParseError> {
        let parsed = parse::parse(text)?;
        let matcher = eval::compile(&parsed.ast, text)?;
        let mut notes = parsed.notes;
        notes.extend(lint::check(&parsed.ast, text));
        lint::sort(&mut notes);
        Ok(Pattern {
            source: text.to_owned(),
            ast: parsed.ast,
            notes,
            matcher,
        })
    }

    /// Read a pattern as CloudWatch Logs would: anything AWS rejects is an error.
    pub fn parse_strict(text: &str) -> Result<Pattern, ParseError> {
        let p = Pattern::parse(text)?;
        if let Some(d) = p.notes.iter().find(|d| d.severity == Severity::Error) {
            return Err(ParseError::new(
                ParseErrorKind::Rejected {
                    code: d.code,
                    message: d.message.clone(),
                },
                d.span,
                text,
            ));
        }
        Ok(p)
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed tree.
    pub fn ast(&self) -> &Ast {
        &self.ast
    }

    /// Which language the pattern is written in.
    pub fn kind(&self) -> Kind {
        self.ast.kind()
    }

    /// What [`lint`] says about the pattern: errors are constructs AWS rejects that trailguard
    /// read leniently; warnings are probable mistakes.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.notes
    }

    /// Whether CloudWatch Logs would accept the pattern as written.
    pub fn aws_accepts(&self) -> bool {
        !self.notes.iter().any(|d| d.severity == Severity::Error)
    }

    /// Whether the pattern matches this CloudTrail record.
    pub fn matches(&self, event: &trailguard_model::Event<'_>) -> bool {
        self.matcher.is_match(&Subject::event(event))
    }

    /// Whether the pattern matches a subject; use one [`Subject`] per record when matching several
    /// patterns, so that its message text is worked out once.
    pub fn is_match(&self, subject: &Subject<'_>) -> bool {
        self.matcher.is_match(subject)
    }

    /// Whether the pattern matches a log message (one line of text).
    pub fn matches_message(&self, message: &str) -> bool {
        self.matcher.is_match(&Subject::message(message))
    }

    /// Match a log message the way `TestMetricFilter` does: `None` when it does not match, else the
    /// values a space-delimited pattern extracts.
    pub fn test_message(&self, message: &str) -> Option<MessageMatch> {
        if !self.matches_message(message) {
            return None;
        }
        let extracted = match &self.matcher {
            eval::Matcher::Delimited(fields) => delimited::extract(fields, message).unwrap_or_default(),
            _ => Vec::new(),
        };
        Some(MessageMatch { extracted })
    }

    /// What the pattern matches, in words.
    pub fn explain(&self) -> String {
        explain(self)
    }

    /// The `eventName` values outside which the pattern cannot match, when the pattern pins
    /// them down (`$.eventName = A || $.eventName = B` gives `A`, `B`; a conjunction with such a
    /// test gives its names); `None` when records with any name may match. A detection engine can
    /// index its patterns by these names and skip the others for each record.
    pub fn event_names(&self) -> Option<Vec<String>> {
        let Ast::Json(e) = &self.ast else { return None };
        let mut names: Vec<String> = event_names(e)?.into_iter().collect();
        names.sort_unstable();
        Some(names)
    }
}

fn event_names(e: &Expr) -> Option<std::collections::BTreeSet<String>> {
    match e {
        Expr::Test(t) => {
            let [trailguard_model::Step::Key(k)] = t.selector.steps.as_slice() else {
                return None;
            };
            if &**k != "eventName" {
                return None;
            }
            match &t.check {
                Check::Compare { op: Op::Eq, value } => match value {
                    Literal::Str(s) => match s.wildcard() {
                        Wildcard::Exact(v) => Some([v].into()),
                        _ => None,
                    },
                    Literal::Number(n) => Some([n.text.clone()].into()),
                    Literal::Regex(_) => None,
                },
                _ => None,
            }
        }
        Expr::And(v) => v
            .iter()
            .filter_map(event_names)
            .reduce(|a, b| a.intersection(&b).cloned().collect()),
        Expr::Or(v) => v
            .iter()
            .map(event_names)
            .try_fold(std::collections::BTreeSet::new(), |mut acc, s| {
                acc.extend(s?);
                Some(acc)
            }),
    }
}

impl fmt::Display for Pattern {
    /// The canonical form: parses back to the same tree; AWS-valid whenever the only errors were
    /// constructs read leniently.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ast.fmt(f)
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pattern")
            .field("source", &self.source)
            .field("ast", &self.ast)
            .finish_non_exhaustive()
    }
}

impl std::str::FromStr for Pattern {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Pattern, ParseError> {
        Pattern::parse(s)
    }
}
