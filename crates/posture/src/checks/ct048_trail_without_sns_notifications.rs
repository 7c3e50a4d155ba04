//! CT-048: trails notify an SNS topic of log-file deliveries (optional).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status};
use crate::world::Context;

use super::common::or_not_applicable;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-048",
    name: "trail-without-sns-notifications",
    title: "Trails notify an SNS topic when they deliver a log file",
    severity: Severity::Info,
    scope: Scope::Trail,
    default_enabled: false,
    mappings: &["checkov:CKV_AWS_252"],
    doc: Doc {
        what: "Every trail sets `SnsTopicARN`. Optional: select it with `--select CT-048`.",
        why: "Delivery notifications drive near-real-time processing (`trailguard watch` from S3 + SQS) and make a silent delivery stop visible.",
        example: "Trail `main` has no SnsTopicARN.",
        fix: "Create a topic whose policy lets cloudtrail.amazonaws.com publish (with aws:SourceArn), and set it on the trail.",
        cli: "aws cloudtrail update-trail --name <trail> --sns-topic-name <topic>",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    SnsTopicName: !GetAtt DeliveryTopic.TopicName",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/configure-sns-notifications-for-cloudtrail.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let out = cx
        .world
        .trails
        .iter()
        .map(|t| match &t.trail.sns_topic_arn {
            Some(a) => cx.finding(&INFO, Status::Pass, t.resource(), format!("trail {} notifies {a}", t.trail.name)),
            None => cx.finding(&INFO, Status::Fail, t.resource(), format!("trail {} has no SnsTopicARN", t.trail.name)),
        })
        .collect();
    or_not_applicable(cx, &INFO, out, "no trail")
}
