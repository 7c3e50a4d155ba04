//! CloudTrail's `ListPublicKeys`: the keys that sign digests, per region (digest-validation.md
//! §4).

use aws_config::Region;
use aws_smithy_types::DateTime;
use aws_smithy_types::error::display::DisplayErrorContext;
use trailguard_model::Timestamp;

use crate::s3_objects::{Aws, AwsError};

/// One key as `ListPublicKeys` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedKey {
    /// The blob's bytes as the SDK decoded them from the wire: DER, or the base64 text of the
    /// DER when the service encodes it twice.
    pub value: Vec<u8>,
    /// Start of validity.
    pub valid_from: Timestamp,
    /// End of validity.
    pub valid_to: Timestamp,
    /// Lowercase hex MD5 of the DER.
    pub fingerprint: String,
}

impl Aws {
    /// The public keys valid in `region` between `start` and `end` (every page).
    pub fn list_public_keys(&self, region: &str, start: Timestamp, end: Timestamp) -> Result<Vec<ListedKey>, AwsError> {
        let conf = aws_sdk_cloudtrail::config::Builder::from(self.sdk_config())
            .region(Region::new(region.to_owned()))
            .build();
        let client = aws_sdk_cloudtrail::Client::from_conf(conf);
        let to_dt = |t: Timestamp| DateTime::from_millis(t.millis());
        let from_dt = |d: Option<&DateTime>| d.and_then(|d| d.to_millis().ok()).map_or(Timestamp(0), Timestamp);
        self.block_on(async {
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            // NextToken is "reserved for future use"; follow it, bounded.
            for _ in 0..100 {
                let resp = client
                    .list_public_keys()
                    .start_time(to_dt(start))
                    .end_time(to_dt(end))
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| AwsError::PublicKeys {
                        region: region.to_owned(),
                        message: DisplayErrorContext(&e).to_string().chars().take(600).collect(),
                    })?;
                for k in resp.public_key_list() {
                    out.push(ListedKey {
                        value: k.value().map(|b| b.as_ref().to_vec()).unwrap_or_default(),
                        valid_from: from_dt(k.validity_start_time()),
                        valid_to: from_dt(k.validity_end_time()),
                        fingerprint: k.fingerprint().unwrap_or_default().to_owned(),
                    });
                }
                match resp.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                    _ => break,
                }
            }
            Ok(out)
        })
    }
}
