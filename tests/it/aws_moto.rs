//! The AWS provider against a real moto_server (CloudWatch and the operations moto lacks through
//! scripts/moto_bridge.py), seeded by scripts/seed_moto.py.

use crate::support;

use infradeck::domain::{AlarmState, Arch, CacheEngine, LaunchType, Measure, ResourceRef, Window};
use infradeck::provider::Provider;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use std::collections::BTreeMap;
use support::moto::{MotoFleet, definition, raw_ecs};

fn options(fleet: &MotoFleet, cache: Option<std::path::PathBuf>) -> AwsOptions {
    AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        cache_dir: cache,
        ..AwsOptions::default()
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("infradeck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeded_estate_fills_every_pane() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let cache = temp_dir("cost-realistic");
    let aws = AwsProvider::connect(options(&fleet, Some(cache.clone()))).await.expect("connect");
    assert_eq!(aws.source().account.as_deref(), Some("123456789012"));
    assert_eq!(aws.source().regions, vec!["us-east-1".to_string()]);

    // ECS: every seeded service, with its task size, containers and metrics.
    let services = aws.ecs_services(Window::Day).await.expect("ecs services");
    let names: Vec<String> = services.iter().map(|s| s.key()).collect();
    // The tidy nine, and six real-world shapes (tests/real_shapes.rs looks at those).
    assert_eq!(services.len(), 15, "{names:?}");
    let by = |key: &str| services.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("{key} in {names:?}"));
    let web = by("prod-web/web-api");
    assert_eq!((web.task_cpu, web.task_memory, web.desired), (2048, 4096, 6));
    assert_eq!(web.launch_type, LaunchType::Fargate);
    assert!((5.0..25.0).contains(&web.cpu.avg), "web-api cpu avg {}", web.cpu.avg);
    assert!(web.cpu.max >= web.cpu.p99 && web.hottest.is_some());
    assert_eq!(web.cpu_spark.len(), 48);
    assert_eq!(by("prod-web/media-resize").arch, Arch::Arm);
    assert_eq!(by("prod-web/gateway").containers.len(), 2);
    let checkout = by("prod-web/checkout");
    let scaling = checkout.autoscaling.as_ref().expect("checkout has target tracking");
    assert_eq!((scaling.target, scaling.min, scaling.max), (60.0, 2, 12));
    assert_eq!(scaling.metric, "ECSServiceAverageCPUUtilization");
    // EC2 launch type without task-level size: the containers' sum, tasks from ListTasks, an OOM kill.
    let worker = by("prod-workers/queue-worker");
    assert_eq!(worker.launch_type, LaunchType::Ec2);
    // It predates ECS's long ARN format: its ARN is the one ECS gave, not one built from parts.
    assert_eq!(worker.identity.arn().as_deref(), Some("arn:aws:ecs:us-east-1:123456789012:service/queue-worker"));
    assert_eq!(web.identity.arn().as_deref(), Some("arn:aws:ecs:us-east-1:123456789012:service/prod-web/web-api"));
    // What ECS reserves (and divides MemoryUtilization by): the soft reservation, not the hard limit.
    assert_eq!((worker.task_cpu, worker.task_memory), (1024, 1536));
    assert!(!worker.task_level.cpu && !worker.task_level.memory);
    assert_eq!(worker.running, 2);
    assert_eq!(worker.oom_kills, 1);
    // prod-workers has Container Insights with enhanced observability: the hot task is named.
    let hot = worker.hottest.as_ref().expect("per-task metrics");
    assert_eq!(hot.task_id.len(), 36, "a task id, not a placeholder: {:?}", hot.task_id);
    assert!(hot.cpu.p95 > 70.0 && hot.cpu.p95 > worker.cpu.p95, "hot {} vs service {}", hot.cpu.p95, worker.cpu.p95);
    let idle = by("staging/batch-idle");
    assert_eq!((idle.desired, idle.running), (0, 0));
    assert!(idle.hottest.is_none(), "no metrics, no hottest task");
    // Secrets in the task definitions never reach the domain.
    assert!(!format!("{services:?}").contains("hunter2"));

    // Sizing history: 14 days at 1 hour, absolute units.
    let usage = aws.ecs_usage().await.expect("usage");
    let (_, web_usage) = usage.iter().find(|(k, _)| k == "prod-web/web-api").expect("web-api usage");
    assert_eq!(web_usage.step_seconds, 3_600);
    assert_eq!(web_usage.cpu_vcpu.len(), 336);
    assert!(web_usage.hours_of_data() >= 330.0, "{}", web_usage.hours_of_data());
    let peak = web_usage.cpu_vcpu.iter().copied().filter(|v| v.is_finite()).fold(0.0, f32::max);
    assert!((0.2..2.0).contains(&peak), "web-api peak {peak} vCPU of 2");
    // With per-task metrics, sizing replays the hot task's own CPU (units → vCPU).
    let (_, worker_usage) = usage.iter().find(|(k, _)| k == "prod-workers/queue-worker").unwrap();
    let worker_peak = worker_usage.cpu_vcpu.iter().copied().filter(|v| v.is_finite()).fold(0.0, f32::max);
    assert!((0.7..=1.0).contains(&worker_peak), "queue-worker hot task peak {worker_peak} vCPU of 1");

    // Redis: groups with engine, node type, nodes, reserved memory, and metrics; serverless listed.
    let groups = aws.cache_groups(Window::Day).await.expect("cache groups");
    let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    // Replication groups, serverless, and two standalone cache clusters.
    assert_eq!(ids, vec!["batch-locks", "catalog", "feature-flags", "legacy-memcached", "rate-limit", "sessions"]);
    let sessions = &groups[5];
    assert_eq!(sessions.node_type, "cache.r7g.large");
    assert_eq!(
        sessions.identity.aws_arn.as_deref(),
        Some("arn:aws:elasticache:us-east-1:123456789012:replicationgroup:sessions"),
        "the ARN ElastiCache gave"
    );
    assert_eq!(sessions.reserved_memory_percent, 25.0);
    assert!((70.0..100.0).contains(&sessions.memory.avg), "sessions memory {}", sessions.memory.avg);
    assert!(sessions.evictions > 0);
    assert_eq!(groups[1].engine, CacheEngine::Valkey);
    assert_eq!(groups[2].node_type, "serverless");

    // Cost: 90 days by service, month to date, forecast and the seeded anomaly.
    let cost = aws.cost(false).await.expect("cost");
    assert_eq!(cost.services.len(), 6);
    assert_eq!(cost.days(), 91);
    assert!(cost.month_to_date() > 0.0 && cost.forecast() >= cost.month_to_date());
    assert_eq!(cost.anomalies.len(), 1);
    assert_eq!(cost.anomalies[0].service, "Amazon CloudWatch");

    // Alarms: state, what they watch, a day of history.
    let alarms = aws.alarms().await.expect("alarms");
    // The four seeded, the two that target tracking creates for checkout (as AWS does), and a
    // composite alarm.
    let names: Vec<&str> = alarms.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(alarms.len(), 7, "{names:?}");
    assert_eq!(
        names.iter().filter(|n| n.starts_with("TargetTracking-service/prod-web/checkout")).count(),
        2,
        "{names:?}"
    );
    let search = alarms.iter().find(|a| a.name == "search-cpu-high").unwrap();
    assert_eq!(search.state, AlarmState::Alarm);
    assert_eq!(search.resource, Some(ResourceRef::EcsService { cluster: "prod-web".into(), service: "search".into() }));
    assert_eq!(search.history.len(), 2);
    assert_eq!(search.history[0].to, AlarmState::Alarm);
    let evictions = alarms.iter().find(|a| a.name == "sessions-evictions").unwrap();
    assert_eq!(evictions.resource, Some(ResourceRef::CacheGroup("sessions".into())));
    assert_eq!(alarms[0].state, AlarmState::Alarm, "ALARM sorts first");

    // Detail: charts over the window from one more GetMetricData.
    let web_ref = ResourceRef::EcsService { cluster: "prod-web".into(), service: "web-api".into() };
    let data = aws.detail(&web_ref, Window::Hour).await.expect("detail");
    assert!(data.series(Measure::CpuAverage).unwrap().points.len() >= 50, "1 h at 1 min");
    let detail = infradeck::app::detail_view::view(&data);
    assert_eq!(detail.charts.len(), 4, "usage, then the load balancer's latency and 5xx");
    assert!(!format!("{data:?}{detail:?}").contains("hunter2"));
    // The ElastiCache and alarm detail views chart their metrics too, worded as the demo's are.
    let sessions = aws.detail(&ResourceRef::CacheGroup("sessions".into()), Window::Day).await.expect("cache detail");
    assert!(sessions.series(Measure::CacheMemory).unwrap().points.iter().any(|p| (70.0..100.0).contains(&p.1)));
    assert!(sessions.series(Measure::CacheEvictions).unwrap().points.iter().any(|p| p.1 > 0.0));
    let sessions = infradeck::app::detail_view::view(&sessions);
    let titles: Vec<&str> = sessions.charts.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Memory and engine CPU", "Connections and evictions per period"]);
    assert!(sessions.facts.iter().any(|(k, v)| k == "reserved memory" && v.starts_with("25%")), "{:?}", sessions.facts);
    let search_cpu =
        aws.detail(&ResourceRef::Alarm("search-cpu-high".into()), Window::Day).await.expect("alarm detail");
    assert!(!search_cpu.series(Measure::AlarmMetric).unwrap().points.is_empty(), "the alarm's metric, read again");
    let search_cpu = infradeck::app::detail_view::view(&search_cpu);
    assert_eq!(search_cpu.charts.len(), 1);
    assert!(search_cpu.charts[0].title.starts_with("CPUUtilization on"), "{}", search_cpu.charts[0].title);
    let threshold = search_cpu.charts[0].series.iter().find(|s| s.reference).expect("the threshold line");
    assert_eq!(threshold.points[0].1, 90.0);
    let condition = search_cpu.facts.iter().find(|(k, _)| k == "condition").unwrap();
    assert_eq!(condition.1, "CPUUtilization > 90 for 3 period(s) of 300 s");
    let composite = names.iter().find(|n| {
        !n.starts_with("TargetTracking") && alarms.iter().any(|a| &a.name == *n && a.namespace == "composite")
    });
    let composite = aws.detail(&ResourceRef::Alarm(composite.unwrap().to_string()), Window::Day).await.unwrap();
    assert!(infradeck::app::detail_view::view(&composite).charts.is_empty(), "a composite alarm has no one metric");
    // Prices: the region's Fargate rates from the Pricing API, then from the day-long disk cache.
    let rates = aws.fargate_rates().await.expect("rates from GetProducts");
    assert_eq!(rates.x86, (0.04048, 0.004445));
    assert_eq!(rates.arm, (0.03238, 0.00356));
    assert!(cache.join("pricing-us-east-1.json").exists());
    let before = aws.usage().requests().get("pricing:GetProducts").copied();
    assert_eq!(before, Some(1));
    aws.fargate_rates().await.unwrap();
    assert_eq!(aws.usage().requests().get("pricing:GetProducts").copied(), before, "cached for a day");
    let _ = std::fs::remove_dir_all(cache);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_explorer_answers_are_cached_on_disk_until_a_refresh_is_asked_for() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let cache = temp_dir("cost-cache");
    let ce_requests = |aws: &AwsProvider| {
        aws.usage().requests().iter().filter(|(k, _)| k.starts_with("ce:")).map(|(_, v)| v).sum::<u64>()
    };
    let aws = AwsProvider::connect(options(&fleet, Some(cache.clone()))).await.unwrap();
    let first = aws.cost(false).await.unwrap();
    assert_eq!(ce_requests(&aws), 3, "{:?}", aws.usage().requests());
    assert!((aws.usage().spend_usd() - 0.03).abs() < 1e-9);

    // A new session reads the disk cache: no request, no charge.
    let again = AwsProvider::connect(options(&fleet, Some(cache.clone()))).await.unwrap();
    assert_eq!(again.cost(false).await.unwrap(), first);
    assert_eq!(ce_requests(&again), 0);
    // `r` (fresh) goes back to Cost Explorer.
    again.cost(true).await.unwrap();
    assert_eq!(ce_requests(&again), 3);
    let _ = std::fs::remove_dir_all(cache);
}

/// `:region` connects the same credentials elsewhere: moto keeps regions apart, so us-west-2 is empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_region_reads_that_region() {
    let fleet = MotoFleet::start(&["--fleet", "scale", "--services", "12", "--clusters", "2", "--redis", "1"]);
    let aws = AwsProvider::connect(options(&fleet, None)).await.unwrap();
    assert_eq!(aws.ecs_services(Window::Hour).await.unwrap().len(), 12);
    let west = aws.reconnect(None, Some(vec!["us-west-2".into()])).await.unwrap();
    assert_eq!(west.source().regions, vec!["us-west-2".to_string()]);
    assert!(west.ecs_services(Window::Hour).await.unwrap().is_empty());
    // Both regions at once: one table, rows told apart by region.
    let both = aws.reconnect(None, Some(vec!["us-east-1".into(), "us-west-2".into()])).await.unwrap();
    let services = both.ecs_services(Window::Hour).await.unwrap();
    assert_eq!(services.len(), 12);
    assert!(services.iter().all(|s| s.cluster.starts_with("us-east-1:cluster-")), "{:?}", services[0].cluster);
    let usage = both.ecs_usage().await.unwrap();
    assert!(usage.iter().all(|(k, _)| k.starts_with("us-east-1:cluster-")));
}

/// One full refresh of 1,000 services in 20 clusters and 100 Redis groups: the number of
/// requests per operation is what the page sizes say, not one per service or per metric.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_refresh_of_1000_services_costs_what_the_page_sizes_say() {
    let fleet = MotoFleet::start(&["--fleet", "scale", "--services", "1000", "--clusters", "20", "--redis", "100"]);
    let aws = AwsProvider::connect(options(&fleet, None)).await.unwrap();
    aws.usage().reset();
    fleet.reset_bridge_counts();
    let started = std::time::Instant::now();
    let parts = std::sync::Mutex::new(Vec::new());
    let progress = |rows: Vec<infradeck::domain::EcsService>| {
        parts.lock().unwrap().push((started.elapsed(), rows.len()));
    };
    let (services, groups, alarms, cost) = tokio::join!(
        aws.ecs_services_progressive(Window::Day, &progress),
        aws.cache_groups(Window::Day),
        aws.alarms(),
        aws.cost(true)
    );
    let first_screen = started.elapsed();
    assert_eq!(services.unwrap().len(), 1_000);
    // Progressive: eight parts of 125 services, one per GetMetricData call, the first well before the end.
    let parts = parts.into_inner().unwrap();
    assert_eq!(parts.iter().map(|p| p.1).collect::<Vec<_>>(), vec![125; 8]);
    let first_rows = parts[0].0;
    assert!(first_rows < first_screen, "first rows {first_rows:?}, all {first_screen:?}");
    assert_eq!(groups.unwrap().len(), 100);
    alarms.unwrap();
    cost.unwrap();
    let usage = aws.ecs_usage().await.unwrap();
    assert_eq!(usage.len(), 1_000);

    let got = aws.usage().requests();
    let clusters: u64 = 20;
    let per_cluster = 1_000 / clusters;
    let expected: BTreeMap<String, u64> = [
        ("ecs:ListClusters", 1),
        ("ecs:DescribeClusters", 1),
        ("ecs:ListServices", clusters),                                // ≤100 per page
        ("ecs:DescribeServices", clusters * per_cluster.div_ceil(10)), // ≤10 per call
        ("ecs:ListTasks", 2 * clusters),                               // running + stopped, per cluster
        ("ecs:DescribeTaskDefinition", 10),                            // once per distinct ARN
        ("application-autoscaling:DescribeScalableTargets", 1),
        ("application-autoscaling:DescribeScalingPolicies", 1),
        // 4 queries × 1,000 services (pane) + 9 × 100 nodes (Redis) + 2 × 1,000 (sizing), ≤500 per call.
        ("cloudwatch:GetMetricData", (4_000u64.div_ceil(500)) + 900u64.div_ceil(500) + 2_000u64.div_ceil(500)),
        ("cloudwatch:DescribeAlarms", 1),
        ("cloudwatch:DescribeAlarmHistory", 1),
        ("elasticache:DescribeCacheClusters", 1),
        ("elasticache:DescribeReplicationGroups", 1),
        // One DescribeCacheParameters per parameter group the clusters report; moto reports
        // none (the 25% default applies), so none here.
        ("elasticache:DescribeServerlessCaches", 1),
        ("ce:GetCostAndUsage", 1),
        ("ce:GetCostForecast", 1),
        ("ce:GetAnomalies", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, expected);
    // The bridge saw the same calls on the wire (no hidden retries).
    let wire: u64 = fleet.bridge_counts().as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(wire, expected.values().sum::<u64>());
    eprintln!(
        "full refresh of 1,000 services: {} requests, first rows in {first_rows:?}, first complete screen in {first_screen:?}",
        expected.values().sum::<u64>()
    );

    // Task definitions are immutable: the second refresh does not describe them again.
    aws.usage().reset();
    aws.ecs_services(Window::Day).await.unwrap();
    assert_eq!(aws.usage().requests().get("ecs:DescribeTaskDefinition"), None);
}

/// The ECS client the tests use to look behind infradeck's back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resize_changes_only_the_sizing_and_read_only_sends_no_write() {
    use infradeck::apply::ResizeRequest;
    use infradeck::provider::ProviderError;

    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    fleet.record_as("read-only");
    let ro = AwsProvider::connect(AwsOptions { read_only: true, ..options(&fleet, None) }).await.expect("connect");
    let services = ro.ecs_services(Window::Day).await.expect("ecs services");
    let checkout = services.iter().find(|s| s.name == "checkout").expect("checkout").clone();
    let request = support::halving(&checkout, -20.0);

    // Read-only: the plan can be made, the apply is refused, and only reads reach the server.
    fleet.reset_bridge_counts();
    let plan = ro.plan_resize(&request).await.expect("plan");
    assert!(plan.read_only);
    assert_eq!(
        plan.owner.as_ref().map(|o| o.label.as_str()),
        Some("Terraform"),
        "ManagedBy=terraform on the task definition"
    );
    assert_eq!(plan.requests.len(), 4, "{:?}", plan.requests);
    let refused = ro.apply_resize(&plan).await.unwrap_err();
    assert!(matches!(refused, ProviderError::ReadOnly(_)), "{refused}");
    let counts = fleet.bridge_counts();
    let sent: Vec<&String> = counts.as_object().unwrap().keys().collect();
    assert!(
        sent.iter().all(|op| ["Describe", "List", "Get"].iter().any(|p| op.starts_with(p))),
        "read-only sent a write: {sent:?}"
    );

    // Read-write: a new revision identical but for the sizing, and the service on it.
    fleet.record_as("all");
    let rw = AwsProvider::connect(options(&fleet, None)).await.expect("connect");
    let plan = rw.plan_resize(&request).await.expect("plan");
    fleet.reset_bridge_counts();
    let out = rw.apply_resize(&plan).await.expect("apply");
    let counts = fleet.bridge_counts();
    assert_eq!(
        counts,
        serde_json::json!({"DescribeServices": 1, "DescribeTaskDefinition": 1, "RegisterTaskDefinition": 1, "UpdateService": 1}),
        "an apply sends exactly these"
    );
    assert_eq!(out.requests.len(), 4, "{:?}", out.requests);

    let ecs = raw_ecs(&fleet).await;
    let (old, old_tags) = definition(&ecs, &plan.base_task_definition).await;
    let (new, new_tags) = definition(&ecs, &out.task_definition).await;
    assert_eq!(new.revision(), old.revision() + 1);
    assert_eq!((new.cpu(), new.memory()), (Some("512"), Some("1024")));
    assert_eq!(new_tags, old_tags, "tags carried over");
    let (o, n) = (&old.container_definitions()[0], &new.container_definitions()[0]);
    assert_eq!((n.cpu(), n.memory(), n.memory_reservation()), (512, Some(1024), Some(512)));
    assert_eq!(n.environment(), o.environment(), "environment (and its secret values) untouched");
    assert!(n.environment().iter().any(|e| e.value() == Some("hunter2-db-secret-value")));
    assert_eq!((n.image(), n.essential(), n.name()), (o.image(), o.essential(), o.name()));
    assert_eq!(
        (new.family(), new.network_mode(), new.requires_compatibilities()),
        (old.family(), old.network_mode(), old.requires_compatibilities())
    );
    let svc = ecs.describe_services().cluster("prod-web").services("checkout").send().await.unwrap();
    assert_eq!(svc.services()[0].task_definition(), Some(out.task_definition.as_str()), "the service runs it");

    // The same plan again: the service has moved on, so the apply stops.
    let again = rw.apply_resize(&plan).await.unwrap_err();
    assert!(matches!(again, ProviderError::Conflict(_)), "{again}");

    // Rollback: the service goes back to the old revision; nothing is registered.
    let entry = infradeck::apply::AuditEntry {
        code: None,
        session: None,
        time: chrono::Utc::now(),
        caller: rw.caller(),
        target: plan.target.clone(),
        action: "resize".into(),
        resource: infradeck::domain::ResourceRef::EcsService { cluster: "prod-web".into(), service: "checkout".into() },
        identity: None,
        before: String::new(),
        after: String::new(),
        revision_before: plan.base_task_definition.clone(),
        revision_after: Some(out.task_definition.clone()),
        requests: vec![],
        result: infradeck::apply::Outcome::Applied,
    };
    let mut now = checkout.clone();
    now.task_definition = infradeck::apply::plan::short_task_definition(&out.task_definition).to_string();
    let back = rw.plan_resize(&ResizeRequest::rollback(&now, &entry)).await.expect("rollback plan");
    assert_eq!((back.before, back.after), ((512, 1024), (1024, 2048)));
    fleet.reset_bridge_counts();
    let undone = rw.apply_resize(&back).await.expect("rollback");
    let counts = fleet.bridge_counts();
    assert_eq!(
        counts,
        serde_json::json!({"DescribeServices": 1, "UpdateService": 1}),
        "a rollback sends exactly these"
    );
    let svc = ecs.describe_services().cluster("prod-web").services("checkout").send().await.unwrap();
    assert_eq!(svc.services()[0].task_definition(), Some(plan.base_task_definition.as_str()));
    assert_eq!(undone.task_definition, plan.base_task_definition);

    // Dry run: the apply sends nothing at all.
    let dry = AwsProvider::connect(AwsOptions { dry_run: true, ..options(&fleet, None) }).await.expect("connect");
    let services = dry.ecs_services(Window::Day).await.expect("ecs services");
    let current = services.iter().find(|s| s.name == "checkout").unwrap();
    let request = ResizeRequest { task_definition: current.task_definition.clone(), ..request.clone() };
    let plan = dry.plan_resize(&request).await.expect("plan");
    fleet.reset_bridge_counts();
    let listed = dry.apply_resize(&plan).await.expect("dry run");
    assert_eq!(fleet.bridge_counts(), serde_json::json!({}), "a dry run sends no request");
    assert!(listed.requests.iter().all(|r| r.starts_with("(dry run, not sent) ecs:")), "{:?}", listed.requests);
}

/// The incident timeline on the seeded estate: every source, oldest first, each from the call
/// that serves it (moto's own state, plus what the bridge serves where moto keeps nothing).
#[test]
fn the_incident_timeline_reads_every_source_in_order_and_jumps_to_the_resource() {
    use infradeck::app::Msg;
    use infradeck::app::state::Overlay;
    use infradeck::domain::{EventKind, Severity};
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let cache = temp_dir("cost-timeline");
    let mut h = infradeck::harness::Harness::demo(160, 50);
    let aws = h.block_on(AwsProvider::connect(options(&fleet, Some(cache.clone())))).expect("connect");
    let to = chrono::Utc::now();
    let from = to - chrono::Duration::hours(6);
    let timeline = h.block_on(aws.timeline(from, to)).expect("timeline");
    assert!(timeline.problems.is_empty(), "{:?}", timeline.problems);
    let events = &timeline.events;
    assert!(events.windows(2).all(|w| w[0].time <= w[1].time), "oldest first");
    assert!(events.iter().all(|e| e.time >= from && e.time <= to), "inside the span");
    let find = |kind: EventKind, text: &str| {
        events.iter().position(|e| e.kind == kind && e.summary.contains(text)).unwrap_or_else(|| {
            panic!("no {kind:?} '{text}' in {:#?}", events.iter().map(|e| &e.summary).collect::<Vec<_>>())
        })
    };
    let cost = find(EventKind::Cost, "Amazon CloudWatch");
    let unable = find(EventKind::Service, "unable to place");
    let alarm = find(EventKind::Alarm, "search-cpu-high: OK → ALARM");
    let failover = find(EventKind::Cache, "Failover from primary node sessions-001");
    let unhealthy = find(EventKind::Service, "is unhealthy");
    let oom = find(EventKind::Task, "OutOfMemoryError");
    let deploy = find(EventKind::Deploy, "deployment checkout:1 started");
    assert!(
        cost < unable && unable < alarm && alarm < failover && failover < unhealthy && unhealthy < oom && oom < deploy
    );
    let search = Some(ResourceRef::EcsService { cluster: "prod-web".into(), service: "search".into() });
    assert_eq!(events[alarm].resource, search);
    assert_eq!(events[alarm].severity, Severity::Critical);
    assert_eq!(events[unhealthy].resource, search);
    assert_eq!(events[failover].resource, Some(ResourceRef::CacheGroup("sessions".into())));
    assert_eq!(
        events[oom].resource,
        Some(ResourceRef::EcsService { cluster: "prod-workers".into(), service: "queue-worker".into() })
    );
    assert_eq!(events[oom].fold, "oom");
    assert!(!events.iter().any(|e| e.summary.contains("steady state")), "routine chatter left out");
    assert!(!events.iter().any(|e| e.summary.contains("too old")), "DescribeEvents asked for the span only");
    assert!(!format!("{events:?}").contains("hunter2"));
    // CloudTrail (the bridge serves LookupEvents as AWS documents it): the writes in the span,
    // not the reads; dana's console scale-down of web-api, which Terraform owns by its tags, is
    // drift; Terraform's own update after it reads its before value from it.
    let api = &timeline.api;
    assert_eq!(api.len(), 3, "the changes people made, not the ECS agent's own writes: {api:#?}");
    let web_api = Some(ResourceRef::EcsService { cluster: "prod-web".into(), service: "web-api".into() });
    assert_eq!(api[0].resource, web_api);
    assert_eq!(api[0].changed, ["desiredCount → 3"], "the change before it is outside the span");
    assert_eq!(api[0].actor.describe(), "Admin/dana (console, 192.0.2.44)");
    assert_eq!(api[0].drift.as_deref(), Some("Terraform"), "owned by Terraform, by the service's tags");
    // A target group's change is its service's: found through the service's target groups.
    assert_eq!(api[1].event_name, "ModifyTargetGroup");
    assert_eq!(api[1].resource, web_api);
    assert_eq!(api[1].changed, ["healthCheckPath → /ping"]);
    assert_eq!(api[1].drift.as_deref(), Some("Terraform"));
    assert_eq!(api[2].changed, ["desiredCount 3 → 6"]);
    assert_eq!(api[2].actor.via, infradeck::domain::trail::Via::Terraform);
    assert_eq!(api[2].drift, None);
    // Sign-ins: the burst and the success after it, against a month of history.
    assert_eq!(timeline.signins.len(), 7);
    assert_eq!(timeline.signin_history.len(), 30);
    let flags = infradeck::incident::signins::flags(&timeline.signins, &timeline.signin_history, &Default::default());
    let kinds: Vec<_> = flags.iter().map(|f| f.kind).collect();
    use infradeck::incident::signins::FlagKind;
    assert_eq!(kinds, [FlagKind::FailureBurst, FlagKind::NewSource, FlagKind::NewBrowser, FlagKind::UnusualHour]);
    let requests = aws.usage().requests();
    println!("requests for connect + one timeline: {requests:?}");
    assert_eq!(requests.get("elasticache:DescribeEvents").copied(), Some(1));
    assert_eq!(requests.get("cloudwatch:DescribeAlarmHistory").copied(), Some(1));
    // Two pages of writes (the agent's ~90 own writes in the span are read, then dropped), one of
    // the span's sign-ins, one of the month before (us-east-1 is this region: no second region to
    // read); the owner's tags once.
    assert_eq!(requests.get("cloudtrail:LookupEvents").copied(), Some(4));
    assert_eq!(requests.get("ecs:ListTagsForResource").copied(), Some(1));

    // The same through the app: `i` on the AWS source, filter, enter → the chart, marked.
    h.provider = std::sync::Arc::new(aws);
    h.send(Msg::SourceChanged(h.provider.source()));
    h.send(Msg::Tick(chrono::Utc::now()));
    h.keys(&["i", "/"]);
    h.type_text("res:search kind:service");
    h.keys(&["enter", "enter"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("a detail view: {:?}", h.state.status) };
    assert_eq!(Some(d.resource.clone()), search);
    assert!(d.from_incident && d.data.is_some(), "{:?}", d.error);
    let (at, label) = d.marker.clone().expect("the event marked");
    assert_eq!(at, events[unhealthy].time);
    assert!(label.contains("unhealthy"), "{label}");
    assert!(h.screen().contains("┃ "), "the marker's legend is drawn");
    h.keys(&["esc"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Incident)), "esc goes back to the timeline");

    // A change applied from infradeck and a note join the AWS sources; :export hands it over.
    let ten_min_ago = chrono::Utc::now() - chrono::Duration::minutes(10);
    h.state.history.push(infradeck::apply::AuditEntry {
        code: None,
        session: None,
        time: chrono::SubsecRound::trunc_subsecs(ten_min_ago, 0),
        caller: "arn:aws:iam::123456789012:user/sre".into(),
        target: "default · 123456789012 · us-east-1".into(),
        action: "resize".into(),
        resource: infradeck::domain::ResourceRef::EcsService { cluster: "prod-web".into(), service: "web-api".into() },
        identity: None,
        before: "2 vCPU / 4 GiB".into(),
        after: "1 vCPU / 2 GiB".into(),
        revision_before: "web-api:1".into(),
        revision_after: Some("web-api:2".into()),
        requests: vec![],
        result: infradeck::apply::Outcome::Applied,
    });
    let dir = temp_dir("handover");
    std::fs::create_dir_all(&dir).unwrap();
    h.state.export_dir = dir.clone();
    h.keys(&["/"]);
    for _ in 0.."res:search kind:service".len() {
        h.keys(&["backspace"]);
    }
    h.keys(&["enter", "n"]);
    h.type_text("search is flapping, paging its owner");
    h.keys(&["enter", ":"]);
    h.type_text("export");
    h.keys(&["enter"]);
    let file = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).next().expect("the handover").path();
    let md = std::fs::read_to_string(file).unwrap();
    for text in [
        "search-cpu-high: OK → ALARM",
        "Failover from primary node sessions-001",
        "is unhealthy in (target-group",
        "OutOfMemoryError",
        "Amazon CloudWatch",
        "infradeck resize: 2 vCPU / 4 GiB → 1 vCPU / 2 GiB (web-api:1 → web-api:2)",
        "search is flapping, paging its owner",
        "### ecs:prod-web/search",
        "## Sign-ins and changes by hand",
        "failed sign-ins from 198.51.100.23",
        "- **drift** ecs:prod-web/web-api",
        "UpdateService desiredCount → 3 · by Admin/dana (console, 192.0.2.44) · DRIFT: by hand on what Terraform owns",
    ] {
        assert!(md.contains(text), "missing {text:?} in\n{md}");
    }
    assert!(!md.contains("hunter2"));
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(cache);
}

/// Service health: each service's `loadBalancers` → target group → load balancer (elbv2 in moto),
/// then AWS/ApplicationELB metrics in the same GetMetricData batches; SLO windows from them; and
/// the sizing guard on a service whose latency SLO burns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancer_health_and_slos_follow_each_service_to_its_target_group() {
    use infradeck::domain::{ChartKind, LbHealth};
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let aws = AwsProvider::connect(options(&fleet, None)).await.expect("connect");
    let services = aws.ecs_services(Window::Day).await.expect("ecs services");
    let by = |key: &str| services.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("{key}"));
    let health = |key: &str| by(key).health.read().cloned().unwrap_or_else(|| panic!("{key}: {:?}", by(key).health));

    let web = health("prod-web/web-api");
    assert_eq!((web.load_balancer.as_str(), web.target_group.as_str()), ("prod-web-alb", "web-api-tg"));
    assert!((200.0..450.0).contains(&web.p99_ms), "web-api p99 {} ms (seeded 0.3 s around the mean load)", web.p99_ms);
    assert!(web.p50_ms < web.p99_ms && web.p99_peak_ms >= web.p99_ms);
    assert!((0.01..0.05).contains(&web.target_5xx_pct), "{}", web.target_5xx_pct);
    assert_eq!(web.lb_5xx_pct, 0.0, "prod-web-alb is shared: its own 5xx are nobody's");
    assert!((50.0..250.0).contains(&web.requests_per_s), "{}", web.requests_per_s);
    assert_eq!((web.healthy_hosts, web.unhealthy_hosts), (6, 0));
    assert_eq!(web.p99_spark.len(), 48);
    let search = health("prod-web/search");
    assert_eq!(search.load_balancer, "search-alb");
    assert!((0.3..0.5).contains(&search.lb_5xx_pct), "search is alone behind search-alb: {}", search.lb_5xx_pct);
    assert!((0.7..0.9).contains(&search.target_5xx_pct), "{}", search.target_5xx_pct);
    assert_eq!(search.unhealthy_hosts, 1);
    assert!(health("prod-web/checkout").p99_ms < 500.0);
    let reports = health("prod-workers/report-builder");
    assert_eq!(
        reports.lb_5xx_pct, 0.0,
        "reports-alb also serves a non-ECS target group: its 5xx are not report-builder's"
    );
    assert!((1_200.0..2_400.0).contains(&reports.p99_ms), "report-builder p99 {} ms (seeded 1.6 s)", reports.p99_ms);
    assert_eq!(by("staging/admin").health, LbHealth::NoLoadBalancer, "no load balancer: said, not invented");
    assert_eq!(by("prod-workers/queue-worker").health, LbHealth::NoLoadBalancer);
    let requests = aws.usage().requests();
    // The services' 5 target groups, one of them deleted (legacy-api's): the first call fails
    // whole (TargetGroupNotFound, as AWS does), and the half holding the deleted one is split
    // until it stands alone: 5 calls. Then one per ALB (3) for all it forwards to.
    assert_eq!(requests.get("elasticloadbalancing:DescribeTargetGroups"), Some(&8), "{requests:?}");
    assert_eq!(by("prod-web/legacy-api").health, LbHealth::NotRead, "its target group no longer exists");
    // A second refresh reuses the mapping (kept ten minutes), the deleted one's too.
    aws.ecs_services(Window::Day).await.unwrap();
    assert_eq!(aws.usage().requests().get("elasticloadbalancing:DescribeTargetGroups"), Some(&8));

    // SLOs from the same metrics, against the default objectives (99.9 %, p99 < 1 s, 28 d).
    let objectives = infradeck::slo::policy::Objectives::default();
    let slo = infradeck::sizing::run::slos_of(&aws, &services, &objectives).await.expect("slo windows");
    let mut judged: Vec<&str> = slo.keys().map(String::as_str).collect();
    judged.sort();
    assert_eq!(judged, ["prod-web/checkout", "prod-web/search", "prod-web/web-api", "prod-workers/report-builder"]);
    let reports_slo = &slo["prod-workers/report-builder"];
    let latency = reports_slo.latency.expect("latency judged from PR(:1)");
    assert!(reports_slo.latency_burning(), "4 % slower than 1 s against a 1 % budget: {latency:?}");
    assert!(latency.burn_3d.is_some_and(|b| (3.0..5.0).contains(&b)), "{latency:?}");
    assert!(reports_slo.availability.is_some_and(|a| a.burn == infradeck::slo::Burn::Ok));
    let search_slo = &slo["prod-web/search"];
    assert_eq!(
        search_slo.availability.map(|a| a.burn),
        Some(infradeck::slo::Burn::Fast),
        "1.2 % 5xx against 0.1 %: 6 h ×12"
    );
    assert_eq!(slo["prod-web/checkout"].burn(), infradeck::slo::Burn::Ok);
    assert_eq!(slo["prod-web/web-api"].burn(), infradeck::slo::Burn::Ok);

    // The sizing guard: report-builder is over-provisioned on CPU but its latency SLO burns.
    let usage = aws.ecs_usage().await.unwrap();
    let plain = infradeck::sizing::run::recommendations(
        &services,
        &usage,
        &Default::default(),
        &Default::default(),
        &Default::default(),
    );
    let guarded =
        infradeck::sizing::run::recommendations(&services, &usage, &Default::default(), &Default::default(), &slo);
    let rec = |recs: &[infradeck::sizing::recommend::EcsRecommendation]| {
        recs.iter().find(|r| r.service == "prod-workers/report-builder").cloned().unwrap()
    };
    assert!(rec(&plain).proposed.unwrap().0 < 2048, "without SLOs the CPU would be cut: {:?}", rec(&plain).proposed);
    let kept = rec(&guarded);
    assert!(kept.proposed.unwrap().0 >= 2048, "{:?}", kept.proposed);
    assert!(kept.proposed.unwrap().1 < 4096, "memory is still sized: {:?}", kept.proposed);
    assert!(kept.evidence.iter().any(|e| e.contains("latency SLO (p99 < 1000 ms) burning")), "{:?}", kept.evidence);
    // web-api, within its budgets, is still cut.
    let web_rec = guarded.iter().find(|r| r.service == "prod-web/web-api").unwrap();
    assert!(web_rec.proposed.unwrap().0 < 2048, "{:?}", web_rec.proposed);

    // The detail view charts latency and 5xx over the same window as CPU.
    let data = aws
        .detail(&ResourceRef::EcsService { cluster: "prod-web".into(), service: "search".into() }, Window::Day)
        .await
        .unwrap();
    let detail = infradeck::app::detail_view::view(&data);
    let kinds: Vec<ChartKind> = detail.charts.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChartKind::TaskCpu, ChartKind::TaskMemory, ChartKind::Latency, ChartKind::Errors]);
    assert_eq!(detail.charts[3].series.len(), 2, "targets and the load balancer's own");
    // Each line carries its own metric's values (series are found by metric and statistic).
    let max = |m: Measure| data.series(m).unwrap().points.iter().map(|p| p.1).fold(0.0, f64::max);
    let (p99, p50) = (max(Measure::LatencyP99), max(Measure::LatencyP50));
    assert!(p99 > 0.0 && p99 >= p50, "p99 {p99} ms against p50 {p50} ms");
    let lb_5xx = max(Measure::LoadBalancer5xx);
    assert!(lb_5xx > 0.0 && lb_5xx < 5.0, "search-alb's own 5xx, in %: {lb_5xx}");
    assert!(max(Measure::CpuMaximum) >= max(Measure::CpuAverage), "CPU maximum at or above the average");
    assert!(detail.facts.iter().any(|(k, v)| k == "load balancer" && v == "search-alb → target group search-tg"));
}

/// The logs view on AWS: the service's task definition says where each container logs (awslogs:
/// its group and stream prefix; FireLens: named, not read), FilterLogEvents reads the service's
/// streams (or one task's) in the span with the pattern, and a password a line leaked is masked
/// before the provider hands the line over; an over-long line is cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_read_where_the_task_definition_sends_them_and_masked() {
    use infradeck::domain::logs::{LogQuery, LogRoute};
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let aws = AwsProvider::connect(options(&fleet, None)).await.expect("connect");
    let now = chrono::Utc::now();
    let web_api = ResourceRef::EcsService { cluster: "prod-web".into(), service: "web-api".into() };
    let query = LogQuery {
        service: web_api.clone(),
        from: now - chrono::Duration::hours(1),
        to: now,
        pattern: String::new(),
        task: None,
    };
    let page = aws.logs(&query).await.expect("logs");
    assert_eq!(
        page.routes,
        [LogRoute::CloudWatch {
            container: "web-api".into(),
            group: "/ecs/web-api".into(),
            stream_prefix: Some("web-api".into()),
            region: Some("us-east-1".into()),
        }]
    );
    let messages: Vec<&str> = page.lines.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(messages.len(), 7, "{messages:#?}");
    assert!(page.lines.windows(2).all(|w| w[0].time <= w[1].time), "oldest first");
    assert!(messages.contains(&"INFO  connecting to db user=api password=•••••• pool=10"), "{messages:#?}");
    assert!(!format!("{page:?}").contains("hunter2") && !format!("{page:?}").contains("AKIAIOSFODNN7SEEDKEY"));
    assert!(messages.contains(&"WARN  falling back to static key ••••••"), "{messages:#?}");
    assert!(messages.iter().any(|m| m.starts_with("DEBUG xxx") && m.ends_with("… (cut)") && m.chars().count() < 2_100));
    // One task's streams (by the start of its id, as the timeline names a stopped task).
    let one = aws.logs(&LogQuery { task: Some("0123456789ab".into()), ..query.clone() }).await.unwrap();
    assert_eq!(one.lines.len(), 6);
    // A filter pattern, applied by CloudWatch Logs.
    let errors = aws.logs(&LogQuery { pattern: "ERROR".into(), ..query.clone() }).await.unwrap();
    assert_eq!(errors.lines.len(), 1, "{:?}", errors.lines);
    assert!(errors.lines[0].is_error());
    // A sidecar logging through FireLens is named, not read.
    let gateway = aws
        .logs(&LogQuery {
            service: ResourceRef::EcsService { cluster: "prod-web".into(), service: "gateway".into() },
            ..query
        })
        .await
        .unwrap();
    assert!(gateway.routes.iter().any(
        |r| matches!(r, LogRoute::Elsewhere { container, driver } if container == "envoy" && driver == "awsfirelens")
    ));
    assert!(
        gateway.routes.iter().any(|r| matches!(r, LogRoute::Missing { group, .. } if group == "/ecs/gateway")),
        "a group nobody created is said, not an error: {:?}",
        gateway.routes
    );
    let requests = aws.usage().requests();
    assert!(requests.get("logs:FilterLogEvents").copied().unwrap_or(0) >= 4, "{requests:?}");
}

/// One region whose CloudTrail is denied (an SCP, a missing permission) loses only its own
/// changes and sign-ins: the other region's still show, and the timeline names what failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_whose_cloudtrail_is_denied_leaves_the_others_changes() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let both = AwsOptions { regions: vec!["us-east-1".into(), "us-west-2".into()], ..options(&fleet, None) };
    let aws = AwsProvider::connect(both).await.expect("connect");
    fleet.fault(serde_json::json!({"kind": "deny", "operation": "LookupEvents", "region": "us-west-2"}));
    let to = chrono::Utc::now();
    let timeline = aws.timeline(to - chrono::Duration::hours(6), to).await.expect("timeline");
    fleet.clear_fault();
    assert_eq!(timeline.api.len(), 3, "us-east-1's changes: {:#?}", timeline.api);
    assert!(
        timeline.api.iter().all(|c| c.resource.as_ref().is_some_and(|r| r.to_string().contains("us-east-1:prod-web")))
    );
    let sources: Vec<&str> = timeline.problems.iter().map(|p| p.source).collect();
    assert!(sources.contains(&"CloudTrail changes") && sources.contains(&"CloudTrail sign-ins"), "{sources:?}");
    assert!(
        timeline.problems.iter().all(|p| matches!(p.error, infradeck::provider::ProviderError::AccessDenied { .. })),
        "{:?}",
        timeline.problems
    );
    // us-east-1's sign-ins still count (us-west-2 reads them from us-east-1 too, but its own
    // region's lookup is denied first).
    assert_eq!(timeline.signins.len(), 7);
}
