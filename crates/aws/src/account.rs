//! One account: regions in parallel, then the resources the trails point at.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};
use trailguard_posture::arn;
use trailguard_posture::snapshot::{
    Account, ErrorKind, Iam, Membership, Read, ReadError, RegionData, RegionInfo, Trail,
};

use crate::clients::{Caller, Clients};
use crate::errors::{code, read_error};
use crate::{CollectOptions, Progress, cloudtrail, iam, logs, s3};

/// Collect every target account (the caller first), `account_concurrency` at a time.
pub(crate) async fn collect_accounts(
    opts: &CollectOptions,
    base: &Clients,
    me: &Caller,
    targets: Vec<(String, Option<String>)>,
    progress: &dyn Progress,
) -> Vec<Account> {
    stream::iter(targets)
        .map(|(account, role)| async move {
            match role {
                None => collect_account(opts, base, &account, Some(me.arn.clone()), None, progress).await,
                Some(role_arn) => {
                    let clients = Clients::new(opts, Some((base.sdk_config(), &role_arn))).await;
                    match clients.caller().await {
                        Ok(c) => collect_account(opts, &clients, &account, Some(c.arn), Some(role_arn), progress).await,
                        Err(e) => unreachable_account(&account, &role_arn, &e.to_string()),
                    }
                }
            }
        })
        .buffered(opts.account_concurrency.max(1))
        .collect()
        .await
}

/// An account whose role could not be assumed: every read carries that error.
fn unreachable_account(account: &str, role: &str, message: &str) -> Account {
    let err = ReadError {
        api: String::new(),
        kind: ErrorKind::AccessDenied,
        code: Some("AssumeRoleFailed".into()),
        message: format!("cannot assume {role}: {message}"),
    };
    fn e<T>(err: &ReadError, api: &str) -> Read<T> {
        let mut x = err.clone();
        x.api = api.to_string();
        Read::Error(x)
    }
    Account {
        account_id: account.to_string(),
        caller_arn: None,
        assumed_role: Some(role.to_string()),
        organization: e(&err, "organizations:DescribeOrganization"),
        regions: e(&err, "ec2:DescribeRegions"),
        region_data: Vec::new(),
        bucket_names: e(&err, "s3:ListAllMyBuckets"),
        public_access_block: e(&err, "s3control:GetPublicAccessBlock"),
        buckets: Vec::new(),
        keys: Vec::new(),
        log_groups: Vec::new(),
        topics: Vec::new(),
        iam: e(&err, "iam:GetAccountAuthorizationDetails"),
    }
}

async fn collect_account(
    opts: &CollectOptions,
    c: &Clients,
    account: &str,
    caller_arn: Option<String>,
    assumed_role: Option<String>,
    progress: &dyn Progress,
) -> Account {
    progress.add_total(6);
    let organization = membership(c).await;
    let regions = regions(opts, c).await;
    progress.advance(1, &format!("{account}: regions"));
    let names: Vec<String> = match &regions {
        Read::Ok(r) => r.iter().map(|x| x.name.clone()).collect(),
        Read::Error(_) => vec![c.home.clone()],
    };
    progress.add_total(names.len() as u64);
    let region_data: Vec<RegionData> = stream::iter(names)
        .map(|r| async move {
            let rd = cloudtrail::region(c, account, &r).await;
            progress.advance(1, &format!("{account}: {r}"));
            rd
        })
        .buffered(opts.region_concurrency.max(1))
        .collect()
        .await;

    // Every trail the account sees, once (home-region copies carry the detail).
    let mut trails: BTreeMap<String, Trail> = BTreeMap::new();
    for rd in &region_data {
        for t in rd.trails.ok().into_iter().flatten() {
            let e = trails.entry(t.arn.clone()).or_insert_with(|| t.clone());
            if e.detail.is_none() && t.detail.is_some() {
                *e = t.clone();
            }
        }
    }

    let (bucket_names, buckets) = s3::buckets(c, account, &trails).await;
    progress.advance(1, &format!("{account}: buckets"));
    let keys = s3::keys(c, account, &trails).await;
    progress.advance(1, &format!("{account}: keys"));
    let log_groups = logs::log_groups(c, account, &trails).await;
    let topics = logs::topics(c, account, &log_groups, &region_data).await;
    progress.advance(1, &format!("{account}: log groups and alarms"));
    let public_access_block = s3::account_public_access_block(c, account).await;
    let iam = iam::policies(c).await;
    progress.advance(1, &format!("{account}: IAM"));

    Account {
        account_id: account.to_string(),
        caller_arn,
        assumed_role,
        organization,
        regions,
        region_data,
        bucket_names,
        public_access_block,
        buckets,
        keys,
        log_groups,
        topics,
        iam: iam.map_or_else(Read::Error, |i: Iam| Read::Ok(i)),
    }
}

async fn membership(c: &Clients) -> Read<Option<Membership>> {
    match c.organizations().describe_organization().send().await {
        Ok(out) => Read::Ok(out.organization().map(|o| Membership {
            organization_id: o.id().unwrap_or_default().to_string(),
            management_account_id: o.master_account_id().unwrap_or_default().to_string(),
            feature_set: o.feature_set().map(|f| f.as_str().to_string()),
        })),
        Err(e) if code(&e) == Some("AWSOrganizationsNotInUseException") => Read::Ok(None),
        Err(e) => Read::Error(read_error("organizations:DescribeOrganization", &e, false)),
    }
}

/// Enabled regions: opt-in regions that were opted into count, regions of other partitions
/// do not.
async fn regions(opts: &CollectOptions, c: &Clients) -> Read<Vec<RegionInfo>> {
    if let Some(list) = &opts.regions {
        return Read::Ok(
            list.iter()
                .map(|r| RegionInfo {
                    name: r.clone(),
                    opt_in_status: "selected".into(),
                })
                .collect(),
        );
    }
    let partition = arn::partition_of_region(&c.home);
    match c.ec2().describe_regions().all_regions(false).send().await {
        Ok(out) => {
            let mut v: Vec<RegionInfo> = out
                .regions()
                .iter()
                .filter_map(|r| {
                    let name = r.region_name()?.to_string();
                    let status = r.opt_in_status().unwrap_or("opt-in-not-required").to_string();
                    (status != "not-opted-in" && arn::partition_of_region(&name) == partition).then_some(RegionInfo {
                        name,
                        opt_in_status: status,
                    })
                })
                .collect();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            v.dedup_by(|a, b| a.name == b.name);
            Read::Ok(v)
        }
        Err(e) => Read::Error(read_error("ec2:DescribeRegions", &e, false)),
    }
}

/// Distinct values, in order.
pub(crate) fn distinct<I: IntoIterator<Item = String>>(it: I) -> Vec<String> {
    let mut seen = BTreeSet::new();
    it.into_iter().filter(|x| seen.insert(x.clone())).collect()
}
