//! How a service's reservation compares with what it uses. The full recommender (priced,
//! backtested) builds on this; the pane's status column is this classification.

use crate::domain::EcsService;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fit {
    /// Tasks were OOM-killed in the window.
    Oom,
    /// Peak use is at or over the reservation.
    Under,
    Over,
    Right,
    /// No running tasks, so nothing to judge.
    NoData,
}

impl Fit {
    pub fn label(self) -> &'static str {
        match self {
            Fit::Oom => "OOM",
            Fit::Under => "UNDER",
            Fit::Over => "OVER",
            Fit::Right => "RIGHT",
            Fit::NoData => "n/a",
        }
    }
}

/// Thresholds, in percent of the reservation.
#[derive(Debug, Clone, Copy)]
pub struct FitThresholds {
    /// Hottest-task CPU p95, or memory peak, at or above this is under-provisioned.
    pub under: f32,
    /// CPU p95 and memory peak both below these is over-provisioned.
    pub over_cpu: f32,
    pub over_memory: f32,
}

impl Default for FitThresholds {
    fn default() -> Self {
        FitThresholds { under: 90.0, over_cpu: 40.0, over_memory: 50.0 }
    }
}

/// Classify one service. CPU is judged by its hottest task (a calm average hides a hot task),
/// memory by its peak (memory is a hard limit: the peak is what kills).
pub fn classify(s: &EcsService, t: FitThresholds) -> Fit {
    if s.running == 0 {
        return Fit::NoData;
    }
    if s.oom_kills > 0 {
        return Fit::Oom;
    }
    let hot_cpu = s.hottest.as_ref().map_or(s.cpu.p95, |h| h.cpu.p95.max(s.cpu.p95));
    if hot_cpu >= t.under || s.memory.max >= t.under {
        return Fit::Under;
    }
    if hot_cpu < t.over_cpu && s.memory.max < t.over_memory {
        return Fit::Over;
    }
    Fit::Right
}
