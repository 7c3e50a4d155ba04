//! The record decoder: every userIdentity form, unknown fields, null vs missing, record-level
//! errors, and a differential check against serde_json over every real record of the corpus.

use std::path::{Path, PathBuf};

use serde_json::Value as J;
use trailguard_json::{Limits, Scanner};
use trailguard_model::*;

fn decode(text: &str) -> Result<Event<'_>, DecodeError> {
    decode_event_text(text)
}

fn record_err(text: &str) -> RecordErrorKind {
    match decode(text) {
        Err(DecodeError::Record(e)) => e.kind,
        other => panic!("expected a record error, got {other:?}"),
    }
}

const BASE: &str = r#""eventTime":"2024-05-01T09:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject""#;

#[test]
fn identity_forms() {
    let forms = [
        (
            r#"{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::123456789012:user/Alice","accountId":"123456789012","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"Alice"}"#,
            "IAMUser",
            "arn:aws:iam::123456789012:user/Alice",
        ),
        (
            r#"{"type":"AssumedRole","principalId":"AROAIDPPEZS35WEXAMPLE:MySessionName","arn":"arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName","accountId":"123456789012","accessKeyId":"ASIAEXAMPLEKEY000001","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAIDPPEZS35WEXAMPLE","arn":"arn:aws:iam::123456789012:role/RoleToBeAssumed","accountId":"123456789012","userName":"RoleToBeAssumed"},"attributes":{"mfaAuthenticated":"false","creationDate":"2024-05-01T09:00:00Z"},"sourceIdentity":"alice","ec2RoleDelivery":"2.0","assumedRoot":true}}"#,
            "AssumedRole",
            "arn:aws:iam::123456789012:role/RoleToBeAssumed",
        ),
        (
            r#"{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012","accessKeyId":""}"#,
            "Root",
            "arn:aws:iam::123456789012:root",
        ),
        (
            r#"{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}"#,
            "AWSService",
            "ec2.amazonaws.com",
        ),
        (
            r#"{"type":"IdentityCenterUser","accountId":"123456789012","onBehalfOf":{"userId":"544894e8-80c1-707f-60e3-3ba6510dfac1","identityStoreArn":"arn:aws:identitystore::123456789012:identitystore/d-9067642ac7"},"credentialId":"EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"}"#,
            "IdentityCenterUser",
            "identitycenter:544894e8-80c1-707f-60e3-3ba6510dfac1",
        ),
        (
            r#"{"type":"WebIdentityUser","principalId":"accounts.google.com:app:user","userName":"user","identityProvider":"accounts.google.com"}"#,
            "WebIdentityUser",
            "WebIdentityUser",
        ),
        (
            r#"{"type":"AWSAccount","principalId":"AIDAEXAMPLE","accountId":"444455556666"}"#,
            "AWSAccount",
            "AWSAccount:444455556666",
        ),
    ];
    for (ui, ty, actor) in forms {
        let text = format!("{{{BASE},\"userIdentity\":{ui}}}");
        let ev = decode(&text).unwrap_or_else(|e| panic!("{ui}: {e}"));
        assert_eq!(ev.identity_type(), Some(ty));
        assert_eq!(ev.actor().as_deref(), Some(actor), "{ui}");
    }
    // A service event's identity without a type.
    let text = format!(
        r#"{{{BASE},"userIdentity":{{"accountId":"123456789012","invokedBy":"secretsmanager.amazonaws.com"}}}}"#
    );
    let ev = decode(&text).unwrap();
    assert_eq!(ev.identity_type(), None);
    assert_eq!(ev.actor().as_deref(), Some("secretsmanager.amazonaws.com"));
}

#[test]
fn every_documented_field_is_typed() {
    let text = r#"{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"P:s","arn":"arn:aws:sts::1:assumed-role/R/s","accountId":"1","accessKeyId":"ASIA1","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"P","arn":"arn:aws:iam::1:role/R","accountId":"1","userName":"R"},"webIdFederationData":{"federatedProvider":"p","attributes":{"k":"v"}},"attributes":{"creationDate":"2024-05-01T09:00:00Z","mfaAuthenticated":"true"},"sourceIdentity":"si","ec2RoleDelivery":"2.0","signInSessionArn":"arn:aws:signin:us-east-1:1:session/x","assumedRoot":"true","ec2IssuedInVPC":"vpc-1"},"invokedBy":"ib","invokedByDelegate":{"accountId":"2"},"onBehalfOf":{"userId":"u","identityStoreArn":"isa"},"inScopeOf":{"sourceArn":"sa","sourceAccount":"3","issuerType":"AWS::Lambda::Function","credentialsIssuedTo":"cit"},"credentialId":"cid","identityProvider":"ip","userName":"un"},
      "eventTime":"2024-05-01T09:00:00Z","eventSource":"s","eventName":"n","awsRegion":"r","sourceIPAddress":"1.2.3.4","userAgent":"ua","errorCode":"ec","errorMessage":"em",
      "requestParameters":{"a":1},"responseElements":null,"additionalEventData":{"MFAUsed":"Yes"},"requestID":"rid","eventID":"eid","eventType":"AwsApiCall","apiVersion":"av",
      "managementEvent":true,"readOnly":"false","resources":[{"ARN":"arn:1","accountId":"1","type":"AWS::S3::Object","ARNPrefix":"arn:"}],"recipientAccountId":"1","serviceEventDetails":{"x":[]},
      "sharedEventID":"sh","vpcEndpointId":"vpce-1","vpcEndpointAccountId":"4","eventCategory":"Management","addendum":{"reason":"UPDATED_DATA","updatedFields":"f","originalRequestID":"or","originalEventID":"oe"},
      "sessionCredentialFromConsole":"true","edgeDeviceDetails":{"e":1},"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"h","keyExchange":"X25519MLKEM768"},
      "eventContext":{"requestContext":{}},"insightDetails":{"state":"Start"}}"#;
    let ev = decode(text).unwrap();
    assert!(ev.extra.is_empty());
    for id in FieldId::ALL.iter().copied().filter(|f| f.is_leaf()) {
        assert!(
            matches!(ev.leaf(id), Leaf::Str(_) | Leaf::Bool(_)),
            "{} not decoded",
            id.path()
        );
    }
    assert_eq!(ev.read_only, Some(false));
    assert_eq!(ev.resources[0].arn_prefix.as_deref(), Some("arn:"));
    assert!(ev.response_elements.unwrap().is_null());
    assert_eq!(ev.class(), EventClass::Management);
    assert_eq!(ev.raw.text(), text);
}

#[test]
fn unknown_fields_are_kept() {
    let text = format!(
        r#"{{{BASE},"brandNew":{{"x":[1,2]}},"userIdentity":{{"type":"IAMUser","futureField":"f","sessionContext":{{"attributes":{{"newAttr":1}},"newCtx":true}}}},"tlsDetails":{{"tlsVersion":"TLSv1.2","quantum":"yes"}},"resources":[{{"ARN":"a","tag":"t"}}]}}"#
    );
    let ev = decode(&text).unwrap();
    assert_eq!(ev.extra.len(), 1);
    assert_eq!(ev.extra[0].0, "brandNew");
    assert_eq!(ev.extra[0].1.text(), r#"{"x":[1,2]}"#);
    let ui = ev.user_identity.as_ref().unwrap();
    assert_eq!(ui.extra[0].0, "futureField");
    let sc = ui.session_context.as_ref().unwrap();
    let keys: Vec<_> = sc.extra.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(keys, ["attributes.newAttr", "newCtx"]);
    assert_eq!(ev.tls_details.as_ref().unwrap().extra[0].0, "quantum");
    assert_eq!(ev.resources[0].extra[0].0, "tag");
    // And path access reaches them.
    assert_eq!(
        ev.first(&FieldPath::dotted("brandNew.x")).map(|v| v.kind()),
        Some(Kind::Number)
    );
    assert_eq!(
        ev.first(&FieldPath::dotted("userIdentity.futureField"))
            .unwrap()
            .as_str(),
        Some("f")
    );
}

#[test]
fn null_is_not_missing() {
    let text = format!(r#"{{{BASE},"errorCode":null,"userIdentity":{{"invokedBy":null}},"responseElements":null}}"#);
    let ev = decode(&text).unwrap();
    assert_eq!(ev.leaf(FieldId::ErrorCode), Leaf::Null);
    assert_eq!(ev.leaf(FieldId::ErrorMessage), Leaf::Missing);
    assert_eq!(ev.leaf(FieldId::InvokedBy), Leaf::Null);
    assert_eq!(ev.leaf(FieldId::Arn), Leaf::Missing);
    let rp = FieldPath::dotted("responseElements");
    assert_eq!(ev.first(&rp), Some(Value::Null));
    assert_eq!(ev.first(&FieldPath::dotted("errorCode")), Some(Value::Null));
    assert_eq!(ev.first(&FieldPath::dotted("errorMessage")), None);
    assert!(!ev.is_error());
}

#[test]
fn record_errors_name_the_field() {
    assert_eq!(
        record_err(r#"{"eventName":"x"}"#),
        RecordErrorKind::Missing { field: "eventTime" }
    );
    assert_eq!(
        record_err(r#"{"eventTime":null}"#),
        RecordErrorKind::Missing { field: "eventTime" }
    );
    assert!(matches!(
        record_err(r#"{"eventTime":"yesterday"}"#),
        RecordErrorKind::BadTime { field: "eventTime", .. }
    ));
    assert_eq!(
        record_err(&format!(r#"{{{BASE},"awsRegion":5}}"#)),
        RecordErrorKind::WrongType {
            field: "awsRegion".into(),
            expected: "a string",
            found: Kind::Number
        }
    );
    assert_eq!(
        record_err(&format!(r#"{{{BASE},"userIdentity":"root"}}"#)),
        RecordErrorKind::WrongType {
            field: "userIdentity".into(),
            expected: "an object",
            found: Kind::String
        }
    );
    assert_eq!(
        record_err(&format!(
            r#"{{{BASE},"userIdentity":{{"sessionContext":{{"sessionIssuer":{{"arn":[]}}}}}}}}"#
        )),
        RecordErrorKind::WrongType {
            field: "userIdentity.sessionContext.sessionIssuer.arn".into(),
            expected: "a string",
            found: Kind::Array
        }
    );
    assert_eq!(
        record_err(&format!(r#"{{{BASE},"resources":[{{"ARN":"a"}},7]}}"#)),
        RecordErrorKind::WrongType {
            field: "resources[1]".into(),
            expected: "an object",
            found: Kind::Number
        }
    );
    assert_eq!(
        record_err(&format!(r#"{{{BASE},"readOnly":"maybe"}}"#)),
        RecordErrorKind::WrongType {
            field: "readOnly".into(),
            expected: "a boolean",
            found: Kind::String
        }
    );
    assert_eq!(
        record_err(&format!(r#"{{{BASE},"eventName":"Other"}}"#)),
        RecordErrorKind::DuplicateKey {
            field: "eventName".into()
        }
    );
    assert_eq!(record_err("[1]"), RecordErrorKind::NotAnObject { found: Kind::Array });
}

#[test]
fn after_a_record_error_the_next_record_is_reachable() {
    let text = format!(r#"[{{{BASE},"awsRegion":{{"deep":[1,2,{{"x":null}}]}}}},{{{BASE}}}]"#);
    let mut sc = Scanner::new(text.as_bytes());
    let mut arr = sc.begin_array().unwrap();
    assert!(arr.next(&mut sc).unwrap());
    assert!(matches!(decode_event(&mut sc), Err(DecodeError::Record(_))));
    assert!(arr.next(&mut sc).unwrap());
    let ev = decode_event(&mut sc).unwrap();
    assert_eq!(ev.event_name.as_deref(), Some("GetObject"));
    assert!(!arr.next(&mut sc).unwrap());
}

#[test]
fn syntax_errors_are_not_record_errors() {
    assert!(matches!(
        decode(r#"{"eventTime":"2024-05-01T09:00:00Z","a":}"#),
        Err(DecodeError::Syntax(_))
    ));
    assert!(matches!(decode(r#"{"eventTime":"2024-05-01T09:00:00Z""#), Err(DecodeError::Syntax(e)) if e.is_eof()));
    // Over a limit but well formed: only this record is refused, and the scanner is past it.
    let deep = format!(
        r#"[{{{BASE},"requestParameters":{}{}}},{{{BASE}}}]"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    let mut sc = Scanner::with_limits(deep.as_bytes(), Limits::default());
    let mut arr = sc.begin_array().unwrap();
    assert!(arr.next(&mut sc).unwrap());
    match decode_event(&mut sc) {
        Err(DecodeError::Record(e)) => assert!(matches!(e.kind, RecordErrorKind::OverLimit { .. }), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(arr.next(&mut sc).unwrap());
    assert!(decode_event(&mut sc).is_ok());
}

#[test]
fn explicit_and_implicit_paths() {
    let text = format!(
        r#"{{{BASE},"requestParameters":{{"containerDefinitions":[{{"command":["sh","-c"]}},{{"command":["id"]}}],"a.b":"dotted","a":{{"b":"nested"}},"n":[1,[2]]}}}}"#
    );
    let ev = decode(&text).unwrap();
    let implicit = FieldPath::dotted("requestParameters.containerDefinitions.command");
    let got: Vec<_> = ev
        .values(&implicit)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(got, ["sh", "-c", "id"]);
    let explicit = FieldPath::from_steps(
        "$.requestParameters.containerDefinitions.command",
        vec![
            Step::Key("requestParameters".into()),
            Step::Key("containerDefinitions".into()),
            Step::Key("command".into()),
        ],
        Fanout::Explicit,
    );
    assert!(ev.values(&explicit).is_empty());
    let star = FieldPath::from_steps(
        "$.requestParameters.containerDefinitions[*].command[0]",
        vec![
            Step::Key("requestParameters".into()),
            Step::Key("containerDefinitions".into()),
            Step::AnyElement,
            Step::Key("command".into()),
            Step::Index(0),
        ],
        Fanout::Explicit,
    );
    let got: Vec<_> = ev
        .values(&star)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(got, ["sh", "id"]);
    assert_eq!(
        ev.first(&FieldPath::dotted("requestParameters.a.b")).unwrap().as_str(),
        Some("dotted")
    );
    let nested = FieldPath::from_steps(
        "$.requestParameters.a.b",
        vec![
            Step::Key("requestParameters".into()),
            Step::Key("a".into()),
            Step::Key("b".into()),
        ],
        Fanout::Explicit,
    );
    assert_eq!(ev.first(&nested).unwrap().as_str(), Some("nested"));
    assert_eq!(ev.values(&FieldPath::dotted("requestParameters.n")).len(), 2);
    let any = FieldPath::from_steps("$.*", vec![Step::AnyMember], Fanout::Explicit);
    assert_eq!(ev.values(&any).len(), 4);
    assert_eq!(FieldPath::dotted("eventName").leaf(), Some(FieldId::EventName));
    assert_eq!(FieldPath::dotted("requestParameters.x").leaf(), None);
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// The records of a corpus file as serde_json sees them (files it cannot parse are skipped
/// here: the reader's tests cover them).
fn serde_records(path: &Path) -> Vec<J> {
    let text = std::fs::read_to_string(path).unwrap();
    let Ok(v) = serde_json::from_str::<J>(&text) else {
        return Vec::new();
    };
    match v {
        J::Array(items) => items,
        J::Object(ref o) if o.contains_key("Records") => o["Records"].as_array().cloned().unwrap_or_default(),
        J::Object(ref o) if o.contains_key("detail") => vec![o["detail"].clone()],
        J::Object(_) => vec![v],
        _ => Vec::new(),
    }
}

fn serde_leaf<'j>(rec: &'j J, path: &str) -> Option<&'j J> {
    let mut cur = rec;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

#[test]
fn corpus_records_agree_with_serde_json() {
    let mut files = Vec::new();
    json_files(&corpus_dir(), &mut files);
    assert!(files.len() > 100, "corpus not found at {}", corpus_dir().display());
    let mut checked = 0;
    for file in files {
        for rec in serde_records(&file) {
            let text = serde_json::to_string(&rec).unwrap();
            let has_time = rec
                .get("eventTime")
                .and_then(J::as_str)
                .is_some_and(|t| Timestamp::parse_event_time(t).is_ok());
            let ev = match decode(&text) {
                Ok(ev) => ev,
                Err(e) => {
                    assert!(!has_time, "{}: {e}", file.display());
                    continue;
                }
            };
            for id in FieldId::ALL.iter().copied().filter(|f| f.is_leaf()) {
                let theirs = serde_leaf(&rec, id.path());
                let ours = ev.leaf(id);
                match (ours, theirs) {
                    (Leaf::Missing, None) => {}
                    (Leaf::Null, Some(J::Null)) => {}
                    (Leaf::Str(s), Some(J::String(t))) => {
                        assert_eq!(s, t, "{} {}", file.display(), id.path())
                    }
                    (Leaf::Str(s), Some(J::Bool(b))) => assert_eq!(s, b.to_string()),
                    (Leaf::Bool(b), Some(J::Bool(t))) => assert_eq!(b, *t),
                    (Leaf::Bool(b), Some(J::String(t))) => assert_eq!(b.to_string(), *t),
                    (Leaf::Missing, Some(_)) if id.path().contains("sessionContext") => {
                        // Present under a parent of the wrong type would be a record error.
                        panic!("{} {}: missing but present", file.display(), id.path())
                    }
                    (o, t) => panic!("{} {}: ours {o:?}, serde {t:?}", file.display(), id.path()),
                }
            }
            for id in FieldId::ALL.iter().copied().filter(|f| f.is_payload()) {
                let theirs = serde_leaf(&rec, id.path());
                let ours = ev.payload(id).map(|r| serde_json::from_str::<J>(r.text()).unwrap());
                assert_eq!(ours.as_ref(), theirs, "{} {}", file.display(), id.path());
            }
            let n_res = rec.get("resources").and_then(J::as_array).map_or(0, Vec::len);
            assert_eq!(ev.resources.len(), n_res);
            // The raw text is exactly the record.
            assert_eq!(serde_json::from_str::<J>(ev.raw.text()).unwrap(), rec);
            checked += 1;
        }
    }
    assert!(checked > 3000, "only {checked} records checked");
}
