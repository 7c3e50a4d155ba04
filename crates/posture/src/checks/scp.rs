//! Service control policies: which apply to an account, and whether they deny an action on a
//! resource for everyone but a break-glass principal.

use crate::check::{CheckInfo, Finding, Resource, Status, unreadable};
use crate::policy::{Effect, Policy};
use crate::snapshot::{Account, Organization, Read, Scp};
use crate::world::Context;

/// The SCPs in effect for `acct` from a live snapshot, or the finding that says why they cannot
/// be judged: not in an organization, the management account (`management_note` says what that
/// means for the check), membership or policies unreadable, SCPs not enabled.
pub(crate) fn in_effect<'a>(
    cx: &Context<'a>,
    info: &CheckInfo,
    acct: &Account,
    res: &Resource,
    management_note: &str,
) -> Result<Vec<&'a Scp>, Box<Finding>> {
    let me = acct.account_id.as_str();
    let m = match &acct.organization {
        Read::Ok(None) => {
            return Err(Box::new(cx.finding(
                info,
                Status::NotApplicable,
                res.clone(),
                "the account is not in an AWS Organization",
            )));
        }
        Read::Error(e) => {
            let (s, r) = unreadable("the account's organization membership", e);
            return Err(Box::new(cx.finding(info, s, res.clone(), r)));
        }
        Read::Ok(Some(m)) => m,
    };
    if m.management_account_id == me {
        return Err(Box::new(cx.finding(
            info,
            Status::NotApplicable,
            res.clone(),
            management_note,
        )));
    }
    match &cx.snap.organization {
        Some(Read::Ok(o)) if o.id == m.organization_id => {
            if o.scps_enabled {
                Ok(effective(o, me))
            } else {
                Err(Box::new(cx.finding(
                    info,
                    Status::Fail,
                    res.clone(),
                    format!("service control policies are not enabled in organization {}", o.id),
                )))
            }
        }
        Some(Read::Error(e)) => {
            let (s, r) = unreadable("the organization's service control policies", e);
            Err(Box::new(cx.finding(info, s, res.clone(), r)))
        }
        _ => Err(Box::new(cx.finding(
            info,
            Status::Manual,
            res.clone(),
            format!(
                "SCPs of organization {} can only be read from its management account {} (or a delegated administrator): collect from there with --org",
                m.organization_id, m.management_account_id
            ),
        ))),
    }
}

/// How one action fares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Denied by `by`; `exempt` when a break-glass condition exempts some principals.
    Denied { by: String, exempt: bool },
    /// Denied only under other conditions (described).
    Narrowed(String),
    /// Not denied.
    Allowed,
}

/// Condition keys whose negative test exempts a break-glass principal.
const PRINCIPAL_KEYS: &[&str] = &["aws:principalarn", "aws:userid", "aws:username", "aws:principalaccount"];

/// The SCPs that apply to `account`: attached to it, to any OU above it, or to the root.
pub(crate) fn effective<'a>(org: &'a Organization, account: &str) -> Vec<&'a Scp> {
    let mut chain = vec![account.to_string()];
    let mut cur = account.to_string();
    for _ in 0..16 {
        let Some(parent) = org.nodes.iter().find(|n| n.id == cur).and_then(|n| n.parent.clone()) else {
            break;
        };
        chain.push(parent.clone());
        cur = parent;
    }
    // Roots always apply, even when the tree was not read completely.
    chain.extend(org.nodes.iter().filter(|n| n.kind == "ROOT").map(|n| n.id.clone()));
    org.policies
        .iter()
        .filter(|p| p.targets.iter().any(|t| chain.contains(t)))
        .collect()
}

/// Evaluate `actions` on `resource` against `policies`.
pub(crate) fn evaluate(policies: &[&Scp], actions: &[&str], resource: &str) -> (Vec<(String, Outcome)>, Vec<String>) {
    let mut errors = Vec::new();
    let parsed: Vec<(&Scp, Policy)> = policies
        .iter()
        .filter_map(|p| match Policy::parse(&p.content) {
            Ok(x) => Some((*p, x)),
            Err(e) => {
                errors.push(format!("SCP {} ({}) cannot be read: {e}", p.name, p.id));
                None
            }
        })
        .collect();
    let mut out = Vec::new();
    for action in actions {
        let mut best = Outcome::Allowed;
        for (scp, pol) in &parsed {
            for (i, s) in pol.indexed() {
                if s.effect != Effect::Deny || !s.has_action(action) || !s.has_resource(resource) {
                    continue;
                }
                let by = format!("SCP {} {}", scp.name, s.label(i));
                let exempting = s
                    .conditions
                    .iter()
                    .filter(|c| {
                        c.is_negative()
                            && (PRINCIPAL_KEYS.contains(&c.key.as_str()) || c.key.starts_with("aws:principaltag/"))
                    })
                    .count();
                let other: Vec<String> = s
                    .conditions
                    .iter()
                    .filter(|c| {
                        !(c.is_negative()
                            && (PRINCIPAL_KEYS.contains(&c.key.as_str()) || c.key.starts_with("aws:principaltag/")))
                    })
                    .map(|c| format!("{} {}", c.operator, c.key))
                    .collect();
                let o = if !other.is_empty() {
                    Outcome::Narrowed(format!("{by} denies it only when {}", other.join(", ")))
                } else {
                    Outcome::Denied {
                        by,
                        exempt: exempting > 0,
                    }
                };
                best = match (&best, o) {
                    (Outcome::Denied { exempt: true, .. }, _) => best,
                    (_, o @ Outcome::Denied { .. }) => o,
                    (Outcome::Allowed, o) => o,
                    (_, _) => best,
                };
            }
        }
        out.push((action.to_string(), best));
    }
    (out, errors)
}

/// Summarise outcomes: (all denied with exemption, problems, evidence).
pub(crate) fn summarise(outcomes: &[(String, Outcome)]) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    for (a, o) in outcomes {
        match o {
            Outcome::Denied { by, exempt: true } => {
                evidence.push(format!("{a}: denied by {by}, with a break-glass exemption"))
            }
            Outcome::Denied { by, exempt: false } => {
                evidence.push(format!("{a}: denied by {by}"));
                problems.push(format!("{a} is denied without a break-glass exemption (no negative aws:PrincipalArn condition): nobody can repair the trail in an emergency"));
            }
            Outcome::Narrowed(d) => problems.push(format!("{a} is not always denied: {d}")),
            Outcome::Allowed => problems.push(format!("{a} is not denied by any SCP")),
        }
    }
    (problems, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::OrgNode;

    fn scp(content: &str, targets: &[&str]) -> Scp {
        Scp {
            id: "p-1".into(),
            name: "protect".into(),
            aws_managed: false,
            content: content.into(),
            targets: targets.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn effective_and_evaluate() {
        let org = Organization {
            id: "o-1".into(),
            management_account_id: "111111111111".into(),
            nodes: vec![
                OrgNode {
                    id: "r-1".into(),
                    kind: "ROOT".into(),
                    parent: None,
                    name: None,
                },
                OrgNode {
                    id: "ou-1".into(),
                    kind: "ORGANIZATIONAL_UNIT".into(),
                    parent: Some("r-1".into()),
                    name: None,
                },
                OrgNode {
                    id: "222222222222".into(),
                    kind: "ACCOUNT".into(),
                    parent: Some("ou-1".into()),
                    name: None,
                },
            ],
            scps_enabled: true,
            policies: vec![
                scp(
                    r#"{"Statement":[{"Effect":"Deny","Action":["cloudtrail:StopLogging","cloudtrail:DeleteTrail"],"Resource":"*",
                       "Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/BreakGlass"}}}]}"#,
                    &["ou-1"],
                ),
                scp(
                    r#"{"Statement":[{"Effect":"Deny","Action":"cloudtrail:UpdateTrail","Resource":"*"}]}"#,
                    &["ou-2"],
                ),
            ],
            ..Organization::default()
        };
        let eff = effective(&org, "222222222222");
        assert_eq!(eff.len(), 1);
        let (out, errors) = evaluate(
            &eff,
            &["cloudtrail:StopLogging", "cloudtrail:UpdateTrail"],
            "arn:aws:cloudtrail:us-east-1:222222222222:trail/t",
        );
        assert!(errors.is_empty());
        assert!(matches!(out[0].1, Outcome::Denied { exempt: true, .. }));
        assert_eq!(out[1].1, Outcome::Allowed);
        let (problems, _) = summarise(&out);
        assert_eq!(problems.len(), 1);
    }
}
