//! Typed intents. Keys map to these through the keymap; `update` only ever sees actions.

use serde::Deserialize;

/// `[keys]` names come from strum (snake_case of the variant), the same as serde reads them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, strum::EnumIter, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    Mouse,
    Apply,
    Rollback,
    Incident,
    Note,
    Logs,
    Tasks,
    Shell,
    Forward,
    Sizing,
    Prices,
}

impl Action {
    /// Every action, in declaration order (help lists them so).
    pub fn all() -> impl Iterator<Item = Action> {
        <Action as strum::IntoEnumIterator>::iter()
    }

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit infradeck",
            Action::Help => "show this help",
            Action::Command => "command mode (:ecs :redis :cost :alarms :theme :window :sort :q)",
            Action::Filter => "filter rows (substring or regex; ! inverts; acct:NAME ou:NAME with --org)",
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
            Action::Mouse => "mouse on/off (off: the terminal's own text selection)",
            Action::Apply => "plan the selected service's suggestion: review, then y to apply",
            Action::Rollback => {
                "plan a rollback of the last change applied to the selected service (:history lists them)"
            }
            Action::Incident => {
                "incident view: one timeline of alarms, deploys, stopped tasks, cache events, cost anomalies and \
                 changes (filter kind:deploy res:orders; enter: chart; A/D/E/B/L: firing, below desired, evicting, burning, sign-ins; \
                 x: unfold; :export)"
            }
            Action::Note => "add a timestamped note to the incident timeline",
            Action::Logs => "the selected service's logs (from the incident view: ±5 min around the event)",
            Action::Tasks => {
                "the selected service's tasks: running and stopped (why), enter: a task's containers, x: a shell, l: its logs"
            }
            Action::Shell => "a shell in the selected task's container (ECS Exec; on the demo fleet a simulated one)",
            Action::Sizing => {
                "switch the sizing profile and size again: safe (no more minutes over capacity than Compute \
                 Optimizer's rule) or balanced (no more than VPA's, for the dollars); :sizing safe|balanced"
            }
            Action::Prices => {
                "price suggestions at the account's effective Fargate rate (last month, Cost Explorer) or at list \
                 prices, and size again; :prices effective|list"
            }
            Action::Forward => {
                "forward a local port: in the tasks view to the selected task's container; on a Redis group through a \
                 service's task (:forwards lists them)"
            }
        }
    }
}

/// Where a list popup's cursor goes for `action` (`last`: the last row's index); None for keys
/// that do not move it.
pub fn list_cursor(action: Action, selected: usize, last: usize) -> Option<usize> {
    Some(match action {
        Action::Down => (selected + 1).min(last),
        Action::Up => selected.saturating_sub(1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return None,
    })
}
