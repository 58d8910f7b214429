//! One pane's state: its data, where its fetching stands, and its table view; and the
//! suggestions' own schedule. `State` holds one of each per pane.

use super::table::{Rows, TableRow, TableView};
use crate::domain::Window;
use crate::provider::ProviderError;
use crate::sizing::recommend::EcsRecommendation;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// Which request an answer is for: answers to a request since replaced are dropped.
pub type ReqId = u64;

/// Where one pane's fetching stands, independent of what it fetches.
#[derive(Debug, Clone)]
pub struct FetchState {
    pub fetched_at: Option<DateTime<Utc>>,
    /// The window the data on screen was fetched for.
    pub data_window: Option<Window>,
    /// The request whose result we will accept, and the window it asked for.
    pub inflight: Option<(ReqId, Window)>,
    /// Another fetch is wanted as soon as the one in flight returns.
    pub queued: bool,
    /// The user asked for this refresh: the provider should bypass its caches.
    pub fresh: bool,
    /// The data on screen is the first part of a load still in flight.
    pub partial: bool,
    /// The last refresh failed: the data on screen is stale.
    pub error: Option<ProviderError>,
    /// Failed refreshes in a row: the next try backs off (`app::backoff`).
    pub failures: u32,
    pub next_due: Option<DateTime<Utc>>,
    /// How often what is on screen is read while someone is at the keys (`[refresh]`).
    pub interval: Duration,
    /// What the request in flight reads.
    pub inflight_scope: Option<crate::provider::Scope>,
    /// When each row's metrics were last read (by row key).
    pub read_at: HashMap<String, DateTime<Utc>>,
    /// When the inventory was last listed.
    pub inventory_at: Option<DateTime<Utc>>,
    /// When the rollouts followed were last described.
    pub followed_at: Option<DateTime<Utc>>,
    /// The rows on screen are read at the next tick, whatever their age (someone came back, a
    /// new filter).
    pub catch_up: bool,
    /// The budget, not the data, held back the rows on screen when they were due (the pane is
    /// older because of it: its title says so).
    pub held: bool,
    /// The budget held back rows off screen (said in `:budget` only: the pane looks no older).
    pub held_off_screen: bool,
}

/// One pane's data, fetching and table.
#[derive(Debug, Clone)]
pub struct PaneState<T> {
    pub data: Option<T>,
    pub fetch: FetchState,
    pub view: TableView,
}

impl FetchState {
    pub fn new(interval: Duration) -> Self {
        FetchState {
            fetched_at: None,
            data_window: None,
            inflight: None,
            queued: false,
            fresh: false,
            partial: false,
            error: None,
            failures: 0,
            next_due: None,
            interval,
            inflight_scope: None,
            read_at: HashMap::new(),
            inventory_at: None,
            followed_at: None,
            catch_up: false,
            held: false,
            held_off_screen: false,
        }
    }
}

impl<T> PaneState<T> {
    pub fn new(interval: Duration) -> Self {
        PaneState { data: None, fetch: FetchState::new(interval), view: TableView::default() }
    }
}

/// Right-sizing suggestions by `cluster/service`, refreshed on their own, slower schedule: the
/// sizing window is 14 days, so minutes-old suggestions are as good as new.
#[derive(Debug, Clone)]
pub struct SizingState {
    pub recs: HashMap<String, EcsRecommendation>,
    /// Redis suggestions by replication group id, recomputed whenever the Redis pane loads.
    pub cache_recs: HashMap<String, crate::sizing::redis::CacheRecommendation>,
    /// The node types and prices the Redis suggestions were made from (`$` prices them again).
    pub catalogue: Option<std::sync::Arc<crate::sizing::catalog::NodeCatalogue>>,
    /// The config's `[sizing]` policies, handed to every sizing run.
    pub policies: crate::sizing::policy::Policies,
    /// The config's `[slo]` objectives: each sizing run judges the services against them.
    pub objectives: crate::slo::policy::Objectives,
    pub fetch: FetchState,
}

impl<T: Rows> PaneState<T> {
    pub fn rows(&self) -> &[T::Row] {
        self.data.as_ref().map_or(&[], |d| d.rows())
    }

    pub fn selected(&self) -> Option<&T::Row> {
        self.view.selected_row().and_then(|i| self.rows().get(i))
    }

    /// Re-filter and re-sort, keeping the selection on the same resource.
    pub fn rebuild_view(&mut self) {
        let keep = self.selected().map(|r| r.key());
        let Some(data) = self.data.as_ref() else {
            self.view.rows.clear();
            return;
        };
        self.view.rebuild(data.rows(), keep);
    }
}

/// What every pane has, whatever rows it holds: so `State` can reach any pane by id.
pub trait AnyPane {
    fn parts(&self) -> (&FetchState, &TableView);
    fn parts_mut(&mut self) -> (&mut FetchState, &mut TableView);
    fn rebuild_view(&mut self);
    fn total_rows(&self) -> usize;
    fn has_data(&self) -> bool;
}

impl<T: Rows> AnyPane for PaneState<T> {
    fn parts(&self) -> (&FetchState, &TableView) {
        (&self.fetch, &self.view)
    }
    fn parts_mut(&mut self) -> (&mut FetchState, &mut TableView) {
        (&mut self.fetch, &mut self.view)
    }
    fn rebuild_view(&mut self) {
        PaneState::rebuild_view(self);
    }
    fn total_rows(&self) -> usize {
        self.rows().len()
    }
    fn has_data(&self) -> bool {
        self.data.is_some()
    }
}
