//! String scanning (eight bytes at a time), unescaping and escaping.

use std::borrow::Cow;

use crate::{Error, ErrorKind};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Bit 7 of each byte of the result is set where the byte of `v` is zero; the lowest set bit is
/// exact (higher ones may be false positives after a borrow, which callers never look at).
#[inline(always)]
const fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// The index of the first byte at or after `i` that ends the plain run of a JSON string: a
/// quote, a backslash or a control character; `b.len()` when there is none.
///
/// Sixteen bytes at a time with SSE2 vectors (part of every x86-64 CPU, so no build flags are
/// needed), then eight at a time in a machine word, then byte by byte.
#[inline(always)]
pub(crate) fn find_special(b: &[u8], mut i: usize) -> usize {
    use wide::u8x16;
    let quote = u8x16::splat(b'"');
    let backslash = u8x16::splat(b'\\');
    let control = u8x16::splat(0x1F);
    while i + 16 <= b.len() {
        let mut block = [0u8; 16];
        block.copy_from_slice(&b[i..i + 16]);
        let v = u8x16::from(block);
        // `min(v, 0x1F) == v` holds exactly for bytes <= 0x1F.
        let hits = v.cmp_eq(quote) | v.cmp_eq(backslash) | v.min(control).cmp_eq(v);
        let mask = hits.move_mask() as u32;
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let hits = zero_bytes(w ^ (ONES * b'"' as u64))
            | zero_bytes(w ^ (ONES * b'\\' as u64))
            // bytes below 0x20: subtracting 0x20 borrows into bit 7 only for them (and for
            // bytes >= 0x80, which `!w` masks out)
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

#[inline]
fn hex_val(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c - b'0')),
        b'a'..=b'f' => Some(u16::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(c - b'A' + 10)),
        _ => None,
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 4)?;
    Some(hex_val(s[0])? << 12 | hex_val(s[1])? << 8 | hex_val(s[2])? << 4 | hex_val(s[3])?)
}

/// Unescape the body of a JSON string (the text between the quotes, already known to hold no
/// raw control characters and to be UTF-8). `base` is the offset of `body` in the scanned text,
/// for error offsets. Lone surrogates become U+FFFD, as most JSON readers do; the original
/// text stays available to callers that keep the raw record.
pub fn unescape(body: &str, base: usize) -> Result<String, Error> {
    let b = body.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let next = memchr::memchr(b'\\', &b[i..]).map_or(b.len(), |p| i + p);
        out.push_str(&body[i..next]);
        if next == b.len() {
            break;
        }
        let esc = b.get(next + 1).copied();
        let err = || Error::new(ErrorKind::InvalidEscape, base + next);
        i = next + 2;
        match esc {
            Some(b'"') => out.push('"'),
            Some(b'\\') => out.push('\\'),
            Some(b'/') => out.push('/'),
            Some(b'b') => out.push('\u{8}'),
            Some(b'f') => out.push('\u{c}'),
            Some(b'n') => out.push('\n'),
            Some(b'r') => out.push('\r'),
            Some(b't') => out.push('\t'),
            Some(b'u') => {
                let hi = hex4(b, next + 2).ok_or_else(err)?;
                i = next + 6;
                let c = if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate: pair it with a following \uDC00-\uDFFF if there is one.
                    if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
                        match hex4(b, i + 2) {
                            Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                i += 6;
                                let cp = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                                char::from_u32(cp).unwrap_or('\u{FFFD}')
                            }
                            Some(_) => '\u{FFFD}',
                            None => return Err(Error::new(ErrorKind::InvalidEscape, base + i)),
                        }
                    } else {
                        '\u{FFFD}'
                    }
                } else {
                    char::from_u32(u32::from(hi)).unwrap_or('\u{FFFD}')
                };
                out.push(c);
            }
            _ => return Err(err()),
        }
    }
    Ok(out)
}

/// Validate the escapes of a string body without building the unescaped text.
pub(crate) fn check_escapes(b: &[u8], base: usize) -> Result<(), Error> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + p;
        match b.get(at + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i = at + 2,
            Some(b'u') if hex4(b, at + 2).is_some() => i = at + 6,
            _ => return Err(Error::new(ErrorKind::InvalidEscape, base + at)),
        }
    }
    Ok(())
}

/// Turn a string body into `Cow`: borrowed when it holds no escapes.
pub(crate) fn body_to_str(body: &str, has_escape: bool, base: usize) -> Result<Cow<'_, str>, Error> {
    if has_escape {
        unescape(body, base).map(Cow::Owned)
    } else {
        Ok(Cow::Borrowed(body))
    }
}

/// Append `s` to `out` as a JSON string literal, quotes included.
pub fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        i = find_special(b, i);
        if i == b.len() {
            break;
        }
        out.push_str(&s[start..i]);
        match b[i] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[usize::from(c >> 4)] as char);
                out.push(HEX[usize::from(c & 15)] as char);
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Append `text` (valid JSON) to `out` without the whitespace outside strings: the same value,
/// byte for byte inside strings, on one line.
pub fn minify_into(out: &mut Vec<u8>, text: &[u8]) {
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        match c {
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    i = find_special(text, i);
                    match text.get(i) {
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                        None => break,
                    }
                }
                out.extend_from_slice(&text[start..i.min(text.len())]);
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn find_special_agrees_with_a_byte_loop(b in proptest::collection::vec(proptest::num::u8::ANY, 0..80), start in 0usize..80) {
            let start = start.min(b.len());
            let want = b[start..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map_or(b.len(), |p| start + p);
            proptest::prop_assert_eq!(find_special(&b, start), want);
        }
    }

    #[test]
    fn find_special_finds_first() {
        let s = b"abcdefghijklmnop\"qrs";
        assert_eq!(find_special(s, 0), 16);
        assert_eq!(find_special(b"ab\\cdefghijkl", 0), 2);
        assert_eq!(find_special(b"abcdefgh\x01", 0), 8);
        assert_eq!(find_special(b"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", 0), 8);
        assert_eq!(find_special(b"plain", 0), 5);
        assert_eq!(find_special(b"0123456789\x7f\xff\"", 0), 12);
        for n in 0..20 {
            let mut v = vec![b'x'; n];
            v.push(b'"');
            assert_eq!(find_special(&v, 0), n);
        }
    }

    #[test]
    fn unescape_all_forms() {
        assert_eq!(
            unescape(r#"a\"b\\c\/d\n\t\u00e9\ud83d\ude00"#, 0).unwrap(),
            "a\"b\\c/d\n\té😀"
        );
        assert_eq!(unescape(r"\ud800x", 0).unwrap(), "\u{FFFD}x");
        assert_eq!(unescape(r"\udc00", 0).unwrap(), "\u{FFFD}");
        assert!(unescape(r"\x", 0).is_err());
        assert!(unescape(r"\u12", 0).is_err());
        assert!(unescape("\\", 0).is_err());
    }

    #[test]
    fn minify_keeps_strings() {
        let text = "{ \"a b\" : [ 1 ,\n 2 ],\t\"c\": \"x \\\" y\" }";
        let mut out = Vec::new();
        minify_into(&mut out, text.as_bytes());
        assert_eq!(String::from_utf8(out).unwrap(), "{\"a b\":[1,2],\"c\":\"x \\\" y\"}");
    }

    #[test]
    fn escape_round_trips_through_serde() {
        for s in ["plain", "q\"uote", "back\\slash", "nl\nx\u{1}y\u{1f}", "é😀", ""] {
            let mut out = String::new();
            escape_into(&mut out, s);
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, s);
        }
    }
}
