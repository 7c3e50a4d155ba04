//! CT-034: versioning is enabled on the trail bucket.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::world::Context;

use super::common::{BucketSetting, each_bucket_setting};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-034",
    name: "trail-bucket-versioning-disabled",
    title: "Versioning is enabled on the trail bucket",
    severity: Severity::Medium,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &["securityhub:S3.14", "prowler:s3_bucket_object_versioning", "checkov:CKV_AWS_21"],
    doc: Doc {
        what: "`GetBucketVersioning` on every trail bucket returns `Status = Enabled`.",
        why: "Without versioning an overwrite or delete of a log file is final. With it, the previous version stays and the digest chain can still prove what was there.",
        example: "Bucket `trail-logs` has versioning Suspended.",
        fix: "Enable versioning.",
        cli: "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled",
        cloudformation: "TrailBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n    VersioningConfiguration:\n      Status: Enabled",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    each_bucket_setting(cx, &INFO, "versioning", |b| &b.versioning, |s| {
        let BucketSetting { name, res, value: v, .. } = s;
        match v.status.as_deref() {
            Some("Enabled") => cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name} has versioning Enabled")),
            Some(other) => cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} has versioning {other}: overwritten or deleted log files are gone")),
            None => cx.finding(&INFO, Status::Fail, res, format!("versioning was never enabled on trail bucket {name}: overwritten or deleted log files are gone")),
        }
    })
}
