//! The capacity part of a review: tasks stopped by reason (OOM kills first) per service,
//! evictions per cache group, sizing findings nobody applied, and cost anomalies with their
//! root cause.

use super::{Link, ResourceKey};
use crate::apply::AuditEntry;
use crate::common::format::{money, task_size};
use crate::domain::{CostAnomaly, EventKind, ResourceRef, Severity, TimelineEvent};
use crate::sizing::recommend::{EcsRecommendation, Finding};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stops {
    pub service: String,
    /// Stopped for a reason worth a look (deployments and scaling left out).
    pub stopped: usize,
    pub oom: usize,
    pub health_check: usize,
    pub exited: usize,
    pub other: usize,
    /// The last OOM kill (or the last stop).
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evictions {
    pub group: String,
    pub evicted: f64,
    /// Failovers, node replacements and errors ElastiCache reported.
    pub incidents: usize,
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unapplied {
    pub service: String,
    pub finding: &'static str,
    pub current: String,
    pub proposed: String,
    /// "+$131.18/mo" (more, to be safe) or "-$42.00/mo".
    pub monthly: String,
    /// OOM kills in the span: an under-provisioned service that kept being killed.
    pub oom: usize,
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub date: chrono::NaiveDate,
    pub service: String,
    pub impact: f64,
    pub root_cause: String,
    pub link: Link,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CapacityReview {
    pub stops: Vec<Stops>,
    pub evictions: Vec<Evictions>,
    pub unapplied: Vec<Unapplied>,
    /// Findings applied from infradeck in the span (not listed above).
    pub applied: usize,
    /// What the over-provisioned findings not applied would save a month (Fargate), USD.
    pub unapplied_saving: f64,
    pub anomalies: Vec<Anomaly>,
}

/// Tasks stopped per service, by the reason's fold (`aws::events::stop_reason`).
pub fn stops(events: &[TimelineEvent]) -> Vec<Stops> {
    let mut out: Vec<Stops> = Vec::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Task && e.fold != "routine") {
        let service = e.resource.as_ref().map_or_else(|| "(no service)".to_string(), ToString::to_string);
        let i = match out.iter().position(|s| s.service == service) {
            Some(i) => i,
            None => {
                out.push(Stops { service, stopped: 0, oom: 0, health_check: 0, exited: 0, other: 0, link: None });
                out.len() - 1
            }
        };
        let row = &mut out[i];
        row.stopped += 1;
        match e.fold.as_str() {
            "oom" => row.oom += 1,
            "health check" => row.health_check += 1,
            "essential exited" => row.exited += 1,
            _ => row.other += 1,
        }
        let newer = row.link.as_ref().is_none_or(|l| e.time >= l.at);
        if newer && (e.fold == "oom" || row.oom == 0) {
            row.link = Some(Link { at: e.time, resource: e.resource.clone() });
        }
    }
    out.sort_by(|a, b| (b.oom, b.stopped, &a.service).cmp(&(a.oom, a.stopped, &b.service)));
    out
}

fn evictions(evicted: &[(String, f64)], events: &[TimelineEvent]) -> Vec<Evictions> {
    let mut out: Vec<Evictions> = evicted
        .iter()
        .map(|(group, n)| {
            let resource = ResourceRef::CacheGroup(group.clone());
            let warnings: Vec<&TimelineEvent> = events
                .iter()
                .filter(|e| e.kind == EventKind::Cache && e.severity >= Severity::Warn)
                .filter(|e| e.resource.as_ref() == Some(&resource))
                .collect();
            Evictions {
                group: group.clone(),
                evicted: *n,
                incidents: warnings.len(),
                link: warnings.last().map(|e| Link { at: e.time, resource: Some(resource.clone()) }),
            }
        })
        .filter(|e| e.evicted > 0.0 || e.incidents > 0)
        .collect();
    out.sort_by(|a, b| b.evicted.total_cmp(&a.evicted).then_with(|| a.group.cmp(&b.group)));
    out
}

/// Under- and over-provisioned services whose suggestion was not applied from infradeck in the
/// span.
fn unapplied(
    recs: &[EcsRecommendation],
    audit: &[AuditEntry],
    stops: &[Stops],
    from: DateTime<Utc>,
) -> (Vec<Unapplied>, usize) {
    let applied: Vec<String> =
        audit.iter().filter(|a| a.time >= from && a.result.is_applied()).map(|a| a.resource_name()).collect();
    let open: Vec<&EcsRecommendation> =
        recs.iter().filter(|r| matches!(r.finding, Finding::UnderProvisioned | Finding::OverProvisioned)).collect();
    let (done, mut left): (Vec<&EcsRecommendation>, Vec<&EcsRecommendation>) =
        open.into_iter().partition(|r| applied.contains(&r.service));
    // Under-provisioned first (they risk the service), the ones OOM-killed in the span first of
    // those; then the largest saving.
    let oom_of = |r: &EcsRecommendation| {
        let shown = r.service.resource().map_or(r.service.clone(), |x| x.to_string());
        stops.iter().find(|s| s.service == shown).map_or(0, |s| s.oom)
    };
    left.sort_by(|a, b| {
        (a.finding != Finding::UnderProvisioned)
            .cmp(&(b.finding != Finding::UnderProvisioned))
            .then_with(|| oom_of(b).cmp(&oom_of(a)))
            .then_with(|| a.monthly_change().unwrap_or(0.0).total_cmp(&b.monthly_change().unwrap_or(0.0)))
            .then_with(|| a.service.cmp(&b.service))
    });
    let rows = left
        .into_iter()
        .map(|r| {
            let resource = r.service.resource();
            let shown = resource.as_ref().map_or(r.service.clone(), ToString::to_string);
            let stopped = stops.iter().find(|s| s.service == shown);
            Unapplied {
                service: shown,
                finding: r.finding.label(),
                current: task_size(r.current.0, r.current.1),
                proposed: r.proposed.map_or("—".into(), |(c, m)| task_size(c, m)),
                monthly: r
                    .monthly_change()
                    .map_or("—".into(), |c| format!("{}{}/mo", if c > 0.0 { "+" } else { "" }, money(c))),
                oom: stopped.map_or(0, |s| s.oom),
                link: stopped
                    .and_then(|s| s.link.clone())
                    .or_else(|| resource.map(|r| Link { at: from, resource: Some(r) })),
            }
        })
        .collect();
    (rows, done.len())
}

fn anomalies(found: &[CostAnomaly], from: DateTime<Utc>) -> Vec<Anomaly> {
    let first = from.date_naive();
    let mut out: Vec<Anomaly> = found
        .iter()
        .filter(|a| a.date >= first)
        .map(|a| Anomaly {
            date: a.date,
            service: a.service.clone(),
            impact: a.impact(),
            root_cause: if a.root_cause.is_empty() { "not named".into() } else { a.root_cause.clone() },
            link: Link {
                at: a.date.and_hms_opt(12, 0, 0).map_or(from, |d| d.and_utc()),
                resource: Some(ResourceRef::CostService(a.service.clone())),
            },
        })
        .collect();
    out.sort_by(|a, b| b.impact.total_cmp(&a.impact));
    out
}

pub fn review(
    events: &[TimelineEvent],
    evicted: &[(String, f64)],
    recs: &[EcsRecommendation],
    audit: &[AuditEntry],
    found: &[CostAnomaly],
    from: DateTime<Utc>,
) -> CapacityReview {
    let stops = stops(events);
    let (unapplied, applied) = unapplied(recs, audit, &stops, from);
    let unapplied_saving = -recs
        .iter()
        .filter(|r| {
            let shown = r.service.resource().map_or(r.service.clone(), |x| x.to_string());
            r.finding == Finding::OverProvisioned && unapplied.iter().any(|u| u.service == shown)
        })
        .filter_map(|r| r.monthly_change())
        .filter(|c| *c < 0.0)
        .sum::<f64>();
    CapacityReview {
        evictions: evictions(evicted, events),
        unapplied,
        applied,
        unapplied_saving,
        anomalies: anomalies(found, from),
        stops,
    }
}
