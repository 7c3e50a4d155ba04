//! Hashing log objects: SHA-256 over the inflated bytes of the first gzip member, with
//! everything else about the object's gzip stream recorded (digest-validation.md §5).
//!
//! A [`LogHasher`] (one per worker thread) turns the stored bytes of one object into a
//! [`LogOutcome`]; the validator compares it with the digest's `hashValue`. The outcome keeps
//! enough detail to give both trailguard's verdict (any damage to the object is reported) and
//! the reference CLI's (which accepts a log whose gzip trailer was cut off).

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use trailguard_read::gzip::{GzStream, GzipError, GzipInfo, Inflater, Whole, is_gzip};

use crate::object::ReadFailure;

/// A SHA-256 value.
pub type Sha256Hash = [u8; 32];

/// What is wrong with a gzip object whose first member could not be inflated whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Damage {
    /// All compressed data is there but the 8-byte trailer (CRC-32 and length) is missing or
    /// short: the object was cut just after its data.
    TrailerMissing,
    /// The object ends inside the compressed data.
    Truncated,
    /// The CRC-32 in the trailer does not match the data.
    CrcMismatch,
    /// The length in the trailer does not match the data.
    LengthMismatch,
    /// The compressed data is not valid deflate.
    Corrupt,
    /// The gzip header is not valid.
    BadHeader,
}

impl Damage {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Damage::TrailerMissing => "gzip trailer (CRC-32 and length) missing: the object was cut after its data",
            Damage::Truncated => "truncated inside the compressed data",
            Damage::CrcMismatch => "gzip CRC-32 does not match the data",
            Damage::LengthMismatch => "gzip length field does not match the data",
            Damage::Corrupt => "corrupt compressed data",
            Damage::BadHeader => "invalid gzip header",
        }
    }
}

/// What reading and hashing one log object gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogOutcome {
    /// A complete first gzip member (CRC-32 and length checked).
    Gzip {
        /// SHA-256 of the member's inflated bytes.
        sha256: Sha256Hash,
        /// Bytes stored after the first member (never hashed, never read as records).
        trailing: u64,
        /// Whether those bytes start another gzip member.
        trailing_is_member: bool,
    },
    /// A damaged gzip object: the hash is over what could be inflated.
    Damaged {
        /// What is wrong.
        damage: Damage,
        /// SHA-256 of the bytes inflated before the damage (for a missing trailer, all of them).
        recovered_sha256: Sha256Hash,
        /// How many bytes were inflated.
        recovered_bytes: u64,
    },
    /// The object is not gzip at all.
    NotGzip {
        /// SHA-256 of the stored bytes (matches the digest when someone stored the log
        /// decompressed).
        sha256: Sha256Hash,
        /// Stored length.
        len: u64,
        /// Whether the bytes are an empty object or the first byte of a gzip header only (the
        /// reference CLI hashes nothing for those instead of calling them invalid).
        header_prefix: bool,
    },
    /// The object inflates to more than the cap: not hashed.
    TooLarge {
        /// The cap in bytes.
        cap: u64,
    },
    /// The object could not be read.
    Unreadable(ReadFailure),
}

impl LogOutcome {
    /// The object could not be had.
    pub fn unreadable(failure: ReadFailure) -> Self {
        LogOutcome::Unreadable(failure)
    }
}

/// Hashes log objects; holds buffers reused from object to object (one per thread).
pub struct LogHasher {
    inflater: Inflater,
    text: Vec<u8>,
    /// Objects that inflate to at most this many bytes are inflated whole (fastest); larger
    /// ones are hashed while streaming.
    whole_cap: u64,
    /// Most bytes one object may inflate to.
    max_inflate: u64,
}

impl Default for LogHasher {
    fn default() -> Self {
        LogHasher::new(16 << 30)
    }
}

impl LogHasher {
    /// A hasher refusing objects that inflate to more than `max_inflate` bytes.
    pub fn new(max_inflate: u64) -> Self {
        LogHasher {
            inflater: Inflater::default(),
            text: Vec::new(),
            whole_cap: (256u64 << 20).min(max_inflate),
            max_inflate,
        }
    }

    /// Hash one object from its stored bytes.
    pub fn check(&mut self, stored: &[u8]) -> LogOutcome {
        if !is_gzip(stored) {
            let header_prefix = stored.is_empty() || stored == [0x1f];
            return LogOutcome::NotGzip {
                sha256: Sha256::digest(stored).into(),
                len: stored.len() as u64,
                header_prefix,
            };
        }
        let outcome = match self.inflater.inflate_whole(stored, self.whole_cap, &mut self.text) {
            Whole::Done(info) => outcome_of_member(&self.text, info),
            Whole::TooLarge | Whole::Damaged => stream_hash(stored, self.max_inflate),
        };
        // Do not keep a huge buffer alive after an unusually large object.
        if self.text.capacity() > 64 << 20 {
            self.text = Vec::new();
        }
        outcome
    }
}

/// The outcome for an object already inflated by the reader (`scan`): `text` is the first
/// member's inflated bytes and `gzip` its facts (`None` when the object is not gzip, in which
/// case `text` are the stored bytes).
pub fn outcome_of_inflated(text: &[u8], gzip: Option<GzipInfo>) -> LogOutcome {
    match gzip {
        Some(info) => outcome_of_member(text, info),
        None => LogOutcome::NotGzip {
            sha256: Sha256::digest(text).into(),
            len: text.len() as u64,
            header_prefix: text.is_empty() || text == [0x1f],
        },
    }
}

fn outcome_of_member(text: &[u8], info: GzipInfo) -> LogOutcome {
    LogOutcome::Gzip {
        sha256: Sha256::digest(text).into(),
        trailing: info.trailing,
        trailing_is_member: info.trailing_is_member,
    }
}

/// Stream the first member through the precise decoder, hashing as it goes.
fn stream_hash(stored: &[u8], cap: u64) -> LogOutcome {
    let mut gz = GzStream::new(stored, cap);
    let mut hasher = Sha256::new();
    let mut buf = Vec::with_capacity(1 << 20);
    let mut total = 0u64;
    let error = loop {
        buf.clear();
        match gz.read_into(&mut buf, 1 << 20) {
            Ok(0) => break None,
            Ok(n) => {
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) => {
                hasher.update(&buf);
                total += buf.len() as u64;
                break Some(e);
            }
        }
    };
    let recovered_sha256: Sha256Hash = hasher.finalize().into();
    let damage = match error {
        None => {
            let info = gz.info();
            return LogOutcome::Gzip {
                sha256: recovered_sha256,
                trailing: info.trailing,
                trailing_is_member: info.trailing_is_member,
            };
        }
        Some(GzipError::TooLarge { cap }) => return LogOutcome::TooLarge { cap },
        Some(GzipError::Io(detail)) => return LogOutcome::Unreadable(ReadFailure::Other { detail }),
        Some(GzipError::TrailerMissing) => Damage::TrailerMissing,
        Some(GzipError::Truncated { .. }) => Damage::Truncated,
        Some(GzipError::CrcMismatch) => Damage::CrcMismatch,
        Some(GzipError::LengthMismatch) => Damage::LengthMismatch,
        Some(GzipError::Corrupt { .. }) => Damage::Corrupt,
        Some(GzipError::BadHeader) => Damage::BadHeader,
    };
    LogOutcome::Damaged {
        damage,
        recovered_sha256,
        recovered_bytes: total,
    }
}

/// Lowercase hex of a hash.
pub fn hex_of(hash: &Sha256Hash) -> String {
    hex::encode(hash)
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

    fn data() -> Vec<u8> {
        (0..20_000u32)
            .flat_map(|i| format!("{{\"eventID\":\"{i}\"}}\n").into_bytes())
            .collect()
    }

    fn sha(b: &[u8]) -> Sha256Hash {
        Sha256::digest(b).into()
    }

    #[test]
    fn complete_member() {
        let d = data();
        let out = LogHasher::default().check(&gz(&d));
        assert_eq!(
            out,
            LogOutcome::Gzip {
                sha256: sha(&d),
                trailing: 0,
                trailing_is_member: false
            }
        );
    }

    #[test]
    fn appended_member_and_junk_are_trailing_data() {
        let d = data();
        let mut z = gz(&d);
        let first = z.len();
        z.extend(gz(b"{\"forged\":1}"));
        let LogOutcome::Gzip {
            sha256,
            trailing,
            trailing_is_member,
        } = LogHasher::default().check(&z)
        else {
            panic!()
        };
        assert_eq!(sha256, sha(&d));
        assert_eq!(trailing as usize, z.len() - first);
        assert!(trailing_is_member);
        let mut j = gz(&d);
        j.extend(b"junk");
        assert!(matches!(
            LogHasher::default().check(&j),
            LogOutcome::Gzip {
                trailing: 4,
                trailing_is_member: false,
                ..
            }
        ));
    }

    #[test]
    fn damage_is_named_and_what_was_recovered_is_hashed() {
        let d = data();
        let z = gz(&d);
        let mut h = LogHasher::default();
        // Trailer cut: all data recovered.
        let LogOutcome::Damaged {
            damage,
            recovered_sha256,
            recovered_bytes,
        } = h.check(&z[..z.len() - 8])
        else {
            panic!()
        };
        assert_eq!(damage, Damage::TrailerMissing);
        assert_eq!(recovered_sha256, sha(&d));
        assert_eq!(recovered_bytes as usize, d.len());
        // Cut inside the data.
        let LogOutcome::Damaged {
            damage,
            recovered_sha256,
            ..
        } = h.check(&z[..z.len() / 2])
        else {
            panic!()
        };
        assert_eq!(damage, Damage::Truncated);
        assert_ne!(recovered_sha256, sha(&d));
        // CRC flipped.
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 8] ^= 0xff;
        assert!(matches!(
            h.check(&bad),
            LogOutcome::Damaged {
                damage: Damage::CrcMismatch,
                ..
            }
        ));
        // Not gzip.
        assert!(matches!(
            h.check(&d),
            LogOutcome::NotGzip {
                header_prefix: false,
                ..
            }
        ));
        assert!(matches!(
            h.check(b""),
            LogOutcome::NotGzip {
                header_prefix: true,
                len: 0,
                ..
            }
        ));
        // The same hasher still works after damage.
        assert!(matches!(h.check(&z), LogOutcome::Gzip { trailing: 0, .. }));
    }

    #[test]
    fn over_the_cap_is_not_hashed() {
        let zeros = vec![0u8; 4 << 20];
        let out = LogHasher::new(1 << 20).check(&gz(&zeros));
        assert_eq!(out, LogOutcome::TooLarge { cap: 1 << 20 });
    }

    #[test]
    fn reader_inflated_objects_give_the_same_outcome() {
        let d = data();
        let info = GzipInfo {
            member_len: 10,
            trailing: 0,
            trailing_is_member: false,
        };
        assert_eq!(outcome_of_inflated(&d, Some(info)), LogHasher::default().check(&gz(&d)));
    }
}
