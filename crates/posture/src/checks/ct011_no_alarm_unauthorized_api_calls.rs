//! CT-011: Unauthorized API calls are monitored (CIS 4.1 in v3.0–v5.0, 5.1 in v6.0+).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::alarm;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-011",
    name: "no-alarm-unauthorized-api-calls",
    title: "Unauthorized API calls are monitored (metric filter, alarm, subscribed topic)",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:3.1",
        "cis-aws-1.4.0:4.1",
        "cis-aws-3.0.0:4.1",
        "cis-aws-4.0.1:4.1",
        "cis-aws-5.0.0:4.1",
        "cis-aws-6.0.0:5.1",
        "cis-aws-7.0.0:5.1",
        "securityhub:CloudWatch.2",
        "prowler:cloudwatch_log_metric_filter_unauthorized_api_calls",
        "trivy:AVD-AWS-0147",
        "securityhub:CloudWatch.15",
        "securityhub:CloudWatch.17",
    ],
    doc: Doc {
        what: alarm::WHAT,
        why: "Bursts of AccessDenied and UnauthorizedOperation errors are what credential stuffing, enumeration tools (Pacu, enumerate-iam) and a stolen key probing its permissions produce.",
        example: "The log group has a filter `{ $.errorCode = \"AccessDenied*\" }` only: UnauthorizedOperation errors (EC2) are not counted.",
        fix: alarm::FIX,
        cli: alarm::CLI,
        cloudformation: alarm::CFN,
        references: alarm::REFERENCES,
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    alarm::run(cx, &INFO, 1)
}
