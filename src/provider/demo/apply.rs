//! Resizing a simulated service: the same plan → confirm → apply path as AWS, so the flow can
//! be tried (and tested) without an account.

use super::DemoProvider;
use crate::apply::{ApplyOutcome, ResizePlan, ResizeRequest};
use crate::domain::{Container, ResourceRef};
use crate::provider::ProviderError;
use std::sync::Arc;

impl DemoProvider {
    /// Refuse every write from now on (`--read-only`).
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
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
        if base != req.task_definition {
            return Err(ProviderError::Conflict(format!(
                "{}/{} now runs {base}, the suggestion was made on {}",
                req.cluster, req.service, req.task_definition
            )));
        }
        let (family, revision) = base.rsplit_once(':').unwrap_or((&base, "0"));
        let next = format!("{family}:{}", revision.parse::<u32>().unwrap_or(0) + 1);
        Ok(ResizePlan {
            resource: ResourceRef::EcsService { cluster: req.cluster.clone(), service: req.service.clone() },
            target: "demo fleet".into(),
            base_task_definition: base.clone(),
            before: req.before,
            after: req.after,
            containers: req.containers.clone(),
            monthly_change: req.monthly_change,
            risk: req.risk,
            evidence: req.evidence.clone(),
            owner: None,
            requests: vec![
                format!("demo: read {base}"),
                format!("demo: register {next} (cpu {}, memory {})", req.after.0, req.after.1),
                format!("demo: point {}/{} at {next}", req.cluster, req.service),
            ],
            read_only: self.read_only,
        })
    }

    pub(super) fn apply(&self, plan: &ResizePlan) -> Result<ApplyOutcome, ProviderError> {
        if self.read_only {
            return Err(ProviderError::ReadOnly("started with --read-only".into()));
        }
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
        spec.resize(plan.after.0, plan.after.1);
        spec.containers = plan
            .containers
            .iter()
            .map(|c| Container {
                name: c.name.clone(),
                cpu: c.cpu.1,
                memory_hard: c.memory_hard.1,
                memory_soft: c.memory_soft.1,
            })
            .collect();
        let revision = format!("{}:{}", spec.name, spec.revision);
        *guard = Arc::new(fleet);
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
        ResizeRequest {
            cluster: spec.cluster.clone(),
            service: spec.name.clone(),
            task_definition: format!("{}:{}", spec.name, spec.revision),
            before: (spec.task_cpu, spec.task_memory),
            after: (512, 1024),
            containers: Vec::new(),
            monthly_change: Some(-10.0),
            risk: crate::sizing::recommend::Risk::Low,
            evidence: vec![],
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
