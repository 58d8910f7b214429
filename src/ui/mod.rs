//! Rendering: a pure function of the state and the theme. Nothing here changes state or does I/O.

pub mod cells;
pub mod chrome;
pub mod pane_frame;
pub mod panes;
pub mod popups;
pub mod table;
pub mod theme;

use crate::app::layout;
use crate::app::state::{Overlay, State};
use ratatui::Frame;
use ratatui::widgets::{Block, Paragraph, Wrap};
use theme::Theme;

pub fn render(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base()), area);
    if layout::too_small(area) {
        let msg = format!(
            "infradeck: terminal too small ({}×{}); needs {}×{}",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        );
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }).style(theme.base()), area);
        return;
    }
    let (header, body, footer) = layout::chrome(area);
    chrome::header(frame, header, state, theme);
    // The detail, incident and review views cover the whole body: the panes under them are not drawn.
    let covered = matches!(state.overlay, Some(Overlay::Detail(_) | Overlay::Incident | Overlay::Review));
    let dashboard = layout::is_dashboard(area, state.zoom);
    for (pane, rect) in layout::panes(body, state.focus, dashboard).into_iter().filter(|_| !covered) {
        panes::draw(frame, rect, pane, state, theme, pane == state.focus);
    }
    match &state.overlay {
        Some(Overlay::Help { scroll }) => popups::help::draw(frame, body, state, theme, *scroll),
        Some(Overlay::Detail(d)) => popups::detail::draw(frame, body, state, d, theme),
        Some(Overlay::Suggest { selected }) => popups::suggest::draw(frame, body, state, theme, *selected),
        Some(Overlay::Plan(p)) => popups::plan::draw(frame, body, state, p, theme),
        Some(Overlay::Logs(l)) => popups::logs::draw(frame, body, state, l, theme),
        Some(Overlay::Tasks(t)) => popups::tasks::draw(frame, body, state, t, theme),
        Some(Overlay::Action(a)) => popups::action::draw(frame, body, a, theme),
        Some(Overlay::Forwards { selected }) => popups::forwards::draw(frame, body, state, *selected, theme),
        Some(Overlay::History { selected }) => popups::history::draw(frame, body, state, theme, *selected),
        Some(Overlay::Budget) => popups::budget::draw(frame, body, state, theme),
        Some(Overlay::Incident) => popups::incident::draw(frame, body, state, theme),
        Some(Overlay::Review) => popups::review::draw(frame, body, state, theme),
        Some(Overlay::Accounts { selected }) => popups::accounts::draw(frame, body, state, theme, *selected),
        None => {}
    }
    chrome::footer(frame, footer, state, theme);
}
