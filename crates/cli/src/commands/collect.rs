//! `trailguard collect`: read an account's (or organization's) CloudTrail configuration into
//! a snapshot for offline `audit --snapshot`.

use std::time::SystemTime;

use anyhow::Context;
use clap::Args;
use trailguard_aws::{CollectOptions, collect, iam_policy};
use trailguard_model::Timestamp;
use trailguard_posture::snapshot::Snapshot;

use crate::args::Global;
use crate::exit;
use crate::output::{Out, WorkBar, note};

/// Where and how to read AWS (shared by `collect` and `audit --live`).
#[derive(Debug, Args, Clone)]
pub(crate) struct AwsArgs {
    /// Named profile from ~/.aws/config (default: the standard credential chain).
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Region for discovery and global services (default: the configured region, else
    /// us-east-1).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Read only these regions (comma-separated or repeated); default: every enabled region,
    /// opt-in regions included.
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub(crate) regions: Vec<String>,
    /// Send every call to this endpoint (an AWS-compatible server, e.g. http://127.0.0.1:5000).
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,
    /// Walk the organization's member accounts by assuming this role name in each (run from
    /// the management account or a delegated administrator).
    #[arg(long, value_name = "ROLE_NAME")]
    pub(crate) org: Option<String>,
    /// With --org: only these member accounts (comma-separated or repeated).
    #[arg(long, value_name = "ID", value_delimiter = ',', requires = "org")]
    pub(crate) accounts: Vec<String>,
    /// Regions read at the same time per account.
    #[arg(long, value_name = "N", default_value_t = 17)]
    pub(crate) region_concurrency: usize,
    /// Attempts per API call; throttling and transient errors are retried with backoff.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub(crate) max_attempts: u32,
}

impl AwsArgs {
    pub(crate) fn options(&self, global: &Global) -> CollectOptions {
        CollectOptions {
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
            region: self.region.clone(),
            regions: (!self.regions.is_empty()).then(|| self.regions.clone()),
            org_role: self.org.clone(),
            accounts: (!self.accounts.is_empty()).then(|| self.accounts.clone()),
            region_concurrency: self.region_concurrency.max(1),
            account_concurrency: 4,
            max_attempts: self.max_attempts.max(1),
            threads: global.threads.unwrap_or(4).clamp(1, 64),
            collected_at: now(),
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct CollectArgs {
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
    /// Write the snapshot to this file (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: Option<String>,
    /// Print the minimal read-only IAM policy collect needs, and exit.
    #[arg(long)]
    pub(crate) print_policy: bool,
}

/// Now, RFC 3339 UTC.
pub(crate) fn now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Timestamp::from_secs(secs).to_rfc3339()
}

/// Collect with a progress bar; notes about what could not be read go to stderr.
pub(crate) fn collect_snapshot(aws: &AwsArgs, global: &Global) -> anyhow::Result<Snapshot> {
    let opts = aws.options(global);
    let bar = WorkBar::new("collect", global.quiet);
    let snap = collect(&opts, &bar).context("collect failed")?;
    bar.finish();
    if !global.quiet {
        let (regions, errors) = tally(&snap);
        note(&format!(
            "collected {} account{}, {regions} account-region{} ({errors} read{} failed; they are recorded in the snapshot)",
            snap.accounts.len(),
            if snap.accounts.len() == 1 { "" } else { "s" },
            if regions == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
        ));
    }
    Ok(snap)
}

/// (account × region pairs read, failed reads).
fn tally(s: &Snapshot) -> (usize, usize) {
    let v = serde_json::to_value(s).unwrap_or_default();
    fn errors(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(m) => {
                usize::from(m.len() == 1 && m.contains_key("error")) + m.values().map(errors).sum::<usize>()
            }
            serde_json::Value::Array(a) => a.iter().map(errors).sum(),
            _ => 0,
        }
    }
    (s.accounts.iter().map(|a| a.region_data.len()).sum(), errors(&v))
}

pub(crate) fn run(args: CollectArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    if args.print_policy {
        out.write_all(iam_policy(args.aws.org.as_deref()).as_bytes())?;
        out.flush()?;
        return Ok(exit::OK);
    }
    let snap = collect_snapshot(&args.aws, global)?;
    let mut json = snap.to_json();
    json.push('\n');
    match &args.out {
        Some(path) => {
            std::fs::write(path, json.as_bytes()).with_context(|| format!("cannot write the snapshot to {path}"))?;
            if !global.quiet {
                note(&format!("snapshot written to {path}"));
            }
        }
        None => {
            out.write_all(json.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(exit::OK)
}
