//! CT-049: the template's trail resources were understood completely.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status};
use crate::snapshot::ResourceLocation;
use crate::world::Context;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-049",
    name: "template-not-fully-resolved",
    title: "Infrastructure as code: every trail-related value of the template could be resolved",
    severity: Severity::Info,
    scope: Scope::Template,
    default_enabled: true,
    mappings: &[
        "checkov:CKV_AWS_67",
        "trivy:AVD-AWS-0014",
        "cfn-lint:E3001",
        "kics:8173d5eb-96b5-4aa6-a71b-ecfa153c123d",
    ],
    doc: Doc {
        what: "With `--cfn` or `--terraform`, the checks run over the same model as a live account, built from `AWS::CloudTrail::Trail` / `aws_cloudtrail` and the related bucket, bucket policy, key, log group, metric filter, alarm, topic, rule and SCP resources. This check lists every value that could not be resolved — a parameter without default, `Fn::ImportValue`, a condition, a value known only after apply — each as MANUAL with its file and line, so no unknown silently becomes a PASS or a FAIL. Not applicable to live accounts and snapshots.",
        why: "A template check that guesses is worse than none: a bucket name from a parameter may be the log-archive bucket or a typo. Listing what was not resolved tells the reviewer exactly what to confirm.",
        example: "Trail `OrgTrail` takes S3BucketName from the parameter LogArchiveBucket, which has no default.",
        fix: "Give parameters defaults in the audited copy, or audit the deployed stack with `audit --live`.",
        cli: "trailguard audit --live",
        cloudformation: "Parameters:\n  LogArchiveBucket:\n    Type: String\n    Default: org-log-archive-111122223333",
        references: &["https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    if !cx.iac() {
        return vec![cx.finding(&INFO, Status::NotApplicable, Resource::new("snapshot", "trailguard::Snapshot", None, None), "not a template or plan")];
    }
    let file = cx.snap.source.path.clone().unwrap_or_default();
    if cx.snap.unresolved.is_empty() {
        let mut res = Resource::new(file.clone(), "trailguard::Template", None, None);
        res.location = Some(ResourceLocation {
            resource: file.clone(),
            logical_id: String::new(),
            file,
            line: 1,
            column: 1,
        });
        return vec![cx.finding(&INFO, Status::Pass, res, "every trail-related value in the template was resolved")];
    }
    cx.snap
        .unresolved
        .iter()
        .map(|u| {
            let mut res = Resource::new(format!("{}.{}", u.logical_id, u.property), "trailguard::TemplateValue", None, None);
            res.location = Some(ResourceLocation {
                resource: u.logical_id.clone(),
                logical_id: u.logical_id.clone(),
                file: u.file.clone(),
                line: u.line,
                column: u.column,
            });
            cx.finding(&INFO, Status::Manual, res, format!("{} of {}: {}", u.property, u.logical_id, u.message))
        })
        .collect()
}
