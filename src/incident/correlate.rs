//! "What changed before this fired?": for an alarm that went into ALARM, the changes on the
//! resource it watches (and on its neighbours in the same ECS cluster) shortly before.

use crate::domain::{ResourceRef, TimelineEvent};
use chrono::{DateTime, Duration, Utc};

/// How far before an alarm fired a change still counts as "shortly before".
pub const LOOKBACK_MINUTES: i64 = 60;
/// Changes listed per alarm: the nearest few, the rest are on the timeline.
pub const MAX_PER_ALARM: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct Correlation<'a> {
    pub event: &'a TimelineEvent,
    /// How long before the alarm fired.
    pub before: Duration,
    /// On the watched resource itself, not just in the same cluster.
    pub same_resource: bool,
}

impl Correlation<'_> {
    /// "deployment orders:9 completed — 14 min before (same service)"
    pub fn phrase(&self) -> String {
        let minutes = self.before.num_minutes();
        let when = if minutes < 1 { "less than a minute before".to_string() } else { format!("{minutes} min before") };
        let scope = match (&self.event.resource, self.same_resource) {
            (_, true) => "same resource".to_string(),
            (Some(r), false) => format!("same cluster: {r}"),
            (None, false) => "elsewhere".to_string(),
        };
        format!("{} — {when} ({scope})", self.event.summary)
    }
}

fn cluster_of(r: &ResourceRef) -> Option<&str> {
    match r {
        ResourceRef::EcsService { cluster, .. } => Some(cluster),
        _ => None,
    }
}

/// Changes on `watched` or in its cluster within the lookback before `fired`: on the resource
/// itself first, then the nearest in time.
pub fn changes_before<'a>(
    events: &'a [TimelineEvent],
    watched: &ResourceRef,
    fired: DateTime<Utc>,
) -> Vec<Correlation<'a>> {
    let from = fired - Duration::minutes(LOOKBACK_MINUTES);
    let mut found: Vec<Correlation> = events
        .iter()
        .filter(|e| e.kind.is_change() && e.time >= from && e.time <= fired)
        .filter_map(|e| {
            let r = e.resource.as_ref()?;
            let same_resource = r == watched;
            let same_cluster = cluster_of(r).is_some() && cluster_of(r) == cluster_of(watched);
            (same_resource || same_cluster).then(|| Correlation { event: e, before: fired - e.time, same_resource })
        })
        .collect();
    found.sort_by_key(|c| (!c.same_resource, c.before));
    found.truncate(MAX_PER_ALARM);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventKind, Severity};

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + min * 60, 0).unwrap()
    }

    fn svc(name: &str) -> ResourceRef {
        ResourceRef::EcsService { cluster: if name == "batch" { "other" } else { "prod" }.into(), service: name.into() }
    }

    #[test]
    fn the_watched_resource_first_then_its_cluster_within_the_hour() {
        let ev = |min, kind, r: ResourceRef, s: &str| {
            TimelineEvent::new(at(min), kind, Severity::Info, Some(r)).summary(s.to_string())
        };
        let events = vec![
            ev(-90, EventKind::Deploy, svc("web"), "deployment web:41 completed (too early)"),
            ev(-14, EventKind::Deploy, svc("web"), "deployment web:42 completed"),
            ev(-20, EventKind::Deploy, svc("web"), "deployment web:42 started"),
            ev(-5, EventKind::Change, svc("api"), "infradeck resize api"),
            ev(-3, EventKind::Deploy, svc("batch"), "other cluster"),
            ev(-2, EventKind::Task, svc("web"), "task stopped: not a change"),
            ev(-1, EventKind::Cache, ResourceRef::CacheGroup("sessions".into()), "failover"),
            ev(3, EventKind::Deploy, svc("web"), "after it fired"),
        ];
        let found = changes_before(&events, &svc("web"), at(0));
        let phrases: Vec<String> = found.iter().map(Correlation::phrase).collect();
        assert_eq!(
            phrases,
            [
                "deployment web:42 completed — 14 min before (same resource)",
                "deployment web:42 started — 20 min before (same resource)",
                "infradeck resize api — 5 min before (same cluster: ecs:prod/api)",
            ]
        );
        let cache = changes_before(&events, &ResourceRef::CacheGroup("sessions".into()), at(0));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache[0].phrase(), "failover — 1 min before (same resource)");
        assert!(changes_before(&[], &svc("web"), at(0)).is_empty());
    }
}
