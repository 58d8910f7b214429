//! Views drawn over the panes: help, the resource detail and the ranked suggestions.

pub mod detail;
pub mod help;
pub mod history;
pub mod plan;
pub mod suggest;
