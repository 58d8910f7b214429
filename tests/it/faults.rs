//! The fault matrix: the whole app (state machine + the real AWS provider + the SDK) against
//! moto, with faults injected by scripts/moto_bridge.py. For each fault the app keeps its last
//! good data marked stale with the error and a hint, backs off (the requests it sent during the
//! fault are counted and bounded), and recovers by itself once the fault clears.
//!
//! The app's clock is driven by the test (one `Tick` per second of app time), so back-off waits
//! of minutes take no wall time; the SDK's own retries and the injected latency are real. The
//! panes are read every 10 s (`[refresh]` set so) with someone at the keys throughout, as in
//! an incident: the scheduler's slower cadences for what nobody watches are `app::schedule`'s.
//! Each test prints a `FAULT-MATRIX` line (run with `--nocapture` to see them).

use crate::support;

use infradeck::app::state::PaneId;
use infradeck::app::{Msg, State};
use infradeck::harness::Harness;
use infradeck::provider::aws::{ApiUsage, AwsOptions, AwsProvider};
use infradeck::provider::{Provider, ProviderError};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::moto::MotoFleet;

/// The panes that refresh every 10 s (cost is hourly and cached on disk).
const LIVE: [PaneId; 3] = [PaneId::Ecs, PaneId::Redis, PaneId::Alarms];
/// How often what is on screen is read here (`[refresh]`).
const EVERY: i64 = 10;
/// The SDK's standard retry mode: at most this many attempts per call.
const ATTEMPTS: u64 = 3;

struct Run {
    fleet: MotoFleet,
    h: Harness,
    usage: ApiUsage,
    /// App seconds since the estate was loaded.
    t: i64,
}

impl Run {
    /// Seed moto, connect the AWS provider (the SDK's standard retry mode, 3 attempts) to
    /// `regions` and load every pane. Only the retries' first back-off is shortened, 1 s to
    /// 20 ms: these tests count requests and app seconds, and the real seconds the SDK slept
    /// between attempts were most of their time.
    fn start(regions: &[&str]) -> Run {
        let fleet = MotoFleet::start(&["--fleet", "realistic"]);
        let cache = std::env::temp_dir().join(format!("infradeck-faults-{}-{}", regions.len(), std::process::id()));
        let options = AwsOptions {
            regions: regions.iter().map(|r| r.to_string()).collect(),
            endpoint_url: Some(fleet.endpoint.clone()),
            credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
            cache_dir: Some(cache),
            retry: Some(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(ATTEMPTS as u32)
                    .with_initial_backoff(Duration::from_millis(20)),
            ),
            ..AwsOptions::default()
        };
        let mut h = Harness::demo(200, 50);
        let aws = Arc::new(h.block_on(AwsProvider::connect(options)).expect("connect"));
        let usage = aws.usage().clone();
        h.provider = aws.clone();
        for pane in LIVE {
            h.state.fetch_mut(pane).interval = chrono::Duration::seconds(EVERY);
        }
        // The Redis pane is on the dashboard without the focus, read at five times its interval
        // (`schedule::shown_every`): a fifth of EVERY has it read every EVERY seconds too.
        h.state.fetch_mut(PaneId::Redis).interval = chrono::Duration::seconds(EVERY / 5);
        h.send(Msg::SourceChanged(aws.source()));
        let run = Run { fleet, h, usage, t: 0 };
        for pane in PaneId::ALL {
            let f = run.state().fetch(pane);
            assert!(f.error.is_none() && run.state().has_data(pane), "{pane:?} did not load: {:?}", f.error);
        }
        run
    }

    fn state(&self) -> &State {
        &self.h.state
    }

    /// Let `secs` seconds of app time pass, a tick a second; due refreshes run to the end.
    fn advance(&mut self, secs: i64) {
        for _ in 0..secs {
            self.t += 1;
            let now = Harness::fixed_now() + chrono::Duration::seconds(self.t);
            // Someone at the keys throughout (an incident): the panes are read at their interval.
            self.h.state.activity.last_input = now;
            self.h.send(Msg::Tick(now));
        }
    }

    /// Advance until no pane shows an error (at most `limit` seconds): how long that took.
    fn until_recovered(&mut self, limit: i64) -> i64 {
        let from = self.t;
        while !self.stale().is_empty() {
            assert!(self.t - from < limit, "not recovered {limit} s after the fault cleared: {:?}", self.errors());
            self.advance(1);
        }
        self.t - from
    }

    fn stale(&self) -> Vec<PaneId> {
        PaneId::ALL.into_iter().filter(|p| self.state().fetch(*p).error.is_some()).collect()
    }

    fn errors(&self) -> Vec<(PaneId, ProviderError)> {
        PaneId::ALL.into_iter().filter_map(|p| self.state().fetch(p).error.clone().map(|e| (p, e))).collect()
    }

    fn rows(&self) -> [usize; 3] {
        let s = self.state();
        [s.ecs.rows().len(), s.redis.rows().len(), s.alarms.rows().len()]
    }

    fn requests(&self) -> u64 {
        self.usage.total_requests()
    }

    /// What each live pane shows while the fault lasts: its rows kept, marked stale with the
    /// error (checked by `is_expected`) and the error's hint on screen.
    fn assert_stale_with(&self, rows: [usize; 3], is_expected: impl Fn(&ProviderError) -> bool) {
        let errors = self.errors();
        assert_eq!(errors.iter().map(|(p, _)| *p).collect::<Vec<_>>(), LIVE, "{errors:?}");
        for (pane, e) in &errors {
            assert!(is_expected(e), "{pane:?}: unexpected error {e:?}");
        }
        assert_eq!(self.rows(), rows, "the last good rows stay on screen");
        let screen = self.h.screen();
        let (_, first) = &errors[0];
        assert!(screen.contains("ecs,redis,alarms stale"), "{screen}");
        assert!(screen.contains("STALE"), "{screen}");
        let hint: String = first.hint().chars().take(30).collect();
        assert!(screen.contains(&hint), "hint {hint:?} not on screen:\n{screen}");
    }
}

/// Fetches one pane can make in `secs` of app time after its last success (its next refresh
/// due at `first_due`), backing off as `app::backoff` does with every jitter at its shortest
/// (half the nominal wait, `first_wait` after the first failure).
fn most_fetches(secs: i64, first_due: i64, first_wait: i64) -> u64 {
    let (mut t, mut n, mut nominal) = (first_due, 0, first_wait);
    while t <= secs {
        n += 1;
        t += nominal / 2;
        nominal = (nominal * 2).min(300);
    }
    n
}

/// Requests the three live panes can send in `secs` of a fault on every call: the Redis and
/// alarms panes' next read is due 10 s after the last; the ECS pane's may come sooner (it also
/// follows moto's services, mid-rollout, every 15 s); a read stops at its first failing call;
/// `attempts` per call.
fn live_bound(secs: i64, first_wait: i64, attempts: u64) -> u64 {
    (most_fetches(secs, 1, first_wait) + 2 * most_fetches(secs, EVERY, first_wait)) * attempts
}

fn report(fault: &str, sent: u64, bound: u64, recovered: i64, wall: Duration) {
    println!(
        "FAULT-MATRIX | {fault} | {sent} requests sent during the fault (bound {bound}) | recovered {recovered} s (app time) after it cleared | {:.1} s wall",
        wall.as_secs_f64()
    );
}

/// ThrottlingException on every call for 30 s. (Before back-off, the same storm drew 57
/// requests: the ECS pane polled every 2 s for a rollout it could no longer see.)
#[test]
fn a_throttling_storm_is_ridden_out_with_back_off_and_recovered_from() {
    let wall = Instant::now();
    let mut run = Run::start(&["us-east-1"]);
    let rows = run.rows();
    let before = run.requests();
    run.fleet.fault(json!({"kind": "throttle"}));
    run.advance(30);
    run.assert_stale_with(rows, |e| matches!(e, ProviderError::Throttled { .. }));
    let sent = run.requests() - before;
    let bound = live_bound(30, 10, ATTEMPTS);
    assert!(sent > 0 && sent <= bound, "{sent} requests in a 30 s storm (bound {bound})");
    assert_eq!(run.fleet.faulted(), sent, "every request in the storm was throttled");
    run.fleet.clear_fault();
    let recovered = run.until_recovered(60);
    assert_eq!(run.rows(), rows);
    report("throttling 30 s", sent, bound, recovered, wall.elapsed());
}

#[test]
fn http_500_and_503_bursts_back_off_and_recover() {
    let wall = Instant::now();
    let mut run = Run::start(&["us-east-1"]);
    let rows = run.rows();
    for (kind, status) in [("500", "(HTTP 500)"), ("503", "(HTTP 503)")] {
        let before = run.requests();
        run.fleet.fault(json!({"kind": kind}));
        run.advance(20);
        run.assert_stale_with(
            rows,
            |e| matches!(e, ProviderError::Unavailable { detail, .. } if detail.ends_with(status)),
        );
        let sent = run.requests() - before;
        let bound = live_bound(20, 10, ATTEMPTS);
        assert!(sent > 0 && sent <= bound, "{sent} requests in a 20 s burst of {kind} (bound {bound})");
        run.fleet.clear_fault();
        let recovered = run.until_recovered(60);
        report(&format!("HTTP {kind} burst 20 s"), sent, bound, recovered, wall.elapsed());
    }
}

/// Every call answered 5 s late: slow is not failed. One refresh of every live pane runs
/// concurrently, as the driver runs them; nothing times out, nothing is retried.
#[test]
fn five_seconds_of_latency_on_every_call_slows_a_refresh_but_fails_nothing() {
    let wall = Instant::now();
    let mut run = Run::start(&["us-east-1"]);
    let rows = run.rows();
    // One refresh of every live pane at once, as the driver runs them: its requests and time.
    let refresh = |run: &mut Run| {
        let before = run.requests();
        // Long enough for every part to be due again (rows, the rollouts followed, alarms).
        run.t += 30;
        let now = Harness::fixed_now() + chrono::Duration::seconds(run.t);
        run.h.state.activity.last_input = now;
        let effects = run.h.send_only(Msg::Tick(now));
        assert_eq!(effects.len(), 3, "one fetch per live pane: {effects:?}");
        let started = Instant::now();
        run.h.run_effects_concurrently(effects);
        (run.requests() - before, started.elapsed())
    };
    let (normal, fast) = refresh(&mut run);
    run.fleet.fault(json!({"kind": "latency", "delay": 5}));
    let (sent, slow) = refresh(&mut run);
    run.fleet.clear_fault();
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    assert_eq!(run.rows(), rows);
    for pane in LIVE {
        assert_eq!(run.state().fetch(pane).fetched_at, Some(run.state().now), "{pane:?} is current");
    }
    assert_eq!(sent, normal, "the same requests as without latency: none retried");
    assert!(slow >= Duration::from_secs(5), "{slow:?}");
    println!(
        "FAULT-MATRIX | 5 s latency on every call | {sent} requests (as without latency) | one refresh of all live panes took {:.1} s (without latency {:.1} s), none failed | {:.1} s wall",
        slow.as_secs_f64(),
        fast.as_secs_f64(),
        wall.elapsed().as_secs_f64()
    );
}

/// Nothing listens for 12 s of wall time and open connections are dropped.
#[test]
fn refused_connections_are_retried_with_back_off_and_recovered_from() {
    let wall = Instant::now();
    let mut run = Run::start(&["us-east-1"]);
    let rows = run.rows();
    let before = run.requests();
    let from = run.t;
    run.fleet.fault(json!({"kind": "refuse", "seconds": 12}));
    let started = Instant::now();
    let app_time = |run: &mut Run, until: Duration| {
        while started.elapsed() < until {
            std::thread::sleep(Duration::from_millis(200));
            run.advance(1);
        }
    };
    // Every live pane has failed by 8 s (its refresh came due at 2 s); the bridge is back at 12.
    app_time(&mut run, Duration::from_secs(8));
    // Refused, or (a pooled connection the bridge dropped) closed before the answer.
    run.assert_stale_with(rows, |e| matches!(e, ProviderError::Unreachable { .. }));
    let screen = run.h.screen();
    assert!(screen.contains("no answer from AWS"), "{screen}");
    // Counted while every call fails (after 12 s the bridge listens again and a refresh that
    // comes due then sends its normal requests).
    let sent = run.requests() - before;
    let bound = live_bound(run.t - from, 10, ATTEMPTS);
    assert!(
        sent > 0 && sent <= bound,
        "{sent} attempts while refused (bound {bound}, {} s): {:?}",
        run.t - from,
        run.usage.requests()
    );
    app_time(&mut run, Duration::from_secs(12));
    let recovered = run.until_recovered(120);
    assert_eq!(run.rows(), rows);
    report("connection refused 12 s (wall)", sent, bound, recovered, wall.elapsed());
}

/// The session's token expires: not retried by the SDK (retrying cannot help), the hint says to
/// log in again, the app retries from a minute apart, and picks up as soon as the token works.
#[test]
fn an_expired_token_says_to_log_in_again_and_recovers_when_it_works() {
    let wall = Instant::now();
    let mut run = Run::start(&["us-east-1"]);
    let rows = run.rows();
    let before = run.requests();
    run.fleet.fault(json!({"kind": "expired"}));
    run.advance(120);
    run.assert_stale_with(rows, |e| matches!(e, ProviderError::NoCredentials(m) if m.contains("ExpiredToken")));
    assert!(run.h.screen().contains("the session expired: run `aws sso login`"));
    let sent = run.requests() - before;
    let bound = live_bound(120, 60, 1);
    assert!(sent > 0 && sent <= bound, "{sent} requests in 120 s of expired token (bound {bound}, one attempt each)");
    run.fleet.clear_fault();
    let recovered = run.until_recovered(125);
    report("expired token 120 s", sent, bound, recovered, wall.elapsed());
}

/// One permission missing (cloudwatch:DescribeAlarms) for five minutes: only the alarms pane is
/// stale, naming the permission; the others stay current; the denied call is tried ever more
/// rarely instead of every 10 s.
#[test]
fn access_denied_on_one_operation_leaves_the_other_panes_current() {
    let wall = Instant::now();
    let mut run = Run::start(&["us-east-1"]);
    let alarms = run.state().alarms.rows().len();
    run.fleet.reset_bridge_counts();
    run.fleet.fault(json!({"kind": "deny", "operation": "DescribeAlarms"}));
    run.advance(300);
    let denied = ProviderError::AccessDenied { operation: "cloudwatch:DescribeAlarms".into() };
    assert_eq!(run.errors(), vec![(PaneId::Alarms, denied.clone())]);
    assert_eq!(run.state().alarms.rows().len(), alarms, "last good alarms kept");
    for pane in [PaneId::Ecs, PaneId::Redis] {
        let at = run.state().fetch(pane).fetched_at.expect("loaded");
        assert!(run.state().now - at <= chrono::Duration::seconds(10), "{pane:?} current");
    }
    run.h.keys(&["4", "z"]); // the alarms pane, zoomed: its error line says what to do
    let screen = run.h.screen();
    assert!(screen.contains("add cloudwatch:DescribeAlarms to the role's policy"), "{screen}");
    let sent = run.fleet.bridge_counts()["DescribeAlarms"].as_u64().unwrap_or(0);
    let bound = most_fetches(300, 10, 60);
    assert!(sent > 0 && sent <= bound, "{sent} DescribeAlarms in 5 min denied (bound {bound}; 30 without back-off)");
    assert_eq!(run.fleet.faulted(), sent);
    run.fleet.clear_fault();
    let recovered = run.until_recovered(300);
    report("AccessDenied on DescribeAlarms 5 min", sent, bound, recovered, wall.elapsed());
}

/// Two regions, eu-west-1 answering 503 on everything: us-east-1's rows stay current (the pane
/// is not backed off), eu-west-1 is named in the error and not asked again while it backs off.
/// (eu-west-1 has no services or groups: only the inventories, every 5 minutes, and the alarms
/// ask it anything.)
#[test]
fn one_region_of_two_failing_leaves_the_other_current() {
    let wall = Instant::now();
    let mut run = Run::start(&["us-east-1", "eu-west-1"]);
    let rows = run.rows();
    assert!(run.state().ecs.rows().iter().all(|s| s.cluster.starts_with("us-east-1:")));
    run.fleet.fault(json!({"kind": "503", "region": "eu-west-1"}));
    run.advance(310);
    let errors = run.errors();
    assert_eq!(errors.iter().map(|(p, _)| *p).collect::<Vec<_>>(), LIVE, "{errors:?}");
    for (pane, e) in &errors {
        let ProviderError::Partial { failed, cause } = e else { panic!("{pane:?}: {e:?}") };
        assert_eq!(failed, &vec!["eu-west-1".to_string()]);
        assert!(matches!(**cause, ProviderError::Unavailable { .. }), "{cause:?}");
        let f = run.state().fetch(*pane);
        assert_eq!(f.failures, 0, "{pane:?}: the pane itself is not backed off");
        assert!(run.state().now - f.fetched_at.expect("loaded") <= chrono::Duration::seconds(10), "{pane:?} current");
    }
    assert_eq!(run.rows(), rows, "us-east-1's rows current, none lost");
    let screen = run.h.screen();
    assert!(screen.contains("eu-west-1 not answering"), "{screen}");
    // eu-west-1 sits out 1, 2, 4 … refreshes after each failure. In 310 s the alarms are read
    // at most 31 times; the inventories once or twice each.
    let sent = run.fleet.faulted();
    let bound = (most_tries(31) + 4) * ATTEMPTS;
    assert!(sent > 0 && sent <= bound, "{sent} requests to the failing region (bound {bound})");
    run.fleet.clear_fault();
    let recovered = run.until_recovered(200);
    assert!(run.state().ecs.rows().iter().all(|s| s.cluster.starts_with("us-east-1:")));
    report("one region of two failing (503) 310 s", sent, bound, recovered, wall.elapsed());
}

/// Tries a failing target gets in `refreshes` refreshes, sitting out 1, 2, 4 … 30 after each.
fn most_tries(refreshes: u64) -> u64 {
    let (mut at, mut tries, mut skip) = (1, 0, 1);
    while at <= refreshes {
        tries += 1;
        at += skip + 1;
        skip = (skip * 2).min(30);
    }
    tries
}
