//! CT-001: at least one multi-region trail (own or organization) is logging.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::{Context, WithEvidence};

use super::common::{names, trails_unreadable};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-001",
    name: "no-multi-region-trail",
    title: "At least one multi-region trail is logging",
    severity: Severity::High,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:2.1",
        "cis-aws-1.4.0:3.1",
        "cis-aws-3.0.0:3.1",
        "cis-aws-4.0.1:3.1",
        "cis-aws-5.0.0:3.1",
        "cis-aws-6.0.0:4.1",
        "cis-aws-7.0.0:4.1",
        "securityhub:CloudTrail.1",
        "securityhub:CloudTrail.3",
        "config:multi-region-cloudtrail-enabled",
        "prowler:cloudtrail_multi_region_enabled",
        "checkov:CKV_AWS_67",
        "trivy:AVD-AWS-0014",
        "kics:8173d5eb-96b5-4aa6-a71b-ecfa153c123d",
    ],
    doc: Doc {
        what: "For every account, at least one trail that logs it — its own, or an organization trail of its organization — has `IsMultiRegionTrail = true` and `GetTrailStatus.IsLogging = true`. One single-region trail per region does not count: it misses regions enabled later and global events outside its home region.",
        why: "An attacker works in the region nobody watches. A multi-region trail covers every enabled region, including regions enabled after it was created, so there is no unlogged corner. A trail that exists but is stopped records nothing.",
        example: "Trail `app-trail` is homed in eu-west-1 with `IsMultiRegionTrail = false`; API calls in us-east-1 (including IAM and STS) are not logged.",
        fix: "Make the main trail multi-region and start logging it, or create an organization trail in the management account.",
        cli: "aws cloudtrail update-trail --name <trail> --is-multi-region-trail --include-global-service-events\naws cloudtrail start-logging --name <trail>",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IsLogging: true\n    IsMultiRegionTrail: true\n    IncludeGlobalServiceEvents: true\n    S3BucketName: !Ref TrailBucket",
        references: &[
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
            "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-1",
        ],
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
                out.push(cx.finding(&INFO, Status::Fail, res, "no trail logs this account: no trail of its own and no organization trail"));
            }
            continue;
        }
        let multi: Vec<_> = trails.iter().filter(|t| t.trail.is_multi_region).copied().collect();
        let evidence: Vec<String> = trails.iter().map(|t| format!("trail {}", t.describe())).collect();
        if multi.is_empty() {
            out.push(
                cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    format!(
                        "no multi-region trail: {} {} IsMultiRegionTrail = false",
                        names(&trails),
                        if trails.len() == 1 { "has" } else { "have" }
                    ),
                )
                .evidence(evidence),
            );
            continue;
        }
        let mut unknown = None;
        let mut stopped = Vec::new();
        let mut logging = None;
        for t in &multi {
            match t.logging() {
                Ok(true) => {
                    logging = Some(*t);
                    break;
                }
                Ok(false) => stopped.push(*t),
                Err(e) => {
                    unknown.get_or_insert_with(|| unreadable(&format!("the status of trail {}", t.trail.name), &e));
                }
            }
        }
        let f = if let Some(t) = logging {
            cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("multi-region trail {} is logging (IsLogging = true)", t.describe()),
            )
        } else if let Some((status, reason)) = unknown {
            cx.finding(&INFO, status, res, reason)
        } else {
            cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!("multi-region trail {} is stopped (IsLogging = false)", names(&stopped)),
            )
        };
        out.push(f.evidence(evidence));
    }
    out
}
