//! The configuration snapshot: one versioned JSON document holding everything the checks read,
//! per account and region, with every read that failed recorded beside the value it would have
//! filled.
//!
//! A value that could not be read is a [`Read::Error`] carrying the API, the error code and a
//! [`ErrorKind`], so a check can answer `ERROR` (permission denied, API failure) or `MANUAL`
//! (another account's resource) instead of a false `FAIL`. "Not configured" is a value, not an
//! error: a bucket without a policy is `Read::Ok(None)`.
//!
//! `trailguard collect` fills it through the AWS API (`trailguard-aws`); the CloudFormation and
//! Terraform readers in [`crate::iac`] build the same document from a template, so one set of
//! checks serves every input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Value of [`Snapshot::schema`].
pub const SCHEMA: &str = "trailguard.snapshot";
/// The schema version this build reads and writes. Bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;
/// The largest snapshot document accepted (bytes).
pub const MAX_SNAPSHOT_BYTES: usize = 512 << 20;

/// Why a snapshot document was refused.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The document is larger than [`MAX_SNAPSHOT_BYTES`].
    #[error("{name}: the snapshot is {size} bytes, more than the {max} bytes accepted")]
    TooLarge {
        /// File name (or `-`).
        name: String,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON, or not this schema's shape.
    #[error("{name}: line {line}, column {column}: {message}")]
    Invalid {
        /// File name (or `-`).
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Another schema or an unsupported version.
    #[error(
        "{name}: schema {schema:?} version {version} is not supported (this build reads {SCHEMA:?} version {SCHEMA_VERSION}); collect it again with this trailguard"
    )]
    Version {
        /// File name (or `-`).
        name: String,
        /// The document's `schema`.
        schema: String,
        /// The document's `version`.
        version: u32,
    },
}

/// The whole snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// [`SCHEMA_VERSION`].
    pub version: u32,
    /// When it was collected (RFC 3339, UTC). Time-dependent checks measure against it.
    pub collected_at: String,
    /// The program that wrote it (`trailguard 0.1.0`).
    pub collector: String,
    /// Where the data came from.
    pub source: Source,
    /// AWS partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// The organization as seen from its management (or delegated administrator) account;
    /// `None` when not collected (no `--org`, or the collecting account is not in one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Read<Organization>>,
    /// Every account read.
    pub accounts: Vec<Account>,
    /// Source positions of resources (templates only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<ResourceLocation>,
    /// What a template reader could not resolve (templates only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<Unresolved>,
}

/// Where a snapshot came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The kind of input.
    pub kind: SourceKind,
    /// A non-default AWS endpoint used (`--endpoint-url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// The named profile used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The template or plan file read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Several accounts read as one: a Terraform plan whose AWS providers (`assume_role`,
    /// `allowed_account_ids`) reach different accounts. Each entry names a provider and the
    /// account it reaches; checks that depend on which account owns a resource say `MANUAL`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts_merged: Vec<String>,
}

/// The kind of input a snapshot was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The AWS API.
    Live,
    /// A CloudFormation template.
    Cloudformation,
    /// A Terraform plan (`terraform show -json`).
    Terraform,
}

impl SourceKind {
    /// Whether this is infrastructure-as-code (a template or plan, not a live account).
    pub fn is_iac(self) -> bool {
        !matches!(self, SourceKind::Live)
    }
}

/// A value read from AWS, or why it could not be read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Read<T> {
    /// The value.
    Ok(T),
    /// The read failed.
    Error(ReadError),
}

impl<T> Read<T> {
    /// The value, if read.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Read::Ok(v) => Some(v),
            Read::Error(_) => None,
        }
    }

    /// The error, if the read failed.
    pub fn err(&self) -> Option<&ReadError> {
        match self {
            Read::Ok(_) => None,
            Read::Error(e) => Some(e),
        }
    }

    /// As a `Result` of references.
    pub fn as_result(&self) -> Result<&T, &ReadError> {
        match self {
            Read::Ok(v) => Ok(v),
            Read::Error(e) => Err(e),
        }
    }

    /// A read that was not attempted, with the reason.
    pub fn not_collected(api: &str, why: impl Into<String>) -> Self {
        Read::Error(ReadError::new(api, ErrorKind::NotCollected, why))
    }
}

/// Why a read failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadError {
    /// The API call (`s3:GetBucketPolicy`), or the template property.
    pub api: String,
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The service's error code (`AccessDenied`), when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The service's message, or ours.
    pub message: String,
}

impl ReadError {
    /// A new error without a service code.
    pub fn new(api: &str, kind: ErrorKind, message: impl Into<String>) -> Self {
        ReadError {
            api: api.to_string(),
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// One line: `s3:GetBucketPolicy: AccessDenied: message`.
    pub fn describe(&self) -> String {
        match &self.code {
            Some(c) => format!("{} failed ({c}): {}", self.api, self.message),
            None => format!("{} failed: {}", self.api, self.message),
        }
    }
}

/// The kinds of read failure. They decide the status a check gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The credentials may not call the API (`ERROR`).
    AccessDenied,
    /// The resource belongs to another account whose data is not in the snapshot (`MANUAL`).
    CrossAccount,
    /// The resource does not exist.
    NotFound,
    /// The endpoint does not implement the API (`ERROR`).
    Unsupported,
    /// Throttled beyond the retries (`ERROR`).
    Throttled,
    /// Connection, timeout or credential problems (`ERROR`).
    Network,
    /// A template or plan does not say (a parameter, an import, a value known after apply) (`MANUAL`).
    NotInSource,
    /// Not attempted (`MANUAL`): e.g. SCPs read only from the management account.
    NotCollected,
    /// Anything else (`ERROR`).
    Other,
}

impl ErrorKind {
    /// Whether a check should answer `MANUAL` (evidence exists elsewhere) rather than `ERROR`.
    pub fn is_manual(self) -> bool {
        matches!(
            self,
            ErrorKind::CrossAccount | ErrorKind::NotInSource | ErrorKind::NotCollected
        )
    }
}

/// One account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// 12-digit account id (a placeholder for templates).
    pub account_id: String,
    /// The identity used (`sts:GetCallerIdentity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_arn: Option<String>,
    /// The role assumed to reach it (`--org`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumed_role: Option<String>,
    /// Organization membership (`organizations:DescribeOrganization`); `Ok(None)`: not in one.
    pub organization: Read<Option<Membership>>,
    /// Enabled regions, opt-in regions included (`ec2:DescribeRegions`).
    pub regions: Read<Vec<RegionInfo>>,
    /// What was read per region.
    pub region_data: Vec<RegionData>,
    /// Names of the buckets the account owns (`s3:ListBuckets`).
    pub bucket_names: Read<Vec<String>>,
    /// Account-level S3 Block Public Access (`s3control:GetPublicAccessBlock`); `Ok(None)`: none.
    pub public_access_block: Read<Option<PublicAccessBlock>>,
    /// Trail buckets and buckets that receive CloudTrail logs.
    #[serde(default)]
    pub buckets: Vec<Bucket>,
    /// KMS keys used by trails and log groups.
    #[serde(default)]
    pub keys: Vec<Key>,
    /// CloudWatch Logs log groups that trails deliver to.
    #[serde(default)]
    pub log_groups: Vec<LogGroup>,
    /// SNS topics that alarms notify.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// IAM policies that could grant CloudTrail or KMS tampering.
    pub iam: Read<Iam>,
}

/// Organization membership as one account sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// `o-…`
    pub organization_id: String,
    /// The management account.
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_set: Option<String>,
}

/// One enabled region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInfo {
    /// `eu-west-1`
    pub name: String,
    /// `opt-in-not-required` or `opted-in`.
    pub opt_in_status: String,
}

/// What was read in one region of one account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionData {
    /// The region.
    pub region: String,
    /// `cloudtrail:DescribeTrails` with shadow trails.
    pub trails: Read<Vec<Trail>>,
    /// `cloudwatch:DescribeAlarms` (metric alarms).
    pub alarms: Read<Vec<Alarm>>,
    /// `events:ListRules` on the default bus, with targets.
    pub event_rules: Read<Vec<EventRule>>,
    /// `cloudtrail:ListEventDataStores` + `GetEventDataStore`.
    pub event_data_stores: Read<Vec<EventDataStore>>,
}

/// A trail as `DescribeTrails` returns it, plus, in its home region, its status and selectors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trail {
    /// Name.
    pub name: String,
    /// ARN (carries the owning account: the management account for organization trails).
    pub arn: String,
    /// Home region.
    pub home_region: String,
    /// Bucket name (`S3BucketName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    /// `S3KeyPrefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_key_prefix: Option<String>,
    /// `SnsTopicARN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns_topic_arn: Option<String>,
    /// `IncludeGlobalServiceEvents`.
    pub include_global_service_events: bool,
    /// `IsMultiRegionTrail`.
    pub is_multi_region: bool,
    /// `IsOrganizationTrail`.
    pub is_organization_trail: bool,
    /// `LogFileValidationEnabled`.
    pub log_file_validation: bool,
    /// `CloudWatchLogsLogGroupArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_logs_log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_logs_role_arn: Option<String>,
    /// `KmsKeyId` (a key ARN or alias).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Status, selectors, Insights and tags, read in the home region (absent on shadow copies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<TrailDetail>,
}

impl Trail {
    /// The account that owns the trail (from its ARN).
    pub fn owner_account(&self) -> &str {
        crate::arn::account(&self.arn).unwrap_or("")
    }
}

/// What is read about a trail in its home region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailDetail {
    /// `cloudtrail:GetTrailStatus`.
    pub status: Read<TrailStatus>,
    /// `cloudtrail:GetEventSelectors`.
    pub selectors: Read<Selectors>,
    /// `cloudtrail:GetInsightSelectors`: the enabled insight types.
    pub insights: Read<Vec<String>>,
    /// `cloudtrail:ListTags`.
    pub tags: Read<BTreeMap<String, String>>,
}

/// `GetTrailStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: bool,
    /// `LatestDeliveryTime` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_time: Option<String>,
    /// `LatestDeliveryError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryTime` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_cloudwatch_logs_delivery_time: Option<String>,
    /// `LatestCloudWatchLogsDeliveryError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
    /// `LatestDigestDeliveryError`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_digest_delivery_error: Option<String>,
    /// `StopLoggingTime` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_logging_time: Option<String>,
}

/// `GetEventSelectors`: a trail has classic or advanced selectors, never both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selectors {
    /// Classic `EventSelectors`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classic: Vec<EventSelector>,
    /// `AdvancedEventSelectors`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advanced: Vec<AdvancedEventSelector>,
}

/// A classic event selector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSelector {
    /// `All`, `ReadOnly` or `WriteOnly` (AWS's default is `All`).
    pub read_write_type: String,
    /// `IncludeManagementEvents` (AWS's default is true).
    pub include_management_events: bool,
    /// `DataResources`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_resources: Vec<DataResource>,
    /// `ExcludeManagementEventSources`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_management_event_sources: Vec<String>,
}

/// A classic data resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataResource {
    /// `AWS::S3::Object`, `AWS::Lambda::Function`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// ARNs or ARN prefixes.
    #[serde(default)]
    pub values: Vec<String>,
}

/// An advanced event selector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvancedEventSelector {
    /// `Name` (free text; never decides anything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `FieldSelectors`.
    pub field_selectors: Vec<FieldSelector>,
}

/// One field selector of an advanced event selector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSelector {
    /// `Field` (`eventCategory`, `readOnly`, `resources.type`, `resources.ARN`, …).
    pub field: String,
    /// `Equals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// `StartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// `EndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// `NotEquals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// `NotStartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// `NotEndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// An S3 bucket and everything read about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// Whether it exists and who owns it.
    pub presence: Read<BucketPresence>,
    /// Region (`s3:GetBucketLocation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `s3:GetBucketPolicy`; `Ok(None)`: no policy.
    pub policy: Read<Option<String>>,
    /// `s3:GetBucketAcl` grants.
    pub acl: Read<Vec<Grant>>,
    /// `s3:GetBucketPublicAccessBlock`; `Ok(None)`: none.
    pub public_access_block: Read<Option<PublicAccessBlock>>,
    /// `s3:GetBucketVersioning`.
    pub versioning: Read<Versioning>,
    /// `s3:GetObjectLockConfiguration`; `Ok(None)`: Object Lock not enabled.
    pub object_lock: Read<Option<ObjectLock>>,
    /// `s3:GetLifecycleConfiguration`; empty: none.
    pub lifecycle: Read<Vec<LifecycleRule>>,
    /// `s3:GetBucketLogging`; `Ok(None)`: access logging off.
    pub logging: Read<Option<BucketLogging>>,
    /// `s3:GetEncryptionConfiguration`; `Ok(None)`: none.
    pub encryption: Read<Option<BucketEncryption>>,
}

/// Whether a bucket exists and who owns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketPresence {
    /// The account that holds this record owns it.
    Owned,
    /// It exists but another account owns it.
    OtherAccount,
    /// No bucket by that name exists (anyone may create it).
    Missing,
}

/// Block Public Access settings (bucket or account).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four settings on.
    pub fn all(self) -> bool {
        self.block_public_acls && self.ignore_public_acls && self.block_public_policy && self.restrict_public_buckets
    }

    /// The names of the settings that are off.
    pub fn missing(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if !self.block_public_acls {
            v.push("BlockPublicAcls");
        }
        if !self.ignore_public_acls {
            v.push("IgnorePublicAcls");
        }
        if !self.block_public_policy {
            v.push("BlockPublicPolicy");
        }
        if !self.restrict_public_buckets {
            v.push("RestrictPublicBuckets");
        }
        v
    }
}

/// One ACL grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Grantee type: `CanonicalUser`, `Group`, `AmazonCustomerByEmail`.
    pub grantee_type: String,
    /// Group URI (`http://acs.amazonaws.com/groups/global/AllUsers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Canonical user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`.
    pub permission: String,
}

/// `GetBucketVersioning`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Versioning {
    /// `Enabled`, `Suspended`, or absent (never enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Enabled` or `Disabled`; absent when never configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_delete: Option<String>,
}

/// `GetObjectLockConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectLock {
    /// `ObjectLockEnabled = Enabled`.
    pub enabled: bool,
    /// Default retention mode: `COMPLIANCE` or `GOVERNANCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Default retention in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// Default retention in years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<i64>,
}

impl ObjectLock {
    /// Default retention in days (years counted as 365.25 days, rounded up), if set.
    pub fn retention_days(&self) -> Option<i64> {
        match (self.days, self.years) {
            (Some(d), _) if d > 0 => Some(d),
            (_, Some(y)) if y > 0 => Some((y * 36_525 + 99) / 100),
            _ => None,
        }
    }
}

/// One lifecycle rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    /// `ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// The prefix it applies to (`Filter.Prefix` or `Prefix`); absent or empty: all objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Whether the filter also narrows by tag or size (then it may not apply to log objects).
    #[serde(default)]
    pub narrowed: bool,
    /// Transitions of current versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
    /// `Expiration.Days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_days: Option<i64>,
    /// `NoncurrentVersionExpiration.NoncurrentDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_expiration_days: Option<i64>,
}

/// A lifecycle transition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// After how many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// `GLACIER`, `DEEP_ARCHIVE`, `GLACIER_IR`, `STANDARD_IA`, …
    pub storage_class: String,
}

/// `GetBucketLogging`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketLogging {
    /// `TargetBucket`.
    pub target_bucket: String,
    /// `TargetPrefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_prefix: Option<String>,
}

/// Default encryption.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms`, `aws:kms:dsse`.
    pub algorithm: String,
    /// The KMS key, for `aws:kms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

/// A KMS key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    /// The reference as a trail or log group gives it (ARN, alias ARN, alias name or key id).
    pub reference: String,
    /// Region of the key.
    pub region: String,
    /// `kms:DescribeKey`.
    pub metadata: Read<KeyMetadata>,
    /// `kms:GetKeyPolicy` (policy `default`).
    pub policy: Read<String>,
    /// `kms:GetKeyRotationStatus`.
    pub rotation_enabled: Read<bool>,
}

/// `DescribeKey`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyMetadata {
    /// Key ARN.
    pub arn: String,
    /// `AWS` or `CUSTOMER`.
    pub key_manager: String,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, …
    pub key_spec: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub key_state: String,
    /// `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// `DeletionDate`, when pending deletion (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<String>,
}

/// A CloudWatch Logs log group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    /// The ARN as the trail gives it (often ending in `:*`).
    pub arn: String,
    /// Log group name.
    pub name: String,
    /// Region.
    pub region: String,
    /// `logs:DescribeLogGroups`; `Ok(None)`: it does not exist.
    pub info: Read<Option<LogGroupInfo>>,
    /// `logs:DescribeMetricFilters` on it.
    pub metric_filters: Read<Vec<MetricFilter>>,
}

/// `DescribeLogGroups`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupInfo {
    /// `retentionInDays`; absent: never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<i64>,
    /// `kmsKeyId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

/// A metric filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricFilter {
    /// `filterName`.
    pub name: String,
    /// `filterPattern`.
    pub pattern: String,
    /// `metricTransformations`.
    pub transformations: Vec<MetricTransformation>,
}

/// A metric transformation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricTransformation {
    /// `metricName`.
    pub metric_name: String,
    /// `metricNamespace`.
    pub metric_namespace: String,
    /// `metricValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_value: Option<String>,
}

/// A CloudWatch metric alarm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// `AlarmName`.
    pub name: String,
    /// `AlarmArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Metrics the alarm watches: its own `MetricName`/`Namespace`, or those of its metric-math
    /// queries.
    pub metrics: Vec<AlarmMetric>,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// `AlarmActions` (ALARM state).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarm_actions: Vec<String>,
    /// `StateValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `ComparisonOperator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison_operator: Option<String>,
    /// `Threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// A metric an alarm watches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmMetric {
    /// `MetricName`.
    pub name: String,
    /// `Namespace`.
    pub namespace: String,
}

/// An SNS topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Topic ARN.
    pub arn: String,
    /// `sns:ListSubscriptionsByTopic`.
    pub subscriptions: Read<Vec<Subscription>>,
}

/// An SNS subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// `SubscriptionArn`: an ARN once confirmed, `PendingConfirmation` before.
    pub arn: String,
    /// `Protocol`.
    pub protocol: String,
    /// `Endpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl Subscription {
    /// A confirmed subscription has a subscription ARN (not `PendingConfirmation` or `Deleted`).
    pub fn is_confirmed(&self) -> bool {
        self.arn.starts_with("arn:")
    }
}

/// An EventBridge rule on the default bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRule {
    /// Name.
    pub name: String,
    /// ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `ENABLED`, `DISABLED`, …
    pub state: String,
    /// `EventPattern` (JSON text); absent for scheduled rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_pattern: Option<String>,
    /// Target ARNs (`events:ListTargetsByRule`).
    pub targets: Read<Vec<String>>,
}

/// A CloudTrail Lake event data store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDataStore {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// `Status` (`ENABLED`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `KmsKeyId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// `RetentionPeriod` in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<i64>,
}

/// IAM policies that could grant CloudTrail or KMS tampering (pre-selected by
/// [`crate::policy::may_grant_tampering`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Iam {
    /// How many policy documents were examined.
    pub examined: u64,
    /// The ones kept.
    pub policies: Vec<IamPolicy>,
}

/// An IAM policy document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamPolicy {
    /// Policy name.
    pub name: String,
    /// ARN (managed policies) or `user/…`, `role/…`, `group/…` path of the holder (inline).
    pub id: String,
    /// `managed` or `inline`.
    pub kind: String,
    /// Principals it is attached to (`role/Admin`, …).
    #[serde(default)]
    pub attached_to: Vec<String>,
    /// The policy document (JSON).
    pub document: String,
}

/// The organization, read from the management or a delegated administrator account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// `o-…`
    pub id: String,
    /// The management account.
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_set: Option<String>,
    /// Member accounts.
    pub accounts: Vec<OrgAccount>,
    /// The root, OUs and accounts with their parents.
    pub nodes: Vec<OrgNode>,
    /// Whether the SCP policy type is enabled on the root.
    pub scps_enabled: bool,
    /// Service control policies with their targets.
    pub policies: Vec<Scp>,
}

/// A member account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgAccount {
    /// Account id.
    pub id: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, …
    pub status: String,
}

/// A node of the organization tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgNode {
    /// `r-…`, `ou-…` or an account id.
    pub id: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`.
    pub kind: String,
    /// Parent id (absent for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A service control policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scp {
    /// `p-…`
    pub id: String,
    /// Name.
    pub name: String,
    /// AWS managed (`FullAWSAccess`).
    #[serde(default)]
    pub aws_managed: bool,
    /// The policy document (JSON).
    pub content: String,
    /// Root, OU and account ids it is attached to.
    pub targets: Vec<String>,
}

/// Where a resource is defined in a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceLocation {
    /// The resource id the checks report (an ARN, bucket name, …).
    pub resource: String,
    /// Logical id (CloudFormation) or address (Terraform).
    pub logical_id: String,
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Something a template reader could not resolve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unresolved {
    /// Logical id or address.
    pub logical_id: String,
    /// The property.
    pub property: String,
    /// Why.
    pub message: String,
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Snapshot {
    /// An empty snapshot of this schema version.
    pub fn new(collected_at: String, source: Source, partition: &str) -> Self {
        Snapshot {
            schema: SCHEMA.to_string(),
            version: SCHEMA_VERSION,
            collected_at,
            collector: concat!("trailguard ", env!("CARGO_PKG_VERSION")).to_string(),
            source,
            partition: partition.to_string(),
            organization: None,
            accounts: Vec::new(),
            locations: Vec::new(),
            unresolved: Vec::new(),
        }
    }

    /// Read a snapshot document; `name` is used in errors.
    pub fn from_json(name: &str, bytes: &[u8]) -> Result<Self, SnapshotError> {
        if bytes.len() > MAX_SNAPSHOT_BYTES {
            return Err(SnapshotError::TooLarge {
                name: name.to_string(),
                size: bytes.len(),
                max: MAX_SNAPSHOT_BYTES,
            });
        }
        // Check the schema and version first so an old or foreign document gets the right error.
        #[derive(Deserialize)]
        struct Head {
            schema: Option<String>,
            version: Option<u32>,
        }
        let invalid = |e: serde_json::Error| SnapshotError::Invalid {
            name: name.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        let head: Head = serde_json::from_slice(bytes).map_err(invalid)?;
        let schema = head.schema.unwrap_or_default();
        let version = head.version.unwrap_or(0);
        if schema != SCHEMA || version != SCHEMA_VERSION {
            return Err(SnapshotError::Version {
                name: name.to_string(),
                schema,
                version,
            });
        }
        serde_json::from_slice(bytes).map_err(invalid)
    }

    /// The document as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The account with this id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.account_id == id)
    }

    /// The source location of a resource (templates).
    pub fn location(&self, resource: &str) -> Option<&ResourceLocation> {
        self.locations.iter().find(|l| l.resource == resource)
    }
}
