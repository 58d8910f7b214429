//! The detail data of one resource (`enter`), from what the last refresh found plus the reads only
//! a detail view needs: the resource's own metrics over the window. `app::detail_view` words it.

use super::{AwsProvider, cache, ecs, lb_metrics, metrics};
use crate::domain::detail::{AlarmFacts, CacheFacts, CostFacts, EcsFacts, LbLink, OomKills};
use crate::domain::{DetailData, Facts, Measure, ResourceRef, Series, Window};
use crate::provider::ProviderError;
use crate::provider::meter::MetricSource;
use metrics::{MetricQuery, Span};

/// Series answered for `queries`, put on `span`'s time axis and named by what they measure.
struct Answer<'a> {
    queries: &'a [MetricQuery],
    series: &'a [Vec<f32>],
    span: Span,
}

impl Answer<'_> {
    fn values(&self, metric: &str, stat: &str) -> &[f32] {
        metrics::series_for(self.queries, self.series, metric, stat)
    }

    fn line(&self, measure: Measure, values: &[f32]) -> Series {
        Series::on_grid(measure, values, self.span.start, self.span.period, self.span.end)
    }
}

impl AwsProvider {
    pub(super) async fn ecs_detail(
        &self,
        cluster: &str,
        service: &str,
        window: Window,
    ) -> Result<DetailData, ProviderError> {
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
        let span = Span::for_window(window, now);
        let lbs = self.load_balancers(i, std::slice::from_ref(&r), now).await;
        let alb = ecs::alb_of(&r, &lbs).cloned();
        let lb_queries = alb.as_ref().map(lb_metrics::health_queries).unwrap_or_default();
        let queries: Vec<MetricQuery> = ecs::service_queries(&r).into_iter().chain(lb_queries).collect();
        let answered = metrics::fetch(&self.targets[i], MetricSource::DetailView, &queries, span).await?;
        let a = Answer { queries: &queries, series: &answered, span };
        let mut series = vec![
            a.line(Measure::CpuAverage, a.values("CPUUtilization", "Average")),
            a.line(Measure::CpuMaximum, a.values("CPUUtilization", "Maximum")),
            a.line(Measure::MemoryAverage, a.values("MemoryUtilization", "Average")),
            a.line(Measure::MemoryMaximum, a.values("MemoryUtilization", "Maximum")),
        ];
        let load_balancer = match &alb {
            Some(info) => {
                series.extend(lb_series(info, &a));
                LbLink::Behind { load_balancer: info.lb_name().into(), target_group: info.name().into() }
            }
            None if r.target_groups.is_empty() => LbLink::None,
            None => LbLink::NotRead,
        };
        let td = &r.task_definition;
        let facts = EcsFacts {
            cluster: cluster.into(),
            service: service.into(),
            launch_type: r.launch_type,
            arch: td.arch,
            task_definition: td.name.clone(),
            task_cpu: td.cpu,
            task_memory: td.memory,
            running: r.running,
            desired: r.desired,
            hottest_task: None,
            oom_kills: OomKills::AmongListedStopped(r.oom_kills),
            container_insights: Some(r.container_insights),
            containers: td.containers.clone(),
            autoscaling: r.autoscaling.clone(),
            load_balancer,
            events: r.events.iter().map(|(_, m)| m.clone()).collect(),
        };
        let resource = ResourceRef::EcsService { cluster: cluster.into(), service: service.into() };
        Ok(DetailData { resource, window, facts: Facts::Ecs(Box::new(facts)), series })
    }

    /// A replication group's nodes over the window: one GetMetricData for all of them, folded
    /// as the pane folds them (memory and engine CPU of the worst node, connections and
    /// evictions of all).
    pub(super) async fn cache_detail(&self, id: &str, window: Window) -> Result<DetailData, ProviderError> {
        let (i, g) = self
            .seen()
            .groups
            .iter()
            .find(|(_, g)| g.id == id)
            .cloned()
            .ok_or_else(|| ProviderError::NotFound(format!("redis:{id}")))?;
        let span = Span::for_window(window, self.now_secs());
        let asked = &cache::DETAIL_QUERIES;
        let queries: Vec<MetricQuery> = g.members.iter().flat_map(|m| cache::queries_of(m, asked)).collect();
        let answered = metrics::fetch(&self.targets[i], MetricSource::DetailView, &queries, span).await?;
        let nodes: Vec<&[Vec<f32>]> = answered.chunks(asked.len()).collect();
        // Memory and engine CPU of the worst node; connections and evictions of all of them.
        let series = [
            (Measure::CacheMemory, false),
            (Measure::CacheEngineCpu, false),
            (Measure::CacheConnections, true),
            (Measure::CacheEvictions, true),
        ]
        .into_iter()
        .zip(asked)
        .map(|((m, sum), q)| {
            let v = cache::across_nodes(&nodes, asked, *q, span.buckets(), sum);
            Series::on_grid(m, &v, span.start, span.period, span.end)
        })
        .collect();
        let facts = CacheFacts {
            id: g.id.clone(),
            engine: g.engine,
            engine_version: g.engine_version.clone(),
            node_type: g.node_type.clone(),
            shards: g.shards,
            replicas_per_shard: g.replicas_per_shard,
            reserved_memory_percent: Some(g.reserved_memory_percent),
            members: g.members.clone(),
        };
        Ok(DetailData { resource: ResourceRef::CacheGroup(id.into()), window, facts: Facts::Cache(facts), series })
    }

    /// An alarm with the metric it evaluates, read again at its own statistic and period (at
    /// least the window's step) over the window: one GetMetricData query.
    pub(super) async fn alarm_detail(&self, name: &str, window: Window) -> Result<DetailData, ProviderError> {
        let (i, alarm) = self
            .seen()
            .alarms
            .iter()
            .find(|(_, a)| a.name == name)
            .cloned()
            .ok_or_else(|| ProviderError::NotFound(format!("alarm:{name}")))?;
        let mut series = Vec::new();
        if let Some(e) = &alarm.evaluation {
            let period = e.period.max(window.step());
            let span = Span::ending(self.now_secs(), period, window.seconds());
            let query = e.dimensions.iter().fold(
                MetricQuery::new(alarm.namespace.clone(), alarm.metric.clone(), e.statistic.clone()),
                |q, (n, v)| q.dim(n.clone(), v.clone()),
            );
            let answered =
                metrics::fetch(&self.targets[i], MetricSource::DetailView, std::slice::from_ref(&query), span).await?;
            let values = answered.first().map_or(&[][..], Vec::as_slice);
            series.push(Series::on_grid(Measure::AlarmMetric, values, span.start, span.period, span.end));
        }
        let on = alarm.evaluation.as_ref().filter(|e| !e.dimensions.is_empty()).map(|e| {
            alarm.resource.as_ref().map_or_else(
                || e.dimensions.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(", "),
                ToString::to_string,
            )
        });
        let facts = AlarmFacts { alarm, on };
        Ok(DetailData {
            resource: ResourceRef::Alarm(name.into()),
            window,
            facts: Facts::Alarm(Box::new(facts)),
            series,
        })
    }

    pub(super) fn cost_detail(&self, service: &str, window: Window) -> Result<DetailData, ProviderError> {
        let seen = self.seen();
        let report = seen.cost.as_ref().ok_or_else(|| ProviderError::NotFound(format!("cost:{service}")))?;
        let cost = report
            .services
            .iter()
            .find(|s| s.service == service)
            .cloned()
            .ok_or_else(|| ProviderError::NotFound(format!("cost:{service}")))?;
        let days = cost.daily.len() as f64;
        let daily = Series {
            measure: Measure::DailyCost,
            points: cost.daily.iter().enumerate().map(|(i, v)| (((i as f64) - days + 1.0) * 86_400.0, *v)).collect(),
        };
        let anomalies = report.anomalies.iter().filter(|a| a.service == service).cloned().collect();
        Ok(DetailData {
            resource: ResourceRef::CostService(service.into()),
            window,
            facts: Facts::Cost(CostFacts { cost, anomalies }),
            series: vec![daily],
        })
    }
}

/// The load balancer's series of a service behind it: response time (ms) and the 5xx share of
/// each period's requests; the load balancer's own 5xx only when the service is alone on it.
fn lb_series(info: &super::lb::TargetGroupInfo, a: &Answer) -> Vec<Series> {
    let ms = |v: &[f32]| v.iter().map(|x| x * 1_000.0).collect::<Vec<f32>>();
    let pct = |bad: &[f32]| {
        a.values("RequestCount", "Sum")
            .iter()
            .enumerate()
            .map(|(k, n)| match bad.get(k) {
                Some(b) if n.is_finite() && *n > 0.0 => b.max(0.0) / n * 100.0,
                _ if n.is_finite() => 0.0,
                _ => f32::NAN,
            })
            .collect::<Vec<f32>>()
    };
    let mut series = vec![
        a.line(Measure::LatencyP99, &ms(a.values("TargetResponseTime", "p99"))),
        a.line(Measure::LatencyP50, &ms(a.values("TargetResponseTime", "p50"))),
        a.line(Measure::Targets5xx, &pct(a.values("HTTPCode_Target_5XX_Count", "Sum"))),
    ];
    if info.sole_on_lb {
        series.push(a.line(Measure::LoadBalancer5xx, &pct(a.values("HTTPCode_ELB_5XX_Count", "Sum"))));
    }
    series
}
