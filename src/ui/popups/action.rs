//! A service action's plan: what it does, before → after, the exact requests, what to know, and
//! the confirmation (y, or the service's name typed on a protected profile).

use crate::app::service_action::service_label;
use crate::app::state::{ActionPhase, ActionState};
use crate::common::text::{truncate, wrap};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, a: &ActionState, theme: &Theme) {
    let service = service_label(&a.service);
    let title = format!(" {} ", a.action.title(&service));
    let Some(inner) = super::framed(frame, area, 110, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let text = |s: String, style| Line::from(Span::styled(truncate(&s, width), style));
    let mut lines = Vec::new();
    match &a.phase {
        ActionPhase::Asking { prompt, typed } => {
            lines.push(text(format!("{prompt}: {typed}▏"), theme.warn()));
            lines.push(text("esc cancels".into(), theme.muted()));
        }
        ActionPhase::Planning => lines.push(text("reading the live service…".into(), theme.muted())),
        _ => {}
    }
    if let Some(plan) = &a.plan {
        lines.push(text(format!("where   {}", plan.target), theme.base()));
        lines.push(text(format!("now     {}", plan.before), theme.base()));
        lines.push(text(format!("after   {}", plan.after), theme.base()));
        lines.push(Line::from(""));
        lines.push(text("requests, in order:".into(), theme.header()));
        for r in &plan.requests {
            for l in wrap(r, width.saturating_sub(4).max(8), 0) {
                lines.push(text(format!("  {l}"), theme.base()));
            }
        }
        for n in &plan.notes {
            for (i, l) in wrap(n, width.saturating_sub(4).max(8), 0).into_iter().enumerate() {
                lines.push(text(format!("{} {l}", if i == 0 { "⚠" } else { " " }), theme.warn()));
            }
        }
        lines.push(Line::from(""));
        let prompt = match (&a.phase, plan.read_only, &plan.blocked, plan.protected) {
            (ActionPhase::Ready, true, _, _) => {
                ("read-only: this cannot be sent (esc closes)".into(), theme.critical())
            }
            (ActionPhase::Ready, _, Some(why), _) => {
                (format!("cannot be sent from here: {why} (esc closes)"), theme.critical())
            }
            (ActionPhase::Ready, _, _, true) => (
                format!(
                    "protected profile: type {} and enter to send · esc cancels › {}▏",
                    plan.confirm_word(),
                    a.typed
                ),
                theme.warn(),
            ),
            (ActionPhase::Ready, _, _, _) if plan.dry_run => {
                ("y lists it (dry run: nothing sent) · esc cancels".into(), theme.info())
            }
            (ActionPhase::Ready, _, _, _) => ("y sends it · esc cancels".into(), theme.warn()),
            (ActionPhase::Applying, ..) => ("sending…".into(), theme.info()),
            (ActionPhase::Applied, ..) => {
                ("sent and recorded in the audit log · esc: back to the tasks".into(), theme.ok())
            }
            _ => (String::new(), theme.base()),
        };
        lines.push(text(prompt.0, prompt.1));
    }
    if let Some(e) = &a.error {
        lines.push(text(format!("✖ {e} — {}", e.hint()), theme.critical()));
        lines.push(text("esc: back to the tasks".into(), theme.muted()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
