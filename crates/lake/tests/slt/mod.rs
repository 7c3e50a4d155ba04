//! SQL logic tests: `tests/slt/*.slt` run against a lake of the whole corpus.
//!
//! A file is a list of blocks separated by blank lines:
//!
//! ```text
//! # a comment
//! query
//! SELECT eventname, count(*) AS n FROM events GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3
//! ----
//! eventname,n
//! GetObject,221
//! …
//!
//! statement error <text the error must contain>
//! DROP TABLE events
//! ```
//!
//! Results are compared as CSV (header included; nested values as JSON text; times in UTC).
//! Queries must order their rows. `UPDATE_SLT=1 cargo test -p trailguard-lake --test lake slt`
//! rewrites the expected blocks from the current results — review the diff before committing.

use std::path::Path;

use trailguard_lake::OutputFormat;
use trailguard_read::{FileList, NoProgress};

use super::{corpus, open, opts};

enum Block {
    Query { sql: String, expected: String },
    Error { sql: String, contains: String },
    Comment(String),
}

fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('#') {
            blocks.push(Block::Comment(line.to_owned()));
            continue;
        }
        if line.trim() == "query" {
            let mut sql = Vec::new();
            for l in lines.by_ref() {
                if l.trim() == "----" {
                    break;
                }
                sql.push(l);
            }
            let mut expected = Vec::new();
            while let Some(l) = lines.peek() {
                if l.trim().is_empty() {
                    break;
                }
                expected.push(lines.next().unwrap_or_default());
            }
            blocks.push(Block::Query {
                sql: sql.join("\n"),
                expected: expected.join("\n"),
            });
        } else if let Some(rest) = line.strip_prefix("statement error") {
            let mut sql = Vec::new();
            while let Some(l) = lines.peek() {
                if l.trim().is_empty() {
                    break;
                }
                sql.push(lines.next().unwrap_or_default());
            }
            blocks.push(Block::Error {
                sql: sql.join("\n"),
                contains: rest.trim().to_owned(),
            });
        } else {
            panic!("unexpected line in .slt file: {line}");
        }
    }
    blocks
}

fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Comment(c) => {
                out.push_str(c);
                out.push('\n');
            }
            Block::Query { sql, expected } => {
                out.push_str("query\n");
                out.push_str(sql);
                out.push_str("\n----\n");
                out.push_str(expected);
                out.push_str("\n\n");
            }
            Block::Error { sql, contains } => {
                out.push_str(&format!("statement error {contains}\n{sql}\n\n"));
            }
        }
    }
    out
}

#[test]
fn sql_logic_tests() {
    let dir = tempfile::tempdir().unwrap();
    let lake = open(dir.path());
    let list = FileList::from_arg(&corpus().to_string_lossy()).unwrap();
    lake.ingest(&list.files, &opts(), &NoProgress).unwrap();
    let update = std::env::var_os("UPDATE_SLT").is_some();
    let slt_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<_> = std::fs::read_dir(&slt_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    let mut queries = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let mut blocks = parse(&text);
        for b in blocks.iter_mut() {
            match b {
                Block::Comment(_) => {}
                Block::Query { sql, expected } => {
                    queries += 1;
                    let got = match lake.query(sql) {
                        Ok(r) => {
                            let mut buf = Vec::new();
                            r.write(OutputFormat::Csv, &mut buf).unwrap();
                            String::from_utf8(buf).unwrap().trim_end().to_owned()
                        }
                        Err(e) => format!("ERROR: {e}"),
                    };
                    if update {
                        *expected = got;
                    } else if got != *expected {
                        failures.push(format!(
                            "{}:\n{sql}\n--- expected\n{expected}\n--- got\n{got}\n",
                            path.display()
                        ));
                    }
                }
                Block::Error { sql, contains } => {
                    queries += 1;
                    match lake.query(sql) {
                        Ok(_) => failures.push(format!("{}:\n{sql}\n--- expected an error", path.display())),
                        Err(e) if !e.to_string().contains(contains.as_str()) => failures.push(format!(
                            "{}:\n{sql}\n--- expected an error containing {contains:?}, got: {e}",
                            path.display()
                        )),
                        Err(_) => {}
                    }
                }
            }
        }
        if update {
            std::fs::write(path, render(&blocks)).unwrap();
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {queries} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(queries >= 40, "only {queries} queries");
}
