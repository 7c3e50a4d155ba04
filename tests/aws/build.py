"""Build AWS accounts in an AWS-compatible server (moto) for trailguard's collect + audit tests.

    python build.py --endpoint http://127.0.0.1:PORT hardened   # an organization set up as the guides say
    python build.py --endpoint http://127.0.0.1:PORT pitfalls   # one account with the guides' common pitfalls

Prints one JSON object describing what was built (account ids, resource names).
"""

import argparse
import json
import re
import sys

import boto3

REGION = "us-east-1"
BREAK_GLASS = "arn:aws:iam::*:role/BreakGlass"

# CIS AWS Foundations v5.0.0 4.1–4.15, verbatim (remediation texts).
CIS = [
    ("UnauthorizedAPICalls", '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'),
    ("ConsoleSignInWithoutMFA", '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'),
    ("RootAccountUsage", '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'),
    ("IAMPolicyChanges", "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"),
    ("CloudTrailConfigChanges", "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"),
    ("ConsoleAuthenticationFailures", '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'),
    ("DisableOrDeleteCMK", "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"),
    ("S3BucketPolicyChanges", "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"),
    ("AWSConfigChanges", "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"),
    ("SecurityGroupChanges", "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }"),
    ("NACLChanges", "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"),
    ("NetworkGatewayChanges", "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"),
    ("RouteTableChanges", "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"),
    ("VPCChanges", "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"),
    ("OrganizationsChanges", '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }'),
]


class Env:
    def __init__(self, endpoint, session=None):
        self.endpoint = endpoint
        self.session = session or boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )

    def client(self, service, region=REGION):
        c = self.session.client(service, region_name=region, endpoint_url=self.endpoint)
        if service == "s3control":
            # S3 Control puts the account id in the host name, which a loopback endpoint
            # cannot serve: send the request to the endpoint as given.
            def strip_account(request, **_):
                request.url = re.sub(r"//\d{12}\.", "//", request.url)

            c.meta.events.register("before-sign.s3-control.*", strip_account)
        return c

    def assume(self, account, role="OrganizationAccountAccessRole"):
        c = self.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="build")[
            "Credentials"
        ]
        return Env(
            self.endpoint,
            boto3.Session(
                aws_access_key_id=c["AccessKeyId"],
                aws_secret_access_key=c["SecretAccessKey"],
                aws_session_token=c["SessionToken"],
                region_name=REGION,
            ),
        )

    def account(self):
        return self.client("sts").get_caller_identity()["Account"]


def doc(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def tamper_rule(env, name, pattern, topic):
    ev = env.client("events")
    ev.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
    ev.put_targets(Rule=name, Targets=[{"Id": "notify", "Arn": topic}])


def topic_with_subscriber(env, name):
    sns = env.client("sns")
    arn = sns.create_topic(Name=name)["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="security@example.com")
    return arn


def hardened(env):
    mgmt = env.account()
    org = env.client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    la = org.create_account(Email="log-archive@example.com", AccountName="log-archive")["CreateAccountStatus"]["AccountId"]
    wl = org.create_account(Email="workload@example.com", AccountName="workload")["CreateAccountStatus"]["AccountId"]
    trail_name = "org-trail"
    trail_arn = f"arn:aws:cloudtrail:{REGION}:{mgmt}:trail/{trail_name}"
    bucket = f"org-trail-logs-{la}"
    access_logs = f"access-logs-{la}"

    # Log-archive account: key, trail bucket, access-log bucket, Block Public Access, alerts.
    lae = env.assume(la)
    kms = lae.client("kms")
    key = kms.create_key(
        Description="CloudTrail logs",
        Policy=doc(
            [
                {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{la}:root"}, "Action": "kms:*", "Resource": "*"},
                {
                    "Sid": "AllowCloudTrailEncrypt",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*",
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceArn": trail_arn},
                        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{mgmt}:trail/*"},
                    },
                },
                {
                    "Sid": "AllowCloudTrailDescribe",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:DescribeKey",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
                },
                {
                    "Sid": "AllowLogReaders",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{la}:role/LogReader"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {"Null": {"kms:EncryptionContext:aws:cloudtrail:arn": "false"}},
                },
            ]
        ),
    )["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    s3 = lae.client("s3")
    block = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    s3.create_bucket(Bucket=access_logs)
    s3.put_public_access_block(Bucket=access_logs, PublicAccessBlockConfiguration=block)
    s3.put_bucket_versioning(Bucket=access_logs, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(
        Bucket=access_logs,
        Policy=doc(
            [
                {
                    "Sid": "S3ServerAccessLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{access_logs}/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": la}},
                }
            ]
        ),
    )
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 400}}},
    )
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=doc(
            [
                {
                    "Sid": "AWSCloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": f"arn:aws:s3:::{bucket}",
                    "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
                },
                {
                    "Sid": "AWSCloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": [f"arn:aws:s3:::{bucket}/AWSLogs/{mgmt}/*", f"arn:aws:s3:::{bucket}/AWSLogs/{org_id}/*"],
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}},
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ]
        ),
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "archive-logs",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "AWSLogs/"},
                    "Transitions": [{"Days": 90, "StorageClass": "DEEP_ARCHIVE"}],
                    "Expiration": {"Days": 2557},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 2557},
                }
            ]
        },
    )
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": access_logs, "TargetPrefix": f"{bucket}/"}})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]},
    )
    lae.client("s3control").put_public_access_block(AccountId=la, PublicAccessBlockConfiguration=block)
    la_topic = topic_with_subscriber(lae, "log-archive-alerts")
    tamper_rule(
        lae,
        "log-archive-tampering",
        {
            "source": ["aws.s3", "aws.kms"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventName": ["PutBucketLifecycle", "PutBucketPolicy", "DeleteBucket", "DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"]},
        },
        la_topic,
    )

    # Workload account: just data.
    wle = env.assume(wl)
    wle.client("s3").create_bucket(Bucket=f"workload-data-{wl}")
    wle.client("s3control").put_public_access_block(AccountId=wl, PublicAccessBlockConfiguration=block)

    # Management account: log group with the CIS filters and alarms, the organization trail,
    # tamper alerts, SCPs.
    env.client("s3control").put_public_access_block(AccountId=mgmt, PublicAccessBlockConfiguration=block)
    logs_key = env.client("kms").create_key(Description="CloudTrail log group")["KeyMetadata"]["Arn"]
    env.client("kms").enable_key_rotation(KeyId=logs_key)
    logs = env.client("logs")
    group = "aws-cloudtrail-logs-org"
    logs.create_log_group(logGroupName=group, kmsKeyId=logs_key)
    logs.put_retention_policy(logGroupName=group, retentionInDays=400)
    group_arn = f"arn:aws:logs:{REGION}:{mgmt}:log-group:{group}:*"
    role = env.client("iam").create_role(
        RoleName="CloudTrailToCloudWatchLogs",
        AssumeRolePolicyDocument=doc([{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
    )["Role"]["Arn"]
    topic = topic_with_subscriber(env, "cis-alarms")
    cw = env.client("cloudwatch")
    for metric, pattern in CIS:
        logs.put_metric_filter(
            logGroupName=group,
            filterName=metric,
            filterPattern=pattern,
            metricTransformations=[{"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}],
        )
        cw.put_metric_alarm(
            AlarmName=metric,
            MetricName=metric,
            Namespace="CISBenchmark",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            ActionsEnabled=True,
            AlarmActions=[topic],
        )
    ct = env.client("cloudtrail")
    ct.create_trail(
        Name=trail_name,
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        IsOrganizationTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role,
        TagsList=[{"Key": "owner", "Value": "security"}],
    )
    ct.put_event_selectors(
        TrailName=trail_name,
        AdvancedEventSelectors=[
            {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            {
                "Name": "S3 object events",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                ],
            },
        ],
    )
    ct.put_insight_selectors(TrailName=trail_name, InsightSelectors=[{"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}])
    ct.start_logging(Name=trail_name)
    tamper_rule(
        env,
        "trail-tampering",
        {
            "source": ["aws.cloudtrail"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventSource": ["cloudtrail.amazonaws.com"], "eventName": ["PutEventSelectors", "PutInsightSelectors", "DeleteEventDataStore", "StopLogging", "DeleteTrail", "UpdateTrail"]},
        },
        topic,
    )
    exempt = {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}
    protect_ct = org.create_policy(
        Name="protect-cloudtrail",
        Type="SERVICE_CONTROL_POLICY",
        Description="Deny trail tampering except for the break-glass role",
        Content=doc(
            [
                {
                    "Sid": "DenyTrailTampering",
                    "Effect": "Deny",
                    "Action": [
                        "cloudtrail:StopLogging",
                        "cloudtrail:DeleteTrail",
                        "cloudtrail:UpdateTrail",
                        "cloudtrail:PutEventSelectors",
                        "cloudtrail:PutInsightSelectors",
                        "cloudtrail:DeleteEventDataStore",
                    ],
                    "Resource": "*",
                    "Condition": exempt,
                }
            ]
        ),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=protect_ct, TargetId=root)
    protect_la = org.create_policy(
        Name="protect-log-archive",
        Type="SERVICE_CONTROL_POLICY",
        Description="Deny destroying the trail key and bucket",
        Content=doc(
            [
                {"Effect": "Deny", "Action": ["kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"], "Resource": key, "Condition": exempt},
                {
                    "Effect": "Deny",
                    "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration"],
                    "Resource": f"arn:aws:s3:::{bucket}",
                    "Condition": exempt,
                },
            ]
        ),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=protect_la, TargetId=la)
    return {
        "management": mgmt,
        "log_archive": la,
        "workload": wl,
        "organization": org_id,
        "trail_arn": trail_arn,
        "bucket": bucket,
        "key": key,
        "log_group": group,
    }


def pitfalls(env):
    acct = env.account()
    s3 = env.client("s3")
    bucket = f"pitfall-trail-logs-{acct}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=doc(
            [
                {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
                {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
            ]
        ),
    )
    # The guides' pitfalls: a single-region trail, no validation, SSE-S3, write-only management
    # events, no data events, no CloudWatch Logs, no alarms, no Insights.
    eu = env.client("cloudtrail", "eu-west-1")
    eu.create_trail(Name="app-trail", S3BucketName=bucket)
    eu.put_event_selectors(TrailName="app-trail", EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    eu.start_logging(Name="app-trail")
    # A forgotten trail whose bucket was deleted (its name is free for anyone to take).
    gone = f"legacy-trail-logs-{acct}"
    s3.create_bucket(Bucket=gone)
    env.client("cloudtrail").create_trail(Name="legacy-trail", S3BucketName=gone)
    s3.delete_bucket(Bucket=gone)
    # A bucket that still accepts CloudTrail deliveries but no trail uses.
    orphan = f"old-cloudtrail-{acct}"
    s3.create_bucket(Bucket=orphan)
    s3.put_bucket_policy(
        Bucket=orphan,
        Policy=doc(
            [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{orphan}/AWSLogs/{acct}/*"}]
        ),
    )
    # A customer policy that lets its holders stop the trail.
    iam = env.client("iam")
    pol = iam.create_policy(
        PolicyName="ops-cloudtrail-admin",
        PolicyDocument=doc([{"Effect": "Allow", "Action": "cloudtrail:*", "Resource": "*"}]),
    )["Policy"]["Arn"]
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole"}]))
    iam.attach_role_policy(RoleName="ops", PolicyArn=pol)
    return {"account": acct, "bucket": bucket, "missing_bucket": gone, "orphan_bucket": orphan, "policy": pol}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("what", choices=["hardened", "hardened-weak-alarms", "pitfalls"])
    a = p.parse_args()
    env = Env(a.endpoint)
    if a.what == "pitfalls":
        out = pitfalls(env)
    else:
        out = hardened(env)
        if a.what == "hardened-weak-alarms":
            # Two of the CIS alarms weakened after the fact: one keeps its metric filter but
            # its actions are disabled, the other alarm is deleted.
            cw = env.client("cloudwatch")
            cw.disable_alarm_actions(AlarmNames=["RootAccountUsage"])
            cw.delete_alarms(AlarmNames=["CloudTrailConfigChanges"])
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
