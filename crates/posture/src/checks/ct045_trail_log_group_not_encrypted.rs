//! CT-045: the trail's CloudWatch Logs log group is encrypted with KMS.

use crate::arn;
use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::Context;

use super::common::{names, or_not_applicable, trail_log_groups};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-045",
    name: "trail-log-group-not-encrypted",
    title: "The trail's CloudWatch Logs log group is encrypted with a KMS key",
    severity: Severity::Low,
    scope: Scope::LogGroup,
    default_enabled: true,
    mappings: &["prowler:cloudwatch_log_group_kms_encryption_enabled", "checkov:CKV_AWS_158"],
    doc: Doc {
        what: "Every log group a trail delivers to has a `kmsKeyId`.",
        why: "The log group holds the same events as the bucket; with a KMS key, reading them also requires kms:Decrypt, and the key policy controls who may.",
        example: "Log group CloudTrail/main has no kmsKeyId.",
        fix: "Associate a KMS key whose policy allows logs.<region>.amazonaws.com to use it.",
        cli: "aws logs associate-kms-key --log-group-name <log-group> --kms-key-id <key-arn>",
        cloudformation: "TrailLogGroup:\n  Type: AWS::Logs::LogGroup\n  Properties:\n    KmsKeyId: !GetAtt LogsKey.Arn",
        references: &["https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (group_arn, trails) in trail_log_groups(cx) {
        let res = Resource::new(group_arn, "AWS::Logs::LogGroup", arn::account(group_arn), arn::region(group_arn));
        let Some(g) = cx.world.log_group(group_arn) else {
            out.push(cx.finding(&INFO, Status::Manual, res, format!("log group {group_arn} (trails {}) is not in the snapshot (another account?)", names(&trails))));
            continue;
        };
        out.push(match g.info.as_result() {
            Err(e) => {
                let (s, r) = unreadable(&format!("log group {}", g.name), e);
                cx.finding(&INFO, s, res, r)
            }
            Ok(None) => cx.finding(&INFO, Status::NotApplicable, res, format!("log group {} does not exist", g.name)),
            Ok(Some(i)) => match &i.kms_key_id {
                Some(k) => cx.finding(&INFO, Status::Pass, res, format!("log group {} is encrypted with {k}", g.name)),
                None => cx.finding(&INFO, Status::Fail, res, format!("log group {} has no kmsKeyId: its trail events are readable with logs permissions alone", g.name)),
            },
        });
    }
    or_not_applicable(cx, &INFO, out, "no trail delivers to CloudWatch Logs")
}
