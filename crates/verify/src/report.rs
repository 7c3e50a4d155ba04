//! The result of a validation run: a verdict, counts per account and region, and every
//! finding, typed. Serialised as `trailguard.verify/v1` JSON.

use serde::{Serialize, Serializer};
use trailguard_model::Timestamp;

use crate::keyring::KeyProblem;
use crate::logcheck::Damage;
use crate::object::{ObjectRef, ReadFailure};
use crate::parse::FormatError;

/// Serialise a [`Timestamp`] as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn ts<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_string())
}

/// Serialise an optional [`Timestamp`].
pub(crate) fn ts_opt<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_string()),
        None => s.serialize_none(),
    }
}

/// How serious a finding is. The first three make the run fail (exit 1); `error` means part
/// of the source could not be checked (exit 2 when nothing worse was found).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Something is known: nothing to act on.
    Info,
    /// Worth a look; not a failure (a stop of logging, a digest that could only be
    /// hash-checked, logs from before validation was on).
    Warning,
    /// Could not be checked (access denied, archived, no public key source).
    Error,
    /// Exists, but cannot be verified (its digest is missing or invalid, or no digest covers
    /// it).
    Unverifiable,
    /// Should exist and does not.
    Missing,
    /// Was altered, forged or moved.
    Invalid,
}

impl Severity {
    /// Whether a finding of this severity fails the run (exit 1).
    pub fn fails(self) -> bool {
        self >= Severity::Unverifiable
    }
}

/// Why a log is not verified by any valid digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Uncovered {
    /// Delivered while the chain was complete and valid, yet no digest lists it: injected.
    Injected,
    /// Delivered in a window whose digest is missing.
    DigestMissing,
    /// Delivered in a window whose digest is invalid.
    DigestInvalid,
    /// Delivered while logging or log file validation was off (a gap in the chain).
    DuringGap,
    /// Delivered after the newest digest, when digests were expected to cover it.
    AfterNewestDigest,
    /// Delivered after the newest digest, recently enough that its digest may not be
    /// delivered yet.
    Pending,
    /// Delivered before the first digest of its chain (validation not yet on).
    BeforeFirstDigest,
    /// No digest chain exists for its account and region.
    NoChain,
}

impl Uncovered {
    /// The severity of a log left uncovered for this reason.
    pub fn severity(self, chain_expected: bool) -> Severity {
        match self {
            Uncovered::Injected => Severity::Invalid,
            Uncovered::DigestMissing
            | Uncovered::DigestInvalid
            | Uncovered::DuringGap
            | Uncovered::AfterNewestDigest => Severity::Unverifiable,
            Uncovered::NoChain if chain_expected => Severity::Unverifiable,
            Uncovered::NoChain | Uncovered::BeforeFirstDigest => Severity::Warning,
            Uncovered::Pending => Severity::Info,
        }
    }

    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Uncovered::Injected => {
                "no digest lists it although the chain covering its delivery time is complete: an injected file"
            }
            Uncovered::DigestMissing => "the digest covering its delivery time is missing",
            Uncovered::DigestInvalid => "the digest covering its delivery time is invalid",
            Uncovered::DuringGap => "delivered while no digest chain was running (logging or validation off)",
            Uncovered::AfterNewestDigest => "delivered after the newest digest of its chain, which should cover it",
            Uncovered::Pending => "delivered after the newest digest; its digest may not be delivered yet",
            Uncovered::BeforeFirstDigest => "delivered before the first digest of its chain (validation not yet on)",
            Uncovered::NoChain => "no digest chain exists for its account and region",
        }
    }
}

/// What was found, with the objects and times it concerns.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FindingKind {
    /// A digest object could not be read (access denied, archived, I/O).
    DigestUnreadable {
        /// The digest.
        digest: ObjectRef,
        /// Why.
        failure: ReadFailure,
    },
    /// A digest is not a gzip-compressed JSON digest, or lacks a required member.
    DigestInvalidFormat {
        /// The digest.
        digest: ObjectRef,
        /// What is wrong.
        problem: String,
    },
    /// A digest's signature does not verify: its content or its signature was altered.
    DigestSignatureInvalid {
        /// The digest.
        digest: ObjectRef,
        /// Which signatures were tried.
        detail: String,
    },
    /// The object's S3 metadata has no signature (CloudTrail always writes one).
    DigestSignatureMissing {
        /// The digest.
        digest: ObjectRef,
        /// Whether the successor's copy of the signature still authenticates the content.
        authenticated_by_successor: bool,
    },
    /// The signature in the object's metadata differs from the copy its successor carries.
    DigestSignatureMismatch {
        /// The digest.
        digest: ObjectRef,
        /// The successor carrying the other copy.
        successor: ObjectRef,
    },
    /// No public key with the digest's fingerprint is known for its region.
    PublicKeyNotFound {
        /// The digest.
        digest: ObjectRef,
        /// The digest's source region.
        region: String,
        /// The fingerprint.
        fingerprint: String,
        /// Regions whose keys list the fingerprint.
        listed_in: Vec<String>,
    },
    /// The public key exists but cannot be used.
    PublicKeyUnusable {
        /// The digest.
        digest: ObjectRef,
        /// The fingerprint.
        fingerprint: String,
        /// Why.
        reason: String,
    },
    /// The digest was signed with a key outside its validity window.
    PublicKeyNotValid {
        /// The digest.
        digest: ObjectRef,
        /// The fingerprint.
        fingerprint: String,
        /// The digest's end time.
        #[serde(serialize_with = "ts")]
        digest_end: Timestamp,
        /// Start of the key's validity.
        #[serde(serialize_with = "ts")]
        valid_from: Timestamp,
        /// End of the key's validity.
        #[serde(serialize_with = "ts")]
        valid_to: Timestamp,
    },
    /// The digest names an algorithm other than `SHA256withRSA` / `SHA-256`.
    UnsupportedAlgorithm {
        /// The digest.
        digest: ObjectRef,
        /// Where the algorithm is named.
        field: String,
        /// The value found.
        value: String,
    },
    /// The digest is not where it says it was written.
    DigestMoved {
        /// Where it was found.
        found_at: ObjectRef,
        /// Where it says it was written.
        recorded_at: ObjectRef,
        /// Whether an object is also at the recorded location (a copy rather than a move).
        original_present: bool,
    },
    /// A member of the digest disagrees with its key (account, region, trail or time).
    DigestKeyMismatch {
        /// The digest.
        digest: ObjectRef,
        /// What disagrees.
        detail: String,
    },
    /// Bytes stored after the digest's gzip stream.
    DigestTrailingData {
        /// The digest.
        digest: ObjectRef,
        /// How many.
        bytes: u64,
    },
    /// A digest the chain needs is missing. `count` digests are missing in the window (one
    /// per hour: consecutive deletions are counted, not reported as one).
    DigestMissing {
        /// The missing digest, as its successor names it.
        digest: ObjectRef,
        /// The successor that names it.
        referenced_by: ObjectRef,
        /// End of the newest present digest before the hole, when there is one.
        #[serde(serialize_with = "ts_opt")]
        from: Option<Timestamp>,
        /// Start of the successor (end of the missing window).
        #[serde(serialize_with = "ts")]
        to: Timestamp,
        /// Digests missing in the window (estimated from its length when more than one).
        count: u64,
    },
    /// The newest digest of a chain is older than expected: the newest digest(s) were
    /// deleted, or the trail stopped delivering for this account and region.
    NewestDigestMissing {
        /// The newest digest present.
        newest: ObjectRef,
        /// Its end.
        #[serde(serialize_with = "ts")]
        newest_end: Timestamp,
        /// How far digests were expected.
        #[serde(serialize_with = "ts")]
        expected_until: Timestamp,
        /// Digests missing (estimated, one per hour).
        count: u64,
    },
    /// `previousDigestHashValue` differs from the hash of the previous digest.
    PreviousHashMismatch {
        /// The digest naming the previous one.
        digest: ObjectRef,
        /// The previous digest.
        previous: ObjectRef,
        /// The recorded hash.
        recorded: String,
        /// The actual hash.
        actual: String,
    },
    /// Consecutive digests do not meet (`digestStartTime` of one ≠ `digestEndTime` of the
    /// previous).
    ChainDiscontinuity {
        /// The digest.
        digest: ObjectRef,
        /// Its predecessor.
        previous: ObjectRef,
        /// The predecessor's end.
        #[serde(serialize_with = "ts")]
        previous_end: Timestamp,
        /// The digest's start.
        #[serde(serialize_with = "ts")]
        start: Timestamp,
    },
    /// A digest's previous pointer is unusable (points forward, to itself, or to a digest
    /// already in the chain).
    BadPreviousPointer {
        /// The digest.
        digest: ObjectRef,
        /// Where it points.
        previous: ObjectRef,
    },
    /// A digest no successor points to although a later digest follows it: a duplicate, a
    /// reordered or forged digest.
    DigestNotInChain {
        /// The digest.
        digest: ObjectRef,
        /// Its end.
        #[serde(serialize_with = "ts_opt")]
        end: Option<Timestamp>,
    },
    /// A digest whose key does not follow CloudTrail's layout: its chain cannot be told.
    DigestUnrecognized {
        /// The digest.
        digest: ObjectRef,
    },
    /// The chain restarts: logging or log file validation was off between these times.
    LoggingGap {
        /// The last digest before the gap (its final digest).
        before: ObjectRef,
        /// The starting digest after the gap.
        after: ObjectRef,
        /// Start of the gap.
        #[serde(serialize_with = "ts")]
        from: Timestamp,
        /// End of the gap.
        #[serde(serialize_with = "ts")]
        to: Timestamp,
    },
    /// No signature is available for the newest digest of a chain segment (a local copy
    /// without its S3 metadata): its content, and the logs it lists, are checked for
    /// consistency only.
    HeadUnauthenticated {
        /// The digest.
        digest: ObjectRef,
    },
    /// A log's content differs from its digest's hash.
    LogHashMismatch {
        /// The log.
        log: ObjectRef,
        /// The digest listing it.
        digest: ObjectRef,
        /// The recorded hash.
        expected: String,
        /// The hash of the log's content.
        actual: String,
        /// Whether the digest is authenticated.
        digest_authenticated: bool,
    },
    /// A log listed by a digest is missing.
    LogMissing {
        /// The log.
        log: ObjectRef,
        /// The digest listing it.
        digest: ObjectRef,
    },
    /// Bytes are stored after the log's first gzip member (an appended member carrying forged
    /// records, or junk); the digest does not cover them.
    LogTrailingData {
        /// The log.
        log: ObjectRef,
        /// The digest listing it.
        digest: ObjectRef,
        /// How many bytes.
        bytes: u64,
        /// Whether they are another gzip member.
        gzip_member: bool,
    },
    /// The log's gzip stream is damaged (truncated, trailer cut, CRC mismatch, corrupt).
    LogDamaged {
        /// The log.
        log: ObjectRef,
        /// The digest listing it.
        digest: ObjectRef,
        /// What is wrong.
        damage: Damage,
        /// Whether what could be inflated still matches the digest (a cut trailer).
        content_matches: bool,
    },
    /// The log is not gzip.
    LogNotGzip {
        /// The log.
        log: ObjectRef,
        /// The digest listing it.
        digest: ObjectRef,
        /// Whether the stored bytes match the digest's hash (stored decompressed).
        content_matches: bool,
    },
    /// The log could not be read (access denied, archived, too large, I/O).
    LogUnreadable {
        /// The log.
        log: ObjectRef,
        /// The digest listing it.
        digest: ObjectRef,
        /// Why.
        reason: String,
    },
    /// A digest lists a log that another digest lists too.
    LogListedTwice {
        /// The log.
        log: ObjectRef,
        /// The digest listing it again.
        digest: ObjectRef,
        /// The digest that listed it first.
        first: ObjectRef,
    },
    /// A digest names a log hash algorithm other than SHA-256.
    LogHashAlgorithm {
        /// The log.
        log: ObjectRef,
        /// The digest.
        digest: ObjectRef,
        /// The algorithm named.
        value: String,
    },
    /// The logs listed by an invalid digest cannot be verified.
    LogsOfInvalidDigest {
        /// The digest.
        digest: ObjectRef,
        /// The logs it lists.
        logs: Vec<ObjectRef>,
    },
    /// A log in the source that no digest lists.
    LogNotCovered {
        /// The log.
        log: ObjectRef,
        /// Its delivery time (from its key, minute precision).
        #[serde(serialize_with = "ts_opt")]
        delivered: Option<Timestamp>,
        /// Why no valid digest covers it.
        reason: Uncovered,
    },
    /// A public key entry was refused.
    PublicKeyRefused {
        /// The entry.
        problem: KeyProblem,
    },
    /// No public key is known for these regions: signatures could not be checked.
    NoPublicKeys {
        /// The regions whose digests could not be authenticated.
        regions: Vec<String>,
    },
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// The account concerned, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The source region concerned, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The local path of the object concerned (a local copy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What was found.
    #[serde(flatten)]
    pub kind: FindingKind,
    /// In words.
    pub message: String,
}

/// Digest counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DigestCounts {
    /// Signature verified (with the object's signature or its successor's copy).
    pub valid: u64,
    /// Consistent with the chain but no signature available (a chain head of a local copy).
    pub unauthenticated: u64,
    /// Invalid: altered, forged, moved, unreadable as a digest, or signed by an unknown key.
    pub invalid: u64,
    /// Missing (deleted): named by a successor, or expected at the head of the chain.
    pub missing: u64,
    /// Present but could not be read (access denied, archived).
    pub unreadable: u64,
}

impl DigestCounts {
    fn add(&mut self, o: &DigestCounts) {
        self.valid += o.valid;
        self.unauthenticated += o.unauthenticated;
        self.invalid += o.invalid;
        self.missing += o.missing;
        self.unreadable += o.unreadable;
    }
}

/// Log counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LogCounts {
    /// Hash matches a valid digest.
    pub valid: u64,
    /// Hash matches a digest that could only be hash-checked.
    pub unauthenticated: u64,
    /// Altered, damaged, appended to, or not gzip.
    pub invalid: u64,
    /// Listed by a digest but missing.
    pub missing: u64,
    /// Listed by an invalid digest, or could not be read.
    pub unverifiable: u64,
    /// Present but listed by no digest (injected, or its digest is missing).
    pub not_covered: u64,
    /// Not covered yet: delivered after the newest digest, recently.
    pub pending: u64,
}

impl LogCounts {
    fn add(&mut self, o: &LogCounts) {
        self.valid += o.valid;
        self.unauthenticated += o.unauthenticated;
        self.invalid += o.invalid;
        self.missing += o.missing;
        self.unverifiable += o.unverifiable;
        self.not_covered += o.not_covered;
        self.pending += o.pending;
    }
}

/// A time window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start.
    #[serde(serialize_with = "ts")]
    pub from: Timestamp,
    /// End.
    #[serde(serialize_with = "ts")]
    pub to: Timestamp,
}

/// One account and source region: its chains (one per trail, and backfill) and logs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaReport {
    /// Organization id (organization trails).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Account.
    pub account: String,
    /// Source region.
    pub region: String,
    /// Trails with digests here.
    pub trails: Vec<String>,
    /// Standard digests.
    pub digests: DigestCounts,
    /// Backfill digests.
    pub backfill_digests: DigestCounts,
    /// Logs.
    pub logs: LogCounts,
    /// Start of the oldest digest checked.
    #[serde(serialize_with = "ts_opt")]
    pub first: Option<Timestamp>,
    /// End of the newest digest checked.
    #[serde(serialize_with = "ts_opt")]
    pub last: Option<Timestamp>,
    /// Windows without digests: stops of logging or validation, and missing digests.
    pub gaps: Vec<Window>,
    /// Whether the newest digest (of some chain here) could only be hash-checked.
    pub head_unauthenticated: bool,
    /// The worst finding here.
    pub status: Option<Severity>,
}

/// Totals over the whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Standard and backfill digests.
    pub digests: DigestCounts,
    /// Logs.
    pub logs: LogCounts,
}

/// The verdict of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every digest and log checked is valid (warnings aside).
    Valid,
    /// Something is invalid, missing or unverifiable.
    Invalid,
    /// Nothing is known to be wrong, but part of the source could not be checked.
    Incomplete,
    /// The source holds no digest for the selection.
    NoDigests,
}

impl Verdict {
    /// The exit status: 0 valid, 1 invalid or missing, 2 could not check.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            Verdict::Invalid => 1,
            Verdict::Incomplete | Verdict::NoDigests => 2,
        }
    }
}

/// The public keys used.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KeysUsed {
    /// Usable keys.
    pub usable: usize,
    /// Entries refused.
    pub refused: Vec<KeyProblem>,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Format version of this document.
    pub schema: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// Requested start.
    #[serde(serialize_with = "ts_opt")]
    pub start: Option<Timestamp>,
    /// Requested end.
    #[serde(serialize_with = "ts_opt")]
    pub end: Option<Timestamp>,
    /// How far the chains were expected to reach.
    #[serde(serialize_with = "ts_opt")]
    pub expected_until: Option<Timestamp>,
    /// Whether `expected_until` was given (else: the newest log delivery seen).
    pub expected_until_given: bool,
    /// Totals.
    pub totals: Totals,
    /// Per account and region.
    pub areas: Vec<AreaReport>,
    /// The public keys.
    pub keys: KeysUsed,
    /// Every finding, worst first, then by account, region and object.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The exit status.
    pub fn exit_code(&self) -> u8 {
        self.verdict.exit_code()
    }

    /// Findings of a kind name (`digest-missing`, …), for tests and filters.
    pub fn findings_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.kind.name() == kind)
    }

    pub(crate) fn recount(&mut self) {
        let mut totals = Totals::default();
        for a in &self.areas {
            totals.digests.add(&a.digests);
            totals.digests.add(&a.backfill_digests);
            totals.logs.add(&a.logs);
        }
        self.totals = totals;
    }
}

impl FindingKind {
    /// The kebab-case name of the kind (as in JSON).
    pub fn name(&self) -> &'static str {
        match self {
            FindingKind::DigestUnreadable { .. } => "digest-unreadable",
            FindingKind::DigestInvalidFormat { .. } => "digest-invalid-format",
            FindingKind::DigestSignatureInvalid { .. } => "digest-signature-invalid",
            FindingKind::DigestSignatureMissing { .. } => "digest-signature-missing",
            FindingKind::DigestSignatureMismatch { .. } => "digest-signature-mismatch",
            FindingKind::PublicKeyNotFound { .. } => "public-key-not-found",
            FindingKind::PublicKeyUnusable { .. } => "public-key-unusable",
            FindingKind::PublicKeyNotValid { .. } => "public-key-not-valid",
            FindingKind::UnsupportedAlgorithm { .. } => "unsupported-algorithm",
            FindingKind::DigestMoved { .. } => "digest-moved",
            FindingKind::DigestKeyMismatch { .. } => "digest-key-mismatch",
            FindingKind::DigestTrailingData { .. } => "digest-trailing-data",
            FindingKind::DigestMissing { .. } => "digest-missing",
            FindingKind::NewestDigestMissing { .. } => "newest-digest-missing",
            FindingKind::PreviousHashMismatch { .. } => "previous-hash-mismatch",
            FindingKind::ChainDiscontinuity { .. } => "chain-discontinuity",
            FindingKind::BadPreviousPointer { .. } => "bad-previous-pointer",
            FindingKind::DigestNotInChain { .. } => "digest-not-in-chain",
            FindingKind::DigestUnrecognized { .. } => "digest-unrecognized",
            FindingKind::LoggingGap { .. } => "logging-gap",
            FindingKind::HeadUnauthenticated { .. } => "head-unauthenticated",
            FindingKind::LogHashMismatch { .. } => "log-hash-mismatch",
            FindingKind::LogMissing { .. } => "log-missing",
            FindingKind::LogTrailingData { .. } => "log-trailing-data",
            FindingKind::LogDamaged { .. } => "log-damaged",
            FindingKind::LogNotGzip { .. } => "log-not-gzip",
            FindingKind::LogUnreadable { .. } => "log-unreadable",
            FindingKind::LogListedTwice { .. } => "log-listed-twice",
            FindingKind::LogHashAlgorithm { .. } => "log-hash-algorithm",
            FindingKind::LogsOfInvalidDigest { .. } => "logs-of-invalid-digest",
            FindingKind::LogNotCovered { .. } => "log-not-covered",
            FindingKind::PublicKeyRefused { .. } => "public-key-refused",
            FindingKind::NoPublicKeys { .. } => "no-public-keys",
        }
    }

    /// The main object concerned.
    pub fn object(&self) -> Option<&ObjectRef> {
        Some(match self {
            FindingKind::DigestUnreadable { digest, .. }
            | FindingKind::DigestInvalidFormat { digest, .. }
            | FindingKind::DigestSignatureInvalid { digest, .. }
            | FindingKind::DigestSignatureMissing { digest, .. }
            | FindingKind::DigestSignatureMismatch { digest, .. }
            | FindingKind::PublicKeyNotFound { digest, .. }
            | FindingKind::PublicKeyUnusable { digest, .. }
            | FindingKind::PublicKeyNotValid { digest, .. }
            | FindingKind::UnsupportedAlgorithm { digest, .. }
            | FindingKind::DigestKeyMismatch { digest, .. }
            | FindingKind::DigestTrailingData { digest, .. }
            | FindingKind::DigestMissing { digest, .. }
            | FindingKind::PreviousHashMismatch { digest, .. }
            | FindingKind::ChainDiscontinuity { digest, .. }
            | FindingKind::BadPreviousPointer { digest, .. }
            | FindingKind::DigestNotInChain { digest, .. }
            | FindingKind::DigestUnrecognized { digest }
            | FindingKind::HeadUnauthenticated { digest }
            | FindingKind::LogsOfInvalidDigest { digest, .. } => digest,
            FindingKind::DigestMoved { found_at, .. } => found_at,
            FindingKind::NewestDigestMissing { newest, .. } => newest,
            FindingKind::LoggingGap { after, .. } => after,
            FindingKind::LogHashMismatch { log, .. }
            | FindingKind::LogMissing { log, .. }
            | FindingKind::LogTrailingData { log, .. }
            | FindingKind::LogDamaged { log, .. }
            | FindingKind::LogNotGzip { log, .. }
            | FindingKind::LogUnreadable { log, .. }
            | FindingKind::LogListedTwice { log, .. }
            | FindingKind::LogHashAlgorithm { log, .. }
            | FindingKind::LogNotCovered { log, .. } => log,
            FindingKind::PublicKeyRefused { .. } | FindingKind::NoPublicKeys { .. } => return None,
        })
    }
}

/// Text for a digest format error.
pub(crate) fn format_problem(e: &FormatError) -> String {
    e.to_string()
}
