//! CT-016: Console authentication failures are monitored (CIS 4.6 in v3.0–v5.0, 5.6 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-016",
    name: "no-alarm-console-auth-failures",
    title: "Console authentication failures are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.6",
        "cis-aws-1.4.0:4.6",
        "cis-aws-3.0.0:4.6",
        "cis-aws-4.0.1:4.6",
        "cis-aws-5.0.0:4.6",
        "cis-aws-6.0.0:5.6",
        "cis-aws-7.0.0:5.6",
        "securityhub:CloudWatch.6",
        "prowler:cloudwatch_log_metric_filter_authentication_failures",
        "trivy:AVD-AWS-0152",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Repeated failed console sign-ins are password guessing against your IAM users.",
        example: "No alarm watches the metric of the ConsoleLogin failure filter.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 6)
}
