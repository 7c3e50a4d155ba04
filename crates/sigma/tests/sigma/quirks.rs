//! The quirks of the SigmaHQ CloudTrail rules (`sigma-cloudtrail.md` §6), reproduced — never
//! "fixed" — with the real rules and small records.

use crate::common::*;
use trailguard_model::decode_event_text;
use trailguard_sigma::RuleSet;

/// The SigmaHQ rules that match a record, by file stem.
fn fired(set: &RuleSet, event: &str) -> Vec<String> {
    let text = record_text(event);
    let ev = decode_event_text(&text).expect("test event decodes");
    set.matches(&ev).iter().map(|m| stem(&m.rule.origin.file)).collect()
}

fn fires(set: &RuleSet, event: &str, rule: &str) -> bool {
    fired(set, event).iter().any(|r| r == rule)
}

#[test]
fn q1_error_code_null_is_success() {
    let set = sigmahq();
    let base = r#""eventSource":"s3.amazonaws.com","eventName":"DeleteBucket""#;
    assert!(fires(&set, &format!("{{{base}}}"), "aws_cloudtrail_bucket_deleted"));
    assert!(fires(
        &set,
        &format!(r#"{{{base},"errorCode":null}}"#),
        "aws_cloudtrail_bucket_deleted"
    ));
    assert!(!fires(
        &set,
        &format!(r#"{{{base},"errorCode":"AccessDenied"}}"#),
        "aws_cloudtrail_bucket_deleted"
    ));
}

#[test]
fn q2_mfa_used_no_matches_by_case_folding() {
    let set = sigmahq();
    let login = |mfa: &str| {
        format!(
            r#"{{"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","responseElements":{{"ConsoleLogin":"Success"}},"additionalEventData":{{"MFAUsed":"{mfa}"}}}}"#
        )
    };
    assert!(fires(
        &set,
        &login("No"),
        "aws_cloudtrail_console_login_success_without_mfa"
    ));
    assert!(!fires(
        &set,
        &login("Yes"),
        "aws_cloudtrail_console_login_success_without_mfa"
    ));
}

#[test]
fn q3_booleans_compare_as_text() {
    let set = sigmahq();
    let update = |enable: &str| {
        format!(
            r#"{{"eventSource":"guardduty.amazonaws.com","eventName":"UpdateDetector","requestParameters":{{"detectorId":"d","enable":{enable}}}}}"#
        )
    };
    assert!(fires(
        &set,
        &update("false"),
        "aws_cloudtrail_guardduty_detector_deleted_or_updated"
    ));
    assert!(!fires(
        &set,
        &update("true"),
        "aws_cloudtrail_guardduty_detector_deleted_or_updated"
    ));
    let restore = |public: &str| {
        format!(
            r#"{{"eventSource":"rds.amazonaws.com","eventName":"RestoreDBInstanceFromDBSnapshot","responseElements":{{"publiclyAccessible":{public}}}}}"#
        )
    };
    assert!(fires(&set, &restore("true"), "aws_rds_public_db_restore"));
    assert!(!fires(&set, &restore("false"), "aws_rds_public_db_restore"));
}

#[test]
fn q4_contains_star_means_present_and_not_null() {
    let set = sigmahq();
    let layers = |v: &str| {
        format!(
            r#"{{"eventSource":"lambda.amazonaws.com","eventName":"UpdateFunctionConfiguration20150331v2","requestParameters":{{"functionName":"f"{v}}}}}"#
        )
    };
    assert!(fires(
        &set,
        &layers(r#","layers":["arn:aws:lambda:us-east-1:1:layer:x:1"]"#),
        "aws_new_lambda_layer_attached"
    ));
    assert!(
        !fires(&set, &layers(""), "aws_new_lambda_layer_attached"),
        "no layers member"
    );
    assert!(!fires(
        &set,
        &layers(r#","layers":null"#),
        "aws_new_lambda_layer_attached"
    ));
    let pw = |v: &str| {
        format!(
            r#"{{"eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance","responseElements":{{"pendingModifiedValues":{v}}}}}"#
        )
    };
    assert!(fires(
        &set,
        &pw(r#"{"masterUserPassword":"****"}"#),
        "aws_rds_change_master_password"
    ));
    assert!(!fires(&set, &pw("{}"), "aws_rds_change_master_password"));
    // VM export: errors and failures are filtered out, a clean export fires.
    let export = |extra: &str| {
        format!(
            r#"{{"eventSource":"ec2.amazonaws.com","eventName":"CreateInstanceExportTask","responseElements":{{"exportTask":{{"state":"active"}}}}{extra}}}"#
        )
    };
    assert!(fires(&set, &export(""), "aws_ec2_vm_export_failure"));
    assert!(!fires(
        &set,
        &export(r#","errorCode":"Client.UnknownParameter""#),
        "aws_ec2_vm_export_failure"
    ));
    assert!(
        !fires(&set, &export(r#","errorMessage":"""#), "aws_ec2_vm_export_failure"),
        "'*' matches the empty string"
    );
}

#[test]
fn q5_string_tests_on_whole_objects() {
    let set = sigmahq();
    let versioning = |status: &str| {
        format!(
            r#"{{"eventSource":"s3.amazonaws.com","eventName":"PutBucketVersioning","requestParameters":{{"bucketName":"b","VersioningConfiguration":{{"Status":"{status}"}}}}}}"#
        )
    };
    assert!(fires(&set, &versioning("Suspended"), "aws_disable_bucket_versioning"));
    assert!(!fires(&set, &versioning("Enabled"), "aws_disable_bucket_versioning"));
    let policy = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":[\"arn:aws:s3:::<YOUR-BUCKET-NAME>/*\"]}]}"#;
    let put = format!(
        r#"{{"eventSource":"iam.amazonaws.com","eventName":"PutUserPolicy","userAgent":"S3 Browser 9.5.5 https://s3browser.com","requestParameters":{{"userName":"u","policyName":"p","policyDocument":"{policy}"}}}}"#
    );
    assert!(fires(
        &set,
        &put,
        "aws_iam_s3browser_templated_s3_bucket_policy_creation"
    ));
    let changed = put.replace("<YOUR-BUCKET-NAME>", "corp-data");
    assert!(!fires(
        &set,
        &changed,
        "aws_iam_s3browser_templated_s3_bucket_policy_creation"
    ));
}

#[test]
fn q6_fan_out_through_arrays() {
    let set = sigmahq();
    let task = r#"{"eventSource":"ecs.amazonaws.com","eventName":"RegisterTaskDefinition","requestParameters":{"family":"f","containerDefinitions":[{"name":"a","command":["sleep","1"]},{"name":"b","command":["sh","-c","curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]}]}}"#;
    assert!(fires(&set, task, "aws_ecs_task_definition_cred_endpoint_query"));
    assert!(!fires(
        &set,
        &task.replace("$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/metadata"),
        "aws_ecs_task_definition_cred_endpoint_query"
    ));
}

#[test]
fn q8_regex_is_a_case_sensitive_search() {
    let set = sigmahq();
    let call = |arn: &str, source: &str| {
        format!(
            r#"{{"eventSource":"{source}","eventName":"ListBuckets","sourceIPAddress":"203.0.113.9","userIdentity":{{"type":"AssumedRole","arn":"{arn}"}}}}"#
        )
    };
    let imds = "aws_cloudtrail_imds_malicious_usage";
    assert!(fires(
        &set,
        &call(
            "arn:aws:sts::1:assumed-role/aws:ec2-instance/i-0abc",
            "s3.amazonaws.com"
        ),
        imds
    ));
    assert!(!fires(
        &set,
        &call(
            "arn:aws:sts::1:ASSUMED-ROLE/aws:ec2-instance/i-0abc",
            "s3.amazonaws.com"
        ),
        imds
    ));
    assert!(
        !fires(
            &set,
            &call(
                "arn:aws:sts::1:assumed-role/aws:ec2-instance/i-0abc",
                "ssm.amazonaws.com"
            ),
            imds
        ),
        "filtered"
    );
}

#[test]
fn q9_fieldref_filter_is_literal() {
    let set = sigmahq();
    let update = |user: &str| {
        format!(
            r#"{{"eventSource":"iam.amazonaws.com","eventName":"UpdateLoginProfile","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/admin"}},"requestParameters":{{"userName":"{user}"}}}}"#
        )
    };
    // An ARN never equals a user name, so the filter removes nothing …
    assert!(fires(&set, &update("admin"), "aws_update_login_profile"));
    assert!(fires(&set, &update("victim"), "aws_update_login_profile"));
    // … unless the user name is the whole ARN, which proves the comparison is made.
    assert!(!fires(
        &set,
        &update("arn:aws:iam::1:user/admin"),
        "aws_update_login_profile"
    ));
}

#[test]
fn q10_field_path_without_fieldref_is_literal_text() {
    let set = sigmahq();
    let create = |who: &str, for_user: &str| {
        format!(
            r#"{{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/{who}"}},"responseElements":{{"accessKey":{{"userName":"{for_user}"}}}}}}"#
        )
    };
    assert!(fires(&set, &create("admin", "victim"), "aws_iam_backdoor_users_keys"));
    assert!(
        fires(&set, &create("alice", "alice"), "aws_iam_backdoor_users_keys"),
        "fires on every CreateAccessKey"
    );
    let literal = create("responseElements.accessKey.userName", "x");
    assert!(
        !fires(&set, &literal, "aws_iam_backdoor_users_keys"),
        "the filter compares with the literal text"
    );
}

#[test]
fn q11_status_is_not_a_cloudtrail_field() {
    let set = sigmahq();
    let del = r#"{"eventSource":"iam.amazonaws.com","eventName":"DeleteSAMLProvider"}"#;
    assert!(!fires(&set, del, "aws_delete_saml_provider"));
    let with_status = r#"{"eventSource":"iam.amazonaws.com","eventName":"DeleteSAMLProvider","status":"success"}"#;
    assert!(
        fires(&set, with_status, "aws_delete_saml_provider"),
        "the rule works where such a field exists"
    );
}

#[test]
fn q12_assumed_role_rule_is_broad() {
    let set = sigmahq();
    let any = r#"{"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":{"type":"Role"}}}}"#;
    assert_eq!(fired(&set, any), vec!["aws_sts_assumerole_misuse".to_string()]);
}

#[test]
fn q13_user_data_without_attribute_is_missed() {
    let set = sigmahq();
    let with_attr = r#"{"eventSource":"ec2.amazonaws.com","eventName":"ModifyInstanceAttribute","requestParameters":{"instanceId":"i-1","attribute":"userData"}}"#;
    assert!(fires(&set, with_attr, "aws_ec2_startup_script_change"));
    let stratus_shape = r#"{"eventSource":"ec2.amazonaws.com","eventName":"ModifyInstanceAttribute","requestParameters":{"instanceId":"i-1","userData":"<sensitiveDataRemoved>"}}"#;
    assert!(!fires(&set, stratus_shape, "aws_ec2_startup_script_change"));
}
