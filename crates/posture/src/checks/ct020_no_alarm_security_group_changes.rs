//! CT-020: Security group changes are monitored (CIS 4.10 in v3.0–v5.0, 5.10 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-020",
    name: "no-alarm-security-group-changes",
    title: "Security group changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.10",
        "cis-aws-1.4.0:4.10",
        "cis-aws-3.0.0:4.10",
        "cis-aws-4.0.1:4.10",
        "cis-aws-5.0.0:4.10",
        "cis-aws-6.0.0:5.10",
        "cis-aws-7.0.0:5.10",
        "securityhub:CloudWatch.10",
        "prowler:cloudwatch_log_metric_filter_security_group_changes",
        "trivy:AVD-AWS-0156",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Opening a security group to 0.0.0.0/0 is how a foothold is exposed or data is pulled out.",
        example: "The filter predates CIS v5.0 and does not count ModifySecurityGroupRules.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 10)
}
