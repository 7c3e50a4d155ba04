//! What a validation run is given: the digest objects with their bytes and signatures, the
//! log objects listed, and the options. The I/O layers (a local copy in the CLI, S3 in
//! `trailguard-aws`, the shared pass of `scan`) fill these in; this crate never reads them
//! itself.

use std::sync::Arc;

use trailguard_model::Timestamp;
use trailguard_model::digest::DigestMetadata;

use crate::object::{ObjectRef, ReadFailure};

/// Where a digest's signature comes from, besides its successor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureSource {
    /// The object's S3 user metadata was read (online). A member that is absent is `None`:
    /// CloudTrail always writes `signature` and `signature-algorithm`.
    Metadata {
        /// `x-amz-meta-signature`.
        signature: Option<String>,
        /// `x-amz-meta-signature-algorithm`.
        algorithm: Option<String>,
        /// `x-amz-meta-backfill-generation-timestamp` (backfill digests).
        backfill_generation: Option<String>,
    },
    /// An entry of a signatures file (offline).
    File(DigestMetadata),
    /// Not available: a local copy without an entry in a signatures file. Only the successor's
    /// `previousDigestSignature` can authenticate such a digest.
    Unknown,
}

impl SignatureSource {
    /// The metadata of an S3 object, from its user-metadata map (keys without the
    /// `x-amz-meta-` prefix, as the SDKs give them).
    pub fn from_metadata<'a>(mut get: impl FnMut(&str) -> Option<&'a str>) -> Self {
        SignatureSource::Metadata {
            signature: get("signature").map(str::to_owned),
            algorithm: get("signature-algorithm").map(str::to_owned),
            backfill_generation: get("backfill-generation-timestamp").map(str::to_owned),
        }
    }

    /// The signature, when one is known.
    pub fn signature(&self) -> Option<&str> {
        match self {
            SignatureSource::Metadata { signature, .. } => signature.as_deref(),
            SignatureSource::File(m) => Some(&m.signature),
            SignatureSource::Unknown => None,
        }
    }

    /// The signature algorithm, when known.
    pub fn algorithm(&self) -> Option<&str> {
        match self {
            SignatureSource::Metadata { algorithm, .. } => algorithm.as_deref(),
            SignatureSource::File(m) => m.signature_algorithm.as_deref(),
            SignatureSource::Unknown => None,
        }
    }

    /// The backfill generation time, when known.
    pub fn backfill_generation(&self) -> Option<&str> {
        match self {
            SignatureSource::Metadata {
                backfill_generation, ..
            } => backfill_generation.as_deref(),
            SignatureSource::File(m) => m.backfill_generation_timestamp.as_deref(),
            SignatureSource::Unknown => None,
        }
    }

    /// Whether the object's metadata was read (so an absent signature is a finding).
    pub fn is_metadata(&self) -> bool {
        matches!(self, SignatureSource::Metadata { .. })
    }
}

/// One digest object found in the source.
#[derive(Clone, Debug)]
pub struct DigestObject {
    /// Where it was found.
    pub at: ObjectRef,
    /// Its path on disk, for a local copy.
    pub path: Option<String>,
    /// Its stored bytes, or why there are none.
    pub bytes: Result<Arc<[u8]>, ReadFailure>,
    /// Where its signature comes from.
    pub signature: SignatureSource,
}

/// One log object listed in the source (under `CloudTrail/`, `CloudTrail-NetworkActivity/` or
/// `CloudTrail-Insight/`).
#[derive(Clone, Debug)]
pub struct LogObject {
    /// Where it is.
    pub at: ObjectRef,
    /// Its path on disk, for a local copy.
    pub path: Option<String>,
}

/// How far the digest chains are expected to reach (for a deleted newest digest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Expect {
    /// The source is a complete copy: every log delivery seen must be covered, so each chain
    /// must reach the newest log delivery seen anywhere in the source.
    #[default]
    NewestDeliverySeen,
    /// Digests are expected until this time, allowing for the hour a digest covers and its
    /// delivery delay (`--now`, `--expect-until`, or the clock when reading S3).
    Until(Timestamp),
}

/// Which chains to check and how.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Only logs delivered (and digests covering) at or after this time.
    pub start: Option<Timestamp>,
    /// Only logs delivered (and digests covering) at or before this time.
    pub end: Option<Timestamp>,
    /// Only these accounts (empty: all).
    pub accounts: Vec<String>,
    /// Only these source regions (empty: all).
    pub regions: Vec<String>,
    /// Only these trail names (empty: all).
    pub trails: Vec<String>,
    /// How far the chains are expected to reach.
    pub expect: Expect,
    /// Most bytes a digest may inflate to.
    pub max_digest_inflate: u64,
}

impl VerifyOptions {
    /// Options checking everything, with the default limits.
    pub fn all() -> Self {
        VerifyOptions {
            max_digest_inflate: 1 << 30,
            ..VerifyOptions::default()
        }
    }

    /// Whether an (account, region, trail) passes the filters.
    pub fn wants(&self, account: &str, region: &str, trail: Option<&str>) -> bool {
        (self.accounts.is_empty() || self.accounts.iter().any(|a| a == account))
            && (self.regions.is_empty() || self.regions.iter().any(|r| r == region))
            && (self.trails.is_empty() || trail.is_none_or(|t| self.trails.iter().any(|x| x == t)))
    }

    /// Whether the window `(start, end]` overlaps the requested range.
    pub fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        self.start.is_none_or(|s| end >= s) && self.end.is_none_or(|e| start <= e)
    }

    /// Whether the instant `t` is in the requested range.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|e| t <= e)
    }
}
