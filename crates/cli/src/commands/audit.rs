//! `trailguard audit`: check a CloudTrail setup against best practice — live, from a snapshot,
//! a CloudFormation template or a Terraform plan.

use std::io::Read as _;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args, ValueEnum};
use trailguard_posture::checks;
use trailguard_posture::cis;
use trailguard_posture::explain;
use trailguard_posture::iac::{self, cloudformation, terraform};
use trailguard_posture::render::{Format, RenderOptions, render};
use trailguard_posture::snapshot::{MAX_SNAPSHOT_BYTES, Snapshot};
use trailguard_posture::{AuditOptions, Severity, Status, audit};

use super::collect::{AwsArgs, collect_snapshot, now};
use crate::args::Global;
use crate::exit;
use crate::output::{Out, note};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AuditFormat {
    /// Grouped by severity, with the score.
    Text,
    /// The report as JSON.
    Json,
    /// OCSF Compliance Finding events (JSON array).
    Ocsf,
    /// AWS Security Finding Format (Security Hub import).
    Asff,
    /// SARIF 2.1.0 (with --cfn / --terraform).
    Sarif,
    /// JUnit XML.
    Junit,
    /// CSV.
    Csv,
    /// A self-contained HTML page.
    Html,
    /// Markdown.
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityArg {
    fn severity(self) -> Severity {
        match self {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").args(["live", "snapshot", "cfn", "terraform"]).multiple(false)))]
pub(crate) struct AuditArgs {
    /// Read the account (or organization) through the AWS API, then check it.
    #[arg(long)]
    pub(crate) live: bool,
    /// Check a snapshot written by `trailguard collect` (- for stdin).
    #[arg(long, value_name = "FILE")]
    pub(crate) snapshot: Option<String>,
    /// Check a CloudFormation template (YAML or JSON).
    #[arg(long, value_name = "TEMPLATE")]
    pub(crate) cfn: Option<String>,
    /// Check a Terraform plan (`terraform show -json plan.out > plan.json`).
    #[arg(long, value_name = "PLAN.json")]
    pub(crate) terraform: Option<String>,
    /// List every check and exit.
    #[arg(long)]
    pub(crate) list: bool,
    /// Explain one check (what, why, example, fix, mappings) and exit.
    #[arg(long, value_name = "ID")]
    pub(crate) explain: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub(crate) format: AuditFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<String>,
    /// Exit 1 when a check fails at or above this severity (default: any failure).
    #[arg(long, value_enum, default_value_t = SeverityArg::Info, value_name = "SEVERITY")]
    pub(crate) fail_on: SeverityArg,
    /// Exit 0 even when checks fail (never when the audit could not be completed).
    #[arg(long)]
    pub(crate) soft_fail: bool,
    /// Exit 2 when any check could not be completed (ERROR).
    #[arg(long)]
    pub(crate) strict: bool,
    /// CIS AWS Foundations version whose alarm filter patterns are required.
    #[arg(long, value_name = "VERSION", default_value = cis::DEFAULT_VERSION)]
    pub(crate) cis_version: String,
    /// Require the exact published filter text, as Security Hub does, instead of semantic
    /// coverage.
    #[arg(long)]
    pub(crate) strict_exact: bool,
    /// Minimum retention of CloudTrail logs in days (log groups, Object Lock, lifecycle);
    /// 2557 for seven years.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub(crate) retention_days: i64,
    /// Tag keys every trail must carry (CT-047; comma-separated).
    #[arg(long, value_name = "KEY", value_delimiter = ',')]
    pub(crate) required_tags: Vec<String>,
    /// Also run these checks (ids, names, prefixes such as CT-04, or ALL).
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub(crate) select: Vec<String>,
    /// Do not run these checks.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub(crate) skip: Vec<String>,
    /// List passed and not-applicable results too (text, Markdown).
    #[arg(long)]
    pub(crate) show_passed: bool,
    /// With --live: also save the collected snapshot here.
    #[arg(long, value_name = "FILE", requires = "live")]
    pub(crate) save_snapshot: Option<String>,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

fn read_input(path: &str, max: usize) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    if path == "-" {
        std::io::stdin()
            .take(max as u64 + 1)
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
    } else {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {path}"))?;
        if meta.len() > max as u64 {
            bail!("{path}: {} bytes is more than the {max} bytes accepted", meta.len());
        }
        buf = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
    }
    if buf.len() > max {
        bail!("{path}: more than the {max} bytes accepted");
    }
    String::from_utf8(buf)
        .map_err(|e| anyhow::anyhow!("{path}: not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
}

pub(crate) fn run(args: AuditArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    if !cis::is_known_version(&args.cis_version) {
        bail!(
            "--cis-version {}: unknown version (known: {})",
            args.cis_version,
            cis::VERSIONS.join(", ")
        );
    }
    if args.list {
        let text = match args.format {
            AuditFormat::Json => {
                let mut s = serde_json::to_string_pretty(&explain::list_json())?;
                s.push('\n');
                s
            }
            _ => explain::list(),
        };
        out.write_all(text.as_bytes())?;
        out.flush()?;
        return Ok(exit::OK);
    }
    if let Some(id) = &args.explain {
        let Some(r) = checks::find(id) else {
            bail!("no check {id:?}: `trailguard audit --list` lists them");
        };
        out.write_all(explain::explain(r.info, &args.cis_version).as_bytes())?;
        out.flush()?;
        return Ok(exit::OK);
    }
    for s in args.select.iter().chain(&args.skip) {
        let known = s.eq_ignore_ascii_case("ALL")
            || checks::REGISTRY.iter().any(|r| {
                r.info.id.to_ascii_uppercase().starts_with(&s.to_ascii_uppercase())
                    || r.info.name.eq_ignore_ascii_case(s)
            });
        if !known {
            bail!("--select/--skip {s:?} matches no check (`trailguard audit --list`)");
        }
    }
    let snap: Snapshot = if args.live {
        let s = collect_snapshot(&args.aws, global)?;
        if let Some(path) = &args.save_snapshot {
            let mut json = s.to_json();
            json.push('\n');
            std::fs::write(path, json).with_context(|| format!("cannot write the snapshot to {path}"))?;
        }
        s
    } else if let Some(path) = &args.snapshot {
        let text = read_input(path, MAX_SNAPSHOT_BYTES)?;
        Snapshot::from_json(path, text.as_bytes())?
    } else if let Some(path) = &args.cfn {
        let text = read_input(path, iac::MAX_TEMPLATE_BYTES)?;
        cloudformation::read(path, &text, &now())?
    } else if let Some(path) = &args.terraform {
        let text = read_input(path, iac::MAX_PLAN_BYTES)?;
        terraform::read(path, &text, &now())?
    } else {
        bail!(
            "give what to audit: --live, --snapshot FILE, --cfn TEMPLATE or --terraform PLAN.json (or --list, --explain ID)"
        );
    };
    let opts = AuditOptions {
        cis_version: args.cis_version.clone(),
        strict_exact: args.strict_exact,
        retention_days: args.retention_days.max(1),
        required_tags: args.required_tags.clone(),
        delivery_max_age_hours: 24,
        select: args.select.clone(),
        skip: args.skip.clone(),
    };
    let report = audit(&snap, &opts);
    let format = match args.format {
        AuditFormat::Text => Format::Text,
        AuditFormat::Json => Format::Json,
        AuditFormat::Ocsf => Format::Ocsf,
        AuditFormat::Asff => Format::Asff,
        AuditFormat::Sarif => Format::Sarif,
        AuditFormat::Junit => Format::Junit,
        AuditFormat::Csv => Format::Csv,
        AuditFormat::Html => Format::Html,
        AuditFormat::Markdown => Format::Markdown,
    };
    let ropts = RenderOptions {
        color: out.color && args.output.is_none(),
        show_passed: args.show_passed,
        show_evidence: global.verbose > 0,
    };
    let text = render(&report, format, &ropts)?;
    match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes()).with_context(|| format!("cannot write {path}"))?,
        None => {
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    let errors = report.count(Status::Error);
    let decided = report.count(Status::Pass) + report.count(Status::Fail);
    if errors > 0 && !global.quiet {
        note(&format!(
            "{errors} result{} could not be checked (ERROR: permissions, API failures, unsupported APIs){}",
            if errors == 1 { "" } else { "s" },
            if args.strict {
                ""
            } else {
                "; --strict makes this exit 2"
            }
        ));
    }
    if errors > 0 && (args.strict || decided == 0) {
        return Ok(exit::ERROR);
    }
    if report.fails_at(args.fail_on.severity()) && !args.soft_fail {
        return Ok(exit::RESULTS);
    }
    Ok(exit::OK)
}
