//! The lake's tables as a DataFusion `TableProvider`.
//!
//! The scan reads exactly the files the ledger names (no directory listing, so an interrupted
//! ingest's orphans are never read, and S3 lakes cost no LIST calls), prunes whole files with the
//! statistics the ledger keeps (partition values, `eventtime`, `recipientaccountid` and
//! `awsregion` ranges) through DataFusion's `PruningPredicate`, and leaves row-group, page and
//! row-level pruning on `eventtime` and other columns to the Parquet reader, into which
//! DataFusion pushes every filter (the filters are reported as inexact).

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, StringArray, TimestampMicrosecondArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::pruning::PruningStatistics;
use datafusion::common::stats::Precision;
use datafusion::common::{Column, DFSchema, ScalarValue, Statistics};
use datafusion::datasource::TableType;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result as DfResult;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_optimizer::pruning::PruningPredicateBuilder;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;

use crate::log::FileEntry;
use crate::schema::{PARTITION_COLUMNS, Table};
use crate::store::Store;

/// The schema of a table as DataFusion sees it: the file columns (top-level strings read as
/// `Utf8View`, which the Parquet reader produces without copying) and the partition columns.
pub(crate) fn table_schema(table: Table) -> SchemaRef {
    let mut fields: Vec<Field> = file_schema_for_reading(table)
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend(partition_fields());
    Arc::new(Schema::new(fields))
}

/// The file schema the reader is asked for.
pub(crate) fn file_schema_for_reading(table: Table) -> SchemaRef {
    let fields: Vec<Field> = table
        .file_schema()
        .fields()
        .iter()
        .map(|f| {
            if f.data_type() == &DataType::Utf8 {
                f.as_ref().clone().with_data_type(DataType::Utf8View)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new(fields))
}

fn partition_fields() -> Vec<Field> {
    vec![
        Field::new(PARTITION_COLUMNS[0], DataType::Utf8, false),
        Field::new(PARTITION_COLUMNS[1], DataType::Utf8, false),
        Field::new(PARTITION_COLUMNS[2], DataType::Date32, false),
    ]
}

/// Days since the epoch of a `YYYY-MM-DD` partition value.
fn date32(text: &str) -> Option<i32> {
    let t = trailguard_model::Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")).ok()?;
    i32::try_from(t.secs().div_euclid(86_400)).ok()
}

/// Undo the partition-value escaping (`%XX`).
fn unescape(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One of the lake's tables over a fixed set of committed files.
pub(crate) struct LakeTable {
    table: Table,
    schema: SchemaRef,
    files: Vec<FileEntry>,
    store: Arc<Store>,
    url: ObjectStoreUrl,
}

impl std::fmt::Debug for LakeTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LakeTable")
            .field("table", &self.table)
            .field("files", &self.files.len())
            .finish()
    }
}

impl LakeTable {
    pub(crate) fn new(table: Table, files: Vec<FileEntry>, store: Arc<Store>, url: ObjectStoreUrl) -> Self {
        LakeTable {
            table,
            schema: table_schema(table),
            files,
            store,
            url,
        }
    }

    /// The files that may hold rows passing `filters`.
    fn prune(&self, state: &dyn Session, filters: &[Expr]) -> Vec<&FileEntry> {
        let all: Vec<&FileEntry> = self.files.iter().collect();
        let Some(expr) = conjunction(filters.iter().cloned()) else {
            return all;
        };
        let Ok(df_schema) = DFSchema::try_from(self.schema.as_ref().clone()) else {
            return all;
        };
        let Ok(physical) = state.create_physical_expr(expr, &df_schema) else {
            return all;
        };
        let Ok(pp) = PruningPredicateBuilder::new()
            .with_file_schema(self.schema.clone())
            .try_build(physical)
        else {
            return all;
        };
        let stats = FileStats { files: &all };
        match pp.prune(&stats) {
            Ok(keep) => all.into_iter().zip(keep).filter(|(_, k)| *k).map(|(f, _)| f).collect(),
            Err(e) => {
                tracing::debug!(error = %e, "file pruning failed; reading every file");
                all
            }
        }
    }

    fn partitioned_file(&self, f: &FileEntry) -> DfResult<PartitionedFile> {
        let path = self
            .store
            .object_path(&f.path)
            .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
        let mut pf = PartitionedFile::new(path.to_string(), f.bytes);
        pf.partition_values = vec![
            ScalarValue::Utf8(Some(unescape(&f.partition.account))),
            ScalarValue::Utf8(Some(unescape(&f.partition.region))),
            ScalarValue::Date32(date32(&f.partition.date)),
        ];
        Ok(pf)
    }
}

#[async_trait]
impl datafusion::catalog::TableProvider for LakeTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let files = self.prune(state, filters);
        if files.is_empty() {
            let schema = match projection {
                Some(p) => Arc::new(self.schema.project(p)?),
                None => self.schema.clone(),
            };
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        // Spread files over the target partitions, largest first, onto the lightest group.
        let n = state.config().target_partitions().max(1).min(files.len());
        let mut sorted = files.clone();
        sorted.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        let mut groups: Vec<(u64, Vec<PartitionedFile>)> = (0..n).map(|_| (0, Vec::new())).collect();
        for f in sorted {
            let pf = self.partitioned_file(f)?;
            if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
                g.0 += f.bytes;
                g.1.push(pf);
            }
        }
        let file_groups: Vec<FileGroup> = groups
            .into_iter()
            .filter(|g| !g.1.is_empty())
            .map(|g| FileGroup::new(g.1))
            .collect();

        let rows: u64 = files.iter().map(|f| f.rows).sum();
        let bytes: u64 = files.iter().map(|f| f.bytes).sum();
        let mut statistics = Statistics::new_unknown(&self.schema);
        statistics.num_rows = Precision::Exact(rows as usize);
        statistics.total_byte_size = Precision::Inexact(bytes as usize);

        let mut options = state.table_options().parquet.clone();
        // The files carry their Arrow schema (dictionary types, UTC timestamps): read it.
        options.global.skip_metadata = false;
        options.global.pushdown_filters = true;
        options.global.reorder_filters = true;
        let format = ParquetFormat::default().with_options(options);
        let table_schema = TableSchema::builder(file_schema_for_reading(self.table))
            .with_table_partition_cols(partition_fields().into_iter().map(Arc::new).collect::<Vec<_>>())
            .build();
        let source = format.file_source(table_schema);
        let config = FileScanConfigBuilder::new(self.url.clone(), source)
            .with_file_groups(file_groups)
            .with_statistics(statistics)
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        format.create_physical_plan(state, config).await
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }
}

/// Per-file statistics from the ledger, for `PruningPredicate`.
struct FileStats<'a> {
    files: &'a [&'a FileEntry],
}

impl FileStats<'_> {
    fn strings(&self, f: impl Fn(&FileEntry) -> Option<String>) -> ArrayRef {
        Arc::new(StringArray::from(self.files.iter().map(|e| f(e)).collect::<Vec<_>>()))
    }

    fn dict(&self, f: impl Fn(&FileEntry) -> Option<String>) -> ArrayRef {
        let values: Vec<Option<String>> = self.files.iter().map(|e| f(e)).collect();
        let arr: DictionaryArray<Int32Type> = values.iter().map(|v| v.as_deref()).collect();
        Arc::new(arr)
    }

    fn value(&self, column: &Column, max: bool) -> Option<ArrayRef> {
        Some(match column.name.as_str() {
            "account" => self.strings(|e| Some(unescape(&e.partition.account))),
            "region" => self.strings(|e| Some(unescape(&e.partition.region))),
            "date" => Arc::new(Date32Array::from(
                self.files.iter().map(|e| date32(&e.partition.date)).collect::<Vec<_>>(),
            )),
            "eventtime" => Arc::new(
                TimestampMicrosecondArray::from(
                    self.files
                        .iter()
                        .map(|e| Some(if max { e.max_time } else { e.min_time }))
                        .collect::<Vec<_>>(),
                )
                .with_timezone("UTC"),
            ),
            "recipientaccountid" => self.dict(|e| {
                if max {
                    e.recipient.max.clone()
                } else {
                    e.recipient.min.clone()
                }
            }),
            "awsregion" => self.dict(|e| {
                if max {
                    e.region.max.clone()
                } else {
                    e.region.min.clone()
                }
            }),
            _ => return None,
        })
    }
}

impl PruningStatistics for FileStats<'_> {
    fn min_values(&self, column: &Column) -> Option<ArrayRef> {
        self.value(column, false)
    }

    fn max_values(&self, column: &Column) -> Option<ArrayRef> {
        self.value(column, true)
    }

    fn num_containers(&self) -> usize {
        self.files.len()
    }

    fn null_counts(&self, column: &Column) -> Option<ArrayRef> {
        let counts: Vec<u64> = match column.name.as_str() {
            "account" | "region" | "date" | "eventtime" => vec![0; self.files.len()],
            "recipientaccountid" => self.files.iter().map(|e| e.recipient.nulls).collect(),
            "awsregion" => self.files.iter().map(|e| e.region.nulls).collect(),
            _ => return None,
        };
        Some(Arc::new(UInt64Array::from(counts)))
    }

    fn row_counts(&self) -> Option<ArrayRef> {
        Some(Arc::new(UInt64Array::from(
            self.files.iter().map(|e| e.rows).collect::<Vec<_>>(),
        )))
    }

    fn contained(&self, _column: &Column, _values: &HashSet<ScalarValue>) -> Option<BooleanArray> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_round_trip() {
        assert_eq!(unescape("..%2F..%2Fetc"), "../../etc");
        assert_eq!(unescape("eu-west-1"), "eu-west-1");
        assert_eq!(unescape("%2"), "%2");
        assert_eq!(date32("1970-01-02"), Some(1));
        assert_eq!(date32("bogus"), None);
    }
}
