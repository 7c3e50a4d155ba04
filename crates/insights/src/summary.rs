//! The insights section of a scan report.

use serde::Serialize;

use crate::accumulate::Counts;
use crate::aws::{AwsAnomaly, Comparison, compare, pair};
use crate::detect::Detector;
use crate::insight::{Insight, anomalies};

/// What the detector did and found, for a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InsightsSummary {
    /// Baseline window in minutes.
    pub window_minutes: u32,
    /// Covered minutes a series needs before it can raise insights.
    pub min_history_minutes: u32,
    /// Whether read-only calls were counted for the call rate.
    pub read_calls: bool,
    /// Whether data events were analysed.
    pub data_events: bool,
    /// What was counted.
    pub counts: Counts,
    /// Call-rate series (account × region × API).
    pub call_rate_series: u64,
    /// Error-rate series (account × region × API × error code).
    pub error_rate_series: u64,
    /// Earliest covered minute.
    pub first: Option<String>,
    /// Latest record minute.
    pub last: Option<String>,
    /// Start and End records produced.
    pub records: u64,
    /// One entry per anomaly (its End record when it ended, else its Start), by start time.
    pub anomalies: Vec<Insight>,
    /// CloudTrail's own Insights found in the input, one per anomaly.
    pub aws: Vec<AwsAnomaly>,
    /// How CloudTrail's and ours compare (when the input has CloudTrail Insights).
    pub comparison: Option<Comparison>,
}

/// Summarise a finished detector and the records it produced.
pub fn summarize(det: &Detector, records: &[Insight]) -> InsightsSummary {
    let cfg = det.config();
    let (calls, errors) = det.series_counts();
    let ours = anomalies(records);
    let aws = pair(det.aws_insights());
    let comparison = (!aws.is_empty()).then(|| compare(&aws, &ours));
    InsightsSummary {
        window_minutes: cfg.window,
        min_history_minutes: cfg.min_history,
        read_calls: cfg.read_calls,
        data_events: cfg.data_events,
        counts: det.counts().clone(),
        call_rate_series: calls,
        error_rate_series: errors,
        first: det.earliest().map(|t| t.to_rfc3339()),
        last: det.latest().map(|t| t.to_rfc3339()),
        records: records.len() as u64,
        anomalies: ours,
        aws,
        comparison,
    }
}
