//! Detail views of simulated resources: facts and full-resolution charts for one resource.

use super::fleet::Fleet;
use super::model::period_ends;
use super::{alarms, cost, task_id};
use crate::domain::{ChartKind, ChartSeries, DetailChart, ResourceDetail, ResourceRef, Window};
use crate::provider::ProviderError;

fn series(name: &str, now: i64, points: impl Iterator<Item = (i64, f32)>) -> ChartSeries {
    ChartSeries {
        name: name.into(),
        points: points.filter(|(_, v)| v.is_finite()).map(|(t, v)| ((t - now) as f64, v as f64)).collect(),
        reference: false,
    }
}

/// A flat reference line (reservation, threshold) across the window.
fn line(name: &str, window: Window, value: f64) -> ChartSeries {
    ChartSeries { name: name.into(), points: vec![(-(window.seconds() as f64), value), (0.0, value)], reference: true }
}

fn chart(title: &str, unit: &str, series: Vec<ChartSeries>) -> DetailChart {
    DetailChart { title: title.into(), unit: unit.into(), series, kind: ChartKind::Other }
}

fn of_kind(kind: ChartKind, c: DetailChart) -> DetailChart {
    DetailChart { kind, ..c }
}

fn fact(label: &str, value: impl ToString) -> (String, String) {
    (label.to_string(), value.to_string())
}

pub fn detail(
    fleet: &Fleet,
    resource: &ResourceRef,
    now: i64,
    window: Window,
) -> Result<ResourceDetail, ProviderError> {
    match resource {
        ResourceRef::EcsService { cluster, service } => ecs_detail(fleet, resource, cluster, service, now, window),
        ResourceRef::CacheGroup(id) => cache_detail(fleet, resource, id, now, window),
        ResourceRef::Alarm(name) => alarm_detail(fleet, resource, name, now, window),
        ResourceRef::CostService(name) => cost_detail(fleet, resource, name, now),
    }
}

fn ecs_detail(
    fleet: &Fleet,
    resource: &ResourceRef,
    cluster: &str,
    service: &str,
    now: i64,
    window: Window,
) -> Result<ResourceDetail, ProviderError> {
    let step = window.step();
    let s = fleet
        .services
        .iter()
        .find(|s| s.cluster == cluster && s.name == service)
        .ok_or_else(|| ProviderError::NotFound(resource.to_string()))?;
    let pts: Vec<(i64, super::model::ServicePoint)> =
        period_ends(now, window).map(|t| (t, s.period(t, step))).collect();
    let pick = |f: fn(&super::model::ServicePoint) -> f32| pts.iter().map(move |(t, p)| (*t, f(p)));
    let mut facts = vec![
        fact("cluster", cluster),
        fact("launch type", format!("{} ({})", s.launch_type.label(), s.arch.label())),
        fact("task definition", format!("{}:{}", s.name, s.revision)),
        fact("task size", format!("{} vCPU / {} MiB", s.task_cpu as f32 / 1024.0, s.task_memory)),
        fact("tasks", format!("{} running / {} desired", s.running_at(now), s.desired)),
        fact("hottest task", task_id(s.key, 0)),
        fact("OOM kills", format!("{} in the last {}", s.oom_kills(now - window.seconds(), now), window)),
    ];
    for c in &s.containers {
        facts.push(fact(
            &format!("container {}", c.name),
            format!(
                "cpu {} · memory {} MiB hard / {} MiB soft",
                c.cpu,
                c.memory_hard.map_or("-".into(), |m| m.to_string()),
                c.memory_soft.map_or("-".into(), |m| m.to_string())
            ),
        ));
    }
    let mut cpu = vec![
        series("average", now, pick(|p| p.cpu_avg)),
        series("maximum", now, pick(|p| p.cpu_max)),
        series("hottest task", now, pick(|p| p.hot_cpu)),
        line("reservation", window, 100.0),
    ];
    if let Some(a) = &s.autoscaling {
        facts.push(fact(
            "autoscaling",
            format!("target tracking {} = {}% ({}–{} tasks)", a.metric, a.target, a.min, a.max),
        ));
        cpu.push(line("scaling target", window, a.target as f64));
    }
    let mut health_charts = Vec::new();
    if let Some(lb) = &s.lb {
        let lb_pts: Vec<(i64, super::health::LbPoint)> =
            pts.iter().map(|(t, p)| (*t, super::health::point(s, lb, p, *t))).collect();
        let pick = |f: fn(&super::health::LbPoint) -> f32| lb_pts.iter().map(move |(t, p)| (*t, f(p)));
        facts.push(fact("load balancer", format!("{} → target group {}", lb.load_balancer, lb.target_group)));
        health_charts.push(of_kind(
            ChartKind::Latency,
            chart(
                "Response time (load balancer), ms",
                "ms",
                vec![series("p99", now, pick(|p| p.p99_ms)), series("p50", now, pick(|p| p.p50_ms))],
            ),
        ));
        health_charts.push(of_kind(
            ChartKind::Errors,
            chart(
                "5xx, % of requests",
                "%",
                vec![
                    series("targets", now, pick(|p| p.target_5xx_pct)),
                    series("load balancer", now, pick(|p| p.lb_5xx_pct)),
                ],
            ),
        ));
    } else {
        facts.push(fact("load balancer", "none: no request latency or errors to show"));
    }
    Ok(ResourceDetail {
        title: format!("ECS service {cluster}/{service}"),
        facts,
        notes: Vec::new(),
        charts: vec![
            of_kind(ChartKind::TaskCpu, chart("CPU, % of task reservation", "%", cpu)),
            of_kind(
                ChartKind::TaskMemory,
                chart(
                    "Memory, % of task reservation",
                    "%",
                    vec![
                        series("average", now, pick(|p| p.mem_avg)),
                        series("maximum", now, pick(|p| p.mem_max)),
                        line("hard limit", window, 100.0),
                    ],
                ),
            ),
        ]
        .into_iter()
        .chain(health_charts)
        .collect(),
    })
}

fn cache_detail(
    fleet: &Fleet,
    resource: &ResourceRef,
    id: &str,
    now: i64,
    window: Window,
) -> Result<ResourceDetail, ProviderError> {
    let step = window.step();
    let c = fleet.caches.iter().find(|c| c.id == id).ok_or_else(|| ProviderError::NotFound(resource.to_string()))?;
    let pts: Vec<(i64, super::model::CachePoint)> = period_ends(now, window).map(|t| (t, c.period(t, step))).collect();
    let pick = |f: fn(&super::model::CachePoint) -> f32| pts.iter().map(move |(t, p)| (*t, f(p)));
    Ok(ResourceDetail {
        title: format!("ElastiCache replication group {id}"),
        facts: vec![
            fact("engine", format!("{} {}", c.engine.label(), c.engine_version)),
            fact("node type", &c.node_type),
            fact(
                "topology",
                format!(
                    "{} shard(s) × (1 primary + {} replica(s)) = {} nodes",
                    c.shards,
                    c.replicas_per_shard,
                    c.nodes()
                ),
            ),
        ],
        notes: Vec::new(),
        charts: vec![
            chart(
                "Memory and engine CPU",
                "%",
                vec![
                    series("memory", now, pick(|p| p.memory)),
                    series("engine CPU", now, pick(|p| p.engine_cpu)),
                    line("full", window, 100.0),
                ],
            ),
            chart(
                "Connections and evictions per period",
                "count",
                vec![
                    series("connections", now, pick(|p| p.connections)),
                    series("evictions", now, pick(|p| p.evictions)),
                ],
            ),
        ],
    })
}

fn alarm_detail(
    fleet: &Fleet,
    resource: &ResourceRef,
    name: &str,
    now: i64,
    window: Window,
) -> Result<ResourceDetail, ProviderError> {
    let spec =
        fleet.alarms.iter().find(|a| a.name == name).ok_or_else(|| ProviderError::NotFound(resource.to_string()))?;
    let a = alarms::evaluate(fleet, spec, now);
    let mut facts = vec![
        fact("state", format!("{} since {}", a.state.label(), a.since.format("%Y-%m-%d %H:%M UTC"))),
        fact("metric", format!("{} {} on {}", a.namespace, a.metric, spec.target)),
        fact(
            "condition",
            format!("{} {} {} for {} minute(s)", a.metric, a.comparison.symbol(), a.threshold, spec.periods),
        ),
        fact("reason", &a.reason),
    ];
    for h in a.history.iter().take(8) {
        facts.push(fact(&h.time.format("%m-%d %H:%M").to_string(), format!("{} → {}", h.from.label(), h.to.label())));
    }
    Ok(ResourceDetail {
        title: format!("CloudWatch alarm {name}"),
        facts,
        notes: Vec::new(),
        charts: vec![chart(
            &format!("{} on {}", a.metric, spec.target),
            "",
            vec![
                series(
                    a.metric.as_str(),
                    now,
                    period_ends(now, window).map(|t| (t, alarms::metric_value(fleet, spec, t))),
                ),
                line("threshold", window, a.threshold),
            ],
        )],
    })
}

fn cost_detail(fleet: &Fleet, resource: &ResourceRef, name: &str, now: i64) -> Result<ResourceDetail, ProviderError> {
    let report = cost::report(fleet, alarms::at(now));
    let s = report
        .services
        .iter()
        .find(|s| s.service == name)
        .ok_or_else(|| ProviderError::NotFound(resource.to_string()))?;
    let days = s.daily.len() as i64;
    let mut facts = vec![
        fact("month to date", format!("${:.2}", s.month_to_date)),
        fact("last month", format!("${:.2}", s.last_month)),
        fact("forecast", format!("${:.2}", s.forecast)),
    ];
    for a in report.anomalies.iter().filter(|a| a.service == name) {
        facts.push(fact("anomaly", format!("{}: ${:.2} against ~${:.2} expected", a.date, a.actual, a.expected)));
    }
    Ok(ResourceDetail {
        title: format!("Cost of {name}"),
        facts,
        notes: Vec::new(),
        charts: vec![chart(
            "Daily cost, last 90 days",
            "USD",
            vec![ChartSeries {
                name: "daily".into(),
                points: s
                    .daily
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (((i as i64 - days + 1) * 86_400) as f64, *v))
                    .collect(),
                reference: false,
            }],
        )],
    })
}
