//! From a service's inventory record and its metrics to the ECS pane's row: the queries per
//! service (and per task with Container Insights), the busiest task, the load balancer's health,
//! the sizing history; a row carried as it was when a scope does not re-read it.

use super::Target;
use super::ecs::ServiceRecord;
use super::lb::TargetGroupInfo;
use super::metrics::{self, MetricQuery, Span};
use crate::common::format::downsample_max;
use crate::domain::{EcsService, HotTask, LbHealth, Stats, UsageHistory, Window};
use crate::provider::ProviderError;
use std::collections::HashMap;

const SPARK_POINTS: usize = 48;

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

/// What is asked for one service: its own four, its tasks' (if any), its load balancer's (if
/// any). The answers are split back the same way, and each is then found by what it measures.
struct Asked<'a> {
    own: [MetricQuery; 4],
    tasks: Vec<MetricQuery>,
    lb: Option<&'a TargetGroupInfo>,
    lb_queries: Vec<MetricQuery>,
}

impl<'a> Asked<'a> {
    fn of(r: &ServiceRecord, lbs: &'a HashMap<String, TargetGroupInfo>) -> Asked<'a> {
        let lb = alb_of(r, lbs);
        let lb_queries = lb.map(super::lb_metrics::health_queries).unwrap_or_default();
        Asked { own: service_queries(r), tasks: task_queries(r), lb, lb_queries }
    }

    fn len(&self) -> usize {
        self.own.len() + self.tasks.len() + self.lb_queries.len()
    }

    fn queries(&self) -> impl Iterator<Item = &MetricQuery> {
        self.own.iter().chain(&self.tasks).chain(&self.lb_queries)
    }
}

/// Per-service metrics for the pane's window.
pub async fn with_metrics(
    t: &Target,
    records: &[ServiceRecord],
    lbs: &HashMap<String, TargetGroupInfo>,
    window: Window,
    now: i64,
) -> Result<Vec<EcsService>, ProviderError> {
    let asked: Vec<Asked> = records.iter().map(|r| Asked::of(r, lbs)).collect();
    let queries: Vec<MetricQuery> = asked.iter().flat_map(Asked::queries).cloned().collect();
    let span = Span::for_window(window, now);
    let series = metrics::fetch(t, crate::provider::meter::MetricSource::EcsPane, &queries, span).await?;
    let mut at = 0;
    Ok(records
        .iter()
        .zip(&asked)
        .map(|(r, asked)| {
            let s = &series[at..at + asked.len()];
            at += asked.len();
            let (own, rest) = s.split_at(asked.own.len());
            let (tasks, lb) = rest.split_at(asked.tasks.len());
            let get = |metric, stat| metrics::series_for(&asked.own, own, metric, stat);
            let mut row = service(
                r,
                get("CPUUtilization", "Average"),
                get("CPUUtilization", "Maximum"),
                get("MemoryUtilization", "Average"),
                get("MemoryUtilization", "Maximum"),
            );
            row.read_cost = asked.len() as u32;
            row.health = match asked.lb {
                Some(info) => LbHealth::Read(super::lb_metrics::health(info, lb, &span, SPARK_POINTS)),
                None => health_unread(r),
            };
            if let Some((id, cpu, mem)) = hottest_task(r, tasks) {
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
    s.identity.aws_arn = r.arn.clone();
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
        containers: Vec::new(),
    }
}
