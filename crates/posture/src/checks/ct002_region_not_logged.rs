//! CT-002: every enabled region, opt-in regions included, is covered by a logging trail.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::{Context, TrailView, WithEvidence};

use super::common::{names, trails_unreadable, worst_unknown};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-002",
    name: "region-not-logged",
    title: "Every enabled region is logged by a trail",
    severity: Severity::High,
    scope: Scope::Region,
    default_enabled: true,
    mappings: &[
        "prowler:cloudtrail_multi_region_enabled",
        "steampipe:cloudtrail_trail_enabled",
        "securityhub:CloudTrail.1",
    ],
    doc: Doc {
        what: "For every account and every region enabled in it (`ec2:DescribeRegions`, opt-in regions included), some logging trail that logs management events applies there: a multi-region trail (own or organization) or a trail homed in that region.",
        why: "Regions a company does not use are where stolen credentials are used: nobody looks there. Opt-in regions enabled later are covered by multi-region trails automatically, and by nothing else.",
        example: "Account 111122223333 has enabled ap-east-1; its only trail is single-region in eu-west-1, so RunInstances calls in ap-east-1 are not recorded.",
        fix: "Use one multi-region (or organization) trail instead of per-region trails.",
        cli: "aws cloudtrail update-trail --name <trail> --is-multi-region-trail\naws cloudtrail start-logging --name <trail>",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IsLogging: true\n    IsMultiRegionTrail: true",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-regional-and-global-services"],
    },
};

fn covers(t: &TrailView<'_>) -> Result<bool, crate::snapshot::ReadError> {
    Ok(t.logging()? && t.management()?.any())
}

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let trails = cx.world.trails_for(&acct.account_id);
        let regions = match cx.world.regions(acct) {
            Ok(r) => r,
            Err(e) if cx.iac() && trails.iter().any(|t| t.trail.is_multi_region) => {
                // A template does not know the enabled regions: a multi-region trail covers all.
                let _ = e;
                let res = Resource::account(&acct.account_id);
                let multi: Vec<_> = trails.iter().filter(|t| t.trail.is_multi_region).copied().collect();
                let f = match multi.iter().map(|t| covers(t)).find(|r| matches!(r, Ok(true))) {
                    Some(_) => cx.finding(&INFO, Status::Pass, res, format!("multi-region trail {} logs every region", names(&multi))),
                    None => cx.finding(&INFO, Status::Fail, res, format!("multi-region trail {} is not logging or logs no management events", names(&multi))),
                };
                out.push(f);
                continue;
            }
            Err(e) => {
                let res = Resource::account(&acct.account_id);
                if cx.iac() {
                    let f = if trails.is_empty() {
                        cx.finding(&INFO, Status::NotApplicable, res, "the template defines no trail")
                    } else {
                        cx.finding(&INFO, Status::Fail, res, format!("the template's trails ({}) are single-region: every other region is unlogged", names(&trails)))
                    };
                    out.push(f);
                } else {
                    let (status, reason) = unreadable("the enabled regions", e);
                    out.push(cx.finding(&INFO, status, res, reason));
                }
                continue;
            }
        };
        let trails_error = trails_unreadable(acct);
        for region in regions {
            let res = Resource::region(&acct.account_id, region);
            let opt_in = acct
                .regions
                .ok()
                .and_then(|r| r.iter().find(|x| x.name == region))
                .map(|x| x.opt_in_status.as_str())
                .unwrap_or("");
            let applicable: Vec<_> = trails.iter().filter(|t| t.applies_to_region(region)).copied().collect();
            let mut unknowns = Vec::new();
            let mut not_covering = Vec::new();
            let mut by = None;
            for t in &applicable {
                match covers(t) {
                    Ok(true) => {
                        by = Some(*t);
                        break;
                    }
                    Ok(false) => not_covering.push(*t),
                    Err(e) => unknowns.push(unreadable(&format!("trail {}", t.trail.name), &e)),
                }
            }
            let f = if let Some(t) = by {
                cx.finding(&INFO, Status::Pass, res, format!("{region} is logged by trail {}", t.describe()))
            } else if let Some((status, reason)) = worst_unknown(&unknowns) {
                cx.finding(&INFO, status, res, reason)
            } else if let (Some(e), true) = (trails_error, applicable.is_empty()) {
                let (status, reason) = unreadable("the trails", e);
                cx.finding(&INFO, status, res, reason)
            } else if not_covering.is_empty() {
                cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    format!(
                        "no trail logs {region}{}: no multi-region trail and none homed there",
                        if opt_in == "opted-in" { " (an opt-in region)" } else { "" }
                    ),
                )
                .evidence(trails.iter().map(|t| format!("trail {}", t.describe())))
            } else {
                cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    format!(
                        "the trails that apply to {region} ({}) are stopped or log no management events",
                        names(&not_covering)
                    ),
                )
            };
            out.push(f);
        }
    }
    out
}
