//! `?`: every action with its keys (from the live keymap), the commands, and what the numbers mean.

use crate::app::Action;
use crate::app::command::WORDS;
use crate::app::layout::centered;
use crate::app::state::{PaneId, State};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

fn pane_notes(pane: PaneId) -> &'static [&'static str] {
    match pane {
        PaneId::Ecs => &[
            "CPU and MEM are percent of the task's reservation (AWS/ECS CPUUtilization,",
            "MemoryUtilization), averaged across the service's tasks: avg, p95 and the",
            "peak of the per-period Maximum over the window. HOT p95 is the busiest",
            "single task: a calm average can hide one task at its limit.",
            "STATUS: ✖ OOM tasks were OOM-killed · ▲ UNDER peak ≥ 90% · ▼ OVER CPU p95 < 40%",
            "and memory peak < 50% · ● RIGHT otherwise. While a deployment rolls out:",
            "⟳ ROLL in progress · ✖ FAIL it failed (tasks did not start) · ✔ DONE just finished.",
            "SUGGEST ✎ in code: a change written to its Terraform/CloudFormation/CDK (c or g in",
            "a plan), not yet deployed; ✎ stale: written over a week ago and still not deployed.",
        ],
        PaneId::Redis => &[
            "MEM% is DatabaseMemoryUsagePercentage of the fullest node (max over the window),",
            "CPU% is EngineCPUUtilization p95: the engine is single-threaded, so this is the",
            "number that saturates. EVICT is evictions summed over the window, all nodes.",
            "NODES is node type × every billed node (shards × (1 + replicas)).",
            "SUGGEST ✎ in code: a node type written to the code that owns the group, not deployed.",
        ],
        PaneId::Cost => &[
            "Cost Explorer amortized cost by service. MONTH TO DATE includes today's partial",
            "day; FORECAST is this month's total; CHANGE is the forecast against last month.",
            "⚠ marks services with a cost anomaly (red bars in the chart).",
        ],
        PaneId::Alarms => &[
            "ALARM first, then the most recent change. SINCE is time in the current state;",
            "24h counts state changes in the last day (≈flap: six or more).",
            "▲ ALARM · ◌ NODATA (insufficient data) · ● OK — never colour alone.",
        ],
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, scroll: u16) {
    let popup = centered(area, 88, area.height.saturating_sub(2));
    frame.render_widget(Clear, popup);
    let mut lines =
        vec![Line::from(Span::styled(format!("{} — what the numbers mean", state.focus.title()), theme.header()))];
    lines.extend(pane_notes(state.focus).iter().map(|l| Line::from(Span::raw(*l))));
    lines.push(Line::raw(""));
    lines
        .push(Line::from(Span::styled("Keys (rebind any action by name under [keys] in config.toml)", theme.header())));
    for action in Action::all() {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<18}", state.keymap.label(action)), theme.title()),
            Span::styled(format!("{:<13}", action.name()), theme.muted()),
            Span::raw(action.describe()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Commands (: then tab completes)", theme.header())));
    lines.push(Line::raw(WORDS.iter().map(|w| format!(":{w}")).collect::<Vec<_>>().join("  ")));
    lines.push(Line::raw(format!("themes: {}", state.themes.join(", "))));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.border(true))
        .title(Span::styled(" help · esc closes · j/k scroll ", theme.title()))
        .style(theme.base());
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), popup);
}
