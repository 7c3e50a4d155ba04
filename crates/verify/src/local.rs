//! A local copy of a trail bucket, mapped onto S3 locations (digest-validation.md §10.1).
//!
//! A copy is laid out either as one bucket (`<root>/<key>`, what `aws s3 sync s3://bucket/
//! <root>/` writes) or as several (`<root>/<bucket>/<key>`); the root may also be a folder
//! inside the bucket (`aws s3 sync s3://bucket/AWSLogs/o-…/ <root>/`). [`LocalLayout::infer`]
//! learns which from the digests themselves: each records the bucket and key it was written
//! to, and its path in the copy ends with that key.

use std::collections::BTreeMap;

use trailguard_read::gzip::Inflater;

use crate::object::ObjectRef;
use crate::parse::read_digest;

/// How the copy maps onto buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalLayout {
    /// One bucket: a path `p` is the key `root_prefix + p`.
    Single {
        /// The bucket's name.
        bucket: String,
        /// The part of the key above the root (empty when the root is the bucket).
        root_prefix: String,
    },
    /// One folder per bucket: `<bucket>/<key>`.
    Multi,
}

impl LocalLayout {
    /// Learn the layout from the digests of the copy: `(path relative to the root, stored
    /// bytes)`. `bucket` names the bucket of a single-bucket copy when the digests cannot
    /// (none is readable), and wins over what they say.
    pub fn infer<'a>(digests: impl IntoIterator<Item = (&'a str, &'a [u8])>, bucket: Option<&str>) -> LocalLayout {
        let mut votes: BTreeMap<(bool, String), usize> = BTreeMap::new();
        let mut buckets: BTreeMap<String, usize> = BTreeMap::new();
        let mut inflater = Inflater::default();
        for (rel, bytes) in digests {
            let body = read_digest(bytes, 64 << 20, &mut inflater);
            let Some(recorded) = body.view.ok().and_then(|v| v.recorded()) else {
                continue;
            };
            let (b, k) = (recorded.bucket, recorded.key);
            if rel == k {
                *votes.entry((false, String::new())).or_default() += 1;
                *buckets.entry(b).or_default() += 1;
            } else if rel.strip_prefix(b.as_str()).and_then(|r| r.strip_prefix('/')) == Some(k.as_str()) {
                *votes.entry((true, String::new())).or_default() += 1;
            } else if let Some(above) = k.strip_suffix(rel)
                && above.ends_with('/')
            {
                *votes.entry((false, above.to_owned())).or_default() += 1;
                *buckets.entry(b).or_default() += 1;
            }
        }
        let best = votes
            .into_iter()
            .max_by_key(|(k, n)| (*n, std::cmp::Reverse(k.clone())));
        let named = |buckets: &BTreeMap<String, usize>| {
            bucket.map(str::to_owned).unwrap_or_else(|| {
                buckets
                    .iter()
                    .max_by_key(|(b, n)| (**n, std::cmp::Reverse((*b).clone())))
                    .map_or_else(|| "local-copy".to_owned(), |(b, _)| b.clone())
            })
        };
        match best {
            Some(((true, _), _)) if bucket.is_none() => LocalLayout::Multi,
            Some(((_, root_prefix), _)) => LocalLayout::Single {
                bucket: named(&buckets),
                root_prefix,
            },
            None => LocalLayout::Single {
                bucket: named(&buckets),
                root_prefix: String::new(),
            },
        }
    }

    /// The S3 location of the file at `rel` (relative to the root, `/`-separated).
    pub fn locate(&self, rel: &str) -> ObjectRef {
        match self {
            LocalLayout::Single { bucket, root_prefix } => {
                ObjectRef::new(bucket.clone(), format!("{root_prefix}{rel}"))
            }
            LocalLayout::Multi => match rel.split_once('/') {
                Some((b, k)) => ObjectRef::new(b, k),
                None => ObjectRef::new("", rel),
            },
        }
    }

    /// Where the object at `at` would be in the copy, most likely first:
    /// `<bucket>/<key>`, then `<key>` (below the root's prefix).
    pub fn candidates(&self, at: &ObjectRef) -> Vec<String> {
        let mut out = Vec::with_capacity(2);
        match self {
            LocalLayout::Multi => {
                out.push(format!("{}/{}", at.bucket, at.key));
                out.push(at.key.clone());
            }
            LocalLayout::Single { bucket, root_prefix } => {
                if let Some(rel) = at.key.strip_prefix(root_prefix.as_str()) {
                    if &at.bucket != bucket {
                        out.push(format!("{}/{rel}", at.bucket));
                    }
                    out.push(rel.to_owned());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn digest(bucket: &str, key: &str) -> Vec<u8> {
        let text = format!(r#"{{"digestS3Bucket":"{bucket}","digestS3Object":"{key}"}}"#);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    }

    const K: &str = "logs/AWSLogs/o-a1/111122223333/CloudTrail-Digest/us-east-1/2024/01/01/d.json.gz";

    #[test]
    fn one_bucket_synced_at_its_root() {
        let d = digest("trail-bucket", K);
        let l = LocalLayout::infer([(K, d.as_slice())], None);
        assert_eq!(
            l,
            LocalLayout::Single {
                bucket: "trail-bucket".into(),
                root_prefix: String::new()
            }
        );
        assert_eq!(l.locate(K), ObjectRef::new("trail-bucket", K));
        assert_eq!(l.candidates(&ObjectRef::new("trail-bucket", K)), vec![K.to_owned()]);
        // Another bucket named by a digest: looked for in a folder of its own.
        assert_eq!(
            l.candidates(&ObjectRef::new("old-bucket", K)),
            vec![format!("old-bucket/{K}"), K.to_owned()]
        );
    }

    #[test]
    fn a_folder_inside_the_bucket() {
        let rel = "111122223333/CloudTrail-Digest/us-east-1/2024/01/01/d.json.gz";
        let d = digest("b", K);
        let l = LocalLayout::infer([(rel, d.as_slice())], None);
        assert_eq!(
            l,
            LocalLayout::Single {
                bucket: "b".into(),
                root_prefix: "logs/AWSLogs/o-a1/".into()
            }
        );
        assert_eq!(l.locate(rel), ObjectRef::new("b", K));
        assert_eq!(l.candidates(&ObjectRef::new("b", K)), vec![rel.to_owned()]);
        assert!(l.candidates(&ObjectRef::new("b", "elsewhere/x")).is_empty());
    }

    #[test]
    fn several_buckets() {
        let rel = format!("b1/{K}");
        let d = digest("b1", K);
        let l = LocalLayout::infer([(rel.as_str(), d.as_slice())], None);
        assert_eq!(l, LocalLayout::Multi);
        assert_eq!(l.locate(&rel), ObjectRef::new("b1", K));
        assert_eq!(l.candidates(&ObjectRef::new("b1", K))[0], rel);
    }

    #[test]
    fn nothing_to_learn_from() {
        let l = LocalLayout::infer([("x", b"junk".as_slice())], Some("named"));
        assert_eq!(
            l,
            LocalLayout::Single {
                bucket: "named".into(),
                root_prefix: String::new()
            }
        );
    }
}
