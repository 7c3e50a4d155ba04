//! Writing one CloudTrail record: the caller's identity, the envelope fields in CloudTrail's
//! order, errors in each service's wording, TLS details.

use std::borrow::Cow;

use rand::Rng;
use trailguard_model::time::Timestamp;

use crate::api::{Api, Err, EvType, Host, ReqId};
use crate::ctx::Ctx;
use crate::ids::{self, GenRng};
use crate::json::Json;
use crate::world::{Account, World};

/// `userIdentity.type` (and the two shapes without one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdKind {
    IamUser,
    AssumedRole,
    Root,
    AwsService,
    /// `{accountId, invokedBy}` with no `type` (service events).
    ServiceNoType,
    IdentityCenterUser,
    WebIdentityUser,
    /// Another account calling into this one (the resource owner's copy of the record).
    AwsAccount,
}

/// The role or user that issued temporary credentials (`sessionContext.sessionIssuer`).
#[derive(Clone, Debug)]
pub(crate) struct Issuer<'a> {
    pub(crate) principal_id: Cow<'a, str>,
    pub(crate) arn: Cow<'a, str>,
    pub(crate) name: Cow<'a, str>,
}

/// Who made a call and from where.
#[derive(Clone, Debug)]
pub(crate) struct Ident<'a> {
    pub(crate) kind: IdKind,
    pub(crate) principal_id: Cow<'a, str>,
    pub(crate) arn: Cow<'a, str>,
    pub(crate) account_id: Cow<'a, str>,
    /// Access key id; `None` omits the field, `Some("")` writes an empty string.
    pub(crate) access_key: Option<Cow<'a, str>>,
    pub(crate) user_name: Option<Cow<'a, str>>,
    /// Role sessions: the issuing role.
    pub(crate) issuer: Option<Issuer<'a>>,
    /// Temporary credentials: `sessionContext.attributes.creationDate`.
    pub(crate) session_created: Option<Timestamp>,
    pub(crate) mfa: bool,
    /// Instance-profile credentials delivered by IMDSv2.
    pub(crate) ec2_delivery: bool,
    pub(crate) invoked_by: Option<Cow<'a, str>>,
    /// Identity Center: (`onBehalfOf.userId`, `identityStoreArn`, `credentialId`).
    pub(crate) idc: Option<(Cow<'a, str>, Cow<'a, str>, Cow<'a, str>)>,
    /// Web identity: `identityProvider`.
    pub(crate) identity_provider: Option<Cow<'a, str>>,
    pub(crate) ip: Cow<'a, str>,
    pub(crate) agent: Cow<'a, str>,
    /// Write `tlsDetails` (client calls; not for AWS services acting on their own).
    pub(crate) tls: bool,
    /// `sessionCredentialFromConsole: "true"`.
    pub(crate) console: bool,
    /// The VPC endpoint the call went through.
    pub(crate) vpce: Option<Cow<'a, str>>,
}

impl<'a> Ident<'a> {
    /// A blank identity of `kind` (fields filled by the caller).
    pub(crate) fn new(kind: IdKind, account_id: impl Into<Cow<'a, str>>) -> Self {
        Ident {
            kind,
            principal_id: Cow::Borrowed(""),
            arn: Cow::Borrowed(""),
            account_id: account_id.into(),
            access_key: None,
            user_name: None,
            issuer: None,
            session_created: None,
            mfa: false,
            ec2_delivery: false,
            invoked_by: None,
            idc: None,
            identity_provider: None,
            ip: Cow::Borrowed(""),
            agent: Cow::Borrowed(""),
            tls: true,
            console: false,
            vpce: None,
        }
    }

    /// An AWS service acting on its own (`{"type":"AWSService","invokedBy":…}`).
    pub(crate) fn service(service: &'a str, account: &'a str) -> Self {
        let mut id = Ident::new(IdKind::AwsService, account);
        id.invoked_by = Some(Cow::Borrowed(service));
        id.ip = Cow::Borrowed(service);
        id.agent = Cow::Borrowed(service);
        id.tls = false;
        id
    }

    /// The ARN used in error messages.
    pub(crate) fn caller_arn(&self) -> &str {
        &self.arn
    }

    /// Convert to an identity owning all its text.
    pub(crate) fn into_owned(self) -> Ident<'static> {
        fn o(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        Ident {
            kind: self.kind,
            principal_id: o(self.principal_id),
            arn: o(self.arn),
            account_id: o(self.account_id),
            access_key: self.access_key.map(o),
            user_name: self.user_name.map(o),
            issuer: self.issuer.map(|i| Issuer {
                principal_id: o(i.principal_id),
                arn: o(i.arn),
                name: o(i.name),
            }),
            session_created: self.session_created,
            mfa: self.mfa,
            ec2_delivery: self.ec2_delivery,
            invoked_by: self.invoked_by.map(o),
            idc: self.idc.map(|(a, b, c)| (o(a), o(b), o(c))),
            identity_provider: self.identity_provider.map(o),
            ip: o(self.ip),
            agent: o(self.agent),
            tls: self.tls,
            console: self.console,
            vpce: self.vpce.map(o),
        }
    }
}

/// Whether a call succeeds.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// By the API's error profile.
    Random,
    /// Always succeeds.
    Ok,
    /// Fails with an access-denied error in the service's wording.
    Denied,
    /// Fails with this code and message.
    Fail(String, String),
}

/// One record to write.
pub(crate) struct Spec<'a> {
    pub(crate) api: &'static Api,
    pub(crate) time: Timestamp,
    pub(crate) ident: &'a Ident<'a>,
    pub(crate) outcome: Outcome,
    /// A fixed event id (scenario records); random otherwise.
    pub(crate) event_id: Option<&'a str>,
    /// Parameters for the body writer.
    pub(crate) args: &'a [String],
}

/// Reusable scratch buffers for writing records.
#[derive(Default)]
pub(crate) struct Writer {
    body: Json,
    res: Json,
    err_res: String,
    request_id: String,
    msg: String,
}

impl Writer {
    /// Append one record (a JSON object) to `out`. Returns whether it is a data event.
    pub(crate) fn write(
        &mut self,
        out: &mut Json,
        w: &World,
        acct: &Account,
        region: usize,
        rng: &mut GenRng,
        spec: &Spec<'_>,
    ) -> bool {
        let api = spec.api;
        let id = spec.ident;
        let rname = w.regions[region].as_str();

        // Decide success before the body: failed calls have a null responseElements.
        let service_caller = matches!(id.kind, IdKind::AwsService | IdKind::ServiceNoType | IdKind::AwsAccount)
            || id.invoked_by.is_some();
        let failure: Option<Err> = match &spec.outcome {
            Outcome::Ok => None,
            Outcome::Denied => Some(Err::Denied),
            Outcome::Fail(..) => Some(Err::Fixed("", "")),
            Outcome::Random => {
                if service_caller || api.err_rate == 0 || api.errors.is_empty() {
                    None
                } else if rng.gen_range(0..10_000) < api.err_rate {
                    let total: u32 = api.errors.iter().map(|e| e.1).sum();
                    let mut r = rng.gen_range(0..total.max(1));
                    let mut chosen = api.errors[0].0;
                    for (e, wgt) in api.errors {
                        if r < *wgt {
                            chosen = *e;
                            break;
                        }
                        r -= wgt;
                    }
                    Some(chosen)
                } else {
                    None
                }
            }
        };

        self.request_id.clear();
        match api.req_id {
            ReqId::Uuid => {
                let mut v = Vec::with_capacity(36);
                ids::push_uuid(&mut v, rng);
                self.request_id.push_str(std::str::from_utf8(&v).unwrap_or_default());
            }
            ReqId::S3 => {
                let mut v = Vec::with_capacity(16);
                ids::push_s3_request_id(&mut v, rng);
                self.request_id.push_str(std::str::from_utf8(&v).unwrap_or_default());
            }
            ReqId::None => {}
        }

        self.body.clear();
        self.res.clear();
        self.err_res.clear();
        {
            let mut ctx = Ctx {
                w,
                acct,
                region,
                rname,
                time: spec.time,
                rng,
                failed: failure.is_some(),
                request_id: &self.request_id,
                res: &mut self.res,
                err_res: &mut self.err_res,
                args: spec.args,
            };
            (api.body)(&mut ctx, &mut self.body);
        }

        let j = out;
        j.open();
        j.kv("eventVersion", api.version);
        write_identity(j, id);
        j.key("eventTime");
        j.begin_str();
        push_time(&mut j.buf, spec.time);
        j.end_str();
        j.kv("eventSource", api.source);
        j.kv("eventName", api.name);
        j.kv("awsRegion", rname);
        j.kv("sourceIPAddress", &id.ip);
        j.kv("userAgent", &id.agent);
        if let Some(err) = failure {
            let (code, msg) = match (&spec.outcome, err) {
                (Outcome::Fail(code, msg), _) => (Cow::Borrowed(code.as_str()), msg.as_str()),
                _ => {
                    self.msg.clear();
                    let code = error_text(api, err, id.caller_arn(), &self.err_res, &mut self.msg);
                    (Cow::Borrowed(code), self.msg.as_str())
                }
            };
            if !code.is_empty() {
                j.kv("errorCode", &code);
            }
            if !msg.is_empty() {
                j.kv("errorMessage", msg);
            }
        }
        j.raw(&self.body.buf);
        if !self.request_id.is_empty() {
            j.kv("requestID", &self.request_id);
        }
        j.key("eventID");
        match spec.event_id {
            Some(e) => j.str(e),
            None => {
                j.begin_str();
                ids::push_uuid(&mut j.buf, rng);
                j.end_str();
            }
        }
        j.kb("readOnly", api.read_only);
        if !self.res.buf.is_empty() {
            j.key("resources");
            j.open_arr();
            j.raw(&self.res.buf);
            j.close_arr();
        }
        j.kv(
            "eventType",
            match api.event_type {
                EvType::Call => "AwsApiCall",
                EvType::Service => "AwsServiceEvent",
                EvType::SignIn => "AwsConsoleSignIn",
            },
        );
        if let Some(v) = api.api_version {
            j.kv("apiVersion", v);
        }
        j.kb("managementEvent", !api.data);
        j.kv("recipientAccountId", &acct.id);
        let shared = id.kind == IdKind::AwsService || id.account_id != acct.id.as_str();
        if shared {
            j.key("sharedEventID");
            j.begin_str();
            ids::push_uuid(&mut j.buf, rng);
            j.end_str();
        }
        if let Some(v) = &id.vpce {
            j.kv("vpcEndpointId", v);
            if api.version >= "1.09" {
                j.kv("vpcEndpointAccountId", &acct.id);
            }
        }
        j.kv("eventCategory", if api.data { "Data" } else { "Management" });
        if id.tls {
            j.kobj("tlsDetails");
            let tls13 = rng.gen_range(0..10) < 8;
            j.kv("tlsVersion", if tls13 { "TLSv1.3" } else { "TLSv1.2" });
            j.kv(
                "cipherSuite",
                if tls13 {
                    "TLS_AES_128_GCM_SHA256"
                } else {
                    "ECDHE-RSA-AES128-GCM-SHA256"
                },
            );
            j.key("clientProvidedHostHeader");
            j.begin_str();
            match api.host {
                Host::Regional => {
                    let svc = api.source.strip_suffix(".amazonaws.com").unwrap_or(api.source);
                    j.raw_str_part(svc);
                    j.raw_str_part(".");
                    j.raw_str_part(rname);
                    j.raw_str_part(".amazonaws.com");
                }
                Host::Fixed(h) => j.raw_str_part(h),
                Host::SsoPortal => {
                    j.raw_str_part("portal.sso.");
                    j.raw_str_part(rname);
                    j.raw_str_part(".amazonaws.com");
                }
                Host::S3Bucket => {
                    let bucket = self.err_res.strip_prefix("arn:aws:s3:::").unwrap_or(&self.err_res);
                    let bucket = bucket.split('/').next().unwrap_or_default();
                    if !bucket.is_empty() {
                        j.raw_str_part(bucket);
                        j.raw_str_part(".");
                    }
                    j.raw_str_part("s3.");
                    j.raw_str_part(rname);
                    j.raw_str_part(".amazonaws.com");
                }
            }
            j.end_str();
            if api.version == "1.11" {
                j.kv("keyExchange", if tls13 { "X25519MLKEM768" } else { "secp256r1" });
            }
            j.close();
        }
        if id.console {
            j.kv("sessionCredentialFromConsole", "true");
        }
        j.close();
        api.data
    }
}

/// Write `"userIdentity":{…}`.
fn write_identity(j: &mut Json, id: &Ident<'_>) {
    j.kobj("userIdentity");
    match id.kind {
        IdKind::AwsService => {
            j.kv("type", "AWSService");
            if let Some(s) = &id.invoked_by {
                j.kv("invokedBy", s);
            }
        }
        IdKind::ServiceNoType => {
            j.kv("accountId", &id.account_id);
            if let Some(s) = &id.invoked_by {
                j.kv("invokedBy", s);
            }
        }
        IdKind::IdentityCenterUser => {
            j.kv("type", "IdentityCenterUser");
            j.kv("accountId", &id.account_id);
            if let Some((user, store, cred)) = &id.idc {
                j.kobj("onBehalfOf");
                j.kv("userId", user);
                j.kv("identityStoreArn", store);
                j.close();
                j.kv("credentialId", cred);
            }
        }
        IdKind::AwsAccount => {
            j.kv("type", "AWSAccount");
            j.kv("principalId", &id.principal_id);
            j.kv("accountId", &id.account_id);
        }
        IdKind::WebIdentityUser => {
            j.kv("type", "WebIdentityUser");
            j.kv("principalId", &id.principal_id);
            if let Some(u) = &id.user_name {
                j.kv("userName", u);
            }
            if let Some(p) = &id.identity_provider {
                j.kv("identityProvider", p);
            }
        }
        IdKind::IamUser | IdKind::AssumedRole | IdKind::Root => {
            j.kv(
                "type",
                match id.kind {
                    IdKind::IamUser => "IAMUser",
                    IdKind::Root => "Root",
                    _ => "AssumedRole",
                },
            );
            if !id.principal_id.is_empty() {
                j.kv("principalId", &id.principal_id);
            }
            if !id.arn.is_empty() {
                j.kv("arn", &id.arn);
            }
            j.kv("accountId", &id.account_id);
            if let Some(k) = &id.access_key {
                j.kv("accessKeyId", k);
            }
            if let Some(u) = &id.user_name {
                j.kv("userName", u);
            }
            if let Some(created) = id.session_created {
                j.kobj("sessionContext");
                j.kobj("sessionIssuer");
                if let Some(iss) = &id.issuer {
                    j.kv("type", "Role");
                    j.kv("principalId", &iss.principal_id);
                    j.kv("arn", &iss.arn);
                    j.kv("accountId", &id.account_id);
                    j.kv("userName", &iss.name);
                }
                j.close();
                j.kempty("webIdFederationData");
                j.kobj("attributes");
                j.key("creationDate");
                j.begin_str();
                push_time(&mut j.buf, created);
                j.end_str();
                j.kv("mfaAuthenticated", if id.mfa { "true" } else { "false" });
                j.close();
                if id.ec2_delivery {
                    j.kv("ec2RoleDelivery", "2.0");
                }
                j.close();
            }
            if let Some(s) = &id.invoked_by {
                j.kv("invokedBy", s);
            }
        }
    }
    j.close();
}

/// Fill `msg` with the error message and return the error code, in the service's wording.
fn error_text(api: &Api, err: Err, caller: &str, resource: &str, msg: &mut String) -> &'static str {
    let src = api.source;
    match err {
        Err::Denied => {
            let mut explain = |prefix: &str| {
                msg.push_str(prefix);
                msg.push_str("User: ");
                msg.push_str(caller);
                msg.push_str(" is not authorized to perform: ");
                msg.push_str(api.action);
                if !resource.is_empty() {
                    msg.push_str(" on resource: ");
                    msg.push_str(resource);
                }
                msg.push_str(" because no identity-based policy allows the ");
                msg.push_str(api.action);
                msg.push_str(" action");
            };
            match src {
                "ec2.amazonaws.com" => {
                    explain("You are not authorized to perform this operation. ");
                    "Client.UnauthorizedOperation"
                }
                "s3.amazonaws.com" => {
                    msg.push_str("Access Denied");
                    "AccessDenied"
                }
                "iam.amazonaws.com"
                | "sts.amazonaws.com"
                | "cloudformation.amazonaws.com"
                | "autoscaling.amazonaws.com"
                | "elasticloadbalancing.amazonaws.com"
                | "rds.amazonaws.com"
                | "sns.amazonaws.com"
                | "monitoring.amazonaws.com" => {
                    explain("");
                    "AccessDenied"
                }
                _ => {
                    explain("");
                    "AccessDeniedException"
                }
            }
        }
        Err::Throttle => match src {
            "ec2.amazonaws.com" => {
                msg.push_str("Request limit exceeded.");
                "Client.RequestLimitExceeded"
            }
            "iam.amazonaws.com"
            | "sts.amazonaws.com"
            | "cloudformation.amazonaws.com"
            | "autoscaling.amazonaws.com"
            | "elasticloadbalancing.amazonaws.com"
            | "rds.amazonaws.com"
            | "monitoring.amazonaws.com" => {
                msg.push_str("Rate exceeded");
                "Throttling"
            }
            _ => {
                msg.push_str("Rate exceeded");
                "ThrottlingException"
            }
        },
        Err::Fixed(code, text) => {
            let short = resource.rsplit(['/', ':']).next().unwrap_or(resource);
            let res = if text.contains("Function not found") || text.contains("Parameter") {
                resource
            } else {
                short
            };
            let res = if text.contains("Parameter") {
                resource.split_once("parameter").map_or(resource, |(_, p)| p)
            } else {
                res
            };
            msg.push_str(&text.replace("{}", res));
            code
        }
    }
}

/// Append `YYYY-MM-DDTHH:MM:SSZ`.
#[inline]
pub(crate) fn push_time(out: &mut Vec<u8>, t: Timestamp) {
    let (y, mo, d, h, mi, s) = t.to_civil();
    let y = y.clamp(0, 9999) as u32;
    let two = |out: &mut Vec<u8>, v: u32| {
        out.push(b'0' + (v / 10) as u8);
        out.push(b'0' + (v % 10) as u8);
    };
    two(out, y / 100);
    two(out, y % 100);
    out.push(b'-');
    two(out, mo);
    out.push(b'-');
    two(out, d);
    out.push(b'T');
    two(out, h);
    out.push(b':');
    two(out, mi);
    out.push(b':');
    two(out, s);
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_matches_model_formatting() {
        for s in [0, 1_793_577_600, 1_793_577_600 + 86_399, 4_102_444_799] {
            let t = Timestamp::from_secs(s);
            let mut v = Vec::new();
            push_time(&mut v, t);
            assert_eq!(String::from_utf8(v).unwrap(), t.to_rfc3339());
        }
    }
}
