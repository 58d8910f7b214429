//! The apply flow in the state machine: `a` asks the provider for a plan (reads only), the
//! plan is shown, `y` applies it (the only way to write), anything else leaves it unapplied.
//! Confirmation defaults to No: enter, esc and n all cancel.

use super::keymap::KeyChord;
use super::msg::Effect;
use super::state::{Level, Overlay, PaneId, PlanPhase, PlanState, State};
use crate::apply::{ApplyOutcome, ResizePlan, ResizeRequest};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;
use ratatui::crossterm::event::KeyCode;

/// `a` on a resource: plan its suggestion, if it has one.
pub fn start(state: &mut State, resource: Option<ResourceRef>, fx: &mut Vec<Effect>) {
    let Some(ResourceRef::EcsService { cluster, service }) = resource else {
        state.status = Some((Level::Warn, "select an ECS service with a suggestion to plan a resize".into()));
        return;
    };
    let key = format!("{cluster}/{service}");
    let found = state.ecs.rows().iter().find(|s| s.cluster == cluster && s.name == service);
    let request = found.zip(state.sizing.recs.get(&key)).and_then(|(s, r)| ResizeRequest::from_recommendation(s, r));
    let Some(request) = request.filter(|r| r.before != r.after) else {
        state.status = Some((Level::Info, format!("{key}: no resize suggested, nothing to apply")));
        return;
    };
    let req = state.next_req;
    state.next_req += 1;
    state.overlay = Some(Overlay::Plan(PlanState {
        req,
        resource: ResourceRef::EcsService { cluster, service },
        plan: None,
        error: None,
        outcome: None,
        phase: PlanPhase::Planning,
    }));
    fx.push(Effect::Plan { req, request: Box::new(request) });
}

/// Keys while a plan is open. Only `y` applies; it is read raw, not through the keymap, so no
/// remapping can turn another key into a confirmation.
pub fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    let Some(Overlay::Plan(p)) = &mut state.overlay else {
        return;
    };
    match (key.code, key.ctrl, &p.phase) {
        (KeyCode::Char('y') | KeyCode::Char('Y'), false, PlanPhase::Ready) => {
            let Some(plan) = p.plan.clone() else { return };
            if plan.read_only {
                state.status = Some((Level::Warn, "read-only: this plan cannot be applied".into()));
                return;
            }
            p.phase = PlanPhase::Applying;
            p.error = None;
            fx.push(Effect::Apply { plan: Box::new(plan), audit: state.audit_log.clone() });
        }
        // Once sent, an apply is finished by AWS whatever the UI does: keep showing it.
        (_, _, PlanPhase::Applying) => {
            state.status = Some((Level::Info, "applying… the result will show here".into()));
        }
        _ => {
            let applied = p.phase == PlanPhase::Applied;
            state.overlay = None;
            if !applied {
                state.status = Some((Level::Info, "not applied".into()));
            }
        }
    }
}

pub fn on_planned(state: &mut State, req: u64, result: Result<ResizePlan, ProviderError>) {
    let Some(Overlay::Plan(p)) = &mut state.overlay else {
        return;
    };
    if p.req != req {
        return;
    }
    match result {
        Ok(plan) => {
            p.plan = Some(plan);
            p.phase = PlanPhase::Ready;
        }
        Err(e) => {
            p.error = Some(e);
            p.phase = PlanPhase::Failed;
        }
    }
    state.dirty = true;
}

pub fn on_applied(
    state: &mut State,
    result: Result<ApplyOutcome, ProviderError>,
    audit_error: Option<String>,
    fx: &mut Vec<Effect>,
) {
    let name = match &state.overlay {
        Some(Overlay::Plan(p)) => p.plan.as_ref().map(|p| p.resource_name()),
        _ => None,
    }
    .unwrap_or_else(|| "the resource".into());
    let audit_note = match &audit_error {
        Some(e) => format!(" · AUDIT LOG NOT WRITTEN: {e}"),
        None => String::new(),
    };
    match result {
        Ok(out) => {
            let revision = crate::apply::plan::short_task_definition(&out.task_definition).to_string();
            if let Some(Overlay::Plan(p)) = &mut state.overlay {
                p.phase = PlanPhase::Applied;
                p.outcome = Some(out);
            }
            let level = if audit_error.is_some() { Level::Warn } else { Level::Info };
            state.status = Some((level, format!("{name} now runs {revision}: deploying{audit_note}")));
            // Show the new size and its rollout; size again once it has settled.
            super::update::request_pane(state, PaneId::Ecs, fx);
            state.sizing.fetch.next_due = Some(state.now + chrono::Duration::minutes(1));
        }
        Err(e) => {
            state.status = Some((Level::Error, format!("{name}: not applied: {e} ({}){audit_note}", e.hint())));
            if let Some(Overlay::Plan(p)) = &mut state.overlay {
                p.error = Some(e);
                p.phase = PlanPhase::Failed;
            }
        }
    }
    state.dirty = true;
}
