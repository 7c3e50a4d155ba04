//! [`Raw`]: the exact text of a value that was validated while skipped, navigated lazily.

use std::borrow::Cow;

use crate::{Kind, Limits, Scanner};

/// The exact JSON text of one value, known to be valid.
///
/// Obtained from [`Scanner::skip_value_raw`] (or [`Raw::parse`]); navigation re-scans the text
/// on demand, so a payload that no rule looks at costs nothing beyond the validating skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Raw<'a>(&'a str);

/// A decoded scalar, or a container left as text.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, as its JSON text.
    Number(&'a str),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array, as text.
    Array(Raw<'a>),
    /// An object, as text.
    Object(Raw<'a>),
}

impl<'a> Value<'a> {
    /// The kind of this value.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The text of a scalar as it would be compared as a string: the string itself, a number's
    /// JSON text, `true`/`false`, `null`. `None` for containers.
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Null => Some(Cow::Borrowed("null")),
            Value::Bool(true) => Some(Cow::Borrowed("true")),
            Value::Bool(false) => Some(Cow::Borrowed("false")),
            Value::Number(n) => Some(Cow::Borrowed(n)),
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => None,
        }
    }
}

fn limits() -> Limits {
    Limits::default()
}

impl<'a> Raw<'a> {
    /// Wrap text that a [`Scanner`] has validated.
    pub(crate) fn from_validated(text: &'a str) -> Self {
        Raw(text)
    }

    /// Validate `text` as exactly one JSON value (surrounding whitespace allowed).
    pub fn parse(text: &'a str) -> Result<Self, crate::Error> {
        let mut sc = Scanner::from_str(text, limits());
        let start = {
            sc.peek();
            sc.pos()
        };
        sc.skip_value()?;
        let end = sc.pos();
        if !sc.at_end() {
            return Err(sc.error(crate::ErrorKind::Unexpected {
                found: text.as_bytes()[sc.pos()],
                expected: "end of JSON",
            }));
        }
        Ok(Raw(&text[start..end]))
    }

    /// The JSON text.
    pub fn text(&self) -> &'a str {
        self.0
    }

    /// The kind of value.
    pub fn kind(&self) -> Kind {
        self.0
            .bytes()
            .next()
            .and_then(Kind::of_first_byte)
            .unwrap_or(Kind::Null)
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        self.0 == "null"
    }

    fn scanner(&self) -> Scanner<'a> {
        Scanner::from_str(self.0, limits())
    }

    /// Decode: scalars are decoded, containers stay as text.
    pub fn value(&self) -> Value<'a> {
        let mut sc = self.scanner();
        let decoded = match self.kind() {
            Kind::Null => Some(Value::Null),
            Kind::Bool => sc.parse_bool().ok().map(Value::Bool),
            Kind::Number => sc.parse_number().ok().map(Value::Number),
            Kind::String => sc.parse_str().ok().map(Value::String),
            Kind::Array => Some(Value::Array(*self)),
            Kind::Object => Some(Value::Object(*self)),
        };
        // Raw text is validated on construction, so decoding cannot fail.
        decoded.unwrap_or(Value::Null)
    }

    /// The decoded string, if this is a string.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        if self.kind() == Kind::String {
            self.scanner().parse_str().ok()
        } else {
            None
        }
    }

    /// The member `key` of an object (the first, if repeated).
    pub fn get(&self, key: &str) -> Option<Raw<'a>> {
        let mut found = None;
        self.for_each_member(|k, v| {
            if k == key {
                found = Some(v);
                false
            } else {
                true
            }
        });
        found
    }

    /// Element `index` of an array.
    pub fn index(&self, index: usize) -> Option<Raw<'a>> {
        let mut i = 0;
        let mut found = None;
        self.for_each_element(|v| {
            if i == index {
                found = Some(v);
                return false;
            }
            i += 1;
            true
        });
        found
    }

    /// Call `f` with each member of an object until it returns false. Does nothing for other
    /// kinds.
    pub fn for_each_member(&self, mut f: impl FnMut(&str, Raw<'a>) -> bool) {
        if self.kind() != Kind::Object {
            return;
        }
        let mut sc = self.scanner();
        let Ok(mut obj) = sc.begin_object() else {
            return;
        };
        while let Ok(Some(key)) = obj.next_key_raw(&mut sc) {
            let Ok(v) = sc.skip_value_raw() else { return };
            let go_on = if key.2 {
                match sc.key_str(key) {
                    Ok(k) => f(&k, v),
                    Err(_) => return,
                }
            } else {
                f(sc.key_text(key), v)
            };
            if !go_on {
                return;
            }
        }
    }

    /// Call `f` with each element of an array until it returns false. Does nothing for other
    /// kinds.
    pub fn for_each_element(&self, mut f: impl FnMut(Raw<'a>) -> bool) {
        if self.kind() != Kind::Array {
            return;
        }
        let mut sc = self.scanner();
        let Ok(mut arr) = sc.begin_array() else {
            return;
        };
        while let Ok(true) = arr.next(&mut sc) {
            let Ok(v) = sc.skip_value_raw() else { return };
            if !f(v) {
                return;
            }
        }
    }

    /// The members of an object, in order.
    pub fn members(&self) -> Vec<(Cow<'a, str>, Raw<'a>)> {
        let mut out = Vec::new();
        if self.kind() != Kind::Object {
            return out;
        }
        let mut sc = self.scanner();
        let Ok(mut obj) = sc.begin_object() else {
            return out;
        };
        while let Ok(Some(k)) = obj.next_key(&mut sc) {
            let Ok(v) = sc.skip_value_raw() else { break };
            out.push((k, v));
        }
        out
    }

    /// The elements of an array, in order.
    pub fn elements(&self) -> Vec<Raw<'a>> {
        let mut out = Vec::new();
        self.for_each_element(|v| {
            out.push(v);
            true
        });
        out
    }
}

impl std::fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation() {
        let r = Raw::parse(r#" {"a": {"b": [10, "x", {"c": true}]}, "d\u002ee": null} "#).unwrap();
        assert_eq!(r.kind(), Kind::Object);
        let b = r.get("a").unwrap().get("b").unwrap();
        assert_eq!(b.kind(), Kind::Array);
        assert_eq!(b.index(0).unwrap().value(), Value::Number("10"));
        assert_eq!(b.index(1).unwrap().as_str().as_deref(), Some("x"));
        assert_eq!(b.index(2).unwrap().get("c").unwrap().value(), Value::Bool(true));
        assert!(b.index(3).is_none());
        assert!(r.get("d.e").unwrap().is_null());
        assert!(r.get("zz").is_none());
        assert_eq!(b.elements().len(), 3);
        assert_eq!(r.members().len(), 2);
        assert!(Raw::parse("1 2").is_err());
        assert!(Raw::parse("{").is_err());
    }
}
