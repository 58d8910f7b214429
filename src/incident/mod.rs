//! Incident triage (`i`): one timeline of what changed and what fired, what changed before each
//! firing alarm, the state of the fleet at a glance, notes, and a Markdown handover. Everything
//! here is a pure function of data the app already holds, so it is table-tested without a
//! terminal or a provider.

pub mod correlate;
pub mod filter;
pub mod fold;
pub mod header;
pub mod markdown;
pub mod notes;
pub mod signins;
pub mod trail;

use crate::apply::AuditEntry;
use crate::domain::{EventKind, ResourceRef, Severity, Timeline, TimelineEvent};
use chrono::{DateTime, Utc};
pub use notes::Note;

/// Hours the timeline can cover: from one hour to two days (`w` steps through them).
pub const HOURS: [u32; 6] = [1, 3, 6, 12, 24, 48];
pub const DEFAULT_HOURS: u32 = 6;

/// The next span after `hours` in `HOURS`, wrapping round.
pub fn next_hours(hours: u32) -> u32 {
    HOURS.iter().copied().find(|h| *h > hours).unwrap_or(HOURS[0])
}

/// A change infradeck applied, as a timeline entry.
pub fn change_event(entry: &AuditEntry) -> TimelineEvent {
    let (time, resource) = (entry.time, entry.resource.clone());
    let ok = entry.result.is_applied();
    let severity =
        if matches!(entry.result, crate::apply::Outcome::Failed(_)) { Severity::Warn } else { Severity::Info };
    let revisions = match (&entry.revision_after, &entry.code) {
        (_, Some(code)) => {
            let commit = match (&code.commit, &code.branch) {
                (Some(c), Some(b)) => format!(", commit {c} on {b}"),
                _ => ", not committed".into(),
            };
            format!(
                " (written to {} file(s) in {}{commit}; deployed by its pipeline)",
                code.files.len(),
                code.root.display()
            )
        }
        (Some(after), None) if after != &entry.revision_before => format!(" ({} → {after})", entry.revision_before),
        _ => String::new(),
    };
    let result = if ok { String::new() } else { format!(" — {}", entry.result) };
    // A shell is not a change of the service, but who was in a container and when belongs on
    // an incident's timeline.
    if let Some(session) = &entry.session {
        let ended = session.exit.map_or(String::new(), |code| format!(", exit {code}"));
        return TimelineEvent::new(time, EventKind::Change, severity, Some(resource)).summary(format!(
            "infradeck shell in task {} ({}) by {}: {} s{ended}{result}",
            &session.task[..session.task.len().min(12)],
            session.container,
            entry.caller,
            session.seconds
        ));
    }
    if entry.before.is_empty() {
        return TimelineEvent::new(time, EventKind::Change, severity, Some(resource))
            .summary(format!("infradeck {}: {} by {}{result}", entry.action, entry.after, entry.caller));
    }
    TimelineEvent::new(time, EventKind::Change, severity, Some(resource)).summary(format!(
        "infradeck {}: {} → {}{revisions} by {}{result}",
        entry.action, entry.before, entry.after, entry.caller
    ))
}

/// An alarm's state change as a timeline entry, tied to what the alarm watches: into ALARM is
/// critical, into INSUFFICIENT_DATA a warning, back to OK information. A target-tracking alarm
/// (`scaling`) going into ALARM is autoscaling at work: information, said so.
pub fn alarm_event(
    alarm: &str,
    t: &crate::domain::AlarmTransition,
    watched: Option<ResourceRef>,
    scaling: bool,
) -> TimelineEvent {
    use crate::domain::AlarmState;
    let severity = match t.to {
        _ if scaling => Severity::Info,
        AlarmState::Alarm => Severity::Critical,
        AlarmState::InsufficientData => Severity::Warn,
        AlarmState::Ok => Severity::Info,
    };
    let what = if scaling { " (target tracking: scaling)" } else { "" };
    TimelineEvent::new(t.time, EventKind::Alarm, severity, watched).summary(format!(
        "{alarm}: {} → {}{what} — {}",
        t.from.label(),
        t.to.label(),
        t.reason
    ))
}

/// Cost anomalies as timeline entries. Cost Explorer reports whole days, a day late, so an
/// anomaly on the day before the span (or later) is news in it: it is placed at the later of its
/// day's start and the span's start.
pub fn cost_events(anomalies: &[crate::domain::CostAnomaly], from: DateTime<Utc>) -> Vec<TimelineEvent> {
    let first_day = from.date_naive() - chrono::Days::new(1);
    anomalies
        .iter()
        .filter(|a| a.date >= first_day)
        .map(|a| {
            let midnight = a.date.and_hms_opt(0, 0, 0).map_or(from, |d| d.and_utc());
            TimelineEvent::new(
                midnight.max(from),
                EventKind::Cost,
                Severity::Warn,
                Some(ResourceRef::CostService(a.service.clone())),
            )
            .summary(format!(
                "cost anomaly (day {}): {} ${:.0} against ${:.0} expected (+${:.0})",
                a.date,
                a.service,
                a.actual,
                a.expected,
                a.impact()
            ))
        })
        .collect()
}

/// The whole timeline between `from` and `to`, oldest first: the provider's sources, the changes
/// infradeck applied and the user's notes.
pub fn assemble(
    provider: &Timeline,
    history: &[AuditEntry],
    notes: &[Note],
    security: &signins::Thresholds,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<TimelineEvent> {
    let mut all = Timeline { events: provider.events.clone(), ..Timeline::default() };
    all.events.extend(provider.api.iter().map(trail::change_event));
    all.events.extend(signins::events(&provider.signins, &provider.signin_history, security));
    all.events.extend(history.iter().map(change_event));
    all.events.extend(notes.iter().map(Note::event));
    all.events.retain(|e| e.time >= from && e.time <= to);
    all.sort();
    all.events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + min * 60, 0).unwrap()
    }

    fn audit(time: &str, result: &str) -> AuditEntry {
        AuditEntry {
            code: None,
            session: None,
            time: time.parse().unwrap(),
            caller: "sre".into(),
            target: "demo".into(),
            action: "resize".into(),
            resource: ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() },
            identity: None,
            before: "1 vCPU / 2 GiB".into(),
            after: "0.5 vCPU / 1 GiB".into(),
            revision_before: "web:41".into(),
            revision_after: Some("web:42".into()),
            requests: vec![],
            result: crate::apply::Outcome::from(result.to_string()),
        }
    }

    #[test]
    fn sources_changes_and_notes_merge_in_time_order_within_the_span() {
        let web = ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() };
        let provider = Timeline {
            events: vec![
                TimelineEvent::new(at(30), EventKind::Alarm, Severity::Critical, Some(web.clone())).summary("fired"),
                TimelineEvent::new(at(-600), EventKind::Deploy, Severity::Info, Some(web.clone())).summary("too old"),
                TimelineEvent::new(at(10), EventKind::Deploy, Severity::Info, Some(web)).summary("deployed"),
            ],
            ..Timeline::default()
        };
        let t = at(20).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let history = [audit(&t, "ok")];
        let notes = [Note { time: at(40), author: "alice".into(), text: "rolling back".into() }];
        let events = assemble(&provider, &history, &notes, &Default::default(), at(-60), at(60));
        let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Deploy, EventKind::Change, EventKind::Alarm, EventKind::Note]);
        assert_eq!(events[1].summary, "infradeck resize: 1 vCPU / 2 GiB → 0.5 vCPU / 1 GiB (web:41 → web:42) by sre");
        assert!(events[3].summary.contains("alice: rolling back"));
    }

    #[test]
    fn a_failed_change_is_a_warning_that_says_why() {
        let e = change_event(&audit("2026-11-22T05:00:00Z", "changed since the plan: web"));
        assert_eq!(e.severity, Severity::Warn);
        assert!(e.summary.ends_with("— changed since the plan: web"), "{}", e.summary);
        let cache =
            AuditEntry { resource: ResourceRef::CacheGroup("sessions".into()), ..audit("2026-11-22T05:00:00Z", "ok") };
        let code = AuditEntry {
            action: crate::apply::audit::CODE_CHANGE.into(),
            code: Some(crate::apply::audit::CodeRecord {
                root: "/src/infra".into(),
                files: vec!["ecs.tf".into()],
                branch: Some("infradeck/resize-web-2026-11-22".into()),
                commit: Some("1a2b3c4".into()),
            }),
            ..audit("2026-11-22T05:00:00Z", "ok")
        };
        assert!(
            change_event(&code).summary.contains("infradeck code change: 1 vCPU / 2 GiB → 0.5 vCPU / 1 GiB (written to 1 file(s) in /src/infra, commit 1a2b3c4 on infradeck/resize-web-2026-11-22; deployed by its pipeline)"),
            "{}",
            change_event(&code).summary
        );
        assert_eq!(change_event(&cache).resource, Some(ResourceRef::CacheGroup("sessions".into())));
        let shell = AuditEntry {
            action: crate::apply::audit::SHELL.into(),
            session: Some(crate::apply::audit::SessionRecord {
                task: "3f2a9c1b7d4e4f00".into(),
                container: "app".into(),
                command: "/bin/sh".into(),
                session_id: "s".into(),
                seconds: 42,
                exit: Some(0),
            }),
            ..audit("2026-11-22T05:00:00Z", "ok")
        };
        let summary = change_event(&shell).summary;
        assert!(summary.starts_with("infradeck shell in task 3f2a9c1b7d4e (app) by "), "{summary}");
        assert!(summary.ends_with(": 42 s, exit 0"), "{summary}");
    }

    #[test]
    fn hours_step_through_the_spans_and_wrap() {
        assert_eq!(next_hours(6), 12);
        assert_eq!(next_hours(48), 1);
        assert_eq!(next_hours(5), 6);
    }
}
