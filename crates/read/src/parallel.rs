//! Reading many files on all cores.
//!
//! - [`read_all`]: each worker thread has its own sink and takes the next file from a shared
//!   counter; the caller merges the sinks. For aggregations (scan, detection).
//! - [`read_ordered`]: results per file come back in file order, with workers allowed only a
//!   bounded distance ahead of the consumer. For output that must be deterministic (`events`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use crate::file::Worker;
use crate::options::ReadOptions;
use crate::sink::{FileSummary, Sink};
use crate::source::InputFile;

/// Told about progress, from any worker thread.
pub trait Progress: Sync {
    /// A file is done (`stored` bytes as stored on disk).
    fn file_done(&self, stored: u64);
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {
    fn file_done(&self, _stored: u64) {}
}

/// A request to stop early, shared with the workers.
#[derive(Debug, Default)]
pub struct Cancel(AtomicBool);

impl Cancel {
    /// Ask the workers to stop after their current file.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether stopping was asked.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Read every file into per-worker sinks made by `make`; returns the sinks and the summary of
/// every file (by file position).
pub fn read_all<S, F>(
    files: &[InputFile],
    opts: &ReadOptions,
    progress: &dyn Progress,
    make: F,
) -> (Vec<S>, Vec<FileSummary>)
where
    S: Sink + Send,
    F: Fn() -> S + Sync,
{
    let threads = opts.threads.clamp(1, files.len().max(1));
    let next = AtomicUsize::new(0);
    let summaries: Vec<Mutex<FileSummary>> = files.iter().map(|_| Mutex::new(FileSummary::default())).collect();
    let sinks = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut sink = make();
                    let mut worker = Worker::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else { break };
                        let summary = worker.read(file, opts, &mut sink);
                        progress.file_done(summary.stored_bytes.max(file.size.unwrap_or(0)));
                        if let Ok(mut slot) = summaries[i].lock() {
                            *slot = summary;
                        }
                    }
                    sink
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect::<Vec<S>>()
    });
    let summaries = summaries
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_default())
        .collect();
    (sinks, summaries)
}

/// Read every file on worker threads with `per_file` (which makes a sink for the file, reads it
/// with the given worker and returns what it collected) and hand the results to `consume` in
/// file order. Workers run at most `window` files ahead of the consumer, so memory is bounded.
/// `consume` returning false stops the reading early.
pub fn read_ordered<T, P, C>(files: &[InputFile], opts: &ReadOptions, window: usize, per_file: P, mut consume: C)
where
    T: Send,
    P: Fn(&InputFile, &mut Worker) -> T + Sync,
    C: FnMut(T) -> bool,
{
    let threads = opts.threads.clamp(1, files.len().max(1));
    let window = window.max(threads);
    let next = AtomicUsize::new(0);
    // The index of the next result the consumer needs, and whether it gave up.
    let gate = (Mutex::new((0usize, false)), Condvar::new());
    let results: Mutex<BTreeMap<usize, T>> = Mutex::new(BTreeMap::new());
    let ready = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut worker = Worker::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= files.len() {
                        break;
                    }
                    {
                        let (lock, cv) = &gate;
                        let Ok(mut g) = lock.lock() else { return };
                        while !g.1 && i >= g.0 + window {
                            g = match cv.wait(g) {
                                Ok(g) => g,
                                Err(_) => return,
                            };
                        }
                        if g.1 {
                            return;
                        }
                    }
                    let out = per_file(&files[i], &mut worker);
                    if let Ok(mut r) = results.lock() {
                        r.insert(i, out);
                        ready.notify_all();
                    }
                }
            });
        }
        let mut want = 0usize;
        while want < files.len() {
            let item = {
                let Ok(mut r) = results.lock() else { break };
                loop {
                    if let Some(v) = r.remove(&want) {
                        break Some(v);
                    }
                    r = match ready.wait(r) {
                        Ok(r) => r,
                        Err(_) => break None,
                    };
                }
            };
            let Some(item) = item else { break };
            let go_on = consume(item);
            want += 1;
            let (lock, cv) = &gate;
            if let Ok(mut g) = lock.lock() {
                g.0 = want;
                g.1 = !go_on;
            }
            cv.notify_all();
            if !go_on {
                break;
            }
        }
        // Release any worker still waiting at the gate.
        let (lock, cv) = &gate;
        if let Ok(mut g) = lock.lock() {
            g.1 = true;
        }
        cv.notify_all();
    });
}
