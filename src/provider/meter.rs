//! What a session has asked of AWS and what that costs the user: requests per operation and
//! metrics requested per purpose. The AWS provider counts with an SDK interceptor (nothing can
//! bypass it); the demo fleet counts what the same refresh would have sent, so both show, and
//! are scheduled by, the same cost.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Cost Explorer: $0.01 per request (each page is one).
pub const COST_EXPLORER_REQUEST_USD: f64 = 0.01;
/// CloudWatch GetMetricData: $0.01 per 1,000 metrics requested — each query in each call,
/// however few datapoints come back.
pub const METRIC_USD: f64 = 0.01 / 1_000.0;

/// What asked for metrics: the spend is broken down by these in `:budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetricSource {
    EcsPane,
    RedisPane,
    /// The 14-day usage history right-sizing replays.
    Sizing,
    /// The SLO windows (requests, 5xx, slow requests).
    Slo,
    DetailView,
    /// A review's evictions over its span.
    Review,
}

impl MetricSource {
    pub fn label(self) -> &'static str {
        match self {
            MetricSource::EcsPane => "ECS pane",
            MetricSource::RedisPane => "Redis pane",
            MetricSource::Sizing => "sizing history",
            MetricSource::Slo => "SLO windows",
            MetricSource::DetailView => "detail view",
            MetricSource::Review => "review",
        }
    }
}

/// A snapshot of the meter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spend {
    /// Requests sent, every attempt counted.
    pub requests: u64,
    pub usd: f64,
    /// Requests by `service:Operation`.
    pub by_operation: BTreeMap<String, u64>,
    /// Metrics requested by what asked for them.
    pub metrics: BTreeMap<MetricSource, u64>,
    /// Counted by the demo fleet: what the same refreshes would have cost on AWS.
    pub simulated: bool,
}

impl Spend {
    pub fn metrics_total(&self) -> u64 {
        self.metrics.values().sum()
    }

    /// Cost Explorer requests, the other thing that is billed per call.
    pub fn cost_explorer_requests(&self) -> u64 {
        self.by_operation.iter().filter(|(k, _)| k.starts_with("ce:")).map(|(_, v)| v).sum()
    }

    /// What was spent after `before` (a snapshot of the same meter).
    pub fn since(&self, before: &Spend) -> Spend {
        let minus = |a: u64, b: Option<&u64>| a.saturating_sub(b.copied().unwrap_or(0));
        let by_operation: BTreeMap<String, u64> = self
            .by_operation
            .iter()
            .map(|(k, v)| (k.clone(), minus(*v, before.by_operation.get(k))))
            .filter(|(_, v)| *v > 0)
            .collect();
        let metrics: BTreeMap<MetricSource, u64> =
            self.metrics.iter().map(|(k, v)| (*k, minus(*v, before.metrics.get(k)))).filter(|(_, v)| *v > 0).collect();
        let mut out =
            Spend { requests: by_operation.values().sum(), usd: 0.0, by_operation, metrics, simulated: self.simulated };
        out.usd =
            out.cost_explorer_requests() as f64 * COST_EXPLORER_REQUEST_USD + out.metrics_total() as f64 * METRIC_USD;
        out
    }

    /// "212 requests (ecs 48, cloudtrail 12, monitoring 150, ce 2) and 40 metrics: $0.02".
    pub fn summary(&self) -> String {
        let mut by_service: BTreeMap<&str, u64> = BTreeMap::new();
        for (op, n) in &self.by_operation {
            *by_service.entry(op.split(':').next().unwrap_or(op)).or_default() += n;
        }
        let parts: Vec<String> = by_service.iter().map(|(s, n)| format!("{s} {n}")).collect();
        format!(
            "{} requests ({}) and {} metrics: ${:.2}{}",
            self.requests,
            if parts.is_empty() { "none".into() } else { parts.join(", ") },
            self.metrics_total(),
            self.usd,
            if self.simulated { " (simulated: what the same reads would cost on AWS)" } else { "" }
        )
    }

    /// Requests to ECS: the API whose throttle budget the account's deploy pipelines share.
    pub fn ecs_requests(&self) -> u64 {
        self.by_operation.iter().filter(|(k, _)| k.starts_with("ecs:")).map(|(_, v)| v).sum()
    }
}

#[derive(Debug, Default)]
struct Tally {
    requests: BTreeMap<String, u64>,
    metrics: BTreeMap<MetricSource, u64>,
}

/// Shared by every client of a provider; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Meter {
    tally: Arc<Mutex<Tally>>,
}

impl Meter {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One request of `operation` (`service:Operation`).
    pub fn record(&self, operation: impl Into<String>) {
        *self.lock().requests.entry(operation.into()).or_default() += 1;
    }

    /// `n` requests of `operation` at once (the demo's estimate of a refresh).
    pub fn record_many(&self, operation: &str, n: u64) {
        if n > 0 {
            *self.lock().requests.entry(operation.to_string()).or_default() += n;
        }
    }

    /// GetMetricData bills per metric query, not per call.
    pub fn record_metrics(&self, source: MetricSource, queries: usize) {
        *self.lock().metrics.entry(source).or_default() += queries as u64;
    }

    /// Requests sent so far, keyed `service:Operation`.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.lock().requests.clone()
    }

    pub fn total_requests(&self) -> u64 {
        self.lock().requests.values().sum()
    }

    /// Metrics requested from GetMetricData so far (what CloudWatch bills).
    pub fn metrics_requested(&self) -> u64 {
        self.lock().metrics.values().sum()
    }

    pub fn reset(&self) {
        *self.lock() = Tally::default();
    }

    /// What this session has cost the user in API charges, USD.
    pub fn spend_usd(&self) -> f64 {
        self.spend().usd
    }

    pub fn spend(&self) -> Spend {
        let t = self.lock();
        let mut spend = Spend {
            requests: t.requests.values().sum(),
            usd: 0.0,
            by_operation: t.requests.clone(),
            metrics: t.metrics.clone(),
            simulated: false,
        };
        spend.usd = spend.cost_explorer_requests() as f64 * COST_EXPLORER_REQUEST_USD
            + spend.metrics_total() as f64 * METRIC_USD;
        spend
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_counts_cost_explorer_requests_and_metrics_by_what_asked() {
        let m = Meter::default();
        m.record("ce:GetCostAndUsage");
        m.record("ecs:ListServices");
        m.record_many("ecs:DescribeServices", 3);
        m.record_metrics(MetricSource::EcsPane, 1_000);
        m.record_metrics(MetricSource::Sizing, 500);
        let s = m.spend();
        assert!((s.usd - (0.01 + 0.015)).abs() < 1e-12, "{}", s.usd);
        assert_eq!((s.requests, s.ecs_requests(), s.metrics_total()), (5, 4, 1_500));
        assert_eq!(s.metrics[&MetricSource::Sizing], 500);
        m.reset();
        assert_eq!(m.spend(), Spend::default());
    }
}
