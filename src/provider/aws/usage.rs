//! What this session has asked of AWS: requests per operation (every attempt, retries included)
//! and what that costs the user. Counted by an SDK interceptor, so nothing can bypass it.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Cost Explorer: $0.01 per request (each page is one).
pub const COST_EXPLORER_REQUEST_USD: f64 = 0.01;
/// CloudWatch GetMetricData: $0.01 per 1,000 metrics requested.
pub const METRIC_USD: f64 = 0.01 / 1_000.0;

#[derive(Debug, Default)]
struct Tally {
    requests: BTreeMap<String, u64>,
    metrics_requested: u64,
}

/// Shared by every client of a provider; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ApiUsage {
    tally: Arc<Mutex<Tally>>,
}

impl ApiUsage {
    fn record(&self, operation: String) {
        let mut t = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        *t.requests.entry(operation).or_default() += 1;
    }

    /// GetMetricData bills per metric query, not per call.
    pub fn record_metrics(&self, queries: usize) {
        self.tally.lock().unwrap_or_else(|e| e.into_inner()).metrics_requested += queries as u64;
    }

    /// Requests sent so far, keyed `service:Operation`.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner()).requests.clone()
    }

    pub fn total_requests(&self) -> u64 {
        self.tally.lock().unwrap_or_else(|e| e.into_inner()).requests.values().sum()
    }

    pub fn reset(&self) {
        *self.tally.lock().unwrap_or_else(|e| e.into_inner()) = Tally::default();
    }

    /// What this session has cost the user in API charges, USD.
    pub fn spend_usd(&self) -> f64 {
        let t = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        let ce: u64 = t.requests.iter().filter(|(k, _)| k.starts_with("ce:")).map(|(_, v)| v).sum();
        ce as f64 * COST_EXPLORER_REQUEST_USD + t.metrics_requested as f64 * METRIC_USD
    }

    /// An interceptor for one service's client; `service` prefixes the operation names. With
    /// `read_only`, it also stops every operation that is not a read before it is sent.
    pub fn interceptor(&self, service: &'static str, read_only: bool) -> Counter {
        Counter { service, usage: self.clone(), read_only }
    }
}

/// Reads are Describe*, List*, Get*; everything else (Register, Update, Modify, Put…) writes.
pub fn is_read(operation: &str) -> bool {
    ["Describe", "List", "Get"].iter().any(|p| operation.starts_with(p))
}

#[derive(Debug, Clone)]
pub struct Counter {
    service: &'static str,
    usage: ApiUsage,
    read_only: bool,
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "infradeck-request-counter"
    }

    fn read_before_serialization(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown", |m| m.name());
        if self.read_only && !is_read(operation) {
            // The last line of defence: even a code path that forgot to check cannot write.
            return Err(format!("read-only: {}:{operation} refused before sending", self.service).into());
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown", |m| m.name());
        self.usage.record(format!("{}:{operation}", self.service));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_describe_list_and_get_count_as_reads() {
        for op in ["DescribeServices", "ListClusters", "GetMetricData", "GetCallerIdentity"] {
            assert!(is_read(op), "{op}");
        }
        for op in ["RegisterTaskDefinition", "UpdateService", "ModifyReplicationGroup", "PutMetricAlarm", "unknown"] {
            assert!(!is_read(op), "{op}");
        }
    }

    #[test]
    fn spend_counts_cost_explorer_requests_and_metrics_requested() {
        let usage = ApiUsage::default();
        usage.record("ce:GetCostAndUsage".into());
        usage.record("ce:GetCostForecast".into());
        usage.record("ecs:ListServices".into());
        usage.record_metrics(4_000);
        assert_eq!(usage.total_requests(), 3);
        assert!((usage.spend_usd() - (0.02 + 0.04)).abs() < 1e-9, "{}", usage.spend_usd());
        usage.reset();
        assert_eq!(usage.spend_usd(), 0.0);
    }
}
