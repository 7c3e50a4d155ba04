//! `trailguard detect SOURCE`: run rules over a trail and print the alerts.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use trailguard_detect::{Detector, DetectorBuilder, Keep, Pack, Rule, Severity, all_pack_rules, load_rule_file};
use trailguard_model::Event;
use trailguard_read::{FileSummary, InputFile, Issue, RecordAt, Sink, read_all};
use trailguard_report::Style;
use trailguard_report::alerts::RunFacts;

use super::{list_source, read_options};
use crate::args::{Global, InputArgs};
use crate::exit;
use crate::output::{Bar, Out, note};

/// How alerts are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AlertFormat {
    /// Aligned columns.
    Table,
    /// One JSON object per alert and line.
    Jsonl,
    /// One JSON document: counts and every alert.
    Json,
    /// OCSF 1.1 Detection Findings (class 2004), one per line.
    Ocsf,
}

/// Which rules to run: built-in packs, rule files, Sigma folders, filter patterns.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct RuleArgs {
    /// A built-in pack (cis, trail-tamper, threats, or all); repeatable. With no rule option at
    /// all, every built-in pack runs.
    #[arg(long = "pack", value_name = "PACK")]
    pub(crate) packs: Vec<String>,
    /// A folder (searched recursively) or file of Sigma rules; repeatable.
    #[arg(long = "sigma", value_name = "DIR")]
    pub(crate) sigma: Vec<String>,
    /// A CloudWatch Logs filter pattern, run as a rule of medium severity; repeatable.
    #[arg(long = "pattern", value_name = "PATTERN")]
    pub(crate) patterns: Vec<String>,
    /// A trailguard rule file (YAML, see docs/rules.md); repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rules: Vec<String>,
}

impl RuleArgs {
    fn none(&self) -> bool {
        self.packs.is_empty() && self.sigma.is_empty() && self.patterns.is_empty() && self.rules.is_empty()
    }
}

#[derive(Debug, Args)]
pub(crate) struct DetectArgs {
    /// A file, a folder (walked recursively), or - for stdin.
    pub(crate) source: String,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AlertFormat::Table)]
    pub(crate) format: AlertFormat,
    /// Only print alerts of this severity or higher (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
    pub(crate) min_severity: Severity,
    /// Exit 1 when an alert of this severity or higher is printed.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub(crate) fail_on: Severity,
    #[command(flatten)]
    pub(crate) input: InputArgs,
}

pub(crate) fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse().map_err(|e: trailguard_detect::UnknownSeverity| e.to_string())
}

/// Gather and compile the rules the options name. With `default_all`, no option means every
/// built-in pack.
pub(crate) fn build_detector(args: &RuleArgs, default_all: bool) -> anyhow::Result<Detector> {
    let mut b = DetectorBuilder::new();
    if args.none() && default_all {
        b.rules(all_pack_rules().context("a built-in pack cannot be read")?);
    }
    let mut seen = Vec::new();
    for p in &args.packs {
        for name in p.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let packs: Vec<Pack> = if name == "all" {
                trailguard_detect::PACKS.to_vec()
            } else {
                vec![Pack::named(name)?]
            };
            for pack in packs {
                if !seen.contains(&pack.name) {
                    seen.push(pack.name);
                    b.rules(pack.rules().context("a built-in pack cannot be read")?);
                }
            }
        }
    }
    for f in &args.rules {
        let rules: Vec<Rule> = load_rule_file(Path::new(f))?;
        b.rules(rules);
    }
    for (i, p) in args.patterns.iter().enumerate() {
        b.rules([Rule::from_pattern(i, p, Severity::Medium)]);
    }
    for d in &args.sigma {
        let loaded = trailguard_sigma::load_path(Path::new(d));
        if let Some(e) = loaded.errors.first() {
            anyhow::bail!("cannot read the Sigma rules: {e}");
        }
        if loaded.sources.is_empty() {
            anyhow::bail!("{d}: no Sigma rule files (*.yml, *.yaml) found");
        }
        b.sigma(loaded.sources);
    }
    let (det, notes) = b.build()?;
    for w in &notes.warnings {
        tracing::info!("{w}");
    }
    for p in &notes.sigma.problems {
        if p.severity() > trailguard_sigma::Severity::Warning {
            tracing::warn!("{p}");
        } else {
            tracing::info!("{p}");
        }
    }
    let s = notes.sigma.summary;
    if s.refused > 0 || s.not_applied > 0 {
        tracing::warn!(
            "Sigma: {} rules applied, {} refused, {} not applied (not CloudTrail); -v for details",
            s.rules + s.correlations,
            s.refused,
            s.not_applied
        );
    }
    Ok(det)
}

/// The per-thread sink: a detection collector and record counts.
struct DetectSink<'d> {
    collector: trailguard_detect::Collector<'d>,
    records: u64,
    hook: &'d (dyn Fn(&Issue) + Sync),
}

impl Sink for DetectSink<'_> {
    #[inline]
    fn record(&mut self, event: &Event<'_>, _at: &RecordAt<'_>) {
        self.records += 1;
        self.collector.record(event);
    }

    fn issue(&mut self, issue: Issue) {
        (self.hook)(&issue);
    }

    fn file_done(&mut self, _file: &InputFile, _summary: &FileSummary) {}
}

pub(crate) fn run(args: DetectArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let det = build_detector(&args.rules, true)?;
    let list = list_source(&args.source)?;
    let opts = read_options(global, &args.input);
    let bar = Bar::new(list.total_size(), global.quiet);
    let verbose = global.verbose > 0;
    let hook = move |issue: &Issue| {
        if verbose {
            tracing::warn!("{issue}");
        }
    };
    let started = Instant::now();
    let (sinks, summaries) = read_all(&list.files, &opts, &bar, || DetectSink {
        collector: det.collector(Keep::All).at_least(args.min_severity),
        records: 0,
        hook: &hook,
    });
    bar.finish();
    let mut records = 0;
    let mut merged = det.collector(Keep::All).at_least(args.min_severity);
    for s in sinks {
        records += s.records;
        merged.merge(s.collector);
    }
    let found = merged.finish();
    let elapsed = started.elapsed();
    let alerts: Vec<_> = found
        .alerts
        .into_iter()
        .filter(|a| a.severity >= args.min_severity)
        .collect();
    let style = Style { color: out.color };
    let text = match args.format {
        AlertFormat::Table => trailguard_report::alerts::table(&alerts, style),
        AlertFormat::Jsonl => {
            let mut buf = Vec::with_capacity(alerts.len() * 512);
            trailguard_report::alerts::jsonl_into(&alerts, &mut buf);
            out.write_all(&buf)?;
            String::new()
        }
        AlertFormat::Ocsf => trailguard_report::alerts::ocsf(&alerts, env!("CARGO_PKG_VERSION")),
        AlertFormat::Json => trailguard_report::alerts::json(
            &alerts,
            &RunFacts {
                source: args.source.clone(),
                records,
                rules: det.rules().len(),
                counts: found.counts.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            },
        ),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    let skips: u64 = summaries.iter().map(|s| s.skips).sum();
    if !global.quiet {
        let mut by = Vec::new();
        for s in Severity::ALL.iter().rev() {
            let n = alerts.iter().filter(|a| a.severity == *s).count();
            if n > 0 {
                by.push(format!("{n} {s}"));
            }
        }
        let secs = elapsed.as_secs_f64();
        note(&format!(
            "{} alert{}{} from {} rules over {} records in {secs:.2} s{}",
            alerts.len(),
            if alerts.len() == 1 { "" } else { "s" },
            if by.is_empty() {
                String::new()
            } else {
                format!(" ({})", by.join(", "))
            },
            det.rules().len(),
            records,
            if skips > 0 {
                format!("; {skips} input problems skipped data (-v lists them)")
            } else {
                String::new()
            }
        ));
        if found.alarms.out_of_order > 0 || found.alarms.groups_dropped > 0 {
            note(&format!(
                "note: thresholds: {} observations out of event-time order, {} groups dropped at the memory bound",
                found.alarms.out_of_order, found.alarms.groups_dropped
            ));
        }
    }
    if args.input.strict && skips > 0 {
        note("error: --strict: input was skipped");
        return Ok(exit::ERROR);
    }
    if alerts.iter().any(|a| a.severity >= args.fail_on) {
        return Ok(exit::RESULTS);
    }
    Ok(exit::OK)
}
