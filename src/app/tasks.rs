//! The tasks view (`t`): a service's running tasks and its last stopped ones (why they stopped),
//! `enter` lists a task's containers, `x` opens a shell in one (ECS Exec: checked first, said in
//! words when it cannot work; a protected profile asks for the service's name), `l` reads one
//! task's logs, `r` reads them again.

use super::action::Action;
use super::keymap::KeyChord;
use super::msg::Effect;
use super::state::{Level, Overlay, ReqId, State, TasksState};
use crate::apply::AuditEntry;
use crate::apply::action::ServiceAction;
use crate::domain::{ResourceRef, ServiceTasks, Task};
use crate::exec::preflight::{self, PluginState, Refusal};
use crate::exec::{Ended, ExecRequest, Handoff};
use crate::provider::ProviderError;
use ratatui::crossterm::event::KeyCode;

/// `t` on the panes (or in a service's detail view): its tasks.
pub fn open(state: &mut State, fx: &mut Vec<Effect>) {
    let (service, from_detail) = match &state.overlay {
        Some(Overlay::Detail(d)) => (Some(d.resource.clone()), Some(d.clone())),
        _ => (state.selected_resource(), None),
    };
    match service {
        Some(service @ ResourceRef::EcsService { .. }) => open_for(state, service, from_detail, fx),
        _ => state.status = Some((Level::Info, "tasks are per ECS service: select one in the ECS pane".into())),
    }
}

pub fn open_for(
    state: &mut State,
    service: ResourceRef,
    from_detail: Option<Box<super::state::DetailState>>,
    fx: &mut Vec<Effect>,
) {
    let req = state.next_req;
    state.next_req += 1;
    fx.push(Effect::FetchTasks { req, service: service.clone() });
    // Reading again keeps what is on screen (and the cursor) until the answer comes.
    let kept = match state.overlay.take() {
        Some(Overlay::Tasks(t)) if t.service == service => Some(t),
        _ => None,
    };
    let next = match kept {
        Some(mut t) => {
            t.req = req;
            t.error = None;
            t
        }
        None => Box::new(TasksState {
            service,
            req,
            data: None,
            plugin: None,
            error: None,
            selected: 0,
            container: None,
            refusal: None,
            confirm: None,
            starting: false,
            forward: None,
            from_detail,
        }),
    };
    state.overlay = Some(Overlay::Tasks(next));
}

pub fn on_loaded(state: &mut State, req: ReqId, result: Result<ServiceTasks, ProviderError>, plugin: PluginState) {
    let Some(Overlay::Tasks(t)) = &mut state.overlay else { return };
    if t.req != req {
        return;
    }
    t.plugin = Some(plugin);
    match result {
        Ok(data) => {
            let n = data.running.len() + data.stopped.len();
            t.selected = t.selected.min(n.saturating_sub(1));
            t.data = Some(data);
            t.error = None;
        }
        Err(e) => t.error = Some(e),
    }
}

/// The task under the cursor (running ones first, then the stopped).
pub fn selected_task(t: &TasksState) -> Option<&Task> {
    let d = t.data.as_ref()?;
    d.running.iter().chain(&d.stopped).nth(t.selected)
}

fn count(t: &TasksState) -> usize {
    t.data.as_ref().map_or(0, |d| d.running.len() + d.stopped.len())
}

/// Keys in the tasks view.
pub fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    if confirming(state, key, fx) || typing_forward(state, key, fx) {
        return;
    }
    let action = state.keymap.action(&key);
    let Some(Overlay::Tasks(t)) = &mut state.overlay else { return };
    t.refusal = None;
    let containers = selected_task(t).map_or(0, |x| x.containers.len());
    let last = count(t).saturating_sub(1);
    let step = |at: usize, by: isize, last: usize| (at as isize + by).clamp(0, last as isize) as usize;
    let selected = selected_task(t).map(|x| (x.id.clone(), x.is_running()));
    match (key.code, action) {
        (KeyCode::Char(c @ ('R' | 'D' | 'K' | 'E')), None) => {
            let action = match c {
                'R' => ServiceAction::Restart,
                'D' => ServiceAction::DesiredCount { to: 0 },
                'E' => ServiceAction::EnableExec,
                _ => match selected {
                    Some((task, true)) => ServiceAction::StopTask { task, reason: String::new() },
                    _ => {
                        state.status = Some((Level::Info, "K stops a running task: select one".into()));
                        return;
                    }
                },
            };
            let Some(Overlay::Tasks(t)) = state.overlay.take() else { return };
            super::service_action::begin(state, t, action, fx);
        }
        (_, Some(Action::Forward)) => {
            let port = t
                .container
                .and_then(|i| selected_task(t).and_then(|x| x.containers.get(i)))
                .or_else(|| selected_task(t).and_then(|x| x.container(None)))
                .and_then(|c| c.ports.first().copied());
            t.forward = Some(port.map_or(String::new(), |p| p.to_string()));
        }
        (_, Some(Action::Shell)) => shell(state, fx),
        (_, Some(Action::Logs)) => task_logs(state, fx),
        (_, Some(Action::Down)) => match &mut t.container {
            Some(c) => *c = step(*c, 1, containers.saturating_sub(1)),
            None => t.selected = step(t.selected, 1, last),
        },
        (_, Some(Action::Up)) => match &mut t.container {
            Some(c) => *c = step(*c, -1, containers.saturating_sub(1)),
            None => t.selected = step(t.selected, -1, last),
        },
        (_, Some(Action::PageDown)) if t.container.is_none() => t.selected = step(t.selected, 10, last),
        (_, Some(Action::PageUp)) if t.container.is_none() => t.selected = step(t.selected, -10, last),
        (_, Some(Action::Top)) if t.container.is_none() => t.selected = 0,
        (_, Some(Action::Bottom)) if t.container.is_none() => t.selected = last,
        (_, Some(Action::Open)) if t.container.is_none() && containers > 0 => t.container = Some(0),
        (_, Some(Action::Open)) => t.container = None,
        (_, Some(Action::Refresh)) => {
            let (service, from_detail) = (t.service.clone(), t.from_detail.take());
            open_for(state, service, from_detail, fx);
        }
        (_, Some(Action::Back)) if t.container.is_some() => t.container = None,
        (_, Some(Action::Back | Action::Quit)) if t.from_detail.is_some() => {
            state.overlay = t.from_detail.take().map(Overlay::Detail);
        }
        (_, Some(Action::Back | Action::Quit)) => state.overlay = None,
        _ => {}
    }
}

/// `l` on a task: that task's logs over its life (the last hour of a running one).
fn task_logs(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(Overlay::Tasks(t)) = &state.overlay else { return };
    let Some(task) = selected_task(t) else { return };
    let to = task.stopped_at.map_or(state.now, |s| s + chrono::Duration::minutes(1)).min(state.now);
    let from = (to - chrono::Duration::hours(1)).max(task.started_at.unwrap_or(to - chrono::Duration::hours(1)));
    let query = crate::domain::logs::LogQuery {
        service: t.service.clone(),
        from,
        to,
        pattern: String::new(),
        task: Some(task.id.clone()),
    };
    let context = format!("task {} ({})", task.short_id(), task.last_status);
    super::logs::start(state, query, Some(context), false, fx);
}

/// The shell the cursor points at, checked; Err says why not in words.
pub fn request(state: &State) -> Result<(ExecRequest, bool), Refusal> {
    let Some(Overlay::Tasks(t)) = &state.overlay else {
        return Err(Refusal { title: "no tasks view open".into(), fix: Vec::new() });
    };
    let (Some(data), Some(task)) = (&t.data, selected_task(t)) else {
        return Err(Refusal { title: "the tasks are still loading".into(), fix: Vec::new() });
    };
    let container = t.container.and_then(|i| task.containers.get(i)).map(|c| c.name.as_str());
    let plugin = t.plugin.clone().unwrap_or(PluginState::Missing);
    let (task, container) = preflight::check(data, &task.id, container, &plugin)?;
    let ResourceRef::EcsService { cluster, service } = &t.service else {
        return Err(Refusal { title: "a shell opens in an ECS service's task".into(), fix: Vec::new() });
    };
    let request = ExecRequest {
        service: t.service.clone(),
        task: task.id.clone(),
        container: container.name.clone(),
        runtime_id: container.runtime_id.clone().unwrap_or_default(),
        command: state.exec_commands.for_service(cluster, service),
        plugin: match plugin {
            PluginState::Found(p) => Some(p),
            _ => None,
        },
    };
    Ok((request, data.protected))
}

/// The shell key: check, then (after the typed name on a protected profile) open it.
fn shell(state: &mut State, fx: &mut Vec<Effect>) {
    let checked = request(state);
    let Some(Overlay::Tasks(t)) = &mut state.overlay else { return };
    match checked {
        Err(refusal) => {
            state.status = Some((Level::Warn, refusal.line()));
            t.refusal = Some(refusal);
        }
        Ok((request, true)) => t.confirm = Some((request, String::new())),
        Ok((request, false)) => start(state, request, fx),
    }
}

fn start(state: &mut State, request: ExecRequest, fx: &mut Vec<Effect>) {
    if let Some(Overlay::Tasks(t)) = &mut state.overlay {
        t.starting = true;
    }
    state.status = Some((
        Level::Info,
        format!("opening a shell in {} ({})…", &request.task[..request.task.len().min(12)], request.container),
    ));
    fx.push(Effect::StartExec { request, audit: state.audit_log.clone() });
}

/// While the typed confirmation is asked: the service's name, then enter. True when the key
/// was the confirmation's.
fn confirming(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) -> bool {
    let Some(Overlay::Tasks(t)) = &mut state.overlay else { return false };
    let Some((request, typed)) = &mut t.confirm else { return false };
    match key.code {
        KeyCode::Esc => t.confirm = None,
        KeyCode::Backspace => {
            typed.pop();
        }
        KeyCode::Char(c) if !key.ctrl => typed.push(c),
        KeyCode::Enter => {
            let name = match &request.service {
                ResourceRef::EcsService { service, .. } => service.clone(),
                other => other.to_string(),
            };
            if *typed == name {
                let request = request.clone();
                t.confirm = None;
                start(state, request, fx);
            } else {
                state.status = Some((Level::Warn, format!("type {name} exactly to open the shell (esc cancels)")));
            }
        }
        _ => {}
    }
    true
}

/// AWS opened the session: hand the terminal over. Or it refused: say why, in words.
pub fn on_exec_ready(
    state: &mut State,
    request: ExecRequest,
    result: Result<Handoff, ProviderError>,
    audit: Option<Result<AuditEntry, String>>,
    fx: &mut Vec<Effect>,
) {
    if let Some(Ok(entry)) = &audit {
        state.history.push(entry.clone());
    }
    let tasks = match &mut state.overlay {
        Some(Overlay::Tasks(t)) => {
            t.starting = false;
            Some(t)
        }
        _ => None,
    };
    match result {
        Ok(handoff) => fx.push(Effect::HandOver { request, handoff, audit: state.audit_log.clone() }),
        Err(e) => {
            let refusal = preflight::explain_error(&e);
            state.status = Some((Level::Error, refusal.line()));
            if let Some(t) = tasks {
                t.refusal = Some(refusal);
            }
        }
    }
}

/// The terminal is back: say how the session ended, keep its audit entry, read the tasks again.
pub fn on_exec_ended(state: &mut State, ended: Ended, audit: Result<AuditEntry, String>, fx: &mut Vec<Effect>) {
    let note = match audit {
        Ok(entry) => {
            state.history.push(entry);
            String::new()
        }
        Err(e) => format!(" · AUDIT LOG NOT WRITTEN: {e}"),
    };
    let level = if ended.error.is_some() || !note.is_empty() { Level::Warn } else { Level::Info };
    state.status = Some((level, format!("{}{note}", ended.summary())));
    state.dirty = true;
    if let Some(Overlay::Tasks(t)) = &mut state.overlay {
        let (service, from_detail) = (t.service.clone(), t.from_detail.take());
        open_for(state, service, from_detail, fx);
    }
}

/// `p` in the tasks view: `PORT` or `PORT:LOCAL` typed, then enter forwards the selected task's
/// container port to a local one (the same number when none is given). True when the key was
/// the forward prompt's.
fn typing_forward(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) -> bool {
    let Some(Overlay::Tasks(t)) = &mut state.overlay else { return false };
    let Some(typed) = &mut t.forward else { return false };
    match key.code {
        KeyCode::Esc => t.forward = None,
        KeyCode::Backspace => {
            typed.pop();
        }
        KeyCode::Char(c) if c.is_ascii_digit() || c == ':' => typed.push(c),
        KeyCode::Enter => {
            let typed = typed.clone();
            t.forward = None;
            match forward_spec(state, &typed) {
                Ok(spec) => {
                    state.status = Some((Level::Info, format!("forwarding {}…", spec.label)));
                    fx.push(Effect::StartForward { spec: Box::new(spec), audit: state.audit_log.clone() });
                }
                Err(refusal) => {
                    state.status = Some((Level::Warn, refusal.line()));
                    if let Some(Overlay::Tasks(t)) = &mut state.overlay {
                        t.refusal = Some(refusal);
                    }
                }
            }
        }
        _ => {}
    }
    true
}

pub use crate::provider::hands::parse_ports;

/// The forward the tasks view asks for: checked as a shell is (the task running, its agent up,
/// not read-only), since a forward is a session through the same agent.
fn forward_spec(state: &State, typed: &str) -> Result<crate::exec::forward::ForwardSpec, Refusal> {
    let Some((remote, local)) = parse_ports(typed) else {
        return Err(Refusal {
            title: format!("{typed:?} is not PORT or PORT:LOCAL"),
            fix: vec!["e.g. 8080 (the same port here) or 8080:18080".into()],
        });
    };
    let (request, _) = request(state)?;
    let ResourceRef::EcsService { cluster, service } = &request.service else {
        return Err(Refusal { title: "a forward goes through an ECS service's task".into(), fix: Vec::new() });
    };
    crate::exec::forward::port_free(local)
        .map_err(|e| Refusal { title: e, fix: vec!["pick another local port: PORT:LOCAL".into()] })?;
    Ok(crate::exec::forward::ForwardSpec {
        service: request.service.clone(),
        cluster: cluster.rsplit(':').next().unwrap_or(cluster).to_string(),
        task: request.task.clone(),
        container: request.container.clone(),
        runtime_id: request.runtime_id.clone(),
        reach: crate::exec::forward::Reach::Container { port: remote },
        local_port: local,
        label: format!(
            "{service}:{remote} ({} task {})",
            request.container,
            &request.task[..request.task.len().min(12)]
        ),
    })
}

pub fn on_forward_started(state: &mut State, result: Result<u32, String>) {
    state.status = Some(match result {
        Ok(id) => {
            let label = state.forwards.iter().find(|f| f.id == id).map(|f| f.label.clone());
            (
                Level::Info,
                format!(
                    "forward {id} started{}: :forwards lists it",
                    label.map_or(String::new(), |l| format!(" ({l})"))
                ),
            )
        }
        Err(e) => (Level::Error, format!("no forward: {e}")),
    });
    state.dirty = true;
}

/// `:forwards`: j/k move, `d` stops the selected forward, esc closes.
pub fn on_forwards_action(state: &mut State, action: Action, selected: usize, fx: &mut Vec<Effect>) {
    let last = state.forwards.len().saturating_sub(1);
    let moved = super::action::list_cursor(action, selected, last);
    state.overlay = match action {
        Action::Back | Action::Quit => None,
        _ => Some(Overlay::Forwards { selected: moved.unwrap_or(selected).min(last) }),
    };
    let _ = fx;
}

/// `d` in `:forwards`: stop the selected forward (its session ended on AWS).
pub fn stop_selected_forward(state: &mut State, selected: usize, fx: &mut Vec<Effect>) {
    match state.forwards.get(selected) {
        Some(f) => {
            state.status = Some((Level::Info, format!("stopping forward {} ({})", f.id, f.label)));
            fx.push(Effect::StopForward { id: f.id });
        }
        None => state.status = Some((Level::Info, "no forward to stop".into())),
    }
}

/// `p` on the panes: on a Redis group, ask which service's task reaches it; on an ECS service,
/// its tasks view (where `p` forwards a container port).
pub fn forward_from_pane(state: &mut State, fx: &mut Vec<Effect>) {
    match state.selected_resource() {
        Some(ResourceRef::CacheGroup(group)) => {
            state.forward_group = Some(group);
            let text = state.forward_via.clone().unwrap_or_default();
            state.input = Some(super::state::Input { kind: super::state::InputKind::ForwardVia, text, previous: None });
        }
        Some(ResourceRef::EcsService { .. }) => {
            open(state, fx);
            state.status = Some((Level::Info, "pick a running task, then p forwards one of its ports".into()));
        }
        _ => {
            state.status =
                Some((Level::Info, "forwards go to an ECS task's port, or to a Redis group through one".into()))
        }
    }
}

/// The service typed for a Redis forward (`cluster/service [LOCAL]`): work it out and start it.
pub fn forward_via(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    let Some(group) = state.forward_group.take() else { return };
    let mut words = text.split_whitespace();
    let via = match words.next().map(crate::provider::hands::service_ref) {
        Some(Ok(via)) => via,
        Some(Err(e)) => return state.status = Some((Level::Warn, e)),
        None => return state.status = Some((Level::Warn, "give the service whose task reaches the group".into())),
    };
    let local = match words.next().map(str::parse::<u16>) {
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return state.status = Some((Level::Warn, "the local port is a number".into())),
        None => None,
    };
    state.forward_via = Some(text.split_whitespace().next().unwrap_or_default().to_string());
    state.status = Some((Level::Info, format!("forwarding {group} through {via}…")));
    let ask = crate::provider::hands::ForwardAsk {
        reaching: crate::provider::hands::Reaching::Redis { group, via, local },
        task: None,
        container: None,
    };
    fx.push(Effect::Forward { ask: Box::new(ask), audit: state.audit_log.clone() });
}
