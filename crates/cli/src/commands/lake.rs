//! `trailguard lake ddl | compact | info`, and the `--lake` option every lake command shares.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use trailguard_lake::ddl::{DdlOptions, Engine, ddl};
use trailguard_lake::{CompactOptions, Lake, LakeLocation, S3Options, Table};

use crate::args::Global;
use crate::exit;
use crate::output::{Out, note};

/// Where the lake is.
#[derive(Debug, Args, Clone)]
pub(crate) struct LakeArgs {
    /// The lake: a folder or s3://bucket/prefix (S3 settings from the AWS_* variables).
    /// Default: $TRAILGUARD_LAKE, else trailguard/lake under the user's data folder
    /// ($XDG_DATA_HOME or ~/.local/share; ~/Library/Application Support on macOS).
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    pub(crate) lake: Option<String>,
}

/// The lake folder when none is given.
fn default_lake() -> anyhow::Result<String> {
    if let Some(v) = std::env::var_os("TRAILGUARD_LAKE").filter(|v| !v.is_empty()) {
        return Ok(v.to_string_lossy().into_owned());
    }
    let data: Option<PathBuf> = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| {
                let home = PathBuf::from(h);
                if cfg!(target_os = "macos") {
                    home.join("Library/Application Support")
                } else {
                    home.join(".local/share")
                }
            })
        });
    let data = data.context("no --lake given and no home folder to put the default lake in (set TRAILGUARD_LAKE)")?;
    Ok(data.join("trailguard").join("lake").to_string_lossy().into_owned())
}

impl LakeArgs {
    /// Open the lake named by `--lake` (or the default).
    pub(crate) fn open(&self, global: &Global) -> anyhow::Result<Lake> {
        let text = match &self.lake {
            Some(l) => l.clone(),
            None => default_lake()?,
        };
        let location = LakeLocation::parse(&text)?;
        let s3 = match location {
            LakeLocation::S3 { .. } => S3Options::from_env(),
            LakeLocation::Local(_) => S3Options::default(),
        };
        let threads = global
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        Ok(Lake::open(location, &s3, threads)?)
    }
}

/// Microseconds since the epoch, now (lineage and commit times; the lake never reads the clock).
pub(crate) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[derive(Debug, Args)]
pub(crate) struct LakeCmdArgs {
    #[command(subcommand)]
    pub(crate) command: LakeCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LakeCommand {
    /// Print the table definitions (events, insights) for Athena, Trino or Spark over this
    /// lake's layout.
    Ddl(DdlArgs),
    /// Merge each partition's small files into one sorted, deduplicated file.
    Compact(CompactArgs),
    /// What the lake holds: tables, rows, files, partitions, source objects.
    Info(InfoArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum EngineArg {
    Athena,
    Trino,
    Spark,
}

#[derive(Debug, Args)]
pub(crate) struct DdlArgs {
    /// Which engine.
    #[arg(long, value_enum)]
    pub(crate) engine: EngineArg,
    /// The lake's location as the engine sees it (default: --lake; Athena and Trino need s3://).
    #[arg(long, value_name = "URL")]
    pub(crate) location: Option<String>,
    /// Database (Trino: catalog.schema) to create the tables in.
    #[arg(long, value_name = "NAME")]
    pub(crate) database: Option<String>,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CompactArgs {
    /// Merge a partition once it has this many files.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub(crate) min_files: usize,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
}

#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// Print as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
}

pub(crate) fn run(args: LakeCmdArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    match args.command {
        LakeCommand::Ddl(a) => run_ddl(a, global, out),
        LakeCommand::Compact(a) => run_compact(a, global, out),
        LakeCommand::Info(a) => run_info(a, global, out),
    }
}

fn run_ddl(args: DdlArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let lake = args.lake.open(global)?;
    let engine = match args.engine {
        EngineArg::Athena => Engine::Athena,
        EngineArg::Trino => Engine::Trino,
        EngineArg::Spark => Engine::Spark,
    };
    let location = match (&args.location, lake.location()) {
        (Some(l), _) => l.clone(),
        (None, l @ LakeLocation::S3 { .. }) => l.to_string(),
        (None, LakeLocation::Local(p)) => {
            if engine != Engine::Spark {
                anyhow::bail!(
                    "{:?} reads the lake from S3: give --location s3://bucket/prefix (where the lake's files are), or write the lake there with --lake s3://…",
                    args.engine
                );
            }
            std::path::absolute(p)?.to_string_lossy().into_owned()
        }
    };
    let snap = lake.snapshot()?;
    let text = ddl(
        &DdlOptions {
            engine,
            location,
            database: args.database,
        },
        &snap,
    );
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(exit::OK)
}

fn run_compact(args: CompactArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let lake = args.lake.open(global)?;
    let opts = CompactOptions {
        min_files: args.min_files,
        time: now_micros(),
        ..CompactOptions::default()
    };
    let r = lake.compact(&opts)?;
    if args.json {
        out.write_all(serde_json::to_string_pretty(&r)?.as_bytes())?;
        out.write_all(b"\n")?;
    } else {
        out.write_all(
            format!(
                "compacted {} partitions: {} files → {}, {} → {} bytes, {} duplicate rows dropped\n",
                r.partitions, r.files_before, r.files_after, r.bytes_before, r.bytes_after, r.duplicates
            )
            .as_bytes(),
        )?;
    }
    out.flush()?;
    if r.orphans_removed > 0 && !global.quiet {
        note(&format!(
            "removed {} files left by an interrupted run",
            r.orphans_removed
        ));
    }
    Ok(exit::OK)
}

fn run_info(args: InfoArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let lake = args.lake.open(global)?;
    if !lake.exists()? {
        anyhow::bail!(trailguard_lake::LakeError::NoLake {
            location: lake.location().to_string()
        });
    }
    let snap = lake.snapshot()?;
    let mut tables = Vec::new();
    for t in Table::ALL {
        let files: Vec<_> = snap.table_files(t).collect();
        let partitions: std::collections::BTreeSet<_> = files.iter().map(|f| &f.partition).collect();
        let min = files.iter().map(|f| f.min_time).min();
        let max = files.iter().map(|f| f.max_time).max();
        let time = |m: Option<i64>| m.map(|v| trailguard_model::Timestamp(v.div_euclid(1000)).to_rfc3339());
        tables.push(serde_json::json!({
            "table": t.name(),
            "rows": snap.rows(t),
            "files": files.len(),
            "bytes": files.iter().map(|f| f.bytes).sum::<u64>(),
            "partitions": partitions.len(),
            "first_event": time(min),
            "last_event": time(max),
        }));
    }
    let info = serde_json::json!({
        "lake": lake.location().to_string(),
        "event_data_store": lake.event_data_store_id()?,
        "commits": snap.seq,
        "source_objects": snap.objects.len(),
        "tables": tables,
    });
    if args.json {
        out.write_all(serde_json::to_string_pretty(&info)?.as_bytes())?;
        out.write_all(b"\n")?;
    } else {
        let mut s = format!(
            "lake {}\n  {} commits, {} source objects ingested\n  event data store id (for saved Lake queries): {}\n",
            info["lake"].as_str().unwrap_or(""),
            snap.seq,
            snap.objects.len(),
            info["event_data_store"].as_str().unwrap_or("-")
        );
        for t in &tables {
            s.push_str(&format!(
                "  {:<9} {:>12} rows  {:>6} files  {:>14} bytes  {:>5} partitions  {} … {}\n",
                t["table"].as_str().unwrap_or(""),
                t["rows"],
                t["files"],
                t["bytes"],
                t["partitions"],
                t["first_event"].as_str().unwrap_or("-"),
                t["last_event"].as_str().unwrap_or("-"),
            ));
        }
        out.write_all(s.as_bytes())?;
    }
    out.flush()?;
    Ok(exit::OK)
}
