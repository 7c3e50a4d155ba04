//! CT-008: the trail key rotates and is not disabled or pending deletion.

use crate::arn;
use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::{Context, WithEvidence};

use super::common::{names, or_not_applicable, trail_keys};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-008",
    name: "trail-key-not-rotated-or-unusable",
    title: "The trail key has rotation enabled and is not disabled or pending deletion",
    severity: Severity::High,
    scope: Scope::Key,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:2.8",
        "cis-aws-1.4.0:3.8",
        "cis-aws-3.0.0:3.6",
        "cis-aws-4.0.1:3.6",
        "cis-aws-5.0.0:3.6",
        "cis-aws-6.0.0:4.6",
        "cis-aws-7.0.0:4.6",
        "securityhub:KMS.4",
        "securityhub:KMS.3",
        "prowler:kms_cmk_rotation_enabled",
        "prowler:kms_cmk_not_deleted_unintentionally",
        "checkov:CKV_AWS_7",
        "checkov:CKV_AWS_227",
        "cfn-nag:F19",
    ],
    doc: Doc {
        what: "Every customer-managed trail key has automatic rotation enabled (`GetKeyRotationStatus`) and `KeyState = Enabled` (not `Disabled` or `PendingDeletion`).",
        why: "A disabled key or one scheduled for deletion stops delivery at once, and once deleted every log it encrypted is unreadable forever — a cheap way for an attacker to destroy the evidence. Rotation limits what one leaked key version exposes.",
        example: "Key 1234abcd-… is PendingDeletion (DeletionDate 2026-12-01): trail `main` will fail to deliver and its logs will become unreadable.",
        fix: "Cancel the deletion or re-enable the key, and enable rotation.",
        cli: "aws kms cancel-key-deletion --key-id <key-id>\naws kms enable-key --key-id <key-id>\naws kms enable-key-rotation --key-id <key-id>",
        cloudformation: "TrailKey:\n  Type: AWS::KMS::Key\n  DeletionPolicy: Retain\n  Properties:\n    Enabled: true\n    EnableKeyRotation: true",
        references: &["https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (key_ref, trails) in trail_keys(cx) {
        let Some(key) = cx.world.key(key_ref) else {
            out.push(cx.finding(
                &INFO,
                Status::Manual,
                Resource::new(key_ref, "AWS::KMS::Key", arn::account(key_ref), arn::region(key_ref)),
                format!("key {key_ref} (trails {}) is not in the snapshot (another account?); check it there", names(&trails)),
            ));
            continue;
        };
        let m = match key.metadata.as_result() {
            Ok(m) => m,
            Err(e) => {
                let (s, r) = unreadable(&format!("key {key_ref}"), e);
                out.push(cx.finding(&INFO, s, Resource::new(key_ref, "AWS::KMS::Key", arn::account(key_ref), Some(&key.region)), r));
                continue;
            }
        };
        let res = Resource::new(&m.arn, "AWS::KMS::Key", arn::account(&m.arn), Some(&key.region));
        let mut problems = Vec::new();
        if m.key_state != "Enabled" {
            problems.push(match &m.deletion_date {
                Some(d) => format!("KeyState = {} (deletion date {d}): trails {} cannot deliver and their logs become unreadable when it is deleted", m.key_state, names(&trails)),
                None => format!("KeyState = {}: trails {} cannot deliver", m.key_state, names(&trails)),
            });
        }
        let rotation_applies = m.key_manager == "CUSTOMER"
            && m.key_spec == "SYMMETRIC_DEFAULT"
            && m.origin.as_deref().is_none_or(|o| o == "AWS_KMS");
        let mut unknown = None;
        if rotation_applies {
            match key.rotation_enabled.as_result() {
                Ok(true) => {}
                Ok(false) => problems.push("automatic rotation is disabled".to_string()),
                Err(e) => unknown = Some(unreadable(&format!("the rotation status of key {}", m.arn), e)),
            }
        }
        let f = if !problems.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("key {}: {}", m.arn, problems.join("; ")))
        } else if let Some((s, r)) = unknown {
            cx.finding(&INFO, s, res, r)
        } else if !rotation_applies {
            cx.finding(
                &INFO,
                Status::Pass,
                res,
                format!("key {} is enabled; automatic rotation does not apply to it (KeyManager = {}, KeySpec = {}, Origin = {})", m.arn, m.key_manager, m.key_spec, m.origin.as_deref().unwrap_or("AWS_KMS")),
            )
        } else {
            cx.finding(&INFO, Status::Pass, res, format!("key {} is enabled and rotates automatically", m.arn))
        };
        out.push(f.evidence([format!("used by trails {}", names(&trails))]));
    }
    or_not_applicable(cx, &INFO, out, "no trail uses a KMS key")
}
