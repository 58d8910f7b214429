//! A service's tasks and their containers, as the tasks view (`t`) shows them and as a shell or a
//! port forward is aimed at them. Providers fill these from DescribeTasks (AWS) or the simulated
//! fleet; nothing here holds a task definition's environment.

use super::{LaunchType, ResourceRef};
use chrono::{DateTime, Utc};

/// What the tasks view reads of one service: its running tasks, the last stopped ones, and what
/// an exec or a forward needs to know about the service itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceTasks {
    pub service: Option<ResourceRef>,
    /// `enableExecuteCommand` on the service (tasks started before it was switched on lack it).
    pub exec_on_service: bool,
    /// Running (and pending) tasks, oldest first.
    pub running: Vec<Task>,
    /// The last stopped tasks, newest first (ECS keeps them for about an hour).
    pub stopped: Vec<Task>,
    /// Actions on this service ask for the typed confirmation (a protected profile or account).
    pub protected: bool,
    /// Writes are refused here: a shell, a forward and every action are refused too.
    pub read_only: bool,
}

impl ServiceTasks {
    /// A task by id (or an id's prefix of at least 8 characters, as people type them).
    pub fn find(&self, id: &str) -> Option<&Task> {
        let all = || self.running.iter().chain(&self.stopped);
        all().find(|t| t.id == id).or_else(|| {
            let mut prefixed = all().filter(|t| id.len() >= 8 && t.id.starts_with(id));
            match (prefixed.next(), prefixed.next()) {
                (Some(t), None) => Some(t),
                _ => None,
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Task {
    pub id: String,
    pub arn: String,
    /// `family:revision` of its task definition.
    pub revision: String,
    pub launch_type: Option<LaunchType>,
    /// Fargate's platform version (`1.4.0`); None on EC2.
    pub platform_version: Option<String>,
    pub az: Option<String>,
    pub private_ip: Option<String>,
    /// RUNNING, PENDING, PROVISIONING, DEACTIVATING, STOPPED…
    pub last_status: String,
    pub desired_status: String,
    /// HEALTHY, UNHEALTHY or UNKNOWN (no health check).
    pub health: String,
    pub started_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// `stopCode` (EssentialContainerExited, TaskFailedToStart, SpotInterruption…).
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    /// Task-level reservation: CPU units and MiB.
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    /// What it uses now as % of its reservation (CPU, memory), where the source reports per-task
    /// usage (Container Insights); None elsewhere.
    pub usage: Option<(f32, f32)>,
    /// Started with `enableExecuteCommand`.
    pub exec_enabled: bool,
    pub containers: Vec<TaskContainer>,
}

impl Task {
    pub fn is_running(&self) -> bool {
        self.last_status == "RUNNING"
    }

    /// The 12 characters people recognise a task by.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }

    /// A container by name; with no name, the only one, or the first essential app container
    /// (not an agent sidecar) when there are several.
    pub fn container(&self, name: Option<&str>) -> Option<&TaskContainer> {
        match name {
            Some(n) => self.containers.iter().find(|c| c.name == n),
            None if self.containers.len() == 1 => self.containers.first(),
            None => self.containers.iter().find(|c| c.essential && !c.sidecar).or_else(|| self.containers.first()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskContainer {
    pub name: String,
    /// The image as the task definition names it (registry/repository:tag).
    pub image: String,
    pub last_status: String,
    /// HEALTHY, UNHEALTHY, UNKNOWN.
    pub health: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
    /// Docker's id for it: what an exec's target names (`ecs:cluster_task_runtimeId`).
    pub runtime_id: Option<String>,
    pub cpu: Option<u32>,
    pub memory: Option<u32>,
    /// The ExecuteCommandAgent's lastStatus (RUNNING, PENDING, STOPPED); None: no agent (the
    /// task was not started with exec enabled).
    pub exec_agent: Option<String>,
    pub essential: bool,
    /// A known agent (log router, tracing, service mesh): not where people want a shell first.
    pub sidecar: bool,
    /// Container ports from the task definition's port mappings (what a forward can reach).
    pub ports: Vec<u16>,
    /// `readonlyRootFilesystem`: the exec agent cannot start in it.
    pub read_only_root: bool,
}
