//! Query results as a table, CSV, JSON lines or Parquet.

use std::io::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::QueryResult;
use crate::error::LakeError;

/// How results are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned columns for a terminal (long cells are cut to `max_width` characters).
    Table {
        /// Widest cell shown, in characters.
        max_width: usize,
    },
    /// CSV with a header; nested values as JSON text.
    Csv,
    /// One JSON object per row.
    JsonLines,
}

fn io(e: std::io::Error) -> LakeError {
    LakeError::Io {
        path: "output".into(),
        source: e,
    }
}

/// Turn a nested column (struct, list, map) into its JSON text, one value per row.
fn nested_as_json(col: &ArrayRef) -> Result<ArrayRef, LakeError> {
    let schema = Arc::new(Schema::new(vec![Field::new("v", col.data_type().clone(), true)]));
    let batch = RecordBatch::try_new(schema, vec![col.clone()])?;
    let mut buf = Vec::new();
    {
        let mut w = arrow::json::LineDelimitedWriter::new(&mut buf);
        w.write(&batch)?;
        w.finish()?;
    }
    let text = String::from_utf8_lossy(&buf);
    let values: Vec<Option<String>> = text
        .lines()
        .map(|line| {
            line.strip_prefix("{\"v\":")
                .and_then(|r| r.strip_suffix('}'))
                .map(str::to_owned)
        })
        .collect();
    if values.len() != col.len() {
        return Err(LakeError::Query(format!(
            "could not write a {} column as JSON text",
            col.data_type()
        )));
    }
    Ok(Arc::new(StringArray::from(values)))
}

/// Columns CSV can hold: nested values as JSON text, dictionaries and views as plain text.
fn flat(batch: &RecordBatch) -> Result<RecordBatch, LakeError> {
    let mut fields = Vec::new();
    let mut cols = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        let (dt, col) = match c.data_type() {
            DataType::Struct(_) | DataType::List(_) | DataType::LargeList(_) | DataType::Map(_, _) => {
                (DataType::Utf8, nested_as_json(c)?)
            }
            DataType::Dictionary(_, _) | DataType::Utf8View | DataType::LargeUtf8 => {
                (DataType::Utf8, arrow::compute::cast(c, &DataType::Utf8)?)
            }
            _ => (c.data_type().clone(), c.clone()),
        };
        fields.push(Field::new(f.name(), dt, true));
        cols.push(col);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl QueryResult {
    /// Write the rows in `format`.
    pub fn write(&self, format: OutputFormat, w: &mut dyn Write) -> Result<(), LakeError> {
        match format {
            OutputFormat::Table { max_width } => {
                let t = self.to_table_with(max_width)?;
                w.write_all(t.as_bytes()).map_err(io)
            }
            OutputFormat::Csv => {
                let mut cw = arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .with_timestamp_tz_format("%Y-%m-%dT%H:%M:%SZ".to_owned())
                    .build(&mut *w);
                if self.batches.is_empty() {
                    let empty = RecordBatch::new_empty(self.schema.clone());
                    cw.write(&flat(&empty)?)?;
                }
                for b in &self.batches {
                    cw.write(&flat(b)?)?;
                }
                Ok(())
            }
            OutputFormat::JsonLines => {
                let mut jw = arrow::json::LineDelimitedWriter::new(&mut *w);
                for b in &self.batches {
                    jw.write(b)?;
                }
                jw.finish()?;
                Ok(())
            }
        }
    }

    /// The rows as an aligned text table (cells cut to 80 characters).
    pub fn to_table(&self) -> String {
        self.to_table_with(80).unwrap_or_else(|e| e.to_string())
    }

    fn to_table_with(&self, max_width: usize) -> Result<String, LakeError> {
        let names: Vec<String> = self.schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let opts = FormatOptions::default()
            .with_null("")
            .with_timestamp_tz_format(Some("%Y-%m-%dT%H:%M:%SZ"));
        for b in &self.batches {
            let fmts = b
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
                .collect::<Result<Vec<_>, _>>()?;
            for r in 0..b.num_rows() {
                rows.push(
                    fmts.iter()
                        .map(|f| {
                            cut(
                                &f.value(r).to_string().replace(['\n', '\r', '\t'], " "),
                                max_width.max(4),
                            )
                        })
                        .collect(),
                );
            }
        }
        let mut widths: Vec<usize> = names.iter().map(|n| n.chars().count()).collect();
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                out.push_str(c);
                if i + 1 < cells.len() {
                    out.extend(std::iter::repeat_n(' ', w - c.chars().count()));
                }
            }
            out.push('\n');
        };
        line(&mut out, &names);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&mut out, &rule);
        for r in &rows {
            line(&mut out, r);
        }
        Ok(out)
    }

    /// Write the rows as one Parquet file (Zstandard).
    pub fn write_parquet(&self, w: &mut (dyn Write + Send)) -> Result<(), LakeError> {
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let perr = |source| LakeError::Parquet {
            path: "output".into(),
            source,
        };
        let schema: SchemaRef = self.schema.clone();
        let mut pw = ArrowWriter::try_new(w, schema, Some(props)).map_err(perr)?;
        for b in &self.batches {
            pw.write(b).map_err(perr)?;
        }
        pw.close().map_err(perr)?;
        Ok(())
    }
}
