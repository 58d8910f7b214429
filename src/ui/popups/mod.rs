//! Views drawn over the panes: help and the resource detail.

pub mod detail;
pub mod help;
