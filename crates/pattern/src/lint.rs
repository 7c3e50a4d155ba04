//! `lint`: would CloudWatch Logs accept this pattern, and is it what the author meant?
//!
//! Errors (`FP1xx`, `FP2xx`) are what AWS rejects: the 1024-character limit, regex quotas and
//! characters, `EXISTS` / `IS NOT`, wildcard quotas, numeric operators on strings, `$[0]`, bracket
//! keys in double quotes, unquoted terms with symbols, cross-column conditions, unbalanced text.
//! Warnings (`FP3xx`) are accepted patterns that probably do not do what was meant, most of them
//! specific to CloudTrail records (a `!=` on a field CloudTrail often leaves out is false on
//! records without it; the all-`||` CIS 4.1 variant matches nearly every record).

use trailguard_model::{FieldId, Step};

use crate::ast::{Ast, Check, Expr, Field, Literal, Op, Selector, Span, TermKind, Test, Wildcard, selector_text};
use crate::diag::{Code, Diagnostic};

/// The longest pattern CloudWatch Logs accepts, in characters.
pub const AWS_MAX_CHARS: usize = 1024;
/// The most regular expressions CloudWatch Logs accepts in one JSON or space-delimited pattern.
pub const AWS_MAX_REGEXES: usize = 2;
/// The most wildcard selectors CloudWatch Logs accepts in one JSON pattern.
pub const AWS_MAX_WILDCARD_SELECTORS: usize = 3;

/// Fields CloudTrail writes on every record (eventType and eventCategory on every record of the
/// versions that have them).
const ALWAYS_PRESENT: &[&str] = &[
    "eventVersion",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "eventID",
    "eventType",
    "eventCategory",
    "recipientAccountId",
];

/// Every diagnostic for `pattern`: the parse error if it cannot be read, else what AWS would
/// reject and what looks like a mistake, in the order they appear in the pattern.
pub fn lint(pattern: &str) -> Vec<Diagnostic> {
    match crate::parse::parse(pattern) {
        Err(e) => vec![Diagnostic::from_parse_error(&e)],
        Ok(parsed) => {
            let mut out = parsed.notes;
            out.extend(check(&parsed.ast, pattern));
            sort(&mut out);
            out
        }
    }
}

pub(crate) fn sort(d: &mut [Diagnostic]) {
    d.sort_by_key(|a| (a.span.start, a.code, a.span.end));
}

/// The checks that need the whole tree.
pub(crate) fn check(ast: &Ast, pattern: &str) -> Vec<Diagnostic> {
    let mut c = Checker {
        pattern,
        out: Vec::new(),
    };
    let chars = pattern.chars().count();
    if chars > AWS_MAX_CHARS {
        let cut = pattern
            .char_indices()
            .nth(AWS_MAX_CHARS)
            .map_or(pattern.len(), |(i, _)| i);
        c.push(
            Code::PatternTooLong,
            Span::new(cut, pattern.len()),
            format!(
                "the pattern is {chars} characters long; CloudWatch Logs accepts at most {AWS_MAX_CHARS} (split it into several filters)"
            ),
            None,
        );
    }
    let mut regexes: Vec<Span> = Vec::new();
    match ast {
        Ast::MatchAll => {}
        Ast::Regex(r) => {
            c.regex_source(&r.source, r.span.start + 1);
            regexes.push(r.span);
        }
        Ast::Terms(terms) => {
            let optional: Vec<_> = terms.iter().filter(|t| t.kind == TermKind::Optional).collect();
            if let Some(first) = optional.first()
                && optional.len() < terms.len()
            {
                let span = first.span.to(optional[optional.len() - 1].span);
                c.push(
                    Code::OptionalTermsIgnored,
                    span,
                    "CloudWatch Logs ignores `?` terms when plain or `-` terms are present, so this pattern matches as if they were not written (the AWS CDK's anyTermGroup reads such a pattern differently); write the `?` terms in a pattern of their own",
                    None,
                );
            }
        }
        Ast::Json(e) => {
            let mut wildcard_selectors = Vec::new();
            e.for_each_test(&mut |t| {
                if let Check::Compare {
                    value: Literal::Regex(r),
                    ..
                } = &t.check
                {
                    regexes.push(r.span);
                }
                if t.selector.wildcards() > 0 {
                    wildcard_selectors.push(t.selector.span);
                }
            });
            e.for_each_test(&mut |t| c.test(t));
            c.not_equal_missing(e, &[]);
            c.almost_everything(e);
            if wildcard_selectors.len() > AWS_MAX_WILDCARD_SELECTORS {
                c.push(
                    Code::WildcardSelectors,
                    wildcard_selectors[AWS_MAX_WILDCARD_SELECTORS],
                    format!(
                        "the pattern has {} selectors with wildcards; CloudWatch Logs accepts at most {AWS_MAX_WILDCARD_SELECTORS}",
                        wildcard_selectors.len()
                    ),
                    None,
                );
            }
        }
        Ast::Delimited(fields) => {
            let mut names: Vec<&str> = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                let Field::Column(col) = f else { continue };
                for cond in col.conditions.iter().flatten() {
                    if let Literal::Regex(r) = &cond.value {
                        regexes.push(r.span);
                    }
                }
                if names.contains(&col.name.as_str()) {
                    c.push(
                        Code::DuplicateColumn,
                        col.span,
                        format!("two columns are named `{}`; each value is extracted as `${}`, so the later one hides the earlier", col.name, col.name),
                        None,
                    );
                }
                names.push(&col.name);
                if i + 1 == fields.len() && !col.conditions.is_empty() {
                    c.push(
                        Code::LastFieldTakesRest,
                        col.span,
                        format!(
                            "the last field takes the rest of the line, so `{}` is tested against everything from its position on; add a trailing field, as AWS does in `[w1=ERROR, w2]`",
                            col.name
                        ),
                        None,
                    );
                }
            }
        }
    }
    if matches!(ast, Ast::Json(_) | Ast::Delimited(_)) {
        for e in &ast_regex_sources(ast) {
            c.regex_source(&e.0, e.1);
        }
        if regexes.len() > AWS_MAX_REGEXES {
            c.push(
                Code::TooManyRegexes,
                regexes[AWS_MAX_REGEXES],
                format!(
                    "the pattern has {} regular expressions; CloudWatch Logs accepts at most {AWS_MAX_REGEXES} in a JSON or space-delimited pattern",
                    regexes.len()
                ),
                None,
            );
        }
    }
    if let Some(first) = regexes.first() {
        c.push(
            Code::RegexQuota,
            *first,
            "a log group takes at most 5 filter patterns with regular expressions (metric and subscription filters together)",
            None,
        );
    }
    c.out
}

fn ast_regex_sources(ast: &Ast) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    match ast {
        Ast::Json(e) => e.for_each_test(&mut |t| {
            if let Check::Compare {
                value: Literal::Regex(r),
                ..
            } = &t.check
            {
                out.push((r.source.clone(), r.span.start + 1));
            }
        }),
        Ast::Delimited(fields) => {
            for f in fields {
                if let Field::Column(col) = f {
                    for cond in col.conditions.iter().flatten() {
                        if let Literal::Regex(r) = &cond.value {
                            out.push((r.source.clone(), r.span.start + 1));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    out
}

struct Checker<'a> {
    pattern: &'a str,
    out: Vec<Diagnostic>,
}

/// Whether a selector names a field CloudTrail writes on every record.
fn always_present(sel: &Selector) -> bool {
    sel.dotted().is_some_and(|d| ALWAYS_PRESENT.contains(&d.as_str()))
}

impl Checker<'_> {
    fn push(&mut self, code: Code, span: Span, message: impl Into<String>, replacement: Option<String>) {
        self.out
            .push(Diagnostic::new(code, span, message, replacement, self.pattern));
    }

    fn regex_source(&mut self, source: &str, at: usize) {
        // An unescaped `.` between two letters or digits, as in `%10.10.0.1%` or `%amazonaws.com%`.
        let b = source.as_bytes();
        let mut in_class = false;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 1,
                b'[' => in_class = true,
                b']' => in_class = false,
                b'.' if !in_class
                    && i > 0
                    && i + 1 < b.len()
                    && b[i - 1].is_ascii_alphanumeric()
                    && b[i + 1].is_ascii_alphanumeric() =>
                {
                    self.push(
                        Code::UnescapedDot,
                        Span::new(at + i, at + i + 1),
                        "`.` matches any character (`%10.10.0.1%` also matches `10010,051`); write `\\.` for a dot",
                        Some("\\.".to_owned()),
                    );
                    return;
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn test(&mut self, t: &Test) {
        let sel = &t.selector;
        if sel.wildcards() > 1 {
            self.push(
                Code::SelectorWildcards,
                sel.span,
                format!(
                    "`{sel}` has {} wildcards; CloudWatch Logs accepts at most one per selector",
                    sel.wildcards()
                ),
                None,
            );
        }
        self.field_names(sel);
        let Check::Compare { op, value } = &t.check else { return };
        if let Literal::Str(s) = value {
            let w = s.wildcard();
            if *op == Op::Ne && w == Wildcard::Any {
                self.push(
                    Code::NeverMatches,
                    t.span,
                    format!("`{sel} != *` is never true (`*` matches every string and number); to match records without the field write `{sel} NOT EXISTS`"),
                    Some(format!("{sel} NOT EXISTS")),
                );
            }
            let boolean_field = sel.dotted().is_some_and(|d| d == "readOnly" || d == "managementEvent");
            if matches!(op, Op::Eq | Op::Ne)
                && (matches!(&w, Wildcard::Exact(x) if x == "true" || x == "false")
                    || boolean_field && w != Wildcard::Any)
            {
                let replacement = match (&w, op) {
                    (Wildcard::Exact(x), Op::Eq) if x == "true" => Some(format!("{sel} IS TRUE")),
                    (Wildcard::Exact(x), Op::Eq) if x == "false" => Some(format!("{sel} IS FALSE")),
                    _ => None,
                };
                self.push(
                    Code::BooleanEquality,
                    t.span,
                    format!(
                        "`=` and `!=` never match a JSON boolean{}; test booleans with `IS TRUE` / `IS FALSE`",
                        if boolean_field {
                            format!(
                                " (CloudTrail writes `{}` as a boolean)",
                                sel.dotted().unwrap_or_default()
                            )
                        } else {
                            String::new()
                        }
                    ),
                    replacement,
                );
            }
        }
    }

    /// Selectors that name CloudTrail fields with the wrong case, or go through `Records`.
    fn field_names(&mut self, sel: &Selector) {
        if let Some(Step::Key(k)) = sel.steps.first()
            && &**k == "Records"
        {
            let rest = match sel.steps.get(1) {
                Some(Step::Index(_) | Step::AnyElement) => &sel.steps[2..],
                _ => &sel.steps[1..],
            };
            let replacement = (!rest.is_empty()).then(|| selector_text(rest));
            self.push(
                Code::RecordsWrapper,
                sel.span,
                format!(
                    "CloudTrail sends each record to CloudWatch Logs as its own log event, so selectors start at the record{}",
                    replacement.as_ref().map(|r| format!(": write `{r}`")).unwrap_or_default()
                ),
                replacement,
            );
            return;
        }
        let mut dotted = String::new();
        for (i, step) in sel.steps.iter().enumerate() {
            let Step::Key(k) = step else { return };
            if i > 0 {
                dotted.push('.');
            }
            dotted.push_str(k);
            if FieldId::from_path(&dotted).is_some() {
                continue;
            }
            if let Some(f) = FieldId::ALL.iter().find(|f| f.path().eq_ignore_ascii_case(&dotted)) {
                let mut steps: Vec<Step> = f.path().split('.').map(|s| Step::Key(s.into())).collect();
                steps.extend(sel.steps[i + 1..].iter().cloned());
                let fixed = selector_text(&steps);
                self.push(
                    Code::FieldCase,
                    sel.span,
                    format!(
                        "field names are case-sensitive and CloudTrail writes `{}`: write `{fixed}`",
                        f.path()
                    ),
                    Some(fixed),
                );
            }
            return;
        }
    }

    /// `!=` on a field CloudTrail often omits, with no `NOT EXISTS` alternative beside it.
    fn not_equal_missing(&mut self, e: &Expr, covered: &[&Selector]) {
        match e {
            Expr::Test(t) => {
                if let Check::Compare { op: Op::Ne, value } = &t.check
                    && !matches!(value, Literal::Str(s) if s.wildcard() == Wildcard::Any)
                    && !always_present(&t.selector)
                    && !covered.iter().any(|c| c.steps == t.selector.steps)
                {
                    let sel = &t.selector;
                    self.push(
                        Code::NotEqualMissing,
                        t.span,
                        format!(
                            "a record without `{sel}` does not match `{sel} != …` (a missing field makes both `=` and `!=` false), and CloudTrail leaves this field out of many records; to include them write `({t} || {sel} NOT EXISTS)`"
                        ),
                        Some(format!("({t} || {sel} NOT EXISTS)")),
                    );
                }
            }
            Expr::And(v) => v.iter().for_each(|e| self.not_equal_missing(e, covered)),
            Expr::Or(v) => {
                let mut inner: Vec<&Selector> = covered.to_vec();
                for e in v {
                    if let Expr::Test(t) = e
                        && t.check == Check::NotExists
                    {
                        inner.push(&t.selector);
                    }
                }
                v.iter().for_each(|e| self.not_equal_missing(e, &inner));
            }
        }
    }

    /// An alternative of the whole pattern that alone matches nearly every record.
    fn almost_everything(&mut self, e: &Expr) {
        let Expr::Or(v) = e else { return };
        for alt in v {
            if let Expr::Test(t) = alt
                && let Check::Compare {
                    op: Op::Ne,
                    value: Literal::Str(s),
                } = &t.check
                && s.wildcard() != Wildcard::Any
                && always_present(&t.selector)
            {
                self.push(
                    Code::MatchesAlmostEverything,
                    t.span,
                    format!(
                        "this alternative alone matches every record whose `{}` is not `{}` — nearly every event — so the whole pattern does too (the all-`||` CIS 4.1 variant has this flaw; CIS v2.0+ joins these conditions with `&&`)",
                        t.selector,
                        s.display_text()
                    ),
                    None,
                );
            }
        }
    }
}
