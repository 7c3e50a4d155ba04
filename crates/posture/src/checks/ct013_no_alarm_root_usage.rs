//! CT-013: Use of the root user is monitored (CIS 4.3 in v3.0–v5.0, 5.3 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-013",
    name: "no-alarm-root-usage",
    title: "Use of the root user is monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::High,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.3",
        "cis-aws-1.4.0:4.3",
        "cis-aws-3.0.0:4.3",
        "cis-aws-4.0.1:4.3",
        "cis-aws-5.0.0:4.3",
        "cis-aws-6.0.0:5.3",
        "cis-aws-7.0.0:5.3",
        "securityhub:CloudWatch.1",
        "prowler:cloudwatch_log_metric_filter_root_usage",
        "trivy:AVD-AWS-0149",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "The root user cannot be restricted by IAM or (in the management account) by SCPs; any use of it outside a documented break-glass procedure is an incident.",
        example: "The alarm notifies topic cis-alarms, whose only subscription is still PendingConfirmation.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 3)
}
