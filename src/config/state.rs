//! The app's first state from the config: every setting the config file holds reaches `State`
//! here, once, for the terminal app and the test harness alike (an app-flow test given a config
//! gets its `[sizing]`, `[slo]`, mouse and window settings as a user would).

use super::Config;
use crate::app::State;
use crate::provider::SourceInfo;
use chrono::{DateTime, Utc};

impl State {
    /// `State::new` with the config's settings. `themes` are the names `t` cycles through,
    /// `theme` the index of the one to start with.
    pub fn from_config(
        source: SourceInfo,
        config: &Config,
        themes: Vec<String>,
        theme: usize,
        now: DateTime<Utc>,
    ) -> State {
        let mut state = State::new(source, config.keymap.clone(), themes, theme, config.intervals, now);
        state.window = config.window;
        state.sizing.policies = config.sizing.clone();
        state.sizing.objectives = config.slo.clone();
        state.budget = crate::app::budget::Budget::new(config.aws.budget_usd_per_day);
        state.mouse = config.mouse;
        state.security = config.security;
        state.iac_paths = config.iac.paths.clone();
        state.exec_commands = config.exec.clone();
        state
    }

    /// What this user keeps on this machine, read at start: the audit log (for rollbacks), the
    /// handover index and incident notes, and who is at the keys. An unreadable file only leaves
    /// its list empty: it is no reason to refuse to start.
    pub fn with_local_files(mut self) -> State {
        if let Some(log) = crate::apply::AuditLog::default_location() {
            self.history = log.read().unwrap_or_default();
            self.audit_log = Some(log.path().to_path_buf());
        }
        self.handovers_path = crate::incident::notes::handovers_location();
        if let Some(path) = &self.handovers_path {
            self.handovers = crate::apply::JsonLog::new(path.clone()).read_lines().unwrap_or_default();
        }
        self.author = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "you".into());
        if let Some(path) = crate::incident::notes::default_location() {
            // Notes from earlier sessions come back; the timeline shows those in its span.
            self.incident.notes = crate::apply::JsonLog::new(path.clone()).read_lines().unwrap_or_default();
            self.incident.notes_path = Some(path);
        }
        self.export_dir = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
        self.clipboard = true;
        self
    }
}
