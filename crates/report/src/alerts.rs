//! Alerts from `trailguard detect`: a table for a person, JSON lines or one JSON document for a
//! machine, and OCSF Detection Findings (class 2004) for a SIEM.

use std::fmt::Write as _;

use serde_json::{Value, json};
use trailguard_detect::{Alert, Severity};

use crate::text::{Style, fit};

/// The table's header and one line per alert: time, severity, rule, principal, source IP, API,
/// account, region, and why.
pub fn table(alerts: &[Alert], style: Style) -> String {
    let mut o = String::new();
    if alerts.is_empty() {
        return o;
    }
    let _ = writeln!(
        o,
        "{}",
        style.bold(&format!(
            "{:<20}  {:<8}  {:<12}  {:<44}  {:<15}  {:<30}  {:<12}  {:<14}  {}",
            "TIME", "SEVERITY", "RULE", "PRINCIPAL", "SOURCE IP", "API", "ACCOUNT", "REGION", "WHY"
        ))
    );
    for a in alerts {
        let e = &a.event;
        let api = match (&e.event_source, &e.event_name) {
            (Some(s), Some(n)) => format!("{}:{n}", s.strip_suffix(".amazonaws.com").unwrap_or(s)),
            (None, Some(n)) => n.clone(),
            _ => "-".into(),
        };
        let sev = paint(style, a.severity, &format!("{:<8}", a.severity.as_str()));
        let _ = writeln!(
            o,
            "{:<20}  {sev}  {:<12}  {:<44}  {:<15}  {:<30}  {:<12}  {:<14}  {} — {}",
            a.time().to_rfc3339(),
            fit(&a.rule.id, 12),
            fit(e.principal.as_deref().unwrap_or("-"), 44),
            fit(e.source_ip.as_deref().unwrap_or("-"), 15),
            fit(&api, 30),
            fit(e.account.as_deref().unwrap_or("-"), 12),
            fit(e.region.as_deref().unwrap_or("-"), 14),
            a.rule.title,
            a.why(),
        );
    }
    o
}

fn paint(style: Style, s: Severity, text: &str) -> String {
    match s {
        Severity::Critical | Severity::High => style.red(text),
        Severity::Medium => style.yellow(text),
        Severity::Low | Severity::Info => style.dim(text),
    }
}

/// An alert as the JSON formats write it: the alert's fields, its time and the reasons in one
/// line.
#[derive(serde::Serialize)]
struct AlertOut<'a> {
    time: String,
    rule: &'a trailguard_detect::RuleRef,
    severity: Severity,
    event: &'a trailguard_detect::EventRef,
    reasons: &'a [trailguard_detect::Reason],
    window: &'a Option<trailguard_detect::Window>,
    why: String,
}

impl<'a> AlertOut<'a> {
    fn of(a: &'a Alert) -> AlertOut<'a> {
        AlertOut {
            time: a.time().to_rfc3339(),
            rule: &a.rule,
            severity: a.severity,
            event: &a.event,
            reasons: &a.reasons,
            window: &a.window,
            why: a.why(),
        }
    }
}

/// One alert as a JSON object (the `jsonl` and `json` formats).
pub fn alert_json(a: &Alert) -> Value {
    serde_json::to_value(AlertOut::of(a)).unwrap_or(Value::Null)
}

/// One alert per line (JSON lines), appended to `out`.
pub fn jsonl_into(alerts: &[Alert], out: &mut Vec<u8>) {
    for a in alerts {
        if serde_json::to_writer(&mut *out, &AlertOut::of(a)).is_ok() {
            out.push(b'\n');
        }
    }
}

/// One alert per line (JSON lines).
pub fn jsonl(alerts: &[Alert]) -> String {
    let mut o = Vec::new();
    jsonl_into(alerts, &mut o);
    String::from_utf8(o).unwrap_or_default()
}

/// What the JSON document says besides the alerts.
#[derive(Clone, Debug, Default)]
pub struct RunFacts {
    /// What was read.
    pub source: String,
    /// Records read.
    pub records: u64,
    /// Rules applied.
    pub rules: usize,
    /// Alerts per rule id (all, before `--min-severity`).
    pub counts: Vec<(String, u64)>,
}

/// The whole run as one JSON document.
pub fn json(alerts: &[Alert], facts: &RunFacts) -> String {
    let mut by_sev = serde_json::Map::new();
    for s in Severity::ALL.iter().rev() {
        let n = alerts.iter().filter(|a| a.severity == *s).count();
        by_sev.insert(s.as_str().into(), n.into());
    }
    let doc = json!({
        "schema": "trailguard.detect/v1",
        "source": facts.source,
        "records": facts.records,
        "rules": facts.rules,
        "alerts_by_severity": by_sev,
        "alerts_by_rule": facts.counts.iter().map(|(id, n)| json!({"rule": id, "count": n})).collect::<Vec<_>>(),
        "alerts": alerts.iter().map(alert_json).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// OCSF 1.1 Detection Finding (class 2004), one per line.
pub fn ocsf(alerts: &[Alert], product_version: &str) -> String {
    let mut o = String::new();
    for a in alerts {
        o.push_str(&ocsf_finding(a, product_version).to_string());
        o.push('\n');
    }
    o
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// One alert as an OCSF Detection Finding.
pub fn ocsf_finding(a: &Alert, product_version: &str) -> Value {
    let e = &a.event;
    let time = a.time().0;
    let first = a.window.as_ref().map_or(e.time.0, |w| w.first.0);
    let uid = format!(
        "{}:{}:{}",
        a.rule.id,
        e.id.as_deref().unwrap_or("-"),
        a.time().to_rfc3339()
    );
    let attacks: Vec<Value> = a
        .rule
        .mitre
        .iter()
        .filter(|t| t.starts_with('T') && !t.starts_with("TA"))
        .map(|t| json!({"technique": {"uid": t}, "version": "14"}))
        .collect();
    let mut evidence = json!({});
    if let Value::Object(m) = &mut evidence {
        if let Some(n) = &e.event_name {
            m.insert(
                "api".into(),
                json!({"operation": n, "service": {"name": e.event_source}}),
            );
        }
        if let Some(ip) = &e.source_ip {
            m.insert("src_endpoint".into(), json!({"ip": ip}));
        }
        if let Some(p) = &e.principal {
            m.insert("actor".into(), json!({"user": {"uid": p, "type": e.principal_type}}));
        }
        m.insert(
            "data".into(),
            json!({"event_uid": e.id, "why": a.why(), "window": a.window}),
        );
    }
    json!({
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": a.severity.ocsf_id(),
        "severity": severity_name(a.severity),
        "status_id": 1,
        "status": "New",
        "time": time,
        "message": format!("{}: {}", a.rule.title, a.why()),
        "finding_info": {
            "uid": uid,
            "title": a.rule.title,
            "desc": a.why(),
            "first_seen_time": first,
            "last_seen_time": time,
            "analytic": {
                "uid": a.rule.id,
                "name": a.rule.title,
                "type_id": 1,
                "type": "Rule",
                "category": a.rule.pack,
            },
            "attacks": attacks,
            "related_events": e.id.iter().map(|id| json!({"uid": id, "product_uid": "aws-cloudtrail"})).collect::<Vec<_>>(),
        },
        "cloud": {
            "provider": "AWS",
            "region": e.region,
            "account": {"uid": e.account, "type_id": 10, "type": "AWS Account"},
        },
        "evidences": [evidence],
        "metadata": {
            "version": "1.1.0",
            "product": {"name": "trailguard", "vendor_name": "trailguard", "version": product_version},
            "labels": a.rule.author.iter().map(|au| format!("author:{au}")).chain(a.rule.license.iter().map(|l| format!("license:{l}"))).collect::<Vec<_>>(),
        },
        "unmapped": {"rule_author": a.rule.author, "rule_license": a.rule.license},
    })
}
