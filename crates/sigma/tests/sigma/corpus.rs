//! The 57 SigmaHQ CloudTrail rules over the corpus: every rule loads, the Stratus Red Team
//! detonations trip exactly the rules the reference expects per technique
//! (`sigma-cloudtrail.md` §10), and the other corpus files give exactly the matches pinned here
//! (cross-checked with rsigma by the differential test).

use std::collections::BTreeMap;

use crate::common::*;
use trailguard_sigma::*;

/// Rule file stem → records matched.
type Hits = &'static [(&'static str, usize)];

/// Per Stratus technique: records in the detonation log, and the rules that fire.
const STRATUS: &[(&str, usize, Hits)] = &[
    (
        "credential-access.ec2-get-password-data",
        34,
        &[("aws_sts_assumerole_misuse", 30)],
    ),
    (
        "credential-access.ec2-steal-instance-credentials",
        45,
        &[
            ("aws_cloudtrail_ssm_malicious_usage", 1),
            ("aws_sts_assumerole_misuse", 2),
        ],
    ),
    ("credential-access.secretsmanager-batch-retrieve-secrets", 5, &[]),
    ("credential-access.secretsmanager-retrieve-secrets", 21, &[]),
    ("credential-access.ssm-retrieve-securestring-parameters", 10, &[]),
    (
        "defense-evasion.cloudtrail-delete",
        1,
        &[("aws_cloudtrail_disable_logging", 1)],
    ),
    ("defense-evasion.cloudtrail-event-selectors", 1, &[]),
    (
        "defense-evasion.cloudtrail-stop",
        1,
        &[("aws_cloudtrail_disable_logging", 1)],
    ),
    ("defense-evasion.dns-delete-logs", 1, &[]),
    (
        "defense-evasion.organizations-leave",
        3,
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "defense-evasion.vpc-remove-flow-logs",
        1,
        &[("aws_cloudtrail_vpc_flow_logs_deleted", 1)],
    ),
    (
        "discovery.ec2-download-user-data",
        19,
        &[("aws_sts_assumerole_misuse", 15)],
    ),
    (
        "execution.ec2-launch-unusual-instances",
        3,
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    ("execution.ec2-user-data", 35, &[]),
    (
        "execution.ssm-send-command",
        56,
        &[("aws_cloudtrail_ssm_malicious_usage", 1)],
    ),
    ("execution.ssm-start-session", 29, &[]),
    (
        "exfiltration.ec2-security-group-open-port-22-ingress",
        1,
        &[("aws_cloudtrail_security_group_change_ingress_egress", 1)],
    ),
    ("exfiltration.ec2-share-ami", 1, &[]),
    (
        "exfiltration.ec2-share-ebs-snapshot",
        1,
        &[("aws_snapshot_backup_exfiltration", 1)],
    ),
    ("exfiltration.rds-share-snapshot", 1, &[]),
    ("impact.bedrock-invoke-model", 15, &[("aws_sts_assumerole_misuse", 15)]),
    (
        "initial-access.console-login-without-mfa",
        1,
        &[("aws_cloudtrail_console_login_success_without_mfa", 1)],
    ),
    ("lateral-movement.ec2-instance-connect", 3, &[]),
    (
        "lateral-movement.ec2-serial-console-send-ssh-public-key",
        4,
        &[("aws_sts_assumerole_misuse", 4)],
    ),
    ("persistence.iam-backdoor-role", 1, &[]),
    (
        "persistence.iam-backdoor-user",
        1,
        &[("aws_iam_backdoor_users_keys", 1)],
    ),
    (
        "persistence.iam-create-admin-user",
        3,
        &[("aws_iam_backdoor_users_keys", 1)],
    ),
    ("persistence.iam-create-backdoor-role", 2, &[]),
    ("persistence.iam-create-user-login-profile", 3, &[]),
    ("persistence.lambda-backdoor-function", 1, &[]),
    (
        "persistence.lambda-layer-extension",
        1,
        &[("aws_new_lambda_layer_attached", 1)],
    ),
    ("persistence.lambda-overwrite-code", 1, &[]),
    ("persistence.rolesanywhere-create-trust-anchor", 2, &[]),
    ("persistence.sts-federation-token", 2, &[]),
    (
        "privilege-escalation.iam-update-user-login-profile",
        1,
        &[("aws_update_login_profile", 1)],
    ),
];

/// The other corpus files: file → rule → records matched. Files not listed match nothing.
const OTHERS: &[(&str, Hits)] = &[
    // trailscraper (the same object plain and gzipped, and a smoke-test file)
    (
        "111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "events-for-smoke-test.json",
        &[("aws_root_account_usage", 1), ("aws_sts_assumerole_misuse", 1)],
    ),
    // invictus-ir/aws_dataset (a Stratus Red Team run with background traffic)
    (
        "218007301253_CloudTrail_us-east-1_20230710T1145Z_s7dpHbl38neqZbm2.json",
        &[("aws_enum_buckets", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json",
        &[
            ("aws_cloudtrail_new_route_added", 2),
            ("aws_cloudtrail_ssm_malicious_usage", 1),
            ("aws_sts_assumerole_misuse", 33),
        ],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1200Z_x9kHmzMa7cx6l9wM.json",
        &[("aws_sts_assumerole_misuse", 6)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1205Z_86g9Vok9HiUCgSI7.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1205Z_SjF3IkuNXJkoHyar.json",
        &[
            ("aws_cloudtrail_disable_logging", 1),
            ("aws_cloudtrail_vpc_flow_logs_deleted", 1),
        ],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1205Z_UljXNp9xLp8nsAGc.json",
        &[("aws_cloudtrail_disable_logging", 2), ("aws_sts_assumerole_misuse", 15)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1205Z_nx9Yx1FyJdBaTqKj.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1205Z_zs3JGxETHr59VpkX.json",
        &[("aws_cloudtrail_disable_logging", 1), ("aws_sts_assumerole_misuse", 3)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_2ru8PrDKZmsO3yWC.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_6CICdbJQM3beT7n3.json",
        &[
            ("aws_cloudtrail_bucket_deleted", 1),
            ("aws_cloudtrail_disable_logging", 1),
            ("aws_cloudtrail_new_route_added", 1),
            ("aws_sts_assumerole_misuse", 4),
        ],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_QY5iPRtGUt0EpVaH.json",
        &[("aws_sts_assumerole_misuse", 2)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_ZgEBhdXGdLTXGoIe.json",
        &[("aws_cloudtrail_new_route_added", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_bXGZYqBeCCsqWq1U.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1210Z_vj0QE0Tf5ZmzMsCo.json",
        &[("aws_sts_assumerole_misuse", 3)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1215Z_P0WZuP2zvLW2RcUo.json",
        &[("aws_cloudtrail_security_group_change_ingress_egress", 2)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1215Z_YMDRJwtmC82bUwAo.json",
        &[
            ("aws_cloudtrail_security_group_change_ingress_egress", 2),
            ("aws_snapshot_backup_exfiltration", 1),
        ],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1215Z_YxpR6PTmNBivhnJJ.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1215Z_Z8x5aqgtcXn5NEG9.json",
        &[("aws_cloudtrail_security_group_change_ingress_egress", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1215Z_nBsuPO1qSTEVerMD.json",
        &[
            ("aws_cloudtrail_bucket_deleted", 1),
            ("aws_cloudtrail_disable_logging", 1),
            ("aws_cloudtrail_new_route_added", 2),
            ("aws_cloudtrail_security_group_change_ingress_egress", 1),
            ("aws_sts_assumerole_misuse", 1),
        ],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1220Z_ovtmbuX3ENJ119uH.json",
        &[
            ("aws_snapshot_backup_exfiltration", 1),
            ("aws_sts_assumerole_misuse", 1),
        ],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1220Z_r7NFD65BgeDMqD23.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1220Z_sM25jC0Ku0QcGkDa.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1225Z_4iD2boYSOwmb6sWd.json",
        &[("aws_cloudtrail_console_login_success_without_mfa", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1230Z_9SJSsrxJ0ChF5VFb.json",
        &[("aws_cloudtrail_bucket_deleted", 1), ("aws_enum_buckets", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1230Z_KV9LZlfXqBel7nqf.json",
        &[("aws_cloudtrail_bucket_deleted", 1)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1230Z_ZtUNbBkwAu98FPZb.json",
        &[("aws_iam_backdoor_users_keys", 2)],
    ),
    (
        "218007301253_CloudTrail_us-east-1_20230710T1235Z_YbVFCP9AYzJDhHV9.json",
        &[
            ("aws_cloudtrail_bucket_deleted", 1),
            ("aws_enum_buckets", 1),
            ("aws_sts_assumerole_misuse", 1),
        ],
    ),
    // cloud-custodian (single events, some in EventBridge envelopes)
    (
        "event-appmesh-create-virtualnode.json",
        &[("aws_root_account_usage", 1)],
    ),
    (
        "event-cloud-trail-appelb-add-tags.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "event-cloud-trail-catalog-set-encryption.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    ("event-cloud-trail-create-bucket.json", &[("aws_root_account_usage", 1)]),
    ("event-cloud-trail-create-db.json", &[("aws_sts_assumerole_misuse", 1)]),
    (
        "event-cloud-trail-create-distribution.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "event-cloud-trail-create-load-balancer-policy.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "event-cloud-trail-create-rest-stage.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "event-cloud-trail-run-instance-creator-assumed.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    ("event-cloud-trail-run-instances.json", &[("aws_root_account_usage", 1)]),
    ("event-cloud-trail-s3.json", &[("aws_sts_assumerole_misuse", 1)]),
    (
        "event-cloud-trail-tag-distribution.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "event-cloud-trail-tag-rest-stage.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "event-cloud-trail-update-distribution.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
    (
        "event-transit-gateway-delete-vpc-attachment.json",
        &[("aws_sts_assumerole_misuse", 1)],
    ),
];

#[test]
fn every_sigmahq_rule_loads_with_its_metadata() {
    let loaded = load_path(&sigmahq_dir());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.sources.len(), 57);
    let (set, report) = RuleSet::build(&loaded.sources, &Options::default());
    assert_eq!(
        report.summary,
        BuildSummary {
            documents: 57,
            rules: 57,
            ..BuildSummary::default()
        }
    );
    // Nothing is refused; the only findings are the two quirks `rules lint` must flag.
    let findings: Vec<(String, String, &str)> = report
        .problems
        .iter()
        .map(|p| {
            let code = match &p.kind {
                ProblemKind::Lint { code, .. } => *code,
                other => panic!("unexpected problem: {other}"),
            };
            (stem(&p.origin.file), p.field.clone().unwrap_or_default(), code)
        })
        .collect();
    assert_eq!(
        findings,
        vec![
            (
                "aws_delete_saml_provider".into(),
                "detection.selection.status".into(),
                "unknown-field"
            ),
            (
                "aws_iam_backdoor_users_keys".into(),
                "detection.filter.userIdentity.arn|contains".into(),
                "field-path-literal"
            ),
        ]
    );
    // The lint points at the line of the field.
    let saml = report.problems.iter().find(|p| p.origin.file.contains("saml")).unwrap();
    assert_eq!(saml.origin.pos.line, 26);

    // Levels and statuses as in the reference's table (§7.1).
    let mut by: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for r in set.rules() {
        *by.entry((r.status.unwrap().as_str(), r.level.unwrap().as_str()))
            .or_default() += 1;
        assert!(
            r.author.as_deref().is_some_and(|a| !a.is_empty()),
            "{} has no author",
            r.title
        );
        assert!(r.id.is_some());
        assert_eq!(
            r.license.as_deref(),
            Some("DRL-1.1"),
            "the folder's LICENSE names the DRL"
        );
        assert!(r.standalone);
    }
    let expect: BTreeMap<(&str, &str), usize> = [
        (("stable", "high"), 1),
        (("stable", "medium"), 1),
        (("test", "high"), 11),
        (("test", "medium"), 16),
        (("test", "low"), 13),
        (("experimental", "high"), 4),
        (("experimental", "medium"), 11),
    ]
    .into_iter()
    .collect();
    assert_eq!(by, expect);
}

#[test]
fn all_rules_but_the_regex_one_are_prefiltered() {
    let set = sigmahq();
    let always: Vec<String> = (0..set.len())
        .filter(|&i| set.prefilter(RuleId(i as u32)) == Some(&Prefilter::Always))
        .map(|i| stem(&set.rule(RuleId(i as u32)).unwrap().origin.file))
        .collect();
    assert_eq!(always, vec!["aws_cloudtrail_imds_malicious_usage".to_string()]);
    let lambda = (0..set.len())
        .map(|i| RuleId(i as u32))
        .find(|&i| stem(&set.rule(i).unwrap().origin.file) == "aws_new_lambda_layer_attached")
        .unwrap();
    assert_eq!(
        set.prefilter(lambda),
        Some(&Prefilter::Field {
            field: "eventSource",
            keys: vec!["lambda.amazonaws.com".into()]
        }),
        "a prefix on eventName loses to an exact eventSource"
    );
}

#[test]
fn stratus_detonations_trip_the_expected_rules() {
    let set = sigmahq();
    let dir = root().join("testdata/corpus/stratus-red-team/docs/detonation-logs");
    let got = hits(&set, &dir);
    let mut records: BTreeMap<String, usize> = BTreeMap::new();
    for_each_record(&dir, &mut |file, _| {
        *records.entry(file.key.clone()).or_default() += 1;
    });
    assert_eq!(records.len(), STRATUS.len(), "one detonation log per technique");
    let mut expected = BTreeMap::new();
    for (technique, n, rules) in STRATUS {
        let file = format!("aws.{technique}.json");
        assert_eq!(records.get(&file), Some(n), "records in {file}");
        for (rule, count) in *rules {
            expected.insert((file.clone(), (*rule).to_string()), *count);
        }
    }
    assert_eq!(got, expected);
    // Summary line of §10: 18 of 35 techniques get a SigmaHQ hit.
    let techniques: std::collections::BTreeSet<&String> = got.keys().map(|(f, _)| f).collect();
    assert_eq!(techniques.len(), 18);
}

#[test]
fn other_corpus_files_match_only_what_is_expected() {
    let set = sigmahq();
    let mut got = BTreeMap::new();
    for dir in [
        "invictus-aws_dataset",
        "cloud-custodian",
        "trailscraper",
        "aws-cloudtrail-processing-library",
    ] {
        got.extend(hits(&set, &root().join("testdata/corpus").join(dir)));
    }
    let expected: BTreeMap<(String, String), usize> = OTHERS
        .iter()
        .flat_map(|(f, rules)| {
            rules
                .iter()
                .map(move |(r, n)| (((*f).to_string(), (*r).to_string()), *n))
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn matches_explain_and_attribute() {
    let set = sigmahq();
    let dir = root()
        .join("testdata/corpus/stratus-red-team/docs/detonation-logs/aws.defense-evasion.vpc-remove-flow-logs.json");
    let mut seen = Vec::new();
    for_each_record(&dir, &mut |_, ev| seen.extend(set.matches(ev)));
    assert_eq!(seen.len(), 1);
    let m = &seen[0];
    assert_eq!(m.rule.title, "AWS VPC Flow Logs Deleted");
    assert_eq!(m.rule.license.as_deref(), Some("DRL-1.1"));
    assert!(m.rule.author.is_some());
    let names: Vec<&str> = m.selections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["selection_event_name", "selection_status_null"],
        "the `errorCode: null` branch decided it"
    );
    let null = &m.selections[1].fields[0];
    assert_eq!(
        (null.field.as_str(), null.expected.as_str(), null.value.as_deref()),
        ("errorCode", "null", Some("null"))
    );
    let sel = &m.selections[0];
    assert!(
        sel.fields
            .iter()
            .any(|f| f.field == "eventName" && f.value.as_deref() == Some("DeleteFlowLogs"))
    );
}
