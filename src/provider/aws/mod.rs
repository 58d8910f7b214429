//! The AWS provider: the official SDK, aws-config's default credential chain, one set of clients
//! per (profile, region) target. Reads only; every request is counted (`usage`).

mod alarms;
mod cache;
pub mod cost;
mod ecs;
pub mod events;
mod history;
mod lb;
mod lb_metrics;
pub mod map;
pub mod metrics;
#[cfg(test)]
mod odd_shapes;
pub mod pricing;
mod scoped;
mod targets;
mod timeline;
pub mod usage;
mod write;
mod write_cache;

use crate::domain::{
    Alarm, CacheGroup, ChartKind, ChartSeries, CostReport, DetailChart, EcsService, ResourceDetail, ResourceRef,
    UsageHistory, Window,
};
use crate::provider::{Provider, ProviderError, SourceInfo};
use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::try_join_all;
use std::sync::Mutex;
use std::time::Duration;
pub use usage::ApiUsage;

/// Calls in flight at once per target: enough to hide latency, few enough not to be throttled.
pub const CONCURRENCY: usize = 8;
/// The longest one attempt of one call may take before it is abandoned and retried.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Cost Explorer and the Pricing API answer in us-east-1 whatever the priced region.
const GLOBAL_REGION: &str = "us-east-1";

/// What the command line and config ask for.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Empty: the default chain (AWS_PROFILE or `default`).
    pub profiles: Vec<String>,
    /// Empty: the profile's region or AWS_REGION.
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Where answers that cost money or change rarely are kept (Cost Explorer, prices).
    pub cache_dir: Option<std::path::PathBuf>,
    pub cost_ttl: Option<Duration>,
    /// Explicit credentials instead of the default chain (tests against an emulator, embedding).
    pub credentials: Option<aws_credential_types::Credentials>,
    /// Retry policy; None keeps the SDK's standard mode (3 attempts, jittered backoff).
    pub retry: Option<aws_config::retry::RetryConfig>,
    /// Refuse every write, in the provider and in each client's interceptor.
    pub read_only: bool,
    /// Profiles that are always read-only (config `[aws] read_only_profiles`), e.g. prod.
    pub read_only_profiles: Vec<String>,
    /// Profiles whose changes are confirmed by typing the resource's name (`[aws] protected_profiles`).
    pub protected_profiles: Vec<String>,
    /// `--dry-run`: an apply lists its requests and sends none.
    pub dry_run: bool,
    /// How long an unknown identity (STS failing at start) waits before it is asked again;
    /// None: 30 s.
    pub identity_retry: Option<Duration>,
}

impl AwsOptions {
    /// Whether writes through this profile are refused. No profile means AWS_PROFILE or default.
    pub fn read_only_for(&self, profile: Option<&str>) -> bool {
        self.read_only || self.read_only_profiles.contains(&profile_name(profile))
    }

    pub fn protected_for(&self, profile: Option<&str>) -> bool {
        self.protected_profiles.contains(&profile_name(profile))
    }
}

fn profile_name(profile: Option<&str>) -> String {
    profile.map(str::to_string).or_else(|| std::env::var("AWS_PROFILE").ok()).unwrap_or("default".into())
}

/// `--dry-run`: nothing leaves the machine; the requests are what would have been sent.
fn dry_run(plan: &crate::apply::ResizePlan) -> crate::apply::ApplyOutcome {
    crate::apply::ApplyOutcome {
        task_definition: plan.base_task_definition.clone(),
        requests: plan.requests.iter().map(|r| format!("(dry run, not sent) {r}")).collect(),
    }
}

/// Who we are in a target (STS GetCallerIdentity), or why that is not known yet.
#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    Known {
        account: String,
        caller_arn: String,
    },
    /// STS failed (AWS degraded, no answer): the app runs and asks again.
    Unknown {
        error: ProviderError,
        asked_at: i64,
    },
}

/// One (profile, region) with its clients.
pub struct Target {
    pub profile: Option<String>,
    pub region: String,
    pub identity: std::sync::RwLock<Identity>,
    pub sts: aws_sdk_sts::Client,
    /// Writes refused for this profile (its clients' interceptors refuse them too).
    pub read_only: bool,
    pub usage: ApiUsage,
    pub ecs: aws_sdk_ecs::Client,
    pub elasticache: aws_sdk_elasticache::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub costexplorer: aws_sdk_costexplorer::Client,
    pub autoscaling: aws_sdk_applicationautoscaling::Client,
    pub pricing: aws_sdk_pricing::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
}

impl Target {
    /// The account id, or "unknown" until STS has answered.
    pub fn account(&self) -> String {
        match &*self.identity.read().unwrap_or_else(|e| e.into_inner()) {
            Identity::Known { account, .. } => account.clone(),
            Identity::Unknown { .. } => "unknown".into(),
        }
    }

    /// Who we are here, for the audit log.
    pub fn caller_arn(&self) -> String {
        match &*self.identity.read().unwrap_or_else(|e| e.into_inner()) {
            Identity::Known { caller_arn, .. } => caller_arn.clone(),
            Identity::Unknown { .. } => "unknown".into(),
        }
    }

    /// Ask STS again when the identity is unknown and the last try is `retry` seconds old.
    async fn ensure_identity(&self, now: i64, retry: i64) {
        let due = matches!(
            &*self.identity.read().unwrap_or_else(|e| e.into_inner()),
            Identity::Unknown { asked_at, .. } if now - asked_at >= retry
        );
        if due {
            let asked = identity(&self.sts, now).await;
            *self.identity.write().unwrap_or_else(|e| e.into_inner()) = asked;
        }
    }

    /// How rows from this target are told apart when several are shown.
    fn label(&self) -> String {
        match &self.profile {
            Some(p) => format!("{p}@{}", self.region),
            None => self.region.clone(),
        }
    }
}

/// An SDK failure, said in a way the user can act on.
pub fn sdk_error<E>(operation: &str, e: SdkError<E, aws_smithy_runtime_api::http::Response>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let operation = operation.to_string();
    if let SdkError::ServiceError(service) = &e {
        let err = service.err();
        let code = err.code().unwrap_or("");
        let message = err.message().unwrap_or("");
        let status = service.raw().status().as_u16();
        return match code {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "UnauthorizedException" => {
                ProviderError::AccessDenied { operation }
            }
            "Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded" => {
                ProviderError::Throttled { operation }
            }
            "ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId" | "UnrecognizedClientException" => {
                ProviderError::NoCredentials(format!("{operation}: {code}: {message}"))
            }
            "InternalFailure"
            | "InternalError"
            | "InternalServerError"
            | "ServerException"
            | "ServiceUnavailable"
            | "ServiceUnavailableException" => {
                ProviderError::Unavailable { operation, detail: format!("{code} (HTTP {status})") }
            }
            _ if status >= 500 => ProviderError::Unavailable { operation, detail: format!("HTTP {status} {code}") },
            "" => ProviderError::Other(format!("{operation}: {}", DisplayErrorContext(&e))),
            _ => ProviderError::Other(format!("{operation}: {code}: {message}")),
        };
    }
    let text = DisplayErrorContext(&e).to_string();
    if let SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) = &e {
        return ProviderError::Unreachable { operation, detail: unreachable_cause(&e) };
    }
    if text.contains("credentials") || text.contains("Credentials") {
        return ProviderError::NoCredentials(format!("{operation}: {text}"));
    }
    ProviderError::Other(format!("{operation}: {text}"))
}

/// What the user needs from a failure to get an answer: the I/O error at the bottom of the
/// chain ("Connection refused (os error 111)"), or that the attempt timed out.
fn unreachable_cause<E>(e: &SdkError<E, aws_smithy_runtime_api::http::Response>) -> String
where
    E: std::error::Error + 'static,
{
    if let SdkError::TimeoutError(_) = e {
        return format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs());
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut last = String::new();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return io.to_string();
        }
        last = err.to_string();
        source = err.source();
    }
    match e {
        SdkError::ResponseError(_) => format!("the connection dropped mid-answer ({last})"),
        _ => last,
    }
}

/// STS GetCallerIdentity, as an identity.
async fn identity(sts: &aws_sdk_sts::Client, now: i64) -> Identity {
    match sts.get_caller_identity().send().await {
        Ok(id) => Identity::Known {
            account: id.account().unwrap_or("unknown").to_string(),
            caller_arn: id.arn().unwrap_or("unknown").to_string(),
        },
        Err(e) => Identity::Unknown { error: sdk_error("sts:GetCallerIdentity", e), asked_at: now },
    }
}

/// AWS itself failing or unreachable: an incident is when this happens, so the app starts and
/// keeps trying rather than exit.
fn degraded(e: &ProviderError) -> bool {
    matches!(e, ProviderError::Unavailable { .. } | ProviderError::Unreachable { .. } | ProviderError::Throttled { .. })
}

/// How often an unknown identity is asked for again.
const IDENTITY_RETRY_SECONDS: i64 = 30;

async fn connect_target(
    profile: Option<&str>,
    region: Option<&str>,
    options: &AwsOptions,
    usage: &ApiUsage,
) -> Result<Target, ProviderError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(c) = &options.credentials {
        loader = loader.credentials_provider(c.clone());
    }
    if let Some(r) = &options.retry {
        loader = loader.retry_config(r.clone());
    }
    // A hung connection fails its attempt (and is retried) instead of leaving a pane loading for
    // ever; slow answers (5 s and more, a degraded region) still get through.
    loader = loader.timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build(),
    );
    let conf = loader.load().await;
    let read_only = options.read_only_for(profile);
    let Some(region) = conf.region().map(|r| r.to_string()) else {
        return Err(ProviderError::Other(
            "no AWS region: pass --region, set AWS_REGION, or give the profile a region".into(),
        ));
    };
    let Some(credentials) = conf.credentials_provider() else {
        return Err(ProviderError::NoCredentials("no credential provider configured".into()));
    };
    use aws_credential_types::provider::ProvideCredentials;
    credentials
        .provide_credentials()
        .await
        .map_err(|e| ProviderError::NoCredentials(DisplayErrorContext(&e).to_string()))?;

    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&conf).interceptor(usage.interceptor("sts", read_only)).build(),
    );
    let identity = identity(&sts, chrono::Utc::now().timestamp()).await;
    if let Identity::Unknown { error, .. } = &identity
        && !degraded(error)
    {
        // Credentials a person must fix (expired, denied): said at once, not retried.
        return Err(error.clone());
    }
    let global = Region::new(GLOBAL_REGION);
    Ok(Target {
        profile: profile.map(str::to_string),
        identity: std::sync::RwLock::new(identity),
        sts,
        read_only,
        usage: usage.clone(),
        ecs: aws_sdk_ecs::Client::from_conf(
            aws_sdk_ecs::config::Builder::from(&conf).interceptor(usage.interceptor("ecs", read_only)).build(),
        ),
        elasticache: aws_sdk_elasticache::Client::from_conf(
            aws_sdk_elasticache::config::Builder::from(&conf)
                .interceptor(usage.interceptor("elasticache", read_only))
                .build(),
        ),
        cloudwatch: aws_sdk_cloudwatch::Client::from_conf(
            aws_sdk_cloudwatch::config::Builder::from(&conf)
                .interceptor(usage.interceptor("cloudwatch", read_only))
                .build(),
        ),
        costexplorer: aws_sdk_costexplorer::Client::from_conf(
            aws_sdk_costexplorer::config::Builder::from(&conf)
                .region(global)
                .interceptor(usage.interceptor("ce", read_only))
                .build(),
        ),
        pricing: aws_sdk_pricing::Client::from_conf(
            aws_sdk_pricing::config::Builder::from(&conf)
                .region(Region::new(GLOBAL_REGION))
                .interceptor(usage.interceptor("pricing", read_only))
                .build(),
        ),
        elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(
            aws_sdk_elasticloadbalancingv2::config::Builder::from(&conf)
                .interceptor(usage.interceptor("elasticloadbalancing", read_only))
                .build(),
        ),
        autoscaling: aws_sdk_applicationautoscaling::Client::from_conf(
            aws_sdk_applicationautoscaling::config::Builder::from(&conf)
                .interceptor(usage.interceptor("application-autoscaling", read_only))
                .build(),
        ),
        region,
    })
}

/// What the last refresh found, for detail views (no second inventory per `enter`).
#[derive(Default)]
struct Seen {
    services: Vec<(usize, ecs::ServiceRecord)>,
    groups: Vec<(usize, cache::GroupRecord)>,
    alarms: Vec<Alarm>,
    cost: Option<CostReport>,
}

pub struct AwsProvider {
    options: AwsOptions,
    targets: Vec<Target>,
    usage: ApiUsage,
    task_defs: Vec<ecs::TaskDefCache>,
    /// Per target: the sizing history's closed hours, extended rather than read again.
    histories: Vec<history::HistoryCache>,
    /// Per target: which load balancer serves which target group.
    lbs: Vec<lb::LbCache>,
    cost_cache: cost::CostCache,
    cost_failure: cost::CostFailure,
    /// ElastiCache node types priced in the first target's region, read once a session.
    node_types: Mutex<Option<std::sync::Arc<crate::sizing::catalog::NodeCatalogue>>>,
    seen: Mutex<Seen>,
    /// The rows last answered, carried into refreshes that do not re-read them.
    rows: Mutex<scoped::Rows>,
    /// Per target: last good answer and back-off, so one failing region never hides the rest.
    ecs_spread: targets::Spread<(Vec<ecs::ServiceRecord>, Vec<EcsService>)>,
    cache_spread: targets::Spread<(Vec<cache::GroupRecord>, Vec<CacheGroup>)>,
    alarm_spread: targets::Spread<Vec<Alarm>>,
}

impl AwsProvider {
    /// Resolve credentials and accounts for every (profile, region) asked for.
    pub async fn connect(options: AwsOptions) -> Result<AwsProvider, ProviderError> {
        let usage = ApiUsage::default();
        let profiles: Vec<Option<&str>> = if options.profiles.is_empty() {
            vec![None]
        } else {
            options.profiles.iter().map(|p| Some(p.as_str())).collect()
        };
        let regions: Vec<Option<&str>> = if options.regions.is_empty() {
            vec![None]
        } else {
            options.regions.iter().map(|r| Some(r.as_str())).collect()
        };
        let pairs: Vec<(Option<&str>, Option<&str>)> =
            profiles.iter().flat_map(|p| regions.iter().map(move |r| (*p, *r))).collect();
        let targets = try_join_all(pairs.iter().map(|(p, r)| connect_target(*p, *r, &options, &usage))).await?;
        let cost_cache = cost::CostCache {
            dir: options.cache_dir.clone(),
            ttl: options.cost_ttl.unwrap_or(Duration::from_secs(6 * 3_600)),
        };
        Ok(AwsProvider {
            options,
            task_defs: targets.iter().map(|_| ecs::TaskDefCache::default()).collect(),
            histories: targets.iter().map(|_| history::HistoryCache::default()).collect(),
            lbs: targets.iter().map(|_| lb::LbCache::default()).collect(),
            ecs_spread: targets::Spread::new(targets.len()),
            cache_spread: targets::Spread::new(targets.len()),
            alarm_spread: targets::Spread::new(targets.len()),
            targets,
            usage,
            cost_cache,
            cost_failure: cost::CostFailure::default(),
            node_types: Mutex::new(None),
            seen: Mutex::new(Seen::default()),
            rows: Mutex::new(scoped::Rows::default()),
        })
    }

    /// Fargate prices in target `i`'s region (the Price List, kept a day on disk per region).
    async fn rates_of(&self, i: usize) -> Option<crate::sizing::catalog::FargateRates> {
        let t = &self.targets[i];
        let cache = self.options.cache_dir.as_ref().map(|d| d.join(format!("pricing-{}.json", t.region)));
        pricing::fargate_rates(t, cache, self.now_secs()).await
    }

    /// Every service, inventory and metrics, handed over in parts as they are ready (a first
    /// load, `r`, a new window).
    async fn ecs_full(
        &self,
        window: Window,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<Vec<EcsService>, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        let per_target = self
            .ecs_spread
            .gather(&self.labels(), |i| {
                let t = &self.targets[i];
                let named = move |mut rows: Vec<EcsService>| {
                    for s in &mut rows {
                        s.cluster = self.cluster_name(i, &s.cluster);
                    }
                    rows
                };
                async move {
                    let (records, rows) = self.pipeline(i, t, window, now, &|rows| progress(named(rows))).await?;
                    Ok::<_, ProviderError>((records, named(rows)))
                }
            })
            .await?;
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (i, (records, rows)) in per_target {
            seen.extend(records.into_iter().map(|r| (i, r)));
            out.extend(rows);
        }
        out.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
        self.seen().services = seen;
        self.keep_ecs_rows(&out, window);
        Ok(out)
    }

    /// Every group, inventory and metrics (a first load, `r`, a new window).
    async fn groups_full(&self, window: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        let per_target = self
            .cache_spread
            .gather(&self.labels(), |i| async move {
                let t = &self.targets[i];
                let records = cache::inventory(t).await?;
                let groups = cache::with_metrics(t, &records, window, now).await?;
                Ok::<_, ProviderError>((records, groups))
            })
            .await?;
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (i, (records, groups)) in per_target {
            seen.extend(records.into_iter().map(|r| (i, r)));
            out.extend(groups.into_iter().map(|mut g| {
                if self.targets.len() > 1 {
                    g.id = format!("{}:{}", self.targets[i].label(), g.id);
                }
                g
            }));
        }
        self.seen().groups = seen;
        self.keep_group_rows(&out, window);
        Ok(out)
    }

    /// The first target's STS failure, while its identity is unknown.
    fn identity_error(&self) -> Option<ProviderError> {
        self.targets.iter().find_map(|t| match &*t.identity.read().unwrap_or_else(|e| e.into_inner()) {
            Identity::Unknown { error, .. } => Some(error.clone()),
            Identity::Known { .. } => None,
        })
    }

    /// Before a fetch: ask STS again for targets whose identity is unknown (every 30 s at most).
    async fn ensure_identities(&self) {
        let now = self.now_secs();
        let retry = self.options.identity_retry.map_or(IDENTITY_RETRY_SECONDS, |d| d.as_secs() as i64);
        futures::future::join_all(self.targets.iter().map(|t| t.ensure_identity(now, retry))).await;
    }

    fn labels(&self) -> Vec<String> {
        self.targets.iter().map(Target::label).collect()
    }

    pub fn usage(&self) -> &ApiUsage {
        &self.usage
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// With several targets, cluster names carry their target so rows and keys stay distinct.
    fn cluster_name(&self, target: usize, cluster: &str) -> String {
        if self.targets.len() > 1 { format!("{}:{cluster}", self.targets[target].label()) } else { cluster.to_string() }
    }

    fn flags(&self, i: usize) -> write::Flags {
        let t = &self.targets[i];
        write::Flags {
            read_only: t.read_only,
            dry_run: self.options.dry_run,
            protected: self.options.protected_for(t.profile.as_deref()),
        }
    }

    /// The target and the cluster's own name for a cluster as shown (`profile@region:name`
    /// when several targets are shown).
    fn locate(&self, shown: &str) -> Result<(usize, String), ProviderError> {
        if self.targets.len() == 1 {
            return Ok((0, shown.to_string()));
        }
        self.targets
            .iter()
            .enumerate()
            .find_map(|(i, t)| shown.strip_prefix(&format!("{}:", t.label())).map(|c| (i, c.to_string())))
            .ok_or_else(|| ProviderError::NotFound(format!("cluster {shown}")))
    }

    fn now_secs(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }

    async fn ecs_inventory(&self) -> Result<Vec<(usize, ecs::ServiceRecord)>, ProviderError> {
        let per_target =
            try_join_all(self.targets.iter().zip(&self.task_defs).map(|(t, cache)| ecs::inventory(t, cache))).await?;
        let records: Vec<(usize, ecs::ServiceRecord)> =
            per_target.into_iter().enumerate().flat_map(|(i, v)| v.into_iter().map(move |r| (i, r))).collect();
        self.seen().services = records.clone();
        Ok(records)
    }

    /// One target's services: clusters are described concurrently and, as they finish, their
    /// services are batched into full GetMetricData calls (125 services = 500 queries), each
    /// batch handed to `progress` as soon as its metrics are in.
    async fn pipeline(
        &self,
        i: usize,
        t: &Target,
        window: Window,
        now: i64,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<(Vec<ecs::ServiceRecord>, Vec<EcsService>), ProviderError> {
        let (tx, mut rx) = futures::channel::mpsc::unbounded::<Vec<ecs::ServiceRecord>>();
        let produce = async move {
            let found = ecs::inventory_with(t, &self.task_defs[i], &|records| {
                let _ = tx.unbounded_send(records);
            })
            .await;
            drop(tx); // closes the channel: the consumer flushes what is left
            found
        };
        let consume = async {
            use futures::StreamExt;
            let mut pending: Vec<ecs::ServiceRecord> = Vec::new();
            let mut rows = Vec::new();
            let mut open = true;
            while open || !pending.is_empty() {
                match rx.next().await {
                    Some(records) if open => pending.extend(records),
                    _ => open = false,
                }
                while pending.len() >= ecs::SERVICES_PER_METRICS_CALL || (!open && !pending.is_empty()) {
                    let batch: Vec<_> = pending.drain(..pending.len().min(ecs::SERVICES_PER_METRICS_CALL)).collect();
                    let lbs = self.load_balancers(i, &batch, now).await;
                    let done = ecs::with_metrics(t, &batch, &lbs, window, now).await?;
                    progress(done.clone());
                    rows.extend(done);
                }
            }
            Ok::<_, ProviderError>(rows)
        };
        let (records, rows) = futures::join!(produce, consume);
        Ok((records?, rows?))
    }

    /// The last refresh's services, or a fresh inventory when there was none.
    async fn known_records(&self) -> Result<Vec<(usize, ecs::ServiceRecord)>, ProviderError> {
        let cached = self.seen().services.clone();
        if cached.is_empty() { self.ecs_inventory().await } else { Ok(cached) }
    }

    /// A service's key as the panes name it (`cluster/service`, the cluster told apart by target).
    fn shown_key(&self, target: usize, r: &ecs::ServiceRecord) -> String {
        format!("{}/{}", self.cluster_name(target, &r.cluster), r.name)
    }

    /// The load balancers serving these services' target groups. A failure here (elbv2 not in
    /// the role's policy) costs the latency columns, not the pane: it is logged and the services
    /// show no load-balancer health.
    async fn load_balancers(
        &self,
        i: usize,
        records: &[ecs::ServiceRecord],
        now: i64,
    ) -> std::collections::HashMap<String, lb::TargetGroupInfo> {
        let arns: Vec<String> = records.iter().flat_map(|r| r.target_groups.iter().cloned()).collect();
        if arns.is_empty() {
            return Default::default();
        }
        lb::resolve(&self.targets[i].elbv2, &self.lbs[i], &arns, now).await.unwrap_or_else(|e| {
            tracing::warn!("load balancers not read: {e} ({})", e.hint());
            Default::default()
        })
    }

    /// Usage of the services whose key (`cluster/service`, as the panes name them) is `wanted`.
    async fn usage_where(&self, wanted: impl Fn(&str) -> bool) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        let records: Vec<_> =
            self.known_records().await?.into_iter().filter(|(i, r)| wanted(&self.shown_key(*i, r))).collect();
        let now = self.now_secs();
        let per_target = try_join_all(self.targets.iter().enumerate().map(|(i, t)| {
            let mine = Self::records_of(&records, i);
            let cache = &self.histories[i];
            async move { history::usage(t, cache, &mine, now).await.map(|v| (i, v)) }
        }))
        .await?;
        Ok(per_target
            .into_iter()
            .flat_map(|(i, v)| {
                v.into_iter().map(move |(key, h)| {
                    let (cluster, name) = key.split_once('/').unwrap_or((&key, ""));
                    (format!("{}/{name}", self.cluster_name(i, cluster)), h)
                })
            })
            .collect())
    }

    fn records_of(records: &[(usize, ecs::ServiceRecord)], target: usize) -> Vec<ecs::ServiceRecord> {
        records.iter().filter(|(i, _)| *i == target).map(|(_, r)| r.clone()).collect()
    }

    async fn ecs_detail(&self, cluster: &str, service: &str, window: Window) -> Result<ResourceDetail, ProviderError> {
        let found = self
            .seen()
            .services
            .iter()
            .find(|(i, r)| self.cluster_name(*i, &r.cluster) == cluster && r.name == service)
            .cloned();
        let (i, r) = match found {
            Some(f) => f,
            None => self
                .ecs_inventory()
                .await?
                .into_iter()
                .find(|(i, r)| self.cluster_name(*i, &r.cluster) == cluster && r.name == service)
                .ok_or_else(|| ProviderError::NotFound(format!("ecs:{cluster}/{service}")))?,
        };
        let now = self.now_secs();
        let span = metrics::Span::for_window(window, now);
        let lbs = self.load_balancers(i, std::slice::from_ref(&r), now).await;
        let alb = ecs::alb_of(&r, &lbs).cloned();
        let lb_queries = alb.as_ref().map(lb_metrics::health_queries).unwrap_or_default();
        let queries: Vec<metrics::MetricQuery> = ecs::service_queries(&r).into_iter().chain(lb_queries).collect();
        let s =
            metrics::fetch(&self.targets[i], crate::provider::meter::MetricSource::DetailView, &queries, span).await?;
        let line = |name: &str, values: &[f32]| ChartSeries {
            name: name.into(),
            points: values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(k, v)| ((span.start + k as i64 * span.period - span.end) as f64, *v as f64))
                .collect(),
            reference: false,
        };
        let reservation = ChartSeries {
            name: "reservation".into(),
            points: vec![(-(window.seconds() as f64), 100.0), (0.0, 100.0)],
            reference: true,
        };
        let td = &r.task_definition;
        let mut facts = vec![
            ("cluster".to_string(), cluster.to_string()),
            ("launch type".into(), format!("{} ({})", r.launch_type.label(), td.arch.label())),
            ("task definition".into(), td.name.clone()),
            ("task size".into(), format!("{} vCPU / {} MiB", td.cpu as f32 / 1024.0, td.memory)),
            ("tasks".into(), format!("{} running / {} desired", r.running, r.desired)),
            ("OOM kills".into(), format!("{} among stopped tasks ECS still lists", r.oom_kills)),
            (
                "Container Insights".into(),
                if r.container_insights { "on" } else { "off: per-task metrics unavailable" }.into(),
            ),
        ];
        for c in &td.containers {
            facts.push((
                format!("container {}", c.name),
                format!(
                    "cpu {} · memory {} MiB hard / {} MiB soft",
                    c.cpu,
                    c.memory_hard.map_or("-".into(), |m| m.to_string()),
                    c.memory_soft.map_or("-".into(), |m| m.to_string())
                ),
            ));
        }
        if let Some(a) = &r.autoscaling {
            facts.push((
                "autoscaling".into(),
                format!("target tracking {} = {}% ({}–{} tasks)", a.metric, a.target, a.min, a.max),
            ));
        }
        let notes = r.events.iter().take(3).map(|(_, m)| format!("event: {m}")).collect();
        let mut health_charts = Vec::new();
        match &alb {
            Some(info) => {
                facts.push(("load balancer".into(), format!("{} → target group {}", info.lb_name(), info.name())));
                let ms = |v: &[f32]| v.iter().map(|x| x * 1_000.0).collect::<Vec<f32>>();
                // 5xx as a share of each period's requests.
                let pct = |bad: Option<&Vec<f32>>| {
                    s[4].iter()
                        .enumerate()
                        .map(|(k, n)| match bad.and_then(|b| b.get(k)) {
                            Some(b) if n.is_finite() && *n > 0.0 => b.max(0.0) / n * 100.0,
                            _ if n.is_finite() => 0.0,
                            _ => f32::NAN,
                        })
                        .collect::<Vec<f32>>()
                };
                health_charts.push(DetailChart {
                    title: "Response time (load balancer), ms".into(),
                    unit: "ms".into(),
                    series: vec![line("p99", &ms(&s[7])), line("p50", &ms(&s[6]))],
                    kind: ChartKind::Latency,
                });
                let mut errors = vec![line("targets", &pct(s.get(5)))];
                if info.sole_on_lb {
                    errors.push(line("load balancer", &pct(s.get(10))));
                }
                health_charts.push(DetailChart {
                    title: "5xx, % of requests".into(),
                    unit: "%".into(),
                    series: errors,
                    kind: ChartKind::Errors,
                });
            }
            None if r.target_groups.is_empty() => {
                facts.push(("load balancer".into(), "none: no request latency or errors to show".into()));
            }
            None => facts.push((
                "load balancer".into(),
                "not read (no Application Load Balancer found, or elbv2 not allowed)".into(),
            )),
        }
        Ok(ResourceDetail {
            title: format!("ECS service {cluster}/{service}"),
            facts,
            notes,
            charts: vec![
                DetailChart {
                    title: "CPU (% of task reservation)".into(),
                    unit: "%".into(),
                    series: vec![line("average", &s[0]), line("maximum", &s[1]), reservation.clone()],
                    kind: ChartKind::TaskCpu,
                },
                DetailChart {
                    title: "Memory (% of task reservation)".into(),
                    unit: "%".into(),
                    series: vec![line("average", &s[2]), line("maximum", &s[3]), reservation],
                    kind: ChartKind::TaskMemory,
                },
            ]
            .into_iter()
            .chain(health_charts)
            .collect(),
        })
    }

    fn cache_detail(&self, id: &str) -> Result<ResourceDetail, ProviderError> {
        let seen = self.seen();
        let (_, g) = seen
            .groups
            .iter()
            .find(|(_, g)| g.id == id)
            .ok_or_else(|| ProviderError::NotFound(format!("redis:{id}")))?;
        Ok(ResourceDetail {
            title: format!("ElastiCache {id}"),
            facts: vec![
                ("engine".into(), format!("{} {}", g.engine.label(), g.engine_version)),
                ("node type".into(), g.node_type.clone()),
                ("shards × nodes".into(), format!("{} × {}", g.shards, 1 + g.replicas_per_shard)),
                ("reserved memory".into(), format!("{}% (reserved-memory-percent)", g.reserved_memory_percent)),
                ("member clusters".into(), g.members.join(", ")),
            ],
            notes: Vec::new(),
            charts: Vec::new(),
        })
    }

    fn alarm_detail(&self, name: &str) -> Result<ResourceDetail, ProviderError> {
        let seen = self.seen();
        let a = seen
            .alarms
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| ProviderError::NotFound(format!("alarm:{name}")))?;
        Ok(ResourceDetail {
            title: format!("Alarm {name}"),
            facts: vec![
                ("state".into(), format!("{} since {}", a.state.label(), a.since.format("%Y-%m-%d %H:%M UTC"))),
                ("metric".into(), format!("{} {}", a.namespace, a.metric)),
                ("condition".into(), format!("{} {}", a.comparison.symbol(), a.threshold)),
                ("watches".into(), a.resource.as_ref().map_or("—".into(), ToString::to_string)),
                ("reason".into(), a.reason.clone()),
            ],
            notes: a
                .history
                .iter()
                .take(10)
                .map(|h| format!("{} {} → {}", h.time.format("%m-%d %H:%M"), h.from.label(), h.to.label()))
                .collect(),
            charts: Vec::new(),
        })
    }

    fn cost_detail(&self, service: &str) -> Result<ResourceDetail, ProviderError> {
        let seen = self.seen();
        let report = seen.cost.as_ref().ok_or_else(|| ProviderError::NotFound(format!("cost:{service}")))?;
        let s = report
            .services
            .iter()
            .find(|s| s.service == service)
            .ok_or_else(|| ProviderError::NotFound(format!("cost:{service}")))?;
        let days = s.daily.len() as f64;
        Ok(ResourceDetail {
            title: format!("Cost of {service}"),
            facts: vec![
                ("month to date".into(), format!("${:.2}", s.month_to_date)),
                ("forecast".into(), format!("${:.2}", s.forecast)),
                ("last month".into(), format!("${:.2}", s.last_month)),
            ],
            notes: Vec::new(),
            charts: vec![DetailChart {
                title: "Daily cost (AmortizedCost)".into(),
                unit: "$".into(),
                series: vec![ChartSeries {
                    name: service.into(),
                    points: s
                        .daily
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (((i as f64) - days + 1.0) * 86_400.0, *v))
                        .collect(),
                    reference: false,
                }],
                kind: ChartKind::Other,
            }],
        })
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn source(&self) -> SourceInfo {
        let first = &self.targets[0];
        let mut accounts: Vec<String> = self.targets.iter().map(Target::account).collect();
        accounts.dedup();
        let mut profiles: Vec<&str> = self.targets.iter().map(|t| t.profile.as_deref().unwrap_or("default")).collect();
        profiles.dedup();
        let mut regions: Vec<String> = self.targets.iter().map(|t| t.region.clone()).collect();
        regions.dedup();
        SourceInfo {
            label: format!("aws {}", profiles.join(",")),
            account: Some(match self.identity_error() {
                Some(e) => format!("account unknown ({e}; retrying)"),
                None if accounts.len() == 1 => first.account(),
                None => accounts.join(","),
            }),
            regions,
            switchable: true,
            read_only: self.targets.iter().any(|t| t.read_only),
        }
    }

    fn read_only(&self) -> bool {
        self.targets.iter().any(|t| t.read_only)
    }

    async fn plan_resize(&self, req: &crate::apply::ResizeRequest) -> Result<crate::apply::ResizePlan, ProviderError> {
        let (i, cluster) = self.locate(&req.cluster)?;
        crate::apply::plan::checked(write::plan(&self.targets[i], &cluster, req, self.flags(i)).await)
    }

    async fn plan_cache_resize(
        &self,
        req: &crate::apply::CacheResizeRequest,
    ) -> Result<crate::apply::ResizePlan, ProviderError> {
        let (i, group) = self.locate(&req.group)?;
        let t = &self.targets[i];
        let target = format!("{} · {} · {}", t.profile.as_deref().unwrap_or("default"), t.account(), t.region);
        write_cache::plan(&t.elasticache, &group, target, req, self.flags(i)).await
    }

    async fn apply_resize(&self, plan: &crate::apply::ResizePlan) -> Result<crate::apply::ApplyOutcome, ProviderError> {
        if let ResourceRef::CacheGroup(group) = &plan.resource {
            let (i, raw) = self.locate(group)?;
            if self.targets[i].read_only {
                return Err(ProviderError::ReadOnly("this profile is read-only (--read-only or the config)".into()));
            }
            if self.options.dry_run {
                return Ok(dry_run(plan));
            }
            return write_cache::apply(&self.targets[i].elasticache, &raw, plan).await;
        }
        let ResourceRef::EcsService { cluster, service } = &plan.resource else {
            return Err(ProviderError::Other("only ECS services and cache groups can be changed".into()));
        };
        let (i, raw) = self.locate(cluster)?;
        if self.targets[i].read_only {
            let why = self.targets[i].profile.as_deref().unwrap_or("this profile");
            return Err(ProviderError::ReadOnly(format!("{why} is read-only (--read-only or the config)")));
        }
        if self.options.dry_run {
            return Ok(dry_run(plan));
        }
        match &plan.rollback_to {
            Some(to) => write::rollback(&self.targets[i], &raw, service, plan, to).await,
            None => write::apply(&self.targets[i], &raw, service, plan).await,
        }
    }

    fn caller(&self) -> String {
        self.targets.first().map_or_else(|| "unknown".into(), Target::caller_arn)
    }

    async fn fargate_rates(&self) -> Option<crate::sizing::catalog::FargateRates> {
        self.rates_of(0).await
    }

    async fn cache_node_types(&self) -> std::sync::Arc<crate::sizing::catalog::NodeCatalogue> {
        if let Some(known) = self.node_types.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return known;
        }
        // Priced in the first target's region, as suggestions are.
        let t = &self.targets[0];
        let cache = self.options.cache_dir.as_ref().map(|d| d.join(format!("elasticache-nodes-{}.json", t.region)));
        let priced = pricing::cache_node_types(t, cache, self.now_secs()).await.unwrap_or_default();
        let catalogue = std::sync::Arc::new(crate::sizing::catalog::NodeCatalogue::with_prices(priced));
        *self.node_types.lock().unwrap_or_else(|e| e.into_inner()) = Some(catalogue.clone());
        catalogue
    }

    async fn regional_fargate_rates(&self) -> Vec<(String, crate::sizing::catalog::FargateRates)> {
        if self.targets.len() < 2 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let rates = self.rates_of(i).await.unwrap_or_default();
            out.push((format!("{}:", t.label()), rates));
        }
        out
    }

    fn degraded(&self, what: crate::provider::Inventory) -> Option<ProviderError> {
        use crate::provider::Inventory;
        match what {
            Inventory::Ecs => self.ecs_spread.degraded(),
            Inventory::Cache => self.cache_spread.degraded(),
            Inventory::Alarms => self.alarm_spread.degraded(),
        }
    }

    fn api_spend(&self) -> Option<crate::provider::meter::Spend> {
        Some(self.usage.spend())
    }

    async fn ecs_services(&self, window: Window) -> Result<Vec<EcsService>, ProviderError> {
        self.ecs_services_progressive(window, &|_| ()).await
    }

    async fn ecs_services_progressive(
        &self,
        window: Window,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<Vec<EcsService>, ProviderError> {
        self.ecs_full(window, progress).await
    }

    async fn ecs_services_scoped(
        &self,
        window: Window,
        scope: &crate::provider::Scope,
        progress: &(dyn Fn(Vec<EcsService>) + Send + Sync),
    ) -> Result<Vec<EcsService>, ProviderError> {
        self.ecs_scoped(window, scope, progress).await
    }

    async fn cache_groups(&self, window: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        self.groups_full(window).await
    }

    async fn cache_groups_scoped(
        &self,
        window: Window,
        scope: &crate::provider::Scope,
    ) -> Result<Vec<CacheGroup>, ProviderError> {
        self.groups_scoped(window, scope).await
    }

    async fn ecs_usage(&self) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        self.usage_where(|_| true).await
    }

    async fn ecs_usage_of(&self, keys: &[String]) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        let wanted: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
        self.usage_where(|key| wanted.contains(key)).await
    }

    async fn sli(
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

    async fn cost(&self, fresh: bool) -> Result<CostReport, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        // Cost Explorer is per payer account: the first target speaks for it.
        let account = self.targets[0].account();
        let cached = if fresh { None } else { self.cost_cache.load(&account, now) };
        let report = match cached {
            Some(r) => r,
            None => {
                if fresh {
                    self.cost_failure.clear();
                } else if let Some(e) = self.cost_failure.current(now) {
                    return Err(e);
                }
                let r = cost::report(&self.targets[0], chrono::Utc::now().date_naive())
                    .await
                    .inspect_err(|e| self.cost_failure.remember(now, e))?;
                self.cost_cache.store(&account, now, &r);
                r
            }
        };
        self.seen().cost = Some(report.clone());
        Ok(report)
    }

    async fn alarms(&self) -> Result<Vec<Alarm>, ProviderError> {
        self.ensure_identities().await;
        let now = self.now_secs();
        let per_target = self.alarm_spread.gather(&self.labels(), |i| alarms::list(&self.targets[i], now)).await?;
        let all: Vec<Alarm> = per_target.into_iter().flat_map(|(_, v)| v).collect();
        self.seen().alarms = all.clone();
        Ok(all)
    }

    async fn timeline(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::Timeline, ProviderError> {
        use crate::domain::TimelineEvent;
        let (f, t) = (from.timestamp(), to.timestamp());
        // Each source on its own: one failing (a missing permission, say) leaves the others.
        let (ecs, alarm_events, cache_events, cost) = tokio::join!(
            self.ecs_inventory(),
            try_join_all(self.targets.iter().map(|tg| timeline::alarm_events(tg, f, t))),
            try_join_all(self.targets.iter().map(|tg| timeline::cache_events(tg, f, t))),
            self.cost(false),
        );
        let ecs = ecs.map(|records| {
            records
                .into_iter()
                .flat_map(|(i, r)| {
                    let shown = self.cluster_name(i, &r.cluster);
                    r.history.into_iter().map(move |mut e| {
                        if let Some(ResourceRef::EcsService { cluster, .. }) = &mut e.resource {
                            cluster.clone_from(&shown);
                        }
                        e
                    })
                })
                .collect::<Vec<TimelineEvent>>()
        });
        let mut out = crate::domain::Timeline::default();
        out.add("ECS deployments, service events and stopped tasks", ecs);
        out.add("alarm history", alarm_events.map(|v| v.into_iter().flatten().collect()));
        out.add("ElastiCache events", cache_events.map(|v| v.into_iter().flatten().collect()));
        out.add("cost anomalies", cost.map(|r| crate::incident::cost_events(&r.anomalies, from)));
        out.events.retain(|e| e.time >= from && e.time <= to);
        out.sort();
        Ok(out)
    }

    async fn reconnect(
        &self,
        profiles: Option<Vec<String>>,
        regions: Option<Vec<String>>,
    ) -> Result<std::sync::Arc<dyn Provider>, ProviderError> {
        let mut options = self.options.clone();
        if let Some(p) = profiles {
            options.profiles = p;
        }
        if let Some(r) = regions {
            options.regions = r;
        }
        Ok(std::sync::Arc::new(AwsProvider::connect(options).await?))
    }

    async fn detail(&self, resource: &ResourceRef, window: Window) -> Result<ResourceDetail, ProviderError> {
        match resource {
            ResourceRef::EcsService { cluster, service } => self.ecs_detail(cluster, service, window).await,
            ResourceRef::CacheGroup(id) => self.cache_detail(id),
            ResourceRef::Alarm(name) => self.alarm_detail(name),
            ResourceRef::CostService(s) => self.cost_detail(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::operation::list_services::ListServicesError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: &str) -> ProviderError {
        service_error_with(code, 400)
    }

    fn service_error_with(code: &str, status: u16) -> ProviderError {
        let err = ListServicesError::generic(ErrorMetadata::builder().code(code).message("from AWS").build());
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        sdk_error("ecs:ListServices", SdkError::service_error(err, raw))
    }

    #[test]
    fn server_errors_and_no_answer_say_so_and_that_the_app_retries() {
        let op = || "ecs:ListServices".to_string();
        assert_eq!(
            service_error_with("ServiceUnavailableException", 503),
            ProviderError::Unavailable { operation: op(), detail: "ServiceUnavailableException (HTTP 503)".into() }
        );
        assert_eq!(
            service_error_with("SomethingNew", 502),
            ProviderError::Unavailable { operation: op(), detail: "HTTP 502 SomethingNew".into() }
        );
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
        let dispatch = SdkError::<ListServicesError, Response>::dispatch_failure(
            aws_smithy_runtime_api::client::result::ConnectorError::io(Box::new(refused)),
        );
        let e = sdk_error("ecs:ListServices", dispatch);
        assert_eq!(
            e,
            ProviderError::Unreachable { operation: op(), detail: "Connection refused (os error 111)".into() }
        );
        assert!(e.hint().contains("network") && e.hint().contains("retrying by itself"));
        let timeout = SdkError::<ListServicesError, Response>::timeout_error("attempt timeout");
        assert!(
            matches!(sdk_error("ecs:ListServices", timeout), ProviderError::Unreachable { detail, .. } if detail == "no answer within 30 s")
        );
        let expired = service_error("ExpiredTokenException");
        assert!(expired.hint().contains("session expired"), "{}", expired.hint());
    }

    #[test]
    fn service_errors_become_errors_the_user_can_act_on() {
        let denied = service_error("AccessDeniedException");
        assert_eq!(denied, ProviderError::AccessDenied { operation: "ecs:ListServices".into() });
        assert_eq!(denied.hint(), "add ecs:ListServices to the role's policy");
        assert_eq!(
            service_error("ThrottlingException"),
            ProviderError::Throttled { operation: "ecs:ListServices".into() }
        );
        assert!(
            matches!(service_error("ExpiredTokenException"), ProviderError::NoCredentials(m) if m.contains("ExpiredToken"))
        );
        assert_eq!(
            service_error("ClusterNotFoundException"),
            ProviderError::Other("ecs:ListServices: ClusterNotFoundException: from AWS".into())
        );
    }
}
