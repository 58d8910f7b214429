//! The demo fleet's last month, for a review: the alarms replayed over the whole span from the
//! same model the panes show, a deployment rhythm per service, and a few scripted failures that
//! agree with that model — deployments just before an alarm really fired (the alarm is the
//! model's), one rolled back by ECS's circuit breaker, one rolled back by hand in the console
//! with failed health checks between — besides the scripted incident of today. Two handovers
//! were "written" for two of them.

use super::alarms::{self, at};
use super::fleet::Fleet;
use super::noise::mix;
use crate::domain::trail::{Actor, ApiChange, Via};
use crate::domain::{AlarmState, EventKind, HandoverRecord, History, ResourceRef, Severity, TimelineEvent};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
/// Services given an everyday deployment rhythm (the base fleet; a load-test fleet's thousands
/// of generated services deploy no more than that).
const RHYTHM_SERVICES: usize = 60;
/// Alarms whose real firings get a deployment just before (a failed change).
const FAILED_BEFORE_ALARM: [&str; 2] = ["checkout-cpu-high", "payments-memory-high"];
/// How long before the alarm fired the deployment started.
const LEAD: i64 = 8 * 60;
const CIRCUIT_BREAKER_DAYS_AGO: i64 = 12;
const HAND_ROLLBACK_DAYS_AGO: i64 = 5;
/// How far back the simulated month reaches before the reference.
const MONTH_DAYS: i64 = 30;

/// `hour` o'clock (UTC) on the day `days` before `to`.
fn day_at(to: i64, days: i64, hour: i64) -> i64 {
    let day = to - days * DAY;
    day - day.rem_euclid(DAY) + hour * HOUR
}

fn service(cluster: &str, name: &str) -> ResourceRef {
    ResourceRef::EcsService { cluster: cluster.into(), service: name.into() }
}

fn deploy_event(t: i64, r: &ResourceRef, family: &str, from: u32, to: u32) -> TimelineEvent {
    TimelineEvent::new(at(t), EventKind::Deploy, Severity::Info, Some(r.clone()))
        .summary(format!("deployment {family}:{to} started ({family}:{from} → {family}:{to})"))
}

fn pipeline() -> Actor {
    Actor {
        identity: "github-deploy/ci".into(),
        root: false,
        via: Via::Sdk("aws-sdk-go-v2".into()),
        source_ip: "198.51.100.10".into(),
    }
}

/// Every alarm with its transitions over (from, to].
fn alarms_over(fleet: &Fleet, from: i64, to: i64) -> Vec<crate::domain::Alarm> {
    fleet
        .alarms
        .iter()
        .map(|spec| {
            let mut a = alarms::evaluate(fleet, spec, to);
            let (history, ..) = alarms::replay(fleet, spec, to, (to - from).max(60));
            a.history = history;
            a
        })
        .collect()
}

/// An ordinary month before `reference`: each service deploys 0–6 times on whole days before
/// the reference's, in working hours, one revision up each time, ending at the revision it runs.
fn rhythm(fleet: &Fleet, reference: i64) -> Vec<TimelineEvent> {
    let today = reference - reference.rem_euclid(DAY);
    let mut out = Vec::new();
    for s in fleet.services.iter().take(RHYTHM_SERVICES) {
        let n = (mix(s.key ^ 0xd3) % 7) as u32;
        let r = service(&s.cluster, &s.name);
        let mut times: Vec<i64> = (0..n)
            .map(|i| {
                let day = today - (1 + mix(s.key ^ i as u64) % MONTH_DAYS as u64) as i64 * DAY;
                day + (9 + (mix(s.key ^ (i as u64 + 40)) % 8) as i64) * HOUR + 60 * (mix(s.key ^ i as u64) % 50) as i64
            })
            .collect();
        times.sort_unstable();
        times.dedup();
        let first = s.revision.saturating_sub(times.len() as u32 + 1);
        for (i, t) in times.iter().enumerate() {
            let to_rev = first + i as u32 + 1;
            out.push(deploy_event(*t, &r, &s.name, to_rev.saturating_sub(1), to_rev));
        }
    }
    out
}

/// The scripted failures of the month before `reference`: (events, CloudTrail changes).
fn failures(fleet: &Fleet, reference: i64) -> (Vec<TimelineEvent>, Vec<ApiChange>) {
    let to = reference;
    let (mut events, mut changes) = (Vec::new(), Vec::new());
    let find = |name: &str| fleet.services.iter().find(|s| s.name == name);
    // A deployment 8 minutes before an alarm fired after two quiet hours (the model's firing).
    // Up to a day before the reference: today's incident stays the only story of today.
    for name in FAILED_BEFORE_ALARM {
        let Some(spec) = fleet.alarms.iter().find(|a| a.name == name) else { continue };
        let (history, ..) = alarms::replay(fleet, spec, reference - DAY, (MONTH_DAYS - 1) * DAY);
        let watched = alarms::watched(spec);
        let ResourceRef::EcsService { cluster, service: svc } = &watched else { continue };
        let mut changes: Vec<(i64, AlarmState)> = history.iter().map(|t| (t.time.timestamp(), t.to)).collect();
        changes.sort_unstable_by_key(|c| c.0);
        let quiet_fire = changes.windows(2).find(|w| w[1].1 == AlarmState::Alarm && w[1].0 - w[0].0 >= 2 * HOUR);
        let Some(fire) = quiet_fire.map(|w| w[1].0) else { continue };
        let rev = find(svc).map_or(10, |s| s.revision);
        events.push(deploy_event(
            fire - LEAD,
            &service(cluster, svc),
            svc,
            rev.saturating_sub(2),
            rev.saturating_sub(1),
        ));
    }
    // ECS's circuit breaker rolls back a ledger deployment whose tasks never start.
    if let Some(p) = find("ledger") {
        let r = service(&p.cluster, &p.name);
        let t = day_at(to, CIRCUIT_BREAKER_DAYS_AGO, 14);
        events.push(deploy_event(t, &r, &p.name, p.revision, p.revision + 1));
        events.push(
            TimelineEvent::new(at(t + 11 * 60), EventKind::Deploy, Severity::Critical, Some(r.clone())).summary(format!(
                "(service {}) (deployment ecs-svc/4410) deployment failed: ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/4409.",
                p.name
            )),
        );
        for k in 0..3 {
            events.push(
                TimelineEvent::new(at(t + (4 + 2 * k) * 60), EventKind::Task, Severity::Warn, Some(r.clone()))
                    .summary(format!(
                        "task {:012x} stopped: Essential container in task exited (container {}, exit code 1)",
                        mix(p.key ^ k as u64) & 0xffff_ffff_ffff,
                        p.name
                    ))
                    .fold("essential exited"),
            );
        }
    }
    // search: the pipeline deploys, health checks fail, dana rolls it back in the console.
    if let Some(s) = find("search") {
        let r = service(&s.cluster, &s.name);
        let t = day_at(to, HAND_ROLLBACK_DAYS_AGO, 10);
        let (old, new) = (format!("search:{}", s.revision.saturating_sub(1)), format!("search:{}", s.revision));
        let change = |time: i64, actor: Actor, changed: String| ApiChange {
            time: at(time),
            event_name: "UpdateService".into(),
            service: "ecs".into(),
            resource: Some(r.clone()),
            resource_name: r.to_string(),
            actor,
            changed: vec![changed],
            error: None,
            drift: None,
        };
        changes.push(change(t, pipeline(), format!("taskDefinition {old} → {new}")));
        let dana = Actor {
            identity: "AdministratorAccess/dana".into(),
            root: false,
            via: Via::Console,
            source_ip: "192.0.2.44".into(),
        };
        changes.push(change(t + 23 * 60, dana, format!("taskDefinition {new} → {old}")));
        for k in 0..4 {
            events.push(
                TimelineEvent::new(at(t + (6 + 3 * k) * 60), EventKind::Task, Severity::Warn, Some(r.clone()))
                    .summary(format!(
                        "task {:012x} stopped: Task failed ELB health checks in (target-group search-tg)",
                        mix(s.key ^ (k as u64 + 9)) & 0xffff_ffff_ffff
                    ))
                    .fold("health check"),
            );
        }
    }
    // page-cache: a failover three weeks ago.
    if fleet.caches.iter().any(|c| c.id == "page-cache") {
        events.push(
            TimelineEvent::new(
                at(day_at(to, 18, 3)),
                EventKind::Cache,
                Severity::Warn,
                Some(ResourceRef::CacheGroup("page-cache".into())),
            )
            .summary(
                "Failover from primary node page-cache-001 to replica node page-cache-002 completed (page-cache-002)",
            ),
        );
    }
    (events, changes)
}

/// Keys evicted per group over (from, to], from the model at ten-minute steps.
fn evictions(fleet: &Fleet, from: i64, to: i64) -> Vec<(String, f64)> {
    const STEP: i64 = 600;
    fleet
        .caches
        .iter()
        .map(|c| {
            let total: f64 = (1..=(to - from) / STEP).map(|k| c.period(from + k * STEP, STEP).evictions as f64).sum();
            (c.id.clone(), total.round())
        })
        .collect()
}

/// The two handovers someone wrote this month (at the failures above).
fn handovers(reference: i64, from: i64, to: i64) -> Vec<HandoverRecord> {
    let record = |written: i64, span: i64, firing: &[&str], notes: &[&str], affected: &[&str]| HandoverRecord {
        written: at(written),
        from: at(written - span),
        to: at(written),
        source: "demo fleet".into(),
        path: format!("infradeck-incident-{}.md", at(written).format("%Y%m%d-%H%M")),
        firing: firing.iter().map(|s| s.to_string()).collect(),
        notes: notes.iter().map(|s| s.to_string()).collect(),
        affected: affected.iter().map(|s| s.to_string()).collect(),
    };
    let search = day_at(reference, HAND_ROLLBACK_DAYS_AGO, 10) + 50 * 60;
    let ledger = day_at(reference, CIRCUIT_BREAKER_DAYS_AGO, 15);
    vec![
        record(
            ledger,
            2 * HOUR,
            &[],
            &[
                "14:05 sam: ledger deploy rolled back by the circuit breaker, migration missing",
                "14:40 sam: fixed in ledger+1",
            ],
            &["ecs:prod-data/ledger"],
        ),
        record(
            search,
            2 * HOUR,
            &[],
            &[
                "10:12 dana: search 5xx after deploy",
                "10:23 dana: rolled back in the console",
                "10:45 dana: TODO fix the pipeline's health check path",
            ],
            &["ecs:prod-core/search"],
        ),
    ]
    .into_iter()
    .filter(|h| h.written.timestamp() > from && h.written.timestamp() <= to)
    .collect()
}

/// The month's deployments, failures and changes that fall in (from, to] — placed by the fleet's
/// reference (when the demo started: the scripted incident's end), so the review and the
/// timeline at any moment agree. A fleet without the scripted incident has none.
pub fn month(fleet: &Fleet, from: i64, to: i64) -> (Vec<TimelineEvent>, Vec<ApiChange>) {
    let Some(reference) = reference(fleet) else {
        return (Vec::new(), Vec::new());
    };
    let (mut events, mut changes) = failures(fleet, reference);
    events.extend(rhythm(fleet, reference));
    events.retain(|e| e.time.timestamp() > from && e.time.timestamp() <= to);
    changes.retain(|c| c.time.timestamp() > from && c.time.timestamp() <= to);
    (events, changes)
}

fn reference(fleet: &Fleet) -> Option<i64> {
    fleet.incident.map(|i| i.start + super::incident::STARTED_BEFORE)
}

/// The demo's history over (from, to].
pub fn history(fleet: &Fleet, from: i64, to: i64) -> History {
    let alarms = alarms_over(fleet, from, to);
    // Everything the timeline has (today's incident, deploys, kills, cache events, the month's).
    let mut timeline = super::incident::timeline(fleet, from, to);
    let (events, mut changes) = month(fleet, from, to);
    timeline.events.retain(|e| e.kind != EventKind::Alarm && e.kind != EventKind::Cost);
    timeline.events.extend(events);
    timeline.sort();
    changes.extend(timeline.api);
    changes.sort_by_key(|c| c.time);
    History {
        from: at(from),
        to: at(to),
        alarms,
        alarms_from: None,
        events: timeline.events,
        changes,
        evictions: evictions(fleet, from, to),
        anomalies: super::cost::report(fleet, at(to)).anomalies,
        handovers: reference(fleet).map_or_else(Vec::new, |r| handovers(r, from, to)),
        coverage: vec!["simulated: a month generated from the demo fleet's model".into()],
        problems: Vec::new(),
    }
}
