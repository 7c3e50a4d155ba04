//! The report as JSON: the findings enriched with each check's title, name, mappings and
//! remediation, so a consumer needs nothing else.

use serde_json::{Value, json};

use crate::audit::AuditReport;
use crate::explain;

use super::info;

pub(super) fn render(r: &AuditReport) -> String {
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let i = info(f);
            json!({
                "check_id": f.check_id,
                "name": i.map(|i| i.name),
                "title": i.map(|i| i.title),
                "status": f.status,
                "severity": f.severity,
                "resource": f.resource,
                "reason": f.reason,
                "evidence": f.evidence,
                "mappings": i.map(|i| i.mappings).unwrap_or(&[]),
                "remediation": i.map(|i| json!({
                    "text": i.doc.fix,
                    "cli": explain::remediation_cli(i, &r.options.cis_version),
                    "cloudformation": explain::remediation_cloudformation(i, &r.options.cis_version),
                })),
            })
        })
        .collect();
    let doc = json!({
        "schema": r.schema,
        "version": r.version,
        "tool": concat!("trailguard ", env!("CARGO_PKG_VERSION")),
        "target": r.target,
        "options": r.options,
        "checks": r.checks,
        "summary": r.summary,
        "findings": findings,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
