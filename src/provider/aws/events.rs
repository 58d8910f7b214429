//! SDK shapes → timeline entries (the incident view): a service's deployments and events, stopped
//! tasks with their reasons, ElastiCache events. Pure, like `map.rs`: every field AWS may leave
//! out has a default, and nothing but ids, reasons and counts is carried (never environment).

use super::map::{arn_name, replication_group_of, task_service};
use crate::domain::{EventKind, ResourceRef, Severity, TimelineEvent};
use aws_sdk_ecs::types as ecs;
use aws_smithy_types::DateTime as SdkTime;
use chrono::{DateTime, Utc};

fn time(t: Option<&SdkTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), 0))
}

fn service_ref(cluster: &str, service: &str) -> Option<ResourceRef> {
    Some(ResourceRef::EcsService { cluster: cluster.into(), service: service.into() })
}

/// The deployment id a service event is about: `(deployment ecs-svc/123)`.
fn deployment_id(message: &str) -> Option<&str> {
    let rest = message.split("(deployment ").nth(1)?;
    rest.split(')').next()
}

/// What a service event means for the timeline; None for routine chatter (tasks started or
/// stopped — the stopped tasks say why —, steady state, targets registered).
fn classify(message: &str) -> Option<(EventKind, Severity, &'static str)> {
    let m = message.to_ascii_lowercase();
    let routine = ["has reached a steady state", "has started", "has stopped", "registered", "has begun draining"];
    if m.contains("deployment failed") || m.contains("rolling back") || m.contains("circuit breaker") {
        Some((EventKind::Deploy, Severity::Critical, ""))
    } else if m.contains("deployment completed") {
        Some((EventKind::Deploy, Severity::Info, ""))
    } else if m.contains("unable to place") || m.contains("unable to consistently start") {
        Some((EventKind::Service, Severity::Warn, "unable to place"))
    } else if m.contains("unhealthy") || m.contains("health check") {
        Some((EventKind::Service, Severity::Warn, "unhealthy"))
    } else if routine.iter().any(|r| m.contains(r)) {
        None
    } else {
        Some((EventKind::Service, Severity::Info, ""))
    }
}

/// A service's deployments (started, completed, failed) and the service events worth reading.
pub fn service_events(service: &ecs::Service, cluster: &str) -> Vec<TimelineEvent> {
    let name = service.service_name().unwrap_or_default();
    let resource = service_ref(cluster, name);
    let mut out = Vec::new();
    let deployments = service.deployments();
    let previous = deployments.iter().find(|d| d.status() == Some("ACTIVE")).and_then(|d| d.task_definition());
    for d in deployments {
        let td = d.task_definition().map_or("?", arn_name);
        let primary = d.status() == Some("PRIMARY");
        if let Some(started) = time(d.created_at()) {
            let replacing = match previous {
                Some(p) if primary => format!(" (replacing {})", arn_name(p)),
                _ => String::new(),
            };
            out.push(
                TimelineEvent::new(started, EventKind::Deploy, Severity::Info, resource.clone())
                    .summary(format!("deployment {td} started{replacing}: {} tasks desired", d.desired_count())),
            );
        }
        let Some(updated) = time(d.updated_at()) else { continue };
        use ecs::DeploymentRolloutState as S;
        match d.rollout_state() {
            Some(S::Completed) if primary => {
                out.push(TimelineEvent::new(updated, EventKind::Deploy, Severity::Info, resource.clone()).summary(
                    format!("deployment {td} completed: {}/{} tasks running", d.running_count(), d.desired_count()),
                ))
            }
            Some(S::Failed) => out.push(
                TimelineEvent::new(updated, EventKind::Deploy, Severity::Critical, resource.clone()).summary(format!(
                    "deployment {td} failed ({} failed tasks): {}",
                    d.failed_tasks(),
                    d.rollout_state_reason().unwrap_or("no reason given")
                )),
            ),
            _ => {}
        }
    }
    let listed: Vec<&str> = deployments.iter().filter_map(|d| d.id()).collect();
    for e in service.events() {
        let (Some(when), Some(message)) = (time(e.created_at()), e.message()) else { continue };
        let Some((kind, severity, fold)) = classify(message) else { continue };
        // The deployment list already says this one completed.
        if kind == EventKind::Deploy && deployment_id(message).is_some_and(|id| listed.contains(&id)) {
            continue;
        }
        out.push(TimelineEvent::new(when, kind, severity, resource.clone()).summary(message).fold(fold));
    }
    out
}

/// Why a task stopped, in one line, and how to fold repeats of it.
fn stop_reason(task: &ecs::Task) -> (String, Severity, &'static str) {
    let reason = task.stopped_reason().unwrap_or("no reason given").to_string();
    let failed = task.containers().iter().find(|c| c.exit_code().is_some_and(|x| x != 0) || c.reason().is_some());
    let container = failed.map_or(String::new(), |c| {
        let code = c.exit_code().map_or(String::new(), |x| format!(", exit code {x}"));
        let why = c.reason().map_or(String::new(), |r| format!(": {r}"));
        format!(" (container {}{code}{why})", c.name().unwrap_or("?"))
    });
    let lower = format!("{reason}{container}").to_ascii_lowercase();
    let (severity, fold) = if lower.contains("outofmemory") || lower.contains("oom") {
        (Severity::Warn, "oom")
    } else if lower.contains("health check") {
        (Severity::Warn, "health check")
    } else if lower.contains("essential container") {
        (Severity::Warn, "essential exited")
    } else if lower.contains("scaling activity") || lower.contains("deployment") || lower.contains("stopped by user") {
        (Severity::Info, "routine")
    } else {
        (Severity::Info, "")
    };
    (format!("{reason}{container}"), severity, fold)
}

/// A stopped task, at the time it stopped (or, failing that, stopping or started).
pub fn stopped_task_event(task: &ecs::Task, cluster: &str) -> Option<TimelineEvent> {
    let when = time(task.stopped_at()).or(time(task.stopping_at())).or(time(task.created_at()))?;
    let id = arn_name(task.task_arn().unwrap_or("?"));
    let short: String = id.chars().take(12).collect();
    let resource = task_service(task.group()).and_then(|s| service_ref(cluster, s));
    let (reason, severity, fold) = stop_reason(task);
    let group = if resource.is_none() { format!(" [{}]", task.group().unwrap_or("standalone")) } else { String::new() };
    Some(
        TimelineEvent::new(when, EventKind::Task, severity, resource)
            .summary(format!("task {short}{group} stopped: {reason}"))
            .fold(fold),
    )
}

/// An EventBridge "ECS Task State Change" event (as a rule delivers it to CloudWatch Logs: the
/// whole event, its `detail` the task) for a stopped task: its cluster's name and the timeline
/// entry, read as DescribeTasks' stopped task is. None for any other event or state.
pub fn task_state_change(message: &str) -> Option<(String, TimelineEvent)> {
    let event: serde_json::Value = serde_json::from_str(message).ok()?;
    if event.get("detail-type")?.as_str()? != "ECS Task State Change" {
        return None;
    }
    let d = event.get("detail")?;
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    if text(d, "lastStatus").as_deref() != Some("STOPPED") {
        return None;
    }
    let when = |k: &str| {
        text(d, k).and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| SdkTime::from_secs(t.timestamp()))
    };
    let containers = d.get("containers").and_then(|c| c.as_array()).map_or(&[][..], Vec::as_slice);
    let task = ecs::Task::builder()
        .set_task_arn(text(d, "taskArn"))
        .set_group(text(d, "group"))
        .set_stopped_reason(text(d, "stoppedReason"))
        .set_stopped_at(when("stoppedAt"))
        .set_stopping_at(when("stoppingAt"))
        .set_created_at(when("createdAt"))
        .set_containers(Some(
            containers
                .iter()
                .map(|c| {
                    ecs::Container::builder()
                        .set_name(text(c, "name"))
                        .set_exit_code(c.get("exitCode").and_then(|x| x.as_i64()).map(|x| x as i32))
                        .set_reason(text(c, "reason"))
                        .build()
                })
                .collect(),
        ))
        .build();
    let cluster = arn_name(&text(d, "clusterArn")?).to_string();
    Some((cluster.clone(), stopped_task_event(&task, &cluster)?))
}

/// An ElastiCache event, tied to its replication group when it names a cluster or group.
pub fn cache_event(e: &aws_sdk_elasticache::types::Event) -> Option<TimelineEvent> {
    use aws_sdk_elasticache::types::SourceType;
    let when = time(e.date())?;
    let source = e.source_identifier().unwrap_or_default();
    let resource = match e.source_type() {
        Some(SourceType::CacheCluster) => Some(ResourceRef::CacheGroup(replication_group_of(source).to_string())),
        Some(SourceType::ReplicationGroup) => Some(ResourceRef::CacheGroup(source.to_string())),
        _ => None,
    };
    let message = e.message().unwrap_or_default();
    let m = message.to_ascii_lowercase();
    let severity = if ["failover", "fail", "replac", "error", "reboot"].iter().any(|w| m.contains(w)) {
        Severity::Warn
    } else {
        Severity::Info
    };
    Some(TimelineEvent::new(when, EventKind::Cache, severity, resource).summary(format!("{message} ({source})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> SdkTime {
        SdkTime::from_secs(secs)
    }

    #[test]
    fn deployments_and_the_service_events_worth_reading() {
        let service = ecs::Service::builder()
            .service_name("web")
            .deployments(
                ecs::Deployment::builder()
                    .id("ecs-svc/2")
                    .status("PRIMARY")
                    .task_definition("arn:aws:ecs:us-east-1:1:task-definition/web:42")
                    .desired_count(4)
                    .running_count(4)
                    .rollout_state(ecs::DeploymentRolloutState::Completed)
                    .created_at(at(1_000))
                    .updated_at(at(1_300))
                    .build(),
            )
            .deployments(
                ecs::Deployment::builder()
                    .id("ecs-svc/1")
                    .status("ACTIVE")
                    .task_definition("arn:aws:ecs:us-east-1:1:task-definition/web:41")
                    .build(),
            )
            .events(ecs::ServiceEvent::builder().created_at(at(1_300)).message("(service web) (deployment ecs-svc/2) deployment completed.").build())
            .events(ecs::ServiceEvent::builder().created_at(at(500)).message("(service web) (deployment ecs-svc/0) deployment completed.").build())
            .events(ecs::ServiceEvent::builder().created_at(at(1_400)).message("(service web) has reached a steady state.").build())
            .events(ecs::ServiceEvent::builder().created_at(at(1_500)).message("(service web) was unable to place a task because no container instance met all of its requirements.").build())
            .events(ecs::ServiceEvent::builder().created_at(at(1_600)).message("(service web) (port 80) is unhealthy in (target-group arn:tg) due to (reason Health checks failed).").build())
            .events(ecs::ServiceEvent::builder().message("no time: dropped").build())
            .build();
        let events = service_events(&service, "prod");
        let got: Vec<(i64, EventKind, Severity, &str)> =
            events.iter().map(|e| (e.time.timestamp(), e.kind, e.severity, e.summary.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (
                    1_000,
                    EventKind::Deploy,
                    Severity::Info,
                    "deployment web:42 started (replacing web:41): 4 tasks desired"
                ),
                (1_300, EventKind::Deploy, Severity::Info, "deployment web:42 completed: 4/4 tasks running"),
                (500, EventKind::Deploy, Severity::Info, "(service web) (deployment ecs-svc/0) deployment completed."),
                (
                    1_500,
                    EventKind::Service,
                    Severity::Warn,
                    "(service web) was unable to place a task because no container instance met all of its requirements."
                ),
                (
                    1_600,
                    EventKind::Service,
                    Severity::Warn,
                    "(service web) (port 80) is unhealthy in (target-group arn:tg) due to (reason Health checks failed)."
                ),
            ]
        );
        assert!(
            events
                .iter()
                .all(|e| e.resource == Some(ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() }))
        );
        let failed = ecs::Service::builder()
            .service_name("api")
            .deployments(
                ecs::Deployment::builder()
                    .status("PRIMARY")
                    .rollout_state(ecs::DeploymentRolloutState::Failed)
                    .rollout_state_reason("ECS deployment circuit breaker: tasks failed to start.")
                    .failed_tasks(3)
                    .updated_at(at(9))
                    .build(),
            )
            .build();
        let e = service_events(&failed, "prod");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].severity, Severity::Critical);
        assert_eq!(
            e[0].summary,
            "deployment ? failed (3 failed tasks): ECS deployment circuit breaker: tasks failed to start."
        );
    }

    #[test]
    fn stopped_tasks_say_why_and_fold_by_cause() {
        let oom = ecs::Task::builder()
            .task_arn("arn:aws:ecs:us-east-1:1:task/prod/0123456789abcdef0123")
            .group("service:web")
            .stopped_reason("OutOfMemoryError: Container killed due to memory usage")
            .stopped_at(at(2_000))
            .containers(ecs::Container::builder().name("app").exit_code(137).build())
            .containers(ecs::Container::builder().name("sidecar").exit_code(0).build())
            .build();
        let e = stopped_task_event(&oom, "prod").unwrap();
        assert_eq!(e.time.timestamp(), 2_000);
        assert_eq!(
            e.summary,
            "task 0123456789ab stopped: OutOfMemoryError: Container killed due to memory usage (container app, exit code 137)"
        );
        assert_eq!((e.severity, e.fold.as_str()), (Severity::Warn, "oom"));
        assert_eq!(e.resource, Some(ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() }));
        let health = ecs::Task::builder()
            .task_arn("t2")
            .group("family:batch")
            .stopped_reason("Task failed ELB health checks in (target-group arn:tg)")
            .created_at(at(3_000))
            .build();
        let e = stopped_task_event(&health, "prod").unwrap();
        assert_eq!(e.time.timestamp(), 3_000, "no stoppedAt (moto): the created time");
        assert_eq!(e.resource, None);
        assert!(e.summary.contains("[family:batch]") && e.fold == "health check", "{e:?}");
        assert!(stopped_task_event(&ecs::Task::builder().task_arn("t3").build(), "prod").is_none(), "no time at all");
        let routine = ecs::Task::builder()
            .stopped_reason("Scaling activity initiated by (deployment ecs-svc/1)")
            .stopped_at(at(1))
            .build();
        assert_eq!(stopped_task_event(&routine, "prod").unwrap().severity, Severity::Info);
    }

    /// The event as the ECS developer guide shows it ("Amazon ECS task state change events").
    #[test]
    fn an_eventbridge_task_state_change_reads_as_a_stopped_task() {
        let stopped = r#"{"version":"0","id":"3317b2af","detail-type":"ECS Task State Change","source":"aws.ecs",
            "account":"111122223333","time":"2026-11-02T03:04:05Z","region":"us-east-1",
            "resources":["arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0123"],
            "detail":{"clusterArn":"arn:aws:ecs:us-east-1:111122223333:cluster/prod",
              "containers":[{"containerArn":"arn:c","exitCode":137,"lastStatus":"STOPPED","name":"app",
                "reason":"OutOfMemoryError: Container killed due to memory usage","taskArn":"arn:t"}],
              "createdAt":"2026-11-02T01:00:00.123Z","desiredStatus":"STOPPED","group":"service:web",
              "lastStatus":"STOPPED","stopCode":"EssentialContainerExited",
              "stoppedAt":"2026-11-02T03:04:01.867Z","stoppedReason":"Essential container in task exited",
              "taskArn":"arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0123","version":5}}"#;
        let (cluster, e) = task_state_change(stopped).expect("a stopped task");
        assert_eq!(cluster, "prod");
        assert_eq!(
            e.time.timestamp(),
            chrono::DateTime::parse_from_rfc3339("2026-11-02T03:04:01Z").unwrap().timestamp()
        );
        assert_eq!(e.resource, Some(ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() }));
        assert_eq!(e.fold, "oom", "the container's reason counts: {}", e.summary);
        let running = stopped.replace(r#""lastStatus":"STOPPED","stopCode""#, r#""lastStatus":"RUNNING","stopCode""#);
        assert!(task_state_change(&running).is_none(), "a task on its way down is not stopped yet");
        assert!(task_state_change(r#"{"detail-type":"ECS Service Action","detail":{}}"#).is_none());
        assert!(task_state_change("not json").is_none());
    }

    #[test]
    fn cache_events_belong_to_their_replication_group() {
        use aws_sdk_elasticache::types::{Event, SourceType};
        let e = Event::builder()
            .source_identifier("sessions-002")
            .source_type(SourceType::CacheCluster)
            .message("Failover from primary node sessions-001 to replica node sessions-002 completed")
            .date(at(5_000))
            .build();
        let t = cache_event(&e).unwrap();
        assert_eq!(t.resource, Some(ResourceRef::CacheGroup("sessions".into())));
        assert_eq!(t.severity, Severity::Warn);
        let p = Event::builder()
            .source_identifier("default.redis7")
            .source_type(SourceType::CacheParameterGroup)
            .message("Cache parameter group modified")
            .date(at(1))
            .build();
        let t = cache_event(&p).unwrap();
        assert_eq!((t.resource.clone(), t.severity), (None, Severity::Info));
        assert!(t.summary.contains("default.redis7"));
        assert!(cache_event(&Event::builder().message("no date").build()).is_none());
    }
}
