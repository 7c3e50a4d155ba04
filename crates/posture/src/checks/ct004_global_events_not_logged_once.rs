//! CT-004: global service events are logged, by exactly one trail per account.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::{Context, TrailView, WithEvidence};

use super::common::{names, trails_unreadable, worst_unknown};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-004",
    name: "global-events-not-logged-once",
    title: "Global service events are logged, by exactly one trail",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "config:cloudtrail-security-trail-enabled",
        "scoutsuite:cloudtrail-no-global-services-logging",
        "scoutsuite:cloudtrail-duplicated-global-services-logging",
        "kics:8173d5eb-96b5-4aa6-a71b-ecfa153c123d",
    ],
    doc: Doc {
        what: "For every account, exactly one logging trail that logs management events receives global service events (IAM, STS, CloudFront, console sign-in): `IncludeGlobalServiceEvents = true` on a multi-region trail or on a trail homed in the partition's global region (us-east-1). None means IAM changes are not logged; more than one logs them twice.",
        why: "Since 22 November 2021 global service events are recorded in us-east-1 only; a trail that does not include them misses CreateAccessKey, AttachRolePolicy and ConsoleLogin. Two trails that include them double the cost and the alerts.",
        example: "Both the organization trail and the account's own multi-region trail have IncludeGlobalServiceEvents = true.",
        fix: "Include global service events on the main multi-region trail, and turn them off on every other trail of the account.",
        cli: "aws cloudtrail update-trail --name <main-trail> --include-global-service-events\naws cloudtrail update-trail --name <other-trail> --no-include-global-service-events",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IncludeGlobalServiceEvents: true\n    IsMultiRegionTrail: true",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events"],
    },
};

fn global_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let global = global_region(&cx.snap.partition);
    for acct in &cx.snap.accounts {
        let res = Resource::account(&acct.account_id);
        let trails = cx.world.trails_for(&acct.account_id);
        if trails.is_empty() {
            let f = match trails_unreadable(acct) {
                Some(e) => {
                    let (s, r) = unreadable("the trails", e);
                    cx.finding(&INFO, s, res, r)
                }
                None if cx.iac() => cx.finding(&INFO, Status::NotApplicable, res, "the template defines no trail"),
                None => cx.finding(&INFO, Status::Fail, res, "no trail logs this account, so no global service events are logged"),
            };
            out.push(f);
            continue;
        }
        let mut unknowns = Vec::new();
        let mut receiving: Vec<&TrailView<'_>> = Vec::new();
        let mut flag_without_effect = Vec::new();
        for t in &trails {
            if !t.trail.include_global_service_events {
                continue;
            }
            if !(t.trail.is_multi_region || cx.iac() || t.trail.home_region == global) {
                flag_without_effect.push(format!(
                    "{} has IncludeGlobalServiceEvents = true but is a single-region trail in {} (global events are recorded in {global})",
                    t.trail.name, t.trail.home_region
                ));
                continue;
            }
            match (t.logging(), t.management()) {
                (Ok(true), Ok(m)) if m.any() => receiving.push(t),
                (Ok(_), Ok(_)) => {}
                (Err(e), _) | (_, Err(e)) => unknowns.push(unreadable(&format!("trail {}", t.trail.name), &e)),
            }
        }
        let f = match receiving.len() {
            1 => cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("global service events are logged once, by trail {}", receiving[0].describe()),
            ),
            0 => match worst_unknown(&unknowns) {
                Some((s, r)) => cx.finding(&INFO, s, res, r),
                None => cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    "no logging trail includes global service events (IAM, STS, CloudFront, console sign-in): IncludeGlobalServiceEvents is false or the trails are single-region outside the global region",
                ),
            },
            n => cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!(
                    "{n} logging trails include global service events ({}): every IAM, STS and sign-in event is delivered {n} times",
                    names(&receiving)
                ),
            ),
        };
        out.push(f.evidence(flag_without_effect));
    }
    out
}
