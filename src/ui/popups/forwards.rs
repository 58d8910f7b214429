//! `:forwards`: the port forwards running in the background: where each listens, what it
//! reaches, its state (up, re-opening after AWS closed the session, failed and why), the bytes
//! each way and its connections. `d` stops the selected one.

use crate::app::state::State;
use crate::common::format::age;
use crate::common::text::truncate;
use crate::exec::forward::ForwardState;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn bytes(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    let title = format!(" port forwards · {} ", state.forwards.len());
    let Some(inner) = super::framed(frame, area, 160, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let mut lines = vec![Line::from(Span::styled(
        truncate(
            "j/k move · d stop the selected forward · esc close · (p in a service's tasks view starts one)",
            width,
        ),
        theme.muted(),
    ))];
    if state.forwards.is_empty() {
        lines.push(Line::from(Span::styled("no forward running", theme.muted())));
    } else {
        lines.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "{:>3}  {:<16} {:<12} {:>10} {:>10} {:>5} {:>5}  {}",
                    "ID", "LOCAL", "STATE", "IN", "OUT", "CONN", "UP", "REACHES"
                ),
                width,
            ),
            theme.header(),
        )));
    }
    for (i, f) in state.forwards.iter().enumerate() {
        let (word, style) = match &f.state {
            ForwardState::Starting => ("starting".to_string(), theme.info()),
            ForwardState::Up => ("up".to_string(), theme.ok()),
            ForwardState::Reconnecting { attempt } => (format!("re-opening {attempt}"), theme.warn()),
            ForwardState::Stopped => ("stopped".to_string(), theme.muted()),
            ForwardState::Failed(_) => ("failed".to_string(), theme.critical()),
        };
        let up = f.up_since.map_or("—".into(), |s| age(chrono::Utc::now(), s));
        let row = format!(
            "{:>3}  {:<16} {:<12} {:>10} {:>10} {:>5} {:>5}  {}",
            f.id,
            format!("127.0.0.1:{}", f.local_port),
            word,
            bytes(f.bytes_in),
            bytes(f.bytes_out),
            f.connections,
            up,
            f.label,
        );
        let line = Line::from(Span::styled(truncate(&row, width), style));
        lines.push(super::selected_line(line, i == selected, theme));
        let why = match &f.state {
            ForwardState::Failed(why) => Some(why.clone()),
            _ => f.last_error.clone(),
        };
        if let Some(why) = why {
            lines.push(Line::from(Span::styled(truncate(&format!("      ✖ {why}"), width), theme.critical())));
        }
        if f.restarts > 0 {
            let note = format!(
                "      re-opened {} time(s) after AWS closed the session (idle timeout, or hourly)",
                f.restarts
            );
            lines.push(Line::from(Span::styled(truncate(&note, width), theme.muted())));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
