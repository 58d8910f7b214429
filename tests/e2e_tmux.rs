//! The real binary on the demo fleet, driven as a person would: tmux runs it, `send-keys`
//! types, `capture-pane` reads the screen. Each test gets its own tmux server and temp dir.

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
        let tmux_ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
        assert!(tmux_ok, "tmux is required for the end-to-end tests: `apt-get install tmux` (.ci/run installs it)");
        let dir = std::env::temp_dir().join(format!("infradeck-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("config.toml"), "# empty: defaults only\n").expect("config");
        let bin = env!("CARGO_BIN_EXE_infradeck");
        let script = format!(
            "{bin} --demo --config {cfg} --log-file {log} {args}; echo EXITED=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 120",
            cfg = dir.join("config.toml").display(),
            log = dir.join("infradeck.log").display(),
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
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }

    /// After the app exits: status 0, main screen, cursor shown, tty back in canonical mode with echo.
    fn assert_restored(&self) {
        let s = self.wait("exit and tty report", |s| s.contains("EXITED=") && s.contains("icanon"));
        assert!(s.contains("EXITED=0"), "exit status:\n{s}");
        assert!(
            s.lines()
                .any(|l| l.contains("icanon") && !l.contains("-icanon") && l.contains("echo") && !l.contains("-echo")),
            "tty not restored:\n{s}"
        );
        assert_eq!(self.format("#{alternate_on}"), "0", "still on the alternate screen");
        assert_eq!(self.format("#{cursor_flag}"), "1", "cursor hidden");
    }

    fn pid(&self) -> String {
        // Anchored at the binary, so the shell that runs it (`sh -c …`) does not match.
        let pattern =
            format!("^{} --demo --config {}", env!("CARGO_BIN_EXE_infradeck"), self.dir.join("config.toml").display());
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

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for (name, signal) in [("term", "-TERM"), ("hup", "-HUP")] {
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
