//! The scanner: a cursor over JSON text that decodes or skips one value at a time.

use std::borrow::Cow;

use crate::string::{body_to_str, check_escapes, find_special};
use crate::{Error, ErrorKind, Kind, Raw};

/// Bounds on untrusted input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and objects (at most 4096).
    pub max_depth: u32,
    /// Longest string, in bytes of its JSON text.
    pub max_string_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // CloudTrail payloads nest a few tens of levels at most; its largest field is about 1 MB
        // (event data stores) and `lookup-events` carries whole records as strings.
        Limits {
            max_depth: 256,
            max_string_len: 16 << 20,
        }
    }
}

const MAX_DEPTH_CAP: u32 = 4096;

/// A cursor over JSON text.
///
/// The text is checked for UTF-8 once, up front; when it is valid (the usual case) strings are
/// sliced without further checks, otherwise each string is checked on its own so that one bad
/// record does not condemn a whole file.
#[derive(Clone, Debug)]
pub struct Scanner<'a> {
    src: &'a [u8],
    /// The whole text as `str` when it is valid UTF-8 (slicing it needs no re-validation).
    text: Option<&'a str>,
    pos: usize,
    depth: u32,
    utf8_valid: bool,
    defer_utf8: bool,
    utf8_error: Option<usize>,
    limits: Limits,
}

impl<'a> Scanner<'a> {
    /// A scanner over `src` with default limits.
    pub fn new(src: &'a [u8]) -> Self {
        Self::with_limits(src, Limits::default())
    }

    /// A scanner over `src` with the given limits. The text is checked for UTF-8 once, here; a
    /// character cut at the very end (a chunk of a stream) leaves the rest usable.
    pub fn with_limits(src: &'a [u8], limits: Limits) -> Self {
        let text = match simdutf8::compat::from_utf8(src) {
            Ok(t) => Some(t),
            Err(e) if e.error_len().is_none() => simdutf8::basic::from_utf8(&src[..e.valid_up_to()]).ok(),
            Err(_) => None,
        };
        Self::build(src, text, limits)
    }

    /// A scanner over text that is already a `str`.
    pub fn from_str(text: &'a str, limits: Limits) -> Self {
        Self::build(text.as_bytes(), Some(text), limits)
    }

    fn build(src: &'a [u8], text: Option<&'a str>, limits: Limits) -> Self {
        let limits = Limits {
            max_depth: limits.max_depth.min(MAX_DEPTH_CAP),
            ..limits
        };
        Scanner {
            src,
            text,
            pos: 0,
            depth: 0,
            utf8_valid: text.is_some(),
            defer_utf8: false,
            utf8_error: None,
            limits,
        }
    }

    /// The whole text.
    pub fn src(&self) -> &'a [u8] {
        self.src
    }

    /// Whether the whole text is valid UTF-8.
    pub fn utf8_valid(&self) -> bool {
        self.utf8_valid
    }

    /// The current byte offset.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Move to byte offset `pos` (clamped to the end) at depth zero.
    pub fn reset_to(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
        self.depth = 0;
    }

    /// Report invalid UTF-8 inside strings through [`Scanner::take_utf8_error`] instead of
    /// failing: the structure is still scanned, so a reader can drop just the value that holds
    /// the bad bytes and go on with the next one. Such strings decode as empty.
    pub fn set_defer_utf8_errors(&mut self, on: bool) {
        self.defer_utf8 = on;
    }

    /// The offset of the first invalid UTF-8 seen since the last call (deferred mode only).
    pub fn take_utf8_error(&mut self) -> Option<usize> {
        self.utf8_error.take()
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// An error of `kind` at the current offset.
    pub fn error(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.pos)
    }

    fn unexpected(&self, expected: &'static str) -> Error {
        match self.src.get(self.pos) {
            Some(&found) => Error::new(ErrorKind::Unexpected { found, expected }, self.pos),
            None => Error::new(ErrorKind::UnexpectedEnd, self.pos),
        }
    }

    /// Skip whitespace; return the next byte without consuming it.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.src.get(self.pos) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Some(c);
            }
        }
        None
    }

    /// Skip whitespace; the kind of the next value, or an error if none can start here.
    #[inline]
    pub fn peek_kind(&mut self) -> Result<Kind, Error> {
        match self.peek() {
            Some(c) => Kind::of_first_byte(c).ok_or_else(|| self.unexpected("a JSON value")),
            None => Err(self.error(ErrorKind::UnexpectedEnd)),
        }
    }

    /// True when only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    #[inline]
    fn expect_byte(&mut self, b: u8, expected: &'static str) -> Result<(), Error> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        if self.depth >= self.limits.max_depth {
            return Err(self.error(ErrorKind::TooDeep {
                limit: self.limits.max_depth,
            }));
        }
        self.depth += 1;
        Ok(())
    }

    /// Scan the string starting at the current offset (which must be `"`). Returns the body's
    /// byte range and whether it holds escapes; the cursor ends after the closing quote.
    ///
    /// The hottest function of the decoder (a CloudTrail record holds well over a hundred
    /// strings): always inlined, with its error paths kept out of line.
    #[inline(always)]
    fn scan_string(&mut self) -> Result<(usize, usize, bool), Error> {
        let b = self.src;
        let start = self.pos + 1;
        let mut i = find_special(b, start);
        let mut has_escape = false;
        loop {
            match b.get(i) {
                Some(b'"') => break,
                Some(b'\\') => {
                    has_escape = true;
                    // Skip the escaped byte; escapes are validated below.
                    i = find_special(b, i + 2);
                }
                Some(_) => return Err(control_character(i)),
                None => return Err(unexpected_end(b.len())),
            }
        }
        let end = i;
        if end - start > self.limits.max_string_len {
            return Err(string_too_long(self.limits.max_string_len, start));
        }
        if has_escape {
            check_escapes(&b[start..end], start)?;
        }
        if !self.utf8_valid
            && let Err(e) = simdutf8::compat::from_utf8(&b[start..end])
        {
            let at = start + e.valid_up_to();
            if !self.defer_utf8 {
                return Err(Error::new(ErrorKind::InvalidUtf8, at));
            }
            self.utf8_error.get_or_insert(at);
            self.pos = end + 1;
            return Ok((start, start, false));
        }
        self.pos = end + 1;
        Ok((start, end, has_escape))
    }

    #[inline]
    fn body(&self, start: usize, end: usize) -> &'a str {
        // The text was checked for UTF-8 (whole, or this string alone in scan_string), and both
        // ends sit next to ASCII quotes, so they are character boundaries.
        match self.text {
            // Validated once: slicing checks only the two boundaries.
            Some(t) => t.get(start..end).unwrap_or_default(),
            None => std::str::from_utf8(&self.src[start..end]).unwrap_or_default(),
        }
    }

    /// Decode the string at the cursor: borrowed when it has no escapes.
    #[inline]
    pub fn parse_str(&mut self) -> Result<Cow<'a, str>, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("a string"));
        }
        let (start, end, esc) = self.scan_string()?;
        body_to_str(self.body(start, end), esc, start)
    }

    /// Decode a number at the cursor; returns its text.
    pub fn parse_number(&mut self) -> Result<&'a str, Error> {
        self.peek();
        let b = self.src;
        let start = self.pos;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return Err(Error::new(ErrorKind::InvalidNumber, start)),
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let digits = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == digits {
                return Err(Error::new(ErrorKind::InvalidNumber, start));
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let digits = i;
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
            if i == digits {
                return Err(Error::new(ErrorKind::InvalidNumber, start));
            }
        }
        self.pos = i;
        Ok(self.body(start, i))
    }

    /// Decode `true` or `false`.
    pub fn parse_bool(&mut self) -> Result<bool, Error> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(self.unexpected("true or false")),
        }
    }

    /// Decode `null`.
    pub fn parse_null(&mut self) -> Result<(), Error> {
        self.peek();
        self.literal(b"null")
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), Error> {
        let end = self.pos + word.len();
        match self.src.get(self.pos..end) {
            Some(s) if s == word => {
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(self.unexpected("a JSON value")),
            None => {
                // A cut literal ("tru" at the end) is an early end, anything else bad syntax.
                let rest = &self.src[self.pos..];
                if word.starts_with(rest) {
                    Err(Error::new(ErrorKind::UnexpectedEnd, self.src.len()))
                } else {
                    Err(self.unexpected("a JSON value"))
                }
            }
        }
    }

    /// If the next value is `null`, consume it and return true.
    #[inline]
    pub fn eat_null(&mut self) -> Result<bool, Error> {
        if self.peek() == Some(b'n') {
            self.parse_null()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Start reading an object: consumes `{`.
    #[inline]
    pub fn begin_object(&mut self) -> Result<ObjectCursor, Error> {
        self.expect_byte(b'{', "'{'")?;
        self.enter()?;
        Ok(ObjectCursor { first: true })
    }

    /// Start reading an array: consumes `[`.
    #[inline]
    pub fn begin_array(&mut self) -> Result<ArrayCursor, Error> {
        self.expect_byte(b'[', "'['")?;
        self.enter()?;
        Ok(ArrayCursor { first: true })
    }

    /// Skip the value at the cursor, validating it fully.
    pub fn skip_value(&mut self) -> Result<(), Error> {
        let base_depth = self.depth;
        // One bit per open container above `base_depth`: 1 = object, 0 = array.
        let mut stack = [0u64; (MAX_DEPTH_CAP as usize).div_ceil(64)];
        let mut level = 0usize;
        // Whether a value is expected next (as opposed to a ',' or a closing bracket).
        let mut want_value = true;
        loop {
            if want_value {
                match self.peek_kind()? {
                    Kind::String => {
                        self.scan_string()?;
                    }
                    Kind::Number => {
                        self.parse_number()?;
                    }
                    Kind::Bool => {
                        self.parse_bool()?;
                    }
                    Kind::Null => self.parse_null()?,
                    Kind::Object => {
                        self.pos += 1;
                        self.enter()?;
                        stack[level / 64] |= 1 << (level % 64);
                        level += 1;
                        match self.peek() {
                            Some(b'}') => {
                                self.pos += 1;
                                self.depth -= 1;
                                level -= 1;
                            }
                            Some(b'"') => {
                                self.scan_string()?;
                                self.expect_byte(b':', "':'")?;
                                continue;
                            }
                            _ => return Err(self.unexpected("a key or '}'")),
                        }
                    }
                    Kind::Array => {
                        self.pos += 1;
                        self.enter()?;
                        stack[level / 64] &= !(1 << (level % 64));
                        level += 1;
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            self.depth -= 1;
                            level -= 1;
                        } else {
                            continue;
                        }
                    }
                }
                want_value = false;
            }
            if level == 0 {
                debug_assert_eq!(self.depth, base_depth);
                return Ok(());
            }
            let in_object = stack[(level - 1) / 64] & (1 << ((level - 1) % 64)) != 0;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    if in_object {
                        if self.peek() != Some(b'"') {
                            return Err(self.unexpected("a key"));
                        }
                        self.scan_string()?;
                        self.expect_byte(b':', "':'")?;
                    }
                    want_value = true;
                }
                Some(b'}') if in_object => {
                    self.pos += 1;
                    self.depth -= 1;
                    level -= 1;
                }
                Some(b']') if !in_object => {
                    self.pos += 1;
                    self.depth -= 1;
                    level -= 1;
                }
                _ => {
                    return Err(self.unexpected(if in_object { "',' or '}'" } else { "',' or ']'" }));
                }
            }
        }
    }

    /// The text from `start` to the cursor as a [`Raw`]: for callers that decoded a value
    /// themselves (starting at `start`) and want its exact text without scanning it again.
    /// Navigation of a [`Raw`] never panics, even on text that is not a single JSON value.
    pub fn raw_since(&self, start: usize) -> Raw<'a> {
        Raw::from_validated(self.body(start.min(self.pos), self.pos))
    }

    /// From `start` (a `{` or `[`), move the cursor past the matching close without validating
    /// the value or limiting its depth or string lengths: to step over a value that broke a
    /// limit (but is otherwise well formed) and go on with the next one. Fails only when the
    /// text ends first.
    pub fn skip_balanced_from(&mut self, start: usize) -> Result<(), Error> {
        let b = self.src;
        let mut i = start;
        let mut depth = 0u64;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i += 1;
                    loop {
                        match memchr::memchr2(b'"', b'\\', &b[i.min(b.len())..]) {
                            Some(p) if b[i + p] == b'\\' => i += p + 2,
                            Some(p) => {
                                i += p;
                                break;
                            }
                            None => return Err(Error::new(ErrorKind::UnexpectedEnd, b.len())),
                        }
                    }
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos = i + 1;
                        self.depth = 0;
                        return Ok(());
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err(Error::new(ErrorKind::UnexpectedEnd, b.len()))
    }

    /// Skip the value at the cursor and return its exact text.
    #[inline]
    pub fn skip_value_raw(&mut self) -> Result<Raw<'a>, Error> {
        self.peek();
        let start = self.pos;
        self.skip_value()?;
        Ok(Raw::from_validated(self.body(start, self.pos)))
    }
}

#[cold]
#[inline(never)]
fn control_character(at: usize) -> Error {
    Error::new(ErrorKind::ControlCharacter, at)
}

#[cold]
#[inline(never)]
fn unexpected_end(at: usize) -> Error {
    Error::new(ErrorKind::UnexpectedEnd, at)
}

#[cold]
#[inline(never)]
fn string_too_long(limit: usize, at: usize) -> Error {
    Error::new(ErrorKind::StringTooLong { limit }, at)
}

/// Iterates the members of an object opened with [`Scanner::begin_object`].
#[derive(Debug)]
pub struct ObjectCursor {
    first: bool,
}

impl ObjectCursor {
    /// The next key (the cursor then sits on its value, which the caller must consume), or
    /// `None` after the closing `}`.
    #[inline]
    pub fn next_key<'a>(&mut self, sc: &mut Scanner<'a>) -> Result<Option<Cow<'a, str>>, Error> {
        match self.next_key_raw(sc)? {
            Some((start, end, esc)) => body_to_str(sc.body(start, end), esc, start).map(Some),
            None => Ok(None),
        }
    }

    /// Like [`ObjectCursor::next_key`] but returns the key's raw body (escapes not decoded) and
    /// whether it holds escapes: cheap matching of known keys.
    #[inline]
    pub fn next_key_raw(&mut self, sc: &mut Scanner<'_>) -> Result<Option<(usize, usize, bool)>, Error> {
        match sc.peek() {
            Some(b'}') => {
                sc.pos += 1;
                sc.depth -= 1;
                return Ok(None);
            }
            Some(b',') if !self.first => {
                sc.pos += 1;
                sc.peek();
            }
            Some(b'"') if self.first => {}
            _ => {
                return Err(sc.unexpected(if self.first { "a key or '}'" } else { "',' or '}'" }));
            }
        }
        self.first = false;
        if sc.src.get(sc.pos) != Some(&b'"') {
            return Err(sc.unexpected("a key"));
        }
        let key = sc.scan_string()?;
        sc.expect_byte(b':', "':'")?;
        Ok(Some(key))
    }
}

/// Iterates the elements of an array opened with [`Scanner::begin_array`].
#[derive(Debug)]
pub struct ArrayCursor {
    first: bool,
}

impl ArrayCursor {
    /// True when another element follows (the cursor then sits on it, and the caller must
    /// consume it); false after the closing `]`.
    #[inline]
    pub fn next(&mut self, sc: &mut Scanner<'_>) -> Result<bool, Error> {
        match sc.peek() {
            Some(b']') => {
                sc.pos += 1;
                sc.depth -= 1;
                Ok(false)
            }
            Some(b',') if !self.first => {
                sc.pos += 1;
                sc.peek_kind()?;
                Ok(true)
            }
            Some(_) if self.first => {
                self.first = false;
                sc.peek_kind()?;
                Ok(true)
            }
            _ => Err(sc.unexpected("',' or ']'")),
        }
    }
}

impl Scanner<'_> {
    /// The text of a key returned by [`ObjectCursor::next_key_raw`] (escapes not decoded).
    #[inline]
    pub fn key_text(&self, key: (usize, usize, bool)) -> &str {
        self.body(key.0, key.1)
    }

    /// Decode a key returned by [`ObjectCursor::next_key_raw`].
    pub fn key_str(&self, key: (usize, usize, bool)) -> Result<Cow<'_, str>, Error> {
        body_to_str(self.body(key.0, key.1), key.2, key.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(text: &str) -> Result<usize, Error> {
        let mut sc = Scanner::new(text.as_bytes());
        sc.skip_value()?;
        if !sc.at_end() {
            return Err(sc.unexpected("end of text"));
        }
        Ok(sc.pos())
    }

    #[test]
    fn skip_accepts_what_serde_accepts() {
        for t in [
            "{}",
            "[]",
            "0",
            "-0.5e+10",
            "\"x\"",
            "true",
            "null",
            r#"{"a":[1,2,{"b":null}],"c":{"d":"e\"f"},"g":[]}"#,
            " [ 1 , [ [ ] ] , { } ] ",
            r#"{"k\u00e9y": "\ud83d\ude00"}"#,
        ] {
            assert!(serde_json::from_str::<serde_json::Value>(t).is_ok(), "{t}");
            skip_all(t).unwrap_or_else(|e| panic!("{t}: {e}"));
        }
    }

    #[test]
    fn skip_refuses_what_serde_refuses() {
        for t in [
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "[1 2]",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "nul",
            "\"abc",
            "\"a\\qb\"",
            "\"a\u{1}b\"",
            "{1:2}",
            "[}",
            "{]",
            "\"\\u12x4\"",
        ] {
            assert!(
                serde_json::from_str::<serde_json::Value>(t).is_err(),
                "serde accepts {t}"
            );
            assert!(skip_all(t).is_err(), "we accept {t:?}");
        }
    }

    #[test]
    fn depth_is_bounded_without_recursion() {
        let deep = "[".repeat(100_000);
        let err = skip_all(&deep).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooDeep { limit: 256 });
        let ok = format!("{}{}", "[".repeat(256), "]".repeat(256));
        skip_all(&ok).unwrap();
        let too = format!("{}{}", "[".repeat(257), "]".repeat(257));
        assert!(skip_all(&too).is_err());
    }

    #[test]
    fn errors_carry_offsets() {
        let err = skip_all(r#"{"a":1,"b":tru}"#).unwrap_err();
        assert_eq!(err.offset, 11);
        let err = skip_all(r#"{"a":"x"#).unwrap_err();
        assert!(err.is_eof());
    }

    #[test]
    fn invalid_utf8_is_found_per_string() {
        let mut text = br#"{"a":"ok","b":"#.to_vec();
        text.extend_from_slice(b"\"\xff\xfe\"}");
        let mut sc = Scanner::new(&text);
        assert!(!sc.utf8_valid());
        let mut obj = sc.begin_object().unwrap();
        assert_eq!(obj.next_key(&mut sc).unwrap().as_deref(), Some("a"));
        assert_eq!(sc.parse_str().unwrap(), "ok");
        assert_eq!(obj.next_key(&mut sc).unwrap().as_deref(), Some("b"));
        let err = sc.parse_str().unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidUtf8);
        assert_eq!(err.offset, 15);
    }

    #[test]
    fn string_limit() {
        let limits = Limits {
            max_depth: 8,
            max_string_len: 4,
        };
        let mut sc = Scanner::with_limits(b"\"abcde\"", limits);
        assert_eq!(sc.parse_str().unwrap_err().kind, ErrorKind::StringTooLong { limit: 4 });
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_serde_on_arbitrary_text(s in "[\\[\\]{}\",:0-9a-tv-z\\\\ .eE+-]{0,40}") {
            let ours = skip_all(&s).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&s).is_ok();
            proptest::prop_assert_eq!(ours, theirs, "{}", s);
        }
    }
}
