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

impl super::AwsProvider {
    /// Every source of the incident timeline over [from, to], each on its own: one failing
    /// leaves the others.
    pub(super) async fn timeline_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::Timeline, ProviderError> {
        use crate::domain::TimelineEvent;
        let (f, t) = (from.timestamp(), to.timestamp());
        // Each source on its own: one failing (a missing permission, say) leaves the others.
        // CloudTrail's two readers one after the other, never side by side: the account's 2
        // LookupEvents a second are shared with every other tool, and each paces its own calls.
        let trail = async {
            let changes = self.trail_changes(f, t).await;
            (changes, self.trail_sign_ins(f, t).await)
        };
        let (ecs, alarm_events, cache_events, cost, ((api, api_problems), (span, history, signin_problems))) = tokio::join!(
            self.ecs_inventory(),
            futures::future::try_join_all(self.targets.iter().enumerate().map(|(i, tg)| alarm_events(
                tg,
                f,
                t,
                move |a| self.named_alarm(i, a)
            ))),
            futures::future::try_join_all(self.targets.iter().map(|tg| cache_events(tg, f, t))),
            self.cost_report(false),
            trail,
        );
        let ecs = ecs.map(|records| {
            records
                .into_iter()
                .flat_map(|(i, r)| {
                    let shown = self.cluster_name(i, &r.cluster);
                    r.history.into_iter().map(move |mut e| {
                        if let Some(crate::domain::ResourceRef::EcsService { cluster, .. }) = &mut e.resource {
                            cluster.clone_from(&shown);
                        }
                        e
                    })
                })
                .collect::<Vec<TimelineEvent>>()
        });
        let mut out = crate::domain::Timeline::default();
        out.add("ECS deployments, service events and stopped tasks", ecs);
        out.add("alarm history", alarm_events.map(|v| v.into_iter().flatten().collect()));
        out.add("ElastiCache events", cache_events.map(|v| v.into_iter().flatten().collect()));
        out.add("cost anomalies", cost.map(|r| crate::incident::cost_events(&r.anomalies, from)));
        // A target whose CloudTrail cannot be read is named; the others' changes still show.
        (out.api, out.signins, out.signin_history) = (api, span, history);
        let problem = |source, error| crate::domain::SourceProblem { source, error };
        out.problems.extend(api_problems.into_iter().map(|e| problem("CloudTrail changes", e)));
        out.problems.extend(signin_problems.into_iter().map(|e| problem("CloudTrail sign-ins", e)));
        out.events.retain(|e| e.time >= from && e.time <= to);
        out.sort();
        Ok(out)
    }
}
