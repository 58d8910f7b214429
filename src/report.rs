//! `infradeck report`: the right-sizing suggestions without the TUI, as a table, JSON, Markdown
//! or CSV, for pairing sessions, PR descriptions and CI gates.

use crate::common::format::{money, task_size};
use crate::domain::CacheGroup;
use crate::sizing::recommend::{EcsRecommendation, Finding};
use crate::sizing::redis::{self, CacheRecommendation};
use clap::ValueEnum;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Csv,
}

/// Which findings make `report` exit non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    UnderProvisioned,
    OverProvisioned,
    /// Any finding other than optimized (or not enough data).
    Any,
}

impl FailOn {
    fn matches(self, f: Finding) -> bool {
        match self {
            FailOn::UnderProvisioned => f == Finding::UnderProvisioned,
            FailOn::OverProvisioned => f == Finding::OverProvisioned,
            FailOn::Any => matches!(f, Finding::UnderProvisioned | Finding::OverProvisioned),
        }
    }

    pub fn trips(self, recs: &[EcsRecommendation]) -> bool {
        recs.iter().any(|r| self.matches(r.finding))
    }

    pub fn trips_redis(self, recs: &[CacheRecommendation]) -> bool {
        recs.iter().any(|r| self.matches(r.finding))
    }
}

/// Redis suggestions in report order: at risk first, then the largest saving.
pub fn cache_recommendations(
    groups: &[CacheGroup],
    catalogue: &crate::sizing::catalog::NodeCatalogue,
) -> Vec<CacheRecommendation> {
    let mut recs: Vec<CacheRecommendation> = groups.iter().map(|g| redis::recommend_in(g, catalogue)).collect();
    recs.sort_by(|a, b| {
        crate::sizing::run::rank_of(a.finding)
            .cmp(&crate::sizing::run::rank_of(b.finding))
            .then_with(|| a.monthly_change().unwrap_or(0.0).total_cmp(&b.monthly_change().unwrap_or(0.0)))
            .then_with(|| a.group.cmp(&b.group))
    });
    recs
}

const REDIS_HEAD: [&str; 7] = ["GROUP", "FINDING", "CURRENT", "PROPOSED", "MONTHLY", "RISK", "ALSO"];

fn redis_row(r: &CacheRecommendation) -> [String; 7] {
    let also = [r.topology.clone(), r.valkey_saving.filter(|s| *s >= 0.5).map(|s| format!("Valkey -{}/mo", money(s)))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ");
    [
        r.group.clone(),
        r.finding.label().to_string(),
        format!("{} ×{}", r.current, r.nodes),
        r.proposed.clone().unwrap_or_else(|| "—".into()),
        r.monthly_change().map_or("—".into(), |c| format!("{}{}/mo", if c > 0.0 { "+" } else { "" }, money(c))),
        match (r.finding, r.risk) {
            (Finding::NotEnoughData, _) => "—".into(),
            (_, risk) => format!("{risk:?}").to_lowercase(),
        },
        if also.is_empty() { "—".into() } else { also },
    ]
}

/// The widest a table column gets: one 200-character service name must not widen every row.
const MAX_COLUMN: usize = 48;

/// `s` in at most `width` characters, the middle replaced by `…` (both ends of a name are what
/// tells services apart: `prod-payments-…-worker-eu`).
pub fn shorten_middle(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width < 2 {
        return "…".chars().take(width).collect();
    }
    let head = (width - 1).div_ceil(2);
    let tail = width - 1 - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

fn aligned<const N: usize>(head: [&str; N], rows: &[[String; N]]) -> String {
    crate::common::text::aligned(head, rows, MAX_COLUMN, shorten_middle)
}

/// The version of `report --format json`'s shape (README: "JSON outputs"). 2: every record
/// carries `account_id`, `account`, `region`, `cluster`/`service` or `group`, and `arn`; the
/// name as shown moved from `service`/`group` to `name`.
pub const JSON_VERSION: u32 = 2;

/// ECS and Redis suggestions together, and under `--org` each account's totals. JSON is one
/// object (`{"version": 2, "ecs": [...], "redis": [...], "accounts": [...]}`); CSV has one row
/// shape, so it carries the ECS services only.
pub fn render_all(
    ecs: &[EcsRecommendation],
    cache: &[CacheRecommendation],
    accounts: &[crate::accounts::AccountTotals],
    format: Format,
) -> String {
    let by_account = |markdown: bool| {
        if accounts.is_empty() {
            return String::new();
        }
        let head = if markdown { "\n## By account\n\n" } else { "\nBY ACCOUNT\n" };
        format!("{head}{}", crate::accounts::render(accounts, markdown))
    };
    match format {
        Format::Csv => render(ecs, format),
        Format::Json => {
            // Serialized straight from the recommendations: a `json!` tree of 10,000 services
            // would hold a second copy of everything (~80 MB).
            #[derive(serde::Serialize)]
            struct All<'a> {
                version: u32,
                ecs: &'a [EcsRecommendation],
                redis: &'a [CacheRecommendation],
                #[serde(skip_serializing_if = "<[_]>::is_empty")]
                accounts: &'a [crate::accounts::AccountTotals],
            }
            serde_json::to_string_pretty(&All { version: JSON_VERSION, ecs, redis: cache, accounts })
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        }
        Format::Table if cache.is_empty() => format!("{}{}", render(ecs, format), by_account(false)),
        Format::Table => {
            let rows: Vec<[String; 7]> = cache.iter().map(redis_row).collect();
            format!("{}\n{}{}", render(ecs, format), aligned(REDIS_HEAD, &rows), by_account(false))
        }
        Format::Markdown => {
            let mut out = render(ecs, format);
            if cache.is_empty() {
                return out + &by_account(true);
            }
            out.push_str("## Redis / ElastiCache suggestions\n\n");
            let _ = writeln!(out, "| {} |", REDIS_HEAD.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(REDIS_HEAD.len()));
            for r in cache {
                let _ = writeln!(out, "| {} |", redis_row(r).join(" | "));
            }
            out.push('\n');
            for r in cache.iter().filter(|r| matches!(r.finding, Finding::UnderProvisioned | Finding::OverProvisioned))
            {
                let _ = writeln!(out, "**{}** ({})", r.group, r.finding.label());
                for e in &r.evidence {
                    let _ = writeln!(out, "- {e}");
                }
                out.push('\n');
            }
            out + &by_account(true)
        }
    }
}

fn size(s: Option<(u32, u32)>) -> String {
    s.map_or("—".into(), |(c, m)| task_size(c, m))
}

fn change(r: &EcsRecommendation) -> String {
    match (r.monthly_change(), r.capacity_freed) {
        (Some(c), _) => format!("{}{}/mo", if c > 0.0 { "+" } else { "" }, money(c)),
        // EC2: what the cluster gains (+) or must add (−) in capacity across running tasks.
        (None, Some((cpu, gib))) => format!("capacity {:+.2} vCPU {:+.1} GiB", cpu, gib),
        _ => "—".into(),
    }
}

fn backtest(r: &EcsRecommendation) -> String {
    r.backtest.map_or("—".into(), |b| format!("{}/{} min", b.cpu_minutes_over, b.memory_minutes_over))
}

fn risk(r: &EcsRecommendation) -> &'static str {
    match (r.finding, r.risk) {
        (Finding::NotEnoughData, _) => "—",
        (_, crate::sizing::recommend::Risk::Low) => "low",
        (_, crate::sizing::recommend::Risk::Medium) => "medium",
        (_, crate::sizing::recommend::Risk::High) => "high",
    }
}

const HEAD: [&str; 10] = [
    "SERVICE",
    "LAUNCH",
    "FINDING",
    "CURRENT",
    "PROPOSED",
    "MONTHLY",
    "RISK",
    "OVER cpu/mem",
    "SLO",
    "COMPUTE OPTIMIZER",
];

/// "burning fast, -508 % budget left", "ok, 71 % budget left", or "—" (no load balancer/objective).
fn slo_status(r: &EcsRecommendation) -> String {
    let Some(slo) = &r.slo else {
        return "—".into();
    };
    match slo.budget_remaining() {
        Some(b) => format!("{}, {:.0} % budget left", slo.status(), b * 100.0),
        None => slo.status().to_string(),
    }
}

fn row(r: &EcsRecommendation) -> [String; 10] {
    [
        r.service.clone(),
        r.launch_type.to_string(),
        r.finding.label().to_string(),
        size(Some(r.current)),
        size(r.proposed),
        change(r),
        risk(r).to_string(),
        backtest(r),
        slo_status(r),
        r.compute_optimizer.as_ref().map_or("—".into(), |c| c.cell()),
    ]
}

fn summary(recs: &[EcsRecommendation]) -> String {
    let count = |f| recs.iter().filter(|r| r.finding == f).count();
    let saving: f64 = recs.iter().filter_map(|r| r.monthly_change()).filter(|c| *c < 0.0).sum();
    let basis = recs.iter().find_map(|r| r.priced_at).map_or(" at list prices".to_string(), |n| {
        format!(
            " at this account's effective rate ({:.0} % of list in {}; --prices list for list)",
            n.ratio * 100.0,
            n.month_label()
        )
    });
    let mut out = format!(
        "{} services: {} under-provisioned, {} over-provisioned, {} optimized, {} without enough data; Fargate savings {}/month{basis}",
        recs.len(),
        count(Finding::UnderProvisioned),
        count(Finding::OverProvisioned),
        count(Finding::Optimized),
        count(Finding::NotEnoughData),
        money(-saving)
    );
    let judged: Vec<&str> = recs.iter().filter_map(|r| r.slo.map(|s| s.status())).collect();
    if !judged.is_empty() {
        let with = |status: &str| judged.iter().filter(|j| **j == status).count();
        out.push_str(&format!(
            "\nSLOs: {} services judged: {} burning fast, {} burning, {} budget spent, {} ok",
            judged.len(),
            with("burning fast"),
            with("burning"),
            with("budget spent"),
            with("ok")
        ));
    }
    if let Some(line) = crate::sizing::optimizer::agreement_summary(recs) {
        out.push('\n');
        out.push_str(&line);
    }
    out
}

pub fn render(recs: &[EcsRecommendation], format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(recs).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")),
        Format::Csv => csv_text(recs),
        Format::Table => {
            let rows: Vec<[String; 10]> = recs.iter().map(row).collect();
            format!("{}\n{}\n", aligned(HEAD, &rows), summary(recs))
        }
        Format::Markdown => {
            let mut out = String::from("## Right-sizing suggestions\n\n");
            let _ = writeln!(out, "| {} |", HEAD.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(HEAD.len()));
            for r in recs {
                let _ = writeln!(out, "| {} |", row(r).join(" | "));
            }
            let _ = writeln!(out, "\n{}\n\n### Evidence\n", summary(recs));
            for r in recs.iter().filter(|r| matches!(r.finding, Finding::UnderProvisioned | Finding::OverProvisioned)) {
                let _ = writeln!(
                    out,
                    "**{}** ({}): {} → {}",
                    r.service,
                    r.finding.label(),
                    size(Some(r.current)),
                    size(r.proposed)
                );
                for e in &r.evidence {
                    let _ = writeln!(out, "- {e}");
                }
                if let Some(line) =
                    r.compute_optimizer.as_ref().and_then(|c| c.explanation.as_ref().or(c.reason.as_ref()))
                {
                    let _ = writeln!(out, "- Compute Optimizer: {line}");
                }
                out.push('\n');
            }
            out
        }
    }
}

/// The CSV's Compute Optimizer columns: status, its cpu and memory, finding, agreement, the
/// dollars between the two, and the explanation (or why there is none).
fn optimizer_fields(view: Option<&crate::sizing::optimizer::OptimizerView>) -> [String; 7] {
    let Some(v) = view else {
        return Default::default();
    };
    let size = v.recommendation.as_ref().and_then(|r| r.recommended);
    [
        v.status.to_string(),
        size.map_or(String::new(), |s| s.0.to_string()),
        size.map_or(String::new(), |s| s.1.to_string()),
        v.recommendation.as_ref().map_or(String::new(), |r| r.finding.clone()),
        v.agreement.map_or(String::new(), |a| a.label().to_string()),
        v.monthly_difference.map_or(String::new(), |d| format!("{d:.2}")),
        v.explanation.clone().or_else(|| v.reason.clone()).unwrap_or_default(),
    ]
}

fn csv_text(recs: &[EcsRecommendation]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "service",
        "launch_type",
        "finding",
        "current_cpu",
        "current_memory",
        "proposed_cpu",
        "proposed_memory",
        "monthly_current_usd",
        "monthly_proposed_usd",
        "monthly_change_usd",
        "risk",
        "cpu_minutes_over",
        "memory_minutes_over",
        "slo_burn",
        "slo_budget_remaining",
        "evidence",
        "compute_optimizer_status",
        "compute_optimizer_cpu",
        "compute_optimizer_memory",
        "compute_optimizer_finding",
        "compute_optimizer_agreement",
        "compute_optimizer_monthly_difference_usd",
        "compute_optimizer_explanation",
    ]);
    let num = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.2}"));
    for r in recs {
        let (pc, pm) = r.proposed.map_or((String::new(), String::new()), |(c, m)| (c.to_string(), m.to_string()));
        let _ = w.write_record(
            [
                r.service.clone(),
                r.launch_type.to_string(),
                r.finding.label().to_string(),
                r.current.0.to_string(),
                r.current.1.to_string(),
                pc,
                pm,
                num(r.monthly_current),
                num(r.monthly_proposed),
                num(r.monthly_change()),
                risk(r).to_string(),
                r.backtest.map_or(String::new(), |b| b.cpu_minutes_over.to_string()),
                r.backtest.map_or(String::new(), |b| b.memory_minutes_over.to_string()),
                r.slo.map_or(String::new(), |s| s.status().to_string()),
                num(r.slo.and_then(|s| s.budget_remaining())),
                r.evidence.join(" | "),
            ]
            .into_iter()
            .chain(optimizer_fields(r.compute_optimizer.as_ref())),
        );
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
