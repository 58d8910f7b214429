//! Resizing an ECS service: read the live service and its task definition, register a copy
//! that differs only in cpu/memory, point the service at it. Nothing here runs unless the user
//! confirmed a plan; in read-only mode the client interceptors refuse it anyway.

use super::{Target, map, sdk_error};
use crate::apply::plan::{
    controller_block, pair_with_live, rollback_changes, short_task_definition as short_name, size_label,
};
use crate::apply::{ApplyOutcome, ResizePlan, ResizeRequest};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;
use aws_sdk_ecs::types::{ServiceField, Tag, TaskDefinition, TaskDefinitionField, TaskDefinitionStatus};

struct Live {
    task_definition_arn: String,
    definition: TaskDefinition,
    tags: Vec<Tag>,
    service_tags: Vec<Tag>,
    controller: crate::domain::DeploymentController,
    /// The service as ECS named it (an old one's ARN is in the short format).
    service: crate::domain::ServiceKey,
}

async fn describe_definition(t: &Target, arn: &str) -> Result<(TaskDefinition, Vec<Tag>), ProviderError> {
    let td = t
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeTaskDefinition", e))?;
    let definition = td.task_definition().cloned().ok_or_else(|| ProviderError::NotFound(arn.to_string()))?;
    Ok((definition, td.tags().to_vec()))
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
    let (definition, tags) = describe_definition(t, arn).await?;
    Ok(Live {
        task_definition_arn: arn.to_string(),
        definition,
        tags,
        service_tags: svc.tags().to_vec(),
        controller: map::deployment_controller(svc),
        service: crate::domain::ServiceKey {
            cluster: cluster.to_string(),
            service: service.to_string(),
            aws_arn: svc.service_arn().map(str::to_string),
            ..Default::default()
        },
    })
}

/// How this provider treats writes, copied into each plan.
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    pub read_only: bool,
    pub dry_run: bool,
    pub protected: bool,
}

fn conflict(cluster: &str, service: &str, now: &str, planned_on: &str) -> ProviderError {
    ProviderError::Conflict(format!("{cluster}/{service} now runs {now}, the plan was made on {planned_on}"))
}

fn containers(def: &TaskDefinition) -> Vec<crate::domain::Container> {
    def.container_definitions().iter().map(map::container).collect()
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
    let owner = crate::domain::Ownership::from_tags(
        live.service_tags.iter().chain(&live.tags).filter_map(|t| Some((t.key()?, t.value()?))),
    );
    let target = format!("{} · {} · {}", t.profile.as_deref().unwrap_or("default"), t.account(), t.region);
    let td = map::task_def(&live.definition);
    let blocked = controller_block(live.controller);
    if let Some(to) = &req.rollback_to {
        return rollback_plan(t, cluster, req, flags, &live, owner, target, to).await;
    }
    let tagged = if live.tags.is_empty() { "" } else { ", its tags carried over (needs ecs:TagResource)" };
    Ok(ResizePlan {
        // The provider adds whose it is.
        identity: Some(crate::domain::ResourceKey::Service(live.service.clone())),
        resource: ResourceRef::EcsService { cluster: req.cluster.clone(), service: req.service.clone() },
        target,
        base_task_definition: live.task_definition_arn.clone(),
        before: (td.cpu, td.memory),
        after: req.after,
        containers: pair_with_live(&containers(&live.definition), &req.containers)?,
        monthly_change: req.monthly_change,
        risk: req.risk,
        evidence: req.evidence.clone(),
        owner,
        requests: vec![
            format!("ecs:DescribeServices cluster={cluster} services={} (check it still runs {now})", req.service),
            format!("ecs:DescribeTaskDefinition {now} include=TAGS"),
            format!(
                "ecs:RegisterTaskDefinition family={family}: {} → {} (containers resized, everything else copied{tagged})",
                size_label(td_size(&td)),
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
        fargate: td.fargate,
        task_level: td.task_level,
        floors: req.floors.clone(),
        blocked,
        reregister: false,
    })
}

fn td_size(td: &map::TaskDef) -> (u32, u32) {
    (td.cpu, td.memory)
}

/// A revision a service can be pointed at again: ECS refuses to update a service to an INACTIVE
/// (deregistered) one ("you can't update an existing service to reference an INACTIVE task
/// definition": DeregisterTaskDefinition's API reference), nor to one being deleted.
fn usable(def: &TaskDefinition) -> bool {
    matches!(def.status(), None | Some(TaskDefinitionStatus::Active))
}

#[allow(clippy::too_many_arguments)]
async fn rollback_plan(
    t: &Target,
    cluster: &str,
    req: &ResizeRequest,
    flags: Flags,
    live: &Live,
    owner: Option<crate::domain::Ownership>,
    target: String,
    to: &str,
) -> Result<ResizePlan, ProviderError> {
    let now = short_name(&live.task_definition_arn);
    let (old, _) = describe_definition(t, to).await?;
    let (before, after) = (map::task_def(&live.definition), map::task_def(&old));
    let containers = rollback_changes(&containers(&live.definition), &containers(&old));
    let to_arn = old.task_definition_arn().unwrap_or(to).to_string();
    let mut requests =
        vec![format!("ecs:DescribeServices cluster={cluster} services={} (check it still runs {now})", req.service)];
    let mut evidence = req.evidence.clone();
    let reregister = !usable(&old);
    if reregister {
        let status = old.status().map_or("?", |s| s.as_str());
        evidence.push(format!(
            "{} is {status} (deregistered): ECS will not point a service at it, so a copy is registered first",
            short_name(&to_arn)
        ));
        requests.push(format!("ecs:DescribeTaskDefinition {} include=TAGS", short_name(&to_arn)));
        requests.push(format!(
            "ecs:RegisterTaskDefinition family={}: a copy of {}",
            old.family().unwrap_or("?"),
            short_name(&to_arn)
        ));
        requests.push(format!("ecs:UpdateService cluster={cluster} service={} taskDefinition=<the copy>", req.service));
    } else {
        requests.push(format!(
            "ecs:UpdateService cluster={cluster} service={} taskDefinition={}",
            req.service,
            short_name(&to_arn)
        ));
    }
    Ok(ResizePlan {
        // The provider adds whose it is.
        identity: Some(crate::domain::ResourceKey::Service(live.service.clone())),
        resource: ResourceRef::EcsService { cluster: req.cluster.clone(), service: req.service.clone() },
        target,
        base_task_definition: live.task_definition_arn.clone(),
        before: td_size(&before),
        after: td_size(&after),
        containers,
        monthly_change: None,
        risk: req.risk,
        evidence,
        owner,
        requests,
        read_only: flags.read_only,
        dry_run: flags.dry_run,
        protected: flags.protected,
        rollback_to: Some(to_arn),
        node_type: None,
        apply_now: false,
        health: None,
        fargate: after.fargate,
        task_level: after.task_level,
        floors: None,
        blocked: controller_block(live.controller),
        reregister,
    })
}

/// The live definition with only the sizing changed: each container's cpu/memory/
/// memoryReservation as the plan says. Environment, secrets, roles, volumes, tags: copied as they are.
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

/// Register `def` again (a new revision of its family) with `containers`, task-level cpu and
/// memory only where it sets them, and `tags`. Everything else is copied.
async fn register(
    t: &Target,
    def: &TaskDefinition,
    containers: Vec<aws_sdk_ecs::types::ContainerDefinition>,
    size: Option<(u32, u32)>,
    tags: &[Tag],
) -> Result<String, ProviderError> {
    // An EC2 task definition without task-level cpu/memory stays without: its containers'
    // values are its size.
    let cpu = def.cpu().map(|v| size.map_or(v.to_string(), |s| s.0.to_string()));
    let memory = def.memory().map(|v| size.map_or(v.to_string(), |s| s.1.to_string()));
    let registered = t
        .ecs
        .register_task_definition()
        .family(def.family().unwrap_or_default())
        .set_task_role_arn(def.task_role_arn.clone())
        .set_execution_role_arn(def.execution_role_arn.clone())
        .set_network_mode(def.network_mode.clone())
        .set_container_definitions(Some(containers))
        .set_volumes(def.volumes.clone())
        .set_placement_constraints(def.placement_constraints.clone())
        .set_requires_compatibilities(def.requires_compatibilities.clone())
        .set_cpu(cpu)
        .set_memory(memory)
        .set_tags((!tags.is_empty()).then(|| tags.to_vec()))
        .set_pid_mode(def.pid_mode.clone())
        .set_ipc_mode(def.ipc_mode.clone())
        .set_proxy_configuration(def.proxy_configuration.clone())
        .set_ephemeral_storage(def.ephemeral_storage.clone())
        .set_runtime_platform(def.runtime_platform.clone())
        .set_enable_fault_injection(def.enable_fault_injection)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:RegisterTaskDefinition", e))?;
    registered
        .task_definition()
        .and_then(|td| td.task_definition_arn())
        .map(str::to_string)
        .ok_or_else(|| ProviderError::Other("RegisterTaskDefinition returned no ARN".into()))
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
    let svc = out.services().first();
    let now = svc.and_then(|s| s.task_definition()).unwrap_or_default();
    if short_name(now) != short_name(&plan.base_task_definition) {
        return Err(conflict(cluster, service, short_name(now), short_name(&plan.base_task_definition)));
    }
    if let Some(why) = svc.map(map::deployment_controller).and_then(controller_block) {
        return Err(ProviderError::Refused(why));
    }
    Ok(())
}

/// Point the service back at the task definition a change replaced. No registration unless the
/// old revision was deregistered meanwhile: then a copy of it is registered and used.
pub async fn rollback(
    t: &Target,
    cluster: &str,
    service: &str,
    plan: &ResizePlan,
    to: &str,
) -> Result<ApplyOutcome, ProviderError> {
    check_unchanged(t, cluster, service, plan).await?;
    let mut requests = vec![format!("ecs:DescribeServices cluster={cluster} services={service}")];
    let mut arn = to.to_string();
    if plan.reregister {
        let (old, tags) = describe_definition(t, to).await?;
        requests.push(format!("ecs:DescribeTaskDefinition {} include=TAGS", short_name(to)));
        arn = register(t, &old, old.container_definitions().to_vec(), None, &tags).await?;
        requests.push(format!("ecs:RegisterTaskDefinition a copy of {} → {}", short_name(to), short_name(&arn)));
    }
    point_service_at(t, cluster, service, &arn).await?;
    requests.push(format!("ecs:UpdateService cluster={cluster} service={service} taskDefinition={}", short_name(&arn)));
    Ok(ApplyOutcome { task_definition: arn, requests })
}

pub async fn apply(t: &Target, cluster: &str, service: &str, plan: &ResizePlan) -> Result<ApplyOutcome, ProviderError> {
    // The same check the plan passed when shown: nothing unsafe is written, whoever calls.
    crate::apply::plan::check(plan)?;
    if let Some(why) = &plan.blocked {
        return Err(ProviderError::Refused(why.clone()));
    }
    let mut sent = Vec::new();
    let live = read_live(t, cluster, service).await?;
    sent.push(format!("ecs:DescribeServices cluster={cluster} services={service}"));
    sent.push(format!("ecs:DescribeTaskDefinition {} include=TAGS", short_name(&live.task_definition_arn)));
    if short_name(&live.task_definition_arn) != short_name(&plan.base_task_definition) {
        return Err(conflict(
            cluster,
            service,
            short_name(&live.task_definition_arn),
            short_name(&plan.base_task_definition),
        ));
    }
    if let Some(why) = controller_block(live.controller) {
        return Err(ProviderError::Refused(why));
    }
    let d = &live.definition;
    let new_arn = register(t, d, resized(d, plan), Some(plan.after), &live.tags).await?;
    sent.push(format!(
        "ecs:RegisterTaskDefinition family={} cpu={} memory={}",
        d.family().unwrap_or_default(),
        d.cpu().map_or("(none)".to_string(), |_| plan.after.0.to_string()),
        d.memory().map_or("(none)".to_string(), |_| plan.after.1.to_string())
    ));
    point_service_at(t, cluster, service, &new_arn).await?;
    sent.push(format!("ecs:UpdateService cluster={cluster} service={service} taskDefinition={}", short_name(&new_arn)));
    Ok(ApplyOutcome { task_definition: new_arn, requests: sent })
}
