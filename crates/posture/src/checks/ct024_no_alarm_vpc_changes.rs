//! CT-024: VPC changes are monitored (CIS 4.14 in v3.0–v5.0, 5.14 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-024",
    name: "no-alarm-vpc-changes",
    title: "VPC changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.14",
        "cis-aws-1.4.0:4.14",
        "cis-aws-3.0.0:4.14",
        "cis-aws-4.0.1:4.14",
        "cis-aws-5.0.0:4.14",
        "cis-aws-6.0.0:5.14",
        "cis-aws-7.0.0:5.14",
        "securityhub:CloudWatch.14",
        "prowler:cloudwatch_changes_to_vpcs_alarm_configured",
        "trivy:AVD-AWS-0160",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "VPC peering and attribute changes connect networks that were meant to stay apart.",
        example: "The alarm watches metric VPCChanges in namespace LogMetrics while the filter publishes to CISBenchmark.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 14)
}
