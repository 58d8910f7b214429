//! The one builder of detail views: typed facts and series from any provider become the same
//! titles, labels, units and lines (the demo fleet and AWS used to word them apart).

use crate::domain::detail::{AlarmFacts, CacheFacts, CostFacts, EcsFacts, LbLink, OomKills};
use crate::domain::{ChartKind, ChartSeries, DetailChart, DetailData, Facts, Measure, ResourceDetail, Window};

/// The detail view of `data`.
pub fn view(data: &DetailData) -> ResourceDetail {
    let lines = Lines { data, window: data.window };
    match &data.facts {
        Facts::Ecs(f) => ecs(f, &lines),
        Facts::Cache(f) => cache(f, &lines),
        Facts::Alarm(f) => alarm(f, &lines),
        Facts::Cost(f) => cost(f, &lines),
    }
}

/// Picks the provider's series by what they measure and names them for the chart.
struct Lines<'a> {
    data: &'a DetailData,
    window: Window,
}

impl Lines<'_> {
    /// The line of `measure` named `name`, when the provider read it.
    fn of(&self, measure: Measure, name: &str) -> Option<ChartSeries> {
        let s = self.data.series(measure)?;
        Some(ChartSeries { name: name.into(), points: s.points.clone(), reference: false })
    }

    /// A flat reference line (a reservation, a threshold) across the window.
    fn flat(&self, name: &str, value: f64) -> ChartSeries {
        let from = -(self.window.seconds() as f64);
        ChartSeries { name: name.into(), points: vec![(from, value), (0.0, value)], reference: true }
    }

    fn has(&self, measure: Measure) -> bool {
        self.data.series(measure).is_some()
    }
}

fn fact(label: &str, value: impl ToString) -> (String, String) {
    (label.to_string(), value.to_string())
}

fn chart(
    title: &str,
    unit: &str,
    kind: ChartKind,
    series: impl IntoIterator<Item = Option<ChartSeries>>,
) -> DetailChart {
    DetailChart { title: title.into(), unit: unit.into(), series: series.into_iter().flatten().collect(), kind }
}

fn ecs(f: &EcsFacts, l: &Lines) -> ResourceDetail {
    let mut facts = vec![
        fact("cluster", &f.cluster),
        fact("launch type", format!("{} ({})", f.launch_type.label(), f.arch.label())),
        fact("task definition", &f.task_definition),
        fact("task size", format!("{} vCPU / {} MiB", f.task_cpu as f32 / 1024.0, f.task_memory)),
        fact("tasks", format!("{} running / {} desired", f.running, f.desired)),
    ];
    if let Some(task) = &f.hottest_task {
        facts.push(fact("hottest task", task));
    }
    facts.push(fact(
        "OOM kills",
        match f.oom_kills {
            OomKills::InWindow(n) => format!("{n} in the last {}", l.window),
            OomKills::AmongListedStopped(n) => format!("{n} among stopped tasks ECS still lists"),
        },
    ));
    if let Some(on) = f.container_insights {
        facts.push(fact("Container Insights", if on { "on" } else { "off: per-task metrics unavailable" }));
    }
    for c in &f.containers {
        let limit = |m: Option<u32>| m.map_or("-".into(), |m| m.to_string());
        facts.push(fact(
            &format!("container {}", c.name),
            format!("cpu {} · memory {} MiB hard / {} MiB soft", c.cpu, limit(c.memory_hard), limit(c.memory_soft)),
        ));
    }
    if let Some(a) = &f.autoscaling {
        facts.push(fact(
            "autoscaling",
            format!("target tracking {} = {}% ({}–{} tasks)", a.metric, a.target, a.min, a.max),
        ));
    }
    facts.push(fact(
        "load balancer",
        match &f.load_balancer {
            LbLink::Behind { load_balancer, target_group } => format!("{load_balancer} → target group {target_group}"),
            LbLink::None => "none: no request latency or errors to show".into(),
            LbLink::NotRead => "not read (no Application Load Balancer found, or elbv2 not allowed)".into(),
        },
    ));
    let scaling = f.autoscaling.as_ref().map(|a| l.flat("scaling target", a.target as f64));
    let mut charts = vec![
        chart(
            "CPU, % of task reservation",
            "%",
            ChartKind::TaskCpu,
            [
                l.of(Measure::CpuAverage, "average"),
                l.of(Measure::CpuMaximum, "maximum"),
                l.of(Measure::CpuHottestTask, "hottest task"),
                Some(l.flat("reservation", 100.0)),
                scaling,
            ],
        ),
        chart(
            "Memory, % of task reservation",
            "%",
            ChartKind::TaskMemory,
            [
                l.of(Measure::MemoryAverage, "average"),
                l.of(Measure::MemoryMaximum, "maximum"),
                Some(l.flat("hard limit", 100.0)),
            ],
        ),
    ];
    if matches!(f.load_balancer, LbLink::Behind { .. }) {
        charts.push(chart(
            "Response time (load balancer), ms",
            "ms",
            ChartKind::Latency,
            [l.of(Measure::LatencyP99, "p99"), l.of(Measure::LatencyP50, "p50")],
        ));
        charts.push(chart(
            "5xx, % of requests",
            "%",
            ChartKind::Errors,
            [l.of(Measure::Targets5xx, "targets"), l.of(Measure::LoadBalancer5xx, "load balancer")],
        ));
    }
    ResourceDetail {
        title: format!("ECS service {}/{}", f.cluster, f.service),
        facts,
        notes: f.events.iter().take(3).map(|m| format!("event: {m}")).collect(),
        charts,
    }
}

fn cache(f: &CacheFacts, l: &Lines) -> ResourceDetail {
    let nodes = f.shards * (1 + f.replicas_per_shard);
    let mut facts = vec![
        fact("engine", format!("{} {}", f.engine.label(), f.engine_version)),
        fact("node type", &f.node_type),
        fact(
            "topology",
            format!("{} shard(s) × (1 primary + {} replica(s)) = {nodes} nodes", f.shards, f.replicas_per_shard),
        ),
    ];
    if let Some(p) = f.reserved_memory_percent {
        facts.push(fact("reserved memory", format!("{p}% (reserved-memory-percent)")));
    }
    if !f.members.is_empty() {
        facts.push(fact("member clusters", f.members.join(", ")));
    }
    let mut charts = Vec::new();
    if l.has(Measure::CacheMemory) || l.has(Measure::CacheEngineCpu) {
        charts.push(chart(
            "Memory and engine CPU",
            "%",
            ChartKind::Other,
            [
                l.of(Measure::CacheMemory, "memory"),
                l.of(Measure::CacheEngineCpu, "engine CPU"),
                Some(l.flat("full", 100.0)),
            ],
        ));
    }
    if l.has(Measure::CacheConnections) || l.has(Measure::CacheEvictions) {
        charts.push(chart(
            "Connections and evictions per period",
            "count",
            ChartKind::Other,
            [l.of(Measure::CacheConnections, "connections"), l.of(Measure::CacheEvictions, "evictions")],
        ));
    }
    ResourceDetail { title: format!("ElastiCache replication group {}", f.id), facts, notes: Vec::new(), charts }
}

fn alarm(f: &AlarmFacts, l: &Lines) -> ResourceDetail {
    let a = &f.alarm;
    let on = f.on.as_ref().map_or(String::new(), |on| format!(" on {on}"));
    let condition = format!("{} {} {}", a.metric, a.comparison.symbol(), a.threshold);
    let mut facts = vec![
        fact("state", format!("{} since {}", a.state.label(), a.since.format("%Y-%m-%d %H:%M UTC"))),
        fact("metric", format!("{} {}{on}", a.namespace, a.metric)),
        fact(
            "condition",
            match &a.evaluation {
                Some(e) if e.period == 60 => format!("{condition} for {} minute(s)", e.periods),
                Some(e) => format!("{condition} for {} period(s) of {} s", e.periods, e.period),
                None => condition,
            },
        ),
        fact("reason", &a.reason),
    ];
    for h in a.history.iter().take(8) {
        facts.push(fact(&h.time.format("%m-%d %H:%M").to_string(), format!("{} → {}", h.from.label(), h.to.label())));
    }
    let charts = match l.of(Measure::AlarmMetric, &a.metric) {
        Some(metric) => vec![chart(
            &format!("{}{on}", a.metric),
            "",
            ChartKind::Other,
            [Some(metric), Some(l.flat("threshold", a.threshold))],
        )],
        None => Vec::new(),
    };
    ResourceDetail { title: format!("CloudWatch alarm {}", a.name), facts, notes: Vec::new(), charts }
}

fn cost(f: &CostFacts, l: &Lines) -> ResourceDetail {
    let c = &f.cost;
    let mut facts = vec![
        fact("month to date", format!("${:.2}", c.month_to_date)),
        fact("last month", format!("${:.2}", c.last_month)),
        fact("forecast", format!("${:.2}", c.forecast)),
    ];
    for a in &f.anomalies {
        facts.push(fact("anomaly", format!("{}: ${:.2} against ~${:.2} expected", a.date, a.actual, a.expected)));
    }
    let days = l.data.series(Measure::DailyCost).map_or(0, |s| s.points.len());
    ResourceDetail {
        title: format!("Cost of {}", c.service),
        facts,
        notes: Vec::new(),
        charts: vec![chart(
            &format!("Daily cost, last {days} days"),
            "USD",
            ChartKind::Other,
            [l.of(Measure::DailyCost, "daily")],
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Series;
    use crate::domain::detail::{EcsFacts, LbLink, OomKills};
    use crate::domain::{Arch, LaunchType, ResourceRef};

    fn ecs_data(series: Vec<Series>, load_balancer: LbLink) -> DetailData {
        let facts = EcsFacts {
            cluster: "prod".into(),
            service: "web".into(),
            launch_type: LaunchType::Fargate,
            arch: Arch::Arm,
            task_definition: "web:7".into(),
            task_cpu: 512,
            task_memory: 1024,
            running: 2,
            desired: 2,
            hottest_task: None,
            oom_kills: OomKills::AmongListedStopped(1),
            container_insights: Some(false),
            containers: Vec::new(),
            autoscaling: None,
            load_balancer,
            events: vec!["a".into(), "b".into(), "c".into(), "d".into()],
        };
        DetailData {
            resource: ResourceRef::EcsService { cluster: "prod".into(), service: "web".into() },
            window: Window::Hour,
            facts: Facts::Ecs(Box::new(facts)),
            series,
        }
    }

    fn line(measure: Measure, v: f64) -> Series {
        Series { measure, points: vec![(-60.0, v), (0.0, v)] }
    }

    #[test]
    fn series_land_on_their_chart_by_what_they_measure_not_their_order() {
        let shuffled = vec![
            line(Measure::Targets5xx, 1.0),
            line(Measure::MemoryMaximum, 80.0),
            line(Measure::LatencyP50, 20.0),
            line(Measure::CpuAverage, 30.0),
            line(Measure::LatencyP99, 200.0),
            line(Measure::CpuMaximum, 60.0),
            line(Measure::MemoryAverage, 50.0),
        ];
        let lb = LbLink::Behind { load_balancer: "alb".into(), target_group: "tg".into() };
        let v = view(&ecs_data(shuffled, lb));
        let names = |c: usize| v.charts[c].series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>();
        assert_eq!(names(0), ["average", "maximum", "reservation"]);
        assert_eq!(v.charts[0].series[0].points[0].1, 30.0);
        assert_eq!(names(1), ["average", "maximum", "hard limit"]);
        assert_eq!(v.charts[2].series[0].points[0].1, 200.0, "p99 first");
        assert_eq!(names(3), ["targets"], "the load balancer's own 5xx only when it was read");
        assert_eq!(v.notes.len(), 3, "the three newest events");
        assert!(v.facts.contains(&("OOM kills".into(), "1 among stopped tasks ECS still lists".into())));
        assert!(v.facts.contains(&("Container Insights".into(), "off: per-task metrics unavailable".into())));
    }

    #[test]
    fn no_load_balancer_no_health_charts_and_the_fact_says_why() {
        let v = view(&ecs_data(vec![line(Measure::CpuAverage, 1.0)], LbLink::NotRead));
        assert_eq!(v.charts.len(), 2);
        let lb = v.facts.iter().find(|(k, _)| k == "load balancer").unwrap();
        assert!(lb.1.starts_with("not read"), "{lb:?}");
    }
}
