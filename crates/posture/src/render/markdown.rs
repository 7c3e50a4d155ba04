//! Markdown: a summary and a table of results per severity.

use std::fmt::Write as _;

use crate::audit::AuditReport;
use crate::check::{Finding, Severity, Status};

use super::{RenderOptions, info, status_rank};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub(super) fn render(r: &AuditReport, opts: &RenderOptions) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# trailguard audit\n");
    let _ = writeln!(
        s,
        "Read {} · CIS v{} · retention target {} days · score **{:.1}/100**\n",
        r.target.collected_at, r.options.cis_version, r.options.retention_days, r.summary.score
    );
    let _ = writeln!(s, "| FAIL | ERROR | MANUAL | PASS | N/A |\n|---|---|---|---|---|");
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} |\n",
        r.count(Status::Fail),
        r.count(Status::Error),
        r.count(Status::Manual),
        r.count(Status::Pass),
        r.count(Status::NotApplicable)
    );
    for sev in Severity::ALL {
        let mut group: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| {
                f.severity == sev
                    && (opts.show_passed || matches!(f.status, Status::Fail | Status::Error | Status::Manual))
            })
            .collect();
        if group.is_empty() {
            continue;
        }
        group.sort_by_key(|f| (status_rank(f.status), f.check_id.clone()));
        let _ = writeln!(
            s,
            "## {}\n\n| Status | Check | Resource | Reason |\n|---|---|---|---|",
            sev.as_str()
        );
        for f in group {
            let _ = writeln!(
                s,
                "| {} | {} {} | `{}` | {} |",
                f.status,
                f.check_id,
                cell(info(f).map(|i| i.title).unwrap_or("")),
                cell(&f.resource.id),
                cell(&f.reason)
            );
        }
        s.push('\n');
    }
    s
}
