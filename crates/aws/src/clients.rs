//! SDK configuration (credential chain, profile, region, endpoint, retries, timeouts) and one
//! client per service and region.

use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::errors::describe_sdk_error;
use crate::{CollectError, CollectOptions};

/// The configuration of one account's clients.
#[derive(Clone, Debug)]
pub struct Clients {
    config: SdkConfig,
    endpoint: Option<String>,
    /// The home region (discovery, global services).
    pub home: String,
}

/// Who is calling.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) account: String,
    pub(crate) arn: String,
}

impl Clients {
    /// Load the configuration; with `assume_role`, credentials of that role (assumed with the
    /// base credentials).
    pub async fn new(opts: &CollectOptions, assume_role: Option<(&SdkConfig, &str)>) -> Clients {
        let config = match assume_role {
            None => {
                crate::sdk::load(crate::sdk::Settings {
                    profile: opts.profile.as_deref(),
                    region: opts.region.as_deref(),
                    endpoint_url: opts.endpoint_url.as_deref(),
                    max_attempts: opts.max_attempts,
                    initial_backoff: Duration::from_millis(200),
                    attempt_timeout: Duration::from_secs(60),
                })
                .await
            }
            Some((base, role_arn)) => {
                let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
                    .session_name("trailguard-collect")
                    .configure(base)
                    .build()
                    .await;
                base.to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(provider))
                    .build()
            }
        };
        let home = config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        Clients {
            config,
            endpoint: opts.endpoint_url.clone(),
            home,
        }
    }

    /// The SDK configuration (to assume roles from).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    pub(crate) async fn caller(&self) -> Result<Caller, CollectError> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| CollectError::Identity {
                message: describe_sdk_error(&e),
            })?;
        Ok(Caller {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }

    fn region(r: &str) -> Region {
        Region::new(r.to_string())
    }

    pub(crate) fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    pub(crate) fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config)
    }

    pub(crate) fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let c = aws_sdk_cloudtrail::config::Builder::from(&self.config)
            .region(Self::region(region))
            .build();
        aws_sdk_cloudtrail::Client::from_conf(c)
    }

    pub(crate) fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        let c = aws_sdk_cloudwatch::config::Builder::from(&self.config)
            .region(Self::region(region))
            .build();
        aws_sdk_cloudwatch::Client::from_conf(c)
    }

    pub(crate) fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        let c = aws_sdk_cloudwatchlogs::config::Builder::from(&self.config)
            .region(Self::region(region))
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(c)
    }

    pub(crate) fn events(&self, region: &str) -> aws_sdk_eventbridge::Client {
        let c = aws_sdk_eventbridge::config::Builder::from(&self.config)
            .region(Self::region(region))
            .build();
        aws_sdk_eventbridge::Client::from_conf(c)
    }

    pub(crate) fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        let c = aws_sdk_sns::config::Builder::from(&self.config)
            .region(Self::region(region))
            .build();
        aws_sdk_sns::Client::from_conf(c)
    }

    pub(crate) fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        let c = aws_sdk_kms::config::Builder::from(&self.config)
            .region(Self::region(region))
            .build();
        aws_sdk_kms::Client::from_conf(c)
    }

    pub(crate) fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let c = aws_sdk_s3::config::Builder::from(&self.config)
            .region(Self::region(region))
            // A custom endpoint (an emulator on localhost) cannot serve virtual-hosted buckets.
            .force_path_style(self.endpoint.is_some())
            .build();
        aws_sdk_s3::Client::from_conf(c)
    }

    pub(crate) fn s3control(&self) -> aws_sdk_s3control::Client {
        let mut b = aws_sdk_s3control::config::Builder::from(&self.config).region(Self::region(&self.home));
        if let Some(e) = &self.endpoint {
            // The endpoint rules put the account id in the host name, which a custom endpoint
            // (an emulator on localhost) cannot resolve: send requests to the URL as given.
            b = b.endpoint_resolver(FixedEndpoint(e.clone()));
        }
        aws_sdk_s3control::Client::from_conf(b.build())
    }

    pub(crate) fn organizations(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&self.config)
    }

    pub(crate) fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }
}

#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(aws_smithy_types::endpoint::Endpoint::builder()
            .url(self.0.clone())
            .build()))
    }
}
