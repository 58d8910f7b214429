//! ECS Exec against AWS (moto behind the bridge, which serves ExecuteCommand, runtime ids and
//! exec agents as AWS documents them) from the command line: `infradeck exec` checks what usually
//! fails and says it in words, one precondition at a time, before anything is sent; AWS's own
//! refusal (an agent that cannot connect) is explained; read-only sends nothing; a session's
//! exit status is the command's.

use crate::support::moto::MotoFleet;
use std::process::{Command, Stdio};

fn fixtures_bin() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bin").to_string()
}

/// `infradeck exec ARGS…` against the fleet with the stand-in plugin on PATH, `stdin` typed.
fn exec(fleet: &MotoFleet, home: &std::path::Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_infradeck"))
        .args(["--endpoint-url", &fleet.endpoint, "--region", "us-east-1", "--config", "/dev/null"])
        .arg("exec")
        .args(args)
        .env("PATH", format!("{}:{}", fixtures_bin(), std::env::var("PATH").unwrap_or_default()))
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("INFRADECK_PLUGIN_RECORD", home.join("plugin.jsonl"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run infradeck exec");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn home(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("infradeck-exec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn executes(fleet: &MotoFleet) -> u64 {
    fleet.bridge_counts()["ExecuteCommand"].as_u64().unwrap_or(0)
}

#[test]
fn infradeck_exec_runs_the_session_and_leaves_with_its_status() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let dir = home("status");
    let stopped_agent = fleet.canned_now()["ExecAgents"].as_object().unwrap().keys().next().cloned().unwrap();
    // The default task is one whose agent runs (never the seeded STOPPED one).
    let (code, stdout, stderr) =
        exec(&fleet, &dir, &["prod-workers/fanout", "--", "/bin/bash", "-l"], "hello\nexit 3\n");
    assert_eq!(code, 3, "the session's exit status: {stderr}");
    assert!(stdout.contains("you typed: hello"), "{stdout}");
    assert!(stderr.contains("ended after") && stderr.contains("exit 3"), "{stderr}");
    let record = std::fs::read_to_string(dir.join("plugin.jsonl")).unwrap();
    let session: serde_json::Value = record
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|r: &serde_json::Value| r["mode"] == "session")
        .unwrap();
    let target = session["parameters"]["Target"].as_str().unwrap();
    assert!(target.starts_with("ecs:prod-workers_") && !target.contains(&stopped_agent), "{target}");
    // The command asked for, and the audit entry of the session.
    let issued = fleet.sessions();
    let all = issued.as_array().cloned().unwrap_or_default();
    assert!(all.iter().any(|s| s["id"] == session["session"]["sessionId"]), "{issued}");
    let audit = std::fs::read_to_string(dir.join("data/infradeck/audit.jsonl")).unwrap_or_default();
    assert!(
        audit.contains("\"action\":\"shell\"")
            && audit.contains("\"command\":\"/bin/bash -l\"")
            && audit.contains("\"exit\":3"),
        "{audit}"
    );
    let token =
        all.iter().find(|s| s["id"] == session["session"]["sessionId"]).unwrap()["token"].as_str().unwrap().to_string();
    assert!(!audit.contains(&token) && !stderr.contains(&token) && !stdout.contains(&token));
}

#[test]
fn each_precondition_is_said_before_anything_is_sent() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let dir = home("pre");
    let stopped_agent = fleet.canned_now()["ExecAgents"].as_object().unwrap().keys().next().cloned().unwrap();
    let before = executes(&fleet);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["prod-workers/queue-worker"], "ECS Exec is not enabled on this service"),
        (vec!["prod-workers/report-builder"], "started before ECS Exec was enabled on the service"),
        (vec!["prod-workers/fanout", "--task", &stopped_agent], "the ExecuteCommandAgent in fanout is STOPPED"),
        (vec!["prod-workers/fanout", "--container", "sidecar"], "has no container sidecar"),
        (vec!["prod-workers/fanout", "--task", "00000000-no-such"], "no task 00000000-no-such in this service"),
        (vec!["prod-workers"], "give the service as CLUSTER/SERVICE"),
    ];
    for (args, said) in cases {
        let (code, _, stderr) = exec(&fleet, &dir, &args, "");
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?} should say {said:?}:\n{stderr}");
    }
    assert_eq!(executes(&fleet), before, "no ExecuteCommand sent for a refused shell");
    // Without the plugin on PATH: how to install it.
    let out = Command::new(env!("CARGO_BIN_EXE_infradeck"))
        .args([
            "--endpoint-url",
            &fleet.endpoint,
            "--region",
            "us-east-1",
            "--config",
            "/dev/null",
            "exec",
            "prod-workers/fanout",
        ])
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &dir)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("session-manager-plugin is not installed") && stderr.contains("install"), "{stderr}");
    // Read-only: refused, and nothing sent (the interceptor would stop it anyway).
    let out = Command::new(env!("CARGO_BIN_EXE_infradeck"))
        .args(["--read-only", "--endpoint-url", &fleet.endpoint, "--region", "us-east-1", "--config", "/dev/null"])
        .args(["exec", "prod-workers/fanout"])
        .env("PATH", format!("{}:/usr/bin:/bin", fixtures_bin()))
        .env("HOME", &dir)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("read-only: a shell is refused here"), "{stderr}");
    assert_eq!(executes(&fleet), before, "read-only sent nothing");
}

/// Past the checks (a caller that skips them), AWS's own refusal of an agent that cannot connect
/// comes back explained: the task role's ssmmessages permissions, the VPC endpoint.
#[tokio::test]
async fn an_agent_that_cannot_connect_is_explained() {
    use infradeck::provider::Provider;
    use infradeck::provider::aws::{AwsOptions, AwsProvider};
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let stopped_agent = fleet.canned_now()["ExecAgents"].as_object().unwrap().keys().next().cloned().unwrap();
    let options = AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        ..AwsOptions::default()
    };
    let aws = AwsProvider::connect(options).await.expect("connect");
    let service =
        infradeck::domain::ResourceRef::EcsService { cluster: "prod-workers".into(), service: "fanout".into() };
    let tasks = aws.tasks(&service).await.expect("the tasks of fanout");
    assert_eq!(tasks.running.len(), 25);
    assert!(tasks.exec_on_service);
    // prod-workers has Container Insights with enhanced observability: each task's CPU and
    // memory now, against its reservation (the seeded hot task the busiest).
    let used: Vec<(f32, f32)> = tasks.running.iter().filter_map(|t| t.usage).collect();
    assert_eq!(used.len(), 25, "every task's usage read");
    assert!(used.iter().all(|(c, m)| *c > 0.0 && *m > 0.0 && c.is_finite() && m.is_finite()), "{used:?}");
    let busiest = tasks.running.iter().max_by(|a, b| a.usage.unwrap().0.total_cmp(&b.usage.unwrap().0)).unwrap();
    let quietest = tasks.running.iter().map(|t| t.usage.unwrap().0).fold(f32::MAX, f32::min);
    assert!(busiest.usage.unwrap().0 > 1.5 * quietest, "the hot task stands out: {used:?}");
    let task = tasks.find(&stopped_agent).expect("the seeded task");
    let container = &task.containers[0];
    assert_eq!(container.exec_agent.as_deref(), Some("STOPPED"));
    assert_eq!(container.runtime_id.as_deref().map(str::len), Some(64), "EC2: docker's id");
    let request = infradeck::exec::ExecRequest {
        service,
        task: task.id.clone(),
        container: container.name.clone(),
        runtime_id: container.runtime_id.clone().unwrap(),
        command: "/bin/sh".into(),
        plugin: Some("/bin/true".into()),
    };
    let e = aws.start_exec(&request).await.expect_err("AWS refuses");
    let refusal = infradeck::exec::preflight::explain_error(&e);
    assert!(refusal.title.contains("not connected"), "{refusal}");
    assert!(refusal.fix.iter().any(|f| f.contains("ssmmessages:CreateControlChannel")), "{refusal}");
    // A stopped task of queue-worker (exec never on) lists with why it stopped.
    let queue =
        infradeck::domain::ResourceRef::EcsService { cluster: "prod-workers".into(), service: "queue-worker".into() };
    let q = aws.tasks(&queue).await.expect("queue-worker's tasks");
    assert!(!q.exec_on_service && q.running.iter().all(|t| !t.exec_enabled), "{q:?}");
    assert!(!q.stopped.is_empty(), "the stopped OOM task is listed");
}

/// The everyday actions against AWS: exactly the planned requests are sent (UpdateService,
/// StopTask), the service changes as planned, a CODE_DEPLOY service's restart is refused with
/// why, and a read-only profile sends nothing.
#[tokio::test]
async fn the_everyday_actions_send_exactly_what_they_planned() {
    use infradeck::apply::action::ServiceAction;
    use infradeck::provider::Provider;
    use infradeck::provider::aws::{AwsOptions, AwsProvider};
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let options = |read_only| AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        read_only,
        ..AwsOptions::default()
    };
    let aws = AwsProvider::connect(options(false)).await.expect("connect");
    let service =
        |c: &str, s: &str| infradeck::domain::ResourceRef::EcsService { cluster: c.into(), service: s.into() };
    let queue = service("prod-workers", "queue-worker");
    let count = |op: &str| fleet.bridge_counts()[op].as_u64().unwrap_or(0);
    let (updates, stops) = (count("UpdateService"), count("StopTask"));

    let scale = aws.plan_action(&queue, ServiceAction::DesiredCount { to: 4 }).await.expect("plan");
    assert_eq!(scale.before, "desired 2");
    assert_eq!(scale.requests, ["ecs:UpdateService cluster=prod-workers service=queue-worker desiredCount=4"]);
    assert_eq!(aws.apply_action(&scale).await.expect("sent"), scale.requests);
    let again = aws.plan_action(&queue, ServiceAction::Restart).await.unwrap();
    assert!(again.before.ends_with("of 4 desired"), "{}", again.before);
    aws.apply_action(&again).await.expect("restart sent");

    let tasks = aws.tasks(&queue).await.unwrap();
    let victim = tasks.running[0].id.clone();
    let stop = aws
        .plan_action(&queue, ServiceAction::StopTask { task: victim.clone(), reason: "stuck on a lock".into() })
        .await
        .unwrap();
    aws.apply_action(&stop).await.expect("stop sent");
    assert_eq!((count("UpdateService") - updates, count("StopTask") - stops), (2, 1), "exactly the planned requests");
    let after = aws.tasks(&queue).await.unwrap();
    let stopped = after.find(&victim).expect("the stopped task is listed");
    assert_eq!(stopped.last_status, "STOPPED");
    assert_eq!(stopped.stopped_reason.as_deref(), Some("stuck on a lock"));

    // Blue/green: a deployment is CodeDeploy's; its count can still be set.
    let bg = service("prod-web", "payments-bg");
    let restart = aws.plan_action(&bg, ServiceAction::Restart).await.unwrap();
    assert!(restart.blocked.as_deref().is_some_and(|b| b.contains("CodeDeploy")), "{restart:?}");
    assert!(matches!(aws.apply_action(&restart).await, Err(infradeck::provider::ProviderError::Refused(_))));
    assert!(aws.plan_action(&bg, ServiceAction::DesiredCount { to: 3 }).await.unwrap().blocked.is_none());

    // Read-only: planned (reads), never sent.
    let ro = AwsProvider::connect(options(true)).await.expect("connect");
    let plan = ro.plan_action(&queue, ServiceAction::Restart).await.unwrap();
    assert!(plan.read_only);
    let before = count("UpdateService");
    assert!(matches!(ro.apply_action(&plan).await, Err(infradeck::provider::ProviderError::ReadOnly(_))));
    assert_eq!(count("UpdateService"), before);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The first line a forward's local port answers with (the stand-in plugin's, through the relay).
fn read_line_from(port: u16) -> String {
    use std::io::BufRead;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            stream.set_read_timeout(Some(std::time::Duration::from_secs(15))).unwrap();
            let mut line = String::new();
            if std::io::BufReader::new(stream).read_line(&mut line).is_ok() && !line.is_empty() {
                return line;
            }
        }
        assert!(std::time::Instant::now() < deadline, "nothing answered on 127.0.0.1:{port}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// `infradeck forward` in the foreground against AWS: a container port, and a private Redis
/// endpoint through a task; each answers through the plugin (ssm:StartSession with the port
/// forwarding documents), a port in use is refused before anything is asked of AWS, and Ctrl-C
/// ends the session (ssm:TerminateSession: none left on the agent).
#[test]
fn infradeck_forward_reaches_a_container_and_a_redis_group_and_ends_its_sessions() {
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    let dir = home("forward");
    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_infradeck"))
            .args(["--endpoint-url", &fleet.endpoint, "--region", "us-east-1", "--config", "/dev/null", "forward"])
            .args(args)
            .env("PATH", format!("{}:{}", fixtures_bin(), std::env::var("PATH").unwrap_or_default()))
            .env("HOME", &dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run infradeck forward")
    };
    let interrupt = |child: std::process::Child| {
        let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let local = free_port();
    let child = spawn(&["prod-workers/fanout", &format!("8080:{local}")]);
    let line = read_line_from(local);
    assert!(
        line.starts_with("stand-in forward: ecs:prod-workers_") && line.trim_end().ends_with("port 8080"),
        "{line}"
    );
    // The port is ours while the forward runs: a second one is refused before any request.
    let starts = fleet.bridge_counts()["StartSession"].as_u64().unwrap_or(0);
    let second = spawn(&["prod-workers/fanout", &format!("8080:{local}")]);
    let out = second.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("{local}")), "the port named");
    assert_eq!(fleet.bridge_counts()["StartSession"].as_u64().unwrap_or(0), starts, "nothing asked of AWS");
    let (code, stderr) = interrupt(child);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("forward ended"), "{stderr}");

    // A Redis group through a task of a service in its VPC.
    let redis_local = free_port();
    let group = "sessions";
    let child = spawn(&["redis", group, &redis_local.to_string(), "--via", "prod-workers/fanout"]);
    let line = read_line_from(redis_local);
    let (code, stderr) = interrupt(child);
    assert!(
        line.contains(" host ") && line.contains(group),
        "through the task to the group's endpoint: {line} / {stderr}"
    );
    assert_eq!(code, Some(0), "{stderr}");

    // Every port session ended on AWS (TerminateSession), with the documents AWS names.
    let sessions = fleet.sessions();
    let ports: Vec<&serde_json::Value> = sessions.as_array().unwrap().iter().filter(|s| s["kind"] == "port").collect();
    assert!(ports.len() >= 2, "{sessions}");
    assert!(ports.iter().all(|s| s["terminated"] == true), "a session was left open: {sessions}");
    let documents: std::collections::BTreeSet<&str> = ports.iter().filter_map(|s| s["document"].as_str()).collect();
    assert_eq!(
        documents.into_iter().collect::<Vec<_>>(),
        ["AWS-StartPortForwardingSession", "AWS-StartPortForwardingSessionToRemoteHost"]
    );
}
