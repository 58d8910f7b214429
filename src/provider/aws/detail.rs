//! The detail view of one resource (`enter`), from what the last refresh found plus the reads only
//! a detail view needs (the service's own metrics over the window, its events and tasks).

use super::{AwsProvider, ecs, lb_metrics, metrics};
use crate::domain::{ChartKind, ChartSeries, DetailChart, ResourceDetail, Window};
use crate::provider::ProviderError;

impl AwsProvider {
    pub(super) async fn ecs_detail(
        &self,
        cluster: &str,
        service: &str,
        window: Window,
    ) -> Result<ResourceDetail, ProviderError> {
        let found = self
            .seen()
            .services
            .iter()
            .find(|(i, r)| self.cluster_name(*i, &r.cluster) == cluster && r.name == service)
            .cloned();
        let (i, r) = match found {
            Some(f) => f,
            None => self
                .ecs_inventory()
                .await?
                .into_iter()
                .find(|(i, r)| self.cluster_name(*i, &r.cluster) == cluster && r.name == service)
                .ok_or_else(|| ProviderError::NotFound(format!("ecs:{cluster}/{service}")))?,
        };
        let now = self.now_secs();
        let span = metrics::Span::for_window(window, now);
        let lbs = self.load_balancers(i, std::slice::from_ref(&r), now).await;
        let alb = ecs::alb_of(&r, &lbs).cloned();
        let lb_queries = alb.as_ref().map(lb_metrics::health_queries).unwrap_or_default();
        let queries: Vec<metrics::MetricQuery> = ecs::service_queries(&r).into_iter().chain(lb_queries).collect();
        let answered =
            metrics::fetch(&self.targets[i], crate::provider::meter::MetricSource::DetailView, &queries, span).await?;
        let s = |metric: &str, stat: &str| metrics::series_for(&queries, &answered, metric, stat);
        let line = |name: &str, values: &[f32]| ChartSeries {
            name: name.into(),
            points: values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(k, v)| ((span.start + k as i64 * span.period - span.end) as f64, *v as f64))
                .collect(),
            reference: false,
        };
        let reservation = ChartSeries {
            name: "reservation".into(),
            points: vec![(-(window.seconds() as f64), 100.0), (0.0, 100.0)],
            reference: true,
        };
        let mut facts = service_facts(&r, cluster);
        let notes = r.events.iter().take(3).map(|(_, m)| format!("event: {m}")).collect();
        let mut health_charts = Vec::new();
        match &alb {
            Some(info) => {
                facts.push(("load balancer".into(), format!("{} → target group {}", info.lb_name(), info.name())));
                health_charts = lb_charts(info, &s, &line);
            }
            None if r.target_groups.is_empty() => {
                facts.push(("load balancer".into(), "none: no request latency or errors to show".into()));
            }
            None => facts.push((
                "load balancer".into(),
                "not read (no Application Load Balancer found, or elbv2 not allowed)".into(),
            )),
        }
        Ok(ResourceDetail {
            title: format!("ECS service {cluster}/{service}"),
            facts,
            notes,
            charts: vec![
                DetailChart {
                    title: "CPU (% of task reservation)".into(),
                    unit: "%".into(),
                    series: vec![
                        line("average", s("CPUUtilization", "Average")),
                        line("maximum", s("CPUUtilization", "Maximum")),
                        reservation.clone(),
                    ],
                    kind: ChartKind::TaskCpu,
                },
                DetailChart {
                    title: "Memory (% of task reservation)".into(),
                    unit: "%".into(),
                    series: vec![
                        line("average", s("MemoryUtilization", "Average")),
                        line("maximum", s("MemoryUtilization", "Maximum")),
                        reservation,
                    ],
                    kind: ChartKind::TaskMemory,
                },
            ]
            .into_iter()
            .chain(health_charts)
            .collect(),
        })
    }

    pub(super) fn cache_detail(&self, id: &str) -> Result<ResourceDetail, ProviderError> {
        let seen = self.seen();
        let (_, g) = seen
            .groups
            .iter()
            .find(|(_, g)| g.id == id)
            .ok_or_else(|| ProviderError::NotFound(format!("redis:{id}")))?;
        Ok(ResourceDetail {
            title: format!("ElastiCache {id}"),
            facts: vec![
                ("engine".into(), format!("{} {}", g.engine.label(), g.engine_version)),
                ("node type".into(), g.node_type.clone()),
                ("shards × nodes".into(), format!("{} × {}", g.shards, 1 + g.replicas_per_shard)),
                ("reserved memory".into(), format!("{}% (reserved-memory-percent)", g.reserved_memory_percent)),
                ("member clusters".into(), g.members.join(", ")),
            ],
            notes: Vec::new(),
            charts: Vec::new(),
        })
    }

    pub(super) fn alarm_detail(&self, name: &str) -> Result<ResourceDetail, ProviderError> {
        let seen = self.seen();
        let a = seen
            .alarms
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| ProviderError::NotFound(format!("alarm:{name}")))?;
        Ok(ResourceDetail {
            title: format!("Alarm {name}"),
            facts: vec![
                ("state".into(), format!("{} since {}", a.state.label(), a.since.format("%Y-%m-%d %H:%M UTC"))),
                ("metric".into(), format!("{} {}", a.namespace, a.metric)),
                ("condition".into(), format!("{} {}", a.comparison.symbol(), a.threshold)),
                ("watches".into(), a.resource.as_ref().map_or("—".into(), ToString::to_string)),
                ("reason".into(), a.reason.clone()),
            ],
            notes: a
                .history
                .iter()
                .take(10)
                .map(|h| format!("{} {} → {}", h.time.format("%m-%d %H:%M"), h.from.label(), h.to.label()))
                .collect(),
            charts: Vec::new(),
        })
    }

    pub(super) fn cost_detail(&self, service: &str) -> Result<ResourceDetail, ProviderError> {
        let seen = self.seen();
        let report = seen.cost.as_ref().ok_or_else(|| ProviderError::NotFound(format!("cost:{service}")))?;
        let s = report
            .services
            .iter()
            .find(|s| s.service == service)
            .ok_or_else(|| ProviderError::NotFound(format!("cost:{service}")))?;
        let days = s.daily.len() as f64;
        Ok(ResourceDetail {
            title: format!("Cost of {service}"),
            facts: vec![
                ("month to date".into(), format!("${:.2}", s.month_to_date)),
                ("forecast".into(), format!("${:.2}", s.forecast)),
                ("last month".into(), format!("${:.2}", s.last_month)),
            ],
            notes: Vec::new(),
            charts: vec![DetailChart {
                title: "Daily cost (AmortizedCost)".into(),
                unit: "$".into(),
                series: vec![ChartSeries {
                    name: service.into(),
                    points: s
                        .daily
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (((i as f64) - days + 1.0) * 86_400.0, *v))
                        .collect(),
                    reference: false,
                }],
                kind: ChartKind::Other,
            }],
        })
    }
}

/// What the detail view says of a service before its charts: size, tasks, containers, scaling.
fn service_facts(r: &ecs::ServiceRecord, cluster: &str) -> Vec<(String, String)> {
    let td = &r.task_definition;
    let mut facts = vec![
        ("cluster".to_string(), cluster.to_string()),
        ("launch type".into(), format!("{} ({})", r.launch_type.label(), td.arch.label())),
        ("task definition".into(), td.name.clone()),
        ("task size".into(), format!("{} vCPU / {} MiB", td.cpu as f32 / 1024.0, td.memory)),
        ("tasks".into(), format!("{} running / {} desired", r.running, r.desired)),
        ("OOM kills".into(), format!("{} among stopped tasks ECS still lists", r.oom_kills)),
        (
            "Container Insights".into(),
            if r.container_insights { "on" } else { "off: per-task metrics unavailable" }.into(),
        ),
    ];
    for c in &td.containers {
        facts.push((
            format!("container {}", c.name),
            format!(
                "cpu {} · memory {} MiB hard / {} MiB soft",
                c.cpu,
                c.memory_hard.map_or("-".into(), |m| m.to_string()),
                c.memory_soft.map_or("-".into(), |m| m.to_string())
            ),
        ));
    }
    if let Some(a) = &r.autoscaling {
        facts.push((
            "autoscaling".into(),
            format!("target tracking {} = {}% ({}–{} tasks)", a.metric, a.target, a.min, a.max),
        ));
    }
    facts
}

/// The load balancer's charts of a service behind it: response time and 5xx share, over the
/// detail's span (`s` finds a series by metric and statistic, `line` puts it on the time axis).
fn lb_charts<'a>(
    info: &super::lb::TargetGroupInfo,
    s: &dyn Fn(&str, &str) -> &'a [f32],
    line: &dyn Fn(&str, &[f32]) -> ChartSeries,
) -> Vec<DetailChart> {
    let mut charts = Vec::new();
    let ms = |v: &[f32]| v.iter().map(|x| x * 1_000.0).collect::<Vec<f32>>();
    // 5xx as a share of each period's requests.
    let pct = |bad: &[f32]| {
        s("RequestCount", "Sum")
            .iter()
            .enumerate()
            .map(|(k, n)| match bad.get(k) {
                Some(b) if n.is_finite() && *n > 0.0 => b.max(0.0) / n * 100.0,
                _ if n.is_finite() => 0.0,
                _ => f32::NAN,
            })
            .collect::<Vec<f32>>()
    };
    charts.push(DetailChart {
        title: "Response time (load balancer), ms".into(),
        unit: "ms".into(),
        series: vec![
            line("p99", &ms(s("TargetResponseTime", "p99"))),
            line("p50", &ms(s("TargetResponseTime", "p50"))),
        ],
        kind: ChartKind::Latency,
    });
    let mut errors = vec![line("targets", &pct(s("HTTPCode_Target_5XX_Count", "Sum")))];
    if info.sole_on_lb {
        errors.push(line("load balancer", &pct(s("HTTPCode_ELB_5XX_Count", "Sum"))));
    }
    charts.push(DetailChart {
        title: "5xx, % of requests".into(),
        unit: "%".into(),
        series: errors,
        kind: ChartKind::Errors,
    });
    charts
}
