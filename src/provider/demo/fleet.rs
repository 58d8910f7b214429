//! The simulated fleet's fixed facts: which services, caches and alarms exist, how big they are
//! and how each behaves. Built once from a seed; `model.rs` turns it into metrics at any time.

use super::noise::{Rng, key_of, unit};
use crate::domain::{
    Arch, AutoScaling, CacheEngine, Comparison, Container, DeploymentController, LaunchType, TaskLevel,
};

/// How a simulated service uses its reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Uses a small part of what it reserves.
    Over,
    Right,
    /// Peaks at or past its reservation.
    Under,
    /// Memory grows until the hard limit kills the task, then starts again.
    Leaky,
    /// Target tracking on CPU keeps per-task CPU near the target by changing the task count.
    Autoscaled,
    /// Calm on average, but one task carries far more than the others.
    HotTask,
    /// Scaled to zero: no tasks, no metrics.
    Idle,
}

#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub cluster: String,
    pub name: String,
    pub launch_type: LaunchType,
    pub arch: Arch,
    pub task_cpu: u32,
    pub task_memory: u32,
    /// Whether the task definition sets cpu/memory itself; where not (EC2), the task sizes
    /// above are the containers' sums.
    pub task_level: TaskLevel,
    pub revision: u32,
    pub containers: Vec<Container>,
    pub controller: DeploymentController,
    /// Share of its tasks on FARGATE_SPOT.
    pub spot_share: f32,
    pub desired: u32,
    pub behaviour: Behaviour,
    /// Mean CPU per task at the daily mean, in vCPU.
    pub cpu_vcpu: f32,
    /// Share of the load that follows the daily cycle (0..1).
    pub daily_swing: f32,
    /// Relative noise (0..1).
    pub jitter: f32,
    /// Mean memory per task, MiB.
    pub memory_mib: f32,
    /// Hours by which this service's daily peak is shifted.
    pub phase_hours: f32,
    /// The hottest task's share relative to the mean task.
    pub hot_skew: f32,
    /// Load bursts per day on average (see `model::Burst`).
    pub bursts_per_day: f32,
    pub autoscaling: Option<AutoScaling>,
    /// The scripted incident's bad deploy (Unix seconds it started): from then on every task
    /// leaks memory until the OOM killer stops it (see `model::Regression`).
    pub regression: Option<i64>,
    /// The load balancer in front of it (web-facing services only).
    pub lb: Option<super::health::LbSpec>,
    /// Sizes it had before resizes: (until, cpu, memory), oldest first. Metrics before a
    /// resize are percentages of the size of that time, as CloudWatch keeps them.
    pub earlier: Vec<(i64, u32, u32)>,
    pub key: u64,
}

#[derive(Debug, Clone)]
pub struct CacheSpec {
    pub id: String,
    pub engine: CacheEngine,
    pub engine_version: String,
    pub node_type: String,
    pub shards: u32,
    pub replicas_per_shard: u32,
    /// Mean DatabaseMemoryUsagePercentage.
    pub memory_pct: f32,
    pub engine_cpu_pct: f32,
    /// Evictions per minute when memory is full; 0 for groups that never evict.
    pub evictions_per_min: f32,
    pub connections: f32,
    /// Bytes per second in, per node.
    pub network_bps: f32,
    pub daily_swing: f32,
    /// The scripted incident's eviction storm: memory full and keys evicted in [start, end).
    pub storm: Option<(i64, i64)>,
    pub key: u64,
}

/// What an alarm watches in the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchedMetric {
    EcsCpu,
    EcsMemory,
    CacheMemory,
    CacheEngineCpu,
    CacheEvictions,
}

impl WatchedMetric {
    pub fn name(self) -> &'static str {
        match self {
            WatchedMetric::EcsCpu => "CPUUtilization",
            WatchedMetric::EcsMemory => "MemoryUtilization",
            WatchedMetric::CacheMemory => "DatabaseMemoryUsagePercentage",
            WatchedMetric::CacheEngineCpu => "EngineCPUUtilization",
            WatchedMetric::CacheEvictions => "Evictions",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            WatchedMetric::EcsCpu | WatchedMetric::EcsMemory => "AWS/ECS",
            _ => "AWS/ElastiCache",
        }
    }

    pub fn is_ecs(self) -> bool {
        matches!(self, WatchedMetric::EcsCpu | WatchedMetric::EcsMemory)
    }
}

#[derive(Debug, Clone)]
pub struct AlarmSpec {
    pub name: String,
    pub metric: WatchedMetric,
    /// `cluster/service` or replication group id.
    pub target: String,
    pub comparison: Comparison,
    pub threshold: f32,
    /// Consecutive one-minute periods that must breach.
    pub periods: u32,
    /// Index of the watched service or cache group in the fleet, resolved once when the fleet
    /// is built; None when the resource is gone (the alarm then has no data).
    pub watched: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Fleet {
    pub seed: u64,
    pub services: Vec<ServiceSpec>,
    pub caches: Vec<CacheSpec>,
    pub alarms: Vec<AlarmSpec>,
    /// The scripted incident, if this fleet has one.
    pub incident: Option<Incident>,
}

/// When the scripted incident began and the revisions its deploys moved between.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Incident {
    pub start: i64,
    /// `orders` before the bad deploy (it runs this + 1 after).
    pub orders_revision: u32,
    pub auth_revision: u32,
}

/// (cluster, name, launch, arch, cpu units, memory MiB, desired, behaviour, containers)
type ServiceRow = (&'static str, &'static str, LaunchType, Arch, u32, u32, u32, Behaviour, &'static [&'static str]);

/// The services every demo fleet starts with: one of each behaviour an SRE meets.
const BASE_SERVICES: &[ServiceRow] = {
    use Arch::*;
    use Behaviour::*;
    use LaunchType::*;
    &[
        ("prod-core", "api-gateway", Fargate, X86, 1024, 2048, 6, Right, &["api", "envoy"]),
        ("prod-core", "checkout", Fargate, X86, 512, 1024, 4, Under, &["checkout"]),
        ("prod-core", "payments", Fargate, X86, 1024, 2048, 3, Leaky, &["payments", "datadog-agent"]),
        ("prod-core", "web-frontend", Fargate, Arm, 2048, 4096, 8, Autoscaled, &["nginx", "next"]),
        ("prod-core", "search", Fargate, X86, 2048, 8192, 5, HotTask, &["search"]),
        ("prod-core", "auth", Fargate, Arm, 512, 1024, 3, Right, &["auth"]),
        ("prod-core", "cart", Fargate, X86, 1024, 4096, 3, Over, &["cart"]),
        ("prod-core", "orders", Fargate, X86, 1024, 3072, 4, Right, &["orders", "otel-collector"]),
        ("prod-core", "inventory", Fargate, Arm, 2048, 8192, 2, Over, &["inventory"]),
        ("prod-core", "user-profile", Fargate, X86, 512, 2048, 3, Over, &["profile"]),
        ("prod-core", "graphql", Fargate, X86, 2048, 4096, 4, Right, &["graphql"]),
        ("prod-core", "ws-push", Fargate, Arm, 1024, 2048, 6, Right, &["ws"]),
        ("prod-core", "notifications", Fargate, X86, 4096, 16384, 2, Over, &["notifier"]),
        ("prod-core", "feature-flags", Fargate, Arm, 256, 512, 2, Right, &["flags"]),
        ("prod-core", "admin", Fargate, X86, 2048, 8192, 1, Over, &["admin"]),
        ("prod-core", "geo", Fargate, X86, 512, 1024, 2, Under, &["geo"]),
        ("prod-data", "ledger", Fargate, X86, 4096, 16384, 3, Over, &["ledger", "fluent-bit"]),
        ("prod-data", "fraud-detector", Fargate, X86, 2048, 4096, 4, Under, &["scorer"]),
        ("prod-data", "recommendations", Fargate, Arm, 4096, 8192, 3, HotTask, &["recs"]),
        ("prod-data", "ml-inference", Fargate, X86, 4096, 16384, 2, Under, &["model", "sidecar"]),
        ("prod-data", "kafka-consumer", Fargate, X86, 1024, 2048, 6, Right, &["consumer"]),
        ("prod-data", "stream-enricher", Fargate, Arm, 1024, 4096, 4, Over, &["enricher"]),
        ("prod-data", "billing", Fargate, X86, 2048, 4096, 2, Right, &["billing"]),
        ("prod-data", "reporting-api", Fargate, X86, 1024, 8192, 2, Over, &["reports"]),
        ("prod-data", "legacy-reports", Fargate, X86, 2048, 8192, 0, Idle, &["legacy"]),
        ("prod-data", "etl-scheduler", Fargate, Arm, 512, 2048, 1, Right, &["scheduler"]),
        ("prod-data", "pdf-renderer", Fargate, X86, 2048, 4096, 3, Leaky, &["renderer"]),
        ("prod-data", "email-worker", Fargate, Arm, 512, 1024, 4, Over, &["mailer"]),
        ("batch", "image-resizer", Ec2, X86, 2048, 4096, 6, Right, &["resizer"]),
        ("batch", "video-transcode", Ec2, X86, 4096, 8192, 4, Under, &["ffmpeg"]),
        ("batch", "log-shipper", Ec2, X86, 256, 512, 10, Right, &["fluentd"]),
        ("batch", "metrics-agent", Ec2, X86, 256, 512, 10, Over, &["agent"]),
        ("batch", "nightly-etl", Ec2, X86, 4096, 16384, 2, Over, &["spark-driver", "shuffle"]),
        ("batch", "crawler", Ec2, Arm, 1024, 2048, 8, Autoscaled, &["crawler"]),
        ("batch", "thumbnailer", Ec2, X86, 1024, 2048, 3, HotTask, &["thumbs"]),
        ("staging", "api-gateway", Fargate, X86, 1024, 2048, 2, Over, &["api", "envoy"]),
        ("staging", "checkout", Fargate, X86, 512, 1024, 1, Over, &["checkout"]),
        ("staging", "payments", Fargate, X86, 1024, 2048, 1, Over, &["payments"]),
        ("staging", "web-frontend", Fargate, Arm, 1024, 2048, 2, Right, &["nginx", "next"]),
        ("staging", "search", Fargate, X86, 1024, 4096, 1, Over, &["search"]),
        ("staging", "auth", Fargate, Arm, 256, 512, 1, Right, &["auth"]),
        ("staging", "ledger", Fargate, X86, 2048, 8192, 1, Over, &["ledger"]),
        ("staging", "ml-inference", Fargate, X86, 2048, 8192, 1, Over, &["model"]),
        ("staging", "kafka-consumer", Fargate, X86, 512, 1024, 1, Right, &["consumer"]),
        ("staging", "notifications", Fargate, X86, 1024, 2048, 1, Over, &["notifier"]),
    ]
};

/// (id, engine, version, node type, shards, replicas, memory %, engine cpu %, evictions/min,
/// connections, bytes/s per node)
type CacheRow = (&'static str, CacheEngine, &'static str, &'static str, u32, u32, f32, f32, f32, f32, f32);
const BASE_CACHES: &[CacheRow] = {
    use CacheEngine::*;
    &[
        ("sessions", Redis, "7.1", "cache.r7g.large", 1, 2, 62.0, 18.0, 0.0, 1800.0, 4.0e6),
        ("page-cache", Redis, "7.1", "cache.t4g.medium", 1, 1, 99.0, 35.0, 240.0, 420.0, 9.0e6),
        ("rate-limiter", Valkey, "8.0", "cache.m7g.large", 1, 1, 21.0, 55.0, 0.0, 3200.0, 12.0e6),
        ("leaderboard", Redis, "6.2", "cache.r7g.xlarge", 1, 1, 3.0, 1.0, 0.0, 4.0, 2.0e3),
        ("feature-store", Valkey, "8.0", "cache.r7g.large", 4, 1, 71.0, 24.0, 0.0, 950.0, 20.0e6),
        ("queue", Redis, "6.2", "cache.m6g.large", 1, 1, 38.0, 12.0, 0.0, 260.0, 1.5e6),
        ("geo-index", Valkey, "7.2", "cache.m7g.xlarge", 2, 2, 45.0, 8.0, 0.0, 600.0, 3.0e6),
    ]
};

const FARGATE_SHAPES: &[(u32, u32)] = &[
    (256, 512),
    (512, 1024),
    (512, 2048),
    (1024, 2048),
    (1024, 4096),
    (2048, 4096),
    (2048, 8192),
    (4096, 8192),
    (4096, 16384),
];

const NAME_PARTS: &[&str] = &[
    "api", "worker", "sync", "ingest", "render", "index", "match", "quote", "audit", "export", "notify", "route",
    "price", "stock", "media", "mailer", "score", "stream", "cron", "gateway",
];

impl Fleet {
    /// The default demo fleet (`scale` None), or one of exactly `scale` services.
    pub fn build(seed: u64, scale: Option<usize>) -> Fleet {
        let mut rng = Rng::new(seed);
        let wanted = scale.unwrap_or(BASE_SERVICES.len());
        let mut services: Vec<ServiceSpec> =
            BASE_SERVICES.iter().take(wanted).map(|row| base_service(&mut rng, *row)).collect();
        let mut i = 0;
        while services.len() < wanted {
            services.push(generated_service(&mut rng, i));
            i += 1;
        }

        let cache_count = (wanted / 10).max(BASE_CACHES.len());
        let mut caches: Vec<CacheSpec> = BASE_CACHES.iter().map(|row| base_cache(*row)).collect();
        let mut j = 0;
        while caches.len() < cache_count {
            caches.push(generated_cache(&mut rng, j));
            j += 1;
        }

        for s in &mut services {
            real_shape(s);
        }
        let alarms = alarms_for(&services, &caches);
        Fleet { seed, services, caches, alarms, incident: None }
    }
}

impl Fleet {
    /// The scripted incident, begun at `start` (Unix seconds): `prod-core/orders` gets a bad
    /// revision that leaks memory until tasks are OOM-killed, and `sessions` an eviction storm
    /// 25–70 minutes in. `prod-core/auth` was deployed (harmlessly) 3 h 40 min before, so the
    /// timeline has a red herring. Fleets without those resources have no incident.
    pub fn with_incident(mut self, start: i64) -> Fleet {
        let start = start - start.rem_euclid(60);
        let mut incident = Incident { start, orders_revision: 0, auth_revision: 0 };
        let mut found = false;
        for s in &mut self.services {
            if s.cluster == "prod-core" && s.name == "orders" {
                s.regression = Some(start);
                incident.orders_revision = s.revision;
                s.revision += 1;
                found = true;
            } else if s.cluster == "prod-core" && s.name == "auth" {
                incident.auth_revision = s.revision;
                s.revision += 1;
            }
        }
        if let Some(c) = self.caches.iter_mut().find(|c| c.id == "sessions") {
            c.storm = Some((start + super::incident::STORM_START, start + super::incident::STORM_END));
        }
        self.incident = found.then_some(incident);
        self
    }
}

impl ServiceSpec {
    /// A new task size, as a new task-definition revision would give it. The work the service
    /// does (vCPU and MiB used) stays; only the reservation changes. Containers keep their
    /// shares of the task.
    pub fn resize(&mut self, cpu: u32, memory: u32, at: i64) {
        // A resize "before" an earlier one (a frozen clock) replaces it.
        self.earlier.retain(|(until, ..)| *until < at);
        self.earlier.push((at, self.task_cpu, self.task_memory));
        let shape = crate::sizing::containers::TaskShape {
            fargate: self.launch_type == LaunchType::Fargate,
            task_level: self.task_level,
            size: (self.task_cpu, self.task_memory),
            containers: &self.containers,
        };
        let floors = crate::sizing::containers::Floors::default();
        if let Ok(layout) = crate::sizing::containers::layout(&shape, (cpu, memory), &floors) {
            for (c, l) in self.containers.iter_mut().zip(layout) {
                (c.cpu, c.memory_hard, c.memory_soft) = (l.cpu.1, l.memory_hard.1, l.memory_soft.1);
            }
        }
        self.task_cpu = cpu;
        self.task_memory = memory;
        self.revision += 1;
    }

    /// The task size (cpu units, MiB) the service had at `t`.
    pub fn size_at(&self, t: i64) -> (u32, u32) {
        self.earlier.iter().find(|(until, ..)| t < *until).map_or((self.task_cpu, self.task_memory), |e| (e.1, e.2))
    }
}

fn container_split(names: &[&str], cpu: u32, memory: u32) -> Vec<Container> {
    // The first container is the application; sidecars get a small fixed share.
    let sidecars = names.len().saturating_sub(1) as u32;
    let side_cpu = if sidecars > 0 { (cpu / 8).max(64) } else { 0 };
    let side_mem = if sidecars > 0 { (memory / 8).max(128) } else { 0 };
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (c, m) =
                if i == 0 { (cpu - side_cpu * sidecars, memory - side_mem * sidecars) } else { (side_cpu, side_mem) };
            let mut container = Container::app(n, c, Some(m), Some(m * 3 / 4));
            // A generic helper container: the task runs on without it.
            container.essential = *n != "sidecar";
            container
        })
        .collect()
}

/// Shapes real accounts have and tidy fleets do not, on a few demo services: soft-only
/// containers sharing the task's CPU, a CodeDeploy (blue/green) service, Spot tasks, and an EC2
/// task definition without task-level cpu/memory.
fn real_shape(s: &mut ServiceSpec) {
    match (s.cluster.as_str(), s.name.as_str()) {
        ("prod-data", "reporting-api") => {
            s.containers =
                ["reports", "pdf-export", "scheduler"].iter().map(|n| Container::app(n, 0, None, Some(128))).collect();
        }
        ("prod-data", "billing") => s.controller = DeploymentController::CodeDeploy,
        // Fargate Spot runs x86 Linux tasks only.
        ("prod-core", "user-profile") => s.spot_share = 1.0,
        ("prod-data", "kafka-consumer") => s.spot_share = 0.5,
        ("batch", "nightly-etl") => {
            s.task_level = TaskLevel { cpu: false, memory: false };
            s.task_cpu = s.containers.iter().map(|c| c.cpu).sum();
            s.task_memory = s.containers.iter().map(Container::reserved_memory).sum();
        }
        _ => {}
    }
}

fn behaviour_levels(rng: &mut Rng, b: Behaviour) -> (f32, f32) {
    // (CPU share of the reservation at the daily mean, memory share)
    match b {
        Behaviour::Over => (rng.range(0.05, 0.2), rng.range(0.12, 0.3)),
        Behaviour::Right => (rng.range(0.35, 0.5), rng.range(0.5, 0.68)),
        Behaviour::Under => (rng.range(0.72, 0.82), rng.range(0.6, 0.75)),
        Behaviour::Leaky => (rng.range(0.25, 0.4), 0.55),
        Behaviour::Autoscaled => (0.55, rng.range(0.4, 0.55)),
        Behaviour::HotTask => (rng.range(0.18, 0.26), rng.range(0.35, 0.5)),
        Behaviour::Idle => (0.0, 0.0),
    }
}

fn base_service(
    rng: &mut Rng,
    (cluster, name, launch_type, arch, cpu, memory, desired, behaviour, containers): ServiceRow,
) -> ServiceSpec {
    service_spec(rng, cluster, name, launch_type, arch, (cpu, memory), desired, behaviour, containers)
}

#[allow(clippy::too_many_arguments)]
fn service_spec(
    rng: &mut Rng,
    cluster: &str,
    name: &str,
    launch_type: LaunchType,
    arch: Arch,
    (cpu, memory): (u32, u32),
    desired: u32,
    behaviour: Behaviour,
    containers: &[&str],
) -> ServiceSpec {
    let (cpu_share, mem_share) = behaviour_levels(rng, behaviour);
    let autoscaling = (behaviour == Behaviour::Autoscaled).then(|| AutoScaling {
        metric: "ECSServiceAverageCPUUtilization".into(),
        target: 60.0,
        min: (desired / 2).max(1),
        max: desired * 3,
    });
    ServiceSpec {
        cluster: cluster.into(),
        name: name.into(),
        launch_type,
        arch,
        task_cpu: cpu,
        task_memory: memory,
        task_level: TaskLevel::default(),
        revision: 3 + rng.below(40) as u32,
        containers: container_split(containers, cpu, memory),
        controller: DeploymentController::Ecs,
        spot_share: 0.0,
        desired,
        behaviour,
        cpu_vcpu: cpu_share * cpu as f32 / 1024.0,
        daily_swing: rng.range(0.3, 0.6),
        jitter: rng.range(0.04, 0.12),
        memory_mib: mem_share * memory as f32,
        phase_hours: rng.range(-2.0, 2.0),
        hot_skew: if behaviour == Behaviour::HotTask { rng.range(3.4, 4.0) } else { rng.range(1.05, 1.2) },
        // From the name, not the generator, so adding bursts left every other choice in place.
        bursts_per_day: 1.0 + 3.0 * unit(key_of(name), 0),
        autoscaling,
        regression: None,
        lb: super::health::lb_for(cluster, name),
        earlier: Vec::new(),
        key: key_of(&format!("{cluster}/{name}")),
    }
}

fn generated_service(rng: &mut Rng, i: usize) -> ServiceSpec {
    let cluster = format!("fleet-{:03}", i / 50);
    let name = format!("{}-{}-{i}", rng.pick(NAME_PARTS), rng.pick(NAME_PARTS));
    let roll = rng.below(100);
    let behaviour = match roll {
        0..45 => Behaviour::Over,
        45..80 => Behaviour::Right,
        80..88 => Behaviour::Under,
        88..93 => Behaviour::HotTask,
        93..95 => Behaviour::Leaky,
        _ => Behaviour::Autoscaled,
    };
    let arch = if rng.below(3) == 0 { Arch::Arm } else { Arch::X86 };
    let launch = if rng.below(5) == 0 { LaunchType::Ec2 } else { LaunchType::Fargate };
    let shape = *rng.pick(FARGATE_SHAPES);
    let desired = 1 + rng.below(8) as u32;
    service_spec(rng, &cluster, &name, launch, arch, shape, desired, behaviour, &["app"])
}

fn base_cache(row: CacheRow) -> CacheSpec {
    let (id, engine, version, node, shards, replicas, mem, cpu, evict, conns, net) = row;
    CacheSpec {
        id: id.into(),
        engine,
        engine_version: version.into(),
        node_type: node.into(),
        shards,
        replicas_per_shard: replicas,
        memory_pct: mem,
        engine_cpu_pct: cpu,
        evictions_per_min: evict,
        connections: conns,
        network_bps: net,
        daily_swing: if mem < 10.0 { 0.05 } else { 0.35 },
        storm: None,
        key: key_of(id),
    }
}

fn generated_cache(rng: &mut Rng, j: usize) -> CacheSpec {
    let nodes = ["cache.t4g.medium", "cache.m7g.large", "cache.r7g.large", "cache.r7g.xlarge"];
    let engine = if rng.below(2) == 0 { CacheEngine::Redis } else { CacheEngine::Valkey };
    let id = format!("{}-cache-{j}", rng.pick(NAME_PARTS));
    CacheSpec {
        key: key_of(&id),
        id,
        engine,
        engine_version: if engine == CacheEngine::Valkey { "8.0".into() } else { "7.1".into() },
        node_type: (*rng.pick(&nodes)).into(),
        shards: 1 + (rng.below(10) / 8) as u32 * 2,
        replicas_per_shard: 1 + rng.below(2) as u32,
        memory_pct: rng.range(5.0, 80.0),
        engine_cpu_pct: rng.range(2.0, 45.0),
        evictions_per_min: 0.0,
        connections: rng.range(10.0, 2000.0),
        network_bps: rng.range(1.0e4, 8.0e6),
        daily_swing: rng.range(0.1, 0.4),
        storm: None,
    }
}

fn alarm(name: &str, metric: WatchedMetric, target: &str, cmp: Comparison, threshold: f32, periods: u32) -> AlarmSpec {
    AlarmSpec { name: name.into(), metric, target: target.into(), comparison: cmp, threshold, periods, watched: None }
}

fn alarms_for(services: &[ServiceSpec], caches: &[CacheSpec]) -> Vec<AlarmSpec> {
    use Comparison::*;
    use WatchedMetric::*;
    let mut all = vec![
        alarm("checkout-cpu-high", EcsCpu, "prod-core/checkout", GreaterThan, 80.0, 3),
        alarm("payments-memory-high", EcsMemory, "prod-core/payments", GreaterThan, 85.0, 2),
        alarm("search-cpu-high", EcsCpu, "prod-core/search", GreaterThan, 80.0, 3),
        alarm("api-gateway-cpu-high", EcsCpu, "prod-core/api-gateway", GreaterThan, 85.0, 3),
        alarm("TargetTracking-web-frontend-AlarmHigh", EcsCpu, "prod-core/web-frontend", GreaterThan, 60.0, 3),
        alarm("TargetTracking-web-frontend-AlarmLow", EcsCpu, "prod-core/web-frontend", LessThan, 54.0, 15),
        alarm("geo-cpu-high", EcsCpu, "prod-core/geo", GreaterThan, 75.0, 2),
        alarm("ledger-cpu-low", EcsCpu, "prod-data/ledger", LessThan, 25.0, 15),
        alarm("fraud-detector-cpu-high", EcsCpu, "prod-data/fraud-detector", GreaterThan, 85.0, 3),
        alarm("ml-inference-cpu-high", EcsCpu, "prod-data/ml-inference", GreaterThan, 90.0, 1),
        alarm("legacy-reports-cpu-high", EcsCpu, "prod-data/legacy-reports", GreaterThan, 80.0, 3),
        alarm("pdf-renderer-memory-high", EcsMemory, "prod-data/pdf-renderer", GreaterThan, 90.0, 1),
        alarm("orders-memory-high", EcsMemory, "prod-core/orders", GreaterThan, 85.0, 3),
        alarm("video-transcode-cpu-high", EcsCpu, "batch/video-transcode", GreaterThan, 85.0, 5),
        alarm("sessions-memory-high", CacheMemory, "sessions", GreaterThan, 80.0, 3),
        alarm("sessions-evictions", CacheEvictions, "sessions", GreaterThan, 100.0, 2),
        alarm("page-cache-evictions", CacheEvictions, "page-cache", GreaterThan, 100.0, 2),
        alarm("page-cache-memory-high", CacheMemory, "page-cache", GreaterThan, 90.0, 3),
        alarm("rate-limiter-engine-cpu", CacheEngineCpu, "rate-limiter", GreaterThan, 62.0, 2),
        alarm("feature-store-memory-high", CacheMemory, "feature-store", GreaterThan, 80.0, 3),
        alarm("old-queue-memory-high", CacheMemory, "old-queue", GreaterThan, 80.0, 3),
    ];
    let resolve = |a: &AlarmSpec| {
        if a.metric.is_ecs() {
            services.iter().position(|s| a.target.split_once('/') == Some((s.cluster.as_str(), s.name.as_str())))
        } else {
            caches.iter().position(|c| c.id == a.target)
        }
    };
    for a in &mut all {
        a.watched = resolve(a);
    }
    // A smaller --demo-scale fleet drops the base services some alarms watch; "old-queue" is
    // an alarm left behind by a deleted group, on purpose.
    all.retain(|a| a.watched.is_some() || a.target == "old-queue");
    // Large fleets get one CPU alarm per 25 generated services.
    for (i, s) in services.iter().enumerate().skip(BASE_SERVICES.len()).step_by(25) {
        let target = format!("{}/{}", s.cluster, s.name);
        let mut a = alarm(&format!("{}-cpu-high", s.name), EcsCpu, &target, GreaterThan, 85.0, 3);
        a.watched = Some(i);
        all.push(a);
    }
    all
}

#[cfg(test)]
mod tests;
