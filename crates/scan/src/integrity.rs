//! Digest-chain verification inside the scan pass (digest-validation.md; issue 4 item 7).
//!
//! When a source holds digest files, each worker keeps, besides its records, what
//! verification needs from the bytes it already has in hand: the SHA-256 of every log
//! object's inflated text ([`trailguard_verify::logcheck::outcome_of_inflated`]) and the
//! stored bytes of every digest. After the pass the pieces are merged and handed to
//! `trailguard-verify` exactly as `trailguard verify DIR` would hand a local copy: the same
//! layout inference, the same chains, the same findings. Objects the reader did not hold
//! whole (streamed because too large or damaged) are read once more, by the reader
//! ([`InputFile::read_stored`]), and hashed on their own.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use trailguard_model::digest::SignaturesFile;
use trailguard_read::{FileList, InputFile, ObjectBytes, ObjectKind};
use trailguard_verify::logcheck::outcome_of_inflated;
use trailguard_verify::offline::{LocalDigest, LocalLog, OfflineSource};
use trailguard_verify::{KeyRing, LogHasher, LogOutcome, ObjectRef, Prepared, ReadFailure, Report, VerifyOptions};

/// How the pass verifies digests.
#[derive(Clone, Debug)]
pub struct IntegrityOptions {
    /// The public keys that authenticate digest signatures.
    pub keys: Arc<KeyRing>,
    /// Digest signatures (the S3 metadata a sync drops), when known.
    pub signatures: Option<Arc<SignaturesFile>>,
    /// The bucket of a single-bucket copy whose digests cannot tell it.
    pub bucket: Option<String>,
    /// Most bytes one object may inflate to.
    pub max_inflate: u64,
    /// Where the keys came from, in words (for the report).
    pub public_keys: String,
    /// Where signatures came from, in words (for the report).
    pub signatures_text: String,
    /// Notes for the reader (keys taken from inside the source, …).
    pub notes: Vec<String>,
}

/// The verification part of a scan report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntegrityReport {
    /// Where the public keys came from.
    pub public_keys: String,
    /// Where digest signatures came from, besides successors.
    pub signatures: String,
    /// Notes for the reader.
    pub notes: Vec<String>,
    /// The validation report, as `trailguard verify --format json` gives it.
    pub report: Report,
}

/// What one worker kept for verification.
#[derive(Default)]
pub(crate) struct IntegrityCollector {
    /// Outcome of each log object held whole, by the file's id in the list.
    outcomes: Vec<(usize, LogOutcome)>,
    /// Each digest object held whole: the file's id and its stored bytes.
    digests: Vec<(usize, Arc<[u8]>)>,
}

impl IntegrityCollector {
    pub(crate) fn object(&mut self, file: &InputFile, object: &ObjectBytes<'_>) {
        if file.layout.is_some() && file.kind != ObjectKind::Digest {
            self.outcomes
                .push((file.id, outcome_of_inflated(object.text, object.gzip)));
        }
    }

    pub(crate) fn digest(&mut self, file: &InputFile, object: &ObjectBytes<'_>) {
        if file.layout.is_some() {
            self.digests.push((file.id, Arc::from(object.stored)));
        }
    }

    pub(crate) fn merge(&mut self, other: IntegrityCollector) {
        self.outcomes.extend(other.outcomes);
        self.digests.extend(other.digests);
    }

    /// Validate the chains of `list` with what the pass kept.
    pub(crate) fn finish(self, list: &FileList, opts: &IntegrityOptions) -> IntegrityReport {
        let by_id: HashMap<usize, &InputFile> = list.files.iter().map(|f| (f.id, f)).collect();
        let mut held: HashMap<usize, Arc<[u8]>> = self.digests.into_iter().collect();
        let mut hasher = LogHasher::new(opts.max_inflate);
        let mut digests = Vec::new();
        let mut logs = Vec::new();
        for f in list.files.iter().filter(|f| f.layout.is_some()) {
            if f.kind == ObjectKind::Digest {
                let bytes = match held.remove(&f.id) {
                    Some(b) => Ok(b),
                    None => stored_bytes(f),
                };
                digests.push(LocalDigest {
                    rel: f.key.clone(),
                    path: Some(f.name.clone()),
                    bytes,
                });
            } else {
                logs.push(LocalLog {
                    rel: f.key.clone(),
                    path: Some(f.name.clone()),
                });
            }
        }
        let ids: HashMap<&str, usize> = list.files.iter().map(|f| (f.key.as_str(), f.id)).collect();
        let source = OfflineSource::new(digests, logs, opts.signatures.as_deref(), opts.bucket.as_deref());
        let verify = VerifyOptions {
            max_digest_inflate: opts.max_inflate.min(1 << 30),
            ..VerifyOptions::all()
        };
        let prepared = Prepared::new(source.digests.clone(), source.logs.clone(), &verify);
        let mut in_pass: HashMap<usize, LogOutcome> = self.outcomes.into_iter().collect();
        let mut outcomes: HashMap<ObjectRef, LogOutcome> = HashMap::new();
        for at in prepared.logs_to_check() {
            let file = source
                .find(&at)
                .and_then(|rel| ids.get(rel))
                .and_then(|id| by_id.get(id).copied());
            let outcome = match file {
                None => LogOutcome::Unreadable(ReadFailure::NotFound),
                Some(f) => match in_pass.remove(&f.id) {
                    Some(o) => o,
                    // Not held whole by the reader (streamed: too large or damaged): read it
                    // again, on its own.
                    None => match stored_bytes(f) {
                        Ok(bytes) => hasher.check(&bytes),
                        Err(failure) => LogOutcome::Unreadable(failure),
                    },
                },
            };
            outcomes.insert(at, outcome);
        }
        let report = trailguard_verify::validate(&prepared, &outcomes, &opts.keys);
        IntegrityReport {
            public_keys: opts.public_keys.clone(),
            signatures: opts.signatures_text.clone(),
            notes: opts.notes.clone(),
            report,
        }
    }
}

/// The stored bytes of a file, read again by the reader.
fn stored_bytes(file: &InputFile) -> Result<Arc<[u8]>, ReadFailure> {
    file.read_stored().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadFailure::NotFound,
        std::io::ErrorKind::PermissionDenied => ReadFailure::AccessDenied { detail: e.to_string() },
        _ => ReadFailure::Other { detail: e.to_string() },
    })
}

/// Whether a list holds digest files in CloudTrail's layout (so the pass should verify).
pub fn has_digests(list: &FileList) -> bool {
    list.files
        .iter()
        .any(|f| f.kind == ObjectKind::Digest && f.layout.is_some())
}
