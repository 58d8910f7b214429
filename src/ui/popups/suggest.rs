//! `:suggest`: every suggestion, at risk first, then by saving; `enter` opens the resource.

use crate::app::state::State;
use crate::app::suggest::{SuggestItem, money_change, ranked, total_saving};
use crate::common::format::{money, truncate};
use crate::sizing::recommend::Risk;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn row<'a>(item: &SuggestItem, width: usize, selected: bool, theme: &Theme) -> Line<'a> {
    let (mark, style) = if item.at_risk() { ("▲", theme.critical()) } else { ("▼", theme.warn()) };
    let risk = match item.risk {
        Risk::High => "high",
        Risk::Medium => "med",
        Risk::Low => "low",
    };
    let name_w = width.saturating_sub(2 + 18 + 26 + 14 + 6 + 4).max(8);
    let text = format!(
        "{:<name_w$} {:<18} {:<26} {:>13} {:>5}",
        truncate(&item.resource.to_string(), name_w),
        truncate(&item.current, 18),
        truncate(&format!("→ {}", item.proposed), 26),
        money_change(item.monthly),
        risk,
    );
    let line = Line::from(vec![Span::styled(format!("{mark} "), style), Span::styled(text, theme.base())]);
    super::selected_line(line, selected, theme)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, selected: usize) {
    let items = ranked(state);
    let at_risk = items.iter().filter(|i| i.at_risk()).count();
    let title = format!(
        " suggestions · {at_risk} at risk · {} to save {}/month ",
        items.len() - at_risk,
        money(total_saving(&items))
    );
    let Some(inner) = super::framed(frame, area, 120, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let mut lines = Vec::new();
    if items.is_empty() {
        lines
            .push(Line::from(Span::styled("no suggestions yet: sizing runs once services have loaded", theme.muted())));
    }
    // Keep the selection in view: scroll by whole pages of the list.
    let rows = (inner.height as usize).saturating_sub(2).max(1);
    let start = (selected / rows) * rows;
    let mut section = None;
    for (i, item) in items.iter().enumerate().skip(start).take(rows) {
        if section != Some(item.at_risk()) {
            section = Some(item.at_risk());
            let heading = if item.at_risk() { "At risk: under-provisioned" } else { "Savings: over-provisioned" };
            lines.push(Line::from(Span::styled(heading, theme.header())));
        }
        lines.push(row(item, width, i == selected, theme));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
