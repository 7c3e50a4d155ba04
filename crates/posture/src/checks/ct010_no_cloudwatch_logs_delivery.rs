//! CT-010: trails deliver to CloudWatch Logs, and the delivery works.

use trailguard_model::Timestamp;

use crate::check::{CheckInfo, Doc, Finding, Scope, Severity, Status, unreadable};
use crate::world::{Context, WithEvidence};

use super::common::or_not_applicable;

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-010",
    name: "no-cloudwatch-logs-delivery",
    title: "Trails deliver to CloudWatch Logs, and delivery is healthy",
    severity: Severity::Low,
    scope: Scope::Trail,
    default_enabled: true,
    mappings: &[
        "cis-aws-1.2.0:2.4",
        "cis-aws-1.4.0:3.4",
        "securityhub:CloudTrail.5",
        "config:cloud-trail-cloud-watch-logs-enabled",
        "prowler:cloudtrail_cloudwatch_logging_enabled",
        "checkov:CKV2_AWS_10",
        "trivy:AVD-AWS-0162",
        "controltower:AWS-GR_CLOUDTRAIL_CLOUDWATCH_LOGS_ENABLED",
    ],
    doc: Doc {
        what: "Every multi-region or organization trail sets `CloudWatchLogsLogGroupArn` and `CloudWatchLogsRoleArn`; for a logging trail, `GetTrailStatus` shows no `LatestCloudWatchLogsDeliveryError` and a `LatestCloudWatchLogsDeliveryTime` no older than 24 hours before the snapshot (configurable). A configured trail with no delivery recorded yet passes with that noted. Single-region trails are not applicable.",
        why: "The CIS metric-filter alarms (CT-011…CT-025) can only see events that reach CloudWatch Logs. A broken delivery role silently disables every alarm while the console still shows the integration.",
        example: "Trail `main` has LatestCloudWatchLogsDeliveryError = AccessDeniedException (the role lost logs:PutLogEvents).",
        fix: "Create a log group and a role that CloudTrail can assume with logs:CreateLogStream and logs:PutLogEvents on it, and set both on the trail.",
        cli: "aws logs create-log-group --log-group-name CloudTrail/main\naws cloudtrail update-trail --name <trail> --cloud-watch-logs-log-group-arn <log-group-arn> --cloud-watch-logs-role-arn <role-arn>",
        cloudformation: "Trail:\n  Type: AWS::CloudTrail::Trail\n  Properties:\n    CloudWatchLogsLogGroupArn: !GetAtt TrailLogGroup.Arn\n    CloudWatchLogsRoleArn: !GetAtt TrailLogsRole.Arn",
        references: &["https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &cx.world.trails {
        let res = t.resource();
        if !t.trail.is_multi_region && !t.trail.is_organization_trail {
            out.push(cx.finding(&INFO, Status::NotApplicable, res, format!("trail {} is single-region (CT-001 and CT-002 judge it)", t.trail.name)));
            continue;
        }
        let Some(group) = t.trail.cloudwatch_logs_log_group_arn.as_deref() else {
            out.push(cx.finding(
                &INFO,
                Status::Fail,
                res,
                format!("trail {} has no CloudWatchLogsLogGroupArn: its events never reach CloudWatch Logs, so no metric-filter alarm can fire", t.trail.name),
            ));
            continue;
        };
        if t.trail.cloudwatch_logs_role_arn.is_none() {
            out.push(cx.finding(&INFO, Status::Fail, res, format!("trail {} names log group {group} but no CloudWatchLogsRoleArn: CloudTrail cannot write to it", t.trail.name)));
            continue;
        }
        let status = match t.detail().map(|d| &d.status) {
            Some(s) => match s.as_result() {
                Ok(s) => s,
                Err(e) => {
                    let (s, r) = unreadable(&format!("the status of trail {}", t.trail.name), e);
                    out.push(cx.finding(&INFO, s, res, r));
                    continue;
                }
            },
            None => {
                out.push(cx.finding(&INFO, Status::Manual, res, format!("trail {} is configured for {group}; its delivery status was not read (home region not collected)", t.trail.name)));
                continue;
            }
        };
        let evidence = vec![format!(
            "LatestCloudWatchLogsDeliveryTime = {}, LatestCloudWatchLogsDeliveryError = {}",
            status.latest_cloudwatch_logs_delivery_time.as_deref().unwrap_or("none"),
            status.latest_cloudwatch_logs_delivery_error.as_deref().unwrap_or("none")
        )];
        let f = if let Some(err) = status.latest_cloudwatch_logs_delivery_error.as_deref().filter(|e| !e.is_empty()) {
            cx.finding(&INFO, Status::Fail, res, format!("trail {} fails to deliver to {group}: {err}", t.trail.name))
        } else {
            let last = status
                .latest_cloudwatch_logs_delivery_time
                .as_deref()
                .and_then(|s| Timestamp::parse_rfc3339(s).ok());
            match (status.is_logging, last, cx.now) {
                (true, Some(last), Some(now)) if now.secs() - last.secs() > cx.opts.delivery_max_age_hours * 3600 => cx.finding(
                    &INFO,
                    Status::Fail,
                    res,
                    format!(
                        "trail {} is configured for {group} but its last delivery was {} h before the snapshot (more than {} h): check the role",
                        t.trail.name,
                        (now.secs() - last.secs()) / 3600,
                        cx.opts.delivery_max_age_hours
                    ),
                ),
                (_, None, _) if !cx.iac() => cx.finding(
                    &INFO,
                    Status::Pass,
                    res,
                    format!("trail {} delivers to {group} (no delivery recorded yet)", t.trail.name),
                ),
                _ => cx.finding(&INFO, Status::Pass, res, format!("trail {} delivers to {group}", t.trail.name)),
            }
        };
        out.push(f.evidence(evidence));
    }
    or_not_applicable(cx, &INFO, out, "no trail")
}
