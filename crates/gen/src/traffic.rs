//! Clean background traffic: who calls what, how often, and from where.
//!
//! Two classes of callers share the volume: *machine* traffic (workload roles, agents, AWS
//! services, integrations) runs around the clock with a nightly batch bump; *human* traffic
//! (people through Identity Center, IAM users on the command line and in the console, CI
//! pipelines) follows working hours and weekdays in each account's time zone. Each class has a
//! fixed weighted table of (caller, API) entries, so per-API rates are steady relative to the
//! class volume and anomaly detectors have a learnable baseline.
//!
//! Clean traffic never contains root activity, failed or MFA-less console sign-ins, IAM policy
//! changes, access-key creation, security-group changes, CloudTrail / KMS-key / log-bucket
//! changes, or long-term keys used from addresses other than their owner's.

use std::borrow::Cow;

use rand::Rng;
use trailguard_model::time::Timestamp;

use crate::api::{self, Api, Scope};
use crate::ctx::{INSTANCES, kind};
use crate::ids::{self, GenRng, hash, hash_str, tag};
use crate::record::{IdKind, Ident, Issuer};
use crate::world::{Account, ECS_AGENT, RoleKind, SSM_AGENT, UserKind, World};

/// Who makes a background call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Who {
    /// A workload role session (EC2, Lambda, ECS, EKS), through NAT or a VPC endpoint.
    AppRole,
    /// The SSM agent on an instance (instance-profile session).
    SsmAgent,
    /// The ECS container agent.
    EcsAgent,
    /// The Lambda service assuming an execution role.
    LambdaService,
    /// A Lambda runtime using its execution role.
    LambdaRuntime,
    /// A Kubernetes pod with a web identity token.
    EksPod,
    /// A service-linked role session of an AWS service.
    ServiceRole(&'static str, &'static str, &'static str),
    /// An AWS service acting on its own.
    Service(&'static str),
    /// A workload role's request forwarded by an AWS service (`invokedBy`).
    OnBehalf(&'static str),
    /// An AWS service event without a caller type.
    ServiceEvent(&'static str),
    /// A person's IAM user on the command line.
    HumanCli,
    /// A person's IAM user in the console.
    HumanConsole,
    /// A person's IAM user signing in to the console (with MFA).
    ConsoleLogin,
    /// A CI / infrastructure-as-code IAM user.
    Ci,
    /// A third-party integration IAM user.
    Integration,
    /// A person through Identity Center, command line.
    SsoCli,
    /// A person through Identity Center, console.
    SsoConsole,
    /// An Identity Center user in the access portal / sign-in.
    IdcUser,
    /// The management account's CI assuming this account's deployment role (the record as
    /// the role's owner receives it: `AWSAccount` caller, `sharedEventID`).
    CrossAccountDeploy,
}

/// One weighted (caller, API) pair.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) who: Who,
    pub(crate) api: &'static Api,
    /// Relative weight (tenths).
    pub(crate) weight: u32,
    /// Only in the management account.
    pub(crate) mgmt_only: bool,
}

const fn e(who: Who, api: &'static Api, weight: u32) -> Entry {
    Entry {
        who,
        api,
        weight,
        mgmt_only: false,
    }
}

const fn m(who: Who, api: &'static Api, weight: u32) -> Entry {
    Entry {
        who,
        api,
        weight,
        mgmt_only: true,
    }
}

const CONFIG: Who = Who::ServiceRole("config.amazonaws.com", "AWSServiceRoleForConfig", "AWSConfig-Describe");
const SECHUB: Who = Who::ServiceRole(
    "securityhub.amazonaws.com",
    "AWSServiceRoleForSecurityHub",
    "SecurityHubSession",
);
const ASG: Who = Who::ServiceRole(
    "autoscaling.amazonaws.com",
    "AWSServiceRoleForAutoScaling",
    "AutoScaling",
);
const BACKUP: Who = Who::ServiceRole(
    "backup.amazonaws.com",
    "AWSServiceRoleForBackup",
    "AWSBackup-AWSServiceRoleForBackup",
);
const ECS_SLR: Who = Who::ServiceRole("ecs.amazonaws.com", "AWSServiceRoleForECS", "ecs-service-scheduler");
const EVENTS: Who = Who::ServiceRole(
    "events.amazonaws.com",
    "eventbridge-invoke-stepfunctions",
    "events-invoke",
);

use crate::api::*;

/// Machine traffic (around the clock).
static MACHINE: &[Entry] = &[
    e(Who::AppRole, &KMS_DECRYPT, 600),
    e(Who::AppRole, &KMS_GENERATE_DATA_KEY, 300),
    e(Who::AppRole, &KMS_ENCRYPT, 80),
    e(Who::AppRole, &SECRETS_GET_SECRET_VALUE, 120),
    e(Who::AppRole, &SSM_GET_PARAMETER, 250),
    e(Who::AppRole, &SSM_GET_PARAMETERS_BY_PATH, 80),
    e(Who::AppRole, &DDB_DESCRIBE_TABLE, 100),
    e(Who::AppRole, &SQS_GET_QUEUE_ATTRIBUTES, 150),
    e(Who::AppRole, &SNS_GET_TOPIC_ATTRIBUTES, 40),
    e(Who::AppRole, &STS_GET_CALLER_IDENTITY, 60),
    e(Who::AppRole, &S3_HEAD_BUCKET, 60),
    e(Who::AppRole, &S3_GET_BUCKET_LOCATION, 50),
    e(Who::AppRole, &EC2_DESCRIBE_INSTANCES, 40),
    e(Who::AppRole, &EC2_DESCRIBE_TAGS, 40),
    e(Who::AppRole, &EC2_CREATE_TAGS, 20),
    e(Who::AppRole, &ECR_GET_AUTHORIZATION_TOKEN, 60),
    e(Who::AppRole, &ECR_BATCH_GET_IMAGE, 60),
    e(Who::AppRole, &CW_GET_METRIC_DATA, 50),
    e(Who::AppRole, &ATHENA_START_QUERY, 20),
    e(Who::AppRole, &ATHENA_GET_QUERY_EXECUTION, 60),
    e(Who::AppRole, &GLUE_GET_TABLE, 40),
    e(Who::AppRole, &S3_GET_OBJECT, 1100),
    e(Who::AppRole, &S3_PUT_OBJECT, 450),
    e(Who::AppRole, &LAMBDA_INVOKE, 250),
    e(Who::OnBehalf("s3.amazonaws.com"), &KMS_DECRYPT, 250),
    e(Who::OnBehalf("s3.amazonaws.com"), &KMS_GENERATE_DATA_KEY, 150),
    e(Who::OnBehalf("secretsmanager.amazonaws.com"), &KMS_DECRYPT, 80),
    e(Who::SsmAgent, &SSM_UPDATE_INSTANCE_INFORMATION, 200),
    e(Who::SsmAgent, &SSM_LIST_INSTANCE_ASSOCIATIONS, 120),
    e(Who::EcsAgent, &ECS_SUBMIT_TASK_STATE_CHANGE, 60),
    e(Who::EcsAgent, &ECS_DISCOVER_POLL_ENDPOINT, 80),
    e(Who::LambdaService, &STS_ASSUME_ROLE, 150),
    e(Who::LambdaRuntime, &LOGS_CREATE_LOG_STREAM, 120),
    e(Who::EksPod, &STS_ASSUME_ROLE_WEB_IDENTITY, 60),
    e(CONFIG, &EC2_DESCRIBE_INSTANCES, 50),
    e(CONFIG, &EC2_DESCRIBE_SGS, 40),
    e(CONFIG, &EC2_DESCRIBE_VOLUMES, 30),
    e(CONFIG, &EC2_DESCRIBE_VPCS, 20),
    e(CONFIG, &EC2_DESCRIBE_SUBNETS, 20),
    e(CONFIG, &EC2_DESCRIBE_NICS, 20),
    e(CONFIG, &EC2_DESCRIBE_ROUTE_TABLES, 20),
    e(CONFIG, &S3_GET_BUCKET_ACL, 30),
    e(CONFIG, &S3_GET_BUCKET_POLICY, 30),
    e(CONFIG, &S3_GET_BUCKET_VERSIONING, 20),
    e(CONFIG, &S3_GET_BUCKET_ENCRYPTION, 20),
    e(CONFIG, &S3_GET_BUCKET_TAGGING, 20),
    e(CONFIG, &S3_GET_PAB, 20),
    e(CONFIG, &S3_GET_BUCKET_LOGGING, 10),
    e(CONFIG, &IAM_GET_ROLE, 20),
    e(CONFIG, &IAM_LIST_ATTACHED_ROLE_POLICIES, 20),
    e(CONFIG, &IAM_LIST_ROLE_POLICIES, 20),
    e(CONFIG, &IAM_GET_POLICY, 10),
    e(CONFIG, &IAM_GET_POLICY_VERSION, 10),
    e(CONFIG, &RDS_DESCRIBE_DB_INSTANCES, 20),
    e(CONFIG, &LAMBDA_GET_FUNCTION, 20),
    e(CONFIG, &KMS_DESCRIBE_KEY, 20),
    e(CONFIG, &ELB_DESCRIBE_LOAD_BALANCERS, 10),
    e(Who::LambdaRuntime, &CONFIG_PUT_EVALUATIONS, 30),
    e(SECHUB, &CLOUDTRAIL_DESCRIBE_TRAILS, 20),
    e(SECHUB, &CLOUDTRAIL_GET_TRAIL_STATUS, 20),
    e(SECHUB, &GUARDDUTY_LIST_DETECTORS, 10),
    e(SECHUB, &CONFIG_DESCRIBE_RULES, 10),
    e(SECHUB, &IAM_GET_ACCOUNT_SUMMARY, 10),
    e(SECHUB, &ACM_DESCRIBE_CERTIFICATE, 10),
    e(ASG, &EC2_DESCRIBE_INSTANCE_STATUS, 30),
    e(ASG, &EC2_RUN_INSTANCES, 8),
    e(ASG, &EC2_TERMINATE_INSTANCES, 8),
    e(ASG, &EC2_DESCRIBE_LAUNCH_TEMPLATES, 10),
    e(ASG, &ELB_REGISTER_TARGETS, 8),
    e(BACKUP, &EC2_CREATE_SNAPSHOT, 6),
    e(BACKUP, &EC2_DESCRIBE_SNAPSHOTS, 10),
    e(BACKUP, &RDS_DESCRIBE_DB_SNAPSHOTS, 10),
    e(ECS_SLR, &ELB_DESCRIBE_TARGET_HEALTH, 30),
    e(ECS_SLR, &ELB_REGISTER_TARGETS, 8),
    e(EVENTS, &STATES_START_EXECUTION, 30),
    m(Who::Service("cloudtrail.amazonaws.com"), &KMS_TRAIL_DATA_KEY, 40),
    m(Who::Service("cloudtrail.amazonaws.com"), &S3_TRAIL_ACL, 20),
    e(Who::ServiceEvent("kms.amazonaws.com"), &KMS_ROTATE_KEY, 8),
    e(
        Who::ServiceEvent("secretsmanager.amazonaws.com"),
        &SECRETS_ROTATION_SUCCEEDED,
        15,
    ),
    e(Who::Integration, &CW_GET_METRIC_DATA, 480),
    e(Who::Integration, &CW_DESCRIBE_ALARMS, 80),
    e(Who::Integration, &EC2_DESCRIBE_INSTANCES, 160),
    e(Who::Integration, &ELB_DESCRIBE_TARGET_HEALTH, 80),
    e(Who::Integration, &RDS_DESCRIBE_DB_INSTANCES, 80),
    e(Who::Integration, &SQS_LIST_QUEUES, 80),
    e(Who::Integration, &LAMBDA_LIST_FUNCTIONS, 80),
    e(Who::Integration, &HEALTH_DESCRIBE_EVENT_AGGREGATES, 40),
];

/// Human traffic (working hours).
static HUMAN: &[Entry] = &[
    e(Who::SsoCli, &EC2_DESCRIBE_INSTANCES, 100),
    e(Who::SsoCli, &STS_GET_CALLER_IDENTITY, 60),
    e(Who::SsoCli, &S3_LIST_BUCKETS, 40),
    e(Who::SsoCli, &LOGS_FILTER_LOG_EVENTS, 40),
    e(Who::SsoCli, &CFN_DESCRIBE_STACKS, 50),
    e(Who::SsoCli, &CFN_DESCRIBE_STACK_EVENTS, 30),
    e(Who::SsoCli, &ECS_DESCRIBE_SERVICES, 30),
    e(Who::SsoCli, &ECS_LIST_TASKS, 30),
    e(Who::SsoCli, &EKS_DESCRIBE_CLUSTER, 30),
    e(Who::SsoCli, &SSM_GET_PARAMETER, 20),
    e(Who::SsoCli, &SSM_DESCRIBE_PARAMETERS, 10),
    e(Who::SsoCli, &SECRETS_DESCRIBE_SECRET, 10),
    e(Who::SsoCli, &SECRETS_LIST_SECRETS, 10),
    e(Who::SsoCli, &SECRETS_GET_SECRET_VALUE, 10),
    e(Who::SsoCli, &LAMBDA_LIST_FUNCTIONS, 20),
    e(Who::SsoCli, &LAMBDA_GET_FUNCTION, 20),
    e(Who::SsoCli, &DDB_LIST_TABLES, 10),
    e(Who::SsoCli, &RDS_DESCRIBE_DB_INSTANCES, 20),
    e(Who::SsoCli, &EC2_START_INSTANCES, 5),
    e(Who::SsoCli, &EC2_STOP_INSTANCES, 5),
    e(Who::SsoCli, &EC2_CREATE_TAGS, 10),
    e(Who::SsoCli, &IAM_LIST_ROLES, 10),
    e(Who::SsoCli, &IAM_GET_ROLE, 10),
    e(Who::SsoCli, &ROUTE53_LIST_HOSTED_ZONES, 10),
    e(Who::SsoCli, &CLOUDTRAIL_LOOKUP_EVENTS, 10),
    e(Who::SsoConsole, &CW_GET_METRIC_DATA, 120),
    e(Who::SsoConsole, &EC2_DESCRIBE_INSTANCES, 60),
    e(Who::SsoConsole, &EC2_DESCRIBE_INSTANCE_STATUS, 30),
    e(Who::SsoConsole, &EC2_DESCRIBE_SGS, 20),
    e(Who::SsoConsole, &EC2_DESCRIBE_VPCS, 20),
    e(Who::SsoConsole, &EC2_DESCRIBE_SUBNETS, 20),
    e(Who::SsoConsole, &EC2_DESCRIBE_AZS, 20),
    e(Who::SsoConsole, &EC2_DESCRIBE_IMAGES, 10),
    e(Who::SsoConsole, &S3_LIST_BUCKETS, 30),
    e(Who::SsoConsole, &S3_GET_BUCKET_LOCATION, 20),
    e(Who::SsoConsole, &S3_GET_BUCKET_ACL, 10),
    e(Who::SsoConsole, &S3_GET_BUCKET_VERSIONING, 10),
    e(Who::SsoConsole, &S3_GET_PAB, 10),
    e(Who::SsoConsole, &S3_GET_OBJECT, 20),
    e(Who::SsoConsole, &LOGS_DESCRIBE_LOG_GROUPS, 30),
    e(Who::SsoConsole, &LOGS_FILTER_LOG_EVENTS, 30),
    e(Who::SsoConsole, &CW_DESCRIBE_ALARMS, 30),
    e(Who::SsoConsole, &CFN_DESCRIBE_STACKS, 20),
    e(Who::SsoConsole, &CFN_DESCRIBE_STACK_EVENTS, 20),
    e(Who::SsoConsole, &LAMBDA_LIST_FUNCTIONS, 20),
    e(Who::SsoConsole, &LAMBDA_GET_FUNCTION_CONFIGURATION, 20),
    e(Who::SsoConsole, &HEALTH_DESCRIBE_EVENT_AGGREGATES, 20),
    e(Who::SsoConsole, &IAM_GET_ACCOUNT_SUMMARY, 10),
    e(Who::SsoConsole, &IAM_LIST_USERS, 10),
    e(Who::SsoConsole, &IAM_LIST_ROLES, 10),
    e(Who::SsoConsole, &ECS_DESCRIBE_SERVICES, 10),
    e(Who::SsoConsole, &RDS_DESCRIBE_DB_INSTANCES, 10),
    e(Who::SsoConsole, &CLOUDTRAIL_LOOKUP_EVENTS, 10),
    e(Who::SsoConsole, &GUARDDUTY_LIST_FINDINGS, 10),
    e(Who::SsoConsole, &ASG_DESCRIBE_GROUPS, 10),
    e(Who::SsoConsole, &ASG_DESCRIBE_ACTIVITIES, 10),
    e(Who::SsoConsole, &ELB_DESCRIBE_LOAD_BALANCERS, 10),
    e(Who::SsoConsole, &ELB_DESCRIBE_TARGET_HEALTH, 10),
    e(Who::SsoConsole, &KMS_LIST_ALIASES, 5),
    e(Who::SsoConsole, &SNS_LIST_TOPICS, 5),
    e(Who::SsoConsole, &EVENTS_LIST_RULES, 5),
    m(Who::SsoConsole, &ORGS_LIST_ACCOUNTS, 10),
    m(Who::SsoConsole, &ORGS_DESCRIBE_ACCOUNT, 10),
    m(Who::SsoConsole, &ORGS_DESCRIBE_ORGANIZATION, 10),
    e(Who::HumanCli, &EC2_DESCRIBE_INSTANCES, 60),
    e(Who::HumanCli, &S3_LIST_BUCKETS, 40),
    e(Who::HumanCli, &STS_GET_CALLER_IDENTITY, 60),
    e(Who::HumanCli, &LOGS_FILTER_LOG_EVENTS, 20),
    e(Who::HumanCli, &SSM_GET_PARAMETER, 20),
    e(Who::HumanCli, &ECS_LIST_TASKS, 20),
    e(Who::HumanCli, &EKS_DESCRIBE_CLUSTER, 20),
    e(Who::HumanCli, &LAMBDA_LIST_FUNCTIONS, 20),
    e(Who::HumanCli, &IAM_GET_USER, 20),
    e(Who::HumanCli, &IAM_LIST_ACCESS_KEYS, 10),
    e(Who::HumanCli, &IAM_LIST_MFA_DEVICES, 10),
    e(Who::HumanCli, &STS_ASSUME_ROLE_GLOBAL, 20),
    e(Who::HumanCli, &EC2_CREATE_TAGS, 6),
    e(Who::HumanConsole, &CW_GET_METRIC_DATA, 20),
    e(Who::HumanConsole, &EC2_DESCRIBE_INSTANCES, 10),
    e(Who::HumanConsole, &S3_LIST_BUCKETS, 10),
    e(Who::HumanConsole, &HEALTH_DESCRIBE_EVENT_AGGREGATES, 5),
    e(Who::HumanConsole, &IAM_GET_ACCOUNT_SUMMARY, 5),
    e(Who::ConsoleLogin, &SIGNIN_CONSOLE_LOGIN, 6),
    e(Who::Ci, &EC2_DESCRIBE_INSTANCES, 40),
    e(Who::Ci, &EC2_DESCRIBE_SGS, 40),
    e(Who::Ci, &EC2_DESCRIBE_VPCS, 30),
    e(Who::Ci, &EC2_DESCRIBE_SUBNETS, 30),
    e(Who::Ci, &EC2_DESCRIBE_ROUTE_TABLES, 20),
    e(Who::Ci, &EC2_DESCRIBE_LAUNCH_TEMPLATES, 20),
    e(Who::Ci, &IAM_GET_ROLE, 40),
    e(Who::Ci, &IAM_GET_POLICY, 20),
    e(Who::Ci, &IAM_GET_POLICY_VERSION, 20),
    e(Who::Ci, &IAM_LIST_ATTACHED_ROLE_POLICIES, 20),
    e(Who::Ci, &S3_GET_BUCKET_ACL, 20),
    e(Who::Ci, &S3_GET_BUCKET_POLICY, 20),
    e(Who::Ci, &S3_GET_BUCKET_VERSIONING, 20),
    e(Who::Ci, &S3_GET_BUCKET_ENCRYPTION, 20),
    e(Who::Ci, &S3_GET_BUCKET_TAGGING, 20),
    e(Who::Ci, &LAMBDA_GET_FUNCTION, 40),
    e(Who::Ci, &KMS_DESCRIBE_KEY, 20),
    e(Who::Ci, &CFN_DESCRIBE_STACKS, 60),
    e(Who::Ci, &CFN_CREATE_CHANGE_SET, 10),
    e(Who::Ci, &ECR_GET_AUTHORIZATION_TOKEN, 20),
    e(Who::Ci, &ECR_PUT_IMAGE, 10),
    e(Who::Ci, &LAMBDA_UPDATE_FUNCTION_CONFIGURATION, 6),
    e(Who::Ci, &S3_PUT_BUCKET_TAGGING, 4),
    e(Who::Ci, &IAM_TAG_ROLE, 4),
    e(Who::Ci, &ASG_SET_DESIRED_CAPACITY, 4),
    e(Who::Ci, &EC2_CREATE_TAGS, 10),
    e(Who::Ci, &ROUTE53_LIST_RRS, 20),
    e(Who::Ci, &ACM_DESCRIBE_CERTIFICATE, 20),
    e(Who::Ci, &SQS_GET_QUEUE_ATTRIBUTES, 20),
    e(Who::Ci, &SNS_GET_TOPIC_ATTRIBUTES, 20),
    e(Who::CrossAccountDeploy, &STS_ASSUME_ROLE, 40),
    e(Who::Ci, &DDB_DESCRIBE_TABLE, 20),
    m(Who::IdcUser, &SSO_LIST_ACCOUNTS, 20),
    m(Who::IdcUser, &SSO_LIST_ACCOUNT_ROLES, 20),
    m(Who::IdcUser, &SSO_GET_ROLE_CREDENTIALS, 40),
    m(Who::IdcUser, &SIGNIN_CREDENTIAL_CHALLENGE, 5),
    m(Who::IdcUser, &SIGNIN_CREDENTIAL_VERIFICATION, 5),
];

/// Every API that clean traffic may use.
#[cfg(test)]
pub(crate) fn all_entries() -> impl Iterator<Item = &'static Entry> {
    MACHINE.iter().chain(HUMAN.iter())
}

/// A weighted table for one (account, region) stream and class.
pub(crate) struct Table {
    entries: Vec<Entry>,
    cum: Vec<u32>,
}

impl Table {
    fn build(src: &[Entry], w: &World, acct: &Account, region: usize, data_events: bool) -> Table {
        let is_mgmt = acct.index == 0;
        let entries: Vec<Entry> = src
            .iter()
            .filter(|en| {
                (data_events || !en.api.data)
                    && (!en.mgmt_only || is_mgmt)
                    && match en.api.scope {
                        Scope::Regional => true,
                        Scope::Global => region == w.global,
                        Scope::MgmtHome => is_mgmt && region == w.home,
                    }
                    && available(en.who, w, acct)
            })
            .copied()
            .collect();
        let mut cum = Vec::with_capacity(entries.len());
        let mut total = 0;
        for en in &entries {
            total += en.weight;
            cum.push(total);
        }
        Table { entries, cum }
    }

    /// Draw an entry (None for an empty table).
    pub(crate) fn pick(&self, rng: &mut GenRng) -> Option<&Entry> {
        if self.entries.is_empty() {
            return None;
        }
        self.entries.get(ids::pick_cum(rng, &self.cum))
    }

    /// Total weight.
    pub(crate) fn total(&self) -> u32 {
        self.cum.last().copied().unwrap_or(0)
    }
}

fn available(who: Who, w: &World, acct: &Account) -> bool {
    match who {
        Who::HumanCli | Who::HumanConsole | Who::ConsoleLogin => acct.users.iter().any(|u| u.kind == UserKind::Human),
        Who::Ci => acct.users.iter().any(|u| u.kind == UserKind::Ci),
        Who::Integration => acct.users.iter().any(|u| u.kind == UserKind::Integration),
        Who::SsoCli | Who::SsoConsole => !acct.sso_members.is_empty(),
        Who::IdcUser => !w.idc_users.is_empty(),
        Who::CrossAccountDeploy => acct.index > 0,
        Who::SsmAgent | Who::EcsAgent => acct.roles.iter().any(|r| r.kind == RoleKind::Ec2),
        Who::LambdaService | Who::LambdaRuntime => acct.roles.iter().any(|r| r.kind == RoleKind::Lambda),
        Who::EksPod => acct.roles.iter().any(|r| r.kind == RoleKind::Eks),
        Who::AppRole | Who::OnBehalf(_) => !acct.roles.is_empty(),
        _ => true,
    }
}

/// The two class tables of one stream.
pub(crate) struct StreamTables {
    pub(crate) machine: Table,
    pub(crate) human: Table,
}

impl StreamTables {
    pub(crate) fn build(w: &World, acct: &Account, region: usize, data_events: bool) -> Self {
        StreamTables {
            machine: Table::build(MACHINE, w, acct, region, data_events),
            human: Table::build(HUMAN, w, acct, region, data_events),
        }
    }
}

/// Share of the weekly volume that is machine traffic.
pub(crate) const MACHINE_SHARE: f64 = 0.6;

/// Machine activity at an hour of the week (local time), mean 1 over the week.
pub(crate) fn machine_rhythm(local_hour_of_day: i64) -> f64 {
    // A nightly batch bump around 02:00; otherwise flat.
    match local_hour_of_day {
        1..=3 => 1.5,
        _ => 0.928_6,
    }
}

/// Human activity at a local hour and weekday (0 = Monday), not normalised.
pub(crate) fn human_activity(local_hour_of_day: i64, weekday: i64) -> f64 {
    let day = match local_hour_of_day {
        0..=5 => 0.02,
        6 => 0.08,
        7 => 0.3,
        8 => 0.75,
        9..=11 => 1.0,
        12 => 0.75,
        13..=16 => 1.0,
        17 => 0.7,
        18 => 0.4,
        19 => 0.2,
        20..=21 => 0.1,
        _ => 0.05,
    };
    if weekday >= 5 { day * 0.1 } else { day }
}

/// Mean of [`human_activity`] over a week (for normalisation).
pub(crate) fn human_mean() -> f64 {
    let mut s = 0.0;
    for d in 0..7 {
        for h in 0..24 {
            s += human_activity(h, d);
        }
    }
    s / 168.0
}

/// (machine, human) activity of an account at a UTC instant; each class has mean 1.
pub(crate) fn class_activity(acct: &Account, t: Timestamp, human_mean: f64) -> (f64, f64) {
    let local = t.secs() + acct.tz * 3600;
    let hour = local.div_euclid(3600).rem_euclid(24);
    // 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
    let weekday = (local.div_euclid(86_400) + 3).rem_euclid(7);
    (machine_rhythm(hour), human_activity(hour, weekday) / human_mean)
}

/// A session-stable hash (credentials rotate every `period` seconds).
fn session_hash(w: &World, parts: &[u64], t: Timestamp, period: i64) -> (u64, Timestamp) {
    let p = t.secs().div_euclid(period);
    let mut all = vec![w.seed, tag::SESSION];
    all.extend_from_slice(parts);
    all.push(p as u64);
    let h = hash(&all);
    // Credentials were issued shortly before the period started.
    let created = Timestamp::from_secs(p * period - (h % 900) as i64);
    (h, created)
}

/// Services reachable through VPC endpoints in the synthetic VPCs.
fn has_endpoint(source: &str) -> bool {
    matches!(
        source,
        "kms.amazonaws.com"
            | "ssm.amazonaws.com"
            | "secretsmanager.amazonaws.com"
            | "s3.amazonaws.com"
            | "sqs.amazonaws.com"
            | "sts.amazonaws.com"
            | "ecr.amazonaws.com"
            | "logs.amazonaws.com"
            | "dynamodb.amazonaws.com"
    )
}

/// Lambda's outbound addresses for an account and region (a small stable pool).
fn lambda_ip(w: &World, acct: &Account, region: usize, k: u64) -> String {
    ids::public_ipv4(hash(&[w.seed, tag::IP, 4, acct.index as u64, region as u64, k % 4]))
}

/// An assumed-role identity for a workload role session.
fn role_session<'a>(
    w: &'a World,
    acct: &'a Account,
    region: usize,
    role: &'a crate::world::Role,
    t: Timestamp,
    rng: &mut GenRng,
    source: &str,
) -> Ident<'a> {
    let ri = hash_str(&role.name);
    let (session, period, via_nat): (String, i64, bool) = match role.kind {
        RoleKind::Ec2 => {
            let inst = (ri + rng.gen_range(0..3)) % INSTANCES;
            (
                ids::ec2_id("i-", w.rid(acct.index, region, kind::INSTANCE, inst)),
                6 * 3600,
                true,
            )
        }
        RoleKind::Lambda => {
            let f = ["api-handler", "worker"][rng.gen_range(0..2)];
            (format!("{}-{f}", role.app), 3600, false)
        }
        RoleKind::Ecs => (
            ids::hex_from_hash(w.rid(acct.index, region, kind::TASK, ri % 40 + rng.gen_range(0..2)), 32),
            6 * 3600,
            true,
        ),
        RoleKind::Eks => {
            let (h, _) = session_hash(w, &[acct.index as u64, ri, region as u64], t, 3600);
            (
                format!("botocore-session-{}", 1_790_000_000 + h % 9_999_999),
                3600,
                true,
            )
        }
    };
    let (h, created) = session_hash(
        w,
        &[acct.index as u64, ri, region as u64, hash_str(&session)],
        t,
        period,
    );
    let mut id = Ident::new(IdKind::AssumedRole, acct.id.as_str());
    id.principal_id = Cow::Owned(format!("{}:{session}", role.role_id));
    id.arn = Cow::Owned(format!("arn:aws:sts::{}:assumed-role/{}/{session}", acct.id, role.name));
    id.access_key = Some(Cow::Owned(ids::access_key("ASIA", h)));
    id.issuer = Some(Issuer {
        principal_id: Cow::Borrowed(&role.role_id),
        arn: Cow::Borrowed(&role.arn),
        name: Cow::Borrowed(&role.name),
    });
    id.session_created = Some(created);
    id.ec2_delivery = role.kind == RoleKind::Ec2;
    id.agent = Cow::Borrowed(role.agent);
    if via_nat && has_endpoint(source) && rng.gen_range(0..100) < 35 {
        id.ip = Cow::Owned(ids::private_ipv4(hash(&[
            w.seed,
            tag::IP,
            5,
            acct.index as u64,
            region as u64,
            hash_str(&session),
        ])));
        id.vpce = Some(Cow::Owned(ids::ec2_id(
            "vpce-",
            w.rid(acct.index, region, kind::VPCE, hash_str(source)),
        )));
    } else if via_nat {
        let nat = &acct.nat_ips[region];
        id.ip = Cow::Borrowed(&nat[rng.gen_range(0..nat.len())]);
    } else {
        id.ip = Cow::Owned(lambda_ip(w, acct, region, rng.gen_range(0..4)));
    }
    id
}

fn pick_role<'a>(acct: &'a Account, rng: &mut GenRng, want: Option<RoleKind>) -> &'a crate::world::Role {
    if let Some(k) = want {
        let n = acct.roles.iter().filter(|r| r.kind == k).count();
        if n > 0 {
            let i = rng.gen_range(0..n);
            if let Some(r) = acct.roles.iter().filter(|r| r.kind == k).nth(i) {
                return r;
            }
        }
    }
    &acct.roles[rng.gen_range(0..acct.roles.len())]
}

fn pick_user<'a>(acct: &'a Account, rng: &mut GenRng, kind: UserKind) -> &'a crate::world::IamUser {
    let n = acct.users.iter().filter(|u| u.kind == kind).count();
    let i = rng.gen_range(0..n.max(1));
    acct.users
        .iter()
        .filter(|u| u.kind == kind)
        .nth(i)
        .unwrap_or(&acct.users[0])
}

/// An IAM user calling with its long-term key from one of its own addresses.
pub(crate) fn user_ident<'a>(acct: &'a Account, u: &'a crate::world::IamUser, rng: &mut GenRng) -> Ident<'a> {
    let mut id = Ident::new(IdKind::IamUser, acct.id.as_str());
    id.principal_id = Cow::Borrowed(&u.principal_id);
    id.arn = Cow::Borrowed(&u.arn);
    id.access_key = Some(Cow::Borrowed(&u.access_key));
    id.user_name = Some(Cow::Borrowed(&u.name));
    id.ip = Cow::Borrowed(&u.ips[rng.gen_range(0..u.ips.len())]);
    id.agent = Cow::Borrowed(u.agent);
    id
}

/// An Identity Center permission-set session of a person in an account.
pub(crate) fn sso_ident<'a>(
    w: &'a World,
    acct: &'a Account,
    member: (usize, usize),
    t: Timestamp,
    rng: &mut GenRng,
    console: bool,
) -> Ident<'a> {
    let user = &w.idc_users[member.0];
    let role = &acct.sso_roles[member.1];
    let (h, created) = session_hash(
        w,
        &[acct.index as u64, member.0 as u64, member.1 as u64, console as u64],
        t,
        8 * 3600,
    );
    let mut id = Ident::new(IdKind::AssumedRole, acct.id.as_str());
    id.principal_id = Cow::Owned(format!("{}:{}", role.role_id, user.email));
    id.arn = Cow::Owned(format!(
        "arn:aws:sts::{}:assumed-role/{}/{}",
        acct.id, role.name, user.email
    ));
    id.access_key = Some(Cow::Owned(ids::access_key("ASIA", h)));
    id.issuer = Some(Issuer {
        principal_id: Cow::Borrowed(&role.role_id),
        arn: Cow::Borrowed(&role.arn),
        name: Cow::Borrowed(&role.name),
    });
    id.session_created = Some(created);
    id.ip = Cow::Borrowed(&user.ips[rng.gen_range(0..user.ips.len())]);
    if console {
        id.console = true;
        id.agent = Cow::Borrowed(if rng.gen_range(0..10) < 7 {
            "AWS Internal"
        } else {
            user.browser
        });
    } else {
        id.agent = Cow::Borrowed(user.agent);
    }
    id
}

/// Build the identity (and body arguments) for a background entry.
pub(crate) fn ident_for<'a>(
    en: &Entry,
    w: &'a World,
    acct: &'a Account,
    region: usize,
    t: Timestamp,
    rng: &mut GenRng,
    args: &mut Vec<String>,
) -> Ident<'a> {
    args.clear();
    let source = en.api.source;
    match en.who {
        Who::AppRole => {
            let role = pick_role(acct, rng, None);
            role_session(w, acct, region, role, t, rng, source)
        }
        Who::SsmAgent | Who::EcsAgent => {
            let role = pick_role(acct, rng, Some(RoleKind::Ec2));
            let mut id = if en.who == Who::SsmAgent {
                role_session(w, acct, region, role, t, rng, source)
            } else {
                // The ECS agent uses the container instance's role.
                let mut id = role_session(w, acct, region, role, t, rng, "ecs.amazonaws.com");
                id.agent = Cow::Borrowed(ECS_AGENT);
                id
            };
            if en.who == Who::SsmAgent {
                id.agent = Cow::Borrowed(SSM_AGENT);
                if role.kind == RoleKind::Ec2 {
                    let inst = id.arn.rsplit('/').next().unwrap_or_default().to_string();
                    args.push(inst);
                }
            }
            id
        }
        Who::LambdaService => {
            let role = pick_role(acct, rng, Some(RoleKind::Lambda));
            let f = ["api-handler", "worker"][rng.gen_range(0..2)];
            args.push(role.arn.clone());
            args.push(format!("{}-{f}", role.app));
            args.push(role.role_id.clone());
            Ident::service("lambda.amazonaws.com", &acct.id)
        }
        Who::LambdaRuntime => {
            let role = pick_role(acct, rng, Some(RoleKind::Lambda));
            let mut id = role_session(w, acct, region, role, t, rng, source);
            id.vpce = None;
            id.agent = Cow::Borrowed("awslambda-worker/1.0 rusoto/0.48.0 rust/1.85.0 linux");
            id
        }
        Who::EksPod => {
            let role = pick_role(acct, rng, Some(RoleKind::Eks));
            let oidc = ids::hex_from_hash(w.rid(acct.index, region, kind::OIDC, 0), 32).to_uppercase();
            let provider = format!(
                "arn:aws:iam::{}:oidc-provider/oidc.eks.{}.amazonaws.com/id/{oidc}",
                acct.id, w.regions[region]
            );
            let sa = format!("system:serviceaccount:{}:{}-sa", role.app, role.app);
            let mut id = Ident::new(IdKind::WebIdentityUser, acct.id.as_str());
            id.principal_id = Cow::Owned(format!("{provider}:sts.amazonaws.com:{sa}"));
            id.user_name = Some(Cow::Owned(sa));
            id.identity_provider = Some(Cow::Owned(provider));
            let nat = &acct.nat_ips[region];
            id.ip = Cow::Borrowed(&nat[rng.gen_range(0..nat.len())]);
            id.agent = Cow::Borrowed(role.agent);
            id
        }
        Who::ServiceRole(service, role_name, session) => {
            let rh = hash(&[w.seed, tag::ACCOUNT, acct.index as u64, 30, hash_str(role_name)]);
            let role_id = ids::principal_id("AROA", rh);
            let path = if role_name.starts_with("AWSServiceRoleFor") {
                format!("aws-service-role/{service}/")
            } else {
                String::new()
            };
            let mut id = Ident::new(IdKind::AssumedRole, acct.id.as_str());
            id.principal_id = Cow::Owned(format!("{role_id}:{session}"));
            id.arn = Cow::Owned(format!("arn:aws:sts::{}:assumed-role/{role_name}/{session}", acct.id));
            let (_, created) = session_hash(w, &[acct.index as u64, rh], t, 3600);
            id.issuer = Some(Issuer {
                principal_id: Cow::Owned(role_id),
                arn: Cow::Owned(format!("arn:aws:iam::{}:role/{path}{role_name}", acct.id)),
                name: Cow::Borrowed(role_name),
            });
            id.session_created = Some(created);
            id.invoked_by = Some(Cow::Borrowed(service));
            id.ip = Cow::Borrowed(service);
            id.agent = Cow::Borrowed(service);
            id.tls = false;
            id
        }
        Who::Service(service) => Ident::service(service, &acct.id),
        Who::OnBehalf(service) => {
            let role = pick_role(acct, rng, None);
            let mut id = role_session(w, acct, region, role, t, rng, source);
            id.invoked_by = Some(Cow::Borrowed(service));
            id.ip = Cow::Borrowed(service);
            id.agent = Cow::Borrowed(service);
            id.tls = false;
            id.vpce = None;
            id.ec2_delivery = false;
            id
        }
        Who::ServiceEvent(service) => {
            let mut id = Ident::service(service, &acct.id);
            id.kind = IdKind::ServiceNoType;
            id
        }
        Who::HumanCli => {
            let u = pick_user(acct, rng, UserKind::Human);
            user_ident(acct, u, rng)
        }
        Who::Ci => {
            let u = pick_user(acct, rng, UserKind::Ci);
            user_ident(acct, u, rng)
        }
        Who::Integration => {
            let u = pick_user(acct, rng, UserKind::Integration);
            user_ident(acct, u, rng)
        }
        Who::HumanConsole => {
            let u = pick_user(acct, rng, UserKind::Human);
            let mut id = user_ident(acct, u, rng);
            let (h, created) = session_hash(w, &[acct.index as u64, hash_str(&u.name), 1], t, 8 * 3600);
            id.access_key = Some(Cow::Owned(ids::access_key("ASIA", h)));
            id.session_created = Some(created);
            id.mfa = true;
            id.console = true;
            id.agent = Cow::Borrowed(if rng.gen_range(0..10) < 6 {
                "AWS Internal"
            } else {
                u.browser
            });
            id
        }
        Who::ConsoleLogin => {
            let u = pick_user(acct, rng, UserKind::Human);
            let mut id = user_ident(acct, u, rng);
            id.access_key = None;
            id.agent = Cow::Borrowed(u.browser);
            args.push(u.name.clone());
            id
        }
        Who::SsoCli | Who::SsoConsole => {
            let member = acct.sso_members[rng.gen_range(0..acct.sso_members.len())];
            sso_ident(w, acct, member, t, rng, en.who == Who::SsoConsole)
        }
        Who::CrossAccountDeploy => {
            let mgmt = w.mgmt();
            let ci = mgmt
                .users
                .iter()
                .find(|u| u.kind == UserKind::Ci)
                .unwrap_or(&mgmt.users[0]);
            let role = format!("{}-deploy", w.company);
            args.push(format!("arn:aws:iam::{}:role/{role}", acct.id));
            args.push(format!("{}-{}", ci.name, 1_000_000 + rng.gen_range(0..9_000_000)));
            args.push(ids::principal_id(
                "AROA",
                hash(&[w.seed, tag::ACCOUNT, acct.index as u64, 31]),
            ));
            let mut id = Ident::new(IdKind::AwsAccount, mgmt.id.as_str());
            id.principal_id = Cow::Borrowed(&ci.principal_id);
            id.ip = Cow::Borrowed(&ci.ips[rng.gen_range(0..ci.ips.len())]);
            id.agent = Cow::Borrowed(ci.agent);
            id
        }
        Who::IdcUser => {
            let ui = rng.gen_range(0..w.idc_users.len());
            let user = &w.idc_users[ui];
            let (h, _) = session_hash(w, &[ui as u64, 77], t, 8 * 3600);
            let mut id = Ident::new(IdKind::IdentityCenterUser, acct.id.as_str());
            id.idc = Some((
                Cow::Borrowed(&user.user_id),
                Cow::Borrowed(&w.identity_store_arn),
                Cow::Owned(ids::alnum_from_hash(h, 60)),
            ));
            id.ip = Cow::Borrowed(&user.ips[rng.gen_range(0..user.ips.len())]);
            id.agent = Cow::Borrowed(if std::ptr::eq(en.api, &api::SSO_GET_ROLE_CREDENTIALS) {
                user.agent
            } else {
                user.browser
            });
            // The account and permission set whose credentials are fetched.
            let memberships: Vec<(usize, usize)> = w
                .accounts
                .iter()
                .flat_map(|a| a.sso_members.iter().filter(|m| m.0 == ui).map(move |m| (a.index, m.1)))
                .collect();
            if let Some(&(ai, ps)) = ids::pick(rng, &memberships) {
                args.push(w.accounts[ai].id.clone());
                args.push(acct_perm_set(&w.accounts[ai], ps).to_string());
            }
            id
        }
    }
}

fn acct_perm_set(acct: &Account, ps: usize) -> &str {
    acct.sso_roles.get(ps).map_or("ReadOnlyAccess", |r| r.perm_set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioKind;

    #[test]
    fn clean_tables_hold_no_threat_api() {
        let threats: Vec<&str> = ScenarioKind::ALL
            .iter()
            .flat_map(|k| k.signature_event_names().iter().copied())
            .collect();
        let more = [
            "ConsoleLogin", // only through SIGNIN_CONSOLE_LOGIN, which always has MFA
            "CreateUser",
            "CreateLoginProfile",
            "UpdateLoginProfile",
            "AttachUserPolicy",
            "PutRolePolicy",
            "DeleteRolePolicy",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
            "StartLogging",
            "CreateTrail",
            "PutKeyPolicy",
            "PutBucketAcl",
            "PutBucketPublicAccessBlock",
            "DeletePublicAccessBlock",
            "ModifySnapshotAttribute",
            "ModifyImageAttribute",
            "StopConfigurationRecorder",
            "DeleteDeliveryChannel",
            "LeaveOrganization",
            "GetFederationToken",
            "GetPasswordData",
            "CreateVpc",
            "CreateRoute",
            "CreateNetworkAclEntry",
            "AttachInternetGateway",
        ];
        for en in all_entries() {
            assert!(!threats.contains(&en.api.name), "{}", en.api.name);
            if en.api.name == "ConsoleLogin" {
                assert!(std::ptr::eq(en.api, &crate::api::SIGNIN_CONSOLE_LOGIN));
                assert_eq!(en.who, Who::ConsoleLogin);
            } else {
                assert!(!more.contains(&en.api.name), "{}", en.api.name);
            }
        }
    }

    #[test]
    fn rhythm_has_working_hours_and_weekends() {
        let mean = human_mean();
        assert!(human_activity(10, 1) / mean > 2.0);
        assert!(human_activity(3, 1) / mean < 0.1);
        assert!(human_activity(10, 6) < human_activity(10, 2) / 5.0);
        let machine: f64 = (0..24).map(machine_rhythm).sum::<f64>() / 24.0;
        assert!((machine - 1.0).abs() < 0.01, "{machine}");
    }

    #[test]
    fn services_cover_many_sources() {
        let mut sources: Vec<&str> = all_entries().map(|e| e.api.source).collect();
        sources.sort_unstable();
        sources.dedup();
        assert!(sources.len() >= 25, "{}", sources.len());
        let writes = all_entries().filter(|e| !e.api.read_only).count();
        let reads = all_entries().filter(|e| e.api.read_only).count();
        assert!(reads > writes);
    }
}
