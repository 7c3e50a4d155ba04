//! Every AWS SDK call trailguard makes, and nothing else.
//!
//! On this branch: what `trailguard verify s3://bucket[/prefix]` reads —
//!
//! - [`s3_objects`]: a trail bucket's objects: the bucket's region (`HeadBucket`), the listing
//!   of its CloudTrail folders (discovered level by level, then every region folder, or only
//!   the day folders of a time range, listed concurrently), and concurrent `GetObject`s of
//!   raw bytes with their user metadata (digest signatures), each failure classified per
//!   object (not found, access denied, archived) so that a run goes on;
//! - [`public_keys`]: CloudTrail's `ListPublicKeys` in a region, for a time range.
//!
//! Calls are retried by the SDK's standard strategy (exponential backoff with jitter, on
//! throttling, timeouts and server errors); a body that breaks off mid-download is fetched
//! again. `endpoint_url` points every client at an AWS-compatible endpoint (path-style S3).
//! The API is blocking: each [`Aws`] owns its async runtime.

#![deny(missing_docs)]

pub mod public_keys;
pub mod s3_objects;

pub use s3_objects::{Aws, AwsError, AwsOptions, Fetched, Listed, ObjectError, TrailBucket};
