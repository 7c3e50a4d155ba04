//! CT-015: CloudTrail configuration changes are monitored (CIS 4.5 in v3.0–v5.0, 5.5 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-015",
    name: "no-alarm-cloudtrail-changes",
    title: "CloudTrail configuration changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::High,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.5",
        "cis-aws-1.4.0:4.5",
        "cis-aws-3.0.0:4.5",
        "cis-aws-4.0.1:4.5",
        "cis-aws-5.0.0:4.5",
        "cis-aws-6.0.0:5.5",
        "cis-aws-7.0.0:5.5",
        "securityhub:CloudWatch.5",
        "prowler:cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
        "trivy:AVD-AWS-0151",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "StopLogging, DeleteTrail and UpdateTrail are the first calls of an intruder who wants to act unseen; the alarm fires on the last event the trail records.",
        example: "The filter counts StopLogging and DeleteTrail only; UpdateTrail (pointing the trail at another bucket) goes unnoticed.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 5)
}
