//! What is counted: insight types, series keys, and the string table they refer to.

use std::fmt;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The two detectors of CloudTrail Insights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InsightType {
    /// Calls per minute (write management calls; see [`crate::InsightsConfig`] for the
    /// extensions).
    ApiCallRateInsight,
    /// Calls per minute that returned one error code.
    ApiErrorRateInsight,
}

impl InsightType {
    /// The `insightType` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            InsightType::ApiCallRateInsight => "ApiCallRateInsight",
            InsightType::ApiErrorRateInsight => "ApiErrorRateInsight",
        }
    }

    /// A short label for tables (`call rate`, `error rate`).
    pub fn label(self) -> &'static str {
        match self {
            InsightType::ApiCallRateInsight => "call rate",
            InsightType::ApiErrorRateInsight => "error rate",
        }
    }

    /// Parse the `insightType` spelling.
    pub fn parse(s: &str) -> Option<InsightType> {
        match s {
            "ApiCallRateInsight" => Some(InsightType::ApiCallRateInsight),
            "ApiErrorRateInsight" => Some(InsightType::ApiErrorRateInsight),
            _ => None,
        }
    }
}

impl fmt::Display for InsightType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Id of a string in an [`Interner`].
pub(crate) type Sid = u32;

/// The id every interner gives to `"null"` (the value of an absent error code or user agent).
pub(crate) const NULL: Sid = 0;

/// Strings stored once, referred to by id. Ids depend on the order strings were first seen, so
/// nothing visible may depend on them: every output uses the strings, and ties are broken by
/// string.
#[derive(Clone, Debug)]
pub(crate) struct Interner {
    map: FxHashMap<Box<str>, Sid>,
    strs: Vec<Box<str>>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut i = Interner {
            map: FxHashMap::default(),
            strs: Vec::new(),
        };
        i.id("null");
        i
    }
}

impl Interner {
    /// The id of `s`, added if new.
    #[inline]
    pub(crate) fn id(&mut self, s: &str) -> Sid {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.strs.len() as Sid;
        let b: Box<str> = s.into();
        self.strs.push(b.clone());
        self.map.insert(b, id);
        id
    }

    /// The string with id `id` (`""` for an unknown id, which cannot happen for ids this
    /// interner gave out).
    #[inline]
    pub(crate) fn get(&self, id: Sid) -> &str {
        self.strs.get(id as usize).map_or("", |s| s)
    }

    /// The id of `s`, if known.
    pub(crate) fn lookup(&self, s: &str) -> Option<Sid> {
        self.map.get(s).copied()
    }

    /// Number of strings.
    pub(crate) fn len(&self) -> usize {
        self.strs.len()
    }

    /// Every string, by id.
    pub(crate) fn strings(&self) -> impl Iterator<Item = &str> {
        self.strs.iter().map(|s| &**s)
    }

    /// Rebuild from a list of strings (by id); `None` unless the first is `"null"` and there
    /// are no duplicates.
    pub(crate) fn from_strings(list: Vec<String>) -> Option<Interner> {
        if list.first().map(String::as_str) != Some("null") {
            return None;
        }
        let mut i = Interner {
            map: FxHashMap::default(),
            strs: Vec::with_capacity(list.len()),
        };
        for s in list {
            let b: Box<str> = s.into();
            if i.map.insert(b.clone(), i.strs.len() as Sid).is_some() {
                return None;
            }
            i.strs.push(b);
        }
        Some(i)
    }
}

/// One analysed series: account × region × API × insight type (× error code), as string ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct KeyIds {
    pub(crate) kind: InsightType,
    pub(crate) account: Sid,
    pub(crate) region: Sid,
    pub(crate) source: Sid,
    pub(crate) name: Sid,
    /// The error code of an error-rate series; [`NULL`] for call rate.
    pub(crate) code: Sid,
}

impl KeyIds {
    /// The same key with every id mapped through `f`.
    pub(crate) fn map(self, f: impl Fn(Sid) -> Sid) -> KeyIds {
        KeyIds {
            kind: self.kind,
            account: f(self.account),
            region: f(self.region),
            source: f(self.source),
            name: f(self.name),
            code: f(self.code),
        }
    }
}

/// A series key as text: what an insight is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    /// `recipientAccountId` of the records.
    pub account: String,
    /// `awsRegion`.
    pub region: String,
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// Which detector.
    pub insight_type: InsightType,
    /// The error code of an error-rate insight.
    pub error_code: Option<String>,
}

impl SeriesKey {
    /// `eventSource:eventName`, with the short service name (`ec2:CreateTags`).
    pub fn api(&self) -> String {
        let service = self
            .event_source
            .strip_suffix(".amazonaws.com")
            .unwrap_or(&self.event_source);
        format!("{service}:{}", self.event_name)
    }

    pub(crate) fn from_ids(k: &KeyIds, strings: &Interner) -> SeriesKey {
        SeriesKey {
            account: strings.get(k.account).to_owned(),
            region: strings.get(k.region).to_owned(),
            event_source: strings.get(k.source).to_owned(),
            event_name: strings.get(k.name).to_owned(),
            insight_type: k.kind,
            error_code: match k.kind {
                InsightType::ApiErrorRateInsight => Some(strings.get(k.code).to_owned()),
                InsightType::ApiCallRateInsight => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_round_trip() {
        let mut i = Interner::default();
        assert_eq!(i.id("null"), NULL);
        let a = i.id("a");
        assert_eq!(i.id("a"), a);
        assert_eq!(i.get(a), "a");
        let list: Vec<String> = i.strings().map(str::to_owned).collect();
        let j = Interner::from_strings(list).unwrap();
        assert_eq!(j.get(a), "a");
        assert!(Interner::from_strings(vec!["x".into()]).is_none());
        assert!(Interner::from_strings(vec!["null".into(), "a".into(), "a".into()]).is_none());
    }

    #[test]
    fn api_label() {
        let k = SeriesKey {
            account: "1".into(),
            region: "r".into(),
            event_source: "ec2.amazonaws.com".into(),
            event_name: "CreateTags".into(),
            insight_type: InsightType::ApiCallRateInsight,
            error_code: None,
        };
        assert_eq!(k.api(), "ec2:CreateTags");
        assert_eq!(
            InsightType::parse("ApiErrorRateInsight"),
            Some(InsightType::ApiErrorRateInsight)
        );
    }
}
