//! Simulated CloudWatch alarms, evaluated against the same simulated metrics the panes show, so
//! an alarm's state and history always agree with its resource's chart.

use super::fleet::{AlarmSpec, Fleet, WatchedMetric};
use crate::domain::{Alarm, AlarmState, AlarmTransition, Comparison, ResourceRef};
use chrono::{DateTime, TimeZone, Utc};

/// How far back the history is replayed, and how many transitions are kept.
const HISTORY_SECONDS: i64 = 24 * 3_600;
const HISTORY_KEEP: usize = 50;

/// The watched metric's one-minute value at `t`; NaN when there is no data.
pub fn metric_value(fleet: &Fleet, spec: &AlarmSpec, t: i64) -> f32 {
    if spec.metric.is_ecs() {
        let Some(s) = spec.watched.and_then(|i| fleet.services.get(i)) else {
            return f32::NAN;
        };
        let p = s.point(t);
        match spec.metric {
            WatchedMetric::EcsCpu => p.cpu_avg,
            _ => p.mem_avg,
        }
    } else {
        let Some(c) = spec.watched.and_then(|i| fleet.caches.get(i)) else {
            return f32::NAN;
        };
        let p = c.period(t, 60);
        match spec.metric {
            WatchedMetric::CacheMemory => p.memory,
            WatchedMetric::CacheEngineCpu => p.engine_cpu,
            _ => p.evictions,
        }
    }
}

fn breaches(cmp: Comparison, value: f32, threshold: f32) -> bool {
    match cmp {
        Comparison::GreaterThan => value > threshold,
        Comparison::LessThan => value < threshold,
    }
}

/// CloudWatch's rule for N-of-N: ALARM when every period breaches, OK when any doesn't,
/// INSUFFICIENT_DATA when the periods have no data.
fn state_at(values: &[f32], cmp: Comparison, threshold: f32) -> AlarmState {
    if values.iter().all(|v| v.is_nan()) {
        AlarmState::InsufficientData
    } else if values.iter().all(|v| breaches(cmp, *v, threshold)) {
        AlarmState::Alarm
    } else {
        AlarmState::Ok
    }
}

fn reason(state: AlarmState, spec: &AlarmSpec, last: f32) -> String {
    match state {
        AlarmState::InsufficientData => format!("Insufficient Data: {} datapoints were unknown.", spec.periods),
        _ => format!(
            "Threshold Crossed: {} datapoint{} [{:.1}] {} the threshold ({:.1}).",
            spec.periods,
            if spec.periods == 1 { " was" } else { "s were" },
            last,
            match (state, spec.comparison) {
                (AlarmState::Alarm, Comparison::GreaterThan) => "greater than",
                (_, Comparison::GreaterThan) => "not greater than",
                (AlarmState::Alarm, Comparison::LessThan) => "less than",
                (_, Comparison::LessThan) => "not less than",
            },
            spec.threshold
        ),
    }
}

/// The alarm replayed minute by minute over the `seconds` before `now`: its transitions (newest
/// first), its state at `now` and the last value it saw.
pub fn replay(fleet: &Fleet, spec: &AlarmSpec, now: i64, seconds: i64) -> (Vec<AlarmTransition>, AlarmState, f32) {
    let now = now - now.rem_euclid(60);
    let start = now - seconds;
    let n = spec.periods.max(1) as usize;
    // One value per minute from `start - n` minutes, so every evaluation has its n periods.
    let values: Vec<f32> = (0..(seconds / 60) as usize + n)
        .map(|i| metric_value(fleet, spec, start - (n as i64 - 1) * 60 + i as i64 * 60))
        .collect();
    let mut history = Vec::new();
    let mut prev = state_at(&values[..n], spec.comparison, spec.threshold);
    for i in 1..=(seconds / 60) as usize {
        let window = &values[i..i + n];
        let state = state_at(window, spec.comparison, spec.threshold);
        if state != prev {
            history.push(AlarmTransition {
                time: at(start + i as i64 * 60),
                from: prev,
                to: state,
                reason: reason(state, spec, window[n - 1]),
            });
            prev = state;
        }
    }
    history.reverse();
    (history, prev, values[values.len() - 1])
}

pub fn evaluate(fleet: &Fleet, spec: &AlarmSpec, now: i64) -> Alarm {
    let now = now - now.rem_euclid(60);
    let start = now - HISTORY_SECONDS;
    let (mut history, prev, last) = replay(fleet, spec, now, HISTORY_SECONDS);
    history.truncate(HISTORY_KEEP);
    Alarm {
        name: spec.name.clone(),
        identity: crate::domain::AlarmKey { origin: super::origin(), alarm: spec.name.clone(), aws_arn: None },
        state: prev,
        namespace: spec.metric.namespace().into(),
        metric: spec.metric.name().into(),
        comparison: spec.comparison,
        threshold: spec.threshold as f64,
        resource: Some(watched(spec)),
        since: history.first().map_or_else(|| at(last_change_before(fleet, spec, start, prev)), |h| h.time),
        reason: reason(prev, spec, last),
        history,
        scaling: false,
        evaluation: Some(crate::domain::AlarmEvaluation {
            dimensions: Vec::new(),
            statistic: "Average".into(),
            period: 60,
            periods: spec.periods,
        }),
        actions: actions(&spec.name),
        actions_enabled: spec.name != "legacy-reports-cpu-high",
    }
}

/// What each demo alarm sets off: the pager for most, the scaling policy for target tracking,
/// nothing for a few forgotten ones (a review says so).
fn actions(name: &str) -> Vec<String> {
    if name.starts_with("TargetTracking-") {
        vec![format!("policy {name}")]
    } else if ["geo-cpu-high", "old-queue-memory-high", "ml-inference-cpu-high"].contains(&name) {
        Vec::new()
    } else if name.contains("evictions") || name.contains("memory") {
        vec!["oncall-pager".into(), "infra-alerts".into()]
    } else {
        vec!["oncall-pager".into()]
    }
}

/// The resource an alarm watches.
pub fn watched(spec: &AlarmSpec) -> ResourceRef {
    match spec.target.split_once('/') {
        Some((c, s)) => ResourceRef::EcsService { cluster: c.into(), service: s.into() },
        None => ResourceRef::CacheGroup(spec.target.clone()),
    }
}

/// When the alarm entered `state`, looking back from `before` up to 14 days (at most that far).
fn last_change_before(fleet: &Fleet, spec: &AlarmSpec, before: i64, state: AlarmState) -> i64 {
    let n = spec.periods.max(1) as i64;
    let limit = before - 14 * 86_400;
    let mut t = before;
    while t > limit {
        let values: Vec<f32> = (0..n).map(|i| metric_value(fleet, spec, t - i * 60)).collect();
        if state_at(&values, spec.comparison, spec.threshold) != state {
            return t + 300;
        }
        t -= 300; // five-minute steps: "since" older than a day needs no finer answer
    }
    limit
}

pub fn at(t: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(t, 0).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_fleet_shows_every_alarm_state_and_some_flapping() {
        let fleet = Fleet::build(42, None);
        let now = 1_795_000_000;
        let alarms: Vec<Alarm> = fleet.alarms.iter().map(|a| evaluate(&fleet, a, now)).collect();
        let count = |s| alarms.iter().filter(|a| a.state == s).count();
        assert!(count(AlarmState::Alarm) >= 1, "some alarm fires");
        assert!(count(AlarmState::Ok) >= 5);
        assert!(count(AlarmState::InsufficientData) >= 2, "the idle service and the deleted group");
        assert!(alarms.iter().any(|a| a.is_flapping(at(now))), "some alarm flaps");
        for a in &alarms {
            assert!(a.history.windows(2).all(|w| w[0].time >= w[1].time), "newest first");
            if let Some(h) = a.history.first() {
                assert_eq!(h.to, a.state, "{}: history ends in the current state", a.name);
            }
        }
    }

    #[test]
    fn reasons_say_which_side_of_the_threshold() {
        let fleet = Fleet::build(42, None);
        let low = fleet.alarms.iter().find(|a| a.name == "ledger-cpu-low").unwrap();
        assert!(reason(AlarmState::Alarm, low, 8.0).contains("[8.0] less than the threshold (25.0)"));
        assert!(reason(AlarmState::Ok, low, 30.0).contains("not less than"));
        let high = fleet.alarms.iter().find(|a| a.name == "checkout-cpu-high").unwrap();
        assert!(reason(AlarmState::Alarm, high, 91.0).contains("[91.0] greater than the threshold (80.0)"));
    }

    #[test]
    fn n_of_n_rule() {
        use Comparison::GreaterThan as Gt;
        assert_eq!(state_at(&[91.0, 95.0], Gt, 90.0), AlarmState::Alarm);
        assert_eq!(state_at(&[91.0, 85.0], Gt, 90.0), AlarmState::Ok);
        assert_eq!(state_at(&[f32::NAN, f32::NAN], Gt, 90.0), AlarmState::InsufficientData);
    }
}
