//! The AWS history a review reads, each source once, with the panes' clients and pacing:
//! alarms and their state changes (DescribeAlarms, DescribeAlarmHistory pages), ECS's services
//! with their deployments, last 100 events and recently stopped tasks, CloudTrail's
//! UpdateService calls (the deployments of the last 90 days; paced like the timeline's lookups),
//! ElastiCache events (14 days at most), evictions (one GetMetricData query a node, the whole span
//! as one period) and Cost Explorer's anomalies (the cost pane's cached report). Each source that
//! fails is named; the others still count.

use super::metrics::{self, MetricQuery, Span};
use super::{AwsProvider, alarms, cache, timeline, trail};
use crate::domain::{History, ResourceRef, SourceProblem, TimelineEvent};
use crate::provider::meter::MetricSource;
use crate::provider::{Provider, ProviderError};
use futures::future::try_join_all;

const DAY: i64 = 86_400;

/// One target's UpdateService calls (by target index) and whether pages were left unread.
type TargetDeployments = (usize, Vec<crate::domain::trail::ApiChange>, bool);

/// Keys evicted per replication group over [from, to]: one `Evictions` Sum query per node, one
/// period covering the span (rounded up to whole days).
async fn evictions(t: &super::Target, from: i64, to: i64) -> Result<Vec<(String, f64)>, ProviderError> {
    let groups = cache::inventory(t).await?;
    let queries: Vec<MetricQuery> = groups
        .iter()
        .flat_map(|g| g.members.iter().flat_map(|m| cache::queries_of(m, &[("Evictions", "Sum")])))
        .collect();
    if queries.is_empty() {
        return Ok(Vec::new());
    }
    let days = ((to - from) as f64 / DAY as f64).ceil().max(1.0) as i64;
    let span = Span::ending(to, days * DAY, days * DAY);
    let series = metrics::fetch(t, MetricSource::Review, &queries, span).await?;
    let mut at = 0;
    Ok(groups
        .iter()
        .map(|g| {
            let n = g.members.len();
            let total: f64 = series[at..at + n].iter().flatten().filter(|v| v.is_finite()).map(|v| *v as f64).sum();
            at += n;
            (g.id.clone(), total)
        })
        .collect())
}

impl AwsProvider {
    pub(super) async fn review_history(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<History, ProviderError> {
        self.ensure_identities().await;
        let (f, t) = (from.timestamp(), to.timestamp());
        // CloudTrail's pages one target after another: the account's 2 lookups a second.
        let deployments = async {
            let mut out: Vec<Result<TargetDeployments, ProviderError>> = Vec::new();
            for (i, tg) in self.targets.iter().enumerate() {
                out.push(trail::deployments(tg, f, t).await.map(|(changes, more)| (i, changes, more)));
            }
            out
        };
        let (alarms, ecs, cache_events, evicted, cost, deployments) = tokio::join!(
            try_join_all(self.targets.iter().map(|tg| alarms::list_with_history(tg, f, t))),
            self.ecs_inventory(),
            try_join_all(self.targets.iter().map(|tg| timeline::cache_events(tg, f, t))),
            try_join_all(self.targets.iter().map(|tg| evictions(tg, f, t))),
            self.cost(false),
            deployments,
        );
        let mut h = History { from, to, ..Default::default() };
        let mut problem = |source, error| h.problems.push(SourceProblem { source, error });
        match alarms {
            Ok(per_target) => h.alarms = per_target.into_iter().flatten().collect(),
            Err(e) => problem("alarm history", e),
        }
        match ecs {
            Ok(records) => {
                for (i, r) in records {
                    let shown = self.cluster_name(i, &r.cluster);
                    h.events.extend(r.history.into_iter().map(|mut e: TimelineEvent| {
                        if let Some(ResourceRef::EcsService { cluster, .. }) = &mut e.resource {
                            cluster.clone_from(&shown);
                        }
                        e
                    }));
                }
            }
            Err(e) => problem("ECS deployments, service events and stopped tasks", e),
        }
        match cache_events {
            Ok(v) => h.events.extend(v.into_iter().flatten()),
            Err(e) => problem("ElastiCache events", e),
        }
        match evicted {
            Ok(v) => h.evictions = v.into_iter().flatten().collect(),
            Err(e) => problem("ElastiCache evictions", e),
        }
        match cost {
            Ok(report) => h.anomalies = report.anomalies,
            Err(e) => problem("cost anomalies", e),
        }
        let mut capped = false;
        for result in deployments {
            match result {
                Ok((i, mut changes, more)) => {
                    capped |= more;
                    crate::incident::trail::annotate(&mut changes, |_| None);
                    for c in &mut changes {
                        if let Some(ResourceRef::EcsService { cluster, .. }) = &mut c.resource {
                            *cluster = self.cluster_name(i, cluster);
                        }
                    }
                    h.changes.extend(changes);
                }
                Err(e) => h.problems.push(SourceProblem { source: "CloudTrail deployments", error: e }),
            }
        }
        h.changes.sort_by_key(|c| c.time);
        h.events.retain(|e| e.time >= from && e.time <= to);
        h.events.sort_by_key(|e| e.time);
        h.coverage = coverage(t - f, capped);
        Ok(h)
    }
}

/// What the sources cannot reach back to, as AWS documents them.
fn coverage(seconds: i64, capped: bool) -> Vec<String> {
    let mut out = vec![
        "stopped tasks: ECS lists a task for a while after it stops (about an hour), so OOM kills and stop reasons \
         are those of the last hour; ECS keeps a service's last 100 events"
            .to_string(),
        "deployments: CloudTrail's UpdateService calls (90 days) with ECS's own deployment events".to_string(),
    ];
    if seconds > 14 * DAY {
        out.push("ElastiCache events: the last 14 days only (DescribeEvents)".into());
    }
    if capped {
        out.push(format!(
            "CloudTrail: more than {} pages of UpdateService calls; the oldest were not read",
            trail::REVIEW_PAGES
        ));
    }
    out
}
