//! IAM: customer-managed and inline policies that could grant CloudTrail or KMS tampering
//! (`GetAccountAuthorizationDetails`, documents URL-decoded).

use std::collections::BTreeMap;

use aws_sdk_iam::types::EntityType;
use trailguard_posture::policy::may_grant_tampering;
use trailguard_posture::snapshot::{Iam, IamPolicy, ReadError};

use crate::clients::Clients;
use crate::errors::read_error;

/// Decode IAM's URL-encoded policy documents (`%7B%22Version…`).
pub(crate) fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decoded(doc: &str) -> String {
    let t = doc.trim_start();
    if t.starts_with('{') {
        doc.to_string()
    } else {
        url_decode(doc)
    }
}

pub(crate) async fn policies(c: &Clients) -> Result<Iam, ReadError> {
    let iam = c.iam();
    let mut out = Iam::default();
    // policy ARN -> holders
    let mut attached: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut managed: Vec<(String, String, String)> = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .get_account_authorization_details()
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::Role)
            .filter(EntityType::User)
            .filter(EntityType::Group)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| read_error("iam:GetAccountAuthorizationDetails", &e, false))?;
        for u in page.user_detail_list() {
            let who = format!("user/{}", u.user_name().unwrap_or_default());
            for p in u.attached_managed_policies() {
                attached
                    .entry(p.policy_arn().unwrap_or_default().to_string())
                    .or_default()
                    .push(who.clone());
            }
            for p in u.user_policy_list() {
                inline(&mut out, &who, p.policy_name(), p.policy_document());
            }
        }
        for r in page.role_detail_list() {
            let who = format!("role/{}", r.role_name().unwrap_or_default());
            for p in r.attached_managed_policies() {
                attached
                    .entry(p.policy_arn().unwrap_or_default().to_string())
                    .or_default()
                    .push(who.clone());
            }
            for p in r.role_policy_list() {
                inline(&mut out, &who, p.policy_name(), p.policy_document());
            }
        }
        for g in page.group_detail_list() {
            let who = format!("group/{}", g.group_name().unwrap_or_default());
            for p in g.attached_managed_policies() {
                attached
                    .entry(p.policy_arn().unwrap_or_default().to_string())
                    .or_default()
                    .push(who.clone());
            }
            for p in g.group_policy_list() {
                inline(&mut out, &who, p.policy_name(), p.policy_document());
            }
        }
        for p in page.policies() {
            let default = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| v.document());
            if let Some(doc) = default {
                out.examined += 1;
                let doc = decoded(doc);
                if may_grant_tampering(&doc) {
                    managed.push((
                        p.policy_name().unwrap_or_default().to_string(),
                        p.arn().unwrap_or_default().to_string(),
                        doc,
                    ));
                }
            }
        }
        match (page.is_truncated(), page.marker()) {
            (true, Some(m)) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    for (name, arn, document) in managed {
        out.policies.push(IamPolicy {
            name,
            attached_to: attached.get(&arn).cloned().unwrap_or_default(),
            id: arn,
            kind: "managed".into(),
            document,
        });
    }
    Ok(out)
}

fn inline(out: &mut Iam, who: &str, name: Option<&str>, doc: Option<&str>) {
    let Some(doc) = doc else { return };
    out.examined += 1;
    let doc = decoded(doc);
    if may_grant_tampering(&doc) {
        let name = name.unwrap_or_default().to_string();
        out.policies.push(IamPolicy {
            id: format!("{who}/{name}"),
            name,
            kind: "inline".into(),
            attached_to: vec![who.to_string()],
            document: doc,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(url_decode("%7B%22a%22%3A1%7D"), "{\"a\":1}");
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz"), "%zz");
        assert_eq!(decoded("{\"x\":1}"), "{\"x\":1}");
    }
}
