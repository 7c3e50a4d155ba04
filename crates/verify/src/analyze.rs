//! trailguard's validation: every check of the reference CLI and those it lacks
//! (digest-validation.md §9.2), as typed findings.
//!
//! Each chain is walked from its newest digest to its oldest, following the previous
//! pointers, and where a pointer leads nowhere, falling back to the next older digest found:
//!
//! ```text
//!   newest ─prev─▶ D(n-1) ─prev─▶ ✗ missing ······▶ D(k) ─prev─▶ … ─▶ start (prev = null)
//!     │                            │ hole (D(k).end, D(k+1).start]: count = its hours
//!     └ is it as new as expected?  └ logs delivered in the hole: unverifiable, listed
//!
//!   start (prev = null) ◀── older digests exist? ── a gap: logging or validation was off
//!   digests the walk never reaches: copies, reordered or forged digests
//! ```
//!
//! Every link checks the previous digest's hash and signature against what its successor
//! recorded; each digest's signature is checked with its own S3 metadata when known and with
//! the copy its successor carries, so a local copy without metadata is authenticated all the
//! way down from the newest digest of each chain. Logs listed by valid digests are compared
//! with their hashes; logs of the source that no digest lists are classified by where their
//! delivery time falls in their chain's timeline.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use trailguard_model::Timestamp;
use trailguard_model::digest::{HASH_ALGORITHM, SIGNATURE_ALGORITHM};
use trailguard_read::layout::{FileName, Folder, parse_key};

use crate::chain::{AreaId, Auth, ChainId, KeyState, Prepared, SigCheck};
use crate::keyring::KeyRing;
use crate::logcheck::{LogOutcome, hex_of};
use crate::object::{ObjectRef, ReadFailure};
use crate::parse::{DigestView, Field};
use crate::report::{
    AreaReport, DigestCounts, Finding, FindingKind, KeysUsed, LogCounts, Report, Severity, Totals, Uncovered, Verdict,
    Window,
};

/// A log's plausible delivery window after the minute in its key.
const DELIVERY_WINDOW_SECS: i64 = 15 * 60;
/// How long after its window ends a digest may take to arrive (with `--now`).
const DIGEST_LAG_SECS: i64 = 90 * 60;
const HOUR: i64 = 3600;

/// How a digest counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Signature verified with a valid key; no problem.
    Valid,
    /// Content authenticated but the object has a problem (moved, metadata, trailing bytes).
    AuthenticInvalid,
    /// No signature available (or no keys): consistency only.
    Unauthenticated,
    /// Not authentic, or unreadable as a digest.
    Invalid,
    /// The object could not be read.
    Unreadable,
    /// The object vanished between listing and reading.
    Vanished,
}

impl Standing {
    /// Whether its content (and so its log list) can be trusted.
    fn trusted(self) -> bool {
        matches!(self, Standing::Valid | Standing::AuthenticInvalid)
    }

    /// Whether its log list may be compared at all (trusted, or merely unauthenticated).
    fn usable_for_logs(self) -> bool {
        self.trusted() || self == Standing::Unauthenticated
    }
}

/// A window label in a chain's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    Covered,
    Gap,
    Invalid,
    Missing,
}

#[derive(Default)]
struct Timeline {
    segments: Vec<(Timestamp, Timestamp, Label)>,
    first_start: Option<Timestamp>,
    head_end: Option<Timestamp>,
}

struct Ctx<'a> {
    p: &'a Prepared,
    auth: Vec<Option<Auth>>,
    findings: Vec<Finding>,
    standing: Vec<Option<Standing>>,
    checks: &'a HashMap<ObjectRef, LogOutcome>,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, area: Option<(&str, &str)>, path: Option<&str>, kind: FindingKind) {
        let message = describe(&kind);
        self.findings.push(Finding {
            severity,
            account: area.map(|a| a.0.to_owned()),
            region: area.map(|a| a.1.to_owned()),
            path: path.map(str::to_owned),
            kind,
            message,
        });
    }

    fn push_node(&mut self, i: usize, severity: Severity, kind: FindingKind) {
        let n = &self.p.nodes[i];
        let area = n.chain.as_ref().map(|c| (c.account.clone(), c.region.clone()));
        let path = n.obj.path.clone();
        self.push(
            severity,
            area.as_ref().map(|(a, r)| (a.as_str(), r.as_str())),
            path.as_deref(),
            kind,
        );
    }
}

/// Validate everything [`Prepared`] holds, with the logs' outcomes (from the I/O layer, for
/// every object of [`Prepared::logs_to_check`]) and the public keys.
pub fn validate(p: &Prepared, checks: &HashMap<ObjectRef, LogOutcome>, keys: &KeyRing) -> Report {
    let auth = p.authenticate(keys);
    let mut cx = Ctx {
        p,
        auth,
        findings: Vec::new(),
        standing: vec![None; p.nodes.len()],
        checks,
    };
    for problem in keys.problems() {
        cx.push(
            Severity::Warning,
            None,
            None,
            FindingKind::PublicKeyRefused {
                problem: problem.clone(),
            },
        );
    }
    let selected: Vec<&ChainId> = p.chains.keys().filter(|c| p.wanted(c)).collect();
    if keys.is_empty() && !selected.is_empty() {
        let regions: BTreeSet<String> = selected.iter().map(|c| c.region.clone()).collect();
        cx.push(
            Severity::Error,
            None,
            None,
            FindingKind::NoPublicKeys {
                regions: regions.into_iter().collect(),
            },
        );
    }

    // Each digest on its own.
    for c in &selected {
        for &i in &p.chains[*c] {
            let s = judge_node(&mut cx, i);
            cx.standing[i] = Some(s);
        }
    }
    for &i in &p.unrecognized {
        let at = p.nodes[i].obj.at.clone();
        cx.push_node(i, Severity::Invalid, FindingKind::DigestUnrecognized { digest: at });
    }

    // The chains.
    let expected = expected_until(p);
    let mut areas: BTreeMap<AreaId, AreaReport> = BTreeMap::new();
    let mut timelines: BTreeMap<AreaId, Vec<Timeline>> = BTreeMap::new();
    let mut listed: HashMap<ObjectRef, ObjectRef> = HashMap::new();
    for c in &selected {
        let (counts, timeline, gaps) = walk(&mut cx, c, expected);
        let area = areas.entry(c.area()).or_insert_with(|| new_area(c));
        if !area.trails.contains(&c.trail) {
            area.trails.push(c.trail.clone());
        }
        let slot = if c.backfill {
            &mut area.backfill_digests
        } else {
            &mut area.digests
        };
        add_digests(slot, &counts);
        area.gaps.extend(gaps);
        for &i in &p.chains[*c] {
            if !p.in_range(i) {
                continue;
            }
            let n = &p.nodes[i];
            if let (Some(s), Some(e)) = (n.start, n.end)
                && cx.standing[i].is_some_and(|s| !matches!(s, Standing::Unreadable | Standing::Vanished))
            {
                area.first = Some(area.first.map_or(s, |f| f.min(s)));
                area.last = Some(area.last.map_or(e, |l| l.max(e)));
            }
        }
        if !c.backfill {
            timelines.entry(c.area()).or_default().push(timeline);
        }
        // Logs of this chain's digests.
        let mut logs = LogCounts::default();
        for &i in &p.chains[*c] {
            if p.in_range(i) {
                check_logs(&mut cx, i, &mut logs, &mut listed);
            }
        }
        add_logs(&mut areas.entry(c.area()).or_insert_with(|| new_area(c)).logs, &logs);
    }
    for a in areas.values_mut() {
        a.trails.sort();
        a.gaps.sort_by_key(|w| (w.from, w.to));
    }

    // Logs no digest lists.
    let referenced: BTreeSet<ObjectRef> = p
        .nodes
        .iter()
        .filter_map(|n| n.view())
        .filter_map(|v| v.log_files.as_ref().ok())
        .flatten()
        .map(|f| f.at.clone())
        .collect();
    uncovered_logs(&mut cx, &referenced, &timelines, &mut areas);

    // Heads unauthenticated, statuses.
    for f in &cx.findings {
        if let (Some(acct), Some(region)) = (&f.account, &f.region) {
            for (id, a) in areas.iter_mut() {
                if &id.account == acct && &id.region == region {
                    a.status = a.status.max(Some(f.severity));
                    if matches!(f.kind, FindingKind::HeadUnauthenticated { .. }) {
                        a.head_unauthenticated = true;
                    }
                }
            }
        }
    }

    let mut findings = std::mem::take(&mut cx.findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.account.cmp(&b.account))
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.kind.object().cmp(&b.kind.object()))
            .then_with(|| a.kind.name().cmp(b.kind.name()))
    });
    findings.dedup();
    let any_digest = !selected.is_empty() || !p.unrecognized.is_empty();
    let verdict = if !any_digest {
        Verdict::NoDigests
    } else if findings.iter().any(|f| f.severity.fails()) {
        Verdict::Invalid
    } else if findings.iter().any(|f| f.severity == Severity::Error) {
        Verdict::Incomplete
    } else {
        Verdict::Valid
    };
    let mut report = Report {
        schema: "trailguard.verify/v1",
        verdict,
        start: p.opts.start,
        end: p.opts.end,
        expected_until: expected.map(|e| e.0),
        expected_until_given: matches!(p.opts.expect, crate::input::Expect::Until(_)),
        totals: Totals::default(),
        areas: areas.into_values().collect(),
        keys: KeysUsed {
            usable: keys.len(),
            refused: keys.problems().to_vec(),
        },
        findings,
    };
    report.recount();
    report
}

fn new_area(c: &ChainId) -> AreaReport {
    AreaReport {
        organization: c.organization.clone(),
        account: c.account.clone(),
        region: c.region.clone(),
        trails: Vec::new(),
        digests: DigestCounts::default(),
        backfill_digests: DigestCounts::default(),
        logs: LogCounts::default(),
        first: None,
        last: None,
        gaps: Vec::new(),
        head_unauthenticated: false,
        status: None,
    }
}

fn add_digests(to: &mut DigestCounts, o: &DigestCounts) {
    to.valid += o.valid;
    to.unauthenticated += o.unauthenticated;
    to.invalid += o.invalid;
    to.missing += o.missing;
    to.unreadable += o.unreadable;
}

fn add_logs(to: &mut LogCounts, o: &LogCounts) {
    to.valid += o.valid;
    to.unauthenticated += o.unauthenticated;
    to.invalid += o.invalid;
    to.missing += o.missing;
    to.unverifiable += o.unverifiable;
    to.not_covered += o.not_covered;
    to.pending += o.pending;
}

/// The time digests are expected to reach, and whether a delivery lag is allowed.
#[derive(Clone, Copy)]
struct Expected(Timestamp, bool);

fn expected_until(p: &Prepared) -> Option<Expected> {
    let e = match p.opts.expect {
        crate::input::Expect::Until(t) => Expected(t, true),
        crate::input::Expect::NewestDeliverySeen => {
            let newest = p
                .logs
                .iter()
                .filter_map(|l| log_facts(&l.at.key))
                .filter(|f| f.folder != Folder::Insight)
                .map(|f| f.delivered)
                .max()?;
            Expected(newest, false)
        }
    };
    Some(e)
}

/// Judge one digest on its own: readable, well-formed, where it says it is, signed.
fn judge_node(cx: &mut Ctx<'_>, i: usize) -> Standing {
    let p = cx.p;
    let n = &p.nodes[i];
    let at = n.obj.at.clone();
    let report = p.in_range(i);
    let mut findings: Vec<(Severity, FindingKind)> = Vec::new();
    let standing = 'judge: {
        let body = match &n.body {
            Err(ReadFailure::NotFound) => {
                findings.push((
                    Severity::Missing,
                    FindingKind::DigestUnreadable {
                        digest: at.clone(),
                        failure: ReadFailure::NotFound,
                    },
                ));
                break 'judge Standing::Vanished;
            }
            Err(failure) => {
                findings.push((
                    Severity::Error,
                    FindingKind::DigestUnreadable {
                        digest: at.clone(),
                        failure: failure.clone(),
                    },
                ));
                break 'judge Standing::Unreadable;
            }
            Ok(b) => b,
        };
        let v = match &body.view {
            Err(e) => {
                findings.push((
                    Severity::Invalid,
                    FindingKind::DigestInvalidFormat {
                        digest: at.clone(),
                        problem: crate::report::format_problem(e),
                    },
                ));
                break 'judge Standing::Invalid;
            }
            Ok(v) => v,
        };
        if let Some(missing) = v.missing_required() {
            findings.push((
                Severity::Invalid,
                FindingKind::DigestInvalidFormat {
                    digest: at.clone(),
                    problem: format!("the member {missing} is missing"),
                },
            ));
            break 'judge Standing::Invalid;
        }
        if let Some(problem) = type_problem(v) {
            findings.push((
                Severity::Invalid,
                FindingKind::DigestInvalidFormat {
                    digest: at.clone(),
                    problem,
                },
            ));
            break 'judge Standing::Invalid;
        }
        let auth = cx.auth[i].clone();
        let Some(auth) = auth else {
            break 'judge Standing::Invalid;
        };
        let fingerprint = v.fingerprint.str().unwrap_or_default().to_owned();
        let region = n.chain.as_ref().map_or(String::new(), |c| c.region.clone());
        let mut standing = match &auth.key {
            KeyState::NoKeys => Standing::Unauthenticated,
            KeyState::NoContent => Standing::Invalid,
            KeyState::NotFound { listed_in } => {
                findings.push((
                    Severity::Invalid,
                    FindingKind::PublicKeyNotFound {
                        digest: at.clone(),
                        region,
                        fingerprint,
                        listed_in: listed_in.clone(),
                    },
                ));
                Standing::Invalid
            }
            KeyState::Unusable { reason } => {
                findings.push((
                    Severity::Invalid,
                    FindingKind::PublicKeyUnusable {
                        digest: at.clone(),
                        fingerprint,
                        reason: reason.clone(),
                    },
                ));
                Standing::Invalid
            }
            KeyState::Found { key, valid_at_end } => {
                if auth.signature_verified() && !valid_at_end {
                    findings.push((
                        Severity::Invalid,
                        FindingKind::PublicKeyNotValid {
                            digest: at.clone(),
                            fingerprint,
                            digest_end: n.end.unwrap_or_default(),
                            valid_from: key.valid_from,
                            valid_to: key.valid_to,
                        },
                    ));
                    Standing::Invalid
                } else if auth.authenticated() {
                    Standing::Valid
                } else if auth.tried() {
                    let mut tried = Vec::new();
                    if let Some(c) = &auth.own {
                        tried.push(format!(
                            "the signature {} ({})",
                            if n.obj.signature.is_metadata() {
                                "in its S3 metadata"
                            } else {
                                "in the signatures file"
                            },
                            if *c == SigCheck::Valid {
                                "verifies"
                            } else {
                                "does not verify"
                            }
                        ));
                    }
                    for (s, c) in &auth.carried {
                        tried.push(format!(
                            "the copy carried by {} ({})",
                            p.nodes[*s].obj.at,
                            if *c == SigCheck::Valid {
                                "verifies"
                            } else {
                                "does not verify"
                            }
                        ));
                    }
                    findings.push((
                        Severity::Invalid,
                        FindingKind::DigestSignatureInvalid {
                            digest: at.clone(),
                            detail: tried.join("; "),
                        },
                    ));
                    Standing::Invalid
                } else {
                    Standing::Unauthenticated
                }
            }
        };
        // The object's own metadata.
        if let crate::input::SignatureSource::Metadata {
            signature, algorithm, ..
        } = &n.obj.signature
        {
            if signature.is_none() {
                findings.push((
                    Severity::Invalid,
                    FindingKind::DigestSignatureMissing {
                        digest: at.clone(),
                        authenticated_by_successor: standing.trusted(),
                    },
                ));
            } else if algorithm.as_deref() != Some(SIGNATURE_ALGORITHM) {
                findings.push((
                    Severity::Invalid,
                    FindingKind::UnsupportedAlgorithm {
                        digest: at.clone(),
                        field: "x-amz-meta-signature-algorithm".into(),
                        value: algorithm.clone().unwrap_or_else(|| "(absent)".into()),
                    },
                ));
            }
        } else if let Some(alg) = n.obj.signature.algorithm()
            && alg != SIGNATURE_ALGORITHM
        {
            findings.push((
                Severity::Invalid,
                FindingKind::UnsupportedAlgorithm {
                    digest: at.clone(),
                    field: "signature-algorithm".into(),
                    value: alg.to_owned(),
                },
            ));
        }
        if v.algorithm.str() != Some(SIGNATURE_ALGORITHM) {
            findings.push((
                Severity::Invalid,
                FindingKind::UnsupportedAlgorithm {
                    digest: at.clone(),
                    field: "digestSignatureAlgorithm".into(),
                    value: v.algorithm.str().unwrap_or("(absent or not a string)").to_owned(),
                },
            ));
        }
        // The signature in metadata against the copies successors carry.
        if let Some(own) = n.obj.signature.signature() {
            for s in p.carriers(i) {
                if let Some(copy) = p.nodes[s].view().and_then(|sv| sv.prev_signature.str())
                    && !copy.trim().eq_ignore_ascii_case(own.trim())
                {
                    findings.push((
                        Severity::Invalid,
                        FindingKind::DigestSignatureMismatch {
                            digest: at.clone(),
                            successor: p.nodes[s].obj.at.clone(),
                        },
                    ));
                }
            }
        }
        // Location and key.
        if let Some(recorded) = v.recorded()
            && recorded != at
        {
            let original_present = p.by_found.contains_key(&recorded);
            findings.push((
                Severity::Invalid,
                FindingKind::DigestMoved {
                    found_at: at.clone(),
                    recorded_at: recorded,
                    original_present,
                },
            ));
        }
        if let Some(kf) = &n.found_key {
            let mut problems = Vec::new();
            if let Some(acct) = v.account.str()
                && acct != kf.chain.account
            {
                problems.push(format!(
                    "awsAccountId is {acct}, the key names account {}",
                    kf.chain.account
                ));
            }
            if n.in_place()
                && let Some(end) = n.end
                && end.secs() != kf.end.secs()
            {
                problems.push(format!("digestEndTime is {end}, the key's time is {}", kf.end));
            }
            if !problems.is_empty() {
                findings.push((
                    Severity::Invalid,
                    FindingKind::DigestKeyMismatch {
                        digest: at.clone(),
                        detail: problems.join("; "),
                    },
                ));
            }
        }
        if body.trailing > 0 {
            findings.push((
                Severity::Invalid,
                FindingKind::DigestTrailingData {
                    digest: at.clone(),
                    bytes: body.trailing,
                },
            ));
        }
        if standing == Standing::Unauthenticated && !matches!(auth.key, KeyState::NoKeys) && p.carriers(i).is_empty() {
            findings.push((
                Severity::Warning,
                FindingKind::HeadUnauthenticated { digest: at.clone() },
            ));
        }
        if standing.trusted() && findings.iter().any(|(s, _)| *s == Severity::Invalid) {
            standing = Standing::AuthenticInvalid;
        }
        standing
    };
    if report {
        for (s, k) in findings {
            cx.push_node(i, s, k);
        }
    }
    standing
}

/// A member that is present but of the wrong type for the string to sign or the chain.
fn type_problem(v: &DigestView) -> Option<String> {
    for (name, f) in [
        ("digestEndTime", &v.end),
        ("digestStartTime", &v.start),
        ("digestS3Bucket", &v.bucket),
        ("digestS3Object", &v.object),
        ("digestPublicKeyFingerprint", &v.fingerprint),
    ] {
        if f.str().is_none() {
            return Some(format!("the member {name} is not a string"));
        }
    }
    if matches!(v.prev_signature, Field::Other) {
        return Some("the member previousDigestSignature is not a string or null".into());
    }
    if v.start_time().is_none() || v.end_time().is_none() {
        return Some("digestStartTime or digestEndTime is not a time".into());
    }
    if let Err(e) = &v.log_files {
        return Some(e.clone());
    }
    None
}

/// Walk one chain newest → oldest. Returns its digest counts, its timeline and its holes.
fn walk(cx: &mut Ctx<'_>, c: &ChainId, expected: Option<Expected>) -> (DigestCounts, Timeline, Vec<Window>) {
    let p = cx.p;
    let order = &p.chains[c];
    let pos: HashMap<usize, usize> = order.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let mut visited = vec![false; order.len()];
    let mut counts = DigestCounts::default();
    let mut timeline = Timeline::default();
    let mut holes = Vec::new();
    let area = (c.account.clone(), c.region.clone());
    let area_ref = Some((area.0.as_str(), area.1.as_str()));
    let next_older = |visited: &[bool], from: usize| (from + 1..order.len()).find(|&q| !visited[q]);
    let mut cur = (!order.is_empty()).then_some(0);

    // The head: is it as new as expected?
    if !c.backfill
        && let Some(&head) = order.first()
        && let Some(head_end) = p.nodes[head].end
        && let Some(Expected(until, lag)) = expected
    {
        let mut want = if lag { until.add_secs(-DIGEST_LAG_SECS) } else { until };
        if let Some(e) = p.opts.end {
            want = want.min(e);
        }
        if head_end < want {
            let count = ((want.secs() - head_end.secs()) / HOUR + 1).max(1) as u64;
            counts.missing += count;
            holes.push(Window {
                from: head_end,
                to: want,
            });
            let path = p.nodes[head].obj.path.clone();
            cx.push(
                Severity::Missing,
                area_ref,
                path.as_deref(),
                FindingKind::NewestDigestMissing {
                    newest: p.nodes[head].obj.at.clone(),
                    newest_end: head_end,
                    expected_until: until,
                    count,
                },
            );
        }
        timeline.head_end = Some(head_end);
    }

    while let Some(k) = cur {
        visited[k] = true;
        let i = order[k];
        let n = &p.nodes[i];
        let standing = cx.standing[i].unwrap_or(Standing::Invalid);
        // Timeline.
        if let (Some(s), Some(e)) = (n.start, n.end) {
            let label = if standing.usable_for_logs() {
                Label::Covered
            } else {
                Label::Invalid
            };
            timeline.segments.push((s, e, label));
            timeline.first_start = Some(timeline.first_start.map_or(s, |f| f.min(s)));
        }
        let older = next_older(&visited, k);
        let link = if standing == Standing::Unreadable || standing == Standing::Vanished {
            None
        } else {
            n.view()
                .filter(|_| n.usable())
                .map(|v| (v.is_chain_start(), v.previous()))
        };
        cur = match link {
            // Unreadable or unusable: the link cannot be followed.
            None => older,
            Some((true, _)) => {
                if let Some(q) = older {
                    let o = &p.nodes[order[q]];
                    if let (Some(from), Some(to)) = (o.end, n.start)
                        && p.opts.overlaps(from, to)
                        && !c.backfill
                    {
                        timeline.segments.push((from, to, Label::Gap));
                        holes.push(Window { from, to });
                        let path = n.obj.path.clone();
                        cx.push(
                            Severity::Warning,
                            area_ref,
                            path.as_deref(),
                            FindingKind::LoggingGap {
                                before: o.obj.at.clone(),
                                after: n.obj.at.clone(),
                                from,
                                to,
                            },
                        );
                    }
                }
                older
            }
            Some((false, None)) => {
                // Some previous members null, others not: malformed pointer.
                let path = n.obj.path.clone();
                if p.in_range(i) {
                    cx.push(
                        Severity::Invalid,
                        area_ref,
                        path.as_deref(),
                        FindingKind::DigestInvalidFormat {
                            digest: n.obj.at.clone(),
                            problem: "previousDigestS3Bucket/previousDigestS3Object are not both strings".into(),
                        },
                    );
                }
                older
            }
            Some((false, Some(prev))) => {
                let target = resolve(p, &pos, &prev);
                match target {
                    Some(t) if t > k && !visited[t] => {
                        link_checks(cx, i, order[t]);
                        Some(t)
                    }
                    Some(_) => {
                        if p.in_range(i) {
                            let path = n.obj.path.clone();
                            cx.push(
                                Severity::Invalid,
                                area_ref,
                                path.as_deref(),
                                FindingKind::BadPreviousPointer {
                                    digest: n.obj.at.clone(),
                                    previous: prev,
                                },
                            );
                        }
                        older
                    }
                    None => {
                        let from = older.and_then(|q| p.nodes[order[q]].end);
                        let to = n.start.unwrap_or_default();
                        let in_range = match from {
                            Some(f) => p.opts.overlaps(f, to),
                            None => p.opts.start.is_none_or(|s| to > s),
                        };
                        if in_range {
                            let count = match from {
                                Some(f) => ((to.secs() - f.secs() + HOUR / 2) / HOUR).max(1) as u64,
                                None => 1,
                            };
                            counts.missing += count;
                            let lo = from.unwrap_or(Timestamp(i64::MIN / 2));
                            timeline.segments.push((lo, to, Label::Missing));
                            holes.push(Window {
                                from: from.unwrap_or_else(|| to.add_secs(-HOUR * count as i64)),
                                to,
                            });
                            let path = n.obj.path.clone();
                            cx.push(
                                Severity::Missing,
                                area_ref,
                                path.as_deref(),
                                FindingKind::DigestMissing {
                                    digest: prev,
                                    referenced_by: n.obj.at.clone(),
                                    from,
                                    to,
                                    count,
                                },
                            );
                        }
                        older
                    }
                }
            }
        };
    }

    // Digests the walk never reached.
    for (k, &i) in order.iter().enumerate() {
        let n = &p.nodes[i];
        if !visited[k] && p.in_range(i) {
            let copy_of_present = n
                .recorded()
                .is_some_and(|r| r != n.obj.at && p.by_found.contains_key(&r));
            if !copy_of_present {
                let path = n.obj.path.clone();
                cx.push(
                    Severity::Invalid,
                    area_ref,
                    path.as_deref(),
                    FindingKind::DigestNotInChain {
                        digest: n.obj.at.clone(),
                        end: n.end,
                    },
                );
                if cx.standing[i] == Some(Standing::Valid) {
                    cx.standing[i] = Some(Standing::AuthenticInvalid);
                }
            }
        }
        if p.in_range(i) {
            match cx.standing[i] {
                Some(Standing::Valid) => counts.valid += 1,
                Some(Standing::Unauthenticated) => counts.unauthenticated += 1,
                Some(Standing::AuthenticInvalid | Standing::Invalid) => counts.invalid += 1,
                Some(Standing::Unreadable) => counts.unreadable += 1,
                Some(Standing::Vanished) => counts.missing += 1,
                None => {}
            }
        }
    }
    (counts, timeline, holes)
}

/// The position of the digest a pointer names: the object at that location, else a copy
/// recording that location.
fn resolve(p: &Prepared, pos: &HashMap<usize, usize>, prev: &ObjectRef) -> Option<usize> {
    if let Some(&i) = p.by_found.get(prev) {
        return pos.get(&i).copied();
    }
    p.by_recorded
        .get(prev)?
        .iter()
        .filter_map(|i| pos.get(i).copied())
        .min()
}

/// Check the link from digest `i` to its previous digest `t`.
fn link_checks(cx: &mut Ctx<'_>, i: usize, t: usize) {
    let p = cx.p;
    if !p.in_range(i) && !p.in_range(t) {
        return;
    }
    let (Some(v), Some(tn)) = (p.nodes[i].view(), p.nodes.get(t)) else {
        return;
    };
    let at = p.nodes[i].obj.at.clone();
    let prev_at = tn.obj.at.clone();
    if let (Some(recorded), Some(actual)) = (v.prev_hash.str(), tn.sha256()) {
        let actual = hex_of(&actual);
        if !recorded.eq_ignore_ascii_case(&actual) {
            cx.push_node(
                i,
                Severity::Invalid,
                FindingKind::PreviousHashMismatch {
                    digest: at.clone(),
                    previous: prev_at.clone(),
                    recorded: recorded.to_owned(),
                    actual,
                },
            );
        }
    }
    if let Some(alg) = v.prev_hash_algorithm.str()
        && alg != HASH_ALGORITHM
    {
        cx.push_node(
            i,
            Severity::Invalid,
            FindingKind::UnsupportedAlgorithm {
                digest: at.clone(),
                field: "previousDigestHashAlgorithm".into(),
                value: alg.to_owned(),
            },
        );
    }
    if let (Some(start), Some(prev_end)) = (p.nodes[i].start, tn.end)
        && tn.usable()
        && start.secs() != prev_end.secs()
    {
        cx.push_node(
            i,
            Severity::Warning,
            FindingKind::ChainDiscontinuity {
                digest: at,
                previous: prev_at,
                previous_end: prev_end,
                start,
            },
        );
    }
}

/// Compare every log a digest lists with its outcome.
fn check_logs(cx: &mut Ctx<'_>, i: usize, counts: &mut LogCounts, listed: &mut HashMap<ObjectRef, ObjectRef>) {
    let p = cx.p;
    let n = &p.nodes[i];
    let standing = cx.standing[i].unwrap_or(Standing::Invalid);
    let Some(Ok(files)) = n.view().filter(|_| n.usable()).map(|v| &v.log_files) else {
        return;
    };
    // A copy of a digest present in its place lists the same logs again: skip it.
    if !n.in_place() && n.recorded().is_some_and(|r| p.by_found.contains_key(&r)) {
        return;
    }
    let digest = n.obj.at.clone();
    if !standing.usable_for_logs() {
        if !files.is_empty() {
            counts.unverifiable += files.len() as u64;
            cx.push_node(
                i,
                Severity::Unverifiable,
                FindingKind::LogsOfInvalidDigest {
                    digest,
                    logs: files.iter().map(|f| f.at.clone()).collect(),
                },
            );
        }
        return;
    }
    let authenticated = standing.trusted();
    for f in files {
        if let Some(first) = listed.get(&f.at) {
            let first = first.clone();
            cx.push_node(
                i,
                Severity::Warning,
                FindingKind::LogListedTwice {
                    log: f.at.clone(),
                    digest: digest.clone(),
                    first,
                },
            );
            continue;
        }
        listed.insert(f.at.clone(), digest.clone());
        if let Some(alg) = &f.hash_algorithm
            && alg != HASH_ALGORITHM
        {
            counts.unverifiable += 1;
            cx.push_node(
                i,
                Severity::Unverifiable,
                FindingKind::LogHashAlgorithm {
                    log: f.at.clone(),
                    digest: digest.clone(),
                    value: alg.clone(),
                },
            );
            continue;
        }
        let expected = f.hash.to_ascii_lowercase();
        let Some(outcome) = cx.checks.get(&f.at) else {
            counts.unverifiable += 1;
            cx.push_node(
                i,
                Severity::Error,
                FindingKind::LogUnreadable {
                    log: f.at.clone(),
                    digest: digest.clone(),
                    reason: "not read".into(),
                },
            );
            continue;
        };
        let mut bad: Vec<(Severity, FindingKind)> = Vec::new();
        match outcome {
            LogOutcome::Gzip {
                sha256,
                trailing,
                trailing_is_member,
            } => {
                if *trailing > 0 {
                    bad.push((
                        Severity::Invalid,
                        FindingKind::LogTrailingData {
                            log: f.at.clone(),
                            digest: digest.clone(),
                            bytes: *trailing,
                            gzip_member: *trailing_is_member,
                        },
                    ));
                }
                let actual = hex_of(sha256);
                if actual != expected {
                    bad.push((
                        Severity::Invalid,
                        FindingKind::LogHashMismatch {
                            log: f.at.clone(),
                            digest: digest.clone(),
                            expected: expected.clone(),
                            actual,
                            digest_authenticated: authenticated,
                        },
                    ));
                }
            }
            LogOutcome::Damaged {
                damage,
                recovered_sha256,
                ..
            } => bad.push((
                Severity::Invalid,
                FindingKind::LogDamaged {
                    log: f.at.clone(),
                    digest: digest.clone(),
                    damage: *damage,
                    content_matches: hex_of(recovered_sha256) == expected,
                },
            )),
            LogOutcome::NotGzip { sha256, .. } => bad.push((
                Severity::Invalid,
                FindingKind::LogNotGzip {
                    log: f.at.clone(),
                    digest: digest.clone(),
                    content_matches: hex_of(sha256) == expected,
                },
            )),
            LogOutcome::TooLarge { cap } => {
                counts.unverifiable += 1;
                cx.push_node(
                    i,
                    Severity::Error,
                    FindingKind::LogUnreadable {
                        log: f.at.clone(),
                        digest: digest.clone(),
                        reason: format!("inflates to more than {cap} bytes (raise --max-inflate)"),
                    },
                );
                continue;
            }
            LogOutcome::Unreadable(ReadFailure::NotFound) => {
                counts.missing += 1;
                cx.push_node(
                    i,
                    Severity::Missing,
                    FindingKind::LogMissing {
                        log: f.at.clone(),
                        digest: digest.clone(),
                    },
                );
                continue;
            }
            LogOutcome::Unreadable(failure) => {
                counts.unverifiable += 1;
                cx.push_node(
                    i,
                    Severity::Error,
                    FindingKind::LogUnreadable {
                        log: f.at.clone(),
                        digest: digest.clone(),
                        reason: failure.to_string(),
                    },
                );
                continue;
            }
        }
        if bad.is_empty() {
            if authenticated {
                counts.valid += 1;
            } else {
                counts.unauthenticated += 1;
            }
        } else {
            counts.invalid += 1;
            for (s, k) in bad {
                cx.push_node(i, s, k);
            }
        }
    }
}

/// What a log key says.
struct LogFacts {
    area: AreaId,
    folder: Folder,
    delivered: Timestamp,
    prefix: String,
}

fn log_facts(key: &str) -> Option<LogFacts> {
    let info = parse_key(key)?;
    let FileName::Log(l) = info.name else {
        return None;
    };
    Some(LogFacts {
        area: AreaId {
            organization: info.org_id,
            account: info.account,
            region: l.region,
        },
        folder: info.folder,
        delivered: l.delivered,
        prefix: info.prefix,
    })
}

/// Classify the logs of the source that no digest lists.
fn uncovered_logs(
    cx: &mut Ctx<'_>,
    referenced: &BTreeSet<ObjectRef>,
    timelines: &BTreeMap<AreaId, Vec<Timeline>>,
    areas: &mut BTreeMap<AreaId, AreaReport>,
) {
    let p = cx.p;
    // Prefixes (with organization) under which some chain exists: a log there without a chain
    // for its area is suspicious.
    let chained: BTreeSet<(String, Option<String>)> = p
        .nodes
        .iter()
        .filter_map(|n| n.found_key.as_ref())
        .map(|k| (k.prefix.clone(), k.chain.organization.clone()))
        .collect();
    let lag = match p.opts.expect {
        crate::input::Expect::Until(t) => Some(t),
        crate::input::Expect::NewestDeliverySeen => None,
    };
    for l in &p.logs {
        if referenced.contains(&l.at) {
            continue;
        }
        let Some(f) = log_facts(&l.at.key) else { continue };
        if f.folder == Folder::Insight
            || !p.opts.wants(&f.area.account, &f.area.region, None)
            || !p.opts.contains(f.delivered)
        {
            continue;
        }
        let reason = match timelines.get(&f.area) {
            None => Uncovered::NoChain,
            Some(lines) => lines
                .iter()
                .map(|t| classify(t, f.delivered, lag))
                .min_by_key(|r| r.severity(true))
                .unwrap_or(Uncovered::NoChain),
        };
        let chain_expected = chained.contains(&(f.prefix.clone(), f.area.organization.clone()));
        let severity = reason.severity(chain_expected);
        let area = areas.entry(f.area.clone()).or_insert_with(|| AreaReport {
            organization: f.area.organization.clone(),
            account: f.area.account.clone(),
            region: f.area.region.clone(),
            trails: Vec::new(),
            digests: DigestCounts::default(),
            backfill_digests: DigestCounts::default(),
            logs: LogCounts::default(),
            first: None,
            last: None,
            gaps: Vec::new(),
            head_unauthenticated: false,
            status: None,
        });
        if reason == Uncovered::Pending {
            area.logs.pending += 1;
        } else {
            area.logs.not_covered += 1;
        }
        cx.push(
            severity,
            Some((&f.area.account, &f.area.region)),
            l.path.as_deref(),
            FindingKind::LogNotCovered {
                log: l.at.clone(),
                delivered: Some(f.delivered),
                reason,
            },
        );
    }
}

fn classify(t: &Timeline, delivered: Timestamp, now: Option<Timestamp>) -> Uncovered {
    let a = delivered;
    let b = delivered.add_secs(DELIVERY_WINDOW_SECS);
    let worst = t
        .segments
        .iter()
        .filter(|(from, to, _)| *from < b && a <= *to)
        .map(|s| s.2)
        .max();
    match worst {
        Some(Label::Missing) => return Uncovered::DigestMissing,
        Some(Label::Invalid) => return Uncovered::DigestInvalid,
        Some(Label::Gap) => return Uncovered::DuringGap,
        _ => {}
    }
    if t.head_end.is_some_and(|h| b > h) {
        return match now {
            Some(now) if delivered.add_secs(HOUR + DIGEST_LAG_SECS) > now => Uncovered::Pending,
            _ => Uncovered::AfterNewestDigest,
        };
    }
    if t.first_start.is_none_or(|f| a < f) {
        return Uncovered::BeforeFirstDigest;
    }
    Uncovered::Injected
}

/// The message of a finding.
pub(crate) fn describe(k: &FindingKind) -> String {
    match k {
        FindingKind::DigestUnreadable { digest, failure } => match failure {
            ReadFailure::NotFound => format!("digest {digest} was listed but is gone"),
            f => format!("digest {digest} could not be read: {f}"),
        },
        FindingKind::DigestInvalidFormat { digest, problem } => {
            format!("digest {digest} is not a valid digest: {problem}")
        }
        FindingKind::DigestSignatureInvalid { digest, detail } => format!(
            "digest {digest}: signature verification failed — its content or its signature was altered ({detail})"
        ),
        FindingKind::DigestSignatureMissing {
            digest,
            authenticated_by_successor,
        } => format!(
            "digest {digest}: no signature in its S3 metadata{}",
            if *authenticated_by_successor {
                " (its content is authenticated by the copy its successor carries)"
            } else {
                ""
            }
        ),
        FindingKind::DigestSignatureMismatch { digest, successor } => {
            format!("digest {digest}: the signature in its metadata differs from the copy {successor} carries")
        }
        FindingKind::PublicKeyNotFound {
            digest,
            region,
            fingerprint,
            listed_in,
        } => {
            let mut s =
                format!("digest {digest}: public key not found in region {region} for fingerprint {fingerprint}");
            if !listed_in.is_empty() {
                s.push_str(&format!(" (listed for {})", listed_in.join(", ")));
            }
            s
        }
        FindingKind::PublicKeyUnusable {
            digest,
            fingerprint,
            reason,
        } => format!("digest {digest}: the public key {fingerprint} cannot be used: {reason}"),
        FindingKind::PublicKeyNotValid {
            digest,
            fingerprint,
            digest_end,
            valid_from,
            valid_to,
        } => format!(
            "digest {digest} ends {digest_end} but is signed with key {fingerprint}, valid only {valid_from} → {valid_to}"
        ),
        FindingKind::UnsupportedAlgorithm { digest, field, value } => {
            format!("digest {digest}: {field} is {value:?}, not the algorithm CloudTrail uses")
        }
        FindingKind::DigestMoved {
            found_at,
            recorded_at,
            original_present,
        } => format!(
            "digest {found_at} has been moved from its original location {recorded_at}{}",
            if *original_present {
                " (an object is also there: a copy)"
            } else {
                ""
            }
        ),
        FindingKind::DigestKeyMismatch { digest, detail } => {
            format!("digest {digest}: its content disagrees with its key: {detail}")
        }
        FindingKind::DigestTrailingData { digest, bytes } => {
            format!("digest {digest}: {bytes} bytes stored after its gzip stream")
        }
        FindingKind::DigestMissing {
            digest,
            referenced_by,
            from,
            to,
            count,
        } => match from {
            Some(from) if *count > 1 => format!(
                "{count} consecutive digests missing between {from} and {to}; the newest of them is {digest} (named by {referenced_by})"
            ),
            Some(from) => format!("digest {digest} is missing ({from} → {to}; named by {referenced_by})"),
            None => format!(
                "digest {digest} is missing (it ends {to}; named by {referenced_by}, the oldest digest present)"
            ),
        },
        FindingKind::NewestDigestMissing {
            newest,
            newest_end,
            expected_until,
            count,
        } => format!(
            "the newest digest ends {newest_end} ({newest}) but digests were expected until {expected_until}: about {count} newest digest{} missing (deleted, or the trail stopped delivering here{})",
            if *count == 1 { " is" } else { "s are" },
            ""
        ),
        FindingKind::PreviousHashMismatch {
            digest,
            previous,
            recorded,
            actual,
        } => format!(
            "digest {digest} records hash {recorded} for its previous digest {previous}, whose content hashes to {actual}"
        ),
        FindingKind::ChainDiscontinuity {
            digest,
            previous,
            previous_end,
            start,
        } => format!("digest {digest} starts {start} but its previous digest {previous} ends {previous_end}"),
        FindingKind::BadPreviousPointer { digest, previous } => {
            format!("digest {digest} names {previous} as its previous digest, which is not older than it")
        }
        FindingKind::DigestNotInChain { digest, end } => format!(
            "digest {digest}{} is not in the chain: no later digest points to it (a duplicate, reordered or forged digest)",
            end.map(|e| format!(" (ends {e})")).unwrap_or_default()
        ),
        FindingKind::DigestUnrecognized { digest } => {
            format!("digest {digest}: neither its key nor its content names a CloudTrail digest location")
        }
        FindingKind::LoggingGap { before, from, to, .. } => format!(
            "no digests between {from} and {to}: logging or log file validation was off (the chain restarts; last digest before the gap: {before})"
        ),
        FindingKind::HeadUnauthenticated { digest } => format!(
            "digest {digest}: chain consistent, head unauthenticated — no signature is available for it (pass --signatures with its S3 metadata); it and its logs are hash-checked only"
        ),
        FindingKind::LogHashMismatch { log, digest, .. } => {
            format!("log {log}: hash value doesn't match (digest {digest})")
        }
        FindingKind::LogMissing { log, digest } => format!("log {log} is missing (listed by {digest})"),
        FindingKind::LogTrailingData {
            log,
            bytes,
            gzip_member,
            ..
        } => format!(
            "log {log}: {bytes} bytes after the end of its gzip stream{} — not covered by its digest",
            if *gzip_member {
                " (an appended gzip member: records added after delivery)"
            } else {
                ""
            }
        ),
        FindingKind::LogDamaged {
            log,
            damage,
            content_matches,
            ..
        } => format!(
            "log {log}: {}{}",
            damage.describe(),
            if *content_matches {
                " (the data still matches its digest)"
            } else {
                ""
            }
        ),
        FindingKind::LogNotGzip {
            log, content_matches, ..
        } => format!(
            "log {log} is not gzip{}",
            if *content_matches {
                " (stored decompressed; the content matches its digest)"
            } else {
                ""
            }
        ),
        FindingKind::LogUnreadable { log, reason, .. } => format!("log {log}: {reason}"),
        FindingKind::LogListedTwice { log, digest, first } => {
            format!("log {log} is listed by {digest} and already by {first}")
        }
        FindingKind::LogHashAlgorithm { log, value, .. } => {
            format!("log {log}: hash algorithm {value:?} is not supported")
        }
        FindingKind::LogsOfInvalidDigest { digest, logs } => format!(
            "{} log file{} listed by the invalid digest {digest} cannot be verified",
            logs.len(),
            if logs.len() == 1 { "" } else { "s" }
        ),
        FindingKind::LogNotCovered { log, reason, .. } => {
            format!("log {log} is not covered by any digest: {}", reason.describe())
        }
        FindingKind::PublicKeyRefused { problem } => format!(
            "public key {} refused{}: {}",
            problem.fingerprint,
            problem.region.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
            problem.reason
        ),
        FindingKind::NoPublicKeys { regions } => format!(
            "no public keys for {}: digest signatures were not checked (pass --public-keys, or read from S3 with ListPublicKeys access)",
            regions.join(", ")
        ),
    }
}
