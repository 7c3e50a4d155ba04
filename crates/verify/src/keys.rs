//! RSA keys for digest signatures: deterministic generation, PKCS#1 v1.5 / SHA-256 signing and
//! verification, DER encodings and fingerprints (digest-validation.md §4).
//!
//! CloudTrail publishes public keys as DER PKCS#1 `RSAPublicKey` (base64 on the JSON wire) and
//! names them by the lowercase hex MD5 of those DER bytes. Signatures are lowercase hex.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest as _, Md5};
use num_bigint_dig::BigUint;
use num_bigint_dig::prime::probably_prime;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use trailguard_model::digest::PublicKey;
use trailguard_model::time::Timestamp;

/// Key size CloudTrail uses.
pub const KEY_BITS: usize = 2048;

/// Why a key could not be made, loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// RSA key generation failed.
    #[error("RSA key generation failed: {reason}")]
    Generate {
        /// The RSA library's message.
        reason: String,
    },
    /// A public key could not be encoded as DER.
    #[error("could not encode the public key as DER: {reason}")]
    Encode {
        /// The encoder's message.
        reason: String,
    },
    /// Signing failed.
    #[error("RSA signing failed: {reason}")]
    Sign {
        /// The RSA library's message.
        reason: String,
    },
    /// The bytes are neither a DER PKCS#1 `RSAPublicKey` nor a DER SubjectPublicKeyInfo.
    #[error("not an RSA public key (expected DER PKCS#1 RSAPublicKey or SubjectPublicKeyInfo, {len} bytes given)")]
    NotAPublicKey {
        /// Length of the bytes given.
        len: usize,
    },
    /// A key's `Value` is not base64.
    #[error("public key value is not base64: {reason}")]
    Base64 {
        /// The decoder's message.
        reason: String,
    },
}

/// An RSA-2048 signing key with its public DER and fingerprint computed once.
#[derive(Clone)]
pub struct SigningKey {
    private: RsaPrivateKey,
    public: RsaPublicKey,
    public_der: Vec<u8>,
    fingerprint: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generate a 2048-bit key (exponent 65537) deterministically from a 32-byte seed
    /// (ChaCha20 stream): the same seed always gives the same key with this crate's locked
    /// dependency versions. For synthetic test chains only.
    ///
    /// The primes are found by a sieved incremental search (sieve by the odd primes below
    /// 2^14, then Miller-Rabin and Lucas), several times faster than the general-purpose
    /// generator; the key is validated by the RSA library.
    pub fn from_seed(seed: [u8; 32]) -> Result<Self, KeyError> {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let small = small_primes(SIEVE_LIMIT);
        let p = sieved_prime(&mut rng, KEY_BITS / 2, &small);
        let mut q = sieved_prime(&mut rng, KEY_BITS / 2, &small);
        while q == p {
            q = sieved_prime(&mut rng, KEY_BITS / 2, &small);
        }
        let private = RsaPrivateKey::from_p_q(p, q, BigUint::from(PUBLIC_EXPONENT))
            .map_err(|e| KeyError::Generate { reason: e.to_string() })?;
        Self::from_private(private)
    }

    /// Wrap an existing private key.
    pub fn from_private(private: RsaPrivateKey) -> Result<Self, KeyError> {
        let public = private.to_public_key();
        let public_der = public
            .to_pkcs1_der()
            .map_err(|e| KeyError::Encode { reason: e.to_string() })?
            .as_bytes()
            .to_vec();
        let fingerprint = fingerprint(&public_der);
        Ok(SigningKey {
            private,
            public,
            public_der,
            fingerprint,
        })
    }

    /// DER PKCS#1 `RSAPublicKey` bytes of the public key.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    /// The public key.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }

    /// Base64 of the DER public key, as in `ListPublicKeys`' `Value`.
    pub fn public_key_base64(&self) -> String {
        BASE64.encode(&self.public_der)
    }

    /// Lowercase hex MD5 of the DER public key.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`, lowercase hex (512 characters).
    pub fn sign_hex(&self, message: &[u8]) -> Result<String, KeyError> {
        let hashed = <Sha256 as sha2::Digest>::digest(message);
        let sig = self
            .private
            .sign(Pkcs1v15Sign::new::<Sha256>(), &hashed)
            .map_err(|e| KeyError::Sign { reason: e.to_string() })?;
        Ok(hex::encode(sig))
    }

    /// The `ListPublicKeys` entry of this key for the given validity window.
    pub fn public_key_entry(&self, valid_from: Timestamp, valid_to: Timestamp) -> PublicKey {
        PublicKey {
            value: self.public_key_base64(),
            validity_start_time: valid_from,
            validity_end_time: valid_to,
            fingerprint: self.fingerprint.clone(),
        }
    }
}

/// The public exponent CloudTrail's keys use.
const PUBLIC_EXPONENT: u32 = 65_537;
/// Candidates are sieved by the odd primes below this.
const SIEVE_LIMIT: u32 = 1 << 14;
/// Odd candidates per sieve window.
const SIEVE_WINDOW: usize = 1 << 14;

/// The odd primes below `limit`.
fn small_primes(limit: u32) -> Vec<u32> {
    let n = limit as usize;
    let mut composite = vec![false; n];
    let mut out = Vec::new();
    for i in 3..n {
        if i % 2 == 1 && !composite[i] {
            out.push(i as u32);
            let mut j = i * i;
            while j < n {
                composite[j] = true;
                j += i;
            }
        }
    }
    out
}

/// `bytes` (big-endian) modulo a small number.
fn mod_small(bytes: &[u8], m: u32) -> u32 {
    let m = u64::from(m);
    bytes.iter().fold(0u64, |r, &b| (r * 256 + u64::from(b)) % m) as u32
}

/// A random prime of exactly `bits` bits (top two bits set, so that the product of two has
/// exactly twice as many), with `p - 1` coprime to the public exponent.
fn sieved_prime(rng: &mut ChaCha20Rng, bits: usize, small: &[u32]) -> BigUint {
    let mut bytes = vec![0u8; bits.div_ceil(8)];
    let mut composite = vec![false; SIEVE_WINDOW];
    loop {
        rng.fill_bytes(&mut bytes);
        bytes[0] |= 0xc0;
        if let Some(last) = bytes.last_mut() {
            *last |= 1;
        }
        // Candidates are base + 2i; mark those divisible by a small prime.
        composite.iter_mut().for_each(|c| *c = false);
        for &p in small {
            let r = u64::from(mod_small(&bytes, p));
            let p64 = u64::from(p);
            // i ≡ -r / 2 (mod p)
            let mut i = ((p64 - r) % p64) * p64.div_ceil(2) % p64;
            while (i as usize) < SIEVE_WINDOW {
                composite[i as usize] = true;
                i += p64;
            }
        }
        let e_rem = u64::from(mod_small(&bytes, PUBLIC_EXPONENT));
        let base = BigUint::from_bytes_be(&bytes);
        for (i, _) in composite.iter().enumerate().filter(|(_, c)| !**c) {
            let step = 2 * i as u64;
            if (e_rem + step) % u64::from(PUBLIC_EXPONENT) == 1 {
                continue;
            }
            let candidate = &base + BigUint::from(step);
            if candidate.bits() != bits {
                break;
            }
            if probably_prime(&candidate, 4) {
                return candidate;
            }
        }
    }
}

/// Lowercase hex MD5 of DER public key bytes: CloudTrail's key fingerprint.
pub fn fingerprint(public_key_der: &[u8]) -> String {
    hex::encode(Md5::digest(public_key_der))
}

/// Decode a `ListPublicKeys` `Value` (base64, surrounding whitespace ignored) into DER bytes.
pub fn decode_key_value(value: &str) -> Result<Vec<u8>, KeyError> {
    BASE64
        .decode(value.trim().as_bytes())
        .map_err(|e| KeyError::Base64 { reason: e.to_string() })
}

/// Parse a DER public key: PKCS#1 `RSAPublicKey` first, then SubjectPublicKeyInfo.
pub fn parse_public_key(der: &[u8]) -> Result<RsaPublicKey, KeyError> {
    RsaPublicKey::from_pkcs1_der(der)
        .or_else(|_| RsaPublicKey::from_public_key_der(der))
        .map_err(|_| KeyError::NotAPublicKey { len: der.len() })
}

/// Verify a lowercase (or uppercase) hex RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
///
/// `Ok(false)` when the signature does not verify (including a signature that is not hex);
/// `Err` only when the key cannot be loaded.
pub fn verify_signature(public_key_der: &[u8], message: &[u8], signature_hex: &str) -> Result<bool, KeyError> {
    let key = parse_public_key(public_key_der)?;
    Ok(verify_with_key(&key, message, signature_hex))
}

/// [`verify_signature`] with an already parsed key.
pub fn verify_with_key(key: &RsaPublicKey, message: &[u8], signature_hex: &str) -> bool {
    let Ok(sig) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let hashed = <Sha256 as sha2::Digest>::digest(message);
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::EncodePublicKey;
    use rsa::traits::PublicKeyParts;

    fn key() -> SigningKey {
        SigningKey::from_seed([42; 32]).unwrap()
    }

    #[test]
    fn generation_is_deterministic_and_2048_bits() {
        let a = key();
        let b = key();
        assert_eq!(a.public_key_der(), b.public_key_der());
        assert_eq!(a.public_key().size() * 8, 2048);
        assert_eq!(a.public_key().e(), &rsa::BigUint::from(65_537u32));
        let c = SigningKey::from_seed([43; 32]).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn fingerprint_is_md5_of_der() {
        let k = key();
        assert_eq!(k.fingerprint(), hex::encode(Md5::digest(k.public_key_der())));
        assert_eq!(k.fingerprint().len(), 32);
        assert!(
            k.fingerprint()
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        // MD5 of the empty string, a known value.
        assert_eq!(fingerprint(b""), "d41d8cd98f00b204e9800998ecf8427e");
        let der = decode_key_value(&k.public_key_base64()).unwrap();
        assert_eq!(der, k.public_key_der());
        // DER PKCS#1 RSAPublicKey starts with a SEQUENCE.
        assert_eq!(der[0], 0x30);
    }

    #[test]
    fn sign_and_verify() {
        let k = key();
        let msg = b"a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull";
        let sig = k.sign_hex(msg).unwrap();
        assert_eq!(sig.len(), 512);
        assert_eq!(sig, sig.to_ascii_lowercase());
        assert_eq!(sig, k.sign_hex(msg).unwrap(), "PKCS#1 v1.5 is deterministic");
        assert!(verify_signature(k.public_key_der(), msg, &sig).unwrap());
        assert!(!verify_signature(k.public_key_der(), b"other", &sig).unwrap());
        assert!(!verify_signature(k.public_key_der(), msg, "zz").unwrap());
        let mut flipped = sig.clone().into_bytes();
        flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(!verify_signature(k.public_key_der(), msg, &flipped).unwrap());
        let other = SigningKey::from_seed([1; 32]).unwrap();
        assert!(!verify_signature(other.public_key_der(), msg, &sig).unwrap());
    }

    #[test]
    fn spki_keys_are_accepted() {
        let k = key();
        let spki = k.public_key().to_public_key_der().unwrap();
        assert_ne!(spki.as_bytes(), k.public_key_der());
        let msg = b"hello";
        let sig = k.sign_hex(msg).unwrap();
        assert!(verify_signature(spki.as_bytes(), msg, &sig).unwrap());
    }

    #[test]
    fn garbage_keys_are_errors() {
        assert!(matches!(
            verify_signature(b"not a key", b"m", "00"),
            Err(KeyError::NotAPublicKey { len: 9 })
        ));
        assert!(decode_key_value("%%%").is_err());
    }

    #[test]
    fn public_key_entry_round_trips_through_json() {
        let k = key();
        let e = k.public_key_entry(Timestamp::from_secs(1_700_000_000), Timestamp::from_secs(1_702_592_000));
        let text = serde_json::to_string(&e).unwrap();
        let back: PublicKey = serde_json::from_str(&text).unwrap();
        assert_eq!(back, e);
        assert_eq!(fingerprint(&decode_key_value(&back.value).unwrap()), back.fingerprint);
    }
}
