//! The incident timeline's AWS sources that the panes do not already read: alarm history over
//! the timeline's span, and ElastiCache events (DescribeEvents, up to 14 days back).

use super::{Target, alarms, sdk_error};
use crate::domain::TimelineEvent;
use crate::provider::ProviderError;
use aws_smithy_types::DateTime as SdkTime;

const EVENTS_PAGE: i32 = 100;
/// DescribeEvents serves the last 14 days, no more.
const EVENTS_MAX_AGE: i64 = 14 * 86_400;

/// Alarm state changes in [from, to], each tied to what its alarm watches; `named` names an
/// alarm as the panes do (its target's label when several are shown).
pub async fn alarm_events(
    t: &Target,
    from: i64,
    to: i64,
    named: impl Fn(crate::domain::Alarm) -> crate::domain::Alarm,
) -> Result<Vec<TimelineEvent>, ProviderError> {
    let alarms = alarms::list_with_history(t, from, to).await?;
    Ok(alarms
        .into_iter()
        .map(named)
        .flat_map(|a| {
            a.history
                .iter()
                .map(|h| crate::incident::alarm_event(&a.name, h, a.resource.clone(), a.scaling))
                .collect::<Vec<_>>()
        })
        .collect())
}

/// ElastiCache events (failovers, node replacements, modifications) in [from, to].
pub async fn cache_events(t: &Target, from: i64, to: i64) -> Result<Vec<TimelineEvent>, ProviderError> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = t
            .elasticache
            .describe_events()
            .start_time(SdkTime::from_secs(from.max(to - EVENTS_MAX_AGE)))
            .end_time(SdkTime::from_secs(to))
            .max_records(EVENTS_PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| sdk_error("elasticache:DescribeEvents", e))?;
        out.extend(page.events().iter().filter_map(super::events::cache_event));
        marker = page.marker().filter(|m| !m.is_empty()).map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    Ok(out)
}
