//! `explain`: what a pattern matches, in words.

use std::fmt::Write as _;

use crate::ast::{Ast, Check, Column, Expr, Field, Literal, Op, Selector, TermKind, Test, Wildcard};
use crate::regex::{Plan, analyze};

/// What the pattern matches, in words (several lines for structured patterns).
pub fn explain(pattern: &crate::Pattern) -> String {
    explain_ast(pattern.ast(), pattern.source())
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

fn list(items: &[String], word: &str) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} {word} {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

pub(crate) fn explain_ast(ast: &Ast, source: &str) -> String {
    let mut out = String::new();
    match ast {
        Ast::MatchAll => out.push_str("Matches every log event (every CloudTrail record).\n"),
        Ast::Terms(terms) => {
            let of = |k: TermKind| {
                terms
                    .iter()
                    .filter(|t| t.kind == k)
                    .map(|t| quote(&t.text))
                    .collect::<Vec<_>>()
            };
            let (req, exc, opt) = (of(TermKind::Required), of(TermKind::Excluded), of(TermKind::Optional));
            out.push_str("Matches log events whose text ");
            let mut parts = Vec::new();
            if !req.is_empty() {
                parts.push(format!("contains {}", list(&req, "and")));
            }
            if !exc.is_empty() {
                parts.push(format!("does not contain {}", list(&exc, "or")));
            }
            if req.is_empty() && exc.is_empty() {
                parts.push(format!("contains at least one of {}", list(&opt, "or")));
            }
            out.push_str(&parts.join(", and "));
            out.push_str(" (case-sensitive, anywhere in the text).\n");
            if !(opt.is_empty() || req.is_empty() && exc.is_empty()) {
                let _ = writeln!(
                    out,
                    "The optional terms {} are ignored, because plain or `-` terms are present.",
                    list(&opt, "and")
                );
            }
            out.push_str("For a CloudTrail record the text is the record's compact JSON.\n");
        }
        Ast::Regex(r) => {
            let _ = writeln!(out, "Matches log events whose text {}.", regex_words(&r.source, source));
            out.push_str("Case-sensitive. For a CloudTrail record the text is the record's compact JSON.\n");
        }
        Ast::Json(e) => {
            out.push_str("Matches CloudTrail records (log events that are JSON objects) where ");
            match e {
                Expr::Test(t) => {
                    out.push_str(&test_words(t, source));
                    out.push_str(".\n");
                }
                Expr::Or(v) if one_of(v).is_some() => {
                    out.push_str(&one_of(v).unwrap_or_default());
                    out.push_str(".\n");
                }
                _ => {
                    out.push_str(if matches!(e, Expr::And(_)) {
                        "all of:\n"
                    } else {
                        "any of:\n"
                    });
                    tree(&mut out, e, source, 1);
                }
            }
            let mut absent_note = false;
            e.for_each_test(&mut |t| {
                absent_note |= matches!(t.check, Check::Compare { op: Op::Ne, .. });
            });
            if absent_note {
                out.push_str("A `!=` test is false on a record that lacks the field.\n");
            }
        }
        Ast::Delimited(fields) => {
            out.push_str(
                "Splits each log line into fields separated by spaces (text in \"…\" or […] is one field) and matches when they line up as:\n",
            );
            for (i, f) in fields.iter().enumerate() {
                let last = i + 1 == fields.len();
                let _ = write!(out, "  {}. ", i + 1);
                match f {
                    Field::Ellipsis => out.push_str("any number of fields (`...`)"),
                    Field::Unnamed => out.push_str(if last { "the rest of the line" } else { "any field" }),
                    Field::Column(c) => out.push_str(&column_words(c, source, last)),
                }
                out.push('\n');
            }
        }
    }
    out
}

fn tree(out: &mut String, e: &Expr, source: &str, depth: usize) {
    let pad = "  ".repeat(depth);
    let children = match e {
        Expr::And(v) | Expr::Or(v) => v,
        Expr::Test(t) => {
            let _ = writeln!(out, "{pad}- {}", test_words(t, source));
            return;
        }
    };
    let is_or = matches!(e, Expr::Or(_));
    let mut done = vec![false; children.len()];
    for (i, c) in children.iter().enumerate() {
        if done[i] {
            continue;
        }
        // In an alternative, equalities on one selector read best as a list.
        if is_or && let Some((sel, first)) = exact_eq(c) {
            let mut values = vec![quote(&first)];
            for (j, d) in children.iter().enumerate().skip(i + 1) {
                if let Some((s2, v)) = exact_eq(d)
                    && s2.steps == sel.steps
                {
                    values.push(quote(&v));
                    done[j] = true;
                }
            }
            if values.len() > 1 {
                let _ = writeln!(out, "{pad}- {} is one of {}", selector_words(sel), values.join(", "));
                continue;
            }
        }
        match c {
            Expr::Test(t) => {
                let _ = writeln!(out, "{pad}- {}", test_words(t, source));
            }
            Expr::And(_) => {
                let _ = writeln!(out, "{pad}- all of:");
                tree(out, c, source, depth + 1);
            }
            Expr::Or(v) => {
                if let Some(line) = one_of(v) {
                    let _ = writeln!(out, "{pad}- {line}");
                } else {
                    let _ = writeln!(out, "{pad}- any of:");
                    tree(out, c, source, depth + 1);
                }
            }
        }
    }
}

/// `sel is one of "a", "b"` when every alternative is an exact equality on one selector.
fn one_of(alternatives: &[Expr]) -> Option<String> {
    let (sel, first) = exact_eq(alternatives.first()?)?;
    let mut values = vec![quote(&first)];
    for e in &alternatives[1..] {
        let (s, v) = exact_eq(e)?;
        if s.steps != sel.steps {
            return None;
        }
        values.push(quote(&v));
    }
    Some(format!("{} is one of {}", selector_words(sel), values.join(", ")))
}

fn exact_eq(e: &Expr) -> Option<(&Selector, String)> {
    let Expr::Test(t) = e else { return None };
    match &t.check {
        Check::Compare {
            op: Op::Eq,
            value: Literal::Str(s),
        } => match s.wildcard() {
            Wildcard::Exact(v) => Some((&t.selector, v)),
            _ => None,
        },
        _ => None,
    }
}

fn selector_words(sel: &Selector) -> String {
    let text = sel.to_string();
    let text = text.strip_prefix("$.").unwrap_or(&text);
    if sel.wildcards() > 0 {
        format!("some value of `{text}`")
    } else {
        format!("`{text}`")
    }
}

fn wildcard_words(w: &Wildcard, negate: bool) -> String {
    let (is, starts, ends, contains) = if negate {
        ("is not", "does not start with", "does not end with", "does not contain")
    } else {
        ("is", "starts with", "ends with", "contains")
    };
    match w {
        Wildcard::Any => "is present (a string or a number)".to_owned(),
        Wildcard::Exact(t) => format!("{is} {}", quote(t)),
        Wildcard::Prefix(t) => format!("{starts} {}", quote(t)),
        Wildcard::Suffix(t) => format!("{ends} {}", quote(t)),
        Wildcard::Contains(t) => format!("{contains} {}", quote(t)),
    }
}

fn regex_words(source: &str, pattern: &str) -> String {
    match analyze(source, 0, pattern, None) {
        Ok(Plan::Literal { text, start, end }) => match (start, end) {
            (true, true) => format!("is exactly {}", quote(&text)),
            (true, false) => format!("starts with {}", quote(&text)),
            (false, true) => format!("ends with {}", quote(&text)),
            (false, false) => format!("contains {}", quote(&text)),
        },
        _ => format!("has a match for the regular expression %{source}%"),
    }
}

fn test_words(t: &Test, pattern: &str) -> String {
    let sel = selector_words(&t.selector);
    match &t.check {
        Check::NotExists => format!("{sel} is absent"),
        Check::IsNull => format!("{sel} is null"),
        Check::IsTrue => format!("{sel} is the boolean true"),
        Check::IsFalse => format!("{sel} is the boolean false"),
        Check::Compare { op, value } => match value {
            Literal::Str(s) => match op {
                Op::Eq => format!("{sel} {}", wildcard_words(&s.wildcard(), false)),
                Op::Ne if s.wildcard() == Wildcard::Any => format!("{sel} is never matched (`!= *`)"),
                Op::Ne => format!("{sel} is present and {}", wildcard_words(&s.wildcard(), true)),
                _ => format!("{sel} is never matched (`{}` needs a number)", op.as_str()),
            },
            Literal::Number(n) => match op {
                Op::Eq => format!("{sel} is the number {} (or the string {})", n.text, quote(&n.text)),
                Op::Ne => format!("{sel} is present and is not the number {}", n.text),
                _ => format!("{sel} {}", number_words(*op, &n.text)),
            },
            Literal::Regex(r) => match op {
                Op::Eq => format!("{sel} {}", regex_words(&r.source, pattern)),
                Op::Ne => format!("{sel} is present and has no match for %{}%", r.source),
                _ => format!("{sel} is never matched (`{}` needs a number)", op.as_str()),
            },
        },
    }
}

fn column_words(c: &Column, pattern: &str, last: bool) -> String {
    let mut s = format!("`{}`", c.name);
    if last {
        s.push_str(" (the rest of the line)");
    }
    if c.conditions.is_empty() {
        return s;
    }
    let alts: Vec<String> = c
        .conditions
        .iter()
        .map(|alt| {
            alt.iter()
                .map(|cond| match &cond.value {
                    Literal::Str(v) => match cond.op {
                        Op::Eq => wildcard_words(&v.wildcard(), false),
                        Op::Ne => wildcard_words(&v.wildcard(), true),
                        _ => "never (needs a number)".to_owned(),
                    },
                    Literal::Number(n) => number_words(cond.op, &n.text),
                    Literal::Regex(r) => match cond.op {
                        Op::Eq => regex_words(&r.source, pattern),
                        Op::Ne => format!("has no match for %{}%", r.source),
                        _ => "never (needs a number)".to_owned(),
                    },
                })
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    let _ = write!(s, ": {}", alts.join(", or "));
    s
}

fn number_words(op: Op, n: &str) -> String {
    match op {
        Op::Eq => format!("is the number {n}"),
        Op::Ne => format!("is a number other than {n}"),
        Op::Lt => format!("is a number less than {n}"),
        Op::Gt => format!("is a number greater than {n}"),
        Op::Le => format!("is a number at most {n}"),
        Op::Ge => format!("is a number at least {n}"),
    }
}
