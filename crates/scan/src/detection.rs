//! What the scan report says about detection: alert counts by severity and rule, and the first
//! alerts of each rule.

use serde::Serialize;
use trailguard_detect::{Alert, Detection, Detector, Severity};

/// Alerts kept per rule as examples.
pub const EXAMPLES: usize = 3;

/// Alerts of one rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleAlerts {
    /// The rule's id.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// Its pack, for built-in rules.
    pub pack: Option<String>,
    /// Its severity.
    pub severity: Severity,
    /// Alerts raised.
    pub count: u64,
    /// The first few alerts (by time).
    pub examples: Vec<Alert>,
}

/// Detection in the scan report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetectionReport {
    /// Rules run.
    pub rules: usize,
    /// Alerts raised, all rules.
    pub alerts: u64,
    /// Alerts per severity, highest first (only severities with alerts).
    pub by_severity: Vec<(Severity, u64)>,
    /// Alerts per rule, most severe first, then most alerts, then rule id.
    pub by_rule: Vec<RuleAlerts>,
}

impl DetectionReport {
    /// Summarise what a detector found.
    pub fn new(det: &Detector, found: Detection) -> DetectionReport {
        let mut by_rule: Vec<RuleAlerts> = found
            .counts
            .iter()
            .filter_map(|(id, n)| {
                let r = det.rule(det.find(id)?)?;
                Some(RuleAlerts {
                    rule: id.clone(),
                    title: r.title.clone(),
                    pack: r.pack().map(str::to_owned),
                    severity: r.severity,
                    count: *n,
                    examples: found
                        .alerts
                        .iter()
                        .filter(|a| &a.rule.id == id)
                        .take(EXAMPLES)
                        .cloned()
                        .collect(),
                })
            })
            .collect();
        by_rule.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.count.cmp(&a.count))
                .then(a.rule.cmp(&b.rule))
        });
        DetectionReport {
            rules: det.rules().len(),
            alerts: found.counts.values().sum(),
            by_severity: found.by_severity(det),
            by_rule,
        }
    }
}
