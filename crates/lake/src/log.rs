//! The lake's ledger: an append-only log of commits under `_trailguard/log/`.
//!
//! A commit names the data files it adds (and, for compaction, removes) and the source objects
//! whose records those files hold (key, size, SHA-256). The lake's contents are exactly the files
//! added and not removed by committed records; a file on storage that no commit names is an
//! orphan of an interrupted run and is deleted by the next writer.
//!
//! Commit order (crash safety, lake-engineering §8.4):
//! 1. write each Parquet file (atomically, durably);
//! 2. write the commit record `_trailguard/log/<seq>.json` create-only — this is the commit point;
//! 3. (compaction) delete the files it removed.
//!
//! A crash before 2 leaves orphans and no record: the objects are not in the ledger, so the next
//! run reads them again and the orphans are removed. A crash after 2 loses nothing.
//! Checkpoints (`<seq>.checkpoint.json`) hold the whole state at a commit so that opening a lake
//! with a long history reads one file plus the commits after it.

use std::collections::{BTreeMap, HashMap, HashSet};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::LakeError;
use crate::schema::{LAYOUT_VERSION, Table};
use crate::store::Store;

pub(crate) const META_DIR: &str = "_trailguard";
const LOG_DIR: &str = "_trailguard/log";
const LAKE_FILE: &str = "_trailguard/lake.json";

/// The lake's identity file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LakeInfo {
    pub(crate) format: String,
    pub(crate) layout: u32,
    /// A CloudTrail-Lake-style event data store id for this lake (so saved Lake queries that
    /// name their store can be pointed at it).
    pub(crate) event_data_store: String,
}

/// Partition values of a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartitionValues {
    /// `account`
    pub account: String,
    /// `region`
    pub region: String,
    /// `date` (`YYYY-MM-DD`)
    pub date: String,
}

/// Min / max of a string column in a file (for pruning).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrRange {
    /// Smallest value, if any row has one.
    pub min: Option<String>,
    /// Largest value.
    pub max: Option<String>,
    /// Rows with NULL.
    pub nulls: u64,
}

impl StrRange {
    /// Widen this range to cover `other` too.
    pub(crate) fn merge(&mut self, other: StrRange) {
        self.nulls += other.nulls;
        if let Some(m) = other.min
            && self.min.as_ref().is_none_or(|s| m < *s)
        {
            self.min = Some(m);
        }
        if let Some(m) = other.max
            && self.max.as_ref().is_none_or(|s| m > *s)
        {
            self.max = Some(m);
        }
    }
}

/// One data file of the lake.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Which table.
    pub table: Table,
    /// Path relative to the lake root.
    pub path: String,
    /// Rows.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// Partition values (also in the path).
    pub partition: PartitionValues,
    /// Smallest `eventtime`, µs since the epoch.
    pub min_time: i64,
    /// Largest `eventtime`.
    pub max_time: i64,
    /// `recipientaccountid` range.
    #[serde(default)]
    pub recipient: StrRange,
    /// `awsregion` range.
    #[serde(default)]
    pub region: StrRange,
}

/// One source object whose records are in the lake.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEntry {
    /// The key (relative to the source root, or the S3 key).
    pub key: String,
    /// Size as stored.
    pub size: u64,
    /// SHA-256 of the stored bytes (hex), when the object was read whole. For CloudTrail log
    /// files this is the value their digest file signs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sha256: Option<String>,
    /// Records read.
    pub records: u64,
    /// Rows added to the lake.
    pub added: u64,
    /// Records already in the lake (same `eventID` and recipient account).
    pub duplicates: u64,
    /// False when part of the object could not be read.
    pub complete: bool,
    /// Same bytes as this object already ingested under another key (its records were not read
    /// again).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub same_as: Option<String>,
}

/// What a commit does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommitKind {
    /// New source objects ingested.
    Ingest,
    /// Files merged.
    Compact,
}

/// One commit record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Commit {
    /// Layout version of the writer.
    pub layout: u32,
    /// Position in the log (1, 2, …).
    pub seq: u64,
    /// What it does.
    pub kind: CommitKind,
    /// When (µs since the epoch), as given by the caller.
    pub time: i64,
    /// The writer (`trailguard <version>`).
    pub writer: String,
    /// Files added.
    pub add: Vec<FileEntry>,
    /// Files removed (paths).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Source objects ingested.
    #[serde(default)]
    pub objects: Vec<ObjectEntry>,
}

#[derive(Serialize, Deserialize)]
struct Checkpoint {
    layout: u32,
    seq: u64,
    files: Vec<FileEntry>,
    objects: Vec<ObjectEntry>,
}

/// The lake's state at a commit: its files and the objects it holds.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The last commit applied (0: empty lake).
    pub seq: u64,
    /// Live files by path.
    pub files: BTreeMap<String, FileEntry>,
    /// Ingested objects by key.
    pub objects: HashMap<String, ObjectEntry>,
    /// (sha256, size) of every ingested object read whole → its key.
    pub(crate) content: HashMap<(String, u64), String>,
    /// Commits since the last checkpoint.
    pub(crate) since_checkpoint: u64,
}

impl Snapshot {
    fn apply(&mut self, c: Commit) {
        for p in &c.remove {
            self.files.remove(p);
        }
        for f in c.add {
            self.files.insert(f.path.clone(), f);
        }
        for o in c.objects {
            self.add_object(o);
        }
        self.seq = c.seq;
        self.since_checkpoint += 1;
    }

    fn add_object(&mut self, o: ObjectEntry) {
        if let Some(h) = &o.sha256 {
            self.content.entry((h.clone(), o.size)).or_insert_with(|| o.key.clone());
        }
        self.objects.insert(o.key.clone(), o);
    }

    /// Live files of one table.
    pub fn table_files(&self, table: Table) -> impl Iterator<Item = &FileEntry> {
        self.files.values().filter(move |f| f.table == table)
    }

    /// Rows in one table.
    pub fn rows(&self, table: Table) -> u64 {
        self.table_files(table).map(|f| f.rows).sum()
    }

    /// Data file paths that are live.
    pub(crate) fn live_paths(&self) -> HashSet<&str> {
        self.files.keys().map(String::as_str).collect()
    }
}

fn commit_name(seq: u64) -> String {
    format!("{LOG_DIR}/{seq:020}.json")
}

fn checkpoint_name(seq: u64) -> String {
    format!("{LOG_DIR}/{seq:020}.checkpoint.json")
}

fn corrupt(path: &str, reason: impl std::fmt::Display) -> LakeError {
    LakeError::Corrupt {
        path: path.to_owned(),
        reason: format!(
            "{reason} (this file is part of the lake's ledger; restore it from a backup or re-ingest into a new lake)"
        ),
    }
}

/// Read the lake's identity, if the lake exists.
pub(crate) fn read_info(store: &Store, location: &str) -> Result<Option<LakeInfo>, LakeError> {
    let Some(bytes) = store.get(LAKE_FILE)? else {
        return Ok(None);
    };
    let info: LakeInfo = serde_json::from_slice(&bytes).map_err(|e| corrupt(LAKE_FILE, e))?;
    if info.format != "trailguard-lake" {
        return Err(corrupt(LAKE_FILE, "not a trailguard lake"));
    }
    if info.layout > LAYOUT_VERSION {
        return Err(LakeError::Version {
            location: location.to_owned(),
            found: info.layout,
            supported: LAYOUT_VERSION,
        });
    }
    Ok(Some(info))
}

/// Create the lake's identity file if missing; returns it.
pub(crate) fn ensure_info(store: &Store, location: &str, seed: &str) -> Result<LakeInfo, LakeError> {
    if let Some(info) = read_info(store, location)? {
        return Ok(info);
    }
    let info = LakeInfo {
        format: "trailguard-lake".into(),
        layout: LAYOUT_VERSION,
        event_data_store: event_data_store_id(seed),
    };
    let bytes = serde_json::to_vec_pretty(&info).map_err(|e| corrupt(LAKE_FILE, e))?;
    store.put_new(LAKE_FILE, Bytes::from(bytes))?;
    // If another writer created it first, theirs stands.
    read_info(store, location)?.ok_or_else(|| corrupt(LAKE_FILE, "could not be created"))
}

/// A stable UUID-shaped id derived from `seed` (the lake's location).
fn event_data_store_id(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(seed.as_bytes());
    let x = hex::encode(&h[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// Load the state: the newest checkpoint, then the commits after it, in order.
pub(crate) fn load(store: &Store) -> Result<Snapshot, LakeError> {
    let listed = store.list(LOG_DIR)?;
    let mut commits: Vec<(u64, String)> = Vec::new();
    let mut checkpoint: Option<(u64, String)> = None;
    for (path, _) in listed {
        let name = path.rsplit('/').next().unwrap_or(&path);
        if let Some(num) = name.strip_suffix(".checkpoint.json") {
            if let Ok(seq) = num.parse::<u64>()
                && checkpoint.as_ref().is_none_or(|(s, _)| seq > *s)
            {
                checkpoint = Some((seq, path.clone()));
            }
        } else if let Some(num) = name.strip_suffix(".json")
            && let Ok(seq) = num.parse::<u64>()
        {
            commits.push((seq, path.clone()));
        }
    }
    commits.sort();
    let mut snap = Snapshot::default();
    if let Some((seq, path)) = &checkpoint {
        let bytes = store
            .get(path)?
            .ok_or_else(|| corrupt(path, "vanished while reading"))?;
        let cp: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| corrupt(path, e))?;
        if cp.seq != *seq {
            return Err(corrupt(path, "checkpoint number does not match its name"));
        }
        for f in cp.files {
            snap.files.insert(f.path.clone(), f);
        }
        for o in cp.objects {
            snap.add_object(o);
        }
        snap.seq = cp.seq;
    }
    for (seq, path) in commits {
        if seq <= snap.seq {
            continue;
        }
        if seq != snap.seq + 1 {
            return Err(corrupt(
                &path,
                format!("commit {} is missing from the log", snap.seq + 1),
            ));
        }
        let bytes = store
            .get(&path)?
            .ok_or_else(|| corrupt(&path, "vanished while reading"))?;
        let c: Commit = serde_json::from_slice(&bytes).map_err(|e| corrupt(&path, e))?;
        if c.seq != seq {
            return Err(corrupt(&path, "commit number does not match its name"));
        }
        if c.layout > LAYOUT_VERSION {
            return Err(LakeError::Version {
                location: path.clone(),
                found: c.layout,
                supported: LAYOUT_VERSION,
            });
        }
        snap.apply(c);
    }
    Ok(snap)
}

/// Commit: write the record (the commit point) and apply it to `snap`.
pub(crate) fn commit(store: &Store, snap: &mut Snapshot, mut c: Commit) -> Result<(), LakeError> {
    c.seq = snap.seq + 1;
    c.layout = LAYOUT_VERSION;
    let name = commit_name(c.seq);
    let bytes = serde_json::to_vec(&c).map_err(|e| corrupt(&name, e))?;
    if !store.put_new(&name, Bytes::from(bytes))? {
        return Err(LakeError::Conflict { path: name });
    }
    snap.apply(c);
    Ok(())
}

/// Write a checkpoint of `snap` (after many commits, so that opening stays quick).
pub(crate) fn checkpoint(store: &Store, snap: &mut Snapshot) -> Result<(), LakeError> {
    let cp = Checkpoint {
        layout: LAYOUT_VERSION,
        seq: snap.seq,
        files: snap.files.values().cloned().collect(),
        objects: {
            let mut o: Vec<ObjectEntry> = snap.objects.values().cloned().collect();
            o.sort_by(|a, b| a.key.cmp(&b.key));
            o
        },
    };
    let name = checkpoint_name(snap.seq);
    let bytes = serde_json::to_vec(&cp).map_err(|e| corrupt(&name, e))?;
    store.put(&name, Bytes::from(bytes))?;
    snap.since_checkpoint = 0;
    Ok(())
}

/// Remove what no commit names: data files of interrupted runs and temporary files.
/// Returns the paths removed.
pub(crate) fn remove_orphans(store: &Store, snap: &Snapshot) -> Result<Vec<String>, LakeError> {
    let live = snap.live_paths();
    let mut removed = Vec::new();
    for table in Table::ALL {
        for (path, _) in store.list(table.name())? {
            if !live.contains(path.as_str()) {
                store.delete(&path)?;
                removed.push(path);
            }
        }
    }
    for (path, _) in store.list(&format!("{META_DIR}/tmp"))? {
        store.delete(&path)?;
        removed.push(path);
    }
    Ok(removed)
}
