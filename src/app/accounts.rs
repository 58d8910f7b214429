//! `:accounts` under `--org`: each account's totals (cost this month, savings found, services
//! under-provisioned, alarms firing) from what the panes hold; `enter` narrows the focused pane
//! to the account under the cursor (`/acct:NAME`).

use super::action::Action;
use super::state::{Overlay, State};
use crate::accounts::AccountTotals;

/// The totals as the panes have them now.
pub fn totals(state: &State) -> Vec<AccountTotals> {
    let services = state.ecs.data.as_deref().map_or(&[][..], Vec::as_slice);
    // Borrowed, not cloned: this runs at every frame the view is open.
    let ecs: Vec<_> = state.sizing.recs.values().collect();
    let cache: Vec<_> = state.sizing.cache_recs.values().collect();
    let alarms = state.alarms.data.as_deref().unwrap_or(&[]);
    crate::accounts::totals(&state.source.accounts, services, &ecs, &cache, alarms, state.cost.data.as_ref())
}

/// Moves the cursor or closes; `enter` gives the filter that narrows to the account.
pub fn on_action(state: &mut State, action: Action, selected: usize) -> Option<String> {
    let last = state.source.accounts.len().saturating_sub(1);
    let moved = super::action::list_cursor(action, selected, last);
    state.overlay = match action {
        Action::Back | Action::Quit => None,
        Action::Open => {
            state.overlay = None;
            // The whole name, spaces as `\s`: a filter's words are split at spaces.
            let name = regex::escape(&state.source.accounts.get(selected)?.name).replace(' ', r"\s");
            return Some(format!("acct:^{name}$"));
        }
        _ => Some(Overlay::Accounts { selected: moved.unwrap_or(selected).min(last) }),
    };
    None
}
