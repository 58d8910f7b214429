//! What the incident view shows, derived from the state and kept in it until what it was derived
//! from changes (`app::incident` derives it; the state only stores it).

use crate::domain::TimelineEvent;
use crate::incident::fold::Row;
use crate::incident::header::Header;
use chrono::{DateTime, Utc};

/// What the view shows, derived from the state: the assembled timeline, the events the filter
/// keeps and the rows they fold into.
#[derive(Debug)]
pub struct View {
    pub events: Vec<TimelineEvent>,
    /// Indices into `events` that pass the filter.
    pub shown: Vec<usize>,
    /// Rows over `shown` (indices into `shown`).
    pub rows: Vec<Row>,
    pub filter_error: Option<String>,
}

impl View {
    pub fn event(&self, row: &Row) -> &TimelineEvent {
        &self.events[self.shown[row.first]]
    }

    pub fn last_event(&self, row: &Row) -> &TimelineEvent {
        &self.events[self.shown[row.last]]
    }
}

/// The derived view and header with what they were derived from.
#[derive(Debug)]
pub struct Cached {
    pub key: CacheKey,
    pub view: std::sync::Arc<View>,
    pub header: std::sync::Arc<Header>,
}

/// Everything the view and header depend on, cheap to compare.
#[derive(Debug, PartialEq)]
pub struct CacheKey {
    pub timeline: u64,
    pub history: usize,
    pub notes: usize,
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub hours: u32,
    pub filter: String,
    pub folded: bool,
    /// Without a loaded span the window slides with the clock (per minute is enough).
    pub minute: Option<i64>,
    /// Each pane's load time and row count (the header reads alarms, ECS and Redis).
    pub panes: [(Option<DateTime<Utc>>, usize); 3],
    /// The sizing run's time (the SLO standings the header flags come with it).
    pub sized_at: Option<DateTime<Utc>>,
}
