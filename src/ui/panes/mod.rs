//! One file per pane. Each draws its frame, its table of visible rows and its extras.

pub mod alarms;
pub mod cost;
pub mod ecs;
pub mod redis;

use super::pane_frame;
use super::table::Column;
use super::theme::Theme;
use crate::app::layout::{inner, with_error_line};
use crate::app::state::{PaneId, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

/// Draw the frame and the error line; return the body rectangle, or None when the pane has no
/// rows to show (the reason is drawn instead).
pub fn frame_and_body(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    pane: PaneId,
    theme: &Theme,
    focused: bool,
    title: pane_frame::Title,
) -> Option<Rect> {
    frame.render_widget(pane_frame::block(state, pane, theme, focused, title, area.width), area);
    let (body, err) = with_error_line(inner(area), state.fetch(pane).error.is_some());
    if let Some(err) = err {
        pane_frame::error_line(frame, err, state, pane, theme);
    }
    if let Some(msg) = pane_frame::empty_message(state, pane) {
        frame.render_widget(Paragraph::new(msg).style(theme.muted()), body);
        return None;
    }
    Some(body)
}

pub fn draw(frame: &mut Frame, area: Rect, pane: PaneId, state: &State, theme: &Theme, focused: bool) {
    match pane {
        PaneId::Ecs => ecs::draw(frame, area, state, theme, focused),
        PaneId::Redis => redis::draw(frame, area, state, theme, focused),
        PaneId::Cost => cost::draw(frame, area, state, theme, focused),
        PaneId::Alarms => alarms::draw(frame, area, state, theme, focused),
    }
}

/// Under `--org`, a row's account and the rest of the name it is shown with:
/// `team-01@us-east-1:cache-01` → (`team-01`, `us-east-1:cache-01`), a cost row `team-01: Amazon
/// ElastiCache` → (`team-01`, `Amazon ElastiCache`). None without `--org`, or for a row of no
/// account of it.
pub fn account_and_rest<'a>(state: &'a State, shown: &'a str) -> Option<(&'a str, &'a str)> {
    let account = crate::accounts::owner(&state.source.accounts, shown)?;
    let rest = &shown[account.name.len()..];
    Some((account.name.as_str(), rest.strip_prefix('@').or_else(|| rest.strip_prefix(": ")).unwrap_or(rest)))
}

/// The name a row is shown with, less the account when the ACCOUNT column shows it.
pub fn without_account<'a>(state: &'a State, shown: &'a str) -> &'a str {
    account_and_rest(state, shown).map_or(shown, |(_, rest)| rest)
}

/// The ACCOUNT cell: the row's account name, `—` for none.
pub fn account_cell<'a>(state: &State, shown: &str) -> ratatui::text::Line<'a> {
    ratatui::text::Line::from(account_and_rest(state, shown).map_or("—", |(name, _)| name).to_string())
}

/// Under `--org` the ACCOUNT column (an alternate, hidden otherwise) is shown at every width, as
/// the names beside it are (they no longer carry the account), as wide as the account names
/// (within reason).
pub fn show_account_column(state: &State, column: &mut Column) {
    if state.source.accounts.is_empty() {
        return;
    }
    let longest = state.source.accounts.iter().map(|a| unicode_width::UnicodeWidthStr::width(a.name.as_str())).max();
    column.width = (longest.unwrap_or(0) as u16).clamp(7, 20);
    column.alternate = false;
    column.priority = 0;
}

/// The suggestion cell of a resource whose change was written to code and not yet deployed:
/// "✎ in code: 2 / 4G (deploy)" until a deploy brings it there, "✎ stale" after a week.
fn code_follow<'a>(
    history: &[crate::apply::AuditEntry],
    resource: &str,
    now: &str,
    state: &State,
    theme: &crate::ui::theme::Theme,
) -> Option<ratatui::text::Line<'a>> {
    use crate::app::code_change::{Follow, follow};
    // As short as the suggestions it stands in for: "2 / 4G", "m6g.large".
    let short = |s: String| s.replace(" vCPU", "").replace(" GiB", "G").replace("cache.", "");
    let (text, style) = match follow(history, resource, now, state.now)? {
        Follow::Awaiting { after, .. } => (format!("✎ in code: {} (deploy)", short(after)), theme.info()),
        Follow::Stale { after, days } => (format!("✎ stale {days}d in code: {}", short(after)), theme.warn()),
    };
    Some(ratatui::text::Line::from(ratatui::text::Span::styled(crate::common::format::truncate(&text, 40), style)))
}
