//! CloudWatch Logs for the logs view. Where a service's containers log comes from its task
//! definition (the awslogs driver's `awslogs-group`, `awslogs-stream-prefix`, `awslogs-region`;
//! FireLens and other drivers are named, not read). The lines come from FilterLogEvents on the
//! group, narrowed to the service's streams (`prefix/container/`, or one task's), at most
//! [`LIMIT`] of them. FilterLogEvents is meant for people, not automation (5 requests a second
//! per account and region): one view asks one page at a time, following every 5 s at most.

use super::{Target, sdk_error};
use crate::domain::logs::{LogLine, LogPage, LogQuery, LogRoute};
use crate::provider::ProviderError;
use aws_sdk_ecs::types::LogDriver;

/// Lines one read returns at most (the newest are kept when more match).
pub const LIMIT: usize = 500;
/// Pages one read asks for at most (each up to 1 MB or 10,000 events).
const MAX_PAGES: usize = 5;

/// Where each container of the service's current task definition logs.
pub async fn routes(t: &Target, cluster: &str, service: &str) -> Result<Vec<LogRoute>, ProviderError> {
    let found = super::ecs::one_service(t, cluster, service).await?;
    let Some(arn) = found.task_definition() else {
        return Err(ProviderError::NotFound(format!("ecs:{cluster}/{service}")));
    };
    let td = t
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map_err(|e| sdk_error("ecs:DescribeTaskDefinition", e))?;
    let containers = td.task_definition().map(|d| d.container_definitions()).unwrap_or_default();
    Ok(containers
        .iter()
        .map(|c| {
            let container = c.name().unwrap_or("?").to_string();
            match c.log_configuration() {
                None => LogRoute::Nowhere { container },
                Some(l) if *l.log_driver() == LogDriver::Awslogs => {
                    let opt = |k: &str| l.options().and_then(|o| o.get(k)).cloned();
                    match opt("awslogs-group") {
                        Some(group) => LogRoute::CloudWatch {
                            container,
                            group,
                            stream_prefix: opt("awslogs-stream-prefix"),
                            region: opt("awslogs-region"),
                        },
                        None => LogRoute::Elsewhere { container, driver: "awslogs (no group)".into() },
                    }
                }
                Some(l) => LogRoute::Elsewhere { container, driver: l.log_driver().as_str().to_string() },
            }
        })
        .collect())
}

/// The lines of one awslogs route matching `q`, oldest first, and whether more matched.
async fn read_route(t: &Target, route: &LogRoute, q: &LogQuery) -> Result<(Vec<LogLine>, bool), ProviderError> {
    let LogRoute::CloudWatch { container, group, stream_prefix, region } = route else {
        return Ok((Vec::new(), false));
    };
    if region.as_ref().is_some_and(|r| r != &t.region) {
        // Another region's group: this target's client cannot read it.
        return Err(ProviderError::Other(format!(
            "{container} logs to {group} in {}: open infradeck on that region to read it",
            region.as_deref().unwrap_or("?")
        )));
    }
    // Streams are `prefix/container/task-id`; without a prefix they cannot be told apart by name.
    let prefix = stream_prefix.as_ref().map(|p| match &q.task {
        Some(task) => format!("{p}/{container}/{task}"),
        None => format!("{p}/{container}/"),
    });
    let mut lines = Vec::new();
    let mut token: Option<String> = None;
    let mut more = false;
    for page in 0..MAX_PAGES {
        let mut ask = t
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(q.from.timestamp_millis())
            .end_time(q.to.timestamp_millis())
            .set_log_stream_name_prefix(prefix.clone())
            .set_next_token(token.clone());
        if !q.pattern.is_empty() {
            ask = ask.filter_pattern(&q.pattern);
        }
        let answer = ask.send().await.map_err(|e| sdk_error("logs:FilterLogEvents", e))?;
        for e in answer.events() {
            let Some(time) = e.timestamp().and_then(chrono::DateTime::from_timestamp_millis) else { continue };
            lines.push(LogLine::new(time, e.log_stream_name().unwrap_or(""), e.message().unwrap_or("")));
        }
        token = answer.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
        if page + 1 == MAX_PAGES {
            more = true;
        }
        // Pages run oldest first: keep reading (to MAX_PAGES) so the newest are the ones kept.
        if lines.len() > 2 * LIMIT {
            lines.drain(..lines.len() - LIMIT);
            more = true;
        }
    }
    Ok((lines, more))
}

/// A service's routes and the lines its CloudWatch routes hold for `q`, newest [`LIMIT`].
pub async fn logs(t: &Target, cluster: &str, service: &str, q: &LogQuery) -> Result<LogPage, ProviderError> {
    let routes = routes(t, cluster, service).await?;
    let mut lines = Vec::new();
    let mut more = false;
    let mut routes = routes;
    for route in &mut routes {
        match read_route(t, route, q).await {
            Ok((found, cut)) => {
                lines.extend(found);
                more |= cut;
            }
            // A group the task definition names but nobody created: said, not fatal.
            Err(e) if e.to_string().contains("ResourceNotFoundException") => {
                if let LogRoute::CloudWatch { container, group, .. } = route {
                    *route = LogRoute::Missing { container: container.clone(), group: group.clone() };
                }
            }
            Err(e) => return Err(e),
        }
    }
    lines.sort_by_key(|l| l.time);
    if lines.len() > LIMIT {
        lines.drain(..lines.len() - LIMIT);
        more = true;
    }
    Ok(LogPage { routes, lines, more })
}
