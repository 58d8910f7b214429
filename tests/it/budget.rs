//! What infradeck costs to leave open, counted where AWS would count it: the moto bridge counts
//! every metric of every GetMetricData call (what CloudWatch bills) and every request by
//! operation. The whole app (state machine and the AWS provider) runs against a seeded fleet of
//! 255 services in 3 clusters with 3 Redis groups, its clock driven a second a tick, first with
//! nobody at the keys, then with a key a minute. (`examples/leave_open.rs` measures the same, and
//! the 1,000-service fleet, for BENCHMARKS.md.)

use crate::support;

use infradeck::app::Msg;
use infradeck::app::schedule::{self, Presence};
use infradeck::app::state::PaneId;
use infradeck::config::Config;
use infradeck::harness::Harness;
use infradeck::provider::Provider;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use std::sync::Arc;
use support::moto::MotoFleet;

/// USD for what the bridge counted: metrics at $0.01 per 1,000, Cost Explorer at $0.01 a request.
fn usd(fleet: &MotoFleet) -> f64 {
    let counts = fleet.bridge_counts();
    let ce: u64 =
        ["GetCostAndUsage", "GetCostForecast", "GetAnomalies"].iter().map(|op| counts[*op].as_u64().unwrap_or(0)).sum();
    fleet.bridge_metrics() as f64 * 0.01 / 1_000.0 + ce as f64 * 0.01
}

/// ECS requests the bridge counted (every ECS operation infradeck sends).
fn ecs_requests(fleet: &MotoFleet) -> u64 {
    let ops = ["ListClusters", "DescribeClusters", "ListServices", "DescribeServices", "ListTasks", "DescribeTasks"];
    let counts = fleet.bridge_counts();
    ops.iter().map(|op| counts[*op].as_u64().unwrap_or(0)).sum::<u64>()
        + counts["DescribeTaskDefinition"].as_u64().unwrap_or(0)
}

struct Open {
    h: Harness,
    t: i64,
}

impl Open {
    /// Let `secs` of app time pass; with `keys`, someone presses a key each minute.
    fn run(&mut self, secs: i64, keys: bool) -> i64 {
        let mut oldest_visible = 0;
        for _ in 0..secs {
            self.t += 1;
            self.h.send(Msg::Tick(Harness::fixed_now() + chrono::Duration::seconds(self.t)));
            if keys && self.t % 60 == 0 {
                self.h.keys(&[if (self.t / 60) % 2 == 0 { "j" } else { "k" }]);
            }
            if schedule::presence(&self.h.state) == Presence::Here {
                let f = &self.h.state.ecs.fetch;
                let now = self.h.state.now;
                for key in schedule::visible_keys(&self.h.state, PaneId::Ecs) {
                    let age = f.read_at.get(&key).map_or(i64::MAX, |t| (now - *t).num_seconds());
                    oldest_visible = oldest_visible.max(age);
                }
            }
        }
        oldest_visible
    }
}

#[test]
fn left_open_it_costs_cents_a_day_and_spares_the_ecs_throttle_budget() {
    let fleet = MotoFleet::start(&["--fleet", "scale", "--services", "255", "--clusters", "3", "--redis", "3"]);
    let cache = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let aws = runtime
        .block_on(AwsProvider::connect(AwsOptions {
            regions: vec!["us-east-1".into()],
            endpoint_url: Some(fleet.endpoint.clone()),
            credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
            retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
            cache_dir: Some(cache.path().to_path_buf()),
            ..AwsOptions::default()
        }))
        .expect("connect");
    let aws = Arc::new(aws);
    let mut open = Open { h: Harness::on(aws.clone(), Config::default(), 200, 50), t: 0 };
    assert_eq!(open.h.state.ecs.rows().len(), 255);

    // Nobody at the keys: after 10 minutes away, six hours counted (a whole cycle: the rows on
    // screen hourly, the rest and the sizing history once).
    open.run(600, false);
    assert_eq!(schedule::presence(&open.h.state), Presence::Away);
    fleet.reset_bridge_counts();
    let away_from = open.h.state.now;
    open.run(6 * 3_600, false);
    let f = &open.h.state.ecs.fetch;
    let unread =
        open.h.state.ecs.rows().iter().filter(|s| f.read_at.get(&s.key()).is_none_or(|t| *t <= away_from)).count();
    assert_eq!(unread, 0, "every row read again within six hours away");
    let per_day = usd(&fleet) * 4.0;
    let ecs_per_s = ecs_requests(&fleet) as f64 / (6.0 * 3_600.0);
    eprintln!("left open, nobody at the keys: ${per_day:.2} a day, {ecs_per_s:.3} ECS requests a second");
    assert!(per_day <= 1.0, "${per_day:.2} a day with nobody at the keys");
    assert!(fleet.bridge_metrics() > 0, "the rows are still read (every six hours)");
    assert!(ecs_per_s <= 0.1, "{ecs_per_s} ECS requests a second");

    // Someone at the keys, a key a minute, for an hour: what is on screen stays within a
    // minute of CloudWatch's newest period.
    open.h.keys(&["j"]);
    fleet.reset_bridge_counts();
    let oldest = open.run(3_600, true);
    let per_hour = usd(&fleet);
    let ecs_per_s = ecs_requests(&fleet) as f64 / 3_600.0;
    eprintln!(
        "a key a minute: ${per_hour:.3} an hour, {ecs_per_s:.3} ECS requests a second, rows on screen at most {oldest} s old"
    );
    assert!(per_hour <= 0.25, "${per_hour:.3} an hour with someone at the keys");
    assert!(ecs_per_s <= 1.0, "{ecs_per_s} ECS requests a second");
    assert!(oldest <= 61, "a row on screen was {oldest} s old");
    // The header says the pace; `:budget` breaks it down.
    let screen = open.h.screen();
    assert!(screen.contains("/day"), "the pace in the header:\n{screen}");
    open.h.keys(&[":"]);
    open.h.type_text("budget");
    open.h.keys(&["enter"]);
    let screen = open.h.screen();
    for part in ["CloudWatch metrics", "ECS pane", "sizing history", "read next", "ECS task sizing: rows on screen"] {
        assert!(screen.contains(part), "{part} in :budget:\n{screen}");
    }
}

#[test]
fn the_sizing_history_is_read_once_then_extended() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let aws = runtime
        .block_on(AwsProvider::connect(AwsOptions {
            regions: vec!["us-east-1".into()],
            endpoint_url: Some(fleet.endpoint.clone()),
            credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
            ..AwsOptions::default()
        }))
        .expect("connect");
    let first = runtime.block_on(aws.ecs_usage()).expect("usage");
    let again = runtime.block_on(aws.ecs_usage()).expect("usage again");
    let by = |v: &[(String, infradeck::domain::UsageHistory)], k: &str| v.iter().find(|(key, _)| key == k).cloned();
    for (key, h) in &first {
        let (_, h2) = by(&again, key).expect("the same services");
        assert_eq!(h.cpu_vcpu.len(), h2.cpu_vcpu.len());
        // The closed hours come from the first read; the hour still running is read again.
        let n = h.cpu_vcpu.len();
        let same = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
        assert!(same(&h.cpu_vcpu[..n - 1], &h2.cpu_vcpu[..n - 1]), "{key}: closed hours changed");
        assert!(same(&h.memory_mib[..n - 1], &h2.memory_mib[..n - 1]), "{key}");
    }
    let web = by(&again, "prod-web/web-api").unwrap().1;
    assert!(web.hours_of_data() >= 330.0, "{}", web.hours_of_data());
}
