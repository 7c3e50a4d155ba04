//! One account: regions in parallel, then the resources the trails point at.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};
use trailguard_posture::arn;
use trailguard_posture::snapshot::{
    Account, Bucket, BucketPresence, ErrorKind, Iam, Key, Membership, Read, ReadError, RegionData, RegionInfo, Trail,
};

use crate::clients::{Caller, Clients};
use crate::errors::{code, read_error};
use crate::{CollectOptions, Progress, cloudtrail, iam, logs, s3};

/// A target account and the credentials that reach it: `(clients, caller ARN)`, or why the
/// role could not be assumed.
struct Reached {
    account: String,
    role: Option<String>,
    clients: Result<(Clients, String), String>,
}

/// What an account's collection left to be read with another account's credentials.
#[derive(Default)]
struct Deferred {
    /// KMS keys `(reference, region)` whose ARN names another collected account.
    keys: Vec<(String, String)>,
    /// Trail buckets that exist in another account (which one is known once every account's
    /// `ListBuckets` is in).
    buckets: Vec<String>,
}

/// Collect every target account (the caller first), `account_concurrency` at a time.
///
/// A trail's KMS key or bucket that belongs to another account being collected (a log-archive
/// account of the organization) is read with that account's credentials (the role assumed
/// there) and recorded in that account, as its own resource: read with the trail account's
/// credentials it needs a resource policy that lets them in (and an emulator that keeps
/// accounts apart never answers). A resource whose owner is not reachable is read as before,
/// with the trail account's credentials, and a refusal is recorded as another account's.
pub(crate) async fn collect_accounts(
    opts: &CollectOptions,
    base: &Clients,
    me: &Caller,
    targets: Vec<(String, Option<String>)>,
    progress: &dyn Progress,
) -> Vec<Account> {
    let concurrency = opts.account_concurrency.max(1);
    let reached: Vec<Reached> = stream::iter(targets)
        .map(|(account, role)| async move {
            match role {
                None => Reached {
                    account,
                    role: None,
                    clients: Ok((base.clone(), me.arn.clone())),
                },
                Some(role_arn) => {
                    let clients = Clients::new(opts, Some((base.sdk_config(), &role_arn))).await;
                    let clients = match clients.caller().await {
                        Ok(c) => Ok((clients, c.arn)),
                        Err(e) => Err(e.to_string()),
                    };
                    Reached {
                        account,
                        role: Some(role_arn),
                        clients,
                    }
                }
            }
        })
        .buffered(concurrency)
        .collect()
        .await;
    let reachable: BTreeMap<String, Clients> = reached
        .iter()
        .filter_map(|r| r.clients.as_ref().ok().map(|(c, _)| (r.account.clone(), c.clone())))
        .collect();
    let ids: BTreeSet<String> = reachable.keys().cloned().collect();
    let mut collected: Vec<(Account, Deferred)> = stream::iter(reached)
        .map(|r| {
            let ids = &ids;
            async move {
                match r.clients {
                    Ok((c, arn)) => collect_account(opts, &c, &r.account, Some(arn), r.role, ids, progress).await,
                    Err(e) => {
                        let role = r.role.unwrap_or_default();
                        (unreachable_account(&r.account, &role, &e), Deferred::default())
                    }
                }
            }
        })
        .buffered(concurrency)
        .collect()
        .await;
    read_deferred(&mut collected, &reachable, progress).await;
    collected.into_iter().map(|(a, _)| a).collect()
}

/// One read left by an account's collection.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Job {
    /// A key, read by its owner and recorded there.
    Key {
        owner: String,
        reference: String,
        region: String,
    },
    /// A key whose owner is not reachable: read by the trail account, as another account's.
    ForeignKey {
        account: String,
        reference: String,
        region: String,
    },
    /// A bucket, read by its owner and recorded there.
    OwnedBucket { owner: String, name: String },
    /// A bucket whose owner is not reachable: read by the trail account, as another account's.
    ForeignBucket { account: String, name: String },
}

/// The reads the accounts deferred, each resource once: by its owner when the owner is
/// reachable and has no record of it yet, else (buckets of unknown or unreachable owners) by
/// the account that found it.
fn plan(collected: &[(Account, Deferred)], reachable: &BTreeSet<String>) -> BTreeSet<Job> {
    // Who owns each bucket: the account whose ListBuckets names it.
    let mut bucket_owner: BTreeMap<&str, &str> = BTreeMap::new();
    for (a, _) in collected.iter() {
        for n in a.bucket_names.ok().into_iter().flatten() {
            bucket_owner.entry(n.as_str()).or_insert(a.account_id.as_str());
        }
    }
    let mut jobs: BTreeSet<Job> = BTreeSet::new();
    for (a, d) in collected.iter() {
        for (reference, region) in &d.keys {
            let owner = arn::account(reference).filter(|o| *o != a.account_id && reachable.contains(*o));
            let Some(owner) = owner else {
                jobs.insert(Job::ForeignKey {
                    account: a.account_id.clone(),
                    reference: reference.clone(),
                    region: region.clone(),
                });
                continue;
            };
            {
                let recorded = collected.iter().any(|(o, _)| {
                    o.account_id == owner
                        && o.keys
                            .iter()
                            .any(|k| k.reference == *reference || k.metadata.ok().is_some_and(|m| m.arn == *reference))
                });
                if !recorded {
                    jobs.insert(Job::Key {
                        owner: owner.to_string(),
                        reference: reference.clone(),
                        region: region.clone(),
                    });
                }
            }
        }
        for name in &d.buckets {
            match bucket_owner.get(name.as_str()) {
                Some(owner) if *owner != a.account_id && reachable.contains(*owner) => {
                    let recorded = collected.iter().any(|(o, _)| {
                        o.account_id == *owner
                            && o.buckets
                                .iter()
                                .any(|b| b.name == *name && matches!(b.presence, Read::Ok(BucketPresence::Owned)))
                    });
                    if !recorded {
                        jobs.insert(Job::OwnedBucket {
                            owner: owner.to_string(),
                            name: name.clone(),
                        });
                    }
                }
                _ => {
                    jobs.insert(Job::ForeignBucket {
                        account: a.account_id.clone(),
                        name: name.clone(),
                    });
                }
            }
        }
    }
    jobs
}

/// Read what the accounts deferred, each resource once, with its owner's credentials when the
/// owner is reachable, and add the records to the accounts.
async fn read_deferred(
    collected: &mut [(Account, Deferred)],
    reachable: &BTreeMap<String, Clients>,
    progress: &dyn Progress,
) {
    if collected.iter().all(|(_, d)| d.keys.is_empty() && d.buckets.is_empty()) {
        return;
    }
    let reachable_ids: BTreeSet<String> = reachable.keys().cloned().collect();
    let jobs = plan(collected, &reachable_ids);
    progress.add_total(1);
    enum Record {
        Key(Box<Key>),
        Bucket(Box<Bucket>),
    }
    let records: Vec<(String, Record)> = stream::iter(jobs)
        .map(|job| async move {
            let (account, record) = match job {
                Job::Key {
                    owner,
                    reference,
                    region,
                } => {
                    let c = reachable.get(&owner)?;
                    (
                        owner,
                        Record::Key(Box::new(s3::read_key(c, reference, region, false).await)),
                    )
                }
                Job::ForeignKey {
                    account,
                    reference,
                    region,
                } => {
                    let c = reachable.get(&account)?;
                    (
                        account,
                        Record::Key(Box::new(s3::read_key(c, reference, region, true).await)),
                    )
                }
                Job::OwnedBucket { owner, name } => {
                    let c = reachable.get(&owner)?;
                    let b = s3::read_bucket(c, &name, None, BucketPresence::Owned).await;
                    (owner, Record::Bucket(Box::new(b)))
                }
                Job::ForeignBucket { account, name } => {
                    let c = reachable.get(&account)?;
                    let b = s3::read_bucket(c, &name, None, BucketPresence::OtherAccount).await;
                    (account, Record::Bucket(Box::new(b)))
                }
            };
            Some((account, record))
        })
        .buffer_unordered(16)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    for (account, record) in records {
        if let Some((a, _)) = collected.iter_mut().find(|(a, _)| a.account_id == account) {
            match record {
                Record::Key(k) => a.keys.push(*k),
                Record::Bucket(b) => a.buckets.push(*b),
            }
        }
    }
    for (a, _) in collected.iter_mut() {
        a.keys.sort_by(|x, y| x.reference.cmp(&y.reference));
    }
    progress.advance(1, "keys and buckets of other accounts");
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
    collected: &BTreeSet<String>,
    progress: &dyn Progress,
) -> (Account, Deferred) {
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

    // Resources of the other accounts being collected are read with their credentials later.
    let others: BTreeSet<String> = collected.iter().filter(|a| *a != account).cloned().collect();
    let found = s3::buckets(c, account, &trails, !others.is_empty()).await;
    progress.advance(1, &format!("{account}: buckets"));
    let (keys, deferred_keys) = s3::keys(c, account, &trails, &others).await;
    progress.advance(1, &format!("{account}: keys"));
    let log_groups = logs::log_groups(c, account, &trails).await;
    let topics = logs::topics(c, account, &log_groups, &region_data).await;
    progress.advance(1, &format!("{account}: log groups and alarms"));
    let public_access_block = s3::account_public_access_block(c, account).await;
    let iam = iam::policies(c).await;
    progress.advance(1, &format!("{account}: IAM"));

    let account = Account {
        account_id: account.to_string(),
        caller_arn,
        assumed_role,
        organization,
        regions,
        region_data,
        bucket_names: found.names,
        public_access_block,
        buckets: found.records,
        keys,
        log_groups,
        topics,
        iam: iam.map_or_else(Read::Error, |i: Iam| Read::Ok(i)),
    };
    let deferred = Deferred {
        keys: deferred_keys,
        buckets: found.deferred,
    };
    (account, deferred)
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

#[cfg(test)]
mod tests {
    use super::*;

    const MGMT: &str = "111111111111";
    const LOGS: &str = "222222222222";
    const GONE: &str = "333333333333";

    fn account(id: &str, buckets: &[&str]) -> Account {
        let mut a = unreachable_account(id, "role", "test");
        a.bucket_names = Read::Ok(buckets.iter().map(|b| b.to_string()).collect());
        a
    }

    fn key_arn(owner: &str) -> String {
        format!("arn:aws:kms:us-east-1:{owner}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    }

    fn reachable(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_resource_of_a_reachable_account_is_read_by_its_owner_once() {
        let deferred = Deferred {
            keys: vec![(key_arn(LOGS), "us-east-1".into())],
            buckets: vec!["trail-logs".into()],
        };
        let collected = vec![
            (account(MGMT, &[]), deferred),
            (account(LOGS, &["trail-logs"]), Deferred::default()),
        ];
        let jobs = plan(&collected, &reachable(&[MGMT, LOGS]));
        let want: BTreeSet<Job> = [
            Job::Key {
                owner: LOGS.into(),
                reference: key_arn(LOGS),
                region: "us-east-1".into(),
            },
            Job::OwnedBucket {
                owner: LOGS.into(),
                name: "trail-logs".into(),
            },
        ]
        .into_iter()
        .collect();
        assert_eq!(jobs, want);
    }

    #[test]
    fn what_the_owner_already_read_is_not_read_again() {
        let deferred = Deferred {
            keys: vec![(key_arn(LOGS), "us-east-1".into())],
            buckets: vec!["trail-logs".into()],
        };
        let mut logs = account(LOGS, &["trail-logs"]);
        logs.keys.push(Key {
            reference: "alias/trail".into(),
            region: "us-east-1".into(),
            metadata: Read::Ok(trailguard_posture::snapshot::KeyMetadata {
                arn: key_arn(LOGS),
                key_manager: "CUSTOMER".into(),
                key_spec: "SYMMETRIC_DEFAULT".into(),
                key_state: "Enabled".into(),
                origin: None,
                deletion_date: None,
            }),
            policy: Read::Ok(String::new()),
            rotation_enabled: Read::Ok(true),
        });
        let mut bucket = s3_bucket("trail-logs");
        bucket.presence = Read::Ok(BucketPresence::Owned);
        logs.buckets.push(bucket);
        let collected = vec![(account(MGMT, &[]), deferred), (logs, Deferred::default())];
        assert!(plan(&collected, &reachable(&[MGMT, LOGS])).is_empty());
    }

    #[test]
    fn an_owner_out_of_reach_leaves_the_read_to_the_trail_account() {
        // The bucket's owner is not collected (not in any ListBuckets), the key's owner could
        // not be assumed into: both are read as before, as another account's resources.
        let deferred = Deferred {
            keys: vec![(key_arn(GONE), "eu-west-1".into())],
            buckets: vec!["elsewhere".into(), "listed-by-gone".into()],
        };
        let collected = vec![
            (account(MGMT, &[]), deferred),
            (account(GONE, &["listed-by-gone"]), Deferred::default()),
        ];
        let jobs = plan(&collected, &reachable(&[MGMT]));
        let want: BTreeSet<Job> = [
            Job::ForeignKey {
                account: MGMT.into(),
                reference: key_arn(GONE),
                region: "eu-west-1".into(),
            },
            Job::ForeignBucket {
                account: MGMT.into(),
                name: "elsewhere".into(),
            },
            Job::ForeignBucket {
                account: MGMT.into(),
                name: "listed-by-gone".into(),
            },
        ]
        .into_iter()
        .collect();
        assert_eq!(jobs, want);
    }

    fn s3_bucket(name: &str) -> Bucket {
        fn n<T>() -> Read<T> {
            Read::Error(ReadError::new("test", ErrorKind::NotCollected, "test"))
        }
        Bucket {
            name: name.into(),
            presence: n(),
            region: None,
            policy: n(),
            acl: n(),
            public_access_block: n(),
            versioning: n(),
            object_lock: n(),
            lifecycle: n(),
            logging: n(),
            encryption: n(),
        }
    }
}
