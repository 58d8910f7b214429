//! The relay behind each forward: the local listener, each connection relayed to the plugin
//! (or answered, on the demo fleet), and the supervisor that opens a session, starts the plugin,
//! and opens a new one when AWS closes it.

use super::*;

/// Where a connection is relayed to right now.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Route {
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
pub(super) struct Status {
    pub(super) state: Option<ForwardState>,
    pub(super) session_id: Option<String>,
    /// Sessions that came up; restarts are those after the first.
    pub(super) sessions_up: u32,
    pub(super) last_error: Option<String>,
    pub(super) pid: Option<u32>,
    pub(super) up_since: Option<chrono::DateTime<chrono::Utc>>,
}

pub(super) struct Shared {
    pub(super) id: u32,
    pub(super) spec: ForwardSpec,
    pub(super) local_port: u16,
    pub(super) started_at: chrono::DateTime<chrono::Utc>,
    pub(super) timing: Timing,
    pub(super) bytes_in: AtomicU64,
    pub(super) bytes_out: AtomicU64,
    pub(super) connections: AtomicU64,
    pub(super) open: AtomicU64,
    pub(super) status: Mutex<Status>,
    pub(super) route: watch::Sender<Route>,
    pub(super) stop: watch::Sender<bool>,
}

impl Shared {
    pub(super) fn status(&self) -> ForwardStatus {
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
pub(super) async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// True when the forward was asked to stop during the wait.
pub(super) async fn sleep_or_stop(wait: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => false,
        _ = stopped(stop) => true,
    }
}

pub(super) async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
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
pub(super) async fn serve(shared: Arc<Shared>, client: TcpStream) {
    shared.open.fetch_add(1, Ordering::Relaxed);
    let mut stop = shared.stop.subscribe();
    tokio::select! {
        _ = relay(&shared, client) => {}
        _ = stopped(&mut stop) => {}
    }
    shared.open.fetch_sub(1, Ordering::Relaxed);
}

pub(super) enum Hop {
    Plugin(TcpStream),
    Simulated,
}

pub(super) async fn relay(shared: &Shared, client: TcpStream) {
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
pub(super) async fn upstream(shared: &Shared) -> Option<Hop> {
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
pub(super) async fn simulated_answer(shared: &Shared, mut client: TcpStream) {
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
pub(super) struct Counted<'a> {
    pub(super) inner: TcpStream,
    pub(super) count: &'a AtomicU64,
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
pub(super) enum Outcome {
    /// Asked to stop: the forward ends.
    Stopped,
    /// The session could not be opened or its plugin did not start listening.
    Failed(String),
    /// The session was up this long, then its plugin exited (AWS closed it, or it crashed).
    Ended { up_for: Duration, why: String },
}

/// The forward's life: open a session, run its plugin, open another when it ends, with a
/// growing pause between tries, until stopped or too many tries fail in a row.
pub(super) async fn supervise(shared: &Shared, opener: Arc<dyn Opener>) {
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
pub(super) fn internal_port() -> Result<u16, String> {
    std::net::TcpListener::bind((LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free internal port: {e}"))
}

/// Open a session unless asked to stop first. A session whose answer is already on its way when
/// the stop comes is waited for briefly and ended, so none is left open.
pub(super) async fn open_or_stop(
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

pub(super) async fn close_session(opener: &dyn Opener, session_id: &str) {
    if tokio::time::timeout(CLOSE_WAIT, opener.close(session_id)).await.is_err() {
        tracing::warn!(session_id, "port forward: ending the session took too long");
    }
}

/// The last lines the plugin printed (never its session: that is only in its environment).
#[derive(Clone, Default)]
pub(super) struct Tail {
    pub(super) lines: Arc<Mutex<VecDeque<String>>>,
    pub(super) listening: Arc<std::sync::atomic::AtomicBool>,
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

pub(super) enum Ready {
    Listening,
    Exited(std::process::ExitStatus),
    TimedOut,
    Stopped,
}

/// Run the plugin for one session until it exits or the forward stops; the session is ended
/// (TerminateSession) either way.
pub(super) async fn run_plugin(
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

pub(super) async fn end_session(shared: &Shared, opener: &dyn Opener, session_id: &str) {
    close_session(opener, session_id).await;
    shared.update(|s| s.session_id = None);
}

pub(super) async fn kill(child: &mut tokio::process::Child) {
    let _ = child.start_kill();
    let _ = tokio::time::timeout(Duration::from_secs(2), child.wait()).await;
}

/// Until the plugin listens on `port`: its "Waiting for connections" line, or (a plugin that
/// does not say so) a connection to the port after [`MARKER_WAIT`].
pub(super) async fn wait_listening(
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
