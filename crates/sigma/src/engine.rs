//! Building a [`RuleSet`] from rule texts, and matching records against it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use trailguard_model::{Event, FieldPath};

use crate::condition::{self, Cond};
use crate::correlation::{self, CorrDef, CorrSpec, CorrelationType, CountCond, Input, Plan};
use crate::detection::{self, Item, Search, Test, ValueOptions};
use crate::eval::{self, Memo};
use crate::index::{Index, Prefilter};
use crate::lint;
use crate::problem::{Origin, Problem, ProblemKind};
use crate::rule::{self, Ctx, LogsourcePolicy, RuleInfo, RuleKind, Status};
use crate::yaml::{self, Node, NodeKind};

/// Longest chain of correlation rules (each taking the next one's alerts).
const MAX_CHAIN: usize = 16;

/// Largest rule file accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 8 << 20;

/// Rule text to compile: a file's content and the name it is known by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The file's path (or any name), used in every problem and alert origin.
    pub name: Arc<str>,
    /// The YAML text (one or more documents).
    pub text: String,
    /// The licence of the folder the file came from, for rules that do not state one.
    pub license: Option<String>,
}

impl Source {
    /// A source with no folder licence.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
            license: None,
        }
    }
}

/// How rules are compiled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Which logsources are applied to CloudTrail records.
    pub logsource: LogsourcePolicy,
    /// Values for `%name%` placeholders of the `expand` modifier.
    pub placeholders: BTreeMap<String, Vec<String>>,
}

/// A rule's position in its [`RuleSet`] (detection rules and correlation rules are numbered
/// separately).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub u32);

/// One field of a matching selection: what the rule asked and what the record held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldHit {
    /// The key as the rule wrote it (`eventName|startswith`, `keywords`).
    pub field: String,
    /// The values the rule gave, as written (wildcards added by modifiers shown).
    pub expected: String,
    /// The record's value that matched (cut at 200 characters), `null`, or `(absent)` /
    /// `(present)` for existence tests.
    pub value: Option<String>,
}

/// A selection (search identifier) that made the rule match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectionHit {
    /// The identifier (`selection`, `selection_status_null`).
    pub name: String,
    /// Its fields.
    pub fields: Vec<FieldHit>,
}

/// A rule that matched a record, and why.
///
/// An alert built from it must keep `rule.author`, `rule.id`, `rule.title` and `rule.license`
/// (the Detection Rule License requires the author in every alert of a SigmaHQ rule). A rule
/// whose `rule.standalone` is false only feeds correlation rules (Sigma's `generate: false`):
/// pass its matches to [`RuleSet::observe`] and do not alert on them alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMatch {
    /// The rule's position in the set.
    pub id: RuleId,
    /// The rule: id, title, level, tags, author and licence for the alert.
    pub rule: Arc<RuleInfo>,
    /// The selections that made the condition true (negated ones are not listed).
    pub selections: Vec<SelectionHit>,
}

/// A compiled detection rule.
#[derive(Debug)]
struct Compiled {
    info: Arc<RuleInfo>,
    searches: Vec<Search>,
    cond: Cond,
}

/// A set of compiled Sigma rules, ready to match CloudTrail records.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Compiled>,
    index: Index,
    prefilters: Vec<Prefilter>,
    plan: Arc<Plan>,
}

/// Counts of what a build produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BuildSummary {
    /// YAML documents read.
    pub documents: usize,
    /// Detection rules compiled and applied.
    pub rules: usize,
    /// Correlation rules compiled and applied.
    pub correlations: usize,
    /// Filter documents applied.
    pub filters: usize,
    /// Documents not applied because of their logsource.
    pub not_applied: usize,
    /// Documents refused (errors and unsupported features).
    pub refused: usize,
}

/// What [`RuleSet::build`] reports besides the rule set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildReport {
    /// Counts.
    pub summary: BuildSummary,
    /// Every problem, in file and document order.
    pub problems: Vec<Problem>,
}

impl BuildReport {
    /// Problems at or above a severity.
    pub fn at_least(&self, s: crate::Severity) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.severity() >= s)
    }
}

enum Doc {
    Detection {
        info: RuleInfo,
        searches: Vec<Search>,
        cond: Cond,
    },
    Filter {
        info: RuleInfo,
        rules: Vec<String>,
        searches: Vec<Search>,
        cond: Cond,
    },
    Correlation {
        info: RuleInfo,
        spec: CorrSpec,
    },
}

fn ctx_of(source: &Source, document: usize) -> Ctx {
    Ctx {
        file: source.name.clone(),
        document,
        rule: None,
    }
}

/// Compile `detection` (or a filter's `filter`) into searches and a condition.
fn compile_detection(
    ctx: &Ctx,
    section: &str,
    det: &Node,
    opts: &ValueOptions,
) -> Result<(Vec<Search>, Cond), Box<Problem>> {
    let Some(members) = det.as_map() else {
        return Err(ctx.type_error(det, section, "a mapping"));
    };
    let mut searches = Vec::new();
    let mut cond_node = None;
    for (k, v) in members {
        let key = k.as_scalar().map(|s| s.text.as_str()).unwrap_or_default();
        match key {
            "condition" => cond_node = Some(v),
            "timeframe" => {
                return Err(ctx.problem(
                    k.pos,
                    Some(format!("{section}.timeframe")),
                    ProblemKind::Unsupported {
                        feature: "`timeframe` in a detection".into(),
                        reason:
                            "it belongs to the obsolete aggregation syntax; write a correlation rule with `timespan`"
                                .into(),
                    },
                ));
            }
            // A filter document lists the rules it applies to beside its selections.
            "rules" if section == "filter" => {}
            _ => searches.push(detection::compile_search(ctx, key, v, opts).map_err(|mut p| {
                if section != "detection"
                    && let Some(f) = p.field.as_mut()
                    && let Some(rest) = f.strip_prefix("detection")
                {
                    *f = format!("{section}{rest}");
                }
                p
            })?),
        }
    }
    let Some(cond_node) = cond_node else {
        return Err(ctx.problem(
            det.pos,
            Some(section.to_owned()),
            ProblemKind::Missing { key: "condition" },
        ));
    };
    let names: Vec<&str> = searches.iter().map(|s| &*s.name).collect();
    let field = format!("{section}.condition");
    let parse_one = |n: &Node| -> Result<Cond, Box<Problem>> {
        let Some(text) = n.as_str() else {
            return Err(ctx.type_error(n, &field, "a condition string"));
        };
        condition::parse(text, &names).map_err(|e| {
            let kind = if e.unsupported {
                ProblemKind::Unsupported {
                    feature: format!("condition `{text}`"),
                    reason: e.message,
                }
            } else {
                ProblemKind::Condition {
                    condition: text.to_owned(),
                    column: e.column,
                    message: e.message,
                }
            };
            ctx.problem(n.pos, Some(field.clone()), kind)
        })
    };
    let cond = match &cond_node.kind {
        NodeKind::Seq(items) if !items.is_empty() => {
            let mut parts = items.iter().map(parse_one).collect::<Result<Vec<_>, _>>()?;
            if parts.len() == 1 {
                parts.remove(0)
            } else {
                Cond::Or(parts)
            }
        }
        _ => parse_one(cond_node)?,
    };
    Ok((searches, cond))
}

fn read_doc(source: &Source, doc: &yaml::Document, opts: &Options, problems: &mut Vec<Problem>) -> Option<Doc> {
    let mut ctx = ctx_of(source, doc.index);
    let root = &doc.root;
    if root.as_map().is_none() {
        problems.push(*ctx.type_error(root, "(document)", "a mapping (a Sigma rule)"));
        return None;
    }
    let value_opts = ValueOptions {
        placeholders: opts.placeholders.clone(),
    };
    let result = (|| -> Result<Doc, Box<Problem>> {
        if let Some(a) = root.get("action") {
            return Err(ctx.problem(
                a.pos,
                Some("action".into()),
                ProblemKind::Unsupported {
                    feature: "`action` (Sigma v1 rule collections)".into(),
                    reason: "write each rule as a complete document".into(),
                },
            ));
        }
        if let Some(sec) = root.get("correlation") {
            let info = rule::read_info(&mut ctx, root, RuleKind::Correlation, source.license.as_deref())?;
            let spec = correlation::read_spec(&ctx, root, sec)?;
            return Ok(Doc::Correlation { info, spec });
        }
        if let Some(sec) = root.get("filter") {
            let info = rule::read_info(&mut ctx, root, RuleKind::Detection, source.license.as_deref())?;
            let rules = ctx.str_list(sec, "rules")?;
            if rules.is_empty() {
                return Err(ctx.problem(
                    sec.pos,
                    Some("filter".into()),
                    ProblemKind::Missing { key: "filter.rules" },
                ));
            }
            let (searches, cond) = compile_detection(&ctx, "filter", sec, &value_opts)?;
            return Ok(Doc::Filter {
                info,
                rules,
                searches,
                cond,
            });
        }
        let info = rule::read_info(&mut ctx, root, RuleKind::Detection, source.license.as_deref())?;
        if info.status == Some(Status::Unsupported) {
            let pos = root.get("status").map_or(root.pos, |n| n.pos);
            return Err(ctx.problem(
                pos,
                Some("status".into()),
                ProblemKind::Unsupported {
                    feature: "a rule with `status: unsupported`".into(),
                    reason: "SigmaHQ marks rules that current Sigma cannot express (usually the obsolete aggregation syntax) this way".into(),
                },
            ));
        }
        if root.get("logsource").is_none() {
            return Err(ctx.problem(root.pos, None, ProblemKind::Missing { key: "logsource" }));
        }
        let Some(det) = root.get("detection") else {
            return Err(ctx.problem(root.pos, None, ProblemKind::Missing { key: "detection" }));
        };
        let (searches, cond) = compile_detection(&ctx, "detection", det, &value_opts)?;
        Ok(Doc::Detection { info, searches, cond })
    })();
    match result {
        Ok(d) => Some(d),
        Err(p) => {
            problems.push(*p);
            None
        }
    }
}

/// Rename a filter's searches and shift its condition so both can join a rule's.
fn shift(cond: &Cond, by: usize) -> Cond {
    match cond {
        Cond::Search(i) => Cond::Search(i + by),
        Cond::Not(c) => Cond::Not(Box::new(shift(c, by))),
        Cond::And(cs) => Cond::And(cs.iter().map(|c| shift(c, by)).collect()),
        Cond::Or(cs) => Cond::Or(cs.iter().map(|c| shift(c, by)).collect()),
        Cond::Of { all, ids } => Cond::Of {
            all: *all,
            ids: ids.iter().map(|i| i + by).collect(),
        },
    }
}

fn logsource_fits(filter: &RuleInfo, rule: &RuleInfo) -> bool {
    let f = &filter.logsource;
    let r = &rule.logsource;
    let ok = |a: &Option<String>, b: &Option<String>| {
        a.as_ref()
            .is_none_or(|x| b.as_ref().is_some_and(|y| x.eq_ignore_ascii_case(y)))
    };
    ok(&f.product, &r.product) && ok(&f.service, &r.service) && ok(&f.category, &r.category)
}

impl RuleSet {
    /// Compile every document of every source. Bad documents are reported and skipped; the
    /// rest are compiled. Never panics, whatever the input.
    pub fn build(sources: &[Source], opts: &Options) -> (RuleSet, BuildReport) {
        let mut problems = Vec::new();
        let mut summary = BuildSummary::default();
        let mut docs: Vec<Doc> = Vec::new();
        for source in sources {
            if source.text.len() > MAX_SOURCE_BYTES {
                problems.push(Problem {
                    origin: Origin {
                        file: source.name.clone(),
                        document: 0,
                        pos: yaml::Pos { line: 1, col: 1 },
                    },
                    rule: None,
                    field: None,
                    kind: ProblemKind::Unsupported {
                        feature: format!("a rule file of {} bytes", source.text.len()),
                        reason: format!("rule files are limited to {MAX_SOURCE_BYTES} bytes"),
                    },
                });
                summary.refused += 1;
                continue;
            }
            let parsed = match yaml::parse(&source.text) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(Problem {
                        origin: Origin {
                            file: source.name.clone(),
                            document: 0,
                            pos: e.pos,
                        },
                        rule: None,
                        field: None,
                        kind: ProblemKind::Yaml { message: e.message },
                    });
                    summary.refused += 1;
                    continue;
                }
            };
            for doc in &parsed {
                summary.documents += 1;
                match read_doc(source, doc, opts, &mut problems) {
                    Some(d) => docs.push(d),
                    None => summary.refused += 1,
                }
            }
        }

        // Ids and names must be unique; later duplicates are refused.
        let mut seen: HashMap<String, Origin> = HashMap::new();
        docs.retain(|d| {
            let info = match d {
                Doc::Detection { info, .. } | Doc::Filter { info, .. } | Doc::Correlation { info, .. } => info,
            };
            for key in [info.id.as_ref(), info.name.as_ref()].into_iter().flatten() {
                if let Some(first) = seen.get(key) {
                    problems.push(Problem {
                        origin: info.origin.clone(),
                        rule: Some(info.title.clone()),
                        field: Some(if info.id.as_ref() == Some(key) { "id" } else { "name" }.into()),
                        kind: ProblemKind::Duplicate {
                            key: key.clone(),
                            first: first.clone(),
                        },
                    });
                    summary.refused += 1;
                    return false;
                }
            }
            for key in [info.id.as_ref(), info.name.as_ref()].into_iter().flatten() {
                seen.insert(key.clone(), info.origin.clone());
            }
            true
        });

        // Detection rules: logsource, then filters.
        let mut rules: Vec<(RuleInfo, Vec<Search>, Cond)> = Vec::new();
        let mut unavailable: HashMap<String, String> = HashMap::new();
        let mut filters = Vec::new();
        let mut corr_docs = Vec::new();
        for d in docs {
            match d {
                Doc::Detection { info, searches, cond } => {
                    if opts.logsource.fits(&info.logsource) {
                        rules.push((info, searches, cond));
                    } else {
                        for key in [info.id.as_ref(), info.name.as_ref()].into_iter().flatten() {
                            unavailable.insert(
                                key.clone(),
                                format!("its logsource ({}) is not applied", info.logsource),
                            );
                        }
                        problems.push(Problem {
                            origin: info.origin.clone(),
                            rule: Some(info.title.clone()),
                            field: Some("logsource".into()),
                            kind: ProblemKind::Logsource {
                                logsource: info.logsource.to_string(),
                            },
                        });
                        summary.not_applied += 1;
                    }
                }
                Doc::Filter {
                    info,
                    rules: targets,
                    searches,
                    cond,
                } => filters.push((info, targets, searches, cond)),
                Doc::Correlation { info, spec } => corr_docs.push((info, spec)),
            }
        }
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (i, (info, ..)) in rules.iter().enumerate() {
            for key in [info.id.as_ref(), info.name.as_ref()].into_iter().flatten() {
                by_key.entry(key.clone()).or_insert(i);
            }
        }
        for (finfo, targets, fsearches, fcond) in filters {
            let mut applied = false;
            for target in &targets {
                let Some((rinfo, searches, cond)) = by_key.get(target).and_then(|&i| rules.get_mut(i)) else {
                    problems.push(Problem {
                        origin: finfo.origin.clone(),
                        rule: Some(finfo.title.clone()),
                        field: Some("filter.rules".into()),
                        kind: ProblemKind::Lint {
                            code: "filter-unknown-rule",
                            message: format!(
                                "rule `{target}` is not loaded{}; the filter does nothing for it",
                                unavailable.get(target).map(|r| format!(" ({r})")).unwrap_or_default()
                            ),
                        },
                    });
                    continue;
                };
                if !logsource_fits(&finfo, rinfo) {
                    problems.push(Problem {
                        origin: finfo.origin.clone(),
                        rule: Some(finfo.title.clone()),
                        field: Some("logsource".into()),
                        kind: ProblemKind::Lint {
                            code: "filter-logsource",
                            message: format!(
                                "the filter's logsource ({}) does not cover rule `{target}` ({}); it is not applied to it",
                                finfo.logsource, rinfo.logsource
                            ),
                        },
                    });
                    continue;
                }
                let by = searches.len();
                for s in &fsearches {
                    let mut s = s.clone();
                    s.name = format!("filter `{}`: {}", finfo.title, s.name).into();
                    searches.push(s);
                }
                // Kept flat, however many filters apply to one rule.
                let not_filter = Cond::Not(Box::new(shift(&fcond, by)));
                match cond {
                    Cond::And(parts) => parts.push(not_filter),
                    other => *other = Cond::And(vec![other.clone(), not_filter]),
                }
                applied = true;
            }
            if applied {
                summary.filters += 1;
            }
        }

        // Correlations.
        let (plan, standalone_off) = resolve_correlations(&rules, corr_docs, &unavailable, &mut problems, &mut summary);
        let standalone_off: std::collections::HashSet<usize> = standalone_off.into_iter().collect();
        let mut compiled: Vec<Compiled> = rules
            .into_iter()
            .enumerate()
            .map(|(i, (mut info, searches, cond))| {
                if standalone_off.contains(&i) {
                    info.standalone = false;
                }
                Compiled {
                    info: Arc::new(info),
                    searches,
                    cond,
                }
            })
            .collect();
        // Correlation definitions point at the final rule infos for attribution.
        let mut plan = plan;
        for def in &mut plan.defs {
            for r in &mut def.base_rules {
                if let Some(c) = compiled.iter().find(|c| c.info.origin == r.origin) {
                    *r = c.info.clone();
                }
            }
        }
        summary.rules = compiled.len();
        summary.correlations = plan.defs.len();
        for c in &compiled {
            lint::lint_rule(&c.info, &c.searches, &c.cond, &mut problems);
        }
        let pairs: Vec<(&[Search], &Cond)> = compiled.iter().map(|c| (c.searches.as_slice(), &c.cond)).collect();
        let (index, prefilters) = Index::build(&pairs);
        compiled.shrink_to_fit();
        problems.sort_by(|a, b| a.origin.cmp(&b.origin));
        (
            RuleSet {
                rules: compiled,
                index,
                prefilters,
                plan: Arc::new(plan),
            },
            BuildReport { summary, problems },
        )
    }

    /// Compile rules from one YAML text, failing on any problem that refuses a document (for
    /// tests and embedded rules). Warnings are ignored.
    pub fn from_yaml(text: &str) -> Result<RuleSet, Vec<Problem>> {
        let (set, report) = RuleSet::build(&[Source::new("<inline>", text)], &Options::default());
        let bad: Vec<Problem> = report
            .problems
            .into_iter()
            .filter(|p| p.severity() > crate::Severity::Warning)
            .collect();
        if bad.is_empty() { Ok(set) } else { Err(bad) }
    }

    /// Number of detection rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no detection rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The detection rules, by [`RuleId`].
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &Arc<RuleInfo>> {
        self.rules.iter().map(|c| &c.info)
    }

    /// One detection rule.
    pub fn rule(&self, id: RuleId) -> Option<&Arc<RuleInfo>> {
        self.rules.get(id.0 as usize).map(|c| &c.info)
    }

    /// The correlation rules.
    pub fn correlations(&self) -> impl ExactSizeIterator<Item = &Arc<RuleInfo>> {
        self.plan.defs.iter().map(|d| &d.info)
    }

    /// How a rule is prefiltered (which field and literals decide whether it is checked).
    pub fn prefilter(&self, id: RuleId) -> Option<&Prefilter> {
        self.prefilters.get(id.0 as usize)
    }

    /// Call `f` with the id of every rule that matches `ev`, in rule order. Allocates nothing
    /// when nothing matches.
    pub fn matching(&self, ev: &Event<'_>, mut f: impl FnMut(RuleId)) {
        let mut hits: Vec<u32> = Vec::new();
        self.index.candidates(ev, self.rules.len(), |r| {
            if let Some(c) = self.rules.get(r as usize) {
                let mut memo = Memo::new();
                if eval::eval(ev, &c.cond, &c.searches, &mut memo) {
                    hits.push(r);
                }
            }
        });
        if hits.len() > 1 {
            hits.sort_unstable();
        }
        for r in hits {
            f(RuleId(r));
        }
    }

    /// Every rule that matches `ev`, with the reasons.
    pub fn matches(&self, ev: &Event<'_>) -> Vec<RuleMatch> {
        let mut out = Vec::new();
        self.matching(ev, |id| {
            if let Some(m) = self.explain(id, ev) {
                out.push(m);
            }
        });
        out
    }

    /// Whether rule `id` matches `ev`, and why. `None` when it does not match.
    pub fn explain(&self, id: RuleId, ev: &Event<'_>) -> Option<RuleMatch> {
        let c = self.rules.get(id.0 as usize)?;
        let mut memo = Memo::new();
        if !eval::eval(ev, &c.cond, &c.searches, &mut memo) {
            return None;
        }
        let mut ids = Vec::new();
        eval::contributing(ev, &c.cond, &c.searches, &mut memo, &mut ids);
        ids.sort_unstable();
        ids.dedup();
        let selections = ids
            .into_iter()
            .map(|i| {
                let s = &c.searches[i];
                let branch = s
                    .branches
                    .iter()
                    .find(|b| b.iter().all(|item| item_holds(ev, item, None)))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                SelectionHit {
                    name: s.name.to_string(),
                    fields: branch
                        .iter()
                        .map(|item| {
                            let mut w = None;
                            item_holds(ev, item, Some(&mut w));
                            hit_of(item, w)
                        })
                        .collect(),
                }
            })
            .collect();
        Some(RuleMatch {
            id,
            rule: c.info.clone(),
            selections,
        })
    }

    /// A correlator for this set's correlation rules.
    pub fn correlator(&self, limits: correlation::CorrelationLimits) -> correlation::Correlator {
        correlation::Correlator::new(self.plan.clone(), limits)
    }

    /// What the correlation rules need from a match of rule `id` on `ev`: `None` when no
    /// correlation takes that rule. Feed observations to a [`correlation::Correlator`] in
    /// event-time order.
    pub fn observe(
        &self,
        ev: &Event<'_>,
        id: RuleId,
        limits: &correlation::CorrelationLimits,
    ) -> Option<correlation::Observation> {
        self.plan.observe(ev, id.0, limits)
    }
}

fn item_holds(ev: &Event<'_>, item: &Item, w: Option<&mut Option<String>>) -> bool {
    match item {
        Item::Field(f) => eval::field_matches(ev, f, w),
        Item::Keyword(k) => eval::keyword_matches(ev, k, w),
    }
}

fn shown(alts: &[Vec<detection::ValueTest>], all: bool) -> String {
    let parts: Vec<String> = alts
        .iter()
        .map(|alt| {
            if alt.len() > 3 {
                format!("{} (+{} variants)", alt[0].shown, alt.len() - 1)
            } else {
                alt.iter().map(|v| v.shown.to_string()).collect::<Vec<_>>().join(" | ")
            }
        })
        .collect();
    let mut s = parts.join(if all { " and " } else { " or " });
    if s.chars().count() > 300 {
        s = s.chars().take(300).collect::<String>() + "…";
    }
    s
}

fn hit_of(item: &Item, value: Option<String>) -> FieldHit {
    match item {
        Item::Field(f) => FieldHit {
            field: f.key.to_string(),
            expected: match &f.test {
                Test::Null => "null".into(),
                Test::Exists(b) => b.to_string(),
                Test::Values { alts, all, neq, .. } => {
                    let s = shown(alts, *all);
                    if *neq { format!("not {s}") } else { s }
                }
                Test::FieldRef { refs, neq, .. } => {
                    let s = refs.iter().map(FieldPath::as_str).collect::<Vec<_>>().join(" | ");
                    if *neq {
                        format!("not field {s}")
                    } else {
                        format!("field {s}")
                    }
                }
            },
            value,
        },
        Item::Keyword(k) => FieldHit {
            field: k.key.to_string(),
            expected: shown(&k.alts, k.all),
            value,
        },
    }
}

/// Resolve correlation references, order chains, and decide which rules stay standalone.
fn resolve_correlations(
    rules: &[(RuleInfo, Vec<Search>, Cond)],
    corr_docs: Vec<(RuleInfo, CorrSpec)>,
    unavailable: &HashMap<String, String>,
    problems: &mut Vec<Problem>,
    summary: &mut BuildSummary,
) -> (Plan, Vec<usize>) {
    let rule_by_key = |key: &str| {
        rules
            .iter()
            .position(|(i, ..)| i.id.as_deref() == Some(key) || i.name.as_deref() == Some(key))
    };
    let corr_by_key = |key: &str| {
        corr_docs
            .iter()
            .position(|(i, _)| i.id.as_deref() == Some(key) || i.name.as_deref() == Some(key))
    };
    // First pass: resolve each reference; a correlation with a bad reference is dropped, and so
    // is any that depends on a dropped one (repeated until stable).
    let n = corr_docs.len();
    let mut inputs: Vec<Option<Vec<Input>>> = Vec::with_capacity(n);
    for (info, spec) in &corr_docs {
        let mut ins = Vec::new();
        let mut ok = true;
        for (r, pos) in &spec.rules {
            if let Some(i) = rule_by_key(r) {
                ins.push(Input::Rule(u32::try_from(i).unwrap_or(u32::MAX)));
            } else if let Some(c) = corr_by_key(r) {
                ins.push(Input::Corr(u32::try_from(c).unwrap_or(u32::MAX)));
            } else {
                ok = false;
                problems.push(Problem {
                    origin: Origin {
                        pos: *pos,
                        ..info.origin.clone()
                    },
                    rule: Some(info.title.clone()),
                    field: Some("correlation.rules".into()),
                    kind: ProblemKind::Reference {
                        reference: r.clone(),
                        message: unavailable
                            .get(r)
                            .cloned()
                            .unwrap_or_else(|| "no loaded rule has this id or name".into()),
                    },
                });
            }
        }
        inputs.push(ok.then_some(ins));
    }
    // Cycles and dependencies on dropped correlations.
    let mut state = vec![0u8; n]; // 0 unvisited, 1 in progress, 2 done
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((c, next)) = stack.pop() {
            let deps: Vec<usize> = inputs[c]
                .as_ref()
                .map(|ins| {
                    ins.iter()
                        .filter_map(|i| match i {
                            Input::Corr(x) => Some(*x as usize),
                            Input::Rule(_) => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            if next < deps.len() {
                stack.push((c, next + 1));
                let d = deps[next];
                match state[d] {
                    0 => {
                        state[d] = 1;
                        stack.push((d, 0));
                    }
                    1 => {
                        let (info, _) = &corr_docs[c];
                        problems.push(Problem {
                            origin: info.origin.clone(),
                            rule: Some(info.title.clone()),
                            field: Some("correlation.rules".into()),
                            kind: ProblemKind::Reference {
                                reference: corr_docs[d].0.label().to_owned(),
                                message: "correlation rules refer to each other in a cycle".into(),
                            },
                        });
                        inputs[c] = None;
                    }
                    _ => {}
                }
            } else {
                state[c] = 2;
                if inputs[c].is_some() && deps.iter().any(|&d| inputs[d].is_none()) {
                    let (info, _) = &corr_docs[c];
                    problems.push(Problem {
                        origin: info.origin.clone(),
                        rule: Some(info.title.clone()),
                        field: Some("correlation.rules".into()),
                        kind: ProblemKind::Reference {
                            reference: deps
                                .iter()
                                .find(|&&d| inputs[d].is_none())
                                .map(|&d| corr_docs[d].0.label().to_owned())
                                .unwrap_or_default(),
                            message: "that correlation rule is not applied".into(),
                        },
                    });
                    inputs[c] = None;
                }
            }
        }
    }
    // Chains are bounded (correlations feed each other recursively at run time).
    let mut depth = vec![1usize; n];
    for _ in 0..=MAX_CHAIN {
        for c in 0..n {
            if let Some(ins) = &inputs[c] {
                let d = ins
                    .iter()
                    .filter_map(|i| match i {
                        Input::Corr(x) => Some(depth[*x as usize]),
                        Input::Rule(_) => None,
                    })
                    .max()
                    .map_or(1, |m| m + 1);
                depth[c] = d.min(MAX_CHAIN + 1);
            }
        }
    }
    for c in 0..n {
        if inputs[c].is_some() && depth[c] > MAX_CHAIN {
            let (info, _) = &corr_docs[c];
            problems.push(Problem {
                origin: info.origin.clone(),
                rule: Some(info.title.clone()),
                field: Some("correlation.rules".into()),
                kind: ProblemKind::Unsupported {
                    feature: "a chain of correlation rules this deep".into(),
                    reason: format!("chains are limited to {MAX_CHAIN} correlation rules"),
                },
            });
            inputs[c] = None;
        }
    }
    // Keep the applied correlations, renumbered in document order.
    let kept: Vec<usize> = (0..n).filter(|&c| inputs[c].is_some()).collect();
    summary.refused += n - kept.len();
    let new_index = |c: usize| {
        kept.iter()
            .position(|&k| k == c)
            .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
    };
    let mut plan = Plan::default();
    let mut standalone_off = Vec::new();
    let mut corr_fed: Vec<bool> = vec![false; kept.len()];
    let mut generate_of: Vec<bool> = Vec::new();
    for &c in &kept {
        let (info, spec) = &corr_docs[c];
        let ins: Vec<Input> = inputs[c]
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|i| match i {
                Input::Corr(x) => Input::Corr(new_index(x as usize).unwrap_or(u32::MAX)),
                r => r,
            })
            .collect();
        let name_of = |i: &Input| -> Vec<String> {
            match i {
                Input::Rule(r) => {
                    let ri = &rules[*r as usize].0;
                    [ri.name.clone(), ri.id.clone()].into_iter().flatten().collect()
                }
                Input::Corr(x) => {
                    let ci = &corr_docs[kept[*x as usize]].0;
                    [ci.name.clone(), ci.id.clone()].into_iter().flatten().collect()
                }
            }
        };
        let source_for = |i: &Input, name: &str| -> crate::correlation::Source {
            let field = spec
                .aliases
                .iter()
                .find(|(a, _)| a == name)
                .map(|(_, per)| per.iter().find(|(r, _)| name_of(i).contains(r)).map(|(_, f)| f.clone()));
            let field = match field {
                Some(Some(f)) => f,
                Some(None) => return crate::correlation::Source::None,
                None => name.to_owned(),
            };
            match i {
                Input::Rule(_) => crate::correlation::Source::Path(FieldPath::dotted(&field)),
                Input::Corr(_) => crate::correlation::Source::Group(field.into()),
            }
        };
        let group_src = ins
            .iter()
            .map(|i| spec.group_by.iter().map(|g| source_for(i, g)).collect())
            .collect();
        let value_src = ins
            .iter()
            .map(|i| match &spec.field {
                Some(f) => source_for(i, f),
                None => crate::correlation::Source::None,
            })
            .collect();
        let cond = spec.cond.unwrap_or(match spec.kind {
            CorrelationType::Temporal | CorrelationType::TemporalOrdered => CountCond::default(),
            _ => CountCond {
                gte: Some(1),
                ..CountCond::default()
            },
        });
        plan.defs.push(CorrDef {
            info: Arc::new(info.clone()),
            kind: spec.kind,
            inputs: ins.clone(),
            group_by: spec.group_by.iter().map(|g| g.as_str().into()).collect(),
            group_src,
            value_src,
            timespan_ms: spec.timespan_ms,
            cond,
            base_rules: Vec::new(),
            outers: Vec::new(),
        });
        generate_of.push(spec.generate);
        for i in &ins {
            if let Input::Corr(x) = i
                && let Some(f) = corr_fed.get_mut(*x as usize)
            {
                *f = true;
            }
        }
    }
    // Wiring: rule → correlations, correlation → outer correlations; standalone flags.
    let mut rule_takers: BTreeMap<u32, Vec<(u32, Vec<usize>)>> = BTreeMap::new();
    let mut rule_generate: BTreeMap<u32, bool> = BTreeMap::new();
    for (ci, def) in plan.defs.iter().enumerate() {
        let ci = u32::try_from(ci).unwrap_or(u32::MAX);
        let mut by_input: BTreeMap<Input, Vec<usize>> = BTreeMap::new();
        for (p, i) in def.inputs.iter().enumerate() {
            by_input.entry(*i).or_default().push(p);
        }
        for (i, positions) in by_input {
            match i {
                Input::Rule(r) => {
                    rule_takers.entry(r).or_default().push((ci, positions));
                    let g = rule_generate.entry(r).or_insert(false);
                    *g |= generate_of[ci as usize];
                }
                Input::Corr(_) => {}
            }
        }
    }
    for ci in 0..plan.defs.len() {
        let ins = plan.defs[ci].inputs.clone();
        let mut by_input: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (p, i) in ins.iter().enumerate() {
            if let Input::Corr(x) = i {
                by_input.entry(*x).or_default().push(p);
            }
        }
        for (x, positions) in by_input {
            if let Some(inner) = plan.defs.get_mut(x as usize) {
                inner.outers.push((u32::try_from(ci).unwrap_or(u32::MAX), positions));
            }
        }
    }
    // Base rules (transitively) for attribution; inner correlations are not standalone unless
    // an outer one asks to generate them.
    for ci in 0..plan.defs.len() {
        let mut base = Vec::new();
        let mut stack = vec![ci];
        let mut seen = vec![false; plan.defs.len()];
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut seen[c], true) {
                continue;
            }
            for i in &plan.defs[c].inputs {
                match i {
                    Input::Rule(r) => {
                        if !base.contains(r) {
                            base.push(*r);
                        }
                    }
                    Input::Corr(x) => stack.push(*x as usize),
                }
            }
        }
        base.sort_unstable();
        plan.defs[ci].base_rules = base.iter().map(|&r| Arc::new(rules[r as usize].0.clone())).collect();
    }
    for (ci, fed) in corr_fed.iter().enumerate() {
        let generated_by_outer = plan.defs[ci].outers.iter().any(|(o, _)| generate_of[*o as usize]);
        if *fed && !generated_by_outer {
            let mut info = (*plan.defs[ci].info).clone();
            info.standalone = false;
            plan.defs[ci].info = Arc::new(info);
        }
    }
    for (r, generate) in &rule_generate {
        if !generate {
            standalone_off.push(*r as usize);
        }
    }
    plan.by_rule = rule_takers.into_iter().collect();
    (plan, standalone_off)
}
