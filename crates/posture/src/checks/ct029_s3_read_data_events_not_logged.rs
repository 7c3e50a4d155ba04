//! CT-029: S3 object-level read events are logged for all buckets.

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::data_events::{self, Want};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-029",
    name: "s3-read-data-events-not-logged",
    title: "S3 object-level read events are logged for all buckets",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.4.0:3.11",
        "cis-aws-3.0.0:3.9",
        "cis-aws-4.0.1:3.9",
        "cis-aws-5.0.0:3.9",
        "cis-aws-6.0.0:4.9",
        "cis-aws-7.0.0:4.9",
        "securityhub:S3.23",
        "config:cloudtrail-all-read-s3-data-event-check",
        "prowler:cloudtrail_s3_dataevents_read_enabled",
    ],
    doc: Doc {
        what: "For every account with S3 buckets, a logging multi-region trail logs object-level read (`ReadWriteType` `All` or `ReadOnly`; advanced: no `readOnly = false`) data events for all current and future buckets: classic `DataResources` with `Type = AWS::S3::Object` and the value `arn:<partition>:s3` (or `arn:<partition>:s3:::`), or an advanced selector with `eventCategory = Data`, `resources.type = AWS::S3::Object` and no field that narrows it (`resources.ARN` on some buckets, `eventName`, …). Advanced selectors are read field by field; their names mean nothing.",
        why: "GetObject calls are the exfiltration itself; without read data events a data-breach investigation cannot say what was taken.",
        example: "Trail `main` logs S3 data events only for arn:aws:s3:::payments/: reads of every other bucket are invisible.",
        fix: "Add an advanced event selector for S3 object data events to the multi-region trail (data events are billed per 100,000 events).",
        cli: "aws cloudtrail put-event-selectors --trail-name <trail> --advanced-event-selectors '[{\"Name\":\"Management events\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]},{\"Name\":\"S3 data events\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]}]}]'",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    AdvancedEventSelectors:\n      - Name: Management events\n        FieldSelectors:\n          - Field: eventCategory\n            Equals: [Management]\n      - Name: S3 data events\n        FieldSelectors:\n          - Field: eventCategory\n            Equals: [Data]\n          - Field: resources.type\n            Equals: ['AWS::S3::Object']",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    data_events::run(cx, &INFO, "AWS::S3::Object", Want::Read, "S3 object read data events")
}
