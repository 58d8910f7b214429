//! The frame around every pane: title with row counts, window, data age and loading state; and
//! the error line that marks the data as stale.

use super::theme::Theme;
use crate::app::state::{PaneId, State};
use crate::common::format::age;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

pub fn block<'a>(state: &State, pane: PaneId, theme: &'a Theme, focused: bool, detail: String) -> Block<'a> {
    let f = state.fetch(pane);
    let (shown, total) = state.row_counts(pane);
    let count = if shown == total { format!("{total}") } else { format!("{shown}/{total}") };
    let mut spans = vec![
        Span::styled(format!(" {} {} ", pane.index() + 1, pane.title()), theme.title()),
        Span::styled(format!("{count} "), theme.base()),
    ];
    if !detail.is_empty() {
        spans.push(Span::styled(format!("· {detail} "), theme.muted()));
    }
    if let Some(filter) = &state.view(pane).filter {
        spans.push(Span::styled(format!("/{} ", filter.text), theme.info()));
    }
    let mut right = Vec::new();
    if f.held {
        // The budget, not the data, is what makes this pane older: `:budget` says more.
        right.push(Span::styled(" ⏸ budget ", theme.warn()));
    }
    if f.inflight.is_some() {
        let i = (state.now.timestamp() as usize) % SPINNER.len();
        right.push(Span::styled(format!(" {} loading ", SPINNER[i]), theme.info()));
    }
    // A pane read by rows is as old as the oldest row on screen.
    let read = crate::app::schedule::oldest_visible(state, pane).or(f.fetched_at);
    match (read, &f.error) {
        (Some(at), Some(_)) => right.push(Span::styled(format!(" STALE {} ", age(state.now, at)), theme.critical())),
        (None, Some(_)) => right.push(Span::styled(" FAILED ", theme.critical())),
        (Some(at), None) => right.push(Span::styled(format!(" {} ago ", age(state.now, at)), theme.muted())),
        (None, None) => {}
    }
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Rounded })
        .border_style(theme.border(focused))
        .title(Line::from(spans))
        .title(Line::from(right).right_aligned())
        .style(theme.base())
}

/// The error under a pane's data: what failed and what to do about it.
pub fn error_line(frame: &mut Frame, area: Rect, state: &State, pane: PaneId, theme: &Theme) {
    if let Some(e) = &state.fetch(pane).error {
        let line = Line::from(vec![
            Span::styled(format!("✖ {e}"), theme.critical()),
            Span::styled(format!(" — {}", e.hint()), theme.muted()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }
}

/// What an empty pane says: loading, failed, or filtered to nothing.
pub fn empty_message(state: &State, pane: PaneId) -> Option<&'static str> {
    let f = state.fetch(pane);
    let (shown, total) = state.row_counts(pane);
    if !state.has_data(pane) {
        Some(if f.error.is_some() { "no data: the first load failed" } else { "loading…" })
    } else if total == 0 {
        Some("nothing here")
    } else if shown == 0 {
        Some("no rows match the filter (esc clears it)")
    } else {
        None
    }
}
