//! Filtering records the way `aws cloudtrail lookup-events` does, and more.
//!
//! The eight lookup attributes of `LookupEvents` (EventId, EventName, EventSource, Username,
//! AccessKeyId, ResourceType, ResourceName, ReadOnly) with AWS's meaning, plus what its Event
//! history cannot do: several attributes at once (all must match), account, region and error
//! code.

use std::fmt;
use std::str::FromStr;

use crate::event::Event;
use crate::time::Timestamp;

/// A `LookupEvents` attribute key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LookupKey {
    /// `eventID`
    EventId,
    /// `eventName`
    EventName,
    /// `eventSource`
    EventSource,
    /// The user name, role session name or role name of the caller.
    Username,
    /// `userIdentity.accessKeyId`
    AccessKeyId,
    /// `resources[].type`
    ResourceType,
    /// `resources[].ARN`, or the name at its end.
    ResourceName,
    /// `readOnly` (`true` / `false`)
    ReadOnly,
}

impl LookupKey {
    /// All keys, in AWS's order.
    pub const ALL: [LookupKey; 8] = [
        LookupKey::EventId,
        LookupKey::EventName,
        LookupKey::ReadOnly,
        LookupKey::Username,
        LookupKey::ResourceType,
        LookupKey::ResourceName,
        LookupKey::EventSource,
        LookupKey::AccessKeyId,
    ];

    /// AWS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LookupKey::EventId => "EventId",
            LookupKey::EventName => "EventName",
            LookupKey::EventSource => "EventSource",
            LookupKey::Username => "Username",
            LookupKey::AccessKeyId => "AccessKeyId",
            LookupKey::ResourceType => "ResourceType",
            LookupKey::ResourceName => "ResourceName",
            LookupKey::ReadOnly => "ReadOnly",
        }
    }
}

impl fmt::Display for LookupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lookup attribute that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid lookup attribute {text:?}: {reason}")]
pub struct LookupError {
    /// The text given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

/// One attribute and the value it must have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupAttribute {
    /// Which attribute.
    pub key: LookupKey,
    /// The value (matched exactly, as AWS does).
    pub value: String,
}

impl FromStr for LookupAttribute {
    type Err = LookupError;

    /// `AttributeKey=EventName,AttributeValue=ConsoleLogin` (the AWS CLI's form) or
    /// `EventName=ConsoleLogin`. Keys are matched without regard to case.
    fn from_str(text: &str) -> Result<Self, LookupError> {
        let err = |reason: &str| LookupError {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (key, value) = if let Some(rest) = text.strip_prefix("AttributeKey=") {
            let (k, v) = rest
                .split_once(",AttributeValue=")
                .ok_or_else(|| err("expected AttributeKey=K,AttributeValue=V"))?;
            (k, v)
        } else {
            text.split_once('=')
                .ok_or_else(|| err("expected KEY=VALUE, e.g. EventName=ConsoleLogin"))?
        };
        let key = LookupKey::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(key.trim()))
            .ok_or_else(|| {
                err(&format!(
                    "unknown attribute {:?}; use one of {}",
                    key,
                    LookupKey::ALL.map(LookupKey::as_str).join(", ")
                ))
            })?;
        if value.is_empty() {
            return Err(err("the value is empty"));
        }
        if key == LookupKey::ReadOnly && !matches!(value, "true" | "false") {
            return Err(err("ReadOnly takes true or false"));
        }
        Ok(LookupAttribute {
            key,
            value: value.to_owned(),
        })
    }
}

impl LookupAttribute {
    /// Whether `ev` has this attribute with this value.
    pub fn matches(&self, ev: &Event<'_>) -> bool {
        let v = self.value.as_str();
        let ui = ev.user_identity.as_ref();
        match self.key {
            LookupKey::EventId => ev.event_id.as_deref() == Some(v),
            LookupKey::EventName => ev.event_name.as_deref() == Some(v),
            LookupKey::EventSource => ev.event_source.as_deref() == Some(v),
            LookupKey::AccessKeyId => ui.and_then(|u| u.access_key_id.as_deref()) == Some(v),
            LookupKey::ReadOnly => ev.read_only.map(|b| if b { "true" } else { "false" }) == Some(v),
            LookupKey::Username => {
                ev.lookup_username() == Some(v) || ev.session_issuer().and_then(|i| i.user_name.as_deref()) == Some(v)
            }
            LookupKey::ResourceType => ev.resources.iter().any(|r| r.resource_type.as_deref() == Some(v)),
            LookupKey::ResourceName => ev
                .resources
                .iter()
                .any(|r| r.arn.as_deref().is_some_and(|arn| arn == v || resource_name(arn) == v)),
        }
    }
}

/// The name at the end of an ARN: after the last `/`, else after the last `:`.
pub fn resource_name(arn: &str) -> &str {
    arn.rsplit_once('/')
        .or_else(|| arn.rsplit_once(':'))
        .map_or(arn, |(_, n)| n)
}

/// A record filter: a time range and conditions that must all hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Keep records at or after this time.
    pub start: Option<Timestamp>,
    /// Keep records before or at this time.
    pub end: Option<Timestamp>,
    /// Lookup attributes (all must match).
    pub attributes: Vec<LookupAttribute>,
    /// Accounts (`recipientAccountId`, else `userIdentity.accountId`); any may match.
    pub accounts: Vec<String>,
    /// Regions (`awsRegion`); any may match.
    pub regions: Vec<String>,
    /// Error codes; any may match. `*` matches any record with an error.
    pub error_codes: Vec<String>,
}

impl EventFilter {
    /// Whether the filter keeps every record.
    pub fn is_empty(&self) -> bool {
        *self == EventFilter::default()
    }

    /// Whether `ev` passes.
    pub fn matches(&self, ev: &Event<'_>) -> bool {
        if self.start.is_some_and(|s| ev.time < s) || self.end.is_some_and(|e| ev.time > e) {
            return false;
        }
        if !self.accounts.is_empty() && !ev.account().is_some_and(|a| self.accounts.iter().any(|x| x == a)) {
            return false;
        }
        if !self.regions.is_empty()
            && !ev
                .aws_region
                .as_deref()
                .is_some_and(|r| self.regions.iter().any(|x| x == r))
        {
            return false;
        }
        if !self.error_codes.is_empty() {
            let code = ev.error_code.as_deref().filter(|c| !c.is_empty());
            let ok = self.error_codes.iter().any(|want| match (want.as_str(), code) {
                ("*", Some(_)) => true,
                (w, Some(c)) => w == c,
                _ => false,
            });
            if !ok {
                return false;
            }
        }
        self.attributes.iter().all(|a| a.matches(ev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_event_text;

    const EV: &str = r#"{"eventTime":"2024-05-01T09:00:00Z","eventID":"e1","eventName":"PutObject","eventSource":"s3.amazonaws.com","readOnly":false,"awsRegion":"eu-west-1","recipientAccountId":"111122223333","errorCode":"AccessDenied",
      "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Deploy/alice@example.com","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","userName":"Deploy","arn":"arn:aws:iam::111122223333:role/Deploy"}}},
      "resources":[{"ARN":"arn:aws:s3:::logs-bucket","type":"AWS::S3::Bucket"},{"ARN":"arn:aws:s3:::logs-bucket/a/b.txt","type":"AWS::S3::Object"}]}"#;

    fn attr(s: &str) -> LookupAttribute {
        s.parse().unwrap()
    }

    #[test]
    fn attributes_match_like_lookup_events() {
        let ev = decode_event_text(EV).unwrap();
        for yes in [
            "EventId=e1",
            "EventName=PutObject",
            "eventsource=s3.amazonaws.com",
            "ReadOnly=false",
            "Username=alice@example.com",
            "Username=Deploy",
            "AccessKeyId=ASIAEXAMPLE",
            "ResourceType=AWS::S3::Object",
            "ResourceName=logs-bucket",
            "ResourceName=arn:aws:s3:::logs-bucket/a/b.txt",
            "AttributeKey=EventName,AttributeValue=PutObject",
        ] {
            assert!(attr(yes).matches(&ev), "{yes}");
        }
        for no in [
            "EventName=GetObject",
            "ReadOnly=true",
            "Username=bob",
            "ResourceName=other",
            "EventId=E1",
        ] {
            assert!(!attr(no).matches(&ev), "{no}");
        }
        assert!("Bogus=1".parse::<LookupAttribute>().is_err());
        assert!("EventName".parse::<LookupAttribute>().is_err());
        assert!("ReadOnly=yes".parse::<LookupAttribute>().is_err());
    }

    #[test]
    fn filters_combine() {
        let ev = decode_event_text(EV).unwrap();
        let t = |s| Timestamp::parse_rfc3339(s).unwrap();
        let mut f = EventFilter {
            start: Some(t("2024-05-01T09:00:00Z")),
            end: Some(t("2024-05-01T09:00:00Z")),
            ..EventFilter::default()
        };
        assert!(f.matches(&ev));
        f.accounts = vec!["111122223333".into()];
        f.regions = vec!["us-east-1".into(), "eu-west-1".into()];
        f.error_codes = vec!["*".into()];
        f.attributes = vec![attr("EventName=PutObject"), attr("Username=Deploy")];
        assert!(f.matches(&ev));
        f.start = Some(t("2024-05-01T09:00:01Z"));
        assert!(!f.matches(&ev));
        f.start = None;
        f.error_codes = vec!["ThrottlingException".into()];
        assert!(!f.matches(&ev));
    }
}
