//! The lake's tables, defined once as a tree of columns.
//!
//! Each column says its name (AWS's Athena spelling, lower case), its type and how its value is
//! taken from a record. The same definitions drive the Arrow builders ([`crate::build`]), the
//! Arrow schema written into every Parquet file, the schema DataFusion reads, and the DDL exported
//! for Athena, Trino and Spark ([`crate::ddl`]), so the four can never disagree.
//!
//! Two tables:
//! - `events`: management, data and network activity events — typed top-level fields,
//!   `useridentity` / `tlsdetails` / `addendum` structs, `resources` as a list of structs,
//!   payloads kept as their exact JSON text, unknown members in `extra`, promoted hot fields
//!   (`rp_*`, `re_*`, `aed_*`) and lineage (`src_*`, `ingest_time`);
//! - `insights`: CloudTrail Insights records, whose shape is unrelated.
//!
//! Partition columns (`account`, `region`, `date`) live in the Hive path, not in the files.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::row::Row;

/// Version of the lake layout and schema, written into the lake's metadata and each file.
pub const LAYOUT_VERSION: u32 = 1;

/// A string leaf's getter.
pub(crate) type StrGet = for<'r> fn(&'r Row<'_, '_>) -> Option<&'r str>;
/// A boolean leaf's getter.
pub(crate) type BoolGet = fn(&Row<'_, '_>) -> Option<bool>;
/// An integer leaf's getter.
pub(crate) type IntGet = fn(&Row<'_, '_>) -> Option<i64>;
/// A floating-point leaf's getter.
pub(crate) type FloatGet = fn(&Row<'_, '_>) -> Option<f64>;
/// A struct's presence test.
pub(crate) type Present = fn(&Row<'_, '_>) -> bool;

/// How a string column is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Enc {
    /// Few distinct values (`eventsource`, `awsregion`, …): dictionary-encoded in Arrow (each
    /// batch holds each value once; readers get dictionaries back, which group fast) and in
    /// Parquet.
    Dict,
    /// Repeated values are common (`useragent`, `sourceipaddress`): plain in Arrow, Parquet's
    /// dictionary encoding with fallback.
    Plain,
    /// Values that are almost all unique (`eventid`, payload JSON text): no Parquet dictionary.
    Unique,
}

/// One column (or struct field) of a table.
pub(crate) enum Col {
    /// A string.
    Str {
        name: &'static str,
        enc: Enc,
        get: StrGet,
        doc: &'static str,
    },
    /// JSON text, exactly as in the record (`null` stored as SQL NULL).
    Json {
        name: &'static str,
        get: StrGet,
        doc: &'static str,
    },
    /// A boolean.
    Bool {
        name: &'static str,
        get: BoolGet,
        doc: &'static str,
    },
    /// A timestamp in microseconds, UTC.
    Time {
        name: &'static str,
        get: IntGet,
        doc: &'static str,
    },
    /// A 64-bit integer.
    Int {
        name: &'static str,
        get: IntGet,
        doc: &'static str,
    },
    /// A 64-bit float.
    Float {
        name: &'static str,
        get: FloatGet,
        doc: &'static str,
    },
    /// A struct of columns, NULL when `present` says so.
    Struct {
        name: &'static str,
        present: Present,
        fields: Vec<Col>,
        doc: &'static str,
    },
    /// `resources`: a list of `{arn, accountid, type, arnprefix}`.
    Resources { name: &'static str, doc: &'static str },
}

impl Col {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Col::Str { name, .. }
            | Col::Json { name, .. }
            | Col::Bool { name, .. }
            | Col::Time { name, .. }
            | Col::Int { name, .. }
            | Col::Float { name, .. }
            | Col::Struct { name, .. }
            | Col::Resources { name, .. } => name,
        }
    }

    pub(crate) fn doc(&self) -> &'static str {
        match self {
            Col::Str { doc, .. }
            | Col::Json { doc, .. }
            | Col::Bool { doc, .. }
            | Col::Time { doc, .. }
            | Col::Int { doc, .. }
            | Col::Float { doc, .. }
            | Col::Struct { doc, .. }
            | Col::Resources { doc, .. } => doc,
        }
    }

    /// The Arrow type as written to files.
    pub(crate) fn data_type(&self) -> DataType {
        match self {
            Col::Str { enc: Enc::Dict, .. } => dict_type(),
            Col::Str { .. } | Col::Json { .. } => DataType::Utf8,
            Col::Bool { .. } => DataType::Boolean,
            Col::Time { .. } => time_type(),
            Col::Int { .. } => DataType::Int64,
            Col::Float { .. } => DataType::Float64,
            Col::Struct { fields, .. } => DataType::Struct(fields_of(fields)),
            Col::Resources { .. } => resources_type(),
        }
    }

    pub(crate) fn field(&self) -> Field {
        Field::new(self.name(), self.data_type(), true)
    }
}

pub(crate) fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// `Timestamp(µs, "UTC")`.
pub fn time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

pub(crate) fn resource_fields() -> Fields {
    Fields::from(vec![
        Field::new("arn", DataType::Utf8, true),
        Field::new("accountid", DataType::Utf8, true),
        Field::new("type", dict_type(), true),
        Field::new("arnprefix", DataType::Utf8, true),
    ])
}

pub(crate) fn resources_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Struct(resource_fields()), true)))
}

pub(crate) fn fields_of(cols: &[Col]) -> Fields {
    cols.iter().map(Col::field).collect()
}

/// Which table a record goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    /// Management, data and network activity events.
    Events,
    /// CloudTrail Insights records.
    Insights,
}

impl Table {
    /// Both tables.
    pub const ALL: [Table; 2] = [Table::Events, Table::Insights];

    /// The table's name (and its folder in the lake).
    pub fn name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Insights => "insights",
        }
    }

    pub(crate) fn cols(self) -> &'static [Col] {
        match self {
            Table::Events => &EVENT_COLS,
            Table::Insights => &INSIGHT_COLS,
        }
    }

    /// The Arrow schema of the table's files (partition columns excluded).
    pub fn file_schema(self) -> SchemaRef {
        match self {
            Table::Events => EVENT_SCHEMA.clone(),
            Table::Insights => INSIGHT_SCHEMA.clone(),
        }
    }
}

/// The Hive partition columns, in path order.
pub const PARTITION_COLUMNS: [&str; 3] = ["account", "region", "date"];

static EVENT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| Arc::new(schema_of(&EVENT_COLS)));
static INSIGHT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| Arc::new(schema_of(&INSIGHT_COLS)));

fn schema_of(cols: &[Col]) -> Schema {
    Schema::new(fields_of(cols))
}

// --- getters -----------------------------------------------------------------------------------

macro_rules! ev {
    ($f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.ev.$f.as_deref()
        }
        g as StrGet
    }};
}

macro_rules! ui {
    ($f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.ev.user_identity.as_ref()?.$f.as_deref()
        }
        g as StrGet
    }};
}

macro_rules! sc {
    ($f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.ev.user_identity.as_ref()?.session_context.as_ref()?.$f.as_deref()
        }
        g as StrGet
    }};
}

macro_rules! si {
    ($f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.ev.user_identity
                .as_ref()?
                .session_context
                .as_ref()?
                .session_issuer
                .as_ref()?
                .$f
                .as_deref()
        }
        g as StrGet
    }};
}

macro_rules! sub {
    ($parent:ident . $f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.ev.user_identity.as_ref()?.$parent.as_ref()?.$f.as_deref()
        }
        g as StrGet
    }};
}

macro_rules! top {
    ($parent:ident . $f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.ev.$parent.as_ref()?.$f.as_deref()
        }
        g as StrGet
    }};
}

macro_rules! payload {
    ($f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.ev.$f.as_ref().filter(|p| !p.is_null()).map(|p| p.text())
        }
        g as StrGet
    }};
}

macro_rules! hot {
    ($f:ident) => {{
        fn g<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
            r.hot.$f.as_deref()
        }
        g as StrGet
    }};
}

const fn s(name: &'static str, enc: Enc, get: StrGet, doc: &'static str) -> Col {
    Col::Str { name, enc, get, doc }
}

const fn j(name: &'static str, get: StrGet, doc: &'static str) -> Col {
    Col::Json { name, get, doc }
}

fn has_identity(r: &Row<'_, '_>) -> bool {
    r.ev.user_identity.is_some()
}
fn has_session(r: &Row<'_, '_>) -> bool {
    r.ev.user_identity.as_ref().is_some_and(|u| u.session_context.is_some())
}
fn has_attributes(r: &Row<'_, '_>) -> bool {
    r.ev.user_identity
        .as_ref()
        .and_then(|u| u.session_context.as_ref())
        .is_some_and(|c| c.creation_date.is_some() || c.mfa_authenticated.is_some())
}
fn has_issuer(r: &Row<'_, '_>) -> bool {
    r.ev.session_issuer().is_some()
}
fn has_webid(r: &Row<'_, '_>) -> bool {
    r.ev.user_identity
        .as_ref()
        .and_then(|u| u.session_context.as_ref())
        .is_some_and(|c| c.federated_provider.is_some() || c.web_id_attributes.is_some())
}
fn has_on_behalf_of(r: &Row<'_, '_>) -> bool {
    r.ev.user_identity.as_ref().is_some_and(|u| u.on_behalf_of.is_some())
}
fn has_in_scope_of(r: &Row<'_, '_>) -> bool {
    r.ev.user_identity.as_ref().is_some_and(|u| u.in_scope_of.is_some())
}
fn has_delegate(r: &Row<'_, '_>) -> bool {
    r.ev.user_identity
        .as_ref()
        .is_some_and(|u| u.invoked_by_delegate_account_id.is_some())
}
fn has_tls(r: &Row<'_, '_>) -> bool {
    r.ev.tls_details.is_some()
}
fn has_addendum(r: &Row<'_, '_>) -> bool {
    r.ev.addendum.is_some()
}

fn web_id_attributes<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
    r.ev.user_identity
        .as_ref()?
        .session_context
        .as_ref()?
        .web_id_attributes
        .as_ref()
        .filter(|p| !p.is_null())
        .map(|p| p.text())
}

fn event_time(r: &Row<'_, '_>) -> Option<i64> {
    r.ev.time.millis().checked_mul(1000)
}
fn read_only(r: &Row<'_, '_>) -> Option<bool> {
    r.ev.read_only
}
fn management_event(r: &Row<'_, '_>) -> Option<bool> {
    r.ev.management_event
}
fn extra<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
    r.extra.as_deref()
}
fn src_key<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
    Some(r.lineage.key)
}
fn src_record(r: &Row<'_, '_>) -> Option<i64> {
    i64::try_from(r.index).ok()
}
fn src_account<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
    r.lineage.account
}
fn src_region<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
    r.lineage.region
}
fn ingest_time(r: &Row<'_, '_>) -> Option<i64> {
    Some(r.lineage.ingest_micros)
}
fn insight_str<'r>(
    r: &'r Row<'_, '_>,
    f: for<'i> fn(&'i crate::row::Insight<'_>) -> Option<&'i str>,
) -> Option<&'r str> {
    r.insight.as_ref().and_then(f)
}

/// The `events` table.
pub(crate) static EVENT_COLS: LazyLock<Vec<Col>> = LazyLock::new(|| {
    use Enc::*;
    vec![
        s(
            "eventversion",
            Dict,
            ev!(event_version),
            "record format version, e.g. 1.11",
        ),
        Col::Struct {
            name: "useridentity",
            present: has_identity,
            doc: "who made the request",
            fields: vec![
                s(
                    "type",
                    Dict,
                    ui!(identity_type),
                    "Root, IAMUser, AssumedRole, AWSService, IdentityCenterUser, …",
                ),
                s("principalid", Plain, ui!(principal_id), "unique id of the caller"),
                s("arn", Plain, ui!(arn), "ARN of the caller"),
                s("accountid", Dict, ui!(account_id), "account owning the caller's entity"),
                s(
                    "invokedby",
                    Dict,
                    ui!(invoked_by),
                    "the AWS service that made the request",
                ),
                s(
                    "accesskeyid",
                    Plain,
                    ui!(access_key_id),
                    "access key that signed the request",
                ),
                s("username", Plain, ui!(user_name), "friendly name"),
                Col::Struct {
                    name: "onbehalfof",
                    present: has_on_behalf_of,
                    doc: "IAM Identity Center user",
                    fields: vec![
                        s("userid", Plain, sub!(on_behalf_of.user_id), "Identity Center user id"),
                        s(
                            "identitystorearn",
                            Dict,
                            sub!(on_behalf_of.identity_store_arn),
                            "identity store",
                        ),
                    ],
                },
                Col::Struct {
                    name: "sessioncontext",
                    present: has_session,
                    doc: "temporary credentials",
                    fields: vec![
                        Col::Struct {
                            name: "attributes",
                            present: has_attributes,
                            doc: "session attributes",
                            fields: vec![
                                s("mfaauthenticated", Dict, sc!(mfa_authenticated), "\"true\" / \"false\""),
                                s(
                                    "creationdate",
                                    Plain,
                                    sc!(creation_date),
                                    "when the session was created (as written)",
                                ),
                            ],
                        },
                        Col::Struct {
                            name: "sessionissuer",
                            present: has_issuer,
                            doc: "who issued the session",
                            fields: vec![
                                s("type", Dict, si!(issuer_type), "Root, IAMUser or Role"),
                                s("principalid", Plain, si!(principal_id), "issuer principal id"),
                                s("arn", Plain, si!(arn), "issuer ARN (the role for assumed roles)"),
                                s("accountid", Dict, si!(account_id), "issuer account"),
                                s("username", Plain, si!(user_name), "issuer name"),
                            ],
                        },
                        s(
                            "ec2roledelivery",
                            Dict,
                            sc!(ec2_role_delivery),
                            "1.0 IMDSv1, 2.0 IMDSv2",
                        ),
                        Col::Struct {
                            name: "webidfederationdata",
                            present: has_webid,
                            doc: "web identity federation",
                            fields: vec![
                                s("federatedprovider", Dict, sc!(federated_provider), "identity provider"),
                                j("attributes", web_id_attributes, "provider attributes (JSON text)"),
                            ],
                        },
                        s(
                            "sourceidentity",
                            Plain,
                            sc!(source_identity),
                            "source identity set at AssumeRole",
                        ),
                        s(
                            "assumedroot",
                            Dict,
                            sc!(assumed_root),
                            "true for sts:AssumeRoot sessions",
                        ),
                        s(
                            "signinsessionarn",
                            Plain,
                            sc!(sign_in_session_arn),
                            "console sign-in session",
                        ),
                        s(
                            "ec2issuedinvpc",
                            Plain,
                            sc!(ec2_issued_in_vpc),
                            "VPC the instance credentials were issued in",
                        ),
                    ],
                },
                s(
                    "credentialid",
                    Plain,
                    ui!(credential_id),
                    "bearer token id (Identity Center)",
                ),
                s(
                    "identityprovider",
                    Dict,
                    ui!(identity_provider),
                    "SAML / web identity provider",
                ),
                Col::Struct {
                    name: "invokedbydelegate",
                    present: has_delegate,
                    doc: "product provider acting with delegated access",
                    fields: vec![s(
                        "accountid",
                        Plain,
                        ui!(invoked_by_delegate_account_id),
                        "delegate account",
                    )],
                },
                Col::Struct {
                    name: "inscopeof",
                    present: has_in_scope_of,
                    doc: "request made in scope of a service (Lambda, ECS)",
                    fields: vec![
                        s("sourcearn", Plain, sub!(in_scope_of.source_arn), "source ARN"),
                        s(
                            "sourceaccount",
                            Dict,
                            sub!(in_scope_of.source_account),
                            "source account",
                        ),
                        s(
                            "issuertype",
                            Dict,
                            sub!(in_scope_of.issuer_type),
                            "e.g. AWS::Lambda::Function",
                        ),
                        s(
                            "credentialsissuedto",
                            Plain,
                            sub!(in_scope_of.credentials_issued_to),
                            "credentials issued to",
                        ),
                    ],
                },
            ],
        },
        Col::Time {
            name: "eventtime",
            get: event_time,
            doc: "when the request completed (UTC)",
        },
        s(
            "eventsource",
            Dict,
            ev!(event_source),
            "service endpoint, e.g. iam.amazonaws.com",
        ),
        s("eventname", Dict, ev!(event_name), "the API action"),
        s("awsregion", Dict, ev!(aws_region), "region the request was made to"),
        s(
            "sourceipaddress",
            Plain,
            ev!(source_ip_address),
            "caller IP, or service DNS name",
        ),
        s("useragent", Plain, ev!(user_agent), "client"),
        s("errorcode", Dict, ev!(error_code), "error code (absent on success)"),
        s("errormessage", Plain, ev!(error_message), "error description"),
        j(
            "requestparameters",
            payload!(request_parameters),
            "request parameters (JSON text)",
        ),
        j(
            "responseelements",
            payload!(response_elements),
            "response elements (JSON text)",
        ),
        j(
            "additionaleventdata",
            payload!(additional_event_data),
            "additional event data (JSON text)",
        ),
        s("requestid", Unique, ev!(request_id), "request id"),
        s("eventid", Unique, ev!(event_id), "unique record id"),
        Col::Resources {
            name: "resources",
            doc: "resources accessed: arn, accountid, type, arnprefix",
        },
        s(
            "eventtype",
            Dict,
            ev!(event_type),
            "AwsApiCall, AwsServiceEvent, AwsConsoleSignIn, …",
        ),
        s("apiversion", Dict, ev!(api_version), "API version"),
        Col::Bool {
            name: "readonly",
            get: read_only,
            doc: "true for read-only calls",
        },
        s(
            "recipientaccountid",
            Dict,
            ev!(recipient_account_id),
            "account that received the record",
        ),
        j(
            "serviceeventdetails",
            payload!(service_event_details),
            "service event details (JSON text)",
        ),
        s(
            "sharedeventid",
            Unique,
            ev!(shared_event_id),
            "shared by the copies of one action",
        ),
        s("vpcendpointid", Dict, ev!(vpc_endpoint_id), "VPC endpoint"),
        s(
            "vpcendpointaccountid",
            Dict,
            ev!(vpc_endpoint_account_id),
            "VPC endpoint owner",
        ),
        s(
            "eventcategory",
            Dict,
            ev!(event_category),
            "Management, Data, NetworkActivity",
        ),
        Col::Struct {
            name: "addendum",
            present: has_addendum,
            doc: "late or corrected delivery",
            fields: vec![
                s(
                    "reason",
                    Dict,
                    top!(addendum.reason),
                    "DELIVERY_DELAY, UPDATED_DATA, SERVICE_OUTAGE",
                ),
                s("updatedfields", Plain, top!(addendum.updated_fields), "fields updated"),
                s(
                    "originalrequestid",
                    Plain,
                    top!(addendum.original_request_id),
                    "original request id",
                ),
                s(
                    "originaleventid",
                    Plain,
                    top!(addendum.original_event_id),
                    "original event id",
                ),
            ],
        },
        s(
            "sessioncredentialfromconsole",
            Dict,
            ev!(session_credential_from_console),
            "\"true\" when console credentials were used",
        ),
        j(
            "edgedevicedetails",
            payload!(edge_device_details),
            "edge device (JSON text)",
        ),
        Col::Struct {
            name: "tlsdetails",
            present: has_tls,
            doc: "TLS of the request",
            fields: vec![
                s("tlsversion", Dict, top!(tls_details.tls_version), "TLS version"),
                s("ciphersuite", Dict, top!(tls_details.cipher_suite), "cipher suite"),
                s(
                    "clientprovidedhostheader",
                    Dict,
                    top!(tls_details.client_provided_host_header),
                    "host header",
                ),
                s(
                    "keyexchange",
                    Dict,
                    top!(tls_details.key_exchange),
                    "key exchange group",
                ),
            ],
        },
        Col::Bool {
            name: "managementevent",
            get: management_event,
            doc: "true for management events",
        },
        j(
            "eventcontext",
            payload!(event_context),
            "enriched event context (JSON text)",
        ),
        j(
            "extra",
            extra,
            "members no column holds, as one JSON object keyed by path",
        ),
        s(
            "rp_bucketname",
            Plain,
            hot!(bucket_name),
            "requestParameters.bucketName",
        ),
        s("rp_key", Unique, hot!(key), "requestParameters.key"),
        s("rp_rolearn", Plain, hot!(role_arn), "requestParameters.roleArn"),
        s(
            "rp_rolesessionname",
            Plain,
            hot!(role_session_name),
            "requestParameters.roleSessionName",
        ),
        s(
            "rp_sourceidentity",
            Plain,
            hot!(source_identity),
            "requestParameters.sourceIdentity",
        ),
        s("rp_username", Plain, hot!(user_name), "requestParameters.userName"),
        s("rp_rolename", Plain, hot!(role_name), "requestParameters.roleName"),
        s("rp_policyarn", Plain, hot!(policy_arn), "requestParameters.policyArn"),
        s(
            "re_accesskeyid",
            Unique,
            hot!(credentials_access_key_id),
            "responseElements.credentials.accessKeyId",
        ),
        s(
            "re_consolelogin",
            Dict,
            hot!(console_login),
            "responseElements.ConsoleLogin",
        ),
        s("aed_mfaused", Dict, hot!(mfa_used), "additionalEventData.MFAUsed"),
        s("src_key", Dict, src_key, "source object key"),
        Col::Int {
            name: "src_record",
            get: src_record,
            doc: "record position in the source object",
        },
        s("src_account", Dict, src_account, "account in the source key"),
        s("src_region", Dict, src_region, "region in the source key"),
        Col::Time {
            name: "ingest_time",
            get: ingest_time,
            doc: "when the record was ingested",
        },
    ]
});

/// The `insights` table.
pub(crate) static INSIGHT_COLS: LazyLock<Vec<Col>> = LazyLock::new(|| {
    use Enc::*;
    fn state<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
        insight_str(r, |i| i.state.as_deref())
    }
    fn source<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
        insight_str(r, |i| i.event_source.as_deref())
    }
    fn name<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
        insight_str(r, |i| i.event_name.as_deref())
    }
    fn kind<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
        insight_str(r, |i| i.insight_type.as_deref())
    }
    fn code<'r>(r: &'r Row<'_, '_>) -> Option<&'r str> {
        insight_str(r, |i| i.error_code.as_deref())
    }
    fn baseline(r: &Row<'_, '_>) -> Option<f64> {
        r.insight.as_ref()?.baseline_average
    }
    fn insight(r: &Row<'_, '_>) -> Option<f64> {
        r.insight.as_ref()?.insight_average
    }
    fn insight_duration(r: &Row<'_, '_>) -> Option<i64> {
        r.insight.as_ref()?.insight_duration
    }
    fn baseline_duration(r: &Row<'_, '_>) -> Option<i64> {
        r.insight.as_ref()?.baseline_duration
    }
    vec![
        s("eventversion", Dict, ev!(event_version), "record format version"),
        Col::Time {
            name: "eventtime",
            get: event_time,
            doc: "start (Start) or end (End) of the unusual activity",
        },
        s("awsregion", Dict, ev!(aws_region), "region of the activity"),
        s("eventid", Unique, ev!(event_id), "unique record id"),
        s("eventtype", Dict, ev!(event_type), "AwsCloudTrailInsight"),
        s("recipientaccountid", Dict, ev!(recipient_account_id), "account"),
        s(
            "sharedeventid",
            Plain,
            ev!(shared_event_id),
            "pairs the Start and End records",
        ),
        s("eventcategory", Dict, ev!(event_category), "Insight"),
        j(
            "insightdetails",
            payload!(insight_details),
            "insight details (JSON text)",
        ),
        s("state", Dict, state, "insightDetails.state: Start or End"),
        s("insight_eventsource", Dict, source, "insightDetails.eventSource"),
        s("insight_eventname", Dict, name, "insightDetails.eventName"),
        s("insighttype", Dict, kind, "ApiCallRateInsight or ApiErrorRateInsight"),
        s("insight_errorcode", Dict, code, "insightDetails.errorCode"),
        Col::Float {
            name: "baseline_average",
            get: baseline,
            doc: "statistics.baseline.average",
        },
        Col::Float {
            name: "insight_average",
            get: insight,
            doc: "statistics.insight.average",
        },
        Col::Int {
            name: "insightduration",
            get: insight_duration,
            doc: "statistics.insightDuration (minutes)",
        },
        Col::Int {
            name: "baselineduration",
            get: baseline_duration,
            doc: "statistics.baselineDuration (minutes)",
        },
        j(
            "extra",
            extra,
            "members no column holds, as one JSON object keyed by path",
        ),
        s("src_key", Dict, src_key, "source object key"),
        Col::Int {
            name: "src_record",
            get: src_record,
            doc: "record position in the source object",
        },
        s("src_account", Dict, src_account, "account in the source key"),
        s("src_region", Dict, src_region, "region in the source key"),
        Col::Time {
            name: "ingest_time",
            get: ingest_time,
            doc: "when the record was ingested",
        },
    ]
});

/// Call `visit` with every column that is not a struct and its dotted path (`useridentity.arn`);
/// structs are walked into.
fn for_each_column(prefix: &str, cols: &[Col], visit: &mut dyn FnMut(String, &Col)) {
    for c in cols {
        let path = if prefix.is_empty() {
            c.name().to_owned()
        } else {
            format!("{prefix}.{}", c.name())
        };
        match c {
            Col::Struct { fields, .. } => for_each_column(&path, fields, visit),
            _ => visit(path, c),
        }
    }
}

/// Every string leaf's Parquet column path with its encoding, for writer properties.
pub(crate) fn string_leaves(cols: &[Col]) -> Vec<(String, Enc)> {
    let mut out = Vec::new();
    for_each_column("", cols, &mut |path, c| match c {
        Col::Str { enc, .. } => out.push((path, *enc)),
        Col::Json { .. } => out.push((path, Enc::Unique)),
        Col::Resources { .. } => {
            let p = format!("{path}.list.item");
            out.push((format!("{p}.arn"), Enc::Plain));
            out.push((format!("{p}.accountid"), Enc::Dict));
            out.push((format!("{p}.type"), Enc::Dict));
            out.push((format!("{p}.arnprefix"), Enc::Plain));
        }
        _ => {}
    });
    out
}

/// Dotted paths of the timestamp leaves (`eventtime`, `useridentity.sessioncontext.…`).
pub(crate) fn time_leaves(cols: &[Col]) -> Vec<String> {
    let mut out = Vec::new();
    for_each_column("", cols, &mut |path, c| {
        if let Col::Time { .. } = c {
            out.push(path);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_case_and_unique() {
        for t in Table::ALL {
            let schema = t.file_schema();
            let mut seen = std::collections::HashSet::new();
            for f in schema.fields() {
                assert_eq!(f.name(), &f.name().to_ascii_lowercase());
                assert!(seen.insert(f.name().clone()), "{} twice in {}", f.name(), t.name());
                assert!(!PARTITION_COLUMNS.contains(&f.name().as_str()));
            }
        }
    }

    #[test]
    fn athena_columns_are_all_there() {
        let schema = Table::Events.file_schema();
        for c in [
            "eventversion",
            "useridentity",
            "eventtime",
            "eventsource",
            "eventname",
            "awsregion",
            "sourceipaddress",
            "useragent",
            "errorcode",
            "errormessage",
            "requestparameters",
            "responseelements",
            "additionaleventdata",
            "requestid",
            "eventid",
            "resources",
            "eventtype",
            "apiversion",
            "readonly",
            "recipientaccountid",
            "serviceeventdetails",
            "sharedeventid",
            "vpcendpointid",
            "vpcendpointaccountid",
            "eventcategory",
            "addendum",
            "sessioncredentialfromconsole",
            "edgedevicedetails",
            "tlsdetails",
        ] {
            assert!(schema.field_with_name(c).is_ok(), "{c}");
        }
    }
}
