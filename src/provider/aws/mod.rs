//! The AWS provider: the official SDK, aws-config's default credential chain, one set of clients
//! per (profile, region) target. Reads only; every request is counted (`usage`).

mod actions;
mod alarms;
mod cache;
mod connect;
mod connect_org;
pub mod cost;
mod detail;
mod disk_cache;
mod ecs;
mod ecs_rows;
mod effective;
mod errors;
pub mod events;
mod fleet_reads;
mod forward;
mod hands;
mod history;
mod lb;
mod lb_metrics;
mod logs;
pub mod map;
pub mod metrics;
pub mod monitoring;
mod naming;
#[cfg(test)]
mod odd_shapes;
mod optimizer;
pub mod org;
pub mod pricing;
mod review;
mod scoped;
mod sli;
mod targets;
mod tasks;
mod timeline;
mod trail;
mod trail_reads;
pub use trail_reads::TrailCache;
pub mod usage;

pub use connect::{AwsOptions, Identity, Target};
use connect::{IDENTITY_RETRY_SECONDS, dry_run};
pub use errors::sdk_error;
mod write;
mod write_cache;

use crate::domain::{Alarm, CacheGroup, CostReport, DetailData, EcsService, ResourceRef, UsageHistory, Window};
use crate::provider::{Provider, ProviderError, SourceInfo};
use async_trait::async_trait;
use std::sync::Mutex;
use std::time::Duration;
pub use usage::ApiUsage;

/// Calls in flight at once per target: enough to hide latency, few enough not to be throttled.
pub const CONCURRENCY: usize = 8;
/// The longest one attempt of one call may take before it is abandoned and retried.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a fetch waits for STS to say who it is in a target whose identity was unknown.
const IDENTITY_WAIT: Duration = Duration::from_secs(2);
/// Cost Explorer and the Pricing API answer in us-east-1 whatever the priced region.
const GLOBAL_REGION: &str = "us-east-1";

/// What the last refresh found, for detail views (no second inventory per `enter`).
#[derive(Default)]
struct Seen {
    services: Vec<(usize, ecs::ServiceRecord)>,
    groups: Vec<(usize, cache::GroupRecord)>,
    /// Each alarm with the target it was read from.
    alarms: Vec<(usize, Alarm)>,
    cost: Option<CostReport>,
}

/// What one target's reads keep between refreshes.
#[derive(Default)]
struct TargetCaches {
    task_defs: ecs::TaskDefCache,
    /// The sizing history's closed hours, extended rather than read again.
    history: history::HistoryCache,
    /// Which load balancer serves which target group.
    lbs: lb::LbCache,
}

/// One target's ECS answer: its inventory records and its rows as shown.
type TargetEcs = (Vec<ecs::ServiceRecord>, Vec<EcsService>);

/// One target's ElastiCache answer: its group records and its rows as shown.
type TargetGroups = (Vec<cache::GroupRecord>, Vec<CacheGroup>);

pub struct AwsProvider {
    /// This connection's `SourceInfo::generation`.
    generation: u64,
    options: AwsOptions,
    /// With `--org`: the accounts that could not be reached, and why (the others load).
    unreachable: Vec<(org::Account, ProviderError)>,
    /// With `--monitoring-account`: where each linked account's metrics are read.
    monitoring: Option<monitoring::Monitoring>,
    targets: Vec<Target>,
    usage: ApiUsage,
    /// Per target (same order as `targets`): what its reads keep between refreshes.
    caches: Vec<TargetCaches>,
    cost_cache: cost::CostCache,
    cost_failure: cost::CostFailure,
    /// The account's effective Fargate rate, read once a session (last month's does not change).
    effective: Mutex<Option<Option<crate::domain::cost::EffectiveRates>>>,
    /// Compute Optimizer's answer and when it was read (it refreshes daily: see `optimizer`).
    optimizer: Mutex<Option<(i64, crate::domain::optimizer::OptimizerAnswer)>>,
    /// ElastiCache node types priced in the first target's region, read once a session.
    node_types: Mutex<Option<std::sync::Arc<crate::sizing::catalog::NodeCatalogue>>>,
    seen: Mutex<Seen>,
    /// The rows last answered, carried into refreshes that do not re-read them.
    rows: Mutex<scoped::Rows>,
    /// Per target: last good answer and back-off, so one failing region never hides the rest.
    ecs_spread: targets::Spread<(Vec<ecs::ServiceRecord>, Vec<EcsService>)>,
    cache_spread: targets::Spread<TargetGroups>,
    alarm_spread: targets::Spread<Vec<Alarm>>,
    trail_cache: Mutex<TrailCache>,
}

impl AwsProvider {
    /// Fargate prices in target `i`'s region (the Price List, kept a day on disk per region).
    async fn rates_of(&self, i: usize) -> Option<crate::sizing::catalog::FargateRates> {
        let t = &self.targets[i];
        let cache = self.options.cache_dir.as_ref().map(|d| d.join(format!("pricing-{}.json", t.region)));
        pricing::fargate_rates(t, cache, self.now_secs()).await
    }

    /// Before a fetch: ask STS again for targets whose identity is unknown (every 30 s at most).
    async fn ensure_identities(&self) {
        let now = self.now_secs();
        let retry = self.options.identity_retry.map_or(IDENTITY_RETRY_SECONDS, |d| d.as_secs() as i64);
        // Not waited for long: an account whose role is slow to answer must not hold the
        // others' fetches (its own reads wait for the role anyway).
        let asking = self.targets.iter().map(|t| tokio::time::timeout(IDENTITY_WAIT, t.ensure_identity(now, retry)));
        futures::future::join_all(asking).await;
    }

    pub fn usage(&self) -> &ApiUsage {
        &self.usage
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flags(&self, i: usize) -> write::Flags {
        let t = &self.targets[i];
        write::Flags {
            read_only: t.read_only,
            dry_run: self.options.dry_run,
            protected: self.options.protected_for(t.profile.as_deref())
                || self.options.protected_accounts.iter().any(|p| t.is_in(p)),
        }
    }

    fn now_secs(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn source(&self) -> SourceInfo {
        self.source_info()
    }

    fn read_only(&self) -> bool {
        self.targets.iter().any(|t| t.read_only)
    }

    async fn plan_resize(&self, req: &crate::apply::ResizeRequest) -> Result<crate::apply::ResizePlan, ProviderError> {
        let key = &req.identity;
        let (i, cluster) = self.locate_key(&key.origin, &key.cluster, &req.cluster)?;
        let plan = write::plan(&self.targets[i], &cluster, req, self.flags(i)).await;
        crate::apply::plan::checked(plan.map(|p| self.owned(i, p)))
    }

    async fn plan_cache_resize(
        &self,
        req: &crate::apply::CacheResizeRequest,
    ) -> Result<crate::apply::ResizePlan, ProviderError> {
        let (i, group) = self.locate_key(&req.identity.origin, &req.identity.group, &req.group)?;
        let t = &self.targets[i];
        let target = format!("{} · {} · {}", t.profile.as_deref().unwrap_or("default"), t.account(), t.region);
        let plan = write_cache::plan(&t.elasticache, &group, target, req, self.flags(i)).await?;
        Ok(self.owned(i, plan))
    }

    async fn apply_resize(&self, plan: &crate::apply::ResizePlan) -> Result<crate::apply::ApplyOutcome, ProviderError> {
        // Where the plan's resource lives, from the key the plan carries (the display name only
        // for a plan without one).
        let located = |shown: &str| match &plan.identity {
            Some(crate::domain::ResourceKey::Service(k)) => self.locate_key(&k.origin, &k.cluster, shown),
            Some(crate::domain::ResourceKey::Group(k)) => self.locate_key(&k.origin, &k.group, shown),
            None => self.locate(shown),
        };
        if let ResourceRef::CacheGroup(group) = &plan.resource {
            let (i, raw) = located(group)?;
            if self.targets[i].read_only {
                return Err(ProviderError::ReadOnly("this profile is read-only (--read-only or the config)".into()));
            }
            if self.options.dry_run {
                return Ok(dry_run(plan));
            }
            return write_cache::apply(&self.targets[i].elasticache, &raw, plan).await;
        }
        let ResourceRef::EcsService { cluster, service } = &plan.resource else {
            return Err(ProviderError::Other("only ECS services and cache groups can be changed".into()));
        };
        let (i, raw) = located(cluster)?;
        if self.targets[i].read_only {
            let why = self.targets[i].profile.as_deref().unwrap_or("this profile");
            return Err(ProviderError::ReadOnly(format!("{why} is read-only (--read-only or the config)")));
        }
        if self.options.dry_run {
            return Ok(dry_run(plan));
        }
        match &plan.rollback_to {
            Some(to) => write::rollback(&self.targets[i], &raw, service, plan, to).await,
            None => write::apply(&self.targets[i], &raw, service, plan).await,
        }
    }

    fn caller(&self) -> String {
        self.targets.first().map_or_else(|| "unknown".into(), Target::caller_arn)
    }

    async fn fargate_rates(&self) -> Option<crate::sizing::catalog::FargateRates> {
        self.rates_of(0).await
    }

    async fn cache_node_types(&self) -> std::sync::Arc<crate::sizing::catalog::NodeCatalogue> {
        if let Some(known) = self.node_types.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return known;
        }
        // Priced in the first target's region, as suggestions are.
        let t = &self.targets[0];
        let cache = self.options.cache_dir.as_ref().map(|d| d.join(format!("elasticache-nodes-{}.json", t.region)));
        let priced = pricing::cache_node_types(t, cache, self.now_secs()).await.unwrap_or_default();
        let mut catalogue = crate::sizing::catalog::NodeCatalogue::with_prices(priced);
        let effective = self.effective_prices().await;
        catalogue.effective =
            effective.as_ref().and_then(|e| crate::sizing::recommend::PriceNote::of(&e.month, e.elasticache.as_ref()?));
        let catalogue = std::sync::Arc::new(catalogue);
        *self.node_types.lock().unwrap_or_else(|e| e.into_inner()) = Some(catalogue.clone());
        catalogue
    }

    async fn effective_prices(&self) -> Option<crate::domain::cost::EffectiveRates> {
        self.effective_rates().await
    }

    async fn optimizer_recommendations(&self) -> crate::domain::optimizer::OptimizerAnswer {
        self.optimizer_answer().await
    }

    async fn regional_fargate_rates(&self) -> Vec<(String, crate::sizing::catalog::FargateRates)> {
        if self.targets.len() < 2 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let rates = self.rates_of(i).await.unwrap_or_default();
            out.push((format!("{}:", t.label()), rates));
        }
        out
    }

    fn degraded(&self, what: crate::provider::Inventory) -> Option<ProviderError> {
        use crate::provider::Inventory;
        match what {
            Inventory::Ecs => self.ecs_spread.degraded(),
            Inventory::Cache => self.cache_spread.degraded(),
            Inventory::Alarms => self.alarm_spread.degraded(),
        }
    }

    fn api_spend(&self) -> Option<crate::provider::meter::Spend> {
        Some(self.usage.spend())
    }

    async fn ecs_services(&self, window: Window) -> Result<Vec<EcsService>, ProviderError> {
        self.ecs_services_progressive(window, &|_| ()).await
    }

    async fn ecs_services_progressive(
        &self,
        window: Window,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<Vec<EcsService>, ProviderError> {
        self.ecs_full(window, progress).await
    }

    async fn ecs_services_scoped(
        &self,
        window: Window,
        scope: &crate::provider::Scope,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<std::sync::Arc<Vec<EcsService>>, ProviderError> {
        self.ecs_scoped(window, scope, progress).await.map(std::sync::Arc::new)
    }

    async fn cache_groups(&self, window: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        self.groups_full(window).await
    }

    async fn cache_groups_scoped(
        &self,
        window: Window,
        scope: &crate::provider::Scope,
    ) -> Result<Vec<CacheGroup>, ProviderError> {
        self.groups_scoped(window, scope).await
    }

    async fn ecs_usage(&self) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        self.usage_where(|_| true).await
    }

    async fn ecs_usage_of(&self, keys: &[String]) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        let wanted: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
        self.usage_where(|key| wanted.contains(key)).await
    }

    async fn sli(
        &self,
        queries: &[crate::slo::SliQuery],
    ) -> Result<Vec<(String, crate::slo::SliWindows)>, ProviderError> {
        self.sli_of(queries).await
    }

    async fn cost(&self, fresh: bool) -> Result<CostReport, ProviderError> {
        self.cost_report(fresh).await
    }
    async fn alarms(&self) -> Result<Vec<Alarm>, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        let per_target = self.alarm_spread.gather(&self.labels(), |i| alarms::list(&self.targets[i], now)).await?;
        let seen: Vec<(usize, Alarm)> = per_target
            .into_iter()
            .flat_map(|(i, v)| v.into_iter().map(move |a| (i, a)))
            .map(|(i, a)| (i, self.named_alarm(i, a)))
            .collect();
        let all = seen.iter().map(|(_, a)| a.clone()).collect();
        self.seen().alarms = seen;
        Ok(all)
    }

    async fn logs(&self, q: &crate::domain::logs::LogQuery) -> Result<crate::domain::logs::LogPage, ProviderError> {
        let ResourceRef::EcsService { cluster, service } = &q.service else {
            return Err(ProviderError::Other("logs are per ECS service".into()));
        };
        let (i, cluster) = self.locate(cluster)?;
        logs::logs(&self.targets[i], &cluster, service, q).await
    }

    async fn tasks(&self, service: &ResourceRef) -> Result<crate::domain::ServiceTasks, ProviderError> {
        self.service_tasks(service).await
    }

    async fn plan_action(
        &self,
        service: &ResourceRef,
        action: crate::apply::action::ServiceAction,
    ) -> Result<crate::apply::action::ActionPlan, ProviderError> {
        self.action_plan(service, action).await
    }

    async fn apply_action(&self, plan: &crate::apply::action::ActionPlan) -> Result<Vec<String>, ProviderError> {
        self.act(plan).await
    }

    async fn open_forward(
        &self,
        spec: &crate::exec::forward::ForwardSpec,
        plugin_port: u16,
    ) -> Result<crate::exec::forward::Upstream, ProviderError> {
        self.forward_session(spec, plugin_port).await
    }

    async fn cache_endpoint(&self, group: &str) -> Result<(String, u16), ProviderError> {
        self.endpoint_of(group).await
    }

    async fn close_forward(&self, spec: &crate::exec::forward::ForwardSpec, session_id: &str) {
        self.end_forward_session(spec, session_id).await
    }

    async fn start_exec(&self, req: &crate::exec::ExecRequest) -> Result<crate::exec::Handoff, ProviderError> {
        self.exec_session(req).await
    }

    async fn timeline(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::Timeline, ProviderError> {
        self.timeline_between(from, to).await
    }
    async fn history(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::History, ProviderError> {
        self.review_history(from, to).await
    }

    async fn reconnect(
        &self,
        profiles: Option<Vec<String>>,
        regions: Option<Vec<String>>,
    ) -> Result<std::sync::Arc<dyn Provider>, ProviderError> {
        let mut options = self.options.clone();
        if let Some(p) = profiles {
            options.profiles = p;
        }
        if let Some(r) = regions {
            options.regions = r;
        }
        Ok(std::sync::Arc::new(AwsProvider::connect(options).await?))
    }

    async fn detail(&self, resource: &ResourceRef, window: Window) -> Result<DetailData, ProviderError> {
        match resource {
            ResourceRef::EcsService { cluster, service } => self.ecs_detail(cluster, service, window).await,
            ResourceRef::CacheGroup(id) => self.cache_detail(id, window).await,
            ResourceRef::Alarm(name) => self.alarm_detail(name, window).await,
            ResourceRef::CostService(s) => self.cost_detail(s, window),
        }
    }
}
