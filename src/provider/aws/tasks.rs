//! A service's tasks for the tasks view, and opening a shell in one of its containers. Reading
//! costs a handful of ECS requests per open (two ListTasks, one DescribeTasks per 100 tasks, one
//! DescribeServices, one DescribeTaskDefinition per revision running): no CloudWatch charge.

use super::{Target, sdk_error};
use crate::domain::{LaunchType, ServiceTasks, Task, TaskContainer};
use crate::exec::{ExecRequest, Handoff, Secret, Session, plugin::PluginRun};
use crate::provider::ProviderError;
use aws_sdk_ecs::types::{DesiredStatus, TaskDefinition};
use std::collections::HashMap;

/// Stopped tasks listed at most (ECS keeps them for about an hour).
const STOPPED_SHOWN: usize = 20;

async fn task_arns(
    t: &Target,
    cluster: &str,
    service: &str,
    status: DesiredStatus,
) -> Result<Vec<String>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .ecs
            .list_tasks()
            .cluster(cluster)
            .service_name(service)
            .desired_status(status.clone())
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:ListTasks", e))?;
        arns.extend(page.task_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(arns);
        }
    }
}

async fn described(
    t: &Target,
    cluster: &str,
    arns: Vec<String>,
) -> Result<Vec<aws_sdk_ecs::types::Task>, ProviderError> {
    let mut out = Vec::new();
    for chunk in arns.chunks(100) {
        let answer = t
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error("ecs:DescribeTasks", e))?;
        out.extend(answer.tasks().iter().cloned());
    }
    Ok(out)
}

fn time(t: Option<&aws_sdk_ecs::primitives::DateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.and_then(|d| chrono::DateTime::from_timestamp(d.secs(), 0))
}

fn units(v: Option<&str>) -> Option<u32> {
    v.and_then(|s| s.trim().parse::<f64>().ok()).map(|f| f as u32)
}

/// `family:revision` from a task definition ARN.
fn revision(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

fn task(raw: &aws_sdk_ecs::types::Task, definitions: &HashMap<String, TaskDefinition>) -> Task {
    let id = raw.task_arn().unwrap_or("").rsplit('/').next().unwrap_or("").to_string();
    let td = raw.task_definition_arn().and_then(|a| definitions.get(a));
    let defined = |name: &str| td.and_then(|d| d.container_definitions().iter().find(|c| c.name() == Some(name)));
    let detail = |name: &str| raw.attachments().iter().flat_map(|a| a.details()).find(|d| d.name() == Some(name));
    let containers = raw
        .containers()
        .iter()
        .map(|c| {
            let name = c.name().unwrap_or("").to_string();
            let def = defined(&name);
            let essential = def.and_then(|d| d.essential()).unwrap_or(true);
            let image = c.image().unwrap_or("").to_string();
            let sidecar = crate::domain::Container {
                name: name.clone(),
                image: crate::domain::ecs::image_name(&image),
                cpu: 0,
                memory_hard: None,
                memory_soft: None,
                essential,
                log_router: def.is_some_and(|d| d.firelens_configuration().is_some()),
            }
            .sidecar()
            .is_some();
            TaskContainer {
                exec_agent: c
                    .managed_agents()
                    .iter()
                    .find(|a| a.name().map(|n| n.as_str()) == Some("ExecuteCommandAgent"))
                    .and_then(|a| a.last_status().map(str::to_string)),
                image,
                last_status: c.last_status().unwrap_or("").to_string(),
                health: c.health_status().map_or("UNKNOWN", |h| h.as_str()).to_string(),
                exit_code: c.exit_code(),
                reason: c.reason().map(str::to_string),
                runtime_id: c.runtime_id().map(str::to_string),
                cpu: units(c.cpu()),
                memory: units(c.memory()).or_else(|| units(c.memory_reservation())),
                essential,
                sidecar,
                ports: def
                    .map(|d| d.port_mappings().iter().filter_map(|p| p.container_port()).map(|p| p as u16).collect())
                    .unwrap_or_default(),
                read_only_root: def.and_then(|d| d.readonly_root_filesystem()).unwrap_or(false),
                name,
            }
        })
        .collect();
    Task {
        arn: raw.task_arn().unwrap_or("").to_string(),
        id,
        revision: raw.task_definition_arn().map(revision).unwrap_or_default(),
        launch_type: raw.launch_type().map(|l| match l {
            aws_sdk_ecs::types::LaunchType::Ec2 | aws_sdk_ecs::types::LaunchType::External => LaunchType::Ec2,
            _ => LaunchType::Fargate,
        }),
        platform_version: raw.platform_version().map(str::to_string),
        az: raw.availability_zone().map(str::to_string),
        private_ip: detail("privateIPv4Address").and_then(|d| d.value().map(str::to_string)).or_else(|| {
            raw.containers()
                .iter()
                .flat_map(|c| c.network_interfaces())
                .find_map(|n| n.private_ipv4_address().map(str::to_string))
        }),
        last_status: raw.last_status().unwrap_or("").to_string(),
        desired_status: raw.desired_status().unwrap_or("").to_string(),
        health: raw.health_status().map_or("UNKNOWN", |h| h.as_str()).to_string(),
        started_at: time(raw.started_at()),
        stopped_at: time(raw.stopped_at()),
        stop_code: raw.stop_code().map(|c| c.as_str().to_string()),
        stopped_reason: raw.stopped_reason().map(str::to_string),
        cpu: units(raw.cpu()),
        memory: units(raw.memory()),
        usage: None,
        exec_enabled: raw.enable_execute_command(),
        containers,
    }
}

/// The tasks view of `cluster/service` (`cluster` as ECS names it).
pub async fn service_tasks(t: &Target, cluster: &str, service: &str) -> Result<ServiceTasks, ProviderError> {
    let running = task_arns(t, cluster, service, DesiredStatus::Running).await?;
    let mut stopped = task_arns(t, cluster, service, DesiredStatus::Stopped).await?;
    stopped.truncate(100);
    let exec_on_service = match super::ecs::one_service(t, cluster, service).await {
        Ok(s) => s.enable_execute_command(),
        Err(ProviderError::NotFound(_)) => false,
        Err(e) => return Err(e),
    };
    let raw = described(t, cluster, running.into_iter().chain(stopped).collect()).await?;
    let mut definitions = HashMap::new();
    for arn in raw.iter().filter(|r| r.last_status() != Some("STOPPED")).filter_map(|r| r.task_definition_arn()) {
        if definitions.contains_key(arn) {
            continue;
        }
        let answer = t
            .ecs
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:DescribeTaskDefinition", e))?;
        if let Some(td) = answer.task_definition() {
            definitions.insert(arn.to_string(), td.clone());
        }
    }
    let mut tasks: Vec<Task> = raw.iter().map(|r| task(r, &definitions)).collect();
    tasks.sort_by(|a, b| a.started_at.cmp(&b.started_at).then_with(|| a.id.cmp(&b.id)));
    let (mut stopped, mut running): (Vec<Task>, Vec<Task>) =
        tasks.into_iter().partition(|t| t.last_status == "STOPPED");
    if enhanced_insights(t, cluster).await? {
        usage(t, cluster, &mut running).await?;
    }
    stopped.sort_by_key(|t| std::cmp::Reverse(t.stopped_at));
    stopped.truncate(STOPPED_SHOWN);
    Ok(ServiceTasks { service: None, exec_on_service, running, stopped, protected: false, read_only: t.read_only })
}

/// Whether the cluster has Container Insights with enhanced observability (per-task metrics).
async fn enhanced_insights(t: &Target, cluster: &str) -> Result<bool, ProviderError> {
    let answer = t
        .ecs
        .describe_clusters()
        .clusters(cluster)
        .include(aws_sdk_ecs::types::ClusterField::Settings)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeClusters", e))?;
    Ok(answer
        .clusters()
        .iter()
        .flat_map(|c| c.settings())
        .any(|s| s.name().is_some_and(|n| n.as_str() == "containerInsights") && s.value() == Some("enhanced")))
}

/// Tasks whose usage is read at most (2 metrics each: $0.00002 a task).
const USAGE_TASKS: usize = 100;

/// Each running task's CPU and memory now (the last minute of the last quarter hour) against
/// its reservation, from Container Insights' per-task metrics (`CpuUtilized` in CPU units,
/// `MemoryUtilized` in MiB, by ClusterName, TaskDefinitionFamily and TaskId).
async fn usage(t: &Target, cluster: &str, running: &mut [Task]) -> Result<(), ProviderError> {
    use super::metrics::{MetricQuery, Span, fetch};
    let shown = running.len().min(USAGE_TASKS);
    let queries: Vec<MetricQuery> = running[..shown]
        .iter()
        .flat_map(|task| {
            let family = task.revision.split(':').next().unwrap_or_default().to_string();
            let q = |metric| {
                MetricQuery::new("ECS/ContainerInsights", metric, "Average")
                    .dim("ClusterName", cluster)
                    .dim("TaskDefinitionFamily", family.clone())
                    .dim("TaskId", task.id.clone())
            };
            [q("CpuUtilized"), q("MemoryUtilized")]
        })
        .collect();
    if queries.is_empty() {
        return Ok(());
    }
    let span = Span::ending(chrono::Utc::now().timestamp(), 60, 15 * 60);
    let series = fetch(t, crate::provider::meter::MetricSource::DetailView, &queries, span).await?;
    let last = |s: &[f32]| s.iter().rev().copied().find(|v| v.is_finite());
    for (task, pair) in running.iter_mut().zip(series.chunks(2)) {
        let cpu_reserved =
            task.cpu.or_else(|| Some(task.containers.iter().filter_map(|c| c.cpu).sum())).filter(|c| *c > 0);
        let mem_reserved =
            task.memory.or_else(|| Some(task.containers.iter().filter_map(|c| c.memory).sum())).filter(|m| *m > 0);
        if let ([cpu, mem], Some(cr), Some(mr)) = (pair, cpu_reserved, mem_reserved)
            && let (Some(c), Some(m)) = (last(cpu), last(mem))
        {
            task.usage = Some((c / cr as f32 * 100.0, m / mr as f32 * 100.0));
        }
    }
    Ok(())
}

/// ecs:ExecuteCommand, then what the plugin is given (as the AWS CLI gives it).
pub async fn start_exec(
    t: &Target,
    cluster: &str,
    req: &ExecRequest,
    endpoint_override: Option<&str>,
) -> Result<Handoff, ProviderError> {
    let program = req.plugin.clone().ok_or_else(|| {
        ProviderError::Other(format!(
            "session-manager-plugin is not installed: {}",
            crate::exec::preflight::INSTALL_PLUGIN
        ))
    })?;
    let answer = t
        .ecs
        .execute_command()
        .cluster(cluster)
        .task(&req.task)
        .container(&req.container)
        .command(&req.command)
        .interactive(true)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:ExecuteCommand", e))?;
    let session =
        answer.session().ok_or_else(|| ProviderError::Other("ecs:ExecuteCommand returned no session".into()))?;
    let session = Session {
        session_id: session.session_id().unwrap_or("").to_string(),
        stream_url: session.stream_url().unwrap_or("").to_string(),
        token: Secret::new(session.token_value().unwrap_or("")),
    };
    // The target names the cluster as ECS does in the answer's ARN (the CLI's rule).
    let cluster_name = answer.cluster_arn().and_then(|a| a.rsplit('/').next()).unwrap_or(cluster);
    let target = crate::exec::plugin::target(cluster_name, &req.task, &req.runtime_id);
    let endpoint = crate::exec::plugin::ecs_endpoint(&t.region, endpoint_override);
    Ok(Handoff::Plugin(PluginRun::shell(program, &session, &t.region, t.profile.as_deref(), &target, &endpoint)))
}
