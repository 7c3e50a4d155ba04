//! CT-007: the trail key's policy scopes CloudTrail to the account's trails and has no `*`
//! principal.

use crate::arn;
use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::policy::{Effect, Policy};
use crate::world::{Context, WithEvidence};

use super::common::{names, or_not_applicable, trail_keys};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-007",
    name: "trail-key-policy-not-scoped",
    title: "The trail key's policy scopes CloudTrail with aws:SourceArn and has no public principal",
    severity: Severity::Medium,
    scope: Scope::Key,
    default_enabled: true,
    mappings: &[
        "cis-aws-5.0.0:3.5",
        "cis-aws-6.0.0:4.5",
        "checkov:CKV_AWS_33",
        "cfn-nag:F76",
    ],
    doc: Doc {
        what: "The key policy of every trail key (1) lets `cloudtrail.amazonaws.com` call `kms:GenerateDataKey*` only with a condition naming this account's trails — `aws:SourceArn` (recommended) or `kms:EncryptionContext:aws:cloudtrail:arn` with the account id, not `*`; and (2) has no `Allow` for principal `*` without a restricting condition.",
        why: "Without the condition, any trail in any account can make CloudTrail encrypt with your key (the confused-deputy problem), and a `*` principal lets anyone use it. AWS's CloudTrail guide recommends aws:SourceArn; no other tool checks it.",
        example: "Statement `Allow CloudTrail to encrypt logs` grants kms:GenerateDataKey* to cloudtrail.amazonaws.com with no Condition.",
        fix: "Add a StringEquals aws:SourceArn condition with the trail ARN(s) to the CloudTrail statement, and remove `*` principals.",
        cli: "aws kms put-key-policy --key-id <key-id> --policy-name default --policy file://cloudtrail-key-policy.json",
        cloudformation: "KeyPolicy:\n  Version: '2012-10-17'\n  Statement:\n    - Sid: AllowCloudTrailEncrypt\n      Effect: Allow\n      Principal: { Service: cloudtrail.amazonaws.com }\n      Action: kms:GenerateDataKey*\n      Resource: '*'\n      Condition:\n        StringEquals:\n          aws:SourceArn: !Sub arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${TrailName}\n        StringLike:\n          kms:EncryptionContext:aws:cloudtrail:arn: !Sub arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*",
        references: &[
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
        ],
    },
};

/// Whether a condition value names a specific account (not `*` in the account field).
fn scoped_value(v: &str) -> bool {
    match arn::parse(v) {
        Some(a) => !a.account.is_empty() && !a.account.contains('*') && !a.account.contains('?'),
        None => false,
    }
}

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (key_ref, trails) in trail_keys(cx) {
        let Some(key) = cx.world.key(key_ref) else {
            out.push(cx.finding(
                &INFO,
                Status::Manual,
                Resource::new(key_ref, "AWS::KMS::Key", arn::account(key_ref), arn::region(key_ref)),
                format!("key {key_ref} (trails {}) is not in the snapshot (another account?); check its policy there", names(&trails)),
            ));
            continue;
        };
        let key_arn = key.metadata.ok().map(|m| m.arn.as_str()).unwrap_or(key_ref);
        let res = Resource::new(key_arn, "AWS::KMS::Key", arn::account(key_arn), Some(&key.region));
        if key.metadata.ok().is_some_and(|m| m.key_manager == "AWS") {
            out.push(cx.finding(&INFO, Status::NotApplicable, res, format!("{key_arn} is an AWS managed key: its policy is fixed by AWS (CT-006 fails it)")));
            continue;
        }
        let text = match key.policy.as_result() {
            Ok(t) => t,
            Err(e) => {
                let (s, r) = unreadable(&format!("the policy of key {key_arn}"), e);
                out.push(cx.finding(&INFO, s, res, r));
                continue;
            }
        };
        let policy = match Policy::parse(text) {
            Ok(p) => p,
            Err(e) => {
                out.push(cx.finding(&INFO, Status::Error, res, format!("the policy of key {key_arn} cannot be read: {e}")));
                continue;
            }
        };
        let mut problems = Vec::new();
        let mut evidence = Vec::new();
        let mut cloudtrail_grants = 0;
        let mut source_arn = false;
        for (i, s) in policy.indexed() {
            if s.effect != Effect::Allow {
                continue;
            }
            if s.is_public_allow() {
                problems.push(format!("{} allows principal * ({}) without a restricting condition", s.label(i), actions(s)));
            }
            let ct = s.principal.as_ref().is_some_and(|p| p.has_service("cloudtrail.amazonaws.com"));
            if !(ct && s.has_action("kms:GenerateDataKey")) {
                continue;
            }
            cloudtrail_grants += 1;
            let by_source = s
                .conditions_on("aws:sourcearn")
                .any(|c| !c.is_negative() && !c.values.is_empty() && c.values.iter().all(|v| scoped_value(v)));
            let by_context = s
                .conditions_on("kms:encryptioncontext:aws:cloudtrail:arn")
                .any(|c| !c.is_negative() && !c.values.is_empty() && c.values.iter().all(|v| scoped_value(v)));
            source_arn |= by_source;
            evidence.push(format!(
                "{}: cloudtrail.amazonaws.com may call kms:GenerateDataKey*; aws:SourceArn condition: {}; kms:EncryptionContext:aws:cloudtrail:arn condition: {}",
                s.label(i),
                if by_source { "yes" } else { "no" },
                if by_context { "yes" } else { "no" }
            ));
            if !by_source && !by_context {
                problems.push(format!(
                    "{} lets cloudtrail.amazonaws.com use the key for any trail in any account: add a StringEquals aws:SourceArn condition with the trail ARNs",
                    s.label(i)
                ));
            }
        }
        let f = if cloudtrail_grants == 0 && problems.is_empty() {
            cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!("the policy of key {key_arn} does not allow cloudtrail.amazonaws.com kms:GenerateDataKey*: trails {} cannot deliver encrypted logs", names(&trails)),
            )
        } else if !problems.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("key {key_arn}: {}", problems.join("; ")))
        } else if source_arn {
            cx.finding(&INFO, Status::Pass, res, format!("key {key_arn} lets CloudTrail encrypt only for trails named by aws:SourceArn"))
        } else {
            cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("key {key_arn} scopes CloudTrail with kms:EncryptionContext:aws:cloudtrail:arn to this account's trails (aws:SourceArn would name the exact trails)"),
            )
        };
        out.push(f.evidence(evidence));
    }
    or_not_applicable(cx, &INFO, out, "no trail uses a KMS key")
}

fn actions(s: &crate::policy::Statement) -> String {
    match &s.actions {
        crate::policy::Set::Only(a) => a.join(", "),
        crate::policy::Set::AllBut(a) => format!("everything but {}", a.join(", ")),
    }
}
