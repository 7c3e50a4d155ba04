//! CloudTrail posture: the configuration snapshot, every check, the readers for CloudFormation
//! templates and Terraform plans, and the renderers of the results. Pure: no I/O, no clock, no
//! environment — the snapshot (with its collection time) and the options are passed in.
//!
//! - [`snapshot`]: the versioned document `trailguard collect` writes (per account and region,
//!   every failed read recorded with its error).
//! - [`checks`]: one file per check and the one [`checks::REGISTRY`]; [`explain`] renders the
//!   doc template of a check, or the list of all.
//! - [`audit()`]: run the enabled checks → [`AuditReport`].
//! - [`iac`]: CloudFormation (YAML or JSON, intrinsic functions) and Terraform plans → a
//!   snapshot with source positions.
//! - [`render`]: text, JSON, OCSF, ASFF, SARIF, JUnit XML, CSV, HTML.
//!
//! ```
//! use trailguard_posture::{audit, AuditOptions, Status};
//! use trailguard_posture::snapshot::{Snapshot, Source, SourceKind};
//! let snap = Snapshot::new("2026-01-01T00:00:00Z".into(), Source { kind: SourceKind::Live, endpoint_url: None, profile: None, path: None, accounts_merged: Vec::new() }, "aws");
//! let report = audit(&snap, &AuditOptions::default());
//! assert_eq!(report.count(Status::Fail), 0); // no account, nothing to fail
//! ```

#![deny(missing_docs)]

pub mod arn;
mod audit;
pub mod check;
pub mod checks;
pub mod cis;
pub mod coverage;
pub mod eventbridge;
pub mod explain;
pub mod iac;
pub mod policy;
pub mod render;
pub mod selectors;
pub mod snapshot;
pub mod world;

pub use audit::{AuditReport, OptionsUsed, REPORT_SCHEMA, Summary, Target, audit};
pub use check::{AuditOptions, CheckInfo, Finding, Resource, Severity, Status};
pub use snapshot::Snapshot;
