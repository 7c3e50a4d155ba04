//! Rule metadata: what every alert carries (id, title, level, tags, author, licence) and the
//! logsource, read from a YAML document with precise errors.

use std::sync::Arc;

use crate::problem::{Origin, Problem, ProblemKind};
use crate::yaml::{Node, NodeKind, Pos};

/// A rule's `level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `informational`
    Informational,
    /// `low`
    Low,
    /// `medium`
    Medium,
    /// `high`
    High,
    /// `critical`
    Critical,
}

impl Level {
    /// The spelling in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// `stable`
    Stable,
    /// `test`
    Test,
    /// `experimental`
    Experimental,
    /// `deprecated`
    Deprecated,
    /// `unsupported`: SigmaHQ's mark for rules that cannot be expressed in current Sigma.
    Unsupported,
}

impl Status {
    /// The spelling in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Test => "test",
            Status::Experimental => "experimental",
            Status::Deprecated => "deprecated",
            Status::Unsupported => "unsupported",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "stable" => Status::Stable,
            "test" => Status::Test,
            "experimental" => Status::Experimental,
            "deprecated" => Status::Deprecated,
            "unsupported" => Status::Unsupported,
            _ => return None,
        })
    }
}

/// A rule's `logsource`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Logsource {
    /// `product` (`aws`).
    pub product: Option<String>,
    /// `service` (`cloudtrail`).
    pub service: Option<String>,
    /// `category`.
    pub category: Option<String>,
    /// `definition` (free text).
    pub definition: Option<String>,
}

impl std::fmt::Display for Logsource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (k, v) in [
            ("product", &self.product),
            ("service", &self.service),
            ("category", &self.category),
        ] {
            if let Some(v) = v {
                if !first {
                    f.write_str(", ")?;
                }
                write!(f, "{k}: {v}")?;
                first = false;
            }
        }
        if first {
            f.write_str("(empty)")?;
        }
        Ok(())
    }
}

/// Which logsources a rule set applies to CloudTrail records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LogsourcePolicy {
    /// `product: aws` and/or `service: cloudtrail`, no category (the default). A rule for
    /// another product, service or a category is reported as not applied.
    #[default]
    CloudTrail,
    /// Apply every rule whatever its logsource (for rules written with a made-up logsource).
    Any,
}

impl LogsourcePolicy {
    /// Whether a rule with this logsource runs on CloudTrail records.
    pub fn fits(&self, ls: &Logsource) -> bool {
        match self {
            LogsourcePolicy::Any => true,
            LogsourcePolicy::CloudTrail => {
                let eq = |v: &Option<String>, want: &str| v.as_deref().is_none_or(|x| x.eq_ignore_ascii_case(want));
                (ls.product.is_some() || ls.service.is_some())
                    && eq(&ls.product, "aws")
                    && eq(&ls.service, "cloudtrail")
                    && ls.category.is_none()
            }
        }
    }
}

/// Whether a document is a detection rule or a correlation rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// A detection rule: matches single records.
    Detection,
    /// A correlation rule: matches patterns of detections over time.
    Correlation,
}

/// Everything about a rule except its logic: what alerts carry, for the analyst and for the
/// attribution the Detection Rule License requires (author, id, title, licence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// `title`
    pub title: String,
    /// `id` (a UUID in SigmaHQ rules).
    pub id: Option<String>,
    /// `name` (used by correlation rules to refer to it).
    pub name: Option<String>,
    /// `status`
    pub status: Option<Status>,
    /// `level`
    pub level: Option<Level>,
    /// `description`
    pub description: Option<String>,
    /// `author` (kept in every alert: the DRL 1.1 requires it for SigmaHQ rules).
    pub author: Option<String>,
    /// `license` from the rule, else the licence of the folder it was loaded from (a
    /// `LICENSE` file naming the Detection Rule License gives `DRL-1.1`).
    pub license: Option<String>,
    /// `references`
    pub references: Vec<String>,
    /// `tags` (`attack.t1078`, …)
    pub tags: Vec<String>,
    /// `falsepositives`
    pub falsepositives: Vec<String>,
    /// `date`
    pub date: Option<String>,
    /// `modified`
    pub modified: Option<String>,
    /// `logsource` (empty for correlation rules).
    pub logsource: Logsource,
    /// Detection or correlation.
    pub kind: RuleKind,
    /// Whether matches of this rule are alerts of their own. False for detection rules that
    /// only feed correlation rules (Sigma's `generate: false`, the default).
    pub standalone: bool,
    /// Where the rule was written.
    pub origin: Origin,
}

impl RuleInfo {
    /// The id if any, else the name, else the title: how problems and references name a rule.
    pub fn label(&self) -> &str {
        self.id.as_deref().or(self.name.as_deref()).unwrap_or(&self.title)
    }
}

/// Reads one document, building problems that name the file, position, rule and field.
pub(crate) struct Ctx {
    pub(crate) file: Arc<str>,
    pub(crate) document: usize,
    pub(crate) rule: Option<String>,
}

impl Ctx {
    pub(crate) fn origin(&self, pos: Pos) -> Origin {
        Origin {
            file: self.file.clone(),
            document: self.document,
            pos,
        }
    }

    pub(crate) fn problem(&self, pos: Pos, field: impl Into<Option<String>>, kind: ProblemKind) -> Box<Problem> {
        Box::new(Problem {
            origin: self.origin(pos),
            rule: self.rule.clone(),
            field: field.into(),
            kind,
        })
    }

    pub(crate) fn type_error(&self, node: &Node, field: &str, expected: &'static str) -> Box<Problem> {
        self.problem(
            node.pos,
            Some(field.to_owned()),
            ProblemKind::Type {
                expected,
                found: node.kind_name(),
            },
        )
    }

    /// An optional string member.
    pub(crate) fn opt_str(&self, map: &Node, key: &str) -> Result<Option<String>, Box<Problem>> {
        match map.get(key) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => match n.as_scalar() {
                Some(s) => Ok(Some(s.text.clone())),
                None => Err(self.type_error(n, key, "a string")),
            },
        }
    }

    /// An optional list of strings (a single string is accepted as a list of one).
    pub(crate) fn str_list(&self, map: &Node, key: &str) -> Result<Vec<String>, Box<Problem>> {
        let Some(n) = map.get(key) else {
            return Ok(Vec::new());
        };
        match &n.kind {
            NodeKind::Scalar(s) if s.is_null() => Ok(Vec::new()),
            NodeKind::Scalar(s) => Ok(vec![s.text.clone()]),
            NodeKind::Seq(items) => items
                .iter()
                .map(|i| {
                    i.as_scalar()
                        .map(|s| s.text.clone())
                        .ok_or_else(|| self.type_error(i, key, "a list of strings"))
                })
                .collect(),
            NodeKind::Map(_) => Err(self.type_error(n, key, "a list of strings")),
        }
    }
}

/// Read the metadata every rule has. `kind` says which kind of document it is.
pub(crate) fn read_info(
    ctx: &mut Ctx,
    root: &Node,
    kind: RuleKind,
    default_license: Option<&str>,
) -> Result<RuleInfo, Box<Problem>> {
    // Name the rule in later problems as soon as its title or id is known.
    let title = ctx.opt_str(root, "title")?;
    let id = ctx.opt_str(root, "id")?;
    ctx.rule = title.clone().or_else(|| id.clone());
    let Some(title) = title else {
        return Err(ctx.problem(root.pos, None, ProblemKind::Missing { key: "title" }));
    };
    if title.trim().is_empty() {
        let pos = root.get("title").map_or(root.pos, |n| n.pos);
        return Err(ctx.problem(
            pos,
            Some("title".into()),
            ProblemKind::Invalid {
                message: "the title is empty".into(),
            },
        ));
    }
    let enum_field = |key: &str| -> Result<Option<(String, Pos)>, Box<Problem>> {
        Ok(ctx
            .opt_str(root, key)?
            .map(|v| (v, root.get(key).map_or(root.pos, |n| n.pos))))
    };
    let status = match enum_field("status")? {
        None => None,
        Some((s, pos)) => Some(Status::parse(&s).ok_or_else(|| {
            ctx.problem(
                pos,
                Some("status".into()),
                ProblemKind::Invalid {
                    message: format!(
                        "unknown status `{s}` (expected stable, test, experimental, deprecated or unsupported)"
                    ),
                },
            )
        })?),
    };
    let level = match enum_field("level")? {
        None => None,
        Some((s, pos)) => Some(Level::parse(&s).ok_or_else(|| {
            ctx.problem(
                pos,
                Some("level".into()),
                ProblemKind::Invalid {
                    message: format!("unknown level `{s}` (expected informational, low, medium, high or critical)"),
                },
            )
        })?),
    };
    // `author` is a string in the specification; a list is accepted and joined.
    let author = match root.get("author") {
        Some(n) if matches!(n.kind, NodeKind::Seq(_)) => Some(ctx.str_list(root, "author")?.join(", ")),
        _ => ctx.opt_str(root, "author")?,
    };
    let logsource = match root.get("logsource") {
        None => Logsource::default(),
        Some(n) if n.is_null() => Logsource::default(),
        Some(n) if n.as_map().is_some() => Logsource {
            product: ctx.opt_str(n, "product")?,
            service: ctx.opt_str(n, "service")?,
            category: ctx.opt_str(n, "category")?,
            definition: ctx.opt_str(n, "definition")?,
        },
        Some(n) => return Err(ctx.type_error(n, "logsource", "a mapping")),
    };
    Ok(RuleInfo {
        title,
        id,
        name: ctx.opt_str(root, "name")?,
        status,
        level,
        description: ctx.opt_str(root, "description")?,
        author,
        license: ctx
            .opt_str(root, "license")?
            .or_else(|| default_license.map(str::to_owned)),
        references: ctx.str_list(root, "references")?,
        tags: ctx.str_list(root, "tags")?,
        falsepositives: ctx.str_list(root, "falsepositives")?,
        date: ctx.opt_str(root, "date")?,
        modified: ctx.opt_str(root, "modified")?,
        logsource,
        kind,
        standalone: true,
        origin: ctx.origin(root.pos),
    })
}
