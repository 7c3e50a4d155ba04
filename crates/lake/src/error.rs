//! The lake's errors: what failed, where, and what to do.

use arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use parquet::errors::ParquetError;

/// Why a lake operation could not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LakeError {
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// An S3 request failed.
    #[error("{path}: {source}")]
    Store {
        /// The object.
        path: String,
        /// The error.
        #[source]
        source: Box<object_store::Error>,
    },
    /// The lake location is not usable.
    #[error("lake location {location}: {reason}")]
    Location {
        /// The location as given.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// Another process holds the lake's write lock.
    #[error(
        "the lake at {location} is being written by another trailguard process; wait for it to finish (a crashed process releases the lock by itself)"
    )]
    Locked {
        /// The lake.
        location: String,
    },
    /// No lake at this location.
    #[error("no lake at {location}: run `trailguard ingest SOURCE --lake {location}` first")]
    NoLake {
        /// The lake.
        location: String,
    },
    /// The lake's metadata is damaged or was not written by trailguard.
    #[error("{path}: {reason}")]
    Corrupt {
        /// The metadata file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The lake was written by a newer layout than this build knows.
    #[error(
        "the lake at {location} uses layout {found}; this trailguard reads layout {supported} and older: upgrade trailguard"
    )]
    Version {
        /// The lake.
        location: String,
        /// The layout found.
        found: u32,
        /// The newest layout this build reads.
        supported: u32,
    },
    /// A commit record already exists: another writer committed to this lake at the same time.
    #[error("another writer committed {path} to this lake at the same time; run the command again")]
    Conflict {
        /// The commit record.
        path: String,
    },
    /// Arrow could not build or convert a batch.
    #[error("building columns: {0}")]
    Arrow(#[from] ArrowError),
    /// A Parquet file could not be written or read.
    #[error("{path}: {source}")]
    Parquet {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: ParquetError,
    },
    /// The query is not valid or failed.
    #[error("{0}")]
    Query(String),
    /// Invalid arguments (a time range, an output path).
    #[error("{0}")]
    Invalid(String),
}

impl From<DataFusionError> for LakeError {
    fn from(e: DataFusionError) -> Self {
        // DataFusion wraps errors in context layers; the innermost message is the useful one.
        LakeError::Query(e.strip_backtrace().to_string())
    }
}
