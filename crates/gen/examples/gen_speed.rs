//! Measure generation speed.
//!
//! ```text
//! cargo run --release -p trailguard-gen --example gen_speed -- [--demo] [--records N]
//!     [--gzip LEVEL] [--no-digests] [--out DIR]
//! ```
//!
//! Without `--out` the objects are discarded (pure generation speed); with it they are written
//! to `DIR` (which should not exist yet) together with the `.trailguard/` side files.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use trailguard_gen::{DirSink, GenConfig, NullSink, generate, write_sidecar_files};

fn main() {
    let mut cfg = GenConfig::default();
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match a.as_str() {
            "--demo" => cfg = GenConfig::demo(),
            "--records" => cfg.records = value().parse().unwrap_or(cfg.records),
            "--gzip" => cfg.gzip_level = value().parse().unwrap_or(cfg.gzip_level),
            "--no-digests" => cfg.digests = false,
            "--out" => out = Some(value()),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let start = Instant::now();
    let result = match &out {
        Some(dir) => generate(&cfg, &DirSink::new(dir)),
        None => generate(&cfg, &NullSink),
    };
    let elapsed = start.elapsed().as_secs_f64();
    let output = match result {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    if let Some(dir) = &out
        && let Err(e) = write_sidecar_files(dir, &output)
    {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let c = &output.manifest.counts;
    println!(
        "{} records, {} log files ({:.1} MB JSON, {:.1} MB gzip, {:.0} B/record, {:.1}:1), {} digests in {:.2} s: {:.0} records/s, {:.1} MB/s JSON, {:.1} MB/s gzip",
        c.records,
        c.log_files,
        c.log_bytes as f64 / 1e6,
        c.log_bytes_gz as f64 / 1e6,
        c.log_bytes as f64 / c.records.max(1) as f64,
        c.log_bytes as f64 / c.log_bytes_gz.max(1) as f64,
        c.digest_files,
        elapsed,
        c.records as f64 / elapsed,
        c.log_bytes as f64 / 1e6 / elapsed,
        c.log_bytes_gz as f64 / 1e6 / elapsed,
    );
}
