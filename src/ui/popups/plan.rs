//! `a`: a resize plan. Everything the user needs to say yes or no: before → after for the task
//! and each container, the cost change, risk and evidence, who else owns the resource, and the
//! exact requests. Sizing only: environment values and secrets are never part of a plan.

use crate::app::state::{PlanPhase, PlanState, State};
use crate::app::suggest::money_change;
use crate::apply::ResizePlan;
use crate::apply::plan::short_task_definition;
use crate::sizing::recommend::Risk;
use crate::ui::cells::put;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

fn field<'a>(name: &str, value: String, style: Style, theme: &Theme) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{name:<11}"), theme.muted()), Span::styled(value, style)])
}

fn mib(v: Option<u32>) -> String {
    v.map_or("—".into(), |m| m.to_string())
}

/// One container's change in words: only the values it sets, and why a sidecar keeps its size.
fn container_line(c: &crate::apply::ContainerChange) -> String {
    let pair = |(a, b): (Option<u32>, Option<u32>), what: &str| match (a, b) {
        (None, None) => None,
        (a, b) if a == b => Some(format!("{what} {} MiB", mib(a))),
        (a, b) => Some(format!("{what} {} → {} MiB", mib(a), mib(b))),
    };
    let cpu = match c.cpu {
        (0, 0) => "cpu 0 (shares the task's)".to_string(),
        (a, b) if a == b => format!("cpu {a}"),
        (a, b) => format!("cpu {a} → {b}"),
    };
    let mut parts = vec![cpu];
    parts.extend(pair(c.memory_hard, "hard"));
    parts.extend(pair(c.memory_soft, "soft"));
    if c.memory_hard == (None, None) {
        parts.push("no hard limit".into());
    }
    let mut line = format!("{}: {}", c.name, parts.join(" · "));
    if let Some(kind) = c.sidecar.filter(|_| !c.changed()) {
        line.push_str(&format!(" · {}, kept", kind.label()));
    }
    line
}

/// The plan's lines; `code` is the change as code (shown before the direct apply's warning).
fn plan_lines<'a>(plan: &ResizePlan, code: Vec<Line<'a>>, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![field("where", plan.target.clone(), theme.base(), theme)];
    if plan.node_type.is_some() {
        lines.push(field("node type", plan.summary(), theme.title(), theme));
        let when = if plan.apply_now {
            "now (ApplyImmediately: a failover and brief reconnects)"
        } else {
            "at the next maintenance window"
        };
        lines.push(field("applies", format!("{when} · w switches"), theme.warn(), theme));
    } else {
        lines.push(field(
            "now runs",
            short_task_definition(&plan.base_task_definition).to_string(),
            theme.base(),
            theme,
        ));
        lines.push(field("task", plan.summary(), theme.title(), theme));
    }
    for c in &plan.containers {
        lines.push(field("container", container_line(c), theme.base(), theme));
    }
    let risk_style = match plan.risk {
        Risk::High => theme.critical(),
        Risk::Medium => theme.warn(),
        Risk::Low => theme.ok(),
    };
    lines.push(Line::from(vec![
        Span::styled(format!("{:<11}", "cost"), theme.muted()),
        Span::styled(money_change(plan.monthly_change), theme.base()),
        Span::styled(" · risk ", theme.muted()),
        Span::styled(format!("{:?}", plan.risk), risk_style),
    ]));
    if let Some(h) = &plan.health {
        lines.push(field("health now", h.clone(), theme.base(), theme));
    }
    if let Some(why) = &plan.blocked {
        lines.push(field("⚠ apply", format!("not from here: {why}"), theme.warn(), theme));
    }
    let has_code = !code.is_empty();
    lines.extend(code);
    if let Some(owner) = &plan.owner {
        let instead = if has_code { "make the code change above instead" } else { "export the change as code instead" };
        lines.push(field(
            "⚠ direct",
            format!("{owner} owns it: a change applied here is drift its next deploy reverts; {instead}"),
            theme.warn(),
            theme,
        ));
    }
    lines.push(Line::from(Span::styled("why", theme.muted())));
    lines.extend(plan.evidence.iter().map(|e| Line::from(Span::styled(format!("  · {e}"), theme.base()))));
    lines.push(Line::from(Span::styled("requests, in order", theme.muted())));
    lines.extend(
        plan.requests
            .iter()
            .enumerate()
            .map(|(i, r)| Line::from(Span::styled(format!("  {}. {r}", i + 1), theme.base()))),
    );
    lines
}

/// After an apply: the service's deployment as the ECS pane last saw it, so the rollout can be
/// watched without leaving the plan.
fn rollout_line<'a>(state: &State, p: &PlanState, theme: &Theme) -> Option<Line<'a>> {
    use crate::domain::{ResourceRef, Rollout};
    let ResourceRef::EcsService { cluster, service } = &p.resource else {
        return None;
    };
    let row = state.ecs.rows().iter().find(|s| &s.cluster == cluster && &s.name == service)?;
    let d = row.deployment.as_ref()?;
    let text = format!(
        "deployment of {}: {} · {}/{} running · {} pending · {} failed{} · any key closes",
        d.task_definition,
        d.rollout.label(),
        d.running,
        d.desired,
        d.pending,
        d.failed_tasks,
        d.reason.as_ref().map_or(String::new(), |r| format!(" · {r}"))
    );
    let style = match d.rollout {
        Rollout::InProgress => theme.info(),
        Rollout::Completed => theme.ok(),
        Rollout::Failed => theme.critical(),
    };
    Some(Line::from(Span::styled(text, style)))
}

/// After a resize: p99 and 5xx since the change beside the same span before it, from the
/// service's last hour (fetched each minute while the plan is open).
fn since_line<'a>(state: &State, p: &PlanState, theme: &Theme) -> Line<'a> {
    use super::service_health::{SinceChange, since_change};
    let key = p.plan.as_ref().map(|plan| plan.resource_name()).unwrap_or_default();
    let (Some(data), Some(at)) = (&p.since, state.last_change(&key)) else {
        return field("since", "reading the service's last hour…".into(), theme.muted(), theme);
    };
    let ago = (state.now - at).num_seconds().max(0) as f64;
    let text = match since_change(data, ago) {
        SinceChange::Figures { p99: (p0, p1), errors: (e0, e1) } => format!(
            "p99 {p0:.0} → {p1:.0} ms · 5xx {e0:.2} → {e1:.2} % ({} before vs. since the change)",
            crate::common::format::age(state.now, at)
        ),
        SinceChange::NoPeriodYet => "p99 and 5xx since the change: waiting for the first whole minute".into(),
        SinceChange::NoLoadBalancer => "no load balancer: no latency or 5xx to compare".into(),
    };
    field("since", text, theme.info(), theme)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, p: &PlanState, theme: &Theme) {
    let name = match &p.plan {
        Some(plan) => plan.resource_name(),
        None => p.resource.to_string(),
    };
    let title = format!(" plan · {} {name} ", p.plan.as_ref().map_or("resize", |plan| plan.action()));
    let Some(inner) = super::framed(frame, area, crate::app::buttons::PLAN_WIDTH, title, theme) else {
        return;
    };
    // The choices as buttons on the bottom border, for the mouse; the line below says the same.
    let buf = frame.buffer_mut();
    for b in crate::app::buttons::plan(state, p) {
        let mut x = put(buf, b.area.x, b.area.y, b.area.width, "[", theme.muted());
        x = put(buf, x, b.area.y, b.area.right() - x, &b.key_text, theme.title());
        x = put(buf, x, b.area.y, b.area.right() - x, &format!(" {}", b.label), theme.base());
        put(buf, x, b.area.y, b.area.right() - x, "]", theme.muted());
    }
    // Room for the diff: what the popup has left after the plan's other lines and the prompt.
    let others = 12 + p.plan.as_ref().map_or(0, |plan| plan.containers.len() + plan.evidence.len());
    let room = (inner.height as usize).saturating_sub(others);
    let code = super::plan_code::lines(p, room, theme);
    let lines = p.plan.as_ref().map(|plan| plan_lines(plan, code, theme)).unwrap_or_default();
    let read_only = p.plan.as_ref().is_some_and(|plan| plan.read_only);
    let last = match (p.phase, &p.error) {
        (PlanPhase::Planning, _) => Line::from(Span::styled("reading the live service…", theme.muted())),
        (PlanPhase::Ready, _) if read_only => {
            Line::from(Span::styled("read-only: this plan can be read, not applied · esc close", theme.warn()))
        }
        (PlanPhase::Ready, _) if p.plan.as_ref().is_some_and(|plan| plan.blocked.is_some()) => Line::from(vec![
            Span::styled("this plan cannot be applied from here: ", theme.warn()),
            Span::styled("e", theme.title()),
            Span::styled(" export it as code · any other key closes", theme.base()),
        ]),
        (PlanPhase::Ready, _) if p.plan.as_ref().is_some_and(|plan| plan.protected) => {
            let word = p.plan.as_ref().map(|plan| plan.confirm_word()).unwrap_or_default();
            Line::from(vec![
                Span::styled("protected profile: type ", theme.warn()),
                Span::styled(word, theme.title()),
                Span::styled(" and enter to apply (esc cancels): ", theme.warn()),
                Span::styled(format!("{}▏", p.typed), theme.title()),
            ])
        }
        (PlanPhase::Ready, _) if p.plan.as_ref().is_some_and(|plan| plan.dry_run) => Line::from(vec![
            Span::styled("dry run: ", theme.warn()),
            Span::styled("y", theme.warn()),
            Span::styled(" lists the requests without sending them · any other key cancels", theme.base()),
        ]),
        (PlanPhase::Ready, _) => Line::from(vec![
            Span::styled("apply this change? ", theme.title()),
            Span::styled("y", theme.warn()),
            Span::styled(" apply · ", theme.base()),
            Span::styled("N", theme.title()),
            Span::styled(" (any other key) cancel · ", theme.base()),
            Span::styled("e", theme.title()),
            Span::styled(" export as code", theme.base()),
        ]),
        (PlanPhase::Applying, _) => Line::from(Span::styled("applying…", theme.info())),
        (PlanPhase::Applied, _) if p.plan.as_ref().is_some_and(|plan| plan.dry_run) => Line::from(Span::styled(
            "dry run: nothing was sent (the requests above are what an apply sends) · any key closes",
            theme.warn(),
        )),
        (PlanPhase::Applied, _) if rollout_line(state, p, theme).is_some() => {
            rollout_line(state, p, theme).unwrap_or_default()
        }
        (PlanPhase::Applied, _) => {
            let out = p.outcome.as_ref();
            Line::from(Span::styled(
                format!(
                    "applied: now runs {} · {} requests sent · recorded in the audit log · any key closes",
                    out.map_or("?", |o| short_task_definition(&o.task_definition)),
                    out.map_or(0, |o| o.requests.len())
                ),
                theme.ok(),
            ))
        }
        (PlanPhase::Failed, Some(e)) => {
            Line::from(Span::styled(format!("not applied: {e} — {} · any key closes", e.hint()), theme.critical()))
        }
        (PlanPhase::Failed, None) => Line::from(Span::styled("not applied · any key closes", theme.critical())),
    };
    // The question (and the figures since an apply) stay on the popup's last rows, whatever
    // the plan above them needs: a long plan is cut, never its prompt.
    let mut prompt = vec![last];
    if p.phase == PlanPhase::Applied && p.plan.as_ref().is_some_and(|plan| !plan.dry_run && plan.node_type.is_none()) {
        prompt.push(since_line(state, p, theme));
    }
    let prompt_rows = (prompt.len() as u16 * 2).min(inner.height.saturating_sub(1)).max(1);
    let body = Rect { height: inner.height.saturating_sub(prompt_rows + 1), ..inner };
    let bottom = Rect { y: inner.bottom().saturating_sub(prompt_rows), height: prompt_rows.min(inner.height), ..inner };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).style(theme.base()), body);
    frame.render_widget(Paragraph::new(prompt).wrap(Wrap { trim: false }).style(theme.base()), bottom);
}
