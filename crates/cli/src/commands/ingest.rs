//! `trailguard ingest SOURCE [--lake DIR|s3://…]`

use std::time::Instant;

use clap::Args;
use trailguard_lake::IngestOptions;
use trailguard_read::Severity;

use super::lake::{LakeArgs, now_micros};
use super::{list_source, read_options};
use crate::args::{Global, InputArgs, parse_size};
use crate::exit;
use crate::output::{Bar, Out, note};

#[derive(Debug, Args)]
pub(crate) struct IngestArgs {
    /// A file, a folder (walked recursively, e.g. a synced trail bucket), or - for stdin.
    pub(crate) source: String,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    /// JSON per commit (gzip objects count 10× their size): bounds memory, and how much work
    /// an interrupted run redoes.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub(crate) commit_size: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) input: InputArgs,
}

pub(crate) fn run(args: IngestArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let list = list_source(&args.source)?;
    let lake = args.lake.open(global)?;
    let opts = IngestOptions {
        read: read_options(global, &args.input),
        commit_bytes: args.commit_size.max(1),
        ingest_micros: now_micros(),
        ..IngestOptions::default()
    };
    let bar = Bar::new(list.total_size(), global.quiet);
    let started = Instant::now();
    let result = lake.ingest(&list.files, &opts, &bar);
    bar.finish();
    let r = result?;
    let secs = started.elapsed().as_secs_f64();
    for issue in &r.issues {
        if !global.quiet && (issue.severity == Severity::Skip || global.verbose > 0) {
            note(&format!("warning: {issue}"));
        }
    }
    if (r.skips + r.warnings) as usize > r.issues.len() && !global.quiet {
        note(&format!(
            "warning: {} more input problems not listed",
            (r.skips + r.warnings) as usize - r.issues.len()
        ));
    }
    for key in &r.changed {
        note(&format!(
            "warning: {key}: already ingested with a different size; read again (CloudTrail never rewrites a log file: check where this copy came from)"
        ));
    }
    if args.json {
        let mut v = serde_json::to_value(&r)?;
        v["lake"] = serde_json::Value::String(lake.location().to_string());
        v["seconds"] = serde_json::json!(secs);
        out.write_all(serde_json::to_string_pretty(&v)?.as_bytes())?;
        out.write_all(b"\n")?;
    } else {
        let mut s = format!(
            "ingested into {}: {} files read, {} already in the lake{}{}\n",
            lake.location(),
            r.files_read,
            r.already_ingested,
            if r.same_content > 0 {
                format!(", {} with the same bytes as an ingested file", r.same_content)
            } else {
                String::new()
            },
            if r.digests > 0 {
                format!(", {} digest files left to `trailguard verify`", r.digests)
            } else {
                String::new()
            }
        );
        s.push_str(&format!(
            "  {} records: {} rows added to events, {} to insights, {} duplicates dropped\n",
            r.records, r.events_added, r.insights_added, r.duplicates
        ));
        s.push_str(&format!(
            "  {} Parquet files ({} bytes) in {} commits\n",
            r.files_written, r.bytes_written, r.commits
        ));
        out.write_all(s.as_bytes())?;
    }
    out.flush()?;
    if !global.quiet {
        if r.orphans_removed > 0 {
            note(&format!(
                "removed {} files left by an interrupted run (their sources were read again)",
                r.orphans_removed
            ));
        }
        if r.without_event_id > 0 {
            note(&format!(
                "note: {} records have no eventID; they are kept but cannot be deduplicated",
                r.without_event_id
            ));
        }
        if !args.json {
            let rate = if secs > 0.0 { r.records as f64 / secs } else { 0.0 };
            note(&format!("ingested in {secs:.2} s ({rate:.0} records/s)"));
        }
    }
    if args.input.strict && r.skips > 0 {
        note(&format!("error: --strict: {} input problems skipped data", r.skips));
        return Ok(exit::ERROR);
    }
    Ok(exit::OK)
}
