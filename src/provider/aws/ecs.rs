//! ECS inventory: clusters, services, task definitions (cached by ARN), running and stopped
//! tasks, target tracking. Paged at the API maxima, with bounded concurrency.

use super::lb::TargetGroupInfo;
use super::map::{self, TaskDef};
use super::metrics::{self, MetricQuery, Span};
use super::{CONCURRENCY, Target, sdk_error};
use crate::common::format::downsample_max;
use crate::domain::{AutoScaling, EcsService, HotTask, LaunchType, LbHealth, Stats, UsageHistory, Window};
use crate::provider::ProviderError;
use aws_sdk_ecs::types::{ClusterField, DesiredStatus};
use futures::{StreamExt, TryStreamExt, stream};

/// Services per GetMetricData call (4 queries each, 500 queries a call).
pub const SERVICES_PER_METRICS_CALL: usize = metrics::MAX_QUERIES_PER_CALL / 4;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

const LIST_SERVICES_PAGE: i32 = 100;
const DESCRIBE_SERVICES_BATCH: usize = 10;
const LIST_TASKS_PAGE: i32 = 100;
const DESCRIBE_TASKS_BATCH: usize = 100;
const DESCRIBE_CLUSTERS_BATCH: usize = 100;
const SPARK_POINTS: usize = 48;

/// One service as the inventory found it, before metrics.
#[derive(Debug, Clone)]
pub struct ServiceRecord {
    pub cluster: String,
    pub name: String,
    pub launch_type: LaunchType,
    pub desired: u32,
    pub running: u32,
    pub task_definition: TaskDef,
    pub task_ids: Vec<String>,
    pub oom_kills: u32,
    pub autoscaling: Option<AutoScaling>,
    /// Newest first, as ECS keeps them.
    pub events: Vec<(i64, String)>,
    pub deployment: Option<crate::domain::Deployment>,
    /// Deployments, service events worth reading and stopped tasks, for the incident timeline.
    pub history: Vec<crate::domain::TimelineEvent>,
    pub container_insights: bool,
    /// Container Insights with enhanced observability: per-task metrics exist.
    pub task_metrics: bool,
    /// The target groups its `loadBalancers` register tasks with (ARNs).
    pub target_groups: Vec<String>,
    pub controller: crate::domain::DeploymentController,
    /// Share of its tasks on FARGATE_SPOT.
    pub spot_share: f32,
}

impl ServiceRecord {
    pub fn key(&self) -> String {
        format!("{}/{}", self.cluster, self.name)
    }
}

/// Task definitions are immutable: one DescribeTaskDefinition per ARN per session.
#[derive(Debug, Default)]
pub struct TaskDefCache {
    by_arn: Mutex<HashMap<String, TaskDef>>,
}

impl TaskDefCache {
    fn get(&self, arn: &str) -> Option<TaskDef> {
        self.by_arn.lock().unwrap_or_else(|e| e.into_inner()).get(arn).cloned()
    }

    pub(super) fn put(&self, arn: String, td: TaskDef) {
        self.by_arn.lock().unwrap_or_else(|e| e.into_inner()).insert(arn, td);
    }
}

async fn cluster_arns(t: &Target) -> Result<Vec<String>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .ecs
            .list_clusters()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:ListClusters", e))?;
        arns.extend(page.cluster_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(arns);
        }
    }
}

/// Container Insights per cluster: on (`enabled` or `enhanced`), and whether it has per-task
/// metrics (`enhanced`).
async fn insights_clusters(t: &Target, arns: &[String]) -> Result<HashMap<String, bool>, ProviderError> {
    let mut on = HashMap::new();
    for chunk in arns.chunks(DESCRIBE_CLUSTERS_BATCH) {
        let answer = t
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:DescribeClusters", e))?;
        for c in answer.clusters() {
            let setting = c
                .settings()
                .iter()
                .find(|s| s.name().is_some_and(|n| n.as_str() == "containerInsights"))
                .and_then(|s| s.value());
            if let Some(v @ ("enabled" | "enhanced")) = setting {
                on.insert(c.cluster_name().unwrap_or_default().to_string(), v == "enhanced");
            }
        }
    }
    Ok(on)
}

async fn service_arns(t: &Target, cluster: &str) -> Result<Vec<String>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .ecs
            .list_services()
            .cluster(cluster)
            .max_results(LIST_SERVICES_PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:ListServices", e))?;
        arns.extend(page.service_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(arns);
        }
    }
}

async fn describe_services(
    t: &Target,
    cluster: &str,
    arns: Vec<String>,
) -> Result<Vec<aws_sdk_ecs::types::Service>, ProviderError> {
    let batches: Vec<Vec<String>> = arns.chunks(DESCRIBE_SERVICES_BATCH).map(<[String]>::to_vec).collect();
    let pages: Vec<Vec<aws_sdk_ecs::types::Service>> = stream::iter(batches)
        .map(|batch| async move {
            t.ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(batch))
                .send()
                .await
                .map(|a| a.services().to_vec())
                .map_err(|e| sdk_error("ecs:DescribeServices", e))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(pages.into_iter().flatten().collect())
}

/// Tasks of a cluster in one desired status, described.
async fn tasks(
    t: &Target,
    cluster: &str,
    status: DesiredStatus,
) -> Result<Vec<aws_sdk_ecs::types::Task>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .ecs
            .list_tasks()
            .cluster(cluster)
            .desired_status(status.clone())
            .max_results(LIST_TASKS_PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:ListTasks", e))?;
        arns.extend(page.task_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for chunk in arns.chunks(DESCRIBE_TASKS_BATCH) {
        let answer = t
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error("ecs:DescribeTasks", e))?;
        out.extend(answer.tasks().iter().cloned());
    }
    Ok(out)
}

async fn task_definitions(t: &Target, cache: &TaskDefCache, arns: HashSet<String>) -> Result<(), ProviderError> {
    let missing: Vec<String> = arns.into_iter().filter(|a| cache.get(a).is_none()).collect();
    stream::iter(missing)
        .map(|arn| async move {
            let answer = t
                .ecs
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .map_err(|e| sdk_error("ecs:DescribeTaskDefinition", e))?;
            if let Some(td) = answer.task_definition() {
                cache.put(arn, map::task_def(td));
            }
            Ok::<_, ProviderError>(())
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Target tracking on ECS services, keyed `cluster/service`: one paged call for the namespace,
/// plus the scalable targets for min/max.
async fn autoscaling(t: &Target) -> Result<HashMap<String, AutoScaling>, ProviderError> {
    use aws_sdk_applicationautoscaling::types::ServiceNamespace;
    let mut bounds: HashMap<String, (u32, u32)> = HashMap::new();
    let mut token = None;
    loop {
        let page = t
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("application-autoscaling:DescribeScalableTargets", e))?;
        for st in page.scalable_targets() {
            let key = st.resource_id().trim_start_matches("service/").to_string();
            bounds.insert(key, (st.min_capacity().max(0) as u32, st.max_capacity().max(0) as u32));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = HashMap::new();
    let mut token = None;
    loop {
        let page = t
            .autoscaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("application-autoscaling:DescribeScalingPolicies", e))?;
        for p in page.scaling_policies() {
            let Some(cfg) = p.target_tracking_scaling_policy_configuration() else { continue };
            let metric = cfg
                .predefined_metric_specification()
                .map(|m| m.predefined_metric_type().as_str().to_string())
                .unwrap_or_else(|| "custom metric".into());
            let key = p.resource_id().trim_start_matches("service/").to_string();
            let (min, max) = bounds.get(&key).copied().unwrap_or((0, 0));
            out.insert(key, AutoScaling { metric, target: cfg.target_value() as f32, min, max });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// One service as its cluster's calls found it: the service, its running task ids, OOM kills
/// among the stopped tasks ECS still lists, and those stopped tasks as timeline entries.
type Found = (aws_sdk_ecs::types::Service, Vec<String>, u32, Vec<crate::domain::TimelineEvent>);

/// Everything about one cluster's services, except metrics.
async fn cluster_services(t: &Target, cache: &TaskDefCache, cluster_arn: &str) -> Result<Vec<Found>, ProviderError> {
    let cluster = map::arn_name(cluster_arn).to_string();
    let arns = service_arns(t, &cluster).await?;
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    let (services, running, stopped) = tokio::try_join!(
        describe_services(t, &cluster, arns),
        tasks(t, &cluster, DesiredStatus::Running),
        tasks(t, &cluster, DesiredStatus::Stopped),
    )?;
    task_definitions(t, cache, services.iter().filter_map(|s| s.task_definition().map(str::to_string)).collect())
        .await?;
    let mut task_ids: HashMap<&str, Vec<String>> = HashMap::new();
    for task in &running {
        if let Some(service) = map::task_service(task.group()) {
            task_ids.entry(service).or_default().push(map::arn_name(task.task_arn().unwrap_or_default()).to_string());
        }
    }
    let mut ooms: HashMap<&str, u32> = HashMap::new();
    let mut stops: HashMap<&str, Vec<crate::domain::TimelineEvent>> = HashMap::new();
    for task in &stopped {
        let Some(service) = map::task_service(task.group()) else { continue };
        if map::is_oom_stop(task) {
            *ooms.entry(service).or_default() += 1;
        }
        stops.entry(service).or_default().extend(super::events::stopped_task_event(task, &cluster));
    }
    Ok(services
        .iter()
        .map(|s| {
            let name = s.service_name().unwrap_or_default();
            (
                s.clone(),
                task_ids.get(name).cloned().unwrap_or_default(),
                ooms.get(name).copied().unwrap_or(0),
                stops.remove(name).unwrap_or_default(),
            )
        })
        .collect())
}

/// The whole ECS estate of one target.
pub async fn inventory(t: &Target, cache: &TaskDefCache) -> Result<Vec<ServiceRecord>, ProviderError> {
    inventory_with(t, cache, &|_| ()).await
}

/// The estate, handing each cluster's records to `on_cluster` as soon as that cluster is done.
pub async fn inventory_with(
    t: &Target,
    cache: &TaskDefCache,
    on_cluster: &(dyn Fn(Vec<ServiceRecord>) + Send + Sync),
) -> Result<Vec<ServiceRecord>, ProviderError> {
    let clusters = cluster_arns(t).await?;
    let (insights, scaling) = tokio::try_join!(insights_clusters(t, &clusters), autoscaling(t))?;
    let mut per_cluster = stream::iter(clusters)
        .map(|arn| async move { cluster_services(t, cache, &arn).await })
        .buffer_unordered(CONCURRENCY);
    let mut out = Vec::new();
    while let Some(found) = per_cluster.next().await {
        let records = records(found?, cache, &insights, &scaling);
        on_cluster(records.clone());
        out.extend(records);
    }
    out.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    Ok(out)
}

pub(super) fn records(
    found: Vec<Found>,
    cache: &TaskDefCache,
    insights: &HashMap<String, bool>,
    scaling: &HashMap<String, AutoScaling>,
) -> Vec<ServiceRecord> {
    let mut out = Vec::new();
    for (service, task_ids, oom_kills, stops) in found {
        let cluster = service.cluster_arn().map(map::arn_name).unwrap_or_default().to_string();
        let name = service.service_name().unwrap_or_default().to_string();
        let td = service.task_definition().and_then(|a| cache.get(a)).unwrap_or_else(|| TaskDef {
            name: service.task_definition().map(map::arn_name).unwrap_or("unknown").to_string(),
            cpu: 0,
            memory: 0,
            task_level: crate::domain::TaskLevel::default(),
            arch: crate::domain::Arch::X86,
            fargate: false,
            containers: Vec::new(),
        });
        let key = format!("{cluster}/{name}");
        out.push(ServiceRecord {
            launch_type: map::launch_type(&service, Some(&td)),
            desired: service.desired_count().max(0) as u32,
            // moto (and a freshly described service) may report 0 running while tasks run.
            running: (service.running_count().max(0) as u32).max(task_ids.len() as u32),
            container_insights: insights.contains_key(&cluster),
            task_metrics: insights.get(&cluster).copied().unwrap_or(false),
            autoscaling: scaling.get(&key).cloned(),
            deployment: map::deployment(&service, chrono::Utc::now().timestamp()),
            history: super::events::service_events(&service, &cluster).into_iter().chain(stops).collect(),
            events: service
                .events()
                .iter()
                .take(20)
                .map(|e| (e.created_at().map_or(0, |t| t.secs()), e.message().unwrap_or_default().to_string()))
                .collect(),
            target_groups: service
                .load_balancers()
                .iter()
                .filter_map(|l| l.target_group_arn().map(str::to_string))
                .collect(),
            controller: map::deployment_controller(&service),
            spot_share: map::spot_share(&service, service.desired_count().max(0) as u32),
            cluster,
            name,
            task_definition: td,
            task_ids,
            oom_kills,
        });
    }
    out
}

/// The four queries per service behind the ECS pane: CPU and memory, Average and Maximum.
/// AWS/ECS's Maximum is the busiest task's sample in each period.
pub fn service_queries(r: &ServiceRecord) -> [MetricQuery; 4] {
    let q = |metric, stat| {
        MetricQuery::new("AWS/ECS", metric, stat).dim("ClusterName", &r.cluster).dim("ServiceName", &r.name)
    };
    [
        q("CPUUtilization", "Average"),
        q("CPUUtilization", "Maximum"),
        q("MemoryUtilization", "Average"),
        q("MemoryUtilization", "Maximum"),
    ]
}

/// Per-task CPU (units) and memory (MiB) peaks of every running task, from Container Insights
/// with enhanced observability; none for other clusters. (GetMetricData takes them 500 queries
/// a call, so a service of many tasks only adds calls.)
pub fn task_queries(r: &ServiceRecord) -> Vec<MetricQuery> {
    if !r.task_metrics {
        return Vec::new();
    }
    let family = r.task_definition.name.split(':').next().unwrap_or_default().to_string();
    r.task_ids
        .iter()
        .flat_map(|id| {
            let q = |metric| {
                MetricQuery::new("ECS/ContainerInsights", metric, "Maximum")
                    .dim("ClusterName", &r.cluster)
                    .dim("TaskDefinitionFamily", &family)
                    .dim("TaskId", id)
            };
            [q("CpuUtilized"), q("MemoryUtilized")]
        })
        .collect()
}

/// The busiest task by p99 CPU, from per-task (cpu units, MiB) series: (task id, cpu, memory).
pub fn hottest_task<'a>(r: &'a ServiceRecord, series: &'a [Vec<f32>]) -> Option<(&'a str, &'a [f32], &'a [f32])> {
    r.task_ids
        .iter()
        .zip(series.chunks(2))
        .filter(|(_, s)| s.len() == 2 && s[0].iter().any(|v| v.is_finite()))
        .map(|(id, s)| (id.as_str(), s[0].as_slice(), s[1].as_slice()))
        .max_by(|a, b| Stats::from_series(a.1, a.1).p99.total_cmp(&Stats::from_series(b.1, b.1).p99))
}

/// Per-service metrics for the pane's window.
pub async fn with_metrics(
    t: &Target,
    records: &[ServiceRecord],
    lbs: &HashMap<String, TargetGroupInfo>,
    window: Window,
    now: i64,
) -> Result<Vec<EcsService>, ProviderError> {
    // Per service: its four, its tasks' (if any), its load balancer's (if any), in that order.
    let per_service: Vec<(Vec<MetricQuery>, usize, Option<&TargetGroupInfo>)> = records
        .iter()
        .map(|r| {
            let tasks = task_queries(r);
            let n_tasks = tasks.len();
            let lb = alb_of(r, lbs);
            let lb_queries = lb.map(super::lb_metrics::health_queries).unwrap_or_default();
            (service_queries(r).into_iter().chain(tasks).chain(lb_queries).collect(), n_tasks, lb)
        })
        .collect();
    let queries: Vec<MetricQuery> = per_service.iter().flat_map(|(q, ..)| q.iter().cloned()).collect();
    let span = Span::for_window(window, now);
    let series = metrics::fetch(t, crate::provider::meter::MetricSource::EcsPane, &queries, span).await?;
    let mut at = 0;
    Ok(records
        .iter()
        .zip(&per_service)
        .map(|(r, (q, n_tasks, lb))| {
            let s = &series[at..at + q.len()];
            at += q.len();
            let mut row = service(r, &s[0], &s[1], &s[2], &s[3]);
            row.read_cost = q.len() as u32;
            row.health = match lb {
                Some(info) => LbHealth::Read(super::lb_metrics::health(info, &s[4 + n_tasks..], &span, SPARK_POINTS)),
                None => health_unread(r),
            };
            if let Some((id, cpu, mem)) = hottest_task(r, &s[4..4 + n_tasks]) {
                let pct = |v: &[f32], of: u32| v.iter().map(|x| x / of.max(1) as f32 * 100.0).collect::<Vec<f32>>();
                let (cpu, mem) = (pct(cpu, r.task_definition.cpu), pct(mem, r.task_definition.memory));
                let named = HotTask {
                    task_id: id.to_string(),
                    cpu: Stats::from_series(&cpu, &cpu),
                    memory: Stats::from_series(&mem, &mem),
                };
                row.hottest = Some(hotter(row.hottest.take(), named));
            }
            row
        })
        .collect())
}

/// A service as its new inventory record describes it (size, tasks, deployment, autoscaling),
/// with the metrics of its last read: a refresh that did not re-read it.
pub fn carried(r: &ServiceRecord, last: &EcsService) -> EcsService {
    let mut row = service(r, &[], &[], &[], &[]);
    row.cpu = last.cpu;
    row.memory = last.memory;
    row.hottest = last.hottest.clone();
    row.cpu_spark = last.cpu_spark.clone();
    row.memory_spark = last.memory_spark.clone();
    row.health = last.health.clone();
    row.read_cost = last.read_cost;
    row
}

/// The busiest task: AWS/ECS's Maximum already is the busiest task's value in each period (a
/// task the per-task metrics missed, one stopped since, counts there); the per-task metrics name
/// it. Busiest is by CPU, as the per-task one is chosen: the named task is kept unless the
/// service's Maximum says a task ran hotter (by more than a point of rounding).
pub fn hotter(service_max: Option<HotTask>, named: HotTask) -> HotTask {
    match service_max {
        Some(max) if max.cpu.p99 > named.cpu.p99 + 1.0 => HotTask { task_id: String::new(), ..max },
        _ => named,
    }
}

/// The service's first target group behind an Application Load Balancer.
pub fn alb_of<'a>(r: &ServiceRecord, lbs: &'a HashMap<String, TargetGroupInfo>) -> Option<&'a TargetGroupInfo> {
    r.target_groups.iter().filter_map(|arn| lbs.get(arn)).find(|i| i.load_balancer.is_some())
}

/// Without an ALB's metrics: no load balancer at all, or one whose health was not read (elbv2
/// not answering, a network load balancer, a target group no listener forwards to).
fn health_unread(r: &ServiceRecord) -> LbHealth {
    if r.target_groups.is_empty() { LbHealth::NoLoadBalancer } else { LbHealth::NotRead }
}

/// A service row from its record and its four series (percent of reservation).
pub fn service(r: &ServiceRecord, cpu_avg: &[f32], cpu_max: &[f32], mem_avg: &[f32], mem_max: &[f32]) -> EcsService {
    let td = &r.task_definition;
    let mut s = EcsService::sized(&r.cluster, &r.name, r.launch_type, td.arch, (td.cpu, td.memory), r.running);
    s.desired = r.desired;
    s.task_definition = td.name.clone();
    s.task_level = td.task_level;
    s.containers = td.containers.clone();
    s.controller = r.controller;
    s.spot_share = r.spot_share;
    s.cpu = Stats::from_series(cpu_avg, cpu_max);
    s.memory = Stats::from_series(mem_avg, mem_max);
    let has_max = cpu_max.iter().any(|v| v.is_finite());
    s.hottest = has_max.then(|| HotTask {
        task_id: if r.task_ids.len() == 1 { r.task_ids[0].clone() } else { String::new() },
        cpu: Stats::from_series(cpu_max, cpu_max),
        memory: Stats::from_series(mem_max, mem_max),
    });
    let spark = |v: &[f32]| {
        downsample_max(&v.iter().map(|x| if x.is_finite() { *x } else { 0.0 }).collect::<Vec<_>>(), SPARK_POINTS)
    };
    s.cpu_spark = spark(cpu_avg);
    s.memory_spark = spark(mem_avg);
    s.oom_kills = r.oom_kills;
    s.autoscaling = r.autoscaling.clone();
    s.deployment = r.deployment.clone();
    s
}

pub fn usage_history(r: &ServiceRecord, cpu_max_pct: &[f32], mem_max_pct: &[f32], span: Span) -> UsageHistory {
    let vcpu = r.task_definition.cpu as f32 / 1024.0;
    let mib = r.task_definition.memory as f32;
    UsageHistory {
        step_seconds: span.period,
        cpu_vcpu: cpu_max_pct.iter().map(|p| p / 100.0 * vcpu).collect(),
        memory_mib: mem_max_pct.iter().map(|p| p / 100.0 * mib).collect(),
        oom_kills: r.oom_kills,
        container_memory: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Arch;

    fn record() -> ServiceRecord {
        ServiceRecord {
            cluster: "prod".into(),
            name: "web".into(),
            launch_type: LaunchType::Fargate,
            desired: 0,
            running: 0,
            task_definition: TaskDef {
                name: "web:3".into(),
                cpu: 1024,
                memory: 2048,
                task_level: crate::domain::TaskLevel::default(),
                arch: Arch::X86,
                fargate: true,
                containers: Vec::new(),
            },
            task_ids: Vec::new(),
            oom_kills: 0,
            autoscaling: None,
            deployment: None,
            events: Vec::new(),
            history: Vec::new(),
            target_groups: Vec::new(),
            container_insights: false,
            task_metrics: false,
            controller: crate::domain::DeploymentController::Ecs,
            spot_share: 0.0,
        }
    }

    #[test]
    fn a_service_with_no_tasks_and_no_metrics_is_a_sane_row() {
        let s = service(&record(), &[], &[], &[f32::NAN], &[]);
        assert_eq!((s.running, s.desired), (0, 0));
        assert_eq!(s.cpu, Stats::default());
        assert!(s.hottest.is_none());
        assert_eq!(s.task_definition, "web:3");
    }

    #[test]
    fn usage_history_converts_percent_of_reservation_to_absolute_units() {
        let span = Span { start: 0, end: 7_200, period: 3_600 };
        let h = usage_history(&record(), &[50.0, f32::NAN], &[25.0, 100.0], span);
        assert_eq!(h.step_seconds, 3_600);
        assert_eq!(h.cpu_vcpu[0], 0.5);
        assert!(h.cpu_vcpu[1].is_nan());
        assert_eq!(h.memory_mib, vec![512.0, 2048.0]);
        assert_eq!(h.hours_of_data(), 1.0);
    }

    #[test]
    fn per_task_queries_only_with_enhanced_insights_and_the_hottest_task_wins_by_p99_cpu() {
        let mut r = record();
        r.task_ids = vec!["calm".into(), "hot".into()];
        assert!(task_queries(&r).is_empty());
        r.task_metrics = true;
        let q = task_queries(&r);
        assert_eq!(q.len(), 4);
        assert_eq!(q[2].dimensions[1], ("TaskDefinitionFamily", "web".to_string()));
        assert_eq!(q[2].dimensions[2], ("TaskId", "hot".to_string()));
        let series = vec![vec![100.0, 120.0], vec![500.0, 510.0], vec![900.0, 950.0], vec![700.0, 800.0]];
        let (id, cpu, mem) = hottest_task(&r, &series).unwrap();
        assert_eq!((id, cpu[1], mem[1]), ("hot", 950.0, 800.0));
        assert!(hottest_task(&r, &[vec![f32::NAN], vec![f32::NAN]]).is_none());
    }

    #[test]
    fn every_task_is_read_and_the_hotter_of_the_two_sources_wins() {
        let mut r = record();
        r.task_metrics = true;
        r.task_ids = (0..45).map(|i| format!("task-{i}")).collect();
        let q = task_queries(&r);
        assert_eq!(q.len(), 90, "two per task, every task");
        assert_eq!(q[89].dimensions[2], ("TaskId", "task-44".to_string()));
        let stats = |v: f32| Stats::from_series(&[v], &[v]);
        let named = HotTask { task_id: "task-44".into(), cpu: stats(80.0), memory: stats(50.0) };
        let service_max = HotTask { task_id: String::new(), cpu: stats(80.0), memory: stats(50.0) };
        assert_eq!(hotter(Some(service_max.clone()), named.clone()).task_id, "task-44", "named when as hot");
        let hotter_unnamed = HotTask { cpu: stats(97.0), ..service_max };
        let got = hotter(Some(hotter_unnamed), named.clone());
        assert_eq!((got.task_id.as_str(), got.cpu.p99), ("", 97.0), "AWS/ECS saw a hotter task");
        assert_eq!(hotter(None, named).task_id, "task-44");
    }

    #[test]
    fn four_queries_per_service_name_its_cluster_and_service() {
        let q = service_queries(&record());
        assert_eq!(
            q.iter().map(|q| (q.metric, q.stat.as_ref())).collect::<Vec<_>>(),
            vec![
                ("CPUUtilization", "Average"),
                ("CPUUtilization", "Maximum"),
                ("MemoryUtilization", "Average"),
                ("MemoryUtilization", "Maximum")
            ]
        );
        assert!(q.iter().all(|q| q.dimensions == vec![("ClusterName", "prod".into()), ("ServiceName", "web".into())]));
    }
}
