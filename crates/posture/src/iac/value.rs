//! Resolved template values: known, or unknown with the reason.

/// A value after intrinsic functions were applied.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum V {
    /// `AWS::NoValue`, or a null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as written.
    Num(String),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<V>),
    /// A mapping.
    Map(Vec<(String, V)>),
    /// Not knowable from the template; the reason.
    Unknown(String),
}

impl V {
    /// A string view of scalars (numbers and booleans as written).
    pub(crate) fn as_str(&self) -> Option<String> {
        match self {
            V::Str(s) | V::Num(s) => Some(s.clone()),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            V::Bool(b) => Some(*b),
            V::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            V::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            V::Num(s) | V::Str(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| f as i64),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        match self {
            V::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn items(&self) -> &[V] {
        match self {
            V::List(l) => l,
            _ => &[],
        }
    }

    /// Strings of a list (or a single string), skipping what is not a string.
    pub(crate) fn strings(&self) -> Vec<String> {
        match self {
            V::List(l) => l.iter().filter_map(V::as_str).collect(),
            v => v.as_str().into_iter().collect(),
        }
    }

    /// The first unknown inside, if any.
    pub(crate) fn unknown(&self) -> Option<&str> {
        match self {
            V::Unknown(r) => Some(r),
            V::List(l) => l.iter().find_map(V::unknown),
            V::Map(m) => m.iter().find_map(|(_, v)| v.unknown()),
            _ => None,
        }
    }

    /// As plain JSON; unknowns become `"{unknown: reason}"` strings.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            V::Null => serde_json::Value::Null,
            V::Bool(b) => serde_json::Value::Bool(*b),
            V::Num(n) => n
                .parse::<i64>()
                .map(serde_json::Value::from)
                .or_else(|_| n.parse::<f64>().map(serde_json::Value::from))
                .unwrap_or_else(|_| serde_json::Value::String(n.clone())),
            V::Str(s) => serde_json::Value::String(s.clone()),
            V::List(l) => serde_json::Value::Array(l.iter().map(V::to_json).collect()),
            V::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            V::Unknown(r) => serde_json::Value::String(format!("{{unknown: {r}}}")),
        }
    }

    /// From plain JSON.
    pub(crate) fn from_json(v: &serde_json::Value) -> V {
        match v {
            serde_json::Value::Null => V::Null,
            serde_json::Value::Bool(b) => V::Bool(*b),
            serde_json::Value::Number(n) => V::Num(n.to_string()),
            serde_json::Value::String(s) => V::Str(s.clone()),
            serde_json::Value::Array(a) => V::List(a.iter().map(V::from_json).collect()),
            serde_json::Value::Object(o) => V::Map(o.iter().map(|(k, v)| (k.clone(), V::from_json(v))).collect()),
        }
    }
}
