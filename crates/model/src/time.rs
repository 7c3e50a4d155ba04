//! UTC timestamps: CloudTrail's fixed `YYYY-MM-DDTHH:MM:SSZ` shape parsed without a general date
//! library, RFC 3339 with offsets and fractions for user input, and formatting back.
//!
//! A [`Timestamp`] is milliseconds since the Unix epoch, UTC. CloudTrail times have whole
//! seconds; other sources (EventBridge, CloudTrail Lake exports, user input) may carry fractions.

use std::fmt;

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// Why a time string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {text:?}: {reason} (expected RFC 3339, e.g. 2024-05-01T09:30:00Z)")]
pub struct TimeError {
    /// The text that was refused (cut to 64 characters).
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl TimeError {
    fn new(text: &str, reason: &'static str) -> Self {
        TimeError {
            text: text.chars().take(64).collect(),
            reason,
        }
    }
}

const MS_PER_SEC: i64 = 1000;
const SECS_PER_DAY: i64 = 86_400;

impl Timestamp {
    /// From whole seconds since the epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp(secs * MS_PER_SEC)
    }

    /// Whole seconds since the epoch (floored).
    pub const fn secs(self) -> i64 {
        self.0.div_euclid(MS_PER_SEC)
    }

    /// Milliseconds since the epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// Build from a civil UTC date and time. Returns `None` for out-of-range fields.
    pub fn from_civil(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Self> {
        if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let days = days_from_civil(y, mo, d);
        // A leap second (":60") is read as the first second of the next minute.
        Some(Timestamp::from_secs(
            days * SECS_PER_DAY + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s),
        ))
    }

    /// The civil UTC fields `(year, month, day, hour, minute, second)`.
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let secs = self.secs();
        let days = secs.div_euclid(SECS_PER_DAY);
        let rem = secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        (
            y,
            m,
            d,
            (rem / 3600) as u32,
            ((rem % 3600) / 60) as u32,
            (rem % 60) as u32,
        )
    }

    /// Parse CloudTrail's `eventTime` (`YYYY-MM-DDTHH:MM:SSZ`) quickly; anything else is handed
    /// to [`Timestamp::parse_rfc3339`].
    #[inline]
    pub fn parse_event_time(text: &str) -> Result<Self, TimeError> {
        let b = text.as_bytes();
        if b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z'
            && let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
                digits(&b[0..4]),
                digits(&b[5..7]),
                digits(&b[8..10]),
                digits(&b[11..13]),
                digits(&b[14..16]),
                digits(&b[17..19]),
            )
        {
            return Timestamp::from_civil(i64::from(y), mo, d, h, mi, s)
                .ok_or_else(|| TimeError::new(text, "a field is out of range"));
        }
        Timestamp::parse_rfc3339(text)
    }

    /// Parse RFC 3339 / ISO 8601 in the forms people and AWS tools write: `2024-05-01T09:30:00Z`,
    /// with `+02:00`/`-0500` offsets (converted to UTC), fractional seconds, a space instead of
    /// `T`, lower-case `t`/`z`, `YYYY-MM-DDTHH:MM` without seconds, a bare date
    /// (`2024-05-01`, midnight UTC), and CloudTrail's basic form `20240501T093000Z`.
    /// A time without a zone is refused: guessing the zone would shift an investigation's window.
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimeError> {
        let t = text.trim();
        let b = t.as_bytes();
        let err = |reason| Err(TimeError::new(text, reason));
        // Basic form: YYYYMMDDTHHMMSSZ.
        if b.len() == 16 && (b[8] == b'T' || b[8] == b't') && (b[15] == b'Z' || b[15] == b'z') {
            let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
                digits(&b[0..4]),
                digits(&b[4..6]),
                digits(&b[6..8]),
                digits(&b[9..11]),
                digits(&b[11..13]),
                digits(&b[13..15]),
            ) else {
                return err("not a date");
            };
            return Timestamp::from_civil(y as i64, mo, d, h, mi, s)
                .ok_or_else(|| TimeError::new(text, "a field is out of range"));
        }
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return err("no YYYY-MM-DD date");
        }
        let (Some(y), Some(mo), Some(d)) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10])) else {
            return err("no YYYY-MM-DD date");
        };
        if b.len() == 10 {
            return Timestamp::from_civil(y as i64, mo, d, 0, 0, 0)
                .ok_or_else(|| TimeError::new(text, "a field is out of range"));
        }
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
            return err("no time after the date");
        }
        let (Some(h), Some(mi)) = (digits(&b[11..13]), digits(&b[14..16])) else {
            return err("bad hour or minute");
        };
        let mut i = 16;
        let mut s = 0;
        let mut frac_ms = 0i64;
        if i < b.len() && b[i] == b':' {
            let Some(sec) = b.get(i + 1..i + 3).and_then(digits) else {
                return err("bad seconds");
            };
            s = sec;
            i += 3;
            if i < b.len() && (b[i] == b'.' || b[i] == b',') {
                i += 1;
                let start = i;
                let mut scale = 100;
                while i < b.len() && b[i].is_ascii_digit() {
                    frac_ms += i64::from(b[i] - b'0') * scale;
                    scale /= 10;
                    i += 1;
                }
                if i == start {
                    return err("empty fraction of a second");
                }
            }
        }
        let offset_secs: i64 = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) => {
                let rest = &b[i + 1..];
                let (oh, om) = match rest.len() {
                    5 if rest[2] == b':' => (digits(&rest[0..2]), digits(&rest[3..5])),
                    4 => (digits(&rest[0..2]), digits(&rest[2..4])),
                    2 => (digits(&rest[0..2]), Some(0)),
                    _ => (None, None),
                };
                let (Some(oh), Some(om)) = (oh, om) else {
                    return err("bad UTC offset");
                };
                if oh > 23 || om > 59 {
                    return err("bad UTC offset");
                }
                let off = i64::from(oh) * 3600 + i64::from(om) * 60;
                if sign == b'+' { off } else { -off }
            }
            None => return err("no time zone (add Z for UTC or an offset such as +02:00)"),
            _ => return err("unexpected characters after the time"),
        };
        let base = Timestamp::from_civil(y as i64, mo, d, h, mi, s)
            .ok_or_else(|| TimeError::new(text, "a field is out of range"))?;
        Ok(Timestamp(base.0 + frac_ms - offset_secs * MS_PER_SEC))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (CloudTrail's shape; milliseconds are dropped).
    pub fn to_rfc3339(self) -> String {
        let mut s = String::with_capacity(20);
        self.write_rfc3339(&mut s);
        s
    }

    /// Append `YYYY-MM-DDTHH:MM:SSZ` to `out` without allocating.
    pub fn write_rfc3339(self, out: &mut String) {
        let (y, mo, d, h, mi, s) = self.to_civil();
        push_num(out, y, 4);
        out.push('-');
        push_num(out, i64::from(mo), 2);
        out.push('-');
        push_num(out, i64::from(d), 2);
        out.push('T');
        push_num(out, i64::from(h), 2);
        out.push(':');
        push_num(out, i64::from(mi), 2);
        out.push(':');
        push_num(out, i64::from(s), 2);
        out.push('Z');
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn to_rfc3339_millis(self) -> String {
        let mut s = self.to_rfc3339();
        s.pop();
        s.push('.');
        push_num(&mut s, self.0.rem_euclid(MS_PER_SEC), 3);
        s.push('Z');
        s
    }

    /// The start of the UTC day holding this instant.
    pub const fn floor_day(self) -> Self {
        Timestamp::from_secs(self.secs().div_euclid(SECS_PER_DAY) * SECS_PER_DAY)
    }

    /// The start of the minute holding this instant.
    pub const fn floor_minute(self) -> Self {
        Timestamp::from_secs(self.secs().div_euclid(60) * 60)
    }

    /// This instant plus `secs` seconds.
    pub const fn add_secs(self, secs: i64) -> Self {
        Timestamp(self.0 + secs * MS_PER_SEC)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.rem_euclid(MS_PER_SEC) == 0 {
            f.write_str(&self.to_rfc3339())
        } else {
            f.write_str(&self.to_rfc3339_millis())
        }
    }
}

fn push_num(out: &mut String, mut v: i64, width: usize) {
    if v < 0 {
        out.push('-');
        v = -v;
    }
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while v > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let len = (buf.len() - i).max(width);
    let start = buf.len() - len;
    // The buffer holds only ASCII digits.
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or("0"));
}

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_time_round_trips() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2023-07-10T11:42:05Z",
            "2024-02-29T23:59:59Z",
            "2100-12-31T00:00:00Z",
        ] {
            let t = Timestamp::parse_event_time(s).unwrap();
            assert_eq!(t.to_rfc3339(), s);
        }
        assert_eq!(
            Timestamp::parse_event_time("2023-07-10T11:42:05Z").unwrap().secs(),
            1_688_989_325
        );
    }

    #[test]
    fn offsets_are_converted_not_dropped() {
        let a = Timestamp::parse_rfc3339("2024-01-01T02:00:00+02:00").unwrap();
        assert_eq!(a.to_rfc3339(), "2024-01-01T00:00:00Z");
        let b = Timestamp::parse_rfc3339("2024-01-01T00:00:00-0530").unwrap();
        assert_eq!(b.to_rfc3339(), "2024-01-01T05:30:00Z");
    }

    #[test]
    fn accepted_forms() {
        let want = Timestamp::parse_event_time("2024-05-01T09:30:00Z").unwrap();
        for s in [
            "2024-05-01T09:30:00Z",
            "2024-05-01 09:30:00Z",
            "2024-05-01t09:30:00z",
            "2024-05-01T09:30Z",
            "20240501T093000Z",
            "2024-05-01T11:30:00+02:00",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(s).unwrap(), want, "{s}");
        }
        assert_eq!(
            Timestamp::parse_rfc3339("2024-05-01T09:30:00.250Z").unwrap().millis(),
            want.millis() + 250
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2024-05-01").unwrap().to_rfc3339(),
            "2024-05-01T00:00:00Z"
        );
    }

    #[test]
    fn refused_forms() {
        for s in [
            "",
            "yesterday",
            "2024-05-01T09:30:00",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T09:30:00+25:00",
            "2024-05-01T09:30:00Zjunk",
            "2024-05-01T09:30:00.Z",
        ] {
            assert!(Timestamp::parse_rfc3339(s).is_err(), "{s}");
        }
    }

    #[test]
    fn floors() {
        let t = Timestamp::parse_event_time("2024-05-01T09:30:59Z").unwrap();
        assert_eq!(t.floor_day().to_rfc3339(), "2024-05-01T00:00:00Z");
        assert_eq!(t.floor_minute().to_rfc3339(), "2024-05-01T09:30:00Z");
        assert_eq!(Timestamp::from_secs(-1).to_rfc3339(), "1969-12-31T23:59:59Z");
    }

    proptest::proptest! {
        #[test]
        fn civil_round_trip(secs in -62_135_596_800i64..253_402_300_799i64) {
            let t = Timestamp::from_secs(secs);
            let s = t.to_rfc3339();
            proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&s).unwrap(), t);
        }
    }
}
