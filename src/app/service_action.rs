//! The everyday service actions from the tasks view: `R` restart, `D` desired count, `K` stop the
//! selected task (with a reason), `E` enable ECS Exec. Each is planned against the live service
//! (the exact requests shown), confirmed with `y` (the service's name typed on a protected
//! profile), refused in read-only, audited, and a deployment is followed in the ECS pane as a
//! resize's is.

use super::keymap::KeyChord;
use super::msg::Effect;
use super::state::{ActionPhase, ActionState, Level, Overlay, PaneId, ReqId, State, TasksState};
use crate::apply::AuditEntry;
use crate::apply::action::{ActionPlan, ServiceAction};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;
use ratatui::crossterm::event::KeyCode;

/// The reason a stopped task carries when none is typed.
pub const DEFAULT_REASON: &str = "stopped from infradeck";

/// Start `action` on the tasks view's service; `back` is that view, shown again after.
pub fn begin(state: &mut State, back: Box<TasksState>, action: ServiceAction, fx: &mut Vec<Effect>) {
    let service = back.service.clone();
    let asking = match &action {
        ServiceAction::DesiredCount { .. } => {
            let now = back.data.as_ref().map_or(0, |d| d.running.len());
            Some(format!("desired count (running now: {now}), then enter"))
        }
        ServiceAction::StopTask { task, .. } => {
            Some(format!("why stop task {} (enter: \"{DEFAULT_REASON}\")", &task[..task.len().min(12)]))
        }
        _ => None,
    };
    let req = state.next_req;
    state.next_req += 1;
    let phase = match asking {
        Some(prompt) => ActionPhase::Asking { prompt, typed: String::new() },
        None => {
            fx.push(Effect::PlanAction { req, service: service.clone(), action: action.clone() });
            ActionPhase::Planning
        }
    };
    state.overlay = Some(Overlay::Action(Box::new(ActionState {
        service,
        action,
        phase,
        req,
        plan: None,
        error: None,
        typed: String::new(),
        back: Some(back),
    })));
}

pub fn on_planned(state: &mut State, req: ReqId, result: Result<ActionPlan, ProviderError>) {
    let Some(Overlay::Action(a)) = &mut state.overlay else { return };
    if a.req != req || a.phase != ActionPhase::Planning {
        return;
    }
    match result {
        Ok(plan) => {
            a.plan = Some(plan);
            a.phase = ActionPhase::Ready;
        }
        Err(e) => {
            a.error = Some(e);
            a.phase = ActionPhase::Failed;
        }
    }
    state.dirty = true;
}

/// Close the action: back to the tasks view, read again (what the action changed shows).
fn close(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(Overlay::Action(a)) = state.overlay.take() else { return };
    let Some(mut back) = a.back else { return };
    let req = state.next_req;
    state.next_req += 1;
    back.req = req;
    back.refusal = None;
    fx.push(Effect::FetchTasks { req, service: back.service.clone() });
    state.overlay = Some(Overlay::Tasks(back));
}

pub fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    let audit = state.audit_log.clone();
    let Some(Overlay::Action(a)) = &mut state.overlay else { return };
    match a.phase.clone() {
        ActionPhase::Asking { prompt, mut typed } => match key.code {
            KeyCode::Esc => close(state, fx),
            KeyCode::Backspace => {
                typed.pop();
                a.phase = ActionPhase::Asking { prompt, typed };
            }
            KeyCode::Char(c) if !key.ctrl => {
                typed.push(c);
                a.phase = ActionPhase::Asking { prompt, typed };
            }
            KeyCode::Enter => {
                let action = match &a.action {
                    ServiceAction::DesiredCount { .. } => match typed.trim().parse::<u32>() {
                        Ok(to) if to <= 5_000 => ServiceAction::DesiredCount { to },
                        _ => {
                            state.status = Some((Level::Warn, format!("{typed:?} is not a task count (0–5000)")));
                            return;
                        }
                    },
                    ServiceAction::StopTask { task, .. } => {
                        let reason =
                            if typed.trim().is_empty() { DEFAULT_REASON.to_string() } else { typed.trim().to_string() };
                        ServiceAction::StopTask { task: task.clone(), reason }
                    }
                    other => other.clone(),
                };
                a.action = action.clone();
                a.phase = ActionPhase::Planning;
                fx.push(Effect::PlanAction { req: a.req, service: a.service.clone(), action });
            }
            _ => {}
        },
        ActionPhase::Ready => {
            let Some(plan) = a.plan.clone() else { return };
            let confirmed = if plan.protected {
                match key.code {
                    KeyCode::Char(c) if !key.ctrl => {
                        a.typed.push(c);
                        false
                    }
                    KeyCode::Backspace => {
                        a.typed.pop();
                        false
                    }
                    KeyCode::Enter => a.typed == plan.confirm_word(),
                    KeyCode::Esc => return close(state, fx),
                    _ => false,
                }
            } else {
                match key.code {
                    KeyCode::Char('y') => true,
                    KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => return close(state, fx),
                    _ => false,
                }
            };
            if !confirmed {
                if plan.protected && key.code == KeyCode::Enter {
                    state.status =
                        Some((Level::Warn, format!("type {} exactly to confirm (esc cancels)", plan.confirm_word())));
                }
                return;
            }
            if plan.read_only {
                state.status =
                    Some((Level::Warn, "read-only: nothing is sent (start without --read-only to act)".into()));
                return;
            }
            if let Some(why) = &plan.blocked {
                state.status = Some((Level::Warn, format!("cannot be sent from here: {why}")));
                return;
            }
            a.phase = ActionPhase::Applying;
            fx.push(Effect::ApplyAction { plan: Box::new(plan), audit });
        }
        ActionPhase::Planning | ActionPhase::Applying => {
            if key.code == KeyCode::Esc && a.phase == ActionPhase::Planning {
                close(state, fx);
            }
        }
        ActionPhase::Applied | ActionPhase::Failed => {
            if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                close(state, fx);
            }
        }
    }
}

pub fn on_applied(
    state: &mut State,
    result: Result<Vec<String>, ProviderError>,
    audit: Result<AuditEntry, String>,
    fx: &mut Vec<Effect>,
) {
    let note = match audit {
        Ok(entry) => {
            state.history.push(entry);
            String::new()
        }
        Err(e) => format!(" · AUDIT LOG NOT WRITTEN: {e}"),
    };
    let Some(Overlay::Action(a)) = &mut state.overlay else { return };
    let plan = a.plan.clone();
    let name = plan.as_ref().map_or_else(|| a.service.to_string(), |p| p.service_name());
    match result {
        Ok(sent) => {
            a.phase = ActionPhase::Applied;
            let dry = plan.as_ref().is_some_and(|p| p.dry_run);
            let what = plan.as_ref().map_or("action", |p| p.action.audit_name());
            state.status = Some((
                if note.is_empty() { Level::Info } else { Level::Warn },
                if dry {
                    format!("{name}: dry run, {} request(s) listed, none sent{note}", sent.len())
                } else {
                    format!("{name}: {what} sent ({} request(s)){note}", sent.len())
                },
            ));
            // A deployment is followed in the ECS pane, as a resize's is.
            if plan.as_ref().is_some_and(|p| p.deploys() && !p.dry_run) {
                state.changed_at.insert(name.clone(), state.now);
            }
            if !dry {
                super::fetch::request_pane(state, PaneId::Ecs, fx);
            }
        }
        Err(e) => {
            state.status = Some((Level::Error, format!("{name}: not sent: {e} ({}){note}", e.hint())));
            a.error = Some(e);
            a.phase = ActionPhase::Failed;
        }
    }
    state.dirty = true;
}

/// The service an action is on, for the popup's title.
pub fn service_label(resource: &ResourceRef) -> String {
    match resource {
        ResourceRef::EcsService { cluster, service } => format!("{cluster}/{service}"),
        other => other.to_string(),
    }
}
