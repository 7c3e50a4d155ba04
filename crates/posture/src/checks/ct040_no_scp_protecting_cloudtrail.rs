//! CT-040: an SCP denies CloudTrail tampering, with a break-glass exemption.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status};
use crate::policy::CLOUDTRAIL_TAMPER_ACTIONS;
use crate::world::{Context, WithEvidence};

use super::scp;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-040",
    name: "no-scp-protecting-cloudtrail",
    title: "An SCP denies stopping, deleting or changing trails, except for a break-glass role",
    severity: Severity::High,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "controltower:AWS-GR_CLOUDTRAIL_CHANGE_PROHIBITED",
        "iam-guardrails:IAM-CLOUDTRAIL-1",
        "iam-guardrails:IAM-CLOUDTRAIL-2",
    ],
    doc: Doc {
        what: "For every member account of an organization (SCPs never apply to the management account), the SCPs attached to the account, its OUs or the root deny `cloudtrail:StopLogging`, `DeleteTrail`, `UpdateTrail` and `PutEventSelectors` on its trails, with no condition other than a break-glass exemption (a negative `aws:PrincipalArn` / `aws:PrincipalTag` / `aws:userid` test). A deny without any exemption fails too: nobody could repair a trail. Accounts outside an organization are not applicable; SCPs are read from the management account (`collect --org`).",
        why: "An intruder with administrator rights in a member account stops or blinds its trails first. An SCP denies it whatever IAM says. Prowler, Security Hub and CIS do not check it.",
        example: "The root has only FullAWSAccess attached; an admin in any member account can run cloudtrail stop-logging.",
        fix: "Attach an SCP to the root (or every OU) that denies the four calls except for a break-glass role.",
        cli: "aws organizations create-policy --type SERVICE_CONTROL_POLICY --name protect-cloudtrail --content file://protect-cloudtrail.json\naws organizations attach-policy --policy-id <policy-id> --target-id <root-id>",
        cloudformation: "ProtectCloudTrail:\n  Type: AWS::Organizations::Policy\n  Properties:\n    Name: protect-cloudtrail\n    Type: SERVICE_CONTROL_POLICY\n    TargetIds: [<root-id>]\n    Content:\n      Version: '2012-10-17'\n      Statement:\n        - Sid: DenyTrailTampering\n          Effect: Deny\n          Action: [cloudtrail:StopLogging, cloudtrail:DeleteTrail, cloudtrail:UpdateTrail, cloudtrail:PutEventSelectors, cloudtrail:PutInsightSelectors, cloudtrail:DeleteEventDataStore]\n          Resource: '*'\n          Condition:\n            ArnNotLike:\n              aws:PrincipalArn: arn:aws:iam::*:role/BreakGlass",
        references: &[
            "https://docs.aws.amazon.com/controltower/latest/controlreference/mandatory-controls.html",
            "https://github.com/aws-samples/aws-iam-permissions-guardrails",
        ],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    if cx.iac() {
        let policies: Vec<_> = cx.world.organization().map(|o| o.policies.iter().collect()).unwrap_or_default();
        let res = Resource::new("template", "AWS::Organizations::Policy", None, None);
        if policies.is_empty() {
            return vec![cx.finding(&INFO, Status::Manual, res, "the template defines no service control policy; SCPs are usually managed elsewhere: check the organization")];
        }
        let (outcomes, errors) = scp::evaluate(&policies, CLOUDTRAIL_TAMPER_ACTIONS, "arn:aws:cloudtrail:us-east-1:{AccountId}:trail/any");
        let (mut problems, evidence) = scp::summarise(&outcomes);
        problems.extend(errors);
        let f = if problems.is_empty() {
            cx.finding(&INFO, Status::Pass, res, "the template's SCPs deny trail tampering, with a break-glass exemption")
        } else {
            cx.finding(&INFO, Status::Fail, res, problems.join("; "))
        };
        return vec![f.evidence(evidence)];
    }
    for acct in &cx.snap.accounts {
        let me = acct.account_id.as_str();
        let res = Resource::account(me);
        let policies = match scp::in_effect(
            cx,
            &INFO,
            acct,
            &res,
            "SCPs never apply to the management account: its trails (including organization trails) are protected only by who can sign in to it",
        ) {
            Ok(p) => p,
            Err(f) => {
                out.push(*f);
                continue;
            }
        };
        let own: Vec<&str> = cx.world.trails.iter().filter(|t| t.owner() == me).map(|t| t.arn()).collect();
        let generic = format!("arn:{}:cloudtrail:us-east-1:{me}:trail/any", cx.snap.partition);
        let targets: Vec<&str> = if own.is_empty() { vec![generic.as_str()] } else { own };
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        for t in targets {
            let (outcomes, errors) = scp::evaluate(&policies, CLOUDTRAIL_TAMPER_ACTIONS, t);
            let (p, e) = scp::summarise(&outcomes);
            problems.extend(p.into_iter().map(|x| format!("{t}: {x}")));
            problems.extend(errors);
            evidence.extend(e);
        }
        evidence.push(format!(
            "SCPs in effect: {}",
            policies.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
        ));
        problems.sort();
        problems.dedup();
        let f = if problems.is_empty() {
            cx.finding(&INFO, Status::Pass, res, "SCPs deny StopLogging, DeleteTrail, UpdateTrail and PutEventSelectors, with a break-glass exemption")
        } else {
            cx.finding(&INFO, Status::Fail, res, problems.join("; "))
        };
        out.push(f.evidence(evidence));
    }
    out
}
