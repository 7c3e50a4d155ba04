//! The only gzip decoder trailguard uses: capped, first member only, precise about damage.
//!
//! - [`Inflater::inflate_whole`]: a whole object in memory, inflated by libdeflate (the fastest
//!   decoder measured here) into a buffer sized from the trailer's ISIZE *hint* and grown only up
//!   to a cap, never trusting the hint blindly.
//! - [`GzStream`]: a streaming decoder (flate2's raw inflater behind our own header and trailer
//!   handling) for standard input, objects larger than the whole-object cap, and objects
//!   libdeflate refuses — it yields every byte that can be recovered and then says exactly what
//!   is wrong: cut inside the compressed data, trailer missing, CRC mismatch, corrupt data.
//!
//! CloudTrail writes single-member gzip files. Bytes after the first member (an appended member
//! carrying forged records, or junk) are never returned as data: they are reported, because
//! digests do not cover them.

use std::io::Read;

use flate2::{Decompress, FlushDecompress, Status};

/// Whether `b` starts with the gzip magic bytes.
pub fn is_gzip(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] == 0x1f && b[1] == 0x8b
}

/// What is wrong with a gzip object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GzipError {
    /// The header is not a valid gzip header.
    #[error("not a valid gzip header")]
    BadHeader,
    /// The compressed data is damaged.
    #[error("corrupt compressed data near compressed byte {at}")]
    Corrupt {
        /// Offset in the stored bytes.
        at: u64,
    },
    /// The object ends inside the compressed data.
    #[error("the compressed data is cut short after {stored} stored bytes (incomplete download or truncated object)")]
    Truncated {
        /// Stored bytes present.
        stored: u64,
    },
    /// The compressed data is complete but the 8-byte trailer is missing or short.
    #[error("the gzip trailer (CRC and length) is missing: the object was cut just after its compressed data")]
    TrailerMissing,
    /// The CRC in the trailer does not match the data.
    #[error("CRC mismatch: the data does not match the gzip trailer (corrupt object)")]
    CrcMismatch,
    /// The length in the trailer does not match the data.
    #[error("length mismatch: the data does not match the gzip trailer (corrupt object)")]
    LengthMismatch,
    /// More than the cap would be inflated.
    #[error("inflates to more than {cap} bytes (limit; raise it with --max-inflate if the object is genuine)")]
    TooLarge {
        /// The cap in bytes.
        cap: u64,
    },
    /// Reading the stored bytes failed.
    #[error("read error: {0}")]
    Io(String),
}

/// Facts about a gzip object besides its data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GzipInfo {
    /// Bytes of the first member (header, data, trailer).
    pub member_len: u64,
    /// Bytes stored after the first member.
    pub trailing: u64,
    /// Whether the trailing bytes start another gzip member.
    pub trailing_is_member: bool,
}

/// Outcome of [`Inflater::inflate_whole`].
#[derive(Debug)]
pub enum Whole {
    /// Inflated into the output buffer.
    Done(GzipInfo),
    /// Too large for a whole-object buffer under the cap: stream it instead.
    TooLarge,
    /// libdeflate refused the data: stream it to recover what can be recovered and learn why.
    Damaged,
}

#[allow(unsafe_code)]
mod ffi {
    //! A minimal safe wrapper around libdeflate's decompressor, for the one call the safe crate
    //! does not offer: `libdeflate_gzip_decompress_ex`, which reports how much input the first
    //! member used (needed to detect appended members).

    use libdeflate_sys as sys;

    pub(super) struct Decompressor(std::ptr::NonNull<sys::libdeflate_decompressor>);

    // SAFETY: a libdeflate decompressor has no thread affinity; it must only not be used from two
    // threads at once, which `&mut self` on every use guarantees.
    unsafe impl Send for Decompressor {}

    pub(super) enum Outcome {
        Ok { consumed: usize, written: usize },
        NoSpace,
        Bad,
    }

    impl Decompressor {
        pub(super) fn new() -> Self {
            // SAFETY: plain allocation; a null return (out of memory) is turned into a panic,
            // like any other allocation failure.
            let p = unsafe { sys::libdeflate_alloc_decompressor() };
            Decompressor(std::ptr::NonNull::new(p).expect("libdeflate: out of memory"))
        }

        /// Inflate the first gzip member of `input` into `out`.
        pub(super) fn gzip(&mut self, input: &[u8], out: &mut [u8]) -> Outcome {
            let mut consumed = 0usize;
            let mut written = 0usize;
            // SAFETY: the pointers and lengths come from live slices; libdeflate reads at most
            // `input.len()` bytes, writes at most `out.len()` bytes, and writes the two counts.
            let r = unsafe {
                sys::libdeflate_gzip_decompress_ex(
                    self.0.as_ptr(),
                    input.as_ptr().cast(),
                    input.len(),
                    out.as_mut_ptr().cast(),
                    out.len(),
                    &mut consumed,
                    &mut written,
                )
            };
            match r {
                sys::libdeflate_result_LIBDEFLATE_SUCCESS => Outcome::Ok { consumed, written },
                sys::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Outcome::NoSpace,
                _ => Outcome::Bad,
            }
        }
    }

    impl Drop for Decompressor {
        fn drop(&mut self) {
            // SAFETY: allocated by libdeflate_alloc_decompressor and freed exactly once.
            unsafe { sys::libdeflate_free_decompressor(self.0.as_ptr()) }
        }
    }
}

/// A reusable whole-object inflater (one per worker thread).
pub struct Inflater {
    d: ffi::Decompressor,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater {
            d: ffi::Decompressor::new(),
        }
    }
}

impl Inflater {
    /// Inflate the first member of `stored` into `out`, using at most `cap` bytes of output.
    /// On [`Whole::Done`], `out` holds exactly the inflated bytes.
    pub fn inflate_whole(&mut self, stored: &[u8], cap: u64, out: &mut Vec<u8>) -> Whole {
        let cap = usize::try_from(cap).unwrap_or(usize::MAX);
        let hint = if stored.len() >= 18 {
            let t = &stored[stored.len() - 4..];
            u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize
        } else {
            0
        };
        // ISIZE is the length modulo 2^32, written by whoever made the file: a hint, believed
        // only within what deflate can produce (at most ~1032 bytes per stored byte).
        let plausible = stored.len().saturating_mul(1032);
        let mut size = if hint > 0 && hint <= plausible {
            hint
        } else {
            stored.len().saturating_mul(10)
        };
        size = size.clamp(1024, cap.max(1024));
        loop {
            // Grow (zeroing only the new part): a buffer reused from object to object is not
            // cleared again, since libdeflate overwrites what it reports as written.
            if out.len() < size {
                out.resize(size, 0);
            }
            match self.d.gzip(stored, &mut out[..size]) {
                ffi::Outcome::Ok { consumed, written } => {
                    out.truncate(written);
                    let trailing = stored.len() - consumed;
                    return Whole::Done(GzipInfo {
                        member_len: consumed as u64,
                        trailing: trailing as u64,
                        trailing_is_member: is_gzip(&stored[consumed..]),
                    });
                }
                ffi::Outcome::NoSpace => {
                    if size >= cap {
                        out.clear();
                        return Whole::TooLarge;
                    }
                    size = size.saturating_mul(2).min(cap);
                }
                ffi::Outcome::Bad => {
                    out.clear();
                    return Whole::Damaged;
                }
            }
        }
    }
}

/// A streaming gzip decoder over any reader: first member only, capped, precise about damage.
pub struct GzStream<R> {
    input: R,
    inbuf: Vec<u8>,
    in_start: usize,
    in_end: usize,
    /// Stored bytes consumed from the reader so far (up to `in_start`).
    stored_pos: u64,
    inflate: Decompress,
    crc: flate2::Crc,
    header_done: bool,
    finished: bool,
    cap: u64,
    info: GzipInfo,
}

impl<R: Read> GzStream<R> {
    /// A decoder over `input` that refuses to inflate more than `cap` bytes.
    pub fn new(input: R, cap: u64) -> Self {
        GzStream {
            input,
            inbuf: vec![0; 256 << 10],
            in_start: 0,
            in_end: 0,
            stored_pos: 0,
            inflate: Decompress::new(false),
            crc: flate2::Crc::new(),
            header_done: false,
            finished: false,
            cap,
            info: GzipInfo::default(),
        }
    }

    /// Facts about the object; complete once [`GzStream::read_into`] returned `Ok(0)`.
    pub fn info(&self) -> GzipInfo {
        self.info
    }

    /// Top up the input buffer; returns false at end of input.
    fn fill(&mut self) -> Result<bool, GzipError> {
        if self.in_start > 0 {
            self.inbuf.copy_within(self.in_start..self.in_end, 0);
            self.stored_pos += self.in_start as u64;
            self.in_end -= self.in_start;
            self.in_start = 0;
        }
        if self.in_end == self.inbuf.len() {
            return Ok(true);
        }
        loop {
            match self.input.read(&mut self.inbuf[self.in_end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.in_end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(GzipError::Io(e.to_string())),
            }
        }
    }

    /// Make at least `n` input bytes available if the input has them; returns how many are.
    fn want(&mut self, n: usize) -> Result<usize, GzipError> {
        while self.in_end - self.in_start < n {
            if !self.fill()? {
                break;
            }
        }
        Ok(self.in_end - self.in_start)
    }

    fn header(&mut self) -> Result<(), GzipError> {
        // Fixed part: ID1 ID2 CM FLG MTIME(4) XFL OS.
        if self.want(10)? < 10 {
            return Err(
                if self.in_end - self.in_start >= 2 && is_gzip(&self.inbuf[self.in_start..]) {
                    GzipError::Truncated {
                        stored: (self.in_end - self.in_start) as u64,
                    }
                } else {
                    GzipError::BadHeader
                },
            );
        }
        let h = &self.inbuf[self.in_start..self.in_start + 10];
        if !is_gzip(h) || h[2] != 8 || h[3] & 0xE0 != 0 {
            return Err(GzipError::BadHeader);
        }
        let flags = h[3];
        let mut pos = 10usize;
        let truncated = |s: &Self| GzipError::Truncated {
            stored: s.stored_pos + (s.in_end - s.in_start) as u64,
        };
        if flags & 0x04 != 0 {
            // FEXTRA: XLEN then XLEN bytes.
            if self.want(pos + 2)? < pos + 2 {
                return Err(truncated(self));
            }
            let b = &self.inbuf[self.in_start..];
            let xlen = usize::from(u16::from_le_bytes([b[pos], b[pos + 1]]));
            pos += 2 + xlen;
            if self.want(pos)? < pos {
                return Err(truncated(self));
            }
        }
        for flag in [0x08u8, 0x10] {
            // FNAME, FCOMMENT: zero-terminated.
            if flags & flag != 0 {
                loop {
                    if self.want(pos + 1)? < pos + 1 {
                        return Err(truncated(self));
                    }
                    let b = self.inbuf[self.in_start + pos];
                    pos += 1;
                    if b == 0 {
                        break;
                    }
                    if pos > 64 << 10 {
                        return Err(GzipError::BadHeader);
                    }
                }
            }
        }
        if flags & 0x02 != 0 {
            pos += 2; // FHCRC
            if self.want(pos)? < pos {
                return Err(truncated(self));
            }
        }
        self.in_start += pos;
        self.header_done = true;
        Ok(())
    }

    /// Append up to `max` inflated bytes to `out`. Returns the number appended; `Ok(0)` means
    /// the member is complete and its trailer checked.
    pub fn read_into(&mut self, out: &mut Vec<u8>, max: usize) -> Result<usize, GzipError> {
        if self.finished {
            return Ok(0);
        }
        if !self.header_done {
            self.header()?;
        }
        let before = out.len();
        out.reserve(max);
        loop {
            if out.len() - before >= max {
                break;
            }
            if self.in_start == self.in_end && !self.fill()? {
                let stored = self.stored_pos + self.in_end as u64;
                return Err(GzipError::Truncated { stored });
            }
            let in_before = self.inflate.total_in();
            let out_before = self.inflate.total_out();
            let spare = max - (out.len() - before);
            let status = {
                let len = out.len();
                let room = out.capacity() - len;
                let limit = room.min(spare);
                out.resize(len + limit, 0);
                let r = self.inflate.decompress(
                    &self.inbuf[self.in_start..self.in_end],
                    &mut out[len..],
                    FlushDecompress::None,
                );
                let produced = (self.inflate.total_out() - out_before) as usize;
                out.truncate(len + produced);
                r
            };
            let used = (self.inflate.total_in() - in_before) as usize;
            self.crc
                .update(&out[out.len() - (self.inflate.total_out() - out_before) as usize..]);
            self.in_start += used;
            if self.inflate.total_out() > self.cap {
                return Err(GzipError::TooLarge { cap: self.cap });
            }
            match status {
                Ok(Status::StreamEnd) => {
                    self.trailer()?;
                    break;
                }
                Ok(Status::Ok | Status::BufError) => {
                    if used == 0 && self.inflate.total_out() == out_before {
                        // No progress: more input is needed (or the output is full).
                        if out.len() - before >= max {
                            break;
                        }
                        if !self.fill()? {
                            let stored = self.stored_pos + self.in_end as u64;
                            return Err(GzipError::Truncated { stored });
                        }
                    }
                }
                Err(_) => {
                    return Err(GzipError::Corrupt {
                        at: self.stored_pos + self.in_start as u64,
                    });
                }
            }
        }
        Ok(out.len() - before)
    }

    fn trailer(&mut self) -> Result<(), GzipError> {
        self.finished = true;
        let have = self.want(8)?;
        if have < 8 {
            return Err(GzipError::TrailerMissing);
        }
        let t = &self.inbuf[self.in_start..self.in_start + 8];
        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let isize = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        self.in_start += 8;
        self.info.member_len = self.stored_pos + self.in_start as u64;
        // Whatever follows is not data: count it.
        let mut trailing = (self.in_end - self.in_start) as u64;
        self.info.trailing_is_member = is_gzip(&self.inbuf[self.in_start..self.in_end]);
        if trailing < 2 {
            // Look far enough to tell whether a member follows.
            self.want(2)?;
            trailing = (self.in_end - self.in_start) as u64;
            self.info.trailing_is_member = is_gzip(&self.inbuf[self.in_start..self.in_end]);
        }
        let mut sink = [0u8; 64 << 10];
        loop {
            match self.input.read(&mut sink) {
                Ok(0) => break,
                Ok(n) => trailing += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(GzipError::Io(e.to_string())),
            }
        }
        self.info.trailing = trailing;
        if crc != self.crc.sum() {
            return Err(GzipError::CrcMismatch);
        }
        if isize != self.inflate.total_out() as u32 {
            return Err(GzipError::LengthMismatch);
        }
        Ok(())
    }
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

    fn stream_all(stored: &[u8], cap: u64) -> (Vec<u8>, Result<GzipInfo, GzipError>) {
        let mut s = GzStream::new(stored, cap);
        let mut out = Vec::new();
        loop {
            match s.read_into(&mut out, 1000) {
                Ok(0) => return (out, Ok(s.info())),
                Ok(_) => {}
                Err(e) => return (out, Err(e)),
            }
        }
    }

    fn data() -> Vec<u8> {
        (0..50_000u32)
            .flat_map(|i| format!("{{\"n\":{i}}}\n").into_bytes())
            .collect()
    }

    #[test]
    fn whole_and_stream_agree() {
        let d = data();
        let z = gz(&d);
        let mut out = Vec::new();
        let Whole::Done(info) = Inflater::default().inflate_whole(&z, 1 << 30, &mut out) else {
            panic!()
        };
        assert_eq!(out, d);
        assert_eq!(info.trailing, 0);
        let (s, r) = stream_all(&z, 1 << 30);
        assert_eq!(s, d);
        assert_eq!(r.unwrap().trailing, 0);
    }

    #[test]
    fn appended_member_is_reported_not_read() {
        let d = data();
        let mut z = gz(&d);
        let first = z.len() as u64;
        z.extend(gz(b"{\"forged\":true}"));
        let mut out = Vec::new();
        let Whole::Done(info) = Inflater::default().inflate_whole(&z, 1 << 30, &mut out) else {
            panic!()
        };
        assert_eq!(out, d);
        assert_eq!(info.member_len, first);
        assert!(info.trailing > 0 && info.trailing_is_member);
        let (s, r) = stream_all(&z, 1 << 30);
        assert_eq!(s, d);
        let info = r.unwrap();
        assert!(info.trailing_is_member);
        assert_eq!(info.trailing, z.len() as u64 - first);
    }

    #[test]
    fn damage_is_named() {
        let d = data();
        let z = gz(&d);
        // Cut inside the compressed data: a prefix is recovered.
        let cut = &z[..z.len() / 2];
        assert!(matches!(
            Inflater::default().inflate_whole(cut, 1 << 30, &mut Vec::new()),
            Whole::Damaged
        ));
        let (s, r) = stream_all(cut, 1 << 30);
        assert!(matches!(r, Err(GzipError::Truncated { .. })));
        assert!(!s.is_empty() && d.starts_with(&s));
        // Trailer removed: all data recovered.
        let (s, r) = stream_all(&z[..z.len() - 8], 1 << 30);
        assert_eq!(r, Err(GzipError::TrailerMissing));
        assert_eq!(s, d);
        // CRC flipped.
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 8] ^= 1;
        assert_eq!(stream_all(&bad, 1 << 30).1, Err(GzipError::CrcMismatch));
        // Not gzip at all.
        assert_eq!(stream_all(b"{\"Records\":[]}", 1 << 30).1, Err(GzipError::BadHeader));
        // Corrupt data.
        let mut bad = z.clone();
        for b in &mut bad[20..60] {
            *b = 0xff;
        }
        assert!(stream_all(&bad, 1 << 30).1.is_err());
    }

    #[test]
    fn bombs_are_capped() {
        let zeros = vec![0u8; 10 << 20];
        let z = gz(&zeros);
        assert!(z.len() < 100 << 10);
        assert!(matches!(
            Inflater::default().inflate_whole(&z, 1 << 20, &mut Vec::new()),
            Whole::TooLarge
        ));
        assert_eq!(stream_all(&z, 1 << 20).1, Err(GzipError::TooLarge { cap: 1 << 20 }));
    }
}
