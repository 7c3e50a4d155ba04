//! CT-026: tampering with the trail, its bucket and its key is monitored beyond CIS 4.5.

use crate::arn;
use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status};
use crate::coverage::{self, Coverage};
use crate::eventbridge::{self, RuleCoverage};
use crate::world::{Context, WithEvidence};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-026",
    name: "trail-tampering-not-monitored",
    title: "Tampering with the trail, its bucket and its key raises an alert",
    severity: Severity::Medium,
    scope: Scope::Account,
    default_enabled: true,
    mappings: &[
        "cis-aws-5.0.0:4.5",
        "cis-aws-5.0.0:4.7",
        "cis-aws-5.0.0:4.8",
        "stratus:aws.defense-evasion.cloudtrail-event-selectors",
        "stratus:aws.defense-evasion.cloudtrail-lifecycle-rule",
    ],
    doc: Doc {
        what: "In every account that owns a trail, a trail bucket or a trail key, each tampering call is caught by an enabled EventBridge rule with a target in the resource's region, or by a metric filter with an enabled, actioned alarm on a logging multi-region trail's log group: `cloudtrail:PutEventSelectors`, `PutInsightSelectors`, `DeleteEventDataStore` (trail owners); `s3:PutBucketLifecycle`, `PutBucketPolicy`, `DeleteBucket` (bucket owners); `kms:DisableKey`, `ScheduleKeyDeletion`, `PutKeyPolicy` (key owners). A rule counts only when its event pattern fires on every record of the call.",
        why: "CIS 4.5 watches StopLogging and DeleteTrail, but an intruder can keep IsLogging = true and blind the trail with PutEventSelectors (exclude all management events), expire the logs with a one-day lifecycle rule, or make them unreadable by disabling the key (Stratus Red Team techniques cloudtrail-event-selectors and cloudtrail-lifecycle-rule).",
        example: "No rule or filter matches PutEventSelectors: a selector that logs nothing leaves the trail green in every console.",
        fix: "Add an EventBridge rule (per region where the resources live) for the calls, with an SNS or incident-response target.",
        cli: "aws events put-rule --name trail-tampering --event-pattern '{\"source\":[\"aws.cloudtrail\",\"aws.s3\",\"aws.kms\"],\"detail-type\":[\"AWS API Call via CloudTrail\"],\"detail\":{\"eventName\":[\"PutEventSelectors\",\"PutInsightSelectors\",\"DeleteEventDataStore\",\"StopLogging\",\"DeleteTrail\",\"UpdateTrail\",\"PutBucketLifecycle\",\"PutBucketPolicy\",\"DeleteBucket\",\"DisableKey\",\"ScheduleKeyDeletion\",\"PutKeyPolicy\"]}}'\naws events put-targets --rule trail-tampering --targets Id=notify,Arn=<topic-arn>",
        cloudformation: "TamperingRule:\n  Type: AWS::Events::Rule\n  Properties:\n    State: ENABLED\n    EventPattern:\n      source: [aws.cloudtrail, aws.s3, aws.kms]\n      detail-type: [AWS API Call via CloudTrail]\n      detail:\n        eventName: [PutEventSelectors, PutInsightSelectors, DeleteEventDataStore, StopLogging, DeleteTrail, UpdateTrail, PutBucketLifecycle, PutBucketPolicy, DeleteBucket, DisableKey, ScheduleKeyDeletion, PutKeyPolicy]\n    Targets:\n      - Id: notify\n        Arn: !Ref AlarmTopic",
        references: &[
            "https://stratus-red-team.cloud/attack-techniques/AWS/aws.defense-evasion.cloudtrail-event-selectors/",
            "https://stratus-red-team.cloud/attack-techniques/AWS/aws.defense-evasion.cloudtrail-lifecycle-rule/",
        ],
    },
};

const CLOUDTRAIL_OPS: &[&str] = &["PutEventSelectors", "PutInsightSelectors", "DeleteEventDataStore"];
const S3_OPS: &[&str] = &["PutBucketLifecycle", "PutBucketPolicy", "DeleteBucket"];
const KMS_OPS: &[&str] = &["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"];

enum Verdict {
    Covered(String),
    Partial(String),
    Undecided(String),
    Missing,
}

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let me = acct.account_id.as_str();
        // (event source, event name, region) to watch in this account.
        let mut watch: Vec<(&str, &str, String)> = Vec::new();
        for t in cx.world.trails.iter().filter(|t| t.owner() == me) {
            for op in CLOUDTRAIL_OPS {
                watch.push(("cloudtrail.amazonaws.com", op, t.trail.home_region.clone()));
            }
        }
        for t in &cx.world.trails {
            if let Some(b) = t.trail.s3_bucket_name.as_deref()
                && let Some((owner, bucket)) = cx.world.bucket(b)
                && owner.account_id == me
                && matches!(bucket.presence, crate::snapshot::Read::Ok(crate::snapshot::BucketPresence::Owned))
            {
                let region = bucket.region.clone().unwrap_or_else(|| "us-east-1".into());
                for op in S3_OPS {
                    watch.push(("s3.amazonaws.com", op, region.clone()));
                }
            }
            if let Some(k) = t.trail.kms_key_id.as_deref()
                && let Some(key) = cx.world.key(k)
            {
                let key_arn = key.metadata.ok().map(|m| m.arn.as_str()).unwrap_or(k);
                if arn::account(key_arn) == Some(me) {
                    for op in KMS_OPS {
                        watch.push(("kms.amazonaws.com", op, key.region.clone()));
                    }
                }
            }
        }
        watch.sort();
        watch.dedup();
        let res = Resource::account(me);
        if watch.is_empty() {
            out.push(cx.finding(&INFO, Status::NotApplicable, res, "the account owns no trail, trail bucket or trail key"));
            continue;
        }
        let mut missing = Vec::new();
        let mut undecided = Vec::new();
        let mut evidence = Vec::new();
        for (source, name, region) in &watch {
            match verdict(cx, me, source, name, region) {
                Verdict::Covered(how) => evidence.push(format!("{name} in {region}: {how}")),
                Verdict::Partial(how) => {
                    evidence.push(format!("{name} in {region}: only partly ({how})"));
                    undecided.push(format!("{name} ({region})"));
                }
                Verdict::Undecided(how) => {
                    evidence.push(format!("{name} in {region}: undecided ({how})"));
                    undecided.push(format!("{name} ({region})"));
                }
                Verdict::Missing => missing.push(format!("{name} ({region})")),
            }
        }
        let f = if !missing.is_empty() {
            cx.finding(&INFO, Status::Fail, res, format!("no enabled EventBridge rule or alarmed metric filter catches {}", missing.join(", ")))
        } else if !undecided.is_empty() {
            cx.finding(&INFO, Status::Manual, res, format!("compare by hand: coverage of {} could not be decided", undecided.join(", ")))
        } else {
            cx.finding(&INFO, Status::Pass, res, format!("all {} tampering calls on this account's trail resources raise an alert", watch.len()))
        };
        out.push(f.evidence(evidence));
    }
    out
}

fn verdict(cx: &Context<'_>, account: &str, source: &str, name: &str, region: &str) -> Verdict {
    let mut partial = None;
    // EventBridge rules in the resource's account and region.
    if let Some(a) = cx.snap.account(account)
        && let Some(rd) = a.region_data.iter().find(|r| r.region == region)
        && let Some(rules) = rd.event_rules.ok()
    {
        for r in rules.iter().filter(|r| r.state == "ENABLED") {
            let Some(p) = r.event_pattern.as_deref() else { continue };
            let has_target = r.targets.ok().is_some_and(|t| !t.is_empty()) || r.targets.err().is_some_and(|e| e.kind.is_manual());
            match eventbridge::covers_api_call(p, source, name) {
                Ok(RuleCoverage::Covers) if has_target => return Verdict::Covered(format!("EventBridge rule {}", r.name)),
                Ok(RuleCoverage::Covers) => partial = Some(format!("EventBridge rule {} has no target", r.name)),
                Ok(RuleCoverage::Narrowed(fields)) => {
                    partial.get_or_insert(format!("EventBridge rule {} also tests {}", r.name, fields.join(", ")));
                }
                _ => {}
            }
        }
    }
    // Metric filters on log groups of logging multi-region trails of the account, with an alarm.
    let required = format!("{{ ($.eventSource = \"{source}\") && ($.eventName = \"{name}\") }}");
    let mut undecided = None;
    for t in cx.world.trails_for(account).into_iter().filter(|t| t.trail.is_multi_region) {
        if !matches!(t.logging(), Ok(true)) {
            continue;
        }
        let Some(g) = t.trail.cloudwatch_logs_log_group_arn.as_deref().and_then(|g| cx.world.log_group(g)) else {
            continue;
        };
        let Some(filters) = g.metric_filters.ok() else { continue };
        let group_account = arn::account(&g.arn).unwrap_or("");
        let alarms = cx.world.alarms(group_account, &g.region).unwrap_or(&[]);
        for f in filters {
            let alarmed = alarms.iter().any(|a| {
                a.actions_enabled
                    && !a.alarm_actions.is_empty()
                    && a.metrics.iter().any(|m| {
                        f.transformations
                            .iter()
                            .any(|t| t.metric_name == m.name && t.metric_namespace == m.namespace)
                    })
            });
            if !alarmed {
                continue;
            }
            match coverage::covers(&f.pattern, &required) {
                Coverage::Covers { .. } => return Verdict::Covered(format!("metric filter {:?} on {} with an alarm", f.name, g.name)),
                Coverage::Unknown { reason } => {
                    undecided.get_or_insert(format!("alarmed filter {:?} on {}: {reason}", f.name, g.name));
                }
                Coverage::DoesNotCover { .. } => {}
            }
        }
    }
    match (partial, undecided) {
        (Some(p), _) => Verdict::Partial(p),
        (None, Some(u)) => Verdict::Undecided(u),
        (None, None) => Verdict::Missing,
    }
}
