//! CT-006: trail logs are encrypted with an enabled, customer-managed, symmetric KMS key.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status, unreadable};
use crate::world::{Context, WithEvidence};

use super::common::or_not_applicable;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-006",
    name: "trail-not-encrypted-with-cmk",
    title: "Trail logs are encrypted with a customer-managed KMS key (SSE-KMS)",
    severity: Severity::Medium,
    scope: Scope::Trail,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:2.7",
        "cis-aws-1.4.0:3.7",
        "cis-aws-3.0.0:3.5",
        "cis-aws-4.0.1:3.5",
        "cis-aws-5.0.0:3.5",
        "cis-aws-6.0.0:4.5",
        "cis-aws-7.0.0:4.5",
        "securityhub:CloudTrail.2",
        "config:cloud-trail-encryption-enabled",
        "prowler:cloudtrail_kms_encryption_enabled",
        "checkov:CKV_AWS_35",
        "trivy:AVD-AWS-0015",
        "controltower:CT.CLOUDTRAIL.PR.1",
    ],
    doc: Doc {
        what: "Every trail sets `KmsKeyId`, and the key it names is customer-managed (`KeyManager = CUSTOMER`), symmetric (`SYMMETRIC_DEFAULT`) and enabled. A key in another account that is not in the snapshot is MANUAL.",
        why: "With SSE-S3 anyone who can read the bucket can read the logs. With your own KMS key, reading also needs `kms:Decrypt`, a second, separately audited permission — and the key policy decides who may.",
        example: "Trail `main` has no KmsKeyId: objects are encrypted with SSE-S3 (AES256).",
        fix: "Create a symmetric customer-managed key whose policy lets CloudTrail encrypt (scoped with aws:SourceArn), and set it on the trail.",
        cli: "aws kms create-key --description 'CloudTrail logs' --policy file://cloudtrail-key-policy.json\naws kms enable-key-rotation --key-id <key-id>\naws cloudtrail update-trail --name <trail> --kms-key-id <key-arn>",
        cloudformation: "TrailKey:\n  Type: AWS::KMS::Key\n  Properties:\n    EnableKeyRotation: true\n    KeyPolicy: { ... }  # see CT-007\nTrail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    KMSKeyId: !GetAtt TrailKey.Arn",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cx.world.trails {
        let res = t.resource();
        let Some(key_ref) = t.trail.kms_key_id.as_deref() else {
            out.push(cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!("trail {} has no KmsKeyId: its logs are encrypted with SSE-S3 only", t.trail.name),
            ));
            continue;
        };
        let Some(key) = cx.world.key(key_ref) else {
            out.push(cx.finding(
                &INFO,
                Status::Manual,
                res,
                format!("trail {} uses KMS key {key_ref}, which is not in the snapshot (another account?); check it there", t.trail.name),
            ));
            continue;
        };
        let m = match key.metadata.as_result() {
            Ok(m) => m,
            Err(e) => {
                let (s, r) = unreadable(&format!("KMS key {key_ref} of trail {}", t.trail.name), e);
                out.push(cx.finding(&INFO, s, res, r));
                continue;
            }
        };
        let evidence = vec![format!(
            "key {}: KeyManager = {}, KeySpec = {}, KeyState = {}",
            m.arn, m.key_manager, m.key_spec, m.key_state
        )];
        let f = if m.key_manager != "CUSTOMER" {
            cx.finding(&INFO, Status::Fail, res, format!("trail {} uses an AWS managed key ({}): its policy cannot be controlled", t.trail.name, m.arn))
        } else if m.key_spec != "SYMMETRIC_DEFAULT" {
            cx.finding(&INFO, Status::Fail, res, format!("trail {} uses key {} with KeySpec = {}: CloudTrail needs a symmetric key", t.trail.name, m.arn, m.key_spec))
        } else if m.key_state != "Enabled" {
            cx.finding(&INFO, Status::Fail, res, format!("trail {} uses key {} in state {}: CloudTrail cannot encrypt, delivery fails", t.trail.name, m.arn, m.key_state))
        } else {
            cx.finding(&INFO, Status::Pass, res, format!("trail {} is encrypted with customer-managed key {}", t.trail.name, m.arn))
        };
        out.push(f.evidence(evidence));
    }
    or_not_applicable(cx, &INFO, out, "no trail")
}
