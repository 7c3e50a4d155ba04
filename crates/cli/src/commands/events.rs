//! `trailguard events SOURCE`

use anyhow::Context;
use trailguard_model::{EventFilter, LookupAttribute, Timestamp};
use trailguard_pattern::Pattern;
use trailguard_read::{Issue, RecordAt, Severity, Sink, read_ordered};
use trailguard_report::events::EventFormat;

use super::{list_source, read_options};
use crate::args::{EventsArgs, EventsFormat, Global};
use crate::exit;
use crate::output::{Out, note};

/// What one file contributed: formatted lines, how many, and its problems.
#[derive(Default)]
struct FileOut {
    bytes: Vec<u8>,
    count: u64,
    issues: Vec<Issue>,
}

struct Collect<'a> {
    filter: &'a EventFilter,
    pattern: Option<&'a Pattern>,
    format: EventFormat,
    out: FileOut,
}

impl Sink for Collect<'_> {
    fn record(&mut self, ev: &trailguard_model::Event<'_>, _at: &RecordAt<'_>) {
        if self.filter.matches(ev) && self.pattern.is_none_or(|p| p.matches(ev)) {
            self.format.write(&mut self.out.bytes, ev);
            self.out.count += 1;
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.out.issues.push(issue);
    }
}

fn build_filter(args: &EventsArgs) -> anyhow::Result<EventFilter> {
    let time = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<Timestamp>> {
        v.as_deref()
            .map(|s| Timestamp::parse_rfc3339(s).with_context(|| format!("--{flag}")))
            .transpose()
    };
    let mut f = EventFilter {
        start: time("start-time", &args.start_time)?,
        end: time("end-time", &args.end_time)?,
        accounts: args.account.clone(),
        regions: args.region.clone(),
        error_codes: args.error_code.clone(),
        ..EventFilter::default()
    };
    if let (Some(s), Some(e)) = (f.start, f.end)
        && s > e
    {
        anyhow::bail!("--start-time {s} is after --end-time {e}");
    }
    let mut attrs: Vec<String> = args.lookup.clone();
    for (key, value) in [
        ("EventName", &args.event_name),
        ("EventSource", &args.event_source),
        ("EventId", &args.event_id),
        ("Username", &args.username),
        ("AccessKeyId", &args.access_key_id),
        ("ResourceType", &args.resource_type),
        ("ResourceName", &args.resource_name),
    ] {
        if let Some(v) = value {
            attrs.push(format!("{key}={v}"));
        }
    }
    if let Some(b) = args.read_only {
        attrs.push(format!("ReadOnly={b}"));
    }
    for a in attrs {
        f.attributes.push(a.parse::<LookupAttribute>()?);
    }
    Ok(f)
}

/// The `--pattern` filter, read leniently; what AWS would reject is said on stderr.
fn build_pattern(args: &EventsArgs, global: &Global) -> anyhow::Result<Option<Pattern>> {
    let Some(text) = &args.pattern else { return Ok(None) };
    let pattern = Pattern::parse(text).map_err(|e| anyhow::anyhow!("--pattern: {}", e.render().trim_end()))?;
    if !global.quiet {
        for d in pattern
            .diagnostics()
            .iter()
            .filter(|d| d.severity == trailguard_pattern::Severity::Error)
        {
            note(&format!(
                "warning: --pattern: {} [{}]; trailguard reads it as: {pattern}",
                d.message, d.code
            ));
        }
    }
    Ok(Some(pattern))
}

pub(crate) fn run(args: EventsArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let filter = build_filter(&args)?;
    let pattern = build_pattern(&args, global)?;
    let list = list_source(&args.source)?;
    let opts = read_options(global, &args.input);
    let format = match args.format {
        EventsFormat::Table => EventFormat::Table,
        EventsFormat::Jsonl => EventFormat::JsonLines,
        EventsFormat::Csv => EventFormat::Csv,
    };
    if let Some(h) = format.header() {
        out.write_all(h.as_bytes())?;
    }
    let mut printed = 0u64;
    let mut skips = 0u64;
    let mut warnings = 0u64;
    let mut failure: Option<std::io::Error> = None;
    let max = args.max_results.unwrap_or(u64::MAX);
    let quiet = global.quiet;
    read_ordered(
        &list.files,
        &opts,
        opts.threads * 4,
        |file, worker| {
            let mut sink = Collect {
                filter: &filter,
                pattern: pattern.as_ref(),
                format,
                out: FileOut::default(),
            };
            worker.read(file, &opts, &mut sink);
            sink.out
        },
        |file_out| {
            for issue in &file_out.issues {
                match issue.severity {
                    Severity::Skip => skips += 1,
                    Severity::Warning => warnings += 1,
                }
                if !quiet && (issue.severity == Severity::Skip || global.verbose > 0) {
                    note(&format!("warning: {issue}"));
                }
            }
            let bytes = if printed + file_out.count > max {
                // Cut inside this file's lines.
                let keep = (max - printed) as usize;
                let end = file_out
                    .bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .nth(keep.saturating_sub(1))
                    .map_or(0, |(i, _)| i + 1);
                printed = max;
                &file_out.bytes[..if keep == 0 { 0 } else { end }]
            } else {
                printed += file_out.count;
                &file_out.bytes[..]
            };
            if let Err(e) = out.write_all(bytes) {
                failure = Some(e);
                return false;
            }
            printed < max
        },
    );
    if let Some(e) = failure {
        return Err(e.into());
    }
    out.flush()?;
    if !quiet && (skips > 0 || warnings > 0) {
        note(&format!(
            "{printed} records printed; {skips} input problems skipped data, {warnings} warnings"
        ));
    }
    if args.input.strict && skips > 0 {
        return Ok(exit::ERROR);
    }
    Ok(exit::OK)
}
