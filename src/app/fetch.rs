//! Asking the provider for data: a pane's fetch (at most one in flight per pane, the next queued),
//! a refresh that bypasses caches, a changed resource read at once, the sizing run when due.
//! Used by `update` and by the parts of the state machine below it (apply, incident).

use super::msg::Effect;
use super::state::{Level, Overlay, PaneId, State};

/// Ask for all of a pane's data (a first load, `r`, a new window), unless a request is already
/// out: then remember to ask again when it returns, so at most one fetch per pane is ever in
/// flight.
pub fn request(state: &mut State, pane: PaneId, fx: &mut Vec<Effect>) {
    request_scoped(state, pane, crate::provider::Scope::everything(), fx);
}

/// Ask for what `scope` names of a pane (see `schedule`).
pub fn request_scoped(state: &mut State, pane: PaneId, scope: crate::provider::Scope, fx: &mut Vec<Effect>) {
    let window = state.window;
    let req = state.next_req;
    let f = state.fetch_mut(pane);
    if f.inflight.is_some() {
        f.queued = true;
        return;
    }
    f.inflight = Some((req, window));
    f.inflight_scope = Some(scope.clone());
    f.queued = false;
    let fresh = std::mem::take(&mut f.fresh);
    state.next_req += 1;
    state.dirty = true;
    fx.push(Effect::Fetch { pane, req, window, fresh, scope });
}

/// For other parts of the state machine: a service just changed from here. Its row and rollout
/// are read now (or as soon as the fetch in flight returns); other panes whole.
pub fn request_pane(state: &mut State, pane: PaneId, fx: &mut Vec<Effect>) {
    let watched = match &state.overlay {
        Some(Overlay::Plan(p)) => match &p.resource {
            crate::domain::ResourceRef::EcsService { cluster, service } => Some(format!("{cluster}/{service}")),
            crate::domain::ResourceRef::CacheGroup(id) => Some(id.clone()),
            _ => None,
        },
        _ => None,
    };
    match watched.filter(|_| pane.by_rows() && state.has_data(pane)) {
        Some(key) => {
            let describe = if pane == PaneId::Ecs { vec![key.clone()] } else { Vec::new() };
            let scope = crate::provider::Scope { inventory: pane == PaneId::Redis, rows: Some(vec![key]), describe };
            request_scoped(state, pane, scope, fx);
        }
        None => request(state, pane, fx),
    }
}

/// A refresh the user asked for: like `request`, but caches are bypassed.
pub fn refresh(state: &mut State, pane: PaneId, fx: &mut Vec<Effect>) {
    state.fetch_mut(pane).fresh = true;
    request(state, pane, fx);
}

/// `P` / `:sizing`: suggestions from `profile` (None: the other one), sized again now; a run
/// still in flight for the old profile is dropped when it lands.
pub fn switch_sizing(state: &mut State, profile: Option<crate::sizing::recommend::Profile>, fx: &mut Vec<Effect>) {
    use crate::sizing::recommend::Profile;
    let to = profile.unwrap_or(state.sizing.policies.profile.other());
    state.sizing.policies.profile = to;
    let when = size_again(state, fx);
    let what = match to {
        Profile::Safe => "no more minutes over capacity than Compute Optimizer's rule",
        Profile::Balanced => "no more minutes over capacity than VPA's rule, for the dollars",
    };
    state.status = Some((Level::Info, format!("{} sizing: {what} — {when} (P switches back)", to.label())));
}

/// `$` / `:prices`: suggestions priced at the account's effective Fargate rate or at list prices
/// (None: the other one), sized again now.
pub fn switch_prices(state: &mut State, prices: Option<crate::sizing::recommend::Prices>, fx: &mut Vec<Effect>) {
    use crate::sizing::recommend::Prices;
    let to = prices.unwrap_or(match state.sizing.policies.prices {
        Prices::Effective => Prices::List,
        Prices::List => Prices::Effective,
    });
    state.sizing.policies.prices = to;
    size_caches(state);
    let when = size_again(state, fx);
    let what = match to {
        Prices::Effective => "priced at the account's effective rates (last month, Cost Explorer), where known",
        Prices::List => "priced at On-Demand list prices",
    };
    state.status = Some((Level::Info, format!("{what} — {when} ($ switches back)")));
}

/// Cheap and pure: Redis suggestions follow the data they are made from, at the prices asked.
pub fn size_caches(state: &mut State) {
    let Some(catalogue) = state.sizing.catalogue.as_ref().map(|c| c.at(state.sizing.policies.prices)) else {
        return;
    };
    state.sizing.cache_recs = state
        .redis
        .data
        .iter()
        .flatten()
        .map(|g| (g.id.clone(), crate::sizing::redis::recommend_in(g, &catalogue)))
        .collect();
}

/// Drop a sizing run in flight (its answer is for the old settings) and size now.
fn size_again(state: &mut State, fx: &mut Vec<Effect>) -> &'static str {
    state.sizing.fetch.inflight = None;
    state.sizing.fetch.next_due = None;
    request_sizing(state, state.now, fx);
    if state.sizing.fetch.inflight.is_some() { "sizing again" } else { "from the next sizing run" }
}

/// Size the ECS services once they are loaded, then on the sizing interval.
pub fn request_sizing(state: &mut State, now: chrono::DateTime<chrono::Utc>, fx: &mut Vec<Effect>) {
    let f = &state.sizing.fetch;
    let due = f.inflight.is_none() && f.next_due.is_none_or(|due| now >= due);
    // Not on the first part of a load still in flight (an organization's accounts arrive one
    // after another): that would size only the services listed so far, until the next run,
    // and read their inventory again.
    let Some(services) = state.ecs.data.as_ref().filter(|_| due && !state.ecs.fetch.partial) else {
        return;
    };
    if !super::schedule::sizing_allowed(state, services.len()) {
        return;
    }
    let Some(services) = state.ecs.data.as_ref() else {
        return;
    };
    let req = state.next_req;
    state.next_req += 1;
    state.sizing.fetch.inflight = Some((req, crate::domain::Window::Fortnight));
    fx.push(Effect::Size {
        req,
        services: std::sync::Arc::clone(services),
        policies: state.sizing.policies.clone(),
        objectives: state.sizing.objectives.clone(),
    });
}
