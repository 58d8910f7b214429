//! CloudWatch GetMetricData, batched: up to 500 queries per call, NextToken followed, never one
//! call per metric. Query building and result alignment are pure; only `fetch` talks to AWS.

use super::{Target, sdk_error};
use crate::domain::Window;
use crate::provider::ProviderError;
use crate::provider::meter::MetricSource;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use aws_smithy_types::DateTime as SdkTime;
use std::borrow::Cow;
use std::collections::HashMap;

/// GetMetricData's limit on queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;

/// One metric statistic to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// Fixed for the panes' own queries; an alarm's metric is whatever the alarm names.
    pub namespace: Cow<'static, str>,
    pub metric: Cow<'static, str>,
    pub dimensions: Vec<(Cow<'static, str>, String)>,
    /// "Average", "p99", "PR(:0.3)"…
    pub stat: Cow<'static, str>,
}

impl MetricQuery {
    pub fn new(
        namespace: impl Into<Cow<'static, str>>,
        metric: impl Into<Cow<'static, str>>,
        stat: impl Into<Cow<'static, str>>,
    ) -> Self {
        MetricQuery { namespace: namespace.into(), metric: metric.into(), dimensions: Vec::new(), stat: stat.into() }
    }

    /// The dimensions as plain pairs (for reading and comparing).
    pub fn dims(&self) -> Vec<(&str, &str)> {
        self.dimensions.iter().map(|(n, v)| (n.as_ref(), v.as_str())).collect()
    }

    pub fn dim(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.dimensions.push((name.into(), value.into()));
        self
    }
}

/// The time range and resolution of a window, aligned to whole periods so that consecutive
/// refreshes ask for the same buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// Epoch seconds, inclusive.
    pub start: i64,
    /// Epoch seconds, exclusive: the end of the newest (possibly partial) period.
    pub end: i64,
    pub period: i64,
}

impl Span {
    pub fn for_window(window: Window, now: i64) -> Span {
        let period = window.step();
        let end = (now.div_euclid(period) + 1) * period;
        Span { start: end - window.seconds(), end, period }
    }

    /// `seconds` up to now at `period` resolution, aligned like `for_window`.
    pub fn ending(now: i64, period: i64, seconds: i64) -> Span {
        let end = (now.div_euclid(period) + 1) * period;
        Span { start: end - seconds, end, period }
    }

    pub fn buckets(&self) -> usize {
        ((self.end - self.start) / self.period) as usize
    }
}

/// Place `(timestamp, value)` pairs (any order) on the span's buckets, oldest first; NaN where
/// CloudWatch had nothing. Points outside the span are dropped; non-finite values stay missing.
pub fn align(span: &Span, timestamps: &[i64], values: &[f64]) -> Vec<f32> {
    let mut out = vec![f32::NAN; span.buckets()];
    for (&t, &v) in timestamps.iter().zip(values) {
        if t < span.start || t >= span.end || !v.is_finite() {
            continue;
        }
        out[((t - span.start) / span.period) as usize] = v as f32;
    }
    out
}

/// Query ids must start with a lowercase letter; the index is the key back into `queries`.
fn query_id(index: usize) -> String {
    format!("q{index}")
}

/// `account`: the source account a monitoring account reads the metric from (None: the caller's).
pub(super) fn to_sdk(index: usize, q: &MetricQuery, period: i64, account: Option<&str>) -> MetricDataQuery {
    let dimensions: Vec<Dimension> =
        q.dimensions.iter().map(|(n, v)| Dimension::builder().name(n.as_ref()).value(v).build()).collect();
    let metric = Metric::builder()
        .namespace(q.namespace.as_ref())
        .metric_name(q.metric.as_ref())
        .set_dimensions(Some(dimensions))
        .build();
    let stat = MetricStat::builder().metric(metric).period(period as i32).stat(q.stat.as_ref()).build();
    MetricDataQuery::builder()
        .id(query_id(index))
        .metric_stat(stat)
        .return_data(true)
        .set_account_id(account.map(str::to_string))
        .build()
}

/// How many GetMetricData calls `queries` need (before NextToken pages).
/// The series answered for the query of `metric` with `stat` (empty when none was asked): what a
/// caller wants is named, not counted by its position in the batch.
pub fn series_for<'a>(queries: &[MetricQuery], series: &'a [Vec<f32>], metric: &str, stat: &str) -> &'a [f32] {
    queries
        .iter()
        .position(|q| q.metric == metric && q.stat == stat)
        .and_then(|i| series.get(i))
        .map_or(&[], Vec::as_slice)
}

pub fn calls_for(queries: usize) -> usize {
    queries.div_ceil(MAX_QUERIES_PER_CALL)
}

/// What one query's results said over every page: the points, and whether CloudWatch refused it
/// (`StatusCode` Forbidden: a monitoring account asking for an account not linked to it).
#[derive(Debug, Default)]
pub(super) struct Answered {
    pub timestamps: Vec<i64>,
    pub values: Vec<f64>,
    pub forbidden: bool,
}

/// One GetMetricData call of at most 500 queries, NextToken followed: each result by its id.
pub(super) async fn call(
    client: &aws_sdk_cloudwatch::Client,
    queries: Vec<MetricDataQuery>,
    span: Span,
) -> Result<HashMap<String, Answered>, ProviderError> {
    use aws_sdk_cloudwatch::types::StatusCode;
    let mut out: HashMap<String, Answered> = HashMap::new();
    let mut token: Option<String> = None;
    loop {
        let answer = client
            .get_metric_data()
            .set_metric_data_queries(Some(queries.clone()))
            .start_time(SdkTime::from_secs(span.start))
            .end_time(SdkTime::from_secs(span.end))
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| sdk_error("cloudwatch:GetMetricData", e))?;
        for result in answer.metric_data_results() {
            let Some(id) = result.id() else { continue };
            let entry = out.entry(id.to_string()).or_default();
            entry.timestamps.extend(result.timestamps().iter().map(|t| t.secs()));
            entry.values.extend(result.values());
            // AWS documents Forbidden as a status code and as a message code: either refuses.
            entry.forbidden |= result.status_code() == Some(&StatusCode::Forbidden)
                || result.messages().iter().any(|m| m.code() == Some("Forbidden"));
        }
        token = answer.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// The index a query id (`q17`) stands for.
pub(super) fn id_index(id: &str) -> Option<usize> {
    id.strip_prefix('q')?.parse().ok()
}

/// Fetch every query over `span`; the answer is one aligned series per query, in query order.
/// A target whose account is linked to a monitoring account asks through it (its queries ride
/// in the same calls as the other linked accounts'); an account the monitoring account is
/// refused for is asked in its own CloudWatch.
pub async fn fetch(
    target: &Target,
    source: MetricSource,
    queries: &[MetricQuery],
    span: Span,
) -> Result<Vec<Vec<f32>>, ProviderError> {
    target.usage.record_metrics(source, queries.len());
    let account = target.org_account.clone().unwrap_or_else(|| target.account());
    if let Some(hub) = target.metrics_via.as_ref().filter(|h| h.carries(&account)) {
        // Pane refreshes and sizing ask every account at once: those are worth gathering.
        let gather = matches!(
            source,
            MetricSource::EcsPane | MetricSource::RedisPane | MetricSource::Sizing | MetricSource::Slo
        );
        match hub.fetch(&account, queries, span, gather).await {
            Ok(Some(series)) => return Ok(series),
            // Refused there: this account's own CloudWatch, billed again.
            Ok(None) => target.usage.record_metrics(source, queries.len()),
            // The monitoring account failing (throttled, its role's session gone) is not this
            // account's failure: its own CloudWatch still answers.
            Err(e) => {
                tracing::warn!(%account, monitoring = %hub.account, "metrics through the monitoring account failed: {e}");
                target.usage.record_metrics(source, queries.len());
            }
        }
    }
    let mut points: HashMap<usize, Answered> = HashMap::new();
    for (chunk_no, chunk) in queries.chunks(MAX_QUERIES_PER_CALL).enumerate() {
        let base = chunk_no * MAX_QUERIES_PER_CALL;
        let sdk_queries: Vec<MetricDataQuery> =
            chunk.iter().enumerate().map(|(i, q)| to_sdk(base + i, q, span.period, None)).collect();
        let answered = call(&target.cloudwatch, sdk_queries, span).await?;
        points.extend(answered.into_iter().filter_map(|(id, a)| Some((id_index(&id)?, a))));
    }
    Ok((0..queries.len())
        .map(|i| {
            points.get(&i).map_or_else(|| vec![f32::NAN; span.buckets()], |a| align(&span, &a.timestamps, &a.values))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_found_by_what_it_measures_not_by_position() {
        let queries = [
            MetricQuery::new("AWS/ECS", "CPUUtilization", "Average"),
            MetricQuery::new("AWS/ECS", "CPUUtilization", "Maximum"),
            MetricQuery::new("AWS/ApplicationELB", "TargetResponseTime", "p99"),
        ];
        let series = vec![vec![1.0], vec![2.0], vec![3.0]];
        assert_eq!(series_for(&queries, &series, "CPUUtilization", "Maximum"), &[2.0]);
        assert_eq!(series_for(&queries, &series, "TargetResponseTime", "p99"), &[3.0]);
        assert!(series_for(&queries, &series, "MemoryUtilization", "Average").is_empty(), "not asked");
        assert!(series_for(&queries, &series[..1], "TargetResponseTime", "p99").is_empty(), "not answered");
    }

    #[test]
    fn spans_cover_the_window_at_its_resolution_ending_after_now() {
        let now = 1_795_012_345;
        let day = Span::for_window(Window::Day, now);
        assert_eq!(day.period, 300);
        assert_eq!(day.buckets(), 288);
        assert!(day.end > now && day.end - now <= 300);
        assert_eq!(day.end % 300, 0);
        let fortnight = Span::for_window(Window::Fortnight, now);
        assert_eq!((fortnight.period, fortnight.buckets()), (3_600, 336));
        let hour = Span::for_window(Window::Hour, now);
        assert_eq!((hour.period, hour.buckets()), (60, 60));
    }

    #[test]
    fn align_orders_points_and_leaves_gaps_missing() {
        let span = Span { start: 0, end: 300, period: 60 };
        // Newest first, as CloudWatch answers; one NaN and one point outside the span.
        let got = align(&span, &[240, 120, 0, 600, 60], &[5.0, 3.0, 1.0, 9.0, f64::NAN]);
        assert_eq!(got.len(), 5);
        assert_eq!(got[0], 1.0);
        assert!(got[1].is_nan());
        assert_eq!(got[2], 3.0);
        assert!(got[3].is_nan());
        assert_eq!(got[4], 5.0);
    }

    #[test]
    fn batches_are_ceil_of_queries_over_500() {
        assert_eq!(calls_for(0), 0);
        assert_eq!(calls_for(1), 1);
        assert_eq!(calls_for(500), 1);
        assert_eq!(calls_for(501), 2);
        assert_eq!(calls_for(4_000), 8);
    }

    #[test]
    fn sdk_queries_carry_ids_dimensions_and_stat() {
        let q = MetricQuery::new("AWS/ECS", "CPUUtilization", "Maximum")
            .dim("ClusterName", "prod")
            .dim("ServiceName", "web");
        let sdk = to_sdk(7, &q, 300, None);
        assert_eq!(sdk.account_id(), None, "the caller's own metric");
        assert_eq!(to_sdk(7, &q, 300, Some("222233334444")).account_id(), Some("222233334444"));
        assert_eq!(sdk.id(), Some("q7"));
        let stat = sdk.metric_stat().unwrap();
        assert_eq!(stat.stat(), Some("Maximum"));
        assert_eq!(stat.period(), Some(300));
        let dims = stat.metric().unwrap().dimensions();
        assert_eq!(dims.len(), 2);
        assert_eq!(dims[1].value(), Some("web"));
    }
}
