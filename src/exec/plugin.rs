//! The AWS session-manager-plugin, run as the AWS CLI runs it (awscli's `ecs execute-command`
//! and `ssm start-session`): checked by running it without arguments, then given the session,
//! the region, `StartSession`, the profile, the target and the endpoint. The session (with its
//! token) goes through the environment variable the plugin reads, never on the command line
//! where `ps` would show it.

use super::{Secret, Session};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The plugin's executable name.
pub const PROGRAM: &str = "session-manager-plugin";
/// The variable the plugin (after 1.2.497.0) reads the session from when its first argument
/// names it.
pub const SESSION_VAR: &str = "AWS_SSM_START_SESSION_RESPONSE";

/// The plugin on PATH, if there is one.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(PROGRAM)).find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Whether the plugin is installed and answers (run with no arguments it says so and exits 0,
/// the check the AWS CLI makes before it calls ExecuteCommand).
pub fn state() -> super::preflight::PluginState {
    use super::preflight::PluginState;
    let Some(path) = find() else { return PluginState::Missing };
    match Command::new(&path).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(s) if s.success() => PluginState::Found(path),
        Ok(s) => PluginState::Broken(format!("{} exited with {s}", path.display())),
        Err(e) => PluginState::Broken(format!("{}: {e}", path.display())),
    }
}

/// One run of the plugin: everything it is given. Debug never shows the session (`Secret`).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginRun {
    pub program: PathBuf,
    pub session_id: String,
    /// The session JSON, for [`SESSION_VAR`].
    pub session: Secret,
    pub region: String,
    /// The profile the plugin reads credentials from (for its own calls); "" for the default.
    pub profile: String,
    /// The parameters JSON: `{"Target": "ecs:…"}` for a shell, the StartSession request for a
    /// port forward.
    pub parameters: String,
    /// The endpoint of the service that opened the session (ECS for a shell, SSM for a forward).
    pub endpoint: String,
}

impl PluginRun {
    /// A shell's run: the target `ecs:<cluster>_<task id>_<container runtime id>`.
    pub fn shell(
        program: PathBuf,
        session: &Session,
        region: &str,
        profile: Option<&str>,
        target: &str,
        endpoint: &str,
    ) -> PluginRun {
        PluginRun {
            program,
            session_id: session.session_id.clone(),
            session: session.plugin_json(),
            region: region.to_string(),
            profile: profile.unwrap_or("").to_string(),
            parameters: serde_json::json!({ "Target": target }).to_string(),
            endpoint: endpoint.to_string(),
        }
    }

    /// A port forward's run (awscli's `ssm start-session`): the session as SSM's StartSession
    /// answered it (`SessionId`, `TokenValue`, `StreamUrl`, the keys the CLI passes), and the
    /// whole StartSession request (target, document, parameters) as the parameters argument.
    pub fn forward(
        program: PathBuf,
        session: &Session,
        region: &str,
        profile: Option<&str>,
        request: &serde_json::Value,
        endpoint: &str,
    ) -> PluginRun {
        PluginRun {
            program,
            session_id: session.session_id.clone(),
            session: Secret::new(
                serde_json::json!({
                    "SessionId": session.session_id,
                    "TokenValue": session.token.expose(),
                    "StreamUrl": session.stream_url,
                })
                .to_string(),
            ),
            region: region.to_string(),
            profile: profile.unwrap_or("").to_string(),
            parameters: request.to_string(),
            endpoint: endpoint.to_string(),
        }
    }

    /// The arguments, in the AWS CLI's order; the first names the variable holding the session.
    pub fn args(&self) -> Vec<String> {
        vec![
            SESSION_VAR.into(),
            self.region.clone(),
            "StartSession".into(),
            self.profile.clone(),
            self.parameters.clone(),
            self.endpoint.clone(),
        ]
    }

    /// The command, ready to run with whatever stdio the caller gives it.
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(self.args()).env(SESSION_VAR, self.session.expose());
        c
    }
}

/// The ECS endpoint the plugin is told (the AWS CLI passes the client's): the override when
/// there is one, else the region's.
pub fn ecs_endpoint(region: &str, endpoint_override: Option<&str>) -> String {
    endpoint_override.map_or_else(|| format!("https://ecs.{region}.amazonaws.com"), str::to_string)
}

/// The SSM endpoint the plugin is told for a port forward: the override when there is one, else
/// the region's.
pub fn ssm_endpoint(region: &str, endpoint_override: Option<&str>) -> String {
    endpoint_override.map_or_else(|| format!("https://ssm.{region}.amazonaws.com"), str::to_string)
}

/// `ecs:<cluster name>_<task id>_<container runtime id>`.
pub fn target(cluster: &str, task_id: &str, runtime_id: &str) -> String {
    format!("ecs:{cluster}_{task_id}_{runtime_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_goes_through_the_environment_never_the_arguments() {
        let session = Session {
            session_id: "ecs-execute-command-0a1b".into(),
            stream_url: "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/ecs-execute-command-0a1b".into(),
            token: Secret::new("AAEAAXsecrettoken"),
        };
        let run = PluginRun::shell(
            "/usr/local/bin/session-manager-plugin".into(),
            &session,
            "eu-west-1",
            Some("prod"),
            &target("prod-core", "3f2a9c1b7d4e4f00", "3f2a9c1b7d4e4f00-1234567890"),
            &ecs_endpoint("eu-west-1", None),
        );
        let args = run.args();
        assert_eq!(
            args,
            [
                "AWS_SSM_START_SESSION_RESPONSE",
                "eu-west-1",
                "StartSession",
                "prod",
                r#"{"Target":"ecs:prod-core_3f2a9c1b7d4e4f00_3f2a9c1b7d4e4f00-1234567890"}"#,
                "https://ecs.eu-west-1.amazonaws.com",
            ]
        );
        assert!(args.iter().all(|a| !a.contains("secrettoken")));
        assert!(!format!("{run:?}").contains("secrettoken"), "Debug must not show the token");
        let cmd = run.command();
        let env: Vec<_> = cmd.get_envs().collect();
        let (_, value) = env.iter().find(|(k, _)| *k == SESSION_VAR).expect("the session variable");
        let parsed: serde_json::Value = serde_json::from_str(value.unwrap().to_str().unwrap()).unwrap();
        assert_eq!(parsed["tokenValue"], "AAEAAXsecrettoken");
        assert_eq!(parsed["sessionId"], "ecs-execute-command-0a1b");
    }
}
