//! Responsive tables: columns carry a priority and the least important are dropped first when
//! the pane is narrow. Only the visible rows are ever built.

use super::theme::Theme;
use crate::app::table::TableView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Text;
use ratatui::widgets::{Cell, Row, Table, TableState};

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    /// 0 is always shown; higher numbers go first when space runs out.
    pub priority: u8,
    /// How much of the space left over this column may take (usually the name's).
    pub grow: u16,
}

pub const fn col(title: &'static str, width: u16, priority: u8) -> Column {
    Column { title, width, priority, grow: 0 }
}

/// A column that widens into spare space, up to `grow` more cells.
pub const fn flex(title: &'static str, width: u16, priority: u8, grow: u16) -> Column {
    Column { title, width, priority, grow }
}

/// Indices of the columns that fit in `width`, in their original order.
pub fn fit(columns: &[Column], width: u16) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..columns.len()).collect();
    let needed = |kept: &[usize]| -> u32 { kept.iter().map(|i| columns[*i].width as u32 + 1).sum() };
    while needed(&kept) > width as u32 + 1 {
        let Some((pos, _)) = kept
            .iter()
            .enumerate()
            .filter(|(_, i)| columns[**i].priority > 0)
            .max_by_key(|(p, i)| (columns[**i].priority, *p))
        else {
            break;
        };
        kept.remove(pos);
    }
    kept
}

/// Draw a table of the visible rows. `cell(row_index, column_index)` builds one cell.
pub fn draw<'a>(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    columns: &[Column],
    view: &TableView,
    focused: bool,
    cell: impl Fn(usize, usize) -> Cell<'a>,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let kept = fit(columns, area.width);
    let height = (area.height as usize).saturating_sub(1);
    let end = (view.offset + height).min(view.rows.len());
    let start = view.offset.min(end);
    let rows = view.rows[start..end].iter().enumerate().map(|(n, &i)| {
        let row = Row::new(kept.iter().map(|&c| cell(i, c)));
        if focused && start + n == view.selected { row.style(theme.selection_text()) } else { row }
    });
    let used: u16 = kept.iter().map(|&c| columns[c].width + 1).sum();
    let mut spare = area.width.saturating_sub(used);
    let widths: Vec<Constraint> = kept
        .iter()
        .map(|&c| {
            let extra = columns[c].grow.min(spare);
            spare -= extra;
            Constraint::Length(columns[c].width + extra)
        })
        .collect();
    let header = Row::new(kept.iter().map(|&c| Cell::from(Text::from(columns[c].title)))).style(theme.header());
    let mut table_state = TableState::default();
    if !view.rows.is_empty() {
        table_state.select(Some(view.selected.saturating_sub(start)));
    }
    let table = Table::new(rows, widths).header(header).column_spacing(1).row_highlight_style(if focused {
        theme.selection()
    } else {
        theme.base()
    });
    frame.render_stateful_widget(table, area, &mut table_state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_least_important_columns_first() {
        let cols = [col("a", 10, 0), col("b", 10, 2), col("c", 10, 1), col("d", 10, 2)];
        assert_eq!(fit(&cols, 100), vec![0, 1, 2, 3]);
        assert_eq!(fit(&cols, 33), vec![0, 1, 2]);
        assert_eq!(fit(&cols, 22), vec![0, 2]);
        assert_eq!(fit(&cols, 3), vec![0]);
    }
}
