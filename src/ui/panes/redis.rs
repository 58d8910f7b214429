//! ElastiCache replication groups: memory, engine CPU, evictions, connections, network.

use crate::app::state::{PaneId, State};
use crate::common::format::{count, money, pct, rate, sparkline, truncate};
use crate::domain::CacheGroup;
use crate::sizing::recommend::Finding;
use crate::ui::pane_frame::Title;
use crate::ui::table::{self, Column, col, flex};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// By value at narrow widths, as the ECS pane: the group, its nodes, the worst node's memory and
/// engine CPU and the suggestion stay; the trend goes first, then traffic and the engine
/// version, then connections, then evictions. GROUP is as wide as the names (set in `draw`);
/// under `--org` the account is a column of its own, next to it (`region:group` in GROUP).
const COLUMNS: [Column; 11] = [
    col("GROUP", 14, 0).identifier(),
    col("ACCOUNT", 7, 3).identifier().alternate(),
    col("ENGINE", 10, 3),
    col("NODES", 16, 1),
    col("MEM%", 5, 0),
    col("CPU%", 5, 0),
    col("EVICT", 6, 1),
    col("CONNS", 6, 2),
    col("NET in/out B/s", 14, 4),
    col("MEM trend", 12, 5),
    flex("SUGGEST", 24, 0, 8),
];

/// The group's suggestion in a few characters: direction, node type, monthly change; a topology
/// change (shards, replicas) when that is what it needs.
fn suggestion<'a>(g: &CacheGroup, state: &State, theme: &Theme) -> Line<'a> {
    if let Some(line) = super::code_follow(&state.history, &g.id, &g.node_type, state, theme) {
        return line;
    }
    let Some(r) = state.sizing.cache_recs.get(&g.id) else {
        return Line::from(Span::styled("…", theme.muted()));
    };
    let node = r.proposed.as_deref().map_or(String::new(), |n| n.trim_start_matches("cache.").to_string());
    let change = match r.monthly_change() {
        Some(c) if c.abs() >= 0.5 => format!(" {}{}", if c < 0.0 { "-" } else { "+" }, money(c.abs())),
        _ => String::new(),
    };
    let (text, style) = match (r.finding, &r.topology) {
        (Finding::UnderProvisioned, Some(t)) if r.proposed.is_none() => (format!("▲ {t}"), theme.critical()),
        (Finding::UnderProvisioned, _) => (format!("▲ {node}{change}"), theme.critical()),
        (Finding::OverProvisioned, _) => (format!("▼ {node}{change}"), theme.warn()),
        (Finding::Optimized, _) if r.valkey_saving.is_some_and(|s| s >= 0.5) => {
            (format!("● valkey -{}", money(r.valkey_saving.unwrap_or(0.0))), theme.ok())
        }
        (Finding::Optimized, _) => ("● keep".into(), theme.ok()),
        (Finding::NotEnoughData, _) => ("· not sized".into(), theme.muted()),
    };
    Line::from(Span::styled(truncate(&text, 32), style))
}

fn cell<'a>(g: &CacheGroup, column: usize, state: &State, theme: &Theme) -> Line<'a> {
    match column {
        0 => Line::from(super::without_account(state, &g.id).to_string()),
        1 => super::account_cell(state, &g.id),
        2 => Line::from(Span::styled(format!("{} {}", g.engine.label(), g.engine_version), theme.muted())),
        3 => Line::from(format!("{} ×{}", g.node_type.trim_start_matches("cache."), g.nodes())),
        4 => Line::from(Span::styled(format!("{:>4}", pct(g.memory.max)), theme.utilization(g.memory.max))),
        5 => Line::from(Span::styled(format!("{:>4}", pct(g.engine_cpu.p95)), theme.utilization(g.engine_cpu.p95))),
        6 => {
            let style = if g.evictions > 0 { theme.critical() } else { theme.muted() };
            Line::from(Span::styled(format!("{:>6}", count(g.evictions as f64)), style))
        }
        7 => Line::from(format!("{:>6}", count(g.connections.avg as f64))),
        8 => Line::from(format!("{}/{}", rate(g.network_in), rate(g.network_out))),
        9 => Line::from(Span::styled(sparkline(&g.memory_spark, 12, 100.0), theme.series(1))),
        _ => suggestion(g, state, theme),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, focused: bool) {
    let groups = state.redis.rows();
    let mut columns = COLUMNS;
    let shown = |g: &CacheGroup| unicode_width::UnicodeWidthStr::width(super::without_account(state, &g.id));
    columns[0].width = (groups.iter().map(shown).max().unwrap_or(0) as u16).clamp(7, 32);
    super::show_account_column(state, &mut columns[1]);
    let hidden = table::hidden(&columns, area.width.saturating_sub(2));
    let window = state.fetch(PaneId::Redis).data_window.unwrap_or(state.window);
    let detail = format!("max mem · p95 engine CPU · over {window}");
    let Some(body) = super::frame_and_body(frame, area, state, PaneId::Redis, theme, focused, Title { hidden, detail })
    else {
        return;
    };
    table::draw(frame, body, theme, &columns, &state.redis.view, focused, |i, c| cell(&groups[i], c, state, theme));
}
