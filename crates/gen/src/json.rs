//! A small append-only JSON writer over a reusable byte buffer.
//!
//! Records are written by hand, field by field, in CloudTrail's order; no intermediate
//! `serde_json::Value`. The writer tracks only whether a separator is due, so nesting is the
//! caller's responsibility (every test parses the output with `serde_json`).

/// Appends JSON tokens to `buf`.
#[derive(Default)]
pub(crate) struct Json {
    pub(crate) buf: Vec<u8>,
    comma: bool,
}

impl Json {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Json {
            buf: Vec::with_capacity(n),
            comma: false,
        }
    }

    /// Empty the buffer, keeping its allocation.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.comma = false;
    }

    #[inline]
    fn sep(&mut self) {
        if self.comma {
            self.buf.push(b',');
        }
    }

    /// `{`
    #[inline]
    pub(crate) fn open(&mut self) {
        self.sep();
        self.buf.push(b'{');
        self.comma = false;
    }

    /// `}`
    #[inline]
    pub(crate) fn close(&mut self) {
        self.buf.push(b'}');
        self.comma = true;
    }

    /// `[`
    #[inline]
    pub(crate) fn open_arr(&mut self) {
        self.sep();
        self.buf.push(b'[');
        self.comma = false;
    }

    /// `]`
    #[inline]
    pub(crate) fn close_arr(&mut self) {
        self.buf.push(b']');
        self.comma = true;
    }

    /// `"k":` (the key must not need escaping).
    #[inline]
    pub(crate) fn key(&mut self, k: &str) {
        self.sep();
        self.buf.push(b'"');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
        self.comma = false;
    }

    /// A string value, escaped.
    #[inline]
    pub(crate) fn str(&mut self, v: &str) {
        self.sep();
        self.buf.push(b'"');
        escape_into(&mut self.buf, v);
        self.buf.push(b'"');
        self.comma = true;
    }

    /// Begin a string value whose content the caller appends with [`Json::raw_str_part`].
    #[inline]
    pub(crate) fn begin_str(&mut self) {
        self.sep();
        self.buf.push(b'"');
    }

    /// Append escaped text inside a string begun with [`Json::begin_str`].
    #[inline]
    pub(crate) fn raw_str_part(&mut self, v: &str) {
        escape_into(&mut self.buf, v);
    }

    /// End a string begun with [`Json::begin_str`].
    #[inline]
    pub(crate) fn end_str(&mut self) {
        self.buf.push(b'"');
        self.comma = true;
    }

    /// An integer value.
    #[inline]
    pub(crate) fn int(&mut self, v: i64) {
        self.sep();
        push_int(&mut self.buf, v);
        self.comma = true;
    }

    /// A boolean value.
    #[inline]
    pub(crate) fn bool(&mut self, v: bool) {
        self.sep();
        self.buf.extend_from_slice(if v { b"true" } else { b"false" });
        self.comma = true;
    }

    /// `null`
    #[inline]
    pub(crate) fn null(&mut self) {
        self.sep();
        self.buf.extend_from_slice(b"null");
        self.comma = true;
    }

    /// Already valid JSON text (a whole value).
    #[inline]
    pub(crate) fn raw(&mut self, v: &[u8]) {
        self.sep();
        self.buf.extend_from_slice(v);
        self.comma = true;
    }

    /// `"k":"v"`
    #[inline]
    pub(crate) fn kv(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }

    /// `"k":n`
    #[inline]
    pub(crate) fn kn(&mut self, k: &str, v: i64) {
        self.key(k);
        self.int(v);
    }

    /// `"k":true|false`
    #[inline]
    pub(crate) fn kb(&mut self, k: &str, v: bool) {
        self.key(k);
        self.bool(v);
    }

    /// `"k":null`
    #[inline]
    pub(crate) fn knull(&mut self, k: &str) {
        self.key(k);
        self.null();
    }

    /// `"k":{` — close with [`Json::close`].
    #[inline]
    pub(crate) fn kobj(&mut self, k: &str) {
        self.key(k);
        self.open();
    }

    /// `"k":[` — close with [`Json::close_arr`].
    #[inline]
    pub(crate) fn karr(&mut self, k: &str) {
        self.key(k);
        self.open_arr();
    }

    /// `"k":{}`
    #[inline]
    pub(crate) fn kempty(&mut self, k: &str) {
        self.key(k);
        self.open();
        self.close();
    }

    /// `{"items":[{"<k>":"<v>"}...]}` as EC2 writes id sets.
    pub(crate) fn ec2_items(&mut self, set_key: &str, item_key: &str, values: &[&str]) {
        self.kobj(set_key);
        self.karr("items");
        for v in values {
            self.open();
            self.kv(item_key, v);
            self.close();
        }
        self.close_arr();
        self.close();
    }

    /// EC2's `filterSet` with one filter.
    pub(crate) fn ec2_filter(&mut self, name: &str, values: &[&str]) {
        self.kobj("filterSet");
        self.karr("items");
        self.open();
        self.kv("name", name);
        self.kobj("valueSet");
        self.karr("items");
        for v in values {
            self.open();
            self.kv("value", v);
            self.close();
        }
        self.close_arr();
        self.close();
        self.close();
        self.close_arr();
        self.close();
    }
}

/// Append `v` JSON-escaped (without quotes).
#[inline]
pub(crate) fn escape_into(out: &mut Vec<u8>, v: &str) {
    let b = v.as_bytes();
    if !b.iter().any(|&c| c == b'"' || c == b'\\' || c < 0x20) {
        out.extend_from_slice(b);
        return;
    }
    for &c in b {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 15)]);
            }
            c => out.push(c),
        }
    }
}

/// Append a decimal integer.
#[inline]
pub(crate) fn push_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let neg = v < 0;
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if neg {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_nested_json() {
        let mut j = Json::default();
        j.open();
        j.kv("a", "x\"y\\z\n\u{1}");
        j.kn("n", -1234);
        j.kb("t", true);
        j.knull("z");
        j.karr("arr");
        j.int(0);
        j.str("s");
        j.open();
        j.close();
        j.close_arr();
        j.ec2_items("instancesSet", "instanceId", &["i-1", "i-2"]);
        j.ec2_filter("vpc-id", &["vpc-1"]);
        j.key("p");
        j.begin_str();
        j.raw_str_part("arn:");
        j.raw_str_part("aws");
        j.end_str();
        j.kempty("e");
        j.close();
        let v: serde_json::Value = serde_json::from_slice(&j.buf).unwrap();
        assert_eq!(v["a"], "x\"y\\z\n\u{1}");
        assert_eq!(v["n"], -1234);
        assert_eq!(v["arr"][1], "s");
        assert_eq!(v["instancesSet"]["items"][1]["instanceId"], "i-2");
        assert_eq!(v["filterSet"]["items"][0]["valueSet"]["items"][0]["value"], "vpc-1");
        assert_eq!(v["p"], "arn:aws");
        let mut b = Vec::new();
        push_int(&mut b, i64::MIN);
        assert_eq!(b, i64::MIN.to_string().as_bytes());
    }
}
