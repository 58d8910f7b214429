//! CloudWatch cross-account observability (`--monitoring-account`): a monitoring account whose
//! sink has source accounts linked to it reads their metrics with `AccountId` on each
//! GetMetricData query. The accounts' fetches are gathered into shared calls of up to 500
//! queries, so the call count follows the number of metrics, not of accounts (and does not pile
//! one call per account onto the monitoring account's throttle instead).
//!
//! Links are per region (one sink per account and region): ListSinks, then ListAttachedLinks
//! for the sink. A link item names no account; its ARN does
//! (`arn:aws:oam:REGION:SOURCE-ACCOUNT:link/ID`: links belong to the source account). Only
//! links that share `AWS::CloudWatch::Metric` count. Accounts without such a link, and any that
//! CloudWatch answers `Forbidden` for, read their own CloudWatch as before.

use super::metrics::{self, Answered, MAX_QUERIES_PER_CALL, MetricQuery, Span};
use crate::provider::ProviderError;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// The resource type a link must share for its account's metrics to be read through the sink.
pub const METRIC_TYPE: &str = "AWS::CloudWatch::Metric";

/// How long the first fetch of a span waits for other accounts' fetches of the same span to
/// ride in its calls: a refresh asks every account within a few milliseconds of each other.
const GATHER: Duration = Duration::from_millis(100);

/// Calls of one gathered batch in flight at once (GetMetricData's default quota is 50 a second
/// per account and region; a first load of 100 accounts is ~32 calls).
const CALLS_IN_FLIGHT: usize = 4;

/// How `Monitoring::path` starts when an account's metrics are read in its own account.
const OWN: &str = "own CloudWatch";

/// The source account of a link: the 5th field of its ARN.
pub fn source_account(link_arn: &str) -> Option<&str> {
    let fields: Vec<&str> = link_arn.splitn(6, ':').collect();
    (fields.len() == 6 && fields[0] == "arn" && fields[2] == "oam" && fields[5].starts_with("link/"))
        .then(|| fields[4])
        .filter(|a| !a.is_empty())
}

/// The source accounts whose metrics the sink receives, from its attached links.
pub fn metric_sources(links: &[aws_sdk_oam::types::ListAttachedLinksItem]) -> BTreeSet<String> {
    links
        .iter()
        .filter(|l| l.resource_types().iter().any(|t| t == METRIC_TYPE))
        .filter_map(|l| source_account(l.link_arn()?))
        .map(str::to_string)
        .collect()
}

/// The accounts linked to the monitoring account's sinks in the client's region (every page of
/// both lists).
pub async fn linked_accounts(oam: &aws_sdk_oam::Client) -> Result<BTreeSet<String>, ProviderError> {
    let mut sinks = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = oam
            .list_sinks()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| super::sdk_error("oam:ListSinks", e))?;
        sinks.extend(page.items().iter().filter_map(|s| s.arn().map(str::to_string)));
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    if sinks.is_empty() {
        return Err(ProviderError::NotFound("a sink (is it a monitoring account in this region?)".into()));
    }
    let mut linked = BTreeSet::new();
    for sink in sinks {
        loop {
            let page = oam
                .list_attached_links()
                .sink_identifier(&sink)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| super::sdk_error("oam:ListAttachedLinks", e))?;
            linked.extend(metric_sources(page.items()));
            token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    Ok(linked)
}

/// What a fetch through the monitoring account answers: the series, or None when CloudWatch
/// refused the account there (the caller asks the account's own CloudWatch instead).
type Answer = Result<Option<Vec<Vec<f32>>>, ProviderError>;

/// One gathered call's results by query id.
type CallAnswer = Result<HashMap<String, Answered>, ProviderError>;

struct Waiting {
    account: String,
    queries: Vec<MetricQuery>,
    reply: oneshot::Sender<Answer>,
}

/// The monitoring account's CloudWatch in one region, carrying its linked accounts' fetches.
pub struct MetricHub {
    /// The monitoring account's id.
    pub account: String,
    pub region: String,
    client: aws_sdk_cloudwatch::Client,
    /// Source accounts linked for metrics, and the monitoring account itself.
    linked: BTreeSet<String>,
    /// Accounts CloudWatch answered Forbidden for: read from their own account from then on.
    refused: Mutex<BTreeSet<String>>,
    pending: Mutex<HashMap<Span, Vec<Waiting>>>,
    /// Calls in flight at once across every batch (GetMetricData's quota is per account).
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl MetricHub {
    pub fn new(
        account: String,
        region: String,
        client: aws_sdk_cloudwatch::Client,
        mut linked: BTreeSet<String>,
    ) -> Self {
        linked.insert(account.clone());
        MetricHub {
            account,
            region,
            client,
            linked,
            refused: Mutex::default(),
            pending: Mutex::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(CALLS_IN_FLIGHT)),
        }
    }

    /// Whether `account`'s metrics are read through this monitoring account.
    pub fn carries(&self, account: &str) -> bool {
        self.linked.contains(account) && !self.refused.lock().unwrap_or_else(|e| e.into_inner()).contains(account)
    }

    pub fn linked(&self) -> &BTreeSet<String> {
        &self.linked
    }

    /// The accounts CloudWatch refused through this monitoring account.
    pub fn refused(&self) -> BTreeSet<String> {
        self.refused.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `account`'s queries over `span`, in the next gathered call for that span. `gather`: wait
    /// for other accounts' fetches of the span (a pane refresh or a sizing run asks every account
    /// at once); a single look (a detail view) is sent at once.
    pub async fn fetch(self: &Arc<Self>, account: &str, queries: &[MetricQuery], span: Span, gather: bool) -> Answer {
        if queries.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let (reply, answer) = oneshot::channel();
        let (first, crossed) = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let batch = pending.entry(span).or_default();
            let before: usize = batch.iter().map(|w| w.queries.len()).sum();
            batch.push(Waiting { account: account.to_string(), queries: queries.to_vec(), reply });
            (batch.len() == 1, before < MAX_QUERIES_PER_CALL && before + queries.len() >= MAX_QUERIES_PER_CALL)
        };
        let now = crossed || !gather;
        if first || now {
            // Its own task: the batch is sent even if the fetch that started it is dropped. A
            // batch that filled a call is sent at once; its first fetch's timer then sends
            // whatever gathered after it.
            let hub = Arc::clone(self);
            tokio::spawn(async move {
                if !now {
                    tokio::time::sleep(GATHER).await;
                }
                hub.flush(span).await;
            });
        }
        answer.await.unwrap_or_else(|_| Err(ProviderError::Other("the monitoring account's fetch was dropped".into())))
    }

    async fn flush(self: Arc<Self>, span: Span) {
        use futures::StreamExt;
        let waiting = self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&span).unwrap_or_default();
        if waiting.is_empty() {
            return;
        }
        // Every query of every waiting fetch, numbered across the batch: (waiter, query).
        let flat: Vec<(usize, usize)> =
            waiting.iter().enumerate().flat_map(|(w, f)| (0..f.queries.len()).map(move |q| (w, q))).collect();
        let mut chunks: Vec<(usize, usize, Vec<aws_sdk_cloudwatch::types::MetricDataQuery>)> = Vec::new();
        for (chunk_no, chunk) in flat.chunks(MAX_QUERIES_PER_CALL).enumerate() {
            let base = chunk_no * MAX_QUERIES_PER_CALL;
            let mut queries = Vec::with_capacity(chunk.len());
            for (i, &(w, q)) in chunk.iter().enumerate() {
                let account = &waiting[w].account;
                let source = (*account != self.account).then_some(account.as_str());
                queries.push(metrics::to_sdk(base + i, &waiting[w].queries[q], span.period, source));
            }
            chunks.push((base, chunk.len(), queries));
        }
        let client = self.client.clone();
        let in_flight = self.in_flight.clone();
        let calls = chunks.into_iter().map(move |(base, len, queries)| {
            let (client, in_flight) = (client.clone(), in_flight.clone());
            async move {
                let _permit = in_flight.acquire_owned().await;
                (base, len, metrics::call(&client, queries, span).await)
            }
        });
        let answered: Vec<(usize, usize, CallAnswer)> =
            futures::stream::iter(calls).buffer_unordered(CALLS_IN_FLIGHT).collect().await;
        let mut series: Vec<Vec<Vec<f32>>> =
            waiting.iter().map(|w| vec![vec![f32::NAN; span.buckets()]; w.queries.len()]).collect();
        let mut failed: Vec<Option<ProviderError>> = vec![None; waiting.len()];
        let mut forbidden = vec![false; waiting.len()];
        for (base, len, result) in answered {
            match result {
                Ok(results) => {
                    for (id, a) in results {
                        let Some(&(w, q)) = metrics::id_index(&id).and_then(|n| flat.get(n)) else { continue };
                        forbidden[w] |= a.forbidden;
                        series[w][q] = metrics::align(&span, &a.timestamps, &a.values);
                    }
                }
                Err(e) => {
                    for &(w, _) in &flat[base..base + len] {
                        failed[w] = Some(e.clone());
                    }
                }
            }
        }
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        for (((w, s), f), denied) in waiting.into_iter().zip(series).zip(failed).zip(forbidden) {
            let answer = match (f, denied) {
                (Some(e), _) => Err(e),
                (None, true) => {
                    tracing::warn!(account = %w.account, monitoring = %self.account, region = %self.region,
                        "CloudWatch refused the account's metrics through the monitoring account; reading its own");
                    refused.insert(w.account.clone());
                    Ok(None)
                }
                (None, false) => Ok(Some(s)),
            };
            let _ = w.reply.send(answer);
        }
    }
}

/// `--monitoring-account`: the account, and its CloudWatch in each region whose links were read.
pub struct Monitoring {
    pub account: String,
    pub name: String,
    pub hubs: Vec<Arc<MetricHub>>,
    /// Regions where the links could not be read, and why (every account reads its own there).
    pub failures: Vec<(String, ProviderError)>,
    /// Why the monitoring account is not used at all (not found in the organization).
    pub unusable: Option<String>,
}

impl Monitoring {
    pub fn new(account: String, name: String) -> Self {
        Monitoring { account, name, hubs: Vec::new(), failures: Vec::new(), unusable: None }
    }

    /// A monitoring account named `wanted` that cannot be used, and why: every account reads its
    /// own CloudWatch.
    pub fn unusable(wanted: &str, why: String) -> Self {
        Monitoring { unusable: Some(why), ..Monitoring::new(wanted.to_string(), wanted.to_string()) }
    }

    /// Whether a `path` reads from the account's own CloudWatch (in some region at least).
    pub fn reads_own(path: &str) -> bool {
        path.starts_with(OWN)
    }

    /// Why `account`'s metrics in `region` are read from its own CloudWatch; None when they are
    /// read through the monitoring account.
    pub fn own_reason(&self, account: &str, region: &str) -> Option<String> {
        if let Some(why) = &self.unusable {
            return Some(why.clone());
        }
        if let Some((_, e)) = self.failures.iter().find(|(r, _)| r == region) {
            return Some(format!("{}'s links not read ({e})", self.name));
        }
        match self.hubs.iter().find(|h| h.region == region) {
            Some(h) if h.carries(account) => None,
            Some(h) if h.refused().contains(account) => Some(format!("refused through {}", self.name)),
            _ => Some(format!("not linked to {}", self.name)),
        }
    }

    /// Where `account`'s metrics are read over its `regions`, said once per reason:
    /// "own CloudWatch: not linked to observability (us-east-1, us-west-2)".
    pub fn path(&self, account: &str, regions: &[&str]) -> String {
        let mut own: Vec<(String, Vec<&str>)> = Vec::new();
        for region in regions {
            if let Some(why) = self.own_reason(account, region) {
                match own.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, rs)) => rs.push(region),
                    None => own.push((why, vec![region])),
                }
            }
        }
        if own.is_empty() {
            return format!("through monitoring account {}", self.name);
        }
        let said: Vec<String> = own.iter().map(|(why, rs)| format!("{why} ({})", rs.join(", "))).collect();
        format!("{OWN}: {}", said.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_oam::types::ListAttachedLinksItem;

    #[test]
    fn a_links_source_account_is_the_account_field_of_its_arn() {
        assert_eq!(source_account("arn:aws:oam:us-east-1:111122223333:link/abc-123"), Some("111122223333"));
        assert_eq!(source_account("arn:aws-us-gov:oam:us-gov-west-1:111122223333:link/x"), Some("111122223333"));
        assert_eq!(source_account("arn:aws:oam:us-east-1:111122223333:sink/abc"), None, "a sink is no link");
        assert_eq!(source_account("arn:aws:oam:us-east-1::link/abc"), None);
        assert_eq!(source_account("not an arn"), None);
    }

    #[test]
    fn only_links_that_share_metrics_count() {
        let link = |account: &str, types: &[&str]| {
            ListAttachedLinksItem::builder()
                .link_arn(format!("arn:aws:oam:us-east-1:{account}:link/l-{account}"))
                .set_resource_types(Some(types.iter().map(|t| t.to_string()).collect()))
                .build()
        };
        let links = [
            link("111111111111", &[METRIC_TYPE, "AWS::Logs::LogGroup"]),
            link("222222222222", &["AWS::Logs::LogGroup"]),
            link("333333333333", &[METRIC_TYPE]),
            ListAttachedLinksItem::builder().resource_types(METRIC_TYPE).build(),
        ];
        let got: Vec<String> = metric_sources(&links).into_iter().collect();
        assert_eq!(got, ["111111111111", "333333333333"]);
    }

    mod gathering {
        use super::super::*;
        use aws_sdk_cloudwatch::Client;
        use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
        use aws_sdk_cloudwatch::types::{MetricDataResult, StatusCode};
        use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock};

        const MONITORING: &str = "111111111111";

        fn client(rule: &Rule) -> Client {
            let conf = aws_sdk_cloudwatch::Config::builder()
                .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
                .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new("a", "b", None, None, "t"))
                .http_client(aws_smithy_mocks::create_mock_http_client())
                .interceptor(MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny).with_rule(rule))
                .build();
            Client::from_conf(conf)
        }

        /// Each query answered with one point: 1000 × the source account's last digit (0 for the
        /// monitoring account's own, asked without AccountId) + the query's service number;
        /// Forbidden for an account ending in 9; each call's size kept in `sizes`.
        fn answering(sizes: Arc<Mutex<Vec<usize>>>) -> Rule {
            mock!(Client::get_metric_data).then_compute_output(move |input| {
                let queries = input.metric_data_queries();
                sizes.lock().unwrap().push(queries.len());
                let results = queries.iter().map(|q| {
                    let account = q.account_id().unwrap_or(MONITORING);
                    assert!(
                        q.account_id() != Some(MONITORING),
                        "the monitoring account's own metrics carry no AccountId"
                    );
                    let r = MetricDataResult::builder().id(q.id().unwrap_or_default());
                    if account.ends_with('9') {
                        return r.status_code(StatusCode::Forbidden).build();
                    }
                    let digit = if q.account_id().is_none() {
                        0
                    } else {
                        account.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0)
                    };
                    let service: f64 = q
                        .metric_stat()
                        .and_then(|s| s.metric())
                        .and_then(|m| m.dimensions().first())
                        .and_then(|d| d.value())
                        .and_then(|v| v.trim_start_matches('s').parse().ok())
                        .unwrap_or(-1.0);
                    r.status_code(StatusCode::Complete)
                        .timestamps(aws_smithy_types::DateTime::from_secs(0))
                        .values(1000.0 * f64::from(digit) + service)
                        .build()
                });
                GetMetricDataOutput::builder().set_metric_data_results(Some(results.collect())).build()
            })
        }

        fn queries(n: usize) -> Vec<MetricQuery> {
            (0..n)
                .map(|i| MetricQuery::new("AWS/ECS", "CPUUtilization", "Average").dim("ServiceName", format!("s{i}")))
                .collect()
        }

        fn hub(rule: &Rule, linked: &[&str]) -> Arc<MetricHub> {
            let linked = linked.iter().map(|a| a.to_string()).collect();
            Arc::new(MetricHub::new(MONITORING.into(), "us-east-1".into(), client(rule), linked))
        }

        #[tokio::test]
        async fn concurrent_fetches_of_linked_accounts_share_calls_of_at_most_500_queries() {
            let sizes = Arc::new(Mutex::new(Vec::new()));
            let rule = answering(sizes.clone());
            let hub = hub(&rule, &["222222222222", "333333333333", "444444444444"]);
            let span = Span { start: 0, end: 60, period: 60 };
            let (q100, q200, q150) = (queries(100), queries(200), queries(150));
            let (own, a, b, c) = tokio::join!(
                hub.fetch(MONITORING, &q100, span, true),
                hub.fetch("222222222222", &q200, span, true),
                hub.fetch("333333333333", &q150, span, true),
                hub.fetch("444444444444", &q100, span, true),
            );
            let mut sizes = sizes.lock().unwrap().clone();
            sizes.sort();
            assert_eq!(sizes, [50, 500], "550 queries of four accounts: two calls (one full), not four");
            for (answer, digit, n) in [(own, 0.0, 100), (a, 2.0, 200), (b, 3.0, 150), (c, 4.0, 100)] {
                let series = answer.expect("answered").expect("not refused");
                assert_eq!(series.len(), n, "every query answered");
                for (i, s) in series.iter().enumerate() {
                    assert_eq!(s, &vec![1000.0 * digit + i as f32], "each account's own metric, in its own order");
                }
            }
        }

        #[tokio::test]
        async fn a_single_look_is_sent_at_once_and_an_account_refused_there_reads_its_own() {
            let sizes = Arc::new(Mutex::new(Vec::new()));
            let rule = answering(sizes.clone());
            let hub = hub(&rule, &["222222222222", "333333333339"]);
            let span = Span { start: 0, end: 60, period: 60 };
            let two = queries(2);
            let started = std::time::Instant::now();
            let alone = hub.fetch("222222222222", &two, span, false).await;
            assert!(started.elapsed() < GATHER, "not held back for others: {:?}", started.elapsed());
            assert_eq!(alone.unwrap().unwrap(), vec![vec![2000.0], vec![2001.0]]);
            assert!(hub.carries("333333333339"));
            let (ok, refused) =
                tokio::join!(hub.fetch("222222222222", &two, span, true), hub.fetch("333333333339", &two, span, true));
            assert_eq!(ok.unwrap().unwrap(), vec![vec![2000.0], vec![2001.0]]);
            assert_eq!(refused.unwrap(), None, "Forbidden: the caller reads its own CloudWatch");
            assert!(!hub.carries("333333333339") && hub.carries("222222222222"));
            assert!(!hub.carries("555555555555"), "never linked");
            let mut m = Monitoring::new(MONITORING.into(), "observability".into());
            m.hubs.push(hub);
            assert_eq!(m.path("222222222222", &["us-east-1"]), "through monitoring account observability");
            assert_eq!(
                m.path("333333333339", &["us-east-1"]),
                "own CloudWatch: refused through observability (us-east-1)"
            );
            assert_eq!(
                m.path("222222222222", &["us-east-1", "eu-west-1", "eu-central-1"]),
                "own CloudWatch: not linked to observability (eu-west-1, eu-central-1)",
                "each reason once, with its regions"
            );
            m.unusable = Some("monitoring account observability not found in the organization".into());
            assert!(m.path("222222222222", &["us-east-1"]).contains("not found in the organization"));
        }
    }
}
