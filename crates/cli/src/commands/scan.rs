//! `trailguard scan [SOURCE]`

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use trailguard_gen::{GenConfig, MemorySink, generate};

use trailguard_read::{FileList, Issue, Severity};
use trailguard_report::Style;
use trailguard_scan::{IntegrityOptions, ScanOptions, scan};

use super::verify::Trust;
use super::{list_source, read_options};
use crate::args::{Global, ScanArgs};
use crate::exit;
use crate::output::{Bar, Out, note};

pub(crate) fn run(args: ScanArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let (source, list, demo_trust) = match &args.source {
        Some(s) => (s.clone(), list_source(s)?, None),
        None => {
            let (label, list, trust) = demo_trail()?;
            (label, list, Some(trust))
        }
    };
    let integrity = if args.no_verify || !trailguard_scan::integrity::has_digests(&list) {
        None
    } else {
        let trust = match demo_trust {
            Some(t) => t,
            None => {
                let root = args.source.as_deref().map(Path::new).filter(|p| p.is_dir());
                Trust::load(root, args.public_keys.as_deref(), args.signatures.as_deref())?
            }
        };
        Some(IntegrityOptions {
            keys: Arc::new(trust.keys),
            signatures: trust.signatures.map(Arc::new),
            bucket: args.bucket.clone(),
            max_inflate: args.input.max_inflate,
            public_keys: trust.public_keys,
            signatures_text: trust.signatures_text,
            notes: trust.notes,
        })
    };
    // Every built-in pack runs in the pass.
    let detector = super::detect::build_detector(&super::detect::RuleArgs::default(), true)?;
    let mut opts = ScanOptions {
        read: read_options(global, &args.input),
        top: args.top,
        detector: Some(Arc::new(detector)),
        integrity,
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
    // Under --strict, logs that cannot be trusted fail the scan too: 1 when a digest chain is
    // invalid or has missing parts, 2 when part of it could not be checked.
    if args.input.strict
        && let Some(i) = &report.integrity
        && i.report.verdict.exit_code() != exit::OK
    {
        note("error: --strict: the digest chains are not all valid (see \"Integrity\")");
        return Ok(i.report.verdict.exit_code());
    }
    Ok(exit::OK)
}

/// The built-in demo trail: generated in memory, deterministically, no network; with the keys
/// and signatures of its digest chains (known here, as CloudTrail's would be).
fn demo_trail() -> anyhow::Result<(String, FileList, Trust)> {
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
    let trust = Trust {
        keys: trailguard_verify::KeyRing::from_file(&out.public_keys),
        signatures: Some(out.signatures),
        public_keys: "the demo trail's signing keys (generated with it)".into(),
        signatures_text: "the demo trail's digest metadata (generated with it), and each digest's successor".into(),
        notes: Vec::new(),
    };
    Ok((label, FileList::memory(sink.into_files()), trust))
}
