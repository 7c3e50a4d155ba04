//! The string CloudTrail signs for a digest (digest-validation.md §3).

use sha2::{Digest as _, Sha256};

/// The string to sign for a digest:
///
/// ```text
/// <digestEndTime>\n<bucket>/<key>\n<hex(SHA-256(inflated digest bytes))>\n<previousDigestSignature or null>
/// ```
///
/// `digest_end_time` is used verbatim as it appears in the digest JSON; `inflated_digest` are the
/// exact uncompressed bytes of the stored digest object; `previous_signature` is the digest's
/// `previousDigestSignature` (`None` when it is JSON `null`, which signs the four letters
/// `null`). No trailing newline.
pub fn string_to_sign(
    digest_end_time: &str,
    bucket: &str,
    key: &str,
    inflated_digest: &[u8],
    previous_signature: Option<&str>,
) -> String {
    string_to_sign_hashed(
        digest_end_time,
        bucket,
        key,
        &sha256_hex(inflated_digest),
        previous_signature,
    )
}

/// [`string_to_sign`] with the lowercase hex SHA-256 of the inflated digest already computed.
pub fn string_to_sign_hashed(
    digest_end_time: &str,
    bucket: &str,
    key: &str,
    digest_sha256_hex: &str,
    previous_signature: Option<&str>,
) -> String {
    let previous = previous_signature.unwrap_or("null");
    let mut s = String::with_capacity(
        digest_end_time.len() + bucket.len() + key.len() + digest_sha256_hex.len() + previous.len() + 4,
    );
    s.push_str(digest_end_time);
    s.push('\n');
    s.push_str(bucket);
    s.push('/');
    s.push_str(key);
    s.push('\n');
    s.push_str(digest_sha256_hex);
    s.push('\n');
    s.push_str(previous);
    s
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of aws/aws-cli's unit tests (digest-validation.md §3).
    #[test]
    fn aws_cli_test_vector() {
        assert_eq!(
            string_to_sign("a", "b", "c", b"abc", None),
            "a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull"
        );
    }

    #[test]
    fn previous_signature_is_the_last_line() {
        let s = string_to_sign("2024-01-01T01:17:28Z", "bkt", "p/k.json.gz", b"", Some("00ff"));
        assert_eq!(
            s,
            "2024-01-01T01:17:28Z\nbkt/p/k.json.gz\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n00ff"
        );
        assert!(!s.ends_with('\n'));
    }
}
