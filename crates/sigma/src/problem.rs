//! What can go wrong with a rule, and where: every problem names the file, the document in it,
//! the line and column, the rule (title and id when known) and the field.

use std::sync::Arc;

use crate::yaml::Pos;

/// Where something was written: a file (or any name the caller gave the text), the YAML
/// document in it (from 0) and a position.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The file's path, or the name the text was given.
    pub file: Arc<str>,
    /// Index of the YAML document in the file (from 0).
    pub document: usize,
    /// Line and column.
    pub pos: Pos,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.pos)?;
        if self.document > 0 {
            write!(f, " (document {})", self.document + 1)?;
        }
        Ok(())
    }
}

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The rule loads and runs, but something about it deserves a look.
    Warning,
    /// The rule is valid but its logsource does not fit CloudTrail, so it is not applied.
    NotApplied,
    /// The rule uses something trailguard does not support; it is refused.
    Unsupported,
    /// The rule (or file) is invalid; it is refused.
    Error,
}

impl Severity {
    /// A short word for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::NotApplied => "not applied",
            Severity::Unsupported => "unsupported",
            Severity::Error => "error",
        }
    }
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The text is not valid YAML (or exceeds the bounds on rule files).
    Yaml {
        /// The parser's message.
        message: String,
    },
    /// A required key is missing.
    Missing {
        /// The key.
        key: &'static str,
    },
    /// A value has the wrong shape.
    Type {
        /// What was expected ("a string", "a list of strings").
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// A value is not one of the allowed ones.
    Invalid {
        /// Why.
        message: String,
    },
    /// A modifier that Sigma does not define.
    UnknownModifier {
        /// The modifier as written.
        name: String,
        /// A close known modifier, if any.
        suggestion: Option<&'static str>,
    },
    /// The condition cannot be parsed or refers to something that does not exist.
    Condition {
        /// The condition as written.
        condition: String,
        /// Column in the condition (from 1).
        column: usize,
        /// Why.
        message: String,
    },
    /// A regular expression that does not compile.
    Regex {
        /// The pattern.
        pattern: String,
        /// The regex engine's message.
        message: String,
    },
    /// A feature trailguard does not support; the rule is refused.
    Unsupported {
        /// What.
        feature: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// The rule's logsource does not describe CloudTrail; the rule is not applied.
    Logsource {
        /// The logsource, as `product/service/category`.
        logsource: String,
    },
    /// A correlation or filter refers to a rule that is not loaded (or not applied).
    Reference {
        /// The reference as written (id or name).
        reference: String,
        /// Why it cannot be used.
        message: String,
    },
    /// Two rules share an id or a name.
    Duplicate {
        /// The id or name.
        key: String,
        /// Where the first one is.
        first: Origin,
    },
    /// A lint finding: the rule works, but probably not as its author meant.
    Lint {
        /// A stable code (`field-path-literal`, `unknown-field`, …).
        code: &'static str,
        /// The finding.
        message: String,
    },
}

impl ProblemKind {
    /// How serious this kind of problem is.
    pub fn severity(&self) -> Severity {
        match self {
            ProblemKind::Unsupported { .. } => Severity::Unsupported,
            ProblemKind::Logsource { .. } => Severity::NotApplied,
            ProblemKind::Lint { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProblemKind::Yaml { message } => write!(f, "invalid YAML: {message}"),
            ProblemKind::Missing { key } => write!(f, "`{key}` is required"),
            ProblemKind::Type { expected, found } => write!(f, "expected {expected}, found {found}"),
            ProblemKind::Invalid { message } => f.write_str(message),
            ProblemKind::UnknownModifier { name, suggestion } => {
                write!(f, "unknown modifier `{name}`")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean `{s}`?)")?;
                }
                Ok(())
            }
            ProblemKind::Condition {
                condition,
                column,
                message,
            } => write!(f, "condition `{condition}`, column {column}: {message}"),
            ProblemKind::Regex { pattern, message } => {
                let first = message.lines().last().unwrap_or(message).trim();
                write!(f, "regular expression `{pattern}` does not compile: {first}")
            }
            ProblemKind::Unsupported { feature, reason } => write!(f, "{feature} is not supported: {reason}"),
            ProblemKind::Logsource { logsource } => write!(
                f,
                "logsource {logsource} does not describe CloudTrail (product: aws, service: cloudtrail); the rule is not applied"
            ),
            ProblemKind::Reference { reference, message } => write!(f, "rule `{reference}`: {message}"),
            ProblemKind::Duplicate { key, first } => write!(f, "`{key}` is already used by the rule at {first}"),
            ProblemKind::Lint { code, message } => write!(f, "{message} [{code}]"),
        }
    }
}

/// A problem with a rule file or a rule, with everything needed to find and fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Problem {
    /// Where.
    pub origin: Origin,
    /// The rule's title (or id), when it could be read.
    pub rule: Option<String>,
    /// The field, as a path into the document (`detection.selection.eventName|contains`).
    pub field: Option<String>,
    /// What.
    pub kind: ProblemKind,
}

impl Problem {
    /// How serious it is.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.severity().as_str())?;
        if let Some(rule) = &self.rule {
            write!(f, " in rule `{rule}`")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}
