//! CT-032: the trail bucket policy denies requests that do not use TLS.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::policy::{Effect, Policy};
use crate::world::{Context, WithEvidence};

use super::common::{BucketSetting, each_bucket_setting};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-032",
    name: "trail-bucket-allows-http",
    title: "The trail bucket policy denies requests without TLS",
    severity: Severity::Medium,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &[
        "cis-aws-3.0.0:2.1.1",
        "cis-aws-4.0.1:2.1.1",
        "cis-aws-5.0.0:2.1.1",
        "cis-aws-6.0.0:3.1.1",
        "cis-aws-7.0.0:3.1.1",
        "securityhub:S3.5",
        "config:s3-bucket-ssl-requests-only",
        "prowler:s3_bucket_secure_transport_policy",
        "checkov:CKV_AWS_379",
    ],
    doc: Doc {
        what: "The trail bucket's policy has a `Deny` statement for principal `*`, all S3 actions (`s3:*`) on the bucket's objects, with `Bool aws:SecureTransport = false`.",
        why: "Without it, a client (or a misconfigured reader) can fetch logs over plain HTTP, where they can be read or altered in transit.",
        example: "The bucket policy only has the two CloudTrail statements; no statement denies aws:SecureTransport = false.",
        fix: "Add a Deny statement on aws:SecureTransport = false.",
        cli: "aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json   # add the DenyInsecureTransport statement",
        cloudformation: "- Sid: DenyInsecureTransport\n  Effect: Deny\n  Principal: '*'\n  Action: 's3:*'\n  Resource:\n    - !Sub 'arn:${AWS::Partition}:s3:::${TrailBucket}'\n    - !Sub 'arn:${AWS::Partition}:s3:::${TrailBucket}/*'\n  Condition:\n    Bool:\n      aws:SecureTransport: 'false'",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    each_bucket_setting(cx, &INFO, "policy", |b| &b.policy, |s| {
        let BucketSetting { name, res, value: policy, .. } = s;
        let Some(text) = policy else {
            return cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} has no bucket policy, so nothing denies plain-HTTP requests"));
        };
        let p = match Policy::parse(text) {
            Ok(p) => p,
            Err(e) => {
                return cx.finding(&INFO, Status::Error, res, format!("the policy of bucket {name} cannot be read: {e}"));
            }
        };
        let object = format!("arn:{}:s3:::{name}/AWSLogs/x", cx.snap.partition);
        let found = p.indexed().find(|(_, s)| {
            s.effect == Effect::Deny
                && s.anyone()
                && s.has_action("s3:GetObject")
                && s.has_action("s3:PutObject")
                && s.has_resource(&object)
                && s.conditions.iter().any(|c| {
                    c.base_operator() == "bool" && c.key == "aws:securetransport" && c.values.iter().any(|v| v.eq_ignore_ascii_case("false"))
                })
        });
        match found {
            Some((i, s)) => cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name}: {} denies requests with aws:SecureTransport = false", s.label(i))),
            None => cx
                .finding(&INFO, Status::Fail, res, format!("the policy of trail bucket {name} does not deny requests with aws:SecureTransport = false"))
                .evidence([format!("{} statements examined", p.statements.len())]),
        }
    })
}
