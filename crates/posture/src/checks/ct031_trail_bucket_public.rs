//! CT-031: the trail bucket is not public.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status, unreadable};
use crate::policy::Policy;
use crate::snapshot::PublicAccessBlock;
use crate::world::{Context, WithEvidence};

use super::common::{bucket_resource, or_not_applicable, readable_bucket, trail_buckets};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-031",
    name: "trail-bucket-public",
    title: "The trail bucket is not publicly accessible",
    severity: Severity::Critical,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:2.3",
        "cis-aws-1.4.0:3.3",
        "cis-aws-3.0.0:2.1.4",
        "cis-aws-5.0.0:2.1.4",
        "securityhub:CloudTrail.6",
        "securityhub:S3.1",
        "securityhub:S3.8",
        "config:cloudtrail-s3-bucket-public-access-prohibited",
        "prowler:cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
        "prowler:s3_bucket_level_public_access_block",
        "checkov:CKV_AWS_53",
        "checkov:CKV_AWS_54",
        "checkov:CKV_AWS_55",
        "checkov:CKV_AWS_56",
        "checkov:CKV2_AWS_6",
        "trivy:AVD-AWS-0161",
        "cfn-nag:F14",
        "cfn-nag:W31",
    ],
    doc: Doc {
        what: "For every trail bucket: S3 Block Public Access has all four settings on at the bucket or the account level; no ACL grant to AllUsers or AuthenticatedUsers takes effect; no bucket-policy statement allows `*` without a restricting condition (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, …) takes effect. All three are evaluated — Prowler's CloudTrail check only looks at the ACL.",
        why: "Trail logs map your whole estate: every principal, role, bucket, key and IP address. A public trail bucket hands an attacker the reconnaissance and tells them what you can see.",
        example: "Bucket `org-trail-logs` has an ACL grant READ to http://acs.amazonaws.com/groups/global/AllUsers and no Block Public Access.",
        fix: "Turn on all four Block Public Access settings on the bucket (and the account), remove public ACL grants and public policy statements.",
        cli: "aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true\naws s3control put-public-access-block --account-id <account> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true\naws s3api put-bucket-acl --bucket <bucket> --acl private",
        cloudformation: "TrailBucket:\n  Type: AWS::S3::Bucket\n  Properties:\n    PublicAccessBlockConfiguration:\n      BlockPublicAcls: true\n      IgnorePublicAcls: true\n      BlockPublicPolicy: true\n      RestrictPublicBuckets: true\n    OwnershipControls:\n      Rules:\n        - ObjectOwnership: BucketOwnerEnforced",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"],
    },
};

const PUBLIC_GROUPS: [&str; 2] = [
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];

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
        let mut evidence = Vec::new();
        let mut unknown = Vec::new();
        let bucket_pab: Option<PublicAccessBlock> = match b.public_access_block.as_result() {
            Ok(p) => *p,
            Err(e) => {
                unknown.push(unreadable("the bucket's Block Public Access", e));
                None
            }
        };
        let account_pab: Option<PublicAccessBlock> = match acct.public_access_block.as_result() {
            Ok(p) => *p,
            Err(e) => {
                if !cx.iac() {
                    unknown.push(unreadable("the account's Block Public Access", e));
                }
                None
            }
        };
        let either = |f: fn(&PublicAccessBlock) -> bool| bucket_pab.as_ref().is_some_and(f) || account_pab.as_ref().is_some_and(f);
        let ignore_acls = either(|p| p.ignore_public_acls);
        let restrict_policy = either(|p| p.restrict_public_buckets);
        let full = bucket_pab.is_some_and(|p| p.all()) || account_pab.is_some_and(|p| p.all());
        evidence.push(format!(
            "Block Public Access: bucket {}, account {}",
            describe_pab(bucket_pab.as_ref()),
            describe_pab(account_pab.as_ref())
        ));
        let mut public = Vec::new();
        match b.acl.as_result() {
            Ok(grants) => {
                for g in grants {
                    if let Some(uri) = g.uri.as_deref().filter(|u| PUBLIC_GROUPS.contains(u)) {
                        let group = uri.rsplit('/').next().unwrap_or(uri);
                        if ignore_acls {
                            evidence.push(format!("ACL grants {} to {group}, ignored by IgnorePublicAcls", g.permission));
                        } else {
                            public.push(format!("the ACL grants {} to {group}", g.permission));
                        }
                    }
                }
            }
            Err(e) => unknown.push(unreadable("the bucket ACL", e)),
        }
        match b.policy.as_result() {
            Ok(Some(text)) => match Policy::parse(text) {
                Ok(p) => {
                    for (i, s) in p.indexed() {
                        if s.is_public_allow() {
                            if restrict_policy {
                                evidence.push(format!("bucket policy {} allows *, restricted by RestrictPublicBuckets", s.label(i)));
                            } else {
                                public.push(format!("bucket policy {} allows principal * without a restricting condition", s.label(i)));
                            }
                        }
                    }
                }
                Err(e) => unknown.push((Status::Error, format!("the bucket policy cannot be read: {e}"))),
            },
            Ok(None) => {}
            Err(e) => unknown.push(unreadable("the bucket policy", e)),
        }
        let f = if !public.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name} is public: {}", public.join("; ")))
        } else if let Some((s, r)) = unknown.first().cloned() {
            cx.finding(&INFO, s, res, r)
        } else if !full {
            cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!(
                    "trail bucket {name} is not public today, but Block Public Access is not fully on at the bucket or the account level (off: {}): one ACL or policy edit makes it public",
                    bucket_pab.map(|p| p.missing().join(", ")).unwrap_or_else(|| "all four settings".into())
                ),
            )
        } else {
            cx.finding(&INFO, Status::Pass, res, format!("trail bucket {name} is private: Block Public Access is on and no public grant exists"))
        };
        out.push(f.evidence(evidence));
    }
    or_not_applicable(cx, &INFO, out, "no trail bucket")
}

fn describe_pab(p: Option<&PublicAccessBlock>) -> String {
    match p {
        None => "not configured".into(),
        Some(p) if p.all() => "all four on".into(),
        Some(p) => format!("off: {}", p.missing().join(", ")),
    }
}
