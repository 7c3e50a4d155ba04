//! CT-042: no customer IAM policy grants CloudTrail or trail-key tampering broadly.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::policy::{CLOUDTRAIL_TAMPER_ACTIONS, Effect, KMS_TAMPER_ACTIONS, Policy, Set};
use crate::world::{Context, WithEvidence};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-042",
    name: "iam-policy-allows-trail-tampering",
    title: "No customer IAM policy grants trail or key tampering on all resources",
    severity: Severity::Medium,
    scope: Scope::Policy,
    default_enabled: true,
    mappings: &[
        "prowler:iam_policy_no_full_access_to_cloudtrail",
        "prowler:iam_inline_policy_no_full_access_to_cloudtrail",
        "iam-guardrails:IAM-CLOUDTRAIL-1",
    ],
    doc: Doc {
        what: "No customer-managed or inline IAM policy has an `Allow` that grants `cloudtrail:StopLogging`, `DeleteTrail`, `UpdateTrail` or `PutEventSelectors` (directly or through `cloudtrail:*`, `*` or `NotAction`), or `kms:DisableKey`, `ScheduleKeyDeletion` or `PutKeyPolicy`, on all resources (`*`). AWS managed policies such as AdministratorAccess are not reported.",
        why: "Every principal that can stop the trail is a principal whose compromise blinds you. Grant these calls to one break-glass role, on named trails and keys, and nothing else.",
        example: "Inline policy `ops` on role `deploy` allows cloudtrail:* on *.",
        fix: "Narrow the policy: remove the tampering actions or scope them to named trails and keys for a break-glass role.",
        cli: "aws iam create-policy-version --policy-arn <policy-arn> --policy-document file://narrowed.json --set-as-default\naws iam put-role-policy --role-name <role> --policy-name <name> --policy-document file://narrowed.json",
        cloudformation: "PolicyDocument:\n  Statement:\n    - Effect: Allow\n      Action: [cloudtrail:Get*, cloudtrail:Describe*, cloudtrail:List*, cloudtrail:LookupEvents]\n      Resource: '*'",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/security_iam_id-based-policy-examples.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let iam = match acct.iam.as_result() {
            Ok(i) => i,
            Err(e) => {
                let (s, r) = unreadable("the account's IAM policies", e);
                out.push(cx.finding(&INFO, s, Resource::account(&acct.account_id), r));
                continue;
            }
        };
        let mut flagged = 0;
        for pol in &iam.policies {
            let res = Resource::new(&pol.id, "AWS::IAM::Policy", Some(&acct.account_id), None);
            let parsed = match Policy::parse(&pol.document) {
                Ok(p) => p,
                Err(e) => {
                    out.push(cx.finding(&INFO, Status::Error, res, format!("{} policy {} cannot be read: {e}", pol.kind, pol.name)));
                    continue;
                }
            };
            let mut grants = Vec::new();
            for (i, s) in parsed.indexed() {
                if s.effect != Effect::Allow || !s.all_resources() {
                    continue;
                }
                let hit: Vec<&str> = CLOUDTRAIL_TAMPER_ACTIONS
                    .iter()
                    .chain(KMS_TAMPER_ACTIONS)
                    .copied()
                    .filter(|a| s.has_action(a))
                    .collect();
                if hit.is_empty() {
                    continue;
                }
                let how = match &s.actions {
                    Set::Only(a) => a.join(", "),
                    Set::AllBut(a) => format!("NotAction [{}]", a.join(", ")),
                };
                grants.push(format!("{} allows {how} on * ({})", s.label(i), hit.join(", ")));
            }
            if grants.is_empty() {
                continue;
            }
            flagged += 1;
            let attached = if pol.attached_to.is_empty() {
                "not attached".to_string()
            } else {
                format!("attached to {}", pol.attached_to.join(", "))
            };
            out.push(
                cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    format!("{} policy {} ({attached}) lets its holders stop or blind the trail or disable its key: {}", pol.kind, pol.name, grants.join("; ")),
                ),
            );
        }
        if flagged == 0 {
            out.push(
                cx.finding(
                    &INFO,
                    Status::Pass,
                    Resource::account(&acct.account_id),
                    "no customer-managed or inline IAM policy grants trail or key tampering on all resources",
                )
                .evidence([format!("{} policy documents examined", iam.examined)]),
            );
        }
    }
    out
}
