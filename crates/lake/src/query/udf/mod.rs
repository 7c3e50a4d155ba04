//! Functions for investigators, registered in every query session (one file per family, each
//! function with its documentation):
//!
//! | function | what it does |
//! |---|---|
//! | `json_extract_scalar(json, path)`, `json_extract(json, path)`, `json_size(json, path)`, `json_array_length(json)` | Athena/Trino JSONPath access to the payload columns (`$.a.b[0]`, `$["x y"]`) |
//! | `element_at(json, key)` | CloudTrail Lake's map access on a payload (`element_at(requestparameters, 'bucketName')`); arrays and maps as usual |
//! | `from_iso8601_timestamp(x)`, `to_iso8601(t)` | Athena's time functions (identity on our typed `eventtime`) |
//! | `arn_partition`, `arn_service`, `arn_region`, `arn_account`, `arn_resource`, `arn_resource_type`, `arn_resource_name`, `arn_role`, `arn_session` | ARN parts; `arn_role` turns an assumed-role session ARN into its role's ARN, `arn_session` gives its session name |
//! | `ip_in_cidr(ip, cidr)`, `cidr_contains(cidr, ip)`, `is_private_ip(ip)` | IPv4/IPv6 network tests on `sourceipaddress` |
//! | `resources_match(resources, kind, value)` | the LookupEvents `ResourceType` / `ResourceName` test |
//! | `filter_pattern_match(eventjson, pattern)` | a CloudWatch Logs filter pattern (metric-filter syntax, e.g. the CIS alarms) matched on a record, as `trailguard_pattern` matches it |
//! | `cloudtrail_record_json(named_struct(…))` | a record's JSON rebuilt from its columns (the Lake view's `eventjson`) |
//!
//! All take any string type (`Utf8`, `Utf8View`, dictionary) without copying the column.

mod arn;
mod cidr;
mod element_at;
mod json;
mod pattern;
mod record;
mod resources;
mod time;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, LargeStringArray, StringArray, StringViewArray};
use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};
use datafusion::prelude::SessionContext;

/// Register every function.
pub(crate) fn register(ctx: &SessionContext) {
    for f in all() {
        ctx.register_udf(f);
    }
}

/// Every function this module provides.
pub(crate) fn all() -> Vec<ScalarUDF> {
    let mut v = Vec::new();
    v.extend(json::udfs());
    v.push(element_at::udf());
    v.extend(time::udfs());
    v.extend(arn::udfs());
    v.extend(cidr::udfs());
    v.push(resources::udf());
    v.push(record::udf());
    v.push(pattern::udf());
    v
}

/// The type a string argument is taken as: dictionaries unpacked, NULL as text, other strings
/// as they are.
pub(crate) fn string_arg_type(t: &DataType) -> DfResult<DataType> {
    Ok(match t {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => t.clone(),
        DataType::Null => DataType::Utf8,
        DataType::Dictionary(_, v) => string_arg_type(v)?,
        other => {
            return Err(DataFusionError::Plan(format!(
                "expected a string argument, found {other}"
            )));
        }
    })
}

/// A string argument, column or scalar, read without copying.
pub(crate) enum StrArg {
    Scalar(Option<String>),
    Utf8(StringArray),
    View(StringViewArray),
    Large(LargeStringArray),
}

impl StrArg {
    pub(crate) fn new(v: &ColumnarValue) -> DfResult<StrArg> {
        Ok(match v {
            ColumnarValue::Scalar(s) => {
                if s.is_null() {
                    StrArg::Scalar(None)
                } else {
                    match s {
                        datafusion::common::ScalarValue::Utf8(x)
                        | datafusion::common::ScalarValue::Utf8View(x)
                        | datafusion::common::ScalarValue::LargeUtf8(x) => StrArg::Scalar(x.clone()),
                        datafusion::common::ScalarValue::Dictionary(_, inner) => match inner.as_ref() {
                            datafusion::common::ScalarValue::Utf8(x)
                            | datafusion::common::ScalarValue::Utf8View(x)
                            | datafusion::common::ScalarValue::LargeUtf8(x) => StrArg::Scalar(x.clone()),
                            other => StrArg::Scalar(Some(other.to_string())),
                        },
                        other => StrArg::Scalar(Some(other.to_string())),
                    }
                }
            }
            ColumnarValue::Array(a) => StrArg::from_array(a)?,
        })
    }

    fn from_array(a: &ArrayRef) -> DfResult<StrArg> {
        Ok(match a.data_type() {
            DataType::Utf8 => StrArg::Utf8(a.as_string::<i32>().clone()),
            DataType::Utf8View => StrArg::View(a.as_string_view().clone()),
            DataType::LargeUtf8 => StrArg::Large(a.as_string::<i64>().clone()),
            DataType::Null => StrArg::Scalar(None),
            DataType::Dictionary(_, _) => {
                let plain = arrow::compute::cast(a, &DataType::Utf8)?;
                StrArg::Utf8(plain.as_string::<i32>().clone())
            }
            other => {
                return Err(DataFusionError::Execution(format!(
                    "expected a string column, found {other}"
                )));
            }
        })
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        match self {
            StrArg::Scalar(s) => s.as_deref(),
            StrArg::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            StrArg::View(a) => a.is_valid(i).then(|| a.value(i)),
            StrArg::Large(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// The number of rows a call covers: the first array argument's length, else 1.
pub(crate) fn rows(args: &[ColumnarValue], number_rows: usize) -> usize {
    args.iter()
        .find_map(|a| match a {
            ColumnarValue::Array(x) => Some(x.len()),
            ColumnarValue::Scalar(_) => None,
        })
        .unwrap_or(number_rows)
}

/// Whether every argument is a scalar (the result is then a scalar too).
pub(crate) fn all_scalar(args: &[ColumnarValue]) -> bool {
    args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)))
}

/// Wrap a result column: a scalar when all inputs were scalars.
pub(crate) fn finish(array: ArrayRef, scalar: bool) -> DfResult<ColumnarValue> {
    if scalar {
        Ok(ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(
            array.as_ref(),
            0,
        )?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// Apply a string function row by row.
pub(crate) fn map_strings(
    args: &[ColumnarValue],
    number_rows: usize,
    mut f: impl FnMut(&[Option<&str>]) -> Option<String>,
) -> DfResult<ColumnarValue> {
    let scalar = all_scalar(args);
    let n = if scalar { 1 } else { rows(args, number_rows) };
    let cols = args.iter().map(StrArg::new).collect::<DfResult<Vec<_>>>()?;
    let mut b = arrow::array::StringBuilder::with_capacity(n, n * 16);
    let mut vals: Vec<Option<&str>> = Vec::with_capacity(cols.len());
    for i in 0..n {
        vals.clear();
        vals.extend(cols.iter().map(|c| c.get(i)));
        b.append_option(f(&vals));
    }
    finish(Arc::new(b.finish()), scalar)
}

/// Apply a string predicate row by row.
pub(crate) fn map_bools(
    args: &[ColumnarValue],
    number_rows: usize,
    mut f: impl FnMut(&[Option<&str>]) -> Option<bool>,
) -> DfResult<ColumnarValue> {
    let scalar = all_scalar(args);
    let n = if scalar { 1 } else { rows(args, number_rows) };
    let cols = args.iter().map(StrArg::new).collect::<DfResult<Vec<_>>>()?;
    let mut b = arrow::array::BooleanBuilder::with_capacity(n);
    let mut vals: Vec<Option<&str>> = Vec::with_capacity(cols.len());
    for i in 0..n {
        vals.clear();
        vals.extend(cols.iter().map(|c| c.get(i)));
        b.append_option(f(&vals));
    }
    finish(Arc::new(b.finish()), scalar)
}

/// Define a scalar function over string arguments in a few lines.
macro_rules! string_udf {
    (
        $(#[$doc:meta])*
        $ty:ident, name: $name:literal, aliases: [$($alias:literal),*], args: $n:expr, returns: $ret:expr,
        doc: ($section:expr, $desc:literal, $example:literal),
        invoke: $invoke:expr
    ) => {
        $(#[$doc])*
        #[derive(Debug, PartialEq, Eq, Hash)]
        pub(crate) struct $ty {
            signature: datafusion::logical_expr::Signature,
            aliases: Vec<String>,
        }

        impl $ty {
            pub(crate) fn new() -> Self {
                $ty {
                    signature: datafusion::logical_expr::Signature::user_defined(
                        datafusion::logical_expr::Volatility::Immutable,
                    ),
                    aliases: vec![$($alias.to_string()),*],
                }
            }
        }

        impl datafusion::logical_expr::ScalarUDFImpl for $ty {
            fn name(&self) -> &str {
                $name
            }
            fn aliases(&self) -> &[String] {
                &self.aliases
            }
            fn signature(&self) -> &datafusion::logical_expr::Signature {
                &self.signature
            }
            fn coerce_types(&self, arg_types: &[arrow::datatypes::DataType]) -> datafusion::error::Result<Vec<arrow::datatypes::DataType>> {
                let allowed: &[usize] = &$n;
                if !allowed.contains(&arg_types.len()) {
                    return Err(datafusion::error::DataFusionError::Plan(format!(
                        "{} takes {:?} arguments, got {}",
                        $name,
                        allowed,
                        arg_types.len()
                    )));
                }
                arg_types.iter().map(crate::query::udf::string_arg_type).collect()
            }
            fn return_type(&self, _arg_types: &[arrow::datatypes::DataType]) -> datafusion::error::Result<arrow::datatypes::DataType> {
                Ok($ret)
            }
            fn invoke_with_args(
                &self,
                args: datafusion::logical_expr::ScalarFunctionArgs,
            ) -> datafusion::error::Result<datafusion::logical_expr::ColumnarValue> {
                let f = $invoke;
                f(&args.args, args.number_rows)
            }
            fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
                static DOC: std::sync::LazyLock<datafusion::logical_expr::Documentation> =
                    std::sync::LazyLock::new(|| {
                        datafusion::logical_expr::Documentation::builder($section, $desc, $example).build()
                    });
                Some(&DOC)
            }
        }
    };
}
pub(crate) use string_udf;

/// The documentation section of trailguard's functions.
pub(crate) const DOC_SECTION: datafusion::logical_expr::DocSection = datafusion::logical_expr::DocSection {
    include: true,
    label: "CloudTrail functions",
    description: Some("Functions trailguard adds for investigating CloudTrail records."),
};

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;
    use datafusion::common::ScalarValue;

    /// Run `udf` on string columns (None = NULL) and return the results as text.
    pub(crate) fn call(udf: &ScalarUDF, cols: &[Vec<Option<&str>>]) -> Vec<Option<String>> {
        let n = cols.first().map_or(0, Vec::len);
        let args: Vec<ColumnarValue> = cols
            .iter()
            .map(|c| ColumnarValue::Array(Arc::new(StringArray::from(c.clone())) as ArrayRef))
            .collect();
        let arg_fields = cols
            .iter()
            .map(|_| Arc::new(arrow::datatypes::Field::new("a", DataType::Utf8, true)))
            .collect();
        let ret = udf.return_type(&vec![DataType::Utf8; cols.len()]).unwrap();
        let out = udf
            .invoke_with_args(datafusion::logical_expr::ScalarFunctionArgs {
                args,
                arg_fields,
                number_rows: n,
                return_field: Arc::new(arrow::datatypes::Field::new("r", ret, true)),
                config_options: Arc::new(datafusion::config::ConfigOptions::default()),
            })
            .unwrap();
        let arr = out.into_array(n).unwrap();
        (0..n)
            .map(|i| {
                let v = ScalarValue::try_from_array(&arr, i).unwrap();
                if v.is_null() { None } else { Some(v.to_string()) }
            })
            .collect()
    }
}
