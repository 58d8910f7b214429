//! ECS services as the sizing pane sees them.

use super::Stats;

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
    /// CPU units (1024 = 1 vCPU); 0 when unset.
    pub cpu: u32,
    /// Hard limit in MiB (`memory`).
    pub memory_hard: Option<u32>,
    /// Soft reservation in MiB (`memoryReservation`).
    pub memory_soft: Option<u32>,
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
    pub cluster: String,
    pub name: String,
    pub launch_type: LaunchType,
    pub arch: Arch,
    pub running: u32,
    pub desired: u32,
    /// Task CPU units (1024 = 1 vCPU).
    pub task_cpu: u32,
    /// Task memory, MiB.
    pub task_memory: u32,
    pub task_definition: String,
    pub containers: Vec<Container>,
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
            launch_type,
            arch,
            running,
            desired: running,
            task_cpu: cpu,
            task_memory: memory,
            task_definition: format!("{name}:1"),
            containers: vec![Container {
                name: name.into(),
                cpu,
                memory_hard: Some(memory),
                memory_soft: Some(memory / 2),
            }],
            cpu: Stats::default(),
            memory: Stats::default(),
            hottest: None,
            cpu_spark: Vec::new(),
            memory_spark: Vec::new(),
            oom_kills: 0,
            autoscaling: None,
            deployment: None,
            health: LbHealth::NotRead,
        }
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.cluster, self.name)
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
}

impl UsageHistory {
    /// Hours of history that have data.
    pub fn hours_of_data(&self) -> f32 {
        let points = self.cpu_vcpu.iter().filter(|v| v.is_finite()).count();
        points as f32 * self.step_seconds as f32 / 3_600.0
    }
}
