//! Event listings: a table for people, CSV for spreadsheets, JSON lines (each record's own text,
//! lossless) for tools.

use trailguard_json::{escape_into, minify_into};
use trailguard_model::Event;

use crate::text::fit;

/// Output format of an event listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventFormat {
    /// Aligned columns.
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// One record per line: the record's JSON exactly as read, whitespace removed.
    JsonLines,
}

const TABLE_COLUMNS: [(&str, usize); 9] = [
    ("TIME", 20),
    ("ACCOUNT", 12),
    ("REGION", 14),
    ("SERVICE", 16),
    ("EVENT", 30),
    ("USER", 26),
    ("SOURCE IP", 15),
    ("ERROR", 20),
    ("EVENT ID", 36),
];

const CSV_COLUMNS: [&str; 19] = [
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "recipientAccountId",
    "userIdentity.type",
    "userIdentity.arn",
    "username",
    "userIdentity.accessKeyId",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "readOnly",
    "eventType",
    "eventCategory",
    "eventID",
    "resources",
    "sharedEventID",
];

impl EventFormat {
    /// The header, if the format has one.
    pub fn header(self) -> Option<String> {
        match self {
            EventFormat::Table => {
                let cols: Vec<String> = TABLE_COLUMNS.iter().map(|(n, w)| fit(n, *w)).collect();
                Some(format!("{}\n", cols.join("  ").trim_end()))
            }
            EventFormat::Csv => Some(format!("{}\r\n", CSV_COLUMNS.join(","))),
            EventFormat::JsonLines => None,
        }
    }

    /// Append one record, newline included.
    pub fn write(self, out: &mut Vec<u8>, ev: &Event<'_>) {
        match self {
            EventFormat::JsonLines => {
                minify_into(out, ev.raw.text().as_bytes());
                out.push(b'\n');
            }
            EventFormat::Table => {
                let service = ev.event_source.as_deref().unwrap_or("");
                let service = service.strip_suffix(".amazonaws.com").unwrap_or(service);
                let values = [
                    ev.event_time.as_ref(),
                    ev.account().unwrap_or("-"),
                    ev.aws_region.as_deref().unwrap_or("-"),
                    service,
                    ev.event_name.as_deref().unwrap_or("-"),
                    ev.lookup_username().or(ev.identity_type()).unwrap_or("-"),
                    ev.source_ip_address.as_deref().unwrap_or("-"),
                    ev.error_code.as_deref().unwrap_or(""),
                    ev.event_id.as_deref().unwrap_or("-"),
                ];
                let mut line = String::with_capacity(200);
                for (i, (v, (_, w))) in values.iter().zip(TABLE_COLUMNS).enumerate() {
                    if i > 0 {
                        line.push_str("  ");
                    }
                    line.push_str(&fit(&one_line(v), w));
                }
                out.extend_from_slice(line.trim_end().as_bytes());
                out.push(b'\n');
            }
            EventFormat::Csv => {
                let ui = ev.user_identity.as_ref();
                let resources: Vec<&str> = ev.resources.iter().filter_map(|r| r.arn.as_deref()).collect();
                let read_only = ev.read_only.map(|b| if b { "true" } else { "false" });
                let values = [
                    Some(ev.event_time.as_ref()),
                    ev.event_source.as_deref(),
                    ev.event_name.as_deref(),
                    ev.aws_region.as_deref(),
                    ev.recipient_account_id.as_deref(),
                    ev.identity_type(),
                    ui.and_then(|u| u.arn.as_deref()),
                    ev.lookup_username(),
                    ui.and_then(|u| u.access_key_id.as_deref()),
                    ev.source_ip_address.as_deref(),
                    ev.user_agent.as_deref(),
                    ev.error_code.as_deref(),
                    ev.error_message.as_deref(),
                    read_only,
                    ev.event_type.as_deref(),
                    ev.event_category.as_deref(),
                    ev.event_id.as_deref(),
                    Some(&*resources.join(";")),
                    ev.shared_event_id.as_deref(),
                ];
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    csv_field(out, v.unwrap_or(""));
                }
                out.extend_from_slice(b"\r\n");
            }
        }
    }
}

/// Control characters would break a table row: show them escaped.
fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        let mut out = String::new();
        escape_into(&mut out, s);
        std::borrow::Cow::Owned(out[1..out.len() - 1].to_owned())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn csv_field(out: &mut Vec<u8>, s: &str) {
    // A leading = + - @ would be run as a formula by spreadsheets (CSV injection): values from a
    // log are attacker-controlled, so such cells are quoted and prefixed with a quote mark.
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula || s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        if formula {
            out.push(b'\'');
        }
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailguard_model::decode_event_text;

    const EV: &str = "{\n  \"eventTime\": \"2024-05-01T09:00:00Z\",\n  \"eventSource\": \"s3.amazonaws.com\", \"eventName\": \"GetObject\",\n  \"userAgent\": \"=cmd|' /C calc'!A0\", \"errorMessage\": \"a, \\\"quoted\\\"\\nmessage\",\n  \"userIdentity\": {\"type\": \"IAMUser\", \"userName\": \"alice\"}, \"eventID\": \"e1\"\n}";

    #[test]
    fn json_lines_are_the_record_on_one_line() {
        let ev = decode_event_text(EV).unwrap();
        let mut out = Vec::new();
        EventFormat::JsonLines.write(&mut out, &ev);
        let line = String::from_utf8(out).unwrap();
        assert_eq!(line.matches('\n').count(), 1);
        let a: serde_json::Value = serde_json::from_str(&line).unwrap();
        let b: serde_json::Value = serde_json::from_str(EV).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let ev = decode_event_text(EV).unwrap();
        let mut out = Vec::new();
        EventFormat::Csv.write(&mut out, &ev);
        let row = String::from_utf8(out).unwrap();
        assert!(row.contains("\"'=cmd|' /C calc'!A0\""), "{row}");
        assert!(row.contains("\"a, \"\"quoted\"\"\nmessage\""), "{row}");
        assert!(row.ends_with("\r\n"));
        assert_eq!(EventFormat::Csv.header().unwrap().split(',').count(), CSV_COLUMNS.len());
    }

    #[test]
    fn table_rows_stay_on_one_line() {
        let ev = decode_event_text(EV).unwrap();
        let mut out = Vec::new();
        EventFormat::Table.write(&mut out, &ev);
        let row = String::from_utf8(out).unwrap();
        assert_eq!(row.matches('\n').count(), 1);
        assert!(row.starts_with("2024-05-01T09:00:00Z  -"), "{row}");
        assert!(row.contains("s3  "));
        assert!(row.contains("alice"));
    }
}
