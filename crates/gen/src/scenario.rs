//! Attack and anomaly scenarios injected into the clean traffic.
//!
//! Each [`ScenarioKind`] has a stable snake_case name and writes internally consistent records
//! (the CloudTrail calls name the trail's ARN, KMS calls its key, bucket changes its bucket).
//! Scenarios are placed after a baseline period, one after another, at times derived from the
//! configuration only, and every injected record's event id is listed in the manifest.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::{Deserialize, Serialize};
use trailguard_model::time::Timestamp;

use crate::api::{Api, Err, EvType, Host, ReqId, Scope};
use crate::config::{GenConfig, GenError};
use crate::ctx::{Ctx, aws_date, kind};
use crate::ids::{self, GenRng, hash, tag};
use crate::json::Json;
use crate::record::{IdKind, Ident, Outcome};
use crate::traffic::{sso_ident, user_ident};
use crate::world::{Account, RoleKind, UserKind, World};

/// A kind of injected activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// The root user signs in to the console (with MFA).
    RootConsoleLogin,
    /// The root user's access key is used for API calls.
    RootApiUse,
    /// Eight failed console sign-ins within four minutes from one address.
    ConsoleLoginFailures,
    /// An IAM user signs in to the console without MFA.
    ConsoleLoginWithoutMfa,
    /// IAM policy changes: `PutUserPolicy`, `AttachRolePolicy`, `CreatePolicyVersion`.
    IamPolicyChange,
    /// An access key is created for another user (`CreateAccessKey`).
    AccessKeyForOtherUser,
    /// A security group is opened to the world (`AuthorizeSecurityGroupIngress` 0.0.0.0/0:22,
    /// ::/0:3389).
    SecurityGroupOpened,
    /// The trail's logging is stopped (`StopLogging`).
    CloudtrailStopLogging,
    /// The trail is deleted (`DeleteTrail`).
    CloudtrailDeleteTrail,
    /// The trail is narrowed to one region without global events (`UpdateTrail`).
    CloudtrailUpdateTrail,
    /// Event selectors drop management events (`PutEventSelectors`).
    CloudtrailEventSelectors,
    /// The trail's KMS key is disabled (`DisableKey`).
    KmsDisableKey,
    /// The trail's KMS key is scheduled for deletion (`ScheduleKeyDeletion`).
    KmsScheduleKeyDeletion,
    /// The log bucket's policy and lifecycle are changed (`PutBucketPolicy`,
    /// `PutBucketLifecycle`, `DeleteBucketPolicy`).
    LogBucketTampering,
    /// A long-term access key with a stable history is used from a new address.
    AccessKeyNewIp,
    /// A write API (`CreateTags`) called far above its baseline for 20 minutes.
    ApiCallRateBurst,
    /// A principal collects many access-denied errors for 15 minutes (enumeration).
    ApiErrorRateBurst,
    /// Many secrets retrieved with `GetSecretValue` within 10 minutes.
    SecretsBurst,
}

impl ScenarioKind {
    /// Every kind, in injection order.
    pub const ALL: [ScenarioKind; 18] = [
        ScenarioKind::RootConsoleLogin,
        ScenarioKind::RootApiUse,
        ScenarioKind::ConsoleLoginFailures,
        ScenarioKind::ConsoleLoginWithoutMfa,
        ScenarioKind::IamPolicyChange,
        ScenarioKind::AccessKeyForOtherUser,
        ScenarioKind::SecurityGroupOpened,
        ScenarioKind::CloudtrailStopLogging,
        ScenarioKind::CloudtrailDeleteTrail,
        ScenarioKind::CloudtrailUpdateTrail,
        ScenarioKind::CloudtrailEventSelectors,
        ScenarioKind::KmsDisableKey,
        ScenarioKind::KmsScheduleKeyDeletion,
        ScenarioKind::LogBucketTampering,
        ScenarioKind::AccessKeyNewIp,
        ScenarioKind::ApiCallRateBurst,
        ScenarioKind::ApiErrorRateBurst,
        ScenarioKind::SecretsBurst,
    ];

    /// The stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            ScenarioKind::RootConsoleLogin => "root_console_login",
            ScenarioKind::RootApiUse => "root_api_use",
            ScenarioKind::ConsoleLoginFailures => "console_login_failures",
            ScenarioKind::ConsoleLoginWithoutMfa => "console_login_without_mfa",
            ScenarioKind::IamPolicyChange => "iam_policy_change",
            ScenarioKind::AccessKeyForOtherUser => "access_key_for_other_user",
            ScenarioKind::SecurityGroupOpened => "security_group_opened",
            ScenarioKind::CloudtrailStopLogging => "cloudtrail_stop_logging",
            ScenarioKind::CloudtrailDeleteTrail => "cloudtrail_delete_trail",
            ScenarioKind::CloudtrailUpdateTrail => "cloudtrail_update_trail",
            ScenarioKind::CloudtrailEventSelectors => "cloudtrail_event_selectors",
            ScenarioKind::KmsDisableKey => "kms_disable_key",
            ScenarioKind::KmsScheduleKeyDeletion => "kms_schedule_key_deletion",
            ScenarioKind::LogBucketTampering => "log_bucket_tampering",
            ScenarioKind::AccessKeyNewIp => "access_key_new_ip",
            ScenarioKind::ApiCallRateBurst => "api_call_rate_burst",
            ScenarioKind::ApiErrorRateBurst => "api_error_rate_burst",
            ScenarioKind::SecretsBurst => "secrets_burst",
        }
    }

    /// A one-line human title.
    pub fn title(self) -> &'static str {
        match self {
            ScenarioKind::RootConsoleLogin => "Root user console sign-in",
            ScenarioKind::RootApiUse => "Root user access key used for API calls",
            ScenarioKind::ConsoleLoginFailures => "Burst of failed console sign-ins from one address",
            ScenarioKind::ConsoleLoginWithoutMfa => "Console sign-in without MFA",
            ScenarioKind::IamPolicyChange => "IAM policies changed to grant administrator access",
            ScenarioKind::AccessKeyForOtherUser => "Access key created for another IAM user",
            ScenarioKind::SecurityGroupOpened => "Security group opened to the internet (SSH, RDP)",
            ScenarioKind::CloudtrailStopLogging => "CloudTrail logging stopped",
            ScenarioKind::CloudtrailDeleteTrail => "CloudTrail trail deleted",
            ScenarioKind::CloudtrailUpdateTrail => "CloudTrail trail narrowed to one region",
            ScenarioKind::CloudtrailEventSelectors => "CloudTrail event selectors drop management events",
            ScenarioKind::KmsDisableKey => "Trail KMS key disabled",
            ScenarioKind::KmsScheduleKeyDeletion => "Trail KMS key scheduled for deletion",
            ScenarioKind::LogBucketTampering => "Trail log bucket policy and lifecycle tampered with",
            ScenarioKind::AccessKeyNewIp => "Access key used from a new IP address",
            ScenarioKind::ApiCallRateBurst => "Write API call rate far above baseline",
            ScenarioKind::ApiErrorRateBurst => "Access-denied error rate far above baseline (enumeration)",
            ScenarioKind::SecretsBurst => "Burst of GetSecretValue calls",
        }
    }

    /// Event names that identify this kind and never occur in clean traffic (empty for the
    /// kinds recognised by rate, address or identity rather than by name).
    pub fn signature_event_names(self) -> &'static [&'static str] {
        match self {
            ScenarioKind::IamPolicyChange => &["PutUserPolicy", "AttachRolePolicy", "CreatePolicyVersion"],
            ScenarioKind::AccessKeyForOtherUser => &["CreateAccessKey"],
            ScenarioKind::SecurityGroupOpened => &["AuthorizeSecurityGroupIngress"],
            ScenarioKind::CloudtrailStopLogging => &["StopLogging"],
            ScenarioKind::CloudtrailDeleteTrail => &["DeleteTrail"],
            ScenarioKind::CloudtrailUpdateTrail => &["UpdateTrail"],
            ScenarioKind::CloudtrailEventSelectors => &["PutEventSelectors"],
            ScenarioKind::KmsDisableKey => &["DisableKey"],
            ScenarioKind::KmsScheduleKeyDeletion => &["ScheduleKeyDeletion"],
            ScenarioKind::LogBucketTampering => &["PutBucketPolicy", "PutBucketLifecycle", "DeleteBucketPolicy"],
            _ => &[],
        }
    }
}

impl fmt::Display for ScenarioKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ScenarioKind {
    type Err = GenError;

    fn from_str(s: &str) -> Result<Self, GenError> {
        ScenarioKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| GenError::UnknownScenario {
                name: s.to_string(),
                known: ScenarioKind::ALL
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// One injected record, fully determined before generation.
pub(crate) struct PlannedEvent {
    pub(crate) scenario: usize,
    pub(crate) account: usize,
    pub(crate) region: usize,
    pub(crate) time: Timestamp,
    pub(crate) event_id: String,
    pub(crate) api: &'static Api,
    pub(crate) ident: Ident<'static>,
    pub(crate) outcome: Outcome,
    pub(crate) args: Vec<String>,
}

/// What the manifest says about one scenario.
pub(crate) struct PlannedScenario {
    pub(crate) kind: ScenarioKind,
    pub(crate) account: usize,
    pub(crate) region: usize,
    pub(crate) principal: String,
    pub(crate) source_ip: String,
}

/// All scenarios of a configuration.
pub(crate) struct Plan {
    pub(crate) scenarios: Vec<PlannedScenario>,
    pub(crate) events: Vec<PlannedEvent>,
}

impl Plan {
    /// Number of injected records.
    pub(crate) fn records(&self) -> u64 {
        self.events.len() as u64
    }
}

/// Plan every selected scenario.
pub(crate) fn plan(cfg: &GenConfig, w: &World) -> Plan {
    let kinds = cfg.scenarios.kinds();
    let mut plan = Plan {
        scenarios: Vec::with_capacity(kinds.len()),
        events: Vec::new(),
    };
    if kinds.is_empty() {
        return plan;
    }
    let dur = w.end.secs() - w.start.secs();
    let lead = if dur >= 48 * 3600 {
        (dur as f64 * 0.55) as i64
    } else {
        dur / 2
    };
    let window_end = dur - 45 * 60;
    let window = (window_end - lead).max(60);
    let slot = window / kinds.len() as i64;
    // Expected background records per stream and minute, to size the bursts.
    let streams = (w.accounts.len() * w.regions.len()) as f64;
    let per_min = cfg.records as f64 / streams / (dur as f64 / 60.0).max(1.0);
    for (k, &kind) in kinds.iter().enumerate() {
        let mut rng = ids::rng_for(&[w.seed, tag::SCENARIO, k as u64]);
        let jitter = if slot > 1200 {
            rng.gen_range(-(slot / 4)..(slot / 4))
        } else {
            0
        };
        let at = w
            .start
            .add_secs((lead + slot * k as i64 + slot / 2 + jitter).clamp(0, dur - 45 * 60));
        let at = Timestamp::from_secs(at.secs());
        let mut b = Builder {
            w,
            plan: &mut plan,
            index: k,
            rng,
            seq: 0,
        };
        b.build(kind, at, per_min);
    }
    plan
}

/// Per-minute rate of a burst, at least `floor`, scaled with the traffic volume.
fn burst_rate(per_min: f64, floor: f64) -> u64 {
    (per_min * 0.05).max(floor).min(3000.0) as u64
}

struct Builder<'p, 'w> {
    w: &'w World,
    plan: &'p mut Plan,
    index: usize,
    rng: GenRng,
    seq: u64,
}

impl<'w> Builder<'_, 'w> {
    fn member(&self, k: usize) -> usize {
        if self.w.accounts.len() == 1 {
            0
        } else {
            1 + (k % (self.w.accounts.len() - 1))
        }
    }

    fn region_other(&self) -> usize {
        let n = self.w.regions.len();
        if n == 1 { 0 } else { (self.w.home + 1) % n }
    }

    /// A public address that no principal of the organization ever uses.
    fn new_ip(&self, k: u64) -> String {
        let mut h = hash(&[self.w.seed, tag::IP, 99, self.index as u64, k]);
        loop {
            let ip = ids::public_ipv4(h);
            let known = self
                .w
                .accounts
                .iter()
                .any(|a| a.users.iter().any(|u| u.ips.contains(&ip)) || a.nat_ips.iter().any(|n| n.contains(&ip)))
                || self.w.idc_users.iter().any(|u| u.ips.contains(&ip));
            if !known {
                return ip;
            }
            h = ids::mix64(h);
        }
    }

    fn begin(&mut self, kind: ScenarioKind, account: usize, region: usize, principal: &str, ip: &str) {
        self.plan.scenarios.push(PlannedScenario {
            kind,
            account,
            region,
            principal: principal.to_string(),
            source_ip: ip.to_string(),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        account: usize,
        region: usize,
        time: Timestamp,
        api: &'static Api,
        ident: &Ident<'_>,
        outcome: Outcome,
        args: Vec<String>,
    ) {
        let h = hash(&[self.w.seed, tag::SCENARIO, 1000 + self.index as u64, self.seq]);
        self.seq += 1;
        self.plan.events.push(PlannedEvent {
            scenario: self.plan.scenarios.len() - 1,
            account,
            region,
            time,
            event_id: ids::uuid_from_hash(h),
            api,
            ident: ident.clone().into_owned(),
            outcome,
            args,
        });
    }

    fn human<'a>(&mut self, acct: &'a Account, skip: Option<&str>) -> &'a crate::world::IamUser {
        let humans: Vec<_> = acct
            .users
            .iter()
            .filter(|u| u.kind == UserKind::Human && Some(u.name.as_str()) != skip)
            .collect();
        let i = self.rng.gen_range(0..humans.len().max(1));
        humans.get(i).copied().unwrap_or(&acct.users[0])
    }

    /// An Identity Center session with the strongest permission set available in an account.
    fn admin_session(&mut self, acct: &'w Account, t: Timestamp) -> Ident<'w> {
        let member = acct.sso_members.iter().copied().min_by_key(|m| m.1).unwrap_or((0, 0));
        let mut id = sso_ident(self.w, acct, member, t, &mut self.rng, false);
        id.ip = Cow::Owned(id.ip.into_owned());
        id
    }

    fn build(&mut self, kind: ScenarioKind, at: Timestamp, per_min: f64) {
        let w = self.w;
        match kind {
            ScenarioKind::RootConsoleLogin => {
                let a = self.member(0);
                let acct = &w.accounts[a];
                let ip = self.new_ip(0);
                let id = root_ident(acct, &ip, None, crate::world::BROWSERS[0]);
                self.begin(kind, a, w.global, &format!("arn:aws:iam::{}:root", acct.id), &ip);
                self.add(
                    a,
                    w.global,
                    at,
                    &SIGNIN_ROOT,
                    &id,
                    Outcome::Ok,
                    strs(&["Success", "Yes"]),
                );
            }
            ScenarioKind::RootApiUse => {
                let a = self.member(1);
                let acct = &w.accounts[a];
                let ip = self.new_ip(0);
                let key = ids::access_key("AKIA", hash(&[w.seed, tag::SCENARIO, 77, a as u64]));
                let id = root_ident(
                    acct,
                    &ip,
                    Some(&key),
                    "aws-cli/2.31.12 md/awscrt#0.27.6 ua/2.1 os/linux#6.8.0-85-generic md/arch#x86_64 lang/python#3.13.7 md/pyimpl#CPython m/E,b cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off",
                );
                self.begin(kind, a, w.global, &format!("arn:aws:iam::{}:root", acct.id), &ip);
                let calls: [&'static Api; 6] = [
                    &crate::api::STS_GET_CALLER_IDENTITY,
                    &crate::api::IAM_GET_ACCOUNT_SUMMARY,
                    &crate::api::IAM_LIST_USERS,
                    &crate::api::IAM_LIST_ROLES,
                    &crate::api::S3_LIST_BUCKETS,
                    &crate::api::EC2_DESCRIBE_INSTANCES,
                ];
                for (i, api) in calls.iter().enumerate() {
                    let t = at.add_secs(i as i64 * 40 + self.rng.gen_range(0..30));
                    self.add(a, w.global, t, api, &id, Outcome::Ok, Vec::new());
                }
            }
            ScenarioKind::ConsoleLoginFailures => {
                let a = self.member(0);
                let acct = &w.accounts[a];
                let ip = self.new_ip(0);
                let target = self.human(acct, None).clone();
                self.begin(kind, a, w.global, &target.arn, &ip);
                for i in 0..8 {
                    let t = at.add_secs(i * 28 + self.rng.gen_range(0..10));
                    let mut id = Ident::new(IdKind::IamUser, acct.id.as_str());
                    if i % 4 == 3 {
                        // A user name that does not exist.
                        id.user_name = Some(Cow::Borrowed("HIDDEN_DUE_TO_SECURITY_REASONS"));
                    } else {
                        id.principal_id = Cow::Owned(target.principal_id.clone());
                        id.user_name = Some(Cow::Owned(target.name.clone()));
                    }
                    id.access_key = Some(Cow::Borrowed(""));
                    id.ip = Cow::Owned(ip.clone());
                    id.agent = Cow::Borrowed(crate::world::BROWSERS[2]);
                    self.add(
                        a,
                        w.global,
                        t,
                        &SIGNIN_IAM,
                        &id,
                        Outcome::Fail(String::new(), "Failed authentication".into()),
                        strs(&["Failure", "No"]),
                    );
                }
            }
            ScenarioKind::ConsoleLoginWithoutMfa => {
                let a = self.member(1);
                let acct = &w.accounts[a];
                let u = self.human(acct, None);
                let mut id = user_ident(acct, u, &mut self.rng);
                id.access_key = None;
                id.agent = Cow::Borrowed(u.browser);
                let ip = id.ip.to_string();
                self.begin(kind, a, w.global, &u.arn, &ip);
                self.add(a, w.global, at, &SIGNIN_IAM, &id, Outcome::Ok, strs(&["Success", "No"]));
            }
            ScenarioKind::IamPolicyChange => {
                let a = self.member(0);
                let acct = &w.accounts[a];
                let id = self.admin_session(acct, at);
                self.begin(kind, a, w.global, &id.arn, &id.ip);
                let victim = self.human(acct, None).name.clone();
                let role = acct.roles[self.rng.gen_range(0..acct.roles.len())].name.clone();
                let app = acct.apps[0];
                let policy = format!("arn:aws:iam::{}:policy/{app}-access", acct.id);
                self.add(a, w.global, at, &IAM_PUT_USER_POLICY, &id, Outcome::Ok, vec![victim]);
                self.add(
                    a,
                    w.global,
                    at.add_secs(95),
                    &IAM_ATTACH_ROLE_POLICY,
                    &id,
                    Outcome::Ok,
                    vec![role],
                );
                self.add(
                    a,
                    w.global,
                    at.add_secs(210),
                    &IAM_CREATE_POLICY_VERSION,
                    &id,
                    Outcome::Ok,
                    vec![policy],
                );
            }
            ScenarioKind::AccessKeyForOtherUser => {
                let a = self.member(0);
                let acct = &w.accounts[a];
                let creator = self.human(acct, None);
                let id = user_ident(acct, creator, &mut self.rng);
                let target = acct
                    .users
                    .iter()
                    .find(|u| u.name != creator.name && u.kind != UserKind::Human)
                    .unwrap_or(creator)
                    .name
                    .clone();
                self.begin(kind, a, w.global, &creator.arn, &id.ip);
                self.add(a, w.global, at, &IAM_CREATE_ACCESS_KEY, &id, Outcome::Ok, vec![target]);
            }
            ScenarioKind::SecurityGroupOpened => {
                let a = self.member(0);
                let r = self.region_other();
                let acct = &w.accounts[a];
                let u = self.human(acct, None);
                let id = user_ident(acct, u, &mut self.rng);
                self.begin(kind, a, r, &u.arn, &id.ip);
                let sg = ids::ec2_id("sg-", w.rid(a, r, kind::SG, 3));
                self.add(
                    a,
                    r,
                    at,
                    &EC2_AUTHORIZE_SG_INGRESS,
                    &id,
                    Outcome::Ok,
                    vec![sg.clone(), "22".into(), "0.0.0.0/0".into()],
                );
                self.add(
                    a,
                    r,
                    at.add_secs(47),
                    &EC2_AUTHORIZE_SG_INGRESS,
                    &id,
                    Outcome::Ok,
                    vec![sg, "3389".into(), "::/0".into()],
                );
            }
            ScenarioKind::CloudtrailStopLogging
            | ScenarioKind::CloudtrailDeleteTrail
            | ScenarioKind::CloudtrailUpdateTrail
            | ScenarioKind::CloudtrailEventSelectors => {
                let acct = &w.accounts[0];
                let id = self.admin_session(acct, at);
                self.begin(kind, 0, w.home, &id.arn, &id.ip);
                let api: &'static Api = match kind {
                    ScenarioKind::CloudtrailStopLogging => &CT_STOP_LOGGING,
                    ScenarioKind::CloudtrailDeleteTrail => &CT_DELETE_TRAIL,
                    ScenarioKind::CloudtrailUpdateTrail => &CT_UPDATE_TRAIL,
                    _ => &CT_PUT_EVENT_SELECTORS,
                };
                self.add(0, w.home, at, api, &id, Outcome::Ok, Vec::new());
            }
            ScenarioKind::KmsDisableKey | ScenarioKind::KmsScheduleKeyDeletion => {
                let acct = &w.accounts[0];
                let u = self.human(acct, None);
                let id = user_ident(acct, u, &mut self.rng);
                self.begin(kind, 0, w.home, &u.arn, &id.ip);
                let api: &'static Api = if kind == ScenarioKind::KmsDisableKey {
                    &KMS_DISABLE_KEY
                } else {
                    &KMS_SCHEDULE_KEY_DELETION
                };
                self.add(0, w.home, at, api, &id, Outcome::Ok, Vec::new());
            }
            ScenarioKind::LogBucketTampering => {
                let acct = &w.accounts[0];
                let id = self.admin_session(acct, at);
                self.begin(kind, 0, w.home, &id.arn, &id.ip);
                let outsider = ids::account_id(hash(&[w.seed, tag::SCENARIO, 55]));
                self.add(0, w.home, at, &S3_PUT_BUCKET_POLICY, &id, Outcome::Ok, vec![outsider]);
                self.add(
                    0,
                    w.home,
                    at.add_secs(130),
                    &S3_PUT_BUCKET_LIFECYCLE,
                    &id,
                    Outcome::Ok,
                    Vec::new(),
                );
                self.add(
                    0,
                    w.home,
                    at.add_secs(400),
                    &S3_DELETE_BUCKET_POLICY,
                    &id,
                    Outcome::Ok,
                    Vec::new(),
                );
            }
            ScenarioKind::AccessKeyNewIp => {
                let a = self.member(1);
                let acct = &w.accounts[a];
                let u = self.human(acct, None);
                let mut id = user_ident(acct, u, &mut self.rng);
                let ip = self.new_ip(1);
                id.ip = Cow::Owned(ip.clone());
                id.agent = Cow::Borrowed(
                    "Boto3/1.40.40 md/Botocore#1.40.40 ua/2.1 os/linux#6.12.10-kali1-amd64 md/arch#x86_64 lang/python#3.13.5 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.40.40",
                );
                let r = w.home;
                self.begin(kind, a, r, &u.arn, &ip);
                let calls: [&'static Api; 8] = [
                    &crate::api::STS_GET_CALLER_IDENTITY,
                    &crate::api::S3_LIST_BUCKETS,
                    &crate::api::EC2_DESCRIBE_INSTANCES,
                    &crate::api::EC2_DESCRIBE_SGS,
                    &crate::api::LAMBDA_LIST_FUNCTIONS,
                    &crate::api::SSM_DESCRIBE_PARAMETERS,
                    &crate::api::SECRETS_LIST_SECRETS,
                    &crate::api::DDB_LIST_TABLES,
                ];
                for (i, api) in calls.iter().enumerate() {
                    let t = at.add_secs(i as i64 * 75 + self.rng.gen_range(0..60));
                    self.add(a, r, t, api, &id, Outcome::Ok, Vec::new());
                }
            }
            ScenarioKind::ApiCallRateBurst => {
                let a = self.member(0);
                let r = self.region_other();
                let acct = &w.accounts[a];
                let ci = acct
                    .users
                    .iter()
                    .find(|u| u.kind == UserKind::Ci)
                    .unwrap_or(&acct.users[0]);
                let id = user_ident(acct, ci, &mut self.rng);
                self.begin(kind, a, r, &ci.arn, &id.ip);
                let n = burst_rate(per_min, 25.0) * 20;
                for _ in 0..n {
                    let t = at.add_secs(self.rng.gen_range(0..20 * 60));
                    self.add(a, r, t, &crate::api::EC2_CREATE_TAGS, &id, Outcome::Ok, Vec::new());
                }
            }
            ScenarioKind::ApiErrorRateBurst => {
                let a = self.member(1);
                let r = w.home;
                let acct = &w.accounts[a];
                // A compromised instance profile.
                let role = acct
                    .roles
                    .iter()
                    .find(|x| x.kind == RoleKind::Ec2)
                    .unwrap_or(&acct.roles[0]);
                let mut id = Ident::new(IdKind::AssumedRole, acct.id.as_str());
                let session = if role.kind == RoleKind::Ec2 {
                    id.ec2_delivery = true;
                    ids::ec2_id("i-", w.rid(a, r, kind::INSTANCE, 0))
                } else {
                    format!("{}-worker", role.app)
                };
                id.principal_id = Cow::Owned(format!("{}:{session}", role.role_id));
                id.arn = Cow::Owned(format!("arn:aws:sts::{}:assumed-role/{}/{session}", acct.id, role.name));
                id.access_key = Some(Cow::Owned(ids::access_key("ASIA", hash(&[w.seed, tag::SCENARIO, 88]))));
                id.issuer = Some(crate::record::Issuer {
                    principal_id: Cow::Borrowed(&role.role_id),
                    arn: Cow::Borrowed(&role.arn),
                    name: Cow::Borrowed(&role.name),
                });
                id.session_created = Some(at.add_secs(-1200));
                id.ip = Cow::Borrowed(&acct.nat_ips[r][0]);
                id.agent = Cow::Borrowed(
                    "aws-cli/1.42.30 Python/3.9.23 Linux/6.1.147-172.266.amzn2023.x86_64 botocore/1.40.30",
                );
                self.begin(kind, a, r, &id.arn, &id.ip);
                let targets: [(&'static Api, u32); 7] = [
                    (&crate::api::SECRETS_LIST_SECRETS, 50),
                    (&crate::api::EC2_DESCRIBE_INSTANCES, 10),
                    (&crate::api::SSM_DESCRIBE_PARAMETERS, 10),
                    (&crate::api::LAMBDA_LIST_FUNCTIONS, 10),
                    (&crate::api::DDB_LIST_TABLES, 10),
                    (&crate::api::S3_LIST_BUCKETS, 5),
                    (&crate::api::RDS_DESCRIBE_DB_INSTANCES, 5),
                ];
                let n = burst_rate(per_min, 20.0) * 15;
                for _ in 0..n {
                    let t = at.add_secs(self.rng.gen_range(0..15 * 60));
                    let mut x = self.rng.gen_range(0..100);
                    let mut api = targets[0].0;
                    for (candidate, wgt) in targets {
                        if x < wgt {
                            api = candidate;
                            break;
                        }
                        x -= wgt;
                    }
                    self.add(a, r, t, api, &id, Outcome::Denied, Vec::new());
                }
            }
            ScenarioKind::SecretsBurst => {
                let a = self.member(2);
                let r = self.region_other();
                let acct = &w.accounts[a];
                let id = self.admin_session(acct, at);
                self.begin(kind, a, r, &id.arn, &id.ip);
                let n = burst_rate(per_min, 12.0) * 10;
                let purposes = [
                    "db-credentials",
                    "api-key",
                    "oauth-client",
                    "stripe-token",
                    "smtp-password",
                    "signing-key",
                    "jwt-secret",
                ];
                for i in 0..n {
                    let t = at.add_secs(self.rng.gen_range(0..10 * 60));
                    let app = crate::world::APPS[(i as usize) % crate::world::APPS.len()];
                    let p = purposes[(i as usize / crate::world::APPS.len()) % purposes.len()];
                    let name = format!("{}/{app}/{p}", acct.name);
                    let suffix = ids::alnum_from_hash(w.rid(a, r, kind::SECRET, ids::hash_str(&name)), 6);
                    let arn = format!(
                        "arn:aws:secretsmanager:{}:{}:secret:{name}-{suffix}",
                        w.regions[r], acct.id
                    );
                    self.add(a, r, t, &SCN_GET_SECRET_VALUE, &id, Outcome::Ok, vec![arn]);
                }
            }
        }
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_string()).collect()
}

fn root_ident<'a>(acct: &'a Account, ip: &str, key: Option<&str>, agent: &'static str) -> Ident<'a> {
    let mut id = Ident::new(IdKind::Root, acct.id.as_str());
    id.principal_id = Cow::Borrowed(&acct.id);
    id.arn = Cow::Owned(format!("arn:aws:iam::{}:root", acct.id));
    id.access_key = Some(Cow::Owned(key.unwrap_or("").to_string()));
    id.ip = Cow::Owned(ip.to_string());
    id.agent = Cow::Borrowed(agent);
    id
}

// ---------------------------------------------------------------------------------------------
// Scenario-only APIs

const fn scn(
    source: &'static str,
    name: &'static str,
    action: &'static str,
    version: &'static str,
    body: fn(&mut Ctx<'_>, &mut Json),
) -> Api {
    Api {
        source,
        name,
        action,
        read_only: false,
        version,
        data: false,
        event_type: EvType::Call,
        scope: Scope::Regional,
        host: Host::Regional,
        req_id: ReqId::Uuid,
        api_version: None,
        err_rate: 0,
        errors: &[] as &[(Err, u32)],
        body,
    }
}

/// `args` = [result (`Success`/`Failure`), MFA used (`Yes`/`No`)].
fn console_login(c: &mut Ctx<'_>, j: &mut Json) {
    let result = c.args.first().map_or("Success", String::as_str);
    let mfa = c.args.get(1).map_or("No", String::as_str);
    j.knull("requestParameters");
    j.kobj("responseElements");
    j.kv("ConsoleLogin", result);
    j.close();
    j.kobj("additionalEventData");
    j.kv(
        "LoginTo",
        "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
    );
    j.kv("MobileVersion", "No");
    j.kv("MFAUsed", mfa);
    j.close();
}

fn iam_put_user_policy(c: &mut Ctx<'_>, j: &mut Json) {
    let user = c.args.first().cloned().unwrap_or_default();
    j.kobj("requestParameters");
    j.kv("userName", &user);
    j.kv("policyName", "maintenance");
    j.kv(
        "policyDocument",
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}",
    );
    j.close();
    j.knull("responseElements");
}

fn iam_attach_role_policy(c: &mut Ctx<'_>, j: &mut Json) {
    let role = c.args.first().cloned().unwrap_or_default();
    j.kobj("requestParameters");
    j.kv("roleName", &role);
    j.kv("policyArn", "arn:aws:iam::aws:policy/AdministratorAccess");
    j.close();
    j.knull("responseElements");
}

fn iam_create_policy_version(c: &mut Ctx<'_>, j: &mut Json) {
    let policy = c.args.first().cloned().unwrap_or_default();
    j.kobj("requestParameters");
    j.kv("policyArn", &policy);
    j.kv(
        "policyDocument",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"iam:*\",\"sts:AssumeRole\"],\"Resource\":\"*\"}]}",
    );
    j.kb("setAsDefault", true);
    j.close();
    j.kobj("responseElements");
    j.kobj("policyVersion");
    j.kv("versionId", "v5");
    j.kb("isDefaultVersion", true);
    j.kv("createDate", &aws_date(c.time));
    j.close();
    j.close();
}

fn iam_create_access_key(c: &mut Ctx<'_>, j: &mut Json) {
    let user = c.args.first().cloned().unwrap_or_default();
    let key = ids::access_key("AKIA", hash(&[c.w.seed, tag::SCENARIO, 66, ids::hash_str(&user)]));
    j.kobj("requestParameters");
    j.kv("userName", &user);
    j.close();
    j.kobj("responseElements");
    j.kobj("accessKey");
    j.kv("accessKeyId", &key);
    j.kv("status", "Active");
    j.kv("userName", &user);
    j.kv("createDate", &aws_date(c.time));
    j.close();
    j.close();
}

/// `args` = [group id, port, CIDR (IPv4 or IPv6)].
fn ec2_authorize_ingress(c: &mut Ctx<'_>, j: &mut Json) {
    let sg = c.args.first().cloned().unwrap_or_default();
    let port: i64 = c.args.get(1).and_then(|p| p.parse().ok()).unwrap_or(22);
    let cidr = c.args.get(2).cloned().unwrap_or_else(|| "0.0.0.0/0".into());
    let v6 = cidr.contains(':');
    j.kobj("requestParameters");
    j.kv("groupId", &sg);
    j.kobj("ipPermissions");
    j.karr("items");
    j.open();
    j.kv("ipProtocol", "tcp");
    j.kn("fromPort", port);
    j.kn("toPort", port);
    j.kempty("groups");
    if v6 {
        j.kempty("ipRanges");
        j.kobj("ipv6Ranges");
        j.karr("items");
        j.open();
        j.kv("cidrIpv6", &cidr);
        j.close();
        j.close_arr();
        j.close();
    } else {
        j.kobj("ipRanges");
        j.karr("items");
        j.open();
        j.kv("cidrIp", &cidr);
        j.close();
        j.close_arr();
        j.close();
        j.kempty("ipv6Ranges");
    }
    j.kempty("prefixListIds");
    j.close();
    j.close_arr();
    j.close();
    j.close();
    j.kobj("responseElements");
    j.kv("requestId", c.request_id);
    j.kb("_return", true);
    j.kobj("securityGroupRuleSet");
    j.karr("items");
    j.open();
    j.kv("groupOwnerId", &c.acct.id);
    j.kv("groupId", &sg);
    j.kv(
        "securityGroupRuleId",
        &ids::ec2_id("sgr-", hash(&[c.w.seed, kind::SGR, port as u64])),
    );
    j.kb("isEgress", false);
    j.kv("ipProtocol", "tcp");
    j.kn("fromPort", port);
    j.kn("toPort", port);
    j.kv(if v6 { "cidrIpv6" } else { "cidrIpv4" }, &cidr);
    j.close();
    j.close_arr();
    j.close();
    j.close();
}

fn trail_name_only(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kv("name", &c.w.trail_arn);
    j.close();
    j.knull("responseElements");
    let arn = c.w.trail_arn.clone();
    c.resource("AWS::CloudTrail::Trail", &arn);
}

fn ct_update_trail(c: &mut Ctx<'_>, j: &mut Json) {
    let w = c.w;
    j.kobj("requestParameters");
    j.kv("name", &w.trail_arn);
    j.kb("isMultiRegionTrail", false);
    j.kb("includeGlobalServiceEvents", false);
    j.close();
    j.kobj("responseElements");
    j.kv("name", &w.trail_name);
    j.kv("s3BucketName", &w.bucket);
    if let Some(p) = &w.key_prefix {
        j.kv("s3KeyPrefix", p);
    }
    j.kb("includeGlobalServiceEvents", false);
    j.kb("isMultiRegionTrail", false);
    j.kv("trailARN", &w.trail_arn);
    j.kb("logFileValidationEnabled", true);
    j.kv("kmsKeyId", &w.kms_key_arn);
    j.kb("isOrganizationTrail", w.org_id.is_some());
    j.close();
    let arn = w.trail_arn.clone();
    c.resource("AWS::CloudTrail::Trail", &arn);
}

fn ct_put_event_selectors(c: &mut Ctx<'_>, j: &mut Json) {
    let w = c.w;
    let selectors = |j: &mut Json| {
        j.karr("eventSelectors");
        j.open();
        j.kv("readWriteType", "ReadOnly");
        j.kb("includeManagementEvents", false);
        j.karr("dataResources");
        j.close_arr();
        j.karr("excludeManagementEventSources");
        j.close_arr();
        j.close();
        j.close_arr();
    };
    j.kobj("requestParameters");
    j.kv("trailName", &w.trail_arn);
    selectors(j);
    j.close();
    j.kobj("responseElements");
    j.kv("trailARN", &w.trail_arn);
    selectors(j);
    j.close();
    let arn = w.trail_arn.clone();
    c.resource("AWS::CloudTrail::Trail", &arn);
}

fn kms_disable_key(c: &mut Ctx<'_>, j: &mut Json) {
    let key = c.w.kms_key_arn.clone();
    j.kobj("requestParameters");
    j.kv("keyId", &key);
    j.close();
    j.knull("responseElements");
    c.resource("AWS::KMS::Key", &key);
}

fn kms_schedule_key_deletion(c: &mut Ctx<'_>, j: &mut Json) {
    let key = c.w.kms_key_arn.clone();
    j.kobj("requestParameters");
    j.kv("keyId", &key);
    j.kn("pendingWindowInDays", 7);
    j.close();
    j.kobj("responseElements");
    j.kv("keyId", &key);
    j.kv("deletionDate", &aws_date(c.time.floor_day().add_secs(8 * 86_400)));
    j.kv("keyState", "PendingDeletion");
    j.kn("pendingWindowInDays", 7);
    j.close();
    c.resource("AWS::KMS::Key", &key);
}

fn trail_bucket_head(c: &mut Ctx<'_>, j: &mut Json, sub: &str) {
    let b = &c.w.bucket;
    j.kv("bucketName", b);
    j.kv("Host", &format!("{b}.s3.{}.amazonaws.com", c.rname));
    j.kv(sub, "");
}

fn trail_bucket_tail(c: &mut Ctx<'_>, j: &mut Json, bytes_in: i64) {
    j.knull("responseElements");
    j.kobj("additionalEventData");
    j.kv("SignatureVersion", "SigV4");
    j.kv("CipherSuite", "TLS_AES_128_GCM_SHA256");
    j.kn("bytesTransferredIn", bytes_in);
    j.kv("AuthenticationMethod", "AuthHeader");
    j.key("x-amz-id-2");
    j.begin_str();
    ids::push_base64_random(&mut j.buf, c.rng, 76);
    j.end_str();
    j.kn("bytesTransferredOut", 0);
    j.close();
    let arn = format!("arn:aws:s3:::{}", c.w.bucket);
    c.resource("AWS::S3::Bucket", &arn);
    c.set_err_res(&arn);
}

/// `args[0]` = the outside account granted read access.
fn s3_put_bucket_policy(c: &mut Ctx<'_>, j: &mut Json) {
    let outsider = c.args.first().cloned().unwrap_or_default();
    let b = c.w.bucket.clone();
    j.kobj("requestParameters");
    j.kobj("bucketPolicy");
    j.kv("Version", "2012-10-17");
    j.karr("Statement");
    j.open();
    j.kv("Sid", "AWSCloudTrailWrite");
    j.kv("Effect", "Allow");
    j.kobj("Principal");
    j.kv("Service", "cloudtrail.amazonaws.com");
    j.close();
    j.kv("Action", "s3:PutObject");
    j.kv("Resource", &format!("arn:aws:s3:::{b}/*"));
    j.close();
    j.open();
    j.kv("Sid", "ReadForAnalytics");
    j.kv("Effect", "Allow");
    j.kobj("Principal");
    j.kv("AWS", &format!("arn:aws:iam::{outsider}:root"));
    j.close();
    j.karr("Action");
    j.str("s3:GetObject");
    j.str("s3:ListBucket");
    j.close_arr();
    j.karr("Resource");
    j.str(&format!("arn:aws:s3:::{b}"));
    j.str(&format!("arn:aws:s3:::{b}/*"));
    j.close_arr();
    j.close();
    j.close_arr();
    j.close();
    trail_bucket_head(c, j, "policy");
    j.close();
    trail_bucket_tail(c, j, 612);
}

fn s3_put_bucket_lifecycle(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kobj("LifecycleConfiguration");
    j.kv("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/");
    j.kobj("Rule");
    j.kv("ID", "expire-everything");
    j.kv("Status", "Enabled");
    j.kobj("Filter");
    j.kv("Prefix", "");
    j.close();
    j.kobj("Expiration");
    j.kn("Days", 1);
    j.close();
    j.close();
    j.close();
    trail_bucket_head(c, j, "lifecycle");
    j.close();
    trail_bucket_tail(c, j, 246);
}

fn s3_delete_bucket_policy(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    trail_bucket_head(c, j, "policy");
    j.close();
    trail_bucket_tail(c, j, 0);
}

/// `args[0]` = the secret's ARN.
fn scn_get_secret_value(c: &mut Ctx<'_>, j: &mut Json) {
    let arn = c.args.first().cloned().unwrap_or_default();
    j.kobj("requestParameters");
    j.kv("secretId", &arn);
    j.close();
    j.knull("responseElements");
}

static SIGNIN_ROOT: Api = Api {
    event_type: EvType::SignIn,
    req_id: ReqId::None,
    host: Host::Fixed("signin.aws.amazon.com"),
    scope: Scope::Global,
    ..scn(
        "signin.amazonaws.com",
        "ConsoleLogin",
        "signin:ConsoleLogin",
        "1.11",
        console_login,
    )
};
static SIGNIN_IAM: Api = Api {
    event_type: EvType::SignIn,
    req_id: ReqId::None,
    host: Host::Fixed("signin.aws.amazon.com"),
    scope: Scope::Global,
    ..scn(
        "signin.amazonaws.com",
        "ConsoleLogin",
        "signin:ConsoleLogin",
        "1.11",
        console_login,
    )
};
static IAM_PUT_USER_POLICY: Api = Api {
    host: Host::Fixed("iam.amazonaws.com"),
    scope: Scope::Global,
    ..scn(
        "iam.amazonaws.com",
        "PutUserPolicy",
        "iam:PutUserPolicy",
        "1.09",
        iam_put_user_policy,
    )
};
static IAM_ATTACH_ROLE_POLICY: Api = Api {
    host: Host::Fixed("iam.amazonaws.com"),
    scope: Scope::Global,
    ..scn(
        "iam.amazonaws.com",
        "AttachRolePolicy",
        "iam:AttachRolePolicy",
        "1.09",
        iam_attach_role_policy,
    )
};
static IAM_CREATE_POLICY_VERSION: Api = Api {
    host: Host::Fixed("iam.amazonaws.com"),
    scope: Scope::Global,
    ..scn(
        "iam.amazonaws.com",
        "CreatePolicyVersion",
        "iam:CreatePolicyVersion",
        "1.09",
        iam_create_policy_version,
    )
};
static IAM_CREATE_ACCESS_KEY: Api = Api {
    host: Host::Fixed("iam.amazonaws.com"),
    scope: Scope::Global,
    ..scn(
        "iam.amazonaws.com",
        "CreateAccessKey",
        "iam:CreateAccessKey",
        "1.09",
        iam_create_access_key,
    )
};
static EC2_AUTHORIZE_SG_INGRESS: Api = scn(
    "ec2.amazonaws.com",
    "AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupIngress",
    "1.10",
    ec2_authorize_ingress,
);
static CT_STOP_LOGGING: Api = scn(
    "cloudtrail.amazonaws.com",
    "StopLogging",
    "cloudtrail:StopLogging",
    "1.10",
    trail_name_only,
);
static CT_DELETE_TRAIL: Api = scn(
    "cloudtrail.amazonaws.com",
    "DeleteTrail",
    "cloudtrail:DeleteTrail",
    "1.10",
    trail_name_only,
);
static CT_UPDATE_TRAIL: Api = scn(
    "cloudtrail.amazonaws.com",
    "UpdateTrail",
    "cloudtrail:UpdateTrail",
    "1.10",
    ct_update_trail,
);
static CT_PUT_EVENT_SELECTORS: Api = scn(
    "cloudtrail.amazonaws.com",
    "PutEventSelectors",
    "cloudtrail:PutEventSelectors",
    "1.10",
    ct_put_event_selectors,
);
static KMS_DISABLE_KEY: Api = scn(
    "kms.amazonaws.com",
    "DisableKey",
    "kms:DisableKey",
    "1.11",
    kms_disable_key,
);
static KMS_SCHEDULE_KEY_DELETION: Api = scn(
    "kms.amazonaws.com",
    "ScheduleKeyDeletion",
    "kms:ScheduleKeyDeletion",
    "1.11",
    kms_schedule_key_deletion,
);
static S3_PUT_BUCKET_POLICY: Api = Api {
    host: Host::S3Bucket,
    req_id: ReqId::S3,
    ..scn(
        "s3.amazonaws.com",
        "PutBucketPolicy",
        "s3:PutBucketPolicy",
        "1.10",
        s3_put_bucket_policy,
    )
};
static S3_PUT_BUCKET_LIFECYCLE: Api = Api {
    host: Host::S3Bucket,
    req_id: ReqId::S3,
    ..scn(
        "s3.amazonaws.com",
        "PutBucketLifecycle",
        "s3:PutLifecycleConfiguration",
        "1.10",
        s3_put_bucket_lifecycle,
    )
};
static S3_DELETE_BUCKET_POLICY: Api = Api {
    host: Host::S3Bucket,
    req_id: ReqId::S3,
    ..scn(
        "s3.amazonaws.com",
        "DeleteBucketPolicy",
        "s3:DeleteBucketPolicy",
        "1.10",
        s3_delete_bucket_policy,
    )
};
static SCN_GET_SECRET_VALUE: Api = Api {
    read_only: true,
    ..scn(
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        "secretsmanager:GetSecretValue",
        "1.09",
        scn_get_secret_value,
    )
};

/// Check that the configuration leaves room for the selected scenarios.
pub(crate) fn check_duration(cfg: &GenConfig) -> Result<(), GenError> {
    if !cfg.scenarios.kinds().is_empty() && cfg.duration_hours < 2 {
        return Err(GenError::config(
            "duration_hours",
            "scenarios need at least 2 hours (use scenarios = \"none\" for shorter trails)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ScenarioKind::ALL {
            assert_eq!(k.name().parse::<ScenarioKind>().unwrap(), k);
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.name()));
            assert!(!k.title().is_empty());
        }
        assert!("nope".parse::<ScenarioKind>().is_err());
    }

    #[test]
    fn plan_is_deterministic_and_inside_the_range() {
        let cfg = GenConfig::default();
        let w = World::build(&cfg).unwrap();
        let a = plan(&cfg, &w);
        let b = plan(&cfg, &w);
        assert_eq!(a.scenarios.len(), ScenarioKind::ALL.len());
        assert_eq!(a.events.len(), b.events.len());
        let baseline_end = w.start.add_secs(3 * 86_400);
        for (x, y) in a.events.iter().zip(&b.events) {
            assert_eq!(x.event_id, y.event_id);
            assert_eq!(x.time, y.time);
            assert!(x.time >= baseline_end && x.time < w.end, "{}", x.time);
        }
    }
}
