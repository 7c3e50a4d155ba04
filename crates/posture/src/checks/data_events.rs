//! Shared logic of the data-event checks (CT-028, CT-029, CT-030).

use crate::check::{CheckInfo, Finding, Resource, Status, unreadable};
use crate::selectors;
use crate::world::{Context, WithEvidence};

use super::common::worst_unknown;

/// Which events.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Read,
    Write,
    Both,
}

pub(crate) fn run(cx: &Context<'_>, info: &CheckInfo, resource_type: &str, want: Want, label: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let res = Resource::account(&acct.account_id);
        if resource_type == "AWS::S3::Object" && !cx.iac() && acct.bucket_names.ok().is_some_and(|b| b.is_empty()) {
            out.push(cx.finding(info, Status::NotApplicable, res, "the account has no S3 bucket"));
            continue;
        }
        let trails = cx.world.trails_for(&acct.account_id);
        let mut unknowns = Vec::new();
        let mut partial = Vec::new();
        let mut pass = None;
        for t in trails.iter().filter(|t| t.trail.is_multi_region) {
            match t.logging() {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    unknowns.push(unreadable(&format!("the status of trail {}", t.trail.name), &e));
                    continue;
                }
            }
            let Some(d) = t.detail() else { continue };
            let sel = match d.selectors.as_result() {
                Ok(s) => s,
                Err(e) => {
                    unknowns.push(unreadable(&format!("the event selectors of trail {}", t.trail.name), e));
                    continue;
                }
            };
            let cov = selectors::data(sel, resource_type, &cx.snap.partition);
            let ok = match want {
                Want::Read => cov.all_read,
                Want::Write => cov.all_write,
                Want::Both => cov.all_read && cov.all_write,
            };
            if ok {
                pass = Some(*t);
                break;
            }
            partial.extend(cov.partial.iter().map(|p| format!("{}: {p}", t.trail.name)));
            if cov.all_read && want != Want::Read {
                partial.push(format!("{}: logs {resource_type} read events only", t.trail.name));
            }
            if cov.all_write && want != Want::Write {
                partial.push(format!("{}: logs {resource_type} write events only", t.trail.name));
            }
        }
        let f = if let Some(t) = pass {
            cx.finding(
                info,
                Status::Pass,
                res,
                format!("multi-region trail {} logs {label} for every resource", t.trail.name),
            )
        } else if let Some((s, r)) = worst_unknown(&unknowns) {
            cx.finding(info, s, res, r)
        } else if trails.is_empty() && cx.iac() {
            cx.finding(info, Status::NotApplicable, res, "the template defines no trail")
        } else {
            cx.finding(
                info,
                Status::Fail,
                res,
                if partial.is_empty() {
                    format!("no logging multi-region trail logs {label}")
                } else {
                    format!("no logging multi-region trail logs {label} for every resource (only some are)")
                },
            )
            .evidence(partial)
        };
        out.push(f);
    }
    out
}
