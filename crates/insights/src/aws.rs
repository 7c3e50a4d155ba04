//! CloudTrail's own Insights records found in the input: read, paired, and compared with ours.

use serde::{Deserialize, Serialize};
use trailguard_model::{Event, Raw, Timestamp};

use crate::insight::Insight;
use crate::key::InsightType;

/// One CloudTrail Insights record (eventType `AwsCloudTrailInsight`), as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AwsInsight {
    /// `eventID`.
    pub event_id: String,
    /// `sharedEventID` (joins the Start and End records).
    pub shared_event_id: String,
    /// `eventTime`.
    #[serde(with = "crate::insight::ts")]
    pub time: Timestamp,
    /// `recipientAccountId` (or the account in the file's key).
    pub account: String,
    /// `awsRegion`.
    pub region: String,
    /// `insightDetails.state`: `Start` or `End`.
    pub state: String,
    /// `insightDetails.eventSource`.
    pub event_source: String,
    /// `insightDetails.eventName`.
    pub event_name: String,
    /// `insightDetails.insightType` as written.
    pub insight_type: String,
    /// `insightDetails.errorCode`, when present.
    pub error_code: Option<String>,
    /// `insightContext.statistics.baseline.average`.
    pub baseline_average: Option<f64>,
    /// `insightContext.statistics.insight.average`.
    pub insight_average: Option<f64>,
    /// `insightContext.statistics.insightDuration` (minutes).
    pub insight_duration: Option<u64>,
    /// `insightContext.statistics.baselineDuration` (minutes).
    pub baseline_duration: Option<u64>,
    /// The record's text.
    pub raw: String,
}

fn text(r: Option<Raw<'_>>) -> Option<String> {
    r.and_then(|r| r.as_str()).map(|s| s.into_owned())
}

fn number(r: Option<Raw<'_>>) -> Option<f64> {
    r.and_then(|r| r.value().as_f64())
}

impl AwsInsight {
    /// Read the Insights fields of a record (missing ones stay empty).
    pub fn from_event(ev: &Event<'_>, fallback_account: Option<&str>) -> AwsInsight {
        let d = ev.insight_details;
        let get = |path: &[&str]| -> Option<Raw<'_>> {
            let mut cur = d?;
            for p in path {
                cur = cur.get(p)?;
            }
            Some(cur)
        };
        let stats = |k: &str| get(&["insightContext", "statistics", k]);
        AwsInsight {
            event_id: ev.event_id.as_deref().unwrap_or("").to_owned(),
            shared_event_id: ev.shared_event_id.as_deref().unwrap_or("").to_owned(),
            time: ev.time,
            account: ev.account().or(fallback_account).unwrap_or("").to_owned(),
            region: ev.aws_region.as_deref().unwrap_or("").to_owned(),
            state: text(get(&["state"])).unwrap_or_default(),
            event_source: text(get(&["eventSource"])).unwrap_or_default(),
            event_name: text(get(&["eventName"])).unwrap_or_default(),
            insight_type: text(get(&["insightType"])).unwrap_or_default(),
            error_code: text(get(&["errorCode"])),
            baseline_average: number(stats("baseline").and_then(|b| b.get("average"))),
            insight_average: number(stats("insight").and_then(|b| b.get("average"))),
            insight_duration: number(stats("insightDuration")).map(|v| v.max(0.0) as u64),
            baseline_duration: number(stats("baselineDuration")).map(|v| v.max(0.0) as u64),
            raw: ev.raw.text().to_owned(),
        }
    }
}

/// One anomaly CloudTrail reported: its Start and End records joined by `sharedEventID`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AwsAnomaly {
    /// `sharedEventID`.
    pub shared_event_id: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// `insightType` as written.
    pub insight_type: String,
    /// Error code, for error-rate insights that name one.
    pub error_code: Option<String>,
    /// Start of the unusual activity (the Start record's time, else End − duration).
    #[serde(serialize_with = "crate::insight::ts::serialize")]
    pub start: Timestamp,
    /// End (the End record's time), if CloudTrail delivered it.
    #[serde(serialize_with = "crate::insight::ts_opt::serialize")]
    pub end: Option<Timestamp>,
    /// Baseline calls per minute.
    pub baseline_average: Option<f64>,
    /// Calls per minute during the insight (from the End record when there is one).
    pub insight_average: Option<f64>,
}

/// Join Start and End records by `sharedEventID`; sorted by start, then key.
pub fn pair(records: &[AwsInsight]) -> Vec<AwsAnomaly> {
    let mut by_id: std::collections::BTreeMap<&str, (Option<&AwsInsight>, Option<&AwsInsight>)> =
        std::collections::BTreeMap::new();
    for r in records {
        // Records without a shared id cannot be joined: each stands alone.
        let key: &str = if r.shared_event_id.is_empty() {
            r.event_id.as_str()
        } else {
            r.shared_event_id.as_str()
        };
        let slot = by_id.entry(key).or_default();
        if r.state.eq_ignore_ascii_case("End") {
            slot.1 = Some(r);
        } else {
            slot.0 = Some(r);
        }
    }
    let mut out: Vec<AwsAnomaly> = by_id
        .into_iter()
        .filter_map(|(id, (start, end))| {
            let any = start.or(end)?;
            let start_time = match (start, end) {
                (Some(s), _) => s.time,
                (None, Some(e)) => e.time.add_secs(-(e.insight_duration.unwrap_or(0) as i64) * 60),
                (None, None) => return None,
            };
            let best = end.or(start)?;
            Some(AwsAnomaly {
                shared_event_id: id.to_owned(),
                account: any.account.clone(),
                region: any.region.clone(),
                event_source: any.event_source.clone(),
                event_name: any.event_name.clone(),
                insight_type: any.insight_type.clone(),
                error_code: start
                    .and_then(|s| s.error_code.clone())
                    .or(end.and_then(|e| e.error_code.clone())),
                start: start_time,
                end: end.map(|e| e.time),
                baseline_average: best.baseline_average,
                insight_average: best.insight_average,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (
            a.start,
            &a.account,
            &a.region,
            &a.event_source,
            &a.event_name,
            &a.insight_type,
        )
            .cmp(&(
                b.start,
                &b.account,
                &b.region,
                &b.event_source,
                &b.event_name,
                &b.insight_type,
            ))
    });
    out
}

/// How ours and CloudTrail's compare.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Comparison {
    /// CloudTrail's anomalies that trailguard also found, with the shared id of ours.
    pub matched: Vec<(AwsAnomaly, String)>,
    /// CloudTrail's anomalies that trailguard did not find.
    pub aws_only: Vec<AwsAnomaly>,
    /// trailguard's anomalies (shared ids) that CloudTrail did not report.
    pub ours_only: Vec<String>,
}

/// Minutes of slack when matching windows: CloudTrail's and our start and end minutes are
/// estimated differently.
pub const MATCH_SLACK_MINUTES: i64 = 15;

/// Compare CloudTrail's anomalies with ours (one [`Insight`] per anomaly, the latest record of
/// each): the same account, region, API and type (and error code when both name one), with
/// windows that overlap within [`MATCH_SLACK_MINUTES`]. Each of ours matches at most one of
/// theirs, the earliest unmatched one.
pub fn compare(aws: &[AwsAnomaly], ours: &[Insight]) -> Comparison {
    let slack = MATCH_SLACK_MINUTES * 60;
    let mut used = vec![false; ours.len()];
    let mut c = Comparison::default();
    for a in aws {
        let a_end = a.end.unwrap_or(Timestamp(i64::MAX / 2));
        let found = ours.iter().enumerate().find(|(i, o)| {
            if used[*i] {
                return false;
            }
            let k = &o.key;
            let same_type = InsightType::parse(&a.insight_type).is_some_and(|t| t == k.insight_type);
            let same_code = match (&a.error_code, &k.error_code) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            let o_end = o.end.unwrap_or(Timestamp(i64::MAX / 2));
            same_type
                && same_code
                && k.account == a.account
                && k.region == a.region
                && k.event_source == a.event_source
                && k.event_name == a.event_name
                && o.start.add_secs(-slack) <= a_end
                && a.start.add_secs(-slack) <= o_end
        });
        match found {
            Some((i, o)) => {
                used[i] = true;
                c.matched.push((a.clone(), o.shared_event_id.clone()));
            }
            None => c.aws_only.push(a.clone()),
        }
    }
    for (i, o) in ours.iter().enumerate() {
        if !used[i] {
            c.ours_only.push(o.shared_event_id.clone());
        }
    }
    c
}
