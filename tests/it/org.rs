//! `--org` against a simulated AWS Organization in moto (scripts/seed_moto.py `--fleet org`):
//! the accounts come from Organizations, each is read through the role assumed in it, and one
//! whose role cannot be assumed leaves the others.

use crate::support;

use infradeck::domain::Window;
use infradeck::provider::Provider;
use infradeck::provider::aws::org::OrgOptions;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use support::moto::{MotoFleet, raw_config};

fn options(fleet: &MotoFleet, org: OrgOptions) -> AwsOptions {
    AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        org: Some(org),
        ..AwsOptions::default()
    }
}

/// The seeded accounts by name, as Organizations lists them.
async fn account_ids(fleet: &MotoFleet) -> Vec<(String, String)> {
    let org = aws_sdk_organizations::Client::new(&raw_config(fleet).await);
    // The test's own calls, not infradeck's (scripts/check_iam.py skips `test-` records).
    fleet.record_as("test-org");
    let listed = org.list_accounts().send().await.expect("ListAccounts");
    fleet.record_as("all");
    listed.accounts().iter().map(|a| (a.name().unwrap_or("").to_string(), a.id().unwrap_or("").to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_is_read_through_its_role_and_one_without_it_leaves_the_others() {
    let fleet = MotoFleet::start(&["--fleet", "org", "--accounts", "3", "--services", "2"]);
    let ids = account_ids(&fleet).await;
    let sandbox = ids.iter().find(|(n, _)| n == "sandbox").map(|(_, id)| id.clone()).expect("sandbox");
    // The sandbox account has no OrganizationAccountAccessRole: AssumeRole is denied there.
    fleet.fault(serde_json::json!({"kind": "deny", "operation": "AssumeRole", "contains": sandbox}));
    let aws = AwsProvider::connect(options(&fleet, OrgOptions::default())).await.expect("the others connect");
    let source = aws.source();
    assert!(source.label.starts_with("aws org: 3 accounts, 1 not reached: sandbox"), "{}", source.label);
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    fleet.clear_fault();
    let mut keys: Vec<String> = services.iter().map(|s| s.key()).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "team-01@us-east-1:prod/svc-00",
            "team-01@us-east-1:prod/svc-01",
            "team-02@us-east-1:prod/svc-00",
            "team-02@us-east-1:prod/svc-01",
        ],
        "each account's own cluster, named by its account; the management account has none"
    );
    assert_eq!(source.account.as_deref(), Some("123456789012 + 2 more"), "the caller's (payer) account, and a count");
    let listed: Vec<(&str, &str, Option<&str>)> =
        source.accounts.iter().map(|a| (a.name.as_str(), a.id.as_str(), a.unreachable.as_deref())).collect();
    assert_eq!(listed[0].1, "123456789012", "the caller's own account first: {listed:?}");
    for (name, id) in ids.iter().filter(|(n, _)| n.starts_with("team-")) {
        assert!(listed.iter().any(|(n, i, why)| n == name && i == id && why.is_none()), "{name} {id} in {listed:?}");
    }
    let denied = listed.iter().find(|(_, i, _)| *i == sandbox).expect("sandbox listed");
    assert!(denied.2.is_some_and(|why| why.contains("trust policy")), "sandbox not reached, and why: {denied:?}");

    // Throttled instead of denied: the same, said as throttling (it retries by itself).
    fleet.fault(serde_json::json!({"kind": "throttle", "operation": "AssumeRole", "contains": sandbox}));
    let aws = AwsProvider::connect(options(&fleet, OrgOptions::default())).await.expect("the others connect");
    fleet.clear_fault();
    let source = aws.source();
    assert!(
        source.label.contains("1 not reached: sandbox (AWS rate-limited the role's AssumeRole"),
        "{}",
        source.label
    );
    assert_eq!(aws.ecs_services(Window::Hour).await.expect("services").len(), 4, "the others' rows, all of them");

    // Slow instead of throttled: its role answers 8 s late, after start stopped waiting (3 s).
    // The others connect without it, it is said as slow, and its rows follow once it answers.
    fleet.fault(serde_json::json!({"kind": "latency", "delay": 8, "operation": "AssumeRole", "contains": sandbox}));
    let org = OrgOptions { connect_wait: std::time::Duration::from_secs(3), ..OrgOptions::default() };
    let mut slow = options(&fleet, org);
    slow.identity_retry = Some(std::time::Duration::ZERO);
    let aws = AwsProvider::connect(slow).await.expect("the others connect");
    let source = aws.source();
    assert!(source.label.contains("1 slow to answer (rows follow): sandbox"), "{}", source.label);
    assert!(!source.label.contains("not reached"), "{}", source.label);
    assert!(source.account.as_deref().is_some_and(|a| a.starts_with("123456789012")), "{:?}", source.account);
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    fleet.clear_fault();
    assert_eq!(services.len(), 6, "the others' rows and, once its role answered, sandbox's");
    assert!(services.iter().any(|s| s.key().starts_with("sandbox@")), "sandbox's rows followed");
    aws.ecs_services(Window::Hour).await.expect("services again");
    assert!(!aws.source().label.contains("slow"), "known once it answered: {}", aws.source().label);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizational_unit_narrows_the_accounts_read() {
    let fleet = MotoFleet::start(&["--fleet", "org", "--accounts", "3", "--services", "1"]);
    let org = aws_sdk_organizations::Client::new(&raw_config(&fleet).await);
    fleet.record_as("test-org");
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string();
    let units = org.list_organizational_units_for_parent().parent_id(root).send().await.unwrap();
    let prod =
        units.organizational_units().iter().find(|u| u.name() == Some("prod")).unwrap().id().unwrap().to_string();
    fleet.record_as("all");
    let aws = AwsProvider::connect(options(&fleet, OrgOptions { ou: Some(prod), ..OrgOptions::default() }))
        .await
        .expect("connect");
    assert!(
        aws.source().label.starts_with("aws org: 2 accounts"),
        "team-01 and team-02, not sandbox: {}",
        aws.source().label
    );
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    let mut keys: Vec<String> = services.iter().map(|s| s.key()).collect();
    keys.sort();
    assert_eq!(keys, ["team-01@us-east-1:prod/svc-00", "team-02@us-east-1:prod/svc-00"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_goes_to_the_owning_account_and_a_protected_ou_asks_for_the_name() {
    let fleet = MotoFleet::start(&["--fleet", "org", "--accounts", "3", "--services", "1"]);
    let aws = AwsProvider::connect(AwsOptions {
        protected_accounts: vec!["prod".into()],
        regions: vec!["us-east-1".into(), "us-west-2".into()],
        ..options(&fleet, OrgOptions::default())
    })
    .await
    .expect("connect");
    let source = aws.source();
    assert_eq!(source.regions, ["us-east-1", "us-west-2"], "each region once, however many accounts");
    let ou = |name: &str| source.accounts.iter().find(|a| a.name == name).and_then(|a| a.ou.clone());
    assert_eq!((ou("team-01"), ou("sandbox")), (Some("prod".into()), None), "each account's OU, from the tree");

    let services = aws.ecs_services(Window::Hour).await.expect("services");
    let request = |key: &str| {
        support::halving(services.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("{key}")), -10.0)
    };
    let sandbox = aws.plan_resize(&request("sandbox@us-east-1:prod/svc-00")).await.expect("plan");
    assert!(!sandbox.protected, "sandbox sits at the root, outside the protected OU");
    let plan = aws.plan_resize(&request("team-02@us-east-1:prod/svc-00")).await.expect("plan");
    assert!(plan.protected, "team-02 is in the protected OU prod: confirming means typing the name");
    // The plan says whose the service is, typed, as Organizations and its role session know it.
    let Some(infradeck::domain::ResourceKey::Service(key)) = &plan.identity else { panic!("{:?}", plan.identity) };
    let team_02 = fleet.account_id("team-02");
    assert_eq!(
        (key.origin.account_id.as_deref(), key.origin.account.as_deref()),
        (Some(team_02.as_str()), Some("team-02"))
    );
    assert_eq!(
        (key.cluster.as_str(), key.service.as_str(), key.origin.region.as_str()),
        ("prod", "svc-00", "us-east-1")
    );
    let before = services.iter().find(|s| s.key() == "team-01@us-east-1:prod/svc-00").unwrap().task_definition.clone();
    aws.apply_resize(&plan).await.expect("apply through team-02's role");
    let after = aws.ecs_services(Window::Hour).await.expect("services");
    let revision = |key: &str| after.iter().find(|s| s.key() == key).unwrap().task_definition.clone();
    assert!(revision("team-02@us-east-1:prod/svc-00").ends_with(":2"), "{}", revision("team-02@us-east-1:prod/svc-00"));
    assert_eq!(revision("team-01@us-east-1:prod/svc-00"), before, "the same family in another account is untouched");

    // Cost from the payer, per linked account (seeded: team-NN's ECS costs $10 × NN a day).
    fleet.reset_bridge_counts();
    let cost = aws.cost(true).await.expect("cost");
    assert_eq!(fleet.bridge_counts()["GetCostAndUsage"], 1, "one request for the whole organization");
    let totals = infradeck::accounts::totals(&source.accounts, &after, &[], &[], &[], Some(&cost));
    let team02 = totals.iter().find(|t| t.name == "team-02").expect("team-02");
    let day = chrono::Datelike::day(&chrono::Utc::now().date_naive()) as f64;
    let mtd = team02.month_to_date.expect("cost read");
    assert!((mtd - 21.0 * day).abs() < 0.01, "team-02: $20 ECS + $1 CloudWatch a day this month, got {mtd}");
    assert_eq!(team02.services, 1);
    assert!(cost.services.iter().any(|s| s.service == "team-01: Amazon Elastic Container Service"));

    // The root protects every account, those directly under it included.
    let org = aws_sdk_organizations::Client::new(&raw_config(&fleet).await);
    fleet.record_as("test-org");
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_string();
    fleet.record_as("all");
    let aws =
        AwsProvider::connect(AwsOptions { protected_accounts: vec![root], ..options(&fleet, OrgOptions::default()) })
            .await
            .expect("connect");
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    let sandbox = services.iter().find(|s| s.key() == "sandbox@us-east-1:prod/svc-00").expect("sandbox");
    let plan = aws.plan_resize(&support::halving(sandbox, -10.0)).await.expect("plan");
    assert!(plan.protected, "sandbox sits at the root: protected by the root's id");
}

#[test]
fn report_and_plan_run_under_org_from_the_command_line() {
    let fleet = MotoFleet::start(&["--fleet", "org", "--accounts", "3", "--services", "1"]);
    let home = std::env::temp_dir().join(format!("infradeck-org-cli-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let config = home.join("config.toml");
    std::fs::write(&config, "# defaults\n").unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_infradeck"))
            .args(args)
            .args(["--org", "--region", "us-east-1", "--endpoint-url", &fleet.endpoint])
            .arg("--config")
            .arg(&config)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("AWS_PROFILE")
            .env("XDG_CACHE_HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .output()
            .unwrap()
    };
    let report = run(&["report", "--format", "markdown"]);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("team-02@us-east-1:prod/svc-00"), "every account's services sized: {text}");
    assert!(text.contains("## By account"), "{text}");
    let row = text.lines().find(|l| l.starts_with("| team-02 (")).unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("| prod | 1 |"), "team-02 in OU prod, one service: {row}");
    assert!(text.lines().any(|l| l.starts_with("| sandbox (")), "{text}");

    // JSON says whose each record is in fields of its own (issue 34), never only in the name:
    // a script joins on `account_id`, not on display text.
    let json = run(&["report", "--format", "json"]);
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let all: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    assert_eq!(all["version"], infradeck::report::JSON_VERSION);
    let team_02 = fleet.account_id("team-02");
    let svc = all["ecs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account"] == "team-02")
        .unwrap_or_else(|| panic!("team-02's service: {all:#}"));
    assert_eq!(svc["account_id"], team_02.as_str());
    assert_eq!(
        (&svc["region"], &svc["cluster"], &svc["service"]),
        (&"us-east-1".into(), &"prod".into(), &"svc-00".into())
    );
    assert_eq!(svc["arn"], format!("arn:aws:ecs:us-east-1:{team_02}:service/prod/svc-00").as_str());
    assert_eq!(svc["name"], "team-02@us-east-1:prod/svc-00", "the name as shown stays beside them");
    let accounts = all["accounts"].as_array().expect("each account's totals");
    let line = accounts.iter().find(|a| a["account_id"] == team_02.as_str()).expect("team-02's totals");
    assert_eq!((&line["account"], &line["services"]), (&"team-02".into(), &1.into()));

    // A plan names the service as the organization shows it; without usage history there is
    // nothing to change, and it says so for that account's service.
    let plan = run(&["plan", "team-01@us-east-1:prod/svc-00"]);
    let said = String::from_utf8_lossy(&plan.stderr);
    assert!(!plan.status.success());
    assert!(said.contains("team-01@us-east-1:prod/svc-00") && said.contains("nothing to change"), "{said}");
    let _ = std::fs::remove_dir_all(&home);
}

/// The CPU seed_moto.py gives each account's svc-00 (10 × its number, sandbox 99), as read.
fn cpu_of(services: &[infradeck::domain::EcsService], key: &str) -> f32 {
    services.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("{key} listed")).cpu.max
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_accounts_metrics_are_read_through_the_monitoring_account_and_the_others_from_their_own() {
    let fleet = MotoFleet::start(&["--fleet", "org", "--accounts", "4", "--services", "2", "--monitoring", "team-01"]);
    let org = OrgOptions { monitoring_account: Some("team-01".into()), ..OrgOptions::default() };
    let aws = AwsProvider::connect(options(&fleet, org)).await.expect("connect");
    let source = aws.source();
    assert!(
        source.label.contains("metrics through team-01 for 4, own CloudWatch for 1: sandbox"),
        "master, team-01 (the monitoring account itself), team-02 and team-03 linked; sandbox not: {} {:?}",
        source.label,
        source.accounts
    );
    let path = |name: &str| source.accounts.iter().find(|a| a.name == name).and_then(|a| a.metrics.clone());
    assert_eq!(path("team-02").as_deref(), Some("through monitoring account team-01"));
    assert_eq!(path("sandbox").as_deref(), Some("own CloudWatch: not linked to team-01 (us-east-1)"));

    fleet.reset_bridge_counts();
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    for (key, cpu) in [
        ("team-01@us-east-1:prod/svc-00", 10.0),
        ("team-02@us-east-1:prod/svc-00", 20.0),
        ("team-03@us-east-1:prod/svc-00", 30.0),
        ("sandbox@us-east-1:prod/svc-00", 99.0),
    ] {
        assert_eq!(cpu_of(&services, key), cpu, "{key}: its own account's metric, whichever CloudWatch was asked");
    }
    let (requested, cross) = (fleet.bridge_metrics(), fleet.bridge_cross_account_metrics());
    assert!(
        requested > 0 && cross * 2 == requested,
        "team-02 and team-03, half the metrics, read with their AccountId \
         by team-01 (its own and sandbox's without): {cross} of {requested}"
    );

    // team-03's link is deleted while the console runs: CloudWatch refuses it through team-01,
    // and its metrics are read in its own account from then on.
    let ids = account_ids(&fleet).await;
    let id = |name: &str| ids.iter().find(|(n, _)| n == name).map(|(_, i)| i.clone()).unwrap();
    let link = |name: &str, account: String| serde_json::json!({"account": account, "label": name, "types": ["AWS::CloudWatch::Metric"]});
    fleet.canned(serde_json::json!({"Oam": {id("team-01"): {"us-east-1": {"sink": "infradeck-sink",
        "links": [link("master", "123456789012".into()), link("team-02", id("team-02"))]}}}}));
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    assert_eq!(cpu_of(&services, "team-03@us-east-1:prod/svc-00"), 30.0, "read from team-03's own CloudWatch");
    assert_eq!(cpu_of(&services, "team-02@us-east-1:prod/svc-00"), 20.0);
    let source = aws.source();
    let path = |name: &str| source.accounts.iter().find(|a| a.name == name).and_then(|a| a.metrics.clone());
    assert_eq!(path("team-03").as_deref(), Some("own CloudWatch: refused through team-01 (us-east-1)"));
    assert!(source.label.contains("own CloudWatch for 2: sandbox, team-03"), "{}", source.label);

    // A monitoring account that is not in the organization is said so, not assumed into.
    let org = OrgOptions { monitoring_account: Some("observability".into()), ..OrgOptions::default() };
    let aws = AwsProvider::connect(options(&fleet, org)).await.expect("connect");
    assert!(
        aws.source().label.contains("monitoring account observability not found in the organization"),
        "{}",
        aws.source().label
    );
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    assert_eq!(cpu_of(&services, "team-02@us-east-1:prod/svc-00"), 20.0, "each account's own CloudWatch instead");

    // Account names need not be unique: a second "team-02" joins. Both are shown with their
    // ids, and a monitoring account named by a shared name is not guessed at.
    let organizations = aws_sdk_organizations::Client::new(&raw_config(&fleet).await);
    fleet.record_as("test-org");
    organizations.create_account().account_name("team-02").email("team-02b@example.com").send().await.unwrap();
    fleet.record_as("all");
    let org = OrgOptions { monitoring_account: Some("team-02".into()), ..OrgOptions::default() };
    let aws = AwsProvider::connect(options(&fleet, org)).await.expect("connect");
    let source = aws.source();
    let shared: Vec<&str> =
        source.accounts.iter().map(|a| a.name.as_str()).filter(|n| n.starts_with("team-02")).collect();
    assert_eq!(shared.len(), 2, "{shared:?}");
    assert!(shared.iter().all(|n| n.starts_with("team-02 (") && n.ends_with(')')), "told apart by id: {shared:?}");
    assert!(
        source.label.contains("2 accounts are named team-02 (give the monitoring account's id"),
        "{}",
        source.label
    );
    let services = aws.ecs_services(Window::Hour).await.expect("services");
    assert!(
        services.iter().any(|s| s.key().starts_with("team-02 (") && s.key().ends_with("@us-east-1:prod/svc-00")),
        "rows named as the account is shown"
    );
}

/// The organization: 100 member accounts (sandbox, not linked, among them) × 2 regions ×
/// 20 services, metrics through team-01. Not timed (BENCHMARKS.md has the times, from
/// scripts/measure_org.sh): what must hold at that size is that every row is there with its
/// own account's numbers, and that the calls do not grow with the accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_accounts_load_in_full_with_one_role_session_each_and_metric_calls_shared() {
    let fleet = MotoFleet::start(&[
        "--fleet",
        "org",
        "--accounts",
        "100",
        "--services",
        "20",
        "--org-regions",
        "us-east-1,us-west-2",
        "--monitoring",
        "team-01",
    ]);
    // Every account waited for: on a loaded machine one could take longer than the 5 s start
    // waits (it would load all the same, said as slow in the header this test reads).
    let org = OrgOptions {
        monitoring_account: Some("team-01".into()),
        connect_wait: std::time::Duration::from_secs(120),
        ..OrgOptions::default()
    };
    let regions = vec!["us-east-1".to_string(), "us-west-2".to_string()];
    fleet.reset_bridge_counts();
    let aws = AwsProvider::connect(AwsOptions { regions, ..options(&fleet, org) }).await.expect("connect");
    let source = aws.source();
    assert!(
        source
            .label
            .starts_with("aws org: 101 accounts, metrics through team-01 for 100, own CloudWatch for 1: sandbox"),
        "{}",
        source.label
    );
    assert!(source.accounts.iter().all(|a| a.unreachable.is_none()), "every account reached");

    let services = aws.ecs_services(Window::Hour).await.expect("services");
    assert_eq!(services.len(), 4_000, "100 accounts × 2 regions × 20 services");
    for (key, cpu) in [
        ("team-02@us-east-1:prod/svc-00", 20.0),
        ("team-09@us-west-2:prod/svc-00", 90.0),
        ("sandbox@us-west-2:prod/svc-00", 99.0),
    ] {
        assert_eq!(cpu_of(&services, key), cpu, "{key}: its own account's numbers among 4,000 rows");
    }
    let counts = fleet.bridge_counts();
    let count = |op: &str| counts[op].as_u64().unwrap_or(0);
    assert_eq!(count("AssumeRole"), 100, "one role session per member account, shared by its regions: {counts}");
    let calls = count("GetMetricData");
    assert!(
        (1..100).contains(&calls),
        "metric calls shared across accounts (one per account and region would be 200): {calls}"
    );
    let (requested, cross) = (fleet.bridge_metrics(), fleet.bridge_cross_account_metrics());
    assert_eq!(
        cross * 100,
        requested * 98,
        "98 of the 100 accounts with services read across accounts: {cross} of {requested}"
    );
}
