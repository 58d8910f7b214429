//! The driver: owns the state, turns terminal events, timers and signals into messages, runs
//! `update`, executes effects on spawned tasks, and draws only when something changed.

use crate::app::msg::Payload;
use crate::app::{Effect, KeyChord, Msg, PaneId, State, update};
use crate::apply::{AuditEntry, AuditLog};
use crate::cli::ExitAfter;
use crate::config::theme_file::ThemeSet;
use crate::provider::{Provider, ProviderError};
use crate::terminal::Tui;
use crate::ui;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::{execute, queue, terminal};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// Carry out one effect and say how it went, as the message `update` will receive.
pub async fn perform(effect: Effect, shared: &Arc<dyn Provider>, tx: &UnboundedSender<Msg>) -> Msg {
    let provider = shared.as_ref();
    match effect {
        Effect::StartForward { spec, audit } => start_forward(shared, *spec, audit, tx),
        Effect::Forward { ask, audit } => match crate::provider::hands::forward_spec(provider, &ask).await {
            Ok(spec) => start_forward(shared, spec, audit, tx),
            Err(e) => Msg::ForwardStarted(Err(e)),
        },
        Effect::StopForward { id } => {
            forwards().stop(id);
            Msg::Forwards(forwards().list())
        }
        Effect::Fetch { pane, req, window, fresh, scope } => {
            use crate::provider::Inventory;
            let (payload, inventory) = match pane {
                PaneId::Ecs => {
                    let progress = |rows: Vec<crate::domain::EcsService>| {
                        let _ = tx.send(Msg::EcsPartial { req, rows });
                    };
                    let rows = provider.ecs_services_scoped(window, &scope, &progress).await;
                    (Payload::Ecs(rows), Some(Inventory::Ecs))
                }
                PaneId::Redis => {
                    let groups = provider.cache_groups_scoped(window, &scope).await;
                    (Payload::Redis(groups, provider.cache_node_types().await), Some(Inventory::Cache))
                }
                PaneId::Cost => (Payload::Cost(provider.cost(fresh).await), None),
                PaneId::Alarms => (Payload::Alarms(provider.alarms().await), Some(Inventory::Alarms)),
            };
            let degraded = inventory.and_then(|what| provider.degraded(what));
            Msg::Loaded { req, payload, degraded }
        }
        Effect::Size { req, services, policies, objectives } => {
            let result = crate::sizing::run::run(provider, services, &policies, &objectives).await;
            Msg::SizingLoaded { req, result }
        }
        Effect::FetchDetail { req, resource, window } => {
            Msg::DetailLoaded { req, result: provider.detail(&resource, window).await }
        }
        Effect::Export { text, path, clipboard, handover } => {
            let written =
                std::fs::write(&path, &text).map(|_| path.clone()).map_err(|e| format!("{}: {e}", path.display()));
            if let (Ok(_), Some((index, record))) = (&written, handover)
                && let Err(e) = crate::apply::JsonLog::new(index.clone()).append_line(&record)
            {
                // The handover is written; only a later review will miss it.
                tracing::warn!("handover not added to {}: {e}", index.display());
            }
            if clipboard && written.is_ok() {
                use std::io::Write;
                let mut out = io::stdout();
                let _ = out.write_all(crate::apply::export::osc52(&text).as_bytes()).and_then(|_| out.flush());
            }
            Msg::Exported(written)
        }
        Effect::FetchLogs { req, query } => Msg::LogsLoaded { req, result: provider.logs(&query).await },
        Effect::FetchHistory { req, from, to } => {
            let before = provider.api_spend().unwrap_or_default();
            let result = provider.history(from, to).await;
            let spent = provider.api_spend().map(|after| after.since(&before).summary());
            Msg::HistoryLoaded { req, result, spent }
        }
        Effect::FetchTimeline { req, from, to } => {
            Msg::TimelineLoaded { req, result: provider.timeline(from, to).await }
        }
        Effect::MouseCapture(on) => {
            Msg::MouseCapture(crate::terminal::mouse_capture(on).map(|_| on).map_err(|e| e.to_string()))
        }
        Effect::AppendNote { path, note } => Msg::NoteSaved(
            crate::apply::JsonLog::new(path.clone()).append_line(&note).map_err(|e| format!("{}: {e}", path.display())),
        ),
        Effect::PlanCache { req, request } => Msg::Planned { req, result: provider.plan_cache_resize(&request).await },
        Effect::Plan { req, request } => Msg::Planned { req, result: provider.plan_resize(&request).await },
        Effect::Apply { plan, audit } => {
            let result = provider.apply_resize(&plan).await;
            let entry = audit_entry(provider, &plan, &result);
            let audit = match audit {
                Some(path) => AuditLog::new(path).append(&entry).map(|_| entry).map_err(|e| e.to_string()),
                None => Err("no data directory for the audit log".into()),
            };
            Msg::Applied { result, audit }
        }
        Effect::CodeChange { req, plan, roots, deliver, audit } => {
            let print = deliver == crate::iac::change::Deliver::Print;
            let job = {
                let plan = plan.clone();
                move || crate::iac::change::code_change(&plan, &roots, &deliver)
            };
            let result = tokio::task::spawn_blocking(job).await.unwrap_or_else(|e| Err(e.to_string()));
            let audit = match (&result, print) {
                (Ok(change), false) => Some(code_audit(provider, &plan, change, audit)),
                _ => None,
            };
            Msg::CodeChanged { req, result, audit }
        }
        Effect::PlanAction { req, service, action } => {
            Msg::ActionPlanned { req, result: provider.plan_action(&service, action).await }
        }
        Effect::ApplyAction { plan, audit } => {
            let result = provider.apply_action(&plan).await;
            let (sent, outcome) = match &result {
                Ok(sent) if plan.dry_run => (sent.clone(), crate::apply::Outcome::DryRun),
                Ok(sent) => (sent.clone(), crate::apply::Outcome::Applied),
                Err(e) => (Vec::new(), crate::apply::Outcome::Failed(e.to_string())),
            };
            let entry = plan.audit_entry(chrono::Utc::now(), provider.caller(), sent, outcome);
            let audit = match audit {
                Some(path) => AuditLog::new(path).append(&entry).map(|_| entry).map_err(|e| e.to_string()),
                None => Err("no data directory for the audit log".into()),
            };
            Msg::ActionApplied { result, audit }
        }
        Effect::FetchTasks { req, service } => {
            let result = provider.tasks(&service).await;
            Msg::TasksLoaded { req, result, plugin: provider.exec_plugin() }
        }
        Effect::StartExec { request, audit } => {
            let result = provider.start_exec(&request).await;
            // A refused session is recorded too: ExecuteCommand was sent (or stopped before it).
            let audit = result.as_ref().err().map(|e| {
                let failed = crate::exec::Ended {
                    request: request.clone(),
                    session_id: String::new(),
                    exit: None,
                    seconds: 0,
                    error: Some(e.to_string()),
                };
                session_audit(provider, &failed, chrono::Utc::now(), audit)
            });
            Msg::ExecReady { request, result, audit }
        }
        // The driver hands the terminal over itself (it owns it); reaching here is a bug.
        Effect::HandOver { request, handoff, .. } => Msg::ExecEnded {
            ended: crate::exec::Ended {
                request,
                session_id: handoff.session_id().to_string(),
                exit: None,
                seconds: 0,
                error: Some("hand-over outside the driver".into()),
            },
            audit: Err("the session did not run".into()),
        },
        // The driver swaps providers itself (see `run_with_effects`); reaching here is a bug.
        Effect::Reconnect { .. } => Msg::ReconnectFailed(ProviderError::Other("reconnect outside the driver".into())),
    }
}

/// A change written to code, in the audit log: what, where, the commit if one was made.
fn code_audit(
    provider: &dyn Provider,
    plan: &crate::apply::ResizePlan,
    change: &crate::iac::change::CodeChange,
    audit: Option<std::path::PathBuf>,
) -> Result<AuditEntry, String> {
    let root = change.root.clone();
    let entry = AuditEntry {
        time: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0),
        caller: provider.caller(),
        target: plan.target.clone(),
        action: crate::apply::audit::CODE_CHANGE.into(),
        resource: plan.resource.clone(),
        identity: plan.identity.clone(),
        before: plan.before_label(),
        after: plan.after_label(),
        revision_before: plan.base_task_definition.clone(),
        revision_after: None,
        requests: change.written.iter().map(|f| format!("wrote {}", root.join(f).display())).collect(),
        result: crate::apply::Outcome::Applied,
        code: Some(crate::apply::audit::CodeRecord {
            root,
            files: change.written.clone(),
            branch: change.committed.as_ref().map(|c| c.branch.clone()),
            commit: change.committed.as_ref().map(|c| c.commit.clone()),
        }),
        session: None,
    };
    match audit {
        Some(path) => AuditLog::new(path).append(&entry).map(|_| entry).map_err(|e| e.to_string()),
        None => Err("no data directory for the audit log".into()),
    }
}

/// One shell session (or a refused one) in the audit log: who, where, when it began, how long.
fn session_audit(
    provider: &dyn Provider,
    ended: &crate::exec::Ended,
    began: chrono::DateTime<chrono::Utc>,
    audit: Option<std::path::PathBuf>,
) -> Result<AuditEntry, String> {
    let entry = crate::exec::audit_entry(ended, began, provider.caller(), provider.source().label);
    match audit {
        Some(path) => AuditLog::new(path).append(&entry).map(|_| entry).map_err(|e| e.to_string()),
        None => Err("no data directory for the audit log".into()),
    }
}

/// Start a forward in the background and record it in the audit log (who, where, to what).
fn start_forward(
    shared: &Arc<dyn Provider>,
    spec: crate::exec::forward::ForwardSpec,
    audit: Option<std::path::PathBuf>,
    tx: &UnboundedSender<Msg>,
) -> Msg {
    let opener = Arc::new(crate::provider::ForwardOpener { provider: Arc::clone(shared), spec: spec.clone() });
    let entry = crate::exec::forward_audit_entry(&spec, chrono::Utc::now(), shared.caller(), shared.source().label);
    let started = forwards().start(spec, opener);
    if started.is_ok()
        && let Some(path) = audit
        && let Err(e) = AuditLog::new(path).append(&entry)
    {
        tracing::warn!("a forward was not recorded in the audit log: {e}");
    }
    let _ = tx.send(Msg::Forwards(forwards().list()));
    Msg::ForwardStarted(started)
}

/// The port forwards of this process: they run in the background while the console is used,
/// and end (their sessions terminated) when it quits.
pub fn forwards() -> &'static crate::exec::forward::Forwards {
    static FORWARDS: std::sync::OnceLock<crate::exec::forward::Forwards> = std::sync::OnceLock::new();
    FORWARDS.get_or_init(crate::exec::forward::Forwards::new)
}

/// Shared between the driver, the input thread and the signal handlers while a shell session
/// has the terminal.
#[derive(Default)]
pub struct Gate {
    /// The input thread must stop reading (the child reads the keys).
    paused: std::sync::atomic::AtomicBool,
    /// The input thread has stopped: it reads nothing until `paused` is cleared.
    parked: std::sync::atomic::AtomicBool,
}

impl Gate {
    fn handed_over(&self) -> bool {
        self.paused.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Run a session with the terminal handed over whole, then take it back: the input thread
/// parked first (it would steal the child's keys), the screen restored and redrawn after.
/// Signals that quit infradeck are ignored meanwhile (Ctrl-C belongs to the session).
async fn hand_over(
    tui: &mut Tui,
    gate: &Gate,
    mouse: bool,
    provider: &dyn Provider,
    request: crate::exec::ExecRequest,
    handoff: crate::exec::Handoff,
    audit: Option<std::path::PathBuf>,
) -> Msg {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    gate.paused.store(true, Ordering::SeqCst);
    while !gate.parked.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = tui.backend_mut().flush();
    let began = chrono::Utc::now();
    let started = std::time::Instant::now();
    let session_id = handoff.session_id().to_string();
    let simulated = matches!(handoff, crate::exec::Handoff::Simulated(_));
    let ran = match crate::terminal::suspend(simulated) {
        Err(e) => Err(format!("could not hand the terminal over: {e}")),
        Ok(()) => {
            let job = move || -> Result<Option<i32>, String> {
                match handoff {
                    crate::exec::Handoff::Simulated(task) => {
                        crate::exec::simulated::run(&task, &mut io::stdout()).map(Some).map_err(|e| e.to_string())
                    }
                    crate::exec::Handoff::Plugin(run) => {
                        run.command().status().map(|s| s.code()).map_err(|e| format!("{}: {e}", run.program.display()))
                    }
                }
            };
            tokio::task::spawn_blocking(job).await.unwrap_or_else(|e| Err(e.to_string()))
        }
    };
    let resumed = crate::terminal::resume(mouse);
    let _ = tui.clear();
    gate.paused.store(false, Ordering::SeqCst);
    let (exit, mut error) = match ran {
        Ok(code) => (code, None),
        Err(e) => (None, Some(e)),
    };
    if let Err(e) = resumed {
        error.get_or_insert(format!("the terminal could not be taken back: {e}"));
    }
    let ended = crate::exec::Ended { request, session_id, exit, seconds: started.elapsed().as_secs(), error };
    tracing::info!(summary = %ended.summary(), "shell session ended");
    let audit = session_audit(provider, &ended, began, audit);
    Msg::ExecEnded { ended, audit }
}

/// What one apply, whatever its result, adds to the audit log.
fn audit_entry(
    provider: &dyn Provider,
    plan: &crate::apply::ResizePlan,
    result: &Result<crate::apply::ApplyOutcome, ProviderError>,
) -> AuditEntry {
    let (revision_after, requests, outcome) = match result {
        Ok(out) if plan.dry_run => (None, out.requests.clone(), crate::apply::Outcome::DryRun),
        Ok(out) => (Some(out.task_definition.clone()), out.requests.clone(), crate::apply::Outcome::Applied),
        Err(e) => (None, Vec::new(), crate::apply::Outcome::Failed(e.to_string())),
    };
    AuditEntry {
        code: None,
        session: None,
        time: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0),
        caller: provider.caller(),
        target: plan.target.clone(),
        action: plan.action().into(),
        resource: plan.resource.clone(),
        identity: plan.identity.clone(),
        before: plan.before_label(),
        after: plan.after_label(),
        revision_before: plan.base_task_definition.clone(),
        revision_after,
        requests,
        result: outcome,
    }
}

/// Run one effect on its own task; its result comes back as a message. A provider that panics
/// is reported as that pane's error instead of leaving it loading forever.
pub fn execute_effect(effect: Effect, provider: Arc<dyn Provider>, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let asked = effect.asked();
        let on_panic = effect.clone();
        let worker = provider.clone();
        let partials = tx.clone();
        let work = tokio::spawn(async move { perform(effect, &worker, &partials).await });
        let msg = match work.await {
            Ok(msg) => msg,
            Err(e) => {
                tracing::error!(?on_panic, "effect failed: {e}");
                on_panic.failed(ProviderError::Other(format!("internal error while fetching: {e}")))
            }
        };
        let _ = tx.send(msg); // the UI may have quit; nothing to do then
        for news in after_effect(provider.as_ref(), asked) {
            let _ = tx.send(news);
        }
    });
}

/// What the driver tells `update` after every effect, whatever it was: the meter (the budget is
/// debited by it) and the source as it is now (the account once STS answers after a degraded
/// start, an organization's slow account once it answers). The harness sends the same.
pub fn after_effect(provider: &dyn Provider, asked: bool) -> Vec<Msg> {
    let spend = provider.api_spend().map(|spend| Msg::ApiSpend { spend, asked });
    spend.into_iter().chain([Msg::SourceUpdated(provider.source())]).collect()
}

/// Connect to other profiles/regions off the UI loop; the new provider comes back on `swap`,
/// a failure as a message (the old provider stays).
fn reconnect(
    provider: Arc<dyn Provider>,
    profiles: Option<Vec<String>>,
    regions: Option<Vec<String>>,
    swap: UnboundedSender<Arc<dyn Provider>>,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        match provider.reconnect(profiles, regions).await {
            Ok(next) => {
                let _ = swap.send(next);
            }
            Err(e) => {
                let _ = tx.send(Msg::ReconnectFailed(e));
            }
        }
    });
}

/// Terminal input on a plain thread: crossterm's read blocks. If the terminal goes away (a read
/// error), the app quits rather than run on without input.
fn spawn_input(tx: UnboundedSender<Msg>, gate: Arc<Gate>) {
    use std::sync::atomic::Ordering;
    let spawned = std::thread::Builder::new().name("input".into()).spawn(move || {
        while !tx.is_closed() {
            // A shell session has the terminal: read nothing until it is back.
            if gate.paused.load(Ordering::SeqCst) {
                gate.parked.store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            gate.parked.store(false, Ordering::SeqCst);
            match event::poll(Duration::from_millis(200)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => break,
            }
            let msg = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(KeyChord::from_event(k)),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(Event::FocusGained) => Msg::Focus(true),
                Ok(Event::FocusLost) => Msg::Focus(false),
                Ok(Event::Mouse(m)) => {
                    use crate::app::msg::{Mouse, Pointer};
                    use ratatui::crossterm::event::{MouseButton, MouseEventKind};
                    let pointer = match m.kind {
                        MouseEventKind::Down(MouseButton::Left) => Pointer::Click,
                        MouseEventKind::ScrollUp => Pointer::WheelUp,
                        MouseEventKind::ScrollDown => Pointer::WheelDown,
                        _ => continue,
                    };
                    Msg::Mouse(Mouse { pointer, column: m.column, row: m.row })
                }
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
        let _ = tx.send(Msg::Quit);
    });
    if let Err(e) = spawned {
        tracing::error!("cannot start the input thread: {e}");
    }
}

fn spawn_ticks(tx: UnboundedSender<Msg>, provider: Arc<dyn Provider>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if tx.send(Msg::Tick(provider.now())).is_err() {
                break;
            }
        }
    });
}

#[cfg(unix)]
fn spawn_signals(tx: UnboundedSender<Msg>, gate: Arc<Gate>) -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [SignalKind::terminate(), SignalKind::hangup(), SignalKind::interrupt()] {
        let mut s = signal(kind)?;
        let tx = tx.clone();
        let gate = Arc::clone(&gate);
        tokio::spawn(async move {
            while s.recv().await.is_some() {
                // Ctrl-C in a shell session is the session's (the plugin forwards it).
                if gate.handed_over() {
                    tracing::info!(?kind, "signal during a shell session: left to the session");
                    continue;
                }
                tracing::info!(?kind, "signal: quitting");
                let _ = tx.send(Msg::Quit);
                break;
            }
        });
    }
    // Ctrl-\ and Ctrl-Z in a session reach the whole foreground group: caught here (and left
    // to the session) they can neither dump nor stop infradeck. In raw mode they are keys.
    for kind in [SignalKind::quit(), SignalKind::from_raw(libc::SIGTSTP)] {
        let mut s = signal(kind)?;
        tokio::spawn(async move {
            while s.recv().await.is_some() {
                tracing::info!(?kind, "signal ignored (a shell session's, or sent from outside)");
            }
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn spawn_signals(_tx: UnboundedSender<Msg>, _gate: Arc<Gate>) -> io::Result<()> {
    Ok(())
}

fn draw(tui: &mut Tui, state: &State, themes: &ThemeSet) -> io::Result<()> {
    // Synchronised output: the terminal shows the frame whole, so tmux never flickers.
    // Both markers go through the frame's buffer, so begin, frame and end leave in order.
    queue!(tui.backend_mut(), terminal::BeginSynchronizedUpdate)?;
    let drawn = tui.draw(|f| ui::render(f, state, themes.get(state.theme))).map(|_| ());
    execute!(tui.backend_mut(), terminal::EndSynchronizedUpdate)?;
    drawn
}

/// Run the app until it quits. `initial` are effects the first `update` already asked for.
pub async fn run_with_effects(
    mut tui: Tui,
    mut state: State,
    themes: ThemeSet,
    provider: Arc<dyn Provider>,
    initial: Vec<Effect>,
    exit_after: Option<ExitAfter>,
) -> color_eyre::Result<()> {
    let (tx, mut rx) = unbounded_channel::<Msg>();
    for effect in initial {
        execute_effect(effect, Arc::clone(&provider), tx.clone());
    }
    let gate = Arc::new(Gate::default());
    spawn_input(tx.clone(), Arc::clone(&gate));
    spawn_ticks(tx.clone(), Arc::clone(&provider));
    spawn_signals(tx.clone(), Arc::clone(&gate))?;
    let size = tui.size()?;
    tx.send(Msg::Resize(size.width, size.height))?;
    let (swap_tx, mut swap_rx) = unbounded_channel::<Arc<dyn Provider>>();
    let mut provider = provider;
    let mut frames: u64 = 0;
    loop {
        let msg = tokio::select! {
            msg = rx.recv() => match msg { Some(m) => m, None => break },
            // `:profile`/`:region` connected: later effects go to the new provider.
            Some(next) = swap_rx.recv() => {
                provider = next;
                Msg::SourceChanged(provider.source())
            }
        };
        let tick = matches!(msg, Msg::Tick(_));
        let mut effects = update(&mut state, msg);
        // Each second, the forwards as they stand (state, bytes) while there are any.
        if tick && (!state.forwards.is_empty() || forwards().running() > 0) {
            effects.extend(update(&mut state, Msg::Forwards(forwards().list())));
        }
        // Drain whatever else is queued, so a burst becomes one frame.
        while let Ok(msg) = rx.try_recv() {
            effects.extend(update(&mut state, msg));
        }
        for effect in effects {
            match effect {
                Effect::Reconnect { profiles, regions } => {
                    reconnect(Arc::clone(&provider), profiles, regions, swap_tx.clone(), tx.clone())
                }
                Effect::HandOver { request, handoff, audit } => {
                    let ended =
                        hand_over(&mut tui, &gate, state.mouse, provider.as_ref(), request, handoff, audit).await;
                    let size = tui.size()?;
                    let _ = tx.send(Msg::Resize(size.width, size.height));
                    let _ = tx.send(ended);
                    state.dirty = true;
                }
                effect => execute_effect(effect, Arc::clone(&provider), tx.clone()),
            }
        }
        if state.quit {
            break;
        }
        if state.dirty {
            draw(&mut tui, &state, &themes)?;
            state.dirty = false;
            frames += 1;
            // Every pane drawn with its whole first answer (not the first part of a load still
            // in flight: an organization's accounts arrive one after another).
            let loaded = crate::app::PaneId::ALL.iter().all(|p| state.has_data(*p) && !state.fetch(*p).partial);
            match exit_after {
                Some(ExitAfter::FirstFrame) => break,
                Some(ExitAfter::Loaded) if loaded => break,
                Some(ExitAfter::Panic) => panic!("deliberate panic after the first frame (--exit-after panic)"),
                Some(ExitAfter::Error) => {
                    return Err(color_eyre::eyre::eyre!("deliberate error after the first frame (--exit-after error)"));
                }
                _ => {}
            }
        }
    }
    // No forward outlives the console, and no session is left on an agent.
    if !forwards().list().is_empty() {
        forwards().stop_all().await;
    }
    // What was on screen when it quit: a measurement's "every pane loaded" is checked by it.
    let ecs_services = state.ecs.data.as_ref().map_or(0, |d| d.len());
    tracing::info!(frames, ecs_services, "quit");
    Ok(())
}
