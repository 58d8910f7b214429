//! Views drawn over the panes: help, the resource detail and the ranked suggestions.

pub mod accounts;
pub mod action;
pub mod budget;
pub mod detail;
pub mod forwards;
pub mod help;
pub mod history;
pub mod incident;
pub mod logs;
pub mod plan;
pub mod plan_code;
pub mod review;
pub mod service_health;
pub mod suggest;
pub mod tasks;

use crate::app::layout::popup;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders, Clear};

/// A list line as drawn under the cursor (`selected`) or not.
pub fn selected_line<'a>(line: ratatui::text::Line<'a>, selected: bool, theme: &Theme) -> ratatui::text::Line<'a> {
    if selected { line.patch_style(theme.selection_text()).patch_style(theme.selection()) } else { line }
}

/// A centred, rounded popup up to `max_width` wide with `title`; the area inside it, or None when
/// the terminal leaves no room to draw in.
pub fn framed(frame: &mut Frame, area: Rect, max_width: u16, title: String, theme: &Theme) -> Option<Rect> {
    let popup = popup(area, max_width);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .title(Span::styled(title, theme.title()))
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    (inner.height > 0 && inner.width > 0).then_some(inner)
}
