//! A new task size spread over a task definition's containers by ECS's own rules, and the check
//! every resize passes before it is shown, exported or applied.
//!
//! The rules, from the ECS API reference (ContainerDefinition, RegisterTaskDefinition) and what a
//! real account's task definitions look like:
//! - A hard `memory` limit kills the container when crossed; a soft `memoryReservation` never
//!   does. No hard limit is ever added, and none is cut below what the container was seen using
//!   (its own Container Insights peak + headroom, else the whole task's need, which bounds it).
//! - `cpu` 0 or absent means the container shares the task's unreserved CPU: it stays so.
//! - Sidecars (known agents, non-essential containers) are sized by their owners: they keep their
//!   size and the change goes to the essential application container(s).
//! - EC2 task definitions without task-level cpu/memory stay without: the containers' values
//!   are then the task's size.
//! - What RegisterTaskDefinition rejects is refused here first (`check`).

use super::catalog::is_valid_fargate;
use crate::domain::{Container, Sidecar, TaskLevel};
use serde::{Deserialize, Serialize};

/// Docker 20.10 and later reserve at least 6 MiB per container; ECS asks for no less.
pub const MIN_CONTAINER_MIB: u32 = 6;

/// One container's sizing before and after. Everything else in the container is carried over
/// untouched, and never shown: environment values and secrets stay out of plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerChange {
    pub name: String,
    pub cpu: (u32, u32),
    /// Hard limit (`memory`), MiB.
    pub memory_hard: (Option<u32>, Option<u32>),
    /// Soft reservation (`memoryReservation`), MiB.
    pub memory_soft: (Option<u32>, Option<u32>),
    #[serde(default = "essential_default")]
    pub essential: bool,
    /// A sidecar sized by its owner: it keeps its size.
    #[serde(default)]
    pub sidecar: Option<Sidecar>,
}

fn essential_default() -> bool {
    true
}

impl ContainerChange {
    /// A container left as it is.
    pub fn unchanged(c: &Container) -> ContainerChange {
        ContainerChange {
            name: c.name.clone(),
            cpu: (c.cpu, c.cpu),
            memory_hard: (c.memory_hard, c.memory_hard),
            memory_soft: (c.memory_soft, c.memory_soft),
            essential: c.essential,
            sidecar: c.sidecar(),
        }
    }

    pub fn changed(&self) -> bool {
        self.cpu.0 != self.cpu.1 || self.memory_hard.0 != self.memory_hard.1 || self.memory_soft.0 != self.memory_soft.1
    }

    fn reserved_after(&self) -> u32 {
        self.memory_soft.1.or(self.memory_hard.1).unwrap_or(0)
    }
}

/// What the evidence says the task and its containers need: a resize never goes below it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Floors {
    /// The busiest task's CPU need (its percentile + headroom, or what is kept), CPU units.
    pub task_cpu: u32,
    /// The busiest task's memory peak + headroom (more after OOM kills), MiB.
    pub task_memory: u32,
    /// Per container, where Container Insights reports it: its peak + headroom, MiB.
    #[serde(default)]
    pub containers: Vec<(String, u32)>,
    /// Per container, where Container Insights reports it: its CPU p99 + headroom, CPU units.
    #[serde(default)]
    pub container_cpu: Vec<(String, u32)>,
}

impl Floors {
    fn cpu_of(&self, name: &str) -> Option<u32> {
        self.container_cpu.iter().find(|(n, _)| n == name).map(|(_, c)| *c)
    }

    fn container(&self, name: &str) -> Option<u32> {
        self.containers.iter().find(|(n, _)| n == name).map(|(_, m)| *m)
    }

    /// The lowest hard limit a container that had `hard` may get: its own peak + headroom where
    /// known; otherwise the task's need, which bounds what any one container used (never more
    /// than it had).
    fn hard_limit(&self, name: &str, hard: u32) -> u32 {
        self.container(name).unwrap_or_else(|| hard.min(self.task_memory))
    }
}

/// Which containers take a resize: the essential ones that are not known agents. When every
/// container is an agent (the service *is* the collector), its essential containers do.
pub fn takes_change(roles: &[(bool, Option<Sidecar>)]) -> Vec<bool> {
    let apps: Vec<bool> = roles.iter().map(|(essential, sidecar)| *essential && sidecar.is_none()).collect();
    if apps.iter().any(|a| *a) {
        return apps;
    }
    let essential: Vec<bool> = roles.iter().map(|(e, _)| *e).collect();
    if essential.iter().any(|e| *e) { essential } else { vec![true; roles.len()] }
}

/// The task definition a resize starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskShape<'a> {
    pub fargate: bool,
    pub task_level: TaskLevel,
    /// (cpu units, memory MiB): task-level values, or the containers' when it sets none.
    pub size: (u32, u32),
    pub containers: &'a [Container],
}

/// A layout that does not fit the proposed size: the smallest task it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub cpu: u32,
    pub memory: u32,
}

/// Split `total` over `weights` in proportion, whole units, the remainder to the first ones so
/// the parts add up exactly.
fn split(amount: i64, weights: &[u32]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| *w as i128).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<i64> = weights.iter().map(|w| (amount as i128 * *w as i128 / sum) as i64).collect();
    let mut left = amount - parts.iter().sum::<i64>();
    for (p, w) in parts.iter_mut().zip(weights) {
        if left == 0 {
            break;
        }
        if *w > 0 {
            let step = left.signum();
            *p += step;
            left -= step;
        }
    }
    parts
}

fn clamp_u32(v: i64) -> u32 {
    v.clamp(0, u32::MAX as i64) as u32
}

/// A sum that saturates: container values are the API's, and nothing stops them being absurd.
fn total(values: impl Iterator<Item = u32>) -> u32 {
    values.fold(0u32, u32::saturating_add)
}

/// CPU: units are a share under contention, not a limit on Linux, so scaling the app's down is
/// safe while the task has the CPU; only the sum must stay within the task's.
fn spread_cpu(shape: &TaskShape, proposed_cpu: u32, app: &[bool], floors: &Floors, out: &mut [ContainerChange]) {
    let cs = shape.containers;
    let side_cpu = total(cs.iter().zip(app).filter(|(_, a)| !**a).map(|(c, _)| c.cpu));
    let app_cpus: Vec<u32> = cs.iter().zip(app).map(|(c, a)| if *a { c.cpu } else { 0 }).collect();
    let app_cpu = total(app_cpus.iter().copied());
    if app_cpu > 0 {
        let target = if shape.task_level.cpu {
            let scaled = (app_cpu as i128 * proposed_cpu as i128 / shape.size.0.max(1) as i128) as i64;
            scaled.min(proposed_cpu as i64 - side_cpu as i64)
        } else {
            proposed_cpu as i64 - side_cpu as i64
        };
        let parts = split(target.max(0), &app_cpus);
        for ((o, part), w) in out.iter_mut().zip(parts).zip(&app_cpus) {
            if *w > 0 {
                // A container that reserved CPU keeps some: 0 would change what it means; one
                // measured on its own never gets less than it used (the sum past the task's size
                // asks for a larger task).
                o.cpu.1 = clamp_u32(part).max(2).max(floors.cpu_of(&o.name).unwrap_or(0));
            }
        }
    }
}

/// Spread a proposed task size over the containers (see the module's rules). Err: the containers
/// cannot fit in it (sidecars and the app's floors need more); the caller tries a larger size.
pub fn layout(shape: &TaskShape, proposed: (u32, u32), floors: &Floors) -> Result<Vec<ContainerChange>, Needs> {
    let cs = shape.containers;
    let roles: Vec<(bool, Option<Sidecar>)> = cs.iter().map(|c| (c.essential, c.sidecar())).collect();
    let app = takes_change(&roles);
    let mut out: Vec<ContainerChange> = cs.iter().map(ContainerChange::unchanged).collect();

    spread_cpu(shape, proposed.0, &app, floors, &mut out);

    // Memory.
    let delta = proposed.1 as i64 - shape.size.1 as i64;
    let with_task_memory = shape.task_level.memory;
    // Without task-level memory the reservations are the task's size: they move by the change.
    let app_reserved: Vec<u32> = cs.iter().zip(&app).map(|(c, a)| if *a { c.reserved_memory() } else { 0 }).collect();
    let reserved_delta = split(delta, &app_reserved);
    let app_hard: Vec<u32> =
        cs.iter().zip(&app).map(|(c, a)| if *a { c.memory_hard.unwrap_or(0) } else { 0 }).collect();
    let hard_delta = split(delta, &app_hard);
    for (i, c) in cs.iter().enumerate() {
        if !app[i] {
            continue;
        }
        let own = floors.container(&c.name);
        if with_task_memory {
            // The hard limit moves with the task (the app gets what the task gains or loses) but
            // never below what the container was seen needing. A reservation is not a kill line:
            // it is only lowered, to stay under the hard limit and (below) within the task.
            let hard = c.memory_hard.map(|h| {
                let floor = floors.hard_limit(&c.name, h).max(MIN_CONTAINER_MIB + 1);
                clamp_u32(h as i64 + hard_delta[i]).max(floor)
            });
            let soft = c.memory_soft.map(|s| hard.map_or(s, |h| s.min(h - 1)));
            out[i].memory_hard.1 = hard;
            out[i].memory_soft.1 = soft;
        } else {
            // Without task-level memory the reservations are the task's size: they move by the
            // change, and a hard limit stays above its reservation.
            let soft = c
                .memory_soft
                .map(|s| clamp_u32(s as i64 + reserved_delta[i]).max(own.unwrap_or(0)).max(MIN_CONTAINER_MIB));
            let hard = c.memory_hard.map(|h| {
                let moved = h as i64 + if c.memory_soft.is_none() { reserved_delta[i] } else { hard_delta[i] };
                let floor =
                    floors.hard_limit(&c.name, h).max(soft.map_or(0, |s| s.saturating_add(1))).max(MIN_CONTAINER_MIB);
                clamp_u32(moved).max(floor)
            });
            out[i].memory_hard.1 = hard;
            out[i].memory_soft.1 = soft;
        }
    }
    if with_task_memory {
        // Hard limits within the task, then the reservations' sum within it: lower the app's
        // soft reservations (not kill lines) first; what still does not fit needs a larger task.
        let mut need_memory = proposed.1;
        for o in out.iter_mut() {
            if let Some(h) = o.memory_hard.1 {
                need_memory = need_memory.max(h);
            }
        }
        let reserved = total(out.iter().map(ContainerChange::reserved_after));
        if reserved > proposed.1 {
            let mut excess = (reserved - proposed.1) as i64;
            for (i, o) in out.iter_mut().enumerate() {
                let (Some(s), true) = (o.memory_soft.1, app[i]) else { continue };
                let lowest = MIN_CONTAINER_MIB;
                let cut = excess.min(s.saturating_sub(lowest) as i64);
                o.memory_soft.1 = Some(s - cut as u32);
                excess -= cut;
            }
            if excess > 0 {
                need_memory = need_memory.max(proposed.1.saturating_add(clamp_u32(excess)));
            }
        }
        if need_memory > proposed.1 {
            return Err(Needs { cpu: proposed.0, memory: need_memory });
        }
    }
    let cpu_sum = total(out.iter().map(|o| o.cpu.1));
    if shape.task_level.cpu && cpu_sum > proposed.0 {
        return Err(Needs { cpu: cpu_sum, memory: proposed.1 });
    }
    Ok(out)
}

/// The task size a layout gives: task-level values where the task definition sets them, else
/// the containers' sums (what ECS reserves).
pub fn effective_size(task_level: TaskLevel, proposed: (u32, u32), containers: &[ContainerChange]) -> (u32, u32) {
    let cpu = if task_level.cpu { proposed.0 } else { total(containers.iter().map(|c| c.cpu.1)) };
    let memory =
        if task_level.memory { proposed.1 } else { total(containers.iter().map(ContainerChange::reserved_after)) };
    (cpu, memory)
}

/// A resize as the check sees it.
#[derive(Debug, Clone, Copy)]
pub struct Resize<'a> {
    pub fargate: bool,
    pub task_level: TaskLevel,
    /// (cpu units, memory MiB) before and after: task-level values, or the containers' sums.
    pub before: (u32, u32),
    pub after: (u32, u32),
    pub containers: &'a [ContainerChange],
    /// The evidence; None for a rollback (a return to a size that ran before).
    pub floors: Option<&'a Floors>,
}

/// Why AWS would reject the task definition a resize registers (RegisterTaskDefinition's
/// documented rules), one reason each; empty when it would be accepted.
pub fn registrable(r: &Resize) -> Vec<String> {
    let mut why = Vec::new();
    let cs = r.containers;
    let (cpu, memory) = r.after;
    if cs.is_empty() {
        why.push("the task definition has no containers".into());
    }
    if !cs.is_empty() && !cs.iter().any(|c| c.essential) {
        why.push("no essential container: every task needs at least one".into());
    }
    if r.fargate {
        if !(r.task_level.cpu && r.task_level.memory) {
            why.push("Fargate needs task-level cpu and memory".into());
        } else if !is_valid_fargate(cpu, memory) {
            why.push(format!("{cpu} CPU units / {memory} MiB is not a Fargate size"));
        }
    }
    if r.task_level.cpu {
        let sum = total(cs.iter().map(|c| c.cpu.1));
        if sum > cpu {
            why.push(format!("the containers reserve {sum} CPU units, more than the task's {cpu}"));
        }
        if !r.fargate && !(128..=196_608).contains(&cpu) {
            why.push(format!("task cpu {cpu} is outside 128–196608 units"));
        }
    }
    for c in cs {
        let (hard, soft) = (c.memory_hard.1, c.memory_soft.1);
        if let (Some(h), Some(s)) = (hard, soft)
            && h <= s
        {
            why.push(format!("{}: hard limit {h} MiB must be above its reservation {s} MiB", c.name));
        }
        for (what, v) in [("hard limit", hard), ("reservation", soft)] {
            if let Some(v) = v.filter(|v| *v < MIN_CONTAINER_MIB) {
                why.push(format!("{}: {what} {v} MiB is under the {MIN_CONTAINER_MIB} MiB minimum", c.name));
            }
        }
        if r.task_level.memory {
            if let Some(h) = hard.filter(|h| *h > memory) {
                why.push(format!("{}: hard limit {h} MiB is above the task's {memory} MiB", c.name));
            }
        } else if hard.is_none() && soft.is_none() {
            why.push(format!("{}: without task-level memory each container needs memory or memoryReservation", c.name));
        }
    }
    if r.task_level.memory {
        let reserved = total(cs.iter().map(ContainerChange::reserved_after));
        if reserved > memory {
            why.push(format!("the containers reserve {reserved} MiB, more than the task's {memory} MiB"));
        }
    }
    why
}

/// Why a resize would be unsafe on top of being registrable: it adds or drops a limit, gives CPU
/// to a container that shared it, resizes a sidecar, changes which sizes the task definition
/// sets, or cuts below the evidence. Empty when it is safe.
pub fn unsafe_changes(r: &Resize) -> Vec<String> {
    let mut why = Vec::new();
    let roles: Vec<(bool, Option<Sidecar>)> = r.containers.iter().map(|c| (c.essential, c.sidecar)).collect();
    let app = takes_change(&roles);
    for (c, takes) in r.containers.iter().zip(app) {
        if c.memory_hard.0.is_none() && c.memory_hard.1.is_some() {
            why.push(format!(
                "{}: would get a hard memory limit it did not have (crossing it kills the container)",
                c.name
            ));
        }
        if c.memory_hard.0.is_some() && c.memory_hard.1.is_none() {
            why.push(format!("{}: would lose its hard memory limit", c.name));
        }
        if c.memory_soft.0.is_some() != c.memory_soft.1.is_some() {
            why.push(format!("{}: would gain or lose its soft reservation; only existing ones are resized", c.name));
        }
        if c.cpu.0 == 0 && c.cpu.1 != 0 {
            why.push(format!("{}: shares the task's CPU (cpu 0) and would get a reservation", c.name));
        }
        if !takes && c.changed() {
            let what = c.sidecar.map_or("a container the change does not go to", Sidecar::label);
            why.push(format!("{}: a {what}, sized by its owner, would be resized", c.name));
        }
        if let (Some(floors), Some(before), Some(after)) = (r.floors, c.memory_hard.0, c.memory_hard.1)
            && after < before
        {
            let floor = floors.hard_limit(&c.name, before);
            if after < floor {
                why.push(format!("{}: hard limit {after} MiB is below what it was seen needing ({floor} MiB)", c.name));
            }
        }
    }
    if let Some(floors) = r.floors {
        if r.after.1 < floors.task_memory && r.after.1 < r.before.1 {
            why.push(format!(
                "task memory {} MiB is below the busiest task's need ({} MiB)",
                r.after.1, floors.task_memory
            ));
        }
        if r.after.0 < floors.task_cpu && r.after.0 < r.before.0 {
            why.push(format!(
                "task CPU {} units is below the busiest task's need ({} units)",
                r.after.0, floors.task_cpu
            ));
        }
    }
    why
}

/// Every reason to refuse a resize: AWS would reject it, or it would break the service.
pub fn check(r: &Resize) -> Result<(), Vec<String>> {
    let mut why = registrable(r);
    why.extend(unsafe_changes(r));
    if why.is_empty() { Ok(()) } else { Err(why) }
}

/// What the plan says about how its containers were sized, in words.
pub fn notes(shape: &TaskShape, changes: &[ContainerChange]) -> Vec<String> {
    let mut notes = Vec::new();
    let kept: Vec<String> = changes
        .iter()
        .filter(|c| c.sidecar.is_some() && !c.changed())
        .map(|c| format!("{} ({})", c.name, c.sidecar.map_or("", Sidecar::label)))
        .collect();
    let takers: Vec<&str> = changes.iter().filter(|c| c.sidecar.is_none()).map(|c| c.name.as_str()).collect();
    if !kept.is_empty() {
        notes.push(format!(
            "containers: sidecars keep their size — {}; the change goes to {}",
            kept.join(", "),
            if takers.is_empty() { "the essential containers".to_string() } else { takers.join(", ") }
        ));
    }
    // What the change does not do to the containers it goes to (sidecars are said above).
    let roles: Vec<(bool, Option<Sidecar>)> = changes.iter().map(|c| (c.essential, c.sidecar)).collect();
    let app: Vec<&Container> =
        shape.containers.iter().zip(takes_change(&roles)).filter(|(_, takes)| *takes).map(|(c, _)| c).collect();
    let names = |pick: fn(&Container) -> bool| -> Vec<&str> {
        app.iter().filter(|c| pick(c)).map(|c| c.name.as_str()).collect()
    };
    let soft_only = names(|c| c.memory_hard.is_none());
    if !soft_only.is_empty() {
        notes.push(format!(
            "containers: no hard memory limit added to {} (a soft reservation never kills; the task's memory bounds it)",
            soft_only.join(", ")
        ));
    }
    let shared = names(|c| c.cpu == 0);
    if !shared.is_empty() {
        let verb = if shared.len() == 1 { "keeps" } else { "keep" };
        notes.push(format!("containers: {} {verb} cpu 0 (sharing the task's unreserved CPU)", shared.join(", ")));
    }
    if !shape.task_level.cpu || !shape.task_level.memory {
        notes.push(
            "task definition: no task-level cpu/memory (EC2): the containers' values are its size, and stay so".into(),
        );
    }
    notes
}

#[cfg(test)]
mod tests;
