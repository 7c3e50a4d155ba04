//! The public keys a run may use, by region and fingerprint (digest-validation.md §4, §10.2).
//!
//! Keys come from `ListPublicKeys` (online, one call per source region) or from a public keys
//! file (offline). Each entry's `Value` is decoded (base64 of the DER; a value base64-encoded
//! twice, as some tools print it, is accepted), its fingerprint recomputed (MD5 of the DER)
//! and compared with the listed one, and the key parsed once: PKCS#1 `RSAPublicKey`, or
//! SubjectPublicKeyInfo (which the reference CLI cannot load).

use std::collections::BTreeMap;
use std::sync::Arc;

use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use serde::Serialize;
use trailguard_model::Timestamp;
use trailguard_model::digest::{PublicKey, PublicKeysFile};

use crate::keys::{KeyError, decode_key_value, fingerprint};

/// How a key's DER is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyEncoding {
    /// PKCS#1 `RSAPublicKey`, what CloudTrail publishes.
    Pkcs1,
    /// X.509 SubjectPublicKeyInfo (accepted by trailguard; the reference CLI rejects it).
    Spki,
}

/// One usable public key.
#[derive(Clone, Debug)]
pub struct LoadedKey {
    /// Lowercase hex MD5 of the DER.
    pub fingerprint: String,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_to: Timestamp,
    /// How the DER is encoded.
    pub encoding: KeyEncoding,
    /// The key.
    pub key: RsaPublicKey,
    /// The key as PKCS#1 DER for `ring`'s verifier, when its size is one `ring` accepts
    /// (2048 to 8192 bits, which covers CloudTrail's 2048-bit keys).
    pkcs1: Option<Box<[u8]>>,
}

impl LoadedKey {
    /// A key with its validity window.
    pub fn new(
        fingerprint: String,
        valid_from: Timestamp,
        valid_to: Timestamp,
        encoding: KeyEncoding,
        key: RsaPublicKey,
    ) -> Self {
        use rsa::pkcs1::EncodeRsaPublicKey as _;
        use rsa::traits::PublicKeyParts as _;
        let bits = key.size() * 8;
        let pkcs1 = (2048..=8192)
            .contains(&bits)
            .then(|| key.to_pkcs1_der().ok())
            .flatten()
            .map(|d| Box::from(d.as_bytes()));
        LoadedKey {
            fingerprint,
            valid_from,
            valid_to,
            encoding,
            key,
            pkcs1,
        }
    }

    /// Whether `signature` is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of `message`
    /// (`sha256` is the message's SHA-256, used by the fallback verifier). Checked with
    /// `ring` (several times faster than the pure-Rust `rsa` crate on these machines); keys
    /// `ring` does not take are checked with `rsa`. A signature shorter than the modulus (its
    /// leading zero bytes dropped) is padded back, as the reference CLI's integer conversion
    /// would read it.
    pub fn verify_sha256(&self, message: &[u8], sha256: &[u8], signature: &[u8]) -> bool {
        use rsa::traits::PublicKeyParts as _;
        let size = self.key.size();
        let padded;
        let sig = if signature.len() < size && signature.len() + 8 >= size {
            let mut v = vec![0u8; size - signature.len()];
            v.extend_from_slice(signature);
            padded = v;
            padded.as_slice()
        } else {
            signature
        };
        match &self.pkcs1 {
            Some(der) => ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, der)
                .verify(message, sig)
                .is_ok(),
            None => self
                .key
                .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), sha256, sig)
                .is_ok(),
        }
    }

    /// Whether the validity window overlaps `[from, to]` (what `ListPublicKeys` returns for a
    /// range).
    pub fn overlaps(&self, from: Timestamp, to: Timestamp) -> bool {
        self.valid_from <= to && from <= self.valid_to
    }
}

/// A key entry that was refused, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyProblem {
    /// The region the entry was listed under (`None`: every region).
    pub region: Option<String>,
    /// The fingerprint the entry claimed.
    pub fingerprint: String,
    /// Why it was refused.
    pub reason: String,
}

/// The result of looking a fingerprint up.
#[derive(Clone, Debug)]
pub enum KeyLookup<'a> {
    /// The key, listed for the digest's region.
    Found(&'a LoadedKey),
    /// Listed for the region but unusable (not an RSA key; fingerprint mismatch).
    Unusable(&'a KeyProblem),
    /// Not listed for this region.
    NotFound,
}

/// Public keys by region.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    /// Keys that apply to every region (a keys file without regions).
    all: Vec<Arc<LoadedKey>>,
    /// Keys per source region.
    by_region: BTreeMap<String, Vec<Arc<LoadedKey>>>,
    /// Entries that were refused.
    problems: Vec<KeyProblem>,
}

impl KeyRing {
    /// An empty ring.
    pub fn new() -> Self {
        KeyRing::default()
    }

    /// The keys of a public keys file.
    pub fn from_file(file: &PublicKeysFile) -> Self {
        let mut ring = KeyRing::new();
        match file {
            PublicKeysFile::AllRegions(keys) => {
                for k in keys {
                    ring.add(None, k);
                }
            }
            PublicKeysFile::ByRegion(map) => {
                for (region, keys) in map {
                    for k in keys {
                        ring.add(Some(region), k);
                    }
                }
            }
        }
        ring
    }

    /// Add `ListPublicKeys` entries for `region` (`None`: every region).
    pub fn add_list(&mut self, region: Option<&str>, keys: &[PublicKey]) {
        for k in keys {
            self.add(region, k);
        }
    }

    /// Add one entry whose `Value` is base64 text.
    pub fn add(&mut self, region: Option<&str>, entry: &PublicKey) {
        let der = decode_value(&entry.value);
        self.add_der(region, entry, der);
    }

    /// Add one entry whose `Value` the SDK already decoded from the wire (`raw`: the blob's
    /// bytes — DER, or base64 text of the DER when the service encoded it twice).
    pub fn add_raw(&mut self, region: Option<&str>, entry: &PublicKey, raw: &[u8]) {
        let der = if raw.first() == Some(&0x30) {
            Ok(raw.to_vec())
        } else {
            std::str::from_utf8(raw)
                .map_err(|_| KeyError::NotAPublicKey { len: raw.len() })
                .and_then(decode_value)
        };
        self.add_der(region, entry, der);
    }

    fn add_der(&mut self, region: Option<&str>, entry: &PublicKey, der: Result<Vec<u8>, KeyError>) {
        let claimed = entry.fingerprint.trim().to_ascii_lowercase();
        let problem = |reason: String| KeyProblem {
            region: region.map(str::to_owned),
            fingerprint: claimed.clone(),
            reason,
        };
        let der = match der {
            Ok(d) => d,
            Err(e) => {
                self.problems.push(problem(e.to_string()));
                return;
            }
        };
        let actual = fingerprint(&der);
        if actual != claimed {
            self.problems.push(problem(format!(
                "the key's MD5 is {actual}, not the fingerprint listed with it (corrupt or edited keys file)"
            )));
            return;
        }
        let (key, encoding) = match RsaPublicKey::from_pkcs1_der(&der) {
            Ok(k) => (k, KeyEncoding::Pkcs1),
            Err(_) => match RsaPublicKey::from_public_key_der(&der) {
                Ok(k) => (k, KeyEncoding::Spki),
                Err(_) => {
                    self.problems
                        .push(problem(KeyError::NotAPublicKey { len: der.len() }.to_string()));
                    return;
                }
            },
        };
        let loaded = LoadedKey::new(
            actual,
            entry.validity_start_time,
            entry.validity_end_time,
            encoding,
            key,
        );
        let list = match region {
            None => &mut self.all,
            Some(r) => self.by_region.entry(r.to_owned()).or_default(),
        };
        match list.iter_mut().find(|k| k.fingerprint == loaded.fingerprint) {
            // The same key listed twice (overlapping ListPublicKeys answers): keep the union of
            // the validity windows.
            Some(existing) => {
                let mut merged = (**existing).clone();
                merged.valid_from = merged.valid_from.min(loaded.valid_from);
                merged.valid_to = merged.valid_to.max(loaded.valid_to);
                *existing = Arc::new(merged);
            }
            None => list.push(Arc::new(loaded)),
        }
    }

    /// The key with `fingerprint` that may sign digests of `region`.
    pub fn lookup(&self, region: &str, fingerprint: &str) -> KeyLookup<'_> {
        let fp = fingerprint.to_ascii_lowercase();
        let listed = self
            .by_region
            .get(region)
            .into_iter()
            .flatten()
            .chain(self.all.iter())
            .find(|k| k.fingerprint == fp);
        if let Some(k) = listed {
            return KeyLookup::Found(k);
        }
        match self
            .problems
            .iter()
            .find(|p| p.fingerprint == fp && p.region.as_deref().is_none_or(|r| r == region))
        {
            Some(p) => KeyLookup::Unusable(p),
            None => KeyLookup::NotFound,
        }
    }

    /// The usable keys of `region` (its own and those for every region).
    pub fn keys_for(&self, region: &str) -> impl Iterator<Item = &LoadedKey> {
        self.by_region
            .get(region)
            .into_iter()
            .flatten()
            .chain(self.all.iter())
            .map(|k| &**k)
    }

    /// Regions other than `region` that list `fingerprint` (for messages).
    pub fn regions_listing(&self, fingerprint: &str) -> Vec<&str> {
        let fp = fingerprint.to_ascii_lowercase();
        self.by_region
            .iter()
            .filter(|(_, keys)| keys.iter().any(|k| k.fingerprint == fp))
            .map(|(r, _)| r.as_str())
            .collect()
    }

    /// Entries that were refused.
    pub fn problems(&self) -> &[KeyProblem] {
        &self.problems
    }

    /// Whether the ring holds no usable key.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty() && self.by_region.values().all(Vec::is_empty)
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.all.len() + self.by_region.values().map(Vec::len).sum::<usize>()
    }

    /// Whether keys are listed per region (else one list serves every region).
    pub fn has_regions(&self) -> bool {
        !self.by_region.is_empty()
    }
}

/// Decode a `Value`: base64 of the DER, or base64 of the base64 text of the DER.
fn decode_value(value: &str) -> Result<Vec<u8>, KeyError> {
    let once = decode_key_value(value)?;
    if once.first() == Some(&0x30) {
        return Ok(once);
    }
    match std::str::from_utf8(&once).ok().map(decode_key_value) {
        Some(Ok(twice)) if twice.first() == Some(&0x30) => Ok(twice),
        _ => Ok(once),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;
    use base64::Engine as _;
    use rsa::pkcs8::EncodePublicKey;

    fn entry(k: &SigningKey, from: i64, to: i64) -> PublicKey {
        k.public_key_entry(Timestamp::from_secs(from), Timestamp::from_secs(to))
    }

    #[test]
    fn ring_and_rsa_verifiers_agree() {
        use sha2::Digest as _;
        let k = SigningKey::from_seed([3; 32]).unwrap();
        let fast = LoadedKey::new(
            String::new(),
            Timestamp(0),
            Timestamp(1),
            KeyEncoding::Pkcs1,
            k.public_key().clone(),
        );
        assert!(fast.pkcs1.is_some());
        let mut slow = fast.clone();
        slow.pkcs1 = None;
        // Find a message whose signature starts with a zero byte (about 1 in 256), to check
        // that a signature written without its leading zeros still verifies.
        let mut short = None;
        for i in 0..4096u32 {
            let msg = format!("message {i}");
            let sig = hex::decode(k.sign_hex(msg.as_bytes()).unwrap()).unwrap();
            let hash = sha2::Sha256::digest(msg.as_bytes());
            for v in [&fast, &slow] {
                assert!(v.verify_sha256(msg.as_bytes(), &hash, &sig), "{i}");
                assert!(!v.verify_sha256(b"other", &sha2::Sha256::digest(b"other"), &sig));
                let mut bad = sig.clone();
                bad[100] ^= 1;
                assert!(!v.verify_sha256(msg.as_bytes(), &hash, &bad));
                assert!(!v.verify_sha256(msg.as_bytes(), &hash, &sig[..100]));
            }
            if sig[0] == 0 && short.is_none() {
                short = Some((msg, sig));
            }
            if short.is_some() && i > 16 {
                break;
            }
        }
        let (msg, sig) = short.expect("a signature with a leading zero byte");
        let hash = sha2::Sha256::digest(msg.as_bytes());
        for v in [&fast, &slow] {
            assert!(v.verify_sha256(msg.as_bytes(), &hash, &sig[1..]));
        }
    }

    #[test]
    fn lookup_by_region_and_fingerprint() {
        let a = SigningKey::from_seed([1; 32]).unwrap();
        let b = SigningKey::from_seed([2; 32]).unwrap();
        let mut ring = KeyRing::new();
        ring.add(Some("us-east-1"), &entry(&a, 0, 100));
        ring.add(Some("eu-west-1"), &entry(&b, 0, 100));
        assert!(
            matches!(ring.lookup("us-east-1", a.fingerprint()), KeyLookup::Found(k) if k.encoding == KeyEncoding::Pkcs1)
        );
        assert!(matches!(ring.lookup("us-east-1", b.fingerprint()), KeyLookup::NotFound));
        assert_eq!(ring.regions_listing(b.fingerprint()), vec!["eu-west-1"]);
        assert_eq!(ring.len(), 2);
        // The same key twice: one entry, validity merged.
        ring.add(Some("us-east-1"), &entry(&a, 50, 300));
        assert_eq!(ring.len(), 2);
        let KeyLookup::Found(k) = ring.lookup("us-east-1", &a.fingerprint().to_uppercase()) else {
            panic!()
        };
        assert_eq!(k.valid_from, Timestamp::from_secs(0));
        assert_eq!(k.valid_to, Timestamp::from_secs(300));
        assert!(k.overlaps(Timestamp::from_secs(290), Timestamp::from_secs(400)));
        assert!(!k.overlaps(Timestamp::from_secs(301), Timestamp::from_secs(400)));
    }

    #[test]
    fn spki_double_base64_and_raw_blobs_are_accepted() {
        let a = SigningKey::from_seed([3; 32]).unwrap();
        let spki = a.public_key().to_public_key_der().unwrap();
        let mut e = entry(&a, 0, 10);
        e.value = base64::engine::general_purpose::STANDARD.encode(spki.as_bytes());
        e.fingerprint = fingerprint(spki.as_bytes());
        let mut ring = KeyRing::new();
        ring.add(None, &e);
        assert!(
            matches!(ring.lookup("any-region", &e.fingerprint), KeyLookup::Found(k) if k.encoding == KeyEncoding::Spki)
        );
        let mut twice = entry(&a, 0, 10);
        twice.value = base64::engine::general_purpose::STANDARD.encode(twice.value.as_bytes());
        let mut ring = KeyRing::new();
        ring.add(Some("r"), &twice);
        assert!(matches!(ring.lookup("r", a.fingerprint()), KeyLookup::Found(_)));
        let mut ring = KeyRing::new();
        let plain = entry(&a, 0, 10);
        ring.add_raw(Some("r"), &plain, a.public_key_der());
        ring.add_raw(Some("s"), &plain, plain.value.as_bytes());
        assert!(matches!(ring.lookup("r", a.fingerprint()), KeyLookup::Found(_)));
        assert!(matches!(ring.lookup("s", a.fingerprint()), KeyLookup::Found(_)));
        assert!(ring.problems().is_empty());
    }

    #[test]
    fn wrong_fingerprints_and_garbage_are_refused_and_reported() {
        let a = SigningKey::from_seed([4; 32]).unwrap();
        let mut e = entry(&a, 0, 10);
        e.fingerprint = "00112233445566778899aabbccddeeff".into();
        let mut ring = KeyRing::new();
        ring.add(Some("r"), &e);
        assert!(ring.is_empty());
        assert!(matches!(ring.lookup("r", &e.fingerprint), KeyLookup::Unusable(p) if p.reason.contains("MD5")));
        let mut g = entry(&a, 0, 10);
        g.value = "%%%".into();
        ring.add(Some("r"), &g);
        let mut h = entry(&a, 0, 10);
        h.value = base64::engine::general_purpose::STANDARD.encode(b"0 not a key");
        h.fingerprint = fingerprint(b"0 not a key");
        ring.add(Some("r"), &h);
        assert_eq!(ring.problems().len(), 3);
        assert!(matches!(ring.lookup("r", &h.fingerprint), KeyLookup::Unusable(_)));
        assert!(matches!(ring.lookup("other", &h.fingerprint), KeyLookup::NotFound));
    }
}
