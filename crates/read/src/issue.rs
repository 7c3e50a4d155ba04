//! What the reader could not use, or noticed, with where it happened.
//!
//! Every issue names the file, and where known the record index and the byte offset in the
//! file's (inflated) text. A *skip* means input was not turned into records (and says how many
//! records were lost when that is known); a *warning* means the input was read but something is
//! off. Skips make `--strict` fail.

use std::fmt;

use trailguard_json::Kind;
use trailguard_model::RecordError;

use crate::gzip::GzipError;

/// How serious an issue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Read, but something is odd.
    Warning,
    /// Input that was not turned into records.
    Skip,
}

/// One issue.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Issue {
    /// The file (path, key or `-`).
    pub file: String,
    /// Skip or warning.
    pub severity: Severity,
    /// Index of the record in the file (0-based, counting every record-shaped value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// Byte offset in the file's text (after inflating).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Records lost because of this issue, when known (`None`: the rest of the file, count
    /// unknown).
    pub records_lost: Option<u64>,
    /// A stable code for the kind of issue (`gzip-truncated`, `record-missing-field`, …).
    pub code: &'static str,
    /// What happened, in words, with what to do where there is something to do.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(r) = self.record {
            write!(f, ": record {r}")?;
        }
        if let Some(o) = self.offset {
            write!(f, " (byte {o})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The kinds of issue, turned into [`Issue`]s by [`IssueKind::at`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum IssueKind {
    Unreadable(String),
    Empty,
    Gzip {
        error: GzipError,
        recovered: bool,
    },
    TrailingData {
        bytes: u64,
        member: bool,
    },
    Json {
        error: trailguard_json::Error,
        rest_bytes: u64,
    },
    JsonLine {
        error: trailguard_json::Error,
    },
    Record(RecordError),
    NotARecord {
        found: Kind,
    },
    TooLarge {
        limit: usize,
    },
    MissingField {
        field: &'static str,
    },
    IgnoredMember {
        key: String,
    },
    DigestContent,
    CutShort {
        rest_bytes: u64,
    },
}

impl IssueKind {
    pub(crate) fn at(self, file: &str, record: Option<u64>, offset: Option<u64>) -> Issue {
        use IssueKind as K;
        let (severity, code, lost, message) = match self {
            K::Unreadable(e) => (
                Severity::Skip,
                "file-unreadable",
                None,
                format!("cannot read the file: {e}"),
            ),
            K::Empty => (
                Severity::Skip,
                "file-empty",
                Some(0),
                "empty file (0 bytes of JSON): CloudTrail never delivers empty objects; an incomplete copy?".into(),
            ),
            K::Gzip { error, recovered } => {
                let tail = if recovered {
                    "; the records before the damage were read, the rest of the object was not"
                } else {
                    "; no records could be read from it"
                };
                let code = match error {
                    GzipError::BadHeader => "gzip-bad-header",
                    GzipError::Corrupt { .. } => "gzip-corrupt",
                    GzipError::Truncated { .. } => "gzip-truncated",
                    GzipError::TrailerMissing => "gzip-trailer-missing",
                    GzipError::CrcMismatch | GzipError::LengthMismatch => "gzip-checksum",
                    GzipError::TooLarge { .. } => "gzip-too-large",
                    GzipError::Io(_) => "file-unreadable",
                };
                // A missing trailer loses no data: every record was read.
                if error == GzipError::TrailerMissing {
                    (
                        Severity::Warning,
                        code,
                        Some(0),
                        format!("gzip: {error}; all its data was read"),
                    )
                } else {
                    (Severity::Skip, code, None, format!("gzip: {error}{tail}"))
                }
            }
            K::TrailingData { bytes, member } => (
                Severity::Skip,
                if member {
                    "gzip-appended-member"
                } else {
                    "gzip-trailing-data"
                },
                None,
                if member {
                    format!(
                        "{bytes} bytes after the first gzip member form another gzip member: not read. CloudTrail writes \
                         single-member files and digests cover only the first member, so appended data may be forged \
                         (check with `trailguard verify`)"
                    )
                } else {
                    format!("{bytes} bytes of unexpected data after the end of the gzip data: not read")
                },
            ),
            K::Json { error, rest_bytes } => (
                Severity::Skip,
                "json-invalid",
                None,
                format!(
                    "invalid JSON at byte {}: {}; the rest of the file ({rest_bytes} bytes) could not be read",
                    error.offset, error.kind
                ),
            ),
            K::JsonLine { error } => (
                Severity::Skip,
                "json-invalid-line",
                Some(1),
                format!(
                    "invalid JSON at byte {}: {}; skipped to the next line",
                    error.offset, error.kind
                ),
            ),
            K::Record(e) => {
                use trailguard_model::RecordErrorKind as R;
                let code = match e.kind {
                    R::Missing { .. } => "record-missing-field",
                    R::WrongType { .. } => "record-wrong-type",
                    R::BadTime { .. } => "record-bad-time",
                    R::DuplicateKey { .. } => "record-duplicate-key",
                    R::InvalidUtf8 => "record-invalid-utf8",
                    R::OverLimit { .. } => "record-over-limit",
                    _ => "record-invalid",
                };
                (Severity::Skip, code, Some(1), format!("record skipped: {}", e.kind))
            }
            K::NotARecord { found } => (
                Severity::Skip,
                "record-not-object",
                Some(1),
                format!("record skipped: a record must be a JSON object, found {found}"),
            ),
            K::TooLarge { limit } => (
                Severity::Skip,
                "record-too-large",
                None,
                format!("a single JSON value is larger than {limit} bytes (limit); the rest of the file was not read"),
            ),
            K::MissingField { field } => (
                Severity::Warning,
                "record-incomplete",
                Some(0),
                format!("record has no {field} (read anyway; rules on {field} cannot match it)"),
            ),
            K::IgnoredMember { key } => (
                Severity::Warning,
                "object-member-ignored",
                Some(0),
                format!("member {key:?} beside \"Records\" is not CloudTrail data and was ignored"),
            ),
            K::DigestContent => (
                Severity::Warning,
                "digest-not-records",
                Some(0),
                "this is a CloudTrail digest file, not log records: check it with `trailguard verify`".into(),
            ),
            K::CutShort { rest_bytes } => (
                Severity::Skip,
                "json-cut-short",
                Some(1),
                format!("the text ends inside a record ({rest_bytes} bytes of an incomplete record): truncated file"),
            ),
        };
        Issue {
            file: file.to_owned(),
            severity,
            record,
            offset,
            records_lost: lost,
            code,
            message,
        }
    }
}
