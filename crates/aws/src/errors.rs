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
        _ => ErrorKind::Other,
    };
    ReadError {
        api: api.to_string(),
        kind,
        code,
        message: message.chars().take(600).collect(),
    }
}
