//! Which load balancer serves an ECS service: the service's `loadBalancers` name target groups;
//! elbv2 DescribeTargetGroups says which load balancers forward to them. What CloudWatch needs
//! is each one's dimension (`targetgroup/NAME/ID`, `app/NAME/ID`), cut from the ARNs.
//! A load balancer's own 5xx belong to a service only when its target group is the only one
//! behind that load balancer, ECS or not: each ALB is asked once for all its target groups.
//! Target groups rarely move between load balancers: the answers are kept for ten minutes.

use super::{CONCURRENCY, sdk_error};
use crate::provider::ProviderError;
use futures::{StreamExt, stream};
use std::collections::HashMap;
use std::sync::Mutex;

/// DescribeTargetGroups is asked about this many target groups at a time.
const PER_CALL: usize = 20;
const KEEP_SECONDS: i64 = 600;

/// A target group as CloudWatch's AWS/ApplicationELB metrics name it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetGroupInfo {
    /// `targetgroup/orders-tg/73e2d6bc24d8a067`
    pub target_group: String,
    /// `app/prod-alb/50dc6c495c0c9188`; None when no Application Load Balancer forwards to it.
    pub load_balancer: Option<String>,
    /// This target group is the only one behind its load balancer (DescribeTargetGroups by load
    /// balancer said so), so the load balancer's own 5xx are this service's.
    pub sole_on_lb: bool,
}

impl TargetGroupInfo {
    /// "orders-tg"
    pub fn name(&self) -> &str {
        self.target_group.split('/').nth(1).unwrap_or(&self.target_group)
    }

    /// "prod-alb"
    pub fn lb_name(&self) -> &str {
        self.load_balancer.as_deref().and_then(|d| d.split('/').nth(1)).unwrap_or("")
    }
}

/// `arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID` → `targetgroup/NAME/ID`.
pub fn target_group_dimension(arn: &str) -> Option<String> {
    let resource = arn.rsplit(':').next()?;
    (resource.starts_with("targetgroup/") && resource.split('/').count() == 3).then(|| resource.to_string())
}

/// `…:loadbalancer/app/NAME/ID` → `app/NAME/ID`; None for network and gateway load balancers,
/// which publish no response times.
pub fn load_balancer_dimension(arn: &str) -> Option<String> {
    let dim = arn.rsplit(':').next()?.strip_prefix("loadbalancer/")?;
    (dim.starts_with("app/") && dim.split('/').count() == 3).then(|| dim.to_string())
}

/// The Application Load Balancer (its ARN) among a target group's load balancers.
fn application_lb(lbs: &[String]) -> Option<&String> {
    lbs.iter().find(|a| load_balancer_dimension(a).is_some())
}

/// Target group ARN → its load balancers' ARNs, as DescribeTargetGroups answered; `groups_behind`:
/// how many target groups a load balancer (ARN) has (None: not known, so nothing attributed).
pub fn infos(
    found: &[(String, Vec<String>)],
    groups_behind: impl Fn(&String) -> Option<usize>,
) -> HashMap<String, TargetGroupInfo> {
    found
        .iter()
        .filter_map(|(tg, lbs)| {
            let target_group = target_group_dimension(tg)?;
            let alb = application_lb(lbs);
            let sole_on_lb = alb.is_some_and(|a| groups_behind(a) == Some(1));
            let load_balancer = alb.and_then(|a| load_balancer_dimension(a));
            Some((tg.clone(), TargetGroupInfo { target_group, load_balancer, sole_on_lb }))
        })
        .collect()
}

/// What was looked up, each with when: target group ARN → its load balancer ARNs, and load
/// balancer ARN → how many target groups it has (None: the lookup failed).
#[derive(Debug, Default)]
pub struct LbCache {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    groups: HashMap<String, (i64, Vec<String>)>,
    behind: HashMap<String, (i64, Option<usize>)>,
    /// Deleted target groups already written to the log: asked again every ten minutes, said
    /// once (it was said at each ask: 1,008 lines a week for one deleted group).
    logged_missing: std::collections::HashSet<String>,
}

impl LbCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn stale<'a, V: 'a>(keys: impl Iterator<Item = &'a String>, seen: &HashMap<String, (i64, V)>, now: i64) -> Vec<String> {
    let mut v: Vec<String> =
        keys.filter(|k| seen.get(*k).is_none_or(|(at, _)| now - at > KEEP_SECONDS)).cloned().collect();
    v.sort();
    v.dedup();
    v
}

/// How many target groups forward from `alb` (all pages of DescribeTargetGroups by load balancer).
async fn groups_behind(elbv2: &aws_sdk_elasticloadbalancingv2::Client, alb: &str) -> Result<usize, ProviderError> {
    let (mut count, mut marker) = (0, None);
    loop {
        let page = elbv2
            .describe_target_groups()
            .load_balancer_arn(alb)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| sdk_error("elasticloadbalancing:DescribeTargetGroups", e))?;
        count += page.target_groups().len();
        marker = page.next_marker().filter(|m| !m.is_empty()).map(str::to_string);
        if marker.is_none() {
            return Ok(count);
        }
    }
}

/// The load balancers behind `arns` (target group ARNs), from the cache or DescribeTargetGroups.
/// A failed lookup is remembered like an answer (none found) for ten minutes, and reported once.
pub async fn resolve(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    cache: &LbCache,
    arns: &[String],
    now: i64,
) -> Result<HashMap<String, TargetGroupInfo>, ProviderError> {
    let stale_groups = stale(arns.iter(), &cache.lock().groups, now);
    let mut failed = None;
    // DescribeTargetGroups fails the whole call when one of the ARNs no longer exists
    // (TargetGroupNotFound): such a chunk is split in two and each half asked again, so one
    // deleted target group costs a few calls, not every service's latency.
    let mut work: Vec<Vec<String>> = stale_groups.chunks(PER_CALL).map(<[String]>::to_vec).collect();
    while let Some(chunk) = work.pop() {
        let answer = elbv2.describe_target_groups().set_target_group_arns(Some(chunk.clone())).send().await;
        let answer = match answer {
            Ok(a) => a,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_target_group_not_found_exception()) => {
                if chunk.len() > 1 {
                    let (a, b) = chunk.split_at(chunk.len() / 2);
                    work.push(a.to_vec());
                    work.push(b.to_vec());
                } else {
                    let mut seen = cache.lock();
                    if seen.logged_missing.insert(chunk[0].clone()) {
                        tracing::info!(
                            "target group {} no longer exists: its service shows no load-balancer health",
                            chunk[0]
                        );
                    }
                    seen.groups.insert(chunk[0].clone(), (now, Vec::new()));
                }
                continue;
            }
            Err(e) => {
                // Not asked again for ten minutes (an AccessDenied stays one; each ECS refresh
                // retrying it would only add requests): these show no load-balancer health.
                let seen = &mut cache.lock().groups;
                for arn in &chunk {
                    seen.insert(arn.clone(), (now, Vec::new()));
                }
                failed.get_or_insert(sdk_error("elasticloadbalancing:DescribeTargetGroups", e));
                continue;
            }
        };
        let seen = &mut cache.lock().groups;
        for tg in answer.target_groups() {
            if let Some(arn) = tg.target_group_arn() {
                seen.insert(arn.to_string(), (now, tg.load_balancer_arns().to_vec()));
            }
        }
        // One the answer leaves out: remember that too.
        for arn in &chunk {
            seen.entry(arn.clone()).or_insert((now, Vec::new()));
        }
    }
    let found: Vec<(String, Vec<String>)> = {
        let seen = cache.lock();
        arns.iter().filter_map(|a| seen.groups.get(a).map(|(_, lbs)| (a.clone(), lbs.clone()))).collect()
    };
    let albs: Vec<String> = found.iter().filter_map(|(_, lbs)| application_lb(lbs).cloned()).collect();
    let stale_albs = stale(albs.iter(), &cache.lock().behind, now);
    let counted: Vec<(String, Result<usize, ProviderError>)> = stream::iter(stale_albs)
        .map(|alb| async move {
            let count = groups_behind(elbv2, &alb).await;
            (alb, count)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (alb, count) in counted {
        // Not knowing costs only the attribution of the load balancer's own 5xx: said, not fatal.
        if let Err(e) = &count {
            tracing::warn!("target groups behind {alb} not read: {e} ({}); its own 5xx not attributed", e.hint());
        }
        cache.lock().behind.insert(alb, (now, count.ok()));
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let seen = cache.lock();
    Ok(infos(&found, |alb| seen.behind.get(alb).and_then(|(_, n)| *n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancingv2::Client;
    use aws_sdk_elasticloadbalancingv2::operation::describe_target_groups::{
        DescribeTargetGroupsError, DescribeTargetGroupsOutput,
    };
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock};

    fn client(rules: &[&Rule]) -> Client {
        let interceptor =
            rules.iter().fold(MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny), |i, r| i.with_rule(r));
        let conf = aws_sdk_elasticloadbalancingv2::Config::builder()
            .behavior_version(aws_sdk_elasticloadbalancingv2::config::BehaviorVersion::latest())
            .region(aws_sdk_elasticloadbalancingv2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_elasticloadbalancingv2::config::Credentials::new("a", "b", None, None, "t"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build();
        Client::from_conf(conf)
    }

    fn group(arn: &str) -> aws_sdk_elasticloadbalancingv2::types::TargetGroup {
        aws_sdk_elasticloadbalancingv2::types::TargetGroup::builder()
            .target_group_arn(arn)
            .load_balancer_arns(ALB)
            .build()
    }

    /// DescribeTargetGroups by target group ARN: TG behind the ALB.
    fn by_group() -> Rule {
        mock!(Client::describe_target_groups)
            .match_requests(|i| !i.target_group_arns().is_empty())
            .then_output(|| DescribeTargetGroupsOutput::builder().target_groups(group(TG)).build())
    }

    /// DescribeTargetGroups by load balancer: `behind` on the ALB, one a page.
    fn by_lb(behind: &'static [&'static str]) -> Rule {
        mock!(Client::describe_target_groups)
            .match_requests(|i| i.load_balancer_arn() == Some(ALB))
            .then_compute_output(move |i| {
                let page: usize = i.marker().map_or(0, |m| m.parse().unwrap());
                let out = DescribeTargetGroupsOutput::builder().target_groups(group(behind[page]));
                let out = if page + 1 < behind.len() { out.next_marker((page + 1).to_string()) } else { out };
                out.build()
            })
    }

    #[tokio::test]
    async fn answers_are_kept_and_a_denied_lookup_is_not_retried_on_every_refresh() {
        let (groups, lbs) = (by_group(), by_lb(&[TG]));
        let (elbv2, cache) = (client(&[&groups, &lbs]), LbCache::default());
        let got = resolve(&elbv2, &cache, &[TG.to_string()], 1_000).await.unwrap();
        assert_eq!((got[TG].lb_name(), got[TG].sole_on_lb), ("prod-alb", true));
        resolve(&elbv2, &cache, &[TG.to_string()], 1_300).await.unwrap();
        assert_eq!((groups.num_calls(), lbs.num_calls()), (1, 1), "kept for ten minutes");
        resolve(&elbv2, &cache, &[TG.to_string()], 1_700).await.unwrap();
        assert_eq!((groups.num_calls(), lbs.num_calls()), (2, 2), "then asked again");

        let denied = mock!(Client::describe_target_groups).then_error(|| {
            DescribeTargetGroupsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder().code("AccessDenied").message("no").build(),
            )
        });
        let (elbv2, cache) = (client(&[&denied]), LbCache::default());
        let e = resolve(&elbv2, &cache, &[TG.to_string()], 1_000).await.unwrap_err();
        assert!(e.to_string().contains("elasticloadbalancing:DescribeTargetGroups"), "{e}");
        let later = resolve(&elbv2, &cache, &[TG.to_string()], 1_060).await.unwrap();
        assert_eq!(later[TG].load_balancer, None, "no load balancer known: health not read");
        assert_eq!(denied.num_calls(), 1, "not asked again on the next refresh");
    }

    #[tokio::test]
    async fn a_deleted_target_group_costs_only_its_own_service_its_health() {
        // As AWS documents and does: one ARN that no longer exists fails the whole call.
        let gone = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gone/dead";
        let missing = mock!(Client::describe_target_groups)
            .match_requests(move |i| i.target_group_arns().iter().any(|a| a == gone))
            .then_error(|| {
                DescribeTargetGroupsError::TargetGroupNotFoundException(
                    aws_sdk_elasticloadbalancingv2::types::error::TargetGroupNotFoundException::builder()
                        .message("One or more target groups not found")
                        .build(),
                )
            });
        let found = mock!(Client::describe_target_groups)
            .match_requests(|i| !i.target_group_arns().is_empty())
            .then_compute_output(|i| {
                let groups = i.target_group_arns().iter().map(|a| group(a)).collect();
                DescribeTargetGroupsOutput::builder().set_target_groups(Some(groups)).build()
            });
        let lbs = by_lb(&[TG]);
        let elbv2 = client(&[&missing, &found, &lbs]);
        let arns: Vec<String> = (0..19).map(|i| format!("{TG}{i}")).chain([gone.to_string()]).collect();
        let cache = LbCache::default();
        let got = resolve(&elbv2, &cache, &arns, 1_000).await.expect("the rest still resolve");
        assert_eq!(got.len(), 20);
        assert!(arns[..19].iter().all(|a| got[a].load_balancer.is_some()), "{got:?}");
        assert_eq!(got[gone].load_balancer, None, "the deleted one shows no health");
        let calls = missing.num_calls() + found.num_calls();
        assert!(calls <= 2 * 5 + 1, "split in halves: {calls} calls for 20 groups");
        resolve(&elbv2, &cache, &arns, 1_100).await.unwrap();
        assert_eq!(missing.num_calls() + found.num_calls(), calls, "kept like any answer");
    }

    #[tokio::test]
    async fn a_load_balancer_that_also_serves_a_group_no_service_uses_keeps_its_own_5xx() {
        let (groups, lbs) = (by_group(), by_lb(&[TG, TG_OTHER]));
        let elbv2 = client(&[&groups, &lbs]);
        let got = resolve(&elbv2, &LbCache::default(), &[TG.to_string()], 1_000).await.unwrap();
        assert!(got[TG].load_balancer.is_some() && !got[TG].sole_on_lb, "{got:?}");
        assert_eq!(lbs.num_calls(), 2, "both pages read");
    }

    const TG_OTHER: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/legacy-ec2/9e9e";
    const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-tg/73e2d6bc24d8a067";
    const TG2: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/cart-tg/0f00";
    const ALB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/prod-alb/50dc6c495c0c9188";
    const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/tcp-nlb/1a2b";

    #[test]
    fn dimensions_are_cut_from_the_arns() {
        assert_eq!(target_group_dimension(TG).as_deref(), Some("targetgroup/orders-tg/73e2d6bc24d8a067"));
        assert_eq!(load_balancer_dimension(ALB).as_deref(), Some("app/prod-alb/50dc6c495c0c9188"));
        assert_eq!(load_balancer_dimension(NLB), None, "NLBs publish no response times");
        assert_eq!(target_group_dimension("nonsense"), None);
        assert_eq!(load_balancer_dimension(""), None);
    }

    #[test]
    fn the_load_balancers_own_5xx_belong_to_a_service_only_when_it_is_alone_behind_it() {
        let behind = |n: usize| move |lb: &String| (lb == ALB).then_some(n);
        let one = infos(&[(TG.into(), vec![NLB.into(), ALB.into()])], behind(1));
        let i = &one[TG];
        assert_eq!((i.name(), i.lb_name(), i.sole_on_lb), ("orders-tg", "prod-alb", true));
        let two = infos(&[(TG.into(), vec![ALB.into()]), (TG2.into(), vec![ALB.into()])], behind(2));
        assert!(!two[TG].sole_on_lb && !two[TG2].sole_on_lb);
        // Alone among the ECS services, but the ALB also forwards to a group no service uses.
        let shared = infos(&[(TG.into(), vec![ALB.into()])], behind(2));
        assert!(!shared[TG].sole_on_lb && shared[TG].load_balancer.is_some());
        let unknown = infos(&[(TG.into(), vec![ALB.into()])], |_| None);
        assert!(!unknown[TG].sole_on_lb, "not known: not attributed");
        let none = infos(&[(TG.into(), vec![])], behind(1));
        assert_eq!(none[TG].load_balancer, None);
    }
}
