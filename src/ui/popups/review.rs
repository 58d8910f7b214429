//! `:review`: the look back over the last days — the summary, then each section's table. The
//! cursor moves over the rows that link to a moment; `enter` opens the timeline there.

use crate::app::state::State;
use crate::common::text::truncate;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let r = &state.review;
    let mut title = format!(" review · last {} days", r.days);
    if r.inflight.is_some() {
        title.push_str(" · reading…");
    }
    title.push(' ');
    let Some(inner) = super::framed(frame, area, area.width, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let rows = inner.height as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &r.error {
        lines.push(Line::from(Span::styled(
            truncate(&format!("cannot read the history: {e}"), width),
            theme.critical(),
        )));
        lines.push(Line::from(Span::styled(truncate(&e.hint(), width), theme.muted())));
    }
    if r.review.is_none() {
        if r.inflight.is_some() {
            lines.push(Line::from(Span::styled(
                "reading alarm history, deployments, stopped tasks, evictions and anomalies…",
                theme.muted(),
            )));
        }
        frame.render_widget(Paragraph::new(lines).style(theme.base()), inner);
        return;
    }
    let all = &r.lines;
    // The cursor's line stays on screen, a third of the way down where there is room.
    let skip = r.selected.saturating_sub(rows / 3).min(all.len().saturating_sub(rows.saturating_sub(lines.len())));
    let room = rows.saturating_sub(lines.len());
    for (i, (text, link)) in all.iter().enumerate().skip(skip).take(room) {
        let heading = text.starts_with("── ");
        let table_head = i > 0 && all[i - 1].0.starts_with("── ") && text != "none";
        let style = if heading {
            theme.title()
        } else if table_head {
            theme.header()
        } else if link.is_some() {
            theme.base()
        } else {
            theme.muted()
        };
        let line = Line::from(Span::styled(truncate(text, width), style));
        lines.push(if i == r.selected && link.is_some() {
            line.patch_style(theme.selection_text()).patch_style(theme.selection())
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base()), inner);
}
