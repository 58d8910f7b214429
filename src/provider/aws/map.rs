//! SDK shapes → infradeck's own types. Pure functions: every optional field AWS may leave out
//! has a sane default here, and nothing secret (environment values, secrets) is carried over.

use crate::domain::{
    AlarmState, Arch, Comparison, Container, DeploymentController, LaunchType, ResourceRef, TaskLevel,
};
use aws_sdk_ecs::types as ecs;

/// What infradeck keeps of a task definition. Immutable per ARN, so cached for the session.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDef {
    /// `family:revision`
    pub name: String,
    /// Task CPU units; the containers' sum when the task sets none (EC2 launch type).
    pub cpu: u32,
    /// Task memory MiB; when the task sets none, what its containers reserve: each one's
    /// `memoryReservation` where set, else its `memory`. AWS divides MemoryUtilization by the
    /// same amount ("If you specify a soft limit (memoryReservation), it's used to calculate the
    /// amount of reserved memory. Otherwise, the hard limit (memory) is used": the ECS guide's
    /// service utilization page), so percent × this is MiB.
    pub memory: u32,
    /// Which of the two the task definition sets itself.
    pub task_level: TaskLevel,
    pub arch: Arch,
    pub fargate: bool,
    pub containers: Vec<Container>,
}

fn units(s: Option<&str>) -> Option<u32> {
    // Task cpu/memory are strings: "1024", and also "1 vCPU" / "2 GB" in the API's other form;
    // both of those are 1024 units (CPU units, MiB) each.
    let s = s?.trim();
    let lower = s.to_ascii_lowercase();
    match lower.strip_suffix("vcpu").or_else(|| lower.strip_suffix("gb")) {
        Some(v) => {
            v.trim().parse::<f32>().ok().filter(|v| v.is_finite() && *v >= 0.0).map(|v| (v * 1024.0).round() as u32)
        }
        None => s.parse().ok(),
    }
}

fn non_negative(v: i32) -> u32 {
    v.max(0) as u32
}

pub fn container(c: &ecs::ContainerDefinition) -> Container {
    Container {
        name: c.name().unwrap_or("container").to_string(),
        cpu: non_negative(c.cpu()),
        memory_hard: c.memory().map(non_negative),
        memory_soft: c.memory_reservation().map(non_negative),
        // "If this parameter is omitted, a container is assumed to be essential."
        essential: c.essential().unwrap_or(true),
        image: c.image().map(crate::domain::ecs::image_name).unwrap_or_default(),
        log_router: c.firelens_configuration().is_some(),
    }
}

pub fn task_def(td: &ecs::TaskDefinition) -> TaskDef {
    let containers: Vec<Container> = td.container_definitions().iter().map(container).collect();
    // Saturating: container values are the API's i32s, and nothing stops them being absurd.
    let sum_cpu = containers.iter().fold(0u32, |a, c| a.saturating_add(c.cpu));
    let sum_mem = containers.iter().fold(0u32, |a, c| a.saturating_add(c.reserved_memory()));
    let arch = match td.runtime_platform().and_then(|p| p.cpu_architecture()) {
        Some(ecs::CpuArchitecture::Arm64) => Arch::Arm,
        _ => Arch::X86,
    };
    let family = td.family().unwrap_or("task");
    let (cpu, memory) = (units(td.cpu()), units(td.memory()));
    TaskDef {
        name: format!("{family}:{}", td.revision()),
        cpu: cpu.unwrap_or(sum_cpu),
        memory: memory.unwrap_or(sum_mem),
        task_level: TaskLevel { cpu: cpu.is_some(), memory: memory.is_some() },
        arch,
        fargate: td.requires_compatibilities().contains(&ecs::Compatibility::Fargate),
        containers,
    }
}

/// Who deploys the service (ECS when it does not say).
pub fn deployment_controller(service: &ecs::Service) -> DeploymentController {
    match service.deployment_controller().map(|c| c.r#type()) {
        Some(ecs::DeploymentControllerType::CodeDeploy) => DeploymentController::CodeDeploy,
        Some(ecs::DeploymentControllerType::External) => DeploymentController::External,
        _ => DeploymentController::Ecs,
    }
}

/// The share of a service's tasks that its capacity provider strategy puts on FARGATE_SPOT: the
/// `base` tasks go to their provider first, the rest are split by `weight` (ECS's placement rule).
pub fn spot_share(service: &ecs::Service, tasks: u32) -> f32 {
    let strategy = service.capacity_provider_strategy();
    let is_spot = |s: &ecs::CapacityProviderStrategyItem| s.capacity_provider() == "FARGATE_SPOT";
    if strategy.is_empty() || !strategy.iter().any(is_spot) {
        return 0.0;
    }
    let tasks = tasks.max(1) as f32;
    let mut spot = 0.0;
    let mut left = tasks;
    for s in strategy {
        let base = (s.base().max(0) as f32).min(left);
        left -= base;
        if is_spot(s) {
            spot += base;
        }
    }
    let weights: f32 = strategy.iter().map(|s| s.weight().max(0) as f32).sum();
    if weights > 0.0 {
        let spot_weight: f32 = strategy.iter().filter(|s| is_spot(s)).map(|s| s.weight().max(0) as f32).sum();
        spot += left * spot_weight / weights;
    }
    (spot / tasks).clamp(0.0, 1.0)
}

/// Launch type from the service, its capacity provider strategy, or the task definition.
pub fn launch_type(service: &ecs::Service, td: Option<&TaskDef>) -> LaunchType {
    match service.launch_type() {
        Some(ecs::LaunchType::Fargate) => LaunchType::Fargate,
        Some(ecs::LaunchType::Ec2) | Some(ecs::LaunchType::External) => LaunchType::Ec2,
        _ => {
            let fargate_provider =
                service.capacity_provider_strategy().iter().any(|s| s.capacity_provider().starts_with("FARGATE"));
            if fargate_provider || td.is_some_and(|t| t.fargate) { LaunchType::Fargate } else { LaunchType::Ec2 }
        }
    }
}

/// The service a task belongs to: ECS sets a service's tasks' group to `service:NAME`.
pub fn task_service(group: Option<&str>) -> Option<&str> {
    group?.strip_prefix("service:")
}

/// Stopped by the OOM killer, by the task's reason or any container's.
pub fn is_oom_stop(task: &ecs::Task) -> bool {
    let oom = |s: &str| s.contains("OutOfMemory") || s.contains("OOM");
    task.stopped_reason().is_some_and(oom) || task.containers().iter().any(|c| c.reason().is_some_and(oom))
}

/// The last path segment of an ARN (`…:service/cluster/name` → `name`).
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// An alarm action as a person reads it: an SNS topic's name ("oncall-pager"), a scaling
/// policy's ("policy scale-out"), an EC2 action's verb ("ec2 stop"); else the ARN.
pub fn action_name(arn: &str) -> String {
    if let Some((_, policy)) = arn.split_once(":policyName/") {
        return format!("policy {policy}");
    }
    match arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "sns", _, _, topic] => (*topic).to_string(),
        ["arn", _, "automate", _, "ec2", verb] => format!("ec2 {verb}"),
        _ => arn.to_string(),
    }
}

pub fn alarm_state(v: Option<&aws_sdk_cloudwatch::types::StateValue>) -> AlarmState {
    use aws_sdk_cloudwatch::types::StateValue;
    match v {
        Some(StateValue::Alarm) => AlarmState::Alarm,
        Some(StateValue::Ok) => AlarmState::Ok,
        _ => AlarmState::InsufficientData,
    }
}

pub fn alarm_state_str(s: &str) -> AlarmState {
    match s {
        "ALARM" => AlarmState::Alarm,
        "OK" => AlarmState::Ok,
        _ => AlarmState::InsufficientData,
    }
}

pub fn comparison(op: Option<&aws_sdk_cloudwatch::types::ComparisonOperator>) -> Comparison {
    match op.map(|o| o.as_str()) {
        Some(s) if s.starts_with("LessThan") => Comparison::LessThan,
        _ => Comparison::GreaterThan,
    }
}

/// An ElastiCache member cluster id (`group-001`, `group-0001-002`) → its replication group.
pub fn replication_group_of(cache_cluster_id: &str) -> &str {
    let mut id = cache_cluster_id;
    for _ in 0..2 {
        match id.rsplit_once('-') {
            Some((head, tail)) if !tail.is_empty() && tail.len() <= 4 && tail.bytes().all(|b| b.is_ascii_digit()) => {
                id = head
            }
            _ => break,
        }
    }
    id
}

/// What an alarm watches, from its dimensions.
pub fn alarm_resource(dimensions: &[(String, String)]) -> Option<ResourceRef> {
    let get = |n: &str| dimensions.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    if let (Some(cluster), Some(service)) = (get("ClusterName"), get("ServiceName")) {
        return Some(ResourceRef::EcsService { cluster, service });
    }
    if let Some(group) = get("ReplicationGroupId") {
        return Some(ResourceRef::CacheGroup(group));
    }
    get("CacheClusterId").map(|c| ResourceRef::CacheGroup(replication_group_of(&c).to_string()))
}

/// `Alarm updated from OK to ALARM` → (OK, ALARM), from a history item's summary or data.
pub fn history_states(summary: &str, data: Option<&str>) -> Option<(AlarmState, AlarmState)> {
    if let Some(v) = data.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) {
        let old = v.pointer("/oldState/stateValue").and_then(|s| s.as_str());
        let new = v.pointer("/newState/stateValue").and_then(|s| s.as_str());
        if let (Some(o), Some(n)) = (old, new) {
            return Some((alarm_state_str(o), alarm_state_str(n)));
        }
    }
    let rest = summary.split(" from ").nth(1)?;
    let (old, new) = rest.split_once(" to ")?;
    Some((alarm_state_str(old.trim()), alarm_state_str(new.trim())))
}

/// The primary deployment while it rolls out, failed, or finished in the last 10 minutes; None
/// once the service has settled.
pub fn deployment(service: &aws_sdk_ecs::types::Service, now: i64) -> Option<crate::domain::Deployment> {
    use crate::domain::{Deployment, Rollout};
    use aws_sdk_ecs::types::DeploymentRolloutState as S;
    let deployments = service.deployments();
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"))?;
    let rollout = match primary.rollout_state() {
        Some(S::Failed) => Rollout::Failed,
        Some(S::InProgress) => Rollout::InProgress,
        // Without rollout state (older APIs, emulators), more than one deployment is a rollout.
        None if deployments.len() > 1 => Rollout::InProgress,
        _ => Rollout::Completed,
    };
    let recent = primary.updated_at().is_some_and(|t| now - t.secs() < 600);
    if rollout == Rollout::Completed && !recent {
        return None;
    }
    Some(Deployment {
        task_definition: primary.task_definition().map(arn_name).unwrap_or("?").to_string(),
        rollout,
        running: primary.running_count().max(0) as u32,
        pending: primary.pending_count().max(0) as u32,
        desired: primary.desired_count().max(0) as u32,
        failed_tasks: primary.failed_tasks().max(0) as u32,
        reason: primary.rollout_state_reason().map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::action_name;

    /// AlarmActions as DescribeAlarms lists them (the API reference's ARN forms).
    #[test]
    fn alarm_actions_read_as_names() {
        assert_eq!(action_name("arn:aws:sns:us-east-1:123456789012:oncall-pager"), "oncall-pager");
        assert_eq!(
            action_name(
                "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:5e5b0a1c-1111:resource/ecs/service/prod/web:policyName/scale-out"
            ),
            "policy scale-out"
        );
        assert_eq!(action_name("arn:aws:automate:us-east-1:ec2:stop"), "ec2 stop");
        assert_eq!(action_name("something odd"), "something odd");
    }

    use super::*;

    fn container(name: &str, cpu: i32, hard: Option<i32>, soft: Option<i32>) -> ecs::ContainerDefinition {
        ecs::ContainerDefinition::builder()
            .name(name)
            .cpu(cpu)
            .set_memory(hard)
            .set_memory_reservation(soft)
            .environment(ecs::KeyValuePair::builder().name("DB_PASSWORD").value("hunter2").build())
            .build()
    }

    #[test]
    fn a_rolling_deployment_is_shown_and_a_settled_one_is_not() {
        use aws_sdk_ecs::types::{Deployment as D, DeploymentRolloutState, Service};
        use aws_smithy_types::DateTime;
        let now = 1_800_000_000;
        let primary = |state, updated: i64| {
            D::builder()
                .status("PRIMARY")
                .task_definition("arn:aws:ecs:us-east-1:1:task-definition/web:43")
                .rollout_state(state)
                .running_count(1)
                .pending_count(2)
                .desired_count(3)
                .failed_tasks(0)
                .updated_at(DateTime::from_secs(updated))
                .build()
        };
        let svc = |d| Service::builder().deployments(d).build();
        let rolling = deployment(&svc(primary(DeploymentRolloutState::InProgress, now)), now).unwrap();
        assert_eq!(
            (rolling.task_definition.as_str(), rolling.rollout, rolling.pending),
            ("web:43", crate::domain::Rollout::InProgress, 2)
        );
        assert!(deployment(&svc(primary(DeploymentRolloutState::Completed, now - 3_600)), now).is_none());
        let failed = deployment(&svc(primary(DeploymentRolloutState::Failed, now - 3_600)), now).unwrap();
        assert_eq!(failed.rollout, crate::domain::Rollout::Failed);
    }

    #[test]
    fn fargate_task_definition_keeps_task_size_arch_and_containers() {
        let td = ecs::TaskDefinition::builder()
            .family("web")
            .revision(7)
            .cpu("1024")
            .memory("2048")
            .requires_compatibilities(ecs::Compatibility::Fargate)
            .runtime_platform(ecs::RuntimePlatform::builder().cpu_architecture(ecs::CpuArchitecture::Arm64).build())
            .container_definitions(container("web", 768, Some(1536), Some(1024)))
            .container_definitions(container("envoy", 256, Some(512), None))
            .build();
        let got = task_def(&td);
        assert_eq!(got.name, "web:7");
        assert_eq!((got.cpu, got.memory), (1024, 2048));
        assert_eq!(got.arch, Arch::Arm);
        assert!(got.fargate);
        assert_eq!(got.containers.len(), 2);
        assert_eq!(got.containers[1].memory_soft, None);
        // Environment values never make it into the domain.
        assert!(!format!("{got:?}").contains("hunter2"));
    }

    #[test]
    fn ec2_task_definition_without_task_size_sums_its_containers() {
        let td = ecs::TaskDefinition::builder()
            .family("worker")
            .revision(3)
            .container_definitions(container("a", 1024, Some(2048), Some(1536)))
            .container_definitions(container("b", 0, None, Some(256)))
            .build();
        let got = task_def(&td);
        // What ECS reserves: a's soft 1536 (not its hard 2048) and b's 256.
        assert_eq!((got.cpu, got.memory), (1024, 1536 + 256));
        assert_eq!(got.task_level, TaskLevel { cpu: false, memory: false });
        assert!(!got.fargate);
        assert_eq!(got.arch, Arch::X86);
    }

    #[test]
    fn a_bare_task_definition_maps_to_zeroes_not_a_panic() {
        let got = task_def(&ecs::TaskDefinition::builder().build());
        assert_eq!(got.name, "task:0");
        assert_eq!((got.cpu, got.memory), (0, 0));
        assert!(got.containers.is_empty());
        // Negative container values from odd data clamp to zero.
        let td = ecs::TaskDefinition::builder().container_definitions(container("x", -5, Some(-1), None)).build();
        assert_eq!(task_def(&td).containers[0].cpu, 0);
    }

    #[test]
    fn task_sizes_parse_in_both_api_forms() {
        assert_eq!(units(Some("1024")), Some(1024));
        assert_eq!(units(Some("0.5 vCPU")), Some(512));
        assert_eq!(units(Some("2 GB")), Some(2048));
        assert_eq!(units(Some("lots")), None);
        assert_eq!(units(None), None);
    }

    #[test]
    fn launch_type_comes_from_service_then_capacity_providers_then_task_definition() {
        let fargate = ecs::Service::builder().launch_type(ecs::LaunchType::Fargate).build();
        assert_eq!(launch_type(&fargate, None), LaunchType::Fargate);
        let spot = ecs::Service::builder()
            .capacity_provider_strategy(
                ecs::CapacityProviderStrategyItem::builder().capacity_provider("FARGATE_SPOT").build().unwrap(),
            )
            .build();
        assert_eq!(launch_type(&spot, None), LaunchType::Fargate);
        assert_eq!(launch_type(&ecs::Service::builder().build(), None), LaunchType::Ec2);
    }

    #[test]
    fn oom_stops_are_recognised_by_task_or_container_reason() {
        let by_task =
            ecs::Task::builder().stopped_reason("OutOfMemoryError: Container killed due to memory usage").build();
        assert!(is_oom_stop(&by_task));
        let by_container = ecs::Task::builder()
            .containers(ecs::Container::builder().reason("OutOfMemoryError: Container killed").build())
            .build();
        assert!(is_oom_stop(&by_container));
        assert!(!is_oom_stop(&ecs::Task::builder().stopped_reason("Scaling activity initiated").build()));
        assert_eq!(task_service(Some("service:web")), Some("web"));
        assert_eq!(task_service(Some("family:web")), None);
    }

    #[test]
    fn alarms_map_to_the_resource_they_watch() {
        let dims = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        assert_eq!(
            alarm_resource(&dims(&[("ClusterName", "prod"), ("ServiceName", "web")])),
            Some(ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() })
        );
        assert_eq!(
            alarm_resource(&dims(&[("CacheClusterId", "sessions-002")])),
            Some(ResourceRef::CacheGroup("sessions".into()))
        );
        assert_eq!(
            alarm_resource(&dims(&[("CacheClusterId", "orders-0001-002"), ("CacheNodeId", "0001")])),
            Some(ResourceRef::CacheGroup("orders".into()))
        );
        assert_eq!(alarm_resource(&dims(&[("ClusterName", "prod")])), None);
        assert_eq!(replication_group_of("rate-limit"), "rate-limit");
    }

    #[test]
    fn history_states_come_from_data_or_summary() {
        let data = r#"{"oldState":{"stateValue":"OK"},"newState":{"stateValue":"ALARM"}}"#;
        assert_eq!(history_states("", Some(data)), Some((AlarmState::Ok, AlarmState::Alarm)));
        assert_eq!(
            history_states("Alarm updated from INSUFFICIENT_DATA to OK", Some("not json")),
            Some((AlarmState::InsufficientData, AlarmState::Ok))
        );
        assert_eq!(history_states("Alarm configuration updated", None), None);
    }
}
