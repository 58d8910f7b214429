//! ECS inventory: clusters, services, task definitions (cached by ARN), running and stopped
//! tasks, target tracking. Paged at the API maxima, with bounded concurrency.

use super::map::{self, TaskDef};
use super::metrics;
use super::{CONCURRENCY, Target, sdk_error};
use crate::domain::{AutoScaling, LaunchType};
use crate::provider::ProviderError;
use aws_sdk_ecs::types::{ClusterField, DesiredStatus};
use futures::{StreamExt, TryStreamExt, stream};

pub use super::ecs_rows::{alb_of, carried, service_queries, usage_history, with_metrics};

/// Services per GetMetricData call (4 queries each, 500 queries a call).
pub const SERVICES_PER_METRICS_CALL: usize = metrics::MAX_QUERIES_PER_CALL / 4;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

const LIST_SERVICES_PAGE: i32 = 100;
const DESCRIBE_SERVICES_BATCH: usize = 10;
const LIST_TASKS_PAGE: i32 = 100;
const DESCRIBE_TASKS_BATCH: usize = 100;
const DESCRIBE_CLUSTERS_BATCH: usize = 100;

/// One service as the inventory found it, before metrics.
#[derive(Debug, Clone)]
pub struct ServiceRecord {
    pub cluster: String,
    pub name: String,
    /// As DescribeServices gave it: an old service's is in the short format.
    pub arn: Option<String>,
    pub launch_type: LaunchType,
    pub desired: u32,
    pub running: u32,
    pub task_definition: TaskDef,
    pub task_ids: Vec<String>,
    pub oom_kills: u32,
    pub autoscaling: Option<AutoScaling>,
    /// Newest first, as ECS keeps them.
    pub events: Vec<(i64, String)>,
    pub deployment: Option<crate::domain::Deployment>,
    /// Deployments, service events worth reading and stopped tasks, for the incident timeline.
    pub history: Vec<crate::domain::TimelineEvent>,
    pub container_insights: bool,
    /// Container Insights with enhanced observability: per-task metrics exist.
    pub task_metrics: bool,
    /// The target groups its `loadBalancers` register tasks with (ARNs).
    pub target_groups: Vec<String>,
    pub controller: crate::domain::DeploymentController,
    /// Share of its tasks on FARGATE_SPOT.
    pub spot_share: f32,
}

impl ServiceRecord {
    pub fn key(&self) -> String {
        format!("{}/{}", self.cluster, self.name)
    }
}

/// Task definitions are immutable: one DescribeTaskDefinition per ARN per session.
#[derive(Debug, Default)]
pub struct TaskDefCache {
    by_arn: Mutex<HashMap<String, TaskDef>>,
}

impl TaskDefCache {
    fn get(&self, arn: &str) -> Option<TaskDef> {
        self.by_arn.lock().unwrap_or_else(|e| e.into_inner()).get(arn).cloned()
    }

    pub(super) fn put(&self, arn: String, td: TaskDef) {
        self.by_arn.lock().unwrap_or_else(|e| e.into_inner()).insert(arn, td);
    }
}

async fn cluster_arns(t: &Target) -> Result<Vec<String>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .ecs
            .list_clusters()
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:ListClusters", e))?;
        arns.extend(page.cluster_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(arns);
        }
    }
}

/// Container Insights per cluster: on (`enabled` or `enhanced`), and whether it has per-task
/// metrics (`enhanced`).
async fn insights_clusters(t: &Target, arns: &[String]) -> Result<HashMap<String, bool>, ProviderError> {
    let mut on = HashMap::new();
    for chunk in arns.chunks(DESCRIBE_CLUSTERS_BATCH) {
        let answer = t
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:DescribeClusters", e))?;
        for c in answer.clusters() {
            let setting = c
                .settings()
                .iter()
                .find(|s| s.name().is_some_and(|n| n.as_str() == "containerInsights"))
                .and_then(|s| s.value());
            if let Some(v @ ("enabled" | "enhanced")) = setting {
                on.insert(c.cluster_name().unwrap_or_default().to_string(), v == "enhanced");
            }
        }
    }
    Ok(on)
}

/// One service, described (the tasks view, its actions, the logs view); NotFound when ECS has
/// no such service.
pub(super) async fn one_service(
    t: &Target,
    cluster: &str,
    service: &str,
) -> Result<aws_sdk_ecs::types::Service, ProviderError> {
    let out = t
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeServices", e))?;
    out.services().first().cloned().ok_or_else(|| ProviderError::NotFound(format!("ecs:{cluster}/{service}")))
}

async fn service_arns(t: &Target, cluster: &str) -> Result<Vec<String>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .ecs
            .list_services()
            .cluster(cluster)
            .max_results(LIST_SERVICES_PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:ListServices", e))?;
        arns.extend(page.service_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(arns);
        }
    }
}

async fn describe_services(
    t: &Target,
    cluster: &str,
    arns: Vec<String>,
) -> Result<Vec<aws_sdk_ecs::types::Service>, ProviderError> {
    let batches: Vec<Vec<String>> = arns.chunks(DESCRIBE_SERVICES_BATCH).map(<[String]>::to_vec).collect();
    let pages: Vec<Vec<aws_sdk_ecs::types::Service>> = stream::iter(batches)
        .map(|batch| async move {
            t.ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(batch))
                .send()
                .await
                .map(|a| a.services().to_vec())
                .map_err(|e| sdk_error("ecs:DescribeServices", e))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok(pages.into_iter().flatten().collect())
}

/// Tasks of a cluster in one desired status, described.
async fn tasks(
    t: &Target,
    cluster: &str,
    status: DesiredStatus,
) -> Result<Vec<aws_sdk_ecs::types::Task>, ProviderError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .ecs
            .list_tasks()
            .cluster(cluster)
            .desired_status(status.clone())
            .max_results(LIST_TASKS_PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ecs:ListTasks", e))?;
        arns.extend(page.task_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for chunk in arns.chunks(DESCRIBE_TASKS_BATCH) {
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

async fn task_definitions(t: &Target, cache: &TaskDefCache, arns: HashSet<String>) -> Result<(), ProviderError> {
    let missing: Vec<String> = arns.into_iter().filter(|a| cache.get(a).is_none()).collect();
    stream::iter(missing)
        .map(|arn| async move {
            let answer = t
                .ecs
                .describe_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .map_err(|e| sdk_error("ecs:DescribeTaskDefinition", e))?;
            if let Some(td) = answer.task_definition() {
                cache.put(arn, map::task_def(td));
            }
            Ok::<_, ProviderError>(())
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Target tracking on ECS services, keyed `cluster/service`: one paged call for the namespace,
/// plus the scalable targets for min/max.
async fn autoscaling(t: &Target) -> Result<HashMap<String, AutoScaling>, ProviderError> {
    use aws_sdk_applicationautoscaling::types::ServiceNamespace;
    let mut bounds: HashMap<String, (u32, u32)> = HashMap::new();
    let mut token = None;
    loop {
        let page = t
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("application-autoscaling:DescribeScalableTargets", e))?;
        for st in page.scalable_targets() {
            let key = st.resource_id().trim_start_matches("service/").to_string();
            bounds.insert(key, (st.min_capacity().max(0) as u32, st.max_capacity().max(0) as u32));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut out = HashMap::new();
    let mut token = None;
    loop {
        let page = t
            .autoscaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("application-autoscaling:DescribeScalingPolicies", e))?;
        for p in page.scaling_policies() {
            let Some(cfg) = p.target_tracking_scaling_policy_configuration() else { continue };
            let metric = cfg
                .predefined_metric_specification()
                .map(|m| m.predefined_metric_type().as_str().to_string())
                .unwrap_or_else(|| "custom metric".into());
            let key = p.resource_id().trim_start_matches("service/").to_string();
            let (min, max) = bounds.get(&key).copied().unwrap_or((0, 0));
            out.insert(key, AutoScaling { metric, target: cfg.target_value() as f32, min, max });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// One service as its cluster's calls found it: the service, its running task ids, OOM kills
/// among the stopped tasks ECS still lists, and those stopped tasks as timeline entries.
type Found = (aws_sdk_ecs::types::Service, Vec<String>, u32, Vec<crate::domain::TimelineEvent>);

/// Everything about one cluster's services, except metrics.
async fn cluster_services(t: &Target, cache: &TaskDefCache, cluster_arn: &str) -> Result<Vec<Found>, ProviderError> {
    let cluster = map::arn_name(cluster_arn).to_string();
    let arns = service_arns(t, &cluster).await?;
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    let (services, running, stopped) = tokio::try_join!(
        describe_services(t, &cluster, arns),
        tasks(t, &cluster, DesiredStatus::Running),
        tasks(t, &cluster, DesiredStatus::Stopped),
    )?;
    task_definitions(t, cache, services.iter().filter_map(|s| s.task_definition().map(str::to_string)).collect())
        .await?;
    let mut task_ids: HashMap<&str, Vec<String>> = HashMap::new();
    for task in &running {
        if let Some(service) = map::task_service(task.group()) {
            task_ids.entry(service).or_default().push(map::arn_name(task.task_arn().unwrap_or_default()).to_string());
        }
    }
    let mut ooms: HashMap<&str, u32> = HashMap::new();
    let mut stops: HashMap<&str, Vec<crate::domain::TimelineEvent>> = HashMap::new();
    for task in &stopped {
        let Some(service) = map::task_service(task.group()) else { continue };
        if map::is_oom_stop(task) {
            *ooms.entry(service).or_default() += 1;
        }
        stops.entry(service).or_default().extend(super::events::stopped_task_event(task, &cluster));
    }
    Ok(services
        .iter()
        .map(|s| {
            let name = s.service_name().unwrap_or_default();
            (
                s.clone(),
                task_ids.get(name).cloned().unwrap_or_default(),
                ooms.get(name).copied().unwrap_or(0),
                stops.remove(name).unwrap_or_default(),
            )
        })
        .collect())
}

/// The whole ECS estate of one target.
pub async fn inventory(t: &Target, cache: &TaskDefCache) -> Result<Vec<ServiceRecord>, ProviderError> {
    inventory_with(t, cache, &|_| ()).await
}

/// The estate, handing each cluster's records to `on_cluster` as soon as that cluster is done.
pub async fn inventory_with(
    t: &Target,
    cache: &TaskDefCache,
    on_cluster: &(dyn Fn(Vec<ServiceRecord>) + Send + Sync),
) -> Result<Vec<ServiceRecord>, ProviderError> {
    let clusters = cluster_arns(t).await?;
    let (insights, scaling) = tokio::try_join!(insights_clusters(t, &clusters), autoscaling(t))?;
    let mut per_cluster = stream::iter(clusters)
        .map(|arn| async move { cluster_services(t, cache, &arn).await })
        .buffer_unordered(CONCURRENCY);
    let mut out = Vec::new();
    while let Some(found) = per_cluster.next().await {
        let records = records(found?, cache, &insights, &scaling);
        on_cluster(records.clone());
        out.extend(records);
    }
    out.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    Ok(out)
}

pub(super) fn records(
    found: Vec<Found>,
    cache: &TaskDefCache,
    insights: &HashMap<String, bool>,
    scaling: &HashMap<String, AutoScaling>,
) -> Vec<ServiceRecord> {
    let mut out = Vec::new();
    for (service, task_ids, oom_kills, stops) in found {
        let cluster = service.cluster_arn().map(map::arn_name).unwrap_or_default().to_string();
        let name = service.service_name().unwrap_or_default().to_string();
        let td = service.task_definition().and_then(|a| cache.get(a)).unwrap_or_else(|| TaskDef {
            name: service.task_definition().map(map::arn_name).unwrap_or("unknown").to_string(),
            cpu: 0,
            memory: 0,
            task_level: crate::domain::TaskLevel::default(),
            arch: crate::domain::Arch::X86,
            fargate: false,
            containers: Vec::new(),
        });
        let key = format!("{cluster}/{name}");
        out.push(ServiceRecord {
            arn: service.service_arn().map(str::to_string),
            launch_type: map::launch_type(&service, Some(&td)),
            desired: service.desired_count().max(0) as u32,
            // moto (and a freshly described service) may report 0 running while tasks run.
            running: (service.running_count().max(0) as u32).max(task_ids.len() as u32),
            container_insights: insights.contains_key(&cluster),
            task_metrics: insights.get(&cluster).copied().unwrap_or(false),
            autoscaling: scaling.get(&key).cloned(),
            deployment: map::deployment(&service, chrono::Utc::now().timestamp()),
            history: super::events::service_events(&service, &cluster).into_iter().chain(stops).collect(),
            events: service
                .events()
                .iter()
                .take(20)
                .map(|e| (e.created_at().map_or(0, |t| t.secs()), e.message().unwrap_or_default().to_string()))
                .collect(),
            target_groups: service
                .load_balancers()
                .iter()
                .filter_map(|l| l.target_group_arn().map(str::to_string))
                .collect(),
            controller: map::deployment_controller(&service),
            spot_share: map::spot_share(&service, service.desired_count().max(0) as u32),
            cluster,
            name,
            task_definition: td,
            task_ids,
            oom_kills,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::ecs_rows::*;
    use super::*;
    use crate::domain::Arch;
    use crate::domain::{HotTask, Stats};
    use crate::provider::aws::metrics::Span;

    fn record() -> ServiceRecord {
        ServiceRecord {
            cluster: "prod".into(),
            name: "web".into(),
            arn: None,
            launch_type: LaunchType::Fargate,
            desired: 0,
            running: 0,
            task_definition: TaskDef {
                name: "web:3".into(),
                cpu: 1024,
                memory: 2048,
                task_level: crate::domain::TaskLevel::default(),
                arch: Arch::X86,
                fargate: true,
                containers: Vec::new(),
            },
            task_ids: Vec::new(),
            oom_kills: 0,
            autoscaling: None,
            deployment: None,
            events: Vec::new(),
            history: Vec::new(),
            target_groups: Vec::new(),
            container_insights: false,
            task_metrics: false,
            controller: crate::domain::DeploymentController::Ecs,
            spot_share: 0.0,
        }
    }

    #[test]
    fn a_service_with_no_tasks_and_no_metrics_is_a_sane_row() {
        let s = service(&record(), &[], &[], &[f32::NAN], &[]);
        assert_eq!((s.running, s.desired), (0, 0));
        assert_eq!(s.cpu, Stats::default());
        assert!(s.hottest.is_none());
        assert_eq!(s.task_definition, "web:3");
    }

    #[test]
    fn usage_history_converts_percent_of_reservation_to_absolute_units() {
        let span = Span { start: 0, end: 7_200, period: 3_600 };
        let h = usage_history(&record(), &[50.0, f32::NAN], &[25.0, 100.0], span);
        assert_eq!(h.step_seconds, 3_600);
        assert_eq!(h.cpu_vcpu[0], 0.5);
        assert!(h.cpu_vcpu[1].is_nan());
        assert_eq!(h.memory_mib, vec![512.0, 2048.0]);
        assert_eq!(h.hours_of_data(), 1.0);
    }

    #[test]
    fn per_task_queries_only_with_enhanced_insights_and_the_hottest_task_wins_by_p99_cpu() {
        let mut r = record();
        r.task_ids = vec!["calm".into(), "hot".into()];
        assert!(task_queries(&r).is_empty());
        r.task_metrics = true;
        let q = task_queries(&r);
        assert_eq!(q.len(), 4);
        assert_eq!(q[2].dims()[1], ("TaskDefinitionFamily", "web"));
        assert_eq!(q[2].dims()[2], ("TaskId", "hot"));
        let series = vec![vec![100.0, 120.0], vec![500.0, 510.0], vec![900.0, 950.0], vec![700.0, 800.0]];
        let (id, cpu, mem) = hottest_task(&r, &series).unwrap();
        assert_eq!((id, cpu[1], mem[1]), ("hot", 950.0, 800.0));
        assert!(hottest_task(&r, &[vec![f32::NAN], vec![f32::NAN]]).is_none());
    }

    #[test]
    fn every_task_is_read_and_the_hotter_of_the_two_sources_wins() {
        let mut r = record();
        r.task_metrics = true;
        r.task_ids = (0..45).map(|i| format!("task-{i}")).collect();
        let q = task_queries(&r);
        assert_eq!(q.len(), 90, "two per task, every task");
        assert_eq!(q[89].dims()[2], ("TaskId", "task-44"));
        let stats = |v: f32| Stats::from_series(&[v], &[v]);
        let named = HotTask { task_id: "task-44".into(), cpu: stats(80.0), memory: stats(50.0) };
        let service_max = HotTask { task_id: String::new(), cpu: stats(80.0), memory: stats(50.0) };
        assert_eq!(hotter(Some(service_max.clone()), named.clone()).task_id, "task-44", "named when as hot");
        let hotter_unnamed = HotTask { cpu: stats(97.0), ..service_max };
        let got = hotter(Some(hotter_unnamed), named.clone());
        assert_eq!((got.task_id.as_str(), got.cpu.p99), ("", 97.0), "AWS/ECS saw a hotter task");
        assert_eq!(hotter(None, named).task_id, "task-44");
    }

    #[test]
    fn four_queries_per_service_name_its_cluster_and_service() {
        let q = service_queries(&record());
        assert_eq!(
            q.iter().map(|q| (q.metric.as_ref(), q.stat.as_ref())).collect::<Vec<_>>(),
            vec![
                ("CPUUtilization", "Average"),
                ("CPUUtilization", "Maximum"),
                ("MemoryUtilization", "Average"),
                ("MemoryUtilization", "Maximum")
            ]
        );
        assert!(q.iter().all(|q| q.dims() == [("ClusterName", "prod"), ("ServiceName", "web")]));
    }
}
