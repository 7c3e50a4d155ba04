//! SARIF 2.1.0 for templates and plans: one rule per check, a result per failed (level by
//! severity) or to-be-reviewed (`kind: review`) resource, located at its file and line.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::audit::AuditReport;
use crate::check::{Severity, Status};
use crate::checks;
use crate::explain;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.0",
        Severity::High => "7.0",
        Severity::Medium => "4.0",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

pub(super) fn render(r: &AuditReport) -> String {
    let ran: BTreeSet<&str> = r.checks.iter().copied().collect();
    let rules: Vec<Value> = checks::REGISTRY
        .iter()
        .filter(|c| ran.contains(c.info.id))
        .map(|c| {
            let i = c.info;
            json!({
                "id": i.id,
                "name": i.name,
                "shortDescription": {"text": i.title},
                "fullDescription": {"text": i.doc.what},
                "help": {
                    "text": format!("{}\n\n{}\n\n{}", i.doc.why, i.doc.fix, explain::remediation_cloudformation(i, &r.options.cis_version)),
                    "markdown": format!("{}\n\n**Fix:** {}\n\n```yaml\n{}\n```", i.doc.why, i.doc.fix, explain::remediation_cloudformation(i, &r.options.cis_version)),
                },
                "helpUri": i.doc.references.first().copied().unwrap_or(""),
                "defaultConfiguration": {"level": level(i.severity)},
                "properties": {
                    "tags": i.mappings,
                    "security-severity": security_severity(i.severity),
                    "precision": "high",
                },
            })
        })
        .collect();
    let rule_index = |id: &str| rules.iter().position(|r| r["id"] == id).unwrap_or(0);
    let results: Vec<Value> = r
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Manual))
        .map(|f| {
            let mut res = json!({
                "ruleId": f.check_id,
                "ruleIndex": rule_index(&f.check_id),
                "message": {"text": f.reason},
                "partialFingerprints": {"trailguard/v1": super::uid(f)},
            });
            if f.status == Status::Manual {
                res["kind"] = json!("review");
                res["level"] = json!("none");
            } else {
                res["kind"] = json!("fail");
                res["level"] = json!(level(f.severity));
            }
            let loc = match &f.resource.location {
                Some(l) => json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": l.file},
                        "region": {"startLine": l.line.max(1), "startColumn": l.column.max(1)},
                    },
                    "logicalLocations": [{"name": if l.logical_id.is_empty() { &f.resource.id } else { &l.logical_id }, "kind": "resource"}],
                }),
                None => json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": r.target.path.clone().unwrap_or_default()},
                        "region": {"startLine": 1, "startColumn": 1},
                    },
                    "logicalLocations": [{"name": f.resource.id, "kind": "resource"}],
                }),
            };
            res["locations"] = json!([loc]);
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "trailguard",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/trailguard/trailguard",
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
