//! The demo fleet's stand-in for AWS Compute Optimizer: its published rule for ECS on Fargate
//! (the service's Maximum CPU and memory over 14 days + 20 %, CPU left alone under CPU target
//! tracking, nothing under 24 h of data or for EC2) applied to the simulated history, in the
//! shape `GetECSServiceRecommendations` returns.

use super::fleet::{Fleet, ServiceSpec};
use super::usage_history;
use crate::domain::optimizer::{OptimizerAnswer, OptimizerContainer, OptimizerRecommendation};
use crate::domain::{LaunchType, UsageHistory};
use crate::sizing::catalog::{FargateRates, HOURS_PER_MONTH};
use crate::sizing::recommend::cheapest_fargate;
use chrono::{DateTime, Utc};

/// Every Fargate service with a day of data; refreshed, as AWS does, once a day.
pub fn answer(fleet: &Fleet, now: i64) -> OptimizerAnswer {
    let refreshed = now - now.rem_euclid(86_400) - 86_400 + 5 * 3_600;
    let recommendations = fleet
        .services
        .iter()
        .filter(|s| s.launch_type == LaunchType::Fargate && s.desired > 0)
        .filter_map(|s| recommendation(s, &usage_history(s, refreshed), refreshed))
        .collect();
    OptimizerAnswer { recommendations, unavailable: Vec::new(), asked: true }
}

fn max(values: &[f32]) -> Option<f32> {
    values.iter().copied().filter(|v| v.is_finite()).reduce(f32::max)
}

fn recommendation(s: &ServiceSpec, history: &UsageHistory, refreshed: i64) -> Option<OptimizerRecommendation> {
    if history.hours_of_data() < 24.0 {
        return None;
    }
    let (cpu_max, mem_max) = (max(&history.cpu_vcpu)?, max(&history.memory_mib)?);
    let current = (s.task_cpu, s.task_memory);
    let tracking = s.autoscaling.as_ref().is_some_and(|a| a.metric.contains("CPU"));
    let cpu_need = if tracking { s.task_cpu as f32 } else { cpu_max * 1.2 * 1024.0 };
    let rates = FargateRates::default();
    let size = cheapest_fargate(&rates, s.arch, cpu_need.max(1.0), (mem_max * 1.2).max(1.0))?;
    use std::cmp::Ordering::*;
    let mut reasons = Vec::new();
    for (ours, now, what) in [(size.0, current.0, "CPU"), (size.1, current.1, "Memory")] {
        match ours.cmp(&now) {
            Less => reasons.push(format!("{what}Overprovisioned")),
            Greater => reasons.push(format!("{what}Underprovisioned")),
            Equal => {}
        }
    }
    let finding = if reasons.iter().any(|r| r.ends_with("Underprovisioned")) {
        "Underprovisioned"
    } else if reasons.is_empty() {
        "Optimized"
    } else {
        "Overprovisioned"
    };
    let cpu_pct = (cpu_max / (s.task_cpu as f32 / 1024.0) * 100.0).min(100.0) as f64;
    let mem_pct = (mem_max / s.task_memory as f32 * 100.0).min(100.0) as f64;
    let monthly = |(c, m): (u32, u32)| rates.task_hourly(s.arch, c, m) * s.desired as f64 * HOURS_PER_MONTH;
    let saving = (monthly(current) - monthly(size)).max(0.0);
    let risk = match cpu_pct.max(mem_pct) {
        p if p >= 95.0 => "High",
        p if p >= 80.0 => "Medium",
        p if p >= 50.0 => "Low",
        _ => "VeryLow",
    };
    let scale = |v: u32, to: u32, from: u32| (v as u64 * to as u64 / from.max(1) as u64) as u32;
    let containers = s
        .containers
        .iter()
        .map(|c| OptimizerContainer {
            name: c.name.clone(),
            cpu: Some(scale(c.cpu, size.0, current.0)),
            memory: c.memory_hard.map(|m| scale(m, size.1, current.1)),
            memory_reservation: c.memory_soft.map(|m| scale(m, size.1, current.1)),
        })
        .collect();
    let projected = |used: f32, of: f32| {
        let p = (used / of * 100.0) as f64;
        (p * 0.9, p)
    };
    Some(OptimizerRecommendation {
        service_arn: format!("arn:aws:ecs:{}:{}:service/{}/{}", super::REGION, super::ACCOUNT, s.cluster, s.name),
        finding: finding.into(),
        reason_codes: reasons,
        current,
        recommended: Some(size),
        containers,
        cpu_max_percent: Some(cpu_pct),
        memory_max_percent: Some(mem_pct),
        projected_cpu_percent: Some(projected(cpu_max, size.0 as f32 / 1024.0)),
        projected_memory_percent: Some(projected(mem_max, size.1 as f32)),
        savings_monthly: Some(saving),
        savings_percent: Some(saving / monthly(current).max(f64::MIN_POSITIVE) * 100.0),
        savings_after_discounts: Some(saving),
        performance_risk: Some(risk.into()),
        lookback_days: 14.0,
        refreshed: DateTime::<Utc>::from_timestamp(refreshed, 0),
        autoscaling: tracking.then(|| "TargetTrackingScalingCpu".into()),
    })
}

/// The demo account's last full month of Fargate: a Compute Savings Plan covers 60 % of the
/// On-Demand equivalent at a 22 % discount, so it pays 86.8 % of list.
pub fn effective_rates(fleet: &Fleet, now: i64) -> crate::domain::cost::EffectiveRates {
    use chrono::Datelike;
    let rates = FargateRates::default();
    let on_demand: f64 = fleet
        .services
        .iter()
        .filter(|s| s.launch_type == LaunchType::Fargate)
        .map(|s| rates.task_hourly(s.arch, s.task_cpu, s.task_memory) * s.desired as f64 * HOURS_PER_MONTH)
        .sum();
    let covered = on_demand * 0.6;
    let today = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default().date_naive();
    let last = today.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(today);
    crate::domain::cost::EffectiveRates {
        month: format!("{}-{:02}", last.year(), last.month()),
        fargate: Some(crate::domain::cost::Discount { paid: on_demand - covered * 0.22, on_demand, covered }),
        // Reserved nodes cover half its ElastiCache hours at 35 % off: 82.5 % of list.
        elasticache: Some(crate::domain::cost::Discount { paid: 8_250.0, on_demand: 10_000.0, covered: 5_000.0 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_follows_compute_optimizers_published_rule() {
        let fleet = Fleet::build(42, None);
        let a = answer(&fleet, 1_795_012_200);
        assert!(a.asked && a.unavailable.is_empty());
        let fargate_running = fleet.services.iter().filter(|s| s.launch_type == LaunchType::Fargate && s.desired > 0);
        assert_eq!(a.recommendations.len(), fargate_running.count(), "one per Fargate service with tasks");
        let tracked = a.recommendations.iter().find(|r| r.service_arn.ends_with("prod-core/web-frontend")).unwrap();
        assert_eq!(tracked.autoscaling.as_deref(), Some("TargetTrackingScalingCpu"));
        assert_eq!(tracked.recommended.unwrap().0, tracked.current.0, "CPU left alone under target tracking");
        let cart = a.recommendations.iter().find(|r| r.service_arn.ends_with("prod-core/cart")).unwrap();
        assert_eq!(cart.finding, "Overprovisioned");
        assert!(cart.savings_monthly.unwrap() > 0.0 && cart.reason_codes.contains(&"MemoryOverprovisioned".into()));
        assert!(!a.recommendations.iter().any(|r| r.service_arn.contains("batch/")), "EC2 services are not covered");
    }

    #[test]
    fn the_demo_account_pays_its_savings_plan_rate() {
        let e = effective_rates(&Fleet::build(42, None), 1_795_012_200);
        assert_eq!(e.month, "2026-10");
        let d = e.fargate.unwrap();
        assert!((d.ratio().unwrap() - 0.868).abs() < 1e-9 && (d.covered_share() - 0.6).abs() < 1e-9);
    }
}
