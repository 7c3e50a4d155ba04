//! CloudWatch Logs (trail log groups and their metric filters) and SNS (subscriptions of the
//! topics that alarms on those filters notify).

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt};
use trailguard_posture::arn;
use trailguard_posture::snapshot::{
    LogGroup, LogGroupInfo, MetricFilter, MetricTransformation, Read, RegionData, Subscription, Topic, Trail,
};

use crate::clients::Clients;
use crate::errors::read_error;

/// The log groups this account's trails deliver to (those owned by this account).
pub(crate) async fn log_groups(c: &Clients, account: &str, trails: &BTreeMap<String, Trail>) -> Vec<LogGroup> {
    let mut arns: BTreeMap<String, String> = BTreeMap::new();
    for t in trails.values() {
        if let Some(g) = &t.cloudwatch_logs_log_group_arn
            && arn::account(g).is_none_or(|a| a == account)
        {
            arns.entry(arn::log_group_key(g).to_string())
                .or_insert_with(|| g.clone());
        }
    }
    stream::iter(arns.into_values())
        .map(|group_arn| async move {
            let name = arn::log_group_name(&group_arn).unwrap_or_default().to_string();
            let region = arn::region(&group_arn).unwrap_or(&c.home).to_string();
            let logs = c.logs(&region);
            let info = find_group(&logs, &name).await;
            let mut filters = Vec::new();
            let mut token: Option<String> = None;
            let metric_filters = loop {
                match logs
                    .describe_metric_filters()
                    .log_group_name(&name)
                    .set_next_token(token.take())
                    .send()
                    .await
                {
                    Ok(p) => {
                        filters.extend(p.metric_filters().iter().map(|f| {
                            MetricFilter {
                                name: f.filter_name().unwrap_or_default().to_string(),
                                pattern: f.filter_pattern().unwrap_or_default().to_string(),
                                transformations: f
                                    .metric_transformations()
                                    .iter()
                                    .map(|t| MetricTransformation {
                                        metric_name: t.metric_name().to_string(),
                                        metric_namespace: t.metric_namespace().to_string(),
                                        metric_value: Some(t.metric_value().to_string()),
                                    })
                                    .collect(),
                            }
                        }));
                        match p.next_token() {
                            Some(t) if !t.is_empty() => token = Some(t.to_string()),
                            _ => break Read::Ok(filters),
                        }
                    }
                    Err(e) => break Read::Error(read_error("logs:DescribeMetricFilters", &e, false)),
                }
            };
            LogGroup {
                arn: group_arn,
                name,
                region,
                info,
                metric_filters,
            }
        })
        .buffered(8)
        .collect()
        .await
}

async fn find_group(logs: &aws_sdk_cloudwatchlogs::Client, name: &str) -> Read<Option<LogGroupInfo>> {
    let mut token: Option<String> = None;
    loop {
        match logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(p) => {
                if let Some(g) = p.log_groups().iter().find(|g| g.log_group_name() == Some(name)) {
                    return Read::Ok(Some(LogGroupInfo {
                        retention_days: g.retention_in_days().map(i64::from),
                        kms_key_id: g.kms_key_id().map(str::to_string),
                    }));
                }
                match p.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => return Read::Ok(None),
                }
            }
            Err(e) => return Read::Error(read_error("logs:DescribeLogGroups", &e, false)),
        }
    }
}

/// The SNS topics notified by alarms that watch the metrics of these log groups' filters.
pub(crate) async fn topics(c: &Clients, account: &str, groups: &[LogGroup], regions: &[RegionData]) -> Vec<Topic> {
    let mut wanted: Vec<String> = Vec::new();
    for g in groups {
        let Some(filters) = g.metric_filters.ok() else { continue };
        let Some(alarms) = regions
            .iter()
            .find(|r| r.region == g.region)
            .and_then(|r| r.alarms.ok())
        else {
            continue;
        };
        for a in alarms {
            let watches = a.metrics.iter().any(|m| {
                filters.iter().any(|f| {
                    f.transformations
                        .iter()
                        .any(|t| t.metric_name == m.name && t.metric_namespace == m.namespace)
                })
            });
            if watches {
                wanted.extend(a.alarm_actions.iter().filter(|x| x.contains(":sns:")).cloned());
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    stream::iter(wanted)
        .map(|topic| async move {
            let region = arn::region(&topic).unwrap_or(&c.home).to_string();
            let foreign = arn::account(&topic).is_some_and(|a| a != account);
            let sns = c.sns(&region);
            let mut subs = Vec::new();
            let mut token: Option<String> = None;
            let subscriptions = loop {
                match sns
                    .list_subscriptions_by_topic()
                    .topic_arn(&topic)
                    .set_next_token(token.take())
                    .send()
                    .await
                {
                    Ok(p) => {
                        subs.extend(p.subscriptions().iter().map(|s| Subscription {
                            arn: s.subscription_arn().unwrap_or_default().to_string(),
                            protocol: s.protocol().unwrap_or_default().to_string(),
                            endpoint: s.endpoint().map(str::to_string),
                        }));
                        match p.next_token() {
                            Some(t) if !t.is_empty() => token = Some(t.to_string()),
                            _ => break Read::Ok(subs),
                        }
                    }
                    Err(e) => break Read::Error(read_error("sns:ListSubscriptionsByTopic", &e, foreign)),
                }
            };
            Topic {
                arn: topic,
                subscriptions,
            }
        })
        .buffered(8)
        .collect()
        .await
}
