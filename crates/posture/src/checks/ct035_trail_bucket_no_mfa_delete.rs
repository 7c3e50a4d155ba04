//! CT-035: MFA Delete on the trail bucket, or Object Lock in COMPLIANCE mode instead.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::world::Context;

use super::common::{BucketSetting, each_bucket_setting};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-035",
    name: "trail-bucket-no-mfa-delete",
    title: "Deleting log versions needs MFA (or Object Lock in COMPLIANCE mode prevents it)",
    severity: Severity::Low,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &[
        "cis-aws-3.0.0:2.1.2",
        "cis-aws-4.0.1:2.1.2",
        "cis-aws-5.0.0:2.1.2",
        "cis-aws-6.0.0:3.1.2",
        "cis-aws-7.0.0:3.1.2",
        "securityhub:S3.20",
        "prowler:cloudtrail_bucket_requires_mfa_delete",
        "prowler:s3_bucket_no_mfa_delete",
        "steampipe:cloudtrail_trail_bucket_mfa_enabled",
    ],
    doc: Doc {
        what: "Every trail bucket has `MFADelete = Enabled` in `GetBucketVersioning`, or Object Lock in COMPLIANCE mode with a default retention at least the retention target (CT-036), which protects every version more strongly than MFA Delete.",
        why: "With versioning alone, anyone with s3:DeleteObjectVersion removes log history for good. MFA Delete requires the root user's MFA for that. Trade-off: MFA Delete can only be set by the root user and cannot be combined with lifecycle expiration; Object Lock COMPLIANCE is the modern alternative.",
        example: "Bucket `trail-logs` has versioning Enabled, MFADelete Disabled, no Object Lock.",
        fix: "Prefer Object Lock in COMPLIANCE mode (CT-036); otherwise enable MFA Delete with the root user's MFA device.",
        cli: "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa '<root-mfa-serial> <code>'",
        cloudformation: "# MFA Delete cannot be set by CloudFormation; use Object Lock (CT-036):\nTrailBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n    ObjectLockEnabled: true\n    ObjectLockConfiguration:\n      ObjectLockEnabled: Enabled\n      Rule:\n        DefaultRetention:\n          Mode: COMPLIANCE\n          Days: 365",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    each_bucket_setting(cx, &INFO, "versioning", |b| &b.versioning, |s| {
        let BucketSetting { name, bucket: b, res, value: v, .. } = s;
        if v.mfa_delete.as_deref() == Some("Enabled") {
            return cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name} has MFA Delete enabled"));
        }
        let lock = b.object_lock.ok().and_then(|l| l.as_ref());
        let compliance = lock.is_some_and(|l| {
            l.enabled && l.mode.as_deref() == Some("COMPLIANCE") && l.retention_days().is_some_and(|d| d >= cx.opts.retention_days)
        });
        if compliance {
            cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("trail bucket {name} has no MFA Delete, but Object Lock COMPLIANCE retention keeps every version from deletion, which is stronger"),
            )
        } else {
            cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!(
                    "trail bucket {name} has MFADelete = {} and no Object Lock COMPLIANCE retention: anyone with s3:DeleteObjectVersion can erase log history (MFA Delete cannot coexist with lifecycle expiration; Object Lock is the alternative)",
                    v.mfa_delete.as_deref().unwrap_or("never configured")
                ),
            )
        }
    })
}
