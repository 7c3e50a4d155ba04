//! Every check, one file each, and the one registry that lists them.
//!
//! A check file holds `INFO` (id, name, title, severity, scope, mappings and the doc template)
//! and `run`, a pure function from the [`Context`] to findings. Adding a check means adding a
//! file and one line to [`registry!`] below; `trailguard audit --list` and `--explain` read
//! this registry, so the reference cannot drift from the code.

use crate::check::{CheckInfo, Finding};
use crate::world::Context;

pub(crate) mod alarm;
pub(crate) mod common;
mod data_events;
mod scp;

/// A registered check.
#[derive(Clone, Copy)]
pub struct Registered {
    /// Its metadata.
    pub info: &'static CheckInfo,
    /// Its logic.
    pub run: fn(&Context<'_>) -> Vec<Finding>,
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registered").field("id", &self.info.id).finish()
    }
}

macro_rules! registry {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every check, in id order.
        pub static REGISTRY: &[Registered] = &[
            $(Registered { info: &$module::INFO, run: $module::run },)*
        ];
    };
}

registry!(
    ct001_no_multi_region_trail,
    ct002_region_not_logged,
    ct003_management_events_incomplete,
    ct004_global_events_not_logged_once,
    ct005_log_file_validation_disabled,
    ct006_trail_not_encrypted_with_cmk,
    ct007_trail_key_policy_not_scoped,
    ct008_trail_key_not_rotated_or_unusable,
    ct009_no_organization_trail,
    ct010_no_cloudwatch_logs_delivery,
    ct011_no_alarm_unauthorized_api_calls,
    ct012_no_alarm_console_sign_in_without_mfa,
    ct013_no_alarm_root_usage,
    ct014_no_alarm_iam_policy_changes,
    ct015_no_alarm_cloudtrail_changes,
    ct016_no_alarm_console_auth_failures,
    ct017_no_alarm_cmk_disable_or_deletion,
    ct018_no_alarm_s3_bucket_policy_changes,
    ct019_no_alarm_config_changes,
    ct020_no_alarm_security_group_changes,
    ct021_no_alarm_nacl_changes,
    ct022_no_alarm_network_gateway_changes,
    ct023_no_alarm_route_table_changes,
    ct024_no_alarm_vpc_changes,
    ct025_no_alarm_organizations_changes,
    ct026_trail_tampering_not_monitored,
    ct027_insights_disabled,
    ct028_s3_write_data_events_not_logged,
    ct029_s3_read_data_events_not_logged,
    ct030_lambda_data_events_not_logged,
    ct031_trail_bucket_public,
    ct032_trail_bucket_allows_http,
    ct033_trail_bucket_policy_too_broad,
    ct034_trail_bucket_versioning_disabled,
    ct035_trail_bucket_no_mfa_delete,
    ct036_trail_bucket_no_object_lock,
    ct037_trail_bucket_lifecycle_unsafe,
    ct038_trail_bucket_access_logging_disabled,
    ct039_logs_not_in_log_archive_account,
    ct040_no_scp_protecting_cloudtrail,
    ct041_no_scp_protecting_trail_key_and_bucket,
    ct042_iam_policy_allows_trail_tampering,
    ct043_orphaned_trail_resources,
    ct044_log_retention_too_short,
    ct045_trail_log_group_not_encrypted,
    ct046_event_data_store_not_cmk,
    ct047_trail_missing_required_tags,
    ct048_trail_without_sns_notifications,
    ct049_template_not_fully_resolved,
);

/// Look a check up by id (`CT-001`, case-insensitive) or name (`no-multi-region-trail`).
pub fn find(id_or_name: &str) -> Option<&'static Registered> {
    REGISTRY
        .iter()
        .find(|r| r.info.id.eq_ignore_ascii_case(id_or_name) || r.info.name.eq_ignore_ascii_case(id_or_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for (i, r) in REGISTRY.iter().enumerate() {
            assert_eq!(r.info.id, format!("CT-{:03}", i + 1), "ids are dense and ordered");
            assert!(ids.insert(r.info.id), "duplicate id {}", r.info.id);
            assert!(names.insert(r.info.name), "duplicate name {}", r.info.name);
            assert!(
                r.info
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}: name must be kebab-case",
                r.info.id
            );
            assert!(!r.info.title.is_empty() && !r.info.doc.what.is_empty() && !r.info.doc.why.is_empty());
            assert!(!r.info.doc.fix.is_empty(), "{}: no fix", r.info.id);
            assert!(!r.info.mappings.is_empty(), "{}: no mappings", r.info.id);
            for m in r.info.mappings {
                let (ns, id) = m.split_once(':').unwrap_or(("", ""));
                assert!(
                    !ns.is_empty() && !id.is_empty(),
                    "{}: mapping {m} is not namespaced",
                    r.info.id
                );
            }
        }
        assert_eq!(REGISTRY.len(), 49);
        assert!(find("ct-001").is_some());
        assert!(find("no-multi-region-trail").is_some());
        assert!(find("CT-999").is_none());
    }
}
