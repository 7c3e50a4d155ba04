//! ARN functions: `arn_partition`, `arn_service`, `arn_region`, `arn_account`, `arn_resource`,
//! `arn_resource_type`, `arn_resource_name`, `arn_role`, `arn_session`.
//!
//! An ARN is `arn:<partition>:<service>:<region>:<account>:<resource>`; the resource may hold
//! `:` and `/`. Text that is not an ARN gives NULL, as do empty parts (S3 ARNs have no region or
//! account).

use arrow::datatypes::DataType;
use datafusion::logical_expr::ScalarUDF;

use super::{DOC_SECTION, map_strings, string_udf};

/// The six parts of an ARN.
pub(crate) fn parts(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let p = [it.next()?, it.next()?, it.next()?, it.next()?, it.next()?, it.next()?];
    (p[0] == "arn").then_some(p)
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// The resource type: the resource text before its first `/` or `:`, when it has one.
pub(crate) fn resource_type(arn: &str) -> Option<&str> {
    let r = parts(arn)?[5];
    r.find(['/', ':']).map(|i| &r[..i])
}

/// The name at the end: after the last `/`, else after the last `:` (LookupEvents'
/// `ResourceName` rule).
pub(crate) fn resource_name(arn: &str) -> Option<&str> {
    let r = parts(arn)?[5];
    Some(r.rsplit_once('/').or_else(|| r.rsplit_once(':')).map_or(r, |(_, n)| n))
}

/// The role behind a principal ARN: an assumed-role session
/// (`arn:aws:sts::111122223333:assumed-role/Admin/alice`) becomes
/// `arn:aws:iam::111122223333:role/Admin`; a role ARN is returned as it is. The role's path is
/// not in a session ARN, so a role with a path comes back without it.
pub(crate) fn role(arn: &str) -> Option<String> {
    let p = parts(arn)?;
    match p[2] {
        "sts" => {
            let rest = p[5].strip_prefix("assumed-role/")?;
            let name = rest.split('/').next().filter(|n| !n.is_empty())?;
            Some(format!("arn:{}:iam::{}:role/{name}", p[1], p[4]))
        }
        "iam" if p[5].starts_with("role/") => Some(arn.to_owned()),
        _ => None,
    }
}

/// The session name of an assumed-role ARN.
pub(crate) fn session(arn: &str) -> Option<&str> {
    let p = parts(arn)?;
    if p[2] != "sts" {
        return None;
    }
    let rest = p[5].strip_prefix("assumed-role/")?;
    rest.split_once('/').map(|(_, s)| s).filter(|s| !s.is_empty())
}

fn one(v: &[Option<&str>], f: impl Fn(&str) -> Option<String>) -> Option<String> {
    v.first().copied().flatten().and_then(f)
}

string_udf!(
    /// `arn_partition(arn)`
    ArnPartition, name: "arn_partition", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The partition of an ARN (aws, aws-cn, aws-us-gov).", "arn_partition(useridentity.arn)"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| parts(s).and_then(|p| non_empty(p[1]))))
);
string_udf!(
    /// `arn_service(arn)`
    ArnService, name: "arn_service", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The service of an ARN (iam, sts, s3, …).", "arn_service(resources[1].arn)"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| parts(s).and_then(|p| non_empty(p[2]))))
);
string_udf!(
    /// `arn_region(arn)`
    ArnRegion, name: "arn_region", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The region of an ARN (NULL for global resources).", "arn_region(rp_rolearn)"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| parts(s).and_then(|p| non_empty(p[3]))))
);
string_udf!(
    /// `arn_account(arn)`
    ArnAccount, name: "arn_account", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The account id of an ARN (NULL for S3 buckets and objects).", "arn_account(rp_rolearn) <> recipientaccountid"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| parts(s).and_then(|p| non_empty(p[4]))))
);
string_udf!(
    /// `arn_resource(arn)`
    ArnResource, name: "arn_resource", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "Everything after the account: the resource (type and id).", "arn_resource(useridentity.arn)"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| parts(s).and_then(|p| non_empty(p[5]))))
);
string_udf!(
    /// `arn_resource_type(arn)`
    ArnResourceType, name: "arn_resource_type", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The resource type: the resource before its first / or : (user, role, assumed-role, instance…).", "arn_resource_type(useridentity.arn) = 'assumed-role'"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| resource_type(s).map(str::to_owned)))
);
string_udf!(
    /// `arn_resource_name(arn)`
    ArnResourceName, name: "arn_resource_name", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The name at the end of an ARN: after the last /, else after the last : (LookupEvents' ResourceName).", "arn_resource_name('arn:aws:iam::111122223333:user/ops/alice')"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| resource_name(s).map(str::to_owned)))
);
string_udf!(
    /// `arn_role(arn)`
    ArnRole, name: "arn_role", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The IAM role behind an assumed-role session ARN (arn:aws:iam::<account>:role/<name>), or the role ARN itself.", "arn_role(useridentity.arn)"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, role))
);
string_udf!(
    /// `arn_session(arn)`
    ArnSession, name: "arn_session", aliases: [], args: [1], returns: DataType::Utf8,
    doc: (DOC_SECTION, "The session name of an assumed-role session ARN.", "arn_session(useridentity.arn)"),
    invoke: |a: &[datafusion::logical_expr::ColumnarValue], n| map_strings(a, n, |v| one(v, |s| session(s).map(str::to_owned)))
);

pub(crate) fn udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(ArnPartition::new()),
        ScalarUDF::from(ArnService::new()),
        ScalarUDF::from(ArnRegion::new()),
        ScalarUDF::from(ArnAccount::new()),
        ScalarUDF::from(ArnResource::new()),
        ScalarUDF::from(ArnResourceType::new()),
        ScalarUDF::from(ArnResourceName::new()),
        ScalarUDF::from(ArnRole::new()),
        ScalarUDF::from(ArnSession::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        let a = "arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com";
        assert_eq!(parts(a).unwrap()[2], "sts");
        assert_eq!(resource_type(a), Some("assumed-role"));
        assert_eq!(resource_name(a), Some("alice@example.com"));
        assert_eq!(role(a).as_deref(), Some("arn:aws:iam::111122223333:role/Admin"));
        assert_eq!(session(a), Some("alice@example.com"));
        let s3 = "arn:aws:s3:::bucket/key/with:colon";
        assert_eq!(parts(s3).unwrap()[3], "");
        assert_eq!(parts(s3).unwrap()[5], "bucket/key/with:colon");
        assert_eq!(resource_type("arn:aws:s3:::bucket"), None);
        assert_eq!(resource_name("arn:aws:s3:::bucket"), Some("bucket"));
        assert_eq!(resource_name("arn:aws:iam::1:user/ops/alice"), Some("alice"));
        assert_eq!(
            role("arn:aws:iam::1:role/ops/R").as_deref(),
            Some("arn:aws:iam::1:role/ops/R")
        );
        assert_eq!(role("arn:aws:iam::1:user/u"), None);
        assert_eq!(parts("not-an-arn"), None);
        assert_eq!(parts("arn:aws:iam"), None);
        assert_eq!(session("arn:aws:iam::1:role/R"), None);
    }
}
