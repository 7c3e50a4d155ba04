//! The manifest: what was generated, for tests and benchmarks to check detections against.
//!
//! Written as `.trailguard/manifest.json`. Versioned by `manifest_version`; fields are only
//! ever added within a version.

use serde::{Deserialize, Serialize};
use trailguard_model::time::Timestamp;

use crate::config::GenConfig;
use crate::scenario::ScenarioKind;

/// The manifest format version written by this crate.
pub const MANIFEST_VERSION: u32 = 1;

/// Everything known about a generated trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version ([`MANIFEST_VERSION`]).
    pub manifest_version: u32,
    /// `trailguard-gen <version>`.
    pub generator: String,
    /// The configuration that produced the trail (regenerates it byte for byte).
    pub config: GenConfig,
    /// The trail and the organization.
    pub trail: TrailFacts,
    /// Event and delivery times.
    pub time_range: TimeRange,
    /// Totals.
    pub counts: Counts,
    /// One entry per (account, region) stream: its log files and digest chain.
    pub chains: Vec<ChainFacts>,
    /// The injected scenarios, in time order.
    pub scenarios: Vec<ScenarioFacts>,
}

/// Facts about the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailFacts {
    /// Trail name.
    pub name: String,
    /// Trail ARN (`arn:aws:cloudtrail:<home>:<management account>:trail/<name>`).
    pub arn: String,
    /// Log bucket.
    pub bucket: String,
    /// S3 key prefix, if any.
    pub key_prefix: Option<String>,
    /// Home region.
    pub home_region: String,
    /// Region where global-service events (IAM, STS global endpoint, sign-in) are recorded.
    pub global_service_region: String,
    /// The trail's KMS key ARN.
    pub kms_key_arn: String,
    /// Organization id of an organization trail.
    pub organization_id: Option<String>,
    /// The management account (owner of trail, bucket and key).
    pub management_account: String,
    /// Every account logged, management first.
    pub accounts: Vec<AccountFacts>,
    /// Every region logged.
    pub regions: Vec<String>,
    /// Whether digest files were written and signed.
    pub log_file_validation: bool,
    /// Whether data events were logged.
    pub data_events: bool,
}

/// One account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFacts {
    /// 12-digit id.
    pub id: String,
    /// A descriptive name (`management`, `prod`, …).
    pub name: String,
}

/// Time bounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start of the generated period (inclusive).
    #[serde(with = "rfc3339")]
    pub start: Timestamp,
    /// End of the generated period (exclusive); every event time is before it.
    #[serde(with = "rfc3339")]
    pub end: Timestamp,
    /// Earliest digest start time (the first digest of every chain starts here).
    #[serde(with = "rfc3339_opt", default)]
    pub first_digest_start: Option<Timestamp>,
    /// Latest digest end time.
    #[serde(with = "rfc3339_opt", default)]
    pub last_digest_end: Option<Timestamp>,
}

/// Totals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Event records in log files (= the configured `records`).
    pub records: u64,
    /// Records of clean background traffic.
    pub background_records: u64,
    /// Records injected by scenarios.
    pub scenario_records: u64,
    /// Data events among all records.
    pub data_event_records: u64,
    /// Log files written.
    pub log_files: u64,
    /// Uncompressed bytes of all log files.
    pub log_bytes: u64,
    /// Compressed (stored) bytes of all log files.
    pub log_bytes_gz: u64,
    /// Digest files written.
    pub digest_files: u64,
    /// Compressed (stored) bytes of all digest files.
    pub digest_bytes_gz: u64,
}

/// One (account, region) stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainFacts {
    /// Account id.
    pub account: String,
    /// Source region.
    pub region: String,
    /// Records in this stream.
    pub records: u64,
    /// Log files in this stream.
    pub log_files: u64,
    /// Digest files of this chain (0 without log file validation).
    pub digests: u64,
    /// Key of the newest digest (the chain head: the one digest whose signature only the
    /// signatures file carries).
    pub head_digest: Option<String>,
}

/// One injected scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioFacts {
    /// Stable id, `NN-<kind>`.
    pub id: String,
    /// The kind.
    pub kind: ScenarioKind,
    /// A human title.
    pub title: String,
    /// Account (recipient) of the records.
    pub account: String,
    /// Region of the records.
    pub region: String,
    /// ARN of the acting principal (for failed sign-ins: the targeted user).
    pub principal: String,
    /// Source address of the activity.
    pub source_ip: String,
    /// Time of the first record.
    #[serde(with = "rfc3339")]
    pub start: Timestamp,
    /// Time of the last record.
    #[serde(with = "rfc3339")]
    pub end: Timestamp,
    /// Event ids of every injected record.
    pub event_ids: Vec<String>,
    /// Each injected record: id, name, time.
    pub events: Vec<ScenarioEvent>,
}

/// One injected record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioEvent {
    /// `eventID`.
    pub event_id: String,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `eventTime`.
    #[serde(with = "rfc3339")]
    pub event_time: Timestamp,
}

/// Serde for [`Timestamp`] as an RFC 3339 string (`2026-11-02T00:00:00Z`).
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use trailguard_model::time::Timestamp;

    /// Write `YYYY-MM-DDTHH:MM:SSZ` (with milliseconds when present).
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(t)
    }

    /// Read any RFC 3339 form [`Timestamp::parse_rfc3339`] accepts.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde for `Option<Timestamp>` as an RFC 3339 string or `null`.
pub(crate) mod rfc3339_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use trailguard_model::time::Timestamp;

    /// Write the time or `null`.
    pub(crate) fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }

    /// Read a time or `null`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}
