//! The demo fleet's timeline, with its scripted incident: `prod-core/orders` gets a bad deploy
//! whose tasks leak memory until they are OOM-killed (the `orders-memory-high` alarm fires a few
//! minutes after the rollout completes), `sessions` has an eviction storm and a failover, and an
//! earlier, harmless `auth` deploy and an unrelated placement problem are there to be ruled out.
//! Everything is derived from the same model the panes show, so the timeline, the charts and the
//! alarms agree.

use super::alarms::{self, at};
use super::fleet::Fleet;
use super::model::REGRESSION_ROLLOUT;
use super::{cost, task_id};
use crate::domain::{EventKind, ResourceRef, Severity, Timeline, TimelineEvent};

/// The incident began this long before the demo started.
pub const STARTED_BEFORE: i64 = 100 * 60;
/// How far back sign-ins are read to know what is usual for each user.
const SIGNIN_HISTORY: i64 = 30 * 86_400;
/// The `sessions` eviction storm, relative to the start.
pub const STORM_START: i64 = 25 * 60;
pub const STORM_END: i64 = 70 * 60;
const AUTH_DEPLOY: i64 = -220 * 60;
const AUTH_ROLLOUT: i64 = 5 * 60;
const UNABLE_TO_PLACE: [i64; 2] = [-120 * 60, -110 * 60];
const UNHEALTHY: i64 = 40 * 60;
const FAILOVER: i64 = 48 * 60;
const RECOVERING: i64 = 50 * 60;
const RECOVERED: i64 = 58 * 60;

fn service(cluster: &str, name: &str) -> Option<ResourceRef> {
    Some(ResourceRef::EcsService { cluster: cluster.into(), service: name.into() })
}

fn alarm_events(fleet: &Fleet, from: i64, to: i64) -> Vec<TimelineEvent> {
    let mut out = Vec::new();
    for spec in &fleet.alarms {
        let (history, ..) = alarms::replay(fleet, spec, to, (to - from).max(60));
        let resource = spec.watched.map(|_| alarms::watched(spec));
        out.extend(history.iter().map(|t| crate::incident::alarm_event(&spec.name, t, resource.clone(), false)));
    }
    out
}

fn task_events(fleet: &Fleet, from: i64, to: i64) -> Vec<TimelineEvent> {
    let mut out = Vec::new();
    for s in &fleet.services {
        let container = s.containers.first().map_or("app", |c| c.name.as_str());
        let stopped = |t: i64, n: u64| {
            TimelineEvent::new(at(t), EventKind::Task, Severity::Warn, service(&s.cluster, &s.name))
                .summary(format!(
                    "task {} stopped: OutOfMemoryError: Container killed due to memory usage (container {container}, exit code 137)",
                    &task_id(s.key, n)[..12]
                ))
                .fold("oom")
        };
        for (t, i) in s.regression_kills(from, to) {
            out.push(stopped(t, t as u64 ^ (i as u64) << 40));
        }
        for t in s.leak_kills(from, to) {
            for i in 0..s.desired.max(1) {
                out.push(stopped(t, t as u64 ^ (i as u64) << 40));
            }
        }
    }
    out
}

/// The scripted deploys, service events and ElastiCache events.
fn scripted(fleet: &Fleet) -> Vec<TimelineEvent> {
    let Some(incident) = fleet.incident else {
        return Vec::new();
    };
    let s = incident.start;
    let orders = service("prod-core", "orders");
    let desired = |name: &str| fleet.services.iter().find(|x| x.name == name).map_or(0, |x| x.desired);
    let (o, a) = (incident.orders_revision, incident.auth_revision);
    let deploy = |t: i64, r: &Option<ResourceRef>, text: String| {
        TimelineEvent::new(at(t), EventKind::Deploy, Severity::Info, r.clone()).summary(text)
    };
    let auth = service("prod-core", "auth");
    let mut out = vec![
        deploy(s + AUTH_DEPLOY, &auth, format!("deployment auth:{} started (auth:{a} → auth:{})", a + 1, a + 1)),
        deploy(
            s + AUTH_DEPLOY + AUTH_ROLLOUT,
            &auth,
            format!("deployment auth:{} completed: {n}/{n} tasks running", a + 1, n = desired("auth")),
        ),
        deploy(s, &orders, format!("deployment orders:{} started (orders:{o} → orders:{})", o + 1, o + 1)),
        deploy(
            s + REGRESSION_ROLLOUT,
            &orders,
            format!("deployment orders:{} completed: {n}/{n} tasks running", o + 1, n = desired("orders")),
        ),
    ];
    if fleet.services.iter().any(|x| x.cluster == "batch" && x.name == "video-transcode") {
        for t in UNABLE_TO_PLACE {
            out.push(
                TimelineEvent::new(at(s + t), EventKind::Service, Severity::Warn, service("batch", "video-transcode"))
                    .summary(
                        "(service video-transcode) was unable to place a task because no container instance met all \
                         of its requirements. The closest matching container-instance has insufficient memory \
                         available.",
                    )
                    .fold("unable to place"),
            );
        }
    }
    out.push(
        TimelineEvent::new(at(s + UNHEALTHY), EventKind::Service, Severity::Warn, service("prod-core", "search"))
            .summary("(service search) (port 8080) is unhealthy in (target-group search-tg) due to (reason Health checks failed)."),
    );
    let sessions = Some(ResourceRef::CacheGroup("sessions".into()));
    for (t, severity, text) in [
        (FAILOVER, Severity::Warn, "Failover from primary node sessions-001 to replica node sessions-002 completed"),
        (RECOVERING, Severity::Info, "Recovering cache nodes 0001 (sessions-001)"),
        (RECOVERED, Severity::Info, "Finished recovery for cache nodes 0001 (sessions-001)"),
    ] {
        out.push(TimelineEvent::new(at(s + t), EventKind::Cache, severity, sessions.clone()).summary(text));
    }
    out
}

fn cost_events(fleet: &Fleet, from: i64, to: i64) -> Vec<TimelineEvent> {
    crate::incident::cost_events(&cost::report(fleet, at(to)).anomalies, at(from))
}

/// Everything that happened in (from, to], oldest first.
pub fn timeline(fleet: &Fleet, from: i64, to: i64) -> Timeline {
    let mut t = Timeline::default();
    t.add("alarm history", Ok(alarm_events(fleet, from, to)));
    t.add("stopped tasks", Ok(task_events(fleet, from, to)));
    t.add("cost anomalies", Ok(cost_events(fleet, from, to)));
    t.events.extend(scripted(fleet).into_iter().filter(|e| e.time.timestamp() > from && e.time.timestamp() <= to));
    t.api = super::trail::changes(fleet, from, to);
    t.signins = super::trail::sign_ins(fleet, from, to);
    t.signin_history = super::trail::sign_ins(fleet, from - SIGNIN_HISTORY, from);
    t.sort();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_012_200;

    fn incident_fleet() -> Fleet {
        Fleet::build(42, None).with_incident(NOW - STARTED_BEFORE)
    }

    #[test]
    fn the_bad_deploy_fires_its_alarm_after_the_rollout_and_keeps_killing_tasks() {
        let fleet = incident_fleet();
        let start = fleet.incident.unwrap().start;
        let t = timeline(&fleet, NOW - 6 * 3_600, NOW);
        let orders = service("prod-core", "orders");
        let of =
            |kind: EventKind| t.events.iter().filter(|e| e.kind == kind && e.resource == orders).collect::<Vec<_>>();
        let deploys = of(EventKind::Deploy);
        assert_eq!(deploys.len(), 2);
        assert_eq!(deploys[0].time.timestamp(), start);
        let completed = deploys[1].time.timestamp();
        let alarms = of(EventKind::Alarm);
        assert_eq!(alarms.len(), 1, "fires once and stays in ALARM: {alarms:?}");
        let fired = alarms[0].time.timestamp();
        assert!(fired > completed && fired - completed <= 5 * 60, "fired {} s after", fired - completed);
        let spec = fleet.services.iter().find(|s| s.name == "orders").unwrap();
        let kills = of(EventKind::Task);
        assert_eq!(kills.len() as u32, spec.oom_kills(NOW - 6 * 3_600, NOW), "one stopped task per OOM kill");
        assert!(kills.len() >= 30, "{}", kills.len());
        assert!(kills.iter().all(|k| k.time.timestamp() > completed && k.fold == "oom"));
        assert_eq!(spec.running_at(NOW), 3, "one task is always being replaced");
        assert_eq!(spec.running_at(start - 60), 4, "before the deploy all four ran");
        for kind in [EventKind::Service, EventKind::Cache, EventKind::Cost] {
            assert!(t.events.iter().any(|e| e.kind == kind), "{kind:?}");
        }
        assert!(t.events.windows(2).all(|w| w[0].time <= w[1].time));
    }

    #[test]
    fn the_storm_fills_sessions_and_evicts_then_ends() {
        let fleet = incident_fleet();
        let start = fleet.incident.unwrap().start;
        let sessions = fleet.caches.iter().find(|c| c.id == "sessions").unwrap();
        let during = sessions.period(start + STORM_START + 600, 60);
        assert!(during.memory > 99.0 && during.evictions > 1_000.0, "{during:?}");
        let after = sessions.period(start + STORM_END + 600, 60);
        assert!(after.memory < 80.0 && after.evictions == 0.0, "{after:?}");
    }

    #[test]
    fn without_the_scripted_resources_there_is_no_incident() {
        let small = Fleet::build(42, Some(5)).with_incident(NOW - STARTED_BEFORE);
        assert!(small.incident.is_none());
        let t = timeline(&small, NOW - 6 * 3_600, NOW);
        assert!(!t.events.iter().any(|e| e.kind == EventKind::Deploy || e.kind == EventKind::Cache));
        // The plain fleet (evaluations, benchmarks) has none either.
        let plain = Fleet::build(42, None);
        assert!(plain.incident.is_none() && plain.services.iter().all(|s| s.regression.is_none()));
    }
}
