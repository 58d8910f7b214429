//! The apply flow in the state machine: `a` (or `u` for a rollback) asks the provider for a
//! plan (reads only), the plan is shown, `y` applies it — the only way to write — and anything
//! else leaves it unapplied. On a protected profile, confirming means typing the name.

use super::action::Action;
use super::keymap::KeyChord;
use super::msg::Effect;
use super::state::{Level, Overlay, PaneId, PlanPhase, PlanState, ReqId, State};
use crate::apply::plan::short_task_definition;
use crate::apply::{ApplyOutcome, AuditEntry, ResizePlan, ResizeRequest};
use crate::domain::{EcsService, ResourceRef};
use crate::provider::ProviderError;
use ratatui::crossterm::event::KeyCode;

fn service_of<'a>(state: &'a State, resource: &Option<ResourceRef>) -> Option<&'a EcsService> {
    let Some(ResourceRef::EcsService { cluster, service }) = resource else {
        return None;
    };
    state.ecs.rows().iter().find(|s| &s.cluster == cluster && &s.name == service)
}

/// Show an empty plan for `resource` and ask the provider for it (`effect` gets the request id).
fn open_plan(state: &mut State, resource: ResourceRef, effect: impl FnOnce(u64) -> Effect, fx: &mut Vec<Effect>) {
    let req = state.next_req;
    state.next_req += 1;
    state.overlay = Some(Overlay::Plan(Box::new(PlanState {
        req,
        resource,
        plan: None,
        error: None,
        outcome: None,
        phase: PlanPhase::Planning,
        typed: String::new(),
        exporting: false,
        code: Default::default(),
        code_scroll: 0,
        since: None,
        since_req: None,
        since_due: None,
    })));
    fx.push(effect(req));
}

fn open_ecs_plan(state: &mut State, service: &EcsService, request: ResizeRequest, fx: &mut Vec<Effect>) {
    let resource = ResourceRef::EcsService { cluster: service.cluster.clone(), service: service.name.clone() };
    open_plan(state, resource, |req| Effect::Plan { req, request: Box::new(request) }, fx);
}

fn open_cache_plan(state: &mut State, request: crate::apply::CacheResizeRequest, fx: &mut Vec<Effect>) {
    let resource = ResourceRef::CacheGroup(request.group.clone());
    open_plan(state, resource, |req| Effect::PlanCache { req, request: Box::new(request) }, fx);
}

/// The change a rollback of this cache group would undo: the last successful one that left it
/// on the node type it has now.
pub fn last_cache_change<'a>(history: &'a [AuditEntry], group: &str, node_type: &str) -> Option<&'a AuditEntry> {
    history.iter().rev().find(|e| {
        e.resource == ResourceRef::CacheGroup(group.to_string()) && e.result.is_applied() && e.after == node_type
    })
}

/// `a` on a cache group: plan its node type change, if one is suggested.
fn start_cache(state: &mut State, group: String, fx: &mut Vec<Effect>) {
    if state.redis.rows().iter().any(|g| g.id == group && g.standalone) {
        state.status = Some((Level::Info, format!("{group}: {}", crate::apply::plan::STANDALONE_CACHE)));
        return;
    }
    let request = state.sizing.cache_recs.get(&group).and_then(crate::apply::CacheResizeRequest::from_recommendation);
    let Some(request) = request else {
        state.status = Some((Level::Info, format!("{group}: no node type change suggested, nothing to apply")));
        return;
    };
    open_cache_plan(state, request, fx);
}

/// `a` on a resource: plan its suggestion, if it has one.
pub fn start(state: &mut State, resource: Option<ResourceRef>, fx: &mut Vec<Effect>) {
    if let Some(ResourceRef::CacheGroup(group)) = resource {
        return start_cache(state, group, fx);
    }
    let Some(service) = service_of(state, &resource).cloned() else {
        state.status = Some((Level::Warn, "select an ECS service with a suggestion to plan a resize".into()));
        return;
    };
    let key = service.key();
    let Some(rec) = state.sizing.recs.get(&key) else {
        let why = if state.sizing.fetch.fetched_at.is_none() {
            "the first sizing run is still reading"
        } else {
            "not sized yet"
        };
        state.status = Some((Level::Info, format!("{key}: no suggestion yet ({why}), nothing to apply")));
        return;
    };
    let request = ResizeRequest::from_recommendation(&service, rec);
    let Some(request) = request.filter(|r| r.before != r.after) else {
        // Which of the two: a row showing a size while this says "no resize" is a bug to chase.
        let why = match rec.proposed {
            None => "no resize suggested".to_string(),
            Some(_) => format!(
                "already at the suggested size {}",
                crate::common::format::task_size(service.task_cpu, service.task_memory)
            ),
        };
        state.status = Some((Level::Info, format!("{key}: {why}, nothing to apply")));
        return;
    };
    open_ecs_plan(state, &service, request, fx);
}

/// The change a rollback of this service would undo: the last successful apply that left it on
/// the task definition it runs now.
pub fn last_change<'a>(history: &'a [AuditEntry], service: &EcsService) -> Option<&'a AuditEntry> {
    history.iter().rev().find(|e| {
        e.resource == service.resource()
            && e.result.is_applied()
            && e.revision_after.as_deref().map(short_task_definition)
                == Some(short_task_definition(&service.task_definition))
    })
}

/// `u` on a cache group: plan a return to the node type its last change replaced.
fn start_cache_rollback(state: &mut State, group: String, fx: &mut Vec<Effect>) {
    let Some(row) = state.redis.rows().iter().find(|g| g.id == group).cloned() else {
        return;
    };
    let current = row.node_type.clone();
    let entry = last_cache_change(&state.history, &group, &current);
    let Some(request) = entry.map(|e| crate::apply::CacheResizeRequest::rollback(&row, e)) else {
        state.status = Some((Level::Info, format!("{group}: no change applied from infradeck leads to {current}")));
        return;
    };
    open_cache_plan(state, request, fx);
}

/// `u` on a resource: plan a return to the task definition the last change replaced.
pub fn start_rollback(state: &mut State, resource: Option<ResourceRef>, fx: &mut Vec<Effect>) {
    if let Some(ResourceRef::CacheGroup(group)) = resource {
        return start_cache_rollback(state, group, fx);
    }
    let Some(service) = service_of(state, &resource).cloned() else {
        state.status = Some((Level::Warn, "select an ECS service to roll back".into()));
        return;
    };
    match last_change(&state.history, &service).cloned() {
        Some(entry) => open_ecs_plan(state, &service, ResizeRequest::rollback(&service, &entry), fx),
        None => {
            state.status = Some((
                Level::Info,
                format!(
                    "{}: no change applied from infradeck leads to {} (see :history)",
                    service.key(),
                    service.task_definition
                ),
            ))
        }
    }
}

/// Keys while a plan is open. Only `y` (or, on a protected profile, the typed name and enter)
/// applies; keys are read raw, not through the keymap, so no remapping can confirm.
pub fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    let ready = matches!(&state.overlay, Some(Overlay::Plan(p)) if !p.exporting && p.phase == PlanPhase::Ready);
    if ready && super::code_change::on_key(state, key, fx) {
        return;
    }
    let audit = state.audit_log.clone();
    let Some(Overlay::Plan(p)) = &mut state.overlay else {
        return;
    };
    let protected = p.plan.as_ref().is_some_and(|plan| plan.protected);
    if std::mem::take(&mut p.exporting) {
        return export(state, key, fx);
    }
    let export_key = key.code == KeyCode::Char('e') && (key.ctrl || !protected || p.phase != PlanPhase::Ready);
    if export_key && p.plan.is_some() && p.phase != PlanPhase::Applying {
        p.exporting = true;
        state.status = Some((Level::Info, "export as: t terraform · c cloudformation/cdk · l aws cli · j json".into()));
        return;
    }
    let is_cache = p.plan.as_ref().is_some_and(|plan| plan.node_type.is_some());
    let toggle_key = key.code == KeyCode::Char('w') && (key.ctrl || !protected);
    if is_cache && toggle_key && p.phase == PlanPhase::Ready {
        if let Some(plan) = &mut p.plan {
            plan.apply_now = !plan.apply_now;
        }
        return;
    }
    match (key.code, key.ctrl, p.phase) {
        (KeyCode::Esc, _, PlanPhase::Ready) if protected => close(state),
        (KeyCode::Char(c), false, PlanPhase::Ready) if protected => p.typed.push(c),
        (KeyCode::Backspace, _, PlanPhase::Ready) if protected => {
            p.typed.pop();
        }
        (KeyCode::Enter, _, PlanPhase::Ready) if protected => {
            let word = p.plan.as_ref().map(|plan| plan.confirm_word()).unwrap_or_default();
            if p.typed == word {
                confirm(state, audit, fx);
            } else {
                state.status = Some((Level::Warn, format!("type {word} exactly to apply, or esc to cancel")));
            }
        }
        (KeyCode::Char('y') | KeyCode::Char('Y'), false, PlanPhase::Ready) => confirm(state, audit, fx),
        // Once sent, an apply is finished by the provider whatever the UI does: keep showing it.
        (_, _, PlanPhase::Applying) => {
            state.status = Some((Level::Info, "applying… the result will show here".into()));
        }
        _ => close(state),
    }
}

/// The key after `e`: write the plan in that format to a file (and the clipboard).
fn export(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    use crate::apply::export::{ExportFormat, export, file_name};
    let Some(Overlay::Plan(p)) = &state.overlay else {
        return;
    };
    let (Some(plan), KeyCode::Char(c)) = (&p.plan, key.code) else {
        state.status = Some((Level::Info, "export cancelled".into()));
        return;
    };
    let Some(format) = ExportFormat::ALL.into_iter().find(|f| f.key() == c) else {
        state.status = Some((Level::Info, "export cancelled".into()));
        return;
    };
    fx.push(Effect::Export {
        text: export(plan, format),
        path: state.export_dir.join(file_name(plan, format)),
        clipboard: state.clipboard,
        handover: None,
    });
}

fn close(state: &mut State) {
    let done = matches!(&state.overlay, Some(Overlay::Plan(p)) if p.phase == PlanPhase::Applied);
    state.overlay = None;
    if !done {
        state.status = Some((Level::Info, "not applied".into()));
    }
}

fn confirm(state: &mut State, audit: Option<std::path::PathBuf>, fx: &mut Vec<Effect>) {
    let Some(Overlay::Plan(p)) = &mut state.overlay else {
        return;
    };
    let Some(plan) = p.plan.clone() else {
        return;
    };
    if plan.read_only {
        state.status = Some((Level::Warn, "read-only: this plan cannot be applied".into()));
        return;
    }
    if let Some(why) = &plan.blocked {
        state.status = Some((Level::Warn, format!("cannot apply from here: {why} (e exports it)")));
        return;
    }
    p.phase = PlanPhase::Applying;
    p.error = None;
    fx.push(Effect::Apply { plan: Box::new(plan), audit });
}

/// After a resize, while its plan stays open: fetch the service's last hour each minute, so the
/// plan shows p99 and 5xx since the change beside before it.
pub fn on_tick(state: &mut State, fx: &mut Vec<Effect>) {
    let now = state.now;
    let req = state.next_req;
    let Some(Overlay::Plan(p)) = &mut state.overlay else {
        return;
    };
    if p.phase != PlanPhase::Applied || p.since_due.is_none_or(|due| now < due) {
        return;
    }
    p.since_req = Some(req);
    p.since_due = Some(now + chrono::Duration::minutes(1));
    let resource = p.resource.clone();
    state.next_req += 1;
    fx.push(Effect::FetchDetail { req, resource, window: crate::domain::Window::Hour });
}

/// The detail fetched for `on_tick`; false when `req` was not one.
pub fn on_since(state: &mut State, req: ReqId, result: &Result<crate::domain::ResourceDetail, ProviderError>) -> bool {
    let Some(Overlay::Plan(p)) = &mut state.overlay else {
        return false;
    };
    if p.since_req != Some(req) {
        return false;
    }
    if let Ok(data) = result {
        p.since = Some(data.clone());
        state.dirty = true;
    }
    true
}

/// The service's load-balancer health and SLO standing as the ECS pane shows them now.
fn health_now(state: &State, key: &str) -> Option<String> {
    let service = state.ecs.rows().iter().find(|s| s.key() == key)?;
    let slo = state.sizing.recs.get(key).and_then(|r| r.slo.as_ref());
    let window = state.fetch(PaneId::Ecs).data_window.unwrap_or(state.window);
    crate::apply::plan::health_line(service, slo, window.label())
}

pub fn on_planned(state: &mut State, req: u64, result: Result<ResizePlan, ProviderError>, fx: &mut Vec<Effect>) {
    let health = result.as_ref().ok().and_then(|plan| health_now(state, &plan.resource_name()));
    let Some(Overlay::Plan(p)) = &mut state.overlay else {
        return;
    };
    if p.req != req {
        return;
    }
    match result {
        Ok(mut plan) => {
            plan.health = health;
            p.plan = Some(plan);
            p.phase = PlanPhase::Ready;
        }
        Err(e) => {
            p.error = Some(e);
            p.phase = PlanPhase::Failed;
        }
    }
    super::code_change::search(state, fx);
    state.dirty = true;
}

pub fn on_applied(
    state: &mut State,
    result: Result<ApplyOutcome, ProviderError>,
    audit: Result<AuditEntry, String>,
    fx: &mut Vec<Effect>,
) {
    let plan = match &state.overlay {
        Some(Overlay::Plan(p)) => p.plan.clone(),
        _ => None,
    };
    let name = plan.as_ref().map_or_else(|| "the resource".into(), |p| p.resource_name());
    let audit_note = match &audit {
        Ok(entry) => {
            state.history.push(entry.clone());
            String::new()
        }
        Err(e) => format!(" · AUDIT LOG NOT WRITTEN: {e}"),
    };
    let level = if audit.is_err() { Level::Warn } else { Level::Info };
    match result {
        Ok(out) if plan.as_ref().is_some_and(|p| p.dry_run) => {
            state.status = Some((
                level,
                format!("{name}: dry run, {} requests listed, none sent{audit_note}", out.requests.len()),
            ));
            set_phase(state, PlanPhase::Applied, Some(out), None);
        }
        Ok(out) if plan.as_ref().is_some_and(|p| p.node_type.is_some()) => {
            let when =
                if plan.as_ref().is_some_and(|p| p.apply_now) { "now" } else { "at the next maintenance window" };
            let to = plan.as_ref().map(|p| p.after_label()).unwrap_or_default();
            state.status = Some((level, format!("{name}: modifying to {to} {when}{audit_note}")));
            set_phase(state, PlanPhase::Applied, Some(out), None);
            state.sizing.cache_recs.remove(&name);
            super::fetch::request_pane(state, PaneId::Redis, fx);
        }
        Ok(out) => {
            let revision = short_task_definition(&out.task_definition).to_string();
            state.status = Some((level, format!("{name} now runs {revision}: deploying{audit_note}")));
            set_phase(state, PlanPhase::Applied, Some(out), None);
            // Show the new size and its rollout; size again once it has settled (the old
            // suggestion was for the old size: gone until then).
            if let Some(p) = &plan {
                state.sizing.recs.remove(&p.resource_name());
                state.changed_at.insert(p.resource_name(), state.now);
            }
            if let Some(Overlay::Plan(p)) = &mut state.overlay {
                p.since_due = Some(state.now + chrono::Duration::minutes(1));
            }
            super::fetch::request_pane(state, PaneId::Ecs, fx);
            state.sizing.fetch.next_due = Some(state.now + chrono::Duration::minutes(1));
        }
        Err(e) => {
            state.status = Some((Level::Error, format!("{name}: not applied: {e} ({}){audit_note}", e.hint())));
            set_phase(state, PlanPhase::Failed, None, Some(e));
        }
    }
    state.dirty = true;
}

fn set_phase(state: &mut State, phase: PlanPhase, outcome: Option<ApplyOutcome>, error: Option<ProviderError>) {
    if let Some(Overlay::Plan(p)) = &mut state.overlay {
        p.phase = phase;
        p.outcome = outcome;
        p.error = error;
    }
}

/// Keys in `:history`: move, `u` plans the rollback of the selected entry's service.
pub fn on_history_action(state: &mut State, action: Action, selected: usize, fx: &mut Vec<Effect>) {
    let last = state.history.len().saturating_sub(1);
    let moved = super::action::list_cursor(action, selected, last);
    state.overlay = match action {
        Action::Back | Action::Quit => None,
        Action::Rollback | Action::Open => {
            // Newest first on screen.
            let entry = state.history.iter().rev().nth(selected).cloned();
            let resource = entry.map(|e| e.resource);
            return start_rollback(state, resource, fx);
        }
        _ => Some(Overlay::History { selected: moved.unwrap_or(selected).min(last) }),
    };
}
