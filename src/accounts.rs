//! Per-account totals under `--org`: for each account of the organization, what it costs this
//! month, the savings right-sizing found there, its services under-provisioned and its alarms
//! firing. Pure: rows are matched to their account by the name they are shown with
//! (`NAME@region:…` for ECS, Redis and alarms; `NAME: service` for Cost Explorer's rows).

use crate::domain::{Alarm, CostReport, EcsService};
use crate::provider::OrgAccount;
use crate::sizing::recommend::{EcsRecommendation, Finding};
use crate::sizing::redis::CacheRecommendation;
use serde::Serialize;

/// One account's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountTotals {
    #[serde(rename = "account")]
    pub name: String,
    #[serde(rename = "account_id")]
    pub id: String,
    pub ou: Option<String>,
    /// Why it could not be read, or None.
    pub unreachable: Option<String>,
    /// With a monitoring account: where its metrics are read.
    pub metrics: Option<String>,
    pub services: usize,
    /// This month's forecast from Cost Explorer (the payer's view), when cost was read.
    pub month_forecast: Option<f64>,
    pub month_to_date: Option<f64>,
    /// Monthly saving of the ECS and Redis suggestions that shrink something (positive USD).
    pub savings: f64,
    pub under_provisioned: usize,
    pub alarms_firing: usize,
}

/// The account a row belongs to, by the name it is shown with: the longest account name the
/// row starts with, followed by `@` (a target's label) or `: ` (a cost row). Account names may
/// themselves hold `@` or `:` (`ops@acme`).
pub fn owner<'a>(accounts: &'a [OrgAccount], shown: &str) -> Option<&'a OrgAccount> {
    owner_of(accounts.iter().map(|a| a.name.as_str()), shown).map(|i| &accounts[i])
}

/// `owner` by the names alone: the index of the name `shown` belongs to.
pub fn owner_of<'a>(names: impl IntoIterator<Item = &'a str>, shown: &str) -> Option<usize> {
    names
        .into_iter()
        .enumerate()
        .filter(|(_, n)| shown.strip_prefix(n).is_some_and(|rest| rest.starts_with('@') || rest.starts_with(": ")))
        .max_by_key(|(_, n)| n.len())
        .map(|(i, _)| i)
}

/// Everything the panes hold, summed per account; accounts in the order given (the caller's
/// own first), the unreachable ones included with zeros and their reason.
pub fn totals(
    accounts: &[OrgAccount],
    services: &[EcsService],
    ecs: &[&EcsRecommendation],
    cache: &[&CacheRecommendation],
    alarms: &[Alarm],
    cost: Option<&CostReport>,
) -> Vec<AccountTotals> {
    let mut out: Vec<AccountTotals> = accounts
        .iter()
        .map(|a| AccountTotals {
            name: a.name.clone(),
            id: a.id.clone(),
            ou: a.ou.clone(),
            unreachable: a.unreachable.clone(),
            metrics: a.metrics.clone(),
            services: 0,
            month_forecast: cost.map(|_| 0.0),
            month_to_date: cost.map(|_| 0.0),
            savings: 0.0,
            under_provisioned: 0,
            alarms_firing: 0,
        })
        .collect();
    // Rows, suggestions and alarms by their typed origin; only Cost Explorer's lines, which
    // carry no resource, by the account name they are shown with.
    let of = |origin: &crate::domain::Origin| {
        origin.account_id.as_deref().and_then(|id| accounts.iter().position(|a| a.id == id))
    };
    let at = |shown: &str| owner(accounts, shown).and_then(|a| accounts.iter().position(|b| b.id == a.id));
    for s in services {
        if let Some(i) = of(&s.identity.origin) {
            out[i].services += 1;
        }
    }
    for r in ecs {
        if let Some(i) = of(&r.identity.origin) {
            out[i].savings += r.monthly_change().filter(|c| *c < 0.0).map_or(0.0, |c| -c);
            out[i].under_provisioned += usize::from(r.finding == Finding::UnderProvisioned);
        }
    }
    for r in cache {
        if let Some(i) = of(&r.identity.origin) {
            out[i].savings += r.monthly_change().filter(|c| *c < 0.0).map_or(0.0, |c| -c);
            out[i].under_provisioned += usize::from(r.finding == Finding::UnderProvisioned);
        }
    }
    for a in alarms.iter().filter(|a| a.firing()) {
        if let Some(i) = of(&a.identity.origin) {
            out[i].alarms_firing += 1;
        }
    }
    for c in cost.map_or(&[][..], |c| c.services.as_slice()) {
        if let Some(i) = at(&c.service) {
            *out[i].month_forecast.get_or_insert(0.0) += c.forecast;
            *out[i].month_to_date.get_or_insert(0.0) += c.month_to_date;
        }
    }
    out
}

/// The totals as an aligned table or Markdown (`report` under `--org`).
pub fn render(totals: &[AccountTotals], markdown: bool) -> String {
    use crate::common::format::money;
    let head = ["ACCOUNT", "OU", "SERVICES", "MONTH (FORECAST)", "SAVINGS FOUND", "UNDER", "FIRING"];
    let rows: Vec<[String; 7]> = totals
        .iter()
        .map(|t| {
            [
                match &t.unreachable {
                    Some(why) => format!("{} ({}, not reached: {why})", t.name, t.id),
                    None => format!("{} ({})", t.name, t.id),
                },
                t.ou.clone().unwrap_or_else(|| "—".into()),
                t.services.to_string(),
                t.month_forecast.map_or("—".into(), money),
                format!("{}/mo", money(t.savings)),
                t.under_provisioned.to_string(),
                t.alarms_firing.to_string(),
            ]
        })
        .collect();
    if markdown {
        let mut out = format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len()));
        for r in &rows {
            out.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        return out;
    }
    // Whole cells: an unreachable account's reason is the point of its line.
    crate::common::text::aligned(head, &rows, usize::MAX, |c, _| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str) -> OrgAccount {
        OrgAccount { id: id.into(), name: name.into(), ou: Some("prod".into()), unreachable: None, metrics: None }
    }

    #[test]
    fn rows_are_summed_under_the_account_they_are_shown_with() {
        let org = [account("1", "team-01"), account("2", "team-02"), account("3", "team-1")];
        assert_eq!(owner(&org, "team-01@us-east-1:prod").map(|a| a.id.as_str()), Some("1"));
        assert_eq!(owner(&org, "team-02: Amazon Elastic Container Service").map(|a| a.id.as_str()), Some("2"));
        assert_eq!(owner(&org, "team-1@eu-west-1:x").map(|a| a.id.as_str()), Some("3"), "whole names only");
        assert_eq!(owner(&org, "other@us-east-1:prod"), None);
        let odd = [account("4", "ops"), account("5", "ops@acme")];
        assert_eq!(owner(&odd, "ops@acme@us-east-1:prod").map(|a| a.id.as_str()), Some("5"), "the longest name");
        assert_eq!(owner(&odd, "ops@us-east-1:prod").map(|a| a.id.as_str()), Some("4"));
        // Summed by the account id each carries, whatever its display name says.
        let alarm = |name: &str, state| Alarm {
            name: name.into(),
            identity: crate::domain::AlarmKey {
                origin: crate::domain::Origin {
                    account_id: Some(if name.starts_with("team-02") { "2" } else { "1" }.into()),
                    account: None,
                    region: "us-east-1".into(),
                },
                alarm: "api-cpu-high".into(),
                aws_arn: None,
            },
            state,
            namespace: "AWS/ECS".into(),
            metric: "CPUUtilization".into(),
            comparison: crate::domain::Comparison::GreaterThan,
            threshold: 80.0,
            resource: None,
            since: chrono::DateTime::UNIX_EPOCH,
            reason: String::new(),
            history: Vec::new(),
            scaling: false,
            evaluation: None,
            actions: Vec::new(),
            actions_enabled: true,
        };
        let firing = alarm("team-02@us-east-1:api-cpu-high", crate::domain::AlarmState::Alarm);
        let quiet = alarm("team-01@us-east-1:api-cpu-high", crate::domain::AlarmState::Ok);
        let t = totals(&org, &[], &[], &[], &[firing, quiet], None);
        assert_eq!(t.iter().map(|t| t.alarms_firing).collect::<Vec<_>>(), [0, 1, 0]);
        assert_eq!(t[0].month_forecast, None, "no cost read: no figure, not zero");
        let text = render(&t, false);
        assert!(text.lines().nth(2).unwrap().starts_with("team-02 (2)  prod"), "{text}");
        assert!(render(&t, true).starts_with("| ACCOUNT | OU |"));
    }
}
