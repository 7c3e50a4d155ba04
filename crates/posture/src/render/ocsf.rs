//! OCSF 1.1 Compliance Finding (class 2003), one event per result, as a JSON array.
//! `compliance.status_code` carries the trailguard status verbatim.

use serde_json::{Value, json};
use trailguard_model::Timestamp;

use crate::audit::AuditReport;
use crate::check::{Severity, Status};
use crate::explain;

use super::{info, severity_label, uid};

fn severity_id(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// OCSF compliance status: 1 Pass, 2 Warning, 3 Fail, 99 Other.
fn compliance_status(s: Status) -> (u8, &'static str) {
    match s {
        Status::Pass => (1, "Pass"),
        Status::Fail => (3, "Fail"),
        Status::Manual => (2, "Warning"),
        Status::Error | Status::NotApplicable => (99, "Other"),
    }
}

pub(super) fn render(r: &AuditReport) -> String {
    let time = Timestamp::parse_rfc3339(&r.target.collected_at)
        .map(|t| t.millis())
        .unwrap_or(0);
    let events: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let i = info(f);
            let (cs_id, cs) = compliance_status(f.status);
            let mut resource = json!({
                "uid": f.resource.id,
                "type": f.resource.kind,
                "cloud_partition": r.target.partition,
            });
            if let Some(region) = &f.resource.region {
                resource["region"] = json!(region);
            }
            if let Some(a) = &f.resource.account {
                resource["owner"] = json!({"account": {"uid": a, "type": "AWS Account", "type_id": 10}});
            }
            if let Some(l) = &f.resource.location {
                resource["data"] = json!({"file": l.file, "line": l.line, "logical_id": l.logical_id});
            }
            json!({
                "class_uid": 2003,
                "class_name": "Compliance Finding",
                "category_uid": 2,
                "category_name": "Findings",
                "activity_id": 1,
                "activity_name": "Create",
                "type_uid": 200301,
                "type_name": "Compliance Finding: Create",
                "time": time,
                "severity_id": severity_id(f.severity),
                "severity": severity_label(f.severity),
                "status_id": 1,
                "status": "New",
                "message": f.reason,
                "metadata": {
                    "version": "1.1.0",
                    "product": {"name": "trailguard", "vendor_name": "trailguard", "version": env!("CARGO_PKG_VERSION")},
                    "event_code": f.check_id,
                },
                "finding_info": {
                    "uid": uid(f),
                    "title": i.map(|i| i.title).unwrap_or(""),
                    "desc": i.map(|i| i.doc.what).unwrap_or(""),
                    "types": ["CloudTrail posture"],
                    "created_time": time,
                },
                "compliance": {
                    "control": f.check_id,
                    "standards": i.map(|i| i.mappings).unwrap_or(&[]),
                    "requirements": i.map(|i| i.mappings).unwrap_or(&[]),
                    "status_id": cs_id,
                    "status": cs,
                    "status_code": f.status.as_str(),
                    "status_detail": f.reason,
                },
                "resources": [resource],
                "cloud": {
                    "provider": "AWS",
                    "account": f.resource.account.as_ref().map(|a| json!({"uid": a, "type": "AWS Account", "type_id": 10})),
                    "region": f.resource.region,
                },
                "remediation": i.map(|i| json!({
                    "desc": format!("{}\n{}", i.doc.fix, explain::remediation_cli(i, &r.options.cis_version)),
                    "references": i.doc.references,
                })),
                "unmapped": {"evidence": f.evidence, "check_name": i.map(|i| i.name)},
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&events).unwrap_or_default();
    s.push('\n');
    s
}
