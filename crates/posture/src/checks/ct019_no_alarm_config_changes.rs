//! CT-019: AWS Config configuration changes are monitored (CIS 4.9 in v3.0–v5.0, 5.9 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-019",
    name: "no-alarm-config-changes",
    title: "AWS Config configuration changes are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.9",
        "cis-aws-1.4.0:4.9",
        "cis-aws-3.0.0:4.9",
        "cis-aws-4.0.1:4.9",
        "cis-aws-5.0.0:4.9",
        "cis-aws-6.0.0:5.9",
        "cis-aws-7.0.0:5.9",
        "securityhub:CloudWatch.9",
        "prowler:cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
        "trivy:AVD-AWS-0155",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Stopping the configuration recorder or deleting the delivery channel blinds the inventory and compliance history that an investigation relies on.",
        example: "No filter counts StopConfigurationRecorder.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 9)
}
