//! AWS/ApplicationELB metrics for a service's target group: the queries (batched with the rest
//! of the pane's GetMetricData) and what they say — the ECS pane's load-balancer health and the
//! SLO windows. Pure: no I/O.

use super::lb::TargetGroupInfo;
use super::metrics::{MetricQuery, Span};
use crate::common::format::downsample_max;
use crate::domain::ServiceHealth;
use crate::slo::{Counts, SliWindows, Windows};

const NS: &str = "AWS/ApplicationELB";

fn tg_query(
    info: &TargetGroupInfo,
    metric: &'static str,
    stat: impl Into<std::borrow::Cow<'static, str>>,
) -> MetricQuery {
    MetricQuery::new(NS, metric, stat)
        .dim("LoadBalancer", info.load_balancer.clone().unwrap_or_default())
        .dim("TargetGroup", info.target_group.clone())
}

/// The load balancer's own 5xx (502/503/504 it answered itself): only per load balancer.
fn lb_5xx(info: &TargetGroupInfo) -> MetricQuery {
    MetricQuery::new(NS, "HTTPCode_ELB_5XX_Count", "Sum")
        .dim("LoadBalancer", info.load_balancer.clone().unwrap_or_default())
}

/// Seven queries per service behind an Application Load Balancer (six when it shares the load
/// balancer, whose own 5xx then cannot be told apart).
pub fn health_queries(info: &TargetGroupInfo) -> Vec<MetricQuery> {
    let mut q = vec![
        tg_query(info, "RequestCount", "Sum"),
        tg_query(info, "HTTPCode_Target_5XX_Count", "Sum"),
        tg_query(info, "TargetResponseTime", "p50"),
        tg_query(info, "TargetResponseTime", "p99"),
        tg_query(info, "HealthyHostCount", "Minimum"),
        tg_query(info, "UnHealthyHostCount", "Maximum"),
    ];
    if info.sole_on_lb {
        q.push(lb_5xx(info));
    }
    q
}

fn finite(v: f32) -> Option<f32> {
    v.is_finite().then_some(v)
}

/// A service's health over the span from the series answered for `health_queries(info)`, each
/// found by the metric and statistic it measures.
pub fn health(info: &TargetGroupInfo, series: &[Vec<f32>], span: &Span, spark: usize) -> ServiceHealth {
    let queries = health_queries(info);
    let get = |metric: &str, stat: &str| super::metrics::series_for(&queries, series, metric, stat);
    let (requests, target_5xx) = (get("RequestCount", "Sum"), get("HTTPCode_Target_5XX_Count", "Sum"));
    let (p50, p99) = (get("TargetResponseTime", "p50"), get("TargetResponseTime", "p99"));
    let lb_5xx = get("HTTPCode_ELB_5XX_Count", "Sum");
    let total: f32 = requests.iter().copied().filter_map(finite).sum();
    let sum = |v: &[f32]| v.iter().copied().filter_map(finite).sum::<f32>();
    // Latency weighted by each period's requests; periods without a count weigh one.
    let weighted = |v: &[f32]| {
        let (mut num, mut den) = (0.0f32, 0.0f32);
        for (i, x) in v.iter().enumerate() {
            if let Some(x) = finite(*x) {
                let w = requests.get(i).copied().and_then(finite).unwrap_or(1.0).max(f32::MIN_POSITIVE);
                num += x * w;
                den += w;
            }
        }
        if den > 0.0 { num / den * 1_000.0 } else { 0.0 }
    };
    let share = |bad: f32| if total > 0.0 { bad / total * 100.0 } else { 0.0 };
    let last = |v: &[f32]| v.iter().rev().copied().find_map(finite).map_or(0, |x| x.round().max(0.0) as u32);
    let p99_ms: Vec<f32> = p99.iter().map(|v| finite(*v).map_or(0.0, |s| s * 1_000.0)).collect();
    let errors: Vec<f32> = (0..requests.len())
        .map(|i| {
            let n = requests[i];
            let bad = target_5xx.get(i).copied().and_then(finite).unwrap_or(0.0)
                + lb_5xx.get(i).copied().and_then(finite).unwrap_or(0.0);
            if n.is_finite() && n > 0.0 { bad / n * 100.0 } else { 0.0 }
        })
        .collect();
    ServiceHealth {
        load_balancer: info.lb_name().to_string(),
        target_group: info.name().to_string(),
        requests_per_s: total / (span.end - span.start).max(1) as f32,
        p50_ms: weighted(p50),
        p99_ms: weighted(p99),
        p99_peak_ms: p99_ms.iter().copied().fold(0.0, f32::max),
        target_5xx_pct: share(sum(target_5xx)),
        lb_5xx_pct: share(sum(lb_5xx)),
        healthy_hosts: last(get("HealthyHostCount", "Minimum")),
        unhealthy_hosts: last(get("UnHealthyHostCount", "Maximum")),
        p99_spark: downsample_max(&p99_ms, spark),
        error_spark: downsample_max(&errors, spark),
    }
}

/// `PR(:0.3)`: the percentile rank of 300 ms, the share of requests answered within it.
pub fn within_stat(p99_ms: f32) -> String {
    let seconds = format!("{:.3}", p99_ms / 1_000.0);
    format!("PR(:{})", seconds.trim_end_matches('0').trim_end_matches('.'))
}

/// The SLI queries: requests and target 5xx; with a latency objective the share of requests
/// within it (`within`: `within_stat`'s); the load balancer's own 5xx when attributable.
pub fn sli_queries(info: &TargetGroupInfo, within: Option<&str>) -> Vec<MetricQuery> {
    let mut q = vec![tg_query(info, "RequestCount", "Sum"), tg_query(info, "HTTPCode_Target_5XX_Count", "Sum")];
    if let Some(stat) = within {
        q.push(tg_query(info, "TargetResponseTime", stat.to_string()));
    }
    if info.sole_on_lb {
        q.push(lb_5xx(info));
    }
    q
}

/// (all, failed, slow) requests in the last `buckets` of the series of `sli_queries`.
fn count(series: &[Vec<f32>], buckets: usize, latency: bool) -> (Counts, Counts) {
    let empty = Vec::new();
    let get = |i: usize| series.get(i).unwrap_or(&empty);
    let (requests, t5xx) = (get(0), get(1));
    let (within, l5xx) = if latency { (get(2), get(3)) } else { (&empty, get(2)) };
    let from = requests.len().saturating_sub(buckets);
    let (mut total, mut failed, mut slow) = (0.0f64, 0.0f64, 0.0f64);
    for (i, n) in requests.iter().enumerate().skip(from) {
        let Some(n) = finite(*n).map(f64::from) else { continue };
        total += n;
        let at = |v: &Vec<f32>| v.get(i).copied().and_then(finite).map_or(0.0, f64::from);
        failed += at(t5xx) + at(l5xx);
        // A period without a percentile rank (no requests timed) counts none slow.
        if let Some(pr) = within.get(i).copied().and_then(finite) {
            slow += n * (1.0 - f64::from(pr) / 100.0).clamp(0.0, 1.0);
        }
    }
    (Counts::new(total, failed), if latency { Counts::new(total, slow) } else { Counts::default() })
}

/// The SLI windows from two fetches of `sli_queries`: `recent` at 5 minutes over 6 h, `long` at
/// an hour over at least the objective's period.
pub fn sli_windows(
    recent: &[Vec<f32>],
    recent_span: &Span,
    long: &[Vec<f32>],
    long_span: &Span,
    period_days: u32,
    latency: bool,
) -> SliWindows {
    let per = |span: &Span, seconds: i64| (seconds / span.period.max(1)) as usize;
    let [hour, six_hours] = [3_600, 6 * 3_600].map(|s| count(recent, per(recent_span, s), latency));
    let three_days = count(long, per(long_span, 3 * 86_400), latency);
    let period = count(long, per(long_span, i64::from(period_days) * 86_400), latency);
    let windows = |pick: fn(&(Counts, Counts)) -> Counts| Windows {
        hour: pick(&hour),
        six_hours: pick(&six_hours),
        three_days: pick(&three_days),
        period: pick(&period),
    };
    SliWindows { requests: windows(|c| c.0), slow: latency.then(|| windows(|c| c.1)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(sole: bool) -> TargetGroupInfo {
        TargetGroupInfo {
            target_group: "targetgroup/orders-tg/73e2".into(),
            load_balancer: Some("app/prod-alb/50dc".into()),
            sole_on_lb: sole,
        }
    }

    #[test]
    fn queries_name_the_target_group_and_its_load_balancer() {
        let q = health_queries(&info(true));
        assert_eq!(q.len(), 7);
        assert_eq!(q[3].stat, "p99");
        assert_eq!(q[0].dims(), [("LoadBalancer", "app/prod-alb/50dc"), ("TargetGroup", "targetgroup/orders-tg/73e2")]);
        assert_eq!(q[6].dimensions.len(), 1, "the LB's own 5xx are per load balancer");
        assert_eq!(health_queries(&info(false)).len(), 6, "shared: its 5xx cannot be attributed");
        assert_eq!(within_stat(300.0), "PR(:0.3)");
        assert_eq!(within_stat(1_000.0), "PR(:1)");
        assert_eq!(within_stat(1_250.0), "PR(:1.25)");
    }

    #[test]
    fn health_weights_latency_by_requests_and_counts_5xx_against_all() {
        let span = Span { start: 0, end: 600, period: 300 };
        let nan = f32::NAN;
        // Two periods: 1,000 requests at p99 0.2 s, then 3,000 at 1.0 s (and a gap in p50).
        let series = vec![
            vec![1_000.0, 3_000.0],
            vec![10.0, 30.0],
            vec![0.05, nan],
            vec![0.2, 1.0],
            vec![4.0, 3.0],
            vec![0.0, 1.0],
            vec![0.0, 40.0],
        ];
        let h = health(&info(true), &series, &span, 16);
        assert!((h.p99_ms - 800.0).abs() < 1e-3, "(0.2×1000 + 1.0×3000)/4000 s: {}", h.p99_ms);
        assert!((h.p50_ms - 50.0).abs() < 1e-3);
        assert_eq!(h.p99_peak_ms, 1_000.0);
        assert!((h.target_5xx_pct - 1.0).abs() < 1e-4 && (h.lb_5xx_pct - 1.0).abs() < 1e-4);
        assert!((h.requests_per_s - 4_000.0 / 600.0).abs() < 1e-3);
        assert_eq!((h.healthy_hosts, h.unhealthy_hosts), (3, 1));
        assert_eq!((h.load_balancer.as_str(), h.target_group.as_str()), ("prod-alb", "orders-tg"));
        // Nothing measured: zeros, not NaN.
        let none = health(&info(false), &[], &span, 16);
        assert_eq!((none.p99_ms, none.requests_per_s, none.target_5xx_pct), (0.0, 0.0, 0.0));
    }

    #[test]
    fn sli_windows_count_requests_failures_and_slow_ones_per_window() {
        // Recent: 72 five-minute periods of 100 requests, 1 failed, 96 % within the objective.
        let recent_span = Span { start: 0, end: 72 * 300, period: 300 };
        let recent = vec![vec![100.0; 72], vec![1.0; 72], vec![96.0; 72], vec![0.0; 72]];
        // Long: 28 days hourly, 1,200 an hour, none failed, all within.
        let long_span = Span { start: 0, end: 672 * 3_600, period: 3_600 };
        let long = vec![vec![1_200.0; 672], vec![0.0; 672], vec![100.0; 672], vec![f32::NAN; 672]];
        let w = sli_windows(&recent, &recent_span, &long, &long_span, 28, true);
        assert_eq!(w.requests.hour, Counts::new(1_200.0, 12.0));
        assert_eq!(w.requests.six_hours, Counts::new(7_200.0, 72.0));
        assert_eq!(w.requests.three_days, Counts::new(86_400.0, 0.0));
        assert_eq!(w.requests.period.total, 806_400.0);
        let slow = w.slow.unwrap();
        assert!((slow.hour.bad - 48.0).abs() < 1e-6, "4 % of 1,200: {:?}", slow.hour);
        assert_eq!(slow.period.bad, 0.0);
        // Without a latency objective the third series is the load balancer's own 5xx.
        let no_latency = sli_windows(&recent, &recent_span, &long, &long_span, 28, false);
        assert!(no_latency.slow.is_none());
        assert_eq!(no_latency.requests.hour, Counts::new(1_200.0, 12.0 + 96.0 * 12.0));
        let q = sli_queries(&info(true), Some("PR(:0.3)"));
        assert_eq!(q.iter().map(|q| q.stat.as_ref()).collect::<Vec<_>>(), ["Sum", "Sum", "PR(:0.3)", "Sum"]);
        assert_eq!(sli_queries(&info(false), None).len(), 2);
    }
}
