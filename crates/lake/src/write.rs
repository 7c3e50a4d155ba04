//! Parquet files: writer settings per column, and one partition's rows → one file.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;

use crate::error::LakeError;
use crate::log::{FileEntry, PartitionValues, StrRange};
use crate::schema::{Enc, LAYOUT_VERSION, Table, leaf_encodings};

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

/// Writer properties for a table: Zstandard, dictionary pages only where values repeat, page
/// statistics where pruning uses them, none on JSON payloads.
pub(crate) fn properties(table: Table, opts: &WriteOptions) -> WriterProperties {
    let level = ZstdLevel::try_new(opts.zstd_level).unwrap_or_default();
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_statistics_truncate_length(Some(64))
        .set_created_by(format!(
            "trailguard {} (lake layout {LAYOUT_VERSION})",
            env!("CARGO_PKG_VERSION")
        ))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "trailguard.layout".to_owned(),
            LAYOUT_VERSION.to_string(),
        )]));
    for (path, enc, json) in leaf_encodings(table.cols()) {
        let col = ColumnPath::from(path.split('.').map(str::to_owned).collect::<Vec<_>>());
        if enc == Enc::Unique {
            b = b.set_column_dictionary_enabled(col.clone(), false);
        }
        if json {
            b = b.set_column_statistics_enabled(col, EnabledStatistics::None);
        }
    }
    b.build()
}

/// Write `batch` (already sorted) as one Parquet file; returns the bytes and the file's entry
/// (without its path).
pub(crate) fn write_file(
    table: Table,
    batch: &RecordBatch,
    partition: &PartitionValues,
    opts: &WriteOptions,
    path: &str,
) -> Result<(Vec<u8>, FileEntry), LakeError> {
    let props = properties(table, opts);
    let perr = |source| LakeError::Parquet {
        path: path.to_owned(),
        source,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(batch.get_array_memory_size() / 4);
    {
        let mut w = ArrowWriter::try_new(&mut buf, table.file_schema(), Some(props)).map_err(perr)?;
        let step = opts.row_group_rows.max(1);
        let mut off = 0;
        while off < batch.num_rows() {
            let len = step.min(batch.num_rows() - off);
            w.write(&batch.slice(off, len)).map_err(perr)?;
            off += len;
        }
        w.close().map_err(perr)?;
    }
    let (min_time, max_time) = time_range(batch);
    let entry = FileEntry {
        table,
        path: path.to_owned(),
        rows: batch.num_rows() as u64,
        bytes: buf.len() as u64,
        partition: partition.clone(),
        min_time,
        max_time,
        recipient: str_range(batch, "recipientaccountid"),
        region: str_range(batch, "awsregion"),
    };
    Ok((buf, entry))
}

fn time_range(batch: &RecordBatch) -> (i64, i64) {
    let Some(col) = batch.column_by_name("eventtime") else {
        return (0, 0);
    };
    let Some(t) = col.as_primitive_opt::<TimestampMicrosecondType>() else {
        return (0, 0);
    };
    let min = arrow::compute::min(t).unwrap_or(0);
    let max = arrow::compute::max(t).unwrap_or(0);
    (min, max)
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
