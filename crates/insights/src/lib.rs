//! API call-rate and error-rate anomalies over CloudTrail, reported as CloudTrail Insights
//! events — without CloudTrail's charge per analysed event or its 36-hour wait.
//!
//! # What is analysed
//!
//! Two detectors, as CloudTrail Insights ([`InsightType`]), per account × region × event source
//! × event name, on counts per minute:
//!
//! - **call rate**: write management calls (`readOnly: false`; service events and Insights
//!   records excluded). [`InsightsConfig::read_calls`] adds read calls (bursts of
//!   `GetSecretValue`, `GetPasswordData`, …), [`InsightsConfig::data_events`] data events;
//! - **error rate**: management calls that returned an error, keyed also by `errorCode`.
//!
//! # The model
//!
//! For each series and each UTC day, a baseline is fitted on the covered minutes of the
//! preceding window ([`InsightsConfig::window`], 7 days by default, up to 28), like CloudTrail's
//! daily recalculation ([`model`] holds the details):
//!
//! - **Coverage.** A minute counts as a zero only if the account has records in that hour;
//!   hours without any record of the account (logging stopped, data not synced) are missing
//!   data, neither quiet nor busy, and are left out of the baseline.
//! - **Rhythm.** Expected calls per minute for each hour of the week, shrunk towards the same
//!   hour of the day, which is shrunk towards the overall rate (empirical-Bayes Gamma–Poisson
//!   shrinkage: the prior's strength at each level comes from how much the bins really differ,
//!   beyond Poisson noise). Office hours, nightly batches and quiet weekends are learnt where
//!   the data show them; with 7 days an hour of the week has one sample and leans on the hour
//!   of the day unless the week clearly differs (weekends), with 28 days it has four.
//! - **Sparse and new APIs.** Every rate gets [`InsightsConfig::prior_events`] (half a call)
//!   spread over the window, so a brand-new API has a small, positive expected rate, and the
//!   uncertainty of a rate estimated from `N` calls enters the predictive law (below).
//! - **Spread.** Counts are modelled as negative binomial (a Poisson law whose rate itself
//!   varies): variance `Λ + Λ²/r` with `1/r = φ_w + 1/(N + ½)`. The over-dispersion `φ_w` is
//!   estimated per window length by the method of moments over the baseline's blocks, so an
//!   API that is used in clumps (a deployment pipeline, a nightly job) gets a wider band than
//!   one called steadily. It is made robust by leaving out, before fitting, the most extreme
//!   hours of the baseline ([`InsightsConfig::trim_per_week`], only hours that would have been
//!   insights themselves): last week's one-off incident does not mask this week's, while a
//!   pattern that recurs stays in the baseline.
//!
//! - **History.** An API raises nothing until its account has [`InsightsConfig::min_history`]
//!   covered minutes before the day judged (two days by default): with one day every hour of
//!   the day has a single sample and the rhythm cannot be told from noise.
//!
//! # Start, end, and the threshold
//!
//! At every minute with calls, the counts of the windows ending there
//! ([`InsightsConfig::scales`]: 1, 5, 15 and 60 minutes — a scripted burst shows in a minute, a
//! slow plateau only over an hour) are compared with the predictive law. A start needs, in
//! one window:
//!
//! - a tail probability `P(X ≥ count)` below [`InsightsConfig::alpha`] (10⁻⁷) divided by the
//!   number of window lengths — a false start roughly once per 10 million API-minutes if the
//!   model held exactly, i.e. rarely even for an organization with thousands of active APIs;
//! - at least [`InsightsConfig::min_events`] calls (5: a stray call or two on a silent API is
//!   not an insight, however improbable);
//! - at least [`InsightsConfig::min_ratio`] (2) times the expected count (on a very busy API a
//!   10 % rise is statistically certain and uninteresting).
//!
//! The start is then placed at the change point that maximises the Poisson log-likelihood
//! ratio of "an elevated rate from τ on" against the baseline, up to
//! [`InsightsConfig::lookback`] minutes back. While the insight is open its baseline is frozen
//! (it ends at the start, as CloudTrail's does). It ends once, for
//! [`InsightsConfig::quiet`] minutes, no window is outside the band — significant at the looser
//! [`InsightsConfig::alpha_end`] and at least halfway to `min_ratio` — so that a burst with a
//! pause is one insight, not several (hysteresis). The end is placed at the change point that
//! maximises the same likelihood ratio over the whole episode. An insight still open after
//! [`InsightsConfig::max_duration`] is closed, and the API must return to its band before it
//! can raise another, so a lasting change of level is one insight.
//!
//! # Output
//!
//! Each anomaly gives a Start and an End [`Insight`] sharing a deterministic `sharedEventID`,
//! written by [`Insight::to_record`] with the field names, order and shapes of CloudTrail's
//! Insights records (baseline and insight averages, durations, top-5 user identities, user
//! agents and error codes, for the insight and for the baseline). An anomaly still open at the
//! end of the input has only its Start. [`render`] draws a table and per-insight SVG charts.
//!
//! # Batch and stream
//!
//! [`Accumulator`]s count records on any number of threads, in any order, and merge. The
//! [`Detector`] takes them in and either [`Detector::finish`]es (history) or
//! [`Detector::advance`]s to a horizon before which counts are final (a stream: memory stays
//! bounded by the number of APIs times the window), and can be saved and resumed
//! ([`Detector::save`], [`Detector::load`]); resuming over the rest of a stream gives the same
//! records as one run. CloudTrail's own Insights records met in the input are kept
//! ([`AwsInsight`]) and can be compared with ours ([`aws::compare`]).
//!
//! `trailguard-scan` runs the same accumulators in its one pass over a trail (one per worker
//! thread, merged at the end) and puts an [`InsightsSummary`] into its report;
//! `trailguard insights` reads in delivery order and advances the detector as it goes.
//!
//! The crate does no I/O, never reads the clock (time comes from the records) and never
//! prints.
//!
//! ```
//! use trailguard_insights::{Detector, InsightsConfig};
//! use trailguard_model::decode_event_text;
//!
//! let mut det = Detector::new(InsightsConfig::default()).unwrap();
//! let mut acc = det.accumulator();
//! let rec = r#"{"eventTime":"2026-01-05T10:00:00Z","eventSource":"ec2.amazonaws.com",
//!   "eventName":"CreateTags","awsRegion":"us-east-1","readOnly":false,
//!   "recipientAccountId":"111122223333"}"#;
//! acc.record(&decode_event_text(rec).unwrap(), None);
//! det.absorb(acc);
//! // One call and one minute of history: nothing unusual, and no baseline yet.
//! assert!(det.finish().is_empty());
//! assert_eq!(det.counts().calls, 1);
//! ```

#![deny(missing_docs)]

mod accumulate;
pub mod aws;
mod config;
mod detect;
mod dist;
mod insight;
mod key;
pub mod model;
pub mod render;
mod summary;
#[cfg(test)]
mod tests;

pub use accumulate::{Accumulator, Counts};
pub use aws::{AwsAnomaly, AwsInsight, Comparison};
pub use config::{ConfigError, DAY, InsightsConfig};
pub use detect::{Chart, Detector, STATE_FORMAT, StateError};
pub use insight::{Attribution, AttributionValue, EndReason, Insight, InsightState, Statistic, anomalies};
pub use key::{InsightType, SeriesKey};
pub use summary::{InsightsSummary, summarize};
