//! infradeck: a terminal console for ECS task sizing, ElastiCache utilization, cost trends and
//! CloudWatch alarms. `main.rs` is thin; everything here is testable without a terminal.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod app;
pub mod apply;
pub mod cli;
pub mod common;
pub mod config;
pub mod domain;
pub mod exec;
#[cfg(any(test, feature = "harness"))]
#[doc(hidden)]
pub mod harness;
pub mod iac;
pub mod incident;
pub mod provider;
pub mod report;
pub mod review;
pub mod runtime;
pub mod sizing;
pub mod slo;
pub mod terminal;
pub mod ui;
