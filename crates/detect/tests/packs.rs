//! The built-in packs: every rule reads, compiles and passes its own tests.

use trailguard_detect::{DetectorBuilder, Expect, Origin, PACKS, Verdict, all_pack_rules, run_tests};

#[test]
fn every_pack_rule_passes_its_own_tests() {
    let mut b = DetectorBuilder::new();
    b.rules(all_pack_rules().expect("packs read"));
    let (det, notes) = b.build().expect("packs compile");
    assert!(notes.sigma.problems.is_empty(), "{:?}", notes.sigma.problems);
    let results = run_tests(&det);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .map(|r| format!("{} {}: {}", r.rule, r.test, r.detail))
        .collect();
    assert!(failed.is_empty(), "failing rule tests:\n{}", failed.join("\n"));
    // Each rule has a match and a no-match test, and threshold rules a sequence.
    for r in det.rules() {
        assert!(
            r.tests.iter().any(|t| t.expect == Expect::Match),
            "{} has no match test",
            r.id
        );
        assert!(
            r.tests.iter().any(|t| t.expect == Expect::NoMatch),
            "{} has no no_match test",
            r.id
        );
        if r.threshold.is_some() {
            assert!(
                r.tests.iter().any(|t| matches!(t.expect, Expect::Alerts(_))),
                "{}",
                r.id
            );
        }
        assert!(
            !r.description.is_empty() && !r.mitre.is_empty() && !r.falsepositives.is_empty(),
            "{}",
            r.id
        );
    }
    assert!(results.len() > 150, "{} tests", results.len());
}

#[test]
fn packs_are_complete() {
    let rules = all_pack_rules().unwrap();
    let ids = |pack: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|r| r.origin == Origin::Pack(pack.into()))
            .map(|r| r.id.clone())
            .collect()
    };
    let cis = ids("cis");
    for n in 1..=16 {
        assert!(cis.contains(&format!("TG-CIS-4.{n}")), "CIS 4.{n} missing");
    }
    assert!(ids("trail-tamper").len() >= 12);
    assert!(ids("threats").len() >= 20);
    assert_eq!(PACKS.len(), 3);
}

/// The CIS rules carry the benchmark's patterns verbatim (reference/posture-checks.md §3.4).
#[test]
fn cis_patterns_are_the_prescribed_ones() {
    let rules = all_pack_rules().unwrap();
    let body = |id: &str| match &rules.iter().find(|r| r.id == id).unwrap().body {
        trailguard_detect::Body::Pattern(p) => p.clone(),
        b => panic!("{id}: {b:?}"),
    };
    assert_eq!(
        body("TG-CIS-4.3"),
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#
    );
    assert_eq!(
        body("TG-CIS-4.5"),
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
    );
    assert_eq!(
        body("TG-CIS-4.7"),
        "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
    );
    assert_eq!(
        body("TG-CIS-4.6"),
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#
    );
}

/// Only the rules that cannot name their events run on every record: the error-code rules and
/// the root-user rules. Everything else is filed under its event names.
#[test]
fn pack_patterns_are_indexed_by_event_name() {
    let mut b = DetectorBuilder::new();
    b.rules(all_pack_rules().unwrap());
    let (det, _) = b.build().unwrap();
    let mut ids: Vec<&str> = det.unindexed_patterns().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["TG-CIS-4.1", "TG-CIS-4.3", "TG-TH-002", "TG-TH-012"]);
}
