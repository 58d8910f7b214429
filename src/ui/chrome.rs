//! Header (source, account, regions, window, data age, refresh state) and footer (key hints,
//! the command or filter being typed, or the last status message).

use super::theme::Theme;
use crate::app::command;
use crate::app::state::{InputKind, Level, Overlay, PaneId, State};
use crate::common::format::{age, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn header(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let src = &state.source;
    let mut spans = vec![
        Span::styled(" infradeck ", theme.title()),
        Span::styled("│ ", theme.muted()),
        Span::raw(src.label.clone()),
    ];
    if let Some(acct) = &src.account {
        spans.push(Span::styled(format!(" · {acct}"), theme.muted()));
    }
    if !src.regions.is_empty() {
        spans.push(Span::styled(format!(" · {}", src.regions.join(",")), theme.muted()));
    }
    // What the session has cost ("≈": the demo fleet's count of what the same reads would
    // cost on AWS), and, where there is room, the pace: what a day at it would cost.
    let mut pace = None;
    if let Some(spend) = &state.api_spend {
        let approx = if spend.simulated { "≈" } else { "" };
        spans.push(Span::styled(format!(" · {approx}${:.2}", spend.usd), theme.muted()));
        let rate = state.budget.rate_per_day();
        pace = rate.map(|r| (spans.len(), format!(" · ${r:.2}/day")));
        spans.push(Span::raw(""));
    }
    if src.read_only {
        spans.push(Span::styled(" │ ", theme.muted()));
        spans.push(Span::styled("READ-ONLY", theme.warn()));
    }
    spans.push(Span::styled(" │ window ", theme.muted()));
    spans.push(Span::styled(state.window.label(), theme.info()));
    spans.push(Span::styled(" │ ", theme.muted()));
    let loading: Vec<&str> =
        PaneId::ALL.iter().filter(|p| state.fetch(**p).inflight.is_some()).map(|p| p.command()).collect();
    let failed: Vec<&str> =
        PaneId::ALL.iter().filter(|p| state.fetch(**p).error.is_some()).map(|p| p.command()).collect();
    let oldest = PaneId::ALL.iter().filter_map(|p| state.fetch(*p).fetched_at).min();
    if !failed.is_empty() {
        spans.push(Span::styled(format!("✖ {} stale ", failed.join(",")), theme.critical()));
    }
    if !loading.is_empty() {
        spans.push(Span::styled(format!("⟳ {} ", loading.join(",")), theme.info()));
    }
    match oldest {
        Some(t) => spans.push(Span::styled(format!("data ≤{} old", age(state.now, t)), theme.muted())),
        None => spans.push(Span::styled("loading…", theme.muted())),
    }
    let right = Line::from(Span::styled(
        format!("{} · {} ", state.theme_name(), state.now.format("%H:%M:%S UTC")),
        theme.muted(),
    ))
    .right_aligned();
    // The pace goes in the place kept for it after the spend, when the line still fits.
    if let Some((slot, pace)) = pace {
        let width: usize = spans.iter().map(|s| s.width()).sum();
        if area.width as usize > width + pace.chars().count() + right.width() + 2 {
            spans[slot] = Span::styled(pace, theme.muted());
        }
    }
    let left = Line::from(spans);
    let fits = area.width as usize > left.width() + right.width() + 2;
    frame.render_widget(Paragraph::new(left).style(theme.base()), area);
    if fits {
        frame.render_widget(Paragraph::new(right), area);
    }
}

pub fn footer(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let line = if let Some(input) = &state.input {
        let (prefix, rest) = match input.kind {
            InputKind::Command => {
                let c = command::candidates(&input.text, &state.themes, State::sort_columns(state.focus));
                let shown: Vec<String> = c.into_iter().take(8).collect();
                (":", if shown.is_empty() { String::new() } else { format!("   tab: {}", shown.join("  ")) })
            }
            InputKind::Filter if matches!(state.overlay, Some(Overlay::Incident)) => {
                ("/", "   kind:deploy res:orders words · enter keep · esc cancel".into())
            }
            InputKind::Filter => ("/", "   enter keep · esc cancel · !text inverts".into()),
            InputKind::Note => ("note: ", "   enter adds it to the timeline · esc cancel".into()),
            InputKind::ForwardVia => (
                "through: ",
                format!(
                    "   CLUSTER/SERVICE [LOCAL PORT]: a service whose task reaches {} · enter forwards · esc cancel",
                    state.forward_group.as_deref().unwrap_or("the group")
                ),
            ),
            InputKind::LogPattern => {
                ("/", "   a CloudWatch Logs filter pattern (ERROR, \"timed out\", ?WARN ?ERROR) · enter reads".into())
            }
        };
        Line::from(vec![
            Span::styled(prefix, theme.title()),
            Span::raw(input.text.clone()),
            Span::styled("█", theme.info()),
            Span::styled(rest, theme.muted()),
        ])
    } else if let Some((level, text)) = &state.status {
        let style = match level {
            Level::Info => theme.info(),
            Level::Warn => theme.warn(),
            Level::Error => theme.critical(),
        };
        Line::from(Span::styled(format!(" {}", truncate(text, (area.width as usize).saturating_sub(1))), style))
    } else {
        // The hints are buttons: placed by `app::buttons`, which the mouse hits with.
        let mut spans = Vec::new();
        let mut x = area.x;
        for b in crate::app::buttons::footer(state) {
            spans.push(Span::raw(" ".repeat(b.area.x.saturating_sub(x) as usize)));
            spans.push(Span::styled(b.key_text, theme.title()));
            spans.push(Span::styled(format!(" {}", b.label), theme.muted()));
            x = b.area.right();
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line).style(theme.base()), area);
}
