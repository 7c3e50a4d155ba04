//! Two things about how the SQL parser reads what Athena, Trino and CloudTrail Lake users write,
//! handled before DataFusion plans a statement.
//!
//! - **Dot access on an expression.** `element_at(resources, 1).ARN` (Athena and CloudTrail
//!   Lake) and `resources[1].arn` name a struct field after a function call or subscript;
//!   DataFusion accepts only a quoted name there (`element_at(…)['arn']`).
//!   [`quote_field_access`] turns those names into string keys, normalised like every
//!   unquoted identifier (lower case, as the lake's columns and struct fields are named).
//! - **`IS [NOT] DISTINCT FROM` swallows what follows it.** sqlparser 0.62 reads its right-hand
//!   side as a whole expression, so `a IS DISTINCT FROM b OR c = d` is read as
//!   `a IS DISTINCT FROM (b OR c = d)`, not `(a IS DISTINCT FROM b) OR c = d` as in Trino, Athena
//!   and PostgreSQL: a type error when `b` is text, a different answer when it is Boolean.
//!   [`check_distinct_from`] refuses such a statement with the fix (parentheses around the
//!   comparison) rather than answer a question that was not asked.

use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    AccessExpr, BinaryOperator, Expr, Ident, Value, visit_expressions, visit_expressions_mut,
};

/// Refuse a statement where `IS [NOT] DISTINCT FROM` took an `AND`, `OR`, `XOR` or another
/// `IS …` test into its right operand (see the module documentation).
pub(crate) fn check_distinct_from(statement: &DfStatement) -> Result<(), String> {
    let inner = match statement {
        DfStatement::Statement(s) => s.as_ref(),
        DfStatement::Explain(e) => return check_distinct_from(&e.statement),
        _ => return Ok(()),
    };
    let found = visit_expressions(inner, |e| match e {
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) if swallowed(b) => {
            let not = if matches!(e, Expr::IsNotDistinctFrom(..)) {
                "NOT "
            } else {
                ""
            };
            ControlFlow::Break(format!(
                "`{a} IS {not}DISTINCT FROM {b}`: this SQL parser takes everything after IS {not}DISTINCT FROM as \
                 its right operand; put the comparison in parentheses, e.g. `({a} IS {not}DISTINCT FROM …) OR …`"
            ))
        }
        _ => ControlFlow::Continue(()),
    });
    match found {
        ControlFlow::Break(msg) => Err(msg),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Whether a right operand holds an operator that binds less tightly than `IS`.
fn swallowed(rhs: &Expr) -> bool {
    matches!(
        rhs,
        Expr::BinaryOp {
            op: BinaryOperator::And | BinaryOperator::Or | BinaryOperator::Xor,
            ..
        } | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsTrue(_)
            | Expr::IsNotTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsNotFalse(_)
            | Expr::IsUnknown(_)
            | Expr::IsNotUnknown(_)
            | Expr::IsDistinctFrom(..)
            | Expr::IsNotDistinctFrom(..)
    )
}

/// Turn `.name` after a function call or subscript into the string key DataFusion plans as a
/// struct field access (`.ARN` → `['arn']`; a quoted `."ARN"` keeps its case).
pub(crate) fn quote_field_access(statement: &mut DfStatement) {
    match statement {
        DfStatement::Statement(s) => {
            let _ = visit_expressions_mut(s.as_mut(), |e| {
                quote_in(e);
                ControlFlow::<()>::Continue(())
            });
        }
        DfStatement::Explain(e) => quote_field_access(&mut e.statement),
        _ => {}
    }
}

fn key(id: Ident) -> AccessExpr {
    let name = if id.quote_style.is_none() {
        id.value.to_lowercase()
    } else {
        id.value
    };
    AccessExpr::Dot(Expr::Value(Value::SingleQuotedString(name).with_empty_span()))
}

fn quote_in(e: &mut Expr) {
    let Expr::CompoundFieldAccess { root, access_chain } = e else {
        return;
    };
    // After a plain identifier, leading `.name`s are a column path (`t.col.field`), which the
    // planner resolves itself; every `.name` after anything else is a field of a value.
    let from = if matches!(**root, Expr::Identifier(_)) {
        access_chain
            .iter()
            .position(|a| !matches!(a, AccessExpr::Dot(Expr::Identifier(_))))
            .unwrap_or(access_chain.len())
    } else {
        0
    };
    let chain = std::mem::take(access_chain);
    for (i, a) in chain.into_iter().enumerate() {
        match a {
            AccessExpr::Dot(Expr::Identifier(id)) if i >= from => access_chain.push(key(id)),
            AccessExpr::Dot(Expr::CompoundIdentifier(ids)) if i >= from => {
                access_chain.extend(ids.into_iter().map(key));
            }
            other => access_chain.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(sql: &str) -> DfStatement {
        datafusion::sql::parser::DFParser::parse_sql(sql)
            .unwrap()
            .pop_front()
            .unwrap()
    }

    #[test]
    fn distinct_from_that_swallowed_an_or_is_refused() {
        let e = check_distinct_from(&parsed(
            "SELECT 1 FROM t WHERE a IS DISTINCT FROM b OR c IS DISTINCT FROM d",
        ))
        .unwrap_err();
        assert!(e.contains("put the comparison in parentheses"), "{e}");
        let e = check_distinct_from(&parsed("EXPLAIN SELECT x IS NOT DISTINCT FROM y AND z FROM t")).unwrap_err();
        assert!(e.contains("IS NOT DISTINCT FROM"), "{e}");
        assert!(check_distinct_from(&parsed("SELECT a IS DISTINCT FROM b IS NULL FROM t")).is_err());
        for ok in [
            "SELECT 1 FROM t WHERE (a IS DISTINCT FROM b) OR (c IS DISTINCT FROM d)",
            "SELECT 1 FROM t WHERE a IS DISTINCT FROM b",
            "SELECT 1 FROM t WHERE a IS DISTINCT FROM (b OR c)",
            "SELECT 1 FROM t WHERE x = 1 AND a IS NOT DISTINCT FROM f(b) + 1",
        ] {
            assert_eq!(check_distinct_from(&parsed(ok)), Ok(()), "{ok}");
        }
    }

    fn rewritten(sql: &str) -> String {
        let mut s = parsed(sql);
        quote_field_access(&mut s);
        s.to_string()
    }

    #[test]
    fn dot_access_on_values_becomes_a_key() {
        assert_eq!(
            rewritten("SELECT element_at(resources, 1).ARN, resources[1].\"Type\" FROM events"),
            "SELECT element_at(resources, 1).'arn', resources[1].'Type' FROM events"
        );
        // Column paths are the planner's business.
        assert_eq!(
            rewritten("SELECT userIdentity.sessionContext.sessionIssuer.userName FROM events"),
            "SELECT userIdentity.sessionContext.sessionIssuer.userName FROM events"
        );
        assert_eq!(
            rewritten("EXPLAIN SELECT element_at(resources, 1).arn FROM events"),
            "EXPLAIN SELECT element_at(resources, 1).'arn' FROM events"
        );
    }
}
