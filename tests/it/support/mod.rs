// Each test binary uses part of the support code.
#![allow(dead_code)]

pub mod moto;

/// A resize of `s` (one container) to half its task and container sizes, as a plan asks for it.
pub fn halving(s: &infradeck::domain::EcsService, monthly_change: f64) -> infradeck::apply::ResizeRequest {
    use infradeck::apply::{ContainerChange, ResizeRequest};
    let half = |m: Option<u32>| m.map(|m| m / 2);
    let same = ContainerChange::unchanged(&s.containers[0]);
    ResizeRequest {
        identity: s.identity.clone(),
        cluster: s.cluster.clone(),
        service: s.name.clone(),
        task_definition: s.task_definition.clone(),
        before: (s.task_cpu, s.task_memory),
        after: (s.task_cpu / 2, s.task_memory / 2),
        containers: vec![ContainerChange {
            cpu: (same.cpu.0, same.cpu.0 / 2),
            memory_hard: (same.memory_hard.0, half(same.memory_hard.0)),
            memory_soft: (same.memory_soft.0, half(same.memory_soft.0)),
            ..same
        }],
        monthly_change: Some(monthly_change),
        risk: infradeck::sizing::recommend::Risk::Low,
        evidence: vec![],
        rollback_to: None,
        floors: None,
    }
}
