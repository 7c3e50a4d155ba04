//! CT-038: server access logging on the trail bucket, into another bucket.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::world::Context;

use super::common::{BucketSetting, each_bucket_setting};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-038",
    name: "trail-bucket-access-logging-disabled",
    title: "Server access logging is enabled on the trail bucket, into another bucket",
    severity: Severity::Low,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:2.6",
        "cis-aws-1.4.0:3.6",
        "cis-aws-3.0.0:3.4",
        "cis-aws-4.0.1:3.4",
        "cis-aws-5.0.0:3.4",
        "cis-aws-6.0.0:4.4",
        "cis-aws-7.0.0:4.4",
        "securityhub:CloudTrail.7",
        "securityhub:S3.9",
        "config:cloudtrail-s3-bucket-access-logging",
        "prowler:cloudtrail_logs_s3_bucket_access_logging_enabled",
        "checkov:CKV_AWS_18",
        "trivy:AVD-AWS-0163",
        "cfn-nag:W35",
    ],
    doc: Doc {
        what: "`GetBucketLogging` on every trail bucket returns a `LoggingEnabled` target, and the target bucket is a different bucket.",
        why: "Object-level reads of the trail bucket are not in the trail unless S3 data events are logged for it; server access logs record who read or deleted which log file. Logging into the same bucket loops and mixes evidence with the logs.",
        example: "Bucket `trail-logs` has no LoggingEnabled.",
        fix: "Enable server access logging into a dedicated access-log bucket.",
        cli: "aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status '{\"LoggingEnabled\":{\"TargetBucket\":\"<access-log-bucket>\",\"TargetPrefix\":\"<bucket>/\"}}'",
        cloudformation: "TrailBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n    LoggingConfiguration:\n      DestinationBucketName: !Ref AccessLogBucket\n      LogFilePrefix: trail-bucket/",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    each_bucket_setting(cx, &INFO, "access logging", |b| &b.logging, |s| {
        let BucketSetting { name, res, value: logging, .. } = s;
        match logging {
            None => cx.finding(&INFO, Status::Fail, res, format!("server access logging is off on trail bucket {name}")),
            Some(l) if l.target_bucket == name => cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!("trail bucket {name} writes its access logs into itself: use a separate bucket"),
            ),
            Some(l) => cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name} logs access to bucket {}", l.target_bucket)),
        }
    })
}
