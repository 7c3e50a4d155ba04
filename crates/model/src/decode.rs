//! Decoding one record from JSON text in a single pass.
//!
//! Two kinds of failure are kept apart:
//! - [`DecodeError::Syntax`]: the text is not JSON; where the record ends is unknown, so the
//!   caller must stop reading this container (or resynchronise on a line boundary);
//! - [`DecodeError::Record`]: the text is JSON but not a usable record (a field of the wrong
//!   type, no `eventTime`, a duplicate key); the scanner has moved past the record, so the caller
//!   can report it and go on with the next one.

use std::borrow::Cow;

use trailguard_json::{self as json, Kind, Raw, Scanner};

use crate::event::*;
use crate::field::{FieldId, FieldSet};
use crate::time::Timestamp;

/// Why a record could not be decoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The text is not valid JSON: the rest of the container cannot be trusted.
    #[error("invalid JSON: {0}")]
    Syntax(#[from] json::Error),
    /// Valid JSON, but not a usable CloudTrail record.
    #[error("{0}")]
    Record(RecordError),
}

/// A record that is valid JSON but cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{kind} (byte {offset})")]
pub struct RecordError {
    /// What is wrong.
    pub kind: RecordErrorKind,
    /// Byte offset of the offending value in the scanned text.
    pub offset: usize,
}

/// What is wrong with a record.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// The record is not a JSON object.
    #[error("a record must be a JSON object, found {found}")]
    NotAnObject {
        /// What was found instead.
        found: Kind,
    },
    /// A required field is absent or `null`.
    #[error("no {field}: not a CloudTrail record, or a damaged one")]
    Missing {
        /// The field.
        field: &'static str,
    },
    /// A field holds a value of the wrong type.
    #[error("{field} must be {expected}, found {found}")]
    WrongType {
        /// The field's path.
        field: String,
        /// The expected type, in words.
        expected: &'static str,
        /// What was found.
        found: Kind,
    },
    /// A time field that does not parse.
    #[error("{field} {text:?} is not a valid time: {reason}")]
    BadTime {
        /// The field.
        field: &'static str,
        /// The text found (cut to 64 characters).
        text: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A value nested deeper, or a string longer, than the reader's limits.
    #[error("{what} (limit)")]
    OverLimit {
        /// Which limit, in words.
        what: String,
    },
    /// Bytes that are not UTF-8 inside a string.
    #[error("invalid UTF-8 inside a string")]
    InvalidUtf8,
    /// A key that appears twice: readers disagree on which one counts, so the record is refused.
    #[error("duplicate key {field}: readers disagree on which value counts")]
    DuplicateKey {
        /// The field's path.
        field: String,
    },
}

struct Dec<'s, 'a> {
    sc: &'s mut Scanner<'a>,
    present: FieldSet,
    nulls: FieldSet,
    err: Option<RecordError>,
}

type Res = Result<(), json::Error>;

impl<'a> Dec<'_, 'a> {
    fn fail(&mut self, kind: RecordErrorKind, offset: usize) {
        if self.err.is_none() {
            self.err = Some(RecordError { kind, offset });
        }
    }

    /// Mark `id` present; on a duplicate, record the error. Returns true when the value should
    /// be decoded (first occurrence).
    #[inline]
    fn first(&mut self, id: FieldId) -> bool {
        if self.present.insert(id) {
            true
        } else {
            let offset = self.sc.pos();
            self.fail(
                RecordErrorKind::DuplicateKey {
                    field: id.path().to_owned(),
                },
                offset,
            );
            false
        }
    }

    fn wrong_type(&mut self, field: &str, expected: &'static str) -> Res {
        let offset = self.sc.pos();
        let found = self.sc.peek_kind()?;
        self.fail(
            RecordErrorKind::WrongType {
                field: field.to_owned(),
                expected,
                found,
            },
            offset,
        );
        self.sc.skip_value()
    }

    /// A string leaf; `null` is noted and leaves the slot empty.
    #[inline]
    fn string(&mut self, id: FieldId, slot: &mut Option<Str<'a>>) -> Res {
        if !self.first(id) {
            return self.sc.skip_value();
        }
        match self.sc.peek() {
            Some(b'"') => {
                *slot = Some(self.sc.parse_str()?);
                Ok(())
            }
            Some(b'n') => {
                self.sc.parse_null()?;
                self.nulls.insert(id);
                Ok(())
            }
            _ => self.wrong_type(id.path(), "a string"),
        }
    }

    /// A leaf documented as a string that some writers emit as a boolean or number: kept as text.
    fn flex_string(&mut self, id: FieldId, slot: &mut Option<Str<'a>>) -> Res {
        if !self.first(id) {
            return self.sc.skip_value();
        }
        match self.sc.peek_kind()? {
            Kind::String => *slot = Some(self.sc.parse_str()?),
            Kind::Null => {
                self.sc.parse_null()?;
                self.nulls.insert(id);
            }
            Kind::Bool => *slot = Some(Cow::Borrowed(if self.sc.parse_bool()? { "true" } else { "false" })),
            Kind::Number => *slot = Some(Cow::Borrowed(self.sc.parse_number()?)),
            Kind::Array | Kind::Object => return self.wrong_type(id.path(), "a string"),
        }
        Ok(())
    }

    /// A boolean leaf; the strings "true"/"false" are accepted too.
    fn boolean(&mut self, id: FieldId, slot: &mut Option<bool>) -> Res {
        if !self.first(id) {
            return self.sc.skip_value();
        }
        match self.sc.peek_kind()? {
            Kind::Bool => *slot = Some(self.sc.parse_bool()?),
            Kind::Null => {
                self.sc.parse_null()?;
                self.nulls.insert(id);
            }
            Kind::String => {
                let offset = self.sc.pos();
                let text = self.sc.parse_str()?;
                if text.eq_ignore_ascii_case("true") {
                    *slot = Some(true);
                } else if text.eq_ignore_ascii_case("false") {
                    *slot = Some(false);
                } else {
                    self.fail(
                        RecordErrorKind::WrongType {
                            field: id.path().to_owned(),
                            expected: "a boolean",
                            found: Kind::String,
                        },
                        offset,
                    );
                }
            }
            _ => return self.wrong_type(id.path(), "a boolean"),
        }
        Ok(())
    }

    /// A free-form payload: any JSON value, kept as text (`null` included).
    #[inline]
    fn payload(&mut self, id: FieldId, slot: &mut Option<Raw<'a>>) -> Res {
        if !self.first(id) {
            return self.sc.skip_value();
        }
        let raw = self.sc.skip_value_raw()?;
        if raw.is_null() {
            self.nulls.insert(id);
        }
        *slot = Some(raw);
        Ok(())
    }

    /// Open the object of container `id`. Returns `None` (value consumed) when it is `null`, of
    /// the wrong type or a duplicate.
    fn open(&mut self, id: FieldId) -> Result<Option<json::ObjectCursor>, json::Error> {
        if !self.first(id) {
            self.sc.skip_value()?;
            return Ok(None);
        }
        match self.sc.peek() {
            Some(b'{') => Ok(Some(self.sc.begin_object()?)),
            Some(b'n') => {
                self.sc.parse_null()?;
                self.nulls.insert(id);
                Ok(None)
            }
            _ => {
                self.wrong_type(id.path(), "an object")?;
                Ok(None)
            }
        }
    }

    fn extra(&mut self, key: Str<'a>, extra: &mut Extra<'a>) -> Res {
        let raw = self.sc.skip_value_raw()?;
        extra.push((key, raw));
        Ok(())
    }

    fn user_identity(&mut self) -> Result<Option<UserIdentity<'a>>, json::Error> {
        let Some(mut obj) = self.open(FieldId::UserIdentity)? else {
            return Ok(None);
        };
        let mut u = UserIdentity::default();
        while let Some(key) = obj.next_key(self.sc)? {
            match &*key {
                "type" => self.string(FieldId::UserIdentityType, &mut u.identity_type)?,
                "principalId" => self.string(FieldId::PrincipalId, &mut u.principal_id)?,
                "arn" => self.string(FieldId::Arn, &mut u.arn)?,
                "accountId" => self.string(FieldId::AccountId, &mut u.account_id)?,
                "accessKeyId" => self.string(FieldId::AccessKeyId, &mut u.access_key_id)?,
                "userName" => self.string(FieldId::UserName, &mut u.user_name)?,
                "sessionContext" => u.session_context = self.session_context()?,
                "invokedBy" => self.string(FieldId::InvokedBy, &mut u.invoked_by)?,
                "credentialId" => self.string(FieldId::CredentialId, &mut u.credential_id)?,
                "identityProvider" => self.string(FieldId::IdentityProvider, &mut u.identity_provider)?,
                "onBehalfOf" => {
                    if let Some(mut o) = self.open(FieldId::OnBehalfOf)? {
                        let mut ob = OnBehalfOf::default();
                        while let Some(k) = o.next_key(self.sc)? {
                            match &*k {
                                "userId" => self.string(FieldId::OnBehalfOfUserId, &mut ob.user_id)?,
                                "identityStoreArn" => {
                                    self.string(FieldId::OnBehalfOfIdentityStoreArn, &mut ob.identity_store_arn)?
                                }
                                _ => self.extra(k, &mut ob.extra)?,
                            }
                        }
                        u.on_behalf_of = Some(ob);
                    }
                }
                "inScopeOf" => {
                    if let Some(mut o) = self.open(FieldId::InScopeOf)? {
                        let mut is = InScopeOf::default();
                        while let Some(k) = o.next_key(self.sc)? {
                            match &*k {
                                "sourceArn" => self.string(FieldId::InScopeOfSourceArn, &mut is.source_arn)?,
                                "sourceAccount" => {
                                    self.string(FieldId::InScopeOfSourceAccount, &mut is.source_account)?
                                }
                                "issuerType" => self.string(FieldId::InScopeOfIssuerType, &mut is.issuer_type)?,
                                "credentialsIssuedTo" => {
                                    self.string(FieldId::InScopeOfCredentialsIssuedTo, &mut is.credentials_issued_to)?
                                }
                                _ => self.extra(k, &mut is.extra)?,
                            }
                        }
                        u.in_scope_of = Some(is);
                    }
                }
                "invokedByDelegate" => {
                    if let Some(mut o) = self.open(FieldId::InvokedByDelegate)? {
                        while let Some(k) = o.next_key(self.sc)? {
                            match &*k {
                                "accountId" => {
                                    self.string(FieldId::DelegateAccountId, &mut u.invoked_by_delegate_account_id)?
                                }
                                _ => {
                                    let path = Cow::Owned(format!("invokedByDelegate.{k}"));
                                    self.extra(path, &mut u.extra)?
                                }
                            }
                        }
                    }
                }
                _ => self.extra(key, &mut u.extra)?,
            }
        }
        Ok(Some(u))
    }

    fn session_context(&mut self) -> Result<Option<SessionContext<'a>>, json::Error> {
        let Some(mut obj) = self.open(FieldId::SessionContext)? else {
            return Ok(None);
        };
        let mut c = SessionContext::default();
        while let Some(key) = obj.next_key(self.sc)? {
            match &*key {
                "sessionIssuer" => {
                    if let Some(mut o) = self.open(FieldId::SessionIssuer)? {
                        let mut i = SessionIssuer::default();
                        while let Some(k) = o.next_key(self.sc)? {
                            match &*k {
                                "type" => self.string(FieldId::IssuerType, &mut i.issuer_type)?,
                                "principalId" => self.string(FieldId::IssuerPrincipalId, &mut i.principal_id)?,
                                "arn" => self.string(FieldId::IssuerArn, &mut i.arn)?,
                                "accountId" => self.string(FieldId::IssuerAccountId, &mut i.account_id)?,
                                "userName" => self.string(FieldId::IssuerUserName, &mut i.user_name)?,
                                _ => self.extra(k, &mut i.extra)?,
                            }
                        }
                        c.session_issuer = Some(i);
                    }
                }
                "attributes" => {
                    if let Some(mut o) = self.open(FieldId::Attributes)? {
                        while let Some(k) = o.next_key(self.sc)? {
                            match &*k {
                                "creationDate" => self.string(FieldId::CreationDate, &mut c.creation_date)?,
                                "mfaAuthenticated" => {
                                    self.flex_string(FieldId::MfaAuthenticated, &mut c.mfa_authenticated)?
                                }
                                _ => {
                                    let path = Cow::Owned(format!("attributes.{k}"));
                                    self.extra(path, &mut c.extra)?
                                }
                            }
                        }
                    }
                }
                "webIdFederationData" => {
                    if let Some(mut o) = self.open(FieldId::WebIdFederationData)? {
                        while let Some(k) = o.next_key(self.sc)? {
                            match &*k {
                                "federatedProvider" => {
                                    self.string(FieldId::FederatedProvider, &mut c.federated_provider)?
                                }
                                "attributes" => self.payload(FieldId::WebIdAttributes, &mut c.web_id_attributes)?,
                                _ => {
                                    let path = Cow::Owned(format!("webIdFederationData.{k}"));
                                    self.extra(path, &mut c.extra)?
                                }
                            }
                        }
                    }
                }
                "sourceIdentity" => self.string(FieldId::SourceIdentity, &mut c.source_identity)?,
                "ec2RoleDelivery" => self.flex_string(FieldId::Ec2RoleDelivery, &mut c.ec2_role_delivery)?,
                "signInSessionArn" => self.string(FieldId::SignInSessionArn, &mut c.sign_in_session_arn)?,
                "assumedRoot" => self.flex_string(FieldId::AssumedRoot, &mut c.assumed_root)?,
                "ec2IssuedInVPC" => self.flex_string(FieldId::Ec2IssuedInVpc, &mut c.ec2_issued_in_vpc)?,
                _ => self.extra(key, &mut c.extra)?,
            }
        }
        Ok(Some(c))
    }

    fn resources(&mut self) -> Result<Vec<Resource<'a>>, json::Error> {
        let mut out = Vec::new();
        if !self.first(FieldId::Resources) {
            self.sc.skip_value()?;
            return Ok(out);
        }
        match self.sc.peek() {
            Some(b'[') => {}
            Some(b'n') => {
                self.sc.parse_null()?;
                self.nulls.insert(FieldId::Resources);
                return Ok(out);
            }
            _ => {
                self.wrong_type("resources", "an array")?;
                return Ok(out);
            }
        }
        let mut arr = self.sc.begin_array()?;
        let mut index = 0usize;
        while arr.next(self.sc)? {
            if self.sc.peek() != Some(b'{') {
                self.wrong_type(&format!("resources[{index}]"), "an object")?;
                index += 1;
                continue;
            }
            let mut obj = self.sc.begin_object()?;
            let mut r = Resource::default();
            while let Some(k) = obj.next_key(self.sc)? {
                let slot = match &*k {
                    "ARN" => &mut r.arn,
                    "accountId" => &mut r.account_id,
                    "type" => &mut r.resource_type,
                    "ARNPrefix" => &mut r.arn_prefix,
                    _ => {
                        self.extra(k, &mut r.extra)?;
                        continue;
                    }
                };
                match self.sc.peek() {
                    Some(b'"') if slot.is_none() => *slot = Some(self.sc.parse_str()?),
                    Some(b'"') => {
                        let offset = self.sc.pos();
                        self.fail(
                            RecordErrorKind::DuplicateKey {
                                field: format!("resources[{index}].{k}"),
                            },
                            offset,
                        );
                        self.sc.skip_value()?;
                    }
                    Some(b'n') => self.sc.parse_null()?,
                    _ => self.wrong_type(&format!("resources[{index}].{k}"), "a string")?,
                }
            }
            out.push(r);
            index += 1;
        }
        Ok(out)
    }

    fn tls_details(&mut self) -> Result<Option<TlsDetails<'a>>, json::Error> {
        let Some(mut obj) = self.open(FieldId::TlsDetails)? else {
            return Ok(None);
        };
        let mut t = TlsDetails::default();
        while let Some(k) = obj.next_key(self.sc)? {
            match &*k {
                "tlsVersion" => self.string(FieldId::TlsVersion, &mut t.tls_version)?,
                "cipherSuite" => self.string(FieldId::CipherSuite, &mut t.cipher_suite)?,
                "clientProvidedHostHeader" => {
                    self.string(FieldId::ClientProvidedHostHeader, &mut t.client_provided_host_header)?
                }
                "keyExchange" => self.string(FieldId::KeyExchange, &mut t.key_exchange)?,
                _ => self.extra(k, &mut t.extra)?,
            }
        }
        Ok(Some(t))
    }

    fn addendum(&mut self) -> Result<Option<Addendum<'a>>, json::Error> {
        let Some(mut obj) = self.open(FieldId::Addendum)? else {
            return Ok(None);
        };
        let mut a = Addendum::default();
        while let Some(k) = obj.next_key(self.sc)? {
            match &*k {
                "reason" => self.string(FieldId::AddendumReason, &mut a.reason)?,
                "updatedFields" => self.string(FieldId::AddendumUpdatedFields, &mut a.updated_fields)?,
                "originalRequestID" => self.string(FieldId::AddendumOriginalRequestId, &mut a.original_request_id)?,
                "originalEventID" => self.string(FieldId::AddendumOriginalEventId, &mut a.original_event_id)?,
                _ => self.extra(k, &mut a.extra)?,
            }
        }
        Ok(Some(a))
    }
}

/// Decode the record at the scanner's cursor.
///
/// On success and on [`DecodeError::Record`] the scanner sits after the record's closing brace;
/// on [`DecodeError::Syntax`] its position is where the error was found.
pub fn decode_event<'a>(sc: &mut Scanner<'a>) -> Result<Event<'a>, DecodeError> {
    let mut ev = Event::empty(sc.raw_since(sc.pos()));
    decode_event_into(sc, &mut ev)?;
    Ok(ev)
}

/// [`decode_event`] into a slot the caller reuses from record to record: the record is large,
/// and building it in place saves copying it on every return. On error the slot's content is
/// unspecified.
pub fn decode_event_into<'a>(sc: &mut Scanner<'a>, ev: &mut Event<'a>) -> Result<(), DecodeError> {
    let start = {
        sc.peek();
        sc.pos()
    };
    match decode_at(sc, start, ev) {
        Err(DecodeError::Syntax(e))
            if matches!(
                e.kind,
                json::ErrorKind::TooDeep { .. } | json::ErrorKind::StringTooLong { .. }
            ) =>
        {
            // Well-formed but over a limit: step over the whole record and refuse only it.
            match sc.skip_balanced_from(start) {
                Ok(()) => Err(DecodeError::Record(RecordError {
                    kind: RecordErrorKind::OverLimit {
                        what: e.kind.to_string(),
                    },
                    offset: e.offset,
                })),
                // Not complete in the text given: the caller may have more.
                Err(eof) => Err(DecodeError::Syntax(eof)),
            }
        }
        other => other,
    }
}

/// The top-level members the model knows, found by length first so that a key costs one or two
/// comparisons rather than a chain of them.
#[derive(Clone, Copy)]
enum Top {
    EventVersion,
    UserIdentity,
    EventTime,
    EventSource,
    EventName,
    AwsRegion,
    SourceIpAddress,
    UserAgent,
    ErrorCode,
    ErrorMessage,
    RequestParameters,
    ResponseElements,
    AdditionalEventData,
    RequestId,
    EventId,
    EventType,
    ApiVersion,
    ManagementEvent,
    ReadOnly,
    Resources,
    RecipientAccountId,
    ServiceEventDetails,
    SharedEventId,
    VpcEndpointId,
    VpcEndpointAccountId,
    EventCategory,
    Addendum,
    SessionCredentialFromConsole,
    EdgeDeviceDetails,
    TlsDetails,
    EventContext,
    InsightDetails,
    Unknown,
}

/// Byte-string equality for short keys, without a call into `memcmp`.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if n >= 8 {
        // Two overlapping 8-byte words per 16 bytes, then the tail.
        let mut i = 0;
        while i + 8 <= n {
            if a[i..i + 8] != b[i..i + 8] {
                return false;
            }
            i += 8;
        }
        a[n - 8..] == b[n - 8..]
    } else {
        a == b
    }
}

#[inline]
fn top_key(k: &str) -> Top {
    let kb = k.as_bytes();
    let pick = |cands: &[(&str, Top)]| {
        cands
            .iter()
            .find(|(n, _)| same(n.as_bytes(), kb))
            .map_or(Top::Unknown, |(_, t)| *t)
    };
    match k.len() {
        7 => pick(&[("eventID", Top::EventId)]),
        8 => pick(&[("readOnly", Top::ReadOnly), ("addendum", Top::Addendum)]),
        9 => match k.as_bytes()[0] {
            b'e' => pick(&[
                ("eventTime", Top::EventTime),
                ("eventName", Top::EventName),
                ("eventType", Top::EventType),
                ("errorCode", Top::ErrorCode),
            ]),
            b'a' => pick(&[("awsRegion", Top::AwsRegion)]),
            b'u' => pick(&[("userAgent", Top::UserAgent)]),
            b'r' => pick(&[("requestID", Top::RequestId), ("resources", Top::Resources)]),
            _ => Top::Unknown,
        },
        10 => pick(&[("apiVersion", Top::ApiVersion), ("tlsDetails", Top::TlsDetails)]),
        11 => pick(&[("eventSource", Top::EventSource)]),
        12 => pick(&[
            ("eventVersion", Top::EventVersion),
            ("userIdentity", Top::UserIdentity),
            ("errorMessage", Top::ErrorMessage),
            ("eventContext", Top::EventContext),
        ]),
        13 => pick(&[
            ("sharedEventID", Top::SharedEventId),
            ("vpcEndpointId", Top::VpcEndpointId),
            ("eventCategory", Top::EventCategory),
        ]),
        14 => pick(&[("insightDetails", Top::InsightDetails)]),
        15 => pick(&[
            ("sourceIPAddress", Top::SourceIpAddress),
            ("managementEvent", Top::ManagementEvent),
        ]),
        16 => pick(&[("responseElements", Top::ResponseElements)]),
        17 => pick(&[
            ("requestParameters", Top::RequestParameters),
            ("edgeDeviceDetails", Top::EdgeDeviceDetails),
        ]),
        18 => pick(&[("recipientAccountId", Top::RecipientAccountId)]),
        19 => pick(&[
            ("additionalEventData", Top::AdditionalEventData),
            ("serviceEventDetails", Top::ServiceEventDetails),
        ]),
        20 => pick(&[("vpcEndpointAccountId", Top::VpcEndpointAccountId)]),
        28 => pick(&[("sessionCredentialFromConsole", Top::SessionCredentialFromConsole)]),
        _ => Top::Unknown,
    }
}

fn decode_at<'a>(sc: &mut Scanner<'a>, start: usize, e: &mut Event<'a>) -> Result<(), DecodeError> {
    sc.take_utf8_error();
    let kind = sc.peek_kind()?;
    if kind != Kind::Object {
        sc.skip_value()?;
        return Err(DecodeError::Record(RecordError {
            kind: RecordErrorKind::NotAnObject { found: kind },
            offset: start,
        }));
    }
    let mut d = Dec {
        sc,
        present: FieldSet::default(),
        nulls: FieldSet::default(),
        err: None,
    };
    e.reset(d.sc.raw_since(start));
    let mut event_time = None;
    let mut event_time_at = start;
    let mut obj = d.sc.begin_object()?;
    while let Some(key) = obj.next_key(d.sc)? {
        match top_key(&key) {
            Top::EventVersion => d.string(FieldId::EventVersion, &mut e.event_version)?,
            Top::UserIdentity => e.user_identity = d.user_identity()?,
            Top::EventTime => {
                event_time_at = d.sc.pos();
                d.string(FieldId::EventTime, &mut event_time)?
            }
            Top::EventSource => d.string(FieldId::EventSource, &mut e.event_source)?,
            Top::EventName => d.string(FieldId::EventName, &mut e.event_name)?,
            Top::AwsRegion => d.string(FieldId::AwsRegion, &mut e.aws_region)?,
            Top::SourceIpAddress => d.string(FieldId::SourceIpAddress, &mut e.source_ip_address)?,
            Top::UserAgent => d.string(FieldId::UserAgent, &mut e.user_agent)?,
            Top::ErrorCode => d.string(FieldId::ErrorCode, &mut e.error_code)?,
            Top::ErrorMessage => d.string(FieldId::ErrorMessage, &mut e.error_message)?,
            Top::RequestParameters => d.payload(FieldId::RequestParameters, &mut e.request_parameters)?,
            Top::ResponseElements => d.payload(FieldId::ResponseElements, &mut e.response_elements)?,
            Top::AdditionalEventData => d.payload(FieldId::AdditionalEventData, &mut e.additional_event_data)?,
            Top::RequestId => d.string(FieldId::RequestId, &mut e.request_id)?,
            Top::EventId => d.string(FieldId::EventId, &mut e.event_id)?,
            Top::EventType => d.string(FieldId::EventType, &mut e.event_type)?,
            Top::ApiVersion => d.string(FieldId::ApiVersion, &mut e.api_version)?,
            Top::ManagementEvent => d.boolean(FieldId::ManagementEvent, &mut e.management_event)?,
            Top::ReadOnly => d.boolean(FieldId::ReadOnly, &mut e.read_only)?,
            Top::Resources => e.resources = d.resources()?,
            Top::RecipientAccountId => d.string(FieldId::RecipientAccountId, &mut e.recipient_account_id)?,
            Top::ServiceEventDetails => d.payload(FieldId::ServiceEventDetails, &mut e.service_event_details)?,
            Top::SharedEventId => d.string(FieldId::SharedEventId, &mut e.shared_event_id)?,
            Top::VpcEndpointId => d.string(FieldId::VpcEndpointId, &mut e.vpc_endpoint_id)?,
            Top::VpcEndpointAccountId => d.string(FieldId::VpcEndpointAccountId, &mut e.vpc_endpoint_account_id)?,
            Top::EventCategory => d.string(FieldId::EventCategory, &mut e.event_category)?,
            Top::Addendum => e.addendum = d.addendum()?,
            Top::SessionCredentialFromConsole => d.flex_string(
                FieldId::SessionCredentialFromConsole,
                &mut e.session_credential_from_console,
            )?,
            Top::EdgeDeviceDetails => d.payload(FieldId::EdgeDeviceDetails, &mut e.edge_device_details)?,
            Top::TlsDetails => e.tls_details = d.tls_details()?,
            Top::EventContext => d.payload(FieldId::EventContext, &mut e.event_context)?,
            Top::InsightDetails => d.payload(FieldId::InsightDetails, &mut e.insight_details)?,
            Top::Unknown => d.extra(key, &mut e.extra)?,
        }
    }
    if let Some(offset) = d.sc.take_utf8_error() {
        return Err(DecodeError::Record(RecordError {
            kind: RecordErrorKind::InvalidUtf8,
            offset,
        }));
    }
    if let Some(err) = d.err {
        return Err(DecodeError::Record(err));
    }
    let Some(event_time) = event_time else {
        return Err(DecodeError::Record(RecordError {
            kind: RecordErrorKind::Missing { field: "eventTime" },
            offset: start,
        }));
    };
    e.time = Timestamp::parse_event_time(&event_time).map_err(|t| {
        DecodeError::Record(RecordError {
            kind: RecordErrorKind::BadTime {
                field: "eventTime",
                text: t.text,
                reason: t.reason,
            },
            offset: event_time_at,
        })
    })?;
    e.event_time = event_time;
    e.raw = d.sc.raw_since(start);
    e.present = d.present;
    e.nulls = d.nulls;
    Ok(())
}

/// Decode one record from a complete JSON text (surrounding whitespace allowed).
pub fn decode_event_text(text: &str) -> Result<Event<'_>, DecodeError> {
    let mut sc = Scanner::from_str(text, json::Limits::default());
    let ev = decode_event(&mut sc)?;
    if !sc.at_end() {
        let at = sc.pos();
        return Err(DecodeError::Syntax(sc.error(json::ErrorKind::Unexpected {
            found: text.as_bytes()[at],
            expected: "end of JSON",
        })));
    }
    Ok(ev)
}
