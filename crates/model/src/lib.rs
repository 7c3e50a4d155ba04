//! The CloudTrail domain model: records, digests, time. No I/O.
pub mod digest;
pub mod time;
