//! `infradeck review`: the review without the TUI, for a team's weekly look back, a postmortem
//! or a page. Reads each source once, sizes the services as `report` does, and says what the
//! reads cost.

use crate::apply::AuditEntry;
use crate::domain::{HandoverRecord, Window};
use crate::provider::{Provider, ProviderError};
use crate::review::Review;
use crate::sizing::policy::Policies;
use crate::slo::policy::Objectives;
use std::sync::Arc;

/// The longest span: CloudTrail and Cost Explorer's anomalies go back 90 days, no further.
pub const MAX_DAYS: u32 = 90;

/// The review of the last `days` days.
pub async fn review(
    provider: &dyn Provider,
    days: u32,
    policies: &Policies,
    objectives: &Objectives,
    audit: &[AuditEntry],
    handovers: &[HandoverRecord],
) -> Result<Review, ProviderError> {
    let before = provider.api_spend();
    let to = provider.now();
    let from = to - chrono::Duration::days(days.clamp(1, MAX_DAYS) as i64);
    let mut history = provider.history(from, to).await?;
    // Findings left unapplied: the services sized now, as `report` sizes them.
    let recs = match provider.ecs_services(Window::Fortnight).await {
        Ok(services) => crate::sizing::run::run(provider, Arc::new(services), policies, objectives).await,
        Err(e) => Err(e),
    };
    let recs = recs.unwrap_or_else(|error| {
        history.problems.push(crate::domain::SourceProblem { source: "sizing (findings not applied)", error });
        Vec::new()
    });
    let source = provider.source();
    let audit: Vec<AuditEntry> = audit
        .iter()
        .filter(|a| crate::review::same_source(&a.target, &source.label, source.account.as_deref()))
        .cloned()
        .collect();
    let handovers: Vec<HandoverRecord> = handovers.iter().filter(|h| h.source == source.label).cloned().collect();
    let mut review = crate::review::build(&source.label, &history, &audit, &recs, &handovers);
    review.spent = provider.api_spend().map(|after| after.since(&before.unwrap_or_default()).summary());
    Ok(review)
}
