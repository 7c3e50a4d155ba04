//! Reading CloudTrail input: sources, capped gzip, every input shape → records.
//!
//! ```text
//! FileList (walk a folder / a file / stdin / memory)
//!   └─ Worker::read(file)            one file: read whole or stream, inflate (capped)
//!        └─ Decoder                  any shape → records, resumable across chunks
//!             └─ Sink                record(), issue(), object(), digest(), file_done()
//! read_all / read_ordered            all files on all cores
//! ```
//!
//! Untrusted input never panics and is always bounded: inflated size ([`ReadOptions::max_inflate`]),
//! single-value size, nesting depth and string length. Whatever cannot be used is reported as an
//! [`Issue`] naming the file, the record index and the byte offset, and reading goes on.

#![deny(missing_docs)]

mod container;
mod file;
pub mod gzip;
mod issue;
pub mod layout;
mod options;
mod parallel;
mod sink;
mod source;

pub use file::Worker;
pub use issue::{Issue, Severity};
pub use options::ReadOptions;
pub use parallel::{Cancel, NoProgress, Progress, read_all, read_ordered};
pub use sink::{FileSummary, ObjectBytes, RecordAt, Sink};
pub use source::{FileList, Ignored, InputFile, Location, ObjectKind, SourceError};
