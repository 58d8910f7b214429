//! A real moto_server and the CloudWatch protocol bridge on free loopback ports, seeded by
//! scripts/seed_moto.py, stopped when dropped. Missing tools fail loudly, never skip.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MotoFleet {
    moto: Child,
    bridge: Child,
    pub moto_url: String,
    /// What the app talks to: the bridge, which forwards to moto.
    pub endpoint: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().unwrap().port()
}

/// Wait for `child` to listen on `port`; the processes in `stop` are killed if it does not (a
/// failed start leaves no moto_server behind).
fn wait_for(port: u16, what: &str, child: &mut Child, stop: &mut [&mut Child]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let failed = loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            break format!(
                "{what} exited early ({status}); run `bash scripts/test.sh`, which installs moto[server] and cbor2"
            );
        }
        if Instant::now() >= deadline {
            break format!("{what} did not listen on 127.0.0.1:{port} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    for c in std::iter::once(child).chain(stop.iter_mut().map(|c| &mut **c)) {
        let _ = c.kill();
        let _ = c.wait();
    }
    panic!("{failed}");
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> &'static str {
    "python3"
}

impl MotoFleet {
    /// Start moto and the bridge, then run the seed script with `seed_args`.
    pub fn start(seed_args: &[&str]) -> MotoFleet {
        let moto_port = free_port();
        // moto_server, launched through a wrapper that makes its GetMetricData usable on 14 days of data.
        let mut moto = Command::new(python())
            .arg(repo().join("scripts/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start scripts/moto_server.py ({e}): run `bash scripts/test.sh`, which installs moto[server]"
                )
            });
        wait_for(moto_port, "moto_server", &mut moto, &mut []);
        let moto_url = format!("http://127.0.0.1:{moto_port}");
        let bridge_port = free_port();
        let mut bridge = Command::new(python())
            .arg(repo().join("scripts/moto_bridge.py"))
            .args(["--port", &bridge_port.to_string(), "--upstream", &moto_url])
            // Every operation the app sends, for the least-privilege check (scripts/check_iam.py).
            .args(["--record", concat!(env!("CARGO_TARGET_TMPDIR"), "/aws-operations")])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the bridge ({e})"));
        wait_for(bridge_port, "moto_bridge.py", &mut bridge, &mut [&mut moto]);
        let fleet = MotoFleet { moto, bridge, moto_url, endpoint: format!("http://127.0.0.1:{bridge_port}") };
        let status = Command::new(python())
            .arg(repo().join("scripts/seed_moto.py"))
            .args(["--moto", &fleet.moto_url, "--bridge", &fleet.endpoint])
            .args(seed_args)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .status()
            .expect("run seed_moto.py");
        assert!(status.success(), "seed_moto.py failed: {status}");
        fleet
    }

    /// Requests the bridge has seen per operation (every request passes through it).
    pub fn bridge_counts(&self) -> serde_json::Value {
        http(&self.endpoint, "GET", "/_bridge/counts")
    }

    /// Metrics the bridge saw requested in GetMetricData calls since the last reset: what
    /// CloudWatch bills ($0.01 per 1,000).
    pub fn bridge_metrics(&self) -> u64 {
        http(&self.endpoint, "GET", "/_bridge/metrics")["requested"].as_u64().unwrap_or(0)
    }

    /// Of those, the metrics a monitoring account read from a linked source account.
    pub fn bridge_cross_account_metrics(&self) -> u64 {
        http(&self.endpoint, "GET", "/_bridge/metrics")["cross_account"].as_u64().unwrap_or(0)
    }

    /// Replace canned answers the seed script posted (e.g. a link removed while running).
    pub fn canned(&self, value: serde_json::Value) {
        let answer = http_with(&self.endpoint, "POST", "/_bridge/canned", &value.to_string());
        assert!(answer.get("ok").is_some(), "the bridge refused canned {value}: {answer}");
    }

    pub fn reset_bridge_counts(&self) {
        http(&self.endpoint, "POST", "/_bridge/counts/reset");
    }

    /// Inject a fault (see FAULT in scripts/moto_bridge.py), e.g.
    /// `{"kind": "throttle", "seconds": 30}` or `{"kind": "deny", "operation": "DescribeAlarms"}`.
    pub fn fault(&self, fault: serde_json::Value) {
        let answer = http_with(&self.endpoint, "POST", "/_bridge/fault", &fault.to_string());
        assert!(answer.get("ok").is_some(), "the bridge refused fault {fault}: {answer}");
    }

    pub fn clear_fault(&self) {
        http(&self.endpoint, "POST", "/_bridge/fault/clear");
    }

    /// Requests the current (or last) fault was served to.
    pub fn faulted(&self) -> u64 {
        http(&self.endpoint, "GET", "/_bridge/fault")["faulted"].as_u64().unwrap_or(0)
    }

    /// From now on, the operations the app sends are recorded under `label` ("read-only" runs
    /// are checked against iam/read-only.json, the rest against iam/apply.json).
    /// A seeded organization account's id by its name, as Organizations lists it (asked by
    /// boto3 and recorded as the test's own call, not infradeck's).
    pub fn account_id(&self, name: &str) -> String {
        self.record_as("test-org");
        let listed = Command::new(python())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .args([
                "-c",
                "import boto3, sys\norg = boto3.client('organizations', endpoint_url=sys.argv[1], region_name='us-east-1')\nprint(next(a['Id'] for a in org.list_accounts()['Accounts'] if a['Name'] == sys.argv[2]))",
                &self.endpoint,
                name,
            ])
            .output()
            .expect("run python3");
        self.record_as("all");
        let id = String::from_utf8_lossy(&listed.stdout).trim().to_string();
        assert!(!id.is_empty(), "{name} listed: {}", String::from_utf8_lossy(&listed.stderr));
        id
    }

    pub fn record_as(&self, label: &str) {
        http(&self.endpoint, "POST", &format!("/_bridge/record/{label}"));
    }
}

/// A tiny HTTP/1.1 client for the bridge's control endpoints (no extra dependency).
fn http(base: &str, method: &str, path: &str) -> serde_json::Value {
    http_with(base, method, path, "")
}

fn http_with(base: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect to bridge");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("{}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("bridge answered {body:?}: {e}"))
}

/// The SDK configuration of the test's own clients, through the bridge.
pub async fn raw_config(fleet: &MotoFleet) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&fleet.endpoint)
        .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// An ECS client of the test's own, through the bridge (to read what an apply registered).
pub async fn raw_ecs(fleet: &MotoFleet) -> aws_sdk_ecs::Client {
    aws_sdk_ecs::Client::new(&raw_config(fleet).await)
}

/// A task definition and its tags, as ECS keeps them.
pub async fn definition(
    ecs: &aws_sdk_ecs::Client,
    arn: &str,
) -> (aws_sdk_ecs::types::TaskDefinition, Vec<aws_sdk_ecs::types::Tag>) {
    let out = ecs
        .describe_task_definition()
        .task_definition(arn)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .expect("describe task definition");
    (out.task_definition().unwrap().clone(), out.tags().to_vec())
}

impl Drop for MotoFleet {
    fn drop(&mut self) {
        for child in [&mut self.bridge, &mut self.moto] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
