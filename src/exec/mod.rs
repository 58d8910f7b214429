//! A shell in a container (ECS Exec): what is asked, the checks that explain the usual failures
//! before anything is sent, and the hand-off to the AWS `session-manager-plugin` (or, on the demo
//! fleet, a simulated shell). The terminal hand-over itself is the driver's (`runtime`) and the
//! CLI's; this module only says what to run.

pub mod forward;
pub mod plugin;
pub mod preflight;
pub mod simulated;

use crate::domain::ResourceRef;
use std::fmt;

/// The command a shell runs when none is configured for the service.
pub const DEFAULT_COMMAND: &str = "/bin/sh";

/// A shell asked for: which service's task and container, and the command to run there.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecRequest {
    pub service: ResourceRef,
    pub task: String,
    pub container: String,
    /// The container's runtime id (DescribeTasks), which the session's target names.
    pub runtime_id: String,
    pub command: String,
    /// The session-manager-plugin to hand the session to (None on the demo fleet).
    pub plugin: Option<std::path::PathBuf>,
}

/// A value that must never be shown or logged (a session token): Debug prints a placeholder and
/// there is no Display; only the plugin's environment gets the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place it goes (the plugin's environment).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The session AWS opened (ExecuteCommand's `session`, or StartSession's answer).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub session_id: String,
    pub stream_url: String,
    pub token: Secret,
}

impl Session {
    /// The session as the plugin reads it: the JSON object ExecuteCommand returned.
    pub fn plugin_json(&self) -> Secret {
        Secret::new(
            serde_json::json!({
                "sessionId": self.session_id,
                "streamUrl": self.stream_url,
                "tokenValue": self.token.expose(),
            })
            .to_string(),
        )
    }
}

/// What takes over the terminal once AWS has opened a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Handoff {
    /// The AWS session-manager-plugin, run as the AWS CLI runs it.
    Plugin(plugin::PluginRun),
    /// The demo fleet's stand-in: a small shell that answers as the task would.
    Simulated(simulated::SimulatedTask),
}

impl Handoff {
    pub fn session_id(&self) -> &str {
        match self {
            Handoff::Plugin(p) => &p.session_id,
            Handoff::Simulated(s) => &s.session_id,
        }
    }
}

/// How a session ended, for the status line and the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    pub request: ExecRequest,
    pub session_id: String,
    /// The plugin's (or the simulated shell's) exit status; None when it could not start.
    pub exit: Option<i32>,
    pub seconds: u64,
    /// Why it could not start or ended badly.
    pub error: Option<String>,
}

impl Ended {
    /// "shell in orders/3f2a9c1b7d4e (app) ended after 42 s, exit 0".
    pub fn summary(&self) -> String {
        let task = &self.request.task[..self.request.task.len().min(12)];
        let what = format!("shell in {task} ({})", self.request.container);
        match (&self.error, self.exit) {
            (Some(e), _) => format!("{what} failed: {e}"),
            (None, Some(code)) => format!("{what} ended after {} s, exit {code}", self.seconds),
            (None, None) => format!("{what} ended after {} s", self.seconds),
        }
    }
}

/// The command a shell runs, per service (`[exec]` in the config): `command` for every service,
/// `[exec.services]` by `cluster/service` or the service's name alone.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commands {
    #[serde(default)]
    pub command: Option<String>,
    #[serde(default)]
    pub services: std::collections::BTreeMap<String, String>,
}

impl Commands {
    pub fn for_service(&self, cluster: &str, service: &str) -> String {
        // A multi-account cluster name carries its target (`prod@eu-west-1:core`): match its end.
        let bare = cluster.rsplit(':').next().unwrap_or(cluster);
        [format!("{cluster}/{service}"), format!("{bare}/{service}"), service.to_string()]
            .iter()
            .find_map(|k| self.services.get(k))
            .or(self.command.as_ref())
            .cloned()
            .unwrap_or_else(|| DEFAULT_COMMAND.to_string())
    }
}

/// The audit log's entry for a shell session (or one AWS refused): who, where, when it began,
/// how long it lasted and how it ended. Nothing of what was typed.
pub fn audit_entry(
    ended: &Ended,
    began: chrono::DateTime<chrono::Utc>,
    caller: String,
    target: String,
) -> crate::apply::AuditEntry {
    let r = &ended.request;
    crate::apply::AuditEntry {
        time: chrono::SubsecRound::trunc_subsecs(began, 0),
        caller,
        target,
        action: crate::apply::audit::SHELL.into(),
        resource: r.service.clone(),
        identity: None,
        before: String::new(),
        after: String::new(),
        revision_before: String::new(),
        revision_after: None,
        requests: vec![format!(
            "ecs:ExecuteCommand task={} container={} command={:?} interactive=true",
            r.task, r.container, r.command
        )],
        result: match &ended.error {
            Some(e) => crate::apply::Outcome::Failed(e.clone()),
            None => crate::apply::Outcome::Applied,
        },
        code: None,
        session: Some(crate::apply::audit::SessionRecord {
            task: r.task.clone(),
            container: r.container.clone(),
            command: r.command.clone(),
            session_id: ended.session_id.clone(),
            seconds: ended.seconds,
            exit: ended.exit,
        }),
    }
}

/// The audit log's entry for a port forward started: who, where, through which task to what.
pub fn forward_audit_entry(
    spec: &forward::ForwardSpec,
    began: chrono::DateTime<chrono::Utc>,
    caller: String,
    target: String,
) -> crate::apply::AuditEntry {
    let reaches = match &spec.reach {
        forward::Reach::Container { port } => format!("portNumber={port}"),
        forward::Reach::RemoteHost { host, port } => format!("host={host} portNumber={port}"),
    };
    crate::apply::AuditEntry {
        time: chrono::SubsecRound::trunc_subsecs(began, 0),
        caller,
        target,
        action: "port forward".into(),
        resource: spec.service.clone(),
        identity: None,
        before: String::new(),
        after: format!("127.0.0.1:{} → {}", spec.local_port, spec.label),
        revision_before: String::new(),
        revision_after: None,
        requests: vec![format!(
            "ssm:StartSession target={} document={} {reaches} localPortNumber={}",
            spec.target(),
            spec.document(),
            spec.local_port
        )],
        result: crate::apply::Outcome::Applied,
        code: None,
        session: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_can_be_set_per_service() {
        let c: Commands = toml::from_str(
            r#"command = "/bin/bash"
               [services]
               "prod-core/orders" = "/usr/bin/zsh"
               payments = "sh -l""#,
        )
        .unwrap();
        assert_eq!(c.for_service("prod-core", "orders"), "/usr/bin/zsh");
        assert_eq!(c.for_service("prod@eu-west-1:prod-core", "orders"), "/usr/bin/zsh");
        assert_eq!(c.for_service("other", "payments"), "sh -l");
        assert_eq!(c.for_service("other", "web"), "/bin/bash");
        assert_eq!(Commands::default().for_service("c", "s"), DEFAULT_COMMAND);
        assert!(toml::from_str::<Commands>("shell = 1").is_err(), "unknown keys are errors");
    }

    #[test]
    fn a_session_never_prints_its_token() {
        let s = Session { session_id: "id".into(), stream_url: "wss://x".into(), token: Secret::new("tok-123") };
        assert!(!format!("{s:?}").contains("tok-123"));
        assert!(!format!("{:?}", s.plugin_json()).contains("tok-123"));
        assert!(s.plugin_json().expose().contains("tok-123"));
    }
}
