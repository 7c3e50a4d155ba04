//! `s3:GetBucketVersioning`, tolerant of the response root element some S3-compatible
//! endpoints use.
//!
//! AWS answers `<VersioningConfiguration>`, which the SDK decodes. moto answers the same
//! children under `<GetBucketVersioningResponse>`, which the SDK refuses ("invalid XML
//! root"), so versioning and MFA Delete would read as errors. Only when the SDK could not decode
//! a successful (2xx) answer that carries no error code is the raw body read again here, and
//! only a document with one of those two roots, and `Status` / `MfaDelete` values S3 defines,
//! is accepted: anything else stays the SDK's error. Answers AWS sends never take this path.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_xml::decode::{Document, try_data};
use trailguard_posture::snapshot::{Read, Versioning};

use crate::errors::read_error;

/// The root element AWS uses, and the one moto uses.
const ROOTS: &[&str] = &["VersioningConfiguration", "GetBucketVersioningResponse"];

/// Versioning and MFA Delete of a bucket.
pub(crate) async fn read(s3: &aws_sdk_s3::Client, bucket: &str, foreign: bool) -> Read<Versioning> {
    match s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => Read::Ok(Versioning {
            status: out.status().map(|s| s.as_str().to_string()),
            mfa_delete: out.mfa_delete().map(|s| s.as_str().to_string()),
        }),
        Err(e) => match undecoded_answer(&e) {
            Some(Ok(v)) => {
                tracing::debug!(
                    bucket,
                    "s3:GetBucketVersioning: read the answer's {} root element",
                    ROOTS[1]
                );
                Read::Ok(v)
            }
            Some(Err(why)) => {
                let mut err = read_error("s3:GetBucketVersioning", &e, foreign);
                err.message = format!("{} (the answer is not a versioning document: {why})", err.message)
                    .chars()
                    .take(600)
                    .collect();
                Read::Error(err)
            }
            None => Read::Error(read_error("s3:GetBucketVersioning", &e, foreign)),
        },
    }
}

/// For a successful answer the SDK could not decode: the versioning it describes, or why it
/// describes none. `None` for every other failure (denied, not found, network, …).
fn undecoded_answer<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> Option<Result<Versioning, String>> {
    let SdkError::ServiceError(se) = e else {
        return None;
    };
    let raw = se.raw();
    if !raw.status().is_success() || e.code().is_some() {
        return None;
    }
    let body = raw.body().bytes()?;
    Some(parse(body))
}

/// A `GetBucketVersioning` document with either root element.
pub(crate) fn parse(body: &[u8]) -> Result<Versioning, String> {
    let mut doc = Document::try_from(body).map_err(|e| format!("not UTF-8 XML: {e}"))?;
    let mut root = doc.root_element().map_err(|e| format!("no root element: {e}"))?;
    let name = root.start_el().local().to_string();
    if !ROOTS.contains(&name.as_str()) {
        return Err(format!(
            "root element <{name}>, expected <{}> or <{}>",
            ROOTS[0], ROOTS[1]
        ));
    }
    let mut v = Versioning {
        status: None,
        mfa_delete: None,
    };
    while let Some(mut tag) = root.next_tag() {
        let child = tag.start_el().local().to_string();
        let (slot, allowed): (&mut Option<String>, &[&str]) = match child.as_str() {
            "Status" => (&mut v.status, &["Enabled", "Suspended"]),
            "MfaDelete" => (&mut v.mfa_delete, &["Enabled", "Disabled"]),
            _ => continue,
        };
        let value = try_data(&mut tag).map_err(|e| format!("<{child}>: {e}"))?;
        let value = value.trim();
        if !allowed.contains(&value) {
            return Err(format!("<{child}> is {value:?}, expected one of {allowed:?}"));
        }
        if slot.is_some() {
            return Err(format!("<{child}> appears twice"));
        }
        *slot = Some(value.to_string());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

    fn doc(root: &str, children: &str) -> String {
        if children.is_empty() {
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} {NS}/>")
        } else {
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} {NS}>{children}</{root}>")
        }
    }

    fn v(status: Option<&str>, mfa: Option<&str>) -> Versioning {
        Versioning {
            status: status.map(str::to_string),
            mfa_delete: mfa.map(str::to_string),
        }
    }

    #[test]
    fn both_roots_give_the_same_settings() {
        let cases = [
            ("", v(None, None)),
            ("<Status>Enabled</Status>", v(Some("Enabled"), None)),
            ("<Status>Suspended</Status>", v(Some("Suspended"), None)),
            (
                "<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>",
                v(Some("Enabled"), Some("Enabled")),
            ),
            (
                "<Status>Suspended</Status><MfaDelete>Disabled</MfaDelete>",
                v(Some("Suspended"), Some("Disabled")),
            ),
            ("<MfaDelete>Disabled</MfaDelete>", v(None, Some("Disabled"))),
            (
                "\n  <MfaDelete>Enabled</MfaDelete>\n  <Status>Enabled</Status>\n",
                v(Some("Enabled"), Some("Enabled")),
            ),
        ];
        for root in ROOTS {
            for (children, want) in &cases {
                let body = doc(root, children);
                assert_eq!(parse(body.as_bytes()).as_ref(), Ok(want), "{body}");
            }
        }
    }

    #[test]
    fn the_exact_answers_of_moto_5_2_5_are_read() {
        let unversioned = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GetBucketVersioningResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";
        assert_eq!(parse(unversioned.as_bytes()), Ok(v(None, None)));
        let enabled = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GetBucketVersioningResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Enabled</Status></GetBucketVersioningResponse>";
        assert_eq!(parse(enabled.as_bytes()), Ok(v(Some("Enabled"), None)));
    }

    /// An S3 client whose every request gets `status` with `body`.
    fn answering(status: u16, body: &'static str) -> aws_sdk_s3::Client {
        use aws_smithy_runtime_api::client::http::{
            HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
        };
        use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;

        #[derive(Debug)]
        struct Fixed(u16, &'static str);
        impl HttpConnector for Fixed {
            fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
                let status = StatusCode::try_from(self.0).unwrap_or_else(|_| unreachable!("a test status"));
                HttpConnectorFuture::ready(Ok(HttpResponse::new(status, SdkBody::from(self.1))))
            }
        }
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new("k", "s", None, None, "test"))
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(Fixed(status, body))
            }))
            .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    fn read_from(status: u16, body: &'static str) -> Read<Versioning> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
        rt.map(|rt| rt.block_on(read(&answering(status, body), "trail-logs", false)))
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    }

    #[test]
    fn the_sdk_reads_aws_and_the_fallback_reads_moto() {
        let aws = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>";
        assert_eq!(read_from(200, aws), Read::Ok(v(Some("Enabled"), Some("Enabled"))));
        let moto = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GetBucketVersioningResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>Suspended</Status></GetBucketVersioningResponse>";
        assert_eq!(read_from(200, moto), Read::Ok(v(Some("Suspended"), None)));
        let never = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GetBucketVersioningResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>";
        assert_eq!(read_from(200, never), Read::Ok(v(None, None)));
    }

    #[test]
    fn errors_stay_errors() {
        let denied = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        match read_from(403, denied) {
            Read::Error(e) => {
                assert_eq!(e.kind, trailguard_posture::snapshot::ErrorKind::AccessDenied, "{e:?}");
                assert_eq!(e.api, "s3:GetBucketVersioning");
            }
            other => panic!("{other:?}"),
        }
        // A 2xx answer that is neither document is not read as "never enabled".
        match read_from(200, "<ListBucketResult><Name>trail-logs</Name></ListBucketResult>") {
            Read::Error(e) => assert!(e.message.contains("not a versioning document"), "{e:?}"),
            other => panic!("{other:?}"),
        }
        match read_from(
            200,
            "<GetBucketVersioningResponse><Status>On</Status></GetBucketVersioningResponse>",
        ) {
            Read::Error(e) => assert!(e.message.contains("\"On\""), "{e:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for body in [
            doc("Error", "<Code>AccessDenied</Code><Message>Access Denied</Message>"),
            doc("ListBucketResult", "<Name>b</Name>"),
            doc("VersioningConfiguration", "<Status>On</Status>"),
            doc("GetBucketVersioningResponse", "<MfaDelete>Yes</MfaDelete>"),
            doc(
                "VersioningConfiguration",
                "<Status>Enabled</Status><Status>Suspended</Status>",
            ),
            doc("VersioningConfiguration", "<Status><Nested/></Status>"),
            "<html><body>502 Bad Gateway</body></html>".to_string(),
            "not xml at all".to_string(),
            String::new(),
        ] {
            assert!(parse(body.as_bytes()).is_err(), "accepted: {body}");
        }
        assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
    }
}
