//! What every pane's table shares: which rows pass the filter, in which order, and which one is
//! selected. Computed in `update` when data, filter or sort change, never while drawing.

use crate::domain::{Alarm, CacheGroup, CostReport, EcsService, ServiceCost};
use crate::provider::OrgAccount;
use crate::sizing::ecs::{FitThresholds, classify};
use regex::{Regex, RegexBuilder};
use std::cmp::Ordering;
use std::collections::HashMap;

/// A row a pane can filter and sort.
pub trait TableRow {
    /// Column names `s` cycles through.
    const SORT_COLUMNS: &'static [&'static str];
    /// Stable identity, to keep the selection on the same resource across refreshes.
    fn key(&self) -> String;
    /// The text `/` searches.
    fn haystack(&self) -> String;
    fn compare(&self, other: &Self, column: usize) -> Ordering;
    /// The sort column (if any) that orders by `TableView::extra`'s rank instead of `compare`.
    const EXTRA_COLUMN: Option<usize> = None;
}

/// What a row is known by beyond its own data (an ECS service's SLO standing, from the sizing
/// run): a rank for `TableRow::EXTRA_COLUMN` (highest first) and words `/` finds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extra {
    pub rank: f64,
    pub words: String,
}

/// Data whose rows a pane lists.
pub trait Rows {
    type Row: TableRow;
    fn rows(&self) -> &[Self::Row];
}

impl<T: TableRow> Rows for Vec<T> {
    type Row = T;
    fn rows(&self) -> &[T] {
        self
    }
}

/// Rows shared with work running off the UI loop (sizing reads the ECS rows without a copy).
impl<T: TableRow> Rows for std::sync::Arc<Vec<T>> {
    type Row = T;
    fn rows(&self) -> &[T] {
        self
    }
}

impl Rows for CostReport {
    type Row = ServiceCost;
    fn rows(&self) -> &[ServiceCost] {
        &self.services
    }
}

fn by_f32(a: f32, b: f32) -> Ordering {
    a.total_cmp(&b)
}

impl TableRow for EcsService {
    const SORT_COLUMNS: &'static [&'static str] =
        &["status", "name", "cluster", "cpu p95", "mem max", "hot task", "tasks", "size", "p99", "5xx", "slo"];
    /// "slo": the standing lives in the sizing run's results, not in the row.
    const EXTRA_COLUMN: Option<usize> = Some(10);
    fn key(&self) -> String {
        EcsService::key(self)
    }
    fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.cluster,
            self.name,
            self.launch_type.label(),
            self.arch.label(),
            self.task_definition,
            classify(self, FitThresholds::default()).label()
        )
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        let t = FitThresholds::default();
        match column {
            0 => classify(self, t).cmp(&classify(o, t)).then_with(|| by_f32(o.cpu.p95, self.cpu.p95)),
            1 => self.name.cmp(&o.name),
            2 => self.cluster.cmp(&o.cluster),
            3 => by_f32(o.cpu.p95, self.cpu.p95),
            4 => by_f32(o.memory.max, self.memory.max),
            5 => {
                by_f32(o.hottest.as_ref().map_or(0.0, |h| h.cpu.p95), self.hottest.as_ref().map_or(0.0, |h| h.cpu.p95))
            }
            6 => o.running.cmp(&self.running),
            7 => (o.task_cpu, o.task_memory).cmp(&(self.task_cpu, self.task_memory)),
            // Services without a load balancer sort last (as 0).
            8 => by_f32(o.health.read().map_or(0.0, |h| h.p99_ms), self.health.read().map_or(0.0, |h| h.p99_ms)),
            9 => by_f32(
                o.health.read().map_or(0.0, |h| h.error_pct()),
                self.health.read().map_or(0.0, |h| h.error_pct()),
            ),
            // "slo" (ranked by TableView::extra), then worst status first.
            _ => classify(self, t).cmp(&classify(o, t)),
        }
        .then_with(|| (&self.cluster, &self.name).cmp(&(&o.cluster, &o.name)))
    }
}

impl TableRow for CacheGroup {
    const SORT_COLUMNS: &'static [&'static str] =
        &["memory", "name", "engine cpu", "evictions", "connections", "nodes"];
    fn key(&self) -> String {
        self.id.clone()
    }
    fn haystack(&self) -> String {
        format!("{} {} {} {}", self.id, self.engine.label(), self.engine_version, self.node_type)
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        match column {
            0 => by_f32(o.memory.max, self.memory.max),
            1 => shown_name(&self.id).cmp(shown_name(&o.id)),
            2 => by_f32(o.engine_cpu.p95, self.engine_cpu.p95),
            3 => o.evictions.cmp(&self.evictions),
            4 => by_f32(o.connections.avg, self.connections.avg),
            _ => o.nodes().cmp(&self.nodes()),
        }
        .then_with(|| self.id.cmp(&o.id))
    }
}

/// What the name column shows of a row named `ACCOUNT@region:name` under `--org` (the account
/// has its own column): sorted by name, rows read in order there. The region is the last `@`'s
/// (account names may hold `@`; regions and Redis group ids never do); an alarm name holding
/// `@` itself sorts by its full name, as without `--org`.
fn shown_name(name: &str) -> &str {
    match name.rsplit_once('@') {
        Some((_, rest)) if rest.split_once(':').is_some_and(|(region, _)| is_region(region)) => rest,
        _ => name,
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `demo-1`: lowercase words and a number,
/// joined by hyphens.
fn is_region(s: &str) -> bool {
    s.contains('-')
        && s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// A cost row's service: `account: service` under --org, the name as it is otherwise.
fn after_account(service: &str) -> &str {
    service.split_once(": ").map_or(service, |(_, s)| s)
}

impl TableRow for ServiceCost {
    const SORT_COLUMNS: &'static [&'static str] = &["month to date", "name", "forecast", "change"];
    fn key(&self) -> String {
        self.service.clone()
    }
    fn haystack(&self) -> String {
        self.service.clone()
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        match column {
            0 => o.month_to_date.total_cmp(&self.month_to_date),
            // `account: service` under --org: by the service, as the column shows it.
            1 => after_account(&self.service).cmp(after_account(&o.service)),
            2 => o.forecast.total_cmp(&self.forecast),
            _ => o.change_pct().unwrap_or(0.0).total_cmp(&self.change_pct().unwrap_or(0.0)),
        }
        .then_with(|| self.service.cmp(&o.service))
    }
}

impl TableRow for Alarm {
    const SORT_COLUMNS: &'static [&'static str] = &["state", "name", "since"];
    fn key(&self) -> String {
        self.name.clone()
    }
    fn haystack(&self) -> String {
        format!(
            "{} {}{} {} {} {}",
            self.name,
            self.state.label(),
            if self.scaling { " scaling" } else { "" },
            self.namespace,
            self.metric,
            self.resource.as_ref().map(|r| r.to_string()).unwrap_or_default()
        )
    }
    fn compare(&self, o: &Self, column: usize) -> Ordering {
        match column {
            // Firing first (target tracking's alarms, in ALARM by design, after them), then the
            // most recent change first.
            0 => (self.scaling, self.state).cmp(&(o.scaling, o.state)).then_with(|| o.since.cmp(&self.since)),
            1 => shown_name(&self.name).cmp(shown_name(&o.name)),
            _ => o.since.cmp(&self.since),
        }
        .then_with(|| self.name.cmp(&o.name))
    }
}

/// A `/` filter: a case-insensitive regex, or the literal text when it is not a valid regex;
/// a leading `!` keeps the rows that do *not* match. Under `--org`, `acct:NAME` and `ou:NAME`
/// words keep the rows of the accounts whose name or id (or OU path) matches NAME.
#[derive(Debug, Clone)]
pub struct Filter {
    pub text: String,
    invert: bool,
    pattern: Option<Regex>,
    /// The accounts' own prefix on rows (`NAME@region:` or `NAME: `), when narrowed to some.
    accounts: Option<Regex>,
}

fn regex_or_literal(p: &str) -> Option<Regex> {
    let build = |p: &str| RegexBuilder::new(p).case_insensitive(true).size_limit(1 << 20).build();
    build(p).or_else(|_| build(&regex::escape(p))).ok()
}

impl Filter {
    pub fn new(text: &str) -> Option<Filter> {
        Filter::scoped(text, &[])
    }

    /// A filter whose `acct:`/`ou:` words pick among `accounts` (the organization's).
    pub fn scoped(text: &str, accounts: &[OrgAccount]) -> Option<Filter> {
        let (invert, body) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut picked: Option<Vec<&OrgAccount>> = None;
        let mut rest = Vec::new();
        for word in body.split_whitespace() {
            // Not under --org: `acct:` is just text.
            let words =
                if accounts.is_empty() { (None, None) } else { (word.strip_prefix("acct:"), word.strip_prefix("ou:")) };
            let (by_ou, want) = match words {
                (Some(w), _) => (false, w),
                (_, Some(w)) => (true, w),
                _ => {
                    rest.push(word);
                    continue;
                }
            };
            let Some(want) = regex_or_literal(want) else { continue };
            let chosen = picked.take().unwrap_or_else(|| accounts.iter().collect());
            picked = Some(
                chosen
                    .into_iter()
                    .filter(|a| match by_ou {
                        true => a.ou.as_deref().is_some_and(|ou| want.is_match(ou)),
                        false => want.is_match(&a.name) || want.is_match(&a.id),
                    })
                    .collect(),
            );
        }
        let pattern_text = if picked.is_some() { rest.join(" ") } else { body.to_string() };
        let pattern = if pattern_text.is_empty() { None } else { Some(regex_or_literal(&pattern_text)?) };
        let accounts = match &picked {
            None => None,
            // No account picked: a pattern that matches no row.
            Some(p) if p.is_empty() => Some(Regex::new(r"[^\s\S]").ok()?),
            Some(p) => {
                let names: Vec<String> = p.iter().map(|a| regex::escape(&a.name)).collect();
                // Anchored: a row's own name comes first in what the filter reads (a task
                // definition `web:12` further on is not the account `web`).
                Some(Regex::new(&format!(r"^(?:{})(?:@|: )", names.join("|"))).ok()?)
            }
        };
        if pattern.is_none() && accounts.is_none() {
            return None;
        }
        Some(Filter { text: text.to_string(), invert, pattern, accounts })
    }

    pub fn matches(&self, haystack: &str) -> bool {
        let hit = self.pattern.as_ref().is_none_or(|p| p.is_match(haystack))
            && self.accounts.as_ref().is_none_or(|a| a.is_match(haystack));
        hit != self.invert
    }
}

/// The group (index into `names`) of the row shown as `key` (`accounts::owner`'s rule);
/// `names.len()` for none.
pub fn group_of(names: &[String], key: &str) -> usize {
    crate::accounts::owner_of(names.iter().map(String::as_str), key).unwrap_or(names.len())
}

/// Selection, scroll, filter and sort of one table.
#[derive(Debug, Clone, Default)]
pub struct TableView {
    /// Indices into the data's rows, filtered and sorted.
    pub rows: Vec<usize>,
    pub selected: usize,
    /// First visible row, kept so the selection stays on screen without jumping.
    pub offset: usize,
    pub filter: Option<Filter>,
    pub sort_column: usize,
    pub sort_reverse: bool,
    /// Row key → what the row is known by beyond its data (see `Extra`).
    pub extra: HashMap<String, Extra>,
    /// `:group` under `--org`: the accounts' names, in the order their groups are listed (empty:
    /// not grouped). Rows are ordered by the account they belong to, then by the sort.
    pub group: Vec<String>,
}

impl TableView {
    /// Recompute `rows` for `data`, keeping the selection on `keep` if it is still listed.
    pub fn rebuild<R: TableRow>(&mut self, data: &[R], keep: Option<String>) {
        // Each row's extra looked up once (by key), not once per comparison.
        let extra: Vec<Option<&Extra>> =
            if self.extra.is_empty() { Vec::new() } else { data.iter().map(|r| self.extra.get(&r.key())).collect() };
        let extra_of = |i: usize| extra.get(i).copied().flatten();
        let mut rows: Vec<usize> = match &self.filter {
            Some(f) => (0..data.len())
                .filter(|i| match extra_of(*i) {
                    Some(e) => f.matches(&format!("{} {}", data[*i].haystack(), e.words)),
                    None => f.matches(&data[*i].haystack()),
                })
                .collect(),
            None => (0..data.len()).collect(),
        };
        let column = self.sort_column.min(R::SORT_COLUMNS.len().saturating_sub(1));
        let rank = |i: usize| extra_of(i).map_or(f64::NEG_INFINITY, |e| e.rank);
        // Each row's group once; rows of no account (none when grouped by a complete list) last.
        let groups: Vec<usize> = if self.group.is_empty() {
            Vec::new()
        } else {
            data.iter().map(|r| group_of(&self.group, &r.key())).collect()
        };
        let group = |i: usize| groups.get(i).copied().unwrap_or(0);
        rows.sort_by(|a, b| {
            if group(*a) != group(*b) {
                return group(*a).cmp(&group(*b));
            }
            let o = if R::EXTRA_COLUMN == Some(column) {
                rank(*b).total_cmp(&rank(*a)).then_with(|| data[*a].compare(&data[*b], column))
            } else {
                data[*a].compare(&data[*b], column)
            };
            if self.sort_reverse { o.reverse() } else { o }
        });
        self.rows = rows;
        if let Some(key) = keep
            && let Some(pos) = self.rows.iter().position(|i| data[*i].key() == key)
        {
            self.selected = pos;
        }
        self.clamp();
    }

    pub fn selected_row(&self) -> Option<usize> {
        self.rows.get(self.selected).copied()
    }

    pub fn clamp(&mut self) {
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }

    pub fn go_to(&mut self, index: usize) {
        self.selected = index;
        self.clamp();
    }

    /// Scroll so that the selection is inside `height` visible rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.rows.len().saturating_sub(height));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_name_under_org_rows_read_in_order_in_the_name_column() {
        assert_eq!(shown_name("team-01@us-east-1:orders"), "us-east-1:orders");
        assert_eq!(shown_name("ops@acme@eu-west-2:cache"), "eu-west-2:cache", "an account name holding @");
        assert_eq!(shown_name("payments prod@demo-1:api-cpu-high"), "demo-1:api-cpu-high");
        assert_eq!(shown_name("orders"), "orders", "without --org");
        assert_eq!(shown_name("page me@night:now"), "page me@night:now", "an alarm name's own @ is no region");
        assert_eq!(after_account("team-01: Amazon ElastiCache"), "Amazon ElastiCache");
        assert_eq!(after_account("Amazon ElastiCache"), "Amazon ElastiCache");
    }

    #[test]
    fn filter_is_regex_or_literal_and_inverts_with_bang() {
        let f = Filter::new("pay|check").unwrap();
        assert!(f.matches("prod-core payments") && f.matches("Checkout") && !f.matches("search"));
        let lit = Filter::new("a(b").unwrap();
        assert!(lit.matches("xa(bx") && !lit.matches("ab"));
        let inv = Filter::new("!staging").unwrap();
        assert!(inv.matches("prod-core api") && !inv.matches("staging api"));
        assert!(Filter::new("").is_none() && Filter::new("!").is_none());
    }

    #[test]
    fn acct_and_ou_words_keep_the_rows_of_an_organizations_accounts() {
        let account = |id: &str, name: &str, ou: Option<&str>| OrgAccount {
            id: id.into(),
            name: name.into(),
            ou: ou.map(str::to_string),
            unreachable: None,
            metrics: None,
        };
        let org = [
            account("111111111111", "payments-prod", Some("prod/payments")),
            account("222222222222", "search-prod", Some("prod")),
            account("333333333333", "sandbox", None),
        ];
        let rows = [
            "payments-prod@us-east-1:core/api web",
            "search-prod@eu-west-1:core/api web",
            "sandbox@us-east-1:dev/api web",
            "payments-prod: Amazon Elastic Container Service",
        ];
        let kept = |text: &str| -> Vec<usize> {
            let f = Filter::scoped(text, &org).unwrap();
            (0..rows.len()).filter(|i| f.matches(rows[*i])).collect()
        };
        assert_eq!(kept("acct:payments"), [0, 3], "by name, its cost rows too");
        assert_eq!(kept("acct:222222222222"), [1], "by id");
        assert_eq!(kept("ou:prod"), [0, 1, 3], "by OU path, nested OUs included");
        assert_eq!(kept("ou:prod/payments api"), [0], "narrowed, then the pattern");
        assert_eq!(kept("!acct:sandbox"), [0, 1, 3], "inverted: every other account");
        assert_eq!(kept("acct:nobody"), Vec::<usize>::new(), "no account matches: no rows");
        assert_eq!(kept("api"), [0, 1, 2], "no acct: word: the plain pattern");
        assert!(Filter::scoped("acct:x", &[]).unwrap().matches("see acct:x"), "not under --org: plain text");
        assert_eq!(kept("acct:^team$"), Vec::<usize>::new(), "no account named team");
        let web = [account("444444444444", "web", None)];
        let f = Filter::scoped("acct:^web$", &web).unwrap();
        assert!(f.matches("web@us-east-1:core/api web:12") && !f.matches("other@us-east-1:core/web web:12"));
    }

    #[test]
    fn scrolling_keeps_the_selection_visible() {
        let mut v = TableView { rows: (0..100).collect(), ..Default::default() };
        v.go_to(50);
        v.scroll_into_view(10);
        assert_eq!(v.offset, 41);
        v.go_to(3);
        v.scroll_into_view(10);
        assert_eq!(v.offset, 3);
        v.move_by(-10);
        assert_eq!(v.selected, 0);
        v.move_by(1_000);
        assert_eq!(v.selected, 99);
    }
}
