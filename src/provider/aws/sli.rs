//! Service level indicators from the load balancer's metrics, per service behind an ALB.

use super::{AwsProvider, ecs, lb_metrics, metrics};
use crate::provider::ProviderError;

impl AwsProvider {
    /// The SLO windows of the load-balanced services asked for: two GetMetricData reads per
    /// target (6 h at 5 minutes, the longest period hourly), three or four queries a service.
    pub(super) async fn sli_of(
        &self,
        queries: &[crate::slo::SliQuery],
    ) -> Result<Vec<(String, crate::slo::SliWindows)>, ProviderError> {
        let wanted: std::collections::HashMap<&str, &crate::slo::SliQuery> =
            queries.iter().map(|q| (q.key.as_str(), q)).collect();
        let records = self.known_records().await?;
        let now = self.now_secs();
        let mut out = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let mine: Vec<(String, &crate::slo::SliQuery, ecs::ServiceRecord)> = records
                .iter()
                .filter(|(ti, _)| *ti == i)
                .filter_map(|(_, r)| {
                    let key = self.shown_key(i, r);
                    let q = *wanted.get(key.as_str())?;
                    Some((key, q, r.clone()))
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            let recs: Vec<ecs::ServiceRecord> = mine.iter().map(|m| m.2.clone()).collect();
            let lbs = self.load_balancers(i, &recs, now).await;
            let behind: Vec<(&String, &crate::slo::SliQuery, Vec<metrics::MetricQuery>)> = mine
                .iter()
                .filter_map(|(key, q, r)| {
                    let info = ecs::alb_of(r, &lbs)?;
                    let within = q.p99_ms.map(lb_metrics::within_stat);
                    Some((key, *q, lb_metrics::sli_queries(info, within.as_deref())))
                })
                .collect();
            let all: Vec<metrics::MetricQuery> = behind.iter().flat_map(|b| b.2.iter().cloned()).collect();
            if all.is_empty() {
                continue;
            }
            // 1 h and 6 h at 5 minutes; 3 d and the longest period asked for hourly.
            let days = behind.iter().map(|b| b.1.period_days).max().unwrap_or(28).max(3);
            let recent_span = metrics::Span::ending(now, 300, 6 * 3_600);
            let long_span = metrics::Span::ending(now, 3_600, i64::from(days) * 86_400);
            use crate::provider::meter::MetricSource::Slo;
            let (recent, long) =
                tokio::try_join!(metrics::fetch(t, Slo, &all, recent_span), metrics::fetch(t, Slo, &all, long_span))?;
            let mut at = 0;
            for (key, q, qs) in &behind {
                let (r, l) = (&recent[at..at + qs.len()], &long[at..at + qs.len()]);
                at += qs.len();
                let windows =
                    lb_metrics::sli_windows(r, &recent_span, l, &long_span, q.period_days, q.p99_ms.is_some());
                out.push(((*key).clone(), windows));
            }
        }
        Ok(out)
    }
}
