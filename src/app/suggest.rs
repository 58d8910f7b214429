//! `:suggest`: every right-sizing suggestion in one ranked list — the at-risk
//! (under-provisioned) first, most dangerous first, then savings, largest first. Pure: built
//! from the state's recommendations, shared by the view and by `enter` (open the resource).

use super::state::State;
use crate::common::format::{money, task_size};
use crate::domain::ResourceRef;
use crate::sizing::recommend::{Finding, Risk};

#[derive(Debug, Clone, PartialEq)]
pub struct SuggestItem {
    pub resource: ResourceRef,
    pub finding: Finding,
    pub risk: Risk,
    pub current: String,
    pub proposed: String,
    /// Monthly cost change, USD (negative saves); None where it is not a price (EC2, topology).
    pub monthly: Option<f64>,
}

impl SuggestItem {
    pub fn at_risk(&self) -> bool {
        self.finding == Finding::UnderProvisioned
    }
}

fn risk_rank(r: Risk) -> u8 {
    match r {
        Risk::High => 0,
        Risk::Medium => 1,
        Risk::Low => 2,
    }
}

/// The ranked list: under-provisioned first (highest risk, then largest cost), then
/// over-provisioned by saving. Optimized and unsized resources are left out.
pub fn ranked(state: &State) -> Vec<SuggestItem> {
    let mut items: Vec<SuggestItem> = Vec::new();
    for r in state.sizing.recs.values() {
        let (cluster, service) = r.service.split_once('/').unwrap_or((&r.service, ""));
        items.push(SuggestItem {
            resource: ResourceRef::EcsService { cluster: cluster.into(), service: service.into() },
            finding: r.finding,
            risk: r.risk,
            current: task_size(r.current.0, r.current.1),
            proposed: r.proposed.map_or("—".into(), |(c, m)| task_size(c, m)),
            monthly: r.monthly_change(),
        });
    }
    for r in state.sizing.cache_recs.values() {
        items.push(SuggestItem {
            resource: ResourceRef::CacheGroup(r.group.clone()),
            finding: r.finding,
            risk: r.risk,
            current: format!("{} ×{}", r.current.trim_start_matches("cache."), r.nodes),
            proposed: match (&r.proposed, &r.topology) {
                (Some(p), _) => p.trim_start_matches("cache.").to_string(),
                (None, Some(t)) => t.clone(),
                (None, None) => "—".into(),
            },
            monthly: r.monthly_change(),
        });
    }
    items.retain(|i| matches!(i.finding, Finding::UnderProvisioned | Finding::OverProvisioned));
    items.sort_by(|a, b| {
        b.at_risk()
            .cmp(&a.at_risk())
            .then_with(
                || if a.at_risk() { risk_rank(a.risk).cmp(&risk_rank(b.risk)) } else { std::cmp::Ordering::Equal },
            )
            .then_with(|| a.monthly.unwrap_or(0.0).total_cmp(&b.monthly.unwrap_or(0.0)))
            .then_with(|| a.resource.to_string().cmp(&b.resource.to_string()))
    });
    items
}

/// Total monthly saving of the over-provisioned suggestions, USD (positive).
pub fn total_saving(items: &[SuggestItem]) -> f64 {
    -items.iter().filter(|i| !i.at_risk()).filter_map(|i| i.monthly).filter(|m| *m < 0.0).sum::<f64>()
}

pub fn money_change(m: Option<f64>) -> String {
    match m {
        Some(c) if c.abs() >= 0.005 => format!("{}{}/mo", if c < 0.0 { "-" } else { "+" }, money(c.abs())),
        _ => "—".into(),
    }
}
