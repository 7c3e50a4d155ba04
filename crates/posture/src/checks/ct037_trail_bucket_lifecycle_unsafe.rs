//! CT-037: the trail bucket's lifecycle archives logs and never expires them early.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::snapshot::LifecycleRule;
use crate::world::{Context, WithEvidence};

use super::common::{BucketSetting, each_bucket_setting};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-037",
    name: "trail-bucket-lifecycle-unsafe",
    title: "The trail bucket's lifecycle archives logs and never expires them before the retention target",
    severity: Severity::Low,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &[
        "securityhub:S3.13",
        "prowler:s3_bucket_lifecycle_enabled",
        "checkov:CKV2_AWS_61",
        "stratus:aws.defense-evasion.cloudtrail-lifecycle-rule",
    ],
    doc: Doc {
        what: "Among the enabled lifecycle rules that apply to the log objects (no prefix, or a prefix of `AWSLogs/` or the trail's key prefix; rules narrowed by tags or size are ignored): none expires current or noncurrent versions before the retention target (`--retention-days`), and one transitions logs to an archive class (GLACIER, DEEP_ARCHIVE, GLACIER_IR). Checkov and Security Hub only check that some lifecycle exists.",
        why: "A one-day expiration rule is a quiet way to destroy logs (Stratus Red Team `cloudtrail-lifecycle-rule`): nothing is deleted by a person, S3 does it. Without a transition, years of logs stay in S3 Standard.",
        example: "Rule `cleanup` expires objects after 30 days; the retention target is 365 days.",
        fix: "Transition logs to Glacier Deep Archive after 90 days and expire them no earlier than the retention target.",
        cli: "aws s3api put-bucket-lifecycle-configuration --bucket <bucket> --lifecycle-configuration '{\"Rules\":[{\"ID\":\"archive-logs\",\"Status\":\"Enabled\",\"Filter\":{\"Prefix\":\"AWSLogs/\"},\"Transitions\":[{\"Days\":90,\"StorageClass\":\"DEEP_ARCHIVE\"}],\"Expiration\":{\"Days\":2557}}]}'",
        cloudformation: "LifecycleConfiguration:\n  Rules:\n    - Id: archive-logs\n      Status: Enabled\n      Prefix: AWSLogs/\n      Transitions:\n        - StorageClass: DEEP_ARCHIVE\n          TransitionInDays: 90\n      ExpirationInDays: 2557",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html"],
    },
};

fn applies(rule: &LifecycleRule, prefixes: &[String]) -> bool {
    if rule.status != "Enabled" || rule.narrowed {
        return false;
    }
    match rule.prefix.as_deref() {
        None | Some("") => true,
        Some(p) => prefixes.iter().any(|lp| lp.starts_with(p)),
    }
}

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let target = cx.opts.retention_days;
    each_bucket_setting(cx, &INFO, "lifecycle configuration", |b| &b.lifecycle, |s| {
        let BucketSetting { name, trails, res, value: rules, .. } = s;
        // Where the trails write; a bucket whose trails are outside the snapshot (a log-archive
        // account's template) receives under CloudTrail's default `AWSLogs/`.
        let mut prefixes: Vec<String> = trails
            .iter()
            .map(|t| match t.trail.s3_key_prefix.as_deref() {
                Some(p) if !p.is_empty() => format!("{}/AWSLogs/", p.trim_end_matches('/')),
                _ => "AWSLogs/".to_string(),
            })
            .collect();
        if prefixes.is_empty() {
            prefixes.push("AWSLogs/".to_string());
        }
        let active: Vec<&LifecycleRule> = rules.iter().filter(|r| applies(r, &prefixes)).collect();
        let mut problems = Vec::new();
        for r in &active {
            let id = r.id.as_deref().unwrap_or("(unnamed)");
            if let Some(d) = r.expiration_days.filter(|d| *d < target) {
                problems.push(format!("rule {id} expires log files after {d} days (target {target})"));
            }
            if let Some(d) = r.noncurrent_expiration_days.filter(|d| *d < target) {
                problems.push(format!("rule {id} deletes noncurrent log versions after {d} days (target {target})"));
            }
        }
        let archived = active.iter().any(|r| {
            r.transitions
                .iter()
                .any(|t| matches!(t.storage_class.as_str(), "GLACIER" | "DEEP_ARCHIVE" | "GLACIER_IR"))
        });
        let evidence: Vec<String> = rules
            .iter()
            .map(|r| {
                format!(
                    "rule {}: {}, prefix {:?}, transitions [{}], expiration {:?} days",
                    r.id.as_deref().unwrap_or("(unnamed)"),
                    r.status,
                    r.prefix.as_deref().unwrap_or(""),
                    r.transitions
                        .iter()
                        .map(|t| format!("{} after {} days", t.storage_class, t.days.map(|d| d.to_string()).unwrap_or_else(|| "?".into())))
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.expiration_days
                )
            })
            .collect();
        let f = if !problems.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name}: {}", problems.join("; ")))
        } else if !archived {
            cx.finding(
                &INFO,
                Status::Fail,
                res,
                if rules.is_empty() {
                    format!("trail bucket {name} has no lifecycle configuration: logs stay in S3 Standard for ever")
                } else {
                    format!("no enabled lifecycle rule of trail bucket {name} moves the logs to an archive storage class")
                },
            )
        } else {
            cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name} archives logs and keeps them at least {target} days"))
        };
        f.evidence(evidence)
    })
}
