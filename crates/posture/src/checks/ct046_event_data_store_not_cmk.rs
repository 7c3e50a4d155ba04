//! CT-046: CloudTrail Lake event data stores use a customer-managed key.

use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::Context;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-046",
    name: "event-data-store-not-cmk",
    title: "CloudTrail Lake event data stores are encrypted with a customer-managed key",
    severity: Severity::Medium,
    scope: Scope::EventDataStore,
    default_enabled: true,
    mappings: &[
        "securityhub:CloudTrail.10",
        "config:event-data-store-cmk-encryption-enabled",
        "checkov:CKV_AWS_294",
    ],
    doc: Doc {
        what: "Every CloudTrail Lake event data store has a `KmsKeyId`. Regions where `ListEventDataStores` failed are reported once per account. (CloudTrail Lake is closed to new customers from 31 May 2026; `trailguard ingest` builds a local lake instead.)",
        why: "An event data store keeps years of events; with the default AWS owned key, who may read it is decided by CloudTrail permissions alone.",
        example: "Event data store `all-events` has no KmsKeyId.",
        fix: "Set a customer-managed key on the store (it cannot be removed afterwards).",
        cli: "aws cloudtrail update-event-data-store --event-data-store <arn> --kms-key-id <key-arn>",
        cloudformation: "EventDataStore:\n  Type: AWS::CloudTrail::EventDataStore\n  Properties:\n    KmsKeyId: !GetAtt LakeKey.Arn",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-lake.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let mut errors: Vec<(&str, &crate::snapshot::ReadError)> = Vec::new();
        let mut any = false;
        for rd in &acct.region_data {
            match rd.event_data_stores.as_result() {
                Ok(stores) => {
                    for s in stores {
                        any = true;
                        let res = Resource::new(&s.arn, "AWS::CloudTrail::EventDataStore", Some(&acct.account_id), Some(&rd.region));
                        out.push(match &s.kms_key_id {
                            Some(k) => cx.finding(&INFO, Status::Pass, res, format!("event data store {} is encrypted with {k}", s.name)),
                            None => cx.finding(&INFO, Status::Fail, res, format!("event data store {} has no KmsKeyId (AWS owned key)", s.name)),
                        });
                    }
                }
                Err(e) => errors.push((rd.region.as_str(), e)),
            }
        }
        if let Some((_, e)) = errors.first() {
            let regions: Vec<&str> = errors.iter().map(|(r, _)| *r).collect();
            let (s, r) = unreadable(&format!("the event data stores in {}", regions.join(", ")), e);
            out.push(cx.finding(&INFO, s, Resource::account(&acct.account_id), r));
        } else if !any {
            out.push(cx.finding(&INFO, Status::NotApplicable, Resource::account(&acct.account_id), "no CloudTrail Lake event data store"));
        }
    }
    out
}
