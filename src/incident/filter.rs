//! The timeline's `/` filter: `kind:deploy`, `res:orders` and free words, all of which must match
//! (case-insensitive). Free words look in the summary, the resource and the kind.

use crate::domain::{EventKind, TimelineEvent};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventFilter {
    pub kinds: Vec<EventKind>,
    pub resource: Vec<String>,
    pub words: Vec<String>,
}

impl EventFilter {
    /// Parse what was typed; an unknown `kind:` is an error that lists the kinds.
    pub fn parse(text: &str) -> Result<EventFilter, String> {
        let mut f = EventFilter::default();
        for token in text.split_whitespace() {
            let lower = token.to_lowercase();
            if let Some(k) = lower.strip_prefix("kind:") {
                let kind = EventKind::parse(k).ok_or_else(|| {
                    let all: Vec<&str> = EventKind::ALL.iter().map(|k| k.label()).collect();
                    format!("unknown kind '{k}' (kinds: {})", all.join(", "))
                })?;
                f.kinds.push(kind);
            } else if let Some(r) = lower.strip_prefix("res:").or_else(|| lower.strip_prefix("resource:")) {
                f.resource.push(r.to_string());
            } else {
                f.words.push(lower);
            }
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.resource.is_empty() && self.words.is_empty()
    }

    pub fn matches(&self, e: &TimelineEvent) -> bool {
        let resource = e.resource.as_ref().map(|r| r.to_string().to_lowercase()).unwrap_or_default();
        let kind_ok = self.kinds.is_empty() || self.kinds.contains(&e.kind);
        let resource_ok = self.resource.iter().all(|r| resource.contains(r.as_str()));
        let words_ok = self.words.is_empty() || {
            let hay = format!("{} {} {}", e.kind.label(), resource, e.summary.to_lowercase());
            self.words.iter().all(|w| hay.contains(w.as_str()))
        };
        kind_ok && resource_ok && words_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ResourceRef, Severity};
    use chrono::DateTime;

    fn ev(kind: EventKind, resource: Option<ResourceRef>, summary: &str) -> TimelineEvent {
        TimelineEvent::new(DateTime::from_timestamp(0, 0).unwrap(), kind, Severity::Info, resource).summary(summary)
    }

    #[test]
    fn kinds_resources_and_words_all_have_to_match() {
        let orders = Some(ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() });
        let sessions = Some(ResourceRef::CacheGroup("sessions".into()));
        let events = [
            ev(EventKind::Deploy, orders.clone(), "deployment orders:9 completed"),
            ev(EventKind::Task, orders, "task 1a2b stopped: OutOfMemoryError"),
            ev(EventKind::Cache, sessions, "Failover to replica node sessions-002 completed"),
            ev(EventKind::Note, None, "alice: paging the orders team"),
        ];
        let cases: &[(&str, &[usize])] = &[
            ("", &[0, 1, 2, 3]),
            ("kind:deploy", &[0]),
            ("kind:dep kind:task", &[0, 1]),
            ("res:orders", &[0, 1]),
            ("res:redis:", &[2]),
            ("orders", &[0, 1, 3]),
            ("OOM", &[]),
            ("outofmemory", &[1]),
            ("kind:task outofmemory", &[1]),
            ("res:orders failover", &[]),
            ("cache", &[2]),
        ];
        for (text, want) in cases {
            let f = EventFilter::parse(text).unwrap();
            let got: Vec<usize> = (0..events.len()).filter(|i| f.matches(&events[*i])).collect();
            assert_eq!(&got, want, "filter {text:?}");
        }
    }

    #[test]
    fn an_unknown_or_ambiguous_kind_says_which_kinds_exist() {
        let e = EventFilter::parse("kind:nope").unwrap_err();
        assert!(e.contains("unknown kind 'nope'") && e.contains("deploy") && e.contains("note"), "{e}");
        assert!(EventFilter::parse("kind:c").is_err(), "cache, cost and change all start with c");
        assert!(EventFilter::parse("kind:").is_err());
    }
}
