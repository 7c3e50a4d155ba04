//! `lookup` (answers like `aws cloudtrail lookup-events`) and `timeline` (what one principal,
//! access key or address did, in order), both as SQL over the lake.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, TimestampMicrosecondType};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use trailguard_model::{FieldId, LookupAttribute, LookupKey, Timestamp};

use crate::error::LakeError;
use crate::query::QueryResult;

/// A SQL string literal.
pub(crate) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A time as a literal the planner casts to `eventtime`'s type (UTC, so no time zone applies).
fn time_lit(t: Timestamp) -> String {
    lit(&t.to_rfc3339_millis())
}

/// A `LookupEvents`-style request.
#[derive(Clone, Debug, Default)]
pub struct LookupRequest {
    /// Attributes that must all match (AWS allows one; the lake allows several).
    pub attributes: Vec<LookupAttribute>,
    /// Only events at or after this time.
    pub start: Option<Timestamp>,
    /// Only events at or before this time.
    pub end: Option<Timestamp>,
    /// Most events returned (AWS's page is 50; the lake returns up to this many, newest first).
    pub max_results: Option<usize>,
    /// Accounts (`recipientAccountId`, else `userIdentity.accountId`).
    pub accounts: Vec<String>,
    /// Regions (`awsRegion`).
    pub regions: Vec<String>,
    /// Look up Insights records instead (`--event-category insight`).
    pub insights: bool,
}

fn time_conditions(start: Option<Timestamp>, end: Option<Timestamp>, out: &mut Vec<String>) {
    if let Some(s) = start {
        out.push(format!("eventtime >= {}", time_lit(s)));
    }
    if let Some(e) = end {
        out.push(format!("eventtime <= {}", time_lit(e)));
    }
}

fn in_list(col: &str, values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| lit(v)).collect();
    format!("{col} IN ({})", items.join(", "))
}

impl LookupRequest {
    /// The SQL this request runs.
    pub fn to_sql(&self) -> Result<String, LakeError> {
        let mut conds = Vec::new();
        time_conditions(self.start, self.end, &mut conds);
        if self.insights {
            for a in &self.attributes {
                let v = lit(&a.value);
                conds.push(match a.key {
                    LookupKey::EventId => format!("eventid = {v}"),
                    LookupKey::EventName => format!("insight_eventname = {v}"),
                    LookupKey::EventSource => format!("insight_eventsource = {v}"),
                    other => {
                        return Err(LakeError::Invalid(format!(
                            "{other} is not a lookup attribute of Insights events (use EventId, EventName or EventSource)"
                        )));
                    }
                });
            }
            if !self.accounts.is_empty() {
                conds.push(in_list("recipientaccountid", &self.accounts));
            }
            if !self.regions.is_empty() {
                conds.push(in_list("awsregion", &self.regions));
            }
        } else {
            for a in &self.attributes {
                conds.push(attribute_condition(a));
            }
            if !self.accounts.is_empty() {
                conds.push(format!(
                    "({} OR (recipientaccountid IS NULL AND {}))",
                    in_list("recipientaccountid", &self.accounts),
                    in_list("useridentity.accountid", &self.accounts)
                ));
            }
            if !self.regions.is_empty() {
                conds.push(in_list("awsregion", &self.regions));
            }
        }
        let table = if self.insights { "insights" } else { "events" };
        let mut sql = format!("SELECT * FROM {table}");
        if !conds.is_empty() {
            write!(sql, " WHERE {}", conds.join(" AND ")).ok();
        }
        sql.push_str(" ORDER BY eventtime DESC, eventid");
        if let Some(n) = self.max_results {
            write!(sql, " LIMIT {n}").ok();
        }
        Ok(sql)
    }
}

/// The SQL condition of one lookup attribute (the model's `LookupAttribute::matches`).
pub(crate) fn attribute_condition(a: &LookupAttribute) -> String {
    let v = lit(&a.value);
    match a.key {
        LookupKey::EventId => format!("eventid = {v}"),
        LookupKey::EventName => format!("eventname = {v}"),
        LookupKey::EventSource => format!("eventsource = {v}"),
        LookupKey::AccessKeyId => format!("useridentity.accesskeyid = {v}"),
        LookupKey::ReadOnly => format!("readonly = {}", if a.value == "true" { "true" } else { "false" }),
        LookupKey::Username => format!(
            "(coalesce(useridentity.username, CASE \
               WHEN useridentity.type = 'AssumedRole' THEN reverse(split_part(reverse(useridentity.arn), '/', 1)) \
               WHEN useridentity.type = 'Root' THEN 'root' \
               ELSE useridentity.sessioncontext.sessionissuer.username END) = {v} \
             OR useridentity.sessioncontext.sessionissuer.username = {v})"
        ),
        LookupKey::ResourceType => format!("resources_match(resources, 'type', {v})"),
        LookupKey::ResourceName => format!("resources_match(resources, 'name', {v})"),
    }
}

/// Whose activity a timeline shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineSubject {
    /// A principal ARN: a user, a role (every session of it), an assumed-role session.
    Principal(String),
    /// An access key: every call signed with it, and the call that minted it.
    AccessKey(String),
    /// A source address or CIDR block.
    Ip(String),
}

/// A timeline request.
#[derive(Clone, Debug)]
pub struct TimelineRequest {
    /// Whose activity.
    pub subject: TimelineSubject,
    /// From this time.
    pub start: Option<Timestamp>,
    /// Until this time.
    pub end: Option<Timestamp>,
    /// Most events.
    pub max_results: Option<usize>,
}

impl TimelineRequest {
    /// The SQL this request runs.
    pub fn to_sql(&self) -> String {
        let mut conds = Vec::new();
        match &self.subject {
            TimelineSubject::Principal(arn) => {
                let v = lit(arn);
                conds.push(format!(
                    "(useridentity.arn = {v} OR useridentity.sessioncontext.sessionissuer.arn = {v} OR arn_role(useridentity.arn) = {v})"
                ));
            }
            TimelineSubject::AccessKey(k) => {
                let v = lit(k);
                conds.push(format!("(useridentity.accesskeyid = {v} OR re_accesskeyid = {v})"));
            }
            TimelineSubject::Ip(ip) => {
                let v = lit(ip);
                if ip.contains('/') {
                    conds.push(format!("ip_in_cidr(sourceipaddress, {v})"));
                } else {
                    conds.push(format!("sourceipaddress = {v}"));
                }
            }
        }
        time_conditions(self.start, self.end, &mut conds);
        let note = match &self.subject {
            TimelineSubject::AccessKey(k) => format!(
                "CASE WHEN re_accesskeyid = {} AND coalesce(useridentity.accesskeyid, '') <> {} THEN 'issued the key' ELSE '' END",
                lit(k),
                lit(k)
            ),
            _ => "''".to_owned(),
        };
        // CloudTrail times are to the second: the call that issued a key sorts before its first
        // uses within the same second.
        let mut sql = format!(
            "SELECT eventtime, recipientaccountid AS account, awsregion AS region, eventsource, eventname, \
               coalesce(useridentity.arn, useridentity.invokedby, useridentity.type) AS actor, sourceipaddress, \
               errorcode, \
               coalesce(rp_rolearn, rp_username, rp_rolename, rp_policyarn, \
                        CASE WHEN rp_bucketname IS NOT NULL THEN concat(rp_bucketname, CASE WHEN rp_key IS NOT NULL THEN concat('/', rp_key) ELSE '' END) END, \
                        element_at(resources, 1).arn) AS target, \
               {note} AS note, eventid \
             FROM events WHERE {} ORDER BY eventtime, ({note}) = '', eventid",
            conds.join(" AND ")
        );
        if let Some(n) = self.max_results {
            write!(sql, " LIMIT {n}").ok();
        }
        sql
    }
}

/// Lower-case dotted path → CloudTrail's spelling, for every documented field.
static JSON_NAMES: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    for f in FieldId::ALL {
        m.insert(f.path().to_ascii_lowercase(), f.path());
    }
    m
});

fn json_key(path_lower: &str) -> String {
    match JSON_NAMES.get(path_lower) {
        Some(p) => p.rsplit('.').next().unwrap_or(p).to_owned(),
        None => path_lower.rsplit('.').next().unwrap_or(path_lower).to_owned(),
    }
}

/// A JSON value being rebuilt: members keep their order.
enum Node {
    Raw(String),
    Obj(Vec<(String, Node)>),
    Arr(Vec<Node>),
}

impl Node {
    fn write(&self, out: &mut String) {
        match self {
            Node::Raw(t) => out.push_str(t),
            Node::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    trailguard_json::escape_into(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            Node::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
        }
    }

    /// Insert `value` at a dotted path (`a.b.c`, `resources[2].x`), creating objects on the way.
    fn insert(&mut self, path: &str, value: Node) {
        let Node::Obj(members) = self else { return };
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (path, None),
        };
        // `name[i]`: an array element.
        if let Some((name, idx)) = head.strip_suffix(']').and_then(|h| h.split_once('['))
            && let Ok(i) = idx.parse::<usize>()
        {
            if let Some((_, Node::Arr(items))) = members.iter_mut().find(|(k, _)| k == name)
                && let (Some(item), Some(rest)) = (items.get_mut(i), rest)
            {
                item.insert(rest, value);
            }
            return;
        }
        match rest {
            None => members.push((head.to_owned(), value)),
            Some(rest) => {
                if !members.iter().any(|(k, _)| k == head) {
                    members.push((head.to_owned(), Node::Obj(Vec::new())));
                }
                if let Some((_, child)) = members.iter_mut().find(|(k, _)| k == head) {
                    child.insert(rest, value);
                }
            }
        }
    }
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    trailguard_json::escape_into(&mut out, s);
    out
}

const SKIP: [&str; 6] = [
    "src_key",
    "src_record",
    "src_account",
    "src_region",
    "ingest_time",
    "extra",
];
const PAYLOADS: [&str; 8] = [
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
    "edgedevicedetails",
    "eventcontext",
    "insightdetails",
    "attributes",
];

fn scalar_text(col: &ArrayRef, row: usize) -> Option<String> {
    if col.is_null(row) {
        return None;
    }
    let opts = FormatOptions::default();
    ArrayFormatter::try_new(col.as_ref(), &opts)
        .ok()
        .map(|f| f.value(row).to_string())
}

fn node_of(path: &str, name: &str, col: &ArrayRef, row: usize) -> Option<Node> {
    if col.is_null(row) {
        return None;
    }
    match col.data_type() {
        DataType::Struct(_) => {
            let s = col.as_struct();
            let mut members = Vec::new();
            for (f, c) in s.fields().iter().zip(s.columns()) {
                let child_path = format!("{path}.{}", f.name());
                if let Some(n) = node_of(&child_path, f.name(), c, row) {
                    members.push((json_key(&child_path), n));
                }
            }
            Some(Node::Obj(members))
        }
        DataType::List(_) => {
            let l = col.as_list::<i32>();
            let items = l.value(row);
            let s = items.as_struct_opt()?;
            let mut out = Vec::new();
            for i in 0..s.len() {
                let mut members = Vec::new();
                for (f, c) in s.fields().iter().zip(s.columns()) {
                    let key = match f.name().as_str() {
                        "arn" => "ARN",
                        "arnprefix" => "ARNPrefix",
                        "accountid" => "accountId",
                        other => other,
                    };
                    if let Some(v) = scalar_text(c, i) {
                        members.push((key.to_owned(), Node::Raw(quoted(&v))));
                    }
                }
                out.push(Node::Obj(members));
            }
            Some(Node::Arr(out))
        }
        DataType::Boolean => Some(Node::Raw(col.as_boolean().value(row).to_string())),
        DataType::Timestamp(_, _) => {
            let t = arrow::compute::cast(col, &crate::schema::time_type()).ok()?;
            let micros = t.as_primitive::<TimestampMicrosecondType>().value(row);
            let ts = Timestamp(micros.div_euclid(1000));
            let text = if micros % 1_000_000 == 0 {
                ts.to_rfc3339()
            } else {
                ts.to_rfc3339_millis()
            };
            Some(Node::Raw(quoted(&text)))
        }
        DataType::Int64 | DataType::Float64 => scalar_text(col, row).map(Node::Raw),
        _ => {
            let v = scalar_text(col, row)?;
            if PAYLOADS.contains(&name) {
                Some(Node::Raw(v))
            } else {
                Some(Node::Raw(quoted(&v)))
            }
        }
    }
}

/// Rebuild a record's CloudTrail JSON from a lake row (`SELECT *` of `events` or `insights`):
/// every field in CloudTrail's spelling, payloads as their exact text, unknown members from
/// `extra` put back where they were. Member order and whitespace are not the original's.
pub fn rebuild_record(batch: &RecordBatch, row: usize) -> String {
    let schema = batch.schema();
    let mut root = Node::Obj(Vec::new());
    for (f, col) in schema.fields().iter().zip(batch.columns()) {
        let name = f.name().as_str();
        if SKIP.contains(&name)
            || name.starts_with("rp_")
            || name.starts_with("re_")
            || name.starts_with("aed_")
            || crate::schema::PARTITION_COLUMNS.contains(&name)
            || matches!(
                name,
                "state"
                    | "insight_eventsource"
                    | "insight_eventname"
                    | "insighttype"
                    | "insight_errorcode"
                    | "baseline_average"
                    | "insight_average"
                    | "insightduration"
                    | "baselineduration"
            )
        {
            continue;
        }
        let key = json_key(name);
        match node_of(name, name, col, row) {
            Some(n) => root.insert(&key, n),
            None if matches!(name, "requestparameters" | "responseelements") => {
                root.insert(&key, Node::Raw("null".into()))
            }
            None => {}
        }
    }
    if let Some(extra) = batch.column_by_name("extra").and_then(|c| scalar_text(c, row))
        && let Ok(raw) = trailguard_json::Raw::parse(&extra)
    {
        raw.for_each_member(|k, v| {
            root.insert(k, Node::Raw(v.text().to_owned()));
            true
        });
    }
    let mut out = String::new();
    root.write(&mut out);
    out
}

/// `aws cloudtrail lookup-events` output for a lookup's rows.
pub fn lookup_events_json(result: &QueryResult) -> String {
    let mut events = Vec::new();
    for b in &result.batches {
        for r in 0..b.num_rows() {
            let text = |name: &str| b.column_by_name(name).and_then(|c| scalar_text(c, r));
            let ui = b
                .column_by_name("useridentity")
                .filter(|c| c.is_valid(r))
                .map(|c| c.as_struct().clone());
            let ui_text = |name: &str| {
                ui.as_ref()
                    .and_then(|s| s.column_by_name(name))
                    .and_then(|c| scalar_text(c, r))
            };
            let record = rebuild_record(b, r);
            let mut ev = String::from("{");
            let mut field = |k: &str, v: String| {
                if ev.len() > 1 {
                    ev.push(',');
                }
                ev.push_str(&quoted(k));
                ev.push(':');
                ev.push_str(&v);
            };
            if let Some(v) = text("eventid") {
                field("EventId", quoted(&v));
            }
            let name = text("eventname").or_else(|| text("insight_eventname"));
            if let Some(v) = name {
                field("EventName", quoted(&v));
            }
            if let Some(v) = text("readonly") {
                field("ReadOnly", quoted(&v));
            }
            if let Some(v) = ui_text("accesskeyid") {
                field("AccessKeyId", quoted(&v));
            }
            if let Some(c) = b.column_by_name("eventtime")
                && c.is_valid(r)
                && let Ok(t) = arrow::compute::cast(c, &crate::schema::time_type())
            {
                let micros = t.as_primitive::<TimestampMicrosecondType>().value(r);
                let rfc = Timestamp(micros.div_euclid(1000)).to_rfc3339();
                field("EventTime", quoted(&rfc.replace('Z', "+00:00")));
            }
            let source = text("eventsource").or_else(|| text("insight_eventsource"));
            if let Some(v) = source {
                field("EventSource", quoted(&v));
            }
            if let Ok(raw) = trailguard_json::Raw::parse(&record) {
                let ev_parsed = trailguard_model::decode_event_text(raw.text()).ok();
                if let Some(e) = ev_parsed.as_ref() {
                    if let Some(u) = e.lookup_username() {
                        field("Username", quoted(u));
                    }
                    let res: Vec<String> = e
                        .resources
                        .iter()
                        .map(|x| {
                            let mut o = String::from("{");
                            if let Some(t) = &x.resource_type {
                                o.push_str(&format!("\"ResourceType\":{}", quoted(t)));
                            }
                            if let Some(a) = &x.arn {
                                if o.len() > 1 {
                                    o.push(',');
                                }
                                o.push_str(&format!("\"ResourceName\":{}", quoted(a)));
                            }
                            o.push('}');
                            o
                        })
                        .collect();
                    field("Resources", format!("[{}]", res.join(",")));
                }
            }
            field("CloudTrailEvent", quoted(&record));
            ev.push('}');
            events.push(ev);
        }
    }
    format!("{{\"Events\":[{}]}}\n", events.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_sql_quotes_values() {
        let req = LookupRequest {
            attributes: vec!["Username=o'brien".parse().unwrap(), "ReadOnly=false".parse().unwrap()],
            start: Some(Timestamp::parse_rfc3339("2024-05-01T00:00:00Z").unwrap()),
            max_results: Some(5),
            ..LookupRequest::default()
        };
        let sql = req.to_sql().unwrap();
        assert!(sql.contains("'o''brien'"), "{sql}");
        assert!(sql.contains("readonly = false"));
        assert!(sql.contains("eventtime >= '2024-05-01T00:00:00.000Z'"), "{sql}");
        assert!(sql.ends_with("LIMIT 5"));
        let bad = LookupRequest {
            insights: true,
            attributes: vec!["Username=x".parse().unwrap()],
            ..LookupRequest::default()
        };
        assert!(bad.to_sql().is_err());
    }

    #[test]
    fn nodes_insert_by_path() {
        let mut root = Node::Obj(vec![("resources".into(), Node::Arr(vec![Node::Obj(vec![])]))]);
        root.insert("a.b.c", Node::Raw("1".into()));
        root.insert("a.d", Node::Raw("2".into()));
        root.insert("resources[0].x", Node::Raw("3".into()));
        root.insert("resources[5].x", Node::Raw("4".into()));
        let mut out = String::new();
        root.write(&mut out);
        assert_eq!(out, r#"{"resources":[{"x":3}],"a":{"b":{"c":1},"d":2}}"#);
    }
}
