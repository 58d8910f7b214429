//! A review as text: sections of aligned tables for the terminal (`--format table`, and the
//! `:review` view, whose rows keep their links), Markdown for a postmortem or a team's page,
//! JSON for whatever comes next.

use super::{Link, Review, duration};
use crate::common::format::{count, money};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

pub fn render(r: &Review, format: Format) -> String {
    match format {
        Format::Table => table(r),
        Format::Json => json(r),
        Format::Markdown => markdown(r),
    }
}

/// One part of the review: a title, a table (each row with the moment it links to) and lines
/// of text after it.
pub struct Section {
    pub title: String,
    pub head: Vec<&'static str>,
    pub rows: Vec<(Vec<String>, Option<Link>)>,
    pub after: Vec<String>,
}

fn when(l: &Option<Link>) -> String {
    l.as_ref().map_or("—".into(), |l| l.at.format("%m-%d %H:%M").to_string())
}

fn opt_duration(s: Option<i64>) -> String {
    s.map_or("—".into(), duration)
}

fn rate(r: Option<f64>) -> String {
    r.map_or("—".into(), |r| format!("{:.0} %", r * 100.0))
}

/// " (last 14 days: CloudWatch keeps two weeks of alarm history)" where that cut the span.
fn alarm_days(r: &Review) -> String {
    if r.alarms_from > r.from {
        let days = ((r.to - r.alarms_from).num_seconds() as f64 / 86_400.0).round();
        format!(" (last {days} days: CloudWatch keeps two weeks of alarm history)")
    } else {
        String::new()
    }
}

/// The one-paragraph answer, before the tables.
pub fn summary(r: &Review) -> String {
    let flagged = |f: &str| r.alarms.iter().filter(|a| a.flags.contains(&f)).count();
    let c = &r.changes;
    let oom: usize = r.capacity.stops.iter().map(|s| s.oom).sum();
    let oom_services = r.capacity.stops.iter().filter(|s| s.oom > 0).count();
    let evicted: f64 = r.capacity.evictions.iter().map(|e| e.evicted).sum();
    let unapplied = &r.capacity.unapplied;
    let under = unapplied.iter().filter(|u| u.finding == "under-provisioned").count();
    let under_killed = unapplied.iter().filter(|u| u.finding == "under-provisioned" && u.oom > 0).count();
    let saving: f64 = r.capacity.unapplied_saving;
    let anomaly: f64 = r.capacity.anomalies.iter().map(|a| a.impact).sum();
    format!(
        "{} days ({} → {} UTC) of {}.\n\
         Alarms{}: {} ({} flapping, {} ignored, {} notify nobody, {} never fired, {} without data); {} target-tracking apart.\n\
         Deployments: {}, {} failed (change failure rate {}), median time to recover {}.\n\
         Capacity: {} OOM kills in {} services; {} keys evicted in {} cache groups; sizing findings not applied: \
         {} under-provisioned ({} of them OOM-killed), {} over-provisioned ({}/mo to save); {} cost anomalies (+{}).\n\
         Incidents: {} handovers written.",
        r.days(),
        r.from.format("%Y-%m-%d %H:%M"),
        r.to.format("%Y-%m-%d %H:%M"),
        r.source,
        alarm_days(r),
        r.alarms.len(),
        flagged("flapping"),
        flagged("ignored"),
        flagged("no actions"),
        flagged("never fired"),
        flagged("no data"),
        r.scaling_alarms.len(),
        c.deploys,
        c.failed,
        rate(c.failure_rate()),
        opt_duration(c.median_recover_seconds),
        oom,
        oom_services,
        count(evicted),
        r.capacity.evictions.len(),
        under,
        under_killed,
        unapplied.len() - under,
        money(saving),
        r.capacity.anomalies.len(),
        money(anomaly),
        r.incidents.len(),
    )
}

pub fn sections(r: &Review) -> Vec<Section> {
    let mut out = Vec::new();
    out.push(Section {
        title: "Alarms, noisiest first".into(),
        head: vec!["ALARM", "FIRED", "IN ALARM", "MEDIAN TO OK", "NOW", "FLAGS", "SUGGESTION", "LAST"],
        rows: r
            .alarms
            .iter()
            .map(|a| {
                (
                    vec![
                        a.name.clone(),
                        a.fired.to_string(),
                        duration(a.seconds_in_alarm),
                        opt_duration(a.median_to_ok_seconds),
                        a.state.to_string(),
                        if a.flags.is_empty() { "—".into() } else { a.flags.join(", ") },
                        a.suggestion.clone(),
                        when(&a.link),
                    ],
                    a.link.clone(),
                )
            })
            .collect(),
        after: Vec::new(),
    });
    if !r.scaling_alarms.is_empty() {
        out.push(Section {
            title: "Target-tracking alarms (autoscaling at work, not incidents)".into(),
            head: vec!["ALARM", "FIRED", "IN ALARM", "NOW"],
            rows: r
                .scaling_alarms
                .iter()
                .map(|a| {
                    (
                        vec![a.name.clone(), a.fired.to_string(), duration(a.seconds_in_alarm), a.state.to_string()],
                        a.link.clone(),
                    )
                })
                .collect(),
            after: Vec::new(),
        });
    }
    let c = &r.changes;
    out.push(Section {
        title: "Deployments per service (a failure: an alarm on it within 30 min, or a rollback)".into(),
        head: vec!["SERVICE", "DEPLOYS", "FAILED", "FAILURE RATE", "ROLLBACKS", "MEDIAN RECOVERY", "LAST"],
        rows: c
            .services
            .iter()
            .map(|s| {
                (
                    vec![
                        s.service.clone(),
                        s.deploys.to_string(),
                        s.failed.to_string(),
                        rate(s.failure_rate()),
                        s.rollbacks.to_string(),
                        opt_duration(s.median_recover_seconds),
                        when(&s.link),
                    ],
                    s.link.clone(),
                )
            })
            .collect(),
        after: vec![format!(
            "{} deployments, {} failed: change failure rate {}, median time to recover {}.",
            c.deploys,
            c.failed,
            rate(c.failure_rate()),
            opt_duration(c.median_recover_seconds)
        )],
    });
    let failures: Vec<_> = c.services.iter().flat_map(|s| s.failures.iter().map(move |f| (s, f))).collect();
    if !failures.is_empty() {
        let mut failures = failures;
        failures.sort_by_key(|(_, f)| f.deployed);
        out.push(Section {
            title: "Failed deployments".into(),
            head: vec!["DEPLOYED", "SERVICE", "REVISION", "BY", "WHAT FOLLOWED", "RECOVERED IN"],
            rows: failures
                .iter()
                .map(|(s, f)| {
                    (
                        vec![
                            f.deployed.format("%m-%d %H:%M").to_string(),
                            s.service.clone(),
                            f.revision.clone(),
                            f.by.clone(),
                            f.cause.clone(),
                            f.recovered_seconds.map_or("not in the span".into(), duration),
                        ],
                        Some(f.link.clone()),
                    )
                })
                .collect(),
            after: Vec::new(),
        });
    }
    let k = &r.capacity;
    out.push(Section {
        title: "Tasks stopped, by reason".into(),
        head: vec!["SERVICE", "STOPPED", "OOM", "HEALTH CHECK", "EXITED", "OTHER", "LAST"],
        rows: k
            .stops
            .iter()
            .map(|s| {
                (
                    vec![
                        s.service.clone(),
                        s.stopped.to_string(),
                        s.oom.to_string(),
                        s.health_check.to_string(),
                        s.exited.to_string(),
                        s.other.to_string(),
                        when(&s.link),
                    ],
                    s.link.clone(),
                )
            })
            .collect(),
        after: Vec::new(),
    });
    out.push(Section {
        title: "Evictions per cache group".into(),
        head: vec!["GROUP", "EVICTED", "FAILOVERS/ERRORS", "LAST"],
        rows: k
            .evictions
            .iter()
            .map(|e| (vec![e.group.clone(), count(e.evicted), e.incidents.to_string(), when(&e.link)], e.link.clone()))
            .collect(),
        after: Vec::new(),
    });
    out.push(Section {
        title: "Sizing findings not applied".into(),
        head: vec!["SERVICE", "FINDING", "CURRENT", "PROPOSED", "MONTHLY", "OOM KILLS"],
        rows: k
            .unapplied
            .iter()
            .map(|u| {
                (
                    vec![
                        u.service.clone(),
                        u.finding.to_string(),
                        u.current.clone(),
                        u.proposed.clone(),
                        u.monthly.clone(),
                        u.oom.to_string(),
                    ],
                    u.link.clone(),
                )
            })
            .collect(),
        after: if k.applied > 0 { vec![format!("{} applied from infradeck in the span.", k.applied)] } else { vec![] },
    });
    out.push(Section {
        title: "Cost anomalies".into(),
        head: vec!["DAY", "SERVICE", "IMPACT", "ROOT CAUSE"],
        rows: k
            .anomalies
            .iter()
            .map(|a| {
                (
                    vec![a.date.to_string(), a.service.clone(), format!("+{}", money(a.impact)), a.root_cause.clone()],
                    Some(a.link.clone()),
                )
            })
            .collect(),
        after: Vec::new(),
    });
    out.push(Section {
        title: "Incidents (handovers written with :export)".into(),
        head: vec!["WRITTEN", "TIMELINE", "FIRING", "NOTES", "FILE"],
        rows: r
            .incidents
            .iter()
            .map(|h| {
                let link = Link { at: h.to, resource: None };
                (
                    vec![
                        h.written.format("%m-%d %H:%M").to_string(),
                        format!("{} → {}", h.from.format("%m-%d %H:%M"), h.to.format("%H:%M")),
                        if h.firing.is_empty() { "—".into() } else { h.firing.join(", ") },
                        if h.notes.is_empty() { "—".into() } else { h.notes.join(" / ") },
                        h.path.clone(),
                    ],
                    Some(link),
                )
            })
            .collect(),
        after: Vec::new(),
    });
    out
}

/// Coverage, problems and cost: what the reader should know about the figures.
pub fn footnotes(r: &Review) -> Vec<String> {
    let mut out: Vec<String> = r.coverage.iter().map(|c| format!("Coverage: {c}")).collect();
    out.extend(r.problems.iter().map(|p| format!("Not read: {p}")));
    if let Some(s) = &r.spent {
        out.push(format!("Reading this cost: {s}"));
    }
    out
}

/// The widest a text column gets.
const MAX_COLUMN: usize = 60;

/// The narrowest a column is squeezed to when a table is fitted to a width.
const MIN_COLUMN: usize = 6;

/// A table's lines: the head, then each row with its link; with `fit`, the widest columns give
/// up room (a cut cell ends in "…") until the table is that wide, so every column stays in view.
pub fn table_lines(s: &Section, fit: Option<usize>) -> Vec<(String, Option<Link>)> {
    use crate::common::text::{pad, truncate, width};
    let mut widths: Vec<usize> = (0..s.head.len())
        .map(|i| {
            let widest = s.rows.iter().map(|(r, _)| width(&r[i])).chain([s.head[i].len()]).max().unwrap_or(0);
            widest.min(MAX_COLUMN)
        })
        .collect();
    if let Some(room) = fit {
        let gaps = 2 * widths.len().saturating_sub(1);
        while widths.iter().sum::<usize>() + gaps > room {
            let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else { break };
            if w <= MIN_COLUMN {
                break;
            }
            widths[i] = w - 1;
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| pad(&truncate(c, *w), *w))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![(line(s.head.clone()), None)];
    for (row, link) in &s.rows {
        out.push((line(row.iter().map(String::as_str).collect()), link.clone()));
    }
    out
}

/// Whether a line is part of a table (a heading, a head row or a row), not text to wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Text,
    Heading,
    Head,
    Row,
}

/// One line of the review as the terminal shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewLine {
    pub kind: LineKind,
    pub text: String,
    /// Rows only: where the figure comes from.
    pub link: Option<Link>,
    /// Rows only: every cell whole, "HEAD value", for when the fitted row had to cut some.
    pub whole: String,
}

/// The review as the terminal shows it, tables fitted to `width` when given; only rows have
/// links. The same lines in the same order whatever the width.
pub fn lines_at(r: &Review, width: Option<usize>) -> Vec<ReviewLine> {
    let text = |kind, text: String| ReviewLine { kind, text, link: None, whole: String::new() };
    let mut out: Vec<ReviewLine> = summary(r).lines().map(|l| text(LineKind::Text, l.to_string())).collect();
    for s in sections(r) {
        out.push(text(LineKind::Text, String::new()));
        out.push(text(LineKind::Heading, format!("── {} ({})", s.title, s.rows.len())));
        if s.rows.is_empty() {
            out.push(text(LineKind::Text, "none".into()));
        } else {
            let fitted = table_lines(&s, width);
            for (k, (line, link)) in fitted.into_iter().enumerate() {
                let whole = match k.checked_sub(1).and_then(|row| s.rows.get(row)) {
                    Some((cells, _)) => s
                        .head
                        .iter()
                        .zip(cells)
                        .filter(|(_, v)| !v.is_empty() && v.as_str() != "—")
                        .map(|(h, v)| format!("{h} {v}"))
                        .collect::<Vec<_>>()
                        .join(" · "),
                    None => String::new(),
                };
                let kind = if k == 0 { LineKind::Head } else { LineKind::Row };
                out.push(ReviewLine { kind, text: line, link, whole });
            }
        }
        out.extend(s.after.into_iter().map(|a| text(LineKind::Text, a)));
    }
    let notes = footnotes(r);
    if !notes.is_empty() {
        out.push(text(LineKind::Text, String::new()));
        out.extend(notes.into_iter().map(|n| text(LineKind::Text, n)));
    }
    out
}

/// The review's lines at their natural widths, with their links (what `:review` moves over).
pub fn lines(r: &Review) -> Vec<(String, Option<Link>)> {
    lines_at(r, None).into_iter().map(|l| (l.text, l.link)).collect()
}

pub fn table(r: &Review) -> String {
    let mut out = String::new();
    for (line, _) in lines(r) {
        let _ = writeln!(out, "{line}");
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn markdown(r: &Review) -> String {
    let mut out = format!("# What kept happening: {} days of {}\n\n", r.days(), r.source);
    for l in summary(r).lines().skip(1) {
        let _ = writeln!(out, "- {l}");
    }
    let _ = writeln!(
        out,
        "\nEach row's last column is where its figures come from: type it in infradeck to open the timeline there.\n"
    );
    for s in sections(r) {
        let _ = writeln!(out, "## {}\n", s.title);
        if s.rows.is_empty() {
            let _ = writeln!(out, "None.\n");
            continue;
        }
        let _ = writeln!(out, "| {} | SEE |", s.head.join(" | "));
        let _ = writeln!(out, "|{}---|", "---|".repeat(s.head.len()));
        for (row, link) in &s.rows {
            let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
            let see = link.as_ref().map_or(String::new(), |l| format!("`{}`", l.command()));
            let _ = writeln!(out, "| {} | {see} |", cells.join(" | "));
        }
        for a in &s.after {
            let _ = writeln!(out, "\n{a}");
        }
        out.push('\n');
    }
    for n in footnotes(r) {
        let _ = writeln!(out, "- {n}");
    }
    out
}

pub fn json(r: &Review) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
