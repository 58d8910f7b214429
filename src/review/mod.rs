//! `infradeck review` and `:review`: what kept happening over the last weeks — which alarms are
//! noise, which deployments failed and how fast services recovered, what ran out of capacity,
//! what cost jumped, and what the team's own handovers said. Pure functions of a
//! [`History`](crate::domain::History), the audit log and the sizing run; every figure carries a
//! [`Link`] to the moment it came from, where the TUI opens the timeline.

pub mod alarms;
pub mod capacity;
pub mod changes;
pub mod render;

use crate::apply::AuditEntry;
use crate::domain::{HandoverRecord, History, ResourceRef};
use crate::sizing::recommend::EcsRecommendation;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a figure comes from: a moment and what it is about. `:timeline` opens there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub at: DateTime<Utc>,
    #[serde(serialize_with = "as_text")]
    pub resource: Option<ResourceRef>,
}

fn as_text<S: serde::Serializer>(r: &Option<ResourceRef>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_str(&r.to_string()),
        None => s.serialize_none(),
    }
}

impl Link {
    /// What a person types to see it: `:timeline 2026-11-14T12:10 orders`.
    pub fn command(&self) -> String {
        let name = match &self.resource {
            Some(ResourceRef::EcsService { service, .. }) => format!(" {service}"),
            Some(ResourceRef::CacheGroup(g)) => format!(" {g}"),
            _ => String::new(),
        };
        format!(":timeline {}{name}", self.at.format("%Y-%m-%dT%H:%M"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub source: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub alarms: Vec<alarms::AlarmReview>,
    /// When the alarm figures start (later than `from` where alarm history is shorter).
    pub alarms_from: DateTime<Utc>,
    /// Target-tracking alarms (autoscaling's), apart: in ALARM is them asking for a scale.
    pub scaling_alarms: Vec<alarms::AlarmReview>,
    pub changes: changes::ChangesReview,
    pub capacity: capacity::CapacityReview,
    pub incidents: Vec<HandoverRecord>,
    /// What a source could not reach back to.
    pub coverage: Vec<String>,
    /// Sources that could not be read (the rest still counts).
    pub problems: Vec<String>,
    /// What reading it cost, when the source charges ("412 requests, $0.03").
    pub spent: Option<String>,
}

impl Review {
    pub fn days(&self) -> i64 {
        ((self.to - self.from).num_seconds() as f64 / 86_400.0).round() as i64
    }
}

/// The review of `history`, with infradeck's own applies, the latest sizing run and the
/// handovers written locally (`handovers`, added to those the history carries).
pub fn build(
    source: &str,
    history: &History,
    audit: &[AuditEntry],
    recs: &[EcsRecommendation],
    handovers: &[HandoverRecord],
) -> Review {
    let (from, to) = (history.from, history.to);
    let in_span = |t: DateTime<Utc>| t >= from && t <= to;
    let audit: Vec<AuditEntry> = audit.iter().filter(|a| in_span(a.time)).cloned().collect();
    let alarms_from = history.alarms_from.map_or(from, |a| a.max(from));
    let (people, scaling) = alarms::review(&history.alarms, alarms_from, to);
    let deploys = changes::deployments(&history.events, &history.changes, &audit);
    let mut incidents: Vec<HandoverRecord> =
        history.handovers.iter().chain(handovers).filter(|h| in_span(h.written)).cloned().collect();
    incidents.sort_by_key(|h| h.written);
    incidents.dedup_by(|a, b| a.path == b.path && a.written == b.written);
    Review {
        source: source.to_string(),
        from,
        to,
        alarms: people,
        alarms_from,
        scaling_alarms: scaling,
        changes: changes::review(&deploys, &history.events, &history.alarms, alarms_from, to),
        capacity: capacity::review(&history.events, &history.evictions, recs, &audit, &history.anomalies, from),
        incidents,
        coverage: history.coverage.clone(),
        problems: history.problems.iter().map(|p| format!("{}: {}", p.source, p.error)).collect(),
        spent: None,
    }
}

/// Whether an audit entry (its `target`: "profile · account · region", or "demo fleet") was
/// written against the source being reviewed (`label`, `account`): the audit log and the
/// handover index are shared by every source, and a demo resize is no production deployment.
pub fn same_source(target: &str, label: &str, account: Option<&str>) -> bool {
    let demo = |s: &str| s.starts_with("demo fleet");
    match (demo(label), demo(target)) {
        (true, is_demo) => is_demo,
        (false, true) => false,
        (false, false) => account.is_none_or(|a| target.contains(a)),
    }
}

/// "7m", "3h05m", "2d4h", "9d".
pub fn duration(seconds: i64) -> String {
    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    crate::common::format::age(epoch + chrono::Duration::seconds(seconds.max(0)), epoch)
}

/// The middle value (the upper one of an even count); None for none.
pub fn median(mut v: Vec<i64>) -> Option<i64> {
    v.sort_unstable();
    (!v.is_empty()).then(|| v[v.len() / 2])
}

/// A sizing run's `cluster/service` key as the resource it names.
pub trait ResourceKey {
    fn resource(&self) -> Option<ResourceRef>;
}

impl ResourceKey for String {
    fn resource(&self) -> Option<ResourceRef> {
        let (cluster, service) = self.rsplit_once('/')?;
        Some(ResourceRef::EcsService { cluster: cluster.into(), service: service.into() })
    }
}
