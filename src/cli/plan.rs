//! `infradeck plan SERVICE`: the plan the TUI would show, without the TUI, for scripts and PRs.
//! Reads only: it never applies anything.

use crate::apply::{AuditEntry, ResizePlan, ResizeRequest};
use crate::domain::{EcsService, Window};
pub use crate::iac::change::{CodeChange, Deliver, code_change};
use crate::provider::Provider;
use crate::sizing::policy::Policies;

/// What `plan` prints: a snippet, or the change to the code that owns the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Terraform,
    /// CloudFormation YAML properties, with the CDK equivalent.
    Cloudformation,
    /// AWS CLI commands (bash + jq).
    Cli,
    Json,
    /// A unified diff of the code that owns it (with --iac DIR).
    Diff,
    /// The change's description for a pull request (what, why, cost, risk, rollback) with its diff.
    Markdown,
}

impl PlanFormat {
    /// The snippet format, or None for the code change.
    pub fn snippet(self) -> Option<crate::apply::export::ExportFormat> {
        use crate::apply::export::ExportFormat as E;
        match self {
            PlanFormat::Terraform => Some(E::Terraform),
            PlanFormat::Cloudformation => Some(E::Cloudformation),
            PlanFormat::Cli => Some(E::Cli),
            PlanFormat::Json => Some(E::Json),
            PlanFormat::Diff | PlanFormat::Markdown => None,
        }
    }
}

/// The service a user named: `cluster/service`, or a service name found in one cluster only.
pub fn find_service<'a>(services: &'a [EcsService], name: &str) -> Result<&'a EcsService, String> {
    if let Some(s) = services.iter().find(|s| s.key() == name) {
        return Ok(s);
    }
    let matches: Vec<&EcsService> = services.iter().filter(|s| s.name == name).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no ECS service {name} (give cluster/service)")),
        many => Err(format!(
            "{name} is in {} clusters: {}",
            many.len(),
            many.iter().map(|s| s.key()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Plan the suggested resize of `name`, or with `rollback`, the return from its last change in
/// `history`.
pub async fn plan_for(
    provider: &dyn Provider,
    policies: &Policies,
    objectives: &crate::slo::policy::Objectives,
    name: &str,
    rollback: Option<&[AuditEntry]>,
) -> Result<ResizePlan, String> {
    let services = provider.ecs_services(Window::Fortnight).await.map_err(|e| format!("{e}: {}", e.hint()))?;
    let service = match find_service(&services, name) {
        Ok(s) => s,
        Err(not_ecs) => {
            return plan_cache_for(provider, policies.prices, name, rollback).await.map_err(|e| e.unwrap_or(not_ecs));
        }
    };
    let one = std::sync::Arc::new(vec![service.clone()]);
    let err = |e: crate::provider::ProviderError| format!("{e}: {}", e.hint());
    let (request, slo) = match rollback {
        Some(history) => {
            let entry = crate::app::apply::last_change(history, service)
                .ok_or_else(|| format!("no change applied from infradeck leads to {}", service.task_definition))?;
            let slo = crate::sizing::run::slos_of(provider, &one, objectives).await.unwrap_or_default();
            (ResizeRequest::rollback(service, entry), slo.get(&service.key()).copied())
        }
        None => {
            let recs = crate::sizing::run::run(provider, one, policies, objectives).await.map_err(err)?;
            let rec = recs.first().ok_or("no suggestion")?;
            let request = ResizeRequest::from_recommendation(service, rec)
                .filter(|r| r.before != r.after)
                .ok_or_else(|| format!("{}: {} — nothing to change", service.key(), rec.finding.label()))?;
            (request, rec.slo)
        }
    };
    let mut plan = provider.plan_resize(&request).await.map_err(err)?;
    plan.health = crate::apply::plan::health_line(service, slo.as_ref(), Window::Fortnight.label());
    Ok(plan)
}

/// The same for an ElastiCache replication group; Err(None) when there is no group of that name.
async fn plan_cache_for(
    provider: &dyn Provider,
    prices: crate::sizing::recommend::Prices,
    name: &str,
    rollback: Option<&[AuditEntry]>,
) -> Result<ResizePlan, Option<String>> {
    let groups = provider.cache_groups(Window::Fortnight).await.map_err(|e| Some(format!("{e}: {}", e.hint())))?;
    let group = groups.iter().find(|g| g.id == name).ok_or(None)?;
    if group.standalone {
        return Err(Some(format!("{name}: {}", crate::apply::plan::STANDALONE_CACHE)));
    }
    let request = match rollback {
        Some(history) => {
            let entry = crate::app::apply::last_cache_change(history, &group.id, &group.node_type)
                .ok_or_else(|| Some(format!("no change applied from infradeck leads to {}", group.node_type)))?;
            crate::apply::CacheResizeRequest::rollback(group, entry)
        }
        None => {
            let rec = crate::sizing::redis::recommend_in(group, &provider.cache_node_types().await.at(prices));
            crate::apply::CacheResizeRequest::from_recommendation(&rec)
                .ok_or_else(|| Some(format!("{}: {} — no node type change suggested", group.id, rec.finding.label())))?
        }
    };
    provider.plan_cache_resize(&request).await.map_err(|e| Some(format!("{e}: {}", e.hint())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::export::{ExportFormat, export};
    use crate::provider::demo::{Clock, DemoProvider};

    #[tokio::test]
    async fn plans_the_suggestion_of_a_named_demo_service_as_terraform() {
        let demo = DemoProvider::new(42, None, Clock::Fixed(crate::harness::FIXED_NOW));
        let plan =
            plan_for(&demo, &Policies::default(), &Default::default(), "prod-core/payments", None).await.unwrap();
        let tf = export(&plan, ExportFormat::Terraform);
        assert!(tf.contains("resource \"aws_ecs_task_definition\" \"payments\""), "{tf}");
        assert!(tf.contains("cpu    = \"2048\" # was \"1024\""), "{tf}");
        assert!(tf.contains("# health when planned: no load balancer"), "{tf}");
        // A service behind a load balancer carries its p99, 5xx and SLO standing into the plan.
        let checkout =
            plan_for(&demo, &Policies::default(), &Default::default(), "prod-core/checkout", None).await.unwrap();
        let health = checkout.health.unwrap_or_default();
        assert!(health.starts_with("p99 ") && health.contains("over 14d · SLO burning fast"), "{health}");
        let ambiguous = plan_for(&demo, &Policies::default(), &Default::default(), "payments", None).await.unwrap_err();
        assert!(ambiguous.contains("clusters"), "{ambiguous}");
        let none = plan_for(&demo, &Policies::default(), &Default::default(), "prod-core/payments", Some(&[]))
            .await
            .unwrap_err();
        assert!(none.contains("no change applied"), "{none}");
        let cache = plan_for(&demo, &Policies::default(), &Default::default(), "page-cache", None).await.unwrap();
        assert!(export(&cache, ExportFormat::Terraform).contains("aws_elasticache_replication_group"));
        let missing =
            plan_for(&demo, &Policies::default(), &Default::default(), "nothing-here", None).await.unwrap_err();
        assert!(missing.contains("no ECS service nothing-here"), "{missing}");
    }
}
