//! AWS Organizations: the tree (root, OUs, accounts) and the service control policies with
//! their targets, read from the management account or a delegated administrator.

use trailguard_posture::snapshot::{OrgAccount, OrgNode, Organization, Read, Scp};

use crate::clients::Clients;
use crate::errors::read_error;

/// Most nodes walked (a guard against a runaway tree).
const MAX_NODES: usize = 20_000;

pub(crate) async fn organization(c: &Clients) -> Read<Organization> {
    match read(c).await {
        Ok(o) => Read::Ok(o),
        Err(e) => Read::Error(e),
    }
}

async fn read(c: &Clients) -> Result<Organization, trailguard_posture::snapshot::ReadError> {
    let org = c.organizations();
    let d = org
        .describe_organization()
        .send()
        .await
        .map_err(|e| read_error("organizations:DescribeOrganization", &e, false))?;
    let o = d.organization();
    let mut out = Organization {
        id: o.and_then(|o| o.id()).unwrap_or_default().to_string(),
        management_account_id: o.and_then(|o| o.master_account_id()).unwrap_or_default().to_string(),
        feature_set: o.and_then(|o| o.feature_set()).map(|f| f.as_str().to_string()),
        ..Organization::default()
    };
    let mut token: Option<String> = None;
    loop {
        let p = org
            .list_accounts()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| read_error("organizations:ListAccounts", &e, false))?;
        out.accounts.extend(p.accounts().iter().map(|a| {
            OrgAccount {
                id: a.id().unwrap_or_default().to_string(),
                name: a.name().map(str::to_string),
                status: a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .or_else(|| a.status().map(|s| s.as_str().to_string()))
                    .unwrap_or_default(),
            }
        }));
        match p.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    let roots = org
        .list_roots()
        .send()
        .await
        .map_err(|e| read_error("organizations:ListRoots", &e, false))?;
    let mut queue: Vec<String> = Vec::new();
    for r in roots.roots() {
        let id = r.id().unwrap_or_default().to_string();
        out.scps_enabled |= r.policy_types().iter().any(|p| {
            p.r#type().is_some_and(|t| t.as_str() == "SERVICE_CONTROL_POLICY")
                && p.status().is_some_and(|s| s.as_str() == "ENABLED")
        });
        out.nodes.push(OrgNode {
            id: id.clone(),
            kind: "ROOT".into(),
            parent: None,
            name: r.name().map(str::to_string),
        });
        queue.push(id);
    }
    while let Some(parent) = queue.pop() {
        if out.nodes.len() > MAX_NODES {
            break;
        }
        let mut token: Option<String> = None;
        loop {
            let p = org
                .list_organizational_units_for_parent()
                .parent_id(&parent)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| read_error("organizations:ListOrganizationalUnitsForParent", &e, false))?;
            for ou in p.organizational_units() {
                let id = ou.id().unwrap_or_default().to_string();
                out.nodes.push(OrgNode {
                    id: id.clone(),
                    kind: "ORGANIZATIONAL_UNIT".into(),
                    parent: Some(parent.clone()),
                    name: ou.name().map(str::to_string),
                });
                queue.push(id);
            }
            match p.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        let mut token: Option<String> = None;
        loop {
            let p = org
                .list_accounts_for_parent()
                .parent_id(&parent)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| read_error("organizations:ListAccountsForParent", &e, false))?;
            for a in p.accounts() {
                out.nodes.push(OrgNode {
                    id: a.id().unwrap_or_default().to_string(),
                    kind: "ACCOUNT".into(),
                    parent: Some(parent.clone()),
                    name: a.name().map(str::to_string),
                });
            }
            match p.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    let mut token: Option<String> = None;
    let mut summaries = Vec::new();
    loop {
        let p = org
            .list_policies()
            .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| read_error("organizations:ListPolicies", &e, false))?;
        summaries.extend(p.policies().iter().cloned());
        match p.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    for s in summaries {
        let id = s.id().unwrap_or_default().to_string();
        let content = org
            .describe_policy()
            .policy_id(&id)
            .send()
            .await
            .map_err(|e| read_error("organizations:DescribePolicy", &e, false))?
            .policy()
            .and_then(|p| p.content())
            .unwrap_or_default()
            .to_string();
        let mut targets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let p = org
                .list_targets_for_policy()
                .policy_id(&id)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| read_error("organizations:ListTargetsForPolicy", &e, false))?;
            targets.extend(p.targets().iter().filter_map(|t| t.target_id().map(str::to_string)));
            match p.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        out.policies.push(Scp {
            id,
            name: s.name().unwrap_or_default().to_string(),
            aws_managed: s.aws_managed(),
            content,
            targets,
        });
    }
    Ok(out)
}
