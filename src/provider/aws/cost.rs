//! Cost Explorer: 90 days of daily AmortizedCost by service, the forecast to month end and
//! anomalies. Every request costs the user $0.01, so answers are kept on disk with a TTL and
//! refreshed only when stale or asked for (`r`).

use super::{Target, sdk_error};
use crate::domain::{CostAnomaly, CostReport, ServiceCost};
use crate::provider::ProviderError;
use aws_sdk_costexplorer::types::{DateInterval, Granularity, GroupDefinition, GroupDefinitionType, Metric};
use chrono::{Datelike, Days, NaiveDate};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub const HISTORY_DAYS: u64 = 90;
const METRIC: &str = "AmortizedCost";

/// Where the cost report is kept between runs (a file per payer account), and for how long it
/// is good.
#[derive(Debug, Clone)]
pub struct CostCache {
    pub dir: Option<PathBuf>,
    pub ttl: Duration,
}

impl CostCache {
    fn path(&self, account: &str) -> Option<PathBuf> {
        // An account not known yet (STS failing) has no file: nothing is shared between accounts.
        (account != "unknown").then(|| self.dir.as_ref().map(|d| d.join(format!("cost-{account}.json"))))?
    }

    /// The cached report if it is younger than the TTL.
    pub fn load(&self, account: &str, now: i64) -> Option<CostReport> {
        super::disk_cache::load(&self.path(account)?, self.ttl.as_secs() as i64, now)
    }

    pub fn store(&self, account: &str, now: i64, report: &CostReport) {
        if let Some(path) = self.path(account) {
            super::disk_cache::store(&path, now, report, "the cost report");
        }
    }
}

fn interval(start: NaiveDate, end: NaiveDate) -> DateInterval {
    DateInterval::builder().start(start.to_string()).end(end.to_string()).build().expect("start and end are set")
}

fn first_of_next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// With `--org`, from the payer: account id → name, so that cost rows say whose they are.
pub type AccountNames = BTreeMap<String, String>;

/// A cost row's name under `--org`: "NAME: SERVICE" (the `/acct:` filter finds it by NAME).
pub fn account_row(account: &str, service: &str) -> String {
    format!("{account}: {service}")
}

/// Daily cost per service from GetCostAndUsage pages, one value per day from `start` to `today`.
/// With `accounts` (an organization read from its payer), per linked account and service: one
/// request set for the whole organization, grouped by LINKED_ACCOUNT then SERVICE (Cost
/// Explorer takes two group-bys; the account's name is its `description` attribute).
async fn daily(
    t: &Target,
    start: NaiveDate,
    today: NaiveDate,
    accounts: Option<&AccountNames>,
) -> Result<BTreeMap<String, Vec<f64>>, ProviderError> {
    let days = (today - start).num_days() as usize + 1;
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut token = None;
    let dimension = |key: &str| GroupDefinition::builder().r#type(GroupDefinitionType::Dimension).key(key).build();
    let group_by = match accounts {
        Some(_) => vec![dimension("LINKED_ACCOUNT"), dimension("SERVICE")],
        None => vec![dimension("SERVICE")],
    };
    loop {
        let page = t
            .costexplorer
            .get_cost_and_usage()
            .time_period(interval(start, today + Days::new(1)))
            .granularity(Granularity::Daily)
            .metrics(METRIC)
            .set_group_by(Some(group_by.clone()))
            .set_next_page_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ce:GetCostAndUsage", e))?;
        let described: BTreeMap<&str, &str> = page
            .dimension_value_attributes()
            .iter()
            .filter_map(|d| Some((d.value()?, d.attributes()?.get("description")?.as_str())))
            .collect();
        for result in page.results_by_time() {
            let Some(day) = result.time_period().and_then(|p| date(p.start())) else { continue };
            let index = (day - start).num_days();
            if !(0..days as i64).contains(&index) {
                continue;
            }
            for g in result.groups() {
                let service = match accounts {
                    None => g.keys().first().cloned().unwrap_or_else(|| "Other".into()),
                    Some(names) => {
                        let id = g.keys().first().map_or("unknown", String::as_str);
                        // The organization's name first: rows elsewhere are named by it.
                        let name = names.get(id).map(String::as_str).or(described.get(id).copied()).unwrap_or(id);
                        account_row(name, g.keys().get(1).map_or("Other", String::as_str))
                    }
                };
                let amount = g
                    .metrics()
                    .and_then(|m| m.get(METRIC))
                    .and_then(|v| v.amount())
                    .and_then(|a| a.parse::<f64>().ok())
                    .filter(|a| a.is_finite())
                    .unwrap_or(0.0);
                out.entry(service).or_insert_with(|| vec![0.0; days])[index as usize] += amount;
            }
        }
        token = page.next_page_token().filter(|s| !s.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Forecast of what is left of the month (today included); None on the month's last day or
/// when Cost Explorer has too little history to forecast.
async fn forecast_rest(t: &Target, today: NaiveDate) -> Result<Option<f64>, ProviderError> {
    let end = first_of_next_month(today);
    if end <= today + Days::new(1) {
        return Ok(None);
    }
    match t
        .costexplorer
        .get_cost_forecast()
        .time_period(interval(today, end))
        .metric(Metric::AmortizedCost)
        .granularity(Granularity::Monthly)
        .send()
        .await
    {
        Ok(answer) => Ok(answer.total().and_then(|t| t.amount()).and_then(|a| a.parse().ok())),
        Err(e) => match sdk_error("ce:GetCostForecast", e) {
            // New accounts: "insufficient amount of historical data". Not an error worth a red pane.
            ProviderError::Other(msg) if msg.contains("DataUnavailable") => Ok(None),
            other => Err(other),
        },
    }
}

/// Anomalies; under `--org` each named as the cost rows are (`NAME: SERVICE`, the account from
/// its root cause), so that the pane marks the right row.
async fn anomalies(
    t: &Target,
    start: NaiveDate,
    today: NaiveDate,
    accounts: Option<&AccountNames>,
) -> Result<Vec<CostAnomaly>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .costexplorer
            .get_anomalies()
            .date_interval(
                aws_sdk_costexplorer::types::AnomalyDateInterval::builder()
                    .start_date(start.to_string())
                    .end_date(today.to_string())
                    .build()
                    .expect("start is set"),
            )
            .set_next_page_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ce:GetAnomalies", e))?;
        for a in page.anomalies() {
            let service = a
                .root_causes()
                .iter()
                .find_map(|r| r.service())
                .or(a.dimension_value())
                .unwrap_or("Unknown service")
                .to_string();
            let account = a.root_causes().iter().find_map(|r| {
                let id = r.linked_account()?;
                Some(
                    accounts?
                        .get(id)
                        .cloned()
                        .or(r.linked_account_name().map(str::to_string))
                        .unwrap_or(id.to_string()),
                )
            });
            let service = match (accounts, account) {
                (Some(_), Some(name)) => account_row(&name, &service),
                _ => service,
            };
            let impact = a.impact();
            out.push(CostAnomaly {
                date: a.anomaly_start_date().and_then(date).unwrap_or(today),
                service,
                expected: impact.and_then(|i| i.total_expected_spend()).unwrap_or(0.0),
                actual: impact.and_then(|i| i.total_actual_spend()).unwrap_or(0.0),
                root_cause: a.root_causes().first().map(root_cause).unwrap_or_default(),
            });
        }
        token = page.next_page_token().filter(|s| !s.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// A root cause in one line: "Amazon CloudWatch · us-east-1 · CW:Requests · account prod (123…)".
fn root_cause(r: &aws_sdk_costexplorer::types::RootCause) -> String {
    let account = match (r.linked_account_name(), r.linked_account()) {
        (Some(name), Some(id)) => Some(format!("account {name} ({id})")),
        (None, Some(id)) => Some(format!("account {id}")),
        _ => None,
    };
    [r.service().map(str::to_string), r.region().map(str::to_string), r.usage_type().map(str::to_string), account]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Build the report from daily costs and the forecast of the rest of the month. Per-service
/// forecasts share the rest in proportion to each service's last 7 days (Cost Explorer
/// forecasts the total; a call per service would cost a cent each).
pub fn assemble(
    start: NaiveDate,
    today: NaiveDate,
    daily: BTreeMap<String, Vec<f64>>,
    rest: Option<f64>,
    anomalies: Vec<CostAnomaly>,
    missing: Vec<String>,
) -> CostReport {
    let month_start = today.with_day(1).unwrap_or(today);
    let last_month_start = (month_start - Days::new(1)).with_day(1).unwrap_or(month_start);
    let remaining_days = (first_of_next_month(today) - today).num_days() as f64;
    let index = |d: NaiveDate| (d - start).num_days();
    let recent = |v: &[f64]| v.iter().rev().skip(1).take(7).sum::<f64>();
    let recent_total: f64 = daily.values().map(|v| recent(v)).sum();
    let services = daily
        .into_iter()
        .map(|(service, daily)| {
            let sum_between = |from: NaiveDate, to: NaiveDate| -> f64 {
                daily
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (index(from)..index(to)).contains(&(*i as i64)))
                    .map(|(_, v)| v)
                    .sum()
            };
            let month_to_date = sum_between(month_start, today + Days::new(1));
            let before_today = sum_between(month_start, today);
            let share = if recent_total > 0.0 { recent(&daily) / recent_total } else { 0.0 };
            let forecast = match rest {
                Some(rest) => before_today + rest * share,
                // Without a forecast: the last week's daily rate to month end.
                None => before_today + recent(&daily) / 7.0 * remaining_days,
            };
            ServiceCost {
                last_month: sum_between(last_month_start, month_start),
                month_to_date,
                forecast: forecast.max(month_to_date),
                service,
                daily,
            }
        })
        .collect();
    CostReport { start, today, services, anomalies, missing }
}

/// The cost report. Daily cost is what the pane is; the forecast and the anomalies are extras
/// that may be missing or denied while cost itself works (anomalies need a monitor and
/// `ce:GetAnomalies`): without them the report still stands, and says what is missing.
pub async fn report(
    t: &Target,
    today: NaiveDate,
    accounts: Option<&AccountNames>,
) -> Result<CostReport, ProviderError> {
    let start = today - Days::new(HISTORY_DAYS);
    let (daily, rest, anomalies) =
        tokio::join!(daily(t, start, today, accounts), forecast_rest(t, today), anomalies(t, start, today, accounts));
    let daily = daily?;
    let mut missing = Vec::new();
    let rest = rest.unwrap_or_else(|e| {
        tracing::warn!("cost forecast not read: {e}");
        missing.push(format!("forecast: {e} ({}); the last week's rate is used", e.hint()));
        None
    });
    let anomalies = anomalies.unwrap_or_else(|e| {
        tracing::warn!("cost anomalies not read: {e}");
        missing.push(format!("anomalies: {e} ({})", e.hint()));
        Vec::new()
    });
    Ok(assemble(start, today, daily, rest, anomalies, missing))
}

/// After a failed report: when to ask again. Each attempt is paid ($0.01 a page), so a
/// failure is remembered (a permission or login a person must fix for 30 minutes, anything
/// else for 5) instead of being repeated at every refresh; `r` asks at once.
#[derive(Debug, Default)]
pub struct CostFailure {
    last: std::sync::Mutex<Option<(i64, ProviderError)>>,
}

impl CostFailure {
    pub fn remember(&self, now: i64, e: &ProviderError) {
        let wait = match e {
            ProviderError::AccessDenied { .. } | ProviderError::NoCredentials(_) => 1_800,
            _ => 300,
        };
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((now + wait, e.clone()));
    }

    /// The remembered failure while it is still in force.
    pub fn current(&self, now: i64) -> Option<ProviderError> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref().filter(|(until, _)| now < *until).map(|(_, e)| e.clone())
    }

    pub fn clear(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl super::AwsProvider {
    /// Cost Explorer's report for the payer, from the disk cache unless `fresh` (each request
    /// costs $0.01), a recent failure answered again rather than asked again.
    pub(super) async fn cost_report(&self, fresh: bool) -> Result<CostReport, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        // Cost Explorer is per payer account: the first target speaks for it (under --org the
        // caller's own, and its report is per linked account, kept apart from the plain one).
        let names: Option<AccountNames> =
            self.options.org.as_ref().map(|_| self.org_accounts().into_iter().map(|a| (a.id, a.name)).collect());
        let account = match (self.targets[0].account(), &names) {
            (id, Some(_)) if id != "unknown" => format!("{id}-org"),
            (id, _) => id,
        };
        let cached = if fresh { None } else { self.cost_cache.load(&account, now) };
        let report = match cached {
            Some(r) => r,
            None => {
                if fresh {
                    self.cost_failure.clear();
                } else if let Some(e) = self.cost_failure.current(now) {
                    return Err(e);
                }
                let mut r = report(&self.targets[0], chrono::Utc::now().date_naive(), names.as_ref())
                    .await
                    .inspect_err(|e| self.cost_failure.remember(now, e))?;
                if names.is_some() && self.targets[0].via_role {
                    // --ou or --org-accounts left the caller's own (payer) account out: a member
                    // sees only its own cost.
                    r.missing.push(format!(
                        "the other accounts' cost: read from {}, a member account, which sees only its own \
                         (the payer is the caller's own account; include it in --org-accounts)",
                        self.targets[0].label()
                    ));
                }
                self.cost_cache.store(&account, now, &r);
                r
            }
        };
        self.seen().cost = Some(report.clone());
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn month_to_date_last_month_and_forecast_share() {
        let start = d("2026-10-01");
        let today = d("2026-11-10");
        let days = (today - start).num_days() as usize + 1;
        let mut daily = BTreeMap::new();
        daily.insert("ECS".to_string(), vec![10.0; days]);
        daily.insert("S3".to_string(), vec![2.0; days]);
        let r = assemble(start, today, daily, Some(120.0), Vec::new(), Vec::new());
        let ecs = r.services.iter().find(|s| s.service == "ECS").unwrap();
        assert_eq!(ecs.last_month, 310.0);
        assert_eq!(ecs.month_to_date, 100.0);
        // 9 full days before today + 10/12 of the 120 forecast for the rest.
        assert!((ecs.forecast - (90.0 + 100.0)).abs() < 1e-9, "{}", ecs.forecast);
        assert!((r.forecast() - (108.0 + 120.0)).abs() < 1e-9);
    }

    #[test]
    fn without_a_forecast_the_last_week_rate_carries_to_month_end() {
        let start = d("2026-11-01");
        let today = d("2026-11-29");
        let mut daily = BTreeMap::new();
        daily.insert("ECS".to_string(), vec![7.0; 29]);
        let r = assemble(start, today, daily, None, Vec::new(), Vec::new());
        // 28 days before today at 7, then 2 remaining days (29th, 30th) at 7.
        assert_eq!(r.services[0].forecast, 28.0 * 7.0 + 2.0 * 7.0);
        assert_eq!(r.services[0].last_month, 0.0);
    }

    #[test]
    fn the_disk_cache_honours_its_ttl() {
        let dir = std::env::temp_dir().join(format!("infradeck-cost-{}", std::process::id()));
        let cache = CostCache { dir: Some(dir.clone()), ttl: Duration::from_secs(3_600) };
        let report = assemble(d("2026-11-01"), d("2026-11-02"), BTreeMap::new(), None, Vec::new(), Vec::new());
        assert_eq!(cache.load("1", 1_000), None);
        cache.store("1", 1_000, &report);
        assert_eq!(cache.load("1", 2_000), Some(report.clone()));
        assert_eq!(cache.load("2", 2_000), None, "a file per account");
        assert_eq!(cache.load("1", 1_000 + 3_600), None);
        cache.store("unknown", 1_000, &report);
        assert_eq!(cache.load("unknown", 1_000), None, "no file for an account not known yet");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn month_arithmetic_handles_december() {
        assert_eq!(first_of_next_month(d("2026-12-31")), d("2027-01-01"));
        assert_eq!(date("2026-11-18T00:00:00Z"), Some(d("2026-11-18")));
        assert_eq!(date("nope"), None);
    }
}
