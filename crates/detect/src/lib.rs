//! Detection for CloudTrail: rules with their metadata and tests, the built-in packs, one pass
//! that matches every rule on every record, CloudWatch-alarm-style thresholds, and alerts that
//! say what matched and why.
//!
//! ```text
//!  packs (embedded) ─┐
//!  --rules FILE ─────┼─▶ Rule … ─▶ DetectorBuilder::build ─▶ Detector (Send + Sync)
//!  --pattern P ──────┤                                      │  collector() per reader thread
//!  --sigma DIR ──────┘ (trailguard_sigma::Source)           ▼
//!                                  Collector::record(&Event) … merge … finish ─▶ Detection
//!                                  (matches now; thresholds and Sigma            (alerts in
//!                                   correlations in event-time order at finish)   time order)
//! ```
//!
//! - **A rule** ([`Rule`]) is an id, title, description, [`Severity`], MITRE ATT&CK tags,
//!   false-positive notes, a body — a CloudWatch Logs filter pattern or a Sigma detection — an
//!   optional [`Threshold`] (count ≥ N in a period of P seconds over E evaluation periods,
//!   grouped by principal, source IP, account …), and its own tests: events that must match,
//!   events that must not, and sequences that must raise a number of alerts.
//! - **Packs** ([`PACKS`]): `cis` (the CIS monitoring alarms with their prescribed patterns),
//!   `trail-tamper` and `threats`, written as rule files (`packs/*.yaml`, the format of
//!   `docs/rules.md`) and embedded.
//! - **One pass.** Filter patterns are indexed by the `eventName`s they pin down; Sigma
//!   detections (ours and `--sigma` folders) go through one [`trailguard_sigma::RuleSet`] with
//!   its literal index. [`Detector::matching`] allocates nothing when nothing matches.
//! - **Alerts** ([`Alert`]) name the rule (with author and licence: the Detection Rule License
//!   requires the author in alerts of SigmaHQ rules), the severity, the event (id, time,
//!   principal, source IP, API, account, region) and the reasons (the pattern tests or Sigma
//!   selections that held, with the record's values). An alert is a result, never an error.
//! - **Tested like code**: [`run_tests`] runs every rule's own tests.
//!
//! The engine does no I/O and never reads the clock; [`load_rule_file`] is the separate loader.
//!
//! ```
//! use trailguard_detect::{DetectorBuilder, Keep, Pack, Severity};
//! use trailguard_model::decode_event_text;
//!
//! let mut b = DetectorBuilder::new();
//! b.rules(Pack::named("trail-tamper").unwrap().rules().unwrap());
//! let (det, _notes) = b.build().unwrap();
//! let ev = decode_event_text(r#"{"eventTime":"2024-05-01T10:00:00Z","eventID":"e-1",
//!   "eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1",
//!   "sourceIPAddress":"203.0.113.7","recipientAccountId":"111122223333",
//!   "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory"}}"#).unwrap();
//! let mut c = det.collector(Keep::All);
//! c.record(&ev);
//! let found = c.finish();
//! let a = &found.alerts[0];
//! assert_eq!(a.rule.id, "TG-TT-001");
//! assert_eq!(a.severity, Severity::Critical);
//! assert_eq!(a.event.principal.as_deref(), Some("arn:aws:iam::111122223333:user/mallory"));
//! assert!(a.why().contains("StopLogging"));
//! ```

#![deny(missing_docs)]

mod alert;
mod detector;
mod file;
mod load;
mod pack;
mod pending;
mod rule;
mod testing;
pub mod threshold;

pub use alert::{Alert, EventRef, FieldReason, Reason, RuleRef, Window};
pub use detector::{BuildError, BuildNotes, Collector, Detection, Detector, DetectorBuilder, Keep, RuleIx};
pub use file::{DEFAULT_TEST_TIME, MAX_RULE_FILE_BYTES, MAX_TEST_EVENTS, RuleFileError, parse_rules};
pub use load::load_rule_file;
pub use pack::{PACKS, Pack, UnknownPack, all_pack_rules};
pub use rule::{Body, Expect, GroupKey, Origin, Rule, Severity, TestCase, Threshold, UnknownSeverity};
pub use testing::{TestResult, Verdict, run_tests};
