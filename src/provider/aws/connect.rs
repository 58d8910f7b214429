//! What the command line asks for (profiles × regions), and one client set per target with the
//! identity STS gives it. A target whose AWS is failing still connects and keeps asking.

use super::errors::{degraded, sdk_error};
use super::{ATTEMPT_TIMEOUT, ApiUsage, AwsProvider, GLOBAL_REGION, Seen, cost, ecs, history, lb, scoped, targets};
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
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    /// CloudTrail in this region, and in us-east-1 where AWS records most console sign-ins
    /// (None when this region is us-east-1).
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub cloudtrail_signin: Option<aws_sdk_cloudtrail::Client>,
    pub logs: aws_sdk_cloudwatchlogs::Client,
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

/// The SDK's configuration for one profile and region: the credential chain, endpoint (moto in
/// tests), retries and timeouts every client of the target shares.
fn loader(
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
struct Member {
    id: String,
    name: String,
    ou: Option<super::org::Ou>,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    /// One HTTP client (one connection pool) for every account: the endpoints are the same
    /// hosts, so connections and TLS sessions are reused instead of opened per account.
    http: Option<aws_smithy_runtime_api::client::http::SharedHttpClient>,
}

/// Connect one target: credentials and STS checked before it is used. With `slow`, they are
/// not waited for (an organization's account that did not answer in time at start): the target
/// starts with its identity unknown for that reason, and its reads wait for its role themselves.
async fn connect_target(
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
fn shared_https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
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

/// A member account's role that could not be assumed, said as what it is (the credential chain
/// reports it as "no credentials", whose hint is for the caller's own login).
fn role_error(e: ProviderError, role: &str) -> ProviderError {
    let operation = format!("sts:AssumeRole {role}");
    match e {
        ProviderError::NoCredentials(m) if m.contains("Throttl") || m.contains("Rate exceeded") => {
            ProviderError::Throttled { operation }
        }
        ProviderError::NoCredentials(m) if m.contains("AccessDenied") || m.contains("not authorized") => {
            ProviderError::AccessDenied { operation }
        }
        // Anything else (the network, a timeout, an expired caller session) is said as it is.
        ProviderError::NoCredentials(m) => ProviderError::Other(format!("{operation}: {m}")),
        other => other,
    }
}

/// Accounts reached at once while connecting: each is an AssumeRole, then STS and the first
/// reads; a hundred accounts one after another would take minutes, all at once would throttle.
const ORG_CONCURRENCY: usize = 8;

/// How an account not waited for at start is said (then the seconds waited).
const SLOW: &str = "no answer at start within";

/// What `--org` connects: the targets, the accounts not reached, and the monitoring account.
type Connected = (Vec<Target>, Vec<(super::org::Account, ProviderError)>, Option<super::monitoring::Monitoring>);

/// `--org`: the organization's accounts (each × region) as targets, the caller's own account
/// with its own credentials, the others through the role; and the accounts that could not be
/// reached (the role missing, denied, throttled), which leave the others.
async fn connect_org(
    org: &super::org::OrgOptions,
    profile: Option<&str>,
    regions: &[Option<&str>],
    options: &AwsOptions,
    usage: &ApiUsage,
) -> Result<Connected, ProviderError> {
    use futures::StreamExt;
    let base = loader(profile, regions[0], options, None).load().await;
    let organizations = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&base)
            .region(Region::new(GLOBAL_REGION))
            .interceptor(usage.interceptor("organizations", true))
            .build(),
    );
    let accounts = super::org::accounts(&organizations, org).await?;
    let http = Some(shared_https_client());
    let http = &http;
    let sts = aws_sdk_sts::Client::new(&base);
    let own = sts.get_caller_identity().send().await.ok().and_then(|c| c.account().map(str::to_string));
    let mut jobs = Vec::new();
    let mut sessions = std::collections::HashMap::new();
    for a in &accounts {
        let credentials = role_session(&a.id, own.as_deref(), &org.role, &base).await;
        sessions.insert(a.id.clone(), credentials.clone());
        for region in regions {
            jobs.push((a.clone(), region.map(str::to_string), credentials.clone()));
        }
    }
    // Unordered: a slow account holds its own slot only (in order, the seven behind it would
    // finish and wait, and nothing new would start); the order is restored after.
    let mut results: Vec<(usize, super::org::Account, Result<Target, ProviderError>)> =
        futures::stream::iter(jobs.into_iter().enumerate())
            .map(|(i, (a, region, credentials))| async move {
                let assumed = credentials.is_some();
                let member = Member {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    ou: a.ou.clone(),
                    credentials,
                    http: http.clone(),
                };
                let role = super::org::role_arn(&a.id, &org.role);
                // The role's AssumeRole on a task of its own: if start stops waiting for it, the
                // call goes on, and the session it opens serves the account's first reads (which
                // would otherwise ask again, from the start).
                let assuming = member.credentials.clone().map(|session| {
                    tokio::spawn(async move {
                        use aws_credential_types::provider::ProvideCredentials;
                        session.provide_credentials().await
                    })
                });
                let checking = async {
                    if let Some(handle) = assuming
                        && let Ok(Err(e)) = handle.await
                    {
                        return Err(ProviderError::NoCredentials(DisplayErrorContext(&e).to_string()));
                    }
                    // The session is open: this asks no second AssumeRole.
                    connect_target(profile, region.as_deref(), options, usage, Some(member.clone()), None).await
                };
                let target = match tokio::time::timeout(org.connect_wait, checking).await {
                    Ok(target) => target.map_err(|e| if assumed { role_error(e, &role) } else { e }),
                    // Slow to answer: not waited for. Its rows follow when its role answers.
                    Err(_) => {
                        let slow = ProviderError::Unreachable {
                            operation: format!("sts:AssumeRole {role}"),
                            detail: format!("{SLOW} {} s", org.connect_wait.as_secs()),
                        };
                        connect_target(profile, region.as_deref(), options, usage, Some(member), Some(slow)).await
                    }
                };
                (i, a, target)
            })
            .buffer_unordered(ORG_CONCURRENCY)
            .collect()
            .await;
    results.sort_by_key(|(i, ..)| *i);
    let (mut targets, mut unreachable): (Vec<Target>, Vec<(super::org::Account, ProviderError)>) =
        (Vec::new(), Vec::new());
    for (_, a, result) in results {
        match result {
            Ok(t) => targets.push(t),
            Err(e) => {
                tracing::warn!(account = %a.id, name = %a.name, "organization account not reached: {e}");
                if !unreachable.iter().any(|(u, _)| u.id == a.id) {
                    unreachable.push((a, e));
                }
            }
        }
    }
    // The caller's own account first: Cost Explorer is read there (the payer sees every account).
    targets.sort_by_key(|t: &Target| own.as_deref() != Some(t.account().as_str()));
    if targets.is_empty() {
        return Err(unreachable.into_iter().next().map_or_else(
            || ProviderError::NotFound("no active account in the organization (or the OU) asked for".into()),
            |(_, e)| e,
        ));
    }
    let monitoring = match &org.monitoring_account {
        None => None,
        Some(wanted) => {
            // By id or by name; an account --ou left out is still the organization's.
            let all = if org.ou.is_some() || !org.accounts.is_empty() {
                match super::org::accounts(&organizations, &super::org::OrgOptions::default()).await {
                    Ok(all) => all,
                    Err(e) => {
                        tracing::warn!("the whole organization not listed to find the monitoring account: {e}");
                        accounts.clone()
                    }
                }
            } else {
                accounts.clone()
            };
            let named: Vec<&super::org::Account> =
                all.iter().filter(|a| a.id == *wanted || super::org::answers_to(&a.name, &a.id, wanted)).collect();
            match named[..] {
                [_, _, ..] => {
                    let ids: Vec<&str> = named.iter().map(|a| a.id.as_str()).collect();
                    tracing::warn!(monitoring = %wanted, ?ids, "several accounts have the monitoring account's name");
                    Some(super::monitoring::Monitoring::unusable(
                        wanted,
                        format!(
                            "{} accounts are named {wanted} (give the monitoring account's id: {})",
                            ids.len(),
                            ids.join(", ")
                        ),
                    ))
                }
                [a] => {
                    let credentials = match sessions.get(&a.id) {
                        Some(c) => c.clone(),
                        None => role_session(&a.id, own.as_deref(), &org.role, &base).await,
                    };
                    let member =
                        Member { id: a.id.clone(), name: a.name.clone(), ou: None, credentials, http: http.clone() };
                    Some(connect_monitoring(&member, profile, regions, options, usage, &mut targets).await)
                }
                [] => {
                    tracing::warn!(monitoring = %wanted, "monitoring account not found in the organization");
                    Some(super::monitoring::Monitoring::unusable(
                        wanted,
                        format!("monitoring account {wanted} not found in the organization"),
                    ))
                }
            }
        }
    };
    Ok((targets, unreachable, monitoring))
}

/// The credentials that reach `account`: None for the caller's own (its own chain), else one
/// role session (AssumeRole once, shared by every region and renewed before it expires).
async fn role_session(
    account: &str,
    own: Option<&str>,
    role: &str,
    base: &aws_config::SdkConfig,
) -> Option<aws_credential_types::provider::SharedCredentialsProvider> {
    if own == Some(account) {
        return None;
    }
    let provider = aws_config::sts::AssumeRoleProvider::builder(super::org::role_arn(account, role))
        .session_name("infradeck")
        .configure(base)
        .build()
        .await;
    Some(aws_credential_types::provider::SharedCredentialsProvider::new(super::org::RoleSession::new(provider)))
}

/// `--monitoring-account`: in each region, the accounts linked to its sink, and the targets of
/// those accounts set to read their metrics through it. A region whose links cannot be read
/// (no sink there, OAM denied) leaves its accounts on their own CloudWatch, and says why.
async fn connect_monitoring(
    member: &Member,
    profile: Option<&str>,
    regions: &[Option<&str>],
    options: &AwsOptions,
    usage: &ApiUsage,
    targets: &mut [Target],
) -> super::monitoring::Monitoring {
    use super::monitoring::{MetricHub, Monitoring, linked_accounts};
    let mut monitoring = Monitoring::new(member.id.clone(), member.name.clone());
    for region in regions {
        let conf = loader(profile, *region, options, Some(member)).load().await;
        let region = conf.region().map_or_else(|| "unknown".to_string(), |r| r.to_string());
        let oam = aws_sdk_oam::Client::from_conf(
            aws_sdk_oam::config::Builder::from(&conf).interceptor(usage.interceptor("oam", true)).build(),
        );
        match linked_accounts(&oam).await {
            Ok(linked) => {
                let cloudwatch = aws_sdk_cloudwatch::Client::from_conf(
                    aws_sdk_cloudwatch::config::Builder::from(&conf)
                        .interceptor(usage.interceptor("cloudwatch", true))
                        .build(),
                );
                let hub = std::sync::Arc::new(MetricHub::new(member.id.clone(), region.clone(), cloudwatch, linked));
                for t in targets.iter_mut().filter(|t| t.region == region) {
                    let account = t.org_account.clone().unwrap_or_else(|| t.account());
                    if hub.carries(&account) {
                        t.metrics_via = Some(hub.clone());
                    }
                }
                monitoring.hubs.push(hub);
            }
            Err(e) => {
                tracing::warn!(monitoring = %member.id, %region, "monitoring account's links not read: {e}");
                monitoring.failures.push((region, e));
            }
        }
    }
    monitoring
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
            Some(org) => connect_org(org, profiles[0], &regions, &options, &usage).await?,
        };
        let cost_cache = cost::CostCache {
            dir: options.cache_dir.clone(),
            ttl: options.cost_ttl.unwrap_or(Duration::from_secs(6 * 3_600)),
        };
        Ok(AwsProvider {
            unreachable,
            monitoring,
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
            trail_cache: Mutex::new(super::TrailCache::default()),
        })
    }
}
