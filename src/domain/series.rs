//! Time windows, summary statistics and chart series shared by every pane.

use std::fmt;
use std::str::FromStr;

/// The metric window a pane summarises, with the resolution CloudWatch serves it at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Window {
    /// 1 hour at 1-minute points.
    Hour,
    /// 24 hours at 5-minute points.
    #[default]
    Day,
    /// 14 days at 1-hour points: the sizing window.
    Fortnight,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Hour, Window::Day, Window::Fortnight];

    pub fn seconds(self) -> i64 {
        match self {
            Window::Hour => 3_600,
            Window::Day => 86_400,
            Window::Fortnight => 14 * 86_400,
        }
    }

    /// Seconds between two points.
    pub fn step(self) -> i64 {
        match self {
            Window::Hour => 60,
            Window::Day => 300,
            Window::Fortnight => 3_600,
        }
    }

    pub fn points(self) -> usize {
        (self.seconds() / self.step()) as usize
    }

    pub fn next(self) -> Window {
        match self {
            Window::Hour => Window::Day,
            Window::Day => Window::Fortnight,
            Window::Fortnight => Window::Hour,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Hour => "1h",
            Window::Day => "24h",
            Window::Fortnight => "14d",
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Window {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "1h" | "hour" => Ok(Window::Hour),
            "24h" | "1d" | "day" => Ok(Window::Day),
            "14d" | "2w" | "fortnight" => Ok(Window::Fortnight),
            other => Err(format!("unknown window '{other}' (use 1h, 24h or 14d)")),
        }
    }
}

/// Summary of one metric over a window. Units are those of the metric (usually percent).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stats {
    pub avg: f32,
    pub p95: f32,
    pub p99: f32,
    pub max: f32,
    /// The newest point.
    pub last: f32,
}

impl Stats {
    /// Summarise `averages` (the per-period Average statistic) and `maxima` (the per-period
    /// Maximum). Percentiles are taken over the period averages, the peak over the maxima, which
    /// is what CloudWatch can give us for a service. NaN points (missing data) are skipped.
    pub fn from_series(averages: &[f32], maxima: &[f32]) -> Stats {
        let mut sorted: Vec<f32> = averages.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return Stats::default();
        }
        sorted.sort_by(f32::total_cmp);
        // Summed in f64: a few absurd values (f32::MAX from a broken exporter) must not make it ∞.
        let avg = (sorted.iter().map(|v| *v as f64).sum::<f64>() / sorted.len() as f64) as f32;
        let peak =
            maxima.iter().copied().filter(|v| v.is_finite()).fold(f32::MIN, f32::max).max(sorted[sorted.len() - 1]);
        let last = averages.iter().rev().copied().find(|v| v.is_finite()).unwrap_or(0.0);
        Stats { avg, p95: percentile_sorted(&sorted, 95.0), p99: percentile_sorted(&sorted, 99.0), max: peak, last }
    }
}

/// Nearest-rank percentile of an ascending slice; 0 for an empty one.
pub fn percentile_sorted(sorted: &[f32], pct: f32) -> f32 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((pct / 100.0) * sorted.len() as f32).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The same percentile as `percentile_sorted`, from unsorted values, in linear time (the
/// values are reordered). Sizing takes one percentile of 336 points per service: a full sort
/// of each was a third of sizing time at 10,000 services.
pub fn percentile_unsorted(values: &mut [f32], pct: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let rank = ((pct / 100.0) * values.len() as f32).ceil() as usize;
    let k = rank.clamp(1, values.len()) - 1;
    *values.select_nth_unstable_by(k, f32::total_cmp).1
}

/// One line on a detail chart. `points` are (seconds relative to now, value); negative x is past.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Drawn as a flat reference line (a reservation, a threshold) rather than data.
    pub reference: bool,
}

/// A chart in a detail view.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailChart {
    pub title: String,
    pub unit: String,
    pub series: Vec<ChartSeries>,
    pub kind: ChartKind,
}

/// What a chart measures, so views can add to it (a proposed size drawn over ECS usage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartKind {
    /// Percent of the task's CPU reservation.
    TaskCpu,
    /// Percent of the task's memory reservation.
    TaskMemory,
    /// Load-balancer response time, ms (the latency objective is drawn over it).
    Latency,
    /// Share of requests answered 5xx, percent.
    Errors,
    #[default]
    Other,
}

/// What `enter` shows for a resource: facts as label/value lines, then charts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceDetail {
    pub title: String,
    pub facts: Vec<(String, String)>,
    /// Full-width lines under the facts (a suggestion and its evidence).
    pub notes: Vec<String>,
    pub charts: Vec<DetailChart>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_take_percentiles_of_averages_and_peak_of_maxima() {
        let avg: Vec<f32> = (1..=100).map(|v| v as f32).collect();
        let max: Vec<f32> = avg.iter().map(|v| v + 10.0).collect();
        let s = Stats::from_series(&avg, &max);
        assert_eq!(s.avg, 50.5);
        assert_eq!(s.p95, 95.0);
        assert_eq!(s.p99, 99.0);
        assert_eq!(s.max, 110.0);
        assert_eq!(s.last, 100.0);
    }

    #[test]
    fn stats_skip_missing_points_and_survive_empty_input() {
        assert_eq!(Stats::from_series(&[], &[]), Stats::default());
        let s = Stats::from_series(&[f32::NAN, 10.0, 20.0, f32::NAN], &[]);
        assert_eq!(s.max, 20.0);
        assert_eq!(s.last, 20.0);
    }

    #[test]
    fn windows_have_cloudwatch_resolutions() {
        assert_eq!(Window::Hour.points(), 60);
        assert_eq!(Window::Day.points(), 288);
        assert_eq!(Window::Fortnight.points(), 336);
        assert_eq!("14d".parse::<Window>(), Ok(Window::Fortnight));
        assert!("3w".parse::<Window>().is_err());
    }
}
