//! IAM-style policy documents (bucket, key, identity and service control policies): parsing that
//! tolerates every shape IAM accepts, and the questions the checks ask of them.
//!
//! Documents are untrusted: a document that is not a policy gives a [`PolicyError`], never a
//! panic; sizes are bounded by the snapshot reader.

use serde_json::Value;

/// Why a document could not be read as a policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a policy document: {0}")]
pub struct PolicyError(pub String);

/// A parsed policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Its statements, in order.
    pub statements: Vec<Statement>,
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// A set given as a list or as its complement (`Action` / `NotAction`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Set {
    /// The listed patterns.
    Only(Vec<String>),
    /// Everything except the listed patterns.
    AllBut(Vec<String>),
}

impl Set {
    /// Whether `item` is in the set (patterns with `*` and `?`, case-insensitive).
    pub fn contains(&self, item: &str) -> bool {
        match self {
            Set::Only(p) => p.iter().any(|p| glob(p, item)),
            Set::AllBut(p) => !p.iter().any(|p| glob(p, item)),
        }
    }

    /// Whether the set is everything (`*`).
    pub fn is_everything(&self) -> bool {
        match self {
            Set::Only(p) => p.iter().any(|p| p == "*"),
            Set::AllBut(p) => p.is_empty(),
        }
    }
}

/// Who a statement applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"*"` or `{"AWS": "*"}`: anyone.
    pub anyone: bool,
    /// `AWS` principals (ARNs or account ids).
    pub aws: Vec<String>,
    /// `Service` principals.
    pub service: Vec<String>,
    /// `Federated` principals.
    pub federated: Vec<String>,
    /// `CanonicalUser` principals.
    pub canonical: Vec<String>,
}

impl Principals {
    /// Whether it names only `service` (and nothing else).
    pub fn is_only_service(&self, service: &str) -> bool {
        !self.anyone
            && self.aws.is_empty()
            && self.federated.is_empty()
            && self.canonical.is_empty()
            && !self.service.is_empty()
            && self.service.iter().all(|s| s.eq_ignore_ascii_case(service))
    }

    /// Whether it includes `service`.
    pub fn has_service(&self, service: &str) -> bool {
        self.service.iter().any(|s| s.eq_ignore_ascii_case(service))
    }

    /// A short description for messages.
    pub fn describe(&self) -> String {
        if self.anyone {
            return "*".to_string();
        }
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.aws.iter().map(|p| format!("AWS:{p}")));
        parts.extend(self.service.iter().map(|p| format!("Service:{p}")));
        parts.extend(self.federated.iter().map(|p| format!("Federated:{p}")));
        parts.extend(self.canonical.iter().map(|p| format!("CanonicalUser:{p}")));
        parts.join(", ")
    }
}

/// One condition: `{"StringEquals": {"aws:SourceArn": [...]}}` becomes one entry per key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written (`StringEquals`, `ForAnyValue:StringLike`, `ArnNotLikeIfExists`).
    pub operator: String,
    /// The key, lower-cased (`aws:sourcearn`).
    pub key: String,
    /// The values, as strings (`true`, numbers as written).
    pub values: Vec<String>,
}

impl Condition {
    /// The operator without set prefixes and without `IfExists`, lower-cased.
    pub fn base_operator(&self) -> String {
        let op = self.operator.to_ascii_lowercase();
        let op = op
            .strip_prefix("foranyvalue:")
            .or_else(|| op.strip_prefix("forallvalues:"))
            .unwrap_or(&op)
            .to_string();
        op.strip_suffix("ifexists").unwrap_or(&op).to_string()
    }

    /// Whether the operator is negative (`StringNotEquals`, `ArnNotLike`, …).
    pub fn is_negative(&self) -> bool {
        self.base_operator().contains("not")
    }

    /// Whether the operator ends in `IfExists` (then a missing key satisfies it).
    pub fn if_exists(&self) -> bool {
        self.operator.to_ascii_lowercase().ends_with("ifexists")
    }
}

/// One statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` (`None` in identity policies and SCPs).
    pub principal: Option<Principals>,
    /// `NotPrincipal`.
    pub not_principal: Option<Principals>,
    /// `Action` / `NotAction`.
    pub actions: Set,
    /// `Resource` / `NotResource` (`None`: not given).
    pub resources: Option<Set>,
    /// `Condition`, flattened.
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// A label for messages: the Sid, or the statement's position.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("statement {s:?}"),
            _ => format!("statement #{}", index + 1),
        }
    }

    /// Whether the statement's action set includes `action`.
    pub fn has_action(&self, action: &str) -> bool {
        self.actions.contains(action)
    }

    /// Whether the statement applies to `resource` (a missing `Resource` counts as everything).
    pub fn has_resource(&self, resource: &str) -> bool {
        self.resources.as_ref().is_none_or(|r| r.contains(resource))
    }

    /// Whether the resource set is everything.
    pub fn all_resources(&self) -> bool {
        self.resources.as_ref().is_none_or(Set::is_everything)
    }

    /// The conditions on `key` (lower-case).
    pub fn conditions_on<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Condition> + 'a {
        self.conditions.iter().filter(move |c| c.key == key)
    }

    /// Whether a principal of anyone (`*`) is given.
    pub fn anyone(&self) -> bool {
        self.principal.as_ref().is_some_and(|p| p.anyone)
    }
}

/// Condition keys that, with a positive operator and fixed values, keep a `*` principal from
/// being public (the keys S3 and KMS treat as restricting, e.g. for `PolicyStatus.IsPublic`).
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "aws:principalserviceName",
    "kms:calleraccount",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
];

impl Statement {
    /// Whether an `Allow` with principal `*` is kept private by a fixed-value condition on a
    /// restricting key (`aws:SourceArn`, `aws:PrincipalOrgID`, `kms:CallerAccount`, …).
    pub fn restricted_by_condition(&self) -> bool {
        self.conditions.iter().any(|c| {
            !c.is_negative()
                && !c.if_exists()
                && RESTRICTING_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&c.key))
                && !c.values.is_empty()
                && c.values.iter().all(|v| !v.is_empty() && v != "*")
        })
    }

    /// Whether this statement grants access to anyone: `Allow`, principal `*` (or a
    /// `NotPrincipal`), and no restricting condition.
    pub fn is_public_allow(&self) -> bool {
        self.effect == Effect::Allow
            && (self.anyone() || self.not_principal.is_some())
            && !self.restricted_by_condition()
    }
}

impl Policy {
    /// Parse a policy document.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let v: Value = serde_json::from_str(text).map_err(|e| PolicyError(e.to_string()))?;
        Policy::from_value(&v)
    }

    /// Read a policy from JSON already parsed.
    pub fn from_value(v: &Value) -> Result<Policy, PolicyError> {
        let obj = v
            .as_object()
            .ok_or_else(|| PolicyError("the document is not a JSON object".into()))?;
        let stmts = match obj.get("Statement") {
            Some(Value::Array(a)) => a.iter().collect::<Vec<_>>(),
            Some(s @ Value::Object(_)) => vec![s],
            Some(_) => return Err(PolicyError("Statement is neither an object nor a list".into())),
            None => Vec::new(),
        };
        let mut statements = Vec::with_capacity(stmts.len());
        for (i, s) in stmts.into_iter().enumerate() {
            statements.push(parse_statement(s).map_err(|e| PolicyError(format!("statement #{}: {}", i + 1, e.0)))?);
        }
        Ok(Policy { statements })
    }

    /// The statements with their index.
    pub fn indexed(&self) -> impl Iterator<Item = (usize, &Statement)> {
        self.statements.iter().enumerate()
    }
}

fn parse_statement(v: &Value) -> Result<Statement, PolicyError> {
    let o = v.as_object().ok_or_else(|| PolicyError("not an object".into()))?;
    let effect = match o.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(e) => return Err(PolicyError(format!("Effect {e:?} is neither Allow nor Deny"))),
        None => return Err(PolicyError("no Effect".into())),
    };
    let actions = match (o.get("Action"), o.get("NotAction")) {
        (Some(a), None) => Set::Only(strings(a)?),
        (None, Some(a)) => Set::AllBut(strings(a)?),
        (Some(_), Some(_)) => return Err(PolicyError("both Action and NotAction".into())),
        (None, None) => return Err(PolicyError("no Action or NotAction".into())),
    };
    let resources = match (o.get("Resource"), o.get("NotResource")) {
        (Some(r), None) => Some(Set::Only(strings(r)?)),
        (None, Some(r)) => Some(Set::AllBut(strings(r)?)),
        (Some(_), Some(_)) => return Err(PolicyError("both Resource and NotResource".into())),
        (None, None) => None,
    };
    let principal = o.get("Principal").map(principals).transpose()?;
    let not_principal = o.get("NotPrincipal").map(principals).transpose()?;
    let mut conditions = Vec::new();
    if let Some(c) = o.get("Condition") {
        let ops = c
            .as_object()
            .ok_or_else(|| PolicyError("Condition is not an object".into()))?;
        for (op, keys) in ops {
            let keys = keys
                .as_object()
                .ok_or_else(|| PolicyError(format!("Condition {op} is not an object")))?;
            for (k, vals) in keys {
                conditions.push(Condition {
                    operator: op.clone(),
                    key: k.to_ascii_lowercase(),
                    values: scalars(vals),
                });
            }
        }
    }
    Ok(Statement {
        sid: o.get("Sid").and_then(Value::as_str).map(str::to_string),
        effect,
        principal,
        not_principal,
        actions,
        resources,
        conditions,
    })
}

fn strings(v: &Value) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| PolicyError("a list holds a non-string".into()))
            })
            .collect(),
        _ => Err(PolicyError("expected a string or a list of strings".into())),
    }
}

fn scalars(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().flat_map(scalars).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn principals(v: &Value) -> Result<Principals, PolicyError> {
    let mut p = Principals::default();
    match v {
        Value::String(s) if s == "*" => p.anyone = true,
        Value::String(s) => return Err(PolicyError(format!("Principal {s:?} is not * or an object"))),
        Value::Object(o) => {
            for (k, vals) in o {
                let list = strings(vals)?;
                match k.as_str() {
                    "AWS" => {
                        if list.iter().any(|x| x == "*") {
                            p.anyone = true;
                        }
                        p.aws.extend(list.into_iter().filter(|x| x != "*"));
                    }
                    "Service" => p.service.extend(list),
                    "Federated" => p.federated.extend(list),
                    "CanonicalUser" => p.canonical.extend(list),
                    other => return Err(PolicyError(format!("unknown principal type {other:?}"))),
                }
            }
        }
        _ => return Err(PolicyError("Principal is neither * nor an object".into())),
    }
    Ok(p)
}

/// IAM-style wildcard match: `*` any run, `?` one character; case-insensitive (IAM action and
/// most ARN comparisons in `*Like` operators; callers decide where case matters).
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// CloudTrail actions whose grant lets someone blind or rewrite the trail.
pub const CLOUDTRAIL_TAMPER_ACTIONS: &[&str] = &[
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
];

/// KMS actions whose grant lets someone make a trail key unusable.
pub const KMS_TAMPER_ACTIONS: &[&str] = &["kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"];

/// Whether an identity policy document has an `Allow` statement that could grant any CloudTrail
/// or KMS tampering action (used by the collector to keep only the documents the checks read).
/// A document that cannot be parsed is kept, so the check can report it.
pub fn may_grant_tampering(document: &str) -> bool {
    match Policy::parse(document) {
        Ok(p) => p.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && CLOUDTRAIL_TAMPER_ACTIONS
                    .iter()
                    .chain(KMS_TAMPER_ACTIONS)
                    .any(|a| s.has_action(a))
        }),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob("cloudtrail:*", "cloudtrail:StopLogging"));
        assert!(glob("CloudTrail:Stop*", "cloudtrail:stoplogging"));
        assert!(glob("*", "anything"));
        assert!(glob("s3:Put?bject", "s3:PutObject"));
        assert!(!glob("cloudtrail:Get*", "cloudtrail:StopLogging"));
        assert!(glob("arn:aws:s3:::b/AWSLogs/*", "arn:aws:s3:::b/AWSLogs/1/x"));
        assert!(!glob("a*b", "a"));
        assert!(glob("a*b*c", "axxbyyc"));
    }

    #[test]
    fn shapes() {
        let p = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"NotAction":"s3:Get*","Resource":["arn:aws:s3:::b/*"],
                "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:1:trail/t"}}}}"#,
        )
        .unwrap();
        let s = &p.statements[0];
        assert!(s.anyone());
        assert!(s.has_action("s3:PutObject"));
        assert!(!s.has_action("s3:GetObject"));
        assert!(s.restricted_by_condition());
        assert!(!s.is_public_allow());
        assert_eq!(s.conditions[0].key, "aws:sourcearn");
        assert!(Policy::parse("[]").is_err());
        assert!(Policy::parse(r#"{"Statement":[{"Effect":"Maybe","Action":"*"}]}"#).is_err());
        assert!(Policy::parse(r#"{"Statement":[{"Effect":"Allow","Action":"*","Principal":"me"}]}"#).is_err());
    }

    #[test]
    fn tampering() {
        assert!(may_grant_tampering(
            r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*"}]}"#
        ));
        assert!(may_grant_tampering(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        ));
        assert!(!may_grant_tampering(
            r#"{"Statement":[{"Effect":"Allow","Action":["cloudtrail:Get*","cloudtrail:Describe*"],"Resource":"*"}]}"#
        ));
        assert!(!may_grant_tampering(
            r#"{"Statement":[{"Effect":"Deny","Action":"cloudtrail:*","Resource":"*"}]}"#
        ));
    }
}
