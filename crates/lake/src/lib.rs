//! The lake: CloudTrail records as Hive-partitioned Parquet, queried with SQL.
//!
//! ```text
//!  read::Event ─▶ build (Arrow builders, typed schema) ─▶ ingest (dedupe, sort, Parquet, commit)
//!                                                              │
//!   <lake>/events/account=…/region=…/date=…/part-*.parquet ◀───┤   _trailguard/log/*.json (ledger)
//!   <lake>/insights/…                                      ◀───┘
//!        │
//!        ▼
//!  query (DataFusion: pruned scan of committed files, investigator UDFs) ─▶ lookup, timeline
//!  ddl (Athena / Trino / Spark over the same files)
//! ```
//!
//! - [`Lake::open`] a local folder or `s3://bucket/prefix`; [`Lake::ingest`] files listed by
//!   `trailguard-read`; [`Lake::query`] SQL; [`Lake::compact`] merges small files;
//!   [`ddl::ddl`] prints table definitions for other engines.
//! - The schema ([`schema`]) is AWS's Athena column list, lower case, typed where the JSON type is
//!   stable, with payloads kept as their exact JSON text, unknown members in `extra`, promoted hot
//!   fields and lineage columns.
//! - Crash safety: data files are written first, then one create-only commit record names them
//!   and the source objects they came from ([`log`]); anything no commit names is removed by the
//!   next writer. Re-running an ingest skips objects in the ledger; records are deduplicated by
//!   (`eventID`, `recipientAccountId`).
//!
//! The lake never reads the clock: the ingest time recorded as lineage is passed in.
//!
//! ```no_run
//! use trailguard_lake::{IngestOptions, Lake, LakeLocation, S3Options};
//! use trailguard_read::{FileList, NoProgress};
//! let lake = Lake::open(LakeLocation::parse("./lake")?, &S3Options::default(), 2)?;
//! let files = FileList::from_arg("./AWSLogs")?;
//! let report = lake.ingest(&files.files, &IngestOptions::default(), &NoProgress)?;
//! println!("{} rows added", report.events_added);
//! let result = lake.query("SELECT eventname, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC")?;
//! println!("{}", result.to_table());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod build;
mod compact;
pub mod ddl;
mod error;
mod ingest;
mod key;
pub mod log;
pub mod lookup;
pub mod query;
mod row;
pub mod schema;
mod store;
mod write;

use std::sync::Arc;

pub use compact::{CompactOptions, CompactReport};
pub use error::LakeError;
pub use ingest::{IngestOptions, IngestReport};
pub use lookup::{LookupRequest, TimelineRequest, TimelineSubject};
pub use query::{OutputFormat, QueryResult};
pub use schema::Table;
pub use store::{LakeLocation, S3Options};
pub use write::WriteOptions;

use trailguard_read::{InputFile, Progress};

use crate::log::Snapshot;
use crate::store::Store;

/// An open lake.
pub struct Lake {
    location: LakeLocation,
    store: Arc<Store>,
    rt: tokio::runtime::Runtime,
    threads: usize,
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lake").field("location", &self.location).finish()
    }
}

impl Lake {
    /// Open the lake at `location` (nothing is created until the first ingest), using `threads`
    /// worker threads for queries and writing.
    pub fn open(location: LakeLocation, s3: &S3Options, threads: usize) -> Result<Lake, LakeError> {
        let threads = threads.max(1);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("trailguard-lake")
            .enable_all()
            .build()
            .map_err(|e| LakeError::Io {
                path: "tokio runtime".into(),
                source: e,
            })?;
        let store = Store::open(&location, s3, rt.handle().clone())?;
        Ok(Lake {
            location,
            store: Arc::new(store),
            rt,
            threads,
        })
    }

    /// Where the lake is.
    pub fn location(&self) -> &LakeLocation {
        &self.location
    }

    /// The lake's state: its files and the source objects it holds.
    pub fn snapshot(&self) -> Result<Snapshot, LakeError> {
        log::load(&self.store)
    }

    /// Whether a lake exists at this location.
    pub fn exists(&self) -> Result<bool, LakeError> {
        Ok(log::read_info(&self.store, &self.location.to_string())?.is_some())
    }

    /// The event-data-store style id saved CloudTrail Lake queries may name (`FROM <id>`).
    pub fn event_data_store_id(&self) -> Result<Option<String>, LakeError> {
        Ok(log::read_info(&self.store, &self.location.to_string())?.map(|i| i.event_data_store))
    }

    fn pool(&self) -> Result<rayon::ThreadPool, LakeError> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .thread_name(|i| format!("trailguard-write-{i}"))
            .build()
            .map_err(|e| LakeError::Io {
                path: "thread pool".into(),
                source: std::io::Error::other(e),
            })
    }

    /// Ingest `files` (a source listed by `trailguard-read`): objects already in the ledger are
    /// skipped, the others are read, deduplicated and committed in batches.
    pub fn ingest(
        &self,
        files: &[InputFile],
        opts: &IngestOptions,
        progress: &dyn Progress,
    ) -> Result<IngestReport, LakeError> {
        let _lock = self.store.lock()?;
        log::ensure_info(&self.store, &self.location.to_string(), &self.location.to_string())?;
        let mut snap = log::load(&self.store)?;
        let pool = self.pool()?;
        ingest::run(&self.store, &mut snap, files, opts, progress, &pool)
    }

    /// Merge each partition's small files into one (or a few) well-sized, sorted files.
    pub fn compact(&self, opts: &CompactOptions) -> Result<CompactReport, LakeError> {
        let _lock = self.store.lock()?;
        if !self.exists()? {
            return Err(LakeError::NoLake {
                location: self.location.to_string(),
            });
        }
        let mut snap = log::load(&self.store)?;
        let pool = self.pool()?;
        compact::run(&self.store, &mut snap, opts, &pool)
    }

    /// Run one SQL statement (a query) over the lake.
    pub fn query(&self, sql: &str) -> Result<QueryResult, LakeError> {
        let session = self.session()?;
        self.rt.block_on(session.run(sql))
    }

    /// A query session over the lake's current state (register once, run many statements).
    pub fn session(&self) -> Result<query::Session, LakeError> {
        if !self.exists()? {
            return Err(LakeError::NoLake {
                location: self.location.to_string(),
            });
        }
        let snap = log::load(&self.store)?;
        let session = query::Session::new(self.store.clone(), snap, self.threads)?;
        self.rt.block_on(session.register_lake_view())?;
        Ok(session)
    }

    /// Run an async query-layer future on the lake's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}
