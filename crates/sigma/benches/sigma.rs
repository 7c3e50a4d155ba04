//! The Sigma matcher over real CloudTrail records, beside rsigma in the same run.
//!
//! `cargo bench -p trailguard-sigma --bench sigma`. Records are every record of
//! `testdata/corpus` (about 3,300, real captures); rules are the 57 SigmaHQ CloudTrail rules of
//! `testdata/sigma-cloudtrail`. Throughput is records per second on one core.
//!
//! - `decode`: trailguard's record decoder alone, for reference;
//! - `match`: the compiled rule set on decoded records (what detection adds to a scan);
//! - `decode+match`: both;
//! - `match/indexed-56` and `match/regex-only-1`: the 56 rules a literal index files, and the
//!   one it cannot (`aws_cloudtrail_imds_malicious_usage`, a regex on `userIdentity.arn`);
//! - `rsigma/match`: rsigma's engine on records already parsed by serde_json (its cheapest
//!   input), and `rsigma/parse+match` with the parse.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trailguard_model::{Event, decode_event_text};
use trailguard_read::{FileList, Issue, ReadOptions, RecordAt, Sink, Worker};
use trailguard_sigma::{Options, RuleSet, load_path};

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The text of every corpus record.
fn records() -> Vec<String> {
    struct Keep(Vec<String>);
    impl Sink for Keep {
        fn record(&mut self, ev: &Event<'_>, _at: &RecordAt<'_>) {
            self.0.push(ev.raw.text().to_owned());
        }
        fn issue(&mut self, _issue: Issue) {}
    }
    let list = FileList::from_arg(&root().join("testdata/corpus").display().to_string()).expect("corpus");
    let opts = ReadOptions {
        threads: 1,
        ..ReadOptions::default()
    };
    let mut keep = Keep(Vec::new());
    let mut worker = Worker::default();
    for f in &list.files {
        worker.read(f, &opts, &mut keep);
    }
    keep.0
}

fn bench(c: &mut Criterion) {
    let rules_dir = root().join("testdata/sigma-cloudtrail/rules");
    let loaded = load_path(&rules_dir);
    let (set, _) = RuleSet::build(&loaded.sources, &Options::default());
    assert_eq!(set.len(), 57);
    let texts = records();
    let events: Vec<Event<'_>> = texts.iter().map(|t| decode_event_text(t).expect("decodes")).collect();

    let subset = |keep: &dyn Fn(&str) -> bool| {
        let sources: Vec<_> = loaded.sources.iter().filter(|s| keep(&s.name)).cloned().collect();
        RuleSet::build(&sources, &Options::default()).0
    };
    let indexed = subset(&|n| !n.contains("imds_malicious"));
    let regex_only = subset(&|n| n.contains("imds_malicious"));
    assert_eq!((indexed.len(), regex_only.len()), (56, 1));

    let mut rsigma = rsigma_eval::Engine::new();
    for s in &loaded.sources {
        let collection = rsigma_parser::parse_sigma_yaml(&s.text).expect("rsigma parses");
        rsigma.add_collection(&collection).expect("rsigma compiles");
    }
    let values: Vec<serde_json::Value> = texts.iter().map(|t| serde_json::from_str(t).expect("json")).collect();

    let mut g = c.benchmark_group("sigma");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("decode", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(decode_event_text(t).is_ok());
            }
        });
    });
    g.bench_function("match/sigmahq-57", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for ev in &events {
                set.matching(ev, |_| n += 1);
            }
            black_box(n)
        });
    });
    for (name, rules) in [("match/indexed-56", &indexed), ("match/regex-only-1", &regex_only)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0u32;
                for ev in &events {
                    rules.matching(ev, |_| n += 1);
                }
                black_box(n)
            });
        });
    }
    g.bench_function("decode+match/sigmahq-57", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for t in &texts {
                if let Ok(ev) = decode_event_text(t) {
                    set.matching(&ev, |_| n += 1);
                }
            }
            black_box(n)
        });
    });
    g.bench_function("rsigma/match/sigmahq-57", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for v in &values {
                n += rsigma.evaluate(&rsigma_eval::event::JsonEvent::borrow(v)).len();
            }
            black_box(n)
        });
    });
    g.bench_function("rsigma/parse+match/sigmahq-57", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                let v: serde_json::Value = serde_json::from_str(t).expect("json");
                n += rsigma.evaluate(&rsigma_eval::event::JsonEvent::borrow(&v)).len();
            }
            black_box(n)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
