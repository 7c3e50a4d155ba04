//! Parquet files: writer settings per column, and one partition's rows → one file.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::error::LakeError;
use crate::log::{FileEntry, PartitionValues, StrRange};
use crate::schema::{Enc, LAYOUT_VERSION, Table, string_leaves, time_leaves};

/// How files are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    /// Rows per row group.
    pub row_group_rows: usize,
    /// Zstandard level.
    pub zstd_level: i32,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            row_group_rows: 128 * 1024,
            zstd_level: 1,
        }
    }
}

/// Writer properties for a table: Zstandard, dictionary pages only where values repeat, and
/// statistics only where they are cheap or pruning uses them.
///
/// Time columns get page-level min/max (row-group and page pruning of time ranges); other
/// fixed-width columns chunk-level; strings none. The writer computes string min/max row by row
/// (for a dictionary column, by looking every row's value up), and on 128 Ki-row row groups of
/// one partition a string column's range spans almost every value, so it would prune nothing
/// while costing a tenth of the encoding time. Partition values (account, region, date) prune
/// by folder, and the ledger keeps each file's recipient and region range.
pub(crate) fn properties(table: Table, opts: &WriteOptions) -> WriterProperties {
    let level = ZstdLevel::try_new(opts.zstd_level).unwrap_or_default();
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_statistics_truncate_length(Some(64))
        .set_created_by(format!(
            "trailguard {} (lake layout {LAYOUT_VERSION})",
            env!("CARGO_PKG_VERSION")
        ))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "trailguard.layout".to_owned(),
            LAYOUT_VERSION.to_string(),
        )]));
    for (path, enc) in string_leaves(table.cols()) {
        let col = ColumnPath::from(path.split('.').map(str::to_owned).collect::<Vec<_>>());
        if enc == Enc::Unique {
            b = b.set_column_dictionary_enabled(col.clone(), false);
        }
        b = b.set_column_statistics_enabled(col, EnabledStatistics::None);
    }
    for path in time_leaves(table.cols()) {
        let col = ColumnPath::from(path.split('.').map(str::to_owned).collect::<Vec<_>>());
        b = b.set_column_statistics_enabled(col, EnabledStatistics::Page);
    }
    b.build()
}

/// Write `parts` (slices of a partition's rows, in file order) as one Parquet file; returns the
/// bytes and the file's entry (without its path). The slices are encoded as they are, cut into
/// row groups of `row_group_rows` (no row is copied before encoding), and each row group's
/// columns are encoded in parallel on the current rayon pool: a commit's partitions differ
/// in size, and without this the last, largest one would be encoded on one core.
pub(crate) fn write_file(
    table: Table,
    parts: &[RecordBatch],
    partition: &PartitionValues,
    opts: &WriteOptions,
    path: &str,
) -> Result<(Vec<u8>, FileEntry), LakeError> {
    let props = properties(table, opts);
    let perr = |source| LakeError::Parquet {
        path: path.to_owned(),
        source,
    };
    let memory: usize = parts.iter().map(RecordBatch::get_array_memory_size).sum();
    let mut buf: Vec<u8> = Vec::with_capacity(memory / 4);
    {
        let schema = table.file_schema();
        // The writer sets up the file (schema, Arrow schema metadata, properties); row groups
        // are then encoded column by column on the pool.
        let w = ArrowWriter::try_new(&mut buf, schema.clone(), Some(props)).map_err(perr)?;
        let (mut file, factory) = w.into_serialized_writer().map_err(perr)?;
        // How many leaf columns each top-level column has: its writers come next in order.
        let descr = file.schema_descr();
        let mut leaves_per_column = vec![0usize; schema.fields().len()];
        for leaf in 0..descr.num_columns() {
            if let Some(n) = leaves_per_column.get_mut(descr.get_column_root_idx(leaf)) {
                *n += 1;
            }
        }
        for (n, group) in row_groups(parts, opts.row_group_rows.max(1)).iter().enumerate() {
            let mut writers = factory.create_column_writers(n).map_err(perr)?.into_iter();
            // One task per top-level column, with that column's writers.
            let tasks: Vec<(usize, Vec<ArrowColumnWriter>)> = leaves_per_column
                .iter()
                .enumerate()
                .map(|(col, &leaves)| (col, writers.by_ref().take(leaves).collect()))
                .collect();
            let chunks = tasks
                .into_par_iter()
                .map(|(col, mut ws)| -> Result<Vec<ArrowColumnChunk>, ParquetError> {
                    let field = schema.field(col);
                    for part in group {
                        let leaves = compute_leaves(field, part.column(col))?;
                        if leaves.len() != ws.len() {
                            return Err(ParquetError::General(format!(
                                "column {}: {} leaves for {} writers",
                                field.name(),
                                leaves.len(),
                                ws.len()
                            )));
                        }
                        for (w, leaf) in ws.iter_mut().zip(&leaves) {
                            w.write(leaf)?;
                        }
                    }
                    ws.into_iter().map(ArrowColumnWriter::close).collect()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(perr)?;
            let mut rg = file.next_row_group().map_err(perr)?;
            for chunk in chunks.into_iter().flatten() {
                chunk.append_to_row_group(&mut rg).map_err(perr)?;
            }
            rg.close().map_err(perr)?;
        }
        file.close().map_err(perr)?;
    }
    let mut min_time = i64::MAX;
    let mut max_time = i64::MIN;
    let mut recipient = StrRange::default();
    let mut region = StrRange::default();
    for part in parts.iter().filter(|p| p.num_rows() > 0) {
        if let Some((lo, hi)) = time_range(part) {
            min_time = min_time.min(lo);
            max_time = max_time.max(hi);
        }
        recipient.merge(str_range(part, "recipientaccountid"));
        region.merge(str_range(part, "awsregion"));
    }
    if min_time > max_time {
        (min_time, max_time) = (0, 0);
    }
    let entry = FileEntry {
        table,
        path: path.to_owned(),
        rows: parts.iter().map(|p| p.num_rows() as u64).sum(),
        bytes: buf.len() as u64,
        partition: partition.clone(),
        min_time,
        max_time,
        recipient,
        region,
    };
    Ok((buf, entry))
}

/// `parts` cut into row groups of at most `rows` rows (slices, no copies), empty parts left out.
fn row_groups(parts: &[RecordBatch], rows: usize) -> Vec<Vec<RecordBatch>> {
    let mut out: Vec<Vec<RecordBatch>> = Vec::new();
    let mut current: Vec<RecordBatch> = Vec::new();
    let mut room = rows;
    for part in parts {
        let mut off = 0;
        while off < part.num_rows() {
            let take = room.min(part.num_rows() - off);
            current.push(part.slice(off, take));
            off += take;
            room -= take;
            if room == 0 {
                out.push(std::mem::take(&mut current));
                room = rows;
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The least and greatest `eventtime` of a batch, if it has any.
fn time_range(batch: &RecordBatch) -> Option<(i64, i64)> {
    let t = batch
        .column_by_name("eventtime")?
        .as_primitive_opt::<TimestampMicrosecondType>()?;
    Some((arrow::compute::min(t)?, arrow::compute::max(t)?))
}

fn str_range(batch: &RecordBatch, name: &str) -> StrRange {
    let Some(col) = batch.column_by_name(name) else {
        return StrRange::default();
    };
    let mut r = StrRange {
        nulls: col.null_count() as u64,
        ..StrRange::default()
    };
    let mut see = |v: &str| {
        if r.min.as_deref().is_none_or(|m| v < m) {
            r.min = Some(v.to_owned());
        }
        if r.max.as_deref().is_none_or(|m| v > m) {
            r.max = Some(v.to_owned());
        }
    };
    if let Some(d) = col.as_dictionary_opt::<arrow::datatypes::Int32Type>() {
        // Only the dictionary values that some row uses.
        let values = d.values().as_string::<i32>();
        let mut used = vec![false; values.len()];
        for k in d.keys().iter().flatten() {
            if let Some(u) = usize::try_from(k).ok().and_then(|k| used.get_mut(k)) {
                *u = true;
            }
        }
        for (i, u) in used.iter().enumerate() {
            if *u && values.is_valid(i) {
                see(values.value(i));
            }
        }
    } else if let Some(s) = col.as_string_opt::<i32>() {
        for v in s.iter().flatten() {
            see(v);
        }
    }
    r
}

/// Make a file name unique to its commit: `part-<seq>-<n>.parquet`.
pub(crate) fn file_name(seq: u64, n: usize) -> String {
    format!("part-{seq:08}-{n:05}.parquet")
}

/// Read the given columns of a Parquet file's bytes (for dedupe indexes and compaction).
pub(crate) fn read_file(
    bytes: bytes::Bytes,
    path: &str,
    columns: Option<&[&str]>,
) -> Result<Vec<RecordBatch>, LakeError> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let perr = |source| LakeError::Parquet {
        path: path.to_owned(),
        source,
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(perr)?;
    let builder = match columns {
        Some(cols) => {
            let schema = builder.parquet_schema();
            let roots: Vec<usize> = builder
                .schema()
                .fields()
                .iter()
                .enumerate()
                .filter(|(_, f)| cols.contains(&f.name().as_str()))
                .map(|(i, _)| i)
                .collect();
            let mask = ProjectionMask::roots(schema, roots);
            builder.with_projection(mask)
        }
        None => builder,
    };
    let reader = builder.with_batch_size(64 * 1024).build().map_err(perr)?;
    reader.collect::<Result<Vec<_>, _>>().map_err(LakeError::Arrow)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::Int32Array;

    use super::*;

    #[test]
    fn row_groups_are_cut_across_slices() {
        let batch = |n: i32| {
            let col = Int32Array::from((0..n).collect::<Vec<_>>());
            RecordBatch::try_from_iter([("x", Arc::new(col) as _)]).unwrap()
        };
        let parts = [batch(3), batch(0), batch(5), batch(2)];
        let groups = row_groups(&parts, 4);
        let sizes: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| g.iter().map(RecordBatch::num_rows).collect())
            .collect();
        assert_eq!(sizes, [vec![3, 1], vec![4], vec![2]]);
        // The second group is rows 1..5 of the third part.
        let v = groups[1][0].column(0).as_primitive::<arrow::datatypes::Int32Type>();
        assert_eq!(v.values().to_vec(), [1, 2, 3, 4]);
        assert!(row_groups(&[], 4).is_empty());
    }
}
