//! EventBridge event patterns: does a rule fire on every CloudTrail record of one API call?
//!
//! The question is asked of a synthetic "AWS API Call via CloudTrail" event that carries only
//! what every such call has (`source`, `detail-type`, `detail.eventSource`, `detail.eventName`).
//! A pattern that tests those fields decides the answer; a pattern that also tests fields the
//! synthetic event does not have (request parameters, a user) fires on some calls only and is
//! reported as [`RuleCoverage::Narrowed`].

use serde_json::{Map, Value};

/// The answer for one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleCoverage {
    /// The rule fires on every record of the call.
    Covers,
    /// It fires on some records only: it also tests these fields.
    Narrowed(Vec<String>),
    /// It never fires on the call.
    DoesNotCover,
}

/// Whether the pattern fires on every CloudTrail record of `event_name` from `event_source`
/// (`cloudtrail.amazonaws.com`).
pub fn covers_api_call(pattern: &str, event_source: &str, event_name: &str) -> Result<RuleCoverage, String> {
    let p: Value = serde_json::from_str(pattern).map_err(|e| format!("the event pattern is not JSON: {e}"))?;
    let service = event_source.strip_suffix(".amazonaws.com").unwrap_or(event_source);
    let event = serde_json::json!({
        "source": format!("aws.{service}"),
        "detail-type": "AWS API Call via CloudTrail",
        "detail": {"eventSource": event_source, "eventName": event_name},
    });
    let Some(obj) = p.as_object() else {
        return Err("the event pattern is not a JSON object".to_string());
    };
    let mut unknown = Vec::new();
    Ok(if object(obj, &event, "", &mut unknown, 0) {
        if unknown.is_empty() {
            RuleCoverage::Covers
        } else {
            RuleCoverage::Narrowed(unknown)
        }
    } else {
        RuleCoverage::DoesNotCover
    })
}

const MAX_DEPTH: usize = 32;

fn object(p: &Map<String, Value>, ev: &Value, path: &str, unknown: &mut Vec<String>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        unknown.push(format!("{path} (nested too deep)"));
        return true;
    }
    for (k, pv) in p {
        if k == "$or" {
            let Some(alts) = pv.as_array() else { return false };
            // The best alternative: one that covers, else one that narrows.
            let mut best: Option<Vec<String>> = None;
            for alt in alts {
                let Some(ao) = alt.as_object() else { continue };
                let mut u = Vec::new();
                if object(ao, ev, path, &mut u, depth + 1) && best.as_ref().is_none_or(|b| u.len() < b.len()) {
                    best = Some(u);
                }
            }
            match best {
                Some(u) => unknown.extend(u),
                None => return false,
            }
            continue;
        }
        let here = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match (pv, ev.get(k)) {
            (Value::Object(po), Some(ev_v)) => {
                if !object(po, ev_v, &here, unknown, depth + 1) {
                    return false;
                }
            }
            (Value::Object(_), None) => unknown.push(here),
            (Value::Array(alts), Some(Value::String(s))) => {
                if !alts.iter().any(|a| value_matches(a, s)) {
                    return false;
                }
            }
            (Value::Array(alts), None) => {
                let exists_false = alts
                    .iter()
                    .any(|a| a.get("exists").and_then(Value::as_bool) == Some(false));
                if !exists_false {
                    unknown.push(here);
                }
            }
            _ => return false,
        }
    }
    true
}

fn value_matches(rule: &Value, s: &str) -> bool {
    match rule {
        Value::String(r) => r == s,
        Value::Object(o) => {
            if let Some(v) = o.get("prefix") {
                return match v {
                    Value::String(p) => s.starts_with(p.as_str()),
                    Value::Object(io) => io
                        .get("equals-ignore-case")
                        .and_then(Value::as_str)
                        .is_some_and(|p| s.to_ascii_lowercase().starts_with(&p.to_ascii_lowercase())),
                    _ => false,
                };
            }
            if let Some(v) = o.get("suffix") {
                return match v {
                    Value::String(p) => s.ends_with(p.as_str()),
                    Value::Object(io) => io
                        .get("equals-ignore-case")
                        .and_then(Value::as_str)
                        .is_some_and(|p| s.to_ascii_lowercase().ends_with(&p.to_ascii_lowercase())),
                    _ => false,
                };
            }
            if let Some(v) = o.get("equals-ignore-case").and_then(Value::as_str) {
                return v.eq_ignore_ascii_case(s);
            }
            if let Some(v) = o.get("wildcard").and_then(Value::as_str) {
                return wildcard(v, s);
            }
            if let Some(v) = o.get("exists").and_then(Value::as_bool) {
                return v;
            }
            if let Some(v) = o.get("anything-but") {
                return match v {
                    Value::String(x) => x != s,
                    Value::Array(xs) => !xs.iter().any(|x| x.as_str() == Some(s)),
                    Value::Object(_) => !value_matches(v, s),
                    _ => true,
                };
            }
            false
        }
        _ => false,
    }
}

/// EventBridge `wildcard`: `*` matches any run (case-sensitive).
fn wildcard(p: &str, s: &str) -> bool {
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let p = r#"{"source":["aws.cloudtrail"],"detail-type":["AWS API Call via CloudTrail"],
                    "detail":{"eventSource":["cloudtrail.amazonaws.com"],"eventName":["StopLogging","PutEventSelectors"]}}"#;
        assert_eq!(
            covers_api_call(p, "cloudtrail.amazonaws.com", "PutEventSelectors"),
            Ok(RuleCoverage::Covers)
        );
        assert_eq!(
            covers_api_call(p, "cloudtrail.amazonaws.com", "DeleteTrail"),
            Ok(RuleCoverage::DoesNotCover)
        );
        assert_eq!(
            covers_api_call(p, "kms.amazonaws.com", "StopLogging"),
            Ok(RuleCoverage::DoesNotCover)
        );
        let prefix = r#"{"source":["aws.kms"],"detail":{"eventName":[{"prefix":"Disable"}]}}"#;
        assert_eq!(
            covers_api_call(prefix, "kms.amazonaws.com", "DisableKey"),
            Ok(RuleCoverage::Covers)
        );
        let narrowed = r#"{"source":["aws.s3"],"detail":{"eventName":["PutBucketPolicy"],"requestParameters":{"bucketName":["logs"]}}}"#;
        assert_eq!(
            covers_api_call(narrowed, "s3.amazonaws.com", "PutBucketPolicy"),
            Ok(RuleCoverage::Narrowed(vec!["detail.requestParameters".into()]))
        );
        let but = r#"{"source":["aws.cloudtrail"],"detail":{"eventName":[{"anything-but":["LookupEvents"]}]}}"#;
        assert_eq!(
            covers_api_call(but, "cloudtrail.amazonaws.com", "StopLogging"),
            Ok(RuleCoverage::Covers)
        );
        let or = r#"{"$or":[{"source":["aws.kms"]},{"source":["aws.cloudtrail"]}]}"#;
        assert_eq!(
            covers_api_call(or, "cloudtrail.amazonaws.com", "StopLogging"),
            Ok(RuleCoverage::Covers)
        );
        assert!(covers_api_call("[1]", "a", "b").is_err());
        assert!(covers_api_call("{", "a", "b").is_err());
        assert!(wildcard("Put*Policy", "PutBucketPolicy"));
        assert!(!wildcard("Put*Policy", "PutBucketAcl"));
    }
}
