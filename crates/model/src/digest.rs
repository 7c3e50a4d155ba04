//! CloudTrail digest files and the offline inputs of digest validation.
//!
//! - [`Digest`] and [`DigestLogFile`]: the JSON of a digest object (digest-validation.md §2.1),
//!   with the exact key names and key order CloudTrail writes. Times are kept as the strings
//!   found in the file, because the string to sign uses `digestEndTime` verbatim; the
//!   `*_time()` helpers parse them.
//! - [`PublicKey`] and [`PublicKeysFile`]: the public keys file (§10.2), either one
//!   `{"PublicKeyList": [...]}` for every region or an object mapping a region to a list.
//! - [`DigestMetadata`] and [`SignaturesFile`]: the signatures file (§10.3), mapping
//!   `"<bucket>/<key>"` (or `"<key>"`) to the digest object's S3 user metadata.
//!
//! Only types and serde: no I/O, no clock.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::time::{TimeError, Timestamp};

/// The value of `digestSignatureAlgorithm` and of the `signature-algorithm` metadata.
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";

/// The value of `hashAlgorithm` and `previousDigestHashAlgorithm`.
pub const HASH_ALGORITHM: &str = "SHA-256";

/// One CloudTrail digest file (the inflated JSON of a `CloudTrail-Digest` object).
///
/// Field order is the order CloudTrail writes, so serialising with `serde_json` gives
/// a file shaped like a real digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// Account the digest was delivered for.
    #[serde(rename = "awsAccountId")]
    pub aws_account_id: String,
    /// Start of the window of delivery times covered (`YYYY-MM-DDTHH:MM:SSZ`); equals the
    /// previous digest's `digestEndTime`.
    #[serde(rename = "digestStartTime")]
    pub digest_start_time: String,
    /// End of the window, used verbatim in the string to sign.
    #[serde(rename = "digestEndTime")]
    pub digest_end_time: String,
    /// Bucket this digest was written to.
    #[serde(rename = "digestS3Bucket")]
    pub digest_s3_bucket: String,
    /// Full key this digest was written to (prefix included).
    #[serde(rename = "digestS3Object")]
    pub digest_s3_object: String,
    /// Lowercase hex MD5 of the DER public key whose private key signed this digest.
    #[serde(rename = "digestPublicKeyFingerprint")]
    pub digest_public_key_fingerprint: String,
    /// Signature algorithm, `SHA256withRSA`.
    #[serde(rename = "digestSignatureAlgorithm")]
    pub digest_signature_algorithm: String,
    /// Newest event time over all listed logs; `null` in an empty digest.
    #[serde(rename = "newestEventTime")]
    pub newest_event_time: Option<String>,
    /// Oldest event time over all listed logs; `null` in an empty digest. May precede
    /// `digestStartTime`.
    #[serde(rename = "oldestEventTime")]
    pub oldest_event_time: Option<String>,
    /// Bucket of the previous digest; `null` in the first digest of a chain.
    #[serde(rename = "previousDigestS3Bucket")]
    pub previous_digest_s3_bucket: Option<String>,
    /// Key of the previous digest; `null` in the first digest of a chain.
    #[serde(rename = "previousDigestS3Object")]
    pub previous_digest_s3_object: Option<String>,
    /// Lowercase hex SHA-256 of the previous digest's uncompressed bytes.
    #[serde(rename = "previousDigestHashValue")]
    pub previous_digest_hash_value: Option<String>,
    /// `SHA-256`, or `null` in the first digest of a chain.
    #[serde(rename = "previousDigestHashAlgorithm")]
    pub previous_digest_hash_algorithm: Option<String>,
    /// The previous digest's signature (lowercase hex).
    #[serde(rename = "previousDigestSignature")]
    pub previous_digest_signature: Option<String>,
    /// The log files delivered in the window (may be empty).
    #[serde(rename = "logFiles")]
    pub log_files: Vec<DigestLogFile>,
}

/// One entry of a digest's `logFiles`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestLogFile {
    /// Bucket of the log file.
    #[serde(rename = "s3Bucket")]
    pub s3_bucket: String,
    /// Full key of the log file.
    #[serde(rename = "s3Object")]
    pub s3_object: String,
    /// Lowercase hex SHA-256 of the log's uncompressed bytes.
    #[serde(rename = "hashValue")]
    pub hash_value: String,
    /// `SHA-256`.
    #[serde(rename = "hashAlgorithm")]
    pub hash_algorithm: String,
    /// Newest event time in the log.
    #[serde(rename = "newestEventTime")]
    pub newest_event_time: String,
    /// Oldest event time in the log.
    #[serde(rename = "oldestEventTime")]
    pub oldest_event_time: String,
}

impl Digest {
    /// `digestStartTime` parsed.
    pub fn start_time(&self) -> Result<Timestamp, TimeError> {
        Timestamp::parse_event_time(&self.digest_start_time)
    }

    /// `digestEndTime` parsed.
    pub fn end_time(&self) -> Result<Timestamp, TimeError> {
        Timestamp::parse_event_time(&self.digest_end_time)
    }

    /// Whether this digest starts a chain: every `previous*` field is `null`.
    pub fn is_chain_start(&self) -> bool {
        self.previous_digest_s3_bucket.is_none()
            && self.previous_digest_s3_object.is_none()
            && self.previous_digest_hash_value.is_none()
            && self.previous_digest_hash_algorithm.is_none()
            && self.previous_digest_signature.is_none()
    }
}

/// One public key as `ListPublicKeys` returns it.
///
/// Validity times are read from epoch seconds (integer or fractional) or from ISO-8601 strings
/// and written as epoch seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// Base64 of the DER public key (PKCS#1 `RSAPublicKey`; SubjectPublicKeyInfo is also met).
    #[serde(rename = "Value")]
    pub value: String,
    /// Start of the key's validity.
    #[serde(rename = "ValidityStartTime", with = "epoch_or_iso")]
    pub validity_start_time: Timestamp,
    /// End of the key's validity.
    #[serde(rename = "ValidityEndTime", with = "epoch_or_iso")]
    pub validity_end_time: Timestamp,
    /// Lowercase hex MD5 of the DER bytes of `Value`.
    #[serde(rename = "Fingerprint")]
    pub fingerprint: String,
}

impl PublicKey {
    /// Whether `t` lies within `[ValidityStartTime, ValidityEndTime]`.
    pub fn is_valid_at(&self, t: Timestamp) -> bool {
        self.validity_start_time <= t && t <= self.validity_end_time
    }
}

/// The shape printed by `aws cloudtrail list-public-keys`: `{"PublicKeyList": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyList {
    /// The keys.
    #[serde(rename = "PublicKeyList")]
    pub public_key_list: Vec<PublicKey>,
}

/// A public keys file (`--public-keys FILE`, digest-validation.md §10.2).
///
/// Read from either `{"PublicKeyList": [...]}` (keys for every region) or
/// `{"<region>": [...] | {"PublicKeyList": [...]}, ...}`. Written as
/// `{"PublicKeyList": [...]}` or `{"<region>": {"PublicKeyList": [...]}, ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKeysFile {
    /// One list used for every region.
    AllRegions(Vec<PublicKey>),
    /// A list per source region.
    ByRegion(BTreeMap<String, Vec<PublicKey>>),
}

impl PublicKeysFile {
    /// The keys that may sign digests of `region`.
    pub fn keys_for_region(&self, region: &str) -> &[PublicKey] {
        match self {
            PublicKeysFile::AllRegions(keys) => keys,
            PublicKeysFile::ByRegion(map) => map.get(region).map_or(&[], Vec::as_slice),
        }
    }

    /// Every key with the region it is listed under (`None` for [`PublicKeysFile::AllRegions`]).
    pub fn iter(&self) -> Box<dyn Iterator<Item = (Option<&str>, &PublicKey)> + '_> {
        match self {
            PublicKeysFile::AllRegions(keys) => Box::new(keys.iter().map(|k| (None, k))),
            PublicKeysFile::ByRegion(map) => Box::new(
                map.iter()
                    .flat_map(|(r, keys)| keys.iter().map(move |k| (Some(r.as_str()), k))),
            ),
        }
    }
}

/// A region's value in a region-mapped keys file: a bare list or a `PublicKeyList` object.
#[derive(Deserialize)]
#[serde(untagged)]
enum RegionKeys {
    List(Vec<PublicKey>),
    Object(PublicKeyList),
}

impl From<RegionKeys> for Vec<PublicKey> {
    fn from(v: RegionKeys) -> Self {
        match v {
            RegionKeys::List(l) => l,
            RegionKeys::Object(o) => o.public_key_list,
        }
    }
}

impl Serialize for PublicKeysFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct ListRef<'a> {
            #[serde(rename = "PublicKeyList")]
            public_key_list: &'a [PublicKey],
        }
        match self {
            PublicKeysFile::AllRegions(keys) => ListRef { public_key_list: keys }.serialize(serializer),
            PublicKeysFile::ByRegion(map) => {
                serializer.collect_map(map.iter().map(|(r, keys)| (r, ListRef { public_key_list: keys })))
            }
        }
    }
}

impl<'de> Deserialize<'de> for PublicKeysFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut map = BTreeMap::<String, RegionKeys>::deserialize(deserializer)?;
        if map.len() == 1
            && let Some(keys) = map.remove("PublicKeyList")
        {
            return Ok(PublicKeysFile::AllRegions(keys.into()));
        }
        Ok(PublicKeysFile::ByRegion(
            map.into_iter().map(|(r, k)| (r, k.into())).collect(),
        ))
    }
}

/// The S3 user metadata of one digest object, as `aws s3api head-object --query Metadata`
/// prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestMetadata {
    /// Lowercase hex RSA signature (`x-amz-meta-signature`).
    pub signature: String,
    /// `SHA256withRSA` (`x-amz-meta-signature-algorithm`); absent when the metadata lacked it.
    #[serde(rename = "signature-algorithm", default, skip_serializing_if = "Option::is_none")]
    pub signature_algorithm: Option<String>,
    /// Backfill digests only: ISO-8601 UTC generation time.
    #[serde(
        rename = "backfill-generation-timestamp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub backfill_generation_timestamp: Option<String>,
}

/// A signatures file (`--signatures FILE`, digest-validation.md §10.3): `"<bucket>/<key>"` or
/// `"<key>"` → that digest object's metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SignaturesFile(pub BTreeMap<String, DigestMetadata>);

impl SignaturesFile {
    /// The metadata for a digest at `bucket`/`key`: `"<bucket>/<key>"` first, then `"<key>"`.
    pub fn lookup(&self, bucket: &str, key: &str) -> Option<&DigestMetadata> {
        let mut full = String::with_capacity(bucket.len() + 1 + key.len());
        full.push_str(bucket);
        full.push('/');
        full.push_str(key);
        self.0.get(&full).or_else(|| self.0.get(key))
    }

    /// Record the metadata of the digest at `bucket`/`key` under `"<bucket>/<key>"`.
    pub fn insert(&mut self, bucket: &str, key: &str, metadata: DigestMetadata) {
        self.0.insert(format!("{bucket}/{key}"), metadata);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Serde for validity times: read epoch seconds (integer or float) or an ISO-8601 string;
/// write epoch seconds (an integer when whole, else a float).
mod epoch_or_iso {
    use super::*;

    /// The largest epoch magnitude accepted, in seconds (year ~ 9999).
    const MAX_SECS: f64 = 253_402_300_799.0;

    pub(super) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        let ms = t.millis();
        if ms % 1000 == 0 {
            s.serialize_i64(ms / 1000)
        } else {
            s.serialize_f64(ms as f64 / 1000.0)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_any(EpochOrIso)
    }

    struct EpochOrIso;

    impl Visitor<'_> for EpochOrIso {
        type Value = Timestamp;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("epoch seconds or an ISO-8601 timestamp")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
            self.visit_f64(v as f64)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
            self.visit_f64(v as f64)
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
            if !v.is_finite() || v.abs() > MAX_SECS {
                return Err(E::custom(format!("epoch seconds out of range: {v}")));
            }
            Ok(Timestamp((v * 1000.0).round() as i64))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
            Timestamp::parse_rfc3339(v).map_err(E::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = r#"{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z","digestEndTime":"2015-08-17T15:01:31Z","digestS3Bucket":"bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T150131Z.json.gz","digestPublicKeyFingerprint":"31e8b5433410dfb61a9dc45cc65b22ff","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:27Z","previousDigestS3Bucket":"bucket","previousDigestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20150817T140131Z.json.gz","previousDigestHashValue":"97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"50887ccffad4","logFiles":[{"s3Bucket":"bucket","s3Object":"AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz","hashValue":"9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6","hashAlgorithm":"SHA-256","newestEventTime":"2015-08-17T14:52:27Z","oldestEventTime":"2015-08-17T14:42:18Z"}]}"#;

    #[test]
    fn digest_round_trips_byte_for_byte() {
        let d: Digest = serde_json::from_str(DIGEST).unwrap();
        assert_eq!(d.aws_account_id, "111122223333");
        assert_eq!(d.log_files.len(), 1);
        assert!(!d.is_chain_start());
        assert_eq!(d.end_time().unwrap().to_rfc3339(), "2015-08-17T15:01:31Z");
        assert_eq!(serde_json::to_string(&d).unwrap(), DIGEST);
    }

    #[test]
    fn starting_digest_has_nulls() {
        let text = r#"{"awsAccountId":"1","digestStartTime":"2024-01-01T00:17:28Z","digestEndTime":"2024-01-01T01:17:28Z","digestS3Bucket":"b","digestS3Object":"k","digestPublicKeyFingerprint":"f","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":null,"oldestEventTime":null,"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[]}"#;
        let d: Digest = serde_json::from_str(text).unwrap();
        assert!(d.is_chain_start());
        assert!(d.log_files.is_empty());
        assert_eq!(serde_json::to_string(&d).unwrap(), text);
    }

    #[test]
    fn validity_times_accept_numbers_and_strings() {
        let text = r#"{"PublicKeyList":[
            {"Value":"AAAA","ValidityStartTime":1704067200,"ValidityEndTime":1706659200.5,"Fingerprint":"aa"},
            {"Value":"BBBB","ValidityStartTime":"2024-01-01T00:00:00Z","ValidityEndTime":"2024-01-31T00:00:00+00:00","Fingerprint":"bb"}]}"#;
        let f: PublicKeysFile = serde_json::from_str(text).unwrap();
        let PublicKeysFile::AllRegions(keys) = &f else {
            panic!("expected one list for all regions");
        };
        assert_eq!(keys[0].validity_start_time, Timestamp::from_secs(1_704_067_200));
        assert_eq!(keys[0].validity_end_time.millis(), 1_706_659_200_500);
        assert_eq!(keys[1].validity_start_time, Timestamp::from_secs(1_704_067_200));
        assert_eq!(keys[1].validity_end_time, Timestamp::from_secs(1_706_659_200));
        assert!(keys[1].is_valid_at(Timestamp::from_secs(1_705_000_000)));
        assert!(!keys[1].is_valid_at(Timestamp::from_secs(1_706_659_201)));
        assert_eq!(f.keys_for_region("eu-west-1").len(), 2);
        let out = serde_json::to_string(&f).unwrap();
        assert!(out.contains(r#""ValidityStartTime":1704067200,"#), "{out}");
        assert!(out.contains(r#""ValidityEndTime":1706659200.5,"#), "{out}");
        let again: PublicKeysFile = serde_json::from_str(&out).unwrap();
        assert_eq!(again, f);
    }

    #[test]
    fn region_mapped_keys_both_forms() {
        let text = r#"{"us-east-1":[{"Value":"AAAA","ValidityStartTime":1,"ValidityEndTime":2,"Fingerprint":"aa"}],
                       "eu-west-1":{"PublicKeyList":[{"Value":"BBBB","ValidityStartTime":3,"ValidityEndTime":4,"Fingerprint":"bb"}]}}"#;
        let f: PublicKeysFile = serde_json::from_str(text).unwrap();
        assert_eq!(f.keys_for_region("us-east-1")[0].fingerprint, "aa");
        assert_eq!(f.keys_for_region("eu-west-1")[0].fingerprint, "bb");
        assert!(f.keys_for_region("us-west-2").is_empty());
        assert_eq!(f.iter().count(), 2);
        let out = serde_json::to_string(&f).unwrap();
        assert_eq!(
            out,
            r#"{"eu-west-1":{"PublicKeyList":[{"Value":"BBBB","ValidityStartTime":3,"ValidityEndTime":4,"Fingerprint":"bb"}]},"us-east-1":{"PublicKeyList":[{"Value":"AAAA","ValidityStartTime":1,"ValidityEndTime":2,"Fingerprint":"aa"}]}}"#
        );
        assert_eq!(serde_json::from_str::<PublicKeysFile>(&out).unwrap(), f);
    }

    #[test]
    fn bad_validity_time_is_refused() {
        for bad in [r#""yesterday""#, "1e300", "true"] {
            let text = format!(
                r#"{{"PublicKeyList":[{{"Value":"A","ValidityStartTime":{bad},"ValidityEndTime":2,"Fingerprint":"a"}}]}}"#
            );
            assert!(serde_json::from_str::<PublicKeysFile>(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn signatures_file_round_trips_and_looks_up() {
        let text = r#"{"AWSLogs/1/CloudTrail-Digest/x_backfill.json.gz":{"signature":"cd","signature-algorithm":"SHA256withRSA","backfill-generation-timestamp":"2024-01-02T03:00:00Z"},"b/AWSLogs/1/CloudTrail-Digest/y.json.gz":{"signature":"ab","signature-algorithm":"SHA256withRSA"}}"#;
        let s: SignaturesFile = serde_json::from_str(text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.lookup("b", "AWSLogs/1/CloudTrail-Digest/y.json.gz")
                .unwrap()
                .signature,
            "ab"
        );
        let backfill = s
            .lookup("other", "AWSLogs/1/CloudTrail-Digest/x_backfill.json.gz")
            .unwrap();
        assert_eq!(
            backfill.backfill_generation_timestamp.as_deref(),
            Some("2024-01-02T03:00:00Z")
        );
        assert!(s.lookup("b", "missing").is_none());
        assert_eq!(serde_json::to_string(&s).unwrap(), text);
        let mut t = SignaturesFile::default();
        t.insert(
            "b",
            "k",
            DigestMetadata {
                signature: "00".into(),
                signature_algorithm: Some(SIGNATURE_ALGORITHM.into()),
                backfill_generation_timestamp: None,
            },
        );
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"b/k":{"signature":"00","signature-algorithm":"SHA256withRSA"}}"#
        );
    }
}
