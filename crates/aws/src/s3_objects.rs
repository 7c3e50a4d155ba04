//! A trail bucket's objects: region, listing, concurrent reads.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_smithy_types::error::display::DisplayErrorContext;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;
use trailguard_model::Timestamp;

/// How to reach AWS.
#[derive(Clone, Debug)]
pub struct AwsOptions {
    /// Named profile; the standard credential chain otherwise.
    pub profile: Option<String>,
    /// Region for the first calls; the configured region, else `us-east-1`.
    pub region: Option<String>,
    /// An AWS-compatible endpoint for every service (S3 addressed path-style).
    pub endpoint_url: Option<String>,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Worker threads of the async runtime (the per-object callbacks run on them).
    pub threads: usize,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            profile: None,
            region: None,
            endpoint_url: None,
            max_attempts: 8,
            concurrency: 64,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// Why a call could not be made at all (per-object failures are [`ObjectError`]s).
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The bucket cannot be reached.
    #[error("s3://{bucket}: {message}")]
    Bucket {
        /// The bucket.
        bucket: String,
        /// What failed.
        message: String,
    },
    /// Listing failed.
    #[error("listing s3://{bucket}/{prefix} failed: {message}")]
    List {
        /// The bucket.
        bucket: String,
        /// The prefix being listed.
        prefix: String,
        /// What failed.
        message: String,
    },
    /// `ListPublicKeys` failed.
    #[error("cloudtrail:ListPublicKeys in {region} failed: {message}")]
    PublicKeys {
        /// The region.
        region: String,
        /// What failed.
        message: String,
    },
}

/// Why one object could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectError {
    /// `NoSuchKey` (or 404).
    NotFound,
    /// `AccessDenied` (or 403; a KMS key the caller may not use).
    AccessDenied {
        /// What S3 said.
        message: String,
    },
    /// `InvalidObjectState`: archived (Glacier, Deep Archive, archive tiers).
    Archived {
        /// What S3 said, with the storage class when listed.
        message: String,
    },
    /// Anything else, after the retries.
    Other {
        /// What failed.
        message: String,
    },
}

/// One listed object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its storage class (`STANDARD`, `GLACIER`, …), when given.
    pub storage_class: Option<String>,
}

/// One object read.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// Its bytes as stored (never decompressed in transit).
    pub bytes: Vec<u8>,
    /// Its user metadata (keys without `x-amz-meta-`).
    pub metadata: HashMap<String, String>,
}

/// Configured access to AWS, with its own async runtime.
pub struct Aws {
    rt: Arc<Runtime>,
    config: SdkConfig,
    opts: AwsOptions,
}

impl Aws {
    /// Load the configuration (credential chain, profile, region, endpoint, retries).
    pub fn connect(opts: &AwsOptions) -> Result<Aws, AwsError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(opts.threads.max(1))
            .enable_all()
            .build()
            .map_err(AwsError::Runtime)?;
        let config = rt.block_on(crate::sdk::load(crate::sdk::Settings {
            profile: opts.profile.as_deref(),
            region: opts.region.as_deref(),
            endpoint_url: opts.endpoint_url.as_deref(),
            max_attempts: opts.max_attempts,
            initial_backoff: Duration::from_millis(100),
            // Whole log objects and digests are read in one attempt.
            attempt_timeout: Duration::from_secs(300),
        }));
        Ok(Aws {
            rt: Arc::new(rt),
            config,
            opts: opts.clone(),
        })
    }

    /// The configured region.
    pub fn region(&self) -> String {
        self.config
            .region()
            .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string())
    }

    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub(crate) fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    fn s3_client(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let mut b = aws_sdk_s3::config::Builder::from(&self.config);
        if let Some(r) = region {
            b = b.region(Region::new(r.to_owned()));
        }
        if self.opts.endpoint_url.is_some() {
            b = b.force_path_style(true);
        }
        aws_sdk_s3::Client::from_conf(b.build())
    }

    /// A bucket, with a client in its region (`HeadBucket`'s `x-amz-bucket-region`).
    pub fn bucket(&self, bucket: &str) -> Result<TrailBucket, AwsError> {
        let probe = self.s3_client(None);
        let region = self.rt.block_on(async {
            match probe.head_bucket().bucket(bucket).send().await {
                Ok(out) => Ok(out.bucket_region().map(str::to_owned)),
                Err(e) => {
                    let header = e
                        .raw_response()
                        .and_then(|r| r.headers().get("x-amz-bucket-region"))
                        .map(str::to_owned);
                    match (header, e.raw_response().map(|r| r.status().as_u16())) {
                        (Some(r), _) => Ok(Some(r)),
                        // Forbidden HeadBucket (no s3:ListBucket) still lets GetObject work.
                        (None, Some(403)) => Ok(None),
                        (None, Some(404)) => Err(AwsError::Bucket {
                            bucket: bucket.to_owned(),
                            message: "no such bucket".into(),
                        }),
                        _ => Err(AwsError::Bucket {
                            bucket: bucket.to_owned(),
                            message: DisplayErrorContext(&e).to_string(),
                        }),
                    }
                }
            }
        })?;
        let client = match (&region, &self.opts.endpoint_url) {
            (Some(r), None) => self.s3_client(Some(r)),
            _ => probe,
        };
        Ok(TrailBucket {
            rt: self.rt.clone(),
            client,
            bucket: bucket.to_owned(),
            region,
            concurrency: self.opts.concurrency.max(1),
        })
    }
}

/// One bucket's objects.
pub struct TrailBucket {
    rt: Arc<Runtime>,
    client: aws_sdk_s3::Client,
    bucket: String,
    region: Option<String>,
    concurrency: usize,
}

/// The CloudTrail folders under `AWSLogs/<account>/`.
const TRAIL_FOLDERS: [&str; 4] = [
    "CloudTrail",
    "CloudTrail-Digest",
    "CloudTrail-NetworkActivity",
    "CloudTrail-Insight",
];

/// How many folder levels discovery descends before giving up on a branch.
const MAX_DEPTH: usize = 12;

impl TrailBucket {
    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.bucket
    }

    /// The bucket's region, when known.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// List the CloudTrail objects under `prefix`: folders are discovered level by level down
    /// to each `AWSLogs/[o-…/]<account>/<CloudTrail folder>/<region>/`, then each region
    /// folder is listed — whole, or only the day folders from `days.0` to `days.1` — all
    /// concurrently. Other services' folders are skipped. Keys come back sorted.
    pub fn list_trail(
        &self,
        prefix: &str,
        days: Option<(Timestamp, Timestamp)>,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<Listed>, AwsError> {
        self.rt.block_on(self.list_trail_async(prefix, days, progress))
    }

    async fn list_trail_async(
        &self,
        prefix: &str,
        days: Option<(Timestamp, Timestamp)>,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<Listed>, AwsError> {
        let start = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_owned()
        } else {
            format!("{prefix}/")
        };
        let mut out = Vec::new();
        let mut leaves = Vec::new();
        let mut level = vec![start];
        for _ in 0..MAX_DEPTH {
            if level.is_empty() {
                break;
            }
            let listed = self.many(level, |p| self.list_level(p)).await?;
            let mut next = Vec::new();
            for (objects, dirs) in listed {
                out.extend(objects);
                for d in dirs {
                    match classify(&d) {
                        Dir::Descend => next.push(d),
                        Dir::Leaf => leaves.push(d),
                        Dir::Skip => {}
                    }
                }
            }
            level = next;
        }
        let prefixes: Vec<String> = match days {
            None => leaves,
            Some((from, to)) => leaves.iter().flat_map(|leaf| day_prefixes(leaf, from, to)).collect(),
        };
        for objects in self.many(prefixes, |p| self.list_flat(p)).await? {
            progress(objects.len());
            out.extend(objects);
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out.dedup_by(|a, b| a.key == b.key);
        Ok(out)
    }

    /// Run `f` over `items` with the concurrency limit; results in input order.
    async fn many<'s, I, T, F, Fut>(&'s self, items: Vec<I>, f: F) -> Result<Vec<T>, AwsError>
    where
        F: Fn(I) -> Fut,
        Fut: std::future::Future<Output = Result<T, AwsError>> + 's,
    {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        stream::iter(items.into_iter().map(f))
            .buffered(self.concurrency)
            .try_collect()
            .await
    }

    /// One level: objects directly under `prefix`, and its sub-folders.
    async fn list_level(&self, prefix: String) -> Result<(Vec<Listed>, Vec<String>), AwsError> {
        let mut objects = Vec::new();
        let mut dirs = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&prefix)
                .delimiter("/")
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| self.list_error(&prefix, &e))?;
            objects.extend(out.contents().iter().filter_map(listed));
            dirs.extend(
                out.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated().unwrap_or(false) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok((objects, dirs))
    }

    /// Every object under `prefix`.
    async fn list_flat(&self, prefix: String) -> Result<Vec<Listed>, AwsError> {
        let mut objects = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| self.list_error(&prefix, &e))?;
            objects.extend(out.contents().iter().filter_map(listed));
            match out.next_continuation_token() {
                Some(t) if out.is_truncated().unwrap_or(false) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(objects)
    }

    fn list_error<E: std::error::Error + 'static>(
        &self,
        prefix: &str,
        e: &aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    ) -> AwsError {
        AwsError::List {
            bucket: self.bucket.clone(),
            prefix: prefix.to_owned(),
            message: DisplayErrorContext(e).to_string().chars().take(600).collect(),
        }
    }

    /// Read every key (raw bytes and user metadata), `concurrency` at a time, calling
    /// `each(index, result)` as each arrives — on the runtime's worker threads, so that CPU
    /// work there (hashing) runs on all cores. Returns the callbacks' results by index.
    pub fn get_each<T, F>(&self, keys: &[String], each: F) -> Vec<T>
    where
        T: Send + 'static,
        F: Fn(usize, Result<Fetched, ObjectError>) -> T + Send + Sync + 'static,
    {
        let each = Arc::new(each);
        let limit = Arc::new(Semaphore::new(self.concurrency));
        let mut results: Vec<(usize, T)> = self.rt.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for (i, key) in keys.iter().enumerate() {
                let client = self.client.clone();
                let bucket = self.bucket.clone();
                let key = key.clone();
                let each = each.clone();
                let limit = limit.clone();
                set.spawn(async move {
                    let permit = limit.acquire_owned().await;
                    let got = get_object(&client, &bucket, &key).await;
                    drop(permit);
                    (i, each(i, got))
                });
            }
            let mut out = Vec::with_capacity(keys.len());
            while let Some(r) = set.join_next().await {
                if let Ok(v) = r {
                    out.push(v);
                }
            }
            out
        });
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, t)| t).collect()
    }
}

fn listed(o: &aws_sdk_s3::types::Object) -> Option<Listed> {
    Some(Listed {
        key: o.key()?.to_owned(),
        size: o.size().unwrap_or(0).max(0) as u64,
        storage_class: o.storage_class().map(|c| c.as_str().to_owned()),
    })
}

/// What to do with a folder met during discovery.
#[derive(Debug, PartialEq, Eq)]
enum Dir {
    /// Keep descending.
    Descend,
    /// `…/AWSLogs/[o-…/]<account>/<CloudTrail folder>/<region>/`: list it.
    Leaf,
    /// Another service's folder.
    Skip,
}

fn classify(dir: &str) -> Dir {
    let parts: Vec<&str> = dir.trim_end_matches('/').split('/').collect();
    let Some(at) = parts.iter().rposition(|p| *p == "AWSLogs") else {
        return Dir::Descend;
    };
    let mut rest = &parts[at + 1..];
    if rest.first().is_some_and(|p| p.starts_with("o-")) {
        rest = &rest[1..];
    }
    match rest.len() {
        0 | 1 => Dir::Descend,
        2 | 3 if !TRAIL_FOLDERS.contains(&rest[1]) => Dir::Skip,
        2 => Dir::Descend,
        _ => Dir::Leaf,
    }
}

/// The day folders of a region folder from `from` to `to` (a day of margin each side, as
/// digests and logs near midnight are filed under the next day).
fn day_prefixes(leaf: &str, from: Timestamp, to: Timestamp) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut t = from.add_secs(-86_400).floor_day();
    let last = to.add_secs(86_400);
    // A range of many years is listed folder by folder all the same; cap the count.
    let mut n = 0;
    while t <= last && n < 20_000 {
        let (y, m, d, ..) = t.to_civil();
        out.insert(format!("{leaf}{y:04}/{m:02}/{d:02}/"));
        t = t.add_secs(86_400);
        n += 1;
    }
    out.into_iter().collect()
}

/// `GetObject`, whole body, with the transient failures of the body download retried.
async fn get_object(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Fetched, ObjectError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let resp = client.get_object().bucket(bucket).key(key).send().await;
        let out = match resp {
            Ok(o) => o,
            Err(e) => return Err(classify_error(&e)),
        };
        let metadata = out.metadata().cloned().unwrap_or_default();
        match out.body.collect().await {
            Ok(body) => {
                return Ok(Fetched {
                    bytes: body.into_bytes().to_vec(),
                    metadata,
                });
            }
            Err(e) if attempt < 4 => {
                tracing::debug!(bucket, key, attempt, error = %e, "body download broke off; retrying");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            Err(e) => {
                return Err(ObjectError::Other {
                    message: format!("the download broke off {attempt} times: {e}"),
                });
            }
        }
    }
}

fn classify_error<E>(
    e: &aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> ObjectError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.code();
    let status = e.raw_response().map(|r| r.status().as_u16());
    let message = e
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| DisplayErrorContext(e).to_string().chars().take(400).collect());
    match (code, status) {
        (Some("NoSuchKey"), _) | (None, Some(404)) => ObjectError::NotFound,
        (Some("InvalidObjectState"), _) => ObjectError::Archived { message },
        (Some("AccessDenied" | "KMS.AccessDeniedException" | "AccessDeniedException"), _) | (None, Some(403)) => {
            ObjectError::AccessDenied { message }
        }
        (Some(c), _) => ObjectError::Other {
            message: format!("{c}: {message}"),
        },
        (None, _) => ObjectError::Other { message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_descends_to_region_folders_and_skips_other_services() {
        assert_eq!(classify("AWSLogs/"), Dir::Descend);
        assert_eq!(classify("logs/"), Dir::Descend);
        assert_eq!(classify("AWSLogs/o-abc/"), Dir::Descend);
        assert_eq!(classify("AWSLogs/o-abc/111122223333/"), Dir::Descend);
        assert_eq!(classify("AWSLogs/111122223333/"), Dir::Descend);
        assert_eq!(classify("AWSLogs/111122223333/CloudTrail-Digest/"), Dir::Descend);
        assert_eq!(classify("p/AWSLogs/111122223333/CloudTrail/us-east-1/"), Dir::Leaf);
        assert_eq!(
            classify("AWSLogs/o-abc/111122223333/CloudTrail-Insight/eu-west-1/"),
            Dir::Leaf
        );
        assert_eq!(classify("AWSLogs/111122223333/Config/"), Dir::Skip);
        assert_eq!(classify("AWSLogs/111122223333/vpcflowlogs/us-east-1/"), Dir::Skip);
    }

    #[test]
    fn day_folders_with_a_day_of_margin() {
        let from = Timestamp::from_secs(1_704_067_200 + 3600); // 2024-01-01T01:00Z
        let to = from.add_secs(3600);
        let days = day_prefixes("AWSLogs/1/CloudTrail/r/", from, to);
        assert_eq!(
            days,
            vec![
                "AWSLogs/1/CloudTrail/r/2023/12/31/",
                "AWSLogs/1/CloudTrail/r/2024/01/01/",
                "AWSLogs/1/CloudTrail/r/2024/01/02/"
            ]
        );
    }
}
