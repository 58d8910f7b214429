//! The tasks view: the service's running tasks (id, revision, AZ, IP, age, health, CPU/memory
//! used against the reservation where known, whether a shell can open), the last stopped ones
//! with why they stopped, and, after `enter`, the task's containers. Below: why a shell cannot
//! open, or the typed confirmation a protected profile asks for.

use crate::app::state::{State, TasksState};
use crate::app::tasks::selected_task;
use crate::common::format::age;
use crate::common::text::truncate;
use crate::domain::{Task, TaskContainer};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn exec_mark(t: &Task) -> &'static str {
    let agent = t.containers.iter().any(|c| c.exec_agent.as_deref() == Some("RUNNING"));
    match (t.exec_enabled, agent) {
        (true, true) => "✔",
        (true, false) => "agent?",
        (false, _) => "off",
    }
}

fn pct(v: f32) -> String {
    format!("{:>3.0}%", v)
}

fn running_row(state: &State, t: &Task) -> String {
    let started = t.started_at.map_or("—".into(), |s| age(state.now, s));
    let (cpu, mem) = t.usage.map_or(("   ·".into(), "   ·".into()), |(c, m)| (pct(c), pct(m)));
    format!(
        "{:<12}  {:<18} {:<11} {:<15} {:>6}  {:<9} {} {}  {}",
        t.short_id(),
        truncate(&t.revision, 18),
        t.az.as_deref().unwrap_or("—"),
        t.private_ip.as_deref().unwrap_or("—"),
        started,
        truncate(&t.health, 9),
        cpu,
        mem,
        exec_mark(t),
    )
}

fn stopped_row(state: &State, t: &Task) -> String {
    let when = t.stopped_at.map_or("—".into(), |s| format!("{} ago", age(state.now, s)));
    let exit = t.containers.iter().find(|c| c.exit_code.is_some_and(|e| e != 0)).or(t.containers.first());
    let exit_text = exit.and_then(|c| c.exit_code).map_or("—".into(), |e| e.to_string());
    let reason = exit.and_then(|c| c.reason.clone()).or_else(|| t.stopped_reason.clone()).unwrap_or_default();
    format!(
        "{:<12}  {:<18} {:>8}  {:<24} {:>4}  {reason}",
        t.short_id(),
        truncate(&t.revision, 18),
        when,
        truncate(t.stop_code.as_deref().unwrap_or("—"), 24),
        exit_text,
    )
}

fn container_row(c: &TaskContainer) -> String {
    let size = match (c.cpu, c.memory) {
        (Some(cpu), Some(m)) => format!("{cpu}u/{m}M"),
        (Some(cpu), None) => format!("{cpu}u"),
        (None, Some(m)) => format!("{m}M"),
        (None, None) => "—".into(),
    };
    let ports = if c.ports.is_empty() {
        "—".into()
    } else {
        c.ports.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(",")
    };
    format!(
        "{:<18} {:<9} {:<9} {:>4}  {:<11} {:<8} {:<8} {}",
        truncate(&c.name, 18),
        truncate(&c.last_status, 9),
        truncate(&c.health, 9),
        c.exit_code.map_or("—".into(), |e| e.to_string()),
        size,
        c.exec_agent.as_deref().unwrap_or("no agent"),
        ports,
        crate::domain::ecs::image_name(&c.image),
    )
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, t: &TasksState, theme: &Theme) {
    let exec = match &t.data {
        Some(d) if d.exec_on_service => " · ECS Exec on",
        Some(_) => " · ECS Exec off",
        None => "",
    };
    let name = match &t.service {
        crate::domain::ResourceRef::EcsService { cluster, service } => format!("{cluster}/{service}"),
        other => other.to_string(),
    };
    let title = format!(" tasks · {name}{exec} ");
    let Some(inner) = super::framed(frame, area, 200, title, theme) else {
        return;
    };
    let width = inner.width as usize;
    let shell_key = state.keymap.label(crate::app::action::Action::Shell);
    let keys = if t.container.is_some() {
        format!("j/k container · {shell_key} shell in it · l logs · esc tasks")
    } else {
        format!(
            "j/k task · enter containers · {shell_key} shell · p forward a port · l task logs · R restart · D desired count · K stop task · E enable exec · r refresh · esc close"
        )
    };
    let mut top = vec![Line::from(Span::styled(truncate(&keys, width), theme.muted()))];
    if let Some(e) = &t.error {
        top.push(Line::from(Span::styled(truncate(&format!("✖ {e} — {}", e.hint()), width), theme.critical())));
    }
    let mut bottom: Vec<Line> = Vec::new();
    if let Some(typed) = &t.forward {
        let ask = format!("forward a port of this task: PORT or PORT:LOCAL, enter starts it, esc cancels › {typed}▏");
        bottom.push(Line::from(Span::styled(truncate(&ask, width), theme.warn())));
    } else if let Some((request, typed)) = &t.confirm {
        let service = match &request.service {
            crate::domain::ResourceRef::EcsService { service, .. } => service.clone(),
            other => other.to_string(),
        };
        let ask = format!(
            "protected profile: type {service} and enter to open a shell in {} ({}); esc cancels › {typed}▏",
            &request.task[..request.task.len().min(12)],
            request.container
        );
        bottom.push(Line::from(Span::styled(truncate(&ask, width), theme.warn())));
    } else if t.starting {
        bottom.push(Line::from(Span::styled("opening the session (ecs:ExecuteCommand)…", theme.info())));
    } else if let Some(r) = &t.refusal {
        bottom.push(Line::from(Span::styled(truncate(&format!("✖ {}", r.title), width), theme.critical())));
        for f in &r.fix {
            for l in crate::common::text::wrap(f, width.saturating_sub(4).max(8), 0) {
                bottom.push(Line::from(Span::styled(format!("  · {l}"), theme.muted())));
            }
        }
    }
    let Some(data) = &t.data else {
        top.push(Line::from(Span::styled("reading the tasks…", theme.muted())));
        top.extend(bottom);
        frame.render_widget(Paragraph::new(top), inner);
        return;
    };
    let mut rows: Vec<(Line, Option<usize>)> = Vec::new();
    let head = |s: String| (Line::from(Span::styled(truncate(&s, width), theme.header())), None);
    rows.push(head(format!("running: {}", data.running.len())));
    rows.push(head(format!(
        "{:<12}  {:<18} {:<11} {:<15} {:>6}  {:<9} {:>4} {:>4}  EXEC",
        "TASK", "REVISION", "AZ", "PRIVATE IP", "AGE", "HEALTH", "CPU", "MEM"
    )));
    for (i, task) in data.running.iter().enumerate() {
        let line = Line::from(Span::styled(truncate(&running_row(state, task), width), theme.base()));
        rows.push((super::selected_line(line, i == t.selected, theme), Some(i)));
    }
    if data.running.is_empty() {
        rows.push((Line::from(Span::styled("  no task running", theme.muted())), None));
    }
    rows.push((Line::from(""), None));
    rows.push(head(format!("stopped (last hour, newest first): {}", data.stopped.len())));
    if !data.stopped.is_empty() {
        rows.push(head(format!(
            "{:<12}  {:<18} {:>8}  {:<24} {:>4}  REASON",
            "TASK", "REVISION", "STOPPED", "STOP CODE", "EXIT"
        )));
    }
    let base = data.running.len();
    for (i, task) in data.stopped.iter().enumerate() {
        let line = Line::from(Span::styled(truncate(&stopped_row(state, task), width), theme.warn()));
        rows.push((super::selected_line(line, base + i == t.selected, theme), Some(base + i)));
    }
    let mut containers: Vec<Line> = Vec::new();
    if let (Some(at), Some(task)) = (t.container, selected_task(t)) {
        containers.push(Line::from(""));
        containers.push(Line::from(Span::styled(
            truncate(&format!("containers of task {} ({})", task.id, task.last_status), width),
            theme.header(),
        )));
        containers.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "{:<18} {:<9} {:<9} {:>4}  {:<11} {:<8} {:<8} IMAGE",
                    "NAME", "STATUS", "HEALTH", "EXIT", "RESERVED", "AGENT", "PORTS"
                ),
                width,
            ),
            theme.header(),
        )));
        for (i, c) in task.containers.iter().enumerate() {
            let line = Line::from(Span::styled(truncate(&container_row(c), width), theme.base()));
            containers.push(super::selected_line(line, i == at, theme));
        }
    }
    // The rows scroll so the selected task stays in view above the containers and messages.
    let room = (inner.height as usize).saturating_sub(top.len() + containers.len() + bottom.len());
    let at = rows.iter().position(|(_, i)| *i == Some(t.selected)).unwrap_or(0);
    let skip = (at + 1).saturating_sub(room);
    let mut lines = top;
    lines.extend(rows.into_iter().skip(skip).take(room).map(|(l, _)| l));
    lines.extend(containers);
    lines.extend(bottom);
    frame.render_widget(Paragraph::new(lines), inner);
}
