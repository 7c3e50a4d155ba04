//! The CIS monitoring chain shared by CT-011 … CT-025: trail → log group → metric filter that
//! covers the prescribed pattern → alarm on its metric, enabled, with an ALARM action → SNS
//! topic with a confirmed subscription. Every link is checked and named in the result.

use crate::check::{CheckInfo, Finding, Resource, Status, unreadable};
use crate::cis::{self, Control};
use crate::coverage::{self, Coverage};
use crate::snapshot::{LogGroup, MetricFilter};
use crate::world::{Context, TrailView, WithEvidence};

/// The doc text shared by the alarm checks (`--explain` appends the control's patterns).
pub(crate) const WHAT: &str = "For every account, a metric filter on the CloudWatch Logs log group of a logging multi-region trail that logs read and write management events (its own or its organization's) covers the pattern the selected CIS version prescribes for this control — compared by what the patterns match, so order, quoting, spacing and extra alternatives do not matter while a narrowing extra condition does — and its metric (name and namespace) is watched by an alarm with `ActionsEnabled = true` and an ALARM-state action whose SNS topic has at least one confirmed subscription. `--strict-exact` demands the published text instead, as Security Hub does.";

/// How to fix, in words.
pub(crate) const FIX: &str = "Create the metric filter on the trail's log group with the CIS pattern, an alarm on its metric (Sum ≥ 1 over 5 minutes) that notifies an SNS topic, and confirm a subscription to the topic.";

/// CLI remediation; `{pattern}`, `{metric}` are filled in by `--explain`.
pub(crate) const CLI: &str = "aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name {metric} \\\n  --metric-transformations metricName={metric},metricNamespace=CISBenchmark,metricValue=1 \\\n  --filter-pattern '{pattern}'\naws sns create-topic --name cis-alarms\naws sns subscribe --topic-arn <topic-arn> --protocol email --notification-endpoint <address>   # then confirm it\naws cloudwatch put-metric-alarm --alarm-name {metric} --metric-name {metric} --namespace CISBenchmark \\\n  --statistic Sum --period 300 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold \\\n  --evaluation-periods 1 --alarm-actions <topic-arn>";

/// CloudFormation remediation; `{pattern}`, `{metric}` are filled in by `--explain`.
pub(crate) const CFN: &str = "{metric}Filter:\n  Type: AWS::Logs::MetricFilter\n  Properties:\n    LogGroupName: !Ref TrailLogGroup\n    FilterPattern: '{pattern}'\n    MetricTransformations:\n      - MetricName: {metric}\n        MetricNamespace: CISBenchmark\n        MetricValue: '1'\n{metric}Alarm:\n  Type: AWS::CloudWatch::Alarm\n  Properties:\n    MetricName: {metric}\n    Namespace: CISBenchmark\n    Statistic: Sum\n    Period: 300\n    EvaluationPeriods: 1\n    Threshold: 1\n    ComparisonOperator: GreaterThanOrEqualToThreshold\n    ActionsEnabled: true\n    AlarmActions: [!Ref AlarmTopic]";

/// References shared by the alarm checks.
pub(crate) const REFERENCES: &[&str] = &[
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html",
    "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html",
];

/// The metric name used in remediations, per control index (1-based).
pub(crate) const METRICS: [&str; 15] = [
    "UnauthorizedAPICalls",
    "ConsoleSignInWithoutMFA",
    "RootAccountUsage",
    "IAMPolicyChanges",
    "CloudTrailConfigChanges",
    "ConsoleAuthenticationFailures",
    "DisableOrDeleteCMK",
    "S3BucketPolicyChanges",
    "AWSConfigChanges",
    "SecurityGroupChanges",
    "NACLChanges",
    "NetworkGatewayChanges",
    "RouteTableChanges",
    "VPCChanges",
    "OrganizationsChanges",
];

/// The CIS control of an alarm check id (`CT-011` → control 1).
pub(crate) fn control_for(check_id: &str) -> Option<&'static Control> {
    let n: usize = check_id.strip_prefix("CT-")?.parse().ok()?;
    (11..=25).contains(&n).then(|| &cis::CONTROLS[n - 11])
}

/// How far a chain got (to pick the most informative failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Trail,
    Filter,
    Alarm,
    Action,
    Topic,
}

struct Outcome {
    stage: Stage,
    status: Status,
    reason: String,
}

/// Filter coverage of a control in a version.
fn filter_covers(cx: &Context<'_>, control: &Control, version: &str, f: &MetricFilter) -> Coverage {
    let published = control.patterns(version);
    if cx.opts.strict_exact {
        let sh = (version == "1.2.0")
            .then(|| cis::securityhub_pattern(control))
            .flatten();
        return if published
            .iter()
            .copied()
            .chain(sh)
            .any(|p| coverage::exactly(&f.pattern, p))
        {
            Coverage::Covers {
                how: "the text is a published pattern (--strict-exact)".into(),
            }
        } else {
            Coverage::DoesNotCover {
                reason: "the text is not a published pattern of this version (--strict-exact)".into(),
            }
        };
    }
    let mut unknown = None;
    let mut not = None;
    for p in published {
        match coverage::covers(&f.pattern, p) {
            c @ Coverage::Covers { .. } => return c,
            c @ Coverage::Unknown { .. } => {
                unknown.get_or_insert(c);
            }
            c @ Coverage::DoesNotCover { .. } => {
                not.get_or_insert(c);
            }
        }
    }
    unknown.or(not).unwrap_or(Coverage::DoesNotCover {
        reason: format!("CIS v{version} has no such control"),
    })
}

/// Run the chain for control `index` (1-based) over every account.
pub(crate) fn run(cx: &Context<'_>, info: &CheckInfo, index: usize) -> Vec<Finding> {
    let control = &cis::CONTROLS[index - 1];
    let version = cx.opts.cis_version.as_str();
    let section = control.section(version).unwrap_or_else(|| format!("control {index}"));
    let mut out = Vec::new();
    for acct in &cx.snap.accounts {
        let res = Resource::account(&acct.account_id);
        if control.patterns(version).is_empty() {
            out.push(cx.finding(
                info,
                Status::NotApplicable,
                res,
                format!("CIS v{version} has no control for {}", control.subject),
            ));
            continue;
        }
        let trails = cx.world.trails_for(&acct.account_id);
        let mut outcomes: Vec<Outcome> = Vec::new();
        let mut evidence = Vec::new();
        let mut passed = None;
        for t in trails.iter().filter(|t| t.trail.is_multi_region) {
            match chain(cx, control, version, t, &mut evidence) {
                Ok(reason) => {
                    passed = Some(reason);
                    break;
                }
                Err(o) => outcomes.push(o),
            }
        }
        let f = if let Some(reason) = passed {
            cx.finding(info, Status::Pass, res, reason)
        } else if outcomes.is_empty() {
            let why = if trails.is_empty() {
                "no trail logs this account".to_string()
            } else {
                "no multi-region trail logs this account".to_string()
            };
            if cx.iac() && trails.is_empty() {
                cx.finding(info, Status::NotApplicable, res, "the template defines no trail")
            } else {
                cx.finding(
                    info,
                    Status::Fail,
                    res,
                    format!(
                        "{} are not monitored (CIS v{version} {section}): {why}",
                        control.subject
                    ),
                )
            }
        } else {
            // The failure that got furthest; an unknown beats a failure at the same stage.
            outcomes.sort_by(|a, b| {
                a.stage
                    .cmp(&b.stage)
                    .then((a.status != Status::Fail).cmp(&(b.status != Status::Fail)))
            });
            let best = outcomes
                .pop()
                .map(|o| (o.status, o.reason))
                .unwrap_or((Status::Fail, String::new()));
            cx.finding(
                info,
                best.0,
                res,
                if best.0 == Status::Fail {
                    format!(
                        "{} are not monitored (CIS v{version} {section}): {}",
                        control.subject, best.1
                    )
                } else {
                    best.1
                },
            )
        };
        out.push(f.evidence(evidence));
    }
    out
}

/// One trail's chain: Ok(pass reason) or the failure.
fn chain(
    cx: &Context<'_>,
    control: &Control,
    version: &str,
    t: &TrailView<'_>,
    evidence: &mut Vec<String>,
) -> Result<String, Outcome> {
    let fail = |stage, reason: String| Outcome {
        stage,
        status: Status::Fail,
        reason,
    };
    let unknown = |stage, (status, reason): (Status, String)| Outcome { stage, status, reason };
    match t.logging() {
        Ok(true) => {}
        Ok(false) => {
            return Err(fail(
                Stage::Trail,
                format!("multi-region trail {} is stopped", t.trail.name),
            ));
        }
        Err(e) => {
            return Err(unknown(
                Stage::Trail,
                unreadable(&format!("the status of trail {}", t.trail.name), &e),
            ));
        }
    }
    match t.management() {
        Ok(m) if m.read && m.write => {}
        Ok(m) => {
            return Err(fail(
                Stage::Trail,
                format!(
                    "trail {} does not log read and write management events ({})",
                    t.trail.name,
                    m.gaps().join("; ")
                ),
            ));
        }
        Err(e) => {
            return Err(unknown(
                Stage::Trail,
                unreadable(&format!("the selectors of trail {}", t.trail.name), &e),
            ));
        }
    }
    let Some(group_arn) = t.trail.cloudwatch_logs_log_group_arn.as_deref() else {
        return Err(fail(
            Stage::Trail,
            format!(
                "trail {} does not send its events to CloudWatch Logs (no CloudWatchLogsLogGroupArn)",
                t.trail.name
            ),
        ));
    };
    let Some(group) = cx.world.log_group(group_arn) else {
        return Err(unknown(
            Stage::Filter,
            (
                Status::Manual,
                format!(
                    "trail {} delivers to log group {group_arn}, which is not in the snapshot (another account?); check its metric filters there or collect with --org",
                    t.trail.name
                ),
            ),
        ));
    };
    let filters = match group.metric_filters.as_result() {
        Ok(f) => f,
        Err(e) => {
            return Err(unknown(
                Stage::Filter,
                unreadable(&format!("the metric filters of log group {}", group.name), e),
            ));
        }
    };
    let mut covering = Vec::new();
    let mut undecided = Vec::new();
    for f in filters {
        match filter_covers(cx, control, version, f) {
            Coverage::Covers { how } => {
                let versions: Vec<&str> = cis::VERSIONS
                    .iter()
                    .copied()
                    .filter(|v| matches!(filter_covers(cx, control, v, f), Coverage::Covers { .. }))
                    .collect();
                evidence.push(format!(
                    "filter {:?} on {}: covers ({how}; satisfies CIS v{}); pattern {}",
                    f.name,
                    group.name,
                    versions.join(", v"),
                    f.pattern
                ));
                covering.push(f);
            }
            Coverage::Unknown { reason } => {
                evidence.push(format!(
                    "filter {:?} on {}: undecided ({reason}); pattern {}",
                    f.name, group.name, f.pattern
                ));
                undecided.push(f.name.as_str());
            }
            Coverage::DoesNotCover { .. } => {}
        }
    }
    if covering.is_empty() {
        if !undecided.is_empty() {
            return Err(unknown(
                Stage::Filter,
                (
                    Status::Manual,
                    format!(
                        "compare by hand: filters {} on log group {} were not decided against the CIS v{version} pattern {}",
                        undecided.join(", "),
                        group.name,
                        control.patterns(version).first().copied().unwrap_or("")
                    ),
                ),
            ));
        }
        return Err(fail(
            Stage::Filter,
            format!(
                "none of the {} metric filters on log group {} covers the pattern {}",
                filters.len(),
                group.name,
                control.patterns(version).first().copied().unwrap_or("")
            ),
        ));
    }
    let mut best: Option<Outcome> = None;
    let mut keep = |o: Outcome| {
        if best.as_ref().is_none_or(|b| o.stage > b.stage) {
            best = Some(o);
        }
    };
    for f in covering {
        match alarm_chain(cx, group, f, evidence) {
            Ok(r) => {
                return Ok(format!(
                    "filter {:?} on log group {} (trail {}) covers the CIS v{version} pattern; {r}",
                    f.name, group.name, t.trail.name
                ));
            }
            Err(o) => keep(o),
        }
    }
    Err(best.unwrap_or(Outcome {
        stage: Stage::Alarm,
        status: Status::Fail,
        reason: "no alarm".into(),
    }))
}

/// From a covering filter to a subscribed topic.
fn alarm_chain(
    cx: &Context<'_>,
    group: &LogGroup,
    f: &MetricFilter,
    evidence: &mut Vec<String>,
) -> Result<String, Outcome> {
    let account = crate::arn::account(&group.arn).unwrap_or("");
    let alarms = cx.world.alarms(account, &group.region).map_err(|e| {
        let (status, reason) = unreadable(&format!("the alarms of account {account} in {}", group.region), &e);
        Outcome {
            stage: Stage::Alarm,
            status,
            reason,
        }
    })?;
    let mut best: Option<Outcome> = None;
    let mut keep = |o: Outcome| {
        if best.as_ref().is_none_or(|b| o.stage > b.stage) {
            best = Some(o);
        }
    };
    let metrics: Vec<String> = f
        .transformations
        .iter()
        .map(|m| format!("{}/{}", m.metric_namespace, m.metric_name))
        .collect();
    let watching: Vec<_> = alarms
        .iter()
        .filter(|a| {
            a.metrics.iter().any(|am| {
                f.transformations
                    .iter()
                    .any(|m| m.metric_name == am.name && m.metric_namespace == am.namespace)
            })
        })
        .collect();
    if watching.is_empty() {
        return Err(Outcome {
            stage: Stage::Alarm,
            status: Status::Fail,
            reason: format!(
                "filter {:?} covers the pattern but no alarm watches its metric {}",
                f.name,
                metrics.join(", ")
            ),
        });
    }
    for a in watching {
        if !a.actions_enabled {
            evidence.push(format!("alarm {:?}: ActionsEnabled = false", a.name));
            keep(Outcome {
                stage: Stage::Action,
                status: Status::Fail,
                reason: format!(
                    "alarm {:?} on {} has ActionsEnabled = false: it never notifies",
                    a.name,
                    metrics.join(", ")
                ),
            });
            continue;
        }
        if a.alarm_actions.is_empty() {
            evidence.push(format!("alarm {:?}: no ALARM action", a.name));
            keep(Outcome {
                stage: Stage::Action,
                status: Status::Fail,
                reason: format!("alarm {:?} on {} has no ALARM-state action", a.name, metrics.join(", ")),
            });
            continue;
        }
        let topics: Vec<&String> = a.alarm_actions.iter().filter(|x| x.contains(":sns:")).collect();
        if topics.is_empty() {
            keep(Outcome {
                stage: Stage::Action,
                status: Status::Fail,
                reason: format!(
                    "alarm {:?} notifies no SNS topic (actions: {})",
                    a.name,
                    a.alarm_actions.join(", ")
                ),
            });
            continue;
        }
        for topic_arn in topics {
            let Some(topic) = cx.world.topic(topic_arn) else {
                keep(Outcome {
                    stage: Stage::Topic,
                    status: Status::Manual,
                    reason: format!(
                        "alarm {:?} notifies topic {topic_arn}, which is not in the snapshot (another account?); check its subscriptions there",
                        a.name
                    ),
                });
                continue;
            };
            let subs = match topic.subscriptions.as_result() {
                Ok(s) => s,
                Err(e) => {
                    let (status, reason) = unreadable(&format!("the subscriptions of topic {topic_arn}"), e);
                    keep(Outcome {
                        stage: Stage::Topic,
                        status,
                        reason,
                    });
                    continue;
                }
            };
            let declared = cx.iac() && subs.iter().any(|s| s.arn.starts_with("template:"));
            let confirmed = subs.iter().filter(|s| s.is_confirmed()).count();
            evidence.push(format!(
                "alarm {:?} → topic {topic_arn}: {} subscriptions, {confirmed} confirmed",
                a.name,
                subs.len()
            ));
            if confirmed > 0 || declared {
                return Ok(format!(
                    "alarm {:?} on {} is enabled and notifies topic {topic_arn}{}",
                    a.name,
                    metrics.join(", "),
                    if declared {
                        " (subscription declared in the template; confirm it after deployment)".to_string()
                    } else {
                        format!(
                            ", which has {confirmed} confirmed subscription{}",
                            if confirmed == 1 { "" } else { "s" }
                        )
                    }
                ));
            }
            keep(Outcome {
                stage: Stage::Topic,
                status: Status::Fail,
                reason: if subs.is_empty() {
                    format!(
                        "alarm {:?} notifies topic {topic_arn}, which has no subscription: nobody is told",
                        a.name
                    )
                } else {
                    format!(
                        "alarm {:?} notifies topic {topic_arn}, whose {} subscriptions are all pending confirmation",
                        a.name,
                        subs.len()
                    )
                },
            });
        }
    }
    Err(best.unwrap_or(Outcome {
        stage: Stage::Alarm,
        status: Status::Fail,
        reason: "no usable alarm".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::REGISTRY;

    #[test]
    fn alarm_checks_carry_their_control_mappings() {
        for r in REGISTRY {
            let Some(control) = control_for(r.info.id) else {
                continue;
            };
            let mut want = control.mappings();
            want.sort();
            let mut have: Vec<String> = r.info.mappings.iter().map(|s| s.to_string()).collect();
            have.retain(|m| !m.starts_with("securityhub:CloudWatch.15") && !m.starts_with("securityhub:CloudWatch.17"));
            have.sort();
            assert_eq!(have, want, "{}", r.info.id);
        }
        assert_eq!(control_for("CT-011").map(|c| c.index), Some(1));
        assert_eq!(control_for("CT-025").map(|c| c.index), Some(15));
        assert!(control_for("CT-026").is_none());
    }
}
