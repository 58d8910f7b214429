//! Changing an ElastiCache replication group's node type: ListAllowedNodeTypeModifications must
//! allow the target, then ModifyReplicationGroup — at the next maintenance window unless the
//! user chose "apply now". Functions take the client, so tests can hand them the SDK's mock layer.

use super::sdk_error;
use crate::apply::{ApplyOutcome, CacheResizeRequest, ResizePlan};
use crate::domain::ResourceRef;
use crate::provider::ProviderError;
use aws_sdk_elasticache::Client;

/// The group's current node type and ARN.
async fn describe(ec: &Client, group: &str) -> Result<(String, Option<String>), ProviderError> {
    let out = ec
        .describe_replication_groups()
        .replication_group_id(group)
        .send()
        .await
        .map_err(|e| sdk_error("elasticache:DescribeReplicationGroups", e))?;
    let g = out.replication_groups().first().ok_or_else(|| ProviderError::NotFound(format!("elasticache:{group}")))?;
    Ok((g.cache_node_type().unwrap_or_default().to_string(), g.arn().map(str::to_string)))
}

/// Who manages the group, from its tags. Unreadable tags (no elasticache:ListTagsForResource)
/// do not stop the plan: the plan says the owner is unknown instead.
async fn owner(ec: &Client, arn: Option<&str>) -> Option<crate::domain::Ownership> {
    let arn = arn?;
    match ec.list_tags_for_resource().resource_name(arn).send().await {
        Ok(out) => {
            crate::domain::Ownership::from_tags(out.tag_list().iter().filter_map(|t| Some((t.key()?, t.value()?))))
        }
        Err(e) => Some(crate::domain::Ownership {
            tool: crate::domain::IacTool::Other,
            stack: None,
            logical_id: None,
            label: format!("unknown (tags unreadable: {})", sdk_error("elasticache:ListTagsForResource", e)),
        }),
    }
}

async fn current_node_type(ec: &Client, group: &str) -> Result<String, ProviderError> {
    Ok(describe(ec, group).await?.0)
}

async fn allowed(ec: &Client, group: &str) -> Result<Vec<String>, ProviderError> {
    let out = ec
        .list_allowed_node_type_modifications()
        .replication_group_id(group)
        .send()
        .await
        .map_err(|e| sdk_error("elasticache:ListAllowedNodeTypeModifications", e))?;
    Ok(out.scale_up_modifications().iter().chain(out.scale_down_modifications()).cloned().collect())
}

/// A plan for `req`, checked against the group as it is and what AWS allows it to become.
/// `group` is the id AWS knows (without the `profile@region:` shown with several targets).
pub async fn plan(
    ec: &Client,
    group: &str,
    target: String,
    req: &CacheResizeRequest,
    flags: super::write::Flags,
) -> Result<ResizePlan, ProviderError> {
    let (now, arn) = describe(ec, group).await?;
    if now != req.node_type_before {
        return Err(ProviderError::Conflict(format!(
            "{} is now {now}, the suggestion was made for {}",
            req.group, req.node_type_before
        )));
    }
    let allowed = allowed(ec, group).await?;
    if !allowed.contains(&req.node_type_after) {
        return Err(ProviderError::Other(format!(
            "ElastiCache does not allow {} → {} for {} (allowed: {})",
            now,
            req.node_type_after,
            req.group,
            if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") }
        )));
    }
    let owner = owner(ec, arn.as_deref()).await;
    Ok(ResizePlan {
        // The group as ElastiCache named it; the provider adds whose it is.
        identity: Some(crate::domain::ResourceKey::Group(crate::domain::GroupKey {
            group: req.group.clone(),
            aws_arn: arn.clone(),
            ..Default::default()
        })),
        resource: ResourceRef::CacheGroup(req.group.clone()),
        target,
        base_task_definition: now.clone(),
        before: (0, 0),
        after: (0, 0),
        containers: Vec::new(),
        monthly_change: req.monthly_change,
        risk: req.risk,
        evidence: req.evidence.clone(),
        owner,
        requests: vec![
            format!("elasticache:DescribeReplicationGroups {} (check it is still {now})", req.group),
            format!(
                "elasticache:ModifyReplicationGroup {} CacheNodeType={} ApplyImmediately=<your choice>",
                req.group, req.node_type_after
            ),
        ],
        read_only: flags.read_only,
        dry_run: flags.dry_run,
        protected: flags.protected,
        rollback_to: None,
        node_type: Some((now, req.node_type_after.clone())),
        apply_now: false,
        health: None,
        fargate: false,
        task_level: crate::domain::TaskLevel::default(),
        floors: None,
        blocked: None,
        reregister: false,
    })
}

pub async fn apply(ec: &Client, group: &str, plan: &ResizePlan) -> Result<ApplyOutcome, ProviderError> {
    let (ResourceRef::CacheGroup(_), Some((before, after))) = (&plan.resource, &plan.node_type) else {
        return Err(ProviderError::Other("not an ElastiCache plan".into()));
    };
    let now = current_node_type(ec, group).await?;
    if &now != before {
        return Err(ProviderError::Conflict(format!("{group} is now {now}, the plan was made for {before}")));
    }
    ec.modify_replication_group()
        .replication_group_id(group)
        .cache_node_type(after)
        .apply_immediately(plan.apply_now)
        .send()
        .await
        .map_err(|e| sdk_error("elasticache:ModifyReplicationGroup", e))?;
    let when =
        if plan.apply_now { "ApplyImmediately=true" } else { "ApplyImmediately=false (next maintenance window)" };
    Ok(ApplyOutcome {
        task_definition: after.clone(),
        requests: vec![
            format!("elasticache:DescribeReplicationGroups {group}"),
            format!("elasticache:ModifyReplicationGroup {group} CacheNodeType={after} {when}"),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticache::operation::describe_replication_groups::DescribeReplicationGroupsOutput;
    use aws_sdk_elasticache::operation::list_allowed_node_type_modifications::ListAllowedNodeTypeModificationsOutput;
    use aws_sdk_elasticache::operation::modify_replication_group::ModifyReplicationGroupOutput;
    use aws_sdk_elasticache::types::ReplicationGroup;
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock};

    fn client(rules: &[&Rule]) -> Client {
        let mut mocks = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        for r in rules {
            mocks = mocks.with_rule(r);
        }
        let conf = aws_sdk_elasticache::Config::builder()
            .behavior_version(aws_sdk_elasticache::config::BehaviorVersion::latest())
            .region(aws_sdk_elasticache::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_elasticache::config::Credentials::new("a", "b", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(mocks)
            .build();
        Client::from_conf(conf)
    }

    fn request(after: &str) -> CacheResizeRequest {
        CacheResizeRequest {
            identity: crate::domain::GroupKey { group: "sessions".into(), ..Default::default() },
            group: "sessions".into(),
            node_type_before: "cache.r7g.large".into(),
            node_type_after: after.into(),
            monthly_change: Some(-100.0),
            risk: crate::sizing::recommend::Risk::Low,
            evidence: vec![],
            rollback: false,
        }
    }

    fn flags() -> super::super::write::Flags {
        super::super::write::Flags { read_only: false, dry_run: false, protected: false }
    }

    fn describe() -> Rule {
        mock!(Client::describe_replication_groups).then_output(|| {
            DescribeReplicationGroupsOutput::builder()
                .replication_groups(
                    ReplicationGroup::builder()
                        .replication_group_id("sessions")
                        .arn("arn:aws:elasticache:us-east-1:123456789012:replicationgroup:sessions")
                        .cache_node_type("cache.r7g.large")
                        .build(),
                )
                .build()
        })
    }

    fn tags() -> Rule {
        mock!(Client::list_tags_for_resource).then_output(|| {
            aws_sdk_elasticache::operation::list_tags_for_resource::ListTagsForResourceOutput::builder()
                .tag_list(aws_sdk_elasticache::types::Tag::builder().key("ManagedBy").value("Terraform").build())
                .build()
        })
    }

    fn allowed() -> Rule {
        mock!(Client::list_allowed_node_type_modifications).then_output(|| {
            ListAllowedNodeTypeModificationsOutput::builder()
                .scale_up_modifications("cache.r7g.xlarge")
                .scale_down_modifications("cache.r7g.medium")
                .build()
        })
    }

    #[tokio::test]
    async fn an_allowed_node_type_is_planned_and_applied_in_the_maintenance_window_by_default() {
        let modify = mock!(Client::modify_replication_group)
            .match_requests(|r| {
                r.replication_group_id() == Some("sessions")
                    && r.cache_node_type() == Some("cache.r7g.medium")
                    && r.apply_immediately() == Some(false)
            })
            .then_output(|| ModifyReplicationGroupOutput::builder().build());
        let (d, a, t) = (describe(), allowed(), tags());
        let ec = client(&[&d, &a, &t, &modify]);
        let plan = plan(&ec, "sessions", "t".into(), &request("cache.r7g.medium"), flags()).await.expect("plan");
        assert_eq!(plan.summary(), "cache.r7g.large → cache.r7g.medium");
        assert!(!plan.apply_now, "default: the next maintenance window");
        assert_eq!(plan.owner.as_ref().map(|o| o.label.as_str()), Some("Terraform"), "ownership from the group's tags");
        let out = apply(&ec, "sessions", &plan).await.expect("apply");
        assert!(out.requests[1].contains("next maintenance window"), "{:?}", out.requests);
        assert_eq!(modify.num_calls(), 1, "exactly one ModifyReplicationGroup, with the window");
    }

    #[tokio::test]
    async fn a_node_type_aws_does_not_allow_is_refused_before_anything_is_sent() {
        let modify =
            mock!(Client::modify_replication_group).then_output(|| ModifyReplicationGroupOutput::builder().build());
        let (d, a) = (describe(), allowed());
        let ec = client(&[&d, &a, &modify]);
        let e = plan(&ec, "sessions", "t".into(), &request("cache.t4g.micro"), flags()).await.unwrap_err();
        assert!(e.to_string().contains("does not allow cache.r7g.large → cache.t4g.micro"), "{e}");
        assert!(e.to_string().contains("cache.r7g.xlarge, cache.r7g.medium"), "{e}");
        assert_eq!(modify.num_calls(), 0);
    }

    #[tokio::test]
    async fn apply_now_is_sent_when_chosen_and_a_changed_group_is_a_conflict() {
        let modify = mock!(Client::modify_replication_group)
            .match_requests(|r| r.apply_immediately() == Some(true))
            .then_output(|| ModifyReplicationGroupOutput::builder().build());
        let (d, a, t) = (describe(), allowed(), tags());
        let ec = client(&[&d, &a, &t, &modify]);
        let mut p = plan(&ec, "sessions", "t".into(), &request("cache.r7g.xlarge"), flags()).await.unwrap();
        p.apply_now = true;
        apply(&ec, "sessions", &p).await.expect("apply now");
        assert_eq!(modify.num_calls(), 1);
        p.node_type = Some(("cache.r7g.xlarge".into(), "cache.r7g.2xlarge".into()));
        let e = apply(&ec, "sessions", &p).await.unwrap_err();
        assert!(matches!(e, ProviderError::Conflict(_)), "{e}");
    }
}
