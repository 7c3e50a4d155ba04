//! Digest objects read and sorted into chains; signatures checked.
//!
//! [`Prepared::new`] reads every digest object (in parallel): inflates it, hashes it, reads its
//! JSON, and files it under its chain — (organization, account, source region, trail, home
//! region, standard or backfill), from its key, or from the location it records when its key
//! does not follow CloudTrail's layout. It then tells the I/O layer which logs to hash
//! ([`Prepared::logs_to_check`]). [`crate::analyze`] and [`crate::awscli`] work from here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use trailguard_model::Timestamp;
use trailguard_read::gzip::Inflater;
use trailguard_read::layout::{FileName, Folder, parse_key};

use crate::input::{DigestObject, LogObject, VerifyOptions};
use crate::keyring::{KeyLookup, KeyRing, LoadedKey};
use crate::object::{ObjectRef, ReadFailure};
use crate::parse::{DigestBody, DigestView, Field, read_digest};

/// One digest chain: digests of one trail for one account and source region (standard and
/// backfill digests form separate chains).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ChainId {
    /// Organization id (organization trails).
    pub organization: Option<String>,
    /// Account.
    pub account: String,
    /// Source region.
    pub region: String,
    /// Trail name.
    pub trail: String,
    /// The trail's home region.
    pub home_region: String,
    /// Backfill digests.
    pub backfill: bool,
}

impl ChainId {
    /// The account and region this chain belongs to.
    pub fn area(&self) -> AreaId {
        AreaId {
            organization: self.organization.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }
}

/// An account and source region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaId {
    /// Organization id (organization trails).
    pub organization: Option<String>,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
}

/// What a digest key says.
#[derive(Clone, Debug)]
pub(crate) struct KeyFacts {
    pub(crate) chain: ChainId,
    pub(crate) end: Timestamp,
    /// Text before `AWSLogs/`.
    pub(crate) prefix: String,
}

pub(crate) fn key_facts(key: &str) -> Option<KeyFacts> {
    let info = parse_key(key)?;
    if info.folder != Folder::Digest {
        return None;
    }
    let FileName::Digest(d) = info.name else {
        return None;
    };
    Some(KeyFacts {
        chain: ChainId {
            organization: info.org_id,
            account: d.account,
            region: d.source_region,
            trail: d.trail,
            home_region: d.home_region,
            backfill: d.backfill,
        },
        end: d.end,
        prefix: info.prefix,
    })
}

/// One digest object, read.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) obj: DigestObject,
    pub(crate) body: Result<DigestBody, ReadFailure>,
    /// From the key where it was found.
    pub(crate) found_key: Option<KeyFacts>,
    /// The chain it belongs to.
    pub(crate) chain: Option<ChainId>,
    /// Its window: from its content, else from its key.
    pub(crate) start: Option<Timestamp>,
    pub(crate) end: Option<Timestamp>,
}

impl Node {
    pub(crate) fn view(&self) -> Option<&DigestView> {
        self.body.as_ref().ok()?.view.as_ref().ok()
    }

    pub(crate) fn sha256(&self) -> Option<[u8; 32]> {
        self.body.as_ref().ok()?.sha256
    }

    pub(crate) fn recorded(&self) -> Option<ObjectRef> {
        self.view()?.recorded()
    }

    /// Whether it is where it says it was written.
    pub(crate) fn in_place(&self) -> bool {
        self.recorded().is_some_and(|r| r == self.obj.at)
    }

    /// Whether its content is usable: read, parsed, required members present.
    pub(crate) fn usable(&self) -> bool {
        self.view().is_some_and(|v| v.missing_required().is_none())
    }

    /// Sort key: newest first, the digest in its place before copies.
    fn order(&self) -> (Option<Timestamp>, bool, &str) {
        (self.end, self.in_place(), &self.obj.at.key)
    }
}

/// The result of checking one signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SigCheck {
    /// It verifies.
    Valid,
    /// It does not.
    Invalid,
}

/// The key a digest names.
#[derive(Clone, Debug)]
pub(crate) enum KeyState {
    /// Found for the digest's region.
    Found {
        key: LoadedKey,
        /// Whether its validity window holds the digest's end (with slack).
        valid_at_end: bool,
    },
    /// Listed but unusable.
    Unusable { reason: String },
    /// Not listed for the region.
    NotFound { listed_in: Vec<String> },
    /// The ring is empty: signatures cannot be checked at all.
    NoKeys,
    /// The digest's content cannot be signed-checked (unparseable).
    NoContent,
}

/// Signature facts of one node.
#[derive(Clone, Debug)]
pub(crate) struct Auth {
    pub(crate) key: KeyState,
    /// The check of the object's own signature (metadata or signatures file).
    pub(crate) own: Option<SigCheck>,
    /// Checks of the copies successors carry: (successor node, result).
    pub(crate) carried: Vec<(usize, SigCheck)>,
}

impl Auth {
    /// Some signature verified with a key valid for the digest.
    pub(crate) fn authenticated(&self) -> bool {
        self.signature_verified() && matches!(self.key, KeyState::Found { valid_at_end: true, .. })
    }

    /// Some signature verified (whatever the key's validity).
    pub(crate) fn signature_verified(&self) -> bool {
        self.own == Some(SigCheck::Valid) || self.carried.iter().any(|(_, c)| *c == SigCheck::Valid)
    }

    /// Some signature was tried.
    pub(crate) fn tried(&self) -> bool {
        self.own.is_some() || !self.carried.is_empty()
    }
}

/// Keys valid within this slack of a digest's end are accepted (digests are signed at
/// delivery, after their window ends).
pub(crate) const KEY_SLACK_SECS: i64 = 2 * 3600;

/// Every digest of the source, read and filed by chain.
pub struct Prepared {
    pub(crate) nodes: Vec<Node>,
    pub(crate) logs: Vec<LogObject>,
    /// Node indexes per chain, newest first.
    pub(crate) chains: BTreeMap<ChainId, Vec<usize>>,
    /// Digests whose chain cannot be told.
    pub(crate) unrecognized: Vec<usize>,
    pub(crate) by_found: HashMap<ObjectRef, usize>,
    pub(crate) by_recorded: HashMap<ObjectRef, Vec<usize>>,
    /// Nodes naming a location as their previous digest.
    pub(crate) pointing_to: HashMap<ObjectRef, Vec<usize>>,
    pub(crate) opts: VerifyOptions,
}

impl Prepared {
    /// Read every digest object and file it under its chain.
    pub fn new(digests: Vec<DigestObject>, logs: Vec<LogObject>, opts: &VerifyOptions) -> Prepared {
        let cap = if opts.max_digest_inflate == 0 {
            1 << 30
        } else {
            opts.max_digest_inflate
        };
        let mut nodes: Vec<Node> = digests
            .into_par_iter()
            .map_init(Inflater::default, |inflater, obj| {
                let body = match &obj.bytes {
                    Ok(bytes) => Ok(read_digest(bytes, cap, inflater)),
                    Err(e) => Err(e.clone()),
                };
                let found_key = key_facts(&obj.at.key);
                let mut node = Node {
                    obj,
                    body,
                    found_key,
                    chain: None,
                    start: None,
                    end: None,
                };
                let recorded_key = node.view().and_then(|v| v.object.str()).and_then(key_facts);
                node.chain = node
                    .found_key
                    .as_ref()
                    .or(recorded_key.as_ref())
                    .map(|k| k.chain.clone());
                let content = node.view().and_then(|v| Some((v.start_time()?, v.end_time()?)));
                match content {
                    Some((s, e)) => {
                        node.start = Some(s);
                        node.end = Some(e);
                    }
                    None => {
                        node.end = node.found_key.as_ref().or(recorded_key.as_ref()).map(|k| k.end);
                        node.start = node.end.map(|e| e.add_secs(-3600));
                    }
                }
                node
            })
            .collect();
        // A deterministic order whatever the input order.
        nodes.sort_by(|a, b| a.obj.at.cmp(&b.obj.at));
        let mut chains: BTreeMap<ChainId, Vec<usize>> = BTreeMap::new();
        let mut unrecognized = Vec::new();
        let mut by_found = HashMap::new();
        let mut by_recorded: HashMap<ObjectRef, Vec<usize>> = HashMap::new();
        let mut pointing_to: HashMap<ObjectRef, Vec<usize>> = HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            by_found.insert(n.obj.at.clone(), i);
            if let Some(r) = n.recorded() {
                by_recorded.entry(r).or_default().push(i);
            }
            if let Some(p) = n.view().and_then(DigestView::previous) {
                pointing_to.entry(p).or_default().push(i);
            }
            match &n.chain {
                Some(c) => chains.entry(c.clone()).or_default().push(i),
                None => unrecognized.push(i),
            }
        }
        for list in chains.values_mut() {
            list.sort_by(|&a, &b| nodes[b].order().cmp(&nodes[a].order()));
        }
        Prepared {
            nodes,
            logs,
            chains,
            unrecognized,
            by_found,
            by_recorded,
            pointing_to,
            opts: opts.clone(),
        }
    }

    /// Whether a chain passes the account, region and trail filters.
    pub(crate) fn wanted(&self, c: &ChainId) -> bool {
        self.opts.wants(&c.account, &c.region, Some(&c.trail))
    }

    /// Whether a node's window overlaps the requested range.
    pub(crate) fn in_range(&self, i: usize) -> bool {
        let n = &self.nodes[i];
        match (n.start, n.end) {
            (Some(s), Some(e)) => self.opts.overlaps(s, e),
            _ => true,
        }
    }

    /// Every log the validators need hashed: the logs listed by the digests of the selected
    /// chains (deduplicated, sorted). The I/O layer reads each (a missing one as
    /// [`ReadFailure::NotFound`]) and passes the outcomes back.
    pub fn logs_to_check(&self) -> Vec<ObjectRef> {
        let mut out = BTreeSet::new();
        for (c, list) in &self.chains {
            if !self.wanted(c) {
                continue;
            }
            for &i in list {
                if !self.in_range(i) {
                    continue;
                }
                if let Some(Ok(files)) = self.nodes[i].view().map(|v| &v.log_files) {
                    out.extend(files.iter().map(|f| f.at.clone()));
                }
            }
        }
        out.into_iter().collect()
    }

    /// Every location a digest names as its previous digest (for a reader to fetch digests a
    /// chain left in another bucket).
    pub fn previous_pointers(&self) -> Vec<ObjectRef> {
        let mut out: Vec<ObjectRef> = self.pointing_to.keys().cloned().collect();
        out.sort();
        out
    }

    /// Number of digest objects.
    pub fn digest_count(&self) -> usize {
        self.nodes.len()
    }

    /// The chains found (selected or not), with their digest counts.
    pub fn chain_ids(&self) -> impl Iterator<Item = (&ChainId, usize)> {
        self.chains.iter().map(|(c, l)| (c, l.len()))
    }

    /// Regions whose keys the selected chains need, with the time range their digests span
    /// (for `ListPublicKeys`).
    pub fn key_ranges(&self) -> BTreeMap<String, (Timestamp, Timestamp)> {
        let mut out: BTreeMap<String, (Timestamp, Timestamp)> = BTreeMap::new();
        for (c, list) in &self.chains {
            if !self.wanted(c) {
                continue;
            }
            for &i in list {
                let n = &self.nodes[i];
                let (Some(s), Some(e)) = (n.start, n.end) else { continue };
                let slot = out.entry(c.region.clone()).or_insert((s, e));
                slot.0 = slot.0.min(s);
                slot.1 = slot.1.max(e);
            }
        }
        out
    }

    /// Nodes that carry `i`'s signature (their previous pointer names it).
    pub(crate) fn carriers(&self, i: usize) -> Vec<usize> {
        let n = &self.nodes[i];
        let mut out: Vec<usize> = self.pointing_to.get(&n.obj.at).cloned().unwrap_or_default();
        if let Some(r) = n.recorded()
            && r != n.obj.at
            && let Some(more) = self.pointing_to.get(&r)
        {
            out.extend(more.iter().copied());
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&s| s != i);
        out
    }

    /// Check every signature of the selected chains, in parallel.
    pub(crate) fn authenticate(&self, keys: &KeyRing) -> Vec<Option<Auth>> {
        let wanted: Vec<bool> = self
            .nodes
            .iter()
            .map(|n| n.chain.as_ref().is_some_and(|c| self.wanted(c)))
            .collect();
        (0..self.nodes.len())
            .into_par_iter()
            .map(|i| wanted[i].then(|| self.auth_of(i, keys)))
            .collect()
    }

    fn auth_of(&self, i: usize, keys: &KeyRing) -> Auth {
        let n = &self.nodes[i];
        let Some(message) = self.string_to_sign(i) else {
            return Auth {
                key: KeyState::NoContent,
                own: None,
                carried: Vec::new(),
            };
        };
        let region = n.chain.as_ref().map_or("", |c| c.region.as_str());
        let fingerprint = n.view().and_then(|v| v.fingerprint.str()).unwrap_or_default();
        let key = if keys.is_empty() {
            KeyState::NoKeys
        } else {
            match keys.lookup(region, fingerprint) {
                KeyLookup::Found(k) => {
                    let end = n.end.unwrap_or_default();
                    let valid_at_end =
                        k.valid_from.add_secs(-KEY_SLACK_SECS) <= end && end <= k.valid_to.add_secs(KEY_SLACK_SECS);
                    KeyState::Found {
                        key: k.clone(),
                        valid_at_end,
                    }
                }
                KeyLookup::Unusable(p) => KeyState::Unusable {
                    reason: p.reason.clone(),
                },
                KeyLookup::NotFound => KeyState::NotFound {
                    listed_in: keys
                        .regions_listing(fingerprint)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                },
            }
        };
        let KeyState::Found { key: k, .. } = &key else {
            return Auth {
                key,
                own: None,
                carried: Vec::new(),
            };
        };
        let hashed = Sha256::digest(message.as_bytes());
        // The successor normally carries the very signature the digest's metadata holds: the
        // same text, key and message give the same answer, so each distinct text is checked
        // once.
        let mut checked: Vec<(String, SigCheck)> = Vec::new();
        let mut check = |sig: &str| {
            let sig = sig.trim();
            if let Some((_, c)) = checked.iter().find(|(s, _)| s == sig) {
                return *c;
            }
            let ok = hex::decode(sig)
                .map(|s| k.verify_sha256(message.as_bytes(), &hashed, &s))
                .unwrap_or(false);
            let c = if ok { SigCheck::Valid } else { SigCheck::Invalid };
            checked.push((sig.to_owned(), c));
            c
        };
        let own = n.obj.signature.signature().map(&mut check);
        let carried = self
            .carriers(i)
            .into_iter()
            .filter_map(|s| {
                let sig = self.nodes[s].view()?.prev_signature.str()?.to_owned();
                Some((s, check(&sig)))
            })
            .collect();
        Auth { key, own, carried }
    }

    /// The string CloudTrail signed for node `i`, when its content allows one.
    pub(crate) fn string_to_sign(&self, i: usize) -> Option<String> {
        let n = &self.nodes[i];
        let v = n.view()?;
        let sha = n.sha256()?;
        let prev = match &v.prev_signature {
            Field::Null => "null",
            Field::Str(s) => s.as_str(),
            Field::Absent | Field::Other => return None,
        };
        let end = v.end.str()?;
        let bucket = v.bucket.str()?;
        let object = v.object.str()?;
        let prev = (!matches!(v.prev_signature, Field::Null)).then_some(prev);
        Some(crate::sign::string_to_sign_hashed(
            end,
            bucket,
            object,
            &hex::encode(sha),
            prev,
        ))
    }
}
