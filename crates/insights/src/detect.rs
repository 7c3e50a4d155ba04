//! The detector: per series, a state machine over minutes.
//!
//! ```text
//!            start test (α, min events, min ratio)            rate in band for `quiet` minutes
//!   Armed ───────────────────────────────────────▶ Active ─────────────────────────────────▶ Armed
//!     ▲                                               │ open for `max_duration`
//!     │   rate in band for `quiet` minutes            ▼
//!     └──────────────────────────────────────── Saturated
//! ```
//!
//! Evaluation moves forward over minutes up to a horizon. A series that is armed is looked at
//! only at minutes with events (nothing else can start an insight), so the work grows with the
//! number of non-empty minutes, not with the length of the input times the number of APIs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use trailguard_model::Timestamp;

use crate::accumulate::{AGENT, ARN, Accumulator, CODE, Cell, Counts, Store, minute_of, time_of, unpack};
use crate::aws::AwsInsight;
use crate::config::{ConfigError, DAY, InsightsConfig};
use crate::dist::{nb_quantile, nb_upper};
use crate::insight::{
    Attribution, AttributionValue, EndReason, Insight, InsightState, Statistic, record_order, shared_id,
};
use crate::key::{InsightType, Interner, KeyIds, NULL, SeriesKey, Sid};
use crate::model::{Model, fit};

/// Which hours an account has records in, and its latest minute: an empty minute of a covered
/// hour is a zero; a minute outside them is missing data, neither quiet nor busy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Cover {
    hours: BTreeSet<u32>,
    first: u32,
    last: u32,
}

impl Default for Cover {
    fn default() -> Self {
        Cover {
            hours: BTreeSet::new(),
            first: u32::MAX,
            last: 0,
        }
    }
}

impl Cover {
    #[inline]
    fn covered(&self, minute: u32) -> bool {
        minute >= self.first && minute <= self.last && self.hours.contains(&(minute / 60))
    }

    /// Covered minutes in `[from, to)`.
    fn minutes(&self, from: u32, to: u32) -> u64 {
        let from = from.max(self.first);
        let to = to.min(self.last.saturating_add(1));
        if from >= to {
            return 0;
        }
        self.hours
            .range(from / 60..=(to - 1) / 60)
            .map(|&h| {
                let a = (h * 60).max(from);
                let b = (h * 60 + 60).min(to);
                u64::from(b.saturating_sub(a))
            })
            .sum()
    }

    /// The first covered minute at or after `m`, if any before `until`.
    fn next_covered(&self, m: u32, until: u32) -> Option<u32> {
        if self.covered(m) {
            return Some(m);
        }
        let h = self.hours.range(m / 60 + 1..).next()?;
        let t = h * 60;
        (t < until && t <= self.last).then_some(t)
    }
}

/// The baseline facts of an open insight, fixed at its start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Baseline {
    exposure: u64,
    events: u64,
    attrs: Vec<(u32, u64)>,
}

/// An insight in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Open {
    start: u32,
    trigger: u32,
    scale: u32,
    p_value: f64,
    /// The model of the day the insight started, frozen: the insight does not teach the
    /// baseline that it is normal.
    model: Model,
    baseline: Baseline,
    last_unusual: u32,
    quiet_run: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Phase {
    Armed,
    Active(Box<Open>),
    /// Closed at `max_duration` while still high: waits for the rate to come back into its
    /// band before it may start again.
    Saturated {
        quiet_run: u32,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Series {
    key: KeyIds,
    #[serde(with = "cells_as_list")]
    cells: BTreeMap<u32, Cell>,
    /// First minute not yet evaluated.
    next: u32,
    /// Windows and starts never reach before this minute (the end of the last insight).
    floor: u32,
    phase: Phase,
    #[serde(skip)]
    cache: Option<(u32, Option<Arc<Model>>)>,
}

mod cells_as_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::accumulate::Cell;

    pub(super) fn serialize<S: Serializer>(m: &BTreeMap<u32, Cell>, s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<(&u32, &Cell)> = m.iter().collect();
        v.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u32, Cell>, D::Error> {
        let v: Vec<(u32, Cell)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

/// What one series found, before strings are attached.
struct Found {
    series: u32,
    state: InsightState,
    start: u32,
    end: Option<u32>,
    trigger: u32,
    scale: u32,
    p_value: f64,
    events: u64,
    duration: u64,
    expected: f64,
    attrs: Vec<(u32, u64)>,
    baseline: Baseline,
    reason: Option<EndReason>,
    model: Model,
}

/// Sum of counts per attribution value over `[from, to)`.
fn aggregate(cells: &BTreeMap<u32, Cell>, from: u32, to: u32) -> Vec<(u32, u64)> {
    let mut m: FxHashMap<u32, u64> = FxHashMap::default();
    for (_, c) in cells.range(from..to) {
        for &(v, n) in &c.attrs {
            *m.entry(v).or_insert(0) += u64::from(n);
        }
    }
    m.into_iter().collect()
}

fn total(cells: &BTreeMap<u32, Cell>, from: u32, to: u32) -> u64 {
    if from >= to {
        return 0;
    }
    cells.range(from..to).map(|(_, c)| u64::from(c.n)).sum()
}

/// The Poisson log-likelihood ratio of "rate × (X / Λ)" against "rate": how strongly `x`
/// events where `Λ` were expected say the rate was different.
#[inline]
fn deviance(x: f64, lambda: f64) -> f64 {
    if x <= 0.0 || lambda <= 0.0 {
        return 0.0;
    }
    x * (x / lambda).ln() - (x - lambda)
}

struct Ctx<'a> {
    cfg: &'a InsightsConfig,
    cover: &'a Cover,
}

impl Series {
    fn new(key: KeyIds, next: u32) -> Series {
        Series {
            key,
            cells: BTreeMap::new(),
            next,
            floor: 0,
            phase: Phase::Armed,
            cache: None,
        }
    }

    /// The model of the day holding `minute`, fitted on the window before that day.
    fn model_for(&mut self, cx: &Ctx<'_>, minute: u32) -> Option<Arc<Model>> {
        let day = minute / DAY * DAY;
        if let Some((d, m)) = &self.cache
            && *d == day
        {
            return m.clone();
        }
        let from = day.saturating_sub(cx.cfg.window);
        let m = fit(cx.cfg, &self.cells, &cx.cover.hours, from.max(cx.cover.first), day).map(Arc::new);
        self.cache = Some((day, m.clone()));
        m
    }

    /// Sums over the windows ending at `m` (not before `floor`), one per window length.
    fn window_sums(&self, cfg: &InsightsConfig, m: u32, floor: u32) -> Vec<u64> {
        let lo = m.saturating_sub(cfg.max_scale() - 1).max(floor);
        let mut sums = vec![0u64; cfg.scales.len()];
        if lo > m {
            return sums;
        }
        for (&t, c) in self.cells.range(lo..=m) {
            for (i, &w) in cfg.scales.iter().enumerate() {
                if t + w > m {
                    sums[i] += u64::from(c.n);
                }
            }
        }
        sums
    }

    /// Whether some window ending at `m` is outside the band: significant at `alpha_end` and at
    /// least halfway to `min_ratio` above the expectation.
    fn unusual(&self, cfg: &InsightsConfig, model: &Model, m: u32, floor: u32) -> bool {
        let ratio = 1.0 + (cfg.min_ratio - 1.0) / 2.0;
        let sums = self.window_sums(cfg, m, floor);
        cfg.scales.iter().enumerate().any(|(i, &w)| {
            let s = sums[i];
            if s == 0 {
                return false;
            }
            let lo = m.saturating_sub(w - 1).max(floor);
            let lambda = model.expected(lo, m + 1);
            (s as f64) >= ratio * lambda && nb_upper(s, lambda, model.size(i, m)) < cfg.alpha_end
        })
    }

    fn try_start(&mut self, cx: &Ctx<'_>, m: u32) -> Option<Open> {
        let cfg = cx.cfg;
        let sums = self.window_sums(cfg, m, self.floor);
        // Most minutes of most APIs hold too few calls in every window to start anything:
        // they need no model (fitting one is the costly part of a day's first minute).
        if sums.iter().all(|&s| s < cfg.min_events) {
            return None;
        }
        let model = self.model_for(cx, m)?;
        let per_scale = cfg.alpha / cfg.scales.len() as f64;
        let mut best: Option<(f64, usize)> = None;
        for (i, &w) in cfg.scales.iter().enumerate() {
            let s = sums[i];
            if s < cfg.min_events {
                continue;
            }
            let lo = m.saturating_sub(w - 1).max(self.floor);
            let lambda = model.expected(lo, m + 1);
            if (s as f64) < cfg.min_ratio * lambda {
                continue;
            }
            let p = nb_upper(s, lambda, model.size(i, m));
            if p < per_scale && best.is_none_or(|(bp, _)| p < bp) {
                best = Some((p, i));
            }
        }
        let (p_value, i) = best?;
        // The start: the change point that best explains the activity up to `m` (the maximum
        // of the log-likelihood ratio of an elevated segment [τ, m] against the baseline).
        let lo = m.saturating_sub(cfg.lookback).max(self.floor);
        let mut x = 0.0;
        let mut lambda = 0.0;
        let mut start = m;
        let mut best_dev = f64::NEG_INFINITY;
        let counts: BTreeMap<u32, u32> = self.cells.range(lo..=m).map(|(&t, c)| (t, c.n)).collect();
        let mut t = m;
        loop {
            lambda += model.rate_at(t);
            if let Some(&n) = counts.get(&t) {
                x += f64::from(n);
                let d = deviance(x, lambda);
                if d > best_dev {
                    best_dev = d;
                    start = t;
                }
            }
            if t == lo {
                break;
            }
            t -= 1;
        }
        let from = start.saturating_sub(cfg.window);
        let baseline = Baseline {
            exposure: cx.cover.minutes(from, start),
            events: total(&self.cells, from, start),
            attrs: aggregate(&self.cells, from, start),
        };
        Some(Open {
            start,
            trigger: m,
            scale: cfg.scales[i],
            p_value,
            model: (*model).clone(),
            baseline,
            last_unusual: m,
            quiet_run: 0,
        })
    }

    fn found(&self, sid: u32, open: &Open, state: InsightState, end: u32, reason: Option<EndReason>) -> Found {
        let events = total(&self.cells, open.start, end);
        let duration = u64::from(end - open.start);
        Found {
            series: sid,
            state,
            start: open.start,
            end: (state == InsightState::End).then_some(end),
            trigger: open.trigger,
            scale: open.scale,
            p_value: open.p_value,
            events,
            duration,
            expected: open.model.expected(open.start, end) / duration.max(1) as f64,
            attrs: aggregate(&self.cells, open.start, end),
            baseline: open.baseline.clone(),
            reason,
            model: open.model.clone(),
        }
    }

    /// The end of an insight whose rate came back: the change point that best explains the
    /// activity since the start (the maximum over `e` of the log-likelihood ratio of the
    /// segment [start, e) against the baseline).
    fn end_point(&self, open: &Open) -> u32 {
        let mut x = 0.0;
        let mut lambda = 0.0;
        let mut best = open.trigger + 1;
        let mut best_dev = f64::NEG_INFINITY;
        let mut it = self.cells.range(open.start..=open.last_unusual).peekable();
        for t in open.start..=open.last_unusual {
            lambda += open.model.rate_at(t);
            while let Some(&(&ct, c)) = it.peek() {
                if ct > t {
                    break;
                }
                x += f64::from(c.n);
                it.next();
            }
            let e = t + 1;
            if e > open.trigger {
                let d = deviance(x, lambda);
                if d > best_dev {
                    best_dev = d;
                    best = e;
                }
            }
        }
        best
    }

    /// Evaluate minutes `[self.next, until)`.
    fn evaluate(&mut self, sid: u32, cx: &Ctx<'_>, until: u32, out: &mut Vec<Found>) {
        let mut m = self.next;
        while m < until {
            match self.phase {
                Phase::Armed => {
                    let Some((&t, _)) = self.cells.range(m..until).next() else {
                        break;
                    };
                    m = t;
                    if cx.cover.covered(m)
                        && let Some(open) = self.try_start(cx, m)
                    {
                        out.push(self.found(sid, &open, InsightState::Start, m + 1, None));
                        self.phase = Phase::Active(Box::new(open));
                    }
                    m += 1;
                }
                Phase::Active(_) | Phase::Saturated { .. } => {
                    let Some(c) = cx.cover.next_covered(m, until) else {
                        break;
                    };
                    m = c;
                    self.step(sid, cx, m, out);
                    m += 1;
                }
            }
        }
        self.next = self.next.max(until);
    }

    /// One covered minute of an active or saturated series.
    fn step(&mut self, sid: u32, cx: &Ctx<'_>, m: u32, out: &mut Vec<Found>) {
        let cfg = cx.cfg;
        match std::mem::replace(&mut self.phase, Phase::Armed) {
            Phase::Armed => {}
            Phase::Active(mut open) => {
                if m <= open.trigger {
                    self.phase = Phase::Active(open);
                    return;
                }
                if self.unusual(cfg, &open.model, m, open.start) {
                    open.last_unusual = m;
                    open.quiet_run = 0;
                } else {
                    open.quiet_run += 1;
                }
                if open.quiet_run >= cfg.quiet {
                    let e = self.end_point(&open);
                    out.push(self.found(sid, &open, InsightState::End, e, Some(EndReason::Returned)));
                    self.floor = e;
                    self.phase = Phase::Armed;
                } else if m + 1 - open.start >= cfg.max_duration {
                    let e = m + 1;
                    out.push(self.found(sid, &open, InsightState::End, e, Some(EndReason::MaxDuration)));
                    self.floor = e;
                    self.phase = Phase::Saturated { quiet_run: 0 };
                } else {
                    self.phase = Phase::Active(open);
                }
            }
            Phase::Saturated { mut quiet_run } => {
                let busy = match self.model_for(cx, m) {
                    Some(model) => self.unusual(cfg, &model, m, self.floor),
                    None => false,
                };
                quiet_run = if busy { 0 } else { quiet_run + 1 };
                self.phase = if quiet_run >= cfg.quiet {
                    Phase::Armed
                } else {
                    Phase::Saturated { quiet_run }
                };
            }
        }
    }
}

/// A chart of one insight's API around the insight: observed counts, the expected count and
/// the top of the band, per bucket of minutes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    /// What the insight is about.
    pub key: SeriesKey,
    /// Start of the first bucket.
    #[serde(serialize_with = "crate::insight::ts::serialize")]
    pub from: Timestamp,
    /// Minutes per bucket.
    pub bucket_minutes: u32,
    /// Events per bucket.
    pub observed: Vec<u64>,
    /// Expected events per bucket (the baseline model frozen at the start).
    pub expected: Vec<f64>,
    /// Top of the band per bucket: counts above it are unusual at `alpha_end`.
    pub band: Vec<u64>,
    /// Whether each bucket is covered by data.
    pub covered: Vec<bool>,
    /// The insight's start.
    #[serde(serialize_with = "crate::insight::ts::serialize")]
    pub start: Timestamp,
    /// Its end, if it ended.
    #[serde(serialize_with = "crate::insight::ts_opt::serialize")]
    pub end: Option<Timestamp>,
}

/// Why a saved state could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Not a state file of this version.
    #[error("not a trailguard insights state (format {found:?}, expected {expected:?})")]
    Format {
        /// What the file says.
        found: String,
        /// What this version writes.
        expected: &'static str,
    },
    /// The state was saved with other settings.
    #[error(
        "the saved state was made with other detector settings ({what}); resume with the same settings or start a new state"
    )]
    Settings {
        /// Which setting differs.
        what: String,
    },
    /// Invalid JSON or shape.
    #[error("invalid insights state: {0}")]
    Json(#[from] serde_json::Error),
    /// A damaged string table.
    #[error("invalid insights state: damaged string table")]
    Strings,
}

/// The state-file format written by [`Detector::save`].
pub const STATE_FORMAT: &str = "trailguard.insights-state/v1";

#[derive(Serialize, Deserialize)]
struct State {
    format: String,
    config: InsightsConfig,
    strings: Vec<String>,
    series: Vec<Series>,
    accounts: Vec<(Sid, Cover)>,
    horizon: u32,
    aws: Vec<AwsInsight>,
    counts: Counts,
}

/// The anomaly detector: series, their counts and states, over history or a stream.
///
/// Feed it [`Accumulator`]s with [`Detector::absorb`], then either [`Detector::finish`] (a
/// batch: everything is evaluated) or [`Detector::advance`] as time passes (a stream: minutes
/// before the horizon are final), and [`Detector::save`] / [`Detector::load`] between runs.
#[derive(Clone, Debug)]
pub struct Detector {
    cfg: InsightsConfig,
    strings: Interner,
    series: Vec<Series>,
    index: FxHashMap<KeyIds, u32>,
    accounts: FxHashMap<Sid, Cover>,
    horizon: u32,
    aws: Vec<AwsInsight>,
    counts: Counts,
}

impl Store for Detector {
    fn string(&mut self, s: &str) -> Sid {
        self.strings.id(s)
    }

    fn series(&mut self, key: KeyIds) -> u32 {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.series.len() as u32;
        self.series.push(Series::new(key, self.horizon));
        self.index.insert(key, i);
        i
    }

    fn add_cell(&mut self, series: u32, minute: u32, cell: Cell, remap: &[Sid]) {
        if minute < self.horizon {
            self.counts.late += u64::from(cell.n);
        }
        if let Some(s) = self.series.get_mut(series as usize) {
            s.cells.entry(minute).or_default().merge(cell, remap);
        }
    }

    fn cover(&mut self, account: Sid, hour: u32) {
        self.accounts.entry(account).or_default().hours.insert(hour);
    }

    fn span(&mut self, account: Sid, first: u32, last: u32) {
        let c = self.accounts.entry(account).or_default();
        c.first = c.first.min(first);
        c.last = c.last.max(last);
    }

    fn aws(&mut self, insight: AwsInsight) {
        self.aws.push(insight);
    }

    fn counts(&mut self) -> &mut Counts {
        &mut self.counts
    }
}

static EMPTY_COVER: std::sync::LazyLock<Cover> = std::sync::LazyLock::new(Cover::default);

impl Detector {
    /// A detector with these settings.
    pub fn new(config: InsightsConfig) -> Result<Detector, ConfigError> {
        config.validate()?;
        Ok(Detector {
            cfg: config,
            strings: Interner::default(),
            series: Vec::new(),
            index: FxHashMap::default(),
            accounts: FxHashMap::default(),
            horizon: 0,
            aws: Vec::new(),
            counts: Counts::default(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &InsightsConfig {
        &self.cfg
    }

    /// An empty accumulator for these settings.
    pub fn accumulator(&self) -> Accumulator {
        Accumulator::new(&self.cfg)
    }

    /// Take in counted records. Records for minutes already evaluated (behind the horizon of
    /// [`Detector::advance`]) count for later baselines only, and are counted as late.
    pub fn absorb(&mut self, acc: Accumulator) {
        acc.transfer(self);
    }

    /// What was counted.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Series by type: (call rate, error rate).
    pub fn series_counts(&self) -> (u64, u64) {
        let calls = self
            .series
            .iter()
            .filter(|s| s.key.kind == InsightType::ApiCallRateInsight)
            .count() as u64;
        (calls, self.series.len() as u64 - calls)
    }

    /// Minute cells held (non-empty minutes of all series): the detector's memory, which a
    /// stream keeps bounded by the window.
    pub fn cells_held(&self) -> usize {
        self.series.iter().map(|s| s.cells.len()).sum()
    }

    /// CloudTrail Insights records found in the input.
    pub fn aws_insights(&self) -> &[AwsInsight] {
        &self.aws
    }

    /// Everything before this time has been evaluated (`None` before the first advance).
    pub fn horizon(&self) -> Option<Timestamp> {
        (self.horizon > 0).then(|| time_of(self.horizon))
    }

    /// The latest record time seen (minute precision).
    pub fn latest(&self) -> Option<Timestamp> {
        self.accounts.values().map(|c| c.last).max().map(time_of)
    }

    /// The earliest covered minute.
    pub fn earliest(&self) -> Option<Timestamp> {
        self.accounts
            .values()
            .map(|c| c.first)
            .filter(|&f| f != u32::MAX)
            .min()
            .map(time_of)
    }

    /// Evaluate every minute before `until` (a stream: counts for those minutes are final) and
    /// return the Start and End records that became known, in time order. Data older than the
    /// window (and the longest insight) is then dropped, so memory stays bounded by the number
    /// of APIs times the window.
    pub fn advance(&mut self, until: Timestamp) -> Vec<Insight> {
        let Some(h) = minute_of(until) else {
            return Vec::new();
        };
        if h <= self.horizon {
            return Vec::new();
        }
        let out = self.run(|_| h);
        self.horizon = h;
        self.evict();
        out
    }

    /// Evaluate everything (the end of a batch): each account up to its last record. Insights
    /// still open at the end of the input have only their Start record.
    pub fn finish(&mut self) -> Vec<Insight> {
        let out = self.run(|c| c.last.saturating_add(1));
        if let Some(l) = self.accounts.values().map(|c| c.last.saturating_add(1)).max() {
            self.horizon = self.horizon.max(l);
        }
        out
    }

    fn run(&mut self, until: impl Fn(&Cover) -> u32) -> Vec<Insight> {
        let mut found = Vec::new();
        let cfg = &self.cfg;
        for (i, s) in self.series.iter_mut().enumerate() {
            let cover = self.accounts.get(&s.key.account).unwrap_or(&EMPTY_COVER);
            let cx = Ctx { cfg, cover };
            let u = until(cover).max(s.next);
            s.evaluate(i as u32, &cx, u, &mut found);
        }
        let mut out: Vec<Insight> = found.into_iter().map(|f| self.insight(f)).collect();
        out.sort_by(record_order);
        out
    }

    fn evict(&mut self) {
        let keep = self.cfg.window + self.cfg.max_duration + 2 * DAY;
        let cutoff = self.horizon.saturating_sub(keep);
        if cutoff == 0 {
            return;
        }
        for s in &mut self.series {
            if s.cells.first_key_value().is_some_and(|(&k, _)| k < cutoff) {
                s.cells = s.cells.split_off(&cutoff);
            }
        }
        for c in self.accounts.values_mut() {
            if c.hours.first().is_some_and(|&h| h < cutoff / 60) {
                c.hours = c.hours.split_off(&(cutoff / 60));
            }
        }
    }

    fn top(&self, attrs: &[(u32, u64)], kind: u32, per: f64) -> Vec<AttributionValue> {
        let mut v: Vec<(&str, u64)> = attrs
            .iter()
            .filter_map(|&(p, n)| {
                let (k, id) = unpack(p);
                (k == kind).then(|| (self.strings.get(id), n))
            })
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(self.cfg.top);
        v.into_iter()
            .map(|(value, n)| AttributionValue {
                value: value.to_owned(),
                average: if per > 0.0 { n as f64 / per } else { 0.0 },
                events: n,
            })
            .collect()
    }

    fn insight(&self, f: Found) -> Insight {
        let series = &self.series[f.series as usize];
        let key = SeriesKey::from_ids(&series.key, &self.strings);
        let per = |n: u64, d: u64| if d > 0 { n as f64 / d as f64 } else { 0.0 };
        let baseline = Statistic {
            average: per(f.baseline.events, f.baseline.exposure),
            duration: f.baseline.exposure,
            events: f.baseline.events,
        };
        let insight = Statistic {
            average: per(f.events, f.duration),
            duration: f.duration,
            events: f.events,
        };
        let dur = f.duration as f64;
        let bdur = f.baseline.exposure as f64;
        let mut attributions = vec![
            Attribution {
                attribute: "userIdentityArn",
                insight: self.top(&f.attrs, ARN, dur),
                baseline: self.top(&f.baseline.attrs, ARN, bdur),
            },
            Attribution {
                attribute: "userAgent",
                insight: self.top(&f.attrs, AGENT, dur),
                baseline: self.top(&f.baseline.attrs, AGENT, bdur),
            },
        ];
        let codes = match series.key.kind {
            InsightType::ApiCallRateInsight => Attribution {
                attribute: "errorCode",
                insight: self.top(&f.attrs, CODE, dur),
                baseline: self.top(&f.baseline.attrs, CODE, bdur),
            },
            InsightType::ApiErrorRateInsight => {
                let code = self.strings.get(series.key.code).to_owned();
                let one = |n: u64, d: f64| {
                    (n > 0)
                        .then(|| AttributionValue {
                            value: code.clone(),
                            average: if d > 0.0 { n as f64 / d } else { 0.0 },
                            events: n,
                        })
                        .into_iter()
                        .collect()
                };
                Attribution {
                    attribute: "errorCode",
                    insight: one(f.events, dur),
                    baseline: one(f.baseline.events, bdur),
                }
            }
        };
        attributions.push(codes);
        let start = time_of(f.start);
        Insight {
            shared_event_id: shared_id(&key, start),
            key,
            state: f.state,
            start,
            end: f.end.map(time_of),
            detected_at: time_of(f.trigger + 1),
            baseline,
            insight,
            expected: f.expected,
            p_value: f.p_value,
            scale: f.scale,
            attributions,
            end_reason: f.reason,
            model: Some(Arc::new(f.model)),
        }
    }

    /// A chart of the insight's API around it, from the counts still held (all of them in a
    /// batch; the window and the longest insight in a stream). `None` when the series is
    /// unknown or the record carries no model (records read back from text).
    pub fn chart(&self, insight: &Insight) -> Option<Chart> {
        let model = insight.model.as_deref()?;
        let k = &insight.key;
        let lookup = |s: &str| -> Option<Sid> { self.strings.lookup(s) };
        let key = KeyIds {
            kind: k.insight_type,
            account: lookup(&k.account)?,
            region: lookup(&k.region)?,
            source: lookup(&k.event_source)?,
            name: lookup(&k.event_name)?,
            code: match &k.error_code {
                Some(c) => lookup(c)?,
                None => NULL,
            },
        };
        let series = &self.series[*self.index.get(&key)? as usize];
        let cover = self.accounts.get(&key.account)?;
        let start = minute_of(insight.start)?;
        let end = insight
            .end
            .and_then(minute_of)
            .unwrap_or(minute_of(insight.detected_at)?);
        let dur = end.saturating_sub(start).max(1);
        let mut from = start.saturating_sub((3 * dur).clamp(120, DAY));
        let mut to = end.saturating_add(dur.clamp(60, DAY / 2)).min(cover.last + 1).max(end);
        if let Some(&h) = cover.hours.range(from / 60..).next() {
            from = from.max(h * 60);
        }
        if to <= from {
            to = from + 1;
        }
        let bucket = (to - from).div_ceil(360).max(1);
        let scale_index = self
            .cfg
            .scales
            .iter()
            .enumerate()
            .filter(|(_, w)| **w <= bucket)
            .max_by_key(|(_, w)| **w)
            .map_or(0, |(i, _)| i);
        let size = model.size(scale_index, start);
        let mut chart = Chart {
            key: k.clone(),
            from: time_of(from),
            bucket_minutes: bucket,
            observed: Vec::new(),
            expected: Vec::new(),
            band: Vec::new(),
            covered: Vec::new(),
            start: insight.start,
            end: insight.end,
        };
        let mut t = from;
        while t < to {
            let b_end = (t + bucket).min(to);
            let expected = model.expected(t, b_end);
            chart.observed.push(total(&series.cells, t, b_end));
            chart.expected.push(expected);
            chart.band.push(nb_quantile(self.cfg.alpha_end, expected, size));
            chart.covered.push(cover.minutes(t, b_end) > 0);
            t = b_end;
        }
        Some(chart)
    }

    /// The whole state, to resume later with [`Detector::load`] (JSON).
    pub fn save(&self) -> Result<Vec<u8>, StateError> {
        let mut accounts: Vec<(Sid, Cover)> = self.accounts.iter().map(|(k, v)| (*k, v.clone())).collect();
        accounts.sort_by_key(|a| a.0);
        let state = State {
            format: STATE_FORMAT.to_owned(),
            config: self.cfg.clone(),
            strings: self.strings.strings().map(str::to_owned).collect(),
            series: self.series.clone(),
            accounts,
            horizon: self.horizon,
            aws: self.aws.clone(),
            counts: self.counts.clone(),
        };
        Ok(serde_json::to_vec(&state)?)
    }

    /// Resume from a state saved by [`Detector::save`] with the same settings.
    pub fn load(bytes: &[u8], config: &InsightsConfig) -> Result<Detector, StateError> {
        #[derive(Deserialize)]
        struct Head {
            format: String,
        }
        let head: Head = serde_json::from_slice(bytes)?;
        if head.format != STATE_FORMAT {
            return Err(StateError::Format {
                found: head.format,
                expected: STATE_FORMAT,
            });
        }
        let state: State = serde_json::from_slice(bytes)?;
        if &state.config != config {
            return Err(StateError::Settings {
                what: config_difference(&state.config, config),
            });
        }
        let strings = Interner::from_strings(state.strings).ok_or(StateError::Strings)?;
        let n = strings.len() as u32;
        let mut index = FxHashMap::default();
        for (i, s) in state.series.iter().enumerate() {
            let k = s.key;
            if [k.account, k.region, k.source, k.name, k.code]
                .iter()
                .any(|&id| id >= n)
            {
                return Err(StateError::Strings);
            }
            index.insert(k, i as u32);
        }
        Ok(Detector {
            cfg: state.config,
            strings,
            series: state.series,
            index,
            accounts: state.accounts.into_iter().collect(),
            horizon: state.horizon,
            aws: state.aws,
            counts: state.counts,
        })
    }
}

fn config_difference(a: &InsightsConfig, b: &InsightsConfig) -> String {
    let (Ok(x), Ok(y)) = (serde_json::to_value(a), serde_json::to_value(b)) else {
        return "settings".into();
    };
    let (Some(x), Some(y)) = (x.as_object(), y.as_object()) else {
        return "settings".into();
    };
    let diff: Vec<String> = x
        .iter()
        .filter(|(k, v)| y.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: saved {v}, now {}", y.get(k).cloned().unwrap_or_default()))
        .collect();
    diff.join("; ")
}
