//! The logs view (`l`): a service's last hour; from the incident timeline, ±5 minutes around the
//! event (a stopped task: that task's last lines, its stop reason above them). `/` sets the
//! CloudWatch Logs filter pattern (read on enter), `f` follows (asks for the lines after the
//! last one every [`FOLLOW_SECS`] while the view is open, and stops when it closes), `w` wraps,
//! `t` hides the time column, `e` jumps to the next error.

use super::Action;
use super::keymap::KeyChord;
use super::msg::Effect;
use super::state::{Input, InputKind, Level, LogsState, Overlay, State};
use crate::domain::logs::{LogPage, LogQuery};
use crate::domain::{EventKind, ResourceRef, TimelineEvent};
use crate::provider::ProviderError;
use chrono::Duration;
use ratatui::crossterm::event::KeyCode;

/// Seconds between follow polls.
pub const FOLLOW_SECS: i64 = 5;
/// Minutes either side of a timeline event.
pub const AROUND_EVENT_MIN: i64 = 5;
/// Minutes of a stopped task's last lines.
pub const LAST_LINES_MIN: i64 = 10;
/// Lines the view keeps while following (the oldest go first).
pub const KEEP: usize = 5_000;

pub(super) fn start(
    state: &mut State,
    query: LogQuery,
    context: Option<String>,
    from_incident: bool,
    fx: &mut Vec<Effect>,
) {
    let req = state.next_req;
    state.next_req += 1;
    fx.push(Effect::FetchLogs { req, query: query.clone() });
    state.overlay = Some(Overlay::Logs(Box::new(LogsState {
        query,
        req,
        page: None,
        error: None,
        follow: false,
        next_poll: None,
        polling: None,
        wrap: false,
        timestamps: true,
        selected: None,
        context,
        from_incident,
    })));
}

/// `l` on the panes: the selected ECS service's last hour.
pub fn open(state: &mut State, fx: &mut Vec<Effect>) {
    match state.selected_resource() {
        Some(service @ ResourceRef::EcsService { .. }) => {
            let query = LogQuery {
                service,
                from: state.now - Duration::hours(1),
                to: state.now,
                pattern: String::new(),
                task: None,
            };
            start(state, query, None, false, fx);
        }
        // `l` pressed before the first ECS answer: say so, rather than ask for a selection the
        // user cannot make yet.
        _ if state.focus == super::state::PaneId::Ecs && state.ecs.data.is_none() => {
            state.status =
                Some((Level::Info, "ECS services are still loading: l opens logs once they are listed".into()))
        }
        _ => state.status = Some((Level::Info, "logs are per ECS service: select one in the ECS pane".into())),
    }
}

/// The task id a stopped-task event names ("task 3f2a9c1b7d4e stopped: …"): a prefix of the id,
/// which is also a prefix of its log streams' last part.
fn stopped_task(e: &TimelineEvent) -> Option<String> {
    let rest = e.summary.strip_prefix("task ")?;
    let id = rest.split_whitespace().next()?;
    (id.len() >= 8 && id.chars().all(|c| c.is_ascii_hexdigit())).then(|| id.to_string())
}

/// `l` on a timeline row: its service's logs ±5 minutes around it; a stopped task's own last
/// lines (the 10 minutes before it stopped, and the minute after for what was still in flight).
pub fn open_event(state: &mut State, e: &TimelineEvent, fx: &mut Vec<Effect>) {
    let Some(service @ ResourceRef::EcsService { .. }) = e.resource.clone() else {
        state.status = Some((Level::Info, format!("a {} entry has no ECS service to read logs of", e.kind.label())));
        return;
    };
    let around = Duration::minutes(AROUND_EVENT_MIN);
    let task = if e.kind == EventKind::Task { stopped_task(e) } else { None };
    let (from, to) = match &task {
        Some(_) => (e.time - Duration::minutes(LAST_LINES_MIN), e.time + Duration::minutes(1)),
        None => (e.time - around, e.time + around),
    };
    let query = LogQuery { service, from, to: to.min(state.now), pattern: String::new(), task };
    let context = format!("{} {}", e.time.format("%H:%M:%S"), e.summary);
    start(state, query, Some(context), true, fx);
}

/// A page arrived: the view's, or a follow poll's (appended).
pub fn on_loaded(state: &mut State, req: super::state::ReqId, result: Result<LogPage, ProviderError>) {
    let now = state.now;
    let Some(Overlay::Logs(l)) = &mut state.overlay else { return };
    if l.polling == Some(req) {
        l.polling = None;
        l.next_poll = Some(now + Duration::seconds(FOLLOW_SECS));
        match (result, &mut l.page) {
            (Ok(new), Some(page)) => {
                // The poll starts at the last line's time: what is older is not new, and lines at
                // that instant already shown are not new either (in whatever order they come).
                let last = page.lines.last().map(|x| x.time);
                let mut seen: Vec<(String, String)> = page
                    .lines
                    .iter()
                    .rev()
                    .take_while(|x| Some(x.time) == last)
                    .map(|x| (x.stream.clone(), x.message.clone()))
                    .collect();
                for x in new.lines {
                    if last.is_some_and(|t| x.time < t) {
                        continue;
                    }
                    if Some(x.time) == last {
                        let key = (x.stream.clone(), x.message.clone());
                        if let Some(i) = seen.iter().position(|k| *k == key) {
                            seen.remove(i);
                            continue;
                        }
                    }
                    page.lines.push(x);
                }
                let over = page.lines.len().saturating_sub(KEEP);
                page.lines.drain(..over);
                l.error = None;
            }
            // The first read failed: the poll's page is the view's.
            (Ok(new), None) => {
                l.page = Some(new);
                l.error = None;
            }
            (Err(e), _) => l.error = Some(e),
        }
        return;
    }
    if l.req != req {
        return;
    }
    match result {
        Ok(page) => {
            l.page = Some(page);
            l.error = None;
        }
        Err(e) => l.error = Some(e),
    }
}

/// While following: ask for what came after the last line.
pub fn on_tick(state: &mut State, fx: &mut Vec<Effect>) {
    let now = state.now;
    let req = state.next_req;
    let Some(Overlay::Logs(l)) = &mut state.overlay else { return };
    if !l.follow || l.polling.is_some() || l.next_poll.is_some_and(|due| now < due) {
        return;
    }
    let after = l.page.as_ref().and_then(|p| p.lines.last()).map_or(l.query.to, |x| x.time);
    let query = LogQuery { from: after, to: now, ..l.query.clone() };
    l.polling = Some(req);
    state.next_req += 1;
    fx.push(Effect::FetchLogs { req, query });
}

fn rows(l: &LogsState) -> usize {
    l.page.as_ref().map_or(0, |p| p.lines.len())
}

/// Keys in the logs view.
pub fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    let action = state.keymap.action(&key);
    let Some(Overlay::Logs(l)) = &mut state.overlay else { return };
    let n = rows(l);
    let at = l.selected.unwrap_or(n.saturating_sub(1));
    let to = |i: usize| if n == 0 || i + 1 >= n { None } else { Some(i) };
    match (key.code, action) {
        (KeyCode::Char('f'), None) => {
            l.follow = !l.follow;
            l.next_poll = None;
            l.selected = None;
            let word = if l.follow { "following: new lines every 5 s" } else { "stopped following" };
            state.status = Some((Level::Info, word.into()));
        }
        (KeyCode::Char('t'), None | Some(Action::Tasks)) => l.timestamps = !l.timestamps,
        (KeyCode::Char('e'), None) => {
            let lines = l.page.as_ref().map(|p| &p.lines[..]).unwrap_or_default();
            let next = lines.iter().enumerate().skip(at + 1).find(|(_, x)| x.is_error()).map(|(i, _)| i);
            let next = next.or_else(|| lines.iter().position(|x| x.is_error()));
            match next {
                Some(i) => l.selected = to(i).or(Some(i)),
                None => state.status = Some((Level::Info, "no error in these lines".into())),
            }
        }
        (_, Some(Action::Window)) => l.wrap = !l.wrap,
        (_, Some(Action::Down)) => l.selected = to(at + 1),
        (_, Some(Action::Up)) => l.selected = Some(at.saturating_sub(1)),
        (_, Some(Action::PageDown)) => l.selected = to(at + 10),
        (_, Some(Action::PageUp)) => l.selected = Some(at.saturating_sub(10)),
        (_, Some(Action::Top)) => l.selected = Some(0),
        (_, Some(Action::Bottom)) => l.selected = None,
        (_, Some(Action::Filter)) => {
            let current = l.query.pattern.clone();
            state.input = Some(Input { kind: InputKind::LogPattern, text: current.clone(), previous: Some(current) });
        }
        (_, Some(Action::Refresh)) => {
            let (query, context, from_incident) = (l.query.clone(), l.context.clone(), l.from_incident);
            let (follow, wrap, timestamps) = (l.follow, l.wrap, l.timestamps);
            start(state, query, context, from_incident, fx);
            if let Some(Overlay::Logs(l)) = &mut state.overlay {
                (l.follow, l.wrap, l.timestamps) = (follow, wrap, timestamps);
            }
        }
        (_, Some(Action::Back)) if l.from_incident => state.overlay = Some(Overlay::Incident),
        (_, Some(Action::Back | Action::Quit)) => state.overlay = None,
        _ => {}
    }
}

/// `/` + pattern + enter: read again with the CloudWatch Logs filter pattern.
pub fn set_pattern(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    let Some(Overlay::Logs(l)) = &state.overlay else { return };
    let query = LogQuery { pattern: text.trim().to_string(), ..l.query.clone() };
    let (context, from_incident) = (l.context.clone(), l.from_incident);
    start(state, query, context, from_incident, fx);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;

    #[test]
    fn a_follow_poll_appends_only_lines_not_shown_yet() {
        use crate::domain::logs::LogLine;
        let at = |s: i64| chrono::DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap();
        let mut state = State::new(
            crate::provider::SourceInfo::default(),
            Default::default(),
            vec![],
            0,
            Default::default(),
            at(100),
        );
        let service = ResourceRef::EcsService { cluster: "c".into(), service: "s".into() };
        let query = LogQuery { service, from: at(0), to: at(100), pattern: String::new(), task: None };
        let mut fx = Vec::new();
        start(&mut state, query, None, false, &mut fx);
        let req = state.next_req - 1;
        let line = |t: i64, m: &str| LogLine::new(at(t), "s/app/1", m);
        let first = vec![line(1, "a"), line(5, "x"), line(5, "x")];
        on_loaded(&mut state, req, Ok(LogPage { lines: first, ..Default::default() }));
        if let Some(Overlay::Logs(l)) = &mut state.overlay {
            l.follow = true;
        }
        on_tick(&mut state, &mut fx);
        let poll = state.next_req - 1;
        // The same instant again, in another order, with one more "x" and a new line.
        let answer = vec![line(4, "old"), line(5, "x"), line(5, "x"), line(5, "x"), line(6, "y")];
        on_loaded(&mut state, poll, Ok(LogPage { lines: answer, ..Default::default() }));
        let Some(Overlay::Logs(l)) = &state.overlay else { panic!("the logs view") };
        let got: Vec<&str> = l.page.as_ref().unwrap().lines.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(got, ["a", "x", "x", "x", "y"]);
    }

    #[test]
    fn a_stopped_task_event_names_the_task_whose_streams_to_read() {
        let at = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let e = TimelineEvent::new(at, EventKind::Task, Severity::Warn, None)
            .summary("task afc3eaeb94c4 stopped: OutOfMemoryError: Container killed due to memory usage");
        assert_eq!(stopped_task(&e).as_deref(), Some("afc3eaeb94c4"));
        let other = TimelineEvent::new(at, EventKind::Task, Severity::Warn, None).summary("task group changed");
        assert_eq!(stopped_task(&other), None);
    }
}
