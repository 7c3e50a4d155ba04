//! Command-line arguments: one definition per flag, with its help.

use std::io::IsTerminal;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// CloudTrail you can trust: verify, detect, investigate.
#[derive(Debug, Parser)]
#[command(name = "trailguard", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// More detail on stderr: -v lists every input problem as it is found, -vv adds debug logs.
    /// RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Only errors on stderr; no progress bar.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// When to use colour (NO_COLOR is honoured in auto mode).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// Worker threads (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub(crate) threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    pub(crate) fn enabled_for_stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }

    pub(crate) fn enabled_for_stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }
}

// Parsed once per run: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// One pass over a trail: what is in it, who did what, what stands out, what could not be
    /// read. With no SOURCE, scans a built-in demo trail.
    Scan(ScanArgs),
    /// Filter and print records (time range, the LookupEvents attributes, account, region,
    /// error code, a CloudWatch Logs filter pattern) as a table, JSON lines or CSV.
    Events(EventsArgs),
    /// Load a trail into the lake (Hive-partitioned Parquet, local or s3://): idempotent,
    /// crash-safe, deduplicated by eventID.
    Ingest(crate::commands::ingest::IngestArgs),
    /// SQL over the lake (tables events and insights; Athena and CloudTrail Lake spellings run).
    Query(crate::commands::query::QueryArgs),
    /// Look events up in the lake like `aws cloudtrail lookup-events`.
    Lookup(crate::commands::lookup::LookupArgs),
    /// What one principal, access key or address did, in order.
    Timeline(crate::commands::timeline::TimelineArgs),
    /// Lake maintenance: table DDL for Athena/Trino/Spark, compaction, info.
    Lake(crate::commands::lake::LakeCmdArgs),
    /// Prove that CloudTrail logs were not altered, deleted or forged: validate the digest
    /// chains of a local copy or of the bucket in S3 (every account and region), stricter than
    /// `aws cloudtrail validate-logs`, whose output `--format aws-cli` reproduces.
    Verify(crate::commands::verify::VerifyArgs),
    /// Check a CloudTrail setup against best practice (CIS, Security Hub, AWS guidance): live,
    /// from a snapshot, a CloudFormation template or a Terraform plan.
    Audit(crate::commands::audit::AuditArgs),
    /// Save an account's or organization's CloudTrail configuration as a snapshot for offline
    /// `audit --snapshot` (read-only calls; `--print-policy` shows the IAM policy needed).
    Collect(crate::commands::collect::CollectArgs),
    /// Write a realistic synthetic trail (organization layout, injected attack scenarios with a
    /// manifest, signed digest chains) for tests, benchmarks and demos.
    Generate(crate::commands::generate::GenerateArgs),
    /// API call-rate and error-rate anomalies against a seasonal baseline, written as
    /// CloudTrail Insights events (Start/End records, a table, SVG charts); compares with
    /// CloudTrail's own Insights found in the input.
    Insights(crate::commands::insights::InsightsArgs),
    /// Work with detection rules and filter patterns.
    Rules(RulesArgs),
    /// Run detection rules (built-in packs, Sigma, filter patterns, rule files) over a trail and
    /// print the alerts. Exit 1 when an alert reaches --fail-on.
    Detect(crate::commands::detect::DetectArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    pub(crate) command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// Check a CloudWatch Logs filter pattern against what AWS accepts, and say what it matches.
    /// Exit 0: AWS accepts it; 1: AWS would reject it; 2: it cannot be read at all.
    Lint(RulesLintArgs),
    /// List the rules: built-in packs, and any --rules, --sigma or --pattern given.
    List(crate::commands::rules::RulesListArgs),
    /// Run every rule's own tests (built-in packs and --rules files). Exit 1 if any fails.
    Test(crate::commands::rules::RulesTestArgs),
    /// Show everything about one rule: what it detects, its logic, threshold and tests.
    Explain(crate::commands::rules::RulesExplainArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RulesLintArgs {
    /// The filter pattern, e.g. '{ ($.eventName = ConsoleLogin) && ($.errorMessage = *) }'.
    pub(crate) pattern: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// How input is read.
#[derive(Debug, Args, Clone)]
pub(crate) struct InputArgs {
    /// Fail (exit 2) when any input had to be skipped: damaged files, invalid records.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Most bytes one object may inflate to (decompression bomb guard), e.g. 16GiB.
    #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = parse_size)]
    pub(crate) max_inflate: u64,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// A file, a folder (walked recursively, e.g. a synced trail bucket), or - for stdin. Omit
    /// it to scan the built-in demo trail.
    pub(crate) source: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Length of each ranking.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub(crate) top: usize,
    /// Leave out the API call-rate and error-rate anomaly detector.
    #[arg(long)]
    pub(crate) no_insights: bool,
    /// Public keys for the digest chains: the JSON of `aws cloudtrail list-public-keys`, or an
    /// object mapping each region to such a list (default: `.trailguard/public-keys.json`
    /// inside the source, reported as such).
    #[arg(long, value_name = "FILE")]
    pub(crate) public_keys: Option<std::path::PathBuf>,
    /// Digest signatures of a synced copy, as for `verify --signatures` (default:
    /// `.trailguard/signatures.json` inside the source).
    #[arg(long, value_name = "FILE")]
    pub(crate) signatures: Option<std::path::PathBuf>,
    /// The bucket's name, for a copy whose digests cannot tell it.
    #[arg(long, value_name = "NAME")]
    pub(crate) bucket: Option<String>,
    /// Do not verify the digest chains in the pass (a source with digests is verified by
    /// default, and its verdict heads the report).
    #[arg(long)]
    pub(crate) no_verify: bool,
    #[command(flatten)]
    pub(crate) input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum EventsFormat {
    /// Aligned columns.
    Table,
    /// One record per line, exactly as read (whitespace removed).
    Jsonl,
    /// CSV with a header row.
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    /// A file, a folder, or - for stdin.
    pub(crate) source: String,
    /// Only records at or after this time (RFC 3339; an offset such as +02:00 is converted).
    #[arg(long, value_name = "TIME")]
    pub(crate) start_time: Option<String>,
    /// Only records at or before this time.
    #[arg(long, value_name = "TIME")]
    pub(crate) end_time: Option<String>,
    /// A LookupEvents attribute, as KEY=VALUE or AttributeKey=K,AttributeValue=V; repeat to
    /// require several (keys: EventId, EventName, EventSource, Username, AccessKeyId,
    /// ResourceType, ResourceName, ReadOnly).
    #[arg(long = "lookup-attribute", alias = "lookup-attributes", value_name = "ATTR")]
    pub(crate) lookup: Vec<String>,
    /// Same as --lookup-attribute EventName=NAME.
    #[arg(long, value_name = "NAME")]
    pub(crate) event_name: Option<String>,
    /// Same as --lookup-attribute EventSource=SOURCE (e.g. iam.amazonaws.com).
    #[arg(long, value_name = "SOURCE")]
    pub(crate) event_source: Option<String>,
    /// Same as --lookup-attribute EventId=ID.
    #[arg(long, value_name = "ID")]
    pub(crate) event_id: Option<String>,
    /// Same as --lookup-attribute Username=NAME (user, role session or role name).
    #[arg(long, value_name = "NAME")]
    pub(crate) username: Option<String>,
    /// Same as --lookup-attribute AccessKeyId=KEY.
    #[arg(long, value_name = "KEY")]
    pub(crate) access_key_id: Option<String>,
    /// Same as --lookup-attribute ResourceType=TYPE (e.g. AWS::S3::Bucket).
    #[arg(long, value_name = "TYPE")]
    pub(crate) resource_type: Option<String>,
    /// Same as --lookup-attribute ResourceName=NAME (an ARN or the name at its end).
    #[arg(long, value_name = "NAME")]
    pub(crate) resource_name: Option<String>,
    /// Same as --lookup-attribute ReadOnly=true|false.
    #[arg(long, value_name = "BOOL")]
    pub(crate) read_only: Option<bool>,
    /// Only this account (repeatable).
    #[arg(long, value_name = "ID")]
    pub(crate) account: Vec<String>,
    /// Only this region (repeatable).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Vec<String>,
    /// Only this error code (repeatable); * for any error.
    #[arg(long, value_name = "CODE")]
    pub(crate) error_code: Vec<String>,
    /// Only records a CloudWatch Logs filter pattern matches, as a metric filter on the trail's
    /// log group would (e.g. '{ $.userIdentity.type = "Root" }'). Constructs AWS rejects but
    /// guides print, such as `EXISTS`, are read leniently with a warning.
    #[arg(long, value_name = "PATTERN")]
    pub(crate) pattern: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EventsFormat::Table)]
    pub(crate) format: EventsFormat,
    /// Stop after this many records.
    #[arg(long, value_name = "N")]
    pub(crate) max_results: Option<u64>,
    #[command(flatten)]
    pub(crate) input: InputArgs,
}

/// `512MiB`, `16GiB`, `1000000` (bytes), `2GB`.
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 512MiB or 16GiB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        u => return Err(format!("unknown size unit {u:?} (use KiB, MiB, GiB, KB, MB, GB)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16GiB"), Ok(16 << 30));
        assert_eq!(parse_size("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
