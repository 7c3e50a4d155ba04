//! `cloudtrail_record_json(named_struct(...))`: a record's CloudTrail JSON rebuilt from its lake
//! columns (the `eventjson` column of the CloudTrail Lake view).

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray, RecordBatch, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::{DOC_SECTION, all_scalar, finish};
use crate::lookup::rebuild_record;

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct RecordJson {
    signature: Signature,
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION,
        "A record's CloudTrail JSON rebuilt from its columns (payloads and unknown members exactly as ingested; member order and spacing are not the original's).",
        "SELECT eventjson FROM event_data_store LIMIT 1",
    )
    .with_argument("row", "named_struct of the record's columns")
    .build()
});

impl ScalarUDFImpl for RecordJson {
    fn name(&self) -> &str {
        "cloudtrail_record_json"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        match arg_types {
            [t @ DataType::Struct(_)] => Ok(vec![t.clone()]),
            _ => Err(DataFusionError::Plan(
                "cloudtrail_record_json takes one named_struct of the record's columns".into(),
            )),
        }
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let n = if scalar { 1 } else { args.number_rows };
        let arr = args.args[0].to_array(n)?;
        let batch = RecordBatch::from(arr.as_struct().clone());
        let mut b = StringBuilder::with_capacity(n, n * 1024);
        for i in 0..batch.num_rows() {
            if arr.is_null(i) {
                b.append_null();
            } else {
                b.append_value(rebuild_record(&batch, i));
            }
        }
        finish(Arc::new(b.finish()), scalar)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

pub(crate) fn udf() -> ScalarUDF {
    ScalarUDF::from(RecordJson {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}
