//! Resizing an ECS service: read the live service and its task definition, register a copy
//! that differs only in cpu/memory, point the service at it. Nothing here runs unless the user
//! confirmed a plan; in read-only mode the client interceptors refuse it anyway.

use super::{Target, sdk_error};
use crate::apply::plan::{owner_from_tags, short_task_definition as short_name, size_label};
use crate::apply::{ApplyOutcome, ResizePlan, ResizeRequest};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;
use aws_sdk_ecs::types::{ServiceField, TaskDefinition, TaskDefinitionField};

struct Live {
    task_definition_arn: String,
    definition: TaskDefinition,
    tags: Vec<aws_sdk_ecs::types::Tag>,
    service_tags: Vec<aws_sdk_ecs::types::Tag>,
}

async fn read_live(t: &Target, cluster: &str, service: &str) -> Result<Live, ProviderError> {
    let out = t
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .include(ServiceField::Tags)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeServices", e))?;
    let svc = out.services().first().ok_or_else(|| ProviderError::NotFound(format!("ecs:{cluster}/{service}")))?;
    let arn = svc.task_definition().ok_or_else(|| ProviderError::Other(format!("{service} has no task definition")))?;
    let td = t
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeTaskDefinition", e))?;
    let definition = td.task_definition().cloned().ok_or_else(|| ProviderError::NotFound(arn.to_string()))?;
    Ok(Live {
        task_definition_arn: arn.to_string(),
        definition,
        tags: td.tags().to_vec(),
        service_tags: svc.tags().to_vec(),
    })
}

/// How this provider treats writes, copied into each plan.
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    pub read_only: bool,
    pub dry_run: bool,
    pub protected: bool,
}

pub async fn plan(t: &Target, cluster: &str, req: &ResizeRequest, flags: Flags) -> Result<ResizePlan, ProviderError> {
    let live = read_live(t, cluster, &req.service).await?;
    let now = short_name(&live.task_definition_arn);
    if now != short_name(&req.task_definition) {
        return Err(ProviderError::Conflict(format!(
            "{cluster}/{} now runs {now}, the suggestion was made on {}",
            req.service, req.task_definition
        )));
    }
    let family = live.definition.family().unwrap_or("?");
    let owner =
        owner_from_tags(live.service_tags.iter().chain(&live.tags).filter_map(|t| Some((t.key()?, t.value()?))));
    let target = format!("{} · {} · {}", t.profile.as_deref().unwrap_or("default"), t.account, t.region);
    if let Some(to) = &req.rollback_to {
        return rollback_plan(t, cluster, req, flags, live, owner, target, to).await;
    }
    Ok(ResizePlan {
        resource: ResourceRef::EcsService { cluster: req.cluster.clone(), service: req.service.clone() },
        target,
        base_task_definition: live.task_definition_arn.clone(),
        before: req.before,
        after: req.after,
        containers: req.containers.clone(),
        monthly_change: req.monthly_change,
        risk: req.risk,
        evidence: req.evidence.clone(),
        owner,
        requests: vec![
            format!("ecs:DescribeServices cluster={cluster} services={} (check it still runs {now})", req.service),
            format!("ecs:DescribeTaskDefinition {now} include=TAGS"),
            format!(
                "ecs:RegisterTaskDefinition family={family}: {} → {} (containers resized, everything else copied)",
                size_label(req.before),
                size_label(req.after)
            ),
            format!(
                "ecs:UpdateService cluster={cluster} service={} taskDefinition={family}:<new revision>",
                req.service
            ),
        ],
        read_only: flags.read_only,
        dry_run: flags.dry_run,
        protected: flags.protected,
        rollback_to: None,
        node_type: None,
        apply_now: false,
        health: None,
    })
}

#[allow(clippy::too_many_arguments)]
async fn rollback_plan(
    t: &Target,
    cluster: &str,
    req: &ResizeRequest,
    flags: Flags,
    live: Live,
    owner: Option<String>,
    target: String,
    to: &str,
) -> Result<ResizePlan, ProviderError> {
    let now = short_name(&live.task_definition_arn);
    let old = t
        .ecs
        .describe_task_definition()
        .task_definition(to)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeTaskDefinition", e))?;
    let old = old.task_definition().ok_or_else(|| ProviderError::NotFound(to.to_string()))?;
    let size = |d: &TaskDefinition| {
        let n = |v: Option<&str>| v.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
        (n(d.cpu()), n(d.memory()))
    };
    let u = |v: Option<i32>| v.map(|v| v.max(0) as u32);
    let containers = live
        .definition
        .container_definitions()
        .iter()
        .map(|c| {
            let was = old.container_definitions().iter().find(|o| o.name() == c.name());
            crate::apply::ContainerChange {
                name: c.name().unwrap_or("?").to_string(),
                cpu: (c.cpu().max(0) as u32, was.map_or(0, |o| o.cpu().max(0) as u32)),
                memory_hard: (u(c.memory()), was.and_then(|o| u(o.memory()))),
                memory_soft: (u(c.memory_reservation()), was.and_then(|o| u(o.memory_reservation()))),
            }
        })
        .collect();
    let to_arn = old.task_definition_arn().unwrap_or(to).to_string();
    Ok(ResizePlan {
        resource: ResourceRef::EcsService { cluster: req.cluster.clone(), service: req.service.clone() },
        target,
        base_task_definition: live.task_definition_arn.clone(),
        before: size(&live.definition),
        after: size(old),
        containers,
        monthly_change: None,
        risk: req.risk,
        evidence: req.evidence.clone(),
        owner,
        requests: vec![
            format!("ecs:DescribeServices cluster={cluster} services={} (check it still runs {now})", req.service),
            format!(
                "ecs:UpdateService cluster={cluster} service={} taskDefinition={}",
                req.service,
                short_name(&to_arn)
            ),
        ],
        read_only: flags.read_only,
        dry_run: flags.dry_run,
        protected: flags.protected,
        rollback_to: Some(to_arn),
        node_type: None,
        apply_now: false,
        health: None,
    })
}

/// The live definition with only the sizing changed: task cpu/memory and each container's
/// cpu/memory/memoryReservation. Environment, secrets, roles, volumes, tags: copied as they are.
fn resized(def: &TaskDefinition, plan: &ResizePlan) -> Vec<aws_sdk_ecs::types::ContainerDefinition> {
    def.container_definitions()
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if let Some(change) = plan.containers.iter().find(|p| Some(p.name.as_str()) == c.name()) {
                c.cpu = change.cpu.1 as i32;
                c.memory = change.memory_hard.1.map(|m| m as i32);
                c.memory_reservation = change.memory_soft.1.map(|m| m as i32);
            }
            c
        })
        .collect()
}

async fn point_service_at(t: &Target, cluster: &str, service: &str, arn: &str) -> Result<(), ProviderError> {
    t.ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .task_definition(arn)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:UpdateService", e))?;
    Ok(())
}

/// The service's task definition now, checked against the plan's (optimistic concurrency).
async fn check_unchanged(t: &Target, cluster: &str, service: &str, plan: &ResizePlan) -> Result<(), ProviderError> {
    let out = t
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeServices", e))?;
    let now = out.services().first().and_then(|s| s.task_definition()).unwrap_or_default();
    if short_name(now) != short_name(&plan.base_task_definition) {
        return Err(ProviderError::Conflict(format!(
            "{cluster}/{service} now runs {}, the plan was made on {}",
            short_name(now),
            short_name(&plan.base_task_definition)
        )));
    }
    Ok(())
}

/// Point the service back at the task definition a change replaced. No registration: the old
/// revision is still there, unchanged.
pub async fn rollback(
    t: &Target,
    cluster: &str,
    service: &str,
    plan: &ResizePlan,
    to: &str,
) -> Result<ApplyOutcome, ProviderError> {
    check_unchanged(t, cluster, service, plan).await?;
    point_service_at(t, cluster, service, to).await?;
    Ok(ApplyOutcome {
        task_definition: to.to_string(),
        requests: vec![
            format!("ecs:DescribeServices cluster={cluster} services={service}"),
            format!("ecs:UpdateService cluster={cluster} service={service} taskDefinition={}", short_name(to)),
        ],
    })
}

pub async fn apply(t: &Target, cluster: &str, service: &str, plan: &ResizePlan) -> Result<ApplyOutcome, ProviderError> {
    let mut sent = Vec::new();
    let live = read_live(t, cluster, service).await?;
    sent.push(format!("ecs:DescribeServices cluster={cluster} services={service}"));
    sent.push(format!("ecs:DescribeTaskDefinition {} include=TAGS", short_name(&live.task_definition_arn)));
    if short_name(&live.task_definition_arn) != short_name(&plan.base_task_definition) {
        return Err(ProviderError::Conflict(format!(
            "{cluster}/{service} now runs {}, the plan was made on {}",
            short_name(&live.task_definition_arn),
            short_name(&plan.base_task_definition)
        )));
    }
    let d = &live.definition;
    let family = d.family().unwrap_or_default().to_string();
    let registered = t
        .ecs
        .register_task_definition()
        .family(&family)
        .set_task_role_arn(d.task_role_arn.clone())
        .set_execution_role_arn(d.execution_role_arn.clone())
        .set_network_mode(d.network_mode.clone())
        .set_container_definitions(Some(resized(d, plan)))
        .set_volumes(d.volumes.clone())
        .set_placement_constraints(d.placement_constraints.clone())
        .set_requires_compatibilities(d.requires_compatibilities.clone())
        .cpu(plan.after.0.to_string())
        .memory(plan.after.1.to_string())
        .set_tags((!live.tags.is_empty()).then(|| live.tags.clone()))
        .set_pid_mode(d.pid_mode.clone())
        .set_ipc_mode(d.ipc_mode.clone())
        .set_proxy_configuration(d.proxy_configuration.clone())
        .set_ephemeral_storage(d.ephemeral_storage.clone())
        .set_runtime_platform(d.runtime_platform.clone())
        .set_enable_fault_injection(d.enable_fault_injection)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:RegisterTaskDefinition", e))?;
    let new_arn = registered
        .task_definition()
        .and_then(|td| td.task_definition_arn())
        .ok_or_else(|| ProviderError::Other("RegisterTaskDefinition returned no ARN".into()))?
        .to_string();
    sent.push(format!("ecs:RegisterTaskDefinition family={family} cpu={} memory={}", plan.after.0, plan.after.1));
    point_service_at(t, cluster, service, &new_arn).await?;
    sent.push(format!("ecs:UpdateService cluster={cluster} service={service} taskDefinition={}", short_name(&new_arn)));
    Ok(ApplyOutcome { task_definition: new_arn, requests: sent })
}
