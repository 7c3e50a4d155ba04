//! The one place the SDK's shared configuration is loaded: credential chain, profile, region,
//! endpoint, retries with exponential backoff and jitter, timeouts.

use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// What a command chose; the rest comes from the environment and the shared config files.
pub(crate) struct Settings<'a> {
    pub(crate) profile: Option<&'a str>,
    /// The configured region when `None`, else `us-east-1`.
    pub(crate) region: Option<&'a str>,
    pub(crate) endpoint_url: Option<&'a str>,
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    /// Per attempt: long enough for the largest response the command reads.
    pub(crate) attempt_timeout: Duration,
}

/// Load the shared configuration.
pub(crate) async fn load(s: Settings<'_>) -> SdkConfig {
    let region = RegionProviderChain::first_try(s.region.map(|r| Region::new(r.to_string())))
        .or_default_provider()
        .or_else(Region::new("us-east-1"));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(s.max_attempts.max(1))
                .with_initial_backoff(s.initial_backoff)
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(s.attempt_timeout)
                .build(),
        );
    if let Some(p) = s.profile {
        loader = loader.profile_name(p);
    }
    if let Some(e) = s.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    loader.load().await
}
