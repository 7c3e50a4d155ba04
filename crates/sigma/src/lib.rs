//! Sigma rules for CloudTrail: load, compile once into a fast matcher, correlate.
//!
//! ```text
//! load_path(dir) ─▶ Source … ─▶ RuleSet::build ─▶ RuleSet ──matching / matches(&Event)──▶ RuleMatch
//!  (the only I/O)                  │   (BuildReport: every problem                         │ observe
//!                                  │    with file:line:col, rule, field)                    ▼
//!                                  └───────────────── correlator() ─▶ Correlator ─▶ CorrelationAlert
//! ```
//!
//! - **Sigma v2, complete.** Field paths with dots over [`trailguard_model::Event`] (arrays fan
//!   out at any depth, a key literally holding the dots wins), every value modifier of the
//!   specification (v2.1) — `contains`, `startswith`, `endswith`, `all`, `re` with `i`/`m`/`s`,
//!   `cidr`, `base64`, `base64offset`, `utf16le`/`utf16be`/`utf16`/`wide`, `windash`, `exists`,
//!   `fieldref`, `neq`, `lt`/`lte`/`gt`/`gte`, `minute` … `year`, `cased`, `expand` with
//!   placeholders from [`Options`] — `null`, keyword searches, full conditions (`and`, `or`,
//!   `not`, parentheses, `1 of` / `all of`, `them`, wildcards), logsource matching
//!   ([`LogsourcePolicy`]), global filters, and correlation rules ([`correlation`]).
//! - **Compiled once.** Values become the cheapest string test that decides them (no regular
//!   expression where a string test does), case-insensitive as Sigma requires, and rules are
//!   filed in a literal index on `eventName` / `eventSource` / other typed fields, so a record
//!   is checked only against the rules it could match ([`Prefilter`]).
//! - **Explained and attributed.** A [`RuleMatch`] names the selections and fields that matched
//!   with the record's values, and carries the rule's [`RuleInfo`] — id, title, level, tags,
//!   author and licence — because the Detection Rule License that covers SigmaHQ's rules requires
//!   every alert to name the rule's author.
//! - **Untrusted rules.** Rule files are bounded (size, YAML depth and node count, aliases
//!   included; regex size; value expansions; condition nesting) and never cause a panic. Every
//!   problem names the file, line, column, rule and field; unsupported features are refused with
//!   the reason; a rule whose logsource is not CloudTrail is reported as not applied.
//!
//! The engine does no I/O and reads no clock: [`load_path`] is the separate loader.
//!
//! # Using it in a detection pass
//!
//! 1. `load_path(dir)` for each `--sigma DIR`, then [`RuleSet::build`] once; show the
//!    [`BuildReport`]'s problems (errors and refusals, "not applied" rules, lint warnings).
//! 2. On every record, [`RuleSet::matching`] (ids only; nothing is allocated when nothing
//!    matches) and [`RuleSet::explain`] for the few that matched — or [`RuleSet::matches`], which
//!    does both. A `RuleSet` is `Send + Sync`: share one across reader threads.
//! 3. For correlation rules, turn each match into an [`Observation`] with
//!    [`RuleSet::observe`] (owned, so worker threads can collect them), sort them by time, and
//!    feed them to one [`Correlator`] from [`RuleSet::correlator`]; call
//!    [`Correlator::finish`] at the end of the input.
//!
//! ```
//! use trailguard_sigma::{RuleSet, Level};
//! use trailguard_model::decode_event_text;
//!
//! let rules = RuleSet::from_yaml(r#"
//! title: CloudTrail logging stopped
//! id: 4db60cc0-36fb-42b7-9b58-a5b53019fb74
//! author: Example Author
//! level: high
//! logsource: {product: aws, service: cloudtrail}
//! detection:
//!     selection:
//!         eventSource: cloudtrail.amazonaws.com
//!         eventName: [StopLogging, DeleteTrail]
//!     filter_failed:
//!         errorCode|exists: true
//!     condition: selection and not filter_failed
//! "#).unwrap();
//!
//! let ev = decode_event_text(r#"{"eventTime":"2024-05-01T09:00:00Z",
//!     "eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging"}"#).unwrap();
//! let matches = rules.matches(&ev);
//! assert_eq!(matches.len(), 1);
//! let m = &matches[0];
//! assert_eq!(m.rule.level, Some(Level::High));
//! assert_eq!(m.rule.author.as_deref(), Some("Example Author"));
//! assert_eq!(m.selections[0].name, "selection");
//! assert_eq!(m.selections[0].fields[1].value.as_deref(), Some("StopLogging"));
//! ```
//!
//! # Choices worth knowing
//!
//! - Numbers and booleans in records compare as their JSON text (`requestParameters.enable:
//!   'false'` matches a JSON `false`); YAML scalars keep their text as written (`1.10` stays
//!   `1.10`, unlike readers that turn it into the float `1.1`).
//! - A string test on an object or array (`requestParameters|contains: 'Suspended'`) is tried on
//!   every scalar inside it and on its compact JSON text.
//! - `null` matches a missing field and a JSON `null`; `*` matches any string, the empty one
//!   included, but not a missing or `null` field.
//! - `re` is an unanchored search with Rust's `regex` (linear time); look-around and
//!   back-references, outside Sigma's regex flavour, are refused.
//! - `neq`: the field is present (not `null`) and differs from every value.
//! - `windash` follows pySigma: a `-` or `/` that starts a word is tried as `-`, `/`, `–`, `—`
//!   and `―`.
//!
//! `docs/sigma-engines.md` records how the Rust Sigma crates fared on these rules and why this
//! engine is our own.

#![deny(missing_docs)]

mod condition;
pub mod correlation;
mod detection;
mod engine;
mod eval;
mod index;
mod lint;
mod load;
mod modifier;
mod pattern;
mod problem;
mod rule;
mod yaml;

pub use correlation::{
    CorrelationAlert, CorrelationLimits, CorrelationStats, CorrelationType, Correlator, Observation,
};
pub use engine::{
    BuildReport, BuildSummary, FieldHit, MAX_SOURCE_BYTES, Options, RuleId, RuleMatch, RuleSet, SelectionHit, Source,
};
pub use index::Prefilter;
pub use load::{LoadError, Loaded, MAX_FILES, license_of, load_path};
pub use problem::{Origin, Problem, ProblemKind, Severity};
pub use rule::{Level, Logsource, LogsourcePolicy, RuleInfo, RuleKind, Status};
pub use yaml::Pos;
