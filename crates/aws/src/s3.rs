//! S3 (trail buckets, orphaned CloudTrail buckets, account Block Public Access) and KMS (trail
//! keys).

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};
use trailguard_posture::arn;
use trailguard_posture::policy::{Effect, Policy};
use trailguard_posture::snapshot::{
    Bucket, BucketEncryption, BucketLogging, BucketPresence, ErrorKind, Grant, Key, KeyMetadata, LifecycleRule,
    ObjectLock, PublicAccessBlock, Read, ReadError, Trail, Transition,
};

use crate::account::distinct;
use crate::clients::Clients;
use crate::cloudtrail::time;
use crate::errors::{code, read_error};

const BUCKET_CONCURRENCY: usize = 16;

/// What [`buckets`] found.
pub(crate) struct Buckets {
    /// `ListBuckets` names.
    pub(crate) names: Read<Vec<String>>,
    /// Every trail bucket, and every owned bucket whose policy lets CloudTrail write.
    pub(crate) records: Vec<Bucket>,
    /// Trail buckets that exist in another account, left unread (with `defer_foreign`): the
    /// caller reads them with their owner's credentials when it can.
    pub(crate) deferred: Vec<String>,
}

/// The account's trail buckets and the owned buckets that receive CloudTrail logs. With
/// `defer_foreign`, a trail bucket of another account is not read here but returned in
/// [`Buckets::deferred`].
pub(crate) async fn buckets(
    c: &Clients,
    account: &str,
    trails: &BTreeMap<String, Trail>,
    defer_foreign: bool,
) -> Buckets {
    let s3 = c.s3(&c.home);
    // name -> region (when ListBuckets says)
    let mut owned: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut list_error = None;
    let mut token: Option<String> = None;
    loop {
        match s3.list_buckets().set_continuation_token(token.take()).send().await {
            Ok(out) => {
                for b in out.buckets() {
                    if let Some(n) = b.name() {
                        owned.insert(n.to_string(), b.bucket_region().map(str::to_string));
                    }
                }
                match out.continuation_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
            Err(e) => {
                list_error = Some(read_error("s3:ListAllMyBuckets", &e, false));
                break;
            }
        }
    }
    let trail_buckets = distinct(trails.values().filter_map(|t| t.s3_bucket_name.clone()));
    let probed: Vec<Result<Bucket, String>> = stream::iter(trail_buckets.iter().cloned())
        .map(|name| {
            let owned = &owned;
            let listed = list_error.is_none();
            async move {
                match owned.get(&name) {
                    Some(region) => Ok(read_bucket(c, &name, region.clone(), BucketPresence::Owned).await),
                    None => probe_bucket(c, account, &name, listed, defer_foreign).await,
                }
            }
        })
        .buffered(BUCKET_CONCURRENCY)
        .collect()
        .await;
    let mut records = Vec::new();
    let mut deferred = Vec::new();
    for p in probed {
        match p {
            Ok(b) => records.push(b),
            Err(name) => deferred.push(name),
        }
    }
    // Owned buckets that accept CloudTrail deliveries but serve none of the trails seen.
    let others: Vec<(String, Option<String>)> = owned
        .iter()
        .filter(|(n, _)| !trail_buckets.contains(n))
        .map(|(n, r)| (n.clone(), r.clone()))
        .collect();
    let orphans: Vec<Bucket> = stream::iter(others)
        .map(|(name, region)| async move {
            let region = match region {
                Some(r) => r,
                None => location(c, &name).await.unwrap_or_else(|_| c.home.clone()),
            };
            let policy = policy(c, &name, &region, false).await;
            let receives = matches!(&policy, Read::Ok(Some(p)) if grants_cloudtrail(p));
            if receives {
                Some(read_bucket(c, &name, Some(region), BucketPresence::Owned).await)
            } else {
                None
            }
        })
        .buffered(BUCKET_CONCURRENCY)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    records.extend(orphans);
    let names = match list_error {
        Some(e) => Read::Error(e),
        None => Read::Ok(owned.into_keys().collect()),
    };
    Buckets {
        names,
        records,
        deferred,
    }
}

fn grants_cloudtrail(policy: &str) -> bool {
    Policy::parse(policy).is_ok_and(|p| {
        p.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.has_action("s3:PutObject")
                && s.principal
                    .as_ref()
                    .is_some_and(|p| p.has_service("cloudtrail.amazonaws.com"))
        })
    })
}

/// A trail bucket that is not in the account's `ListBuckets`: missing, or another account's
/// (`Err(name)` with `defer_foreign`: not read here).
async fn probe_bucket(
    c: &Clients,
    account: &str,
    name: &str,
    listed: bool,
    defer_foreign: bool,
) -> Result<Bucket, String> {
    let s3 = c.s3(&c.home);
    let mut head = s3.head_bucket().bucket(name);
    if !listed {
        // Without ListBuckets, ask S3 whether this account owns it.
        head = head.expected_bucket_owner(account);
    }
    let presence = match head.send().await {
        Ok(_) if !listed => Read::Ok(BucketPresence::Owned),
        Ok(_) => Read::Ok(BucketPresence::OtherAccount),
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            match status {
                Some(404) => Read::Ok(BucketPresence::Missing),
                Some(403) => Read::Ok(BucketPresence::OtherAccount),
                // Wrong region: it exists.
                Some(301) => Read::Ok(if listed {
                    BucketPresence::OtherAccount
                } else {
                    BucketPresence::Owned
                }),
                _ => Read::Error(read_error("s3:ListBucket (HeadBucket)", &e, false)),
            }
        }
    };
    match presence {
        Read::Ok(BucketPresence::Owned) => Ok(read_bucket(c, name, None, BucketPresence::Owned).await),
        Read::Ok(BucketPresence::OtherAccount) if defer_foreign => Err(name.to_string()),
        Read::Ok(BucketPresence::OtherAccount) => Ok(read_bucket(c, name, None, BucketPresence::OtherAccount).await),
        other => {
            let why = match &other {
                Read::Ok(_) => "the bucket does not exist".to_string(),
                Read::Error(e) => e.describe(),
            };
            fn skip<T>(api: &str, why: &str) -> Read<T> {
                Read::Error(ReadError::new(api, ErrorKind::NotCollected, why))
            }
            Ok(Bucket {
                name: name.to_string(),
                presence: other.clone(),
                region: None,
                policy: skip("s3:GetBucketPolicy", &why),
                acl: skip("s3:GetBucketAcl", &why),
                public_access_block: skip("s3:GetBucketPublicAccessBlock", &why),
                versioning: skip("s3:GetBucketVersioning", &why),
                object_lock: skip("s3:GetBucketObjectLockConfiguration", &why),
                lifecycle: skip("s3:GetLifecycleConfiguration", &why),
                logging: skip("s3:GetBucketLogging", &why),
                encryption: skip("s3:GetEncryptionConfiguration", &why),
            })
        }
    }
}

async fn location(c: &Clients, name: &str) -> Result<String, ReadError> {
    match c.s3(&c.home).get_bucket_location().bucket(name).send().await {
        Ok(out) => Ok(match out.location_constraint().map(|l| l.as_str().to_string()) {
            None => "us-east-1".into(),
            Some(l) if l.is_empty() => "us-east-1".into(),
            Some(l) if l == "EU" => "eu-west-1".into(),
            Some(l) => l,
        }),
        Err(e) => Err(read_error("s3:GetBucketLocation", &e, false)),
    }
}

async fn policy(c: &Clients, name: &str, region: &str, foreign: bool) -> Read<Option<String>> {
    match c.s3(region).get_bucket_policy().bucket(name).send().await {
        Ok(out) => Read::Ok(out.policy().map(str::to_string)),
        Err(e) if code(&e) == Some("NoSuchBucketPolicy") => Read::Ok(None),
        Err(e) => Read::Error(read_error("s3:GetBucketPolicy", &e, foreign)),
    }
}

// Old lifecycle configurations carry the rule-level `Prefix` that the API has deprecated; it
// still decides which objects a rule applies to.
#[allow(deprecated)]
pub(crate) async fn read_bucket(c: &Clients, name: &str, region: Option<String>, presence: BucketPresence) -> Bucket {
    let foreign = presence == BucketPresence::OtherAccount;
    let region = match region {
        Some(r) => Some(r),
        None => location(c, name).await.ok(),
    };
    let r = region.clone().unwrap_or_else(|| c.home.clone());
    let s3 = c.s3(&r);
    let (policy, acl, pab, versioning, lock, lifecycle, logging, encryption) = futures_util::join!(
        policy(c, name, &r, foreign),
        async {
            match s3.get_bucket_acl().bucket(name).send().await {
                Ok(out) => Read::Ok(
                    out.grants()
                        .iter()
                        .filter_map(|g| {
                            let grantee = g.grantee()?;
                            Some(Grant {
                                grantee_type: grantee.r#type().as_str().to_string(),
                                uri: grantee.uri().map(str::to_string),
                                id: grantee.id().map(str::to_string),
                                permission: g.permission().map(|p| p.as_str().to_string()).unwrap_or_default(),
                            })
                        })
                        .collect(),
                ),
                Err(e) => Read::Error(read_error("s3:GetBucketAcl", &e, foreign)),
            }
        },
        async {
            match s3.get_public_access_block().bucket(name).send().await {
                Ok(out) => Read::Ok(out.public_access_block_configuration().map(|p| PublicAccessBlock {
                    block_public_acls: p.block_public_acls().unwrap_or(false),
                    ignore_public_acls: p.ignore_public_acls().unwrap_or(false),
                    block_public_policy: p.block_public_policy().unwrap_or(false),
                    restrict_public_buckets: p.restrict_public_buckets().unwrap_or(false),
                })),
                Err(e) if code(&e) == Some("NoSuchPublicAccessBlockConfiguration") => Read::Ok(None),
                Err(e) => Read::Error(read_error("s3:GetBucketPublicAccessBlock", &e, foreign)),
            }
        },
        crate::versioning::read(&s3, name, foreign),
        async {
            match s3.get_object_lock_configuration().bucket(name).send().await {
                Ok(out) => Read::Ok(out.object_lock_configuration().map(|c| {
                    let d = c.rule().and_then(|r| r.default_retention());
                    ObjectLock {
                        enabled: c.object_lock_enabled().is_some_and(|e| e.as_str() == "Enabled"),
                        mode: d.and_then(|d| d.mode()).map(|m| m.as_str().to_string()),
                        days: d.and_then(|d| d.days()).map(i64::from).filter(|d| *d > 0),
                        years: d.and_then(|d| d.years()).map(i64::from).filter(|y| *y > 0),
                    }
                })),
                Err(e) if code(&e) == Some("ObjectLockConfigurationNotFoundError") => Read::Ok(None),
                Err(e) => Read::Error(read_error("s3:GetBucketObjectLockConfiguration", &e, foreign)),
            }
        },
        async {
            match s3.get_bucket_lifecycle_configuration().bucket(name).send().await {
                Ok(out) => Read::Ok(
                    out.rules()
                        .iter()
                        .map(|r| {
                            let f = r.filter();
                            LifecycleRule {
                                id: r.id().map(str::to_string),
                                status: r.status().as_str().to_string(),
                                prefix: f
                                    .and_then(|f| f.prefix().or_else(|| f.and().and_then(|a| a.prefix())))
                                    .or(r.prefix())
                                    .map(str::to_string),
                                narrowed: f.is_some_and(|f| {
                                    f.tag().is_some()
                                        || f.object_size_greater_than().is_some_and(|n| n > 0)
                                        || f.object_size_less_than().is_some_and(|n| n > 0)
                                        || f.and().is_some_and(|a| {
                                            !a.tags().is_empty()
                                                || a.object_size_greater_than().is_some_and(|n| n > 0)
                                                || a.object_size_less_than().is_some_and(|n| n > 0)
                                        })
                                }),
                                transitions: r
                                    .transitions()
                                    .iter()
                                    .map(|t| Transition {
                                        days: t.days().map(i64::from),
                                        storage_class: t
                                            .storage_class()
                                            .map(|s| s.as_str().to_string())
                                            .unwrap_or_default(),
                                    })
                                    .collect(),
                                expiration_days: r
                                    .expiration()
                                    .and_then(|e| e.days())
                                    .map(i64::from)
                                    .filter(|d| *d > 0),
                                noncurrent_expiration_days: r
                                    .noncurrent_version_expiration()
                                    .and_then(|e| e.noncurrent_days())
                                    .map(i64::from)
                                    .filter(|d| *d > 0),
                            }
                        })
                        .collect(),
                ),
                Err(e) if code(&e) == Some("NoSuchLifecycleConfiguration") => Read::Ok(Vec::new()),
                Err(e) => Read::Error(read_error("s3:GetLifecycleConfiguration", &e, foreign)),
            }
        },
        async {
            match s3.get_bucket_logging().bucket(name).send().await {
                Ok(out) => Read::Ok(out.logging_enabled().map(|l| BucketLogging {
                    target_bucket: l.target_bucket().to_string(),
                    target_prefix: Some(l.target_prefix().to_string()).filter(|p| !p.is_empty()),
                })),
                Err(e) => Read::Error(read_error("s3:GetBucketLogging", &e, foreign)),
            }
        },
        async {
            match s3.get_bucket_encryption().bucket(name).send().await {
                Ok(out) => Read::Ok(
                    out.server_side_encryption_configuration()
                        .and_then(|c| c.rules().first())
                        .and_then(|r| r.apply_server_side_encryption_by_default())
                        .map(|d| BucketEncryption {
                            algorithm: d.sse_algorithm().as_str().to_string(),
                            kms_key_id: d.kms_master_key_id().map(str::to_string),
                        }),
                ),
                Err(e) if code(&e) == Some("ServerSideEncryptionConfigurationNotFoundError") => Read::Ok(None),
                Err(e) => Read::Error(read_error("s3:GetEncryptionConfiguration", &e, foreign)),
            }
        },
    );
    Bucket {
        name: name.to_string(),
        presence: Read::Ok(presence),
        region,
        policy,
        acl,
        public_access_block: pab,
        versioning,
        object_lock: lock,
        lifecycle,
        logging,
        encryption,
    }
}

/// Account-level Block Public Access.
pub(crate) async fn account_public_access_block(c: &Clients, account: &str) -> Read<Option<PublicAccessBlock>> {
    match c.s3control().get_public_access_block().account_id(account).send().await {
        Ok(out) => Read::Ok(out.public_access_block_configuration().map(|p| PublicAccessBlock {
            block_public_acls: p.block_public_acls().unwrap_or(false),
            ignore_public_acls: p.ignore_public_acls().unwrap_or(false),
            block_public_policy: p.block_public_policy().unwrap_or(false),
            restrict_public_buckets: p.restrict_public_buckets().unwrap_or(false),
        })),
        Err(e) if code(&e) == Some("NoSuchPublicAccessBlockConfiguration") => Read::Ok(None),
        Err(e) => Read::Error(read_error("s3:GetAccountPublicAccessBlock", &e, false)),
    }
}

/// The trails' KMS keys: metadata, policy, rotation. A key whose ARN names another account in
/// `others` (accounts the caller holds credentials for) is not read here but returned as
/// deferred `(reference, region)`, to be read with that account's credentials.
pub(crate) async fn keys(
    c: &Clients,
    account: &str,
    trails: &BTreeMap<String, Trail>,
    others: &BTreeSet<String>,
) -> (Vec<Key>, Vec<(String, String)>) {
    let mut refs: Vec<(String, String)> = Vec::new();
    let mut deferred = Vec::new();
    {
        let mut seen = BTreeMap::new();
        for t in trails.values() {
            if let Some(k) = &t.kms_key_id {
                let region = arn::region(k).unwrap_or(&t.home_region).to_string();
                seen.entry(k.clone()).or_insert(region);
            }
        }
        for (reference, region) in seen {
            match arn::account(&reference) {
                Some(owner) if owner != account && others.contains(owner) => deferred.push((reference, region)),
                _ => refs.push((reference, region)),
            }
        }
    }
    let keys = stream::iter(refs)
        .map(|(reference, region)| async move {
            let foreign = arn::account(&reference).is_some_and(|a| a != account);
            read_key(c, reference, region, foreign).await
        })
        .buffered(BUCKET_CONCURRENCY)
        .collect()
        .await;
    (keys, deferred)
}

/// One key, read with `c`'s credentials (`foreign`: it belongs to another account).
pub(crate) async fn read_key(c: &Clients, reference: String, region: String, foreign: bool) -> Key {
    let kms = c.kms(&region);
    let metadata = match kms.describe_key().key_id(&reference).send().await {
        Ok(out) => match out.key_metadata() {
            Some(m) => Read::Ok(KeyMetadata {
                arn: m.arn().unwrap_or(&reference).to_string(),
                key_manager: m.key_manager().map(|x| x.as_str().to_string()).unwrap_or_default(),
                key_spec: m
                    .key_spec()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_else(|| "SYMMETRIC_DEFAULT".into()),
                key_state: m.key_state().map(|x| x.as_str().to_string()).unwrap_or_default(),
                origin: m.origin().map(|x| x.as_str().to_string()),
                deletion_date: time(m.deletion_date()),
            }),
            None => Read::Error(ReadError::new(
                "kms:DescribeKey",
                ErrorKind::Other,
                "no key metadata returned",
            )),
        },
        Err(e) => Read::Error(read_error("kms:DescribeKey", &e, foreign)),
    };
    let id = metadata
        .ok()
        .map(|m| m.arn.clone())
        .unwrap_or_else(|| reference.clone());
    let (policy, rotation) = futures_util::join!(
        async {
            match kms.get_key_policy().key_id(&id).policy_name("default").send().await {
                Ok(out) => Read::Ok(out.policy().unwrap_or_default().to_string()),
                Err(e) => Read::Error(read_error("kms:GetKeyPolicy", &e, foreign)),
            }
        },
        async {
            match kms.get_key_rotation_status().key_id(&id).send().await {
                Ok(out) => Read::Ok(out.key_rotation_enabled()),
                Err(e) => Read::Error(read_error("kms:GetKeyRotationStatus", &e, foreign)),
            }
        }
    );
    let owner = arn::account(&reference).filter(|_| foreign).map(str::to_string);
    let owner = owner.as_deref();
    Key {
        metadata: other_accounts_key(metadata, owner),
        policy: other_accounts_key(policy, owner),
        rotation_enabled: other_accounts_key(rotation, owner),
        reference,
        region,
    }
}

/// A failed read of account `owner`'s key, made with another account's credentials (its role
/// was not assumed in this collection): say so, whatever the endpoint answered (AWS denies
/// access unless the key policy lets the account in; an emulator may say the key does not
/// exist).
fn other_accounts_key<T>(r: Read<T>, owner: Option<&str>) -> Read<T> {
    match (r, owner) {
        (Read::Error(mut e), Some(owner)) => {
            e.message = format!(
                "{} (the key belongs to account {owner}, read with this account's credentials: collect {owner} too with --org, or check it there)",
                e.message
            )
            .chars()
            .take(600)
            .collect();
            Read::Error(e)
        }
        (r, _) => r,
    }
}
