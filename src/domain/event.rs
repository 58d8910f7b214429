//! What happened, when, to which resource: the entries of the incident timeline. Providers map
//! their sources (alarm history, deployments, service events, stopped tasks, ElastiCache events,
//! cost anomalies) into these; the app adds its own changes and the user's notes.

use super::ResourceRef;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum EventKind {
    /// An alarm changed state (DescribeAlarmHistory).
    Alarm,
    /// An ECS deployment started, completed or failed.
    Deploy,
    /// An ECS service event worth reading ("unable to place a task", "unhealthy").
    Service,
    /// A task stopped, with its reason (OOM, essential container exited, health check failed).
    Task,
    /// An ElastiCache event (failover, node replacement, modification).
    Cache,
    /// A Cost Explorer anomaly.
    Cost,
    /// A change applied from infradeck (the audit log).
    Change,
    /// A note the user typed (`n`).
    Note,
    /// A write to a resource in view, from CloudTrail: who, how, from where, what changed.
    Api,
    /// A console sign-in worth a look (CloudTrail ConsoleLogin): a burst of failures, root, no
    /// MFA, a new source or browser, an unusual hour.
    SignIn,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        EventKind::Alarm,
        EventKind::Deploy,
        EventKind::Service,
        EventKind::Task,
        EventKind::Cache,
        EventKind::Cost,
        EventKind::Change,
        EventKind::Note,
        EventKind::Api,
        EventKind::SignIn,
    ];

    /// The word shown in the timeline and typed in a filter (`kind:deploy`).
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Alarm => "alarm",
            EventKind::Deploy => "deploy",
            EventKind::Service => "service",
            EventKind::Task => "task",
            EventKind::Cache => "cache",
            EventKind::Cost => "cost",
            EventKind::Change => "change",
            EventKind::Note => "note",
            EventKind::Api => "api",
            EventKind::SignIn => "signin",
        }
    }

    /// A kind from the start of its label (`dep`, `task`); None if no kind or several match.
    pub fn parse(prefix: &str) -> Option<EventKind> {
        let p = prefix.to_ascii_lowercase();
        let mut found = EventKind::ALL.into_iter().filter(|k| k.label().starts_with(&p));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Changes are what an alarm is correlated with: something someone (or something) did.
    pub fn is_change(self) -> bool {
        matches!(self, EventKind::Deploy | EventKind::Change | EventKind::Cache | EventKind::Api)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Severity {
    Info,
    Warn,
    Critical,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    pub time: DateTime<Utc>,
    pub kind: EventKind,
    pub severity: Severity,
    pub resource: Option<ResourceRef>,
    /// One line, already free of secrets (sources never carry environment values).
    pub summary: String,
    /// Events with the same kind, resource and non-empty `fold` that follow each other are
    /// shown as one row ("×12 OutOfMemoryError"); empty: never folded.
    pub fold: String,
}

impl TimelineEvent {
    pub fn new(time: DateTime<Utc>, kind: EventKind, severity: Severity, resource: Option<ResourceRef>) -> Self {
        TimelineEvent { time, kind, severity, resource, summary: String::new(), fold: String::new() }
    }

    pub fn summary(mut self, text: impl Into<String>) -> Self {
        self.summary = text.into();
        self
    }

    pub fn fold(mut self, key: impl Into<String>) -> Self {
        self.fold = key.into();
        self
    }

    /// The ECS cluster this event belongs to, for "what changed nearby".
    pub fn cluster(&self) -> Option<&str> {
        match &self.resource {
            Some(ResourceRef::EcsService { cluster, .. }) => Some(cluster),
            _ => None,
        }
    }
}

/// A source the timeline could not read; the rest of the timeline still shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceProblem {
    pub source: &'static str,
    pub error: crate::common::error::ProviderError,
}

/// What a provider found between two instants: its events, oldest first, and the sources it
/// could not read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    pub events: Vec<TimelineEvent>,
    pub problems: Vec<SourceProblem>,
    /// CloudTrail writes to resources in view, annotated (before values, drift).
    pub api: Vec<super::trail::ApiChange>,
    /// Console sign-ins in the span, and in the days before it (what is usual for each user).
    pub signins: Vec<super::trail::SignIn>,
    pub signin_history: Vec<super::trail::SignIn>,
}

impl Timeline {
    /// Add one source's result: its events, or what went wrong reading it.
    pub fn add(
        &mut self,
        source: &'static str,
        result: Result<Vec<TimelineEvent>, crate::common::error::ProviderError>,
    ) {
        match result {
            Ok(events) => self.events.extend(events),
            Err(error) => self.problems.push(SourceProblem { source, error }),
        }
    }

    /// Oldest first; among events at the same second, by kind so the order is stable.
    pub fn sort(&mut self) {
        self.events.sort_by(|a, b| (a.time, a.kind, &a.summary).cmp(&(b.time, b.kind, &b.summary)));
    }
}
