//! What the provider answered, taken into the state: a pane's rows (whole, or the part a scope
//! read), the sizing run, a detail view, a new source. Each answer also settles when that pane is
//! read next (`schedule`). Stale answers (an old request id) are dropped.

use super::fetch::{request, request_sizing};
use super::msg::{Effect, Payload};
use super::state::{FetchState, Level, Overlay, PaneId, PaneState, ReqId, SizingState, State};
use super::table::{Extra, Rows};
use crate::domain::{EcsService, ResourceDetail};
use crate::provider::{ProviderError, SourceInfo};
use crate::sizing::recommend::EcsRecommendation;

/// A new profile or region: nothing on screen belongs to it, so every pane starts over (results
/// still in flight from the old source no longer match a request and are dropped).
pub fn on_source_changed(state: &mut State, source: SourceInfo, fx: &mut Vec<Effect>) {
    state.status = Some((Level::Info, format!("now reading {} · {}", source.label, source.regions.join(","))));
    state.source = source;
    state.api_spend = None;
    state.overlay = None;
    state.ecs = PaneState::new(state.ecs.fetch.interval);
    state.redis = PaneState::new(state.redis.fetch.interval);
    state.cost = PaneState::new(state.cost.fetch.interval);
    state.alarms = PaneState::new(state.alarms.fetch.interval);
    state.sizing = SizingState {
        recs: Default::default(),
        cache_recs: Default::default(),
        catalogue: None,
        policies: std::mem::take(&mut state.sizing.policies),
        objectives: std::mem::take(&mut state.sizing.objectives),
        fetch: FetchState::new(state.sizing.fetch.interval),
    };
    for pane in PaneId::ALL {
        request(state, pane, fx);
    }
    state.dirty = true;
}

pub fn on_sizing(state: &mut State, req: ReqId, result: Result<Vec<EcsRecommendation>, ProviderError>) {
    let f = &mut state.sizing.fetch;
    if f.inflight.map(|(r, _)| r) != Some(req) {
        return;
    }
    f.inflight = None;
    let cadence = f.interval;
    settle_schedule(f, state.now, cadence, req, result.as_ref().err());
    let ok = result.is_ok();
    match result {
        Ok(recs) => {
            f.fetched_at = Some(state.now);
            f.error = None;
            state.sizing.recs = recs.into_iter().map(|r| (r.service.clone(), r)).collect();
            slo_into_ecs_view(state);
        }
        Err(e) => f.error = Some(e),
    }
    if ok {
        // The 14-day history is hourly: sized again once the next hour has closed.
        state.sizing.fetch.next_due = Some(super::schedule::next_sizing(state));
    }
    state.dirty = true;
}

/// The ECS table sorts (`slo`) and filters (`/burning`) by each service's SLO standing, which
/// arrives with the sizing run.
fn slo_into_ecs_view(state: &mut State) {
    let extra: std::collections::HashMap<String, Extra> = state
        .sizing
        .recs
        .iter()
        .filter_map(|(key, r)| {
            let slo = r.slo.as_ref()?;
            Some((key.clone(), Extra { rank: slo.urgency(), words: format!("slo {}", slo.status()) }))
        })
        .collect();
    if state.ecs.view.extra != extra {
        state.ecs.view.extra = extra;
        state.rebuild_view(PaneId::Ecs);
    }
}

/// Rows of a first load arrive in parts: show them as they come. A refresh keeps the complete
/// data it has until the new answer is whole, so a table never shrinks and regrows.
pub fn on_ecs_partial(state: &mut State, req: ReqId, rows: Vec<EcsService>) {
    let pane = &mut state.ecs;
    if pane.fetch.inflight.map(|(r, _)| r) != Some(req) || (pane.data.is_some() && !pane.fetch.partial) {
        return;
    }
    pane.fetch.partial = true;
    std::sync::Arc::make_mut(pane.data.get_or_insert_with(Default::default)).extend(rows);
    pane.rebuild_view();
    super::layout::settle_scroll(state);
    state.dirty = true;
}

fn accept<T: Rows>(pane: &mut PaneState<T>, result: Result<T, ProviderError>) {
    pane.fetch.partial = false;
    match result {
        Ok(data) => {
            pane.data = Some(data);
            pane.fetch.error = None;
        }
        // Keep the last good data on screen; the error marks it stale.
        Err(e) => pane.fetch.error = Some(e),
    }
    pane.rebuild_view();
}

/// When a fetch that just returned should next go out: at the interval after a success, backed
/// off after failures in a row (bounded, jittered by the request id).
/// `cadence`: how often the part is read when all is well; a failure backs off from it.
fn settle_schedule(
    f: &mut FetchState,
    now: chrono::DateTime<chrono::Utc>,
    cadence: chrono::Duration,
    req: ReqId,
    failed: Option<&ProviderError>,
) {
    match failed {
        None => {
            f.failures = 0;
            f.next_due = Some(now + f.interval);
        }
        Some(e) => {
            f.failures = f.failures.saturating_add(1);
            f.next_due = Some(now + super::backoff::retry_after(f.failures, cadence, e, req));
        }
    }
}

pub fn on_loaded(
    state: &mut State,
    req: ReqId,
    payload: Payload,
    degraded: Option<ProviderError>,
    fx: &mut Vec<Effect>,
) {
    let pane = payload.pane();
    let now = state.now;
    let current_window = state.window;
    let cadence = super::schedule::cadence(state, pane);
    let f = state.fetch_mut(pane);
    let Some((expected, window)) = f.inflight else {
        return;
    };
    if expected != req {
        return; // stale: a newer request owns this pane
    }
    f.inflight = None;
    let scope = f.inflight_scope.take().unwrap_or_else(crate::provider::Scope::everything);
    let error = match &payload {
        Payload::Ecs(r) => r.as_ref().err(),
        Payload::Redis(r, _) => r.as_ref().err(),
        Payload::Cost(r) => r.as_ref().err(),
        Payload::Alarms(r) => r.as_ref().err(),
    };
    let ok = error.is_none();
    settle_schedule(f, now, cadence, req, error);
    if ok {
        f.fetched_at = Some(now);
        f.data_window = Some(window);
    }
    let again = f.queued || (pane.uses_window() && window != current_window);
    match payload {
        Payload::Ecs(r) => accept(&mut state.ecs, r),
        Payload::Redis(r, catalogue) => {
            accept(&mut state.redis, r);
            state.sizing.catalogue = Some(catalogue);
            super::fetch::size_caches(state);
        }
        Payload::Cost(r) => accept(&mut state.cost, r),
        Payload::Alarms(r) => accept(&mut state.alarms, r),
    }
    if ok {
        if pane.by_rows() {
            super::schedule::read(state, pane, &scope);
        } else {
            let every = super::schedule::whole_every(state, pane);
            state.fetch_mut(pane).next_due = Some(now + every);
        }
    }
    if ok && degraded.is_some() {
        // Current for the targets that answered; the failed ones' rows are their last good.
        state.fetch_mut(pane).error = degraded;
    }
    if again {
        request(state, pane, fx);
    }
    if pane == PaneId::Ecs {
        request_sizing(state, now, fx); // the first suggestions as soon as there are services
    }
    super::layout::settle_scroll(state);
    state.dirty = true;
}

pub fn on_detail(state: &mut State, req: ReqId, result: Result<ResourceDetail, ProviderError>) {
    if super::apply::on_since(state, req, &result) {
        return;
    }
    if let Some(Overlay::Detail(d)) = &mut state.overlay
        && d.req == req
    {
        match result {
            Ok(data) => {
                d.data = Some(data);
                d.error = None;
            }
            Err(e) => d.error = Some(e),
        }
        // Failed or not: the next read is at the cadence (a failing one is not retried each tick).
        d.fetched_at = Some(state.now);
        state.dirty = true;
    }
}
