//! The Stratus Red Team detonations (real CloudTrail captures, one file per technique) trip the
//! rules written for them; the techniques no built-in rule covers are listed, so that a new
//! rule has to update this table.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use trailguard_read::FileList;

const DIR: &str = "../../testdata/corpus/stratus-red-team/docs/detonation-logs";

/// Technique → built-in rules that must alert (exactly these, besides CIS 4.1 on failed calls).
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "aws.credential-access.ec2-get-password-data",
        &["TG-TH-012", "TG-TH-014"],
    ),
    ("aws.credential-access.ec2-steal-instance-credentials", &["TG-TH-026"]),
    (
        "aws.credential-access.secretsmanager-batch-retrieve-secrets",
        &["TG-TH-010"],
    ),
    ("aws.credential-access.secretsmanager-retrieve-secrets", &["TG-TH-009"]),
    (
        "aws.credential-access.ssm-retrieve-securestring-parameters",
        &["TG-TH-013"],
    ),
    ("aws.defense-evasion.cloudtrail-delete", &["TG-CIS-4.5", "TG-TT-002"]),
    (
        "aws.defense-evasion.cloudtrail-event-selectors",
        &["TG-TT-004", "TG-TT-005"],
    ),
    ("aws.defense-evasion.cloudtrail-stop", &["TG-CIS-4.5", "TG-TT-001"]),
    ("aws.defense-evasion.dns-delete-logs", &["TG-TT-013"]),
    // The detonation's LeaveOrganization was refused (AccessDenied): CIS 4.15 still sees it,
    // TG-TH-020 (successful departures) does not.
    ("aws.defense-evasion.organizations-leave", &["TG-CIS-4.15"]),
    ("aws.defense-evasion.vpc-remove-flow-logs", &["TG-TT-013"]),
    ("aws.discovery.ec2-download-user-data", &["TG-TH-015"]),
    ("aws.execution.ec2-launch-unusual-instances", &[]),
    ("aws.execution.ec2-user-data", &["TG-TH-027"]),
    ("aws.execution.ssm-send-command", &["TG-TH-026"]),
    ("aws.execution.ssm-start-session", &["TG-TH-026"]),
    (
        "aws.exfiltration.ec2-security-group-open-port-22-ingress",
        &["TG-CIS-4.10", "TG-TH-021"],
    ),
    ("aws.exfiltration.ec2-share-ami", &["TG-TH-016"]),
    ("aws.exfiltration.ec2-share-ebs-snapshot", &["TG-TH-016"]),
    ("aws.exfiltration.rds-share-snapshot", &["TG-TH-016"]),
    ("aws.impact.bedrock-invoke-model", &[]),
    (
        "aws.initial-access.console-login-without-mfa",
        &["TG-CIS-4.2", "TG-TH-003"],
    ),
    ("aws.lateral-movement.ec2-instance-connect", &["TG-TH-026"]),
    (
        "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
        &["TG-TH-026"],
    ),
    ("aws.persistence.iam-backdoor-role", &["TG-TH-008"]),
    ("aws.persistence.iam-backdoor-user", &["TG-TH-005"]),
    (
        "aws.persistence.iam-create-admin-user",
        &["TG-CIS-4.4", "TG-TH-005", "TG-TH-007"],
    ),
    ("aws.persistence.iam-create-backdoor-role", &["TG-CIS-4.4", "TG-TH-007"]),
    ("aws.persistence.iam-create-user-login-profile", &["TG-TH-006"]),
    ("aws.persistence.lambda-backdoor-function", &["TG-TH-018"]),
    ("aws.persistence.lambda-layer-extension", &["TG-TH-028"]),
    ("aws.persistence.lambda-overwrite-code", &["TG-TH-028"]),
    ("aws.persistence.rolesanywhere-create-trust-anchor", &["TG-TH-025"]),
    ("aws.persistence.sts-federation-token", &["TG-TH-024"]),
    ("aws.privilege-escalation.iam-update-user-login-profile", &["TG-TH-006"]),
];

#[test]
fn detonations_trip_the_expected_rules() {
    let det = common::packs();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DIR);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("the Stratus corpus is present")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), EXPECTED.len(), "every detonation has a row");
    for (technique, want) in EXPECTED {
        let path = dir.join(format!("{technique}.json"));
        let list = FileList::from_arg(path.to_str().unwrap()).unwrap();
        let (found, records) = common::detect(&det, &list);
        assert!(records > 0, "{technique}");
        let got: BTreeSet<&str> = found
            .alerts
            .iter()
            .map(|a| a.rule.id.as_str())
            .filter(|id| *id != "TG-CIS-4.1")
            .collect();
        let want: BTreeSet<&str> = want.iter().copied().collect();
        assert_eq!(got, want, "{technique}");
    }
}
