//! Helpers shared by the checks: the trail resources to look at, resolving a bucket, and the
//! "nothing to check" results.

use std::collections::BTreeMap;

use crate::check::{CheckInfo, Finding, Resource, Status, unreadable};
use crate::snapshot::{Account, Bucket, BucketPresence, Read, ReadError};
use crate::world::{Context, TrailView};

/// Trail buckets, each once, with the trails that write to them; buckets whose policy lets
/// CloudTrail write but that no trail in the snapshot uses come with no trails (a log-archive
/// template, a bucket whose trails live in accounts outside the snapshot).
pub(crate) fn trail_buckets<'c, 'a>(cx: &'c Context<'a>) -> Vec<(&'a str, Vec<&'c TrailView<'a>>)> {
    let mut m: BTreeMap<&'a str, Vec<&'c TrailView<'a>>> = BTreeMap::new();
    for t in &cx.world.trails {
        if let Some(b) = t.trail.s3_bucket_name.as_deref() {
            m.entry(b).or_default().push(t);
        }
    }
    for a in &cx.snap.accounts {
        for b in &a.buckets {
            let receives = matches!(b.presence, Read::Ok(BucketPresence::Owned))
                && b.policy
                    .ok()
                    .and_then(|p| p.as_deref())
                    .is_some_and(|p| grants(p, "s3:PutObject"));
            if receives {
                m.entry(b.name.as_str()).or_default();
            }
        }
    }
    m.into_iter().collect()
}

/// Trail KMS keys (as referenced), each once, with the trails that use them; keys whose policy
/// lets CloudTrail encrypt but that no trail in the snapshot uses come with no trails.
pub(crate) fn trail_keys<'c, 'a>(cx: &'c Context<'a>) -> Vec<(&'a str, Vec<&'c TrailView<'a>>)> {
    let mut m: BTreeMap<&'a str, Vec<&'c TrailView<'a>>> = BTreeMap::new();
    for t in &cx.world.trails {
        if let Some(k) = t.trail.kms_key_id.as_deref() {
            m.entry(k).or_default().push(t);
        }
    }
    for a in &cx.snap.accounts {
        for k in &a.keys {
            let used = m.keys().any(|r| {
                cx.world
                    .key(r)
                    .is_some_and(|x| std::ptr::eq(x, k) || x.metadata == k.metadata)
            });
            if !used && k.policy.ok().is_some_and(|p| grants(p, "kms:GenerateDataKey")) {
                m.entry(k.reference.as_str()).or_default();
            }
        }
    }
    m.into_iter().collect()
}

/// Whether a resource policy lets `cloudtrail.amazonaws.com` call `action`.
fn grants(policy: &str, action: &str) -> bool {
    crate::policy::Policy::parse(policy).is_ok_and(|p| {
        p.statements.iter().any(|s| {
            s.effect == crate::policy::Effect::Allow
                && s.has_action(action)
                && s.principal
                    .as_ref()
                    .is_some_and(|p| p.has_service("cloudtrail.amazonaws.com"))
        })
    })
}

/// Trail log groups (by ARN without `:*`), each once, with the trails that deliver to them.
pub(crate) fn trail_log_groups<'c, 'a>(cx: &'c Context<'a>) -> Vec<(&'a str, Vec<&'c TrailView<'a>>)> {
    let mut m: BTreeMap<&'a str, Vec<&'c TrailView<'a>>> = BTreeMap::new();
    for t in &cx.world.trails {
        if let Some(g) = t.trail.cloudwatch_logs_log_group_arn.as_deref() {
            m.entry(crate::arn::log_group_key(g)).or_default().push(t);
        }
    }
    m.into_iter().collect()
}

/// Trail names for messages.
pub(crate) fn names(trails: &[&TrailView<'_>]) -> String {
    if trails.is_empty() {
        return "none in the snapshot".to_string();
    }
    trails
        .iter()
        .map(|t| t.trail.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The resource of a bucket.
pub(crate) fn bucket_resource(name: &str, owner: Option<&str>, region: Option<&str>) -> Resource {
    Resource::new(name, "AWS::S3::Bucket", owner, region)
}

/// A trail bucket whose settings can be read, or the finding that says why not.
pub(crate) fn readable_bucket<'a>(
    cx: &Context<'a>,
    info: &CheckInfo,
    name: &str,
    trails: &[&TrailView<'_>],
) -> Result<(&'a Account, &'a Bucket), Box<Finding>> {
    let trail_owner = trails.first().map(|t| t.owner());
    let Some((acct, b)) = cx.world.bucket(name) else {
        return Err(Box::new(cx.finding(
            info,
            Status::Manual,
            bucket_resource(name, None, None),
            format!(
                "trail bucket {name} (used by {}) is not in the snapshot: it is probably in another account; collect that account too (--org) or check it there",
                names(trails)
            ),
        )));
    };
    let res = bucket_resource(name, Some(&acct.account_id), b.region.as_deref());
    match &b.presence {
        Read::Ok(BucketPresence::Owned) => Ok((acct, b)),
        Read::Ok(BucketPresence::Missing) => Err(Box::new(cx.finding(
            info,
            Status::NotApplicable,
            bucket_resource(name, trail_owner, None),
            format!(
                "trail bucket {name} does not exist (trails {} write to nothing; see CT-043)",
                names(trails)
            ),
        ))),
        Read::Ok(BucketPresence::OtherAccount) => Err(Box::new(cx.finding(
            info,
            Status::Manual,
            bucket_resource(name, None, b.region.as_deref()),
            format!(
                "trail bucket {name} belongs to another account (not account {}) that is not in this snapshot; check it there or collect with --org",
                acct.account_id
            ),
        ))),
        Read::Error(e) => {
            let (status, reason) = unreadable(&format!("trail bucket {name}"), e);
            Err(Box::new(cx.finding(info, status, res, reason)))
        }
    }
}

/// One trail bucket whose setting was read, for [`each_bucket_setting`].
pub(crate) struct BucketSetting<'v, 'a, T> {
    /// The bucket's name.
    pub(crate) name: &'a str,
    /// The trails that write to it (none: a bucket CloudTrail may write to that no trail in
    /// the snapshot uses).
    pub(crate) trails: &'v [&'v TrailView<'a>],
    /// The bucket, for its other settings.
    pub(crate) bucket: &'a Bucket,
    /// The bucket as a finding's resource.
    pub(crate) res: Resource,
    /// The setting.
    pub(crate) value: &'a T,
}

/// The shape of every trail-bucket check: `judge` one setting (`setting` of the bucket,
/// called `what` in messages) of each trail bucket, once per bucket. A bucket that is not in
/// the snapshot, missing, another account's, or whose setting could not be read gives the
/// finding that says so instead; no trail bucket at all gives NOT_APPLICABLE.
pub(crate) fn each_bucket_setting<'a, T: 'a>(
    cx: &Context<'a>,
    info: &CheckInfo,
    what: &str,
    setting: impl Fn(&'a Bucket) -> &'a Read<T>,
    mut judge: impl FnMut(BucketSetting<'_, 'a, T>) -> Finding,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, trails) in trail_buckets(cx) {
        let found = readable_bucket(cx, info, name, &trails)
            .and_then(|(acct, b)| Ok((acct, b, bucket_read(cx, info, acct, b, what, setting(b))?)));
        out.push(match found {
            Ok((acct, b, value)) => judge(BucketSetting {
                name,
                trails: &trails,
                bucket: b,
                res: bucket_resource(name, Some(&acct.account_id), b.region.as_deref()),
                value,
            }),
            Err(f) => *f,
        });
    }
    or_not_applicable(cx, info, out, "no trail bucket")
}

/// A read of a bucket property, or the finding that says why it is unknown.
pub(crate) fn bucket_read<'b, T>(
    cx: &Context<'_>,
    info: &CheckInfo,
    acct: &Account,
    b: &Bucket,
    what: &str,
    read: &'b Read<T>,
) -> Result<&'b T, Box<Finding>> {
    read.as_result().map_err(|e| {
        let (status, reason) = unreadable(&format!("the {what} of bucket {}", b.name), e);
        Box::new(cx.finding(
            info,
            status,
            bucket_resource(&b.name, Some(&acct.account_id), b.region.as_deref()),
            reason,
        ))
    })
}

/// One result per account saying there is nothing to check (no trail, no bucket, …).
pub(crate) fn not_applicable_per_account(cx: &Context<'_>, info: &CheckInfo, why: &str) -> Vec<Finding> {
    cx.snap
        .accounts
        .iter()
        .map(|a| cx.finding(info, Status::NotApplicable, Resource::account(&a.account_id), why))
        .collect()
}

/// When `findings` is empty, one not-applicable result per account.
pub(crate) fn or_not_applicable(cx: &Context<'_>, info: &CheckInfo, findings: Vec<Finding>, why: &str) -> Vec<Finding> {
    if findings.is_empty() {
        not_applicable_per_account(cx, info, why)
    } else {
        findings
    }
}

/// The first `DescribeTrails` failure of an account, when no region could be read at all.
pub(crate) fn trails_unreadable(acct: &Account) -> Option<&ReadError> {
    if acct.region_data.iter().any(|r| r.trails.ok().is_some()) {
        return None;
    }
    acct.region_data.iter().find_map(|r| r.trails.err())
}

/// The status/reason of the most informative unknown among several.
pub(crate) fn worst_unknown(unknowns: &[(Status, String)]) -> Option<(Status, String)> {
    unknowns
        .iter()
        .find(|(s, _)| *s == Status::Error)
        .or_else(|| unknowns.first())
        .cloned()
}
