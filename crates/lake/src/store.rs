//! Where the lake's files live: a local folder or an S3 prefix, behind one small interface whose
//! writes are atomic (a reader sees a whole file or none) and durable before they return.
//!
//! - Local: a file is written under `_trailguard/tmp/`, flushed to disk, then renamed into place
//!   and its folder flushed; create-only writes (commit records) use a hard link, which fails when
//!   the name exists. An exclusive OS lock on `_trailguard/lock` keeps a second writer out; the
//!   OS drops it when the process dies, so a `kill -9` never leaves the lake locked.
//! - S3 (`object_store`): a PUT is atomic; create-only writes use `If-None-Match` (PutMode::Create).
//!   S3 has no locks: one writer per lake prefix (a second writer's commit fails instead of
//!   overwriting the first's).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use url::Url;

use crate::error::LakeError;

/// Where a lake is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LakeLocation {
    /// A local folder.
    Local(PathBuf),
    /// An S3 bucket and prefix (`s3://bucket/prefix`).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix, without leading or trailing `/` (may be empty).
        prefix: String,
    },
}

impl LakeLocation {
    /// Parse `s3://bucket/prefix` or a local path.
    pub fn parse(text: &str) -> Result<LakeLocation, LakeError> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(LakeError::Location {
                    location: text.to_owned(),
                    reason: "no bucket name after s3://".into(),
                });
            }
            let prefix = prefix.trim_matches('/').to_owned();
            return Ok(LakeLocation::S3 {
                bucket: bucket.to_owned(),
                prefix,
            });
        }
        if text.contains("://") {
            return Err(LakeError::Location {
                location: text.to_owned(),
                reason: "only local folders and s3://bucket/prefix are supported".into(),
            });
        }
        Ok(LakeLocation::Local(PathBuf::from(text)))
    }
}

impl std::fmt::Display for LakeLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LakeLocation::Local(p) => write!(f, "{}", p.display()),
            LakeLocation::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            LakeLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// How to reach S3 (from the standard `AWS_*` variables, see [`S3Options::from_env`]).
#[derive(Clone, Debug, Default)]
pub struct S3Options {
    /// `(key, value)` settings for `object_store`'s S3 builder (`aws_region`, `aws_endpoint`, …).
    pub settings: Vec<(String, String)>,
}

impl S3Options {
    /// Read `AWS_*` variables: credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, web identity, container credentials, instance metadata),
    /// `AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` /
    /// `AWS_ENDPOINT` (an S3-compatible server), `AWS_ALLOW_HTTP`.
    pub fn from_env() -> S3Options {
        let mut settings = Vec::new();
        for (k, v) in std::env::vars() {
            if let Some(rest) = k.strip_prefix("AWS_") {
                let key = match rest {
                    "ENDPOINT_URL" => "aws_endpoint".to_owned(),
                    "REGION" => "aws_region".to_owned(),
                    _ => k.to_ascii_lowercase(),
                };
                settings.push((key, v));
            }
        }
        // An http:// endpoint (a local S3-compatible server) needs plain HTTP allowed.
        if settings
            .iter()
            .any(|(k, v)| k.contains("endpoint") && v.starts_with("http://"))
            && !settings.iter().any(|(k, _)| k == "aws_allow_http")
        {
            settings.push(("aws_allow_http".into(), "true".into()));
        }
        S3Options { settings }
    }
}

/// The lake's storage.
pub(crate) enum Store {
    Local(LocalStore),
    S3(S3Store),
}

pub(crate) struct LocalStore {
    root: PathBuf,
}

pub(crate) struct S3Store {
    pub(crate) store: Arc<AmazonS3>,
    pub(crate) bucket: String,
    pub(crate) prefix: String,
    rt: tokio::runtime::Handle,
}

/// The exclusive write lock on a lake (local lakes; a no-op on S3).
pub(crate) struct WriteLock {
    _file: Option<File>,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_err(path: &Path, source: std::io::Error) -> LakeError {
    LakeError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Store {
    pub(crate) fn open(
        location: &LakeLocation,
        s3: &S3Options,
        rt: tokio::runtime::Handle,
    ) -> Result<Store, LakeError> {
        match location {
            LakeLocation::Local(root) => Ok(Store::Local(LocalStore { root: root.clone() })),
            LakeLocation::S3 { bucket, prefix } => {
                let mut b = AmazonS3Builder::new().with_bucket_name(bucket);
                for (k, v) in &s3.settings {
                    if let Ok(key) = k.parse() {
                        b = b.with_config(key, v);
                    }
                }
                let store = b.build().map_err(|e| LakeError::Location {
                    location: location.to_string(),
                    reason: e.to_string(),
                })?;
                Ok(Store::S3(S3Store {
                    store: Arc::new(store),
                    bucket: bucket.clone(),
                    prefix: prefix.clone(),
                    rt,
                }))
            }
        }
    }

    /// Take the exclusive write lock (local lakes), creating the lake folder if needed.
    pub(crate) fn lock(&self) -> Result<WriteLock, LakeError> {
        match self {
            Store::Local(l) => {
                let dir = l.root.join("_trailguard");
                std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
                let path = dir.join("lock");
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(|e| io_err(&path, e))?;
                match file.try_lock() {
                    Ok(()) => Ok(WriteLock { _file: Some(file) }),
                    Err(std::fs::TryLockError::WouldBlock) => Err(LakeError::Locked {
                        location: l.root.display().to_string(),
                    }),
                    Err(std::fs::TryLockError::Error(e)) => Err(io_err(&path, e)),
                }
            }
            Store::S3(_) => Ok(WriteLock { _file: None }),
        }
    }

    /// Write `bytes` at `rel` atomically (replacing what is there).
    pub(crate) fn put(&self, rel: &str, bytes: Bytes) -> Result<(), LakeError> {
        match self {
            Store::Local(l) => l.put(rel, &bytes, false).map(|_| ()),
            Store::S3(s) => {
                let path = s.path(rel);
                s.rt.block_on(s.store.put(&path, PutPayload::from_bytes(bytes)))
                    .map_err(|e| s.err(rel, e))?;
                Ok(())
            }
        }
    }

    /// Write `bytes` at `rel` only if nothing is there; `Ok(false)` if something is.
    pub(crate) fn put_new(&self, rel: &str, bytes: Bytes) -> Result<bool, LakeError> {
        match self {
            Store::Local(l) => l.put(rel, &bytes, true),
            Store::S3(s) => {
                let path = s.path(rel);
                let opts = PutOptions {
                    mode: PutMode::Create,
                    ..PutOptions::default()
                };
                match s
                    .rt
                    .block_on(s.store.put_opts(&path, PutPayload::from_bytes(bytes), opts))
                {
                    Ok(_) => Ok(true),
                    Err(object_store::Error::AlreadyExists { .. }) | Err(object_store::Error::Precondition { .. }) => {
                        Ok(false)
                    }
                    Err(e) => Err(s.err(rel, e)),
                }
            }
        }
    }

    /// The bytes at `rel`, or `None` if there is nothing.
    pub(crate) fn get(&self, rel: &str) -> Result<Option<Bytes>, LakeError> {
        match self {
            Store::Local(l) => {
                let p = l.root.join(rel);
                match std::fs::read(&p) {
                    Ok(b) => Ok(Some(Bytes::from(b))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(io_err(&p, e)),
                }
            }
            Store::S3(s) => {
                let path = s.path(rel);
                let r = s.rt.block_on(async {
                    let got = s.store.get(&path).await?;
                    got.bytes().await
                });
                match r {
                    Ok(b) => Ok(Some(b)),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(s.err(rel, e)),
                }
            }
        }
    }

    /// Every file below `prefix` (relative paths with `/`), with sizes.
    pub(crate) fn list(&self, prefix: &str) -> Result<Vec<(String, u64)>, LakeError> {
        match self {
            Store::Local(l) => {
                let mut out = Vec::new();
                let start = l.root.join(prefix);
                let mut stack = vec![start];
                while let Some(dir) = stack.pop() {
                    let entries = match std::fs::read_dir(&dir) {
                        Ok(e) => e,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(io_err(&dir, e)),
                    };
                    for entry in entries {
                        let entry = entry.map_err(|e| io_err(&dir, e))?;
                        let path = entry.path();
                        let ft = entry.file_type().map_err(|e| io_err(&path, e))?;
                        if ft.is_dir() {
                            stack.push(path);
                        } else if let Ok(rel) = path.strip_prefix(&l.root) {
                            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                            out.push((rel.to_string_lossy().replace('\\', "/"), size));
                        }
                    }
                }
                out.sort();
                Ok(out)
            }
            Store::S3(s) => {
                let p = s.path(prefix);
                let metas: Vec<object_store::ObjectMeta> =
                    s.rt.block_on(s.store.list(Some(&p)).try_collect())
                        .map_err(|e| s.err(prefix, e))?;
                let base = if s.prefix.is_empty() {
                    String::new()
                } else {
                    format!("{}/", s.prefix)
                };
                let mut out: Vec<(String, u64)> = metas
                    .into_iter()
                    .filter_map(|m| {
                        let full = m.location.to_string();
                        full.strip_prefix(&base).map(|r| (r.to_owned(), m.size))
                    })
                    .collect();
                out.sort();
                Ok(out)
            }
        }
    }

    /// Remove `rel` (nothing there is fine).
    pub(crate) fn delete(&self, rel: &str) -> Result<(), LakeError> {
        match self {
            Store::Local(l) => {
                let p = l.root.join(rel);
                match std::fs::remove_file(&p) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(io_err(&p, e)),
                }
            }
            Store::S3(s) => match s.rt.block_on(s.store.delete(&s.path(rel))) {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(s.err(rel, e)),
            },
        }
    }

    /// The URL DataFusion reads a file at `rel` from, and the object store to register for it.
    pub(crate) fn table_url(&self) -> Result<(Url, Arc<dyn ObjectStore>), LakeError> {
        match self {
            Store::Local(l) => {
                let root = std::path::absolute(&l.root).map_err(|e| io_err(&l.root, e))?;
                let url = Url::from_directory_path(&root).map_err(|()| LakeError::Location {
                    location: root.display().to_string(),
                    reason: "not an absolute path".into(),
                })?;
                Ok((url, Arc::new(object_store::local::LocalFileSystem::new())))
            }
            Store::S3(s) => {
                let url = Url::parse(&format!("s3://{}/", s.bucket)).map_err(|e| LakeError::Location {
                    location: format!("s3://{}", s.bucket),
                    reason: e.to_string(),
                })?;
                Ok((url, s.store.clone()))
            }
        }
    }

    /// The object-store path of `rel` (what DataFusion's `PartitionedFile` takes).
    pub(crate) fn object_path(&self, rel: &str) -> Result<ObjPath, LakeError> {
        match self {
            Store::Local(l) => {
                let abs = std::path::absolute(l.root.join(rel)).map_err(|e| io_err(&l.root, e))?;
                ObjPath::from_absolute_path(&abs).map_err(|e| LakeError::Location {
                    location: abs.display().to_string(),
                    reason: e.to_string(),
                })
            }
            Store::S3(s) => Ok(s.path(rel)),
        }
    }
}

impl LocalStore {
    /// Write through a temporary file, flush, rename (or link, for create-only), flush the folder.
    fn put(&self, rel: &str, bytes: &[u8], create_only: bool) -> Result<bool, LakeError> {
        let dest = self.root.join(rel);
        let tmp_dir = self.root.join("_trailguard").join("tmp");
        std::fs::create_dir_all(&tmp_dir).map_err(|e| io_err(&tmp_dir, e))?;
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = tmp_dir.join(format!("{}-{n}.tmp", std::process::id()));
        {
            let mut f = File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
            f.write_all(bytes).map_err(|e| io_err(&tmp, e))?;
            f.sync_all().map_err(|e| io_err(&tmp, e))?;
        }
        let parent = dest.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| io_err(&parent, e))?;
        let placed = if create_only {
            let r = std::fs::hard_link(&tmp, &dest);
            let _ = std::fs::remove_file(&tmp);
            match r {
                Ok(()) => true,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(io_err(&dest, e)),
            }
        } else {
            std::fs::rename(&tmp, &dest).map_err(|e| io_err(&dest, e))?;
            true
        };
        sync_dir(&parent);
        Ok(placed)
    }
}

/// Flush a folder's entries (so a rename survives a power cut). Best effort: some file systems
/// refuse to open folders.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl S3Store {
    fn path(&self, rel: &str) -> ObjPath {
        if self.prefix.is_empty() {
            ObjPath::from(rel)
        } else {
            ObjPath::from(format!("{}/{rel}", self.prefix))
        }
    }

    fn err(&self, rel: &str, source: object_store::Error) -> LakeError {
        LakeError::Store {
            path: format!("s3://{}/{}", self.bucket, self.path(rel)),
            source: Box::new(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(
            LakeLocation::parse("s3://b/p/q/").unwrap(),
            LakeLocation::S3 {
                bucket: "b".into(),
                prefix: "p/q".into()
            }
        );
        assert_eq!(
            LakeLocation::parse("s3://b").unwrap(),
            LakeLocation::S3 {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        assert!(LakeLocation::parse("s3://").is_err());
        assert!(LakeLocation::parse("gs://x").is_err());
        assert_eq!(
            LakeLocation::parse("./lake").unwrap(),
            LakeLocation::Local(PathBuf::from("./lake"))
        );
    }

    #[test]
    fn local_writes_are_atomic_and_create_only_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let store = Store::open(
            &LakeLocation::Local(dir.path().to_path_buf()),
            &S3Options::default(),
            rt.handle().clone(),
        )
        .unwrap();
        store.put("a/b/c.txt", Bytes::from_static(b"one")).unwrap();
        assert_eq!(store.get("a/b/c.txt").unwrap().unwrap(), Bytes::from_static(b"one"));
        assert!(store.put_new("a/b/d.txt", Bytes::from_static(b"x")).unwrap());
        assert!(!store.put_new("a/b/d.txt", Bytes::from_static(b"y")).unwrap());
        assert_eq!(store.get("a/b/d.txt").unwrap().unwrap(), Bytes::from_static(b"x"));
        assert_eq!(store.get("nope").unwrap(), None);
        let listed = store.list("a").unwrap();
        assert_eq!(listed, vec![("a/b/c.txt".into(), 3), ("a/b/d.txt".into(), 1)]);
        assert!(store.list("_trailguard/tmp").unwrap().is_empty());
        store.delete("a/b/c.txt").unwrap();
        store.delete("a/b/c.txt").unwrap();
        let _lock = store.lock().unwrap();
        assert!(matches!(store.lock(), Err(LakeError::Locked { .. })));
    }
}
