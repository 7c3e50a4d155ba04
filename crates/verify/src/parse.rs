//! Reading a digest object: inflate the first gzip member, hash it, and read the JSON
//! leniently (every field kept as found, so that both the strict checks and the reference
//! CLI's order of checks can be applied to exactly what is there).

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use trailguard_model::Timestamp;
use trailguard_read::gzip::{Inflater, Whole, is_gzip};

use crate::logcheck::{Damage, LogHasher, LogOutcome, Sha256Hash};
use crate::object::ObjectRef;

/// The fields the reference CLI requires before it looks at a digest's content.
pub const REQUIRED_FIELDS: [&str; 6] = [
    "digestPublicKeyFingerprint",
    "digestS3Bucket",
    "digestS3Object",
    "previousDigestSignature",
    "digestEndTime",
    "digestStartTime",
];

/// One JSON member as found.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Field {
    /// Not there.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A string.
    Str(String),
    /// Any other JSON value.
    Other,
}

impl Field {
    fn of(map: &Map<String, Value>, name: &str) -> Field {
        match map.get(name) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(Value::String(s)) => Field::Str(s.clone()),
            Some(_) => Field::Other,
        }
    }

    /// The string, if the member is one.
    pub fn str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the member is present (whatever its value).
    pub fn present(&self) -> bool {
        !matches!(self, Field::Absent)
    }
}

/// One `logFiles` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// Where the log is.
    pub at: ObjectRef,
    /// `hashValue`.
    pub hash: String,
    /// `hashAlgorithm` (`SHA-256`).
    pub hash_algorithm: Option<String>,
}

/// The members of a digest, as found.
#[derive(Clone, Debug)]
pub struct DigestView {
    /// `awsAccountId`.
    pub account: Field,
    /// `digestStartTime`.
    pub start: Field,
    /// `digestEndTime`.
    pub end: Field,
    /// `digestS3Bucket`.
    pub bucket: Field,
    /// `digestS3Object`.
    pub object: Field,
    /// `digestPublicKeyFingerprint`.
    pub fingerprint: Field,
    /// `digestSignatureAlgorithm`.
    pub algorithm: Field,
    /// `previousDigestS3Bucket`.
    pub prev_bucket: Field,
    /// `previousDigestS3Object`.
    pub prev_object: Field,
    /// `previousDigestHashValue`.
    pub prev_hash: Field,
    /// `previousDigestHashAlgorithm`.
    pub prev_hash_algorithm: Field,
    /// `previousDigestSignature`.
    pub prev_signature: Field,
    /// `logFiles`, when it is an array of well-formed entries.
    pub log_files: Result<Vec<LogEntry>, String>,
}

impl DigestView {
    fn from_map(map: &Map<String, Value>) -> Self {
        let f = |n| Field::of(map, n);
        DigestView {
            account: f("awsAccountId"),
            start: f("digestStartTime"),
            end: f("digestEndTime"),
            bucket: f("digestS3Bucket"),
            object: f("digestS3Object"),
            fingerprint: f("digestPublicKeyFingerprint"),
            algorithm: f("digestSignatureAlgorithm"),
            prev_bucket: f("previousDigestS3Bucket"),
            prev_object: f("previousDigestS3Object"),
            prev_hash: f("previousDigestHashValue"),
            prev_hash_algorithm: f("previousDigestHashAlgorithm"),
            prev_signature: f("previousDigestSignature"),
            log_files: log_files(map.get("logFiles")),
        }
    }

    /// The first required member that is absent (the reference CLI's `invalid format`).
    pub fn missing_required(&self) -> Option<&'static str> {
        let fields = [
            &self.fingerprint,
            &self.bucket,
            &self.object,
            &self.prev_signature,
            &self.end,
            &self.start,
        ];
        REQUIRED_FIELDS
            .iter()
            .zip(fields)
            .find(|(_, f)| !f.present())
            .map(|(n, _)| *n)
    }

    /// Where the digest says it was written.
    pub fn recorded(&self) -> Option<ObjectRef> {
        Some(ObjectRef::new(self.bucket.str()?, self.object.str()?))
    }

    /// Where the digest says its predecessor is (`None` for a chain start or a broken pointer).
    pub fn previous(&self) -> Option<ObjectRef> {
        Some(ObjectRef::new(self.prev_bucket.str()?, self.prev_object.str()?))
    }

    /// Whether every `previous*` member is `null` (a starting digest).
    pub fn is_chain_start(&self) -> bool {
        [
            &self.prev_bucket,
            &self.prev_object,
            &self.prev_hash,
            &self.prev_hash_algorithm,
            &self.prev_signature,
        ]
        .iter()
        .all(|f| matches!(f, Field::Null))
    }

    /// `digestStartTime` parsed.
    pub fn start_time(&self) -> Option<Timestamp> {
        Timestamp::parse_event_time(self.start.str()?).ok()
    }

    /// `digestEndTime` parsed.
    pub fn end_time(&self) -> Option<Timestamp> {
        Timestamp::parse_event_time(self.end.str()?).ok()
    }
}

fn log_files(v: Option<&Value>) -> Result<Vec<LogEntry>, String> {
    let Some(v) = v else {
        return Err("logFiles is missing".into());
    };
    let Value::Array(items) = v else {
        return Err("logFiles is not an array".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let m = item
                .as_object()
                .ok_or_else(|| format!("logFiles[{i}] is not an object"))?;
            let s = |name: &str| {
                m.get(name)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("logFiles[{i}].{name} is missing or not a string"))
            };
            Ok(LogEntry {
                at: ObjectRef::new(s("s3Bucket")?, s("s3Object")?),
                hash: s("hashValue")?,
                hash_algorithm: m.get("hashAlgorithm").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect()
}

/// Why a digest object's content could not be read as a digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum FormatError {
    /// Not gzip.
    NotGzip,
    /// A damaged gzip stream.
    Gzip {
        /// What is wrong.
        damage: Damage,
    },
    /// Inflates to more than the cap.
    TooLarge {
        /// The cap in bytes.
        cap: u64,
    },
    /// Not valid UTF-8 JSON.
    Json {
        /// The parser's message.
        detail: String,
    },
    /// Valid JSON, but not an object.
    NotAnObject,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::NotGzip => f.write_str("not gzip"),
            FormatError::Gzip { damage } => f.write_str(damage.describe()),
            FormatError::TooLarge { cap } => write!(f, "inflates to more than {cap} bytes"),
            FormatError::Json { detail } => write!(f, "not valid JSON: {detail}"),
            FormatError::NotAnObject => f.write_str("the JSON is not an object"),
        }
    }
}

/// A digest object's bytes, read.
#[derive(Clone, Debug)]
pub struct DigestBody {
    /// SHA-256 of the inflated first member (what the string to sign and the successor's
    /// `previousDigestHashValue` cover), when the member is complete.
    pub sha256: Option<Sha256Hash>,
    /// Bytes stored after the first gzip member.
    pub trailing: u64,
    /// The members, or why there are none.
    pub view: Result<DigestView, FormatError>,
}

/// Read a digest object. `cap` bounds the inflated size.
pub fn read_digest(stored: &[u8], cap: u64, inflater: &mut Inflater) -> DigestBody {
    let fail = |e| DigestBody {
        sha256: None,
        trailing: 0,
        view: Err(e),
    };
    if !is_gzip(stored) {
        return fail(FormatError::NotGzip);
    }
    let mut text = Vec::new();
    let info = match inflater.inflate_whole(stored, cap, &mut text) {
        Whole::Done(info) => info,
        Whole::TooLarge => return fail(FormatError::TooLarge { cap }),
        Whole::Damaged => {
            // Name the damage precisely.
            let damage = match LogHasher::new(cap).check(stored) {
                LogOutcome::Damaged { damage, .. } => damage,
                _ => Damage::Corrupt,
            };
            return fail(FormatError::Gzip { damage });
        }
    };
    let sha256: Sha256Hash = Sha256::digest(&text).into();
    let view = match serde_json::from_slice::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(DigestView::from_map(&map)),
        Ok(_) => Err(FormatError::NotAnObject),
        Err(e) => Err(FormatError::Json { detail: e.to_string() }),
    };
    DigestBody {
        sha256: Some(sha256),
        trailing: info.trailing,
        view,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    const START: &str = r#"{"awsAccountId":"111122223333","digestStartTime":"2024-01-01T00:17:28Z","digestEndTime":"2024-01-01T01:17:28Z","digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"f","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":null,"oldestEventTime":null,"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[{"s3Bucket":"b","s3Object":"l","hashValue":"00","hashAlgorithm":"SHA-256"}]}"#;

    #[test]
    fn a_starting_digest() {
        let body = read_digest(&gz(START.as_bytes()), 1 << 20, &mut Inflater::default());
        assert_eq!(body.sha256.unwrap(), <[u8; 32]>::from(Sha256::digest(START.as_bytes())));
        let v = body.view.unwrap();
        assert!(v.is_chain_start());
        assert_eq!(v.missing_required(), None);
        assert_eq!(v.recorded(), Some(ObjectRef::new("b", "k")));
        assert_eq!(v.previous(), None);
        assert_eq!(v.end_time().unwrap().to_rfc3339(), "2024-01-01T01:17:28Z");
        assert_eq!(v.log_files.unwrap()[0].at, ObjectRef::new("b", "l"));
    }

    #[test]
    fn lenient_members() {
        let text = r#"{"digestS3Bucket":"b","digestEndTime":5,"logFiles":[{"s3Bucket":"b"}]}"#;
        let v = read_digest(&gz(text.as_bytes()), 1 << 20, &mut Inflater::default())
            .view
            .unwrap();
        assert_eq!(v.missing_required(), Some("digestPublicKeyFingerprint"));
        assert_eq!(v.end, Field::Other);
        assert!(v.log_files.is_err());
        assert!(!v.is_chain_start());
    }

    #[test]
    fn format_errors() {
        let mut inf = Inflater::default();
        assert_eq!(
            read_digest(b"{}", 1 << 20, &mut inf).view.unwrap_err(),
            FormatError::NotGzip
        );
        assert!(matches!(
            read_digest(&gz(b"[1]"), 1 << 20, &mut inf).view,
            Err(FormatError::NotAnObject)
        ));
        assert!(matches!(
            read_digest(&gz(b"{nope"), 1 << 20, &mut inf).view,
            Err(FormatError::Json { .. })
        ));
        let z = gz(START.as_bytes());
        assert_eq!(
            read_digest(&z[..z.len() - 8], 1 << 20, &mut inf).view.unwrap_err(),
            FormatError::Gzip {
                damage: Damage::TrailerMissing
            }
        );
        let mut j = z.clone();
        j.extend(b"junk");
        let body = read_digest(&j, 1 << 20, &mut inf);
        assert_eq!(body.trailing, 4);
        assert!(body.view.is_ok());
    }
}
