//! The AWS provider configurations of a Terraform plan and the accounts they reach.
//!
//! A plan may configure several `aws` providers (aliases), each with its own `assume_role` or
//! `allowed_account_ids`: the organization trail in the management account, its bucket and
//! key in a log-archive account. The reader builds one account from a plan, so such a plan
//! cannot be judged on what depends on which account owns what; [`spanned`] tells when that
//! is the case, so the audit says so instead of merging the accounts silently.

use std::collections::BTreeSet;

use super::tree::Node;

/// The account an AWS provider configuration reaches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reach {
    /// The account of the credentials Terraform runs with (no `assume_role`, no
    /// `allowed_account_ids`).
    Credentials,
    /// A known account, and how the plan says so.
    Account(String, &'static str),
    /// An `assume_role` whose role ARN the plan does not give as a constant.
    Unknown,
}

/// One `provider "aws"` configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Provider {
    /// `aws`, `aws.logs`, `module.x:aws`.
    pub(crate) key: String,
    pub(crate) reach: Reach,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Provider {
    /// `aws.logs (account 222222222222, from assume_role)`.
    pub(crate) fn describe(&self) -> String {
        match &self.reach {
            Reach::Credentials => format!("{} (the account of Terraform's credentials)", self.key),
            Reach::Account(id, how) => format!("{} (account {id}, from {how})", self.key),
            Reach::Unknown => format!("{} (an assume_role whose role ARN is not known in the plan)", self.key),
        }
    }
}

/// The AWS providers that the plan's resources use, when they reach more than one account;
/// empty otherwise. `caller`: the account `data.aws_caller_identity` reported, when the plan
/// read it (Terraform's credentials are then known to be that account).
pub(crate) fn spanned(root: &Node, caller: Option<&str>) -> Vec<Provider> {
    let Some(config) = root.get("configuration") else {
        return Vec::new();
    };
    let mut providers: Vec<Provider> = Vec::new();
    for (key, p) in config.get("provider_config").and_then(Node::entries).unwrap_or(&[]) {
        let (Some(key), Some(name)) = (key.text(), p.get("name").and_then(Node::text)) else {
            continue;
        };
        if name != "aws" {
            continue;
        }
        providers.push(Provider {
            key: key.to_string(),
            reach: reach(p.get("expressions")),
            line: p.line,
            column: p.column,
        });
    }
    // Only the providers some resource uses (a resource without provider_config_key uses the
    // default `aws`).
    let mut used = BTreeSet::new();
    if let Some(m) = config.get("root_module") {
        used_keys(m, &mut used, 0);
    }
    providers.retain(|p| used.contains(&p.key));
    let accounts: BTreeSet<Reach> = providers
        .iter()
        .map(|p| match (&p.reach, caller) {
            (Reach::Credentials, Some(c)) => Reach::Account(c.to_string(), ""),
            (Reach::Account(id, _), _) => Reach::Account(id.clone(), ""),
            (r, _) => r.clone(),
        })
        .collect();
    if accounts.len() > 1 { providers } else { Vec::new() }
}

/// The account a provider's expressions name.
fn reach(expressions: Option<&Node>) -> Reach {
    let Some(e) = expressions else {
        return Reach::Credentials;
    };
    // `assume_role` is a block: a list of one object in the plan's JSON.
    let assume = e
        .get("assume_role")
        .map(|a| a.items().and_then(|i| i.first()).unwrap_or(a));
    if let Some(a) = assume {
        let role = a.get("role_arn");
        return match role.and_then(|r| r.get("constant_value")).and_then(Node::text) {
            Some(arn) => match crate::arn::account(arn).filter(|id| crate::arn::is_account_id(id)) {
                Some(id) => Reach::Account(id.to_string(), "assume_role"),
                None => Reach::Unknown,
            },
            None => Reach::Unknown,
        };
    }
    let allowed: Vec<&str> = e
        .get("allowed_account_ids")
        .and_then(|a| a.get("constant_value"))
        .and_then(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::text)
        .collect();
    match allowed.as_slice() {
        [one] if crate::arn::is_account_id(one) => Reach::Account((*one).to_string(), "allowed_account_ids"),
        _ => Reach::Credentials,
    }
}

/// The provider keys the resources of a module (and its calls) use.
fn used_keys(m: &Node, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    for r in m.get("resources").and_then(Node::items).unwrap_or(&[]) {
        let key = r.get("provider_config_key").and_then(Node::text).unwrap_or("aws");
        out.insert(key.to_string());
    }
    for (_, call) in m.get("module_calls").and_then(Node::entries).unwrap_or(&[]) {
        if let Some(inner) = call.get("module") {
            used_keys(inner, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(providers: serde_json::Value, resources: serde_json::Value) -> Node {
        super::super::tree::from_json(&serde_json::json!({
            "format_version": "1.2",
            "configuration": {
                "provider_config": providers,
                "root_module": {"resources": resources},
            },
        }))
    }

    fn res(address: &str, provider: Option<&str>) -> serde_json::Value {
        let mut r = serde_json::json!({"address": address, "mode": "managed", "type": "aws_s3_bucket", "name": "x"});
        if let Some(p) = provider {
            r["provider_config_key"] = serde_json::json!(p);
        }
        r
    }

    #[test]
    fn providers_assuming_roles_in_two_accounts_span_them() {
        let p = plan(
            serde_json::json!({
                "aws": {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}},
                "aws.logs": {"name": "aws", "alias": "logs", "expressions": {
                    "assume_role": [{"role_arn": {"constant_value": "arn:aws:iam::222222222222:role/Terraform"}}]
                }},
            }),
            serde_json::json!([
                res("aws_cloudtrail.org", None),
                res("aws_s3_bucket.logs", Some("aws.logs"))
            ]),
        );
        let s = spanned(&p, None);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[1].reach, Reach::Account("222222222222".into(), "assume_role"));
        assert!(
            s[1].describe()
                .contains("aws.logs (account 222222222222, from assume_role)")
        );
        // Terraform's own credentials are that account: one account after all.
        assert!(spanned(&p, Some("222222222222")).is_empty());
        assert_eq!(spanned(&p, Some("111111111111")).len(), 2);
    }

    #[test]
    fn one_account_is_not_reported() {
        // An alias for another region, an unused alias in another account, allowed_account_ids
        // naming the same account as the other provider's role.
        let p = plan(
            serde_json::json!({
                "aws": {"name": "aws", "expressions": {"allowed_account_ids": {"constant_value": ["111111111111"]}}},
                "aws.west": {"name": "aws", "alias": "west", "expressions": {
                    "region": {"constant_value": "us-west-2"},
                    "assume_role": [{"role_arn": {"constant_value": "arn:aws:iam::111111111111:role/Terraform"}}]
                }},
                "aws.unused": {"name": "aws", "alias": "unused", "expressions": {
                    "assume_role": [{"role_arn": {"constant_value": "arn:aws:iam::333333333333:role/Terraform"}}]
                }},
                "random": {"name": "random"},
            }),
            serde_json::json!([res("aws_cloudtrail.t", None), res("aws_s3_bucket.b", Some("aws.west"))]),
        );
        assert!(spanned(&p, None).is_empty());
    }

    #[test]
    fn a_role_the_plan_does_not_name_counts_as_another_account() {
        let p = plan(
            serde_json::json!({
                "aws": {"name": "aws"},
                "aws.logs": {"name": "aws", "alias": "logs", "expressions": {
                    "assume_role": [{"role_arn": {"references": ["var.log_archive_role"]}}]
                }},
            }),
            serde_json::json!([res("aws_cloudtrail.t", None), res("aws_s3_bucket.b", Some("aws.logs"))]),
        );
        let s = spanned(&p, None);
        assert_eq!(
            s.iter().map(|p| &p.reach).collect::<Vec<_>>(),
            [&Reach::Credentials, &Reach::Unknown]
        );
    }
}
