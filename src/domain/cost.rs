//! Cost Explorer daily cost by service.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceCost {
    pub service: String,
    /// One value per day from `CostReport::start`, USD (AmortizedCost).
    pub daily: Vec<f64>,
    pub month_to_date: f64,
    pub last_month: f64,
    /// This month's forecast total.
    pub forecast: f64,
}

impl ServiceCost {
    /// Forecast against last month, in percent; None when last month was zero.
    pub fn change_pct(&self) -> Option<f64> {
        (self.last_month > 0.0).then(|| (self.forecast - self.last_month) / self.last_month * 100.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostAnomaly {
    pub date: NaiveDate,
    pub service: String,
    pub expected: f64,
    pub actual: f64,
    /// What Cost Anomaly Detection names as the cause ("Amazon CloudWatch · us-east-1 ·
    /// CW:Requests"); empty when it names none.
    #[serde(default)]
    pub root_cause: String,
}

impl CostAnomaly {
    pub fn impact(&self) -> f64 {
        self.actual - self.expected
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// First day of `ServiceCost::daily`.
    pub start: NaiveDate,
    /// Today (partial day, last element of `daily`).
    pub today: NaiveDate,
    pub services: Vec<ServiceCost>,
    pub anomalies: Vec<CostAnomaly>,
    /// Parts that could not be read (the forecast, the anomalies), said in words: cost still
    /// shows without them.
    #[serde(default)]
    pub missing: Vec<String>,
}

impl CostReport {
    pub fn days(&self) -> usize {
        self.services.iter().map(|s| s.daily.len()).max().unwrap_or(0)
    }

    /// Total per day over all services.
    pub fn total_daily(&self) -> Vec<f64> {
        let mut total = vec![0.0; self.days()];
        for s in &self.services {
            for (t, v) in total.iter_mut().zip(&s.daily) {
                *t += v;
            }
        }
        total
    }

    pub fn month_to_date(&self) -> f64 {
        self.services.iter().map(|s| s.month_to_date).sum()
    }

    pub fn forecast(&self) -> f64 {
        self.services.iter().map(|s| s.forecast).sum()
    }

    pub fn last_month(&self) -> f64 {
        self.services.iter().map(|s| s.last_month).sum()
    }

    pub fn date_of(&self, index: usize) -> NaiveDate {
        self.start + chrono::Days::new(index as u64)
    }

    pub fn is_anomalous(&self, service: &str) -> bool {
        self.anomalies.iter().any(|a| a.service == service)
    }
}

/// What the account really paid for a service's usage against its On-Demand price, over a
/// whole billing month (Cost Explorer: AmortizedCost against the On-Demand equivalent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Discount {
    /// USD paid for the usage, amortized (Savings Plans and reservations spread over it).
    pub paid: f64,
    /// USD the same usage costs On-Demand.
    pub on_demand: f64,
    /// Of `on_demand`, the part a Savings Plan or a reservation covered.
    pub covered: f64,
}

impl Discount {
    /// Paid ÷ On-Demand: 0.84 means the account pays 84 % of list for this usage.
    pub fn ratio(&self) -> Option<f64> {
        let r = self.paid / self.on_demand;
        (self.on_demand > 0.0 && r.is_finite() && (0.05..=1.05).contains(&r)).then_some(r.min(1.0))
    }

    pub fn covered_share(&self) -> f64 {
        if self.on_demand > 0.0 { (self.covered / self.on_demand).clamp(0.0, 1.0) } else { 0.0 }
    }
}

/// The account's effective rates for what infradeck prices, from the last full month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectiveRates {
    /// The billing month they are from, `2026-11`.
    pub month: String,
    /// Fargate On-Demand usage (x86 and Arm vCPU and memory hours; Spot has its own price).
    pub fargate: Option<Discount>,
    /// ElastiCache node hours (reserved nodes and Savings Plans included).
    #[serde(default)]
    pub elasticache: Option<Discount>,
}
