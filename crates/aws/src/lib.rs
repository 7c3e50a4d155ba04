//! Every AWS SDK call trailguard makes, and nothing else: the read-only configuration snapshot
//! behind `trailguard collect` and `trailguard audit --live`.
//!
//! [`collect`] reads, for the calling account (and with [`CollectOptions::org_role`] for every
//! member account of its organization, through an assumed role), every enabled region in
//! parallel: trails with their status, selectors, Insights and tags; the trail buckets, keys,
//! log groups, metric filters, alarms, SNS subscriptions, EventBridge rules, Lake event data
//! stores; account-level Block Public Access; IAM policies that could grant tampering; and
//! the organization's SCPs. A trail key or bucket that belongs to another account being
//! collected (the organization's log-archive account) is read with that account's role and
//! recorded there. A call that fails is recorded in the snapshot with its error kind
//! (access denied, another account's resource, not implemented by the endpoint, throttled
//! beyond the retries), so the checks can say `ERROR` or `MANUAL` instead of `FAIL`.
//!
//! Only read calls are made; [`REQUIRED_ACTIONS`] lists them (the minimal IAM policy is
//! [`iam_policy`], written to `crates/aws/collect-policy.json`). Throttling is retried with
//! exponential backoff and jitter by the SDK's standard retry strategy.
//!
//! It also reads what `trailguard verify s3://bucket[/prefix]` needs:
//!
//! - [`s3_objects`]: a trail bucket's objects: the bucket's region (`HeadBucket`), the listing
//!   of its CloudTrail folders (discovered level by level, then every region folder, or only
//!   the day folders of a time range, listed concurrently), and concurrent `GetObject`s of
//!   raw bytes with their user metadata (digest signatures), each failure classified per
//!   object (not found, access denied, archived) so that a run goes on;
//! - [`public_keys`]: CloudTrail's `ListPublicKeys` in a region, for a time range. The verify
//!   API is blocking: each [`Aws`] owns its async runtime.
//!
//! ```no_run
//! use trailguard_aws::{collect, CollectOptions, NoProgress};
//! let snapshot = collect(&CollectOptions::default(), &NoProgress).unwrap();
//! println!("{}", snapshot.to_json());
//! ```

#![deny(missing_docs)]

mod account;
mod clients;
mod cloudtrail;
mod errors;
mod iam;
mod logs;
mod org;
mod s3;
mod sdk;
mod versioning;

pub mod public_keys;
pub mod s3_objects;

pub use s3_objects::{Aws, AwsError, AwsOptions, Fetched, Listed, ObjectError, TrailBucket};

use trailguard_posture::snapshot::{Read, Snapshot, Source, SourceKind};

pub use clients::Clients;

/// What to collect and how.
#[derive(Clone, Debug)]
pub struct CollectOptions {
    /// Named profile (`--profile`); the standard credential chain otherwise.
    pub profile: Option<String>,
    /// A non-default endpoint for every service (`--endpoint-url`, e.g. a local emulator).
    pub endpoint_url: Option<String>,
    /// Region used for discovery and global services; the configured region, else `us-east-1`.
    pub region: Option<String>,
    /// Only these regions (skips discovery).
    pub regions: Option<Vec<String>>,
    /// Walk the organization's member accounts by assuming this role name in each.
    pub org_role: Option<String>,
    /// Only these member accounts (with `org_role`).
    pub accounts: Option<Vec<String>>,
    /// Regions read at the same time, per account.
    pub region_concurrency: usize,
    /// Accounts read at the same time.
    pub account_concurrency: usize,
    /// Attempts per call, including the first (throttling and transient errors are retried).
    pub max_attempts: u32,
    /// Worker threads of the async runtime.
    pub threads: usize,
    /// When the snapshot is taken (RFC 3339); the checks measure ages against it.
    pub collected_at: String,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            profile: None,
            endpoint_url: None,
            region: None,
            regions: None,
            org_role: None,
            accounts: None,
            region_concurrency: 17,
            account_concurrency: 4,
            max_attempts: 8,
            threads: 4,
            collected_at: String::from("1970-01-01T00:00:00Z"),
        }
    }
}

/// Why a collection could not be done at all. Failures of single calls are not errors: they
/// are recorded in the snapshot.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The calling identity could not be determined (no or invalid credentials, no network).
    #[error(
        "cannot identify the calling account (sts:GetCallerIdentity): {message}; check the credentials (--profile, AWS_PROFILE, AWS_ACCESS_KEY_ID) and the endpoint"
    )]
    Identity {
        /// What failed.
        message: String,
    },
    /// `--org` was given but the organization's accounts could not be listed.
    #[error(
        "--org: cannot list the organization's accounts: {message} (run from the management account or a delegated administrator)"
    )]
    Organization {
        /// What failed.
        message: String,
    },
}

/// Progress of a collection, reported as units of work (account × region, account-level
/// reads). Implemented by the CLI's progress bar.
pub trait Progress: Send + Sync {
    /// More work was discovered.
    fn add_total(&self, units: u64);
    /// Units were finished; `what` says which.
    fn advance(&self, units: u64, what: &str);
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn add_total(&self, _: u64) {}
    fn advance(&self, _: u64, _: &str) {}
}

/// Collect a snapshot (blocking; runs its own async runtime).
pub fn collect(opts: &CollectOptions, progress: &dyn Progress) -> Result<Snapshot, CollectError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.threads.max(1))
        .enable_all()
        .build()
        .map_err(CollectError::Runtime)?;
    rt.block_on(collect_async(opts, progress))
}

async fn collect_async(opts: &CollectOptions, progress: &dyn Progress) -> Result<Snapshot, CollectError> {
    let base = Clients::new(opts, None).await;
    let me = base.caller().await?;
    let partition = trailguard_posture::arn::parse(&me.arn)
        .map(|a| a.partition.to_string())
        .unwrap_or_else(|| "aws".into());
    let mut snap = Snapshot::new(
        opts.collected_at.clone(),
        Source {
            kind: SourceKind::Live,
            endpoint_url: opts.endpoint_url.clone(),
            profile: opts.profile.clone(),
            path: None,
            accounts_merged: Vec::new(),
        },
        &partition,
    );
    let mut targets: Vec<(String, Option<String>)> = vec![(me.account.clone(), None)];
    if let Some(role) = &opts.org_role {
        progress.add_total(1);
        let org = org::organization(&base).await;
        progress.advance(1, "organization");
        match &org {
            Read::Ok(o) => {
                for a in &o.accounts {
                    let wanted = opts.accounts.as_ref().is_none_or(|w| w.contains(&a.id));
                    if a.id != me.account && a.status == "ACTIVE" && wanted {
                        targets.push((a.id.clone(), Some(format!("arn:{partition}:iam::{}:role/{role}", a.id))));
                    }
                }
            }
            Read::Error(e) => {
                return Err(CollectError::Organization { message: e.describe() });
            }
        }
        snap.organization = Some(org);
    }
    let accounts = account::collect_accounts(opts, &base, &me, targets, progress).await;
    snap.accounts = accounts;
    Ok(snap)
}

/// The read-only IAM actions `collect` calls (the minimal policy).
pub const REQUIRED_ACTIONS: &[&str] = &[
    "sts:GetCallerIdentity",
    "ec2:DescribeRegions",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetInsightSelectors",
    "cloudtrail:ListTags",
    "cloudtrail:ListEventDataStores",
    "cloudtrail:GetEventDataStore",
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketVersioning",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetBucketLogging",
    "s3:GetEncryptionConfiguration",
    "s3:ListBucket",
    "s3:GetAccountPublicAccessBlock",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "logs:DescribeLogGroups",
    "logs:DescribeMetricFilters",
    "cloudwatch:DescribeAlarms",
    "sns:ListSubscriptionsByTopic",
    "events:ListRules",
    "events:ListTargetsByRule",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:ListPolicies",
    "organizations:DescribePolicy",
    "organizations:ListTargetsForPolicy",
    "iam:GetAccountAuthorizationDetails",
];

/// The minimal IAM policy for `collect` (and `sts:AssumeRole` on the member role for `--org`).
pub fn iam_policy(org_role: Option<&str>) -> String {
    let mut statements = vec![serde_json::json!({
        "Sid": "TrailguardCollectReadOnly",
        "Effect": "Allow",
        "Action": REQUIRED_ACTIONS,
        "Resource": "*",
    })];
    if let Some(role) = org_role {
        statements.push(serde_json::json!({
            "Sid": "TrailguardAssumeMemberRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": format!("arn:aws:iam::*:role/{role}"),
        }));
    }
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_policy_is_the_generated_one() {
        let file = include_str!("../collect-policy.json");
        assert_eq!(
            file,
            iam_policy(Some("TrailguardAudit")),
            "regenerate crates/aws/collect-policy.json"
        );
        for a in REQUIRED_ACTIONS {
            let verb = a.split(':').nth(1).unwrap_or("");
            assert!(
                ["Get", "List", "Describe"].iter().any(|p| verb.starts_with(p)),
                "{a} is not a read-only action"
            );
        }
    }
}
