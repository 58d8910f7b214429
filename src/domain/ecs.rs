//! ECS services as the sizing pane sees them.

use super::Stats;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaunchType {
    Fargate,
    Ec2,
}

impl LaunchType {
    pub fn label(self) -> &'static str {
        match self {
            LaunchType::Fargate => "FARGATE",
            LaunchType::Ec2 => "EC2",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arch {
    X86,
    Arm,
}

impl Arch {
    pub fn label(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::Arm => "arm",
        }
    }
}

/// A container's own reservation inside the task definition. Environment values and secrets are
/// deliberately not part of the domain: nothing downstream can show what it never receives.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub name: String,
    /// CPU units (1024 = 1 vCPU); 0 when unset (the container shares the task's unreserved CPU).
    pub cpu: u32,
    /// Hard limit in MiB (`memory`): the container is killed when it crosses it.
    pub memory_hard: Option<u32>,
    /// Soft reservation in MiB (`memoryReservation`): reserved for placement, never a kill line.
    pub memory_soft: Option<u32>,
    /// `essential` (ECS's default when the field is omitted: true).
    pub essential: bool,
    /// The image's repository name without registry, tag or digest (`aws-for-fluent-bit`), to
    /// recognise known agents. Never the environment.
    pub image: String,
    /// Has a `firelensConfiguration`: the task's log router.
    pub log_router: bool,
}

/// A container sized by its owner, not by the app's load: a resize leaves it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sidecar {
    /// FireLens, Fluent Bit, Fluentd.
    LogRouter,
    /// Envoy / App Mesh, Service Connect and other service-mesh proxies.
    MeshProxy,
    /// The X-Ray daemon, the OpenTelemetry collector.
    Tracing,
    /// Datadog, the CloudWatch agent, New Relic and other monitoring agents.
    Monitoring,
    /// Marked `essential: false`: the task runs without it.
    NonEssential,
}

impl Sidecar {
    pub fn label(self) -> &'static str {
        match self {
            Sidecar::LogRouter => "log router",
            Sidecar::MeshProxy => "service-mesh proxy",
            Sidecar::Tracing => "tracing agent",
            Sidecar::Monitoring => "monitoring agent",
            Sidecar::NonEssential => "non-essential container",
        }
    }
}

/// Image or container names of agents, by what they are (lower case, matched as substrings).
const KNOWN_AGENTS: &[(&str, Sidecar)] = &[
    ("fluent-bit", Sidecar::LogRouter),
    ("fluentbit", Sidecar::LogRouter),
    ("fluentd", Sidecar::LogRouter),
    ("firelens", Sidecar::LogRouter),
    ("log-router", Sidecar::LogRouter),
    ("log_router", Sidecar::LogRouter),
    ("envoy", Sidecar::MeshProxy),
    ("appmesh", Sidecar::MeshProxy),
    ("ecs-service-connect-agent", Sidecar::MeshProxy),
    ("linkerd-proxy", Sidecar::MeshProxy),
    ("istio-proxy", Sidecar::MeshProxy),
    ("consul-dataplane", Sidecar::MeshProxy),
    ("xray", Sidecar::Tracing),
    ("x-ray", Sidecar::Tracing),
    ("otel-collector", Sidecar::Tracing),
    ("aws-otel", Sidecar::Tracing),
    ("opentelemetry-collector", Sidecar::Tracing),
    ("jaeger-agent", Sidecar::Tracing),
    ("datadog", Sidecar::Monitoring),
    ("dd-agent", Sidecar::Monitoring),
    ("cwagent", Sidecar::Monitoring),
    ("cloudwatch-agent", Sidecar::Monitoring),
    ("newrelic", Sidecar::Monitoring),
    ("nri-ecs", Sidecar::Monitoring),
    ("dynatrace", Sidecar::Monitoring),
    ("splunk-otel", Sidecar::Monitoring),
    ("prometheus", Sidecar::Monitoring),
    ("statsd", Sidecar::Monitoring),
];

impl Container {
    /// An essential application container (image named after it), as most tests and the demo
    /// fleet need.
    pub fn app(name: &str, cpu: u32, memory_hard: Option<u32>, memory_soft: Option<u32>) -> Container {
        Container {
            name: name.to_string(),
            cpu,
            memory_hard,
            memory_soft,
            essential: true,
            image: name.to_string(),
            log_router: false,
        }
    }

    /// What ECS reserves for it: the soft reservation when set, else the hard limit.
    pub fn reserved_memory(&self) -> u32 {
        self.memory_soft.or(self.memory_hard).unwrap_or(0)
    }

    /// A known agent or a non-essential container: sized by its owner, not by the app's load.
    pub fn sidecar(&self) -> Option<Sidecar> {
        if self.log_router {
            return Some(Sidecar::LogRouter);
        }
        let (image, name) = (self.image.to_ascii_lowercase(), self.name.to_ascii_lowercase());
        let known = KNOWN_AGENTS.iter().find(|(pat, _)| image.contains(pat) || name.contains(pat));
        match known {
            Some((_, kind)) => Some(*kind),
            None if !self.essential => Some(Sidecar::NonEssential),
            None => None,
        }
    }
}

/// The repository name of an image reference: `123.dkr.ecr.us-east-1.amazonaws.com/team/app:1.2`
/// → `app`; `public.ecr.aws/aws-observability/aws-for-fluent-bit@sha256:…` → `aws-for-fluent-bit`.
pub fn image_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let last = last.split('@').next().unwrap_or(last);
    last.split(':').next().unwrap_or(last).to_string()
}

/// Which of cpu and memory the task definition sets at task level. Fargate sets both; an EC2 task
/// definition may set neither (the containers' values are then the task's size), and a resize
/// must leave it that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskLevel {
    pub cpu: bool,
    pub memory: bool,
}

impl Default for TaskLevel {
    fn default() -> Self {
        TaskLevel { cpu: true, memory: true }
    }
}

/// Who deploys the service: only ECS's own controller takes a new task definition through
/// UpdateService.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeploymentController {
    #[default]
    Ecs,
    /// Blue/green through CodeDeploy: a new task definition needs a CodeDeploy deployment.
    CodeDeploy,
    /// A third-party controller through task sets.
    External,
}

impl DeploymentController {
    pub fn label(self) -> &'static str {
        match self {
            DeploymentController::Ecs => "ECS",
            DeploymentController::CodeDeploy => "CODE_DEPLOY",
            DeploymentController::External => "EXTERNAL",
        }
    }
}

/// Target tracking from Application Auto Scaling.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoScaling {
    /// e.g. "ECSServiceAverageCPUUtilization"
    pub metric: String,
    pub target: f32,
    pub min: u32,
    pub max: u32,
}

/// The busiest task of a service over the window: a calm average can hide it.
#[derive(Debug, Clone, PartialEq)]
pub struct HotTask {
    pub task_id: String,
    /// CPU percent of the task's reservation.
    pub cpu: Stats,
    pub memory: Stats,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EcsService {
    /// The cluster as shown: its own name, or `ACCOUNT@REGION:NAME` when several accounts or
    /// regions are (display and scheduling keys; `identity` says whose it is).
    pub cluster: String,
    pub name: String,
    /// Whose it is and its own names, typed (JSON, plans, audit).
    pub identity: super::ServiceKey,
    pub launch_type: LaunchType,
    pub arch: Arch,
    pub running: u32,
    pub desired: u32,
    /// Task CPU units (1024 = 1 vCPU).
    pub task_cpu: u32,
    /// Task memory, MiB: the task-level value, or what the containers reserve when it sets none.
    pub task_memory: u32,
    /// Whether the task definition sets cpu and memory itself (EC2 ones may not).
    pub task_level: TaskLevel,
    pub task_definition: String,
    pub containers: Vec<Container>,
    pub controller: DeploymentController,
    /// Share of its tasks on FARGATE_SPOT (its capacity provider strategy), 0–1.
    pub spot_share: f32,
    /// Percent of the task reservation, averaged across tasks (AWS/ECS CPUUtilization).
    pub cpu: Stats,
    pub memory: Stats,
    pub hottest: Option<HotTask>,
    /// Period values across the window, downsampled for sparklines (percent).
    pub cpu_spark: Vec<f32>,
    pub memory_spark: Vec<f32>,
    /// Tasks stopped with OutOfMemoryError in the window.
    pub oom_kills: u32,
    pub autoscaling: Option<AutoScaling>,
    /// A deployment being rolled out, or one that just finished or failed; None when settled.
    pub deployment: Option<Deployment>,
    /// What the load balancer in front of it sees.
    pub health: LbHealth,
    /// Metrics one read of this row requests (CPU and memory, its tasks', its load balancer's):
    /// what refreshing it costs, for the scheduler's budget.
    pub read_cost: u32,
}

/// Whether a service's load-balancer health is known, and what it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LbHealth {
    /// The provider has not read it (yet): nothing is claimed either way.
    #[default]
    NotRead,
    /// No load balancer serves this service.
    NoLoadBalancer,
    Read(ServiceHealth),
}

impl LbHealth {
    pub fn read(&self) -> Option<&ServiceHealth> {
        match self {
            LbHealth::Read(h) => Some(h),
            _ => None,
        }
    }
}

/// A service as its Application Load Balancer's target group sees it (AWS/ApplicationELB), over
/// the pane's window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceHealth {
    pub load_balancer: String,
    pub target_group: String,
    /// Requests per second, averaged over the window.
    pub requests_per_s: f32,
    /// TargetResponseTime percentiles, ms, request-weighted over the window's periods.
    pub p50_ms: f32,
    pub p99_ms: f32,
    /// The worst period's p99, ms.
    pub p99_peak_ms: f32,
    /// Percent of requests answered 5xx by the targets, and by the load balancer itself (502,
    /// 503, 504: no healthy target, target reset or timed out).
    pub target_5xx_pct: f32,
    pub lb_5xx_pct: f32,
    pub healthy_hosts: u32,
    pub unhealthy_hosts: u32,
    /// Period values across the window, downsampled for sparklines.
    pub p99_spark: Vec<f32>,
    pub error_spark: Vec<f32>,
}

impl ServiceHealth {
    /// Every 5xx the clients saw, percent of requests.
    pub fn error_pct(&self) -> f32 {
        self.target_5xx_pct + self.lb_5xx_pct
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollout {
    InProgress,
    Completed,
    Failed,
}

impl Rollout {
    pub fn label(self) -> &'static str {
        match self {
            Rollout::InProgress => "IN_PROGRESS",
            Rollout::Completed => "COMPLETED",
            Rollout::Failed => "FAILED",
        }
    }
}

/// The service's primary deployment (ECS `deployments[PRIMARY]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// `family:revision` being rolled out.
    pub task_definition: String,
    pub rollout: Rollout,
    pub running: u32,
    pub pending: u32,
    pub desired: u32,
    pub failed_tasks: u32,
    /// ECS's rolloutStateReason, or why the demo's failed.
    pub reason: Option<String>,
}

impl EcsService {
    /// A service of this size with one container and no metrics yet: the starting point for
    /// mapping a provider's answer, and for tests.
    pub fn sized(
        cluster: &str,
        name: &str,
        launch_type: LaunchType,
        arch: Arch,
        (cpu, memory): (u32, u32),
        running: u32,
    ) -> Self {
        EcsService {
            cluster: cluster.into(),
            name: name.into(),
            identity: super::ServiceKey { cluster: cluster.into(), service: name.into(), ..Default::default() },
            launch_type,
            arch,
            running,
            desired: running,
            task_cpu: cpu,
            task_memory: memory,
            task_level: TaskLevel::default(),
            task_definition: format!("{name}:1"),
            containers: vec![Container::app(name, cpu, Some(memory), Some(memory / 2))],
            controller: DeploymentController::Ecs,
            spot_share: 0.0,
            cpu: Stats::default(),
            memory: Stats::default(),
            hottest: None,
            cpu_spark: Vec::new(),
            memory_spark: Vec::new(),
            oom_kills: 0,
            autoscaling: None,
            deployment: None,
            health: LbHealth::NotRead,
            read_cost: 4,
        }
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.cluster, self.name)
    }

    pub fn resource(&self) -> super::ResourceRef {
        super::ResourceRef::EcsService { cluster: self.cluster.clone(), service: self.name.clone() }
    }
}

/// What sizing needs from a service's history: the busiest task's use per period, in absolute
/// units (not percent), so it can be replayed against any proposed size.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageHistory {
    /// Seconds per point.
    pub step_seconds: i64,
    /// The hottest task's CPU per period (Maximum), vCPU. NaN where there is no data.
    pub cpu_vcpu: Vec<f32>,
    /// The hottest task's memory peak per period, MiB. NaN where there is no data.
    pub memory_mib: Vec<f32>,
    /// Tasks stopped with OutOfMemoryError over the history.
    pub oom_kills: u32,
    /// Each container's own use over the history, where Container Insights with enhanced
    /// observability reports it (`ContainerCpuUtilized`, `ContainerMemoryUtilized`); empty
    /// elsewhere (containers are then sized from the task).
    pub containers: Vec<ContainerUsage>,
}

/// One container's use in the busiest task (the service's Maximum each hour) over the history.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ContainerUsage {
    pub name: String,
    /// CPU units: the 99th percentile of the hourly maxima, and the peak.
    pub cpu_p99: f32,
    pub cpu_max: f32,
    /// MiB: the peak.
    pub memory_peak: f32,
}

impl ContainerUsage {
    /// From hourly maxima (CPU units, MiB); None without any finite point.
    pub fn from_series(name: &str, cpu: &[f32], memory: &[f32]) -> Option<ContainerUsage> {
        let mut c: Vec<f32> = cpu.iter().copied().filter(|v| v.is_finite()).collect();
        let peak_mem = memory.iter().copied().filter(|v| v.is_finite()).reduce(f32::max);
        if c.is_empty() && peak_mem.is_none() {
            return None;
        }
        let cpu_max = c.iter().copied().fold(0.0, f32::max);
        let cpu_p99 = super::series::percentile_unsorted(&mut c, 99.0);
        Some(ContainerUsage { name: name.into(), cpu_p99, cpu_max, memory_peak: peak_mem.unwrap_or(0.0) })
    }
}

impl UsageHistory {
    /// Hours of history that have data.
    pub fn hours_of_data(&self) -> f32 {
        let points = self.cpu_vcpu.iter().filter(|v| v.is_finite()).count();
        points as f32 * self.step_seconds as f32 / 3_600.0
    }
}
