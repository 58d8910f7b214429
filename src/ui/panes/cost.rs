//! Cost trends: daily cost chart, month to date against the forecast, anomalies, per service.

use crate::app::layout::cost_split;
use crate::app::state::{PaneId, State};
use crate::common::format::{change, money, short_service_name, sparkline};
use crate::domain::{CostReport, ServiceCost};
use crate::ui::pane_frame::Title;
use crate::ui::table::{self, Column, col};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph};

/// The service column is as wide as the (short) names, set in `draw`; under `--org` the account
/// is a column of its own (rows are `account: service`).
const COLUMNS: [Column; 7] = [
    col("SERVICE", 16, 0),
    col("ACCOUNT", 7, 3).identifier().alternate(),
    col("MONTH TO DATE", 13, 0),
    col("LAST MONTH", 10, 2),
    col("FORECAST", 10, 1),
    col("CHANGE", 7, 0),
    col("30 days", 15, 3),
];

/// Under `--org` a row is `account: service`; the payer's bill also names linked accounts the
/// organization no longer lists (closed, moved out, outside `--ou`): their name is the account
/// all the same. Without `--org`: no account, the service as it is.
fn account_and_service<'a>(state: &'a State, shown: &'a str) -> (&'a str, &'a str) {
    if state.source.accounts.is_empty() {
        return ("—", shown);
    }
    super::account_and_rest(state, shown).or_else(|| shown.split_once(": ")).unwrap_or(("—", shown))
}

fn cell<'a>(s: &ServiceCost, report: &CostReport, column: usize, state: &State, theme: &Theme) -> Line<'a> {
    match column {
        0 => {
            let name = short_service_name(account_and_service(state, &s.service).1).to_string();
            if report.is_anomalous(&s.service) {
                Line::from(vec![Span::styled("⚠ ", theme.critical()), Span::raw(name)])
            } else {
                Line::from(name)
            }
        }
        1 => Line::from(account_and_service(state, &s.service).0.to_string()),
        2 => Line::from(format!("{:>13}", money(s.month_to_date))),
        3 => Line::from(Span::styled(format!("{:>10}", money(s.last_month)), theme.muted())),
        4 => Line::from(format!("{:>10}", money(s.forecast))),
        5 => {
            let c = s.change_pct();
            let style = match c {
                Some(p) if p >= 10.0 => theme.critical(),
                Some(p) if p >= 3.0 => theme.warn(),
                Some(p) if p <= -3.0 => theme.ok(),
                _ => theme.base(),
            };
            Line::from(Span::styled(format!("{:>7}", change(c)), style))
        }
        _ => {
            let recent = &s.daily[s.daily.len().saturating_sub(30)..];
            // Scaled between the series' own low and high: the shape is what matters here.
            let low = recent.iter().copied().fold(f64::MAX, f64::min) as f32;
            let values: Vec<f32> = recent.iter().map(|v| *v as f32 - low * 0.9).collect();
            let max = values.iter().copied().fold(0.0, f32::max);
            Line::from(Span::styled(sparkline(&values, 15, max), theme.series(0)))
        }
    }
}

fn summary<'a>(r: &CostReport, theme: &Theme) -> Line<'a> {
    let last = r.last_month();
    let pct = (last > 0.0).then(|| (r.forecast() - last) / last * 100.0);
    let mut spans = vec![
        Span::styled("MTD ", theme.muted()),
        Span::styled(money(r.month_to_date()), theme.title()),
        Span::styled("  forecast ", theme.muted()),
        Span::raw(money(r.forecast())),
        Span::styled(format!(" ({} vs last month {})", change(pct), money(last)), theme.muted()),
    ];
    if !r.anomalies.is_empty() {
        spans.push(Span::styled(
            format!("  ⚠ {} anomal{}", r.anomalies.len(), if r.anomalies.len() == 1 { "y" } else { "ies" }),
            theme.critical(),
        ));
    }
    Line::from(spans)
}

fn chart(frame: &mut Frame, area: Rect, r: &CostReport, days: usize, theme: &Theme) {
    let [head, bars, axis] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(summary(r, theme)), head);
    let total = r.total_daily();
    // As many of the last `days` days as there are columns for, each as wide as fits.
    let shown = days.min(total.len()).min(bars.width as usize);
    let (bar_width, gap) = match (bars.width as usize).checked_div(shown).unwrap_or(1) {
        0 | 1 => (1, 0),
        2 => (1, 1),
        n => ((n - 1) as u16, 1),
    };
    let first = total.len() - shown;
    let anomalous: Vec<_> = r.anomalies.iter().map(|a| a.date).collect();
    let data: Vec<Bar> = total[first..]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let date = r.date_of(first + i);
            let style = if anomalous.contains(&date) {
                theme.critical()
            } else if date == r.today {
                theme.muted()
            } else {
                theme.series(0)
            };
            Bar::default().value(v.max(0.0).round() as u64).style(style).text_value(String::new())
        })
        .collect();
    let chart =
        BarChart::default().data(BarGroup::default().bars(&data)).bar_width(bar_width).bar_gap(gap).style(theme.base());
    frame.render_widget(chart, bars);
    if shown > 0 {
        let from = r.date_of(first).format("%b %d").to_string();
        let to = format!("today (partial) · daily total, last {shown} days");
        let drawn = shown * (bar_width + gap) as usize;
        let gap = drawn.saturating_sub(from.chars().count() + to.chars().count()).max(1);
        frame
            .render_widget(Paragraph::new(Span::styled(format!("{from}{}{to}", " ".repeat(gap)), theme.muted())), axis);
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, focused: bool) {
    let mut columns = COLUMNS;
    let shown = |s: &ServiceCost| short_service_name(account_and_service(state, &s.service).1).len() + 2;
    let longest = state.cost.data.iter().flat_map(|r| &r.services).map(shown).max();
    columns[0].width = (longest.unwrap_or(0) as u16).clamp(7, 28);
    super::show_account_column(state, &mut columns[1]);
    let hidden = table::hidden(&columns, area.width.saturating_sub(2));
    let missing = state.cost.data.as_ref().map_or(0, |r| r.missing.len());
    let detail = if missing > 0 {
        let what: Vec<&str> =
            state.cost.data.iter().flat_map(|r| r.missing.iter().map(|m| m.split(':').next().unwrap_or(""))).collect();
        format!("amortized USD · chart {}d (w) · no {} (see the log)", state.cost_days, what.join(", "))
    } else {
        format!("amortized USD · chart {}d (w)", state.cost_days)
    };
    let Some(body) = super::frame_and_body(frame, area, state, PaneId::Cost, theme, focused, Title { hidden, detail })
    else {
        return;
    };
    let Some(report) = state.cost.data.as_ref() else {
        return;
    };
    let (top, table_area) = cost_split(body);
    if top.height >= 7 {
        chart(frame, top, report, state.cost_days, theme);
    } else if top.height > 0 {
        frame.render_widget(Paragraph::new(summary(report, theme)), top);
    }
    table::draw(frame, table_area, theme, &columns, &state.cost.view, focused, |i, c| {
        cell(&report.services[i], report, c, state, theme)
    });
}
