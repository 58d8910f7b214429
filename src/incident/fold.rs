//! Repeats fold into one row: a service OOM-killing a task every few minutes is one line
//! ("×23 task stopped: OutOfMemoryError") rather than a screen of them, so the deploy that
//! started it stays in view.

use crate::domain::TimelineEvent;

/// One row of the timeline: `count` events starting at index `first` of the list it was made
/// from, the last of them at `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub first: usize,
    pub last: usize,
    pub count: usize,
}

fn same_run(a: &TimelineEvent, b: &TimelineEvent) -> bool {
    !a.fold.is_empty() && a.fold == b.fold && a.kind == b.kind && a.resource == b.resource
}

/// Rows for `events` (already filtered, oldest first). A run is broken only by a different
/// event of the same resource or by a change anywhere: a deploy or an alarm between two OOM
/// kills stays between them. Unfolded, every event is its own row.
pub fn rows(events: &[&TimelineEvent], folded: bool) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    let mut open: Vec<usize> = Vec::new(); // indices into `out` of runs that may still grow
    for (i, e) in events.iter().enumerate() {
        if folded && let Some(pos) = open.iter().position(|&r| same_run(events[out[r].first], e)) {
            let r = &mut out[open[pos]];
            r.last = i;
            r.count += 1;
            continue;
        }
        // This event closes runs it would interrupt: those of its resource, or all on a change.
        open.retain(|&r| {
            let head = events[out[r].first];
            !(e.kind.is_change() || e.kind == crate::domain::EventKind::Alarm || head.resource == e.resource)
        });
        out.push(Row { first: i, last: i, count: 1 });
        if folded && !e.fold.is_empty() {
            open.push(out.len() - 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventKind, ResourceRef, Severity};
    use chrono::DateTime;

    fn ev(kind: EventKind, service: &str, fold: &str) -> TimelineEvent {
        let r = ResourceRef::EcsService { cluster: "c".into(), service: service.into() };
        TimelineEvent::new(DateTime::from_timestamp(0, 0).unwrap(), kind, Severity::Info, Some(r)).fold(fold)
    }

    fn shape(events: &[TimelineEvent], folded: bool) -> Vec<(usize, usize)> {
        let refs: Vec<&TimelineEvent> = events.iter().collect();
        rows(&refs, folded).iter().map(|r| (r.first, r.count)).collect()
    }

    #[test]
    fn repeats_fold_until_something_else_happens_to_that_resource_or_a_change_anywhere() {
        use EventKind::*;
        let oom = |s| ev(Task, s, "oom");
        type Case = (&'static str, Vec<TimelineEvent>, Vec<(usize, usize)>);
        let cases: Vec<Case> = vec![
            ("a run", vec![oom("a"), oom("a"), oom("a")], vec![(0, 3)]),
            ("other resources interleave", vec![oom("a"), oom("b"), oom("a"), oom("b")], vec![(0, 2), (1, 2)]),
            ("a deploy splits", vec![oom("a"), ev(Deploy, "b", ""), oom("a")], vec![(0, 1), (1, 1), (2, 1)]),
            ("an alarm splits", vec![oom("a"), ev(Alarm, "z", "x"), oom("a")], vec![(0, 1), (1, 1), (2, 1)]),
            (
                "same resource, other event",
                vec![oom("a"), ev(Service, "a", "unhealthy"), oom("a")],
                vec![(0, 1), (1, 1), (2, 1)],
            ),
            ("no fold key", vec![ev(Task, "a", ""), ev(Task, "a", "")], vec![(0, 1), (1, 1)]),
            ("other fold key", vec![oom("a"), ev(Task, "a", "exit 1"), oom("a")], vec![(0, 1), (1, 1), (2, 1)]),
        ];
        for (name, events, want) in cases {
            assert_eq!(shape(&events, true), want, "{name}");
            assert_eq!(shape(&events, false).len(), events.len(), "{name}: unfolded keeps every event");
        }
    }

    #[test]
    fn a_row_knows_its_last_event() {
        let events =
            [ev(EventKind::Task, "a", "oom"), ev(EventKind::Task, "b", "oom"), ev(EventKind::Task, "a", "oom")];
        let refs: Vec<&TimelineEvent> = events.iter().collect();
        assert_eq!(rows(&refs, true)[0], Row { first: 0, last: 2, count: 2 });
    }
}
