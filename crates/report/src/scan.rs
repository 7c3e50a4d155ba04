//! The scan report: what a person needs to act on first, then the detail.

use std::fmt::Write as _;

use trailguard_read::Severity;
use trailguard_scan::insights::{InsightType, InsightsSummary, render};
use trailguard_scan::{Ranked, ScanReport};

use crate::text::{Style, bytes, fit, percent, thousands};

/// The report as JSON (pretty-printed), newline included.
pub fn json(report: &ScanReport) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// The report as text for a terminal.
pub fn text(report: &ScanReport, style: Style) -> String {
    let mut o = String::new();
    let s = &report.summary;
    let f = &report.files;
    let _ = writeln!(
        o,
        "{} {}",
        style.bold("trailguard scan"),
        style.dim(&format!("— {}", report.source))
    );
    let _ = writeln!(o);
    integrity(&mut o, style, report);

    // Input.
    let mut what = vec![format!("{} files", thousands(f.read))];
    let mut kinds = Vec::new();
    if f.logs > 0 {
        kinds.push(format!("{} logs", thousands(f.logs)));
    }
    if f.digests > 0 {
        kinds.push(format!("{} digests", thousands(f.digests)));
    }
    if f.insights > 0 {
        kinds.push(format!("{} Insights", thousands(f.insights)));
    }
    if !kinds.is_empty() {
        what[0] = format!("{} ({})", what[0], kinds.join(", "));
    }
    what.push(format!(
        "{} stored, {} of JSON",
        bytes(f.stored_bytes),
        bytes(f.text_bytes)
    ));
    line(&mut o, style, "Input", &what.join(" · "));
    if f.ignored.total() > 0 {
        let i = &f.ignored;
        let mut parts = Vec::new();
        for (n, why) in [
            (i.hidden, "hidden"),
            (i.not_json, "not JSON by name"),
            (i.other_service, "other AWS services' logs"),
            (i.dir_links, "links to folders"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {why}"));
            }
        }
        line(&mut o, style, "Left out", &style.dim(&parts.join(", ")));
    }
    let accounts = s.accounts.len();
    let regions = s.regions.len();
    line(
        &mut o,
        style,
        "Scope",
        &format!(
            "{} account{} · {} region{}",
            accounts,
            plural(accounts),
            regions,
            plural(regions)
        ),
    );
    if let (Some(a), Some(b)) = (&s.first_event, &s.last_event) {
        line(&mut o, style, "Time span", &format!("{a} → {b}"));
    }
    let mut ev = thousands(s.events);
    let classes: Vec<String> = s
        .by_class
        .iter()
        .map(|(k, v)| format!("{} {}", k.to_lowercase(), thousands(*v)))
        .collect();
    if !classes.is_empty() {
        let _ = write!(ev, " ({})", classes.join(" · "));
    }
    if s.read_only + s.write > 0 {
        let _ = write!(ev, " · {} write", percent(s.write, s.read_only + s.write));
    }
    line(&mut o, style, "Events", &ev);
    let err = format!("{} ({} of events)", thousands(s.errors), percent(s.errors, s.events));
    line(&mut o, style, "Errors", &err);
    if let Some(ins) = &report.insights {
        line(&mut o, style, "Insights", &insights_line(ins, style));
    }
    let sk = &report.skipped;
    if sk.skips == 0 && sk.warnings == 0 {
        line(&mut o, style, "Skipped", &style.green("nothing"));
    } else {
        let mut parts = Vec::new();
        if sk.records > 0 {
            parts.push(format!(
                "{} record{}",
                thousands(sk.records),
                plural(sk.records as usize)
            ));
        }
        if sk.incomplete_files > 0 {
            parts.push(format!(
                "{} file{} not read to the end",
                sk.incomplete_files,
                plural(sk.incomplete_files as usize)
            ));
        }
        let other = sk.skips.saturating_sub(sk.records);
        if parts.is_empty() && other > 0 {
            parts.push(format!("{other} input problem{}", plural(other as usize)));
        }
        if sk.warnings > 0 {
            parts.push(format!(
                "{} warning{}",
                thousands(sk.warnings),
                plural(sk.warnings as usize)
            ));
        }
        let text = parts.join(" · ");
        let text = if sk.skips > 0 {
            style.red(&text)
        } else {
            style.yellow(&text)
        };
        line(
            &mut o,
            style,
            "Skipped",
            &format!("{text} {}", style.dim("(details below)")),
        );
    }

    // Attention.
    let mut notes = Vec::new();
    if s.root.events > 0 {
        let first = s.root.first.first();
        notes.push(format!(
            "Root credentials used: {} event{}{}",
            thousands(s.root.events),
            plural(s.root.events as usize),
            first.map_or(String::new(), |e| format!(
                " (first: {} {} from {})",
                e.time, e.event_name, e.source_ip
            ))
        ));
    }
    let cl = &s.console_logins;
    if cl.failure > 0 {
        let top = cl.failures_by_ip.first();
        notes.push(format!(
            "Failed console sign-ins: {}{}",
            thousands(cl.failure),
            top.map_or(String::new(), |t| format!(" ({} from {})", t.count, t.key))
        ));
    }
    if cl.without_mfa > 0 {
        notes.push(format!("Console sign-ins without MFA: {}", thousands(cl.without_mfa)));
    }
    if !notes.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.bold("Attention"));
        for n in notes {
            let _ = writeln!(o, "  {} {n}", style.red("!"));
        }
    }

    if let Some(d) = &report.detection {
        detection(&mut o, style, d);
    }

    // Detail.
    ranking(
        &mut o,
        style,
        "Top principals",
        &s.top_principals,
        s.events,
        s.distinct_principals,
    );
    ranking(&mut o, style, "Top API calls", &s.top_apis, s.events, s.distinct_apis);
    if !s.top_error_codes.is_empty() {
        ranking(
            &mut o,
            style,
            "Top error codes",
            &s.top_error_codes,
            s.errors,
            s.top_error_codes.len() as u64,
        );
    }
    ranking(
        &mut o,
        style,
        "Top source addresses",
        &s.top_source_ips,
        s.events,
        s.distinct_source_ips,
    );
    let top = s.top_principals.len().max(s.top_apis.len()).max(1);
    ranking(
        &mut o,
        style,
        "Accounts",
        cap(&s.accounts, top),
        s.events,
        s.accounts.len() as u64,
    );
    ranking(
        &mut o,
        style,
        "Regions",
        cap(&s.regions, top),
        s.events,
        s.regions.len() as u64,
    );
    ranking(
        &mut o,
        style,
        "Identity types",
        cap(&s.identity_types, top),
        s.events,
        s.identity_types.len() as u64,
    );
    if cl.success + cl.failure > 0 {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.bold("Console sign-ins"));
        let _ = writeln!(
            o,
            "  {} successful ({} without MFA) · {} failed",
            thousands(cl.success),
            thousands(cl.without_mfa),
            thousands(cl.failure)
        );
        for e in &cl.first_failures {
            let _ = writeln!(
                o,
                "  {}  {}  {}  {}",
                e.time,
                fit(&e.source_ip, 15),
                e.principal,
                style.dim(&e.event_id)
            );
        }
    }
    if !s.root.first.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.bold("Root activity"));
        for e in &s.root.first {
            let _ = writeln!(
                o,
                "  {}  {}  {}  {}{}",
                e.time,
                fit(&e.event_name, 24),
                fit(&e.source_ip, 15),
                style.dim(&e.event_id),
                e.error_code.as_deref().map_or(String::new(), |c| format!("  {c}"))
            );
        }
    }

    if let Some(ins) = &report.insights {
        insights_section(&mut o, ins, style);
    }

    // Issues.
    if !sk.groups.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.bold("Input problems"));
        for g in &sk.groups {
            let tag = match g.severity {
                Some(Severity::Skip) => style.red("skip"),
                _ => style.yellow("warn"),
            };
            let _ = writeln!(o, "  {tag} {} × {}", g.code, thousands(g.count));
            for e in &g.examples {
                let _ = writeln!(o, "       {e}");
            }
            if g.count > g.examples.len() as u64 {
                let _ = writeln!(
                    o,
                    "       {}",
                    style.dim(&format!("… and {} more", g.count - g.examples.len() as u64))
                );
            }
        }
    }
    o
}

/// The one-line verdict of the anomaly detector.
fn insights_line(ins: &InsightsSummary, style: Style) -> String {
    let c = &ins.counts;
    let what = format!(
        "{} write call{} and {} error{} over {} API series",
        thousands(c.calls),
        plural(c.calls as usize),
        thousands(c.errors),
        plural(c.errors as usize),
        thousands(ins.call_rate_series + ins.error_rate_series)
    );
    let n = ins.anomalies.len();
    let mut text = if n == 0 {
        let span = match (&ins.first, &ins.last) {
            (Some(a), Some(b)) => trailguard_model::Timestamp::parse_rfc3339(b)
                .ok()
                .zip(trailguard_model::Timestamp::parse_rfc3339(a).ok())
                .map(|(b, a)| (b.secs() - a.secs()) / 60),
            _ => None,
        };
        match span {
            Some(m) if m < i64::from(ins.min_history_minutes) => format!(
                "{} — {what}; a baseline needs {} h of history, the input spans {:.1} h",
                style.green("none"),
                ins.min_history_minutes / 60,
                m as f64 / 60.0
            ),
            _ => format!("{} — {what}", style.green("none")),
        }
    } else {
        let calls = ins
            .anomalies
            .iter()
            .filter(|i| i.key.insight_type == InsightType::ApiCallRateInsight)
            .count();
        style.yellow(&format!(
            "{n} anomal{} ({calls} call rate, {} error rate) in {what}",
            if n == 1 { "y" } else { "ies" },
            n - calls
        ))
    };
    if !ins.aws.is_empty() {
        let found = ins.comparison.as_ref().map_or(0, |c| c.matched.len());
        let _ = write!(text, " · CloudTrail's own: {} ({found} also found)", ins.aws.len());
    }
    text
}

/// The anomalies, one per line, and CloudTrail's own Insights.
fn insights_section(o: &mut String, ins: &InsightsSummary, style: Style) {
    if ins.anomalies.is_empty() && ins.aws.is_empty() {
        return;
    }
    if !ins.anomalies.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}{}",
            style.bold("Insights"),
            style.dim(" (API call and error rates far above their baseline; `trailguard insights` for the records)")
        );
        for i in &ins.anomalies {
            let k = &i.key;
            let mut api = k.api();
            if let Some(c) = &k.error_code {
                let _ = write!(api, " [{c}]");
            }
            let open = if i.end.is_none() { "+" } else { "" };
            let _ = writeln!(
                o,
                "  {}  {:>6}  {}  {}  {} {}  {}/min, expected {} (baseline {})  {}",
                i.start.to_rfc3339(),
                format!("{}m{open}", i.insight.duration),
                fit(k.insight_type.label(), 10),
                fit(&api, 34),
                k.account,
                fit(&k.region, 14),
                render::rate(i.insight.average),
                render::rate(i.expected),
                render::rate(i.baseline.average),
                style.dim(render::top_value(i, "userIdentityArn").unwrap_or("-")),
            );
        }
    }
    if !ins.aws.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.bold("CloudTrail Insights in the input"));
        for a in &ins.aws {
            let service = a.event_source.strip_suffix(".amazonaws.com").unwrap_or(&a.event_source);
            let found = ins
                .comparison
                .as_ref()
                .is_some_and(|c| c.matched.iter().any(|(x, _)| x.shared_event_id == a.shared_event_id));
            let _ = writeln!(
                o,
                "  {}  {}  {}:{}  {} {}  {}",
                a.start.to_rfc3339(),
                fit(&a.insight_type, 19),
                service,
                a.event_name,
                a.account,
                a.region,
                if found {
                    style.green("also found by trailguard")
                } else {
                    style.yellow("not found by trailguard")
                }
            );
        }
    }
}

fn cap(items: &[Ranked], n: usize) -> &[Ranked] {
    &items[..items.len().min(n)]
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn line(o: &mut String, style: Style, label: &str, value: &str) {
    let _ = writeln!(o, "{} {value}", style.bold(&fit(label, 12)));
}

fn ranking(o: &mut String, style: Style, title: &str, items: &[Ranked], total: u64, distinct: u64) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(o);
    let shown = items.len() as u64;
    let more = if distinct > shown {
        format!(" (top {shown} of {})", thousands(distinct))
    } else {
        String::new()
    };
    let _ = writeln!(o, "{}{}", style.bold(title), style.dim(&more));
    let width = items.iter().map(|r| thousands(r.count).len()).max().unwrap_or(1);
    for r in items {
        let _ = writeln!(
            o,
            "  {:>width$}  {:>6}  {}",
            thousands(r.count),
            percent(r.count, total),
            r.key
        );
    }
}

/// Detection: alerts by severity, then each rule that fired with its first alert.
fn detection(o: &mut String, style: Style, d: &trailguard_scan::DetectionReport) {
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", style.bold("Detection"));
    if d.alerts == 0 {
        let _ = writeln!(o, "  {} no alerts from {} rules", style.green("✓"), d.rules);
        return;
    }
    let sev: Vec<String> = d
        .by_severity
        .iter()
        .map(|(s, n)| format!("{} {}", thousands(*n), s.as_str()))
        .collect();
    let _ = writeln!(
        o,
        "  {} alert{} from {} rules: {}",
        thousands(d.alerts),
        plural(d.alerts as usize),
        d.rules,
        sev.join(" · ")
    );
    for r in &d.by_rule {
        let label = format!("{:<8}", r.severity.as_str());
        let label = match r.severity {
            trailguard_detect::Severity::Critical | trailguard_detect::Severity::High => style.red(&label),
            trailguard_detect::Severity::Medium => style.yellow(&label),
            _ => style.dim(&label),
        };
        let first = r.examples.first().map_or(String::new(), |a| {
            format!(
                " {}",
                style.dim(&format!(
                    "(first: {} {} by {})",
                    a.time().to_rfc3339(),
                    a.event.event_name.as_deref().unwrap_or("-"),
                    a.event.principal.as_deref().unwrap_or("-")
                ))
            )
        });
        let _ = writeln!(
            o,
            "  {label} {:>6}  {:<12} {}{first}",
            thousands(r.count),
            r.rule,
            r.title
        );
    }
}

/// How many findings the scan lists under its integrity verdict (`trailguard verify` lists all).
pub const INTEGRITY_FINDINGS: usize = 5;

/// The digest chains' verdict, first: whether the logs read can be trusted at all.
fn integrity(o: &mut String, style: Style, report: &ScanReport) {
    let Some(i) = &report.integrity else {
        let f = &report.files;
        if f.digests > 0 {
            line(o, style, "Integrity", &style.yellow("not verified (--no-verify)"));
        } else if f.logs > 0 {
            line(
                o,
                style,
                "Integrity",
                &style.yellow(
                    "not verified — no digest files in the source (log file validation off, or the CloudTrail-Digest folders were not copied)",
                ),
            );
        }
        return;
    };
    let r = &i.report;
    line(o, style, "Integrity", &crate::verify::verdict(r, style));
    let t = &r.totals;
    line(o, style, "  digests", &crate::verify::digest_counts(&t.digests, style));
    line(o, style, "  logs", &crate::verify::log_counts(&t.logs, style));
    line(
        o,
        style,
        "  keys",
        &format!("{} public keys, {}", r.keys.usable, i.public_keys),
    );
    for n in &i.notes {
        line(o, style, "  note", &style.yellow(n));
    }
    let worth: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity != trailguard_verify::Severity::Info)
        .collect();
    for f in worth.iter().take(INTEGRITY_FINDINGS) {
        crate::verify::finding_line(o, f, style);
    }
    if worth.len() > INTEGRITY_FINDINGS {
        let _ = writeln!(
            o,
            "  {}",
            style.dim(&format!(
                "… {} more findings: trailguard verify {} lists them all",
                worth.len() - INTEGRITY_FINDINGS,
                report.source
            ))
        );
    }
}
