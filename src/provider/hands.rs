//! What a forward asked for (a container port, or a Redis group through a service's task)
//! becomes: the task picked and checked as a shell is (a forward is a session through the same
//! agent), the group's endpoint read, the local port checked free. Shared by the TUI and
//! `infradeck forward`.

use super::Provider;
use crate::domain::{ResourceRef, ServiceTasks, Task};
use crate::exec::forward::{ForwardSpec, Reach};

/// What is to be reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaching {
    /// A port of a container of `service`'s task; locally on `local`.
    Container { service: ResourceRef, port: u16, local: u16 },
    /// A replication group's endpoint through a task of `via`; locally on `local` (default: the
    /// group's port).
    Redis { group: String, via: ResourceRef, local: Option<u16> },
}

/// A forward asked for: what, and optionally which task and container carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardAsk {
    pub reaching: Reaching,
    pub task: Option<String>,
    pub container: Option<String>,
}

/// `cluster/service` (the last `/` splits: a cluster of several accounts carries `profile@region:`).
pub fn service_ref(text: &str) -> Result<ResourceRef, String> {
    match text.trim().rsplit_once('/') {
        Some((cluster, service)) if !cluster.is_empty() && !service.is_empty() => {
            Ok(ResourceRef::EcsService { cluster: cluster.into(), service: service.into() })
        }
        _ => Err(format!("{text}: give the service as CLUSTER/SERVICE")),
    }
}

/// The task a shell or a forward goes to when none is named: the oldest running one whose
/// agent runs, else the oldest running one (whose check then says what is missing).
pub fn default_task(tasks: &ServiceTasks) -> Option<&Task> {
    let ready = |t: &&Task| t.exec_enabled && t.containers.iter().any(|c| c.exec_agent.as_deref() == Some("RUNNING"));
    tasks.running.iter().find(ready).or_else(|| tasks.running.first())
}

/// `8080` or `8080:18080` → (remote, local).
pub fn parse_ports(text: &str) -> Option<(u16, u16)> {
    let (remote, local) = match text.trim().split_once(':') {
        Some((r, l)) => (r.parse().ok()?, l.parse().ok()?),
        None => {
            let p = text.trim().parse().ok()?;
            (p, p)
        }
    };
    (remote > 0 && local > 0).then_some((remote, local))
}

/// The forward `ask` describes, checked; Err says why not in words.
pub async fn forward_spec(provider: &dyn Provider, ask: &ForwardAsk) -> Result<ForwardSpec, String> {
    let (service, reach, local) = match &ask.reaching {
        Reaching::Container { service, port, local } => (service.clone(), Reach::Container { port: *port }, *local),
        Reaching::Redis { group, via, local } => {
            let (host, port) = provider.cache_endpoint(group).await.map_err(|e| format!("{e} ({})", e.hint()))?;
            (via.clone(), Reach::RemoteHost { host, port }, local.unwrap_or(port))
        }
    };
    crate::exec::forward::port_free(local)?;
    let tasks = provider
        .tasks(&service)
        .await
        .map_err(|e| format!("cannot read the tasks of {service}: {e} ({})", e.hint()))?;
    let task = match &ask.task {
        Some(id) => id.clone(),
        None => default_task(&tasks).map(|t| t.id.clone()).ok_or_else(|| format!("{service} has no running task"))?,
    };
    let (task, container) =
        crate::exec::preflight::check(&tasks, &task, ask.container.as_deref(), &provider.exec_plugin())
            .map_err(|r| r.to_string())?;
    let ResourceRef::EcsService { cluster, service: name } = &service else {
        return Err("a forward goes through an ECS service's task".into());
    };
    let label = match &reach {
        Reach::Container { port } => format!("{name}:{port} ({} task {})", container.name, task.short_id()),
        Reach::RemoteHost { host, port } => format!("{host}:{port} via {name} (task {})", task.short_id()),
    };
    Ok(ForwardSpec {
        service: service.clone(),
        cluster: cluster.rsplit(':').next().unwrap_or(cluster).to_string(),
        task: task.id.clone(),
        container: container.name.clone(),
        runtime_id: container.runtime_id.clone().unwrap_or_default(),
        reach,
        local_port: local,
        label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_services_read_as_people_write_them() {
        assert_eq!(parse_ports("8080"), Some((8080, 8080)));
        assert_eq!(parse_ports("8080:18080"), Some((8080, 18080)));
        assert_eq!(parse_ports("0"), None);
        assert_eq!(parse_ports("http"), None);
        assert_eq!(parse_ports("70000"), None);
        assert_eq!(
            service_ref("prod@eu-west-1:core/orders"),
            Ok(ResourceRef::EcsService { cluster: "prod@eu-west-1:core".into(), service: "orders".into() })
        );
        assert!(service_ref("orders").is_err());
    }
}
