//! `lake ddl`: table definitions for Athena, Trino and Spark over the lake's files, generated
//! from the same column tree the writer uses ([`crate::schema`]), so they always match.
//!
//! - Athena: `CREATE EXTERNAL TABLE … STORED AS PARQUET` with partition projection (`enum`
//!   projections for the accounts and regions in the lake, a `date` projection for the day), so
//!   no `ADD PARTITION` step is ever needed.
//! - Trino (Hive connector): `CREATE TABLE … WITH (external_location, format = 'PARQUET',
//!   partitioned_by)`, then `system.sync_partition_metadata`.
//! - Spark: `CREATE TABLE … USING parquet PARTITIONED BY … LOCATION`, then `MSCK REPAIR TABLE`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::log::Snapshot;
use crate::schema::{Col, Table};

/// Which engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Amazon Athena (engine v3).
    Athena,
    /// Trino with the Hive connector.
    Trino,
    /// Apache Spark SQL.
    Spark,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct DdlOptions {
    /// The engine.
    pub engine: Engine,
    /// The lake's root URL as the engine reaches it (`s3://bucket/prefix`, or a local path for
    /// Spark).
    pub location: String,
    /// Database / schema (Trino: `catalog.schema`).
    pub database: Option<String>,
}

fn athena_type(c: &Col) -> String {
    match c {
        Col::Str { .. } | Col::Json { .. } => "STRING".into(),
        Col::Bool { .. } => "BOOLEAN".into(),
        Col::Time { .. } => "TIMESTAMP".into(),
        Col::Int { .. } => "BIGINT".into(),
        Col::Float { .. } => "DOUBLE".into(),
        Col::Struct { fields, .. } => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), athena_type(f)))
                .collect();
            format!("STRUCT<{}>", inner.join(", "))
        }
        Col::Resources { .. } => "ARRAY<STRUCT<arn:STRING, accountid:STRING, type:STRING, arnprefix:STRING>>".into(),
    }
}

fn spark_type(c: &Col) -> String {
    match c {
        Col::Struct { fields, .. } => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("`{}`: {}", f.name(), spark_type(f)))
                .collect();
            format!("STRUCT<{}>", inner.join(", "))
        }
        Col::Resources { .. } => {
            "ARRAY<STRUCT<`arn`: STRING, `accountid`: STRING, `type`: STRING, `arnprefix`: STRING>>".into()
        }
        other => athena_type(other),
    }
}

fn trino_type(c: &Col) -> String {
    match c {
        Col::Str { .. } | Col::Json { .. } => "varchar".into(),
        Col::Bool { .. } => "boolean".into(),
        Col::Time { .. } => "timestamp(3)".into(),
        Col::Int { .. } => "bigint".into(),
        Col::Float { .. } => "double".into(),
        Col::Struct { fields, .. } => {
            let inner: Vec<String> = fields
                .iter()
                .map(|f| format!("\"{}\" {}", f.name(), trino_type(f)))
                .collect();
            format!("row({})", inner.join(", "))
        }
        Col::Resources { .. } => {
            "array(row(\"arn\" varchar, \"accountid\" varchar, \"type\" varchar, \"arnprefix\" varchar))".into()
        }
    }
}

fn qualified(db: &Option<String>, name: &str, quote: char) -> String {
    match db {
        Some(d) => format!("{d}.{quote}{name}{quote}"),
        None => format!("{quote}{name}{quote}"),
    }
}

fn list(values: &BTreeSet<String>) -> String {
    values.iter().cloned().collect::<Vec<_>>().join(",")
}

/// The statements that define both tables for `opts.engine`.
pub fn ddl(opts: &DdlOptions, snap: &Snapshot) -> String {
    let root = opts.location.trim_end_matches('/');
    let mut out = String::new();
    for table in Table::ALL {
        let name = table.name();
        let loc = format!("{root}/{name}/");
        let cols = table.cols();
        let mut accounts = BTreeSet::new();
        let mut regions = BTreeSet::new();
        let mut first_day: Option<String> = None;
        for f in snap.table_files(table) {
            accounts.insert(f.partition.account.clone());
            regions.insert(f.partition.region.clone());
            if first_day.as_ref().is_none_or(|d| f.partition.date < *d) {
                first_day = Some(f.partition.date.clone());
            }
        }
        let _ = writeln!(
            out,
            "-- trailguard lake table `{name}` ({} rows when generated)",
            snap.rows(table)
        );
        match opts.engine {
            Engine::Athena => {
                let _ = writeln!(
                    out,
                    "CREATE EXTERNAL TABLE IF NOT EXISTS {} (",
                    qualified(&opts.database, name, '`')
                );
                let body: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        format!(
                            "  `{}` {} COMMENT '{}'",
                            c.name(),
                            athena_type(c),
                            c.doc().replace('\'', "")
                        )
                    })
                    .collect();
                let _ = writeln!(out, "{}\n)", body.join(",\n"));
                let _ = writeln!(out, "PARTITIONED BY (`account` STRING, `region` STRING, `date` STRING)");
                let _ = writeln!(out, "STORED AS PARQUET");
                let _ = writeln!(out, "LOCATION '{loc}'");
                let _ = writeln!(out, "TBLPROPERTIES (");
                let mut props = vec![
                    ("parquet.compression".to_owned(), "ZSTD".to_owned()),
                    ("projection.enabled".into(), "true".into()),
                ];
                if accounts.is_empty() {
                    props.push(("projection.account.type".into(), "injected".into()));
                } else {
                    props.push(("projection.account.type".into(), "enum".into()));
                    props.push(("projection.account.values".into(), list(&accounts)));
                }
                if regions.is_empty() {
                    props.push(("projection.region.type".into(), "injected".into()));
                } else {
                    props.push(("projection.region.type".into(), "enum".into()));
                    props.push(("projection.region.values".into(), list(&regions)));
                }
                props.extend([
                    ("projection.date.type".into(), "date".into()),
                    ("projection.date.format".into(), "yyyy-MM-dd".into()),
                    (
                        "projection.date.range".into(),
                        format!("{},NOW", first_day.unwrap_or_else(|| "2013-11-01".into())),
                    ),
                    ("projection.date.interval".into(), "1".into()),
                    ("projection.date.interval.unit".into(), "DAYS".into()),
                    (
                        "storage.location.template".into(),
                        format!("{loc}account=${{account}}/region=${{region}}/date=${{date}}"),
                    ),
                ]);
                let body: Vec<String> = props.iter().map(|(k, v)| format!("  '{k}'='{v}'")).collect();
                let _ = writeln!(out, "{}\n);\n", body.join(",\n"));
            }
            Engine::Trino => {
                let _ = writeln!(
                    out,
                    "CREATE TABLE IF NOT EXISTS {} (",
                    qualified(&opts.database, name, '"')
                );
                let mut body: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        format!(
                            "  \"{}\" {} COMMENT '{}'",
                            c.name(),
                            trino_type(c),
                            c.doc().replace('\'', "")
                        )
                    })
                    .collect();
                body.push("  \"account\" varchar".into());
                body.push("  \"region\" varchar".into());
                body.push("  \"date\" varchar".into());
                let _ = writeln!(out, "{}\n)", body.join(",\n"));
                let _ = writeln!(
                    out,
                    "WITH (\n  external_location = '{loc}',\n  format = 'PARQUET',\n  partitioned_by = ARRAY['account', 'region', 'date']\n);"
                );
                let (schema, tname) = match &opts.database {
                    Some(d) => (d.rsplit('.').next().unwrap_or(d).to_owned(), name),
                    None => ("default".to_owned(), name),
                };
                let _ = writeln!(
                    out,
                    "CALL system.sync_partition_metadata('{schema}', '{tname}', 'FULL');\n"
                );
            }
            Engine::Spark => {
                let tname = qualified(&opts.database, name, '`');
                let _ = writeln!(out, "CREATE TABLE IF NOT EXISTS {tname} (");
                let mut body: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        format!(
                            "  `{}` {} COMMENT '{}'",
                            c.name(),
                            spark_type(c),
                            c.doc().replace('\'', "")
                        )
                    })
                    .collect();
                body.push("  `account` STRING".into());
                body.push("  `region` STRING".into());
                body.push("  `date` DATE".into());
                let _ = writeln!(out, "{}\n)", body.join(",\n"));
                let _ = writeln!(
                    out,
                    "USING parquet\nPARTITIONED BY (`account`, `region`, `date`)\nLOCATION '{loc}';"
                );
                if snap.table_files(table).next().is_some() {
                    let _ = writeln!(out, "MSCK REPAIR TABLE {tname};\n");
                } else {
                    // Spark cannot list partitions of a folder that does not exist yet.
                    let _ = writeln!(
                        out,
                        "-- no files yet: run MSCK REPAIR TABLE {tname} after an ingest writes some\n"
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_names_every_column() {
        let snap = Snapshot::default();
        for engine in [Engine::Athena, Engine::Trino, Engine::Spark] {
            let text = ddl(
                &DdlOptions {
                    engine,
                    location: "s3://bucket/lake/".into(),
                    database: Some("trail".into()),
                },
                &snap,
            );
            for c in Table::Events.file_schema().fields() {
                assert!(text.contains(c.name().as_str()), "{engine:?} lacks {}", c.name());
            }
            assert!(text.contains("s3://bucket/lake/events/"), "{text}");
            assert!(text.contains("s3://bucket/lake/insights/"));
        }
        let athena = ddl(
            &DdlOptions {
                engine: Engine::Athena,
                location: "s3://b/p".into(),
                database: None,
            },
            &snap,
        );
        assert!(athena.contains("'projection.account.type'='injected'"));
        assert!(athena.contains("useridentity` STRUCT<type:STRING, principalid:STRING"));
        assert!(athena.contains("`eventtime` TIMESTAMP"));
        assert!(athena.contains("`readonly` BOOLEAN"));
    }
}
