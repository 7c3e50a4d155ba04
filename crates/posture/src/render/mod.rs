//! Renderers of an [`AuditReport`]: each takes the finished report and returns the whole
//! document as a string. They decide nothing; statuses and reasons come from the checks.

use crate::audit::AuditReport;
use crate::check::{CheckInfo, Finding, Severity, Status};
use crate::checks;

mod asff;
mod csv;
mod html;
mod json;
mod junit;
mod markdown;
mod ocsf;
mod sarif;
mod text;

/// Output formats of `trailguard audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Terminal text grouped by severity, with the score.
    Text,
    /// The report as JSON, findings enriched with titles, mappings and remediation.
    Json,
    /// OCSF 1.1 Compliance Finding (class 2003) events, as a JSON array.
    Ocsf,
    /// AWS Security Finding Format, for `aws securityhub batch-import-findings`.
    Asff,
    /// SARIF 2.1.0 (templates and plans only: results carry file and line).
    Sarif,
    /// JUnit XML: one test suite per check, one test case per resource.
    Junit,
    /// CSV with a header row.
    Csv,
    /// A self-contained HTML page.
    Html,
    /// Markdown tables.
    Markdown,
}

/// Options of the renderers.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// ANSI colours (text only).
    pub color: bool,
    /// List passed and not-applicable results too (text and Markdown).
    pub show_passed: bool,
    /// Show the evidence of each result (text).
    pub show_evidence: bool,
}

/// Why a report cannot be rendered in a format.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The format does not fit the kind of input.
    #[error("{format} output is not available for {input}: {hint}")]
    Unsuitable {
        /// The format.
        format: &'static str,
        /// The kind of input.
        input: &'static str,
        /// What to use instead.
        hint: &'static str,
    },
}

/// Render `report` as `format`.
pub fn render(report: &AuditReport, format: Format, opts: &RenderOptions) -> Result<String, RenderError> {
    let iac = report.target.kind.is_iac();
    Ok(match format {
        Format::Text => text::render(report, opts),
        Format::Json => json::render(report),
        Format::Ocsf => ocsf::render(report),
        Format::Asff if iac => {
            return Err(RenderError::Unsuitable {
                format: "ASFF",
                input: "a template or plan",
                hint: "ASFF describes deployed resources in real accounts; use --format sarif, json or junit for templates",
            });
        }
        Format::Asff => asff::render(report),
        Format::Sarif if !iac => {
            return Err(RenderError::Unsuitable {
                format: "SARIF",
                input: "a live account or snapshot",
                hint: "SARIF results point at lines of files; use --format ocsf (or json) for accounts",
            });
        }
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Csv => csv::render(report),
        Format::Html => html::render(report),
        Format::Markdown => markdown::render(report, opts),
    })
}

pub(crate) fn info(f: &Finding) -> Option<&'static CheckInfo> {
    checks::find(&f.check_id).map(|r| r.info)
}

/// `Title Case` severity label.
pub(crate) fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// A stable identifier of a result.
pub(crate) fn uid(f: &Finding) -> String {
    format!(
        "trailguard-{}-{}-{}-{}",
        f.check_id,
        f.resource.account.as_deref().unwrap_or("-"),
        f.resource.region.as_deref().unwrap_or("-"),
        f.resource.id
    )
}

/// Escape text for XML and HTML (element content and quoted attributes).
pub(crate) fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            // Characters XML 1.0 forbids are dropped.
            c if (c as u32) < 0x20 && c != '\n' && c != '\r' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

/// Status order for display: failures first.
pub(crate) fn status_rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Manual => 2,
        Status::Pass => 3,
        Status::NotApplicable => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
