//! Where fleet data comes from. The app only knows this trait; the demo fleet and (later) AWS
//! implement it, so every pane works the same on both.

pub mod aws;
pub mod demo;
pub mod hands;
pub mod meter;

use crate::domain::{Alarm, CacheGroup, CostReport, DetailData, EcsService, ResourceRef, UsageHistory, Window};
use async_trait::async_trait;

pub use crate::common::error::ProviderError;

/// What one refresh of a pane re-reads. Each part costs: the inventory in the account's ECS
/// throttle budget, each row's metrics in CloudWatch charges. What a scope leaves out stays as it
/// was last read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scope {
    /// List and describe again (clusters, services, tasks; replication groups).
    pub inventory: bool,
    /// The rows (keys) whose metrics are read again; None: every row.
    pub rows: Option<Vec<String>>,
    /// Services described again on their own (a rollout followed without a whole inventory).
    pub describe: Vec<String>,
}

impl Scope {
    /// Everything, as a first load or `r` does.
    pub fn everything() -> Scope {
        Scope { inventory: true, rows: None, describe: Vec::new() }
    }

    pub fn is_everything(&self) -> bool {
        self.inventory && self.rows.is_none()
    }

    /// Whether `key`'s metrics are read.
    pub fn reads(&self, key: &str) -> bool {
        self.rows.as_ref().is_none_or(|rows| rows.iter().any(|r| r == key))
    }
}

/// The inventories a pane fetches, as far as a provider is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Inventory {
    Ecs,
    Cache,
    Alarms,
}

/// Describes the source for the header: "demo fleet (seed 7)", or profile/account/regions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceInfo {
    pub label: String,
    pub account: Option<String>,
    pub regions: Vec<String>,
    /// Profiles and regions can be switched (`:profile`, `:region`): AWS, not the demo fleet.
    pub switchable: bool,
    /// Writes are refused (`--read-only`, config): the header says so.
    pub read_only: bool,
    /// With `--org`: the organization's accounts read (the caller's own first), for `/acct:`,
    /// `/ou:` and the per-account totals.
    pub accounts: Vec<OrgAccount>,
    /// Which connection this is (new on every connect and `:profile`/`:region` switch): what
    /// tells news of the source on screen from a late answer of one it replaced. Its label is
    /// text for the header and changes as accounts answer, so it cannot say that.
    pub generation: u64,
}

/// A generation no other connection in this process has (see `SourceInfo::generation`).
pub fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// One account of an organization, as rows name it (`NAME@region:cluster`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// Its OU's path of names (`prod/payments`); None directly under the root.
    pub ou: Option<String>,
    /// Why it could not be read (its role missing or denied), or None.
    pub unreachable: Option<String>,
    /// With a monitoring account: where its metrics are read (through the monitoring account,
    /// or its own CloudWatch and why).
    pub metrics: Option<String>,
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    fn source(&self) -> SourceInfo;
    /// The time of the world this provider shows: the wall clock for AWS; the simulation's
    /// clock for the demo fleet, so ages and "since" agree with the data.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
    /// Requests sent so far and what they cost the user, for the header, `:budget` and the
    /// scheduler's budget; None when free.
    fn api_spend(&self) -> Option<meter::Spend> {
        None
    }
    async fn ecs_services(&self, window: Window) -> Result<Vec<EcsService>, ProviderError>;
    /// Like `ecs_services`, handing over rows as they are ready (first clusters first) so a big
    /// estate appears before all of it has loaded. The result is still the whole list.
    async fn ecs_services_progressive(
        &self,
        window: Window,
        _progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<Vec<EcsService>, ProviderError> {
        self.ecs_services(window).await
    }
    /// `ecs_services_progressive`, re-reading only what `scope` names: the rows it leaves out
    /// keep what was read last (the provider keeps them), so a refresh costs only what it asks.
    /// Every known row comes back, shared (`Arc`): a provider that keeps them to carry (the demo
    /// fleet) hands the app the same rows instead of a copy.
    async fn ecs_services_scoped(
        &self,
        window: Window,
        _scope: &Scope,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<std::sync::Arc<Vec<EcsService>>, ProviderError> {
        self.ecs_services_progressive(window, progress).await.map(std::sync::Arc::new)
    }
    async fn cache_groups(&self, window: Window) -> Result<Vec<CacheGroup>, ProviderError>;
    /// `cache_groups`, re-reading only the groups `scope` names (the others as last read).
    async fn cache_groups_scoped(&self, window: Window, _scope: &Scope) -> Result<Vec<CacheGroup>, ProviderError> {
        self.cache_groups(window).await
    }
    /// Every service's usage over the sizing window (14 d at 1 h), keyed `cluster/service`.
    async fn ecs_usage(&self) -> Result<Vec<(String, UsageHistory)>, ProviderError>;
    /// The usage of only these services (keys `cluster/service`): sizing a big estate asks part
    /// by part, so the histories of 10,000 services are never all in memory at once.
    async fn ecs_usage_of(&self, keys: &[String]) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        let wanted: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
        Ok(self.ecs_usage().await?.into_iter().filter(|(k, _)| wanted.contains(k.as_str())).collect())
    }
    /// The SLI windows (requests, 5xx, slow requests over 1 h/6 h/3 d and the objective's
    /// period) of these services, for those behind a load balancer; the others are left out.
    async fn sli(
        &self,
        _queries: &[crate::slo::SliQuery],
    ) -> Result<Vec<(String, crate::slo::SliWindows)>, ProviderError> {
        Ok(Vec::new())
    }
    /// `fresh`: the user asked for a refresh, so skip any cache (Cost Explorer bills per request).
    async fn cost(&self, fresh: bool) -> Result<CostReport, ProviderError>;
    async fn alarms(&self) -> Result<Vec<Alarm>, ProviderError>;
    /// What the detail view (`enter`) shows of one resource, as typed facts and series.
    async fn detail(&self, resource: &ResourceRef, window: Window) -> Result<DetailData, ProviderError>;

    /// What happened between `from` and `to` (the incident timeline): alarm state changes,
    /// deployments, service events, stopped tasks, ElastiCache events and cost anomalies. A source
    /// that cannot be read is listed in `problems`; the others still count.
    async fn timeline(
        &self,
        _from: chrono::DateTime<chrono::Utc>,
        _to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::Timeline, ProviderError> {
        Ok(crate::domain::Timeline::default())
    }

    /// What a review reads over [from, to] (weeks): every alarm with its state changes, the
    /// timeline's sources, the deployments CloudTrail recorded, evictions and cost anomalies,
    /// and what a source could not reach back to. By default the timeline and the alarms.
    async fn history(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::History, ProviderError> {
        let timeline = self.timeline(from, to).await?;
        let alarms = self.alarms().await?;
        Ok(crate::domain::History {
            from,
            to,
            alarms,
            changes: timeline.api,
            events: timeline.events.into_iter().filter(|e| e.kind != crate::domain::EventKind::Alarm).collect(),
            problems: timeline.problems,
            ..Default::default()
        })
    }

    /// What a service logged (`l`): where its containers' logs go (awslogs, FireLens…) and the
    /// lines `query` finds there, masked, oldest first.
    async fn logs(
        &self,
        _query: &crate::domain::logs::LogQuery,
    ) -> Result<crate::domain::logs::LogPage, ProviderError> {
        Err(ProviderError::Other("this source keeps no logs".into()))
    }

    /// After a fetch of `what` returned data: the targets (profiles/regions) that failed in it,
    /// if some did while others answered. The runtime asks right after each pane's fetch.
    fn degraded(&self, _what: Inventory) -> Option<ProviderError> {
        None
    }

    /// Fargate prices where this provider's services run; None: the shipped us-east-1 table.
    async fn fargate_rates(&self) -> Option<crate::sizing::catalog::FargateRates> {
        None
    }

    /// The ElastiCache node types and their prices where this provider's groups run (the
    /// shipped us-east-1 table by default).
    async fn cache_node_types(&self) -> std::sync::Arc<crate::sizing::catalog::NodeCatalogue> {
        Default::default()
    }

    /// With several regions: each region's Fargate prices, by the prefix its services' keys
    /// carry (`profile@region:`); empty when one set of prices covers every service.
    async fn regional_fargate_rates(&self) -> Vec<(String, crate::sizing::catalog::FargateRates)> {
        Vec::new()
    }

    /// What the account paid last month for Fargate against list prices (Cost Explorer's
    /// amortized cost against the On-Demand equivalent); None where unknown.
    async fn effective_prices(&self) -> Option<crate::domain::cost::EffectiveRates> {
        None
    }

    /// AWS Compute Optimizer's ECS-on-Fargate recommendations for every place this provider
    /// reads, or why a place has none; not asked (`asked: false`) by default.
    async fn optimizer_recommendations(&self) -> crate::domain::optimizer::OptimizerAnswer {
        crate::domain::optimizer::OptimizerAnswer::default()
    }

    /// Whether writes are refused (they are refused here, not just hidden in the UI).
    fn read_only(&self) -> bool {
        true
    }

    /// Check a resize against the live service and say what applying it would send. Reads only.
    async fn plan_resize(&self, _req: &crate::apply::ResizeRequest) -> Result<crate::apply::ResizePlan, ProviderError> {
        Err(ProviderError::Other("this source cannot change services".into()))
    }

    /// Check an ElastiCache node type change against the live group and what AWS allows.
    async fn plan_cache_resize(
        &self,
        _req: &crate::apply::CacheResizeRequest,
    ) -> Result<crate::apply::ResizePlan, ProviderError> {
        Err(ProviderError::Other("this source cannot change cache groups".into()))
    }

    /// Carry out a confirmed plan. Refused in read-only mode and when the service has moved on
    /// from the plan's task definition.
    async fn apply_resize(
        &self,
        _plan: &crate::apply::ResizePlan,
    ) -> Result<crate::apply::ApplyOutcome, ProviderError> {
        Err(ProviderError::ReadOnly("this source cannot change services".into()))
    }

    /// A service's running and last stopped tasks with their containers (the tasks view).
    async fn tasks(&self, _service: &ResourceRef) -> Result<crate::domain::ServiceTasks, ProviderError> {
        Err(ProviderError::Other("this source lists no tasks".into()))
    }

    /// Whether a shell can be handed to the session-manager-plugin here (the demo fleet's
    /// simulated shell needs none). Runs the plugin once: call it off the UI loop.
    fn exec_plugin(&self) -> crate::exec::preflight::PluginState {
        crate::exec::plugin::state()
    }

    /// Open a shell session (ecs:ExecuteCommand) and say what takes the terminal over. A write:
    /// refused in read-only mode. The caller has run `exec::preflight::check`.
    async fn start_exec(&self, _req: &crate::exec::ExecRequest) -> Result<crate::exec::Handoff, ProviderError> {
        Err(ProviderError::Other("this source cannot open a shell".into()))
    }

    /// Check a service action (restart, desired count, stop a task, enable exec) against the
    /// live service and say exactly what it would send. Reads only.
    async fn plan_action(
        &self,
        _service: &ResourceRef,
        _action: crate::apply::action::ServiceAction,
    ) -> Result<crate::apply::action::ActionPlan, ProviderError> {
        Err(ProviderError::Other("this source cannot change services".into()))
    }

    /// Send a confirmed action plan; the requests sent. Refused in read-only mode.
    async fn apply_action(&self, _plan: &crate::apply::action::ActionPlan) -> Result<Vec<String>, ProviderError> {
        Err(ProviderError::ReadOnly("this source cannot change services".into()))
    }

    /// Open a port-forwarding session (ssm:StartSession) for `spec`, its plugin to listen on
    /// `plugin_port`; on the demo fleet the relay answers itself. A write: refused read-only.
    async fn open_forward(
        &self,
        _spec: &crate::exec::forward::ForwardSpec,
        _plugin_port: u16,
    ) -> Result<crate::exec::forward::Upstream, ProviderError> {
        Err(ProviderError::Other("this source cannot forward ports".into()))
    }

    /// Where a replication group is reached (its configuration or primary endpoint and port),
    /// for a forward to it through a task.
    async fn cache_endpoint(&self, _group: &str) -> Result<(String, u16), ProviderError> {
        Err(ProviderError::Other("this source has no cache endpoints".into()))
    }

    /// End a forward's session (ssm:TerminateSession), so none is left on the agent.
    async fn close_forward(&self, _spec: &crate::exec::forward::ForwardSpec, _session_id: &str) {}

    /// Who is acting, for the audit log (the caller's ARN on AWS).
    fn caller(&self) -> String {
        "unknown".into()
    }

    /// The same kind of source on other profiles/regions (`:profile`, `:region`); None keeps the
    /// current ones. Sources without profiles say so.
    async fn reconnect(
        &self,
        _profiles: Option<Vec<String>>,
        _regions: Option<Vec<String>>,
    ) -> Result<std::sync::Arc<dyn Provider>, ProviderError> {
        Err(ProviderError::Other("this source has no profiles or regions to switch".into()))
    }
}

/// What sizing reads, from whichever provider is in use.
#[async_trait]
impl<P: Provider + ?Sized> crate::sizing::run::Evidence for P {
    async fn usage_of(&self, keys: &[String]) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        self.ecs_usage_of(keys).await
    }
    async fn sli_windows(
        &self,
        queries: &[crate::slo::SliQuery],
    ) -> Result<Vec<(String, crate::slo::SliWindows)>, ProviderError> {
        self.sli(queries).await
    }
    async fn fargate_prices(&self) -> Option<crate::sizing::catalog::FargateRates> {
        self.fargate_rates().await
    }
    async fn regional_prices(&self) -> Vec<(String, crate::sizing::catalog::FargateRates)> {
        self.regional_fargate_rates().await
    }
    async fn compute_optimizer(&self) -> crate::domain::optimizer::OptimizerAnswer {
        self.optimizer_recommendations().await
    }
    async fn effective_rates(&self) -> Option<crate::domain::cost::EffectiveRates> {
        self.effective_prices().await
    }
}

/// A provider as one forward's opener: each session the forward (re)opens goes through it, and
/// each it ends is terminated where it was opened.
pub struct ForwardOpener {
    pub provider: std::sync::Arc<dyn Provider>,
    pub spec: crate::exec::forward::ForwardSpec,
}

#[async_trait]
impl crate::exec::forward::Opener for ForwardOpener {
    async fn open(
        &self,
        spec: &crate::exec::forward::ForwardSpec,
        plugin_port: u16,
    ) -> Result<crate::exec::forward::Upstream, String> {
        self.provider.open_forward(spec, plugin_port).await.map_err(|e| format!("{e} ({})", e.hint()))
    }

    async fn close(&self, session_id: &str) {
        self.provider.close_forward(&self.spec, session_id).await
    }
}
