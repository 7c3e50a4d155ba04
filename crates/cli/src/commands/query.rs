//! `trailguard query 'SQL'`

use anyhow::Context;
use clap::{Args, ValueEnum};
use trailguard_lake::OutputFormat;

use super::lake::LakeArgs;
use crate::args::Global;
use crate::exit;
use crate::output::{Out, note};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum QueryFormat {
    /// Aligned columns (long cells cut; use csv or jsonl for whole values).
    Table,
    /// CSV with a header row; nested values as JSON text.
    Csv,
    /// One JSON object per row.
    Jsonl,
    /// A Parquet file (needs --output).
    Parquet,
}

#[derive(Debug, Args)]
pub(crate) struct QueryArgs {
    /// The SQL (tables: events — also cloudtrail_logs and the lake's event data store id — and
    /// insights). Omit it with --file.
    #[arg(required_unless_present = "file")]
    pub(crate) sql: Option<String>,
    /// Read the SQL from a file (a saved Athena or CloudTrail Lake query).
    #[arg(short, long, value_name = "FILE", conflicts_with = "sql")]
    pub(crate) file: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub(crate) format: QueryFormat,
    /// Write the result to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<std::path::PathBuf>,
    /// Widest cell of the table format, in characters.
    #[arg(long, default_value_t = 80, value_name = "N")]
    pub(crate) max_width: usize,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
}

pub(crate) fn run(args: QueryArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let sql = match (&args.sql, &args.file) {
        (Some(s), _) => s.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        (None, None) => anyhow::bail!("give the SQL or --file"),
    };
    let lake = args.lake.open(global)?;
    let started = std::time::Instant::now();
    let result = lake.query(&sql)?;
    let secs = started.elapsed().as_secs_f64();
    let format = match args.format {
        QueryFormat::Table => Some(OutputFormat::Table {
            max_width: args.max_width,
        }),
        QueryFormat::Csv => Some(OutputFormat::Csv),
        QueryFormat::Jsonl => Some(OutputFormat::JsonLines),
        QueryFormat::Parquet => None,
    };
    match (&args.output, format) {
        (Some(path), f) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
            );
            match f {
                Some(f) => result.write(f, &mut file)?,
                None => result.write_parquet(&mut file)?,
            }
            std::io::Write::flush(&mut file).with_context(|| format!("cannot write {}", path.display()))?;
        }
        (None, Some(f)) => {
            result.write(f, out)?;
            out.flush()?;
        }
        (None, None) => anyhow::bail!("--format parquet writes a file: give --output FILE"),
    }
    if !global.quiet {
        note(&format!("{} rows in {secs:.3} s", result.rows()));
    }
    Ok(exit::OK)
}
