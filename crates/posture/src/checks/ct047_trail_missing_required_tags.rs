//! CT-047: trails carry the required tag keys (optional; `--required-tags`).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status, unreadable};
use crate::world::Context;

use super::common::or_not_applicable;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-047",
    name: "trail-missing-required-tags",
    title: "Trails carry the required tag keys",
    severity: Severity::Low,
    scope: Scope::Trail,
    default_enabled: false,
    mappings: &["securityhub:CloudTrail.9", "config:tagged-cloudtrail-trail"],
    doc: Doc {
        what: "Every trail has each tag key given with `--required-tags` (without the option: at least one tag that is not `aws:`-prefixed, like Security Hub CloudTrail.9). Optional: select it with `--select CT-047`.",
        why: "Tags route ownership, cost and alerting; an untagged trail is one nobody claims when it breaks.",
        example: "Trail `main` has no `owner` tag.",
        fix: "Tag the trail.",
        cli: "aws cloudtrail add-tags --resource-id <trail-arn> --tags-list Key=owner,Value=security",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    Tags:\n      - Key: owner\n        Value: security",
        references: &["https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-9"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cx.world.trails {
        let res = t.resource();
        let Some(d) = t.detail() else {
            out.push(cx.finding(&INFO, Status::Manual, res, format!("the tags of trail {} were not read (home region not collected)", t.trail.name)));
            continue;
        };
        let tags = match d.tags.as_result() {
            Ok(t) => t,
            Err(e) => {
                let (s, r) = unreadable(&format!("the tags of trail {}", t.trail.name), e);
                out.push(cx.finding(&INFO, s, res, r));
                continue;
            }
        };
        let f = if cx.opts.required_tags.is_empty() {
            if tags.keys().any(|k| !k.starts_with("aws:")) {
                cx.finding(&INFO, Status::Pass, res, format!("trail {} is tagged", t.trail.name))
            } else {
                cx.finding(&INFO, Status::Fail, res, format!("trail {} has no tags", t.trail.name))
            }
        } else {
            let missing: Vec<&str> = cx
                .opts
                .required_tags
                .iter()
                .map(String::as_str)
                .filter(|k| !tags.contains_key(*k))
                .collect();
            if missing.is_empty() {
                cx.finding(&INFO, Status::Pass, res, format!("trail {} has every required tag", t.trail.name))
            } else {
                cx.finding(&INFO, Status::Fail, res, format!("trail {} lacks tag keys {}", t.trail.name, missing.join(", ")))
            }
        };
        out.push(f);
    }
    or_not_applicable(cx, &INFO, out, "no trail")
}
