//! The frame around every pane: title with row counts, window, data age and loading state; and
//! the error line that marks the data as stale.

use super::theme::Theme;
use crate::app::state::{PaneId, State};
use crate::common::format::{age, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

/// The pane's frame. `width` is the frame's: the right-hand title (budget hold, loading, age) is
/// kept whole and the left one's detail shortened at a word to the room left, so the two never
/// overlap ("… max m 0s ago").
pub fn block<'a>(state: &State, pane: PaneId, theme: &'a Theme, focused: bool, title: Title, width: u16) -> Block<'a> {
    let f = state.fetch(pane);
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
    let right = Line::from(right).right_aligned();
    let (shown, total) = state.row_counts(pane);
    let count = if shown == total { format!("{total}") } else { format!("{shown}/{total}") };
    let mut spans = vec![
        Span::styled(format!(" {} {} ", pane.index() + 1, pane.title()), theme.title()),
        Span::styled(format!("{count} "), theme.base()),
    ];
    if let Some(filter) = &state.view(pane).filter {
        spans.push(Span::styled(format!("/{} ", filter.text), theme.info()));
    }
    if !state.view(pane).group.is_empty() {
        spans.push(Span::styled("by account ".to_string(), theme.info()));
    }
    let used: usize = spans.iter().map(Span::width).sum::<usize>() + right.width() + 2;
    let room = (width as usize).saturating_sub(used + 3);
    let detail = title.fit(state, room);
    if !detail.is_empty() {
        spans.insert(2, Span::styled(format!("· {detail} "), theme.muted()));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Rounded })
        .border_style(theme.border(focused))
        .title(Line::from(spans))
        .title(right)
        .style(theme.base())
}

/// What a pane's title says after its name and row count.
pub struct Title {
    /// Columns a narrow pane left out: the title says how many and what shows them.
    pub hidden: usize,
    /// " · "-separated parts, most important first (the data's window, units, a legend).
    pub detail: String,
}

impl Title {
    /// The title's text in `room` cells: the hidden-columns note first (in its short form
    /// when the long one leaves no room), then as many whole parts of the detail as fit.
    fn fit(&self, state: &State, room: usize) -> String {
        let (w, h) = state.size;
        let dashboard = crate::app::layout::is_dashboard(Rect::new(0, 0, w, h), state.zoom);
        let how = if dashboard { "z, or wider," } else { "wider" };
        let long = match self.hidden {
            1 => format!("1 column hidden ({how} shows it)"),
            n => format!("{n} columns hidden ({how} shows them)"),
        };
        let compact = format!("{} hidden ({})", self.hidden, if dashboard { "z" } else { "wider" });
        let notes: Vec<&str> = match self.hidden {
            0 => vec![""],
            _ => vec![long.as_str(), compact.as_str()],
        };
        for note in notes {
            let mut out = note.to_string();
            if out.width() > room {
                continue;
            }
            for part in self.detail.split(" · ").filter(|p| !p.is_empty()) {
                let sep = if out.is_empty() { 0 } else { 3 };
                if out.width() + sep + part.width() > room {
                    break;
                }
                if sep > 0 {
                    out.push_str(" · ");
                }
                out.push_str(part);
            }
            if !out.is_empty() {
                return out;
            }
        }
        if room > 1 { truncate(&self.detail, room) } else { String::new() }
    }
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
