//! What a review (`infradeck review`, `:review`) reads over weeks: the incident timeline's
//! sources over its whole span, with the alarms' transitions, the deploys CloudTrail recorded,
//! evictions and cost anomalies; and what each source could not cover. Providers fill it; the
//! review's figures are pure functions of it (`crate::review`).

use super::trail::ApiChange;
use super::{Alarm, CostAnomaly, SourceProblem, TimelineEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Every alarm, with its state changes in the span (newest first, as `Alarm::history`).
    pub alarms: Vec<Alarm>,
    /// Since when the alarms' history is known, when later than `from` (CloudWatch keeps two
    /// weeks of it): alarm figures cover only that part of the span.
    pub alarms_from: Option<DateTime<Utc>>,
    /// Deployments, service events, stopped tasks and ElastiCache events in the span.
    pub events: Vec<TimelineEvent>,
    /// CloudTrail's writes to services in the span (UpdateService and the like), annotated with
    /// before values: the deployments ECS itself no longer lists.
    pub changes: Vec<ApiChange>,
    /// Keys evicted per replication group over the span.
    pub evictions: Vec<(String, f64)>,
    pub anomalies: Vec<CostAnomaly>,
    /// Handovers written in the span (the demo's simulated ones; the local index adds the user's).
    pub handovers: Vec<HandoverRecord>,
    /// What a source could not reach back to ("stopped tasks: ECS lists them for about an hour").
    pub coverage: Vec<String>,
    pub problems: Vec<SourceProblem>,
}

/// One handover written with `:export`, as the review lists it: kept as a JSON line beside the
/// audit log when it is written, so a review finds it wherever the Markdown was saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoverRecord {
    pub written: DateTime<Utc>,
    /// The timeline's span.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub source: String,
    pub path: String,
    /// Alarms firing when it was written.
    #[serde(default)]
    pub firing: Vec<String>,
    /// The notes typed in the span, as written ("12:55 dana: rolled back orders").
    #[serde(default)]
    pub notes: Vec<String>,
    /// The resources it named as affected (`ecs:prod-core/orders`).
    #[serde(default)]
    pub affected: Vec<String>,
}
