//! The CloudTrail record, borrowed from the text it was decoded from.
//!
//! Every documented field up to `eventVersion` 1.11 has a typed slot; strings are borrowed
//! unless they hold escapes; free-form payloads (`requestParameters`, …) stay as their exact
//! JSON text ([`Raw`]); members the model does not know are kept in `extra`; and the record's
//! whole text is kept in [`Event::raw`], so nothing is ever lost and output can be lossless.

use std::borrow::Cow;

use trailguard_json::Raw;

use crate::field::{FieldId, FieldSet};
use crate::time::Timestamp;

/// A string borrowed from the input when it holds no escapes.
pub type Str<'a> = Cow<'a, str>;

/// Members the model has no slot for, in input order.
pub type Extra<'a> = Vec<(Str<'a>, Raw<'a>)>;

/// One CloudTrail record (management, data, network activity or Insights event).
#[derive(Clone, Debug, PartialEq)]
pub struct Event<'a> {
    /// The record's exact JSON text.
    pub raw: Raw<'a>,
    /// `eventTime`, parsed.
    pub time: Timestamp,
    /// `eventTime` as written.
    pub event_time: Str<'a>,
    /// `eventVersion`
    pub event_version: Option<Str<'a>>,
    /// `userIdentity`
    pub user_identity: Option<UserIdentity<'a>>,
    /// `eventSource`
    pub event_source: Option<Str<'a>>,
    /// `eventName`
    pub event_name: Option<Str<'a>>,
    /// `awsRegion`
    pub aws_region: Option<Str<'a>>,
    /// `sourceIPAddress`
    pub source_ip_address: Option<Str<'a>>,
    /// `userAgent`
    pub user_agent: Option<Str<'a>>,
    /// `errorCode`
    pub error_code: Option<Str<'a>>,
    /// `errorMessage`
    pub error_message: Option<Str<'a>>,
    /// `requestParameters` (JSON text; `null` kept as `null`)
    pub request_parameters: Option<Raw<'a>>,
    /// `responseElements` (JSON text)
    pub response_elements: Option<Raw<'a>>,
    /// `additionalEventData` (JSON text)
    pub additional_event_data: Option<Raw<'a>>,
    /// `requestID`
    pub request_id: Option<Str<'a>>,
    /// `eventID`
    pub event_id: Option<Str<'a>>,
    /// `eventType`
    pub event_type: Option<Str<'a>>,
    /// `apiVersion`
    pub api_version: Option<Str<'a>>,
    /// `managementEvent`
    pub management_event: Option<bool>,
    /// `readOnly`
    pub read_only: Option<bool>,
    /// `resources` (empty when absent or `null`)
    pub resources: Vec<Resource<'a>>,
    /// `recipientAccountId`
    pub recipient_account_id: Option<Str<'a>>,
    /// `serviceEventDetails` (JSON text)
    pub service_event_details: Option<Raw<'a>>,
    /// `sharedEventID`
    pub shared_event_id: Option<Str<'a>>,
    /// `vpcEndpointId`
    pub vpc_endpoint_id: Option<Str<'a>>,
    /// `vpcEndpointAccountId`
    pub vpc_endpoint_account_id: Option<Str<'a>>,
    /// `eventCategory`
    pub event_category: Option<Str<'a>>,
    /// `addendum`
    pub addendum: Option<Addendum<'a>>,
    /// `sessionCredentialFromConsole` (the string `"true"` when set)
    pub session_credential_from_console: Option<Str<'a>>,
    /// `edgeDeviceDetails` (JSON text)
    pub edge_device_details: Option<Raw<'a>>,
    /// `tlsDetails`
    pub tls_details: Option<TlsDetails<'a>>,
    /// `eventContext` (event data stores only; JSON text)
    pub event_context: Option<Raw<'a>>,
    /// `insightDetails` (Insights records; JSON text)
    pub insight_details: Option<Raw<'a>>,
    /// Top-level members the model does not know.
    pub extra: Extra<'a>,
    /// Fields present in the record (`null` ones included).
    pub present: FieldSet,
    /// Fields present as JSON `null`.
    pub nulls: FieldSet,
}

/// `userIdentity`
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserIdentity<'a> {
    /// `type`: Root, IAMUser, AssumedRole, Role, FederatedUser, Directory, AWSAccount,
    /// AWSService, IdentityCenterUser, Unknown, SAMLUser, WebIdentityUser.
    pub identity_type: Option<Str<'a>>,
    /// `userName`
    pub user_name: Option<Str<'a>>,
    /// `principalId`
    pub principal_id: Option<Str<'a>>,
    /// `arn`
    pub arn: Option<Str<'a>>,
    /// `accountId`
    pub account_id: Option<Str<'a>>,
    /// `accessKeyId`
    pub access_key_id: Option<Str<'a>>,
    /// `sessionContext`
    pub session_context: Option<SessionContext<'a>>,
    /// `invokedBy`
    pub invoked_by: Option<Str<'a>>,
    /// `invokedByDelegate.accountId`
    pub invoked_by_delegate_account_id: Option<Str<'a>>,
    /// `onBehalfOf` (IAM Identity Center)
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
    /// `inScopeOf`
    pub in_scope_of: Option<InScopeOf<'a>>,
    /// `credentialId` (bearer tokens such as Identity Center access tokens)
    pub credential_id: Option<Str<'a>>,
    /// `identityProvider` (SAML and web identity users)
    pub identity_provider: Option<Str<'a>>,
    /// Members the model does not know.
    pub extra: Extra<'a>,
}

/// `userIdentity.sessionContext`
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionContext<'a> {
    /// `sessionIssuer`
    pub session_issuer: Option<SessionIssuer<'a>>,
    /// `webIdFederationData.federatedProvider`
    pub federated_provider: Option<Str<'a>>,
    /// `webIdFederationData.attributes` (JSON text)
    pub web_id_attributes: Option<Raw<'a>>,
    /// `attributes.creationDate`
    pub creation_date: Option<Str<'a>>,
    /// `attributes.mfaAuthenticated` (the strings `"true"` / `"false"`)
    pub mfa_authenticated: Option<Str<'a>>,
    /// `sourceIdentity`
    pub source_identity: Option<Str<'a>>,
    /// `ec2RoleDelivery` (`"1.0"` IMDSv1, `"2.0"` IMDSv2)
    pub ec2_role_delivery: Option<Str<'a>>,
    /// `signInSessionArn`
    pub sign_in_session_arn: Option<Str<'a>>,
    /// `assumedRoot` (a boolean or the string `"true"`; kept as text)
    pub assumed_root: Option<Str<'a>>,
    /// `ec2IssuedInVPC`
    pub ec2_issued_in_vpc: Option<Str<'a>>,
    /// Members the model does not know (in `sessionContext`, `attributes`,
    /// `webIdFederationData`), keyed by their path below `sessionContext`.
    pub extra: Extra<'a>,
}

/// `userIdentity.sessionContext.sessionIssuer`
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionIssuer<'a> {
    /// `type`: Root, IAMUser or Role.
    pub issuer_type: Option<Str<'a>>,
    /// `userName`
    pub user_name: Option<Str<'a>>,
    /// `principalId`
    pub principal_id: Option<Str<'a>>,
    /// `arn`
    pub arn: Option<Str<'a>>,
    /// `accountId`
    pub account_id: Option<Str<'a>>,
    /// Members the model does not know.
    pub extra: Extra<'a>,
}

/// `userIdentity.onBehalfOf` (IAM Identity Center, 2025 changes)
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OnBehalfOf<'a> {
    /// `userId`
    pub user_id: Option<Str<'a>>,
    /// `identityStoreArn`
    pub identity_store_arn: Option<Str<'a>>,
    /// Members the model does not know.
    pub extra: Extra<'a>,
}

/// `userIdentity.inScopeOf`
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InScopeOf<'a> {
    /// `sourceArn`
    pub source_arn: Option<Str<'a>>,
    /// `sourceAccount`
    pub source_account: Option<Str<'a>>,
    /// `issuerType`
    pub issuer_type: Option<Str<'a>>,
    /// `credentialsIssuedTo`
    pub credentials_issued_to: Option<Str<'a>>,
    /// Members the model does not know.
    pub extra: Extra<'a>,
}

/// One element of `resources`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource<'a> {
    /// `ARN`
    pub arn: Option<Str<'a>>,
    /// `ARNPrefix` (some data events)
    pub arn_prefix: Option<Str<'a>>,
    /// `accountId`
    pub account_id: Option<Str<'a>>,
    /// `type`, e.g. `AWS::S3::Object`
    pub resource_type: Option<Str<'a>>,
    /// Members the model does not know.
    pub extra: Extra<'a>,
}

/// `tlsDetails`
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TlsDetails<'a> {
    /// `tlsVersion`
    pub tls_version: Option<Str<'a>>,
    /// `cipherSuite`
    pub cipher_suite: Option<Str<'a>>,
    /// `clientProvidedHostHeader`
    pub client_provided_host_header: Option<Str<'a>>,
    /// `keyExchange`
    pub key_exchange: Option<Str<'a>>,
    /// Members the model does not know.
    pub extra: Extra<'a>,
}

/// `addendum`
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Addendum<'a> {
    /// `reason`: DELIVERY_DELAY, UPDATED_DATA, SERVICE_OUTAGE
    pub reason: Option<Str<'a>>,
    /// `updatedFields`
    pub updated_fields: Option<Str<'a>>,
    /// `originalRequestID`
    pub original_request_id: Option<Str<'a>>,
    /// `originalEventID`
    pub original_event_id: Option<Str<'a>>,
    /// Members the model does not know.
    pub extra: Extra<'a>,
}

/// What kind of record this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum EventClass {
    /// A management event.
    Management,
    /// A data event.
    Data,
    /// A network activity event (VPC endpoints).
    NetworkActivity,
    /// A CloudTrail Insights record.
    Insight,
}

impl EventClass {
    /// The `eventCategory` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EventClass::Management => "Management",
            EventClass::Data => "Data",
            EventClass::NetworkActivity => "NetworkActivity",
            EventClass::Insight => "Insight",
        }
    }
}

/// A scalar leaf as read from the typed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf<'e> {
    /// The field is absent (or its parent is absent or `null`).
    Missing,
    /// The field is JSON `null`.
    Null,
    /// A string value.
    Str(&'e str),
    /// A boolean value (`readOnly`, `managementEvent`).
    Bool(bool),
}

impl<'e> Leaf<'e> {
    /// The string, if the leaf is one.
    pub fn as_str(self) -> Option<&'e str> {
        match self {
            Leaf::Str(s) => Some(s),
            _ => None,
        }
    }
}

#[inline]
fn s<'e>(v: &'e Option<Str<'_>>) -> Option<&'e str> {
    v.as_deref()
}

impl<'a> Event<'a> {
    /// A record with every field absent, for decoders to fill in.
    pub fn empty(raw: Raw<'a>) -> Self {
        Event {
            raw,
            time: Timestamp::default(),
            event_time: Cow::Borrowed(""),
            event_version: None,
            user_identity: None,
            event_source: None,
            event_name: None,
            aws_region: None,
            source_ip_address: None,
            user_agent: None,
            error_code: None,
            error_message: None,
            request_parameters: None,
            response_elements: None,
            additional_event_data: None,
            request_id: None,
            event_id: None,
            event_type: None,
            api_version: None,
            management_event: None,
            read_only: None,
            resources: Vec::new(),
            recipient_account_id: None,
            service_event_details: None,
            shared_event_id: None,
            vpc_endpoint_id: None,
            vpc_endpoint_account_id: None,
            event_category: None,
            addendum: None,
            session_credential_from_console: None,
            edge_device_details: None,
            tls_details: None,
            event_context: None,
            insight_details: None,
            extra: Vec::new(),
            present: FieldSet::default(),
            nulls: FieldSet::default(),
        }
    }

    /// Empty every field for the next record, keeping allocations that can be reused.
    pub fn reset(&mut self, raw: Raw<'a>) {
        // Field by field, so the record is cleared in place rather than rebuilt and copied.
        self.raw = raw;
        self.time = Timestamp::default();
        self.event_time = Cow::Borrowed("");
        for s in [
            &mut self.event_version,
            &mut self.event_source,
            &mut self.event_name,
            &mut self.aws_region,
            &mut self.source_ip_address,
            &mut self.user_agent,
            &mut self.error_code,
            &mut self.error_message,
            &mut self.request_id,
            &mut self.event_id,
            &mut self.event_type,
            &mut self.api_version,
            &mut self.recipient_account_id,
            &mut self.shared_event_id,
            &mut self.vpc_endpoint_id,
            &mut self.vpc_endpoint_account_id,
            &mut self.event_category,
            &mut self.session_credential_from_console,
        ] {
            *s = None;
        }
        for r in [
            &mut self.request_parameters,
            &mut self.response_elements,
            &mut self.additional_event_data,
            &mut self.service_event_details,
            &mut self.edge_device_details,
            &mut self.event_context,
            &mut self.insight_details,
        ] {
            *r = None;
        }
        self.user_identity = None;
        self.management_event = None;
        self.read_only = None;
        self.resources.clear();
        self.addendum = None;
        self.tls_details = None;
        self.extra.clear();
        self.present = FieldSet::default();
        self.nulls = FieldSet::default();
    }

    /// The record's class: from `eventCategory`, else from the shape of the record.
    pub fn class(&self) -> EventClass {
        match self.event_category.as_deref() {
            Some("Management") => EventClass::Management,
            Some("Data") => EventClass::Data,
            Some("NetworkActivity") => EventClass::NetworkActivity,
            Some("Insight") => EventClass::Insight,
            _ => {
                if self.insight_details.is_some() || self.event_type.as_deref() == Some("AwsCloudTrailInsight") {
                    EventClass::Insight
                } else if self.event_type.as_deref() == Some("AwsVpceEvent") {
                    EventClass::NetworkActivity
                } else if self.management_event == Some(false) {
                    EventClass::Data
                } else {
                    EventClass::Management
                }
            }
        }
    }

    /// `userIdentity.type`
    pub fn identity_type(&self) -> Option<&str> {
        self.user_identity.as_ref().and_then(|u| s(&u.identity_type))
    }

    /// `userIdentity.arn`
    pub fn principal_arn(&self) -> Option<&str> {
        self.user_identity.as_ref().and_then(|u| s(&u.arn))
    }

    /// `userIdentity.accessKeyId`, unless empty.
    pub fn access_key_id(&self) -> Option<&str> {
        self.user_identity
            .as_ref()
            .and_then(|u| s(&u.access_key_id))
            .filter(|k| !k.is_empty())
    }

    /// `userIdentity.sessionContext.sessionIssuer`
    pub fn session_issuer(&self) -> Option<&SessionIssuer<'a>> {
        self.user_identity
            .as_ref()?
            .session_context
            .as_ref()?
            .session_issuer
            .as_ref()
    }

    /// The account the record belongs to: `recipientAccountId`, else `userIdentity.accountId`.
    pub fn account(&self) -> Option<&str> {
        s(&self.recipient_account_id).or_else(|| self.user_identity.as_ref().and_then(|u| s(&u.account_id)))
    }

    /// Whether the call failed (`errorCode` present and not empty).
    pub fn is_error(&self) -> bool {
        self.error_code.as_deref().is_some_and(|c| !c.is_empty())
    }

    /// A short, stable label for who acted, for summaries and timelines: the ARN for users and
    /// roles (the role ARN, not the session, for assumed roles), the invoking service for AWS
    /// services, the Identity Center user id for `IdentityCenterUser`, `root` for root.
    pub fn actor(&self) -> Option<Cow<'_, str>> {
        let ui = self.user_identity.as_ref()?;
        let ty = s(&ui.identity_type);
        match ty {
            Some("AssumedRole") => {
                if let Some(issuer) = self.session_issuer().and_then(|i| s(&i.arn)) {
                    return Some(Cow::Borrowed(issuer));
                }
            }
            Some("AWSService") => {
                if let Some(by) = s(&ui.invoked_by) {
                    return Some(Cow::Borrowed(by));
                }
            }
            Some("IdentityCenterUser") => {
                if let Some(ob) = ui.on_behalf_of.as_ref().and_then(|o| s(&o.user_id)) {
                    return Some(Cow::Owned(format!("identitycenter:{ob}")));
                }
            }
            _ => {}
        }
        if let Some(arn) = s(&ui.arn) {
            return Some(Cow::Borrowed(arn));
        }
        if let Some(by) = s(&ui.invoked_by) {
            return Some(Cow::Borrowed(by));
        }
        match (ty, s(&ui.account_id)) {
            (Some(t), Some(acct)) => Some(Cow::Owned(format!("{t}:{acct}"))),
            (Some(t), None) => Some(Cow::Borrowed(t)),
            (None, Some(acct)) => Some(Cow::Owned(format!("account:{acct}"))),
            (None, None) => None,
        }
    }

    /// The user name the way `LookupEvents` reports it: `userName`, else the session name of an
    /// assumed role, else `root` for root, else the issuer's user name.
    pub fn lookup_username(&self) -> Option<&str> {
        let ui = self.user_identity.as_ref()?;
        if let Some(n) = s(&ui.user_name) {
            return Some(n);
        }
        match s(&ui.identity_type) {
            Some("AssumedRole") => s(&ui.arn).and_then(|a| a.rsplit('/').next()),
            Some("Root") => Some("root"),
            _ => self.session_issuer().and_then(|i| s(&i.user_name)),
        }
    }

    /// The scalar at a known leaf.
    pub fn leaf(&self, id: FieldId) -> Leaf<'_> {
        use FieldId as F;
        let ui = self.user_identity.as_ref();
        let sc = ui.and_then(|u| u.session_context.as_ref());
        let si = sc.and_then(|c| c.session_issuer.as_ref());
        let value: Option<&str> = match id {
            F::EventVersion => s(&self.event_version),
            F::EventTime => Some(&self.event_time),
            F::EventSource => s(&self.event_source),
            F::EventName => s(&self.event_name),
            F::AwsRegion => s(&self.aws_region),
            F::SourceIpAddress => s(&self.source_ip_address),
            F::UserAgent => s(&self.user_agent),
            F::ErrorCode => s(&self.error_code),
            F::ErrorMessage => s(&self.error_message),
            F::RequestId => s(&self.request_id),
            F::EventId => s(&self.event_id),
            F::EventType => s(&self.event_type),
            F::ApiVersion => s(&self.api_version),
            F::ManagementEvent => return self.bool_leaf(id, self.management_event),
            F::ReadOnly => return self.bool_leaf(id, self.read_only),
            F::RecipientAccountId => s(&self.recipient_account_id),
            F::SharedEventId => s(&self.shared_event_id),
            F::VpcEndpointId => s(&self.vpc_endpoint_id),
            F::VpcEndpointAccountId => s(&self.vpc_endpoint_account_id),
            F::EventCategory => s(&self.event_category),
            F::SessionCredentialFromConsole => s(&self.session_credential_from_console),
            F::UserIdentityType => ui.and_then(|u| s(&u.identity_type)),
            F::UserName => ui.and_then(|u| s(&u.user_name)),
            F::PrincipalId => ui.and_then(|u| s(&u.principal_id)),
            F::Arn => ui.and_then(|u| s(&u.arn)),
            F::AccountId => ui.and_then(|u| s(&u.account_id)),
            F::AccessKeyId => ui.and_then(|u| s(&u.access_key_id)),
            F::InvokedBy => ui.and_then(|u| s(&u.invoked_by)),
            F::CredentialId => ui.and_then(|u| s(&u.credential_id)),
            F::IdentityProvider => ui.and_then(|u| s(&u.identity_provider)),
            F::SourceIdentity => sc.and_then(|c| s(&c.source_identity)),
            F::Ec2RoleDelivery => sc.and_then(|c| s(&c.ec2_role_delivery)),
            F::SignInSessionArn => sc.and_then(|c| s(&c.sign_in_session_arn)),
            F::AssumedRoot => sc.and_then(|c| s(&c.assumed_root)),
            F::Ec2IssuedInVpc => sc.and_then(|c| s(&c.ec2_issued_in_vpc)),
            F::IssuerType => si.and_then(|i| s(&i.issuer_type)),
            F::IssuerUserName => si.and_then(|i| s(&i.user_name)),
            F::IssuerPrincipalId => si.and_then(|i| s(&i.principal_id)),
            F::IssuerArn => si.and_then(|i| s(&i.arn)),
            F::IssuerAccountId => si.and_then(|i| s(&i.account_id)),
            F::CreationDate => sc.and_then(|c| s(&c.creation_date)),
            F::MfaAuthenticated => sc.and_then(|c| s(&c.mfa_authenticated)),
            F::FederatedProvider => sc.and_then(|c| s(&c.federated_provider)),
            F::OnBehalfOfUserId => ui.and_then(|u| u.on_behalf_of.as_ref()).and_then(|o| s(&o.user_id)),
            F::OnBehalfOfIdentityStoreArn => ui
                .and_then(|u| u.on_behalf_of.as_ref())
                .and_then(|o| s(&o.identity_store_arn)),
            F::InScopeOfSourceArn => ui.and_then(|u| u.in_scope_of.as_ref()).and_then(|o| s(&o.source_arn)),
            F::InScopeOfSourceAccount => ui
                .and_then(|u| u.in_scope_of.as_ref())
                .and_then(|o| s(&o.source_account)),
            F::InScopeOfIssuerType => ui.and_then(|u| u.in_scope_of.as_ref()).and_then(|o| s(&o.issuer_type)),
            F::InScopeOfCredentialsIssuedTo => ui
                .and_then(|u| u.in_scope_of.as_ref())
                .and_then(|o| s(&o.credentials_issued_to)),
            F::DelegateAccountId => ui.and_then(|u| s(&u.invoked_by_delegate_account_id)),
            F::TlsVersion => self.tls_details.as_ref().and_then(|t| s(&t.tls_version)),
            F::CipherSuite => self.tls_details.as_ref().and_then(|t| s(&t.cipher_suite)),
            F::ClientProvidedHostHeader => self
                .tls_details
                .as_ref()
                .and_then(|t| s(&t.client_provided_host_header)),
            F::KeyExchange => self.tls_details.as_ref().and_then(|t| s(&t.key_exchange)),
            F::AddendumReason => self.addendum.as_ref().and_then(|a| s(&a.reason)),
            F::AddendumUpdatedFields => self.addendum.as_ref().and_then(|a| s(&a.updated_fields)),
            F::AddendumOriginalRequestId => self.addendum.as_ref().and_then(|a| s(&a.original_request_id)),
            F::AddendumOriginalEventId => self.addendum.as_ref().and_then(|a| s(&a.original_event_id)),
            _ => return Leaf::Missing,
        };
        match value {
            Some(v) => Leaf::Str(v),
            None if self.nulls.contains(id) => Leaf::Null,
            None => Leaf::Missing,
        }
    }

    fn bool_leaf(&self, id: FieldId, v: Option<bool>) -> Leaf<'_> {
        match v {
            Some(b) => Leaf::Bool(b),
            None if self.nulls.contains(id) => Leaf::Null,
            None => Leaf::Missing,
        }
    }

    /// The payload with this id (`requestParameters`, …), `null` included.
    pub fn payload(&self, id: FieldId) -> Option<Raw<'a>> {
        match id {
            FieldId::RequestParameters => self.request_parameters,
            FieldId::ResponseElements => self.response_elements,
            FieldId::AdditionalEventData => self.additional_event_data,
            FieldId::ServiceEventDetails => self.service_event_details,
            FieldId::EdgeDeviceDetails => self.edge_device_details,
            FieldId::EventContext => self.event_context,
            FieldId::InsightDetails => self.insight_details,
            _ => None,
        }
    }
}
