//! The provider's fleet reads: each target's ECS services (inventory, then metrics in batches
//! as clusters are described) and ElastiCache groups, the load balancers serving them, and the
//! sizing history of the services asked for.

use super::{AwsProvider, Target, TargetEcs, TargetGroups, cache, ecs, history, lb};
use crate::domain::{CacheGroup, EcsService, UsageHistory, Window};
use crate::provider::ProviderError;
use futures::future::try_join_all;

impl AwsProvider {
    /// Every service, inventory and metrics, handed over in parts as they are ready (a first
    /// load, `r`, a new window).
    pub(super) async fn ecs_full(
        &self,
        window: Window,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<Vec<EcsService>, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        let per_target = self
            .ecs_spread
            .gather(&self.labels(), |i| {
                let t = &self.targets[i];
                let named = move |mut rows: Vec<EcsService>| {
                    for s in &mut rows {
                        self.own_row(i, s);
                    }
                    rows
                };
                async move {
                    let (records, rows) = self.pipeline(i, t, window, now, &|rows| progress(named(rows))).await?;
                    Ok::<_, ProviderError>((records, named(rows)))
                }
            })
            .await?;
        Ok(self.settle_ecs(per_target, window))
    }

    /// Every target's answer as one table: records kept for detail views, rows sorted and kept
    /// for the refreshes that will not re-read them.
    pub(super) fn settle_ecs(&self, per_target: Vec<(usize, TargetEcs)>, window: Window) -> Vec<EcsService> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (i, (records, rows)) in per_target {
            seen.extend(records.into_iter().map(|r| (i, r)));
            out.extend(rows);
        }
        out.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
        self.seen().services = seen;
        self.keep_ecs_rows(&out, window);
        out
    }

    /// Every group, inventory and metrics (a first load, `r`, a new window).
    pub(super) async fn groups_full(&self, window: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        let per_target = self
            .cache_spread
            .gather(&self.labels(), |i| async move {
                let t = &self.targets[i];
                let records = cache::inventory(t).await?;
                let mut groups = cache::with_metrics(t, &records, window, now).await?;
                for g in &mut groups {
                    self.own_group(i, g);
                }
                Ok::<_, ProviderError>((records, groups))
            })
            .await?;
        Ok(self.settle_groups(per_target, window))
    }

    /// Every target's groups as one table, like [`Self::settle_ecs`]: records kept for the
    /// scoped refreshes, rows sorted by id (a full read and a scoped one list them alike).
    pub(super) fn settle_groups(&self, per_target: Vec<(usize, TargetGroups)>, window: Window) -> Vec<CacheGroup> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (i, (records, groups)) in per_target {
            seen.extend(records.into_iter().map(|r| (i, r)));
            out.extend(groups);
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        self.seen().groups = seen;
        self.keep_group_rows(&out, window);
        out
    }

    pub(super) async fn ecs_inventory(&self) -> Result<Vec<(usize, ecs::ServiceRecord)>, ProviderError> {
        let per_target =
            try_join_all(self.targets.iter().zip(&self.caches).map(|(t, c)| ecs::inventory(t, &c.task_defs))).await?;
        let records: Vec<(usize, ecs::ServiceRecord)> =
            per_target.into_iter().enumerate().flat_map(|(i, v)| v.into_iter().map(move |r| (i, r))).collect();
        self.seen().services = records.clone();
        Ok(records)
    }

    /// One target's services: clusters are described concurrently and, as they finish, their
    /// services are batched into full GetMetricData calls (125 services = 500 queries), each
    /// batch handed to `progress` as soon as its metrics are in.
    pub(super) async fn pipeline(
        &self,
        i: usize,
        t: &Target,
        window: Window,
        now: i64,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<(Vec<ecs::ServiceRecord>, Vec<EcsService>), ProviderError> {
        let (tx, mut rx) = futures::channel::mpsc::unbounded::<Vec<ecs::ServiceRecord>>();
        let produce = async move {
            let found = ecs::inventory_with(t, &self.caches[i].task_defs, &|records| {
                let _ = tx.unbounded_send(records);
            })
            .await;
            drop(tx); // closes the channel: the consumer flushes what is left
            found
        };
        let consume = async {
            use futures::StreamExt;
            let mut pending: Vec<ecs::ServiceRecord> = Vec::new();
            let mut rows = Vec::new();
            let mut open = true;
            while open || !pending.is_empty() {
                match rx.next().await {
                    Some(records) if open => pending.extend(records),
                    _ => open = false,
                }
                while pending.len() >= ecs::SERVICES_PER_METRICS_CALL || (!open && !pending.is_empty()) {
                    let batch: Vec<_> = pending.drain(..pending.len().min(ecs::SERVICES_PER_METRICS_CALL)).collect();
                    let lbs = self.load_balancers(i, &batch, now).await;
                    let done = ecs::with_metrics(t, &batch, &lbs, window, now).await?;
                    progress(done.clone());
                    rows.extend(done);
                }
            }
            Ok::<_, ProviderError>(rows)
        };
        let (records, rows) = futures::join!(produce, consume);
        Ok((records?, rows?))
    }

    /// The last refresh's services, or a fresh inventory when there was none.
    pub(super) async fn known_records(&self) -> Result<Vec<(usize, ecs::ServiceRecord)>, ProviderError> {
        let cached = self.seen().services.clone();
        if cached.is_empty() { self.ecs_inventory().await } else { Ok(cached) }
    }

    /// The load balancers serving these services' target groups. A failure here (elbv2 not in
    /// the role's policy) costs the latency columns, not the pane: it is logged and the services
    /// show no load-balancer health.
    pub(super) async fn load_balancers(
        &self,
        i: usize,
        records: &[ecs::ServiceRecord],
        now: i64,
    ) -> std::collections::HashMap<String, lb::TargetGroupInfo> {
        let arns: Vec<String> = records.iter().flat_map(|r| r.target_groups.iter().cloned()).collect();
        if arns.is_empty() {
            return Default::default();
        }
        lb::resolve(&self.targets[i].elbv2, &self.caches[i].lbs, &arns, now).await.unwrap_or_else(|e| {
            tracing::warn!("load balancers not read: {e} ({})", e.hint());
            Default::default()
        })
    }

    /// Usage of the services whose key (`cluster/service`, as the panes name them) is `wanted`.
    pub(super) async fn usage_where(
        &self,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        let records: Vec<_> =
            self.known_records().await?.into_iter().filter(|(i, r)| wanted(&self.shown_key(*i, r))).collect();
        let now = self.now_secs();
        let per_target = try_join_all(self.targets.iter().enumerate().map(|(i, t)| {
            let mine = Self::records_of(&records, i);
            let cache = &self.caches[i].history;
            async move { history::usage(t, cache, &mine, now).await.map(|v| (i, v)) }
        }))
        .await?;
        Ok(per_target
            .into_iter()
            .flat_map(|(i, v)| {
                v.into_iter().map(move |(key, h)| {
                    let (cluster, name) = key.split_once('/').unwrap_or((&key, ""));
                    (format!("{}/{name}", self.cluster_name(i, cluster)), h)
                })
            })
            .collect())
    }

    pub(super) fn records_of(records: &[(usize, ecs::ServiceRecord)], target: usize) -> Vec<ecs::ServiceRecord> {
        records.iter().filter(|(i, _)| *i == target).map(|(_, r)| r.clone()).collect()
    }
}
