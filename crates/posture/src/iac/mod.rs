//! Infrastructure as code: a CloudFormation template ([`cloudformation`]) or a Terraform plan
//! ([`terraform`]) becomes the same [`Snapshot`] a live account does, with the source position
//! of every resource, so every check runs unchanged and SARIF can point at lines.
//!
//! What the template cannot say — the enabled regions, whether an email subscription was
//! confirmed, a parameter without a default, an imported value — is recorded as a
//! `NotInSource` read error or an [`Unresolved`](crate::snapshot::Unresolved) entry, which the
//! checks turn into `MANUAL`, never a guess.
//!
//! Symbolic values stand for what only deployment decides: `{AccountId}`, `{Region}`,
//! `{StackName}`.

use crate::snapshot::{
    Account, Alarm, Bucket, ErrorKind, EventDataStore, EventRule, Iam, IamPolicy, Key, LogGroup, OrgNode, Organization,
    PublicAccessBlock, Read, ReadError, RegionData, ResourceLocation, Scp, Snapshot, Source, SourceKind, Topic, Trail,
    Unresolved,
};

pub mod cloudformation;
mod providers;
pub mod terraform;
pub mod tree;
mod value;

/// The account id used for resources of a template.
pub const ACCOUNT: &str = "{AccountId}";
/// The region used for resources of a template when it does not say.
pub const REGION: &str = "{Region}";
/// Largest CloudFormation template accepted (CloudFormation itself takes 1 MB from S3).
pub const MAX_TEMPLATE_BYTES: usize = 16 << 20;
/// Largest Terraform plan accepted.
pub const MAX_PLAN_BYTES: usize = 512 << 20;

/// Why a template or plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IacError {
    /// Not valid YAML or JSON.
    #[error("{file}:{line}:{column}: syntax error: {message}")]
    Syntax {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Valid syntax, but not a template or plan this reader understands.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        /// File.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Larger than accepted.
    #[error("{file}: {size} bytes is more than the {max} bytes accepted")]
    TooLarge {
        /// File.
        file: String,
        /// Size.
        size: usize,
        /// Limit.
        max: usize,
    },
}

/// Resources read from a template, before they become a snapshot.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) trails: Vec<Trail>,
    pub(crate) buckets: Vec<Bucket>,
    pub(crate) keys: Vec<Key>,
    pub(crate) log_groups: Vec<LogGroup>,
    pub(crate) topics: Vec<Topic>,
    pub(crate) alarms: Vec<Alarm>,
    pub(crate) rules: Vec<EventRule>,
    pub(crate) stores: Vec<EventDataStore>,
    pub(crate) scps: Vec<Scp>,
    pub(crate) iam: Vec<IamPolicy>,
    pub(crate) iam_examined: u64,
    pub(crate) account_pab: Option<PublicAccessBlock>,
    pub(crate) locations: Vec<ResourceLocation>,
    pub(crate) unresolved: Vec<Unresolved>,
}

impl Model {
    pub(crate) fn locate(&mut self, resource: &str, logical_id: &str, file: &str, line: usize, column: usize) {
        if self.locations.iter().any(|l| l.resource == resource) {
            return;
        }
        self.locations.push(ResourceLocation {
            resource: resource.to_string(),
            logical_id: logical_id.to_string(),
            file: file.to_string(),
            line,
            column,
        });
    }

    pub(crate) fn into_snapshot(
        mut self,
        kind: SourceKind,
        file: &str,
        collected_at: &str,
        account: &str,
        region: &str,
    ) -> Snapshot {
        let not_in = |api: &str, why: &str| ReadError::new(api, ErrorKind::NotInSource, why);
        let bucket_names = self.buckets.iter().map(|b| b.name.clone()).collect();
        // Resources the checks report at account level point at the first trail (or line 1).
        let (line, column) = self.locations.first().map(|l| (l.line, l.column)).unwrap_or((1, 1));
        self.locate(account, "", file, line, column);
        let organization = (!self.scps.is_empty()).then(|| {
            Read::Ok(Organization {
                id: "template".into(),
                management_account_id: account.into(),
                feature_set: Some("ALL".into()),
                accounts: Vec::new(),
                nodes: vec![OrgNode {
                    id: "r-template".into(),
                    kind: "ROOT".into(),
                    parent: None,
                    name: Some("Root".into()),
                }],
                scps_enabled: true,
                policies: std::mem::take(&mut self.scps),
            })
        });
        let account = Account {
            account_id: account.to_string(),
            caller_arn: None,
            assumed_role: None,
            organization: Read::Ok(None),
            regions: Read::Error(not_in(
                "ec2:DescribeRegions",
                "a template does not know which regions are enabled",
            )),
            region_data: vec![RegionData {
                region: region.to_string(),
                trails: Read::Ok(self.trails),
                alarms: Read::Ok(self.alarms),
                event_rules: Read::Ok(self.rules),
                event_data_stores: Read::Ok(self.stores),
            }],
            bucket_names: Read::Ok(bucket_names),
            public_access_block: match self.account_pab {
                Some(p) => Read::Ok(Some(p)),
                None => Read::Error(not_in(
                    "s3control:GetPublicAccessBlock",
                    "account-level Block Public Access is not defined in this template",
                )),
            },
            buckets: self.buckets,
            keys: self.keys,
            log_groups: self.log_groups,
            topics: self.topics,
            iam: Read::Ok(Iam {
                examined: self.iam_examined,
                policies: self.iam,
            }),
        };
        let mut snap = Snapshot::new(
            collected_at.to_string(),
            Source {
                kind,
                endpoint_url: None,
                profile: None,
                path: Some(file.to_string()),
                accounts_merged: Vec::new(),
            },
            "aws",
        );
        snap.organization = organization;
        snap.accounts.push(account);
        snap.locations = self.locations;
        snap.unresolved = self.unresolved;
        snap
    }
}

/// Canned ACLs → grants to the public groups.
pub(crate) fn canned_acl_grants(acl: &str) -> Vec<crate::snapshot::Grant> {
    let all = "http://acs.amazonaws.com/groups/global/AllUsers";
    let auth = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    let g = |uri: &str, p: &str| crate::snapshot::Grant {
        grantee_type: "Group".into(),
        uri: Some(uri.into()),
        id: None,
        permission: p.into(),
    };
    match acl.to_ascii_lowercase().replace('_', "-").as_str() {
        "publicread" | "public-read" => vec![g(all, "READ")],
        "publicreadwrite" | "public-read-write" => vec![g(all, "READ"), g(all, "WRITE")],
        "authenticatedread" | "authenticated-read" => vec![g(auth, "READ")],
        _ => Vec::new(),
    }
}
