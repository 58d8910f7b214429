//! What a provider knows of one resource for its detail view (`enter`): typed facts and series
//! keyed by what they measure. One builder (`app::detail_view`) turns it into the view for every
//! provider, so the demo fleet and AWS show the same titles, units and lines.

use super::{Alarm, Arch, AutoScaling, Container, CostAnomaly, LaunchType, ResourceRef, ServiceCost, Window};

/// What a series measures. Views pick series by this, never by their position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Percent of the task's CPU reservation, averaged over the service's tasks.
    CpuAverage,
    /// The same, the busiest task's maximum in each period.
    CpuMaximum,
    /// The hottest task's own CPU.
    CpuHottestTask,
    MemoryAverage,
    MemoryMaximum,
    /// Load-balancer target response time, ms.
    LatencyP99,
    LatencyP50,
    /// Share of requests the targets answered 5xx, percent.
    Targets5xx,
    /// Share the load balancer itself answered 5xx (only when the service is alone on it), percent.
    LoadBalancer5xx,
    /// DatabaseMemoryUsagePercentage, worst node.
    CacheMemory,
    /// EngineCPUUtilization, worst node.
    CacheEngineCpu,
    /// CurrConnections, all nodes.
    CacheConnections,
    /// Evictions per period, all nodes.
    CacheEvictions,
    /// The metric an alarm watches, at the alarm's statistic.
    AlarmMetric,
    /// Cost per day, USD.
    DailyCost,
}

/// One measured line; `points` are (seconds relative to now, value), oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub measure: Measure,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// Values on a regular grid ending at `end` (epoch seconds, exclusive), one per `period`
    /// from `start`; NaN (no data) is left out.
    pub fn on_grid(measure: Measure, values: &[f32], start: i64, period: i64, end: i64) -> Series {
        let points = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(k, v)| ((start + k as i64 * period - end) as f64, *v as f64))
            .collect();
        Series { measure, points }
    }

    /// `(epoch seconds, value)` pairs placed relative to `now`; NaN is left out.
    pub fn at_times(measure: Measure, now: i64, points: impl Iterator<Item = (i64, f32)>) -> Series {
        let points = points.filter(|(_, v)| v.is_finite()).map(|(t, v)| ((t - now) as f64, v as f64)).collect();
        Series { measure, points }
    }
}

/// How many OOM kills, counted over what.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OomKills {
    /// Over the detail's window (the demo fleet knows every task).
    InWindow(u32),
    /// Among the stopped tasks ECS still lists (about an hour of them).
    AmongListedStopped(u32),
}

/// The load balancer in front of a service, as far as it was read.
#[derive(Debug, Clone, PartialEq)]
pub enum LbLink {
    Behind {
        load_balancer: String,
        target_group: String,
    },
    None,
    /// Target groups are attached, but no Application Load Balancer was found (or elbv2 is not allowed).
    NotRead,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EcsFacts {
    pub cluster: String,
    pub service: String,
    pub launch_type: LaunchType,
    pub arch: Arch,
    /// `family:revision`.
    pub task_definition: String,
    pub task_cpu: u32,
    pub task_memory: u32,
    pub running: u32,
    pub desired: u32,
    pub hottest_task: Option<String>,
    pub oom_kills: OomKills,
    /// None where the provider has no such switch (the demo fleet).
    pub container_insights: Option<bool>,
    pub containers: Vec<Container>,
    pub autoscaling: Option<AutoScaling>,
    pub load_balancer: LbLink,
    /// The newest service events, newest first.
    pub events: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CacheFacts {
    pub id: String,
    pub engine: super::CacheEngine,
    pub engine_version: String,
    pub node_type: String,
    pub shards: u32,
    pub replicas_per_shard: u32,
    /// The parameter group's reserved-memory-percent, where it was read.
    pub reserved_memory_percent: Option<f32>,
    /// The member clusters (one per node), where they were read.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlarmFacts {
    pub alarm: Alarm,
    /// What the metric is measured on ("web-api", "CacheClusterId=sessions-001").
    pub on: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostFacts {
    pub cost: ServiceCost,
    /// The anomalies Cost Explorer found for this service.
    pub anomalies: Vec<CostAnomaly>,
}

/// The facts of one resource, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    Ecs(Box<EcsFacts>),
    Cache(CacheFacts),
    Alarm(Box<AlarmFacts>),
    Cost(CostFacts),
}

/// Everything a detail view shows of one resource, before any wording.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailData {
    pub resource: ResourceRef,
    pub window: Window,
    pub facts: Facts,
    pub series: Vec<Series>,
}

impl DetailData {
    /// The line measuring `measure`, if the provider read it.
    pub fn series(&self, measure: Measure) -> Option<&Series> {
        self.series.iter().find(|s| s.measure == measure)
    }
}
