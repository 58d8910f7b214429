//! The one error every layer speaks about a failed read or write, with a hint for the user.

/// A failed fetch, with enough to tell the user what happened and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("access denied on {operation}")]
    AccessDenied { operation: String },
    #[error("throttled on {operation}")]
    Throttled { operation: String },
    #[error("no credentials: {0}")]
    NoCredentials(String),
    #[error("{0} not found")]
    NotFound(String),
    /// Writes are switched off (`--read-only`, config, or the profile's setting).
    #[error("read-only: {0}")]
    ReadOnly(String),
    /// The resource changed since the plan was made.
    #[error("changed since the plan: {0}")]
    Conflict(String),
    /// The plan would be rejected by AWS or would break the service (or cannot be applied from
    /// here): nothing is sent.
    #[error("refused: {0}")]
    Refused(String),
    /// AWS answered with a server error (HTTP 5xx, InternalFailure, ServiceUnavailable).
    #[error("AWS failing on {operation}: {detail}")]
    Unavailable { operation: String, detail: String },
    /// No answer at all: connection refused or reset, DNS, timeout.
    #[error("no answer from AWS on {operation}: {detail}")]
    Unreachable { operation: String, detail: String },
    /// Some of several targets (profile/region) failed; the others' data is current and the
    /// failed ones show their last good data.
    #[error("{} not answering: {cause}", failed.join(", "))]
    Partial { failed: Vec<String>, cause: Box<ProviderError> },
    #[error("{0}")]
    Other(String),
}

impl ProviderError {
    /// One line on how to fix it, shown under the error.
    pub fn hint(&self) -> String {
        match self {
            // --org: a member account whose role the caller cannot assume.
            ProviderError::AccessDenied { operation } if operation.starts_with("sts:AssumeRole") => {
                "the role is missing there, or its trust policy does not trust the caller (iam/org-member-trust.json)"
                    .into()
            }
            ProviderError::AccessDenied { operation } => {
                format!("add {operation} to the role's policy")
            }
            ProviderError::Throttled { .. } => {
                "AWS is rate-limiting this account: backing off, retrying by itself".into()
            }
            ProviderError::Unavailable { .. } => {
                "an AWS-side problem: backing off, retrying by itself (check health.aws.amazon.com)".into()
            }
            ProviderError::Unreachable { .. } => {
                "check the network, VPN, proxy or --endpoint-url; backing off, retrying by itself".into()
            }
            ProviderError::Partial { cause, .. } => format!("{}; the other targets are current", cause.hint()),
            ProviderError::NoCredentials(m) if m.contains("xpired") => {
                "the session expired: run `aws sso login` (or renew the credentials); infradeck retries by itself"
                    .into()
            }
            ProviderError::NoCredentials(_) => "run `aws sso login`, set AWS_PROFILE, or try `infradeck --demo`".into(),
            ProviderError::NotFound(_) => "it may have been deleted; press r to refresh".into(),
            ProviderError::ReadOnly(_) => {
                "start without --read-only (and without read_only in the config) to apply".into()
            }
            ProviderError::Conflict(_) => "someone deployed meanwhile: refresh, look again, and plan anew".into(),
            ProviderError::Refused(_) => "nothing was sent; change the task definition by hand or as code".into(),
            ProviderError::Other(_) => "press r to retry".into(),
        }
    }
}
