//! What a trail's event selectors log, decided field by field.
//!
//! Classic and advanced selectors are evaluated by what they select, never by their `Name`
//! (the console's "Management events selector" is free text). Within one trail the selectors
//! add up (CloudTrail logs an event when any selector matches it); across trails they do not —
//! the controls ask for one trail that logs everything.
//!
//! A trail that returns no selectors at all logs CloudTrail's default: all management events,
//! read and write.

use crate::snapshot::{AdvancedEventSelector, FieldSelector, Selectors};

/// Which management events a trail logs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Management {
    /// Read-only management events are logged (for every source not in `read_excluded`).
    pub read: bool,
    /// Write management events are logged (for every source not in `write_excluded`).
    pub write: bool,
    /// Event sources excluded from the read events (`ExcludeManagementEventSources`, or an
    /// `eventSource` `NotEquals` field selector).
    pub read_excluded: Vec<String>,
    /// Event sources excluded from the write events.
    pub write_excluded: Vec<String>,
    /// Selectors narrowed to some event sources only (described).
    pub narrowed: Vec<String>,
    /// How the verdict was reached, for the evidence.
    pub evidence: Vec<String>,
}

impl Management {
    /// Read and write management events of every source are logged.
    pub fn complete(&self) -> bool {
        self.read && self.write && self.read_excluded.is_empty() && self.write_excluded.is_empty()
    }

    /// Any management event is logged.
    pub fn any(&self) -> bool {
        self.read || self.write
    }

    /// What is missing, in words (empty when complete).
    pub fn gaps(&self) -> Vec<String> {
        let mut g = Vec::new();
        match (self.read, self.write) {
            (false, false) => g.push("no management events are logged".to_string()),
            (true, false) => g.push("write management events are not logged (read-only)".to_string()),
            (false, true) => g.push("read management events are not logged (write-only)".to_string()),
            (true, true) => {}
        }
        let mut ex: Vec<&String> = self.read_excluded.iter().chain(&self.write_excluded).collect();
        ex.sort();
        ex.dedup();
        if !ex.is_empty() {
            g.push(format!(
                "management events from {} are excluded",
                ex.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        g
    }
}

/// Which data events of one resource type a trail logs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Data {
    /// Read data events of every resource of the type.
    pub all_read: bool,
    /// Write data events of every resource of the type.
    pub all_write: bool,
    /// Selectors that log only some resources or some events (described).
    pub partial: Vec<String>,
}

/// Evaluate the management-event coverage of a trail's selectors.
pub fn management(sel: &Selectors) -> Management {
    let mut m = Management::default();
    if sel.classic.is_empty() && sel.advanced.is_empty() {
        m.read = true;
        m.write = true;
        m.evidence
            .push("no event selectors: CloudTrail's default logs all management events, read and write".into());
        return m;
    }
    // An exclusion holds only when every selector that logs those events excludes the source.
    let mut read_ex: Option<Vec<String>> = None;
    let mut write_ex: Option<Vec<String>> = None;
    let fold = |acc: &mut Option<Vec<String>>, ex: &[String]| {
        *acc = Some(match acc.take() {
            None => ex.to_vec(),
            Some(prev) => prev.into_iter().filter(|s| ex.contains(s)).collect(),
        });
    };
    for (i, s) in sel.classic.iter().enumerate() {
        if !s.include_management_events {
            m.evidence
                .push(format!("event selector #{}: IncludeManagementEvents = false", i + 1));
            continue;
        }
        let (r, w) = match s.read_write_type.as_str() {
            "ReadOnly" => (true, false),
            "WriteOnly" => (false, true),
            _ => (true, true),
        };
        m.evidence.push(format!(
            "event selector #{}: IncludeManagementEvents = true, ReadWriteType = {}{}",
            i + 1,
            s.read_write_type,
            if s.exclude_management_event_sources.is_empty() {
                String::new()
            } else {
                format!(
                    ", ExcludeManagementEventSources = [{}]",
                    s.exclude_management_event_sources.join(", ")
                )
            }
        ));
        if r {
            m.read = true;
            fold(&mut read_ex, &s.exclude_management_event_sources);
        }
        if w {
            m.write = true;
            fold(&mut write_ex, &s.exclude_management_event_sources);
        }
    }
    for (i, a) in sel.advanced.iter().enumerate() {
        let label = label(a, i);
        let Some(cat) = field(a, "eventCategory") else {
            m.evidence.push(format!("{label}: no eventCategory field selector"));
            continue;
        };
        if !equals_only(cat, "Management") {
            continue;
        }
        let (r, w, ro_text) = read_only(a);
        let mut excluded = Vec::new();
        let mut narrowed = false;
        for f in &a.field_selectors {
            match f.field.as_str() {
                "eventCategory" | "readOnly" => {}
                "eventSource" => {
                    if !f.equals.is_empty() || !f.starts_with.is_empty() || !f.ends_with.is_empty() {
                        narrowed = true;
                    }
                    excluded.extend(f.not_equals.iter().cloned());
                    if !f.not_starts_with.is_empty() || !f.not_ends_with.is_empty() {
                        excluded.extend(f.not_starts_with.iter().map(|p| format!("{p}*")));
                        excluded.extend(f.not_ends_with.iter().map(|p| format!("*{p}")));
                    }
                }
                _ => narrowed = true,
            }
        }
        m.evidence.push(format!(
            "{label}: eventCategory = Management, {ro_text}{}",
            describe_other_fields(a, &["eventCategory", "readOnly"])
        ));
        if narrowed {
            m.narrowed.push(format!("{label} selects only some management events"));
            continue;
        }
        if r {
            m.read = true;
            fold(&mut read_ex, &excluded);
        }
        if w {
            m.write = true;
            fold(&mut write_ex, &excluded);
        }
    }
    m.read_excluded = read_ex.unwrap_or_default();
    m.write_excluded = write_ex.unwrap_or_default();
    m
}

/// Evaluate the data-event coverage of `resource_type` (`AWS::S3::Object`,
/// `AWS::Lambda::Function`, …) for every resource of that type in `partition`.
pub fn data(sel: &Selectors, resource_type: &str, partition: &str) -> Data {
    let mut d = Data::default();
    let all_values = all_resource_values(resource_type, partition);
    for (i, s) in sel.classic.iter().enumerate() {
        for r in s.data_resources.iter().filter(|r| r.kind == resource_type) {
            let (rd, wr) = match s.read_write_type.as_str() {
                "ReadOnly" => (true, false),
                "WriteOnly" => (false, true),
                _ => (true, true),
            };
            if r.values.iter().any(|v| all_values.iter().any(|a| a == v)) {
                d.all_read |= rd;
                d.all_write |= wr;
            } else {
                d.partial.push(format!(
                    "event selector #{}: {} data events only for {}",
                    i + 1,
                    resource_type,
                    r.values.join(", ")
                ));
            }
        }
    }
    for (i, a) in sel.advanced.iter().enumerate() {
        let label = label(a, i);
        let Some(cat) = field(a, "eventCategory") else {
            continue;
        };
        if !equals_only(cat, "Data") {
            continue;
        }
        let Some(ty) = field(a, "resources.type") else {
            continue;
        };
        if !ty.equals.iter().any(|t| t == resource_type) || ty.not_equals.iter().any(|t| t == resource_type) {
            continue;
        }
        let (r, w, ro_text) = read_only(a);
        let mut narrowing = Vec::new();
        for f in &a.field_selectors {
            match f.field.as_str() {
                "eventCategory" | "resources.type" | "readOnly" => {}
                "resources.ARN" => {
                    let everything = f.not_equals.is_empty()
                        && f.not_starts_with.is_empty()
                        && f.not_ends_with.is_empty()
                        && f.equals.is_empty()
                        && f.ends_with.is_empty()
                        && f.starts_with.iter().any(|p| all_values.iter().any(|a| a == p));
                    if !everything {
                        narrowing.push(describe_field(f));
                    }
                }
                _ => narrowing.push(describe_field(f)),
            }
        }
        if narrowing.is_empty() {
            d.all_read |= r;
            d.all_write |= w;
        } else {
            d.partial.push(format!(
                "{label}: {resource_type} data events ({ro_text}) narrowed by {}",
                narrowing.join(", ")
            ));
        }
    }
    d
}

/// The selector values that mean "every resource of this type" in a partition.
fn all_resource_values(resource_type: &str, partition: &str) -> Vec<String> {
    match resource_type {
        "AWS::S3::Object" => vec![
            format!("arn:{partition}:s3"),
            format!("arn:{partition}:s3:"),
            format!("arn:{partition}:s3:::"),
            format!("arn:{partition}:s3:::*"),
            format!("arn:{partition}:s3:::*/*"),
        ],
        "AWS::Lambda::Function" => vec![format!("arn:{partition}:lambda"), format!("arn:{partition}:lambda:")],
        "AWS::DynamoDB::Table" => vec![
            format!("arn:{partition}:dynamodb"),
            format!("arn:{partition}:dynamodb:"),
        ],
        other => vec![format!(
            "arn:{partition}:{}",
            other.split("::").nth(1).unwrap_or("").to_ascii_lowercase()
        )],
    }
}

fn label(a: &AdvancedEventSelector, i: usize) -> String {
    match &a.name {
        Some(n) if !n.is_empty() => format!("advanced selector {n:?}"),
        _ => format!("advanced selector #{}", i + 1),
    }
}

fn field<'a>(a: &'a AdvancedEventSelector, name: &str) -> Option<&'a FieldSelector> {
    a.field_selectors.iter().find(|f| f.field == name)
}

/// The field selector selects exactly `value` (Equals contains it, nothing excludes it).
fn equals_only(f: &FieldSelector, value: &str) -> bool {
    f.equals.iter().any(|v| v == value) && !f.not_equals.iter().any(|v| v == value)
}

/// (read, write, description) from the `readOnly` field selector.
fn read_only(a: &AdvancedEventSelector) -> (bool, bool, String) {
    let Some(f) = field(a, "readOnly") else {
        return (true, true, "no readOnly field (read and write)".to_string());
    };
    let mut r = f.equals.iter().any(|v| v.eq_ignore_ascii_case("true"));
    let mut w = f.equals.iter().any(|v| v.eq_ignore_ascii_case("false"));
    if f.equals.is_empty() {
        r = !f.not_equals.iter().any(|v| v.eq_ignore_ascii_case("true"));
        w = !f.not_equals.iter().any(|v| v.eq_ignore_ascii_case("false"));
    }
    let what = match (r, w) {
        (true, true) => "read and write",
        (true, false) => "read-only events",
        (false, true) => "write-only events",
        (false, false) => "no events",
    };
    (r, w, format!("{} ({what})", describe_field(f)))
}

fn describe_field(f: &FieldSelector) -> String {
    let mut parts = Vec::new();
    for (op, vals) in [
        ("Equals", &f.equals),
        ("StartsWith", &f.starts_with),
        ("EndsWith", &f.ends_with),
        ("NotEquals", &f.not_equals),
        ("NotStartsWith", &f.not_starts_with),
        ("NotEndsWith", &f.not_ends_with),
    ] {
        if !vals.is_empty() {
            parts.push(format!("{op} [{}]", vals.join(", ")));
        }
    }
    format!("{} {}", f.field, parts.join(" "))
}

fn describe_other_fields(a: &AdvancedEventSelector, skip: &[&str]) -> String {
    let others: Vec<String> = a
        .field_selectors
        .iter()
        .filter(|f| !skip.contains(&f.field.as_str()))
        .map(describe_field)
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!(", {}", others.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{DataResource, EventSelector};

    fn fs(field: &str, equals: &[&str]) -> FieldSelector {
        FieldSelector {
            field: field.into(),
            equals: equals.iter().map(|s| s.to_string()).collect(),
            ..FieldSelector::default()
        }
    }

    fn adv(fields: Vec<FieldSelector>) -> AdvancedEventSelector {
        AdvancedEventSelector {
            name: Some("Management events selector".into()),
            field_selectors: fields,
        }
    }

    #[test]
    fn default_and_classic() {
        assert!(management(&Selectors::default()).complete());
        let sel = Selectors {
            classic: vec![EventSelector {
                read_write_type: "WriteOnly".into(),
                include_management_events: true,
                data_resources: vec![],
                exclude_management_event_sources: vec![],
            }],
            advanced: vec![],
        };
        let m = management(&sel);
        assert!(m.write && !m.read && !m.complete());
        let sel = Selectors {
            classic: vec![EventSelector {
                read_write_type: "All".into(),
                include_management_events: true,
                data_resources: vec![DataResource {
                    kind: "AWS::S3::Object".into(),
                    values: vec!["arn:aws:s3".into()],
                }],
                exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
            }],
            advanced: vec![],
        };
        let m = management(&sel);
        assert!(!m.complete());
        assert_eq!(
            m.gaps(),
            vec!["management events from kms.amazonaws.com are excluded".to_string()]
        );
        let d = data(&sel, "AWS::S3::Object", "aws");
        assert!(d.all_read && d.all_write);
    }

    #[test]
    fn advanced_read_only_is_honoured() {
        let sel = Selectors {
            classic: vec![],
            advanced: vec![adv(vec![
                fs("eventCategory", &["Management"]),
                fs("readOnly", &["true"]),
            ])],
        };
        let m = management(&sel);
        assert!(m.read && !m.write);
        // A name is never evidence.
        let sel = Selectors {
            classic: vec![],
            advanced: vec![AdvancedEventSelector {
                name: Some("anything".into()),
                field_selectors: vec![fs("eventCategory", &["Management"])],
            }],
        };
        assert!(management(&sel).complete());
        // KMS excluded through eventSource NotEquals.
        let mut src = fs("eventSource", &[]);
        src.not_equals = vec!["kms.amazonaws.com".into()];
        let sel = Selectors {
            classic: vec![],
            advanced: vec![adv(vec![fs("eventCategory", &["Management"]), src])],
        };
        assert!(!management(&sel).complete());
    }

    #[test]
    fn advanced_data_events() {
        let read_only = Selectors {
            classic: vec![],
            advanced: vec![adv(vec![
                fs("eventCategory", &["Data"]),
                fs("resources.type", &["AWS::S3::Object"]),
                fs("readOnly", &["true"]),
            ])],
        };
        let d = data(&read_only, "AWS::S3::Object", "aws");
        assert!(d.all_read && !d.all_write);
        let mut arn = fs("resources.ARN", &[]);
        arn.starts_with = vec!["arn:aws:s3:::one-bucket/".into()];
        let scoped = Selectors {
            classic: vec![],
            advanced: vec![adv(vec![
                fs("eventCategory", &["Data"]),
                fs("resources.type", &["AWS::S3::Object"]),
                arn,
            ])],
        };
        let d = data(&scoped, "AWS::S3::Object", "aws");
        assert!(!d.all_read && !d.all_write && d.partial.len() == 1);
        let mut all = fs("resources.ARN", &[]);
        all.starts_with = vec!["arn:aws:s3:::".into()];
        let everything = Selectors {
            classic: vec![],
            advanced: vec![adv(vec![
                fs("eventCategory", &["Data"]),
                fs("resources.type", &["AWS::S3::Object"]),
                all,
            ])],
        };
        let d = data(&everything, "AWS::S3::Object", "aws");
        assert!(d.all_read && d.all_write);
    }
}
