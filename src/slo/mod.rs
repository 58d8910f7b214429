//! Service level objectives: error budgets and multi-window burn rates, as in the Google SRE
//! workbook ("Alerting on SLOs"). Pure arithmetic over event counts; where the counts come from
//! (the load balancer's request count, its 5xx count, and the share of requests slower than the
//! latency threshold) is the provider's business.
//!
//! An objective says what share of events must be good over its period (e.g. 99.9 % of requests
//! not 5xx over 28 days; 99 % of requests faster than 300 ms — "p99 < 300 ms"). The error budget
//! is the share allowed bad (0.1 %, 1 %). The burn rate over a window is the bad share seen in it
//! divided by the budget: 1 spends the budget exactly over the period, 14.4 spends 2 % of a
//! 30-day budget in an hour.

pub mod policy;
pub mod service;

pub use service::{ServiceSlo, SliQuery, SliWindows};

/// Events seen in one window: all of them, and the bad ones (slow or failed).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    pub total: f64,
    pub bad: f64,
}

impl Counts {
    pub fn new(total: f64, bad: f64) -> Counts {
        // Counts from metrics can be odd (NaN, negative, more bad than total): clamp, don't trust.
        let total = if total.is_finite() { total.max(0.0) } else { 0.0 };
        let bad = if bad.is_finite() { bad.clamp(0.0, total) } else { 0.0 };
        Counts { total, bad }
    }

    /// The bad share, or None when nothing happened (no traffic is not an outage).
    pub fn bad_ratio(self) -> Option<f64> {
        (self.total > 0.0).then(|| self.bad / self.total)
    }
}

/// The windows an objective is judged over: the SRE workbook's fast (1 h), medium (6 h) and slow
/// (3 d) burn windows, and the whole period (28 d by default) for compliance and budget.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Windows {
    pub hour: Counts,
    pub six_hours: Counts,
    pub three_days: Counts,
    pub period: Counts,
}

/// Burn rate over a window: the bad share divided by the budget (1 − target). None without
/// traffic, or for a target of 100 % (no budget to burn).
pub fn burn_rate(counts: Counts, target: f64) -> Option<f64> {
    let budget = 1.0 - target;
    // Also refuses a NaN target: no comparison with NaN holds.
    if budget.is_nan() || budget <= 0.0 {
        return None;
    }
    counts.bad_ratio().map(|r| r / budget)
}

/// The share of the period's error budget still unspent: 1 untouched, 0 spent, negative
/// overspent. None without traffic.
pub fn budget_remaining(period: Counts, target: f64) -> Option<f64> {
    burn_rate(period, target).map(|b| 1.0 - b)
}

/// The SRE workbook's thresholds for a 30-day budget: 2 % of it in 1 h pages, 5 % in 6 h
/// pages, 10 % in 3 d is a ticket.
pub const FAST_BURN: f64 = 14.4;
pub const MEDIUM_BURN: f64 = 6.0;
pub const SLOW_BURN: f64 = 1.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Burn {
    /// No traffic in any window: nothing to judge.
    NoData,
    Ok,
    /// Burning faster than the budget lasts (3-day burn > 1): a ticket, not a page.
    Slow,
    /// Burning fast (1 h > 14.4 or 6 h > 6): page-worthy; never cut this service's CPU.
    Fast,
}

impl Burn {
    pub fn label(self) -> &'static str {
        match self {
            Burn::NoData => "no traffic",
            Burn::Ok => "ok",
            Burn::Slow => "burning",
            Burn::Fast => "BURNING FAST",
        }
    }
}

/// One objective's standing, everything the pane, the incident view and `report` show.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Standing {
    pub target: f64,
    /// Good share over the period; None without traffic.
    pub compliance: Option<f64>,
    pub budget_remaining: Option<f64>,
    pub burn_1h: Option<f64>,
    pub burn_6h: Option<f64>,
    pub burn_3d: Option<f64>,
    pub burn: Burn,
}

/// Judge `windows` against `target` (a share, e.g. 0.999).
pub fn standing(windows: &Windows, target: f64) -> Standing {
    let burn_1h = burn_rate(windows.hour, target);
    let burn_6h = burn_rate(windows.six_hours, target);
    let burn_3d = burn_rate(windows.three_days, target);
    let over = |b: Option<f64>, limit: f64| b.is_some_and(|b| b > limit);
    let burn = if over(burn_1h, FAST_BURN) || over(burn_6h, MEDIUM_BURN) {
        Burn::Fast
    } else if over(burn_3d, SLOW_BURN) {
        Burn::Slow
    } else if [burn_1h, burn_6h, burn_3d].iter().all(Option::is_none) && windows.period.total <= 0.0 {
        Burn::NoData
    } else {
        Burn::Ok
    };
    Standing {
        target,
        compliance: windows.period.bad_ratio().map(|r| 1.0 - r),
        budget_remaining: budget_remaining(windows.period, target),
        burn_1h,
        burn_6h,
        burn_3d,
        burn,
    }
}

/// The share of requests slower than `threshold_ms`, from a period's p50 and p99, assuming
/// response times are log-normal (the usual shape of service latency). For sources that report
/// percentiles but no count above a threshold; AWS's `PR(:t)` statistic gives it directly.
pub fn slow_share(p50_ms: f64, p99_ms: f64, threshold_ms: f64) -> f64 {
    if !(p50_ms > 0.0 && threshold_ms > 0.0 && p99_ms.is_finite() && p50_ms.is_finite()) {
        return 0.0;
    }
    // z of the 99th percentile of a standard normal.
    const Z99: f64 = 2.326_347_874;
    let sigma = (p99_ms.max(p50_ms).ln() - p50_ms.ln()) / Z99;
    let z = (threshold_ms.ln() - p50_ms.ln()) / sigma.max(1e-9);
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Abramowitz & Stegun 7.1.26; absolute error < 1.5e-7).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let e = poly * (-x * x).exp();
    if x >= 0.0 { e } else { 2.0 - e }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slow_share_is_one_percent_at_the_p99_and_half_at_the_median() {
        let near = |a: f64, b: f64| (a - b).abs() < 1e-4;
        assert!(near(super::slow_share(50.0, 400.0, 400.0), 0.01));
        assert!(near(super::slow_share(50.0, 400.0, 50.0), 0.5));
        assert!(super::slow_share(50.0, 400.0, 1_000.0) < 0.01);
        assert!(super::slow_share(50.0, 400.0, 100.0) > 0.01);
        // Degenerate periods: no traffic, a flat distribution, nonsense.
        assert_eq!(super::slow_share(0.0, 0.0, 300.0), 0.0);
        assert!(near(super::slow_share(500.0, 500.0, 300.0), 1.0));
        assert!(near(super::slow_share(200.0, 200.0, 300.0), 0.0));
        assert_eq!(super::slow_share(f64::NAN, 10.0, 300.0), 0.0);
    }

    use super::*;

    fn c(total: f64, bad: f64) -> Counts {
        Counts::new(total, bad)
    }

    #[test]
    fn burn_rates_and_budgets() {
        // (total, bad, target, burn, budget remaining)
        type Row = (f64, f64, f64, Option<f64>, Option<f64>);
        let table: [Row; 8] = [
            (1_000_000.0, 1_000.0, 0.999, Some(1.0), Some(0.0)), // exactly on budget
            (1_000_000.0, 0.0, 0.999, Some(0.0), Some(1.0)),     // perfect
            (1_000_000.0, 250.0, 0.999, Some(0.25), Some(0.75)), // a quarter spent
            (1_000.0, 20.0, 0.99, Some(2.0), Some(-1.0)),        // overspent twice over
            (0.0, 0.0, 0.999, None, None),                       // no traffic: nothing to judge
            (100.0, 5.0, 1.0, None, None),                       // a 100 % target has no budget
            (100.0, 500.0, 0.9, Some(10.0), Some(-9.0)),         // more bad than total: clamped
            (f64::NAN, 3.0, 0.9, None, None),                    // odd metrics: no traffic
        ];
        for (total, bad, target, burn, budget) in table {
            let counts = c(total, bad);
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (None, None) => true,
                _ => false,
            };
            assert!(
                close(burn_rate(counts, target), burn),
                "{total}/{bad} @ {target}: {:?}",
                burn_rate(counts, target)
            );
            assert!(close(budget_remaining(counts, target), budget), "{total}/{bad} @ {target}");
        }
    }

    #[test]
    fn multi_window_burn_classifies_as_the_workbook_does() {
        let quiet = c(10_000.0, 1.0); // burn 0.1 at 99.9 %
        let w = |hour, six_hours, three_days| Windows { hour, six_hours, three_days, period: c(1e6, 100.0) };
        // (windows, expected)
        let table = [
            (w(quiet, quiet, quiet), Burn::Ok),
            (w(c(1_000.0, 15.0), quiet, quiet), Burn::Fast), // 1 h at 15× the budget
            (w(c(1_000.0, 14.0), quiet, quiet), Burn::Ok),   // 14× for an hour alone: not yet
            (w(quiet, c(10_000.0, 61.0), quiet), Burn::Fast), // 6 h at 6.1×
            (w(quiet, quiet, c(100_000.0, 150.0)), Burn::Slow), // 3 d at 1.5×
            (w(c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)), Burn::Ok), // idle now, traffic in the period
            (Windows::default(), Burn::NoData),              // never any traffic
        ];
        for (windows, expected) in table {
            assert_eq!(standing(&windows, 0.999).burn, expected, "{windows:?}");
        }
    }

    #[test]
    fn standing_reports_compliance_and_every_window() {
        let windows = Windows {
            hour: c(3_600.0, 36.0),
            six_hours: c(21_600.0, 43.2),
            three_days: c(259_200.0, 259.2),
            period: c(2_419_200.0, 1_209.6),
        };
        let s = standing(&windows, 0.999);
        let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(near(s.burn_1h, 10.0) && near(s.burn_6h, 2.0) && near(s.burn_3d, 1.0));
        assert!(near(s.compliance, 0.9995) && near(s.budget_remaining, 0.5));
        assert_eq!(s.burn, Burn::Ok, "10× for an hour, 2× over six: short of both page thresholds");
    }
}
