//! `--format aws-cli`: what `aws cloudtrail validate-logs` prints for the same input, byte for
//! byte on standard output and standard error, with its exit status (0, 1, or 255 for its
//! fatal errors) — digest-validation.md §7.
//!
//! The reference CLI validates one chain (one account and source region of one trail) per
//! run. [`runs`] makes one run per selected chain, as if the CLI had been called correctly for
//! each (`--trail-arn`, `--region` = the source region, `--account-id`); [`transcript`] replays
//! the CLI's algorithm on the objects already read:
//!
//! - one listing of the digest keys of the chain's prefix (from `start - 1 min`, keeping keys
//!   whose date is in `[start, end + 1 h]`), split into standard and backfill lists;
//! - public keys valid in `[start, end + 2 h]` (for backfill digests, `generation ± 1 h`),
//!   looked up by fingerprint in the source region, PKCS#1 only;
//! - the walk newest → oldest following `previousDigestS3Object`, falling back to the next
//!   older listed key after a missing or invalid digest, a gap line when a chain restarts;
//! - every log of every valid digest hashed over its first gzip member, in order.
//!
//! Where the CLI cannot see a problem (a deleted newest digest, an injected log, a log whose
//! gzip trailer was cut, a second deleted digest in a row…), neither does this output: it is
//! the compatibility format. trailguard's own findings are in the default format.
//!
//! Offline, the S3 metadata of a digest comes from the signatures file, or else from the copy
//! of its signature that its successor carries; a digest with neither (the newest of a chain
//! without `--signatures`) is reported `INVALID: signature not available offline`, so that a
//! script never reads "valid" for something that was not checked.

use std::collections::HashMap;

use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign};
use sha2::{Digest as _, Sha256};
use trailguard_model::Timestamp;

use crate::chain::{Prepared, key_facts};
use crate::input::SignatureSource;
use crate::keyring::{KeyEncoding, KeyRing, LoadedKey};
use crate::logcheck::{Damage, LogOutcome, hex_of};
use crate::object::{ObjectRef, ReadFailure};
use crate::parse::{DigestView, Field};

/// What the reference CLI prints and returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status: 0, 1, or 255.
    pub exit: u8,
}

/// One run of the reference CLI: the arguments it would be given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliRun {
    /// `--trail-arn`.
    pub trail_arn: String,
    /// Account (`--account-id`).
    pub account: String,
    /// Source region (`--region`).
    pub region: String,
    /// Trail name (the end of the ARN).
    pub trail: String,
    /// Home region (the ARN's region).
    pub home_region: String,
    /// Organization id, for an organization trail (from `DescribeOrganization`).
    pub organization: Option<String>,
    /// The trail's bucket.
    pub bucket: String,
    /// The trail's key prefix.
    pub prefix: Option<String>,
    /// `--start-time`.
    pub start: Timestamp,
    /// `--end-time`.
    pub end: Timestamp,
    /// `--verbose`.
    pub verbose: bool,
}

/// (organization, account, source region, trail, home region): one CLI run.
type TrailKey = (Option<String>, String, String, String, String);

/// One run per selected chain (standard and backfill digests together, as the CLI does).
/// `start` defaults to the start of the oldest digest of the chain; `trail_arn` overrides the
/// ARN printed (an organization trail's ARN names the management account, which digests do
/// not record).
pub fn runs(
    p: &Prepared,
    start: Option<Timestamp>,
    end: Timestamp,
    trail_arn: Option<&str>,
    verbose: bool,
) -> Vec<CliRun> {
    let mut groups: std::collections::BTreeMap<TrailKey, Vec<usize>> = std::collections::BTreeMap::new();
    for (c, list) in &p.chains {
        if !p.wanted(c) {
            continue;
        }
        groups
            .entry((
                c.organization.clone(),
                c.account.clone(),
                c.region.clone(),
                c.trail.clone(),
                c.home_region.clone(),
            ))
            .or_default()
            .extend(list.iter().copied());
    }
    groups
        .into_iter()
        .map(|((organization, account, region, trail, home_region), nodes)| {
            // The trail's bucket and prefix: those of its newest digest in place.
            let newest = nodes
                .iter()
                .copied()
                .max_by_key(|&i| (p.nodes[i].end, p.nodes[i].in_place(), p.nodes[i].obj.at.key.clone()))
                .unwrap_or_default();
            let at = &p.nodes[newest].obj.at;
            let prefix = key_facts(&at.key).map(|k| k.prefix).filter(|s| !s.is_empty());
            let oldest = nodes.iter().filter_map(|&i| p.nodes[i].start).min().unwrap_or(end);
            CliRun {
                trail_arn: trail_arn
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("arn:aws:cloudtrail:{home_region}:{account}:trail/{trail}")),
                account,
                region,
                trail,
                home_region,
                organization,
                bucket: at.bucket.clone(),
                prefix,
                start: start.unwrap_or(oldest),
                end,
                verbose,
            }
        })
        .collect()
}

/// Replay the reference CLI for one run.
pub fn transcript(p: &Prepared, checks: &HashMap<ObjectRef, LogOutcome>, keys: &KeyRing, run: &CliRun) -> Transcript {
    let mut cli = Cli {
        p,
        checks,
        keys,
        run,
        out: Transcript::default(),
        double_space: true,
        cache: HashMap::new(),
        counts: [0; 6],
        found_start: None,
        found_end: None,
    };
    if run.start > run.end {
        cli.out.stderr = "\nInvalid time range specified: start-time must occur before end-time\n".into();
        cli.out.exit = 255;
        return cli.out;
    }
    cli.out.stdout.push_str(&format!(
        "Validating log files for trail {} between {} and {}\n\n",
        run.trail_arn,
        display(run.start),
        display(run.end)
    ));
    match cli.call() {
        Ok(()) => {
            cli.summary();
            let invalid = cli.counts[1] + cli.counts[3] + cli.counts[5];
            cli.out.exit = u8::from(invalid > 0);
        }
        Err(Fatal(msg)) => {
            cli.out.stderr.push('\n');
            cli.out.stderr.push_str(&msg);
            cli.out.stderr.push('\n');
            cli.out.exit = 255;
        }
    }
    cli.out
}

/// An error that ends the CLI with status 255.
struct Fatal(String);

/// Why a digest was not valid: which callback the CLI calls, or the error that ends it.
enum Bad {
    /// `NoSuchKey`: "not found".
    Missing,
    /// Any digest error: the full message line.
    Invalid(String),
    /// Any other S3 error: the CLI re-raises it and ends with status 255.
    Fatal(String),
}

struct Cli<'a> {
    p: &'a Prepared,
    checks: &'a HashMap<ObjectRef, LogOutcome>,
    keys: &'a KeyRing,
    run: &'a CliRun,
    out: Transcript,
    double_space: bool,
    /// The listing cache: (bucket, end) → (standard keys, backfill keys), popped as used.
    cache: HashMap<(String, Timestamp), (Vec<String>, Vec<String>)>,
    /// valid/invalid digests, valid/invalid backfill digests, valid/invalid logs.
    counts: [u64; 6],
    found_start: Option<Timestamp>,
    found_end: Option<Timestamp>,
}

fn display(t: Timestamp) -> String {
    t.to_rfc3339()
}

/// `%Y%m%dT%H%M%SZ`.
fn compact(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s) = t.to_civil();
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

fn is_backfill_key(key: &str) -> bool {
    key.ends_with("_backfill.json.gz")
}

/// The CLI's fixed slice of a digest key holding its date.
fn key_date_text(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let n = chars.len() as isize;
    let (a, b) = if is_backfill_key(key) {
        (n - 33, n - 17)
    } else {
        (n - 24, n - 8)
    };
    let a = a.max(0) as usize;
    let b = b.max(0) as usize;
    if a >= b {
        return String::new();
    }
    chars[a..b].iter().collect()
}

fn key_date(key: &str) -> Result<Timestamp, Fatal> {
    let text = key_date_text(key);
    Timestamp::parse_rfc3339(&text).map_err(|_| Fatal(format!("Unable to parse date value: {text}")))
}

impl<'a> Cli<'a> {
    fn status(&mut self, message: &str, error: bool) {
        if error {
            if self.double_space {
                self.out.stderr.push_str(message);
                self.out.stderr.push_str("\n\n");
            } else {
                self.out.stderr.push('\n');
                self.out.stderr.push_str(message);
                self.out.stderr.push_str("\n\n");
            }
            self.double_space = true;
        } else if self.run.verbose {
            self.double_space = false;
            self.out.stdout.push_str(message);
            self.out.stdout.push('\n');
        }
    }

    fn call(&mut self) -> Result<(), Fatal> {
        for backfill in [false, true] {
            self.traverse(backfill)?;
        }
        Ok(())
    }

    /// The digest key prefix of the chain and the key the listing starts after.
    fn listing(&mut self, bucket: &str, end: Timestamp) -> &mut (Vec<String>, Vec<String>) {
        let run = self.run;
        let p = self.p;
        self.cache.entry((bucket.to_owned(), end)).or_insert_with(|| {
            let pfx = run.prefix.as_deref().map(|x| format!("{x}/")).unwrap_or_default();
            let org = run.organization.as_deref().map(|o| format!("{o}/")).unwrap_or_default();
            let list_prefix = format!("{pfx}AWSLogs/{org}{}/CloudTrail-Digest/{}", run.account, run.region);
            let marker_time = run.start.add_secs(-60);
            let (y, mo, d, ..) = marker_time.to_civil();
            let marker = format!(
                "{list_prefix}/{y:04}/{mo:02}/{d:02}/{}_CloudTrail-Digest_{}_{}_{}_{}.json.gz",
                run.account,
                run.region,
                run.trail,
                run.home_region,
                compact(marker_time)
            );
            let name_start = format!(
                "{}_CloudTrail-Digest_{}_{}_{}_",
                run.account, run.region, run.trail, run.home_region
            );
            let target_start = compact(run.start);
            let target_end = compact(end.add_secs(3600));
            let mut keys: Vec<&str> = p
                .nodes
                .iter()
                .filter(|n| n.obj.at.bucket == bucket)
                .map(|n| n.obj.at.key.as_str())
                .filter(|k| k.starts_with(&list_prefix) && *k > marker.as_str())
                .collect();
            keys.sort_unstable();
            let mut standard = Vec::new();
            let mut backfill = Vec::new();
            for key in keys {
                if !matches_digest_pattern(key, &list_prefix, &name_start) {
                    continue;
                }
                let date = key_date_text(key);
                if date > target_end {
                    break;
                }
                if date < target_start {
                    continue;
                }
                if is_backfill_key(key) {
                    backfill.push(key.to_owned());
                } else {
                    standard.push(key.to_owned());
                }
            }
            (standard, backfill)
        })
    }

    fn list(&mut self, bucket: &str, end: Timestamp, backfill: bool) -> Vec<String> {
        let l = self.listing(bucket, end);
        // The CLI pops from the cached list itself; this copy is written back after use.
        if backfill { l.1.clone() } else { l.0.clone() }
    }

    fn store(&mut self, bucket: &str, end: Timestamp, backfill: bool, keys: Vec<String>) {
        let l = self.listing(bucket, end);
        if backfill {
            l.1 = keys;
        } else {
            l.0 = keys;
        }
    }

    /// Keys valid in `[from, to]` for the run's region; `None` when there are none.
    fn load_keys(&self, from: Timestamp, to: Timestamp) -> Result<HashMap<String, &'a LoadedKey>, Fatal> {
        let found: HashMap<String, &LoadedKey> = self
            .keys
            .keys_for(&self.run.region)
            .filter(|k| k.overlaps(from, to))
            .map(|k| (k.fingerprint.clone(), k))
            .collect();
        if found.is_empty() {
            return Err(Fatal(format!(
                "No public keys found between {} and {}",
                display(from),
                display(to)
            )));
        }
        Ok(found)
    }

    fn traverse(&mut self, backfill: bool) -> Result<(), Fatal> {
        let run = self.run;
        let mut bucket = run.bucket.clone();
        let mut list_end = run.end;
        let mut digests = self.list(&bucket, list_end, backfill);
        let mut public_keys = if backfill {
            HashMap::new()
        } else {
            self.load_keys(run.start, run.end.add_secs(2 * 3600))?
        };
        let tag = if backfill { "(backfill) " } else { "" };
        // _get_last_digest
        let mut key = digests.pop();
        let mut last_start = match &key {
            Some(k) => Some(key_date(k)?),
            None => None,
        };
        while let Some(k) = key.clone() {
            if last_start.is_none_or(|ls| run.start > ls) {
                break;
            }
            match self.load_and_validate(&mut public_keys, &bucket, &k, backfill) {
                Ok((view, end)) => {
                    let start = view.start_time().unwrap_or_default();
                    last_start = Some(start);
                    self.track_found(start, end);
                    self.counts[if backfill { 2 } else { 0 }] += 1;
                    let line = format!(
                        "{tag}Digest file\ts3://{}/{}\tvalid",
                        view.bucket.str().unwrap_or_default(),
                        view.object.str().unwrap_or_default()
                    );
                    self.status(&line, false);
                    if let Ok(files) = &view.log_files {
                        for f in files {
                            self.download_log(&f.at, &f.hash)?;
                        }
                    }
                    match view.previous() {
                        None => {
                            // The chain is broken: find the next in the listing.
                            self.store(&bucket, list_end, backfill, std::mem::take(&mut digests));
                            let next = self.next_older(&bucket, list_end, backfill, &k)?;
                            if let Some((nk, nd)) = &next {
                                let _ = nk;
                                let line = format!(
                                    "{tag}No log files were delivered by CloudTrail between {} and {}",
                                    display(*nd),
                                    display(start)
                                );
                                self.status(&line, true);
                            }
                            digests = self.list(&bucket, list_end, backfill);
                            key = next.map(|n| n.0);
                        }
                        Some(prev) => {
                            key = Some(prev.key.clone());
                            if prev.bucket != bucket {
                                self.store(&bucket, list_end, backfill, std::mem::take(&mut digests));
                                bucket = prev.bucket.clone();
                                list_end = end;
                                digests = self.list(&bucket, list_end, backfill);
                            }
                        }
                    }
                }
                Err(Bad::Fatal(msg)) => return Err(Fatal(msg)),
                Err(bad) => {
                    let count = if backfill { 3 } else { 1 };
                    self.counts[count] += 1;
                    let line = match bad {
                        Bad::Missing => format!("{tag}Digest file\ts3://{bucket}/{k}\tINVALID: not found"),
                        Bad::Invalid(message) | Bad::Fatal(message) => format!("{tag}{message}"),
                    };
                    self.store(&bucket, list_end, backfill, std::mem::take(&mut digests));
                    let next = self.next_older(&bucket, list_end, backfill, &k)?;
                    self.status(&line, true);
                    digests = self.list(&bucket, list_end, backfill);
                    key = next.map(|n| n.0);
                }
            }
        }
        Ok(())
    }

    /// `_get_last_digest(digests, before_key)`: pop keys until one is older than `before`.
    fn next_older(
        &mut self,
        bucket: &str,
        end: Timestamp,
        backfill: bool,
        before: &str,
    ) -> Result<Option<(String, Timestamp)>, Fatal> {
        let before_date = key_date(before)?;
        let mut digests = self.list(bucket, end, backfill);
        let mut out = None;
        while let Some(k) = digests.pop() {
            let d = key_date(&k)?;
            if d < before_date {
                out = Some((k, d));
                break;
            }
        }
        self.store(bucket, end, backfill, digests);
        Ok(out)
    }

    fn track_found(&mut self, start: Timestamp, end: Timestamp) {
        let s = start.max(self.run.start);
        if self.found_start.is_none_or(|f| s < f) {
            self.found_start = Some(s);
        }
        let e = end.min(self.run.end);
        if self.found_end.is_none_or(|f| e > f) {
            self.found_end = Some(e);
        }
    }

    /// The signature the CLI would read from the object's metadata.
    fn metadata_signature(&self, at: &ObjectRef, source: &SignatureSource) -> (Option<String>, bool, Option<String>) {
        match source {
            SignatureSource::Metadata {
                signature,
                algorithm,
                backfill_generation,
            } => (
                signature.clone(),
                signature.is_some() && algorithm.is_some(),
                backfill_generation.clone(),
            ),
            SignatureSource::File(m) => (
                Some(m.signature.clone()),
                m.signature_algorithm.is_some(),
                m.backfill_generation_timestamp.clone(),
            ),
            SignatureSource::Unknown => {
                // Offline: the copy its successor carries stands in for the metadata.
                let carried = self.p.pointing_to.get(at).and_then(|succ| {
                    succ.iter()
                        .find_map(|&s| self.p.nodes[s].view()?.prev_signature.str().map(str::to_owned))
                });
                let ok = carried.is_some();
                (carried, ok, None)
            }
        }
    }

    fn load_and_validate(
        &mut self,
        public_keys: &mut HashMap<String, &'a LoadedKey>,
        bucket: &str,
        key: &str,
        backfill: bool,
    ) -> Result<(DigestView, Timestamp), Bad> {
        let at = ObjectRef::new(bucket, key);
        let url = format!("s3://{bucket}/{key}");
        let invalid = |what: &str| Bad::Invalid(format!("Digest file\t{url}\tINVALID: {what}"));
        let Some(&i) = self.p.by_found.get(&at) else {
            return Err(Bad::Missing);
        };
        let node = &self.p.nodes[i];
        let body = match &node.body {
            Ok(b) => b,
            Err(ReadFailure::NotFound) => return Err(Bad::Missing),
            Err(f) => {
                let (code, text) = match f {
                    ReadFailure::AccessDenied { .. } => ("AccessDenied", "Access Denied".to_owned()),
                    ReadFailure::Archived { .. } => (
                        "InvalidObjectState",
                        "The operation is not valid for the object's storage class".to_owned(),
                    ),
                    ReadFailure::Other { detail } => ("InternalError", detail.clone()),
                    ReadFailure::NotFound => ("NoSuchKey", String::new()),
                };
                // Not NoSuchKey: the CLI re-raises and ends.
                return Err(Bad::Fatal(format!(
                    "An error occurred ({code}) when calling the GetObject operation: {text}"
                )));
            }
        };
        let Ok(view) = &body.view else {
            return Err(invalid("invalid format"));
        };
        let (signature, has_metadata, generation) = self.metadata_signature(&at, &node.obj.signature);
        if !has_metadata {
            if matches!(node.obj.signature, SignatureSource::Unknown) {
                return Err(invalid(
                    "signature not available offline (no S3 metadata in a local copy; pass --signatures)",
                ));
            }
            return Err(invalid("signature verification failed"));
        }
        if backfill && generation.is_none() {
            return Err(invalid("invalid format"));
        }
        if view.missing_required().is_some() {
            return Err(invalid("invalid format"));
        }
        if view.bucket.str() != Some(bucket) || view.object.str() != Some(key) {
            return Err(invalid("has been moved from its original location"));
        }
        let fingerprint = match &view.fingerprint {
            Field::Str(s) => s.clone(),
            _ => "None".to_owned(),
        };
        if !public_keys.contains_key(&fingerprint)
            && backfill
            && let Some(generation) = &generation
        {
            let Ok(g) = Timestamp::parse_rfc3339(generation) else {
                return Err(invalid(&format!("Unable to parse date value: {generation}")));
            };
            match self.load_keys(g.add_secs(-3600), g.add_secs(3600)) {
                Ok(more) => public_keys.extend(more),
                Err(Fatal(msg)) => return Err(invalid(&msg)),
            }
        }
        let Some(pk) = public_keys.get(&fingerprint) else {
            return Err(invalid(&format!(
                "public key not found in region {} for fingerprint {fingerprint}",
                self.run.home_region
            )));
        };
        if pk.encoding != KeyEncoding::Pkcs1 {
            return Err(invalid(&format!(
                "Unable to load PKCS #1 key with fingerprint {fingerprint}"
            )));
        }
        let Some(message) = self.p.string_to_sign(i) else {
            return Err(invalid("invalid format"));
        };
        let sig_text = signature.unwrap_or_default();
        let sig = match unhexlify(&sig_text) {
            Ok(s) => s,
            Err(e) => return Err(invalid(e)),
        };
        let n = pk.key.n();
        let as_int = BigUint::from_bytes_be(&sig);
        if &as_int > n {
            return Err(invalid(&format!("The message {as_int} is too long for n={n}")));
        }
        let hashed = Sha256::digest(message.as_bytes());
        if pk.key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, &sig).is_err() {
            return Err(invalid("signature verification failed"));
        }
        let Some(end) = view.end_time() else {
            return Err(invalid(&format!(
                "Unable to parse date value: {}",
                view.end.str().unwrap_or_default()
            )));
        };
        Ok((view.clone(), end))
    }

    fn download_log(&mut self, at: &ObjectRef, expected: &str) -> Result<(), Fatal> {
        let url = format!("s3://{}/{}", at.bucket, at.key);
        let verdict = match self.checks.get(at) {
            None => Err(Fatal(format!(
                "An error occurred (InternalError) when calling the GetObject operation: {url} was not read"
            ))),
            Some(o) => Ok(match o {
                LogOutcome::Gzip { sha256, trailing, .. } => {
                    if *trailing > 0 {
                        Some("unexpected data after end of compressed stream")
                    } else if hex_of(sha256) == expected {
                        None
                    } else {
                        Some("hash value doesn't match")
                    }
                }
                LogOutcome::Damaged {
                    damage: Damage::TrailerMissing | Damage::Truncated,
                    recovered_sha256,
                    ..
                } => {
                    if hex_of(recovered_sha256) == expected {
                        None
                    } else {
                        Some("hash value doesn't match")
                    }
                }
                LogOutcome::Damaged { .. } | LogOutcome::TooLarge { .. } => Some("invalid format"),
                LogOutcome::NotGzip { header_prefix, .. } => {
                    if *header_prefix {
                        let empty = hex_of(&Sha256::digest(b"").into());
                        if empty == expected {
                            None
                        } else {
                            Some("hash value doesn't match")
                        }
                    } else {
                        Some("invalid format")
                    }
                }
                LogOutcome::Unreadable(ReadFailure::NotFound) => Some("not found"),
                LogOutcome::Unreadable(f) => {
                    let (code, text) = match f {
                        ReadFailure::AccessDenied { .. } => ("AccessDenied", "Access Denied".to_owned()),
                        ReadFailure::Archived { .. } => (
                            "InvalidObjectState",
                            "The operation is not valid for the object's storage class".to_owned(),
                        ),
                        ReadFailure::Other { detail } => ("InternalError", detail.clone()),
                        ReadFailure::NotFound => ("NoSuchKey", String::new()),
                    };
                    return Err(Fatal(format!(
                        "An error occurred ({code}) when calling the GetObject operation: {text}"
                    )));
                }
            }),
        }?;
        match verdict {
            None => {
                self.counts[4] += 1;
                self.status(&format!("Log file\t{url}\tvalid"), false);
            }
            Some(why) => {
                self.counts[5] += 1;
                self.status(&format!("Log file\t{url}\tINVALID: {why}"), true);
            }
        }
        Ok(())
    }

    fn summary(&mut self) {
        let run = self.run;
        if !self.double_space {
            self.out.stdout.push('\n');
        }
        let o = &mut self.out.stdout;
        o.push_str(&format!(
            "Results requested for {} to {}\n",
            display(run.start),
            display(run.end)
        ));
        let c = self.counts;
        if c[0] + c[2] == 0 && c[1] + c[3] == 0 {
            o.push_str("No digests found\n");
            return;
        }
        match (self.found_start, self.found_end) {
            (Some(s), Some(e)) => o.push_str(&format!("Results found for {} to {}:\n", display(s), display(e))),
            _ => o.push_str("No valid digests found in range\n"),
        }
        for (valid, invalid, name) in [
            (c[0], c[1], "digest"),
            (c[2], c[3], "backfill digest"),
            (c[4], c[5], "log"),
        ] {
            let total = valid + invalid;
            if total > 0 {
                o.push_str(&format!("\n{valid}/{total} {name} files valid"));
                if invalid > 0 {
                    o.push_str(&format!(", {invalid}/{total} {name} files INVALID"));
                }
            }
        }
        o.push('\n');
    }
}

/// `^<prefix>/\d+/\d+/\d+/<acct>_CloudTrail-Digest_<src>_<trail>_<home>_.+(?:_backfill)?\.json\.gz$`
fn matches_digest_pattern(key: &str, list_prefix: &str, name_start: &str) -> bool {
    let Some(rest) = key.strip_prefix(list_prefix).and_then(|r| r.strip_prefix('/')) else {
        return false;
    };
    let mut parts = rest.splitn(4, '/');
    for _ in 0..3 {
        match parts.next() {
            Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return false,
        }
    }
    let Some(name) = parts.next() else { return false };
    let Some(tail) = name.strip_prefix(name_start) else {
        return false;
    };
    // `.+` then `.json.gz`: at least one character (any but a newline) before the suffix.
    tail.strip_suffix(".json.gz")
        .is_some_and(|middle| !middle.is_empty() && !middle.contains('\n'))
}

/// Python's `binascii.unhexlify`, with its error messages.
fn unhexlify(s: &str) -> Result<Vec<u8>, &'static str> {
    if s.len() % 2 == 1 {
        return Err("Odd-length string");
    }
    hex::decode(s).map_err(|_| "Non-hexadecimal digit found")
}

impl Transcript {
    /// Join transcripts of several runs (one per chain): outputs concatenated, the worst
    /// status kept.
    pub fn join(parts: Vec<Transcript>) -> Transcript {
        let mut out = Transcript::default();
        for t in parts {
            out.stdout.push_str(&t.stdout);
            out.stderr.push_str(&t.stderr);
            out.exit = out.exit.max(t.exit);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_dates_are_fixed_slices() {
        let k = "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T061728Z.json.gz";
        assert_eq!(key_date_text(k), "20240101T061728Z");
        let b = "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T061728Z_backfill.json.gz";
        assert_eq!(key_date_text(b), "20240101T061728Z");
        assert_eq!(key_date(k).ok().unwrap().to_rfc3339(), "2024-01-01T06:17:28Z");
        assert_eq!(key_date_text("short"), "");
    }

    #[test]
    fn digest_pattern() {
        let pfx = "p/AWSLogs/o-x/111122223333/CloudTrail-Digest/eu-west-1";
        let name = "111122223333_CloudTrail-Digest_eu-west-1_org_trail_us-east-1_";
        assert!(matches_digest_pattern(
            &format!("{pfx}/2024/01/01/{name}20240101T000000Z.json.gz"),
            pfx,
            name
        ));
        assert!(matches_digest_pattern(
            &format!("{pfx}/2024/01/01/{name}20240101T000000Z_backfill.json.gz"),
            pfx,
            name
        ));
        assert!(!matches_digest_pattern(
            &format!("{pfx}/2024/01/{name}x.json.gz"),
            pfx,
            name
        ));
        assert!(!matches_digest_pattern(
            &format!("{pfx}/2024/01/aa/{name}x.json.gz"),
            pfx,
            name
        ));
        assert!(!matches_digest_pattern(
            &format!("{pfx}/2024/01/01/{name}.json.gz"),
            pfx,
            name
        ));
    }

    #[test]
    fn unhexlify_messages() {
        assert_eq!(unhexlify("abc"), Err("Odd-length string"));
        assert_eq!(unhexlify("zz"), Err("Non-hexadecimal digit found"));
        assert_eq!(unhexlify("0aFF"), Ok(vec![10, 255]));
    }
}
