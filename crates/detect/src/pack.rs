//! The built-in packs, written by the trailguard authors as rule files and embedded in the binary.

use crate::file::{RuleFileError, parse_rules};
use crate::rule::{Origin, Rule};

/// A built-in pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pack {
    /// Its name (`cis`, `trail-tamper`, `threats`).
    pub name: &'static str,
    /// What it covers.
    pub summary: &'static str,
    /// The rule file's text.
    pub text: &'static str,
}

/// Every built-in pack.
pub const PACKS: [Pack; 3] = [
    Pack {
        name: "cis",
        summary: "CIS AWS Foundations monitoring alarms 4.1–4.16 (Security Hub CloudWatch.1–14), with the prescribed filter patterns",
        text: include_str!("../packs/cis.yaml"),
    },
    Pack {
        name: "trail-tamper",
        summary: "Everything that weakens the audit trail: logging stopped, trails deleted or narrowed, selectors, the trail's KMS key and log bucket, event data stores",
        text: include_str!("../packs/trail-tamper.yaml"),
    },
    Pack {
        name: "threats",
        summary: "Credential and identity abuse: root use, sign-in without MFA, keys for other users, secret and key bursts, enumeration, privilege escalation, Identity Center changes, exfiltration signs",
        text: include_str!("../packs/threats.yaml"),
    },
];

/// A pack name that is not built in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown pack {0:?} (built-in packs: cis, trail-tamper, threats)")]
pub struct UnknownPack(pub String);

impl Pack {
    /// The pack called `name`.
    pub fn named(name: &str) -> Result<Pack, UnknownPack> {
        PACKS
            .iter()
            .find(|p| p.name == name)
            .copied()
            .ok_or_else(|| UnknownPack(name.to_owned()))
    }

    /// Its rules.
    pub fn rules(&self) -> Result<Vec<Rule>, RuleFileError> {
        parse_rules(
            &format!("packs/{}.yaml", self.name),
            self.text,
            &Origin::Pack(self.name.to_owned()),
        )
    }
}

/// The rules of every built-in pack.
pub fn all_pack_rules() -> Result<Vec<Rule>, RuleFileError> {
    let mut out = Vec::new();
    for p in PACKS {
        out.extend(p.rules()?);
    }
    Ok(out)
}
