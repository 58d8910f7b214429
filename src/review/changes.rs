//! The changes part of a review: each service's deployments, and how many were followed within
//! 30 minutes by one of its alarms firing or were rolled back (a change failure, as DORA counts
//! it: a change that degraded service and needed remediation), with the time to recover.
//!
//! Deployments come from three places that overlap: ECS's deployment events (the service keeps
//! its last 100 events), CloudTrail's UpdateService calls that changed the task definition or
//! forced a new deployment (90 days), and infradeck's own audit log. The same deployment seen
//! twice within ten minutes counts once.

use super::{Link, duration};
use crate::apply::AuditEntry;
use crate::domain::trail::ApiChange;
use crate::domain::{Alarm, AlarmState, EventKind, ResourceRef, Severity, TimelineEvent};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// An alarm on the service firing this soon after a deployment makes it a failed change.
pub const FAILURE_WINDOW_SECONDS: i64 = 30 * 60;
/// Two sightings of one service's deployment this close together are the same deployment.
const SAME_DEPLOY_SECONDS: i64 = 10 * 60;

/// One deployment as the sources saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Deploy {
    pub service: ResourceRef,
    pub at: DateTime<Utc>,
    /// The task definition it rolled out (`orders:27`), when a source said.
    pub revision: Option<String>,
    /// The one it replaced.
    pub replaced: Option<String>,
    /// Who or what: "dana (console, 192.0.2.44)", "infradeck (alice)", "ECS".
    pub by: String,
}

impl Deploy {
    /// Goes back to an older revision of the same family: a rollback.
    fn is_rollback(&self) -> bool {
        match (self.revision.as_deref().and_then(split), self.replaced.as_deref().and_then(split)) {
            (Some((family, to)), Some((was_family, from))) => family == was_family && to < from,
            _ => false,
        }
    }
}

/// `orders:27` → ("orders", 27).
fn split(revision: &str) -> Option<(&str, u32)> {
    let (family, n) = revision.rsplit_once(':')?;
    Some((family, n.parse().ok()?))
}

/// A deployment that failed: what showed it, and how long until the service recovered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub deployed: DateTime<Utc>,
    pub revision: String,
    pub by: String,
    /// "orders-memory-high fired 7m after", "rolled back to orders:26 after 25m".
    pub cause: String,
    /// From the failure (the alarm firing, or the deployment when a rollback showed it) to the
    /// alarm's OK or the rollback, whichever came first; None: not recovered in the span.
    pub recovered_seconds: Option<i64>,
    pub link: Link,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceChanges {
    /// `ecs:prod-core/orders`.
    pub service: String,
    /// Deployments forward (rollbacks are the remedy, not counted as changes).
    pub deploys: usize,
    pub failed: usize,
    pub rollbacks: usize,
    pub median_recover_seconds: Option<i64>,
    pub failures: Vec<Failure>,
    /// The last deployment.
    pub link: Option<Link>,
}

impl ServiceChanges {
    /// Failed deployments over deployments.
    pub fn failure_rate(&self) -> Option<f64> {
        (self.deploys > 0).then(|| self.failed as f64 / self.deploys as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ChangesReview {
    pub deploys: usize,
    pub failed: usize,
    pub median_recover_seconds: Option<i64>,
    /// Most failures first, then most deployments.
    pub services: Vec<ServiceChanges>,
}

impl ChangesReview {
    pub fn failure_rate(&self) -> Option<f64> {
        (self.deploys > 0).then(|| self.failed as f64 / self.deploys as f64)
    }
}

/// `deployment orders:27 started (orders:26 → orders:27)` or `deployment web:42 started
/// (replacing web:41): 4 tasks desired` → (revision, replaced).
fn started(summary: &str) -> Option<(String, Option<String>)> {
    let rest = summary.strip_prefix("deployment ")?;
    let (revision, after) = rest.split_once(" started")?;
    let inside = after.trim_start().strip_prefix('(').and_then(|s| s.split(')').next()).unwrap_or("");
    let replaced = inside
        .strip_prefix("replacing ")
        .map(str::to_string)
        .or_else(|| inside.split_once(" → ").map(|(from, _)| from.to_string()));
    Some((revision.to_string(), replaced))
}

/// Two sources' names for one deployment's task definition: the same, one unknown, or one the
/// family alone (`web`) of the other (`web:42`).
fn same_revision(a: Option<&str>, b: Option<&str>) -> bool {
    let family = |r: &str| r.split(':').next().unwrap_or(r).to_string();
    match (a, b) {
        (Some(a), Some(b)) => a == b || ((!a.contains(':') || !b.contains(':')) && family(a) == family(b)),
        _ => true,
    }
}

/// A service event that says a deployment failed or is being rolled back.
fn rollback_marker(e: &TimelineEvent) -> bool {
    e.kind == EventKind::Deploy && e.severity == Severity::Critical
}

/// Every deployment the sources saw, merged, oldest first.
pub fn deployments(events: &[TimelineEvent], changes: &[ApiChange], audit: &[AuditEntry]) -> Vec<Deploy> {
    let mut all = Vec::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Deploy) {
        let (Some(service @ ResourceRef::EcsService { .. }), Some((revision, replaced))) =
            (&e.resource, started(&e.summary))
        else {
            continue;
        };
        all.push(Deploy { service: service.clone(), at: e.time, revision: Some(revision), replaced, by: "ECS".into() });
    }
    // The task definition each service last asked for, to tell a repeat from a new one.
    let mut asked: std::collections::HashMap<&ResourceRef, String> = Default::default();
    let mut ordered: Vec<&ApiChange> = changes.iter().filter(|c| c.error.is_none()).collect();
    ordered.sort_by_key(|c| c.time);
    for c in ordered {
        let Some(service @ ResourceRef::EcsService { .. }) = &c.resource else { continue };
        let field = |name: &str| c.changed.iter().find_map(|l| l.strip_prefix(name)).map(str::trim);
        let revision = field("taskDefinition");
        let forced = field("forceNewDeployment").is_some_and(|v| v.ends_with("true"));
        if revision.is_none() && !forced {
            continue; // a scale or a setting: no new tasks rolled out
        }
        let (replaced, revision) = match revision.map(|r| r.trim_start_matches("→ ").split_once(" → ")) {
            Some(Some((before, after))) => (Some(before.to_string()), Some(after.to_string())),
            _ => (None, revision.map(|r| r.trim_start_matches("→ ").to_string())),
        };
        let repeat = revision.as_ref().is_some_and(|r| asked.get(service) == Some(r));
        if let Some(r) = &revision {
            asked.insert(service, r.clone());
        }
        if repeat && !forced {
            continue; // the same task definition again, nothing forced: nothing rolls out
        }
        all.push(Deploy { service: service.clone(), at: c.time, revision, replaced, by: c.actor.describe() });
    }
    for a in audit.iter().filter(|a| a.result.is_applied()) {
        let (ResourceRef::EcsService { .. }, Some(after)) = (&a.resource, &a.revision_after) else { continue };
        let short = |r: &str| r.rsplit('/').next().unwrap_or(r).to_string();
        all.push(Deploy {
            service: a.resource.clone(),
            at: a.time,
            revision: Some(short(after)),
            replaced: Some(short(&a.revision_before)).filter(|r| !r.is_empty()),
            by: format!("infradeck ({})", a.caller.rsplit('/').next().unwrap_or(&a.caller)),
        });
    }
    all.sort_by_key(|d| (d.service.to_string(), d.at));
    let mut merged: Vec<Deploy> = Vec::new();
    for d in all {
        if let Some(last) = merged.last_mut()
            && last.service == d.service
            && (d.at - last.at).num_seconds() <= SAME_DEPLOY_SECONDS
            && same_revision(last.revision.as_deref(), d.revision.as_deref())
        {
            // The numbered one wins over a family alone (`--task-definition web` rolls out web:42).
            if last.revision.as_deref().is_none_or(|r| !r.contains(':')) && d.revision.is_some() {
                last.revision = d.revision;
            }
            last.replaced = last.replaced.take().or(d.replaced);
            if last.by == "ECS" {
                last.by = d.by;
            }
            continue;
        }
        merged.push(d);
    }
    // No "replaced" is guessed from the deployment before: two sources name one task definition
    // differently (a family renamed, a copied ARN), and a wrong guess reads as a rollback.
    merged.sort_by_key(|d| d.at);
    merged
}

/// The first time one of `alarms` watching `service` entered ALARM in [deployed, until] (the
/// failure window, cut at the next deployment), and when it next went back to OK. An alarm already in ALARM, or that fired
/// in the hour before, is not one the deployment set off (a flapping alarm fires after anything).
fn fired(
    alarms: &[Alarm],
    service: &ResourceRef,
    deployed: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> {
    let quiet_from = deployed - Duration::hours(1);
    alarms
        .iter()
        .filter(|a| a.resource.as_ref() == Some(service))
        .filter(|a| !a.scaling && !crate::domain::alarm::is_scaling_alarm(&a.name, None))
        .filter_map(|a| {
            let mut changes: Vec<_> = a.history.iter().collect();
            changes.sort_by_key(|t| t.time);
            let before = changes.iter().rev().find(|t| t.time < deployed);
            let loud_before = before.is_some_and(|t| t.to == AlarmState::Alarm)
                || changes.iter().any(|t| t.to == AlarmState::Alarm && t.time >= quiet_from && t.time < deployed);
            if loud_before {
                return None;
            }
            let fire = changes.iter().find(|t| t.to == AlarmState::Alarm && t.time >= deployed && t.time <= until)?;
            let ok = changes.iter().find(|t| t.time > fire.time && t.to == AlarmState::Ok).map(|t| t.time);
            Some((a.name.clone(), fire.time, ok))
        })
        .min_by_key(|(_, at, _)| *at)
}

/// A rollback ECS reported: the first of a burst of "deployment failed", "rolling back" and
/// FAILED-rollout events about one deployment (AWS writes several for one rollback).
struct Marker {
    at: DateTime<Utc>,
    rolled_back: bool,
}

/// Events closer than this belong to one failure.
const MARKER_BURST_SECONDS: i64 = 30 * 60;
/// A deployment that starts this soon after ECS said it rolls back is that rollback.
const ROLLBACK_START_SECONDS: i64 = 15 * 60;

fn markers(events: &[TimelineEvent], service: &ResourceRef) -> Vec<Marker> {
    let mut times: Vec<&TimelineEvent> =
        events.iter().filter(|e| rollback_marker(e) && e.resource.as_ref() == Some(service)).collect();
    times.sort_by_key(|e| e.time);
    let mut out: Vec<Marker> = Vec::new();
    for e in times {
        let text = e.summary.to_ascii_lowercase();
        let rolled_back = text.contains("rolling back") || text.contains("rolled back");
        match out.last_mut() {
            Some(last) if (e.time - last.at).num_seconds() <= MARKER_BURST_SECONDS => last.rolled_back |= rolled_back,
            _ => out.push(Marker { at: e.time, rolled_back }),
        }
    }
    out
}

/// The changes part of the review. `alarms_from`: since when alarm history is known (CloudWatch
/// keeps two weeks); older deployments can fail only by a rollback.
pub fn review(
    deploys: &[Deploy],
    events: &[TimelineEvent],
    alarms: &[Alarm],
    alarms_from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ChangesReview {
    let mut services: Vec<ResourceRef> = Vec::new();
    for d in deploys {
        if !services.contains(&d.service) {
            services.push(d.service.clone());
        }
    }
    let mut out = ChangesReview::default();
    let mut all_recoveries = Vec::new();
    for service in services {
        let markers = markers(events, &service);
        // A rollback: back to an older revision, or what ECS started right after saying so.
        let is_rollback = |d: &Deploy| {
            d.is_rollback()
                || markers
                    .iter()
                    .any(|m| m.rolled_back && d.at >= m.at && (d.at - m.at).num_seconds() <= ROLLBACK_START_SECONDS)
        };
        let mine: Vec<(&Deploy, bool)> =
            deploys.iter().filter(|d| d.service == service).map(|d| (d, is_rollback(d))).collect();
        let by_deploy = mine.iter().filter(|(_, r)| *r).count();
        let by_ecs_alone = markers
            .iter()
            .filter(|m| {
                m.rolled_back
                    && !mine
                        .iter()
                        .any(|(d, r)| *r && d.at >= m.at && (d.at - m.at).num_seconds() <= ROLLBACK_START_SECONDS)
            })
            .count();
        let mut row = ServiceChanges {
            service: service.to_string(),
            deploys: 0,
            failed: 0,
            rollbacks: by_deploy + by_ecs_alone,
            median_recover_seconds: None,
            failures: Vec::new(),
            link: mine.last().map(|(d, _)| Link { at: d.at, resource: Some(service.clone()) }),
        };
        let mut recoveries = Vec::new();
        for (i, (d, _)) in mine.iter().enumerate().filter(|(_, (_, r))| !*r) {
            row.deploys += 1;
            // Until the next forward deployment: what comes after that is that one's doing.
            let next = mine[i + 1..].iter().find(|(_, r)| !*r).map_or(to, |(n, _)| n.at);
            let rolled_back = mine[i + 1..]
                .iter()
                .take_while(|(n, _)| n.at < next)
                .find(|(_, r)| *r)
                .map(|(n, _)| {
                    let to_revision = n.revision.as_deref().or(n.replaced.as_deref()).unwrap_or("the one before");
                    (n.at, format!("rolled back to {to_revision}"))
                })
                .or_else(|| {
                    markers.iter().find(|m| m.at >= d.at && m.at < next).map(|m| {
                        let what = if m.rolled_back { "ECS rolled it back" } else { "the deployment failed" };
                        (m.at, what.to_string())
                    })
                });
            let window_end = (d.at + Duration::seconds(FAILURE_WINDOW_SECONDS)).min(next);
            let alarm = (d.at >= alarms_from).then(|| fired(alarms, &service, d.at, window_end)).flatten();
            let (failed_at, recovered, cause) = match (&alarm, &rolled_back) {
                (Some((name, fire, ok)), rollback) => {
                    let back =
                        [*ok, rollback.as_ref().map(|r| r.0)].into_iter().flatten().filter(|t| *t >= *fire).min();
                    let also = rollback.as_ref().map_or(String::new(), |r| format!("; {}", r.1));
                    (*fire, back, format!("{name} fired {} after{also}", duration((*fire - d.at).num_seconds())))
                }
                (None, Some((at, what))) => {
                    (d.at, Some(*at), format!("{what} after {}", duration((*at - d.at).num_seconds())))
                }
                (None, None) => continue,
            };
            row.failed += 1;
            let seconds = recovered.map(|r| (r - failed_at).num_seconds());
            recoveries.extend(seconds);
            row.failures.push(Failure {
                deployed: d.at,
                revision: d.revision.clone().unwrap_or_else(|| "?".into()),
                by: d.by.clone(),
                cause,
                recovered_seconds: seconds,
                link: Link { at: failed_at, resource: Some(service.clone()) },
            });
        }
        row.median_recover_seconds = super::median(recoveries.clone());
        all_recoveries.extend(recoveries);
        out.deploys += row.deploys;
        out.failed += row.failed;
        out.services.push(row);
    }
    out.median_recover_seconds = super::median(all_recoveries);
    out.services.sort_by(|a, b| (b.failed, b.deploys, &a.service).cmp(&(a.failed, a.deploys, &b.service)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::trail::{Actor, Via};
    use crate::domain::{AlarmTransition, Comparison};
    use chrono::TimeZone;

    fn t(m: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_790_000_000 + m * 60, 0).unwrap()
    }

    fn web() -> ResourceRef {
        ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() }
    }

    fn started(m: i64, from: u32, to: u32) -> TimelineEvent {
        TimelineEvent::new(t(m), EventKind::Deploy, Severity::Info, Some(web()))
            .summary(format!("deployment web:{to} started (replacing web:{from}): 4 tasks desired"))
    }

    fn update(m: i64, changed: &str, via: Via) -> ApiChange {
        ApiChange {
            time: t(m),
            event_name: "UpdateService".into(),
            service: "ecs".into(),
            resource: Some(web()),
            resource_name: "ecs:prod/web".into(),
            actor: Actor { identity: "dana".into(), root: false, via, source_ip: "192.0.2.44".into() },
            changed: vec![changed.into()],
            error: None,
            drift: None,
        }
    }

    fn alarm(changes: &[(i64, AlarmState, AlarmState)]) -> Alarm {
        Alarm {
            name: "web-5xx".into(),
            identity: Default::default(),
            state: AlarmState::Ok,
            namespace: "AWS/ApplicationELB".into(),
            metric: "HTTPCode_Target_5XX_Count".into(),
            comparison: Comparison::GreaterThan,
            threshold: 10.0,
            resource: Some(web()),
            since: t(0),
            reason: String::new(),
            history: changes
                .iter()
                .rev()
                .map(|(m, from, to)| AlarmTransition { time: t(*m), from: *from, to: *to, reason: String::new() })
                .collect(),
            scaling: false,
            evaluation: None,
            actions: vec!["oncall".into()],
            actions_enabled: true,
        }
    }

    use AlarmState::{Alarm as A, Ok as O};

    #[test]
    fn one_deployment_seen_by_ecs_and_cloudtrail_counts_once_and_a_scale_is_no_deployment() {
        let events = [started(100, 41, 42)];
        let changes = [
            update(99, "taskDefinition web:41 → web:42", Via::Cli),
            update(300, "desiredCount 4 → 8", Via::Console),
            update(500, "forceNewDeployment → true", Via::Sdk("Boto3".into())),
        ];
        let d = deployments(&events, &changes, &[]);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!((d[0].revision.as_deref(), d[0].replaced.as_deref()), (Some("web:42"), Some("web:41")));
        assert_eq!(d[0].by, "dana (CLI, 192.0.2.44)", "CloudTrail says who; ECS does not");
        assert_eq!((d[1].revision.as_deref(), d[1].replaced.as_deref()), (None, None), "forced: same revision");
    }

    #[test]
    fn failures_by_alarm_and_by_rollback_with_their_time_to_recover() {
        // 100: web:42, its 5xx alarm fires 7 min later and clears 20 min after that.
        // 400: web:43, rolled back by hand 25 min later (a deployment to an older revision).
        // 800: web:44, fine. 1000: web:45, ECS's circuit breaker rolls it back after 9 min.
        let events = [
            started(100, 41, 42),
            started(800, 42, 44),
            started(1000, 44, 45),
            TimelineEvent::new(t(1009), EventKind::Deploy, Severity::Critical, Some(web())).summary(
                "(service web) deployment failed: ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/9.",
            ),
        ];
        let changes = [
            update(400, "taskDefinition web:42 → web:43", Via::Cli),
            update(425, "taskDefinition web:43 → web:42", Via::Console),
        ];
        let alarms = [alarm(&[(107, O, A), (127, A, O)])];
        let d = deployments(&events, &changes, &[]);
        let r = review(&d, &events, &alarms, t(0), t(2000));
        assert_eq!((r.deploys, r.failed), (4, 3), "the rollback itself is not a change: {d:?}");
        assert_eq!(r.failure_rate(), Some(0.75));
        let s = &r.services[0];
        assert_eq!(s.rollbacks, 2);
        let causes: Vec<(&str, Option<i64>)> =
            s.failures.iter().map(|f| (f.cause.as_str(), f.recovered_seconds)).collect();
        assert_eq!(
            causes,
            [
                ("web-5xx fired 7m after", Some(20 * 60)),
                ("rolled back to web:42 after 25m", Some(25 * 60)),
                ("ECS rolled it back after 9m", Some(9 * 60)),
            ]
        );
        assert_eq!(s.failures[0].link.at, t(107), "the figure links to the firing");
        assert_eq!(r.median_recover_seconds, Some(20 * 60));
    }

    #[test]
    fn an_alarm_already_loud_before_the_deployment_is_not_its_failure() {
        let events = [started(100, 41, 42)];
        // Fired 30 min before the deployment and again 5 min after: flapping, not caused.
        let alarms = [alarm(&[(70, O, A), (72, A, O), (105, O, A), (107, A, O)])];
        let r = review(&deployments(&events, &[], &[]), &events, &alarms, t(0), t(500));
        assert_eq!((r.deploys, r.failed), (1, 0));
    }

    fn critical(m: i64, text: &str) -> TimelineEvent {
        TimelineEvent::new(t(m), EventKind::Deploy, Severity::Critical, Some(web())).summary(text)
    }

    #[test]
    fn one_circuit_breaker_rollback_reported_several_ways_counts_once() {
        // What AWS shows for one rollback: the FAILED rollout, "deployment failed", "rolling back
        // to …", and the rollback's own deployment (no "replacing": ECS settled on it).
        let events = [
            started(100, 41, 42),
            critical(
                110,
                "deployment web:42 failed (3 failed tasks): ECS deployment circuit breaker: tasks failed to start.",
            ),
            critical(110, "(service web) (deployment ecs-svc/2) deployment failed: tasks failed to start."),
            critical(111, "(service web) rolling back to deployment ecs-svc/1."),
            TimelineEvent::new(t(112), EventKind::Deploy, Severity::Info, Some(web()))
                .summary("deployment web:41 started: 4 tasks desired"),
        ];
        let d = deployments(&events, &[], &[]);
        let r = review(&d, &events, &[], t(0), t(500));
        let s = &r.services[0];
        assert_eq!((s.deploys, s.failed, s.rollbacks), (1, 1, 1), "{d:?}");
        assert_eq!(s.failures[0].cause, "rolled back to web:41 after 12m");
        // Failed without a rollback (circuit breaker with rollback off): said as such.
        let events =
            [started(100, 41, 42), critical(110, "deployment web:42 failed (3 failed tasks): tasks failed to start.")];
        let r = review(&deployments(&events, &[], &[]), &events, &[], t(0), t(500));
        assert_eq!(r.services[0].failures[0].cause, "the deployment failed after 10m");
        assert_eq!(r.services[0].rollbacks, 0);
    }

    #[test]
    fn an_alarm_is_blamed_on_the_last_deployment_before_it_only() {
        // Fix forward at 112; the alarm fires at 120: the second deployment's, not both.
        let events = [started(100, 41, 42), started(112, 42, 43)];
        let alarms = [alarm(&[(120, O, A), (130, A, O)])];
        let r = review(&deployments(&events, &[], &[]), &events, &alarms, t(0), t(500));
        let s = &r.services[0];
        assert_eq!((s.deploys, s.failed), (2, 1));
        assert_eq!(s.failures[0].revision, "web:43");
        // Before the alarm history's start, a deployment can only fail by a rollback.
        let r = review(&deployments(&events, &[], &[]), &events, &alarms, t(200), t(500));
        assert_eq!(r.failed, 0);
    }

    #[test]
    fn a_family_only_task_definition_is_the_numbered_one_and_a_repeat_is_no_deployment() {
        // `aws ecs update-service --task-definition web`: CloudTrail says "web", ECS "web:42".
        let events = [started(100, 41, 42)];
        let changes = [
            update(99, "taskDefinition → web", Via::Cli),
            update(300, "taskDefinition → web:42", Via::Console),
            update(301, "taskDefinition → web:42", Via::Console),
        ];
        let d = deployments(&events, &changes, &[]);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].revision.as_deref(), Some("web:42"));
    }

    #[test]
    fn infradeck_applies_are_deployments_by_infradeck() {
        let entry = AuditEntry {
            code: None,
            session: None,
            time: t(10),
            caller: "arn:aws:sts::1:assumed-role/Admin/alice".into(),
            target: "prod".into(),
            action: "resize".into(),
            resource: web(),
            identity: None,
            before: "1 / 2G".into(),
            after: "2 / 4G".into(),
            revision_before: "arn:aws:ecs:us-east-1:1:task-definition/web:41".into(),
            revision_after: Some("arn:aws:ecs:us-east-1:1:task-definition/web:42".into()),
            requests: Vec::new(),
            result: crate::apply::audit::Outcome::Applied,
        };
        let d = deployments(&[], &[], &[entry]);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].revision.as_deref(), d[0].by.as_str()), (Some("web:42"), "infradeck (alice)"));
    }
}
