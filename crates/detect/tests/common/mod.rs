//! Reading a source through trailguard-read into a detector, as the CLI does.

use trailguard_detect::{Detection, Detector, DetectorBuilder, Keep, all_pack_rules};
use trailguard_model::Event;
use trailguard_read::{FileList, Issue, NoProgress, ReadOptions, RecordAt, Sink, read_all};

/// Every built-in pack.
pub(crate) fn packs() -> Detector {
    let mut b = DetectorBuilder::new();
    b.rules(all_pack_rules().expect("packs read"));
    b.build().expect("packs compile").0
}

struct S<'d>(trailguard_detect::Collector<'d>, u64);

impl Sink for S<'_> {
    fn record(&mut self, event: &Event<'_>, _at: &RecordAt<'_>) {
        self.1 += 1;
        self.0.record(event);
    }
    fn issue(&mut self, _issue: Issue) {}
}

/// Run `det` over `list` on two threads; returns what it found and the records read.
pub(crate) fn detect(det: &Detector, list: &FileList) -> (Detection, u64) {
    let opts = ReadOptions {
        threads: 2,
        ..ReadOptions::default()
    };
    let (sinks, _) = read_all(&list.files, &opts, &NoProgress, || S(det.collector(Keep::All), 0));
    let mut merged = det.collector(Keep::All);
    let mut n = 0;
    for s in sinks {
        n += s.1;
        merged.merge(s.0);
    }
    (merged.finish(), n)
}
