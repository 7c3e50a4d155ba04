//! Terraform plans (`terraform show -json plan.out`) → [`Snapshot`].
//!
//! Resources come from `planned_values` (modules included); values that are only known after
//! apply (`resource_changes[].change.after_unknown`) are resolved through the references in
//! `configuration` (`kms_key_id = aws_kms_key.trail.arn` → that key), and data sources through
//! `prior_state`. What stays unknown is reported by CT-049.

use std::collections::BTreeMap;

use serde_json::Value as J;

use super::tree::{self, Node};
use super::value::V;
use super::{ACCOUNT, IacError, MAX_PLAN_BYTES, Model, REGION, canned_acl_grants};
use crate::policy;
use crate::snapshot::{
    AdvancedEventSelector, Alarm, AlarmMetric, Bucket, BucketEncryption, BucketLogging, BucketPresence, DataResource,
    EventDataStore, EventRule, EventSelector, FieldSelector, IamPolicy, Key, KeyMetadata, LifecycleRule, LogGroup,
    LogGroupInfo, MetricFilter, MetricTransformation, ObjectLock, PublicAccessBlock, Read, Scp, Selectors, Snapshot,
    SourceKind, Subscription, Topic, Trail, TrailDetail, TrailStatus, Transition, Unresolved, Versioning,
};

/// Read a plan. `collected_at` (RFC 3339) is when the audit runs.
pub fn read(file: &str, text: &str, collected_at: &str) -> Result<Snapshot, IacError> {
    if text.len() > MAX_PLAN_BYTES {
        return Err(IacError::TooLarge {
            file: file.to_string(),
            size: text.len(),
            max: MAX_PLAN_BYTES,
        });
    }
    // The YAML reader keeps line numbers; JSON it cannot read (e.g. surrogate-pair escapes)
    // falls back to serde_json without positions.
    let root = match tree::parse(file, text) {
        Ok(n) => n,
        Err(yaml_err) => match serde_json::from_str::<J>(text) {
            Ok(j) => tree::from_json(&j),
            Err(e) => {
                return Err(match yaml_err {
                    IacError::Syntax { .. } => IacError::Syntax {
                        file: file.to_string(),
                        line: e.line(),
                        column: e.column(),
                        message: e.to_string(),
                    },
                    other => other,
                });
            }
        },
    };
    if root.get("format_version").is_none() || (root.get("planned_values").is_none() && root.get("values").is_none()) {
        return Err(IacError::Invalid {
            file: file.to_string(),
            line: root.line,
            column: root.column,
            message: "not a Terraform plan: expected the output of `terraform show -json <planfile>` (format_version, planned_values)".into(),
        });
    }
    let mut p = Plan::new(file, &root);
    p.read_all();
    let region = p.region.clone();
    let account = p.account.clone();
    // Providers that reach several accounts: the plan is read as one account, and says so.
    let caller = (account != ACCOUNT).then_some(account.as_str());
    let spanned = super::providers::spanned(&root, caller);
    let all: Vec<String> = spanned.iter().map(|x| x.describe()).collect();
    for provider in &spanned {
        let others: Vec<&str> = all
            .iter()
            .filter(|d| !d.starts_with(&format!("{} (", provider.key)))
            .map(String::as_str)
            .collect();
        p.model.unresolved.push(Unresolved {
            logical_id: format!("provider.{}", provider.key),
            property: "account".into(),
            message: format!(
                "the plan's AWS providers reach several accounts: {} besides {}; this reader audits a plan as one account, so which account owns the trail, its bucket and its key is not known here (CT-039 is MANUAL): audit the deployed accounts with `audit --live --org`, or one plan per account",
                provider.describe(),
                others.join(", ")
            ),
            file: file.to_string(),
            line: provider.line,
            column: provider.column,
        });
    }
    let mut snap = p
        .model
        .into_snapshot(SourceKind::Terraform, file, collected_at, &account, &region);
    snap.source.accounts_merged = all;
    Ok(snap)
}

struct Res {
    address: String,
    /// Module prefix (`module.a.module.b`), empty at the root.
    module: String,
    ty: String,
    data: bool,
    values: V,
    line: usize,
    column: usize,
}

struct Plan<'a> {
    file: &'a str,
    resources: Vec<Res>,
    /// address → top-level keys unknown until apply
    unknown: BTreeMap<String, Vec<String>>,
    /// address without index → attribute → references
    refs: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    region: String,
    /// The account (`data.aws_caller_identity` when the plan read it, else `{AccountId}`).
    account: String,
    model: Model,
}

fn base_address(a: &str) -> &str {
    // `aws_s3_bucket.b[0]` / `aws_s3_bucket.b["k"]` → `aws_s3_bucket.b`
    match a.rfind('[') {
        Some(i) if a.ends_with(']') && !a[i..].contains('.') => &a[..i],
        _ => a,
    }
}

impl<'a> Plan<'a> {
    fn new(file: &'a str, root: &'a Node) -> Self {
        let mut resources = Vec::new();
        if let Some(pv) = root.get("planned_values").and_then(|p| p.get("root_module")) {
            collect_module(pv, &mut resources, false);
        }
        if let Some(ps) = root
            .get("prior_state")
            .and_then(|p| p.get("values"))
            .and_then(|v| v.get("root_module"))
        {
            collect_module(ps, &mut resources, true);
        }
        let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for rc in root.get("resource_changes").and_then(Node::items).unwrap_or(&[]) {
            let Some(addr) = rc.get("address").and_then(Node::text) else {
                continue;
            };
            if let Some(au) = rc
                .get("change")
                .and_then(|c| c.get("after_unknown"))
                .and_then(Node::entries)
            {
                let keys = au
                    .iter()
                    .filter(|(_, v)| v.text() == Some("true"))
                    .filter_map(|(k, _)| k.text().map(str::to_string))
                    .collect();
                unknown.insert(addr.to_string(), keys);
            }
        }
        let mut refs = BTreeMap::new();
        if let Some(cm) = root.get("configuration").and_then(|c| c.get("root_module")) {
            collect_refs(cm, "", &mut refs, 0);
        }
        let region = root
            .get("configuration")
            .and_then(|c| c.get("provider_config"))
            .and_then(|p| p.get("aws"))
            .and_then(|a| a.get("expressions"))
            .and_then(|e| e.get("region"))
            .and_then(|r| r.get("constant_value"))
            .and_then(Node::text)
            .map(str::to_string)
            .unwrap_or_else(|| REGION.to_string());
        let account = resources
            .iter()
            .find(|r| r.data && r.ty == "aws_caller_identity")
            .and_then(|r| r.values.get("account_id"))
            .and_then(V::as_str)
            .filter(|a| trailguard_arn_ok(a))
            .unwrap_or_else(|| ACCOUNT.to_string());
        Plan {
            file,
            resources,
            unknown,
            refs,
            region,
            account,
            model: Model::default(),
        }
    }

    fn find(&self, address: &str) -> Option<&Res> {
        self.resources
            .iter()
            .find(|r| r.address == address)
            .or_else(|| self.resources.iter().find(|r| base_address(&r.address) == address))
    }

    /// The value of a top-level attribute: planned, else through the configuration's
    /// references, else unknown (with the reason) or absent.
    fn attr(&self, r: &Res, key: &str) -> Option<V> {
        if let Some(v) = r.values.get(key).filter(|v| !matches!(v, V::Null)) {
            return Some(v.clone());
        }
        let is_unknown = self.unknown.get(&r.address).is_some_and(|k| k.iter().any(|x| x == key));
        let refs = self.refs.get(base_address(&r.address)).and_then(|m| m.get(key));
        if let Some(refs) = refs {
            for reference in refs {
                if let Some(v) = self.identity(&r.module, reference) {
                    return Some(v);
                }
            }
        }
        is_unknown.then(|| {
            V::Unknown(match refs {
                Some(rs) if !rs.is_empty() => format!("known only after apply (from {})", rs.join(", ")),
                _ => "known only after apply".to_string(),
            })
        })
    }

    fn s(&self, r: &Res, key: &str) -> Option<String> {
        self.attr(r, key).and_then(|v| v.as_str())
    }

    fn b(&self, r: &Res, key: &str, default: bool) -> bool {
        self.attr(r, key).and_then(|v| v.as_bool()).unwrap_or(default)
    }

    /// The value a reference stands for (`aws_kms_key.trail.arn`, `data.aws_caller_identity.x.account_id`).
    fn identity(&self, module: &str, reference: &str) -> Option<V> {
        let (data, rest) = match reference.strip_prefix("data.") {
            Some(r) => (true, r),
            None => (false, reference),
        };
        let mut parts = rest.splitn(3, '.');
        let ty = parts.next()?;
        let name = parts.next()?;
        let attr = parts.next();
        let attr = attr?;
        let local = format!("{}{ty}.{name}", if data { "data." } else { "" });
        let address = if module.is_empty() {
            local
        } else {
            format!("{module}.{local}")
        };
        let attr_base = attr.split(['.', '[']).next().unwrap_or(attr);
        if data {
            match (ty, attr_base) {
                ("aws_caller_identity", "account_id") => return Some(V::Str(self.account.clone())),
                ("aws_region", "name" | "id" | "region") => return Some(V::Str(self.region.clone())),
                ("aws_partition", "partition") => return Some(V::Str("aws".into())),
                ("aws_partition", "dns_suffix") => return Some(V::Str("amazonaws.com".into())),
                _ => {}
            }
            let r = self.find(&address)?;
            return r.values.get(attr_base).filter(|v| !matches!(v, V::Null)).cloned();
        }
        let r = self.find(&address)?;
        if let Some(v) = r
            .values
            .get(attr_base)
            .filter(|v| !matches!(v, V::Null | V::List(_) | V::Map(_)))
        {
            return Some(v.clone());
        }
        let name_of = |k: &str| r.values.get(k).and_then(V::as_str).unwrap_or_else(|| r.address.clone());
        let region = &self.region;
        let acct = &self.account;
        Some(V::Str(match (ty, attr_base) {
            ("aws_s3_bucket", "id" | "bucket") => name_of("bucket"),
            ("aws_s3_bucket", "arn") => format!("arn:aws:s3:::{}", name_of("bucket")),
            ("aws_kms_key", _) => key_arn(&r.address, region, acct),
            ("aws_kms_alias", _) => name_of("name"),
            ("aws_cloudwatch_log_group", "arn") => {
                format!("arn:aws:logs:{region}:{acct}:log-group:{}", name_of("name"))
            }
            ("aws_cloudwatch_log_group", _) => name_of("name"),
            ("aws_sns_topic", "arn" | "id") => format!("arn:aws:sns:{region}:{acct}:{}", name_of("name")),
            ("aws_sns_topic", _) => name_of("name"),
            ("aws_iam_role", "arn") => format!("arn:aws:iam::{acct}:role/{}", name_of("name")),
            ("aws_iam_role", _) => name_of("name"),
            ("aws_cloudtrail", "arn") => format!("arn:aws:cloudtrail:{region}:{acct}:trail/{}", name_of("name")),
            ("aws_organizations_organization", "roots") => "r-template".into(),
            ("aws_organizations_organization", "id") => "o-template".into(),
            ("aws_organizations_policy", _) => format!("p-{}", r.address),
            _ => format!("{{{}.{attr}}}", r.address),
        }))
    }

    fn of_type(&self, ty: &str) -> Vec<usize> {
        (0..self.resources.len())
            .filter(|i| !self.resources[*i].data && self.resources[*i].ty == ty)
            .collect()
    }

    /// Record the unknowns among `keys` of a resource.
    fn note_unknown(&mut self, i: usize, keys: &[&str]) {
        let mut notes = Vec::new();
        {
            let r = &self.resources[i];
            for k in keys {
                if let Some(V::Unknown(u)) = self.attr(r, k) {
                    notes.push(Unresolved {
                        logical_id: r.address.clone(),
                        property: (*k).to_string(),
                        message: u,
                        file: self.file.to_string(),
                        line: r.line,
                        column: r.column,
                    });
                }
            }
        }
        self.model.unresolved.extend(notes);
    }

    fn locate(&mut self, resource: &str, i: usize) {
        let (a, l, c) = {
            let r = &self.resources[i];
            (r.address.clone(), r.line, r.column)
        };
        let f = self.file.to_string();
        self.model.locate(resource, &a, &f, l, c);
    }

    /// Per-bucket settings resources (`aws_s3_bucket_versioning` …) keyed by bucket name.
    fn by_bucket(&self, ty: &str) -> BTreeMap<String, usize> {
        self.of_type(ty)
            .into_iter()
            .filter_map(|i| Some((self.s(&self.resources[i], "bucket")?, i)))
            .collect()
    }

    fn read_all(&mut self) {
        let region = self.region.clone();
        let acct = self.account.clone();
        // Buckets and their settings resources.
        let policies = self.by_bucket("aws_s3_bucket_policy");
        let pabs = self.by_bucket("aws_s3_bucket_public_access_block");
        let versionings = self.by_bucket("aws_s3_bucket_versioning");
        let locks = self.by_bucket("aws_s3_bucket_object_lock_configuration");
        let lifecycles = self.by_bucket("aws_s3_bucket_lifecycle_configuration");
        let loggings = self.by_bucket("aws_s3_bucket_logging");
        let acls = self.by_bucket("aws_s3_bucket_acl");
        let encs = self.by_bucket("aws_s3_bucket_server_side_encryption_configuration");
        for i in self.of_type("aws_s3_bucket") {
            let r = &self.resources[i];
            let name = self.s(r, "bucket").unwrap_or_else(|| r.address.clone());
            let get = |m: &BTreeMap<String, usize>| m.get(&name).map(|j| &self.resources[*j]);
            let policy = get(&policies)
                .and_then(|p| self.attr(p, "policy"))
                .or_else(|| self.attr(r, "policy"));
            let policy_text = policy.as_ref().and_then(|p| match p {
                V::Unknown(_) => None,
                v => v.as_str(),
            });
            let versioning = match get(&versionings) {
                Some(v) => {
                    let c = v
                        .values
                        .get("versioning_configuration")
                        .and_then(|c| c.items().first().cloned());
                    Versioning {
                        status: c.as_ref().and_then(|c| c.get("status")).and_then(V::as_str),
                        mfa_delete: c.as_ref().and_then(|c| c.get("mfa_delete")).and_then(V::as_str),
                    }
                }
                None => {
                    let c = r.values.get("versioning").and_then(|c| c.items().first().cloned());
                    Versioning {
                        status: c
                            .as_ref()
                            .and_then(|c| c.get("enabled"))
                            .and_then(V::as_bool)
                            .map(|e| if e { "Enabled".into() } else { "Suspended".into() }),
                        mfa_delete: c
                            .as_ref()
                            .and_then(|c| c.get("mfa_delete"))
                            .and_then(V::as_bool)
                            .map(|e| if e { "Enabled".into() } else { "Disabled".into() }),
                    }
                }
            };
            let lock_enabled = self.b(r, "object_lock_enabled", false)
                || get(&locks).is_some()
                || r.values
                    .get("object_lock_configuration")
                    .and_then(|c| c.items().first().cloned())
                    .and_then(|c| c.get("object_lock_enabled").and_then(V::as_str))
                    .as_deref()
                    == Some("Enabled");
            let retention = get(&locks)
                .and_then(|l| l.values.get("rule").and_then(|x| x.items().first().cloned()))
                .or_else(|| {
                    r.values
                        .get("object_lock_configuration")
                        .and_then(|c| c.items().first().cloned())
                        .and_then(|c| c.get("rule").and_then(|x| x.items().first().cloned()))
                })
                .and_then(|rule| rule.get("default_retention").and_then(|d| d.items().first().cloned()));
            let object_lock = lock_enabled.then(|| ObjectLock {
                enabled: true,
                mode: retention.as_ref().and_then(|d| d.get("mode")).and_then(V::as_str),
                days: retention
                    .as_ref()
                    .and_then(|d| d.get("days"))
                    .and_then(V::as_i64)
                    .filter(|d| *d > 0),
                years: retention
                    .as_ref()
                    .and_then(|d| d.get("years"))
                    .and_then(V::as_i64)
                    .filter(|d| *d > 0),
            });
            let lifecycle = match get(&lifecycles) {
                Some(l) => l
                    .values
                    .get("rule")
                    .map(V::items)
                    .unwrap_or(&[])
                    .iter()
                    .map(tf_lifecycle)
                    .collect(),
                None => r
                    .values
                    .get("lifecycle_rule")
                    .map(V::items)
                    .unwrap_or(&[])
                    .iter()
                    .map(tf_legacy_lifecycle)
                    .collect(),
            };
            let logging = match get(&loggings) {
                Some(l) => Some(BucketLogging {
                    target_bucket: self.s(l, "target_bucket").unwrap_or_default(),
                    target_prefix: self.s(l, "target_prefix"),
                }),
                None => r
                    .values
                    .get("logging")
                    .and_then(|l| l.items().first().cloned())
                    .map(|l| BucketLogging {
                        target_bucket: l.get("target_bucket").and_then(V::as_str).unwrap_or_default(),
                        target_prefix: l.get("target_prefix").and_then(V::as_str),
                    }),
            };
            let acl = get(&acls)
                .and_then(|a| self.s(a, "acl"))
                .or_else(|| self.s(r, "acl"))
                .map(|a| canned_acl_grants(&a))
                .unwrap_or_default();
            let pab = get(&pabs).map(|p| PublicAccessBlock {
                block_public_acls: self.b(p, "block_public_acls", false),
                ignore_public_acls: self.b(p, "ignore_public_acls", false),
                block_public_policy: self.b(p, "block_public_policy", false),
                restrict_public_buckets: self.b(p, "restrict_public_buckets", false),
            });
            let enc = get(&encs)
                .and_then(|e| e.values.get("rule").and_then(|x| x.items().first().cloned()))
                .and_then(|rule| {
                    rule.get("apply_server_side_encryption_by_default")
                        .and_then(|d| d.items().first().cloned())
                })
                .map(|d| BucketEncryption {
                    algorithm: d.get("sse_algorithm").and_then(V::as_str).unwrap_or_default(),
                    kms_key_id: d.get("kms_master_key_id").and_then(V::as_str),
                });
            let policy_unknown = matches!(policy, Some(V::Unknown(_)));
            let bucket = Bucket {
                name: name.clone(),
                presence: Read::Ok(BucketPresence::Owned),
                region: Some(region.clone()),
                policy: if policy_unknown {
                    Read::Error(crate::snapshot::ReadError::new(
                        "aws_s3_bucket_policy.policy",
                        crate::snapshot::ErrorKind::NotInSource,
                        "the bucket policy is known only after apply",
                    ))
                } else {
                    Read::Ok(policy_text)
                },
                acl: Read::Ok(acl),
                public_access_block: Read::Ok(pab),
                versioning: Read::Ok(versioning),
                object_lock: Read::Ok(object_lock),
                lifecycle: Read::Ok(lifecycle),
                logging: Read::Ok(logging),
                encryption: Read::Ok(enc),
            };
            if let Some(p) = get(&policies) {
                let pi = self.resources.iter().position(|x| x.address == p.address);
                if let Some(pi) = pi {
                    self.note_unknown(pi, &["policy"]);
                }
            }
            self.locate(&name, i);
            self.model.buckets.push(bucket);
        }
        if let Some(i) = self.of_type("aws_s3_account_public_access_block").first().copied() {
            let r = &self.resources[i];
            self.model.account_pab = Some(PublicAccessBlock {
                block_public_acls: self.b(r, "block_public_acls", false),
                ignore_public_acls: self.b(r, "ignore_public_acls", false),
                block_public_policy: self.b(r, "block_public_policy", false),
                restrict_public_buckets: self.b(r, "restrict_public_buckets", false),
            });
        }
        // Keys (policy from the key or an aws_kms_key_policy), aliases.
        let key_policies: BTreeMap<String, usize> = self
            .of_type("aws_kms_key_policy")
            .into_iter()
            .filter_map(|i| Some((self.s(&self.resources[i], "key_id")?, i)))
            .collect();
        let aliases: Vec<(String, String)> = self
            .of_type("aws_kms_alias")
            .into_iter()
            .filter_map(|i| {
                let r = &self.resources[i];
                Some((self.s(r, "name")?, self.s(r, "target_key_id")?))
            })
            .collect();
        for i in self.of_type("aws_kms_key") {
            self.note_unknown(i, &["policy"]);
            let r = &self.resources[i];
            let arn = self.s(r, "arn").unwrap_or_else(|| key_arn(&r.address, &region, &acct));
            let policy = key_policies
                .get(&arn)
                .and_then(|j| self.s(&self.resources[*j], "policy"))
                .or_else(|| self.s(r, "policy"));
            let key = Key {
                reference: arn.clone(),
                region: region.clone(),
                metadata: Read::Ok(KeyMetadata {
                    arn: arn.clone(),
                    key_manager: "CUSTOMER".into(),
                    key_spec: self
                        .s(r, "customer_master_key_spec")
                        .unwrap_or_else(|| "SYMMETRIC_DEFAULT".into()),
                    key_state: if self.b(r, "is_enabled", true) {
                        "Enabled".into()
                    } else {
                        "Disabled".into()
                    },
                    origin: Some("AWS_KMS".into()),
                    deletion_date: None,
                }),
                policy: match policy {
                    Some(p) => Read::Ok(p),
                    None => Read::Error(crate::snapshot::ReadError::new(
                        "aws_kms_key.policy",
                        crate::snapshot::ErrorKind::NotInSource,
                        "no key policy in the plan (Terraform applies the account-root default)",
                    )),
                },
                rotation_enabled: Read::Ok(self.b(r, "enable_key_rotation", false)),
            };
            for (alias, target) in &aliases {
                if *target == arn {
                    let mut a = key.clone();
                    a.reference = alias.clone();
                    self.model.keys.push(a);
                }
            }
            self.locate(&arn, i);
            self.model.keys.push(key);
        }
        // Log groups and metric filters.
        let filters: Vec<(String, MetricFilter)> = self
            .of_type("aws_cloudwatch_log_metric_filter")
            .into_iter()
            .filter_map(|i| {
                let r = &self.resources[i];
                let group = self.s(r, "log_group_name")?;
                Some((
                    group,
                    MetricFilter {
                        name: self.s(r, "name").unwrap_or_else(|| r.address.clone()),
                        pattern: self.s(r, "pattern").unwrap_or_default(),
                        transformations: r
                            .values
                            .get("metric_transformation")
                            .map(V::items)
                            .unwrap_or(&[])
                            .iter()
                            .map(|t| MetricTransformation {
                                metric_name: t.get("name").and_then(V::as_str).unwrap_or_default(),
                                metric_namespace: t.get("namespace").and_then(V::as_str).unwrap_or_default(),
                                metric_value: t.get("value").and_then(V::as_str),
                            })
                            .collect(),
                    },
                ))
            })
            .collect();
        for i in self.of_type("aws_cloudwatch_log_group") {
            let r = &self.resources[i];
            let name = self.s(r, "name").unwrap_or_else(|| r.address.clone());
            let arn = format!("arn:aws:logs:{region}:{acct}:log-group:{name}");
            let lg = LogGroup {
                arn: format!("{arn}:*"),
                name: name.clone(),
                region: region.clone(),
                info: Read::Ok(Some(LogGroupInfo {
                    retention_days: self
                        .attr(r, "retention_in_days")
                        .and_then(|v| v.as_i64())
                        .filter(|d| *d > 0),
                    kms_key_id: self.s(r, "kms_key_id"),
                })),
                metric_filters: Read::Ok(
                    filters
                        .iter()
                        .filter(|(g, _)| *g == name)
                        .map(|(_, f)| f.clone())
                        .collect(),
                ),
            };
            self.locate(&arn, i);
            self.locate(&format!("{arn}:*"), i);
            self.model.log_groups.push(lg);
        }
        // Topics and subscriptions.
        let subs: Vec<(String, Subscription)> = self
            .of_type("aws_sns_topic_subscription")
            .into_iter()
            .filter_map(|i| {
                let r = &self.resources[i];
                Some((
                    self.s(r, "topic_arn")?,
                    Subscription {
                        arn: format!("template:{}", r.address),
                        protocol: self.s(r, "protocol").unwrap_or_default(),
                        endpoint: self.s(r, "endpoint"),
                    },
                ))
            })
            .collect();
        for i in self.of_type("aws_sns_topic") {
            let r = &self.resources[i];
            let arn = self.s(r, "arn").unwrap_or_else(|| {
                format!(
                    "arn:aws:sns:{region}:{acct}:{}",
                    self.s(r, "name").unwrap_or_else(|| r.address.clone())
                )
            });
            let s: Vec<Subscription> = subs.iter().filter(|(t, _)| *t == arn).map(|(_, s)| s.clone()).collect();
            self.locate(&arn, i);
            self.model.topics.push(Topic {
                arn,
                subscriptions: Read::Ok(s),
            });
        }
        for i in self.of_type("aws_cloudwatch_metric_alarm") {
            let r = &self.resources[i];
            let mut metrics = Vec::new();
            if let (Some(n), Some(ns)) = (self.s(r, "metric_name"), self.s(r, "namespace")) {
                metrics.push(AlarmMetric { name: n, namespace: ns });
            }
            for q in r.values.get("metric_query").map(V::items).unwrap_or(&[]) {
                let m = q.get("metric").and_then(|m| m.items().first().cloned());
                if let Some(m) = m
                    && let (Some(n), Some(ns)) = (
                        m.get("metric_name").and_then(V::as_str),
                        m.get("namespace").and_then(V::as_str),
                    )
                {
                    metrics.push(AlarmMetric { name: n, namespace: ns });
                }
            }
            let name = self.s(r, "alarm_name").unwrap_or_else(|| r.address.clone());
            let alarm = Alarm {
                name: name.clone(),
                arn: None,
                metrics,
                actions_enabled: self.b(r, "actions_enabled", true),
                alarm_actions: self.attr(r, "alarm_actions").map(|v| v.strings()).unwrap_or_default(),
                state: None,
                comparison_operator: self.s(r, "comparison_operator"),
                threshold: self
                    .attr(r, "threshold")
                    .and_then(|t| t.as_str())
                    .and_then(|t| t.parse().ok()),
            };
            self.locate(&name, i);
            self.model.alarms.push(alarm);
        }
        let targets: Vec<(String, String)> = self
            .of_type("aws_cloudwatch_event_target")
            .into_iter()
            .filter_map(|i| {
                let r = &self.resources[i];
                Some((self.s(r, "rule")?, self.s(r, "arn")?))
            })
            .collect();
        for i in self.of_type("aws_cloudwatch_event_rule") {
            let r = &self.resources[i];
            if self.s(r, "event_bus_name").is_some_and(|b| b != "default") {
                continue;
            }
            let name = self.s(r, "name").unwrap_or_else(|| r.address.clone());
            let enabled = match self.s(r, "state") {
                Some(s) => s,
                None => {
                    if self.b(r, "is_enabled", true) {
                        "ENABLED".into()
                    } else {
                        "DISABLED".into()
                    }
                }
            };
            self.model.rules.push(EventRule {
                name: name.clone(),
                arn: None,
                state: enabled,
                event_pattern: self.s(r, "event_pattern"),
                targets: Read::Ok(
                    targets
                        .iter()
                        .filter(|(n, _)| *n == name)
                        .map(|(_, a)| a.clone())
                        .collect(),
                ),
            });
        }
        for i in self.of_type("aws_cloudtrail_event_data_store") {
            let r = &self.resources[i];
            let name = self.s(r, "name").unwrap_or_else(|| r.address.clone());
            let arn = format!("arn:aws:cloudtrail:{region}:{acct}:eventdatastore/{name}");
            let store = EventDataStore {
                arn: arn.clone(),
                name,
                status: Some("ENABLED".into()),
                kms_key_id: self.s(r, "kms_key_id"),
                retention_days: Some(
                    self.attr(r, "retention_period")
                        .and_then(|v| v.as_i64())
                        .unwrap_or(2557),
                ),
            };
            self.locate(&arn, i);
            self.model.stores.push(store);
        }
        let attachments: Vec<(String, String)> = self
            .of_type("aws_organizations_policy_attachment")
            .into_iter()
            .filter_map(|i| {
                let r = &self.resources[i];
                Some((self.s(r, "policy_id")?, self.s(r, "target_id")?))
            })
            .collect();
        for i in self.of_type("aws_organizations_policy") {
            let r = &self.resources[i];
            if self.s(r, "type").as_deref().unwrap_or("SERVICE_CONTROL_POLICY") != "SERVICE_CONTROL_POLICY" {
                continue;
            }
            let id = self.s(r, "id").unwrap_or_else(|| format!("p-{}", r.address));
            self.model.scps.push(Scp {
                id: id.clone(),
                name: self.s(r, "name").unwrap_or_else(|| r.address.clone()),
                aws_managed: false,
                content: self.s(r, "content").unwrap_or_default(),
                targets: attachments
                    .iter()
                    .filter(|(p, _)| *p == id)
                    .map(|(_, t)| t.clone())
                    .collect(),
            });
        }
        for ty in [
            "aws_iam_policy",
            "aws_iam_role_policy",
            "aws_iam_user_policy",
            "aws_iam_group_policy",
            "aws_iam_role",
        ] {
            for i in self.of_type(ty) {
                let r = &self.resources[i];
                let mut docs: Vec<(String, String)> = Vec::new();
                if ty == "aws_iam_role" {
                    for p in r.values.get("inline_policy").map(V::items).unwrap_or(&[]) {
                        if let (Some(n), Some(d)) =
                            (p.get("name").and_then(V::as_str), p.get("policy").and_then(V::as_str))
                        {
                            docs.push((n, d));
                        }
                    }
                } else if let Some(d) = self.s(r, "policy") {
                    docs.push((self.s(r, "name").unwrap_or_else(|| r.address.clone()), d));
                }
                let holder = ["role", "user", "group"]
                    .iter()
                    .find_map(|k| self.s(r, k).map(|v| format!("{k}/{v}")));
                let address = r.address.clone();
                for (name, doc) in docs {
                    self.model.iam_examined += 1;
                    if !policy::may_grant_tampering(&doc) {
                        continue;
                    }
                    let id = format!("{address}/{name}");
                    self.locate(&id, i);
                    self.model.iam.push(IamPolicy {
                        name,
                        id,
                        kind: if ty == "aws_iam_policy" {
                            "managed".into()
                        } else {
                            "inline".into()
                        },
                        attached_to: holder.clone().into_iter().collect(),
                        document: doc,
                    });
                }
            }
        }
        for i in self.of_type("aws_cloudtrail") {
            self.note_unknown(
                i,
                &[
                    "s3_bucket_name",
                    "kms_key_id",
                    "cloud_watch_logs_group_arn",
                    "cloud_watch_logs_role_arn",
                    "sns_topic_name",
                ],
            );
            let r = &self.resources[i];
            let name = self.s(r, "name").unwrap_or_else(|| r.address.clone());
            let arn = format!("arn:aws:cloudtrail:{region}:{acct}:trail/{name}");
            let opt = |k: &str| {
                self.attr(r, k).map(|v| match v {
                    V::Unknown(u) => format!("{{unresolved: {u}}}"),
                    v => v.as_str().unwrap_or_default(),
                })
            };
            let classic = r
                .values
                .get("event_selector")
                .map(V::items)
                .unwrap_or(&[])
                .iter()
                .map(|e| EventSelector {
                    read_write_type: e
                        .get("read_write_type")
                        .and_then(V::as_str)
                        .unwrap_or_else(|| "All".into()),
                    include_management_events: e.get("include_management_events").and_then(V::as_bool).unwrap_or(true),
                    data_resources: e
                        .get("data_resource")
                        .map(V::items)
                        .unwrap_or(&[])
                        .iter()
                        .map(|d| DataResource {
                            kind: d.get("type").and_then(V::as_str).unwrap_or_default(),
                            values: d.get("values").map(V::strings).unwrap_or_default(),
                        })
                        .collect(),
                    exclude_management_event_sources: e
                        .get("exclude_management_event_sources")
                        .map(V::strings)
                        .unwrap_or_default(),
                })
                .collect();
            let advanced = r
                .values
                .get("advanced_event_selector")
                .map(V::items)
                .unwrap_or(&[])
                .iter()
                .map(|a| AdvancedEventSelector {
                    name: a.get("name").and_then(V::as_str).filter(|n| !n.is_empty()),
                    field_selectors: a
                        .get("field_selector")
                        .map(V::items)
                        .unwrap_or(&[])
                        .iter()
                        .map(|f| {
                            let l = |k: &str| f.get(k).map(V::strings).unwrap_or_default();
                            FieldSelector {
                                field: f.get("field").and_then(V::as_str).unwrap_or_default(),
                                equals: l("equals"),
                                starts_with: l("starts_with"),
                                ends_with: l("ends_with"),
                                not_equals: l("not_equals"),
                                not_starts_with: l("not_starts_with"),
                                not_ends_with: l("not_ends_with"),
                            }
                        })
                        .collect(),
                })
                .collect();
            let tags = r
                .values
                .get("tags")
                .map(|t| match t {
                    V::Map(m) => m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?))).collect(),
                    _ => BTreeMap::new(),
                })
                .unwrap_or_default();
            let sns = opt("sns_topic_name").map(|t| {
                if t.starts_with("arn:") {
                    t
                } else {
                    format!("arn:aws:sns:{region}:{acct}:{t}")
                }
            });
            let trail = Trail {
                name: name.clone(),
                arn: arn.clone(),
                home_region: region.clone(),
                s3_bucket_name: opt("s3_bucket_name"),
                s3_key_prefix: self.s(r, "s3_key_prefix"),
                sns_topic_arn: sns,
                include_global_service_events: self.b(r, "include_global_service_events", true),
                is_multi_region: self.b(r, "is_multi_region_trail", false),
                is_organization_trail: self.b(r, "is_organization_trail", false),
                log_file_validation: self.b(r, "enable_log_file_validation", false),
                cloudwatch_logs_log_group_arn: opt("cloud_watch_logs_group_arn"),
                cloudwatch_logs_role_arn: opt("cloud_watch_logs_role_arn"),
                kms_key_id: opt("kms_key_id"),
                detail: Some(TrailDetail {
                    status: Read::Ok(TrailStatus {
                        is_logging: self.b(r, "enable_logging", true),
                        ..TrailStatus::default()
                    }),
                    selectors: Read::Ok(Selectors { classic, advanced }),
                    insights: Read::Ok(
                        r.values
                            .get("insight_selector")
                            .map(V::items)
                            .unwrap_or(&[])
                            .iter()
                            .filter_map(|x| x.get("insight_type").and_then(V::as_str))
                            .collect(),
                    ),
                    tags: Read::Ok(tags),
                }),
            };
            self.locate(&arn, i);
            self.model.trails.push(trail);
        }
    }
}

fn key_arn(address: &str, region: &str, account: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{address}")
}

fn trailguard_arn_ok(a: &str) -> bool {
    crate::arn::is_account_id(a)
}

fn tf_lifecycle(r: &V) -> LifecycleRule {
    let filter = r.get("filter").and_then(|f| f.items().first().cloned());
    let and = filter
        .as_ref()
        .and_then(|f| f.get("and"))
        .and_then(|a| a.items().first().cloned());
    let prefix = filter
        .as_ref()
        .and_then(|f| f.get("prefix").and_then(V::as_str))
        .or_else(|| and.as_ref().and_then(|a| a.get("prefix").and_then(V::as_str)))
        .or_else(|| r.get("prefix").and_then(V::as_str));
    let narrowed = filter.as_ref().is_some_and(|f| {
        f.get("tag").is_some_and(|t| !t.items().is_empty())
            || f.get("object_size_greater_than")
                .and_then(V::as_i64)
                .is_some_and(|n| n > 0)
            || f.get("object_size_less_than")
                .and_then(V::as_i64)
                .is_some_and(|n| n > 0)
    }) || and.is_some();
    LifecycleRule {
        id: r.get("id").and_then(V::as_str),
        status: r.get("status").and_then(V::as_str).unwrap_or_else(|| "Enabled".into()),
        prefix,
        narrowed,
        transitions: tf_transitions(r),
        expiration_days: tf_block_days(r, "expiration", "days"),
        noncurrent_expiration_days: tf_block_days(r, "noncurrent_version_expiration", "noncurrent_days"),
    }
}

/// A lifecycle rule's `transition` blocks (both provider schemas write them alike).
fn tf_transitions(r: &V) -> Vec<Transition> {
    r.get("transition")
        .map(V::items)
        .unwrap_or(&[])
        .iter()
        .map(|t| Transition {
            days: t.get("days").and_then(V::as_i64),
            storage_class: t.get("storage_class").and_then(V::as_str).unwrap_or_default(),
        })
        .collect()
}

/// A positive day count `key` of a rule's first `block` (`expiration`, …).
fn tf_block_days(r: &V, block: &str, key: &str) -> Option<i64> {
    r.get(block)
        .and_then(|e| e.items().first().cloned())
        .and_then(|e| e.get(key).and_then(V::as_i64))
        .filter(|d| *d > 0)
}

fn tf_legacy_lifecycle(r: &V) -> LifecycleRule {
    LifecycleRule {
        id: r.get("id").and_then(V::as_str),
        status: if r.get("enabled").and_then(V::as_bool).unwrap_or(true) {
            "Enabled".into()
        } else {
            "Disabled".into()
        },
        prefix: r.get("prefix").and_then(V::as_str),
        narrowed: matches!(r.get("tags"), Some(V::Map(m)) if !m.is_empty()),
        transitions: tf_transitions(r),
        expiration_days: tf_block_days(r, "expiration", "days"),
        noncurrent_expiration_days: tf_block_days(r, "noncurrent_version_expiration", "days"),
    }
}

fn collect_module(m: &Node, out: &mut Vec<Res>, data_only: bool) {
    let module = m.get("address").and_then(Node::text).unwrap_or("").to_string();
    for r in m.get("resources").and_then(Node::items).unwrap_or(&[]) {
        let data = r.get("mode").and_then(Node::text) == Some("data");
        if data_only && !data {
            continue;
        }
        let Some(address) = r.get("address").and_then(Node::text) else {
            continue;
        };
        if out.iter().any(|x| x.address == address) {
            continue;
        }
        out.push(Res {
            address: address.to_string(),
            module: module.clone(),
            ty: r.get("type").and_then(Node::text).unwrap_or("").to_string(),
            data,
            values: r
                .get("values")
                .map(|v| V::from_json(&v.to_json()))
                .unwrap_or(V::Map(Vec::new())),
            line: r.line,
            column: r.column,
        });
    }
    for c in m.get("child_modules").and_then(Node::items).unwrap_or(&[]) {
        collect_module(c, out, data_only);
    }
}

fn collect_refs(m: &Node, prefix: &str, out: &mut BTreeMap<String, BTreeMap<String, Vec<String>>>, depth: usize) {
    if depth > 32 {
        return;
    }
    for r in m.get("resources").and_then(Node::items).unwrap_or(&[]) {
        let Some(a) = r.get("address").and_then(Node::text) else {
            continue;
        };
        let address = if prefix.is_empty() {
            a.to_string()
        } else {
            format!("{prefix}.{a}")
        };
        let mut attrs = BTreeMap::new();
        for (k, v) in r.get("expressions").and_then(Node::entries).unwrap_or(&[]) {
            let refs: Vec<String> = v
                .get("references")
                .and_then(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|x| x.text().map(str::to_string))
                .collect();
            if let (Some(k), false) = (k.text(), refs.is_empty()) {
                attrs.insert(k.to_string(), refs);
            }
        }
        out.insert(address, attrs);
    }
    for (name, call) in m.get("module_calls").and_then(Node::entries).unwrap_or(&[]) {
        let Some(name) = name.text() else { continue };
        let p = if prefix.is_empty() {
            format!("module.{name}")
        } else {
            format!("{prefix}.module.{name}")
        };
        if let Some(inner) = call.get("module") {
            collect_refs(inner, &p, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_unknown_values() {
        let plan = r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[
            {"address":"aws_cloudtrail.main","mode":"managed","type":"aws_cloudtrail","name":"main","values":{"name":"main","is_multi_region_trail":true,"enable_log_file_validation":true,"event_selector":[],"advanced_event_selector":[]}},
            {"address":"aws_s3_bucket.trail","mode":"managed","type":"aws_s3_bucket","name":"trail","values":{"bucket":"org-trail-logs"}},
            {"address":"aws_kms_key.trail","mode":"managed","type":"aws_kms_key","name":"trail","values":{"enable_key_rotation":true}}]}},
          "resource_changes":[{"address":"aws_cloudtrail.main","change":{"after_unknown":{"s3_bucket_name":true,"kms_key_id":true,"sns_topic_name":true}}}],
          "configuration":{"provider_config":{"aws":{"expressions":{"region":{"constant_value":"eu-west-1"}}}},
            "root_module":{"resources":[{"address":"aws_cloudtrail.main","expressions":{
              "s3_bucket_name":{"references":["aws_s3_bucket.trail.id","aws_s3_bucket.trail"]},
              "kms_key_id":{"references":["aws_kms_key.trail.arn","aws_kms_key.trail"]},
              "sns_topic_name":{"references":["var.topic"]}}}]}}}"#;
        let s = read("plan.json", plan, "2026-01-01T00:00:00Z").unwrap();
        let t = &s.accounts[0].region_data[0].trails.ok().unwrap()[0];
        assert_eq!(t.home_region, "eu-west-1");
        assert_eq!(t.s3_bucket_name.as_deref(), Some("org-trail-logs"));
        assert_eq!(
            t.kms_key_id.as_deref(),
            Some("arn:aws:kms:eu-west-1:{AccountId}:key/aws_kms_key.trail")
        );
        assert_eq!(s.accounts[0].keys[0].rotation_enabled, Read::Ok(true));
        assert_eq!(s.unresolved.len(), 1, "{:?}", s.unresolved);
        assert_eq!(s.unresolved[0].property, "sns_topic_name");
        assert!(read("x.json", "{\"a\":1}", "now").is_err());
    }
}
