//! Credential-shaped values masked before text reaches the screen, a file or a handover: AWS
//! access key ids, secret keys and session tokens, bearer tokens and JWTs, and the values of
//! `password=`, `secret=`, `token=`, `api_key=` pairs (and their JSON `"password": "…"` form).
//! Log lines carry these more often than anyone intends.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// What replaces a secret.
pub const MASK: &str = "••••••";

static PATTERNS: LazyLock<[(Regex, &'static str); 4]> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("a valid pattern");
    [
        // AWS access key ids (long-term AKIA…, temporary ASIA…).
        (re(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b"), MASK),
        // `key=value`, `key: value`, `"key": "value"` for the names secrets go by.
        (
            re(
                r#"(?i)("?(?:password|passwd|pwd|secret|secret_access_key|aws_secret_access_key|token|session_token|api_key|apikey|access_token|refresh_token|client_secret|private_key)"?\s*[=:]\s*"?)[^\s"',;&]+"#,
            ),
            "${1}••••••",
        ),
        // Bearer and basic credentials in headers.
        (re(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), "${1} ••••••"),
        // JWTs (three base64url parts, the first a JSON header).
        (re(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b"), MASK),
    ]
});

/// `text` with every credential-shaped value replaced by [`MASK`].
pub fn secrets(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (pattern, with) in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = Cow::Owned(pattern.replace_all(&out, *with).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_log_lines_are_masked_and_the_rest_kept() {
        let cases = [
            ("using key AKIAIOSFODNN7EXAMPLE for s3", "using key •••••• for s3"),
            ("db connect user=app password=hunter2 host=db", "db connect user=app password=•••••• host=db"),
            (r#"{"user":"app","password":"hunter2","ok":true}"#, r#"{"user":"app","password":"••••••","ok":true}"#),
            ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = ••••••"),
            ("Authorization: Bearer abc.def-ghi_jkl012345", "Authorization: Bearer ••••••"),
            ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end", "token •••••• end"),
            ("SECRET: s3cr3t!", "SECRET: ••••••"),
            ("GET /orders/42 200 13ms", "GET /orders/42 200 13ms"),
        ];
        for (line, want) in cases {
            assert_eq!(secrets(line), want, "{line}");
        }
        assert!(matches!(secrets("nothing here"), Cow::Borrowed(_)), "clean lines are not copied");
    }
}
