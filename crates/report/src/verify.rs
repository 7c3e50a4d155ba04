//! The verify report: the verdict first, a line per account and region, then the findings
//! worst first (a few per kind; JSON lists them all).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use trailguard_verify::report::{AreaReport, DigestCounts, LogCounts, Severity, Verdict};
use trailguard_verify::{Finding, Report};

use crate::text::{Style, fit, thousands};

/// Where a run's inputs came from (the CLI fills it in; printed above the report).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Context {
    /// The source argument.
    pub source: String,
    /// `s3` (read with the AWS SDK), `local` (a synced copy) or `scan` (the shared pass).
    pub mode: String,
    /// Where the public keys came from.
    pub public_keys: String,
    /// Where digest signatures came from, besides successors.
    pub signatures: String,
    /// Notes for the reader (keys taken from inside the source, …).
    pub notes: Vec<String>,
}

/// The document `--format json` prints.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    context: &'a Context,
    #[serde(flatten)]
    report: &'a Report,
}

/// The report as JSON (pretty-printed), newline included.
pub fn json(report: &Report, context: &Context) -> String {
    let doc = Document { context, report };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// How many findings of each kind the text lists (`-v`: all).
pub const EXAMPLES_PER_KIND: usize = 8;

/// The report as text.
pub fn text(report: &Report, context: &Context, style: Style, all_findings: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {}",
        style.bold("trailguard verify"),
        style.dim(&format!("— {} ({})", context.source, context.mode))
    );
    let _ = writeln!(o);
    let range = match (report.start, report.end) {
        (None, None) => "everything in the source".to_owned(),
        (s, e) => format!(
            "{} → {}",
            s.map_or("…".into(), |t| t.to_string()),
            e.map_or("…".into(), |t| t.to_string())
        ),
    };
    line(&mut o, style, "Range", &range);
    if let Some(u) = report.expected_until {
        let how = if report.expected_until_given {
            "given"
        } else {
            "the newest log delivery seen; pass --now for a copy of a trail still logging"
        };
        line(&mut o, style, "Expected", &format!("digests until {u} ({how})"));
    }
    line(
        &mut o,
        style,
        "Keys",
        &format!("{} public keys, {}", report.keys.usable, context.public_keys),
    );
    line(&mut o, style, "Signatures", &context.signatures);
    for n in &context.notes {
        line(&mut o, style, "Note", &style.yellow(n));
    }
    let t = &report.totals;
    line(&mut o, style, "Digests", &digest_counts(&t.digests, style));
    line(&mut o, style, "Logs", &log_counts(&t.logs, style));
    line(&mut o, style, "Verdict", &verdict(report, style));
    let _ = writeln!(o);

    if !report.areas.is_empty() {
        let _ = writeln!(o, "{}", style.bold("By account and region"));
        let _ = writeln!(
            o,
            "  {} {} {} logs",
            fit("account", 12),
            fit("region", 15),
            fit("digests", 34),
        );
        for a in &report.areas {
            area_line(&mut o, a, style);
        }
        let _ = writeln!(o);
    }

    let gaps: Vec<String> = report
        .findings
        .iter()
        .filter_map(|f| match &f.kind {
            trailguard_verify::FindingKind::LoggingGap { from, to, .. } => Some(format!(
                "{} {}: {from} → {to} (logging or validation off)",
                f.account.as_deref().unwrap_or("-"),
                f.region.as_deref().unwrap_or("-"),
            )),
            trailguard_verify::FindingKind::DigestMissing {
                from: Some(from),
                to,
                count,
                ..
            } => Some(format!(
                "{} {}: {from} → {to} ({count} digest{} missing)",
                f.account.as_deref().unwrap_or("-"),
                f.region.as_deref().unwrap_or("-"),
                if *count == 1 { "" } else { "s" }
            )),
            trailguard_verify::FindingKind::NewestDigestMissing {
                newest_end,
                expected_until,
                count,
                ..
            } => Some(format!(
                "{} {}: {newest_end} → {expected_until} (about {count} newest digest{} missing)",
                f.account.as_deref().unwrap_or("-"),
                f.region.as_deref().unwrap_or("-"),
                if *count == 1 { "" } else { "s" }
            )),
            _ => None,
        })
        .collect();
    if !gaps.is_empty() {
        let _ = writeln!(o, "{}", style.bold("Time without valid digests"));
        for g in gaps {
            let _ = writeln!(o, "  {g}");
        }
        let _ = writeln!(o);
    }

    if !report.findings.is_empty() {
        let _ = writeln!(o, "{}", style.bold("Findings (worst first)"));
        let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
        let mut hidden: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &report.findings {
            let kind = f.kind.name();
            let n = shown.entry(kind).or_default();
            if !all_findings && *n >= EXAMPLES_PER_KIND {
                *hidden.entry(kind).or_default() += 1;
                continue;
            }
            *n += 1;
            finding_line(&mut o, f, style);
        }
        for (kind, n) in hidden {
            let _ = writeln!(
                o,
                "  {}",
                style.dim(&format!("… {n} more {kind} (-v or --format json lists every finding)"))
            );
        }
    }
    o
}

fn line(o: &mut String, style: Style, label: &str, value: &str) {
    let _ = writeln!(o, "{} {value}", style.bold(&format!("{label:<11}")));
}

pub(crate) fn verdict(r: &Report, style: Style) -> String {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    match r.verdict {
        Verdict::Valid => {
            let w = count(Severity::Warning);
            let mut s = style.green("VALID — every digest and log checked is intact");
            if w > 0 {
                s.push_str(&format!(" ({w} warning{})", if w == 1 { "" } else { "s" }));
            }
            s
        }
        Verdict::Invalid => {
            let parts: Vec<String> = [
                (Severity::Invalid, "invalid"),
                (Severity::Missing, "missing"),
                (Severity::Unverifiable, "unverifiable"),
            ]
            .iter()
            .filter_map(|(s, name)| {
                let n = count(*s);
                (n > 0).then(|| format!("{n} {name}"))
            })
            .collect();
            style.red(&format!("INVALID — {} (findings below)", parts.join(", ")))
        }
        Verdict::Incomplete => style.yellow(&format!(
            "INCOMPLETE — nothing found wrong, but {} object(s) or key(s) could not be checked",
            count(Severity::Error)
        )),
        Verdict::NoDigests => {
            style.yellow("NO DIGESTS — nothing to verify (log file validation off, or the digests are elsewhere)")
        }
    }
}

pub(crate) fn digest_counts(d: &DigestCounts, style: Style) -> String {
    let mut parts = vec![format!("{} valid", thousands(d.valid))];
    if d.unauthenticated > 0 {
        parts.push(style.yellow(&format!("{} hash-checked only", thousands(d.unauthenticated))));
    }
    if d.invalid > 0 {
        parts.push(style.red(&format!("{} invalid", thousands(d.invalid))));
    }
    if d.missing > 0 {
        parts.push(style.red(&format!("{} missing", thousands(d.missing))));
    }
    if d.unreadable > 0 {
        parts.push(style.yellow(&format!("{} unreadable", thousands(d.unreadable))));
    }
    parts.join(" · ")
}

pub(crate) fn log_counts(l: &LogCounts, style: Style) -> String {
    let mut parts = vec![format!("{} valid", thousands(l.valid))];
    if l.unauthenticated > 0 {
        parts.push(style.yellow(&format!(
            "{} match an unauthenticated digest",
            thousands(l.unauthenticated)
        )));
    }
    for (n, what) in [
        (l.invalid, "invalid"),
        (l.missing, "missing"),
        (l.unverifiable, "unverifiable"),
        (l.not_covered, "not covered"),
    ] {
        if n > 0 {
            parts.push(style.red(&format!("{} {what}", thousands(n))));
        }
    }
    if l.pending > 0 {
        parts.push(style.dim(&format!("{} pending", thousands(l.pending))));
    }
    parts.join(" · ")
}

fn area_line(o: &mut String, a: &AreaReport, style: Style) {
    let mut d = a.digests;
    let b = &a.backfill_digests;
    d.valid += b.valid;
    d.unauthenticated += b.unauthenticated;
    d.invalid += b.invalid;
    d.missing += b.missing;
    d.unreadable += b.unreadable;
    let mark = match a.status {
        Some(s) if s.fails() => style.red("✗"),
        Some(Severity::Error) => style.yellow("?"),
        Some(Severity::Warning) => style.yellow("!"),
        _ => style.green("✓"),
    };
    let _ = writeln!(
        o,
        "{mark} {} {} {} {}",
        fit(&a.account, 12),
        fit(&a.region, 15),
        fit(&digest_counts(&d, Style::default()), 34),
        log_counts(&a.logs, Style::default())
    );
}

pub(crate) fn finding_line(o: &mut String, f: &Finding, style: Style) {
    let label = match f.severity {
        Severity::Invalid => style.red("INVALID     "),
        Severity::Missing => style.red("MISSING     "),
        Severity::Unverifiable => style.red("UNVERIFIED  "),
        Severity::Error => style.yellow("NOT CHECKED "),
        Severity::Warning => style.yellow("WARNING     "),
        Severity::Info => style.dim("INFO        "),
    };
    let _ = writeln!(o, "  {label}{}", f.message);
    if let Some(p) = &f.path {
        let _ = writeln!(o, "              {}", style.dim(p));
    }
}
