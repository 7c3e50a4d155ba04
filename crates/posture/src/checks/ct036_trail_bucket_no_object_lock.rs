//! CT-036: Object Lock in COMPLIANCE mode with a long enough default retention.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::world::Context;

use super::common::{BucketSetting, each_bucket_setting};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-036",
    name: "trail-bucket-no-object-lock",
    title: "The trail bucket has Object Lock in COMPLIANCE mode with long enough retention",
    severity: Severity::Medium,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &["securityhub:S3.15", "prowler:s3_bucket_object_lock", "checkov:CKV_AWS_143"],
    doc: Doc {
        what: "Every trail bucket has Object Lock enabled with a default retention rule in `COMPLIANCE` mode of at least the retention target (`--retention-days`, default 365; 2557 for seven years; years count 365.25 days). Security Hub S3.15 and Prowler only check that Object Lock is enabled; the mode and the length decide whether it protects anything.",
        why: "In COMPLIANCE mode no one — not the root user, not an intruder with admin rights — can delete or overwrite a log version before its retention ends. GOVERNANCE mode can be bypassed by anyone with s3:BypassGovernanceRetention.",
        example: "Bucket `trail-logs` has Object Lock in GOVERNANCE mode for 30 days.",
        fix: "Enable Object Lock (possible on existing buckets) and set a COMPLIANCE default retention of at least the target. Test first: COMPLIANCE retention cannot be shortened.",
        cli: "aws s3api put-object-lock-configuration --bucket <bucket> --object-lock-configuration '{\"ObjectLockEnabled\":\"Enabled\",\"Rule\":{\"DefaultRetention\":{\"Mode\":\"COMPLIANCE\",\"Days\":365}}}'",
        cloudformation: "TrailBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n    ObjectLockEnabled: true\n    ObjectLockConfiguration:\n      ObjectLockEnabled: Enabled\n      Rule:\n        DefaultRetention:\n          Mode: COMPLIANCE\n          Days: 365",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let target = cx.opts.retention_days;
    each_bucket_setting(cx, &INFO, "Object Lock configuration", |b| &b.object_lock, |s| {
        let BucketSetting { name, res, value: lock, .. } = s;
        match lock {
            None => cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} has no Object Lock: log versions can be deleted before the {target}-day retention target")),
            Some(l) if !l.enabled => cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} has Object Lock disabled")),
            Some(l) => match (l.mode.as_deref(), l.retention_days()) {
                (None, _) | (_, None) => cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} has Object Lock enabled but no default retention rule: new log files are not locked")),
                (Some("COMPLIANCE"), Some(d)) if d >= target => cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name} locks log versions in COMPLIANCE mode for {d} days (target {target})")),
                (Some("COMPLIANCE"), Some(d)) => cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} locks log versions for {d} days, less than the {target}-day retention target")),
                (Some(mode), Some(d)) => cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    format!("trail bucket {name} uses Object Lock mode {mode} ({d} days): anyone with s3:BypassGovernanceRetention can delete log versions; use COMPLIANCE"),
                ),
            },
        }
    })
}
