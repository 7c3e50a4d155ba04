//! `trailguard rules …`: detection rules and filter patterns. One function per subcommand.

use trailguard_pattern::{Diagnostic, Pattern, Severity, lint};

use crate::args::{Global, RulesArgs, RulesCommand, RulesLintArgs};
use crate::exit;
use crate::output::Out;

pub(crate) fn run(args: RulesArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    match args.command {
        RulesCommand::Lint(a) => run_lint(&a, global, out),
    }
}

/// The counts of errors and warnings.
fn counts(d: &[Diagnostic]) -> (usize, usize) {
    let errors = d.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = d.iter().filter(|d| d.severity == Severity::Warning).count();
    (errors, warnings)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `rules lint PATTERN`: exit 0 when AWS accepts the pattern, 1 when it would reject it, 2 when
/// trailguard cannot read it at all.
fn run_lint(args: &RulesLintArgs, _global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let text = &args.pattern;
    let diagnostics = lint(text);
    let parsed = Pattern::parse(text).ok();
    let (errors, warnings) = counts(&diagnostics);
    // The canonical form, when it is one AWS accepts: the fix for every lenient construct at once.
    let canonical = parsed.as_ref().map(ToString::to_string);
    let aws_valid = canonical
        .as_ref()
        .filter(|c| errors > 0 && Pattern::parse_strict(c).is_ok())
        .cloned();
    let code = match (&parsed, errors) {
        (None, _) => exit::ERROR,
        (Some(_), 0) => exit::OK,
        (Some(_), _) => exit::RESULTS,
    };
    if args.json {
        let doc = serde_json::json!({
            "schema": "trailguard.rules.lint/v1",
            "pattern": text,
            "parsed": parsed.is_some(),
            "kind": parsed.as_ref().map(|p| p.kind()),
            "accepted": parsed.is_some() && errors == 0,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": diagnostics,
            "canonical": canonical,
            "aws_valid": aws_valid,
            "explanation": parsed.as_ref().map(Pattern::explain),
        });
        let mut s = serde_json::to_string_pretty(&doc)?;
        s.push('\n');
        out.write_all(s.as_bytes())?;
        out.flush()?;
        return Ok(code);
    }
    let mut s = String::new();
    for d in &diagnostics {
        s.push_str(&d.render(text));
        s.push('\n');
    }
    match &parsed {
        None => s.push_str("result: trailguard cannot read this pattern, and CloudWatch Logs would reject it.\n"),
        Some(p) => {
            if errors > 0 {
                s.push_str(&format!(
                    "result: CloudWatch Logs would reject this {} ({}, {}).\n",
                    p.kind().name(),
                    plural(errors, "error"),
                    plural(warnings, "warning")
                ));
                match &aws_valid {
                    Some(v) => s.push_str(&format!("AWS-valid form: {v}\n")),
                    None => s.push_str(&format!("trailguard reads it as: {p}\n")),
                }
            } else {
                s.push_str(&format!(
                    "result: CloudWatch Logs accepts this {}{}.\n",
                    p.kind().name(),
                    if warnings > 0 {
                        format!(" ({})", plural(warnings, "warning"))
                    } else {
                        String::new()
                    }
                ));
            }
            s.push('\n');
            s.push_str(&p.explain());
        }
    }
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(code)
}
