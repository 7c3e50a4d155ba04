//! The parsed form of a filter pattern, and its canonical printing.
//!
//! The tree keeps what the pattern means, not how it was spelled: parentheses become structure,
//! quoted and bare values become the same [`StrLit`], keywords are upper case. Printing a tree
//! ([`std::fmt::Display`]) gives a canonical pattern that parses back to the same tree, and that
//! CloudWatch Logs accepts whenever the original used only constructs trailguard reads leniently
//! (`EXISTS` is printed `= *`, `$.["k"]` is printed `$.['k']`, a bare term with symbols is quoted).

use std::fmt::{self, Display, Write as _};

use trailguard_model::Step;

/// A byte range in the pattern text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span holding both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Which of the four pattern languages a pattern is written in (plus "match everything").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The empty pattern or `" "`: every event.
    MatchAll,
    /// Unstructured terms: `ERROR -ARGUMENTS`, `?WARN ?ERROR`, `"exact phrase"`.
    Terms,
    /// A standalone regular expression: `%…%`.
    Regex,
    /// A JSON pattern: `{ $.eventName = "StopLogging" }`.
    Json,
    /// A space-delimited pattern: `[ip, user, …, status_code = 4*, bytes]`.
    Delimited,
}

impl Kind {
    /// A name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::MatchAll => "match-everything pattern",
            Kind::Terms => "term pattern",
            Kind::Regex => "regular expression pattern",
            Kind::Json => "JSON pattern",
            Kind::Delimited => "space-delimited pattern",
        }
    }
}

/// A whole pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Ast {
    /// Every event.
    MatchAll,
    /// Unstructured terms, in order.
    Terms(Vec<Term>),
    /// A standalone regular expression.
    Regex(RegexLit),
    /// A JSON pattern's condition.
    Json(Expr),
    /// A space-delimited pattern's fields, in order.
    Delimited(Vec<Field>),
}

impl Ast {
    /// The pattern language.
    pub fn kind(&self) -> Kind {
        match self {
            Ast::MatchAll => Kind::MatchAll,
            Ast::Terms(_) => Kind::Terms,
            Ast::Regex(_) => Kind::Regex,
            Ast::Json(_) => Kind::Json,
            Ast::Delimited(_) => Kind::Delimited,
        }
    }

    /// Reset every span to zero, so that trees parsed from differently spelled patterns can be
    /// compared for meaning.
    pub fn clear_spans(&mut self) {
        match self {
            Ast::MatchAll => {}
            Ast::Terms(terms) => terms.iter_mut().for_each(|t| t.span = Span::default()),
            Ast::Regex(r) => r.span = Span::default(),
            Ast::Json(e) => e.clear_spans(),
            Ast::Delimited(fields) => {
                for f in fields {
                    if let Field::Column(c) = f {
                        c.span = Span::default();
                        for alt in &mut c.conditions {
                            for cond in alt {
                                cond.span = Span::default();
                                cond.value.clear_span();
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How a term takes part in the match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    /// A plain term: the event must contain it.
    Required,
    /// `-term`: the event must not contain it.
    Excluded,
    /// `?term`: any one of the optional terms (ignored when plain or `-` terms are present).
    Optional,
}

/// One term of an unstructured pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// Required, excluded or optional.
    pub kind: TermKind,
    /// The text searched for (quotes and escapes removed).
    pub text: String,
    /// Where the term is written.
    pub span: Span,
}

/// A JSON pattern's condition: `&&` binds tighter than `||`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Every part holds.
    And(Vec<Expr>),
    /// At least one part holds.
    Or(Vec<Expr>),
    /// One test on one selector.
    Test(Test),
}

impl Expr {
    fn clear_spans(&mut self) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter_mut().for_each(Expr::clear_spans),
            Expr::Test(t) => {
                t.span = Span::default();
                t.selector.span = Span::default();
                if let Check::Compare { value, .. } = &mut t.check {
                    value.clear_span();
                }
            }
        }
    }

    /// Call `f` with every test, in order.
    pub fn for_each_test<'a>(&'a self, f: &mut dyn FnMut(&'a Test)) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.for_each_test(f)),
            Expr::Test(t) => f(t),
        }
    }
}

/// `selector check`, e.g. `$.eventName = "StopLogging"` or `$.errorCode NOT EXISTS`.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    /// What the test reads.
    pub selector: Selector,
    /// What it checks.
    pub check: Check,
    /// Where the whole test is written.
    pub span: Span,
}

/// A property selector: `$.a.b`, `$.a[0]`, `$.a[*]`, `$.*`, `$.['a.b']`.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    /// The steps after `$`.
    pub steps: Vec<Step>,
    /// Where it is written.
    pub span: Span,
}

impl Selector {
    /// How many wildcard steps (`[*]`, `.*`) it has.
    pub fn wildcards(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::AnyElement | Step::AnyMember))
            .count()
    }

    /// The dotted path when every step is a plain key (`userIdentity.type`), else `None`.
    pub fn dotted(&self) -> Option<String> {
        let mut out = String::new();
        for (i, s) in self.steps.iter().enumerate() {
            let Step::Key(k) = s else { return None };
            if i > 0 {
                out.push('.');
            }
            out.push_str(k);
        }
        Some(out)
    }
}

/// What a test checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// `= != < > <= >=` a value.
    Compare {
        /// The operator.
        op: Op,
        /// The value compared with.
        value: Literal,
    },
    /// `IS NULL`
    IsNull,
    /// `IS TRUE`
    IsTrue,
    /// `IS FALSE`
    IsFalse,
    /// `NOT EXISTS`
    NotExists,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl Op {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
        }
    }

    /// True for `< > <= >=`.
    pub fn is_ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Gt | Op::Le | Op::Ge)
    }

    /// Apply to two numbers.
    pub fn compare(self, a: f64, b: f64) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Gt => a > b,
            Op::Le => a <= b,
            Op::Ge => a >= b,
        }
    }
}

/// A value in a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A number, as written (`400`, `1e+3`, `+1000`).
    Number(NumberLit),
    /// A string, quoted or bare, with its `*` wildcards.
    Str(StrLit),
    /// `%regex%`
    Regex(RegexLit),
}

impl Literal {
    /// Where the value is written.
    pub fn span(&self) -> Span {
        match self {
            Literal::Number(n) => n.span,
            Literal::Str(s) => s.span,
            Literal::Regex(r) => r.span,
        }
    }

    fn clear_span(&mut self) {
        match self {
            Literal::Number(n) => n.span = Span::default(),
            Literal::Str(s) => s.span = Span::default(),
            Literal::Regex(r) => r.span = Span::default(),
        }
    }
}

/// A number literal.
#[derive(Clone, Debug)]
pub struct NumberLit {
    /// The text as written.
    pub text: String,
    /// Its value.
    pub value: f64,
    /// Where it is written.
    pub span: Span,
}

impl PartialEq for NumberLit {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.span == other.span
    }
}

/// One piece of a string literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StrPart {
    /// Literal text.
    Text(String),
    /// An unescaped `*`.
    Star,
}

/// A string literal: text and unescaped `*`s.
///
/// A `*` is a wildcard at the start or the end of the value only; in the middle it stands for
/// itself (trailguard's reading of the 2018–2021 AWS text, open question 1).
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    /// The pieces; adjacent text pieces are merged.
    pub parts: Vec<StrPart>,
    /// Where it is written.
    pub span: Span,
}

/// What a string literal matches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Wildcard {
    /// Any string (`*`).
    Any,
    /// Exactly this text.
    Exact(String),
    /// Text starting with this (`abc*`).
    Prefix(String),
    /// Text ending with this (`*abc`).
    Suffix(String),
    /// Text containing this (`*abc*`).
    Contains(String),
}

impl Wildcard {
    /// Whether `s` matches.
    pub fn is_match(&self, s: &str) -> bool {
        match self {
            Wildcard::Any => true,
            Wildcard::Exact(t) => s == t,
            Wildcard::Prefix(t) => s.starts_with(t.as_str()),
            Wildcard::Suffix(t) => s.ends_with(t.as_str()),
            Wildcard::Contains(t) => s.contains(t.as_str()),
        }
    }

    /// The literal text it tests for (empty for `Any`).
    pub fn text(&self) -> &str {
        match self {
            Wildcard::Any => "",
            Wildcard::Exact(t) | Wildcard::Prefix(t) | Wildcard::Suffix(t) | Wildcard::Contains(t) => t,
        }
    }
}

impl StrLit {
    /// A literal from its pieces (adjacent text merged).
    pub fn new(parts: Vec<StrPart>, span: Span) -> StrLit {
        let mut merged: Vec<StrPart> = Vec::with_capacity(parts.len());
        for p in parts {
            match (merged.last_mut(), p) {
                (Some(StrPart::Text(a)), StrPart::Text(b)) => a.push_str(&b),
                (_, StrPart::Text(b)) if b.is_empty() => {}
                (_, p) => merged.push(p),
            }
        }
        StrLit { parts: merged, span }
    }

    /// A literal with no wildcard.
    pub fn exact(text: &str) -> StrLit {
        StrLit::new(vec![StrPart::Text(text.to_owned())], Span::default())
    }

    /// What it matches.
    pub fn wildcard(&self) -> Wildcard {
        let n = self.parts.len();
        if n > 0 && self.parts.iter().all(|p| *p == StrPart::Star) && n <= 2 {
            return Wildcard::Any;
        }
        let lead = matches!(self.parts.first(), Some(StrPart::Star));
        let trail = n > 1 && matches!(self.parts.last(), Some(StrPart::Star));
        let inner = &self.parts[usize::from(lead)..n - usize::from(trail)];
        let mut text = String::new();
        for p in inner {
            match p {
                StrPart::Text(t) => text.push_str(t),
                StrPart::Star => text.push('*'),
            }
        }
        match (lead, trail) {
            (false, false) => Wildcard::Exact(text),
            (false, true) => Wildcard::Prefix(text),
            (true, false) => Wildcard::Suffix(text),
            (true, true) => Wildcard::Contains(text),
        }
    }

    /// Whether a `*` stands in the middle of the value (where it is a literal character).
    pub fn has_inner_star(&self) -> bool {
        let n = self.parts.len();
        n > 2 && self.parts[1..n - 1].contains(&StrPart::Star)
    }

    /// The text with stars, as a user would read it.
    pub fn display_text(&self) -> String {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                StrPart::Text(t) => s.push_str(t),
                StrPart::Star => s.push('*'),
            }
        }
        s
    }
}

/// `%regex%`, in CloudWatch Logs' regex dialect.
#[derive(Clone, Debug, PartialEq)]
pub struct RegexLit {
    /// The text between the `%` signs.
    pub source: String,
    /// Where the whole `%…%` is written.
    pub span: Span,
}

/// One field of a space-delimited pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    /// `...`: any number of fields (zero included).
    Ellipsis,
    /// An empty field (`[a, ,b]`, or after a trailing comma): one unnamed column.
    Unnamed,
    /// A named column, perhaps with conditions.
    Column(Column),
}

/// A named column of a space-delimited pattern: `status_code`, `status_code = 4*`,
/// `w1 = ERROR || w1 = WARNING`.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// Conditions, as alternatives (`||`) of conjunctions (`&&`); empty when the name alone is
    /// written.
    pub conditions: Vec<Vec<Condition>>,
    /// Where the field is written.
    pub span: Span,
}

/// `op value` on a column.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The operator.
    pub op: Op,
    /// The value.
    pub value: Literal,
    /// Where the condition is written.
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Printing.

/// Whether `s` can be written as a bare term (`[A-Za-z0-9_]+`).
pub(crate) fn is_bare_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `s` can be written after `.` in a selector (`[A-Za-z0-9_-]+`).
pub(crate) fn is_selector_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn write_quoted(f: &mut dyn fmt::Write, text: &str, escape_star: bool) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            '*' if escape_star => f.write_str("\\*")?,
            _ => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_selector(f, &self.steps)
    }
}

/// Write `$` and the steps.
pub(crate) fn write_selector(f: &mut dyn fmt::Write, steps: &[Step]) -> fmt::Result {
    f.write_char('$')?;
    for s in steps {
        match s {
            Step::Key(k) if is_selector_name(k) => write!(f, ".{k}")?,
            Step::Key(k) => {
                f.write_str(".['")?;
                for c in k.chars() {
                    if c == '\'' || c == '\\' {
                        f.write_char('\\')?;
                    }
                    f.write_char(c)?;
                }
                f.write_str("']")?;
            }
            Step::Index(i) => write!(f, "[{i}]")?,
            Step::AnyElement => f.write_str("[*]")?,
            Step::AnyMember => f.write_str(".*")?,
        }
    }
    Ok(())
}

/// The selector as text.
pub(crate) fn selector_text(steps: &[Step]) -> String {
    let mut s = String::new();
    let _ = write_selector(&mut s, steps);
    s
}

impl Display for StrLit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for p in &self.parts {
            match p {
                StrPart::Star => f.write_char('*')?,
                StrPart::Text(t) => {
                    for c in t.chars() {
                        match c {
                            '"' | '\\' | '*' => {
                                f.write_char('\\')?;
                                f.write_char(c)?;
                            }
                            _ => f.write_char(c)?,
                        }
                    }
                }
            }
        }
        f.write_char('"')
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(n) => f.write_str(&n.text),
            Literal::Str(s) if s.wildcard() == Wildcard::Any && s.parts.len() == 1 => f.write_char('*'),
            Literal::Str(s) => s.fmt(f),
            Literal::Regex(r) => write!(f, "%{}%", r.source),
        }
    }
}

impl Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.selector.fmt(f)?;
        match &self.check {
            Check::Compare { op, value } => write!(f, " {} {value}", op.as_str()),
            Check::IsNull => f.write_str(" IS NULL"),
            Check::IsTrue => f.write_str(" IS TRUE"),
            Check::IsFalse => f.write_str(" IS FALSE"),
            Check::NotExists => f.write_str(" NOT EXISTS"),
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Test(t) => t.fmt(f),
            Expr::Or(v) => {
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    e.fmt(f)?;
                }
                Ok(())
            }
            Expr::And(v) => {
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    if matches!(e, Expr::Or(_)) {
                        write!(f, "({e})")?;
                    } else {
                        e.fmt(f)?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TermKind::Required => {}
            TermKind::Excluded => f.write_char('-')?,
            TermKind::Optional => f.write_char('?')?,
        }
        if is_bare_word(&self.text) {
            f.write_str(&self.text)
        } else {
            write_quoted(f, &self.text, false)
        }
    }
}

impl Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.conditions.is_empty() {
            return f.write_str(&self.name);
        }
        for (i, alt) in self.conditions.iter().enumerate() {
            if i > 0 {
                f.write_str(" || ")?;
            }
            for (j, c) in alt.iter().enumerate() {
                if j > 0 {
                    f.write_str(" && ")?;
                }
                write!(f, "{} {} {}", self.name, c.op.as_str(), c.value)?;
            }
        }
        Ok(())
    }
}

impl Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Ellipsis => f.write_str("..."),
            Field::Unnamed => Ok(()),
            Field::Column(c) => c.fmt(f),
        }
    }
}

impl Display for Ast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ast::MatchAll => f.write_str("\" \""),
            Ast::Terms(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    t.fmt(f)?;
                }
                Ok(())
            }
            Ast::Regex(r) => write!(f, "%{}%", r.source),
            Ast::Json(e) => write!(f, "{{ {e} }}"),
            Ast::Delimited(fields) => {
                f.write_char('[')?;
                for (i, fl) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    fl.fmt(f)?;
                }
                f.write_char(']')
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(parts: &[&str]) -> StrLit {
        StrLit::new(
            parts
                .iter()
                .map(|p| {
                    if *p == "*" {
                        StrPart::Star
                    } else {
                        StrPart::Text((*p).to_owned())
                    }
                })
                .collect(),
            Span::default(),
        )
    }

    #[test]
    fn wildcards_only_at_the_ends() {
        assert_eq!(lit(&["*"]).wildcard(), Wildcard::Any);
        assert_eq!(lit(&["*", "*"]).wildcard(), Wildcard::Any);
        assert_eq!(lit(&["abc"]).wildcard(), Wildcard::Exact("abc".into()));
        assert_eq!(lit(&["abc", "*"]).wildcard(), Wildcard::Prefix("abc".into()));
        assert_eq!(lit(&["*", "abc"]).wildcard(), Wildcard::Suffix("abc".into()));
        assert_eq!(lit(&["*", "abc", "*"]).wildcard(), Wildcard::Contains("abc".into()));
        assert_eq!(lit(&["Ev", "*", "ent"]).wildcard(), Wildcard::Exact("Ev*ent".into()));
        assert_eq!(
            lit(&["*", "a", "*", "b", "*"]).wildcard(),
            Wildcard::Contains("a*b".into())
        );
        assert_eq!(lit(&["*", "*", "*"]).wildcard(), Wildcard::Contains("*".into()));
        assert!(lit(&["Ev", "*", "ent"]).has_inner_star());
        assert!(!lit(&["*", "ent"]).has_inner_star());
        assert_eq!(lit(&[]).wildcard(), Wildcard::Exact(String::new()));
    }

    #[test]
    fn printing_escapes() {
        assert_eq!(lit(&["a\"b\\c", "*"]).to_string(), r#""a\"b\\c*""#);
        assert_eq!(StrLit::exact("x*y").to_string(), r#""x\*y""#);
        let sel = Selector {
            steps: vec![
                Step::Key("a.b".into()),
                Step::Index(2),
                Step::AnyElement,
                Step::AnyMember,
                Step::Key("it's".into()),
            ],
            span: Span::default(),
        };
        assert_eq!(sel.to_string(), r"$.['a.b'][2][*].*.['it\'s']");
    }
}
