//! When each part of each pane is read again, by what it costs and who can see it.
//!
//! Every look at AWS costs: CloudWatch bills each metric of each GetMetricData, and ECS reads
//! come out of a throttle budget the account's deploy pipelines share. So:
//! - the rows on screen in the focused pane (and the open detail view), while someone is at the
//!   keys, are read at the pane's interval (a minute by default: CloudWatch publishes AWS/ECS
//!   and AWS/ElastiCache each minute); the other panes on the dashboard every 5 minutes;
//! - rows off screen and panes not shown follow every 15 minutes;
//! - when nobody has pressed a key for 5 minutes, or the terminal lost focus, the rows on screen
//!   slow to once an hour and the rest to every 6 hours; what is on screen catches up at once
//!   when someone is back;
//! - the inventory (list and describe) is read every 5 minutes (30 away), never faster than
//!   half a request a second on average; a rollout is followed by describing only the services
//!   rolling out (at most ten);
//! - the budget (`app::budget`) can hold any of it back, rows no one sees first.
//!
//! Pure: the state and the clock in, a `Scope` (what to read) out.

use super::budget::{self, Priority};
use super::state::{Overlay, PaneId, PlanPhase, State};
use crate::domain::{ResourceRef, Rollout};
use crate::provider::Scope;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;

/// With no key for this long someone is taken to be away.
pub const AWAY_AFTER: Duration = Duration::minutes(5);
/// Rollouts followed one by one at most (the rest wait for the inventory: a stuck deployment
/// must not keep the estate's ECS budget busy).
pub const FOLLOW_AT_MOST: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Someone is at the keys.
    Here,
    /// No key for a while, or the terminal lost focus.
    Away,
}

pub fn presence(state: &State) -> Presence {
    let a = state.activity;
    if a.focused && state.now - a.last_input < AWAY_AFTER { Presence::Here } else { Presence::Away }
}

/// A key (or the terminal's focus coming back): someone is here. Coming back from away, what is
/// on screen is read at once.
pub fn on_input(state: &mut State) {
    let was = presence(state);
    state.activity.last_input = state.now;
    state.activity.focused = true;
    if was == Presence::Away {
        catch_up(state);
    }
}

pub fn on_focus(state: &mut State, focused: bool) {
    if focused {
        on_input(state);
    } else {
        state.activity.focused = false;
    }
}

/// The rows on screen are read at the next tick, and panes read whole are due now.
pub fn catch_up(state: &mut State) {
    let now = state.now;
    for pane in PaneId::ALL {
        let f = state.fetch_mut(pane);
        f.catch_up = true;
        if f.failures == 0 && pane != PaneId::Cost {
            f.next_due = Some(now);
        }
    }
}

/// How often what is on screen is read while someone is at the keys: the pane's interval (a
/// minute by default); on the 14-day window, whose points are hours, every 5 minutes at most.
pub fn visible_every(state: &State, pane: PaneId) -> Duration {
    let interval = state.fetch(pane).interval;
    if state.window.step() >= 3_600 { interval.max(Duration::minutes(5)) } else { interval }
}

/// Rows on screen in a pane that does not have the focus (the dashboard's others): five times
/// its interval, 5 minutes at the default minute; never slower than rows off screen.
pub fn shown_every(state: &State, pane: PaneId) -> Duration {
    (visible_every(state, pane) * 5).min(background_every(Presence::Here))
}

/// Rows off screen (and panes not shown): every 15 minutes while someone is at the keys; every
/// 6 hours when nobody is (coming back reads what is on screen at once, and the rest follows).
pub fn background_every(p: Presence) -> Duration {
    match p {
        Presence::Here => Duration::minutes(15),
        Presence::Away => Duration::hours(6),
    }
}

/// Rows on screen when nobody is at the keys (a console left open on a wall still moves).
pub const AWAY_SHOWN_EVERY: Duration = Duration::hours(1);

/// How often `pane`'s rows are read: (those on screen, those off screen).
pub fn row_cadences(state: &State, pane: PaneId) -> (Duration, Duration) {
    match presence(state) {
        Presence::Here if pane == state.focus => (visible_every(state, pane), background_every(Presence::Here)),
        Presence::Here => (shown_every(state, pane), background_every(Presence::Here)),
        Presence::Away => (AWAY_SHOWN_EVERY, background_every(Presence::Away)),
    }
}

/// The inventory: every 5 minutes (30 away), and never more than half an ECS request a second
/// on average (a list and describe of `rows` services is about one request per ten, plus a few
/// per cluster).
pub fn inventory_every(p: Presence, rows: usize) -> Duration {
    let base = match p {
        Presence::Here => Duration::minutes(5),
        Presence::Away => Duration::minutes(30),
    };
    let requests = rows / 10 + 20;
    base.max(Duration::seconds(requests as i64 * 2))
}

pub fn follow_every(p: Presence) -> Duration {
    match p {
        Presence::Here => Duration::seconds(15),
        Presence::Away => Duration::minutes(2),
    }
}

/// A service infradeck just changed, with its plan open: its rollout is followed closely.
pub const APPLIED_EVERY: Duration = Duration::seconds(5);

/// How often a pane read whole (cost, alarms) is read.
pub fn whole_every(state: &State, pane: PaneId) -> Duration {
    let interval = state.fetch(pane).interval;
    if pane == PaneId::Cost {
        return interval; // Cost Explorer answers are kept on disk for hours anyway
    }
    match (presence(state), on_screen(state, pane)) {
        (Presence::Here, true) => interval,
        (Presence::Here, false) => interval.max(Duration::minutes(5)),
        (Presence::Away, _) => interval.max(Duration::minutes(15)),
    }
}

/// How often the pane is read now, as someone at the keys sees it: the focused pane's rows at
/// its interval, the dashboard's others at `shown_every`, panes read whole at `whole_every`.
/// A failed read backs off from this (a pane read every 5 minutes does not retry every 10 s).
pub fn cadence(state: &State, pane: PaneId) -> Duration {
    let (shown, off) = row_cadences(state, pane);
    if !pane.by_rows() {
        whole_every(state, pane)
    } else if on_screen(state, pane) {
        shown
    } else {
        off
    }
}

/// Whether the pane is drawn (the dashboard shows all four; a small terminal the focused one).
pub fn on_screen(state: &State, pane: PaneId) -> bool {
    crate::app::layout::on_screen(state, pane)
}

/// The keys of the rows drawn in `pane`'s table now.
pub fn visible_keys(state: &State, pane: PaneId) -> HashSet<String> {
    if !on_screen(state, pane) {
        return HashSet::new();
    }
    let height = crate::app::layout::table_height(state, pane);
    let view = state.view(pane);
    let shown = view.rows.iter().skip(view.offset).take(height);
    match pane {
        PaneId::Ecs => shown.filter_map(|i| state.ecs.rows().get(*i)).map(|s| s.key()).collect(),
        PaneId::Redis => shown.filter_map(|i| state.redis.rows().get(*i)).map(|g| g.id.clone()).collect(),
        _ => HashSet::new(),
    }
}

/// Every row of a pane read by rows: (key, metrics one read of it requests).
fn rows(state: &State, pane: PaneId) -> Vec<(String, u32)> {
    match pane {
        PaneId::Ecs => state.ecs.rows().iter().map(|s| (s.key(), s.read_cost)).collect(),
        PaneId::Redis => state.redis.rows().iter().map(|g| (g.id.clone(), g.read_cost)).collect(),
        _ => Vec::new(),
    }
}

/// The service whose change is being watched in an open plan, if any.
fn watched(state: &State) -> Option<String> {
    match &state.overlay {
        Some(Overlay::Plan(p)) if p.phase == PlanPhase::Applied => match &p.resource {
            ResourceRef::EcsService { cluster, service } => Some(format!("{cluster}/{service}")),
            _ => None,
        },
        _ => None,
    }
}

/// The services rolling out that are followed one by one: the one just applied first, then the
/// others in the order listed, at most `FOLLOW_AT_MOST`.
fn rolling(state: &State) -> Vec<String> {
    let watched = watched(state);
    let mut keys: Vec<String> = watched.iter().cloned().collect();
    keys.extend(
        state
            .ecs
            .rows()
            .iter()
            .filter(|s| s.deployment.as_ref().is_some_and(|d| d.rollout == Rollout::InProgress))
            .map(|s| s.key())
            .filter(|k| Some(k) != watched.as_ref()),
    );
    keys.truncate(FOLLOW_AT_MOST);
    keys
}

/// What a pane read by rows (ECS, Redis) should read now, or None. Rows due soon ride along with
/// rows due now, so reads come in few calls. The budget may hold back the rows no one sees (and,
/// once an hour ahead is spent, those on screen): `held` says so.
pub fn due_rows(state: &mut State, pane: PaneId) -> Option<Scope> {
    let now = state.now;
    let here = presence(state);
    let f = state.fetch(pane);
    if f.inflight.is_some() || (f.failures > 0 && f.next_due.is_some_and(|d| now < d)) {
        return None;
    }
    if !state.has_data(pane) || f.data_window != Some(state.window) {
        return Some(Scope::everything());
    }
    let visible = visible_keys(state, pane);
    let (vis_every, bg_every) = row_cadences(state, pane);
    let catch_up = f.catch_up;
    let age = |key: &str| f.read_at.get(key).map(|t| now - *t);
    let (mut vis, mut bg) = (Vec::new(), Vec::new());
    let (mut vis_now, mut bg_now) = (false, false);
    for (key, cost) in rows(state, pane) {
        let age = age(&key);
        if visible.contains(&key) {
            // Due now, or within the last quarter of its cadence (it rides along).
            vis_now |= catch_up || age.is_none_or(|a| a >= vis_every);
            if catch_up || age.is_none_or(|a| a * 4 >= vis_every * 3) {
                vis.push((key, cost));
            }
        } else {
            bg_now |= age.is_none_or(|a| a >= bg_every);
            if age.is_none_or(|a| a * 4 >= bg_every * 3) {
                bg.push((key, cost));
            }
        }
    }
    let n_rows = state.ecs.rows().len().max(state.redis.rows().len());
    let inventory = f.inventory_at.is_none_or(|t| now - t >= inventory_every(here, n_rows));
    let describe = if pane == PaneId::Ecs {
        let watched = watched(state);
        let every = if watched.is_some() { APPLIED_EVERY } else { follow_every(here) };
        let rolling = rolling(state);
        let due = !rolling.is_empty() && f.followed_at.is_none_or(|t| now - t >= every);
        if due { rolling } else { Vec::new() }
    } else {
        Vec::new()
    };
    if !vis_now {
        vis.clear();
    }
    if !bg_now {
        bg.clear();
    }
    let usd = |rows: &[(String, u32)]| budget::metrics_usd(rows.iter().map(|(_, c)| *c as u64).sum());
    let (vis_usd, bg_usd) = (usd(&vis), usd(&bg));
    // Only someone at the keys makes rows on screen worth borrowing for.
    let vis_priority = if here == Presence::Here { Priority::Visible } else { Priority::Background };
    let (mut held, mut held_off_screen) = (false, false);
    if !vis.is_empty() && !state.budget.allows(now, vis_usd, vis_priority) {
        vis.clear();
        held = true;
    }
    let spent = if vis.is_empty() { 0.0 } else { vis_usd };
    if !bg.is_empty() && !state.budget.allows(now, spent + bg_usd, Priority::Background) {
        bg.clear();
        held_off_screen = true;
    }
    let f = state.fetch_mut(pane);
    f.held = held;
    f.held_off_screen = held_off_screen;
    if vis.is_empty() && bg.is_empty() && !inventory && describe.is_empty() {
        return None;
    }
    if !vis.is_empty() {
        f.catch_up = false;
    }
    let rows: Vec<String> = vis.into_iter().chain(bg).map(|(k, _)| k).collect();
    Some(Scope { inventory, rows: Some(rows), describe })
}

/// After a read: what it read is fresh as of now.
pub fn read(state: &mut State, pane: PaneId, scope: &Scope) {
    let now = state.now;
    let keys: Vec<String> = match pane {
        PaneId::Ecs => state.ecs.rows().iter().map(|s| s.key()).collect(),
        PaneId::Redis => state.redis.rows().iter().map(|g| g.id.clone()).collect(),
        _ => Vec::new(),
    };
    let f = state.fetch_mut(pane);
    for key in keys {
        // What was asked, and rows never read before (the provider reads new rows whole).
        if scope.reads(&key) || !f.read_at.contains_key(&key) {
            f.read_at.insert(key, now);
        }
    }
    if scope.inventory {
        f.inventory_at = Some(now);
    }
    // An inventory describes every service, the rolling ones too.
    if scope.inventory || !scope.describe.is_empty() {
        f.followed_at = Some(now);
    }
}

/// When sizing runs next: once an hour of history has closed (and landed: three minutes), or
/// every six hours when nobody is at the keys.
pub fn next_sizing(state: &State) -> DateTime<Utc> {
    let now = state.now;
    match presence(state) {
        Presence::Here => {
            let hour = now.timestamp().div_euclid(3_600) * 3_600;
            let next = DateTime::from_timestamp(hour + 3_600 + 180, 0).unwrap_or(now);
            next.max(now + Duration::minutes(5))
        }
        Presence::Away => now + Duration::hours(6),
    }
}

/// Sizing reads at least two metrics a service (CPU and memory, the closed hours since the
/// last run). Once it has run, a run waits for the budget like rows off screen (what is on screen
/// comes first), unless its answer is six hours old: then it may borrow.
pub fn sizing_allowed(state: &mut State, services: usize) -> bool {
    let now = state.now;
    let usd = budget::metrics_usd(2 * services as u64);
    let priority = match state.sizing.fetch.fetched_at {
        None => return true,
        Some(at) if now - at >= Duration::hours(6) => Priority::Visible,
        Some(_) => Priority::Background,
    };
    let allowed = state.budget.allows(now, usd, priority);
    state.sizing.fetch.held = !allowed;
    allowed
}

/// Whether the open detail view is read again now (while someone is at the keys).
pub fn detail_due(state: &State) -> bool {
    let Some(Overlay::Detail(d)) = &state.overlay else {
        return false;
    };
    presence(state) == Presence::Here
        && d.fetched_at.is_some_and(|t| state.now - t >= visible_every(state, PaneId::Ecs))
        && d.marker.is_none()
}

/// When the oldest row on screen was read (a pane read by rows is as old as that).
pub fn oldest_visible(state: &State, pane: PaneId) -> Option<DateTime<Utc>> {
    if !pane.by_rows() {
        return None;
    }
    let f = state.fetch(pane);
    visible_keys(state, pane).iter().filter_map(|k| f.read_at.get(k)).min().copied()
}

/// One part of what is read, for `:budget`: what, when next, whether the budget holds it back.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub what: String,
    pub next: Option<DateTime<Utc>>,
    pub held: bool,
}

/// Every part the scheduler reads, and when next.
pub fn parts(state: &State) -> Vec<Part> {
    let here = presence(state);
    let mut out = Vec::new();
    for pane in PaneId::ALL {
        let f = state.fetch(pane);
        let name = pane.title();
        if !pane.by_rows() {
            out.push(Part { what: name.to_string(), next: f.next_due, held: false });
            continue;
        }
        let visible = visible_keys(state, pane);
        let (vis_every, bg_every) = row_cadences(state, pane);
        let next = |on_screen: bool, every: Duration| {
            f.read_at.iter().filter(|(k, _)| visible.contains(*k) == on_screen).map(|(_, t)| *t + every).min()
        };
        if !visible.is_empty() {
            out.push(Part { what: format!("{name}: rows on screen"), next: next(true, vis_every), held: f.held });
        }
        out.push(Part { what: format!("{name}: other rows"), next: next(false, bg_every), held: f.held_off_screen });
        let rows = state.ecs.rows().len().max(state.redis.rows().len());
        out.push(Part {
            what: format!("{name}: inventory"),
            next: f.inventory_at.map(|t| t + inventory_every(here, rows)),
            held: false,
        });
    }
    out.push(Part {
        what: "right-sizing (14-day history, SLOs)".into(),
        next: state.sizing.fetch.next_due,
        held: state.sizing.fetch.held,
    });
    out
}
