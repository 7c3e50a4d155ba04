//! Alerts: what a rule found, on which event, and why.

use std::sync::Arc;

use serde::Serialize;
use trailguard_model::{Event, Timestamp};

use crate::rule::{Rule, Severity};

/// The facts of an event an analyst needs first, owned so that alerts outlive the records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// `eventID`.
    pub id: Option<String>,
    /// `eventTime`.
    #[serde(serialize_with = "ser_time")]
    pub time: Timestamp,
    /// Who acted: `userIdentity.arn`, else `principalId`, else `userName`, else the identity type
    /// (with `invokedBy` for services).
    pub principal: Option<String>,
    /// `userIdentity.type`.
    pub principal_type: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `eventSource`.
    pub event_source: Option<String>,
    /// `eventName`.
    pub event_name: Option<String>,
    /// The account the event belongs to (`recipientAccountId`, else `userIdentity.accountId`).
    pub account: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `errorCode`.
    pub error_code: Option<String>,
}

pub(crate) fn ser_time<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

impl EventRef {
    /// The summary of a record.
    pub fn of(ev: &Event<'_>) -> EventRef {
        let ui = ev.user_identity.as_ref();
        let principal = ui.and_then(|u| {
            u.arn
                .as_deref()
                .or(u.principal_id.as_deref())
                .or(u.user_name.as_deref())
                .map(str::to_owned)
                .or_else(|| match (u.identity_type.as_deref(), u.invoked_by.as_deref()) {
                    (Some(t), Some(by)) => Some(format!("{t} ({by})")),
                    (Some(t), None) => Some(t.to_owned()),
                    (None, Some(by)) => Some(by.to_owned()),
                    (None, None) => None,
                })
        });
        EventRef {
            id: ev.event_id.as_deref().map(str::to_owned),
            time: ev.time,
            principal,
            principal_type: ui.and_then(|u| u.identity_type.as_deref()).map(str::to_owned),
            source_ip: ev.source_ip_address.as_deref().map(str::to_owned),
            event_source: ev.event_source.as_deref().map(str::to_owned),
            event_name: ev.event_name.as_deref().map(str::to_owned),
            account: ev
                .recipient_account_id
                .as_deref()
                .or(ui.and_then(|u| u.account_id.as_deref()))
                .map(str::to_owned),
            region: ev.aws_region.as_deref().map(str::to_owned),
            error_code: ev.error_code.as_deref().map(str::to_owned),
        }
    }
}

/// One condition of the rule that held, with what the record held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldReason {
    /// The field as the rule names it (`$.eventName`, `eventName|startswith`).
    pub field: String,
    /// What the rule asked (`= "StopLogging"`, `Stop*`).
    pub expected: String,
    /// The record's value (`null`, `(absent)` for tests on missing fields).
    pub value: Option<String>,
}

/// Why a rule matched: a Sigma selection, or the tests of a filter pattern that held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// `filter pattern`, or the Sigma selection's name.
    pub part: String,
    /// The conditions that held.
    pub fields: Vec<FieldReason>,
}

/// What a threshold or correlation counted when it fired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The group's key values (`principal` = ARN …); `None` when the record lacked the field.
    pub group: Vec<(String, Option<String>)>,
    /// Time of the first counted event.
    #[serde(serialize_with = "ser_time")]
    pub first: Timestamp,
    /// Time of the event that completed the condition.
    #[serde(serialize_with = "ser_time")]
    pub last: Timestamp,
    /// Events counted (or distinct values / rules, for Sigma correlations).
    pub count: u64,
    /// The condition, in words (`≥ 5 in 300 s, per principal`).
    pub condition: String,
    /// Some `eventID`s of the counted events.
    pub event_ids: Vec<String>,
}

/// The rule facts an alert carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// The rule's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The pack, for built-in rules.
    pub pack: Option<String>,
    /// `pattern`, `sigma` or `sigma-correlation`.
    pub kind: &'static str,
    /// Author (the Detection Rule License requires it in alerts of SigmaHQ rules).
    pub author: Option<String>,
    /// Licence.
    pub license: Option<String>,
    /// MITRE ATT&CK tags.
    pub mitre: Vec<String>,
}

impl RuleRef {
    pub(crate) fn of(r: &Rule) -> RuleRef {
        RuleRef {
            id: r.id.clone(),
            title: r.title.clone(),
            pack: r.pack().map(str::to_owned),
            kind: r.body.kind(),
            author: r.author.clone(),
            license: r.license.clone(),
            mitre: r.mitre.clone(),
        }
    }
}

/// A rule fired. For a rule without a threshold, one alert per matching event; for a threshold
/// or a correlation, one per group entering the alarm state, naming the event that completed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// The rule.
    pub rule: Arc<RuleRef>,
    /// How urgent.
    pub severity: Severity,
    /// The matching event (for thresholds: the one that completed the count).
    pub event: EventRef,
    /// Why the rule matched that event (empty for Sigma correlations).
    pub reasons: Vec<Reason>,
    /// For thresholds and correlations: what was counted.
    pub window: Option<Window>,
}

impl Alert {
    /// The time the alert is about (the event's, or the window's last).
    pub fn time(&self) -> Timestamp {
        self.window.as_ref().map_or(self.event.time, |w| w.last)
    }

    /// Deterministic order: time, then rule id, then event id.
    pub fn sort_key(&self) -> (Timestamp, &str, Option<&str>) {
        (self.time(), self.rule.id.as_str(), self.event.id.as_deref())
    }

    /// The reasons in one line: `selection: eventName=StopLogging; …`.
    pub fn why(&self) -> String {
        let mut parts = Vec::new();
        for r in &self.reasons {
            let fields: Vec<String> = r
                .fields
                .iter()
                .map(|f| {
                    let mut t = f.field.clone();
                    if !f.expected.is_empty() {
                        t.push(' ');
                        t.push_str(&f.expected);
                    }
                    if let Some(v) = &f.value {
                        t.push_str(&format!(" (record: {v})"));
                    }
                    t
                })
                .collect();
            parts.push(format!("{}: {}", r.part, fields.join(", ")));
        }
        if let Some(w) = &self.window {
            parts.push(format!("{} events, {}", w.count, w.condition));
        }
        parts.join("; ")
    }
}
