//! CT-044: CloudTrail logs are kept at least the retention target (log groups, Lake stores).

use crate::arn;
use crate::check::{CheckInfo, Doc, Finding, Resource, Scope, Severity, Status, unreadable};
use crate::world::Context;

use super::common::{names, or_not_applicable, trail_log_groups};

pub(crate) const INFO: CheckInfo = CheckInfo {
    id: "CT-044",
    name: "log-retention-too-short",
    title: "Trail log groups and Lake event data stores keep events at least the retention target",
    severity: Severity::Medium,
    scope: Scope::LogGroup,
    default_enabled: true,
    mappings: &[
        "securityhub:CloudWatch.16",
        "prowler:cloudwatch_log_group_retention_policy_specific_days_enabled",
        "checkov:CKV_AWS_338",
        "checkov:CKV_AWS_66",
    ],
    doc: Doc {
        what: "Every log group a trail delivers to has no retention limit or `retentionInDays` ≥ the target (`--retention-days`, default 365; 2557 = seven years for regulated environments), and every CloudTrail Lake event data store has `RetentionPeriod` ≥ the target. S3 retention is judged by CT-036 (Object Lock) and CT-037 (lifecycle).",
        why: "Intrusions are found late — the median dwell time is measured in weeks and many are found after months. Logs that expired before the investigation starts answer nothing.",
        example: "Log group CloudTrail/main has retentionInDays = 90.",
        fix: "Set the log group retention to at least the target.",
        cli: "aws logs put-retention-policy --log-group-name <log-group> --retention-in-days 365",
        cloudformation: "TrailLogGroup:\n  Type: AWS::Logs::LogGroup\n  Properties:\n    RetentionInDays: 365",
        references: &["https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention"],
    },
};

pub(crate) fn run(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let target = cx.opts.retention_days;
    for (group_arn, trails) in trail_log_groups(cx) {
        let res = Resource::new(group_arn, "AWS::Logs::LogGroup", arn::account(group_arn), arn::region(group_arn));
        let Some(g) = cx.world.log_group(group_arn) else {
            out.push(cx.finding(&INFO, Status::Manual, res, format!("log group {group_arn} (trails {}) is not in the snapshot (another account?)", names(&trails))));
            continue;
        };
        out.push(match g.info.as_result() {
            Err(e) => {
                let (s, r) = unreadable(&format!("log group {}", g.name), e);
                cx.finding(&INFO, s, res, r)
            }
            Ok(None) => cx.finding(&INFO, Status::NotApplicable, res, format!("log group {} does not exist (CT-010 judges the delivery)", g.name)),
            Ok(Some(i)) => match i.retention_days {
                None => cx.finding(&INFO, Status::Pass, res, format!("log group {} never expires events", g.name)),
                Some(d) if d >= target => cx.finding(&INFO, Status::Pass, res, format!("log group {} keeps events {d} days (target {target})", g.name)),
                Some(d) => cx.finding(&INFO, Status::Fail, res, format!("log group {} keeps events only {d} days (retentionInDays), less than the {target}-day target", g.name)),
            },
        });
    }
    for acct in &cx.snap.accounts {
        for rd in &acct.region_data {
            let Some(stores) = rd.event_data_stores.ok() else { continue };
            for s in stores {
                let res = Resource::new(&s.arn, "AWS::CloudTrail::EventDataStore", Some(&acct.account_id), Some(&rd.region));
                out.push(match s.retention_days {
                    Some(d) if d < target => cx.finding(&INFO, Status::Fail, res, format!("event data store {} keeps events {d} days, less than the {target}-day target", s.name)),
                    Some(d) => cx.finding(&INFO, Status::Pass, res, format!("event data store {} keeps events {d} days", s.name)),
                    None => cx.finding(&INFO, Status::Manual, res, format!("the retention of event data store {} was not returned", s.name)),
                });
            }
        }
    }
    or_not_applicable(cx, &INFO, out, "no trail log group and no event data store")
}
