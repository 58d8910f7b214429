//! A real moto_server and the CloudWatch protocol bridge on free loopback ports, seeded by
//! scripts/seed_moto.py, stopped when dropped. Missing tools fail loudly, never skip.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A seeded estate saved for the rest of the run: moto's pickled state and the bridge's canned
/// answers (JSON).
struct Snapshot {
    state: PathBuf,
    canned: String,
}

/// The saved estate for these seed arguments (empty until the first test seeds it).
fn snapshot_of(seed_args: &[&str]) -> Arc<OnceLock<Snapshot>> {
    static SAVED: Mutex<BTreeMap<Vec<String>, Arc<OnceLock<Snapshot>>>> = Mutex::new(BTreeMap::new());
    let key = seed_args.iter().map(|a| a.to_string()).collect();
    // A test that panicked while holding the lock left the map intact.
    let mut saved = SAVED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    saved.entry(key).or_default().clone()
}

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
    /// Start moto and the bridge with the estate `seed_args` describes (scripts/seed_moto.py).
    /// The first test of this run to ask for an estate seeds it and saves moto's state and the
    /// bridge's canned answers; every later one starts from that save (seeding the realistic
    /// fleet costs ~13 s of CPU, restoring it well under one), so the estate is the same.
    pub fn start(seed_args: &[&str]) -> MotoFleet {
        let saved = snapshot_of(seed_args);
        let mut seeded_here = None;
        let snapshot = saved.get_or_init(|| {
            let fleet = MotoFleet::launch(None);
            fleet.seed(seed_args);
            let snapshot = fleet.save(seed_args);
            seeded_here = Some(fleet);
            snapshot
        });
        if let Some(fleet) = seeded_here {
            return fleet;
        }
        let fleet = MotoFleet::launch(Some(&snapshot.state));
        let answer = http_with(&fleet.endpoint, "POST", "/_bridge/canned", &snapshot.canned);
        assert!(answer.get("ok").is_some(), "the bridge refused the saved canned answers: {answer}");
        fleet
    }

    /// moto (from a saved state, or empty) and the bridge in front of it.
    fn launch(restore: Option<&PathBuf>) -> MotoFleet {
        let moto_port = free_port();
        // moto's log (its tracebacks, when it answers 500) kept for a failing test to be read.
        let logs = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moto-logs");
        std::fs::create_dir_all(&logs).expect("create the moto log directory");
        let log = std::fs::File::create(logs.join(format!("{moto_port}.log"))).expect("create a moto log");
        // moto_server, launched through a wrapper that makes its GetMetricData usable on 14 days of data.
        let mut moto = Command::new(python())
            .arg(repo().join("scripts/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .args(restore.iter().flat_map(|path| [std::ffi::OsStr::new("--restore"), path.as_os_str()]))
            .stdout(Stdio::null())
            .stderr(log)
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
        MotoFleet { moto, bridge, moto_url, endpoint: format!("http://127.0.0.1:{bridge_port}") }
    }

    fn seed(&self, seed_args: &[&str]) {
        let status = Command::new(python())
            .arg(repo().join("scripts/seed_moto.py"))
            .args(["--moto", &self.moto_url, "--bridge", &self.endpoint])
            .args(seed_args)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .status()
            .expect("run seed_moto.py");
        assert!(status.success(), "seed_moto.py failed: {status}");
    }

    /// Save this (just seeded) estate: moto's backends to a file, the bridge's canned answers kept.
    fn save(&self, seed_args: &[&str]) -> Snapshot {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moto-snapshots");
        std::fs::create_dir_all(&dir).expect("create the snapshot directory");
        let name: String =
            seed_args.join("_").chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect();
        // One file per estate and per test process (nextest runs each test in a process of its own).
        let state = dir.join(format!("{name}-{}.pickle", std::process::id()));
        let path = state.to_str().expect("a UTF-8 target directory");
        let answer = raw_http(&self.moto_url, "POST", "/_snapshot/save", path);
        assert!(answer.starts_with("saved"), "moto did not save its state: {answer}");
        let canned = raw_http(&self.endpoint, "GET", "/_bridge/canned", "");
        Snapshot { state, canned }
    }
    /// The sessions the bridge opened (ExecuteCommand, StartSession), with their tokens.
    pub fn sessions(&self) -> serde_json::Value {
        http(&self.endpoint, "GET", "/_bridge/sessions")
    }

    /// Everything seeded as canned answers (the exec agents' states among them).
    pub fn canned_now(&self) -> serde_json::Value {
        http(&self.endpoint, "GET", "/_bridge/canned")
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
    let body = raw_http(base, method, path, body);
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("bridge answered {body:?}: {e}"))
}

/// One request, the answer's body as text.
fn raw_http(base: &str, method: &str, path: &str, body: &str) -> String {
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
    text.split_once("\r\n\r\n").map_or("{}", |(_, body)| body).to_string()
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
