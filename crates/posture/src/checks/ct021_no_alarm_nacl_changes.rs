//! CT-021: Network ACL changes are monitored (CIS 4.11 in v3.0–v5.0, 5.11 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-021",
    name: "no-alarm-nacl-changes",
    title: "Network ACL changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.11",
        "cis-aws-1.4.0:4.11",
        "cis-aws-3.0.0:4.11",
        "cis-aws-4.0.1:4.11",
        "cis-aws-5.0.0:4.11",
        "cis-aws-6.0.0:5.11",
        "cis-aws-7.0.0:5.11",
        "securityhub:CloudWatch.11",
        "prowler:cloudwatch_changes_to_network_acls_alarm_configured",
        "trivy:AVD-AWS-0157",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Network ACL changes remove a layer of network isolation for whole subnets.",
        example: "No alarm watches the NACL filter's metric.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 11)
}
