//! The demo fleet's logs: each service's first container logs to CloudWatch (`/ecs/NAME`,
//! streams `NAME/CONTAINER/TASK`), any sidecar through FireLens. Requests at a steady rate, and
//! around the scripted bad `orders` deploy an error storm (OutOfMemoryError, then the OOM kills),
//! with one line that leaks a password (masked before anyone sees it).

use super::fleet::{Fleet, ServiceSpec};
use super::{noise, task_id};
use crate::domain::ResourceRef;
use crate::domain::logs::{LogLine, LogPage, LogQuery, LogRoute};
use chrono::TimeZone;

/// Lines a query answers at most (the newest); `more` says when there were others.
pub const LIMIT: usize = 500;

fn routes(s: &ServiceSpec) -> Vec<LogRoute> {
    s.containers
        .iter()
        .enumerate()
        .map(|(i, c)| match i {
            0 => LogRoute::CloudWatch {
                container: c.name.clone(),
                group: format!("/ecs/{}", s.name),
                stream_prefix: Some(s.name.clone()),
                region: None,
            },
            _ => LogRoute::Elsewhere { container: c.name.clone(), driver: "awsfirelens".into() },
        })
        .collect()
}

/// The lines one task of `s` writes at second `t` (none most seconds).
fn lines_at(s: &ServiceSpec, task: u64, t: i64, out: &mut Vec<(i64, u64, String)>) {
    let n = noise::mix(s.key ^ (t as u64).wrapping_mul(0x9e37) ^ task);
    // About one request line a task every 20 s.
    if n.is_multiple_of(20) {
        let ms = 8 + n % 90;
        out.push((t, task, format!("INFO  GET /{}/{} 200 {ms}ms", s.name, n % 10_000)));
    }
    let Some(deploy) = s.regression else { return };
    if t < deploy {
        return;
    }
    // After the bad deploy: heap warnings, then errors, thickening as memory leaks.
    let since = t - deploy;
    let storm = since > 5 * 60 && n % 45 == 1;
    if storm {
        out.push((
            t,
            task,
            format!("ERROR OrderWriter: java.lang.OutOfMemoryError: Java heap space (order {})", n % 100_000),
        ));
    } else if n % 60 == 2 {
        out.push((t, task, "WARN  GC overhead high: 87% of time in GC over the last minute".into()));
    }
    if since == 7 * 60 && task == 0 {
        out.push((t, task, "INFO  connecting to orders-db user=orders password=hunter2 pool=20".into()));
    }
}

/// A service's logs for `q`, newest [`LIMIT`] lines, oldest first.
pub fn logs(fleet: &Fleet, q: &LogQuery) -> Option<LogPage> {
    let ResourceRef::EcsService { cluster, service } = &q.service else { return None };
    let s = fleet.services.iter().find(|s| &s.cluster == cluster && &s.name == service)?;
    let routes = routes(s);
    let container = s.containers.first().map_or("app", |c| c.name.as_str());
    let (from, to) = (q.from.timestamp(), q.to.timestamp());
    // The running tasks, or the one asked for (a stopped task: the timeline names it by the
    // start of its id, which starts its streams' last part too).
    let tasks: Vec<u64> = if q.task.is_some() { vec![0] } else { (0..s.desired.max(1) as u64).collect() };
    let mut raw = Vec::new();
    for t in from.max(to - 6 * 3_600)..=to {
        for &task in &tasks {
            lines_at(s, task, t, &mut raw);
        }
    }
    let terms: Vec<&str> =
        q.pattern.split_whitespace().map(|t| t.trim_matches('"')).filter(|t| !t.is_empty()).collect();
    let mut lines: Vec<LogLine> = raw
        .into_iter()
        .filter(|(_, _, m)| terms.iter().all(|term| m.contains(term)))
        .map(|(t, task, m)| {
            let id = q.task.clone().unwrap_or_else(|| task_id(s.key, task));
            (t, format!("{}/{container}/{id}", s.name), m)
        })
        .map(|(t, stream, m)| {
            let time = chrono::Utc.timestamp_opt(t, 0).single().unwrap_or_default();
            LogLine::new(time, stream, &m)
        })
        .collect();
    let more = lines.len() > LIMIT;
    if more {
        lines.drain(..lines.len() - LIMIT);
    }
    Some(LogPage { routes, lines, more })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_012_200;

    fn query(pattern: &str) -> LogQuery {
        let at = |t: i64| chrono::Utc.timestamp_opt(t, 0).single().unwrap();
        LogQuery {
            service: ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() },
            from: at(NOW - 3_600),
            to: at(NOW),
            pattern: pattern.into(),
            task: None,
        }
    }

    #[test]
    fn orders_logs_an_error_storm_after_the_bad_deploy_and_never_its_password() {
        let fleet = Fleet::build(42, None).with_incident(NOW - super::super::incident::STARTED_BEFORE);
        let page = logs(&fleet, &query("")).expect("orders has logs");
        assert!(matches!(&page.routes[0], LogRoute::CloudWatch { group, .. } if group == "/ecs/orders"));
        assert!(page.lines.windows(2).all(|w| w[0].time <= w[1].time));
        let errors = page.lines.iter().filter(|l| l.is_error()).count();
        assert!(errors >= 20, "{errors} errors");
        let errors_only = logs(&fleet, &query("ERROR OutOfMemoryError")).unwrap();
        assert!(!errors_only.lines.is_empty() && errors_only.lines.iter().all(|l| l.message.starts_with("ERROR")));
        // The deploy was 100 minutes ago; 7 minutes after it a line leaks a password.
        let around = LogQuery {
            from: query("").to - chrono::Duration::minutes(100),
            to: query("").to - chrono::Duration::minutes(80),
            ..query("")
        };
        let all = format!("{:?}", logs(&fleet, &around));
        assert!(all.contains("password=••••••") && !all.contains("hunter2"), "masked before it is kept");
    }
}
