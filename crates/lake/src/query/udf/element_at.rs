//! `element_at`: CloudTrail Lake's map access on payloads, and DataFusion's array access.
//!
//! In CloudTrail Lake, `requestParameters` and the other payloads are `map<string,string>`:
//! `element_at(requestParameters, 'bucketName')` gives a top-level member, nested objects come
//! back as JSON text (`json_extract_scalar(element_at(responseElements, 'credentials'),
//! '$.accessKeyId')`). The lake keeps payloads as JSON text, so on a string first argument this
//! function returns the top-level member the same way: strings unescaped, numbers and booleans
//! as written, objects and arrays as their JSON text, NULL for null or missing. On arrays
//! (`element_at(resources, 1).arn`) it is DataFusion's `array_element` (1-based).

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::json::{Step, find};
use super::{DOC_SECTION, map_strings, string_arg_type};
use trailguard_json::Kind;

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// `element_at` over JSON text or arrays.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ElementAt {
    signature: Signature,
    inner: ScalarUDF,
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION,
        "CloudTrail Lake map access on a payload: the top-level member as text (nested values as JSON text). On arrays, the element at a 1-based index.",
        "element_at(requestparameters, 'bucketName')",
    )
    .with_argument("value", "a payload column (JSON text) or an array")
    .with_argument("key", "member name, or 1-based index for arrays")
    .build()
});

impl ElementAt {
    fn new() -> Self {
        ElementAt {
            signature: Signature::user_defined(Volatility::Immutable),
            inner: datafusion::functions_nested::extract::array_element_udf()
                .as_ref()
                .clone(),
        }
    }
}

/// A top-level member the way a Lake `map<string,string>` holds it.
fn member(text: &str, key: &str) -> Option<String> {
    let v = find(text, &[Step::Key(key.to_owned())])?;
    match v.kind() {
        Kind::Null => None,
        Kind::String => v.as_str().map(|s| s.into_owned()),
        _ => Some(v.text().to_owned()),
    }
}

impl ScalarUDFImpl for ElementAt {
    fn name(&self) -> &str {
        "element_at"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        if arg_types.len() == 2 && is_text(&arg_types[0]) {
            return Ok(vec![
                string_arg_type(&arg_types[0])?,
                string_arg_type(&arg_types[1]).unwrap_or(DataType::Utf8),
            ]);
        }
        let fields: Vec<Arc<Field>> = arg_types
            .iter()
            .map(|t| Arc::new(Field::new("a", t.clone(), true)))
            .collect();
        Ok(fields_with_udf(&fields, &self.inner)?
            .iter()
            .map(|f| f.data_type().clone())
            .collect())
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        if arg_types.first().is_some_and(is_text) {
            return Ok(DataType::Utf8);
        }
        self.inner.inner().return_type(arg_types)
    }

    fn return_field_from_args(
        &self,
        args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> DfResult<arrow::datatypes::FieldRef> {
        if args.arg_fields.first().is_some_and(|f| is_text(f.data_type())) {
            return Ok(Arc::new(Field::new(self.name(), DataType::Utf8, true)));
        }
        self.inner.inner().return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        if args.arg_fields.first().is_some_and(|f| is_text(f.data_type())) {
            return map_strings(&args.args, args.number_rows, |v| match (v[0], v[1]) {
                (Some(text), Some(key)) => member(text, key),
                _ => None,
            });
        }
        self.inner.invoke_with_args(args)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

pub(crate) fn udf() -> ScalarUDF {
    ScalarUDF::from(ElementAt::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::udf::test_util::call;

    #[test]
    fn payload_members_like_a_lake_map() {
        let f = udf();
        let doc = r#"{"bucketName":"b","credentials":{"accessKeyId":"ASIA1"},"n":3,"nil":null}"#;
        let got = call(
            &f,
            &[
                vec![Some(doc), Some(doc), Some(doc), Some(doc), Some(doc), None],
                vec![
                    Some("bucketName"),
                    Some("credentials"),
                    Some("n"),
                    Some("nil"),
                    Some("zz"),
                    Some("x"),
                ],
            ],
        );
        assert_eq!(
            got,
            vec![
                Some("b".into()),
                Some(r#"{"accessKeyId":"ASIA1"}"#.into()),
                Some("3".into()),
                None,
                None,
                None
            ]
        );
    }
}
