//! CT-034: versioning is enabled on the trail bucket.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::world::Context;

use super::common::{bucket_read, bucket_resource, or_not_applicable, readable_bucket, trail_buckets};

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
    let mut out = Vec::new();
    for (name, trails) in trail_buckets(cx) {
        let (acct, b) = match readable_bucket(cx, &INFO, name, &trails) {
            Ok(x) => x,
            Err(f) => {
                out.push(*f);
                continue;
            }
        };
        let res = bucket_resource(name, Some(&acct.account_id), b.region.as_deref());
        let v = match bucket_read(cx, &INFO, acct, b, "versioning", &b.versioning) {
            Ok(v) => v,
            Err(f) => {
                out.push(*f);
                continue;
            }
        };
        out.push(match v.status.as_deref() {
            Some("Enabled") => cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name} has versioning Enabled")),
            Some(other) => cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} has versioning {other}: overwritten or deleted log files are gone")),
            None => cx.finding(&INFO, Status::Fail, res, format!("versioning was never enabled on trail bucket {name}: overwritten or deleted log files are gone")),
        });
    }
    or_not_applicable(cx, &INFO, out, "no trail bucket")
}
