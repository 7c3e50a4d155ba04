//! CT-033: only CloudTrail may write to the trail bucket, only under `AWSLogs/<id>/`, with
//! `bucket-owner-full-control` and `aws:SourceArn`.

use crate::arn;
use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::policy::{Effect, Policy, Set, Statement};
use crate::world::{Context, WithEvidence};

use super::common::{BucketSetting, each_bucket_setting, names};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-033",
    name: "trail-bucket-policy-too-broad",
    title: "Only CloudTrail may write to the trail bucket, scoped with aws:SourceArn",
    severity: Severity::High,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &["checkov:CKV_AWS_70", "cfn-nag:F16", "cfn-nag:F15"],
    doc: Doc {
        what: "In the trail bucket's policy every `Allow` that grants `s3:PutObject` is for principal `cloudtrail.amazonaws.com` only, on `arn:<partition>:s3:::<bucket>/[prefix/]AWSLogs/<account-or-org-id>/*` (not the whole bucket), with `StringEquals s3:x-amz-acl = bucket-owner-full-control` and an `aws:SourceArn` condition naming this account's trails. No other principal may write and no `Allow` is for `*`.",
        why: "Log integrity starts with who can write: any other writer can plant forged log files, and without aws:SourceArn any trail in any AWS account can deliver into your bucket (the confused-deputy problem) — filling it, or mixing fake records with yours. No other tool checks aws:SourceArn here.",
        example: "Statement AWSCloudTrailWrite allows cloudtrail.amazonaws.com s3:PutObject on arn:aws:s3:::trail-logs/* with no aws:SourceArn condition.",
        fix: "Rewrite the CloudTrail statements to the pattern below and remove other writers.",
        cli: "aws s3api put-bucket-policy --bucket <bucket> --policy file://cloudtrail-bucket-policy.json",
        cloudformation: "- Sid: AWSCloudTrailAclCheck\n  Effect: Allow\n  Principal: { Service: cloudtrail.amazonaws.com }\n  Action: s3:GetBucketAcl\n  Resource: !GetAtt TrailBucket.Arn\n  Condition:\n    StringEquals:\n      aws:SourceArn: !Sub arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${TrailName}\n- Sid: AWSCloudTrailWrite\n  Effect: Allow\n  Principal: { Service: cloudtrail.amazonaws.com }\n  Action: s3:PutObject\n  Resource: !Sub ${TrailBucket.Arn}/AWSLogs/${AWS::AccountId}/*\n  Condition:\n    StringEquals:\n      s3:x-amz-acl: bucket-owner-full-control\n      aws:SourceArn: !Sub arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${TrailName}",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html"],
    },
};

/// Whether a resource pattern is within `<bucket>/[prefix/]AWSLogs/<id>/…` with a specific id.
fn scoped_resource(bucket: &str, resource: &str) -> bool {
    let Some(a) = arn::parse(resource) else { return false };
    let Some(key) = a.resource.strip_prefix(bucket).and_then(|r| r.strip_prefix('/')) else {
        return false;
    };
    let Some(pos) = key.find("AWSLogs/") else { return false };
    if key[..pos].contains('*') {
        return false;
    }
    let id = key[pos + "AWSLogs/".len()..].split('/').next().unwrap_or("");
    !id.is_empty() && !id.contains('*') && !id.contains('?')
}

fn specific(v: &str) -> bool {
    arn::parse(v).is_some_and(|a| !a.account.is_empty() && !a.account.contains('*') && !a.account.contains('?'))
}

fn writer_problems(bucket: &str, i: usize, s: &Statement) -> Vec<String> {
    let mut p = Vec::new();
    let label = s.label(i);
    match &s.resources {
        Some(Set::Only(rs)) => {
            for r in rs.iter().filter(|r| !scoped_resource(bucket, r) && s.has_resource(r)) {
                p.push(format!("{label} lets CloudTrail write to {r}, not only under AWSLogs/<account-or-org-id>/"));
            }
        }
        _ => p.push(format!("{label} lets CloudTrail write to any resource")),
    }
    let acl = s.conditions_on("s3:x-amz-acl").any(|c| {
        !c.is_negative() && c.values.iter().all(|v| v == "bucket-owner-full-control") && !c.values.is_empty()
    });
    if !acl {
        p.push(format!("{label} has no s3:x-amz-acl = bucket-owner-full-control condition"));
    }
    let source = s
        .conditions_on("aws:sourcearn")
        .any(|c| !c.is_negative() && !c.values.is_empty() && c.values.iter().all(|v| specific(v)));
    if !source {
        p.push(format!(
            "{label} has no aws:SourceArn condition naming your trails: any trail in any account can deliver here"
        ));
    }
    p
}

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    each_bucket_setting(cx, &INFO, "policy", |b| &b.policy, |s| {
        let BucketSetting { name, trails, res, value: policy, .. } = s;
        let Some(text) = policy else {
            return cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!("trail bucket {name} has no bucket policy: CloudTrail cannot deliver for trails {}", names(trails)),
            );
        };
        let p = match Policy::parse(text) {
            Ok(p) => p,
            Err(e) => {
                return cx.finding(&INFO, Status::Error, res, format!("the policy of bucket {name} cannot be read: {e}"));
            }
        };
        let mut problems = Vec::new();
        let mut cloudtrail_writers = 0;
        let object = format!("arn:{}:s3:::{name}/AWSLogs/x", cx.snap.partition);
        for (i, s) in p.indexed() {
            if s.effect != Effect::Allow || !s.has_action("s3:PutObject") || !s.has_resource(&object) && !matches!(&s.resources, Some(Set::Only(r)) if r.iter().any(|r| r.contains(name))) {
                continue;
            }
            let ct_only = s.principal.as_ref().is_some_and(|p| p.is_only_service("cloudtrail.amazonaws.com"));
            if ct_only {
                cloudtrail_writers += 1;
                problems.extend(writer_problems(name, i, s));
            } else if s.anyone() || s.not_principal.is_some() {
                problems.push(format!("{} allows principal * to write", s.label(i)));
            } else {
                let who = s.principal.as_ref().map(|p| p.describe()).unwrap_or_else(|| "?".into());
                problems.push(format!("{} also lets {who} write to the bucket", s.label(i)));
            }
        }
        let f = if cloudtrail_writers == 0 {
            cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!(
                    "the policy of trail bucket {name} does not let cloudtrail.amazonaws.com write (s3:PutObject): trails {} cannot deliver{}",
                    names(trails),
                    if problems.is_empty() { String::new() } else { format!("; {}", problems.join("; ")) }
                ),
            )
        } else if !problems.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("trail bucket {name}: {}", problems.join("; ")))
        } else {
            cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("only cloudtrail.amazonaws.com may write to trail bucket {name}, under AWSLogs/<id>/, with bucket-owner-full-control and aws:SourceArn"),
            )
        };
        f.evidence([format!("{} policy statements examined", p.statements.len())])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        assert!(scoped_resource("b", "arn:aws:s3:::b/AWSLogs/111122223333/*"));
        assert!(scoped_resource("b", "arn:aws:s3:::b/prefix/AWSLogs/o-abc123/*"));
        assert!(scoped_resource("b", "arn:aws:s3:::b/AWSLogs/{AccountId}/*"));
        assert!(!scoped_resource("b", "arn:aws:s3:::b/*"));
        assert!(!scoped_resource("b", "arn:aws:s3:::b/AWSLogs/*"));
        assert!(!scoped_resource("b", "arn:aws:s3:::other/AWSLogs/111122223333/*"));
    }
}
