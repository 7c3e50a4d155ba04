//! Reading one file: whole when it fits (one read, one inflate, one pass), streamed in chunks
//! when it does not, and streamed again to recover what a damaged gzip object still holds.

use std::io::{BufRead, BufReader, Read};

use crate::container::Decoder;
use crate::gzip::{GzStream, GzipError, GzipInfo, Inflater, Whole, is_gzip};
use crate::issue::IssueKind;
use crate::options::ReadOptions;
use crate::sink::{FileSummary, ObjectBytes, Sink};
use crate::source::{InputFile, Location, ObjectKind};

/// Per-thread state reused from file to file.
#[derive(Default)]
pub struct Worker {
    inflater: Inflater,
    stored: Vec<u8>,
    text: Vec<u8>,
}

impl Worker {
    /// Read `file` into `sink`.
    pub fn read<S: Sink + ?Sized>(&mut self, file: &InputFile, opts: &ReadOptions, sink: &mut S) -> FileSummary {
        let summary = match &file.location {
            Location::Memory(bytes) => {
                let bytes = bytes.clone();
                self.whole(file, &bytes, opts, sink)
            }
            Location::Path(path) => {
                let fits = file.size.is_some_and(|s| s <= opts.whole_object);
                if fits {
                    let mut stored = std::mem::take(&mut self.stored);
                    stored.clear();
                    let r = std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut stored));
                    let summary = match r {
                        Ok(_) => self.whole(file, &stored, opts, sink),
                        Err(e) => unreadable(file, sink, &e),
                    };
                    self.stored = stored;
                    summary
                } else {
                    match std::fs::File::open(path) {
                        Ok(f) => stream(file, BufReader::with_capacity(1 << 20, f), opts, sink),
                        Err(e) => unreadable(file, sink, &e),
                    }
                }
            }
            Location::Stdin => stream(
                file,
                BufReader::with_capacity(1 << 20, std::io::stdin().lock()),
                opts,
                sink,
            ),
        };
        sink.file_done(file, &summary);
        summary
    }

    fn whole<S: Sink + ?Sized>(
        &mut self,
        file: &InputFile,
        stored: &[u8],
        opts: &ReadOptions,
        sink: &mut S,
    ) -> FileSummary {
        let mut text = std::mem::take(&mut self.text);
        let summary = 'done: {
            let (bytes, gzip): (&[u8], Option<GzipInfo>) = if is_gzip(stored) {
                let cap = opts.whole_object.min(opts.max_inflate);
                match self.inflater.inflate_whole(stored, cap, &mut text) {
                    Whole::Done(info) => (&text[..], Some(info)),
                    Whole::TooLarge | Whole::Damaged => break 'done stream(file, stored, opts, sink),
                }
            } else {
                (stored, None)
            };
            let object = ObjectBytes {
                stored,
                text: bytes,
                gzip,
            };
            if file.kind == ObjectKind::Digest {
                sink.digest(file, &object);
                break 'done FileSummary {
                    stored_bytes: stored.len() as u64,
                    text_bytes: bytes.len() as u64,
                    complete: true,
                    ..FileSummary::default()
                };
            }
            sink.object(file, &object);
            let mut dec = Decoder::new(file, sink, opts);
            dec.summary.complete = true;
            dec.summary.stored_bytes = stored.len() as u64;
            dec.summary.text_bytes = bytes.len() as u64;
            dec.feed(bytes, 0, true);
            if !dec.saw_values() {
                empty(&mut dec, file);
            }
            if let Some(info) = gzip {
                trailing(&mut dec, file, info, bytes.len() as u64);
            }
            dec.summary
        };
        self.text = text;
        summary
    }
}

fn unreadable<S: Sink + ?Sized>(file: &InputFile, sink: &mut S, e: &std::io::Error) -> FileSummary {
    sink.issue(IssueKind::Unreadable(e.to_string()).at(&file.name, None, None));
    FileSummary {
        complete: false,
        skips: 1,
        ..FileSummary::default()
    }
}

fn empty<S: Sink + ?Sized>(dec: &mut Decoder<'_, S>, file: &InputFile) {
    dec.report(IssueKind::Empty.at(&file.name, None, None));
}

fn trailing<S: Sink + ?Sized>(dec: &mut Decoder<'_, S>, file: &InputFile, info: GzipInfo, text_len: u64) {
    if info.trailing > 0 {
        let issue = IssueKind::TrailingData {
            bytes: info.trailing,
            member: info.trailing_is_member,
        }
        .at(&file.name, None, Some(text_len));
        dec.report(issue);
    }
}

/// Stream `input` (gzip or not) through the decoder in chunks.
fn stream<S: Sink + ?Sized, R: BufRead>(
    file: &InputFile,
    mut input: R,
    opts: &ReadOptions,
    sink: &mut S,
) -> FileSummary {
    let peek = match input.fill_buf() {
        Ok(b) => b.len() >= 2 && is_gzip(b),
        Err(e) => return unreadable(file, sink, &e),
    };
    let mut stored_bytes = 0u64;
    let counting = CountingRead {
        inner: input,
        count: &mut stored_bytes,
    };
    let mut dec = Decoder::new(file, sink, opts);
    dec.summary.complete = true;
    // A digest reaches this path only when it could not be held whole (damaged, or far larger
    // than any digest): its gzip stream is checked and reported like a log's, but its text is
    // never decoded as records (integrity verification reads digests on its own).
    let decode = file.kind != ObjectKind::Digest;
    let chunk = opts.chunk.max(1);
    let mut buf: Vec<u8> = Vec::with_capacity(chunk * 2);
    let mut base = 0u64;
    let mut text_bytes = 0u64;
    let mut failure: Option<GzipError> = None;
    let mut gz_info = None;
    if peek {
        let mut gz = GzStream::new(counting, opts.max_inflate);
        loop {
            let eof = match gz.read_into(&mut buf, chunk) {
                Ok(0) => {
                    gz_info = Some(gz.info());
                    true
                }
                Ok(n) => {
                    text_bytes += n as u64;
                    false
                }
                Err(e) => {
                    text_bytes = base + buf.len() as u64;
                    failure = Some(e);
                    true
                }
            };
            if feed(&mut dec, &mut buf, &mut base, eof, decode, opts) {
                break;
            }
        }
    } else {
        let mut input = counting;
        loop {
            let before = buf.len();
            buf.reserve(chunk);
            let eof = match (&mut input).take(chunk as u64).read_to_end(&mut buf) {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => {
                    failure = Some(GzipError::Io(e.to_string()));
                    true
                }
            };
            text_bytes += (buf.len() - before) as u64;
            if feed(&mut dec, &mut buf, &mut base, eof, decode, opts) {
                break;
            }
        }
    }
    if decode && !dec.saw_values() && failure.is_none() {
        empty(&mut dec, file);
    }
    if let Some(error) = failure {
        let recovered = dec.saw_values();
        let issue = match error {
            GzipError::Io(e) => IssueKind::Unreadable(e),
            error => IssueKind::Gzip { error, recovered },
        };
        let issue = issue.at(&file.name, None, Some(text_bytes));
        dec.report(issue);
    }
    if let Some(info) = gz_info {
        trailing(&mut dec, file, info, text_bytes);
    }
    dec.summary.stored_bytes = stored_bytes;
    dec.summary.text_bytes = text_bytes;
    dec.summary
}

/// Feed the buffered text (or, when not `decode`, pass over it); returns true when reading
/// should stop.
fn feed<S: Sink + ?Sized>(
    dec: &mut Decoder<'_, S>,
    buf: &mut Vec<u8>,
    base: &mut u64,
    eof: bool,
    decode: bool,
    opts: &ReadOptions,
) -> bool {
    if !decode {
        *base += buf.len() as u64;
        buf.clear();
        return eof;
    }
    let used = dec.feed(buf, *base, eof);
    buf.drain(..used);
    *base += used as u64;
    if dec.stopped() || eof {
        return true;
    }
    if buf.len() > opts.max_value + opts.chunk {
        // The decoder asked for more but the pending value is already over the limit.
        let issue = IssueKind::TooLarge { limit: opts.max_value };
        dec.stop_with(issue, *base);
        return true;
    }
    false
}

struct CountingRead<'c, R> {
    inner: R,
    count: &'c mut u64,
}

impl<R: Read> Read for CountingRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.count += n as u64;
        Ok(n)
    }
}
