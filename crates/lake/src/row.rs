//! What one lake row is made of: the record, its promoted hot fields, its unknown members and
//! where it came from.

use std::borrow::Cow;

use trailguard_json::{Kind, Raw, Scanner};
use trailguard_model::{Event, Extra};

/// Where a record came from (shared by the records of one source object).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lineage<'l> {
    /// The source object's key.
    pub(crate) key: &'l str,
    /// The account in the key's CloudTrail layout.
    pub(crate) account: Option<&'l str>,
    /// The region in the key's CloudTrail layout.
    pub(crate) region: Option<&'l str>,
    /// Ingest time, µs since the epoch.
    pub(crate) ingest_micros: i64,
}

/// One record ready to be appended.
pub(crate) struct Row<'r, 'a> {
    pub(crate) ev: &'r Event<'a>,
    pub(crate) hot: Hot<'a>,
    pub(crate) insight: Option<Insight<'a>>,
    pub(crate) extra: Option<String>,
    pub(crate) lineage: Lineage<'r>,
    pub(crate) index: u64,
}

impl<'r, 'a> Row<'r, 'a> {
    pub(crate) fn event(ev: &'r Event<'a>, lineage: Lineage<'r>, index: u64) -> Self {
        Row {
            ev,
            hot: Hot::of(ev),
            insight: None,
            extra: extra_json(ev),
            lineage,
            index,
        }
    }

    pub(crate) fn insight(ev: &'r Event<'a>, lineage: Lineage<'r>, index: u64) -> Self {
        Row {
            ev,
            hot: Hot::default(),
            insight: Some(Insight::of(ev)),
            extra: extra_json(ev),
            lineage,
            index,
        }
    }
}

/// The scalar text of a JSON value the way Athena's `json_extract_scalar` returns it: strings
/// unescaped, numbers and booleans as written, NULL for `null`, objects and arrays.
pub(crate) fn scalar_text(v: Raw<'_>) -> Option<Cow<'_, str>> {
    match v.kind() {
        Kind::String => v.as_str(),
        Kind::Number | Kind::Bool => Some(Cow::Borrowed(v.text())),
        Kind::Null | Kind::Object | Kind::Array => None,
    }
}

/// Payload paths promoted to their own columns. Each holds exactly what
/// `json_extract_scalar(<payload>, '$.<path>')` returns, so the query layer may read the column
/// instead of parsing the payload.
#[derive(Debug, Default)]
pub(crate) struct Hot<'a> {
    pub(crate) bucket_name: Option<Cow<'a, str>>,
    pub(crate) key: Option<Cow<'a, str>>,
    pub(crate) role_arn: Option<Cow<'a, str>>,
    pub(crate) role_session_name: Option<Cow<'a, str>>,
    pub(crate) source_identity: Option<Cow<'a, str>>,
    pub(crate) user_name: Option<Cow<'a, str>>,
    pub(crate) role_name: Option<Cow<'a, str>>,
    pub(crate) policy_arn: Option<Cow<'a, str>>,
    pub(crate) credentials_access_key_id: Option<Cow<'a, str>>,
    pub(crate) console_login: Option<Cow<'a, str>>,
    pub(crate) mfa_used: Option<Cow<'a, str>>,
}

/// A promoted column: its name, the payload column and the JSON path it holds.
pub(crate) struct Promoted {
    pub(crate) column: &'static str,
    pub(crate) payload: &'static str,
    pub(crate) path: &'static [&'static str],
}

/// Every promoted column (the query layer rewrites `json_extract_scalar` calls on these paths).
pub(crate) const PROMOTED: [Promoted; 11] = [
    Promoted {
        column: "rp_bucketname",
        payload: "requestparameters",
        path: &["bucketName"],
    },
    Promoted {
        column: "rp_key",
        payload: "requestparameters",
        path: &["key"],
    },
    Promoted {
        column: "rp_rolearn",
        payload: "requestparameters",
        path: &["roleArn"],
    },
    Promoted {
        column: "rp_rolesessionname",
        payload: "requestparameters",
        path: &["roleSessionName"],
    },
    Promoted {
        column: "rp_sourceidentity",
        payload: "requestparameters",
        path: &["sourceIdentity"],
    },
    Promoted {
        column: "rp_username",
        payload: "requestparameters",
        path: &["userName"],
    },
    Promoted {
        column: "rp_rolename",
        payload: "requestparameters",
        path: &["roleName"],
    },
    Promoted {
        column: "rp_policyarn",
        payload: "requestparameters",
        path: &["policyArn"],
    },
    Promoted {
        column: "re_accesskeyid",
        payload: "responseelements",
        path: &["credentials", "accessKeyId"],
    },
    Promoted {
        column: "re_consolelogin",
        payload: "responseelements",
        path: &["ConsoleLogin"],
    },
    Promoted {
        column: "aed_mfaused",
        payload: "additionaleventdata",
        path: &["MFAUsed"],
    },
];

fn contains(hay: &str, needle: &str) -> bool {
    memchr::memmem::find(hay.as_bytes(), needle.as_bytes()).is_some()
}

impl<'a> Hot<'a> {
    fn of(ev: &Event<'a>) -> Self {
        let mut h = Hot::default();
        if let Some(rp) = ev.request_parameters.filter(|p| p.kind() == Kind::Object) {
            // One pass over the top-level members; the first of a repeated key wins, as in
            // `json_extract_scalar`.
            rp.for_each_member(|k, v| {
                let slot = match k {
                    "bucketName" => &mut h.bucket_name,
                    "key" => &mut h.key,
                    "roleArn" => &mut h.role_arn,
                    "roleSessionName" => &mut h.role_session_name,
                    "sourceIdentity" => &mut h.source_identity,
                    "userName" => &mut h.user_name,
                    "roleName" => &mut h.role_name,
                    "policyArn" => &mut h.policy_arn,
                    _ => return true,
                };
                if slot.is_none() {
                    *slot = scalar_text(v);
                }
                true
            });
        }
        if let Some(re) = ev.response_elements.filter(|p| p.kind() == Kind::Object) {
            // Response elements can be large (RunInstances): look for the keys before parsing.
            let t = re.text();
            if contains(t, "\"ConsoleLogin\"") {
                h.console_login = first_member(re, "ConsoleLogin").and_then(scalar_text);
            }
            if contains(t, "\"accessKeyId\"") {
                h.credentials_access_key_id = first_member(re, "credentials")
                    .and_then(|c| first_member(c, "accessKeyId"))
                    .and_then(scalar_text);
            }
        }
        if let Some(ad) = ev.additional_event_data.filter(|p| p.kind() == Kind::Object)
            && contains(ad.text(), "\"MFAUsed\"")
        {
            h.mfa_used = first_member(ad, "MFAUsed").and_then(scalar_text);
        }
        h
    }
}

/// The first member named `key` of an object (keys compared after unescaping).
pub(crate) fn first_member<'a>(obj: Raw<'a>, key: &str) -> Option<Raw<'a>> {
    obj.get(key)
}

/// Fields promoted from `insightDetails`.
#[derive(Debug, Default)]
pub(crate) struct Insight<'a> {
    pub(crate) state: Option<Cow<'a, str>>,
    pub(crate) event_source: Option<Cow<'a, str>>,
    pub(crate) event_name: Option<Cow<'a, str>>,
    pub(crate) insight_type: Option<Cow<'a, str>>,
    pub(crate) error_code: Option<Cow<'a, str>>,
    pub(crate) baseline_average: Option<f64>,
    pub(crate) insight_average: Option<f64>,
    pub(crate) insight_duration: Option<i64>,
    pub(crate) baseline_duration: Option<i64>,
}

impl<'a> Insight<'a> {
    fn of(ev: &Event<'a>) -> Self {
        let mut i = Insight::default();
        let Some(d) = ev.insight_details.filter(|d| d.kind() == Kind::Object) else {
            return i;
        };
        i.state = d.get("state").and_then(scalar_text);
        i.event_source = d.get("eventSource").and_then(scalar_text);
        i.event_name = d.get("eventName").and_then(scalar_text);
        i.insight_type = d.get("insightType").and_then(scalar_text);
        i.error_code = d.get("errorCode").and_then(scalar_text);
        let stats = d.get("insightContext").and_then(|c| c.get("statistics"));
        if let Some(st) = stats {
            let num = |v: Option<Raw<'_>>| v.and_then(|v| v.value().as_f64());
            i.baseline_average = num(st.get("baseline").and_then(|b| b.get("average")));
            i.insight_average = num(st.get("insight").and_then(|b| b.get("average")));
            i.insight_duration = num(st.get("insightDuration")).and_then(whole);
            i.baseline_duration = num(st.get("baselineDuration")).and_then(whole);
        }
        i
    }
}

fn whole(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// Members that no column holds, as one JSON object keyed by their path (`newTopLevelField`,
/// `userIdentity.someNewField`, `resources[2].newField`, …), or `None` when there are none.
pub(crate) fn extra_json(ev: &Event<'_>) -> Option<String> {
    let mut out = String::new();
    let mut add = |prefix: &str, extra: &Extra<'_>| {
        for (k, v) in extra {
            out.push(if out.is_empty() { '{' } else { ',' });
            let mut key = String::with_capacity(prefix.len() + k.len());
            key.push_str(prefix);
            key.push_str(k);
            trailguard_json::escape_into(&mut out, &key);
            out.push(':');
            out.push_str(v.text());
        }
    };
    add("", &ev.extra);
    if let Some(u) = &ev.user_identity {
        add("userIdentity.", &u.extra);
        if let Some(c) = &u.session_context {
            add("userIdentity.sessionContext.", &c.extra);
            if let Some(i) = &c.session_issuer {
                add("userIdentity.sessionContext.sessionIssuer.", &i.extra);
            }
        }
        if let Some(o) = &u.on_behalf_of {
            add("userIdentity.onBehalfOf.", &o.extra);
        }
        if let Some(o) = &u.in_scope_of {
            add("userIdentity.inScopeOf.", &o.extra);
        }
    }
    if let Some(t) = &ev.tls_details {
        add("tlsDetails.", &t.extra);
    }
    if let Some(a) = &ev.addendum {
        add("addendum.", &a.extra);
    }
    for (n, r) in ev.resources.iter().enumerate() {
        if !r.extra.is_empty() {
            add(&format!("resources[{n}]."), &r.extra);
        }
    }
    if out.is_empty() {
        None
    } else {
        out.push('}');
        Some(out)
    }
}

/// Whether `text` is one valid JSON value (used by tests and the query layer's checks).
#[allow(dead_code)]
pub(crate) fn is_json(text: &str) -> bool {
    let mut sc = Scanner::new(text.as_bytes());
    sc.skip_value().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailguard_model::decode_event_text;

    #[test]
    fn hot_fields_follow_json_extract_scalar() {
        let ev = decode_event_text(
            r#"{"eventTime":"2024-05-01T09:00:00Z","requestParameters":{"bucketName":"b\u0031","key":7,"roleArn":null,"userName":{"x":1}},
               "responseElements":{"credentials":{"accessKeyId":"ASIAX","sessionToken":"t"},"ConsoleLogin":"Success"},
               "additionalEventData":{"MFAUsed":"No"}}"#,
        )
        .unwrap();
        let h = Hot::of(&ev);
        assert_eq!(h.bucket_name.as_deref(), Some("b1"));
        assert_eq!(h.key.as_deref(), Some("7"));
        assert_eq!(h.role_arn, None);
        assert_eq!(h.user_name, None);
        assert_eq!(h.credentials_access_key_id.as_deref(), Some("ASIAX"));
        assert_eq!(h.console_login.as_deref(), Some("Success"));
        assert_eq!(h.mfa_used.as_deref(), Some("No"));
    }

    #[test]
    fn unknown_members_are_kept_by_path() {
        let ev = decode_event_text(
            r#"{"eventTime":"2024-05-01T09:00:00Z","newThing":[1,2],"userIdentity":{"type":"X","odd":"v","sessionContext":{"attributes":{"zz":true}}},
               "resources":[{"ARN":"a"},{"ARN":"b","extraField":{"k":"v"}}]}"#,
        )
        .unwrap();
        let x = extra_json(&ev).unwrap();
        assert!(is_json(&x), "{x}");
        let raw = Raw::parse(&x).unwrap();
        assert_eq!(raw.get("newThing").unwrap().text(), "[1,2]");
        assert_eq!(raw.get("userIdentity.odd").unwrap().text(), "\"v\"");
        assert_eq!(
            raw.get("userIdentity.sessionContext.attributes.zz").unwrap().text(),
            "true"
        );
        assert_eq!(raw.get("resources[1].extraField").unwrap().text(), "{\"k\":\"v\"}");
        let plain = decode_event_text(r#"{"eventTime":"2024-05-01T09:00:00Z","eventName":"X"}"#).unwrap();
        assert_eq!(extra_json(&plain), None);
    }
}
