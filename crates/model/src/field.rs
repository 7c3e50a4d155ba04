//! The known fields of a record: a dense id per documented field, its dotted path, and the bit
//! the decoder sets when it saw the field (or saw it as JSON `null`).
//!
//! Leaves (scalars) are read from the typed record without touching the JSON text; containers
//! and payloads have ids too so the decoder can refuse duplicate keys.

macro_rules! fields {
    ($( $id:ident = $path:literal, )*) => {
        /// A documented CloudTrail field, by its dotted path.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum FieldId { $( $id, )* }

        impl FieldId {
            /// Every field, in declaration order.
            pub const ALL: &'static [FieldId] = &[ $( FieldId::$id, )* ];

            /// The dotted path, as CloudTrail spells it (`userIdentity.sessionContext.sessionIssuer.arn`).
            pub const fn path(self) -> &'static str {
                match self { $( FieldId::$id => $path, )* }
            }
        }
    };
}

fields! {
    // Top-level scalars.
    EventVersion = "eventVersion",
    EventTime = "eventTime",
    EventSource = "eventSource",
    EventName = "eventName",
    AwsRegion = "awsRegion",
    SourceIpAddress = "sourceIPAddress",
    UserAgent = "userAgent",
    ErrorCode = "errorCode",
    ErrorMessage = "errorMessage",
    RequestId = "requestID",
    EventId = "eventID",
    EventType = "eventType",
    ApiVersion = "apiVersion",
    ManagementEvent = "managementEvent",
    ReadOnly = "readOnly",
    RecipientAccountId = "recipientAccountId",
    SharedEventId = "sharedEventID",
    VpcEndpointId = "vpcEndpointId",
    VpcEndpointAccountId = "vpcEndpointAccountId",
    EventCategory = "eventCategory",
    SessionCredentialFromConsole = "sessionCredentialFromConsole",
    // userIdentity scalars.
    UserIdentityType = "userIdentity.type",
    UserName = "userIdentity.userName",
    PrincipalId = "userIdentity.principalId",
    Arn = "userIdentity.arn",
    AccountId = "userIdentity.accountId",
    AccessKeyId = "userIdentity.accessKeyId",
    InvokedBy = "userIdentity.invokedBy",
    CredentialId = "userIdentity.credentialId",
    IdentityProvider = "userIdentity.identityProvider",
    SourceIdentity = "userIdentity.sessionContext.sourceIdentity",
    Ec2RoleDelivery = "userIdentity.sessionContext.ec2RoleDelivery",
    SignInSessionArn = "userIdentity.sessionContext.signInSessionArn",
    AssumedRoot = "userIdentity.sessionContext.assumedRoot",
    Ec2IssuedInVpc = "userIdentity.sessionContext.ec2IssuedInVPC",
    IssuerType = "userIdentity.sessionContext.sessionIssuer.type",
    IssuerUserName = "userIdentity.sessionContext.sessionIssuer.userName",
    IssuerPrincipalId = "userIdentity.sessionContext.sessionIssuer.principalId",
    IssuerArn = "userIdentity.sessionContext.sessionIssuer.arn",
    IssuerAccountId = "userIdentity.sessionContext.sessionIssuer.accountId",
    CreationDate = "userIdentity.sessionContext.attributes.creationDate",
    MfaAuthenticated = "userIdentity.sessionContext.attributes.mfaAuthenticated",
    FederatedProvider = "userIdentity.sessionContext.webIdFederationData.federatedProvider",
    OnBehalfOfUserId = "userIdentity.onBehalfOf.userId",
    OnBehalfOfIdentityStoreArn = "userIdentity.onBehalfOf.identityStoreArn",
    InScopeOfSourceArn = "userIdentity.inScopeOf.sourceArn",
    InScopeOfSourceAccount = "userIdentity.inScopeOf.sourceAccount",
    InScopeOfIssuerType = "userIdentity.inScopeOf.issuerType",
    InScopeOfCredentialsIssuedTo = "userIdentity.inScopeOf.credentialsIssuedTo",
    DelegateAccountId = "userIdentity.invokedByDelegate.accountId",
    // tlsDetails and addendum scalars.
    TlsVersion = "tlsDetails.tlsVersion",
    CipherSuite = "tlsDetails.cipherSuite",
    ClientProvidedHostHeader = "tlsDetails.clientProvidedHostHeader",
    KeyExchange = "tlsDetails.keyExchange",
    AddendumReason = "addendum.reason",
    AddendumUpdatedFields = "addendum.updatedFields",
    AddendumOriginalRequestId = "addendum.originalRequestID",
    AddendumOriginalEventId = "addendum.originalEventID",
    // Containers (not leaves).
    UserIdentity = "userIdentity",
    SessionContext = "userIdentity.sessionContext",
    SessionIssuer = "userIdentity.sessionContext.sessionIssuer",
    Attributes = "userIdentity.sessionContext.attributes",
    WebIdFederationData = "userIdentity.sessionContext.webIdFederationData",
    WebIdAttributes = "userIdentity.sessionContext.webIdFederationData.attributes",
    OnBehalfOf = "userIdentity.onBehalfOf",
    InScopeOf = "userIdentity.inScopeOf",
    InvokedByDelegate = "userIdentity.invokedByDelegate",
    TlsDetails = "tlsDetails",
    Addendum = "addendum",
    Resources = "resources",
    // Free-form payloads, kept as JSON text.
    RequestParameters = "requestParameters",
    ResponseElements = "responseElements",
    AdditionalEventData = "additionalEventData",
    ServiceEventDetails = "serviceEventDetails",
    EdgeDeviceDetails = "edgeDeviceDetails",
    EventContext = "eventContext",
    InsightDetails = "insightDetails",
}

impl FieldId {
    /// The bit of this field in a [`FieldSet`].
    #[inline]
    pub const fn bit(self) -> u128 {
        1u128 << (self as u8)
    }

    /// True for scalar fields, read from the typed record.
    pub const fn is_leaf(self) -> bool {
        (self as u8) < (FieldId::UserIdentity as u8)
    }

    /// True for the free-form payloads kept as JSON text.
    pub const fn is_payload(self) -> bool {
        (self as u8) >= (FieldId::RequestParameters as u8)
    }

    /// The field with this dotted path.
    pub fn from_path(path: &str) -> Option<FieldId> {
        FieldId::ALL.iter().copied().find(|f| f.path() == path)
    }
}

/// A set of [`FieldId`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldSet(pub u128);

impl FieldSet {
    /// Whether `f` is in the set.
    #[inline]
    pub const fn contains(self, f: FieldId) -> bool {
        self.0 & f.bit() != 0
    }

    /// Add `f`; returns false if it was there already.
    #[inline]
    pub fn insert(&mut self, f: FieldId) -> bool {
        let was = self.contains(f);
        self.0 |= f.bit();
        !was
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fit_and_paths_are_unique() {
        assert!(FieldId::ALL.len() <= 128);
        let mut paths: Vec<_> = FieldId::ALL.iter().map(|f| f.path()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), FieldId::ALL.len());
        assert_eq!(FieldId::from_path("userIdentity.arn"), Some(FieldId::Arn));
        assert!(FieldId::Arn.is_leaf());
        assert!(!FieldId::UserIdentity.is_leaf());
        assert!(FieldId::RequestParameters.is_payload());
        assert!(!FieldId::Resources.is_payload());
    }
}
