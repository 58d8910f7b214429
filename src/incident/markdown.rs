//! `:export` in the incident view: a Markdown handover — what is wrong now, what changed before
//! each firing alarm, the timeline, the notes, and the affected resources with text snapshots of
//! their charts — ready for a postmortem, a PR or the next person on call.

use super::correlate;
use super::fold;
use super::header::Header;
use super::notes::Note;
use crate::common::format::{pct, sparkline, task_size};
use crate::domain::{Alarm, CacheGroup, EcsService, ResourceRef, SourceProblem, TimelineEvent};
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// Everything the handover is written from.
pub struct Handover<'a> {
    pub source: &'a str,
    pub now: DateTime<Utc>,
    pub from: DateTime<Utc>,
    /// The assembled timeline, oldest first (unfiltered: a handover leaves nothing out).
    pub events: &'a [TimelineEvent],
    pub problems: &'a [SourceProblem],
    pub notes: &'a [Note],
    pub alarms: &'a [Alarm],
    pub services: &'a [EcsService],
    pub groups: &'a [CacheGroup],
    /// The latest sizing run's suggestions, with each service's SLO standing.
    pub recs: &'a std::collections::HashMap<String, crate::sizing::recommend::EcsRecommendation>,
    /// What the pane sparklines span ("24h").
    pub window: &'a str,
    /// Console sign-ins flagged in the span.
    pub security: &'a [super::signins::Flag],
}

/// `|` would end a table cell; newlines would end the row.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

/// Resources worth a look: anything firing, short of tasks or evicting, and anything the
/// timeline has a warning about; in that order, each once.
pub fn affected(header: &Header, events: &[TimelineEvent]) -> Vec<ResourceRef> {
    let mut out: Vec<ResourceRef> = Vec::new();
    let mut add = |r: &ResourceRef| {
        if !out.contains(r) {
            out.push(r.clone());
        }
    };
    header.firing.iter().filter_map(|(_, r)| r.as_ref()).for_each(&mut add);
    header.below_desired.iter().for_each(|(r, ..)| add(r));
    header.evicting.iter().for_each(|(r, _)| add(r));
    header.burning.iter().for_each(|(r, _)| add(r));
    events
        .iter()
        .filter(|e| e.severity >= crate::domain::Severity::Warn)
        .filter_map(|e| e.resource.as_ref())
        .for_each(add);
    out
}

fn service_state(out: &mut String, s: &EcsService, window: &str) {
    let _ = writeln!(
        out,
        "- tasks {} running / {} desired · {} · task size {} (vCPU / GiB) · {}",
        s.running,
        s.desired,
        s.task_definition,
        task_size(s.task_cpu, s.task_memory),
        s.launch_type.label()
    );
    let _ = writeln!(
        out,
        "- CPU avg {}% · p99 {}% · max {}% — memory avg {}% · max {}% (of the reservation, {window}) · OOM kills {}",
        pct(s.cpu.avg),
        pct(s.cpu.p99),
        pct(s.cpu.max),
        pct(s.memory.avg),
        pct(s.memory.max),
        s.oom_kills
    );
    if let Some(d) = &s.deployment {
        let _ =
            writeln!(out, "- deployment {} {:?}: {}/{} running", d.task_definition, d.rollout, d.running, d.desired);
    }
    let _ = writeln!(
        out,
        "\n```text\nCPU %    {}\nmemory % {}\n```",
        sparkline(&s.cpu_spark, 48, 100.0),
        sparkline(&s.memory_spark, 48, 100.0)
    );
}

fn group_state(out: &mut String, g: &CacheGroup, window: &str) {
    let _ = writeln!(
        out,
        "- {} {} · {} · {} shard(s) × {} node(s)",
        g.engine.label(),
        g.engine_version,
        g.node_type,
        g.shards,
        1 + g.replicas_per_shard
    );
    let _ = writeln!(
        out,
        "- memory avg {}% · max {}% · engine CPU max {}% · evictions {} · connections max {:.0} ({window})",
        pct(g.memory.avg),
        pct(g.memory.max),
        pct(g.engine_cpu.max),
        g.evictions,
        g.connections.max
    );
    let _ = writeln!(
        out,
        "\n```text\nmemory %     {}\nengine CPU % {}\n```",
        sparkline(&g.memory_spark, 48, 100.0),
        sparkline(&g.cpu_spark, 48, 100.0)
    );
}

pub fn render(h: &Handover) -> String {
    let mut out = String::new();
    let header = Header::build(h.alarms, h.services, h.groups, h.recs);
    let _ = writeln!(out, "# Incident handover — {}\n", h.now.format("%Y-%m-%d %H:%M UTC"));
    let _ = writeln!(
        out,
        "Source: {} · timeline {} → {} UTC · written by infradeck\n",
        h.source,
        h.from.format("%Y-%m-%d %H:%M"),
        h.now.format("%H:%M")
    );
    now_section(&mut out, h, &header);
    changes_before_alarms(&mut out, h);
    security_section(&mut out, h);
    timeline_section(&mut out, h);
    notes_section(&mut out, h);
    affected_section(&mut out, h, &header);
    out
}

/// What is wrong right now: alarms firing, services short of tasks, groups evicting, SLOs burning.
fn now_section(out: &mut String, h: &Handover, header: &Header) {
    let _ = writeln!(out, "## Now\n");
    if header.firing.is_empty()
        && header.below_desired.is_empty()
        && header.evicting.is_empty()
        && header.burning.is_empty()
    {
        let _ =
            writeln!(out, "Nothing firing, no service short of tasks, no Redis group evicting, no SLO burning fast.");
    }
    for (name, r) in &header.firing {
        let watched = r.as_ref().map_or(String::new(), |r| format!(" (watches {r})"));
        let _ = writeln!(out, "- **ALARM** {name}{watched}");
    }
    for (r, running, desired) in &header.below_desired {
        let _ = writeln!(out, "- **below desired** {r}: {running} running / {desired} desired");
    }
    for (r, n) in &header.evicting {
        let _ = writeln!(out, "- **evicting** {r}: {n} evictions ({})", h.window);
    }
    for (r, what) in &header.burning {
        let _ = writeln!(out, "- **SLO burning fast** {r}: {what}");
    }
    for p in h.problems {
        let _ = writeln!(out, "- _could not read {}: {} ({})_", p.source, p.error, p.error.hint());
    }
}

/// For each alarm firing, the changes on its resource (or cluster) just before it fired.
fn changes_before_alarms(out: &mut String, h: &Handover) {
    let firing: Vec<&Alarm> = h.alarms.iter().filter(|a| a.firing()).collect();
    if !firing.is_empty() {
        let _ = writeln!(out, "\n## What changed before each alarm fired\n");
        for a in firing {
            let _ = writeln!(out, "**{}** fired {} UTC", a.name, a.since.format("%H:%M"));
            let found =
                a.resource.as_ref().map(|r| correlate::changes_before(h.events, r, a.since)).unwrap_or_default();
            if found.is_empty() {
                let _ = writeln!(
                    out,
                    "- no change on its resource or cluster in the {} min before",
                    correlate::LOOKBACK_MINUTES
                );
            }
            for c in found {
                let _ = writeln!(out, "- {}", c.phrase());
            }
            out.push('\n');
        }
    }
}

/// Who was in the account and what was changed by hand: flagged sign-ins, and hand changes to
/// resources that infrastructure as code owns (drift to reconcile after the incident).
fn security_section(out: &mut String, h: &Handover) {
    let drift: Vec<&TimelineEvent> = h
        .events
        .iter()
        .filter(|e| e.kind == crate::domain::EventKind::Api && e.summary.contains(" · DRIFT: "))
        .collect();
    if h.security.is_empty() && drift.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Sign-ins and changes by hand\n");
    for f in h.security {
        let _ = writeln!(out, "- **sign-in** {} UTC: {}", time(f.time), f.why);
    }
    for e in drift {
        let on = e.resource.as_ref().map_or(String::new(), |r| format!(" {r}"));
        let _ = writeln!(out, "- **drift**{on} {} UTC: {}", time(e.time), e.summary);
    }
}

/// Every event of the span, repeats folded into one row.
fn timeline_section(out: &mut String, h: &Handover) {
    let _ = writeln!(out, "\n## Timeline\n\n| time (UTC) | kind | resource | what |\n|---|---|---|---|");
    let refs: Vec<&TimelineEvent> = h.events.iter().collect();
    for row in fold::rows(&refs, true) {
        let e = refs[row.first];
        let what = if row.count > 1 {
            format!("×{} {} (last {})", row.count, e.summary, time(refs[row.last].time))
        } else {
            e.summary.clone()
        };
        let resource = e.resource.as_ref().map_or("—".into(), |r| r.to_string());
        let _ = writeln!(out, "| {} | {} | {} | {} |", time(e.time), e.kind.label(), cell(&resource), cell(&what));
    }
    if h.events.is_empty() {
        let _ = writeln!(out, "| — | — | — | nothing recorded in this span |");
    }
}

fn notes_section(out: &mut String, h: &Handover) {
    let _ = writeln!(out, "\n## Notes\n");
    if h.notes.is_empty() {
        let _ = writeln!(out, "No notes.");
    }
    for n in h.notes {
        let _ = writeln!(out, "- {} UTC — {}: {}", n.time.format("%Y-%m-%d %H:%M"), n.author, n.text);
    }
}

/// The state of each resource the header or the timeline names.
fn affected_section(out: &mut String, h: &Handover, header: &Header) {
    let _ = writeln!(out, "\n## Affected resources\n");
    let resources = affected(header, h.events);
    if resources.is_empty() {
        let _ = writeln!(out, "None.");
    }
    for r in resources {
        let _ = writeln!(out, "### {r}\n");
        match &r {
            ResourceRef::EcsService { cluster, service } => {
                match h.services.iter().find(|s| &s.cluster == cluster && &s.name == service) {
                    Some(s) => service_state(out, s, h.window),
                    None => {
                        let _ = writeln!(out, "- not in the ECS pane's data");
                    }
                }
            }
            ResourceRef::CacheGroup(id) => match h.groups.iter().find(|g| &g.id == id) {
                Some(g) => group_state(out, g, h.window),
                None => {
                    let _ = writeln!(out, "- not in the Redis pane's data");
                }
            },
            _ => {}
        }
        out.push('\n');
    }
}

/// `infradeck-incident-20261122-0412.md`
pub fn file_name(now: DateTime<Utc>) -> String {
    format!("infradeck-incident-{}.md", now.format("%Y%m%d-%H%M"))
}
