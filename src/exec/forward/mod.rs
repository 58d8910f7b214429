//! Port forwards to a task's container, or through it to a host it reaches (a database, a
//! cache): what is asked, and the forwards that run in the background while the console is used.
//!
//! infradeck itself listens on the user's port (127.0.0.1) and relays every connection to the
//! AWS session-manager-plugin, which listens on an internal port of its own. So the user's port
//! stays bound while a session AWS closed (idle for 20 minutes, or about hourly) is opened
//! anew, the bytes each way are counted, and a port in use is refused before anything is asked
//! of AWS. On the demo fleet there is no plugin: the relay answers each connection itself.

use super::plugin::PluginRun;
use crate::domain::ResourceRef;
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The SSM document that forwards a port of the target's container.
pub const CONTAINER_DOCUMENT: &str = "AWS-StartPortForwardingSession";
/// The SSM document that forwards, through the target, a port of a host it reaches.
pub const REMOTE_HOST_DOCUMENT: &str = "AWS-StartPortForwardingSessionToRemoteHost";
/// Where every forward listens: this machine only.
const LOCALHOST: &str = "127.0.0.1";
/// Sessions that could not be opened in a row before a forward gives up.
const MAX_FAILURES: u32 = 5;
/// How long a new plugin has to start listening.
const READY_WAIT: Duration = Duration::from_secs(10);
/// How long the plugin's "Waiting for connections" line is waited for before its port is
/// probed by connecting (each probe is a connection the plugin relays to the task).
const MARKER_WAIT: Duration = Duration::from_secs(2);
/// How long a connection that arrives while the session is being opened again waits for it.
const UPSTREAM_WAIT: Duration = Duration::from_secs(10);
/// A session that lasted this long was healthy: the failures before it are forgotten.
const HEALTHY: Duration = Duration::from_secs(10);
/// A session that lasted this long resets the backoff to its first step.
const STABLE: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long ending one session (TerminateSession) may take when a forward stops.
const CLOSE_WAIT: Duration = Duration::from_secs(3);
/// How long `stop_all` waits for every forward to end.
const STOP_WAIT: Duration = Duration::from_secs(5);
/// Lines of the plugin's output kept, for saying why it failed.
const TAIL_LINES: usize = 20;
/// What the plugin prints once it listens (session-manager-plugin's port session).
const LISTENING_MARKER: &str = "Waiting for connections";

/// Where a forward leads, seen from the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// A port of the container itself.
    Container { port: u16 },
    /// A port of a host the task reaches (an RDS endpoint, an ElastiCache node).
    RemoteHost { host: String, port: u16 },
}

impl Reach {
    pub fn port(&self) -> u16 {
        match self {
            Reach::Container { port } | Reach::RemoteHost { port, .. } => *port,
        }
    }
}

/// A forward asked for: which service's task and container, where to, and the local port.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardSpec {
    pub service: ResourceRef,
    /// The cluster as ECS names it (the bare name, not a multi-account label).
    pub cluster: String,
    pub task: String,
    pub container: String,
    /// The container's runtime id (DescribeTasks), which the session's target names.
    pub runtime_id: String,
    pub reach: Reach,
    /// The port on 127.0.0.1; 0 picks a free one (the status says which).
    pub local_port: u16,
    /// How the forward is named in lists and in the demo's answer (e.g. `orders`).
    pub label: String,
}

impl ForwardSpec {
    /// The session's target: `ecs:<cluster>_<task id>_<container runtime id>`.
    pub fn target(&self) -> String {
        super::plugin::target(&self.cluster, &self.task, &self.runtime_id)
    }

    pub fn document(&self) -> &'static str {
        match self.reach {
            Reach::Container { .. } => CONTAINER_DOCUMENT,
            Reach::RemoteHost { .. } => REMOTE_HOST_DOCUMENT,
        }
    }

    /// The StartSession request, as the AWS CLI's `ssm start-session` sends it and then hands it
    /// to the plugin: the plugin listens on `plugin_port` (infradeck's internal port, not the
    /// user's). Every parameter value is a list of strings.
    pub fn start_session_request(&self, plugin_port: u16) -> serde_json::Value {
        let mut parameters = serde_json::json!({
            "portNumber": [self.reach.port().to_string()],
            "localPortNumber": [plugin_port.to_string()],
        });
        if let Reach::RemoteHost { host, .. } = &self.reach {
            parameters["host"] = serde_json::json!([host]);
        }
        serde_json::json!({
            "Target": self.target(),
            "DocumentName": self.document(),
            "Parameters": parameters,
        })
    }

    /// Where the forward leads: `app:8080`, or `db.example:5432 via app`.
    pub fn destination(&self) -> String {
        match &self.reach {
            Reach::Container { port } => format!("{}:{port}", self.container),
            Reach::RemoteHost { host, port } => format!("{host}:{port} via {}", self.container),
        }
    }

    fn check(&self) -> Result<(), String> {
        match &self.reach {
            Reach::RemoteHost { host, .. } if host.trim().is_empty() => {
                Err("a forward to a remote host needs the host's name".into())
            }
            r if r.port() == 0 => Err("the port to forward to must not be 0".into()),
            _ => Ok(()),
        }
    }
}

/// Whether `port` on 127.0.0.1 can be listened on; if not, why, naming the port.
pub fn port_free(port: u16) -> Result<(), String> {
    std::net::TcpListener::bind((LOCALHOST, port)).map(drop).map_err(|e| cannot_listen(port, &e))
}

fn cannot_listen(port: u16, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::AddrInUse => {
            format!("local port {port} is in use (another program listens on it): choose another port")
        }
        io::ErrorKind::PermissionDenied => {
            format!("cannot listen on local port {port}: permission denied (ports below 1024 need root)")
        }
        _ => format!("cannot listen on local port {port}: {e}"),
    }
}

/// What a session, once opened, is served by.
#[derive(Debug, Clone, PartialEq)]
pub enum Upstream {
    /// The AWS session-manager-plugin, run with the session and listening on the internal port.
    Plugin { run: PluginRun, session_id: String },
    /// The demo fleet: no process; each connection is answered with one line.
    Simulated,
}

/// Opens (StartSession) and ends (TerminateSession) the sessions a forward runs on: the AWS
/// provider's, the demo fleet's, or a test's.
#[async_trait::async_trait]
pub trait Opener: Send + Sync {
    /// Open a session whose plugin listens on `plugin_port`.
    async fn open(&self, spec: &ForwardSpec, plugin_port: u16) -> Result<Upstream, String>;
    /// End a session for good (errors are the opener's to log: the session ends anyway at
    /// AWS's idle timeout).
    async fn close(&self, session_id: &str);
}

/// Where a forward stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardState {
    /// Opening the first session.
    Starting,
    /// Connections are relayed.
    Up,
    /// The session ended (or could not be opened); opening another, this many times so far.
    Reconnecting { attempt: u32 },
    /// Stopped by the user (or at quit); the port is free again.
    Stopped,
    /// Gave up after sessions failed to open in a row; the port is free again.
    Failed(String),
}

impl ForwardState {
    /// Whether the forward still holds its port (it is not stopped or failed).
    pub fn running(&self) -> bool {
        !matches!(self, ForwardState::Stopped | ForwardState::Failed(_))
    }
}

/// One forward as the lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardStatus {
    pub id: u32,
    pub label: String,
    pub spec: ForwardSpec,
    /// The port listened on (the one picked when the spec asked for 0).
    pub local_port: u16,
    pub state: ForwardState,
    /// Bytes from the task to the local clients.
    pub bytes_in: u64,
    /// Bytes from the local clients to the task.
    pub bytes_out: u64,
    /// Connections accepted so far, and those open now.
    pub connections: u64,
    pub open_connections: u64,
    /// The current session (None while none is open, and on the demo fleet).
    pub session_id: Option<String>,
    /// How many times the session was opened again after it ended.
    pub restarts: u32,
    /// The last thing that went wrong (kept after the forward recovered).
    pub last_error: Option<String>,
    /// The current plugin process.
    pub plugin_pid: Option<u32>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Since when the current session relays (None while it is not up).
    pub up_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// The forwards running in the background. Cheap to clone: every clone is the same registry.
/// Forwards outlive the handle; call [`Forwards::stop_all`] before quitting so no session is
/// left open at AWS.
#[derive(Clone, Default)]
pub struct Forwards {
    inner: Arc<Registry>,
}

#[derive(Default)]
struct Registry {
    next_id: AtomicU32,
    entries: Mutex<Vec<Entry>>,
    #[cfg(test)]
    timing: Mutex<Option<Timing>>,
}

struct Entry {
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

/// The waits a forward uses (shorter in tests).
#[derive(Debug, Clone, Copy)]
struct Timing {
    first_backoff: Duration,
    max_backoff: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing { first_backoff: FIRST_BACKOFF, max_backoff: MAX_BACKOFF }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Forwards {
    pub fn new() -> Forwards {
        Forwards::default()
    }

    /// Listen on the spec's local port now (a port in use is refused here, before any AWS
    /// call), then open the session and relay in the background. Must be called within a
    /// tokio runtime. Returns the forward's id.
    pub fn start(&self, spec: ForwardSpec, opener: Arc<dyn Opener>) -> Result<u32, String> {
        spec.check()?;
        if spec.local_port != 0
            && let Some(other) = self.list().into_iter().find(|f| f.local_port == spec.local_port && f.state.running())
        {
            return Err(format!(
                "local port {} is in use by forward {} ({} → {}): choose another port",
                spec.local_port,
                other.id,
                other.label,
                other.spec.destination()
            ));
        }
        let std_listener = std::net::TcpListener::bind((LOCALHOST, spec.local_port))
            .map_err(|e| cannot_listen(spec.local_port, &e))?;
        let local_port = std_listener.local_addr().map_err(|e| e.to_string())?.port();
        std_listener.set_nonblocking(true).map_err(|e| format!("local port {local_port}: {e}"))?;
        let listener = TcpListener::from_std(std_listener).map_err(|e| format!("local port {local_port}: {e}"))?;
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let shared = Arc::new(Shared {
            id,
            spec,
            local_port,
            started_at: chrono::Utc::now(),
            timing: self.timing(),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            open: AtomicU64::new(0),
            status: Mutex::new(Status::default()),
            route: watch::Sender::new(Route::Waiting),
            stop: watch::Sender::new(false),
        });
        let task = {
            let shared = shared.clone();
            tokio::spawn(async move {
                let acceptor = tokio::spawn(accept_loop(shared.clone(), listener));
                supervise(&shared, opener).await;
                shared.route.send_replace(Route::Closed);
                shared.stop.send_replace(true);
                let _ = acceptor.await;
            })
        };
        lock(&self.inner.entries).push(Entry { shared, task: Some(task) });
        Ok(id)
    }

    /// Every forward started (stopped and failed ones too, until [`Forwards::forget_ended`]).
    pub fn list(&self) -> Vec<ForwardStatus> {
        lock(&self.inner.entries).iter().map(|e| e.shared.status()).collect()
    }

    pub fn get(&self, id: u32) -> Option<ForwardStatus> {
        lock(&self.inner.entries).iter().find(|e| e.shared.id == id).map(|e| e.shared.status())
    }

    /// Ask forward `id` to stop: its plugin is ended, its session terminated and its port
    /// freed in the background. False when there is no such forward.
    pub fn stop(&self, id: u32) -> bool {
        let entries = lock(&self.inner.entries);
        let Some(entry) = entries.iter().find(|e| e.shared.id == id) else { return false };
        entry.shared.stop.send_replace(true);
        true
    }

    /// Stop every forward and wait (a few seconds at most) until each has ended its plugin and
    /// terminated its session.
    pub async fn stop_all(&self) {
        let tasks: Vec<JoinHandle<()>> = {
            let mut entries = lock(&self.inner.entries);
            entries
                .iter_mut()
                .filter_map(|e| {
                    e.shared.stop.send_replace(true);
                    e.task.take()
                })
                .collect()
        };
        let aborts: Vec<_> = tasks.iter().map(|t| t.abort_handle()).collect();
        if tokio::time::timeout(STOP_WAIT, futures::future::join_all(tasks)).await.is_err() {
            // Dropping a plugin's handle kills it (kill_on_drop); the session ends at AWS's
            // idle timeout.
            for a in aborts {
                a.abort();
            }
        }
    }

    /// Drop the stopped and failed forwards from the list.
    pub fn forget_ended(&self) {
        lock(&self.inner.entries).retain(|e| e.shared.status().state.running());
    }

    /// Forwards that hold their port.
    pub fn running(&self) -> usize {
        self.list().iter().filter(|f| f.state.running()).count()
    }

    #[cfg(test)]
    fn with_timing(timing: Timing) -> Forwards {
        let f = Forwards::default();
        *lock(&f.inner.timing) = Some(timing);
        f
    }

    fn timing(&self) -> Timing {
        #[cfg(test)]
        if let Some(t) = *lock(&self.inner.timing) {
            return t;
        }
        Timing::default()
    }
}

mod relay;
use relay::*;

#[cfg(test)]
mod tests;
