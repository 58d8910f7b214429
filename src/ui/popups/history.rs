//! `:history`: every change applied or rolled back from infradeck, newest first, from the
//! audit log; `u` plans the rollback of the selected one.

use crate::app::state::State;
use crate::apply::plan::short_task_definition;
use crate::common::format::truncate;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, selected: usize) {
    let title = format!(" history · {} changes · u rolls back the selected one ", state.history.len());
    let Some(inner) = super::framed(frame, area, 140, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let mut lines = Vec::new();
    if state.history.is_empty() {
        let place = state.audit_log.as_ref().map_or("no audit log".into(), |p| p.display().to_string());
        lines.push(Line::from(Span::styled(format!("nothing applied yet ({place})"), theme.muted())));
    }
    let rows = inner.height as usize;
    let skip = selected.saturating_sub(rows.saturating_sub(1));
    for (i, e) in state.history.iter().rev().enumerate().skip(skip).take(rows) {
        let ok = e.result.is_applied();
        let revisions = format!(
            "{} → {}",
            short_task_definition(&e.revision_before),
            e.revision_after.as_deref().map_or("—", short_task_definition)
        );
        let text = format!(
            "{:<20} {:<8} {:<30} {:<34} {:<28} {}",
            truncate(&e.time_text(), 20),
            e.action,
            truncate(&e.resource_name(), 30),
            truncate(&format!("{} → {}", e.before, e.after), 34),
            truncate(&revisions, 28),
            e.result
        );
        let style = if ok { theme.base() } else { theme.critical() };
        let line = Line::from(Span::styled(truncate(&text, width), style));
        lines.push(super::selected_line(line, i == selected, theme));
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base()), inner);
}
