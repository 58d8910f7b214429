//! `:budget`: what the session has cost in AWS charges and on what (metrics by what asked for
//! them, Cost Explorer, requests by operation), the pace against the budget, and when each part
//! is read next.

use crate::app::schedule::{self, Presence};
use crate::app::state::State;
use crate::common::format::age;
use crate::provider::meter::METRIC_USD;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

fn row<'a>(label: String, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![Span::styled(format!("  {label:<40}"), theme.muted()), Span::styled(value, theme.base())])
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(inner) =
        super::framed(frame, area, 100, " budget · what this session costs in AWS charges ".into(), theme)
    else {
        return;
    };
    let b = &state.budget;
    let mut lines = Vec::new();
    let Some(spend) = &state.api_spend else {
        lines.push(Line::from(Span::styled("this source costs nothing to read", theme.muted())));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let sim = if spend.simulated { " (simulated: what the same reads would cost on AWS)" } else { "" };
    lines.push(Line::from(Span::styled(format!("spent this session ${:.4}{sim}", spend.usd), theme.title())));
    let pace = b.rate_per_day().map_or("— (after a few minutes)".into(), |r| format!("${r:.2} a day"));
    lines.push(row("pace (the last hour)".into(), pace, theme));
    lines.push(row("budget ([aws] budget_usd_per_day)".into(), format!("${:.2} a day", b.usd_per_day), theme));
    lines.push(row(
        "left to spend now".into(),
        format!("${:.4} (the bucket holds six hours: ${:.4})", b.balance, b.holds()),
        theme,
    ));
    let who = match schedule::presence(state) {
        Presence::Here => "someone at the keys: rows on screen each minute",
        Presence::Away => "nobody at the keys: everything hourly",
    };
    lines.push(row("reading".into(), who.into(), theme));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("CloudWatch metrics ($0.01 per 1,000)", theme.title())));
    for (source, n) in &spend.metrics {
        lines.push(row(source.label().into(), format!("{n} metrics  ${:.4}", *n as f64 * METRIC_USD), theme));
    }
    let ce = spend.cost_explorer_requests();
    lines.push(row(
        "Cost Explorer ($0.01 a request)".into(),
        format!("{ce} requests  ${:.2}", ce as f64 * 0.01),
        theme,
    ));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "requests by operation (ECS's throttle budget is the account's)",
        theme.title(),
    )));
    let mut ops: Vec<(&String, &u64)> = spend.by_operation.iter().collect();
    ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (op, n) in ops.iter().take(12) {
        lines.push(row((*op).clone(), n.to_string(), theme));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("read next", theme.title())));
    for part in schedule::parts(state) {
        let when = match part.next {
            Some(t) if t <= state.now => "now".to_string(),
            Some(t) => format!("in {}", age(t, state.now)),
            None => "—".into(),
        };
        let held = if part.held { " · held by the budget" } else { "" };
        lines.push(row(part.what, format!("{when}{held}"), theme));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
