//! CT-017: Disabling or scheduled deletion of customer-managed keys is monitored (CIS 4.7 in v3.0–v5.0, 5.7 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-017",
    name: "no-alarm-cmk-disable-or-deletion",
    title: "Disabling or scheduled deletion of customer-managed keys is monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.7",
        "cis-aws-1.4.0:4.7",
        "cis-aws-3.0.0:4.7",
        "cis-aws-4.0.1:4.7",
        "cis-aws-5.0.0:4.7",
        "cis-aws-6.0.0:5.7",
        "cis-aws-7.0.0:5.7",
        "securityhub:CloudWatch.7",
        "prowler:cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
        "trivy:AVD-AWS-0153",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Disabling a key or scheduling its deletion destroys every piece of data encrypted with it — including the CloudTrail logs when it is the trail key — and is a ransomware technique.",
        example: "The filter requires `$.userIdentity.type = \"IAMUser\"` in addition: deletions by roles are not counted.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 7)
}
