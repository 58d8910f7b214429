//! The everyday service actions on AWS: read what is live (DescribeServices, the service's
//! scalable target), plan exactly the requests, and send them once confirmed (UpdateService,
//! StopTask). The interceptors refuse them in read-only mode whatever asks.

use super::{Target, map, sdk_error};
use crate::apply::action::{ActionPlan, Live, ServiceAction};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;

/// The live service as an action needs it.
async fn live(t: &Target, cluster: &str, service: &str) -> Result<Live, ProviderError> {
    let svc = &super::ecs::one_service(t, cluster, service).await?;
    let bounds = t
        .autoscaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_ids(format!("service/{cluster}/{service}"))
        .send()
        .await
        .map_err(|e| sdk_error("application-autoscaling:DescribeScalableTargets", e))?;
    Ok(Live {
        desired: svc.desired_count().max(0) as u32,
        running: svc.running_count().max(0) as u32,
        exec_enabled: svc.enable_execute_command(),
        controller_block: crate::apply::plan::controller_block(map::deployment_controller(svc)),
        autoscaling: bounds
            .scalable_targets()
            .first()
            .map(|s| (s.min_capacity().max(0) as u32, s.max_capacity().max(0) as u32)),
    })
}

pub async fn plan(
    t: &Target,
    resource: &ResourceRef,
    cluster: &str,
    service: &str,
    action: ServiceAction,
) -> Result<ActionPlan, ProviderError> {
    let live = live(t, cluster, service).await?;
    let mut plan = ActionPlan::new(resource.clone(), cluster, service, action, &live);
    // A CODE_DEPLOY service may still be scaled or have a task stopped: only a deployment is
    // the controller's.
    if !plan.deploys() {
        plan.blocked = None;
    }
    plan.target = format!("{} · {} · {}", t.profile.as_deref().unwrap_or("default"), t.account(), t.region);
    Ok(plan)
}

/// Send the plan's requests; the lines sent.
pub async fn apply(t: &Target, cluster: &str, service: &str, plan: &ActionPlan) -> Result<Vec<String>, ProviderError> {
    if let Some(why) = &plan.blocked {
        return Err(ProviderError::Refused(why.clone()));
    }
    let update = || t.ecs.update_service().cluster(cluster).service(service);
    match &plan.action {
        ServiceAction::Restart => {
            update().force_new_deployment(true).send().await.map_err(|e| sdk_error("ecs:UpdateService", e))?;
        }
        ServiceAction::DesiredCount { to } => {
            update().desired_count(*to as i32).send().await.map_err(|e| sdk_error("ecs:UpdateService", e))?;
        }
        ServiceAction::EnableExec => {
            update()
                .enable_execute_command(true)
                .force_new_deployment(true)
                .send()
                .await
                .map_err(|e| sdk_error("ecs:UpdateService", e))?;
        }
        ServiceAction::StopTask { task, reason } => {
            t.ecs
                .stop_task()
                .cluster(cluster)
                .task(task)
                .reason(reason)
                .send()
                .await
                .map_err(|e| sdk_error("ecs:StopTask", e))?;
        }
    }
    Ok(plan.requests.clone())
}
