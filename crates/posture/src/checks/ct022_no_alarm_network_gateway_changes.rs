//! CT-022: Network gateway changes are monitored (CIS 4.12 in v3.0–v5.0, 5.12 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-022",
    name: "no-alarm-network-gateway-changes",
    title: "Network gateway changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.12",
        "cis-aws-1.4.0:4.12",
        "cis-aws-3.0.0:4.12",
        "cis-aws-4.0.1:4.12",
        "cis-aws-5.0.0:4.12",
        "cis-aws-6.0.0:5.12",
        "cis-aws-7.0.0:5.12",
        "securityhub:CloudWatch.12",
        "prowler:cloudwatch_changes_to_network_gateways_alarm_configured",
        "trivy:AVD-AWS-0158",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "A new internet or customer gateway opens a path in or out of a private network.",
        example: "The filter counts CreateInternetGateway but not AttachInternetGateway.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 12)
}
