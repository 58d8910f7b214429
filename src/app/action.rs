//! Typed intents. Keys map to these through the keymap; `update` only ever sees actions.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Command,
    Filter,
    NextPane,
    PrevPane,
    PaneEcs,
    PaneRedis,
    PaneCost,
    PaneAlarms,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Sort,
    SortReverse,
    Refresh,
    Back,
    Open,
    Window,
    Zoom,
    Apply,
    Rollback,
    Incident,
    Note,
}

impl Action {
    pub const ALL: [Action; 27] = [
        Action::Quit,
        Action::Help,
        Action::Command,
        Action::Filter,
        Action::NextPane,
        Action::PrevPane,
        Action::PaneEcs,
        Action::PaneRedis,
        Action::PaneCost,
        Action::PaneAlarms,
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::PageUp,
        Action::PageDown,
        Action::Sort,
        Action::SortReverse,
        Action::Refresh,
        Action::Back,
        Action::Open,
        Action::Window,
        Action::Zoom,
        Action::Apply,
        Action::Rollback,
        Action::Incident,
        Action::Note,
    ];

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Command => "command",
            Action::Filter => "filter",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::PaneEcs => "pane_ecs",
            Action::PaneRedis => "pane_redis",
            Action::PaneCost => "pane_cost",
            Action::PaneAlarms => "pane_alarms",
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Sort => "sort",
            Action::SortReverse => "sort_reverse",
            Action::Refresh => "refresh",
            Action::Back => "back",
            Action::Open => "open",
            Action::Window => "window",
            Action::Zoom => "zoom",
            Action::Apply => "apply",
            Action::Rollback => "rollback",
            Action::Incident => "incident",
            Action::Note => "note",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit infradeck",
            Action::Help => "show this help",
            Action::Command => "command mode (:ecs :redis :cost :alarms :theme :window :sort :q)",
            Action::Filter => "filter rows (substring or regex; start with ! to invert)",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::PaneEcs => "ECS task sizing pane",
            Action::PaneRedis => "Redis / ElastiCache pane",
            Action::PaneCost => "cost trends pane",
            Action::PaneAlarms => "CloudWatch alarms pane",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Sort => "sort by the next column",
            Action::SortReverse => "reverse the sort order",
            Action::Refresh => "refresh the focused pane now",
            Action::Back => "close popup / clear filter",
            Action::Open => "open the selected resource's detail view",
            Action::Window => "switch window (1h / 24h / 14d; cost: 30 / 90 days)",
            Action::Zoom => "focused pane fills the screen / back to all four",
            Action::Apply => "plan the selected service's suggestion: review, then y to apply",
            Action::Rollback => {
                "plan a rollback of the last change applied to the selected service (:history lists them)"
            }
            Action::Incident => {
                "incident view: one timeline of alarms, deploys, stopped tasks, cache events, cost anomalies and \
                 changes (filter kind:deploy res:orders; enter: chart; A/D/E: firing, below desired, evicting; \
                 x: unfold; :export)"
            }
            Action::Note => "add a timestamped note to the incident timeline",
        }
    }
}
