//! Warnings about rules that load and run but probably do not do what their author meant. They
//! never change what a rule matches (the SigmaHQ rules are reproduced, quirks included).
//!
//! | code | finding |
//! |---|---|
//! | `unknown-field` | the field's top-level name is not a CloudTrail field, so the item can never hold (SigmaHQ's `aws_delete_saml_provider` tests `status`) |
//! | `field-path-literal` | a value looks like a CloudTrail field path but is compared as text: did you mean `fieldref`? (`aws_iam_backdoor_users_keys`) |
//! | `unused-search` | a search identifier the condition never uses |

use std::sync::Arc;

use trailguard_model::FieldId;

use crate::condition::Cond;
use crate::detection::{Item, Matcher, Search, Test};
use crate::problem::{Problem, ProblemKind};
use crate::rule::RuleInfo;

/// Top-level CloudTrail member names.
fn top_level_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = FieldId::ALL
        .iter()
        .map(|f| f.path().split('.').next().unwrap_or_default())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn used(cond: &Cond, out: &mut Vec<usize>) {
    match cond {
        Cond::Search(i) => out.push(*i),
        Cond::Not(c) => used(c, out),
        Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| used(c, out)),
        Cond::Of { ids, .. } => out.extend(ids),
    }
}

fn looks_like_path(text: &str, tops: &[&str]) -> bool {
    let t = text.trim_matches('*');
    let mut parts = t.split('.');
    let Some(first) = parts.next() else { return false };
    t.contains('.')
        && tops.contains(&first)
        && t.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

pub(crate) fn lint_rule(info: &Arc<RuleInfo>, searches: &[Search], cond: &Cond, out: &mut Vec<Problem>) {
    let tops = top_level_names();
    let mut warn = |pos: Option<crate::yaml::Pos>, field: Option<String>, code: &'static str, message: String| {
        let mut origin = info.origin.clone();
        if let Some(p) = pos {
            origin.pos = p;
        }
        out.push(Problem {
            origin,
            rule: Some(info.title.clone()),
            field,
            kind: ProblemKind::Lint { code, message },
        });
    };
    let mut ids = Vec::new();
    used(cond, &mut ids);
    for (i, s) in searches.iter().enumerate() {
        if !ids.contains(&i) && !s.name.starts_with('_') {
            warn(
                None,
                Some(format!("detection.{}", s.name)),
                "unused-search",
                format!("the condition never uses `{}`", s.name),
            );
        }
        for item in s.branches.iter().flatten() {
            let Item::Field(f) = item else { continue };
            let field = Some(format!("detection.{}.{}", s.name, f.key));
            let first = f.path.as_str().split('.').next().unwrap_or_default();
            if !tops.contains(&first) {
                warn(
                    Some(f.pos),
                    field.clone(),
                    "unknown-field",
                    format!("`{first}` is not a CloudTrail field, so this item never holds on CloudTrail records"),
                );
            }
            if let Test::Values { alts, .. } = &f.test {
                for vt in alts.iter().flatten() {
                    if matches!(vt.m, Matcher::Str(_)) && looks_like_path(&vt.shown, &tops) {
                        warn(
                            Some(f.pos),
                            field.clone(),
                            "field-path-literal",
                            format!(
                                "the value `{}` looks like a field path but is compared as text; did you mean `{}|fieldref`?",
                                vt.shown.trim_matches('*'),
                                f.key
                            ),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let tops = top_level_names();
        assert!(tops.contains(&"userIdentity") && tops.contains(&"requestParameters") && tops.contains(&"resources"));
        assert!(looks_like_path("*responseElements.accessKey.userName*", &tops));
        assert!(!looks_like_path("iam.amazonaws.com", &tops));
        assert!(!looks_like_path("userIdentity", &tops));
    }
}
