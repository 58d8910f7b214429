//! The built-in simulated fleet (`--demo`): what a newcomer sees first, and what the tests and
//! benchmarks run on. Deterministic for a seed and a clock; live when the clock is the system's.

mod alarms;
mod apply;
mod cost;
mod detail;
pub mod evaluation;
pub mod fleet;
mod hands;
mod health;
mod history;
mod incident;
mod logs;
mod model;
pub mod noise;
mod optimizer;
mod rollout;
mod scoped;
mod tasks;
mod trail;

use super::{Provider, ProviderError, SourceInfo};
use crate::common::format::downsample_max as downsample;
use crate::domain::{
    Alarm, CacheGroup, CostReport, DetailData, EcsService, GroupKey, HotTask, LbHealth, ResourceKey, ResourceRef,
    ServiceKey, Stats, UsageHistory, Window,
};
use async_trait::async_trait;
use fleet::{Fleet, ServiceSpec};
use std::sync::{Arc, RwLock};

/// Points kept for a table sparkline.
pub const SPARK_POINTS: usize = 48;

/// Where the simulation's "now" comes from.
#[derive(Debug, Clone)]
pub enum Clock {
    System,
    /// Frozen at these Unix seconds: for snapshots and benchmarks.
    Fixed(i64),
    /// Starts at `at` (Unix seconds) when the app starts, then runs in real time: a live demo
    /// that begins at the same moment every run (reproducible screenshots).
    StartingAt {
        at: i64,
        started: std::time::Instant,
    },
    /// Set by whoever holds it: tests that need time to pass (a resize, then the hour after it).
    Manual(std::sync::Arc<std::sync::atomic::AtomicI64>),
}

impl Clock {
    pub fn starting_at(at: i64) -> Clock {
        Clock::StartingAt { at, started: std::time::Instant::now() }
    }

    pub fn now(&self) -> i64 {
        match self {
            Clock::System => chrono::Utc::now().timestamp(),
            Clock::Fixed(t) => *t,
            Clock::StartingAt { at, started } => at + started.elapsed().as_secs() as i64,
            Clock::Manual(t) => t.load(std::sync::atomic::Ordering::Relaxed),
        }
    }
}

pub struct DemoProvider {
    /// Swapped whole on a change (copy-on-write), so a fetch in progress keeps a consistent
    /// fleet and readers never wait for a writer.
    fleet: RwLock<Arc<Fleet>>,
    clock: Clock,
    read_only: bool,
    dry_run: bool,
    protected: bool,
    revisions: std::sync::Mutex<apply::Revisions>,
    rollouts: std::sync::Mutex<std::collections::HashMap<String, rollout::DemoRollout>>,
    rollout_time: std::time::Duration,
    /// The rows last computed, carried into refreshes that do not ask for them.
    kept: std::sync::Mutex<scoped::Kept>,
    /// What the same refreshes would have cost on AWS.
    meter: crate::provider::meter::Meter,
    /// This fleet's `SourceInfo::generation`.
    generation: u64,
    /// Services ECS Exec was enabled on (and restarted) in this session.
    exec_on: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The stand-in Compute Optimizer's answer and the day it was made (it refreshes daily).
    optimizer: std::sync::Mutex<Option<(i64, Arc<crate::domain::optimizer::OptimizerAnswer>)>>,
}

impl DemoProvider {
    /// The fleet with its scripted incident, begun 100 minutes before the clock reads now: so
    /// the incident view (`i`) has something to triage the moment the demo starts.
    pub fn new(seed: u64, scale: Option<usize>, clock: Clock) -> Self {
        let fleet = Fleet::build(seed, scale).with_incident(clock.now() - incident::STARTED_BEFORE);
        DemoProvider {
            generation: crate::provider::next_generation(),
            fleet: RwLock::new(Arc::new(fleet)),
            clock,
            read_only: false,
            dry_run: false,
            protected: false,
            revisions: Default::default(),
            rollouts: Default::default(),
            rollout_time: std::time::Duration::from_secs(8),
            kept: Default::default(),
            meter: Default::default(),
            exec_on: Default::default(),
            optimizer: Default::default(),
        }
    }

    pub fn fleet(&self) -> Arc<Fleet> {
        Arc::clone(&self.fleet.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Give a service a new task size. Its usage (in vCPU and MiB) is unchanged, so its
    /// utilization, as a percentage of the reservation, moves accordingly.
    pub fn resize(&self, cluster: &str, service: &str, cpu: u32, memory: u32) -> Result<(), ProviderError> {
        let mut guard = self.fleet.write().unwrap_or_else(|e| e.into_inner());
        let mut fleet = Fleet::clone(&guard);
        let spec = fleet
            .services
            .iter_mut()
            .find(|s| s.cluster == cluster && s.name == service)
            .ok_or_else(|| ProviderError::NotFound(format!("{cluster}/{service}")))?;
        spec.resize(cpu, memory, self.clock.now());
        *guard = Arc::new(fleet);
        Ok(())
    }

    /// Runs CPU-bound simulation off the async workers, so a 10,000-service fleet never stalls
    /// the runtime that carries input.
    async fn compute<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Fleet, i64) -> T + Send + 'static,
    ) -> Result<T, ProviderError> {
        let fleet = self.fleet();
        let now = self.clock.now();
        tokio::task::spawn_blocking(move || f(&fleet, now))
            .await
            .map_err(|e| ProviderError::Other(format!("simulation task failed: {e}")))
    }
}

pub fn task_id(key: u64, n: u64) -> String {
    format!("{:016x}{:016x}", noise::mix(key ^ n), noise::mix(key.wrapping_add(n)))
}

pub fn ecs_service(spec: &ServiceSpec, now: i64, window: Window) -> EcsService {
    let step = window.step();
    let n = window.points();
    let (mut cpu_avg, mut cpu_max, mut hot_cpu) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut mem_avg, mut mem_max, mut hot_mem) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut lb_points = Vec::with_capacity(if spec.lb.is_some() { n } else { 0 });
    for t in model::period_ends(now, window) {
        let p = spec.period(t, step);
        if let Some(lb) = &spec.lb {
            lb_points.push(health::point(spec, lb, &p, t));
        }
        cpu_avg.push(p.cpu_avg);
        cpu_max.push(p.cpu_max);
        hot_cpu.push(p.hot_cpu);
        mem_avg.push(p.mem_avg);
        mem_max.push(p.mem_max);
        hot_mem.push(p.hot_mem);
    }
    let running = spec.running_at(now);
    EcsService {
        cluster: spec.cluster.clone(),
        name: spec.name.clone(),
        identity: crate::domain::ServiceKey {
            origin: origin(),
            cluster: spec.cluster.clone(),
            service: spec.name.clone(),
            aws_arn: None,
        },
        launch_type: spec.launch_type,
        arch: spec.arch,
        running,
        desired: if spec.autoscaling.is_some() { running } else { spec.desired },
        task_cpu: spec.task_cpu,
        task_memory: spec.task_memory,
        task_level: spec.task_level,
        task_definition: format!("{}:{}", spec.name, spec.revision),
        containers: spec.containers.clone(),
        controller: spec.controller,
        spot_share: spec.spot_share,
        cpu: Stats::from_series(&cpu_avg, &cpu_max),
        memory: Stats::from_series(&mem_avg, &mem_max),
        hottest: (running > 0).then(|| HotTask {
            task_id: task_id(spec.key, 0),
            cpu: Stats::from_series(&hot_cpu, &hot_cpu),
            memory: Stats::from_series(&hot_mem, &hot_mem),
        }),
        cpu_spark: downsample(&cpu_avg, SPARK_POINTS),
        memory_spark: downsample(&mem_avg, SPARK_POINTS),
        oom_kills: spec.oom_kills(now - window.seconds(), now),
        autoscaling: spec.autoscaling.clone(),
        deployment: None,
        health: match &spec.lb {
            Some(lb) => LbHealth::Read(health::health(lb, &lb_points, running, spec.desired, SPARK_POINTS)),
            None => LbHealth::NoLoadBalancer,
        },
        // What the same row costs on AWS: CPU and memory, and six load-balancer metrics.
        read_cost: 4 + if spec.lb.is_some() { 6 } else { 0 },
    }
}

/// The task's reservation at `t` in vCPU and MiB: percentages become amounts at the size of
/// their time.
fn vcpu_mib(spec: &ServiceSpec, t: i64) -> (f32, f32) {
    let (cpu, mem) = spec.size_at(t);
    (cpu as f32 / 1024.0, mem as f32)
}

/// The sizing window's history in absolute units: the hottest task's hourly maximum.
pub fn usage_history(spec: &ServiceSpec, now: i64) -> UsageHistory {
    let window = Window::Fortnight;
    let mut history = UsageHistory {
        step_seconds: window.step(),
        oom_kills: spec.oom_kills(now - window.seconds(), now),
        ..Default::default()
    };
    for t in model::period_ends(now, window) {
        let (vcpu, mem) = vcpu_mib(spec, t);
        let p = spec.period(t, window.step());
        history.cpu_vcpu.push(p.hot_cpu / 100.0 * vcpu);
        history.memory_mib.push(p.mem_max / 100.0 * mem);
    }
    history
}

/// What sizing reads of a service: its usage history, with each container's use where the
/// cluster reports it.
fn sized_history(spec: &ServiceSpec, now: i64) -> UsageHistory {
    let mut h = usage_history(spec, now);
    h.containers = container_usage(spec, &h);
    h
}

/// Clusters whose Container Insights has enhanced observability (per-container metrics).
const ENHANCED: [&str; 2] = ["prod-core", "prod-data"];

/// Each container's use in the busiest task, as Container Insights with enhanced observability
/// reports it: sidecars (agents, proxies, log routers) run steady at a quarter of their CPU and
/// 60 % of their memory; the app containers share the rest of the task's use by what they
/// reserve. Empty outside the enhanced clusters, and for one-container tasks (the task is it).
pub fn container_usage(spec: &ServiceSpec, h: &UsageHistory) -> Vec<crate::domain::ContainerUsage> {
    if !ENHANCED.contains(&spec.cluster.as_str()) || spec.containers.len() < 2 {
        return Vec::new();
    }
    let side = |c: &crate::domain::Container| c.sidecar().is_some() || !c.essential;
    let side_cpu: f32 = spec.containers.iter().filter(|c| side(c)).map(|c| (c.cpu as f32 * 0.25).max(10.0)).sum();
    let side_mem: f32 = spec.containers.iter().filter(|c| side(c)).map(|c| c.reserved_memory() as f32 * 0.6).sum();
    let app: Vec<&crate::domain::Container> = spec.containers.iter().filter(|c| !side(c)).collect();
    let app_cpu: f32 = app.iter().map(|c| c.cpu.max(1) as f32).sum();
    let app_mem: f32 = app.iter().map(|c| c.reserved_memory().max(1) as f32).sum();
    spec.containers
        .iter()
        .filter_map(|c| {
            let (cpu, mem): (Vec<f32>, Vec<f32>) = if side(c) {
                let steady = ((c.cpu as f32 * 0.25).max(10.0), c.reserved_memory() as f32 * 0.6);
                h.cpu_vcpu.iter().map(|v| if v.is_finite() { steady } else { (f32::NAN, f32::NAN) }).unzip()
            } else {
                let (cs, ms) = (c.cpu.max(1) as f32 / app_cpu, c.reserved_memory().max(1) as f32 / app_mem);
                h.cpu_vcpu
                    .iter()
                    .zip(&h.memory_mib)
                    .map(|(v, m)| (((v * 1024.0) - side_cpu).max(0.0) * cs, (m - side_mem).max(0.0) * ms))
                    .unzip()
            };
            crate::domain::ContainerUsage::from_series(&c.name, &cpu, &mem)
        })
        .collect()
}

/// What the hottest task wanted between `from` and `to`, at `step` seconds per point: the
/// demand a proposed size is scored against in the evaluation (the week sizing did not see).
/// Unlike what CloudWatch reports, it is not capped at the current reservation, so a size that
/// stays too small shows as minutes over.
pub fn demand_between(spec: &ServiceSpec, from: i64, to: i64, step: i64) -> UsageHistory {
    let mut history = UsageHistory { step_seconds: step, oom_kills: spec.oom_kills(from, to), ..Default::default() };
    let mut t = from - from.rem_euclid(step) + step;
    while t <= to {
        let (vcpu, mem) = vcpu_mib(spec, t);
        let p = spec.demand_period(t, step);
        history.cpu_vcpu.push(p.hot_cpu / 100.0 * vcpu);
        history.memory_mib.push(p.mem_max / 100.0 * mem);
        t += step;
    }
    history
}

pub fn cache_group(spec: &fleet::CacheSpec, now: i64, window: Window) -> CacheGroup {
    let step = window.step();
    let points: Vec<model::CachePoint> = model::period_ends(now, window).map(|t| spec.period(t, step)).collect();
    let col = |f: fn(&model::CachePoint) -> f32| points.iter().map(f).collect::<Vec<f32>>();
    let (memory, cpu, conns) = (col(|p| p.memory), col(|p| p.engine_cpu), col(|p| p.connections));
    let mean = |v: Vec<f32>| v.iter().sum::<f32>() / v.len().max(1) as f32;
    CacheGroup {
        id: spec.id.clone(),
        identity: crate::domain::GroupKey { origin: origin(), group: spec.id.clone(), ..Default::default() },
        engine: spec.engine,
        engine_version: spec.engine_version.clone(),
        node_type: spec.node_type.clone(),
        shards: spec.shards,
        replicas_per_shard: spec.replicas_per_shard,
        reserved_memory_percent: 25.0,
        memory: Stats::from_series(&memory, &memory),
        engine_cpu: Stats::from_series(&cpu, &cpu),
        evictions: points.iter().map(|p| p.evictions as u64).sum(),
        connections: Stats::from_series(&conns, &conns),
        network_in: mean(col(|p| p.network_in)),
        network_out: mean(col(|p| p.network_out)),
        memory_spark: downsample(&memory, SPARK_POINTS),
        cpu_spark: downsample(&cpu, SPARK_POINTS),
        standalone: false,
        // Nine metrics per node, as the AWS provider reads them.
        read_cost: 9 * spec.shards * (1 + spec.replicas_per_shard),
    }
}

/// Where the demo fleet "runs": one account in a region no real account has, so nothing made
/// from it can be mistaken for a real resource.
pub fn origin() -> crate::domain::Origin {
    crate::domain::Origin { account_id: Some(ACCOUNT.into()), account: Some("demo".into()), region: REGION.into() }
}

const ACCOUNT: &str = "123456789012";
const REGION: &str = "demo-1";

#[async_trait]
impl Provider for DemoProvider {
    fn source(&self) -> SourceInfo {
        SourceInfo {
            label: format!("demo fleet (seed {})", self.fleet().seed),
            account: Some(ACCOUNT.into()),
            regions: vec![REGION.into()],
            switchable: false,
            read_only: self.read_only,
            accounts: Vec::new(),
            generation: self.generation,
        }
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        alarms::at(self.clock.now())
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    async fn tasks(&self, service: &ResourceRef) -> Result<crate::domain::ServiceTasks, ProviderError> {
        let (spec, read_only, protected, exec_on) = self.tasks_of(service)?;
        self.compute(move |_, now| tasks::service_tasks(&spec, now, read_only, protected, exec_on)).await
    }

    async fn plan_action(
        &self,
        service: &ResourceRef,
        action: crate::apply::action::ServiceAction,
    ) -> Result<crate::apply::action::ActionPlan, ProviderError> {
        self.action_plan(service, action)
    }

    async fn apply_action(&self, plan: &crate::apply::action::ActionPlan) -> Result<Vec<String>, ProviderError> {
        self.act(plan)
    }

    fn exec_plugin(&self) -> crate::exec::preflight::PluginState {
        crate::exec::preflight::PluginState::NotNeeded
    }

    async fn open_forward(
        &self,
        spec: &crate::exec::forward::ForwardSpec,
        _plugin_port: u16,
    ) -> Result<crate::exec::forward::Upstream, ProviderError> {
        self.forward_upstream(spec)
    }

    async fn cache_endpoint(&self, group: &str) -> Result<(String, u16), ProviderError> {
        self.endpoint_of(group)
    }

    async fn close_forward(&self, _spec: &crate::exec::forward::ForwardSpec, _session_id: &str) {
        self.meter.record_many("ssm:TerminateSession", 1);
    }

    async fn start_exec(&self, req: &crate::exec::ExecRequest) -> Result<crate::exec::Handoff, ProviderError> {
        self.simulated_shell(req)
    }

    async fn plan_resize(&self, req: &crate::apply::ResizeRequest) -> Result<crate::apply::ResizePlan, ProviderError> {
        let key =
            ServiceKey { origin: origin(), cluster: req.cluster.clone(), service: req.service.clone(), aws_arn: None };
        let plan = self.plan(req).map(|p| crate::apply::ResizePlan { identity: Some(ResourceKey::Service(key)), ..p });
        crate::apply::plan::checked(plan)
    }

    async fn plan_cache_resize(
        &self,
        req: &crate::apply::CacheResizeRequest,
    ) -> Result<crate::apply::ResizePlan, ProviderError> {
        let key = GroupKey { origin: origin(), group: req.group.clone(), standalone: false, aws_arn: None };
        Ok(crate::apply::ResizePlan { identity: Some(ResourceKey::Group(key)), ..self.plan_cache(req)? })
    }

    async fn apply_resize(&self, plan: &crate::apply::ResizePlan) -> Result<crate::apply::ApplyOutcome, ProviderError> {
        self.apply(plan)
    }

    fn caller(&self) -> String {
        std::env::var("USER").map_or_else(|_| "demo user".into(), |u| format!("{u} (demo)"))
    }

    fn api_spend(&self) -> Option<crate::provider::meter::Spend> {
        Some(crate::provider::meter::Spend { simulated: true, ..self.meter.spend() })
    }

    async fn ecs_services(&self, window: Window) -> Result<Vec<EcsService>, ProviderError> {
        self.ecs_scoped(window, &super::Scope::everything()).await.map(Arc::unwrap_or_clone)
    }

    async fn ecs_services_scoped(
        &self,
        window: Window,
        scope: &super::Scope,
        _progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<std::sync::Arc<Vec<EcsService>>, ProviderError> {
        self.ecs_scoped(window, scope).await
    }

    async fn cache_groups(&self, window: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        self.groups_scoped(window, &super::Scope::everything()).await
    }

    async fn cache_groups_scoped(
        &self,
        window: Window,
        scope: &super::Scope,
    ) -> Result<Vec<CacheGroup>, ProviderError> {
        self.groups_scoped(window, scope).await
    }

    async fn ecs_usage(&self) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        self.compute(|fleet, now| {
            fleet.services.iter().map(|s| (format!("{}/{}", s.cluster, s.name), sized_history(s, now))).collect()
        })
        .await
    }

    async fn cache_node_types(&self) -> Arc<crate::sizing::catalog::NodeCatalogue> {
        // The shipped prices, and the demo account's reserved nodes (see `effective_prices`).
        let mut c = crate::sizing::catalog::NodeCatalogue::default();
        c.effective = self
            .effective_prices()
            .await
            .and_then(|e| crate::sizing::recommend::PriceNote::of(&e.month, e.elasticache.as_ref()?));
        Arc::new(c)
    }

    async fn effective_prices(&self) -> Option<crate::domain::cost::EffectiveRates> {
        // On AWS: last month's Fargate from Cost Explorer. The demo account has a Compute
        // Savings Plan covering 60 % of its Fargate On-Demand equivalent at a 22 % discount.
        self.compute(optimizer::effective_rates).await.ok()
    }

    async fn optimizer_recommendations(&self) -> crate::domain::optimizer::OptimizerAnswer {
        let day = self.clock.now().div_euclid(86_400);
        if let Some((made, answer)) = self.optimizer.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && *made == day
        {
            return (**answer).clone();
        }
        let answer = self.compute(optimizer::answer).await.unwrap_or_default();
        *self.optimizer.lock().unwrap_or_else(|e| e.into_inner()) = Some((day, Arc::new(answer.clone())));
        answer
    }

    async fn ecs_usage_of(&self, keys: &[String]) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        // On AWS: each service's busiest-task CPU and memory over 14 days.
        self.meter.record_metrics(crate::provider::meter::MetricSource::Sizing, keys.len() * 2);
        let wanted: std::collections::HashSet<String> = keys.iter().cloned().collect();
        self.compute(move |fleet, now| {
            fleet
                .services
                .iter()
                .map(|s| (format!("{}/{}", s.cluster, s.name), s))
                .filter(|(k, _)| wanted.contains(k))
                .map(|(k, s)| (k, sized_history(s, now)))
                .collect()
        })
        .await
    }

    async fn sli(
        &self,
        queries: &[crate::slo::SliQuery],
    ) -> Result<Vec<(String, crate::slo::SliWindows)>, ProviderError> {
        // On AWS: requests, 5xx and the slow share, over a recent and a long span.
        self.meter.record_metrics(crate::provider::meter::MetricSource::Slo, queries.len() * 6);
        let queries = queries.to_vec();
        self.compute(move |fleet, now| {
            let by_key: std::collections::HashMap<String, &ServiceSpec> =
                fleet.services.iter().map(|s| (format!("{}/{}", s.cluster, s.name), s)).collect();
            queries
                .iter()
                .filter_map(|q| {
                    let spec = by_key.get(&q.key)?;
                    Some((q.key.clone(), health::sli(spec, spec.lb.as_ref()?, now, q)))
                })
                .collect()
        })
        .await
    }

    async fn cost(&self, fresh: bool) -> Result<CostReport, ProviderError> {
        self.meter_cost(fresh);
        self.compute(|fleet, now| cost::report(fleet, alarms::at(now))).await
    }

    async fn alarms(&self) -> Result<Vec<Alarm>, ProviderError> {
        self.meter.record("cloudwatch:DescribeAlarms");
        self.meter.record("cloudwatch:DescribeAlarmHistory");
        self.compute(|fleet, now| fleet.alarms.iter().map(|a| alarms::evaluate(fleet, a, now)).collect()).await
    }

    async fn timeline(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::Timeline, ProviderError> {
        let (from, to) = (from.timestamp(), to.timestamp());
        self.compute(move |fleet, _| {
            let mut t = incident::timeline(fleet, from, to);
            // The month a review looks back over is in the timeline too, at the same moments.
            let (events, mut changes) = history::month(fleet, from, to);
            t.events.extend(events);
            changes.append(&mut t.api);
            changes.sort_by_key(|c| c.time);
            t.api = changes;
            t.sort();
            t
        })
        .await
    }

    async fn history(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::History, ProviderError> {
        let (from, to) = (from.timestamp(), to.timestamp());
        self.compute(move |fleet, _| history::history(fleet, from, to)).await
    }

    async fn logs(&self, query: &crate::domain::logs::LogQuery) -> Result<crate::domain::logs::LogPage, ProviderError> {
        let q = query.clone();
        let found = self.compute(move |fleet, _| logs::logs(fleet, &q)).await?;
        found.ok_or_else(|| ProviderError::Other(format!("no service {} in the demo fleet", query.service)))
    }

    async fn detail(&self, resource: &ResourceRef, window: Window) -> Result<DetailData, ProviderError> {
        self.meter.record_metrics(crate::provider::meter::MetricSource::DetailView, 10);
        let resource = resource.clone();
        self.compute(move |fleet, now| detail::detail(fleet, &resource, now, window)).await?
    }
}

#[cfg(test)]
mod tests;
