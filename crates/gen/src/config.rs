//! What to generate: [`GenConfig`], the scenario selection, and the generator's errors.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use trailguard_model::time::Timestamp;
use trailguard_verify::KeyError;

use crate::scenario::ScenarioKind;

/// Everything that determines a generated trail. The same configuration always gives
/// byte-identical output, whatever the number of threads.
///
/// Read from and written to JSON (`serde`), every field optional on input (missing fields take
/// the [`Default`] value). Times are RFC 3339 strings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenConfig {
    /// Seed of every random choice: account ids, principals, keys, traffic, scenario details.
    pub seed: u64,
    /// Exact number of event records written to log files, scenario records included. Must be
    /// at least what the selected scenarios need ([`GenConfig::minimum_records`]).
    pub records: u64,
    /// Number of accounts whose activity the trail logs (the first one is the organization's
    /// management account, which owns the trail, its bucket and its KMS key). Ignored when
    /// `account_ids` is not empty.
    pub accounts: u32,
    /// Explicit 12-digit account ids, the management account first. Empty: ids are derived
    /// from the seed.
    pub account_ids: Vec<String>,
    /// Regions with activity; each (account, region) is one log stream and one digest chain.
    pub regions: Vec<String>,
    /// Start of the generated period (a whole UTC hour).
    #[serde(with = "crate::manifest::rfc3339")]
    pub start: Timestamp,
    /// Length of the generated period in hours.
    pub duration_hours: u32,
    /// An organization trail: keys under `AWSLogs/o-…/<account>/…`.
    pub organization: bool,
    /// The organization id (`o-` and 10 lowercase letters or digits); derived from the seed
    /// when absent.
    pub organization_id: Option<String>,
    /// The log bucket; `aws-cloudtrail-logs-<management-account>-<8 hex>` when absent.
    pub bucket: Option<String>,
    /// The trail's S3 key prefix (`S3KeyPrefix`), without leading or trailing `/`.
    pub key_prefix: Option<String>,
    /// The trail's name: 3–128 letters, digits, `.`, `_`, `-`, starting and ending with a
    /// letter or digit, no two of `.`, `_`, `-` adjacent.
    pub trail_name: String,
    /// The trail's home region (where its ARN, its KMS key and its bucket live). Must be one of
    /// `regions`.
    pub home_region: String,
    /// Log S3 object-level and Lambda `Invoke` data events (about a third of the records).
    pub data_events: bool,
    /// Write hourly digest files (log file validation) and sign them.
    pub digests: bool,
    /// Which attack scenarios to inject: `"all"`, `"none"`, or a list of kinds.
    pub scenarios: ScenarioSelection,
    /// gzip compression level for logs and digests (1 fastest … 12 smallest; libdeflate).
    pub gzip_level: u32,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 1,
            records: 200_000,
            accounts: 3,
            account_ids: Vec::new(),
            regions: ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]
                .map(String::from)
                .to_vec(),
            start: default_start(),
            duration_hours: 7 * 24,
            organization: true,
            organization_id: None,
            bucket: None,
            key_prefix: None,
            trail_name: "org-trail".into(),
            home_region: "us-east-1".into(),
            data_events: true,
            digests: true,
            scenarios: ScenarioSelection::All,
            gzip_level: 6,
        }
    }
}

/// 2026-11-02T00:00:00Z, a Monday.
fn default_start() -> Timestamp {
    Timestamp::from_secs(1_793_577_600)
}

impl GenConfig {
    /// The built-in demo trail of `trailguard scan` with no source: 60,000 records, two
    /// accounts, three regions, four days (582 signed digests), every scenario, fast gzip. Four
    /// days so that the scenarios (placed after the middle of the period) come after the two
    /// days of history the anomaly detector needs for a baseline. About 2 CPU-seconds in a
    /// release build (signing the digests is most of it); meant for a [`crate::MemorySink`].
    pub fn demo() -> Self {
        GenConfig {
            seed: 20_261_102,
            records: 60_000,
            accounts: 2,
            regions: ["us-east-1", "eu-west-1", "us-west-2"].map(String::from).to_vec(),
            duration_hours: 96,
            // In memory, speed matters more than size.
            gzip_level: 1,
            ..GenConfig::default()
        }
    }

    /// The smallest `records` this configuration accepts: the records of the selected
    /// scenarios.
    pub fn minimum_records(&self) -> Result<u64, GenError> {
        let world = crate::world::World::build(self)?;
        Ok(crate::scenario::plan(self, &world).records())
    }
}

/// Which scenarios to inject.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ScenarioSelection {
    /// Every [`ScenarioKind`].
    #[default]
    All,
    /// None: a clean trail.
    None,
    /// These kinds, each once, in [`ScenarioKind::ALL`] order.
    Only(Vec<ScenarioKind>),
}

impl ScenarioSelection {
    /// The selected kinds in [`ScenarioKind::ALL`] order, without duplicates.
    pub fn kinds(&self) -> Vec<ScenarioKind> {
        match self {
            ScenarioSelection::All => ScenarioKind::ALL.to_vec(),
            ScenarioSelection::None => Vec::new(),
            ScenarioSelection::Only(list) => ScenarioKind::ALL.iter().copied().filter(|k| list.contains(k)).collect(),
        }
    }
}

impl FromStr for ScenarioSelection {
    type Err = GenError;

    /// `all`, `none`, or a comma-separated list of scenario kinds.
    fn from_str(s: &str) -> Result<Self, GenError> {
        match s.trim() {
            "all" => Ok(ScenarioSelection::All),
            "none" | "" => Ok(ScenarioSelection::None),
            list => list
                .split(',')
                .map(|k| k.trim().parse())
                .collect::<Result<Vec<_>, _>>()
                .map(ScenarioSelection::Only),
        }
    }
}

impl fmt::Display for ScenarioSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioSelection::All => f.write_str("all"),
            ScenarioSelection::None => f.write_str("none"),
            ScenarioSelection::Only(list) => {
                for (i, k) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(k.name())?;
                }
                Ok(())
            }
        }
    }
}

impl Serialize for ScenarioSelection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ScenarioSelection::All => s.serialize_str("all"),
            ScenarioSelection::None => s.serialize_str("none"),
            ScenarioSelection::Only(list) => list.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ScenarioSelection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Word(String),
            List(Vec<ScenarioKind>),
        }
        match Repr::deserialize(d)? {
            Repr::Word(w) => w.parse().map_err(serde::de::Error::custom),
            Repr::List(l) => Ok(ScenarioSelection::Only(l)),
        }
    }
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// A configuration value is unusable.
    #[error("invalid generator configuration: {field}: {reason}")]
    Config {
        /// The field (`regions`, `trail_name`, …).
        field: &'static str,
        /// What is wrong and what is accepted.
        reason: String,
    },
    /// `records` is below what the selected scenarios need.
    #[error(
        "{records} records requested, but the selected scenarios alone need {minimum}: ask for at least {minimum} records or select fewer scenarios"
    )]
    TooFewRecords {
        /// Records requested.
        records: u64,
        /// Records the scenarios need.
        minimum: u64,
    },
    /// An unknown scenario kind was named.
    #[error("unknown scenario kind {name:?} (known: {known})")]
    UnknownScenario {
        /// The name given.
        name: String,
        /// The accepted names, comma-separated.
        known: String,
    },
    /// An object key cannot be mapped onto the output folder.
    #[error("refusing to write object key {key:?}: {reason}")]
    BadKey {
        /// The key.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// Writing an output object failed.
    #[error("could not write {path}: {source}")]
    Write {
        /// The file (or object key) being written.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A signing key could not be made or used.
    #[error("digest signing: {0}")]
    Key(#[from] KeyError),
    /// gzip compression failed.
    #[error("could not gzip {key}")]
    Compress {
        /// The object being compressed.
        key: String,
    },
    /// A JSON side file or digest could not be serialised.
    #[error("could not serialise {what}: {source}")]
    Serialize {
        /// What was being serialised.
        what: &'static str,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
}

impl GenError {
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        GenError::Config {
            field,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_start_is_a_monday_midnight() {
        let t = default_start();
        assert_eq!(t.to_rfc3339(), "2026-11-02T00:00:00Z");
        // 1970-01-01 was a Thursday: day 4 of a Monday-based week.
        assert_eq!((t.secs() / 86_400 + 3) % 7, 0);
    }

    #[test]
    fn config_json_round_trip_and_defaults() {
        let c = GenConfig::demo();
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains(r#""start":"2026-11-02T00:00:00Z""#), "{text}");
        assert!(text.contains(r#""scenarios":"all""#), "{text}");
        let back: GenConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        let partial: GenConfig = serde_json::from_str(r#"{"seed":9,"scenarios":["root_console_login"]}"#).unwrap();
        assert_eq!(partial.seed, 9);
        assert_eq!(partial.records, GenConfig::default().records);
        assert_eq!(
            partial.scenarios,
            ScenarioSelection::Only(vec![ScenarioKind::RootConsoleLogin])
        );
        assert!(serde_json::from_str::<GenConfig>(r#"{"sede":9}"#).is_err());
        assert!(serde_json::from_str::<GenConfig>(r#"{"scenarios":["nope"]}"#).is_err());
    }

    #[test]
    fn selection_parses() {
        assert_eq!("all".parse::<ScenarioSelection>().unwrap(), ScenarioSelection::All);
        assert_eq!("none".parse::<ScenarioSelection>().unwrap(), ScenarioSelection::None);
        let s: ScenarioSelection = "cloudtrail_stop_logging, root_console_login".parse().unwrap();
        assert_eq!(
            s.kinds(),
            vec![ScenarioKind::RootConsoleLogin, ScenarioKind::CloudtrailStopLogging]
        );
        assert_eq!(s.to_string(), "cloudtrail_stop_logging,root_console_login");
        assert!(matches!(
            "bogus".parse::<ScenarioSelection>(),
            Err(GenError::UnknownScenario { .. })
        ));
    }
}
