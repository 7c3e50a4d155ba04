//! `trailguard lookup`: LookupEvents from the lake.

use anyhow::Context;
use clap::{Args, ValueEnum};
use trailguard_lake::lookup::lookup_events_json;
use trailguard_lake::{LookupRequest, OutputFormat};
use trailguard_model::{LookupAttribute, Timestamp};

use super::lake::LakeArgs;
use crate::args::Global;
use crate::exit;
use crate::output::{Out, note};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum LookupFormat {
    /// `aws cloudtrail lookup-events` JSON: {"Events": [{EventId, EventName, …, CloudTrailEvent}]}.
    Json,
    /// Aligned columns.
    Table,
    /// One lake row per line, as JSON.
    Jsonl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum EventCategory {
    /// Management, data and network activity events.
    Management,
    /// CloudTrail Insights events.
    Insight,
}

#[derive(Debug, Args)]
pub(crate) struct LookupArgs {
    /// A lookup attribute, as AttributeKey=K,AttributeValue=V or KEY=VALUE; repeat to require
    /// several (keys: EventId, EventName, EventSource, Username, AccessKeyId, ResourceType,
    /// ResourceName, ReadOnly).
    #[arg(long = "lookup-attributes", alias = "lookup-attribute", value_name = "ATTR")]
    pub(crate) lookup: Vec<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub(crate) start_time: Option<String>,
    /// Only events at or before this time.
    #[arg(long, value_name = "TIME")]
    pub(crate) end_time: Option<String>,
    /// Most events, newest first.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub(crate) max_results: usize,
    /// Insights events instead of ordinary ones.
    #[arg(long, value_enum, default_value_t = EventCategory::Management)]
    pub(crate) event_category: EventCategory,
    /// Only this account (repeatable).
    #[arg(long, value_name = "ID")]
    pub(crate) account: Vec<String>,
    /// Only this region (repeatable).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LookupFormat::Json)]
    pub(crate) format: LookupFormat,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
}

pub(crate) fn time(flag: &str, v: &Option<String>) -> anyhow::Result<Option<Timestamp>> {
    v.as_deref()
        .map(|s| Timestamp::parse_rfc3339(s).with_context(|| format!("--{flag}")))
        .transpose()
}

pub(crate) fn run(args: LookupArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let attributes = args
        .lookup
        .iter()
        .map(|a| a.parse::<LookupAttribute>())
        .collect::<Result<Vec<_>, _>>()?;
    let req = LookupRequest {
        attributes,
        start: time("start-time", &args.start_time)?,
        end: time("end-time", &args.end_time)?,
        max_results: Some(args.max_results),
        accounts: args.account.clone(),
        regions: args.region.clone(),
        insights: args.event_category == EventCategory::Insight,
    };
    if let (Some(s), Some(e)) = (req.start, req.end)
        && s > e
    {
        anyhow::bail!("--start-time {s} is after --end-time {e}");
    }
    let lake = args.lake.open(global)?;
    let result = lake.query(&req.to_sql()?)?;
    match args.format {
        LookupFormat::Json => out.write_all(lookup_events_json(&result).as_bytes())?,
        LookupFormat::Table => result.write(OutputFormat::Table { max_width: 60 }, out)?,
        LookupFormat::Jsonl => result.write(OutputFormat::JsonLines, out)?,
    }
    out.flush()?;
    if !global.quiet && args.format != LookupFormat::Json {
        note(&format!("{} events", result.rows()));
    }
    Ok(exit::OK)
}
