//! ECS task sizing: each service's reservation beside what it uses.

use crate::app::state::{PaneId, State};
use crate::common::format::{money, pct, sparkline, task_size, truncate};
use crate::domain::{EcsService, LbHealth};
use crate::sizing::ecs::{FitThresholds, classify};
use crate::sizing::recommend::Finding;
use crate::ui::pane_frame::Title;
use crate::ui::table::{self, Column, col, flex};
use crate::ui::theme::{Theme, fit_symbol};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The pane's columns, in table order; a cell is drawn by what its column shows, not by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EcsColumn {
    Status,
    /// Under `--org`: the account's name (the cluster column then shows `region:cluster`).
    Account,
    Service,
    Cluster,
    Launch,
    Tasks,
    Size,
    Cpu,
    Hot,
    Memory,
    P99,
    Errors,
    Slo,
    CpuTrend,
    Scaling,
    Suggest,
    /// CPU without the average (`Cpu` narrowed).
    CpuPeak,
    /// Memory without the average (`Memory` narrowed).
    MemoryPeak,
}

impl EcsColumn {
    const ALL: [EcsColumn; 18] = [
        EcsColumn::Status,
        EcsColumn::Account,
        EcsColumn::Service,
        EcsColumn::Cluster,
        EcsColumn::Launch,
        EcsColumn::Tasks,
        EcsColumn::Size,
        EcsColumn::Cpu,
        EcsColumn::Hot,
        EcsColumn::Memory,
        EcsColumn::P99,
        EcsColumn::Errors,
        EcsColumn::Slo,
        EcsColumn::CpuTrend,
        EcsColumn::Scaling,
        EcsColumn::Suggest,
        EcsColumn::CpuPeak,
        EcsColumn::MemoryPeak,
    ];

    /// Title, width and priority (0 always shown; higher numbers go first when space runs out).
    /// By value to the person at the keys: the status, the service, its size and the suggestion
    /// stay; trends go first, then context (cluster, launch type, scaling), then health detail,
    /// then the averages (CPU and memory narrow to their peaks), then the peaks.
    const fn spec(self) -> Column {
        match self {
            EcsColumn::Status => col("STATUS", 7, 0),
            // As wide as the names (set in `draw`).
            EcsColumn::Service => col("SERVICE", 16, 0).identifier(),
            EcsColumn::Cluster => col("CLUSTER", 12, 6).identifier(),
            EcsColumn::Launch => col("LAUNCH", 11, 8),
            EcsColumn::Tasks => col("TASKS", 6, 3),
            EcsColumn::Size => col("SIZE vCPU/mem", 13, 0),
            EcsColumn::Cpu => col("CPU avg p95 max", 15, 2).narrows_to(3, EcsColumn::CpuPeak as usize),
            EcsColumn::Hot => col("HOT p95", 7, 5),
            EcsColumn::Memory => col("MEM avg max", 17, 2).narrows_to(3, EcsColumn::MemoryPeak as usize),
            EcsColumn::P99 => col("P99 ms  trend", 13, 5),
            EcsColumn::Errors => col("5XX %", 6, 4),
            EcsColumn::Slo => col("SLO left", 9, 4),
            EcsColumn::CpuTrend => col("CPU trend", 16, 9),
            EcsColumn::Scaling => col("SCALING", 9, 8),
            EcsColumn::Suggest => flex("SUGGEST (safe 14d)", 22, 0, 8),
            EcsColumn::CpuPeak => col("CPU max", 7, 2).alternate(),
            EcsColumn::MemoryPeak => col("MEM max", 7, 2).alternate(),
            // Shown only under --org (`draw` makes it a real column there).
            EcsColumn::Account => col("ACCOUNT", 7, 3).identifier().alternate(),
        }
    }
}

/// Each column's spec, in table order.
const COLUMNS: [Column; EcsColumn::ALL.len()] = {
    let mut out = [col("", 0, 0); EcsColumn::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        // `cell` finds a column by its index in ALL: ALL lists them in declaration order.
        assert!(EcsColumn::ALL[i] as usize == i, "EcsColumn::ALL out of declaration order");
        out[i] = EcsColumn::ALL[i].spec();
        i += 1;
    }
    out
};

/// The suggestion for a row: direction, proposed size and monthly change.
fn suggestion<'a>(s: &EcsService, state: &State, theme: &Theme) -> Line<'a> {
    let now = crate::apply::plan::size_label((s.task_cpu, s.task_memory));
    if let Some(line) = super::code_follow(&state.history, &s.key(), &now, state, theme) {
        return line;
    }
    let Some(r) = state.sizing.recs.get(&s.key()) else {
        return Line::from(Span::styled("…", theme.muted()));
    };
    let size = r.proposed.map_or(String::new(), |(c, m)| task_size(c, m));
    let change = match (r.monthly_change(), r.capacity_freed) {
        (Some(c), _) if c.abs() >= 0.5 => format!(" {}{}", if c < 0.0 { "-" } else { "+" }, money(c.abs())),
        (None, Some(_)) => " cap".into(),
        _ => String::new(),
    };
    let (text, style) = match r.finding {
        Finding::UnderProvisioned => (format!("▲ {size}{change}"), theme.critical()),
        Finding::OverProvisioned => (format!("▼ {size}{change}"), theme.warn()),
        Finding::Optimized => ("● keep".into(), theme.ok()),
        Finding::NotEnoughData => ("· no data".into(), theme.muted()),
    };
    Line::from(Span::styled(truncate(&text, 30), style))
}

/// The error budget left (the smaller of the service's objectives) and how fast it burns:
/// `‼` burning fast (page), `!` burning (ticket), `○` budget spent, `✔` within budget.
fn slo_cell<'a>(s: &EcsService, state: &State, theme: &Theme) -> Line<'a> {
    use crate::slo::Burn;
    let muted = |t: &str| Line::from(Span::styled(t.to_string(), theme.muted()));
    match &s.health {
        LbHealth::NoLoadBalancer => return muted("       —"),
        LbHealth::NotRead => return muted("       ·"),
        LbHealth::Read(_) => {}
    }
    let Some(slo) = state.sizing.recs.get(&s.key()).map(|r| r.slo) else {
        return muted("       …");
    };
    let Some(slo) = slo else {
        return muted("  no SLO");
    };
    let left = slo.budget_remaining().map_or("—".to_string(), |b| format!("{:.0}%", (b * 100.0).max(-999.0)));
    let spent = slo.budget_remaining().is_some_and(|b| b < 0.0);
    let (mark, style) = match slo.burn() {
        Burn::Fast => ("‼", theme.critical()),
        Burn::Slow => ("!", theme.warn()),
        // Not burning now, but the period's budget is gone: changes are at the team's risk.
        Burn::Ok if spent => ("○", theme.warn()),
        Burn::Ok => ("✔", theme.ok()),
        Burn::NoData => return muted("    idle"),
    };
    Line::from(Span::styled(format!("{mark} {left:>6}"), style))
}

/// A 5xx share in five characters: two decimals when small, fewer when not.
fn error_pct(e: f32) -> String {
    if e < 10.0 { format!("{e:.2}") } else { format!("{e:.0}") }
}

fn util<'a>(theme: &Theme, values: &[f32], width: usize) -> Line<'a> {
    let spans: Vec<Span> =
        values.iter().map(|v| Span::styled(format!("{:>w$}", pct(*v), w = width), theme.utilization(*v))).collect();
    Line::from(spans)
}

fn cell<'a>(s: &EcsService, column: usize, state: &State, theme: &Theme) -> Line<'a> {
    let Some(column) = EcsColumn::ALL.get(column) else {
        return Line::default();
    };
    match column {
        EcsColumn::Status if s.deployment.is_some() => {
            let d = s.deployment.as_ref().map(|d| d.rollout);
            let (text, style) = match d {
                Some(crate::domain::Rollout::InProgress) => ("⟳ ROLL", theme.info()),
                Some(crate::domain::Rollout::Failed) => ("✖ FAIL", theme.critical()),
                _ => ("✔ DONE", theme.ok()),
            };
            Line::from(Span::styled(text, style))
        }
        EcsColumn::Status => {
            let fit = classify(s, FitThresholds::default());
            Line::from(Span::styled(format!("{} {}", fit_symbol(fit), fit.label()), theme.fit(fit)))
        }
        EcsColumn::Service => Line::from(s.name.clone()),
        // Under --org the account has its own column: `team-01@us-east-1:prod` → `us-east-1:prod`.
        EcsColumn::Cluster => {
            Line::from(Span::styled(super::without_account(state, &s.cluster).to_string(), theme.muted()))
        }
        EcsColumn::Account => super::account_cell(state, &s.cluster),
        EcsColumn::Launch => Line::from(format!("{} {}", s.launch_type.label(), s.arch.label())),
        EcsColumn::Tasks => {
            let style = if s.running < s.desired { theme.warn() } else { theme.base() };
            Line::from(Span::styled(format!("{}/{}", s.running, s.desired), style))
        }
        EcsColumn::Size => Line::from(task_size(s.task_cpu, s.task_memory)),
        EcsColumn::Cpu => util(theme, &[s.cpu.avg, s.cpu.p95, s.cpu.max], 5),
        EcsColumn::Hot => match &s.hottest {
            Some(h) => util(theme, &[h.cpu.p95], 5),
            None => Line::from(Span::styled("    —", theme.muted())),
        },
        EcsColumn::Memory => {
            let mut c = util(theme, &[s.memory.avg, s.memory.max], 5);
            if s.oom_kills > 0 {
                c = Line::from(vec![
                    Span::styled(format!("{:>5}", pct(s.memory.avg)), theme.utilization(s.memory.avg)),
                    Span::styled(format!("{:>5}", pct(s.memory.max)), theme.critical()),
                    Span::styled(format!(" {}×OOM", s.oom_kills), theme.critical()),
                ]);
            }
            c
        }
        EcsColumn::P99 => match &s.health {
            LbHealth::Read(h) => {
                let style = if h.p99_ms >= 1_000.0 {
                    theme.critical()
                } else if h.p99_ms >= 500.0 {
                    theme.warn()
                } else {
                    theme.base()
                };
                // The trend against the window's worst period: where in the window p99 climbed.
                let trend = sparkline(&h.p99_spark, 6, h.p99_peak_ms);
                Line::from(vec![
                    Span::styled(format!("{:>6.0} ", h.p99_ms), style),
                    Span::styled(trend, theme.series(1)),
                ])
            }
            LbHealth::NoLoadBalancer => Line::from(Span::styled(" no LB", theme.muted())),
            LbHealth::NotRead => Line::from(Span::styled("     ·", theme.muted())),
        },
        EcsColumn::Errors => match &s.health {
            LbHealth::Read(h) => {
                let e = h.error_pct();
                let style = if e >= 1.0 {
                    theme.critical()
                } else if e >= 0.1 {
                    theme.warn()
                } else {
                    theme.base()
                };
                Line::from(Span::styled(format!("{:>5}", error_pct(e)), style))
            }
            LbHealth::NoLoadBalancer => Line::from(Span::styled("    —", theme.muted())),
            LbHealth::NotRead => Line::from(Span::styled("    ·", theme.muted())),
        },
        EcsColumn::Slo => slo_cell(s, state, theme),
        EcsColumn::CpuTrend => Line::from(Span::styled(sparkline(&s.cpu_spark, 16, 100.0), theme.series(0))),
        EcsColumn::Suggest => suggestion(s, state, theme),
        EcsColumn::CpuPeak => util(theme, &[s.cpu.max], 7),
        EcsColumn::MemoryPeak if s.oom_kills > 0 => {
            Line::from(Span::styled(format!("{:>7}", pct(s.memory.max)), theme.critical()))
        }
        EcsColumn::MemoryPeak => util(theme, &[s.memory.max], 7),
        EcsColumn::Scaling => Line::from(match &s.autoscaling {
            Some(a) => Span::styled(truncate(&format!("tt {:.0}%", a.target), 9), theme.info()),
            None => Span::styled("—", theme.muted()),
        }),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, focused: bool) {
    let services = state.ecs.rows();
    let mut columns = COLUMNS;
    // The service column is as wide as the longest name (within reason), not a fixed share.
    let longest = services.iter().map(|s| unicode_width::UnicodeWidthStr::width(s.name.as_str())).max().unwrap_or(0);
    columns[EcsColumn::Service as usize].width = (longest as u16).clamp(7, 32);
    if !state.source.accounts.is_empty() {
        super::show_account_column(state, &mut columns[EcsColumn::Account as usize]);
        // `region:cluster` tells an account's rows apart: kept as long as the account is, and as
        // wide as the longest (within reason).
        let rest = |c: &str| unicode_width::UnicodeWidthStr::width(c.split_once('@').map_or(c, |(_, r)| r));
        let longest = services.iter().map(|s| rest(&s.cluster)).max().unwrap_or(0);
        let cluster = &mut columns[EcsColumn::Cluster as usize];
        cluster.width = (longest as u16).clamp(12, 24);
        cluster.priority = 3;
    }
    // The suggestions' column says which sizing profile made them (P switches it).
    columns[EcsColumn::Suggest as usize].title = match state.sizing.policies.profile {
        crate::sizing::recommend::Profile::Safe => "SUGGEST (safe 14d)",
        crate::sizing::recommend::Profile::Balanced => "SUGGEST (balanced 14d)",
    };
    let hidden = table::hidden(&columns, area.width.saturating_sub(2));
    let window = state.fetch(PaneId::Ecs).data_window.unwrap_or(state.window);
    let detail = match hidden {
        0 => format!("% of task reservation over {window} · HOT = busiest task"),
        _ => format!("% of reservation over {window}"),
    };
    let Some(body) = super::frame_and_body(frame, area, state, PaneId::Ecs, theme, focused, Title { hidden, detail })
    else {
        return;
    };
    table::draw(frame, body, theme, &columns, &state.ecs.view, focused, |i, c| cell(&services[i], c, state, theme));
}
