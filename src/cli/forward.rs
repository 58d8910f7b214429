//! `infradeck forward CLUSTER/SERVICE PORT[:LOCAL]` and `infradeck forward redis GROUP [LOCAL]
//! --via CLUSTER/SERVICE`: a port forward in the foreground until Ctrl-C, through a running task
//! of the service (its container's port, or a host it reaches: a private ElastiCache endpoint).
//! The same checks as a shell (the forward is a session through the same agent), the same local
//! relay that holds the port and re-opens a session AWS closed, and the session ended on exit.

use crate::exec::forward::{ForwardSpec, ForwardState, Forwards};
use crate::provider::hands::{ForwardAsk, Reaching, forward_spec, parse_ports, service_ref};
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

/// The forward the command line asks for, checked.
pub async fn spec(provider: &dyn Provider, args: &ForwardArgs) -> Result<ForwardSpec, String> {
    let reaching = if args.target == "redis" {
        let group = args
            .first
            .clone()
            .ok_or("give the replication group: infradeck forward redis GROUP [LOCAL] --via CLUSTER/SERVICE")?;
        let via = args.via.as_deref().ok_or(
            "a Redis group is reached through a running task of a service in its VPC: add --via CLUSTER/SERVICE",
        )?;
        let local = match &args.second {
            Some(l) => Some(l.parse::<u16>().map_err(|_| format!("{l:?} is not a local port"))?),
            None => None,
        };
        Reaching::Redis { group, via: service_ref(via)?, local }
    } else {
        let ports = args.first.clone().ok_or("give the port: infradeck forward CLUSTER/SERVICE PORT[:LOCAL]")?;
        let (port, local) = parse_ports(&ports).ok_or_else(|| format!("{ports:?} is not PORT or PORT:LOCAL"))?;
        Reaching::Container { service: service_ref(&args.target)?, port, local }
    };
    let ask = ForwardAsk { reaching, task: args.task.clone(), container: args.container.clone() };
    forward_spec(provider, &ask).await
}

/// Run the forward until Ctrl-C (or until it fails for good), saying when it is up and when it
/// re-opens; its session is ended on the way out.
pub async fn forward(
    provider: Arc<dyn Provider>,
    args: &ForwardArgs,
    audit: Option<std::path::PathBuf>,
) -> Result<(), String> {
    let spec = spec(provider.as_ref(), args).await?;
    let entry = crate::exec::forward_audit_entry(&spec, chrono::Utc::now(), provider.caller(), provider.source().label);
    let forwards = Forwards::new();
    let opener = Arc::new(ForwardOpener { provider: Arc::clone(&provider), spec: spec.clone() });
    let local = spec.local_port;
    let id = forwards.start(spec.clone(), opener)?;
    if let Some(path) = audit
        && let Err(e) = crate::apply::AuditLog::new(path).append(&entry)
    {
        eprintln!("infradeck: AUDIT LOG NOT WRITTEN: {e}");
    }
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
