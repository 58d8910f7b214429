//! Which load balancer serves an ECS service: the service's `loadBalancers` name target groups;
//! elbv2 DescribeTargetGroups says which load balancers forward to them. What CloudWatch needs
//! is each one's dimension (`targetgroup/NAME/ID`, `app/NAME/ID`), cut from the ARNs.
//! Target groups rarely move between load balancers: the answer is kept for ten minutes.

use super::sdk_error;
use crate::provider::ProviderError;
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
    /// This target group is the only one (that we know of) behind its load balancer, so the load
    /// balancer's own 5xx are this service's.
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

/// Target group ARN → its load balancers' ARNs, as DescribeTargetGroups answered.
pub fn infos(found: &[(String, Vec<String>)]) -> HashMap<String, TargetGroupInfo> {
    let mut per_lb: HashMap<String, usize> = HashMap::new();
    let resolved: Vec<(String, String, Option<String>)> = found
        .iter()
        .filter_map(|(tg, lbs)| {
            let dim = target_group_dimension(tg)?;
            let lb = lbs.iter().find_map(|a| load_balancer_dimension(a));
            if let Some(lb) = &lb {
                *per_lb.entry(lb.clone()).or_default() += 1;
            }
            Some((tg.clone(), dim, lb))
        })
        .collect();
    resolved
        .into_iter()
        .map(|(arn, target_group, load_balancer)| {
            let sole_on_lb = load_balancer.as_ref().is_some_and(|lb| per_lb.get(lb) == Some(&1));
            (arn, TargetGroupInfo { target_group, load_balancer, sole_on_lb })
        })
        .collect()
}

/// The target groups already looked up: ARN → (when, load balancer ARNs).
#[derive(Debug, Default)]
pub struct LbCache {
    seen: Mutex<HashMap<String, (i64, Vec<String>)>>,
}

impl LbCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, Vec<String>)>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
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
    let stale: Vec<String> = {
        let seen = cache.lock();
        let mut v: Vec<String> =
            arns.iter().filter(|a| seen.get(*a).is_none_or(|(at, _)| now - at > KEEP_SECONDS)).cloned().collect();
        v.sort();
        v.dedup();
        v
    };
    let mut failed = None;
    for chunk in stale.chunks(PER_CALL) {
        let answer = elbv2.describe_target_groups().set_target_group_arns(Some(chunk.to_vec())).send().await;
        let mut seen = cache.lock();
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                // Not asked again for ten minutes (an AccessDenied stays one; each ECS refresh
                // retrying it would only add requests): these show no load-balancer health.
                for arn in chunk {
                    seen.insert(arn.clone(), (now, Vec::new()));
                }
                failed.get_or_insert(sdk_error("elasticloadbalancing:DescribeTargetGroups", e));
                continue;
            }
        };
        for tg in answer.target_groups() {
            if let Some(arn) = tg.target_group_arn() {
                seen.insert(arn.to_string(), (now, tg.load_balancer_arns().to_vec()));
            }
        }
        // One deleted meanwhile is simply not answered: remember that too.
        for arn in chunk {
            seen.entry(arn.clone()).or_insert((now, Vec::new()));
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let seen = cache.lock();
    let found: Vec<(String, Vec<String>)> = seen.iter().map(|(arn, (_, lbs))| (arn.clone(), lbs.clone())).collect();
    let all = infos(&found);
    Ok(arns.iter().filter_map(|a| all.get(a).map(|i| (a.clone(), i.clone()))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancingv2::Client;
    use aws_sdk_elasticloadbalancingv2::operation::describe_target_groups::{
        DescribeTargetGroupsError, DescribeTargetGroupsOutput,
    };
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock};

    fn client(rule: &Rule) -> Client {
        let conf = aws_sdk_elasticloadbalancingv2::Config::builder()
            .behavior_version(aws_sdk_elasticloadbalancingv2::config::BehaviorVersion::latest())
            .region(aws_sdk_elasticloadbalancingv2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_elasticloadbalancingv2::config::Credentials::new("a", "b", None, None, "t"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny).with_rule(rule))
            .build();
        Client::from_conf(conf)
    }

    #[tokio::test]
    async fn answers_are_kept_and_a_denied_lookup_is_not_retried_on_every_refresh() {
        let found = mock!(Client::describe_target_groups).then_output(|| {
            DescribeTargetGroupsOutput::builder()
                .target_groups(
                    aws_sdk_elasticloadbalancingv2::types::TargetGroup::builder()
                        .target_group_arn(TG)
                        .load_balancer_arns(ALB)
                        .build(),
                )
                .build()
        });
        let (elbv2, cache) = (client(&found), LbCache::default());
        let got = resolve(&elbv2, &cache, &[TG.to_string()], 1_000).await.unwrap();
        assert_eq!(got[TG].lb_name(), "prod-alb");
        resolve(&elbv2, &cache, &[TG.to_string()], 1_300).await.unwrap();
        assert_eq!(found.num_calls(), 1, "kept for ten minutes");
        resolve(&elbv2, &cache, &[TG.to_string()], 1_700).await.unwrap();
        assert_eq!(found.num_calls(), 2, "then asked again");

        let denied = mock!(Client::describe_target_groups).then_error(|| {
            DescribeTargetGroupsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder().code("AccessDenied").message("no").build(),
            )
        });
        let (elbv2, cache) = (client(&denied), LbCache::default());
        let e = resolve(&elbv2, &cache, &[TG.to_string()], 1_000).await.unwrap_err();
        assert!(e.to_string().contains("elasticloadbalancing:DescribeTargetGroups"), "{e}");
        let later = resolve(&elbv2, &cache, &[TG.to_string()], 1_060).await.unwrap();
        assert_eq!(later[TG].load_balancer, None, "no load balancer known: health not read");
        assert_eq!(denied.num_calls(), 1, "not asked again on the next refresh");
    }

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
        let one = infos(&[(TG.into(), vec![NLB.into(), ALB.into()])]);
        let i = &one[TG];
        assert_eq!((i.name(), i.lb_name(), i.sole_on_lb), ("orders-tg", "prod-alb", true));
        let two = infos(&[(TG.into(), vec![ALB.into()]), (TG2.into(), vec![ALB.into()])]);
        assert!(!two[TG].sole_on_lb && !two[TG2].sole_on_lb);
        let none = infos(&[(TG.into(), vec![])]);
        assert_eq!(none[TG].load_balancer, None);
    }
}
