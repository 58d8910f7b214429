//! The demo fleet's load balancers: request rate, latency and 5xx per period, from the same
//! simulated load as CPU. Latency follows queueing: as a task's CPU nears its reservation, time
//! waiting for CPU grows steeply (like 1/(1 − utilisation)), so a CPU-starved service's p99
//! climbs and, once the whole service is saturated and requests time out, 5xx follow. The scripted bad deploy's OOM kills show as 502s.

use super::fleet::ServiceSpec;
use super::model::ServicePoint;
use super::noise::{key_of, unit};
use crate::domain::ServiceHealth;

/// Names of services that sit behind a load balancer in the demo (web-facing ones).
const FACING: &[&str] =
    &["gateway", "web", "api", "checkout", "orders", "frontend", "quote", "price", "route", "search", "auth", "cart"];

/// A service's load balancer, fixed per service.
#[derive(Debug, Clone, PartialEq)]
pub struct LbSpec {
    pub load_balancer: String,
    pub target_group: String,
    /// Median response time when CPU is not contended, ms.
    pub base_ms: f32,
    /// Requests per second per running task at the service's mean load.
    pub rps_per_task: f32,
    /// Share of requests failing with nothing wrong (bugs, bad input), percent.
    pub base_5xx_pct: f32,
}

/// The load balancer for a service named `name` in `cluster`, if it is web-facing.
pub fn lb_for(cluster: &str, name: &str) -> Option<LbSpec> {
    if !FACING.iter().any(|f| name.contains(f)) {
        return None;
    }
    let key = key_of(&format!("lb/{cluster}/{name}"));
    let short: String = name.chars().take(20).collect();
    Some(LbSpec {
        load_balancer: format!("{cluster}-alb"),
        target_group: format!("{short}-tg"),
        base_ms: 15.0 + 65.0 * unit(key, 1),
        rps_per_task: 20.0 + 180.0 * unit(key, 2),
        base_5xx_pct: 0.005 + 0.03 * unit(key, 3),
    })
}

/// One period as the load balancer saw it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LbPoint {
    pub requests: f32,
    pub p50_ms: f32,
    pub p99_ms: f32,
    pub target_5xx_pct: f32,
    pub lb_5xx_pct: f32,
}

pub fn point(spec: &ServiceSpec, lb: &LbSpec, p: &ServicePoint, t: i64) -> LbPoint {
    if p.running == 0 {
        return LbPoint::default();
    }
    let mean_pct = (spec.cpu_vcpu / (spec.size_at(t).0.max(1) as f32 / 1024.0) * 100.0).max(1.0);
    let load = (p.cpu_avg / mean_pct).clamp(0.2, 3.0);
    let rho = (p.cpu_avg / 100.0).clamp(0.0, 0.97);
    let hot = (p.hot_cpu / 100.0).clamp(0.0, 0.985);
    // Queueing: little effect until CPU is mostly busy, then steep (≈2.8× at 90 %, 16× at 98.5 %).
    let queueing = |u: f32| 1.0 + 0.3 * (((u - 0.5).max(0.0)) / (1.0 - u + 0.02)).powf(1.5);
    // Timeouts once the whole service is saturated: up to 3 % of requests at 97 % CPU.
    let timeouts = ((rho - 0.9) / 0.07).clamp(0.0, 1.0) * 3.0;
    // The bad deploy: tasks OOM-killed mid-request for two hours, the load balancer answers 502.
    let oom = spec.regression.is_some_and(|start| t > start + 20 * 60 && t < start + 2 * 3_600);
    LbPoint {
        requests: lb.rps_per_task * p.running as f32 * load,
        p50_ms: lb.base_ms * queueing(rho),
        p99_ms: lb.base_ms * 3.5 * queueing(hot),
        target_5xx_pct: lb.base_5xx_pct + timeouts,
        lb_5xx_pct: if oom { 2.5 } else { 0.0 },
    }
}

/// The window's health from its periods (request-weighted), with sparklines of `spark` points.
pub fn health(lb: &LbSpec, points: &[LbPoint], running: u32, desired: u32, spark: usize) -> ServiceHealth {
    let requests: f32 = points.iter().map(|p| p.requests).sum();
    let weighted = |f: fn(&LbPoint) -> f32| {
        if requests > 0.0 { points.iter().map(|p| f(p) * p.requests).sum::<f32>() / requests } else { 0.0 }
    };
    let p99: Vec<f32> = points.iter().map(|p| p.p99_ms).collect();
    let errors: Vec<f32> = points.iter().map(|p| p.target_5xx_pct + p.lb_5xx_pct).collect();
    ServiceHealth {
        load_balancer: lb.load_balancer.clone(),
        target_group: lb.target_group.clone(),
        requests_per_s: if points.is_empty() { 0.0 } else { requests / points.len() as f32 },
        p50_ms: weighted(|p| p.p50_ms),
        p99_ms: weighted(|p| p.p99_ms),
        p99_peak_ms: p99.iter().copied().fold(0.0, f32::max),
        target_5xx_pct: weighted(|p| p.target_5xx_pct),
        lb_5xx_pct: weighted(|p| p.lb_5xx_pct),
        healthy_hosts: running,
        unhealthy_hosts: desired.saturating_sub(running),
        p99_spark: crate::common::format::downsample_max(&p99, spark),
        error_spark: crate::common::format::downsample_max(&errors, spark),
    }
}

/// The service's SLI windows ending at `now`: 1 h in 5-minute steps, 6 h in 15-minute, 3 days
/// hourly and the objective's period every 3 hours, each step one instant of the simulation
/// (a period's busiest instant would count its whole period as slow; and at 10,000 services the
/// instants keep a sizing run's SLO pass at a few hundred milliseconds). Slow requests are counted from each period's p50/p99
/// (`slo::slow_share`); AWS counts them itself (`PR(:t)`).
pub fn sli(spec: &ServiceSpec, lb: &LbSpec, now: i64, query: &crate::slo::SliQuery) -> crate::slo::SliWindows {
    use crate::slo::{Counts, Windows};
    let count = |span: i64, step: i64| {
        let (mut total, mut failed, mut slow) = (0.0, 0.0, 0.0);
        let mut t = now - now.rem_euclid(step) - span + step;
        while t <= now {
            let p = point(spec, lb, &spec.point(t), t);
            let n = f64::from(p.requests) * step as f64;
            total += n;
            failed += n * f64::from(p.target_5xx_pct + p.lb_5xx_pct) / 100.0;
            if let Some(ms) = query.p99_ms {
                slow += n * crate::slo::slow_share(f64::from(p.p50_ms), f64::from(p.p99_ms), f64::from(ms));
            }
            t += step;
        }
        (Counts::new(total, failed), Counts::new(total, slow))
    };
    let [hour, six_hours, three_days, period] = [
        count(3_600, 300),
        count(6 * 3_600, 900),
        count(3 * 86_400, 3_600),
        count(i64::from(query.period_days) * 86_400, 3 * 3_600),
    ];
    let windows = |pick: fn(&(Counts, Counts)) -> Counts| Windows {
        hour: pick(&hour),
        six_hours: pick(&six_hours),
        three_days: pick(&three_days),
        period: pick(&period),
    };
    crate::slo::SliWindows { requests: windows(|c| c.0), slow: query.p99_ms.map(|_| windows(|c| c.1)) }
}

#[cfg(test)]
mod tests {
    use super::super::fleet::Fleet;
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn mean_point(name: &str) -> (LbPoint, f32) {
        let fleet = Fleet::build(7, None);
        let spec = fleet.services.iter().find(|s| s.cluster == "prod-core" && s.name == name).unwrap();
        let lb = lb_for(&spec.cluster, &spec.name).expect("web-facing");
        let points: Vec<LbPoint> = super::super::model::period_ends(NOW, crate::domain::Window::Fortnight)
            .map(|t| point(spec, &lb, &spec.period(t, 3_600), t))
            .collect();
        let h = health(&lb, &points, 4, 4, 16);
        (LbPoint { p99_ms: h.p99_ms, target_5xx_pct: h.target_5xx_pct, ..Default::default() }, lb.base_ms)
    }

    #[test]
    fn only_web_facing_services_have_a_load_balancer() {
        assert!(lb_for("prod-core", "api-gateway").is_some());
        assert!(lb_for("prod-core", "payments").is_none());
        assert!(lb_for("prod-workers", "queue-worker").is_none());
    }

    #[test]
    fn a_cpu_starved_service_has_a_high_p99_and_errors_a_calm_one_does_not() {
        // checkout peaks at its reservation; api-gateway is sized right.
        let (starved, starved_base) = mean_point("checkout");
        let (calm, calm_base) = mean_point("api-gateway");
        assert!(starved.p99_ms / starved_base > 2.0 * calm.p99_ms / calm_base, "{starved:?} vs {calm:?}");
        assert!(starved.target_5xx_pct > 0.05, "{starved:?}");
        assert!(calm.target_5xx_pct < 0.05, "{calm:?}");
    }

    #[test]
    fn no_tasks_no_requests() {
        let lb = lb_for("c", "web").unwrap();
        let spec = Fleet::build(7, None).services.into_iter().next().unwrap();
        let idle = ServicePoint { running: 0, ..Default::default() };
        assert_eq!(point(&spec, &lb, &idle, NOW), LbPoint::default());
        let h = health(&lb, &[], 0, 2, 16);
        assert_eq!((h.requests_per_s, h.p99_ms, h.unhealthy_hosts), (0.0, 0.0, 2));
    }
}
