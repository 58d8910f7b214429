//! Detail data of simulated resources: typed facts and full-resolution series for one resource
//! (`app::detail_view` words them, as it does AWS's).

use super::fleet::Fleet;
use super::model::period_ends;
use super::{alarms, cost, task_id};
use crate::domain::detail::{AlarmFacts, CacheFacts, CostFacts, EcsFacts, LbLink, OomKills};
use crate::domain::{DetailData, Facts, Measure, ResourceRef, Series, Window};
use crate::provider::ProviderError;

pub fn detail(fleet: &Fleet, resource: &ResourceRef, now: i64, window: Window) -> Result<DetailData, ProviderError> {
    let not_found = || ProviderError::NotFound(resource.to_string());
    let (facts, series) = match resource {
        ResourceRef::EcsService { cluster, service } => {
            let s =
                fleet.services.iter().find(|s| &s.cluster == cluster && &s.name == service).ok_or_else(not_found)?;
            ecs(s, now, window)
        }
        ResourceRef::CacheGroup(id) => {
            cache(fleet.caches.iter().find(|c| &c.id == id).ok_or_else(not_found)?, now, window)
        }
        ResourceRef::Alarm(name) => {
            alarm(fleet, fleet.alarms.iter().find(|a| &a.name == name).ok_or_else(not_found)?, now, window)
        }
        ResourceRef::CostService(name) => cost_of(fleet, name, now).ok_or_else(not_found)?,
    };
    Ok(DetailData { resource: resource.clone(), window, facts, series })
}

fn ecs(s: &super::fleet::ServiceSpec, now: i64, window: Window) -> (Facts, Vec<Series>) {
    let step = window.step();
    let pts: Vec<(i64, super::model::ServicePoint)> =
        period_ends(now, window).map(|t| (t, s.period(t, step))).collect();
    let line = |m: Measure, f: fn(&super::model::ServicePoint) -> f32| {
        Series::at_times(m, now, pts.iter().map(move |(t, p)| (*t, f(p))))
    };
    let mut series = vec![
        line(Measure::CpuAverage, |p| p.cpu_avg),
        line(Measure::CpuMaximum, |p| p.cpu_max),
        line(Measure::CpuHottestTask, |p| p.hot_cpu),
        line(Measure::MemoryAverage, |p| p.mem_avg),
        line(Measure::MemoryMaximum, |p| p.mem_max),
    ];
    let load_balancer = match &s.lb {
        Some(lb) => {
            let lb_pts: Vec<(i64, super::health::LbPoint)> =
                pts.iter().map(|(t, p)| (*t, super::health::point(s, lb, p, *t))).collect();
            let line = |m: Measure, f: fn(&super::health::LbPoint) -> f32| {
                Series::at_times(m, now, lb_pts.iter().map(move |(t, p)| (*t, f(p))))
            };
            series.extend([
                line(Measure::LatencyP99, |p| p.p99_ms),
                line(Measure::LatencyP50, |p| p.p50_ms),
                line(Measure::Targets5xx, |p| p.target_5xx_pct),
                line(Measure::LoadBalancer5xx, |p| p.lb_5xx_pct),
            ]);
            LbLink::Behind { load_balancer: lb.load_balancer.clone(), target_group: lb.target_group.clone() }
        }
        None => LbLink::None,
    };
    let facts = EcsFacts {
        cluster: s.cluster.clone(),
        service: s.name.clone(),
        launch_type: s.launch_type,
        arch: s.arch,
        task_definition: format!("{}:{}", s.name, s.revision),
        task_cpu: s.task_cpu,
        task_memory: s.task_memory,
        running: s.running_at(now),
        desired: s.desired,
        hottest_task: Some(task_id(s.key, 0)),
        oom_kills: OomKills::InWindow(s.oom_kills(now - window.seconds(), now)),
        container_insights: None,
        containers: s.containers.clone(),
        autoscaling: s.autoscaling.clone(),
        load_balancer,
        events: Vec::new(),
    };
    (Facts::Ecs(Box::new(facts)), series)
}

fn cache(c: &super::fleet::CacheSpec, now: i64, window: Window) -> (Facts, Vec<Series>) {
    let step = window.step();
    let pts: Vec<(i64, super::model::CachePoint)> = period_ends(now, window).map(|t| (t, c.period(t, step))).collect();
    let line = |m: Measure, f: fn(&super::model::CachePoint) -> f32| {
        Series::at_times(m, now, pts.iter().map(move |(t, p)| (*t, f(p))))
    };
    let facts = CacheFacts {
        id: c.id.clone(),
        engine: c.engine,
        engine_version: c.engine_version.clone(),
        node_type: c.node_type.clone(),
        shards: c.shards,
        replicas_per_shard: c.replicas_per_shard,
        reserved_memory_percent: None,
        members: Vec::new(),
    };
    let series = vec![
        line(Measure::CacheMemory, |p| p.memory),
        line(Measure::CacheEngineCpu, |p| p.engine_cpu),
        line(Measure::CacheConnections, |p| p.connections),
        line(Measure::CacheEvictions, |p| p.evictions),
    ];
    (Facts::Cache(facts), series)
}

fn alarm(fleet: &Fleet, spec: &super::fleet::AlarmSpec, now: i64, window: Window) -> (Facts, Vec<Series>) {
    let metric = Series::at_times(
        Measure::AlarmMetric,
        now,
        period_ends(now, window).map(|t| (t, alarms::metric_value(fleet, spec, t))),
    );
    let facts = AlarmFacts { alarm: alarms::evaluate(fleet, spec, now), on: Some(spec.target.clone()) };
    (Facts::Alarm(Box::new(facts)), vec![metric])
}

fn cost_of(fleet: &Fleet, name: &str, now: i64) -> Option<(Facts, Vec<Series>)> {
    let report = cost::report(fleet, alarms::at(now));
    let c = report.services.iter().find(|s| s.service == name)?.clone();
    let days = c.daily.len() as i64;
    let daily = crate::domain::Series {
        measure: Measure::DailyCost,
        points: c.daily.iter().enumerate().map(|(i, v)| (((i as i64 - days + 1) * 86_400) as f64, *v)).collect(),
    };
    let anomalies = report.anomalies.into_iter().filter(|a| a.service == name).collect();
    Some((Facts::Cost(CostFacts { cost: c, anomalies }), vec![daily]))
}
