//! `infradeck report`: the suggestions without the TUI, for pairing sessions, PR descriptions
//! and CI gates. Sized as the TUI sizes (`sizing::run`), part by part.

use crate::common::error::ProviderError;
use crate::provider::Provider;
use crate::report::{self, FailOn, Format};
use crate::sizing::policy::Policies;
use crate::slo::policy::Objectives;
use std::sync::Arc;

/// What `report` prints, and whether `--fail-on` trips (exit status 3).
pub struct Report {
    pub text: String,
    pub tripped: bool,
}

/// Why a report could not be made: what could not be read, and AWS's word for it.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {what}: {error}: {}", error.hint())]
pub struct ReportError {
    pub what: &'static str,
    pub error: ProviderError,
}

pub async fn report(
    provider: Arc<dyn Provider>,
    policies: &Policies,
    objectives: &Objectives,
    format: Format,
    fail_on: Option<FailOn>,
) -> Result<Report, ReportError> {
    use crate::domain::Window;
    let failed = |what| move |error| ReportError { what, error };
    let (services, groups, node_types) = tokio::join!(
        provider.ecs_services(Window::Fortnight),
        provider.cache_groups(Window::Fortnight),
        provider.cache_node_types()
    );
    let groups = groups.map_err(failed("ElastiCache groups"))?;
    let cache = report::cache_recommendations(&groups, &node_types.at(policies.prices));
    let services = Arc::new(services.map_err(failed("ECS services"))?);
    let recs = crate::sizing::run::run(provider.as_ref(), Arc::clone(&services), policies, objectives)
        .await
        .map_err(failed("ECS usage or load-balancer metrics"))?;
    let accounts = provider.source().accounts;
    // Under --org: each account's totals, with its cost (the payer's report, cached) and its
    // alarms firing. Either may be missing (denied): the rest still adds up.
    let totals = if accounts.is_empty() || format == Format::Csv {
        Vec::new()
    } else {
        let (alarms, cost) = tokio::join!(provider.alarms(), provider.cost(false));
        crate::accounts::totals(
            &accounts,
            &services,
            &recs.iter().collect::<Vec<_>>(),
            &cache.iter().collect::<Vec<_>>(),
            &alarms.unwrap_or_default(),
            cost.ok().as_ref(),
        )
    };
    Ok(Report {
        text: report::render_all(&recs, &cache, &totals, format),
        tripped: fail_on.is_some_and(|f| f.trips(&recs) || f.trips_redis(&cache)),
    })
}
