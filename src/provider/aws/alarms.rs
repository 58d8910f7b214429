//! CloudWatch alarms (metric and composite) with a day of state history, tied to what they watch.

use super::map;
use super::{Target, sdk_error};
use crate::domain::{Alarm, AlarmEvaluation, AlarmKey, AlarmTransition, Comparison};
use crate::provider::ProviderError;
use aws_sdk_cloudwatch::types::{AlarmType, HistoryItemType};
use aws_smithy_types::DateTime as SdkTime;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

const PAGE: i32 = 100;
/// Pages of state changes read for one span (10,000 changes); more is said, not read.
const MAX_HISTORY_PAGES: usize = 100;
const HISTORY_HOURS: i64 = 24;

fn time(t: Option<&SdkTime>) -> DateTime<Utc> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), 0)).unwrap_or_default()
}

/// State changes of every alarm in [from, to]: one paged call for all of them.
async fn history(t: &Target, from: i64, to: i64) -> Result<HashMap<String, Vec<AlarmTransition>>, ProviderError> {
    let mut out: HashMap<String, Vec<AlarmTransition>> = HashMap::new();
    let mut token = None;
    for page_no in 0.. {
        if page_no == MAX_HISTORY_PAGES {
            tracing::warn!(pages = MAX_HISTORY_PAGES, "alarm history: more state changes than read; the oldest left");
            break;
        }
        let page = t
            .cloudwatch
            .describe_alarm_history()
            // "If you omit this parameter, only metric alarms are returned" (the API reference):
            // composite alarms' history is asked for by name.
            .alarm_types(AlarmType::MetricAlarm)
            .alarm_types(AlarmType::CompositeAlarm)
            .history_item_type(HistoryItemType::StateUpdate)
            .start_date(SdkTime::from_secs(from))
            .end_date(SdkTime::from_secs(to))
            .max_records(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("cloudwatch:DescribeAlarmHistory", e))?;
        for item in page.alarm_history_items() {
            let Some((from, to)) = map::history_states(item.history_summary().unwrap_or_default(), item.history_data())
            else {
                continue;
            };
            out.entry(item.alarm_name().unwrap_or_default().to_string()).or_default().push(AlarmTransition {
                time: time(item.timestamp()),
                from,
                to,
                reason: item.history_summary().unwrap_or_default().to_string(),
            });
        }
        token = page.next_token().filter(|s| !s.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    for transitions in out.values_mut() {
        transitions.sort_by_key(|t| std::cmp::Reverse(t.time));
    }
    Ok(out)
}

/// How a single-metric alarm reads its metric; None for metric-math alarms (no one metric to chart).
fn evaluation(
    a: &aws_sdk_cloudwatch::types::MetricAlarm,
    dimensions: Vec<(String, String)>,
) -> Option<AlarmEvaluation> {
    a.metric_name()?;
    let statistic =
        a.extended_statistic().map(str::to_string).or_else(|| a.statistic().map(|s| s.as_str().to_string()))?;
    Some(AlarmEvaluation {
        dimensions,
        statistic,
        period: a.period().filter(|p| *p > 0).unwrap_or(60) as i64,
        periods: a.evaluation_periods().unwrap_or(1).max(1) as u32,
    })
}

/// Every alarm with its last day of state changes.
pub async fn list(t: &Target, now: i64) -> Result<Vec<Alarm>, ProviderError> {
    list_with_history(t, now - HISTORY_HOURS * 3_600, now).await
}

/// Every alarm with its state changes in [from, to] (the incident timeline's span).
pub async fn list_with_history(t: &Target, from: i64, to: i64) -> Result<Vec<Alarm>, ProviderError> {
    let mut alarms = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .cloudwatch
            .describe_alarms()
            .alarm_types(AlarmType::MetricAlarm)
            .alarm_types(AlarmType::CompositeAlarm)
            .max_records(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("cloudwatch:DescribeAlarms", e))?;
        for a in page.metric_alarms() {
            let dims: Vec<(String, String)> = a
                .dimensions()
                .iter()
                .map(|d| (d.name().unwrap_or_default().to_string(), d.value().unwrap_or_default().to_string()))
                .collect();
            alarms.push(Alarm {
                name: a.alarm_name().unwrap_or_default().to_string(),
                identity: AlarmKey {
                    alarm: a.alarm_name().unwrap_or_default().to_string(),
                    aws_arn: a.alarm_arn().map(str::to_string),
                    ..Default::default()
                },
                state: map::alarm_state(a.state_value()),
                namespace: a.namespace().unwrap_or("metric math").to_string(),
                metric: a.metric_name().unwrap_or("expression").to_string(),
                comparison: map::comparison(a.comparison_operator()),
                threshold: a.threshold().filter(|v| v.is_finite()).unwrap_or(0.0),
                resource: map::alarm_resource(&dims),
                since: time(a.state_transitioned_timestamp().or(a.state_updated_timestamp())),
                reason: a.state_reason().unwrap_or_default().to_string(),
                history: Vec::new(),
                scaling: crate::domain::alarm::is_scaling_alarm(
                    a.alarm_name().unwrap_or_default(),
                    a.alarm_description(),
                ),
                evaluation: evaluation(a, dims),
                actions: a.alarm_actions().iter().map(|arn| map::action_name(arn)).collect(),
                actions_enabled: a.actions_enabled().unwrap_or(true),
            });
        }
        for a in page.composite_alarms() {
            alarms.push(Alarm {
                name: a.alarm_name().unwrap_or_default().to_string(),
                identity: AlarmKey {
                    alarm: a.alarm_name().unwrap_or_default().to_string(),
                    aws_arn: a.alarm_arn().map(str::to_string),
                    ..Default::default()
                },
                state: map::alarm_state(a.state_value()),
                namespace: "composite".into(),
                // The whole rule: a review reads which alarms a composite watches (cells cut it).
                metric: a.alarm_rule().unwrap_or_default().to_string(),
                comparison: Comparison::GreaterThan,
                threshold: 0.0,
                resource: None,
                since: time(a.state_transitioned_timestamp().or(a.state_updated_timestamp())),
                reason: a.state_reason().unwrap_or_default().to_string(),
                history: Vec::new(),
                scaling: false,
                evaluation: None,
                actions: a.alarm_actions().iter().map(|arn| map::action_name(arn)).collect(),
                actions_enabled: a.actions_enabled().unwrap_or(true),
            });
        }
        token = page.next_token().filter(|s| !s.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut history = history(t, from, to).await?;
    for a in &mut alarms {
        a.history = history.remove(&a.name).unwrap_or_default();
        // The state time AWS reports can lag the history; the newest transition into this state wins.
        if let Some(last) = a.history.iter().find(|h| h.to == a.state) {
            a.since = a.since.max(last.time);
        }
    }
    // What needs a person first; target-tracking alarms (autoscaling at work) after the rest.
    alarms.sort_by(|a, b| (a.scaling, a.state, &a.name).cmp(&(b.scaling, b.state, &b.name)));
    Ok(alarms)
}

#[cfg(test)]
mod evaluation_tests {
    use super::evaluation;
    use aws_sdk_cloudwatch::types::{MetricAlarm, MetricDataQuery, Statistic};

    /// What DescribeAlarms returns, as the API reference documents it: "For an alarm based on a
    /// metric, you must specify either Statistic or ExtendedStatistic but not both. For an alarm
    /// based on a math expression, you can't specify Statistic. Instead, you use Metrics."
    #[test]
    fn an_alarm_charts_its_statistic_or_percentile_and_a_math_alarm_has_no_one_metric() {
        let dims = vec![("ServiceName".to_string(), "web".to_string())];
        let plain = MetricAlarm::builder()
            .metric_name("CPUUtilization")
            .statistic(Statistic::Average)
            .period(300)
            .evaluation_periods(3)
            .build();
        let e = evaluation(&plain, dims.clone()).expect("a metric alarm");
        assert_eq!((e.statistic.as_str(), e.period, e.periods), ("Average", 300, 3));
        assert_eq!(e.dimensions, dims);
        let percentile =
            MetricAlarm::builder().metric_name("TargetResponseTime").extended_statistic("p99").period(60).build();
        assert_eq!(evaluation(&percentile, Vec::new()).unwrap().statistic, "p99");
        let math = MetricAlarm::builder()
            .metrics(MetricDataQuery::builder().id("e1").expression("m1 / m2 * 100").build())
            .evaluation_periods(2)
            .build();
        assert_eq!(evaluation(&math, Vec::new()), None, "no MetricName: nothing single to chart");
    }
}
