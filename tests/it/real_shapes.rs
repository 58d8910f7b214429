//! The shapes real accounts have and tidy fleets do not, against moto (seeded by
//! scripts/seed_moto.py's `seed_real_shapes`; where moto is laxer than AWS the bridge answers as
//! AWS documents). Plans never break a service; the read path keeps what it can.

use crate::support;

use infradeck::apply::{AuditEntry, ResizeRequest};
use infradeck::cli::plan::plan_for;
use infradeck::domain::{AlarmState, CacheEngine, LbHealth, Window};
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use infradeck::provider::{Provider, ProviderError};
use serde_json::json;
use support::moto::{MotoFleet, definition, raw_ecs};

fn options(fleet: &MotoFleet, cache: &std::path::Path) -> AwsOptions {
    AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        cache_dir: Some(cache.to_path_buf()),
        identity_retry: Some(std::time::Duration::ZERO),
        ..AwsOptions::default()
    }
}

async fn plan(aws: &AwsProvider, name: &str) -> infradeck::apply::ResizePlan {
    plan_for(aws, &Default::default(), &Default::default(), name, None)
        .await
        .unwrap_or_else(|e| panic!("plan {name}: {e}"))
}

fn counts(fleet: &MotoFleet, op: &str) -> u64 {
    fleet.bridge_counts()[op].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_and_applies_keep_real_task_definitions_whole() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let dir = tempfile::tempdir().unwrap();
    let aws = AwsProvider::connect(options(&fleet, dir.path())).await.expect("connect");
    let ecs = raw_ecs(&fleet).await;

    // The service a plan once OOM-killed: 2 vCPU / 8 GiB, three containers with cpu 0 and a
    // 128 MiB soft reservation each, peaking near 6.6 GiB. As `infradeck plan … --format json`.
    let reports = plan(&aws, "prod-web/reports-api").await;
    assert_eq!((reports.before, reports.after), ((2048, 8192), (4096, 8192)), "{:?}", reports.evidence);
    for c in &reports.containers {
        assert_eq!(c.memory_hard, (None, None), "{}: a hard limit added", c.name);
        assert_eq!((c.cpu, c.memory_soft), ((0, 0), (Some(128), Some(128))), "{}", c.name);
    }
    let json = infradeck::apply::export::export(&reports, infradeck::apply::export::ExportFormat::Json);
    assert!(json.contains("\"memory_hard\": [\n        null,\n        null\n      ]"), "{json}");
    let out = aws.apply_resize(&reports).await.expect("apply");
    let (new, _) = definition(&ecs, &out.task_definition).await;
    assert_eq!((new.cpu(), new.memory()), (Some("4096"), Some("8192")));
    for c in new.container_definitions() {
        assert_eq!((c.cpu(), c.memory(), c.memory_reservation()), (0, None, Some(128)), "{:?}", c.name());
    }

    // Sidecars keep their size; the app takes the change; roles and FireLens carried over.
    let orders = plan(&aws, "prod-web/orders").await;
    let by = |name: &str| orders.containers.iter().find(|c| c.name == name).unwrap().clone();
    assert_eq!((by("log_router").memory_soft, by("log_router").cpu), ((Some(64), Some(64)), (0, 0)));
    assert_eq!((by("xray-daemon").memory_soft, by("xray-daemon").cpu), ((Some(256), Some(256)), (32, 32)));
    let app = by("orders");
    assert!(
        app.memory_hard.1 < app.memory_hard.0 && app.memory_hard.1 >= Some(orders.floors.as_ref().unwrap().task_memory)
    );
    assert!(orders.evidence.iter().any(|e| e.contains("sidecars keep their size")), "{:?}", orders.evidence);
    let (old_orders, _) = definition(&ecs, &orders.base_task_definition).await;
    let applied = aws.apply_resize(&orders).await.expect("apply orders");
    let (new, tags) = definition(&ecs, &applied.task_definition).await;
    assert_eq!(tags.len(), 1, "tags carried (ecs:TagResource on create)");
    assert_eq!(
        (new.task_role_arn(), new.execution_role_arn()),
        (old_orders.task_role_arn(), old_orders.execution_role_arn())
    );
    let router = new.container_definitions().iter().find(|c| c.name() == Some("log_router")).unwrap();
    assert_eq!((router.essential(), router.firelens_configuration().is_some()), (Some(false), true));
    assert_eq!(router.memory_reservation(), Some(64));

    // EC2 without task-level cpu/memory stays without: the reservations move.
    let worker = plan(&aws, "prod-workers/queue-worker").await;
    assert!(!worker.task_level.cpu && !worker.task_level.memory && !worker.fargate);
    // An old service: the plan names it by the short ARN ECS gave, in its account and region.
    let Some(infradeck::domain::ResourceKey::Service(key)) = &worker.identity else { panic!("{:?}", worker.identity) };
    assert_eq!(key.arn().as_deref(), Some("arn:aws:ecs:us-east-1:123456789012:service/queue-worker"));
    assert_eq!((key.origin.account_id.as_deref(), key.origin.region.as_str()), (Some("123456789012"), "us-east-1"));
    let out = aws.apply_resize(&worker).await.expect("apply queue-worker");
    let (new, _) = definition(&ecs, &out.task_definition).await;
    assert_eq!((new.cpu(), new.memory()), (None, None), "no task-level size added");
    let c = &new.container_definitions()[0];
    assert_eq!(
        (c.memory_reservation(), c.memory()),
        (worker.containers[0].memory_soft.1.map(|m| m as i32), worker.containers[0].memory_hard.1.map(|m| m as i32))
    );
    assert!(c.memory() > c.memory_reservation(), "hard above soft");

    // Blue/green through CodeDeploy: planned and exportable, never applied, nothing registered.
    let bg = plan(&aws, "prod-web/payments-bg").await;
    assert!(bg.blocked.as_deref().is_some_and(|b| b.contains("CodeDeploy")), "{:?}", bg.blocked);
    fleet.reset_bridge_counts();
    let refused = aws.apply_resize(&bg).await.unwrap_err();
    assert!(matches!(refused, ProviderError::Refused(_)), "{refused}");
    assert_eq!(counts(&fleet, "RegisterTaskDefinition") + counts(&fleet, "UpdateService"), 0, "no orphan revision");
    let cli = infradeck::apply::export::export(&bg, infradeck::apply::export::ExportFormat::Cli);
    assert!(cli.contains("register-task-definition") && !cli.contains("update-service"), "{cli}");

    // Rolling back to a revision deregistered meanwhile: ECS would refuse it (the bridge does, as
    // AWS documents), so a copy is registered and the service pointed at the copy.
    fleet.record_as("test-setup"); // the test's own call, not one infradeck makes
    ecs.deregister_task_definition().task_definition(&orders.base_task_definition).send().await.unwrap();
    fleet.record_as("all");
    let entry = AuditEntry {
        code: None,
        session: None,
        time: chrono::Utc::now(),
        caller: aws.caller(),
        target: orders.target.clone(),
        action: "resize".into(),
        resource: infradeck::domain::ResourceRef::EcsService { cluster: "prod-web".into(), service: "orders".into() },
        identity: None,
        before: String::new(),
        after: String::new(),
        revision_before: orders.base_task_definition.clone(),
        revision_after: Some(applied.task_definition.clone()),
        requests: vec![],
        result: infradeck::apply::Outcome::Applied,
    };
    let services = aws.ecs_services(Window::Day).await.unwrap();
    let now = services.iter().find(|s| s.key() == "prod-web/orders").unwrap();
    let back = aws.plan_resize(&ResizeRequest::rollback(now, &entry)).await.expect("rollback plan");
    assert!(
        back.reregister && back.requests.iter().any(|r| r.contains("RegisterTaskDefinition")),
        "{:?}",
        back.requests
    );
    assert_eq!(back.after, (1024, 4096));
    let undone = aws.apply_resize(&back).await.expect("rollback");
    assert_ne!(undone.task_definition, orders.base_task_definition, "not the INACTIVE revision");
    let (copy, _) = definition(&ecs, &undone.task_definition).await;
    assert_eq!((copy.cpu(), copy.memory()), (Some("1024"), Some("4096")));
    assert_eq!(copy.container_definitions().len(), 3);
    let svc = ecs.describe_services().cluster("prod-web").services("orders").send().await.unwrap();
    assert_eq!(svc.services()[0].task_definition(), Some(undone.task_definition.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_path_keeps_what_it_can_on_real_shapes() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let dir = tempfile::tempdir().unwrap();
    let aws = AwsProvider::connect(options(&fleet, dir.path())).await.expect("connect");
    let services = aws.ecs_services(Window::Day).await.expect("ecs");
    let by = |key: &str| services.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("{key}"));

    // One deleted target group fails DescribeTargetGroups for the whole batch, as AWS does: the
    // others keep their latency and 5xx.
    assert_eq!(by("prod-web/legacy-api").health, LbHealth::NotRead);
    for key in ["prod-web/web-api", "prod-web/checkout", "prod-web/search", "prod-workers/report-builder"] {
        assert!(by(key).health.read().is_some(), "{key} lost its health to a deleted target group");
    }

    // Every task's own metrics: the hottest of 25 is the last one placed.
    let fanout = by("prod-workers/fanout");
    assert_eq!(fanout.running, 25);
    let hot = fanout.hottest.as_ref().expect("a hottest task");
    assert_eq!(hot.task_id.len(), 36, "named: {:?}", hot.task_id);
    assert!(hot.cpu.p95 > 70.0, "the hot task, not one of the calm ones: p95 {}", hot.cpu.p95);

    // FARGATE_SPOT: priced at Spot.
    let spot = by("prod-web/thumbnails-spot");
    assert_eq!((spot.spot_share, spot.launch_type), (1.0, infradeck::domain::LaunchType::Fargate));
    let usage = aws.ecs_usage_of(&[spot.key()]).await.unwrap();
    let rec = infradeck::sizing::recommend::recommend(spot, &usage[0].1, &Default::default());
    let on_demand = infradeck::sizing::catalog::fargate_task_hourly(spot.arch, 1024, 4096) * 4.0 * 730.0;
    assert!((rec.monthly_current.unwrap() - on_demand * 0.3).abs() < 0.01, "{:?} vs {on_demand}", rec.monthly_current);

    // Standalone cache clusters are caches too; node types beyond the shipped table are priced.
    let groups = aws.cache_groups(Window::Day).await.expect("cache");
    let locks = groups.iter().find(|g| g.id == "batch-locks").expect("standalone Redis");
    assert!(locks.standalone && locks.node_type == "cache.t3.small" && locks.memory.max > 0.0);
    let memcached = groups.iter().find(|g| g.id == "legacy-memcached").expect("Memcached");
    assert_eq!((memcached.engine, memcached.nodes()), (CacheEngine::Memcached, 2));
    let catalogue = aws.cache_node_types().await;
    assert_eq!(catalogue.get("cache.r6gd.xlarge").map(|n| n.redis_hourly), Some(0.781), "from the Price List");
    let rec = infradeck::sizing::redis::recommend_in(locks, &catalogue);
    assert_ne!(rec.finding, infradeck::sizing::recommend::Finding::NotEnoughData, "{:?}", rec.evidence);

    // Composite alarms with their history; target tracking shown as scaling, not firing.
    let alarms = aws.alarms().await.expect("alarms");
    let composite = alarms.iter().find(|a| a.name == "web-degraded").expect("composite alarm");
    assert_eq!((composite.state, composite.history.len()), (AlarmState::Alarm, 1), "{composite:?}");
    let low = alarms.iter().find(|a| a.name.contains("AlarmLow")).expect("target tracking's low alarm");
    assert!(low.state == AlarmState::Alarm && low.scaling && !low.firing());
    assert!(alarms.iter().filter(|a| a.firing()).all(|a| !a.name.starts_with("TargetTracking-")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_without_anomalies_and_a_start_while_sts_fails() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let dir = tempfile::tempdir().unwrap();
    let aws = AwsProvider::connect(options(&fleet, dir.path())).await.expect("connect");

    // GetAnomalies denied (no monitor, no permission): cost still shows, says what is missing,
    // and what succeeded is cached (no second paid GetCostAndUsage).
    fleet.fault(json!({"kind": "deny", "operation": "GetAnomalies"}));
    let report = aws.cost(true).await.expect("cost without anomalies");
    assert!(report.month_to_date() > 0.0 && report.anomalies.is_empty());
    assert!(
        report.missing.iter().any(|m| m.starts_with("anomalies: access denied on ce:GetAnomalies")),
        "{:?}",
        report.missing
    );
    fleet.reset_bridge_counts();
    aws.cost(false).await.expect("cached");
    assert_eq!(counts(&fleet, "GetCostAndUsage"), 0, "kept, not asked again");
    fleet.clear_fault();

    // GetCostAndUsage denied: the failure is remembered, not repeated at every refresh.
    let other = tempfile::tempdir().unwrap();
    let fresh = AwsProvider::connect(options(&fleet, other.path())).await.expect("connect");
    fleet.fault(json!({"kind": "deny", "operation": "GetCostAndUsage"}));
    fleet.reset_bridge_counts();
    assert!(matches!(fresh.cost(false).await, Err(ProviderError::AccessDenied { .. })));
    let sent = counts(&fleet, "GetCostAndUsage");
    assert!(matches!(fresh.cost(false).await, Err(ProviderError::AccessDenied { .. })));
    assert_eq!(counts(&fleet, "GetCostAndUsage"), sent, "remembered, not sent again");
    fleet.clear_fault();
    assert!(fresh.cost(true).await.is_ok(), "r asks at once");

    // STS failing at start (AWS degraded): the app starts, says the account is unknown and why,
    // and learns it once STS answers.
    fleet.fault(json!({"kind": "500", "operation": "GetCallerIdentity"}));
    let degraded = AwsProvider::connect(options(&fleet, other.path())).await.expect("starts while STS fails");
    let account = degraded.source().account.unwrap_or_default();
    assert!(account.starts_with("account unknown (AWS failing on sts:GetCallerIdentity"), "{account}");
    assert!(degraded.ecs_services(Window::Day).await.is_ok(), "the rest of AWS still answers");
    fleet.clear_fault();
    degraded.ecs_services(Window::Day).await.unwrap();
    assert_eq!(degraded.source().account.as_deref(), Some("123456789012"));
    assert_eq!(degraded.caller(), "arn:aws:sts::123456789012:user/moto");
}
