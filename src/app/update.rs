//! `update(state, msg) -> effects`: every state change happens here, synchronously, with no I/O.
//! The driver executes the returned effects and feeds their results back as messages.

use super::action::Action;
use super::command::{self, Command};
use super::fetch::{refresh, request, request_scoped, request_sizing};
use super::keymap::KeyChord;
use super::loaded::{on_detail, on_ecs_partial, on_loaded, on_sizing, on_source_changed};
use super::msg::{Effect, Msg};
use super::overlay_keys::{on_detail_action, on_help_action, on_suggest_action, open_detail, open_resource};
use super::state::{Input, InputKind, Level, Overlay, PaneId, State};
use super::table::Filter;
use crate::app::layout;
use crate::domain::Window;
use ratatui::crossterm::event::KeyCode;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let fx = update_state(state, msg);
    super::incident::refresh_cache(state);
    fx
}

fn update_state(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Tick(now) => {
            state.now = now;
            for pane in PaneId::ALL {
                if pane.by_rows() {
                    if let Some(scope) = super::schedule::due_rows(state, pane) {
                        request_scoped(state, pane, scope, &mut fx);
                    }
                    continue;
                }
                let f = state.fetch(pane);
                if f.inflight.is_none() && f.next_due.is_none_or(|due| now >= due) {
                    request(state, pane, &mut fx);
                }
            }
            if super::schedule::detail_due(state)
                && let Some(Overlay::Detail(d)) = &state.overlay
            {
                let (resource, window) = (d.resource.clone(), d.window);
                open_resource(state, resource, window, &mut fx);
            }
            request_sizing(state, now, &mut fx);
            super::incident::on_tick(state, &mut fx);
            super::logs::on_tick(state, &mut fx);
            super::apply::on_tick(state, &mut fx);
            // Ages in the header and pane titles move with the clock.
            state.dirty = true;
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            layout::settle_scroll(state);
            state.dirty = true;
        }
        Msg::Key(key) => {
            super::schedule::on_input(state);
            on_key(state, key, &mut fx);
            layout::settle_scroll(state);
            state.dirty = true;
        }
        Msg::Mouse(m) => {
            super::schedule::on_input(state);
            on_mouse(state, m, &mut fx);
            layout::settle_scroll(state);
            state.dirty = true;
        }
        Msg::MouseCapture(result) => {
            state.status = Some(match result {
                Ok(true) => {
                    state.mouse = true;
                    (Level::Info, "mouse on: click to focus and select, again to open; shift-drag selects text".into())
                }
                Ok(false) => {
                    state.mouse = false;
                    (Level::Info, "mouse off: the terminal selects text (M turns it back on)".into())
                }
                Err(e) => (Level::Error, format!("mouse: {e}")),
            });
            state.dirty = true;
        }
        Msg::Loaded { req, payload, degraded } => on_loaded(state, req, payload, degraded, &mut fx),
        Msg::DetailLoaded { req, result } => on_detail(state, req, result.map(|d| super::detail_view::view(&d))),
        Msg::SizingLoaded { req, result } => on_sizing(state, req, result),
        Msg::Quit => state.quit = true,
        Msg::Focus(focused) => {
            super::schedule::on_focus(state, focused);
            state.dirty = true;
        }
        Msg::EcsPartial { req, rows } => on_ecs_partial(state, req, rows),
        Msg::SourceChanged(source) => on_source_changed(state, source, &mut fx),
        Msg::SourceUpdated(source) => {
            // Only news about the source on screen (a late answer from one replaced by
            // `:profile` must not bring it back). Its label is no identity: under `--org` it
            // changes as slow accounts answer.
            if source != state.source && source.generation == state.source.generation {
                state.source = source;
                // Grouped panes and `acct:`/`ou:` filters follow the accounts as they are now
                // named and listed.
                for pane in PaneId::ALL {
                    let grouped = !state.view(pane).group.is_empty();
                    let filter = state.view(pane).filter.as_ref().map(|f| f.text.clone());
                    if grouped {
                        state.view_mut(pane).group = group_names(state);
                    }
                    if let Some(text) = &filter {
                        state.view_mut(pane).filter = Filter::scoped(text, &state.source.accounts);
                    }
                    if grouped || filter.is_some() {
                        state.rebuild_view(pane);
                    }
                }
                state.dirty = true;
            }
        }
        Msg::ReconnectFailed(e) => {
            state.status = Some((Level::Error, format!("could not switch: {e} ({})", e.hint())));
            state.dirty = true;
        }
        Msg::Planned { req, result } => super::apply::on_planned(state, req, result, &mut fx),
        Msg::CodeChanged { req, result, audit } => super::code_change::on_changed(state, req, result, audit),
        Msg::Exported(result) => {
            state.status = Some(match result {
                Ok(path) => {
                    let clip = if state.clipboard { " and copied to the clipboard" } else { "" };
                    (Level::Info, format!("exported to {}{clip}", path.display()))
                }
                Err(e) => (Level::Error, format!("export failed: {e}")),
            });
            state.dirty = true;
        }
        Msg::Applied { result, audit } => super::apply::on_applied(state, result, audit, &mut fx),
        Msg::TimelineLoaded { req, result } => super::incident::on_loaded(state, req, result, &mut fx),
        Msg::LogsLoaded { req, result } => super::logs::on_loaded(state, req, result),
        Msg::TasksLoaded { req, result, plugin } => {
            super::tasks::on_loaded(state, req, result, plugin);
            state.dirty = true;
        }
        Msg::ExecReady { request, result, audit } => {
            super::tasks::on_exec_ready(state, request, result, audit, &mut fx);
            state.dirty = true;
        }
        Msg::ActionPlanned { req, result } => super::service_action::on_planned(state, req, result),
        Msg::ActionApplied { result, audit } => super::service_action::on_applied(state, result, audit, &mut fx),
        Msg::ForwardStarted(result) => super::tasks::on_forward_started(state, result),
        Msg::Forwards(list) => {
            if list != state.forwards {
                state.forwards = list;
                state.dirty = true;
            }
        }
        Msg::ExecEnded { ended, audit } => super::tasks::on_exec_ended(state, ended, audit, &mut fx),
        Msg::HistoryLoaded { req, result, spent } => super::review::on_loaded(state, req, result, spent),
        Msg::NoteSaved(result) => {
            if let Err(e) = result {
                state.status = Some((Level::Error, format!("note kept on screen but not saved: {e}")));
                state.dirty = true;
            }
        }
        Msg::ApiSpend { spend, asked } => {
            state.budget.spent(state.now, spend.usd, asked);
            state.api_spend = Some(spend);
            state.dirty = true;
        }
    }
    fx
}

fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    state.status = None;
    if state.input.is_some() {
        return on_input_key(state, key, fx);
    }
    if matches!(state.overlay, Some(Overlay::Plan(_))) {
        return super::apply::on_key(state, key, fx);
    }
    if matches!(state.overlay, Some(Overlay::Incident)) {
        return super::incident::on_key(state, key, fx);
    }
    if matches!(state.overlay, Some(Overlay::Logs(_))) {
        return super::logs::on_key(state, key, fx);
    }
    if matches!(state.overlay, Some(Overlay::Tasks(_))) {
        return super::tasks::on_key(state, key, fx);
    }
    if matches!(state.overlay, Some(Overlay::Action(_))) {
        return super::service_action::on_key(state, key, fx);
    }
    if let Some(Overlay::Forwards { selected }) = &state.overlay
        && key.code == KeyCode::Char('d')
    {
        let selected = *selected;
        return super::tasks::stop_selected_forward(state, selected, fx);
    }
    let Some(action) = state.keymap.action(&key) else {
        return;
    };
    dispatch(state, action, fx);
}

/// An action where the user is: in the open overlay, or on the panes.
fn dispatch(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    // Only the overlay's kind and small fields are needed: copying them, rather than cloning
    // the overlay, keeps a key press from copying the detail view's chart data.
    match &state.overlay {
        Some(Overlay::Help { scroll }) => on_help_action(state, action, *scroll),
        Some(Overlay::Suggest { selected }) => {
            let selected = *selected;
            on_suggest_action(state, action, selected, fx)
        }
        Some(Overlay::Detail(d)) => {
            let (window, resource, from_incident) = (d.window, d.resource.clone(), d.from_incident);
            on_detail_action(state, action, window, resource, from_incident, fx)
        }
        Some(Overlay::Plan(_)) | Some(Overlay::Incident) | Some(Overlay::Action(_)) => {}
        // Its keys go to `logs::on_key`; the mouse wheel scrolls it as j/k do.
        Some(Overlay::Logs(_)) => {
            if let Some(key) = state.keymap.keys(action).first().copied() {
                super::logs::on_key(state, key, fx);
            }
        }
        // Its keys go to `tasks::on_key`; the wheel moves its cursor as j/k do.
        Some(Overlay::Tasks(_)) => {
            if let Some(key) = state.keymap.keys(action).first().copied() {
                super::tasks::on_key(state, key, fx);
            }
        }
        Some(Overlay::Review) => super::review::on_action(state, action, fx),
        Some(Overlay::Forwards { selected }) => {
            let selected = *selected;
            super::tasks::on_forwards_action(state, action, selected, fx)
        }
        Some(Overlay::Budget) => {
            if matches!(action, Action::Back | Action::Quit) {
                state.overlay = None;
            }
        }
        Some(Overlay::Accounts { selected }) => {
            let selected = *selected;
            if let Some(filter) = super::accounts::on_action(state, action, selected) {
                apply_filter(state, &filter);
            }
        }
        Some(Overlay::History { selected }) => {
            let selected = *selected;
            super::apply::on_history_action(state, action, selected, fx)
        }
        None => on_action(state, action, fx),
    }
}

/// A click focuses the pane under it and selects the row; a click on the selected row (so a
/// double-click) opens it, as `enter` does. The wheel scrolls the table under the pointer, or
/// the open view as `j`/`k` do. Typing, the plan and the incident view keep the keyboard's.
fn on_mouse(state: &mut State, m: super::msg::Mouse, fx: &mut Vec<Effect>) {
    use super::mouse::{Hit, WHEEL_ROWS, hit};
    use super::msg::Pointer;
    if !state.mouse {
        return;
    }
    // A button (the plan's, a footer hint) presses its key, wherever it is.
    if m.pointer == Pointer::Click
        && let Some(button) = super::buttons::at(state, m.column, m.row)
    {
        return on_key(state, button.key, fx);
    }
    if state.input.is_some() || matches!(state.overlay, Some(Overlay::Plan(_) | Overlay::Incident)) {
        return;
    }
    state.status = None;
    if state.overlay.is_some() {
        let action = match m.pointer {
            Pointer::WheelUp => Action::Up,
            Pointer::WheelDown => Action::Down,
            Pointer::Click => return,
        };
        for _ in 0..WHEEL_ROWS {
            dispatch(state, action, fx);
        }
        return;
    }
    match (m.pointer, hit(state, m.column, m.row)) {
        (Pointer::Click, Hit::Row(pane, i)) if pane == state.focus && state.view(pane).selected == i => {
            dispatch(state, Action::Open, fx)
        }
        (Pointer::Click, Hit::Row(pane, i)) => {
            focus(state, pane);
            state.view_mut(pane).go_to(i);
        }
        (Pointer::Click, Hit::Pane(pane)) => focus(state, pane),
        (Pointer::WheelUp, Hit::Row(pane, _) | Hit::Pane(pane)) => state.view_mut(pane).move_by(-WHEEL_ROWS),
        (Pointer::WheelDown, Hit::Row(pane, _) | Hit::Pane(pane)) => state.view_mut(pane).move_by(WHEEL_ROWS),
        (_, Hit::Nothing) => {}
    }
}

fn focus(state: &mut State, pane: PaneId) {
    state.focus = pane;
}

fn on_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let pane = state.focus;
    let page = layout::table_height(state, pane).max(1) as isize;
    match action {
        Action::Quit => state.quit = true,
        Action::Mouse => fx.push(Effect::MouseCapture(!state.mouse)),
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::Command => state.input = Some(Input { kind: InputKind::Command, text: String::new(), previous: None }),
        Action::Filter => {
            let current = state.view(pane).filter.as_ref().map(|f| f.text.clone());
            state.input =
                Some(Input { kind: InputKind::Filter, text: current.clone().unwrap_or_default(), previous: current });
        }
        Action::NextPane => focus(state, PaneId::ALL[(pane.index() + 1) % 4]),
        Action::PrevPane => focus(state, PaneId::ALL[(pane.index() + 3) % 4]),
        Action::PaneEcs => focus(state, PaneId::Ecs),
        Action::PaneRedis => focus(state, PaneId::Redis),
        Action::PaneCost => focus(state, PaneId::Cost),
        Action::PaneAlarms => focus(state, PaneId::Alarms),
        Action::Up => state.view_mut(pane).move_by(-1),
        Action::Down => state.view_mut(pane).move_by(1),
        Action::Top => state.view_mut(pane).go_to(0),
        Action::Bottom => state.view_mut(pane).go_to(usize::MAX),
        Action::PageUp => state.view_mut(pane).move_by(-page),
        Action::PageDown => state.view_mut(pane).move_by(page),
        Action::Sort => {
            let columns = State::sort_columns(pane);
            let v = state.view_mut(pane);
            v.sort_column = (v.sort_column + 1) % columns.len();
            let name = columns[v.sort_column];
            state.rebuild_view(pane);
            state.status = Some((Level::Info, format!("sorted by {name}")));
        }
        Action::SortReverse => {
            let v = state.view_mut(pane);
            v.sort_reverse = !v.sort_reverse;
            state.rebuild_view(pane);
        }
        Action::Refresh => refresh(state, pane, fx),
        Action::Back => {
            if state.view(pane).filter.is_some() {
                state.view_mut(pane).filter = None;
                state.rebuild_view(pane);
                state.status = Some((Level::Info, "filter cleared".into()));
            }
        }
        Action::Open => open_detail(state, state.window, fx),
        Action::Window => {
            if pane == PaneId::Cost {
                state.cost_days = if state.cost_days == 30 { 90 } else { 30 };
            } else {
                set_window(state, state.window.next(), fx);
            }
        }
        Action::Zoom => state.zoom = !state.zoom,
        Action::Apply => super::apply::start(state, state.selected_resource(), fx),
        Action::Rollback => super::apply::start_rollback(state, state.selected_resource(), fx),
        Action::Logs => super::logs::open(state, fx),
        Action::Tasks => super::tasks::open(state, fx),
        Action::Forward => super::tasks::forward_from_pane(state, fx),
        Action::Sizing => super::fetch::switch_sizing(state, None, fx),
        Action::Prices => super::fetch::switch_prices(state, None, fx),
        Action::Shell => {
            super::tasks::open(state, fx);
            if matches!(state.overlay, Some(Overlay::Tasks(_))) {
                state.status = Some((Level::Info, "pick a running task, then x opens a shell in it".into()));
            }
        }
        Action::Incident => super::incident::open(state, None, fx),
        Action::Note => state.input = Some(Input { kind: InputKind::Note, text: String::new(), previous: None }),
    }
}

fn set_window(state: &mut State, window: Window, fx: &mut Vec<Effect>) {
    state.window = window;
    for pane in PaneId::ALL.into_iter().filter(|p| p.uses_window()) {
        request(state, pane, fx);
    }
    state.status = Some((Level::Info, format!("window {window}")));
}

fn apply_filter(state: &mut State, text: &str) {
    if matches!(state.overlay, Some(Overlay::Incident)) {
        return super::incident::set_filter(state, text);
    }
    let pane = state.focus;
    state.view_mut(pane).filter = Filter::scoped(text, &state.source.accounts);
    state.view_mut(pane).go_to(0);
    state.rebuild_view(pane);
    // A new filter brings other rows on screen: read them now, whatever their age.
    state.fetch_mut(pane).catch_up = true;
}

fn on_input_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    let Some(mut input) = state.input.take() else {
        return;
    };
    if key.ctrl && key.code == KeyCode::Char('c') {
        return restore_filter(state, &input);
    }
    match key.code {
        KeyCode::Esc => return restore_filter(state, &input),
        KeyCode::Enter => return submit(state, input, fx),
        KeyCode::Backspace if input.text.is_empty() => return restore_filter(state, &input),
        KeyCode::Backspace => {
            input.text.pop();
        }
        KeyCode::Tab if input.kind == InputKind::Command => {
            input.text = command::complete(&input.text, &state.themes, State::sort_columns(state.focus));
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => input.text.push(c),
        _ => {}
    }
    if input.kind == InputKind::Filter {
        apply_filter(state, &input.text); // filter as you type
    }
    state.input = Some(input);
}

fn restore_filter(state: &mut State, input: &Input) {
    if input.kind == InputKind::Filter {
        apply_filter(state, input.previous.as_deref().unwrap_or(""));
    }
}

fn submit(state: &mut State, input: Input, fx: &mut Vec<Effect>) {
    match input.kind {
        InputKind::Filter => return, // already applied while typing
        InputKind::Note => return super::incident::add_note(state, &input.text, fx),
        InputKind::LogPattern => return super::logs::set_pattern(state, &input.text, fx),
        InputKind::ForwardVia => return super::tasks::forward_via(state, &input.text, fx),
        InputKind::Command => {}
    }
    match command::parse(input.text.trim()) {
        Ok(cmd) => run(state, cmd, fx),
        Err(e) => state.status = Some((Level::Error, e)),
    }
}

fn run(state: &mut State, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::Focus(p) => focus(state, p),
        Command::Theme(name) => match state.themes.iter().position(|t| *t == name) {
            Some(i) => {
                state.theme = i;
                state.status = Some((Level::Info, format!("theme {name}")));
            }
            None => {
                state.status = Some((Level::Error, format!("no theme '{name}' (have: {})", state.themes.join(", "))))
            }
        },
        Command::Window(w) => set_window(state, w, fx),
        Command::Sort(name) => {
            let pane = state.focus;
            match State::sort_columns(pane).iter().position(|c| c.starts_with(name.as_str())) {
                Some(i) => {
                    state.view_mut(pane).sort_column = i;
                    state.rebuild_view(pane);
                }
                None => {
                    state.status = Some((
                        Level::Error,
                        format!("no column '{name}' (have: {})", State::sort_columns(pane).join(", ")),
                    ))
                }
            }
        }
        Command::Refresh => refresh(state, state.focus, fx),
        Command::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Command::Zoom => state.zoom = !state.zoom,
        Command::Suggest => state.overlay = Some(Overlay::Suggest { selected: 0 }),
        Command::History => state.overlay = Some(Overlay::History { selected: 0 }),
        Command::Budget => state.overlay = Some(Overlay::Budget),
        Command::Forwards => state.overlay = Some(Overlay::Forwards { selected: 0 }),
        Command::Sizing(profile) => super::fetch::switch_sizing(state, profile, fx),
        Command::Prices(prices) => super::fetch::switch_prices(state, prices, fx),
        Command::Accounts if state.source.accounts.is_empty() => {
            state.status = Some((Level::Info, "per-account totals are for --org (an AWS Organization)".into()));
        }
        Command::Accounts => state.overlay = Some(Overlay::Accounts { selected: 0 }),
        Command::Group if state.source.accounts.is_empty() => {
            state.status = Some((Level::Info, "grouping by account is for --org (an AWS Organization)".into()));
        }
        Command::Group => {
            let pane = state.focus;
            let grouped = !state.view(pane).group.is_empty();
            state.view_mut(pane).group = if grouped { Vec::new() } else { group_names(state) };
            state.rebuild_view(pane);
            let said =
                if grouped { "rows no longer grouped" } else { "rows grouped by account (:group again ends it)" };
            state.status = Some((Level::Info, format!("{}: {said}", pane.title())));
        }
        Command::Incident(hours) => super::incident::open(state, hours, fx),
        Command::TimelineAt { at, name } => super::incident::open_at(state, at, name, fx),
        Command::Review(days) => super::review::open(state, days, fx),
        Command::Export => super::incident::export(state, fx),
        Command::Note(text) => super::incident::add_note(state, &text, fx),
        Command::Quit => state.quit = true,
        Command::Switch { what, to } if !state.source.switchable => {
            let (what, arg) = (what.word(), to.join(","));
            state.status = Some((
                Level::Warn,
                format!(
                    ":{what} {arg}: this session reads the {}; start infradeck with AWS credentials to switch {what}s",
                    state.source.label
                ),
            ));
        }
        Command::Switch { what, to } => {
            state.status = Some((Level::Info, format!("connecting to {} {}…", what.word(), to.join(","))));
            let (profiles, regions) = match what {
                command::Switch::Profile => (Some(to), None),
                command::Switch::Region => (None, Some(to)),
            };
            fx.push(Effect::Reconnect { profiles, regions });
        }
    }
}

/// `:group`'s order: the accounts by name, case aside.
fn group_names(state: &State) -> Vec<String> {
    let mut names: Vec<String> = state.source.accounts.iter().map(|a| a.name.clone()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}
