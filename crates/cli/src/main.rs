//! `trailguard`: CloudTrail you can trust, from setup to incident response.

mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::output::Out;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit statuses shared by every command.
pub(crate) mod exit {
    /// Nothing at or above the threshold.
    pub(crate) const OK: u8 = 0;
    /// Results at or above the threshold (failed checks, invalid files, alerts, insights).
    pub(crate) const RESULTS: u8 = 1;
    /// Could not complete: bad arguments, unreadable input, skipped input under `--strict`.
    pub(crate) const ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_logging(cli.global.verbose, cli.global.quiet);
    let mut out = Out::stdout(cli.global.color.enabled_for_stdout());
    let result = match cli.command {
        Command::Scan(a) => commands::scan::run(a, &cli.global, &mut out),
        Command::Events(a) => commands::events::run(a, &cli.global, &mut out),
        Command::Ingest(a) => commands::ingest::run(a, &cli.global, &mut out),
        Command::Query(a) => commands::query::run(a, &cli.global, &mut out),
        Command::Lookup(a) => commands::lookup::run(a, &cli.global, &mut out),
        Command::Timeline(a) => commands::timeline::run(a, &cli.global, &mut out),
        Command::Lake(a) => commands::lake::run(a, &cli.global, &mut out),
        Command::Verify(a) => commands::verify::run(a, &cli.global, &mut out),
        Command::Audit(a) => commands::audit::run(a, &cli.global, &mut out),
        Command::Collect(a) => commands::collect::run(a, &cli.global, &mut out),
        Command::Generate(a) => commands::generate::run(a, &cli.global, &mut out),
        Command::Insights(a) => commands::insights::run(a, &cli.global, &mut out),
        Command::Rules(a) => commands::rules::run(a, &cli.global, &mut out),
        Command::Detect(a) => commands::detect::run(a, &cli.global, &mut out),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if output::is_broken_pipe(&e) => ExitCode::from(exit::OK),
        Err(e) => {
            output::error(&e, cli.global.color.enabled_for_stderr());
            ExitCode::from(exit::ERROR)
        }
    }
}
