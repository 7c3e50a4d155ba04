//! The baseline model of one series: expected calls per minute by hour of the week, how sure
//! we are of it, and how much the counts spread around it at each window length.
//!
//! Fitted per series and day on the covered hours of the baseline window:
//!
//! 1. **Rhythm.** The hourly counts form a table of dates × hours of the day. A Poisson
//!    log-linear model with a factor per date and a profile over the hours of the day,
//!    `E[x] = minutes · g(date) · λ(hour)`, is fitted by iterative proportional fitting (the
//!    maximum-likelihood fit of that model). The date factors absorb busy and quiet days; the
//!    profile holds office hours and nightly batches.
//! 2. **Shrinkage.** The hourly profile is shrunk towards a flat one, and the day-of-week
//!    factors used for forecasting towards 1, by empirical Bayes: each estimate keeps the share
//!    of it that the spread between estimates supports beyond their own noise. The noise is
//!    measured from the residuals of the fit (a sandwich variance, never below Poisson), so
//!    traffic that comes in clumps is recognised as noisy rather than as a rhythm. A sparse
//!    API whose hours differ only by chance is pooled to a flat rate.
//! 3. **Forecast.** The rate for an hour of the week is the shrunk profile times the shrunk
//!    factor of that day of the week (a weekday/weekend pattern needs three days of history to
//!    be believed, and is learnt from the dates of that weekday in the window), plus
//!    [`InsightsConfig::prior_events`] spread over the window so that no rate is zero.
//! 4. **Robustness.** Hours that would themselves have been insights against the rest of the
//!    baseline (leave one out; at most [`InsightsConfig::trim_per_week`] per week of window,
//!    only where two other dates cover that hour) are left out and the model is refitted.
//! 5. **Spread.** Per window length `w`, the negative-binomial over-dispersion
//!    `φ_w = Σ[(S − Λ)² − S] / ΣΛ²` over the baseline's aligned `w`-minute blocks (method of
//!    moments; Λ from the in-sample fit).
//! 6. **Predictive law.** A window's count is negative binomial with the expected count and
//!    size `1 / (φ_w + relative variance of the rate)`: the spread of the counts plus the
//!    uncertainty of a rate estimated from finite data (never more certain than the events
//!    seen plus the prior).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::accumulate::Cell;
use crate::config::{DAY, InsightsConfig};
use crate::dist::nb_upper;

/// Hours in a week.
pub(crate) const WEEK_HOURS: usize = 168;
/// Largest over-dispersion kept (a size of 10⁻⁶: the counts of a series this bursty say
/// nothing about the next burst).
const MAX_PHI: f64 = 1e6;
/// Iterations of proportional fitting (it converges in a handful).
const IPF_ROUNDS: usize = 8;

/// The bin of a minute: hour of the week, 0 = Monday 00:00 UTC.
#[inline]
pub(crate) fn hour_of_week(minute: u32) -> usize {
    let hour = minute / 60;
    let day = hour / 24;
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    (((day + 3) % 7) * 24 + hour % 24) as usize
}

/// A fitted baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Model {
    /// Expected events per minute by hour of the week.
    pub(crate) rate: Vec<f64>,
    /// The evidence behind each rate, in events: it is known to a relative variance of
    /// `1 / evidence`.
    pub(crate) evidence: Vec<f64>,
    /// Over-dispersion per window length (in the order of [`InsightsConfig::scales`]).
    pub(crate) phi: Vec<f64>,
    /// Covered minutes used (trimmed hours excluded).
    pub(crate) exposure: u64,
    /// Events in them.
    pub(crate) events: u64,
    /// Hours left out as outliers.
    pub(crate) trimmed: Vec<u32>,
}

impl Model {
    /// Expected events per minute at `minute`.
    #[inline]
    pub(crate) fn rate_at(&self, minute: u32) -> f64 {
        self.rate.get(hour_of_week(minute)).copied().unwrap_or(0.0)
    }

    /// Expected events in the minutes `[from, to)`.
    pub(crate) fn expected(&self, from: u32, to: u32) -> f64 {
        let mut sum = 0.0;
        let mut t = from;
        while t < to {
            let hour_end = (t / 60 + 1) * 60;
            let seg = hour_end.min(to);
            sum += f64::from(seg - t) * self.rate_at(t);
            t = seg;
        }
        sum
    }

    /// The size of the predictive negative binomial of a window of length index `i` ending
    /// at `minute`: `1 / (φ_w + 1 / evidence)`.
    #[inline]
    pub(crate) fn size(&self, i: usize, minute: u32) -> f64 {
        let phi = self.phi.get(i).copied().unwrap_or(0.0);
        let ev = self.evidence.get(hour_of_week(minute)).copied().unwrap_or(1.0);
        let inv = phi + 1.0 / ev.max(1e-9);
        if inv > 0.0 { 1.0 / inv } else { f64::INFINITY }
    }
}

/// One covered hour of the baseline.
#[derive(Clone, Copy, Debug)]
struct Hour {
    /// Hour index (hours since the epoch).
    t: u32,
    /// Covered minutes.
    e: f64,
    /// Events.
    x: f64,
    /// Index of its date in [`Table::dates`].
    date: usize,
    /// Hour of the day.
    hod: usize,
}

/// The dates × hours table and its fit.
struct Table {
    hours: Vec<Hour>,
    /// Day index of each date.
    dates: Vec<u32>,
    /// Hour-of-day profile (events per minute at a date factor of 1).
    lam: [f64; 24],
    /// Date factors.
    g: Vec<f64>,
}

impl Table {
    fn new(hours: Vec<Hour>, dates: Vec<u32>) -> Table {
        let n = dates.len();
        let mut t = Table {
            hours,
            dates,
            lam: [0.0; 24],
            g: vec![1.0; n],
        };
        t.fit();
        t
    }

    fn events(&self) -> f64 {
        self.hours.iter().map(|h| h.x).sum()
    }

    fn exposure(&self) -> f64 {
        self.hours.iter().map(|h| h.e).sum()
    }

    /// Iterative proportional fitting of `E[x] = e · g(date) · λ(hour)`.
    fn fit(&mut self) {
        let nd = self.dates.len();
        let mut x_h = [0.0; 24];
        let mut x_d = vec![0.0; nd];
        for h in &self.hours {
            x_h[h.hod] += h.x;
            x_d[h.date] += h.x;
        }
        self.g = vec![1.0; nd];
        for _ in 0..IPF_ROUNDS {
            let mut den_h = [0.0; 24];
            for h in &self.hours {
                den_h[h.hod] += h.e * self.g[h.date];
            }
            for k in 0..24 {
                self.lam[k] = if den_h[k] > 0.0 { x_h[k] / den_h[k] } else { 0.0 };
            }
            let mut den_d = vec![0.0; nd];
            for h in &self.hours {
                den_d[h.date] += h.e * self.lam[h.hod];
            }
            for d in 0..nd {
                self.g[d] = if den_d[d] > 0.0 { x_d[d] / den_d[d] } else { 1.0 };
            }
        }
        // Normalise: the exposure-weighted mean date factor is 1.
        let mut num = 0.0;
        let mut den = 0.0;
        for h in &self.hours {
            num += h.e * self.g[h.date];
            den += h.e;
        }
        if num > 0.0 && den > 0.0 {
            let gbar = num / den;
            for g in &mut self.g {
                *g /= gbar;
            }
            for l in &mut self.lam {
                *l *= gbar;
            }
        }
    }

    /// Fitted (in-sample) events per minute of an hour of the table.
    fn fitted(&self, h: &Hour) -> f64 {
        self.g[h.date] * self.lam[h.hod]
    }
}

/// Estimates `(value, noise variance)` shrunk towards `prior` by empirical Bayes: the spread
/// of the true values is what the estimates' spread has beyond their noise (method of
/// moments), and each estimate keeps the share `τ² / (τ² + noise)` of its difference from the
/// prior. Returns the shrunk values with their posterior variances. Without `enough` data the
/// estimates are pooled to the prior.
fn shrink(est: &[(f64, f64)], prior: f64, enough: bool) -> Vec<(f64, f64)> {
    // est: (value, noise variance); only entries with finite noise count.
    let used: Vec<&(f64, f64)> = est.iter().filter(|(_, v)| v.is_finite()).collect();
    let k = used.len() as f64;
    let tau2 = if enough && k >= 2.0 {
        let spread = used.iter().map(|(x, _)| (x - prior) * (x - prior)).sum::<f64>() / k;
        let noise = used.iter().map(|(_, v)| v).sum::<f64>() / k;
        (spread - noise).max(0.0)
    } else {
        0.0
    };
    est.iter()
        .map(|&(x, v)| {
            if !v.is_finite() {
                // No data: the prior, with the prior's spread.
                return (prior, tau2);
            }
            let w = if tau2 + v > 0.0 { tau2 / (tau2 + v) } else { 0.0 };
            (prior + w * (x - prior), w * v)
        })
        .collect()
}

/// Fit the model of a series from the minutes `[from, to)`, using only the hours in
/// `covered`. `None` when fewer than [`InsightsConfig::min_history`] minutes are
/// covered.
pub(crate) fn fit(
    cfg: &InsightsConfig,
    cells: &BTreeMap<u32, Cell>,
    covered: &BTreeSet<u32>,
    from: u32,
    to: u32,
) -> Option<Model> {
    // The coverage may begin after the window would (the first records arrive inside the
    // day being judged): then there is no history before it.
    if from >= to {
        return None;
    }
    let minutes = |h: u32| -> f64 { f64::from((h * 60 + 60).min(to) - (h * 60).max(from)) };
    let hour_list: Vec<u32> = covered.range(from / 60..to.div_ceil(60)).copied().collect();
    let exposure: f64 = hour_list.iter().map(|&h| minutes(h)).sum();
    if exposure < f64::from(cfg.min_history) {
        return None;
    }
    let mut per_hour: BTreeMap<u32, f64> = BTreeMap::new();
    for (&m, c) in cells.range(from..to) {
        *per_hour.entry(m / 60).or_insert(0.0) += f64::from(c.n);
    }
    let build = |skip: &BTreeSet<u32>| -> Table {
        let mut dates: Vec<u32> = Vec::new();
        let mut hours = Vec::with_capacity(hour_list.len());
        for &t in &hour_list {
            if skip.contains(&t) {
                continue;
            }
            let day = t / 24;
            if dates.last() != Some(&day) {
                dates.push(day);
            }
            hours.push(Hour {
                t,
                e: minutes(t),
                x: per_hour.get(&t).copied().unwrap_or(0.0),
                date: dates.len() - 1,
                hod: (t % 24) as usize,
            });
        }
        Table::new(hours, dates)
    };

    let mut trimmed: BTreeSet<u32> = BTreeSet::new();
    let mut table = build(&trimmed);
    let trim_max = (cfg.trim_per_week * cfg.window.div_ceil(7 * DAY)) as usize;
    if trim_max > 0 {
        let outliers = outliers(cfg, &table, trim_max);
        if !outliers.is_empty() {
            trimmed = outliers.into_iter().collect();
            table = build(&trimmed);
        }
    }
    Some(forecast(cfg, &table, cells, trimmed))
}

/// Hours that would have been insights against the rest of the baseline, most extreme first.
fn outliers(cfg: &InsightsConfig, table: &Table, max: usize) -> Vec<u32> {
    let n = table.events();
    let mut x_h = [0.0; 24];
    let mut s_h = [0.0; 24];
    let mut dates_h = [0usize; 24];
    let mut x_d = vec![0.0; table.dates.len()];
    let mut s_d = vec![0.0; table.dates.len()];
    for h in &table.hours {
        x_h[h.hod] += h.x;
        s_h[h.hod] += h.e * table.g[h.date];
        dates_h[h.hod] += 1;
        x_d[h.date] += h.x;
        s_d[h.date] += h.e * table.lam[h.hod];
    }
    let size = n + cfg.prior_events;
    let mut found: Vec<(f64, u32)> = table
        .hours
        .iter()
        .filter_map(|h| {
            if h.x < cfg.min_events as f64 || dates_h[h.hod] < 3 {
                return None;
            }
            // The hour's expectation without the hour (one step of leave-one-out).
            let lam = (x_h[h.hod] - h.x).max(0.0) / (s_h[h.hod] - h.e * table.g[h.date]).max(1e-9);
            let g = if s_d[h.date] - h.e * table.lam[h.hod] > 1e-9 {
                (x_d[h.date] - h.x).max(0.0) / (s_d[h.date] - h.e * table.lam[h.hod])
            } else {
                1.0
            };
            let floor = cfg.prior_events / table.exposure().max(1.0);
            let expected = h.e * (g * lam + floor);
            if h.x < cfg.min_ratio * expected {
                return None;
            }
            let p = nb_upper(h.x as u64, expected, size);
            (p < cfg.alpha).then_some((p, h.t))
        })
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    found.truncate(max);
    found.into_iter().map(|(_, t)| t).collect()
}

/// Shrink, forecast each hour of the week, and measure the spread.
fn forecast(cfg: &InsightsConfig, table: &Table, cells: &BTreeMap<u32, Cell>, trimmed: BTreeSet<u32>) -> Model {
    let n = table.events();
    let e = table.exposure().max(1.0);
    let floor = cfg.prior_events / e;
    let all_evidence = n + cfg.prior_events;

    // Residuals of the fit, per hour of the day and per date (sandwich variances).
    let mut r2_h = [0.0; 24];
    let mut s_h = [0.0; 24];
    let mut r2_d = vec![0.0; table.dates.len()];
    let mut s_d = vec![0.0; table.dates.len()];
    for h in &table.hours {
        let r = h.x - h.e * table.fitted(h);
        r2_h[h.hod] += r * r;
        s_h[h.hod] += h.e * table.g[h.date];
        r2_d[h.date] += r * r;
        s_d[h.date] += h.e * table.lam[h.hod];
    }
    // The overall per-minute rate at a date factor of 1.
    let mu = n / s_h.iter().sum::<f64>().max(1e-9);
    // Hour-of-day profile, shrunk towards flat. Noise never below Poisson at the pooled rate.
    let prof: Vec<(f64, f64)> = (0..24)
        .map(|k| {
            if s_h[k] <= 0.0 {
                (0.0, f64::INFINITY)
            } else {
                let v = r2_h[k].max(table.lam[k].max(mu) * s_h[k]) / (s_h[k] * s_h[k]);
                (table.lam[k], v)
            }
        })
        .collect();
    // Estimating how much hours differ needs a few events per hour on average.
    let hours_seen = prof.iter().filter(|p| p.1.is_finite()).count() as f64;
    let lam = shrink(&prof, mu, n >= 2.0 * hours_seen);

    // Day-of-week factors: each date's factor with its noise, combined per weekday, shrunk
    // towards 1 (believed only with three dates or more).
    let dates: Vec<(f64, f64)> = (0..table.dates.len())
        .map(|d| {
            if s_d[d] <= 0.0 {
                (1.0, f64::INFINITY)
            } else {
                let v = r2_d[d].max(table.g[d].max(1.0) * s_d[d]) / (s_d[d] * s_d[d]);
                (table.g[d], v)
            }
        })
        .collect();
    let dated = dates.iter().filter(|d| d.1.is_finite()).count();
    let tau_g = {
        let used: Vec<&(f64, f64)> = dates.iter().filter(|d| d.1.is_finite()).collect();
        let k = used.len() as f64;
        if dated >= 3 {
            let spread = used.iter().map(|(g, _)| (g - 1.0) * (g - 1.0)).sum::<f64>() / k;
            let noise = used.iter().map(|(_, v)| v).sum::<f64>() / k;
            (spread - noise).max(0.0)
        } else {
            0.0
        }
    };
    let mut dow = [(1.0f64, tau_g); 7];
    for (w, slot) in dow.iter_mut().enumerate() {
        let mut num = 0.0;
        let mut prec = 0.0;
        for (d, &(g, v)) in dates.iter().enumerate() {
            let wd = ((table.dates[d] + 3) % 7) as usize;
            if wd == w && v.is_finite() && v > 0.0 {
                num += g / v;
                prec += 1.0 / v;
            }
        }
        if prec > 0.0 {
            let g = num / prec;
            let v = 1.0 / prec;
            let k = if tau_g + v > 0.0 { tau_g / (tau_g + v) } else { 0.0 };
            *slot = (1.0 + k * (g - 1.0), k * v);
        }
    }

    let mut rate = vec![0.0; WEEK_HOURS];
    let mut evidence = vec![all_evidence; WEEK_HOURS];
    for w in 0..WEEK_HOURS {
        let (l, lv) = lam[w % 24];
        let (g, gv) = dow[w / 24];
        let r = (l * g).max(0.0);
        rate[w] = r + floor;
        if r > 0.0 {
            let relvar = lv / (l * l) + gv / (g * g).max(1e-12);
            let ev = if relvar > 0.0 { 1.0 / relvar } else { all_evidence };
            evidence[w] = ev.min(all_evidence).max(cfg.prior_events.min(all_evidence));
        }
    }

    // Over-dispersion per window length, from aligned blocks of the covered, kept hours.
    let fitted: BTreeMap<u32, f64> = table.hours.iter().map(|h| (h.t, table.fitted(h) + floor)).collect();
    let mut phi = Vec::with_capacity(cfg.scales.len());
    for &w in &cfg.scales {
        let wf = f64::from(w);
        let all_sq: f64 = table
            .hours
            .iter()
            .map(|h| {
                let l = table.fitted(h) + floor;
                h.e * l * l
            })
            .sum::<f64>()
            * wf;
        let mut num = 0.0;
        let mut block = u32::MAX;
        let mut s = 0.0;
        let flush = |block: u32, s: f64, num: &mut f64| {
            if block != u32::MAX && s > 0.0 {
                let l = fitted.get(&(block * w / 60)).copied().unwrap_or(floor);
                let lam = wf * l;
                // (S − Λ)² − S, minus the Λ² already counted in `all_sq`.
                *num += (s - lam) * (s - lam) - s - lam * lam;
            }
        };
        let (Some(first), Some(last)) = (table.hours.first(), table.hours.last()) else {
            phi.push(0.0);
            continue;
        };
        for (&m, c) in cells.range(first.t * 60..last.t * 60 + 60) {
            if !fitted.contains_key(&(m / 60)) {
                continue;
            }
            let b = m / w;
            if b != block {
                flush(block, s, &mut num);
                block = b;
                s = 0.0;
            }
            s += f64::from(c.n);
        }
        flush(block, s, &mut num);
        let f = if all_sq > 0.0 {
            ((num + all_sq) / all_sq).clamp(0.0, MAX_PHI)
        } else {
            0.0
        };
        phi.push(f);
    }
    Model {
        rate,
        evidence,
        phi,
        exposure: e as u64,
        events: n as u64,
        trimmed: trimmed.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells_from(counts: &[(u32, u32)]) -> BTreeMap<u32, Cell> {
        counts
            .iter()
            .map(|&(m, n)| (m, Cell { n, attrs: Vec::new() }))
            .collect()
    }

    fn all_hours(from: u32, to: u32) -> BTreeSet<u32> {
        (from / 60..to / 60).collect()
    }

    // A Monday 00:00 UTC: 2026-01-05.
    const MONDAY: u32 = 29_459_520;

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(hour_of_week(MONDAY), 0);
        assert_eq!(hour_of_week(MONDAY + 60 * 25), 25);
        assert_eq!(hour_of_week(MONDAY + 7 * DAY), 0);
        assert_eq!(hour_of_week(MONDAY - 60), 167);
    }

    #[test]
    fn needs_history() {
        let cfg = InsightsConfig::default();
        let cells = cells_from(&[]);
        let cov = all_hours(MONDAY, MONDAY + 600);
        assert!(fit(&cfg, &cells, &cov, MONDAY, MONDAY + 7 * DAY).is_none());
        // One day is not enough (the default asks for two), two are.
        let cov = all_hours(MONDAY, MONDAY + 2 * DAY);
        assert!(fit(&cfg, &cells, &cov, MONDAY, MONDAY + DAY).is_none());
        let m = fit(&cfg, &cells, &cov, MONDAY, MONDAY + 2 * DAY).unwrap();
        assert_eq!(m.exposure, u64::from(2 * DAY));
        // A brand-new API: half an event over the covered days.
        let r = m.rate_at(MONDAY + 10);
        assert!((r - 0.5 / f64::from(2 * DAY)).abs() < 1e-12, "{r}");
        // Records that begin inside the day being judged: an empty window, not a panic.
        let cov = all_hours(MONDAY + 600, MONDAY + 2 * DAY);
        assert!(fit(&cfg, &cells, &cov, MONDAY + 600, MONDAY).is_none());
        assert!(fit(&cfg, &cells, &cov, MONDAY, MONDAY).is_none());
    }

    #[test]
    fn learns_the_daily_rhythm() {
        let cfg = InsightsConfig::default();
        let from = MONDAY;
        let to = MONDAY + 7 * DAY;
        // 6 per minute from 09:00 to 17:00, 1 per 10 minutes otherwise.
        let mut counts = Vec::new();
        for m in (from..to).step_by(1) {
            let hod = (m / 60) % 24;
            if (9..17).contains(&hod) {
                counts.push((m, 6));
            } else if m % 10 == 0 {
                counts.push((m, 1));
            }
        }
        let cells = cells_from(&counts);
        let m = fit(&cfg, &cells, &all_hours(from, to), from, to).unwrap();
        let day = m.rate_at(to + 10 * 60);
        let night = m.rate_at(to + 2 * 60);
        assert!((day - 6.0).abs() < 0.1, "{day}");
        assert!((night - 0.1).abs() < 0.02, "{night}");
        // Perfectly regular: no over-dispersion beyond Poisson at the minute scale.
        assert!(m.phi[0] < 0.05, "{:?}", m.phi);
    }

    #[test]
    fn clumps_show_as_overdispersion_and_one_off_hours_are_trimmed() {
        let cfg = InsightsConfig::default();
        let from = MONDAY;
        let to = MONDAY + 7 * DAY;
        // A steady trickle, plus a clump of 20 in one minute each day at 03:00: recurring.
        let mut counts: Vec<(u32, u32)> = (from..to).step_by(30).map(|m| (m, 1)).collect();
        for d in 0..7 {
            counts.push((from + d * DAY + 3 * 60 + 1, 20));
        }
        let m = fit(&cfg, &cells_from(&counts), &all_hours(from, to), from, to).unwrap();
        assert!(m.phi[0] > 10.0, "{:?}", m.phi);
        // The recurring clump is not an outlier.
        assert!(m.trimmed.len() <= 1);

        // One incident of 3000 events in one hour: left out.
        let mut counts: Vec<(u32, u32)> = (from..to).step_by(30).map(|m| (m, 1)).collect();
        for k in 0..60 {
            counts.push((from + 3 * DAY + 600 + k, 50));
        }
        let m = fit(&cfg, &cells_from(&counts), &all_hours(from, to), from, to).unwrap();
        assert_eq!(m.trimmed, vec![(from + 3 * DAY + 600) / 60]);
        assert!(m.phi[0] < 0.5, "{:?}", m.phi);
        let r = m.rate_at(to + 600);
        assert!((r - 1.0 / 30.0).abs() < 0.01, "{r}");
    }

    #[test]
    fn uncovered_hours_are_not_zeros() {
        let cfg = InsightsConfig::default();
        let from = MONDAY;
        let to = MONDAY + 7 * DAY;
        // Data only on two days, 1 per minute.
        let mut cov = BTreeSet::new();
        let mut counts = Vec::new();
        for m in from + DAY..from + 3 * DAY {
            counts.push((m, 1));
            cov.insert(m / 60);
        }
        let m = fit(&cfg, &cells_from(&counts), &cov, from, to).unwrap();
        assert_eq!(m.exposure, 2 * u64::from(DAY));
        let r = m.rate_at(to + 5);
        assert!((r - 1.0).abs() < 0.05, "{r}");
    }

    #[test]
    fn expected_spans_hours() {
        let cfg = InsightsConfig::default();
        let from = MONDAY;
        let to = MONDAY + 7 * DAY;
        let counts: Vec<(u32, u32)> = (from..to).filter(|m| (m / 60) % 2 == 0).map(|m| (m, 2)).collect();
        let m = fit(&cfg, &cells_from(&counts), &all_hours(from, to), from, to).unwrap();
        let e = m.expected(to + 30, to + 90);
        // 30 minutes at ~2 and 30 at ~0 (one week of one sample per hour-of-week bin)
        assert!((e - 60.0).abs() < 1.0, "{e}");
    }
}
