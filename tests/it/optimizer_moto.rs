//! AWS Compute Optimizer beside infradeck's suggestions, against moto behind the bridge (which
//! serves `GetECSServiceRecommendations` as AWS documents it, moto having none): every ECS
//! record of `report` carries Compute Optimizer's answer or the plain reason there is none; a
//! disagreement is explained; it is read once and kept; not opted in is said, never an error.
//! And the account's effective Fargate rate (Cost Explorer, Savings Plans included) prices them.

use super::support::moto::MotoFleet;
use chrono::Datelike;
use std::path::Path;
use std::process::Command;

fn report(fleet: &MotoFleet, home: &Path, format: &str) -> String {
    report_with(fleet, home, &["--format", format])
}

fn report_with(fleet: &MotoFleet, home: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_infradeck"))
        .args(["--aws", "report"])
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &fleet.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(out.status.success(), "report failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn record<'a>(all: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    all["ecs"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("{name} in {all:#}"))
}

/// The AWS CLI's JSON answer to `args` from the bridge: the reference client, as oracle.
fn aws_cli(fleet: &MotoFleet, args: &[&str]) -> serde_json::Value {
    let out = Command::new("aws")
        .args(args)
        .args(["--region", "us-east-1", "--endpoint-url", &fleet.endpoint, "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the AWS CLI (awscli, installed by scripts/test.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn optimizer_calls(fleet: &MotoFleet) -> u64 {
    fleet.bridge_counts()["GetECSServiceRecommendations"].as_u64().unwrap_or(0)
}

#[test]
fn compute_optimizers_answer_sits_beside_each_suggestion_or_says_why_not() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let home = tempfile::tempdir().unwrap();
    fleet.reset_bridge_counts();
    let all: serde_json::Value = serde_json::from_str(&report(&fleet, home.path(), "json")).unwrap();
    for r in all["ecs"].as_array().unwrap() {
        let co = &r["compute_optimizer"];
        assert!(co["status"].is_string(), "a compute_optimizer object on every record: {r:#}");
        assert!(co["recommendation"].is_object() || co["reason"].is_string(), "{co:#}");
    }
    assert_eq!(optimizer_calls(&fleet), 1, "one read for the whole region");
    // The reference client reads the same answer.
    let cli = aws_cli(&fleet, &["compute-optimizer", "get-ecs-service-recommendations"]);
    let theirs = cli["ecsServiceRecommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["serviceArn"].as_str().unwrap().ends_with("service/prod-web/web-api"))
        .expect("web-api in the CLI's answer");
    let web = &record(&all, "prod-web/web-api")["compute_optimizer"];
    assert_eq!(web["status"], "recommended");
    let option = &theirs["serviceRecommendationOptions"][0];
    assert_eq!(web["recommendation"]["recommended"], serde_json::json!([option["cpu"], option["memory"]]));
    assert_eq!(web["recommendation"]["finding"], theirs["finding"]);
    assert_eq!(
        web["recommendation"]["savings_monthly"],
        option["savingsOpportunity"]["estimatedMonthlySavings"]["value"]
    );
    assert!(web["agreement"].is_string() && web["explanation"].as_str().is_some_and(|e| !e.is_empty()), "{web:#}");
    // Target tracking on CPU: it keeps CPU; where infradeck differs there, it says so.
    let checkout = &record(&all, "prod-web/checkout")["compute_optimizer"];
    assert_eq!(checkout["recommendation"]["autoscaling"], "TargetTrackingScalingCpu");
    // EC2 services and a service that never ran: the reason, in words.
    let worker = &record(&all, "prod-workers/queue-worker")["compute_optimizer"];
    assert_eq!(worker["status"], "not-fargate");
    assert!(worker["reason"].as_str().unwrap().contains("Fargate only"));
    let idle = &record(&all, "staging/batch-idle")["compute_optimizer"];
    assert_eq!(idle["status"], "no-recommendation", "{idle:#}");
    fleet.reset_bridge_counts(); // the AWS CLI's read above counted too

    // It refreshes daily: a second report within hours reads it from the cache.
    let table = report(&fleet, home.path(), "table");
    assert_eq!(optimizer_calls(&fleet), 0, "kept on disk, not read again");
    assert!(table.contains("COMPUTE OPTIMIZER"), "{table}");
    let summary = table.lines().find(|l| l.starts_with("Compute Optimizer: ")).expect("the agreement summary");
    assert!(summary.contains("Fargate services compared") && summary.contains("/month"), "{summary}");

    // An account that never opted in: said plainly on every Fargate service, the report intact.
    fleet.canned(serde_json::json!({"ComputeOptimizer": {"opted_in": false}}));
    let fresh = tempfile::tempdir().unwrap();
    let all: serde_json::Value = serde_json::from_str(&report(&fleet, fresh.path(), "json")).unwrap();
    let web = &record(&all, "prod-web/web-api")["compute_optimizer"];
    assert_eq!(web["status"], "not-opted-in");
    assert!(web["reason"].as_str().unwrap().contains("not opted in"), "{web:#}");
    assert_eq!(record(&all, "prod-workers/queue-worker")["compute_optimizer"]["status"], "not-fargate");
    assert!(record(&all, "prod-web/web-api")["proposed"].is_array(), "infradeck's own suggestion stands");
    let table = report(&fleet, fresh.path(), "table");
    assert!(table.contains("Compute Optimizer: the account is not opted in"), "{table}");
}

/// The seeded account's Compute Savings Plan covered 56 % of last month's Fargate at a 20 %
/// discount, and a node reserved in eu-west-1 half its ElastiCache hours: suggestions are priced
/// at 88.7 % and 73.9 % of list, say so, and `--prices list` gives list.
#[test]
fn the_accounts_effective_fargate_rate_prices_the_suggestions_and_list_is_one_flag_away() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let home = tempfile::tempdir().unwrap();
    fleet.reset_bridge_counts();
    let effective: serde_json::Value = serde_json::from_str(&report(&fleet, home.path(), "json")).unwrap();
    assert_eq!(fleet.bridge_counts()["GetCostAndUsage"], 2, "last month's ECS and ElastiCache, $0.02");
    assert_eq!(fleet.bridge_counts()["GetReservationUtilization"], 1, "reserved nodes ran: their On-Demand worth");
    let web = record(&effective, "prod-web/web-api");
    let ratio = web["priced_at"]["ratio"].as_f64().expect("priced at the effective rate");
    // (1,500 × 0.04048 × 0.8 + 500 × 0.04048 + 6,000 × 0.004445) ÷ the same at list; Spot left out.
    let expected =
        (1500.0 * 0.04048 * 0.8 + 500.0 * 0.04048 + 6000.0 * 0.004445) / (2000.0 * 0.04048 + 6000.0 * 0.004445);
    assert!((ratio - expected).abs() < 1e-4, "{ratio} vs {expected}");
    let month = chrono::Utc::now().date_naive().with_day(1).unwrap().pred_opt().unwrap().format("%Y-%m").to_string();
    assert_eq!(web["priced_at"]["month"], month.as_str());
    assert!(
        web["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("effective Fargate rate: 89 % of list")),
        "{web:#}"
    );
    let list: serde_json::Value =
        serde_json::from_str(&report_with(&fleet, home.path(), &["--format", "json", "--prices", "list"])).unwrap();
    let web_list = record(&list, "prod-web/web-api");
    assert!(web_list.get("priced_at").is_none(), "{web_list:#}");
    let (e, l) = (web["monthly_current"].as_f64().unwrap(), web_list["monthly_current"].as_f64().unwrap());
    assert!((e / l - ratio).abs() < 1e-3, "the same service at {e} effective and {l} list");
    // EC2 services are priced as capacity, not dollars: nothing to scale.
    assert!(record(&effective, "prod-workers/queue-worker").get("priced_at").is_none());
    // Kept a day on disk: a second report reads nothing from Cost Explorer.
    // ElastiCache: a cache.r7g.large reserved in eu-west-1, 720 h at an amortized $0.12 an hour,
    // whose On-Demand equivalent GetReservationUtilization gives ($172.80: eu-west-1's $0.24, not
    // the shipped us-east-1 list of $0.219), beside 720 On-Demand hours at $0.219: 73.9 % of list.
    let group = |all: &serde_json::Value| {
        all["redis"].as_array().unwrap().iter().find(|g| g["monthly_current"].is_number()).cloned().unwrap()
    };
    let (cache_e, cache_l) = (group(&effective), group(&list));
    assert_eq!(cache_e["group"], cache_l["group"]);
    let r = cache_e["monthly_current"].as_f64().unwrap() / cache_l["monthly_current"].as_f64().unwrap();
    assert!((r - (720.0 * 0.12 + 720.0 * 0.219) / (720.0 * 0.24 + 720.0 * 0.219)).abs() < 1e-3, "{r}");
    assert!(
        cache_e["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("effective ElastiCache rate: 74 % of list")),
        "{cache_e:#}"
    );
    // The reference client asks the same question and reads the same figure.
    let (first, next) = {
        let next = chrono::Utc::now().date_naive().with_day(1).unwrap();
        let first = next.pred_opt().unwrap().with_day(1).unwrap();
        (first.to_string(), next.to_string())
    };
    let period = format!("Start={first},End={next}");
    let filter = r#"{"Dimensions": {"Key": "SERVICE", "Values": ["Amazon ElastiCache"]}}"#;
    let cli = aws_cli(
        &fleet,
        &[
            "ce",
            "get-reservation-utilization",
            "--granularity",
            "MONTHLY",
            "--time-period",
            &period,
            "--filter",
            filter,
        ],
    );
    assert_eq!(cli["Total"]["OnDemandCostOfRIHoursUsed"], "172.80", "{cli:#}");
    let table = report(&fleet, home.path(), "table");
    assert_eq!(fleet.bridge_counts()["GetCostAndUsage"], 2);
    assert_eq!(fleet.bridge_counts()["GetReservationUtilization"], 2, "infradeck's one read and the CLI's");
    assert!(table.contains("at this account's effective rate (89 % of list in"), "{table}");
}

/// Container Insights with enhanced observability (prod-workers) reports each container's own
/// CPU and memory: the suggestion's evidence shows them and each container is held to its own.
#[test]
fn each_container_is_sized_from_its_own_container_insights_metrics() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let home = tempfile::tempdir().unwrap();
    let all: serde_json::Value = serde_json::from_str(&report(&fleet, home.path(), "json")).unwrap();
    let worker = record(&all, "prod-workers/queue-worker");
    let line = worker["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .find(|e| e.starts_with("containers, each from its own use"))
        .unwrap_or_else(|| panic!("per-container evidence: {worker:#}"));
    assert!(line.contains("worker p99 ") && line.contains(" vCPU, peak "), "{line}");
    let floors = &worker["floors"]["container_cpu"];
    assert_eq!(floors[0][0], "worker", "{worker:#}");
    // Outside enhanced observability (prod-web: plain Container Insights) there is none.
    let web = record(&all, "prod-web/gateway");
    assert!(web["evidence"].as_array().unwrap().iter().all(|e| !e.as_str().unwrap().contains("each from its own use")));
}
