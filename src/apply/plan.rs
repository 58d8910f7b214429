//! What a resize will change and which requests it will send, shown before the user confirms.

use crate::common::error::ProviderError;
use crate::domain::{Container, DeploymentController, EcsService, ResourceRef, TaskLevel};
use crate::sizing::containers::{self, Resize};
pub use crate::sizing::containers::{ContainerChange, Floors};
use crate::sizing::recommend::{EcsRecommendation, Risk};
use serde::{Deserialize, Serialize};

/// What the app asks a provider to plan: a service and the size it should have.
#[derive(Debug, Clone, PartialEq)]
pub struct ResizeRequest {
    /// Whose service: the provider finds the account and region it runs in from this, never
    /// from the display name in `cluster`.
    pub identity: crate::domain::ServiceKey,
    pub cluster: String,
    pub service: String,
    /// The task definition the suggestion was computed on (`family:revision`).
    pub task_definition: String,
    pub before: (u32, u32),
    pub after: (u32, u32),
    pub containers: Vec<ContainerChange>,
    pub monthly_change: Option<f64>,
    pub risk: Risk,
    pub evidence: Vec<String>,
    /// A rollback: point the service back at this task definition (`family:revision` or ARN)
    /// instead of registering a new one. `after` and the containers come from it.
    pub rollback_to: Option<String>,
    /// What the evidence says it needs: the plan is checked against it.
    pub floors: Option<Floors>,
}

impl ResizeRequest {
    /// Return a service to the task definition an applied change replaced (from the audit log).
    pub fn rollback(service: &EcsService, entry: &super::AuditEntry) -> ResizeRequest {
        ResizeRequest {
            identity: service.identity.clone(),
            cluster: service.cluster.clone(),
            service: service.name.clone(),
            task_definition: service.task_definition.clone(),
            before: (service.task_cpu, service.task_memory),
            after: (service.task_cpu, service.task_memory),
            containers: Vec::new(),
            monthly_change: None,
            risk: Risk::Low,
            evidence: vec![format!(
                "rolls back the {} applied {} by {} ({} → {})",
                entry.action,
                entry.time_text(),
                entry.caller,
                entry.before,
                entry.after
            )],
            rollback_to: Some(entry.revision_before.clone()),
            floors: None,
        }
    }

    /// From a suggestion for a service on screen.
    pub fn from_recommendation(service: &EcsService, rec: &EcsRecommendation) -> Option<ResizeRequest> {
        let after = rec.proposed?;
        Some(ResizeRequest {
            identity: service.identity.clone(),
            cluster: service.cluster.clone(),
            service: service.name.clone(),
            task_definition: service.task_definition.clone(),
            before: (service.task_cpu, service.task_memory),
            after,
            containers: rec.containers.clone(),
            monthly_change: rec.monthly_change(),
            risk: rec.risk,
            evidence: rec.evidence.clone(),
            rollback_to: None,
            floors: rec.floors.clone(),
        })
    }
}

/// What the app asks a provider to plan for an ElastiCache replication group: a node type.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheResizeRequest {
    /// Whose group (see `ResizeRequest::identity`).
    pub identity: crate::domain::GroupKey,
    pub group: String,
    pub node_type_before: String,
    pub node_type_after: String,
    pub monthly_change: Option<f64>,
    pub risk: Risk,
    pub evidence: Vec<String>,
    /// Undoing an earlier change (from the audit log): the plan says "rollback".
    pub rollback: bool,
}

impl CacheResizeRequest {
    /// Return a group to the node type an applied change replaced.
    pub fn rollback(group: &crate::domain::CacheGroup, entry: &super::AuditEntry) -> CacheResizeRequest {
        let current = &group.node_type;
        CacheResizeRequest {
            identity: group.identity.clone(),
            group: group.id.clone(),
            node_type_before: current.to_string(),
            node_type_after: entry.before.clone(),
            monthly_change: None,
            risk: Risk::Low,
            evidence: vec![format!(
                "rolls back the {} applied {} by {} ({} → {})",
                entry.action,
                entry.time_text(),
                entry.caller,
                entry.before,
                entry.after
            )],
            rollback: true,
        }
    }

    pub fn from_recommendation(rec: &crate::sizing::redis::CacheRecommendation) -> Option<CacheResizeRequest> {
        let after = rec.proposed.clone().filter(|p| *p != rec.current)?;
        Some(CacheResizeRequest {
            identity: rec.identity.clone(),
            group: rec.group.clone(),
            node_type_before: rec.current.clone(),
            node_type_after: after,
            monthly_change: rec.monthly_change(),
            risk: rec.risk,
            evidence: rec.evidence.clone(),
            rollback: false,
        })
    }
}

/// A resize ready for confirmation: checked against the live service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResizePlan {
    /// The resource as shown (its cluster or group named by account and region when several
    /// are shown).
    pub resource: ResourceRef,
    /// Whose it is, typed; JSON writes its fields (`account_id`, `account`, `region`, `cluster`
    /// and `service` or `group`, `arn`) beside the plan's. None only in plans written before it.
    #[serde(default, flatten)]
    pub identity: Option<crate::domain::ResourceKey>,
    /// Where it will be applied: "profile · account · region", or "demo fleet".
    pub target: String,
    /// The task definition the service runs now (ARN on AWS): if it changes before the apply,
    /// the apply stops rather than overwrite someone else's deploy.
    pub base_task_definition: String,
    pub before: (u32, u32),
    pub after: (u32, u32),
    pub containers: Vec<ContainerChange>,
    pub monthly_change: Option<f64>,
    pub risk: Risk,
    pub evidence: Vec<String>,
    /// Who else manages this resource ("CloudFormation stack web-prod"): a direct change will
    /// be reverted by their next deploy.
    #[serde(default)]
    pub owner: Option<crate::domain::Ownership>,
    /// The requests the apply will send, in order, as one line each.
    pub requests: Vec<String>,
    /// The provider refuses writes (`--read-only`): the plan can be read, not applied.
    pub read_only: bool,
    /// `--dry-run`: applying shows the requests and sends none.
    pub dry_run: bool,
    /// The profile is protected (config): confirming means typing the service's name.
    pub protected: bool,
    /// A rollback to this task definition rather than a new revision.
    pub rollback_to: Option<String>,
    /// ElastiCache: (current, proposed) node type; `before`/`after` are unused then.
    #[serde(default)]
    pub node_type: Option<(String, String)>,
    /// ElastiCache: apply at once rather than in the next maintenance window (the default).
    #[serde(default)]
    pub apply_now: bool,
    /// The service's load-balancer health and SLO standing when planned ("p99 1552 ms · 5xx
    /// 0.80 % over 24h · SLO burning fast"): what the change will be judged against.
    #[serde(default)]
    pub health: Option<String>,
    /// Fargate (the task size must be one of Fargate's pairs).
    #[serde(default)]
    pub fargate: bool,
    /// Which of cpu/memory the task definition sets itself; `before`/`after` are the containers'
    /// sums where it sets none.
    #[serde(default)]
    pub task_level: TaskLevel,
    /// What the evidence says the service needs; the plan is checked against it.
    #[serde(default)]
    pub floors: Option<Floors>,
    /// Why this plan cannot be applied from here (a CodeDeploy or external deployment
    /// controller): it can be exported as code instead.
    #[serde(default)]
    pub blocked: Option<String>,
    /// A rollback whose revision was deregistered (INACTIVE): a copy of it is registered first.
    #[serde(default)]
    pub reregister: bool,
}

/// Why a standalone cache cluster's suggestion is advice only.
pub const STANDALONE_CACHE: &str = "a standalone cache cluster (no replication group): its node type changes through \
     ModifyCacheCluster, which infradeck does not send; the suggestion is advice";

/// Why a service's deployment controller keeps infradeck from applying a new task definition,
/// from UpdateService's API reference; None for ECS's own controller.
pub fn controller_block(controller: DeploymentController) -> Option<String> {
    match controller {
        DeploymentController::Ecs => None,
        DeploymentController::CodeDeploy => Some(
            "deployed by CodeDeploy (blue/green): UpdateService cannot change its task definition — \
             export the change and deploy it through CodeDeploy"
                .into(),
        ),
        DeploymentController::External => Some(
            "deployed by an external controller (task sets): UpdateService cannot change its task \
             definition — export the change and deploy it through that controller"
                .into(),
        ),
    }
}

/// The check every ECS plan passes before it is shown, exported or applied: what
/// RegisterTaskDefinition would reject, or what would break the service (see
/// `sizing::containers`), refuses it with the reasons. A rollback returns to a size that ran
/// before, so only whether AWS would take it is checked.
pub fn check(plan: &ResizePlan) -> Result<(), ProviderError> {
    if plan.node_type.is_some() || plan.containers.is_empty() {
        return Ok(());
    }
    let floors = if plan.rollback_to.is_some() { None } else { plan.floors.as_ref() };
    let resize = Resize {
        fargate: plan.fargate,
        task_level: plan.task_level,
        before: plan.before,
        after: plan.after,
        containers: &plan.containers,
        floors,
    };
    let why = if plan.rollback_to.is_some() {
        containers::registrable(&resize)
    } else {
        containers::check(&resize).err().unwrap_or_default()
    };
    if why.is_empty() { Ok(()) } else { Err(ProviderError::Refused(why.join("; "))) }
}

/// The live task definition's containers paired with what a request makes of them. The live
/// definition decides which containers exist, their current values and their roles: a request
/// made on a stale view cannot smuggle in a container or a limit.
pub fn pair_with_live(
    live: &[Container],
    requested: &[ContainerChange],
) -> Result<Vec<ContainerChange>, ProviderError> {
    live.iter()
        .map(|c| {
            let mut change = ContainerChange::unchanged(c);
            if let Some(r) = requested.iter().find(|r| r.name == c.name) {
                if (r.cpu.0, r.memory_hard.0, r.memory_soft.0) != (c.cpu, c.memory_hard, c.memory_soft) {
                    return Err(ProviderError::Conflict(format!(
                        "container {} is not sized as when the suggestion was made",
                        c.name
                    )));
                }
                (change.cpu.1, change.memory_hard.1, change.memory_soft.1) =
                    (r.cpu.1, r.memory_hard.1, r.memory_soft.1);
            }
            Ok(change)
        })
        .collect()
}

/// A return to an earlier revision, container by container: `was` is what each had there (a
/// container it did not have ends with nothing set).
pub fn rollback_changes(now: &[Container], was: &[Container]) -> Vec<ContainerChange> {
    now.iter()
        .map(|c| {
            let old = was.iter().find(|o| o.name == c.name);
            let mut change = ContainerChange::unchanged(c);
            change.cpu.1 = old.map_or(0, |o| o.cpu);
            change.memory_hard.1 = old.and_then(|o| o.memory_hard);
            change.memory_soft.1 = old.and_then(|o| o.memory_soft);
            change
        })
        .collect()
}

/// A provider's plan, checked.
pub fn checked(plan: Result<ResizePlan, ProviderError>) -> Result<ResizePlan, ProviderError> {
    let plan = plan?;
    check(&plan)?;
    Ok(plan)
}

/// A service's health for a plan, or None when its load balancer was not read.
pub fn health_line(service: &EcsService, slo: Option<&crate::slo::ServiceSlo>, window: &str) -> Option<String> {
    let h = match &service.health {
        crate::domain::LbHealth::NotRead => return None,
        crate::domain::LbHealth::NoLoadBalancer => {
            return Some("no load balancer: no latency or 5xx to judge by".into());
        }
        crate::domain::LbHealth::Read(h) => h,
    };
    let mut line = format!(
        "p99 {:.0} ms (worst period {:.0}) · 5xx {:.2} % · {:.1} req/s over {window}",
        h.p99_ms,
        h.p99_peak_ms,
        h.error_pct(),
        h.requests_per_s
    );
    if let Some(slo) = slo {
        let left = slo.budget_remaining().map_or(String::new(), |b| format!(", budget left {:.0} %", b * 100.0));
        line.push_str(&format!(" · SLO {}{left}", slo.status()));
    }
    Some(line)
}

impl ResizePlan {
    /// "resize" or "rollback", for titles and the audit log.
    pub fn action(&self) -> &'static str {
        if self.rollback_to.is_some() { "rollback" } else { "resize" }
    }

    /// What has to be typed to confirm a protected plan: the service or group name.
    pub fn confirm_word(&self) -> String {
        match &self.resource {
            ResourceRef::EcsService { service, .. } => service.clone(),
            other => other.to_string(),
        }
    }

    pub fn resource_name(&self) -> String {
        match &self.resource {
            ResourceRef::EcsService { cluster, service } => format!("{cluster}/{service}"),
            ResourceRef::CacheGroup(id) => id.clone(),
            ResourceRef::CostService(s) | ResourceRef::Alarm(s) => s.clone(),
        }
    }

    /// The containers a resize leaves as they are, sidecars with their kind:
    /// "otel-collector (tracing agent)".
    pub fn kept_containers(&self) -> Vec<String> {
        self.containers
            .iter()
            .filter(|c| !c.changed())
            .map(|c| match c.sidecar {
                Some(kind) => format!("{} ({})", c.name, kind.label()),
                None => c.name.clone(),
            })
            .collect()
    }

    /// "1 vCPU / 2 GiB → 0.5 vCPU / 1 GiB", or "cache.r7g.large → cache.r7g.xlarge"
    pub fn summary(&self) -> String {
        format!("{} → {}", self.before_label(), self.after_label())
    }

    pub fn before_label(&self) -> String {
        self.node_type.as_ref().map_or_else(|| size_label(self.before), |(b, _)| b.clone())
    }

    pub fn after_label(&self) -> String {
        self.node_type.as_ref().map_or_else(|| size_label(self.after), |(_, a)| a.clone())
    }
}

pub fn size_label((cpu, memory): (u32, u32)) -> String {
    let vcpu = format!("{:.2}", cpu as f32 / 1024.0).trim_end_matches('0').trim_end_matches('.').to_string();
    if memory % 1024 == 0 {
        format!("{vcpu} vCPU / {} GiB", memory / 1024)
    } else {
        format!("{vcpu} vCPU / {memory} MiB")
    }
}

/// `family:revision` of a task definition ARN (or of `family:revision` itself).
pub fn short_task_definition(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyOutcome {
    /// The task definition the service now runs (`family:revision` or ARN).
    pub task_definition: String,
    /// Requests sent, in order, one line each.
    pub requests: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_that_adds_a_hard_limit_is_refused_with_the_reason() {
        let c = crate::domain::Container::app("web", 0, None, Some(128));
        let mut change = ContainerChange::unchanged(&c);
        let mut plan = crate::apply::export::tests::plan();
        plan.before = (2048, 8192);
        plan.after = (4096, 8192);
        plan.fargate = true;
        plan.containers = vec![change.clone()];
        plan.floors = Some(Floors { task_cpu: 2949, task_memory: 8110, containers: vec![], container_cpu: vec![] });
        assert_eq!(check(&plan), Ok(()));
        change.memory_hard.1 = Some(128);
        plan.containers = vec![change];
        let refused = check(&plan).unwrap_err();
        assert!(refused.to_string().contains("web: would get a hard memory limit it did not have"), "{refused}");
        assert!(checked(Ok(plan)).is_err());
        assert_eq!(size_label((512, 1024)), "0.5 vCPU / 1 GiB");
        assert_eq!(size_label((1024, 3584)), "1 vCPU / 3584 MiB");
    }
}
