//! The alarms part of a review: how often each fired, how long it stayed in ALARM, whether it
//! flaps, was ignored, never fired or notifies nobody — noisiest first, each with one suggestion.

use super::{Link, duration, median};
use crate::domain::{Alarm, AlarmState};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// An alarm that fired at least this often with a median stay in ALARM this short flaps.
pub const FLAP_FIRES: usize = 5;
pub const FLAP_MEDIAN_SECONDS: i64 = 15 * 60;
/// In ALARM at least this long without a change: nobody acts on it.
pub const IGNORED_SECONDS: i64 = 3 * 86_400;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmReview {
    /// As shown (with its account and region when several are shown).
    pub name: String,
    /// Whose it is, typed: `account_id`, `account`, `region`, `alarm`, `arn` in JSON.
    #[serde(flatten)]
    pub identity: crate::domain::AlarmKey,
    /// What it watches (`ecs:prod-core/orders`), if one resource.
    pub watches: Option<String>,
    pub state: &'static str,
    /// Entries into ALARM in the span.
    pub fired: usize,
    /// Every state change in the span.
    pub transitions: usize,
    pub seconds_in_alarm: i64,
    /// The median stay in ALARM of the episodes that ended in OK.
    pub median_to_ok_seconds: Option<i64>,
    /// "flapping", "ignored", "no actions", "never fired", "no data".
    pub flags: Vec<&'static str>,
    pub suggestion: String,
    /// Where its figures come from: its last firing (or when it entered ALARM).
    pub link: Option<Link>,
}

/// The alarms, people's first (noisiest first: most fired, then longest in ALARM), and the
/// target-tracking alarms autoscaling owns apart (their firing is scaling at work).
pub fn review(alarms: &[Alarm], from: DateTime<Utc>, to: DateTime<Utc>) -> (Vec<AlarmReview>, Vec<AlarmReview>) {
    let (mut people, mut scaling): (Vec<AlarmReview>, Vec<AlarmReview>) = (Vec::new(), Vec::new());
    // Alarms a composite alarm watches act through it (AWS's way to cut noise): not "silent".
    let rules: Vec<&str> = alarms.iter().filter(|a| a.namespace == "composite").map(|a| a.metric.as_str()).collect();
    for a in alarms {
        let watched = rules.iter().any(|r| r.contains(&format!("\"{}\"", a.name)));
        let mut r = one(a, from, to);
        if watched && r.flags.contains(&"no actions") {
            r.flags.retain(|f| *f != "no actions");
            if r.suggestion.contains("notif") {
                r.suggestion = "acts through the composite alarm that watches it".into();
            }
        }
        if a.scaling || crate::domain::alarm::is_scaling_alarm(&a.name, None) {
            scaling.push(r);
        } else {
            people.push(r);
        }
    }
    for list in [&mut people, &mut scaling] {
        list.sort_by(|a, b| {
            (b.fired, b.seconds_in_alarm, a.flags.is_empty())
                .cmp(&(a.fired, a.seconds_in_alarm, b.flags.is_empty()))
                .then_with(|| a.name.cmp(&b.name))
        });
    }
    (people, scaling)
}

/// One alarm's figures over [from, to].
pub fn one(a: &Alarm, from: DateTime<Utc>, to: DateTime<Utc>) -> AlarmReview {
    let mut changes: Vec<_> = a.history.iter().filter(|t| t.time >= from && t.time <= to).collect();
    changes.sort_by_key(|t| t.time);
    // The state at the start: what the first change left, or (no change) the state now.
    let mut state = changes.first().map_or(a.state, |t| t.from);
    let mut entered = from;
    let (mut in_alarm, mut to_ok, mut fired, mut last_fired) = (0i64, Vec::new(), 0usize, None);
    for t in &changes {
        if state == AlarmState::Alarm {
            in_alarm += (t.time - entered).num_seconds();
            if t.to == AlarmState::Ok && entered > from {
                to_ok.push((t.time - entered).num_seconds());
            }
        }
        if t.to == AlarmState::Alarm {
            fired += 1;
            last_fired = Some(t.time);
        }
        (state, entered) = (t.to, t.time);
    }
    if state == AlarmState::Alarm {
        in_alarm += (to - entered).num_seconds();
    }
    let median_to_ok = median(to_ok);
    let days = ((to - from).num_seconds() as f64 / 86_400.0).round() as i64;
    let alarm_for = (a.state == AlarmState::Alarm).then(|| (to - a.since).num_seconds());
    let mut flags = Vec::new();
    if fired >= FLAP_FIRES && median_to_ok.is_some_and(|m| m <= FLAP_MEDIAN_SECONDS) {
        flags.push("flapping");
    }
    if alarm_for.is_some_and(|s| s >= IGNORED_SECONDS) {
        flags.push("ignored");
    }
    if !a.acts() {
        flags.push("no actions");
    }
    let no_data = changes.is_empty() && a.state == AlarmState::InsufficientData;
    if no_data {
        flags.push("no data");
    } else if fired == 0 && a.state != AlarmState::Alarm {
        flags.push("never fired");
    }
    let periods = a.evaluation.as_ref().map(|e| e.periods);
    let threshold = format!("{} {}", a.comparison.symbol(), trim(a.threshold));
    let suggestion = if flags.contains(&"ignored") {
        format!(
            "in ALARM {} and nobody acted: fix what it watches, raise the threshold ({threshold}) or delete it",
            duration(alarm_for.unwrap_or(0))
        )
    } else if no_data {
        format!(
            "no data in {days} days: it watches nothing (a deleted resource or wrong dimensions) — fix or delete it"
        )
    } else if flags.contains(&"flapping") {
        let wider = periods.map_or("more evaluation periods".to_string(), |p| {
            format!("{} evaluation periods (now {p})", (p * 3).max(3))
        });
        format!(
            "flaps ({fired}× for a median {}): require {wider} or raise the threshold ({threshold})",
            duration(median_to_ok.unwrap_or(0))
        )
    } else if fired > 0 && !a.acts() {
        format!("fired {fired}× and notified nobody: add an action (an SNS topic) or delete it")
    } else if flags.contains(&"never fired") {
        format!("never fired in {days} days: fine for a rare failure; check {threshold} still means trouble")
    } else if !a.acts() {
        "notifies nobody: add an action (an SNS topic) before it fires".to_string()
    } else {
        "—".to_string()
    };
    let link_at = last_fired.or_else(|| (a.state == AlarmState::Alarm).then_some(a.since.max(from)));
    AlarmReview {
        name: a.name.clone(),
        identity: a.identity.clone(),
        watches: a.resource.as_ref().map(ToString::to_string),
        state: a.state.short(),
        fired,
        transitions: changes.len(),
        seconds_in_alarm: in_alarm.max(0),
        median_to_ok_seconds: median_to_ok,
        flags,
        suggestion,
        link: link_at.map(|at| Link { at, resource: a.resource.clone() }),
    }
}

/// 80 rather than 80.0; 0.5 as it is.
fn trim(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AlarmTransition, Comparison, ResourceRef};
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_790_000_000 + h * 60, 0).unwrap()
    }

    fn alarm(name: &str, state: AlarmState, since: DateTime<Utc>, changes: &[(i64, AlarmState, AlarmState)]) -> Alarm {
        let mut history: Vec<AlarmTransition> = changes
            .iter()
            .map(|(m, from, to)| AlarmTransition { time: t(*m), from: *from, to: *to, reason: String::new() })
            .collect();
        history.reverse();
        Alarm {
            name: name.into(),
            identity: Default::default(),
            state,
            namespace: "AWS/ECS".into(),
            metric: "CPUUtilization".into(),
            comparison: Comparison::GreaterThan,
            threshold: 80.0,
            resource: Some(ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() }),
            since,
            reason: String::new(),
            history,
            scaling: false,
            evaluation: Some(crate::domain::AlarmEvaluation {
                dimensions: Vec::new(),
                statistic: "Average".into(),
                period: 60,
                periods: 1,
            }),
            actions: vec!["oncall".into()],
            actions_enabled: true,
        }
    }

    use AlarmState::{Alarm as A, InsufficientData as N, Ok as O};

    #[test]
    fn a_flapping_alarm_counts_its_firings_time_in_alarm_and_median_to_ok() {
        // Minutes from t(0); the span is t(0)..t(1000). Five short ALARMs: 2, 4, 6, 8, 30 min.
        let changes = [
            (100, O, A),
            (102, A, O),
            (200, O, A),
            (204, A, O),
            (300, O, A),
            (306, A, O),
            (400, O, A),
            (408, A, O),
            (500, O, A),
            (530, A, O),
        ];
        let a = alarm("web-cpu", O, t(530), &changes);
        let r = one(&a, t(0), t(1000));
        assert_eq!((r.fired, r.transitions), (5, 10));
        assert_eq!(r.seconds_in_alarm, (2 + 4 + 6 + 8 + 30) * 60);
        assert_eq!(r.median_to_ok_seconds, Some(6 * 60));
        assert_eq!(r.flags, vec!["flapping"]);
        assert!(r.suggestion.contains("require 3 evaluation periods (now 1)"), "{}", r.suggestion);
        assert_eq!(r.link.unwrap().at, t(500), "the last firing");
    }

    #[test]
    fn an_alarm_in_alarm_for_days_is_ignored_and_one_in_alarm_at_the_start_counts_from_there() {
        // In ALARM since before the span (its first change in the span is out of ALARM, then back).
        let a = alarm("ledger-low", A, t(600), &[(100, A, O), (600, O, A)]);
        let r = one(&a, t(0), t(600 + 5 * 1440));
        assert_eq!(r.fired, 1);
        assert_eq!(r.seconds_in_alarm, 100 * 60 + 5 * 86_400);
        assert_eq!(r.median_to_ok_seconds, None, "the first stay began before the span: its length is unknown");
        assert_eq!(r.flags, vec!["ignored"]);
        assert!(r.suggestion.starts_with("in ALARM 5d and nobody acted"), "{}", r.suggestion);
    }

    #[test]
    fn quiet_alarms_and_alarms_that_notify_nobody() {
        let mut never = alarm("rare", O, t(0), &[]);
        let r = one(&never, t(0), t(30 * 1440));
        assert_eq!((r.fired, r.seconds_in_alarm), (0, 0));
        assert_eq!(r.flags, vec!["never fired"]);
        assert!(r.suggestion.starts_with("never fired in 30 days"));
        never.state = N;
        assert_eq!(one(&never, t(0), t(30 * 1440)).flags, vec!["no data"]);
        let mut silent = alarm("silent", O, t(60), &[(10, O, A), (60, A, O)]);
        silent.actions.clear();
        let r = one(&silent, t(0), t(1440));
        assert_eq!(r.flags, vec!["no actions"]);
        assert!(r.suggestion.starts_with("fired 1× and notified nobody"));
        silent.actions = vec!["oncall".into()];
        silent.actions_enabled = false;
        assert_eq!(one(&silent, t(0), t(1440)).flags, vec!["no actions"], "listed but turned off");
    }

    #[test]
    fn target_tracking_alarms_are_kept_apart_and_the_noisiest_come_first() {
        let quiet = alarm("quiet", O, t(0), &[]);
        let loud = alarm("loud", O, t(0), &[(10, O, A), (20, A, O), (30, O, A), (40, A, O)]);
        let mut scaling = alarm("TargetTracking-web-AlarmLow-1", A, t(0), &[(5, O, A)]);
        scaling.scaling = true;
        let (people, auto) = review(&[quiet, scaling, loud], t(0), t(100));
        assert_eq!(people.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["loud", "quiet"]);
        assert_eq!(auto.len(), 1);
    }
}
