//! A self-contained HTML report: inline CSS, no scripts, no external resources.

use std::fmt::Write as _;

use crate::audit::AuditReport;
use crate::check::{Finding, Severity, Status};
use crate::explain;

use super::{info, status_rank, xml_escape as esc};

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232b;background:#f6f7f9}\
header{background:#17202a;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#c5ccd4}\
main{padding:20px 32px;max-width:1280px}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:0 0 20px}\
.card{background:#fff;border-radius:8px;padding:12px 18px;box-shadow:0 1px 2px #0002;min-width:110px}.card b{display:block;font-size:24px}\
.score b{color:#17202a}h2{margin:28px 0 8px;font-size:17px;text-transform:uppercase;letter-spacing:.04em}\
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0002}\
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #e4e7eb;vertical-align:top}th{background:#eef1f4;font-weight:600}\
.st{font-weight:700;font-size:12px;padding:2px 6px;border-radius:4px;white-space:nowrap}\
.FAIL{background:#fde2e1;color:#a4161a}.ERROR{background:#f3e1f7;color:#7b1fa2}.MANUAL{background:#fff3cd;color:#7a5a00}\
.PASS{background:#e3f4e4;color:#1b6b2a}.NOT_APPLICABLE{background:#eceff1;color:#546e7a}\
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}pre{background:#f3f4f6;padding:8px;overflow:auto;white-space:pre-wrap}\
details summary{cursor:pointer;color:#355c9a}.muted{color:#6b7480}.map{font-size:11px;color:#6b7480}";

pub(super) fn render(r: &AuditReport) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>trailguard audit</title><style>{CSS}</style></head><body>\n"
    );
    let target = match &r.target.path {
        Some(p) => esc(p),
        None => format!("accounts {}", esc(&r.target.accounts.join(", "))),
    };
    let _ = writeln!(
        s,
        "<header><h1>trailguard audit</h1><p>{target} · read {} · CIS v{} · retention target {} days · {} checks</p></header><main>",
        esc(&r.target.collected_at),
        esc(&r.options.cis_version),
        r.options.retention_days,
        r.checks.len()
    );
    let _ = write!(
        s,
        "<div class=\"cards\"><div class=\"card score\"><b>{:.1}</b>score / 100</div>",
        r.summary.score
    );
    for st in Status::ALL {
        let _ = write!(
            s,
            "<div class=\"card\"><b>{}</b><span class=\"st {}\">{}</span></div>",
            r.count(st),
            st.as_str(),
            st.as_str()
        );
    }
    s.push_str("</div>\n");
    for sev in Severity::ALL {
        let mut group: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if group.is_empty() {
            continue;
        }
        group.sort_by_key(|f| (status_rank(f.status), f.check_id.clone()));
        let _ = writeln!(
            s,
            "<h2>{} <span class=\"muted\">({} failed of {})</span></h2>",
            sev.as_str(),
            group.iter().filter(|f| f.status == Status::Fail).count(),
            group.len()
        );
        s.push_str(
            "<table><thead><tr><th>Status</th><th>Check</th><th>Resource</th><th>Reason</th></tr></thead><tbody>\n",
        );
        for f in group {
            let i = info(f);
            let loc = f
                .resource
                .location
                .as_ref()
                .map(|l| format!("<br><span class=\"muted\">{}:{}</span>", esc(&l.file), l.line))
                .unwrap_or_default();
            let place: Vec<&str> = [f.resource.account.as_deref(), f.resource.region.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            let _ = write!(
                s,
                "<tr><td><span class=\"st {}\">{}</span></td><td><b>{}</b> {}<br><span class=\"map\">{}</span></td><td><code>{}</code><br><span class=\"muted\">{}</span>{loc}</td><td>{}",
                f.status.as_str(),
                f.status.as_str(),
                esc(&f.check_id),
                esc(i.map(|i| i.title).unwrap_or("")),
                esc(&i.map(|i| i.mappings.join(" · ")).unwrap_or_default()),
                esc(&f.resource.id),
                esc(&place.join(" · ")),
                esc(&f.reason)
            );
            if !f.evidence.is_empty() {
                s.push_str("<details><summary>evidence</summary><ul>");
                for e in &f.evidence {
                    let _ = write!(s, "<li>{}</li>", esc(e));
                }
                s.push_str("</ul></details>");
            }
            if let (Some(i), Status::Fail) = (i, f.status) {
                let _ = write!(
                    s,
                    "<details><summary>fix</summary><p>{}</p><pre>{}</pre><pre>{}</pre></details>",
                    esc(i.doc.fix),
                    esc(&explain::remediation_cli(i, &r.options.cis_version)),
                    esc(&explain::remediation_cloudformation(i, &r.options.cis_version))
                );
            }
            s.push_str("</td></tr>\n");
        }
        s.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        s,
        "<p class=\"muted\">trailguard {}</p></main></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    s
}
