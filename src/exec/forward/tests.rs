//! The forwards against a stand-in plugin and fake openers: relaying, counting, a port in use,
//! a plugin that dies, a session that cannot open, stopping.

use super::*;
use crate::exec::{Secret, Session};

fn spec(local_port: u16) -> ForwardSpec {
    ForwardSpec {
        service: ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() },
        cluster: "prod-core".into(),
        task: "3f2a9c1b7d4e4f00".into(),
        container: "app".into(),
        runtime_id: "3f2a9c1b7d4e4f00-1234567890".into(),
        reach: Reach::Container { port: 8080 },
        local_port,
        label: "orders".into(),
    }
}

/// The demo fleet's opener.
struct Demo;

#[async_trait::async_trait]
impl Opener for Demo {
    async fn open(&self, _spec: &ForwardSpec, _plugin_port: u16) -> Result<Upstream, String> {
        Ok(Upstream::Simulated)
    }
    async fn close(&self, _session_id: &str) {}
}

/// Opens fake sessions served by the stand-in plugin (tests/fixtures/bin), and records what
/// it was asked.
#[derive(Default)]
struct StandIn {
    opened: Mutex<Vec<String>>,
    closed: Mutex<Vec<String>>,
    fail: bool,
}

#[async_trait::async_trait]
impl Opener for StandIn {
    async fn open(&self, spec: &ForwardSpec, plugin_port: u16) -> Result<Upstream, String> {
        if self.fail {
            return Err("TargetNotConnected: the task's agent is not connected".into());
        }
        let session_id = format!("tester-{:017x}", lock(&self.opened).len() + 1);
        lock(&self.opened).push(session_id.clone());
        let session = Session {
            session_id: session_id.clone(),
            stream_url: format!("wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/{session_id}"),
            token: Secret::new("AAEAAXsecrettoken"),
        };
        let program =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bin/session-manager-plugin");
        let run = PluginRun::forward(
            program,
            &session,
            "eu-west-1",
            None,
            &spec.start_session_request(plugin_port),
            &crate::exec::plugin::ssm_endpoint("eu-west-1", None),
        );
        Ok(Upstream::Plugin { run, session_id })
    }

    async fn close(&self, session_id: &str) {
        lock(&self.closed).push(session_id.to_string());
    }
}

/// Poll until `check` holds, or fail after a generous deadline.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn answer(port: u16, send: &[u8]) -> String {
    let mut s = TcpStream::connect((LOCALHOST, port)).await.expect("the forward's port accepts");
    if !send.is_empty() {
        s.write_all(send).await.unwrap();
    }
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(15), s.read_to_string(&mut out))
        .await
        .expect("an answer in time")
        .expect("a readable answer");
    out
}

fn status(f: &Forwards, id: u32) -> ForwardStatus {
    f.get(id).expect("the forward is listed")
}

#[test]
fn the_request_is_the_one_the_aws_cli_sends() {
    let s = spec(18080);
    assert_eq!(s.target(), "ecs:prod-core_3f2a9c1b7d4e4f00_3f2a9c1b7d4e4f00-1234567890");
    assert_eq!(
        s.start_session_request(40001),
        serde_json::json!({
            "Target": "ecs:prod-core_3f2a9c1b7d4e4f00_3f2a9c1b7d4e4f00-1234567890",
            "DocumentName": "AWS-StartPortForwardingSession",
            "Parameters": {"portNumber": ["8080"], "localPortNumber": ["40001"]},
        })
    );
    let remote = ForwardSpec { reach: Reach::RemoteHost { host: "db.internal".into(), port: 5432 }, ..s };
    assert_eq!(remote.document(), "AWS-StartPortForwardingSessionToRemoteHost");
    assert_eq!(
        remote.start_session_request(40002)["Parameters"],
        serde_json::json!({"portNumber": ["5432"], "localPortNumber": ["40002"], "host": ["db.internal"]})
    );
    assert_eq!(remote.destination(), "db.internal:5432 via app");
}

#[test]
fn the_plugin_gets_the_session_the_way_ssm_start_session_passes_it() {
    let session = Session {
        session_id: "tester-0a1b".into(),
        stream_url: "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/tester-0a1b".into(),
        token: Secret::new("AAEAAXsecrettoken"),
    };
    let request = spec(18080).start_session_request(40001);
    let run = PluginRun::forward(
        "/usr/local/bin/session-manager-plugin".into(),
        &session,
        "eu-west-1",
        Some("prod"),
        &request,
        &crate::exec::plugin::ssm_endpoint("eu-west-1", None),
    );
    let args = run.args();
    assert_eq!(args[0], "AWS_SSM_START_SESSION_RESPONSE");
    assert_eq!(args[1..4], ["eu-west-1", "StartSession", "prod"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&args[4]).unwrap(), request);
    assert_eq!(args[5], "https://ssm.eu-west-1.amazonaws.com");
    assert!(args.iter().all(|a| !a.contains("secrettoken")));
    assert!(!format!("{run:?}").contains("secrettoken"));
    let session: serde_json::Value = serde_json::from_str(run.session.expose()).unwrap();
    assert_eq!(
        session,
        serde_json::json!({
            "SessionId": "tester-0a1b",
            "TokenValue": "AAEAAXsecrettoken",
            "StreamUrl": "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/tester-0a1b",
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_forward_answers_and_counts_its_bytes() {
    let forwards = Forwards::new();
    let id = forwards.start(spec(0), Arc::new(Demo)).expect("a free port");
    let port = status(&forwards, id).local_port;
    assert_ne!(port, 0, "the port picked is said");
    eventually("the demo forward is up", || status(&forwards, id).state == ForwardState::Up).await;
    let line = answer(port, b"GET / HTTP/1.0\r\n\r\n").await;
    assert_eq!(line, "infradeck demo forward: orders → task 3f2a9c1b7d4e4f00 port 8080\n");
    eventually("the bytes each way are counted", || {
        let s = status(&forwards, id);
        s.bytes_in == line.len() as u64 && s.bytes_out == 18 && s.open_connections == 0
    })
    .await;
    assert_eq!(status(&forwards, id).connections, 1);
    assert_eq!(status(&forwards, id).session_id, None);
    forwards.stop_all().await;
    assert_eq!(status(&forwards, id).state, ForwardState::Stopped);
    port_free(port).expect("a stopped forward frees its port");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_is_refused_naming_it() {
    let forwards = Forwards::new();
    let id = forwards.start(spec(0), Arc::new(Demo)).unwrap();
    let port = status(&forwards, id).local_port;
    let refused = forwards.start(spec(port), Arc::new(Demo)).expect_err("the port is taken");
    assert!(refused.contains(&format!("local port {port}")), "{refused}");
    assert!(refused.contains("forward 1"), "our own forward is named: {refused}");
    let taken = port_free(port).expect_err("in use");
    assert!(taken.contains(&format!("local port {port} is in use")), "{taken}");
    // Another program's port: refused at bind, before any session is opened.
    let other = std::net::TcpListener::bind((LOCALHOST, 0)).unwrap();
    let other_port = other.local_addr().unwrap().port();
    let opener = Arc::new(StandIn::default());
    let refused = forwards.start(spec(other_port), opener.clone()).expect_err("in use");
    assert!(refused.contains(&format!("local port {other_port} is in use")), "{refused}");
    assert!(lock(&opener.opened).is_empty(), "nothing was asked of AWS");
    assert_eq!(forwards.list().len(), 1);
    forwards.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_forward_relays_comes_back_after_the_plugin_dies_and_stops_cleanly() {
    let forwards = Forwards::with_timing(Timing {
        first_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(1),
    });
    let opener = Arc::new(StandIn::default());
    let id = forwards.start(spec(0), opener.clone()).unwrap();
    let port = status(&forwards, id).local_port;
    eventually("the plugin listens", || status(&forwards, id).state == ForwardState::Up).await;
    let first = status(&forwards, id);
    assert_eq!(first.session_id.as_deref(), Some("tester-00000000000000001"));
    let expected = "stand-in forward: ecs:prod-core_3f2a9c1b7d4e4f00_3f2a9c1b7d4e4f00-1234567890 port 8080\n";
    assert_eq!(answer(port, b"").await, expected);
    eventually("the bytes in are counted", || status(&forwards, id).bytes_in == expected.len() as u64).await;

    // AWS closes the session (or the plugin crashes): the forward opens another.
    let pid = first.plugin_pid.expect("the plugin's pid");
    let killed = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    eventually("the forward is back", || {
        let s = status(&forwards, id);
        s.state == ForwardState::Up && s.restarts == 1
    })
    .await;
    let back = status(&forwards, id);
    assert_ne!(back.plugin_pid, Some(pid), "a new plugin");
    assert_eq!(back.session_id.as_deref(), Some("tester-00000000000000002"));
    assert!(back.last_error.as_deref().is_some_and(|e| e.contains("session ended")), "{:?}", back.last_error);
    assert_eq!(*lock(&opener.closed), ["tester-00000000000000001"], "the old session was terminated");
    assert_eq!(answer(port, b"").await, expected, "the same local port answers");

    forwards.stop_all().await;
    let end = status(&forwards, id);
    assert_eq!(end.state, ForwardState::Stopped);
    assert_eq!(end.plugin_pid, None);
    assert_eq!(end.session_id, None);
    assert_eq!(*lock(&opener.closed), ["tester-00000000000000001", "tester-00000000000000002"]);
    assert!(!std::path::Path::new(&format!("/proc/{}", back.plugin_pid.unwrap())).exists(), "the plugin was ended");
    port_free(port).expect("the port is free again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_that_cannot_open_a_session_gives_up_and_frees_its_port() {
    let forwards = Forwards::with_timing(Timing {
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(50),
    });
    let opener = Arc::new(StandIn { fail: true, ..StandIn::default() });
    let id = forwards.start(spec(0), opener.clone()).unwrap();
    let port = status(&forwards, id).local_port;
    eventually("the forward gives up", || matches!(status(&forwards, id).state, ForwardState::Failed(_))).await;
    let ForwardState::Failed(why) = status(&forwards, id).state else { unreachable!() };
    assert!(why.contains("TargetNotConnected") && why.contains("5 tries"), "{why}");
    eventually("the port is freed", || port_free(port).is_ok()).await;
    assert!(lock(&opener.closed).is_empty(), "no session was opened, none is ended");
    forwards.forget_ended();
    assert!(forwards.list().is_empty());
}

/// An opener slow to answer (AWS taking its time).
struct Slow;

#[async_trait::async_trait]
impl Opener for Slow {
    async fn open(&self, _spec: &ForwardSpec, _plugin_port: u16) -> Result<Upstream, String> {
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(Upstream::Simulated)
    }
    async fn close(&self, _session_id: &str) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_made_while_the_session_opens_waits_for_it() {
    let forwards = Forwards::new();
    let id = forwards.start(spec(0), Arc::new(Slow)).unwrap();
    let port = status(&forwards, id).local_port;
    assert_eq!(status(&forwards, id).state, ForwardState::Starting);
    let line = answer(port, b"").await;
    assert!(line.starts_with("infradeck demo forward: orders"), "{line}");
    assert_eq!(status(&forwards, id).state, ForwardState::Up);
    forwards.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_one_forward_ends_its_session_and_leaves_the_others() {
    let forwards = Forwards::new();
    let opener = Arc::new(StandIn::default());
    let a = forwards.start(spec(0), opener.clone()).unwrap();
    let b = forwards.start(spec(0), Arc::new(Demo)).unwrap();
    eventually("both are up", || {
        status(&forwards, a).state == ForwardState::Up && status(&forwards, b).state == ForwardState::Up
    })
    .await;
    assert!(forwards.stop(a));
    assert!(!forwards.stop(99));
    eventually("the first stopped", || status(&forwards, a).state == ForwardState::Stopped).await;
    assert_eq!(*lock(&opener.closed), ["tester-00000000000000001"]);
    assert_eq!(status(&forwards, b).state, ForwardState::Up);
    assert_eq!(forwards.running(), 1);
    forwards.stop_all().await;
    assert_eq!(forwards.running(), 0);
}
