//! `trailguard insights SOURCE`: API call-rate and error-rate anomalies, as CloudTrail Insights
//! events.
//!
//! Two ways through the input, with the same results:
//! - **in time order** (when every file's name carries its delivery time, as in a synced
//!   bucket, or with `--state`): files are read on all cores but handed to the detector in
//!   delivery order, and the detector moves its horizon forward as it goes, so memory stays
//!   bounded by the number of APIs times the window however long the trail;
//! - **all at once** otherwise (a single file, standard input, a flat folder): per-thread
//!   counts are merged and evaluated at the end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use trailguard_insights::{
    Accumulator, DAY, Detector, Insight, InsightState, InsightsConfig, InsightsSummary, render, summarize,
};
use trailguard_model::{Event, Timestamp};
use trailguard_read::layout::FileName;
use trailguard_read::{InputFile, Issue, ObjectKind, RecordAt, Severity, Sink, read_all, read_ordered};

use super::{list_source, read_options};
use crate::args::{Global, InputArgs};
use crate::exit;
use crate::output::{Bar, Out, note};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum InsightsFormat {
    /// One line per anomaly, and CloudTrail's own Insights found in the input.
    Table,
    /// The Start and End records, one JSON object per line, as CloudTrail writes them.
    Jsonl,
    /// One JSON document: the summary (settings, counts, anomalies with the model's figures,
    /// CloudTrail's own, the comparison) and the records.
    Json,
}

/// Find API call-rate and error-rate anomalies and write them as CloudTrail Insights events.
#[derive(Debug, Args)]
pub(crate) struct InsightsArgs {
    /// A file, a folder (walked recursively, e.g. a synced trail bucket), or - for stdin.
    source: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InsightsFormat::Table)]
    format: InsightsFormat,
    /// Baseline window in days (CloudTrail: 7; up to 28).
    #[arg(long, value_name = "DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=28))]
    window: u32,
    /// Hours of history the baseline needs before an API can raise insights (at most the
    /// window).
    #[arg(long, value_name = "HOURS", default_value_t = 48, value_parser = clap::value_parser!(u32).range(1..=672))]
    min_history: u32,
    /// Significance of a start: probability of a count at least as high under the baseline.
    #[arg(long, value_name = "P", default_value_t = 1e-7)]
    alpha: f64,
    /// Fewest calls (or errors) in the window that starts an insight.
    #[arg(long, value_name = "N", default_value_t = 5)]
    min_events: u64,
    /// The starting window must hold at least this multiple of the expected count.
    #[arg(long, value_name = "X", default_value_t = 2.0)]
    min_ratio: f64,
    /// Minutes back in the band that end an insight.
    #[arg(long, value_name = "MINUTES", default_value_t = 15)]
    quiet_minutes: u32,
    /// Longest insight in minutes; a rate that stays high is then one insight, not a series.
    #[arg(long, value_name = "MINUTES", default_value_t = 1440)]
    max_duration: u32,
    /// Also count read-only management calls for the call rate (CloudTrail counts writes
    /// only): catches bursts of GetSecretValue, GetPasswordData, Describe* enumeration.
    #[arg(long)]
    read_calls: bool,
    /// Also analyse data events (S3 object and Lambda calls), as CloudTrail's data-event
    /// Insights do.
    #[arg(long)]
    data_events: bool,
    /// Write an SVG chart per insight (observed calls against the baseline band, the insight
    /// shaded) into this folder.
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// Compare with CloudTrail's own Insights found in the input: which of them trailguard
    /// also found, which not, and which of trailguard's CloudTrail did not report.
    #[arg(long)]
    compare: bool,
    /// Keep the detector's state in FILE: resume from it when it exists, save it after. Run
    /// again on newer logs to get only the new records (a stream in steps).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Minutes a record may arrive after the files that come before it (delivery delay).
    /// Minutes older than the newest delivery minus this are final.
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    lateness: u32,
    #[command(flatten)]
    input: InputArgs,
}

impl InsightsArgs {
    fn config(&self) -> anyhow::Result<InsightsConfig> {
        let cfg = InsightsConfig {
            window: self.window * DAY,
            min_history: (self.min_history * 60).min(self.window * DAY),
            alpha: self.alpha,
            min_events: self.min_events,
            min_ratio: self.min_ratio,
            quiet: self.quiet_minutes,
            max_duration: self.max_duration,
            read_calls: self.read_calls,
            data_events: self.data_events,
            ..InsightsConfig::default()
        };
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Counts one file's (or one thread's) records, and keeps its problems.
struct Collect {
    acc: Accumulator,
    issues: Vec<Issue>,
}

impl Sink for Collect {
    #[inline]
    fn record(&mut self, ev: &Event<'_>, at: &RecordAt<'_>) {
        self.acc.record(ev, at.file.layout.as_ref().map(|l| l.account.as_str()));
    }

    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }
}

/// The delivery time in a file's name, if it follows CloudTrail's layout.
fn delivered(f: &InputFile) -> Option<Timestamp> {
    match &f.layout.as_ref()?.name {
        FileName::Log(l) => Some(l.delivered),
        _ => None,
    }
}

/// Problems met while reading.
#[derive(Default)]
struct Problems {
    skips: u64,
    warnings: u64,
}

impl Problems {
    fn take(&mut self, issues: &[Issue], global: &Global) {
        for issue in issues {
            match issue.severity {
                Severity::Skip => self.skips += 1,
                Severity::Warning => self.warnings += 1,
            }
            if !global.quiet && (issue.severity == Severity::Skip || global.verbose > 0) {
                note(&format!("warning: {issue}"));
            }
        }
    }
}

/// Charts are drawn as anomalies close (a stream drops old counts as it goes).
struct Charts {
    dir: PathBuf,
    open: BTreeMap<String, Insight>,
    written: usize,
}

impl Charts {
    fn new(dir: &Path) -> anyhow::Result<Charts> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Charts {
            dir: dir.to_owned(),
            open: BTreeMap::new(),
            written: 0,
        })
    }

    fn take(&mut self, det: &Detector, records: &[Insight]) -> anyhow::Result<()> {
        for r in records {
            match r.state {
                InsightState::Start => {
                    self.open.insert(r.shared_event_id.clone(), r.clone());
                }
                InsightState::End => {
                    self.open.remove(&r.shared_event_id);
                    self.draw(det, r)?;
                }
            }
        }
        Ok(())
    }

    fn draw(&mut self, det: &Detector, r: &Insight) -> anyhow::Result<()> {
        let Some(chart) = det.chart(r) else { return Ok(()) };
        let path = self.dir.join(render::chart_file_name(r));
        std::fs::write(&path, render::svg(&chart, r)).with_context(|| format!("cannot write {}", path.display()))?;
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self, det: &Detector) -> anyhow::Result<()> {
        let open = std::mem::take(&mut self.open);
        for r in open.values() {
            self.draw(det, r)?;
        }
        Ok(())
    }
}

pub(crate) fn run(args: InsightsArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let cfg = args.config()?;
    let list = list_source(&args.source)?;
    let opts = read_options(global, &args.input);
    let mut det = match &args.state {
        Some(p) if p.exists() => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read the state {}", p.display()))?;
            Detector::load(&bytes, &cfg).with_context(|| format!("cannot resume from {}", p.display()))?
        }
        _ => Detector::new(cfg.clone())?,
    };
    let mut charts = args.chart.as_deref().map(Charts::new).transpose()?;
    let mut problems = Problems::default();
    let mut records: Vec<Insight> = Vec::new();
    let lateness = i64::from(args.lateness) * 60;
    let bar = Bar::new(list.total_size(), global.quiet);

    // In time order when every log file says when it was delivered.
    let ordered: Option<Vec<(Timestamp, InputFile)>> = list
        .files
        .iter()
        .filter(|f| f.kind != ObjectKind::Digest)
        .map(|f| delivered(f).map(|t| (t, f.clone())))
        .collect();
    match ordered {
        Some(mut files) if !files.is_empty() => {
            files.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.key.cmp(&b.1.key)));
            let times: Vec<Timestamp> = files.iter().map(|f| f.0).collect();
            let files: Vec<InputFile> = files.into_iter().map(|f| f.1).collect();
            let mut failure: Option<anyhow::Error> = None;
            let mut i = 0usize;
            read_ordered(
                &files,
                &opts,
                opts.threads * 8,
                |file, worker| {
                    let mut sink = Collect {
                        acc: Accumulator::new(&cfg),
                        issues: Vec::new(),
                    };
                    let s = worker.read(file, &opts, &mut sink);
                    (sink, s.stored_bytes.max(file.size.unwrap_or(0)))
                },
                |(sink, stored)| {
                    use trailguard_read::Progress as _;
                    bar.file_done(stored);
                    problems.take(&sink.issues, global);
                    det.absorb(sink.acc);
                    let now = times[i];
                    i += 1;
                    // Advance when the delivery time moves on (not within a batch of files of
                    // the same minute).
                    if times.get(i).is_none_or(|&next| next > now) {
                        let new = det.advance(now.add_secs(-lateness));
                        if let Some(c) = &mut charts
                            && let Err(e) = c.take(&det, &new)
                        {
                            failure = Some(e);
                            return false;
                        }
                        records.extend(new);
                    }
                    true
                },
            );
            if let Some(e) = failure {
                return Err(e);
            }
        }
        _ => {
            let (sinks, _) = read_all(&list.files, &opts, &bar, || Collect {
                acc: Accumulator::new(&cfg),
                issues: Vec::new(),
            });
            let mut issues = Vec::new();
            let mut acc = Accumulator::new(&cfg);
            for s in sinks {
                acc.merge(s.acc);
                issues.extend(s.issues);
            }
            issues.sort_by(|a, b| (&a.file, a.record, a.offset).cmp(&(&b.file, b.record, b.offset)));
            problems.take(&issues, global);
            det.absorb(acc);
        }
    }
    bar.finish();
    let last = if args.state.is_some() {
        // A stream: keep what may still change for the next run.
        match det.latest() {
            Some(t) => det.advance(t.add_secs(-lateness)),
            None => Vec::new(),
        }
    } else {
        det.finish()
    };
    if let Some(c) = &mut charts {
        c.take(&det, &last)?;
    }
    records.extend(last);
    if let Some(c) = &mut charts {
        c.finish(&det)?;
    }
    if let Some(p) = &args.state {
        save_state(&det, p)?;
    }

    let summary = summarize(&det, &records);
    match args.format {
        InsightsFormat::Jsonl => {
            let mut text = String::new();
            for r in &records {
                text.push_str(&r.to_record());
                text.push('\n');
            }
            out.write_all(text.as_bytes())?;
        }
        InsightsFormat::Table => {
            out.write_all(table(&summary, args.compare).as_bytes())?;
        }
        InsightsFormat::Json => {
            let raw: Vec<Box<serde_json::value::RawValue>> = records
                .iter()
                .map(|r| serde_json::value::RawValue::from_string(r.to_record()))
                .collect::<Result<_, _>>()?;
            let doc = serde_json::json!({
                "schema": "trailguard.insights/v1",
                "source": args.source,
                "summary": summary,
                "records": raw,
            });
            let mut text = serde_json::to_string_pretty(&doc)?;
            text.push('\n');
            out.write_all(text.as_bytes())?;
        }
    }
    out.flush()?;

    if !global.quiet {
        let c = det.counts();
        let mut msg = format!(
            "{} records: {} write calls and {} errors counted; {} Start/End records",
            c.records,
            c.calls,
            c.errors,
            records.len()
        );
        if c.late > 0 {
            msg.push_str(&format!(
                "; {} calls arrived later than --lateness allows (counted for baselines only)",
                c.late
            ));
        }
        if let Some(c) = &charts {
            msg.push_str(&format!("; {} charts in {}", c.written, c.dir.display()));
        }
        if problems.skips + problems.warnings > 0 {
            msg.push_str(&format!(
                "; {} input problems skipped data, {} warnings",
                problems.skips, problems.warnings
            ));
        }
        note(&msg);
    }
    if args.input.strict && problems.skips > 0 {
        return Ok(exit::ERROR);
    }
    Ok(if summary.anomalies.is_empty() {
        exit::OK
    } else {
        exit::RESULTS
    })
}

/// Write the state next to its final name, then rename: a reader never sees half a state.
fn save_state(det: &Detector, path: &Path) -> anyhow::Result<()> {
    let bytes = det.save().context("cannot serialise the detector state")?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn table(summary: &InsightsSummary, compare: bool) -> String {
    let mut o = String::new();
    let list = &summary.anomalies;
    if list.is_empty() {
        match history_minutes(summary) {
            Some(span) if span < i64::from(summary.min_history_minutes) => o.push_str(&format!(
                "No insights: a baseline needs {} h of history before an API can raise one, and the input spans {:.1} h.\n",
                summary.min_history_minutes / 60,
                span as f64 / 60.0
            )),
            None => o.push_str("No insights: no records with a time to count.\n"),
            Some(_) => o.push_str("No insights: no API call or error rate left its baseline band.\n"),
        }
    } else {
        o.push_str(&render::table(list));
    }
    if !summary.aws.is_empty() {
        o.push_str(&format!(
            "\nCloudTrail Insights in the input ({}):\n",
            summary.aws.len()
        ));
        let cmp = if compare { summary.comparison.as_ref() } else { None };
        o.push_str(&render::aws_table(&summary.aws, cmp));
        if let Some(c) = cmp {
            o.push_str(&format!(
                "\n{} of CloudTrail's {} insights also found by trailguard; {} not found; {} of trailguard's not reported by CloudTrail\n",
                c.matched.len(),
                summary.aws.len(),
                c.aws_only.len(),
                c.ours_only.len()
            ));
            if !c.ours_only.is_empty() {
                let ours = anomalies_by_id(list);
                for id in &c.ours_only {
                    if let Some(i) = ours.get(id.as_str()) {
                        o.push_str(&format!(
                            "  only trailguard: {} {} {} {} {}\n",
                            i.start.to_rfc3339(),
                            i.key.insight_type.label(),
                            i.key.api(),
                            i.key.account,
                            i.key.region
                        ));
                    }
                }
            }
        }
    } else if compare {
        o.push_str("\nNo CloudTrail Insights records in the input to compare with.\n");
    }
    o
}

/// Minutes between the first and the last record counted.
fn history_minutes(summary: &InsightsSummary) -> Option<i64> {
    let first = Timestamp::parse_rfc3339(summary.first.as_deref()?).ok()?;
    let last = Timestamp::parse_rfc3339(summary.last.as_deref()?).ok()?;
    Some((last.secs() - first.secs()) / 60)
}

fn anomalies_by_id(list: &[Insight]) -> BTreeMap<&str, &Insight> {
    list.iter().map(|i| (i.shared_event_id.as_str(), i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_times_come_from_names() {
        let f = InputFile::memory(
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/05/111122223333_CloudTrail_us-east-1_20260105T1005Z_abc.json.gz",
            std::sync::Arc::from(Vec::new().into_boxed_slice()),
        );
        assert_eq!(
            delivered(&f).map(|t| t.to_rfc3339()),
            Some("2026-01-05T10:05:00Z".into())
        );
        let g = InputFile::memory("logs.json", std::sync::Arc::from(Vec::new().into_boxed_slice()));
        assert!(delivered(&g).is_none());
    }
}
