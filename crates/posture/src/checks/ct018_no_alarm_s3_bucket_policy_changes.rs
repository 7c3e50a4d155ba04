//! CT-018: S3 bucket policy changes are monitored (CIS 4.8 in v3.0–v5.0, 5.8 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-018",
    name: "no-alarm-s3-bucket-policy-changes",
    title: "S3 bucket policy changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.8",
        "cis-aws-1.4.0:4.8",
        "cis-aws-3.0.0:4.8",
        "cis-aws-4.0.1:4.8",
        "cis-aws-5.0.0:4.8",
        "cis-aws-6.0.0:5.8",
        "cis-aws-7.0.0:5.8",
        "securityhub:CloudWatch.8",
        "prowler:cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
        "trivy:AVD-AWS-0154",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Bucket policy, ACL and lifecycle changes open data to the internet or delete it on a schedule (including the trail bucket's own lifecycle).",
        example: "The filter lacks PutBucketLifecycle: a lifecycle rule that expires the logs after one day goes unnoticed.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 8)
}
