//! The log file: one setup for the app and for the tools that run it headless
//! (`examples/leave_open.rs` counts its lines over a simulated week).

use std::path::{Path, PathBuf};

/// Log targets (prefixes: `aws_` is every SDK crate) whose verbose output could hold secrets.
const SDK_LOG_TARGETS: [&str; 4] = ["aws_", "hyper", "h2", "rustls"];

/// Where the log goes unless `--log-file` says: `infradeck.log` in the data directory.
pub fn default_path() -> Option<PathBuf> {
    super::paths::data_dir().map(|d| d.join("infradeck.log"))
}

/// Log to `path` (appended; `INFRADECK_LOG` filters, default `info`) from a background writer:
/// keep the guard for as long as the process logs (dropping it flushes). None when the file
/// cannot be opened: the app runs without a log rather than not at all.
pub fn init(path: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("INFRADECK_LOG").unwrap_or_else(|_| "info".into());
    // Whatever INFRADECK_LOG asks for, the AWS SDK and HTTP stack stay at warn: their debug
    // output carries signed request headers, credential provider details and response bodies.
    for quiet in SDK_LOG_TARGETS {
        if let Ok(directive) = format!("{quiet}=warn").parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt().with_writer(writer).with_ansi(false).with_env_filter(filter).init();
    Some(guard)
}
