//! CT-025: AWS Organizations changes are monitored (CIS 4.15 in v3.0–v5.0, 5.15 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-025",
    name: "no-alarm-organizations-changes",
    title: "AWS Organizations changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.4.0:4.15",
        "cis-aws-3.0.0:4.15",
        "cis-aws-4.0.1:4.15",
        "cis-aws-5.0.0:4.15",
        "cis-aws-6.0.0:5.15",
        "cis-aws-7.0.0:5.15",
        "prowler:cloudwatch_log_metric_filter_aws_organizations_changes",
        "trivy:AVD-AWS-0174",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Detaching an SCP, moving an account out of a protected OU or leaving the organization removes the guardrails of every account below.",
        example: "The organization trail's log group is in the management account; no filter counts DetachPolicy.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 15)
}
