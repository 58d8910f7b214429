//! One service's objectives judged: what the provider measured (its SLI windows) against what the
//! config asks (its `Objective`). This is what the ECS pane's SLO column, the incident header,
//! `report` and the sizing guard read.

use super::policy::Objective;
use super::{Burn, Standing, Windows, standing};
use serde::Serialize;

/// What a provider is asked for one service: its key (`cluster/service`), the latency threshold
/// to count slow requests against, and the period to count over.
#[derive(Debug, Clone, PartialEq)]
pub struct SliQuery {
    pub key: String,
    pub p99_ms: Option<f32>,
    pub period_days: u32,
}

/// One service's events per window, as the load balancer counted them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SliWindows {
    /// All requests, and those answered 5xx (by the targets or the load balancer itself).
    pub requests: Windows,
    /// All requests, and those slower than the query's threshold; None when not asked.
    pub slow: Option<Windows>,
}

/// A service's objectives and how it stands against each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ServiceSlo {
    pub objective: Objective,
    /// None: no availability objective for this service.
    pub availability: Option<Standing>,
    /// None: no latency objective (or its counts were not read).
    pub latency: Option<Standing>,
}

impl ServiceSlo {
    pub fn evaluate(objective: Objective, sli: &SliWindows) -> ServiceSlo {
        ServiceSlo {
            objective,
            availability: objective.availability.map(|target| standing(&sli.requests, target)),
            // "p99 < 300 ms" is "99 % of requests faster than 300 ms".
            latency: objective.p99_ms.and(sli.slow).map(|slow| standing(&slow, 0.99)),
        }
    }

    /// The worse of the two objectives' burns.
    pub fn burn(&self) -> Burn {
        [self.availability, self.latency].iter().flatten().map(|s| s.burn).max().unwrap_or(Burn::NoData)
    }

    /// The latency objective is burning (over 3 days or faster): a CPU cut would make it worse.
    pub fn latency_burning(&self) -> bool {
        self.latency.is_some_and(|l| l.burn >= Burn::Slow)
    }

    /// In words: "burning fast", "burning", "budget spent" (not burning now, but the period's
    /// budget is gone), "ok", "no traffic".
    pub fn status(&self) -> &'static str {
        match self.burn() {
            Burn::Fast => "burning fast",
            Burn::Slow => "burning",
            Burn::Ok if self.budget_remaining().is_some_and(|b| b < 0.0) => "budget spent",
            Burn::Ok => "ok",
            Burn::NoData => "no traffic",
        }
    }

    /// How urgent this standing is, for sorting: burning fast, burning, budget spent, ok, no
    /// traffic; within each, the less budget left the more urgent.
    pub fn urgency(&self) -> f64 {
        let class = match self.status() {
            "burning fast" => 4.0,
            "burning" => 3.0,
            "budget spent" => 2.0,
            "ok" => 1.0,
            _ => 0.0,
        };
        // Budget left runs from 100 % down to about -1000 % before nobody cares how far below.
        let spent = self.budget_remaining().map_or(0.0, |b| (1.0 - b).clamp(0.0, 11.0));
        class * 100.0 + spent
    }

    /// The smaller share of error budget left of the two objectives.
    pub fn budget_remaining(&self) -> Option<f64> {
        [self.availability, self.latency].iter().flatten().filter_map(|s| s.budget_remaining).reduce(f64::min)
    }

    /// "p99 < 300 ms, 99.9 % over 28 d": what the service is held to, in the config's words.
    pub fn objective_label(&self) -> String {
        let o = &self.objective;
        let parts: Vec<String> = [
            o.p99_ms.map(|ms| format!("p99 < {ms:.0} ms")),
            o.availability.map(|a| format!("{} % available", trim_pct(a * 100.0))),
        ]
        .into_iter()
        .flatten()
        .collect();
        format!("{} over {} d", parts.join(", "), o.period_days)
    }
}

/// 99.9 → "99.9", 99.95 → "99.95", 99.0 → "99".
fn trim_pct(p: f64) -> String {
    let s = format!("{p:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// "1 h ×16.2 · 6 h ×4.1 · 3 d ×1.3": a standing's burn rates, for evidence and the detail view.
pub fn burn_rates_label(s: &Standing) -> String {
    let rate = |b: Option<f64>| {
        b.map_or("—".to_string(), |b| format!("×{}", if b < 10.0 { format!("{b:.1}") } else { format!("{b:.0}") }))
    };
    format!("1 h {} · 6 h {} · 3 d {}", rate(s.burn_1h), rate(s.burn_6h), rate(s.burn_3d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::Counts;

    fn windows(bad_share_1h: f64, bad_share_3d: f64) -> Windows {
        let c = |total: f64, share: f64| Counts::new(total, total * share);
        Windows {
            hour: c(3_600.0, bad_share_1h),
            six_hours: c(21_600.0, bad_share_1h),
            three_days: c(259_200.0, bad_share_3d),
            period: c(2_419_200.0, bad_share_3d),
        }
    }

    #[test]
    fn a_slow_service_burns_its_latency_budget_and_only_that() {
        let sli = SliWindows { requests: windows(0.0, 0.0), slow: Some(windows(0.2, 0.05)) };
        let slo = ServiceSlo::evaluate(Objective::default(), &sli);
        assert_eq!(slo.availability.unwrap().burn, Burn::Ok);
        assert_eq!(slo.latency.unwrap().burn, Burn::Fast, "20 % slow against a 1 % budget");
        assert_eq!(slo.burn(), Burn::Fast);
        assert!(slo.latency_burning());
        let left = slo.budget_remaining().unwrap();
        assert!((left - (1.0 - 5.0)).abs() < 1e-9, "5 % slow over the period is five budgets: {left}");
        assert_eq!(slo.objective_label(), "p99 < 1000 ms, 99.9 % available over 28 d");
    }

    #[test]
    fn switched_off_or_unread_objectives_judge_nothing() {
        let none = Objective { availability: None, p99_ms: None, period_days: 7 };
        let slo = ServiceSlo::evaluate(none, &SliWindows { requests: windows(0.5, 0.5), slow: None });
        assert_eq!((slo.availability, slo.latency, slo.burn()), (None, None, Burn::NoData));
        assert!(!slo.latency_burning() && slo.budget_remaining().is_none());
        // A latency objective without slow counts (the source could not tell) is not judged.
        let slo = ServiceSlo::evaluate(Objective::default(), &SliWindows { requests: windows(0.0, 0.0), slow: None });
        assert!(slo.latency.is_none() && slo.availability.is_some());
        assert_eq!(slo.objective_label(), "p99 < 1000 ms, 99.9 % available over 28 d");
    }

    #[test]
    fn burn_rates_read_short() {
        let s = crate::slo::standing(&windows(0.0162, 0.0013), 0.999);
        assert_eq!(burn_rates_label(&s), "1 h ×16 · 6 h ×16 · 3 d ×1.3");
        assert_eq!(trim_pct(99.95), "99.95");
    }
}
