//! `:review`: the look back over the last days — the summary, then each section's table, fitted
//! to the width (the widest columns give up room, so every column stays in view). The cursor
//! moves over the rows that link to a moment; `enter` opens the timeline there.

use crate::app::state::State;
use crate::common::text::{truncate, wrap};
use crate::review::render::{LineKind, lines_at};
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
    let mut shown: Vec<Line> = Vec::new();
    if let Some(e) = &r.error {
        shown.push(Line::from(Span::styled(
            truncate(&format!("cannot read the history: {e}"), width),
            theme.critical(),
        )));
        shown.push(Line::from(Span::styled(truncate(&e.hint(), width), theme.muted())));
    }
    let Some(review) = &r.review else {
        if r.inflight.is_some() {
            shown.push(Line::from(Span::styled(
                truncate("reading alarm history, deployments, stopped tasks, evictions and anomalies…", width),
                theme.muted(),
            )));
        }
        frame.render_widget(Paragraph::new(shown).style(theme.base()), inner);
        return;
    };
    let all = lines_at(review, Some(width));
    // The row under the cursor, whole, below the tables when its fitted row had to cut a cell.
    let natural = crate::review::render::lines(review);
    let cut = all.get(r.selected).is_some_and(|l| {
        l.kind == LineKind::Row && natural.get(r.selected).is_some_and(|(t, _)| crate::common::text::width(t) > width)
    });
    let whole: Vec<String> = if cut { wrap(&format!("▸ {}", all[r.selected].whole), width, 2) } else { Vec::new() };
    let whole: Vec<String> = whole.into_iter().take(3).collect();
    // Screen lines: text wraps, table lines are one each; each knows its review line.
    let mut screen: Vec<(usize, Line)> = Vec::new();
    for (i, l) in all.into_iter().enumerate() {
        let (kind, text, link) = (l.kind, l.text, l.link);
        let style = match kind {
            LineKind::Heading => theme.title(),
            LineKind::Head => theme.header(),
            LineKind::Row if link.is_some() => theme.base(),
            LineKind::Row | LineKind::Text => theme.muted(),
        };
        if kind == LineKind::Text {
            for part in wrap(&text, width, 2) {
                screen.push((i, Line::from(Span::styled(part, style))));
            }
            continue;
        }
        let line = Line::from(Span::styled(truncate(&text, width), style));
        let line = super::selected_line(line, i == r.selected && link.is_some(), theme);
        screen.push((i, line));
    }
    // The cursor's row stays on screen, a third of the way down where there is room.
    let room = rows.saturating_sub(shown.len() + whole.len());
    let at = screen.iter().position(|(i, _)| *i == r.selected).unwrap_or(0);
    let skip = at.saturating_sub(room / 3).min(screen.len().saturating_sub(room));
    shown.extend(screen.into_iter().skip(skip).take(room).map(|(_, l)| l));
    while shown.len() + whole.len() < rows && !whole.is_empty() {
        shown.push(Line::from(""));
    }
    shown.extend(whole.into_iter().map(|w| Line::from(Span::styled(w, theme.header()))));
    frame.render_widget(Paragraph::new(shown).style(theme.base()), inner);
}
