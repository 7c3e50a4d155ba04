//! `trailguard rules …`: detection rules and filter patterns. One function per subcommand.

use clap::Args;
use trailguard_pattern::{Diagnostic, Pattern, Severity, lint};

use crate::args::{Global, RulesArgs, RulesCommand, RulesLintArgs};
use crate::commands::detect::{RuleArgs, build_detector};
use crate::exit;
use crate::output::{Out, note};

pub(crate) fn run(args: RulesArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    match args.command {
        RulesCommand::Lint(a) => run_lint(&a, global, out),
        RulesCommand::List(a) => run_list(&a, out),
        RulesCommand::Test(a) => run_test(&a, out),
        RulesCommand::Explain(a) => run_explain(&a, out),
    }
}

#[derive(Debug, Args)]
pub(crate) struct RulesListArgs {
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    /// Print the rules as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RulesTestArgs {
    /// A rule file whose tests to run as well (repeatable). The built-in packs are always tested.
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rules: Vec<String>,
    /// Print every test, not only failures.
    #[arg(long)]
    pub(crate) all: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RulesExplainArgs {
    /// The rule's id (e.g. TG-TT-001, TG-CIS-4.3, or a Sigma rule's id with --sigma).
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
}

/// Every built-in pack plus whatever the options add.
fn everything(args: &RuleArgs) -> anyhow::Result<trailguard_detect::Detector> {
    let mut a = args.clone();
    if a.packs.is_empty() {
        a.packs.push("all".into());
    }
    build_detector(&a, true)
}

/// `rules list`
fn run_list(args: &RulesListArgs, out: &mut Out) -> anyhow::Result<u8> {
    let mut a = args.rules.clone();
    if a.packs.is_empty() && a.rules.is_empty() && a.sigma.is_empty() && a.patterns.is_empty() {
        a.packs.push("all".into());
    }
    let det = build_detector(&a, true)?;
    let mut s = String::new();
    if args.json {
        let rules: Vec<_> = det.rules().iter().map(|r| r.as_ref()).collect();
        s = serde_json::to_string_pretty(&serde_json::json!({
            "schema": "trailguard.rules.list/v1",
            "rules": rules,
        }))?;
        s.push('\n');
    } else {
        s.push_str(&format!(
            "{:<14}  {:<13}  {:<8}  {:<8}  {:<28}  {}\n",
            "ID", "SOURCE", "SEVERITY", "KIND", "THRESHOLD", "TITLE"
        ));
        for r in det.rules() {
            let src = match &r.origin {
                trailguard_detect::Origin::Pack(p) => p.clone(),
                trailguard_detect::Origin::File(_) => "rule file".into(),
                trailguard_detect::Origin::Sigma(_) => "sigma".into(),
                trailguard_detect::Origin::CommandLine => "--pattern".into(),
            };
            let th = r
                .threshold
                .as_ref()
                .map_or_else(|| "every match".to_owned(), |t| t.describe());
            s.push_str(&format!(
                "{:<14}  {:<13}  {:<8}  {:<8}  {:<28}  {}\n",
                r.id,
                src,
                r.severity.as_str(),
                r.body.kind(),
                th,
                r.title
            ));
        }
    }
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(exit::OK)
}

/// `rules test`: exit 1 when any test fails.
fn run_test(args: &RulesTestArgs, out: &mut Out) -> anyhow::Result<u8> {
    let det = everything(&RuleArgs {
        rules: args.rules.clone(),
        ..RuleArgs::default()
    })?;
    let results = trailguard_detect::run_tests(&det);
    let failed = results
        .iter()
        .filter(|r| r.verdict == trailguard_detect::Verdict::Fail)
        .count();
    let rules = {
        let mut ids: Vec<&str> = results.iter().map(|r| r.rule.as_str()).collect();
        ids.dedup();
        ids.len()
    };
    if args.json {
        let mut s = serde_json::to_string_pretty(&serde_json::json!({
            "schema": "trailguard.rules.test/v1",
            "rules": rules,
            "tests": results.len(),
            "failed": failed,
            "results": results,
        }))?;
        s.push('\n');
        out.write_all(s.as_bytes())?;
    } else {
        let mut s = String::new();
        for r in &results {
            let fail = r.verdict == trailguard_detect::Verdict::Fail;
            if fail || args.all {
                s.push_str(&format!(
                    "{} {} [{}] {}{}\n",
                    if fail { "FAIL" } else { "ok  " },
                    r.rule,
                    r.origin,
                    r.test,
                    if r.detail.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", r.detail)
                    }
                ));
            }
        }
        s.push_str(&format!(
            "{} rules, {} tests: {} passed, {} failed\n",
            rules,
            results.len(),
            results.len() - failed,
            failed
        ));
        out.write_all(s.as_bytes())?;
    }
    out.flush()?;
    Ok(if failed > 0 { exit::RESULTS } else { exit::OK })
}

/// `rules explain ID`
fn run_explain(args: &RulesExplainArgs, out: &mut Out) -> anyhow::Result<u8> {
    let det = everything(&args.rules)?;
    let Some(ix) = det.find(&args.id) else {
        note(&format!(
            "error: no rule with id {:?} (trailguard rules list shows them; add --rules FILE or --sigma DIR for your own)",
            args.id
        ));
        return Ok(exit::ERROR);
    };
    let Some(r) = det.rule(ix) else {
        return Ok(exit::ERROR);
    };
    let mut s = String::new();
    s.push_str(&format!("{}  {}\n\n", r.id, r.title));
    s.push_str(&format!("source:      {}\n", r.origin));
    s.push_str(&format!("severity:    {}\n", r.severity));
    if !r.mitre.is_empty() {
        s.push_str(&format!("MITRE:       {}\n", r.mitre.join(", ")));
    }
    if let Some(a) = &r.author {
        s.push_str(&format!("author:      {a}\n"));
    }
    if let Some(l) = &r.license {
        s.push_str(&format!("license:     {l}\n"));
    }
    s.push_str(&format!(
        "alerts:      {}\n",
        r.threshold.as_ref().map_or_else(
            || "on every matching event".to_owned(),
            |t| format!("when {}", t.describe())
        )
    ));
    if !r.description.is_empty() {
        s.push_str(&format!("\n{}\n", r.description));
    }
    if !r.falsepositives.is_empty() {
        s.push_str("\nFalse positives:\n");
        for f in &r.falsepositives {
            s.push_str(&format!("  - {f}\n"));
        }
    }
    match &r.body {
        trailguard_detect::Body::Pattern(p) => {
            s.push_str(&format!("\nFilter pattern:\n  {p}\n"));
            if let Some(c) = det.pattern(ix) {
                s.push_str(&format!(
                    "\nCloudWatch Logs {} it as written.\n",
                    if c.aws_accepts() { "accepts" } else { "would reject" }
                ));
                s.push_str(&format!("\n{}", c.explain()));
                if !s.ends_with('\n') {
                    s.push('\n');
                }
            }
        }
        trailguard_detect::Body::Sigma(d) => {
            s.push_str("\nSigma detection:\n");
            for line in d.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
        trailguard_detect::Body::SigmaRule | trailguard_detect::Body::SigmaCorrelation => {
            let what = if r.body == trailguard_detect::Body::SigmaCorrelation {
                "correlation rule"
            } else {
                "detection rule"
            };
            s.push_str(&format!("\nA Sigma {what}: its logic is in {}\n", r.origin));
        }
    }
    if !r.references.is_empty() {
        s.push_str("\nReferences:\n");
        for f in &r.references {
            s.push_str(&format!("  {f}\n"));
        }
    }
    if !r.tests.is_empty() {
        s.push_str(&format!("\nTests ({}):\n", r.tests.len()));
        for t in &r.tests {
            let what = match t.expect {
                trailguard_detect::Expect::Match => "must match".to_owned(),
                trailguard_detect::Expect::NoMatch => "must not match".to_owned(),
                trailguard_detect::Expect::Alerts(n) => format!("{} events must raise {n} alert(s)", t.events.len()),
            };
            s.push_str(&format!("  {}: {what}\n", t.name));
        }
    }
    out.write_all(s.as_bytes())?;
    out.flush()?;
    Ok(exit::OK)
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
