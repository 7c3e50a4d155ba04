//! CT-041: an SCP protects the trail key and bucket in the account that owns them.

use crate::arn;
use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status};
use crate::policy::KMS_TAMPER_ACTIONS;
use crate::world::{Context, WithEvidence};

use super::scp;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-041",
    name: "no-scp-protecting-trail-key-and-bucket",
    title: "An SCP denies disabling the trail key and deleting or reconfiguring the trail bucket",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "controltower:AWS-GR_AUDIT_BUCKET_DELETION_PROHIBITED",
        "controltower:AWS-GR_CT_AUDIT_BUCKET_POLICY_CHANGES_PROHIBITED",
        "controltower:AWS-GR_CT_AUDIT_BUCKET_LIFECYCLE_CONFIGURATION_CHANGES_PROHIBITED",
    ],
    doc: Doc {
        what: "In every member account that owns a trail key or a trail bucket (usually the log-archive account), the SCPs in effect deny `kms:DisableKey`, `kms:ScheduleKeyDeletion` and `kms:PutKeyPolicy` on the key and `s3:DeleteBucket`, `s3:PutBucketPolicy` and `s3:PutLifecycleConfiguration` on the bucket, for everyone but a break-glass principal.",
        why: "Whoever controls the log-archive account can destroy the logs of the whole organization: expire them with a lifecycle rule, replace the bucket policy, or schedule the key for deletion. SCPs take that away from its administrators.",
        example: "The log-archive account has no SCP beyond FullAWSAccess; its admin role can call kms:ScheduleKeyDeletion on the trail key.",
        fix: "Attach an SCP to the log-archive account (or its OU) that denies these calls on the trail key and bucket except for a break-glass role.",
        cli: "aws organizations create-policy --type SERVICE_CONTROL_POLICY --name protect-log-archive --content file://protect-log-archive.json\naws organizations attach-policy --policy-id <policy-id> --target-id <log-archive-account-id>",
        cloudformation: "ProtectLogArchive:\n  Type: AWS::Organizations::Policy\n  Properties:\n    Name: protect-log-archive\n    Type: SERVICE_CONTROL_POLICY\n    TargetIds: [<log-archive-account-id>]\n    Content:\n      Version: '2012-10-17'\n      Statement:\n        - Effect: Deny\n          Action: [kms:DisableKey, kms:ScheduleKeyDeletion, kms:PutKeyPolicy]\n          Resource: <trail-key-arn>\n          Condition: { ArnNotLike: { aws:PrincipalArn: arn:aws:iam::*:role/BreakGlass } }\n        - Effect: Deny\n          Action: [s3:DeleteBucket, s3:PutBucketPolicy, s3:PutLifecycleConfiguration]\n          Resource: arn:aws:s3:::<trail-bucket>\n          Condition: { ArnNotLike: { aws:PrincipalArn: arn:aws:iam::*:role/BreakGlass } }",
        references: &["https://docs.aws.amazon.com/controltower/latest/controlreference/mandatory-controls.html"],
    },
};

const S3_ACTIONS: &[&str] = &["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration"];

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let p = cx.snap.partition.as_str();
    for acct in &cx.snap.accounts {
        let me = acct.account_id.as_str();
        let res = Resource::account(me);
        // (action set, resource ARN) this account owns.
        let mut owned: Vec<(&[&str], String)> = Vec::new();
        for t in &cx.world.trails {
            if let Some(b) = t.trail.s3_bucket_name.as_deref()
                && cx.world.bucket_owner(b) == Some(me)
            {
                owned.push((S3_ACTIONS, format!("arn:{p}:s3:::{b}")));
            }
            if let Some(k) = t.trail.kms_key_id.as_deref() {
                let key_arn = cx.world.key(k).and_then(|k| k.metadata.ok()).map(|m| m.arn.clone()).unwrap_or_else(|| k.to_string());
                if arn::account(&key_arn) == Some(me) {
                    owned.push((KMS_TAMPER_ACTIONS, key_arn));
                }
            }
        }
        owned.sort();
        owned.dedup();
        if owned.is_empty() {
            out.push(cx.finding(&INFO, Status::NotApplicable, res, "the account owns no trail bucket or trail key"));
            continue;
        }
        let policies: Vec<&crate::snapshot::Scp> = if cx.iac() {
            let ps: Vec<_> = cx.world.organization().map(|o| o.policies.iter().collect()).unwrap_or_default();
            if ps.is_empty() {
                out.push(cx.finding(&INFO, Status::Manual, res, "the template defines no service control policy; check the organization's SCPs for the log-archive account"));
                continue;
            }
            ps
        } else {
            match scp::in_effect(
                cx,
                &INFO,
                acct,
                &res,
                "SCPs never apply to the management account, which holds trail resources here: move them to a log-archive account (CT-039)",
            ) {
                Ok(p) => p,
                Err(f) => {
                    out.push(*f);
                    continue;
                }
            }
        };
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        for (actions, resource) in &owned {
            let (outcomes, errors) = scp::evaluate(&policies, actions, resource);
            let (pr, ev) = scp::summarise(&outcomes);
            problems.extend(pr.into_iter().map(|x| format!("{resource}: {x}")));
            problems.extend(errors);
            evidence.extend(ev.into_iter().map(|x| format!("{resource}: {x}")));
        }
        let f = if problems.is_empty() {
            cx.finding(&INFO, Status::Pass, res, "SCPs protect the trail key and bucket owned by this account, with a break-glass exemption")
        } else {
            cx.finding(&INFO, Status::Fail, res, problems.join("; "))
        };
        out.push(f.evidence(evidence));
    }
    out
}
