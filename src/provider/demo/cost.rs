//! Ninety days of simulated Cost Explorer data. The ECS and ElastiCache lines are priced from the
//! fleet itself, so resizing a service later moves the cost pane too.

use super::fleet::Fleet;
use super::noise::{key_of, signed};
use crate::domain::{CostAnomaly, CostReport, LaunchType, ServiceCost};
use crate::sizing::catalog::{fargate_task_hourly, node_type};
use chrono::{DateTime, Datelike, Days, NaiveDate, Timelike, Utc};

pub const DAYS: usize = 90;

/// Services with a steady daily base cost (USD) and weekly dip.
const OTHER_SERVICES: &[(&str, f64)] = &[
    ("Amazon Elastic Compute Cloud - Compute", 410.0),
    ("Amazon Relational Database Service", 265.0),
    ("Amazon Simple Storage Service", 88.0),
    ("AmazonCloudWatch", 54.0),
    ("AWS Data Transfer", 47.0),
    ("Elastic Load Balancing", 31.0),
    ("Amazon DynamoDB", 23.0),
    ("AWS Lambda", 9.5),
];

/// One-off spikes: (service, days before today, multiplier). A forgotten debug log level and a
/// replication job gone wrong: the kind of thing Cost Anomaly Detection reports.
const SPIKES: &[(&str, u64, f64)] = &[("AmazonCloudWatch", 9, 4.2), ("AWS Data Transfer", 23, 2.6)];

/// What the demo's anomaly detection names as each spike's cause, as Cost Anomaly Detection's
/// root causes read (service · region · usage type).
fn root_cause(service: &str) -> String {
    match service {
        "AmazonCloudWatch" => "AmazonCloudWatch · us-east-1 · USE1-CW:GMD-Metrics (a dashboard polling GetMetricData)",
        "AWS Data Transfer" => "AWS Data Transfer · us-east-1 · USE1-DataTransfer-Out-Bytes",
        "Amazon Relational Database Service" => {
            "Amazon Relational Database Service · us-east-1 · USE1-InstanceUsage:db.r6g.2xl"
        }
        _ => "",
    }
    .to_string()
}

const INCIDENT_SPIKE: (&str, u64, f64) = ("Amazon Relational Database Service", 1, 2.4);

fn fleet_daily(fleet: &Fleet) -> (f64, f64) {
    let ecs: f64 = fleet
        .services
        .iter()
        .filter(|s| s.launch_type == LaunchType::Fargate)
        .map(|s| fargate_task_hourly(s.arch, s.task_cpu, s.task_memory) * s.desired as f64 * 24.0)
        .sum();
    let cache: f64 = fleet
        .caches
        .iter()
        .filter_map(|c| node_type(&c.node_type).map(|n| n.hourly(c.engine) * c.nodes() as f64 * 24.0))
        .sum();
    (ecs, cache)
}

pub fn report(fleet: &Fleet, now: DateTime<Utc>) -> CostReport {
    let today = now.date_naive();
    let start = today - Days::new(DAYS as u64 - 1);
    let day_fraction = now.num_seconds_from_midnight() as f64 / 86_400.0;
    let (ecs, cache) = fleet_daily(fleet);
    let mut lines: Vec<(&str, f64)> = vec![("Amazon Elastic Container Service", ecs), ("Amazon ElastiCache", cache)];
    lines.extend_from_slice(OTHER_SERVICES);

    let services = lines
        .into_iter()
        .map(|(name, base)| {
            let key = key_of(name) ^ fleet.seed;
            let daily: Vec<f64> = (0..DAYS)
                .map(|i| {
                    let date = start + Days::new(i as u64);
                    let weekend = matches!(date.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
                    // a slow upward drift of ~6% over the period
                    let trend = 1.0 + 0.06 * (i as f64 / DAYS as f64 - 0.5);
                    let mut v = base * trend * if weekend { 0.86 } else { 1.0 };
                    v *= 1.0 + 0.04 * signed(key, date.num_days_from_ce() as i64) as f64;
                    // The scripted incident's fleet: the database took the reads the caches
                    // could not serve, the day before (Cost Explorer reports whole days).
                    let incident = fleet.incident.map(|_| INCIDENT_SPIKE);
                    for (svc, ago, mult) in SPIKES.iter().chain(incident.iter()) {
                        if *svc == name && today - Days::new(*ago) == date {
                            v *= mult;
                        }
                    }
                    if date == today {
                        v *= day_fraction;
                    }
                    (v * 100.0).round() / 100.0
                })
                .collect();
            service_cost(name, daily, start, today, day_fraction)
        })
        .collect::<Vec<_>>();

    let anomalies = detect_anomalies(&services, start, today);
    CostReport { start, today, services, anomalies, missing: Vec::new() }
}

fn service_cost(name: &str, daily: Vec<f64>, start: NaiveDate, today: NaiveDate, day_fraction: f64) -> ServiceCost {
    let month_start = today.with_day(1).unwrap_or(today);
    let last_month_start = (month_start - Days::new(1)).with_day(1).unwrap_or(month_start);
    let in_range = |from: NaiveDate, to: NaiveDate| -> f64 {
        daily
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let d = start + Days::new(*i as u64);
                d >= from && d < to
            })
            .map(|(_, v)| v)
            .sum()
    };
    let month_to_date = in_range(month_start, today + Days::new(1));
    let last_month = in_range(last_month_start, month_start);
    // Forecast: the rest of this month at the mean of the last 7 full days.
    let full = &daily[..daily.len().saturating_sub(1)];
    let recent = &full[full.len().saturating_sub(7)..];
    let per_day = if recent.is_empty() { 0.0 } else { recent.iter().sum::<f64>() / recent.len() as f64 };
    let next_month = (month_start + chrono::Months::new(1)).max(today);
    let days_left = (next_month - today).num_days() as f64 - day_fraction;
    ServiceCost {
        service: name.to_string(),
        daily,
        month_to_date,
        last_month,
        forecast: month_to_date + per_day * days_left.max(0.0),
    }
}

/// A day is anomalous when it is over 1.8× the median of the 14 days before it and the excess
/// is over $20: the shape of what AWS Cost Anomaly Detection flags, simple enough to explain.
pub fn detect_anomalies(services: &[ServiceCost], start: NaiveDate, today: NaiveDate) -> Vec<CostAnomaly> {
    let mut found = Vec::new();
    for s in services {
        for i in 14..s.daily.len() {
            let date = start + Days::new(i as u64);
            if date == today {
                continue; // a partial day is not comparable
            }
            let mut prior = s.daily[i - 14..i].to_vec();
            prior.sort_by(f64::total_cmp);
            let median = prior[prior.len() / 2];
            let actual = s.daily[i];
            if actual > median * 1.8 && actual - median > 20.0 {
                found.push(CostAnomaly {
                    date,
                    service: s.service.clone(),
                    expected: median,
                    actual,
                    root_cause: root_cause(&s.service),
                });
            }
        }
    }
    found.sort_by_key(|a| std::cmp::Reverse(a.date));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ninety_days_of_eight_plus_services_with_the_spikes_flagged() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        let r = report(&Fleet::build(1, None), now);
        assert!(r.services.len() >= 8);
        assert!(r.services.iter().all(|s| s.daily.len() == DAYS));
        assert_eq!(r.today, now.date_naive());
        let flagged: Vec<_> = r.anomalies.iter().map(|a| (a.service.as_str(), (r.today - a.date).num_days())).collect();
        assert_eq!(flagged, vec![("AmazonCloudWatch", 9), ("AWS Data Transfer", 23)]);
        let ecs = &r.services[0];
        assert!(ecs.month_to_date > 0.0 && ecs.forecast > ecs.month_to_date && ecs.last_month > ecs.month_to_date);
    }

    #[test]
    fn no_anomaly_in_flat_costs() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let flat = ServiceCost {
            service: "x".into(),
            daily: vec![100.0; 40],
            month_to_date: 0.0,
            last_month: 0.0,
            forecast: 0.0,
        };
        assert!(detect_anomalies(&[flat], start, start + Days::new(39)).is_empty());
    }
}
