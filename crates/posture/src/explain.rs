//! The reference of the checks, generated from the registry: `trailguard audit --list` and
//! `trailguard audit --explain ID` render the one doc template every check fills.

use std::fmt::Write as _;

use crate::check::CheckInfo;
use crate::checks::{REGISTRY, alarm};
use crate::cis;

/// The CLI remediation of a check; alarm checks get the pattern of `cis_version` filled in.
pub fn remediation_cli(info: &CheckInfo, cis_version: &str) -> String {
    fill(info, info.doc.cli, cis_version)
}

/// The CloudFormation remediation of a check, filled in like [`remediation_cli`].
pub fn remediation_cloudformation(info: &CheckInfo, cis_version: &str) -> String {
    fill(info, info.doc.cloudformation, cis_version)
}

fn fill(info: &CheckInfo, text: &str, cis_version: &str) -> String {
    match alarm::control_for(info.id) {
        Some(c) => {
            let pattern = c
                .patterns(cis_version)
                .first()
                .or_else(|| c.patterns(cis::DEFAULT_VERSION).first())
                .copied()
                .unwrap_or("");
            let metric = alarm::METRICS[usize::from(c.index) - 1];
            text.replace("{pattern}", pattern).replace("{metric}", metric)
        }
        None => text.to_string(),
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The full doc of one check.
pub fn explain(info: &CheckInfo, cis_version: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", info.id, info.name);
    let _ = writeln!(s, "{}", info.title);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Severity: {} · Scope: {} · {}",
        info.severity,
        info.scope.as_str(),
        if info.default_enabled {
            "runs by default"
        } else {
            "optional (run it with --select)"
        }
    );
    let _ = writeln!(s, "Mappings: {}", info.mappings.join(", "));
    let _ = writeln!(s, "\nWhat it checks\n{}", indent(info.doc.what, "  "));
    let _ = writeln!(s, "\nWhy it matters\n{}", indent(info.doc.why, "  "));
    let _ = writeln!(s, "\nExample (fails)\n{}", indent(info.doc.example, "  "));
    if let Some(c) = alarm::control_for(info.id) {
        let _ = writeln!(s, "\nPrescribed patterns");
        for v in cis::VERSIONS {
            let ps = c.patterns(v);
            if ps.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "  CIS v{v} {}{}:",
                c.section(v).unwrap_or_default(),
                if *v == cis_version { " (selected)" } else { "" }
            );
            for p in ps {
                let _ = writeln!(s, "    {p}");
            }
        }
        if let Some(sh) = cis::securityhub_pattern(c) {
            let _ = writeln!(
                s,
                "  Security Hub {} (exact text only):\n    {sh}",
                c.securityhub.unwrap_or("")
            );
        }
    }
    let _ = writeln!(s, "\nHow to fix\n{}", indent(info.doc.fix, "  "));
    let _ = writeln!(
        s,
        "\n  AWS CLI:\n{}",
        indent(&remediation_cli(info, cis_version), "    ")
    );
    let _ = writeln!(
        s,
        "\n  CloudFormation:\n{}",
        indent(&remediation_cloudformation(info, cis_version), "    ")
    );
    if !info.doc.references.is_empty() {
        let _ = writeln!(s, "\nReferences");
        for r in info.doc.references {
            let _ = writeln!(s, "  - {r}");
        }
    }
    s
}

/// One line per check: id, severity, default, name, title.
pub fn list() -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{:<7} {:<9} {:<8} {:<42} TITLE", "ID", "SEVERITY", "DEFAULT", "NAME");
    for r in REGISTRY {
        let i = r.info;
        let _ = writeln!(
            s,
            "{:<7} {:<9} {:<8} {:<42} {}",
            i.id,
            i.severity.as_str(),
            if i.default_enabled { "on" } else { "optional" },
            i.name,
            i.title
        );
    }
    let _ = writeln!(
        s,
        "\n{} checks. `trailguard audit --explain ID` shows what a check does, why, how to fix it and its compliance mappings.",
        REGISTRY.len()
    );
    s
}

/// Every check's metadata as JSON (for `--list --format json`).
pub fn list_json() -> serde_json::Value {
    serde_json::Value::Array(
        REGISTRY
            .iter()
            .map(|r| {
                let i = r.info;
                serde_json::json!({
                    "id": i.id,
                    "name": i.name,
                    "title": i.title,
                    "severity": i.severity,
                    "scope": i.scope,
                    "default_enabled": i.default_enabled,
                    "mappings": i.mappings,
                    "what": i.doc.what,
                    "why": i.doc.why,
                    "fix": i.doc.fix,
                    "remediation_cli": remediation_cli(i, cis::DEFAULT_VERSION),
                    "remediation_cloudformation": remediation_cloudformation(i, cis::DEFAULT_VERSION),
                    "references": i.doc.references,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::find;

    #[test]
    fn every_check_explains_itself() {
        for r in REGISTRY {
            let text = explain(r.info, cis::DEFAULT_VERSION);
            assert!(text.starts_with(r.info.id));
            for section in [
                "What it checks",
                "Why it matters",
                "Example (fails)",
                "How to fix",
                "AWS CLI:",
                "CloudFormation:",
            ] {
                assert!(text.contains(section), "{}: {section}", r.info.id);
            }
            assert!(
                !text.contains("{pattern}") && !text.contains("{metric}"),
                "{}",
                r.info.id
            );
        }
        let root = explain(find("CT-013").map(|r| r.info).unwrap(), "5.0.0");
        assert!(root.contains("$.userIdentity.type = \"Root\""));
        assert!(root.contains("RootAccountUsage"));
        assert!(list().lines().count() > 49);
    }
}
