//! When to try again after a refresh failed. Pure: the jitter comes from the request id, so a
//! test can say exactly when the next request goes out, and panes that failed together (one
//! throttling storm) still spread their retries.

use crate::provider::ProviderError;
use chrono::Duration;

/// The longest a pane waits between tries, unless its own interval is longer (cost: 1 h).
pub const MAX_BACKOFF: Duration = Duration::minutes(5);
/// Errors only a person can fix (a policy, a login) start here rather than at the interval.
const HUMAN_FIX: Duration = Duration::seconds(60);

/// The wait before the next try after `failures` failures in a row (≥ 1), the last being `error`.
///
/// Exponential from the pane's interval (but at most a minute, so an hourly pane whose first
/// load failed is not left empty for an hour; and at least a minute when a person has to act),
/// capped at `MAX_BACKOFF` (or the interval if longer), with "equal jitter": half the wait is fixed, half
/// drawn from `seed`, so retries never fall due sooner than half the nominal wait.
pub fn retry_after(failures: u32, interval: Duration, error: &ProviderError, seed: u64) -> Duration {
    let needs_a_person = match error {
        ProviderError::Partial { cause, .. } => needs_a_person(cause),
        e => needs_a_person(e),
    };
    let base = if needs_a_person { HUMAN_FIX } else { interval.min(HUMAN_FIX) };
    let cap = MAX_BACKOFF.max(interval);
    let doublings = failures.saturating_sub(1).min(20);
    let nominal = base.checked_mul(1 << doublings).unwrap_or(cap).min(cap);
    let half = nominal.num_milliseconds() / 2;
    let spread = (mix(seed) % (half as u64 + 1)) as i64;
    Duration::milliseconds(half + spread)
}

fn needs_a_person(e: &ProviderError) -> bool {
    matches!(e, ProviderError::AccessDenied { .. } | ProviderError::NoCredentials(_))
}

/// SplitMix64's finaliser: consecutive request ids map to unrelated numbers.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled() -> ProviderError {
        ProviderError::Throttled { operation: "ecs:ListClusters".into() }
    }

    #[test]
    fn waits_double_from_the_interval_up_to_the_cap_with_at_most_half_jitter() {
        let ten = Duration::seconds(10);
        // (failures, nominal wait in seconds)
        let table = [(1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (7, 300), (40, 300), (u32::MAX, 300)];
        for (failures, nominal) in table {
            for seed in 0..200 {
                let wait = retry_after(failures, ten, &throttled(), seed).num_milliseconds();
                let nominal = nominal * 1000;
                assert!((nominal / 2..=nominal).contains(&wait), "failure {failures}, seed {seed}: {wait} ms");
            }
        }
    }

    #[test]
    fn jitter_spreads_panes_that_failed_together() {
        let waits: std::collections::BTreeSet<i64> =
            (0..50).map(|seed| retry_after(3, Duration::seconds(10), &throttled(), seed).num_milliseconds()).collect();
        assert!(waits.len() > 40, "{} distinct waits of 50", waits.len());
        // The same request id always gives the same wait: a test can predict it.
        assert_eq!(
            retry_after(3, Duration::seconds(10), &throttled(), 7),
            retry_after(3, Duration::seconds(10), &throttled(), 7)
        );
    }

    #[test]
    fn errors_a_person_must_fix_start_at_a_minute_and_long_intervals_are_their_own_cap() {
        let denied = ProviderError::AccessDenied { operation: "ce:GetCostAndUsage".into() };
        let wait = retry_after(1, Duration::seconds(10), &denied, 1).num_seconds();
        assert!((30..=60).contains(&wait), "{wait}");
        let expired = ProviderError::NoCredentials("ecs:ListClusters: ExpiredTokenException: expired".into());
        let partial = ProviderError::Partial { failed: vec!["eu-west-1".into()], cause: Box::new(expired) };
        assert!(retry_after(1, Duration::seconds(10), &partial, 1).num_seconds() >= 30);
        // Cost refreshes hourly: a failure retries within a minute, then backs off up to the hour.
        let hour = Duration::hours(1);
        assert!(retry_after(1, hour, &throttled(), 3) <= Duration::minutes(1));
        for failures in 7..12 {
            let wait = retry_after(failures, hour, &throttled(), 3);
            assert!(wait >= Duration::minutes(30) && wait <= hour, "{failures}: {wait}");
        }
        // A zero interval (tests, odd configs) still never divides by zero or waits negative.
        assert_eq!(retry_after(1, Duration::zero(), &throttled(), 9), Duration::zero());
    }
}
