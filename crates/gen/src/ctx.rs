//! The context an API body writer sees, and helpers naming the account's resources.
//!
//! Resource identifiers are hashes of (account, region, kind, index), so the same instance,
//! bucket or secret carries the same id in every record that mentions it.

use rand::Rng;
use trailguard_model::time::Timestamp;

use crate::ids::{self, GenRng};
use crate::json::Json;
use crate::world::{Account, Bucket, World};

/// Resource kinds (path elements of resource hashes).
pub(crate) mod kind {
    pub(crate) const INSTANCE: u64 = 1;
    pub(crate) const VPC: u64 = 2;
    pub(crate) const SUBNET: u64 = 3;
    pub(crate) const SG: u64 = 4;
    pub(crate) const VOLUME: u64 = 5;
    pub(crate) const AMI: u64 = 7;
    pub(crate) const VPCE: u64 = 10;
    pub(crate) const KMS: u64 = 11;
    pub(crate) const SECRET: u64 = 12;
    pub(crate) const SGR: u64 = 13;
    pub(crate) const LT: u64 = 14;
    pub(crate) const OIDC: u64 = 15;
    pub(crate) const TASK: u64 = 16;
    pub(crate) const ZONE: u64 = 17;
    pub(crate) const CERT: u64 = 18;
}

/// Instances per (account, region).
pub(crate) const INSTANCES: u64 = 24;

/// What a body writer needs to know about the call being written.
pub(crate) struct Ctx<'a> {
    pub(crate) w: &'a World,
    pub(crate) acct: &'a Account,
    /// Region index.
    pub(crate) region: usize,
    /// Region name.
    pub(crate) rname: &'a str,
    pub(crate) time: Timestamp,
    pub(crate) rng: &'a mut GenRng,
    /// The call fails: `responseElements` must be `null`.
    pub(crate) failed: bool,
    /// The record's request id (EC2 echoes it in `responseElements`).
    pub(crate) request_id: &'a str,
    /// Entries of the record's `resources` array (written by [`Ctx::resource`]).
    pub(crate) res: &'a mut Json,
    /// The resource named in an error message (`… on resource: <this>`).
    pub(crate) err_res: &'a mut String,
    /// Scenario parameters (empty for background traffic).
    pub(crate) args: &'a [String],
}

impl Ctx<'_> {
    /// A uniform integer in `0..n`.
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n <= 1 { 0 } else { self.rng.gen_range(0..n) }
    }

    /// True with probability `p`.
    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }

    /// Pick one of `items`.
    #[inline]
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Append one `resources` entry.
    pub(crate) fn resource(&mut self, typ: &str, arn: &str) {
        self.res.open();
        self.res.kv("accountId", &self.acct.id);
        if !typ.is_empty() {
            self.res.kv("type", typ);
        }
        self.res.kv("ARN", arn);
        self.res.close();
    }

    /// Set the resource named in error messages.
    pub(crate) fn set_err_res(&mut self, r: &str) {
        self.err_res.clear();
        self.err_res.push_str(r);
    }

    fn rid(&self, kind: u64, idx: u64) -> u64 {
        self.w.rid(self.acct.index, self.region, kind, idx)
    }

    /// An EC2-style id of the account and region.
    pub(crate) fn ec2(&self, prefix: &str, kind: u64, idx: u64) -> String {
        ids::ec2_id(prefix, self.rid(kind, idx))
    }

    /// A random instance of the account and region.
    pub(crate) fn instance(&mut self) -> String {
        let i = self.below(INSTANCES);
        self.ec2("i-", kind::INSTANCE, i)
    }

    /// A random VPC (two per region).
    pub(crate) fn vpc(&mut self) -> String {
        let i = self.below(2);
        self.ec2("vpc-", kind::VPC, i)
    }

    /// A random subnet.
    pub(crate) fn subnet(&mut self) -> String {
        let i = self.below(6);
        self.ec2("subnet-", kind::SUBNET, i)
    }

    /// A random security group.
    pub(crate) fn sg(&mut self) -> String {
        let i = self.below(10);
        self.ec2("sg-", kind::SG, i)
    }

    /// A random EBS volume.
    pub(crate) fn volume(&mut self) -> String {
        let i = self.below(30);
        self.ec2("vol-", kind::VOLUME, i)
    }

    /// A random application of the account.
    pub(crate) fn app(&mut self) -> &'static str {
        let n = self.acct.apps.len() as u64;
        self.acct.apps[self.below(n) as usize]
    }

    /// A random bucket of the account in this region.
    pub(crate) fn bucket(&mut self) -> &Bucket {
        let here = &self.acct.buckets_by_region[self.region];
        let i = if here.is_empty() {
            self.below(self.acct.buckets.len() as u64) as usize
        } else {
            here[self.below(here.len() as u64) as usize]
        };
        &self.acct.buckets[i]
    }

    /// The account's customer-managed KMS key for an application in this region (its ARN).
    pub(crate) fn kms_key_arn(&self, app: &str) -> String {
        format!(
            "arn:aws:kms:{}:{}:key/{}",
            self.rname,
            self.acct.id,
            ids::uuid_from_hash(self.rid(kind::KMS, ids::hash_str(app)))
        )
    }

    /// A secret name and ARN for an application.
    pub(crate) fn secret(&mut self, app: &str) -> (String, String) {
        let purpose = self.pick(&[
            "db-credentials",
            "api-key",
            "oauth-client",
            "stripe-token",
            "smtp-password",
        ]);
        let name = format!("{}/{app}/{purpose}", self.acct.name);
        let suffix = ids::alnum_from_hash(self.rid(kind::SECRET, ids::hash_str(&name)), 6);
        let arn = format!(
            "arn:aws:secretsmanager:{}:{}:secret:{name}-{suffix}",
            self.rname, self.acct.id
        );
        (name, arn)
    }

    /// A Lambda function name for an application.
    pub(crate) fn function(&mut self, app: &str) -> String {
        let f = self.pick(&["api-handler", "worker", "scheduler", "stream-processor"]);
        format!("{app}-{f}")
    }

    /// The ARN of a Lambda function.
    pub(crate) fn function_arn(&self, name: &str) -> String {
        format!("arn:aws:lambda:{}:{}:function:{name}", self.rname, self.acct.id)
    }

    /// A DynamoDB table name.
    pub(crate) fn table(&mut self, app: &str) -> String {
        let t = self.pick(&["events", "state", "sessions", "idempotency"]);
        format!("{app}-{t}")
    }

    /// An SQS queue name.
    pub(crate) fn queue(&mut self, app: &str) -> String {
        let q = self.pick(&["jobs", "events", "jobs-dlq", "notifications"]);
        format!("{app}-{q}")
    }

    /// An SSM parameter name.
    pub(crate) fn parameter(&mut self, app: &str) -> String {
        let p = self.pick(&[
            "config/log-level",
            "config/feature-flags",
            "db/endpoint",
            "db/password",
            "api/base-url",
            "cache/ttl",
        ]);
        format!("/{}/{app}/{p}", self.acct.name)
    }

    /// The account's container / Kubernetes cluster name in this region.
    pub(crate) fn cluster(&self) -> String {
        format!("{}-{}", self.w.company, self.acct.name)
    }

    /// A CloudFormation stack name.
    pub(crate) fn stack(&mut self, app: &str) -> String {
        let s = self.pick(&["service", "data", "network", "pipeline"]);
        format!("{app}-{}-{s}", self.acct.name)
    }

    /// An RDS instance identifier.
    pub(crate) fn db(&mut self, app: &str) -> String {
        let n = self.below(2) + 1;
        format!("{app}-{}-db-{n}", self.acct.name)
    }

    /// An object key in an application bucket.
    pub(crate) fn object_key(&mut self, app: &str) -> String {
        let (y, m, d, ..) = self.time.to_civil();
        let kind = self.pick(&["exports", "uploads", "events", "reports", "img"]);
        let ext = self.pick(&["json", "parquet", "csv", "png", "pdf"]);
        let id = ids::hex_from_hash(self.rng.r#gen(), 8);
        let _ = app;
        format!("{kind}/{y:04}{m:02}{d:02}/{id}.{ext}")
    }

    /// A random 16-hex-digit token.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        ids::hex_from_hash(self.rng.r#gen(), n)
    }

    /// A random UUID.
    pub(crate) fn uuid(&mut self) -> String {
        ids::uuid(self.rng)
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The `MMM d, yyyy, h:mm:ss AM` form AWS uses inside IAM and STS responses.
pub(crate) fn aws_date(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s) = t.to_civil();
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    let month = MONTHS[(mo as usize).saturating_sub(1).min(11)];
    format!("{month} {d}, {y}, {h12}:{mi:02}:{s:02} {ampm}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_dates() {
        let t = Timestamp::parse_event_time("2023-07-10T12:55:24Z").unwrap();
        assert_eq!(aws_date(t), "Jul 10, 2023, 12:55:24 PM");
        let t = Timestamp::parse_event_time("2023-07-10T00:05:04Z").unwrap();
        assert_eq!(aws_date(t), "Jul 10, 2023, 12:05:04 AM");
        let t = Timestamp::parse_event_time("2023-07-10T13:05:04Z").unwrap();
        assert_eq!(aws_date(t), "Jul 10, 2023, 1:05:04 PM");
    }
}
