//! CT-009: the organization has a logging, multi-region organization trail.

use std::collections::BTreeMap;

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::snapshot::Read;
use crate::world::{Context, WithEvidence};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-009",
    name: "no-organization-trail",
    title: "The organization has a logging multi-region organization trail",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "aws-sra:organization-trail",
        "controltower:AWS-GR_CLOUDTRAIL_ENABLED",
        "steampipe:cloudtrail_multi_region_trail_enabled",
    ],
    doc: Doc {
        what: "For every AWS Organization in the snapshot, an organization trail (`IsOrganizationTrail = true`, owned by the management account) is multi-region and logging, so every member account — including accounts created later — is logged without relying on its own administrators. Accounts outside an organization are not applicable.",
        why: "A member account's own trail can be stopped by that account's administrators, which is what an intruder with admin rights does first. An organization trail cannot be changed from member accounts, and new accounts are logged from their first minute.",
        example: "Organization o-abc123 has 40 accounts and no organization trail; 3 accounts have no trail at all.",
        fix: "Create a multi-region organization trail in the management account (or a delegated administrator) delivering to the log-archive account's bucket.",
        cli: "aws cloudtrail create-trail --name org-trail --s3-bucket-name <log-archive-bucket> --is-organization-trail --is-multi-region-trail --enable-log-file-validation --kms-key-id <key-arn>\naws cloudtrail start-logging --name org-trail",
        cloudformation: "OrgTrail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    IsLogging: true\n    IsOrganizationTrail: true\n    IsMultiRegionTrail: true\n    EnableLogFileValidation: true\n    S3BucketName: <log-archive-bucket>\n    KMSKeyId: <key-arn>",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    // organization id -> (management account, member accounts in the snapshot)
    let mut orgs: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    if let Some(o) = cx.world.organization() {
        orgs.insert(o.id.clone(), (o.management_account_id.clone(), Vec::new()));
    }
    for acct in &cx.snap.accounts {
        match &acct.organization {
            Read::Ok(Some(m)) => {
                orgs.entry(m.organization_id.clone())
                    .or_insert_with(|| (m.management_account_id.clone(), Vec::new()))
                    .1
                    .push(acct.account_id.clone());
            }
            Read::Ok(None) => {
                // An IaC organization trail implies an organization.
                let iac_org = cx.iac() && cx.world.trails.iter().any(|t| t.trail.is_organization_trail);
                if iac_org {
                    orgs.entry("template".into())
                        .or_insert_with(|| (acct.account_id.clone(), Vec::new()))
                        .1
                        .push(acct.account_id.clone());
                } else if !cx.world.organization().is_some_and(|o| o.accounts.iter().any(|a| a.id == acct.account_id)) {
                    out.push(cx.finding(
                        &INFO,
                        Status::NotApplicable,
                        Resource::account(&acct.account_id),
                        if cx.iac() {
                            "the template defines no organization trail"
                        } else {
                            "the account is not in an AWS Organization"
                        },
                    ));
                }
            }
            Read::Error(e) => {
                let (s, r) = unreadable("the account's organization membership", e);
                out.push(cx.finding(&INFO, s, Resource::account(&acct.account_id), r));
            }
        }
    }
    for (org_id, (mgmt, members)) in orgs {
        let res = Resource::new(format!("organization/{org_id}"), "AWS::Organizations::Organization", Some(&mgmt), None);
        let org_trails: Vec<_> = cx
            .world
            .trails
            .iter()
            .filter(|t| {
                t.trail.is_organization_trail
                    && (t.owner() == mgmt || cx.iac() || t.seen_in.iter().any(|(a, _)| members.iter().any(|m| m == a)))
            })
            .collect();
        let count = cx
            .world
            .organization()
            .filter(|o| o.id == org_id)
            .map(|o| o.accounts.len())
            .unwrap_or(members.len());
        let mut unknown = None;
        let mut bad = Vec::new();
        let mut good = None;
        for t in &org_trails {
            match t.logging() {
                Ok(true) if t.trail.is_multi_region => {
                    good = Some(*t);
                    break;
                }
                Ok(true) => bad.push(format!("{} is single-region", t.trail.name)),
                Ok(false) => bad.push(format!("{} is stopped (IsLogging = false)", t.trail.name)),
                Err(e) => {
                    unknown.get_or_insert_with(|| unreadable(&format!("organization trail {}", t.trail.name), &e));
                }
            }
        }
        let f = if let Some(t) = good {
            cx.finding(&INFO, Status::Pass, res, format!("organization trail {} logs every account of {org_id} ({count} accounts known)", t.describe()))
        } else if let Some((s, r)) = unknown {
            cx.finding(&INFO, s, res, r)
        } else if !bad.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("the organization trails of {org_id} do not log every region: {}", bad.join("; ")))
        } else if !cx.snap.accounts.iter().any(|a| a.account_id == mgmt) && cx.world.organization().is_none() {
            cx.finding(
                &INFO,
                Status::Manual,
                res,
                format!("no organization trail is visible from the member accounts in this snapshot; confirm in management account {mgmt} (member accounts see organization trails, so it likely does not exist)"),
            )
        } else {
            cx.finding(&INFO, Status::Fail, res, format!("organization {org_id} has no organization trail: each member account's logging depends on its own administrators"))
        };
        out.push(f.evidence(members.iter().map(|m| format!("member account in snapshot: {m}"))));
    }
    out
}
