//! Shared helpers: rule sets from inline YAML or the SigmaHQ folder, and records from the corpus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use trailguard_model::Event;
use trailguard_read::{FileList, InputFile, Issue, ReadOptions, RecordAt, Sink, Worker};
use trailguard_sigma::{Options, RuleSet, Source, load_path};

/// The repository's root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The SigmaHQ CloudTrail rules copied into `testdata/`.
pub(crate) fn sigmahq_dir() -> PathBuf {
    root().join("testdata/sigma-cloudtrail/rules")
}

/// The SigmaHQ rules, compiled; panics on any problem above a warning.
pub(crate) fn sigmahq() -> RuleSet {
    let loaded = load_path(&sigmahq_dir());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let (set, report) = RuleSet::build(&loaded.sources, &Options::default());
    let bad: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.severity() > trailguard_sigma::Severity::Warning)
        .map(ToString::to_string)
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    set
}

/// The file stem of a rule's origin (`aws_cloudtrail_disable_logging`).
pub(crate) fn stem(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Calls a closure with every record of the files under `path`.
pub(crate) fn for_each_record(path: &Path, f: &mut dyn FnMut(&InputFile, &Event<'_>)) {
    struct S<'a> {
        f: &'a mut dyn FnMut(&InputFile, &Event<'_>),
        issues: Vec<Issue>,
    }
    impl Sink for S<'_> {
        fn record(&mut self, ev: &Event<'_>, at: &RecordAt<'_>) {
            (self.f)(at.file, ev);
        }
        fn issue(&mut self, issue: Issue) {
            self.issues.push(issue);
        }
    }
    let list = FileList::from_arg(&path.display().to_string()).expect("corpus path");
    let opts = ReadOptions {
        threads: 1,
        ..ReadOptions::default()
    };
    let mut sink = S { f, issues: Vec::new() };
    let mut worker = Worker::default();
    for file in &list.files {
        worker.read(file, &opts, &mut sink);
    }
}

/// (file name, rule file stem) → number of records matched.
pub(crate) fn hits(set: &RuleSet, path: &Path) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for_each_record(path, &mut |file, ev| {
        let name = Path::new(&file.key)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        set.matching(ev, |id| {
            let rule = set.rule(id).expect("rule");
            *out.entry((name.clone(), stem(&rule.origin.file))).or_default() += 1;
        });
    });
    out
}

/// The YAML of a CloudTrail rule with this `detection` body (written without indentation).
pub(crate) fn rule_yaml(detection: &str) -> String {
    let mut y = String::from(
        "title: Test rule\nid: 00000000-0000-0000-0000-000000000001\nauthor: Tester\nlevel: medium\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n",
    );
    for line in detection.trim_matches('\n').lines() {
        y.push_str("    ");
        y.push_str(line);
        y.push('\n');
    }
    y
}

/// A record's text from a JSON object, with an `eventTime` added when it has none (the text is
/// then re-serialized).
pub(crate) fn record_text(event: &str) -> String {
    if event.contains("\"eventTime\"") {
        // Kept byte for byte (escapes included).
        return event.to_owned();
    }
    let mut v: serde_json::Value =
        serde_json::from_str(event).unwrap_or_else(|e| panic!("bad test event {event}: {e}"));
    if let Some(o) = v.as_object_mut() {
        o.entry("eventTime").or_insert_with(|| "2024-05-01T09:30:00Z".into());
    }
    v.to_string()
}

/// Whether a rule with this detection body matches this record.
pub(crate) fn verdict(detection: &str, event: &str) -> bool {
    let set = set(&rule_yaml(detection));
    let text = record_text(event);
    let ev = trailguard_model::decode_event_text(&text).expect("test event decodes");
    let fast = !set.matches(&ev).is_empty();
    // The explained path and the prefiltered path must agree.
    let mut slow = false;
    set.matching(&ev, |_| slow = true);
    assert_eq!(fast, slow, "matches() and matching() disagree");
    fast
}

/// A rule set from one inline text; panics on problems.
pub(crate) fn set(yaml: &str) -> RuleSet {
    match RuleSet::from_yaml(yaml) {
        Ok(s) => s,
        Err(p) => panic!("rule does not compile: {p:#?}\n{yaml}"),
    }
}

/// Compile with options.
pub(crate) fn build(yaml: &str, opts: &Options) -> (RuleSet, trailguard_sigma::BuildReport) {
    RuleSet::build(&[Source::new("rule.yml", yaml)], opts)
}
