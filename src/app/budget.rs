//! The API budget: what infradeck may spend a day in AWS charges (`[aws] budget_usd_per_day`,
//! $1 by default), kept as a bucket that fills at the budget's pace and holds at most six hours
//! of it (a quiet night pays for a busy morning). Every refresh's real cost (the provider's
//! meter) is taken from it; a refresh of rows no one is looking at waits until the bucket holds
//! its cost and two hours more (kept for what is on screen), while the rows on screen may borrow
//! an hour ahead. What the user asks for (a first
//! load, `r`, a detail view) is counted and shown, not paced. Over any day the refreshes cost at
//! most the budget and seven hours of it; over days, the budget.

use crate::provider::meter::METRIC_USD;
use chrono::{DateTime, Duration, Utc};
use std::collections::VecDeque;

pub const DEFAULT_USD_PER_DAY: f64 = 1.00;

/// How much a refresh may lean on the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Rows no one is looking at: only from what the bucket holds.
    Background,
    /// What is on screen while someone is at the keys, a first load, `r`: may borrow an hour.
    Visible,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub usd_per_day: f64,
    /// USD that may be spent now (negative: borrowed).
    pub balance: f64,
    /// When the balance was last filled.
    pub at: Option<DateTime<Utc>>,
    /// The provider's session total when last seen.
    pub seen_usd: f64,
    /// (when, session total) over the last hour: the pace shown in the header.
    pub samples: VecDeque<(DateTime<Utc>, f64)>,
}

impl Budget {
    pub fn new(usd_per_day: f64) -> Budget {
        let usd_per_day = if usd_per_day.is_finite() && usd_per_day > 0.0 { usd_per_day } else { DEFAULT_USD_PER_DAY };
        Budget { usd_per_day, balance: usd_per_day / 4.0, at: None, seen_usd: 0.0, samples: VecDeque::new() }
    }

    /// An hour of budget: what the rows on screen may borrow.
    pub fn hour(&self) -> f64 {
        self.usd_per_day / 24.0
    }

    /// What rows no one is looking at leave in the bucket: two hours of budget, for the rows on
    /// screen when someone comes back.
    pub fn reserve(&self) -> f64 {
        self.usd_per_day / 12.0
    }

    /// What the bucket holds at most: six hours of budget.
    pub fn holds(&self) -> f64 {
        self.usd_per_day / 4.0
    }

    fn fill(&mut self, now: DateTime<Utc>) {
        if let Some(at) = self.at {
            let secs = (now - at).num_milliseconds().max(0) as f64 / 1_000.0;
            self.balance = (self.balance + secs * self.usd_per_day / 86_400.0).min(self.holds());
        }
        self.at = Some(now);
    }

    /// Whether a refresh costing `usd` may go now.
    pub fn allows(&mut self, now: DateTime<Utc>, usd: f64, priority: Priority) -> bool {
        self.fill(now);
        // (A millionth of a cent of slack: the balance is a sum of floating-point fractions.)
        let left = self.balance - usd + 1e-8;
        match priority {
            Priority::Visible => left >= -self.hour(),
            Priority::Background => left >= self.reserve(),
        }
    }

    /// The provider's meter after a fetch: what it cost comes off the balance, unless the user
    /// asked for it (`asked`: the budget paces the refreshes nobody asked for).
    pub fn spent(&mut self, now: DateTime<Utc>, total_usd: f64, asked: bool) {
        self.fill(now);
        if total_usd < self.seen_usd {
            // A new provider (`:profile`): its meter starts again.
            self.seen_usd = 0.0;
            self.samples.clear();
        }
        if !asked {
            self.balance -= total_usd - self.seen_usd;
        }
        self.seen_usd = total_usd;
        self.samples.push_back((now, total_usd));
        while self.samples.len() > 2 && self.samples.front().is_some_and(|(t, _)| now - *t > Duration::hours(1)) {
            self.samples.pop_front();
        }
    }

    /// USD a day at the pace of the last hour (since the first refresh after the first load);
    /// None until there are a few minutes to judge by.
    pub fn rate_per_day(&self) -> Option<f64> {
        let (first, last) = (self.samples.front()?, self.samples.back()?);
        let secs = (last.0 - first.0).num_seconds();
        (secs >= 120).then(|| (last.1 - first.1).max(0.0) / secs as f64 * 86_400.0)
    }
}

/// USD for reading these metrics once.
pub fn metrics_usd(metrics: u64) -> f64 {
    metrics as f64 * METRIC_USD
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn the_bucket_fills_at_the_budgets_pace_and_holds_six_hours() {
        let mut b = Budget::new(2.4); // $0.10 an hour
        assert!((b.balance - 0.6).abs() < 1e-12, "starts full: six hours");
        assert!(b.allows(at(0), 0.4, Priority::Background), "all but two hours' reserve");
        assert!(!b.allows(at(0), 0.41, Priority::Background), "two hours kept for the screen");
        assert!(b.allows(at(0), 0.6, Priority::Visible));
        b.spent(at(0), 0.6, false);
        assert!(!b.allows(at(0), 0.01, Priority::Background), "empty: background waits");
        assert!(b.allows(at(0), 0.01, Priority::Visible), "what is on screen may borrow");
        // Half an hour fills half an hour's worth; rows off screen wait for the reserve first.
        assert!(!b.allows(at(1_800), 0.05, Priority::Background));
        assert!(b.allows(at(9_000), 0.05, Priority::Background), "2 h 30: the reserve and half an hour");
        assert!(!b.allows(at(9_000), 0.0502, Priority::Background));
        // Never more than six hours banked.
        b.allows(at(86_400), 0.0, Priority::Background);
        assert!((b.balance - 0.6).abs() < 1e-9);
        // Borrowing stops an hour ahead.
        b.spent(at(86_400), 0.6 + 0.7, false);
        assert!((b.balance + 0.1).abs() < 1e-9, "{}", b.balance);
        assert!(!b.allows(at(86_400), 0.0001, Priority::Visible));
    }

    #[test]
    fn the_pace_is_the_last_hours_spend_per_day() {
        let mut b = Budget::new(1.0);
        b.spent(at(0), 0.50, true); // the first load: asked for, not paced
        assert_eq!(b.rate_per_day(), None, "too soon to say");
        b.spent(at(600), 0.51, false);
        assert!((b.balance - 1.0 / 4.0 + 0.01).abs() < 1e-6, "only the refresh was taken: {}", b.balance);
        let rate = b.rate_per_day().unwrap();
        assert!((rate - 0.01 / 600.0 * 86_400.0).abs() < 1e-9, "{rate}: the first load is not a pace");
        b.spent(at(600), 0.0, false); // a new provider
        assert_eq!(b.seen_usd, 0.0);
        assert_eq!(Budget::new(f64::NAN).usd_per_day, DEFAULT_USD_PER_DAY);
    }
}
