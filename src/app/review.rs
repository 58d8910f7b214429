//! `:review` in the state machine: it reads the history of the last days once (and again on `r`
//! or `w`), builds the review from it with the audit log, the latest sizing run and the
//! handovers written, and keeps the cursor on the figures that link somewhere: `enter` opens the
//! timeline at that moment, filtered to what the figure is about.

use super::action::Action;
use super::msg::Effect;
use super::state::{Level, Overlay, ReqId, State};
use crate::domain::{History, ResourceRef};
use crate::provider::ProviderError;
use chrono::Duration;

/// What `w` steps through.
pub const DAYS: [u32; 3] = [7, 30, 90];

/// `:review [days]`: open it, reading the history unless it is already here for those days.
pub fn open(state: &mut State, days: Option<u32>, fx: &mut Vec<Effect>) {
    state.overlay = Some(Overlay::Review);
    let days = days.unwrap_or(state.review.days);
    let changed = days != state.review.days;
    let same = state.review.review.as_ref().is_some_and(|r| r.days() == days as i64);
    state.review.days = days;
    // Another span than the one being read: that read no longer counts.
    if changed || (!same && state.review.inflight.is_none()) {
        state.review.inflight = None;
        fetch(state, fx);
    }
}

fn fetch(state: &mut State, fx: &mut Vec<Effect>) {
    let req = state.next_req;
    state.next_req += 1;
    state.review.inflight = Some(req);
    let to = state.now;
    fx.push(Effect::FetchHistory { req, from: to - Duration::days(state.review.days as i64), to });
}

pub fn on_loaded(state: &mut State, req: ReqId, result: Result<History, ProviderError>, spent: Option<String>) {
    if state.review.inflight != Some(req) {
        return;
    }
    state.review.inflight = None;
    match result {
        Ok(history) => {
            let recs: Vec<_> = state.sizing.recs.values().cloned().collect();
            let source = &state.source;
            let audit: Vec<_> = state
                .history
                .iter()
                .filter(|a| crate::review::same_source(&a.target, &source.label, source.account.as_deref()))
                .cloned()
                .collect();
            let handovers: Vec<_> = state.handovers.iter().filter(|h| h.source == source.label).cloned().collect();
            let mut review = crate::review::build(&source.label, &history, &audit, &recs, &handovers);
            if recs.is_empty() {
                review.coverage.push("sizing findings: none yet (the sizing run has not finished)".into());
            }
            review.spent = spent;
            state.review.lines = std::sync::Arc::new(crate::review::render::lines(&review));
            state.review.review = Some(std::sync::Arc::new(review));
            state.review.error = None;
            state.review.selected = linked(state, 0, 1).unwrap_or(0);
        }
        Err(e) => state.review.error = Some(e),
    }
    state.dirty = true;
}

/// The nearest line from `from` (itself included) in direction `step` that links somewhere.
fn linked(state: &State, from: usize, step: isize) -> Option<usize> {
    let lines = &state.review.lines;
    let mut i = from as isize;
    while i >= 0 && (i as usize) < lines.len() {
        if lines[i as usize].1.is_some() {
            return Some(i as usize);
        }
        i += step;
    }
    None
}

fn move_by(state: &mut State, by: isize) {
    let last = state.review.lines.len().saturating_sub(1) as isize;
    let target = (state.review.selected as isize + by).clamp(0, last) as usize;
    let step = if by >= 0 { 1 } else { -1 };
    if let Some(i) = linked(state, target, step).or_else(|| linked(state, target, -step)) {
        state.review.selected = i;
    }
}

pub fn on_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let page = (state.size.1 as isize / 2).max(1);
    match action {
        Action::Back | Action::Quit => state.overlay = None,
        Action::Down => move_by(state, 1),
        Action::Up => move_by(state, -1),
        Action::PageDown => move_by(state, page),
        Action::PageUp => move_by(state, -page),
        Action::Top => move_by(state, -(state.review.lines.len() as isize)),
        Action::Bottom => move_by(state, state.review.lines.len() as isize),
        Action::Refresh => {
            state.review.inflight = None;
            fetch(state, fx);
        }
        Action::Window => {
            let i = DAYS.iter().position(|d| *d == state.review.days).map_or(1, |i| (i + 1) % DAYS.len());
            state.review.days = DAYS[i];
            state.review.inflight = None;
            fetch(state, fx);
            state.status = Some((Level::Info, format!("review: last {} days", DAYS[i])));
        }
        Action::Open => {
            let Some(link) = state.review.lines.get(state.review.selected).and_then(|l| l.1.clone()) else {
                return;
            };
            let name = match &link.resource {
                Some(ResourceRef::EcsService { service, .. }) => Some(service.clone()),
                Some(ResourceRef::CacheGroup(g)) => Some(g.clone()),
                _ => None,
            };
            super::incident::open_at(state, link.at, name, fx);
        }
        _ => {}
    }
}
