//! Where generated objects go: a folder ([`DirSink`]) or memory ([`MemorySink`]).
//!
//! Objects are named by their S3 key (`[prefix/]AWSLogs/…`). Sinks are shared by the worker
//! threads, so `put` takes `&self`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::GenError;

/// Receives generated objects. Called concurrently from several threads, each key once.
pub trait OutputSink: Sync {
    /// Store `bytes` under the S3 object key `key`.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), GenError>;
}

/// Writes each object to `<root>/<key>`, creating folders, through a temporary file renamed
/// into place (a reader never sees a half-written object).
#[derive(Clone, Debug)]
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    /// A sink writing under `root` (created on the first write if missing).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirSink { root: root.into() }
    }

    /// The folder written to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file an object key maps to. Keys with empty, `.` or `..` segments, a leading `/`
    /// or a backslash are refused.
    pub fn path_for(&self, key: &str) -> Result<PathBuf, GenError> {
        let bad = |reason| GenError::BadKey {
            key: key.to_string(),
            reason,
        };
        if key.is_empty() {
            return Err(bad("empty key"));
        }
        if key.contains('\\') || key.contains('\0') {
            return Err(bad("backslash or NUL in key"));
        }
        let mut path = self.root.clone();
        for seg in key.split('/') {
            if seg.is_empty() || seg == "." || seg == ".." {
                return Err(bad("empty, '.' or '..' path segment"));
            }
            path.push(seg);
        }
        Ok(path)
    }
}

impl OutputSink for DirSink {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), GenError> {
        let path = self.path_for(key)?;
        let io_err = |p: &Path, source| GenError::Write {
            path: p.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
        }
        let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        tmp_name.push(".tmp");
        let tmp = path.with_file_name(tmp_name);
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.flush()
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&tmp, e));
        }
        fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))
    }
}

/// Keeps every object in memory, ordered by key: the built-in demo trail never touches the
/// disk.
#[derive(Debug, Default)]
pub struct MemorySink {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of objects stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing was stored.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A copy of one object.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.lock().get(key).cloned()
    }

    /// The stored keys, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// All objects, sorted by key.
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        self.files.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A panic elsewhere while holding the lock leaves a map that is still consistent.
        self.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl OutputSink for MemorySink {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), GenError> {
        self.lock().insert(key.to_string(), bytes.to_vec());
        Ok(())
    }
}

/// Discards every object (measuring generation speed without storage).
#[derive(Clone, Copy, Debug, Default)]
pub struct NullSink;

impl OutputSink for NullSink {
    fn put(&self, _key: &str, _bytes: &[u8]) -> Result<(), GenError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_sink_writes_nested_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let sink = DirSink::new(dir.path());
        sink.put("a/b/c.json.gz", b"xyz").unwrap();
        assert_eq!(fs::read(dir.path().join("a/b/c.json.gz")).unwrap(), b"xyz");
        assert!(!dir.path().join("a/b/c.json.gz.tmp").exists());
        for bad in ["", "../x", "a//b", "/abs", "a/./b", "a\\b"] {
            assert!(matches!(sink.put(bad, b""), Err(GenError::BadKey { .. })), "{bad}");
        }
    }

    #[test]
    fn memory_sink_is_sorted() {
        let sink = MemorySink::new();
        sink.put("b", b"2").unwrap();
        sink.put("a", b"1").unwrap();
        assert_eq!(sink.len(), 2);
        assert_eq!(sink.keys(), vec!["a", "b"]);
        assert_eq!(sink.get("a").unwrap(), b"1");
        let files = sink.into_files();
        assert_eq!(files.keys().collect::<Vec<_>>(), vec!["a", "b"]);
    }
}
