//! The detector's settings, with the defaults and the reasons for them.

use serde::{Deserialize, Serialize};

/// Minutes in a day.
pub const DAY: u32 = 1440;

/// How the detector works. Every field has a documented default ([`InsightsConfig::default`]);
/// [`InsightsConfig::validate`] refuses values that make no sense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InsightsConfig {
    /// Length of the baseline window in minutes: the activity of the preceding `window` minutes
    /// is what "usual" means. Default 7 days (10080), as CloudTrail Insights; at most 28 days.
    pub window: u32,
    /// Covered minutes the baseline needs before the API can raise insights (default two
    /// days). With one day, every hour of the day has a single sample, the spread between days
    /// cannot be estimated and the rhythm is pooled away: the first office-hours peak of a
    /// trail looks like a burst against the daily average. With two, each hour of the day has
    /// two samples and the empirical-Bayes spread is estimable. CloudTrail, too, takes up to
    /// 36 hours to deliver its first insights.
    pub min_history: u32,
    /// Significance of a start: the probability, under the baseline model, of a count at least
    /// as large in the window that triggers. Default 10⁻⁷, split evenly over the window
    /// lengths of [`InsightsConfig::scales`] (Bonferroni): about one false start per
    /// 10 million API-minutes if the model were exact.
    pub alpha: f64,
    /// Significance that keeps an insight open (hysteresis): the insight ends once no window
    /// is unusual at this level for [`InsightsConfig::quiet`] minutes. Default 10⁻³.
    pub alpha_end: f64,
    /// Fewest calls (or errors) in the triggering window (default 5): a single stray call, or
    /// a couple, on a silent API is not an insight however improbable it is.
    pub min_events: u64,
    /// The triggering window must hold at least this multiple of the expected count
    /// (default 2): on very busy APIs a 10 % rise is statistically certain and of no interest.
    pub min_ratio: f64,
    /// Window lengths tested, in minutes (default 1, 5, 15, 60): one minute catches scripted
    /// bursts, an hour catches a slow plateau that no single minute reveals. Each divides 60.
    pub scales: Vec<u32>,
    /// Minutes without unusual activity that close an insight (default 15).
    pub quiet: u32,
    /// How far back (minutes) the start of an insight may be placed before the minute that
    /// triggered it (default 60).
    pub lookback: u32,
    /// An insight still open after this many minutes is closed (default one day); the API must
    /// then return to its band before it can raise another, so that a lasting change of level
    /// is one insight, not one a day while the baseline catches up.
    pub max_duration: u32,
    /// Baseline hours left out as outliers, per 7 days of window (default 1): a one-off
    /// incident in the last week does not mask the next one, while a pattern that recurs
    /// (daily, several times a week) stays part of the baseline.
    pub trim_per_week: u32,
    /// Calls of prior evidence added to every API's baseline (default 0.5, Jeffreys): a brand
    /// new API is modelled as "half a call in the whole window", not as impossible.
    pub prior_events: f64,
    /// Also count read-only management calls for the call rate. CloudTrail's
    /// `ApiCallRateInsight` counts write calls only; this extension (off by default) catches
    /// bursts of reads such as `GetSecretValue` or `GetPasswordData` sprees.
    pub read_calls: bool,
    /// Also analyse data events (call rate over read and write data calls, and error rate), as
    /// CloudTrail does when Insights are enabled for data events. Off by default.
    pub data_events: bool,
    /// Length of each attribution list (CloudTrail: 5).
    pub top: usize,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        InsightsConfig {
            window: 7 * DAY,
            min_history: 2 * DAY,
            alpha: 1e-7,
            alpha_end: 1e-3,
            min_events: 5,
            min_ratio: 2.0,
            scales: vec![1, 5, 15, 60],
            quiet: 15,
            lookback: 60,
            max_duration: DAY,
            trim_per_week: 1,
            prior_events: 0.5,
            read_calls: false,
            data_events: false,
            top: 5,
        }
    }
}

/// A setting that cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("insights setting {name} = {value}: {reason}")]
pub struct ConfigError {
    /// The setting.
    pub name: &'static str,
    /// Its value, as text.
    pub value: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl InsightsConfig {
    /// Check every setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |name: &'static str, value: String, reason: &'static str| Err(ConfigError { name, value, reason });
        if self.window < DAY || self.window > 28 * DAY || !self.window.is_multiple_of(60) {
            return bad(
                "window",
                self.window.to_string(),
                "must be whole hours from 1 to 28 days (1440 to 40320 minutes)",
            );
        }
        if self.min_history == 0 || self.min_history > self.window {
            return bad(
                "min_history",
                self.min_history.to_string(),
                "must be at least one minute and at most the window",
            );
        }
        for (name, v) in [("alpha", self.alpha), ("alpha_end", self.alpha_end)] {
            if !(v > 0.0 && v < 1.0) {
                return bad(name, v.to_string(), "must be a probability between 0 and 1");
            }
        }
        if self.alpha_end < self.alpha {
            return bad(
                "alpha_end",
                self.alpha_end.to_string(),
                "must not be stricter than alpha (the band that ends an insight is narrower than the one that starts it)",
            );
        }
        if self.min_events == 0 {
            return bad("min_events", "0".into(), "must be at least 1");
        }
        if !(self.min_ratio >= 1.0 && self.min_ratio.is_finite()) {
            return bad("min_ratio", self.min_ratio.to_string(), "must be at least 1");
        }
        if self.scales.is_empty() || self.scales.iter().any(|&w| w == 0 || !60u32.is_multiple_of(w)) {
            return bad(
                "scales",
                format!("{:?}", self.scales),
                "each window length must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)",
            );
        }
        if self.quiet == 0 || self.quiet > 24 * 60 {
            return bad("quiet", self.quiet.to_string(), "must be 1 to 1440 minutes");
        }
        if self.lookback > 24 * 60 {
            return bad("lookback", self.lookback.to_string(), "must be at most 1440 minutes");
        }
        if self.max_duration < self.quiet || self.max_duration > 7 * DAY {
            return bad(
                "max_duration",
                self.max_duration.to_string(),
                "must be at least `quiet` and at most 7 days",
            );
        }
        if !(self.prior_events > 0.0 && self.prior_events.is_finite()) {
            return bad("prior_events", self.prior_events.to_string(), "must be more than zero");
        }
        if self.top == 0 || self.top > 100 {
            return bad("top", self.top.to_string(), "must be 1 to 100");
        }
        Ok(())
    }

    /// The largest window length tested.
    pub(crate) fn max_scale(&self) -> u32 {
        self.scales.iter().copied().max().unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        InsightsConfig::default().validate().unwrap();
    }

    #[test]
    fn bad_settings_are_named() {
        let cases: Vec<(&str, InsightsConfig)> = vec![
            (
                "window",
                InsightsConfig {
                    window: 29 * DAY,
                    ..Default::default()
                },
            ),
            (
                "window",
                InsightsConfig {
                    window: 100,
                    ..Default::default()
                },
            ),
            (
                "min_history",
                InsightsConfig {
                    min_history: 0,
                    ..Default::default()
                },
            ),
            (
                "alpha",
                InsightsConfig {
                    alpha: 0.0,
                    ..Default::default()
                },
            ),
            (
                "alpha_end",
                InsightsConfig {
                    alpha_end: 1e-9,
                    ..Default::default()
                },
            ),
            (
                "min_ratio",
                InsightsConfig {
                    min_ratio: 0.5,
                    ..Default::default()
                },
            ),
            (
                "scales",
                InsightsConfig {
                    scales: vec![7],
                    ..Default::default()
                },
            ),
            (
                "scales",
                InsightsConfig {
                    scales: vec![],
                    ..Default::default()
                },
            ),
            (
                "max_duration",
                InsightsConfig {
                    max_duration: 1,
                    ..Default::default()
                },
            ),
            (
                "top",
                InsightsConfig {
                    top: 0,
                    ..Default::default()
                },
            ),
        ];
        for (name, c) in cases {
            let e = c.validate().unwrap_err();
            assert_eq!(e.name, name, "{e}");
        }
    }
}
