//! Running the checks: one pure function from a snapshot and options to a report.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::{AuditOptions, Finding, Severity, Status};
use crate::checks::REGISTRY;
use crate::snapshot::{Snapshot, SourceKind};
use crate::world::Context;

/// Value of [`AuditReport::schema`].
pub const REPORT_SCHEMA: &str = "trailguard.audit";

/// The result of an audit.
#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    /// Always [`REPORT_SCHEMA`].
    pub schema: &'static str,
    /// Report format version.
    pub version: u32,
    /// What was audited.
    pub target: Target,
    /// The options that shaped the verdicts.
    pub options: OptionsUsed,
    /// The checks that ran, in id order.
    pub checks: Vec<&'static str>,
    /// Every result, in check order, then by resource.
    pub findings: Vec<Finding>,
    /// Counts and score.
    pub summary: Summary,
}

/// What was audited.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// Live account, CloudFormation template or Terraform plan.
    pub kind: SourceKind,
    /// The template, plan or snapshot file, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// When the configuration was read (RFC 3339).
    pub collected_at: String,
    /// Partition.
    pub partition: String,
    /// Accounts.
    pub accounts: Vec<String>,
}

/// Options echoed in the report.
#[derive(Clone, Debug, Serialize)]
pub struct OptionsUsed {
    /// CIS version for the alarm patterns.
    pub cis_version: String,
    /// Exact-text matching of alarm patterns.
    pub strict_exact: bool,
    /// Retention target in days.
    pub retention_days: i64,
}

/// Counts and score.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Results per status.
    pub by_status: BTreeMap<Status, usize>,
    /// Failures per severity.
    pub failed_by_severity: BTreeMap<Severity, usize>,
    /// Severity-weighted share of passed results among passed and failed, 0–100.
    pub score: f64,
}

impl AuditReport {
    /// Whether some result failed at or above `threshold`.
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| f.status == Status::Fail && f.severity >= threshold)
    }

    /// Number of results with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.summary.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// Run every enabled check over `snap`.
pub fn audit(snap: &Snapshot, opts: &AuditOptions) -> AuditReport {
    let cx = Context::new(snap, opts);
    let mut findings = Vec::new();
    let mut checks = Vec::new();
    for r in REGISTRY.iter().filter(|r| opts.enabled(r.info)) {
        checks.push(r.info.id);
        let mut f = (r.run)(&cx);
        f.sort_by(|a, b| {
            (
                a.resource.account.as_deref(),
                a.resource.region.as_deref(),
                a.resource.id.as_str(),
            )
                .cmp(&(
                    b.resource.account.as_deref(),
                    b.resource.region.as_deref(),
                    b.resource.id.as_str(),
                ))
        });
        findings.extend(f);
    }
    let summary = summarize(&findings);
    AuditReport {
        schema: REPORT_SCHEMA,
        version: 1,
        target: Target {
            kind: snap.source.kind,
            path: snap.source.path.clone(),
            collected_at: snap.collected_at.clone(),
            partition: snap.partition.clone(),
            accounts: snap.accounts.iter().map(|a| a.account_id.clone()).collect(),
        },
        options: OptionsUsed {
            cis_version: opts.cis_version.clone(),
            strict_exact: opts.strict_exact,
            retention_days: opts.retention_days,
        },
        checks,
        findings,
        summary,
    }
}

fn summarize(findings: &[Finding]) -> Summary {
    let mut s = Summary::default();
    let (mut got, mut total) = (0u64, 0u64);
    for f in findings {
        *s.by_status.entry(f.status).or_default() += 1;
        match f.status {
            Status::Pass => {
                got += u64::from(f.severity.weight());
                total += u64::from(f.severity.weight());
            }
            Status::Fail => {
                *s.failed_by_severity.entry(f.severity).or_default() += 1;
                total += u64::from(f.severity.weight());
            }
            _ => {}
        }
    }
    s.score = if total == 0 {
        100.0
    } else {
        ((got as f64 / total as f64) * 1000.0).round() / 10.0
    };
    s
}
