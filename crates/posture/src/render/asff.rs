//! AWS Security Finding Format (`aws securityhub batch-import-findings --findings file://…`).
//! `Compliance.Status`: PASS → PASSED, FAIL → FAILED, MANUAL / NOT_APPLICABLE / ERROR →
//! NOT_AVAILABLE.

use serde_json::{Value, json};

use crate::audit::AuditReport;
use crate::check::{Severity, Status};

use super::{info, uid};

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

fn resource_type(kind: &str) -> &'static str {
    match kind {
        "AWS::CloudTrail::Trail" => "AwsCloudTrailTrail",
        "AWS::S3::Bucket" => "AwsS3Bucket",
        "AWS::KMS::Key" => "AwsKmsKey",
        "AWS::Logs::LogGroup" => "AwsLogsLogGroup",
        "AWS::IAM::Policy" => "AwsIamPolicy",
        "AWS::::Account" => "AwsAccount",
        _ => "Other",
    }
}

pub(super) fn render(r: &AuditReport) -> String {
    let now = r.target.collected_at.clone();
    let partition = r.target.partition.as_str();
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let i = info(f);
            let account = f
                .resource
                .account
                .clone()
                .or_else(|| r.target.accounts.first().cloned())
                .unwrap_or_default();
            let region = f.resource.region.clone().unwrap_or_else(|| "us-east-1".to_string());
            let status = match f.status {
                Status::Pass => "PASSED",
                Status::Fail => "FAILED",
                _ => "NOT_AVAILABLE",
            };
            let cis: Vec<&str> = i
                .map(|i| i.mappings.iter().copied().filter(|m| m.starts_with("cis-aws-")).collect())
                .unwrap_or_default();
            json!({
                "SchemaVersion": "2018-10-08",
                "Id": uid(f),
                "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
                "ProductName": "trailguard",
                "CompanyName": "trailguard",
                "GeneratorId": format!("trailguard-{}", f.check_id),
                "AwsAccountId": account,
                "Types": [if cis.is_empty() {
                    "Software and Configuration Checks/AWS Security Best Practices"
                } else {
                    "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
                }],
                "CreatedAt": now,
                "UpdatedAt": now,
                "Severity": {"Label": label(f.severity)},
                "Title": format!("{} {}", f.check_id, i.map(|i| i.title).unwrap_or("")),
                "Description": truncate(&f.reason, 1024),
                "Resources": [{
                    "Type": resource_type(&f.resource.kind),
                    "Id": f.resource.id,
                    "Partition": partition,
                    "Region": region,
                }],
                "Compliance": {
                    "Status": status,
                    "RelatedRequirements": i.map(|i| i.mappings.iter().take(32).copied().collect::<Vec<_>>()).unwrap_or_default(),
                    "StatusReasons": [{"ReasonCode": f.status.as_str(), "Description": truncate(&f.reason, 2048)}],
                },
                "Remediation": {"Recommendation": {
                    "Text": truncate(i.map(|i| i.doc.fix).unwrap_or(""), 512),
                    "Url": i.and_then(|i| i.doc.references.first().copied()).unwrap_or("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html"),
                }},
                "RecordState": "ACTIVE",
                "Workflow": {"Status": if f.status == Status::Pass { "RESOLVED" } else { "NEW" }},
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&findings).unwrap_or_default();
    s.push('\n');
    s
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}
