//! Shared test helpers: the real CloudTrail records of `testdata/corpus`.

#![allow(dead_code)]

use std::path::Path;

use trailguard_model::Event;
use trailguard_read::{FileList, Issue, ReadOptions, RecordAt, Sink, Worker};

/// One real record: the file it came from and its exact JSON text.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub(crate) file: String,
    pub(crate) text: String,
}

impl Record {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap()
    }
}

struct Collect(Vec<Record>);

impl Sink for Collect {
    fn record(&mut self, event: &Event<'_>, at: &RecordAt<'_>) {
        self.0.push(Record {
            file: at.file.key.clone(),
            text: event.raw.text().to_owned(),
        });
    }

    fn issue(&mut self, _issue: Issue) {}
}

/// Every record of the corpus, in file order.
pub(crate) fn corpus() -> Vec<Record> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus");
    let list = FileList::walk(&root).unwrap();
    let mut sink = Collect(Vec::new());
    let mut worker = Worker::default();
    let opts = ReadOptions::default();
    for f in &list.files {
        worker.read(f, &opts, &mut sink);
    }
    assert!(sink.0.len() > 3000, "corpus has {} records", sink.0.len());
    sink.0
}

/// Compact JSON text of a value (keys in serde_json's order).
pub(crate) fn text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap()
}
