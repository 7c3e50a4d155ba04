//! What the detector reports, and its form as CloudTrail Insights records.

use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use trailguard_json::escape_into;
use trailguard_model::Timestamp;

use crate::key::SeriesKey;
use crate::model::Model;

/// Which record of the pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum InsightState {
    /// The unusual activity began.
    Start,
    /// It ended.
    End,
}

impl InsightState {
    /// `Start` / `End`.
    pub fn as_str(self) -> &'static str {
        match self {
            InsightState::Start => "Start",
            InsightState::End => "End",
        }
    }
}

/// Calls (or errors) per minute over a period.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Statistic {
    /// Events per minute.
    pub average: f64,
    /// Length of the period in minutes (covered minutes, for a baseline).
    pub duration: u64,
    /// Events in the period.
    pub events: u64,
}

/// One value of an attribution list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttributionValue {
    /// The user identity ARN, user agent or error code (`"null"` when absent).
    pub value: String,
    /// Its events per minute over the period.
    pub average: f64,
    /// Its events in the period.
    pub events: u64,
}

/// Who and what made up the activity, during the insight and during the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attribution {
    /// `userIdentityArn`, `userAgent` or `errorCode`.
    pub attribute: &'static str,
    /// Top values during the insight, busiest first.
    pub insight: Vec<AttributionValue>,
    /// Top values during the baseline, busiest first.
    pub baseline: Vec<AttributionValue>,
}

/// Why an insight ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EndReason {
    /// The rate returned to its band.
    Returned,
    /// The insight reached its longest duration while the rate stayed high (a change of level).
    MaxDuration,
}

/// One Insights record: the Start or the End of an anomaly, with the figures known at that
/// point (a Start knows the activity up to the minute that triggered it; an End knows all of
/// it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Insight {
    /// What the anomaly is about.
    pub key: SeriesKey,
    /// Which record this is.
    pub state: InsightState,
    /// Deterministic id shared by the Start and End records.
    pub shared_event_id: String,
    /// First minute of the unusual activity.
    #[serde(serialize_with = "ts::serialize")]
    pub start: Timestamp,
    /// The minute after its last (End records only).
    #[serde(serialize_with = "ts_opt::serialize")]
    pub end: Option<Timestamp>,
    /// The end of the minute whose count triggered the Start.
    #[serde(serialize_with = "ts::serialize")]
    pub detected_at: Timestamp,
    /// The baseline: events per minute over the covered minutes of the window before `start`.
    pub baseline: Statistic,
    /// The unusual period as known to this record.
    pub insight: Statistic,
    /// Events per minute the model expected over that period (the seasonal baseline).
    pub expected: f64,
    /// Probability, under the baseline model, of a count at least as high as the one that
    /// triggered, in the triggering window.
    pub p_value: f64,
    /// Length in minutes of the triggering window.
    pub scale: u32,
    /// Top user identities, user agents and error codes.
    pub attributions: Vec<Attribution>,
    /// Why it ended (End records).
    pub end_reason: Option<EndReason>,
    #[serde(skip)]
    pub(crate) model: Option<Arc<Model>>,
}

/// A UUID-shaped id (version 8, "custom") from the SHA-256 of `parts`.
pub(crate) fn uuid_from(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{byte:02x}");
    }
    s
}

/// The shared id of an anomaly: a function of what it is about and when it started.
pub(crate) fn shared_id(key: &SeriesKey, start: Timestamp) -> String {
    uuid_from(&[
        "trailguard-insight/v1",
        &key.account,
        &key.region,
        key.insight_type.as_str(),
        &key.event_source,
        &key.event_name,
        key.error_code.as_deref().unwrap_or(""),
        &start.to_rfc3339(),
    ])
}

/// An average as CloudTrail writes it: at most 10 decimals, no trailing zeros.
pub(crate) fn average_text(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        return "0".into();
    }
    let mut s = format!("{x:.10}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "0" {
        // Below 5·10⁻¹¹: keep it visible rather than round it away.
        return format!("{x:e}");
    }
    s
}

impl Insight {
    /// `eventTime`: the start (Start record) or the end (End record) of the unusual activity.
    pub fn event_time(&self) -> Timestamp {
        match self.state {
            InsightState::Start => self.start,
            InsightState::End => self.end.unwrap_or(self.start),
        }
    }

    /// `eventID`: deterministic, distinct for the Start and the End.
    pub fn event_id(&self) -> String {
        uuid_from(&[
            "trailguard-insight-record/v1",
            &self.shared_event_id,
            self.state.as_str(),
        ])
    }

    /// The average the model expected, as a multiple: observed ÷ expected.
    pub fn ratio(&self) -> f64 {
        if self.expected > 0.0 {
            self.insight.average / self.expected
        } else {
            f64::INFINITY
        }
    }

    /// The record as one line of JSON, with CloudTrail's field names and order.
    pub fn to_record(&self) -> String {
        let mut o = String::with_capacity(1024);
        let k = &self.key;
        o.push_str("{\"eventVersion\":\"1.08\",\"eventTime\":");
        escape_into(&mut o, &self.event_time().to_rfc3339());
        o.push_str(",\"awsRegion\":");
        escape_into(&mut o, &k.region);
        o.push_str(",\"eventID\":");
        escape_into(&mut o, &self.event_id());
        o.push_str(",\"eventType\":\"AwsCloudTrailInsight\",\"recipientAccountId\":");
        escape_into(&mut o, &k.account);
        o.push_str(",\"sharedEventID\":");
        escape_into(&mut o, &self.shared_event_id);
        o.push_str(",\"insightDetails\":{\"state\":");
        escape_into(&mut o, self.state.as_str());
        o.push_str(",\"eventSource\":");
        escape_into(&mut o, &k.event_source);
        o.push_str(",\"eventName\":");
        escape_into(&mut o, &k.event_name);
        o.push_str(",\"insightType\":");
        escape_into(&mut o, k.insight_type.as_str());
        if let Some(code) = &k.error_code {
            o.push_str(",\"errorCode\":");
            escape_into(&mut o, code);
        }
        let _ = write!(
            o,
            ",\"insightContext\":{{\"statistics\":{{\"baseline\":{{\"average\":{}}},\"insight\":{{\"average\":{}}},\"insightDuration\":{},\"baselineDuration\":{}}},\"attributions\":[",
            average_text(self.baseline.average),
            average_text(self.insight.average),
            self.insight.duration,
            self.baseline.duration
        );
        for (i, a) in self.attributions.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"attribute\":");
            escape_into(&mut o, a.attribute);
            for (name, list) in [("insight", &a.insight), ("baseline", &a.baseline)] {
                let _ = write!(o, ",\"{name}\":[");
                for (j, v) in list.iter().enumerate() {
                    if j > 0 {
                        o.push(',');
                    }
                    o.push_str("{\"value\":");
                    escape_into(&mut o, &v.value);
                    let _ = write!(o, ",\"average\":{}}}", average_text(v.average));
                }
                o.push(']');
            }
            o.push('}');
        }
        o.push_str("]}},\"eventCategory\":\"Insight\"}");
        o
    }
}

/// The order records are reported in: by time, then by what they are about, Start before End.
pub(crate) fn record_order(a: &Insight, b: &Insight) -> std::cmp::Ordering {
    (a.event_time(), &a.key, a.state).cmp(&(b.event_time(), &b.key, b.state))
}

/// One line per anomaly: the latest record of each (the End when there is one).
pub fn anomalies(records: &[Insight]) -> Vec<Insight> {
    let mut by_id: std::collections::BTreeMap<&str, &Insight> = std::collections::BTreeMap::new();
    for r in records {
        let slot = by_id.entry(&r.shared_event_id).or_insert(r);
        if r.state == InsightState::End {
            *slot = r;
        }
    }
    let mut out: Vec<Insight> = by_id.into_values().cloned().collect();
    out.sort_by(|a, b| (a.start, &a.key).cmp(&(b.start, &b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_read_like_cloudtrails() {
        assert_eq!(average_text(1.0 / 11336.0), "0.0000882145");
        assert_eq!(average_text(0.6), "0.6");
        assert_eq!(average_text(3.0), "3");
        assert_eq!(average_text(0.0), "0");
        assert_eq!(average_text(f64::NAN), "0");
        assert!(average_text(1e-12).contains('e'));
    }

    #[test]
    fn ids_are_uuid_shaped_and_stable() {
        let a = uuid_from(&["x", "y"]);
        assert_eq!(a.len(), 36);
        assert_eq!(a, uuid_from(&["x", "y"]));
        assert_ne!(a, uuid_from(&["xy", ""]));
        assert_eq!(&a[14..15], "8");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }
}

/// Serde for [`Timestamp`] as RFC 3339 text.
pub(crate) mod ts {
    use serde::{Deserialize, Deserializer, Serializer};
    use trailguard_model::Timestamp;

    pub(crate) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(t)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde for `Option<Timestamp>` as RFC 3339 text or `null`.
pub(crate) mod ts_opt {
    use serde::Serializer;
    use trailguard_model::Timestamp;

    pub(crate) fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }
}
