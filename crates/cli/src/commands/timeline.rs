//! `trailguard timeline --principal ARN | --access-key ID | --ip ADDR`

use clap::Args;
use trailguard_lake::{OutputFormat, TimelineRequest, TimelineSubject};

use super::lake::LakeArgs;
use super::lookup::time;
use super::query::QueryFormat;
use crate::args::Global;
use crate::exit;
use crate::output::{Out, note};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["principal", "access_key", "ip"])))]
pub(crate) struct TimelineArgs {
    /// A principal ARN: a user, a role (all its sessions) or one assumed-role session.
    #[arg(long, value_name = "ARN")]
    pub(crate) principal: Option<String>,
    /// An access key id: every call signed with it, and the call that issued it.
    #[arg(long, value_name = "ID")]
    pub(crate) access_key: Option<String>,
    /// A source IP address or CIDR block.
    #[arg(long, value_name = "ADDR")]
    pub(crate) ip: Option<String>,
    /// From this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub(crate) start_time: Option<String>,
    /// Until this time.
    #[arg(long, value_name = "TIME")]
    pub(crate) end_time: Option<String>,
    /// Most events.
    #[arg(long, value_name = "N")]
    pub(crate) max_results: Option<usize>,
    /// Output format (parquet is not offered here).
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub(crate) format: QueryFormat,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
}

pub(crate) fn run(args: TimelineArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let subject = match (&args.principal, &args.access_key, &args.ip) {
        (Some(p), _, _) => TimelineSubject::Principal(p.clone()),
        (_, Some(k), _) => TimelineSubject::AccessKey(k.clone()),
        (_, _, Some(ip)) => TimelineSubject::Ip(ip.clone()),
        _ => anyhow::bail!("give --principal, --access-key or --ip"),
    };
    let req = TimelineRequest {
        subject,
        start: time("start-time", &args.start_time)?,
        end: time("end-time", &args.end_time)?,
        max_results: args.max_results,
    };
    let lake = args.lake.open(global)?;
    let result = lake.query(&req.to_sql())?;
    let format = match args.format {
        QueryFormat::Table => OutputFormat::Table { max_width: 70 },
        QueryFormat::Csv => OutputFormat::Csv,
        QueryFormat::Jsonl => OutputFormat::JsonLines,
        QueryFormat::Parquet => {
            anyhow::bail!("timeline prints table, csv or jsonl; use `trailguard query --format parquet` for files")
        }
    };
    result.write(format, out)?;
    out.flush()?;
    if !global.quiet {
        note(&format!("{} events", result.rows()));
    }
    Ok(exit::OK)
}
