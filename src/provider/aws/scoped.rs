//! Refreshes that re-read only what the scheduler asks (`Scope`): the inventory when it is due,
//! the metrics of the rows that are due (those on screen more often than the rest), rollouts by
//! describing only the services rolling out. What a refresh leaves out is carried from the last
//! answer, kept here, so the app always gets every row and pays only for what it asked.

use super::{AwsProvider, cache, ecs, map, sdk_error};
use crate::domain::{CacheGroup, EcsService, Window};
use crate::provider::{ProviderError, Scope};
use std::collections::HashMap;

/// The rows last answered, per pane, with the window their metrics are for.
#[derive(Debug, Default)]
pub(super) struct Rows {
    pub ecs: HashMap<String, EcsService>,
    pub ecs_window: Option<Window>,
    pub groups: HashMap<String, CacheGroup>,
    pub groups_window: Option<Window>,
}

const DESCRIBE_SERVICES_BATCH: usize = 10;

impl AwsProvider {
    fn rows(&self) -> std::sync::MutexGuard<'_, Rows> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remember a whole answer (a first load, `r`, a new window).
    pub(super) fn keep_ecs_rows(&self, rows: &[EcsService], window: Window) {
        let mut kept = self.rows();
        kept.ecs = rows.iter().map(|r| (r.key(), r.clone())).collect();
        kept.ecs_window = Some(window);
    }

    pub(super) fn keep_group_rows(&self, groups: &[CacheGroup], window: Window) {
        let mut kept = self.rows();
        kept.groups = groups.iter().map(|g| (g.id.clone(), g.clone())).collect();
        kept.groups_window = Some(window);
    }

    pub(super) async fn ecs_scoped(
        &self,
        window: Window,
        scope: &Scope,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<Vec<EcsService>, ProviderError> {
        let cold = self.seen().services.is_empty() || self.rows().ecs_window != Some(window);
        if scope.is_everything() || cold {
            return self.ecs_full(window, progress).await;
        }
        self.ensure_identities().await;
        let now = self.now_secs();
        let cached = self.rows().ecs.clone();
        let known = self.seen().services.clone();
        // Each target on its own, as a whole refresh is: one failing keeps its last rows.
        let per_target = self
            .ecs_spread
            .gather(&self.labels(), |i| {
                let (cached, known) = (&cached, &known);
                async move { self.ecs_target_scoped(i, window, scope, now, cached, known).await }
            })
            .await?;
        Ok(self.settle_ecs(per_target, window))
    }

    /// One target's part of a scoped refresh: (its records, its rows as shown).
    async fn ecs_target_scoped(
        &self,
        i: usize,
        window: Window,
        scope: &Scope,
        now: i64,
        cached: &HashMap<String, EcsService>,
        known: &[(usize, ecs::ServiceRecord)],
    ) -> Result<(Vec<ecs::ServiceRecord>, Vec<EcsService>), ProviderError> {
        let t = &self.targets[i];
        let mut records: Vec<ecs::ServiceRecord> = if scope.inventory {
            ecs::inventory(t, &self.caches[i].task_defs).await?
        } else {
            known.iter().filter(|(k, _)| *k == i).map(|(_, r)| r.clone()).collect()
        };
        if !scope.describe.is_empty() {
            self.describe_again(i, &mut records, &scope.describe, now).await?;
        }
        // The rows asked for, and any the inventory found that were never read.
        let wanted: Vec<ecs::ServiceRecord> = records
            .iter()
            .filter(|r| {
                let key = self.shown_key(i, r);
                scope.reads(&key) || !cached.contains_key(&key)
            })
            .cloned()
            .collect();
        let mut fresh: HashMap<String, EcsService> = HashMap::new();
        for batch in wanted.chunks(ecs::SERVICES_PER_METRICS_CALL) {
            let lbs = self.load_balancers(i, batch, now).await;
            for mut row in ecs::with_metrics(t, batch, &lbs, window, now).await? {
                self.own_row(i, &mut row);
                fresh.insert(row.key(), row);
            }
        }
        let rows = records
            .iter()
            .filter_map(|r| {
                let key = self.shown_key(i, r);
                fresh.remove(&key).or_else(|| {
                    let mut row = ecs::carried(r, cached.get(&key)?);
                    self.own_row(i, &mut row);
                    Some(row)
                })
            })
            .collect();
        Ok((records, rows))
    }

    /// DescribeServices for just these services (shown keys) of target `i`, ten a call per
    /// cluster: a rollout followed without listing the whole estate again.
    async fn describe_again(
        &self,
        i: usize,
        records: &mut [ecs::ServiceRecord],
        keys: &[String],
        now: i64,
    ) -> Result<(), ProviderError> {
        let mut by_cluster: HashMap<String, Vec<String>> = HashMap::new();
        for r in records.iter() {
            if keys.contains(&self.shown_key(i, r)) {
                by_cluster.entry(r.cluster.clone()).or_default().push(r.name.clone());
            }
        }
        for (cluster, names) in by_cluster {
            for chunk in names.chunks(DESCRIBE_SERVICES_BATCH) {
                let answer = self.targets[i]
                    .ecs
                    .describe_services()
                    .cluster(&cluster)
                    .set_services(Some(chunk.to_vec()))
                    .send()
                    .await
                    .map_err(|e| sdk_error("ecs:DescribeServices", e))?;
                for svc in answer.services() {
                    let name = svc.service_name().unwrap_or_default();
                    if let Some(r) = records.iter_mut().find(|r| r.cluster == cluster && r.name == name) {
                        r.desired = svc.desired_count().max(0) as u32;
                        r.running = (svc.running_count().max(0) as u32).max(r.task_ids.len() as u32);
                        r.deployment = map::deployment(svc, now);
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) async fn groups_scoped(&self, window: Window, scope: &Scope) -> Result<Vec<CacheGroup>, ProviderError> {
        let cold = self.seen().groups.is_empty() || self.rows().groups_window != Some(window);
        if scope.is_everything() || cold {
            return self.groups_full(window).await;
        }
        self.ensure_identities().await;
        let now = self.now_secs();
        let cached = self.rows().groups.clone();
        let known = self.seen().groups.clone();
        let per_target = self
            .cache_spread
            .gather(&self.labels(), |i| {
                let (cached, known) = (&cached, &known);
                async move {
                    let t = &self.targets[i];
                    let shown = |id: &str| {
                        if self.several() { format!("{}:{id}", t.label()) } else { id.to_string() }
                    };
                    let records: Vec<cache::GroupRecord> = if scope.inventory {
                        cache::inventory(t).await?
                    } else {
                        known.iter().filter(|(k, _)| *k == i).map(|(_, r)| r.clone()).collect()
                    };
                    let wanted: Vec<cache::GroupRecord> = records
                        .iter()
                        .filter(|r| scope.reads(&shown(&r.id)) || !cached.contains_key(&shown(&r.id)))
                        .cloned()
                        .collect();
                    let mut fresh: HashMap<String, CacheGroup> = HashMap::new();
                    for mut g in cache::with_metrics(t, &wanted, window, now).await? {
                        self.own_group(i, &mut g);
                        fresh.insert(g.id.clone(), g);
                    }
                    let groups: Vec<CacheGroup> = records
                        .iter()
                        .filter_map(|r| {
                            let id = shown(&r.id);
                            fresh.remove(&id).or_else(|| {
                                let mut carried = cache::carried(r, cached.get(&id)?);
                                // The account may have become known since it was read.
                                carried.identity.origin = self.origin(i);
                                Some(carried)
                            })
                        })
                        .collect();
                    Ok::<_, ProviderError>((records, groups))
                }
            })
            .await?;
        Ok(self.settle_groups(per_target, window))
    }
}
