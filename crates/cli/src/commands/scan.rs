//! `trailguard scan [SOURCE]`

use std::time::Instant;

use anyhow::Context;
use trailguard_gen::{GenConfig, MemorySink, generate};

use trailguard_read::{FileList, Issue, Severity};
use trailguard_report::Style;
use trailguard_scan::{ScanOptions, scan};

use super::{list_source, read_options};
use crate::args::{Global, ScanArgs};
use crate::exit;
use crate::output::{Bar, Out, note};

pub(crate) fn run(args: ScanArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let (source, list) = match &args.source {
        Some(s) => (s.clone(), list_source(s)?),
        None => demo_trail()?,
    };
    // Every built-in pack runs in the pass.
    let detector = super::detect::build_detector(&super::detect::RuleArgs::default(), true)?;
    let mut opts = ScanOptions {
        read: read_options(global, &args.input),
        top: args.top,
        detector: Some(std::sync::Arc::new(detector)),
        ..ScanOptions::default()
    };
    if args.no_insights {
        opts.insights = None;
    }
    let bar = Bar::new(list.total_size(), global.quiet);
    let verbose = global.verbose > 0;
    let hook = move |issue: &Issue| {
        if verbose {
            match issue.severity {
                Severity::Skip => tracing::warn!("{issue}"),
                Severity::Warning => tracing::info!("{issue}"),
            }
        }
    };
    let started = Instant::now();
    let report = scan(&source, &list, &opts, &bar, &hook);
    let elapsed = started.elapsed();
    bar.finish();
    if args.json {
        out.write_all(trailguard_report::scan::json(&report).as_bytes())?;
    } else {
        let text = trailguard_report::scan::text(&report, Style { color: out.color });
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    if !global.quiet && !args.json {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            report.summary.events as f64 / secs
        } else {
            0.0
        };
        note(&format!("\nscanned in {secs:.2} s ({rate:.0} records/s)"));
    }
    if args.input.strict && report.has_skips() {
        note(&format!(
            "error: --strict: {} input problem{} skipped data (see \"Input problems\")",
            report.skipped.skips,
            if report.skipped.skips == 1 { "" } else { "s" }
        ));
        return Ok(exit::ERROR);
    }
    Ok(exit::OK)
}

/// The built-in demo trail: generated in memory, deterministically, no network.
fn demo_trail() -> anyhow::Result<(String, FileList)> {
    let cfg = GenConfig::demo();
    let sink = MemorySink::new();
    let out = generate(&cfg, &sink).context("generating the built-in demo trail")?;
    let m = &out.manifest;
    let label = format!(
        "built-in demo trail (generated: seed {}, {} accounts, {} regions, {} scenarios injected)",
        cfg.seed,
        m.trail.accounts.len(),
        m.trail.regions.len(),
        m.scenarios.len()
    );
    Ok((label, FileList::memory(sink.into_files())))
}
