//! The resolved view the checks read: trails deduplicated by ARN (each reported once, in its
//! home region), which trails log which account and region (own, shadow and organization
//! trails), and lookups of buckets, keys, log groups, topics and alarms across every account
//! in the snapshot.

use std::collections::BTreeMap;

use trailguard_model::Timestamp;

use crate::arn;
use crate::check::{AuditOptions, CheckInfo, Finding, Resource, Status};
use crate::selectors::{self, Management};
use crate::snapshot::{
    Account, Alarm, Bucket, BucketPresence, ErrorKind, Key, LogGroup, Organization, Read, ReadError, Snapshot, Topic,
    Trail, TrailDetail,
};

/// One trail, once.
#[derive(Clone, Debug)]
pub struct TrailView<'a> {
    /// The copy read in the home region when there is one (it carries the detail).
    pub trail: &'a Trail,
    /// Every (account, region) whose `DescribeTrails` returned it.
    pub seen_in: Vec<(&'a str, &'a str)>,
}

impl<'a> TrailView<'a> {
    /// ARN.
    pub fn arn(&self) -> &'a str {
        &self.trail.arn
    }

    /// The owning account.
    pub fn owner(&self) -> &'a str {
        self.trail.owner_account()
    }

    /// Status, selectors, Insights and tags, when read.
    pub fn detail(&self) -> Option<&'a TrailDetail> {
        self.trail.detail.as_ref()
    }

    /// The resource for findings about the trail.
    pub fn resource(&self) -> Resource {
        Resource::new(
            self.trail.arn.clone(),
            "AWS::CloudTrail::Trail",
            Some(self.owner()),
            Some(&self.trail.home_region),
        )
    }

    /// A short description: `main (multi-region, organization, us-east-1)`.
    pub fn describe(&self) -> String {
        let mut kinds = Vec::new();
        kinds.push(if self.trail.is_multi_region {
            "multi-region"
        } else {
            "single-region"
        });
        if self.trail.is_organization_trail {
            kinds.push("organization");
        }
        format!(
            "{} ({}, home {}, account {})",
            self.trail.name,
            kinds.join(", "),
            self.trail.home_region,
            self.owner()
        )
    }

    fn not_read(&self, api: &str) -> ReadError {
        ReadError::new(
            api,
            ErrorKind::NotCollected,
            format!(
                "the trail's home region {} was not read (only shadow copies are in the snapshot)",
                self.trail.home_region
            ),
        )
    }

    /// Whether it is logging.
    pub fn logging(&self) -> Result<bool, ReadError> {
        match self.detail() {
            Some(d) => d.status.as_result().map(|s| s.is_logging).map_err(Clone::clone),
            None => Err(self.not_read("cloudtrail:GetTrailStatus")),
        }
    }

    /// Its management-event coverage.
    pub fn management(&self) -> Result<Management, ReadError> {
        match self.detail() {
            Some(d) => d.selectors.as_result().map(selectors::management).map_err(Clone::clone),
            None => Err(self.not_read("cloudtrail:GetEventSelectors")),
        }
    }

    /// Whether it applies to `region`.
    pub fn applies_to_region(&self, region: &str) -> bool {
        self.trail.is_multi_region || self.trail.home_region == region
    }
}

/// The resolved snapshot.
#[derive(Debug)]
pub struct World<'a> {
    /// The snapshot.
    pub snap: &'a Snapshot,
    /// Every trail once, ordered by ARN.
    pub trails: Vec<TrailView<'a>>,
}

impl<'a> World<'a> {
    /// Resolve a snapshot.
    pub fn new(snap: &'a Snapshot) -> Self {
        // ARN -> (view, account whose copy was chosen)
        let mut by_arn: BTreeMap<&str, (TrailView<'a>, &str)> = BTreeMap::new();
        for acct in &snap.accounts {
            for rd in &acct.region_data {
                let Some(trails) = rd.trails.ok() else { continue };
                for t in trails {
                    let me = acct.account_id.as_str();
                    let e = by_arn.entry(t.arn.as_str()).or_insert((
                        TrailView {
                            trail: t,
                            seen_in: Vec::new(),
                        },
                        me,
                    ));
                    e.0.seen_in.push((me, rd.region.as_str()));
                    // Prefer the home-region copy with detail; among those, the owner's.
                    let better = match (&e.0.trail.detail, &t.detail) {
                        (None, Some(_)) => true,
                        (Some(_), Some(_)) => me == t.owner_account() && e.1 != t.owner_account(),
                        _ => false,
                    };
                    if better {
                        e.0.trail = t;
                        e.1 = me;
                    }
                }
            }
        }
        World {
            snap,
            trails: by_arn.into_values().map(|(v, _)| v).collect(),
        }
    }

    /// The organization (management view), if read.
    pub fn organization(&self) -> Option<&'a Organization> {
        self.snap.organization.as_ref().and_then(|o| o.ok())
    }

    /// The management account of the organization `account` belongs to, if known.
    pub fn management_account_of(&self, account: &str) -> Option<&'a str> {
        if let Some(Read::Ok(Some(m))) = self.snap.account(account).map(|a| &a.organization) {
            return Some(m.management_account_id.as_str());
        }
        self.organization()
            .filter(|o| o.accounts.iter().any(|a| a.id == account) || o.management_account_id == account)
            .map(|o| o.management_account_id.as_str())
    }

    /// The organization id of `account`, if known.
    pub fn organization_id_of(&self, account: &str) -> Option<&'a str> {
        if let Some(Read::Ok(Some(m))) = self.snap.account(account).map(|a| &a.organization) {
            return Some(m.organization_id.as_str());
        }
        self.organization()
            .filter(|o| o.accounts.iter().any(|a| a.id == account) || o.management_account_id == account)
            .map(|o| o.id.as_str())
    }

    /// The trails that log `account`: its own, and organization trails of its organization.
    pub fn trails_for(&self, account: &str) -> Vec<&TrailView<'a>> {
        let mgmt = self.management_account_of(account);
        self.trails
            .iter()
            .filter(|t| {
                t.owner() == account
                    || (t.trail.is_organization_trail
                        && (t.seen_in.iter().any(|(a, _)| *a == account) || mgmt == Some(t.owner())))
            })
            .collect()
    }

    /// A trail by ARN.
    pub fn trail(&self, arn: &str) -> Option<&TrailView<'a>> {
        self.trails.iter().find(|t| t.arn() == arn)
    }

    /// A bucket by name: the owner's record when there is one.
    pub fn bucket(&self, name: &str) -> Option<(&'a Account, &'a Bucket)> {
        let mut found = None;
        for a in &self.snap.accounts {
            for b in a.buckets.iter().filter(|b| b.name == name) {
                if matches!(b.presence, Read::Ok(BucketPresence::Owned)) {
                    return Some((a, b));
                }
                found.get_or_insert((a, b));
            }
        }
        found
    }

    /// The account that owns a bucket, when some account in the snapshot lists it.
    pub fn bucket_owner(&self, name: &str) -> Option<&'a str> {
        self.snap
            .accounts
            .iter()
            .find(|a| a.bucket_names.ok().is_some_and(|n| n.iter().any(|x| x == name)))
            .map(|a| a.account_id.as_str())
            .or_else(|| {
                self.bucket(name)
                    .filter(|(_, b)| matches!(b.presence, Read::Ok(BucketPresence::Owned)))
                    .map(|(a, _)| a.account_id.as_str())
            })
    }

    /// A key by the reference a trail or log group gives (ARN, alias, id): prefer a record
    /// whose metadata was read.
    pub fn key(&self, reference: &str) -> Option<&'a Key> {
        let mut found = None;
        for a in &self.snap.accounts {
            for k in &a.keys {
                let hit = k.reference == reference || k.metadata.ok().is_some_and(|m| m.arn == reference);
                if hit {
                    if k.metadata.ok().is_some() {
                        return Some(k);
                    }
                    found.get_or_insert(k);
                }
            }
        }
        found
    }

    /// A log group by ARN (with or without `:*`): prefer a record that was read.
    pub fn log_group(&self, arn: &str) -> Option<&'a LogGroup> {
        let want = arn::log_group_key(arn);
        let mut found = None;
        for a in &self.snap.accounts {
            for g in a.log_groups.iter().filter(|g| arn::log_group_key(&g.arn) == want) {
                if g.info.ok().is_some() {
                    return Some(g);
                }
                found.get_or_insert(g);
            }
        }
        found
    }

    /// An SNS topic by ARN: prefer a record whose subscriptions were read.
    pub fn topic(&self, arn: &str) -> Option<&'a Topic> {
        let mut found = None;
        for a in &self.snap.accounts {
            for t in a.topics.iter().filter(|t| t.arn == arn) {
                if t.subscriptions.ok().is_some() {
                    return Some(t);
                }
                found.get_or_insert(t);
            }
        }
        found
    }

    /// The alarms of an account in a region, or why they are not known.
    pub fn alarms(&self, account: &str, region: &str) -> Result<&'a [Alarm], ReadError> {
        let Some(a) = self.snap.account(account) else {
            return Err(ReadError::new(
                "cloudwatch:DescribeAlarms",
                ErrorKind::CrossAccount,
                format!("account {account} is not in the snapshot"),
            ));
        };
        match a.region_data.iter().find(|r| r.region == region) {
            Some(rd) => rd.alarms.as_result().map(Vec::as_slice).map_err(Clone::clone),
            None => Err(ReadError::new(
                "cloudwatch:DescribeAlarms",
                ErrorKind::NotCollected,
                format!("region {region} of account {account} was not collected"),
            )),
        }
    }

    /// The enabled regions of an account, when known.
    pub fn regions(&self, account: &'a Account) -> Result<Vec<&'a str>, &'a ReadError> {
        account
            .regions
            .as_result()
            .map(|r| r.iter().map(|x| x.name.as_str()).collect())
    }
}

/// Everything a check is given.
pub struct Context<'a> {
    /// The snapshot.
    pub snap: &'a Snapshot,
    /// Its resolved view.
    pub world: World<'a>,
    /// The options.
    pub opts: &'a AuditOptions,
    /// The snapshot's time (time-dependent checks measure against it, never the clock).
    pub now: Option<Timestamp>,
}

impl<'a> Context<'a> {
    /// Build the context of one audit.
    pub fn new(snap: &'a Snapshot, opts: &'a AuditOptions) -> Self {
        Context {
            snap,
            world: World::new(snap),
            opts,
            now: Timestamp::parse_rfc3339(&snap.collected_at).ok(),
        }
    }

    /// Whether the snapshot comes from a template or plan.
    pub fn iac(&self) -> bool {
        self.snap.source.kind.is_iac()
    }

    /// A finding of `info`, with the resource's source location attached when known.
    pub fn finding(
        &self,
        info: &CheckInfo,
        status: Status,
        mut resource: Resource,
        reason: impl Into<String>,
    ) -> Finding {
        if resource.location.is_none() {
            resource.location = self.snap.location(&resource.id).cloned();
        }
        Finding {
            check_id: info.id.to_string(),
            status,
            severity: info.severity,
            resource,
            reason: reason.into(),
            evidence: Vec::new(),
        }
    }
}

/// Attach evidence to a finding.
pub trait WithEvidence {
    /// Add lines of evidence.
    fn evidence<I, S>(self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>;
}

impl WithEvidence for Finding {
    fn evidence<I, S>(mut self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.evidence.extend(lines.into_iter().map(Into::into));
        self
    }
}
