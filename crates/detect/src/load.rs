//! Reading rule files from disk: the only I/O in this crate, kept apart from the engine.

use std::path::Path;

use crate::file::{MAX_RULE_FILE_BYTES, RuleFileError, parse_rules};
use crate::rule::{Origin, Rule};

/// Read the rule file at `path` (YAML, see `docs/rules.md`).
pub fn load_rule_file(path: &Path) -> Result<Vec<Rule>, RuleFileError> {
    let name = path.display().to_string();
    let err = |message: String| RuleFileError {
        file: name.clone(),
        line: None,
        rule: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read the rule file: {e}")))?;
    if !meta.is_file() {
        return Err(err(
            "not a file (give a YAML rule file; Sigma folders go to --sigma)".into()
        ));
    }
    if meta.len() > MAX_RULE_FILE_BYTES as u64 {
        return Err(err(format!(
            "the file is larger than {} MiB",
            MAX_RULE_FILE_BYTES >> 20
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read the rule file: {e}")))?;
    parse_rules(&name, &text, &Origin::File(name.clone()))
}
