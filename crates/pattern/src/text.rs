//! The text a term, regex or space-delimited pattern is matched against, for a CloudTrail record.
//!
//! A trail with a CloudWatch Logs log group delivers each record as one log event whose message
//! is the record's JSON, written the way CloudTrail writes its S3 objects: compact, with no
//! whitespace between tokens, member order and string escapes as CloudTrail produced them.
//! trailguard's reader keeps each record's exact text; for records delivered by CloudTrail that
//! text already is the message. Records that went through other tools (pretty-printed exports,
//! hand-written test data) are compacted — whitespace outside strings removed, everything else
//! kept byte for byte — so that a term such as `"\"errorCode\":\"AccessDenied\""` finds the same
//! records whatever the input's layout.

use std::borrow::Cow;

use memchr::memchr3;

/// The log-event message CloudWatch Logs holds for a record with this JSON text: the text itself
/// when it is compact, else the text with the whitespace outside strings removed.
pub fn log_message(record_json: &str) -> Cow<'_, str> {
    match first_outside_whitespace(record_json.as_bytes()) {
        None => Cow::Borrowed(record_json),
        Some(at) => {
            let mut out = Vec::with_capacity(record_json.len());
            out.extend_from_slice(&record_json.as_bytes()[..at]);
            trailguard_json::minify_into(&mut out, &record_json.as_bytes()[at..]);
            // Removing ASCII whitespace between tokens keeps valid UTF-8.
            match String::from_utf8(out) {
                Ok(s) => Cow::Owned(s),
                Err(_) => Cow::Borrowed(record_json),
            }
        }
    }
}

/// The first byte of whitespace outside a string in JSON `text`, if any.
fn first_outside_whitespace(text: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b' ' | b'\n' | b'\r' | b'\t' => return Some(i),
            b'"' => {
                // Skip to the closing quote.
                i += 1;
                loop {
                    let off = memchr3(b'"', b'\\', b'\n', &text[i..])?;
                    i += off;
                    match text[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        // A raw newline cannot be inside a valid string; keep going.
                        _ => i += 1,
                    }
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_text_is_borrowed() {
        let t = r#"{"a":"x y","b":[1,2],"c":"q\" z"}"#;
        assert!(matches!(log_message(t), Cow::Borrowed(_)));
    }

    #[test]
    fn layout_is_removed() {
        let t = "{\n  \"a\": \"x y\",\n  \"b\": [1, 2],\t\"c\":\"q\\\" z\" }";
        assert_eq!(log_message(t), r#"{"a":"x y","b":[1,2],"c":"q\" z"}"#);
        let t = r#"{"a":"x",  "b":1}"#;
        assert_eq!(log_message(t), r#"{"a":"x","b":1}"#);
    }
}
