//! Where decoded records go: a [`Sink`] per worker thread.

use trailguard_model::Event;

use crate::gzip::GzipInfo;
use crate::issue::Issue;
use crate::source::InputFile;

/// Where a record was found.
#[derive(Clone, Copy, Debug)]
pub struct RecordAt<'f> {
    /// The file.
    pub file: &'f InputFile,
    /// Index of the record in the file (0-based, counting skipped records too).
    pub index: u64,
    /// Byte offset of the record (or of its enclosing value) in the file's inflated text.
    pub offset: u64,
}

/// A whole object's bytes, for consumers that hash or keep them (integrity verification).
#[derive(Clone, Copy, Debug)]
pub struct ObjectBytes<'b> {
    /// The bytes as stored.
    pub stored: &'b [u8],
    /// The inflated bytes (the stored bytes when the object is not gzip).
    pub text: &'b [u8],
    /// Gzip facts, when the object is gzip.
    pub gzip: Option<GzipInfo>,
}

/// What was read from one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileSummary {
    /// Records decoded.
    pub records: u64,
    /// Records known to be skipped.
    pub records_skipped: u64,
    /// Issues that skipped input (`--strict` fails on any).
    pub skips: u64,
    /// Warnings reported.
    pub warnings: u64,
    /// Bytes as stored.
    pub stored_bytes: u64,
    /// Bytes of JSON text (after inflating).
    pub text_bytes: u64,
    /// False when part of the file could not be read (the count of records lost is unknown).
    pub complete: bool,
}

/// Receives what the reader finds. One sink per worker thread; results are merged afterwards,
/// so sinks must not depend on the order in which files are read.
pub trait Sink {
    /// A record (management, data, network activity or Insights event).
    fn record(&mut self, event: &Event<'_>, at: &RecordAt<'_>);

    /// Something was skipped or looks wrong.
    fn issue(&mut self, issue: Issue);

    /// A whole log object was loaded (called before its records). Objects streamed because they
    /// are too large for one buffer, and standard input, are not passed here.
    fn object(&mut self, _file: &InputFile, _object: &ObjectBytes<'_>) {}

    /// A digest object (never decoded as records).
    fn digest(&mut self, _file: &InputFile, _object: &ObjectBytes<'_>) {}

    /// A file is finished.
    fn file_done(&mut self, _file: &InputFile, _summary: &FileSummary) {}
}
