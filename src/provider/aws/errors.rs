//! SDK failures said in a way the user can act on (denied, throttled, AWS failing, no answer).

use super::ATTEMPT_TIMEOUT;
use crate::provider::ProviderError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An SDK failure, said in a way the user can act on.
pub fn sdk_error<E>(operation: &str, e: SdkError<E, aws_smithy_runtime_api::http::Response>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let operation = operation.to_string();
    if let SdkError::ServiceError(service) = &e {
        let err = service.err();
        let code = err.code().unwrap_or("");
        let message = err.message().unwrap_or("");
        let status = service.raw().status().as_u16();
        return match code {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "UnauthorizedException" => {
                ProviderError::AccessDenied { operation }
            }
            "Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded" => {
                ProviderError::Throttled { operation }
            }
            "ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId" | "UnrecognizedClientException" => {
                ProviderError::NoCredentials(format!("{operation}: {code}: {message}"))
            }
            "InternalFailure"
            | "InternalError"
            | "InternalServerError"
            | "ServerException"
            | "ServiceUnavailable"
            | "ServiceUnavailableException" => {
                ProviderError::Unavailable { operation, detail: format!("{code} (HTTP {status})") }
            }
            _ if status >= 500 => ProviderError::Unavailable { operation, detail: format!("HTTP {status} {code}") },
            "" => ProviderError::Other(format!("{operation}: {}", DisplayErrorContext(&e))),
            _ => ProviderError::Other(format!("{operation}: {code}: {message}")),
        };
    }
    let text = DisplayErrorContext(&e).to_string();
    if let SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) = &e {
        return ProviderError::Unreachable { operation, detail: unreachable_cause(&e) };
    }
    if text.contains("credentials") || text.contains("Credentials") {
        return ProviderError::NoCredentials(format!("{operation}: {text}"));
    }
    ProviderError::Other(format!("{operation}: {text}"))
}

/// What the user needs from a failure to get an answer: the I/O error at the bottom of the
/// chain ("Connection refused (os error 111)"), or that the attempt timed out.
fn unreachable_cause<E>(e: &SdkError<E, aws_smithy_runtime_api::http::Response>) -> String
where
    E: std::error::Error + 'static,
{
    if let SdkError::TimeoutError(_) = e {
        return format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs());
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut last = String::new();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return io.to_string();
        }
        last = err.to_string();
        source = err.source();
    }
    match e {
        SdkError::ResponseError(_) => format!("the connection dropped mid-answer ({last})"),
        _ => last,
    }
}

/// AWS itself failing or unreachable: an incident is when this happens, so the app starts and
/// keeps trying rather than exit.
pub(super) fn degraded(e: &ProviderError) -> bool {
    matches!(e, ProviderError::Unavailable { .. } | ProviderError::Unreachable { .. } | ProviderError::Throttled { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::operation::list_services::ListServicesError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: &str) -> ProviderError {
        service_error_with(code, 400)
    }

    fn service_error_with(code: &str, status: u16) -> ProviderError {
        let err = ListServicesError::generic(ErrorMetadata::builder().code(code).message("from AWS").build());
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        sdk_error("ecs:ListServices", SdkError::service_error(err, raw))
    }

    #[test]
    fn server_errors_and_no_answer_say_so_and_that_the_app_retries() {
        let op = || "ecs:ListServices".to_string();
        assert_eq!(
            service_error_with("ServiceUnavailableException", 503),
            ProviderError::Unavailable { operation: op(), detail: "ServiceUnavailableException (HTTP 503)".into() }
        );
        assert_eq!(
            service_error_with("SomethingNew", 502),
            ProviderError::Unavailable { operation: op(), detail: "HTTP 502 SomethingNew".into() }
        );
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
        let dispatch = SdkError::<ListServicesError, Response>::dispatch_failure(
            aws_smithy_runtime_api::client::result::ConnectorError::io(Box::new(refused)),
        );
        let e = sdk_error("ecs:ListServices", dispatch);
        assert_eq!(
            e,
            ProviderError::Unreachable { operation: op(), detail: "Connection refused (os error 111)".into() }
        );
        assert!(e.hint().contains("network") && e.hint().contains("retrying by itself"));
        let timeout = SdkError::<ListServicesError, Response>::timeout_error("attempt timeout");
        assert!(
            matches!(sdk_error("ecs:ListServices", timeout), ProviderError::Unreachable { detail, .. } if detail == "no answer within 30 s")
        );
        let expired = service_error("ExpiredTokenException");
        assert!(expired.hint().contains("session expired"), "{}", expired.hint());
    }

    #[test]
    fn service_errors_become_errors_the_user_can_act_on() {
        let denied = service_error("AccessDeniedException");
        assert_eq!(denied, ProviderError::AccessDenied { operation: "ecs:ListServices".into() });
        assert_eq!(denied.hint(), "add ecs:ListServices to the role's policy");
        assert_eq!(
            service_error("ThrottlingException"),
            ProviderError::Throttled { operation: "ecs:ListServices".into() }
        );
        assert!(
            matches!(service_error("ExpiredTokenException"), ProviderError::NoCredentials(m) if m.contains("ExpiredToken"))
        );
        assert_eq!(
            service_error("ClusterNotFoundException"),
            ProviderError::Other("ecs:ListServices: ClusterNotFoundException: from AWS".into())
        );
    }
}
