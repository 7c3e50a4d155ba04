//! CloudTrail log file integrity: the digest chain (digest-validation.md).
//!
//! This crate holds the cryptographic building blocks shared by the signer of synthetic test
//! chains (used by `trailguard generate`) and the validator:
//!
//! - [`sign::string_to_sign`]: the exact bytes CloudTrail signs for a digest (§3);
//! - [`keys`]: RSA-2048 keys generated deterministically from a seed, PKCS#1 v1.5 / SHA-256
//!   signatures in lowercase hex, DER public keys (PKCS#1, with SubjectPublicKeyInfo accepted on
//!   input), fingerprints (lowercase hex MD5 of the DER), and signature verification.
//!
//! No I/O, no clock: bytes, times and seeds are passed in.
//!
//! ```
//! use trailguard_verify::{keys, sign};
//!
//! let key = keys::SigningKey::from_seed([7; 32]).unwrap();
//! let message = sign::string_to_sign("2024-01-01T01:17:28Z", "bucket", "key.json.gz", b"{}", None);
//! let signature = key.sign_hex(message.as_bytes()).unwrap();
//! assert!(keys::verify_signature(key.public_key_der(), message.as_bytes(), &signature).unwrap());
//! ```

#![deny(missing_docs)]

pub mod keys;
pub mod sign;

pub use keys::{KeyError, SigningKey};
pub use sign::string_to_sign;
