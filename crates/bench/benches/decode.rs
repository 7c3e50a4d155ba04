//! Decoding and field access over real CloudTrail records (the invictus-ir capture in
//! `testdata/corpus`): the typed one-pass decoder against serde_json, the validating skip,
//! gzip inflate, and field access by path (typed leaf, payload member, generic).

use std::hint::black_box;
use std::io::Write;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trailguard_json::Scanner;
use trailguard_model::{FieldPath, decode_event};
use trailguard_read::gzip::{Inflater, Whole};

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus/invictus-aws_dataset/CloudTrail");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Every record of a `{"Records":[…]}` object, decoded.
fn for_each_record(file: &[u8], mut f: impl FnMut(&trailguard_model::Event<'_>)) {
    let mut sc = Scanner::new(file);
    let mut obj = sc.begin_object().unwrap();
    while obj.next_key(&mut sc).unwrap().is_some() {
        let mut arr = sc.begin_array().unwrap();
        while arr.next(&mut sc).unwrap() {
            f(&decode_event(&mut sc).unwrap());
        }
    }
}

fn decode(c: &mut Criterion) {
    let files = corpus();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let mut records = 0u64;
    for f in &files {
        for_each_record(f, |_| records += 1);
    }
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("typed (trailguard)", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for f in &files {
                for_each_record(f, |ev| n += u64::from(ev.event_name.is_some()));
            }
            assert_eq!(n, records);
        })
    });
    g.bench_function("validating skip", |b| {
        b.iter(|| {
            for f in &files {
                let mut sc = Scanner::new(f);
                sc.skip_value().unwrap();
            }
        })
    });
    g.bench_function("serde_json Value", |b| {
        b.iter(|| {
            for f in &files {
                let v: serde_json::Value = serde_json::from_slice(f).unwrap();
                black_box(v);
            }
        })
    });
    g.finish();

    let gz: Vec<Vec<u8>> = files
        .iter()
        .map(|f| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
            e.write_all(f).unwrap();
            e.finish().unwrap()
        })
        .collect();
    let mut g = c.benchmark_group("inflate");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("libdeflate, whole object", |b| {
        let mut inf = Inflater::default();
        let mut out = Vec::new();
        b.iter(|| {
            for z in &gz {
                assert!(matches!(inf.inflate_whole(z, 1 << 30, &mut out), Whole::Done(_)));
            }
        })
    });
    g.finish();
}

fn field_access(c: &mut Criterion) {
    let files = corpus();
    let mut records = 0u64;
    for f in &files {
        for_each_record(f, |_| records += 1);
    }
    let paths = [
        ("typed leaf: eventName", FieldPath::dotted("eventName")),
        (
            "typed leaf: sessionIssuer.arn",
            FieldPath::dotted("userIdentity.sessionContext.sessionIssuer.arn"),
        ),
        (
            "payload member: requestParameters.bucketName",
            FieldPath::dotted("requestParameters.bucketName"),
        ),
        ("generic: resources.ARN", FieldPath::dotted("resources.ARN")),
    ];
    let mut g = c.benchmark_group("field access (decode + access)");
    g.throughput(Throughput::Elements(records));
    for (name, path) in &paths {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let mut hits = 0u64;
                for f in &files {
                    for_each_record(f, |ev| hits += u64::from(ev.first(path).is_some()));
                }
                black_box(hits)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, decode, field_access);
criterion_main!(benches);
