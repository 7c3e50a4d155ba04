//! A fast, bounded, borrowed JSON scanner for untrusted CloudTrail input.
//!
//! CloudTrail objects are large (megabytes), deep only in their free-form payloads, and made of
//! many short strings. Decoding them into a generic tree costs more than reading them; this crate
//! lets the caller walk the text once, decode what it needs in place (strings are borrowed unless
//! they hold escapes) and skip — while fully validating — what it does not need, keeping the
//! skipped value's exact text ([`Raw`]) for later.
//!
//! Every input is bounded: nesting depth and string length have limits ([`Limits`]), nothing
//! recurses on the call stack, and every error carries the byte offset where it was found.
//!
//! ```
//! use trailguard_json::{Scanner, Kind};
//! let text = br#"{"eventName":"StopLogging","requestParameters":{"name":"main"}}"#;
//! let mut sc = Scanner::new(text);
//! let mut obj = sc.begin_object().unwrap();
//! let mut name = None;
//! let mut params = None;
//! while let Some(key) = obj.next_key(&mut sc).unwrap() {
//!     match &*key {
//!         "eventName" => name = Some(sc.parse_str().unwrap()),
//!         "requestParameters" => params = Some(sc.skip_value_raw().unwrap()),
//!         _ => sc.skip_value().unwrap(),
//!     }
//! }
//! assert_eq!(name.as_deref(), Some("StopLogging"));
//! let params = params.unwrap();
//! assert_eq!(params.kind(), Kind::Object);
//! assert_eq!(params.get("name").and_then(|v| v.as_str()).as_deref(), Some("main"));
//! ```

#![deny(missing_docs)]

mod error;
mod raw;
mod scan;
mod string;

pub use error::{Error, ErrorKind};
pub use raw::{Raw, Value};
pub use scan::{ArrayCursor, Limits, ObjectCursor, Scanner};
pub use string::{escape_into, minify_into, unescape};

/// The six kinds of JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// `[...]`
    Array,
    /// `{...}`
    Object,
}

impl Kind {
    /// The kind of the value that starts with byte `b`, if any value can.
    #[inline]
    pub fn of_first_byte(b: u8) -> Option<Kind> {
        Some(match b {
            b'"' => Kind::String,
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b't' | b'f' => Kind::Bool,
            b'n' => Kind::Null,
            b'-' | b'0'..=b'9' => Kind::Number,
            _ => return None,
        })
    }

    /// A name for messages: "a string", "an object", ...
    pub fn article_name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.article_name())
    }
}
