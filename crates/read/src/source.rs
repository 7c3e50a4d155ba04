//! Sources and the files they hold: a file, a folder (walked recursively), standard input, or
//! objects already in memory (the built-in demo trail).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::layout::{FileName, Folder, KeyInfo, parse_file_name, parse_key};

/// Where a file's bytes come from.
#[derive(Clone, Debug)]
pub enum Location {
    /// A local file.
    Path(PathBuf),
    /// Standard input.
    Stdin,
    /// Bytes in memory.
    Memory(Arc<[u8]>),
}

/// What an object holds, from its key (or, failing that, its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum ObjectKind {
    /// Log records (management and data events), or any JSON file outside CloudTrail's layout.
    Log,
    /// Network activity records.
    NetworkActivity,
    /// Insights records.
    Insight,
    /// A digest file.
    Digest,
}

/// One input file.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Position in the source's sorted file list.
    pub id: usize,
    /// Where the bytes are.
    pub location: Location,
    /// Name for messages: the path, key or `-`.
    pub name: String,
    /// The key relative to the source root, with `/` separators (the S3 key for a synced bucket).
    pub key: String,
    /// The CloudTrail layout found in the key, if any.
    pub layout: Option<KeyInfo>,
    /// What the object holds.
    pub kind: ObjectKind,
    /// Size in bytes as stored, when known.
    pub size: Option<u64>,
}

/// Why a source could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist or cannot be read.
    #[error("{path}: {error}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        error: std::io::Error,
    },
    /// `s3://` sources are read by commands that talk to AWS.
    #[error("{0}: reading straight from S3 is not available in this command; sync the bucket first (aws s3 sync)")]
    Remote(String),
}

/// What discovery left out, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ignored {
    /// Hidden files and folders (names starting with `.`), as other search tools skip them.
    pub hidden: u64,
    /// Files that are not JSON or gzip by their name.
    pub not_json: u64,
    /// Objects of other services under `AWSLogs/` (Config, VPC flow logs, …).
    pub other_service: u64,
    /// Symbolic links to folders (not followed, to avoid loops).
    pub dir_links: u64,
}

impl Ignored {
    /// Total left out.
    pub fn total(&self) -> u64 {
        self.hidden + self.not_json + self.other_service + self.dir_links
    }
}

/// The files of a source, sorted by key, and what was left out.
#[derive(Clone, Debug, Default)]
pub struct FileList {
    /// The files to read.
    pub files: Vec<InputFile>,
    /// What was left out.
    pub ignored: Ignored,
}

fn kind_of(layout: Option<&KeyInfo>, name: &str) -> ObjectKind {
    if let Some(k) = layout {
        match k.folder {
            Folder::Digest => return ObjectKind::Digest,
            Folder::Insight => return ObjectKind::Insight,
            Folder::NetworkActivity => return ObjectKind::NetworkActivity,
            Folder::CloudTrail | Folder::Other(_) => {}
        }
    }
    if name.contains("_CloudTrail-Digest_") && matches!(parse_file_name(name), FileName::Digest(_)) {
        ObjectKind::Digest
    } else if name.contains("_CloudTrail-Insight_") {
        ObjectKind::Insight
    } else {
        ObjectKind::Log
    }
}

fn looks_like_json(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [".json", ".jsonl", ".ndjson", ".gz"].iter().any(|ext| n.ends_with(ext))
}

impl InputFile {
    /// The object's stored bytes, read again whole (for a consumer that needs an object the
    /// pass streamed: integrity verification). Standard input cannot be read twice.
    pub fn read_stored(&self) -> std::io::Result<Arc<[u8]>> {
        match &self.location {
            Location::Memory(b) => Ok(b.clone()),
            Location::Path(p) => std::fs::read(p).map(|b| Arc::from(b.into_boxed_slice())),
            Location::Stdin => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "standard input cannot be read twice",
            )),
        }
    }

    /// A file named on the command line (read whatever its name).
    pub fn from_path(path: &Path) -> InputFile {
        let name = path.display().to_string();
        let key = name.replace('\\', "/");
        let layout = parse_key(&key);
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = kind_of(layout.as_ref(), &file_name);
        let size = std::fs::metadata(path).ok().map(|m| m.len());
        InputFile {
            id: 0,
            location: Location::Path(path.to_owned()),
            name,
            key,
            layout,
            kind,
            size,
        }
    }

    /// Standard input.
    pub fn stdin() -> InputFile {
        InputFile {
            id: 0,
            location: Location::Stdin,
            name: "-".into(),
            key: "-".into(),
            layout: None,
            kind: ObjectKind::Log,
            size: None,
        }
    }

    /// An object in memory under `key`.
    pub fn memory(key: &str, bytes: Arc<[u8]>) -> InputFile {
        let layout = parse_key(key);
        let file_name = key.rsplit('/').next().unwrap_or(key);
        let kind = kind_of(layout.as_ref(), file_name);
        let size = Some(bytes.len() as u64);
        InputFile {
            id: 0,
            location: Location::Memory(bytes),
            name: key.to_owned(),
            key: key.to_owned(),
            layout,
            kind,
            size,
        }
    }
}

impl FileList {
    /// The files of a source argument: `-` for standard input, a file, or a folder.
    pub fn from_arg(arg: &str) -> Result<FileList, SourceError> {
        if arg == "-" {
            return Ok(FileList::single(InputFile::stdin()));
        }
        if arg.starts_with("s3://") {
            return Err(SourceError::Remote(arg.to_owned()));
        }
        let path = Path::new(arg);
        let meta = std::fs::metadata(path).map_err(|error| SourceError::Io {
            path: arg.to_owned(),
            error,
        })?;
        if meta.is_dir() {
            FileList::walk(path)
        } else {
            Ok(FileList::single(InputFile::from_path(path)))
        }
    }

    /// One file.
    pub fn single(file: InputFile) -> FileList {
        FileList {
            files: vec![file],
            ignored: Ignored::default(),
        }
    }

    /// Objects in memory, as `(key, bytes)`.
    pub fn memory(objects: impl IntoIterator<Item = (String, Vec<u8>)>) -> FileList {
        let mut files: Vec<InputFile> = objects
            .into_iter()
            .map(|(k, b)| InputFile::memory(&k, Arc::from(b.into_boxed_slice())))
            .collect();
        files.sort_by(|a, b| a.key.cmp(&b.key));
        for (i, f) in files.iter_mut().enumerate() {
            f.id = i;
        }
        FileList {
            files,
            ignored: Ignored::default(),
        }
    }

    /// Every file below `root`, sorted by key. Inside `AWSLogs/` only CloudTrail's folders are
    /// taken; elsewhere files named `.json`, `.jsonl`, `.ndjson` (gzipped or not) or `.gz`.
    pub fn walk(root: &Path) -> Result<FileList, SourceError> {
        let mut list = FileList::default();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|error| SourceError::Io {
                path: dir.display().to_string(),
                error,
            })?;
            for entry in entries {
                let entry = entry.map_err(|error| SourceError::Io {
                    path: dir.display().to_string(),
                    error,
                })?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    list.ignored.hidden += 1;
                    continue;
                }
                let path = entry.path();
                let Ok(ft) = entry.file_type() else { continue };
                let is_dir = if ft.is_symlink() {
                    match std::fs::metadata(&path) {
                        Ok(m) if m.is_dir() => {
                            list.ignored.dir_links += 1;
                            continue;
                        }
                        Ok(_) => false,
                        Err(_) => false,
                    }
                } else {
                    ft.is_dir()
                };
                if is_dir {
                    stack.push(path);
                    continue;
                }
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let key = rel.to_string_lossy().replace('\\', "/");
                let layout = parse_key(&key).or_else(|| parse_key(&path.to_string_lossy()));
                if let Some(k) = &layout
                    && matches!(k.folder, Folder::Other(_))
                {
                    list.ignored.other_service += 1;
                    continue;
                }
                if layout.is_none() && !looks_like_json(&name) {
                    list.ignored.not_json += 1;
                    continue;
                }
                let kind = kind_of(layout.as_ref(), &name);
                let size = entry.metadata().ok().map(|m| m.len());
                list.files.push(InputFile {
                    id: 0,
                    location: Location::Path(path.clone()),
                    name: path.display().to_string(),
                    key,
                    layout,
                    kind,
                    size,
                });
            }
        }
        list.files.sort_by(|a, b| a.key.cmp(&b.key));
        for (i, f) in list.files.iter_mut().enumerate() {
            f.id = i;
        }
        Ok(list)
    }

    /// Total stored bytes, where known.
    pub fn total_size(&self) -> u64 {
        self.files.iter().filter_map(|f| f.size).sum()
    }
}
