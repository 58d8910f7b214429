//! The whole app state: plain data, owned by the UI loop, changed only by `update`.

use super::keymap::Keymap;
use super::table::{TableRow, TableView};
use crate::domain::{Alarm, CacheGroup, CostReport, EcsService, ResourceDetail, ResourceRef, Window};
use crate::provider::{ProviderError, SourceInfo};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

pub use super::pane_state::{AnyPane, FetchState, PaneState, ReqId, SizingState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Ecs,
    Redis,
    Cost,
    Alarms,
}

impl PaneId {
    /// Read row by row (each row's metrics when due), not whole.
    pub fn by_rows(self) -> bool {
        matches!(self, PaneId::Ecs | PaneId::Redis)
    }

    pub const ALL: [PaneId; 4] = [PaneId::Ecs, PaneId::Redis, PaneId::Cost, PaneId::Alarms];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Ecs => "ECS task sizing",
            PaneId::Redis => "Redis / ElastiCache",
            PaneId::Cost => "Cost trends",
            PaneId::Alarms => "CloudWatch alarms",
        }
    }

    pub fn command(self) -> &'static str {
        match self {
            PaneId::Ecs => "ecs",
            PaneId::Redis => "redis",
            PaneId::Cost => "cost",
            PaneId::Alarms => "alarms",
        }
    }

    pub fn index(self) -> usize {
        PaneId::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// Whether the metric window changes what this pane fetches.
    pub fn uses_window(self) -> bool {
        matches!(self, PaneId::Ecs | PaneId::Redis)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Command,
    Filter,
    /// A note for the incident timeline (`n`).
    Note,
    /// A CloudWatch Logs filter pattern for the logs view (`/` there): read on enter.
    LogPattern,
    /// `p` on a Redis group: the service whose task reaches it (`cluster/service [LOCAL]`).
    ForwardVia,
}

/// The footer line while typing a command or a filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
    /// The filter that was active before `/`, restored by `esc`.
    pub previous: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DetailState {
    pub resource: ResourceRef,
    pub window: Window,
    pub req: ReqId,
    pub data: Option<ResourceDetail>,
    pub error: Option<ProviderError>,
    /// An event drawn on the charts' time axis (a jump from the incident timeline).
    pub marker: Option<(DateTime<Utc>, String)>,
    /// Opened from the incident view: `esc` goes back there.
    pub from_incident: bool,
    /// When its data was last read: the open view is read again while someone is at the keys.
    pub fetched_at: Option<DateTime<Utc>>,
    /// All of the view's text, without charts (`enter`), scrolled this many lines; None draws
    /// the charts with as much text as fits beside them.
    pub text: Option<u16>,
}

/// The incident view (`i`): its timeline, filter, cursor and notes. Kept while the view is
/// closed, so opening it again is instant and the notes stay.
#[derive(Debug, Clone)]
pub struct IncidentState {
    /// The timeline covers the last this many hours (`w` steps through `incident::HOURS`).
    pub hours: u32,
    /// The request in flight, and the span it asked for.
    pub inflight: Option<(ReqId, DateTime<Utc>, DateTime<Utc>)>,
    /// The provider's events and the span they cover.
    pub timeline: Option<crate::domain::Timeline>,
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub error: Option<ProviderError>,
    pub next_due: Option<DateTime<Utc>>,
    /// What was typed after `/` (`kind:deploy res:orders oom`).
    pub filter: String,
    /// The row under the cursor; None follows the newest row (the bottom), like `tail -f`.
    pub selected: Option<usize>,
    /// Repeats folded into one row (`x` shows every event).
    pub folded: bool,
    pub notes: Vec<crate::incident::Note>,
    /// Where notes are kept (JSON lines, 0600); None: this session only.
    pub notes_path: Option<std::path::PathBuf>,
    /// Position in each header list (A, D, E step through them).
    pub cursors: [usize; 5],
    /// `:export` asked before the timeline had loaded: write it when it does.
    pub export_pending: bool,
    /// Bumped whenever `timeline` is replaced (the view cache's key).
    pub timeline_generation: u64,
    /// The view and header as last derived, built in `update` so frames only draw them.
    pub cache: Option<std::sync::Arc<super::incident_view::Cached>>,
    /// `:timeline TIME` (a review's figure): the span is centred on this moment instead of
    /// ending now, and the cursor lands on the first row at or after it once it loads.
    pub anchor: Option<DateTime<Utc>>,
    pub seek: Option<DateTime<Utc>>,
}

impl Default for IncidentState {
    fn default() -> Self {
        IncidentState {
            hours: crate::incident::DEFAULT_HOURS,
            inflight: None,
            timeline: None,
            span: None,
            error: None,
            next_due: None,
            filter: String::new(),
            selected: None,
            folded: true,
            notes: Vec::new(),
            notes_path: None,
            cursors: [0; 5],
            export_pending: false,
            timeline_generation: 0,
            anchor: None,
            seek: None,
            cache: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanPhase {
    /// Asking the provider for the live task definition and owner.
    Planning,
    /// Shown, waiting for `y`.
    Ready,
    /// Sent: waiting for the provider.
    Applying,
    Applied,
    /// Planning or applying failed; the error is shown.
    Failed,
}

/// A resize plan on screen (`a`).
#[derive(Debug, Clone)]
pub struct PlanState {
    pub req: ReqId,
    pub resource: ResourceRef,
    pub plan: Option<crate::apply::ResizePlan>,
    pub error: Option<ProviderError>,
    pub outcome: Option<crate::apply::ApplyOutcome>,
    pub phase: PlanPhase,
    /// A protected profile's confirmation: what has been typed of the name so far.
    pub typed: String,
    /// `e` was pressed: the next key picks the export format.
    pub exporting: bool,
    /// The change as code (`[iac] paths`): searched when the plan is ready.
    pub code: CodeState,
    /// First line of the diff shown (↑/↓, PgUp/PgDn).
    pub code_scroll: usize,
    /// After a resize: the service's last hour, fetched each minute, for p99 and 5xx since.
    pub since: Option<crate::domain::ResourceDetail>,
    pub since_req: Option<ReqId>,
    pub since_due: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where the plan popup is with the change as code.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum CodeState {
    /// No checkout configured (`[iac] paths`): the popup says how to add one.
    #[default]
    NoPaths,
    Searching,
    /// Found (and, after `c` or `g`, written or committed).
    Found(Box<crate::iac::change::CodeChange>),
    /// Nothing, several declarations, or every value computed: why, in words.
    NotFound(String),
    /// Writing or committing it failed: why (nothing was left half done).
    Failed(String),
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    /// `:suggest`: every suggestion ranked; `selected` indexes `suggest::ranked`.
    Suggest {
        selected: usize,
    },
    Detail(Box<DetailState>),
    Plan(Box<PlanState>),
    /// `:history`: the audit log, newest first; `selected` indexes that order.
    History {
        selected: usize,
    },
    /// `i`: the incident timeline (its state is `State::incident`).
    Incident,
    /// `:budget`: the API spend by source and the next read of each part.
    Budget,
    /// `:forwards`: the port forwards in the background; `selected` indexes `State::forwards`.
    Forwards {
        selected: usize,
    },
    /// `l`: a service's logs.
    Logs(Box<LogsState>),
    /// `t`: a service's tasks and their containers (a shell, logs of one task).
    Tasks(Box<TasksState>),
    /// From the tasks view: restart, desired count, stop a task, enable ECS Exec (a plan to confirm).
    Action(Box<ActionState>),
    /// `:review`: what kept happening over the last days (its state is `State::review`).
    Review,
    /// `:accounts` (under `--org`): each account's totals; `selected` indexes
    /// `State::source.accounts`.
    Accounts {
        selected: usize,
    },
}

/// `:review`: the span asked for, the review as last built and its lines, the line under the
/// cursor (always one with a link, when there is one).
#[derive(Debug, Clone)]
pub struct ReviewState {
    pub days: u32,
    pub inflight: Option<ReqId>,
    pub review: Option<std::sync::Arc<crate::review::Review>>,
    pub lines: std::sync::Arc<Vec<(String, Option<crate::review::Link>)>>,
    pub error: Option<ProviderError>,
    pub selected: usize,
}

impl Default for ReviewState {
    fn default() -> Self {
        ReviewState { days: 30, inflight: None, review: None, lines: Default::default(), error: None, selected: 0 }
    }
}

/// The tasks view (`t`): a service's tasks, the one under the cursor, its containers when open,
/// and a shell being asked for.
#[derive(Debug, Clone)]
pub struct TasksState {
    pub service: ResourceRef,
    pub req: ReqId,
    pub data: Option<crate::domain::ServiceTasks>,
    /// Whether the session-manager-plugin is there (read with the tasks).
    pub plugin: Option<crate::exec::preflight::PluginState>,
    pub error: Option<ProviderError>,
    /// Index over the running tasks, then the stopped ones.
    pub selected: usize,
    /// `enter`: the selected task's containers are listed; this one is under the cursor.
    pub container: Option<usize>,
    /// Why the last shell could not be opened (or how it ended), shown until the next key.
    pub refusal: Option<crate::exec::preflight::Refusal>,
    /// On a protected profile: the shell asked for, waiting for the service's name typed.
    pub confirm: Option<(crate::exec::ExecRequest, String)>,
    /// `p`: the forward being typed (`PORT` or `PORT:LOCAL`) for the selected container.
    pub forward: Option<String>,
    /// ecs:ExecuteCommand sent, the session not handed over yet.
    pub starting: bool,
    /// Opened from a detail view: `esc` goes back to it (as it was).
    pub from_detail: Option<Box<DetailState>>,
}

/// Where a service action is: asking for its value, planned, sent.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionPhase {
    /// Typing the value it needs: the desired count, or a stopped task's reason.
    Asking {
        prompt: String,
        typed: String,
    },
    Planning,
    Ready,
    Applying,
    Applied,
    Failed,
}

/// A service action (restart, desired count, stop a task, enable exec) from the tasks view.
#[derive(Debug, Clone)]
pub struct ActionState {
    pub service: ResourceRef,
    /// The action asked for (its value filled in once typed).
    pub action: crate::apply::action::ServiceAction,
    pub phase: ActionPhase,
    pub req: ReqId,
    pub plan: Option<crate::apply::action::ActionPlan>,
    pub error: Option<ProviderError>,
    /// The service's name as typed, on a protected profile.
    pub typed: String,
    /// The tasks view it came from, shown again when it closes.
    pub back: Option<Box<TasksState>>,
}

/// The logs view (`l`): what was asked, what came back, and how it is shown.
#[derive(Debug, Clone)]
pub struct LogsState {
    pub query: crate::domain::logs::LogQuery,
    pub req: ReqId,
    pub page: Option<crate::domain::logs::LogPage>,
    pub error: Option<ProviderError>,
    /// `f`: poll for lines after the last one while the view is open.
    pub follow: bool,
    pub next_poll: Option<DateTime<Utc>>,
    /// A follow poll in flight (its lines are appended, not a new page).
    pub polling: Option<ReqId>,
    /// `w`: long lines wrap instead of being cut at the edge.
    pub wrap: bool,
    /// `t`: the time column shown.
    pub timestamps: bool,
    /// The line under the cursor; None follows the newest.
    pub selected: Option<usize>,
    /// Why the view was opened: the timeline event (a stopped task and its reason).
    pub context: Option<String>,
    /// Opened from the incident view: `esc` goes back there.
    pub from_incident: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone)]
pub struct State {
    pub source: SourceInfo,
    /// AWS requests sent this session and what they cost the user (USD); None for the demo.
    pub api_spend: Option<crate::provider::meter::Spend>,
    pub keymap: Keymap,
    pub themes: Vec<String>,
    pub theme: usize,
    pub focus: PaneId,
    /// The focused pane fills the screen even when all four would fit.
    /// Mouse capture is on: clicks focus and select, the wheel scrolls (`M` toggles).
    /// `[security]`: when a console sign-in is flagged in the incident view.
    pub security: crate::incident::signins::Thresholds,
    pub mouse: bool,
    pub zoom: bool,
    pub window: Window,
    /// Days shown in the cost chart: 30 or 90.
    pub cost_days: usize,
    pub ecs: PaneState<std::sync::Arc<Vec<EcsService>>>,
    pub redis: PaneState<Vec<CacheGroup>>,
    pub cost: PaneState<CostReport>,
    pub alarms: PaneState<Vec<Alarm>>,
    pub sizing: SizingState,
    pub overlay: Option<Overlay>,
    pub input: Option<Input>,
    pub status: Option<(Level, String)>,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub next_req: ReqId,
    pub quit: bool,
    /// Something on screen changed since the last frame.
    pub dirty: bool,
    /// Where applies are recorded (JSONL, 0600); None: not recorded (and said so).
    pub audit_log: Option<std::path::PathBuf>,
    /// The audit log's entries, oldest first: read at start, appended on each apply.
    pub history: Vec<crate::apply::AuditEntry>,
    /// When each resource was last changed from here this session, in the provider's time (the
    /// demo's clock is not the wall clock the audit log keeps): the "since the change" figures.
    pub changed_at: HashMap<String, chrono::DateTime<chrono::Utc>>,
    /// Where exported plans are written (the directory infradeck was started in).
    pub export_dir: std::path::PathBuf,
    /// Checkouts of the code that owns the fleet (`[iac] paths`), for plans as code changes.
    pub iac_paths: Vec<std::path::PathBuf>,
    /// The command a shell runs, per service (`[exec]`).
    pub exec_commands: crate::exec::Commands,
    /// `p` on a Redis group: the group a forward is being asked for.
    pub forward_group: Option<String>,
    /// The service the last Redis forward went through (offered again).
    pub forward_via: Option<String>,
    /// The port forwards running in the background, as last reported (state, bytes).
    pub forwards: Vec<crate::exec::forward::ForwardStatus>,
    /// The index of handovers written (JSON lines beside the audit log), for reviews; None:
    /// not kept (no data directory, tests).
    pub handovers_path: Option<std::path::PathBuf>,
    /// The handovers written so far (the index's records), for `:review`.
    pub handovers: Vec<crate::domain::HandoverRecord>,
    pub review: ReviewState,
    /// Exports also go to the terminal's clipboard (OSC 52); off where there is no terminal.
    pub clipboard: bool,
    pub incident: IncidentState,
    /// Who notes are signed by ($USER).
    pub author: String,
    /// What AWS charges may be spent a day, and what is left now.
    pub budget: super::budget::Budget,
    /// The last key pressed and whether the terminal has focus: someone at the keys is shown
    /// fresh data; nobody is charged for it.
    pub activity: Activity,
}

/// Refresh intervals per pane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intervals {
    pub ecs: Duration,
    pub redis: Duration,
    pub cost: Duration,
    pub alarms: Duration,
    pub sizing: Duration,
}

impl Default for Intervals {
    /// What is on screen while someone is at the keys: each minute (CloudWatch's AWS/ECS and
    /// AWS/ElastiCache metrics are published each minute); the rest follows more slowly
    /// (`app::schedule`). Cost Explorer hourly; sizing when an hour of history has closed.
    fn default() -> Self {
        Intervals {
            ecs: Duration::seconds(60),
            redis: Duration::seconds(60),
            cost: Duration::hours(1),
            alarms: Duration::seconds(60),
            sizing: Duration::hours(1),
        }
    }
}

impl State {
    pub fn new(
        source: SourceInfo,
        keymap: Keymap,
        themes: Vec<String>,
        theme: usize,
        intervals: Intervals,
        now: DateTime<Utc>,
    ) -> Self {
        State {
            source,
            api_spend: None,
            keymap,
            themes,
            theme,
            focus: PaneId::Ecs,
            mouse: true,
            security: Default::default(),
            zoom: false,
            window: Window::default(),
            cost_days: 30,
            ecs: PaneState::new(intervals.ecs),
            redis: PaneState::new(intervals.redis),
            cost: PaneState::new(intervals.cost),
            alarms: PaneState::new(intervals.alarms),
            sizing: SizingState {
                recs: HashMap::new(),
                cache_recs: HashMap::new(),
                catalogue: None,
                policies: Default::default(),
                objectives: Default::default(),
                fetch: FetchState::new(intervals.sizing),
            },
            overlay: None,
            input: None,
            status: None,
            now,
            size: (80, 24),
            next_req: 1,
            quit: false,
            dirty: true,
            audit_log: None,
            history: Vec::new(),
            changed_at: HashMap::new(),
            export_dir: std::path::PathBuf::from("."),
            iac_paths: Vec::new(),
            exec_commands: Default::default(),
            forwards: Vec::new(),
            forward_group: None,
            forward_via: None,
            handovers_path: None,
            handovers: Vec::new(),
            review: ReviewState::default(),
            clipboard: false,
            incident: IncidentState::default(),
            author: "you".into(),
            budget: super::budget::Budget::new(super::budget::DEFAULT_USD_PER_DAY),
            activity: Activity { last_input: now, focused: true },
        }
    }

    pub fn theme_name(&self) -> &str {
        self.themes.get(self.theme).map_or("default", |s| s.as_str())
    }

    /// A pane, whatever its data type, for what every pane shares.
    pub fn pane(&self, pane: PaneId) -> &dyn AnyPane {
        match pane {
            PaneId::Ecs => &self.ecs,
            PaneId::Redis => &self.redis,
            PaneId::Cost => &self.cost,
            PaneId::Alarms => &self.alarms,
        }
    }

    pub fn pane_mut(&mut self, pane: PaneId) -> &mut dyn AnyPane {
        match pane {
            PaneId::Ecs => &mut self.ecs,
            PaneId::Redis => &mut self.redis,
            PaneId::Cost => &mut self.cost,
            PaneId::Alarms => &mut self.alarms,
        }
    }

    pub fn view(&self, pane: PaneId) -> &TableView {
        self.pane(pane).parts().1
    }

    pub fn view_mut(&mut self, pane: PaneId) -> &mut TableView {
        self.pane_mut(pane).parts_mut().1
    }

    pub fn fetch(&self, pane: PaneId) -> &FetchState {
        self.pane(pane).parts().0
    }

    pub fn fetch_mut(&mut self, pane: PaneId) -> &mut FetchState {
        self.pane_mut(pane).parts_mut().0
    }

    pub fn rebuild_view(&mut self, pane: PaneId) {
        self.pane_mut(pane).rebuild_view();
    }

    /// Rows listed (after the filter) and rows loaded.
    pub fn row_counts(&self, pane: PaneId) -> (usize, usize) {
        let p = self.pane(pane);
        (p.parts().1.rows.len(), p.total_rows())
    }

    /// Whether a pane has data at all (a failed first load has none).
    pub fn has_data(&self, pane: PaneId) -> bool {
        self.pane(pane).has_data()
    }

    /// When `key` (`cluster/service`, a group id) was last changed: this session's applies, else
    /// the audit log's when the source runs on the wall clock (AWS).
    pub fn last_change(&self, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        self.changed_at.get(key).copied().or_else(|| {
            let entry = self.history.iter().rev().find(|e| e.result.is_applied() && e.resource_name() == key)?;
            self.source.switchable.then_some(entry.time)
        })
    }

    pub fn sort_columns(pane: PaneId) -> &'static [&'static str] {
        match pane {
            PaneId::Ecs => EcsService::SORT_COLUMNS,
            PaneId::Redis => CacheGroup::SORT_COLUMNS,
            PaneId::Cost => crate::domain::ServiceCost::SORT_COLUMNS,
            PaneId::Alarms => Alarm::SORT_COLUMNS,
        }
    }

    /// The resource under the cursor in the focused pane.
    pub fn selected_resource(&self) -> Option<ResourceRef> {
        match self.focus {
            PaneId::Ecs => self
                .ecs
                .selected()
                .map(|s| ResourceRef::EcsService { cluster: s.cluster.clone(), service: s.name.clone() }),
            PaneId::Redis => self.redis.selected().map(|g| ResourceRef::CacheGroup(g.id.clone())),
            PaneId::Cost => self.cost.selected().map(|s| ResourceRef::CostService(s.service.clone())),
            PaneId::Alarms => self.alarms.selected().map(|a| ResourceRef::Alarm(a.name.clone())),
        }
    }
}

/// The last key and the terminal's focus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Activity {
    pub last_input: DateTime<Utc>,
    pub focused: bool,
}
