//! The detection `condition`: parsed once, identifiers and patterns resolved to search indexes.
//!
//! ```text
//! or_expr  := and_expr ("or" and_expr)*
//! and_expr := not_expr ("and" not_expr)*
//! not_expr := "not" not_expr | quant
//! quant    := ("1" | "all") "of" (pattern | "them") | atom
//! atom     := "(" or_expr ")" | identifier
//! ```
//!
//! `them` means every search identifier except those starting with `_`; a pattern (`filter_*`)
//! matches identifiers the same way unless it starts with `_` itself. The obsolete aggregation
//! syntax (`| count() > 5`, `near`) is refused with a pointer to correlation rules.

/// Deepest nesting of parentheses and `not`s.
const MAX_NESTING: usize = 64;
/// Longest condition, in bytes.
const MAX_LEN: usize = 16 * 1024;

/// A resolved condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cond {
    Search(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// `1 of` (false) or `all of` (true) a set of searches.
    Of {
        all: bool,
        ids: Vec<usize>,
    },
}

/// A condition error: the message, the 1-based column, and whether it is an unsupported
/// feature rather than a mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CondError {
    pub(crate) column: usize,
    pub(crate) message: String,
    pub(crate) unsupported: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<(Tok<'_>, usize)>, CondError> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'(' => {
                out.push((Tok::Open, i));
                i += 1;
            }
            b')' => {
                out.push((Tok::Close, i));
                i += 1;
            }
            b'|' => {
                let message = if text[i..].split_whitespace().any(|w| w == "near") {
                    "`| near` is the obsolete Sigma v1 syntax; write a `temporal` (or `temporal_ordered`) correlation rule instead"
                } else {
                    "aggregations (`| count() …`) are the obsolete Sigma v1 syntax; write an `event_count` or `value_count` correlation rule instead"
                };
                return Err(CondError {
                    column: text[..i].chars().count() + 1,
                    message: message.into(),
                    unsupported: true,
                });
            }
            _ if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'*' | b'.' | b'?' | b'@' | b'$' | b':') => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || matches!(b[i], b'_' | b'-' | b'*' | b'.' | b'?' | b'@' | b'$' | b':'))
                {
                    i += 1;
                }
                out.push((Tok::Word(&text[start..i]), start));
            }
            _ => {
                return Err(CondError {
                    column: text[..i].chars().count() + 1,
                    message: format!("unexpected character `{}`", text[i..].chars().next().unwrap_or('?')),
                    unsupported: false,
                });
            }
        }
    }
    Ok(out)
}

/// Whether `name` matches an identifier pattern with `*` and `?`.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

struct Parser<'a, 'n> {
    text: &'a str,
    toks: Vec<(Tok<'a>, usize)>,
    at: usize,
    names: &'n [&'n str],
    depth: usize,
}

impl<'a> Parser<'a, '_> {
    fn column(&self, byte: usize) -> usize {
        self.text[..byte.min(self.text.len())].chars().count() + 1
    }

    fn err(&self, byte: usize, message: impl Into<String>) -> CondError {
        CondError {
            column: self.column(byte),
            message: message.into(),
            unsupported: false,
        }
    }

    fn here(&self) -> usize {
        self.toks.get(self.at).map_or(self.text.len(), |(_, p)| *p)
    }

    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn peek_word(&self) -> Option<&'a str> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn or_expr(&mut self) -> Result<Cond, CondError> {
        let mut parts = vec![self.and_expr()?];
        while self.peek_word() == Some("or") {
            self.at += 1;
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Cond, CondError> {
        let mut parts = vec![self.not_expr()?];
        while self.peek_word() == Some("and") {
            self.at += 1;
            parts.push(self.not_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts)
        })
    }

    fn nest(&mut self) -> Result<(), CondError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err(self.here(), format!("nested deeper than {MAX_NESTING} levels")));
        }
        Ok(())
    }

    fn not_expr(&mut self) -> Result<Cond, CondError> {
        if self.peek_word() == Some("not") {
            self.at += 1;
            self.nest()?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.quant()
    }

    fn quant(&mut self) -> Result<Cond, CondError> {
        let start = self.here();
        let Some(w) = self.peek_word() else {
            return self.atom();
        };
        let all = match w {
            "all" => true,
            "1" | "any" => false,
            _ if w.bytes().all(|b| b.is_ascii_digit())
                && matches!(self.toks.get(self.at + 1), Some((Tok::Word("of"), _))) =>
            {
                return Err(CondError {
                    column: self.column(start),
                    message: format!("`{w} of` is not Sigma; only `1 of` and `all of` exist"),
                    unsupported: false,
                });
            }
            _ => return self.atom(),
        };
        if !matches!(self.toks.get(self.at + 1), Some((Tok::Word("of"), _))) {
            return self.atom();
        }
        self.at += 2;
        let target_at = self.here();
        let Some(target) = self.peek_word() else {
            return Err(self.err(target_at, "expected an identifier pattern or `them` after `of`"));
        };
        self.at += 1;
        let ids: Vec<usize> = if target == "them" {
            (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .collect()
        } else {
            let hidden_ok = target.starts_with('_');
            (0..self.names.len())
                .filter(|&i| (hidden_ok || !self.names[i].starts_with('_')) && pattern_matches(target, self.names[i]))
                .collect()
        };
        if ids.is_empty() {
            return Err(self.err(target_at, format!("`{target}` matches no search identifier")));
        }
        Ok(Cond::Of { all, ids })
    }

    fn atom(&mut self) -> Result<Cond, CondError> {
        let at = self.here();
        match self.peek().cloned() {
            Some(Tok::Open) => {
                self.at += 1;
                self.nest()?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::Close) {
                    return Err(self.err(self.here(), "expected `)`"));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) => {
                if matches!(w, "and" | "or" | "of" | "them") {
                    return Err(self.err(at, format!("expected an identifier, found `{w}`")));
                }
                if w == "near" {
                    return Err(CondError {
                        column: self.column(at),
                        message: "`near` is the obsolete Sigma v1 syntax; write a `temporal` correlation rule instead"
                            .into(),
                        unsupported: true,
                    });
                }
                if w.contains(['*', '?']) {
                    return Err(self.err(at, format!("`{w}`: a pattern needs `1 of` or `all of`")));
                }
                self.at += 1;
                match self.names.iter().position(|n| *n == w) {
                    Some(i) => Ok(Cond::Search(i)),
                    None => Err(self.err(at, format!("`{w}` is not a search identifier of this rule"))),
                }
            }
            Some(Tok::Close) => Err(self.err(at, "unexpected `)`")),
            None => Err(self.err(at, "the condition ends too early")),
        }
    }
}

/// Parse `text` against the rule's search identifiers (in definition order).
pub(crate) fn parse(text: &str, names: &[&str]) -> Result<Cond, CondError> {
    if text.len() > MAX_LEN {
        return Err(CondError {
            column: 1,
            message: format!("longer than {MAX_LEN} bytes"),
            unsupported: true,
        });
    }
    let toks = tokenize(text)?;
    if !names.contains(&"near")
        && let Some((_, at)) = toks.iter().find(|(t, _)| *t == Tok::Word("near"))
    {
        return Err(CondError {
            column: text[..*at].chars().count() + 1,
            message: "`near` is the obsolete Sigma v1 syntax; write a `temporal` correlation rule instead".into(),
            unsupported: true,
        });
    }
    if toks.is_empty() {
        return Err(CondError {
            column: 1,
            message: "the condition is empty".into(),
            unsupported: false,
        });
    }
    let mut p = Parser {
        text,
        toks,
        at: 0,
        names,
        depth: 0,
    };
    let cond = p.or_expr()?;
    if p.at < p.toks.len() {
        let at = p.here();
        return Err(p.err(at, "unexpected text after the condition"));
    }
    Ok(cond)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &[
        "selection",
        "filter_main_a",
        "filter_main_b",
        "filter_x",
        "_hidden",
        "sel2",
    ];

    fn p(s: &str) -> Result<Cond, CondError> {
        parse(s, NAMES)
    }

    #[test]
    fn precedence() {
        use Cond::*;
        assert_eq!(
            p("selection or sel2 and not filter_x").unwrap(),
            Or(vec![Search(0), And(vec![Search(5), Not(Box::new(Search(3)))])])
        );
        assert_eq!(
            p("(selection or sel2) and filter_x").unwrap(),
            And(vec![Or(vec![Search(0), Search(5)]), Search(3)])
        );
        assert_eq!(p("not not selection").unwrap(), Not(Box::new(Not(Box::new(Search(0))))));
    }

    #[test]
    fn quantifiers() {
        use Cond::*;
        assert_eq!(
            p("selection and not 1 of filter_main_*").unwrap(),
            And(vec![
                Search(0),
                Not(Box::new(Of {
                    all: false,
                    ids: vec![1, 2]
                }))
            ])
        );
        assert_eq!(
            p("all of them").unwrap(),
            Of {
                all: true,
                ids: vec![0, 1, 2, 3, 5]
            }
        );
        assert_eq!(
            p("1 of _h*").unwrap(),
            Of {
                all: false,
                ids: vec![4]
            }
        );
        assert_eq!(
            p("1 of filter*").unwrap(),
            Of {
                all: false,
                ids: vec![1, 2, 3]
            }
        );
        assert_eq!(
            p("1 of sel?").unwrap(),
            Of {
                all: false,
                ids: vec![5]
            }
        );
    }

    #[test]
    fn errors_have_columns() {
        let e = p("selection and nope").unwrap_err();
        assert_eq!(e.column, 15);
        assert!(e.message.contains("`nope`"));
        let e = p("selection | count() > 5").unwrap_err();
        assert!(e.unsupported && e.column == 11);
        assert!(p("selection and").is_err());
        assert!(p("(selection").is_err());
        assert!(p("selection)").is_err());
        assert!(p("1 of nothing_*").is_err());
        assert!(p("2 of filter*").is_err());
        assert!(p("filter*").is_err());
        assert!(p("").is_err());
        assert!(p("selection near sel2").unwrap_err().unsupported);
        let deep = format!("{}selection{}", "(".repeat(100), ")".repeat(100));
        assert!(p(&deep).unwrap_err().message.contains("nested"));
    }
}
