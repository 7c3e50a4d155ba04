//! CloudTrail log file integrity: validation of digest chains, stricter than
//! `aws cloudtrail validate-logs`, and the signing of synthetic test chains
//! (digest-validation.md).
//!
//! The flow of a run (the I/O is the caller's: a local copy in the CLI, S3 through
//! `trailguard-aws`):
//!
//! 1. [`offline::OfflineSource`] maps the files of a local copy onto S3 locations and attaches
//!    signatures from a signatures file; online, the caller builds [`DigestObject`]s with each
//!    object's S3 metadata ([`SignatureSource::from_metadata`]).
//! 2. [`Prepared::new`] inflates, hashes and reads every digest, files it under its chain
//!    (organization, account, source region, trail, home region, standard or backfill) and says
//!    which logs to hash ([`Prepared::logs_to_check`]).
//! 3. The caller hashes those logs with a [`LogHasher`] per thread (first gzip member only;
//!    trailing data, a cut trailer and damage are recorded as [`LogOutcome`]s).
//! 4. [`validate`] walks each chain newest → oldest against a [`KeyRing`] and returns a
//!    [`Report`]: a [`Verdict`], counts per account and region, and every [`Finding`] typed
//!    ([`FindingKind`]): what the reference CLI reports, and what it misses — deleted newest
//!    digests, several deleted digests in a row, `previousDigestHashValue` /
//!    `previousDigestSignature` against the real previous digest, logs that no digest covers
//!    (injected), moved or duplicate digests, keys outside their validity, logging gaps. A
//!    local copy without S3 metadata is authenticated through each digest's successor; only
//!    the newest digest of each chain then needs a signature ([`FindingKind::HeadUnauthenticated`]).
//! 5. [`awscli::transcript`] replays the reference CLI over the same inputs instead, for
//!    `--format aws-cli`: its exact output and exit codes.
//!
//! The building blocks: [`sign::string_to_sign`] (the exact bytes CloudTrail signs) and
//! [`keys`] (deterministic RSA-2048 keys from a seed for generated chains, PKCS#1 v1.5 /
//! SHA-256 signatures in hex, PKCS#1 or SubjectPublicKeyInfo DER public keys, fingerprints).
//!
//! No I/O, no clock: bytes, times ("digests are expected until …") and keys are passed in.
//! Failed verification is a result ([`Verdict::Invalid`]), not an error.
//!
//! ```
//! use trailguard_verify::{keys, sign};
//!
//! let key = keys::SigningKey::from_seed([7; 32]).unwrap();
//! let message = sign::string_to_sign("2024-01-01T01:17:28Z", "bucket", "key.json.gz", b"{}", None);
//! let signature = key.sign_hex(message.as_bytes()).unwrap();
//! assert!(keys::verify_signature(key.public_key_der(), message.as_bytes(), &signature).unwrap());
//! ```

#![deny(missing_docs)]

pub mod analyze;
pub mod awscli;
pub mod chain;
pub mod input;
pub mod keyring;
pub mod keys;
pub mod local;
pub mod logcheck;
pub mod object;
pub mod offline;
pub mod parse;
pub mod report;
pub mod sign;

pub use analyze::validate;
pub use chain::{ChainId, Prepared};
pub use input::{DigestObject, Expect, LogObject, SignatureSource, VerifyOptions};
pub use keyring::KeyRing;
pub use keys::{KeyError, SigningKey};
pub use logcheck::{LogHasher, LogOutcome};
pub use object::{ObjectRef, ReadFailure};
pub use report::{Finding, FindingKind, Report, Severity, Verdict};
pub use sign::string_to_sign;
