//! Applying a right-sizing: the plan the user confirms, and the audit log of what was done.
//! Plans are plain data built before anything is written; providers carry them out.

pub mod action;
pub mod audit;
pub mod export;
pub mod plan;

pub use audit::{AuditEntry, AuditLog, JsonLog, Outcome};
pub use plan::{ApplyOutcome, CacheResizeRequest, ContainerChange, ResizePlan, ResizeRequest};
