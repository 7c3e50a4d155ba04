//! Does a metric filter's pattern cover a prescribed pattern? The one seam between the posture
//! checks and the filter-pattern engine (`trailguard_pattern`).
//!
//! "Covers" means: every CloudTrail record the prescribed pattern matches is matched by the
//! candidate. It is decided by parsing both patterns and comparing what they match
//! ([`trailguard_pattern::covers`]), never by comparing text — so clause order, quoting,
//! spacing, parentheses and extra alternatives do not matter, while a narrowing extra condition
//! or a missing alternative does. Two patterns that are the same token for token (whitespace
//! outside quoted strings ignored) match the same records, which needs no parsing.
//!
//! What the engine cannot decide (a filter it cannot read, a regex it cannot reason about) is
//! [`Coverage::Unknown`], which the alarm checks report as `MANUAL` with the filter and the
//! pattern to compare, never as a guessed `PASS` or `FAIL`.

use trailguard_pattern::{Coverage as Engine, Pattern};

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every event the required pattern matches is matched by the candidate.
    Covers {
        /// How it was decided (for the evidence).
        how: String,
    },
    /// Some event the required pattern matches is not matched by the candidate.
    DoesNotCover {
        /// Why (the field values of a record the filter misses).
        reason: String,
    },
    /// Could not be decided.
    Unknown {
        /// Why.
        reason: String,
    },
}

/// Whether `candidate` covers `required`.
pub fn covers(candidate: &str, required: &str) -> Coverage {
    if same_tokens(candidate, required) {
        return Coverage::Covers {
            how: "the filter is the published pattern (same tokens)".to_string(),
        };
    }
    let required = match Pattern::parse(required) {
        Ok(p) => p,
        Err(e) => {
            return Coverage::Unknown {
                reason: format!("the prescribed pattern cannot be read: {e}"),
            };
        }
    };
    let candidate = match Pattern::parse(candidate) {
        Ok(p) => p,
        Err(e) => {
            return Coverage::Unknown {
                reason: format!("the filter pattern cannot be read by trailguard ({e}); compare it by hand"),
            };
        }
    };
    match trailguard_pattern::covers(&candidate, &required) {
        Engine::Covers => Coverage::Covers {
            how: "it matches every record the published pattern matches".to_string(),
        },
        Engine::DoesNotCover { missed } => {
            let examples: Vec<String> = missed
                .iter()
                .take(3)
                .map(|m| m.conditions.join(" and "))
                .filter(|c| !c.is_empty())
                .collect();
            Coverage::DoesNotCover {
                reason: if examples.is_empty() {
                    "it misses records the published pattern matches".to_string()
                } else {
                    format!("it misses records where {}", examples.join("; or where "))
                },
            }
        }
        Engine::Unknown { reason } => Coverage::Unknown { reason },
    }
}

/// `--strict-exact` (Security Hub's rule): the text equals a published pattern, ignoring only
/// whitespace outside quoted strings.
pub fn exactly(candidate: &str, published: &str) -> bool {
    same_tokens(candidate, published)
}

/// Text with whitespace outside double-quoted strings removed. Inside quotes every character
/// counts (a backslash escapes the next one).
pub fn normalized(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_quotes = false;
    let mut escaped = false;
    for c in pattern.chars() {
        if in_quotes {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
        } else if c == '"' {
            in_quotes = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

fn same_tokens(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_tokens_cover() {
        let cis = r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) }"#;
        assert!(matches!(
            covers(r#"{($.eventName=CreateTrail)||($.eventName=UpdateTrail)}"#, cis),
            Coverage::Covers { .. }
        ));
        // Whitespace inside quotes is significant.
        assert_ne!(normalized(r#"{ $.a = "x y" }"#), normalized(r#"{ $.a = "xy" }"#));
        // Reordered clauses are decided by meaning: they cover.
        assert!(matches!(
            covers(r#"{ ($.eventName = UpdateTrail) || ($.eventName = CreateTrail) }"#, cis),
            Coverage::Covers { .. }
        ));
        // A missing alternative does not cover, and the reason names what is missed.
        match covers(r#"{ $.eventName = CreateTrail }"#, cis) {
            Coverage::DoesNotCover { reason } => assert!(reason.contains("UpdateTrail"), "{reason}"),
            other => panic!("{other:?}"),
        }
        // An extra narrowing condition does not cover.
        assert!(matches!(
            covers(
                r#"{ (($.eventName = CreateTrail) || ($.eventName = UpdateTrail)) && $.awsRegion = "us-east-1" }"#,
                cis
            ),
            Coverage::DoesNotCover { .. }
        ));
        // An extra alternative still covers.
        assert!(matches!(
            covers(
                r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = PutEventSelectors) }"#,
                cis
            ),
            Coverage::Covers { .. }
        ));
    }
}
