//! What fails most often with ECS Exec, checked before anything is sent and said in words (the
//! checks amazon-ecs-exec-checker makes, from what DescribeTasks and the service already told
//! us), and AWS's own refusals explained the same way.

use crate::domain::{LaunchType, ServiceTasks, Task, TaskContainer};

/// Whether the session-manager-plugin is there to hand the session to.
#[derive(Debug, Clone, PartialEq)]
pub enum PluginState {
    Found(std::path::PathBuf),
    Missing,
    /// Found but it did not answer as the plugin does (its message).
    Broken(String),
    /// The demo fleet's simulated shell needs no plugin.
    NotNeeded,
}

/// Why a shell cannot be opened: a title and what to do, line by line.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub title: String,
    pub fix: Vec<String>,
}

impl Refusal {
    fn new(title: impl Into<String>, fix: &[&str]) -> Refusal {
        Refusal { title: title.into(), fix: fix.iter().map(|s| s.to_string()).collect() }
    }

    /// One line for a status bar or a CLI error: the title, then the first fix.
    pub fn line(&self) -> String {
        match self.fix.first() {
            Some(f) => format!("{}: {f}", self.title),
            None => self.title.clone(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.title)?;
        for line in &self.fix {
            write!(f, "\n  - {line}")?;
        }
        Ok(())
    }
}

pub const INSTALL_PLUGIN: &str = "install the AWS Session Manager plugin: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html (macOS: brew install --cask session-manager-plugin)";

/// The task and container a shell would open in, or why it cannot. Nothing is sent to AWS
/// before this passes.
pub fn check<'a>(
    tasks: &'a ServiceTasks,
    task: &str,
    container: Option<&str>,
    plugin: &PluginState,
) -> Result<(&'a Task, &'a TaskContainer), Refusal> {
    if tasks.read_only {
        return Err(Refusal::new(
            "read-only: a shell is refused here",
            &[
                "ECS Exec sends ecs:ExecuteCommand, a write; start without --read-only (and without read_only for this profile in the config)",
            ],
        ));
    }
    match plugin {
        PluginState::Missing => {
            return Err(Refusal::new("session-manager-plugin is not installed (not on PATH)", &[INSTALL_PLUGIN]));
        }
        PluginState::Broken(why) => {
            return Err(Refusal {
                title: format!("session-manager-plugin did not answer as the plugin does: {why}"),
                fix: vec![INSTALL_PLUGIN.into()],
            });
        }
        PluginState::Found(_) | PluginState::NotNeeded => {}
    }
    let Some(t) = tasks.find(task) else {
        return Err(Refusal {
            title: format!("no task {task} in this service"),
            fix: vec!["it may have stopped: press r in the tasks view to read them again".into()],
        });
    };
    if !t.is_running() {
        return Err(Refusal {
            title: format!("task {} is {}: a shell needs a RUNNING task", t.short_id(), t.last_status),
            fix: vec!["pick a running task".into()],
        });
    }
    let Some(c) = t.container(container) else {
        let names: Vec<&str> = t.containers.iter().map(|c| c.name.as_str()).collect();
        return Err(Refusal {
            title: format!("task {} has no container {}", t.short_id(), container.unwrap_or("to pick")),
            fix: vec![format!("its containers: {}", names.join(", "))],
        });
    };
    if !t.exec_enabled {
        return Err(if tasks.exec_on_service {
            Refusal {
                title: format!("task {} started before ECS Exec was enabled on the service", t.short_id()),
                fix: vec![
                    "only tasks started after enableExecuteCommand was set get the exec agent".into(),
                    "restart the service (force a new deployment) so its tasks are replaced".into(),
                ],
            }
        } else {
            Refusal::new(
                "ECS Exec is not enabled on this service",
                &[
                    "enable it (UpdateService enableExecuteCommand=true: the `E` action in the tasks view), then restart it: only new tasks get the agent",
                    "the task role also needs ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel",
                ],
            )
        });
    }
    if t.launch_type == Some(LaunchType::Fargate)
        && let Some(v) = &t.platform_version
        && older_than_1_4(v)
    {
        return Err(Refusal {
            title: format!("task {} runs Fargate platform {v}: ECS Exec needs 1.4.0 or later", t.short_id()),
            fix: vec!["set the service's platformVersion to LATEST (or 1.4.0) and restart it".into()],
        });
    }
    if c.read_only_root {
        return Err(Refusal {
            title: format!("container {} has a read-only root filesystem: the exec agent cannot run in it", c.name),
            fix: vec!["ECS Exec needs readonlyRootFilesystem false on the container".into()],
        });
    }
    match c.exec_agent.as_deref() {
        Some("RUNNING") => Ok((t, c)),
        status => Err(Refusal {
            title: format!(
                "the ExecuteCommandAgent in {} is {}",
                c.name,
                status.map_or("absent".to_string(), |s| s.to_string())
            ),
            fix: vec![
                "wait a few seconds after the task starts (PENDING), or restart the task".into(),
                "STOPPED usually means it cannot reach SSM: the task role's ssmmessages:* permissions, or a VPC with interface endpoints but none for ssmmessages".into(),
            ],
        }),
    }
}

/// Fargate platform versions are `1.3.0`, `1.4.0`, `LATEST`: anything before 1.4 lacks exec.
fn older_than_1_4(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor) < (1, 4),
        _ => false,
    }
}

/// AWS's refusal of ExecuteCommand, explained (its error text in `error`).
pub fn explain_error(error: &crate::common::error::ProviderError) -> Refusal {
    use crate::common::error::ProviderError;
    let text = error.to_string();
    if matches!(error, ProviderError::AccessDenied { .. }) || text.contains("AccessDenied") {
        return Refusal {
            title: format!("AWS refused the shell: {text}"),
            fix: vec![
                "your role needs ecs:ExecuteCommand on the task (iam/apply.json has it scoped to the cluster)".into(),
                "and kms:GenerateDataKey when the cluster's exec configuration names a KMS key".into(),
            ],
        };
    }
    if text.contains("TargetNotConnected") {
        return Refusal {
            title: format!("the task's exec agent is not connected: {text}"),
            fix: vec![
                "the task role needs ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel".into(),
                "a VPC that uses interface endpoints needs one for ssmmessages (com.amazonaws.REGION.ssmmessages)".into(),
                "AWS keys in the container's environment override the task role".into(),
            ],
        };
    }
    if text.contains("not enabled") || text.contains("InvalidParameter") {
        return Refusal {
            title: format!("AWS refused the shell: {text}"),
            fix: vec![
                "only tasks started with enableExecuteCommand have the agent: enable it on the service and restart it"
                    .into(),
            ],
        };
    }
    Refusal { title: format!("the shell could not be opened: {text}"), fix: vec![error.hint()] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::error::ProviderError;

    fn container(agent: Option<&str>) -> TaskContainer {
        TaskContainer {
            name: "app".into(),
            last_status: "RUNNING".into(),
            runtime_id: Some("abc-123".into()),
            exec_agent: agent.map(str::to_string),
            essential: true,
            ..Default::default()
        }
    }

    fn tasks(task: Task) -> ServiceTasks {
        ServiceTasks { exec_on_service: true, running: vec![task], ..Default::default() }
    }

    fn running() -> Task {
        Task {
            id: "3f2a9c1b7d4e4f00aa".into(),
            last_status: "RUNNING".into(),
            launch_type: Some(LaunchType::Fargate),
            platform_version: Some("1.4.0".into()),
            exec_enabled: true,
            containers: vec![container(Some("RUNNING"))],
            ..Default::default()
        }
    }

    fn refused(t: ServiceTasks, plugin: PluginState) -> Refusal {
        check(&t, "3f2a9c1b7d4e4f00aa", None, &plugin).expect_err("refused")
    }

    const PLUGIN: fn() -> PluginState = || PluginState::Found("/usr/bin/session-manager-plugin".into());

    #[test]
    fn a_ready_task_passes_and_a_prefix_finds_it() {
        let t = tasks(running());
        let (task, c) = check(&t, "3f2a9c1b", None, &PLUGIN()).expect("ready");
        assert_eq!((task.id.as_str(), c.name.as_str()), ("3f2a9c1b7d4e4f00aa", "app"));
    }

    #[test]
    fn each_usual_failure_is_said_with_what_to_do() {
        let ro = ServiceTasks { read_only: true, ..tasks(running()) };
        assert!(refused(ro, PLUGIN()).title.starts_with("read-only"));

        let r = refused(tasks(running()), PluginState::Missing);
        assert!(
            r.title.contains("not installed") && r.fix[0].contains("session-manager-working-with-install-plugin"),
            "{r}"
        );

        let stopped = Task { last_status: "STOPPED".into(), ..running() };
        assert!(refused(tasks(stopped), PLUGIN()).title.contains("is STOPPED: a shell needs a RUNNING task"));

        let old = Task { exec_enabled: false, ..running() };
        let r = refused(tasks(old.clone()), PLUGIN());
        assert!(r.title.contains("started before ECS Exec was enabled") && r.fix[1].contains("restart"), "{r}");
        let off = ServiceTasks { exec_on_service: false, ..tasks(old) };
        let r = refused(off, PLUGIN());
        assert!(r.title.contains("not enabled on this service") && r.fix[0].contains("only new tasks"), "{r}");

        let platform = Task { platform_version: Some("1.3.0".into()), ..running() };
        assert!(refused(tasks(platform), PLUGIN()).title.contains("Fargate platform 1.3.0: ECS Exec needs 1.4.0"));
        let latest = Task { platform_version: Some("LATEST".into()), ..running() };
        assert!(check(&tasks(latest), "3f2a9c1b7d4e4f00aa", None, &PLUGIN()).is_ok());

        let agent = Task { containers: vec![container(Some("STOPPED"))], ..running() };
        let r = refused(tasks(agent), PLUGIN());
        assert!(r.title.contains("ExecuteCommandAgent in app is STOPPED") && r.fix[1].contains("ssmmessages"), "{r}");

        let ro_root = Task {
            containers: vec![TaskContainer { read_only_root: true, ..container(Some("RUNNING")) }],
            ..running()
        };
        assert!(refused(tasks(ro_root), PLUGIN()).title.contains("read-only root filesystem"));

        let r =
            check(&tasks(running()), "3f2a9c1b7d4e4f00aa", Some("envoy"), &PLUGIN()).expect_err("no such container");
        assert!(r.title.contains("no container envoy") && r.fix[0].contains("app"), "{r}");
    }

    #[test]
    fn awss_refusals_are_explained() {
        let e = ProviderError::Other("ecs:ExecuteCommand: TargetNotConnectedException: The execute command failed due to an internal error. Try again later.".into());
        let r = explain_error(&e);
        assert!(r.title.contains("not connected") && r.fix.iter().any(|f| f.contains("ssmmessages")), "{r}");
        let r = explain_error(&ProviderError::AccessDenied { operation: "ecs:ExecuteCommand".into() });
        assert!(r.fix.iter().any(|f| f.contains("kms:GenerateDataKey")), "{r}");
        let e = ProviderError::Other("ecs:ExecuteCommand: InvalidParameterException: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running.".into());
        assert!(explain_error(&e).fix[0].contains("enableExecuteCommand"));
    }
}
