//! CT-027: CloudTrail Insights (API call rate and error rate) on a logging trail.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::{Context, WithEvidence};

use super::common::worst_unknown;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-027",
    name: "insights-disabled",
    title: "CloudTrail Insights (call rate and error rate) is enabled on a logging trail",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "prowler:cloudtrail_insights_exist",
        "steampipe:cloudtrail_trail_insight_selectors_and_logging_enabled",
    ],
    doc: Doc {
        what: "For every account, a logging trail that logs it has both `ApiCallRateInsight` and `ApiErrorRateInsight` in `GetInsightSelectors`.",
        why: "Insights flags unusual write-call volume and error rates against a learned baseline: a script enumerating or deleting resources stands out even when every single call looks normal.",
        example: "Trail `main` has only ApiCallRateInsight: bursts of AccessDenied errors are not analysed.",
        fix: "Enable both insight types on the main trail (Insights is billed per 100,000 events analysed).",
        cli: "aws cloudtrail put-insight-selectors --trail-name <trail> --insight-selectors '[{\"InsightType\":\"ApiCallRateInsight\"},{\"InsightType\":\"ApiErrorRateInsight\"}]'",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    InsightSelectors:\n      - InsightType: ApiCallRateInsight\n      - InsightType: ApiErrorRateInsight",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-insights-events-with-cloudtrail.html"],
    },
};

const TYPES: [&str; 2] = ["ApiCallRateInsight", "ApiErrorRateInsight"];

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let res = Resource::account(&acct.account_id);
        let trails = cx.world.trails_for(&acct.account_id);
        if trails.is_empty() {
            let s = if cx.iac() { Status::NotApplicable } else { Status::Fail };
            out.push(cx.finding(&INFO, s, res, "no trail logs this account"));
            continue;
        }
        let mut unknowns = Vec::new();
        let mut partial = Vec::new();
        let mut pass = None;
        for t in &trails {
            if !matches!(t.logging(), Ok(true)) {
                continue;
            }
            let Some(d) = t.detail() else { continue };
            match d.insights.as_result() {
                Ok(types) => {
                    let missing: Vec<&str> = TYPES.iter().copied().filter(|x| !types.iter().any(|t| t == x)).collect();
                    if missing.is_empty() {
                        pass = Some(*t);
                        break;
                    }
                    partial.push(format!("{}: {} not enabled", t.trail.name, missing.join(" and ")));
                }
                Err(e) => unknowns.push(unreadable(&format!("the insight selectors of trail {}", t.trail.name), e)),
            }
        }
        let f = if let Some(t) = pass {
            cx.finding(&INFO, Status::Pass, res, format!("trail {} analyses API call rate and error rate", t.trail.name))
        } else if let Some((s, r)) = worst_unknown(&unknowns) {
            cx.finding(&INFO, s, res, r)
        } else {
            cx.finding(&INFO, Status::Fail, res, "no logging trail has CloudTrail Insights for both API call rate and error rate").evidence(partial)
        };
        out.push(f);
    }
    out
}
