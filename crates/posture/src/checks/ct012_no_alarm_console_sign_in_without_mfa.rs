//! CT-012: Console sign-in without MFA is monitored (CIS 4.2 in v3.0–v5.0, 5.2 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-012",
    name: "no-alarm-console-sign-in-without-mfa",
    title: "Console sign-in without MFA is monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.2",
        "cis-aws-1.4.0:4.2",
        "cis-aws-3.0.0:4.2",
        "cis-aws-4.0.1:4.2",
        "cis-aws-5.0.0:4.2",
        "cis-aws-6.0.0:5.2",
        "cis-aws-7.0.0:5.2",
        "securityhub:CloudWatch.3",
        "prowler:cloudwatch_log_metric_filter_sign_in_without_mfa",
        "trivy:AVD-AWS-0148",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "A console sign-in without MFA means a password alone opened the console: phished or reused passwords show up here first.",
        example: "A filter exists with the right pattern, but its alarm has ActionsEnabled = false.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 2)
}
