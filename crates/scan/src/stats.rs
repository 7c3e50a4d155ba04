//! The summary a person acts on: volumes, who did what, errors, console sign-ins, root use.
//!
//! Counted per worker thread and merged; every figure is order-independent, and every ranking
//! breaks ties by key, so the same input always gives the same report.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;
use trailguard_model::{Event, EventClass, Timestamp};
use trailguard_read::RecordAt;

/// Counts by key, for keys of unbounded cardinality (principals, APIs, addresses).
#[derive(Clone, Debug, Default)]
pub struct Counter {
    map: FxHashMap<Box<str>, u64>,
}

impl Counter {
    /// Add `n` to `key`.
    #[inline]
    pub fn add(&mut self, key: &str, n: u64) {
        if let Some(c) = self.map.get_mut(key) {
            *c += n;
        } else {
            self.map.insert(key.into(), n);
        }
    }

    /// Merge another counter into this one.
    pub fn merge(&mut self, other: Counter) {
        for (k, v) in other.map {
            *self.map.entry(k).or_insert(0) += v;
        }
    }

    /// The count for `key`.
    pub fn get(&self, key: &str) -> u64 {
        self.map.get(key).copied().unwrap_or(0)
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no key was counted.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The `n` largest counts, largest first, ties by key.
    pub fn top(&self, n: usize) -> Vec<Ranked> {
        let mut v: Vec<(&str, u64)> = self.map.iter().map(|(k, c)| (&**k, *c)).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(n);
        v.into_iter()
            .map(|(k, c)| Ranked {
                key: k.to_owned(),
                count: c,
            })
            .collect()
    }
}

/// One line of a ranking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ranked {
    /// What is counted.
    pub key: String,
    /// How often.
    pub count: u64,
}

/// A notable event kept for the report (root activity, failed sign-ins).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Sighting {
    /// `eventTime`
    pub time: String,
    /// `eventName`
    pub event_name: String,
    /// Who (ARN or label).
    pub principal: String,
    /// `sourceIPAddress`
    pub source_ip: String,
    /// `errorCode`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// `eventID`
    pub event_id: String,
    /// The file the record came from.
    pub file: String,
}

/// Keep the `n` earliest sightings (by time, then event id): deterministic whatever the order of
/// reading.
#[derive(Clone, Debug, Default)]
struct Earliest {
    n: usize,
    items: Vec<Sighting>,
}

impl Earliest {
    fn new(n: usize) -> Self {
        Earliest { n, items: Vec::new() }
    }

    fn offer(&mut self, s: impl FnOnce() -> Sighting, time: &str) {
        if self.items.len() >= self.n {
            // Sorted: the last one is the latest kept.
            match self.items.last() {
                Some(last) if time >= last.time.as_str() => return,
                _ => {}
            }
        }
        let s = s();
        let at = self.items.partition_point(|x| x <= &s);
        self.items.insert(at, s);
        self.items.truncate(self.n);
    }

    fn merge(&mut self, other: Earliest) {
        for s in other.items {
            let time = s.time.clone();
            self.offer(|| s, &time);
        }
    }
}

/// Console sign-in figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConsoleLogins {
    /// Successful `ConsoleLogin`.
    pub success: u64,
    /// Failed `ConsoleLogin`.
    pub failure: u64,
    /// Successful sign-ins of IAM users and root without MFA.
    pub without_mfa: u64,
    /// Failures by source address.
    pub failures_by_ip: Vec<Ranked>,
    /// The first failed sign-ins.
    pub first_failures: Vec<Sighting>,
}

/// Root activity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RootActivity {
    /// Records made by root credentials (service-invoked calls excluded).
    pub events: u64,
    /// The first of them.
    pub first: Vec<Sighting>,
}

/// Accumulates statistics; one per worker thread.
#[derive(Clone, Debug)]
pub struct Stats {
    top_n: usize,
    events: u64,
    by_class: BTreeMap<EventClass, u64>,
    read_only: u64,
    write: u64,
    errors: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    accounts: Counter,
    regions: Counter,
    principals: Counter,
    identity_types: Counter,
    apis: FxHashMap<Box<str>, Counter>,
    error_codes: Counter,
    source_ips: Counter,
    event_versions: Counter,
    login_success: u64,
    login_failure: u64,
    login_without_mfa: u64,
    login_failures_by_ip: Counter,
    login_failures: Earliest,
    root_events: u64,
    root_first: Earliest,
}

impl Stats {
    /// Empty statistics keeping the top `top_n` of each ranking.
    pub fn new(top_n: usize) -> Self {
        Stats {
            top_n,
            events: 0,
            by_class: BTreeMap::new(),
            read_only: 0,
            write: 0,
            errors: 0,
            first: None,
            last: None,
            accounts: Counter::default(),
            regions: Counter::default(),
            principals: Counter::default(),
            identity_types: Counter::default(),
            apis: FxHashMap::default(),
            error_codes: Counter::default(),
            source_ips: Counter::default(),
            event_versions: Counter::default(),
            login_success: 0,
            login_failure: 0,
            login_without_mfa: 0,
            login_failures_by_ip: Counter::default(),
            login_failures: Earliest::new(top_n),
            root_events: 0,
            root_first: Earliest::new(top_n),
        }
    }

    /// Count one record.
    #[inline]
    pub fn record(&mut self, ev: &Event<'_>, at: &RecordAt<'_>) {
        self.events += 1;
        *self.by_class.entry(ev.class()).or_insert(0) += 1;
        match ev.read_only {
            Some(true) => self.read_only += 1,
            Some(false) => self.write += 1,
            None => {}
        }
        self.first = Some(self.first.map_or(ev.time, |t| t.min(ev.time)));
        self.last = Some(self.last.map_or(ev.time, |t| t.max(ev.time)));
        let layout = at.file.layout.as_ref();
        let account = ev
            .account()
            .or_else(|| layout.map(|l| l.account.as_str()))
            .unwrap_or("(unknown)");
        self.accounts.add(account, 1);
        self.regions.add(ev.aws_region.as_deref().unwrap_or("(none)"), 1);
        let actor = ev.actor();
        self.principals.add(actor.as_deref().unwrap_or("(unknown)"), 1);
        self.identity_types.add(ev.identity_type().unwrap_or("(none)"), 1);
        let source = ev.event_source.as_deref().unwrap_or("(none)");
        let name = ev.event_name.as_deref().unwrap_or("(none)");
        match self.apis.get_mut(source) {
            Some(c) => c.add(name, 1),
            None => {
                let mut c = Counter::default();
                c.add(name, 1);
                self.apis.insert(source.into(), c);
            }
        }
        if let Some(ip) = ev.source_ip_address.as_deref() {
            self.source_ips.add(ip, 1);
        }
        self.event_versions
            .add(ev.event_version.as_deref().unwrap_or("(none)"), 1);
        if ev.is_error() {
            self.errors += 1;
            self.error_codes.add(ev.error_code.as_deref().unwrap_or(""), 1);
        }
        if name == "ConsoleLogin" && source == "signin.amazonaws.com" {
            self.console_login(ev, at, actor.as_deref());
        }
        if ev.identity_type() == Some("Root")
            && ev.user_identity.as_ref().is_some_and(|u| u.invoked_by.is_none())
            && ev.event_type.as_deref() != Some("AwsServiceEvent")
        {
            self.root_events += 1;
            self.root_first
                .offer(|| sighting(ev, at, actor.as_deref()), &ev.event_time);
        }
    }

    fn console_login(&mut self, ev: &Event<'_>, at: &RecordAt<'_>, actor: Option<&str>) {
        let result = ev
            .response_elements
            .and_then(|r| r.get("ConsoleLogin"))
            .and_then(|v| v.as_str());
        let failed = result.as_deref() == Some("Failure") || (result.is_none() && ev.is_error());
        if failed {
            self.login_failure += 1;
            self.login_failures_by_ip
                .add(ev.source_ip_address.as_deref().unwrap_or("(none)"), 1);
            self.login_failures.offer(|| sighting(ev, at, actor), &ev.event_time);
        } else {
            self.login_success += 1;
            let mfa = ev
                .additional_event_data
                .and_then(|a| a.get("MFAUsed"))
                .and_then(|v| v.as_str());
            let human = matches!(ev.identity_type(), Some("IAMUser" | "Root"));
            if human && mfa.as_deref() != Some("Yes") {
                self.login_without_mfa += 1;
            }
        }
    }

    /// Merge another worker's statistics.
    pub fn merge(&mut self, o: Stats) {
        self.events += o.events;
        for (k, v) in o.by_class {
            *self.by_class.entry(k).or_insert(0) += v;
        }
        self.read_only += o.read_only;
        self.write += o.write;
        self.errors += o.errors;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, o.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.accounts.merge(o.accounts);
        self.regions.merge(o.regions);
        self.principals.merge(o.principals);
        self.identity_types.merge(o.identity_types);
        for (source, names) in o.apis {
            self.apis.entry(source).or_default().merge(names);
        }
        self.error_codes.merge(o.error_codes);
        self.source_ips.merge(o.source_ips);
        self.event_versions.merge(o.event_versions);
        self.login_success += o.login_success;
        self.login_failure += o.login_failure;
        self.login_without_mfa += o.login_without_mfa;
        self.login_failures_by_ip.merge(o.login_failures_by_ip);
        self.login_failures.merge(o.login_failures);
        self.root_events += o.root_events;
        self.root_first.merge(o.root_first);
    }

    /// The figures for the report.
    pub fn summary(&self) -> Summary {
        let n = self.top_n;
        let mut apis = Counter::default();
        for (source, names) in &self.apis {
            for (name, count) in &names.map {
                apis.add(&format!("{source}:{name}"), *count);
            }
        }
        Summary {
            events: self.events,
            by_class: self.by_class.iter().map(|(k, v)| (k.as_str().to_owned(), *v)).collect(),
            read_only: self.read_only,
            write: self.write,
            first_event: self.first.map(|t| t.to_string()),
            last_event: self.last.map(|t| t.to_string()),
            accounts: self.accounts.top(usize::MAX),
            regions: self.regions.top(usize::MAX),
            distinct_principals: self.principals.len() as u64,
            top_principals: self.principals.top(n),
            identity_types: self.identity_types.top(usize::MAX),
            distinct_apis: apis.len() as u64,
            top_apis: apis.top(n),
            errors: self.errors,
            error_rate: if self.events == 0 {
                0.0
            } else {
                self.errors as f64 / self.events as f64
            },
            top_error_codes: self.error_codes.top(n),
            distinct_source_ips: self.source_ips.len() as u64,
            top_source_ips: self.source_ips.top(n),
            event_versions: self.event_versions.top(usize::MAX),
            console_logins: ConsoleLogins {
                success: self.login_success,
                failure: self.login_failure,
                without_mfa: self.login_without_mfa,
                failures_by_ip: self.login_failures_by_ip.top(n),
                first_failures: self.login_failures.items.clone(),
            },
            root: RootActivity {
                events: self.root_events,
                first: self.root_first.items.clone(),
            },
        }
    }
}

fn sighting(ev: &Event<'_>, at: &RecordAt<'_>, actor: Option<&str>) -> Sighting {
    Sighting {
        time: ev.event_time.to_string(),
        event_name: ev.event_name.as_deref().unwrap_or("").to_owned(),
        principal: actor.unwrap_or("(unknown)").to_owned(),
        source_ip: ev.source_ip_address.as_deref().unwrap_or("").to_owned(),
        error_code: ev.error_code.as_deref().map(str::to_owned),
        event_id: ev.event_id.as_deref().unwrap_or("").to_owned(),
        file: at.file.name.clone(),
    }
}

/// The statistics of a scan, ready to print.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Records read.
    pub events: u64,
    /// Records by class (Management, Data, NetworkActivity, Insight).
    pub by_class: BTreeMap<String, u64>,
    /// Read-only calls.
    pub read_only: u64,
    /// Write calls.
    pub write: u64,
    /// Earliest `eventTime`.
    pub first_event: Option<String>,
    /// Latest `eventTime`.
    pub last_event: Option<String>,
    /// Records per account.
    pub accounts: Vec<Ranked>,
    /// Records per region.
    pub regions: Vec<Ranked>,
    /// Distinct principals.
    pub distinct_principals: u64,
    /// Most active principals (role ARN for assumed roles, service for AWS services).
    pub top_principals: Vec<Ranked>,
    /// Records per `userIdentity.type`.
    pub identity_types: Vec<Ranked>,
    /// Distinct APIs (`eventSource:eventName`).
    pub distinct_apis: u64,
    /// Most called APIs.
    pub top_apis: Vec<Ranked>,
    /// Records with an `errorCode`.
    pub errors: u64,
    /// `errors / events`.
    pub error_rate: f64,
    /// Most frequent error codes.
    pub top_error_codes: Vec<Ranked>,
    /// Distinct source addresses.
    pub distinct_source_ips: u64,
    /// Most frequent source addresses.
    pub top_source_ips: Vec<Ranked>,
    /// Records per `eventVersion`.
    pub event_versions: Vec<Ranked>,
    /// Console sign-ins.
    pub console_logins: ConsoleLogins,
    /// Root activity.
    pub root: RootActivity,
}
