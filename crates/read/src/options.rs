//! Reader limits and settings.

use trailguard_json::Limits;

/// How the reader works and what it refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Most bytes one object may inflate to (decompression bombs).
    pub max_inflate: u64,
    /// Objects whose text fits in this many bytes are read whole (fastest); larger ones and
    /// standard input are streamed in chunks.
    pub whole_object: u64,
    /// Largest single JSON value (one record, or a non-`Records` top-level value).
    pub max_value: usize,
    /// JSON nesting and string limits.
    pub json: Limits,
    /// Bytes read (or inflated) per step when streaming.
    pub chunk: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_inflate: 16 << 30,
            whole_object: 256 << 20,
            max_value: 64 << 20,
            json: Limits::default(),
            chunk: 4 << 20,
        }
    }
}
