//! `trailguard generate --out DIR`

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use clap::Args;
use trailguard_gen::{
    DirSink, GenConfig, ScenarioKind, ScenarioSelection, generate_with_progress, write_sidecar_files,
};
use trailguard_model::Timestamp;

use crate::args::Global;
use crate::exit;
use crate::output::{Out, note};

/// Write a realistic synthetic trail: an organization trail over several accounts and regions,
/// injected attack scenarios listed in a manifest, and signed hourly digest chains.
#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Folder to write into (created; must be empty unless --force). Logs and digests go under
    /// AWSLogs/, the manifest, public keys and digest signatures under .trailguard/.
    #[arg(long, value_name = "DIR", required_unless_present = "list_scenarios")]
    out: Option<PathBuf>,
    /// Exact number of records, scenario records included [default: 100000, or the demo's].
    #[arg(long, value_name = "N")]
    records: Option<u64>,
    /// Seed of every random choice: the same seed and options write the same bytes
    /// [default: 1, or the demo's].
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Number of accounts (the management account included).
    #[arg(long, value_name = "N")]
    accounts: Option<u32>,
    /// Regions, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    regions: Vec<String>,
    /// Start of the period (a whole UTC hour).
    #[arg(long, value_name = "TIME")]
    start: Option<String>,
    /// Length of the period in hours.
    #[arg(long, value_name = "N", conflicts_with = "days")]
    hours: Option<u32>,
    /// Length of the period in days.
    #[arg(long, value_name = "N")]
    days: Option<u32>,
    /// A single-account trail layout (AWSLogs/<account>/…) instead of an organization trail.
    #[arg(long)]
    no_org: bool,
    /// S3 bucket name written into digests.
    #[arg(long, value_name = "NAME")]
    bucket: Option<String>,
    /// S3 key prefix of the trail.
    #[arg(long, value_name = "PREFIX")]
    prefix: Option<String>,
    /// Trail name (may contain _ . -).
    #[arg(long, value_name = "NAME")]
    trail_name: Option<String>,
    /// No S3 / Lambda data events.
    #[arg(long)]
    no_data_events: bool,
    /// No digest files.
    #[arg(long)]
    no_digests: bool,
    /// Scenarios to inject: all, none, or a comma-separated list (see --list-scenarios).
    #[arg(long, default_value = "all", value_name = "LIST")]
    scenarios: String,
    /// gzip level of the log files (1-9).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=9))]
    gzip_level: Option<u32>,
    /// The built-in demo trail's configuration (other options still apply on top).
    #[arg(long)]
    demo: bool,
    /// Write into a non-empty folder.
    #[arg(long)]
    force: bool,
    /// List the scenario kinds and exit.
    #[arg(long)]
    list_scenarios: bool,
}

fn config(a: &GenerateArgs) -> anyhow::Result<GenConfig> {
    let mut c = if a.demo {
        GenConfig::demo()
    } else {
        GenConfig {
            records: 100_000,
            seed: 1,
            ..GenConfig::default()
        }
    };
    if let Some(n) = a.records {
        c.records = n;
    }
    if let Some(s) = a.seed {
        c.seed = s;
    }
    if let Some(n) = a.accounts {
        c.accounts = n;
    }
    if !a.regions.is_empty() {
        c.regions = a.regions.clone();
    }
    if let Some(s) = &a.start {
        c.start = Timestamp::parse_rfc3339(s).context("--start")?;
    }
    if let Some(h) = a.hours {
        c.duration_hours = h;
    }
    if let Some(d) = a.days {
        c.duration_hours = d.checked_mul(24).context("--days is too large")?;
    }
    if a.no_org {
        c.organization = false;
    }
    if let Some(b) = &a.bucket {
        c.bucket = Some(b.clone());
    }
    if let Some(p) = &a.prefix {
        c.key_prefix = Some(p.clone());
    }
    if let Some(t) = &a.trail_name {
        c.trail_name = t.clone();
    }
    if a.no_data_events {
        c.data_events = false;
    }
    if a.no_digests {
        c.digests = false;
    }
    c.scenarios = a.scenarios.parse::<ScenarioSelection>().context("--scenarios")?;
    if let Some(l) = a.gzip_level {
        c.gzip_level = l;
    }
    Ok(c)
}

pub(crate) fn run(args: GenerateArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    if args.list_scenarios {
        let mut text = String::new();
        for k in ScenarioKind::ALL {
            text.push_str(&format!("{:32} {}\n", k.name(), k.title()));
        }
        out.write_all(text.as_bytes())?;
        out.flush()?;
        return Ok(exit::OK);
    }
    let cfg = config(&args)?;
    let dir = args.out.clone().context("--out is required")?;
    if dir.exists() && !args.force && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(false) {
        anyhow::bail!("{} is not empty: choose an empty folder or pass --force", dir.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let bar = crate::output::count_bar(cfg.records, "records", global.quiet);
    let last = AtomicU64::new(0);
    let progress = |p: trailguard_gen::Progress| {
        if last.fetch_max(p.records_written, Ordering::Relaxed) < p.records_written {
            bar.set(p.records_written);
        }
    };
    let started = std::time::Instant::now();
    let output = generate_with_progress(&cfg, &DirSink::new(&dir), &progress)?;
    write_sidecar_files(&dir, &output)?;
    bar.finish();
    let m = &output.manifest;
    let c = &m.counts;
    let text = format!(
        "wrote {} records in {} log files ({:.1} MB gzip, {:.1} MB JSON) and {} digest files to {}\n\
         {} accounts, {} regions, {} → {}; {} scenarios injected\n\
         manifest: {}\n",
        c.records,
        c.log_files,
        c.log_bytes_gz as f64 / 1e6,
        c.log_bytes as f64 / 1e6,
        c.digest_files,
        dir.display(),
        m.trail.accounts.len(),
        m.trail.regions.len(),
        m.time_range.start.to_rfc3339(),
        m.time_range.end.to_rfc3339(),
        m.scenarios.len(),
        dir.join(trailguard_gen::MANIFEST_FILE).display(),
    );
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if !global.quiet {
        note(&format!("generated in {:.1} s", started.elapsed().as_secs_f64()));
    }
    Ok(exit::OK)
}
