//! Everything that prints: stdout through [`Out`], stderr messages, logging, progress bars.
//! Only this module writes to the terminal.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use trailguard_read::Progress;

/// Buffered standard output.
pub(crate) struct Out {
    w: io::BufWriter<io::Stdout>,
    /// Whether colour may be used on stdout.
    pub(crate) color: bool,
}

impl Out {
    pub(crate) fn stdout(color: bool) -> Self {
        Out {
            w: io::BufWriter::with_capacity(1 << 16, io::stdout()),
            color,
        }
    }

    pub(crate) fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        self.w.write_all(b)
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Set up logging to stderr: warnings by default, -v info, -vv debug; RUST_LOG overrides.
pub(crate) fn init_logging(verbose: u8, quiet: bool) {
    let level = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Print an error and its causes to stderr.
pub(crate) fn error(e: &anyhow::Error, color: bool) {
    let label = if color { "\x1b[1;31merror\x1b[0m" } else { "error" };
    let mut msg = format!("{label}: {e}");
    for cause in e.chain().skip(1) {
        msg.push_str(&format!("\n  caused by: {cause}"));
    }
    let _ = writeln!(io::stderr(), "{msg}");
}

/// A line on stderr (notes after the main output).
pub(crate) fn note(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

/// Text on stderr exactly as given (no newline added): for output formats that split their
/// results between the two streams (`verify --format aws-cli`).
pub(crate) fn write_stderr(text: &str) {
    let mut e = io::stderr().lock();
    let _ = e.write_all(text.as_bytes());
    let _ = e.flush();
}

/// Whether `e` is a closed pipe on stdout (`trailguard events … | head`): not a failure.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// A progress bar over bytes, on stderr when it is a terminal.
pub(crate) struct Bar {
    bar: Option<ProgressBar>,
    done: AtomicU64,
}

impl Bar {
    pub(crate) fn new(total_bytes: u64, quiet: bool) -> Self {
        if quiet || !io::stderr().is_terminal() || total_bytes == 0 {
            return Bar {
                bar: None,
                done: AtomicU64::new(0),
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr_with_hz(8));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} [{wide_bar}] {binary_bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Bar {
            bar: Some(bar),
            done: AtomicU64::new(0),
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn file_done(&self, stored: u64) {
        let done = self.done.fetch_add(stored, Ordering::Relaxed) + stored;
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
    }
}

/// A progress bar over a count (records), on stderr when it is a terminal.
pub(crate) struct CountBar(Option<ProgressBar>);

/// A [`CountBar`] of `total` `unit`s.
pub(crate) fn count_bar(total: u64, unit: &str, quiet: bool) -> CountBar {
    if quiet || !io::stderr().is_terminal() || total == 0 {
        return CountBar(None);
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(8));
    let template = format!("{{spinner}} {{human_pos}}/{{human_len}} {unit} [{{wide_bar}}] {{per_sec}} ETA {{eta}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    CountBar(Some(bar))
}

impl CountBar {
    pub(crate) fn set(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_position(n);
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// A progress bar over units of work (accounts × regions for `collect`), on stderr when it is
/// a terminal.
pub(crate) struct WorkBar {
    bar: Option<ProgressBar>,
}

impl WorkBar {
    pub(crate) fn new(label: &str, quiet: bool) -> Self {
        if quiet || !io::stderr().is_terminal() {
            return WorkBar { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(8));
        bar.set_style(
            ProgressStyle::with_template(&format!("{{spinner}} {label} {{pos}}/{{len}} [{{wide_bar}}] {{msg}}"))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        WorkBar { bar: Some(bar) }
    }

    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl trailguard_aws::Progress for WorkBar {
    fn add_total(&self, units: u64) {
        if let Some(b) = &self.bar {
            b.inc_length(units);
        }
    }

    fn advance(&self, units: u64, what: &str) {
        if let Some(b) = &self.bar {
            b.inc(units);
            b.set_message(what.to_string());
        }
    }
}
