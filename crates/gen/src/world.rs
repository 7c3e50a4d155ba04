//! The synthetic organization: accounts, principals, their keys and addresses, the trail.
//!
//! Everything here is derived from the seed and the configuration, once, before any record is
//! written. Per-record values (session keys, resource ids) are hashes of stable paths, so
//! they need no state and are the same in every unit that mentions them.

use trailguard_model::time::Timestamp;

use crate::config::{GenConfig, GenError};
use crate::ids::{self, hash, hash_str, tag};

/// Company names (the organization's e-mail domain, bucket and resource names).
const COMPANIES: &[&str] = &[
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "wonka",
    "soylent",
    "vandelay",
    "aperture",
    "nakatomi",
    "oscorp",
    "massive",
];

/// Account names, management first.
const ACCOUNT_NAMES: &[&str] = &[
    "management",
    "prod",
    "security",
    "staging",
    "dev",
    "data",
    "shared-services",
    "network",
    "sandbox",
    "log-archive",
];

/// Application names (roles, functions, tables, queues, buckets).
pub(crate) const APPS: &[&str] = &[
    "payments",
    "orders",
    "checkout",
    "inventory",
    "catalog",
    "search",
    "auth",
    "billing",
    "notifications",
    "reporting",
    "ingest",
    "analytics",
    "users",
    "media",
    "pricing",
    "shipping",
];

const FIRST_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia",
    "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin", "zoe", "arjun", "mei", "lars", "fatima",
    "kenji", "sofia", "diego", "amara", "noah", "ingrid", "tomas",
];

const LAST_NAMES: &[&str] = &[
    "smith", "jones", "garcia", "chen", "patel", "muller", "kim", "nguyen", "rossi", "silva", "novak", "cohen",
    "haddad", "ito", "olsen", "dubois", "kowalski", "okafor", "larsen", "mendes",
];

/// Identity Center permission sets.
pub(crate) const PERMISSION_SETS: &[&str] = &[
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "DeveloperAccess",
];

/// User agents of command-line and SDK clients used by people and CI.
const CLI_AGENTS: &[&str] = &[
    "aws-cli/2.31.12 md/awscrt#0.27.6 ua/2.1 os/linux#6.8.0-1024-aws md/arch#x86_64 lang/python#3.13.7 md/pyimpl#CPython m/E,b cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off",
    "aws-cli/2.30.6 md/awscrt#0.27.6 ua/2.1 os/macos#24.6.0 md/arch#arm64 lang/python#3.13.7 md/pyimpl#CPython m/E,b cfg/retry-mode#standard md/installer#source md/prompt#off",
    "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off",
    "aws-cli/1.36.4 Python/3.12.3 Linux/6.8.0-48-generic botocore/1.35.63",
    "Boto3/1.35.63 md/Botocore#1.35.63 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.63",
];

const CI_AGENTS: &[&str] = &[
    "APN/1.0 HashiCorp/1.0 Terraform/1.13.3 (+https://www.terraform.io) terraform-provider-aws/6.15.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.24.6 md/GOOS#linux md/GOARCH#amd64 m/E,g,z",
    "aws-cli/2.31.12 md/awscrt#0.27.6 ua/2.1 os/linux#6.11.0-1018-azure md/arch#x86_64 lang/python#3.13.7 md/pyimpl#CPython m/E,b cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#ci",
    "aws-sdk-js/3.908.0 ua/2.1 os/linux#6.11.0-1018-azure lang/js md/nodejs#22.20.0 api/cloudformation#3.908.0 m/E,N",
];

const APP_AGENTS: &[&str] = &[
    "Boto3/1.40.55 md/Botocore#1.40.55 ua/2.1 os/linux#6.1.147-172.266.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.11 md/pyimpl#CPython m/Z,b,D cfg/retry-mode#legacy Botocore/1.40.55",
    "aws-sdk-java/2.33.4 md/io#sync ua/2.1 os/Linux#6.1.147-172.266.amzn2023.x86_64 lang/java#21.0.8 md/OpenJDK_64-Bit_Server_VM#21.0.8+9-LTS md/vendor#Amazon.com_Inc. md/en_US m/F,G,D",
    "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.24.7 md/GOOS#linux md/GOARCH#amd64 m/E,g",
    "aws-sdk-js/3.908.0 ua/2.1 os/linux#5.10.240-238.959.amzn2.x86_64 lang/js md/nodejs#22.20.0 exec-env/AWS_Lambda_nodejs22.x m/E,N",
    "aws-sdk-dotnet-coreclr/4.0.100.2 ua/2.0 OS/Linux_6.1.147-172.266.amzn2023.x86_64 lang/.NET_Core#8.0.20 md/aws-sdk-dotnet-core#4.0.1.3 cfg/retry-mode#standard",
];

/// Browser user agents of people using the console.
pub(crate) const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:144.0) Gecko/20100101 Firefox/144.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15",
];

/// The SSM agent's user agent.
pub(crate) const SSM_AGENT: &str = "aws-sdk-go/1.55.7 (go1.23.12; linux; amd64) amazon-ssm-agent/3.3.2958.0";
/// The ECS container agent's user agent.
pub(crate) const ECS_AGENT: &str = "aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.23.8 md/GOOS#linux md/GOARCH#amd64 api/ecs#1.53.15 m/E,g ecs-agent/1.97.1";

/// What an IAM user is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserKind {
    /// A person: console (with MFA) and command line.
    Human,
    /// A CI system or infrastructure-as-code runner.
    Ci,
    /// A third-party integration polling read APIs.
    Integration,
}

/// An IAM user with one long-term access key.
#[derive(Clone, Debug)]
pub(crate) struct IamUser {
    pub(crate) name: String,
    pub(crate) principal_id: String,
    pub(crate) arn: String,
    pub(crate) access_key: String,
    /// The addresses this user's key is ever used from (1–3).
    pub(crate) ips: Vec<String>,
    pub(crate) kind: UserKind,
    pub(crate) agent: &'static str,
    pub(crate) browser: &'static str,
}

/// How a role's sessions come about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleKind {
    /// EC2 instance profile: sessions named after instance ids, IMDSv2.
    Ec2,
    /// Lambda execution role: sessions named after the function.
    Lambda,
    /// ECS task role: sessions named after the task id.
    Ecs,
    /// EKS pod identity via web identity (IRSA).
    Eks,
}

/// A workload role.
#[derive(Clone, Debug)]
pub(crate) struct Role {
    pub(crate) name: String,
    pub(crate) role_id: String,
    pub(crate) arn: String,
    pub(crate) kind: RoleKind,
    pub(crate) app: &'static str,
    pub(crate) agent: &'static str,
}

/// An Identity Center permission set provisioned in an account.
#[derive(Clone, Debug)]
pub(crate) struct SsoRole {
    pub(crate) perm_set: &'static str,
    pub(crate) name: String,
    pub(crate) role_id: String,
    pub(crate) arn: String,
}

/// A person in the Identity Center directory.
#[derive(Clone, Debug)]
pub(crate) struct IdcUser {
    pub(crate) email: String,
    pub(crate) user_id: String,
    pub(crate) ips: Vec<String>,
    pub(crate) browser: &'static str,
    pub(crate) agent: &'static str,
}

/// A bucket owned by an account.
#[derive(Clone, Debug)]
pub(crate) struct Bucket {
    pub(crate) name: String,
    /// Index of the bucket's region.
    pub(crate) region: usize,
    pub(crate) app: &'static str,
}

/// One AWS account of the organization.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub(crate) index: usize,
    pub(crate) id: String,
    pub(crate) name: String,
    /// Relative activity.
    pub(crate) weight: f64,
    /// Hours east of UTC where this account's people work.
    pub(crate) tz: i64,
    pub(crate) users: Vec<IamUser>,
    pub(crate) roles: Vec<Role>,
    pub(crate) sso_roles: Vec<SsoRole>,
    /// Identity Center users with access: (user index, sso role index).
    pub(crate) sso_members: Vec<(usize, usize)>,
    pub(crate) apps: Vec<&'static str>,
    pub(crate) buckets: Vec<Bucket>,
    /// Indices into `buckets` per region.
    pub(crate) buckets_by_region: Vec<Vec<usize>>,
    /// NAT gateway addresses per region (workload egress).
    pub(crate) nat_ips: Vec<Vec<String>>,
}

/// The organization, its accounts and its trail.
#[derive(Clone, Debug)]
pub(crate) struct World {
    pub(crate) seed: u64,
    pub(crate) company: &'static str,
    pub(crate) org_id: Option<String>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) regions: Vec<String>,
    /// Index of the trail's home region.
    pub(crate) home: usize,
    /// Index of the region receiving global-service events (us-east-1 when present).
    pub(crate) global: usize,
    pub(crate) trail_name: String,
    pub(crate) trail_arn: String,
    pub(crate) bucket: String,
    pub(crate) key_prefix: Option<String>,
    pub(crate) kms_key_arn: String,
    pub(crate) identity_store_arn: String,
    pub(crate) idc_users: Vec<IdcUser>,
    pub(crate) start: Timestamp,
    pub(crate) end: Timestamp,
}

impl World {
    /// Validate the configuration and derive the organization.
    pub(crate) fn build(cfg: &GenConfig) -> Result<World, GenError> {
        let seed = cfg.seed;
        validate_regions(&cfg.regions)?;
        let home = cfg.regions.iter().position(|r| *r == cfg.home_region).ok_or_else(|| {
            GenError::config(
                "home_region",
                format!("{:?} is not one of the regions {:?}", cfg.home_region, cfg.regions),
            )
        })?;
        let global = cfg.regions.iter().position(|r| r == "us-east-1").unwrap_or(home);
        validate_trail_name(&cfg.trail_name)?;
        if cfg.duration_hours == 0 || cfg.duration_hours > 24 * 366 {
            return Err(GenError::config(
                "duration_hours",
                format!("{} is outside 1..=8784", cfg.duration_hours),
            ));
        }
        let start = cfg.start;
        let (year, ..) = start.to_civil();
        if start.millis() % 3_600_000 != 0 || !(2000..=2100).contains(&year) {
            return Err(GenError::config(
                "start",
                format!("{start} must be a whole UTC hour between 2000 and 2100, e.g. 2026-11-02T00:00:00Z"),
            ));
        }
        if !(1..=12).contains(&cfg.gzip_level) {
            return Err(GenError::config(
                "gzip_level",
                format!("{} is outside 1..=12", cfg.gzip_level),
            ));
        }
        let account_ids = account_ids(cfg)?;
        if account_ids.len() * cfg.regions.len() > 100_000 {
            return Err(GenError::config(
                "accounts",
                "more than 100,000 (account, region) streams",
            ));
        }
        let company = COMPANIES[(hash(&[seed, tag::WORLD, 1]) % COMPANIES.len() as u64) as usize];
        let org_id = if cfg.organization {
            Some(match &cfg.organization_id {
                Some(id) => {
                    validate_org_id(id)?;
                    id.clone()
                }
                None => ids::org_id(hash(&[seed, tag::WORLD, 2])),
            })
        } else {
            None
        };
        let mgmt = account_ids[0].clone();
        let bucket = match &cfg.bucket {
            Some(b) => {
                validate_bucket(b)?;
                b.clone()
            }
            None => format!(
                "aws-cloudtrail-logs-{mgmt}-{}",
                ids::hex_from_hash(hash(&[seed, tag::WORLD, 3]), 8)
            ),
        };
        let key_prefix = match &cfg.key_prefix {
            Some(p) if !p.is_empty() => {
                validate_prefix(p)?;
                Some(p.clone())
            }
            _ => None,
        };
        let home_region = &cfg.regions[home];
        let trail_arn = format!("arn:aws:cloudtrail:{home_region}:{mgmt}:trail/{}", cfg.trail_name);
        let kms_key_arn = format!(
            "arn:aws:kms:{home_region}:{mgmt}:key/{}",
            ids::uuid_from_hash(hash(&[seed, tag::WORLD, 4]))
        );
        let identity_store_id = format!("d-{}", ids::hex_from_hash(hash(&[seed, tag::WORLD, 5]), 10));
        let identity_store_arn = format!("arn:aws:identitystore::{mgmt}:identitystore/{identity_store_id}");

        let idc_users = idc_users(seed, company, account_ids.len());
        let accounts = account_ids
            .iter()
            .enumerate()
            .map(|(i, id)| build_account(seed, company, i, id, &cfg.regions, idc_users.len()))
            .collect();

        Ok(World {
            seed,
            company,
            org_id,
            accounts,
            regions: cfg.regions.clone(),
            home,
            global,
            trail_name: cfg.trail_name.clone(),
            trail_arn,
            bucket,
            key_prefix,
            kms_key_arn,
            identity_store_arn,
            idc_users,
            start,
            end: start.add_secs(i64::from(cfg.duration_hours) * 3600),
        })
    }

    /// The management account.
    pub(crate) fn mgmt(&self) -> &Account {
        &self.accounts[0]
    }

    /// `[prefix/]AWSLogs/[o-id/]<account>/` for an account.
    pub(crate) fn account_prefix(&self, account: &str) -> String {
        let mut s = String::with_capacity(64);
        if let Some(p) = &self.key_prefix {
            s.push_str(p);
            s.push('/');
        }
        s.push_str("AWSLogs/");
        if let Some(o) = &self.org_id {
            s.push_str(o);
            s.push('/');
        }
        s.push_str(account);
        s.push('/');
        s
    }

    /// A stable resource identifier hash for (account, region, kind, index).
    #[inline]
    pub(crate) fn rid(&self, acct: usize, region: usize, kind: u64, idx: u64) -> u64 {
        hash(&[self.seed, tag::RESOURCE, acct as u64, region as u64, kind, idx])
    }
}

fn account_ids(cfg: &GenConfig) -> Result<Vec<String>, GenError> {
    let ids: Vec<String> = if cfg.account_ids.is_empty() {
        if cfg.accounts == 0 || cfg.accounts > 10_000 {
            return Err(GenError::config(
                "accounts",
                format!("{} is outside 1..=10000", cfg.accounts),
            ));
        }
        let mut out: Vec<String> = Vec::with_capacity(cfg.accounts as usize);
        let mut i = 0u64;
        while out.len() < cfg.accounts as usize {
            let id = ids::account_id(hash(&[cfg.seed, tag::ACCOUNT, i]));
            i += 1;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    } else {
        for id in &cfg.account_ids {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(GenError::config(
                    "account_ids",
                    format!("{id:?} is not a 12-digit account id"),
                ));
            }
        }
        let mut sorted = cfg.account_ids.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != cfg.account_ids.len() {
            return Err(GenError::config("account_ids", "an account id is repeated"));
        }
        cfg.account_ids.clone()
    };
    Ok(ids)
}

fn idc_users(seed: u64, company: &str, accounts: usize) -> Vec<IdcUser> {
    let n = (6 + accounts * 2).min(40);
    let mut out: Vec<IdcUser> = Vec::with_capacity(n);
    let mut i = 0u64;
    while out.len() < n && i < 10_000 {
        let h = hash(&[seed, tag::WORLD, 100, i]);
        i += 1;
        let first = FIRST_NAMES[(h % FIRST_NAMES.len() as u64) as usize];
        let last = LAST_NAMES[((h >> 20) % LAST_NAMES.len() as u64) as usize];
        let email = format!("{first}.{last}@{company}.com");
        if out.iter().any(|u| u.email == email) {
            continue;
        }
        let n_ips = 1 + (h >> 40) % 2;
        out.push(IdcUser {
            email,
            user_id: format!("{}-{}", ids::hex_from_hash(h ^ 1, 8), &ids::uuid_from_hash(h ^ 2)[9..]),
            ips: (0..n_ips)
                .map(|k| ids::public_ipv4(hash(&[seed, tag::IP, 1, i, k])))
                .collect(),
            browser: BROWSERS[((h >> 8) % BROWSERS.len() as u64) as usize],
            agent: CLI_AGENTS[((h >> 12) % CLI_AGENTS.len() as u64) as usize],
        });
    }
    out
}

fn build_account(
    seed: u64,
    company: &'static str,
    index: usize,
    id: &str,
    regions: &[String],
    idc_count: usize,
) -> Account {
    let ai = index as u64;
    let h = |parts: &[u64]| {
        let mut p = vec![seed, tag::ACCOUNT, 1000 + ai];
        p.extend_from_slice(parts);
        hash(&p)
    };
    let name = ACCOUNT_NAMES
        .get(index)
        .map(|s| (*s).to_string())
        .unwrap_or_else(|| format!("workload-{index:02}"));
    let weight = if index == 0 {
        0.6
    } else {
        0.7 + (h(&[1]) % 900) as f64 / 1000.0
    };
    let tz = [1i64, -5, 0, 2, -8][(h(&[2]) % 5) as usize];

    // Applications: 3–5 per account.
    let n_apps = 3 + (h(&[3]) % 3) as usize;
    let mut apps: Vec<&'static str> = Vec::with_capacity(n_apps);
    let mut k = 0;
    while apps.len() < n_apps {
        let app = APPS[(h(&[4, k]) % APPS.len() as u64) as usize];
        k += 1;
        if !apps.contains(&app) {
            apps.push(app);
        }
    }

    // IAM users: 3–5 people, 1–2 CI users, one integration.
    let mut users = Vec::new();
    let n_humans = 3 + (h(&[5]) % 3) as usize;
    let mut k = 0u64;
    while users.len() < n_humans {
        let hh = h(&[6, k]);
        k += 1;
        let first = FIRST_NAMES[(hh % FIRST_NAMES.len() as u64) as usize];
        let name = if hh & 1 == 0 {
            first.to_string()
        } else {
            format!("{first}.{}", LAST_NAMES[((hh >> 8) % LAST_NAMES.len() as u64) as usize])
        };
        if users.iter().any(|u: &IamUser| u.name == name) {
            continue;
        }
        users.push(make_user(seed, ai, id, users.len(), name, UserKind::Human, hh));
    }
    let ci_names = ["github-actions-deploy", "terraform-ci", "jenkins-build"];
    let n_ci = 1 + (h(&[7]) % 2) as usize;
    for c in 0..n_ci {
        let hh = h(&[8, c as u64]);
        let n = ci_names[(c + (hh % 3) as usize) % ci_names.len()];
        if users.iter().any(|u| u.name == n) {
            continue;
        }
        users.push(make_user(seed, ai, id, users.len(), n.to_string(), UserKind::Ci, hh));
    }
    let integ = ["datadog-integration", "backup-exporter", "cost-reporter"];
    let hh = h(&[9]);
    users.push(make_user(
        seed,
        ai,
        id,
        users.len(),
        integ[(hh % 3) as usize].to_string(),
        UserKind::Integration,
        hh,
    ));

    // Workload roles: one or two per application.
    let mut roles = Vec::new();
    for (j, app) in apps.iter().enumerate() {
        let hh = h(&[10, j as u64]);
        let kinds = [RoleKind::Ec2, RoleKind::Lambda, RoleKind::Ecs, RoleKind::Eks];
        let first = kinds[(hh % 4) as usize];
        let second = kinds[((hh >> 8) % 4) as usize];
        for kind in [first, second] {
            if roles.iter().any(|r: &Role| r.app == *app && r.kind == kind) {
                continue;
            }
            let suffix = match kind {
                RoleKind::Ec2 => "ec2-role",
                RoleKind::Lambda => "lambda-exec",
                RoleKind::Ecs => "ecs-task-role",
                RoleKind::Eks => "eks-irsa",
            };
            let name = format!("{app}-{suffix}");
            let rh = hash(&[seed, tag::ACCOUNT, ai, 11, hash_str(&name)]);
            roles.push(Role {
                arn: format!("arn:aws:iam::{id}:role/{name}"),
                role_id: ids::principal_id("AROA", rh),
                name,
                kind,
                app,
                agent: APP_AGENTS[((rh >> 16) % APP_AGENTS.len() as u64) as usize],
            });
        }
    }

    // Identity Center permission sets provisioned here.
    let sso_roles: Vec<SsoRole> = PERMISSION_SETS
        .iter()
        .enumerate()
        .map(|(j, ps)| {
            let rh = h(&[12, j as u64]);
            let name = format!("AWSReservedSSO_{ps}_{}", ids::hex_from_hash(rh, 16));
            SsoRole {
                perm_set: ps,
                arn: format!("arn:aws:iam::{id}:role/aws-reserved/sso.amazonaws.com/{name}"),
                role_id: ids::principal_id("AROA", rh ^ 7),
                name,
            }
        })
        .collect();
    // Each Identity Center user gets access to about two thirds of the accounts.
    let mut sso_members = Vec::new();
    for u in 0..idc_count {
        let mh = h(&[13, u as u64]);
        if index == 0 && u >= 3 {
            // Few people work in the management account.
            continue;
        }
        if mh % 3 == 0 && !(index == 0 && u < 3) {
            continue;
        }
        let ps = if index == 0 {
            0
        } else {
            ((mh >> 8) % PERMISSION_SETS.len() as u64) as usize
        };
        sso_members.push((u, ps));
    }
    if sso_members.is_empty() && idc_count > 0 {
        sso_members.push((0, 2));
    }

    // Buckets: two per application spread over the regions, and one in every region that
    // would otherwise have none.
    let mut buckets = Vec::new();
    let nr = regions.len();
    for (j, app) in apps.iter().enumerate() {
        for (purpose, r) in [("data", j % nr), ("assets", (j + 1) % nr)] {
            let bucket_name = if r == 0 {
                format!("{company}-{name}-{app}-{purpose}")
            } else {
                format!("{company}-{name}-{app}-{purpose}-{}", regions[r])
            };
            if !buckets.iter().any(|b: &Bucket| b.name == bucket_name) {
                buckets.push(Bucket {
                    name: bucket_name,
                    region: r,
                    app,
                });
            }
        }
    }
    for (r, region) in regions.iter().enumerate() {
        if !buckets.iter().any(|b| b.region == r) {
            let app = apps[r % apps.len()];
            buckets.push(Bucket {
                name: format!("{company}-{name}-{app}-shared-{region}"),
                region: r,
                app,
            });
        }
    }
    let buckets_by_region = (0..nr)
        .map(|r| (0..buckets.len()).filter(|&i| buckets[i].region == r).collect())
        .collect();

    let nat_ips = (0..regions.len())
        .map(|r| {
            (0..2)
                .map(|k| ids::public_ipv4(hash(&[seed, tag::IP, 2, ai, r as u64, k])))
                .collect()
        })
        .collect();

    Account {
        index,
        id: id.to_string(),
        name,
        weight,
        tz,
        users,
        roles,
        sso_roles,
        sso_members,
        apps,
        buckets,
        buckets_by_region,
        nat_ips,
    }
}

fn make_user(seed: u64, ai: u64, account: &str, ui: usize, name: String, kind: UserKind, h: u64) -> IamUser {
    let uh = hash(&[seed, tag::ACCOUNT, ai, 20, hash_str(&name)]);
    let n_ips = match kind {
        UserKind::Human => 1 + (h >> 24) % 3,
        UserKind::Ci => 2 + (h >> 24) % 2,
        UserKind::Integration => 2,
    };
    let agent = match kind {
        UserKind::Human => CLI_AGENTS[((h >> 32) % CLI_AGENTS.len() as u64) as usize],
        UserKind::Ci => CI_AGENTS[((h >> 32) % CI_AGENTS.len() as u64) as usize],
        UserKind::Integration => APP_AGENTS[((h >> 32) % 3) as usize],
    };
    IamUser {
        arn: format!("arn:aws:iam::{account}:user/{name}"),
        principal_id: ids::principal_id("AIDA", uh),
        access_key: ids::access_key("AKIA", uh ^ 0x55),
        ips: (0..n_ips)
            .map(|k| ids::public_ipv4(hash(&[seed, tag::IP, 3, ai, ui as u64, k])))
            .collect(),
        kind,
        agent,
        browser: BROWSERS[((h >> 40) % BROWSERS.len() as u64) as usize],
        name,
    }
}

fn validate_regions(regions: &[String]) -> Result<(), GenError> {
    if regions.is_empty() {
        return Err(GenError::config("regions", "at least one region is needed"));
    }
    for (i, r) in regions.iter().enumerate() {
        let ok = (5..=25).contains(&r.len())
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && r.as_bytes()[0].is_ascii_lowercase()
            && r.as_bytes()[r.len() - 1].is_ascii_digit()
            && r.contains('-');
        if !ok {
            return Err(GenError::config(
                "regions",
                format!("{r:?} is not a region name such as us-east-1"),
            ));
        }
        if regions[..i].contains(r) {
            return Err(GenError::config("regions", format!("{r:?} is listed twice")));
        }
    }
    Ok(())
}

/// CloudTrail's trail-name rules.
pub(crate) fn validate_trail_name(name: &str) -> Result<(), GenError> {
    let b = name.as_bytes();
    let special = |c: u8| matches!(c, b'.' | b'_' | b'-');
    let ok = (3..=128).contains(&b.len())
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || special(c))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !b.windows(2).any(|w| special(w[0]) && special(w[1]));
    if ok {
        Ok(())
    } else {
        Err(GenError::config(
            "trail_name",
            format!(
                "{name:?}: 3-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, no two of '.', '_', '-' adjacent"
            ),
        ))
    }
}

fn validate_bucket(name: &str) -> Result<(), GenError> {
    let b = name.as_bytes();
    let ok = (3..=63).contains(&b.len())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && !name.contains("..");
    if ok {
        Ok(())
    } else {
        Err(GenError::config(
            "bucket",
            format!("{name:?}: 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit"),
        ))
    }
}

fn validate_prefix(p: &str) -> Result<(), GenError> {
    let ok = p.len() <= 200
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
        && !p.contains('\\')
        && p.chars().all(|c| !c.is_control());
    if ok {
        Ok(())
    } else {
        Err(GenError::config(
            "key_prefix",
            format!(
                "{p:?}: up to 200 characters, '/'-separated non-empty segments, no leading or trailing '/', no '.' or '..' segments"
            ),
        ))
    }
}

fn validate_org_id(id: &str) -> Result<(), GenError> {
    let ok = id.len() >= 12
        && id.len() <= 34
        && id.starts_with("o-")
        && id[2..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(GenError::config(
            "organization_id",
            format!("{id:?} is not an organization id such as o-a1b2c3d4e5"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_is_deterministic_and_consistent() {
        let cfg = GenConfig::default();
        let a = World::build(&cfg).unwrap();
        let b = World::build(&cfg).unwrap();
        assert_eq!(a.bucket, b.bucket);
        assert_eq!(a.accounts.len(), 3);
        assert!(a.org_id.as_deref().unwrap().starts_with("o-"));
        assert!(
            a.bucket
                .starts_with(&format!("aws-cloudtrail-logs-{}-", a.accounts[0].id))
        );
        assert_eq!(
            a.trail_arn,
            format!("arn:aws:cloudtrail:us-east-1:{}:trail/org-trail", a.accounts[0].id)
        );
        for acct in &a.accounts {
            assert!(acct.users.iter().any(|u| u.kind == UserKind::Human));
            for u in &acct.users {
                assert!(u.access_key.starts_with("AKIA") && u.access_key.len() == 20);
                assert!((1..=3).contains(&u.ips.len()));
            }
            assert!(!acct.roles.is_empty());
            assert_eq!(acct.sso_roles.len(), PERMISSION_SETS.len());
        }
        let c = World::build(&GenConfig { seed: 2, ..cfg }).unwrap();
        assert_ne!(a.accounts[0].id, c.accounts[0].id);
    }

    #[test]
    fn names_are_validated() {
        for good in ["abc", "my_trail.v2-x", "Org-Trail"] {
            assert!(validate_trail_name(good).is_ok(), "{good}");
        }
        for bad in ["ab", "-abc", "abc-", "a..b", "a_-b", "a b c"] {
            assert!(validate_trail_name(bad).is_err(), "{bad}");
        }
        let bad_cfg = |f: fn(&mut GenConfig)| {
            let mut c = GenConfig::default();
            f(&mut c);
            World::build(&c).err()
        };
        assert!(matches!(
            bad_cfg(|c| c.home_region = "ap-south-1".into()),
            Some(GenError::Config {
                field: "home_region",
                ..
            })
        ));
        assert!(bad_cfg(|c| c.regions = vec![]).is_some());
        assert!(bad_cfg(|c| c.regions = vec!["us_east_1".into()]).is_some());
        assert!(bad_cfg(|c| c.bucket = Some("Bad_Bucket".into())).is_some());
        assert!(bad_cfg(|c| c.key_prefix = Some("/x".into())).is_some());
        assert!(bad_cfg(|c| c.start = c.start.add_secs(60)).is_some());
        assert!(bad_cfg(|c| c.account_ids = vec!["12345".into()]).is_some());
        assert!(bad_cfg(|c| c.duration_hours = 0).is_some());
        assert!(bad_cfg(|c| c.key_prefix = Some("logs/ct".into())).is_none());
    }
}
