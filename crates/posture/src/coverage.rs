//! Does a metric filter's pattern cover a prescribed pattern? The one seam between the posture
//! checks and the filter-pattern engine (`crates/pattern`).
//!
//! "Covers" means: every event the prescribed pattern matches is matched by the candidate. It is
//! decided by parsing both patterns and comparing what they match, never by comparing text —
//! with one exception that is sound by construction: two patterns that are the same token for
//! token (whitespace outside quoted strings ignored) match the same events.
//!
//! Until the engine is part of this build, any other pair is [`Coverage::Unknown`], which the
//! alarm checks report as `MANUAL` with the filter and the pattern to compare, never as a
//! guessed `PASS` or `FAIL`.

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
        /// Why (an example event, the clause that narrows).
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
    Coverage::Unknown {
        reason: "deciding whether a different pattern covers the published one needs the filter-pattern engine, which this build does not include yet".to_string(),
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
        // Anything else is not decided by text.
        assert!(matches!(
            covers(r#"{ ($.eventName = UpdateTrail) || ($.eventName = CreateTrail) }"#, cis),
            Coverage::Unknown { .. }
        ));
    }
}
