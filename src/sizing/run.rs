//! One sizing run for every caller: the TUI, `report` and `plan` size services the same way,
//! part by part, so no caller holds every service's 14-day history at once.
//!
//! Sizing sits below the providers, so what it reads from them is named here ([`Evidence`]) and
//! the provider layer supplies it; the math stays pure (`recommend_with`).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::catalog::FargateRates;
use super::policy::Policies;
use super::recommend::{EcsRecommendation, Finding, Policy, recommend_with};
use crate::common::error::ProviderError;
use crate::domain::{EcsService, UsageHistory};
use crate::slo::policy::Objectives;
use crate::slo::{ServiceSlo, SliQuery, SliWindows};

/// Services sized per this many: their usage histories are read, sized and dropped part by part
/// (at 10,000 services every 14-day history at once would be ~27 MB on top of the rest).
pub const PART: usize = 2_500;

/// What sizing reads from where the fleet lives.
#[async_trait]
pub trait Evidence: Send + Sync {
    /// The usage histories of these services (keys `cluster/service`).
    async fn usage_of(&self, keys: &[String]) -> Result<Vec<(String, UsageHistory)>, ProviderError>;
    /// Good/total request counts over each query's windows, for the SLO guard.
    async fn sli_windows(&self, queries: &[SliQuery]) -> Result<Vec<(String, SliWindows)>, ProviderError>;
    /// Fargate prices where the services run; None: the built-in us-east-1 list.
    async fn fargate_prices(&self) -> Option<FargateRates>;
    /// Each region's own prices, by key prefix, when the fleet spans several.
    async fn regional_prices(&self) -> Vec<(String, FargateRates)>;
    /// What the account paid last month against list prices (Cost Explorer), when known.
    async fn effective_rates(&self) -> Option<crate::domain::cost::EffectiveRates>;
    /// AWS Compute Optimizer's recommendations for the fleet (cached by the provider: they
    /// change once a day), or why there are none.
    async fn compute_optimizer(&self) -> crate::domain::optimizer::OptimizerAnswer;
}

/// Size `services`, in parts of [`PART`], ranked as every view lists them: at risk first, then
/// savings, largest first, then the rest.
pub async fn run<E: Evidence + ?Sized>(
    evidence: &E,
    services: Arc<Vec<EcsService>>,
    policies: &Policies,
    objectives: &Objectives,
) -> Result<Vec<EcsRecommendation>, ProviderError> {
    let (policy, policies) = priced(evidence, policies).await;
    let (policy, policies) = (Arc::new(policy), Arc::new(policies));
    // Compute Optimizer's answer is one read (or, on the demo, its own pass over the history):
    // asked while the services are sized, not after.
    let sized = async {
        let mut recs = Vec::with_capacity(services.len());
        for start in (0..services.len()).step_by(PART) {
            let end = (start + PART).min(services.len());
            let keys: Vec<String> = services[start..end].iter().map(|s| s.key()).collect();
            let usage = evidence.usage_of(&keys).await?;
            // The sizing guard needs each service's SLO standing before it sizes.
            let slo = slos_of(evidence, &services[start..end], objectives).await?;
            let (services, policy, policies) = (Arc::clone(&services), Arc::clone(&policy), Arc::clone(&policies));
            // Pure but heavy: off the async workers.
            let part =
                tokio::task::spawn_blocking(move || size_each(&services[start..end], &usage, &policy, &policies, &slo))
                    .await
                    .map_err(|e| ProviderError::Other(format!("sizing failed: {e}")))?;
            recs.extend(part);
        }
        Ok::<_, ProviderError>(recs)
    };
    let (recs, answer) = tokio::join!(sized, evidence.compute_optimizer());
    let mut recs = recs?;
    rank(&mut recs);
    super::optimizer::attach(&mut recs, &services, &answer, &policy.rates);
    Ok(recs)
}

/// The prices sizing uses: the base policy priced where the services run, and the policies with
/// each region's own prices when there are several.
pub async fn priced<E: Evidence + ?Sized>(evidence: &E, policies: &Policies) -> (Policy, Policies) {
    let rates = evidence.fargate_prices().await.unwrap_or_default();
    let mut policies = policies.clone();
    policies.regional_rates = evidence.regional_prices().await;
    let mut policy = Policy { rates, ..Policy::of(policies.profile) };
    // The account's own rate, unless list prices were asked for: what the bill will see.
    let note = match policies.prices {
        super::recommend::Prices::List => None,
        super::recommend::Prices::Effective => evidence.effective_rates().await.and_then(|e| note_of(&e)),
    };
    if let Some(n) = note {
        policy.rates = policy.rates.scaled(n.ratio as f64);
        policy.price_note = Some(n);
        for (_, r) in &mut policies.regional_rates {
            *r = r.scaled(n.ratio as f64);
        }
    }
    (policy, policies)
}

/// A month's Fargate discount as a price note; None at (about) list price.
fn note_of(e: &crate::domain::cost::EffectiveRates) -> Option<super::recommend::PriceNote> {
    super::recommend::PriceNote::of(&e.month, e.fargate.as_ref()?)
}

/// How each service behind a load balancer stands against its objectives (`[slo]`); services
/// without a load balancer or objective are left out.
pub async fn slos_of<E: Evidence + ?Sized>(
    evidence: &E,
    services: &[EcsService],
    objectives: &Objectives,
) -> Result<HashMap<String, ServiceSlo>, ProviderError> {
    let wanted: HashMap<String, crate::slo::policy::Objective> = services
        .iter()
        .filter(|s| s.health.read().is_some())
        .map(|s| (s.key(), objectives.for_service(&s.key())))
        .filter(|(_, o)| o.availability.is_some() || o.p99_ms.is_some())
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let queries: Vec<SliQuery> = wanted
        .iter()
        .map(|(key, o)| SliQuery { key: key.clone(), p99_ms: o.p99_ms, period_days: o.period_days })
        .collect();
    let windows = evidence.sli_windows(&queries).await?;
    Ok(windows
        .into_iter()
        .filter_map(|(key, w)| {
            let objective = *wanted.get(&key)?;
            Some((key, ServiceSlo::evaluate(objective, &w)))
        })
        .collect())
}

/// Recommendations for every service with history, in the ranked order. For callers that
/// already hold the usage (benches, tests); [`run`] reads it part by part.
pub fn recommendations(
    services: &[EcsService],
    usage: &[(String, UsageHistory)],
    policy: &Policy,
    policies: &Policies,
    slo: &HashMap<String, ServiceSlo>,
) -> Vec<EcsRecommendation> {
    let mut recs = size_each(services, usage, policy, policies, slo);
    rank(&mut recs);
    recs
}

/// The services sized one by one, in their order; `usage` may hold more services than these.
fn size_each(
    services: &[EcsService],
    usage: &[(String, UsageHistory)],
    policy: &Policy,
    policies: &Policies,
    slo: &HashMap<String, ServiceSlo>,
) -> Vec<EcsRecommendation> {
    let by_key: HashMap<&str, &UsageHistory> = usage.iter().map(|(k, h)| (k.as_str(), h)).collect();
    let empty = UsageHistory::default();
    let size = |s: &EcsService| {
        let key = s.key();
        let history = by_key.get(key.as_str()).copied().unwrap_or(&empty);
        recommend_with(s, history, &policies.for_service(&key, policy), slo.get(&key))
    };
    // Each service is sized alone: a big estate is split over the cores (a small one is not
    // worth the threads).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if services.len() < 2_000 || cores < 2 {
        services.iter().map(size).collect()
    } else {
        let chunk = services.len().div_ceil(cores);
        std::thread::scope(|scope| {
            let parts: Vec<_> =
                services.chunks(chunk).map(|part| scope.spawn(|| part.iter().map(size).collect::<Vec<_>>())).collect();
            parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        })
    }
}

/// The ranked order: at risk (under-provisioned) first, then savings, largest first, then the rest.
pub fn rank(recs: &mut [EcsRecommendation]) {
    recs.sort_by(|a, b| {
        rank_of(a.finding)
            .cmp(&rank_of(b.finding))
            .then_with(|| a.monthly_change().unwrap_or(0.0).total_cmp(&b.monthly_change().unwrap_or(0.0)))
            .then_with(|| a.service.cmp(&b.service))
    });
}

/// Order of findings in every list: the at-risk first, then savings, then the rest.
pub fn rank_of(f: Finding) -> u8 {
    match f {
        Finding::UnderProvisioned => 0,
        Finding::OverProvisioned => 1,
        Finding::Optimized => 2,
        Finding::NotEnoughData => 3,
    }
}
