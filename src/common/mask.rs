//! Credential-shaped values masked before text reaches the screen, a file or a handover: AWS
//! access key ids, secret keys and session tokens, bearer tokens and JWTs, and the values of
//! `password=`, `secret=`, `token=`, `api_key=` pairs (and their JSON `"password": "…"` form).
//! Log lines carry these more often than anyone intends.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// What replaces a secret.
pub const MASK: &str = "••••••";

/// Names secrets go by, inside a longer name too (`SecretAccessKey`, `x-api-key`, `DB_PASSWORD`).
const NAMES: &str = r"\w*(?:password|passwd|pwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key)\w*";

static PATTERNS: LazyLock<[(Regex, &'static str); 6]> = LazyLock::new(|| {
    let re = |s: &str| Regex::new(s).expect("a valid pattern");
    [
        // AWS access key ids (long-term AKIA…, temporary ASIA…).
        (re(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b"), MASK),
        // A password in a URL: scheme://user:password@host.
        (re(r"(://[^/\s:@]+:)[^@\s/]+@"), "${1}••••••@"),
        // Authorization headers, whatever the scheme.
        (re(r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*(?:bearer|basic|token|digest)?\s*)[^\s,;]+"), "${1}••••••"),
        // Bearer tokens elsewhere: long ones only ("the bearer of bad news" stays).
        (re(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{16,}"), "${1}••••••"),
        // A quoted value after a secret's name (JSON, Python dicts, YAML): the whole value, to
        // its closing quote ("correct horse battery" is one password).
        (re(&format!(r#"(?i)(["']?{NAMES}["']?\s*[=:]\s*)(["'])[^"']*(["'])"#)), "${1}${2}••••••${3}"),
        // JWTs (three base64url parts, the first a JSON header).
        (re(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b"), MASK),
    ]
});

/// An unquoted value after a secret's name: `name=value`, or `name: value` (a colon needs a
/// space after it, so an ARN's `secret:prod/db` stays readable). A value that is an ARN names a
/// secret, it is not one ("unable to pull secrets: arn:aws:secretsmanager:…").
static UNQUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r#"(?i)(\b{NAMES}\s*(?:=|:\s+)\s*)([^\s"',;&]+)"#)).expect("a valid pattern"));

/// `text` with every credential-shaped value replaced by [`MASK`].
pub fn secrets(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (pattern, with) in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = Cow::Owned(pattern.replace_all(&out, *with).into_owned());
        }
    }
    if UNQUOTED.is_match(&out) {
        let masked = UNQUOTED.replace_all(&out, |c: &regex::Captures| {
            if c[2].starts_with("arn:") || c[2] == *MASK { c[0].to_string() } else { format!("{}{MASK}", &c[1]) }
        });
        out = Cow::Owned(masked.into_owned());
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
            (r#""SecretAccessKey": "wJalrXUtnFEMI/K7MDENG""#, r#""SecretAccessKey": "••••••""#),
            ("postgres://app:hunter2@db:5432/orders", "postgres://app:••••••@db:5432/orders"),
            ("{'password': 'hunter2'}", "{'password': '••••••'}"),
            ("password='hunter2' next", "password='••••••' next"),
            ("x-api-key: 0123456789abcdef", "x-api-key: ••••••"),
            ("Authorization: Token 9944b09199c62bcf", "Authorization: Token ••••••"),
            ("authorization: Basic YTpi", "authorization: Basic ••••••"),
            (r#""password": "correct horse battery""#, r#""password": "••••••""#),
            // Ordinary text stays: a scheme named in prose, a secret's ARN in an error.
            ("using basic authentication", "using basic authentication"),
            (
                "unable to pull secrets: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC",
                "unable to pull secrets: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(secrets(line), want, "{line}");
        }
        assert!(matches!(secrets("nothing here"), Cow::Borrowed(_)), "clean lines are not copied");
    }
}
