//! Terminal text: problems grouped by severity, then the counts and the score.

use std::fmt::Write as _;

use crate::audit::AuditReport;
use crate::check::{Finding, Severity, Status};

use super::{RenderOptions, info};

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn status_code(s: Status) -> &'static str {
    match s {
        Status::Fail => "1;31",
        Status::Error => "1;35",
        Status::Manual => "1;33",
        Status::Pass => "32",
        Status::NotApplicable => "2",
    }
}

fn where_(f: &Finding) -> String {
    let mut parts = Vec::new();
    if let Some(l) = &f.resource.location {
        parts.push(format!("{}:{}", l.file, l.line));
    }
    if let Some(a) = &f.resource.account {
        parts.push(a.clone());
    }
    if let Some(r) = &f.resource.region {
        parts.push(r.clone());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

pub(super) fn render(r: &AuditReport, opts: &RenderOptions) -> String {
    let c = opts.color;
    let mut s = String::new();
    let what = match r.target.kind {
        crate::snapshot::SourceKind::Live => format!(
            "{} account{}",
            r.target.accounts.len(),
            if r.target.accounts.len() == 1 { "" } else { "s" }
        ),
        _ => r.target.path.clone().unwrap_or_default(),
    };
    let _ = writeln!(
        s,
        "{} {what} · read {} · CIS v{} alarms{} · retention target {} days\n",
        paint(c, "1", "trailguard audit"),
        r.target.collected_at,
        r.options.cis_version,
        if r.options.strict_exact { " (exact text)" } else { "" },
        r.options.retention_days
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
        group.sort_by_key(|f| (super::status_rank(f.status), f.check_id.clone()));
        let _ = writeln!(s, "{}", paint(c, "1", &sev.as_str().to_uppercase()));
        for f in group {
            let title = info(f).map(|i| i.title).unwrap_or("");
            let _ = writeln!(
                s,
                "  {:<6} {}  {}{}",
                paint(c, status_code(f.status), &format!("{:<6}", short(f.status))),
                f.check_id,
                f.resource.id,
                paint(c, "2", &where_(f))
            );
            let _ = writeln!(s, "         {}", paint(c, "2", title));
            let _ = writeln!(s, "         {}", f.reason);
            if opts.show_evidence {
                for e in &f.evidence {
                    let _ = writeln!(s, "           · {e}");
                }
            }
        }
        let _ = writeln!(s);
    }
    let count = |st| r.count(st);
    let _ = writeln!(
        s,
        "{} FAIL · {} ERROR · {} MANUAL · {} PASS · {} N/A   {} checks   score {}",
        paint(c, status_code(Status::Fail), &count(Status::Fail).to_string()),
        paint(c, status_code(Status::Error), &count(Status::Error).to_string()),
        paint(c, status_code(Status::Manual), &count(Status::Manual).to_string()),
        paint(c, status_code(Status::Pass), &count(Status::Pass).to_string()),
        count(Status::NotApplicable),
        r.checks.len(),
        paint(c, "1", &format!("{:.1}/100", r.summary.score))
    );
    if !r.summary.failed_by_severity.is_empty() {
        let by: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|sv| r.summary.failed_by_severity.get(sv).map(|n| format!("{n} {sv}")))
            .collect();
        let _ = writeln!(s, "failed: {}", by.join(", "));
    }
    if !opts.show_passed && count(Status::Pass) + count(Status::NotApplicable) > 0 {
        let _ = writeln!(
            s,
            "{}",
            paint(
                c,
                "2",
                "(passed and not-applicable results are hidden: --show-passed lists them; -v shows evidence)"
            )
        );
    }
    s
}

fn short(s: Status) -> &'static str {
    match s {
        Status::NotApplicable => "N/A",
        other => other.as_str(),
    }
}
