//! The CIS AWS Foundations monitoring-alarm patterns (posture-checks.md §3.4) on real records.
//!
//! - Every pattern parses, is accepted by AWS's rules, and prints to a form that parses back to
//!   the same tree.
//! - Every pattern agrees, on every record of `testdata/corpus`, with an oracle written by hand
//!   from the CIS text and AWS's semantics — through the typed-record path and the text path.
//! - Every control matches the events it is meant for, built from real corpus records (edited
//!   where the corpus has no such call), and not the near misses.

mod common;

use serde_json::{Value, json};
use trailguard_model::decode_event_text;
use trailguard_pattern::{Pattern, log_message};

use common::{Record, corpus};

fn cis() -> Vec<(&'static str, &'static str)> {
    include_str!("data/cis.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split_once('\t').unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The oracle: each control written directly over serde_json with AWS's rules (a missing field
// makes `=` and `!=` false; `!=` needs a string or number).

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.as_object()?.get(k))
}

fn text(v: &Value, path: &str) -> Option<String> {
    match at(v, path)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn eq(v: &Value, path: &str, lit: &str) -> bool {
    text(v, path).is_some_and(|t| t == lit)
}

fn ne(v: &Value, path: &str, lit: &str) -> bool {
    text(v, path).is_some_and(|t| t != lit)
}

fn name_in(v: &Value, names: &[&str]) -> bool {
    names.iter().any(|n| eq(v, "eventName", n))
}

fn unauthorized(v: &Value) -> bool {
    text(v, "errorCode").is_some_and(|c| c.ends_with("UnauthorizedOperation"))
}

fn denied(v: &Value) -> bool {
    text(v, "errorCode").is_some_and(|c| c.starts_with("AccessDenied"))
}

fn not_delivery(v: &Value) -> bool {
    ne(v, "sourceIPAddress", "delivery.logs.amazonaws.com")
}

fn not_head(v: &Value) -> bool {
    ne(v, "eventName", "HeadBucket")
}

const IAM_POLICY: &[&str] = &[
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
];
const TRAIL: &[&str] = &[
    "CreateTrail",
    "UpdateTrail",
    "DeleteTrail",
    "StartLogging",
    "StopLogging",
];
const BUCKET_POLICY: &[&str] = &[
    "PutBucketAcl",
    "PutBucketPolicy",
    "PutBucketCors",
    "PutBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketPolicy",
    "DeleteBucketCors",
    "DeleteBucketLifecycle",
    "DeleteBucketReplication",
];
const CONFIG: &[&str] = &[
    "StopConfigurationRecorder",
    "DeleteDeliveryChannel",
    "PutDeliveryChannel",
    "PutConfigurationRecorder",
];
const SG_V1: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
];
const NACL: &[&str] = &[
    "CreateNetworkAcl",
    "CreateNetworkAclEntry",
    "DeleteNetworkAcl",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "ReplaceNetworkAclAssociation",
];
const GATEWAY: &[&str] = &[
    "CreateCustomerGateway",
    "DeleteCustomerGateway",
    "AttachInternetGateway",
    "CreateInternetGateway",
    "DeleteInternetGateway",
    "DetachInternetGateway",
];
const ROUTE: &[&str] = &[
    "CreateRoute",
    "CreateRouteTable",
    "ReplaceRoute",
    "ReplaceRouteTableAssociation",
    "DeleteRouteTable",
    "DeleteRoute",
    "DisassociateRouteTable",
];
const VPC: &[&str] = &[
    "CreateVpc",
    "DeleteVpc",
    "ModifyVpcAttribute",
    "AcceptVpcPeeringConnection",
    "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "AttachClassicLinkVpc",
    "DetachClassicLinkVpc",
    "DisableVpcClassicLink",
    "EnableVpcClassicLink",
];
const ORGS: &[&str] = &[
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
];

fn oracle(id: &str, v: &Value) -> bool {
    match id {
        "4.1-v1.2" => unauthorized(v) || denied(v),
        "4.1-v1.4-audit" | "4.1-v1.4-remediation" => unauthorized(v) || denied(v) || not_delivery(v) || not_head(v),
        "4.1-v2" | "4.1-v6" => unauthorized(v) || (denied(v) && not_delivery(v) && not_head(v)),
        "4.1-steampipe-272" => (unauthorized(v) || denied(v)) && not_delivery(v) && not_head(v),
        "4.2" => eq(v, "eventName", "ConsoleLogin") && ne(v, "additionalEventData.MFAUsed", "Yes"),
        "4.2-sso" => {
            eq(v, "eventName", "ConsoleLogin")
                && ne(v, "additionalEventData.MFAUsed", "Yes")
                && eq(v, "userIdentity.type", "IAMUser")
                && eq(v, "responseElements.ConsoleLogin", "Success")
        }
        "4.3" => {
            eq(v, "userIdentity.type", "Root")
                && at(v, "userIdentity.invokedBy").is_none()
                && ne(v, "eventType", "AwsServiceEvent")
        }
        "4.4" => name_in(v, IAM_POLICY),
        "4.5" => name_in(v, TRAIL),
        "4.6" => eq(v, "eventName", "ConsoleLogin") && eq(v, "errorMessage", "Failed authentication"),
        "4.7" => eq(v, "eventSource", "kms.amazonaws.com") && name_in(v, &["DisableKey", "ScheduleKeyDeletion"]),
        "4.8" => eq(v, "eventSource", "s3.amazonaws.com") && name_in(v, BUCKET_POLICY),
        "4.9" => eq(v, "eventSource", "config.amazonaws.com") && name_in(v, CONFIG),
        "4.10-v1.4" => name_in(v, SG_V1),
        "4.10-v5" => name_in(v, SG_V1) || eq(v, "eventName", "ModifySecurityGroupRules"),
        "4.11" => name_in(v, NACL),
        "4.12" => name_in(v, GATEWAY),
        "4.13-remediation" => name_in(v, ROUTE),
        "4.13-audit" => {
            (eq(v, "eventSource", "ec2.amazonaws.com") && eq(v, "eventName", "CreateRoute")) || name_in(v, &ROUTE[1..])
        }
        "4.14" => name_in(v, VPC),
        "4.15" => eq(v, "eventSource", "organizations.amazonaws.com") && name_in(v, ORGS),
        other => panic!("no oracle for {other}"),
    }
}

#[test]
fn every_cis_pattern_parses_prints_and_is_accepted() {
    let all = cis();
    assert_eq!(all.len(), 23);
    for (id, text) in all {
        let p = Pattern::parse_strict(text).unwrap_or_else(|e| panic!("{id}: {}", e.render()));
        let printed = p.to_string();
        let again = Pattern::parse_strict(&printed).unwrap();
        let (mut a, mut b) = (p.ast().clone(), again.ast().clone());
        a.clear_spans();
        b.clear_spans();
        assert_eq!(a, b, "{id}: {printed}");
        assert_eq!(again.to_string(), printed, "{id}");
        assert!(!p.explain().is_empty());
        // Only the 4.1 and 4.3 alarms (error codes, identity) match records of any event name.
        let indexed = p.event_names().is_some();
        assert_eq!(indexed, !id.starts_with("4.1-") && id != "4.3", "{id}");
    }
    let names = Pattern::parse(
        include_str!("data/cis.txt")
            .lines()
            .find(|l| l.starts_with("4.7\t"))
            .unwrap()
            .split_once('\t')
            .unwrap()
            .1,
    )
    .unwrap()
    .event_names();
    assert_eq!(
        names,
        Some(vec!["DisableKey".to_owned(), "ScheduleKeyDeletion".to_owned()])
    );
}

#[test]
fn cis_patterns_agree_with_the_oracle_on_the_corpus() {
    let records = corpus();
    let patterns: Vec<_> = cis()
        .into_iter()
        .map(|(id, t)| (id, Pattern::parse(t).unwrap()))
        .collect();
    let mut matched = vec![0usize; patterns.len()];
    for r in &records {
        let ev = decode_event_text(&r.text).unwrap();
        let v = r.json();
        let message = log_message(&r.text);
        for (i, (id, p)) in patterns.iter().enumerate() {
            let want = oracle(id, &v);
            if want && let Some(names) = p.event_names() {
                assert!(
                    names.iter().any(|n| ev.event_name.as_deref() == Some(n.as_str())),
                    "{id}"
                );
            }
            assert_eq!(p.matches(&ev), want, "{id} on a record of {}: {}", r.file, r.text);
            assert_eq!(p.matches_message(&message), want, "{id} (as text) on {}", r.file);
            matched[i] += usize::from(want);
        }
    }
    // The corpus exercises most controls with real events.
    let count = |id: &str| matched[patterns.iter().position(|(i, _)| *i == id).unwrap()];
    for (id, at_least) in [
        ("4.1-v1.2", 90),
        ("4.1-v2", 90),
        ("4.2", 1),
        ("4.3", 2),
        ("4.4", 16),
        ("4.5", 15),
        ("4.8", 5),
        ("4.10-v1.4", 5),
        ("4.12", 8),
        ("4.13-remediation", 16),
        ("4.14", 16),
        ("4.15", 2),
    ] {
        assert!(count(id) >= at_least, "{id}: {} corpus records", count(id));
    }
    // The all-`||` 4.1 variant matches nearly everything (the flaw `lint` warns about).
    assert!(count("4.1-v1.4-audit") * 10 > records.len() * 9);
}

// ---------------------------------------------------------------------------------------------
// Intended events and near misses, built from real records.

/// The first corpus record with this event name (and error code, if given), edited: each edit
/// sets a dotted path, or removes it when the value is `null` written as `Value::Null` in a
/// `remove` list.
fn probe(records: &[Record], name: &str, error: Option<&str>, set: &[(&str, Value)], remove: &[&str]) -> String {
    let base = records
        .iter()
        .map(Record::json)
        .find(|v| eq(v, "eventName", name) && error.is_none_or(|e| eq(v, "errorCode", e)))
        .unwrap_or_else(|| panic!("no corpus record for {name} {error:?}"));
    let mut v = base;
    for (path, value) in set {
        let mut node = &mut v;
        let keys: Vec<&str> = path.split('.').collect();
        for k in &keys[..keys.len() - 1] {
            node = node.as_object_mut().unwrap().entry(*k).or_insert_with(|| json!({}));
        }
        node.as_object_mut()
            .unwrap()
            .insert(keys[keys.len() - 1].to_owned(), value.clone());
    }
    for path in remove {
        let keys: Vec<&str> = path.split('.').collect();
        let mut node = &mut v;
        for k in &keys[..keys.len() - 1] {
            node = node.get_mut(*k).unwrap();
        }
        node.as_object_mut().unwrap().remove(keys[keys.len() - 1]);
    }
    common::text(&v)
}

fn check(id: &str, yes: &[String], no: &[String]) {
    let text = cis().into_iter().find(|(i, _)| *i == id).unwrap().1;
    let p = Pattern::parse(text).unwrap();
    for (want, events) in [(true, yes), (false, no)] {
        for e in events {
            let ev = decode_event_text(e).unwrap();
            assert_eq!(
                p.matches(&ev),
                want,
                "{id} should {}match {e}",
                if want { "" } else { "not " }
            );
            assert_eq!(
                oracle(id, &serde_json::from_str(e).unwrap()),
                want,
                "oracle {id} on {e}"
            );
        }
    }
}

#[test]
fn intended_events_and_near_misses() {
    let r = corpus();
    let s = |v: &str| json!(v);
    // 4.1: unauthorized operations always; access denied unless from log delivery or HeadBucket.
    let unauth = probe(&r, "GetPasswordData", Some("Client.UnauthorizedOperation"), &[], &[]);
    let denied = probe(&r, "AssumeRole", Some("AccessDenied"), &[], &[]);
    let denied_delivery = probe(
        &r,
        "AssumeRole",
        Some("AccessDenied"),
        &[("sourceIPAddress", s("delivery.logs.amazonaws.com"))],
        &[],
    );
    let denied_head = probe(
        &r,
        "AssumeRole",
        Some("AccessDenied"),
        &[("eventName", s("HeadBucket"))],
        &[],
    );
    let unauth_delivery = probe(
        &r,
        "GetPasswordData",
        Some("Client.UnauthorizedOperation"),
        &[
            ("sourceIPAddress", s("delivery.logs.amazonaws.com")),
            ("eventName", s("HeadBucket")),
        ],
        &[],
    );
    let success = probe(&r, "CreateVpc", None, &[], &["errorCode", "errorMessage"]);
    check(
        "4.1-v2",
        &[unauth.clone(), denied.clone(), unauth_delivery.clone()],
        &[denied_delivery.clone(), denied_head.clone(), success.clone()],
    );
    check(
        "4.1-v1.2",
        &[
            unauth.clone(),
            denied.clone(),
            denied_delivery.clone(),
            denied_head.clone(),
        ],
        std::slice::from_ref(&success),
    );
    check(
        "4.1-steampipe-272",
        &[unauth.clone(), denied.clone()],
        &[unauth_delivery, denied_delivery, success.clone()],
    );
    check("4.1-v1.4-audit", &[success.clone(), unauth], &[]);

    // 4.2 / 4.6: console sign-in.
    let login = probe(
        &r,
        "ConsoleLogin",
        None,
        &[("additionalEventData.MFAUsed", s("No"))],
        &[],
    );
    let login_mfa = probe(
        &r,
        "ConsoleLogin",
        None,
        &[("additionalEventData.MFAUsed", s("Yes"))],
        &[],
    );
    let login_no_key = probe(&r, "ConsoleLogin", None, &[], &["additionalEventData.MFAUsed"]);
    let login_iam_ok = probe(
        &r,
        "ConsoleLogin",
        None,
        &[
            ("additionalEventData.MFAUsed", s("No")),
            ("userIdentity.type", s("IAMUser")),
            ("responseElements", json!({"ConsoleLogin": "Success"})),
        ],
        &[],
    );
    let login_failed = probe(
        &r,
        "ConsoleLogin",
        None,
        &[
            ("errorMessage", s("Failed authentication")),
            ("responseElements", json!({"ConsoleLogin": "Failure"})),
            ("userIdentity.type", s("IAMUser")),
        ],
        &[],
    );
    check(
        "4.2",
        &[login.clone(), login_iam_ok.clone()],
        &[login_mfa.clone(), login_no_key],
    );
    check("4.2-sso", &[login_iam_ok], &[login_mfa, login_failed.clone()]);
    check("4.6", &[login_failed], &[login]);

    // 4.3: root use, not by a service on root's behalf, not a service event.
    let root = probe(
        &r,
        "CreateBucket",
        None,
        &[("userIdentity.type", s("Root"))],
        &["userIdentity.invokedBy"],
    );
    let root_by_service = probe(
        &r,
        "CreateBucket",
        None,
        &[
            ("userIdentity.type", s("Root")),
            ("userIdentity.invokedBy", s("support.amazonaws.com")),
        ],
        &[],
    );
    let root_service_event = probe(
        &r,
        "CreateBucket",
        None,
        &[("userIdentity.type", s("Root")), ("eventType", s("AwsServiceEvent"))],
        &["userIdentity.invokedBy"],
    );
    let root_old = probe(
        &r,
        "CreateBucket",
        None,
        &[("userIdentity.type", s("Root"))],
        &["userIdentity.invokedBy", "eventType"],
    );
    check(
        "4.3",
        &[root],
        &[root_by_service, root_service_event, root_old, success.clone()],
    );

    // 4.4, 4.5, 4.8, 4.10, 4.12, 4.13, 4.14, 4.15: real events.
    let real = |name: &str| probe(&r, name, None, &[], &[]);
    check(
        "4.4",
        &[
            real("AttachRolePolicy"),
            real("PutRolePolicy"),
            real("CreatePolicy"),
            real("AttachUserPolicy"),
        ],
        &[real("CreateRole"), real("CreateUser")],
    );
    check(
        "4.5",
        &[
            real("CreateTrail"),
            real("DeleteTrail"),
            real("StartLogging"),
            real("StopLogging"),
        ],
        // CIS 4.5 does not cover PutEventSelectors (a documented gap).
        &[real("PutEventSelectors"), real("DescribeTrails")],
    );
    check(
        "4.8",
        &[
            real("PutBucketPolicy"),
            real("DeleteBucketPolicy"),
            real("PutBucketLifecycle"),
        ],
        &[
            real("CreateBucket"),
            probe(
                &r,
                "PutBucketPolicy",
                None,
                &[("eventSource", s("s3-outposts.amazonaws.com"))],
                &[],
            ),
        ],
    );
    let modify_sg = probe(
        &r,
        "CreateSecurityGroup",
        None,
        &[("eventName", s("ModifySecurityGroupRules"))],
        &[],
    );
    check(
        "4.10-v1.4",
        &[
            real("AuthorizeSecurityGroupIngress"),
            real("CreateSecurityGroup"),
            real("DeleteSecurityGroup"),
        ],
        &[modify_sg.clone(), real("DescribeSecurityGroups")],
    );
    check(
        "4.10-v5",
        &[modify_sg, real("AuthorizeSecurityGroupIngress")],
        &[real("DescribeSecurityGroups")],
    );
    check(
        "4.12",
        &[real("CreateInternetGateway"), real("AttachInternetGateway")],
        &[real("CreateVpc")],
    );
    let route_elsewhere = probe(
        &r,
        "CreateRoute",
        None,
        &[("eventSource", s("ec2-outposts.amazonaws.com"))],
        &[],
    );
    check(
        "4.13-remediation",
        &[real("CreateRoute"), real("CreateRouteTable"), route_elsewhere.clone()],
        &[real("CreateVpc")],
    );
    // By precedence the audit form's eventSource condition binds to CreateRoute only.
    check(
        "4.13-audit",
        &[real("CreateRoute"), real("CreateRouteTable")],
        &[route_elsewhere, real("CreateVpc")],
    );
    check(
        "4.14",
        &[real("CreateVpc"), real("DeleteVpc")],
        &[real("CreateRouteTable")],
    );
    check(
        "4.15",
        &[real("LeaveOrganization")],
        &[probe(
            &r,
            "LeaveOrganization",
            None,
            &[("eventName", s("DescribeOrganization"))],
            &[],
        )],
    );

    // 4.7, 4.9, 4.11: no such calls in the corpus; real records edited into them.
    let as_call = |source: &str, name: &str| {
        probe(
            &r,
            "CreateVpc",
            None,
            &[("eventSource", s(source)), ("eventName", s(name))],
            &["errorCode"],
        )
    };
    check(
        "4.7",
        &[
            as_call("kms.amazonaws.com", "DisableKey"),
            as_call("kms.amazonaws.com", "ScheduleKeyDeletion"),
        ],
        &[
            as_call("kms.amazonaws.com", "CreateKey"),
            as_call("ec2.amazonaws.com", "DisableKey"),
        ],
    );
    check(
        "4.9",
        &[
            as_call("config.amazonaws.com", "StopConfigurationRecorder"),
            as_call("config.amazonaws.com", "DeleteDeliveryChannel"),
        ],
        &[as_call("config.amazonaws.com", "DescribeConfigRules")],
    );
    check(
        "4.11",
        &[
            as_call("ec2.amazonaws.com", "CreateNetworkAclEntry"),
            as_call("ec2.amazonaws.com", "ReplaceNetworkAclAssociation"),
        ],
        &[as_call("ec2.amazonaws.com", "DescribeNetworkAcls")],
    );
}

#[test]
fn lint_on_the_cis_patterns() {
    use trailguard_pattern::{Code, lint};
    let codes = |id: &str| -> Vec<Code> {
        let text = cis().into_iter().find(|(i, _)| *i == id).unwrap().1;
        lint(text).into_iter().map(|d| d.code).collect()
    };
    // The all-`||` variant is flagged; the v2+ text is not.
    assert!(codes("4.1-v1.4-audit").contains(&Code::MatchesAlmostEverything));
    assert!(!codes("4.1-v2").contains(&Code::MatchesAlmostEverything));
    // 4.2 compares a field CloudTrail leaves out of some console sign-ins.
    assert!(codes("4.2").contains(&Code::NotEqualMissing));
    // 4.3's `!=` is on eventType, written on every record; `NOT EXISTS` needs nothing.
    assert!(codes("4.3").is_empty(), "{:?}", codes("4.3"));
    for id in [
        "4.4",
        "4.5",
        "4.6",
        "4.7",
        "4.8",
        "4.9",
        "4.10-v5",
        "4.11",
        "4.12",
        "4.13-remediation",
        "4.14",
        "4.15",
    ] {
        assert!(codes(id).is_empty(), "{id}: {:?}", codes(id));
    }
}
