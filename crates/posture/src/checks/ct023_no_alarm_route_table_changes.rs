//! CT-023: Route table changes are monitored (CIS 4.13 in v3.0–v5.0, 5.13 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-023",
    name: "no-alarm-route-table-changes",
    title: "Route table changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.13",
        "cis-aws-1.4.0:4.13",
        "cis-aws-3.0.0:4.13",
        "cis-aws-4.0.1:4.13",
        "cis-aws-5.0.0:4.13",
        "cis-aws-6.0.0:5.13",
        "cis-aws-7.0.0:5.13",
        "securityhub:CloudWatch.13",
        "prowler:cloudwatch_changes_to_network_route_tables_alarm_configured",
        "trivy:AVD-AWS-0159",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Route changes redirect traffic through attacker-controlled instances or out of the network.",
        example: "No metric filter on the trail's log group.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 13)
}
