//! Trails in memory and a run of the validator over them.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::Arc;

use trailguard_gen::{GenConfig, MemorySink, ScenarioSelection, generate};
use trailguard_model::Timestamp;
use trailguard_model::digest::{Digest, PublicKeysFile, SignaturesFile};
use trailguard_verify::awscli::{self, Transcript};
use trailguard_verify::offline::{LocalDigest, LocalLog, OfflineSource};
use trailguard_verify::{KeyRing, LogHasher, LogOutcome, ObjectRef, Prepared, ReadFailure, Report, VerifyOptions};

/// A trail: its objects by key, its public keys and the S3 metadata of its digests.
#[derive(Clone)]
pub(crate) struct Trail {
    pub(crate) bucket: String,
    pub(crate) objects: BTreeMap<String, Vec<u8>>,
    pub(crate) keys: PublicKeysFile,
    pub(crate) signatures: SignaturesFile,
    /// The trail's ARN, organization id and key prefix.
    pub(crate) arn: String,
    pub(crate) organization: Option<String>,
    pub(crate) prefix: Option<String>,
}

pub(crate) fn small_config(seed: u64) -> GenConfig {
    GenConfig {
        seed,
        records: 3_000,
        accounts: 2,
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        duration_hours: 8,
        scenarios: ScenarioSelection::None,
        data_events: false,
        gzip_level: 1,
        ..GenConfig::default()
    }
}

impl Trail {
    pub(crate) fn generate(cfg: &GenConfig) -> Trail {
        let sink = MemorySink::new();
        let out = generate(cfg, &sink).expect("generate");
        Trail {
            bucket: out.manifest.trail.bucket.clone(),
            objects: sink.into_files(),
            keys: out.public_keys,
            signatures: out.signatures,
            arn: out.manifest.trail.arn.clone(),
            organization: out.manifest.trail.organization_id.clone(),
            prefix: out.manifest.trail.key_prefix.clone(),
        }
    }

    /// Digest keys, oldest first, of one chain (account, region).
    pub(crate) fn digest_keys(&self, account: &str, region: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .objects
            .keys()
            .filter(|k| {
                k.contains("/CloudTrail-Digest/")
                    && k.contains(&format!("/{account}/"))
                    && k.contains(&format!("/{region}/"))
            })
            .cloned()
            .collect();
        keys.sort_by_key(|k| k.rsplit('_').next().unwrap_or_default().to_owned());
        keys
    }

    pub(crate) fn log_keys(&self) -> Vec<String> {
        self.objects
            .keys()
            .filter(|k| k.contains("/CloudTrail/"))
            .cloned()
            .collect()
    }

    /// Accounts and regions with chains.
    pub(crate) fn chains(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .objects
            .keys()
            .filter(|k| k.contains("/CloudTrail-Digest/"))
            .filter_map(|k| {
                let info = trailguard_read::layout::parse_key(k)?;
                Some((info.account, info.region?))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub(crate) fn digest(&self, key: &str) -> Digest {
        serde_json::from_slice(&gunzip(&self.objects[key])).expect("digest json")
    }

    /// Logs listed by a digest.
    pub(crate) fn logs_of(&self, digest_key: &str) -> Vec<String> {
        self.digest(digest_key)
            .log_files
            .into_iter()
            .map(|f| f.s3_object)
            .collect()
    }

    /// The inputs as a local copy synced at the bucket's root.
    pub(crate) fn offline(&self, signatures: Option<&SignaturesFile>) -> OfflineSource {
        let mut digests = Vec::new();
        let mut logs = Vec::new();
        for (k, v) in &self.objects {
            if k.contains("/CloudTrail-Digest/") {
                digests.push(LocalDigest {
                    rel: k.clone(),
                    path: None,
                    bytes: Ok(Arc::from(v.clone().into_boxed_slice())),
                });
            } else {
                logs.push(LocalLog {
                    rel: k.clone(),
                    path: None,
                });
            }
        }
        OfflineSource::new(digests, logs, signatures, None)
    }

    pub(crate) fn outcomes(&self, source: &OfflineSource, prepared: &Prepared) -> HashMap<ObjectRef, LogOutcome> {
        let mut hasher = LogHasher::default();
        prepared
            .logs_to_check()
            .into_iter()
            .map(|at| {
                let o = match source.find(&at).and_then(|rel| self.objects.get(rel)) {
                    Some(bytes) => hasher.check(bytes),
                    None => LogOutcome::Unreadable(ReadFailure::NotFound),
                };
                (at, o)
            })
            .collect()
    }

    /// Validate as a local copy with the given signatures.
    pub(crate) fn verify_with(&self, signatures: Option<&SignaturesFile>, opts: &VerifyOptions) -> Report {
        let source = self.offline(signatures);
        let prepared = Prepared::new(source.digests.clone(), source.logs.clone(), opts);
        let outcomes = self.outcomes(&source, &prepared);
        trailguard_verify::validate(&prepared, &outcomes, &KeyRing::from_file(&self.keys))
    }

    /// Validate with every digest's metadata (as online).
    pub(crate) fn verify(&self) -> Report {
        self.verify_with(Some(&self.signatures), &VerifyOptions::all())
    }

    /// The aws-cli emulation over every chain.
    pub(crate) fn aws_cli(&self, start: Option<Timestamp>, end: Timestamp, verbose: bool) -> Vec<Transcript> {
        let opts = VerifyOptions::all();
        let source = self.offline(Some(&self.signatures));
        let prepared = Prepared::new(source.digests.clone(), source.logs.clone(), &opts);
        let outcomes = self.outcomes(&source, &prepared);
        let keys = KeyRing::from_file(&self.keys);
        awscli::runs(&prepared, start, end, None, verbose)
            .iter()
            .map(|r| awscli::transcript(&prepared, &outcomes, &keys, r))
            .collect()
    }

    pub(crate) fn remove(&mut self, key: &str) -> Vec<u8> {
        self.objects.remove(key).unwrap_or_else(|| panic!("no object {key}"))
    }
}

pub(crate) fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(b), &mut out).unwrap();
    out
}

pub(crate) fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// Every finding as `kind object`, for readable assertion failures.
pub(crate) fn summary(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{:?} {} {}",
                f.severity,
                f.kind.name(),
                f.kind.object().map(|o| o.key.as_str()).unwrap_or("-")
            )
        })
        .collect()
}

/// Findings that fail the run.
pub(crate) fn failures(r: &Report) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.severity.fails())
        .map(|f| {
            format!(
                "{} {}",
                f.kind.name(),
                f.kind.object().map(|o| o.key.as_str()).unwrap_or("-")
            )
        })
        .collect()
}

/// Whether the report has a finding of `kind` about the object with key `key`.
pub(crate) fn has(r: &Report, kind: &str, key: &str) -> bool {
    r.findings_of(kind)
        .any(|f| f.kind.object().is_some_and(|o| o.key == key))
}

#[track_caller]
pub(crate) fn assert_has(r: &Report, kind: &str, key: &str) {
    assert!(
        has(r, kind, key),
        "expected {kind} about {key}; findings:\n{}",
        summary(r).join("\n")
    );
}

impl Trail {
    /// Validate as if read from S3: every digest's metadata comes from the signatures file
    /// (as S3 user metadata), after `edit` changed what it wants.
    pub(crate) fn verify_online(&self, edit: impl Fn(&str, &mut trailguard_verify::SignatureSource)) -> Report {
        let opts = VerifyOptions::all();
        let mut source = self.offline(Some(&self.signatures));
        for d in &mut source.digests {
            let meta = self.signatures.lookup(&d.at.bucket, &d.at.key);
            d.signature = trailguard_verify::SignatureSource::Metadata {
                signature: meta.map(|m| m.signature.clone()),
                algorithm: meta.and_then(|m| m.signature_algorithm.clone()),
                backfill_generation: meta.and_then(|m| m.backfill_generation_timestamp.clone()),
            };
            edit(&d.at.key, &mut d.signature);
        }
        let prepared = Prepared::new(source.digests.clone(), source.logs.clone(), &opts);
        let outcomes = self.outcomes(&source, &prepared);
        trailguard_verify::validate(&prepared, &outcomes, &KeyRing::from_file(&self.keys))
    }
}
