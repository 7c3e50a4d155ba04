//! CT-005: log file integrity validation is on for every trail.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::world::Context;

use super::common::or_not_applicable;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-005",
    name: "log-file-validation-disabled",
    title: "Log file validation is enabled on every trail",
    severity: Severity::Medium,
    scope: Scope::Trail,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:2.2",
        "cis-aws-1.4.0:3.2",
        "cis-aws-3.0.0:3.2",
        "cis-aws-4.0.1:3.2",
        "cis-aws-5.0.0:3.2",
        "cis-aws-6.0.0:4.2",
        "cis-aws-7.0.0:4.2",
        "securityhub:CloudTrail.4",
        "config:cloud-trail-log-file-validation-enabled",
        "prowler:cloudtrail_log_file_validation_enabled",
        "checkov:CKV_AWS_36",
        "trivy:AVD-AWS-0016",
        "controltower:AWS-GR_CLOUDTRAIL_VALIDATION_ENABLED",
    ],
    doc: Doc {
        what: "Every trail has `LogFileValidationEnabled = true`, so CloudTrail delivers signed hourly digest files.",
        why: "Without digests nobody can prove that a log file was not edited, deleted or forged after delivery — the first question in an incident and in court. `trailguard verify` walks the digest chain.",
        example: "Trail `main` has LogFileValidationEnabled = false.",
        fix: "Enable log file validation (digests start with the next hour; older files stay unverifiable).",
        cli: "aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    EnableLogFileValidation: true",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let out = cx
        .world
        .trails
        .iter()
        .map(|t| {
            if t.trail.log_file_validation {
                cx.finding(&INFO, Status::Pass, t.resource(), format!("trail {} has LogFileValidationEnabled = true", t.trail.name))
            } else {
                cx.finding(
                    &INFO,
                    Status::Fail,
                    t.resource(),
                    format!("trail {} has LogFileValidationEnabled = false: no digest files, delivered logs cannot be proven intact", t.trail.name),
                )
            }
        })
        .collect();
    or_not_applicable(cx, &INFO, out, "no trail")
}
