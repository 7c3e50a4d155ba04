//! `trailguard verify SOURCE`: digest-chain validation of a local copy or of a bucket in S3.
//!
//! The command does the reading — a folder on all cores, or S3 concurrently with the AWS SDK —
//! and hands the bytes to `trailguard-verify`, which decides; then it prints the report, or
//! with `--format aws-cli` what `aws cloudtrail validate-logs` prints.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use trailguard_aws::{Aws, AwsOptions, ObjectError};
use trailguard_model::Timestamp;
use trailguard_model::digest::{DigestMetadata, PublicKey, PublicKeysFile, SIGNATURE_ALGORITHM, SignaturesFile};
use trailguard_read::layout::{FileName, Folder, parse_key};
use trailguard_read::{FileList, ObjectKind};
use trailguard_report::Style;
use trailguard_report::verify::Context as ReportContext;
use trailguard_verify::awscli;
use trailguard_verify::offline::{LocalDigest, LocalLog, OfflineSource};
use trailguard_verify::{
    DigestObject, Expect, KeyRing, LogHasher, LogObject, LogOutcome, ObjectRef, Prepared, ReadFailure, Severity,
    SignatureSource, VerifyOptions,
};

use crate::args::{Global, parse_size};
use crate::output::{Out, note};

/// Prove that CloudTrail logs were not altered, deleted or forged: validate the digest chains
/// of a synced copy or of the bucket itself, every account and region in one run.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A folder holding a copy of the trail bucket (`aws s3 sync`), or s3://bucket[/prefix].
    source: String,
    /// Public keys: the JSON of `aws cloudtrail list-public-keys`, or an object mapping each
    /// region to such a list. Needed for a local copy; for S3, used instead of ListPublicKeys.
    #[arg(long, value_name = "FILE")]
    public_keys: Option<PathBuf>,
    /// Digest signatures of a local copy (the S3 metadata a sync drops), as
    /// {"<bucket>/<key>": {"signature": …, "signature-algorithm": …}}. Only the newest digest
    /// of each chain needs one: the others are carried by their successors.
    #[arg(long, value_name = "FILE")]
    signatures: Option<PathBuf>,
    /// Only logs delivered at or after this time (RFC 3339; offsets are converted).
    #[arg(long, value_name = "TIME")]
    start_time: Option<String>,
    /// Only logs delivered at or before this time.
    #[arg(long, value_name = "TIME")]
    end_time: Option<String>,
    /// Only this account (repeatable).
    #[arg(long, value_name = "ID")]
    account: Vec<String>,
    /// Only this source region (repeatable).
    #[arg(long, value_name = "REGION")]
    region: Vec<String>,
    /// Only this trail name (repeatable).
    #[arg(long, value_name = "NAME")]
    trail: Vec<String>,
    /// Digests are expected until this time (when the copy was taken, or now): a chain whose
    /// newest digest is older than that, less the hour a digest covers and its delivery delay,
    /// had its newest digests deleted. Default: reading S3, the current time; a local copy, the
    /// newest log delivery seen in it (a complete copy).
    #[arg(long, visible_alias = "expect-until", value_name = "TIME")]
    now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
    format: VerifyFormat,
    /// Warnings fail the run too (exit 1): a chain head that could only be hash-checked, a stop
    /// of logging or a discontinuity in a chain, logs delivered before validation was on, a
    /// public key refused. Not with --format aws-cli, which keeps the CLI's exit codes.
    #[arg(long)]
    strict: bool,
    /// With --format aws-cli: the trail ARN to print (an organization trail's ARN names the
    /// management account, which digests do not record).
    #[arg(long, value_name = "ARN")]
    trail_arn: Option<String>,
    /// The bucket's name, for a local copy whose digests cannot tell it.
    #[arg(long, value_name = "NAME")]
    bucket: Option<String>,
    /// An AWS-compatible endpoint for S3 and CloudTrail (S3 is addressed path-style).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// The AWS profile to use.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// S3 requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 64)]
    concurrency: usize,
    /// Write the public keys fetched from CloudTrail to this file (for later offline runs).
    #[arg(long, value_name = "FILE")]
    save_public_keys: Option<PathBuf>,
    /// Write the S3 metadata of the digests read to this file (for later offline runs).
    #[arg(long, value_name = "FILE")]
    save_signatures: Option<PathBuf>,
    /// Most bytes one object may inflate to (decompression bomb guard), e.g. 16GiB.
    #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = parse_size)]
    max_inflate: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum VerifyFormat {
    /// A summary per account and region, then the findings.
    Text,
    /// Every finding, typed (`trailguard.verify/v1`).
    Json,
    /// What `aws cloudtrail validate-logs` prints, word for word, with its exit codes
    /// (0, 1, 255); -v is its --verbose.
    AwsCli,
}

/// Everything read, ready to validate.
struct Loaded {
    prepared: Prepared,
    outcomes: HashMap<ObjectRef, LogOutcome>,
    keys: KeyRing,
    context: ReportContext,
}

pub(crate) fn run(args: VerifyArgs, global: &Global, out: &mut Out) -> anyhow::Result<u8> {
    let started = Instant::now();
    let parse_time = |s: &Option<String>, flag: &str| -> anyhow::Result<Option<Timestamp>> {
        s.as_deref()
            .map(|t| Timestamp::parse_rfc3339(t).with_context(|| format!("--{flag}")))
            .transpose()
    };
    let start = parse_time(&args.start_time, "start-time")?;
    let end = parse_time(&args.end_time, "end-time")?;
    let now = parse_time(&args.now, "now")?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        bail!("--start-time {s} is after --end-time {e}");
    }
    if args.strict && args.format == VerifyFormat::AwsCli {
        bail!(
            "--strict does not apply to --format aws-cli, which keeps the exit codes of `aws cloudtrail validate-logs`"
        );
    }
    let mut trails = args.trail.clone();
    if let Some(arn) = &args.trail_arn {
        let name = arn.rsplit_once(":trail/").map(|(_, n)| n.to_owned()).with_context(|| {
            format!("--trail-arn {arn}: not a trail ARN (arn:aws:cloudtrail:<region>:<account>:trail/<name>)")
        })?;
        if trails.is_empty() {
            trails.push(name);
        }
    }
    let threads = global
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let online = args.source.starts_with("s3://");
    let mut opts = VerifyOptions {
        start,
        end,
        accounts: args.account.clone(),
        regions: args.region.clone(),
        trails,
        max_digest_inflate: args.max_inflate.min(1 << 30),
        ..VerifyOptions::all()
    };
    opts.expect = match now {
        Some(t) => Expect::Until(t),
        None if online => Expect::Until(clock()),
        None => Expect::NewestDeliverySeen,
    };
    let loaded = if online {
        load_s3(&args, &opts, threads)?
    } else {
        load_local(&args, &opts, threads)?
    };
    if !global.quiet && args.format != VerifyFormat::AwsCli {
        let digests = loaded.prepared.digest_count();
        note(&format!(
            "read {digests} digests and hashed {} logs in {:.2} s",
            loaded.outcomes.len(),
            started.elapsed().as_secs_f64()
        ));
    }
    match args.format {
        VerifyFormat::AwsCli => {
            let end = end.unwrap_or_else(clock);
            let runs = awscli::runs(
                &loaded.prepared,
                start,
                end,
                args.trail_arn.as_deref(),
                global.verbose > 0,
            );
            if runs.is_empty() {
                bail!("{}: no digest chain matches (account, region, trail)", args.source);
            }
            let parts = runs
                .iter()
                .map(|r| awscli::transcript(&loaded.prepared, &loaded.outcomes, &loaded.keys, r))
                .collect();
            let t = awscli::Transcript::join(parts);
            out.write_all(t.stdout.as_bytes())?;
            out.flush()?;
            crate::output::write_stderr(&t.stderr);
            Ok(t.exit)
        }
        format => {
            let report = trailguard_verify::validate(&loaded.prepared, &loaded.outcomes, &loaded.keys);
            let text = if format == VerifyFormat::Json {
                trailguard_report::verify::json(&report, &loaded.context)
            } else {
                trailguard_report::verify::text(
                    &report,
                    &loaded.context,
                    Style { color: out.color },
                    global.verbose > 0,
                )
            };
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(exit_code(&report, args.strict))
        }
    }
}

/// 0 all valid, 1 something invalid or missing (with `strict`, also any warning), 2 could not
/// check.
fn exit_code(report: &trailguard_verify::Report, strict: bool) -> u8 {
    let code = report.exit_code();
    if code == 0 && strict && report.findings.iter().any(|f| f.severity == Severity::Warning) {
        1
    } else {
        code
    }
}

/// The clock, read once per run (the engine never reads it).
fn clock() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Timestamp(ms)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read(path).with_context(|| format!("cannot read the {what} file {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| format!("{} is not a {what} file", path.display()))
}

/// Whether a key's date folder lies outside the requested range by more than a day (not
/// worth reading).
fn outside_range(key: &str, opts: &VerifyOptions) -> bool {
    let Some(date) = parse_key(key).and_then(|k| k.date) else {
        return false;
    };
    opts.start.is_some_and(|s| date.add_secs(2 * 86_400) < s) || opts.end.is_some_and(|e| date.add_secs(-86_400) > e)
}

/// Run `f` over `items` on `threads` threads; results in input order.
fn parallel_map<I: Sync, T: Send, S>(
    items: &[I],
    threads: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &I) -> T + Sync,
) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<T>>> = items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                let mut state = init();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let v = f(&mut state, item);
                    if let Ok(mut s) = slots[i].lock() {
                        *s = Some(v);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

fn io_failure(e: &std::io::Error) -> ReadFailure {
    match e.kind() {
        std::io::ErrorKind::NotFound => ReadFailure::NotFound,
        std::io::ErrorKind::PermissionDenied => ReadFailure::AccessDenied { detail: e.to_string() },
        _ => ReadFailure::Other { detail: e.to_string() },
    }
}

/// What authenticates a local copy: public keys and digest signatures, from the files given
/// or from the sidecars `generate` writes inside the copy (`.trailguard/`), with words for the
/// report on where each came from.
pub(crate) struct Trust {
    pub(crate) keys: KeyRing,
    pub(crate) signatures: Option<SignaturesFile>,
    pub(crate) public_keys: String,
    pub(crate) signatures_text: String,
    pub(crate) notes: Vec<String>,
}

impl Trust {
    /// `root`: the copy's folder (`None` for a single file, which has no sidecars).
    pub(crate) fn load(
        root: Option<&Path>,
        public_keys: Option<&Path>,
        signatures: Option<&Path>,
    ) -> anyhow::Result<Trust> {
        let sidecar = |name: &str| root.map(|r| r.join(".trailguard").join(name)).filter(|p| p.is_file());
        let (keys_path, keys_inside) = match (public_keys, sidecar("public-keys.json")) {
            (Some(p), _) => (Some(p.to_path_buf()), false),
            (None, Some(p)) => (Some(p), true),
            (None, None) => (None, false),
        };
        let (sigs_path, sigs_inside) = match (signatures, sidecar("signatures.json")) {
            (Some(p), _) => (Some(p.to_path_buf()), false),
            (None, Some(p)) => (Some(p), true),
            (None, None) => (None, false),
        };
        let mut notes = Vec::new();
        if keys_inside {
            notes.push(format!(
                "public keys taken from {} inside the source: they authenticate nothing against whoever could alter this copy; pass --public-keys with keys from CloudTrail",
                keys_path.as_ref().map_or(String::new(), |p| p.display().to_string())
            ));
        }
        let keys = match &keys_path {
            Some(p) => KeyRing::from_file(&read_json::<PublicKeysFile>(p, "public keys")?),
            None => KeyRing::new(),
        };
        let signatures = sigs_path.as_deref().map(|p| read_json(p, "signatures")).transpose()?;
        let public_keys = match (&keys_path, keys_inside) {
            (Some(p), true) => format!("from {} (inside the source)", p.display()),
            (Some(p), false) => format!("from {}", p.display()),
            (None, _) => "none given (--public-keys)".to_owned(),
        };
        let signatures_text = match (&sigs_path, sigs_inside) {
            (Some(p), inside) => format!(
                "from {}{}, and from each digest's successor",
                p.display(),
                if inside { " (inside the source)" } else { "" }
            ),
            (None, _) => "from each digest's successor (the newest digest of each chain can only be hash-checked without --signatures)".to_owned(),
        };
        Ok(Trust {
            keys,
            signatures,
            public_keys,
            signatures_text,
            notes,
        })
    }
}

/// A local copy.
fn load_local(args: &VerifyArgs, opts: &VerifyOptions, threads: usize) -> anyhow::Result<Loaded> {
    let root = Path::new(&args.source);
    if !root.is_dir() {
        bail!(
            "{}: not a folder (verify reads a copy of the trail bucket, e.g. from `aws s3 sync s3://bucket/ DIR/`, or s3://bucket[/prefix])",
            args.source
        );
    }
    let list = FileList::walk(root).with_context(|| format!("cannot read the source {}", args.source))?;
    let trust = Trust::load(Some(root), args.public_keys.as_deref(), args.signatures.as_deref())?;

    let (digest_files, log_files): (Vec<_>, Vec<_>) = list
        .files
        .iter()
        .filter(|f| f.layout.is_some())
        .partition(|f| f.kind == ObjectKind::Digest);
    let digest_files: Vec<_> = digest_files
        .into_iter()
        .filter(|f| !outside_range(&f.key, opts))
        .collect();
    let digests = parallel_map(
        &digest_files,
        threads,
        || (),
        |_, f| {
            let path = f.name.clone();
            LocalDigest {
                rel: f.key.clone(),
                path: Some(path.clone()),
                bytes: std::fs::read(&path)
                    .map(|b| Arc::from(b.into_boxed_slice()))
                    .map_err(|e| io_failure(&e)),
            }
        },
    );
    let logs: Vec<LocalLog> = log_files
        .iter()
        .map(|f| LocalLog {
            rel: f.key.clone(),
            path: Some(f.name.clone()),
        })
        .collect();
    let source = OfflineSource::new(digests, logs, trust.signatures.as_ref(), args.bucket.as_deref());
    let prepared = Prepared::new(source.digests.clone(), source.logs.clone(), opts);
    let needed = prepared.logs_to_check();
    let max_inflate = args.max_inflate;
    let outcomes = parallel_map(
        &needed,
        threads,
        || LogHasher::new(max_inflate),
        |hasher, at| {
            let outcome = match source.find(at).and_then(|rel| source.path_of(rel)) {
                None => LogOutcome::Unreadable(ReadFailure::NotFound),
                Some(path) => match std::fs::read(path) {
                    Ok(bytes) => hasher.check(&bytes),
                    Err(e) => LogOutcome::Unreadable(io_failure(&e)),
                },
            };
            (at.clone(), outcome)
        },
    )
    .into_iter()
    .collect();
    Ok(Loaded {
        prepared,
        outcomes,
        keys: trust.keys,
        context: ReportContext {
            source: args.source.clone(),
            mode: "local copy".into(),
            public_keys: trust.public_keys,
            signatures: trust.signatures_text,
            notes: trust.notes,
        },
    })
}

fn object_failure(e: ObjectError) -> ReadFailure {
    match e {
        ObjectError::NotFound => ReadFailure::NotFound,
        ObjectError::AccessDenied { message } => ReadFailure::AccessDenied { detail: message },
        ObjectError::Archived { message } => ReadFailure::Archived { detail: message },
        ObjectError::Other { message } => ReadFailure::Other { detail: message },
    }
}

thread_local! {
    static HASHER: std::cell::RefCell<Option<LogHasher>> = const { std::cell::RefCell::new(None) };
}

/// A bucket in S3.
fn load_s3(args: &VerifyArgs, opts: &VerifyOptions, threads: usize) -> anyhow::Result<Loaded> {
    let rest = args.source.trim_start_matches("s3://");
    let (bucket_name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket_name.is_empty() {
        bail!("{}: no bucket named (s3://bucket[/prefix])", args.source);
    }
    let aws = Aws::connect(&AwsOptions {
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        concurrency: args.concurrency.max(1),
        threads,
        ..AwsOptions::default()
    })?;
    let bucket = aws.bucket(bucket_name)?;
    let days = match (opts.start, opts.end) {
        (None, None) => None,
        (s, e) => Some((s.unwrap_or(Timestamp(0)), e.unwrap_or_else(clock))),
    };
    let listed = bucket.list_trail(prefix, days, &|_| {})?;
    let mut digest_keys = Vec::new();
    let mut logs = Vec::new();
    for l in &listed {
        let Some(info) = parse_key(&l.key) else { continue };
        match info.folder {
            Folder::Digest => {
                if !outside_range(&l.key, opts) {
                    digest_keys.push(l.key.clone());
                }
            }
            Folder::CloudTrail | Folder::NetworkActivity | Folder::Insight => {
                if matches!(info.name, FileName::Log(_)) {
                    logs.push(LogObject {
                        at: ObjectRef::new(bucket_name, l.key.clone()),
                        path: None,
                    });
                }
            }
            Folder::Other(_) => {}
        }
    }
    let fetch_digests = |b: &trailguard_aws::TrailBucket, keys: &[String]| -> Vec<DigestObject> {
        let name = b.name().to_owned();
        b.get_each(keys, move |_, got| match got {
            Ok(f) => (Ok(Arc::<[u8]>::from(f.bytes.into_boxed_slice())), Some(f.metadata)),
            Err(e) => (Err(object_failure(e)), None),
        })
        .into_iter()
        .zip(keys)
        .map(|((bytes, metadata), key)| DigestObject {
            at: ObjectRef::new(name.clone(), key.clone()),
            path: None,
            signature: match &metadata {
                Some(m) => SignatureSource::from_metadata(|k| m.get(k).map(String::as_str)),
                None => SignatureSource::Metadata {
                    signature: None,
                    algorithm: None,
                    backfill_generation: None,
                },
            },
            bytes,
        })
        .collect()
    };
    let mut digests = fetch_digests(&bucket, &digest_keys);
    let mut buckets: HashMap<String, trailguard_aws::TrailBucket> = HashMap::new();
    // Chains that moved from another bucket: read the digests named there, a few rounds.
    let mut prepared = Prepared::new(digests.clone(), logs.clone(), opts);
    for _ in 0..3 {
        let have: BTreeSet<ObjectRef> = digests.iter().map(|d| d.at.clone()).collect();
        let wanted: BTreeSet<ObjectRef> = prepared
            .previous_pointers()
            .into_iter()
            .filter(|p| p.bucket != bucket_name && !have.contains(p))
            .collect();
        if wanted.is_empty() {
            break;
        }
        for (b, keys) in group_by_bucket(wanted) {
            let other = match buckets.get(&b) {
                Some(o) => o,
                None => {
                    let o = aws.bucket(&b)?;
                    buckets.entry(b.clone()).or_insert(o)
                }
            };
            digests.extend(fetch_digests(other, &keys));
        }
        prepared = Prepared::new(digests.clone(), logs.clone(), opts);
    }

    // Public keys.
    let mut keys = KeyRing::new();
    let mut fetched_keys: std::collections::BTreeMap<String, Vec<PublicKey>> = std::collections::BTreeMap::new();
    let public_keys_text = match &args.public_keys {
        Some(p) => {
            keys = KeyRing::from_file(&read_json::<PublicKeysFile>(p, "public keys")?);
            format!("from {}", p.display())
        }
        None => {
            for (region, (from, to)) in prepared.key_ranges() {
                let from = opts.start.map_or(from, |s| s.min(from)).add_secs(-2 * 3600);
                let to = opts.end.map_or(to, |e| e.max(to)).add_secs(2 * 3600);
                let listed = aws.list_public_keys(&region, from, to).with_context(|| {
                    format!(
                        "cannot list CloudTrail's public keys in {region} (pass --public-keys FILE to use saved keys)"
                    )
                })?;
                for k in listed {
                    let entry = PublicKey {
                        value: key_value_text(&k.value),
                        validity_start_time: k.valid_from,
                        validity_end_time: k.valid_to,
                        fingerprint: k.fingerprint.clone(),
                    };
                    keys.add_raw(Some(&region), &entry, &k.value);
                    fetched_keys.entry(region.clone()).or_default().push(entry);
                }
            }
            "from CloudTrail ListPublicKeys in each digest's region".to_owned()
        }
    };
    if let Some(path) = &args.save_public_keys {
        let file = PublicKeysFile::ByRegion(fetched_keys);
        write_json(path, &file)?;
    }
    if let Some(path) = &args.save_signatures {
        let mut sigs = SignaturesFile::default();
        for d in &digests {
            if let SignatureSource::Metadata {
                signature: Some(sig),
                algorithm,
                backfill_generation,
            } = &d.signature
            {
                sigs.insert(
                    &d.at.bucket,
                    &d.at.key,
                    DigestMetadata {
                        signature: sig.clone(),
                        signature_algorithm: algorithm.clone(),
                        backfill_generation_timestamp: backfill_generation.clone(),
                    },
                );
            }
        }
        write_json(path, &sigs)?;
    }

    // Logs, hashed as they arrive, on all cores.
    let needed = prepared.logs_to_check();
    let mut outcomes = HashMap::with_capacity(needed.len());
    let max_inflate = args.max_inflate;
    for (b, keys_in) in group_by_bucket(needed.iter().cloned()) {
        let client = if b == bucket_name {
            &bucket
        } else {
            match buckets.get(&b) {
                Some(o) => o,
                None => {
                    let o = aws.bucket(&b)?;
                    buckets.entry(b.clone()).or_insert(o)
                }
            }
        };
        let results = client.get_each(&keys_in, move |_, got| match got {
            Ok(f) => HASHER.with(|h| {
                let mut h = h.borrow_mut();
                h.get_or_insert_with(|| LogHasher::new(max_inflate)).check(&f.bytes)
            }),
            Err(e) => LogOutcome::Unreadable(object_failure(e)),
        });
        for (key, outcome) in keys_in.into_iter().zip(results) {
            outcomes.insert(ObjectRef::new(b.clone(), key), outcome);
        }
    }
    Ok(Loaded {
        prepared,
        outcomes,
        keys,
        context: ReportContext {
            source: args.source.clone(),
            mode: format!(
                "S3{}",
                args.endpoint_url
                    .as_deref()
                    .map(|e| format!(" at {e}"))
                    .unwrap_or_default()
            ),
            public_keys: public_keys_text,
            signatures: format!("from each digest's S3 metadata ({SIGNATURE_ALGORITHM})"),
            notes: Vec::new(),
        },
    })
}

fn group_by_bucket(refs: impl IntoIterator<Item = ObjectRef>) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for r in refs {
        out.entry(r.bucket).or_default().push(r.key);
    }
    out
}

/// A `ListPublicKeys` blob as it would appear in a keys file: base64 of the DER.
fn key_value_text(raw: &[u8]) -> String {
    use base64::Engine as _;
    if raw.first() == Some(&0x30) {
        base64::engine::general_purpose::STANDARD.encode(raw)
    } else {
        String::from_utf8_lossy(raw).trim().to_owned()
    }
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
