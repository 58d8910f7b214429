//! `enter`: one resource in full — its facts, and charts over the chosen window with the
//! reservation or threshold drawn as a line.

use crate::app::state::{DetailState, State};
use crate::common::format::{money, task_size, truncate};
use crate::domain::{ChartKind, ChartSeries, DetailChart, ResourceDetail, ResourceRef};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, BorderType, Borders, Chart, Clear, Dataset, GraphType, Paragraph};
use unicode_width::UnicodeWidthStr;

fn time_label(seconds: f64) -> String {
    let s = seconds.abs();
    if s < 1.0 {
        "now".into()
    } else if s < 7_200.0 {
        format!("-{:.0}m", s / 60.0)
    } else if s < 3.0 * 86_400.0 {
        format!("-{:.0}h", s / 3_600.0)
    } else {
        format!("-{:.0}d", s / 86_400.0)
    }
}

/// The chart's title with its legend in `width` cells: each series' name in its own colour, so
/// the legend never covers the data. A series whose name does not fit is left out whole (the
/// chart still draws it), never cut to "reservatio".
fn legend<'a>(chart: &DetailChart, theme: &Theme, width: usize) -> Line<'a> {
    let mut spans =
        vec![Span::styled(format!(" {} ", truncate(&chart.title, width.saturating_sub(2))), theme.header())];
    let mut used = spans[0].width();
    for (i, s) in chart.series.iter().enumerate() {
        let (mark, style) = if s.reference { ("┈ ", theme.muted()) } else { ("━ ", theme.series(i)) };
        let name = format!("{}  ", s.name);
        if used + 2 + name.trim_end().width() > width {
            continue;
        }
        used += 2 + name.width();
        spans.push(Span::styled(mark, style));
        spans.push(Span::styled(name, style));
    }
    Line::from(spans)
}

/// `marker`: seconds before now of an event to draw across the chart (a jump from the
/// incident timeline), and its label.
fn draw_chart(frame: &mut Frame, area: Rect, chart: &DetailChart, marker: Option<(f64, &str)>, theme: &Theme) {
    let x_min = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(0.0, f64::min);
    let data_max =
        chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|v| v.is_finite()).fold(0.0, f64::max);
    // Shares of a reservation read against the whole of it; an error rate of 0.8 % would be a
    // flat line on a 0–100 % axis, so it gets an axis of its own size.
    let y_max = match chart.kind {
        ChartKind::Errors => (data_max * 1.2).max(0.1),
        _ if chart.unit == "%" => data_max.max(100.0) * 1.05,
        _ => (data_max * 1.1).max(1.0),
    };
    let digits = if y_max < 1.0 {
        2
    } else if y_max < 10.0 {
        1
    } else {
        0
    };
    let marker = marker.filter(|(x, _)| *x >= x_min && *x <= 0.0);
    let marker_line: Vec<(f64, f64)> =
        marker.map(|(x, _)| (0..=20).map(|i| (x, y_max * i as f64 / 20.0)).collect()).unwrap_or_default();
    let mut datasets: Vec<Dataset> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let style = if s.reference { theme.muted().add_modifier(Modifier::DIM) } else { theme.series(i) };
            Dataset::default()
                .name(s.name.clone())
                .marker(if s.reference { Marker::Dot } else { Marker::Braille })
                .graph_type(GraphType::Line)
                .style(style)
                .data(&s.points)
        })
        .collect();
    if let Some((_, label)) = marker {
        datasets.push(
            Dataset::default()
                .name(label.to_string())
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(theme.warn())
                .data(&marker_line),
        );
    }
    // The marker's label first: in a narrow chart the legend gives way, not the reason the view
    // was opened.
    let label = marker.map(|(_, label)| format!("┃ {label} ")).unwrap_or_default();
    let mut title = legend(chart, theme, (area.width as usize).saturating_sub(label.width()));
    if !label.is_empty() {
        title.spans.insert(0, Span::styled(label, theme.warn()));
    }
    let y_labels = [0.0, y_max / 2.0, y_max]
        .map(|v| Span::styled(format!("{v:.digits$}{}", if chart.unit == "%" { "%" } else { "" }), theme.muted()));
    let x_labels = [x_min, x_min / 2.0, 0.0].map(|v| Span::styled(time_label(v), theme.muted()));
    let widget = Chart::new(datasets)
        .block(Block::default().borders(Borders::TOP).border_style(theme.border(false)).title(title))
        .x_axis(Axis::default().bounds([x_min, 0.0]).labels(x_labels).style(theme.muted()))
        .y_axis(Axis::default().bounds([0.0, y_max]).labels(y_labels).style(theme.muted()))
        .legend_position(None)
        .style(theme.base());
    frame.render_widget(widget, area);
}

/// Who changed this resource (CloudTrail, from the incident timeline's span): a hand change to
/// what code owns comes first, as drift; the rest after the suggestion.
fn with_changes(data: &mut ResourceDetail, state: &State, resource: &ResourceRef) {
    let Some(timeline) = &state.incident.timeline else { return };
    let mine: Vec<&crate::domain::trail::ApiChange> =
        timeline.api.iter().filter(|c| c.resource.as_ref() == Some(resource)).collect();
    if mine.is_empty() {
        return;
    }
    let line = |c: &crate::domain::trail::ApiChange| {
        format!("  · {} {} {} · by {}", c.time.format("%H:%M"), c.event_name, c.changed.join(", "), c.actor.describe())
    };
    let drift: Vec<String> = mine
        .iter()
        .filter_map(|c| {
            c.drift.as_ref().map(|d| format!("DRIFT: changed by hand, but {d} owns it — reconcile the code"))
        })
        .collect();
    for (i, d) in drift.into_iter().enumerate() {
        data.notes.insert(i, d);
    }
    data.notes.push(format!("changes (CloudTrail, the incident view's last {} h):", state.incident.hours));
    data.notes.extend(mine.iter().rev().take(5).map(|c| line(c)));
}

/// A Redis group's suggestion as note lines: summary, topology, then the evidence.
fn cache_suggestion(r: &crate::sizing::redis::CacheRecommendation) -> Vec<String> {
    let summary = match (&r.proposed, r.monthly_change()) {
        (Some(p), Some(c)) => format!(
            "{}: {} → {} ×{} · {}{}/month · risk {:?}",
            r.finding.label(),
            r.current,
            p,
            r.nodes,
            if c >= 0.0 { "+" } else { "" },
            money(c),
            r.risk
        ),
        _ => format!("{}: keep {} · risk {:?}", r.finding.label(), r.current, r.risk),
    };
    let mut lines = vec![summary];
    lines.extend(r.topology.iter().map(|t| format!("  · topology: {t}")));
    lines.extend(r.evidence.iter().map(|e| format!("  · {e}")));
    lines
}

/// An ECS service's detail with its right-sizing suggestion: the proposal and its evidence as
/// facts, and the proposed size drawn over the usage charts.
fn with_suggestion(data: &ResourceDetail, state: &State, detail: &DetailState) -> ResourceDetail {
    let mut data = data.clone();
    if let ResourceRef::CacheGroup(id) = &detail.resource {
        if let Some(r) = state.sizing.cache_recs.get(id) {
            data.notes.extend(cache_suggestion(r));
        }
        return data;
    }
    let ResourceRef::EcsService { cluster, service } = &detail.resource else {
        return data;
    };
    let key = format!("{cluster}/{service}");
    super::service_health::add(&mut data, state, &key);
    let Some(r) = state.sizing.recs.get(&key) else {
        return data;
    };
    let size = |(c, m): (u32, u32)| task_size(c, m);
    let summary = match (r.proposed, r.monthly_change()) {
        (Some(p), Some(c)) => format!(
            "{}: {} → {} · {}{}/month · risk {:?}",
            r.finding.label(),
            size(r.current),
            size(p),
            if c >= 0.0 { "+" } else { "" },
            money(c),
            r.risk
        ),
        (Some(p), None) => format!("{}: {} → {} · risk {:?}", r.finding.label(), size(r.current), size(p), r.risk),
        (None, _) => r.finding.label().to_string(),
    };
    data.notes.push(summary);
    data.notes.extend(r.evidence.iter().map(|e| format!("  · {e}")));
    if let Some(co) = &r.compute_optimizer {
        data.notes.extend(co.notes());
    }
    if let Some((cpu, mem)) = r.proposed {
        for chart in &mut data.charts {
            let pct = match chart.kind {
                ChartKind::TaskCpu => cpu as f64 / r.current.0.max(1) as f64 * 100.0,
                ChartKind::TaskMemory => mem as f64 / r.current.1.max(1) as f64 * 100.0,
                ChartKind::Latency | ChartKind::Errors | ChartKind::Other => continue,
            };
            let span = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(0.0, f64::min);
            chart.series.push(ChartSeries {
                name: format!("proposed ({pct:.0}%)"),
                points: vec![(span, pct), (0.0, pct)],
                reference: true,
            });
        }
    }
    data
}

/// Rows a chart needs to be read: its title, four plot rows, the axis and its labels.
const MIN_CHART_ROWS: u16 = 7;
/// Width from which facts sit in two columns and charts two by two.
const WIDE: u16 = 100;

/// Where the text and the charts go. Charts get their readable minimum before the text takes
/// more: when the view is short the text is folded (see `text_lines`), and when even that leaves
/// too little, fewer charts are drawn, whole, rather than all of them a row tall. Two by two on a
/// wide view (usage on the left, latency and errors on the right); every chart spans the same
/// window, so a change shows at the same x in each.
fn split(inner: Rect, charts: usize, text_lines: u16) -> (Rect, Vec<Rect>) {
    let cols: u16 = if charts >= 2 && inner.width >= WIDE { 2 } else { 1 };
    let wanted_rows = (charts as u16).div_ceil(cols);
    // Some text always stays (the summary), unless there is no chart at all.
    let keep_text = text_lines.min(4);
    let fit_rows = inner.height.saturating_sub(keep_text) / MIN_CHART_ROWS;
    let rows = wanted_rows.min(fit_rows);
    if rows == 0 {
        return (inner, Vec::new());
    }
    let charts_h = inner.height.saturating_sub(text_lines).max(rows * MIN_CHART_ROWS);
    let [text, chart_area] =
        Layout::vertical([Constraint::Length(inner.height - charts_h), Constraint::Min(0)]).areas(inner);
    let shown = (rows * cols).min(charts as u16) as usize;
    let stacked = |area: Rect, n: usize| {
        Layout::vertical((0..n).map(|_| Constraint::Ratio(1, n.max(1) as u32))).split(area).to_vec()
    };
    if cols == 1 {
        return (text, stacked(chart_area, shown));
    }
    let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(chart_area);
    let half = shown.div_ceil(2);
    // Left column first: with four charts, usage on the left and load-balancer health on the right.
    let lefts = if charts == 4 && shown == 4 { 2 } else { half };
    (text, stacked(left, lefts).into_iter().chain(stacked(right, shown - lefts)).collect())
}

/// The notes (service health, the suggestion and its evidence) wrapped to `width`: evidence is
/// read whole, so it wraps under its bullet instead of being cut.
fn note_lines<'a>(data: &ResourceDetail, width: u16, theme: &Theme) -> Vec<Line<'a>> {
    data.notes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| {
            let style = if i == 0 { theme.header() } else { theme.base() };
            let width_of = unicode_width::UnicodeWidthStr::width;
            let hang = width_of(n.as_str()) - width_of(n.trim_start_matches([' ', '·']));
            crate::common::format::wrap(n, width as usize, hang.max(2))
                .into_iter()
                .map(move |l| Line::from(Span::styled(l, style)))
        })
        .collect()
}

fn label_width(data: &ResourceDetail) -> usize {
    data.facts.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0).min(24)
}

/// Facts sit in two columns when the view is wide and every one of them fits in half of it
/// (a value cut short is worse than a row more).
fn facts_in_two_columns(data: &ResourceDetail, width: u16) -> bool {
    let half = (width / 2) as usize;
    let label_w = label_width(data);
    width >= WIDE
        && data.facts.len() > 1
        && data.facts.iter().all(|(_, v)| label_w + 3 + unicode_width::UnicodeWidthStr::width(v.as_str()) <= half)
}

/// The text of a detail view for `height` rows: facts (in two columns when wide), then the notes
/// (service health, the suggestion and its evidence). When it does not fit, the summary comes
/// first, the facts after it, and the last row says how much more a taller terminal shows.
fn text_lines<'a>(
    data: &ResourceDetail,
    notes: Vec<Line<'a>>,
    two_cols: bool,
    width: u16,
    height: u16,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let label_w = label_width(data);
    let col_w = if two_cols { (width / 2) as usize } else { width as usize };
    // A fact: its label (muted) and its value, cut to its column.
    let fact = |(l, v): &(String, String)| -> Vec<Span<'a>> {
        let room = col_w.saturating_sub(label_w + 3);
        vec![Span::styled(format!("{l:<label_w$}  "), theme.muted()), Span::raw(truncate(v, room))]
    };
    let fact_rows: Vec<Line> = if two_cols {
        let half = data.facts.len().div_ceil(2);
        (0..half)
            .map(|i| {
                let mut spans = fact(&data.facts[i]);
                let used: usize = spans.iter().map(|s| s.width()).sum();
                spans.push(Span::raw(" ".repeat(col_w.saturating_sub(used))));
                if let Some(right) = data.facts.get(half + i) {
                    spans.extend(fact(right));
                }
                Line::from(spans)
            })
            .collect()
    } else {
        data.facts.iter().map(|f| Line::from(fact(f))).collect()
    };
    let total = fact_rows.len() + notes.len();
    let height = height as usize;
    if total <= height {
        return fact_rows.into_iter().chain(notes).collect();
    }
    // Folded: the summary first, then the facts, then a line for what is left out.
    let mut out: Vec<Line> = notes.into_iter().chain(fact_rows).take(height.saturating_sub(1)).collect();
    let more = total - out.len();
    out.push(Line::from(Span::styled(format!("… {more} more lines: enter shows all the text"), theme.muted())));
    out
}

/// Every line of the view's text (`enter`), facts then notes, from line `scroll`; the last row
/// says how many lines are below when they do not all fit.
fn draw_all_text(
    frame: &mut Frame,
    area: Rect,
    data: &ResourceDetail,
    notes: Vec<Line>,
    two_cols: bool,
    scroll: u16,
    theme: &Theme,
) {
    let mut lines = text_lines(data, notes, two_cols, area.width, u16::MAX, theme);
    let height = area.height as usize;
    let start = (scroll as usize).min(lines.len().saturating_sub(height));
    let below = lines.len().saturating_sub(start + height);
    let mut shown: Vec<Line> = lines.drain(start..).take(height).collect();
    if below > 0 && !shown.is_empty() {
        shown.pop();
        let note = format!("… {} more lines (j scrolls)", below + 1);
        shown.push(Line::from(Span::styled(note, theme.muted())));
    }
    frame.render_widget(Paragraph::new(shown), area);
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, detail: &DetailState, theme: &Theme) {
    frame.render_widget(Clear, area);
    let title = detail.data.as_ref().map_or(detail.resource.to_string(), |d| d.title.clone());
    let loading = if detail.data.is_none() && detail.error.is_none() { " · loading…" } else { "" };
    let left = format!(" {title} · {}{loading} ", detail.window);
    let keys = if detail.text.is_some() {
        " j/k: scroll · enter: charts ".to_string()
    } else if detail.from_incident {
        " w: window · j/k: next/prev event · esc: back to the timeline ".to_string()
    } else {
        format!(" w: window · j/k: next/prev {} · esc: back ", state.focus.command())
    };
    // The keys give way to the name (the footer lists them too); the two never overlap.
    let room = (area.width as usize).saturating_sub(2);
    let keys = if left.width() + keys.width() <= room { keys } else { String::new() };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.border(true))
        .title(Span::styled(crate::common::text::middle(&left, room), theme.title()))
        .title(Line::from(Span::styled(keys, theme.muted())).right_aligned())
        .style(theme.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(e) = &detail.error {
        let lines = vec![
            Line::from(Span::styled(format!("✖ {e}"), theme.critical())),
            Line::from(Span::styled(e.hint(), theme.muted())),
        ];
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let Some(data) = &detail.data else {
        return;
    };
    let mut data = with_suggestion(data, state, detail);
    with_changes(&mut data, state, &detail.resource);
    // The event this view was opened for, in words too: not every resource has a chart to mark.
    if let Some((t, label)) = &detail.marker {
        data.notes.insert(0, format!("▶ {label} ({} ago)", crate::common::format::age(state.now, *t)));
    }
    let data = &data;
    let two_cols = facts_in_two_columns(data, inner.width);
    let notes = note_lines(data, inner.width, theme);
    if let Some(scroll) = detail.text {
        return draw_all_text(frame, inner, data, notes, two_cols, scroll, theme);
    }
    let text_rows = if two_cols { data.facts.len().div_ceil(2) } else { data.facts.len() } + notes.len();
    let (text_area, areas) = split(inner, data.charts.len(), text_rows as u16);
    let text = text_lines(data, notes, two_cols, inner.width, text_area.height, theme);
    frame.render_widget(Paragraph::new(text), text_area);
    let marker = detail.marker.as_ref().map(|(t, label)| ((*t - state.now).num_seconds() as f64, label.as_str()));
    for (chart, area) in data.charts.iter().zip(areas.iter()) {
        draw_chart(frame, *area, chart, marker, theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_get_a_readable_height_before_the_text_takes_more() {
        // 120×35: the view's inside is 118×31; an ECS detail has four charts and ~22 lines of text.
        let (text, charts) = split(Rect::new(0, 0, 118, 31), 4, 22);
        assert_eq!(charts.len(), 4, "two by two");
        assert!(charts.iter().all(|c| c.height >= MIN_CHART_ROWS), "{charts:?}");
        assert!(text.height >= 4, "the summary stays");
        // 80×24: one column; the charts that fit, whole, rather than four a row tall.
        let (text, charts) = split(Rect::new(0, 0, 78, 20), 4, 22);
        assert_eq!(charts.len(), 2);
        assert!(charts.iter().all(|c| c.height >= MIN_CHART_ROWS), "{charts:?}");
        assert_eq!(text.height + charts.iter().map(|c| c.height).sum::<u16>(), 20, "no rows left empty");
        // Room for everything: the text whole, the charts the rest.
        let (text, charts) = split(Rect::new(0, 0, 158, 46), 4, 12);
        assert_eq!(text.height, 12);
        assert!(charts.iter().all(|c| c.height >= 17));
        // Too short for any chart: text only.
        let (text, charts) = split(Rect::new(0, 0, 78, 8), 2, 10);
        assert!(charts.is_empty() && text.height == 8);
    }
}
