//! The alarm stage: counts of matching events per group and period, CloudWatch-alarm style.
//!
//! Periods are aligned to the epoch (a 300 s period starts at :00, :05, …), as CloudWatch
//! aligns metric periods. A group enters the alarm state when the count of the current period
//! reaches the threshold and the `evaluation_periods − 1` periods before it did too; that raises
//! one alert. The group stays in alarm while each following period reaches the count; a period
//! that does not (no events at all included) returns it to OK, so a later burst alerts again.
//!
//! Input must come in event-time order; [`Alarms::out_of_order`] counts the exceptions (they are
//! counted in the period they belong to while it is still held, and otherwise dropped).

use std::collections::VecDeque;

use rustc_hash::FxHashMap;
use trailguard_model::Timestamp;

use crate::alert::{EventRef, Window};
use crate::rule::Threshold;

/// Most groups one rule holds at once; the stalest are dropped beyond it.
pub const MAX_GROUPS: usize = 200_000;
/// `eventID`s kept per period for an alert's sample.
const SAMPLE: usize = 10;

#[derive(Debug)]
struct Period {
    index: i64,
    count: u64,
    first: Timestamp,
    ids: Vec<String>,
}

#[derive(Debug, Default)]
struct Group {
    periods: VecDeque<Period>,
    /// The last period that was above the threshold while in alarm.
    alarm_last: Option<i64>,
}

/// What one threshold rule's alarm stage produced, besides alerts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlarmStats {
    /// Observations fed.
    pub observations: u64,
    /// Observations older than the newest period held for their group.
    pub out_of_order: u64,
    /// Groups dropped to stay under [`MAX_GROUPS`].
    pub groups_dropped: u64,
}

/// The alarm state of one threshold rule, over all its groups.
#[derive(Debug)]
pub struct Alarms {
    threshold: Threshold,
    groups: FxHashMap<Vec<Option<String>>, Group>,
    newest: i64,
    stats: AlarmStats,
}

impl Alarms {
    /// A stage for one threshold.
    pub fn new(threshold: Threshold) -> Alarms {
        Alarms {
            threshold,
            groups: FxHashMap::default(),
            newest: i64::MIN,
            stats: AlarmStats::default(),
        }
    }

    /// Counters.
    pub fn stats(&self) -> AlarmStats {
        self.stats
    }

    /// Observations older than the newest period of their group.
    pub fn out_of_order(&self) -> u64 {
        self.stats.out_of_order
    }

    fn period_of(&self, t: Timestamp) -> i64 {
        t.0.div_euclid(i64::from(self.threshold.period_secs) * 1000)
    }

    /// Count one matching event of `group`; returns the window when the group enters the
    /// alarm state with it.
    pub(crate) fn feed(&mut self, group: Vec<Option<String>>, ev: &EventRef) -> Option<Window> {
        self.stats.observations += 1;
        let k = self.period_of(ev.time);
        let e = i64::from(self.threshold.evaluation_periods);
        if k > self.newest {
            self.newest = k;
            if self.groups.len() >= MAX_GROUPS {
                self.sweep(k - e);
            }
        }
        let need = self.threshold.count;
        if !self.groups.contains_key(&group) && self.groups.len() >= MAX_GROUPS {
            self.stats.groups_dropped += 1;
            return None;
        }
        let g = self.groups.entry(group.clone()).or_default();
        // Keep only the periods that can still be part of a window ending at k.
        while g.periods.front().is_some_and(|p| p.index <= k - e) {
            g.periods.pop_front();
        }
        let slot = match g.periods.back_mut() {
            Some(p) if p.index == k => p,
            Some(p) if p.index > k => {
                self.stats.out_of_order += 1;
                if let Some(p) = g.periods.iter_mut().find(|p| p.index == k) {
                    p.count += 1;
                    if p.ids.len() < SAMPLE {
                        p.ids.extend(ev.id.clone());
                    }
                }
                return None;
            }
            _ => {
                g.periods.push_back(Period {
                    index: k,
                    count: 0,
                    first: ev.time,
                    ids: Vec::new(),
                });
                g.periods.back_mut()?
            }
        };
        slot.count += 1;
        if slot.ids.len() < SAMPLE {
            slot.ids.extend(ev.id.clone());
        }
        if slot.count != need {
            return None;
        }
        // This period just reached the count: are the previous e-1 periods above it too?
        let all = (1..e).all(|j| g.periods.iter().any(|p| p.index == k - j && p.count >= need));
        if !all {
            return None;
        }
        let continuing = g.alarm_last == Some(k - 1);
        g.alarm_last = Some(k);
        if continuing {
            return None;
        }
        let window: Vec<&Period> = g.periods.iter().filter(|p| p.index > k - e).collect();
        let first = window.first().map_or(ev.time, |p| p.first);
        let count = window.iter().map(|p| p.count).sum();
        let mut event_ids: Vec<String> = window.iter().flat_map(|p| p.ids.iter().cloned()).collect();
        event_ids.truncate(SAMPLE);
        let names = self.threshold.group_by.iter().map(|k| k.name().to_owned());
        Some(Window {
            group: names.zip(group).collect(),
            first,
            last: ev.time,
            count,
            condition: self.threshold.describe(),
            event_ids,
        })
    }

    /// Drop groups whose newest period is older than `before`.
    fn sweep(&mut self, before: i64) {
        let n = self.groups.len();
        self.groups
            .retain(|_, g| g.periods.back().is_some_and(|p| p.index > before));
        if self.groups.len() >= MAX_GROUPS {
            // Still full: drop the half with the oldest activity.
            let mut last: Vec<i64> = self
                .groups
                .values()
                .map(|g| g.periods.back().map_or(i64::MIN, |p| p.index))
                .collect();
            last.sort_unstable();
            let cut = last[last.len() / 2];
            self.groups
                .retain(|_, g| g.periods.back().is_some_and(|p| p.index > cut));
        }
        self.stats.groups_dropped += (n - self.groups.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::GroupKey;

    fn ev(secs: i64, id: &str) -> EventRef {
        EventRef {
            id: Some(id.into()),
            time: Timestamp::from_secs(secs),
            ..EventRef::default()
        }
    }

    fn th(count: u64, period: u32, e: u32) -> Threshold {
        Threshold {
            count,
            period_secs: period,
            evaluation_periods: e,
            group_by: vec![GroupKey::Principal],
        }
    }

    fn run(a: &mut Alarms, times: &[(i64, &str)]) -> Vec<Window> {
        times
            .iter()
            .enumerate()
            .filter_map(|(i, (t, g))| a.feed(vec![Some((*g).to_owned())], &ev(*t, &format!("e{i}"))))
            .collect()
    }

    #[test]
    fn count_in_one_period() {
        let mut a = Alarms::new(th(3, 300, 1));
        // 0, 10, 20 in period 0: alert at the third.
        let w = run(&mut a, &[(0, "a"), (10, "a"), (20, "a"), (30, "a")]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].count, 3);
        assert_eq!(w[0].event_ids, vec!["e0", "e1", "e2"]);
        assert_eq!(w[0].group, vec![("principal".to_owned(), Some("a".to_owned()))]);
    }

    #[test]
    fn periods_are_aligned_not_sliding() {
        let mut a = Alarms::new(th(3, 300, 1));
        // Two at the end of one period, one at the start of the next: no alarm.
        assert!(run(&mut a, &[(290, "a"), (295, "a"), (301, "a")]).is_empty());
    }

    #[test]
    fn groups_count_apart() {
        let mut a = Alarms::new(th(2, 60, 1));
        assert!(run(&mut a, &[(0, "a"), (1, "b")]).is_empty());
        assert_eq!(run(&mut a, &[(2, "b")]).len(), 1);
    }

    #[test]
    fn alarm_continues_then_resets() {
        let mut a = Alarms::new(th(2, 60, 1));
        // Periods 0, 1 above: one alert (continuing). Period 2 empty; period 3 above: new alert.
        let w = run(
            &mut a,
            &[(0, "a"), (1, "a"), (60, "a"), (61, "a"), (180, "a"), (181, "a")],
        );
        assert_eq!(w.len(), 2);
        assert_eq!(w[1].last, Timestamp::from_secs(181));
    }

    #[test]
    fn evaluation_periods_need_consecutive_periods() {
        let mut a = Alarms::new(th(2, 60, 2));
        assert!(run(&mut a, &[(0, "a"), (1, "a")]).is_empty());
        let w = run(&mut a, &[(60, "a"), (61, "a")]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].count, 4);
        assert_eq!(w[0].first, Timestamp::from_secs(0));
        // A gap breaks the run.
        let mut b = Alarms::new(th(2, 60, 2));
        assert!(run(&mut b, &[(0, "a"), (1, "a"), (120, "a"), (121, "a")]).is_empty());
    }

    #[test]
    fn out_of_order_is_counted_not_alerted() {
        let mut a = Alarms::new(th(2, 60, 1));
        run(&mut a, &[(120, "a"), (0, "a")]);
        assert_eq!(a.out_of_order(), 1);
    }
}
