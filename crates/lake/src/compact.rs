//! `lake compact`: merge each partition's files into one sorted, deduplicated file.
//!
//! Incremental ingests add a small file per partition per commit (late records land in old
//! partitions as new files); many small files make every query open more files. Compaction
//! writes the merged file first, then one commit that adds it and removes the old ones, then
//! deletes the old files: a crash at any point leaves either the old files or the new one live,
//! never both and never neither.

use std::collections::{BTreeMap, HashSet};

use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::compute::{SortColumn, concat_batches, lexsort_to_indices, take_record_batch};
use bytes::Bytes;
use rayon::prelude::*;

use crate::error::LakeError;
use crate::ingest::strings;
use crate::key::{EventKey, partition_dir};
use crate::log::{self, Commit, CommitKind, FileEntry, PartitionValues, Snapshot};
use crate::schema::Table;
use crate::store::Store;
use crate::write::{WriteOptions, file_name, read_file, write_file};

/// How to compact.
#[derive(Clone, Debug)]
pub struct CompactOptions {
    /// Merge a partition when it has at least this many files.
    pub min_files: usize,
    /// Most rows per merged file (larger partitions get several files).
    pub max_file_rows: usize,
    /// How files are written.
    pub write: WriteOptions,
    /// When (µs since the epoch), recorded in the commit.
    pub time: i64,
    /// Who writes.
    pub writer: String,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            min_files: 2,
            max_file_rows: 4 << 20,
            write: WriteOptions::default(),
            time: 0,
            writer: format!("trailguard {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// What compaction did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CompactReport {
    /// Partitions merged.
    pub partitions: u64,
    /// Files before.
    pub files_before: u64,
    /// Files after (in the merged partitions).
    pub files_after: u64,
    /// Duplicate rows dropped.
    pub duplicates: u64,
    /// Bytes before / after (merged partitions).
    pub bytes_before: u64,
    /// Bytes after.
    pub bytes_after: u64,
    /// Orphans of interrupted runs removed first.
    pub orphans_removed: u64,
}

/// Merge one partition's rows: sort by (time, source key, record), keep the first of each
/// (eventID, recipient).
pub(crate) fn merge_rows(
    batches: &[RecordBatch],
    schema: arrow::datatypes::SchemaRef,
) -> Result<(RecordBatch, u64), LakeError> {
    let all = concat_batches(&schema, batches)?;
    let sort_cols: Vec<SortColumn> = ["eventtime", "src_key", "src_record"]
        .iter()
        .filter_map(|n| all.column_by_name(n))
        .map(|c: &ArrayRef| SortColumn {
            values: c.clone(),
            options: None,
        })
        .collect();
    let idx = lexsort_to_indices(&sort_cols, None)?;
    let ids = all
        .column_by_name("eventid")
        .map(|c| strings(c.as_ref()))
        .unwrap_or_default();
    let accts = all
        .column_by_name("recipientaccountid")
        .map(|c| strings(c.as_ref()))
        .unwrap_or_default();
    let mut seen = HashSet::new();
    let mut keep: Vec<u32> = Vec::with_capacity(all.num_rows());
    let mut dups = 0u64;
    for i in idx.values().iter() {
        let r = *i as usize;
        let id = ids.get(r).and_then(|v| v.as_deref());
        let acct = accts.get(r).and_then(|v| v.as_deref());
        match EventKey::of(id, acct) {
            Some(k) if !seen.insert(k) => dups += 1,
            _ => keep.push(*i),
        }
    }
    let merged = take_record_batch(&all, &UInt32Array::from(keep))?;
    Ok((merged, dups))
}

struct Merged {
    add: Vec<FileEntry>,
    remove: Vec<FileEntry>,
    dups: u64,
}

fn merge_partition(
    store: &Store,
    table: Table,
    pv: &PartitionValues,
    files: &[FileEntry],
    seq: u64,
    n: usize,
    opts: &CompactOptions,
) -> Result<Merged, LakeError> {
    let mut batches = Vec::new();
    for f in files {
        let bytes = store.get(&f.path)?.ok_or_else(|| LakeError::Corrupt {
            path: f.path.clone(),
            reason: "listed in the ledger but missing from storage".into(),
        })?;
        batches.extend(read_file(bytes, &f.path, None)?);
    }
    let schema = table.file_schema();
    // Files written by this layout have exactly this schema; cast defensively otherwise.
    let batches = batches
        .into_iter()
        .map(|b| {
            if b.schema() == schema {
                Ok(b)
            } else {
                let cols = schema
                    .fields()
                    .iter()
                    .map(|f| {
                        let c = b
                            .column_by_name(f.name())
                            .cloned()
                            .unwrap_or_else(|| arrow::array::new_null_array(f.data_type(), b.num_rows()));
                        arrow::compute::cast(&c, f.data_type())
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                RecordBatch::try_new(schema.clone(), cols)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (merged, dups) = merge_rows(&batches, schema)?;
    drop(batches);
    let mut add = Vec::new();
    let step = opts.max_file_rows.max(1);
    let mut off = 0;
    let mut k = 0;
    while off < merged.num_rows() {
        let len = step.min(merged.num_rows() - off);
        let part = merged.slice(off, len);
        let path = format!(
            "{}/{}/{}",
            table.name(),
            partition_dir(pv),
            file_name(seq, n * 1000 + k)
        );
        let (bytes, entry) = write_file(table, std::slice::from_ref(&part), pv, &opts.write, &path)?;
        store.put(&path, Bytes::from(bytes))?;
        add.push(entry);
        off += len;
        k += 1;
    }
    Ok(Merged {
        add,
        remove: files.to_vec(),
        dups,
    })
}

/// Compact. The caller holds the write lock.
pub(crate) fn run(
    store: &Store,
    snap: &mut Snapshot,
    opts: &CompactOptions,
    pool: &rayon::ThreadPool,
) -> Result<CompactReport, LakeError> {
    let mut report = CompactReport {
        orphans_removed: log::remove_orphans(store, snap)?.len() as u64,
        ..CompactReport::default()
    };
    let mut groups: BTreeMap<(Table, PartitionValues), Vec<FileEntry>> = BTreeMap::new();
    for f in snap.files.values() {
        groups
            .entry((f.table, f.partition.clone()))
            .or_default()
            .push(f.clone());
    }
    let todo: Vec<((Table, PartitionValues), Vec<FileEntry>)> = groups
        .into_iter()
        .filter(|(_, files)| files.len() >= opts.min_files.max(2))
        .collect();
    // Commit in groups, so a long compaction makes durable progress.
    let per_commit = pool.current_num_threads().max(1) * 4;
    for group in todo.chunks(per_commit) {
        let seq = snap.seq + 1;
        let results: Vec<Result<Merged, LakeError>> = pool.install(|| {
            group
                .par_iter()
                .enumerate()
                .map(|(n, ((table, pv), files))| merge_partition(store, *table, pv, files, seq, n, opts))
                .collect()
        });
        let mut add = Vec::new();
        let mut remove = Vec::new();
        let mut first_error = None;
        for r in results {
            match r {
                Ok(m) => {
                    report.partitions += 1;
                    report.files_before += m.remove.len() as u64;
                    report.files_after += m.add.len() as u64;
                    report.bytes_before += m.remove.iter().map(|f| f.bytes).sum::<u64>();
                    report.bytes_after += m.add.iter().map(|f| f.bytes).sum::<u64>();
                    report.duplicates += m.dups;
                    add.extend(m.add);
                    remove.extend(m.remove.into_iter().map(|f| f.path));
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let commit = Commit {
            layout: 0,
            seq: 0,
            kind: CommitKind::Compact,
            time: opts.time,
            writer: opts.writer.clone(),
            add,
            remove: remove.clone(),
            objects: Vec::new(),
        };
        log::commit(store, snap, commit)?;
        for p in remove {
            store.delete(&p)?;
        }
    }
    if report.partitions > 0 {
        log::checkpoint(store, snap)?;
    }
    Ok(report)
}
