//! Filter-pattern parser, printer, linter and matcher on arbitrary input.
//!
//! Input: a pattern, optionally followed by a newline and a log message. Checks that nothing
//! panics, that the printed form of every pattern parses back to the same tree and prints the
//! same, that both forms match the message alike, and that a pattern covers itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trailguard_model::decode_event_text;
use trailguard_pattern::{Coverage, Pattern, covers, lint};

const RECORD: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"eventTime":"2024-05-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.10","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No","n":[1,2.5,-3e2]},"eventID":"0a1b2c3d-0000-4000-8000-000000000001","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (text, message) = input.split_once('\n').unwrap_or((input, RECORD));
    let diagnostics = lint(text);
    let Ok(p) = Pattern::parse(text) else {
        assert!(!diagnostics.is_empty(), "an unreadable pattern has a diagnostic");
        return;
    };
    let printed = p.to_string();
    let again = match Pattern::parse(&printed) {
        Ok(a) => a,
        Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e}"),
    };
    let (mut a, mut b) = (p.ast().clone(), again.ast().clone());
    a.clear_spans();
    b.clear_spans();
    assert_eq!(a, b, "{text:?} printed as {printed:?}");
    assert_eq!(again.to_string(), printed);
    assert_eq!(p.matches_message(message), again.matches_message(message));
    let _ = p.test_message(message);
    let _ = p.explain();
    if let Ok(ev) = decode_event_text(RECORD) {
        assert_eq!(p.matches(&ev), again.matches(&ev));
    }
    if text.len() < 200 {
        assert!(
            matches!(covers(&p, &again), Coverage::Covers),
            "{text:?} does not cover itself"
        );
    }
});
