//! Reading rule files from disk: the only I/O in this crate, kept apart from the engine.
//!
//! A path is a rule file or a folder searched recursively for `*.yml` / `*.yaml` (hidden
//! folders and symbolic links to folders are skipped), in a stable order. Each unreadable file
//! is reported and the others are still read. The licence of a folder is taken from a
//! `LICENSE*` file in it or in one of its parents (SigmaHQ's names the Detection Rule License),
//! so alerts from rules that do not state a licence still carry one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::{MAX_SOURCE_BYTES, Source};

/// Most rule files read from one folder.
pub const MAX_FILES: usize = 100_000;
/// Deepest folder nesting walked.
const MAX_DEPTH: usize = 32;
/// Parents of the given folder searched for a licence file.
const LICENSE_PARENTS: usize = 4;

/// A file or folder that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct LoadError {
    /// The path.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// What [`load_path`] read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The rule texts, in path order.
    pub sources: Vec<Source>,
    /// Files and folders that could not be read.
    pub errors: Vec<LoadError>,
}

/// The licence named by a licence file's text, if recognised.
pub fn license_of(text: &str) -> Option<String> {
    let t = text.to_ascii_lowercase();
    if t.contains("detection rule license") {
        Some(if t.contains("1.1") { "DRL-1.1" } else { "DRL" }.to_owned())
    } else if t.contains("apache license") {
        Some("Apache-2.0".into())
    } else if t.contains("mit license") || t.contains("permission is hereby granted, free of charge") {
        Some("MIT".into())
    } else {
        None
    }
}

fn folder_license(dir: &Path) -> Option<String> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.to_ascii_uppercase().starts_with("LICENSE") || n.to_ascii_uppercase().starts_with("LICENCE")
            })
        })
        .collect();
    names.sort();
    names.iter().find_map(|p| {
        let meta = std::fs::metadata(p).ok()?;
        if !meta.is_file() || meta.len() > 256 * 1024 {
            return None;
        }
        license_of(&std::fs::read_to_string(p).ok()?)
    })
}

fn is_rule_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// Read the rule file at `path`, or every rule file under the folder `path`.
pub fn load_path(path: &Path) -> Loaded {
    let mut out = Loaded::default();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            out.errors.push(LoadError {
                path: path.to_owned(),
                message: e.to_string(),
            });
            return out;
        }
    };
    // The licence of the given folder (or the file's folder), or of a parent.
    let base = if meta.is_dir() {
        path.to_owned()
    } else {
        path.parent().map(Path::to_owned).unwrap_or_default()
    };
    let mut inherited = None;
    let mut dir = Some(base.as_path());
    for _ in 0..=LICENSE_PARENTS {
        let Some(d) = dir else { break };
        let d = if d.as_os_str().is_empty() { Path::new(".") } else { d };
        if let Some(l) = folder_license(d) {
            inherited = Some(l);
            break;
        }
        dir = d.parent();
    }
    if !meta.is_dir() {
        read_file(path, inherited, &mut out);
        return out;
    }
    // Depth-first, sorted, iterative.
    let mut stack = vec![(path.to_owned(), 0usize, inherited)];
    let mut files = 0usize;
    while let Some((dir, depth, license)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(LoadError {
                    path: dir,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let license = if depth > 0 {
            folder_license(&dir).or(license)
        } else {
            license
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        let mut subdirs = Vec::new();
        for p in paths {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            let Ok(lmeta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if lmeta.is_dir() {
                if hidden {
                    continue;
                }
                if depth + 1 > MAX_DEPTH {
                    out.errors.push(LoadError {
                        path: p,
                        message: format!("folders nested deeper than {MAX_DEPTH} levels are not read"),
                    });
                    continue;
                }
                subdirs.push(p);
            } else if is_rule_file(&p) && !hidden && std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                files += 1;
                if files > MAX_FILES {
                    out.errors.push(LoadError {
                        path: path.to_owned(),
                        message: format!("more than {MAX_FILES} rule files; the rest are not read"),
                    });
                    return out;
                }
                read_file(&p, license.clone(), &mut out);
            }
        }
        for d in subdirs.into_iter().rev() {
            stack.push((d, depth + 1, license.clone()));
        }
    }
    out
}

fn read_file(p: &Path, license: Option<String>, out: &mut Loaded) {
    match std::fs::metadata(p) {
        Ok(m) if m.len() > MAX_SOURCE_BYTES as u64 => {
            out.errors.push(LoadError {
                path: p.to_owned(),
                message: format!("larger than {MAX_SOURCE_BYTES} bytes; not a rule file"),
            });
            return;
        }
        Err(e) => {
            out.errors.push(LoadError {
                path: p.to_owned(),
                message: e.to_string(),
            });
            return;
        }
        Ok(_) => {}
    }
    match std::fs::read(p) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => out.sources.push(Source {
                name: Arc::from(p.display().to_string()),
                text: text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text),
                license,
            }),
            Err(e) => out.errors.push(LoadError {
                path: p.to_owned(),
                message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            }),
        },
        Err(e) => out.errors.push(LoadError {
            path: p.to_owned(),
            message: e.to_string(),
        }),
    }
}
