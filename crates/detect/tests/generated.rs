//! Generated trails: every injected scenario is alerted by the rule written for it, on one of
//! the scenario's own events, and a clean trail raises no alert of high severity or above.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use trailguard_detect::Severity;
use trailguard_gen::{GenConfig, MemorySink, ScenarioSelection, generate};
use trailguard_read::FileList;

/// The rules that must alert on each scenario kind.
const EXPECTED: &[(&str, &[&str])] = &[
    ("root_console_login", &["TG-TH-001", "TG-CIS-4.3"]),
    ("root_api_use", &["TG-TH-002", "TG-CIS-4.3"]),
    ("console_login_failures", &["TG-TH-004", "TG-CIS-4.6"]),
    ("console_login_without_mfa", &["TG-TH-003", "TG-CIS-4.2"]),
    ("iam_policy_change", &["TG-TH-007", "TG-CIS-4.4"]),
    ("access_key_for_other_user", &["TG-TH-005"]),
    ("security_group_opened", &["TG-TH-021", "TG-CIS-4.10"]),
    ("cloudtrail_stop_logging", &["TG-TT-001", "TG-CIS-4.5"]),
    ("cloudtrail_delete_trail", &["TG-TT-002", "TG-CIS-4.5"]),
    ("cloudtrail_update_trail", &["TG-TT-003", "TG-CIS-4.5"]),
    ("cloudtrail_event_selectors", &["TG-TT-005", "TG-TT-004"]),
    ("kms_disable_key", &["TG-TT-006", "TG-CIS-4.7"]),
    ("kms_schedule_key_deletion", &["TG-TT-006", "TG-CIS-4.7"]),
    ("log_bucket_tampering", &["TG-TT-008", "TG-TT-009", "TG-CIS-4.8"]),
    ("access_key_new_ip", &["TG-TH-022"]),
    ("api_call_rate_burst", &["TG-TH-023"]),
    ("api_error_rate_burst", &["TG-TH-012"]),
    ("secrets_burst", &["TG-TH-009"]),
];

fn trail(scenarios: ScenarioSelection, seed: u64) -> (FileList, trailguard_gen::Manifest) {
    let cfg = GenConfig {
        seed,
        records: 20_000,
        duration_hours: 48,
        scenarios,
        digests: false,
        ..GenConfig::default()
    };
    let sink = MemorySink::new();
    let out = generate(&cfg, &sink).expect("generates");
    (FileList::memory(sink.into_files()), out.manifest)
}

#[test]
fn every_scenario_is_alerted_by_its_rule() {
    let det = common::packs();
    for seed in [1, 7] {
        let (list, manifest) = trail(ScenarioSelection::All, seed);
        let (found, records) = common::detect(&det, &list);
        assert_eq!(records, 20_000);
        // Rules alerting on (or counting, for thresholds) each event id.
        let mut by_event: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for a in &found.alerts {
            if let Some(id) = &a.event.id {
                by_event.entry(id).or_default().insert(&a.rule.id);
            }
        }
        assert_eq!(manifest.scenarios.len(), EXPECTED.len());
        for s in &manifest.scenarios {
            let kind = s.kind.to_string();
            let want = EXPECTED
                .iter()
                .find(|(k, _)| *k == kind)
                .unwrap_or_else(|| panic!("no expectation for scenario {kind}"))
                .1;
            let got: BTreeSet<&str> = s
                .event_ids
                .iter()
                .filter_map(|id| by_event.get(id.as_str()))
                .flatten()
                .copied()
                .collect();
            for rule in want {
                assert!(
                    got.contains(rule),
                    "seed {seed}: scenario {kind}: {rule} did not alert (got {got:?})"
                );
            }
        }
    }
}

#[test]
fn clean_trail_raises_no_high_severity_alert() {
    let det = common::packs();
    for seed in [3, 11] {
        let (list, manifest) = trail(ScenarioSelection::None, seed);
        assert!(manifest.scenarios.is_empty());
        let (found, _) = common::detect(&det, &list);
        let high: Vec<String> = found
            .alerts
            .iter()
            .filter(|a| a.severity >= Severity::High)
            .map(|a| format!("{} {:?} {:?}", a.rule.id, a.event.event_name, a.event.id))
            .collect();
        assert!(high.is_empty(), "seed {seed}: {high:#?}");
        // The clean trail does have routine low-severity activity (CIS 4.1 access denials).
        assert!(found.alerts.iter().all(|a| a.severity <= Severity::Medium));
    }
}
