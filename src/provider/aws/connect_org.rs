//! `--org`: every account of the organization (or of an OU) as targets, reached through one role
//! session per account, eight at a time; those that cannot be reached are named and leave the
//! others; one slow to answer is not waited for; metrics through a monitoring account.

use super::connect::{AwsOptions, Member, SLOW, Target, connect_target, loader, shared_https_client};
use super::{ApiUsage, GLOBAL_REGION};
use crate::provider::ProviderError;
use aws_config::Region;
use aws_smithy_types::error::display::DisplayErrorContext;

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

/// What `--org` connects: the targets, the accounts not reached, and the monitoring account.
type Connected = (Vec<Target>, Vec<(super::org::Account, ProviderError)>, Option<super::monitoring::Monitoring>);

/// `--org`: the organization's accounts (each × region) as targets, the caller's own account
/// with its own credentials, the others through the role; and the accounts that could not be
/// reached (the role missing, denied, throttled), which leave the others.
pub(super) async fn connect_org(
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
