//! `infradeck forward CLUSTER/SERVICE PORT[:LOCAL]` and `infradeck forward redis GROUP [LOCAL]
//! --via CLUSTER/SERVICE`: a port forward in the foreground until Ctrl-C, through a running task
//! of the service (its container's port, or a host it reaches: a private ElastiCache endpoint).
//! The same checks as a shell (the forward is a session through the same agent), the same local
//! relay that holds the port and re-opens a session AWS closed, and the session ended on exit.

use crate::domain::ResourceRef;
use crate::exec::forward::{ForwardSpec, ForwardState, Forwards, Reach};
use crate::exec::preflight;
use crate::provider::{ForwardOpener, Provider};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct ForwardArgs {
    /// `cluster/service`, or `redis`.
    pub target: String,
    /// `PORT[:LOCAL]` for a service; the group id for redis.
    pub first: Option<String>,
    /// The local port for redis.
    pub second: Option<String>,
    pub task: Option<String>,
    pub container: Option<String>,
    /// Redis: the service whose task reaches the group.
    pub via: Option<String>,
}

/// The forward asked for, checked: (spec, what to print).
pub async fn spec(provider: &dyn Provider, args: &ForwardArgs) -> Result<ForwardSpec, String> {
    let (service, reach, local) = if args.target == "redis" {
        let group = args
            .first
            .clone()
            .ok_or("give the replication group: infradeck forward redis GROUP [LOCAL] --via CLUSTER/SERVICE")?;
        let via = args.via.clone().ok_or(
            "a Redis group is reached through a running task of a service in its VPC: add --via CLUSTER/SERVICE",
        )?;
        let (host, port) = provider.cache_endpoint(&group).await.map_err(|e| format!("{e} ({})", e.hint()))?;
        let local = match &args.second {
            Some(l) => l.parse::<u16>().map_err(|_| format!("{l:?} is not a local port"))?,
            None => port,
        };
        (super::exec::service_ref(&via)?, Reach::RemoteHost { host, port }, local)
    } else {
        let ports = args.first.clone().ok_or("give the port: infradeck forward CLUSTER/SERVICE PORT[:LOCAL]")?;
        let (remote, local) =
            crate::app::tasks::parse_ports(&ports).ok_or_else(|| format!("{ports:?} is not PORT or PORT:LOCAL"))?;
        (super::exec::service_ref(&args.target)?, Reach::Container { port: remote }, local)
    };
    crate::exec::forward::port_free(local)?;
    let tasks = provider
        .tasks(&service)
        .await
        .map_err(|e| format!("cannot read the tasks of {service}: {e} ({})", e.hint()))?;
    let task = match &args.task {
        Some(id) => id.clone(),
        None => super::exec::default_task(&tasks)
            .map(|t| t.id.clone())
            .ok_or_else(|| format!("{service} has no running task"))?,
    };
    let (task, container) = preflight::check(&tasks, &task, args.container.as_deref(), &provider.exec_plugin())
        .map_err(|r| r.to_string())?;
    let ResourceRef::EcsService { cluster, service: name } = &service else { unreachable!("service_ref") };
    let label = match &reach {
        Reach::Container { port } => format!("{name}:{port} (task {})", task.short_id()),
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

/// Run the forward until Ctrl-C (or until it fails for good), saying when it is up and when it
/// re-opens; its session is ended on the way out.
pub async fn forward(provider: Arc<dyn Provider>, args: &ForwardArgs) -> Result<(), String> {
    let spec = spec(provider.as_ref(), args).await?;
    let forwards = Forwards::new();
    let opener = Arc::new(ForwardOpener { provider: Arc::clone(&provider), spec: spec.clone() });
    let local = spec.local_port;
    let id = forwards.start(spec.clone(), opener)?;
    eprintln!("infradeck: forwarding 127.0.0.1:{local} → {} (Ctrl-C stops)", spec.label);
    let mut said = ForwardState::Starting;
    let mut every = tokio::time::interval(std::time::Duration::from_millis(250));
    let failed = loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break None,
            _ = every.tick() => {
                let Some(status) = forwards.get(id) else { break Some("the forward vanished".to_string()) };
                if status.state != said {
                    match &status.state {
                        ForwardState::Up => eprintln!("infradeck: up: 127.0.0.1:{local} answers"),
                        ForwardState::Reconnecting { attempt } => eprintln!("infradeck: AWS closed the session: re-opening (attempt {attempt})"),
                        ForwardState::Failed(why) => break Some(why.clone()),
                        ForwardState::Stopped => break None,
                        ForwardState::Starting => {}
                    }
                    said = status.state.clone();
                }
            }
        }
    };
    let status = forwards.get(id);
    forwards.stop_all().await;
    if let Some(s) = status {
        eprintln!("infradeck: forward ended: {} in, {} out, {} connection(s)", s.bytes_in, s.bytes_out, s.connections);
    }
    match failed {
        Some(why) => Err(why),
        None => Ok(()),
    }
}
