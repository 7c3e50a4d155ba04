//! `explain`: what a pattern matches, in words.

use trailguard_pattern::Pattern;

fn explain(p: &str) -> String {
    Pattern::parse(p).unwrap().explain()
}

#[test]
fn json_patterns() {
    assert_eq!(
        explain("{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) }"),
        "Matches CloudTrail records (log events that are JSON objects) where `eventName` is one of \"CreateTrail\", \"UpdateTrail\", \"DeleteTrail\".\n"
    );
    assert_eq!(
        explain(
            r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#
        ),
        "Matches CloudTrail records (log events that are JSON objects) where any of:\n\
         \x20 - `errorCode` ends with \"UnauthorizedOperation\"\n\
         \x20 - all of:\n\
         \x20   - `errorCode` starts with \"AccessDenied\"\n\
         \x20   - `sourceIPAddress` is present and is not \"delivery.logs.amazonaws.com\"\n\
         \x20   - `eventName` is present and is not \"HeadBucket\"\n\
         A `!=` test is false on a record that lacks the field.\n"
    );
    assert_eq!(
        explain(
            "{ ($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
        ),
        "Matches CloudTrail records (log events that are JSON objects) where all of:\n\
         \x20 - `eventSource` is \"kms.amazonaws.com\"\n\
         \x20 - `eventName` is one of \"DisableKey\", \"ScheduleKeyDeletion\"\n"
    );
    assert_eq!(
        explain("{ $.resources[*].ARN = \"arn:aws:s3:::example-*\" && $.latency > 10 && $.x IS NULL && $.y = * }"),
        "Matches CloudTrail records (log events that are JSON objects) where all of:\n\
         \x20 - some value of `resources[*].ARN` starts with \"arn:aws:s3:::example-\"\n\
         \x20 - `latency` is a number greater than 10\n\
         \x20 - `x` is null\n\
         \x20 - `y` is present (a string or a number)\n"
    );
}

#[test]
fn text_patterns() {
    assert_eq!(
        explain("?ERROR ?ARGUMENTS REQUEST"),
        "Matches log events whose text contains \"REQUEST\" (case-sensitive, anywhere in the text).\n\
         The optional terms \"ERROR\" and \"ARGUMENTS\" are ignored, because plain or `-` terms are present.\n\
         For a CloudTrail record the text is the record's compact JSON.\n"
    );
    assert_eq!(
        explain("%10\\.10\\.0\\.1%"),
        "Matches log events whose text contains \"10.10.0.1\".\n\
         Case-sensitive. For a CloudTrail record the text is the record's compact JSON.\n"
    );
    assert_eq!(
        explain("[..., status_code = 4* && status_code != 403, bytes > 1000]"),
        "Splits each log line into fields separated by spaces (text in \"…\" or […] is one field) and matches when they line up as:\n\
         \x20 1. any number of fields (`...`)\n\
         \x20 2. `status_code`: starts with \"4\" and is a number other than 403\n\
         \x20 3. `bytes` (the rest of the line): is a number greater than 1000\n"
    );
    assert_eq!(explain(""), "Matches every log event (every CloudTrail record).\n");
}
