//! Turning a file's text into records, whatever its shape.
//!
//! A file is a sequence of top-level JSON values (one for a trail object or a single record,
//! many for JSON lines or concatenated objects). Each value is, by shape:
//! - `{"Records":[…]}` — a trail object (streamed record by record);
//! - `[…]` — an array of records (or of the shapes below);
//! - an object with `eventTime` — a single record (pretty-printed or not);
//! - an EventBridge envelope — the record is under `detail`;
//! - `aws cloudtrail lookup-events` output (`{"Events":[…]}`) or one of its entries — the record
//!   is a JSON *string* under `CloudTrailEvent`;
//! - a digest file — reported, since digests are not records.
//!
//! The decoder is resumable: [`Decoder::feed`] takes whatever text is available, consumes the
//! complete values, and says how much it consumed; the caller appends more text and calls again.
//! Memory is therefore bounded by the largest single record, not by the file.

use trailguard_json::{self as json, Kind, Raw, Scanner};
use trailguard_model::{DecodeError, Event, RecordErrorKind, decode_event_into, decode_event_text};

use crate::issue::{Issue, IssueKind};
use crate::options::ReadOptions;
use crate::sink::{FileSummary, RecordAt, Sink};
use crate::source::InputFile;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between top-level values.
    Top,
    /// Inside the `Records` array of a trail object.
    Records { first: bool },
    /// After the `Records` array, inside its object.
    AfterRecords,
    /// Inside a top-level array.
    Array { first: bool },
    /// A fatal problem: nothing more is read.
    Stopped,
}

/// What happened to one value.
enum Step {
    /// Consumed; go on.
    Next,
    /// The value is not complete in the text given: feed more.
    NeedMore,
    /// Stop reading the file (an issue was reported).
    Stop,
}

/// Where a value sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    TopLevel,
    InArray,
}

pub(crate) struct Decoder<'f, S: Sink + ?Sized> {
    file: &'f InputFile,
    sink: &'f mut S,
    opts: &'f ReadOptions,
    state: State,
    next_index: u64,
    any_value: bool,
    pub(crate) summary: FileSummary,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl<'f, S: Sink + ?Sized> Decoder<'f, S> {
    pub(crate) fn new(file: &'f InputFile, sink: &'f mut S, opts: &'f ReadOptions) -> Self {
        Decoder {
            file,
            sink,
            opts,
            state: State::Top,
            next_index: 0,
            any_value: false,
            summary: FileSummary::default(),
        }
    }

    pub(crate) fn stopped(&self) -> bool {
        self.state == State::Stopped
    }

    /// Whether the text held any JSON value so far (as opposed to nothing or whitespace).
    pub(crate) fn saw_values(&self) -> bool {
        self.any_value
    }

    fn issue(&mut self, kind: IssueKind, record: Option<u64>, offset: Option<u64>) {
        let issue = kind.at(&self.file.name, record, offset);
        self.report(issue);
    }

    /// Count `issue` in the file's summary and pass it on.
    pub(crate) fn report(&mut self, issue: Issue) {
        if issue.severity == crate::Severity::Skip {
            self.summary.skips += 1;
            match issue.records_lost {
                Some(n) => self.summary.records_skipped += n,
                None => self.summary.complete = false,
            }
        } else {
            self.summary.warnings += 1;
        }
        self.sink.issue(issue);
    }

    /// Report `kind` and read nothing more.
    pub(crate) fn stop_with(&mut self, kind: IssueKind, offset: u64) {
        self.stop(kind, offset);
    }

    fn stop(&mut self, kind: IssueKind, offset: u64) {
        let record = Some(self.next_index);
        self.issue(kind, record, Some(offset));
        self.state = State::Stopped;
    }

    /// Decode the complete values in `buf`, whose first byte is at `base` in the file's text.
    /// `eof` says that no more text will come. Returns how many bytes were consumed; the caller
    /// keeps the rest and calls again with more appended.
    pub(crate) fn feed(&mut self, buf: &[u8], base: u64, eof: bool) -> usize {
        // UTF-8 is checked once per chunk; a character cut at the end of the chunk is fine (no
        // complete string can contain it).
        let mut sc = Scanner::with_limits(buf, self.opts.json);
        sc.set_defer_utf8_errors(true);
        let mut consumed = 0usize;
        // One record slot for the whole buffer, refilled record after record.
        let mut slot = Event::empty(sc.raw_since(0));
        if base == 0 && buf.starts_with(BOM) {
            sc.reset_to(BOM.len());
            consumed = BOM.len();
        }
        loop {
            match self.state {
                State::Stopped => return buf.len(),
                State::Top => {
                    let Some(c) = sc.peek() else { return buf.len() };
                    self.any_value = true;
                    let start = sc.pos();
                    if c == b'[' {
                        sc.reset_to(start + 1);
                        self.state = State::Array { first: true };
                        consumed = sc.pos();
                        continue;
                    }
                    if c == b'{' {
                        match records_prefix(&mut sc) {
                            Some(true) => {
                                self.state = State::Records { first: true };
                                consumed = sc.pos();
                                continue;
                            }
                            None if !eof => return start,
                            _ => sc.reset_to(start),
                        }
                    }
                    match self.item(&mut sc, &mut slot, base, start, eof, Place::TopLevel) {
                        Step::Next => consumed = sc.pos(),
                        Step::NeedMore => return start,
                        Step::Stop => return buf.len(),
                    }
                }
                State::Records { first } | State::Array { first } => {
                    let in_records = matches!(self.state, State::Records { .. });
                    let before = sc.pos();
                    match sc.peek() {
                        None => {
                            if eof {
                                let at = base + sc.pos() as u64;
                                let error = sc.error(json::ErrorKind::UnexpectedEnd);
                                self.stop(
                                    IssueKind::Json {
                                        error: at_base(error, base),
                                        rest_bytes: 0,
                                    },
                                    at,
                                );
                                return buf.len();
                            }
                            return consumed;
                        }
                        Some(b']') => {
                            sc.reset_to(sc.pos() + 1);
                            self.state = if in_records { State::AfterRecords } else { State::Top };
                            consumed = sc.pos();
                            continue;
                        }
                        Some(b',') if !first => {
                            sc.reset_to(sc.pos() + 1);
                        }
                        Some(_) if first => {}
                        Some(_) => {
                            let error = sc.error(json::ErrorKind::Unexpected {
                                found: buf[sc.pos()],
                                expected: "',' or ']'",
                            });
                            let rest = (buf.len() - sc.pos()) as u64;
                            self.stop(
                                IssueKind::Json {
                                    error: at_base(error, base),
                                    rest_bytes: rest,
                                },
                                base + before as u64,
                            );
                            return buf.len();
                        }
                    }
                    if sc.peek().is_none() && !eof {
                        return consumed.max(before);
                    }
                    let start = sc.pos();
                    match self.item(&mut sc, &mut slot, base, start, eof, Place::InArray) {
                        Step::Next => {
                            self.state = if in_records {
                                State::Records { first: false }
                            } else {
                                State::Array { first: false }
                            };
                            consumed = sc.pos();
                        }
                        Step::NeedMore => return before,
                        Step::Stop => return buf.len(),
                    }
                }
                State::AfterRecords => {
                    let before = sc.pos();
                    match sc.peek() {
                        None if eof => {
                            let error = sc.error(json::ErrorKind::UnexpectedEnd);
                            self.stop(
                                IssueKind::Json {
                                    error: at_base(error, base),
                                    rest_bytes: 0,
                                },
                                base + before as u64,
                            );
                            return buf.len();
                        }
                        None => return consumed,
                        Some(b'}') => {
                            sc.reset_to(sc.pos() + 1);
                            self.state = State::Top;
                            consumed = sc.pos();
                        }
                        Some(b',') => {
                            sc.reset_to(sc.pos() + 1);
                            match member(&mut sc) {
                                Ok(Member::Records) => {
                                    self.state = State::Records { first: true };
                                    consumed = sc.pos();
                                }
                                Ok(Member::Other(key)) => {
                                    let at = base + before as u64;
                                    self.issue(IssueKind::IgnoredMember { key }, None, Some(at));
                                    consumed = sc.pos();
                                }
                                Err(e) if e.is_eof() && !eof => return before,
                                Err(error) => {
                                    let rest = (buf.len() - error.offset.min(buf.len())) as u64;
                                    self.stop(
                                        IssueKind::Json {
                                            error: at_base(error, base),
                                            rest_bytes: rest,
                                        },
                                        base + before as u64,
                                    );
                                    return buf.len();
                                }
                            }
                        }
                        Some(found) => {
                            let error = sc.error(json::ErrorKind::Unexpected {
                                found,
                                expected: "',' or '}'",
                            });
                            let rest = (buf.len() - sc.pos()) as u64;
                            self.stop(
                                IssueKind::Json {
                                    error: at_base(error, base),
                                    rest_bytes: rest,
                                },
                                base + before as u64,
                            );
                            return buf.len();
                        }
                    }
                }
            }
        }
    }

    /// Decode the value at `start` (an element of an array or a top-level value).
    fn item<'b>(
        &mut self,
        sc: &mut Scanner<'b>,
        slot: &mut Event<'b>,
        base: u64,
        start: usize,
        eof: bool,
        place: Place,
    ) -> Step {
        let offset = base + start as u64;
        match decode_event_into(sc, slot) {
            Ok(()) => {
                self.emit(slot, offset);
                Step::Next
            }
            Err(DecodeError::Record(e)) => {
                let index = self.next_index;
                self.next_index += 1;
                if let RecordErrorKind::Missing { field: "eventTime" } = e.kind {
                    let raw = sc.raw_since(start);
                    if self.other_shape(raw, offset) {
                        return Step::Next;
                    }
                }
                let kind = match e.kind {
                    RecordErrorKind::NotAnObject { found } => IssueKind::NotARecord { found },
                    _ => IssueKind::Record(e.clone()),
                };
                let at = base + e.offset as u64;
                self.issue(kind, Some(index), Some(at));
                Step::Next
            }
            Err(DecodeError::Syntax(error)) => {
                let pending = (sc.src().len() - start) as u64;
                if error.is_eof() && !eof {
                    if pending as usize > self.opts.max_value {
                        self.stop(
                            IssueKind::TooLarge {
                                limit: self.opts.max_value,
                            },
                            offset,
                        );
                        return Step::Stop;
                    }
                    return Step::NeedMore;
                }
                if error.is_eof() {
                    self.stop(IssueKind::CutShort { rest_bytes: pending }, offset);
                    return Step::Stop;
                }
                if place == Place::TopLevel {
                    match next_line_value(sc.src(), start, self.opts.json) {
                        Resync::At(line) => {
                            let index = self.next_index;
                            self.next_index += 1;
                            self.issue(
                                IssueKind::JsonLine {
                                    error: at_base(error, base),
                                },
                                Some(index),
                                Some(offset),
                            );
                            sc.reset_to(line);
                            return Step::Next;
                        }
                        Resync::NeedMore if !eof && (pending as usize) <= self.opts.max_value => return Step::NeedMore,
                        _ => {}
                    }
                }
                let rest = (sc.src().len() - error.offset.min(sc.src().len())) as u64;
                self.stop(
                    IssueKind::Json {
                        error: at_base(error, base),
                        rest_bytes: rest,
                    },
                    offset,
                );
                Step::Stop
            }
        }
    }

    fn emit(&mut self, ev: &Event<'_>, offset: u64) {
        let index = self.next_index;
        self.next_index += 1;
        self.summary.records += 1;
        for (missing, field) in [
            (ev.event_source.is_none(), "eventSource"),
            (ev.event_name.is_none(), "eventName"),
        ] {
            if missing {
                self.issue(IssueKind::MissingField { field }, Some(index), Some(offset));
            }
        }
        let at = RecordAt {
            file: self.file,
            index,
            offset,
        };
        self.sink.record(ev, &at);
    }

    /// A value that decoded as a record without `eventTime`: try the other accepted shapes.
    /// Returns true when it was one of them (its records emitted, its problems reported). The
    /// index of the enclosing value has already been taken; inner records take their own.
    fn other_shape(&mut self, raw: Raw<'_>, offset: u64) -> bool {
        if raw.kind() != Kind::Object {
            return false;
        }
        // The value's own index was taken by the caller; give it back to the first inner record.
        let outer = self.next_index - 1;
        let inner = |this: &mut Self, text: &str| match decode_event_text(text) {
            Ok(ev) => this.emit(&ev, offset),
            Err(DecodeError::Record(e)) => {
                let index = this.next_index;
                this.next_index += 1;
                let kind = match e.kind {
                    RecordErrorKind::NotAnObject { found } => IssueKind::NotARecord { found },
                    _ => IssueKind::Record(e),
                };
                this.issue(kind, Some(index), Some(offset));
            }
            Err(DecodeError::Syntax(error)) => {
                let index = this.next_index;
                this.next_index += 1;
                this.issue(IssueKind::JsonLine { error }, Some(index), Some(offset));
            }
        };
        if let Some(detail) = raw.get("detail").filter(|d| d.kind() == Kind::Object)
            && (raw.get("detail-type").is_some() || raw.get("source").is_some())
        {
            // EventBridge envelope.
            self.next_index = outer;
            inner(self, detail.text());
            return true;
        }
        if let Some(text) = raw.get("CloudTrailEvent").and_then(|v| v.as_str()) {
            // One entry of lookup-events output.
            self.next_index = outer;
            inner(self, &text);
            return true;
        }
        if let Some(events) = raw.get("Events").filter(|e| e.kind() == Kind::Array) {
            self.next_index = outer;
            for entry in events.elements() {
                match entry.get("CloudTrailEvent") {
                    Some(s) if s.kind() == Kind::String => inner(self, &s.as_str().unwrap_or_default()),
                    _ => inner(self, entry.text()),
                }
            }
            return true;
        }
        if let Some(records) = raw.get("Records").filter(|r| r.kind() == Kind::Array) {
            // A trail object whose first member is not `Records`.
            self.next_index = outer;
            for rec in records.elements() {
                inner(self, rec.text());
            }
            raw.for_each_member(|k, _| {
                if k != "Records" {
                    let issue = IssueKind::IgnoredMember { key: k.to_owned() }.at(&self.file.name, None, Some(offset));
                    self.report(issue);
                }
                true
            });
            return true;
        }
        if raw.get("digestStartTime").is_some() && raw.get("logFiles").is_some() {
            self.next_index = outer;
            self.issue(IssueKind::DigestContent, None, Some(offset));
            return true;
        }
        false
    }
}

fn at_base(mut e: json::Error, base: u64) -> json::Error {
    e.offset += base as usize;
    e
}

/// At a `{`: consume `{"Records":[` if that is how the object starts. `Some(false)` when it is
/// not, `None` when the text ends before it can be told.
fn records_prefix(sc: &mut Scanner<'_>) -> Option<bool> {
    let mut obj = match sc.begin_object() {
        Ok(o) => o,
        Err(e) => return if e.is_eof() { None } else { Some(false) },
    };
    match obj.next_key_raw(sc) {
        Ok(Some(key)) if !key.2 && sc.key_text(key) == "Records" => {}
        Ok(_) => return Some(false),
        Err(e) => return if e.is_eof() { None } else { Some(false) },
    }
    match sc.peek() {
        Some(b'[') => {
            sc.reset_to(sc.pos() + 1);
            Some(true)
        }
        Some(_) => Some(false),
        None => None,
    }
}

enum Member {
    Records,
    Other(String),
}

/// After a `,` inside a trail object: read `"key": value`. A further `Records` array is opened
/// (its elements are then read as records); anything else is skipped.
fn member(sc: &mut Scanner<'_>) -> Result<Member, json::Error> {
    let key = sc.parse_str()?.into_owned();
    if sc.peek() != Some(b':') {
        return Err(match sc.peek() {
            Some(found) => sc.error(json::ErrorKind::Unexpected { found, expected: "':'" }),
            None => sc.error(json::ErrorKind::UnexpectedEnd),
        });
    }
    sc.reset_to(sc.pos() + 1);
    if key == "Records" && sc.peek() == Some(b'[') {
        sc.reset_to(sc.pos() + 1);
        return Ok(Member::Records);
    }
    sc.skip_value()?;
    Ok(Member::Other(key))
}

enum Resync {
    At(usize),
    NeedMore,
}

/// After a syntax error in a top-level value starting at `start`: the start of the next line
/// that holds one complete JSON object on its own (JSON lines), if the text has one. Lines of
/// pretty-printed JSON never qualify, so a damaged pretty-printed file is not misread.
fn next_line_value(src: &[u8], start: usize, limits: json::Limits) -> Resync {
    let mut pos = start;
    while let Some(nl) = memchr::memchr(b'\n', &src[pos..]) {
        let line = pos + nl + 1;
        pos = line;
        let mut i = line;
        while i < src.len() && matches!(src[i], b' ' | b'\t' | b'\r') {
            i += 1;
        }
        if i >= src.len() {
            return Resync::NeedMore;
        }
        if src[i] != b'{' {
            continue;
        }
        let end = memchr::memchr(b'\n', &src[i..]).map_or(src.len(), |e| i + e);
        let mut sc = Scanner::with_limits(&src[i..end], limits);
        sc.set_defer_utf8_errors(true);
        if sc.skip_value().is_ok() && sc.at_end() {
            return Resync::At(line);
        }
    }
    // No resynchronisation point in the text so far: more text may bring one.
    Resync::NeedMore
}
