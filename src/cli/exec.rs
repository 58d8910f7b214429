//! `infradeck exec CLUSTER/SERVICE [--task ID] [--container NAME] [-- COMMAND…]`: a shell in a
//! container from a shell, as the TUI's `x` opens one: the same checks (said in words), the same
//! typed confirmation on a protected profile, the same hand-off to the session-manager-plugin
//! (or the demo's simulated shell), the same audit entry. Runs in the foreground until the
//! session ends; its exit status is the session's.

use crate::domain::ResourceRef;
use crate::exec::preflight::{self, PluginState};
use crate::exec::{Commands, Ended, ExecRequest, Handoff};
use crate::provider::Provider;
use std::io::{BufRead, IsTerminal, Write};

/// What was asked on the command line.
#[derive(Debug, Clone, Default)]
pub struct ExecArgs {
    pub service: String,
    pub task: Option<String>,
    pub container: Option<String>,
    /// Empty: the configured command (`[exec]`), else `/bin/sh`.
    pub command: Vec<String>,
}

pub use crate::provider::hands::{default_task, service_ref};

/// Check, confirm, open and run the session; the exit status to leave with, or why not.
pub async fn exec(
    provider: &dyn Provider,
    commands: &Commands,
    args: &ExecArgs,
    audit: Option<std::path::PathBuf>,
) -> Result<i32, String> {
    let service = service_ref(&args.service)?;
    let tasks = provider
        .tasks(&service)
        .await
        .map_err(|e| format!("cannot read the tasks of {}: {e} ({})", args.service, e.hint()))?;
    let task = match &args.task {
        Some(id) => id.clone(),
        None => {
            default_task(&tasks).map(|t| t.id.clone()).ok_or_else(|| format!("{} has no running task", args.service))?
        }
    };
    let plugin = provider.exec_plugin();
    let (task, container) =
        preflight::check(&tasks, &task, args.container.as_deref(), &plugin).map_err(|r| r.to_string())?;
    let ResourceRef::EcsService { cluster, service: name } = &service else { unreachable!("service_ref") };
    let request = ExecRequest {
        service: service.clone(),
        task: task.id.clone(),
        container: container.name.clone(),
        runtime_id: container.runtime_id.clone().unwrap_or_default(),
        command: if args.command.is_empty() { commands.for_service(cluster, name) } else { args.command.join(" ") },
        plugin: match plugin {
            PluginState::Found(p) => Some(p),
            _ => None,
        },
    };
    if tasks.protected {
        confirm(name)?;
    }
    let began = chrono::Utc::now();
    let record = |ended: &Ended| {
        let entry = crate::exec::audit_entry(ended, began, provider.caller(), provider.source().label);
        match &audit {
            Some(path) => crate::apply::AuditLog::new(path.clone()).append(&entry).map_err(|e| e.to_string()),
            None => Err("no data directory for the audit log".into()),
        }
    };
    let handoff = match provider.start_exec(&request).await {
        Ok(h) => h,
        Err(e) => {
            let refusal = preflight::explain_error(&e);
            let ended =
                Ended { request, session_id: String::new(), exit: None, seconds: 0, error: Some(e.to_string()) };
            let _ = record(&ended);
            return Err(refusal.to_string());
        }
    };
    eprintln!(
        "infradeck: a shell in {} task {} container {} ({})",
        args.service,
        task.short_id(),
        container.name,
        request.command
    );
    let started = std::time::Instant::now();
    let session_id = handoff.session_id().to_string();
    let ran = run(handoff).await;
    let (exit, error) = match ran {
        Ok(code) => (code, None),
        Err(e) => (None, Some(e)),
    };
    let ended = Ended { request, session_id, exit, seconds: started.elapsed().as_secs(), error };
    if let Err(e) = record(&ended) {
        eprintln!("infradeck: AUDIT LOG NOT WRITTEN: {e}");
    }
    eprintln!("infradeck: {}", ended.summary());
    match ended.error {
        Some(e) => Err(e),
        None => Ok(ended.exit.unwrap_or(1)),
    }
}

/// Run the session in the foreground. Ctrl-C, Ctrl-\ and Ctrl-Z are the session's (caught and
/// ignored here, as the AWS CLI does); the demo's shell runs in raw mode and is restored after.
async fn run(handoff: Handoff) -> Result<Option<i32>, String> {
    crate::terminal::ignore_session_signals().map_err(|e| e.to_string())?;
    let job = move || -> Result<Option<i32>, String> {
        match handoff {
            Handoff::Plugin(run) => {
                run.command().status().map(|s| s.code()).map_err(|e| format!("{}: {e}", run.program.display()))
            }
            Handoff::Simulated(task) => {
                use ratatui::crossterm::terminal;
                terminal::enable_raw_mode().map_err(|e| e.to_string())?;
                let ran = crate::exec::simulated::run(&task, &mut std::io::stdout());
                let _ = terminal::disable_raw_mode();
                ran.map(Some).map_err(|e| e.to_string())
            }
        }
    };
    tokio::task::spawn_blocking(job).await.map_err(|e| e.to_string())?
}

/// A protected profile: the service's name typed on the terminal, or no shell.
fn confirm(service: &str) -> Result<(), String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!("{service} is on a protected profile: run `infradeck exec` from a terminal to confirm it"));
    }
    eprint!("protected profile: type {service} to open the shell: ");
    let _ = std::io::stderr().flush();
    let mut typed = String::new();
    std::io::stdin().lock().read_line(&mut typed).map_err(|e| e.to_string())?;
    if typed.trim() == service { Ok(()) } else { Err("not confirmed: no shell opened".into()) }
}
