//! The CloudTrail domain model: records, digests, time, and field access by path. No I/O.
//!
//! - [`Event`] is one record borrowed from its JSON text, decoded by [`decode_event`] in one
//!   pass: every documented field has a typed slot, payloads stay as JSON text, unknown members
//!   are kept, and the record's exact text travels with it.
//! - [`FieldPath`] gives rule engines compiled access by path.
//! - [`digest`] holds the digest-file types; [`time`] UTC timestamps.
//!
//! ```
//! use trailguard_model::{decode_event_text, FieldPath};
//! let ev = decode_event_text(r#"{"eventTime":"2024-05-01T09:00:00Z","eventSource":"cloudtrail.amazonaws.com",
//!   "eventName":"StopLogging","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory"},
//!   "requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:111122223333:trail/main"}}"#).unwrap();
//! assert_eq!(ev.event_name.as_deref(), Some("StopLogging"));
//! let p = FieldPath::dotted("requestParameters.name");
//! assert_eq!(ev.first(&p).unwrap().as_str(), Some("arn:aws:cloudtrail:us-east-1:111122223333:trail/main"));
//! ```

#![deny(missing_docs)]

mod decode;
pub mod digest;
mod event;
mod field;
pub mod lookup;
mod path;
pub mod time;

pub use decode::{DecodeError, RecordError, RecordErrorKind, decode_event, decode_event_into, decode_event_text};
pub use event::*;
pub use field::{FieldId, FieldSet};
pub use lookup::{EventFilter, LookupAttribute, LookupKey};
pub use path::{Fanout, FieldPath, Step};
pub use time::Timestamp;
pub use trailguard_json::{Kind, Raw, Value};
