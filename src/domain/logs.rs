//! What a service logged: where its task definition sends each container's logs, and the lines
//! a query found. Lines are masked (`common::mask`) before they are stored, so no view, file or
//! handover ever holds a credential a line carried.

use super::ResourceRef;
use chrono::{DateTime, Utc};

/// Where one container's logs go, from its task definition's `logConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogRoute {
    /// The awslogs driver: CloudWatch Logs, readable here. Streams are named
    /// `prefix/container/task-id` when a prefix is set (Fargate requires one).
    CloudWatch { container: String, group: String, stream_prefix: Option<String>, region: Option<String> },
    /// FireLens (`awsfirelens`), splunk, a file…: somewhere infradeck cannot read.
    Elsewhere { container: String, driver: String },
    /// No log configuration at all: the container's output is lost.
    Nowhere { container: String },
    /// awslogs to a group that does not exist (never written to, or deleted).
    Missing { container: String, group: String },
}

impl LogRoute {
    /// "orders → /ecs/orders (orders/orders/…)", "envoy → awsfirelens: not readable here".
    pub fn describe(&self) -> String {
        match self {
            LogRoute::CloudWatch { container, group, stream_prefix, .. } => match stream_prefix {
                Some(p) => format!("{container} → {group} (streams {p}/{container}/…)"),
                None => format!("{container} → {group}"),
            },
            LogRoute::Elsewhere { container, driver } if driver == "awsfirelens" => {
                format!("{container} → FireLens (routed by its sidecar, elsewhere: not readable here)")
            }
            LogRoute::Elsewhere { container, driver } => format!("{container} → {driver}: not readable here"),
            LogRoute::Nowhere { container } => format!("{container}: no log configuration, its output is lost"),
            LogRoute::Missing { container, group } => {
                format!("{container} → {group}: no such log group (nothing logged yet, or deleted)")
            }
        }
    }
}

/// What to read: one service's logs in [from, to], optionally one task's, matching a pattern
/// (CloudWatch Logs filter syntax; empty: everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    pub service: ResourceRef,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub pattern: String,
    /// A task id: only its streams (a stopped task's last lines).
    pub task: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub time: DateTime<Utc>,
    /// The stream, short: "orders/3f2a…" (container and task).
    pub stream: String,
    /// Masked, and cut at [`MAX_LINE`] characters.
    pub message: String,
}

/// Longer lines are cut (a stack trace on one line, a JSON blob): the view stays readable.
pub const MAX_LINE: usize = 2_000;

impl LogLine {
    /// A line as stored: masked and cut.
    pub fn new(time: DateTime<Utc>, stream: impl Into<String>, message: &str) -> LogLine {
        // A tab has no width of its own on a terminal: a stack trace's "\tat …" is indented.
        let untabbed = message.trim_end().replace('\t', "    ");
        let masked = crate::common::mask::secrets(&untabbed);
        let message = match masked.char_indices().nth(MAX_LINE) {
            Some((at, _)) => format!("{}… (cut)", &masked[..at]),
            None => masked.into_owned(),
        };
        LogLine { time, stream: stream.into(), message }
    }

    /// An error worth jumping to (`e`).
    pub fn is_error(&self) -> bool {
        let m = self.message.as_str();
        ["ERROR", "Error", "error:", "FATAL", "panic", "Exception", "exception", "Traceback", "OutOfMemory"]
            .iter()
            .any(|w| m.contains(w))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogPage {
    pub routes: Vec<LogRoute>,
    /// Oldest first.
    pub lines: Vec<LogLine>,
    /// More lines matched than were read (the view says so).
    pub more: bool,
}
