//! Timestamped notes typed during an incident (`n`): kept in the data directory as JSON lines
//! (0600, like the audit log), so a crash or a restart loses none, and handed over in the export.

use crate::domain::{EventKind, Severity, TimelineEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub time: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

impl Note {
    pub fn event(&self) -> TimelineEvent {
        TimelineEvent::new(self.time, EventKind::Note, Severity::Info, None)
            .summary(format!("{}: {}", self.author, self.text))
    }
}

/// `incident-notes.jsonl` in the platform data directory.
pub fn default_location() -> Option<std::path::PathBuf> {
    crate::common::paths::data_dir().map(|d| d.join("incident-notes.jsonl"))
}

/// `handovers.jsonl` in the platform data directory: one record per handover written, so a
/// review finds them wherever the Markdown went.
pub fn handovers_location() -> Option<std::path::PathBuf> {
    crate::common::paths::data_dir().map(|d| d.join("handovers.jsonl"))
}
