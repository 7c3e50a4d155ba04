//! Assembling the inputs of a run from the files of a local copy (digest-validation.md §9.4).
//!
//! The caller lists the copy (paths relative to its root) and reads the digest files (they
//! are small); [`OfflineSource::new`] learns the copy's layout, gives every file its S3
//! location, and attaches each digest's signature from a signatures file when there is one.
//! [`OfflineSource::find`] then says which file holds a location named by a digest.

use std::collections::HashMap;
use std::sync::Arc;

use trailguard_model::digest::SignaturesFile;

use crate::input::{DigestObject, LogObject, SignatureSource};
use crate::local::LocalLayout;
use crate::object::{ObjectRef, ReadFailure};

/// A digest file of the copy.
#[derive(Clone, Debug)]
pub struct LocalDigest {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Path for messages.
    pub path: Option<String>,
    /// Its bytes.
    pub bytes: Result<Arc<[u8]>, ReadFailure>,
}

/// A log file of the copy.
#[derive(Clone, Debug)]
pub struct LocalLog {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Path for messages.
    pub path: Option<String>,
}

/// The inputs of a run over a local copy.
#[derive(Clone, Debug)]
pub struct OfflineSource {
    /// How the copy maps onto buckets.
    pub layout: LocalLayout,
    /// The digests with their locations and signatures.
    pub digests: Vec<DigestObject>,
    /// The logs with their locations.
    pub logs: Vec<LogObject>,
    /// Relative paths of every file, digest or log.
    files: HashMap<String, Option<String>>,
}

impl OfflineSource {
    /// Map the files of a copy. `bucket` names the bucket of a single-bucket copy (else it is
    /// learned from the digests).
    pub fn new(
        digests: Vec<LocalDigest>,
        logs: Vec<LocalLog>,
        signatures: Option<&SignaturesFile>,
        bucket: Option<&str>,
    ) -> Self {
        let layout = LocalLayout::infer(
            digests
                .iter()
                .filter_map(|d| Some((d.rel.as_str(), d.bytes.as_ref().ok()?.as_ref()))),
            bucket,
        );
        let mut files = HashMap::new();
        let digests = digests
            .into_iter()
            .map(|d| {
                let at = layout.locate(&d.rel);
                let signature = signatures
                    .and_then(|s| s.lookup(&at.bucket, &at.key).or_else(|| s.lookup(&at.bucket, &d.rel)))
                    .map_or(SignatureSource::Unknown, |m| SignatureSource::File(m.clone()));
                files.insert(d.rel.clone(), d.path.clone());
                DigestObject {
                    at,
                    path: d.path,
                    bytes: d.bytes,
                    signature,
                }
            })
            .collect();
        let logs = logs
            .into_iter()
            .map(|l| {
                files.insert(l.rel.clone(), l.path.clone());
                LogObject {
                    at: layout.locate(&l.rel),
                    path: l.path,
                }
            })
            .collect();
        OfflineSource {
            layout,
            digests,
            logs,
            files,
        }
    }

    /// The relative path of the file holding `at`, if the copy has one.
    pub fn find(&self, at: &ObjectRef) -> Option<&str> {
        self.layout
            .candidates(at)
            .into_iter()
            .find_map(|rel| self.files.get_key_value(&rel).map(|(k, _)| k.as_str()))
    }

    /// The display path of a relative path.
    pub fn path_of(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).and_then(|p| p.as_deref())
    }
}
