//! The aws-cli emulation over the generator's chains, without running the CLI (the
//! `differential` tests compare it with the real one): the wording of §7.4 of
//! digest-validation.md, per chain, and its exit codes.

use trailguard_model::Timestamp;

use crate::support::{Trail, small_config};

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2100-01-01T00:00:00Z").expect("time")
}

#[test]
fn intact_trail_one_run_per_chain() {
    let t = Trail::generate(&small_config(21));
    let runs = t.aws_cli(None, end(), false);
    assert_eq!(runs.len(), t.chains().len());
    for (run, (account, region)) in runs.iter().zip(t.chains()) {
        assert_eq!(run.exit, 0, "{run:#?}");
        assert!(run.stderr.is_empty(), "{run:#?}");
        assert!(
            run.stdout
                .starts_with("Validating log files for trail arn:aws:cloudtrail:"),
            "{run:#?}"
        );
        let digests = t.digest_keys(&account, &region).len();
        assert!(
            run.stdout
                .contains(&format!("\n{digests}/{digests} digest files valid\n")),
            "{account} {region}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains("INVALID"), "{}", run.stdout);
    }
    // Verbose: one status line per digest, tab-separated.
    let verbose = t.aws_cli(None, end(), true);
    let lines = verbose
        .iter()
        .flat_map(|r| r.stdout.lines())
        .filter(|l| l.starts_with("Digest file\ts3://") && l.ends_with("\tvalid"))
        .count();
    let digests = t.objects.keys().filter(|k| k.contains("/CloudTrail-Digest/")).count();
    assert_eq!(lines, digests);
}

#[test]
fn deleted_log_is_reported_on_stderr_with_exit_1() {
    let mut t = Trail::generate(&small_config(22));
    let (account, region) = t.chains()[0].clone();
    let keys = t.digest_keys(&account, &region);
    let log = keys
        .iter()
        .flat_map(|k| t.logs_of(k))
        .next()
        .expect("a digest with logs");
    t.remove(&log);
    let runs = t.aws_cli(None, end(), false);
    let bad: Vec<_> = runs.iter().filter(|r| r.exit != 0).collect();
    assert_eq!(bad.len(), 1, "{runs:#?}");
    assert_eq!(bad[0].exit, 1);
    assert_eq!(
        bad[0].stderr,
        format!("Log file\ts3://{}/{log}\tINVALID: not found\n\n", t.bucket)
    );
    assert!(bad[0].stdout.contains(" log files valid, 1/"), "{}", bad[0].stdout);
}
