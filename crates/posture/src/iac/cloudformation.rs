//! CloudFormation templates (YAML or JSON) → [`Snapshot`].
//!
//! Intrinsic functions are understood in both forms (`!Ref X` and `{"Ref": "X"}`): `Ref`,
//! `Fn::GetAtt`, `Fn::Sub` (both forms, `${!Literal}` escapes), `Fn::Join`, `Fn::Select`,
//! `Fn::Split`, `Fn::If` with the template's `Conditions` (`Fn::Equals`, `Fn::Not`, `Fn::And`,
//! `Fn::Or`, `Condition`), `Fn::FindInMap`, `Fn::ToJsonString`; pseudo parameters resolve to
//! `aws`, `amazonaws.com` or the symbolic `{AccountId}`, `{Region}`, `{StackName}`.
//! `Fn::ImportValue`, parameters without a default and undecidable conditions are unknown and
//! reported (CT-049), never guessed.

use std::collections::BTreeMap;

use super::tree::{self, Node, Value};
use super::value::V;
use super::{ACCOUNT, IacError, MAX_TEMPLATE_BYTES, Model, REGION, canned_acl_grants};
use crate::policy;
use crate::snapshot::{
    AdvancedEventSelector, Alarm, AlarmMetric, Bucket, BucketEncryption, BucketLogging, BucketPresence, DataResource,
    EventDataStore, EventRule, EventSelector, FieldSelector, IamPolicy, Key, KeyMetadata, LifecycleRule, LogGroup,
    LogGroupInfo, MetricFilter, MetricTransformation, ObjectLock, PublicAccessBlock, Read, Scp, Selectors, Snapshot,
    SourceKind, Subscription, Topic, Trail, TrailDetail, TrailStatus, Transition, Unresolved, Versioning,
};

const MAX_RESOLVE_DEPTH: usize = 64;

/// Read a CloudFormation template. `collected_at` (RFC 3339) is when the audit runs.
pub fn read(file: &str, text: &str, collected_at: &str) -> Result<Snapshot, IacError> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(IacError::TooLarge {
            file: file.to_string(),
            size: text.len(),
            max: MAX_TEMPLATE_BYTES,
        });
    }
    let root = tree::parse(file, text)?;
    let Some(resources) = root.get("Resources").filter(|r| r.entries().is_some()) else {
        return Err(IacError::Invalid {
            file: file.to_string(),
            line: root.line,
            column: root.column,
            message: "not a CloudFormation template: no Resources mapping".into(),
        });
    };
    let mut t = Template::new(file, &root, resources);
    t.read_all();
    Ok(t.model
        .into_snapshot(SourceKind::Cloudformation, file, collected_at, ACCOUNT, REGION))
}

struct Res<'a> {
    ty: String,
    /// The logical id's key node (its position is the resource's).
    node: &'a Node,
    props: Option<&'a Node>,
    condition: Option<String>,
}

struct Template<'a> {
    file: &'a str,
    params: BTreeMap<String, Option<&'a Node>>,
    conditions: BTreeMap<String, &'a Node>,
    mappings: Option<&'a Node>,
    resources: Vec<(String, Res<'a>)>,
    model: Model,
}

fn s(x: &str) -> V {
    V::Str(x.to_string())
}

impl<'a> Template<'a> {
    fn new(file: &'a str, root: &'a Node, resources: &'a Node) -> Self {
        let mut params = BTreeMap::new();
        if let Some(p) = root.get("Parameters").and_then(Node::entries) {
            for (k, v) in p {
                if let Some(name) = k.text() {
                    params.insert(name.to_string(), v.get("Default"));
                }
            }
        }
        let mut conditions = BTreeMap::new();
        if let Some(c) = root.get("Conditions").and_then(Node::entries) {
            for (k, v) in c {
                if let Some(name) = k.text() {
                    conditions.insert(name.to_string(), v);
                }
            }
        }
        let resources = resources
            .entries()
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.text()?.to_string(),
                    Res {
                        ty: v.get("Type").and_then(Node::text).unwrap_or("").to_string(),
                        node: k,
                        props: v.get("Properties"),
                        condition: v.get("Condition").and_then(Node::text).map(str::to_string),
                    },
                ))
            })
            .collect();
        Template {
            file,
            params,
            conditions,
            mappings: root.get("Mappings"),
            resources,
            model: Model::default(),
        }
    }

    fn res(&self, id: &str) -> Option<&Res<'a>> {
        self.resources.iter().find(|(k, _)| k == id).map(|(_, r)| r)
    }

    // ---- names and identities ----------------------------------------------------------

    /// A name property, resolved, or the logical id.
    fn name_of(&self, id: &str, prop: &str, depth: usize) -> String {
        let Some(r) = self.res(id) else { return id.to_string() };
        r.props
            .and_then(|p| p.get(prop))
            .map(|n| self.resolve(n, depth + 1))
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| id.to_string())
    }

    fn key_arn(id: &str) -> String {
        format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}")
    }

    fn reference(&self, name: &str, depth: usize) -> V {
        match name {
            "AWS::AccountId" => return s(ACCOUNT),
            "AWS::Region" => return s(REGION),
            "AWS::Partition" => return s("aws"),
            "AWS::URLSuffix" => return s("amazonaws.com"),
            "AWS::StackName" => return s("{StackName}"),
            "AWS::StackId" => return s("{StackId}"),
            "AWS::NoValue" => return V::Null,
            "AWS::NotificationARNs" => return V::List(Vec::new()),
            _ => {}
        }
        if let Some(def) = self.params.get(name) {
            return match def {
                Some(d) => self.resolve(d, depth + 1),
                None => V::Unknown(format!("parameter {name} has no Default")),
            };
        }
        let Some(r) = self.res(name) else {
            return V::Unknown(format!("Ref to {name}, which is neither a parameter nor a resource"));
        };
        match r.ty.as_str() {
            "AWS::S3::Bucket" => s(&self.name_of(name, "BucketName", depth)),
            "AWS::KMS::Key" => s(&Self::key_arn(name)),
            "AWS::KMS::Alias" => s(&self.name_of(name, "AliasName", depth)),
            "AWS::Logs::LogGroup" => s(&self.name_of(name, "LogGroupName", depth)),
            "AWS::SNS::Topic" => s(&format!(
                "arn:aws:sns:{REGION}:{ACCOUNT}:{}",
                self.name_of(name, "TopicName", depth)
            )),
            "AWS::CloudTrail::Trail" => s(&self.name_of(name, "TrailName", depth)),
            "AWS::IAM::Role" => s(&self.name_of(name, "RoleName", depth)),
            "AWS::CloudTrail::EventDataStore" => s(&format!(
                "arn:aws:cloudtrail:{REGION}:{ACCOUNT}:eventdatastore/{}",
                self.name_of(name, "Name", depth)
            )),
            "AWS::Organizations::Policy" => s(&format!("p-{name}")),
            _ => s(name),
        }
    }

    fn get_att(&self, id: &str, attr: &str, depth: usize) -> V {
        let Some(r) = self.res(id) else {
            return V::Unknown(format!("Fn::GetAtt on {id}, which is not a resource"));
        };
        match (r.ty.as_str(), attr) {
            ("AWS::S3::Bucket", "Arn") => s(&format!("arn:aws:s3:::{}", self.name_of(id, "BucketName", depth))),
            ("AWS::S3::Bucket", "DomainName") => {
                s(&format!("{}.s3.amazonaws.com", self.name_of(id, "BucketName", depth)))
            }
            ("AWS::KMS::Key", "Arn" | "KeyId") => s(&Self::key_arn(id)),
            ("AWS::Logs::LogGroup", "Arn") => s(&format!(
                "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{}:*",
                self.name_of(id, "LogGroupName", depth)
            )),
            ("AWS::SNS::Topic", "TopicArn") => self.reference(id, depth),
            ("AWS::SNS::Topic", "TopicName") => s(&self.name_of(id, "TopicName", depth)),
            ("AWS::CloudTrail::Trail", "Arn") => s(&format!(
                "arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{}",
                self.name_of(id, "TrailName", depth)
            )),
            ("AWS::IAM::Role", "Arn") => s(&format!(
                "arn:aws:iam::{ACCOUNT}:role/{}",
                self.name_of(id, "RoleName", depth)
            )),
            ("AWS::CloudTrail::EventDataStore", "EventDataStoreArn") => self.reference(id, depth),
            ("AWS::Organizations::Policy", "Id") => s(&format!("p-{id}")),
            _ => s(&format!("{{{id}.{attr}}}")),
        }
    }

    // ---- intrinsic functions -----------------------------------------------------------

    fn resolve(&self, n: &Node, depth: usize) -> V {
        if depth > MAX_RESOLVE_DEPTH {
            return V::Unknown("intrinsic functions nested too deep (or a reference cycle)".into());
        }
        if let Some(tag) = &n.tag {
            let name = if tag.starts_with("Fn::") || tag == "Ref" || tag == "Condition" {
                tag.clone()
            } else {
                format!("Fn::{tag}")
            };
            return self.intrinsic(&name, n, depth);
        }
        match &n.value {
            Value::Scalar { text, quoted } => match tree::scalar_json(text, *quoted) {
                serde_json::Value::Null => V::Null,
                serde_json::Value::Bool(b) => V::Bool(b),
                serde_json::Value::Number(_) => V::Num(text.clone()),
                _ => V::Str(text.clone()),
            },
            Value::Seq(items) => V::List(
                items
                    .iter()
                    .filter(|i| !is_no_value(i))
                    .map(|i| self.resolve(i, depth + 1))
                    .collect(),
            ),
            Value::Map(m) => {
                if m.len() == 1
                    && let Some(k) = m[0].0.text()
                    && (k == "Ref" || k.starts_with("Fn::"))
                {
                    return self.intrinsic(k, &m[0].1, depth);
                }
                V::Map(
                    m.iter()
                        .filter(|(_, v)| !is_no_value(v))
                        .map(|(k, v)| (k.text().unwrap_or_default().to_string(), self.resolve(v, depth + 1)))
                        .collect(),
                )
            }
        }
    }

    fn intrinsic(&self, name: &str, arg: &Node, depth: usize) -> V {
        let d = depth + 1;
        // The argument without its own tag (for `!Ref X` the node is the scalar X).
        let items = arg.items().unwrap_or(&[]);
        match name {
            "Ref" => match self.resolve_untagged(arg, d).as_str() {
                Some(x) => self.reference(&x, d),
                None => V::Unknown("Ref to a non-string".into()),
            },
            "Fn::GetAtt" => {
                let (id, attr) = match &arg.value {
                    Value::Scalar { text, .. } => match text.split_once('.') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => return V::Unknown(format!("Fn::GetAtt {text:?} has no attribute")),
                    },
                    Value::Seq(s) if s.len() == 2 => (
                        self.resolve(&s[0], d).as_str().unwrap_or_default(),
                        self.resolve(&s[1], d).as_str().unwrap_or_default(),
                    ),
                    _ => return V::Unknown("Fn::GetAtt needs LogicalId.Attribute".into()),
                };
                self.get_att(&id, &attr, d)
            }
            "Fn::Sub" => {
                let (template, vars) = match &arg.value {
                    Value::Scalar { text, .. } => (text.clone(), None),
                    Value::Seq(s) if !s.is_empty() => (
                        s[0].text().map(str::to_string).unwrap_or_default(),
                        s.get(1).map(|v| self.resolve(v, d)),
                    ),
                    _ => return V::Unknown("Fn::Sub needs a string".into()),
                };
                self.sub(&template, vars.as_ref(), d)
            }
            "Fn::Join" => {
                if items.len() != 2 {
                    return V::Unknown("Fn::Join needs [delimiter, list]".into());
                }
                let delim = self.resolve(&items[0], d).as_str().unwrap_or_default();
                let list = self.resolve(&items[1], d);
                if let Some(u) = list.unknown() {
                    return V::Unknown(u.to_string());
                }
                match list {
                    V::List(l) => V::Str(l.iter().filter_map(V::as_str).collect::<Vec<_>>().join(&delim)),
                    other => other,
                }
            }
            "Fn::Select" => {
                if items.len() != 2 {
                    return V::Unknown("Fn::Select needs [index, list]".into());
                }
                let idx = self.resolve(&items[0], d).as_i64();
                let list = self.resolve(&items[1], d);
                match (idx, list) {
                    (Some(i), V::List(l)) if i >= 0 => l
                        .get(i as usize)
                        .cloned()
                        .unwrap_or(V::Unknown("Fn::Select index out of range".into())),
                    (_, V::Unknown(u)) => V::Unknown(u),
                    _ => V::Unknown("Fn::Select could not be evaluated".into()),
                }
            }
            "Fn::Split" => {
                if items.len() != 2 {
                    return V::Unknown("Fn::Split needs [delimiter, string]".into());
                }
                let delim = self.resolve(&items[0], d).as_str().unwrap_or_default();
                match self.resolve(&items[1], d) {
                    V::Str(x) if !delim.is_empty() => {
                        V::List(x.split(delim.as_str()).map(|p| V::Str(p.to_string())).collect())
                    }
                    V::Unknown(u) => V::Unknown(u),
                    _ => V::Unknown("Fn::Split could not be evaluated".into()),
                }
            }
            "Fn::If" => {
                if items.len() != 3 {
                    return V::Unknown("Fn::If needs [condition, then, else]".into());
                }
                let cond = items[0].text().unwrap_or_default();
                match self.condition(cond, d) {
                    Some(true) => self.resolve(&items[1], d),
                    Some(false) => self.resolve(&items[2], d),
                    None => V::Unknown(format!("condition {cond} cannot be decided from the template")),
                }
            }
            "Fn::FindInMap" => {
                if items.len() < 3 {
                    return V::Unknown("Fn::FindInMap needs [map, key, key]".into());
                }
                let keys: Vec<Option<String>> = items[..3].iter().map(|i| self.resolve(i, d).as_str()).collect();
                let found = match (&keys[0], &keys[1], &keys[2], self.mappings) {
                    (Some(m), Some(k1), Some(k2), Some(maps)) => {
                        maps.get(m).and_then(|x| x.get(k1)).and_then(|x| x.get(k2))
                    }
                    _ => None,
                };
                match found {
                    Some(v) => self.resolve(v, d),
                    None => V::Unknown("Fn::FindInMap could not be evaluated".into()),
                }
            }
            "Fn::ImportValue" => V::Unknown(format!(
                "imported from another stack ({})",
                self.resolve(arg, d)
                    .as_str()
                    .unwrap_or_else(|| "Fn::ImportValue".into())
            )),
            "Fn::ToJsonString" => {
                let v = self.resolve_untagged(arg, d);
                match v.unknown() {
                    Some(u) => V::Unknown(u.to_string()),
                    None => V::Str(v.to_json().to_string()),
                }
            }
            "Fn::Base64" => self.resolve_untagged(arg, d),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition" => match self.condition_expr(name, arg, d) {
                Some(b) => V::Bool(b),
                None => V::Unknown(format!("{name} cannot be decided from the template")),
            },
            other => V::Unknown(format!("{other} is not evaluated")),
        }
    }

    /// Resolve a node that carried a tag, ignoring that tag.
    fn resolve_untagged(&self, n: &Node, depth: usize) -> V {
        let plain = Node {
            value: n.value.clone(),
            tag: None,
            line: n.line,
            column: n.column,
        };
        self.resolve(&plain, depth)
    }

    fn sub(&self, template: &str, vars: Option<&V>, depth: usize) -> V {
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let var = &after[..end];
            rest = &after[end + 1..];
            if let Some(lit) = var.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            let v = if let Some(v) = vars.and_then(|m| m.get(var)) {
                v.clone()
            } else if let Some((id, attr)) = var.split_once('.').filter(|(id, _)| !id.starts_with("AWS::")) {
                self.get_att(id, attr, depth)
            } else {
                self.reference(var, depth)
            };
            match v {
                V::Unknown(u) => return V::Unknown(u),
                v => out.push_str(&v.as_str().unwrap_or_default()),
            }
        }
        out.push_str(rest);
        V::Str(out)
    }

    fn condition(&self, name: &str, depth: usize) -> Option<bool> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        let n = self.conditions.get(name)?;
        self.condition_node(n, depth + 1)
    }

    fn condition_node(&self, n: &Node, depth: usize) -> Option<bool> {
        if let Some(tag) = &n.tag {
            let name = if tag == "Condition" {
                tag.clone()
            } else {
                format!("Fn::{tag}")
            };
            return self.condition_expr(&name, n, depth);
        }
        let m = n.entries()?;
        if m.len() == 1 {
            let k = m[0].0.text()?;
            return self.condition_expr(k, &m[0].1, depth);
        }
        None
    }

    fn condition_expr(&self, name: &str, arg: &Node, depth: usize) -> Option<bool> {
        let items = arg.items().unwrap_or(&[]);
        match name {
            "Fn::Equals" if items.len() == 2 => {
                let a = self.resolve(&items[0], depth + 1);
                let b = self.resolve(&items[1], depth + 1);
                if a.unknown().is_some() || b.unknown().is_some() {
                    return None;
                }
                Some(a.as_str() == b.as_str() && a.as_str().is_some() || a == b)
            }
            "Fn::Not" if items.len() == 1 => self.condition_node(&items[0], depth + 1).map(|b| !b),
            "Fn::And" => {
                let mut all = true;
                for i in items {
                    match self.condition_node(i, depth + 1) {
                        Some(false) => return Some(false),
                        Some(true) => {}
                        None => all = false,
                    }
                }
                all.then_some(true)
            }
            "Fn::Or" => {
                let mut known = true;
                for i in items {
                    match self.condition_node(i, depth + 1) {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => known = false,
                    }
                }
                known.then_some(false)
            }
            "Condition" => self.condition(arg.text()?, depth + 1),
            _ => None,
        }
    }

    // ---- reading resources -------------------------------------------------------------

    /// The resolved properties of a resource, each unknown recorded with its position.
    fn props(&mut self, id: &str) -> V {
        let Some(r) = self.res(id) else {
            return V::Map(Vec::new());
        };
        let Some(p) = r.props.and_then(Node::entries) else {
            return V::Map(Vec::new());
        };
        let mut out = Vec::new();
        let mut unknowns = Vec::new();
        for (k, v) in p {
            let key = k.text().unwrap_or_default().to_string();
            if is_no_value(v) {
                continue;
            }
            let val = self.resolve(v, 0);
            if let Some(u) = val.unknown() {
                unknowns.push(Unresolved {
                    logical_id: id.to_string(),
                    property: key.clone(),
                    message: u.to_string(),
                    file: self.file.to_string(),
                    line: v.line,
                    column: v.column,
                });
            }
            out.push((key, val));
        }
        self.model.unresolved.extend(unknowns);
        V::Map(out)
    }

    fn included(&mut self, id: &str) -> bool {
        let Some(cond) = self.res(id).and_then(|r| r.condition.clone()) else {
            return true;
        };
        match self.condition(&cond, 0) {
            Some(b) => b,
            None => {
                let (line, column) = self.res(id).map(|r| (r.node.line, r.node.column)).unwrap_or((1, 1));
                self.model.unresolved.push(Unresolved {
                    logical_id: id.to_string(),
                    property: "Condition".into(),
                    message: format!(
                        "condition {cond} cannot be decided; the resource is audited as if it were created"
                    ),
                    file: self.file.to_string(),
                    line,
                    column,
                });
                true
            }
        }
    }

    fn locate(&mut self, resource: &str, id: &str) {
        let (line, column) = self.res(id).map(|r| (r.node.line, r.node.column)).unwrap_or((1, 1));
        let file = self.file.to_string();
        self.model.locate(resource, id, &file, line, column);
    }

    fn read_all(&mut self) {
        // Resolved properties per type, in template order, only of included resources.
        let mut by_type: BTreeMap<String, Vec<(String, V)>> = BTreeMap::new();
        let ids: Vec<(String, String)> = self.resources.iter().map(|(k, r)| (k.clone(), r.ty.clone())).collect();
        for (id, ty) in &ids {
            if !is_relevant(ty) || !self.included(id) {
                continue;
            }
            let p = self.props(id);
            by_type.entry(ty.clone()).or_default().push((id.clone(), p));
        }
        let list = |t: &str| by_type.get(t).cloned().unwrap_or_default();

        // Bucket policies by bucket name.
        let mut bucket_policies: BTreeMap<String, String> = BTreeMap::new();
        for (_, p) in list("AWS::S3::BucketPolicy") {
            if let (Some(b), Some(doc)) = (p.get("Bucket").and_then(V::as_str), p.get("PolicyDocument")) {
                bucket_policies.insert(b, json_text(doc));
            }
        }
        for (id, p) in list("AWS::S3::Bucket") {
            let name = self.name_of(&id, "BucketName", 0);
            self.locate(&name, &id);
            let b = bucket(&name, &p, bucket_policies.get(&name).cloned());
            self.model.buckets.push(b);
        }
        // Keys and aliases.
        let aliases: Vec<(String, String)> = list("AWS::KMS::Alias")
            .iter()
            .filter_map(|(_, p)| Some((p.get("AliasName")?.as_str()?, p.get("TargetKeyId")?.as_str()?)))
            .collect();
        for (id, p) in list("AWS::KMS::Key") {
            let arn = Self::key_arn(&id);
            self.locate(&arn, &id);
            let key = Key {
                reference: arn.clone(),
                region: REGION.into(),
                metadata: Read::Ok(KeyMetadata {
                    arn: arn.clone(),
                    key_manager: "CUSTOMER".into(),
                    key_spec: p
                        .get("KeySpec")
                        .and_then(V::as_str)
                        .unwrap_or_else(|| "SYMMETRIC_DEFAULT".into()),
                    key_state: if p.get("Enabled").and_then(V::as_bool) == Some(false) {
                        "Disabled".into()
                    } else {
                        "Enabled".into()
                    },
                    origin: Some(p.get("Origin").and_then(V::as_str).unwrap_or_else(|| "AWS_KMS".into())),
                    deletion_date: None,
                }),
                policy: match p.get("KeyPolicy") {
                    Some(doc) => Read::Ok(json_text(doc)),
                    None => Read::Ok(default_key_policy()),
                },
                rotation_enabled: Read::Ok(p.get("EnableKeyRotation").and_then(V::as_bool).unwrap_or(false)),
            };
            for (alias, target) in &aliases {
                if *target == arn || target.ends_with(&format!("/{id}")) || *target == id {
                    let mut a = key.clone();
                    a.reference = alias.clone();
                    self.model.keys.push(a.clone());
                    a.reference = format!("arn:aws:kms:{REGION}:{ACCOUNT}:{alias}");
                    self.model.keys.push(a);
                }
            }
            self.model.keys.push(key);
        }
        // Log groups with their metric filters.
        let filters = list("AWS::Logs::MetricFilter");
        for (id, p) in list("AWS::Logs::LogGroup") {
            let name = self.name_of(&id, "LogGroupName", 0);
            let arn = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*");
            self.locate(&arn, &id);
            self.locate(crate::arn::log_group_key(&arn), &id);
            let mfs = filters
                .iter()
                .filter(|(_, f)| f.get("LogGroupName").and_then(V::as_str).as_deref() == Some(name.as_str()))
                .map(|(fid, f)| MetricFilter {
                    name: f.get("FilterName").and_then(V::as_str).unwrap_or_else(|| fid.clone()),
                    pattern: f.get("FilterPattern").and_then(V::as_str).unwrap_or_default(),
                    transformations: f
                        .get("MetricTransformations")
                        .map(V::items)
                        .unwrap_or(&[])
                        .iter()
                        .map(|t| MetricTransformation {
                            metric_name: t.get("MetricName").and_then(V::as_str).unwrap_or_default(),
                            metric_namespace: t.get("MetricNamespace").and_then(V::as_str).unwrap_or_default(),
                            metric_value: t.get("MetricValue").and_then(V::as_str),
                        })
                        .collect(),
                })
                .collect();
            self.model.log_groups.push(LogGroup {
                arn,
                name,
                region: REGION.into(),
                info: Read::Ok(Some(LogGroupInfo {
                    retention_days: p.get("RetentionInDays").and_then(V::as_i64),
                    kms_key_id: p.get("KmsKeyId").and_then(V::as_str),
                })),
                metric_filters: Read::Ok(mfs),
            });
        }
        // Topics and their subscriptions.
        let subs = list("AWS::SNS::Subscription");
        for (id, p) in list("AWS::SNS::Topic") {
            let arn = self.reference(&id, 0).as_str().unwrap_or_default();
            self.locate(&arn, &id);
            let mut s: Vec<Subscription> = p
                .get("Subscription")
                .map(V::items)
                .unwrap_or(&[])
                .iter()
                .map(|x| Subscription {
                    arn: format!("template:{id}"),
                    protocol: x.get("Protocol").and_then(V::as_str).unwrap_or_default(),
                    endpoint: x.get("Endpoint").and_then(V::as_str),
                })
                .collect();
            s.extend(
                subs.iter()
                    .filter(|(_, x)| x.get("TopicArn").and_then(V::as_str).as_deref() == Some(arn.as_str()))
                    .map(|(sid, x)| Subscription {
                        arn: format!("template:{sid}"),
                        protocol: x.get("Protocol").and_then(V::as_str).unwrap_or_default(),
                        endpoint: x.get("Endpoint").and_then(V::as_str),
                    }),
            );
            self.model.topics.push(Topic {
                arn,
                subscriptions: Read::Ok(s),
            });
        }
        for (id, p) in list("AWS::CloudWatch::Alarm") {
            let mut metrics = Vec::new();
            if let (Some(n), Some(ns)) = (
                p.get("MetricName").and_then(V::as_str),
                p.get("Namespace").and_then(V::as_str),
            ) {
                metrics.push(AlarmMetric { name: n, namespace: ns });
            }
            for q in p.get("Metrics").map(V::items).unwrap_or(&[]) {
                let m = q.get("MetricStat").and_then(|x| x.get("Metric"));
                if let (Some(n), Some(ns)) = (
                    m.and_then(|m| m.get("MetricName")).and_then(V::as_str),
                    m.and_then(|m| m.get("Namespace")).and_then(V::as_str),
                ) {
                    metrics.push(AlarmMetric { name: n, namespace: ns });
                }
            }
            let name = p.get("AlarmName").and_then(V::as_str).unwrap_or_else(|| id.clone());
            self.locate(&name, &id);
            self.model.alarms.push(Alarm {
                name,
                arn: None,
                metrics,
                actions_enabled: p.get("ActionsEnabled").and_then(V::as_bool).unwrap_or(true),
                alarm_actions: p.get("AlarmActions").map(V::strings).unwrap_or_default(),
                state: None,
                comparison_operator: p.get("ComparisonOperator").and_then(V::as_str),
                threshold: p.get("Threshold").and_then(V::as_str).and_then(|t| t.parse().ok()),
            });
        }
        for (id, p) in list("AWS::Events::Rule") {
            let bus = p
                .get("EventBusName")
                .and_then(V::as_str)
                .unwrap_or_else(|| "default".into());
            if bus != "default" {
                continue;
            }
            self.model.rules.push(EventRule {
                name: p.get("Name").and_then(V::as_str).unwrap_or(id),
                arn: None,
                state: p.get("State").and_then(V::as_str).unwrap_or_else(|| "ENABLED".into()),
                event_pattern: p.get("EventPattern").map(json_text),
                targets: Read::Ok(
                    p.get("Targets")
                        .map(V::items)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|t| t.get("Arn").and_then(V::as_str))
                        .collect(),
                ),
            });
        }
        for (id, p) in list("AWS::CloudTrail::EventDataStore") {
            let arn = self.reference(&id, 0).as_str().unwrap_or_default();
            self.locate(&arn, &id);
            self.model.stores.push(EventDataStore {
                arn,
                name: p.get("Name").and_then(V::as_str).unwrap_or(id),
                status: Some("ENABLED".into()),
                kms_key_id: p.get("KmsKeyId").and_then(V::as_str),
                retention_days: Some(p.get("RetentionPeriod").and_then(V::as_i64).unwrap_or(2557)),
            });
        }
        for (id, p) in list("AWS::Organizations::Policy") {
            if p.get("Type").and_then(V::as_str).as_deref() != Some("SERVICE_CONTROL_POLICY") {
                continue;
            }
            self.model.scps.push(Scp {
                id: format!("p-{id}"),
                name: p.get("Name").and_then(V::as_str).unwrap_or(id),
                aws_managed: false,
                content: p.get("Content").map(json_text).unwrap_or_default(),
                targets: p.get("TargetIds").map(V::strings).unwrap_or_default(),
            });
        }
        for ty in [
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Role",
            "AWS::IAM::User",
            "AWS::IAM::Group",
        ] {
            for (id, p) in list(ty) {
                let mut docs = Vec::new();
                if let Some(d) = p.get("PolicyDocument") {
                    docs.push((
                        p.get("PolicyName")
                            .or(p.get("ManagedPolicyName"))
                            .and_then(V::as_str)
                            .unwrap_or_else(|| id.clone()),
                        d.clone(),
                    ));
                }
                for inline in p.get("Policies").map(V::items).unwrap_or(&[]) {
                    if let Some(d) = inline.get("PolicyDocument") {
                        docs.push((
                            inline
                                .get("PolicyName")
                                .and_then(V::as_str)
                                .unwrap_or_else(|| id.clone()),
                            d.clone(),
                        ));
                    }
                }
                for (name, d) in docs {
                    self.model.iam_examined += 1;
                    let text = json_text(&d);
                    if !policy::may_grant_tampering(&text) {
                        continue;
                    }
                    let pid = format!("{id}/{name}");
                    self.locate(&pid, &id);
                    self.model.iam.push(IamPolicy {
                        name,
                        id: pid,
                        kind: if ty == "AWS::IAM::ManagedPolicy" {
                            "managed".into()
                        } else {
                            "inline".into()
                        },
                        attached_to: ["Roles", "Users", "Groups"]
                            .iter()
                            .flat_map(|k| p.get(k).map(V::strings).unwrap_or_default())
                            .collect(),
                        document: text,
                    });
                }
            }
        }
        if let Some((_, p)) = list("AWS::S3::AccountPublicAccessBlock").first() {
            self.model.account_pab = Some(pab(p));
        }
        // Trails last: they refer to everything above.
        for (id, p) in list("AWS::CloudTrail::Trail") {
            let name = self.name_of(&id, "TrailName", 0);
            let arn = format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}");
            self.locate(&arn, &id);
            let trail = trail(&name, &arn, &p, &self.model.topics);
            self.model.trails.push(trail);
        }
    }
}

fn is_no_value(n: &Node) -> bool {
    let is_ref_novalue = |v: &Node| v.text() == Some("AWS::NoValue");
    (n.tag.as_deref() == Some("Ref") && is_ref_novalue(n))
        || n.entries()
            .is_some_and(|m| m.len() == 1 && m[0].0.text() == Some("Ref") && is_ref_novalue(&m[0].1))
}

fn is_relevant(ty: &str) -> bool {
    matches!(
        ty,
        "AWS::CloudTrail::Trail"
            | "AWS::CloudTrail::EventDataStore"
            | "AWS::S3::Bucket"
            | "AWS::S3::BucketPolicy"
            | "AWS::S3::AccountPublicAccessBlock"
            | "AWS::KMS::Key"
            | "AWS::KMS::Alias"
            | "AWS::Logs::LogGroup"
            | "AWS::Logs::MetricFilter"
            | "AWS::CloudWatch::Alarm"
            | "AWS::SNS::Topic"
            | "AWS::SNS::Subscription"
            | "AWS::Events::Rule"
            | "AWS::Organizations::Policy"
            | "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::Role"
            | "AWS::IAM::User"
            | "AWS::IAM::Group"
    )
}

/// A policy document (object, or a JSON string) as JSON text.
fn json_text(v: &V) -> String {
    match v {
        V::Str(s) => s.clone(),
        other => other.to_json().to_string(),
    }
}

/// The key policy CloudFormation applies when `KeyPolicy` is omitted (root of the account).
fn default_key_policy() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

fn pab(p: &V) -> PublicAccessBlock {
    let b = |k: &str| p.get(k).and_then(V::as_bool).unwrap_or(false);
    PublicAccessBlock {
        block_public_acls: b("BlockPublicAcls"),
        ignore_public_acls: b("IgnorePublicAcls"),
        block_public_policy: b("BlockPublicPolicy"),
        restrict_public_buckets: b("RestrictPublicBuckets"),
    }
}

fn bucket(name: &str, p: &V, policy: Option<String>) -> Bucket {
    let lock = if p.get("ObjectLockEnabled").and_then(V::as_bool) == Some(true)
        || p.get("ObjectLockConfiguration")
            .and_then(|c| c.get("ObjectLockEnabled"))
            .and_then(V::as_str)
            .as_deref()
            == Some("Enabled")
    {
        let r = p
            .get("ObjectLockConfiguration")
            .and_then(|c| c.get("Rule"))
            .and_then(|r| r.get("DefaultRetention"));
        Some(ObjectLock {
            enabled: true,
            mode: r.and_then(|r| r.get("Mode")).and_then(V::as_str),
            days: r.and_then(|r| r.get("Days")).and_then(V::as_i64),
            years: r.and_then(|r| r.get("Years")).and_then(V::as_i64),
        })
    } else {
        None
    };
    let lifecycle = p
        .get("LifecycleConfiguration")
        .and_then(|l| l.get("Rules"))
        .map(V::items)
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            let mut transitions: Vec<Transition> = r
                .get("Transitions")
                .map(V::items)
                .unwrap_or(&[])
                .iter()
                .map(|t| Transition {
                    days: t.get("TransitionInDays").and_then(V::as_i64),
                    storage_class: t.get("StorageClass").and_then(V::as_str).unwrap_or_default(),
                })
                .collect();
            if let Some(t) = r.get("Transition") {
                transitions.push(Transition {
                    days: t.get("TransitionInDays").and_then(V::as_i64),
                    storage_class: t.get("StorageClass").and_then(V::as_str).unwrap_or_default(),
                });
            }
            LifecycleRule {
                id: r.get("Id").and_then(V::as_str),
                status: r.get("Status").and_then(V::as_str).unwrap_or_else(|| "Enabled".into()),
                prefix: r.get("Prefix").and_then(V::as_str),
                narrowed: r.get("TagFilters").is_some_and(|t| !t.items().is_empty())
                    || r.get("ObjectSizeGreaterThan").is_some()
                    || r.get("ObjectSizeLessThan").is_some(),
                transitions,
                expiration_days: r.get("ExpirationInDays").and_then(V::as_i64),
                noncurrent_expiration_days: r
                    .get("NoncurrentVersionExpiration")
                    .and_then(|n| n.get("NoncurrentDays"))
                    .and_then(V::as_i64)
                    .or_else(|| r.get("NoncurrentVersionExpirationInDays").and_then(V::as_i64)),
            }
        })
        .collect();
    let enc = p
        .get("BucketEncryption")
        .and_then(|e| e.get("ServerSideEncryptionConfiguration"))
        .and_then(|c| c.items().first())
        .and_then(|r| r.get("ServerSideEncryptionByDefault"))
        .map(|d| BucketEncryption {
            algorithm: d.get("SSEAlgorithm").and_then(V::as_str).unwrap_or_default(),
            kms_key_id: d.get("KMSMasterKeyID").and_then(V::as_str),
        });
    Bucket {
        name: name.to_string(),
        presence: Read::Ok(BucketPresence::Owned),
        region: Some(REGION.into()),
        policy: Read::Ok(policy),
        acl: Read::Ok(
            p.get("AccessControl")
                .and_then(V::as_str)
                .map(|a| canned_acl_grants(&a))
                .unwrap_or_default(),
        ),
        public_access_block: Read::Ok(p.get("PublicAccessBlockConfiguration").map(pab)),
        versioning: Read::Ok(Versioning {
            status: p
                .get("VersioningConfiguration")
                .and_then(|v| v.get("Status"))
                .and_then(V::as_str),
            mfa_delete: None,
        }),
        object_lock: Read::Ok(lock),
        lifecycle: Read::Ok(lifecycle),
        logging: Read::Ok(p.get("LoggingConfiguration").map(|l| {
            BucketLogging {
                // Without a destination, S3 logs into the bucket itself.
                target_bucket: l
                    .get("DestinationBucketName")
                    .and_then(V::as_str)
                    .unwrap_or_else(|| name.to_string()),
                target_prefix: l.get("LogFilePrefix").and_then(V::as_str),
            }
        })),
        encryption: Read::Ok(enc),
    }
}

fn field_selector(f: &V) -> FieldSelector {
    let l = |k: &str| f.get(k).map(V::strings).unwrap_or_default();
    FieldSelector {
        field: f.get("Field").and_then(V::as_str).unwrap_or_default(),
        equals: l("Equals"),
        starts_with: l("StartsWith"),
        ends_with: l("EndsWith"),
        not_equals: l("NotEquals"),
        not_starts_with: l("NotStartsWith"),
        not_ends_with: l("NotEndsWith"),
    }
}

fn trail(name: &str, arn: &str, p: &V, topics: &[Topic]) -> Trail {
    let b = |k: &str, d: bool| p.get(k).and_then(V::as_bool).unwrap_or(d);
    let classic: Vec<EventSelector> = p
        .get("EventSelectors")
        .map(V::items)
        .unwrap_or(&[])
        .iter()
        .map(|e| EventSelector {
            read_write_type: e
                .get("ReadWriteType")
                .and_then(V::as_str)
                .unwrap_or_else(|| "All".into()),
            include_management_events: e.get("IncludeManagementEvents").and_then(V::as_bool).unwrap_or(true),
            data_resources: e
                .get("DataResources")
                .map(V::items)
                .unwrap_or(&[])
                .iter()
                .map(|d| DataResource {
                    kind: d.get("Type").and_then(V::as_str).unwrap_or_default(),
                    values: d.get("Values").map(V::strings).unwrap_or_default(),
                })
                .collect(),
            exclude_management_event_sources: e
                .get("ExcludeManagementEventSources")
                .map(V::strings)
                .unwrap_or_default(),
        })
        .collect();
    let advanced: Vec<AdvancedEventSelector> = p
        .get("AdvancedEventSelectors")
        .map(V::items)
        .unwrap_or(&[])
        .iter()
        .map(|a| AdvancedEventSelector {
            name: a.get("Name").and_then(V::as_str),
            field_selectors: a
                .get("FieldSelectors")
                .map(V::items)
                .unwrap_or(&[])
                .iter()
                .map(field_selector)
                .collect(),
        })
        .collect();
    let sns = p.get("SnsTopicName").and_then(V::as_str).map(|t| {
        if t.starts_with("arn:") {
            t
        } else {
            topics
                .iter()
                .find(|x| x.arn.rsplit(':').next() == Some(t.as_str()))
                .map(|x| x.arn.clone())
                .unwrap_or_else(|| format!("arn:aws:sns:{REGION}:{ACCOUNT}:{t}"))
        }
    });
    let tags = p
        .get("Tags")
        .map(V::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?,
                t.get("Value").and_then(V::as_str).unwrap_or_default(),
            ))
        })
        .collect();
    Trail {
        name: name.to_string(),
        arn: arn.to_string(),
        home_region: REGION.into(),
        s3_bucket_name: p
            .get("S3BucketName")
            .map(|v| v.as_str().unwrap_or_else(|| unresolved_name(v))),
        s3_key_prefix: p.get("S3KeyPrefix").and_then(V::as_str),
        sns_topic_arn: sns,
        include_global_service_events: b("IncludeGlobalServiceEvents", true),
        is_multi_region: b("IsMultiRegionTrail", false),
        is_organization_trail: b("IsOrganizationTrail", false),
        log_file_validation: b("EnableLogFileValidation", false),
        cloudwatch_logs_log_group_arn: p
            .get("CloudWatchLogsLogGroupArn")
            .map(|v| v.as_str().unwrap_or_else(|| unresolved_name(v))),
        cloudwatch_logs_role_arn: p
            .get("CloudWatchLogsRoleArn")
            .map(|v| v.as_str().unwrap_or_else(|| unresolved_name(v))),
        kms_key_id: p
            .get("KMSKeyId")
            .map(|v| v.as_str().unwrap_or_else(|| unresolved_name(v))),
        detail: Some(TrailDetail {
            status: Read::Ok(TrailStatus {
                is_logging: b("IsLogging", false),
                ..TrailStatus::default()
            }),
            selectors: Read::Ok(Selectors { classic, advanced }),
            insights: Read::Ok(
                p.get("InsightSelectors")
                    .map(V::items)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|i| i.get("InsightType").and_then(V::as_str))
                    .collect(),
            ),
            tags: Read::Ok(tags),
        }),
    }
}

/// The placeholder for a value the template does not know.
fn unresolved_name(v: &V) -> String {
    format!("{{unresolved: {}}}", v.unknown().unwrap_or("not a string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(t: &str) -> Snapshot {
        read("t.yaml", t, "2026-01-01T00:00:00Z").unwrap()
    }

    #[test]
    fn intrinsics() {
        let t = r#"
Parameters:
  Env: { Type: String, Default: prod }
  Imported: { Type: String }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${AWS::AccountId}-${Env}-trail'
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: !If [IsProd, true, false]
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: main
      IsLogging: true
      S3BucketName: !Ref Bucket
      KMSKeyId: { "Fn::GetAtt": [Key, Arn] }
      S3KeyPrefix: !Join ['', [!Ref Imported, '/x']]
      IsMultiRegionTrail: "true"
"#;
        let s = snap(t);
        let a = &s.accounts[0];
        let trail = &a.region_data[0].trails.ok().unwrap()[0];
        assert_eq!(trail.s3_bucket_name.as_deref(), Some("{AccountId}-prod-trail"));
        assert_eq!(
            trail.kms_key_id.as_deref(),
            Some("arn:aws:kms:{Region}:{AccountId}:key/Key")
        );
        assert!(trail.is_multi_region);
        assert_eq!(a.keys[0].rotation_enabled, Read::Ok(true));
        assert_eq!(s.unresolved.len(), 1);
        assert_eq!(s.unresolved[0].property, "S3KeyPrefix");
        assert_eq!(s.unresolved[0].line, 23);
        assert!(s.location(&trail.arn).is_some_and(|l| l.line == 16));
    }

    #[test]
    fn json_templates() {
        let t = r#"{"Resources": {"T": {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsLogging": true, "S3BucketName": {"Ref": "B"},
            "CloudWatchLogsLogGroupArn": {"Fn::Sub": ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${G}:*", {"G": "ct"}]}}},
            "B": {"Type": "AWS::S3::Bucket"}}}"#;
        let s = read("t.json", t, "2026-01-01T00:00:00Z").unwrap();
        let trail = &s.accounts[0].region_data[0].trails.ok().unwrap()[0];
        assert_eq!(trail.s3_bucket_name.as_deref(), Some("B"));
        assert_eq!(
            trail.cloudwatch_logs_log_group_arn.as_deref(),
            Some("arn:aws:logs:{Region}:{AccountId}:log-group:ct:*")
        );
        assert!(read("x.yaml", "a: 1", "now").is_err());
    }
}
