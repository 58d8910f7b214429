//! What can be clicked besides rows: the footer's key hints and the plan's buttons. Both the
//! renderer (which draws them) and the mouse (which hits them) place them from here, so a click
//! lands on what was drawn; a click presses the key the button shows.

use super::action::Action;
use super::keymap::KeyChord;
use super::layout::{chrome, popup};
use super::state::{Overlay, PlanPhase, PlanState, State};
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Position, Rect};
use unicode_width::UnicodeWidthStr;

/// The widest the plan popup gets.
pub const PLAN_WIDTH: u16 = 110;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub area: Rect,
    /// What the button presses, and how it is written on it.
    pub key: KeyChord,
    pub key_text: String,
    pub label: &'static str,
}

/// The footer's hints for what is open, most useful first (`?`, which lists every key, first).
pub fn hints(state: &State) -> &'static [(Action, &'static str)] {
    match &state.overlay {
        Some(Overlay::Detail(d)) if d.text.is_some() => {
            &[(Action::Open, "charts"), (Action::Down, "scroll"), (Action::Up, "up"), (Action::Quit, "close")]
        }
        // A service's tasks are one key away from its charts.
        Some(Overlay::Detail(d)) if matches!(d.resource, crate::domain::ResourceRef::EcsService { .. }) => &[
            (Action::Back, "back"),
            (Action::Tasks, "tasks"),
            (Action::Open, "all text"),
            (Action::Window, "window"),
            (Action::Down, "next"),
            (Action::Up, "prev"),
            (Action::Refresh, "refresh"),
        ],
        Some(Overlay::Detail(_)) => &[
            (Action::Back, "back"),
            (Action::Open, "all text"),
            (Action::Window, "window"),
            (Action::Down, "next"),
            (Action::Up, "prev"),
            (Action::Refresh, "refresh"),
        ],
        Some(Overlay::Help { .. }) => &[(Action::Back, "close"), (Action::Down, "scroll")],
        Some(Overlay::Plan(_)) => &[(Action::Back, "cancel")],
        Some(Overlay::Incident) => &[
            (Action::Back, "close"),
            (Action::Open, "chart"),
            (Action::Filter, "filter"),
            (Action::Note, "note"),
            (Action::Window, "span"),
            (Action::Refresh, "refresh"),
            (Action::Command, ":export"),
        ],
        Some(Overlay::Budget) => &[(Action::Back, "close")],
        Some(Overlay::Accounts { .. }) => {
            &[(Action::Back, "close"), (Action::Down, "next"), (Action::Up, "prev"), (Action::Open, "narrow to it")]
        }
        Some(Overlay::Review) => &[
            (Action::Back, "close"),
            (Action::Down, "next"),
            (Action::Up, "prev"),
            (Action::Open, "timeline there"),
            (Action::Window, "7/30/90 days"),
            (Action::Refresh, "refresh"),
        ],
        Some(Overlay::Logs(_)) => &[
            (Action::Back, "close"),
            (Action::Filter, "pattern"),
            (Action::Window, "wrap"),
            (Action::Refresh, "refresh"),
            (Action::Up, "up"),
            (Action::Bottom, "newest"),
        ],
        Some(Overlay::Action(_)) => &[(Action::Back, "cancel")],
        Some(Overlay::Forwards { .. }) => &[(Action::Back, "close"), (Action::Down, "next"), (Action::Up, "prev")],
        Some(Overlay::Tasks(t)) if t.container.is_some() => {
            &[(Action::Back, "tasks"), (Action::Shell, "shell here"), (Action::Logs, "logs"), (Action::Down, "next")]
        }
        Some(Overlay::Tasks(_)) => &[
            (Action::Back, "close"),
            (Action::Open, "containers"),
            (Action::Shell, "shell"),
            (Action::Logs, "logs"),
            (Action::Refresh, "refresh"),
        ],
        Some(Overlay::History { .. }) => {
            &[(Action::Back, "close"), (Action::Down, "next"), (Action::Up, "prev"), (Action::Rollback, "roll back")]
        }
        Some(Overlay::Suggest { .. }) => {
            &[(Action::Back, "close"), (Action::Down, "next"), (Action::Up, "prev"), (Action::Open, "open")]
        }
        None => &[
            (Action::Help, "help"),
            (Action::Command, "command"),
            (Action::Filter, "filter"),
            (Action::NextPane, "pane"),
            (Action::Open, "detail"),
            (Action::Apply, "apply"),
            (Action::Incident, "incident"),
            (Action::Sort, "sort"),
            (Action::Window, "window"),
            (Action::Refresh, "refresh"),
            (Action::Zoom, "zoom"),
            (Action::Quit, "quit"),
        ],
    }
}

/// The footer's hints as buttons: " key what" two cells apart after one space; a hint that
/// does not fit whole is left out, with all after it ("s sor" tells nobody anything).
/// None while the footer shows a typed line or a status message instead.
pub fn footer(state: &State) -> Vec<Button> {
    if state.input.is_some() || state.status.is_some() {
        return Vec::new();
    }
    let (_, _, area) = chrome(Rect::new(0, 0, state.size.0, state.size.1));
    let mut x = area.x + 1;
    let mut out = Vec::new();
    for &(action, label) in hints(state) {
        let Some(&key) = state.keymap.keys(action).first() else { continue };
        let key_text = key.to_string();
        let w = (key_text.width() + 1 + label.width()) as u16;
        if x + w > area.right() {
            break;
        }
        out.push(Button { area: Rect::new(x, area.y, w, 1), key, key_text, label });
        x += w + 2;
    }
    out
}

/// The plan's choices in its phase. A protected profile's apply takes the typed name, never a
/// click: only its cancel is a button.
fn plan_choices(p: &PlanState) -> Vec<(char, &'static str)> {
    let Some(plan) = &p.plan else { return vec![('\u{1b}', "cancel")] };
    let mut choices = direct_choices(p, plan);
    // The change as code comes before the direct apply (after cancel, which stays first).
    let code = match &p.code {
        crate::app::state::CodeState::Found(c) if c.written.is_empty() && !plan.protected => {
            vec![('c', "write code change"), ('g', "commit on a branch")]
        }
        _ => Vec::new(),
    };
    if p.phase == PlanPhase::Ready && !choices.is_empty() {
        choices.splice(1..1, code);
    }
    choices
}

fn direct_choices(p: &PlanState, plan: &crate::apply::ResizePlan) -> Vec<(char, &'static str)> {
    match p.phase {
        PlanPhase::Planning => vec![('\u{1b}', "cancel")],
        PlanPhase::Applying => Vec::new(),
        PlanPhase::Applied | PlanPhase::Failed => vec![('\u{1b}', "close")],
        PlanPhase::Ready if plan.read_only => vec![('\u{1b}', "close")],
        // Cancel (or close) first in every phase: a click aimed at it just as the plan arrives
        // never lands on apply.
        PlanPhase::Ready if plan.blocked.is_some() => vec![('\u{1b}', "close"), ('e', "export as code")],
        PlanPhase::Ready if plan.protected => vec![('\u{1b}', "cancel")],
        PlanPhase::Ready if plan.dry_run => vec![('\u{1b}', "cancel"), ('y', "list the requests")],
        PlanPhase::Ready => vec![('\u{1b}', "cancel"), ('y', "apply"), ('e', "export as code")],
    }
}

/// The plan's buttons, on its popup's bottom border: "[y apply] [esc cancel] …".
pub fn plan(state: &State, p: &PlanState) -> Vec<Button> {
    let (_, body, _) = chrome(Rect::new(0, 0, state.size.0, state.size.1));
    let frame = popup(body, PLAN_WIDTH);
    if frame.height < 3 {
        return Vec::new();
    }
    let y = frame.bottom() - 1;
    let mut x = frame.x + 2;
    let mut out = Vec::new();
    for (c, label) in plan_choices(p) {
        let key = KeyChord::plain(if c == '\u{1b}' { KeyCode::Esc } else { KeyCode::Char(c) });
        let key_text = key.to_string();
        // "[" key " " label "]"
        let w = (key_text.width() + label.width() + 3) as u16;
        if x + w + 2 > frame.right() {
            break;
        }
        out.push(Button { area: Rect::new(x, y, w, 1), key, key_text, label });
        x += w + 1;
    }
    out
}

/// The button under (`column`, `row`), if any: the plan's while it is open, else the footer's.
pub fn at(state: &State, column: u16, row: u16) -> Option<Button> {
    let at = Position::new(column, row);
    let plan = match &state.overlay {
        Some(Overlay::Plan(p)) => plan(state, p),
        _ => Vec::new(),
    };
    plan.into_iter().chain(footer(state)).find(|b| b.area.contains(at))
}
