//! Correlation rules: `event_count`, `value_count`, `temporal` and `temporal_ordered`, with
//! `group-by`, `aliases`, `timespan`, chains of correlations, and a stateful [`Correlator`].
//!
//! # Semantics
//!
//! The correlator is fed [`Observation`]s — detection matches reduced to what correlations need
//! (time, rule, group values, the counted value) — **in event-time order** (`eventTime`, not
//! arrival time). Windows are measured in event time and include both ends: two events are
//! within `timespan` when their times differ by at most `timespan`.
//!
//! - A condition with only a lower bound (`gt`, `gte`; the usual "at least N") is checked on
//!   every observation over the sliding window that ends at it, and fires as soon as it holds;
//!   the group then starts afresh, so each alert is made of new events.
//! - A condition with an upper bound (`lt`, `lte`, `eq`, ranges) can only be decided once the
//!   window is over: windows are then tumbling, opened by a group's first event and closed
//!   `timespan` later (checked when event time passes that point, and by
//!   [`Correlator::finish`] at the end of the input).
//! - `temporal`: every referenced rule (or as many as `condition` asks for) matched within
//!   `timespan` in one group, in any order; `temporal_ordered`: in the listed order.
//! - Group values are taken from the record as written (case-sensitive); a missing field is a
//!   group of its own, as SQL's `GROUP BY` treats `NULL`; a field with several values (an
//!   array) groups by the first. `value_count` skips records without the counted field.
//!
//! # Bounds
//!
//! State is bounded whatever the input: per correlation at most [`CorrelationLimits::max_groups`] groups
//! (expired groups are dropped first, then the least recently active, and evictions are
//! counted in [`CorrelationStats`]); per group at most the threshold's worth of timestamps or
//! distinct values; group values are cut at [`CorrelationLimits::max_value_len`] bytes. Output is
//! deterministic: alerts come in input order, and windows closed together are emitted in order
//! of closing time, correlation and group.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use trailguard_model::{FieldPath, Timestamp};

use crate::problem::{Problem, ProblemKind};
use crate::rule::{Ctx, RuleInfo};
use crate::yaml::{Node, NodeKind};

/// The kind of a correlation rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    /// Count matching events per group.
    EventCount,
    /// Count distinct values of a field per group.
    ValueCount,
    /// All referenced rules match within the timespan, any order.
    Temporal,
    /// All referenced rules match within the timespan, in order.
    TemporalOrdered,
}

impl CorrelationType {
    /// The spelling in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
            CorrelationType::Temporal => "temporal",
            CorrelationType::TemporalOrdered => "temporal_ordered",
        }
    }
}

/// Largest count threshold accepted (state per group grows with it).
pub(crate) const MAX_THRESHOLD: u64 = 100_000;
/// Longest timespan accepted: one year.
const MAX_TIMESPAN_MS: i64 = 366 * 86_400_000;

/// A count condition: every given bound must hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CountCond {
    pub(crate) gt: Option<u64>,
    pub(crate) gte: Option<u64>,
    pub(crate) lt: Option<u64>,
    pub(crate) lte: Option<u64>,
    pub(crate) eq: Option<u64>,
}

impl CountCond {
    fn holds(&self, n: u64) -> bool {
        self.gt.is_none_or(|x| n > x)
            && self.gte.is_none_or(|x| n >= x)
            && self.lt.is_none_or(|x| n < x)
            && self.lte.is_none_or(|x| n <= x)
            && self.eq.is_none_or(|x| n == x)
    }

    fn has_upper(&self) -> bool {
        self.lt.is_some() || self.lte.is_some() || self.eq.is_some()
    }

    /// The smallest count that satisfies the lower bounds.
    fn need(&self) -> u64 {
        let a = self.gt.map_or(0, |x| x.saturating_add(1));
        let b = self.gte.unwrap_or(0);
        a.max(b).max(self.eq.unwrap_or(0))
    }

    /// The largest count worth keeping track of exactly (one past the upper bound).
    fn cap(&self) -> u64 {
        let u = [
            self.lt,
            self.lte.map(|x| x.saturating_add(1)),
            self.eq.map(|x| x.saturating_add(1)),
        ]
        .into_iter()
        .flatten()
        .min();
        u.unwrap_or(u64::MAX).max(self.need())
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("gt", self.gt),
            ("gte", self.gte),
            ("lt", self.lt),
            ("lte", self.lte),
            ("eq", self.eq),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k} {v}"));
            }
        }
        parts.join(" and ")
    }
}

/// A correlation rule as read, before its references are resolved.
#[derive(Clone, Debug)]
pub(crate) struct CorrSpec {
    pub(crate) kind: CorrelationType,
    pub(crate) rules: Vec<(String, crate::yaml::Pos)>,
    pub(crate) group_by: Vec<String>,
    /// alias → (rule id or name → field)
    pub(crate) aliases: Vec<(String, Vec<(String, String)>)>,
    pub(crate) timespan_ms: i64,
    pub(crate) cond: Option<CountCond>,
    pub(crate) field: Option<String>,
    pub(crate) generate: bool,
}

fn invalid(msg: impl Into<String>) -> ProblemKind {
    ProblemKind::Invalid { message: msg.into() }
}

/// Parse `timespan` (`30s`, `5m`, `1h`, `7d`, `2w`).
pub(crate) fn parse_timespan(text: &str) -> Option<i64> {
    let t = text.trim();
    let unit = t.chars().last()?;
    let n: i64 = t[..t.len() - unit.len_utf8()].parse().ok()?;
    let ms = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(ms).filter(|&v| v > 0)
}

/// Read the `correlation` section of a document.
pub(crate) fn read_spec(ctx: &Ctx, root: &Node, sec: &Node) -> Result<CorrSpec, Box<Problem>> {
    let f = |k: &str| format!("correlation.{k}");
    if sec.as_map().is_none() {
        return Err(ctx.type_error(sec, "correlation", "a mapping"));
    }
    let ty_node = sec.get("type").ok_or_else(|| {
        ctx.problem(
            sec.pos,
            Some("correlation".into()),
            ProblemKind::Missing {
                key: "correlation.type",
            },
        )
    })?;
    let ty = ty_node.as_str().unwrap_or_default();
    let kind = match ty {
        "event_count" => CorrelationType::EventCount,
        "value_count" => CorrelationType::ValueCount,
        "temporal" => CorrelationType::Temporal,
        "temporal_ordered" => CorrelationType::TemporalOrdered,
        "value_sum" | "value_avg" | "value_percentile" | "value_median" => {
            return Err(ctx.problem(
                ty_node.pos,
                Some(f("type")),
                ProblemKind::Unsupported {
                    feature: format!("correlation type `{ty}`"),
                    reason: "trailguard evaluates event_count, value_count, temporal and temporal_ordered".into(),
                },
            ));
        }
        _ => {
            return Err(ctx.problem(
                ty_node.pos,
                Some(f("type")),
                invalid(format!(
                    "unknown correlation type `{ty}` (expected event_count, value_count, temporal or temporal_ordered)"
                )),
            ));
        }
    };
    let rules_node = sec.get("rules").ok_or_else(|| {
        ctx.problem(
            sec.pos,
            Some("correlation".into()),
            ProblemKind::Missing {
                key: "correlation.rules",
            },
        )
    })?;
    let rules: Vec<(String, crate::yaml::Pos)> = match &rules_node.kind {
        NodeKind::Scalar(s) if !s.is_null() => vec![(s.text.clone(), rules_node.pos)],
        NodeKind::Seq(items) if !items.is_empty() => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|s| (s.to_owned(), i.pos))
                    .ok_or_else(|| ctx.type_error(i, &f("rules"), "a rule id or name"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(ctx.type_error(rules_node, &f("rules"), "a list of rule ids or names")),
    };
    let group_by = ctx.str_list(sec, "group-by")?;
    let ts_node = sec.get("timespan").or_else(|| sec.get("timeframe")).ok_or_else(|| {
        ctx.problem(
            sec.pos,
            Some("correlation".into()),
            ProblemKind::Missing {
                key: "correlation.timespan",
            },
        )
    })?;
    let ts_text = ts_node.as_str().unwrap_or_default();
    let timespan_ms = parse_timespan(ts_text).ok_or_else(|| {
        ctx.problem(
            ts_node.pos,
            Some(f("timespan")),
            invalid(format!(
                "`{ts_text}` is not a timespan (a number and s, m, h, d or w: `90m`)"
            )),
        )
    })?;
    if timespan_ms > MAX_TIMESPAN_MS {
        return Err(ctx.problem(
            ts_node.pos,
            Some(f("timespan")),
            ProblemKind::Unsupported {
                feature: format!("timespan `{ts_text}`"),
                reason: "longer than a year".into(),
            },
        ));
    }
    let mut aliases = Vec::new();
    if let Some(a) = sec.get("aliases").filter(|n| !n.is_null()) {
        let Some(members) = a.as_map() else {
            return Err(ctx.type_error(a, &f("aliases"), "a mapping of alias → (rule → field)"));
        };
        for (k, v) in members {
            let alias = k.as_str().unwrap_or_default().to_owned();
            let Some(map) = v.as_map() else {
                return Err(ctx.type_error(v, &f(&format!("aliases.{alias}")), "a mapping of rule name → field"));
            };
            let mut per_rule = Vec::new();
            for (rk, rv) in map {
                let Some(field) = rv.as_str() else {
                    return Err(ctx.type_error(rv, &f(&format!("aliases.{alias}")), "a field name"));
                };
                per_rule.push((rk.as_str().unwrap_or_default().to_owned(), field.to_owned()));
            }
            aliases.push((alias, per_rule));
        }
    }
    let mut cond = None;
    let mut field = None;
    if let Some(c) = sec.get("condition").filter(|n| !n.is_null()) {
        let Some(members) = c.as_map() else {
            return Err(ctx.type_error(c, &f("condition"), "a mapping such as `gte: 10`"));
        };
        let mut cc = CountCond::default();
        for (k, v) in members {
            let key = k.as_str().unwrap_or_default();
            if key == "field" {
                field = Some(
                    v.as_str()
                        .ok_or_else(|| ctx.type_error(v, &f("condition.field"), "a field name"))?
                        .to_owned(),
                );
                continue;
            }
            let n: u64 = v.as_str().and_then(|s| s.trim().parse().ok()).ok_or_else(|| {
                ctx.problem(
                    v.pos,
                    Some(f(&format!("condition.{key}"))),
                    invalid("expected a whole number"),
                )
            })?;
            if n > MAX_THRESHOLD {
                return Err(ctx.problem(
                    v.pos,
                    Some(f(&format!("condition.{key}"))),
                    ProblemKind::Unsupported {
                        feature: format!("a threshold of {n}"),
                        reason: format!("state per group is bounded; thresholds up to {MAX_THRESHOLD} are accepted"),
                    },
                ));
            }
            let slot = match key {
                "gt" => &mut cc.gt,
                "gte" => &mut cc.gte,
                "lt" => &mut cc.lt,
                "lte" => &mut cc.lte,
                "eq" => &mut cc.eq,
                _ => {
                    return Err(ctx.problem(
                        k.pos,
                        Some(f("condition")),
                        invalid(format!(
                            "unknown condition `{key}` (expected gt, gte, lt, lte, eq or field)"
                        )),
                    ));
                }
            };
            *slot = Some(n);
        }
        if cc == CountCond::default() {
            return Err(ctx.problem(c.pos, Some(f("condition")), invalid("the condition gives no bound")));
        }
        cond = Some(cc);
    }
    match kind {
        CorrelationType::EventCount | CorrelationType::ValueCount if cond.is_none() => {
            return Err(ctx.problem(
                sec.pos,
                Some("correlation".into()),
                ProblemKind::Missing {
                    key: "correlation.condition",
                },
            ));
        }
        CorrelationType::ValueCount if field.is_none() => {
            return Err(ctx.problem(
                sec.pos,
                Some(f("condition")),
                ProblemKind::Missing {
                    key: "correlation.condition.field",
                },
            ));
        }
        CorrelationType::Temporal | CorrelationType::TemporalOrdered => {
            if let Some(c) = &cond
                && c.has_upper()
            {
                return Err(ctx.problem(
                    sec.pos,
                    Some(f("condition")),
                    ProblemKind::Unsupported {
                        feature: format!("an upper bound ({}) on a temporal correlation", c.describe()),
                        reason: "temporal correlations count how many of the rules matched; only gt/gte are meaningful"
                            .into(),
                    },
                ));
            }
        }
        _ => {}
    }
    if kind == CorrelationType::TemporalOrdered
        && let Some(c) = &cond
        && c.need() != rules.len() as u64
    {
        return Err(ctx.problem(
            sec.pos,
            Some(f("condition")),
            ProblemKind::Unsupported {
                feature: "a partial temporal_ordered condition".into(),
                reason:
                    "an ordered sequence is complete only when every listed rule matched in order; drop the condition"
                        .into(),
            },
        ));
    }
    let bool_of = |n: Option<&Node>, key: &str| -> Result<Option<bool>, Box<Problem>> {
        match n {
            None => Ok(None),
            Some(n) => n
                .as_scalar()
                .and_then(crate::yaml::Scalar::as_bool)
                .map(Some)
                .ok_or_else(|| ctx.type_error(n, key, "true or false")),
        }
    };
    let generate = bool_of(sec.get("generate"), "correlation.generate")?
        .or(bool_of(root.get("generate"), "generate")?)
        .unwrap_or(false);
    Ok(CorrSpec {
        kind,
        rules,
        group_by,
        aliases,
        timespan_ms,
        cond,
        field,
        generate,
    })
}

/// An input of a correlation: a detection rule or another correlation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Input {
    Rule(u32),
    Corr(u32),
}

/// How one input of a correlation provides a group value or the counted value.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// A field of the matched record.
    Path(FieldPath),
    /// A group value of the inner correlation's alert, by name.
    Group(Box<str>),
    /// Nothing: the alias does not cover this input.
    None,
}

/// A resolved correlation.
#[derive(Debug)]
pub(crate) struct CorrDef {
    pub(crate) info: Arc<RuleInfo>,
    pub(crate) kind: CorrelationType,
    /// Referenced rules, in the listed order.
    pub(crate) inputs: Vec<Input>,
    pub(crate) group_by: Vec<Box<str>>,
    /// Per input position, per group-by entry.
    pub(crate) group_src: Vec<Vec<Source>>,
    /// Per input position (value_count).
    pub(crate) value_src: Vec<Source>,
    pub(crate) timespan_ms: i64,
    pub(crate) cond: CountCond,
    /// Detection rules behind this correlation, for attribution.
    pub(crate) base_rules: Vec<Arc<RuleInfo>>,
    /// Correlations that take this one as input: (outer index, input positions).
    pub(crate) outers: Vec<(u32, Vec<usize>)>,
}

/// The correlations of a rule set, resolved.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) defs: Vec<CorrDef>,
    /// Per detection rule: (correlation, input positions) that take it.
    pub(crate) by_rule: FxHashMap<u32, Vec<(u32, Vec<usize>)>>,
}

/// Tuning for a [`Correlator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorrelationLimits {
    /// Most groups kept per correlation rule.
    pub max_groups: usize,
    /// Longest group value or counted value kept, in bytes (longer ones are cut).
    pub max_value_len: usize,
    /// Event ids kept per alert as examples.
    pub max_sample: usize,
}

impl Default for CorrelationLimits {
    fn default() -> Self {
        CorrelationLimits {
            max_groups: 100_000,
            max_value_len: 1024,
            max_sample: 16,
        }
    }
}

fn cut(s: &str, max: usize) -> Box<str> {
    if s.len() <= max {
        return s.into();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].into()
}

/// What one correlation needs from one matched record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) corr: u32,
    pub(crate) positions: Vec<usize>,
    pub(crate) group: Vec<Option<Box<str>>>,
    pub(crate) value: Option<Box<str>>,
}

/// A detection match reduced to what the correlations need; owned, so matches found on many
/// threads can be gathered and sorted by time before they are fed to a [`Correlator`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The record's `eventTime`.
    pub time: Timestamp,
    /// The record's `eventID`, if any.
    pub event_id: Option<Box<str>>,
    /// The rule that matched.
    pub rule: crate::RuleId,
    pub(crate) entries: Vec<Entry>,
}

impl Plan {
    /// The observation for a match of `rule` on `ev`, if any correlation takes that rule.
    pub(crate) fn observe(
        &self,
        ev: &trailguard_model::Event<'_>,
        rule: u32,
        limits: &CorrelationLimits,
    ) -> Option<Observation> {
        let takers = self.by_rule.get(&rule)?;
        let first_value = |p: &FieldPath| -> Option<Box<str>> {
            let mut out = None;
            ev.visit(p, &mut |v| {
                out = match v {
                    trailguard_json::Value::String(s) => Some(cut(&s, limits.max_value_len)),
                    trailguard_json::Value::Number(n) => Some(cut(n, limits.max_value_len)),
                    trailguard_json::Value::Bool(b) => Some(if b { "true".into() } else { "false".into() }),
                    trailguard_json::Value::Null => None,
                    trailguard_json::Value::Array(r) | trailguard_json::Value::Object(r) => {
                        Some(cut(&crate::eval::compact(r.text()), limits.max_value_len))
                    }
                };
                out.is_none()
            });
            out
        };
        let entries = takers
            .iter()
            .map(|(c, positions)| {
                let def = &self.defs[*c as usize];
                let pos = positions[0];
                let group = def.group_src[pos]
                    .iter()
                    .map(|s| match s {
                        Source::Path(p) => first_value(p),
                        _ => None,
                    })
                    .collect();
                let value = match &def.value_src[pos] {
                    Source::Path(p) => first_value(p),
                    _ => None,
                };
                Entry {
                    corr: *c,
                    positions: positions.clone(),
                    group,
                    value,
                }
            })
            .collect();
        Some(Observation {
            time: ev.time,
            event_id: ev.event_id.as_deref().map(Into::into),
            rule: crate::RuleId(rule),
            entries,
        })
    }
}

/// A correlation rule that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrelationAlert {
    /// The correlation rule (title, id, level, author, licence; `standalone` is false for a
    /// correlation that only feeds another one).
    pub rule: Arc<RuleInfo>,
    /// Its type.
    pub kind: CorrelationType,
    /// The group: each `group-by` name with its value (`None` when the field was missing).
    pub group: Vec<(Box<str>, Option<Box<str>>)>,
    /// Time of the first event of the window.
    pub first: Timestamp,
    /// Time of the event that completed it (or the end of the window, for closed windows).
    pub last: Timestamp,
    /// Events (`event_count`), distinct values (`value_count`) or rules (`temporal*`) counted.
    pub count: u64,
    /// Some of the counted values (`value_count`), up to the sample limit.
    pub values: Vec<Box<str>>,
    /// `eventID`s of events in the window, up to the sample limit.
    pub event_ids: Vec<Box<str>>,
    /// The detection rules behind it (their authors are owed attribution too).
    pub rules: Vec<Arc<RuleInfo>>,
}

/// Counters a correlator keeps, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CorrelationStats {
    /// Observations fed.
    pub observations: u64,
    /// Observations older than an earlier one (input not in event-time order).
    pub out_of_order: u64,
    /// Groups dropped because a correlation reached `max_groups`.
    pub groups_evicted: u64,
    /// Most groups held at once by one correlation.
    pub max_groups_held: u64,
    /// Alerts produced (all correlations, chained ones included).
    pub alerts: u64,
}

type GroupKey = Vec<Option<Box<str>>>;
/// A time and the `eventID` seen then.
type Stamp = (Timestamp, Option<Box<str>>);

/// What a firing group reports: first time, count, sample values, sample event ids.
struct Fired(Timestamp, u64, Vec<Box<str>>, Vec<Box<str>>);

#[derive(Debug)]
enum State {
    /// Sliding window of the most recent events (at most `need`).
    Recent(VecDeque<(Timestamp, Option<Box<str>>)>),
    /// Sliding distinct values with their latest time (at most `need`).
    Distinct(FxHashMap<Box<str>, (Timestamp, Option<Box<str>>)>),
    /// Tumbling window for conditions with an upper bound.
    Window {
        start: Timestamp,
        last: Timestamp,
        count: u64,
        values: BTreeSet<Box<str>>,
        ids: Vec<Box<str>>,
    },
    /// Latest match per input (temporal).
    Latest(Vec<Option<(Timestamp, Option<Box<str>>)>>),
    /// Per position: start time of the best partial sequence ending there (temporal_ordered).
    Ordered(Vec<Option<Timestamp>>, Vec<Box<str>>),
}

#[derive(Debug)]
struct Group {
    state: State,
    active: Timestamp,
}

/// The stateful side of correlation rules; see the [module documentation](self).
#[derive(Debug)]
pub struct Correlator {
    plan: Arc<Plan>,
    limits: CorrelationLimits,
    groups: Vec<FxHashMap<GroupKey, Group>>,
    /// Tumbling windows by closing time.
    closing: BTreeSet<(Timestamp, u32, GroupKey)>,
    watermark: Option<Timestamp>,
    stats: CorrelationStats,
}

/// One input arriving at a correlation.
struct Arrival {
    time: Timestamp,
    positions: Vec<usize>,
    group: GroupKey,
    value: Option<Box<str>>,
    event_id: Option<Box<str>>,
}

impl Correlator {
    pub(crate) fn new(plan: Arc<Plan>, limits: CorrelationLimits) -> Correlator {
        let n = plan.defs.len();
        Correlator {
            plan,
            limits,
            groups: (0..n).map(|_| FxHashMap::default()).collect(),
            closing: BTreeSet::new(),
            watermark: None,
            stats: CorrelationStats::default(),
        }
    }

    /// Whether there are any correlation rules at all.
    pub fn is_empty(&self) -> bool {
        self.plan.defs.is_empty()
    }

    /// The counters so far.
    pub fn stats(&self) -> CorrelationStats {
        self.stats
    }

    /// Feed one observation; alerts that fire are appended to `out`.
    pub fn feed(&mut self, obs: &Observation, out: &mut Vec<CorrelationAlert>) {
        self.stats.observations += 1;
        if self.watermark.is_some_and(|w| obs.time < w) {
            self.stats.out_of_order += 1;
        }
        self.advance(obs.time, out);
        for e in &obs.entries {
            let arrival = Arrival {
                time: obs.time,
                positions: e.positions.clone(),
                group: e.group.clone(),
                value: e.value.clone(),
                event_id: obs.event_id.clone(),
            };
            self.arrive(e.corr, arrival, out);
        }
    }

    /// Event time has reached `now`: close the tumbling windows that ended before it.
    pub fn advance(&mut self, now: Timestamp, out: &mut Vec<CorrelationAlert>) {
        if self.watermark.is_none_or(|w| now > w) {
            self.watermark = Some(now);
        }
        let Some(w) = self.watermark else { return };
        while let Some(first) = self.closing.first() {
            if first.0 >= w {
                break;
            }
            let Some((at, corr, key)) = self.closing.pop_first() else {
                break;
            };
            self.close(corr, &key, at, out);
        }
    }

    /// The input is over: close every open window; returns the alerts and the counters.
    pub fn finish(mut self, out: &mut Vec<CorrelationAlert>) -> CorrelationStats {
        while let Some((at, corr, key)) = self.closing.pop_first() {
            self.close(corr, &key, at, out);
        }
        self.stats
    }

    fn close(&mut self, corr: u32, key: &GroupKey, _at: Timestamp, out: &mut Vec<CorrelationAlert>) {
        let Some(g) = self.groups[corr as usize].remove(key) else {
            return;
        };
        if let State::Window {
            start,
            last,
            count,
            values,
            ids,
        } = g.state
        {
            let def = &self.plan.defs[corr as usize];
            let n = if def.kind == CorrelationType::ValueCount {
                values.len() as u64
            } else {
                count
            };
            if def.cond.holds(n) {
                let alert = self.alert(corr, key, start, last, n, values.into_iter().collect(), ids);
                self.emit(corr, alert, out);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn alert(
        &self,
        corr: u32,
        key: &GroupKey,
        first: Timestamp,
        last: Timestamp,
        count: u64,
        mut values: Vec<Box<str>>,
        mut ids: Vec<Box<str>>,
    ) -> CorrelationAlert {
        let def = &self.plan.defs[corr as usize];
        values.truncate(self.limits.max_sample);
        ids.truncate(self.limits.max_sample);
        CorrelationAlert {
            rule: def.info.clone(),
            kind: def.kind,
            group: def.group_by.iter().cloned().zip(key.iter().cloned()).collect(),
            first,
            last,
            count,
            values,
            event_ids: ids,
            rules: def.base_rules.clone(),
        }
    }

    /// Record an alert and pass it on to the correlations that take this one.
    fn emit(&mut self, corr: u32, alert: CorrelationAlert, out: &mut Vec<CorrelationAlert>) {
        self.stats.alerts += 1;
        let outers = self.plan.defs[corr as usize].outers.clone();
        for (outer, positions) in outers {
            let odef = &self.plan.defs[outer as usize];
            let pos = positions[0];
            let from_group = |s: &Source| match s {
                Source::Group(name) => alert.group.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.clone()),
                _ => None,
            };
            let group = odef.group_src[pos].iter().map(from_group).collect();
            let value = from_group(&odef.value_src[pos]);
            let arrival = Arrival {
                time: alert.last,
                positions,
                group,
                value,
                event_id: alert.event_ids.last().cloned(),
            };
            self.arrive(outer, arrival, out);
        }
        out.push(alert);
    }

    fn make_room(&mut self, corr: u32, now: Timestamp) {
        let span = self.plan.defs[corr as usize].timespan_ms;
        let groups = &mut self.groups[corr as usize];
        if groups.len() < self.limits.max_groups {
            return;
        }
        // Drop groups whose state has expired, then the least recently active (ties by key).
        // (Tumbling windows are closed by `advance` when they end, so they are kept here.)
        let before = groups.len();
        groups.retain(|_, g| now.millis() - g.active.millis() <= span || matches!(g.state, State::Window { .. }));
        if groups.len() < before {
            return;
        }
        let victim = groups
            .iter()
            .min_by(|a, b| a.1.active.cmp(&b.1.active).then_with(|| a.0.cmp(b.0)))
            .map(|(k, _)| k.clone());
        if let Some(k) = victim {
            groups.remove(&k);
            self.closing.retain(|(_, c, key)| !(*c == corr && *key == k));
            self.stats.groups_evicted += 1;
        }
    }

    fn arrive(&mut self, corr: u32, a: Arrival, out: &mut Vec<CorrelationAlert>) {
        let plan = self.plan.clone();
        let def = &plan.defs[corr as usize];
        let span = def.timespan_ms;
        let t = a.time;
        let within = |from: Timestamp| t.millis() - from.millis() <= span;
        if def.kind == CorrelationType::ValueCount && a.value.is_none() {
            // Nothing to count.
            return;
        }
        if !self.groups[corr as usize].contains_key(&a.group) {
            self.make_room(corr, t);
        }
        let tumbling =
            matches!(def.kind, CorrelationType::EventCount | CorrelationType::ValueCount) && def.cond.has_upper();
        // A tumbling window that has ended is closed before this arrival opens the next one.
        if tumbling
            && let Some(g) = self.groups[corr as usize].get(&a.group)
            && let State::Window { start, .. } = g.state
            && !within(start)
        {
            let at = Timestamp(start.millis() + span);
            self.closing.remove(&(at, corr, a.group.clone()));
            self.close(corr, &a.group, at, out);
        }
        let limits = self.limits;
        let groups = &mut self.groups[corr as usize];
        let held = groups.len() as u64 + u64::from(!groups.contains_key(&a.group));
        let g = groups.entry(a.group.clone()).or_insert_with(|| Group {
            active: t,
            state: match def.kind {
                _ if tumbling => State::Window {
                    start: t,
                    last: t,
                    count: 0,
                    values: BTreeSet::new(),
                    ids: Vec::new(),
                },
                CorrelationType::EventCount => State::Recent(VecDeque::new()),
                CorrelationType::ValueCount => State::Distinct(FxHashMap::default()),
                CorrelationType::Temporal => State::Latest(vec![None; def.inputs.len()]),
                CorrelationType::TemporalOrdered => State::Ordered(vec![None; def.inputs.len()], Vec::new()),
            },
        });
        self.stats.max_groups_held = self.stats.max_groups_held.max(held);
        g.active = g.active.max(t);
        let need = def.cond.need();
        let mut fired: Option<Fired> = None;
        match &mut g.state {
            State::Window {
                start,
                last,
                count,
                values,
                ids,
            } => {
                if *count == 0 {
                    self.closing
                        .insert((Timestamp(start.millis() + span), corr, a.group.clone()));
                }
                *count += 1;
                *last = (*last).max(t);
                if let Some(v) = a.value
                    && (values.len() as u64) < def.cond.cap()
                {
                    values.insert(v);
                }
                if let Some(id) = a.event_id
                    && ids.len() < limits.max_sample
                {
                    ids.push(id);
                }
            }
            State::Recent(q) => {
                q.push_back((t, a.event_id));
                while q.front().is_some_and(|(ft, _)| !within(*ft)) {
                    q.pop_front();
                }
                while q.len() as u64 > need.max(1) {
                    q.pop_front();
                }
                if q.len() as u64 >= need {
                    let first = q.front().map_or(t, |(ft, _)| *ft);
                    let ids = q.iter().filter_map(|(_, id)| id.clone()).collect();
                    fired = Some(Fired(first, q.len() as u64, Vec::new(), ids));
                }
            }
            State::Distinct(m) => {
                if let Some(v) = a.value {
                    m.insert(v, (t, a.event_id));
                }
                if m.len() as u64 >= need {
                    m.retain(|_, (vt, _)| within(*vt));
                }
                if m.len() as u64 >= need.max(1) {
                    let mut entries: Vec<(&Box<str>, &Stamp)> = m.iter().collect();
                    entries.sort_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| a.0.cmp(b.0)));
                    let first = entries.first().map_or(t, |e| e.1.0);
                    let values = entries.iter().map(|e| e.0.clone()).collect();
                    let ids = entries.iter().filter_map(|e| e.1.1.clone()).collect();
                    fired = Some(Fired(first, m.len() as u64, values, ids));
                }
            }
            State::Latest(latest) => {
                for &p in &a.positions {
                    latest[p] = Some((t, a.event_id.clone()));
                }
                let live: Vec<&(Timestamp, Option<Box<str>>)> =
                    latest.iter().flatten().filter(|(lt, _)| within(*lt)).collect();
                let want = if def.cond == CountCond::default() {
                    def.inputs.len() as u64
                } else {
                    need
                };
                if live.len() as u64 >= want.max(1) {
                    let first = live.iter().map(|(lt, _)| *lt).min().unwrap_or(t);
                    let ids = live.iter().filter_map(|(_, id)| id.clone()).collect();
                    fired = Some(Fired(first, live.len() as u64, Vec::new(), ids));
                }
            }
            State::Ordered(best, ids) => {
                // Later positions first, so one record never fills two steps.
                let mut positions = a.positions.clone();
                positions.sort_unstable_by(|x, y| y.cmp(x));
                for p in positions {
                    if p == 0 {
                        best[0] = Some(t);
                    } else if let Some(s) = best[p - 1].filter(|s| within(*s)) {
                        best[p] = Some(best[p].map_or(s, |b| b.max(s)));
                    }
                }
                if let Some(id) = a.event_id
                    && ids.len() < limits.max_sample
                {
                    ids.push(id);
                }
                if let Some(s) = best.last().copied().flatten() {
                    fired = Some(Fired(s, best.len() as u64, Vec::new(), std::mem::take(ids)));
                }
            }
        }
        if let Some(Fired(first, count, values, ids)) = fired {
            self.groups[corr as usize].remove(&a.group);
            let alert = self.alert(corr, &a.group, first, t, count, values, ids);
            self.emit(corr, alert, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("90m"), Some(90 * 60_000));
        assert_eq!(parse_timespan("1h"), Some(3_600_000));
        assert_eq!(parse_timespan("30s"), Some(30_000));
        assert_eq!(parse_timespan("2d"), Some(2 * 86_400_000));
        assert_eq!(parse_timespan("0s"), None);
        assert_eq!(parse_timespan("5"), None);
        assert_eq!(parse_timespan("m"), None);
        assert_eq!(parse_timespan("5y"), None);
        assert_eq!(parse_timespan("99999999999999999d"), None);
    }

    #[test]
    fn count_conditions() {
        let c = CountCond {
            gt: Some(100),
            lte: Some(200),
            ..CountCond::default()
        };
        assert!(!c.holds(100) && c.holds(101) && c.holds(200) && !c.holds(201));
        assert_eq!(c.need(), 101);
        assert_eq!(c.cap(), 201);
        assert!(c.has_upper());
        let g = CountCond {
            gte: Some(5),
            ..CountCond::default()
        };
        assert_eq!(g.need(), 5);
        assert!(!g.has_upper());
    }
}
