//! The incident view in the state machine: `i` opens it and fetches the timeline, which then
//! refreshes every 30 s while it is open; `/` filters, `enter` jumps to the event's resource with
//! the event marked on its chart, `A`/`D`/`E` step through what is firing, short of tasks or
//! evicting, `n` adds a note, `x` unfolds repeats, `w` changes the span, `:export` writes the
//! Markdown handover.

use super::action::Action;
use super::keymap::KeyChord;
use super::msg::Effect;
use super::state::{DetailState, Input, InputKind, Level, Overlay, ReqId, State};
use crate::domain::{AlarmState, EventKind, ResourceRef, Severity, Timeline, TimelineEvent, Window};
use crate::incident::filter::EventFilter;
use crate::incident::fold;
use crate::incident::header::{Header, HeaderList};
use crate::incident::{self as inc, Note};
use crate::provider::ProviderError;
use chrono::{DateTime, Duration, Utc};
use ratatui::crossterm::event::KeyCode;

/// How often the timeline refreshes while the view is open.
pub const REFRESH: Duration = Duration::seconds(30);

pub use super::incident_view::{CacheKey, Cached, View};

fn cache_key(state: &State) -> CacheKey {
    let i = &state.incident;
    CacheKey {
        timeline: i.timeline_generation,
        history: state.history.len(),
        notes: i.notes.len(),
        span: i.span,
        hours: i.hours,
        filter: i.filter.clone(),
        folded: i.folded,
        minute: i.span.is_none().then(|| state.now.timestamp() / 60),
        panes: [
            (state.alarms.fetch.fetched_at, state.alarms.rows().len()),
            (state.ecs.fetch.fetched_at, state.ecs.rows().len()),
            (state.redis.fetch.fetched_at, state.redis.rows().len()),
        ],
        sized_at: state.sizing.fetch.fetched_at,
    }
}

/// The cache, if it still matches the state.
fn cached(state: &State) -> Option<&Cached> {
    state.incident.cache.as_deref().filter(|c| c.key == cache_key(state))
}

/// Re-derive the view and header if their inputs changed; `update` calls this while the view is
/// open so drawing a frame never assembles, filters or folds the timeline.
pub fn refresh_cache(state: &mut State) {
    if !matches!(state.overlay, Some(Overlay::Incident)) || cached(state).is_some() {
        return;
    }
    let cache = Cached {
        key: cache_key(state),
        view: std::sync::Arc::new(build_view(state)),
        header: std::sync::Arc::new(build_header(state)),
    };
    state.incident.cache = Some(std::sync::Arc::new(cache));
}

/// The view: from the cache when it matches, else derived now.
pub fn view(state: &State) -> std::sync::Arc<View> {
    cached(state).map_or_else(|| std::sync::Arc::new(build_view(state)), |c| std::sync::Arc::clone(&c.view))
}

fn build_view(state: &State) -> View {
    let i = &state.incident;
    let empty = Timeline::default();
    let (from, to) = i.span.unwrap_or((state.now - Duration::hours(i.hours as i64), state.now));
    let events = inc::assemble(
        i.timeline.as_ref().unwrap_or(&empty),
        &state.history,
        &i.notes,
        &state.security,
        from,
        to.max(state.now),
    );
    let (filter, filter_error) = match EventFilter::parse(&i.filter) {
        Ok(f) => (f, None),
        Err(e) => (EventFilter::default(), Some(e)),
    };
    let shown: Vec<usize> = (0..events.len()).filter(|k| filter.matches(&events[*k])).collect();
    let refs: Vec<&TimelineEvent> = shown.iter().map(|k| &events[*k]).collect();
    let rows = fold::rows(&refs, i.folded);
    View { events, shown, rows, filter_error }
}

/// The row under the cursor: the chosen one, or the newest.
pub fn selected_row(state: &State, rows: usize) -> Option<usize> {
    if rows == 0 {
        return None;
    }
    Some(state.incident.selected.map_or(rows - 1, |s| s.min(rows - 1)))
}

pub fn header(state: &State) -> std::sync::Arc<Header> {
    cached(state).map_or_else(|| std::sync::Arc::new(build_header(state)), |c| std::sync::Arc::clone(&c.header))
}

fn build_header(state: &State) -> Header {
    let header = Header::build(state.alarms.rows(), state.ecs.rows(), state.redis.rows(), &state.sizing.recs);
    let flags = state
        .incident
        .timeline
        .as_ref()
        .map_or_else(Vec::new, |t| crate::incident::signins::flags(&t.signins, &t.signin_history, &state.security));
    header.with_security(flags)
}

/// `i` or `:incident [hours]`: the span ending now.
pub fn open(state: &mut State, hours: Option<u32>, fx: &mut Vec<Effect>) {
    if let Some(h) = hours {
        state.incident.hours = h.clamp(1, 48);
    }
    state.overlay = Some(Overlay::Incident);
    let was_anchored = state.incident.anchor.take().is_some();
    if was_anchored {
        // Back to now: the moment's filter and cursor were for that moment.
        state.incident.inflight = None;
        state.incident.selected = None;
        state.incident.seek = None;
        state.incident.filter.clear();
    }
    let span_matches = state.incident.span.is_some_and(|(f, t)| t - f == Duration::hours(state.incident.hours as i64));
    if was_anchored || !span_matches || state.incident.next_due.is_none_or(|due| state.now >= due) {
        fetch(state, fx);
    }
}

/// `:timeline TIME [name]` (and `enter` on a review's figure): the timeline around that moment,
/// filtered to the resource when one is named, the cursor on the first row at or after it.
pub fn open_at(state: &mut State, at: DateTime<Utc>, name: Option<String>, fx: &mut Vec<Effect>) {
    let i = &mut state.incident;
    i.anchor = Some(at.min(state.now));
    i.seek = Some(at);
    i.selected = None;
    i.filter = name.map_or(String::new(), |n| format!("res:{n}"));
    i.inflight = None; // a fetch for another span no longer counts
    state.overlay = Some(Overlay::Incident);
    fetch(state, fx);
}

/// The span the timeline asks for: the last `hours`, or `hours` around the anchor.
fn span(state: &State) -> (DateTime<Utc>, DateTime<Utc>) {
    let hours = Duration::hours(state.incident.hours as i64);
    match state.incident.anchor {
        Some(at) => {
            let to = (at + hours / 2).min(state.now);
            (to - hours, to)
        }
        None => (state.now - hours, state.now),
    }
}

/// Read the timeline if it never was: a detail view shows the resource's CloudTrail changes
/// from it.
pub fn load_if_missing(state: &mut State, fx: &mut Vec<Effect>) {
    if state.incident.timeline.is_none() {
        fetch(state, fx);
    }
}

fn fetch(state: &mut State, fx: &mut Vec<Effect>) {
    if state.incident.inflight.is_some() {
        return;
    }
    let req = state.next_req;
    state.next_req += 1;
    let (from, to) = span(state);
    state.incident.inflight = Some((req, from, to));
    fx.push(Effect::FetchTimeline { req, from, to });
}

/// On each tick: keep the timeline fresh while it is on screen.
pub fn on_tick(state: &mut State, fx: &mut Vec<Effect>) {
    let showing = matches!(state.overlay, Some(Overlay::Incident))
        || matches!(&state.overlay, Some(Overlay::Detail(d)) if d.from_incident);
    if showing && state.incident.next_due.is_some_and(|due| state.now >= due) {
        fetch(state, fx);
    }
}

pub fn on_loaded(state: &mut State, req: ReqId, result: Result<Timeline, ProviderError>, fx: &mut Vec<Effect>) {
    let Some((expected, from, to)) = state.incident.inflight else {
        return;
    };
    if expected != req {
        return;
    }
    let i = &mut state.incident;
    i.inflight = None;
    i.next_due = Some(state.now + REFRESH);
    match result {
        Ok(t) => {
            i.timeline = Some(t);
            i.timeline_generation += 1;
            i.span = Some((from, to));
            i.error = None;
        }
        // The last timeline stays on screen, marked stale by the error.
        Err(e) => i.error = Some(e),
    }
    if let Some(at) = state.incident.seek.take() {
        let v = build_view(state);
        let row = v.rows.iter().position(|r| v.event(r).time >= at).unwrap_or(v.rows.len().saturating_sub(1));
        state.incident.selected = (row + 1 < v.rows.len()).then_some(row);
    }
    if std::mem::take(&mut state.incident.export_pending) {
        export(state, fx);
    }
    state.dirty = true;
}

/// The smallest detail window that shows `t`.
fn window_for(now: DateTime<Utc>, t: DateTime<Utc>) -> Window {
    let ago = (now - t).num_seconds();
    Window::ALL.into_iter().find(|w| w.seconds() >= ago + 60).unwrap_or(Window::Fortnight)
}

fn open_marked(
    state: &mut State,
    resource: ResourceRef,
    marker: Option<(DateTime<Utc>, String)>,
    fx: &mut Vec<Effect>,
) {
    let window = marker.as_ref().map_or(Window::Day, |(t, _)| window_for(state.now, *t));
    let req = state.next_req;
    state.next_req += 1;
    fx.push(Effect::FetchDetail { req, resource: resource.clone(), window });
    state.overlay = Some(Overlay::Detail(Box::new(DetailState {
        resource,
        window,
        req,
        data: None,
        error: None,
        marker,
        from_incident: true,
        fetched_at: None,
        text: None,
    })));
}

fn marker_label(e: &TimelineEvent) -> String {
    let text: String = e.summary.chars().take(56).collect();
    format!("{} {text}", e.time.format("%H:%M"))
}

/// `enter` on a row: its resource's detail with the event on the time axis.
fn jump(state: &mut State, fx: &mut Vec<Effect>) {
    let v = view(state);
    let Some(row) = selected_row(state, v.rows.len()).map(|r| v.rows[r]) else {
        state.status = Some((Level::Info, "nothing on the timeline to open".into()));
        return;
    };
    let e = v.event(&row);
    let Some(resource) = e.resource.clone() else {
        state.status = Some((Level::Info, format!("a {} entry has no resource to chart", e.kind.label())));
        return;
    };
    let marker = Some((e.time, marker_label(e)));
    open_marked(state, resource, marker, fx);
}

/// `l` on a row: its service's logs around it (a stopped task: its own last lines).
fn logs_of_row(state: &mut State, fx: &mut Vec<Effect>) {
    let v = view(state);
    let Some(row) = selected_row(state, v.rows.len()).map(|r| v.rows[r]) else {
        state.status = Some((Level::Info, "nothing on the timeline to read logs of".into()));
        return;
    };
    let e = v.event(&row).clone();
    super::logs::open_event(state, &e, fx);
}

/// `j`/`k` in a detail opened from the timeline: the next/previous row that has a resource.
pub fn step(state: &mut State, delta: isize, fx: &mut Vec<Effect>) {
    let v = view(state);
    let Some(mut at) = selected_row(state, v.rows.len()) else {
        return;
    };
    loop {
        let next = at as isize + delta;
        if next < 0 || next as usize >= v.rows.len() {
            return;
        }
        at = next as usize;
        if v.event(&v.rows[at]).resource.is_some() {
            break;
        }
    }
    state.incident.selected = Some(at);
    jump(state, fx);
}

/// `A`, `D`, `E`, `B`: the next resource firing, short of tasks, evicting, or burning an SLO fast.
fn header_jump(state: &mut State, list: HeaderList, fx: &mut Vec<Effect>) {
    let h = header(state);
    let slot = HeaderList::ALL.iter().position(|l| *l == list).unwrap_or(0);
    let n = state.incident.cursors[slot];
    if list == HeaderList::Security {
        return security_jump(state, &h, n);
    }
    let Some(resource) = h.target(list, n) else {
        state.status = Some((Level::Info, format!("nothing {}", list.label())));
        return;
    };
    state.incident.cursors[slot] = (n + 1) % h.len(list).max(1);
    let marker = match list {
        HeaderList::Firing => h.firing.get(n % h.firing.len().max(1)).and_then(|(name, _)| {
            let a = state.alarms.rows().iter().find(|a| &a.name == name && a.state == AlarmState::Alarm)?;
            Some((a.since, format!("{} {} fired", a.since.format("%H:%M"), a.name)))
        }),
        _ => None,
    };
    open_marked(state, resource, marker, fx);
}

/// `L`: the timeline's cursor to the next flagged sign-in (a sign-in has no chart to open).
fn security_jump(state: &mut State, h: &Header, n: usize) {
    let Some(flag) = h.security.get(n % h.security.len().max(1)) else {
        state.status = Some((Level::Info, "no sign-in flagged in this span".into()));
        return;
    };
    state.incident.cursors[4] = (n + 1) % h.security.len();
    let v = view(state);
    let found = v.rows.iter().position(|r| {
        let e = v.event(r);
        e.kind == crate::domain::EventKind::SignIn && e.time == flag.time && e.summary.ends_with(&flag.why)
    });
    match found {
        Some(row) => move_to(state, v.rows.len(), row as isize),
        None => state.status = Some((Level::Info, "the flagged sign-in is hidden by the filter".into())),
    }
    state.status.get_or_insert((Level::Info, flag.why.clone()));
}

fn move_to(state: &mut State, rows: usize, to: isize) {
    if rows == 0 {
        return;
    }
    let to = to.clamp(0, rows as isize - 1) as usize;
    // The bottom row is "follow the newest": new events keep the cursor on the latest.
    state.incident.selected = if to == rows - 1 { None } else { Some(to) };
}

pub fn on_key(state: &mut State, key: KeyChord, fx: &mut Vec<Effect>) {
    let action = state.keymap.action(&key);
    // `x` (unfold) is also the shell key elsewhere.
    if matches!(action, None | Some(super::action::Action::Shell))
        && let KeyCode::Char(c) = key.code
    {
        if let Some(list) = HeaderList::from_key(c) {
            return header_jump(state, list, fx);
        }
        if c == 'x' {
            state.incident.folded = !state.incident.folded;
            state.incident.selected = None;
            let what = if state.incident.folded { "repeats folded" } else { "every event shown" };
            state.status = Some((Level::Info, what.into()));
        }
        return;
    }
    let Some(action) = action else {
        return;
    };
    let rows = view(state).rows.len();
    let at = selected_row(state, rows).unwrap_or(0) as isize;
    let page = (state.size.1 as isize / 2).max(1);
    match action {
        Action::Back | Action::Quit | Action::Incident => state.overlay = None,
        Action::Down => move_to(state, rows, at + 1),
        Action::Up => move_to(state, rows, at - 1),
        Action::PageDown => move_to(state, rows, at + page),
        Action::PageUp => move_to(state, rows, at - page),
        Action::Top => move_to(state, rows, 0),
        Action::Bottom => move_to(state, rows, rows as isize),
        Action::Open => jump(state, fx),
        Action::Logs => logs_of_row(state, fx),
        Action::Window => {
            state.incident.hours = inc::next_hours(state.incident.hours);
            state.incident.selected = None;
            state.incident.inflight = None; // a fetch for the old span no longer counts
            fetch(state, fx);
            state.status = Some((Level::Info, format!("timeline: last {} h", state.incident.hours)));
        }
        Action::Refresh => {
            state.incident.inflight = None;
            fetch(state, fx);
        }
        Action::Filter => {
            let current = state.incident.filter.clone();
            state.input = Some(Input { kind: InputKind::Filter, text: current.clone(), previous: Some(current) });
        }
        Action::Command => state.input = Some(Input { kind: InputKind::Command, text: String::new(), previous: None }),
        Action::Note => state.input = Some(Input { kind: InputKind::Note, text: String::new(), previous: None }),
        Action::Help => state.overlay = Some(Overlay::Help { scroll: 0 }),
        _ => {}
    }
}

/// The filter as typed (applied as you type).
pub fn set_filter(state: &mut State, text: &str) {
    state.incident.filter = text.to_string();
    state.incident.selected = None;
}

/// `n` + text + enter, or `:note text`: a timestamped note, kept on disk when it can be.
pub fn add_note(state: &mut State, text: &str, fx: &mut Vec<Effect>) {
    let text = text.trim();
    if text.is_empty() {
        state.status = Some((Level::Info, "empty note: nothing added".into()));
        return;
    }
    let note = Note { time: state.now, author: state.author.clone(), text: text.to_string() };
    state.incident.notes.push(note.clone());
    state.incident.selected = None;
    match state.incident.notes_path.clone() {
        Some(path) => fx.push(Effect::AppendNote { path, note }),
        None => state.status = Some((Level::Warn, "note added (not saved: no data directory)".into())),
    }
}

/// `:export`: the Markdown handover, written next to where infradeck was started.
pub fn export(state: &mut State, fx: &mut Vec<Effect>) {
    if state.incident.timeline.is_none() {
        state.incident.export_pending = true;
        state.status = Some((Level::Info, "loading the timeline; it will be exported when it arrives".into()));
        return open(state, None, fx);
    }
    let v = view(state);
    let i = &state.incident;
    let (from, to) = i.span.unwrap_or((state.now - Duration::hours(i.hours as i64), state.now));
    let problems = i.timeline.as_ref().map(|t| t.problems.clone()).unwrap_or_default();
    let text = crate::incident::markdown::render(&crate::incident::markdown::Handover {
        source: &state.source.label,
        now: state.now,
        from,
        events: &v.events,
        problems: &problems,
        notes: &i.notes,
        alarms: state.alarms.rows(),
        services: state.ecs.rows(),
        groups: state.redis.rows(),
        recs: &state.sizing.recs,
        window: state.window.label(),
        security: &header(state).security,
    });
    let path = state.export_dir.join(crate::incident::markdown::file_name(state.now));
    let h = header(state);
    let record = crate::domain::HandoverRecord {
        written: state.now,
        from,
        to,
        source: state.source.label.clone(),
        path: path.display().to_string(),
        firing: h.firing.iter().map(|(name, _)| name.clone()).collect(),
        notes: i
            .notes
            .iter()
            .filter(|n| n.time >= from && n.time <= to)
            .map(|n| format!("{} {}: {}", n.time.format("%H:%M"), n.author, n.text))
            .collect(),
        affected: crate::incident::markdown::affected(&h, &v.events).iter().map(ToString::to_string).collect(),
    };
    state.handovers.push(record.clone());
    let handover = state.handovers_path.clone().map(|index| (index, record));
    fx.push(Effect::Export { text, path, clipboard: false, handover });
}

/// The alarms the correlation panel explains: the selected row if it is an alarm firing, else
/// every alarm firing now, the most recent first. (name, watched resource, when it fired)
pub fn explained_alarms(state: &State, v: &View) -> Vec<(String, ResourceRef, DateTime<Utc>)> {
    if let Some(row) = selected_row(state, v.rows.len()).map(|r| v.rows[r]) {
        let e = v.event(&row);
        if e.kind == EventKind::Alarm
            && e.severity == Severity::Critical
            && let Some(resource) = e.resource.clone()
        {
            let name = e.summary.split(':').next().unwrap_or_default().to_string();
            return vec![(name, resource, e.time)];
        }
    }
    let mut firing: Vec<_> = state.alarms.rows().iter().filter(|a| a.firing()).collect();
    firing.sort_by_key(|a| std::cmp::Reverse(a.since));
    firing.iter().filter_map(|a| Some((a.name.clone(), a.resource.clone()?, a.since))).collect()
}
