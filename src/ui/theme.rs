//! The typed theme: widgets ask it for a *role* (an alarm state, a utilization level, a fit),
//! never for a raw colour. Parsed once from a TOML file by `config::theme_file`.

use crate::domain::AlarmState;
use crate::sizing::ecs::Fit;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub foreground: Color,
    pub background: Color,
    pub muted: Color,
    pub border: Color,
    pub border_focus: Color,
    pub title: Color,
    pub header: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub ok: Color,
    pub warn: Color,
    pub critical: Color,
    pub info: Color,
    pub series: Vec<Color>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub palette: Palette,
    /// NO_COLOR: every colour is the terminal's own; meaning is carried by text and modifiers.
    pub monochrome: bool,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.monochrome { Style::new() } else { Style::new().fg(c) }
    }

    pub fn without_colour(mut self) -> Theme {
        self.monochrome = true;
        self
    }

    pub fn base(&self) -> Style {
        if self.monochrome {
            Style::new()
        } else {
            Style::new().fg(self.palette.foreground).bg(self.palette.background)
        }
    }

    pub fn muted(&self) -> Style {
        if self.monochrome { Style::new().add_modifier(Modifier::DIM) } else { self.fg(self.palette.muted) }
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.monochrome) {
            (true, true) => Style::new().add_modifier(Modifier::BOLD),
            (true, false) => self.fg(self.palette.border_focus).add_modifier(Modifier::BOLD),
            (false, _) => self.fg(self.palette.border),
        }
    }

    pub fn title(&self) -> Style {
        self.fg(self.palette.title).add_modifier(Modifier::BOLD)
    }

    pub fn header(&self) -> Style {
        self.fg(self.palette.header).add_modifier(Modifier::BOLD)
    }

    /// The selected row's highlight: background only, so a cell's own colour (an alarm state,
    /// a hot utilization) still shows on the selected row.
    pub fn selection(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().bg(self.palette.selection_bg).add_modifier(Modifier::BOLD)
        }
    }

    /// Text on the selected row where the cell has no colour of its own.
    pub fn selection_text(&self) -> Style {
        self.fg(self.palette.selection_fg)
    }

    pub fn ok(&self) -> Style {
        self.fg(self.palette.ok)
    }

    pub fn warn(&self) -> Style {
        self.fg(self.palette.warn)
    }

    pub fn critical(&self) -> Style {
        self.fg(self.palette.critical).add_modifier(Modifier::BOLD)
    }

    pub fn info(&self) -> Style {
        self.fg(self.palette.info)
    }

    /// Use as percent of a reservation or capacity: hot is the warning, not the waste.
    pub fn utilization(&self, pct: f32) -> Style {
        if !pct.is_finite() {
            self.muted()
        } else if pct >= 90.0 {
            self.critical()
        } else if pct >= 75.0 {
            self.warn()
        } else {
            self.base()
        }
    }

    pub fn alarm_state(&self, s: AlarmState) -> Style {
        match s {
            AlarmState::Alarm => self.critical(),
            AlarmState::InsufficientData => self.warn(),
            AlarmState::Ok => self.ok(),
        }
    }

    pub fn fit(&self, f: Fit) -> Style {
        match f {
            Fit::Oom | Fit::Under => self.critical(),
            Fit::Over => self.warn(),
            Fit::Right => self.ok(),
            Fit::NoData => self.muted(),
        }
    }

    /// The i-th chart series colour.
    pub fn series(&self, i: usize) -> Style {
        let colours = &self.palette.series;
        if colours.is_empty() { self.base() } else { self.fg(colours[i % colours.len()]) }
    }
}

/// Symbols that carry state without colour, so no state is told by red/green alone.
pub fn alarm_symbol(s: AlarmState) -> &'static str {
    match s {
        AlarmState::Alarm => "▲",
        AlarmState::InsufficientData => "◌",
        AlarmState::Ok => "●",
    }
}

pub fn fit_symbol(f: Fit) -> &'static str {
    match f {
        Fit::Oom => "✖",
        Fit::Under => "▲",
        Fit::Over => "▼",
        Fit::Right => "●",
        Fit::NoData => "·",
    }
}
