//! Drive the whole app by messages on the demo fleet, with no terminal: for app-flow tests,
//! snapshot tests and render benchmarks. Effects run to completion before `send` returns, so a
//! test sees the state a user would see once the screen settles.

use crate::app::{Effect, KeyChord, Msg, State, update};
use crate::config::Config;
use crate::config::theme_file::ThemeSet;
use crate::provider::Provider;
use crate::provider::demo::{Clock, DemoProvider};
use crate::runtime::perform;
use crate::ui;
use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::sync::Arc;

/// A fixed instant for reproducible screens: Wednesday 2026-11-18 14:30:00 UTC.
pub const FIXED_NOW: i64 = 1_795_012_200;

pub struct Harness {
    pub state: State,
    pub themes: ThemeSet,
    pub provider: Arc<dyn Provider>,
    runtime: tokio::runtime::Runtime,
}

impl Harness {
    /// The default demo fleet at a fixed time, loaded, on a `width`×`height` screen.
    pub fn demo(width: u16, height: u16) -> Harness {
        Harness::with(42, None, width, height)
    }

    pub fn with(seed: u64, scale: Option<usize>, width: u16, height: u16) -> Harness {
        let demo = DemoProvider::new(seed, scale, Clock::Fixed(FIXED_NOW));
        // Deployments finish at once: tests see where they end, not a moment of wall time.
        let provider: Arc<dyn Provider> = Arc::new(demo.with_rollout_time(std::time::Duration::ZERO));
        Harness::on(provider, Config::default(), width, height)
    }

    pub fn on(provider: Arc<dyn Provider>, config: Config, width: u16, height: u16) -> Harness {
        let themes = ThemeSet::load(None, None, false).expect("shipped themes parse");
        let theme = themes.index_of(&config.theme).unwrap_or(0);
        let now = Self::fixed_now();
        // As the app starts, less the user's own files (audit log, notes, handovers).
        let state = State::from_config(provider.source(), &config, themes.names(), theme, now);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let mut h = Harness { state, themes, provider, runtime };
        h.send(Msg::Resize(width, height));
        h.send(Msg::Tick(now));
        h
    }

    pub fn fixed_now() -> DateTime<Utc> {
        DateTime::from_timestamp(FIXED_NOW, 0).unwrap_or_default()
    }

    /// Update with `msg`, then run every effect (and the effects of their results) to the end.
    /// Run a provider call to completion (for tests that talk to the provider directly).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    pub fn send(&mut self, msg: Msg) -> Vec<Effect> {
        let first = update(&mut self.state, msg);
        self.run_effects(first.clone());
        first
    }

    /// Run effects (and the effects of their results) to the end, as the driver would.
    pub fn run_effects(&mut self, mut queue: Vec<Effect>) {
        while let Some(effect) = queue.pop() {
            let asked = effect.asked();
            // Partial results are delivered first, as the driver would, then the final answer.
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let result = self.runtime.block_on(perform(effect, &self.provider, &tx));
            while let Ok(partial) = rx.try_recv() {
                queue.extend(update(&mut self.state, partial));
            }
            queue.extend(update(&mut self.state, result));
            for news in crate::runtime::after_effect(self.provider.as_ref(), asked) {
                queue.extend(update(&mut self.state, news));
            }
        }
    }

    /// Run these effects at once, as the driver does (each on its own task), then the effects
    /// of their results to the end.
    pub fn run_effects_concurrently(&mut self, effects: Vec<Effect>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let provider = Arc::clone(&self.provider);
        let asked = effects.iter().any(|e| e.asked());
        let running = effects.into_iter().map(|effect| {
            let (provider, tx) = (Arc::clone(&provider), tx.clone());
            async move { perform(effect, &provider, &tx).await }
        });
        let results = self.runtime.block_on(futures::future::join_all(running));
        let mut queue = Vec::new();
        while let Ok(partial) = rx.try_recv() {
            queue.extend(update(&mut self.state, partial));
        }
        for result in results {
            queue.extend(update(&mut self.state, result));
        }
        for news in crate::runtime::after_effect(self.provider.as_ref(), asked) {
            queue.extend(update(&mut self.state, news));
        }
        self.run_effects(queue);
    }

    /// Update with `msg` but hand back the effects without running them.
    pub fn send_only(&mut self, msg: Msg) -> Vec<Effect> {
        update(&mut self.state, msg)
    }

    /// Press keys written as in the config file: `["tab", "j", "enter"]`.
    pub fn keys(&mut self, keys: &[&str]) {
        for k in keys {
            let chord: KeyChord = k.parse().unwrap_or_else(|e| panic!("bad key in test: {e}"));
            self.send(Msg::Key(chord));
        }
    }

    /// Type text character by character (for `/` filters and `:` commands).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(Msg::Key(KeyChord::plain(ratatui::crossterm::event::KeyCode::Char(c))));
        }
    }

    pub fn render(&self) -> Buffer {
        let (w, h) = self.state.size;
        self.render_at(w, h)
    }

    pub fn render_at(&self, width: u16, height: u16) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        terminal.draw(|f| ui::render(f, &self.state, self.themes.get(self.state.theme))).expect("draw");
        terminal.backend().buffer().clone()
    }

    /// The screen as text, one line per row, trailing spaces kept.
    pub fn screen(&self) -> String {
        buffer_text(&self.render())
    }
}

pub fn buffer_text(b: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
