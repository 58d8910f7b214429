//! Where things go on screen, as pure functions of the terminal size and the state. `update`
//! uses the same functions as the renderer, to page and scroll by what is really visible.

use crate::app::state::{PaneId, State};
use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the app shows a "terminal too small" line instead of panes.
pub const MIN_WIDTH: u16 = 24;
pub const MIN_HEIGHT: u16 = 6;
/// From this size up, all four panes show at once.
pub const DASHBOARD_WIDTH: u16 = 150;
pub const DASHBOARD_HEIGHT: u16 = 40;

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// (header, body, footer)
pub fn chrome(area: Rect) -> (Rect, Rect, Rect) {
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    (header, body, footer)
}

pub fn is_dashboard(area: Rect, zoom: bool) -> bool {
    !zoom && area.width >= DASHBOARD_WIDTH && area.height >= DASHBOARD_HEIGHT
}

/// The panes shown and where: ECS across the top, the other three side by side below; or the
/// focused pane alone on a small terminal.
pub fn panes(body: Rect, focus: PaneId, dashboard: bool) -> Vec<(PaneId, Rect)> {
    if !dashboard {
        return vec![(focus, body)];
    }
    let [top, bottom] = Layout::vertical([Constraint::Percentage(52), Constraint::Percentage(48)]).areas(body);
    let [redis, cost, alarms] =
        Layout::horizontal([Constraint::Ratio(1, 3), Constraint::Ratio(1, 3), Constraint::Ratio(1, 3)]).areas(bottom);
    vec![(PaneId::Ecs, top), (PaneId::Redis, redis), (PaneId::Cost, cost), (PaneId::Alarms, alarms)]
}

/// Inside a pane's border.
pub fn inner(rect: Rect) -> Rect {
    rect.inner(ratatui::layout::Margin { horizontal: 1, vertical: 1 })
}

/// A pane's inner area split into its body and, when the last refresh failed, an error line.
pub fn with_error_line(inner: Rect, has_error: bool) -> (Rect, Option<Rect>) {
    if !has_error || inner.height < 3 {
        return (inner, None);
    }
    let [body, err] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    (body, Some(err))
}

/// Cost pane: (top, table). The top is a chart when there is room, else one summary line,
/// else nothing.
pub fn cost_split(body: Rect) -> (Rect, Rect) {
    let top_h = if body.height >= 14 {
        (body.height * 2 / 5).clamp(7, 16)
    } else if body.height > 3 {
        1
    } else {
        0
    };
    let [top, table] = Layout::vertical([Constraint::Length(top_h), Constraint::Min(0)]).areas(body);
    (top, table)
}

/// Alarms pane: the selected alarm's history below the table when there is room.
pub fn alarms_split(body: Rect) -> (Rect, Option<Rect>) {
    if body.height < 14 {
        return (body, None);
    }
    let hist_h = (body.height / 3).clamp(5, 12);
    let [table, history] = Layout::vertical([Constraint::Min(0), Constraint::Length(hist_h)]).areas(body);
    (table, Some(history))
}

/// Whether `pane` is drawn now (all four on the dashboard, else the focused one).
pub fn on_screen(state: &State, pane: PaneId) -> bool {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    !too_small(area) && (pane == state.focus || is_dashboard(area, state.zoom))
}

/// Rows of data a pane's table can show (its height less the header row).
pub fn table_height(state: &State, pane: PaneId) -> usize {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    if too_small(area) {
        return 1;
    }
    let (_, body, _) = chrome(area);
    let dashboard = is_dashboard(area, state.zoom);
    let Some((_, rect)) = panes(body, state.focus, dashboard).into_iter().find(|(p, _)| *p == pane) else {
        // Not on screen: page by what it would show if focused.
        return (body.height as usize).saturating_sub(3).max(1);
    };
    let (body, _) = with_error_line(inner(rect), state.fetch(pane).error.is_some());
    let table = match pane {
        PaneId::Cost => cost_split(body).1,
        PaneId::Alarms => alarms_split(body).0,
        _ => body,
    };
    (table.height as usize).saturating_sub(1).max(1)
}

/// A rectangle of at most `w`×`h` centred in `area`.
/// A popup over `body`: centred, up to `max_width` wide, two cells in from the sides and one
/// from the top and bottom.
pub fn popup(body: Rect, max_width: u16) -> Rect {
    centered(body, body.width.saturating_sub(4).min(max_width), body.height.saturating_sub(2))
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// Keep every pane's selection on screen for the current terminal size.
pub fn settle_scroll(state: &mut State) {
    for pane in PaneId::ALL {
        let h = table_height(state, pane);
        state.view_mut(pane).scroll_into_view(h);
    }
}
