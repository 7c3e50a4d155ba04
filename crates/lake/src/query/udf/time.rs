//! `from_iso8601_timestamp` and `to_iso8601`: Athena's time functions, so queries written for
//! AWS's Athena table (where `eventtime` is text) run unchanged on the lake's typed `eventtime`.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray, StringBuilder, TimestampMicrosecondBuilder};
use arrow::datatypes::{DataType, TimeUnit};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use trailguard_model::Timestamp;

use super::{DOC_SECTION, StrArg, all_scalar, finish, rows};
use crate::schema::time_type;

/// Parse ISO 8601 text: `2024-05-01T09:00:00Z`, with fractions or an offset, or a date alone.
fn parse(text: &str) -> Option<i64> {
    let t = text.trim();
    let ts = if t.len() == 10 {
        Timestamp::parse_rfc3339(&format!("{t}T00:00:00Z")).ok()?
    } else {
        Timestamp::parse_rfc3339(t)
            .or_else(|_| Timestamp::parse_rfc3339(&t.replacen(' ', "T", 1)))
            .ok()?
    };
    ts.millis().checked_mul(1000)
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct FromIso8601 {
    signature: Signature,
}

static FROM_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION,
        "ISO 8601 text as a UTC timestamp (a timestamp is returned as it is, so Athena queries that wrap eventtime keep working).",
        "from_iso8601_timestamp('2024-05-01T09:00:00Z')",
    )
    .with_argument("value", "ISO 8601 text or a timestamp")
    .build()
});

static TO_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION,
        "A timestamp as ISO 8601 text in UTC with milliseconds, as Athena writes it.",
        "to_iso8601(eventtime)",
    )
    .with_argument("value", "a timestamp")
    .build()
});

impl ScalarUDFImpl for FromIso8601 {
    fn name(&self) -> &str {
        "from_iso8601_timestamp"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        match arg_types {
            [DataType::Timestamp(_, _)] | [DataType::Date32] | [DataType::Date64] => Ok(vec![time_type()]),
            [t] => Ok(vec![super::string_arg_type(t)?]),
            _ => Err(DataFusionError::Plan(
                "from_iso8601_timestamp takes one argument".into(),
            )),
        }
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(time_type())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let a = &args.args[0];
        if let DataType::Timestamp(_, _) = a.data_type() {
            return Ok(a.clone());
        }
        let scalar = all_scalar(&args.args);
        let n = if scalar { 1 } else { rows(&args.args, args.number_rows) };
        let s = StrArg::new(a)?;
        let mut b = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        for i in 0..n {
            b.append_option(s.get(i).and_then(parse));
        }
        finish(Arc::new(b.finish()), scalar)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&FROM_DOC)
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ToIso8601 {
    signature: Signature,
}

impl ScalarUDFImpl for ToIso8601 {
    fn name(&self) -> &str {
        "to_iso8601"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        match arg_types {
            [DataType::Timestamp(_, _)] | [DataType::Date32] | [DataType::Date64] => Ok(vec![time_type()]),
            _ => Err(DataFusionError::Plan("to_iso8601 takes one timestamp".into())),
        }
    }
    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let n = if scalar { 1 } else { rows(&args.args, args.number_rows) };
        let arr = args.args[0].to_array(n)?;
        let arr = arrow::compute::cast(&arr, &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())))?;
        let t = arr.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
        let mut b = StringBuilder::with_capacity(n, n * 24);
        for i in 0..n {
            if t.is_null(i) {
                b.append_null();
            } else {
                b.append_value(Timestamp(t.value(i).div_euclid(1000)).to_rfc3339_millis());
            }
        }
        finish(Arc::new(b.finish()), scalar)
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&TO_DOC)
    }
}

pub(crate) fn udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(FromIso8601 {
            signature: Signature::user_defined(Volatility::Immutable),
        }),
        ScalarUDF::from(ToIso8601 {
            signature: Signature::user_defined(Volatility::Immutable),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text_parses() {
        assert_eq!(parse("2024-05-01T09:00:00Z"), Some(1_714_554_000_000_000));
        assert_eq!(parse("2024-05-01T11:00:00+02:00"), Some(1_714_554_000_000_000));
        assert_eq!(parse("2024-05-01 09:00:00Z"), Some(1_714_554_000_000_000));
        assert_eq!(parse("2024-05-01"), Some(1_714_521_600_000_000));
        assert_eq!(parse("yesterday"), None);
    }
}
