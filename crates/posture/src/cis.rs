//! The CIS AWS Foundations monitoring controls (log metric filter + alarm): their numbers in
//! each benchmark version and the filter patterns each version prescribes, verbatim.
//!
//! Sources of the texts: the CIS benchmarks v1.2.0–v7.0 as transcribed by prowler-cloud/prowler
//! and turbot/steampipe-mod-aws-compliance, and the Security Hub CloudWatch.1–14 remediation
//! text (= CIS v1.2.0). Where transcriptions or audit and remediation steps disagree, every
//! published text of a version is listed: a filter satisfies the version when it covers any of
//! them.

/// The CIS versions trailguard knows, oldest first.
pub const VERSIONS: &[&str] = &["1.2.0", "1.4.0", "3.0.0", "4.0.1", "5.0.0", "6.0.0", "7.0.0"];

/// The version used when none is chosen.
pub const DEFAULT_VERSION: &str = "5.0.0";

/// One monitoring control.
#[derive(Clone, Copy, Debug)]
pub struct Control {
    /// Position 1–15 (4.1–4.15 in v3.0–v5.0).
    pub index: u8,
    /// Short subject (`unauthorized API calls`).
    pub subject: &'static str,
    /// Security Hub control (`CloudWatch.2`), if any.
    pub securityhub: Option<&'static str>,
    /// Prowler check id.
    pub prowler: &'static str,
    /// Trivy id.
    pub trivy: &'static str,
    /// The patterns per version: `(versions, texts)`.
    pub patterns: &'static [(&'static [&'static str], &'static [&'static str])],
}

impl Control {
    /// The section number in a CIS version (`4.1`, `5.1`, `3.1`).
    pub fn section(&self, version: &str) -> Option<String> {
        let major = match version {
            "1.2.0" => {
                if self.index > 14 {
                    return None;
                }
                3
            }
            "1.4.0" | "1.5.0" | "2.0.0" | "3.0.0" | "4.0.1" | "5.0.0" => 4,
            "6.0.0" | "7.0.0" => 5,
            _ => return None,
        };
        // v1.2.0 numbers unauthorized-API first, then no-MFA, root, … like later versions.
        Some(format!("{major}.{}", self.index))
    }

    /// The published patterns of `version` (empty when the version has no such control).
    pub fn patterns(&self, version: &str) -> &'static [&'static str] {
        self.patterns
            .iter()
            .find(|(vs, _)| vs.contains(&version))
            .map(|(_, p)| *p)
            .unwrap_or(&[])
    }

    /// The compliance mappings of the control (`cis-aws-5.0.0:4.3`, `securityhub:CloudWatch.1`, …).
    pub fn mappings(&self) -> Vec<String> {
        let mut m: Vec<String> = VERSIONS
            .iter()
            .filter(|v| !self.patterns(v).is_empty())
            .filter_map(|v| self.section(v).map(|s| format!("cis-aws-{v}:{s}")))
            .collect();
        if let Some(sh) = self.securityhub {
            m.push(format!("securityhub:{sh}"));
        }
        m.push(format!("prowler:{}", self.prowler));
        m.push(format!("trivy:{}", self.trivy));
        m
    }
}

const ALL: &[&str] = VERSIONS;
const FROM_1_4: &[&str] = &["1.4.0", "3.0.0", "4.0.1", "5.0.0", "6.0.0", "7.0.0"];
const FROM_1_4_NO_12: &[&str] = FROM_1_4;
const LATER: &[&str] = &["1.4.0", "3.0.0", "4.0.1", "5.0.0", "6.0.0", "7.0.0"];

/// The fifteen controls, in order.
pub const CONTROLS: [Control; 15] = [
    Control {
        index: 1,
        subject: "unauthorized API calls",
        securityhub: Some("CloudWatch.2"),
        prowler: "cloudwatch_log_metric_filter_unauthorized_api_calls",
        trivy: "AVD-AWS-0147",
        patterns: &[
            (
                &["1.2.0"],
                &[r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#],
            ),
            (
                &["1.4.0"],
                &[
                    r#"{ ($.errorCode = *UnauthorizedOperation) || ($.errorCode = AccessDenied*) || ($.sourceIPAddress!=delivery.logs.amazonaws.com) || ($.eventName!=HeadBucket) }"#,
                    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }"#,
                ],
            ),
            (
                &["3.0.0"],
                &[
                    r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
                    r#"{ ($.errorCode = *UnauthorizedOperation) || ($.errorCode = AccessDenied*) || ($.sourceIPAddress!=delivery.logs.amazonaws.com) || ($.eventName!=HeadBucket) }"#,
                ],
            ),
            (
                &["4.0.1", "5.0.0"],
                &[
                    r#"{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
                ],
            ),
            (
                &["6.0.0", "7.0.0"],
                &[
                    r#"{ ($.errorCode="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
                ],
            ),
        ],
    },
    Control {
        index: 2,
        subject: "management console sign-in without MFA",
        securityhub: Some("CloudWatch.3"),
        prowler: "cloudwatch_log_metric_filter_sign_in_without_mfa",
        trivy: "AVD-AWS-0148",
        patterns: &[
            (
                &["1.2.0"],
                &[
                    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
                    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
                ],
            ),
            (
                LATER,
                &[
                    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
                    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
                ],
            ),
        ],
    },
    Control {
        index: 3,
        subject: "usage of the 'root' account",
        securityhub: Some("CloudWatch.1"),
        prowler: "cloudwatch_log_metric_filter_root_usage",
        trivy: "AVD-AWS-0149",
        patterns: &[
            (
                &["1.2.0"],
                &[
                    r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#,
                    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
                ],
            ),
            (
                LATER,
                &[
                    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
                ],
            ),
        ],
    },
    Control {
        index: 4,
        subject: "IAM policy changes",
        securityhub: Some("CloudWatch.4"),
        prowler: "cloudwatch_log_metric_filter_policy_changes",
        trivy: "AVD-AWS-0150",
        patterns: &[(
            ALL,
            &[
                r#"{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"#,
            ],
        )],
    },
    Control {
        index: 5,
        subject: "CloudTrail configuration changes",
        securityhub: Some("CloudWatch.5"),
        prowler: "cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled",
        trivy: "AVD-AWS-0151",
        patterns: &[(
            ALL,
            &[
                r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"#,
            ],
        )],
    },
    Control {
        index: 6,
        subject: "AWS Management Console authentication failures",
        securityhub: Some("CloudWatch.6"),
        prowler: "cloudwatch_log_metric_filter_authentication_failures",
        trivy: "AVD-AWS-0152",
        patterns: &[(
            ALL,
            &[r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#],
        )],
    },
    Control {
        index: 7,
        subject: "disabling or scheduled deletion of customer created CMKs",
        securityhub: Some("CloudWatch.7"),
        prowler: "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
        trivy: "AVD-AWS-0153",
        patterns: &[(
            ALL,
            &[
                r#"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"#,
            ],
        )],
    },
    Control {
        index: 8,
        subject: "S3 bucket policy changes",
        securityhub: Some("CloudWatch.8"),
        prowler: "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
        trivy: "AVD-AWS-0154",
        patterns: &[(
            ALL,
            &[
                r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"#,
            ],
        )],
    },
    Control {
        index: 9,
        subject: "AWS Config configuration changes",
        securityhub: Some("CloudWatch.9"),
        prowler: "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
        trivy: "AVD-AWS-0155",
        patterns: &[(
            ALL,
            &[
                r#"{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"#,
            ],
        )],
    },
    Control {
        index: 10,
        subject: "security group changes",
        securityhub: Some("CloudWatch.10"),
        prowler: "cloudwatch_log_metric_filter_security_group_changes",
        trivy: "AVD-AWS-0156",
        patterns: &[
            (
                &["1.2.0", "1.4.0", "3.0.0", "4.0.1"],
                &[
                    r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"#,
                ],
            ),
            (
                &["5.0.0", "6.0.0", "7.0.0"],
                &[
                    r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }"#,
                ],
            ),
        ],
    },
    Control {
        index: 11,
        subject: "changes to Network Access Control Lists (NACL)",
        securityhub: Some("CloudWatch.11"),
        prowler: "cloudwatch_changes_to_network_acls_alarm_configured",
        trivy: "AVD-AWS-0157",
        patterns: &[(
            ALL,
            &[
                r#"{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"#,
            ],
        )],
    },
    Control {
        index: 12,
        subject: "changes to network gateways",
        securityhub: Some("CloudWatch.12"),
        prowler: "cloudwatch_changes_to_network_gateways_alarm_configured",
        trivy: "AVD-AWS-0158",
        patterns: &[(
            ALL,
            &[
                r#"{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"#,
            ],
        )],
    },
    Control {
        index: 13,
        subject: "route table changes",
        securityhub: Some("CloudWatch.13"),
        prowler: "cloudwatch_changes_to_network_route_tables_alarm_configured",
        trivy: "AVD-AWS-0159",
        patterns: &[
            (
                &["1.2.0", "1.4.0"],
                &[
                    r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
                ],
            ),
            (
                &["3.0.0", "4.0.1", "5.0.0", "6.0.0", "7.0.0"],
                &[
                    r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
                    r#"{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
                ],
            ),
        ],
    },
    Control {
        index: 14,
        subject: "VPC changes",
        securityhub: Some("CloudWatch.14"),
        prowler: "cloudwatch_changes_to_vpcs_alarm_configured",
        trivy: "AVD-AWS-0160",
        patterns: &[(
            ALL,
            &[
                r#"{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"#,
            ],
        )],
    },
    Control {
        index: 15,
        subject: "AWS Organizations changes",
        securityhub: None,
        prowler: "cloudwatch_log_metric_filter_aws_organizations_changes",
        trivy: "AVD-AWS-0174",
        patterns: &[(
            FROM_1_4_NO_12,
            &[
                r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
            ],
        )],
    },
];

/// Security Hub's CloudWatch.1–14 texts (its remediation text, = CIS v1.2.0), used by
/// `--strict-exact`: Security Hub fails any filter that is not one of these, exactly.
pub fn securityhub_pattern(control: &Control) -> Option<&'static str> {
    let sh = control.securityhub?;
    let text = match sh {
        "CloudWatch.1" => {
            r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#
        }
        "CloudWatch.2" => r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#,
        "CloudWatch.3" => {
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#
        }
        "CloudWatch.4" => {
            r#"{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}"#
        }
        "CloudWatch.5" => {
            r#"{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}"#
        }
        "CloudWatch.6" => r#"{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}"#,
        "CloudWatch.7" => {
            r#"{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}"#
        }
        "CloudWatch.8" => {
            r#"{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}"#
        }
        "CloudWatch.9" => {
            r#"{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}"#
        }
        "CloudWatch.10" => {
            r#"{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}"#
        }
        "CloudWatch.11" => {
            r#"{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}"#
        }
        "CloudWatch.12" => {
            r#"{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}"#
        }
        "CloudWatch.13" => {
            r#"{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}"#
        }
        "CloudWatch.14" => {
            r#"{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}"#
        }
        _ => return None,
    };
    Some(text)
}

/// Whether `version` is one trailguard knows.
pub fn is_known_version(version: &str) -> bool {
    VERSIONS.contains(&version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_has_patterns_in_every_modern_version() {
        for c in &CONTROLS {
            for v in &VERSIONS[1..] {
                assert!(!c.patterns(v).is_empty(), "control {} has no pattern in v{v}", c.index);
            }
            for p in c.patterns.iter().flat_map(|(_, p)| p.iter()) {
                assert!(p.trim_start().starts_with('{') && p.trim_end().ends_with('}'), "{p}");
            }
        }
        assert!(CONTROLS[14].patterns("1.2.0").is_empty());
        assert_eq!(CONTROLS[0].section("5.0.0").as_deref(), Some("4.1"));
        assert_eq!(CONTROLS[0].section("6.0.0").as_deref(), Some("5.1"));
        assert_eq!(CONTROLS[2].section("1.2.0").as_deref(), Some("3.3"));
        assert!(CONTROLS[9].patterns("5.0.0")[0].contains("ModifySecurityGroupRules"));
        assert!(!CONTROLS[9].patterns("4.0.1")[0].contains("ModifySecurityGroupRules"));
    }

    /// Every published pattern, rewritten the ways other transcriptions write it (quotes added
    /// or removed around plain values, spacing changed), covers itself; the same pattern with an
    /// alternative dropped or a narrowing condition added does not. Decided by the pattern
    /// engine, not by text.
    #[test]
    fn published_patterns_are_judged_by_meaning() {
        use crate::coverage::{Coverage, covers};
        for c in &CONTROLS {
            for v in VERSIONS {
                for p in c.patterns(v) {
                    // Transcription noise: no quotes around values, no spaces around `=`.
                    let unquoted = p.replace('"', "").replace(" = ", "=").replace(" =", "=");
                    let bare_value_patterns = !p.contains("Failed authentication") && !p.contains(".logs.amazonaws");
                    if bare_value_patterns {
                        assert!(
                            matches!(covers(&unquoted, p), Coverage::Covers { .. }),
                            "control {} v{v}: {unquoted} should cover {p}: {:?}",
                            c.index,
                            covers(&unquoted, p)
                        );
                    }
                    // A narrowing extra condition never covers.
                    let inner = p.trim().trim_start_matches('{').trim_end_matches('}');
                    let narrowed = format!("{{ ({inner}) && ($.awsRegion = \"eu-west-1\") }}");
                    assert!(
                        matches!(covers(&narrowed, p), Coverage::DoesNotCover { .. }),
                        "control {} v{v}: {narrowed} must not cover {p}",
                        c.index
                    );
                    // Dropping the last `||` alternative of an eventName list never covers.
                    if let Some(cut) = p.rfind("|| ($.eventName") {
                        let end = p[cut..].find(')').map(|e| cut + e + 1).unwrap_or(p.len());
                        let dropped = format!("{}{}", &p[..cut], &p[end..]);
                        assert!(
                            !matches!(covers(&dropped, p), Coverage::Covers { .. }),
                            "control {} v{v}: {dropped} must not cover {p}",
                            c.index
                        );
                    }
                }
            }
        }
    }
}
