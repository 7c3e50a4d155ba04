//! `resources_match(resources, 'type' | 'name', value)`: the `ResourceType` and `ResourceName`
//! lookup attributes of `LookupEvents` over the `resources` list: `type` is true when some
//! resource has that type; `name` when some resource's ARN equals the value or ends in it (the
//! name after the ARN's last `/` or `:`).

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray, BooleanBuilder};
use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use trailguard_model::lookup::resource_name;

use super::{DOC_SECTION, StrArg, all_scalar, finish};

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ResourcesMatch {
    signature: Signature,
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION,
        "LookupEvents' ResourceType / ResourceName test over the resources list.",
        "resources_match(resources, 'name', 'my-bucket')",
    )
    .with_argument("resources", "the resources column")
    .with_argument("kind", "'type' or 'name'")
    .with_argument("value", "the type (AWS::S3::Bucket) or the name / ARN")
    .build()
});

impl ScalarUDFImpl for ResourcesMatch {
    fn name(&self) -> &str {
        "resources_match"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        match arg_types {
            [l @ DataType::List(_), k, v] => {
                Ok(vec![l.clone(), super::string_arg_type(k)?, super::string_arg_type(v)?])
            }
            _ => Err(DataFusionError::Plan(
                "resources_match takes (resources, 'type' | 'name', value)".into(),
            )),
        }
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let n = if scalar { 1 } else { args.number_rows };
        let list = args.args[0].to_array(n)?;
        let list = list.as_list::<i32>();
        let kind = StrArg::new(&args.args[1])?;
        let value = StrArg::new(&args.args[2])?;
        let items = list.values().as_struct();
        let column = |name: &str| -> DfResult<Option<StrArg>> {
            items
                .column_by_name(name)
                .map(|c| StrArg::new(&ColumnarValue::Array(c.clone())))
                .transpose()
        };
        let arns = column("arn")?;
        let types = column("type")?;
        let mut b = BooleanBuilder::with_capacity(n);
        for i in 0..n {
            let (Some(k), Some(v)) = (kind.get(i), value.get(i)) else {
                b.append_null();
                continue;
            };
            if list.is_null(i) {
                b.append_value(false);
                continue;
            }
            let offsets = list.value_offsets();
            let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
            let hit = match k {
                "type" => types
                    .as_ref()
                    .is_some_and(|t| (start..end).any(|j| t.get(j) == Some(v))),
                "name" => arns.as_ref().is_some_and(|a| {
                    (start..end).any(|j| a.get(j).is_some_and(|arn| arn == v || resource_name(arn) == v))
                }),
                other => {
                    return Err(DataFusionError::Execution(format!(
                        "resources_match: kind must be 'type' or 'name', not {other:?}"
                    )));
                }
            };
            b.append_value(hit);
        }
        finish(Arc::new(b.finish()), scalar)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

pub(crate) fn udf() -> ScalarUDF {
    ScalarUDF::from(ResourcesMatch {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}
