//! The lake end to end on real records (`testdata/corpus`): ingest, idempotence, deduplication,
//! crash leftovers, compaction, losslessness, lookups against the model's own filter, and the
//! SQL logic tests in `tests/slt/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::physical_plan::ExecutionPlan;
use trailguard_lake::lookup::rebuild_record;
use trailguard_lake::{CompactOptions, IngestOptions, Lake, LakeLocation, LookupRequest, S3Options, Table};
use trailguard_model::{EventFilter, FieldId, LookupAttribute, Timestamp, decode_event_text};
use trailguard_read::{FileList, Issue, NoProgress, ReadOptions, RecordAt, Sink, read_all};

mod slt;

/// The paths in the file groups of every file scan in `plan`.
fn scanned_files(plan: &Arc<dyn ExecutionPlan>, out: &mut Vec<String>) {
    if let Some(scan) = plan.downcast_ref::<DataSourceExec>()
        && let Some(config) = scan.data_source().downcast_ref::<FileScanConfig>()
    {
        for group in &config.file_groups {
            out.extend(group.files().iter().map(|f| f.object_meta.location.to_string()));
        }
    }
    for child in plan.children() {
        scanned_files(child, out);
    }
}

pub(crate) fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus")
}

pub(crate) fn opts() -> IngestOptions {
    IngestOptions {
        read: ReadOptions {
            threads: 2,
            ..ReadOptions::default()
        },
        ingest_micros: 1_700_000_000_000_000,
        ..IngestOptions::default()
    }
}

pub(crate) fn open(dir: &Path) -> Lake {
    Lake::open(LakeLocation::Local(dir.to_path_buf()), &S3Options::default(), 2).unwrap()
}

/// Every record of a source as (eventID, recipient) → its text, read with the model.
struct Collect {
    records: Vec<(String, u64, String)>,
}

impl Sink for Collect {
    fn record(&mut self, event: &trailguard_model::Event<'_>, at: &RecordAt<'_>) {
        self.records
            .push((at.file.key.clone(), at.index, event.raw.text().to_owned()));
    }
    fn issue(&mut self, _issue: Issue) {}
}

fn all_records(dir: &Path) -> Vec<(String, u64, String)> {
    let list = FileList::from_arg(&dir.to_string_lossy()).unwrap();
    let (sinks, _) = read_all(&list.files, &ReadOptions::default(), &NoProgress, || Collect {
        records: Vec::new(),
    });
    let mut all: Vec<_> = sinks.into_iter().flat_map(|s| s.records).collect();
    all.sort();
    all
}

fn count(lake: &Lake, sql: &str) -> i64 {
    let r = lake.query(sql).unwrap();
    let b = &r.batches[0];
    b.column(0).as_primitive::<arrow::datatypes::Int64Type>().value(0)
}

fn strings(lake: &Lake, sql: &str) -> Vec<String> {
    let r = lake.query(sql).unwrap();
    let mut out = Vec::new();
    for b in &r.batches {
        let c = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Utf8).unwrap();
        let s = c.as_string::<i32>();
        for i in 0..s.len() {
            out.push(if s.is_null(i) {
                "NULL".into()
            } else {
                s.value(i).to_owned()
            });
        }
    }
    out
}

#[test]
fn ingest_is_idempotent_and_deduplicates() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let list = FileList::from_arg(&corpus().to_string_lossy()).unwrap();
    let first = lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    // The corpus holds 3,277 records and 6 of them repeat an earlier (eventID, recipient):
    // trailscraper's object is there twice (as .json and as .json.gz: different bytes, same
    // records) and two other projects ship copies of the same records (counted independently
    // with jq over `trailguard events --format jsonl testdata/corpus`).
    assert_eq!(first.records, 3277, "{first:?}");
    assert_eq!(first.duplicates, 6, "{first:?}");
    assert_eq!(first.events_added + first.insights_added, 3271);
    assert_eq!(first.commits, 1);
    assert_eq!(count(&lake, "SELECT count(*) FROM events"), first.events_added as i64);
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM (SELECT DISTINCT eventid, recipientaccountid FROM events WHERE eventid IS NOT NULL)"
        ),
        count(&lake, "SELECT count(*) FROM events WHERE eventid IS NOT NULL")
    );
    // Again: every object is in the ledger, nothing is read.
    let again = lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    assert_eq!(again.files_read, 0, "{again:?}");
    assert_eq!(again.records, 0);
    assert_eq!(again.commits, 0);
    assert!(again.already_ingested > 100, "{again:?}");
    assert_eq!(count(&lake, "SELECT count(*) FROM events"), first.events_added as i64);
}

#[test]
fn the_same_records_from_another_source_add_nothing() {
    let src = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let inv = corpus().join("invictus-aws_dataset/CloudTrail");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&inv).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    // Source 1: the first ten objects.
    let a = src.path().join("a");
    std::fs::create_dir_all(&a).unwrap();
    for p in &names[..10] {
        std::fs::copy(p, a.join(p.file_name().unwrap())).unwrap();
    }
    let r1 = lake
        .ingest(&FileList::walk(&a).unwrap().files, &opts(), &NoProgress)
        .unwrap();
    // Source 2: the same bytes under other names (skipped by content), plus the records of
    // objects 5..15 re-serialised as JSON lines (new bytes: deduplicated by eventID).
    let b = src.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    for p in &names[..10] {
        std::fs::copy(p, b.join(format!("copy-{}", p.file_name().unwrap().to_string_lossy()))).unwrap();
    }
    let mut lines = String::new();
    let mut expected_new = 0;
    for (i, p) in names[5..15].iter().enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for rec in v["Records"].as_array().unwrap() {
            lines.push_str(&rec.to_string());
            lines.push('\n');
            if i >= 5 {
                expected_new += 1;
            }
        }
    }
    std::fs::write(b.join("lines.jsonl"), lines).unwrap();
    let r2 = lake
        .ingest(&FileList::walk(&b).unwrap().files, &opts(), &NoProgress)
        .unwrap();
    assert_eq!(r2.same_content, 10, "{r2:?}");
    assert_eq!(r2.events_added, expected_new, "{r2:?}");
    assert!(r2.duplicates > 0);
    assert_eq!(
        count(&lake, "SELECT count(*) FROM events"),
        (r1.events_added + r2.events_added) as i64
    );
    let snap = lake.snapshot().unwrap();
    let copy = snap.objects.values().find(|o| o.key.starts_with("copy-")).unwrap();
    assert!(copy.same_as.is_some());
    assert_eq!(copy.sha256.as_deref().map(str::len), Some(64));
}

#[test]
fn orphans_of_an_interrupted_run_are_removed_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let src = corpus().join("stratus-red-team");
    let list = FileList::walk(&src).unwrap();
    let r = lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    // An interrupted run leaves a data file that no commit names, and a temporary file.
    let file = lake.snapshot().unwrap().files.values().next().unwrap().path.clone();
    let orphan = dir.path().join(file.replace(".parquet", "-orphan.parquet"));
    std::fs::copy(dir.path().join(&file), &orphan).unwrap();
    std::fs::create_dir_all(dir.path().join("_trailguard/tmp")).unwrap();
    std::fs::write(dir.path().join("_trailguard/tmp/1-1.tmp"), b"partial").unwrap();
    // Queries read the ledger's files only.
    assert_eq!(count(&lake, "SELECT count(*) FROM events"), r.events_added as i64);
    let r2 = lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    assert_eq!(r2.orphans_removed, 2);
    assert!(!orphan.exists());
    assert_eq!(count(&lake, "SELECT count(*) FROM events"), r.events_added as i64);
}

#[test]
fn compaction_merges_files_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let list = FileList::from_arg(&corpus().to_string_lossy()).unwrap();
    // Tiny commits: many files per partition.
    let small = IngestOptions {
        commit_bytes: 64 << 10,
        ..opts()
    };
    let r = lake.ingest(&list.files, &small, &NoProgress).unwrap();
    assert!(r.commits > 10, "{r:?}");
    let before = lake.snapshot().unwrap();
    let ids = strings(
        &lake,
        "SELECT concat(eventid, recipientaccountid, src_key, src_record) FROM events ORDER BY 1",
    );
    let c = lake
        .compact(&CompactOptions {
            time: 1,
            ..CompactOptions::default()
        })
        .unwrap();
    assert!(c.partitions > 0);
    assert_eq!(c.duplicates, 0);
    let after = lake.snapshot().unwrap();
    assert!(after.files.len() < before.files.len());
    let mut per_part: BTreeMap<(Table, String), usize> = BTreeMap::new();
    for f in after.files.values() {
        *per_part.entry((f.table, format!("{:?}", f.partition))).or_default() += 1;
    }
    assert!(per_part.values().all(|n| *n == 1), "{per_part:?}");
    assert_eq!(
        strings(
            &lake,
            "SELECT concat(eventid, recipientaccountid, src_key, src_record) FROM events ORDER BY 1"
        ),
        ids
    );
    // Old files are gone from storage, new ones are sorted by time.
    for f in before.files.values() {
        if !after.files.contains_key(&f.path) {
            assert!(!dir.path().join(&f.path).exists(), "{}", f.path);
        }
    }
    // Re-ingesting after compaction still adds nothing.
    let again = lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    assert_eq!(again.events_added, 0);
}

#[test]
fn partitions_follow_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let list = FileList::from_arg(&corpus().to_string_lossy()).unwrap();
    lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM events WHERE recipientaccountid IS NOT NULL AND (account <> recipientaccountid OR region <> awsregion OR date <> CAST(eventtime AS DATE))"
        ),
        0
    );
    // Every file lies in the folder of its partition.
    for f in lake.snapshot().unwrap().files.values() {
        let dir_part = format!(
            "account={}/region={}/date={}/",
            f.partition.account, f.partition.region, f.partition.date
        );
        assert!(f.path.contains(&dir_part), "{}", f.path);
        assert!(f.path.starts_with(f.table.name()));
    }
}

/// Every field of every record survives: the record rebuilt from its row decodes to the same
/// event as the original text.
#[test]
fn every_field_survives_the_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let list = FileList::from_arg(&corpus().to_string_lossy()).unwrap();
    lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    let originals: BTreeMap<(String, u64), String> = all_records(&corpus())
        .into_iter()
        .map(|(k, i, t)| ((k, i), t))
        .collect();
    let mut checked = 0;
    for table in ["events", "insights"] {
        let r = lake.query(&format!("SELECT * FROM {table}")).unwrap();
        for b in &r.batches {
            let keys =
                arrow::compute::cast(b.column_by_name("src_key").unwrap(), &arrow::datatypes::DataType::Utf8).unwrap();
            let keys = keys.as_string::<i32>();
            let idx = b
                .column_by_name("src_record")
                .unwrap()
                .as_primitive::<arrow::datatypes::Int64Type>();
            for row in 0..b.num_rows() {
                let original = &originals[&(keys.value(row).to_owned(), idx.value(row) as u64)];
                let rebuilt = rebuild_record(b, row);
                let a = decode_event_text(original).unwrap();
                let z = decode_event_text(&rebuilt).unwrap_or_else(|e| panic!("{e}: {rebuilt}"));
                // JSON null and an absent member are both SQL NULL (as in Athena).
                fn leaf(e: &trailguard_model::Event<'_>, f: FieldId) -> String {
                    match e.leaf(f) {
                        trailguard_model::Leaf::Null => format!("{:?}", trailguard_model::Leaf::Missing),
                        other => format!("{other:?}"),
                    }
                }
                assert_eq!(a.time, z.time);
                for f in FieldId::ALL {
                    if f.is_leaf() && *f != FieldId::EventTime {
                        assert_eq!(leaf(&a, *f), leaf(&z, *f), "{f:?} of {original}\nrebuilt {rebuilt}");
                    }
                    if f.is_payload() {
                        let pa = a.payload(*f).filter(|p| !p.is_null()).map(|p| p.text());
                        let pz = z.payload(*f).filter(|p| !p.is_null()).map(|p| p.text());
                        assert_eq!(pa, pz, "{f:?} of {original}");
                    }
                }
                assert_eq!(a.resources, z.resources, "{original}");
                let extra = |e: &trailguard_model::Event<'_>| -> BTreeSet<(String, String)> {
                    e.extra
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.text().to_owned()))
                        .collect()
                };
                assert_eq!(extra(&a), extra(&z), "{original}");
                assert_eq!(
                    a.user_identity.as_ref().map(|u| &u.extra),
                    z.user_identity.as_ref().map(|u| &u.extra)
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3271, "every row of the lake (3,277 records less 6 duplicates)");
}

/// `lookup` answers exactly what the model's LookupEvents filter says, over the raw records.
#[test]
fn lookup_matches_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let list = FileList::from_arg(&corpus().to_string_lossy()).unwrap();
    lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    // Distinct records of the corpus (the lake keeps one copy of each eventID).
    let mut seen = BTreeSet::new();
    let records: Vec<String> = all_records(&corpus())
        .into_iter()
        .map(|(_, _, t)| t)
        .filter(|t| {
            let e = decode_event_text(t).unwrap();
            e.class() != trailguard_model::EventClass::Insight
                && seen.insert((
                    e.event_id.as_deref().map(str::to_owned),
                    e.recipient_account_id.as_deref().map(str::to_owned),
                    e.event_id.is_none().then(|| t.clone()),
                ))
        })
        .collect();
    let cases: &[&[&str]] = &[
        &["EventName=ConsoleLogin"],
        &["EventSource=iam.amazonaws.com"],
        &["ReadOnly=false"],
        &["Username=root"],
        &["Username=stratus-red-team-ec2-steal-credentials-role"],
        &["ResourceType=AWS::S3::Bucket"],
        &["ResourceType=AWS::IAM::Role", "ReadOnly=false"],
        &["AccessKeyId=ASIAZZZZZZZZZZZZZZZZ"],
        &["EventName=GetObject", "EventSource=s3.amazonaws.com"],
    ];
    let mut nonempty = 0;
    for attrs in cases {
        let attributes: Vec<LookupAttribute> = attrs.iter().map(|a| a.parse().unwrap()).collect();
        let filter = EventFilter {
            attributes: attributes.clone(),
            ..EventFilter::default()
        };
        let mut want: Vec<String> = records
            .iter()
            .filter_map(|t| {
                let e = decode_event_text(t).unwrap();
                filter
                    .matches(&e)
                    .then(|| format!("{}|{}", e.event_id.as_deref().unwrap_or(""), e.time.to_rfc3339()))
            })
            .collect();
        want.sort();
        let req = LookupRequest {
            attributes,
            ..LookupRequest::default()
        };
        let sql = req.to_sql().unwrap().replace(
            "SELECT *",
            "SELECT concat(coalesce(eventid, ''), '|', to_char(eventtime, '%Y-%m-%dT%H:%M:%SZ'))",
        );
        let mut got = strings(&lake, &sql);
        got.sort();
        assert_eq!(got, want, "{attrs:?}");
        if !want.is_empty() {
            nonempty += 1;
        }
    }
    // Non-empty in the corpus (checked with jq): ConsoleLogin, iam, ReadOnly=false, the stratus
    // role and S3 buckets; the corpus has no GetObject and no write naming an IAM role, and the
    // ASIAZZZ… key is the empty case by design.
    assert!(
        nonempty >= 5,
        "the cases must exercise the corpus ({nonempty} matched records)"
    );
    // Time range and newest-first order with a limit.
    let start = Timestamp::parse_rfc3339("2023-07-10T12:00:00Z").unwrap();
    let req = LookupRequest {
        start: Some(start),
        max_results: Some(5),
        ..LookupRequest::default()
    };
    let r = lake.query(&req.to_sql().unwrap()).unwrap();
    assert_eq!(r.rows(), 5);
    let json = trailguard_lake::lookup::lookup_events_json(&r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let events = v["Events"].as_array().unwrap();
    assert_eq!(events.len(), 5);
    let times: Vec<&str> = events.iter().map(|e| e["EventTime"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    for e in events {
        let inner = decode_event_text(e["CloudTrailEvent"].as_str().unwrap()).unwrap();
        assert_eq!(inner.event_id.as_deref(), e["EventId"].as_str());
        assert!(inner.time >= start);
    }
}

/// The scan reads only the files whose partition values and ledger statistics can match.
#[test]
fn partition_and_time_pruning_skip_files() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let list = FileList::from_arg(&corpus().to_string_lossy()).unwrap();
    lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    // The files each query's physical plan reads: the file groups of every Parquet scan in the
    // plan (DataFusion's EXPLAIN text elides long file lists, so it cannot be counted).
    let session = lake.session().unwrap();
    let files_in = |sql: &str| -> Vec<String> {
        let plan = lake.block_on(async {
            let df = session.context().sql(sql).await.unwrap();
            df.create_physical_plan().await.unwrap()
        });
        let mut files = Vec::new();
        scanned_files(&plan, &mut files);
        // A big file may be split into byte ranges over several groups: count it once.
        files.sort();
        files.dedup();
        files
    };
    let all = files_in("SELECT count(*) FROM events WHERE eventname IS NOT NULL");
    assert!(all.len() > 10, "{all:?}");
    // Without a filter on partitions or times every committed file is read.
    let committed = lake.snapshot().unwrap().table_files(Table::Events).count();
    assert_eq!(all.len(), committed);
    let day = files_in("SELECT count(*) FROM events WHERE date = DATE '2023-07-10' AND eventname IS NOT NULL");
    assert!(!day.is_empty() && day.len() < all.len());
    assert!(day.iter().all(|f| f.contains("date=2023-07-10")), "{day:?}");
    let window = files_in(
        "SELECT count(*) FROM events WHERE eventtime BETWEEN '2023-07-10T12:00:00Z' AND '2023-07-10T12:10:00Z'",
    );
    assert!(!window.is_empty() && window.len() < day.len() + 1 && window.iter().all(|f| f.contains("date=2023-07-10")));
    let acct = files_in("SELECT count(*) FROM events WHERE recipientaccountid = '056392974792'");
    assert!(
        !acct.is_empty() && acct.iter().all(|f| f.contains("account=056392974792")),
        "{acct:?}"
    );
    let none = files_in("SELECT count(*) FROM events WHERE eventtime < '2001-01-01T00:00:00Z'");
    assert!(none.is_empty(), "{none:?}");
    // And the answers are those of a full scan.
    assert_eq!(
        count(&lake, "SELECT count(*) FROM events WHERE date = DATE '2023-07-10'"),
        count(
            &lake,
            "SELECT count(*) FROM events WHERE CAST(eventtime AS DATE) = DATE '2023-07-10'"
        )
    );
}

/// Rows keep the order of their source objects (key order, then position in the object), also
/// when an object's records alternate between partitions (short runs, copied together) or fill
/// one (long runs, written as slices); a duplicate keeps its first copy in that order; and only
/// time and other fixed-width columns carry Parquet statistics (the time columns with a page
/// index), never the strings.
#[test]
fn files_keep_object_order_and_no_string_statistics() {
    let src = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a_acct, b_acct) = ("111111111111", "222222222222");
    let record = |secs: u32, acct: &str, id: (u32, u32)| {
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"2024-05-01T{:02}:{:02}:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","eventID":"{:08x}-0000-4000-8000-{:012x}","recipientAccountId":"{acct}","userIdentity":{{"type":"IAMUser"}}}}"#,
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            id.0,
            id.1
        )
    };
    let write = |name: &str, records: Vec<String>| {
        std::fs::write(
            src.path().join(name),
            format!(r#"{{"Records":[{}]}}"#, records.join(",")),
        )
        .unwrap();
    };
    let alternate = |i: u32| if i.is_multiple_of(2) { a_acct } else { b_acct };
    // a.json: 600 records alternating between the two accounts, at 10:00 + i s.
    write(
        "a.json",
        (0..600).map(|i| record(36_000 + i, alternate(i), (1, i))).collect(),
    );
    // b.json: the same shape an hour earlier; record 10 repeats a.json's record 4.
    write(
        "b.json",
        (0..600)
            .map(|i| record(32_400 + i, alternate(i), if i == 10 { (1, 4) } else { (2, i) }))
            .collect(),
    );
    // c.json: 1,000 records of one account; record 700 repeats its own record 3.
    write(
        "c.json",
        (0..1000)
            .map(|i| record(39_600 + i, a_acct, if i == 700 { (3, 3) } else { (3, i) }))
            .collect(),
    );
    let lake = open(dir.path());
    // Small row groups, so that row groups are cut across slices.
    let mut o = opts();
    o.write.row_group_rows = 250;
    let r = lake
        .ingest(&FileList::walk(src.path()).unwrap().files, &o, &NoProgress)
        .unwrap();
    assert_eq!((r.records, r.duplicates, r.events_added), (2200, 2, 2198), "{r:?}");
    let snap = lake.snapshot().unwrap();
    let mut rows_by_account = BTreeMap::new();
    // Each repeated eventID appears once in the lake.
    let mut duplicated_ids_seen = 0;
    for f in snap.table_files(Table::Events) {
        let bytes = bytes::Bytes::from(std::fs::read(dir.path().join(&f.path)).unwrap());
        let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
        let groups = builder.metadata().row_groups();
        let rows: i64 = groups.iter().map(|g| g.num_rows()).sum();
        assert!(groups.iter().all(|g| g.num_rows() <= 250) && rows == f.rows as i64);
        assert_eq!(groups.len(), (f.rows as usize).div_ceil(250));
        // Statistics: on the time columns (with a page index), on no string column.
        for rg in groups {
            for c in rg.columns() {
                let path = c.column_path().string();
                if path == "eventtime" {
                    assert!(c.statistics().is_some_and(|s| s.min_bytes_opt().is_some()), "{path}");
                    assert!(c.column_index_offset().is_some(), "{path}");
                } else if c.column_type() == parquet::basic::Type::BYTE_ARRAY {
                    assert!(c.statistics().is_none(), "{path} has statistics");
                }
            }
        }
        let mut origin: Vec<(String, i64, String)> = Vec::new();
        for b in builder.build().unwrap() {
            let b = b.unwrap();
            let keys =
                arrow::compute::cast(b.column_by_name("src_key").unwrap(), &arrow::datatypes::DataType::Utf8).unwrap();
            let recs = b.column_by_name("src_record").unwrap();
            let recs = arrow::compute::cast(recs, &arrow::datatypes::DataType::Int64).unwrap();
            let ids =
                arrow::compute::cast(b.column_by_name("eventid").unwrap(), &arrow::datatypes::DataType::Utf8).unwrap();
            for i in 0..b.num_rows() {
                origin.push((
                    keys.as_string::<i32>().value(i).to_owned(),
                    recs.as_primitive::<arrow::datatypes::Int64Type>().value(i),
                    ids.as_string::<i32>().value(i).to_owned(),
                ));
            }
        }
        // Object order, then position: b.json's earlier times come after all of a.json's.
        assert!(
            origin.windows(2).all(|w| (&w[0].0, w[0].1) < (&w[1].0, w[1].1)),
            "{}",
            f.path
        );
        // The first copy of each duplicate is the one kept.
        for (id, key, rec) in [
            ("00000001-0000-4000-8000-000000000004", "a.json", 4),
            ("00000003-0000-4000-8000-000000000003", "c.json", 3),
        ] {
            for row in origin.iter().filter(|o| o.2 == id) {
                assert!(row.0.ends_with(key) && row.1 == rec, "{row:?}");
                duplicated_ids_seen += 1;
            }
        }
        *rows_by_account.entry(f.partition.account.clone()).or_insert(0) += origin.len();
    }
    assert_eq!(duplicated_ids_seen, 2);
    assert_eq!(rows_by_account.get(a_acct), Some(&1598));
    assert_eq!(rows_by_account.get(b_acct), Some(&600));
}
