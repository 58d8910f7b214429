//! `:accounts` under `--org`: one line per account of the organization — its OU, services,
//! this month's cost (forecast), the savings right-sizing found, services under-provisioned and
//! alarms firing — with the organization's sum on top; `enter` narrows the pane to the account.

use crate::app::state::State;
use crate::common::format::{money, truncate};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, selected: usize) {
    let totals = crate::app::accounts::totals(state);
    let title = format!(" accounts · {} in the organization · enter narrows the pane to one ", totals.len());
    let Some(inner) = super::framed(frame, area, 130, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let cost = |v: Option<f64>| v.map_or("—".to_string(), money);
    let line =
        |name: &str, ou: &str, services: String, month: String, savings: String, under: String, firing: String| {
            format!(
                "{:<28} {:<18} {:>8} {:>12} {:>14} {:>6} {:>7}",
                truncate(name, 28),
                truncate(ou, 18),
                services,
                month,
                savings,
                under,
                firing
            )
        };
    let sum = |f: &dyn Fn(&crate::accounts::AccountTotals) -> f64| totals.iter().map(f).sum::<f64>();
    let mut lines = vec![
        Line::from(Span::styled(
            truncate(
                &line(
                    "ACCOUNT",
                    "OU",
                    "SERVICES".into(),
                    "MONTH".into(),
                    "SAVINGS/MO".into(),
                    "UNDER".into(),
                    "FIRING".into(),
                ),
                width,
            ),
            theme.header(),
        )),
        Line::from(Span::styled(
            truncate(
                &line(
                    "all accounts",
                    "",
                    totals.iter().map(|t| t.services).sum::<usize>().to_string(),
                    cost(state.cost.data.as_ref().map(|_| sum(&|t| t.month_forecast.unwrap_or(0.0)))),
                    money(sum(&|t| t.savings)),
                    totals.iter().map(|t| t.under_provisioned).sum::<usize>().to_string(),
                    totals.iter().map(|t| t.alarms_firing).sum::<usize>().to_string(),
                ),
                width,
            ),
            theme.title(),
        )),
    ];
    // The last line says more about the selected account: why it was not reached, or where its
    // metrics are read (with a monitoring account).
    let rows = (inner.height as usize).saturating_sub(lines.len() + 1);
    let skip = selected.saturating_sub(rows.saturating_sub(1));
    for (i, t) in totals.iter().enumerate().skip(skip).take(rows) {
        let name = match &t.unreachable {
            Some(_) => format!("{} (not reached)", t.name),
            None => t.name.clone(),
        };
        let text = line(
            &name,
            t.ou.as_deref().unwrap_or("—"),
            t.services.to_string(),
            cost(t.month_forecast),
            money(t.savings),
            t.under_provisioned.to_string(),
            t.alarms_firing.to_string(),
        );
        let style = if t.unreachable.is_some() {
            theme.critical()
        } else if t.alarms_firing > 0 || t.under_provisioned > 0 {
            theme.warn()
        } else {
            theme.base()
        };
        let row = Line::from(Span::styled(truncate(&text, width), style));
        lines.push(super::selected_line(row, i == selected, theme));
    }
    if let Some(t) = totals.get(selected) {
        let about = t.unreachable.as_deref().or(t.metrics.as_deref()).unwrap_or("");
        let text = format!("{} {}{}{about}", t.name, t.id, if about.is_empty() { "" } else { " · " });
        lines.resize(inner.height.saturating_sub(1) as usize, Line::default());
        lines.push(Line::from(Span::styled(truncate(&text, width), theme.muted())));
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base()), inner);
}
