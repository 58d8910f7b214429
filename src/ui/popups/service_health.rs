//! What the detail view adds to an ECS service's load-balancer charts: its latency objective as
//! a line, how it stands against its SLOs, and what a change from here did to p99 and 5xx.

use crate::app::state::State;
use crate::domain::{ChartKind, ChartSeries, DetailChart, ResourceDetail};
use crate::slo::service::burn_rates_label;
use crate::slo::{ServiceSlo, Standing};

/// The mean of a chart's first series (p99, target 5xx) over the periods ending in `(from, to]`
/// seconds relative to now; None without a point in it. A point is its period's end: the one at
/// the change itself measured the time before it.
fn mean_between(chart: &DetailChart, from: f64, to: f64) -> Option<f64> {
    let series = chart.series.iter().find(|s| !s.reference)?;
    let inside: Vec<f64> = series.points.iter().filter(|(x, _)| *x > from && *x <= to).map(|p| p.1).collect();
    (!inside.is_empty()).then(|| inside.iter().sum::<f64>() / inside.len() as f64)
}

/// Before and since a change `ago` seconds back, over equal spans: (before, since). None until a
/// period has ended since the change.
pub fn before_and_since(chart: &DetailChart, ago: f64) -> Option<(f64, f64)> {
    let since = mean_between(chart, -ago, 0.0)?;
    let before = mean_between(chart, -2.0 * ago, -ago)?;
    Some((before, since))
}

/// What a change `ago` seconds back did, from a service's latency and 5xx charts.
pub enum SinceChange {
    /// (before, since) means over equal spans: p99 in ms, 5xx in %.
    Figures { p99: (f64, f64), errors: (f64, f64) },
    /// Behind a load balancer, but no whole period has ended since the change.
    NoPeriodYet,
    /// No latency chart: nothing to compare.
    NoLoadBalancer,
}

pub fn since_change(data: &ResourceDetail, ago: f64) -> SinceChange {
    let figure = |kind: ChartKind| before_and_since(data.charts.iter().find(|c| c.kind == kind)?, ago);
    match (figure(ChartKind::Latency), figure(ChartKind::Errors)) {
        (Some(p99), Some(errors)) => SinceChange::Figures { p99, errors },
        _ if data.charts.iter().any(|c| c.kind == ChartKind::Latency) => SinceChange::NoPeriodYet,
        _ => SinceChange::NoLoadBalancer,
    }
}

fn standing_line(what: &str, s: &Standing) -> String {
    let pct = |v: Option<f64>, digits: usize| v.map_or("—".to_string(), |v| format!("{:.digits$} %", v * 100.0));
    format!(
        "  · {what}: {} · budget left {} · compliance {} · burn {}",
        s.burn.label(),
        pct(s.budget_remaining, 0),
        pct(s.compliance, 3),
        burn_rates_label(s)
    )
}

/// The SLO summary lines for a service's detail view.
pub fn slo_notes(slo: &ServiceSlo) -> Vec<String> {
    let mut lines = vec![format!("SLO {}: {}", slo.objective_label(), slo.status())];
    if let Some(a) = &slo.availability {
        lines.push(standing_line("availability (not 5xx)", a));
    }
    if let Some(l) = &slo.latency {
        lines.push(standing_line("latency (requests under the p99 objective)", l));
    }
    lines
}

/// Add the objective line, the SLO standing and the before/since figures to `data`.
pub fn add(data: &mut ResourceDetail, state: &State, key: &str) {
    let objective = state.sizing.objectives.for_service(key);
    let mut notes = Vec::new();
    if let Some(slo) = state.sizing.recs.get(key).and_then(|r| r.slo.as_ref()) {
        notes.extend(slo_notes(slo));
    }
    if let Some(at) = state.last_change(key) {
        let ago = (state.now - at).num_seconds().max(0) as f64;
        let when = format!("changed from here {} ago", crate::common::format::age(state.now, at));
        notes.push(match since_change(data, ago) {
            SinceChange::Figures { p99: (p0, p1), errors: (e0, e1) } => format!(
                "{when}: p99 {p0:.0} → {p1:.0} ms · 5xx {e0:.2} → {e1:.2} % (mean, the same span before and since)"
            ),
            SinceChange::NoPeriodYet => {
                format!("{when}: no whole period since yet (w: a shorter window has shorter periods)")
            }
            SinceChange::NoLoadBalancer => when,
        });
    }
    data.notes.splice(0..0, notes);
    if let (Some(ms), Some(chart)) = (objective.p99_ms, data.charts.iter_mut().find(|c| c.kind == ChartKind::Latency)) {
        let span = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(0.0, f64::min);
        let ms = f64::from(ms);
        chart.series.push(ChartSeries {
            name: format!("p99 objective ({ms:.0} ms)"),
            points: vec![(span, ms), (0.0, ms)],
            reference: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_and_since_compare_equal_spans_around_the_change() {
        // p99 of 1,500 ms until 30 minutes ago, 200 ms since, points every 5 minutes.
        let points: Vec<(f64, f64)> =
            (0..24).map(|i| (-(i as f64) * 300.0, if i * 300 < 1_800 { 200.0 } else { 1_500.0 })).collect();
        let chart = DetailChart {
            title: "latency".into(),
            unit: "ms".into(),
            series: vec![ChartSeries { name: "p99".into(), points, reference: false }],
            kind: ChartKind::Latency,
        };
        assert_eq!(before_and_since(&chart, 1_800.0), Some((1_500.0, 200.0)));
        // Nothing before the window: no comparison rather than half of one.
        assert_eq!(before_and_since(&chart, 7_200.0), None);
    }
}
