//! The account's effective Fargate rate: what it paid for last full month's Fargate usage
//! (AmortizedCost: Savings Plans and reservations spread over the usage they covered) against
//! what that usage costs On-Demand (UnblendedCost of `Usage` and of `SavingsPlanCoveredUsage`,
//! which AWS documents as "what the On-Demand charge would have been"). One GetCostAndUsage
//! ($0.01) per service (ECS, ElastiCache), grouped by USAGE_TYPE and RECORD_TYPE, and where
//! reserved nodes ran a GetReservationUtilization ($0.01) for their hours' On-Demand
//! equivalent; kept on disk for a day.

use super::{Target, sdk_error};
use crate::domain::cost::{Discount, EffectiveRates};
use crate::provider::ProviderError;
use aws_sdk_costexplorer::types::{
    DateInterval, DimensionValues, Expression, Granularity, GroupDefinition, GroupDefinitionType,
};
use chrono::{Datelike, NaiveDate};
use std::path::PathBuf;

pub const TTL_SECONDS: i64 = 86_400;
/// Cost Explorer's SERVICE values (Fargate's usage is billed under ECS).
const ECS_SERVICE: &str = "Amazon Elastic Container Service";
const ELASTICACHE_SERVICE: &str = "Amazon ElastiCache";

/// One group of the answer: (usage type, record type, amortized, unblended, usage quantity).
pub type Row = (String, String, f64, f64, f64);

/// Fargate's On-Demand usage types (`USE1-Fargate-vCPU-Hours:perCPU`, `…-Fargate-ARM-GB-Hours`),
/// not Spot's (its own price) nor ephemeral storage (not part of a task size).
fn fargate_on_demand(usage_type: &str) -> bool {
    usage_type.contains("Fargate")
        && !usage_type.contains("Spot")
        && (usage_type.contains("vCPU-Hours") || usage_type.ends_with("GB-Hours"))
        && !usage_type.contains("EphemeralStorage")
}

/// The month's Fargate discount from its groups; None without Fargate usage.
pub fn fargate_discount(rows: &[Row]) -> Option<Discount> {
    let mut d = Discount { paid: 0.0, on_demand: 0.0, covered: 0.0 };
    for (_, record, amortized, unblended, _) in rows.iter().filter(|r| fargate_on_demand(&r.0)) {
        add_billed(&mut d, record, *amortized, *unblended);
    }
    (d.on_demand > 0.0).then_some(d)
}

/// A row billed at its On-Demand price or under a Savings Plan, added to `d`; false for any other
/// record type. Negations offset the covered rows' unblended cost (amortized 0); fees, credits
/// and refunds are not the price of an hour of usage.
fn add_billed(d: &mut Discount, record: &str, amortized: f64, unblended: f64) -> bool {
    match record {
        "Usage" => {
            d.paid += amortized;
            d.on_demand += unblended;
        }
        "SavingsPlanCoveredUsage" => {
            d.paid += amortized;
            d.on_demand += unblended;
            d.covered += unblended;
        }
        _ => return false,
    }
    true
}

/// The month's ElastiCache node-hour discount; None without node usage. Hours a reserved node
/// covered (`DiscountedUsage`) carry no On-Demand figure in Cost Explorer's cost and usage:
/// their On-Demand equivalent is `reserved_on_demand` when GetReservationUtilization gave it
/// (`OnDemandCostOfRIHoursUsed`, at the reservation's own region and node type), else each
/// node type's list price (`list_hourly`, from `NodeUsage:cache.r6g.large`; us-east-1's).
pub fn elasticache_discount(
    rows: &[Row],
    reserved_on_demand: Option<f64>,
    list_hourly: impl Fn(&str) -> Option<f64>,
) -> Option<Discount> {
    let mut d = Discount { paid: 0.0, on_demand: 0.0, covered: 0.0 };
    for (usage_type, record, amortized, unblended, quantity) in rows.iter().filter(|r| r.0.contains("NodeUsage:")) {
        if add_billed(&mut d, record, *amortized, *unblended) || record != "DiscountedUsage" {
            continue;
        }
        if reserved_on_demand.is_some() {
            d.paid += amortized;
            continue;
        }
        let node = usage_type.rsplit(':').next().unwrap_or_default();
        let Some(hourly) = list_hourly(node) else { continue };
        d.paid += amortized;
        d.on_demand += quantity * hourly;
        d.covered += quantity * hourly;
    }
    if let Some(v) = reserved_on_demand.filter(|_| has_reserved_hours(rows)) {
        d.on_demand += v;
        d.covered += v;
    }
    (d.on_demand > 0.0).then_some(d)
}

/// Node hours a reservation covered: only then is its On-Demand equivalent worth a request.
pub fn has_reserved_hours(rows: &[Row]) -> bool {
    rows.iter().any(|r| r.0.contains("NodeUsage:") && r.1 == "DiscountedUsage" && r.4 > 0.0)
}

/// The last full month before `today`: (first day, first day of the next).
pub fn last_full_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let this = today.with_day(1).unwrap_or(today);
    let prev = if this.month() == 1 {
        NaiveDate::from_ymd_opt(this.year() - 1, 12, 1)
    } else {
        NaiveDate::from_ymd_opt(this.year(), this.month() - 1, 1)
    };
    (prev.unwrap_or(this), this)
}

async fn rows(t: &Target, service: &str, start: NaiveDate, end: NaiveDate) -> Result<Vec<Row>, ProviderError> {
    let dimension = |key: &str| GroupDefinition::builder().r#type(GroupDefinitionType::Dimension).key(key).build();
    let filter = Expression::builder()
        .dimensions(
            DimensionValues::builder().key(aws_sdk_costexplorer::types::Dimension::Service).values(service).build(),
        )
        .build();
    let metric = |m: Option<&std::collections::HashMap<String, aws_sdk_costexplorer::types::MetricValue>>, k: &str| {
        m.and_then(|m| m.get(k)).and_then(|v| v.amount()).and_then(|a| a.parse::<f64>().ok()).filter(|v| v.is_finite())
    };
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .costexplorer
            .get_cost_and_usage()
            .time_period(
                DateInterval::builder()
                    .start(start.format("%Y-%m-%d").to_string())
                    .end(end.format("%Y-%m-%d").to_string())
                    .build()
                    .map_err(|e| ProviderError::Other(e.to_string()))?,
            )
            .granularity(Granularity::Monthly)
            .filter(filter.clone())
            .metrics("AmortizedCost")
            .metrics("UnblendedCost")
            .metrics("UsageQuantity")
            .set_group_by(Some(vec![dimension("USAGE_TYPE"), dimension("RECORD_TYPE")]))
            .set_next_page_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("ce:GetCostAndUsage", e))?;
        for g in page.results_by_time().iter().flat_map(|r| r.groups()) {
            let (Some(usage), Some(record)) = (g.keys().first(), g.keys().get(1)) else { continue };
            let m = g.metrics();
            out.push((
                usage.clone(),
                record.clone(),
                metric(m, "AmortizedCost").unwrap_or(0.0),
                metric(m, "UnblendedCost").unwrap_or(0.0),
                metric(m, "UsageQuantity").unwrap_or(0.0),
            ));
        }
        token = page.next_page_token().filter(|s| !s.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// What the hours ElastiCache reservations covered in the month would have cost On-Demand
/// (GetReservationUtilization's `Total.OnDemandCostOfRIHoursUsed`, $0.01); None when Cost
/// Explorer has no reservation data for it (DataUnavailableException) or cannot be asked.
async fn reserved_on_demand(t: &Target, start: NaiveDate, end: NaiveDate) -> Option<f64> {
    let filter = Expression::builder()
        .dimensions(
            DimensionValues::builder()
                .key(aws_sdk_costexplorer::types::Dimension::Service)
                .values(ELASTICACHE_SERVICE)
                .build(),
        )
        .build();
    let period = DateInterval::builder()
        .start(start.format("%Y-%m-%d").to_string())
        .end(end.format("%Y-%m-%d").to_string())
        .build()
        .ok()?;
    let answer = t
        .costexplorer
        .get_reservation_utilization()
        .time_period(period)
        .granularity(Granularity::Monthly)
        .filter(filter)
        .send()
        .await
        .map_err(|e| {
            tracing::info!("{}; reserved node hours priced at list", sdk_error("ce:GetReservationUtilization", e))
        })
        .ok()?;
    answer
        .total()
        .and_then(|t| t.on_demand_cost_of_ri_hours_used())
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// The effective rates from the day-old cache, else Cost Explorer; None when neither has them
/// (prices are never a reason to fail a sizing run: list prices stand in, and say so).
pub async fn read(t: &Target, cache: Option<PathBuf>, today: NaiveDate, now: i64) -> Option<EffectiveRates> {
    if let Some(known) = cache.as_ref().and_then(|p| super::disk_cache::load::<EffectiveRates>(p, TTL_SECONDS, now)) {
        return Some(known);
    }
    let (start, end) = last_full_month(today);
    // Two reads ($0.02): Cost Explorer takes two group-bys, both spent on usage and record type.
    let both = async {
        Ok::<_, ProviderError>((
            rows(t, ECS_SERVICE, start, end).await?,
            rows(t, ELASTICACHE_SERVICE, start, end).await?,
        ))
    };
    match both.await {
        Ok((ecs, cache_rows)) => {
            let list = |node: &str| crate::sizing::catalog::node_type(node).map(|n| n.redis_hourly);
            // A third read only where reserved nodes ran: their hours' On-Demand equivalent.
            let reserved = match has_reserved_hours(&cache_rows) {
                true => reserved_on_demand(t, start, end).await,
                false => None,
            };
            let rates = EffectiveRates {
                month: start.format("%Y-%m").to_string(),
                fargate: fargate_discount(&ecs),
                elasticache: elasticache_discount(&cache_rows, reserved, list),
            };
            if let Some(p) = &cache {
                super::disk_cache::store(p, now, &rates, "effective rates");
            }
            Some(rates)
        }
        Err(e) => {
            tracing::warn!("Cost Explorer's effective rates unavailable ({e}); pricing at list");
            None
        }
    }
}

impl super::AwsProvider {
    /// The account's effective rates, read once a session (last month's do not change).
    pub(super) async fn effective_rates(&self) -> Option<crate::domain::cost::EffectiveRates> {
        if let Some(known) = self.effective.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return known;
        }
        self.ensure_identities().await;
        // Cost Explorer answers for the payer: the first target speaks for it, as for the cost pane.
        let t = &self.targets[0];
        let cache = self.options.cache_dir.as_ref().map(|d| d.join(format!("effective-rates-{}.json", t.account())));
        let rates = read(t, cache, chrono::Utc::now().date_naive(), self.now_secs()).await;
        *self.effective.lock().unwrap_or_else(|e| e.into_inner()) = Some(rates.clone());
        rates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(u: &str, r: &str, amortized: f64, unblended: f64) -> Row {
        (u.into(), r.into(), amortized, unblended, 0.0)
    }

    #[test]
    fn reserved_node_hours_are_priced_at_list_for_their_on_demand_equivalent() {
        let rows = [
            // 720 h of a reserved cache.r7g.large at an amortized $0.12, 720 h On-Demand at $0.219.
            ("NodeUsage:cache.r7g.large".into(), "DiscountedUsage".into(), 86.4, 0.0, 720.0),
            ("NodeUsage:cache.r7g.large".into(), "Usage".into(), 157.68, 157.68, 720.0),
            ("HeavyUsage:cache.r7g.large".into(), "RIFee".into(), 10.0, 10.0, 0.0),
        ];
        let d = elasticache_discount(&rows, None, |n| (n == "cache.r7g.large").then_some(0.219)).unwrap();
        assert!((d.on_demand - 2.0 * 157.68).abs() < 1e-9 && (d.paid - (86.4 + 157.68)).abs() < 1e-9, "{d:?}");
        assert!((d.covered_share() - 0.5).abs() < 1e-9);
        assert!(has_reserved_hours(&rows));
    }

    #[test]
    fn reserved_node_hours_take_their_on_demand_equivalent_from_reservation_utilization() {
        // The reservation is in eu-west-1, whose r7g.large costs more than the shipped (us-east-1)
        // list price; a node type missing from the list is counted all the same.
        let rows = [
            ("EU-NodeUsage:cache.r7g.large".into(), "DiscountedUsage".into(), 86.4, 0.0, 720.0),
            ("NodeUsage:cache.x9.huge".into(), "DiscountedUsage".into(), 50.0, 0.0, 100.0),
            ("NodeUsage:cache.r7g.large".into(), "Usage".into(), 157.68, 157.68, 720.0),
        ];
        let d = elasticache_discount(&rows, Some(172.8 + 80.0), |n| (n == "cache.r7g.large").then_some(0.219)).unwrap();
        assert!((d.on_demand - (172.8 + 80.0 + 157.68)).abs() < 1e-9, "{d:?}");
        assert!((d.paid - (86.4 + 50.0 + 157.68)).abs() < 1e-9, "{d:?}");
        assert!((d.covered - 252.8).abs() < 1e-9);
        // No reserved hours: the figure (if any) is not added.
        let od = [rows[2].clone()];
        assert!(!has_reserved_hours(&od));
        let d = elasticache_discount(&od, Some(99.0), |_| Some(0.219)).unwrap();
        assert!((d.on_demand - 157.68).abs() < 1e-9 && d.covered == 0.0, "{d:?}");
    }

    #[test]
    fn savings_plans_covered_usage_is_paid_at_its_rate_against_its_on_demand_equivalent() {
        let rows = [
            // 1,000 vCPU-h covered at a 20 % discount, 200 On-Demand, the negation offsetting.
            row("USE1-Fargate-vCPU-Hours:perCPU", "SavingsPlanCoveredUsage", 32.384, 40.48),
            row("USE1-Fargate-vCPU-Hours:perCPU", "SavingsPlanNegation", 0.0, -40.48),
            row("USE1-Fargate-vCPU-Hours:perCPU", "Usage", 8.096, 8.096),
            row("USE1-Fargate-GB-Hours", "Usage", 8.89, 8.89),
            // Not a task's price: Spot, ephemeral storage, another service's rows.
            row("USE1-SpotUsage-Fargate-vCPU-Hours:perCPU", "Usage", 3.0, 3.0),
            row("USE1-Fargate-EphemeralStorage-GB-Hours", "Usage", 1.0, 1.0),
            row("USE1-DataTransfer-Out-Bytes", "Usage", 5.0, 5.0),
        ];
        let d = fargate_discount(&rows).unwrap();
        assert!((d.on_demand - (40.48 + 8.096 + 8.89)).abs() < 1e-9, "{d:?}");
        assert!((d.paid - (32.384 + 8.096 + 8.89)).abs() < 1e-9);
        assert!((d.ratio().unwrap() - 49.37 / 57.466).abs() < 1e-4);
        assert!((d.covered_share() - 40.48 / 57.466).abs() < 1e-9);
        assert!(fargate_discount(&[row("USE1-DataTransfer-Out-Bytes", "Usage", 5.0, 5.0)]).is_none());
    }

    #[test]
    fn the_last_full_month_before_today() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(last_full_month(d(2026, 12, 6)), (d(2026, 11, 1), d(2026, 12, 1)));
        assert_eq!(last_full_month(d(2027, 1, 1)), (d(2026, 12, 1), d(2027, 1, 1)));
    }
}
