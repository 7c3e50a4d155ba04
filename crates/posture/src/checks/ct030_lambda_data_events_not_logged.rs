//! CT-030: Lambda invocations are logged as data events (optional).

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity};
use crate::world::Context;

use super::data_events::{self, Want};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-030",
    name: "lambda-data-events-not-logged",
    title: "Lambda function invocations are logged as data events",
    severity: Severity::Low,
    scope: Scope::Account,
    default_enabled: false,
    mappings: &[
        "prowler:awslambda_function_invoke_api_operations_cloudtrail_logging_enabled",
        "scoutsuite:cloudtrail-no-data-logging",
        "scoutsuite:cloudtrail-partial-data-logging",
    ],
    doc: Doc {
        what: "A logging multi-region trail logs `AWS::Lambda::Function` data events (Invoke) for every function: classic `DataResources` value `arn:<partition>:lambda`, or an advanced selector with `eventCategory = Data` and `resources.type = AWS::Lambda::Function` and nothing narrowing it. Optional (`--select CT-030`): data events cost money and not every account runs functions.",
        why: "Invoke calls show who ran which function — a common persistence and privilege-escalation path (a function with an admin role invoked by a low-privilege user).",
        example: "The trail logs management events only; Invoke calls on functions are not recorded.",
        fix: "Add an advanced event selector for Lambda data events.",
        cli: "aws cloudtrail put-event-selectors --trail-name <trail> --advanced-event-selectors '[{\"Name\":\"Management events\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]},{\"Name\":\"Lambda data events\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::Lambda::Function\"]}]}]'",
        cloudformation: "AdvancedEventSelectors:\n  - Name: Lambda data events\n    FieldSelectors:\n      - Field: eventCategory\n        Equals: [Data]\n      - Field: resources.type\n        Equals: ['AWS::Lambda::Function']",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    data_events::run(cx, &INFO, "AWS::Lambda::Function", Want::Both, "Lambda invoke data events")
}
