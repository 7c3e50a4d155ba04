//! Scanner errors: what went wrong and at which byte.

use std::fmt;

/// A JSON error at a byte offset of the scanned text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset in the scanned text.
    pub offset: usize,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, offset: usize) -> Self {
        Error { kind, offset }
    }

    /// True when the text ended before the value did (a cut file rather than bad syntax).
    pub fn is_eof(&self) -> bool {
        matches!(self.kind, ErrorKind::UnexpectedEnd)
    }
}

/// The kinds of JSON error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text ended inside a value.
    UnexpectedEnd,
    /// A byte that cannot appear here.
    Unexpected {
        /// The byte found.
        found: u8,
        /// What the grammar wanted.
        expected: &'static str,
    },
    /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
    InvalidEscape,
    /// A control character (below U+0020) inside a string.
    ControlCharacter,
    /// A malformed number.
    InvalidNumber,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// Nesting deeper than the limit.
    TooDeep {
        /// The limit.
        limit: u32,
    },
    /// A string longer than the limit.
    StringTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// An object key that appears twice where the caller forbids it.
    DuplicateKey,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnexpectedEnd => f.write_str("unexpected end of JSON"),
            ErrorKind::Unexpected { found, expected } => {
                if found.is_ascii_graphic() {
                    write!(f, "expected {expected}, found '{}'", *found as char)
                } else {
                    write!(f, "expected {expected}, found byte 0x{found:02x}")
                }
            }
            ErrorKind::InvalidEscape => f.write_str("invalid escape sequence in string"),
            ErrorKind::ControlCharacter => f.write_str("control character inside a string"),
            ErrorKind::InvalidNumber => f.write_str("invalid number"),
            ErrorKind::InvalidUtf8 => f.write_str("invalid UTF-8"),
            ErrorKind::TooDeep { limit } => write!(f, "nesting deeper than {limit} levels"),
            ErrorKind::StringTooLong { limit } => write!(f, "string longer than {limit} bytes"),
            ErrorKind::DuplicateKey => f.write_str("duplicate key"),
        }
    }
}
