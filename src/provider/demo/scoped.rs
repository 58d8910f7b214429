//! The demo fleet follows the same scheduler as AWS: a refresh simulates only the rows it asks
//! for (the rest are carried from the last one, their inventory brought up to date), and its
//! meter counts what the same refresh would have cost on AWS, so the header, `:budget` and the
//! budget behave as they would there.

use super::{DemoProvider, cache_group, ecs_service, fleet::ServiceSpec};
use crate::domain::{CacheGroup, EcsService, Window};
use crate::provider::meter::MetricSource;
use crate::provider::{ProviderError, Scope};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The rows last computed, with the window they are for.
#[derive(Debug, Default)]
pub(super) struct Kept {
    /// The rows handed to the app last (the same allocation it shows), and where each key is.
    ecs: Arc<Vec<EcsService>>,
    ecs_at: Arc<HashMap<String, usize>>,
    ecs_window: Option<Window>,
    groups: Arc<HashMap<String, CacheGroup>>,
    groups_window: Option<Window>,
    /// When Cost Explorer was last "asked" (the AWS provider keeps its answers on disk for 6 h).
    cost_at: Option<i64>,
}

/// Cost Explorer answers kept, as `[aws] cost_cache_ttl` keeps them by default.
const COST_KEPT_SECONDS: i64 = 6 * 3_600;

/// A service as the fleet has it now (size, tasks, revision), with the metrics last simulated.
fn carried(spec: &ServiceSpec, now: i64, last: &EcsService) -> EcsService {
    let running = spec.running_at(now);
    EcsService {
        running,
        desired: if spec.autoscaling.is_some() { running } else { spec.desired },
        task_cpu: spec.task_cpu,
        task_memory: spec.task_memory,
        task_level: spec.task_level,
        task_definition: format!("{}:{}", spec.name, spec.revision),
        containers: spec.containers.clone(),
        controller: spec.controller,
        spot_share: spec.spot_share,
        deployment: None,
        ..last.clone()
    }
}

/// The rows (keys) a scope asks for, or None for all of them.
fn wanted(scope: &Scope, cold: bool) -> Option<HashSet<String>> {
    if cold || scope.rows.is_none() {
        return None;
    }
    scope.rows.as_ref().map(|rows| rows.iter().cloned().collect())
}

impl DemoProvider {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) async fn ecs_scoped(
        &self,
        window: Window,
        scope: &Scope,
    ) -> Result<Arc<Vec<EcsService>>, ProviderError> {
        let (kept, cold) = {
            let k = self.kept();
            ((Arc::clone(&k.ecs), Arc::clone(&k.ecs_at)), k.ecs_window != Some(window) || k.ecs.is_empty())
        };
        let (kept, kept_at) = kept;
        let wanted = wanted(scope, cold);
        let (mut rows, simulated) = self
            .compute(move |fleet, now| {
                let mut simulated = 0u64;
                let rows: Vec<EcsService> = fleet
                    .services
                    .iter()
                    .map(|s| {
                        let key = format!("{}/{}", s.cluster, s.name);
                        match (&wanted, kept_at.get(&key).and_then(|i| kept.get(*i))) {
                            (Some(w), Some(last)) if !w.contains(&key) => carried(s, now, last),
                            _ => {
                                let row = ecs_service(s, now, window);
                                simulated += row.read_cost as u64;
                                row
                            }
                        }
                    })
                    .collect();
                (rows, simulated)
            })
            .await?;
        self.annotate_rollouts(&mut rows);
        self.meter.record_metrics(MetricSource::EcsPane, simulated as usize);
        if scope.inventory || cold {
            self.meter_inventory(&rows);
        }
        if !scope.describe.is_empty() {
            self.meter.record_many("ecs:DescribeServices", scope.describe.len().div_ceil(10) as u64);
        }
        let rows = Arc::new(rows);
        let mut k = self.kept();
        k.ecs_at = Arc::new(rows.iter().enumerate().map(|(i, r)| (r.key(), i)).collect());
        k.ecs = Arc::clone(&rows);
        k.ecs_window = Some(window);
        Ok(rows)
    }

    pub(super) async fn groups_scoped(&self, window: Window, scope: &Scope) -> Result<Vec<CacheGroup>, ProviderError> {
        let (kept, cold) = {
            let k = self.kept();
            (Arc::clone(&k.groups), k.groups_window != Some(window) || k.groups.is_empty())
        };
        let wanted = wanted(scope, cold);
        let (groups, simulated) = self
            .compute(move |fleet, now| {
                let mut simulated = 0u64;
                let groups: Vec<CacheGroup> = fleet
                    .caches
                    .iter()
                    .map(|c| match (&wanted, kept.get(&c.id)) {
                        (Some(w), Some(last)) if !w.contains(&c.id) => last.clone(),
                        _ => {
                            let g = cache_group(c, now, window);
                            simulated += g.read_cost as u64;
                            g
                        }
                    })
                    .collect();
                (groups, simulated)
            })
            .await?;
        self.meter.record_metrics(MetricSource::RedisPane, simulated as usize);
        if scope.inventory || cold {
            for op in ["DescribeReplicationGroups", "DescribeCacheClusters", "DescribeServerlessCaches"] {
                self.meter.record(format!("elasticache:{op}"));
            }
        }
        let mut k = self.kept();
        k.groups = Arc::new(groups.iter().map(|g| (g.id.clone(), g.clone())).collect());
        k.groups_window = Some(window);
        Ok(groups)
    }

    /// What listing and describing these services costs on AWS: per cluster a ListServices page,
    /// two ListTasks and a DescribeTasks; DescribeServices ten at a time; the account's clusters
    /// and autoscaling once.
    fn meter_inventory(&self, rows: &[EcsService]) {
        let mut per_cluster: HashMap<&str, usize> = HashMap::new();
        for r in rows {
            *per_cluster.entry(r.cluster.as_str()).or_default() += 1;
        }
        let clusters = per_cluster.len() as u64;
        let m = &self.meter;
        m.record("ecs:ListClusters");
        m.record("ecs:DescribeClusters");
        m.record_many("ecs:ListServices", per_cluster.values().map(|n| n.div_ceil(100) as u64).sum());
        m.record_many("ecs:DescribeServices", per_cluster.values().map(|n| n.div_ceil(10) as u64).sum());
        m.record_many("ecs:ListTasks", 2 * clusters);
        m.record_many("ecs:DescribeTasks", clusters);
        m.record("application-autoscaling:DescribeScalableTargets");
        m.record("application-autoscaling:DescribeScalingPolicies");
    }

    /// Cost Explorer's three requests, as often as the AWS provider would send them (its answers
    /// are kept on disk for six hours; `r` asks again).
    pub(super) fn meter_cost(&self, fresh: bool) {
        let now = self.clock.now();
        let mut k = self.kept();
        if fresh || k.cost_at.is_none_or(|t| now - t >= COST_KEPT_SECONDS) {
            k.cost_at = Some(now);
            for op in ["GetCostAndUsage", "GetCostForecast", "GetAnomalies"] {
                self.meter.record(format!("ce:{op}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Clock;
    use super::*;
    use crate::provider::Provider;

    #[tokio::test]
    async fn a_scoped_refresh_simulates_only_the_rows_it_asks_for_and_meters_them_as_aws_would() {
        let demo = DemoProvider::new(42, None, Clock::Fixed(1_795_012_200));
        let all = demo.ecs_services(Window::Day).await.unwrap();
        let first = demo.api_spend().unwrap();
        let full: u64 = all.iter().map(|r| r.read_cost as u64).sum();
        assert_eq!(first.metrics[&MetricSource::EcsPane], full);
        assert!(first.ecs_requests() > 0 && first.simulated);
        let one = all[3].key();
        let scope = Scope { inventory: false, rows: Some(vec![one.clone()]), describe: Vec::new() };
        let again = demo.ecs_services_scoped(Window::Day, &scope, &|_| ()).await.unwrap();
        assert_eq!(again.len(), all.len(), "every row comes back");
        let spend = demo.api_spend().unwrap();
        assert_eq!(spend.metrics[&MetricSource::EcsPane] - full, all[3].read_cost as u64, "only the one row");
        assert_eq!(spend.ecs_requests(), first.ecs_requests(), "no inventory asked, none counted");
        assert_eq!(*again, all, "a frozen clock: carried rows are as computed");
    }
}
