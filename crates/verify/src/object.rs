//! Where objects are: S3 locations, and why an object could not be read.

use std::fmt;

use serde::Serialize;

/// An S3 location: bucket and full key (the trail's prefix included).
///
/// Objects of a local copy are given the location they would have in S3 (see
/// [`crate::local`]); their path on disk travels separately, for messages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// Bucket name.
    pub bucket: String,
    /// Object key.
    pub key: String,
}

impl ObjectRef {
    /// A location.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        ObjectRef {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// `s3://bucket/key`.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// Why the bytes of an object could not be had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum ReadFailure {
    /// The object does not exist (S3 `NoSuchKey`, or no such file in the local copy).
    NotFound,
    /// Access was refused (S3 `AccessDenied`, a KMS key the caller may not use, file
    /// permissions).
    AccessDenied {
        /// What the store said.
        detail: String,
    },
    /// The object is archived and must be restored first (S3 `InvalidObjectState`: Glacier
    /// Flexible Retrieval, Deep Archive, or an archive tier of Intelligent-Tiering).
    Archived {
        /// What the store said (the storage class where known).
        detail: String,
    },
    /// Any other failure (network, throttling beyond the retries, I/O).
    Other {
        /// What failed.
        detail: String,
    },
}

impl ReadFailure {
    /// Whether the object is simply absent (a result: deleted), rather than unreadable (could
    /// not check).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadFailure::NotFound)
    }
}

impl fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadFailure::NotFound => f.write_str("not found"),
            ReadFailure::AccessDenied { detail } => write!(f, "access denied: {detail}"),
            ReadFailure::Archived { detail } => {
                write!(f, "archived (restore it before it can be read): {detail}")
            }
            ReadFailure::Other { detail } => write!(f, "could not be read: {detail}"),
        }
    }
}
