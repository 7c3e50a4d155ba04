//! The API catalog: every call the generator writes, with its event source, name, read/write
//! flag, record version, error profile, and a body writer producing `requestParameters`,
//! `responseElements` (and `additionalEventData`, `resources`) in the shapes AWS writes them.

use crate::ctx::{Ctx, aws_date, kind};
use crate::ids;
use crate::json::Json;

/// `eventType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EvType {
    /// `AwsApiCall`
    Call,
    /// `AwsServiceEvent`
    Service,
    /// `AwsConsoleSignIn`
    SignIn,
}

/// Where a call is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// In the region it was made to.
    Regional,
    /// A global service: us-east-1 (or the home region when us-east-1 is not generated).
    Global,
    /// IAM Identity Center / the trail: the management account's home region.
    MgmtHome,
}

/// The `requestID` form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReqId {
    /// A lowercase UUID.
    Uuid,
    /// 16 upper-case alphanumerics (S3).
    S3,
    /// No `requestID` (console sign-in).
    None,
}

/// How the TLS `clientProvidedHostHeader` is formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Host {
    /// `<service>.<region>.amazonaws.com`
    Regional,
    /// A fixed host name.
    Fixed(&'static str),
    /// `<bucket>.s3.<region>.amazonaws.com` (the writer names the bucket in `err_res`).
    S3Bucket,
    /// `portal.sso.<region>.amazonaws.com`
    SsoPortal,
}

/// An error a call may fail with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Err {
    /// Not authorised, in the service's wording.
    Denied,
    /// Throttled, in the service's wording.
    Throttle,
    /// A fixed code and message; `{}` in the message is replaced by the call's resource.
    Fixed(&'static str, &'static str),
}

/// One API of the catalog.
pub(crate) struct Api {
    pub(crate) source: &'static str,
    pub(crate) name: &'static str,
    /// IAM action named in access-denied messages.
    pub(crate) action: &'static str,
    pub(crate) read_only: bool,
    pub(crate) version: &'static str,
    /// A data event (`eventCategory: Data`, `managementEvent: false`).
    pub(crate) data: bool,
    pub(crate) event_type: EvType,
    pub(crate) scope: Scope,
    pub(crate) host: Host,
    pub(crate) req_id: ReqId,
    pub(crate) api_version: Option<&'static str>,
    /// Error probability in 1/10,000.
    pub(crate) err_rate: u32,
    pub(crate) errors: &'static [(Err, u32)],
    /// Writes `"requestParameters":…,"responseElements":…[,"additionalEventData":…]`.
    pub(crate) body: fn(&mut Ctx<'_>, &mut Json),
}

const fn api(
    source: &'static str,
    name: &'static str,
    action: &'static str,
    read_only: bool,
    version: &'static str,
    body: fn(&mut Ctx<'_>, &mut Json),
) -> Api {
    Api {
        source,
        name,
        action,
        read_only,
        version,
        data: false,
        event_type: EvType::Call,
        scope: Scope::Regional,
        host: Host::Regional,
        req_id: ReqId::Uuid,
        api_version: None,
        err_rate: 150,
        errors: &[(Err::Denied, 3), (Err::Throttle, 2)],
        body,
    }
}

impl Api {
    const fn errs(mut self, rate: u32, errors: &'static [(Err, u32)]) -> Self {
        self.err_rate = rate;
        self.errors = errors;
        self
    }
    const fn global(mut self, host: &'static str) -> Self {
        self.scope = Scope::Global;
        self.host = Host::Fixed(host);
        self
    }
    const fn s3(mut self) -> Self {
        self.host = Host::S3Bucket;
        self.req_id = ReqId::S3;
        self
    }
    const fn data(mut self) -> Self {
        self.data = true;
        self
    }
    const fn service_event(mut self) -> Self {
        self.event_type = EvType::Service;
        self
    }
    const fn mgmt_home(mut self) -> Self {
        self.scope = Scope::MgmtHome;
        self
    }
    const fn host(mut self, host: Host) -> Self {
        self.host = host;
        self
    }
    const fn api_version(mut self, v: &'static str) -> Self {
        self.api_version = Some(v);
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Shared body pieces

fn req_null_resp_null(_: &mut Ctx<'_>, j: &mut Json) {
    j.knull("requestParameters");
    j.knull("responseElements");
}

fn req_empty_resp_null(_: &mut Ctx<'_>, j: &mut Json) {
    j.kempty("requestParameters");
    j.knull("responseElements");
}

/// `"responseElements":{"requestId":"…","_return":true}` as EC2 writes it (or null on error).
fn ec2_return(c: &Ctx<'_>, j: &mut Json) {
    if c.failed {
        j.knull("responseElements");
    } else {
        j.kobj("responseElements");
        j.kv("requestId", c.request_id);
        j.kb("_return", true);
        j.close();
    }
}

fn s3_additional(c: &mut Ctx<'_>, j: &mut Json, bytes_in: i64, bytes_out: i64) {
    j.kobj("additionalEventData");
    j.kv("SignatureVersion", "SigV4");
    j.kv(
        "CipherSuite",
        if c.chance(0.8) {
            "TLS_AES_128_GCM_SHA256"
        } else {
            "ECDHE-RSA-AES128-GCM-SHA256"
        },
    );
    j.kn("bytesTransferredIn", bytes_in);
    j.kv("AuthenticationMethod", "AuthHeader");
    j.key("x-amz-id-2");
    j.begin_str();
    ids::push_base64_random(&mut j.buf, c.rng, 76);
    j.end_str();
    j.kn("bytesTransferredOut", bytes_out);
    j.close();
}

// ---------------------------------------------------------------------------------------------
// EC2

fn ec2_describe_instances(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    if c.chance(0.4) {
        let i = c.instance();
        j.ec2_items("instancesSet", "instanceId", &[&i]);
        c.set_err_res(&i);
    } else {
        j.kempty("instancesSet");
    }
    if c.chance(0.3) {
        let app = c.app();
        j.ec2_filter("tag:app", &[app]);
    } else {
        j.kempty("filterSet");
    }
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_instance_status(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kempty("instancesSet");
    j.kempty("filterSet");
    j.kb("includeAllInstances", c.chance(0.5));
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_sgs(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kempty("securityGroupSet");
    if c.chance(0.5) {
        let sg = c.sg();
        j.ec2_items("securityGroupIdSet", "groupId", &[&sg]);
    } else {
        j.kempty("securityGroupIdSet");
    }
    j.kempty("filterSet");
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_vpcs(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kempty("vpcSet");
    j.kempty("filterSet");
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_subnets(c: &mut Ctx<'_>, j: &mut Json) {
    let vpc = c.vpc();
    j.kobj("requestParameters");
    j.kempty("subnetSet");
    j.ec2_filter("vpc-id", &[&vpc]);
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_volumes(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    if c.chance(0.5) {
        let v = c.volume();
        j.ec2_items("volumeSet", "volumeId", &[&v]);
    } else {
        j.kempty("volumeSet");
    }
    j.kempty("filterSet");
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_snapshots(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kempty("snapshotSet");
    j.ec2_items("ownersSet", "owner", &["self"]);
    j.kempty("sharedUsersSet");
    j.kempty("filterSet");
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_images(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kempty("executableBySet");
    j.kempty("imagesSet");
    if c.chance(0.5) {
        j.ec2_items("ownersSet", "owner", &["amazon"]);
        j.ec2_filter("name", &["al2023-ami-2023.*-x86_64"]);
    } else {
        j.ec2_items("ownersSet", "owner", &["self"]);
        j.kempty("filterSet");
    }
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_route_tables(c: &mut Ctx<'_>, j: &mut Json) {
    let vpc = c.vpc();
    j.kobj("requestParameters");
    j.kempty("routeTableIdSet");
    j.ec2_filter("vpc-id", &[&vpc]);
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_nics(c: &mut Ctx<'_>, j: &mut Json) {
    let subnet = c.subnet();
    j.kobj("requestParameters");
    j.kempty("networkInterfaceIdSet");
    j.ec2_filter("subnet-id", &[&subnet]);
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_azs(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kempty("availabilityZoneSet");
    j.kempty("availabilityZoneIdSet");
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_tags(c: &mut Ctx<'_>, j: &mut Json) {
    let i = c.instance();
    j.kobj("requestParameters");
    j.ec2_filter("resource-id", &[&i]);
    j.close();
    j.knull("responseElements");
}

fn ec2_describe_launch_templates(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kobj("DescribeLaunchTemplatesRequest");
    j.kn("MaxResults", 200);
    j.close();
    j.close();
    j.knull("responseElements");
}

fn ec2_create_tags(c: &mut Ctx<'_>, j: &mut Json) {
    let target = if c.chance(0.6) { c.instance() } else { c.volume() };
    let app = c.app();
    let (k, v): (&str, String) = match c.below(4) {
        0 => ("app", app.to_string()),
        1 => ("Owner", format!("team-{app}")),
        2 => ("CostCenter", format!("cc-{}", 1000 + c.below(9000))),
        _ => ("Backup", "daily".to_string()),
    };
    j.kobj("requestParameters");
    j.ec2_items("resourcesSet", "resourceId", &[&target]);
    j.kobj("tagSet");
    j.karr("items");
    j.open();
    j.kv("key", k);
    j.kv("value", &v);
    j.close();
    j.close_arr();
    j.close();
    j.close();
    ec2_return(c, j);
    c.set_err_res(&target);
}

/// Writes an instance-state change (start/stop/terminate).
fn ec2_state_change(c: &mut Ctx<'_>, j: &mut Json, prev: (i64, &str), cur: (i64, &str)) {
    let i = c.instance();
    j.kobj("requestParameters");
    j.ec2_items("instancesSet", "instanceId", &[&i]);
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        j.kobj("responseElements");
        j.kv("requestId", c.request_id);
        j.kobj("instancesSet");
        j.karr("items");
        j.open();
        j.kv("instanceId", &i);
        j.kobj("currentState");
        j.kn("code", cur.0);
        j.kv("name", cur.1);
        j.close();
        j.kobj("previousState");
        j.kn("code", prev.0);
        j.kv("name", prev.1);
        j.close();
        j.close();
        j.close_arr();
        j.close();
        j.close();
    }
    let arn = format!("arn:aws:ec2:{}:{}:instance/{i}", c.rname, c.acct.id);
    c.set_err_res(&arn);
}

fn ec2_start(c: &mut Ctx<'_>, j: &mut Json) {
    ec2_state_change(c, j, (80, "stopped"), (0, "pending"));
}

fn ec2_stop(c: &mut Ctx<'_>, j: &mut Json) {
    ec2_state_change(c, j, (16, "running"), (64, "stopping"));
}

fn ec2_terminate(c: &mut Ctx<'_>, j: &mut Json) {
    ec2_state_change(c, j, (16, "running"), (32, "shutting-down"));
}

fn ec2_create_snapshot(c: &mut Ctx<'_>, j: &mut Json) {
    let vol = c.volume();
    let app = c.app();
    let desc = format!("Created by AWS Backup for {app}");
    j.kobj("requestParameters");
    j.kv("volumeId", &vol);
    j.kv("description", &desc);
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        let snap = ids::ec2_id("snap-", c.rng.next_u64_compat());
        j.kobj("responseElements");
        j.kv("requestId", c.request_id);
        j.kv("snapshotId", &snap);
        j.kv("volumeId", &vol);
        j.kv("status", "pending");
        j.kn("startTime", c.time.millis());
        j.kv("progress", "");
        j.kv("ownerId", &c.acct.id);
        j.kn("volumeSize", [8, 20, 50, 100, 200][c.below(5) as usize]);
        j.kv("description", &desc);
        j.kb("encrypted", true);
        j.close();
    }
    c.set_err_res(&vol);
}

fn ec2_run_instances(c: &mut Ctx<'_>, j: &mut Json) {
    let ami_i = c.below(4);
    let ami = c.ec2("ami-", kind::AMI, ami_i);
    let subnet = c.subnet();
    let sg = c.sg();
    let lt_i = c.below(3);
    let lt = c.ec2("lt-", kind::LT, lt_i);
    let app = c.app();
    let itype = c.pick(&["t3.medium", "m6i.large", "c6i.xlarge", "m7g.large", "r6i.large"]);
    let token = c.uuid();
    j.kobj("requestParameters");
    j.kobj("instancesSet");
    j.karr("items");
    j.open();
    j.kv("imageId", &ami);
    j.kn("minCount", 1);
    j.kn("maxCount", 1);
    j.close();
    j.close_arr();
    j.close();
    j.kv("instanceType", itype);
    j.kempty("blockDeviceMapping");
    j.kobj("monitoring");
    j.kb("enabled", false);
    j.close();
    j.kv("subnetId", &subnet);
    j.kb("disableApiTermination", false);
    j.kb("disableApiStop", false);
    j.kv("clientToken", &token);
    j.kobj("launchTemplate");
    j.kv("launchTemplateId", &lt);
    j.kv("version", "$Latest");
    j.close();
    j.kobj("tagSpecificationSet");
    j.karr("items");
    j.open();
    j.kv("resourceType", "instance");
    j.karr("tags");
    j.open();
    j.kv("key", "app");
    j.kv("value", app);
    j.close();
    j.open();
    j.kv("key", "Name");
    j.kv("value", &format!("{app}-worker"));
    j.close();
    j.close_arr();
    j.close();
    j.close_arr();
    j.close();
    j.close();
    if c.failed {
        j.knull("responseElements");
        return;
    }
    let inst = c.instance();
    let eni = ids::ec2_id("eni-", c.rng.next_u64_compat());
    let vpc = c.vpc();
    let ip = ids::private_ipv4(c.rng.next_u64_compat());
    let zone = c.pick(&["a", "b", "c"]);
    let az = format!("{}{zone}", c.rname);
    let reservation = ids::ec2_id("r-", c.rng.next_u64_compat());
    j.kobj("responseElements");
    j.kv("requestId", c.request_id);
    j.kv("reservationId", &reservation);
    j.kv("ownerId", &c.acct.id);
    j.kempty("groupSet");
    j.kobj("instancesSet");
    j.karr("items");
    j.open();
    j.kv("instanceId", &inst);
    j.kv("imageId", &ami);
    j.kv("currentInstanceBootMode", "uefi");
    j.kobj("instanceState");
    j.kn("code", 0);
    j.kv("name", "pending");
    j.close();
    j.kv(
        "privateDnsName",
        &format!("ip-{}.{}.compute.internal", ip.replace('.', "-"), c.rname),
    );
    j.kn("amiLaunchIndex", 0);
    j.kempty("productCodes");
    j.kv("instanceType", itype);
    j.kn("launchTime", c.time.millis());
    j.kobj("placement");
    j.kv("availabilityZone", &az);
    j.kv("tenancy", "default");
    j.close();
    j.kobj("monitoring");
    j.kv("state", "disabled");
    j.close();
    j.kv("subnetId", &subnet);
    j.kv("vpcId", &vpc);
    j.kv("privateIpAddress", &ip);
    j.kobj("stateReason");
    j.kv("code", "pending");
    j.kv("message", "pending");
    j.close();
    j.kv("architecture", "x86_64");
    j.kv("rootDeviceType", "ebs");
    j.kv("rootDeviceName", "/dev/xvda");
    j.kempty("blockDeviceMapping");
    j.kv("virtualizationType", "hvm");
    j.kv("clientToken", &token);
    j.kobj("groupSet");
    j.karr("items");
    j.open();
    j.kv("groupId", &sg);
    j.kv("groupName", &format!("{app}-instances"));
    j.close();
    j.close_arr();
    j.close();
    j.kb("sourceDestCheck", true);
    j.kobj("networkInterfaceSet");
    j.karr("items");
    j.open();
    j.kv("networkInterfaceId", &eni);
    j.kv("subnetId", &subnet);
    j.kv("vpcId", &vpc);
    j.kv("ownerId", &c.acct.id);
    j.kv("status", "in-use");
    j.kv("privateIpAddress", &ip);
    j.kb("sourceDestCheck", true);
    j.kobj("attachment");
    j.kv("attachmentId", &ids::ec2_id("eni-attach-", c.rng.next_u64_compat()));
    j.kn("deviceIndex", 0);
    j.kv("status", "attaching");
    j.kn("attachTime", c.time.millis());
    j.kb("deleteOnTermination", true);
    j.close();
    j.kv("interfaceType", "interface");
    j.close();
    j.close_arr();
    j.close();
    j.kobj("cpuOptions");
    j.kn("coreCount", 1);
    j.kn("threadsPerCore", 2);
    j.close();
    j.kobj("metadataOptions");
    j.kv("state", "pending");
    j.kv("httpTokens", "required");
    j.kn("httpPutResponseHopLimit", 2);
    j.kv("httpEndpoint", "enabled");
    j.close();
    j.close();
    j.close_arr();
    j.close();
    j.kv("requesterId", "940372691376");
    j.close();
}

// ---------------------------------------------------------------------------------------------
// S3 (management and data)

fn s3_bucket_call(c: &mut Ctx<'_>, j: &mut Json, sub: &str, bytes_out: i64) {
    let b = c.bucket().name.clone();
    let host = format!("{b}.s3.{}.amazonaws.com", c.rname);
    j.kobj("requestParameters");
    j.kv("bucketName", &b);
    j.kv("Host", &host);
    if !sub.is_empty() {
        j.kv(sub, "");
    }
    j.close();
    j.knull("responseElements");
    s3_additional(c, j, 0, if c.failed { 0 } else { bytes_out });
    let arn = format!("arn:aws:s3:::{b}");
    c.resource("AWS::S3::Bucket", &arn);
    c.set_err_res(&b);
}

fn s3_get_bucket_acl(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "acl", 552);
}
fn s3_get_bucket_location(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "location", 137);
}
fn s3_get_bucket_policy(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "policy", 431);
}
fn s3_get_bucket_versioning(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "versioning", 113);
}
fn s3_get_bucket_encryption(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "encryption", 268);
}
fn s3_get_bucket_tagging(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "tagging", 310);
}
fn s3_get_pab(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "publicAccessBlock", 318);
}
fn s3_get_bucket_logging(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "logging", 257);
}
fn s3_head_bucket(c: &mut Ctx<'_>, j: &mut Json) {
    s3_bucket_call(c, j, "", 0);
}

fn s3_list_buckets(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kv("Host", &format!("s3.{}.amazonaws.com", c.rname));
    j.close();
    j.knull("responseElements");
    let out = 1200 + c.below(4000) as i64;
    s3_additional(c, j, 0, out);
    c.set_err_res("");
}

fn s3_put_bucket_tagging(c: &mut Ctx<'_>, j: &mut Json) {
    let b = c.bucket().clone();
    let host = format!("{}.s3.{}.amazonaws.com", b.name, c.rname);
    j.kobj("requestParameters");
    j.kv("bucketName", &b.name);
    j.kv("Host", &host);
    j.kobj("Tagging");
    j.kv("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/");
    j.kobj("TagSet");
    j.kobj("Tag");
    j.kv("Value", b.app);
    j.kv("Key", "app");
    j.close();
    j.close();
    j.close();
    j.kv("tagging", "");
    j.close();
    j.knull("responseElements");
    s3_additional(c, j, 180, 0);
    let arn = format!("arn:aws:s3:::{}", b.name);
    c.resource("AWS::S3::Bucket", &arn);
    c.set_err_res(&b.name);
}

fn s3_object_call(c: &mut Ctx<'_>, j: &mut Json, put: bool) {
    let b = c.bucket().clone();
    let key = c.object_key(b.app);
    let host = format!("{}.s3.{}.amazonaws.com", b.name, c.rname);
    j.kobj("requestParameters");
    j.kv("bucketName", &b.name);
    j.kv("Host", &host);
    j.kv("key", &key);
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else if put {
        j.kobj("responseElements");
        j.kv("x-amz-server-side-encryption", "AES256");
        j.close();
    } else {
        j.knull("responseElements");
    }
    let size = 200 + c.below(4_000_000) as i64;
    let (bin, bout) = if c.failed {
        (0, 0)
    } else if put {
        (size, 0)
    } else {
        (0, size)
    };
    s3_additional(c, j, bin, bout);
    let obj_arn = format!("arn:aws:s3:::{}/{key}", b.name);
    let bucket_arn = format!("arn:aws:s3:::{}", b.name);
    c.res.open();
    c.res.kv("type", "AWS::S3::Object");
    c.res.kv("ARN", &obj_arn);
    c.res.close();
    c.resource("AWS::S3::Bucket", &bucket_arn);
    c.set_err_res(&obj_arn);
}

fn s3_get_object(c: &mut Ctx<'_>, j: &mut Json) {
    s3_object_call(c, j, false);
}
fn s3_put_object(c: &mut Ctx<'_>, j: &mut Json) {
    s3_object_call(c, j, true);
}

// ---------------------------------------------------------------------------------------------
// IAM (global)

fn iam_user_arg(c: &mut Ctx<'_>, j: &mut Json) {
    let n = c.acct.users.len() as u64;
    let u = c.acct.users[c.below(n) as usize].name.clone();
    j.kobj("requestParameters");
    j.kv("userName", &u);
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:iam::{}:user/{u}", c.acct.id);
    c.set_err_res(&arn);
}

fn iam_get_user(c: &mut Ctx<'_>, j: &mut Json) {
    if c.chance(0.5) {
        req_null_resp_null(c, j);
    } else {
        iam_user_arg(c, j);
    }
}

fn iam_role_arg(c: &mut Ctx<'_>, j: &mut Json) {
    let n = c.acct.roles.len() as u64;
    let r = c.acct.roles[c.below(n) as usize].name.clone();
    j.kobj("requestParameters");
    j.kv("roleName", &r);
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:iam::{}:role/{r}", c.acct.id);
    c.set_err_res(&arn);
}

fn iam_list_paged(c: &mut Ctx<'_>, j: &mut Json) {
    if c.chance(0.5) {
        req_null_resp_null(c, j);
    } else {
        j.kobj("requestParameters");
        j.kn("maxItems", 100);
        j.close();
        j.knull("responseElements");
    }
}

fn iam_get_policy(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let arn = format!("arn:aws:iam::{}:policy/{app}-access", c.acct.id);
    j.kobj("requestParameters");
    j.kv("policyArn", &arn);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&arn);
}

fn iam_get_policy_version(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let arn = format!("arn:aws:iam::{}:policy/{app}-access", c.acct.id);
    let v = format!("v{}", 1 + c.below(4));
    j.kobj("requestParameters");
    j.kv("policyArn", &arn);
    j.kv("versionId", &v);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&arn);
}

fn iam_tag_role(c: &mut Ctx<'_>, j: &mut Json) {
    let n = c.acct.roles.len() as u64;
    let r = c.acct.roles[c.below(n) as usize].clone();
    j.kobj("requestParameters");
    j.kv("roleName", &r.name);
    j.karr("tags");
    j.open();
    j.kv("key", "app");
    j.kv("value", r.app);
    j.close();
    j.close_arr();
    j.close();
    j.knull("responseElements");
    c.set_err_res(&r.arn);
}

// ---------------------------------------------------------------------------------------------
// STS

/// Session-token-like base64 (shortened: real tokens are ~800 characters).
fn push_session_token(c: &mut Ctx<'_>, j: &mut Json) {
    j.key("sessionToken");
    j.begin_str();
    j.buf.extend_from_slice(b"IQoJb3JpZ2luX2Vj");
    ids::push_base64_random(&mut j.buf, c.rng, 300);
    j.end_str();
}

/// `args[0]` = role ARN, `args[1]` = session name, `args[2]` = role id (filled by the actor).
fn sts_assume_role(c: &mut Ctx<'_>, j: &mut Json) {
    let (role_arn, session, role_id) = match c.args {
        [a, s, id, ..] => (a.clone(), s.clone(), id.clone()),
        _ => {
            let n = c.acct.roles.len() as u64;
            let r = &c.acct.roles[c.below(n) as usize];
            (
                r.arn.clone(),
                format!("{}-{}", r.app, c.below(1_000_000)),
                r.role_id.clone(),
            )
        }
    };
    let role_name = role_arn.rsplit('/').next().unwrap_or("role").to_string();
    j.kobj("requestParameters");
    j.kv("roleArn", &role_arn);
    j.kv("roleSessionName", &session);
    j.kn("durationSeconds", 3600);
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        let key = ids::access_key("ASIA", c.rng.next_u64_compat());
        j.kobj("responseElements");
        j.kobj("credentials");
        j.kv("accessKeyId", &key);
        push_session_token(c, j);
        j.kv("expiration", &aws_date(c.time.add_secs(3600)));
        j.close();
        j.kobj("assumedRoleUser");
        j.kv("assumedRoleId", &format!("{role_id}:{session}"));
        j.kv(
            "arn",
            &format!("arn:aws:sts::{}:assumed-role/{role_name}/{session}", c.acct.id),
        );
        j.close();
        j.close();
    }
    c.resource("AWS::IAM::Role", &role_arn);
    c.set_err_res(&role_arn);
}

fn sts_assume_role_web_identity(c: &mut Ctx<'_>, j: &mut Json) {
    let eks: Vec<_> = c
        .acct
        .roles
        .iter()
        .filter(|r| r.kind == crate::world::RoleKind::Eks)
        .cloned()
        .collect();
    let role = match eks.as_slice() {
        [] => c.acct.roles[0].clone(),
        list => list[c.below(list.len() as u64) as usize].clone(),
    };
    let session = format!("botocore-session-{}", 1_790_000_000 + c.below(9_999_999));
    let oidc = ids::hex_from_hash(c.w.rid(c.acct.index, c.region, kind::OIDC, 0), 32).to_uppercase();
    let provider = format!("oidc.eks.{}.amazonaws.com/id/{oidc}", c.rname);
    j.kobj("requestParameters");
    j.kv("roleArn", &role.arn);
    j.kv("roleSessionName", &session);
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        let key = ids::access_key("ASIA", c.rng.next_u64_compat());
        j.kobj("responseElements");
        j.kobj("credentials");
        j.kv("accessKeyId", &key);
        push_session_token(c, j);
        j.kv("expiration", &aws_date(c.time.add_secs(3600)));
        j.close();
        j.kv(
            "subjectFromWebIdentityToken",
            &format!("system:serviceaccount:{}:{}-sa", role.app, role.app),
        );
        j.kobj("assumedRoleUser");
        j.kv("assumedRoleId", &format!("{}:{session}", role.role_id));
        j.kv(
            "arn",
            &format!("arn:aws:sts::{}:assumed-role/{}/{session}", c.acct.id, role.name),
        );
        j.close();
        j.kv(
            "provider",
            &format!("arn:aws:iam::{}:oidc-provider/{provider}", c.acct.id),
        );
        j.kv("audience", "sts.amazonaws.com");
        j.close();
    }
    c.resource("AWS::IAM::Role", &role.arn);
    c.set_err_res(&role.arn);
}

// ---------------------------------------------------------------------------------------------
// KMS

fn kms_context(c: &mut Ctx<'_>, j: &mut Json, app: &str) {
    j.kobj("encryptionContext");
    match c.below(3) {
        0 => {
            let (_, arn) = c.secret(app);
            j.kv("SecretARN", &arn);
            j.kv("SecretVersionId", &c.uuid().to_uppercase());
        }
        1 => {
            let b = c.bucket().name.clone();
            j.kv("aws:s3:arn", &format!("arn:aws:s3:::{b}"));
        }
        _ => {
            let t = c.table(app);
            j.kv("aws:dynamodb:tableName", &t);
            j.kv("aws:dynamodb:subscriberId", &c.acct.id);
        }
    }
    j.close();
}

fn kms_decrypt(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let key = c.kms_key_arn(app);
    j.kobj("requestParameters");
    j.kv("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
    kms_context(c, j, app);
    j.close();
    j.knull("responseElements");
    c.resource("AWS::KMS::Key", &key);
    c.set_err_res(&key);
}

fn kms_generate_data_key(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let key = c.kms_key_arn(app);
    j.kobj("requestParameters");
    if c.chance(0.5) {
        j.kv("keyId", &key);
    } else {
        j.kv("keyId", &format!("alias/{app}"));
    }
    j.kv("keySpec", "AES_256");
    kms_context(c, j, app);
    j.close();
    j.knull("responseElements");
    c.resource("AWS::KMS::Key", &key);
    c.set_err_res(&key);
}

fn kms_encrypt(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let key = c.kms_key_arn(app);
    j.kobj("requestParameters");
    j.kv("keyId", &key);
    j.kv("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
    kms_context(c, j, app);
    j.close();
    j.knull("responseElements");
    c.resource("AWS::KMS::Key", &key);
    c.set_err_res(&key);
}

fn kms_describe_key(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let key = c.kms_key_arn(app);
    j.kobj("requestParameters");
    j.kv("keyId", &format!("alias/{app}"));
    j.close();
    j.knull("responseElements");
    c.resource("AWS::KMS::Key", &key);
    c.set_err_res(&key);
}

fn kms_rotate_key(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let key = c.kms_key_arn(app);
    j.knull("requestParameters");
    j.knull("responseElements");
    j.kobj("additionalEventData");
    j.kv("keyId", key.rsplit('/').next().unwrap_or_default());
    j.close();
    c.resource("AWS::KMS::Key", &key);
}

/// CloudTrail encrypting a log file with the trail's key.
fn kms_trail_data_key(c: &mut Ctx<'_>, j: &mut Json) {
    let key = c.w.kms_key_arn.clone();
    let acct =
        c.w.accounts
            .get(c.below(c.w.accounts.len() as u64) as usize)
            .map_or_else(String::new, |a| a.id.clone());
    j.kobj("requestParameters");
    j.kv("keyId", &key);
    j.kobj("encryptionContext");
    j.kv("aws:cloudtrail:arn", &c.w.trail_arn);
    let (y, m, d, ..) = c.time.to_civil();
    let prefix = c.w.account_prefix(&acct);
    j.kv(
        "aws:s3:arn",
        &format!(
            "arn:aws:s3:::{}/{prefix}CloudTrail/{}/{y:04}/{m:02}/{d:02}/{acct}_CloudTrail_{}_{}.json.gz",
            c.w.bucket,
            c.rname,
            c.rname,
            ids::alnum_from_hash(c.rng.next_u64_compat(), 16)
        ),
    );
    j.close();
    j.kv("keySpec", "AES_256");
    j.close();
    j.knull("responseElements");
    c.resource("AWS::KMS::Key", &key);
}

/// CloudTrail checking its bucket's ACL.
fn s3_trail_bucket_acl(c: &mut Ctx<'_>, j: &mut Json) {
    let b = c.w.bucket.clone();
    let host = format!("{b}.s3.{}.amazonaws.com", c.rname);
    j.kobj("requestParameters");
    j.kv("bucketName", &b);
    j.kv("Host", &host);
    j.kv("acl", "");
    j.close();
    j.knull("responseElements");
    s3_additional(c, j, 0, 552);
    c.resource("AWS::S3::Bucket", &format!("arn:aws:s3:::{b}"));
}

// ---------------------------------------------------------------------------------------------
// Lambda

fn lambda_fn_arg(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let f = c.function(app);
    j.kobj("requestParameters");
    j.kv("functionName", &f);
    j.close();
    j.knull("responseElements");
    let arn = c.function_arn(&f);
    c.set_err_res(&arn);
}

fn lambda_list_functions(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kv("functionVersion", "ALL");
    j.close();
    j.knull("responseElements");
}

fn lambda_update_config(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let f = c.function(app);
    let arn = c.function_arn(&f);
    j.kobj("requestParameters");
    j.kv("functionName", &f);
    j.kn("timeout", [30, 60, 120, 300][c.below(4) as usize]);
    j.kn("memorySize", [256, 512, 1024][c.below(3) as usize]);
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        j.kobj("responseElements");
        j.kv("functionName", &f);
        j.kv("functionArn", &arn);
        j.kv("runtime", c.pick(&["python3.13", "nodejs22.x", "java21"]));
        j.kv("role", &format!("arn:aws:iam::{}:role/{app}-lambda-exec", c.acct.id));
        j.kv("handler", "app.handler");
        j.kn("codeSize", 1_000_000 + c.below(30_000_000) as i64);
        j.kv("lastModified", &c.time.to_rfc3339_millis().replace('Z', "+0000"));
        j.kv("version", "$LATEST");
        j.kv("state", "Active");
        j.kv("lastUpdateStatus", "InProgress");
        j.kv("packageType", "Zip");
        j.karr("architectures");
        j.str("x86_64");
        j.close_arr();
        j.close();
    }
    c.set_err_res(&arn);
}

fn lambda_invoke(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let f = c.function(app);
    let arn = c.function_arn(&f);
    j.kobj("requestParameters");
    j.kv("functionName", &arn);
    j.kv(
        "sourceArn",
        &format!(
            "arn:aws:execute-api:{}:{}:{}/prod/POST/{app}",
            c.rname,
            c.acct.id,
            ids::lower_alnum_from_hash(c.w.rid(c.acct.index, c.region, 40, 0), 10)
        ),
    );
    j.close();
    j.knull("responseElements");
    j.kobj("additionalEventData");
    j.kv("functionVersion", &format!("{arn}:$LATEST"));
    j.close();
    c.resource("AWS::Lambda::Function", &arn);
    c.set_err_res(&arn);
}

// ---------------------------------------------------------------------------------------------
// DynamoDB, SQS, SNS, SSM, Secrets Manager

fn ddb_describe_table(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let t = c.table(app);
    j.kobj("requestParameters");
    j.kv("tableName", &t);
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:dynamodb:{}:{}:table/{t}", c.rname, c.acct.id);
    c.resource("AWS::DynamoDB::Table", &arn);
    c.set_err_res(&arn);
}

fn sqs_get_queue_attributes(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let q = c.queue(app);
    j.kobj("requestParameters");
    j.kv(
        "queueUrl",
        &format!("https://sqs.{}.amazonaws.com/{}/{q}", c.rname, c.acct.id),
    );
    j.karr("attributeNames");
    j.str("All");
    j.close_arr();
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:sqs:{}:{}:{q}", c.rname, c.acct.id);
    c.set_err_res(&arn);
}

fn sns_get_topic_attributes(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let arn = format!("arn:aws:sns:{}:{}:{app}-alerts", c.rname, c.acct.id);
    j.kobj("requestParameters");
    j.kv("topicArn", &arn);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&arn);
}

fn ssm_get_parameter(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let p = c.parameter(app);
    j.kobj("requestParameters");
    j.kv("name", &p);
    j.kb("withDecryption", p.contains("password") || c.chance(0.3));
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:ssm:{}:{}:parameter{p}", c.rname, c.acct.id);
    c.resource("", &arn);
    c.set_err_res(&arn);
}

fn ssm_get_parameters_by_path(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let path = format!("/{}/{app}/", c.acct.name);
    j.kobj("requestParameters");
    j.kv("path", &path);
    j.kb("recursive", true);
    j.kb("withDecryption", true);
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:ssm:{}:{}:parameter{path}", c.rname, c.acct.id);
    c.set_err_res(&arn);
}

fn ssm_describe_parameters(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    j.kobj("requestParameters");
    j.karr("parameterFilters");
    j.open();
    j.kv("key", "Path");
    j.kv("option", "Recursive");
    j.karr("values");
    j.str(&format!("/{}/{app}", c.acct.name));
    j.close_arr();
    j.close();
    j.close_arr();
    j.kn("maxResults", 50);
    j.close();
    j.knull("responseElements");
}

fn ssm_update_instance_information(c: &mut Ctx<'_>, j: &mut Json) {
    let i = c.args.first().cloned().unwrap_or_else(|| c.instance());
    let ip = ids::private_ipv4(ids::hash_str(&i));
    j.kobj("requestParameters");
    j.kv("instanceId", &i);
    j.kv("agentVersion", "3.3.2958.0");
    j.kv("agentStatus", "Active");
    j.kv("platformType", "Linux");
    j.kv("platformName", "Amazon Linux");
    j.kv("platformVersion", "2023");
    j.kv("iPAddress", &ip);
    j.kv(
        "computerName",
        &format!("ip-{}.{}.compute.internal", ip.replace('.', "-"), c.rname),
    );
    j.kv("agentName", "amazon-ssm-agent");
    j.kv("availabilityZone", &format!("{}a", c.rname));
    j.kv("availabilityZoneId", "use1-az4");
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:ec2:{}:{}:instance/{i}", c.rname, c.acct.id);
    c.set_err_res(&arn);
}

fn ssm_list_instance_associations(c: &mut Ctx<'_>, j: &mut Json) {
    let i = c.args.first().cloned().unwrap_or_else(|| c.instance());
    j.kobj("requestParameters");
    j.kv("instanceId", &i);
    j.kn("maxResults", 20);
    j.close();
    j.knull("responseElements");
}

fn secrets_get_value(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let (_, arn) = c.secret(app);
    j.kobj("requestParameters");
    j.kv("secretId", &arn);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&arn);
}

fn secrets_describe(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let (name, arn) = c.secret(app);
    j.kobj("requestParameters");
    j.kv("secretId", &name);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&arn);
}

fn secrets_list(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kn("maxResults", 100);
    j.close();
    j.knull("responseElements");
}

fn secrets_rotation_succeeded(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let (_, arn) = c.secret(app);
    j.knull("requestParameters");
    j.knull("responseElements");
    j.kobj("additionalEventData");
    j.kv("SecretId", &arn);
    j.close();
}

// ---------------------------------------------------------------------------------------------
// RDS, ECS, ECR, EKS, ELB, Auto Scaling

fn rds_describe_db_instances(c: &mut Ctx<'_>, j: &mut Json) {
    if c.chance(0.5) {
        let app = c.app();
        let db = c.db(app);
        j.kobj("requestParameters");
        j.kv("dBInstanceIdentifier", &db);
        j.close();
        c.set_err_res(&format!("arn:aws:rds:{}:{}:db:{db}", c.rname, c.acct.id));
    } else {
        j.kobj("requestParameters");
        j.kn("maxRecords", 100);
        j.close();
    }
    j.knull("responseElements");
}

fn rds_describe_snapshots(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let db = c.db(app);
    j.kobj("requestParameters");
    j.kv("dBInstanceIdentifier", &db);
    j.kv("snapshotType", "automated");
    j.kb("includeShared", false);
    j.kb("includePublic", false);
    j.close();
    j.knull("responseElements");
}

fn ecs_describe_services(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let cluster = c.cluster();
    j.kobj("requestParameters");
    j.kv("cluster", &cluster);
    j.karr("services");
    j.str(&format!("{app}-service"));
    j.close_arr();
    j.close();
    j.knull("responseElements");
}

fn ecs_list_tasks(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let cluster = c.cluster();
    j.kobj("requestParameters");
    j.kv("cluster", &cluster);
    j.kv("serviceName", &format!("{app}-service"));
    j.kv("desiredStatus", "RUNNING");
    j.close();
    j.knull("responseElements");
}

fn ecs_submit_task_state_change(c: &mut Ctx<'_>, j: &mut Json) {
    let cluster = c.cluster();
    let task = ids::hex_from_hash(c.w.rid(c.acct.index, c.region, kind::TASK, c.below(40)), 32);
    let task_arn = format!("arn:aws:ecs:{}:{}:task/{cluster}/{task}", c.rname, c.acct.id);
    j.kobj("requestParameters");
    j.kv(
        "cluster",
        &format!("arn:aws:ecs:{}:{}:cluster/{cluster}", c.rname, c.acct.id),
    );
    j.kv("task", &task_arn);
    j.kv("status", c.pick(&["RUNNING", "RUNNING", "STOPPED"]));
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        j.kobj("responseElements");
        j.kv("acknowledgment", "ACK");
        j.close();
    }
    c.set_err_res(&task_arn);
}

fn ecs_discover_poll_endpoint(c: &mut Ctx<'_>, j: &mut Json) {
    let cluster = c.cluster();
    let inst = ids::hex_from_hash(c.w.rid(c.acct.index, c.region, kind::TASK, 100 + c.below(6)), 32);
    j.kobj("requestParameters");
    j.kv(
        "containerInstance",
        &format!(
            "arn:aws:ecs:{}:{}:container-instance/{cluster}/{inst}",
            c.rname, c.acct.id
        ),
    );
    j.kv("cluster", &cluster);
    j.close();
    j.knull("responseElements");
}

fn ecr_get_authorization_token(_: &mut Ctx<'_>, j: &mut Json) {
    j.kempty("requestParameters");
    j.knull("responseElements");
}

fn ecr_batch_get_image(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let repo = format!("{app}-service");
    let digest = format!("sha256:{}{}", c.hex(32), c.hex(32));
    j.kobj("requestParameters");
    j.kv("registryId", &c.acct.id);
    j.kv("repositoryName", &repo);
    j.karr("imageIds");
    j.open();
    j.kv("imageDigest", &digest);
    j.close();
    j.close_arr();
    j.karr("acceptedMediaTypes");
    j.str("application/vnd.docker.distribution.manifest.v2+json");
    j.str("application/vnd.oci.image.manifest.v1+json");
    j.close_arr();
    j.close();
    j.knull("responseElements");
    let arn = format!("arn:aws:ecr:{}:{}:repository/{repo}", c.rname, c.acct.id);
    c.resource("AWS::ECR::Repository", &arn);
    c.set_err_res(&arn);
}

fn ecr_put_image(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let repo = format!("{app}-service");
    let tag = format!("{}-{}", c.hex(7), 100 + c.below(900));
    j.kobj("requestParameters");
    j.kv("repositoryName", &repo);
    j.kv("imageTag", &tag);
    j.kv("imageManifestMediaType", "application/vnd.oci.image.manifest.v1+json");
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        let digest = format!("sha256:{}{}", c.hex(32), c.hex(32));
        j.kobj("responseElements");
        j.kobj("image");
        j.kv("registryId", &c.acct.id);
        j.kv("repositoryName", &repo);
        j.kobj("imageId");
        j.kv("imageDigest", &digest);
        j.kv("imageTag", &tag);
        j.close();
        j.kv("imageManifestMediaType", "application/vnd.oci.image.manifest.v1+json");
        j.close();
        j.close();
    }
    let arn = format!("arn:aws:ecr:{}:{}:repository/{repo}", c.rname, c.acct.id);
    c.resource("AWS::ECR::Repository", &arn);
    c.set_err_res(&arn);
}

fn eks_describe_cluster(c: &mut Ctx<'_>, j: &mut Json) {
    let cluster = c.cluster();
    j.kobj("requestParameters");
    j.kv("name", &cluster);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&format!("arn:aws:eks:{}:{}:cluster/{cluster}", c.rname, c.acct.id));
}

fn elb_describe_target_health(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let tg = format!(
        "arn:aws:elasticloadbalancing:{}:{}:targetgroup/{app}-tg/{}",
        c.rname,
        c.acct.id,
        ids::hex_from_hash(c.w.rid(c.acct.index, c.region, 41, ids::hash_str(app)), 16)
    );
    j.kobj("requestParameters");
    j.kv("targetGroupArn", &tg);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&tg);
}

fn elb_describe_load_balancers(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kn("pageSize", 400);
    j.close();
    j.knull("responseElements");
}

fn asg_describe_groups(c: &mut Ctx<'_>, j: &mut Json) {
    if c.chance(0.5) {
        let app = c.app();
        j.kobj("requestParameters");
        j.karr("autoScalingGroupNames");
        j.str(&format!("{app}-asg"));
        j.close_arr();
        j.close();
    } else {
        j.kobj("requestParameters");
        j.kn("maxRecords", 100);
        j.close();
    }
    j.knull("responseElements");
}

fn asg_describe_activities(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    j.kobj("requestParameters");
    j.kv("autoScalingGroupName", &format!("{app}-asg"));
    j.kn("maxRecords", 20);
    j.close();
    j.knull("responseElements");
}

fn asg_set_desired(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    j.kobj("requestParameters");
    j.kv("autoScalingGroupName", &format!("{app}-asg"));
    j.kn("desiredCapacity", 2 + c.below(8) as i64);
    j.kb("honorCooldown", false);
    j.close();
    j.knull("responseElements");
}

fn elb_register_targets(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let tg = format!(
        "arn:aws:elasticloadbalancing:{}:{}:targetgroup/{app}-tg/{}",
        c.rname,
        c.acct.id,
        ids::hex_from_hash(c.w.rid(c.acct.index, c.region, 41, ids::hash_str(app)), 16)
    );
    let ip = ids::private_ipv4(c.rng.next_u64_compat());
    j.kobj("requestParameters");
    j.kv("targetGroupArn", &tg);
    j.karr("targets");
    j.open();
    j.kv("id", &ip);
    j.kn("port", 8080);
    j.close();
    j.close_arr();
    j.close();
    j.knull("responseElements");
    c.set_err_res(&tg);
}

// ---------------------------------------------------------------------------------------------
// CloudWatch, Logs, CloudFormation, Config, CloudTrail, GuardDuty, others

fn cw_get_metric_data(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let start = c.time.add_secs(-3 * 3600);
    j.kobj("requestParameters");
    j.karr("metricDataQueries");
    j.open();
    j.kv("id", "m1");
    j.kobj("metricStat");
    j.kobj("metric");
    j.kv(
        "namespace",
        c.pick(&["AWS/EC2", "AWS/Lambda", "AWS/ApplicationELB", "AWS/SQS"]),
    );
    j.kv(
        "metricName",
        c.pick(&[
            "CPUUtilization",
            "Invocations",
            "RequestCount",
            "ApproximateNumberOfMessagesVisible",
        ]),
    );
    j.karr("dimensions");
    j.open();
    j.kv("name", "app");
    j.kv("value", app);
    j.close();
    j.close_arr();
    j.close();
    j.kn("period", 60);
    j.kv("stat", "Average");
    j.close();
    j.kb("returnData", true);
    j.close();
    j.close_arr();
    j.kv("startTime", &start.to_rfc3339());
    j.kv("endTime", &c.time.to_rfc3339());
    j.close();
    j.knull("responseElements");
}

fn cw_describe_alarms(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    j.kobj("requestParameters");
    j.kv("alarmNamePrefix", &format!("{app}-"));
    j.kn("maxRecords", 100);
    j.close();
    j.knull("responseElements");
}

fn logs_describe_log_groups(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    j.kobj("requestParameters");
    j.kv("logGroupNamePrefix", &format!("/aws/lambda/{app}"));
    j.close();
    j.knull("responseElements");
}

fn logs_create_log_stream(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let f = c.function(app);
    let (y, m, d, ..) = c.time.to_civil();
    let group = format!("/aws/lambda/{f}");
    j.kobj("requestParameters");
    j.kv("logGroupName", &group);
    j.kv("logStreamName", &format!("{y:04}/{m:02}/{d:02}/[$LATEST]{}", c.hex(32)));
    j.close();
    j.knull("responseElements");
    c.set_err_res(&format!(
        "arn:aws:logs:{}:{}:log-group:{group}:log-stream:",
        c.rname, c.acct.id
    ));
}

fn logs_filter_log_events(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let start = c.time.add_secs(-3600).millis();
    j.kobj("requestParameters");
    j.kv("logGroupName", &format!("/ecs/{app}"));
    j.kn("startTime", start);
    j.kn("endTime", c.time.millis());
    j.kv(
        "filterPattern",
        c.pick(&["ERROR", "\"timeout\"", "{ $.level = \"error\" }"]),
    );
    j.kb("interleaved", true);
    j.close();
    j.knull("responseElements");
}

fn cfn_describe_stacks(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let s = c.stack(app);
    j.kobj("requestParameters");
    j.kv("stackName", &s);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&s);
}

fn cfn_describe_stack_events(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let s = c.stack(app);
    j.kobj("requestParameters");
    j.kv("stackName", &s);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&s);
}

fn cfn_create_change_set(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let s = c.stack(app);
    let cs = format!("deploy-{}", c.hex(12));
    let stack_id = format!(
        "arn:aws:cloudformation:{}:{}:stack/{s}/{}",
        c.rname,
        c.acct.id,
        ids::uuid_from_hash(ids::hash_str(&s) ^ c.acct.index as u64)
    );
    j.kobj("requestParameters");
    j.kv("stackName", &s);
    let object = c.hex(64);
    let qualifier = ids::lower_alnum_from_hash(ids::hash_str(&c.acct.id), 9);
    j.kv(
        "templateURL",
        &format!(
            "https://s3.{}.amazonaws.com/cdk-{qualifier}-assets-{}-{}/{object}.json",
            c.rname, c.acct.id, c.rname
        ),
    );
    j.karr("capabilities");
    j.str("CAPABILITY_IAM");
    j.str("CAPABILITY_NAMED_IAM");
    j.close_arr();
    j.kv("changeSetName", &cs);
    j.kv("changeSetType", "UPDATE");
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        let cs_id = c.uuid();
        j.kobj("responseElements");
        j.kv(
            "id",
            &format!(
                "arn:aws:cloudformation:{}:{}:changeSet/{cs}/{cs_id}",
                c.rname, c.acct.id
            ),
        );
        j.kv("stackId", &stack_id);
        j.close();
    }
    c.set_err_res(&stack_id);
}

fn config_put_evaluations(c: &mut Ctx<'_>, j: &mut Json) {
    let i = c.instance();
    j.kobj("requestParameters");
    j.karr("evaluations");
    j.open();
    j.kv("complianceResourceType", "AWS::EC2::Instance");
    j.kv("complianceResourceId", &i);
    j.kv("complianceType", c.pick(&["COMPLIANT", "COMPLIANT", "NON_COMPLIANT"]));
    j.kv("orderingTimestamp", &aws_date(c.time.add_secs(-60)));
    j.close();
    j.close_arr();
    j.kv("resultToken", &format!("eyJ{}", c.hex(120)));
    j.kb("testMode", false);
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        j.kobj("responseElements");
        j.karr("failedEvaluations");
        j.close_arr();
        j.close();
    }
}

fn config_describe_rules(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.karr("configRuleNames");
    j.close_arr();
    j.close();
    j.knull("responseElements");
}

fn cloudtrail_describe_trails(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kb("includeShadowTrails", c.chance(0.7));
    j.close();
    j.knull("responseElements");
}

fn cloudtrail_get_trail_status(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kv("name", &c.w.trail_arn);
    j.close();
    j.knull("responseElements");
    let arn = c.w.trail_arn.clone();
    c.set_err_res(&arn);
}

fn cloudtrail_lookup_events(c: &mut Ctx<'_>, j: &mut Json) {
    let start = c.time.add_secs(-86_400);
    j.kobj("requestParameters");
    j.kv("startTime", &aws_date(start));
    j.kv("endTime", &aws_date(c.time));
    j.kn("maxResults", 50);
    j.close();
    j.knull("responseElements");
}

fn guardduty_list_detectors(_: &mut Ctx<'_>, j: &mut Json) {
    j.kempty("requestParameters");
    j.knull("responseElements");
}

fn guardduty_list_findings(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kv(
        "detectorId",
        &ids::hex_from_hash(c.w.rid(c.acct.index, c.region, 42, 0), 32),
    );
    j.kobj("findingCriteria");
    j.kobj("criterion");
    j.kobj("service.archived");
    j.karr("eq");
    j.str("false");
    j.close_arr();
    j.close();
    j.close();
    j.close();
    j.kn("maxResults", 50);
    j.close();
    j.knull("responseElements");
}

fn route53_list_rrs(c: &mut Ctx<'_>, j: &mut Json) {
    let zone = format!(
        "Z{}",
        ids::upper_alnum_from_hash(c.w.rid(c.acct.index, 0, kind::ZONE, c.below(3)), 19)
    );
    j.kobj("requestParameters");
    j.kv("hostedZoneId", &zone);
    j.kv("maxItems", "300");
    j.close();
    j.knull("responseElements");
    c.set_err_res(&format!("arn:aws:route53:::hostedzone/{zone}"));
}

fn orgs_list_accounts(_: &mut Ctx<'_>, j: &mut Json) {
    req_null_resp_null_ctxless(j);
}

fn req_null_resp_null_ctxless(j: &mut Json) {
    j.knull("requestParameters");
    j.knull("responseElements");
}

fn orgs_describe_account(c: &mut Ctx<'_>, j: &mut Json) {
    let n = c.w.accounts.len() as u64;
    let a = c.w.accounts[c.below(n) as usize].id.clone();
    j.kobj("requestParameters");
    j.kv("accountId", &a);
    j.close();
    j.knull("responseElements");
}

fn health_describe_event_aggregates(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kv("aggregateField", "eventTypeCategory");
    j.kobj("filter");
    j.karr("eventStatusCodes");
    j.str("open");
    j.str("upcoming");
    j.close_arr();
    j.close();
    j.close();
    j.knull("responseElements");
}

fn states_start_execution(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let sm = format!("arn:aws:states:{}:{}:stateMachine:{app}-workflow", c.rname, c.acct.id);
    let name = c.uuid();
    j.kobj("requestParameters");
    j.kv("stateMachineArn", &sm);
    j.kv("name", &name);
    j.kv("input", "HIDDEN_DUE_TO_SECURITY_REASONS");
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        j.kobj("responseElements");
        j.kv(
            "executionArn",
            &format!(
                "arn:aws:states:{}:{}:execution:{app}-workflow:{name}",
                c.rname, c.acct.id
            ),
        );
        j.kv("startDate", &aws_date(c.time));
        j.close();
    }
    c.set_err_res(&sm);
}

fn athena_start_query(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    let b = c.bucket().name.clone();
    j.kobj("requestParameters");
    j.kv(
        "queryString",
        &format!(
            "SELECT date_trunc('hour', ts) AS hour, count(*) FROM {app}_events WHERE dt = '{}' GROUP BY 1 ORDER BY 1",
            c.time.to_rfc3339().get(..10).unwrap_or_default()
        ),
    );
    j.kv("clientRequestToken", &c.uuid());
    j.kobj("queryExecutionContext");
    j.kv("database", &format!("{app}_{}", c.acct.name.replace('-', "_")));
    j.close();
    j.kobj("resultConfiguration");
    j.kv("outputLocation", &format!("s3://{b}/athena-results/"));
    j.close();
    j.kv("workGroup", "primary");
    j.close();
    if c.failed {
        j.knull("responseElements");
    } else {
        j.kobj("responseElements");
        j.kv("queryExecutionId", &c.uuid());
        j.close();
    }
}

fn athena_get_query_execution(c: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kv("queryExecutionId", &c.uuid());
    j.close();
    j.knull("responseElements");
}

fn glue_get_table(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    j.kobj("requestParameters");
    j.kv("catalogId", &c.acct.id);
    j.kv("databaseName", &format!("{app}_{}", c.acct.name.replace('-', "_")));
    j.kv("name", &format!("{app}_events"));
    j.close();
    j.knull("responseElements");
}

fn acm_describe_certificate(c: &mut Ctx<'_>, j: &mut Json) {
    let cert = c.below(3);
    let arn = format!(
        "arn:aws:acm:{}:{}:certificate/{}",
        c.rname,
        c.acct.id,
        ids::uuid_from_hash(c.w.rid(c.acct.index, c.region, kind::CERT, cert))
    );
    j.kobj("requestParameters");
    j.kv("certificateArn", &arn);
    j.close();
    j.knull("responseElements");
    c.set_err_res(&arn);
}

fn events_list_rules(c: &mut Ctx<'_>, j: &mut Json) {
    let app = c.app();
    j.kobj("requestParameters");
    j.kv("namePrefix", app);
    j.kv("eventBusName", "default");
    j.close();
    j.knull("responseElements");
}

// ---------------------------------------------------------------------------------------------
// Sign-in and IAM Identity Center

/// A successful console sign-in with MFA by an IAM user (`args[0]` = user name).
fn signin_console_login_mfa(c: &mut Ctx<'_>, j: &mut Json) {
    let mfa = c
        .args
        .first()
        .map(|u| format!("arn:aws:iam::{}:mfa/{u}", c.acct.id))
        .unwrap_or_default();
    j.knull("requestParameters");
    j.kobj("responseElements");
    j.kv("ConsoleLogin", "Success");
    j.close();
    j.kobj("additionalEventData");
    j.kv(
        "LoginTo",
        &format!(
            "https://{}.console.aws.amazon.com/console/home?region={}&state=hashArgs%23&isauthcode=true",
            c.rname, c.rname
        ),
    );
    j.kv("MobileVersion", "No");
    j.kv("MFAIdentifier", &mfa);
    j.kv("MFAUsed", "Yes");
    j.close();
}

fn sso_get_role_credentials(c: &mut Ctx<'_>, j: &mut Json) {
    let (acct, role) = match c.args {
        [a, r, ..] => (a.clone(), r.clone()),
        _ => (c.acct.id.clone(), "ReadOnlyAccess".to_string()),
    };
    j.kobj("requestParameters");
    j.kv("roleName", &role);
    j.kv("accountId", &acct);
    j.close();
    j.knull("responseElements");
}

fn sso_list_accounts(_: &mut Ctx<'_>, j: &mut Json) {
    j.kobj("requestParameters");
    j.kn("maxResult", 100);
    j.close();
    j.knull("responseElements");
}

fn sso_list_account_roles(c: &mut Ctx<'_>, j: &mut Json) {
    let n = c.w.accounts.len() as u64;
    let a = c.w.accounts[c.below(n) as usize].id.clone();
    j.kobj("requestParameters");
    j.kv("accountId", &a);
    j.close();
    j.knull("responseElements");
}

fn signin_credential_challenge(c: &mut Ctx<'_>, j: &mut Json) {
    j.knull("requestParameters");
    j.knull("responseElements");
    j.kobj("additionalEventData");
    j.kv("AuthWorkflowID", &c.uuid());
    j.kv("CredentialType", "PASSWORD");
    j.close();
}

fn signin_credential_verification(c: &mut Ctx<'_>, j: &mut Json) {
    j.knull("requestParameters");
    j.knull("responseElements");
    j.kobj("additionalEventData");
    j.kv("AuthWorkflowID", &c.uuid());
    j.kv("CredentialType", "TOTP");
    j.close();
}

// ---------------------------------------------------------------------------------------------
// Error profiles

const E_STD: &[(Err, u32)] = &[(Err::Denied, 3), (Err::Throttle, 2)];
const E_DENY: &[(Err, u32)] = &[(Err::Denied, 1)];
const E_THROTTLE: &[(Err, u32)] = &[(Err::Throttle, 1)];
const E_EC2_INST: &[(Err, u32)] = &[
    (Err::Denied, 3),
    (Err::Throttle, 2),
    (
        Err::Fixed(
            "Client.InvalidInstanceID.NotFound",
            "The instance ID '{}' does not exist",
        ),
        2,
    ),
];
const E_IAM_ROLE: &[(Err, u32)] = &[
    (Err::Denied, 2),
    (
        Err::Fixed("NoSuchEntityException", "The role with name {} cannot be found."),
        3,
    ),
];
const E_IAM_USER: &[(Err, u32)] = &[
    (Err::Denied, 2),
    (
        Err::Fixed("NoSuchEntityException", "The user with name {} cannot be found."),
        1,
    ),
];
const E_S3_POLICY: &[(Err, u32)] = &[
    (Err::Denied, 1),
    (Err::Fixed("NoSuchBucketPolicy", "The bucket policy does not exist"), 8),
];
const E_S3_ENC: &[(Err, u32)] = &[
    (Err::Denied, 1),
    (
        Err::Fixed(
            "ServerSideEncryptionConfigurationNotFoundError",
            "The server side encryption configuration was not found",
        ),
        4,
    ),
];
const E_S3_TAGS: &[(Err, u32)] = &[
    (Err::Denied, 1),
    (Err::Fixed("NoSuchTagSet", "The TagSet does not exist"), 8),
];
const E_S3_PAB: &[(Err, u32)] = &[
    (Err::Denied, 1),
    (
        Err::Fixed(
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
        ),
        6,
    ),
];
const E_S3_OBJ: &[(Err, u32)] = &[
    (Err::Denied, 2),
    (Err::Fixed("NoSuchKey", "The specified key does not exist."), 5),
];
const E_SECRET: &[(Err, u32)] = &[
    (Err::Denied, 2),
    (
        Err::Fixed(
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.",
        ),
        2,
    ),
];
const E_SSM_PARAM: &[(Err, u32)] = &[
    (Err::Denied, 2),
    (Err::Throttle, 3),
    (Err::Fixed("ParameterNotFound", "Parameter {} not found."), 3),
];
const E_LAMBDA_FN: &[(Err, u32)] = &[
    (Err::Denied, 2),
    (Err::Fixed("ResourceNotFoundException", "Function not found: {}"), 2),
];
const E_DDB: &[(Err, u32)] = &[
    (Err::Denied, 2),
    (
        Err::Fixed(
            "ResourceNotFoundException",
            "Requested resource not found: Table: {} not found",
        ),
        1,
    ),
];
const E_CFN: &[(Err, u32)] = &[
    (Err::Denied, 1),
    (Err::Throttle, 1),
    (Err::Fixed("ValidationError", "Stack with id {} does not exist"), 4),
];
const E_NONE: &[(Err, u32)] = &[];

// ---------------------------------------------------------------------------------------------
// The catalog

macro_rules! apis {
    ($($id:ident = $e:expr;)*) => {
        $(pub(crate) static $id: Api = $e;)*
    };
}

apis! {
    EC2_DESCRIBE_INSTANCES = api("ec2.amazonaws.com", "DescribeInstances", "ec2:DescribeInstances", true, "1.10", ec2_describe_instances).errs(450, E_EC2_INST);
    EC2_DESCRIBE_INSTANCE_STATUS = api("ec2.amazonaws.com", "DescribeInstanceStatus", "ec2:DescribeInstanceStatus", true, "1.10", ec2_describe_instance_status);
    EC2_DESCRIBE_SGS = api("ec2.amazonaws.com", "DescribeSecurityGroups", "ec2:DescribeSecurityGroups", true, "1.10", ec2_describe_sgs);
    EC2_DESCRIBE_VPCS = api("ec2.amazonaws.com", "DescribeVpcs", "ec2:DescribeVpcs", true, "1.10", ec2_describe_vpcs);
    EC2_DESCRIBE_SUBNETS = api("ec2.amazonaws.com", "DescribeSubnets", "ec2:DescribeSubnets", true, "1.10", ec2_describe_subnets);
    EC2_DESCRIBE_VOLUMES = api("ec2.amazonaws.com", "DescribeVolumes", "ec2:DescribeVolumes", true, "1.10", ec2_describe_volumes);
    EC2_DESCRIBE_SNAPSHOTS = api("ec2.amazonaws.com", "DescribeSnapshots", "ec2:DescribeSnapshots", true, "1.10", ec2_describe_snapshots);
    EC2_DESCRIBE_IMAGES = api("ec2.amazonaws.com", "DescribeImages", "ec2:DescribeImages", true, "1.10", ec2_describe_images);
    EC2_DESCRIBE_ROUTE_TABLES = api("ec2.amazonaws.com", "DescribeRouteTables", "ec2:DescribeRouteTables", true, "1.10", ec2_describe_route_tables);
    EC2_DESCRIBE_NICS = api("ec2.amazonaws.com", "DescribeNetworkInterfaces", "ec2:DescribeNetworkInterfaces", true, "1.10", ec2_describe_nics);
    EC2_DESCRIBE_AZS = api("ec2.amazonaws.com", "DescribeAvailabilityZones", "ec2:DescribeAvailabilityZones", true, "1.10", ec2_describe_azs).errs(112, E_THROTTLE);
    EC2_DESCRIBE_TAGS = api("ec2.amazonaws.com", "DescribeTags", "ec2:DescribeTags", true, "1.10", ec2_describe_tags);
    EC2_DESCRIBE_LAUNCH_TEMPLATES = api("ec2.amazonaws.com", "DescribeLaunchTemplates", "ec2:DescribeLaunchTemplates", true, "1.10", ec2_describe_launch_templates);
    EC2_CREATE_TAGS = api("ec2.amazonaws.com", "CreateTags", "ec2:CreateTags", false, "1.10", ec2_create_tags).errs(562, E_EC2_INST);
    EC2_START_INSTANCES = api("ec2.amazonaws.com", "StartInstances", "ec2:StartInstances", false, "1.10", ec2_start).errs(750, E_EC2_INST);
    EC2_STOP_INSTANCES = api("ec2.amazonaws.com", "StopInstances", "ec2:StopInstances", false, "1.10", ec2_stop).errs(750, E_EC2_INST);
    EC2_TERMINATE_INSTANCES = api("ec2.amazonaws.com", "TerminateInstances", "ec2:TerminateInstances", false, "1.10", ec2_terminate).errs(375, E_EC2_INST);
    EC2_RUN_INSTANCES = api("ec2.amazonaws.com", "RunInstances", "ec2:RunInstances", false, "1.10", ec2_run_instances).errs(1125, E_STD);
    EC2_CREATE_SNAPSHOT = api("ec2.amazonaws.com", "CreateSnapshot", "ec2:CreateSnapshot", false, "1.10", ec2_create_snapshot).errs(375, E_STD);

    S3_LIST_BUCKETS = api("s3.amazonaws.com", "ListBuckets", "s3:ListAllMyBuckets", true, "1.10", s3_list_buckets).s3().errs(300, E_DENY);
    S3_GET_BUCKET_ACL = api("s3.amazonaws.com", "GetBucketAcl", "s3:GetBucketAcl", true, "1.10", s3_get_bucket_acl).s3().errs(300, E_DENY);
    S3_GET_BUCKET_LOCATION = api("s3.amazonaws.com", "GetBucketLocation", "s3:GetBucketLocation", true, "1.10", s3_get_bucket_location).s3().errs(187, E_DENY);
    S3_GET_BUCKET_POLICY = api("s3.amazonaws.com", "GetBucketPolicy", "s3:GetBucketPolicy", true, "1.10", s3_get_bucket_policy).s3().errs(2500, E_S3_POLICY);
    S3_GET_BUCKET_VERSIONING = api("s3.amazonaws.com", "GetBucketVersioning", "s3:GetBucketVersioning", true, "1.10", s3_get_bucket_versioning).s3().errs(187, E_DENY);
    S3_GET_BUCKET_ENCRYPTION = api("s3.amazonaws.com", "GetBucketEncryption", "s3:GetEncryptionConfiguration", true, "1.10", s3_get_bucket_encryption).s3().errs(1125, E_S3_ENC);
    S3_GET_BUCKET_TAGGING = api("s3.amazonaws.com", "GetBucketTagging", "s3:GetBucketTagging", true, "1.10", s3_get_bucket_tagging).s3().errs(2500, E_S3_TAGS);
    S3_GET_PAB = api("s3.amazonaws.com", "GetBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock", true, "1.10", s3_get_pab).s3().errs(1500, E_S3_PAB);
    S3_GET_BUCKET_LOGGING = api("s3.amazonaws.com", "GetBucketLogging", "s3:GetBucketLogging", true, "1.10", s3_get_bucket_logging).s3().errs(187, E_DENY);
    S3_HEAD_BUCKET = api("s3.amazonaws.com", "HeadBucket", "s3:ListBucket", true, "1.10", s3_head_bucket).s3().errs(300, E_DENY);
    S3_PUT_BUCKET_TAGGING = api("s3.amazonaws.com", "PutBucketTagging", "s3:PutBucketTagging", false, "1.10", s3_put_bucket_tagging).s3().errs(375, E_DENY);
    S3_GET_OBJECT = api("s3.amazonaws.com", "GetObject", "s3:GetObject", true, "1.10", s3_get_object).s3().data().errs(937, E_S3_OBJ);
    S3_PUT_OBJECT = api("s3.amazonaws.com", "PutObject", "s3:PutObject", false, "1.10", s3_put_object).s3().data().errs(225, E_DENY);

    IAM_GET_USER = api("iam.amazonaws.com", "GetUser", "iam:GetUser", true, "1.09", iam_get_user).global("iam.amazonaws.com").errs(562, E_IAM_USER);
    IAM_LIST_USERS = api("iam.amazonaws.com", "ListUsers", "iam:ListUsers", true, "1.09", iam_list_paged).global("iam.amazonaws.com").errs(375, E_DENY);
    IAM_GET_ROLE = api("iam.amazonaws.com", "GetRole", "iam:GetRole", true, "1.09", iam_role_arg).global("iam.amazonaws.com").errs(937, E_IAM_ROLE);
    IAM_LIST_ROLES = api("iam.amazonaws.com", "ListRoles", "iam:ListRoles", true, "1.09", iam_list_paged).global("iam.amazonaws.com").errs(375, E_DENY);
    IAM_LIST_ATTACHED_ROLE_POLICIES = api("iam.amazonaws.com", "ListAttachedRolePolicies", "iam:ListAttachedRolePolicies", true, "1.09", iam_role_arg).global("iam.amazonaws.com").errs(562, E_IAM_ROLE);
    IAM_LIST_ROLE_POLICIES = api("iam.amazonaws.com", "ListRolePolicies", "iam:ListRolePolicies", true, "1.09", iam_role_arg).global("iam.amazonaws.com").errs(562, E_IAM_ROLE);
    IAM_GET_POLICY = api("iam.amazonaws.com", "GetPolicy", "iam:GetPolicy", true, "1.09", iam_get_policy).global("iam.amazonaws.com").errs(375, E_DENY);
    IAM_GET_POLICY_VERSION = api("iam.amazonaws.com", "GetPolicyVersion", "iam:GetPolicyVersion", true, "1.09", iam_get_policy_version).global("iam.amazonaws.com").errs(375, E_DENY);
    IAM_LIST_ACCESS_KEYS = api("iam.amazonaws.com", "ListAccessKeys", "iam:ListAccessKeys", true, "1.09", iam_user_arg).global("iam.amazonaws.com").errs(375, E_IAM_USER);
    IAM_GET_ACCOUNT_SUMMARY = api("iam.amazonaws.com", "GetAccountSummary", "iam:GetAccountSummary", true, "1.09", req_null_resp_null).global("iam.amazonaws.com").errs(300, E_DENY);
    IAM_LIST_MFA_DEVICES = api("iam.amazonaws.com", "ListMFADevices", "iam:ListMFADevices", true, "1.09", iam_user_arg).global("iam.amazonaws.com").errs(300, E_IAM_USER);
    IAM_TAG_ROLE = api("iam.amazonaws.com", "TagRole", "iam:TagRole", false, "1.09", iam_tag_role).global("iam.amazonaws.com").errs(375, E_IAM_ROLE);

    STS_GET_CALLER_IDENTITY = api("sts.amazonaws.com", "GetCallerIdentity", "sts:GetCallerIdentity", true, "1.08", req_null_resp_null).errs(0, E_NONE);
    STS_ASSUME_ROLE = api("sts.amazonaws.com", "AssumeRole", "sts:AssumeRole", true, "1.08", sts_assume_role).errs(300, E_DENY);
    STS_ASSUME_ROLE_GLOBAL = api("sts.amazonaws.com", "AssumeRole", "sts:AssumeRole", true, "1.08", sts_assume_role).global("sts.amazonaws.com").errs(300, E_DENY);
    STS_ASSUME_ROLE_WEB_IDENTITY = api("sts.amazonaws.com", "AssumeRoleWithWebIdentity", "sts:AssumeRoleWithWebIdentity", true, "1.08", sts_assume_role_web_identity).errs(150, E_DENY);

    KMS_DECRYPT = api("kms.amazonaws.com", "Decrypt", "kms:Decrypt", true, "1.11", kms_decrypt).errs(450, E_STD);
    KMS_GENERATE_DATA_KEY = api("kms.amazonaws.com", "GenerateDataKey", "kms:GenerateDataKey", true, "1.11", kms_generate_data_key).errs(450, E_STD);
    KMS_ENCRYPT = api("kms.amazonaws.com", "Encrypt", "kms:Encrypt", true, "1.11", kms_encrypt).errs(225, E_STD);
    KMS_DESCRIBE_KEY = api("kms.amazonaws.com", "DescribeKey", "kms:DescribeKey", true, "1.11", kms_describe_key).errs(225, E_DENY);
    KMS_LIST_ALIASES = api("kms.amazonaws.com", "ListAliases", "kms:ListAliases", true, "1.11", req_null_resp_null).errs(112, E_THROTTLE);
    KMS_ROTATE_KEY = api("kms.amazonaws.com", "RotateKey", "kms:RotateKey", false, "1.11", kms_rotate_key).service_event().errs(0, E_NONE);
    KMS_TRAIL_DATA_KEY = api("kms.amazonaws.com", "GenerateDataKey", "kms:GenerateDataKey", true, "1.11", kms_trail_data_key).mgmt_home().errs(0, E_NONE);
    S3_TRAIL_ACL = api("s3.amazonaws.com", "GetBucketAcl", "s3:GetBucketAcl", true, "1.10", s3_trail_bucket_acl).s3().mgmt_home().errs(0, E_NONE);

    LAMBDA_LIST_FUNCTIONS = api("lambda.amazonaws.com", "ListFunctions20150331", "lambda:ListFunctions", true, "1.08", lambda_list_functions).api_version("2015-03-31").errs(300, E_STD);
    LAMBDA_GET_FUNCTION = api("lambda.amazonaws.com", "GetFunction20150331v2", "lambda:GetFunction", true, "1.08", lambda_fn_arg).api_version("2015-03-31").errs(562, E_LAMBDA_FN);
    LAMBDA_GET_FUNCTION_CONFIGURATION = api("lambda.amazonaws.com", "GetFunctionConfiguration20150331v2", "lambda:GetFunctionConfiguration", true, "1.08", lambda_fn_arg).api_version("2015-03-31").errs(562, E_LAMBDA_FN);
    LAMBDA_UPDATE_FUNCTION_CONFIGURATION = api("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", "lambda:UpdateFunctionConfiguration", false, "1.08", lambda_update_config).api_version("2015-03-31").errs(562, E_LAMBDA_FN);
    LAMBDA_INVOKE = api("lambda.amazonaws.com", "Invoke", "lambda:InvokeFunction", false, "1.08", lambda_invoke).data().errs(300, E_THROTTLE);

    DDB_DESCRIBE_TABLE = api("dynamodb.amazonaws.com", "DescribeTable", "dynamodb:DescribeTable", true, "1.08", ddb_describe_table).errs(600, E_DDB);
    DDB_LIST_TABLES = api("dynamodb.amazonaws.com", "ListTables", "dynamodb:ListTables", true, "1.08", req_empty_resp_null).errs(150, E_DENY);
    SQS_GET_QUEUE_ATTRIBUTES = api("sqs.amazonaws.com", "GetQueueAttributes", "sqs:GetQueueAttributes", true, "1.09", sqs_get_queue_attributes).errs(450, E_STD);
    SQS_LIST_QUEUES = api("sqs.amazonaws.com", "ListQueues", "sqs:ListQueues", true, "1.09", req_empty_resp_null).errs(150, E_DENY);
    SNS_GET_TOPIC_ATTRIBUTES = api("sns.amazonaws.com", "GetTopicAttributes", "sns:GetTopicAttributes", true, "1.09", sns_get_topic_attributes).errs(225, E_STD);
    SNS_LIST_TOPICS = api("sns.amazonaws.com", "ListTopics", "sns:ListTopics", true, "1.09", req_null_resp_null).errs(150, E_DENY);
    SSM_GET_PARAMETER = api("ssm.amazonaws.com", "GetParameter", "ssm:GetParameter", true, "1.08", ssm_get_parameter).errs(900, E_SSM_PARAM);
    SSM_GET_PARAMETERS_BY_PATH = api("ssm.amazonaws.com", "GetParametersByPath", "ssm:GetParametersByPath", true, "1.08", ssm_get_parameters_by_path).errs(300, E_STD);
    SSM_DESCRIBE_PARAMETERS = api("ssm.amazonaws.com", "DescribeParameters", "ssm:DescribeParameters", true, "1.08", ssm_describe_parameters).errs(562, E_STD);
    SSM_UPDATE_INSTANCE_INFORMATION = api("ssm.amazonaws.com", "UpdateInstanceInformation", "ssm:UpdateInstanceInformation", false, "1.08", ssm_update_instance_information).errs(150, E_THROTTLE);
    SSM_LIST_INSTANCE_ASSOCIATIONS = api("ssm.amazonaws.com", "ListInstanceAssociations", "ssm:ListInstanceAssociations", true, "1.08", ssm_list_instance_associations).errs(150, E_THROTTLE);
    SECRETS_GET_SECRET_VALUE = api("secretsmanager.amazonaws.com", "GetSecretValue", "secretsmanager:GetSecretValue", true, "1.09", secrets_get_value).errs(375, E_SECRET);
    SECRETS_DESCRIBE_SECRET = api("secretsmanager.amazonaws.com", "DescribeSecret", "secretsmanager:DescribeSecret", true, "1.09", secrets_describe).errs(375, E_SECRET);
    SECRETS_LIST_SECRETS = api("secretsmanager.amazonaws.com", "ListSecrets", "secretsmanager:ListSecrets", true, "1.09", secrets_list).errs(225, E_DENY);
    SECRETS_ROTATION_SUCCEEDED = api("secretsmanager.amazonaws.com", "RotationSucceeded", "secretsmanager:RotateSecret", false, "1.09", secrets_rotation_succeeded).service_event().errs(0, E_NONE);

    RDS_DESCRIBE_DB_INSTANCES = api("rds.amazonaws.com", "DescribeDBInstances", "rds:DescribeDBInstances", true, "1.10", rds_describe_db_instances).errs(300, E_STD);
    RDS_DESCRIBE_DB_SNAPSHOTS = api("rds.amazonaws.com", "DescribeDBSnapshots", "rds:DescribeDBSnapshots", true, "1.10", rds_describe_snapshots).errs(300, E_STD);
    ECS_DESCRIBE_SERVICES = api("ecs.amazonaws.com", "DescribeServices", "ecs:DescribeServices", true, "1.09", ecs_describe_services).errs(225, E_STD);
    ECS_LIST_TASKS = api("ecs.amazonaws.com", "ListTasks", "ecs:ListTasks", true, "1.09", ecs_list_tasks).errs(225, E_STD);
    ECS_SUBMIT_TASK_STATE_CHANGE = api("ecs.amazonaws.com", "SubmitTaskStateChange", "ecs:SubmitTaskStateChange", false, "1.09", ecs_submit_task_state_change).errs(112, E_THROTTLE);
    ECS_DISCOVER_POLL_ENDPOINT = api("ecs.amazonaws.com", "DiscoverPollEndpoint", "ecs:DiscoverPollEndpoint", true, "1.09", ecs_discover_poll_endpoint).errs(75, E_THROTTLE);
    ECR_GET_AUTHORIZATION_TOKEN = api("ecr.amazonaws.com", "GetAuthorizationToken", "ecr:GetAuthorizationToken", true, "1.08", ecr_get_authorization_token).errs(112, E_DENY);
    ECR_BATCH_GET_IMAGE = api("ecr.amazonaws.com", "BatchGetImage", "ecr:BatchGetImage", true, "1.08", ecr_batch_get_image).errs(225, E_STD);
    ECR_PUT_IMAGE = api("ecr.amazonaws.com", "PutImage", "ecr:PutImage", false, "1.08", ecr_put_image).errs(375, E_STD);
    EKS_DESCRIBE_CLUSTER = api("eks.amazonaws.com", "DescribeCluster", "eks:DescribeCluster", true, "1.09", eks_describe_cluster).errs(225, E_STD);
    ELB_DESCRIBE_TARGET_HEALTH = api("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth", "elasticloadbalancing:DescribeTargetHealth", true, "1.09", elb_describe_target_health).errs(300, E_STD);
    ELB_DESCRIBE_LOAD_BALANCERS = api("elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancers", true, "1.09", elb_describe_load_balancers).errs(225, E_STD);
    ELB_REGISTER_TARGETS = api("elasticloadbalancing.amazonaws.com", "RegisterTargets", "elasticloadbalancing:RegisterTargets", false, "1.09", elb_register_targets).errs(112, E_THROTTLE);
    ASG_DESCRIBE_GROUPS = api("autoscaling.amazonaws.com", "DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingGroups", true, "1.09", asg_describe_groups).errs(225, E_STD);
    ASG_DESCRIBE_ACTIVITIES = api("autoscaling.amazonaws.com", "DescribeScalingActivities", "autoscaling:DescribeScalingActivities", true, "1.09", asg_describe_activities).errs(225, E_STD);
    ASG_SET_DESIRED_CAPACITY = api("autoscaling.amazonaws.com", "SetDesiredCapacity", "autoscaling:SetDesiredCapacity", false, "1.09", asg_set_desired).errs(300, E_STD);

    CW_GET_METRIC_DATA = api("monitoring.amazonaws.com", "GetMetricData", "cloudwatch:GetMetricData", true, "1.09", cw_get_metric_data).errs(225, E_THROTTLE);
    CW_DESCRIBE_ALARMS = api("monitoring.amazonaws.com", "DescribeAlarms", "cloudwatch:DescribeAlarms", true, "1.09", cw_describe_alarms).errs(225, E_STD);
    LOGS_DESCRIBE_LOG_GROUPS = api("logs.amazonaws.com", "DescribeLogGroups", "logs:DescribeLogGroups", true, "1.11", logs_describe_log_groups).errs(225, E_STD);
    LOGS_CREATE_LOG_STREAM = api("logs.amazonaws.com", "CreateLogStream", "logs:CreateLogStream", false, "1.11", logs_create_log_stream).errs(112, E_THROTTLE);
    LOGS_FILTER_LOG_EVENTS = api("logs.amazonaws.com", "FilterLogEvents", "logs:FilterLogEvents", true, "1.11", logs_filter_log_events).errs(225, E_STD);
    CFN_DESCRIBE_STACKS = api("cloudformation.amazonaws.com", "DescribeStacks", "cloudformation:DescribeStacks", true, "1.09", cfn_describe_stacks).errs(750, E_CFN);
    CFN_DESCRIBE_STACK_EVENTS = api("cloudformation.amazonaws.com", "DescribeStackEvents", "cloudformation:DescribeStackEvents", true, "1.09", cfn_describe_stack_events).errs(375, E_CFN);
    CFN_CREATE_CHANGE_SET = api("cloudformation.amazonaws.com", "CreateChangeSet", "cloudformation:CreateChangeSet", false, "1.09", cfn_create_change_set).errs(750, E_CFN);
    CONFIG_PUT_EVALUATIONS = api("config.amazonaws.com", "PutEvaluations", "config:PutEvaluations", false, "1.09", config_put_evaluations).errs(75, E_THROTTLE);
    CONFIG_DESCRIBE_RULES = api("config.amazonaws.com", "DescribeConfigRules", "config:DescribeConfigRules", true, "1.09", config_describe_rules).errs(150, E_STD);
    CLOUDTRAIL_DESCRIBE_TRAILS = api("cloudtrail.amazonaws.com", "DescribeTrails", "cloudtrail:DescribeTrails", true, "1.10", cloudtrail_describe_trails).errs(150, E_DENY);
    CLOUDTRAIL_GET_TRAIL_STATUS = api("cloudtrail.amazonaws.com", "GetTrailStatus", "cloudtrail:GetTrailStatus", true, "1.10", cloudtrail_get_trail_status).errs(150, E_DENY);
    CLOUDTRAIL_LOOKUP_EVENTS = api("cloudtrail.amazonaws.com", "LookupEvents", "cloudtrail:LookupEvents", true, "1.10", cloudtrail_lookup_events).errs(225, E_THROTTLE);
    GUARDDUTY_LIST_DETECTORS = api("guardduty.amazonaws.com", "ListDetectors", "guardduty:ListDetectors", true, "1.08", guardduty_list_detectors).errs(150, E_DENY);
    GUARDDUTY_LIST_FINDINGS = api("guardduty.amazonaws.com", "ListFindings", "guardduty:ListFindings", true, "1.08", guardduty_list_findings).errs(150, E_DENY);
    ROUTE53_LIST_RRS = api("route53.amazonaws.com", "ListResourceRecordSets", "route53:ListResourceRecordSets", true, "1.08", route53_list_rrs).global("route53.amazonaws.com").api_version("2013-04-01").errs(225, E_STD);
    ROUTE53_LIST_HOSTED_ZONES = api("route53.amazonaws.com", "ListHostedZones", "route53:ListHostedZones", true, "1.08", req_null_resp_null).global("route53.amazonaws.com").api_version("2013-04-01").errs(150, E_THROTTLE);
    ORGS_LIST_ACCOUNTS = api("organizations.amazonaws.com", "ListAccounts", "organizations:ListAccounts", true, "1.09", orgs_list_accounts).global("organizations.us-east-1.amazonaws.com").errs(150, E_THROTTLE);
    ORGS_DESCRIBE_ACCOUNT = api("organizations.amazonaws.com", "DescribeAccount", "organizations:DescribeAccount", true, "1.09", orgs_describe_account).global("organizations.us-east-1.amazonaws.com").errs(150, E_THROTTLE);
    ORGS_DESCRIBE_ORGANIZATION = api("organizations.amazonaws.com", "DescribeOrganization", "organizations:DescribeOrganization", true, "1.09", req_null_resp_null).global("organizations.us-east-1.amazonaws.com").errs(150, E_THROTTLE);
    HEALTH_DESCRIBE_EVENT_AGGREGATES = api("health.amazonaws.com", "DescribeEventAggregates", "health:DescribeEventAggregates", true, "1.08", health_describe_event_aggregates).global("health.us-east-1.amazonaws.com").errs(75, E_THROTTLE);
    STATES_START_EXECUTION = api("states.amazonaws.com", "StartExecution", "states:StartExecution", false, "1.09", states_start_execution).errs(150, E_THROTTLE);
    ATHENA_START_QUERY = api("athena.amazonaws.com", "StartQueryExecution", "athena:StartQueryExecution", false, "1.08", athena_start_query).errs(300, E_STD);
    ATHENA_GET_QUERY_EXECUTION = api("athena.amazonaws.com", "GetQueryExecution", "athena:GetQueryExecution", true, "1.08", athena_get_query_execution).errs(150, E_THROTTLE);
    GLUE_GET_TABLE = api("glue.amazonaws.com", "GetTable", "glue:GetTable", true, "1.08", glue_get_table).errs(225, E_STD);
    ACM_DESCRIBE_CERTIFICATE = api("acm.amazonaws.com", "DescribeCertificate", "acm:DescribeCertificate", true, "1.10", acm_describe_certificate).errs(150, E_STD);
    EVENTS_LIST_RULES = api("events.amazonaws.com", "ListRules", "events:ListRules", true, "1.08", events_list_rules).errs(150, E_STD);

    SIGNIN_CONSOLE_LOGIN = Api { event_type: EvType::SignIn, req_id: ReqId::None, ..api("signin.amazonaws.com", "ConsoleLogin", "signin:ConsoleLogin", false, "1.11", signin_console_login_mfa).global("signin.aws.amazon.com").errs(0, E_NONE) };
    SSO_GET_ROLE_CREDENTIALS = api("sso.amazonaws.com", "GetRoleCredentials", "sso:GetRoleCredentials", true, "1.09", sso_get_role_credentials).mgmt_home().host(Host::SsoPortal).errs(0, E_NONE);
    SSO_LIST_ACCOUNTS = api("sso.amazonaws.com", "ListAccounts", "sso:ListAccounts", true, "1.09", sso_list_accounts).mgmt_home().host(Host::SsoPortal).errs(0, E_NONE);
    SSO_LIST_ACCOUNT_ROLES = api("sso.amazonaws.com", "ListAccountRoles", "sso:ListAccountRoles", true, "1.09", sso_list_account_roles).mgmt_home().host(Host::SsoPortal).errs(0, E_NONE);
    SIGNIN_CREDENTIAL_CHALLENGE = Api { req_id: ReqId::None, ..api("signin.amazonaws.com", "CredentialChallenge", "signin:CredentialChallenge", false, "1.11", signin_credential_challenge).mgmt_home().service_event().errs(0, E_NONE) };
    SIGNIN_CREDENTIAL_VERIFICATION = Api { req_id: ReqId::None, ..api("signin.amazonaws.com", "CredentialVerification", "signin:CredentialVerification", false, "1.11", signin_credential_verification).mgmt_home().service_event().errs(0, E_NONE) };
}

/// Draws from a `rand` generator through the `RngCore` trait (keeps call sites short).
trait NextU64 {
    fn next_u64_compat(&mut self) -> u64;
}

impl<R: rand::RngCore> NextU64 for R {
    fn next_u64_compat(&mut self) -> u64 {
        self.next_u64()
    }
}
