//! The app's state machine: state, messages, the pure `update`, keymap and commands.

pub mod accounts;
pub mod action;
pub mod apply;
pub mod backoff;
pub mod budget;
pub mod buttons;
pub mod code_change;
pub mod command;
pub mod detail_view;
pub mod fetch;
pub mod incident;
pub mod incident_view;
pub mod keymap;
pub mod layout;
pub mod loaded;
pub mod logs;
pub mod mouse;
pub mod msg;
mod overlay_keys;
mod pane_state;
pub mod review;
pub mod schedule;
pub mod service_action;
pub mod state;
pub mod suggest;
pub mod table;
pub mod tasks;
pub mod update;

pub use action::Action;
pub use keymap::{KeyChord, Keymap};
pub use msg::{Effect, Msg, Payload};
pub use state::{Intervals, PaneId, State};
pub use update::update;
