//! The 14-day sizing history, read once and extended. An hour that has closed, and whose
//! datapoints have landed (AWS/ECS metrics land one to three minutes late), does not change:
//! later sizing runs ask CloudWatch only for the hours after the last closed one. (Each metric
//! is billed per request however many points come back; what this saves is the datapoints —
//! 336 a metric, over GetMetricData's 100,800 a call at 300 services, so pages of repeated
//! requests — and the time.)

use super::Target;
use super::ecs::{self, ServiceRecord, service_queries};
use super::metrics::{self, MetricQuery, Span};
use crate::domain::{ContainerUsage, UsageHistory, Window};
use crate::provider::ProviderError;
use crate::provider::meter::MetricSource;
use std::collections::HashMap;
use std::sync::Mutex;

/// Datapoints of a period that ended less than this long ago may still land.
pub const LANDING: i64 = 180;

/// Closed hours of one service: the busiest task's CPU and memory (percent of its reservation),
/// one value an hour from `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    pub start: i64,
    pub cpu: Vec<f32>,
    pub mem: Vec<f32>,
}

impl Closed {
    pub fn end(&self, period: i64) -> i64 {
        self.start + self.cpu.len() as i64 * period
    }
}

/// Per target: the closed hours by service (`cluster/service`), and each service's
/// per-container use with when it was read.
#[derive(Debug, Default)]
pub struct HistoryCache {
    by_key: Mutex<HashMap<String, Closed>>,
    containers: Mutex<HashMap<String, (i64, Vec<ContainerUsage>)>>,
}

/// Per-container use is a floor under each container, not the headline figure: read again every
/// six hours, not with every sizing run (2 metrics a container, 14 days hourly each).
pub const CONTAINERS_TTL: i64 = 6 * 3_600;

/// A container's name with its CPU and memory queries.
type ContainerQueries = (String, MetricQuery, MetricQuery);

/// `ContainerCpuUtilized` (CPU units) and `ContainerMemoryUtilized` (MiB) of each container of
/// each service, Maximum (the busiest task) per hour over `span`, by the dimension set Container
/// Insights with enhanced observability publishes them under (ServiceName, ClusterName,
/// ContainerName); only for clusters with enhanced observability.
fn container_queries(r: &ServiceRecord) -> Vec<ContainerQueries> {
    if !r.task_metrics {
        return Vec::new();
    }
    let q = |metric, container: &str| {
        MetricQuery::new("ECS/ContainerInsights", metric, "Maximum")
            .dim("ClusterName", &r.cluster)
            .dim("ServiceName", &r.name)
            .dim("ContainerName", container)
    };
    r.task_definition
        .containers
        .iter()
        .map(|c| (c.name.clone(), q("ContainerCpuUtilized", &c.name), q("ContainerMemoryUtilized", &c.name)))
        .collect()
}

/// Each service's per-container use, from the cache while fresh, else one GetMetricData batch.
async fn containers(
    t: &Target,
    cache: &HistoryCache,
    records: &[ServiceRecord],
    full: Span,
    now: i64,
) -> Result<HashMap<String, Vec<ContainerUsage>>, ProviderError> {
    let mut out = HashMap::new();
    let mut stale = Vec::new();
    {
        let known = cache.containers.lock().unwrap_or_else(|e| e.into_inner());
        for r in records.iter().filter(|r| r.task_metrics && !r.task_definition.containers.is_empty()) {
            match known.get(&r.key()) {
                Some((read, usage)) if now - read < CONTAINERS_TTL => {
                    out.insert(r.key(), usage.clone());
                }
                _ => stale.push(r),
            }
        }
    }
    if stale.is_empty() {
        return Ok(out);
    }
    let asked: Vec<(String, Vec<ContainerQueries>)> = stale.iter().map(|r| (r.key(), container_queries(r))).collect();
    let queries: Vec<MetricQuery> =
        asked.iter().flat_map(|(_, qs)| qs.iter().flat_map(|(_, c, m)| [c.clone(), m.clone()])).collect();
    let series = metrics::fetch(t, MetricSource::Sizing, &queries, full).await?;
    let mut at = series.chunks(2);
    let mut known = cache.containers.lock().unwrap_or_else(|e| e.into_inner());
    for (key, qs) in asked {
        let usage: Vec<ContainerUsage> = qs
            .iter()
            .filter_map(|(name, _, _)| {
                let s = at.next()?;
                ContainerUsage::from_series(name, &s[0], &s[1])
            })
            .collect();
        known.insert(key.clone(), (now, usage.clone()));
        out.insert(key, usage);
    }
    Ok(out)
}

/// The series over `full` from what was closed and what was just read over `read` (which ends
/// where `full` does): (cpu, memory, what is closed now).
pub fn merge(
    closed: Option<&Closed>,
    read: Span,
    (cpu, mem): (&[f32], &[f32]),
    full: Span,
    now: i64,
) -> (Vec<f32>, Vec<f32>, Closed) {
    let n = full.buckets();
    let (mut out_cpu, mut out_mem) = (vec![f32::NAN; n], vec![f32::NAN; n]);
    let mut put = |start: i64, c: &[f32], m: &[f32]| {
        for (k, (c, m)) in c.iter().zip(m).enumerate() {
            let t = start + k as i64 * full.period;
            if t >= full.start && t < full.end {
                let i = ((t - full.start) / full.period) as usize;
                (out_cpu[i], out_mem[i]) = (*c, *m);
            }
        }
    };
    if let Some(c) = closed {
        put(c.start, &c.cpu, &c.mem);
    }
    put(read.start, cpu, mem);
    // Closed: the buckets that ended, and landed, before now.
    let closed_n = (0..n).take_while(|i| full.start + (*i as i64 + 1) * full.period <= now - LANDING).count();
    let closed = Closed { start: full.start, cpu: out_cpu[..closed_n].to_vec(), mem: out_mem[..closed_n].to_vec() };
    (out_cpu, out_mem, closed)
}

/// The sizing history of `records`, asking only for the hours not already closed.
pub async fn usage(
    t: &Target,
    cache: &HistoryCache,
    records: &[ServiceRecord],
    now: i64,
) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
    let full = Span::for_window(Window::Fortnight, now);
    let known: HashMap<String, Closed> = {
        let by_key = cache.by_key.lock().unwrap_or_else(|e| e.into_inner());
        records.iter().filter_map(|r| Some((r.key(), by_key.get(&r.key())?.clone()))).collect()
    };
    // Where each service's read starts: after its closed hours (within the window), else the
    // window's start. Services starting at the same hour are read in the same calls.
    let mut groups: HashMap<i64, Vec<&ServiceRecord>> = HashMap::new();
    for r in records {
        let from = known.get(&r.key()).map(|c| c.end(full.period)).filter(|e| *e > full.start).unwrap_or(full.start);
        groups.entry(from.min(full.end - full.period)).or_default().push(r);
    }
    let mut out = Vec::with_capacity(records.len());
    let mut closed_now = Vec::with_capacity(records.len());
    for (from, group) in groups {
        let read = Span { start: from, end: full.end, period: full.period };
        let queries: Vec<MetricQuery> = group
            .iter()
            .flat_map(|r| {
                let [_, cpu_max, _, mem_max] = service_queries(r);
                [cpu_max, mem_max]
            })
            .collect();
        let series = metrics::fetch(t, MetricSource::Sizing, &queries, read).await?;
        for (r, s) in group.iter().zip(series.chunks(2)) {
            let (cpu, mem, closed) = merge(known.get(&r.key()), read, (&s[0], &s[1]), full, now);
            out.push((r.key(), ecs::usage_history(r, &cpu, &mem, full)));
            closed_now.push((r.key(), closed));
        }
    }
    cache.by_key.lock().unwrap_or_else(|e| e.into_inner()).extend(closed_now);
    let mut per_container = containers(t, cache, records, full, now).await?;
    for (key, h) in &mut out {
        h.containers = per_container.remove(key.as_str()).unwrap_or_default();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600;

    #[test]
    fn closed_hours_are_kept_and_only_the_new_ones_read() {
        // A 4-hour window ending with the hour now running (10:20).
        let now = 10 * H + 1_200;
        let full = Span::ending(now, H, 4 * H);
        assert_eq!((full.start, full.end), (7 * H, 11 * H));
        let read = full;
        let (cpu, _, closed) = merge(None, read, (&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0]), full, now);
        assert_eq!(cpu, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!((closed.start, closed.cpu.clone()), (7 * H, vec![1.0, 2.0, 3.0]), "10:00–11:00 is not closed");
        // An hour later: only 10:00 onwards is read; 07:00 drops out of the window.
        let later = now + H;
        let full = Span::ending(later, H, 4 * H);
        let read = Span { start: closed.end(H), end: full.end, period: H };
        assert_eq!(read.buckets(), 2);
        let (cpu, mem, closed) = merge(Some(&closed), read, (&[4.5, 9.0], &[8.5, 9.5]), full, later);
        assert_eq!(cpu, vec![2.0, 3.0, 4.5, 9.0]);
        assert_eq!(mem, vec![6.0, 7.0, 8.5, 9.5]);
        assert_eq!(closed.cpu, vec![2.0, 3.0, 4.5]);
        // The hour just ended, but its points may still land: not closed yet.
        let just = 11 * H + 60;
        let full = Span::ending(just, H, 4 * H);
        let (_, _, c) = merge(None, full, (&[1.0; 4], &[1.0; 4]), full, just);
        assert_eq!(c.cpu.len(), 2, "11:00 ended a minute ago: may still change");
    }
}
