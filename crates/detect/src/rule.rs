//! The rule model: what a detection rule is, independent of the language its body is written in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How urgent an alert is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no action expected.
    #[serde(alias = "informational")]
    Info,
    /// Review when convenient.
    Low,
    /// Review soon.
    Medium,
    /// Review now: likely an attack or a weakened control.
    High,
    /// Act now: the trail or the account is being taken over or blinded.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// OCSF `severity_id` (1 Informational … 5 Critical).
    pub fn ocsf_id(self) -> u8 {
        match self {
            Severity::Info => 1,
            Severity::Low => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
        }
    }

    /// The severity of a Sigma `level` (a rule without one is `medium`, Sigma's middle).
    pub fn from_sigma(level: Option<trailguard_sigma::Level>) -> Severity {
        use trailguard_sigma::Level;
        match level {
            Some(Level::Informational) => Severity::Info,
            Some(Level::Low) => Severity::Low,
            Some(Level::Medium) | None => Severity::Medium,
            Some(Level::High) => Severity::High,
            Some(Level::Critical) => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is not one of `info`, `low`, `medium`, `high`, `critical`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?} (expected info, low, medium, high or critical)")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" | "informational" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(UnknownSeverity(s.to_owned())),
        }
    }
}

/// What a threshold counts separately: one alarm state per distinct combination of these values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKey {
    /// The acting principal: `userIdentity.arn`, else its `principalId`, else its type.
    Principal,
    /// `sourceIPAddress`.
    SourceIp,
    /// The account the event belongs to (`recipientAccountId`, else `userIdentity.accountId`).
    Account,
    /// `awsRegion`.
    Region,
    /// `userIdentity.accessKeyId`.
    AccessKey,
    /// `eventName`.
    EventName,
    /// `eventSource`.
    EventSource,
    /// `userAgent`.
    UserAgent,
    /// Any other field, by dotted path (`requestParameters.userName`).
    Field(String),
}

impl GroupKey {
    /// The key as rule files write it.
    pub fn name(&self) -> &str {
        match self {
            GroupKey::Principal => "principal",
            GroupKey::SourceIp => "source_ip",
            GroupKey::Account => "account",
            GroupKey::Region => "region",
            GroupKey::AccessKey => "access_key",
            GroupKey::EventName => "event_name",
            GroupKey::EventSource => "event_source",
            GroupKey::UserAgent => "user_agent",
            GroupKey::Field(f) => f,
        }
    }

    /// Read a key: one of the names above, or a dotted field path.
    pub fn parse(s: &str) -> Result<GroupKey, String> {
        let t = s.trim();
        Ok(match t {
            "principal" => GroupKey::Principal,
            "source_ip" | "sourceIPAddress" => GroupKey::SourceIp,
            "account" => GroupKey::Account,
            "region" | "awsRegion" => GroupKey::Region,
            "access_key" | "userIdentity.accessKeyId" => GroupKey::AccessKey,
            "event_name" | "eventName" => GroupKey::EventName,
            "event_source" | "eventSource" => GroupKey::EventSource,
            "user_agent" | "userAgent" => GroupKey::UserAgent,
            f if !f.is_empty()
                && f.split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')) =>
            {
                GroupKey::Field(f.to_owned())
            }
            _ => {
                return Err(format!(
                    "unknown group-by key {s:?} (use principal, source_ip, account, region, access_key, \
                     event_name, event_source, user_agent, or a dotted field path)"
                ));
            }
        })
    }
}

/// A CloudWatch-alarm-style threshold: the rule alerts when, for one group, the count of matching
/// events reaches `count` in each of `evaluation_periods` consecutive periods of `period_secs`
/// seconds (periods aligned to the epoch, as CloudWatch aligns them). An alert is raised when a
/// group enters the alarm state; it stays there while the following periods also reach the
/// count, and alerts again only after a period below it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Threshold {
    /// Matching events needed in a period (the alarm's threshold, `>=`).
    pub count: u64,
    /// The period, in seconds (10, 30, or a multiple of 60, as CloudWatch allows).
    pub period_secs: u32,
    /// Consecutive periods that must reach the count.
    pub evaluation_periods: u32,
    /// What is counted separately (empty: one count for everything).
    pub group_by: Vec<GroupKey>,
}

impl Threshold {
    /// Check the values CloudWatch would accept.
    pub fn validate(&self) -> Result<(), String> {
        if self.count == 0 {
            return Err("threshold count must be at least 1".into());
        }
        let p = self.period_secs;
        if !(p == 10 || p == 30 || (p >= 60 && p.is_multiple_of(60))) {
            return Err(format!(
                "threshold period {p} s is not one CloudWatch allows (10, 30, or a multiple of 60 seconds)"
            ));
        }
        if self.evaluation_periods == 0 {
            return Err("threshold evaluation_periods must be at least 1".into());
        }
        if u64::from(p) * u64::from(self.evaluation_periods) > 7 * 86_400 {
            return Err(
                "threshold period × evaluation_periods exceeds 7 days, the longest CloudWatch evaluates".into(),
            );
        }
        Ok(())
    }

    /// In words: `≥ 5 in 300 s, per principal and source_ip`.
    pub fn describe(&self) -> String {
        let mut s = format!("≥ {} in {} s", self.count, self.period_secs);
        if self.evaluation_periods > 1 {
            s.push_str(&format!(" for {} consecutive periods", self.evaluation_periods));
        }
        if !self.group_by.is_empty() {
            let keys: Vec<&str> = self.group_by.iter().map(GroupKey::name).collect();
            s.push_str(&format!(", per {}", keys.join(" and ")));
        }
        s
    }
}

/// The language a rule's logic is written in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Body {
    /// A CloudWatch Logs filter pattern.
    Pattern(String),
    /// A Sigma detection (the `detection:` section, as YAML), written in a trailguard rule file.
    Sigma(String),
    /// A Sigma rule from a `--sigma` folder (its text stays with the Sigma engine).
    SigmaRule,
    /// A Sigma correlation rule from a `--sigma` folder.
    SigmaCorrelation,
}

impl Body {
    /// `pattern`, `sigma` or `sigma-correlation`.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Pattern(_) => "pattern",
            Body::Sigma(_) | Body::SigmaRule => "sigma",
            Body::SigmaCorrelation => "sigma-correlation",
        }
    }
}

/// What a rule's own test expects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The rule's body matches the (single) event.
    Match,
    /// The rule's body does not match the event.
    NoMatch,
    /// Fed through the whole rule (threshold included), the events raise this many alerts.
    Alerts(u64),
}

/// One of a rule's own tests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestCase {
    /// A label (`match #2`, or the name the file gave).
    pub name: String,
    /// The records, as JSON text.
    pub events: Vec<String>,
    /// The verdict expected.
    pub expect: Expect,
}

/// Where a rule came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "name", rename_all = "snake_case")]
pub enum Origin {
    /// A built-in pack (`cis`, `trail-tamper`, `threats`).
    Pack(String),
    /// A rule file given with `--rules`.
    File(String),
    /// A Sigma file given with `--sigma`.
    Sigma(String),
    /// A `--pattern` on the command line.
    CommandLine,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Pack(p) => write!(f, "pack {p}"),
            Origin::File(p) => write!(f, "rule file {p}"),
            Origin::Sigma(p) => write!(f, "Sigma file {p}"),
            Origin::CommandLine => f.write_str("command line"),
        }
    }
}

/// A detection rule: what it is for, how serious it is, its logic, an optional threshold, and
/// its own tests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable identifier (`TG-CIS-4.3`, a Sigma UUID).
    pub id: String,
    /// One line.
    pub title: String,
    /// What it detects and why it matters.
    pub description: String,
    /// How urgent its alerts are.
    pub severity: Severity,
    /// MITRE ATT&CK technique and tactic tags (`T1562.008`, `TA0005`).
    pub mitre: Vec<String>,
    /// Known legitimate causes.
    pub falsepositives: Vec<String>,
    /// Where to read more.
    pub references: Vec<String>,
    /// Who wrote it (kept in every alert; required by the Detection Rule License for SigmaHQ).
    pub author: Option<String>,
    /// Its licence, when known.
    pub license: Option<String>,
    /// Where it came from.
    pub origin: Origin,
    /// Its logic.
    pub body: Body,
    /// An alarm threshold; `None`: every matching event is an alert.
    pub threshold: Option<Threshold>,
    /// Its own tests.
    pub tests: Vec<TestCase>,
}

impl Rule {
    /// A rule for a `--pattern` given on the command line.
    pub fn from_pattern(index: usize, pattern: &str, severity: Severity) -> Rule {
        Rule {
            id: format!("pattern-{}", index + 1),
            title: format!("Filter pattern {}", index + 1),
            description: format!("Records matching the filter pattern {pattern}"),
            severity,
            mitre: Vec::new(),
            falsepositives: Vec::new(),
            references: Vec::new(),
            author: None,
            license: None,
            origin: Origin::CommandLine,
            body: Body::Pattern(pattern.to_owned()),
            threshold: None,
            tests: Vec::new(),
        }
    }

    /// The pack name, for rules of a built-in pack.
    pub fn pack(&self) -> Option<&str> {
        match &self.origin {
            Origin::Pack(p) => Some(p),
            _ => None,
        }
    }
}
