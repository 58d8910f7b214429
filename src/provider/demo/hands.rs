//! The demo fleet's hands: its tasks, a simulated shell, forwards answered by the relay itself,
//! and the everyday actions changing the simulated service (the trait's methods call these).

use super::{DemoProvider, fleet, tasks};
use crate::apply::action::{ActionPlan, Live, ServiceAction};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;
use std::sync::Arc;

impl DemoProvider {
    /// The spec of an ECS service of the fleet, as it is now.
    pub(super) fn service_spec(&self, service: &ResourceRef) -> Result<fleet::ServiceSpec, ProviderError> {
        let ResourceRef::EcsService { cluster, service } = service else {
            return Err(ProviderError::Other("tasks are per ECS service".into()));
        };
        self.fleet()
            .services
            .iter()
            .find(|s| &s.cluster == cluster && &s.name == service)
            .cloned()
            .ok_or_else(|| ProviderError::NotFound(format!("{cluster}/{service}")))
    }

    /// Whether ECS Exec was enabled on the service in this session.
    fn exec_enabled_here(&self, spec: &fleet::ServiceSpec) -> bool {
        self.exec_on.lock().unwrap_or_else(|e| e.into_inner()).contains(&format!("{}/{}", spec.cluster, spec.name))
    }

    /// What the tasks view of `service` is computed from: (spec, read-only, protected, exec on).
    pub(super) fn tasks_of(
        &self,
        service: &ResourceRef,
    ) -> Result<(fleet::ServiceSpec, bool, bool, bool), ProviderError> {
        let spec = self.service_spec(service)?;
        let exec_on = self.exec_enabled_here(&spec);
        self.meter.record_many("ecs:ListTasks", 2);
        self.meter.record_many("ecs:DescribeTasks", 1);
        Ok((spec, self.read_only, self.protected, exec_on))
    }

    /// A service's desired count (its task count when not autoscaled).
    fn set_desired(&self, cluster: &str, service: &str, to: u32) -> Result<(), ProviderError> {
        let mut guard = self.fleet.write().unwrap_or_else(|e| e.into_inner());
        let mut fleet = fleet::Fleet::clone(&guard);
        let spec = fleet
            .services
            .iter_mut()
            .find(|s| s.cluster == cluster && s.name == service)
            .ok_or_else(|| ProviderError::NotFound(format!("{cluster}/{service}")))?;
        spec.desired = to;
        *guard = Arc::new(fleet);
        Ok(())
    }

    pub(super) fn action_plan(
        &self,
        service: &ResourceRef,
        action: ServiceAction,
    ) -> Result<ActionPlan, ProviderError> {
        let spec = self.service_spec(service)?;
        let live = Live {
            desired: spec.desired,
            running: spec.running_at(self.clock.now()),
            exec_enabled: tasks::exec_on_service(&spec) || self.exec_enabled_here(&spec),
            controller_block: crate::apply::plan::controller_block(spec.controller),
            autoscaling: spec.autoscaling.as_ref().map(|a| (a.min, a.max)),
        };
        self.meter.record_many("ecs:DescribeServices", 1);
        let mut plan = ActionPlan::new(service.clone(), &spec.cluster, &spec.name, action, &live);
        // Only a deployment is a CodeDeploy service's controller's.
        if !plan.deploys() {
            plan.blocked = None;
        }
        plan.target = "demo fleet".into();
        (plan.read_only, plan.dry_run, plan.protected) = (self.read_only, self.dry_run, self.protected);
        Ok(plan)
    }

    pub(super) fn act(&self, plan: &ActionPlan) -> Result<Vec<String>, ProviderError> {
        if self.read_only {
            return Err(ProviderError::ReadOnly("the demo fleet was started read-only".into()));
        }
        if let Some(why) = &plan.blocked {
            return Err(ProviderError::Refused(why.clone()));
        }
        if self.dry_run {
            return Ok(plan.requests.clone());
        }
        let spec = self.service_spec(&plan.resource)?;
        match &plan.action {
            ServiceAction::DesiredCount { to } => self.set_desired(&spec.cluster, &spec.name, *to)?,
            ServiceAction::EnableExec => {
                self.exec_on
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(format!("{}/{}", spec.cluster, spec.name));
            }
            ServiceAction::Restart | ServiceAction::StopTask { .. } => {}
        }
        self.meter.record_many(
            if matches!(plan.action, ServiceAction::StopTask { .. }) { "ecs:StopTask" } else { "ecs:UpdateService" },
            1,
        );
        Ok(plan.requests.clone())
    }

    /// The demo's forward: the relay answers each connection itself.
    pub(super) fn forward_upstream(
        &self,
        spec: &crate::exec::forward::ForwardSpec,
    ) -> Result<crate::exec::forward::Upstream, ProviderError> {
        if self.read_only {
            return Err(ProviderError::ReadOnly("a forward sends ssm:StartSession, a write".into()));
        }
        self.service_spec(&spec.service)?;
        self.meter.record_many("ssm:StartSession", 1);
        Ok(crate::exec::forward::Upstream::Simulated)
    }

    /// A replication group's primary endpoint, shaped as ElastiCache names them.
    pub(super) fn endpoint_of(&self, group: &str) -> Result<(String, u16), ProviderError> {
        let fleet = self.fleet();
        let spec = fleet
            .caches
            .iter()
            .find(|c| c.id == group)
            .ok_or_else(|| ProviderError::NotFound(format!("redis:{group}")))?;
        self.meter.record_many("elasticache:DescribeReplicationGroups", 1);
        Ok((format!("master.{}.x7kq2d.use1.cache.amazonaws.com", spec.id), 6379))
    }

    /// The demo's shell: a simulated task behind the same hand-over of the terminal.
    pub(super) fn simulated_shell(
        &self,
        req: &crate::exec::ExecRequest,
    ) -> Result<crate::exec::Handoff, ProviderError> {
        if self.read_only {
            return Err(ProviderError::ReadOnly("a shell sends ecs:ExecuteCommand, a write".into()));
        }
        let spec = self.service_spec(&req.service)?;
        let image = spec.containers.iter().find(|c| c.name == req.container).map_or("app".into(), |c| c.image.clone());
        self.meter.record_many("ecs:ExecuteCommand", 1);
        Ok(crate::exec::Handoff::Simulated(crate::exec::simulated::SimulatedTask {
            session_id: format!("ecs-execute-command-demo-{}", &req.task[..req.task.len().min(8)]),
            cluster: spec.cluster.clone(),
            service: spec.name.clone(),
            task_id: req.task.clone(),
            container: req.container.clone(),
            image,
            command: req.command.clone(),
            env: tasks::environment(&spec, &req.container),
        }))
    }
}
