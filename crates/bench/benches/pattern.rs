//! Every CIS monitoring-alarm pattern (23 texts, posture-checks.md §3.4) over the real records of
//! `testdata/corpus`, in records per second:
//!
//! - `cis/match`: all patterns on already decoded records (the detection engine's cost);
//! - `cis/match_indexed_by_event_name`: the same, skipping patterns whose
//!   [`Pattern::event_names`] exclude the record's name (how an engine with many rules runs them);
//! - `cis/decode+match`: decoding each record's text and running all patterns on it;
//! - `cis/decode`: decoding alone, for reference;
//! - `cis/serde_json_value`: parsing each record into a `serde_json::Value` tree, which is what a
//!   tree-walking evaluator pays before it evaluates anything (the usual way to write one);
//! - `text/…`: term and regex patterns, which see each record's compact text.
//!
//! Run: `cargo bench -p trailguard-bench --bench pattern`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trailguard_model::{Event, decode_event_text};
use trailguard_pattern::{Pattern, Subject};
use trailguard_read::{FileList, Issue, ReadOptions, RecordAt, Sink, Worker};

struct Collect(Vec<String>);

impl Sink for Collect {
    fn record(&mut self, event: &Event<'_>, _at: &RecordAt<'_>) {
        self.0.push(event.raw.text().to_owned());
    }

    fn issue(&mut self, _issue: Issue) {}
}

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus");
    let list = FileList::walk(&root).expect("the corpus");
    let mut sink = Collect(Vec::new());
    let mut worker = Worker::default();
    for f in &list.files {
        worker.read(f, &ReadOptions::default(), &mut sink);
    }
    sink.0
}

fn cis() -> Vec<Pattern> {
    include_str!("../../pattern/tests/data/cis.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(_, p)| Pattern::parse(p).expect("a CIS pattern"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let texts = corpus();
    let patterns = cis();
    let events: Vec<Event<'_>> = texts.iter().map(|t| decode_event_text(t).expect("a record")).collect();
    let n = events.len() as u64;

    let mut g = c.benchmark_group("cis");
    g.throughput(Throughput::Elements(n));
    g.bench_function("match", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for ev in &events {
                for p in &patterns {
                    hits += usize::from(p.matches(black_box(ev)));
                }
            }
            hits
        })
    });
    // Patterns indexed by the event names they are limited to (`Pattern::event_names`).
    let mut by_name: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    let mut always = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        match p.event_names() {
            Some(names) => names.into_iter().for_each(|n| by_name.entry(n).or_default().push(i)),
            None => always.push(i),
        }
    }
    g.bench_function("match_indexed_by_event_name", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for ev in &events {
                let ev = black_box(ev);
                let named = ev.event_name.as_deref().and_then(|n| by_name.get(n));
                for &i in always.iter().chain(named.into_iter().flatten()) {
                    hits += usize::from(patterns[i].matches(ev));
                }
            }
            hits
        })
    });
    g.bench_function("decode+match", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for t in &texts {
                let Ok(ev) = decode_event_text(black_box(t)) else {
                    continue;
                };
                for p in &patterns {
                    hits += usize::from(p.matches(&ev));
                }
            }
            hits
        })
    });
    g.bench_function("decode", |b| {
        b.iter(|| texts.iter().filter(|t| decode_event_text(black_box(t)).is_ok()).count())
    });
    g.bench_function("serde_json_value", |b| {
        b.iter(|| {
            texts
                .iter()
                .filter(|t| serde_json::from_str::<serde_json::Value>(black_box(t)).is_ok())
                .count()
        })
    });
    g.finish();

    let text_patterns: Vec<Pattern> = [
        "AccessDenied",
        "\"errorCode\" -\"HeadBucket\"",
        "?StopLogging ?DeleteTrail",
        "%\\x22eventName\\x22:\\x22St[a-z]+Logging%",
        "%arn:aws:iam::[0-9]{12}:root%",
    ]
    .iter()
    .map(|p| Pattern::parse(p).expect("a text pattern"))
    .collect();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Elements(n));
    g.bench_function("5_patterns_shared_subject", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for ev in &events {
                let s = Subject::event(black_box(ev));
                for p in &text_patterns {
                    hits += usize::from(p.is_match(&s));
                }
            }
            hits
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
