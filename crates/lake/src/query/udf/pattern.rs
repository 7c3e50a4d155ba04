//! `filter_pattern_match(record_json, pattern)`: whether a CloudWatch Logs filter pattern (the
//! language of metric filters, e.g. the CIS alarms) matches a record, with the semantics of
//! `trailguard_pattern` — the same answer `trailguard events --pattern` and a metric filter on
//! the trail's log group give. The record is its JSON text: the CloudTrail Lake view's
//! `eventjson` column (`FROM event_data_store`, `FROM $EDS_ID`).
//!
//! A constant pattern is parsed once per batch; a pattern that cannot be read is an error that
//! shows where. A NULL record or pattern gives NULL.

use std::sync::Arc;

use arrow::array::BooleanBuilder;
use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};
use trailguard_pattern::Pattern;

use super::{DOC_SECTION, StrArg, all_scalar, finish, rows, string_udf};

/// Whether `pattern` matches the record whose JSON text is `record`: decoded as a CloudTrail
/// record when it is one (JSON patterns read its fields; term, regex and space-delimited
/// patterns see it as CloudWatch Logs holds it), else matched as a plain log message.
pub(crate) fn matches(pattern: &Pattern, record: &str) -> bool {
    match trailguard_model::decode_event_text(record) {
        Ok(ev) => pattern.matches(&ev),
        Err(_) => pattern.matches_message(record),
    }
}

fn parse(text: &str) -> DfResult<Pattern> {
    Pattern::parse(text).map_err(|e| {
        DataFusionError::Execution(format!(
            "filter_pattern_match: the pattern cannot be read:\n{}",
            e.render()
        ))
    })
}

fn invoke(args: &[ColumnarValue], number_rows: usize) -> DfResult<ColumnarValue> {
    let scalar = all_scalar(args);
    let n = if scalar { 1 } else { rows(args, number_rows) };
    let records = StrArg::new(&args[0])?;
    let patterns = StrArg::new(&args[1])?;
    // The last pattern parsed, reused while the pattern column repeats it (always, for a
    // constant pattern).
    let mut current: Option<(String, Pattern)> = None;
    let mut b = BooleanBuilder::with_capacity(n);
    for i in 0..n {
        let (Some(record), Some(text)) = (records.get(i), patterns.get(i)) else {
            b.append_null();
            continue;
        };
        if !matches!(&current, Some((t, _)) if t == text) {
            current = Some((text.to_owned(), parse(text)?));
        }
        match &current {
            Some((_, pattern)) => b.append_value(matches(pattern, record)),
            None => b.append_null(),
        }
    }
    finish(Arc::new(b.finish()), scalar)
}

string_udf!(
    /// `filter_pattern_match(record_json, pattern)`
    FilterPatternMatch, name: "filter_pattern_match", aliases: ["matches_filter_pattern"], args: [2], returns: DataType::Boolean,
    doc: (DOC_SECTION, "Whether a CloudWatch Logs filter pattern (metric filter syntax: JSON, terms, regex or space-delimited) matches a record's JSON text, as a metric filter on the trail's log group would.", "SELECT eventtime, eventname FROM event_data_store WHERE filter_pattern_match(eventjson, '{ ($.eventName = ConsoleLogin) && ($.additionalEventData.MFAUsed != \"Yes\") }')"),
    invoke: invoke
);

pub(crate) fn udf() -> ScalarUDF {
    ScalarUDF::from(FilterPatternMatch::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::udf::test_util::call;

    const LOGIN: &str = r#"{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userIdentity":{"type":"IAMUser","userName":"alice"},"additionalEventData":{"MFAUsed":"No"},"responseElements":{"ConsoleLogin":"Success"}}"#;
    const STOP: &str = r#"{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","userIdentity":{"type":"Root"},"errorCode":"AccessDenied"}"#;

    #[test]
    fn json_term_and_null_cases() {
        let f = udf();
        let no_mfa = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#;
        let got = call(
            &f,
            &[
                vec![Some(LOGIN), Some(STOP), None, Some(LOGIN)],
                vec![Some(no_mfa), Some(no_mfa), Some(no_mfa), None],
            ],
        );
        assert_eq!(got, vec![Some("true".into()), Some("false".into()), None, None]);
        // CIS 3.3 (root usage) and an error pattern, and a term pattern on the message text.
        let root = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
        let got = call(&f, &[vec![Some(LOGIN), Some(STOP)], vec![Some(root), Some(root)]]);
        assert_eq!(
            got,
            vec![Some("false".into()), Some("false".into())],
            "eventType is missing: != is false"
        );
        let errors = r#"{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" }"#;
        let got = call(&f, &[vec![Some(LOGIN), Some(STOP)], vec![Some(errors), Some(errors)]]);
        assert_eq!(got, vec![Some("false".into()), Some("true".into())]);
        let term = "StopLogging";
        let got = call(&f, &[vec![Some(LOGIN), Some(STOP)], vec![Some(term), Some(term)]]);
        assert_eq!(got, vec![Some("false".into()), Some("true".into())]);
    }

    #[test]
    fn an_unreadable_pattern_is_an_error_that_says_where() {
        let args = vec![
            ColumnarValue::Array(Arc::new(arrow::array::StringArray::from(vec![Some(LOGIN)]))),
            ColumnarValue::Scalar(datafusion::common::ScalarValue::Utf8(Some("{ $.eventName = ".into()))),
        ];
        let err = invoke(&args, 1).unwrap_err().to_string();
        assert!(err.contains("cannot be read"), "{err}");
    }
}
