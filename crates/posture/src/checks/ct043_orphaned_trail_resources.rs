//! CT-043: no orphans — trails writing to missing buckets, CloudTrail buckets no trail uses,
//! stopped trails.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status, unreadable};
use crate::policy::{Effect, Policy};
use crate::snapshot::{BucketPresence, Read};
use crate::world::{Context, WithEvidence};

use super::common::{bucket_resource, or_not_applicable};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-043",
    name: "orphaned-trail-resources",
    title: "No trail writes to a missing bucket, no CloudTrail bucket is orphaned, no trail is stopped",
    severity: Severity::High,
    scope: Scope::Trail,
    default_enabled: true,
    mappings: &[
        "prowler:s3_bucket_shadow_resource_vulnerability",
        "scoutsuite:cloudtrail-no-logging",
    ],
    doc: Doc {
        what: "(a) Every trail's `S3BucketName` exists (`HeadBucket` is not 404); (b) every bucket whose policy lets `cloudtrail.amazonaws.com` write is used by some trail in the snapshot (a policy naming trails of accounts outside the snapshot is MANUAL); (c) every trail is logging (`IsLogging = true`).",
        why: "A trail whose bucket was deleted delivers nothing — and anyone can create a bucket with that name and receive your logs, since names are global. A bucket that still accepts CloudTrail but serves no trail is a forgotten copy of sensitive logs. A stopped trail is a blind spot with a green checkbox.",
        example: "Trail `legacy` writes to `acme-cloudtrail-2019`, which no longer exists.",
        fix: "Point the trail at an existing bucket you own (or delete the trail); remove or lock down unused CloudTrail buckets; start or delete stopped trails.",
        cli: "aws cloudtrail update-trail --name <trail> --s3-bucket-name <existing-bucket>\naws cloudtrail start-logging --name <trail>\naws cloudtrail delete-trail --name <unused-trail>",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IsLogging: true\n    S3BucketName: !Ref TrailBucket   # a reference, never a hard-coded name",
        references: &["https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cx.world.trails {
        let res = t.resource();
        let mut problems = Vec::new();
        let mut unknown = None;
        if let Some(b) = t.trail.s3_bucket_name.as_deref() {
            match cx.world.bucket(b).map(|(_, x)| &x.presence) {
                Some(Read::Ok(BucketPresence::Missing)) => problems.push(format!(
                    "its bucket {b} does not exist: nothing is delivered, and anyone can create a bucket with that name and receive the logs"
                )),
                Some(Read::Error(e)) => unknown = Some(unreadable(&format!("whether bucket {b} exists"), e)),
                _ => {}
            }
        }
        match t.logging() {
            Ok(false) => {
                let since = t
                    .detail()
                    .and_then(|d| d.status.ok())
                    .and_then(|s| s.stop_logging_time.clone())
                    .map(|s| format!(" since {s}"))
                    .unwrap_or_default();
                problems.push(format!("it is stopped (IsLogging = false){since}"));
            }
            Ok(true) => {}
            Err(e) => {
                unknown.get_or_insert_with(|| unreadable(&format!("the status of trail {}", t.trail.name), &e));
            }
        }
        out.push(if !problems.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("trail {}: {}", t.trail.name, problems.join("; ")))
        } else if let Some((s, r)) = unknown {
            cx.finding(&INFO, s, res, r)
        } else {
            cx.finding(&INFO, Status::Pass, res, format!("trail {} is logging to an existing bucket", t.trail.name))
        });
    }
    // (b) CloudTrail buckets that no trail uses.
    let used: Vec<&str> = cx.world.trails.iter().filter_map(|t| t.trail.s3_bucket_name.as_deref()).collect();
    let known_accounts: Vec<&str> = cx.snap.accounts.iter().map(|a| a.account_id.as_str()).collect();
    for acct in &cx.snap.accounts {
        for b in &acct.buckets {
            if used.contains(&b.name.as_str()) || !matches!(b.presence, Read::Ok(BucketPresence::Owned)) {
                continue;
            }
            let Some(Some(text)) = b.policy.ok() else { continue };
            let Ok(p) = Policy::parse(text) else { continue };
            let writers: Vec<_> = p
                .statements
                .iter()
                .filter(|s| {
                    s.effect == Effect::Allow
                        && s.has_action("s3:PutObject")
                        && s.principal.as_ref().is_some_and(|p| p.has_service("cloudtrail.amazonaws.com"))
                })
                .collect();
            if writers.is_empty() {
                continue;
            }
            let res = bucket_resource(&b.name, Some(&acct.account_id), b.region.as_deref());
            // Trails named by aws:SourceArn in accounts outside the snapshot may still use it.
            let foreign: Vec<String> = writers
                .iter()
                .flat_map(|s| s.conditions_on("aws:sourcearn").flat_map(|c| c.values.clone()).collect::<Vec<_>>())
                .filter(|v| crate::arn::account(v).is_some_and(|a| !known_accounts.contains(&a)))
                .collect();
            let f = if foreign.is_empty() {
                cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    format!("bucket {} accepts CloudTrail deliveries but no trail in the snapshot writes to it: an orphaned copy of log history", b.name),
                )
            } else {
                cx.finding(
                    &INFO,
                    Status::Manual,
                    res,
                    format!("bucket {} accepts CloudTrail deliveries from trails outside this snapshot ({}): check that they exist", b.name, foreign.join(", ")),
                )
            };
            out.push(f.evidence([format!("{} CloudTrail write statement(s) in its policy", writers.len())]));
        }
    }
    or_not_applicable(cx, &INFO, out, "no trail and no CloudTrail bucket")
}
