//! What infradeck costs to leave open: the whole app (state machine and the AWS provider)
//! against an endpoint (moto behind the bridge), its clock driven a second a tick, with nobody
//! at the keys (`idle`), a key a minute (`active`) or a key an hour (`week`). Prints one JSON
//! line: metrics requested, USD, USD a day at that pace, ECS requests a second; `week` also
//! prints a line at app hours 1, 24 and 168 (and every 24th): the process's RSS, CPU seconds
//! and the lines in its log (the app's own logging, `common::logging`), to show nothing grows.
//!
//! `bash scripts/measure_open.sh [SERVICES CLUSTERS GROUPS]` seeds moto and runs both scenarios;
//! by hand: cargo run --release --example leave_open -- ENDPOINT MINUTES idle|active|week [WARMUP_MINUTES]
//! (`WEEK=1 bash scripts/measure_open.sh realistic` runs the week on the realistic fleet).
//! With `ORG_REGIONS=us-east-1,us-west-2` in the environment: `--org` over those regions (a
//! simulated organization, `bash scripts/measure_open.sh org ACCOUNTS SERVICES`); with
//! `MONITORING=NAME` too, metrics through that monitoring account.

use infradeck::app::state::PaneId;
use infradeck::app::{Msg, schedule};
use infradeck::config::Config;
use infradeck::harness::Harness;
use infradeck::provider::aws::{AwsOptions, AwsProvider};
use std::sync::Arc;
use std::time::Instant;

fn main() -> color_eyre::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let endpoint = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:5001".into());
    let minutes: i64 = args.get(2).and_then(|m| m.parse().ok()).unwrap_or(3);
    let scenario = args.get(3).cloned().unwrap_or_else(|| "idle".into());
    let warmup: i64 = args.get(4).and_then(|m| m.parse().ok()).unwrap_or(0);
    // The app's own log, in a file of this run's (its lines are counted in `week`).
    let log = std::env::temp_dir().join(format!("infradeck-leave-open-{}.log", std::process::id()));
    let _log = infradeck::common::logging::init(&log);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let org_regions = std::env::var("ORG_REGIONS").ok();
    let aws = runtime
        .block_on(AwsProvider::connect(AwsOptions {
            regions: org_regions.as_deref().unwrap_or("us-east-1").split(',').map(str::to_string).collect(),
            org: org_regions.as_ref().map(|_| infradeck::provider::aws::org::OrgOptions {
                monitoring_account: std::env::var("MONITORING").ok(),
                ..Default::default()
            }),
            endpoint_url: Some(endpoint),
            credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "open")),
            retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
            // As the app keeps them: Cost Explorer answers and prices on disk.
            cache_dir: Some(std::env::temp_dir().join(format!("infradeck-leave-open-{}", std::process::id()))),
            ..AwsOptions::default()
        }))
        .map_err(|e| color_eyre::eyre::eyre!("{e}: {}", e.hint()))?;
    let aws = Arc::new(aws);
    let usage = aws.usage().clone();
    let started = Instant::now();
    // The first complete screen: every pane loaded (Harness runs each fetch to its end).
    let mut h = Harness::on(aws.clone(), Config::default(), 200, 50);
    let first_screen = started.elapsed().as_secs_f64();
    let mut t = 0;
    let tick = |h: &mut Harness, t: &mut i64| {
        *t += 1;
        h.send(Msg::Tick(Harness::fixed_now() + chrono::Duration::seconds(*t)));
        let every = if scenario == "week" { 3_600 } else { 60 };
        if scenario != "idle" && *t % every == 0 {
            h.keys(&[if (*t / every) % 2 == 0 { "j" } else { "k" }]);
        }
    };
    // How old the oldest ECS row on screen is, at each second someone is at the keys.
    let visible_age = |h: &Harness| -> Option<i64> {
        if schedule::presence(&h.state) != schedule::Presence::Here {
            return None;
        }
        let f = &h.state.ecs.fetch;
        let keys = schedule::visible_keys(&h.state, PaneId::Ecs);
        keys.iter().map(|k| f.read_at.get(k).map_or(i64::MAX, |t| (h.state.now - *t).num_seconds())).max()
    };
    for _ in 0..warmup * 60 {
        tick(&mut h, &mut t);
    }
    if scenario == "active" {
        // Someone sits down: what is on screen is read at the next tick (not counted as old).
        h.keys(&["j"]);
        tick(&mut h, &mut t);
    }
    usage.reset();
    let measured = Instant::now();
    let mut oldest_visible = 0;
    for second in 1..=minutes * 60 {
        tick(&mut h, &mut t);
        oldest_visible = oldest_visible.max(visible_age(&h).unwrap_or(0));
        let hour = second / 3_600;
        if scenario == "week" && second % 3_600 == 0 && (hour == 1 || hour % 24 == 0) {
            println!(
                "{}",
                serde_json::json!({
                    "app_hour": hour,
                    "rss_mb": process::rss_mb(),
                    "cpu_seconds": process::cpu_seconds(),
                    "log_lines": process::lines(&log),
                    "requests": usage.total_requests(),
                    "usd": (usage.spend_usd() * 10_000.0).round() / 10_000.0,
                    "wall_seconds": measured.elapsed().as_secs_f64().round(),
                })
            );
        }
    }
    let seconds = (minutes * 60) as f64;
    let requests = usage.requests();
    let ecs: u64 = requests.iter().filter(|(k, _)| k.starts_with("ecs:")).map(|(_, v)| v).sum();
    let usd = usage.spend_usd();
    println!(
        "{}",
        serde_json::json!({
            "scenario": scenario,
            "services": h.state.ecs.rows().len(),
            "app_minutes": minutes,
            "warmup_minutes": warmup,
            "metrics_requested": usage.metrics_requested(),
            "usd": (usd * 10_000.0).round() / 10_000.0,
            "usd_per_day": (usd / seconds * 86_400.0 * 100.0).round() / 100.0,
            "usd_per_hour": (usd / seconds * 3_600.0 * 1_000.0).round() / 1_000.0,
            "ecs_requests_per_second": (ecs as f64 / seconds * 1_000.0).round() / 1_000.0,
            "first_screen_seconds": (first_screen * 100.0).round() / 100.0,
            "oldest_visible_row_seconds": oldest_visible,
            "errors": PaneId::ALL.iter().filter_map(|p| h.state.fetch(*p).error.as_ref().map(|e| format!("{p:?}: {e}"))).collect::<Vec<_>>(),
            "held": PaneId::ALL.iter().filter(|p| h.state.fetch(**p).held).map(|p| format!("{p:?}")).collect::<Vec<_>>(),
            "balance": h.state.budget.balance,
            "wall_seconds": (measured.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            "metrics_by_source": usage.spend().metrics.iter().map(|(k, v)| (k.label(), *v)).collect::<std::collections::BTreeMap<_, _>>(),
            "by_operation": requests,
        })
    );
    Ok(())
}

/// What the process uses, read from Linux's /proc (None elsewhere).
mod process {
    use std::path::Path;

    /// Resident set size in MB (`VmRSS`).
    pub fn rss_mb() -> Option<f64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let kb: f64 =
            status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some((kb / 1024.0 * 10.0).round() / 10.0)
    }

    /// User + system CPU seconds so far (`/proc/self/stat` fields 14 and 15, in clock ticks of
    /// 1/100 s, Linux's USER_HZ on every architecture it exports to user space).
    pub fn cpu_seconds() -> Option<f64> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / 100.0)
    }

    pub fn lines(path: &Path) -> usize {
        std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
    }
}
