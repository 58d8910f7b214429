//! The mouse: what is under the pointer, from the same layout functions the renderer draws with.
//! Pure geometry; `update` decides what a click or the wheel does there.

use super::layout::{alarms_split, chrome, cost_split, inner, is_dashboard, panes, too_small, with_error_line};
use super::state::{PaneId, State};
use ratatui::layout::{Position, Rect};

/// Rows the wheel moves a table by.
pub const WHEEL_ROWS: isize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Nothing,
    /// A pane, outside its table's rows (its border, title, header, chart).
    Pane(PaneId),
    /// A row of a pane's table: its index among the rows shown (filtered and sorted).
    Row(PaneId, usize),
}

/// What is at (`column`, `row`) with no overlay open.
pub fn hit(state: &State, column: u16, row: u16) -> Hit {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    if too_small(area) {
        return Hit::Nothing;
    }
    let at = Position::new(column, row);
    let (_, body, _) = chrome(area);
    let Some((pane, rect)) =
        panes(body, state.focus, is_dashboard(area, state.zoom)).into_iter().find(|(_, r)| r.contains(at))
    else {
        return Hit::Nothing;
    };
    let (body, _) = with_error_line(inner(rect), state.fetch(pane).error.is_some());
    let table = match pane {
        PaneId::Cost => cost_split(body).1,
        PaneId::Alarms => alarms_split(body).0,
        _ => body,
    };
    // The first row of the table is its header.
    let rows = Rect { y: table.y + 1, height: table.height.saturating_sub(1), ..table };
    if !rows.contains(at) {
        return Hit::Pane(pane);
    }
    let view = state.view(pane);
    let index = view.offset + (row - rows.y) as usize;
    if index < view.rows.len() { Hit::Row(pane, index) } else { Hit::Pane(pane) }
}
