//! `trailguard scan`: one pass over a trail that every engine shares.
//!
//! The pass reads each file once (on all cores) into a [`ScanSink`] per worker thread; each sink
//! feeds its engines — the statistics of [`stats`], the per-minute counts of the anomaly
//! detector ([`insights`]), the detection rules ([`detection`]) and, when the source holds
//! digests, the log hashes and digest bytes that [`integrity`] verifies — and the sinks are
//! merged into one [`ScanReport`]. Engines never print, read the clock or touch the disk; all
//! input goes through `trailguard-read` (which [`integrity`] also asks, after the pass, for the
//! few objects the reader streamed instead of holding whole).

#![deny(missing_docs)]

pub mod detection;
pub mod integrity;
pub mod stats;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use trailguard_model::Event;
use trailguard_read::{
    FileList, FileSummary, Ignored, InputFile, Issue, ObjectBytes, ObjectKind, Progress, ReadOptions, RecordAt,
    Severity, Sink, read_all,
};

pub use detection::DetectionReport;
pub use integrity::{IntegrityOptions, IntegrityReport};
pub use stats::{Ranked, Sighting, Stats, Summary};
pub use trailguard_insights as insights;
use trailguard_insights::{Accumulator, Detector, InsightsConfig, InsightsSummary};

/// How a scan runs.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Reader settings.
    pub read: ReadOptions,
    /// Length of each ranking in the report.
    pub top: usize,
    /// Examples kept per kind of issue.
    pub issue_examples: usize,
    /// The anomaly detector's settings (`None`: no anomaly detection). Settings that do not
    /// validate ([`InsightsConfig::validate`]) also turn it off: check them first.
    pub insights: Option<InsightsConfig>,
    /// The detection rules run in the pass (`None`: no detection).
    pub detector: Option<Arc<trailguard_detect::Detector>>,
    /// Digest-chain verification in the pass (`None`: none). It runs only when the source
    /// holds digest files ([`integrity::has_digests`]).
    pub integrity: Option<IntegrityOptions>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            read: ReadOptions::default(),
            top: 10,
            issue_examples: 5,
            insights: Some(InsightsConfig::default()),
            detector: None,
            integrity: None,
        }
    }
}

/// Called with every issue as it is found (from worker threads).
pub type IssueHook<'a> = &'a (dyn Fn(&Issue) + Sync);

/// Issues of one kind: how many, and the first few (in file and record order).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IssueGroup {
    /// The issue code (`gzip-truncated`, `record-missing-field`, …).
    pub code: String,
    /// Skip or warning.
    pub severity: Option<Severity>,
    /// How many.
    pub count: u64,
    /// The first few.
    pub examples: Vec<Issue>,
}

/// The per-worker accumulator of a scan: it feeds every engine.
pub struct ScanSink<'h> {
    stats: Stats,
    insights: Option<Accumulator>,
    issues: BTreeMap<&'static str, (u64, Vec<Issue>)>,
    examples: usize,
    digests: u64,
    hook: IssueHook<'h>,
    detect: Option<trailguard_detect::Collector<'h>>,
    integrity: Option<integrity::IntegrityCollector>,
}

/// Examples are the first issues in file, record and byte order, whichever thread found them.
fn issue_order(i: &Issue) -> (&str, u64, u64) {
    (&i.file, i.record.unwrap_or(0), i.offset.unwrap_or(0))
}

impl<'h> ScanSink<'h> {
    fn new(opts: &'h ScanOptions, verify: bool, hook: IssueHook<'h>) -> Self {
        ScanSink {
            stats: Stats::new(opts.top),
            insights: opts
                .insights
                .as_ref()
                .filter(|c| c.validate().is_ok())
                .map(Accumulator::new),
            issues: BTreeMap::new(),
            examples: opts.issue_examples,
            digests: 0,
            hook,
            detect: opts
                .detector
                .as_deref()
                .map(|d| d.collector(trailguard_detect::Keep::First(detection::EXAMPLES))),
            integrity: verify.then(integrity::IntegrityCollector::default),
        }
    }

    fn keep_example(&mut self, issue: Issue) {
        let slot = &mut self.issues.entry(issue.code).or_default().1;
        let pos = slot.partition_point(|i| issue_order(i) <= issue_order(&issue));
        if pos < self.examples {
            slot.insert(pos, issue);
            slot.truncate(self.examples);
        }
    }

    fn merge(&mut self, other: ScanSink<'_>) {
        self.stats.merge(other.stats);
        if let (Some(a), Some(b)) = (&mut self.insights, other.insights) {
            a.merge(b);
        }
        for (code, (count, examples)) in other.issues {
            self.issues.entry(code).or_default().0 += count;
            for issue in examples {
                self.keep_example(issue);
            }
        }
        self.digests += other.digests;
        if let (Some(a), Some(b)) = (&mut self.detect, other.detect) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (&mut self.integrity, other.integrity) {
            a.merge(b);
        }
    }
}

impl Sink for ScanSink<'_> {
    #[inline]
    fn record(&mut self, event: &Event<'_>, at: &RecordAt<'_>) {
        self.stats.record(event, at);
        if let Some(a) = &mut self.insights {
            a.record(event, at.file.layout.as_ref().map(|l| l.account.as_str()));
        }
        if let Some(d) = &mut self.detect {
            d.record(event);
        }
    }

    fn issue(&mut self, issue: Issue) {
        (self.hook)(&issue);
        self.issues.entry(issue.code).or_default().0 += 1;
        self.keep_example(issue);
    }

    fn object(&mut self, file: &InputFile, object: &ObjectBytes<'_>) {
        if let Some(i) = &mut self.integrity {
            i.object(file, object);
        }
    }

    fn digest(&mut self, file: &InputFile, object: &ObjectBytes<'_>) {
        self.digests += 1;
        if let Some(i) = &mut self.integrity {
            i.digest(file, object);
        }
    }
}

/// Files read, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Files {
    /// Files read (logs, Insights and digests).
    pub read: u64,
    /// Log files (management, data and network activity events).
    pub logs: u64,
    /// Insights files.
    pub insights: u64,
    /// Digest files.
    pub digests: u64,
    /// Bytes as stored.
    pub stored_bytes: u64,
    /// Bytes of JSON after inflating.
    pub text_bytes: u64,
    /// Files not read to the end (damaged).
    pub incomplete: u64,
    /// What the folder walk left out.
    pub ignored: Ignored,
}

/// What could not be used.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Skipped {
    /// Issues that skipped input (`--strict` fails when this is not zero).
    pub skips: u64,
    /// Records known to be skipped.
    pub records: u64,
    /// Files of which part could not be read (records lost: unknown).
    pub incomplete_files: u64,
    /// Warnings (input read, something odd).
    pub warnings: u64,
    /// Issues by kind, skips first.
    pub groups: Vec<IssueGroup>,
}

/// The result of a scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScanReport {
    /// Format version of this document.
    pub schema: &'static str,
    /// What was scanned.
    pub source: String,
    /// Files.
    pub files: Files,
    /// What could not be used.
    pub skipped: Skipped,
    /// The statistics.
    pub summary: Summary,
    /// API call-rate and error-rate anomalies (absent when the detector was off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insights: Option<InsightsSummary>,
    /// Alerts of the detection rules run in the pass, by severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection: Option<DetectionReport>,
    /// The digest chains' verdict (absent when the source has no digests or verification
    /// was off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<IntegrityReport>,
}

impl ScanReport {
    /// Whether any input was skipped (for `--strict`).
    pub fn has_skips(&self) -> bool {
        self.skipped.skips > 0
    }
}

/// Scan `list` (described as `source` in the report).
pub fn scan(
    source: &str,
    list: &FileList,
    opts: &ScanOptions,
    progress: &dyn Progress,
    hook: IssueHook<'_>,
) -> ScanReport {
    let verify = opts.integrity.is_some() && integrity::has_digests(list);
    let (sinks, summaries) = read_all(&list.files, &opts.read, progress, || ScanSink::new(opts, verify, hook));
    let mut merged = ScanSink::new(opts, verify, hook);
    for s in sinks {
        merged.merge(s);
    }
    build_report(source, list, &summaries, merged, opts)
}

/// Run the anomaly detector over the merged counts (the statistics are per API, done once).
fn find_anomalies(acc: Accumulator, config: &InsightsConfig) -> Option<InsightsSummary> {
    let mut det = Detector::new(config.clone()).ok()?;
    det.absorb(acc);
    let records = det.finish();
    Some(trailguard_insights::summarize(&det, &records))
}

fn build_report(
    source: &str,
    list: &FileList,
    summaries: &[FileSummary],
    mut sink: ScanSink<'_>,
    opts: &ScanOptions,
) -> ScanReport {
    let detection = match (sink.detect.take(), opts.detector.as_deref()) {
        (Some(c), Some(d)) => Some(DetectionReport::new(d, c.finish())),
        _ => None,
    };
    let integrity = match (sink.integrity.take(), &opts.integrity) {
        (Some(c), Some(o)) => Some(c.finish(list, o)),
        _ => None,
    };
    let insights = match (sink.insights.take(), &opts.insights) {
        (Some(acc), Some(cfg)) => find_anomalies(acc, cfg),
        _ => None,
    };
    let mut files = Files {
        ignored: list.ignored.clone(),
        ..Files::default()
    };
    let mut skipped = Skipped::default();
    for (file, s) in list.files.iter().zip(summaries) {
        files.read += 1;
        match file.kind {
            ObjectKind::Digest => files.digests += 1,
            ObjectKind::Insight => files.insights += 1,
            ObjectKind::Log | ObjectKind::NetworkActivity => files.logs += 1,
        }
        files.stored_bytes += s.stored_bytes;
        files.text_bytes += s.text_bytes;
        if !s.complete {
            files.incomplete += 1;
            skipped.incomplete_files += 1;
        }
        skipped.skips += s.skips;
        skipped.records += s.records_skipped;
        skipped.warnings += s.warnings;
    }
    let mut groups: Vec<IssueGroup> = sink
        .issues
        .into_iter()
        .map(|(code, (count, examples))| IssueGroup {
            code: code.to_owned(),
            severity: examples.first().map(|i| i.severity),
            count,
            examples,
        })
        .collect();
    groups.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.code.cmp(&b.code))
    });
    skipped.groups = groups;
    ScanReport {
        schema: "trailguard.scan/v1",
        source: source.to_owned(),
        files,
        skipped,
        summary: sink.stats.summary(),
        insights,
        detection,
        integrity,
    }
}
