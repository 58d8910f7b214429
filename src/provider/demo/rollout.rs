//! Deployments on the demo fleet: after an apply, the new revision's tasks start over a few
//! seconds of wall time; some fail (tasks that keep exiting), and ECS's circuit breaker puts
//! the service back on the revision it came from — so the watch in the pane has something real
//! to show.

use super::DemoProvider;
use super::noise::unit;
use crate::domain::{Container, Deployment, EcsService, Rollout};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct DemoRollout {
    pub started: Instant,
    /// `family:revision` being deployed.
    pub to: String,
    pub desired: u32,
    /// Where the circuit breaker returns to: (revision, cpu, memory, containers).
    pub from: (u32, u32, u32, Vec<Container>),
    pub fails: bool,
    /// The failure has been acted on (the service rolled back).
    pub settled: bool,
}

/// How long a finished deployment stays on screen.
const SHOW_FINISHED: Duration = Duration::from_secs(60);

/// Whether deploys of this service fail: about one service in twelve has an image that keeps
/// exiting, and any size below what its busiest task already uses cannot start.
pub fn deploy_fails(key: u64, new_memory: u32, peak_memory_mib: f32) -> bool {
    unit(key ^ 0xDE, 0) < 0.08 || (new_memory as f32) < peak_memory_mib
}

impl DemoProvider {
    /// How long a demo deployment takes (tests use zero).
    pub fn with_rollout_time(mut self, d: Duration) -> Self {
        self.rollout_time = d;
        self
    }

    pub(super) fn start_rollout(&self, key: String, rollout: DemoRollout) {
        self.rollouts.lock().unwrap_or_else(|e| e.into_inner()).insert(key, rollout);
    }

    /// Put each rolling service's deployment on its row; act on finished failures.
    pub(super) fn annotate_rollouts(&self, rows: &mut [EcsService]) {
        let mut rollouts = self.rollouts.lock().unwrap_or_else(|e| e.into_inner());
        let total = self.rollout_time.as_secs_f32();
        let mut revert = Vec::new();
        rollouts.retain(|key, r| {
            let elapsed = r.started.elapsed();
            let progress = if total <= 0.0 { 1.0 } else { (elapsed.as_secs_f32() / total).min(1.0) };
            let done = progress >= 1.0;
            if done && elapsed.saturating_sub(self.rollout_time) > SHOW_FINISHED {
                return false;
            }
            let started = ((r.desired as f32) * progress).floor() as u32;
            let (rollout, running, failed, reason) = match (done, r.fails) {
                (false, false) => (Rollout::InProgress, started, 0, None),
                (false, true) => (Rollout::InProgress, 0, started, Some("tasks failed to start".to_string())),
                (true, false) => (Rollout::Completed, r.desired, 0, None),
                (true, true) => {
                    if !r.settled {
                        revert.push((key.clone(), r.from.clone()));
                        r.settled = true;
                    }
                    let back = r.from.0;
                    let reason = format!(
                        "ECS deployment circuit breaker: tasks failed to start (essential container exited); rolled back to revision {back}"
                    );
                    (Rollout::Failed, 0, r.desired.max(1) * 2, Some(reason))
                }
            };
            if let Some(row) = rows.iter_mut().find(|s| &s.key() == key) {
                row.deployment = Some(Deployment {
                    task_definition: r.to.clone(),
                    rollout,
                    running,
                    pending: r.desired.saturating_sub(running),
                    desired: r.desired,
                    failed_tasks: failed,
                    reason,
                });
            }
            true
        });
        drop(rollouts);
        for (key, (revision, cpu, memory, containers)) in revert {
            self.restore(&key, revision, cpu, memory, containers);
        }
    }
}
