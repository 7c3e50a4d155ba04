//! What a check is and what it produces: metadata with the one doc template, statuses,
//! severities, findings, and the options the checks read.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::snapshot::{ErrorKind, ReadError, ResourceLocation};

/// How bad a failure of a check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Good practice with little direct risk.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical: logs exposed or trivially destroyed.
    Critical,
}

impl Severity {
    /// All, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Weight in the score.
    pub fn weight(self) -> u32 {
        match self {
            Severity::Info => 1,
            Severity::Low => 2,
            Severity::Medium => 4,
            Severity::High => 8,
            Severity::Critical => 16,
        }
    }

    /// Parse a lower- or upper-case name.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" | "informational" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of a check on one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// The requirement does not hold.
    Fail,
    /// Could not check (permission denied, API failure, missing data).
    Error,
    /// Needs evidence trailguard cannot see (another account, a template parameter).
    Manual,
    /// The requirement holds.
    Pass,
    /// The requirement does not apply here.
    NotApplicable,
}

impl Status {
    /// All, in report order.
    pub const ALL: [Status; 5] = [
        Status::Fail,
        Status::Error,
        Status::Manual,
        Status::Pass,
        Status::NotApplicable,
    ];

    /// `PASS`, `FAIL`, `MANUAL`, `NOT_APPLICABLE`, `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Manual => "MANUAL",
            Status::NotApplicable => "NOT_APPLICABLE",
            Status::Error => "ERROR",
        }
    }

    /// The status a failed read leads to.
    pub fn for_read_error(e: &ReadError) -> Status {
        if e.kind.is_manual() {
            Status::Manual
        } else {
            Status::Error
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a check looks at, for grouping and docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One result per account.
    Account,
    /// One result per account and region.
    Region,
    /// One result per trail (in its home region).
    Trail,
    /// One result per trail bucket.
    Bucket,
    /// One result per trail key.
    Key,
    /// One result per trail log group.
    LogGroup,
    /// One result per IAM policy or account.
    Policy,
    /// One result per event data store.
    EventDataStore,
    /// One result per template.
    Template,
}

impl Scope {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Region => "account × region",
            Scope::Trail => "trail",
            Scope::Bucket => "trail bucket",
            Scope::Key => "trail KMS key",
            Scope::LogGroup => "trail log group",
            Scope::Policy => "IAM policy",
            Scope::EventDataStore => "event data store",
            Scope::Template => "template",
        }
    }
}

/// The doc template every check fills (rendered by `trailguard audit --explain`).
#[derive(Clone, Copy, Debug)]
pub struct Doc {
    /// What it checks: the exact pass condition.
    pub what: &'static str,
    /// Why it matters: the attack or failure it prevents.
    pub why: &'static str,
    /// A failing example (configuration or evidence).
    pub example: &'static str,
    /// How to fix it, in words.
    pub fix: &'static str,
    /// The AWS CLI commands that fix it.
    pub cli: &'static str,
    /// A CloudFormation snippet that fixes it.
    pub cloudformation: &'static str,
    /// Further reading.
    pub references: &'static [&'static str],
}

/// A check's metadata.
#[derive(Clone, Copy, Debug)]
pub struct CheckInfo {
    /// Stable id (`CT-001`). Never reused.
    pub id: &'static str,
    /// Kebab-case name of the bad pattern (`no-multi-region-trail`).
    pub name: &'static str,
    /// One line, phrased as the requirement.
    pub title: &'static str,
    /// Severity of a failure.
    pub severity: Severity,
    /// What one result is about.
    pub scope: Scope,
    /// Runs unless deselected; optional checks run when selected (`--select`).
    pub default_enabled: bool,
    /// Versioned compliance mappings (`cis-aws-5.0.0:3.1`, `securityhub:CloudTrail.1`,
    /// `prowler:cloudtrail_multi_region_enabled`, `checkov:CKV_AWS_67`, `trivy:AVD-AWS-0014`).
    pub mappings: &'static [&'static str],
    /// The doc template.
    pub doc: Doc,
}

/// The resource a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// ARN, bucket name, log group ARN, or account id.
    pub id: String,
    /// CloudFormation type name (`AWS::CloudTrail::Trail`, `AWS::::Account`).
    pub kind: String,
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Where it is defined (templates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ResourceLocation>,
}

impl Resource {
    /// A resource without location.
    pub fn new(id: impl Into<String>, kind: &str, account: Option<&str>, region: Option<&str>) -> Self {
        Resource {
            id: id.into(),
            kind: kind.to_string(),
            account: account.filter(|a| !a.is_empty()).map(str::to_string),
            region: region.filter(|r| !r.is_empty()).map(str::to_string),
            location: None,
        }
    }

    /// An account.
    pub fn account(id: &str) -> Self {
        Resource::new(id, "AWS::::Account", Some(id), None)
    }

    /// A region of an account.
    pub fn region(account: &str, region: &str) -> Self {
        Resource::new(
            format!("{account}/{region}"),
            "AWS::::Account",
            Some(account),
            Some(region),
        )
    }
}

/// One result of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check (`CT-001`).
    pub check_id: String,
    /// The status.
    pub status: Status,
    /// The check's severity.
    pub severity: Severity,
    /// What it is about.
    pub resource: Resource,
    /// Why, naming the exact setting.
    pub reason: String,
    /// The evidence examined (selectors, filters, alarms, policy statements).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// Options the checks read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditOptions {
    /// CIS version whose alarm patterns are required (`5.0.0`).
    pub cis_version: String,
    /// Require the exact published text (Security Hub's rule) instead of semantic coverage.
    pub strict_exact: bool,
    /// Minimum retention of CloudTrail logs, in days (365; 2557 for seven years).
    pub retention_days: i64,
    /// Tag keys every trail must carry (CT-047).
    pub required_tags: Vec<String>,
    /// How old the last CloudWatch Logs delivery of a logging trail may be, in hours.
    pub delivery_max_age_hours: i64,
    /// Check ids or prefixes to run in addition to / instead of the defaults (`CT-047`, `ALL`).
    pub select: Vec<String>,
    /// Check ids or prefixes not to run.
    pub skip: Vec<String>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            cis_version: crate::cis::DEFAULT_VERSION.to_string(),
            strict_exact: false,
            retention_days: 365,
            required_tags: Vec::new(),
            delivery_max_age_hours: 24,
            select: Vec::new(),
            skip: Vec::new(),
        }
    }
}

impl AuditOptions {
    /// Whether a check runs under these options.
    pub fn enabled(&self, info: &CheckInfo) -> bool {
        let hit = |list: &[String]| {
            list.iter().any(|s| {
                s.eq_ignore_ascii_case("ALL")
                    || info.id.eq_ignore_ascii_case(s)
                    || info.name.eq_ignore_ascii_case(s)
                    || (s.len() < info.id.len() && info.id.to_ascii_uppercase().starts_with(&s.to_ascii_uppercase()))
            })
        };
        if hit(&self.skip) {
            return false;
        }
        info.default_enabled || hit(&self.select)
    }
}

/// A read error in the words of a finding: (status, reason).
pub fn unreadable(what: &str, e: &ReadError) -> (Status, String) {
    let status = Status::for_read_error(e);
    let reason = match e.kind {
        ErrorKind::CrossAccount => format!(
            "{what} belongs to another account whose configuration is not in this snapshot ({}); check it there, or collect with --org",
            e.describe()
        ),
        ErrorKind::NotInSource => format!("{what} is not known from the template: {}", e.message),
        ErrorKind::NotCollected => format!("{what} was not collected: {}", e.message),
        ErrorKind::Unsupported => format!(
            "could not read {what}: the endpoint does not implement {} ({}); judge it against an endpoint that serves the call (AWS)",
            e.api,
            e.describe()
        ),
        _ => format!("could not read {what}: {}", e.describe()),
    };
    (status, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unimplemented_call_is_an_error_that_says_so() {
        let e = ReadError::new(
            "cloudtrail:ListEventDataStores",
            ErrorKind::Unsupported,
            "The list_event_data_stores action has not been implemented",
        );
        let (status, reason) = unreadable("the event data stores in us-east-1", &e);
        assert_eq!(status, Status::Error);
        assert!(
            reason.contains("the endpoint does not implement cloudtrail:ListEventDataStores"),
            "{reason}"
        );
        let denied = ReadError::new(
            "cloudtrail:ListEventDataStores",
            ErrorKind::AccessDenied,
            "not authorized",
        );
        let (status, reason) = unreadable("the event data stores in us-east-1", &denied);
        assert_eq!(status, Status::Error);
        assert!(!reason.contains("does not implement"), "{reason}");
    }
}
