//! `infradeck report` on the demo fleet: every format carries the same suggestions, and
//! `--fail-on` gives CI a non-zero exit.

use infradeck::provider::Provider;
use infradeck::provider::demo::{Clock, DemoProvider};
use infradeck::report::{FailOn, Format, render};
use infradeck::sizing::recommend::{EcsRecommendation, Finding, Policy};
use infradeck::sizing::run::recommendations;
use std::process::Command;

fn demo_recs() -> Vec<EcsRecommendation> {
    let demo = DemoProvider::new(42, None, Clock::Fixed(infradeck::harness::FIXED_NOW));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (services, usage) = rt.block_on(async {
        (demo.ecs_services(infradeck::domain::Window::Fortnight).await.unwrap(), demo.ecs_usage().await.unwrap())
    });
    recommendations(&services, &usage, &Policy::default(), &Default::default(), &Default::default())
}

#[test]
fn the_demo_fleet_gets_a_suggestion_per_service_in_report_order() {
    let recs = demo_recs();
    assert_eq!(recs.len(), 45);
    let first_over = recs.iter().position(|r| r.finding == Finding::OverProvisioned).unwrap();
    assert!(recs[..first_over].iter().all(|r| r.finding == Finding::UnderProvisioned), "at-risk first");
    let savings: Vec<f64> =
        recs.iter().filter(|r| r.finding == Finding::OverProvisioned).filter_map(|r| r.monthly_change()).collect();
    assert!(savings.windows(2).all(|w| w[0] <= w[1]), "largest saving first");
    let legacy = recs.iter().find(|r| r.service == "prod-data/legacy-reports").unwrap();
    assert_eq!(legacy.finding, Finding::NotEnoughData, "scaled to zero: nothing to size");
    let payments = recs.iter().find(|r| r.service == "prod-core/payments").unwrap();
    assert_eq!(payments.finding, Finding::UnderProvisioned, "OOM-killed: more memory");
    assert!(payments.proposed.unwrap().1 > payments.current.1);
    assert!(FailOn::UnderProvisioned.trips(&recs) && FailOn::Any.trips(&recs));
}

#[test]
fn every_format_carries_the_same_suggestions() {
    let recs = demo_recs();
    let json: serde_json::Value = serde_json::from_str(&render(&recs, Format::Json)).expect("valid JSON");
    assert_eq!(json.as_array().unwrap().len(), recs.len());
    assert_eq!(json[0]["finding"], "under-provisioned");
    let csv = render(&recs, Format::Csv);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.records().count(), recs.len());
    assert!(csv.starts_with("service,launch_type,finding,current_cpu"));
    let md = render(&recs, Format::Markdown);
    assert!(
        md.contains("| SERVICE | LAUNCH |") && md.contains("### Evidence") && md.contains("p99 of the hottest task")
    );
    // ECS and Redis together: JSON is one object, table and Markdown gain a Redis section.
    let demo = DemoProvider::new(42, None, Clock::Fixed(infradeck::harness::FIXED_NOW));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let groups = rt.block_on(demo.cache_groups(infradeck::domain::Window::Fortnight)).unwrap();
    let cache = infradeck::report::cache_recommendations(&groups, &Default::default());
    assert_eq!(cache.len(), groups.len());
    assert_eq!(cache[0].finding, Finding::UnderProvisioned, "at risk first");
    let all: serde_json::Value =
        serde_json::from_str(&infradeck::report::render_all(&recs, &cache, &[], Format::Json)).expect("valid JSON");
    assert_eq!(all["ecs"].as_array().unwrap().len(), recs.len());
    assert_eq!(all["redis"].as_array().unwrap().len(), cache.len());
    let md = infradeck::report::render_all(&recs, &cache, &[], Format::Markdown);
    assert!(md.contains("## Redis / ElastiCache suggestions") && md.contains("reserved"), "{md}");
    let table = infradeck::report::render_all(&recs, &cache, &[], Format::Table);
    assert!(table.contains("GROUP") && table.contains("page-cache"));
    let table = render(&recs, Format::Table);
    assert!(table.lines().count() >= recs.len() + 2);
    assert!(table.contains("Fargate savings"));
}

#[test]
fn the_cli_prints_the_report_and_fail_on_sets_the_exit_status() {
    let bin = env!("CARGO_BIN_EXE_infradeck");
    let ok = Command::new(bin).args(["report", "--demo", "--format", "csv"]).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("service,"));
    let gate = Command::new(bin).args(["report", "--demo", "--fail-on", "under-provisioned"]).output().unwrap();
    assert_eq!(gate.status.code(), Some(3));
}

#[test]
fn a_per_service_policy_changes_that_service_only() {
    let demo = DemoProvider::new(42, None, Clock::Fixed(infradeck::harness::FIXED_NOW));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (services, usage) = rt.block_on(async {
        (demo.ecs_services(infradeck::domain::Window::Fortnight).await.unwrap(), demo.ecs_usage().await.unwrap())
    });
    let policies: infradeck::sizing::policy::Policies =
        toml::from_str("[services.\"prod-core/payments\"]\nheadroom = 1.5\n").unwrap();
    let plain = recommendations(&services, &usage, &Policy::default(), &Default::default(), &Default::default());
    let tuned = recommendations(&services, &usage, &Policy::default(), &policies, &Default::default());
    let find = |recs: &[EcsRecommendation], key: &str| recs.iter().find(|r| r.service == key).unwrap().clone();
    let (a, b) = (find(&plain, "prod-core/payments"), find(&tuned, "prod-core/payments"));
    assert!(b.proposed.unwrap().1 > a.proposed.unwrap().1, "more headroom, more memory: {a:?} vs {b:?}");
    assert_eq!(find(&plain, "prod-core/checkout"), find(&tuned, "prod-core/checkout"));
}

#[test]
fn a_200_character_service_name_is_shortened_in_the_middle_not_widening_every_row() {
    let mut recs = demo_recs();
    let long = format!("prod-core/{}-worker-eu", "x".repeat(200));
    recs[3].service = long.clone();
    let table = render(&recs, Format::Table);
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap();
    let normal = render(&demo_recs(), Format::Table).lines().map(|l| l.chars().count()).max().unwrap();
    // The name column grows to its 48-character cap, no further (it was 240 columns wide).
    assert!(widest <= normal + 48 - "SERVICE".len() && widest < 200, "{widest} columns wide (without it: {normal})");
    let shown =
        table.lines().find(|l| l.contains('…') && l.contains("prod-core/xx")).expect("the long name, shortened");
    assert!(shown.contains("x-worker-eu"), "both ends of the name stay: {shown}");
    assert_eq!(infradeck::report::shorten_middle("abcdefghij", 5), "ab…ij");
    assert_eq!(infradeck::report::shorten_middle("short", 48), "short");
    // JSON and CSV keep the whole name: they are for machines.
    assert!(render(&recs, Format::Json).contains(&long));
}

/// The TUI, `report` and `plan` all size through `sizing::run`, part by part; the parts must not
/// change a single suggestion from sizing the whole estate at once.
#[test]
fn sizing_in_parts_gives_what_sizing_everything_at_once_gives() {
    let demo = DemoProvider::new(42, Some(6_000), Clock::Fixed(infradeck::harness::FIXED_NOW));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let services = rt.block_on(demo.ecs_services(infradeck::domain::Window::Fortnight)).unwrap();
    assert!(services.len() > 2 * infradeck::sizing::run::PART, "more than two parts");
    let objectives = Default::default();
    let policies = Default::default();
    let whole = rt.block_on(async {
        let usage = demo.ecs_usage().await.unwrap();
        let (policy, policies) = infradeck::sizing::run::priced(&demo, &policies).await;
        let slo = infradeck::sizing::run::slos_of(&demo, &services, &objectives).await.unwrap();
        recommendations(&services, &usage, &policy, &policies, &slo)
    });
    let mut parts =
        rt.block_on(infradeck::sizing::run::run(&demo, std::sync::Arc::new(services), &policies, &objectives)).unwrap();
    assert_eq!(parts.len(), whole.len());
    // The run also sets Compute Optimizer's answer beside each (the whole-estate call does not).
    assert!(parts.iter().all(|r| r.compute_optimizer.is_some()));
    parts.iter_mut().for_each(|r| r.compute_optimizer = None);
    assert!(parts.iter().any(|r| r.slo.is_some()), "the SLO guard saw load-balanced services");
    assert_eq!(render(&parts, Format::Json), render(&whole, Format::Json));
}

/// `report --format json` is read by scripts: its shape is versioned (README: "JSON outputs") and
/// every record says whose it is in fields of its own. Read back as a script would.
#[test]
fn the_json_report_carries_a_version_and_typed_identity_on_every_record() {
    let bin = env!("CARGO_BIN_EXE_infradeck");
    let out = Command::new(bin).args(["report", "--demo", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(all["version"], 2);
    let ecs = all["ecs"].as_array().unwrap();
    assert_eq!(ecs.len(), 45);
    for r in ecs {
        for field in ["account_id", "account", "region", "cluster", "service", "arn", "name", "finding"] {
            assert!(r.get(field).is_some_and(|v| !v.is_null()), "{field} in {r:#}");
        }
        let name = format!("{}/{}", r["cluster"].as_str().unwrap(), r["service"].as_str().unwrap());
        assert_eq!(r["name"], name.as_str(), "one account and region: the name is cluster/service");
        assert_eq!(
            r["arn"],
            format!("arn:aws:ecs:demo-1:123456789012:service/{name}").as_str(),
            "the ARN from the same parts"
        );
    }
    // Compute Optimizer's answer (the demo's stand-in applies its published rule) or why none.
    let co = |name: &str| ecs.iter().find(|r| r["name"] == name).map(|r| r["compute_optimizer"].clone()).unwrap();
    assert!(ecs.iter().all(|r| r["compute_optimizer"]["status"].is_string()), "on every record");
    assert_eq!(co("batch/video-transcode")["status"], "not-fargate");
    assert_eq!(co("prod-data/legacy-reports")["status"], "no-recommendation");
    let tracked = co("prod-core/web-frontend");
    assert_eq!(tracked["recommendation"]["autoscaling"], "TargetTrackingScalingCpu");
    let cart = co("prod-core/cart");
    assert_eq!(
        (&cart["status"], &cart["recommendation"]["finding"]),
        (&"recommended".into(), &"Overprovisioned".into())
    );
    assert!(cart["explanation"].as_str().is_some_and(|e| !e.is_empty()), "{cart:#}");
    let payments = ecs.iter().find(|r| r["service"] == "payments" && r["cluster"] == "prod-core").expect("payments");
    let evidence = payments["evidence"].as_array().unwrap();
    assert!(evidence.iter().any(|e| e.as_str().unwrap().contains("a leak, not a size")), "{payments:#}");
    for g in all["redis"].as_array().unwrap() {
        assert_eq!(g["account_id"], "123456789012");
        let arn = format!("arn:aws:elasticache:demo-1:123456789012:replicationgroup:{}", g["group"].as_str().unwrap());
        assert_eq!(g["arn"], arn.as_str(), "{g:#}");
    }
    assert!(all.get("accounts").is_none(), "no per-account totals outside --org");
}
