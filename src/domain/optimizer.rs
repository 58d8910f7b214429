//! AWS Compute Optimizer's answer for ECS services on Fargate (`GetECSServiceRecommendations`),
//! as infradeck shows it beside its own: what it recommends, or in plain words why there is no
//! recommendation. Providers fill `OptimizerAnswer`; `sizing::optimizer` matches it to services
//! and explains where the two disagree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One service's recommendation, as Compute Optimizer returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerRecommendation {
    pub service_arn: String,
    /// `Optimized`, `Underprovisioned`, `Overprovisioned` (AWS's words).
    pub finding: String,
    /// `CPUOverprovisioned`, `MemoryUnderprovisioned`, …
    pub reason_codes: Vec<String>,
    /// (cpu units, memory MiB) it saw the service run with.
    pub current: (u32, u32),
    /// Its recommended task size; None when it returned no option.
    pub recommended: Option<(u32, u32)>,
    pub containers: Vec<OptimizerContainer>,
    /// The Maximum of the service's CPUUtilization / MemoryUtilization over its lookback, %.
    pub cpu_max_percent: Option<f64>,
    pub memory_max_percent: Option<f64>,
    /// Projected Maximum utilization at the recommended size, (lower, upper) %.
    pub projected_cpu_percent: Option<(f64, f64)>,
    pub projected_memory_percent: Option<(f64, f64)>,
    /// USD a month it expects to save at On-Demand prices, and after the account's discounts.
    pub savings_monthly: Option<f64>,
    pub savings_percent: Option<f64>,
    pub savings_after_discounts: Option<f64>,
    /// `VeryLow`, `Low`, `Medium`, `High`: the risk it sees at the current size.
    pub performance_risk: Option<String>,
    pub lookback_days: f64,
    pub refreshed: Option<DateTime<Utc>>,
    /// `TargetTrackingScalingCpu` / `TargetTrackingScalingMemory`: that dimension is not sized.
    pub autoscaling: Option<String>,
}

impl OptimizerRecommendation {
    /// It leaves CPU alone: target tracking on CPU scales the count instead.
    pub fn skips_cpu(&self) -> bool {
        self.autoscaling.as_deref() == Some("TargetTrackingScalingCpu")
    }

    pub fn skips_memory(&self) -> bool {
        self.autoscaling.as_deref() == Some("TargetTrackingScalingMemory")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerContainer {
    pub name: String,
    pub cpu: Option<u32>,
    /// Hard limit and soft reservation, MiB.
    pub memory: Option<u32>,
    pub memory_reservation: Option<u32>,
}

/// Why no service of an account/region has a Compute Optimizer answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason", content = "detail")]
pub enum OptimizerUnavailable {
    /// OptInRequiredException: the account never opted in.
    NotOptedIn,
    /// AccessDenied: the caller may not read it (`compute-optimizer:GetECSServiceRecommendations`).
    NotAuthorized(String),
    /// The demo fleet stands in for it with the published rule; other failures (throttled, down).
    Failed(String),
}

impl OptimizerUnavailable {
    pub fn words(&self) -> String {
        match self {
            OptimizerUnavailable::NotOptedIn => {
                "the account is not opted in to Compute Optimizer (opt in from its console; recommendations follow \
                 within a day)"
                    .into()
            }
            OptimizerUnavailable::NotAuthorized(why) => {
                format!("not allowed to read it (compute-optimizer:GetECSServiceRecommendations): {why}")
            }
            OptimizerUnavailable::Failed(why) => format!("could not be read: {why}"),
        }
    }
}

/// What a provider read from Compute Optimizer, for every place it asked (account × region).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptimizerAnswer {
    pub recommendations: Vec<OptimizerRecommendation>,
    /// Places that gave no answer, by `Origin` (account id, region), and why.
    pub unavailable: Vec<(super::Origin, OptimizerUnavailable)>,
    /// False where nothing was asked (a provider without it): no `compute_optimizer` is written.
    pub asked: bool,
}
