//! `ingest`: source objects → deduplicated, partitioned, sorted Parquet files, committed to the
//! ledger in batches so that an interrupted run loses nothing and duplicates nothing.
//!
//! ```text
//! files not in the ledger ─▶ commit-sized chunks ─┬─▶ read_all (every core): Event → Arrow builders
//!                                                 │     per (table, account, region, date)
//!                                                 └─▶ per partition (every core): sort by time,
//!                                                       drop (eventID, recipient) already seen,
//!                                                       write one Parquet file ─▶ commit record
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use trailguard_model::{Event, EventClass};
use trailguard_read::{
    FileSummary, InputFile, Issue, Location, ObjectBytes, ObjectKind, Progress, ReadOptions, RecordAt, Severity, Sink,
    read_all,
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
    /// How to read the source.
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

/// One row's sort and identity facts, kept beside the Arrow rows.
#[derive(Clone, Copy)]
struct RowMeta {
    time: i64,
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
            time: ev.time.millis().saturating_mul(1000),
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

/// Sort, deduplicate and encode one partition's rows.
fn build_partition(
    part: (Table, PartitionValues),
    buf: PartBuf,
    mut index: HashSet<EventKey>,
    seq: u64,
    n: usize,
    opts: &WriteOptions,
) -> Result<Written, LakeError> {
    let (table, pv) = &part;
    // Order by (time, source file, record): deterministic whatever the thread schedule, and
    // the earliest copy of a duplicate (in key order) is the one kept.
    let mut order: Vec<(i64, u32, u32, u32, u32)> = Vec::with_capacity(buf.meta.len());
    let mut m = 0usize;
    for (bi, b) in buf.batches.iter().enumerate() {
        for ri in 0..b.num_rows() {
            let meta = buf.meta[m];
            order.push((meta.time, meta.file, meta.record, bi as u32, ri as u32));
            m += 1;
        }
    }
    order.sort_unstable();
    // Metas in batch order, for the key lookup below.
    let mut starts = Vec::with_capacity(buf.batches.len());
    let mut acc = 0usize;
    for b in &buf.batches {
        starts.push(acc);
        acc += b.num_rows();
    }
    let mut keep: Vec<(usize, usize)> = Vec::with_capacity(order.len());
    let mut per_file: HashMap<u32, (u64, u64)> = HashMap::new();
    for (_, file, _, bi, ri) in order {
        let meta = buf.meta[starts[bi as usize] + ri as usize];
        let fresh = match meta.key {
            Some(k) => index.insert(k),
            None => true,
        };
        let slot = per_file.entry(file).or_default();
        if fresh {
            slot.0 += 1;
            keep.push((bi as usize, ri as usize));
        } else {
            slot.1 += 1;
        }
    }
    let (entry, bytes) = if keep.is_empty() {
        (None, Vec::new())
    } else {
        let refs: Vec<&RecordBatch> = buf.batches.iter().collect();
        let batch = arrow::compute::interleave_record_batch(&refs, &keep)?;
        drop(refs);
        drop(buf);
        let path = format!("{}/{}/{}", table.name(), partition_dir(pv), file_name(seq, n));
        let (bytes, entry) = write_file(*table, &batch, pv, opts, &path)?;
        (Some(entry), bytes)
    };
    Ok(Written {
        entry,
        bytes,
        per_file,
        index,
        part,
    })
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
    let (sinks, summaries) = read_all(chunk, &opts.read, progress, || {
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
