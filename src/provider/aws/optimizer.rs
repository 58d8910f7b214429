//! AWS Compute Optimizer's ECS-on-Fargate recommendations (`GetECSServiceRecommendations`), one
//! paginated read per account and region, kept on disk for 12 hours: Compute Optimizer refreshes
//! once a day, so reading it with every sizing run would only spend the throttle budget.
//! Not opted in, denied, or failing: said as the reason there is none, never an error.

use super::Target;
use crate::domain::optimizer::{OptimizerContainer, OptimizerRecommendation, OptimizerUnavailable};
use aws_sdk_computeoptimizer::error::ProvideErrorMetadata;
use aws_sdk_computeoptimizer::types::{EcsServiceMetricName, EcsServiceRecommendation};
use std::path::PathBuf;

/// Half a day: fresh within a day of its daily refresh, at most two reads a day per place.
pub const TTL_SECONDS: i64 = 12 * 3_600;

pub type Read = Result<Vec<OptimizerRecommendation>, OptimizerUnavailable>;

/// One place's recommendations: from the cache when fresh, else every page from the API. A
/// "not opted in" or "denied" is cached too: asking again within hours would only say it again.
pub async fn read(t: &Target, cache: Option<PathBuf>, now: i64) -> Read {
    if let Some(known) = cache.as_ref().and_then(|p| super::disk_cache::load::<Read>(p, TTL_SECONDS, now)) {
        return known;
    }
    let read = fetch(t).await;
    if let (Some(p), false) = (&cache, matches!(read, Err(OptimizerUnavailable::Failed(_)))) {
        super::disk_cache::store(p, now, &read, "Compute Optimizer recommendations");
    }
    read
}

async fn fetch(t: &Target) -> Read {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .optimizer
            .get_ecs_service_recommendations()
            .max_results(1_000)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                let why = e.message().unwrap_or("no message").to_string();
                match e.code() {
                    Some("OptInRequiredException") => OptimizerUnavailable::NotOptedIn,
                    Some("AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation") => {
                        OptimizerUnavailable::NotAuthorized(why)
                    }
                    _ => OptimizerUnavailable::Failed(
                        super::sdk_error("compute-optimizer:GetECSServiceRecommendations", e).to_string(),
                    ),
                }
            })?;
        out.extend(page.ecs_service_recommendations().iter().filter_map(recommendation));
        token = page.next_token().filter(|s| !s.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

fn size(cpu: Option<i32>, memory: Option<i32>) -> Option<(u32, u32)> {
    Some((u32::try_from(cpu?).ok()?, u32::try_from(memory?).ok()?))
}

fn whole(v: Option<i32>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

/// One recommendation in infradeck's terms; None without a service ARN or current size.
pub fn recommendation(r: &EcsServiceRecommendation) -> Option<OptimizerRecommendation> {
    let current = r.current_service_configuration()?;
    let option = r.service_recommendation_options().first();
    let metric = |name: EcsServiceMetricName| {
        r.utilization_metrics().iter().find(|m| m.name() == Some(&name)).map(|m| m.value())
    };
    let projected = |name: EcsServiceMetricName| {
        option?
            .projected_utilization_metrics()
            .iter()
            .find(|m| m.name() == Some(&name))
            .map(|m| (m.lower_bound_value(), m.upper_bound_value()))
    };
    Some(OptimizerRecommendation {
        service_arn: r.service_arn()?.to_string(),
        finding: r.finding().map_or("—".into(), |f| f.as_str().to_string()),
        reason_codes: r.finding_reason_codes().iter().map(|c| c.as_str().to_string()).collect(),
        current: size(current.cpu(), current.memory())?,
        recommended: option.and_then(|o| size(o.cpu(), o.memory())),
        containers: option
            .map(|o| o.container_recommendations())
            .unwrap_or_default()
            .iter()
            .map(|c| OptimizerContainer {
                name: c.container_name().unwrap_or("—").to_string(),
                cpu: whole(c.cpu()),
                memory: whole(c.memory_size_configuration().and_then(|m| m.memory())),
                memory_reservation: whole(c.memory_size_configuration().and_then(|m| m.memory_reservation())),
            })
            .collect(),
        cpu_max_percent: metric(EcsServiceMetricName::Cpu),
        memory_max_percent: metric(EcsServiceMetricName::Memory),
        projected_cpu_percent: projected(EcsServiceMetricName::Cpu),
        projected_memory_percent: projected(EcsServiceMetricName::Memory),
        savings_monthly: option
            .and_then(|o| o.savings_opportunity())
            .and_then(|s| s.estimated_monthly_savings())
            .map(|m| m.value()),
        savings_percent: option.and_then(|o| o.savings_opportunity()).map(|s| s.savings_opportunity_percentage()),
        savings_after_discounts: option
            .and_then(|o| o.savings_opportunity_after_discounts())
            .and_then(|s| s.estimated_monthly_savings())
            .map(|m| m.value()),
        performance_risk: r.current_performance_risk().map(|p| p.as_str().to_string()),
        lookback_days: r.lookback_period_in_days(),
        refreshed: r
            .last_refresh_timestamp()
            .and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp(t.secs(), t.subsec_nanos())),
        autoscaling: current.auto_scaling_configuration().map(|a| a.as_str().to_string()),
    })
}

impl super::AwsProvider {
    /// Compute Optimizer's answer for every account × region, kept `TTL_SECONDS` in memory.
    pub(super) async fn optimizer_answer(&self) -> crate::domain::optimizer::OptimizerAnswer {
        use crate::domain::optimizer::OptimizerAnswer;
        let now = self.now_secs();
        if let Some((read, answer)) = self.optimizer.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && now - read < TTL_SECONDS
        {
            return answer.clone();
        }
        self.ensure_identities().await;
        let mut answer = OptimizerAnswer { asked: true, ..Default::default() };
        let mut seen = std::collections::HashSet::new();
        for (i, t) in self.targets.iter().enumerate() {
            let origin = self.origin(i);
            // One read per account and region, however many profiles reach it.
            if !seen.insert((origin.account_id.clone(), origin.region.clone())) {
                continue;
            }
            let cache = self.options.cache_dir.as_ref().map(|d| {
                d.join(format!(
                    "compute-optimizer-{}-{}.json",
                    origin.account_id.as_deref().unwrap_or("unknown"),
                    t.region
                ))
            });
            match read(t, cache, now).await {
                Ok(recs) => answer.recommendations.extend(recs),
                Err(why) => answer.unavailable.push((origin, why)),
            }
        }
        *self.optimizer.lock().unwrap_or_else(|e| e.into_inner()) = Some((now, answer.clone()));
        answer
    }
}
