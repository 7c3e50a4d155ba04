//! Seeds, hashes and the identifier formats AWS uses.
//!
//! Every random stream is derived from the configuration seed and a path of integers
//! (`(seed, tag, account, region, hour)`), so each unit of work has its own generator and the
//! output does not depend on scheduling. Stable identifiers (principal ids, access keys,
//! resource ids) are hashes of such paths and need no stored state.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere: portable and with a documented, stable output stream.
pub(crate) type GenRng = ChaCha8Rng;

/// SplitMix64 finaliser: a fast, well-mixing 64-bit permutation.
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash a path of integers.
#[inline]
pub(crate) fn hash(parts: &[u64]) -> u64 {
    let mut h = 0x5151_7eed_u64;
    for &p in parts {
        h = mix64(h ^ mix64(p));
    }
    h
}

/// Hash a string into a path element.
pub(crate) fn hash_str(s: &str) -> u64 {
    // FNV-1a, then mixed.
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for &b in s.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// A generator for the unit of work named by `parts`.
pub(crate) fn rng_for(parts: &[u64]) -> GenRng {
    let mut seed = [0u8; 32];
    let mut h = hash(parts);
    for chunk in seed.chunks_mut(8) {
        h = mix64(h);
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    GenRng::from_seed(seed)
}

/// A 32-byte seed for the unit named by `parts` (RSA key generation).
pub(crate) fn seed32(parts: &[u64]) -> [u8; 32] {
    let mut seed = [0u8; 32];
    let mut h = hash(parts);
    for chunk in seed.chunks_mut(8) {
        h = mix64(h);
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    seed
}

/// Path tags: one per kind of derived value, so that streams never collide.
pub(crate) mod tag {
    pub(crate) const WORLD: u64 = 1;
    pub(crate) const ACCOUNT: u64 = 2;
    pub(crate) const UNIT: u64 = 3;
    pub(crate) const KEY: u64 = 4;
    pub(crate) const SCENARIO: u64 = 5;
    pub(crate) const RESOURCE: u64 = 6;
    pub(crate) const SESSION: u64 = 7;
    pub(crate) const DIGEST: u64 = 8;
    pub(crate) const IP: u64 = 9;
}

const HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_ALNUM: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Append a random UUID v4 (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, lowercase).
#[inline]
pub(crate) fn push_uuid(out: &mut Vec<u8>, rng: &mut impl RngCore) {
    let a = rng.next_u64();
    let b = rng.next_u64();
    push_uuid_from(out, a, b);
}

/// Append the UUID v4 made of the bits of `a` and `b`.
pub(crate) fn push_uuid_from(out: &mut Vec<u8>, a: u64, b: u64) {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(byte >> 4)]);
        out.push(HEX[usize::from(byte & 15)]);
    }
}

/// A UUID v4 derived from a hash (stable identifiers).
pub(crate) fn uuid_from_hash(h: u64) -> String {
    let mut v = Vec::with_capacity(36);
    push_uuid_from(&mut v, mix64(h), mix64(h ^ 0xabcd));
    ascii_string(v)
}

/// A random UUID v4.
pub(crate) fn uuid(rng: &mut impl RngCore) -> String {
    let mut v = Vec::with_capacity(36);
    push_uuid(&mut v, rng);
    ascii_string(v)
}

fn ascii_string(v: Vec<u8>) -> String {
    // Only ASCII is ever pushed by this module.
    String::from_utf8(v).unwrap_or_default()
}

/// Append `n` characters drawn from `alphabet` using the bits of `h` (re-mixed as needed).
fn push_from_hash(out: &mut Vec<u8>, alphabet: &[u8], mut h: u64, n: usize) {
    let len = alphabet.len() as u64;
    let mut left = 0;
    for _ in 0..n {
        if left == 0 {
            h = mix64(h);
            left = 8;
        }
        out.push(alphabet[(h % len) as usize]);
        h /= len;
        left -= 1;
    }
}

/// Append `n` random characters from `alphabet`.
#[inline]
fn push_random(out: &mut Vec<u8>, alphabet: &[u8], rng: &mut impl RngCore, n: usize) {
    let len = alphabet.len() as u32;
    for _ in 0..n {
        // Multiply-shift: unbiased enough for identifiers and fast.
        let r = ((u64::from(rng.next_u32()) * u64::from(len)) >> 32) as usize;
        out.push(alphabet[r]);
    }
}

/// `n` hex digits from a hash.
pub(crate) fn hex_from_hash(h: u64, n: usize) -> String {
    let mut v = Vec::with_capacity(n);
    push_from_hash(&mut v, HEX, h, n);
    ascii_string(v)
}

/// An EC2-style id: `prefix` + `0` + 16 hex digits (e.g. `i-0a1b…`).
pub(crate) fn ec2_id(prefix: &str, h: u64) -> String {
    let mut v = Vec::with_capacity(prefix.len() + 17);
    v.extend_from_slice(prefix.as_bytes());
    v.push(b'0');
    push_from_hash(&mut v, HEX, h, 16);
    ascii_string(v)
}

/// A 12-digit AWS account id (no leading zero) from a hash.
pub(crate) fn account_id(h: u64) -> String {
    let n = 100_000_000_000 + mix64(h) % 900_000_000_000;
    n.to_string()
}

/// An organization id: `o-` + 10 lowercase alphanumerics.
pub(crate) fn org_id(h: u64) -> String {
    let mut v = b"o-".to_vec();
    push_from_hash(&mut v, LOWER_ALNUM, h, 10);
    ascii_string(v)
}

/// An access key id: `AKIA`/`ASIA` + 16 base32 characters.
pub(crate) fn access_key(prefix: &str, h: u64) -> String {
    let mut v = prefix.as_bytes().to_vec();
    push_from_hash(&mut v, BASE32, h, 16);
    ascii_string(v)
}

/// A unique principal id: `AIDA`/`AROA` + 17 base32 characters.
pub(crate) fn principal_id(prefix: &str, h: u64) -> String {
    let mut v = prefix.as_bytes().to_vec();
    push_from_hash(&mut v, BASE32, h, 17);
    ascii_string(v)
}

/// Upper-case alphanumerics from a hash (e.g. a 16-character S3 request id).
pub(crate) fn upper_alnum_from_hash(h: u64, n: usize) -> String {
    let mut v = Vec::with_capacity(n);
    push_from_hash(&mut v, UPPER_ALNUM, h, n);
    ascii_string(v)
}

/// Lowercase alphanumerics from a hash.
pub(crate) fn lower_alnum_from_hash(h: u64, n: usize) -> String {
    let mut v = Vec::with_capacity(n);
    push_from_hash(&mut v, LOWER_ALNUM, h, n);
    ascii_string(v)
}

/// Mixed-case alphanumerics from a hash (log file unique part, secret suffixes).
pub(crate) fn alnum_from_hash(h: u64, n: usize) -> String {
    let mut v = Vec::with_capacity(n);
    push_from_hash(&mut v, ALNUM, h, n);
    ascii_string(v)
}

/// Append a random 16-character S3 request id.
#[inline]
pub(crate) fn push_s3_request_id(out: &mut Vec<u8>, rng: &mut impl RngCore) {
    push_random(out, UPPER_ALNUM, rng, 16);
}

/// Append `n` random base64 characters (for `x-amz-id-2`, session tokens).
#[inline]
pub(crate) fn push_base64_random(out: &mut Vec<u8>, rng: &mut impl RngCore, n: usize) {
    push_random(out, B64, rng, n);
}

/// A public IPv4 address from a hash, avoiding private, shared, loopback, link-local,
/// documentation, benchmark and multicast ranges.
pub(crate) fn public_ipv4(mut h: u64) -> String {
    loop {
        h = mix64(h);
        let [a, b, c, d] = (h as u32).to_be_bytes();
        let reserved = a == 0
            || a == 10
            || a == 127
            || a >= 224
            || (a == 100 && (64..128).contains(&b))
            || (a == 169 && b == 254)
            || (a == 172 && (16..32).contains(&b))
            || (a == 192 && b == 168)
            || (a == 192 && b == 0)
            || (a == 198 && (18..20).contains(&b))
            || (a == 198 && b == 51 && c == 100)
            || (a == 203 && b == 0 && c == 113)
            || d == 0
            || d == 255;
        if !reserved {
            return format!("{a}.{b}.{c}.{d}");
        }
    }
}

/// A private 10.x address from a hash (calls through VPC endpoints).
pub(crate) fn private_ipv4(h: u64) -> String {
    let h = mix64(h);
    let [b, c, d, _] = (h as u32).to_be_bytes();
    format!("10.{}.{}.{}", b % 64, c, d.max(4))
}

/// Draw an index from cumulative weights (`cum` ascending, last = total).
#[inline]
pub(crate) fn pick_cum(rng: &mut impl Rng, cum: &[u32]) -> usize {
    let total = cum.last().copied().unwrap_or(0);
    if total == 0 {
        return 0;
    }
    let r = rng.gen_range(0..total);
    cum.partition_point(|&c| c <= r)
}

/// Pick one element of a non-empty slice (returns the first for an empty one: callers never
/// pass one, and a default beats a panic).
#[inline]
pub(crate) fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.gen_range(0..items.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let mut rng = rng_for(&[1, 2, 3]);
        let u = uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        let k = access_key("AKIA", 7);
        assert_eq!(k.len(), 20);
        assert!(k[4..].bytes().all(|c| BASE32.contains(&c)));
        assert_eq!(principal_id("AIDA", 7).len(), 21);
        let a = account_id(9);
        assert_eq!(a.len(), 12);
        assert!(!a.starts_with('0'));
        assert_eq!(org_id(3).len(), 12);
        assert_eq!(ec2_id("i-", 5).len(), 19);
        let ip = public_ipv4(11);
        assert_eq!(ip.split('.').count(), 4);
        assert!(!ip.starts_with("10."));
    }

    #[test]
    fn streams_depend_on_path_only() {
        let a: u64 = rng_for(&[1, 2]).next_u64();
        let b: u64 = rng_for(&[1, 2]).next_u64();
        let c: u64 = rng_for(&[2, 1]).next_u64();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn pick_cum_respects_weights() {
        let mut rng = rng_for(&[5]);
        let cum = [0, 10, 10, 30];
        let mut counts = [0; 4];
        for _ in 0..3000 {
            counts[pick_cum(&mut rng, &cum)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert_eq!(counts[2], 0);
        assert!(counts[3] > counts[1]);
    }
}
