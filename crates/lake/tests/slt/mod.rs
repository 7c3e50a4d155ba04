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
//! fills the blocks whose expected result is empty from the current results; blocks that have a
//! result are still compared and never rewritten. Review every filled result by hand.

use std::path::Path;

use trailguard_lake::OutputFormat;
use trailguard_read::{FileList, NoProgress};

use super::{corpus, open, opts};

enum Block {
    /// `dash` is the index of the block's `----` line in the file.
    Query {
        sql: String,
        expected: String,
        dash: usize,
    },
    Error {
        sql: String,
        contains: String,
    },
    Comment,
}

fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((_, line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('#') {
            blocks.push(Block::Comment);
            continue;
        }
        if line.trim() == "query" {
            let mut sql = Vec::new();
            let mut dash = None;
            for (i, l) in lines.by_ref() {
                if l.trim() == "----" {
                    dash = Some(i);
                    break;
                }
                sql.push(l);
            }
            let dash = dash.unwrap_or_else(|| panic!("query without ----: {}", sql.join("\n")));
            let mut expected = Vec::new();
            while let Some((_, l)) = lines.peek() {
                if l.trim().is_empty() {
                    break;
                }
                expected.push(lines.next().map(|(_, l)| l).unwrap_or_default());
            }
            blocks.push(Block::Query {
                sql: sql.join("\n"),
                expected: expected.join("\n"),
                dash,
            });
        } else if let Some(rest) = line.strip_prefix("statement error") {
            let mut sql = Vec::new();
            while let Some((_, l)) = lines.peek() {
                if l.trim().is_empty() {
                    break;
                }
                sql.push(lines.next().map(|(_, l)| l).unwrap_or_default());
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

/// `text` with each `(dash line, result)` written under that `----` line; nothing else changes.
fn fill(text: &str, fills: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        if let Some((_, got)) = fills.iter().find(|(d, _)| *d == i) {
            out.push_str(got);
            out.push('\n');
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
        let blocks = parse(&text);
        let mut fills = Vec::new();
        for b in &blocks {
            match b {
                Block::Comment => {}
                Block::Query { sql, expected, dash } => {
                    queries += 1;
                    let got = match lake.query(sql) {
                        Ok(r) => {
                            let mut buf = Vec::new();
                            r.write(OutputFormat::Csv, &mut buf).unwrap();
                            String::from_utf8(buf).unwrap().trim_end().to_owned()
                        }
                        Err(e) => format!("ERROR: {e}"),
                    };
                    if update && expected.is_empty() {
                        fills.push((*dash, got));
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
        if update && !fills.is_empty() {
            std::fs::write(path, fill(&text, &fills)).unwrap();
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
