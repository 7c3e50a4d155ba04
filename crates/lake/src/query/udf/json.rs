//! `json_extract_scalar`, `json_extract`, `json_array_length`, `json_size`: Athena/Trino JSON
//! functions over the payload columns, which hold JSON text.
//!
//! Paths are JSONPath as Trino accepts them for these functions: `$`, `.name`, `["name"]` or
//! `['name']`, `[N]`. Values are found by scanning the text only as far as needed (no tree is
//! built). Invalid JSON, a missing member or a path through a scalar give NULL, as in Trino.
//!
//! `json_extract_scalar(<payload>, '<path>')` on a promoted path (`$.bucketName`,
//! `$.credentials.accessKeyId`, …) is rewritten at planning time to read the promoted column,
//! which holds exactly the same values, instead of parsing every payload.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use arrow::array::{Int64Builder, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::{Column, ScalarValue};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::ExprSchemable;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use trailguard_json::{Kind, Limits, Raw, Scanner};

use super::{DOC_SECTION, StrArg, all_scalar, finish, rows, string_arg_type};
use crate::row::PROMOTED;

/// One step of a JSONPath.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Parse a JSONPath: `$.a.b[0]["c d"]`.
pub(crate) fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let p = path.trim();
    let rest = p
        .strip_prefix('$')
        .ok_or_else(|| format!("JSON path {path:?} must start with $"))?;
    let b = rest.as_bytes();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'.' && b[j] != b'[' {
                    j += 1;
                }
                if j == start {
                    return Err(format!("JSON path {path:?}: empty member name at byte {}", i + 1));
                }
                let name = &rest[start..j];
                if name == "*" {
                    return Err(format!("JSON path {path:?}: wildcards are not supported"));
                }
                steps.push(Step::Key(name.to_owned()));
                i = j;
            }
            b'[' => {
                let close = rest[i..]
                    .find(']')
                    .map(|k| i + k)
                    .ok_or_else(|| format!("JSON path {path:?}: unclosed ["))?;
                let inner = rest[i + 1..close].trim();
                if let Some(q) = inner.chars().next().filter(|c| *c == '"' || *c == '\'') {
                    // A quoted name may itself hold `]`: find the closing quote first.
                    let body_start = i + 1 + rest[i + 1..].find(q).unwrap_or(0) + 1;
                    let end_quote = rest[body_start..]
                        .find(q)
                        .map(|k| body_start + k)
                        .ok_or_else(|| format!("JSON path {path:?}: unclosed quote"))?;
                    let close = rest[end_quote..]
                        .find(']')
                        .map(|k| end_quote + k)
                        .ok_or_else(|| format!("JSON path {path:?}: unclosed ["))?;
                    steps.push(Step::Key(rest[body_start..end_quote].to_owned()));
                    i = close + 1;
                } else {
                    let n: usize = inner
                        .parse()
                        .map_err(|_| format!("JSON path {path:?}: [{inner}] is not an index or a quoted name"))?;
                    steps.push(Step::Index(n));
                    i = close + 1;
                }
            }
            _ => {
                return Err(format!(
                    "JSON path {path:?}: unexpected {:?} at byte {}",
                    b[i] as char,
                    i + 1
                ));
            }
        }
    }
    Ok(steps)
}

/// The value at `steps` in `text`, scanning only as far as needed.
pub(crate) fn find<'a>(text: &'a str, steps: &[Step]) -> Option<Raw<'a>> {
    let mut sc = Scanner::with_limits(text.as_bytes(), Limits::default());
    for step in steps {
        match step {
            Step::Key(name) => {
                if sc.peek()? != b'{' {
                    return None;
                }
                let mut obj = sc.begin_object().ok()?;
                loop {
                    let key = obj.next_key(&mut sc).ok()??;
                    if key == name.as_str() {
                        break;
                    }
                    sc.skip_value().ok()?;
                }
            }
            Step::Index(n) => {
                if sc.peek()? != b'[' {
                    return None;
                }
                let mut arr = sc.begin_array().ok()?;
                let mut k = 0;
                loop {
                    if !arr.next(&mut sc).ok()? {
                        return None;
                    }
                    if k == *n {
                        break;
                    }
                    sc.skip_value().ok()?;
                    k += 1;
                }
            }
        }
    }
    sc.skip_value_raw().ok()
}

/// Trino's `json_extract_scalar` value of a JSON value.
pub(crate) fn scalar_value(v: Raw<'_>) -> Option<Cow<'_, str>> {
    crate::row::scalar_text(v)
}

/// A path argument: parsed once when it is a constant.
enum PathArg {
    Fixed(Option<Vec<Step>>),
    PerRow(StrArg),
}

impl PathArg {
    fn new(v: &ColumnarValue) -> DfResult<PathArg> {
        Ok(match v {
            ColumnarValue::Scalar(_) => {
                let s = StrArg::new(v)?;
                match s.get(0) {
                    None => PathArg::Fixed(None),
                    Some(p) => PathArg::Fixed(Some(parse_path(p).map_err(DataFusionError::Execution)?)),
                }
            }
            ColumnarValue::Array(_) => PathArg::PerRow(StrArg::new(v)?),
        })
    }

    fn with<R>(&self, i: usize, f: impl FnOnce(&[Step]) -> Option<R>) -> DfResult<Option<R>> {
        match self {
            PathArg::Fixed(None) => Ok(None),
            PathArg::Fixed(Some(steps)) => Ok(f(steps)),
            PathArg::PerRow(a) => match a.get(i) {
                None => Ok(None),
                Some(p) => {
                    let steps = parse_path(p).map_err(DataFusionError::Execution)?;
                    Ok(f(&steps))
                }
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Which {
    Scalar,
    Extract,
    ArrayLength,
    Size,
}

/// One of the JSON functions.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct JsonFn {
    which: Which,
    signature: Signature,
}

static DOCS: LazyLock<[Documentation; 4]> = LazyLock::new(|| {
    [
        Documentation::builder(
            DOC_SECTION,
            "The scalar at a JSONPath in JSON text, as text (strings unescaped, numbers and booleans as written); NULL for objects, arrays, null and missing members. Athena/Trino semantics.",
            "json_extract_scalar(requestparameters, '$.bucketName')",
        )
        .with_argument("json", "JSON text (a payload column)")
        .with_argument("path", "JSONPath: $, .name, [\"name\"], [N]")
        .build(),
        Documentation::builder(
            DOC_SECTION,
            "The JSON text of the value at a JSONPath (strings keep their quotes); NULL when missing.",
            "json_extract(responseelements, '$.credentials')",
        )
        .with_argument("json", "JSON text")
        .with_argument("path", "JSONPath")
        .build(),
        Documentation::builder(
            DOC_SECTION,
            "The number of elements of a JSON array (NULL for other values).",
            "json_array_length(json_extract(requestparameters, '$.ipPermissions.items'))",
        )
        .with_argument("json", "JSON text")
        .build(),
        Documentation::builder(
            DOC_SECTION,
            "The number of members or elements of the object or array at a JSONPath; 0 for scalars.",
            "json_size(requestparameters, '$.policyDocument')",
        )
        .with_argument("json", "JSON text")
        .with_argument("path", "JSONPath")
        .build(),
    ]
});

impl JsonFn {
    fn new(which: Which) -> Self {
        JsonFn {
            which,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn count(v: Raw<'_>) -> Option<i64> {
    let mut n = 0i64;
    match v.kind() {
        Kind::Array => v.for_each_element(|_| {
            n += 1;
            true
        }),
        Kind::Object => v.for_each_member(|_, _| {
            n += 1;
            true
        }),
        _ => return None,
    }
    Some(n)
}

impl ScalarUDFImpl for JsonFn {
    fn name(&self) -> &str {
        match self.which {
            Which::Scalar => "json_extract_scalar",
            Which::Extract => "json_extract",
            Which::ArrayLength => "json_array_length",
            Which::Size => "json_size",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> DfResult<Vec<DataType>> {
        let want = if self.which == Which::ArrayLength { 1 } else { 2 };
        if arg_types.len() != want {
            return Err(DataFusionError::Plan(format!(
                "{} takes {want} argument(s), got {}",
                self.name(),
                arg_types.len()
            )));
        }
        arg_types.iter().map(string_arg_type).collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(match self.which {
            Which::Scalar | Which::Extract => DataType::Utf8,
            Which::ArrayLength | Which::Size => DataType::Int64,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let n = if scalar { 1 } else { rows(&args.args, args.number_rows) };
        let json = StrArg::new(&args.args[0])?;
        match self.which {
            Which::Scalar | Which::Extract => {
                let path = PathArg::new(&args.args[1])?;
                let mut b = StringBuilder::with_capacity(n, n * 16);
                for i in 0..n {
                    let out = match json.get(i) {
                        None => None,
                        Some(text) => path.with(i, |steps| {
                            let v = find(text, steps)?;
                            if self.which == Which::Scalar {
                                scalar_value(v).map(Cow::into_owned)
                            } else {
                                Some(v.text().to_owned())
                            }
                        })?,
                    };
                    b.append_option(out);
                }
                finish(Arc::new(b.finish()), scalar)
            }
            Which::ArrayLength | Which::Size => {
                let path = if self.which == Which::Size {
                    Some(PathArg::new(&args.args[1])?)
                } else {
                    None
                };
                let mut b = Int64Builder::with_capacity(n);
                for i in 0..n {
                    let out = match json.get(i) {
                        None => None,
                        Some(text) => match &path {
                            None => Raw::parse(text)
                                .ok()
                                .filter(|v| v.kind() == Kind::Array)
                                .and_then(count),
                            Some(p) => p.with(i, |steps| find(text, steps).map(|v| count(v).unwrap_or(0)))?,
                        },
                    };
                    b.append_option(out);
                }
                finish(Arc::new(b.finish()), scalar)
            }
        }
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> DfResult<ExprSimplifyResult> {
        if self.which != Which::Scalar {
            return Ok(ExprSimplifyResult::Original(args));
        }
        if let (Some(Expr::Column(col)), Some(Expr::Literal(lit, _))) = (args.first(), args.get(1))
            && let Some(promoted) = promoted_column(col, lit)
            && info.schema().has_column(&promoted)
        {
            let e = Expr::Column(promoted);
            return Ok(ExprSimplifyResult::Simplified(
                e.cast_to(&DataType::Utf8, info.schema())?,
            ));
        }
        Ok(ExprSimplifyResult::Original(args))
    }

    fn documentation(&self) -> Option<&Documentation> {
        let i = match self.which {
            Which::Scalar => 0,
            Which::Extract => 1,
            Which::ArrayLength => 2,
            Which::Size => 3,
        };
        DOCS.get(i)
    }
}

/// The promoted column holding `json_extract_scalar(col, lit)`, if any.
fn promoted_column(col: &Column, lit: &ScalarValue) -> Option<Column> {
    let path = match lit {
        ScalarValue::Utf8(Some(p)) | ScalarValue::Utf8View(Some(p)) | ScalarValue::LargeUtf8(Some(p)) => p,
        _ => return None,
    };
    let steps = parse_path(path).ok()?;
    PROMOTED.iter().find_map(|p| {
        let same = p.payload == col.name
            && p.path.len() == steps.len()
            && p.path
                .iter()
                .zip(&steps)
                .all(|(a, b)| matches!(b, Step::Key(k) if k == a));
        same.then(|| Column::new(col.relation.clone(), p.column))
    })
}

pub(crate) fn udfs() -> Vec<ScalarUDF> {
    [Which::Scalar, Which::Extract, Which::ArrayLength, Which::Size]
        .into_iter()
        .map(|w| ScalarUDF::from(JsonFn::new(w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::udf::test_util::call;

    #[test]
    fn paths_parse() {
        assert_eq!(parse_path("$").unwrap(), vec![]);
        assert_eq!(
            parse_path("$.a.b[2]").unwrap(),
            vec![Step::Key("a".into()), Step::Key("b".into()), Step::Index(2)]
        );
        assert_eq!(
            parse_path(r#"$["x.y"]['z]']"#).unwrap(),
            vec![Step::Key("x.y".into()), Step::Key("z]".into())]
        );
        for bad in ["a.b", "$..a", "$.a[", "$.a[x]", "$.*", "$.a['b]"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extract_follows_trino() {
        let doc = r#"{"bucketName":"logs","n":12.50,"ok":true,"nil":null,"tags":[{"k":"a"},{"k":"b\u0021"}],"o":{"p":{"q":"deep"}},"s":"\"quoted\""}"#;
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            ("$.bucketName", Some("logs"), Some("\"logs\"")),
            ("$.n", Some("12.50"), Some("12.50")),
            ("$.ok", Some("true"), Some("true")),
            ("$.nil", None, Some("null")),
            ("$.tags", None, Some(r#"[{"k":"a"},{"k":"b\u0021"}]"#)),
            ("$.tags[1].k", Some("b!"), Some(r#""b\u0021""#)),
            ("$.tags[5].k", None, None),
            ("$.o.p.q", Some("deep"), Some("\"deep\"")),
            ("$.missing", None, None),
            ("$.bucketName.x", None, None),
            ("$.s", Some("\"quoted\""), Some(r#""\"quoted\"""#)),
        ];
        let scalar_fn = ScalarUDF::from(JsonFn::new(Which::Scalar));
        let extract_fn = ScalarUDF::from(JsonFn::new(Which::Extract));
        for (path, want_scalar, want_json) in cases {
            let got = call(&scalar_fn, &[vec![Some(doc)], vec![Some(path)]]);
            assert_eq!(got[0].as_deref(), *want_scalar, "scalar {path}");
            let got = call(&extract_fn, &[vec![Some(doc)], vec![Some(path)]]);
            assert_eq!(got[0].as_deref(), *want_json, "extract {path}");
        }
        // NULL input, invalid JSON.
        let got = call(
            &scalar_fn,
            &[
                vec![None, Some("{nope"), Some("[1,2]")],
                vec![Some("$.a"), Some("$.a"), Some("$[1]")],
            ],
        );
        assert_eq!(got, vec![None, None, Some("2".into())]);
        let len = ScalarUDF::from(JsonFn::new(Which::ArrayLength));
        assert_eq!(
            call(&len, &[vec![Some("[1,[2,3],{}]"), Some("{}"), Some("x")]]),
            vec![Some("3".into()), None, None]
        );
        let size = ScalarUDF::from(JsonFn::new(Which::Size));
        assert_eq!(
            call(&size, &[vec![Some(doc), Some(doc)], vec![Some("$.o"), Some("$.n")]]),
            vec![Some("1".into()), Some("0".into())]
        );
    }
}
