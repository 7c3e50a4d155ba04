//! Arrow builders driven by the column tree of [`crate::schema`]: records are appended straight
//! from the borrowed [`trailguard_model::Event`] (no serde, no intermediate strings) and finished
//! into `RecordBatch`es.

use std::sync::Arc;

use arrow::array::NullBufferBuilder;
use arrow::array::{
    Array, ArrayBuilder, ArrayRef, BooleanBuilder, DictionaryArray, Float64Builder, Int64Builder, ListArray,
    PrimitiveArray, PrimitiveBuilder, StringBuilder, StructArray, TimestampMicrosecondBuilder,
};
use arrow::buffer::{OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{ArrowPrimitiveType, Int32Type, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use rustc_hash::FxHashMap;
use trailguard_model::FieldId;

use crate::row::Row;
use crate::schema::{Col, Enc, Table, resource_fields};

/// Room for a batch slightly larger than the last one, so that a builder sized like the last
/// batch does not double (copying everything) for a few more rows.
fn headroom(n: usize) -> usize {
    n + n / 8
}

/// A dictionary-encoded string column: keys into the distinct values of this batch.
///
/// CloudTrail's low-cardinality columns repeat values in runs (one object holds one account,
/// region and often one service), so a value equal to the previous one is recognised by a
/// comparison, without hashing; others go through an FxHash map. A batch holds at most
/// `BATCH_ROWS` rows (and their resources), far below `i32::MAX` distinct values.
struct DictB {
    keys: Vec<i32>,
    nulls: NullBufferBuilder,
    values: StringBuilder,
    index: FxHashMap<Box<str>, i32>,
    /// Key of the last value appended.
    last: Option<i32>,
}

impl DictB {
    fn new() -> Self {
        DictB {
            keys: Vec::new(),
            nulls: NullBufferBuilder::new(0),
            values: StringBuilder::new(),
            index: FxHashMap::default(),
            last: None,
        }
    }

    fn value(&self, key: i32) -> &[u8] {
        let offsets = self.values.offsets_slice();
        let k = key as usize;
        match (offsets.get(k), offsets.get(k + 1)) {
            (Some(&a), Some(&b)) => self
                .values
                .values_slice()
                .get(a as usize..b as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }

    fn append(&mut self, v: Option<&str>) {
        let Some(v) = v else {
            self.keys.push(0);
            self.nulls.append_null();
            return;
        };
        let key = match self.last {
            Some(k) if self.value(k) == v.as_bytes() => k,
            _ => {
                let k = match self.index.get(v) {
                    Some(k) => *k,
                    None => {
                        let k = i32::try_from(self.values.len()).unwrap_or(i32::MAX);
                        self.values.append_value(v);
                        self.index.insert(v.into(), k);
                        k
                    }
                };
                self.last = Some(k);
                k
            }
        };
        self.keys.push(key);
        self.nulls.append_non_null();
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let rows = self.keys.len();
        let keys = std::mem::replace(&mut self.keys, Vec::with_capacity(headroom(rows)));
        let keys = PrimitiveArray::<Int32Type>::new(ScalarBuffer::from(keys), self.nulls.finish());
        let values = self.values.finish();
        self.index.clear();
        self.last = None;
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values))?))
    }
}

/// One leaf or struct of the builder tree.
enum B {
    Dict(DictB),
    Str(StringBuilder),
    Bool(BooleanBuilder),
    Time(TimestampMicrosecondBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Struct { nulls: NullBufferBuilder, children: Vec<B> },
    Resources(Box<ResourcesB>),
}

struct ResourcesB {
    offsets: Vec<i32>,
    nulls: NullBufferBuilder,
    arn: StringBuilder,
    account: StringBuilder,
    kind: DictB,
    prefix: StringBuilder,
}

impl ResourcesB {
    fn new() -> Self {
        ResourcesB {
            offsets: vec![0],
            nulls: NullBufferBuilder::new(0),
            arn: StringBuilder::new(),
            account: StringBuilder::new(),
            kind: DictB::new(),
            prefix: StringBuilder::new(),
        }
    }

    fn append(&mut self, row: Option<&Row<'_, '_>>) {
        let last = self.offsets.last().copied().unwrap_or(0);
        let Some(r) =
            row.filter(|r| r.ev.present.contains(FieldId::Resources) && !r.ev.nulls.contains(FieldId::Resources))
        else {
            self.nulls.append_null();
            self.offsets.push(last);
            return;
        };
        for res in &r.ev.resources {
            self.arn.append_option(res.arn.as_deref());
            self.account.append_option(res.account_id.as_deref());
            self.kind.append(res.resource_type.as_deref());
            self.prefix.append_option(res.arn_prefix.as_deref());
        }
        self.nulls.append_non_null();
        // Offsets are i32: a batch never holds 2^31 resources (batches are bounded in rows and
        // a record holds at most a few hundred resources).
        let n = i32::try_from(r.ev.resources.len()).unwrap_or(i32::MAX);
        self.offsets.push(last.saturating_add(n));
    }

    fn finish(&mut self) -> Result<ArrayRef, ArrowError> {
        let fields = resource_fields();
        let children: Vec<ArrayRef> = vec![
            finish_str(&mut self.arn),
            finish_str(&mut self.account),
            self.kind.finish()?,
            finish_str(&mut self.prefix),
        ];
        let items = StructArray::try_new(fields.clone(), children, None)?;
        let mut next = Vec::with_capacity(headroom(self.offsets.len()));
        next.push(0);
        let offsets = std::mem::replace(&mut self.offsets, next);
        let item_field = Arc::new(arrow::datatypes::Field::new(
            "item",
            arrow::datatypes::DataType::Struct(fields),
            true,
        ));
        let list = ListArray::try_new(
            item_field,
            OffsetBuffer::new(offsets.into()),
            Arc::new(items),
            self.nulls.finish(),
        )?;
        Ok(Arc::new(list))
    }
}

/// Finish a primitive builder and size the next batch's like this one (same type, time zone
/// included).
fn finish_primitive<T: ArrowPrimitiveType>(b: &mut PrimitiveBuilder<T>) -> ArrayRef {
    let a = b.finish();
    *b = PrimitiveBuilder::<T>::with_capacity(headroom(a.len())).with_data_type(a.data_type().clone());
    Arc::new(a)
}

/// Finish a string builder and size the next batch's like this one.
fn finish_str(b: &mut StringBuilder) -> ArrayRef {
    let (rows, bytes) = (b.len(), b.values_slice().len());
    let a = b.finish();
    *b = StringBuilder::with_capacity(headroom(rows), headroom(bytes));
    Arc::new(a)
}

impl B {
    fn new(col: &Col) -> B {
        match col {
            Col::Str { enc: Enc::Dict, .. } => B::Dict(DictB::new()),
            Col::Str { .. } | Col::Json { .. } => B::Str(StringBuilder::new()),
            Col::Bool { .. } => B::Bool(BooleanBuilder::new()),
            Col::Time { .. } => B::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            Col::Int { .. } => B::Int(Int64Builder::new()),
            Col::Float { .. } => B::Float(Float64Builder::new()),
            Col::Struct { fields, .. } => B::Struct {
                nulls: NullBufferBuilder::new(0),
                children: fields.iter().map(B::new).collect(),
            },
            Col::Resources { .. } => B::Resources(Box::new(ResourcesB::new())),
        }
    }

    /// Append the value of `col` for `row`, or NULL when `row` is `None` (a parent struct is
    /// NULL).
    fn append(&mut self, col: &Col, row: Option<&Row<'_, '_>>) {
        match (self, col) {
            (B::Dict(b), Col::Str { get, .. }) => b.append(row.and_then(|r| get(r))),
            (B::Str(b), Col::Str { get, .. } | Col::Json { get, .. }) => b.append_option(row.and_then(|r| get(r))),
            (B::Bool(b), Col::Bool { get, .. }) => b.append_option(row.and_then(|r| get(r))),
            (B::Time(b), Col::Time { get, .. }) => b.append_option(row.and_then(|r| get(r))),
            (B::Int(b), Col::Int { get, .. }) => b.append_option(row.and_then(|r| get(r))),
            (B::Float(b), Col::Float { get, .. }) => b.append_option(row.and_then(|r| get(r))),
            (B::Struct { nulls, children }, Col::Struct { present, fields, .. }) => {
                let inner = row.filter(|r| present(r));
                nulls.append(inner.is_some());
                for (b, c) in children.iter_mut().zip(fields.iter()) {
                    b.append(c, inner);
                }
            }
            (B::Resources(b), Col::Resources { .. }) => b.append(row),
            // The tree is built from the same columns it is driven by.
            _ => debug_assert!(false, "builder and column disagree"),
        }
    }

    fn finish(&mut self, col: &Col) -> Result<ArrayRef, ArrowError> {
        Ok(match self {
            B::Dict(b) => b.finish()?,
            B::Str(b) => finish_str(b),
            B::Bool(b) => {
                let a = b.finish();
                *b = BooleanBuilder::with_capacity(headroom(a.len()));
                Arc::new(a)
            }
            B::Time(b) => finish_primitive(b),
            B::Int(b) => finish_primitive(b),
            B::Float(b) => finish_primitive(b),
            B::Struct { nulls, children } => {
                let Col::Struct { fields, .. } = col else {
                    return Err(ArrowError::SchemaError("builder and column disagree".into()));
                };
                let arrays = children
                    .iter_mut()
                    .zip(fields.iter())
                    .map(|(b, c)| b.finish(c))
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(StructArray::try_new(
                    crate::schema::fields_of(fields),
                    arrays,
                    nulls.finish(),
                )?)
            }
            B::Resources(b) => b.finish()?,
        })
    }
}

/// Builds batches of one table's rows.
pub(crate) struct BatchBuilder {
    table: Table,
    schema: SchemaRef,
    builders: Vec<B>,
    rows: usize,
}

impl BatchBuilder {
    pub(crate) fn new(table: Table) -> Self {
        let cols = table.cols();
        BatchBuilder {
            table,
            schema: table.file_schema(),
            builders: cols.iter().map(B::new).collect(),
            rows: 0,
        }
    }

    /// Rows appended since the last [`BatchBuilder::finish`].
    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    pub(crate) fn append(&mut self, row: &Row<'_, '_>) {
        for (b, c) in self.builders.iter_mut().zip(self.table.cols().iter()) {
            b.append(c, Some(row));
        }
        self.rows += 1;
    }

    /// The rows appended so far as one batch; the builder starts again empty.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let arrays = self
            .builders
            .iter_mut()
            .zip(self.table.cols().iter())
            .map(|(b, c)| b.finish(c))
            .collect::<Result<Vec<_>, _>>()?;
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::Lineage;
    use arrow::array::{Array, AsArray};
    use trailguard_model::decode_event_text;

    #[test]
    fn builds_a_typed_batch() {
        let texts = [
            r#"{"eventVersion":"1.08","eventTime":"2024-05-01T09:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","eventID":"e1","readOnly":true,
                "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/s","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::1:role/R"},"attributes":{"mfaAuthenticated":"false"}}},
                "requestParameters":{"bucketName":"b","key":"k"},"responseElements":null,
                "resources":[{"ARN":"arn:aws:s3:::b/k","type":"AWS::S3::Object"},{"ARN":"arn:aws:s3:::b","accountId":"1","type":"AWS::S3::Bucket"}]}"#,
            r#"{"eventTime":"2024-05-01T10:00:00Z","eventName":"ConsoleLogin","userIdentity":{"type":"Root"},"resources":[]}"#,
            r#"{"eventTime":"2024-05-01T11:00:00Z","eventName":"X"}"#,
        ];
        let events: Vec<_> = texts.iter().map(|t| decode_event_text(t).unwrap()).collect();
        let mut b = BatchBuilder::new(Table::Events);
        let lineage = Lineage {
            key: "AWSLogs/1/CloudTrail/eu-west-1/2024/05/01/x.json.gz",
            account: Some("1"),
            region: Some("eu-west-1"),
            ingest_micros: 42,
        };
        for (i, ev) in events.iter().enumerate() {
            b.append(&Row::event(ev, lineage, i as u64));
        }
        let batch = b.finish().unwrap();
        assert_eq!(batch.num_rows(), 3);
        assert_eq!(b.len(), 0);
        let ui = batch.column_by_name("useridentity").unwrap().as_struct();
        assert!(ui.is_valid(0) && ui.is_valid(1) && ui.is_null(2));
        let sc = ui.column_by_name("sessioncontext").unwrap().as_struct();
        assert!(sc.is_valid(0) && sc.is_null(1));
        let res = batch.column_by_name("resources").unwrap().as_list::<i32>();
        assert_eq!(res.value_length(0), 2);
        assert!(res.is_valid(1) && res.value_length(1) == 0);
        assert!(res.is_null(2));
        let rp = batch.column_by_name("requestparameters").unwrap().as_string::<i32>();
        assert_eq!(rp.value(0), r#"{"bucketName":"b","key":"k"}"#);
        let re = batch.column_by_name("responseelements").unwrap();
        assert!(re.is_null(0));
        let bucket = batch.column_by_name("rp_bucketname").unwrap().as_string::<i32>();
        assert_eq!(bucket.value(0), "b");
        let t = batch.column_by_name("eventtime").unwrap();
        assert_eq!(
            t.as_primitive::<arrow::datatypes::TimestampMicrosecondType>().value(0),
            1_714_554_000_000_000
        );
        // A second batch from the same builder.
        b.append(&Row::event(&events[2], lineage, 9));
        assert_eq!(b.finish().unwrap().num_rows(), 1);
    }
}
