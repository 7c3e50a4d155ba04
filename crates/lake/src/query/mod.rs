//! `query`: SQL over the lake with DataFusion.
//!
//! A [`Session`] registers the lake's tables over the files committed when it was opened:
//! - `events` (also `cloudtrail_logs` and `cloudtrail`, the names in Athena examples);
//! - `insights`;
//! - `event_data_store`, the CloudTrail Lake view: `events` plus Lake's `eventjson`,
//!   `eventjsonchecksum`, `annotation` and `insightdetails`. Saved Lake queries run unchanged:
//!   `FROM <event data store id>`, `FROM $EDS_ID`, `FROM <EDS ID>`,
//!   `FROM arn:aws:cloudtrail:…:eventdatastore/<id>` all read this view, and Lake's map access
//!   `element_at(requestParameters, 'bucketName')` works on the JSON payloads.
//!
//! Statements are read-only: no DDL, no DML, no `COPY`. The functions investigators need are
//! registered ([`udf`]), with `datafusion-functions-json` (`json_get_str`, `->`, `->>`, …).

mod output;
mod sql;
mod table;
pub(crate) mod udf;

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};

pub use output::OutputFormat;

use crate::error::LakeError;
use crate::log::Snapshot;
use crate::schema::Table;
use crate::store::Store;

/// The CloudTrail Lake view: `FROM <event data store id>` reads it.
pub const LAKE_VIEW: &str = "event_data_store";

/// Names `events` is also registered under.
pub const EVENT_TABLE_ALIASES: [&str; 2] = ["cloudtrail_logs", "cloudtrail"];

/// A query session over the lake as it was when the session opened.
pub struct Session {
    ctx: SessionContext,
    snapshot: Snapshot,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("seq", &self.snapshot.seq).finish()
    }
}

impl Session {
    pub(crate) fn new(store: Arc<Store>, snapshot: Snapshot, threads: usize) -> Result<Session, LakeError> {
        let mut config = SessionConfig::new()
            .with_target_partitions(threads.max(1))
            .with_information_schema(true)
            .with_batch_size(8192);
        {
            let opts = config.options_mut();
            opts.execution.parquet.pushdown_filters = true;
            opts.execution.parquet.reorder_filters = true;
            opts.execution.parquet.skip_metadata = false;
            opts.sql_parser.enable_ident_normalization = true;
        }
        let runtime = RuntimeEnvBuilder::new()
            .build_arc()
            .map_err(|e| LakeError::Query(e.to_string()))?;
        let mut ctx = SessionContext::new_with_config_rt(config, runtime);
        let (url, object_store) = store.table_url()?;
        ctx.register_object_store(&url, object_store);
        let store_url = ObjectStoreUrl::parse(format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")))
            .map_err(LakeError::from)?;
        for t in Table::ALL {
            let files: Vec<_> = snapshot.table_files(t).cloned().collect();
            let provider = Arc::new(table::LakeTable::new(t, files, store.clone(), store_url.clone()));
            ctx.register_table(t.name(), provider.clone())?;
            if t == Table::Events {
                for alias in EVENT_TABLE_ALIASES {
                    ctx.register_table(alias, provider.clone())?;
                }
            }
        }
        datafusion_functions_json::register_all(&mut ctx)?;
        udf::register(&ctx);
        Ok(Session { ctx, snapshot })
    }

    /// Register the CloudTrail Lake view (`event_data_store`): the `events` columns plus Lake's
    /// `eventjson`, `eventjsonchecksum`, `annotation` and `insightdetails`.
    pub(crate) async fn register_lake_view(&self) -> Result<(), LakeError> {
        let cols: Vec<String> = Table::Events
            .file_schema()
            .fields()
            .iter()
            .filter(|f| {
                !matches!(
                    f.name().as_str(),
                    "src_key" | "src_record" | "src_account" | "src_region" | "ingest_time"
                ) && !f.name().starts_with("rp_")
                    && !f.name().starts_with("re_")
                    && !f.name().starts_with("aed_")
            })
            .map(|f| format!("'{0}', \"{0}\"", f.name()))
            .collect();
        let record = format!("cloudtrail_record_json(named_struct({}))", cols.join(", "));
        // The checksum is the SHA-256 of the record's JSON text as lower-case hex (text, like
        // every Lake column; the raw digest is not valid UTF-8).
        let sql = format!(
            "CREATE VIEW {LAKE_VIEW} AS SELECT *, CAST(NULL AS VARCHAR) AS annotation, CAST(NULL AS VARCHAR) AS insightdetails, \
             {record} AS eventjson, encode(sha256({record}), 'hex') AS eventjsonchecksum FROM events"
        );
        self.ctx.sql(&sql).await?.collect().await?;
        Ok(())
    }

    /// The lake state this session reads.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The DataFusion context (for embedding: the server registers views on it).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Run one read-only statement.
    pub async fn run(&self, sql: &str) -> Result<QueryResult, LakeError> {
        let sql = rewrite_event_data_store(sql);
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let state = self.ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let mut statement = state.sql_to_statement(&sql, &dialect)?;
        sql::check_distinct_from(&statement).map_err(LakeError::Query)?;
        sql::quote_field_access(&mut statement);
        let plan = state.statement_to_plan(statement).await?;
        options.verify_plan(&plan)?;
        let df = self.ctx.execute_logical_plan(plan).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        Ok(QueryResult { schema, batches })
    }
}

/// What a query returned.
#[derive(Clone, Debug)]
pub struct QueryResult {
    /// Column names and types.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn looks_like_event_data_store(token: &str) -> bool {
    let t = token.trim_matches(|c| c == '"' || c == '`');
    if matches!(t, "$EDS_ID" | "${EDS_ID}") || (t.starts_with('<') && t.ends_with('>')) {
        return true;
    }
    if t.starts_with("arn:") && t.contains(":eventdatastore/") {
        return true;
    }
    // A UUID-shaped id (CloudTrail Lake's event data store ids are the last part of the ARN).
    let b = t.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Replace event-data-store references after `FROM` and `JOIN` with `events`, outside string
/// literals and comments, so CloudTrail Lake queries run as they were saved.
pub(crate) fn rewrite_event_data_store(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut last_word = String::new();
    while i < b.len() {
        let c = b[i];
        // Skip string literals, quoted identifiers are handled as tokens below.
        if c == b'\'' {
            let start = i;
            i += 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if i + 1 < b.len() && b[i + 1] == b'\'' {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            out.push_str(&sql[start..i]);
            last_word.clear();
            continue;
        }
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            let start = i;
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            out.push_str(&sql[start..i]);
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let start = i;
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i = (i + 2).min(b.len());
            out.push_str(&sql[start..i]);
            continue;
        }
        if c.is_ascii_whitespace() {
            out.push(c as char);
            i += 1;
            continue;
        }
        if matches!(last_word.as_str(), "from" | "join") {
            // The table reference: up to whitespace, a comma or a closing parenthesis.
            let start = i;
            let mut j = i;
            let quoted = b[j] == b'"' || b[j] == b'`';
            if b[j] == b'<' {
                // A placeholder such as `<EDS ID>` or `<event_data_store_id>`.
                while j < b.len() && b[j] != b'>' {
                    j += 1;
                }
                j = (j + 1).min(b.len());
            } else if quoted {
                let q = b[j];
                j += 1;
                while j < b.len() && b[j] != q {
                    j += 1;
                }
                j = (j + 1).min(b.len());
            } else {
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b',' && b[j] != b')' && b[j] != b';' {
                    j += 1;
                }
            }
            let token = &sql[start..j];
            last_word.clear();
            if looks_like_event_data_store(token) {
                out.push_str(LAKE_VIEW);
                i = j;
                continue;
            }
        }
        if is_ident_byte(c) {
            let start = i;
            while i < b.len() && is_ident_byte(b[i]) {
                i += 1;
            }
            let word = &sql[start..i];
            out.push_str(word);
            last_word = word.to_ascii_lowercase();
            continue;
        }
        // Any other character (multi-byte UTF-8 included) passes through.
        let ch_len = sql[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&sql[i..i + ch_len]);
        i += ch_len;
        last_word.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_data_store_names_become_events() {
        assert_eq!(
            rewrite_event_data_store("SELECT * FROM $EDS_ID WHERE x = 'FROM 6e1a4d1a-1111-2222-3333-444455556666'"),
            "SELECT * FROM event_data_store WHERE x = 'FROM 6e1a4d1a-1111-2222-3333-444455556666'"
        );
        assert_eq!(
            rewrite_event_data_store(
                "select a from 6e1a4d1a-1111-2222-3333-444455556666 e join \"6E1A4D1A-1111-2222-3333-444455556666\" f on 1=1"
            ),
            "select a from event_data_store e join event_data_store f on 1=1"
        );
        assert_eq!(
            rewrite_event_data_store(
                "SELECT 1 FROM arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE"
            ),
            "SELECT 1 FROM event_data_store"
        );
        assert_eq!(
            rewrite_event_data_store("SELECT 1 FROM <EDS ID>\nWHERE x"),
            "SELECT 1 FROM event_data_store\nWHERE x"
        );
        let untouched = "SELECT eventname FROM events WHERE eventtime > '2024-01-01' -- FROM $EDS_ID\n";
        assert_eq!(rewrite_event_data_store(untouched), untouched);
        assert_eq!(
            rewrite_event_data_store("SELECT 'é' FROM (SELECT 1) t"),
            "SELECT 'é' FROM (SELECT 1) t"
        );
    }
}
