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
