//! AWS's hands: a service's tasks, a shell (ecs:ExecuteCommand), port-forwarding sessions
//! (ssm:StartSession / TerminateSession) and the everyday actions, each on the target (profile,
//! region, account) its service lives in. Writes are refused here for a read-only target, and by
//! the clients' interceptors whatever asks.

use super::{AwsProvider, actions, forward, sdk_error, tasks};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;

impl AwsProvider {
    pub(super) async fn service_tasks(
        &self,
        service: &ResourceRef,
    ) -> Result<crate::domain::ServiceTasks, ProviderError> {
        let ResourceRef::EcsService { cluster, service: name } = service else {
            return Err(ProviderError::Other("tasks are per ECS service".into()));
        };
        let (i, raw) = self.locate(cluster)?;
        let mut tasks = tasks::service_tasks(&self.targets[i], &raw, name).await?;
        tasks.service = Some(service.clone());
        tasks.protected = self.flags(i).protected;
        Ok(tasks)
    }

    pub(super) async fn action_plan(
        &self,
        service: &ResourceRef,
        action: crate::apply::action::ServiceAction,
    ) -> Result<crate::apply::action::ActionPlan, ProviderError> {
        let ResourceRef::EcsService { cluster, service: name } = service else {
            return Err(ProviderError::Other("actions are on ECS services".into()));
        };
        let (i, raw) = self.locate(cluster)?;
        let mut plan = actions::plan(&self.targets[i], service, &raw, name, action).await?;
        let flags = self.flags(i);
        (plan.read_only, plan.dry_run, plan.protected) = (flags.read_only, flags.dry_run, flags.protected);
        Ok(plan)
    }

    pub(super) async fn act(&self, plan: &crate::apply::action::ActionPlan) -> Result<Vec<String>, ProviderError> {
        let ResourceRef::EcsService { cluster, service } = &plan.resource else {
            return Err(ProviderError::Other("actions are on ECS services".into()));
        };
        let (i, raw) = self.locate(cluster)?;
        if self.targets[i].read_only {
            let why = self.targets[i].profile.as_deref().unwrap_or("this profile");
            return Err(ProviderError::ReadOnly(format!("{why} is read-only (--read-only or the config)")));
        }
        if self.options.dry_run {
            return Ok(plan.requests.clone());
        }
        actions::apply(&self.targets[i], &raw, service, plan).await
    }

    pub(super) async fn forward_session(
        &self,
        spec: &crate::exec::forward::ForwardSpec,
        plugin_port: u16,
    ) -> Result<crate::exec::forward::Upstream, ProviderError> {
        let ResourceRef::EcsService { cluster, .. } = &spec.service else {
            return Err(ProviderError::Other("a forward goes through an ECS service's task".into()));
        };
        let (i, _) = self.locate(cluster)?;
        if self.targets[i].read_only {
            let why = self.targets[i].profile.as_deref().unwrap_or("this profile");
            return Err(ProviderError::ReadOnly(format!("{why} is read-only: a forward sends ssm:StartSession")));
        }
        let program = crate::exec::plugin::find().ok_or_else(|| {
            ProviderError::Other(format!(
                "session-manager-plugin is not installed: {}",
                crate::exec::preflight::INSTALL_PLUGIN
            ))
        })?;
        forward::start_port_session(&self.targets[i], spec, plugin_port, self.options.endpoint_url.as_deref(), program)
            .await
    }

    pub(super) async fn endpoint_of(&self, group: &str) -> Result<(String, u16), ProviderError> {
        let (i, raw) = self.locate(group)?;
        let out = self.targets[i]
            .elasticache
            .describe_replication_groups()
            .replication_group_id(&raw)
            .send()
            .await
            .map_err(|e| sdk_error("elasticache:DescribeReplicationGroups", e))?;
        let g = out.replication_groups().first().ok_or_else(|| ProviderError::NotFound(format!("redis:{group}")))?;
        // Cluster mode: the configuration endpoint; otherwise the primary's.
        let endpoint = g
            .configuration_endpoint()
            .or_else(|| g.node_groups().first().and_then(|n| n.primary_endpoint()))
            .and_then(|e| Some((e.address()?.to_string(), e.port().unwrap_or(6379).max(0) as u16)));
        endpoint.ok_or_else(|| ProviderError::Other(format!("{group} has no endpoint yet (still creating?)")))
    }

    pub(super) async fn end_forward_session(&self, spec: &crate::exec::forward::ForwardSpec, session_id: &str) {
        let ResourceRef::EcsService { cluster, .. } = &spec.service else { return };
        let Ok((i, _)) = self.locate(cluster) else { return };
        if let Err(e) = forward::terminate_session(&self.targets[i], session_id).await {
            tracing::warn!(session_id, "could not end a forward's session (it ends at AWS's idle timeout): {e}");
        }
    }

    pub(super) async fn exec_session(
        &self,
        req: &crate::exec::ExecRequest,
    ) -> Result<crate::exec::Handoff, ProviderError> {
        let ResourceRef::EcsService { cluster, .. } = &req.service else {
            return Err(ProviderError::Other("a shell opens in an ECS service's task".into()));
        };
        let (i, raw) = self.locate(cluster)?;
        if self.targets[i].read_only {
            let why = self.targets[i].profile.as_deref().unwrap_or("this profile");
            return Err(ProviderError::ReadOnly(format!("{why} is read-only: a shell sends ecs:ExecuteCommand")));
        }
        tasks::start_exec(&self.targets[i], &raw, req, self.options.endpoint_url.as_deref()).await
    }
}
