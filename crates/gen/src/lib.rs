//! Deterministic synthetic CloudTrail trails: the engine of `trailguard generate` and of the
//! built-in demo trail of `trailguard scan`.
//!
//! A [`GenConfig`] (seed, exact record count, accounts, regions, period, trail layout,
//! scenarios) fully determines the output: the same configuration always writes
//! byte-identical objects, whatever the number of threads. [`generate`] writes
//!
//! - gzip log files `[prefix/]AWSLogs/[o-…/]<account>/CloudTrail/<region>/YYYY/MM/DD/…json.gz`,
//!   one or more per account, region and 5-minute delivery slot, holding realistic records
//!   (management events over ~30 services, data events, IAM users, role sessions, Identity
//!   Center, AWS services, errors, a daily and weekly rhythm) with injected attack scenarios;
//! - hourly digest files per account and source region (`CloudTrail-Digest/…`), chained and
//!   signed with per-region RSA keys that rotate every 20 days;
//!
//! to an [`OutputSink`] ([`DirSink`] for a folder, [`MemorySink`] for memory), and returns a
//! [`GenOutput`]: the [`Manifest`] (what was generated, scenario event ids), the public keys
//! file and the digest signatures file (S3 metadata cannot live in the files).
//! [`write_sidecars`] stores those three under `.trailguard/`.
//!
//! ```
//! use trailguard_gen::{GenConfig, MemorySink, ScenarioSelection, generate};
//!
//! let cfg = GenConfig {
//!     records: 2_000,
//!     duration_hours: 6,
//!     regions: vec!["us-east-1".into()],
//!     scenarios: ScenarioSelection::None,
//!     digests: false,
//!     ..GenConfig::default()
//! };
//! let sink = MemorySink::new();
//! let out = generate(&cfg, &sink).unwrap();
//! assert_eq!(out.manifest.counts.records, 2_000);
//! ```
//!
//! The library does no I/O beyond its sink, never reads the clock or the environment, and
//! never prints.

#![deny(missing_docs)]

mod api;
mod config;
mod ctx;
mod engine;
mod ids;
mod json;
mod manifest;
mod record;
mod scenario;
mod sink;
mod traffic;
mod world;

pub use config::{GenConfig, GenError, ScenarioSelection};
pub use manifest::{
    AccountFacts, ChainFacts, Counts, MANIFEST_VERSION, Manifest, ScenarioEvent, ScenarioFacts, TimeRange, TrailFacts,
    rfc3339,
};
pub use scenario::ScenarioKind;
pub use sink::{DirSink, MemorySink, NullSink, OutputSink};
pub use trailguard_model::digest::{PublicKeysFile, SignaturesFile};

/// Folder (relative to the output root) holding the side files; hidden, so scanning the
/// output folder does not read them as logs.
pub const SIDECAR_DIR: &str = ".trailguard";
/// Side file: the [`Manifest`].
pub const MANIFEST_FILE: &str = ".trailguard/manifest.json";
/// Side file: the public keys (digest-validation.md §10.2, region-mapped).
pub const PUBLIC_KEYS_FILE: &str = ".trailguard/public-keys.json";
/// Side file: the digest signatures (digest-validation.md §10.3).
pub const SIGNATURES_FILE: &str = ".trailguard/signatures.json";

/// What a generation run produced besides the objects it wrote.
#[derive(Clone, Debug)]
pub struct GenOutput {
    /// What was generated.
    pub manifest: Manifest,
    /// Every region's signing keys, `{"<region>": {"PublicKeyList": [...]}}`.
    pub public_keys: PublicKeysFile,
    /// Every digest's S3 metadata, keyed `"<bucket>/<key>"`.
    pub signatures: SignaturesFile,
}

/// Generate the trail described by `cfg`, writing every object to `sink`.
///
/// Errors: an unusable configuration ([`GenError::Config`]), too few records for the
/// selected scenarios ([`GenError::TooFewRecords`]), or a failing sink.
pub fn generate(cfg: &GenConfig, sink: &dyn OutputSink) -> Result<GenOutput, GenError> {
    engine::run(cfg, sink, &|_| {})
}

/// How far a run is: passed to the callback of [`generate_with_progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Records written to log files so far.
    pub records_written: u64,
    /// Records the run will write (the configured `records`).
    pub records_total: u64,
    /// Digest files written so far (digests are written after all logs).
    pub digests_written: u64,
}

/// [`generate`], calling `progress` after each hour of each stream and each digest chain
/// (from several threads; counts only grow).
pub fn generate_with_progress(
    cfg: &GenConfig,
    sink: &dyn OutputSink,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<GenOutput, GenError> {
    engine::run(cfg, sink, progress)
}

/// Write the manifest, public keys and signatures (pretty JSON) to [`MANIFEST_FILE`],
/// [`PUBLIC_KEYS_FILE`] and [`SIGNATURES_FILE`] through `sink`.
pub fn write_sidecars(output: &GenOutput, sink: &dyn OutputSink) -> Result<(), GenError> {
    let put = |key: &str, what: &'static str, value: &dyn erased::Json| -> Result<(), GenError> {
        let mut bytes = value.to_json().map_err(|source| GenError::Serialize { what, source })?;
        bytes.push(b'\n');
        sink.put(key, &bytes)
    };
    put(MANIFEST_FILE, "manifest", &output.manifest)?;
    put(PUBLIC_KEYS_FILE, "public keys", &output.public_keys)?;
    put(SIGNATURES_FILE, "signatures", &output.signatures)
}

/// [`write_sidecars`] into a folder: `<dir>/.trailguard/{manifest,public-keys,signatures}.json`.
pub fn write_sidecar_files(dir: impl Into<std::path::PathBuf>, output: &GenOutput) -> Result<(), GenError> {
    write_sidecars(output, &DirSink::new(dir))
}

mod erased {
    /// Object-safe pretty JSON serialisation.
    pub(crate) trait Json {
        fn to_json(&self) -> Result<Vec<u8>, serde_json::Error>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
            serde_json::to_vec_pretty(self)
        }
    }
}
