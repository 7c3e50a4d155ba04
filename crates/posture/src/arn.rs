//! Amazon Resource Names: split, not validated beyond their shape.

/// The parts of `arn:partition:service:region:account:resource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: &'a str,
    /// `cloudtrail`, `s3`, `logs`, …
    pub service: &'a str,
    /// Region (empty for global services).
    pub region: &'a str,
    /// Account id (empty for S3 buckets).
    pub account: &'a str,
    /// Everything after the fifth colon.
    pub resource: &'a str,
}

/// Split an ARN; `None` when it does not have the six parts.
pub fn parse(arn: &str) -> Option<Arn<'_>> {
    let mut it = arn.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: it.next()?,
        service: it.next()?,
        region: it.next()?,
        account: it.next()?,
        resource: it.next()?,
    })
}

/// The account id of an ARN (non-empty).
pub fn account(arn: &str) -> Option<&str> {
    parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

/// The region of an ARN (non-empty).
pub fn region(arn: &str) -> Option<&str> {
    parse(arn).map(|a| a.region).filter(|r| !r.is_empty())
}

/// The log group name of a CloudWatch Logs log-group ARN
/// (`arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/Logs:*` → `CloudTrail/Logs`).
pub fn log_group_name(arn: &str) -> Option<&str> {
    let a = parse(arn)?;
    let rest = a.resource.strip_prefix("log-group:")?;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then_some(name)
}

/// The log-group ARN without a trailing `:*`, for comparisons.
pub fn log_group_key(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

/// The partition a region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

/// Whether `s` is a 12-digit account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let a = parse("arn:aws:cloudtrail:us-east-1:111122223333:trail/main").unwrap();
        assert_eq!(a.service, "cloudtrail");
        assert_eq!(a.account, "111122223333");
        assert_eq!(a.resource, "trail/main");
        assert_eq!(account("arn:aws:s3:::bucket"), None);
        assert_eq!(parse("not:an:arn"), None);
        assert_eq!(
            log_group_name("arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/Logs:*"),
            Some("CloudTrail/Logs")
        );
        assert_eq!(
            log_group_name("arn:aws:logs:us-east-1:111122223333:log-group:a:b"),
            Some("a:b")
        );
        assert_eq!(partition_of_region("cn-north-1"), "aws-cn");
        assert_eq!(partition_of_region("eu-west-1"), "aws");
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333x"));
    }
}
