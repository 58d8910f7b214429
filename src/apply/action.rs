//! The everyday service actions of an incident (restart, desired count, stop a task, enable ECS
//! Exec), each planned as exactly the requests it will send, confirmed like a resize (typed on a
//! protected profile, refused in read-only) and audited.

use crate::domain::ResourceRef;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ServiceAction {
    /// A new deployment of the same task definition: every task replaced, healthy first.
    Restart,
    /// `desiredCount` to `to`.
    DesiredCount { to: u32 },
    /// One task stopped; the service starts a replacement.
    StopTask { task: String, reason: String },
    /// `enableExecuteCommand` on, then a new deployment (only new tasks get the agent).
    EnableExec,
}

impl ServiceAction {
    /// The audit log's action.
    pub fn audit_name(&self) -> &'static str {
        match self {
            ServiceAction::Restart => "restart",
            ServiceAction::DesiredCount { .. } => "desired count",
            ServiceAction::StopTask { .. } => "stop task",
            ServiceAction::EnableExec => "enable exec",
        }
    }

    /// "restart prod-core/orders", "stop task 3f2a9c1b7d4e of prod-core/orders".
    pub fn title(&self, service: &str) -> String {
        match self {
            ServiceAction::Restart => format!("restart {service} (a new deployment)"),
            ServiceAction::DesiredCount { to } => format!("set {service}'s desired count to {to}"),
            ServiceAction::StopTask { task, .. } => format!("stop task {} of {service}", &task[..task.len().min(12)]),
            ServiceAction::EnableExec => format!("enable ECS Exec on {service}, then restart it"),
        }
    }
}

/// What the live service looks like when an action is planned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Live {
    pub desired: u32,
    pub running: u32,
    pub exec_enabled: bool,
    /// CODE_DEPLOY or EXTERNAL: UpdateService may not start a deployment for it.
    pub controller_block: Option<String>,
    /// Application Auto Scaling's (min, max), which moves a desired count back inside them.
    pub autoscaling: Option<(u32, u32)>,
}

/// An action checked against the live service: what will be sent, what to know first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPlan {
    pub resource: ResourceRef,
    /// Where it will be sent: "profile · account · region", or "demo fleet".
    pub target: String,
    pub action: ServiceAction,
    pub before: String,
    pub after: String,
    /// The requests, in order, one line each, as they will be sent.
    pub requests: Vec<String>,
    /// What the user should know before confirming.
    pub notes: Vec<String>,
    pub read_only: bool,
    pub dry_run: bool,
    pub protected: bool,
    /// Why it cannot be sent from here.
    pub blocked: Option<String>,
}

impl ActionPlan {
    /// Plan `action` on `cluster/service` (as ECS names them) against what is live.
    pub fn new(resource: ResourceRef, cluster: &str, service: &str, action: ServiceAction, live: &Live) -> ActionPlan {
        let update = |what: &str| format!("ecs:UpdateService cluster={cluster} service={service} {what}");
        let (before, after, requests, mut notes, blocked) = match &action {
            ServiceAction::Restart => (
                format!("{} running of {} desired", live.running, live.desired),
                "every task replaced (new ones healthy before old ones stop)".into(),
                vec![update("forceNewDeployment=true")],
                vec!["the deployment's minimum/maximum healthy percent decide how many are replaced at once".into()],
                live.controller_block.clone(),
            ),
            ServiceAction::DesiredCount { to } => {
                let mut notes = Vec::new();
                if let Some((min, max)) = live.autoscaling
                    && (*to < min || *to > max)
                {
                    notes.push(format!(
                        "target tracking keeps it between {min} and {max}: Application Auto Scaling will move it back"
                    ));
                }
                if *to == 0 {
                    notes.push("0 stops every task: the service serves nothing until it is raised again".into());
                }
                (format!("desired {}", live.desired), format!("desired {to}"), vec![update(&format!("desiredCount={to}"))], notes, None)
            }
            ServiceAction::StopTask { task, reason } => (
                format!("task {} running", &task[..task.len().min(12)]),
                "stopped; the service starts a replacement".into(),
                vec![format!("ecs:StopTask cluster={cluster} task={task} reason={reason:?}")],
                vec!["its containers get SIGTERM, then SIGKILL after the stop timeout (30 s by default)".into()],
                None,
            ),
            ServiceAction::EnableExec => (
                format!("ECS Exec {}", if live.exec_enabled { "on (tasks started before may lack it)" } else { "off" }),
                "ECS Exec on; every task replaced so each has the agent".into(),
                vec![update("enableExecuteCommand=true forceNewDeployment=true")],
                vec![
                    "the task role needs ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel".into(),
                    "only tasks started after this get the agent: the new deployment replaces them all".into(),
                ],
                live.controller_block.clone(),
            ),
        };
        if matches!(action, ServiceAction::DesiredCount { to } if to == live.desired) {
            notes.push("already the desired count: nothing would change".into());
        }
        ActionPlan {
            resource,
            target: String::new(),
            action,
            before,
            after,
            requests,
            notes,
            read_only: false,
            dry_run: false,
            protected: false,
            blocked,
        }
    }

    /// What has to be typed on a protected profile: the service's name.
    pub fn confirm_word(&self) -> String {
        match &self.resource {
            ResourceRef::EcsService { service, .. } => service.clone(),
            other => other.to_string(),
        }
    }

    pub fn service_name(&self) -> String {
        match &self.resource {
            ResourceRef::EcsService { cluster, service } => format!("{cluster}/{service}"),
            other => other.to_string(),
        }
    }

    /// Starts a deployment the rollout watch follows (not a stopped task or a count alone).
    pub fn deploys(&self) -> bool {
        matches!(self.action, ServiceAction::Restart | ServiceAction::EnableExec)
    }

    /// The audit log's entry for this plan, however it ended.
    pub fn audit_entry(
        &self,
        time: chrono::DateTime<chrono::Utc>,
        caller: String,
        sent: Vec<String>,
        result: super::Outcome,
    ) -> super::AuditEntry {
        super::AuditEntry {
            time: chrono::SubsecRound::trunc_subsecs(time, 0),
            caller,
            target: self.target.clone(),
            action: self.action.audit_name().into(),
            resource: self.resource.clone(),
            identity: None,
            before: self.before.clone(),
            after: self.after.clone(),
            revision_before: String::new(),
            revision_after: None,
            requests: sent,
            result,
            code: None,
            session: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders() -> ResourceRef {
        ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() }
    }

    #[test]
    fn each_action_lists_exactly_what_it_sends() {
        let live =
            Live { desired: 3, running: 3, exec_enabled: false, controller_block: None, autoscaling: Some((2, 6)) };
        let plan = |a| ActionPlan::new(orders(), "prod-core", "orders", a, &live);
        assert_eq!(
            plan(ServiceAction::Restart).requests,
            ["ecs:UpdateService cluster=prod-core service=orders forceNewDeployment=true"]
        );
        let scale = plan(ServiceAction::DesiredCount { to: 8 });
        assert_eq!(scale.requests, ["ecs:UpdateService cluster=prod-core service=orders desiredCount=8"]);
        assert!(scale.notes[0].contains("between 2 and 6"), "{:?}", scale.notes);
        let stop = plan(ServiceAction::StopTask { task: "3f2a9c1b7d4e4f00".into(), reason: "stuck".into() });
        assert_eq!(stop.requests, [r#"ecs:StopTask cluster=prod-core task=3f2a9c1b7d4e4f00 reason="stuck""#]);
        let exec = plan(ServiceAction::EnableExec);
        assert_eq!(
            exec.requests,
            ["ecs:UpdateService cluster=prod-core service=orders enableExecuteCommand=true forceNewDeployment=true"]
        );
        assert!(exec.deploys() && !stop.deploys());
        let blocked = Live { controller_block: Some("deployed by CodeDeploy".into()), ..live };
        assert!(ActionPlan::new(orders(), "prod-core", "orders", ServiceAction::Restart, &blocked).blocked.is_some());
        let entry =
            exec.audit_entry(chrono::Utc::now(), "me".into(), exec.requests.clone(), super::super::Outcome::Applied);
        assert_eq!(entry.action, "enable exec");
    }
}
