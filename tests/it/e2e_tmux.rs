//! The real binary on the demo fleet and on a seeded moto_server, driven as a person would:
//! tmux runs it, `send-keys` types, `capture-pane` reads the screen. Each test gets its own tmux
//! server and temp dir.

use crate::support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    dir: PathBuf,
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

impl Tmux {
    /// Start `infradeck --demo` (plus `args`) in a `width`×`height` tmux window. When the app
    /// exits, the shell prints its exit status and whether the tty is back in canonical mode.
    fn start(name: &str, width: u16, height: u16, args: &str) -> Tmux {
        Tmux::start_with(name, width, height, "", &format!("--demo {args}"))
    }

    /// Start `env {env} infradeck {args}`, with HOME and the XDG dirs inside the test's temp dir.
    fn start_with(name: &str, width: u16, height: u16, env: &str, args: &str) -> Tmux {
        Tmux::start_configured(name, width, height, env, args, "# empty: defaults only\n")
    }

    /// As `start_with`, with `config` as the config file.
    fn start_configured(name: &str, width: u16, height: u16, env: &str, args: &str, config: &str) -> Tmux {
        let tmux_ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
        assert!(tmux_ok, "tmux is required for the end-to-end tests: `apt-get install tmux` (.ci/run installs it)");
        let dir = std::env::temp_dir().join(format!("infradeck-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("config.toml"), config).expect("config");
        let bin = env!("CARGO_BIN_EXE_infradeck");
        let script = format!(
            "cd {home} && env HOME={home} XDG_CACHE_HOME={home}/cache {env} {bin} --config {cfg} --log-file {log} {args}; echo EXITED=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 120",
            cfg = dir.join("config.toml").display(),
            log = dir.join("infradeck.log").display(),
            home = dir.display(),
        );
        let socket = format!("infradeck-e2e-{name}-{}", std::process::id());
        let t = Tmux { socket, dir };
        let out = run(Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(&script));
        assert!(out.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &run(Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])).stdout,
        )
        .into_owned()
    }

    fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(
            &run(Command::new("tmux").args(["-L", &self.socket, "display-message", "-p", "-t", "e2e", f])).stdout,
        )
        .trim()
        .to_string()
    }

    /// Press keys by tmux name ("Tab", "Enter", "Escape", "j"), one at a time.
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            run(Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "e2e", k]));
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn type_text(&self, text: &str) {
        run(Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "e2e", "-l", text]));
    }

    /// Wait until the screen satisfies `pred`; fail with the screen when it does not in time.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.wait_up_to(20, what, pred)
    }

    fn wait_up_to(&self, secs: u64, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(secs) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The demo fleet's four panes answered, and the ECS rows are sized: keys that act on a row
    /// wait for this, not for one pane (the panes load concurrently, in no fixed order).
    fn wait_demo_loaded(&self) -> String {
        self.wait("the demo fleet loaded", |s| {
            s.contains("ECS task sizing 45")
                && s.contains("page-cache")
                && s.contains("MTD $")
                && s.contains("▲ ALARM")
                && !s.lines().any(|l| l.contains("orders") && l.trim_end_matches(['┃', '│', ' ']).ends_with('…'))
        })
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }

    /// After the app exits: status 0, main screen, cursor shown, tty back in canonical mode with echo.
    fn assert_restored(&self) {
        self.assert_restored_with(0);
    }

    /// As `assert_restored`, for an exit with `status`; returns the screen after the exit.
    fn assert_restored_with(&self, status: i32) -> String {
        let s = self.wait("exit and tty report", |s| s.contains("EXITED=") && s.contains("icanon"));
        assert!(s.contains(&format!("EXITED={status}")), "exit status (expected {status}):\n{s}");
        assert!(
            s.lines()
                .any(|l| l.contains("icanon") && !l.contains("-icanon") && l.contains("echo") && !l.contains("-echo")),
            "tty not restored:\n{s}"
        );
        assert_eq!(self.format("#{alternate_on}"), "0", "still on the alternate screen");
        assert_eq!(self.format("#{cursor_flag}"), "1", "cursor hidden");
        s
    }

    fn pid(&self) -> String {
        // Anchored at the binary, so the shell that runs it (`sh -c …`) does not match.
        let pattern =
            format!("^{} --config {}", env!("CARGO_BIN_EXE_infradeck"), self.dir.join("config.toml").display());
        let out = run(Command::new("pgrep").args(["-f", "--", &pattern]));
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().trim().to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_session_through_every_pane_filter_help_detail_theme_and_quit() {
    let t = Tmux::start("session", 120, 40, "");
    t.wait_for("payments");
    let s = t.screen();
    assert!(s.contains("demo fleet (seed 42)") && s.contains("window 24h"), "header:\n{s}");
    assert!(s.contains("1 ECS task sizing 45"), "{s}");

    t.keys(&["2"]);
    t.wait_for("2 Redis / ElastiCache");
    t.wait_for("page-cache");
    t.keys(&["Tab"]);
    t.wait_for("3 Cost trends");
    t.wait_for("MONTH TO DATE");
    t.keys(&["Tab"]);
    t.wait_for("4 CloudWatch alarms");
    t.wait_for("▲ ALARM");

    t.keys(&["1", "/"]);
    t.type_text("payments");
    t.keys(&["Enter"]);
    let s = t.wait_for("ECS task sizing 2/45");
    assert!(!s.contains("checkout"), "filtered out:\n{s}");

    t.keys(&["?"]);
    t.wait_for("what the numbers mean");
    t.keys(&["Escape"]);
    t.wait("help closed", |s| !s.contains("what the numbers mean"));

    t.keys(&["Enter"]);
    t.wait_for("ECS service prod-core/payments · 24h");
    t.wait_for("CPU, % of task reservation");
    t.keys(&["w"]);
    t.wait_for("ECS service prod-core/payments · 14d");
    t.keys(&["Escape"]);
    t.wait("detail closed", |s| !s.contains("ECS service prod-core/payments"));

    t.keys(&[":"]);
    t.type_text("theme light");
    t.keys(&["Enter"]);
    t.wait_for("light ·");

    t.keys(&["q"]);
    t.assert_restored();
}

/// The mouse through a real terminal: tmux passes the SGR mouse reports a terminal sends (`ESC [ <
/// button ; column ; row M`, 1-based) to the app, which asked for them at start.
#[test]
fn a_click_focuses_a_pane_and_a_second_click_opens_the_row() {
    let t = Tmux::start("mouse", 200, 50, "");
    t.wait_demo_loaded();
    assert!(t.screen().contains("┏ 1 ECS task sizing"), "ECS has the focus first");
    // A click in the Redis pane (bottom left of the dashboard) gives it the focus.
    t.type_text("\x1b[<0;20;40M\x1b[<0;20;40m");
    t.wait("the Redis pane focused", |s| s.contains("┏ 2 Redis / ElastiCache"));
    // On the ECS pane's first data row (screen row 4, 1-based): select, then open.
    t.type_text("\x1b[<0;30;4M\x1b[<0;30;4m");
    t.wait("the ECS pane focused", |s| s.contains("┏ 1 ECS task sizing"));
    t.type_text("\x1b[<0;30;4M\x1b[<0;30;4m");
    t.wait_for("ECS service prod-core/orders · 24h");
    t.keys(&["Escape"]);
    // The footer's hints are buttons: "? help" starts at the second cell of the last row.
    t.wait("the panes' hints", |s| s.lines().last().is_some_and(|l| l.starts_with(" ? help")));
    t.type_text("\x1b[<0;3;50M\x1b[<0;3;50m");
    t.wait("help, opened by a click", |s| s.contains("help · esc closes"));
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.assert_restored();
}

/// Who changed what and who signed in, through a real terminal: the incident view's security row,
/// `L` to the burst of failed sign-ins, and the hand change to `orders` flagged as drift.
#[test]
fn the_incident_view_flags_sign_ins_and_drift() {
    // A fixed clock: which sign-ins fall in the last 6 h depends on the time of day.
    let t = Tmux::start("trail", 160, 45, "--demo-clock 1795012200");
    t.wait_demo_loaded();
    t.keys(&["i"]);
    t.wait("the security row", |s| s.contains("L sign-ins (4)") && s.contains("failed sign-ins 198.51.100.23"));
    t.keys(&["L"]);
    t.wait("the burst, said why", |s| s.contains("6 failed sign-ins from 198.51.100.23 in 7 min as alice"));
    t.keys(&["/"]);
    t.type_text("kind:api");
    t.keys(&["Enter"]);
    let s = t.wait("the hand change", |s| s.contains("(console, 192.0.2.44) · DRIFT: by hand on"));
    assert!(s.contains("UpdateService desiredCount 4 → 2 · by AdministratorAccess/dana (console, 192.0.2.44)"), "{s}");
    t.keys(&["Escape", "Escape"]);
    t.keys(&["q"]);
    t.assert_restored();
}

/// The logs view through a real terminal: `l` on the first ECS row (orders, the demo's
/// incident) shows where its containers log and its error storm; `/` reads again with a
/// pattern; esc closes it.
#[test]
fn l_shows_a_services_logs_and_a_pattern_narrows_them() {
    let t = Tmux::start("logs", 160, 45, "");
    t.wait_demo_loaded();
    t.keys(&["l"]);
    let s = t.wait("the logs view", |s| s.contains("logs · ecs:prod-core/orders") && s.contains("OutOfMemoryError"));
    assert!(s.contains("orders → /ecs/orders"), "{s}");
    assert!(s.contains("INFO  GET /orders/"), "requests too before the pattern:\n{s}");
    t.keys(&["/"]);
    t.type_text("GC overhead");
    t.keys(&["Enter"]);
    let s = t.wait("the pattern applied", |s| s.contains("· /GC overhead") && !s.contains("INFO  GET /orders/"));
    assert!(s.contains("WARN  GC overhead high"), "{s}");
    t.keys(&["Escape"]);
    t.wait("the panes again", |s| !s.contains("logs · ecs:prod-core/orders"));
    t.keys(&["q"]);
    t.assert_restored();
}

#[test]
fn a_panic_and_an_error_restore_the_terminal_before_reporting() {
    for (name, status, report) in [("panic", 101, "deliberate panic"), ("error", 1, "deliberate error")] {
        // Without a backtrace the whole report fits the window.
        let env = "RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0";
        let t = Tmux::start_with(name, 100, 30, env, &format!("--demo --exit-after {name}"));
        let s = t.assert_restored_with(status);
        // The report is readable on the main screen: printed after the terminal was restored.
        assert!(s.contains(report), "{name}: the report is on the restored screen:\n{s}");
    }
}

#[test]
fn sigterm_sighup_and_sigint_restore_the_terminal() {
    for (name, signal) in [("term", "-TERM"), ("hup", "-HUP"), ("int", "-INT")] {
        let t = Tmux::start(name, 100, 30, "");
        t.wait_for("payments");
        let pid = t.pid();
        assert!(!pid.is_empty(), "app process not found");
        run(Command::new("kill").args([signal, &pid]));
        t.assert_restored();
    }
}

#[test]
fn a_broken_config_stops_start_up_with_file_and_line() {
    let dir = std::env::temp_dir().join(format!("infradeck-e2e-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, "theme = \"default\"\n[keys]\nquit = \"hyper-q\"\n").unwrap();
    let out = run(Command::new(env!("CARGO_BIN_EXE_infradeck"))
        .arg("--demo")
        .arg("--config")
        .arg(&cfg)
        .env("RUST_BACKTRACE", "0"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains('\x1b'), "plain text, no escape codes: {err:?}");
    assert!(err.contains(&cfg.display().to_string()) && err.contains("line 3") && err.contains("unknown key"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The AWS code path end to end: the binary against a seeded moto_server shows all four panes
/// with the seeded data, the account in the header, and a detail view with charts.
#[test]
fn against_a_seeded_moto_every_pane_shows_the_estate() {
    let fleet = support::moto::MotoFleet::start(&["--fleet", "realistic"]);
    let env =
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1";
    let args = format!("--endpoint-url {} --region us-east-1", fleet.endpoint);
    let t = Tmux::start_with("moto", 200, 50, env, &args);
    let s = t.wait("all four panes loaded", |s| {
        s.contains("1 ECS task sizing 15 ")
            && s.contains("r6g.xlarge")
            && s.contains("search-cpu-high")
            && s.contains("Data Transfer")
    });
    assert!(s.contains("123456789012") && s.contains("us-east-1"), "account and region in the header:\n{s}");
    assert!(s.contains("1 ECS task sizing 15"), "{s}");
    assert!(s.contains("queue-worker") && s.contains("1×OOM"), "{s}");
    // Two metric alarms and a composite firing; target tracking's low alarm is scaling, not firing.
    assert!(s.contains("3 in ALARM · 1 scaling") && s.contains("↕ SCALE"), "{s}");
    assert!(s.contains("us-east-1 · $0."), "API spend in the header:\n{s}");
    // Load-balancer health and SLOs from elbv2 + AWS/ApplicationELB: search burns its
    // availability budget fast, report-builder its latency budget; admin has no load balancer.
    let row = |s: &str, name: &str| s.lines().find(|l| l.contains(name)).unwrap_or_default().to_string();
    let s = t.wait("SLO standings after the first sizing run", |s| row(s, " search ").contains("‼"));
    assert!(row(&s, " report-builder ").contains("!  -"), "latency budget overspent:\n{s}");
    assert!(row(&s, " web-api ").contains("✔"), "{s}");
    assert!(row(&s, " admin ").contains("no LB"), "{s}");
    t.keys(&["1", "/"]);
    t.type_text("web-api");
    t.keys(&["Enter", "Enter"]);
    let s = t.wait("the detail view with its charts", |s| {
        s.contains("ECS service prod-web/web-api") && s.contains("CPU, % of task reservation")
    });
    assert!(s.contains("2 vCPU / 4096 MiB") && s.contains("Memory, % of task reservation"), "{s}");
    assert!(s.contains("Response time (load balancer), ms") && s.contains("5xx, % of requests"), "{s}");
    assert!(s.contains("prod-web-alb → target group web-api-tg"), "{s}");
    assert!(!s.contains("hunter2") && !s.contains("sk_live"), "a secret reached the screen:\n{s}");
    // The service a plan once OOM-killed (cpu 0, soft-only containers): planned and applied whole.
    t.keys(&["Escape", "Escape", "/"]);
    t.type_text("reports-api");
    t.keys(&["Enter"]);
    t.wait("a suggestion for reports-api", |s| s.lines().any(|l| l.contains("reports-api") && l.contains("▲ 4 / 8G")));
    t.keys(&["a"]);
    let s = t.wait_for("apply this change?");
    assert!(s.contains("web: cpu 0 (shares the task's) · soft 128 MiB · no hard limit"), "{s}");
    assert!(s.contains("no hard memory limit added to web, renderer, scheduler"), "{s}");
    t.keys(&["y"]);
    // (moto keeps the old revision as the deployment's, so the rollout line names it.)
    t.wait("applied", |s| s.contains("applied: now runs reports-api:2") || s.contains("deployment of reports-api"));
    // The blue/green service: the plan says why it is exported, not applied.
    t.keys(&["Escape", "Escape", "/"]);
    t.type_text("payments-bg");
    t.keys(&["Enter"]);
    t.wait("a suggestion for payments-bg", |s| s.lines().any(|l| l.contains("payments-bg") && l.contains("▼ ")));
    t.keys(&["a"]);
    let s = t.wait_for("cannot be applied from here");
    assert!(s.contains("deployed by CodeDeploy"), "{s}");
    t.keys(&["y"]);
    t.wait_for("cannot apply from here");
    t.keys(&["Escape", "q"]);
    t.assert_restored();

    // The same estate through `report`, with the endpoint from AWS_ENDPOINT_URL (aws-config's own).
    let out = Command::new(env!("CARGO_BIN_EXE_infradeck"))
        .args(["--aws", "report", "--format", "table"])
        .env("HOME", &t.dir)
        .env("XDG_CACHE_HOME", t.dir.join("cache"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &fleet.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = |name: &str| report.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}:\n{report}"));
    assert!(line("prod-web/web-api").contains("over-provisioned"), "{report}");
    assert!(line("prod-workers/queue-worker").contains("under-provisioned"), "OOM-killed:\n{report}");
    assert!(line("sessions").contains("under-provisioned"), "evicting:\n{report}");
}

/// A 30 s throttling storm (every call ThrottlingException) against the real binary: the panes
/// keep their rows marked stale with the error and its hint, keys still work at once, few
/// requests go out, and the app recovers by itself when the storm passes.
#[test]
fn under_a_throttling_storm_the_app_stays_usable_and_recovers_by_itself() {
    let fleet = support::moto::MotoFleet::start(&["--fleet", "realistic"]);
    // The SDK's default retry policy (3 attempts), as a user gets it.
    let env = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true";
    let args = format!("--endpoint-url {} --region us-east-1", fleet.endpoint);
    // Every pane on screen read each 10 s, as someone might set it during an incident (the Redis
    // pane, on the dashboard without the focus, is read at five times its interval).
    let config = "[refresh]\necs = 10\nredis = 2\nalarms = 10\n";
    let t = Tmux::start_configured("storm", 200, 50, env, &args, config);
    t.wait("all four panes loaded", |s| {
        s.contains("1 ECS task sizing 15 ") && s.contains("r6g.xlarge") && s.contains("search-cpu-high")
    });
    fleet.fault(serde_json::json!({"kind": "throttle", "seconds": 30}));
    let storm = Instant::now();
    let s = t.wait_up_to(25, "every live pane stale", |s| s.contains("ecs,redis,alarms stale"));
    assert!(
        s.contains("throttled on") && s.contains("rate-limiting"),
        "error and hint on screen:
{s}"
    );
    assert!(
        s.contains("queue-worker") && s.contains("sessions") && s.contains("search-cpu-high"),
        "rows kept:
{s}"
    );
    // Keys act at once while every call is throttled: help opens and closes, a pane zooms.
    let pressed = Instant::now();
    t.keys(&["?"]);
    t.wait("help", |s| s.contains("what the numbers mean"));
    t.keys(&["Escape"]);
    t.wait("help closed", |s| !s.contains("what the numbers mean"));
    // (The focused pane is zoomed: moving the focus would slow the ECS pane's retries to those
    // of a pane on the dashboard without it, `schedule::cadence`.)
    t.keys(&["z"]);
    t.wait("the ECS pane zoomed", |s| s.contains("1 ECS task sizing") && !s.contains("2 Redis / ElastiCache"));
    let keys = pressed.elapsed();
    assert!(keys < Duration::from_secs(3), "keys took {keys:?} under the storm");
    t.keys(&["z"]);
    let during = fleet.faulted();
    let s = t.wait_up_to(90, "recovered: nothing stale", |s| {
        s.contains("1 ECS task sizing 15 ") && !s.contains("stale") && !s.contains("STALE")
    });
    let recovered = storm.elapsed().saturating_sub(Duration::from_secs(30));
    assert!(s.contains("queue-worker") && s.contains("r6g.xlarge"), "{s}");
    // Three live panes, each backing off 10 s → 5–10 s → 10–20 s…, three attempts per call.
    let sent = fleet.faulted();
    assert!(sent >= during && sent <= 36, "{sent} throttled requests in the 30 s storm");
    println!(
        "FAULT-MATRIX | tmux: throttling 30 s on the real binary | {sent} requests throttled | keys {} ms | recovered {:.1} s after the storm",
        keys.as_millis(),
        recovered.as_secs_f64()
    );
    t.keys(&["q"]);
    t.assert_restored();
}

/// No credentials anywhere: a plain message that says how to fix it or try the demo, exit 2,
/// the terminal never touched.
#[test]
fn without_credentials_the_app_says_how_to_fix_it() {
    let home = std::env::temp_dir().join(format!("infradeck-nocreds-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_infradeck"))
        .args(["--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9", "report"])
        .env_clear()
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no credentials"), "{err}");
    assert!(err.contains("aws sso login") && err.contains("--demo"), "{err}");
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn suggest_then_plan_confirm_and_watch_the_deployment_on_the_demo_fleet() {
    let t = Tmux::start("apply", 160, 45, "--demo-clock 1795012200");
    t.wait_for("payments");
    t.wait_for("SUGGEST (safe 14d)");
    t.wait(":suggest has loaded", |s| s.contains("▲ ") || s.contains("▼ "));
    t.keys(&[":"]);
    t.type_text("suggest");
    t.keys(&["Enter"]);
    let s = t.wait_for("suggestions ·");
    // The first ECS suggestion (Redis groups may rank above it).
    let first_ecs =
        s.lines().filter(|l| l.contains("▲ ") || l.contains("▼ ")).position(|l| l.contains("ecs:")).unwrap();
    for _ in 0..first_ecs {
        t.keys(&["j"]);
    }
    t.keys(&["a"]);
    let s = t.wait_for("apply this change?");
    let title = s.lines().find(|l| l.contains("plan · resize ")).expect("plan title").to_string();
    let resource = title.split("plan · resize ").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    assert!(s.contains("requests, in order"), "{s}");
    t.keys(&["y"]);
    let s = t.wait_for("deployment of ");
    assert!(s.contains("IN_PROGRESS"), "the rollout is watched as it happens:\n{s}");
    let s = t.wait("the rollout to end", |s| s.contains(": COMPLETED") || s.contains(": FAILED"));
    assert!(s.contains(": COMPLETED"), "{s}");
    t.keys(&["Escape"]);
    // The row may sit below the fold: filtered to it, its status says the rollout finished.
    t.keys(&["/"]);
    t.type_text(resource.rsplit('/').next().unwrap());
    t.keys(&["Enter"]);
    t.wait_for("✔ DONE");
    let audit = t.dir.join(".local/share/infradeck/audit.jsonl");
    let text = std::fs::read_to_string(&audit).expect("the apply was recorded");
    assert!(text.contains(&format!("\"resource\":\"{resource}\"")) && text.contains("\"result\":\"ok\""), "{text}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&audit).unwrap().permissions().mode() & 0o777, 0o600);
    t.keys(&["q"]);
    t.assert_restored();
}

/// The mode people open at 3 a.m., on the demo's scripted incident: the timeline explains the
/// alarm by the deploy before it, a filtered row jumps to the chart with the event marked, a note
/// is kept on disk, and `:export` writes the handover.
#[test]
fn the_demo_incident_triaged_from_the_timeline_with_a_note_and_a_handover() {
    let t = Tmux::start("incident", 160, 45, "--demo-clock 1795012200");
    t.wait_for("payments");
    t.keys(&["i"]);
    let s = t.wait_for("deployment orders:27 completed: 4/4 tasks running — 2 min before (same resource)");
    assert!(s.contains("below desired (1)") && s.contains("ecs:prod-core/orders 3/4"), "{s}");
    assert!(s.contains("What changed before orders-memory-high fired at 12:58"), "{s}");
    t.keys(&["n"]);
    t.type_text("rolling orders back to :26");
    t.keys(&["Enter"]);
    t.wait_for("you: rolling orders back to :26");
    t.keys(&["/"]);
    t.type_text("kind:deploy orders:27 completed");
    t.keys(&["Enter"]);
    t.wait_for("1 match");
    t.keys(&["Enter"]);
    t.wait_for("ECS service prod-core/orders");
    t.wait_for("┃ 12:56 deployment orders:27 completed");
    t.keys(&["Escape"]);
    t.wait_for("incident · last 6 h");
    t.keys(&[":"]);
    t.type_text("export");
    t.keys(&["Enter"]);
    t.wait_for("exported to");
    let notes = t.dir.join(".local/share/infradeck/incident-notes.jsonl");
    let saved = std::fs::read_to_string(&notes).expect("the note was kept");
    assert!(saved.contains("rolling orders back to :26"), "{saved}");
    let handover = std::fs::read_dir(&t.dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("infradeck-incident-20261118-")))
        .expect("the handover was written where infradeck was started");
    let md = std::fs::read_to_string(handover).unwrap();
    assert!(md.contains("rolling orders back to :26") && md.contains("## Timeline"), "{md}");
    assert!(md.contains("**orders-memory-high** fired 12:58 UTC"), "{md}");
    t.keys(&["Escape", "q"]);
    t.assert_restored();
}

/// Every file under `dir`, recursively, as text.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    out
}

/// Secrets: every seeded task definition's first container has secret-looking environment values,
/// and the app runs with credential-shaped keys and logging at trace level. A session that browses, opens a
/// detail, plans and applies a resize, and exports the incident handover leaves none of them on
/// any screen, in the log, the plan, the audit log, the handover or any other file it wrote.
#[test]
fn no_secret_reaches_the_screen_the_log_a_plan_the_audit_log_logs_or_an_export() {
    let fleet = support::moto::MotoFleet::start(&["--fleet", "realistic"]);
    const SECRETS: [&str; 5] = [
        "hunter2-db-secret-value",
        "sk_live_51HsecretSEEDvalue",
        "AKIAIOSFODNN7SEEDKEY",
        "wJalrXUtnFEMIxK7MDENGxbPxRfiCYSEEDSECRET",
        "IQoJb3JpZ2luX2VjSEEDSESSIONTOKEN",
    ];
    let env = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_SESSION_TOKEN={} AWS_EC2_METADATA_DISABLED=true \
         AWS_MAX_ATTEMPTS=1 INFRADECK_LOG=trace",
        SECRETS[2], SECRETS[3], SECRETS[4]
    );
    let args = format!("--endpoint-url {} --region us-east-1", fleet.endpoint);
    let t = Tmux::start_with("secrets", 200, 50, &env, &args);
    let mut screens = vec![t.wait("all four panes loaded", |s| {
        s.contains("1 ECS task sizing 15 ") && s.contains("r6g.xlarge") && s.contains("Data Transfer")
    })];
    t.keys(&["1", "/"]);
    t.type_text("web-api");
    t.keys(&["Enter", "Enter"]);
    screens.push(t.wait("the detail view", |s| {
        s.contains("ECS service prod-web/web-api") && s.contains("CPU, % of task reservation")
    }));
    t.keys(&["Escape"]);
    // Its logs leak a password and an access key: the view shows them masked.
    t.keys(&["l"]);
    screens
        .push(t.wait("web-api's logs", |s| s.contains("logs · ecs:prod-web/web-api") && s.contains("password=••••••")));
    t.keys(&["Escape"]);
    t.wait("a suggestion for web-api", |s| s.lines().any(|l| l.contains("web-api") && l.contains("▼ ")));
    t.keys(&["a"]);
    screens.push(t.wait_for("apply this change?"));
    t.keys(&["y"]);
    let audit = t.dir.join(".local/share/infradeck/audit.jsonl");
    screens
        .push(t.wait("the apply recorded", |_| std::fs::read_to_string(&audit).is_ok_and(|a| a.contains("web-api"))));
    t.keys(&["Escape", "i"]);
    screens.push(t.wait_for("incident · last 6 h"));
    t.keys(&[":"]);
    t.type_text("export");
    t.keys(&["Enter"]);
    screens.push(t.wait_for("exported to"));
    t.keys(&["Escape", "q"]);
    t.assert_restored();

    let files = files_under(&t.dir);
    let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
    let has = |suffix: &str| files.iter().any(|(p, text)| p.to_string_lossy().ends_with(suffix) && !text.is_empty());
    assert!(has("infradeck.log") && has("audit.jsonl"), "log and audit log written: {names:?}");
    assert!(files.iter().any(|(p, _)| p.to_string_lossy().contains("infradeck-incident-")), "handover: {names:?}");
    let log = &files.iter().find(|(p, _)| p.ends_with("infradeck.log")).unwrap().1;
    assert!(log.contains("INFO") && log.contains("quit"), "the log was written:\n{log}");
    for secret in SECRETS {
        for (n, s) in screens.iter().enumerate() {
            assert!(!s.contains(secret), "{secret} on screen {n}:\n{s}");
        }
        for (path, text) in &files {
            let line = text.lines().find(|l| l.contains(secret));
            assert!(line.is_none(), "{secret} in {}: {}", path.display(), line.unwrap_or_default());
        }
    }
}

/// `--org` through a real terminal on a simulated organization: one table across the accounts,
/// each row named by its account; the account whose role is denied said in the header, the
/// others loaded; `:accounts` with each account's totals; `/acct:` keeps one account's rows.
#[test]
fn under_org_one_table_names_each_account_and_says_which_was_not_reached() {
    let fleet = support::moto::MotoFleet::start(&["--fleet", "org", "--accounts", "3", "--services", "2"]);
    let sandbox = fleet.account_id("sandbox");
    fleet.fault(serde_json::json!({"kind": "deny", "operation": "AssumeRole", "contains": sandbox}));
    let env = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
               AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1";
    let args = format!("--org --endpoint-url {} --region us-east-1", fleet.endpoint);
    let t = Tmux::start_with("org", 200, 50, env, &args);
    let s = t.wait("both reachable accounts' rows", |s| {
        s.contains("1 ECS task sizing 4 ") && s.lines().filter(|l| l.contains("svc-0")).count() >= 4
    });
    assert!(s.contains("1 not reached: sandbox"), "the denied account in the header:\n{s}");
    assert!(s.contains("ACCOUNT"), "an account column:\n{s}");
    for account in ["team-01", "team-02"] {
        let rows = s.lines().filter(|l| l.contains(account) && l.contains("svc-0")).count();
        assert_eq!(rows, 2, "{account}'s two services, each named by its account:\n{s}");
    }
    t.keys(&[":"]);
    t.type_text("accounts");
    t.keys(&["Enter"]);
    let s = t.wait("the accounts view", |s| s.lines().any(|l| l.contains("sandbox") && l.contains("not reached")));
    assert!(s.lines().any(|l| l.contains("team-02") && l.contains("prod")), "team-02 with its OU:\n{s}");
    t.keys(&["Escape", "1", "/"]);
    t.type_text("acct:team-02");
    t.keys(&["Enter"]);
    let s = t.wait("one account's rows", |s| s.contains("ECS task sizing 2/4"));
    assert!(!s.lines().any(|l| l.contains("team-01") && l.contains("svc-0")), "team-01's rows filtered out:\n{s}");
    t.keys(&["Escape", "q"]);
    t.assert_restored();
    fleet.clear_fault();
}

/// The change as code in the real binary: with `[iac] paths` pointing at a git checkout of the
/// demo's code, the plan popup shows the diff first; `g` commits it on a new branch (as the
/// checkout's git user, never pushed); the pane then follows it as awaiting deploy.
#[test]
fn a_plan_commits_its_change_to_the_code_that_owns_the_service_on_a_branch() {
    let t =
        Tmux::start_configured("iac", 160, 45, "", "--demo --demo-clock 1795012200", "[iac]\npaths = [\"infra\"]\n");
    let repo = t.dir.join("infra");
    crate::iac::copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/iac"), &repo);
    crate::iac::git_repo(&repo);
    let git = |args: &[&str]| crate::iac::git(&repo, args);
    t.wait_demo_loaded();
    t.keys(&["/"]);
    t.type_text("orders");
    t.keys(&["Enter"]);
    t.wait("the sizing run", |s| s.lines().any(|l| l.contains(" orders ") && (l.contains("▲ ") || l.contains("▼ "))));
    t.keys(&["a"]);
    let s = t.wait_for("code       owned by cloudformation/prod-core-orders.yaml:17 OrdersTaskDefinition");
    assert!(s.contains("── cloudformation/prod-core-orders.params.json"), "{s}");
    assert!(s.contains("+  { \"ParameterKey\": \"TaskCpu\", \"ParameterValue\": \"2048\" },"), "{s}");
    assert!(s.contains("⚠ direct   CloudFormation stack prod-core-orders owns it"), "{s}");
    assert!(s.contains("[g commit on a branch]"), "the choice is on the popup's border too:\n{s}");
    t.keys(&["g"]);
    let s = t.wait_for("committed ");
    let branch = git(&["branch", "--show-current"]);
    assert!(branch.starts_with("infradeck/resize-prod-core-orders-"), "{branch}");
    assert!(s.contains(&branch), "the popup names the branch:\n{s}");
    assert_eq!(
        git(&["log", "-1", "--format=%an|%s"]),
        "Dana SRE|Resize prod-core/orders: 1 vCPU / 3 GiB → 2 vCPU / 4 GiB"
    );
    assert_eq!(git(&["status", "--porcelain"]), "");
    t.keys(&["Escape"]);
    t.wait_for("✎ in code: 2 / 4G");
    let audit = std::fs::read_to_string(t.dir.join(".local/share/infradeck/audit.jsonl")).expect("recorded");
    assert!(
        audit.contains("\"action\":\"code change\"") && audit.contains(&format!("\"branch\":\"{branch}\"")),
        "{audit}"
    );
    t.keys(&["q"]);
    t.assert_restored();
}

/// The demo fleet's shell: `t`, `x`, a few commands, Ctrl-C to the session (not to infradeck),
/// `exit`, and the TUI back whole, the session in the status line; then a clean quit.
#[test]
fn a_shell_on_the_demo_takes_the_terminal_and_gives_it_back() {
    let t = Tmux::start("shell", 160, 45, "");
    t.wait_demo_loaded();
    t.keys(&["/"]);
    t.type_text("prod-core orders");
    t.keys(&["Enter", "t"]);
    t.wait_for("tasks · prod-core/orders · ECS Exec on");
    t.keys(&["x"]);
    let s = t.wait_for("Starting session with SessionId: ecs-execute-command-demo-");
    assert_eq!(t.format("#{alternate_on}"), "0", "the session has the main screen");
    assert!(!s.contains("tasks · prod-core"), "the TUI is off screen:\n{s}");
    t.type_text("hostname");
    t.keys(&["Enter"]);
    t.keys(&["C-c"]);
    t.type_text("env");
    t.keys(&["Enter"]);
    let s = t.wait_for("LOG_LEVEL=info");
    assert!(s.contains("^C"), "Ctrl-C went to the session:\n{s}");
    assert!(!s.contains("Sup3rS3cret") && s.contains("DB_PASSWORD=••••••"), "masked:\n{s}");
    t.type_text("exit");
    t.keys(&["Enter"]);
    let s = t.wait_for("ended after");
    assert!(s.contains("tasks · prod-core/orders") && s.contains("exit 0"), "the TUI is back:\n{s}");
    assert_eq!(t.format("#{alternate_on}"), "1");
    // Keys are infradeck's again: the view closes and q quits cleanly.
    t.keys(&["Escape"]);
    t.wait("the view closed", |s| !s.contains("tasks · prod-core/orders"));
    t.keys(&["q"]);
    t.assert_restored();
    let audit = std::fs::read_to_string(t.dir.join(".local/share/infradeck/audit.jsonl")).unwrap_or_default();
    assert!(audit.contains("\"action\":\"shell\"") && audit.contains("\"exit\":0"), "{audit}");
}

/// The stand-in session-manager-plugin's record of one run (tests/fixtures/bin).
fn plugin_sessions(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["mode"] == "session")
        .collect()
}

/// ECS Exec against AWS (moto and its bridge): the TUI hands the session to the plugin as the
/// AWS CLI does (same target, region, operation, profile, endpoint and session fields), but
/// through the environment, never on the command line; Ctrl-C goes to the session; the terminal
/// comes back whole; the token reaches no screen, log or audit line.
#[test]
fn a_shell_against_aws_hands_the_session_to_the_plugin_as_the_aws_cli_does() {
    let fleet = support::moto::MotoFleet::start(&["--fleet", "realistic"]);
    let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bin");
    let record = std::env::temp_dir().join(format!("infradeck-plugin-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&record);
    let env = format!(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1 PATH={bin}:$PATH INFRADECK_PLUGIN_RECORD={}",
        record.display()
    );
    let args = format!("--endpoint-url {} --region us-east-1", fleet.endpoint);
    let t = Tmux::start_with("moto-shell", 180, 50, &env, &args);
    t.wait("the ECS pane", |s| s.contains("1 ECS task sizing 15 "));
    t.keys(&["/"]);
    t.type_text("fanout");
    t.keys(&["Enter", "t"]);
    t.wait("the tasks of fanout", |s| {
        s.contains("tasks · prod-workers/fanout · ECS Exec on") && s.contains("running: 25")
    });
    // One task's agent is STOPPED (seeded): its refusal is said; the next task opens.
    let mut refused = false;
    for _ in 0..3 {
        t.keys(&["x"]);
        let s = t.wait("a session or a refusal", |s| s.contains("stand-in#") || s.contains("✖ "));
        if s.contains("stand-in#") {
            break;
        }
        assert!(s.contains("ExecuteCommandAgent in fanout is STOPPED"), "{s}");
        refused = true;
        t.keys(&["j"]);
    }
    let s = t.wait_for("stand-in#");
    assert_eq!(t.format("#{alternate_on}"), "0", "the session has the main screen");
    assert!(s.contains("Starting session with SessionId: ecs-execute-command-"), "{s}");
    t.type_text("hello");
    t.keys(&["Enter"]);
    t.wait_for("you typed: hello");
    t.keys(&["C-c"]);
    t.wait_for("^C (sent to the session)");
    t.type_text("exit");
    t.keys(&["Enter"]);
    let s = t.wait_for("ended after");
    assert!(s.contains("tasks · prod-workers/fanout") && s.contains("exit 0"), "the TUI is back:\n{s}");
    assert_eq!(t.format("#{alternate_on}"), "1");
    t.keys(&["Escape", "q"]);
    t.assert_restored();
    let _ = refused; // whether the STOPPED agent's task came first depends on the seed's order

    let ours = plugin_sessions(&record);
    assert_eq!(ours.len(), 1, "{ours:?}");
    let ours = &ours[0];
    assert_eq!(ours["argv"][0], "AWS_SSM_START_SESSION_RESPONSE", "the session through the environment: {ours}");
    assert_eq!(ours["response_env_set"], true);
    assert_eq!(ours["env_still_set"], false);
    let issued = fleet.sessions();
    let session = issued
        .as_array()
        .or_else(|| issued["sessions"].as_array())
        .and_then(|all| all.iter().find(|x| x["id"] == ours["session"]["sessionId"]))
        .cloned()
        .unwrap_or_else(|| panic!("the plugin's session is one the bridge issued: {issued}"));
    let token = session["token"].as_str().expect("a token").to_string();
    assert_eq!(ours["session"]["tokenValue"], token.as_str(), "the plugin got the session's token");
    assert!(!ours["argv"].to_string().contains(&token), "never on the command line");
    for file in ["infradeck.log", ".local/share/infradeck/audit.jsonl"] {
        let text = std::fs::read_to_string(t.dir.join(file)).unwrap_or_default();
        assert!(!text.contains(&token), "the token reached {file}");
    }
    let audit = std::fs::read_to_string(t.dir.join(".local/share/infradeck/audit.jsonl")).unwrap_or_default();
    assert!(audit.contains("\"action\":\"shell\"") && audit.contains("prod-workers/fanout"), "{audit}");

    // The reference client: the AWS CLI's exec of the same container hands the plugin the same.
    let target = ours["parameters"]["Target"].as_str().unwrap().to_string();
    let (cluster, rest) = target.trim_start_matches("ecs:").split_once('_').unwrap();
    let task = rest.split('_').next().unwrap();
    let cli_record = record.with_extension("cli.jsonl");
    let _ = std::fs::remove_file(&cli_record);
    let mut aws = Command::new("aws")
        .args(["ecs", "execute-command", "--cluster", cluster, "--task", task, "--container", "fanout"])
        .args(["--command", "/bin/sh", "--interactive", "--endpoint-url", &fleet.endpoint, "--region", "us-east-1"])
        .env("PATH", format!("{bin}:{}", std::env::var("PATH").unwrap_or_default()))
        .env("INFRADECK_PLUGIN_RECORD", &cli_record)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the AWS CLI (awscli, installed by scripts/test.sh)");
    use std::io::Write;
    aws.stdin.take().unwrap().write_all(b"exit\n").unwrap();
    assert!(aws.wait().unwrap().success(), "aws ecs execute-command");
    let theirs = plugin_sessions(&cli_record);
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    let theirs = &theirs[0];
    for field in ["region", "operation", "profile", "endpoint", "parameters"] {
        assert_eq!(ours[field], theirs[field], "{field}: infradeck {} / AWS CLI {}", ours[field], theirs[field]);
    }
    let keys = |r: &serde_json::Value| {
        let mut k: Vec<String> = r["session"].as_object().unwrap().keys().map(|k| k.to_lowercase()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(ours), keys(theirs), "the same session fields");
    assert_eq!(keys(ours), ["sessionid", "streamurl", "tokenvalue"]);
    let _ = std::fs::remove_file(&record);
    let _ = std::fs::remove_file(&cli_record);
}

/// A port forward from the tasks view on the demo fleet: `p`, the local port typed, the relay
/// answering on it, `:forwards` with its state and bytes, `d` stopping it, the port free again.
#[test]
fn a_forward_from_the_tasks_view_runs_in_the_background_until_stopped() {
    let local = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let t = Tmux::start("forward", 160, 45, "");
    t.wait_demo_loaded();
    t.keys(&["/"]);
    t.type_text("prod-core orders");
    t.keys(&["Enter", "t"]);
    t.wait_for("tasks · prod-core/orders");
    t.keys(&["p"]);
    t.wait_for("forward a port of this task");
    t.type_text(&format!(":{local}"));
    t.keys(&["Enter"]);
    t.wait_for("forward 1 started");
    let line = {
        use std::io::BufRead;
        let stream = std::net::TcpStream::connect(("127.0.0.1", local)).expect("the forward listens");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stream).read_line(&mut line).unwrap();
        line
    };
    assert!(line.starts_with("infradeck demo forward: orders:8080"), "{line}");
    t.keys(&["Escape"]);
    t.wait("the tasks view closed", |s| !s.contains("tasks · prod-core/orders"));
    t.keys(&[":"]);
    t.type_text("forwards");
    t.keys(&["Enter"]);
    let s = t.wait("the forward listed with its bytes", |s| {
        s.contains("port forwards · 1") && s.contains(" up ") && s.contains(" B ")
    });
    assert!(s.contains(&format!("127.0.0.1:{local}")), "{s}");
    t.keys(&["d"]);
    t.wait_for("stopped");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpListener::bind(("127.0.0.1", local)).is_err() {
        assert!(Instant::now() < deadline, "the port stays bound after the forward stopped");
        std::thread::sleep(Duration::from_millis(100));
    }
    t.keys(&["Escape"]);
    t.wait("the list closed", |s| !s.contains("port forwards"));
    t.keys(&["q"]);
    t.assert_restored();
}
