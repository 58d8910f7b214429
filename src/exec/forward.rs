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

/// Where a connection is relayed to right now.
#[derive(Debug, Clone, PartialEq)]
enum Route {
    /// No session yet (or it is being opened again): connections wait.
    Waiting,
    /// The plugin listens on this internal port.
    Port(u16),
    /// The demo fleet: answered here.
    Simulated,
    /// The forward ended: connections are closed.
    Closed,
}

#[derive(Default)]
struct Status {
    state: Option<ForwardState>,
    session_id: Option<String>,
    /// Sessions that came up; restarts are those after the first.
    sessions_up: u32,
    last_error: Option<String>,
    pid: Option<u32>,
    up_since: Option<chrono::DateTime<chrono::Utc>>,
}

struct Shared {
    id: u32,
    spec: ForwardSpec,
    local_port: u16,
    started_at: chrono::DateTime<chrono::Utc>,
    timing: Timing,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    connections: AtomicU64,
    open: AtomicU64,
    status: Mutex<Status>,
    route: watch::Sender<Route>,
    stop: watch::Sender<bool>,
}

impl Shared {
    fn status(&self) -> ForwardStatus {
        let s = lock(&self.status);
        ForwardStatus {
            id: self.id,
            label: self.spec.label.clone(),
            spec: self.spec.clone(),
            local_port: self.local_port,
            state: s.state.clone().unwrap_or(ForwardState::Starting),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            open_connections: self.open.load(Ordering::Relaxed),
            session_id: s.session_id.clone(),
            restarts: s.sessions_up.saturating_sub(1),
            last_error: s.last_error.clone(),
            plugin_pid: s.pid,
            started_at: self.started_at,
            up_since: s.up_since,
        }
    }

    fn update(&self, f: impl FnOnce(&mut Status)) {
        f(&mut lock(&self.status));
    }

    fn set_state(&self, state: ForwardState) {
        self.update(|s| s.state = Some(state));
    }

    fn note_error(&self, error: String) {
        tracing::warn!(forward = self.id, label = %self.spec.label, "port forward: {error}");
        self.update(|s| s.last_error = Some(error));
    }
}

/// Resolves once the forward is asked to stop.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// True when the forward was asked to stop during the wait.
async fn sleep_or_stop(wait: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => false,
        _ = stopped(stop) => true,
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut stop = shared.stop.subscribe();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped(&mut stop) => return,
        };
        match accepted {
            Ok((client, _)) => {
                shared.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(serve(shared.clone(), client));
            }
            Err(e) => {
                // Out of file descriptors and the like: said, and tried again shortly.
                shared.note_error(format!("accepting on local port {}: {e}", shared.local_port));
                if sleep_or_stop(Duration::from_millis(200), &mut stop).await {
                    return;
                }
            }
        }
    }
}

/// One local connection, from accept to close.
async fn serve(shared: Arc<Shared>, client: TcpStream) {
    shared.open.fetch_add(1, Ordering::Relaxed);
    let mut stop = shared.stop.subscribe();
    tokio::select! {
        _ = relay(&shared, client) => {}
        _ = stopped(&mut stop) => {}
    }
    shared.open.fetch_sub(1, Ordering::Relaxed);
}

enum Hop {
    Plugin(TcpStream),
    Simulated,
}

async fn relay(shared: &Shared, client: TcpStream) {
    let _ = client.set_nodelay(true);
    match upstream(shared).await {
        // No session within the wait, or the forward ended: the connection closes.
        None => {}
        Some(Hop::Simulated) => simulated_answer(shared, client).await,
        Some(Hop::Plugin(up)) => {
            let _ = up.set_nodelay(true);
            let mut client = Counted { inner: client, count: &shared.bytes_out };
            let mut up = Counted { inner: up, count: &shared.bytes_in };
            let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
        }
    }
}

/// The plugin's port once a session is up (waiting for one up to [`UPSTREAM_WAIT`]).
async fn upstream(shared: &Shared) -> Option<Hop> {
    let deadline = Instant::now() + UPSTREAM_WAIT;
    let mut rx = shared.route.subscribe();
    loop {
        let route = rx.borrow_and_update().clone();
        match route {
            Route::Closed => return None,
            Route::Simulated => return Some(Hop::Simulated),
            Route::Port(port) => {
                if let Ok(up) = TcpStream::connect((LOCALHOST, port)).await {
                    return Some(Hop::Plugin(up));
                }
            }
            Route::Waiting => {}
        }
        let wait = async {
            if matches!(route, Route::Port(_)) {
                // The plugin refused (it may be ending): ask again shortly, or on a new route.
                tokio::select! {
                    _ = rx.changed() => {}
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                }
            } else {
                let _ = rx.changed().await;
            }
        };
        if tokio::time::timeout_at(deadline, wait).await.is_err() {
            return None;
        }
    }
}

/// The demo fleet's forward: one line, then the connection closes.
async fn simulated_answer(shared: &Shared, mut client: TcpStream) {
    let spec = &shared.spec;
    let line = format!("infradeck demo forward: {} → task {} port {}\n", spec.label, spec.task, spec.reach.port());
    if client.write_all(line.as_bytes()).await.is_ok() {
        shared.bytes_in.fetch_add(line.len() as u64, Ordering::Relaxed);
    }
    let _ = client.shutdown().await;
    // Read what the client sent before closing, so the close does not reset the connection
    // under the line it has yet to read.
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(n) = client.read(&mut buf).await
            && n > 0
        {
            shared.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
        }
    })
    .await;
}

/// A stream whose reads are counted.
struct Counted<'a> {
    inner: TcpStream,
    count: &'a AtomicU64,
}

impl AsyncRead for Counted<'_> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.count.fetch_add((buf.filled().len() - before) as u64, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Counted<'_> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How one session ended.
enum Outcome {
    /// Asked to stop: the forward ends.
    Stopped,
    /// The session could not be opened or its plugin did not start listening.
    Failed(String),
    /// The session was up this long, then its plugin exited (AWS closed it, or it crashed).
    Ended { up_for: Duration, why: String },
}

/// The forward's life: open a session, run its plugin, open another when it ends, with a
/// growing pause between tries, until stopped or too many tries fail in a row.
async fn supervise(shared: &Shared, opener: Arc<dyn Opener>) {
    let mut stop = shared.stop.subscribe();
    let mut failures = 0u32;
    let mut backoff = shared.timing.first_backoff;
    let mut attempt = 0u32;
    shared.set_state(ForwardState::Starting);
    loop {
        let outcome = match internal_port() {
            Ok(port) => match open_or_stop(opener.as_ref(), &shared.spec, port, &mut stop).await {
                None => Outcome::Stopped,
                Some(Err(e)) => Outcome::Failed(e),
                Some(Ok(Upstream::Simulated)) => {
                    shared.route.send_replace(Route::Simulated);
                    shared.update(|s| {
                        s.state = Some(ForwardState::Up);
                        s.sessions_up += 1;
                        s.up_since = Some(chrono::Utc::now());
                    });
                    stopped(&mut stop).await;
                    Outcome::Stopped
                }
                Some(Ok(Upstream::Plugin { run, session_id })) => {
                    run_plugin(shared, opener.as_ref(), run, session_id, port, &mut stop).await
                }
            },
            Err(e) => Outcome::Failed(e),
        };
        match outcome {
            Outcome::Stopped => break,
            Outcome::Failed(e) => {
                failures += 1;
                shared.note_error(e.clone());
                if failures >= MAX_FAILURES {
                    shared.set_state(ForwardState::Failed(format!("{e} ({failures} tries in a row failed)")));
                    return;
                }
            }
            Outcome::Ended { up_for, why } => {
                shared.note_error(why.clone());
                if up_for >= HEALTHY {
                    failures = 0;
                } else {
                    // A session that ends as soon as it is up counts as a failure, or a plugin
                    // that cannot work would be restarted for ever.
                    failures += 1;
                    if failures >= MAX_FAILURES {
                        shared.set_state(ForwardState::Failed(format!(
                            "{why} ({failures} sessions in a row ended at once)"
                        )));
                        return;
                    }
                }
                if up_for >= STABLE {
                    backoff = shared.timing.first_backoff;
                }
            }
        }
        attempt += 1;
        shared.set_state(ForwardState::Reconnecting { attempt });
        if sleep_or_stop(backoff, &mut stop).await {
            break;
        }
        backoff = (backoff * 2).min(shared.timing.max_backoff);
    }
    shared.update(|s| {
        s.state = Some(ForwardState::Stopped);
        s.up_since = None;
    });
}

/// A free port for the plugin to listen on (asked of the OS, then released for the plugin).
fn internal_port() -> Result<u16, String> {
    std::net::TcpListener::bind((LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free internal port: {e}"))
}

/// Open a session unless asked to stop first. A session whose answer is already on its way when
/// the stop comes is waited for briefly and ended, so none is left open.
async fn open_or_stop(
    opener: &dyn Opener,
    spec: &ForwardSpec,
    port: u16,
    stop: &mut watch::Receiver<bool>,
) -> Option<Result<Upstream, String>> {
    let open = opener.open(spec, port);
    tokio::pin!(open);
    tokio::select! {
        opened = &mut open => Some(opened),
        _ = stopped(stop) => {
            if let Ok(Ok(Upstream::Plugin { session_id, .. })) = tokio::time::timeout(CLOSE_WAIT, open).await {
                close_session(opener, &session_id).await;
            }
            None
        }
    }
}

async fn close_session(opener: &dyn Opener, session_id: &str) {
    if tokio::time::timeout(CLOSE_WAIT, opener.close(session_id)).await.is_err() {
        tracing::warn!(session_id, "port forward: ending the session took too long");
    }
}

/// The last lines the plugin printed (never its session: that is only in its environment).
#[derive(Clone, Default)]
struct Tail {
    lines: Arc<Mutex<VecDeque<String>>>,
    listening: Arc<std::sync::atomic::AtomicBool>,
}

impl Tail {
    fn follow(&self, out: impl AsyncRead + Unpin + Send + 'static) {
        let tail = self.clone();
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(out).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let line = line.trim().to_string();
                if line.is_empty() {
                    continue;
                }
                if line.contains(LISTENING_MARKER) {
                    tail.listening.store(true, Ordering::Relaxed);
                }
                let mut kept = lock(&tail.lines);
                if kept.len() == TAIL_LINES {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
    }

    /// ": <the last lines>", or nothing when the plugin said nothing.
    fn said(&self) -> String {
        let kept = lock(&self.lines);
        let last: Vec<&str> = kept.iter().rev().take(3).rev().map(String::as_str).collect();
        if last.is_empty() {
            return String::new();
        }
        let text = last.join(" / ");
        let cut: String = text.chars().take(300).collect();
        format!(": {cut}")
    }
}

enum Ready {
    Listening,
    Exited(std::process::ExitStatus),
    TimedOut,
    Stopped,
}

/// Run the plugin for one session until it exits or the forward stops; the session is ended
/// (TerminateSession) either way.
async fn run_plugin(
    shared: &Shared,
    opener: &dyn Opener,
    run: PluginRun,
    session_id: String,
    port: u16,
    stop: &mut watch::Receiver<bool>,
) -> Outcome {
    shared.update(|s| s.session_id = Some(session_id.clone()));
    let mut command = tokio::process::Command::from(run.command());
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // Its own process group: a Ctrl-C typed while a shell has the terminal goes to the
    // terminal's foreground group, and must not end the forwards running behind it.
    #[cfg(unix)]
    command.process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            end_session(shared, opener, &session_id).await;
            return Outcome::Failed(format!("cannot run {}: {e}", run.program.display()));
        }
    };
    shared.update(|s| s.pid = child.id());
    let tail = Tail::default();
    if let Some(out) = child.stdout.take() {
        tail.follow(out);
    }
    if let Some(err) = child.stderr.take() {
        tail.follow(err);
    }
    let ready = wait_listening(&mut child, &tail, port, stop).await;
    let failed = match ready {
        Ready::Listening => None,
        Ready::Stopped => {
            kill(&mut child).await;
            shared.update(|s| s.pid = None);
            end_session(shared, opener, &session_id).await;
            return Outcome::Stopped;
        }
        Ready::Exited(status) => {
            Some(format!("session-manager-plugin exited ({status}) before it listened{}", tail.said()))
        }
        Ready::TimedOut => {
            Some(format!("session-manager-plugin was not listening after {} s{}", READY_WAIT.as_secs(), tail.said()))
        }
    };
    if let Some(why) = failed {
        kill(&mut child).await;
        shared.update(|s| s.pid = None);
        end_session(shared, opener, &session_id).await;
        return Outcome::Failed(why);
    }
    shared.route.send_replace(Route::Port(port));
    shared.update(|s| {
        s.state = Some(ForwardState::Up);
        s.sessions_up += 1;
        s.up_since = Some(chrono::Utc::now());
    });
    let up_at = Instant::now();
    let exited = tokio::select! {
        status = child.wait() => Some(status),
        _ = stopped(stop) => None,
    };
    shared.route.send_replace(Route::Waiting);
    shared.update(|s| {
        s.pid = None;
        s.up_since = None;
    });
    match exited {
        None => {
            kill(&mut child).await;
            end_session(shared, opener, &session_id).await;
            Outcome::Stopped
        }
        Some(status) => {
            end_session(shared, opener, &session_id).await;
            let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
            let up_for = up_at.elapsed();
            Outcome::Ended {
                up_for,
                why: format!(
                    "the session ended after {} s (session-manager-plugin {status}){}",
                    up_for.as_secs(),
                    tail.said()
                ),
            }
        }
    }
}

async fn end_session(shared: &Shared, opener: &dyn Opener, session_id: &str) {
    close_session(opener, session_id).await;
    shared.update(|s| s.session_id = None);
}

async fn kill(child: &mut tokio::process::Child) {
    let _ = child.start_kill();
    let _ = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
}

/// Until the plugin listens on `port`: its "Waiting for connections" line, or (a plugin that
/// does not say so) a connection to the port after [`MARKER_WAIT`].
async fn wait_listening(
    child: &mut tokio::process::Child,
    tail: &Tail,
    port: u16,
    stop: &mut watch::Receiver<bool>,
) -> Ready {
    let started = Instant::now();
    loop {
        if tail.listening.load(Ordering::Relaxed) {
            return Ready::Listening;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Ready::Exited(status);
        }
        if started.elapsed() >= MARKER_WAIT && TcpStream::connect((LOCALHOST, port)).await.is_ok() {
            return Ready::Listening;
        }
        if started.elapsed() >= READY_WAIT {
            return Ready::TimedOut;
        }
        if sleep_or_stop(Duration::from_millis(50), stop).await {
            return Ready::Stopped;
        }
    }
}

#[cfg(test)]
mod tests {
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
}
