//! Everything that crosses into the UI loop (Msg) and out of it (Effect).

use super::keymap::KeyChord;
use super::state::{PaneId, ReqId};
use crate::domain::{Alarm, CacheGroup, CostReport, DetailData, EcsService, ResourceRef, Window};
use crate::provider::{ProviderError, SourceInfo};
use crate::sizing::recommend::EcsRecommendation;
use chrono::{DateTime, Utc};

/// A provider's answer for one pane.
#[derive(Debug, Clone)]
pub enum Payload {
    Ecs(Result<std::sync::Arc<Vec<EcsService>>, ProviderError>),
    /// The groups, and the node types (priced where they run) they are sized among.
    Redis(Result<Vec<CacheGroup>, ProviderError>, std::sync::Arc<crate::sizing::catalog::NodeCatalogue>),
    Cost(Result<CostReport, ProviderError>),
    Alarms(Result<Vec<Alarm>, ProviderError>),
}

impl Effect {
    /// Asked for by the user (a first load, `r`, a new window, a detail view): what it costs is
    /// shown, but not taken from the budget, which paces the refreshes no one asked for.
    pub fn asked(&self) -> bool {
        match self {
            Effect::Fetch { scope, .. } => scope.is_everything(),
            Effect::FetchDetail { .. }
            | Effect::FetchTasks { .. }
            | Effect::PlanAction { .. }
            | Effect::ApplyAction { .. }
            | Effect::Plan { .. }
            | Effect::PlanCache { .. }
            | Effect::Apply { .. } => true,
            _ => false,
        }
    }
}

impl Payload {
    /// The failed answer for `pane`.
    pub fn failed(pane: PaneId, e: ProviderError) -> Payload {
        match pane {
            PaneId::Ecs => Payload::Ecs(Err(e)),
            PaneId::Redis => Payload::Redis(Err(e), Default::default()),
            PaneId::Cost => Payload::Cost(Err(e)),
            PaneId::Alarms => Payload::Alarms(Err(e)),
        }
    }

    pub fn pane(&self) -> PaneId {
        match self {
            Payload::Ecs(_) => PaneId::Ecs,
            Payload::Redis(..) => PaneId::Redis,
            Payload::Cost(_) => PaneId::Cost,
            Payload::Alarms(_) => PaneId::Alarms,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyChord),
    Resize(u16, u16),
    /// The clock moved: refreshes may be due and ages change.
    Tick(DateTime<Utc>),
    Loaded {
        req: ReqId,
        payload: Payload,
        /// The data came, but some targets (profiles/regions) failed: their rows are their last
        /// good ones. Marks the pane stale with this error while the rest stays current.
        degraded: Option<ProviderError>,
    },
    DetailLoaded {
        req: ReqId,
        result: Result<DetailData, ProviderError>,
    },
    LogsLoaded {
        req: ReqId,
        result: Result<crate::domain::logs::LogPage, ProviderError>,
    },
    SizingLoaded {
        req: ReqId,
        result: Result<Vec<EcsRecommendation>, ProviderError>,
    },
    /// SIGTERM, SIGHUP, SIGINT.
    Quit,
    /// Part of an ECS answer still being fetched (the first clusters of a large estate).
    EcsPartial {
        req: ReqId,
        rows: Vec<EcsService>,
    },
    /// `:profile` / `:region` connected: the panes start over on the new source.
    SourceChanged(SourceInfo),
    /// The terminal gained (true) or lost focus: nobody watching is charged less.
    Focus(bool),
    /// A click or the wheel (when mouse capture is on).
    Mouse(Mouse),
    /// Mouse capture switched on or off (`M`), or why it could not be.
    MouseCapture(Result<bool, String>),
    /// The same source, with what it has learnt since (the account once STS answers).
    SourceUpdated(SourceInfo),
    /// `:profile` / `:region` could not connect; the old source stays.
    ReconnectFailed(ProviderError),
    /// A resize plan, checked against the live service (or why not).
    Planned {
        req: ReqId,
        result: Result<crate::apply::ResizePlan, ProviderError>,
    },
    /// The change as code for plan `req`: found (and written or committed, as asked), or why
    /// not; `audit` is how recording a written change went.
    CodeChanged {
        req: ReqId,
        result: Result<crate::iac::change::CodeChange, String>,
        audit: Option<Result<crate::apply::AuditEntry, String>>,
    },
    /// A confirmed plan was carried out (or refused); `audit_error` if it could not be logged.
    Applied {
        result: Result<crate::apply::ApplyOutcome, ProviderError>,
        /// What was appended to the audit log, or why nothing could be.
        audit: Result<crate::apply::AuditEntry, String>,
    },
    /// An export was written (its path), or why not.
    Exported(Result<std::path::PathBuf, String>),
    /// The incident timeline for the span asked for (or why not).
    TimelineLoaded {
        req: ReqId,
        result: Result<crate::domain::Timeline, ProviderError>,
    },
    /// A review's history (or why not), and what reading it cost.
    HistoryLoaded {
        req: ReqId,
        result: Result<crate::domain::History, ProviderError>,
        spent: Option<String>,
    },
    /// A note was saved (or why not: it stays on screen either way).
    NoteSaved(Result<(), String>),
    /// A service's tasks for the tasks view (or why not), and whether the plugin is there.
    TasksLoaded {
        req: ReqId,
        result: Result<crate::domain::ServiceTasks, ProviderError>,
        plugin: crate::exec::preflight::PluginState,
    },
    /// AWS opened the session (the terminal is handed over next), or refused it; `audit` is how
    /// recording a refused one went.
    ExecReady {
        request: crate::exec::ExecRequest,
        result: Result<crate::exec::Handoff, ProviderError>,
        audit: Option<Result<crate::apply::AuditEntry, String>>,
    },
    /// A port forward started (its id), or why not.
    ForwardStarted(Result<u32, String>),
    /// The forwards as they stand (sent each second while there are any).
    Forwards(Vec<crate::exec::forward::ForwardStatus>),
    /// The shell ended and the terminal is infradeck's again.
    ExecEnded {
        ended: crate::exec::Ended,
        audit: Result<crate::apply::AuditEntry, String>,
    },
    /// A service action checked against the live service (or why not).
    ActionPlanned {
        req: ReqId,
        result: Result<crate::apply::action::ActionPlan, ProviderError>,
    },
    /// A confirmed action was sent (the requests) or refused; how recording it went.
    ActionApplied {
        result: Result<Vec<String>, ProviderError>,
        audit: Result<crate::apply::AuditEntry, String>,
    },
    /// The provider's running tally of requests and their cost, after each fetch. `asked`: the
    /// fetch was one the user asked for (a first load, `r`, a new window, a detail view), which
    /// the budget does not pace.
    ApiSpend {
        spend: crate::provider::meter::Spend,
        asked: bool,
    },
}

/// What the pointer did, and where (terminal cells, 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub pointer: Pointer,
    pub column: u16,
    pub row: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointer {
    /// The left button went down.
    Click,
    WheelUp,
    WheelDown,
}

/// Work `update` asks the driver to do; results come back as `Msg`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Fetch {
        pane: PaneId,
        req: ReqId,
        window: Window,
        /// The user asked for it: skip provider caches.
        fresh: bool,
        /// What of the pane is read (see `app::schedule`).
        scope: crate::provider::Scope,
    },
    FetchDetail {
        req: ReqId,
        resource: ResourceRef,
        window: Window,
    },
    /// Connect to other AWS profiles/regions (None keeps the current ones) and switch to them.
    Reconnect {
        profiles: Option<Vec<String>>,
        regions: Option<Vec<String>>,
    },
    /// Read the live service and say what a resize would send. Reads only.
    Plan {
        req: ReqId,
        request: Box<crate::apply::ResizeRequest>,
    },
    /// Plan an ElastiCache node type change. Reads only.
    PlanCache {
        req: ReqId,
        request: Box<crate::apply::CacheResizeRequest>,
    },
    /// Find the code that owns a plan's resource under `roots` and deliver the change (print:
    /// show it; write; commit on a branch), recording a written change in `audit`.
    CodeChange {
        req: ReqId,
        plan: Box<crate::apply::ResizePlan>,
        roots: Vec<std::path::PathBuf>,
        deliver: crate::iac::change::Deliver,
        audit: Option<std::path::PathBuf>,
    },
    /// Carry out a plan the user confirmed, then append it to the audit log.
    Apply {
        plan: Box<crate::apply::ResizePlan>,
        audit: Option<std::path::PathBuf>,
    },
    /// Switch the terminal's mouse capture on or off.
    MouseCapture(bool),
    /// Write a plan's export to `path`, and to the clipboard (OSC 52) when `clipboard`.
    Export {
        text: String,
        path: std::path::PathBuf,
        clipboard: bool,
        /// An incident handover: once written, its record goes to this index (a review lists it).
        handover: Option<(std::path::PathBuf, crate::domain::HandoverRecord)>,
    },
    /// Read a service's logs (the logs view, `l`).
    FetchLogs {
        req: ReqId,
        query: crate::domain::logs::LogQuery,
    },
    /// Read what happened between `from` and `to` for the incident timeline.
    FetchTimeline {
        req: ReqId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Read the history a review looks back over.
    FetchHistory {
        req: ReqId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Append a note to the notes file.
    AppendNote {
        path: std::path::PathBuf,
        note: crate::incident::Note,
    },
    /// Read a service's tasks (the tasks view).
    FetchTasks {
        req: ReqId,
        service: ResourceRef,
    },
    /// Open a shell session (ecs:ExecuteCommand); a refusal goes to the audit log.
    StartExec {
        request: crate::exec::ExecRequest,
        audit: Option<std::path::PathBuf>,
    },
    /// Hand the terminal to the session (the plugin or the demo's shell) until it ends, then
    /// take it back; the driver does this itself (it owns the terminal).
    HandOver {
        request: crate::exec::ExecRequest,
        handoff: crate::exec::Handoff,
        audit: Option<std::path::PathBuf>,
    },
    /// Start a port forward in the background (the local port is bound at once).
    StartForward {
        spec: Box<crate::exec::forward::ForwardSpec>,
        audit: Option<std::path::PathBuf>,
    },
    /// Work out the forward asked for (the task, the group's endpoint), then start it.
    Forward {
        ask: Box<crate::provider::hands::ForwardAsk>,
        audit: Option<std::path::PathBuf>,
    },
    /// Stop a forward and end its session.
    StopForward {
        id: u32,
    },
    /// Plan a service action against the live service. Reads only.
    PlanAction {
        req: ReqId,
        service: ResourceRef,
        action: crate::apply::action::ServiceAction,
    },
    /// Send a confirmed action plan, then append it to the audit log.
    ApplyAction {
        plan: Box<crate::apply::action::ActionPlan>,
        audit: Option<std::path::PathBuf>,
    },
    /// Fetch usage history and size these services (the ECS pane's current rows).
    Size {
        req: ReqId,
        services: std::sync::Arc<Vec<EcsService>>,
        policies: crate::sizing::policy::Policies,
        objectives: crate::slo::policy::Objectives,
    },
}

impl Effect {
    /// The message that reports this effect as failed, so the pane never waits forever.
    pub fn failed(&self, e: ProviderError) -> Msg {
        match self {
            Effect::Fetch { pane, req, .. } => {
                Msg::Loaded { req: *req, payload: Payload::failed(*pane, e), degraded: None }
            }
            Effect::FetchDetail { req, .. } => Msg::DetailLoaded { req: *req, result: Err(e) },
            Effect::Size { req, .. } => Msg::SizingLoaded { req: *req, result: Err(e) },
            Effect::Reconnect { .. } => Msg::ReconnectFailed(e),
            Effect::Export { .. } => Msg::Exported(Err(e.to_string())),
            Effect::MouseCapture(_) => Msg::MouseCapture(Err(e.to_string())),
            Effect::PlanCache { req, .. } => Msg::Planned { req: *req, result: Err(e) },
            Effect::Plan { req, .. } => Msg::Planned { req: *req, result: Err(e) },
            Effect::FetchTimeline { req, .. } => Msg::TimelineLoaded { req: *req, result: Err(e) },
            Effect::FetchLogs { req, .. } => Msg::LogsLoaded { req: *req, result: Err(e) },
            Effect::FetchHistory { req, .. } => Msg::HistoryLoaded { req: *req, result: Err(e), spent: None },
            Effect::AppendNote { .. } => Msg::NoteSaved(Err(e.to_string())),
            Effect::Apply { .. } => Msg::Applied { result: Err(e), audit: Err("the apply did not run".into()) },
            Effect::PlanAction { req, .. } => Msg::ActionPlanned { req: *req, result: Err(e) },
            Effect::StartForward { .. } | Effect::Forward { .. } => Msg::ForwardStarted(Err(e.to_string())),
            Effect::StopForward { .. } => Msg::Forwards(Vec::new()),
            Effect::ApplyAction { .. } => {
                Msg::ActionApplied { result: Err(e), audit: Err("the action did not run".into()) }
            }
            Effect::FetchTasks { req, .. } => {
                Msg::TasksLoaded { req: *req, result: Err(e), plugin: crate::exec::preflight::PluginState::Missing }
            }
            Effect::StartExec { request, .. } => {
                Msg::ExecReady { request: request.clone(), result: Err(e), audit: None }
            }
            Effect::HandOver { request, handoff, .. } => Msg::ExecEnded {
                ended: crate::exec::Ended {
                    request: request.clone(),
                    session_id: handoff.session_id().to_string(),
                    exit: None,
                    seconds: 0,
                    error: Some(e.to_string()),
                },
                audit: Err("the session did not run".into()),
            },
            Effect::CodeChange { req, .. } => Msg::CodeChanged { req: *req, result: Err(e.to_string()), audit: None },
        }
    }
}
