//! The simulated fleet's tasks: ids that match the stopped-task events of the timeline (an OOM
//! kill at `t` stops the task named after `t`), a running task named after the moment it will
//! stop (so the task running now is the one the timeline later says stopped), containers with
//! their runtime ids and exec agents, and the environment a simulated shell shows masked.

use super::fleet::{Behaviour, ServiceSpec};
use super::noise::mix;
use super::task_id;
use crate::domain::{LaunchType, ResourceRef, ServiceTasks, Task, TaskContainer};
use chrono::{DateTime, Utc};

/// How far back stopped tasks are listed (ECS keeps them about an hour).
const STOPPED_SPAN: i64 = 3_600;
/// A task that is never killed keeps running from the last weekly roll.
const ROLL: i64 = 7 * 86_400;

fn at(t: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t, 0)
}

/// Exec is off on about one service in seven; on about one in eleven it was switched on after
/// the running tasks started (only new tasks get the agent).
/// The incident's service always has it: the first shell people try is there.
pub fn exec_on_service(s: &ServiceSpec) -> bool {
    s.regression.is_some() || !mix(s.key ^ 0xE7).is_multiple_of(7)
}

fn exec_on_tasks(s: &ServiceSpec) -> bool {
    exec_on_service(s) && (s.regression.is_some() || !mix(s.key ^ 0xE8).is_multiple_of(11))
}

/// When task `i` of the service stops next, if it is ever killed; and when it started.
fn life(s: &ServiceSpec, i: u32, now: i64) -> (Option<i64>, i64) {
    if s.regression.is_some() {
        let ahead = s.regression_kills(now, now + 86_400);
        let last = s.regression_kills(now - 86_400, now);
        let next = ahead.iter().find(|(_, n)| *n == i).map(|(t, _)| *t);
        let started = last.iter().rev().find(|(_, n)| *n == i).map_or(now - 3_600, |(t, _)| *t + 120);
        return (next, started.min(now));
    }
    if s.behaviour == Behaviour::Leaky {
        let next = s.leak_kills(now, now + s.leak_period() + 1).first().copied();
        let started = s.leak_kills(now - s.leak_period() - 1, now).last().map_or(now - 600, |t| t + 120);
        return (next, started.min(now));
    }
    let roll = now.div_euclid(ROLL) * ROLL + (mix(s.key) % 86_400) as i64;
    let roll = if roll > now { roll - ROLL } else { roll };
    (None, roll + i as i64 * 37)
}

fn id_for(s: &ServiceSpec, i: u32, moment: i64) -> String {
    task_id(s.key, moment as u64 ^ (i as u64) << 40)
}

fn containers(s: &ServiceSpec, id: &str, exec: bool, stopped: bool) -> Vec<TaskContainer> {
    s.containers
        .iter()
        .enumerate()
        .map(|(n, c)| TaskContainer {
            name: c.name.clone(),
            image: format!("{}.dkr.ecr.{}.amazonaws.com/{}:r{}", super::ACCOUNT, super::REGION, c.image, s.revision),
            last_status: if stopped { "STOPPED" } else { "RUNNING" }.into(),
            health: if s.lb.is_some() && n == 0 { "HEALTHY" } else { "UNKNOWN" }.into(),
            exit_code: stopped.then_some(if n == 0 { 137 } else { 0 }),
            reason: (stopped && n == 0).then(|| "OutOfMemoryError: Container killed due to memory usage".into()),
            runtime_id: Some(format!("{id}-{:010}", mix(s.key ^ n as u64) % 10_000_000_000)),
            cpu: Some(c.cpu),
            memory: c.memory_hard.or(c.memory_soft),
            exec_agent: (exec && !stopped).then(|| "RUNNING".into()),
            essential: c.essential,
            sidecar: c.sidecar().is_some(),
            ports: if n == 0 && s.lb.is_some() { vec![8080] } else { Vec::new() },
            read_only_root: false,
        })
        .collect()
}

fn task(s: &ServiceSpec, i: u32, id: String, started: i64, now: i64) -> Task {
    let p = s.point(now);
    // The hottest task first, the others around the mean.
    let spread = 0.85 + 0.3 * ((mix(s.key ^ i as u64) % 100) as f32 / 100.0);
    let cpu = if i == 0 { p.hot_cpu } else { p.cpu_avg * spread };
    let mem = if i == 0 { p.hot_mem } else { p.mem_avg * spread };
    let fargate = s.launch_type == LaunchType::Fargate;
    let exec = exec_on_tasks(s);
    Task {
        containers: containers(s, &id, exec, false),
        arn: format!("arn:aws:ecs:{}:{}:task/{}/{id}", super::REGION, super::ACCOUNT, s.cluster),
        id,
        revision: format!("{}:{}", s.name, s.revision),
        launch_type: Some(s.launch_type),
        platform_version: fargate.then(|| "1.4.0".into()),
        az: Some(format!("{}{}", super::REGION, ['a', 'b', 'c'][i as usize % 3])),
        private_ip: Some(format!("10.{}.{}.{}", mix(s.key) % 200, 16 + i % 32, 10 + (mix(s.key ^ i as u64) % 240))),
        last_status: "RUNNING".into(),
        desired_status: "RUNNING".into(),
        health: if s.lb.is_some() { "HEALTHY" } else { "UNKNOWN" }.into(),
        started_at: at(started),
        stopped_at: None,
        stop_code: None,
        stopped_reason: None,
        cpu: Some(s.task_cpu),
        memory: Some(s.task_memory),
        usage: Some((cpu.min(100.0), mem.min(100.0))),
        exec_enabled: exec,
    }
}

fn stopped(s: &ServiceSpec, i: u32, t: i64) -> Task {
    let id = id_for(s, i, t);
    Task {
        containers: containers(s, &id, false, true),
        arn: format!("arn:aws:ecs:{}:{}:task/{}/{id}", super::REGION, super::ACCOUNT, s.cluster),
        id,
        revision: format!("{}:{}", s.name, s.revision),
        launch_type: Some(s.launch_type),
        platform_version: (s.launch_type == LaunchType::Fargate).then(|| "1.4.0".into()),
        az: Some(format!("{}{}", super::REGION, ['a', 'b', 'c'][i as usize % 3])),
        private_ip: None,
        last_status: "STOPPED".into(),
        desired_status: "STOPPED".into(),
        health: "UNKNOWN".into(),
        started_at: at(t - 1_800),
        stopped_at: at(t),
        stop_code: Some("EssentialContainerExited".into()),
        stopped_reason: Some("Essential container in task exited".into()),
        cpu: Some(s.task_cpu),
        memory: Some(s.task_memory),
        usage: None,
        exec_enabled: exec_on_tasks(s),
    }
}

/// The tasks view of one service at `now`.
/// `exec_on`: ECS Exec was enabled on it (and it restarted) in this session.
pub fn service_tasks(s: &ServiceSpec, now: i64, read_only: bool, protected: bool, exec_on: bool) -> ServiceTasks {
    let running = (0..s.running_at(now))
        .map(|i| {
            let (next, started) = life(s, i, now);
            let id = id_for(s, i, next.unwrap_or(started));
            task(s, i, id, started, now)
        })
        .collect();
    let mut kills: Vec<(i64, u32)> = s.regression_kills(now - STOPPED_SPAN, now);
    for t in s.leak_kills(now - STOPPED_SPAN, now) {
        kills.extend((0..s.desired.max(1)).map(|i| (t, i)));
    }
    kills.sort_unstable_by(|a, b| b.cmp(a));
    let mut running: Vec<Task> = running;
    if exec_on {
        for t in &mut running {
            t.exec_enabled = true;
            for c in &mut t.containers {
                c.exec_agent = Some("RUNNING".into());
            }
        }
    }
    ServiceTasks {
        service: Some(ResourceRef::EcsService { cluster: s.cluster.clone(), service: s.name.clone() }),
        exec_on_service: exec_on || exec_on_service(s),
        running,
        stopped: kills.into_iter().map(|(t, i)| stopped(s, i, t)).collect(),
        protected,
        read_only,
    }
}

/// The environment a simulated shell's `env` shows (masked there): what such a service's task
/// definition sets, secrets included, so the masking is seen to work.
pub fn environment(s: &ServiceSpec, container: &str) -> Vec<(String, String)> {
    let db = format!("{}-db.cluster-c9akciq32.{}.rds.amazonaws.com", s.name, super::REGION);
    vec![
        ("AWS_REGION".into(), super::REGION.into()),
        ("ECS_CONTAINER_METADATA_URI_V4".into(), "http://169.254.170.2/v4/metadata".into()),
        ("SERVICE_NAME".into(), s.name.clone()),
        ("CONTAINER".into(), container.into()),
        ("DATABASE_URL".into(), format!("postgres://{}:Sup3rS3cret@{db}:5432/{}", s.name, s.name)),
        ("DB_PASSWORD".into(), "Sup3rS3cret".into()),
        ("API_TOKEN".into(), format!("tok_{:016x}", mix(s.key ^ 0x70))),
        ("LOG_LEVEL".into(), "info".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::demo::{Clock, DemoProvider};

    const NOW: i64 = 1_795_012_200;

    #[test]
    fn a_running_task_is_the_one_the_timeline_later_says_stopped() {
        let now = NOW;
        let demo = DemoProvider::new(42, None, Clock::Fixed(now));
        let fleet = demo.fleet();
        let orders = fleet.services.iter().find(|s| s.regression.is_some()).expect("the incident's service");
        let tasks = service_tasks(orders, now, false, false, false);
        assert!(!tasks.running.is_empty() && !tasks.stopped.is_empty(), "{tasks:?}");
        // The next kill of task 0 stops the task running now.
        let (next, i) = orders.regression_kills(now, now + 86_400)[0];
        let later = service_tasks(orders, next, false, false, false);
        let id = id_for(orders, i, next);
        assert!(tasks.running.iter().any(|t| t.id == id), "the task to be killed runs now");
        assert!(later.stopped.iter().any(|t| t.id == id && t.containers[0].exit_code == Some(137)));
        let masked = crate::common::mask::secrets("DB_PASSWORD=Sup3rS3cret");
        assert!(!masked.contains("Sup3rS3cret"));
    }

    #[test]
    fn runtime_ids_and_agents_are_there_where_exec_is_on() {
        let now = NOW;
        let demo = DemoProvider::new(42, None, Clock::Fixed(now));
        let fleet = demo.fleet();
        let on = fleet.services.iter().find(|s| exec_on_tasks(s) && s.running_at(now) > 0).unwrap();
        let off = fleet.services.iter().find(|s| !exec_on_service(s)).expect("a service without exec");
        let t = &service_tasks(on, now, false, false, false).running[0];
        assert!(t.exec_enabled && t.containers.iter().all(|c| c.exec_agent.as_deref() == Some("RUNNING")));
        assert!(t.containers[0].runtime_id.as_deref().unwrap().starts_with(&t.id));
        assert!(service_tasks(off, now, false, false, false).running.iter().all(|t| !t.exec_enabled));
    }
}
