//! `ingest`: source objects → deduplicated, partitioned, ordered Parquet files, committed to the
//! ledger in batches so that an interrupted run loses nothing and duplicates nothing.
//!
//! ```text
//! files not in the ledger ─▶ commit-sized chunks ─┬─▶ read_chunk (every core): Event → Arrow builders
//!                                                 │     per (table, account, region, date)
//!                                                 └─▶ per partition (every core): order by
//!                                                       (object, record), drop (eventID,
//!                                                       recipient) already seen, write one
//!                                                       Parquet file from slices ─▶ commit record
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use trailguard_model::{Event, EventClass};
use trailguard_read::{
    FileSummary, InputFile, Issue, Location, ObjectBytes, ObjectKind, Progress, ReadOptions, RecordAt, Severity, Sink,
    Worker,
};

use crate::build::BatchBuilder;
use crate::error::LakeError;
use crate::key::{EventKey, partition_dir, partition_of, raw_partition};
use crate::log::{self, Commit, CommitKind, FileEntry, ObjectEntry, PartitionValues, Snapshot};
use crate::row::{Lineage, Row};
use crate::schema::Table;
use crate::store::Store;
use crate::write::{WriteOptions, file_name, read_file, write_file};

/// Rows per Arrow batch while building.
const BATCH_ROWS: usize = 32 * 1024;

/// How to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// How to read the source. Its `threads` is not used: objects are read on the lake's own
    /// pool (see [`crate::Lake::open`]), which also writes the files.
    pub read: ReadOptions,
    /// How to write files.
    pub write: WriteOptions,
    /// JSON bytes (estimated: gzip objects count 10× their size) per commit. Bounds memory:
    /// about this much Arrow data is held at once.
    pub commit_bytes: u64,
    /// Ingest time recorded as lineage (µs since the epoch); the caller reads the clock.
    pub ingest_micros: i64,
    /// Who writes (`trailguard 0.1.0`), recorded in commits.
    pub writer: String,
    /// Most (eventID, account) keys held in memory for deduplication before indexes of
    /// partitions not touched recently are dropped (they are read again from the files when
    /// needed).
    pub dedupe_keys: usize,
    /// Most issues kept in the report (all are counted).
    pub max_issues: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            read: ReadOptions::default(),
            write: WriteOptions::default(),
            commit_bytes: 1 << 30,
            ingest_micros: 0,
            writer: format!("trailguard {}", env!("CARGO_PKG_VERSION")),
            dedupe_keys: 32 << 20,
            max_issues: 10_000,
        }
    }
}

/// What an ingest did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct IngestReport {
    /// Files in the source.
    pub files: u64,
    /// Files read.
    pub files_read: u64,
    /// Files skipped because the ledger has them (same key and size).
    pub already_ingested: u64,
    /// Files whose bytes equal an object already ingested under another key.
    pub same_content: u64,
    /// Files whose key is in the ledger with a different size (read again; their records are
    /// deduplicated). CloudTrail never rewrites a log file: worth a look.
    pub changed: Vec<String>,
    /// Digest files (not lake data: `trailguard verify` checks them).
    pub digests: u64,
    /// Records read.
    pub records: u64,
    /// Rows added to `events`.
    pub events_added: u64,
    /// Rows added to `insights`.
    pub insights_added: u64,
    /// Records already in the lake (same `eventID` and recipient account).
    pub duplicates: u64,
    /// Records without an `eventID` (kept; they cannot be deduplicated).
    pub without_event_id: u64,
    /// Parquet files written.
    pub files_written: u64,
    /// Bytes of Parquet written.
    pub bytes_written: u64,
    /// Commits made.
    pub commits: u64,
    /// Files of interrupted runs removed before starting.
    pub orphans_removed: u64,
    /// Bytes read as stored.
    pub stored_bytes: u64,
    /// Bytes of JSON text read.
    pub text_bytes: u64,
    /// Input problems that skipped data.
    pub skips: u64,
    /// Input warnings.
    pub warnings: u64,
    /// The issues (at most `max_issues`).
    #[serde(skip)]
    pub issues: Vec<Issue>,
}

/// One row's origin and identity, kept beside the Arrow rows.
#[derive(Clone, Copy)]
struct RowMeta {
    file: u32,
    record: u32,
    key: Option<EventKey>,
}

#[derive(Default)]
struct PartBuf {
    batches: Vec<RecordBatch>,
    meta: Vec<RowMeta>,
}

/// Per-object counts.
#[derive(Clone, Debug, Default)]
struct ObjectStat {
    sha256: Option<String>,
    same_as: Option<String>,
    summary: FileSummary,
    done: bool,
}

/// What workers share during one chunk.
struct Shared<'s> {
    snap: &'s Snapshot,
    /// (sha256, size) → key of objects read in this run.
    seen: Mutex<HashMap<(String, u64), String>>,
    ingest_micros: i64,
}

/// The partition of the previous record, so that runs of records of one partition (the usual
/// case: an object holds one account, region and day) skip building and hashing its key.
struct LastPart {
    table: Table,
    account: String,
    region: String,
    day: i64,
    slot: usize,
}

struct IngestSink<'s> {
    shared: &'s Shared<'s>,
    builders: Vec<((Table, PartitionValues), BatchBuilder, PartBuf)>,
    slots: HashMap<(Table, PartitionValues), usize>,
    last: Option<LastPart>,
    objects: HashMap<usize, ObjectStat>,
    skip_file: Option<usize>,
    issues: Vec<Issue>,
    skips: u64,
    warnings: u64,
    without_event_id: u64,
    max_issues: usize,
    error: Option<LakeError>,
}

impl<'s> IngestSink<'s> {
    fn new(shared: &'s Shared<'s>, max_issues: usize) -> Self {
        IngestSink {
            shared,
            builders: Vec::new(),
            slots: HashMap::new(),
            last: None,
            objects: HashMap::new(),
            skip_file: None,
            issues: Vec::new(),
            skips: 0,
            warnings: 0,
            without_event_id: 0,
            max_issues,
            error: None,
        }
    }

    /// Finish every builder into batches.
    fn into_parts(mut self) -> Result<Done, LakeError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut parts = HashMap::new();
        for (k, mut b, mut buf) in self.builders {
            if b.len() > 0 {
                buf.batches.push(b.finish()?);
            }
            parts.insert(k, buf);
        }
        Ok(Done {
            parts,
            objects: self.objects,
            issues: self.issues,
            skips: self.skips,
            warnings: self.warnings,
            without_event_id: self.without_event_id,
        })
    }
}

struct Done {
    parts: HashMap<(Table, PartitionValues), PartBuf>,
    objects: HashMap<usize, ObjectStat>,
    issues: Vec<Issue>,
    skips: u64,
    warnings: u64,
    without_event_id: u64,
}

impl IngestSink<'_> {
    /// The builder slot of a record's partition.
    fn slot(&mut self, table: Table, ev: &Event<'_>, key_account: Option<&str>, key_region: Option<&str>) -> usize {
        let (account, region) = raw_partition(ev, key_account, key_region);
        let day = ev.time.floor_day().millis();
        if let Some(l) = &self.last
            && l.table == table
            && l.day == day
            && l.account == account
            && l.region == region
        {
            return l.slot;
        }
        let key = (table, partition_of(ev, key_account, key_region));
        let slot = match self.slots.get(&key) {
            Some(s) => *s,
            None => {
                self.builders
                    .push((key.clone(), BatchBuilder::new(table), PartBuf::default()));
                self.slots.insert(key, self.builders.len() - 1);
                self.builders.len() - 1
            }
        };
        self.last = Some(LastPart {
            table,
            account: account.to_owned(),
            region: region.to_owned(),
            day,
            slot,
        });
        slot
    }
}

impl Sink for IngestSink<'_> {
    fn record(&mut self, ev: &Event<'_>, at: &RecordAt<'_>) {
        let file = at.file;
        if self.skip_file == Some(file.id) || self.error.is_some() {
            return;
        }
        let table = if file.kind == ObjectKind::Insight || ev.class() == EventClass::Insight {
            Table::Insights
        } else {
            Table::Events
        };
        let layout = file.layout.as_ref();
        let key_account = layout.map(|l| l.account.as_str());
        let key_region = layout.and_then(|l| l.region.as_deref());
        let slot = self.slot(table, ev, key_account, key_region);
        let lineage = Lineage {
            key: &file.key,
            account: key_account,
            region: key_region,
            ingest_micros: self.shared.ingest_micros,
        };
        let key = EventKey::of(ev.event_id.as_deref(), ev.recipient_account_id.as_deref());
        if key.is_none() {
            self.without_event_id += 1;
        }
        let (_, builder, buf) = &mut self.builders[slot];
        let row = match table {
            Table::Events => Row::event(ev, lineage, at.index),
            Table::Insights => Row::insight(ev, lineage, at.index),
        };
        builder.append(&row);
        buf.meta.push(RowMeta {
            file: u32::try_from(file.id).unwrap_or(u32::MAX),
            record: u32::try_from(at.index).unwrap_or(u32::MAX),
            key,
        });
        if builder.len() >= BATCH_ROWS {
            match builder.finish() {
                Ok(b) => buf.batches.push(b),
                Err(e) => self.error = Some(e.into()),
            }
        }
    }

    fn issue(&mut self, issue: Issue) {
        match issue.severity {
            Severity::Skip => self.skips += 1,
            Severity::Warning => self.warnings += 1,
        }
        if self.issues.len() < self.max_issues {
            self.issues.push(issue);
        }
    }

    fn object(&mut self, file: &InputFile, object: &ObjectBytes<'_>) {
        let sha = hex::encode(Sha256::digest(object.stored));
        let size = object.stored.len() as u64;
        let mut stat = ObjectStat {
            sha256: Some(sha.clone()),
            ..ObjectStat::default()
        };
        let earlier = self
            .shared
            .snap
            .content
            .get(&(sha.clone(), size))
            .filter(|k| **k != file.key)
            .cloned();
        let earlier = earlier.or_else(|| {
            let mut seen = self.shared.seen.lock().ok()?;
            match seen.get(&(sha.clone(), size)) {
                Some(k) if *k != file.key => Some(k.clone()),
                Some(_) => None,
                None => {
                    seen.insert((sha, size), file.key.clone());
                    None
                }
            }
        });
        if let Some(k) = earlier {
            stat.same_as = Some(k);
            self.skip_file = Some(file.id);
        } else if self.skip_file == Some(file.id) {
            self.skip_file = None;
        }
        self.objects.insert(file.id, stat);
    }

    fn file_done(&mut self, file: &InputFile, summary: &FileSummary) {
        let stat = self.objects.entry(file.id).or_default();
        stat.summary = *summary;
        stat.done = true;
        if self.skip_file == Some(file.id) {
            self.skip_file = None;
        }
    }
}

/// Estimated JSON bytes of a file, for sizing commits.
fn estimate(file: &InputFile) -> u64 {
    let size = file.size.unwrap_or(1 << 20);
    let gz = file.key.ends_with(".gz");
    if gz { size.saturating_mul(10) } else { size }
}

/// Whether the ledger lets a file be skipped without reading it.
enum Plan {
    Read,
    Skip,
    Changed,
}

fn plan(file: &InputFile, snap: &Snapshot) -> Plan {
    if matches!(file.location, Location::Stdin) {
        return Plan::Read;
    }
    match (snap.objects.get(&file.key), file.size) {
        (Some(o), Some(size)) if o.size == size => Plan::Skip,
        (Some(_), _) => Plan::Changed,
        (None, _) => Plan::Read,
    }
}

/// The per-partition dedupe indexes held across commits.
#[derive(Default)]
pub(crate) struct DedupeCache {
    indexes: HashMap<(Table, PartitionValues), HashSet<EventKey>>,
    /// The commit that last touched each index.
    touched: HashMap<(Table, PartitionValues), u64>,
}

impl DedupeCache {
    fn keys(&self) -> usize {
        self.indexes.values().map(HashSet::len).sum()
    }

    /// Drop the indexes touched longest ago until at most `limit` keys remain.
    fn trim(&mut self, limit: usize) {
        if self.keys() <= limit {
            return;
        }
        let mut by_age: Vec<((Table, PartitionValues), u64)> =
            self.touched.iter().map(|(k, v)| (k.clone(), *v)).collect();
        by_age.sort_by_key(|(_, t)| *t);
        for (k, _) in by_age {
            if self.keys() <= limit {
                break;
            }
            self.indexes.remove(&k);
            self.touched.remove(&k);
        }
    }
}

/// Read the (eventID, recipient) keys of a partition's committed files.
fn load_index(
    store: &Store,
    snap: &Snapshot,
    table: Table,
    pv: &PartitionValues,
) -> Result<HashSet<EventKey>, LakeError> {
    let mut set = HashSet::new();
    for f in snap.table_files(table).filter(|f| &f.partition == pv) {
        let bytes = store.get(&f.path)?.ok_or_else(|| LakeError::Corrupt {
            path: f.path.clone(),
            reason: "listed in the ledger but missing from storage (was it deleted by hand?)".into(),
        })?;
        for batch in read_file(bytes, &f.path, Some(&["eventid", "recipientaccountid"]))? {
            let ids = batch.column_by_name("eventid").map(|c| strings(c.as_ref()));
            let accts = batch.column_by_name("recipientaccountid").map(|c| strings(c.as_ref()));
            if let (Some(ids), Some(accts)) = (ids, accts) {
                for (id, acct) in ids.iter().zip(accts.iter()) {
                    if let Some(k) = EventKey::of(id.as_deref(), acct.as_deref()) {
                        set.insert(k);
                    }
                }
            }
        }
    }
    Ok(set)
}

/// A string column (plain or dictionary) as optional owned strings.
pub(crate) fn strings(col: &dyn arrow::array::Array) -> Vec<Option<String>> {
    use arrow::array::AsArray;
    if let Some(s) = col.as_string_opt::<i32>() {
        return s.iter().map(|v| v.map(str::to_owned)).collect();
    }
    if let Some(s) = col.as_string_view_opt() {
        return s.iter().map(|v| v.map(str::to_owned)).collect();
    }
    if let Some(d) = col.as_dictionary_opt::<arrow::datatypes::Int32Type>()
        && let Some(values) = d.values().as_string_opt::<i32>()
    {
        return d
            .keys()
            .iter()
            .map(|k| {
                k.and_then(|k| usize::try_from(k).ok())
                    .map(|k| values.value(k).to_owned())
            })
            .collect();
    }
    vec![None; col.len()]
}

/// What writing one partition produced.
struct Written {
    entry: Option<FileEntry>,
    bytes: Vec<u8>,
    /// (file id, added, duplicates)
    per_file: HashMap<u32, (u64, u64)>,
    index: HashSet<EventKey>,
    part: (Table, PartitionValues),
}

/// Order, deduplicate and encode one partition's rows.
///
/// Rows go out in file order: by source object (key order, which for CloudTrail is delivery
/// order) and then by position in the object, whichever worker read them. The file is written
/// from zero-copy slices of the workers' batches in that order ([`segments`]); a duplicate (an
/// `eventID` and recipient already in the lake or earlier in this order) only splits its
/// segment. Row groups and pages therefore cover a narrow, mostly increasing span of
/// `eventtime` (objects are delivered every few minutes), which is what time pruning needs,
/// without sorting or copying the rows.
fn build_partition(
    part: (Table, PartitionValues),
    buf: PartBuf,
    mut index: HashSet<EventKey>,
    seq: u64,
    n: usize,
    opts: &WriteOptions,
) -> Result<Written, LakeError> {
    let (table, pv) = &part;
    let mut starts = Vec::with_capacity(buf.batches.len());
    let mut acc = 0usize;
    for b in &buf.batches {
        starts.push(acc);
        acc += b.num_rows();
    }
    let mut keep: Vec<RecordBatch> = Vec::new();
    let mut per_file: HashMap<u32, (u64, u64)> = HashMap::new();
    // Counts of the object being walked (rows of one object come together).
    let mut current: Option<(u32, u64, u64)> = None;
    for seg in segments(&buf, &starts) {
        let batch = &buf.batches[seg.batch];
        // Rows [from, i) of the segment are fresh and not yet kept.
        let mut from = 0usize;
        for i in 0..seg.rows {
            let meta = buf.meta[starts[seg.batch] + seg.first + i];
            let fresh = match meta.key {
                Some(k) => index.insert(k),
                None => true,
            };
            let slot = match &mut current {
                Some(c) if c.0 == meta.file => c,
                _ => {
                    if let Some((f, a, d)) = current.take() {
                        let s = per_file.entry(f).or_default();
                        s.0 += a;
                        s.1 += d;
                    }
                    current.insert((meta.file, 0, 0))
                }
            };
            if fresh {
                slot.1 += 1;
            } else {
                slot.2 += 1;
                if i > from {
                    keep.push(batch.slice(seg.first + from, i - from));
                }
                from = i + 1;
            }
        }
        if seg.rows > from {
            keep.push(batch.slice(seg.first + from, seg.rows - from));
        }
    }
    if let Some((f, a, d)) = current {
        let s = per_file.entry(f).or_default();
        s.0 += a;
        s.1 += d;
    }
    let keep = coalesce_short(keep)?;
    let (entry, bytes) = if keep.is_empty() {
        (None, Vec::new())
    } else {
        let path = format!("{}/{}/{}", table.name(), partition_dir(pv), file_name(seq, n));
        let (bytes, entry) = write_file(*table, &keep, pv, opts, &path)?;
        (Some(entry), bytes)
    };
    drop(keep);
    drop(buf);
    Ok(Written {
        entry,
        bytes,
        per_file,
        index,
        part,
    })
}

/// Rows `first..first + rows` of batch `batch`.
struct Segment {
    batch: usize,
    first: usize,
    rows: usize,
}

/// A partition's rows in (object, record) order, as segments of its batches.
///
/// Each worker reads its objects in key order, so its batches consist of runs whose (object,
/// record) keys increase; a k-way merge of those runs cuts them only where another run's rows
/// come in between. Handing workers consecutive objects (see [`read_chunk`]) keeps the
/// segments long.
fn segments(buf: &PartBuf, starts: &[usize]) -> Vec<Segment> {
    let key = |m: &RowMeta| (m.file, m.record);
    // Runs: (batch, first row, rows).
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    for (bi, b) in buf.batches.iter().enumerate() {
        let metas = &buf.meta[starts[bi]..starts[bi] + b.num_rows()];
        let mut first = 0;
        for i in 1..=metas.len() {
            if i == metas.len() || key(&metas[i]) <= key(&metas[i - 1]) {
                if i > first {
                    runs.push((bi, first, i - first));
                }
                first = i;
            }
        }
    }
    let at = |run: usize, pos: usize| {
        let (bi, first, _) = runs[run];
        key(&buf.meta[starts[bi] + first + pos])
    };
    // Heads of the runs not yet used up: (key of the next row, run, position in the run).
    type Head = ((u32, u32), usize, usize);
    let mut heads: BinaryHeap<Reverse<Head>> = (0..runs.len()).map(|r| Reverse((at(r, 0), r, 0))).collect();
    let mut out = Vec::with_capacity(runs.len());
    while let Some(Reverse((_, r, pos))) = heads.pop() {
        let (bi, first, rows) = runs[r];
        let limit = heads.peek().map(|Reverse((k, ..))| *k);
        let mut end = pos + 1;
        while end < rows && limit.is_none_or(|l| at(r, end) < l) {
            end += 1;
        }
        out.push(Segment {
            batch: bi,
            first: first + pos,
            rows: end - pos,
        });
        if end < rows {
            heads.push(Reverse((at(r, end), r, end)));
        }
    }
    out
}

/// Slices shorter than this are copied together before writing: the Parquet writer's cost per
/// call is per column, so objects whose records scatter over many partitions (one record here,
/// one there) would otherwise be written a row at a time.
const SHORT_RUN: usize = 256;

/// Join runs of consecutive short slices into batches of up to [`BATCH_ROWS`] rows; long slices
/// stay as they are (zero-copy).
fn coalesce_short(slices: Vec<RecordBatch>) -> Result<Vec<RecordBatch>, LakeError> {
    if slices.iter().all(|s| s.num_rows() >= SHORT_RUN) {
        return Ok(slices);
    }
    let mut out = Vec::with_capacity(slices.len());
    let mut group: Vec<RecordBatch> = Vec::new();
    let mut group_rows = 0usize;
    let flush = |group: &mut Vec<RecordBatch>, out: &mut Vec<RecordBatch>| -> Result<(), LakeError> {
        match group.len() {
            0 => {}
            1 => out.append(group),
            _ => {
                out.push(arrow::compute::concat_batches(&group[0].schema(), group.iter())?);
                group.clear();
            }
        }
        Ok(())
    };
    for s in slices {
        if s.num_rows() >= SHORT_RUN {
            flush(&mut group, &mut out)?;
            group_rows = 0;
            out.push(s);
            continue;
        }
        group_rows += s.num_rows();
        group.push(s);
        if group_rows >= BATCH_ROWS {
            flush(&mut group, &mut out)?;
            group_rows = 0;
        }
    }
    flush(&mut group, &mut out)?;
    Ok(out)
}

/// Run an ingest. The caller holds the write lock and has loaded `snap`.
pub(crate) fn run(
    store: &Store,
    snap: &mut Snapshot,
    files: &[InputFile],
    opts: &IngestOptions,
    progress: &dyn Progress,
    pool: &rayon::ThreadPool,
) -> Result<IngestReport, LakeError> {
    let mut report = IngestReport {
        files: files.len() as u64,
        ..IngestReport::default()
    };
    report.orphans_removed = log::remove_orphans(store, snap)?.len() as u64;

    // What to read.
    let mut todo: Vec<InputFile> = Vec::new();
    for f in files {
        if f.kind == ObjectKind::Digest {
            report.digests += 1;
            progress.file_done(f.size.unwrap_or(0));
            continue;
        }
        match plan(f, snap) {
            Plan::Skip => {
                report.already_ingested += 1;
                progress.file_done(f.size.unwrap_or(0));
            }
            Plan::Changed => {
                report.changed.push(f.key.clone());
                todo.push(f.clone());
            }
            Plan::Read => todo.push(f.clone()),
        }
    }

    // Commit-sized chunks, in key order.
    let mut chunks: Vec<&[InputFile]> = Vec::new();
    let mut start = 0;
    let mut acc = 0u64;
    for (i, f) in todo.iter().enumerate() {
        let e = estimate(f);
        if i > start && acc + e > opts.commit_bytes {
            chunks.push(&todo[start..i]);
            start = i;
            acc = 0;
        }
        acc += e;
    }
    if start < todo.len() {
        chunks.push(&todo[start..]);
    }

    let mut cache = DedupeCache::default();
    for chunk in chunks {
        ingest_chunk(store, snap, chunk, opts, progress, pool, &mut cache, &mut report)?;
        cache.trim(opts.dedupe_keys);
    }
    if snap.since_checkpoint >= 64 {
        log::checkpoint(store, snap)?;
    }
    Ok(report)
}

/// Read a chunk's objects on the pool's threads, each into its own sink; returns the sinks and
/// every object's summary (by position in `chunk`).
///
/// Workers take objects in blocks of consecutive keys, so a worker's batches hold long runs in
/// key order (see [`segments`]), and the blocks are small enough (a thirty-second of a worker's
/// share, at most 64 objects) that workers finish together. The pool's threads live for the
/// whole ingest, so the memory one commit frees is reused by the next on the same threads.
fn read_chunk<S: Sink + Send>(
    pool: &rayon::ThreadPool,
    chunk: &[InputFile],
    opts: &ReadOptions,
    progress: &dyn Progress,
    make: impl Fn() -> S + Sync,
) -> (Vec<S>, Vec<FileSummary>) {
    let threads = pool.current_num_threads().max(1);
    let block = (chunk.len() / (threads * 32)).clamp(1, 64);
    let next = AtomicUsize::new(0);
    let summaries: Vec<Mutex<FileSummary>> = chunk.iter().map(|_| Mutex::new(FileSummary::default())).collect();
    let sinks = pool.broadcast(|_| {
        let mut sink = make();
        let mut worker = Worker::default();
        loop {
            let first = next.fetch_add(block, Ordering::Relaxed);
            if first >= chunk.len() {
                break;
            }
            for (i, file) in chunk.iter().enumerate().skip(first).take(block) {
                let summary = worker.read(file, opts, &mut sink);
                progress.file_done(summary.stored_bytes.max(file.size.unwrap_or(0)));
                if let Ok(mut slot) = summaries[i].lock() {
                    *slot = summary;
                }
            }
        }
        sink
    });
    let summaries = summaries
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_default())
        .collect();
    (sinks, summaries)
}

#[allow(clippy::too_many_arguments)]
fn ingest_chunk(
    store: &Store,
    snap: &mut Snapshot,
    chunk: &[InputFile],
    opts: &IngestOptions,
    progress: &dyn Progress,
    pool: &rayon::ThreadPool,
    cache: &mut DedupeCache,
    report: &mut IngestReport,
) -> Result<(), LakeError> {
    let shared = Shared {
        snap,
        seen: Mutex::new(HashMap::new()),
        ingest_micros: opts.ingest_micros,
    };
    let (sinks, summaries) = read_chunk(pool, chunk, &opts.read, progress, || {
        IngestSink::new(&shared, opts.max_issues)
    });
    let mut parts: HashMap<(Table, PartitionValues), PartBuf> = HashMap::new();
    let mut objects: HashMap<usize, ObjectStat> = HashMap::new();
    for sink in sinks {
        let done = sink.into_parts()?;
        for (k, mut buf) in done.parts {
            let slot = parts.entry(k).or_default();
            slot.batches.append(&mut buf.batches);
            slot.meta.append(&mut buf.meta);
        }
        objects.extend(done.objects);
        report.skips += done.skips;
        report.warnings += done.warnings;
        report.without_event_id += done.without_event_id;
        let room = opts.max_issues.saturating_sub(report.issues.len());
        report.issues.extend(done.issues.into_iter().take(room));
    }
    for s in &summaries {
        report.stored_bytes += s.stored_bytes;
        report.text_bytes += s.text_bytes;
    }

    // Indexes for the partitions this chunk touches.
    let seq = snap.seq + 1;
    let mut work: Vec<((Table, PartitionValues), PartBuf)> = parts.into_iter().collect();
    work.sort_by(|a, b| a.0.cmp(&b.0));
    let mut inputs = Vec::with_capacity(work.len());
    for (n, (part, buf)) in work.into_iter().enumerate() {
        let index = cache.indexes.remove(&part);
        inputs.push((n, part, buf, index));
    }
    let snap_ref: &Snapshot = snap;
    let results: Vec<Result<Written, LakeError>> = pool.install(|| {
        inputs
            .into_par_iter()
            .map(|(n, part, buf, index)| {
                let index = match index {
                    Some(i) => i,
                    None => load_index(store, snap_ref, part.0, &part.1)?,
                };
                let mut w = build_partition(part, buf, index, seq, n, &opts.write)?;
                if let Some(entry) = &w.entry {
                    store.put(&entry.path, Bytes::from(std::mem::take(&mut w.bytes)))?;
                }
                Ok(w)
            })
            .collect()
    });

    let mut add: Vec<FileEntry> = Vec::new();
    let mut per_file: HashMap<u32, (u64, u64)> = HashMap::new();
    let mut first_error = None;
    for r in results {
        match r {
            Ok(w) => {
                if let Some(entry) = w.entry {
                    match entry.table {
                        Table::Events => report.events_added += entry.rows,
                        Table::Insights => report.insights_added += entry.rows,
                    }
                    report.files_written += 1;
                    report.bytes_written += entry.bytes;
                    add.push(entry);
                }
                for (f, (a, d)) in w.per_file {
                    let slot = per_file.entry(f).or_default();
                    slot.0 += a;
                    slot.1 += d;
                }
                cache.touched.insert(w.part.clone(), seq);
                cache.indexes.insert(w.part, w.index);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        // Files already written are orphans: the next run removes them. The indexes may hold
        // keys of rows that were not committed, so they are dropped.
        cache.indexes.clear();
        cache.touched.clear();
        return Err(e);
    }

    // The ledger entries of this chunk's objects.
    let mut entries: Vec<ObjectEntry> = Vec::new();
    for (i, file) in chunk.iter().enumerate() {
        let summary = summaries.get(i).copied().unwrap_or_default();
        let stat = objects.get(&file.id).cloned().unwrap_or_default();
        // A file that could not be opened at all is not recorded, so the next run tries again.
        if !summary.complete && summary.stored_bytes == 0 && summary.records == 0 && stat.sha256.is_none() {
            continue;
        }
        let (added, dups) = per_file
            .get(&u32::try_from(file.id).unwrap_or(u32::MAX))
            .copied()
            .unwrap_or_default();
        report.duplicates += dups;
        if stat.same_as.is_some() {
            report.same_content += 1;
        } else {
            report.files_read += 1;
            report.records += summary.records;
        }
        entries.push(ObjectEntry {
            key: file.key.clone(),
            size: file.size.unwrap_or(summary.stored_bytes),
            sha256: stat.sha256,
            records: if stat.same_as.is_some() { 0 } else { summary.records },
            added,
            duplicates: dups,
            complete: summary.complete,
            same_as: stat.same_as,
        });
    }
    add.sort_by(|a, b| a.path.cmp(&b.path));
    let commit = Commit {
        layout: 0,
        seq: 0,
        kind: CommitKind::Ingest,
        time: opts.ingest_micros,
        writer: opts.writer.clone(),
        add,
        remove: Vec::new(),
        objects: entries,
    };
    log::commit(store, snap, commit)?;
    report.commits += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::Int32Array;

    use super::*;

    /// A partition buffer whose batches hold rows with these (object, record) keys.
    fn buf(batches: &[&[(u32, u32)]]) -> (PartBuf, Vec<usize>) {
        let mut b = PartBuf::default();
        let mut starts = Vec::new();
        for keys in batches {
            starts.push(b.meta.len());
            let col = Int32Array::from(vec![0; keys.len()]);
            b.batches
                .push(RecordBatch::try_from_iter([("x", Arc::new(col) as _)]).unwrap());
            b.meta.extend(keys.iter().map(|&(file, record)| RowMeta {
                file,
                record,
                key: None,
            }));
        }
        (b, starts)
    }

    fn order(batches: &[&[(u32, u32)]]) -> (Vec<(u32, u32)>, usize) {
        let (b, starts) = buf(batches);
        let segs = segments(&b, &starts);
        let keys = segs
            .iter()
            .flat_map(|s| {
                let base = starts[s.batch] + s.first;
                (0..s.rows).map(move |i| base + i)
            })
            .map(|m| (b.meta[m].file, b.meta[m].record))
            .collect();
        (keys, segs.len())
    }

    #[test]
    fn segments_merge_workers_runs_in_object_order() {
        // Two workers that took blocks of objects in turn.
        let (keys, n) = order(&[
            &[(0, 0), (0, 1), (1, 0), (4, 0), (4, 1)],
            &[(2, 0), (3, 0), (3, 1), (5, 0)],
        ]);
        assert_eq!(
            keys,
            [(0, 0), (0, 1), (1, 0), (2, 0), (3, 0), (3, 1), (4, 0), (4, 1), (5, 0)]
        );
        assert_eq!(n, 4, "one segment per block");
        // One worker: a single segment per batch, however many objects it spans.
        let (keys, n) = order(&[&[(0, 0), (1, 0), (1, 1)], &[(2, 0), (2, 1)]]);
        assert_eq!(keys, [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1)]);
        assert_eq!(n, 2);
        // Keys that go back inside a batch still come out in order.
        let (keys, _) = order(&[&[(5, 1), (5, 0), (6, 0)], &[(4, 0)]]);
        assert_eq!(keys, [(4, 0), (5, 0), (5, 1), (6, 0)]);
        // Nothing at all.
        assert_eq!(order(&[]).1, 0);
        assert_eq!(order(&[&[]]).1, 0);
    }

    #[test]
    fn short_slices_are_joined_and_long_ones_kept() {
        let batch = |n: usize| {
            let col = Int32Array::from((0..n as i32).collect::<Vec<_>>());
            RecordBatch::try_from_iter([("x", Arc::new(col) as _)]).unwrap()
        };
        let out = coalesce_short(vec![batch(3), batch(5), batch(SHORT_RUN), batch(1), batch(2)]).unwrap();
        let rows: Vec<usize> = out.iter().map(RecordBatch::num_rows).collect();
        assert_eq!(rows, [8, SHORT_RUN, 3]);
        let values: Vec<i32> = out[0]
            .column(0)
            .as_any()
            .downcast_ref::<Int32Array>()
            .unwrap()
            .values()
            .to_vec();
        assert_eq!(values, [0, 1, 2, 0, 1, 2, 3, 4]);
    }
}
