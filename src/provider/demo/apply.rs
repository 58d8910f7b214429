//! Resizing a simulated service: the same plan → confirm → apply path as AWS, so the flow can
//! be tried (and tested) without an account.

use super::DemoProvider;
use crate::apply::plan::{controller_block, pair_with_live, rollback_changes};
use crate::apply::{ApplyOutcome, ResizePlan, ResizeRequest};
use crate::domain::{Container, ResourceRef};
use crate::provider::ProviderError;
use std::sync::Arc;

/// The sizes a service had at earlier revisions, so a rollback can return to them.
#[derive(Debug, Clone, Default)]
pub struct Revisions {
    /// (service key, revision) → (cpu, memory, containers)
    sizes: std::collections::HashMap<(String, u32), (u32, u32, Vec<Container>)>,
    /// The highest revision registered per service: a new one is always above it.
    latest: std::collections::HashMap<String, u32>,
}

impl DemoProvider {
    /// Refuse every write from now on (`--read-only`).
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// `--dry-run`, and whether confirming means typing the name (`protected_profiles = ["demo"]`).
    pub fn with_write_flags(mut self, dry_run: bool, protected: bool) -> Self {
        self.dry_run = dry_run;
        self.protected = protected;
        self
    }

    fn current_revision(&self, cluster: &str, service: &str) -> Result<String, ProviderError> {
        let fleet = self.fleet();
        let spec = fleet
            .services
            .iter()
            .find(|s| s.cluster == cluster && s.name == service)
            .ok_or_else(|| ProviderError::NotFound(format!("{cluster}/{service}")))?;
        Ok(format!("{}:{}", spec.name, spec.revision))
    }

    pub(super) fn plan(&self, req: &ResizeRequest) -> Result<ResizePlan, ProviderError> {
        let base = self.current_revision(&req.cluster, &req.service)?;
        if base != crate::apply::plan::short_task_definition(&req.task_definition) {
            return Err(ProviderError::Conflict(format!(
                "{}/{} now runs {base}, the suggestion was made on {}",
                req.cluster, req.service, req.task_definition
            )));
        }
        let spec = self
            .fleet()
            .services
            .iter()
            .find(|s| s.cluster == req.cluster && s.name == req.service)
            .cloned()
            .ok_or_else(|| ProviderError::NotFound(format!("{}/{}", req.cluster, req.service)))?;
        let resource = ResourceRef::EcsService { cluster: req.cluster.clone(), service: req.service.clone() };
        let plan = ResizePlan {
            identity: None,
            owner: super::trail::owner_of(&resource),
            resource,
            target: "demo fleet".into(),
            base_task_definition: base.clone(),
            before: (spec.task_cpu, spec.task_memory),
            after: req.after,
            containers: pair_with_live(&spec.containers, &req.containers)?,
            monthly_change: req.monthly_change,
            risk: req.risk,
            evidence: req.evidence.clone(),
            requests: Vec::new(),
            read_only: self.read_only,
            dry_run: self.dry_run,
            protected: self.protected,
            rollback_to: None,
            node_type: None,
            apply_now: false,
            health: None,
            fargate: spec.launch_type == crate::domain::LaunchType::Fargate,
            task_level: spec.task_level,
            floors: req.floors.clone(),
            blocked: controller_block(spec.controller),
            reregister: false,
        };
        if let Some(to) = &req.rollback_to {
            let to = crate::apply::plan::short_task_definition(to).to_string();
            let revision = to.rsplit_once(':').and_then(|(_, r)| r.parse::<u32>().ok()).unwrap_or(0);
            let key = format!("{}/{}", req.cluster, req.service);
            let revisions = self.revisions.lock().unwrap_or_else(|e| e.into_inner());
            let (cpu, memory, containers) = revisions
                .sizes
                .get(&(key, revision))
                .cloned()
                .ok_or_else(|| ProviderError::NotFound(format!("task definition {to}")))?;
            return Ok(ResizePlan {
                after: (cpu, memory),
                containers: rollback_changes(&spec.containers, &containers),
                monthly_change: None,
                requests: vec![
                    format!("demo: check {}/{} still runs {base}", req.cluster, req.service),
                    format!("demo: point {}/{} at {to}", req.cluster, req.service),
                ],
                rollback_to: Some(to),
                floors: None,
                ..plan
            });
        }
        let (family, _) = base.rsplit_once(':').unwrap_or((&base, "0"));
        let next = format!("{family}:{}", self.next_revision(&req.cluster, &req.service));
        Ok(ResizePlan {
            requests: vec![
                format!("demo: read {base}"),
                format!("demo: register {next} (cpu {}, memory {})", req.after.0, req.after.1),
                format!("demo: point {}/{} at {next}", req.cluster, req.service),
            ],
            ..plan
        })
    }

    fn next_revision(&self, cluster: &str, service: &str) -> u32 {
        let key = format!("{cluster}/{service}");
        let latest = self.revisions.lock().unwrap_or_else(|e| e.into_inner()).latest.get(&key).copied();
        let current =
            self.fleet().services.iter().find(|s| s.cluster == cluster && s.name == service).map_or(0, |s| s.revision);
        latest.unwrap_or(0).max(current) + 1
    }

    /// Put a service back on an earlier revision and size (the circuit breaker's rollback).
    pub(super) fn restore(&self, key: &str, revision: u32, cpu: u32, memory: u32, containers: Vec<Container>) {
        let mut guard = self.fleet.write().unwrap_or_else(|e| e.into_inner());
        let mut fleet = super::Fleet::clone(&guard);
        if let Some(spec) = fleet.services.iter_mut().find(|s| format!("{}/{}", s.cluster, s.name) == key) {
            spec.resize(cpu, memory, self.clock.now());
            spec.revision = revision;
            spec.containers = containers;
        }
        *guard = Arc::new(fleet);
    }

    fn next_revision_for(&self, plan: &ResizePlan) -> u32 {
        match &plan.resource {
            ResourceRef::EcsService { cluster, service } => self.next_revision(cluster, service),
            _ => 0,
        }
    }

    pub(super) fn plan_cache(&self, req: &crate::apply::CacheResizeRequest) -> Result<ResizePlan, ProviderError> {
        let fleet = self.fleet();
        let spec = fleet
            .caches
            .iter()
            .find(|c| c.id == req.group)
            .ok_or_else(|| ProviderError::NotFound(format!("cache group {}", req.group)))?;
        if spec.node_type != req.node_type_before {
            return Err(ProviderError::Conflict(format!("{} is now {}", req.group, spec.node_type)));
        }
        if crate::sizing::catalog::node_type(&req.node_type_after).is_none() {
            return Err(ProviderError::Other(format!("{} is not a node type this group can use", req.node_type_after)));
        }
        Ok(ResizePlan {
            identity: None,
            resource: ResourceRef::CacheGroup(req.group.clone()),
            target: "demo fleet".into(),
            base_task_definition: spec.node_type.clone(),
            before: (0, 0),
            after: (0, 0),
            containers: Vec::new(),
            monthly_change: req.monthly_change,
            risk: req.risk,
            evidence: req.evidence.clone(),
            owner: super::trail::owner_of(&ResourceRef::CacheGroup(req.group.clone())),
            requests: vec![
                format!("demo: check {} is still {}", req.group, spec.node_type),
                format!(
                    "demo: modify {} to {} (now, or at the next maintenance window)",
                    req.group, req.node_type_after
                ),
            ],
            read_only: self.read_only,
            dry_run: self.dry_run,
            protected: self.protected,
            rollback_to: req.rollback.then(|| req.node_type_after.clone()),
            node_type: Some((spec.node_type.clone(), req.node_type_after.clone())),
            apply_now: false,
            health: None,
            fargate: true,
            task_level: crate::domain::TaskLevel::default(),
            floors: None,
            blocked: None,
            reregister: false,
        })
    }

    /// A node type change: at once, the group's memory use (as a share of the node) moves with
    /// the node's size; in the maintenance window, nothing changes yet.
    fn apply_cache(&self, group: &str, plan: &ResizePlan) -> Result<ApplyOutcome, ProviderError> {
        let Some((before, after)) = &plan.node_type else {
            return Err(ProviderError::Other("not a node type change".into()));
        };
        let mut guard = self.fleet.write().unwrap_or_else(|e| e.into_inner());
        let mut fleet = super::Fleet::clone(&guard);
        let spec = fleet
            .caches
            .iter_mut()
            .find(|c| c.id == group)
            .ok_or_else(|| ProviderError::NotFound(format!("cache group {group}")))?;
        if &spec.node_type != before {
            return Err(ProviderError::Conflict(format!(
                "{group} is now {}, the plan was made for {before}",
                spec.node_type
            )));
        }
        let when = if plan.apply_now { "now" } else { "at the next maintenance window" };
        if plan.apply_now {
            let size = |n: &str| crate::sizing::catalog::node_type(n).map_or(1.0, |t| t.memory_gib as f32);
            spec.memory_pct = (spec.memory_pct * size(before) / size(after)).min(99.7);
            spec.node_type = after.clone();
            *guard = Arc::new(fleet);
        }
        Ok(ApplyOutcome {
            task_definition: if plan.apply_now { after.clone() } else { before.clone() },
            requests: vec![format!("demo: modify {group} to {after} {when}")],
        })
    }

    pub(super) fn apply(&self, plan: &ResizePlan) -> Result<ApplyOutcome, ProviderError> {
        if self.read_only {
            return Err(ProviderError::ReadOnly("started with --read-only".into()));
        }
        if self.dry_run {
            let requests = plan.requests.iter().map(|r| format!("(dry run, not sent) {r}")).collect();
            return Ok(ApplyOutcome { task_definition: plan.base_task_definition.clone(), requests });
        }
        if let ResourceRef::CacheGroup(group) = &plan.resource {
            return self.apply_cache(group, plan);
        }
        // The same check the plan passed when shown: nothing unsafe is written, whoever calls.
        crate::apply::plan::check(plan)?;
        if let Some(why) = &plan.blocked {
            return Err(ProviderError::Refused(why.clone()));
        }
        let next = self.next_revision_for(plan);
        let ResourceRef::EcsService { cluster, service } = &plan.resource else {
            return Err(ProviderError::Other("only ECS services can be resized on the demo fleet".into()));
        };
        let mut guard = self.fleet.write().unwrap_or_else(|e| e.into_inner());
        let mut fleet = super::Fleet::clone(&guard);
        let spec = fleet
            .services
            .iter_mut()
            .find(|s| &s.cluster == cluster && &s.name == service)
            .ok_or_else(|| ProviderError::NotFound(format!("{cluster}/{service}")))?;
        let now = format!("{}:{}", spec.name, spec.revision);
        if now != plan.base_task_definition {
            return Err(ProviderError::Conflict(format!(
                "{cluster}/{service} now runs {now}, the plan was made on {}",
                plan.base_task_definition
            )));
        }
        let mut revisions = self.revisions.lock().unwrap_or_else(|e| e.into_inner());
        let key = format!("{cluster}/{service}");
        revisions
            .sizes
            .insert((key.clone(), spec.revision), (spec.task_cpu, spec.task_memory, spec.containers.clone()));
        let to = match &plan.rollback_to {
            Some(to) => to.rsplit_once(':').and_then(|(_, r)| r.parse::<u32>().ok()).unwrap_or(spec.revision),
            None => next,
        };
        let from = (spec.revision, spec.task_cpu, spec.task_memory, spec.containers.clone());
        let peak_memory = spec.memory_mib * 1.3;
        spec.resize(plan.after.0, plan.after.1, self.clock.now());
        spec.revision = to;
        let latest = revisions.latest.entry(key).or_default();
        *latest = (*latest).max(to);
        for c in spec.containers.iter_mut() {
            if let Some(change) = plan.containers.iter().find(|p| p.name == c.name) {
                (c.cpu, c.memory_hard, c.memory_soft) = (change.cpu.1, change.memory_hard.1, change.memory_soft.1);
            }
        }
        let revision = format!("{}:{}", spec.name, spec.revision);
        let rollout = super::rollout::DemoRollout {
            started: std::time::Instant::now(),
            to: revision.clone(),
            desired: spec.desired,
            fails: plan.rollback_to.is_none() && super::rollout::deploy_fails(spec.key, plan.after.1, peak_memory),
            from,
            settled: false,
        };
        *guard = Arc::new(fleet);
        drop(guard);
        drop(revisions);
        self.start_rollout(format!("{cluster}/{service}"), rollout);
        Ok(ApplyOutcome { task_definition: revision, requests: plan.requests.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Clock;
    use super::*;
    use crate::domain::Window;
    use crate::provider::Provider;

    fn request(demo: &DemoProvider, name: &str) -> ResizeRequest {
        let spec = demo.fleet().services.iter().find(|s| s.name == name).unwrap().clone();
        let shape = crate::sizing::containers::TaskShape {
            fargate: true,
            task_level: spec.task_level,
            size: (spec.task_cpu, spec.task_memory),
            containers: &spec.containers,
        };
        let containers = crate::sizing::containers::layout(&shape, (512, 1024), &Default::default()).unwrap();
        ResizeRequest {
            identity: crate::domain::ServiceKey {
                origin: super::super::origin(),
                cluster: spec.cluster.clone(),
                service: spec.name.clone(),
                aws_arn: None,
            },
            cluster: spec.cluster.clone(),
            service: spec.name.clone(),
            task_definition: format!("{}:{}", spec.name, spec.revision),
            before: (spec.task_cpu, spec.task_memory),
            after: (512, 1024),
            containers,
            monthly_change: Some(-10.0),
            risk: crate::sizing::recommend::Risk::Low,
            evidence: vec![],
            rollback_to: None,
            floors: None,
        }
    }

    #[tokio::test]
    async fn plan_then_apply_resizes_and_a_second_apply_of_the_same_plan_conflicts() {
        let demo = DemoProvider::new(42, None, Clock::Fixed(1_795_012_200)).with_read_only(false);
        let plan = demo.plan_resize(&request(&demo, "cart")).await.unwrap();
        assert_eq!(plan.requests.len(), 3);
        let out = demo.apply_resize(&plan).await.unwrap();
        let services = demo.ecs_services(Window::Day).await.unwrap();
        let cart = services.iter().find(|s| s.name == "cart").unwrap();
        assert_eq!((cart.task_cpu, cart.task_memory), (512, 1024));
        assert_eq!(cart.task_definition, out.task_definition);
        let again = demo.apply_resize(&plan).await.unwrap_err();
        assert!(matches!(again, ProviderError::Conflict(_)), "{again}");

        // Rolling back returns to the old revision and size; a new change goes above both.
        let spec = demo.fleet().services.iter().find(|s| s.name == "cart").unwrap().clone();
        let mut back = request(&demo, "cart");
        back.rollback_to = Some(plan.base_task_definition.clone());
        let rollback = demo.plan_resize(&back).await.unwrap();
        assert_eq!(rollback.after, plan.before);
        let out = demo.apply_resize(&rollback).await.unwrap();
        assert_eq!(out.task_definition, plan.base_task_definition);
        let cart = demo.fleet().services.iter().find(|s| s.name == "cart").unwrap().clone();
        assert_eq!((cart.task_cpu, cart.task_memory), plan.before);
        assert_eq!(demo.next_revision("prod-core", "cart"), spec.revision + 1);
    }

    #[tokio::test]
    async fn dry_run_lists_the_requests_and_changes_nothing() {
        let demo = DemoProvider::new(42, None, Clock::Fixed(1_795_012_200)).with_write_flags(true, false);
        let plan = demo.plan_resize(&request(&demo, "cart")).await.unwrap();
        let out = demo.apply_resize(&plan).await.unwrap();
        assert!(out.requests.iter().all(|r| r.starts_with("(dry run, not sent)")));
        let cart = demo.fleet().services.iter().find(|s| s.name == "cart").unwrap().clone();
        assert_ne!((cart.task_cpu, cart.task_memory), (512, 1024));
    }

    #[tokio::test]
    async fn read_only_refuses_the_write_itself() {
        let demo = DemoProvider::new(42, None, Clock::Fixed(1_795_012_200)).with_read_only(true);
        let plan = demo.plan_resize(&request(&demo, "cart")).await.unwrap();
        assert!(plan.read_only);
        let e = demo.apply_resize(&plan).await.unwrap_err();
        assert!(matches!(e, ProviderError::ReadOnly(_)));
        let cart = demo.fleet().services.iter().find(|s| s.name == "cart").unwrap().clone();
        assert_ne!((cart.task_cpu, cart.task_memory), (512, 1024), "nothing changed");
    }
}
