//! What this session has asked of AWS: requests per operation (every attempt, retries included)
//! and what that costs the user. Counted by an SDK interceptor, so nothing can bypass it.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

pub use crate::provider::meter::{COST_EXPLORER_REQUEST_USD, METRIC_USD, Meter as ApiUsage};

impl ApiUsage {
    /// An interceptor for one service's client; `service` prefixes the operation names. With
    /// `read_only`, it also stops every operation that is not a read before it is sent.
    pub fn interceptor(&self, service: &'static str, read_only: bool) -> Counter {
        Counter { service, usage: self.clone(), read_only }
    }
}

/// Reads are Describe*, List*, Get* and the lookups named here; everything else (Register,
/// Update, Modify, Put…) writes.
pub fn is_read(operation: &str) -> bool {
    ["Describe", "List", "Get"].iter().any(|p| operation.starts_with(p))
        || matches!(operation, "LookupEvents" | "FilterLogEvents")
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
        for op in ["DescribeServices", "ListClusters", "GetMetricData", "GetCallerIdentity", "LookupEvents"] {
            assert!(is_read(op), "{op}");
        }
        for op in ["RegisterTaskDefinition", "UpdateService", "ModifyReplicationGroup", "PutMetricAlarm", "unknown"] {
            assert!(!is_read(op), "{op}");
        }
    }
}
