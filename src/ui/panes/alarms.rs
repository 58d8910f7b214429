//! CloudWatch alarms: ALARM first, with what they watch and the selected alarm's history.

use crate::app::layout::alarms_split;
use crate::app::state::{PaneId, State};
use crate::common::format::{age, truncate};
use crate::domain::{Alarm, ResourceRef};
use crate::ui::pane_frame::Title;
use crate::ui::table::{self, Column, col, flex};
use crate::ui::theme::{Theme, alarm_symbol};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Under `--org` the account is a column of its own (shown by `draw`); ALARM and RESOURCE then
/// drop it from their names.
const COLUMNS: [Column; 7] = [
    col("STATE", 8, 0),
    col("ACCOUNT", 7, 3).identifier().alternate(),
    flex("ALARM", 20, 0, 18).identifier(),
    col("CONDITION", 30, 3),
    col("RESOURCE", 26, 2).identifier(),
    col("SINCE", 7, 0),
    col("24h", 8, 1),
];

fn cell<'a>(a: &Alarm, column: usize, state: &State, theme: &Theme) -> Line<'a> {
    let now = state.now;
    match column {
        // A target-tracking alarm in ALARM is autoscaling doing its job: shown, not raised.
        0 if a.scaling && a.state == crate::domain::AlarmState::Alarm => {
            Line::from(Span::styled("↕ SCALE", theme.muted()))
        }
        0 => Line::from(Span::styled(
            format!("{} {}", alarm_symbol(a.state), a.state.short()),
            theme.alarm_state(a.state),
        )),
        1 => super::account_cell(state, &a.name),
        2 => Line::from(super::without_account(state, &a.name).to_string()),
        3 => Line::from(Span::styled(
            truncate(&format!("{} {} {}", a.metric, a.comparison.symbol(), a.threshold), 30),
            theme.muted(),
        )),
        4 => Line::from(a.resource.as_ref().map_or("—".to_string(), |r| resource(r, state))),
        5 => Line::from(age(now, a.since)),
        _ => {
            let changes = a.history.iter().filter(|h| now - h.time <= chrono::Duration::hours(24)).count();
            if a.is_flapping(now) {
                Line::from(Span::styled(format!("{changes}≈flap"), theme.warn()))
            } else {
                Line::from(Span::styled(format!("{changes}"), theme.muted()))
            }
        }
    }
}

/// What the alarm watches, less the account when the ACCOUNT column shows it
/// (`ecs:team-01@us-east-1:prod/api` → `ecs:us-east-1:prod/api`).
fn resource(r: &ResourceRef, state: &State) -> String {
    let (kind, shown) = match r {
        ResourceRef::EcsService { cluster, service } => ("ecs", format!("{cluster}/{service}")),
        ResourceRef::CacheGroup(id) => ("redis", id.clone()),
        ResourceRef::CostService(s) => ("cost", s.clone()),
        ResourceRef::Alarm(a) => ("alarm", a.clone()),
    };
    format!("{kind}:{}", super::without_account(state, &shown))
}

fn history(frame: &mut Frame, area: Rect, a: &Alarm, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border(false))
        .title(Span::styled(format!(" history: {} ", a.name), theme.header()));
    let mut lines: Vec<Line> = a
        .history
        .iter()
        .take(area.height.saturating_sub(1) as usize)
        .map(|h| {
            Line::from(vec![
                Span::styled(h.time.format("%m-%d %H:%M  ").to_string(), theme.muted()),
                Span::styled(format!("{:>6}", h.from.short()), theme.alarm_state(h.from)),
                Span::raw(" → "),
                Span::styled(format!("{:<7}", h.to.short()), theme.alarm_state(h.to)),
                Span::styled(h.reason.clone(), theme.muted()),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(format!("no state changes in 24h · {}", a.reason), theme.muted())));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, focused: bool) {
    let firing = state.alarms.rows().iter().filter(|a| a.firing()).count();
    let scaling =
        state.alarms.rows().iter().filter(|a| a.scaling && a.state == crate::domain::AlarmState::Alarm).count();
    let detail = if scaling > 0 {
        // Target-tracking alarms in ALARM are autoscaling at work: counted apart.
        format!("{firing} in ALARM · {scaling} scaling")
    } else {
        format!("{firing} in ALARM")
    };
    let mut columns = COLUMNS;
    super::show_account_column(state, &mut columns[1]);
    let Some(body) =
        super::frame_and_body(frame, area, state, PaneId::Alarms, theme, focused, Title { hidden: 0, detail })
    else {
        return;
    };
    let alarms = state.alarms.rows();
    let (table_area, history_area) = alarms_split(body);
    table::draw(frame, table_area, theme, &columns, &state.alarms.view, focused, |i, c| {
        cell(&alarms[i], c, state, theme)
    });
    if let (Some(h), Some(a)) = (history_area, state.alarms.selected()) {
        history(frame, h, a, theme);
    }
}
