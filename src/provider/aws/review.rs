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
/// "Amazon CloudWatch retains the history of active and deleted alarms for two weeks" (the
/// CloudWatch CLI reference): a review's alarm figures cover no more.
pub const ALARM_HISTORY_DAYS: i64 = 14;

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
    // Whole days back from the hour `to` is in (a period the span's length would be aligned to
    // the epoch, not to the span); one point a day a node, summed.
    let days = ((to - from) as f64 / DAY as f64).ceil().max(1.0) as i64;
    let end = to - to.rem_euclid(3_600) + 3_600;
    let span = Span { start: end - days * DAY, end, period: DAY };
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

/// Pages of task state changes a review reads (each up to 10,000 events or 1 MB).
const TASK_EVENT_PAGES: usize = 50;
/// Between pages: FilterLogEvents is 5 requests a second per account and region, shared.
const TASK_EVENT_PACE: std::time::Duration = std::time::Duration::from_millis(250);

/// The stopped tasks EventBridge wrote to `group` in [from, to] ("ECS Task State Change" events
/// routed to CloudWatch Logs), each with its cluster's name; and whether pages were left unread.
/// The term `STOPPED` narrows the read; each event is then checked (`lastStatus`).
async fn task_stops(
    t: &super::Target,
    group: &str,
    from: i64,
    to: i64,
) -> Result<(Vec<(String, TimelineEvent)>, bool), ProviderError> {
    let (mut out, mut token) = (Vec::new(), None::<String>);
    for _ in 0..TASK_EVENT_PAGES {
        let answer = t
            .logs
            .filter_log_events()
            .log_group_name(group)
            .filter_pattern("STOPPED")
            .start_time(from * 1_000)
            .end_time(to * 1_000)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| super::sdk_error("logs:FilterLogEvents", e))?;
        out.extend(answer.events().iter().filter_map(|e| super::events::task_state_change(e.message()?)));
        token = answer.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok((out, false));
        }
        tokio::time::sleep(TASK_EVENT_PACE).await;
    }
    Ok((out, true))
}

impl AwsProvider {
    pub(super) async fn review_history(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<History, ProviderError> {
        self.ensure_identities().await;
        let (f, t) = (from.timestamp(), to.timestamp());
        let alarms_from = f.max(t - ALARM_HISTORY_DAYS * DAY);
        // CloudTrail's pages one target after another: the account's 2 lookups a second.
        let deployments = async {
            let mut out: Vec<Result<TargetDeployments, ProviderError>> = Vec::new();
            for (i, tg) in self.targets.iter().enumerate() {
                out.push(trail::deployments(tg, f, t).await.map(|(changes, more)| (i, changes, more)));
            }
            out
        };
        let stops = async {
            let Some(group) = &self.options.task_events_log_group else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for (i, tg) in self.targets.iter().enumerate() {
                out.push(task_stops(tg, group, f, t).await.map(|(stops, more)| (i, stops, more)));
            }
            out
        };
        let (alarms, ecs, cache_events, evicted, cost, deployments, stops) = tokio::join!(
            try_join_all(self.targets.iter().map(|tg| alarms::list_with_history(tg, alarms_from, t))),
            self.ecs_inventory(),
            try_join_all(self.targets.iter().map(|tg| timeline::cache_events(tg, f, t))),
            try_join_all(self.targets.iter().map(|tg| evictions(tg, f, t))),
            self.cost(false),
            deployments,
            stops,
        );
        let mut h = History {
            from,
            to,
            alarms_from: (alarms_from > f).then(|| chrono::DateTime::from_timestamp(alarms_from, 0)).flatten(),
            ..Default::default()
        };
        let mut problem = |source, error| h.problems.push(SourceProblem { source, error });
        match alarms {
            Ok(per_target) => {
                // Named, and tied to its service, as the panes show them (several targets).
                for (i, alarms) in per_target.into_iter().enumerate() {
                    h.alarms.extend(alarms.into_iter().map(|a| self.named_alarm(i, a)));
                }
            }
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
            Ok(report) => {
                h.anomalies = report.anomalies;
                // Anomalies denied or without a monitor: none found is not none there.
                for m in report.missing.iter().filter(|m| m.starts_with("anomalies")) {
                    problem("cost anomalies", ProviderError::Other(m.clone()));
                }
            }
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
        let (mut from_log, mut stops_capped) = (false, false);
        for result in stops {
            match result {
                Ok((i, stops, more)) => {
                    from_log = true;
                    stops_capped |= more;
                    for (cluster, mut e) in stops {
                        if let Some(ResourceRef::EcsService { cluster: c, .. }) = &mut e.resource {
                            *c = self.cluster_name(i, &cluster);
                        }
                        // ECS still lists the last hour's: one task, one row.
                        if !h.events.iter().any(|x| x.kind == e.kind && x.summary == e.summary) {
                            h.events.push(e);
                        }
                    }
                }
                Err(e) => h
                    .problems
                    .push(SourceProblem { source: "ECS task state changes (EventBridge log group)", error: e }),
            }
        }
        h.events.retain(|e| e.time >= from && e.time <= to);
        h.events.sort_by_key(|e| e.time);
        h.coverage = coverage(t - f, capped, self.options.task_events_log_group.as_deref().filter(|_| from_log));
        if stops_capped {
            h.coverage
                .push(format!("stopped tasks: more than {TASK_EVENT_PAGES} pages of task events; the newest not read"));
        }
        if alarms_from > f {
            h.coverage.push(format!(
                "alarm history: CloudWatch keeps two weeks of it, so alarm figures (and deployments failed by an \
                 alarm) cover the last {ALARM_HISTORY_DAYS} days; rollbacks count over the whole span"
            ));
        }
        Ok(h)
    }
}

/// What the sources cannot reach back to, as AWS documents them.
fn coverage(seconds: i64, capped: bool, task_events: Option<&str>) -> Vec<String> {
    let stops = match task_events {
        Some(group) => format!("stopped tasks: every \"ECS Task State Change\" EventBridge wrote to {group}"),
        None => "stopped tasks: ECS lists a task for a while after it stops (about an hour), so OOM kills and stop \
                 reasons are those of the last hour — set [aws] task_events_log_group to an EventBridge rule's log \
                 group to count the whole span"
            .to_string(),
    };
    let mut out = vec![
        stops,
        "service events: ECS keeps a service's last 100".to_string(),
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
