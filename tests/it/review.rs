//! `infradeck review` on a history whose answer is known: the demo fleet's simulated month, and a
//! moto account seeded with a month of deployments, alarm history and a rollback
//! (scripts/seed_moto.py `--month`).

use crate::support;

use chrono::{Duration, TimeZone, Utc};
use infradeck::domain::HandoverRecord;
use infradeck::provider::Provider;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use infradeck::provider::demo::{Clock, DemoProvider};
use infradeck::review::Review;
use infradeck::review::render::{Format, render};
use support::moto::MotoFleet;

const NOW: i64 = 1_795_012_200;

async fn demo_review(days: u32, handovers: &[HandoverRecord]) -> Review {
    let demo = DemoProvider::new(42, None, Clock::Fixed(NOW));
    infradeck::cli::review::review(&demo, days, &Default::default(), &Default::default(), &[], handovers)
        .await
        .expect("review")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_month_fills_every_section_and_the_scripted_failures_are_found() {
    let r = demo_review(30, &[]).await;
    assert_eq!(r.days(), 30);
    // Alarms: each kind of trouble at least once, noisiest first, target tracking apart.
    for flag in ["flapping", "ignored", "no actions", "never fired", "no data"] {
        assert!(r.alarms.iter().any(|a| a.flags.contains(&flag)), "{flag}");
    }
    assert!(r.alarms.windows(2).all(|w| w[0].fired >= w[1].fired), "noisiest first");
    assert!(r.scaling_alarms.iter().all(|a| a.name.starts_with("TargetTracking-")) && !r.scaling_alarms.is_empty());
    let silent = r.alarms.iter().find(|a| a.name == "ml-inference-cpu-high").unwrap();
    assert!(silent.flags.contains(&"no actions"), "the demo lists no action for it: {silent:?}");
    // Changes: the scripted failures, each with what followed and the time to recover.
    let failures: Vec<(&str, &str, Option<i64>)> = r
        .changes
        .services
        .iter()
        .flat_map(|s| s.failures.iter().map(move |f| (s.service.as_str(), f.cause.as_str(), f.recovered_seconds)))
        .collect();
    let find =
        |service: &str| failures.iter().find(|f| f.0 == service).unwrap_or_else(|| panic!("{service}: {failures:?}"));
    assert_eq!(find("ecs:prod-data/ledger").1, "ECS rolled it back after 11m");
    assert_eq!(find("ecs:prod-data/ledger").2, Some(11 * 60));
    assert_eq!(find("ecs:prod-core/search").1, "rolled back to search:39 after 23m");
    assert_eq!(find("ecs:prod-core/orders").1, "orders-memory-high fired 8m after");
    assert_eq!(find("ecs:prod-core/orders").2, None, "still firing: not recovered in the span");
    for alarmed in ["ecs:prod-core/checkout", "ecs:prod-core/payments"] {
        assert!(find(alarmed).1.contains("fired 8m after"), "{:?}", find(alarmed));
    }
    assert!(r.changes.deploys > 100, "a month of everyday deployments: {}", r.changes.deploys);
    let rate = r.changes.failure_rate().unwrap();
    assert!((0.02..0.10).contains(&rate), "{rate}");
    // Capacity: OOM kills (orders' regression and the leaky services), health checks and exits,
    // evictions, findings nobody applied, the anomalies with their root cause.
    let stops = |s: &str| r.capacity.stops.iter().find(|x| x.service == s).unwrap();
    assert!(stops("ecs:prod-core/orders").oom >= 30);
    assert_eq!(stops("ecs:prod-core/search").health_check, 4);
    assert_eq!(stops("ecs:prod-data/ledger").exited, 3);
    assert_eq!(r.capacity.evictions[0].group, "page-cache", "the steady evictor first");
    assert!(r.capacity.evictions.iter().any(|e| e.group == "sessions" && e.incidents == 1), "the failover");
    let orders = r.capacity.unapplied.iter().find(|u| u.service == "ecs:prod-core/orders").unwrap();
    assert_eq!((orders.finding, orders.oom > 0), ("under-provisioned", true));
    assert!(r.capacity.unapplied_saving > 100.0);
    assert!(r.capacity.anomalies.iter().all(|a| a.root_cause.contains(" · ")), "{:?}", r.capacity.anomalies);
    // Incidents: the month's two handovers.
    assert_eq!(r.incidents.len(), 2);
    assert!(r.spent.as_deref().is_some_and(|s| s.contains("simulated")), "{:?}", r.spent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shorter_review_counts_only_its_days_and_local_handovers_join_the_list() {
    let mine = HandoverRecord {
        written: Utc.timestamp_opt(NOW - 3_600, 0).unwrap(),
        from: Utc.timestamp_opt(NOW - 7 * 3_600, 0).unwrap(),
        to: Utc.timestamp_opt(NOW - 3_600, 0).unwrap(),
        source: "demo fleet (seed 42)".into(),
        path: "/tmp/infradeck-incident-x.md".into(),
        firing: vec!["orders-memory-high".into()],
        notes: vec!["13:05 me: rolled back orders".into()],
        affected: vec!["ecs:prod-core/orders".into()],
    };
    let old = HandoverRecord { written: Utc.timestamp_opt(NOW - 40 * 86_400, 0).unwrap(), ..mine.clone() };
    let week = demo_review(7, &[mine.clone(), old]).await;
    let month = demo_review(30, &[]).await;
    assert!(week.changes.deploys < month.changes.deploys);
    assert_eq!(week.incidents.iter().filter(|h| h.path == mine.path).count(), 1, "the old one is outside the week");
    let fired = |r: &Review, name: &str| r.alarms.iter().find(|a| a.name == name).map_or(0, |a| a.fired);
    assert!(fired(&week, "checkout-cpu-high") < fired(&month, "checkout-cpu-high"));
    // Every format carries the figures; Markdown links each row to its moment.
    let md = render(&week, Format::Markdown);
    assert!(md.starts_with("# What kept happening: 7 days of demo fleet"), "{md}");
    assert!(md.contains("| `:timeline 20"), "rows link to the timeline:\n{md}");
    assert!(md.contains("13:05 me: rolled back orders"));
    let json: serde_json::Value = serde_json::from_str(&render(&week, Format::Json)).unwrap();
    assert_eq!(json["changes"]["deploys"].as_u64().unwrap() as usize, week.changes.deploys);
    assert!(json["alarms"][0]["link"]["resource"].is_string());
    let table = render(&week, Format::Table);
    assert!(table.contains("── Failed deployments"), "{table}");
}

fn options(fleet: &MotoFleet) -> AwsOptions {
    AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        ..AwsOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_month_on_moto_gives_the_known_review_and_says_what_it_cost() {
    let fleet = MotoFleet::start(&["--fleet", "realistic", "--month"]);
    let with_log = AwsOptions { task_events_log_group: Some("/aws/events/ecs-tasks".into()), ..options(&fleet) };
    let aws = AwsProvider::connect(with_log).await.expect("connect");
    fleet.reset_bridge_counts();
    let to = aws.now();
    let history = aws.history(to - Duration::days(30), to).await.expect("history");
    assert!(history.problems.is_empty(), "{:?}", history.problems);
    let counts = fleet.bridge_counts();
    // A handover written three days ago, as `:export` indexes it.
    let written = to - Duration::days(3) + Duration::minutes(50);
    let handover = HandoverRecord {
        written,
        from: written - Duration::hours(6),
        to: written,
        source: aws.source().label,
        path: "/home/dana/infradeck-incident-search.md".into(),
        firing: vec![],
        notes: vec!["dana: rolled search back in the console".into()],
        affected: vec!["ecs:prod-web/search".into()],
    };
    let r = infradeck::review::build("moto", &history, &[], &[], &[handover]);
    assert_eq!(r.incidents.len(), 1, "every section has something: the incidents too");
    // Without the EventBridge log group: only the stopped tasks ECS still lists.
    let plain = AwsProvider::connect(options(&fleet)).await.expect("connect");
    let short =
        infradeck::review::build("moto", &plain.history(to - Duration::days(30), to).await.unwrap(), &[], &[], &[]);
    let stops = |r: &Review, s: &str| {
        r.capacity.stops.iter().find(|x| x.service == s).map_or((0, 0), |x| (x.oom, x.health_check))
    };
    assert_eq!(stops(&r, "ecs:prod-workers/queue-worker").0 - stops(&short, "ecs:prod-workers/queue-worker").0, 7);
    assert_eq!(stops(&r, "ecs:prod-web/search").1 - stops(&short, "ecs:prod-web/search").1, 1, "the health-check stop");
    assert!(r.coverage.iter().any(|c| c.contains("/aws/events/ecs-tasks")), "{:?}", r.coverage);
    assert!(short.coverage.iter().any(|c| c.contains("about an hour") && c.contains("task_events_log_group")));
    // CloudWatch keeps two weeks of alarm history: the alarm figures say they cover 14 days.
    assert_eq!((r.to - r.alarms_from).num_days(), 14);
    assert!(
        infradeck::review::render::summary(&r).contains("Alarms (last 14 days"),
        "{}",
        infradeck::review::render::summary(&r)
    );

    // search: the pipeline deployed search-month:1, :2 and :3; :2 set off search-cpu-high 7 min
    // later (OK 20 min after); dana rolled :3 back to :2 in the console 25 min later.
    let search = r.changes.services.iter().find(|s| s.service == "ecs:prod-web/search").expect("search");
    let causes: Vec<(&str, &str, Option<i64>)> =
        search.failures.iter().map(|f| (f.revision.as_str(), f.cause.as_str(), f.recovered_seconds)).collect();
    assert_eq!(
        causes,
        [
            ("search-month:2", "search-cpu-high fired 7m after", Some(20 * 60)),
            ("search-month:3", "rolled back to search-month:2 after 25m", Some(25 * 60)),
        ]
    );
    assert_eq!(search.rollbacks, 1);
    assert!(search.failures[1].by.starts_with("terraform-ci/ci (Terraform"), "{}", search.failures[1].by);
    // The three seeded deployments, and the one ECS reports for the service moto created.
    assert_eq!(search.deploys, 4, "{search:?}");
    // web-api was only scaled (desiredCount): scalings are not deployments.
    assert!(r.changes.services.iter().all(|s| s.service != "ecs:prod-web/web-api" || s.deploys <= 1));

    let alarm = |name: &str| r.alarms.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("{name}"));
    let queue = alarm("queue-worker-memory");
    assert_eq!((queue.fired, queue.seconds_in_alarm, queue.median_to_ok_seconds), (6, 6 * 4 * 60, Some(4 * 60)));
    assert_eq!(queue.flags, ["flapping"]);
    let low = alarm("web-api-cpu-low");
    assert_eq!(low.flags, ["no actions", "never fired"], "{low:?}");
    let search_cpu = alarm("search-cpu-high");
    assert_eq!(search_cpu.fired, 2, "day -10 and 2 h ago");
    assert!(search_cpu.flags.is_empty(), "{search_cpu:?}");

    assert!(
        r.capacity.evictions.iter().any(|e| e.group == "sessions" && e.evicted > 0.0),
        "{:?}",
        r.capacity.evictions
    );
    assert!(r.capacity.stops.iter().any(|s| s.oom > 0), "the seeded OOM-killed tasks: {:?}", r.capacity.stops);
    let anomaly = r.capacity.anomalies.first().expect("the seeded anomaly");
    assert_eq!(anomaly.root_cause, "Amazon CloudWatch · us-east-1");
    assert!(r.coverage.iter().any(|c| c.contains("last 100")), "{:?}", r.coverage);

    // What it cost: each source read once; LookupEvents by EventName only (1 page here).
    let n = |op: &str| counts[op].as_u64().unwrap_or(0);
    assert_eq!(n("LookupEvents"), 1, "{counts}");
    assert_eq!(n("DescribeAlarms"), 1, "{counts}");
    assert_eq!(n("DescribeAlarmHistory"), 1, "{counts}");
    assert_eq!(n("GetMetricData"), 1, "evictions: one call, one query a node: {counts}");
    assert_eq!(n("FilterLogEvents"), 1, "the task events, one page: {counts}");
}

#[test]
fn the_review_view_links_each_figure_to_the_timeline_at_its_moment() {
    use infradeck::app::state::Overlay;
    use infradeck::harness::Harness;
    let mut h = Harness::demo(160, 50);
    h.keys(&[":"]);
    h.type_text("review");
    h.keys(&["enter"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Review)));
    let review = h.state.review.review.clone().expect("the review loaded");
    assert_eq!(review.days(), 30);
    let screen = h.screen();
    assert!(screen.contains("review · last 30 days"), "{screen}");
    assert!(screen.contains("Alarms:") && screen.contains("── Alarms, noisiest first"), "{screen}");
    // The cursor only ever rests on a row that links somewhere; walk to search's rollback.
    let lines = h.state.review.lines.clone();
    let mut steps = 0;
    while !lines[h.state.review.selected].0.contains("rolled back to search") {
        assert!(lines[h.state.review.selected].1.is_some(), "on a linked row");
        h.keys(&["j"]);
        steps += 1;
        assert!(steps < lines.len(), "never reached the failed search deployment");
    }
    let link = lines[h.state.review.selected].1.clone().unwrap();
    h.keys(&["enter"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Incident)));
    let i = &h.state.incident;
    assert_eq!(i.anchor, Some(link.at));
    assert_eq!(i.filter, "res:search");
    let (from, to) = i.span.expect("the timeline around the moment loaded");
    assert!(from < link.at && link.at < to, "{from} {} {to}", link.at);
    let v = infradeck::app::incident::view(&h.state);
    let row = i.selected.expect("the cursor on the moment");
    let e = v.event(&v.rows[row]);
    assert!(e.time >= link.at, "the first row at or after the moment: {e:?}");
    assert!(h.screen().contains("around"), "{}", h.screen());
    // `:incident` goes back to the span ending now.
    h.keys(&["esc", ":"]);
    h.type_text("incident");
    h.keys(&["enter"]);
    assert_eq!(h.state.incident.anchor, None);
    assert_eq!(h.state.incident.span.map(|(_, to)| to), Some(h.state.now));
}

#[test]
fn the_cli_prints_the_review_in_each_format_and_refuses_a_span_it_cannot_read() {
    use std::process::Command;
    let bin = env!("CARGO_BIN_EXE_infradeck");
    let data = std::env::temp_dir().join(format!("infradeck-review-cli-{}", std::process::id()));
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(["--demo-clock", &NOW.to_string()])
            .args(args)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_CONFIG_HOME", &data)
            .output()
            .unwrap()
    };
    let md = run(&["review", "--demo", "--days", "7", "--format", "markdown"]);
    assert!(md.status.success(), "{}", String::from_utf8_lossy(&md.stderr));
    let text = String::from_utf8(md.stdout).unwrap();
    assert!(text.starts_with("# What kept happening: 7 days of demo fleet (seed 42)"), "{text}");
    for section in
        ["## Alarms, noisiest first", "## Deployments per service", "## Tasks stopped, by reason", "## Cost anomalies"]
    {
        assert!(text.contains(section), "{section}");
    }
    let json = run(&["review", "--demo", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert!(value["changes"]["deploys"].as_u64().unwrap() > 100);
    // Each alarm says whose it is in fields of its own (issue 34), its ARN made from them.
    let alarm = &value["alarms"][0];
    let name = alarm["alarm"].as_str().expect("the alarm's own name");
    assert_eq!((&alarm["account_id"], &alarm["region"]), (&"123456789012".into(), &"demo-1".into()), "{alarm:#}");
    assert_eq!(alarm["arn"], format!("arn:aws:cloudwatch:demo-1:123456789012:alarm:{name}").as_str());
    let refused = run(&["review", "--demo", "--days", "400"]);
    assert_eq!(refused.status.code(), Some(2), "clap refuses more than 90 days");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn the_review_view_fits_its_tables_to_the_terminal_and_wraps_its_text() {
    use infradeck::harness::Harness;
    let mut h = Harness::demo(100, 30);
    h.keys(&[":"]);
    h.type_text("review");
    h.keys(&["enter"]);
    let screen = h.screen();
    if std::env::var_os("SHOW").is_some() {
        println!("{screen}");
    }
    // Every column of the alarms table is in view at 100 columns, LAST included.
    let head = screen.lines().find(|l| l.contains("ALARM") && l.contains("FIRED")).expect("the alarms' head");
    for column in ["IN ALARM", "NOW", "FLAGS", "SUGGESTION", "LAST"] {
        assert!(head.contains(column), "{column} in {head}");
    }
    // The row under the cursor had cells cut: it is shown whole below the tables.
    assert!(screen.contains("▸ ALARM page-cache-evictions · FIRED 1127"), "{screen}");
    assert!(screen.contains("raise the threshold (> 100)"), "{screen}");
    // The summary wraps rather than losing its end.
    assert!(screen.contains("handovers written"), "{screen}");
    assert!(!screen.contains("……"), "a cut is marked once: {screen}");
    // Narrow and short: still a sane screen, the cursor's row in view.
    let small = infradeck::harness::buffer_text(&h.render_at(80, 24));
    assert!(small.contains("review · last 30 days"), "{small}");
}
