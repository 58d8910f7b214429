//! One file per pane. Each draws its frame, its table of visible rows and its extras.

pub mod alarms;
pub mod cost;
pub mod ecs;
pub mod redis;

use super::pane_frame;
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
