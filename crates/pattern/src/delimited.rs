//! Space-delimited patterns over a log message: splitting the message into fields, placing the
//! pattern's fields on them, and the values a metric filter would extract.
//!
//! Splitting: fields are separated by runs of spaces (open question 8); a field that starts with
//! `"` runs to the next `"`, one that starts with `[` to the next `]`, and loses those
//! delimiters (`[10/Oct/2000:13:25:15 -0700]` is one field, `10/Oct/2000:13:25:15 -0700`).
//!
//! Placing (open question 7): pattern fields take one message field each, in order; `...` takes
//! any number (zero included, as many as possible when there is a choice); the last pattern field,
//! unless it is `...`, takes the rest of the line (its text as written). A message with fewer
//! fields than the pattern needs does not match. The search runs over sets of reachable positions,
//! so it takes time proportional to (pattern fields × message fields) whatever the pattern.

use crate::ast::Op;
use crate::eval::TextMatcher;
use crate::parse::parse_number;

/// One field of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// The field's value (without its `"…"` or `[…]`).
    pub(crate) value: &'a str,
    /// Where the field starts in the message (at its opening delimiter, if any).
    pub(crate) start: usize,
}

/// Split a message into fields.
pub(crate) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        let close = match b[i] {
            b'"' => Some(b'"'),
            b'[' => Some(b']'),
            _ => None,
        };
        match close {
            Some(c) => {
                let body = i + 1;
                match memchr::memchr(c, &b[body..]) {
                    Some(off) => {
                        out.push(Token {
                            value: &text[body..body + off],
                            start,
                        });
                        i = body + off + 1;
                    }
                    None => {
                        out.push(Token {
                            value: &text[body..],
                            start,
                        });
                        i = b.len();
                    }
                }
            }
            None => {
                let end = memchr::memchr(b' ', &b[i..]).map_or(b.len(), |off| i + off);
                out.push(Token {
                    value: &text[i..end],
                    start,
                });
                i = end;
            }
        }
    }
    out
}

/// A compiled condition on one column.
#[derive(Debug)]
pub(crate) enum Cond {
    /// `= value` / `!= value` on the text, `*` wildcards at the ends, or a regex.
    Text { m: TextMatcher, negate: bool },
    /// A numeric comparison; a field that is not a number fails.
    Number { op: Op, value: f64 },
    /// A condition that is never true (`<` with a string).
    Never,
}

impl Cond {
    fn test(&self, field: &str) -> bool {
        match self {
            Cond::Text { m, negate } => m.is_match(field) != *negate,
            Cond::Number { op, value } => parse_number(field).is_some_and(|v| op.compare(v, *value)),
            Cond::Never => false,
        }
    }
}

/// A compiled pattern field.
#[derive(Debug)]
pub(crate) enum PField {
    Ellipsis,
    /// A column: its name (`None` for an unnamed one) and its conditions as alternatives of
    /// conjunctions (empty: always true).
    Column {
        name: Option<String>,
        alts: Vec<Vec<Cond>>,
    },
}

impl PField {
    fn test(&self, value: &str) -> bool {
        match self {
            PField::Ellipsis => true,
            PField::Column { alts, .. } => alts.is_empty() || alts.iter().any(|a| a.iter().all(|c| c.test(value))),
        }
    }
}

/// The value the field starting at token `j` has when it takes the rest of the line.
fn rest<'a>(text: &'a str, tokens: &[Token<'a>], j: usize) -> &'a str {
    if j + 1 == tokens.len() {
        tokens[j].value
    } else {
        text[tokens[j].start..].trim_end_matches(' ')
    }
}

/// Whether the fields can be placed on the message.
pub(crate) fn is_match(fields: &[PField], text: &str) -> bool {
    let tokens = tokenize(text);
    let Some((last, body)) = fields.split_last() else {
        return true;
    };
    let t = tokens.len();
    // reach[j]: the fields so far can end just before token j.
    let mut reach = vec![false; t + 1];
    let mut next = vec![false; t + 1];
    reach[0] = true;
    for f in body {
        next.iter_mut().for_each(|x| *x = false);
        let mut any = false;
        match f {
            PField::Ellipsis => {
                if let Some(first) = reach.iter().position(|&r| r) {
                    for x in &mut next[first..] {
                        *x = true;
                    }
                    any = true;
                }
            }
            _ => {
                for j in 0..t {
                    if reach[j] && f.test(tokens[j].value) {
                        next[j + 1] = true;
                        any = true;
                    }
                }
            }
        }
        if !any {
            return false;
        }
        std::mem::swap(&mut reach, &mut next);
    }
    match last {
        PField::Ellipsis => reach.iter().any(|&r| r),
        _ => (0..t).any(|j| reach[j] && last.test(rest(text, &tokens, j))),
    }
}

/// The extracted values (`$name` for named columns, `$n` for the others, 1-based), when the
/// fields can be placed on the message.
pub(crate) fn extract(fields: &[PField], text: &str) -> Option<Vec<(String, String)>> {
    let tokens = tokenize(text);
    let t = tokens.len();
    let n = fields.len();
    if n == 0 {
        return Some(Vec::new());
    }
    // can(p, j): fields p.. can be placed starting at token j (one bit each).
    let width = t + 1;
    let mut bits = vec![0u64; (n * width).div_ceil(64)];
    let set = |bits: &mut [u64], p: usize, j: usize| {
        let i = p * width + j;
        bits[i / 64] |= 1 << (i % 64);
    };
    let get = |bits: &[u64], p: usize, j: usize| {
        let i = p * width + j;
        bits[i / 64] & (1 << (i % 64)) != 0
    };
    for j in 0..=t {
        let ok = match &fields[n - 1] {
            PField::Ellipsis => true,
            f => j < t && f.test(rest(text, &tokens, j)),
        };
        if ok {
            set(&mut bits, n - 1, j);
        }
    }
    for p in (0..n - 1).rev() {
        for j in (0..=t).rev() {
            let ok = match &fields[p] {
                PField::Ellipsis => get(&bits, p + 1, j) || (j < t && get(&bits, p, j + 1)),
                f => j < t && get(&bits, p + 1, j + 1) && f.test(tokens[j].value),
            };
            if ok {
                set(&mut bits, p, j);
            }
        }
    }
    if !get(&bits, 0, 0) {
        return None;
    }
    let mut out = Vec::new();
    let mut j = 0;
    for (p, field) in fields.iter().enumerate() {
        let last = p + 1 == n;
        match field {
            PField::Ellipsis => {
                let end = if last {
                    t
                } else {
                    (j..=t).rev().find(|&k| get(&bits, p + 1, k)).unwrap_or(j)
                };
                for (k, tok) in tokens.iter().enumerate().take(end).skip(j) {
                    out.push((format!("${}", k + 1), tok.value.to_owned()));
                }
                j = end;
            }
            PField::Column { name, .. } => {
                let value = if last { rest(text, &tokens, j) } else { tokens[j].value };
                let key = match name {
                    Some(n) => format!("${n}"),
                    None => format!("${}", j + 1),
                };
                out.push((key, value.to_owned()));
                j += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_a_log_line() {
        let line = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
        let v: Vec<_> = tokenize(line).iter().map(|t| t.value).collect();
        assert_eq!(
            v,
            [
                "127.0.0.1",
                "-",
                "frank",
                "10/Oct/2000:13:25:15 -0700",
                "GET /index.html HTTP/1.0",
                "404",
                "1534"
            ]
        );
        let v: Vec<_> = tokenize("  a   b \"unclosed c").iter().map(|t| t.value).collect();
        assert_eq!(v, ["a", "b", "unclosed c"]);
        assert!(tokenize("").is_empty());
    }

    #[test]
    fn many_ellipses_stay_fast() {
        let fields: Vec<PField> = (0..200)
            .map(|i| {
                if i % 2 == 0 {
                    PField::Ellipsis
                } else {
                    PField::Column {
                        name: None,
                        alts: vec![vec![Cond::Text {
                            m: TextMatcher::Exact("zz".into()),
                            negate: false,
                        }]],
                    }
                }
            })
            .collect();
        let line = "a ".repeat(5000);
        assert!(!is_match(&fields, &line));
    }
}
