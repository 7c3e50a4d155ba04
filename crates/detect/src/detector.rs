//! The detector: every rule compiled once, matched in one pass per record, and the per-thread
//! [`Collector`] that turns matches into alerts.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use trailguard_model::{Event, Fanout, FieldPath, Step};
use trailguard_pattern::{Ast, Expr, Pattern, Subject};
use trailguard_sigma::{CorrelationLimits, Observation, RuleId, RuleSet, Source};

use crate::alert::{Alert, EventRef, FieldReason, Reason, RuleRef, Window};
use crate::pending::Pending;
use crate::rule::{Body, GroupKey, Origin, Rule, Severity};
use crate::threshold::{AlarmStats, Alarms};

/// A rule's position in its [`Detector`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleIx(pub u32);

/// Why a detector could not be built: a rule that cannot be compiled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: rule `{rule}`: {message}")]
pub struct BuildError {
    /// Where the rule came from.
    pub origin: String,
    /// The rule's id.
    pub rule: String,
    /// What is wrong (for filter patterns, with the column and a caret line).
    pub message: String,
}

/// What a build has to say that does not stop it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildNotes {
    /// Lint warnings on filter patterns (`rule id: message`).
    pub warnings: Vec<String>,
    /// The Sigma engine's report on `--sigma` rules (problems, refusals, rules not applied).
    pub sigma: trailguard_sigma::BuildReport,
}

/// A filter pattern rule, compiled, with its parts for explaining a match.
struct CompiledPattern {
    rule: u32,
    pattern: Pattern,
    parts: Vec<(String, Pattern, Option<FieldPath>)>,
}

/// How a threshold's group keys are read.
struct Grouping {
    keys: Vec<GroupKey>,
    paths: Vec<Option<FieldPath>>,
}

/// Every rule, compiled once; `Send + Sync`, shared by all reader threads.
pub struct Detector {
    rules: Vec<Arc<Rule>>,
    refs: Vec<Arc<RuleRef>>,
    patterns: Vec<CompiledPattern>,
    /// Our rule → its compiled pattern.
    pattern_of: FxHashMap<u32, u32>,
    by_name: FxHashMap<Box<str>, Vec<u32>>,
    unindexed: Vec<u32>,
    sigma: RuleSet,
    /// Sigma detection rule → our rule (None: feeds correlations only).
    sigma_rule: Vec<Option<u32>>,
    /// Our rule → its Sigma detection rule.
    sigma_of: FxHashMap<u32, RuleId>,
    /// Sigma correlation (by position in `sigma.correlations()`) → our rule.
    sigma_corr: FxHashMap<Box<str>, u32>,
    grouping: Vec<Option<Grouping>>,
    limits: CorrelationLimits,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("rules", &self.rules.len())
            .field("patterns", &self.patterns.len())
            .field("sigma_rules", &self.sigma.len())
            .finish_non_exhaustive()
    }
}

/// Gathers rules for a [`Detector`].
#[derive(Default)]
pub struct DetectorBuilder {
    rules: Vec<Rule>,
    sigma: Vec<Source>,
    options: trailguard_sigma::Options,
}

impl DetectorBuilder {
    /// An empty builder.
    pub fn new() -> DetectorBuilder {
        DetectorBuilder::default()
    }

    /// Add rules (a pack's or a rule file's).
    pub fn rules(&mut self, rules: impl IntoIterator<Item = Rule>) -> &mut Self {
        self.rules.extend(rules);
        self
    }

    /// Add Sigma rule files (from [`trailguard_sigma::load_path`]).
    pub fn sigma(&mut self, sources: impl IntoIterator<Item = Source>) -> &mut Self {
        self.sigma.extend(sources);
        self
    }

    /// Sigma compile options (logsource policy, placeholders).
    pub fn sigma_options(&mut self, options: trailguard_sigma::Options) -> &mut Self {
        self.options = options;
        self
    }

    /// Compile everything. Rules written for trailguard (packs, rule files, `--pattern`) must all
    /// compile; `--sigma` files are compiled as the Sigma engine does, with their problems in
    /// the notes.
    pub fn build(self) -> Result<(Detector, BuildNotes), BuildError> {
        Detector::build(self.rules, self.sigma, &self.options)
    }
}

fn bad(rule: &Rule, message: String) -> BuildError {
    BuildError {
        origin: rule.origin.to_string(),
        rule: rule.id.clone(),
        message,
    }
}

/// Name of the in-memory Sigma source holding one of our rules' Sigma detections.
fn own_source_name(ix: usize, rule: &Rule) -> String {
    format!("{} (rule {}) #{ix}", rule.origin, rule.id)
}

/// A Sigma document for a Sigma-bodied trailguard rule.
fn sigma_doc(rule: &Rule, detection: &str) -> Result<String, String> {
    let mut m = yaml_serde::Mapping::new();
    m.insert("title".into(), rule.title.clone().into());
    m.insert("id".into(), rule.id.clone().into());
    m.insert("status".into(), "stable".into());
    let level = match rule.severity {
        Severity::Info => "informational",
        s => s.as_str(),
    };
    m.insert("level".into(), level.into());
    if let Some(a) = &rule.author {
        m.insert("author".into(), a.clone().into());
    }
    let mut ls = yaml_serde::Mapping::new();
    ls.insert("product".into(), "aws".into());
    ls.insert("service".into(), "cloudtrail".into());
    m.insert("logsource".into(), yaml_serde::Value::Mapping(ls));
    let det: yaml_serde::Value =
        yaml_serde::from_str(detection).map_err(|e| format!("the Sigma detection is not valid YAML: {e}"))?;
    m.insert("detection".into(), det);
    yaml_serde::to_string(&yaml_serde::Value::Mapping(m)).map_err(|e| e.to_string())
}

/// The single tests of a JSON pattern, each as a pattern of its own (to say which held).
fn pattern_parts(p: &Pattern) -> Vec<(String, Pattern, Option<FieldPath>)> {
    let Ast::Json(e) = p.ast() else {
        return Vec::new();
    };
    let mut tests = Vec::new();
    fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a trailguard_pattern::Test>) {
        match e {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|x| walk(x, out)),
            Expr::Test(t) => out.push(t),
        }
    }
    walk(e, &mut tests);
    let src = p.source();
    tests
        .into_iter()
        .filter_map(|t| {
            let text = src.get(t.span.start..t.span.end)?.trim().to_owned();
            let single = Pattern::parse(&format!("{{ {text} }}")).ok()?;
            let sel = src
                .get(t.selector.span.start..t.selector.span.end)
                .unwrap_or("")
                .to_owned();
            let path = (!t
                .selector
                .steps
                .iter()
                .any(|s| matches!(s, Step::AnyElement | Step::AnyMember)))
            .then(|| FieldPath::from_steps(sel, t.selector.steps.clone(), Fanout::Explicit));
            Some((text, single, path))
        })
        .collect()
}

fn value_text(v: trailguard_model::Value<'_>) -> String {
    let s = match v {
        trailguard_model::Value::Null => "null".to_owned(),
        trailguard_model::Value::Bool(b) => b.to_string(),
        trailguard_model::Value::Number(n) => n.to_owned(),
        trailguard_model::Value::String(s) => s.into_owned(),
        trailguard_model::Value::Array(r) | trailguard_model::Value::Object(r) => r.text().to_owned(),
    };
    if s.chars().count() > 200 {
        let mut t: String = s.chars().take(200).collect();
        t.push('…');
        t
    } else {
        s
    }
}

impl Detector {
    fn build(
        rules: Vec<Rule>,
        sigma_files: Vec<Source>,
        options: &trailguard_sigma::Options,
    ) -> Result<(Detector, BuildNotes), BuildError> {
        let mut notes = BuildNotes::default();
        let mut seen: FxHashMap<String, usize> = FxHashMap::default();
        let mut patterns = Vec::new();
        let mut own_sources = Vec::new();
        let mut own_by_source: FxHashMap<String, u32> = FxHashMap::default();
        let mut grouping = Vec::new();
        for (ix, rule) in rules.iter().enumerate() {
            if let Some(first) = seen.insert(rule.id.clone(), ix) {
                return Err(bad(
                    rule,
                    format!("the id is already used by a rule from {}", rules[first].origin),
                ));
            }
            match &rule.body {
                Body::Pattern(text) => {
                    let p = Pattern::parse(text).map_err(|e| {
                        bad(
                            rule,
                            format!(
                                "the filter pattern cannot be read: {e}\n{}",
                                trailguard_pattern::caret_lines(text, e.span)
                            ),
                        )
                    })?;
                    for d in p.diagnostics() {
                        notes
                            .warnings
                            .push(format!("{}: rule `{}`: {}", rule.origin, rule.id, d.message));
                    }
                    let parts = pattern_parts(&p);
                    patterns.push(CompiledPattern {
                        rule: ix as u32,
                        pattern: p,
                        parts,
                    });
                }
                Body::Sigma(detection) => {
                    let doc = sigma_doc(rule, detection).map_err(|m| bad(rule, m))?;
                    let name = own_source_name(ix, rule);
                    own_by_source.insert(name.clone(), ix as u32);
                    let mut src = Source::new(name, doc);
                    src.license = rule.license.clone();
                    own_sources.push(src);
                }
                Body::SigmaRule | Body::SigmaCorrelation => {
                    return Err(bad(
                        rule,
                        "a Sigma rule file is given with --sigma, not as a rule".into(),
                    ));
                }
            }
            grouping.push(rule.threshold.as_ref().map(|t| {
                Grouping {
                    keys: t.group_by.clone(),
                    paths: t
                        .group_by
                        .iter()
                        .map(|k| match k {
                            GroupKey::Field(f) => Some(FieldPath::dotted(f)),
                            _ => None,
                        })
                        .collect(),
                }
            }));
        }
        // Our Sigma bodies must compile cleanly; check them on their own first, so that their
        // problems are errors with the rule named.
        if !own_sources.is_empty() {
            let (_, report) = RuleSet::build(&own_sources, options);
            if let Some(p) = report
                .problems
                .iter()
                .find(|p| p.severity() > trailguard_sigma::Severity::Warning)
            {
                let ix = own_by_source.get(&*p.origin.file).copied().unwrap_or(0) as usize;
                return Err(bad(&rules[ix], format!("the Sigma detection cannot be compiled: {p}")));
            }
        }
        let n_own = own_sources.len();
        let mut all_sources = own_sources;
        all_sources.extend(sigma_files);
        let (sigma, report) = RuleSet::build(&all_sources, options);
        let own_names: std::collections::HashSet<&str> = all_sources[..n_own].iter().map(|s| &*s.name).collect();
        notes.sigma = report;
        notes.sigma.problems.retain(|p| !own_names.contains(&*p.origin.file));

        let mut rules: Vec<Rule> = rules;
        let mut sigma_rule = Vec::with_capacity(sigma.len());
        let mut sigma_of = FxHashMap::default();
        for (i, info) in sigma.rules().enumerate() {
            if let Some(&ix) = own_by_source.get(&*info.origin.file) {
                sigma_rule.push(Some(ix));
                sigma_of.insert(ix, RuleId(i as u32));
                continue;
            }
            if !info.standalone {
                sigma_rule.push(None);
                continue;
            }
            let ix = rules.len() as u32;
            rules.push(rule_of_sigma(info, Body::SigmaRule));
            grouping.push(None);
            sigma_rule.push(Some(ix));
            sigma_of.insert(ix, RuleId(i as u32));
        }
        let mut sigma_corr = FxHashMap::default();
        for info in sigma.correlations() {
            let ix = rules.len() as u32;
            rules.push(rule_of_sigma(info, Body::SigmaCorrelation));
            grouping.push(None);
            sigma_corr.insert(corr_key(info), ix);
        }
        // Index the patterns by the event names they pin down.
        let mut by_name: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut unindexed = Vec::new();
        for (pi, cp) in patterns.iter().enumerate() {
            match cp.pattern.event_names() {
                Some(names) => {
                    for n in names {
                        by_name.entry(n.into_boxed_str()).or_default().push(pi as u32);
                    }
                }
                None => unindexed.push(pi as u32),
            }
        }
        let refs = rules.iter().map(|r| Arc::new(RuleRef::of(r))).collect();
        let pattern_of = patterns
            .iter()
            .enumerate()
            .map(|(pi, cp)| (cp.rule, pi as u32))
            .collect();
        Ok((
            Detector {
                rules: rules.into_iter().map(Arc::new).collect(),
                refs,
                patterns,
                pattern_of,
                by_name,
                unindexed,
                sigma,
                sigma_rule,
                sigma_of,
                sigma_corr,
                grouping,
                limits: CorrelationLimits::default(),
            },
            notes,
        ))
    }

    /// The rules, by [`RuleIx`].
    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    /// One rule.
    pub fn rule(&self, ix: RuleIx) -> Option<&Arc<Rule>> {
        self.rules.get(ix.0 as usize)
    }

    /// A rule by its id.
    pub fn find(&self, id: &str) -> Option<RuleIx> {
        self.rules.iter().position(|r| r.id == id).map(|i| RuleIx(i as u32))
    }

    /// The compiled filter pattern of a pattern rule.
    pub fn pattern(&self, ix: RuleIx) -> Option<&Pattern> {
        self.compiled(ix).map(|p| &p.pattern)
    }

    fn compiled(&self, ix: RuleIx) -> Option<&CompiledPattern> {
        self.patterns.get(*self.pattern_of.get(&ix.0)? as usize)
    }

    /// The filter-pattern rules that run on every record because their pattern does not pin down
    /// `eventName` (the others run only on records with one of their event names).
    pub fn unindexed_patterns(&self) -> impl Iterator<Item = &Rule> {
        self.unindexed
            .iter()
            .filter_map(|&pi| self.rules.get(self.patterns.get(pi as usize)?.rule as usize))
            .map(|r| r.as_ref())
    }

    /// The Sigma engine holding the Sigma rules.
    pub fn sigma(&self) -> &RuleSet {
        &self.sigma
    }

    /// Call `f` with every rule whose body matches `ev` (thresholds not applied). Allocates
    /// nothing when nothing matches.
    pub fn matching(&self, ev: &Event<'_>, mut f: impl FnMut(RuleIx)) {
        let subject = Subject::event(ev);
        let mut check = |pi: u32| {
            if let Some(cp) = self.patterns.get(pi as usize)
                && cp.pattern.is_match(&subject)
            {
                f(RuleIx(cp.rule));
            }
        };
        if let Some(name) = ev.event_name.as_deref()
            && let Some(list) = self.by_name.get(name)
        {
            list.iter().for_each(|&pi| check(pi));
        }
        self.unindexed.iter().for_each(|&pi| check(pi));
        self.sigma.matching(ev, |id| {
            if let Some(Some(ix)) = self.sigma_rule.get(id.0 as usize) {
                f(RuleIx(*ix));
            }
        });
    }

    /// Whether rule `ix`'s body matches `ev`.
    pub fn body_matches(&self, ix: RuleIx, ev: &Event<'_>) -> bool {
        if let Some(cp) = self.compiled(ix) {
            return cp.pattern.matches(ev);
        }
        match self.sigma_of.get(&ix.0) {
            Some(id) => self.sigma.explain(*id, ev).is_some(),
            None => false,
        }
    }

    /// Why rule `ix` matched `ev`.
    pub fn reasons(&self, ix: RuleIx, ev: &Event<'_>) -> Vec<Reason> {
        if let Some(cp) = self.compiled(ix) {
            let fields: Vec<FieldReason> = cp
                .parts
                .iter()
                .filter(|(_, p, _)| p.matches(ev))
                .map(|(text, _, path)| FieldReason {
                    field: text.clone(),
                    expected: String::new(),
                    value: path
                        .as_ref()
                        .map(|p| ev.first(p).map_or_else(|| "(absent)".to_owned(), value_text)),
                })
                .collect();
            let fields = if fields.is_empty() {
                vec![FieldReason {
                    field: cp.pattern.source().to_owned(),
                    expected: String::new(),
                    value: None,
                }]
            } else {
                fields
            };
            return vec![Reason {
                part: "filter pattern".into(),
                fields,
            }];
        }
        let Some(id) = self.sigma_of.get(&ix.0) else {
            return Vec::new();
        };
        self.sigma
            .explain(*id, ev)
            .map(|m| {
                m.selections
                    .into_iter()
                    .map(|s| Reason {
                        part: s.name,
                        fields: s
                            .fields
                            .into_iter()
                            .map(|f| FieldReason {
                                field: f.field,
                                expected: format!("= {}", f.expected),
                                value: f.value,
                            })
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The group key values of a threshold rule's match.
    fn group_of(&self, ix: u32, ev: &Event<'_>, er: &EventRef) -> Vec<Option<String>> {
        let Some(Some(g)) = self.grouping.get(ix as usize) else {
            return Vec::new();
        };
        g.keys
            .iter()
            .zip(&g.paths)
            .map(|(k, p)| match k {
                GroupKey::Principal => er.principal.clone(),
                GroupKey::SourceIp => er.source_ip.clone(),
                GroupKey::Account => er.account.clone(),
                GroupKey::Region => er.region.clone(),
                GroupKey::EventName => er.event_name.clone(),
                GroupKey::EventSource => er.event_source.clone(),
                GroupKey::AccessKey => ev
                    .user_identity
                    .as_ref()
                    .and_then(|u| u.access_key_id.as_deref())
                    .map(str::to_owned),
                GroupKey::UserAgent => ev.user_agent.as_deref().map(str::to_owned),
                GroupKey::Field(_) => p.as_ref().and_then(|p| ev.first(p)).map(value_text),
            })
            .collect()
    }

    /// A collector for one reader thread.
    pub fn collector(&self, keep: Keep) -> Collector<'_> {
        Collector {
            det: self,
            keep,
            alerts: Vec::new(),
            pending: Vec::new(),
            scratch: Vec::new(),
            observations: Vec::new(),
            counts: vec![0; self.rules.len()],
            hits: Vec::new(),
            min: Severity::Info,
        }
    }

    /// Run the whole of one rule (threshold included) over `events`, in the order given; used by
    /// rule tests.
    pub fn run_rule(&self, ix: RuleIx, events: &[Event<'_>]) -> Vec<Alert> {
        let mut c = self.collector(Keep::All);
        for ev in events {
            if self.body_matches(ix, ev) {
                c.hit(ix.0, ev);
            }
        }
        c.finish().alerts
    }
}

fn corr_key(info: &trailguard_sigma::RuleInfo) -> Box<str> {
    format!("{}#{}", info.origin, info.label()).into_boxed_str()
}

fn rule_of_sigma(info: &trailguard_sigma::RuleInfo, body: Body) -> Rule {
    Rule {
        id: info.label().to_owned(),
        title: info.title.clone(),
        description: info.description.clone().unwrap_or_default(),
        severity: Severity::from_sigma(info.level),
        mitre: info
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix("attack."))
            .map(|t| {
                if t.starts_with('t') && t[1..].chars().next().is_some_and(|c| c.is_ascii_digit()) {
                    t.to_ascii_uppercase()
                } else {
                    t.to_owned()
                }
            })
            .collect(),
        falsepositives: info.falsepositives.clone(),
        references: info.references.clone(),
        author: info.author.clone(),
        license: info.license.clone(),
        origin: Origin::Sigma(info.origin.file.to_string()),
        body,
        threshold: None,
        tests: Vec::new(),
    }
}

/// How many per-event alerts a collector keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Every alert (`trailguard detect`).
    All,
    /// Counts for every rule, and only the first `n` alerts of each (by time) — for reports.
    First(usize),
}

/// The per-thread side of detection: feed it records; merge collectors; finish into alerts.
pub struct Collector<'d> {
    det: &'d Detector,
    keep: Keep,
    alerts: Vec<Alert>,
    pending: Vec<Pending>,
    /// Reused to pack each held match.
    scratch: Vec<u8>,
    observations: Vec<Observation>,
    counts: Vec<u64>,
    hits: Vec<u32>,
    min: Severity,
}

/// What detection produced.
#[derive(Clone, Debug, Default)]
pub struct Detection {
    /// Alerts in time order (then rule id, then event id).
    pub alerts: Vec<Alert>,
    /// Alerts per rule (all of them, also when [`Keep::First`] kept fewer), by rule id.
    pub counts: BTreeMap<String, u64>,
    /// Alarm-stage counters of the threshold rules, summed.
    pub alarms: AlarmStats,
    /// Sigma correlation counters.
    pub correlation: trailguard_sigma::CorrelationStats,
}

impl Detection {
    /// Alerts at or above `min`, by severity, highest first: `(severity, count)`.
    pub fn by_severity(&self, det: &Detector) -> Vec<(Severity, u64)> {
        let mut m: BTreeMap<Severity, u64> = BTreeMap::new();
        for (id, n) in &self.counts {
            if let Some(ix) = det.find(id)
                && let Some(r) = det.rule(ix)
            {
                *m.entry(r.severity).or_default() += n;
            }
        }
        m.into_iter().rev().collect()
    }
}

impl Collector<'_> {
    /// Keep only alerts of rules at or above `min` (the others are still counted); spares the
    /// work of describing alerts nobody will see.
    pub fn at_least(mut self, min: Severity) -> Self {
        self.min = min;
        self
    }

    /// Match one record against every rule.
    pub fn record(&mut self, ev: &Event<'_>) {
        let mut hits = std::mem::take(&mut self.hits);
        hits.clear();
        self.det.matching(ev, |ix| hits.push(ix.0));
        for &h in &hits {
            self.hit(h, ev);
        }
        // Sigma correlations see every Sigma match, standalone or not.
        if !self.det.sigma_corr.is_empty() {
            let det = self.det;
            det.sigma.matching(ev, |id| {
                if let Some(o) = det.sigma.observe(ev, id, &det.limits) {
                    self.observations.push(o);
                }
            });
        }
        self.hits = hits;
    }

    fn hit(&mut self, ix: u32, ev: &Event<'_>) {
        let det = self.det;
        let Some(rule) = det.rules.get(ix as usize) else {
            return;
        };
        if rule.threshold.is_none() && rule.severity < self.min {
            self.counts[ix as usize] += 1;
            return;
        }
        let event = EventRef::of(ev);
        if rule.threshold.is_some() {
            let group = det.group_of(ix, ev, &event);
            let reasons = det.reasons(RuleIx(ix), ev);
            self.pending
                .push(Pending::pack(ix, &group, &event, &reasons, &mut self.scratch));
            return;
        }
        self.counts[ix as usize] += 1;
        if let Keep::First(n) = self.keep {
            let kept = self
                .alerts
                .iter()
                .filter(|a| Arc::ptr_eq(&a.rule, &det.refs[ix as usize]))
                .count();
            if kept >= n {
                // Keep the earliest n: replace the latest kept one if this one is earlier.
                let latest = self
                    .alerts
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| Arc::ptr_eq(&a.rule, &det.refs[ix as usize]))
                    .max_by(|(_, a), (_, b)| a.sort_key().cmp(&b.sort_key()))
                    .map(|(i, a)| (i, a.time(), a.event.id.clone()));
                match latest {
                    Some((i, t, id)) if (event.time, event.id.as_deref()) < (t, id.as_deref()) => {
                        self.alerts.swap_remove(i);
                    }
                    _ => return,
                }
            }
        }
        self.alerts.push(Alert {
            rule: det.refs[ix as usize].clone(),
            severity: rule.severity,
            event,
            reasons: det.reasons(RuleIx(ix), ev),
            window: None,
        });
    }

    /// Take in another thread's collector (order-independent).
    pub fn merge(&mut self, other: Collector<'_>) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        self.pending.extend(other.pending);
        self.observations.extend(other.observations);
        match self.keep {
            Keep::All => self.alerts.extend(other.alerts),
            Keep::First(n) => {
                self.alerts.extend(other.alerts);
                self.alerts.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                let mut per: FxHashMap<*const RuleRef, usize> = FxHashMap::default();
                self.alerts.retain(|a| {
                    let c = per.entry(Arc::as_ptr(&a.rule)).or_default();
                    *c += 1;
                    *c <= n
                });
            }
        }
    }

    /// Run the alarm and correlation stages (in event-time order) and return every alert.
    pub fn finish(mut self) -> Detection {
        let det = self.det;
        let mut alarms: FxHashMap<u32, Alarms> = FxHashMap::default();
        self.pending
            .sort_by(|a, b| (a.time, a.rule, a.id()).cmp(&(b.time, b.rule, b.id())));
        let mut threshold_alerts: Vec<Alert> = Vec::new();
        for p in self.pending {
            let Some(rule) = det.rules.get(p.rule as usize) else {
                continue;
            };
            let Some(th) = &rule.threshold else { continue };
            let stage = alarms.entry(p.rule).or_insert_with(|| Alarms::new(th.clone()));
            let (group, key) = p.key();
            if let Some(window) = stage.feed(group, &key) {
                self.counts[p.rule as usize] += 1;
                if rule.severity < self.min {
                    continue;
                }
                let held = p.unpack();
                threshold_alerts.push(Alert {
                    rule: det.refs[p.rule as usize].clone(),
                    severity: rule.severity,
                    event: held.event,
                    reasons: held.reasons,
                    window: Some(window),
                });
            }
        }
        let mut stats = AlarmStats::default();
        for a in alarms.values() {
            let s = a.stats();
            stats.observations += s.observations;
            stats.out_of_order += s.out_of_order;
            stats.groups_dropped += s.groups_dropped;
        }
        if let Keep::First(n) = self.keep {
            threshold_alerts.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let mut per: FxHashMap<u32, usize> = FxHashMap::default();
            let refs = &det.refs;
            threshold_alerts.retain(|a| {
                let ix = refs.iter().position(|r| Arc::ptr_eq(r, &a.rule)).unwrap_or(0) as u32;
                let c = per.entry(ix).or_default();
                *c += 1;
                *c <= n
            });
        }
        self.alerts.extend(threshold_alerts);
        // Sigma correlations.
        let mut correlation = trailguard_sigma::CorrelationStats::default();
        if !det.sigma_corr.is_empty() {
            self.observations
                .sort_by(|a, b| (a.time, a.rule, &a.event_id).cmp(&(b.time, b.rule, &b.event_id)));
            let mut corr = det.sigma.correlator(det.limits);
            let mut out = Vec::new();
            for o in &self.observations {
                corr.feed(o, &mut out);
            }
            correlation = corr.finish(&mut out);
            for ca in out {
                if !ca.rule.standalone {
                    continue;
                }
                let Some(&ix) = det.sigma_corr.get(&corr_key(&ca.rule)) else {
                    continue;
                };
                self.counts[ix as usize] += 1;
                let rule = &det.rules[ix as usize];
                let ids: Vec<String> = ca.event_ids.iter().map(|s| s.to_string()).collect();
                self.alerts.push(Alert {
                    rule: det.refs[ix as usize].clone(),
                    severity: rule.severity,
                    event: EventRef {
                        id: ids.last().cloned(),
                        time: ca.last,
                        ..EventRef::default()
                    },
                    reasons: ca
                        .rules
                        .iter()
                        .map(|r| Reason {
                            part: format!("{} ({})", r.title, r.author.as_deref().unwrap_or("unknown author")),
                            fields: Vec::new(),
                        })
                        .collect(),
                    window: Some(Window {
                        group: ca
                            .group
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.as_ref().map(|v| v.to_string())))
                            .collect(),
                        first: ca.first,
                        last: ca.last,
                        count: ca.count,
                        condition: format!("Sigma {} correlation", ca.kind.as_str()),
                        event_ids: ids,
                    }),
                });
            }
        }
        self.alerts.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let counts = det
            .rules
            .iter()
            .zip(&self.counts)
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| (r.id.clone(), *n))
            .collect();
        Detection {
            alerts: self.alerts,
            counts,
            alarms: stats,
            correlation,
        }
    }
}
