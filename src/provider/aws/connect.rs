//! What the command line asks for (profiles × regions), and one client set per target with the
//! identity STS gives it. A target whose AWS is failing still connects and keeps asking.

use super::errors::{degraded, sdk_error};
use super::{ATTEMPT_TIMEOUT, ApiUsage, AwsProvider, GLOBAL_REGION, Seen, cost, scoped, targets};
use crate::provider::ProviderError;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_types::error::display::DisplayErrorContext;
use futures::future::try_join_all;
use std::sync::Mutex;
use std::time::Duration;

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
    /// With `--org`: accounts (by id or name) and OUs (by id `ou-…` or name) whose changes are
    /// confirmed by typing the resource's name (`[aws] protected_accounts`).
    pub protected_accounts: Vec<String>,
    /// `--dry-run`: an apply lists its requests and sends none.
    pub dry_run: bool,
    /// How long an unknown identity (STS failing at start) waits before it is asked again;
    /// None: 30 s.
    pub identity_retry: Option<Duration>,
    /// `[aws] task_events_log_group`: where EventBridge keeps ECS task state changes (a review
    /// reads its span's stopped tasks there).
    pub task_events_log_group: Option<String>,
    /// `--org`: every account of the organization (or an OU of it), reached by assuming a role.
    pub org: Option<super::org::OrgOptions>,
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

pub(super) fn profile_name(profile: Option<&str>) -> String {
    profile.map(str::to_string).or_else(|| std::env::var("AWS_PROFILE").ok()).unwrap_or("default".into())
}

/// `--dry-run`: nothing leaves the machine; the requests are what would have been sent.
pub(super) fn dry_run(plan: &crate::apply::ResizePlan) -> crate::apply::ApplyOutcome {
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

/// One (profile, region) — or, with `--org`, one (account, region) — with its clients.
pub struct Target {
    pub profile: Option<String>,
    /// With `--org`: the account's name in the organization (rows say which account).
    pub account_name: Option<String>,
    /// With `--org`: the OU the account sits in (protected OUs, `/ou:`).
    pub ou: Option<super::org::Ou>,
    /// With `--org`: the account's id as Organizations lists it (known before STS answers).
    pub org_account: Option<String>,
    /// Reached through a role assumed in it (an organization's member), not the caller's own.
    pub via_role: bool,
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
    /// Compute Optimizer in this region (its recommendations are regional).
    pub optimizer: aws_sdk_computeoptimizer::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    /// CloudTrail in this region, and in us-east-1 where AWS records most console sign-ins
    /// (None when this region is us-east-1).
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub cloudtrail_signin: Option<aws_sdk_cloudtrail::Client>,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// Session Manager: port forwarding sessions to a task's container (StartSession,
    /// TerminateSession).
    pub ssm: aws_sdk_ssm::Client,
    /// With `--monitoring-account`: the monitoring account's CloudWatch in this region, when this
    /// account is linked to it (metrics are read there, with the other linked accounts').
    pub metrics_via: Option<std::sync::Arc<super::monitoring::MetricHub>>,
}

impl Identity {
    /// An organization account start stopped waiting for (its role slow to answer): said on
    /// its own in the header, not as the caller's identity being unknown.
    pub(super) fn slow_at_start(&self) -> bool {
        matches!(self, Identity::Unknown { error: ProviderError::Unreachable { detail, .. }, .. } if detail.starts_with(SLOW))
    }
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
    pub(super) async fn ensure_identity(&self, now: i64, retry: i64) {
        let due = matches!(
            &*self.identity.read().unwrap_or_else(|e| e.into_inner()),
            Identity::Unknown { asked_at, .. } if now - asked_at >= retry
        );
        if due {
            // Counted as asked before the answer: a fetch stops waiting for a slow one (below),
            // and it is not asked again on every fetch meanwhile.
            if let Identity::Unknown { asked_at, .. } = &mut *self.identity.write().unwrap_or_else(|e| e.into_inner()) {
                *asked_at = now;
            }
            let asked = identity(&self.sts, now).await;
            *self.identity.write().unwrap_or_else(|e| e.into_inner()) = asked;
        }
    }

    /// Whether `what` names this target's account (id or name) or an OU it sits in (id, name or
    /// path, at any depth): protected accounts and OUs.
    pub(super) fn is_in(&self, what: &str) -> bool {
        // The organization's root (`r-…`) holds every account of it.
        if super::org::is_root_id(what) && self.org_account.is_some() {
            return true;
        }
        let account = self.org_account.clone().unwrap_or_else(|| self.account());
        if what == account || self.account_name.as_deref().is_some_and(|n| super::org::answers_to(n, &account, what)) {
            return true;
        }
        self.ou.as_ref().is_some_and(|ou| {
            ou.ids.iter().any(|id| id == what) || ou.path == what || ou.path.split('/').any(|name| name == what)
        })
    }

    /// How rows from this target are told apart when several are shown.
    pub(super) fn label(&self) -> String {
        match (&self.account_name, &self.profile) {
            (Some(a), _) => format!("{a}@{}", self.region),
            (None, Some(p)) => format!("{p}@{}", self.region),
            (None, None) => self.region.clone(),
        }
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

/// How often an unknown identity is asked for again.
pub(super) const IDENTITY_RETRY_SECONDS: i64 = 30;

/// How an account not waited for at start is said (then the seconds waited).
pub(super) const SLOW: &str = "no answer at start within";

/// The SDK's configuration for one profile and region: the credential chain, endpoint (moto in
/// tests), retries and timeouts every client of the target shares.
pub(super) fn loader(
    profile: Option<&str>,
    region: Option<&str>,
    options: &AwsOptions,
    member: Option<&Member>,
) -> aws_config::ConfigLoader {
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
    if let Some(c) = member.and_then(|m| m.credentials.as_ref()) {
        loader = loader.credentials_provider(c.clone());
    }
    if let Some(http) = member.and_then(|m| m.http.as_ref()) {
        loader = loader.http_client(http.clone());
    }
    if let Some(r) = &options.retry {
        loader = loader.retry_config(r.clone());
    }
    // A hung connection fails its attempt (and is retried) instead of leaving a pane loading for
    // ever; slow answers (5 s and more, a degraded region) still get through.
    loader.timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build(),
    )
}

/// With `--org`: the member account a target is, and the role credentials that reach it (None:
/// the caller's own account, read with its own credentials).
#[derive(Clone)]
pub(super) struct Member {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) ou: Option<super::org::Ou>,
    pub(super) credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// One HTTP client (one connection pool) for every account: the endpoints are the same
    /// hosts, so connections and TLS sessions are reused instead of opened per account.
    pub(super) http: Option<aws_smithy_runtime_api::client::http::SharedHttpClient>,
}

/// Connect one target: credentials and STS checked before it is used. With `slow`, they are
/// not waited for (an organization's account that did not answer in time at start): the target
/// starts with its identity unknown for that reason, and its reads wait for its role themselves.
pub(super) async fn connect_target(
    profile: Option<&str>,
    region: Option<&str>,
    options: &AwsOptions,
    usage: &ApiUsage,
    member: Option<Member>,
    slow: Option<ProviderError>,
) -> Result<Target, ProviderError> {
    let conf = loader(profile, region, options, member.as_ref()).load().await;
    let read_only = options.read_only_for(profile);
    let Some(region) = conf.region().map(|r| r.to_string()) else {
        return Err(ProviderError::Other(
            "no AWS region: pass --region, set AWS_REGION, or give the profile a region".into(),
        ));
    };
    let Some(credentials) = conf.credentials_provider() else {
        return Err(ProviderError::NoCredentials("no credential provider configured".into()));
    };
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&conf).interceptor(usage.interceptor("sts", read_only)).build(),
    );
    let identity = match slow {
        Some(error) => Identity::Unknown { error, asked_at: chrono::Utc::now().timestamp() },
        None => {
            use aws_credential_types::provider::ProvideCredentials;
            credentials
                .provide_credentials()
                .await
                .map_err(|e| ProviderError::NoCredentials(DisplayErrorContext(&e).to_string()))?;
            identity(&sts, chrono::Utc::now().timestamp()).await
        }
    };
    if let Identity::Unknown { error, .. } = &identity
        && !degraded(error)
    {
        // Credentials a person must fix (expired, denied): said at once, not retried.
        return Err(error.clone());
    }
    let global = Region::new(GLOBAL_REGION);
    Ok(Target {
        profile: profile.map(str::to_string),
        ou: member.as_ref().and_then(|m| m.ou.clone()),
        org_account: member.as_ref().map(|m| m.id.clone()),
        via_role: member.as_ref().is_some_and(|m| m.credentials.is_some()),
        account_name: member.map(|m| m.name),
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
        optimizer: aws_sdk_computeoptimizer::Client::from_conf(
            aws_sdk_computeoptimizer::config::Builder::from(&conf)
                .interceptor(usage.interceptor("compute-optimizer", read_only))
                .build(),
        ),
        elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(
            aws_sdk_elasticloadbalancingv2::config::Builder::from(&conf)
                .interceptor(usage.interceptor("elasticloadbalancing", read_only))
                .build(),
        ),
        cloudtrail: aws_sdk_cloudtrail::Client::from_conf(
            aws_sdk_cloudtrail::config::Builder::from(&conf)
                .interceptor(usage.interceptor("cloudtrail", read_only))
                .build(),
        ),
        cloudtrail_signin: (region != GLOBAL_REGION).then(|| {
            aws_sdk_cloudtrail::Client::from_conf(
                aws_sdk_cloudtrail::config::Builder::from(&conf)
                    .region(Region::new(GLOBAL_REGION))
                    .interceptor(usage.interceptor("cloudtrail", read_only))
                    .build(),
            )
        }),
        logs: aws_sdk_cloudwatchlogs::Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(&conf)
                .interceptor(usage.interceptor("logs", read_only))
                .build(),
        ),
        ssm: aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(&conf).interceptor(usage.interceptor("ssm", read_only)).build(),
        ),
        autoscaling: aws_sdk_applicationautoscaling::Client::from_conf(
            aws_sdk_applicationautoscaling::config::Builder::from(&conf)
                .interceptor(usage.interceptor("application-autoscaling", read_only))
                .build(),
        ),
        region,
        metrics_via: None,
    })
}

/// The SDK's own default HTTPS client (rustls with aws-lc, proxies from the environment as the
/// current behaviour version reads them), built once so every account's clients share its
/// connection pool. `build_with_connector_fn` is how aws-smithy-runtime builds that default.
pub(super) fn shared_https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{ConnectorBuilder, proxy::ProxyConfig, tls};
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
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
        let (targets, unreachable, monitoring) = match &options.org {
            None => (
                try_join_all(pairs.iter().map(|(p, r)| connect_target(*p, *r, &options, &usage, None, None))).await?,
                Vec::new(),
                None,
            ),
            Some(org) => super::connect_org::connect_org(org, profiles[0], &regions, &options, &usage).await?,
        };
        let cost_cache = cost::CostCache {
            dir: options.cache_dir.clone(),
            ttl: options.cost_ttl.unwrap_or(Duration::from_secs(6 * 3_600)),
        };
        Ok(AwsProvider {
            generation: crate::provider::next_generation(),
            unreachable,
            monitoring,
            options,
            caches: targets.iter().map(|_| super::TargetCaches::default()).collect(),
            ecs_spread: targets::Spread::new(targets.len()),
            cache_spread: targets::Spread::new(targets.len()),
            alarm_spread: targets::Spread::new(targets.len()),
            targets,
            usage,
            cost_cache,
            cost_failure: cost::CostFailure::default(),
            node_types: Mutex::new(None),
            optimizer: Mutex::new(None),
            effective: Mutex::new(None),
            seen: Mutex::new(Seen::default()),
            rows: Mutex::new(scoped::Rows::default()),
            trail_cache: Mutex::new(super::TrailCache::default()),
        })
    }
}
