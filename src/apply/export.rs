//! A plan as code: the same change as a Terraform snippet, a CloudFormation/CDK property
//! change, AWS CLI commands or JSON — for services owned by IaC, and for PR descriptions.
//! Sizing only: nothing from the task definition's environment or secrets is ever included.

use super::ResizePlan;
use super::plan::short_task_definition;
use crate::domain::ResourceRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Terraform,
    /// CloudFormation YAML properties, with the CDK equivalent.
    Cloudformation,
    /// AWS CLI commands (bash + jq).
    Cli,
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] =
        [ExportFormat::Terraform, ExportFormat::Cloudformation, ExportFormat::Cli, ExportFormat::Json];

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Terraform => "tf",
            ExportFormat::Cloudformation => "yaml",
            ExportFormat::Cli => "sh",
            ExportFormat::Json => "json",
        }
    }

    /// The key that picks it in the plan view.
    pub fn key(self) -> char {
        match self {
            ExportFormat::Terraform => 't',
            ExportFormat::Cloudformation => 'c',
            ExportFormat::Cli => 'l',
            ExportFormat::Json => 'j',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Terraform => "terraform",
            ExportFormat::Cloudformation => "cloudformation/cdk",
            ExportFormat::Cli => "aws cli",
            ExportFormat::Json => "json",
        }
    }
}

fn family(plan: &ResizePlan) -> String {
    let name = short_task_definition(&plan.base_task_definition);
    name.rsplit_once(':').map_or(name, |(f, _)| f).to_string()
}

fn header(plan: &ResizePlan, comment: &str) -> String {
    let money = plan
        .monthly_change
        .map_or(String::new(), |m| format!(" ({}{:.2} USD/month)", if m < 0.0 { "" } else { "+" }, m));
    let mut out = format!(
        "{comment} infradeck {}: {} {}{money}\n{comment} risk {:?}; {}\n",
        plan.action(),
        plan.resource_name(),
        plan.summary(),
        plan.risk,
        plan.target
    );
    for e in &plan.evidence {
        out.push_str(&format!("{comment}   {e}\n"));
    }
    if let Some(h) = &plan.health {
        out.push_str(&format!("{comment} health when planned: {h}\n"));
    }
    out
}

fn opt(v: Option<u32>) -> String {
    v.map_or("null".into(), |v| v.to_string())
}

/// ElastiCache: the node type in each format.
fn cache(plan: &ResizePlan, group: &str, format: ExportFormat) -> String {
    let (before, after) = plan.node_type.clone().unwrap_or_default();
    let comment = if format == ExportFormat::Json { "" } else { "#" };
    let mut out = if format == ExportFormat::Cli {
        "#!/usr/bin/env bash\nset -euo pipefail\n".to_string()
    } else {
        String::new()
    };
    out.push_str(&header(plan, comment));
    let when = if plan.apply_now { "--apply-immediately" } else { "--no-apply-immediately" };
    out.push_str(&match format {
        ExportFormat::Terraform => format!(
            "resource \"aws_elasticache_replication_group\" \"{group}\" {{\n  replication_group_id = \"{group}\"\n  # ... everything else unchanged\n  node_type = \"{after}\" # was \"{before}\"\n  apply_immediately = {}\n}}\n",
            plan.apply_now
        ),
        ExportFormat::Cloudformation => format!(
            "# AWS::ElastiCache::ReplicationGroup {group}\nProperties:\n  CacheNodeType: {after} # was {before}\n# CDK (CfnReplicationGroup props): cacheNodeType: \"{after}\"\n"
        ),
        ExportFormat::Cli => format!(
            "test \"$(aws elasticache describe-replication-groups --replication-group-id {group} --query 'ReplicationGroups[0].CacheNodeType' --output text)\" = \"{before}\"\naws elasticache list-allowed-node-type-modifications --replication-group-id {group} --output text | grep -qw {after}\naws elasticache modify-replication-group --replication-group-id {group} --cache-node-type {after} {when}\n"
        ),
        ExportFormat::Json => return serde_json::to_string_pretty(plan).unwrap_or_default() + "\n",
    });
    out
}

/// The containers worth writing: those the plan changes (sidecars and untouched ones stay as
/// they are in the code, so they are left out).
fn changed(plan: &ResizePlan) -> impl Iterator<Item = &crate::apply::ContainerChange> {
    plan.containers.iter().filter(|c| c.changed())
}

/// `key = value # was old` pairs for what a container sets, in the given syntax; a value the
/// container does not set is not written (no limit is ever added).
fn container_fields(c: &crate::apply::ContainerChange, names: [&str; 3]) -> Vec<(String, u32, Option<u32>)> {
    let mut out = Vec::new();
    if c.cpu.0 != 0 || c.cpu.1 != 0 {
        out.push((names[0].to_string(), c.cpu.1, Some(c.cpu.0)));
    }
    if let Some(m) = c.memory_hard.1 {
        out.push((names[1].to_string(), m, c.memory_hard.0));
    }
    if let Some(m) = c.memory_soft.1 {
        out.push((names[2].to_string(), m, c.memory_soft.0));
    }
    out
}

fn kept_note(plan: &ResizePlan, comment: &str) -> String {
    let kept = plan.kept_containers();
    if kept.is_empty() { String::new() } else { format!("{comment} unchanged: {}\n", kept.join(", ")) }
}

fn blocked_note(plan: &ResizePlan, comment: &str) -> String {
    plan.blocked.as_ref().map_or(String::new(), |why| format!("{comment} apply: {why}\n"))
}

fn terraform(plan: &ResizePlan) -> String {
    let family = family(plan);
    let mut out = header(plan, "#");
    out.push_str(&blocked_note(plan, "#"));
    out.push_str(&format!("resource \"aws_ecs_task_definition\" \"{family}\" {{\n  family = \"{family}\"\n  # ... everything else unchanged\n"));
    if plan.task_level.cpu {
        out.push_str(&format!("  cpu    = \"{}\" # was \"{}\"\n", plan.after.0, plan.before.0));
    }
    if plan.task_level.memory {
        out.push_str(&format!("  memory = \"{}\" # was \"{}\"\n", plan.after.1, plan.before.1));
    }
    if changed(plan).next().is_some() {
        out.push_str("  # in container_definitions (jsonencode([...])), per container:\n");
        for c in changed(plan) {
            let fields = container_fields(c, ["cpu", "memory", "memoryReservation"]);
            let now: Vec<String> = fields.iter().map(|(k, v, _)| format!("{k} = {v}")).collect();
            let was: Vec<String> = fields.iter().map(|(_, _, w)| opt(*w)).collect();
            out.push_str(&format!("  #   {{ name = \"{}\", {} }}  # was {}\n", c.name, now.join(", "), was.join(", ")));
        }
    }
    out.push_str(&kept_note(plan, "  #"));
    out.push_str("}\n");
    out
}

fn cloudformation(plan: &ResizePlan) -> String {
    let mut out = header(plan, "#");
    out.push_str(&blocked_note(plan, "#"));
    out.push_str(&format!("# AWS::ECS::TaskDefinition (family {})\nProperties:\n", family(plan)));
    if plan.task_level.cpu {
        out.push_str(&format!("  Cpu: \"{}\"\n", plan.after.0));
    }
    if plan.task_level.memory {
        out.push_str(&format!("  Memory: \"{}\"\n", plan.after.1));
    }
    if changed(plan).next().is_some() {
        out.push_str("  ContainerDefinitions: # only these keys change; keep the rest of each entry\n");
        for c in changed(plan) {
            out.push_str(&format!("    - Name: {}\n", c.name));
            for (k, v, _) in container_fields(c, ["Cpu", "Memory", "MemoryReservation"]) {
                out.push_str(&format!("      {k}: {v}\n"));
            }
        }
    }
    out.push_str(&kept_note(plan, "#"));
    if plan.task_level.cpu && plan.task_level.memory {
        out.push_str(&format!(
            "# CDK (FargateTaskDefinition / Ec2TaskDefinition props): cpu: {}, memoryLimitMiB: {}\n",
            plan.after.0, plan.after.1
        ));
    }
    out
}

fn cli(plan: &ResizePlan) -> String {
    let mut out = format!("#!/usr/bin/env bash\nset -euo pipefail\n{}", header(plan, "#"));
    out.push_str(&blocked_note(plan, "#"));
    let ResourceRef::EcsService { cluster, service } = &plan.resource else {
        return out;
    };
    let base = short_task_definition(&plan.base_task_definition);
    let update = |arn: &str| match &plan.blocked {
        Some(_) => format!(
            "# Deploy it through the service's controller (CodeDeploy: an AppSpec whose TaskDefinition is it):\necho \"{arn}\"\n"
        ),
        None => format!("aws ecs update-service --cluster {cluster} --service {service} --task-definition {arn}\n"),
    };
    if let Some(to) = &plan.rollback_to {
        if plan.reregister {
            out.push_str(&format!(
                "# {} was deregistered: register a copy of it, then point the service at the copy.\n\
                 aws ecs describe-task-definition --task-definition {} --include TAGS --output json \\\n\
                   | jq '(.taskDefinition | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy, .deregisteredAt)) + (if (.tags // []) | length > 0 then {{tags: .tags}} else {{}} end)' > /tmp/infradeck-{service}.json\n\
                 arn=$(aws ecs register-task-definition --cli-input-json file:///tmp/infradeck-{service}.json --query 'taskDefinition.taskDefinitionArn' --output text)\n",
                short_task_definition(to),
                short_task_definition(to)
            ));
            out.push_str(&update("\"$arn\""));
        } else {
            out.push_str(&update(short_task_definition(to)));
        }
        return out;
    }
    let containers: Vec<String> = changed(plan)
        .map(|c| {
            let set: Vec<String> = container_fields(c, ["cpu", "memory", "memoryReservation"])
                .into_iter()
                .map(|(k, v, _)| format!(".{k} = {v}"))
                .collect();
            format!("if .name == \"{}\" then {} else . end", c.name, set.join(" | "))
        })
        .collect();
    let per_container = if containers.is_empty() {
        String::new()
    } else {
        format!(" | .containerDefinitions |= map({})", containers.join(" | "))
    };
    let mut task = String::new();
    if plan.task_level.cpu {
        task.push_str(&format!(" | .cpu = \"{}\"", plan.after.0));
    }
    if plan.task_level.memory {
        task.push_str(&format!(" | .memory = \"{}\"", plan.after.1));
    }
    out.push_str(&format!(
        "# Stop if someone deployed since the plan.\n\
         test \"$(aws ecs describe-services --cluster {cluster} --services {service} --query 'services[0].taskDefinition' --output text | sed 's|.*/||')\" = \"{base}\"\n\
         # A copy of {base} with only the sizing changed (environment, secrets and tags carried over).\n\
         aws ecs describe-task-definition --task-definition {base} --include TAGS --output json \\\n\
           | jq '(.taskDefinition | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy, .deregisteredAt)\n\
                  {task}{per_container})\n\
                 + (if (.tags // []) | length > 0 then {{tags: .tags}} else {{}} end)' > /tmp/infradeck-{service}.json\n\
         arn=$(aws ecs register-task-definition --cli-input-json file:///tmp/infradeck-{service}.json --query 'taskDefinition.taskDefinitionArn' --output text)\n"
    ));
    out.push_str(&update("\"$arn\""));
    out
}

pub fn export(plan: &ResizePlan, format: ExportFormat) -> String {
    if let ResourceRef::CacheGroup(group) = &plan.resource {
        return cache(plan, group, format);
    }
    match format {
        ExportFormat::Terraform => terraform(plan),
        ExportFormat::Cloudformation => cloudformation(plan),
        ExportFormat::Cli => cli(plan),
        ExportFormat::Json => serde_json::to_string_pretty(plan).unwrap_or_default() + "\n",
    }
}

/// The file name an export is written to: `infradeck-<service>-<action>.<ext>`.
pub fn file_name(plan: &ResizePlan, format: ExportFormat) -> String {
    let name: String = plan
        .resource_name()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    format!("infradeck-{name}-{}.{}", plan.action(), format.extension())
}

/// OSC 52: put `text` on the clipboard of the terminal (and through tmux/ssh, where allowed).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::apply::ContainerChange;
    use crate::sizing::recommend::Risk;

    pub fn plan() -> ResizePlan {
        ResizePlan {
            identity: None,
            resource: ResourceRef::EcsService { cluster: "prod-web".into(), service: "checkout".into() },
            target: "default · 123456789012 · us-east-1".into(),
            base_task_definition: "arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:7".into(),
            before: (1024, 2048),
            after: (512, 1024),
            containers: vec![ContainerChange {
                name: "checkout".into(),
                cpu: (1024, 512),
                memory_hard: (Some(2048), Some(1024)),
                memory_soft: (Some(1024), Some(512)),
                essential: true,
                sidecar: None,
            }],
            monthly_change: Some(-20.5),
            risk: Risk::Low,
            evidence: vec!["CPU: p99 of the hottest task 0.31 vCPU over 14 d + 20% → 0.37 vCPU".into()],
            owner: crate::domain::Ownership::from_tags([("ManagedBy", "terraform")]),
            requests: vec!["ecs:UpdateService".into()],
            read_only: false,
            dry_run: false,
            protected: false,
            rollback_to: None,
            node_type: None,
            apply_now: false,
            health: None,
            fargate: true,
            task_level: crate::domain::TaskLevel::default(),
            floors: None,
            blocked: None,
            reregister: false,
        }
    }

    #[test]
    fn terraform_sets_cpu_and_memory_of_the_task_definition() {
        let tf = export(&plan(), ExportFormat::Terraform);
        assert!(tf.contains("resource \"aws_ecs_task_definition\" \"checkout\""), "{tf}");
        assert!(tf.contains("cpu    = \"512\" # was \"1024\""), "{tf}");
        assert!(tf.contains("memory = \"1024\" # was \"2048\""), "{tf}");
        assert!(tf.contains("name = \"checkout\", cpu = 512, memory = 1024, memoryReservation = 512"), "{tf}");
        assert!(tf.contains("-20.50 USD/month"), "{tf}");
    }

    #[test]
    fn cloudformation_and_cdk_properties() {
        let cf = export(&plan(), ExportFormat::Cloudformation);
        assert!(cf.contains("Cpu: \"512\"\n  Memory: \"1024\""), "{cf}");
        assert!(
            cf.contains("- Name: checkout\n      Cpu: 512\n      Memory: 1024\n      MemoryReservation: 512"),
            "{cf}"
        );
        assert!(cf.contains("cpu: 512, memoryLimitMiB: 1024"), "{cf}");
    }

    #[test]
    fn cli_checks_the_revision_copies_the_definition_and_updates_the_service() {
        let sh = export(&plan(), ExportFormat::Cli);
        assert!(sh.contains("= \"checkout:7\""), "concurrency check:\n{sh}");
        assert!(sh.contains("describe-task-definition --task-definition checkout:7 --include TAGS"), "{sh}");
        assert!(sh.contains(".cpu = \"512\" | .memory = \"1024\""), "{sh}");
        assert!(sh.contains("aws ecs update-service --cluster prod-web --service checkout"), "{sh}");
        let mut back = plan();
        back.rollback_to = Some("checkout:6".into());
        assert!(export(&back, ExportFormat::Cli).contains("--task-definition checkout:6\n"));
    }

    #[test]
    fn real_shapes_export_only_what_the_task_definition_sets() {
        use crate::domain::{Container, TaskLevel};
        // EC2 without task-level sizes; a soft-only app container sharing CPU; a kept sidecar.
        let mut p = plan();
        p.task_level = TaskLevel { cpu: false, memory: false };
        p.fargate = false;
        let mut app = ContainerChange::unchanged(&Container::app("worker", 0, None, Some(1536)));
        app.memory_soft.1 = Some(2304);
        let mut logs = Container::app("log_router", 64, None, Some(64));
        logs.log_router = true;
        p.containers = vec![app, ContainerChange::unchanged(&logs)];
        let tf = export(&p, ExportFormat::Terraform);
        assert!(!tf.contains("cpu    =") && !tf.contains("memory ="), "no task-level size added:\n{tf}");
        assert!(tf.contains("{ name = \"worker\", memoryReservation = 2304 }  # was 1536"), "{tf}");
        assert!(!tf.contains("name = \"worker\", cpu") && !tf.contains("memory = null"), "{tf}");
        assert!(tf.contains("unchanged: log_router (log router)"), "{tf}");
        let cf = export(&p, ExportFormat::Cloudformation);
        assert!(!cf.contains("  Cpu: \"") && !cf.contains("memoryLimitMiB"), "{cf}");
        assert!(cf.contains("- Name: worker\n      MemoryReservation: 2304\n"), "{cf}");
        let sh = export(&p, ExportFormat::Cli);
        assert!(!sh.contains(".cpu = \"") && !sh.contains(".memory = "), "{sh}");
        assert!(sh.contains("if .name == \"worker\" then .memoryReservation = 2304 else . end"), "{sh}");
        // A CodeDeploy service: the revision is registered, the deployment is CodeDeploy's.
        p.blocked = Some("deployed by CodeDeploy (blue/green)".into());
        let sh = export(&p, ExportFormat::Cli);
        assert!(sh.contains("register-task-definition") && !sh.contains("update-service"), "{sh}");
        assert!(export(&p, ExportFormat::Terraform).contains("# apply: deployed by CodeDeploy"));
    }

    #[test]
    fn a_cache_plan_exports_the_node_type_not_a_task_definition() {
        let mut p = plan();
        p.resource = ResourceRef::CacheGroup("sessions".into());
        p.node_type = Some(("cache.r7g.large".into(), "cache.r7g.medium".into()));
        let tf = export(&p, ExportFormat::Terraform);
        assert!(tf.contains("resource \"aws_elasticache_replication_group\" \"sessions\""), "{tf}");
        assert!(tf.contains("node_type = \"cache.r7g.medium\" # was \"cache.r7g.large\""), "{tf}");
        assert!(!tf.contains("aws_ecs_task_definition"));
        assert!(export(&p, ExportFormat::Cloudformation).contains("CacheNodeType: cache.r7g.medium"));
        let sh = export(&p, ExportFormat::Cli);
        assert!(sh.contains("--cache-node-type cache.r7g.medium --no-apply-immediately"), "{sh}");
    }

    #[test]
    fn json_round_trips_and_names_are_safe_for_files() {
        let json = export(&plan(), ExportFormat::Json);
        let back: ResizePlan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, plan());
        assert_eq!(file_name(&plan(), ExportFormat::Terraform), "infradeck-prod-web-checkout-resize.tf");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
