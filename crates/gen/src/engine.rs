//! The generation pipeline.
//!
//! 1. Derive the world and the scenario plan; check `records`.
//! 2. Apportion the background records exactly over (stream, hour) units by account weight,
//!    region weight and the daily / weekly rhythm.
//! 3. In parallel over units (each with its own generator): spread records over 5-minute
//!    slots, write each slot as one or more gzip log files (records unsorted, delivery a few
//!    minutes after the newest event), keep only each file's metadata.
//! 4. Meanwhile generate the regions' signing keys; then, in parallel over streams, build each
//!    hourly digest chain from the file metadata, sign it, and write it.
//!
//! Memory is bounded by a few files per thread plus the metadata of every file.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use libdeflater::{CompressionLvl, Compressor};
use rand::Rng;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};
use trailguard_model::digest::{
    Digest, DigestLogFile, DigestMetadata, HASH_ALGORITHM, PublicKey, PublicKeysFile, SIGNATURE_ALGORITHM,
    SignaturesFile,
};
use trailguard_model::time::Timestamp;
use trailguard_verify::{SigningKey, string_to_sign};

use crate::config::{GenConfig, GenError};
use crate::ids::{self, hash, hash_str, tag};
use crate::json::Json;
use crate::manifest::{
    AccountFacts, ChainFacts, Counts, MANIFEST_VERSION, Manifest, ScenarioEvent, ScenarioFacts, TimeRange, TrailFacts,
};
use crate::record::{Outcome, Spec, Writer};
use crate::scenario::{self, Plan};
use crate::sink::OutputSink;
use crate::traffic::{self, MACHINE_SHARE, StreamTables};
use crate::world::World;
use crate::{GenOutput, Progress};

/// Log files are split above this many records.
const MAX_RECORDS_PER_FILE: usize = 1500;
/// Delivery slots per hour (5 minutes each).
const SLOTS: usize = 12;
/// Seconds per slot.
const SLOT_SECS: i64 = 300;
/// Signing keys: a new key every 20 days, each valid 30 days; the first became valid 10 days
/// before the generated period.
const KEY_EVERY: i64 = 20 * 86_400;
const KEY_VALID: i64 = 30 * 86_400;
const KEY_LEAD: i64 = 10 * 86_400;
/// Upper bound on (stream × hour) units.
const MAX_UNITS: usize = 20_000_000;

/// One written log file, as the digest needs it.
struct LogMeta {
    key: String,
    delivery: Timestamp,
    hash: String,
    newest: Timestamp,
    oldest: Timestamp,
}

/// What one unit produced.
#[derive(Default)]
struct UnitOut {
    logs: Vec<LogMeta>,
    records: u64,
    data_records: u64,
    raw_bytes: u64,
    gz_bytes: u64,
}

/// What one digest chain produced.
struct ChainOut {
    digests: u64,
    gz_bytes: u64,
    head: Option<String>,
    signatures: Vec<(String, String)>,
    first_start: Option<Timestamp>,
    last_end: Option<Timestamp>,
}

/// Shared read-only state of a run.
struct Run<'a> {
    w: &'a World,
    plan: &'a Plan,
    /// (account, region) per stream.
    streams: Vec<(usize, usize)>,
    tables: Vec<StreamTables>,
    /// `[prefix/]AWSLogs/[o-id/]<account>/` per account.
    prefixes: Vec<String>,
    hours: usize,
    human_mean: f64,
    level: CompressionLvl,
}

/// Generate the trail described by `cfg` into `sink`.
pub(crate) fn run(
    cfg: &GenConfig,
    sink: &dyn OutputSink,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<GenOutput, GenError> {
    let w = World::build(cfg)?;
    scenario::check_duration(cfg)?;
    let plan = scenario::plan(cfg, &w);
    let minimum = plan.records();
    if cfg.records < minimum {
        return Err(GenError::TooFewRecords {
            records: cfg.records,
            minimum,
        });
    }
    let background = cfg.records - minimum;
    let hours = cfg.duration_hours as usize;
    let streams: Vec<(usize, usize)> = (0..w.accounts.len())
        .flat_map(|a| (0..w.regions.len()).map(move |r| (a, r)))
        .collect();
    if streams.len().saturating_mul(hours) > MAX_UNITS {
        return Err(GenError::config(
            "duration_hours",
            format!(
                "{} streams × {hours} hours exceeds {MAX_UNITS} units; use fewer accounts, regions or hours",
                streams.len()
            ),
        ));
    }
    let level = CompressionLvl::new(cfg.gzip_level as i32)
        .map_err(|_| GenError::config("gzip_level", format!("{} is outside 1..=12", cfg.gzip_level)))?;
    let tables = streams
        .iter()
        .map(|&(a, r)| StreamTables::build(&w, &w.accounts[a], r, cfg.data_events))
        .collect();
    let prefixes = w.accounts.iter().map(|a| w.account_prefix(&a.id)).collect();
    let run = Run {
        w: &w,
        plan: &plan,
        streams,
        tables,
        prefixes,
        hours,
        human_mean: traffic::human_mean(),
        level,
    };

    let counts = apportion(background, &run.unit_weights());
    // Scenario events by unit.
    let mut by_unit: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, ev) in plan.events.iter().enumerate() {
        let stream = ev.account * w.regions.len() + ev.region;
        let hour = ((ev.time.secs() - w.start.secs()) / 3600) as usize;
        by_unit.entry(stream * hours + hour).or_default().push(i);
    }
    let none: Vec<usize> = Vec::new();

    let n_units = run.streams.len() * hours;
    let records_done = AtomicU64::new(0);
    let digests_done = AtomicU64::new(0);
    let report = |records: u64, digests: u64| {
        progress(Progress {
            records_written: records_done.fetch_add(records, Ordering::Relaxed) + records,
            records_total: cfg.records,
            digests_written: digests_done.fetch_add(digests, Ordering::Relaxed) + digests,
        });
    };
    let (keys, units) = rayon::join(
        || {
            if cfg.digests {
                make_keys(&w)
            } else {
                Ok(BTreeMap::new())
            }
        },
        || {
            (0..n_units)
                .into_par_iter()
                .map(|u| {
                    let scen = by_unit.get(&u).unwrap_or(&none);
                    let out = run.unit(u / hours, u % hours, counts[u], scen, sink)?;
                    report(out.records, 0);
                    Ok(out)
                })
                .collect::<Result<Vec<UnitOut>, GenError>>()
        },
    );
    let keys = keys?;
    let units = units?;

    // Per stream: its files in delivery order.
    let mut stream_logs: Vec<Vec<LogMeta>> = (0..run.streams.len()).map(|_| Vec::new()).collect();
    let mut totals = Counts {
        scenario_records: minimum,
        ..Counts::default()
    };
    let mut stream_records = vec![0u64; run.streams.len()];
    for (u, out) in units.into_iter().enumerate() {
        let s = u / hours;
        totals.records += out.records;
        totals.data_event_records += out.data_records;
        totals.log_files += out.logs.len() as u64;
        totals.log_bytes += out.raw_bytes;
        totals.log_bytes_gz += out.gz_bytes;
        stream_records[s] += out.records;
        stream_logs[s].extend(out.logs);
    }
    totals.background_records = totals.records - minimum.min(totals.records);
    for logs in &mut stream_logs {
        logs.sort_by(|a, b| a.delivery.cmp(&b.delivery).then_with(|| a.key.cmp(&b.key)));
    }

    let chains: Vec<ChainOut> = if cfg.digests {
        stream_logs
            .par_iter()
            .enumerate()
            .map(|(s, logs)| {
                let out = run.chain(s, logs, &keys, sink)?;
                report(0, out.digests);
                Ok(out)
            })
            .collect::<Result<_, GenError>>()?
    } else {
        Vec::new()
    };

    let mut signatures = SignaturesFile::default();
    let mut first_digest_start = None;
    let mut last_digest_end = None;
    for c in &chains {
        totals.digest_files += c.digests;
        totals.digest_bytes_gz += c.gz_bytes;
        for (key, sig) in &c.signatures {
            signatures.insert(
                &w.bucket,
                key,
                DigestMetadata {
                    signature: sig.clone(),
                    signature_algorithm: Some(SIGNATURE_ALGORITHM.to_string()),
                    backfill_generation_timestamp: None,
                },
            );
        }
        first_digest_start = min_opt(first_digest_start, c.first_start);
        last_digest_end = max_opt(last_digest_end, c.last_end);
    }

    let public_keys = PublicKeysFile::ByRegion(
        keys.iter()
            .map(|(r, list)| (w.regions[*r].clone(), list.iter().map(|k| k.1.clone()).collect()))
            .collect(),
    );

    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        generator: format!("trailguard-gen {}", env!("CARGO_PKG_VERSION")),
        config: cfg.clone(),
        trail: TrailFacts {
            name: w.trail_name.clone(),
            arn: w.trail_arn.clone(),
            bucket: w.bucket.clone(),
            key_prefix: w.key_prefix.clone(),
            home_region: w.regions[w.home].clone(),
            global_service_region: w.regions[w.global].clone(),
            kms_key_arn: w.kms_key_arn.clone(),
            organization_id: w.org_id.clone(),
            management_account: w.mgmt().id.clone(),
            accounts: w
                .accounts
                .iter()
                .map(|a| AccountFacts {
                    id: a.id.clone(),
                    name: a.name.clone(),
                })
                .collect(),
            regions: w.regions.clone(),
            log_file_validation: cfg.digests,
            data_events: cfg.data_events,
        },
        time_range: TimeRange {
            start: w.start,
            end: w.end,
            first_digest_start,
            last_digest_end,
        },
        counts: totals,
        chains: run
            .streams
            .iter()
            .enumerate()
            .map(|(s, &(a, r))| ChainFacts {
                account: w.accounts[a].id.clone(),
                region: w.regions[r].clone(),
                records: stream_records[s],
                log_files: stream_logs[s].len() as u64,
                digests: chains.get(s).map_or(0, |c| c.digests),
                head_digest: chains.get(s).and_then(|c| c.head.clone()),
            })
            .collect(),
        scenarios: scenario_facts(&w, &plan),
    };
    Ok(GenOutput {
        manifest,
        public_keys,
        signatures,
    })
}

fn min_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn scenario_facts(w: &World, plan: &Plan) -> Vec<ScenarioFacts> {
    let mut out: Vec<ScenarioFacts> = plan
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut events: Vec<ScenarioEvent> = plan
                .events
                .iter()
                .filter(|e| e.scenario == i)
                .map(|e| ScenarioEvent {
                    event_id: e.event_id.clone(),
                    event_source: e.api.source.to_string(),
                    event_name: e.api.name.to_string(),
                    event_time: e.time,
                })
                .collect();
            events.sort_by(|a, b| a.event_time.cmp(&b.event_time).then(a.event_id.cmp(&b.event_id)));
            let start = events.first().map_or(w.start, |e| e.event_time);
            let end = events.last().map_or(w.start, |e| e.event_time);
            ScenarioFacts {
                id: format!("{:02}-{}", i + 1, s.kind.name()),
                kind: s.kind,
                title: s.kind.title().to_string(),
                account: w.accounts[s.account].id.clone(),
                region: w.regions[s.region].clone(),
                principal: s.principal.clone(),
                source_ip: s.source_ip.clone(),
                start,
                end,
                event_ids: events.iter().map(|e| e.event_id.clone()).collect(),
                events,
            }
        })
        .collect();
    out.sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));
    out
}

/// Split `total` over `weights` exactly: each share is the difference of rounded cumulative
/// quotas, so the shares sum to `total` and follow the weights within one record.
fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum <= 0.0 || total == 0 {
        let mut v = vec![0; weights.len()];
        v[0] = total;
        return v;
    }
    let mut out = Vec::with_capacity(weights.len());
    let mut cum = 0.0;
    let mut given = 0u64;
    for (i, wgt) in weights.iter().enumerate() {
        cum += wgt;
        let upto = if i + 1 == weights.len() {
            total
        } else {
            ((cum / sum) * total as f64).round().min(total as f64) as u64
        };
        let upto = upto.max(given);
        out.push(upto - given);
        given = upto;
    }
    out
}

impl Run<'_> {
    /// Relative volume of every (stream, hour) unit.
    fn unit_weights(&self) -> Vec<f64> {
        let w = self.w;
        let region_w: Vec<f64> = {
            let mut k = 0;
            (0..w.regions.len())
                .map(|r| {
                    if r == w.home {
                        1.0
                    } else if r == w.global {
                        0.85
                    } else {
                        let v = 0.55 * 0.75f64.powi(k);
                        k += 1;
                        v
                    }
                })
                .collect()
        };
        let mut out = Vec::with_capacity(self.streams.len() * self.hours);
        for (s, &(a, r)) in self.streams.iter().enumerate() {
            let acct = &w.accounts[a];
            let t = &self.tables[s];
            let has_m = f64::from(u8::from(t.machine.total() > 0));
            let has_h = f64::from(u8::from(t.human.total() > 0));
            for h in 0..self.hours {
                let mid = w.start.add_secs(h as i64 * 3600 + 1800);
                let (m, hu) = traffic::class_activity(acct, mid, self.human_mean);
                let v = MACHINE_SHARE * m * has_m + (1.0 - MACHINE_SHARE) * hu * has_h;
                out.push(acct.weight * region_w[r] * v);
            }
        }
        out
    }

    /// Generate one (stream, hour) unit.
    fn unit(
        &self,
        stream: usize,
        hour: usize,
        n: u64,
        scen: &[usize],
        sink: &dyn OutputSink,
    ) -> Result<UnitOut, GenError> {
        let w = self.w;
        let (a, r) = self.streams[stream];
        let acct = &w.accounts[a];
        let tables = &self.tables[stream];
        let mut rng = ids::rng_for(&[w.seed, tag::UNIT, a as u64, r as u64, hour as u64]);
        let hour_start = w.start.add_secs(hour as i64 * 3600);

        let (m, hu) = traffic::class_activity(acct, hour_start.add_secs(1800), self.human_mean);
        let pm = if tables.machine.total() > 0 {
            MACHINE_SHARE * m
        } else {
            0.0
        };
        let ph = if tables.human.total() > 0 {
            (1.0 - MACHINE_SHARE) * hu
        } else {
            0.0
        };
        let p_human = if pm + ph > 0.0 { ph / (pm + ph) } else { 0.0 };

        let mut slot_bg = [0u64; SLOTS];
        for _ in 0..n {
            slot_bg[rng.gen_range(0..SLOTS)] += 1;
        }
        let mut slot_sc: [Vec<usize>; SLOTS] = Default::default();
        for &e in scen {
            let off = self.plan.events[e].time.secs() - hour_start.secs();
            let s = (off / SLOT_SECS).clamp(0, SLOTS as i64 - 1) as usize;
            slot_sc[s].push(e);
        }

        let mut out = UnitOut::default();
        let mut compressor = Compressor::new(self.level);
        let mut writer = Writer::default();
        let mut json = Json::with_capacity(1 << 20);
        let mut gz: Vec<u8> = Vec::new();
        let mut args: Vec<String> = Vec::new();
        // Jobs: u64::MAX for background, else a planned event index.
        let mut jobs: Vec<usize> = Vec::new();

        for s in 0..SLOTS {
            let total = slot_bg[s] as usize + slot_sc[s].len();
            if total == 0 {
                continue;
            }
            let slot_start = hour_start.add_secs(s as i64 * SLOT_SECS);
            let slot_end = slot_start.add_secs(SLOT_SECS);
            jobs.clear();
            jobs.resize(slot_bg[s] as usize, usize::MAX);
            jobs.extend_from_slice(&slot_sc[s]);
            if !slot_sc[s].is_empty() {
                jobs.shuffle(&mut rng);
            }
            let mut n_files = total.div_ceil(MAX_RECORDS_PER_FILE);
            if total >= 40 && rng.gen_range(0..4) == 0 {
                n_files += 1;
            }
            let per_file = total.div_ceil(n_files);
            for (fi, chunk) in jobs.chunks(per_file).enumerate() {
                json.clear();
                json.open();
                json.key("Records");
                json.open_arr();
                let mut newest = Timestamp(i64::MIN);
                let mut oldest = Timestamp(i64::MAX);
                for &job in chunk {
                    let (time, is_data) = if job == usize::MAX {
                        let t = slot_start.add_secs(rng.gen_range(0..SLOT_SECS));
                        let table = if rng.r#gen::<f64>() < p_human {
                            &tables.human
                        } else {
                            &tables.machine
                        };
                        let Some(entry) = table.pick(&mut rng).or_else(|| tables.machine.pick(&mut rng)).copied()
                        else {
                            continue;
                        };
                        let ident = traffic::ident_for(&entry, w, acct, r, t, &mut rng, &mut args);
                        let spec = Spec {
                            api: entry.api,
                            time: t,
                            ident: &ident,
                            outcome: Outcome::Random,
                            event_id: None,
                            args: &args,
                        };
                        let d = writer.write(&mut json, w, acct, r, &mut rng, &spec);
                        (t, d)
                    } else {
                        let ev = &self.plan.events[job];
                        let spec = Spec {
                            api: ev.api,
                            time: ev.time,
                            ident: &ev.ident,
                            outcome: ev.outcome.clone(),
                            event_id: Some(&ev.event_id),
                            args: &ev.args,
                        };
                        let d = writer.write(&mut json, w, acct, r, &mut rng, &spec);
                        (ev.time, d)
                    };
                    newest = newest.max(time);
                    oldest = oldest.min(time);
                    out.records += 1;
                    out.data_records += u64::from(is_data);
                }
                json.close_arr();
                json.close();
                if newest.0 == i64::MIN {
                    continue;
                }
                let delivery = slot_end.add_secs(rng.gen_range(30..330) + fi as i64 * 7);
                let key = self.log_key(a, r, slot_end, &mut rng);
                gzip(&mut compressor, &json.buf, &mut gz, &key)?;
                let hash = hex::encode(Sha256::digest(&json.buf));
                sink.put(&key, &gz)?;
                out.raw_bytes += json.buf.len() as u64;
                out.gz_bytes += gz.len() as u64;
                out.logs.push(LogMeta {
                    key,
                    delivery,
                    hash,
                    newest,
                    oldest,
                });
            }
        }
        Ok(out)
    }

    /// `…/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16>.json.gz`
    fn log_key(&self, a: usize, r: usize, t: Timestamp, rng: &mut ids::GenRng) -> String {
        let (y, mo, d, h, mi, _) = t.to_civil();
        let acct = &self.w.accounts[a].id;
        let region = &self.w.regions[r];
        let uniq = ids::alnum_from_hash(rng.r#gen(), 16);
        format!(
            "{}CloudTrail/{region}/{y:04}/{mo:02}/{d:02}/{acct}_CloudTrail_{region}_{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z_{uniq}.json.gz",
            self.prefixes[a]
        )
    }

    /// `…/CloudTrail-Digest/<src>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<src>_<trail>_<home>_<YYYYMMDDTHHMMSSZ>.json.gz`
    fn digest_key(&self, a: usize, r: usize, t: Timestamp) -> String {
        let (y, mo, d, h, mi, s) = t.to_civil();
        let acct = &self.w.accounts[a].id;
        let region = &self.w.regions[r];
        let home = &self.w.regions[self.w.home];
        format!(
            "{}CloudTrail-Digest/{region}/{y:04}/{mo:02}/{d:02}/{acct}_CloudTrail-Digest_{region}_{}_{home}_{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z.json.gz",
            self.prefixes[a], self.w.trail_name
        )
    }

    /// Build, sign and write one stream's hourly digest chain.
    fn chain(
        &self,
        stream: usize,
        logs: &[LogMeta],
        keys: &BTreeMap<usize, Vec<(SigningKey, PublicKey)>>,
        sink: &dyn OutputSink,
    ) -> Result<ChainOut, GenError> {
        let w = self.w;
        let (a, r) = self.streams[stream];
        let region_keys = keys.get(&r).map(Vec::as_slice).unwrap_or(&[]);
        // Digest windows end at a fixed odd offset within the hour (e.g. hh:17:28).
        let h = hash(&[w.seed, tag::DIGEST, a as u64, r as u64]);
        let offset = 300 + (h % 3000) as i64;
        let first_end = w.start.add_secs(offset);
        let last_delivery = logs.last().map_or(w.end, |l| l.delivery.max(w.end));
        let mut compressor = Compressor::new(self.level);
        let mut gz = Vec::new();
        let mut out = ChainOut {
            digests: 0,
            gz_bytes: 0,
            head: None,
            signatures: Vec::new(),
            first_start: None,
            last_end: None,
        };
        let mut prev: Option<(String, String, String)> = None; // key, hash, signature
        let mut idx = 0;
        let mut end = first_end;
        let bucket = &w.bucket;
        loop {
            let start = end.add_secs(-3600);
            let first = idx;
            while idx < logs.len() && logs[idx].delivery < end {
                idx += 1;
            }
            let files = &logs[first..idx];
            let key = self.digest_key(a, r, end);
            let end_text = end.to_rfc3339();
            let Some((signer, _)) = key_for(region_keys, w.start, end) else {
                return Err(GenError::config("digests", "no signing key for a digest"));
            };
            let digest = Digest {
                aws_account_id: w.accounts[a].id.clone(),
                digest_start_time: start.to_rfc3339(),
                digest_end_time: end_text.clone(),
                digest_s3_bucket: bucket.clone(),
                digest_s3_object: key.clone(),
                digest_public_key_fingerprint: signer.fingerprint().to_string(),
                digest_signature_algorithm: SIGNATURE_ALGORITHM.to_string(),
                newest_event_time: files.iter().map(|f| f.newest).max().map(Timestamp::to_rfc3339),
                oldest_event_time: files.iter().map(|f| f.oldest).min().map(Timestamp::to_rfc3339),
                previous_digest_s3_bucket: prev.as_ref().map(|_| bucket.clone()),
                previous_digest_s3_object: prev.as_ref().map(|p| p.0.clone()),
                previous_digest_hash_value: prev.as_ref().map(|p| p.1.clone()),
                previous_digest_hash_algorithm: prev.as_ref().map(|_| HASH_ALGORITHM.to_string()),
                previous_digest_signature: prev.as_ref().map(|p| p.2.clone()),
                log_files: files
                    .iter()
                    .map(|f| DigestLogFile {
                        s3_bucket: bucket.clone(),
                        s3_object: f.key.clone(),
                        hash_value: f.hash.clone(),
                        hash_algorithm: HASH_ALGORITHM.to_string(),
                        newest_event_time: f.newest.to_rfc3339(),
                        oldest_event_time: f.oldest.to_rfc3339(),
                    })
                    .collect(),
            };
            let bytes = serde_json::to_vec(&digest).map_err(|source| GenError::Serialize { what: "digest", source })?;
            let message = string_to_sign(
                &end_text,
                bucket,
                &key,
                &bytes,
                digest.previous_digest_signature.as_deref(),
            );
            let signature = signer.sign_hex(message.as_bytes())?;
            gzip(&mut compressor, &bytes, &mut gz, &key)?;
            sink.put(&key, &gz)?;
            out.digests += 1;
            out.gz_bytes += gz.len() as u64;
            out.first_start.get_or_insert(start);
            out.last_end = Some(end);
            out.signatures.push((key.clone(), signature.clone()));
            out.head = Some(key.clone());
            prev = Some((key, hex::encode(Sha256::digest(&bytes)), signature));
            if idx >= logs.len() && end > last_delivery {
                break;
            }
            end = end.add_secs(3600);
        }
        Ok(out)
    }
}

/// The key signing digests that end at `end`: the newest key already valid then.
fn key_for(keys: &[(SigningKey, PublicKey)], start: Timestamp, end: Timestamp) -> Option<&(SigningKey, PublicKey)> {
    let k = key_index(start, end);
    keys.get(k).or_else(|| keys.last())
}

fn key_index(start: Timestamp, t: Timestamp) -> usize {
    let since = t.secs() - (start.secs() - KEY_LEAD);
    (since.max(0) / KEY_EVERY) as usize
}

/// Every region's signing keys with their `ListPublicKeys` entries, generated in parallel.
fn make_keys(w: &World) -> Result<BTreeMap<usize, Vec<(SigningKey, PublicKey)>>, GenError> {
    // Digests end at most about two hours after the period.
    let last = key_index(w.start, w.end.add_secs(3 * 3600));
    let jobs: Vec<(usize, usize)> = (0..w.regions.len())
        .flat_map(|r| (0..=last).map(move |k| (r, k)))
        .collect();
    let made = jobs
        .par_iter()
        .map(|&(r, k)| {
            let seed = ids::seed32(&[w.seed, tag::KEY, hash_str(&w.regions[r]), k as u64]);
            let key = SigningKey::from_seed(seed)?;
            let from = Timestamp::from_secs(w.start.secs() - KEY_LEAD + k as i64 * KEY_EVERY);
            let entry = key.public_key_entry(from, from.add_secs(KEY_VALID));
            Ok((r, key, entry))
        })
        .collect::<Result<Vec<_>, GenError>>()?;
    let mut out: BTreeMap<usize, Vec<(SigningKey, PublicKey)>> = BTreeMap::new();
    for (r, key, entry) in made {
        out.entry(r).or_default().push((key, entry));
    }
    Ok(out)
}

/// gzip `data` into `out` (one member, with header and trailer).
fn gzip(c: &mut Compressor, data: &[u8], out: &mut Vec<u8>, key: &str) -> Result<(), GenError> {
    out.clear();
    out.resize(c.gzip_compress_bound(data.len()), 0);
    let n = c
        .gzip_compress(data, out)
        .map_err(|_| GenError::Compress { key: key.to_string() })?;
    out.truncate(n);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        let w = [1.0, 2.0, 0.0, 7.0];
        let c = apportion(1000, &w);
        assert_eq!(c.iter().sum::<u64>(), 1000);
        assert_eq!(c, vec![100, 200, 0, 700]);
        let c = apportion(7, &[0.3; 10]);
        assert_eq!(c.iter().sum::<u64>(), 7);
        assert!(c.iter().all(|&x| x <= 1));
        assert_eq!(apportion(5, &[0.0, 0.0]), vec![5, 0]);
        assert_eq!(apportion(0, &[1.0]), vec![0]);
    }

    #[test]
    fn keys_rotate_every_twenty_days() {
        let start = Timestamp::from_secs(1_793_577_600);
        assert_eq!(key_index(start, start), 0);
        assert_eq!(key_index(start, start.add_secs(9 * 86_400)), 0);
        assert_eq!(key_index(start, start.add_secs(11 * 86_400)), 1);
        assert_eq!(key_index(start, start.add_secs(31 * 86_400)), 2);
    }
}
