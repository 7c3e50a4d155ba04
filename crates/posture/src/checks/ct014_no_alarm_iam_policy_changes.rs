//! CT-014: IAM policy changes are monitored (CIS 4.4 in v3.0–v5.0, 5.4 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-014",
    name: "no-alarm-iam-policy-changes",
    title: "IAM policy changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.4",
        "cis-aws-1.4.0:4.4",
        "cis-aws-3.0.0:4.4",
        "cis-aws-4.0.1:4.4",
        "cis-aws-5.0.0:4.4",
        "cis-aws-6.0.0:5.4",
        "cis-aws-7.0.0:5.4",
        "securityhub:CloudWatch.4",
        "prowler:cloudwatch_log_metric_filter_policy_changes",
        "trivy:AVD-AWS-0150",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Attaching or editing a policy is how an intruder escalates privileges and plants persistence.",
        example: "No metric filter on the trail's log group counts AttachRolePolicy or PutUserPolicy.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 4)
}
