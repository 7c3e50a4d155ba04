//! CT-039: trail logs are kept in a separate log-archive account.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status, unreadable};
use crate::snapshot::{BucketPresence, Read};
use crate::world::{Context, WithEvidence};

use super::common::{bucket_resource, names, or_not_applicable, trail_buckets};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-039",
    name: "logs-not-in-log-archive-account",
    title: "Trail logs are stored in a separate log-archive account",
    severity: Severity::Medium,
    scope: Scope::Bucket,
    default_enabled: true,
    mappings: &["aws-sra:log-archive-account", "controltower:log-archive"],
    doc: Doc {
        what: "No trail writes to a bucket owned by the trail's own account: the bucket belongs to another (log-archive) account. A bucket not defined in a template is MANUAL; a bucket that does not exist is left to CT-043.",
        why: "Whoever takes over an account's administrators can delete the logs stored in that account. A log-archive account with few, separately controlled administrators keeps the evidence out of the intruder's reach — the AWS Security Reference Architecture and Control Tower set it up this way.",
        example: "Trail `main` of account 111122223333 writes to bucket `main-trail-logs`, owned by 111122223333.",
        fix: "Create the trail bucket (and key) in a dedicated log-archive account and point the (organization) trail at it.",
        cli: "aws cloudtrail update-trail --name <trail> --s3-bucket-name <log-archive-bucket>",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    S3BucketName: <bucket in the log-archive account>",
        references: &["https://docs.aws.amazon.com/prescriptive-guidance/latest/security-reference-architecture/log-archive.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, trails) in trail_buckets(cx) {
        if trails.is_empty() {
            continue;
        }
        let owners: Vec<&str> = {
            let mut o: Vec<&str> = trails.iter().map(|t| t.owner()).collect();
            o.sort();
            o.dedup();
            o
        };
        let bucket = cx.world.bucket(name);
        let owner = cx.world.bucket_owner(name);
        let region = bucket.and_then(|(_, b)| b.region.as_deref());
        let res = bucket_resource(name, owner, region);
        let merged = &cx.snap.source.accounts_merged;
        let f = match (owner, bucket.map(|(_, b)| &b.presence)) {
            // A plan whose providers reach several accounts is read as one account: that the
            // bucket and the trail share it says nothing.
            _ if !merged.is_empty() => cx.finding(
                &INFO,
                Status::Manual,
                res,
                format!(
                    "the plan's AWS providers reach several accounts ({}), read here as one: whether bucket {name} is in another account than trail {} is not known from it",
                    merged.join("; "),
                    names(&trails)
                ),
            ),
            (Some(o), _) if owners.contains(&o) => cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!(
                    "trail {} writes to bucket {name} in its own account {o}: an administrator of that account can delete the logs",
                    names(&trails)
                ),
            ),
            (Some(o), _) => cx.finding(&INFO, Status::Pass, res, format!("bucket {name} is in account {o}, separate from the trail account(s) {}", owners.join(", "))),
            (None, Some(Read::Ok(BucketPresence::OtherAccount))) => cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("bucket {name} is owned by an account other than the trail account(s) {}", owners.join(", ")),
            ),
            (None, Some(Read::Ok(BucketPresence::Missing))) => cx.finding(&INFO, Status::NotApplicable, res, format!("bucket {name} does not exist (see CT-043)")),
            (None, Some(Read::Error(e))) => {
                let (s, r) = unreadable(&format!("the owner of bucket {name}"), e);
                cx.finding(&INFO, s, res, r)
            }
            _ if cx.iac() => cx.finding(
                &INFO,
                Status::Manual,
                res,
                format!("bucket {name} is not defined in the template: confirm it belongs to a log-archive account"),
            ),
            _ => cx.finding(&INFO, Status::Manual, res, format!("the owner of bucket {name} is not known from the snapshot")),
        };
        out.push(f.evidence([format!("written by {}", names(&trails))]));
    }
    or_not_applicable(cx, &INFO, out, "no trail bucket")
}
