//! The per-record work: one [`Accumulator`] per reader thread counts analysed calls per series
//! and minute, with who made them, and is merged afterwards.
//!
//! Per record this costs a few branches for records that are not analysed (reads without an
//! error, data events, Insights records), and for the others one hash lookup for the series,
//! one for the minute, two string look-ups for the caller and the user agent, and a few
//! increments. The statistics are computed per series afterwards, by the detector.

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use trailguard_model::{Event, EventClass, Timestamp};

use crate::aws::AwsInsight;
use crate::config::InsightsConfig;
use crate::key::{InsightType, Interner, KeyIds, NULL, Sid};

/// Attribution dimension of a packed attribute value: `userIdentityArn`.
pub(crate) const ARN: u32 = 0;
/// Attribution dimension: `userAgent`.
pub(crate) const AGENT: u32 = 1;
/// Attribution dimension: `errorCode`.
pub(crate) const CODE: u32 = 2;
const ID_BITS: u32 = 30;
const ID_MASK: u32 = (1 << ID_BITS) - 1;

#[inline]
pub(crate) fn pack(kind: u32, id: Sid) -> u32 {
    // Ids never reach 2³⁰ (a billion distinct strings would not fit in memory first); an id
    // that did would be attributed to "null" rather than to a wrong value.
    let id = if id > ID_MASK { NULL } else { id };
    (kind << ID_BITS) | id
}

#[inline]
pub(crate) fn unpack(v: u32) -> (u32, Sid) {
    (v >> ID_BITS, v & ID_MASK)
}

/// Latest minute index accepted (year ~9575): leaves room for window arithmetic in `u32`.
const MAX_MINUTE: i64 = 4_000_000_000;

/// The minute index (minutes since the epoch) of a time, if representable.
#[inline]
pub(crate) fn minute_of(t: Timestamp) -> Option<u32> {
    let m = t.millis().div_euclid(60_000);
    if (0..=MAX_MINUTE).contains(&m) {
        Some(m as u32)
    } else {
        None
    }
}

/// The time at the start of a minute index.
pub(crate) fn time_of(minute: u32) -> Timestamp {
    Timestamp::from_secs(i64::from(minute) * 60)
}

/// One series' events in one minute: how many, and by whom (exact counts per attribution
/// value, packed as dimension and string id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cell {
    pub(crate) n: u32,
    pub(crate) attrs: Vec<(u32, u32)>,
}

impl Cell {
    #[inline]
    fn bump(&mut self, v: u32, by: u32) {
        for a in self.attrs.iter_mut() {
            if a.0 == v {
                a.1 = a.1.saturating_add(by);
                return;
            }
        }
        self.attrs.push((v, by));
    }

    #[inline]
    fn add(&mut self, arn: Sid, agent: Sid, code: Option<Sid>) {
        self.n = self.n.saturating_add(1);
        self.bump(pack(ARN, arn), 1);
        self.bump(pack(AGENT, agent), 1);
        if let Some(c) = code {
            self.bump(pack(CODE, c), 1);
        }
    }

    /// Add `other`, whose string ids are mapped through `remap`.
    pub(crate) fn merge(&mut self, other: Cell, remap: &[Sid]) {
        self.n = self.n.saturating_add(other.n);
        for (v, c) in other.attrs {
            let (kind, id) = unpack(v);
            let id = remap.get(id as usize).copied().unwrap_or(NULL);
            self.bump(pack(kind, id), c);
        }
    }
}

/// What the detector saw.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Records looked at.
    pub records: u64,
    /// Calls counted for the call rate.
    pub calls: u64,
    /// Errors counted for the error rate.
    pub errors: u64,
    /// CloudTrail Insights records found in the input.
    pub insight_records: u64,
    /// Records whose time cannot be placed on the minute axis (before 1970 or after 9000).
    pub bad_time: u64,
    /// Analysed records that arrived after their minute had been evaluated (streaming only):
    /// they count for later baselines but could not raise an insight.
    pub late: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, o: &Counts) {
        self.records += o.records;
        self.calls += o.calls;
        self.errors += o.errors;
        self.insight_records += o.insight_records;
        self.bad_time += o.bad_time;
        self.late += o.late;
    }
}

/// Where accumulated counts are merged into: another accumulator, or the detector.
pub(crate) trait Store {
    fn string(&mut self, s: &str) -> Sid;
    fn series(&mut self, key: KeyIds) -> u32;
    fn add_cell(&mut self, series: u32, minute: u32, cell: Cell, remap: &[Sid]);
    fn cover(&mut self, account: Sid, hour: u32);
    /// The account's first and last record minutes (merged by min and max).
    fn span(&mut self, account: Sid, first: u32, last: u32);
    fn aws(&mut self, insight: AwsInsight);
    fn counts(&mut self) -> &mut Counts;
}

/// Which records are analysed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Filter {
    read_calls: bool,
    data_events: bool,
}

/// The account seen last: records of one file nearly always share it.
#[derive(Clone, Debug)]
struct Current {
    account: String,
    id: Option<Sid>,
    hour: u32,
    first: u32,
    last: u32,
}

/// Per-thread counts of analysed calls: per series and minute, with attributions, plus the
/// hours each account has records in (the coverage that makes an empty minute a zero rather
/// than a gap in the data). Merge with [`Accumulator::merge`], hand to the detector with
/// [`crate::Detector::absorb`]. Nothing here depends on the order records arrive in.
#[derive(Clone, Debug)]
pub struct Accumulator {
    filter: Filter,
    strings: Interner,
    index: FxHashMap<Box<str>, u32>,
    series: Vec<KeyIds>,
    cells: FxHashMap<u64, Cell>,
    coverage: FxHashSet<u64>,
    span: FxHashMap<Sid, (u32, u32)>,
    current: Current,
    aws: Vec<AwsInsight>,
    counts: Counts,
    buf: String,
}

impl Accumulator {
    /// An empty accumulator analysing what `config` asks for.
    pub fn new(config: &InsightsConfig) -> Self {
        Accumulator {
            filter: Filter {
                read_calls: config.read_calls,
                data_events: config.data_events,
            },
            strings: Interner::default(),
            index: FxHashMap::default(),
            series: Vec::new(),
            cells: FxHashMap::default(),
            coverage: FxHashSet::default(),
            span: FxHashMap::default(),
            current: Current {
                account: String::new(),
                id: None,
                hour: u32::MAX,
                first: u32::MAX,
                last: 0,
            },
            aws: Vec::new(),
            counts: Counts::default(),
            buf: String::new(),
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.counts.records == 0
    }

    /// Counts so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Count one record. `fallback_account` is used when the record names no account (the
    /// account in its file's S3 key).
    #[inline]
    pub fn record(&mut self, ev: &Event<'_>, fallback_account: Option<&str>) {
        self.counts.records += 1;
        let Some(minute) = minute_of(ev.time) else {
            self.counts.bad_time += 1;
            return;
        };
        let account = ev.account().or(fallback_account).unwrap_or("");
        let class = ev.class();
        if class == EventClass::Insight {
            self.counts.insight_records += 1;
            self.aws.push(AwsInsight::from_event(ev, fallback_account));
            return;
        }
        let acct = self.touch(account, minute);
        let call = match class {
            EventClass::Management => match ev.read_only {
                Some(false) => true,
                Some(true) => self.filter.read_calls,
                None => false,
            },
            EventClass::Data if self.filter.data_events => true,
            _ => return,
        };
        let error = ev.error_code.as_deref().filter(|c| !c.is_empty());
        if !call && error.is_none() {
            return;
        }
        // AWS does not say whether service events count; they are not calls anyone made.
        if matches!(
            ev.event_type.as_deref(),
            Some("AwsServiceEvent" | "AwsCloudTrailInsight")
        ) {
            return;
        }
        let region = ev.aws_region.as_deref().unwrap_or("");
        let source = ev.event_source.as_deref().unwrap_or("");
        let name = ev.event_name.as_deref().unwrap_or("");
        let arn = principal_value(ev);
        let arn = self.strings.id(&arn);
        let agent = match ev.user_agent.as_deref() {
            Some(a) if !a.is_empty() => self.strings.id(a),
            _ => NULL,
        };
        if call {
            let code = error.map_or(NULL, |c| self.strings.id(c));
            let s = self.series_id(
                InsightType::ApiCallRateInsight,
                acct,
                account,
                region,
                source,
                name,
                None,
            );
            self.cell(s, minute).add(arn, agent, Some(code));
            self.counts.calls += 1;
        }
        if let Some(code) = error {
            let s = self.series_id(
                InsightType::ApiErrorRateInsight,
                acct,
                account,
                region,
                source,
                name,
                Some(code),
            );
            self.cell(s, minute).add(arn, agent, None);
            self.counts.errors += 1;
        }
    }

    /// Note that `account` has a record in `minute`'s hour; its id.
    #[inline]
    pub(crate) fn touch(&mut self, account: &str, minute: u32) -> Sid {
        let id = match self.current.id {
            Some(id) if self.current.account == account => id,
            _ => {
                self.flush_current();
                self.current.account.clear();
                self.current.account.push_str(account);
                let id = self.strings.id(account);
                self.current.id = Some(id);
                self.current.hour = u32::MAX;
                self.current.first = minute;
                self.current.last = minute;
                id
            }
        };
        let hour = minute / 60;
        if hour != self.current.hour {
            self.coverage.insert((u64::from(id) << 32) | u64::from(hour));
            self.current.hour = hour;
        }
        self.current.first = self.current.first.min(minute);
        self.current.last = self.current.last.max(minute);
        id
    }

    fn flush_current(&mut self) {
        if let Some(id) = self.current.id {
            let (first, last) = (self.current.first, self.current.last);
            let e = self.span.entry(id).or_insert((first, last));
            *e = (e.0.min(first), e.1.max(last));
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn series_id(
        &mut self,
        kind: InsightType,
        acct: Sid,
        account: &str,
        region: &str,
        source: &str,
        name: &str,
        code: Option<&str>,
    ) -> u32 {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.push(match kind {
            InsightType::ApiCallRateInsight => 'c',
            InsightType::ApiErrorRateInsight => 'e',
        });
        for part in [account, region, source, name] {
            buf.push_str(part);
            buf.push('\u{1f}');
        }
        if let Some(c) = code {
            buf.push_str(c);
        }
        let id = match self.index.get(buf.as_str()) {
            Some(&id) => id,
            None => {
                let key = KeyIds {
                    kind,
                    account: acct,
                    region: self.strings.id(region),
                    source: self.strings.id(source),
                    name: self.strings.id(name),
                    code: code.map_or(NULL, |c| self.strings.id(c)),
                };
                let id = self.series.len() as u32;
                self.series.push(key);
                self.index.insert(buf.as_str().into(), id);
                id
            }
        };
        self.buf = buf;
        id
    }

    #[inline]
    fn cell(&mut self, series: u32, minute: u32) -> &mut Cell {
        self.cells
            .entry((u64::from(series) << 32) | u64::from(minute))
            .or_default()
    }

    /// Count `n` calls in one minute directly (tests of the model on synthetic series).
    #[cfg(test)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_counts(
        &mut self,
        kind: InsightType,
        account: &str,
        region: &str,
        api: (&str, &str),
        code: Option<&str>,
        minute: u32,
        n: u32,
        who: (&str, &str),
    ) {
        let acct = self.touch(account, minute);
        if n == 0 {
            return;
        }
        let s = self.series_id(kind, acct, account, region, api.0, api.1, code);
        let arn = self.strings.id(who.0);
        let agent = self.strings.id(who.1);
        let code_attr = match kind {
            InsightType::ApiCallRateInsight => Some(code.map_or(NULL, |c| self.strings.id(c))),
            InsightType::ApiErrorRateInsight => None,
        };
        for _ in 0..n {
            self.cell(s, minute).add(arn, agent, code_attr);
        }
        self.counts.records += u64::from(n);
    }

    /// The part of this accumulator in the minutes `[from, to)` (whole hours), as if only
    /// those records had been read: for feeding a stream in steps in tests.
    #[cfg(test)]
    pub(crate) fn slice(&self, from: u32, to: u32) -> Accumulator {
        let mut a = self.clone();
        a.flush_current();
        a.current.id = None;
        a.cells.retain(|k, _| (from..to).contains(&(*k as u32)));
        a.coverage
            .retain(|k| (from / 60..to.div_ceil(60)).contains(&(*k as u32)));
        let accounts: FxHashSet<Sid> = a.coverage.iter().map(|k| (k >> 32) as Sid).collect();
        a.span = a
            .span
            .iter()
            .filter(|(k, _)| accounts.contains(k))
            .map(|(&k, &(f, l))| (k, (f.max(from), l.min(to - 1))))
            .collect();
        a
    }

    /// Merge another accumulator into this one.
    pub fn merge(&mut self, other: Accumulator) {
        other.transfer(self);
    }

    /// Move everything into `dest`.
    pub(crate) fn transfer(mut self, dest: &mut impl Store) {
        self.flush_current();
        let remap: Vec<Sid> = self.strings.strings().map(|s| dest.string(s)).collect();
        let at = |i: Sid| remap.get(i as usize).copied().unwrap_or(NULL);
        let series: Vec<u32> = self.series.iter().map(|k| dest.series(k.map(at))).collect();
        for (k, cell) in self.cells {
            let Some(&s) = series.get((k >> 32) as usize) else {
                continue;
            };
            dest.add_cell(s, k as u32, cell, &remap);
        }
        for k in self.coverage {
            dest.cover(at((k >> 32) as Sid), k as u32);
        }
        for (a, (f, l)) in self.span {
            dest.span(at(a), f, l);
        }
        for a in self.aws {
            dest.aws(a);
        }
        dest.counts().add(&self.counts);
    }
}

impl Store for Accumulator {
    fn string(&mut self, s: &str) -> Sid {
        self.strings.id(s)
    }

    fn series(&mut self, key: KeyIds) -> u32 {
        let s = |i: Sid| self.strings.get(i).to_owned();
        let (account, region, source, name) = (s(key.account), s(key.region), s(key.source), s(key.name));
        let code = match key.kind {
            InsightType::ApiErrorRateInsight => Some(s(key.code)),
            InsightType::ApiCallRateInsight => None,
        };
        self.series_id(
            key.kind,
            key.account,
            &account,
            &region,
            &source,
            &name,
            code.as_deref(),
        )
    }

    fn add_cell(&mut self, series: u32, minute: u32, cell: Cell, remap: &[Sid]) {
        self.cell(series, minute).merge(cell, remap);
    }

    fn cover(&mut self, account: Sid, hour: u32) {
        self.coverage.insert((u64::from(account) << 32) | u64::from(hour));
    }

    fn span(&mut self, account: Sid, first: u32, last: u32) {
        let e = self.span.entry(account).or_insert((first, last));
        *e = (e.0.min(first), e.1.max(last));
    }

    fn aws(&mut self, insight: AwsInsight) {
        self.aws.push(insight);
    }

    fn counts(&mut self) -> &mut Counts {
        &mut self.counts
    }
}

/// The `userIdentityArn` attribution value of a record: `userIdentity.arn` with the session
/// name of an assumed role left out (as CloudTrail's own attributions show
/// `arn:aws:sts::…:assumed-role/Role`), else the invoking service, else a label for the
/// caller, else `"null"`.
pub(crate) fn principal_value<'e>(ev: &'e Event<'_>) -> Cow<'e, str> {
    if let Some(arn) = ev.principal_arn().filter(|a| !a.is_empty()) {
        return Cow::Borrowed(strip_session(arn));
    }
    if let Some(by) = ev.user_identity.as_ref().and_then(|u| u.invoked_by.as_deref()) {
        return Cow::Borrowed(by);
    }
    ev.actor().unwrap_or(Cow::Borrowed("null"))
}

/// `arn:aws:sts::1:assumed-role/Role/session` → `arn:aws:sts::1:assumed-role/Role`.
pub(crate) fn strip_session(arn: &str) -> &str {
    const MARK: &str = ":assumed-role/";
    if let Some(i) = arn.find(MARK) {
        let role_at = i + MARK.len();
        if let Some(j) = arn[role_at..].find('/') {
            return &arn[..role_at + j];
        }
    }
    arn
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailguard_model::decode_event_text;

    #[test]
    fn sessions_are_left_out_of_role_arns() {
        assert_eq!(
            strip_session("arn:aws:sts::123456789012:assumed-role/CodeDeployRole1/i-0abc"),
            "arn:aws:sts::123456789012:assumed-role/CodeDeployRole1"
        );
        assert_eq!(
            strip_session("arn:aws:iam::123456789012:user/alice"),
            "arn:aws:iam::123456789012:user/alice"
        );
        assert_eq!(
            strip_session("arn:aws:sts::1:assumed-role/R"),
            "arn:aws:sts::1:assumed-role/R"
        );
    }

    fn ev(json: &str) -> Event<'_> {
        decode_event_text(json).unwrap()
    }

    #[test]
    fn what_is_counted() {
        let cfg = InsightsConfig::default();
        let mut a = Accumulator::new(&cfg);
        let base = r#""eventTime":"2026-01-05T10:00:30Z","awsRegion":"us-east-1","eventSource":"ec2.amazonaws.com","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"},"userAgent":"cli""#;
        let write = format!(r#"{{{base},"eventName":"CreateTags","readOnly":false,"eventType":"AwsApiCall"}}"#);
        let read = format!(r#"{{{base},"eventName":"DescribeTags","readOnly":true}}"#);
        let read_err = format!(r#"{{{base},"eventName":"DescribeTags","readOnly":true,"errorCode":"AccessDenied"}}"#);
        let write_err = format!(
            r#"{{{base},"eventName":"CreateTags","readOnly":false,"errorCode":"Client.UnauthorizedOperation"}}"#
        );
        let service = format!(r#"{{{base},"eventName":"CreateTags","readOnly":false,"eventType":"AwsServiceEvent"}}"#);
        let data = format!(
            r#"{{{base},"eventName":"GetObject","readOnly":true,"managementEvent":false,"eventCategory":"Data"}}"#
        );
        for j in [&write, &read, &read_err, &write_err, &service, &data] {
            a.record(&ev(j), None);
        }
        assert_eq!(a.counts.records, 6);
        assert_eq!(a.counts.calls, 2, "two write calls");
        assert_eq!(a.counts.errors, 2, "two errors");
        // Series: call CreateTags; errors DescribeTags/AccessDenied and CreateTags/Client…
        assert_eq!(a.series.len(), 3);
        assert_eq!(a.cells.len(), 3);

        let cfg = InsightsConfig {
            read_calls: true,
            data_events: true,
            ..InsightsConfig::default()
        };
        let mut b = Accumulator::new(&cfg);
        for j in [&write, &read, &read_err, &write_err, &service, &data] {
            b.record(&ev(j), None);
        }
        assert_eq!(b.counts.calls, 5, "reads and data events too");
    }

    #[test]
    fn merging_is_order_independent() {
        let cfg = InsightsConfig::default();
        let recs: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    r#"{{"eventTime":"2026-01-05T10:{:02}:00Z","awsRegion":"r{}","eventSource":"s","eventName":"N{}","readOnly":false,"recipientAccountId":"{}","userIdentity":{{"arn":"arn:aws:iam::1:user/u{}"}},"userAgent":"ua{}"}}"#,
                    i % 7,
                    i % 2,
                    i % 3,
                    100 + i % 2,
                    i % 5,
                    i % 4
                )
            })
            .collect();
        let build = |order: &[usize], split: usize| {
            let mut x = Accumulator::new(&cfg);
            let mut y = Accumulator::new(&cfg);
            for (k, &i) in order.iter().enumerate() {
                let e = ev(&recs[i]);
                if k < split {
                    x.record(&e, None)
                } else {
                    y.record(&e, None)
                }
            }
            x.merge(y);
            x
        };
        let fwd: Vec<usize> = (0..40).collect();
        let rev: Vec<usize> = (0..40).rev().collect();
        let a = build(&fwd, 13);
        let b = build(&rev, 29);
        // Compare as text: ids differ, strings must not.
        assert_eq!(render(&a), render(&b));
        assert_eq!(a.counts, b.counts);
    }

    fn render(a: &Accumulator) -> Vec<String> {
        let mut out = Vec::new();
        for (k, c) in &a.cells {
            let key = a.series[(k >> 32) as usize];
            let s = |i| a.strings.get(i).to_owned();
            let mut attrs: Vec<String> = c
                .attrs
                .iter()
                .map(|&(v, n)| {
                    let (kind, id) = unpack(v);
                    format!("{kind}:{}={n}", s(id))
                })
                .collect();
            attrs.sort();
            out.push(format!(
                "{:?} {} {} {} {} {} @{} n={} {:?}",
                key.kind,
                s(key.account),
                s(key.region),
                s(key.source),
                s(key.name),
                s(key.code),
                *k as u32,
                c.n,
                attrs
            ));
        }
        let mut cov: Vec<String> = a
            .coverage
            .iter()
            .map(|k| format!("{}@{}", a.strings.get((k >> 32) as u32), *k as u32))
            .collect();
        cov.sort();
        out.sort();
        out.extend(cov);
        let mut a = a.clone();
        a.flush_current();
        let mut last: Vec<String> = a
            .span
            .iter()
            .map(|(k, v)| format!("{}={v:?}", a.strings.get(*k)))
            .collect();
        last.sort();
        out.extend(last);
        out
    }
}
