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

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_t` of mimalloc v3, which
/// `libmimalloc-sys` builds; the crate declares no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keep freed memory for reuse instead of handing it back to the OS.
///
/// `ingest` and `lake compact` build and free a gigabyte of Arrow and Parquet buffers per
/// commit. By default mimalloc returns freed pages to the kernel after a second, and the
/// next commit faults every page in again (each one zeroed by the kernel, a 2 MiB huge page at
/// a time where transparent huge pages are on): on a 10-million-record ingest that was over a
/// million page faults and a sixth of the CPU time. Resident memory stays at its peak instead,
/// which is right for a batch command and wrong for long-running ones (`watch`, `serve`),
/// which keep the default.
fn keep_freed_memory() {
    // An explicit MIMALLOC_PURGE_DELAY in the environment wins.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    #[allow(unsafe_code)]
    // SAFETY: these calls read and store one entry of mimalloc's option table; they run before
    // any other thread exists. The index is checked by the option's default (1,000 ms),
    // so a different layout of `mi_option_t` leaves the allocator as it was.
    unsafe {
        if libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) == PURGE_DELAY_DEFAULT {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        }
    }
}

/// The default purge delay in milliseconds of the mimalloc v3 that `libmimalloc-sys` builds
/// (`options.c`; its header's comment still says 10).
const PURGE_DELAY_DEFAULT: std::os::raw::c_long = 1000;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Ingest(_) | Command::Lake(_)) {
        keep_freed_memory();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The option index and default that [`keep_freed_memory`] relies on: if a mimalloc update
    /// moves them, this fails instead of ingest silently keeping the default.
    #[test]
    fn purge_delay_option_is_where_we_expect() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        #[allow(unsafe_code)]
        // SAFETY: reads one entry of mimalloc's option table.
        let v = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(v, PURGE_DELAY_DEFAULT);
    }
}
