//! The logs view: where the service's logs go, why the view was opened, then the lines (newest
//! at the bottom; errors in the critical colour), cut at the edge or wrapped (`w`).

use crate::app::state::{LogsState, State};
use crate::common::text::{truncate, wrap};
use crate::domain::logs::LogLine;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// "orders/3f2a9c1b…": the stream's container and the start of its task id.
fn short_stream(stream: &str) -> String {
    let parts: Vec<&str> = stream.rsplit('/').take(2).collect();
    match parts.as_slice() {
        // A task id is hex: its first eight say which task (a number-aware cut would drop it).
        [task, container] if task.chars().count() > 9 => {
            format!("{container}/{}…", task.chars().take(8).collect::<String>())
        }
        [task, container] => format!("{container}/{task}"),
        _ => truncate(stream, 20),
    }
}

fn line_rows<'a>(l: &LogsState, x: &LogLine, selected: bool, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let time = if l.timestamps { format!("{} ", x.time.format("%H:%M:%S")) } else { String::new() };
    let head = format!("{time}{:<20} ", short_stream(&x.stream));
    let style = match (selected, x.is_error()) {
        (true, _) => theme.selection(),
        (false, true) => theme.critical(),
        (false, false) => theme.base(),
    };
    let room = width.saturating_sub(head.chars().count());
    let texts = if l.wrap { wrap(&x.message, room.max(8), 0) } else { vec![truncate(&x.message, room)] };
    texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let lead = if i == 0 { head.clone() } else { " ".repeat(head.chars().count()) };
            Line::from(vec![Span::styled(lead, theme.muted()), Span::styled(t, style)])
        })
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, _state: &State, l: &LogsState, theme: &Theme) {
    let q = &l.query;
    let pattern = if q.pattern.is_empty() { String::new() } else { format!(" · /{}", q.pattern) };
    let task = q.task.as_ref().map_or(String::new(), |t| format!(" · task {t}"));
    let follow = if l.follow { " · following" } else { "" };
    let title = format!(
        " logs · {} · {}–{} UTC{task}{pattern}{follow} ",
        q.service,
        q.from.format("%H:%M"),
        q.to.format("%H:%M"),
    );
    let Some(inner) = super::framed(frame, area, 200, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let keys = "/ pattern · f follow · e next error · w wrap · t time · j/k scroll · G newest · esc close";
    let mut top: Vec<Line> = vec![Line::from(Span::styled(truncate(keys, width), theme.muted()))];
    if let Some(c) = &l.context {
        top.push(Line::from(Span::styled(truncate(&format!("▶ {c}"), width), theme.warn())));
    }
    if let Some(page) = &l.page {
        for r in &page.routes {
            top.push(Line::from(Span::styled(truncate(&r.describe(), width), theme.muted())));
        }
        if page.more {
            let note = format!("more lines matched than shown: the newest {} (narrow it with /)", page.lines.len());
            top.push(Line::from(Span::styled(truncate(&note, width), theme.info())));
        }
    }
    if let Some(e) = &l.error {
        top.push(Line::from(Span::styled(truncate(&format!("✖ {e} — {}", e.hint()), width), theme.critical())));
    }
    let height = (inner.height as usize).saturating_sub(top.len());
    let lines = l.page.as_ref().map(|p| &p.lines[..]).unwrap_or_default();
    let mut body: Vec<Line> = Vec::new();
    if l.page.is_none() && l.error.is_none() {
        body.push(Line::from(Span::styled("reading…", theme.muted())));
    } else if lines.is_empty() && l.error.is_none() {
        body.push(Line::from(Span::styled("no lines in this span match", theme.muted())));
    } else {
        match l.selected {
            // Following the newest: the last lines, bottom up.
            None => {
                let mut rows: Vec<Line> = Vec::new();
                for x in lines.iter().rev() {
                    let mut these = line_rows(l, x, false, width, theme);
                    these.append(&mut rows);
                    rows = these;
                    if rows.len() >= height {
                        break;
                    }
                }
                let skip = rows.len().saturating_sub(height);
                body.extend(rows.into_iter().skip(skip));
            }
            // A chosen line: in the middle, what came before and after it around it.
            Some(at) => {
                let at = at.min(lines.len().saturating_sub(1));
                for (i, x) in lines.iter().enumerate().skip(at.saturating_sub(height / 2)) {
                    body.extend(line_rows(l, x, i == at, width, theme));
                    if body.len() >= height {
                        break;
                    }
                }
                body.truncate(height);
            }
        }
    }
    top.extend(body);
    frame.render_widget(Paragraph::new(top).style(theme.base()), inner);
}
