//! Keys while an overlay is open (the suggestions list, help, a detail view), beside the
//! overlays they drive; `update` routes to them. And opening a detail view, which the panes,
//! the suggestions list and the incident timeline all do.

use super::action::Action;
use super::msg::Effect;
use super::state::{DetailState, Level, Overlay, State};
use crate::domain::Window;

pub(super) fn open_detail(state: &mut State, window: Window, fx: &mut Vec<Effect>) {
    let Some(resource) = state.selected_resource() else {
        state.status = Some((Level::Info, "nothing selected".into()));
        return;
    };
    open_resource(state, resource, window, fx);
}

pub(super) fn open_resource(
    state: &mut State,
    resource: crate::domain::ResourceRef,
    window: Window,
    fx: &mut Vec<Effect>,
) {
    let req = state.next_req;
    state.next_req += 1;
    // Keep what is on screen (and the event marked on it) while the new window loads, if it is
    // the same resource.
    let (data, marker, from_incident, fetched_at, text) = match &state.overlay {
        Some(Overlay::Detail(d)) if d.resource == resource => {
            (d.data.clone(), d.marker.clone(), d.from_incident, d.fetched_at, d.text)
        }
        _ => (None, None, false, None, None),
    };
    fx.push(Effect::FetchDetail { req, resource: resource.clone(), window });
    // Who changed it (CloudTrail) comes from the incident timeline: read it once if needed.
    if matches!(resource, crate::domain::ResourceRef::EcsService { .. } | crate::domain::ResourceRef::CacheGroup(_)) {
        super::incident::load_if_missing(state, fx);
    }
    state.overlay = Some(Overlay::Detail(Box::new(DetailState {
        resource,
        window,
        req,
        data,
        error: None,
        marker,
        from_incident,
        fetched_at,
        text,
    })));
}

pub(super) fn on_suggest_action(state: &mut State, action: Action, selected: usize, fx: &mut Vec<Effect>) {
    let items = super::suggest::ranked(state);
    let last = items.len().saturating_sub(1);
    let to = |i: usize| Some(Overlay::Suggest { selected: i.min(last) });
    state.overlay = match action {
        Action::Back | Action::Quit => None,
        Action::Down => to(selected + 1),
        Action::Up => to(selected.saturating_sub(1)),
        Action::PageDown => to(selected + 10),
        Action::PageUp => to(selected.saturating_sub(10)),
        Action::Top => to(0),
        Action::Bottom => to(last),
        Action::Open => {
            if let Some(item) = items.get(selected) {
                open_resource(state, item.resource.clone(), state.window, fx);
            }
            return;
        }
        Action::Apply => {
            let resource = items.get(selected).map(|i| i.resource.clone());
            return super::apply::start(state, resource, fx);
        }
        _ => to(selected),
    };
}

pub(super) fn on_help_action(state: &mut State, action: Action, scroll: u16) {
    state.overlay = match action {
        Action::Back | Action::Help | Action::Quit => None,
        Action::Down => Some(Overlay::Help { scroll: scroll.saturating_add(1) }),
        Action::Up => Some(Overlay::Help { scroll: scroll.saturating_sub(1) }),
        Action::PageDown => Some(Overlay::Help { scroll: scroll.saturating_add(10) }),
        Action::PageUp => Some(Overlay::Help { scroll: scroll.saturating_sub(10) }),
        Action::Top => Some(Overlay::Help { scroll: 0 }),
        _ => Some(Overlay::Help { scroll }),
    };
}

pub(super) fn on_detail_action(
    state: &mut State,
    action: Action,
    window: Window,
    resource: crate::domain::ResourceRef,
    from_incident: bool,
    fx: &mut Vec<Effect>,
) {
    let text = match &state.overlay {
        Some(Overlay::Detail(d)) => d.text,
        _ => None,
    };
    if let Some(scroll) = text {
        // All the text: j/k scroll it, enter or esc go back to the charts.
        let to = match action {
            Action::Down => Some(scroll.saturating_add(1)),
            Action::Up => Some(scroll.saturating_sub(1)),
            Action::PageDown => Some(scroll.saturating_add(10)),
            Action::PageUp => Some(scroll.saturating_sub(10)),
            Action::Top => Some(0),
            Action::Open | Action::Back => None,
            Action::Quit => {
                state.overlay = None;
                return;
            }
            _ => return on_detail_chart_action(state, action, window, resource, from_incident, fx),
        };
        if let Some(Overlay::Detail(d)) = &mut state.overlay {
            d.text = to;
        }
        return;
    }
    on_detail_chart_action(state, action, window, resource, from_incident, fx)
}

pub(super) fn on_detail_chart_action(
    state: &mut State,
    action: Action,
    window: Window,
    resource: crate::domain::ResourceRef,
    from_incident: bool,
    fx: &mut Vec<Effect>,
) {
    match action {
        Action::Open => {
            if let Some(Overlay::Detail(d)) = &mut state.overlay {
                d.text = Some(0);
            }
        }
        Action::Back | Action::Quit if from_incident => state.overlay = Some(Overlay::Incident),
        Action::Back | Action::Quit => state.overlay = None,
        Action::Window => open_resource(state, resource, window.next(), fx),
        Action::Refresh => open_resource(state, resource, window, fx),
        // From the timeline, j/k step through its events rather than the pane's rows.
        Action::Down | Action::Up if from_incident => {
            super::incident::step(state, if action == Action::Down { 1 } else { -1 }, fx)
        }
        Action::Incident => super::incident::open(state, None, fx),
        Action::Tasks | Action::Shell | Action::Forward => super::tasks::open(state, fx),
        // Step through resources without leaving the detail view.
        Action::Down | Action::Up => {
            state.view_mut(state.focus).move_by(if action == Action::Down { 1 } else { -1 });
            open_detail(state, window, fx);
        }
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::Apply => {
            let resource = match &state.overlay {
                Some(Overlay::Detail(d)) => Some(d.resource.clone()),
                _ => None,
            };
            super::apply::start(state, resource, fx);
        }
        Action::Rollback => {
            let resource = match &state.overlay {
                Some(Overlay::Detail(d)) => Some(d.resource.clone()),
                _ => None,
            };
            super::apply::start_rollback(state, resource, fx);
        }
        _ => {}
    }
}
