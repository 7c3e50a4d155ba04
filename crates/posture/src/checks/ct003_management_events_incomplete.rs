//! CT-003: one multi-region trail logs read and write management events of every source.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::{Context, WithEvidence};

use super::common::{trails_unreadable, worst_unknown};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-003",
    name: "management-events-incomplete",
    title: "A multi-region trail logs read and write management events of every source",
    severity: Severity::High,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-3.0.0:3.1",
        "cis-aws-4.0.1:3.1",
        "cis-aws-5.0.0:3.1",
        "cis-aws-6.0.0:4.1",
        "cis-aws-7.0.0:4.1",
        "securityhub:CloudTrail.1",
        "config:multi-region-cloudtrail-enabled",
        "config:cloudtrail-security-trail-enabled",
        "prowler:cloudtrail_multi_region_enabled_logging_management_events",
    ],
    doc: Doc {
        what: "For every account, one logging multi-region trail logs all management events: classic selectors with `IncludeManagementEvents = true` and `ReadWriteType = All`, or advanced selectors with `eventCategory = Management` and no `readOnly` restriction, and no `ExcludeManagementEventSources` / `eventSource NotEquals` exclusions (KMS, RDS Data API). Selectors are judged by their fields, never by their name; selectors of one trail add up, different trails do not.",
        why: "Read events show reconnaissance (List*, Describe*, GetSecretValue is a data-plane call but GetCallerIdentity is not); write events show changes. Excluding KMS hides key use and deletion. Security Hub CloudTrail.1 and CIS 3.1 ask for both on one trail.",
        example: "Trail `main` has an advanced selector `eventCategory = Management, readOnly = false`: only writes are logged.",
        fix: "Log all management events on the multi-region trail.",
        cli: "aws cloudtrail put-event-selectors --trail-name <trail> --advanced-event-selectors '[{\"Name\":\"Management events\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]}]'",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    AdvancedEventSelectors:\n      - Name: Management events\n        FieldSelectors:\n          - Field: eventCategory\n            Equals: [Management]",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let res = Resource::account(&acct.account_id);
        let trails = cx.world.trails_for(&acct.account_id);
        if trails.is_empty() {
            if let Some(e) = trails_unreadable(acct) {
                let (status, reason) = unreadable("the trails", e);
                out.push(cx.finding(&INFO, status, res, reason));
            } else if cx.iac() {
                out.push(cx.finding(&INFO, Status::NotApplicable, res, "the template defines no trail"));
            } else {
                out.push(cx.finding(&INFO, Status::Fail, res, "no trail logs this account"));
            }
            continue;
        }
        let mut unknowns = Vec::new();
        let mut gaps = Vec::new();
        let mut evidence = Vec::new();
        let mut pass = None;
        for t in trails.iter().filter(|t| t.trail.is_multi_region) {
            let logging = match t.logging() {
                Ok(l) => l,
                Err(e) => {
                    unknowns.push(unreadable(&format!("the status of trail {}", t.trail.name), &e));
                    continue;
                }
            };
            let m = match t.management() {
                Ok(m) => m,
                Err(e) => {
                    unknowns.push(unreadable(&format!("the event selectors of trail {}", t.trail.name), &e));
                    continue;
                }
            };
            evidence.extend(m.evidence.iter().map(|e| format!("{}: {e}", t.trail.name)));
            if !logging {
                gaps.push(format!("{} is stopped", t.trail.name));
            } else if m.complete() {
                pass = Some((*t, m));
                break;
            } else {
                let mut g = m.gaps();
                g.extend(m.narrowed.iter().cloned());
                gaps.push(format!("{}: {}", t.trail.name, g.join("; ")));
            }
        }
        let f = if let Some((t, m)) = pass {
            let note = if m.evidence.len() > 1 { " (through several selectors of the trail, which add up)" } else { "" };
            cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("multi-region trail {} logs read and write management events of every source{note}", t.trail.name),
            )
        } else if let Some((status, reason)) = worst_unknown(&unknowns) {
            cx.finding(&INFO, status, res, reason)
        } else if gaps.is_empty() {
            cx.finding(
                &INFO,
                Status::Fail,
                res,
                "no multi-region trail: management events are logged, if at all, only in some regions",
            )
        } else {
            cx.finding(&INFO, Status::Fail, res, format!("no logging multi-region trail logs every management event: {}", gaps.join("; ")))
        };
        out.push(f.evidence(evidence));
    }
    out
}
