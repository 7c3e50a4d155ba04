//! SDK errors → the snapshot's [`ReadError`] with a kind the checks act on.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use trailguard_posture::snapshot::{ErrorKind, ReadError};

/// Error codes that mean "you may not".
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "AuthorizationErrorException",
    "UnauthorizedException",
    "AccessDeniedForDependencyException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "AWSOrganizationsNotInUseException",
];

const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestThrottled",
    "RequestThrottledException",
    "LimitExceededException",
];

/// One line for any SDK error.
pub(crate) fn describe_sdk_error<E: std::error::Error + 'static>(e: &SdkError<E, HttpResponse>) -> String {
    let s = DisplayErrorContext(e).to_string();
    s.chars().take(600).collect()
}

/// The error code of a failed call (`AccessDenied`), if the service gave one.
pub(crate) fn code<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> Option<&str> {
    e.code()
}

/// Classify a failed call. `foreign`: the resource belongs to another account (an access
/// denial then means "check it there", not "fix your permissions").
pub(crate) fn read_error<E>(api: &str, e: &SdkError<E, HttpResponse>, foreign: bool) -> ReadError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.code().map(str::to_string);
    let status = e.raw_response().map(|r| r.status().as_u16());
    let body = e
        .raw_response()
        .and_then(|r| r.body().bytes())
        .map(|b| String::from_utf8_lossy(&b[..b.len().min(400)]).to_string())
        .unwrap_or_default();
    let message = e
        .message()
        .map(str::to_string)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            if body.is_empty() {
                describe_sdk_error(e)
            } else if let Some(title) = html_title(&body) {
                // Not an AWS error document: a proxy's or an emulator's error page.
                format!(
                    "HTTP {} with an HTML page (\"{title}\") instead of an AWS error: the endpoint failed, or does not serve this operation",
                    status.unwrap_or(0)
                )
            } else {
                format!("HTTP {}: {}", status.unwrap_or(0), body.trim())
            }
        });
    let kind = match (&code, e) {
        (_, SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)) => ErrorKind::Network,
        (Some(c), _) if DENIED.contains(&c.as_str()) => {
            if foreign {
                ErrorKind::CrossAccount
            } else {
                ErrorKind::AccessDenied
            }
        }
        (Some(c), _) if THROTTLED.contains(&c.as_str()) => ErrorKind::Throttled,
        (Some(c), _) if c.starts_with("NoSuch") || c.contains("NotFound") => ErrorKind::NotFound,
        (Some(c), _) if c == "NotImplemented" || c == "NotImplementedException" || c == "UnsupportedOperation" => {
            ErrorKind::Unsupported
        }
        _ if body.contains("not been implemented")
            || body.contains("Not yet implemented")
            || body.contains("NotImplemented") =>
        {
            ErrorKind::Unsupported
        }
        (None, _) if status == Some(403) => {
            if foreign {
                ErrorKind::CrossAccount
            } else {
                ErrorKind::AccessDenied
            }
        }
        (None, _) if status == Some(404) => ErrorKind::NotFound,
        // 501 Not Implemented: the server does not support the operation.
        _ if status == Some(501) => ErrorKind::Unsupported,
        _ => ErrorKind::Other,
    };
    ReadError {
        api: api.to_string(),
        kind,
        code,
        message: message.chars().take(600).collect(),
    }
}

/// The title of an HTML page (an error page that is not an AWS error document).
fn html_title(body: &str) -> Option<String> {
    let head: String = body
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    if !(head.starts_with("<!doctype html") || head.starts_with("<html")) {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let title = lower
        .find("<title>")
        .map(|i| i + "<title>".len())
        .and_then(|start| {
            lower[start..]
                .find("</title>")
                .map(|len| body[start..start + len].trim().to_string())
        })
        .filter(|t| !t.is_empty());
    Some(title.unwrap_or_else(|| "untitled".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::operation::list_event_data_stores::ListEventDataStoresError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn failed(status: u16, code: Option<&str>, message: Option<&str>, body: &'static str) -> ReadError {
        let mut meta = ErrorMetadata::builder();
        if let Some(c) = code {
            meta = meta.code(c);
        }
        if let Some(m) = message {
            meta = meta.message(m);
        }
        let err = ListEventDataStoresError::generic(meta.build());
        let status = StatusCode::try_from(status).unwrap_or_else(|_| unreachable!("a test status"));
        let raw = HttpResponse::new(status, SdkBody::from(body));
        read_error(
            "cloudtrail:ListEventDataStores",
            &SdkError::service_error(err, raw),
            false,
        )
    }

    #[test]
    fn an_operation_the_endpoint_lacks_is_unsupported_not_denied() {
        let e = failed(
            501,
            Some("NotImplementedException"),
            Some("The list_event_data_stores action has not been implemented"),
            "{}",
        );
        assert_eq!(e.kind, ErrorKind::Unsupported, "{e:?}");
        assert!(e.message.contains("not been implemented"), "{e:?}");
        assert_eq!(failed(501, None, None, "").kind, ErrorKind::Unsupported);
        let denied = failed(400, Some("AccessDeniedException"), Some("User is not authorized"), "{}");
        assert_eq!(denied.kind, ErrorKind::AccessDenied, "{denied:?}");
    }

    #[test]
    fn an_html_error_page_is_named_as_such() {
        let page =
            "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>";
        let e = failed(500, None, None, page);
        assert_eq!(
            e.kind,
            ErrorKind::Other,
            "a bare 500 does not prove the call is missing: {e:?}"
        );
        assert!(
            e.message
                .contains("HTTP 500 with an HTML page (\"500 Internal Server Error\")"),
            "{e:?}"
        );
        let plain = failed(500, None, None, "backend exploded");
        assert_eq!(plain.message, "HTTP 500: backend exploded");
    }
}
