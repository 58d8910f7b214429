//! `i`: the incident view — what is wrong now (each list one key away), the timeline of what
//! changed and what fired, and what changed shortly before the alarm in question fired.

use crate::app::incident::{self, View};
use crate::app::state::State;
use crate::common::format::{age, count, truncate};
use crate::domain::Severity;
use crate::incident::correlate;
use crate::incident::header::{Header, HeaderList};
use crate::ui::cells;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};

fn severity(s: Severity, theme: &Theme) -> (&'static str, Style) {
    match s {
        Severity::Critical => ("✖", theme.critical()),
        Severity::Warn => ("▲", theme.warn()),
        Severity::Info => ("·", theme.muted()),
    }
}

fn header_line<'a>(h: &Header, list: HeaderList, width: usize, theme: &Theme) -> Line<'a> {
    let items: Vec<String> = match list {
        HeaderList::Firing => {
            h.firing.iter().map(|(n, r)| r.as_ref().map_or(n.clone(), |r| format!("{n} → {r}"))).collect()
        }
        HeaderList::BelowDesired => h.below_desired.iter().map(|(r, run, want)| format!("{r} {run}/{want}")).collect(),
        HeaderList::Evicting => h.evicting.iter().map(|(r, n)| format!("{r} {}", count(*n as f64))).collect(),
        HeaderList::Burning => h.burning.iter().map(|(r, what)| format!("{r} {what}")).collect(),
        HeaderList::Security => h.security.iter().map(|f| f.short()).collect(),
    };
    let n = items.len();
    let style = match (list, n) {
        (_, 0) => theme.ok(),
        (HeaderList::Evicting, _) => theme.warn(),
        _ => theme.critical(),
    };
    let label = format!("{:<20}", format!("{} ({n})", list.label()));
    let text = if n == 0 { "none".to_string() } else { items.join(" · ") };
    Line::from(vec![
        Span::styled(format!(" {} ", list.key()), theme.title()),
        Span::styled(label, style),
        Span::raw(truncate(&text, width.saturating_sub(24))),
    ])
}

fn timeline_lines<'a>(state: &State, v: &View, height: usize, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    if v.rows.is_empty() {
        let what = if state.incident.timeline.is_none() { "loading the timeline…" } else { "nothing in this span" };
        return vec![Line::from(Span::styled(format!(" {what}"), theme.muted()))];
    }
    let selected = incident::selected_row(state, v.rows.len()).unwrap_or(0);
    let skip = (selected + 1).saturating_sub(height);
    let resource_w = (width / 4).clamp(12, 34);
    v.rows
        .iter()
        .enumerate()
        .skip(skip)
        .take(height)
        .map(|(i, row)| {
            let e = v.event(row);
            let (mark, style) = severity(e.severity, theme);
            let times = if row.count > 1 {
                format!("×{} until {} ", row.count, v.last_event(row).time.format("%H:%M"))
            } else {
                String::new()
            };
            let resource = e.resource.as_ref().map_or("—".to_string(), |r| r.to_string());
            let fixed = 6 + 2 + 8 + resource_w + 1;
            let line = Line::from(vec![
                Span::styled(format!(" {} ", e.time.format("%H:%M")), theme.muted()),
                Span::styled(format!("{mark} "), style),
                Span::styled(format!("{:<7} ", e.kind.label()), style),
                Span::raw(format!("{:<resource_w$} ", crate::common::text::middle(&resource, resource_w))),
                Span::styled(times.clone(), theme.warn()),
                Span::raw(truncate(&e.summary, width.saturating_sub(fixed + times.chars().count()))),
            ]);
            super::selected_line(line, i == selected, theme)
        })
        .collect()
}

/// What changed shortly before each alarm in question fired: alarms with changes first (up to
/// three changes each when several alarms are shown), then one line naming those without.
fn correlation_lines<'a>(state: &State, v: &View, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let alarms = incident::explained_alarms(state, v);
    if alarms.is_empty() {
        return vec![Line::from(Span::styled(" no alarm firing", theme.muted()))];
    }
    let per_alarm = if alarms.len() == 1 { correlate::MAX_PER_ALARM } else { 3 };
    let mut lines = Vec::new();
    let mut quiet = Vec::new();
    for (name, resource, fired) in &alarms {
        let found = correlate::changes_before(&v.events, resource, *fired);
        if found.is_empty() {
            quiet.push(name.as_str());
            continue;
        }
        let head = format!(" What changed before {name} fired at {} ({resource}):", fired.format("%H:%M"));
        lines.push(Line::from(Span::styled(truncate(&head, width), theme.header())));
        for c in found.iter().take(per_alarm) {
            let style = if c.same_resource { theme.warn() } else { theme.base() };
            lines.push(Line::from(Span::styled(truncate(&format!("   {}", c.phrase()), width), style)));
        }
    }
    if !quiet.is_empty() {
        let text = format!(
            " No change on the resource or its cluster in the {} min before: {}",
            correlate::LOOKBACK_MINUTES,
            quiet.join(", ")
        );
        lines.push(Line::from(Span::styled(truncate(&text, width), theme.muted())));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    frame.render_widget(Clear, area);
    let i = &state.incident;
    let v = incident::view(state);
    let shown = v.shown.len();
    let mut title = match i.anchor {
        Some(at) => {
            format!(" incident · {} h around {} UTC · {} events", i.hours, at.format("%m-%d %H:%M"), v.events.len())
        }
        None => format!(" incident · last {} h · {} events", i.hours, v.events.len()),
    };
    if !i.filter.is_empty() {
        title.push_str(&format!(" · {shown} match “{}”", i.filter));
    }
    if let Some((_, to)) = i.span {
        title.push_str(&format!(" · as of {} ago", age(state.now, to)));
    }
    if i.inflight.is_some() {
        title.push_str(" · refreshing…");
    }
    title.push(' ');
    let keys = " A/D/E/B/L: firing/below desired/evicting/burning SLO/sign-ins · x: unfold · :export ";
    let fits = unicode_width::UnicodeWidthStr::width(title.as_str()) + unicode_width::UnicodeWidthStr::width(keys)
        <= (area.width as usize).saturating_sub(2);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()))
        .style(theme.base());
    // The key hints only where they leave the title whole; the footer has the main keys anyway.
    if fits {
        block = block.title(Line::from(Span::styled(keys, theme.muted())).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let width = inner.width as usize;
    let h = incident::header(state);
    let mut top: Vec<Line> = HeaderList::ALL.iter().map(|l| header_line(&h, *l, width, theme)).collect();
    if let Some(e) = &i.error {
        top.push(Line::from(Span::styled(
            truncate(&format!(" ✖ timeline stale: {e} ({})", e.hint()), width),
            theme.critical(),
        )));
    }
    for p in i.timeline.iter().flat_map(|t| &t.problems) {
        let text = format!(" ▲ could not read {}: {} ({})", p.source, p.error, p.error.hint());
        top.push(Line::from(Span::styled(truncate(&text, width), theme.warn())));
    }
    if let Some(e) = &v.filter_error {
        top.push(Line::from(Span::styled(truncate(&format!(" ▲ filter ignored: {e}"), width), theme.warn())));
    }
    let correlation = correlation_lines(state, &v, width, theme);
    // The timeline gets what is left; header and correlation shrink first on a short screen.
    let top_h = (top.len() as u16).min(inner.height / 3);
    let corr_h = (correlation.len() as u16 + 1).min(inner.height.saturating_sub(top_h) / 3);
    let [top_area, list_area, corr_area] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Min(1), Constraint::Length(corr_h)]).areas(inner);
    cells::lines(frame.buffer_mut(), top_area, &top);
    let lines = timeline_lines(state, &v, list_area.height as usize, width, theme);
    cells::lines(frame.buffer_mut(), list_area, &lines);
    if corr_area.height > 0 {
        let block = Block::default().borders(Borders::TOP).border_style(theme.border(false));
        let inside = block.inner(corr_area);
        frame.render_widget(block, corr_area);
        cells::lines(frame.buffer_mut(), inside, &correlation);
    }
}
