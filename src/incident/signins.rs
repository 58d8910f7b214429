//! Suspicious console sign-ins: bursts of failures, the root user, no MFA, a source or a browser
//! not seen for that user, an hour that user never signs in at. Each flag says why in words; the
//! thresholds come from the config (`[security]`).

use crate::domain::trail::SignIn;
use crate::domain::{EventKind, Severity, TimelineEvent};
use chrono::{DateTime, Duration, Timelike, Utc};
use std::collections::HashSet;

/// When a sign-in is worth a flag. `[security]` in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// This many failed sign-ins from one source…
    pub failures: u32,
    /// …within this many minutes is a burst.
    pub failure_minutes: u32,
    /// A source, browser or hour not seen for a user in this many days is new.
    pub history_days: u32,
    /// Sign-ins a user needs in the history before an unusual hour is flagged.
    pub usual_hours_after: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { failures: 5, failure_minutes: 10, history_days: 30, usual_hours_after: 5 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum FlagKind {
    FailureBurst,
    Root,
    NoMfa,
    NewSource,
    NewBrowser,
    UnusualHour,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Flag {
    pub time: DateTime<Utc>,
    pub kind: FlagKind,
    pub user: String,
    pub source_ip: String,
    /// Why, in words: "6 failed sign-ins from 198.51.100.23 in 4 min (5 in 10 min flags)".
    pub why: String,
}

impl Flag {
    /// For the header's security row: "failures ×6 198.51.100.23", "new source alice".
    pub fn short(&self) -> String {
        match self.kind {
            FlagKind::FailureBurst => format!("failed sign-ins {} ({})", self.source_ip, self.user),
            FlagKind::Root => format!("root sign-in {}", self.source_ip),
            FlagKind::NoMfa => format!("no MFA {}", self.user),
            FlagKind::NewSource => format!("new source {} {}", self.user, self.source_ip),
            FlagKind::NewBrowser => format!("new browser {}", self.user),
            FlagKind::UnusualHour => format!("unusual hour {} {}", self.user, self.time.format("%H:%M")),
        }
    }
}

/// The browser family of a user agent, so a browser update is not a new browser.
fn browser(agent: &str) -> &str {
    for name in ["Edg/", "Firefox/", "Chrome/", "Safari/"] {
        if agent.contains(name) {
            return name.trim_end_matches('/');
        }
    }
    agent.split('/').next().unwrap_or(agent)
}

/// The flags for the sign-ins in `span` (oldest first), judged against `history`: the sign-ins
/// of the `history_days` before the span.
pub fn flags(span: &[SignIn], history: &[SignIn], th: &Thresholds) -> Vec<Flag> {
    let mut out = Vec::new();
    bursts(span, th, &mut out);
    // A user's known sources, browsers and hours grow as the span goes on: a second sign-in from
    // a new place is not new again. History older than `history_days` before the span is not read.
    let since = span.first().map(|s| s.time - Duration::days(th.history_days as i64));
    let mut seen: Vec<&SignIn> = history.iter().filter(|s| s.success && since.is_none_or(|t| s.time >= t)).collect();
    for s in span.iter().filter(|s| s.success) {
        let flag =
            |kind, why: String| Flag { time: s.time, kind, user: s.user.clone(), source_ip: s.source_ip.clone(), why };
        if s.root {
            out.push(flag(
                FlagKind::Root,
                format!("the root user signed in from {}: root is for break-glass only", s.source_ip),
            ));
        }
        if !s.mfa && !s.federated {
            out.push(flag(FlagKind::NoMfa, format!("{} signed in without MFA", s.user)));
        }
        let mine: Vec<&&SignIn> = seen.iter().filter(|h| h.user == s.user).collect();
        let days = th.history_days;
        if !mine.is_empty() && !mine.iter().any(|h| h.source_ip == s.source_ip) {
            let known: HashSet<&str> = mine.iter().map(|h| h.source_ip.as_str()).collect();
            out.push(flag(
                FlagKind::NewSource,
                format!(
                    "{} signed in from {}, not seen for them in {days} days ({} known)",
                    s.user,
                    s.source_ip,
                    known.len()
                ),
            ));
        }
        if !mine.is_empty() && !mine.iter().any(|h| browser(&h.user_agent) == browser(&s.user_agent)) {
            out.push(flag(
                FlagKind::NewBrowser,
                format!("{} signed in with {}, not seen for them in {days} days", s.user, browser(&s.user_agent)),
            ));
        }
        if mine.len() >= th.usual_hours_after as usize {
            let hours: Vec<u32> = mine.iter().map(|h| h.time.hour()).collect();
            let near = |h: u32| hours.iter().any(|k| (24 + h - k) % 24 <= 1 || (24 + k - h) % 24 <= 1);
            if !near(s.time.hour()) {
                let (lo, hi) = (hours.iter().min().unwrap_or(&0), hours.iter().max().unwrap_or(&23));
                out.push(flag(
                    FlagKind::UnusualHour,
                    format!(
                        "{} signed in at {} UTC; their {} sign-ins in {days} days were between {lo:02}:00 and {:02}:59",
                        s.user,
                        s.time.format("%H:%M"),
                        mine.len(),
                        hi
                    ),
                ));
            }
        }
        seen.push(s);
    }
    out.sort_by_key(|f| (f.time, f.kind));
    out
}

/// `failures` or more failed sign-ins from one source within `failure_minutes`: one flag a
/// burst, at the failure that made it one, counting the whole burst.
fn bursts(span: &[SignIn], th: &Thresholds, out: &mut Vec<Flag>) {
    let window = Duration::minutes(th.failure_minutes as i64);
    let mut sources: Vec<&str> = span.iter().filter(|s| !s.success).map(|s| s.source_ip.as_str()).collect();
    sources.sort();
    sources.dedup();
    for source in sources {
        let failed: Vec<&SignIn> = span.iter().filter(|s| !s.success && s.source_ip == source).collect();
        let mut i = 0;
        while i < failed.len() {
            // The failures within the window from this one.
            let n = failed[i..].iter().take_while(|f| f.time - failed[i].time <= window).count();
            if n >= th.failures.max(1) as usize {
                // Extend the burst while failures keep coming within the window of the last.
                let mut end = i + n - 1;
                while end + 1 < failed.len() && failed[end + 1].time - failed[end].time <= window {
                    end += 1;
                }
                let count = end - i + 1;
                let minutes = (failed[end].time - failed[i].time).num_minutes().max(1);
                let users: HashSet<&str> = failed[i..=end].iter().map(|f| f.user.as_str()).collect();
                let mut users: Vec<&str> = users.into_iter().collect();
                users.sort();
                let first = failed[i + th.failures.max(1) as usize - 1];
                out.push(Flag {
                    time: first.time,
                    kind: FlagKind::FailureBurst,
                    user: users.join(", "),
                    source_ip: source.to_string(),
                    why: format!(
                        "{count} failed sign-ins from {source} in {minutes} min as {} ({} in {} min flags)",
                        users.join(", "),
                        th.failures,
                        th.failure_minutes
                    ),
                });
                i = end + 1;
            } else {
                i += 1;
            }
        }
    }
}

/// The sign-ins of the span as timeline rows: each flag (a burst at the failure that made it
/// one), and the sign-ins that raised none, quietly. Failures fold by source.
pub fn events(span: &[SignIn], history: &[SignIn], th: &Thresholds) -> Vec<TimelineEvent> {
    let flags = flags(span, history, th);
    let mut out: Vec<TimelineEvent> = flags.iter().map(flag_event).collect();
    for s in span {
        let flagged = flags.iter().any(|f| f.time == s.time && f.source_ip == s.source_ip);
        if s.success && !flagged {
            let mfa = if s.mfa { "with MFA" } else { "without MFA" };
            out.push(
                TimelineEvent::new(s.time, EventKind::SignIn, Severity::Info, None)
                    .summary(format!("{} signed in to the console from {} {mfa}", s.user, s.source_ip)),
            );
        } else if !s.success {
            out.push(
                TimelineEvent::new(s.time, EventKind::SignIn, Severity::Info, None)
                    .summary(format!("failed console sign-in as {} from {}", s.user, s.source_ip))
                    .fold(format!("failed sign-in {}", s.source_ip)),
            );
        }
    }
    out
}

/// A flag as a timeline row: a burst and root are critical, the rest a warning.
pub fn flag_event(f: &Flag) -> TimelineEvent {
    let severity = match f.kind {
        FlagKind::FailureBurst | FlagKind::Root => Severity::Critical,
        _ => Severity::Warn,
    };
    TimelineEvent::new(f.time, EventKind::SignIn, severity, None).summary(format!("⚑ {}", f.why))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36";
    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    fn at(day: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap()
    }

    fn sign_in(time: DateTime<Utc>, user: &str, ip: &str, success: bool) -> SignIn {
        SignIn {
            time,
            user: user.into(),
            root: false,
            success,
            mfa: true,
            federated: false,
            source_ip: ip.into(),
            user_agent: CHROME.into(),
        }
    }

    /// alice signs in from the office on weekdays around 09:00 for a month.
    fn history() -> Vec<SignIn> {
        (1..=16).map(|d| sign_in(at(d, 9, 5), "alice", "203.0.113.7", true)).collect()
    }

    #[test]
    fn a_burst_of_failures_then_a_success_from_a_new_place_at_night_is_flagged_with_reasons() {
        let mut span: Vec<SignIn> =
            (0..6).map(|i| sign_in(at(18, 3, i * 2), "alice", "198.51.100.23", false)).collect();
        span.push(SignIn { user_agent: FIREFOX.into(), ..sign_in(at(18, 3, 14), "alice", "198.51.100.23", true) });
        let flags = flags(&span, &history(), &Thresholds::default());
        let kinds: Vec<FlagKind> = flags.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [FlagKind::FailureBurst, FlagKind::NewSource, FlagKind::NewBrowser, FlagKind::UnusualHour],
            "{flags:#?}"
        );
        assert_eq!(flags[0].time, at(18, 3, 8), "flagged at the fifth failure");
        assert_eq!(flags[0].why, "6 failed sign-ins from 198.51.100.23 in 10 min as alice (5 in 10 min flags)");
        assert!(flags[1].why.contains("198.51.100.23, not seen for them in 30 days (1 known)"), "{}", flags[1].why);
        assert!(flags[3].why.contains("between 09:00 and 09:59"), "{}", flags[3].why);
    }

    #[test]
    fn the_usual_sign_in_raises_nothing_and_four_failures_are_not_a_burst() {
        let mut span: Vec<SignIn> = (0..4).map(|i| sign_in(at(18, 9, i), "alice", "198.51.100.23", false)).collect();
        span.push(sign_in(at(18, 9, 30), "alice", "203.0.113.7", true));
        assert_eq!(flags(&span, &history(), &Thresholds::default()), []);
        // Stricter thresholds from the config flag the same four.
        let strict = Thresholds { failures: 3, ..Thresholds::default() };
        assert_eq!(flags(&span, &history(), &strict).len(), 1);
    }

    #[test]
    fn root_and_no_mfa_are_flagged_whatever_the_history() {
        let root = SignIn { root: true, user: "root".into(), ..sign_in(at(18, 10, 0), "root", "203.0.113.7", true) };
        let bob = SignIn { mfa: false, ..sign_in(at(18, 11, 0), "bob", "203.0.113.8", true) };
        // Through SSO, MFA happens at the identity provider: "MFAUsed: No" says nothing.
        let sso = SignIn { mfa: false, federated: true, ..sign_in(at(18, 12, 0), "Admin/carol", "203.0.113.9", true) };
        let kinds: Vec<FlagKind> =
            flags(&[root, bob, sso], &[], &Thresholds::default()).iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlagKind::Root, FlagKind::NoMfa], "no history: nothing is 'new' yet");
    }
}
