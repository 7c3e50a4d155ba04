//! One module per command. Each receives its parsed arguments and the output, and returns an
//! exit status.

pub(crate) mod audit;
pub(crate) mod collect;
pub(crate) mod detect;
pub(crate) mod events;
pub(crate) mod generate;
pub(crate) mod ingest;
pub(crate) mod insights;
pub(crate) mod lake;
pub(crate) mod lookup;
pub(crate) mod query;
pub(crate) mod rules;
pub(crate) mod scan;
pub(crate) mod timeline;
pub(crate) mod verify;

use anyhow::Context;
use trailguard_read::{FileList, ReadOptions};

use crate::args::{Global, InputArgs};

/// Reader settings from the command line.
pub(crate) fn read_options(global: &Global, input: &InputArgs) -> ReadOptions {
    let mut o = ReadOptions {
        max_inflate: input.max_inflate,
        ..ReadOptions::default()
    };
    if let Some(t) = global.threads {
        o.threads = t.max(1);
    }
    o
}

/// The files of a SOURCE argument.
pub(crate) fn list_source(source: &str) -> anyhow::Result<FileList> {
    let list = FileList::from_arg(source).with_context(|| format!("cannot read the source {source}"))?;
    if list.files.is_empty() {
        anyhow::bail!(
            "{source}: no CloudTrail files found (looked for .json, .json.gz, .jsonl and .ndjson files, and the AWSLogs/ layout{})",
            if list.ignored.total() > 0 {
                format!("; {} other files left out", list.ignored.total())
            } else {
                String::new()
            }
        );
    }
    Ok(list)
}
