//! Responsive tables: columns carry a priority and the least important are dropped first when
//! the pane is narrow. Only the visible rows are ever built.

use super::cells::{fit_line, put};
use super::theme::Theme;
use crate::app::table::TableView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    /// 0 is always shown; higher numbers go first when space runs out.
    pub priority: u8,
    /// How much of the space left over this column may take (usually the name's).
    pub grow: u16,
    /// A narrower form of this column (its index in the same list) and the priority at which the
    /// table switches to it, before it would drop the column: peaks without the averages.
    pub narrow: Option<(u8, usize)>,
    /// Only ever shown in place of the column it narrows.
    pub alternate: bool,
    /// Names and ids: shortened in the middle (both ends tell them apart), not at the end.
    pub identifier: bool,
}

pub const fn col(title: &'static str, width: u16, priority: u8) -> Column {
    Column { title, width, priority, grow: 0, narrow: None, alternate: false, identifier: false }
}

/// A column that widens into spare space, up to `grow` more cells.
pub const fn flex(title: &'static str, width: u16, priority: u8, grow: u16) -> Column {
    Column { title, width, priority, grow, narrow: None, alternate: false, identifier: false }
}

impl Column {
    /// Switch to the column at `alternate` (at `priority`) before dropping this one.
    pub const fn narrows_to(self, priority: u8, alternate: usize) -> Column {
        Column { narrow: Some((priority, alternate)), ..self }
    }

    /// Shown only in place of the column that narrows to it.
    pub const fn alternate(self) -> Column {
        Column { alternate: true, ..self }
    }

    /// A column of names or ids, shortened in the middle when it must be.
    pub const fn identifier(self) -> Column {
        Column { identifier: true, ..self }
    }
}

/// Indices of the columns that fit in `width`, in their original order (a narrowed column's
/// alternate stands in its place). Each step takes the column with the highest priority number
/// that can still give way: narrowed if it has a narrower form, else dropped.
pub fn fit(columns: &[Column], width: u16) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..columns.len()).filter(|i| !columns[*i].alternate).collect();
    let needed = |kept: &[usize]| -> u32 { kept.iter().map(|i| columns[*i].width as u32 + 1).sum() };
    while needed(&kept) > width as u32 + 1 {
        let step = kept
            .iter()
            .enumerate()
            .filter_map(|(pos, &i)| match columns[i].narrow {
                Some((priority, alternate)) => Some((priority, pos, Some(alternate))),
                None => (columns[i].priority > 0).then_some((columns[i].priority, pos, None)),
            })
            .max_by_key(|(priority, pos, _)| (*priority, *pos));
        match step {
            Some((_, pos, Some(alternate))) => kept[pos] = alternate,
            Some((_, pos, None)) => {
                kept.remove(pos);
            }
            None => break,
        }
    }
    kept
}

/// How many of the table's columns `width` leaves out (a narrowed one is still shown).
pub fn hidden(columns: &[Column], width: u16) -> usize {
    columns.iter().filter(|c| !c.alternate).count() - fit(columns, width).len()
}

/// Draw a table of the visible rows. `cell(row_index, column_index)` builds one cell's line.
///
/// Rows are written straight into the frame's buffer rather than through ratatui's `Table`: a
/// 200×60 frame of a busy pane is ~12,000 cells, and the widget's per-row and per-cell style
/// passes and grapheme segmentation of every character were most of the frame time.
pub fn draw<'a>(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    columns: &[Column],
    view: &TableView,
    focused: bool,
    cell: impl Fn(usize, usize) -> Line<'a>,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let kept = fit(columns, area.width);
    let mut spare = area.width.saturating_sub(kept.iter().map(|&c| columns[c].width + 1).sum());
    // Each kept column's x and width, one cell of spacing between columns, clipped to the area.
    let mut x = area.x;
    let right = area.right();
    let slots: Vec<(usize, u16, u16)> = kept
        .iter()
        .map(|&c| {
            let extra = columns[c].grow.min(spare);
            spare -= extra;
            let w = (columns[c].width + extra).min(right.saturating_sub(x));
            let slot = (c, x, w);
            x = x.saturating_add(w + 1).min(right);
            slot
        })
        .collect();
    let buf = frame.buffer_mut();
    buf.set_style(Rect { height: 1, ..area }, theme.header());
    for &(c, x, w) in &slots {
        put(buf, x, area.y, w, columns[c].title, theme.header());
    }
    let height = (area.height as usize).saturating_sub(1);
    let end = (view.offset + height).min(view.rows.len());
    let start = view.offset.min(end);
    for (n, &i) in view.rows[start..end].iter().enumerate() {
        let y = area.y + 1 + n as u16;
        let row_area = Rect { y, height: 1, ..area };
        let selected = focused && start + n == view.selected;
        if selected {
            buf.set_style(row_area, theme.selection_text());
        }
        for &(c, x, w) in &slots {
            // Cut where a reader loses least, never by the cell edge: "(1 → 2" reads as a value.
            let line = fit_line(cell(i, c), w as usize, columns[c].identifier);
            let (mut at, end) = (x, x + w);
            for span in &line.spans {
                if at >= end {
                    break;
                }
                at = put(buf, at, y, end - at, &span.content, line.style.patch(span.style));
            }
        }
        if selected {
            buf.set_style(row_area, theme.selection());
        }
    }
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

    #[test]
    fn a_column_narrows_before_it_is_dropped_and_at_its_own_priority() {
        // b (30 wide) narrows to e (10) at priority 3, before c (priority 2) goes.
        let cols = [
            col("a", 10, 0),
            col("b", 30, 1).narrows_to(3, 4),
            col("c", 10, 2),
            col("d", 10, 0),
            col("e", 10, 1).alternate(),
        ];
        assert_eq!(fit(&cols, 100), vec![0, 1, 2, 3]);
        assert_eq!(fit(&cols, 43), vec![0, 4, 2, 3], "narrowed first");
        assert_eq!(hidden(&cols, 43), 0, "narrowed, not hidden");
        assert_eq!(fit(&cols, 32), vec![0, 4, 3]);
        assert_eq!(fit(&cols, 21), vec![0, 3]);
        assert_eq!(hidden(&cols, 21), 2);
    }
}
