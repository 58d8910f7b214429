//! The ECS recommender: from a service's usage history to a valid, priced, explained and
//! backtested task size. Pure functions: no I/O, no clock.

use super::catalog::{FargateRates, HOURS_PER_MONTH, fargate_sizes};
use super::containers::{self, ContainerChange, Floors, TaskShape};
use super::need::{cpu_need, floors_of, memory_need};
use crate::domain::{EcsService, LaunchType, UsageHistory};
use serde::Serialize;

/// Which trade between minutes over capacity and dollars sizing makes (`[sizing] profile`,
/// `--sizing`, `P` in the ECS pane). Measured by `cargo run --release --example evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// No more minutes over than the safest published baseline (Compute Optimizer's rule): CPU
    /// p99 + 10%, never below the busiest hour seen; memory peak + 10%.
    #[default]
    Safe,
    /// No more minutes over than VPA's rule, for the dollars: CPU p95 + 5% without the
    /// busiest-hour floor (a rare burst is throttled, not bought), then each Fargate CPU step
    /// priced against the minutes over it saves (`trade::traded_cpu`); memory as `Safe`.
    Balanced,
}

impl Profile {
    pub fn label(self) -> &'static str {
        match self {
            Profile::Safe => "safe",
            Profile::Balanced => "balanced",
        }
    }

    pub fn parse(text: &str) -> Option<Profile> {
        match text.trim().to_ascii_lowercase().as_str() {
            "safe" => Some(Profile::Safe),
            "balanced" => Some(Profile::Balanced),
            _ => None,
        }
    }

    pub fn other(self) -> Profile {
        match self {
            Profile::Safe => Profile::Balanced,
            Profile::Balanced => Profile::Safe,
        }
    }
}

/// Which Fargate prices suggestions are priced at (`[sizing] prices`, `--prices`, `$`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prices {
    /// What the account paid last month for an hour of Fargate (Cost Explorer), where known.
    #[default]
    Effective,
    /// On-Demand list prices (the Price List).
    List,
}

/// The account's effective Fargate rate a suggestion was priced at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PriceNote {
    /// Paid ÷ On-Demand last month (0.87: 87 % of list).
    pub ratio: f32,
    /// Share of the On-Demand equivalent a Savings Plan covered.
    pub covered: f32,
    /// The month, `2026-11`.
    #[serde(serialize_with = "yyyy_mm")]
    pub month: u32,
}

fn yyyy_mm<S: serde::Serializer>(m: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}-{:02}", m / 100, m % 100))
}

impl PriceNote {
    /// A month's discount as a note (`month` as `2026-11`); None at about list price or when
    /// the figures do not add up.
    pub fn of(month: &str, d: &crate::domain::cost::Discount) -> Option<PriceNote> {
        let ratio = d.ratio()? as f32;
        let (y, m) = month.split_once('-')?;
        let month = y.parse::<u32>().ok()? * 100 + m.parse::<u32>().ok()?;
        (ratio < 0.995).then_some(PriceNote { ratio, covered: d.covered_share() as f32, month })
    }

    pub fn month_label(&self) -> String {
        format!("{}-{:02}", self.month / 100, self.month % 100)
    }
}

/// How needs are derived from history. Configurable globally and per service or cluster.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Policy {
    pub profile: Profile,
    /// Percentile of the hottest task's CPU that the size must hold.
    pub cpu_percentile: f32,
    /// Extra capacity above the need, as a fraction (0.1 = 10%).
    pub headroom: f32,
    /// CPU is never sized below the busiest hour of the window (`Safe`).
    pub peak_floor: bool,
    /// The sizing window, days; shorter history widens the headroom.
    pub window_days: f32,
    /// Below this much history there is no recommendation.
    pub min_hours: f32,
    /// Fargate prices the sizes are chosen and priced at.
    pub rates: FargateRates,
    /// What a minute a week over capacity is worth, USD a month (`Balanced`): Fargate CPU is then
    /// the size whose price plus this × the history's minutes over it is least.
    pub minute_price: Option<f64>,
    /// Set when `rates` are the account's effective ones rather than list prices.
    pub price_note: Option<PriceNote>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::of(Profile::Safe)
    }
}

impl Policy {
    /// The profile's defaults, at list prices. Their figures, and why these values: BENCHMARKS.md
    /// ("Right-sizing against the published methods").
    pub fn of(profile: Profile) -> Policy {
        let (cpu_percentile, peak_floor) = match profile {
            Profile::Safe => (99.0, true),
            Profile::Balanced => (95.0, false),
        };
        // Balanced's 5 % headroom over p95: at 10 % it cost +5.60 % over the frontier on the
        // generated fleet for 12,140 of VPA's 14,205 minutes; at 5 %, +4.14 % for 14,180 (BENCHMARKS.md).
        let headroom = match profile {
            Profile::Safe => 0.10,
            Profile::Balanced => 0.05,
        };
        Policy {
            profile,
            cpu_percentile,
            headroom,
            peak_floor,
            window_days: 14.0,
            min_hours: 24.0,
            rates: FargateRates::default(),
            price_note: None,
            // $0.20 a month per minute a week: of 0.10–0.40 on the evaluation's fleets, the price
            // closest to the frontier within VPA's minutes on both (BENCHMARKS.md, stop 42).
            minute_price: match profile {
                Profile::Safe => None,
                Profile::Balanced => Some(0.20),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Finding {
    /// More reserved than needed on at least one dimension, and nothing short.
    OverProvisioned,
    /// Less reserved than needed on at least one dimension.
    UnderProvisioned,
    Optimized,
    /// Under `min_hours` of data: no recommendation.
    NotEnoughData,
}

impl Finding {
    pub fn label(self) -> &'static str {
        match self {
            Finding::OverProvisioned => "over-provisioned",
            Finding::UnderProvisioned => "under-provisioned",
            Finding::Optimized => "optimized",
            Finding::NotEnoughData => "not enough data",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

/// The history replayed against the proposed size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Backtest {
    /// Minutes in which the busiest task would have wanted more CPU than proposed (throttling).
    pub cpu_minutes_over: u32,
    /// Minutes in which it would have used more memory than proposed (an OOM kill).
    pub memory_minutes_over: u32,
    /// Minutes of history replayed.
    pub minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcsRecommendation {
    /// The service as shown (`cluster/service`, its cluster named by its account and region when
    /// several are shown); JSON calls it `name`, and writes `identity`'s fields beside it.
    #[serde(rename = "name")]
    pub service: String,
    /// Whose it is, typed: `account_id`, `account`, `region`, `cluster`, `service`, `arn` in JSON.
    #[serde(flatten)]
    pub identity: crate::domain::ServiceKey,
    pub launch_type: &'static str,
    pub finding: Finding,
    /// (cpu units, memory MiB)
    pub current: (u32, u32),
    pub proposed: Option<(u32, u32)>,
    /// Each container before and after, by ECS's rules (`sizing::containers`).
    pub containers: Vec<ContainerChange>,
    /// What the evidence says the task and its containers need: a plan never goes below it.
    pub floors: Option<Floors>,
    /// USD per month for all running tasks (Fargate); None on EC2, where the saving is capacity.
    pub monthly_current: Option<f64>,
    pub monthly_proposed: Option<f64>,
    /// On EC2: (vCPU, GiB) of cluster capacity freed (negative: needed).
    pub capacity_freed: Option<(f32, f32)>,
    pub risk: Risk,
    pub backtest: Option<Backtest>,
    /// Why, in words an SRE can check.
    pub evidence: Vec<String>,
    /// The service's SLOs as they stood when it was sized; None: not behind a load balancer, or
    /// no objective applies.
    pub slo: Option<crate::slo::ServiceSlo>,
    /// The account's effective Fargate rate the monthly figures are at; None: list prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priced_at: Option<PriceNote>,
    /// AWS Compute Optimizer's answer beside this one, or why there is none (`sizing::optimizer`);
    /// None where the provider does not ask it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute_optimizer: Option<super::optimizer::OptimizerView>,
}

impl EcsRecommendation {
    /// Monthly change, USD (negative is a saving).
    pub fn monthly_change(&self) -> Option<f64> {
        Some(self.monthly_proposed? - self.monthly_current?)
    }
}

pub(super) fn vcpu(units: u32) -> f32 {
    units as f32 / 1024.0
}

/// "0.31", "1.2", "2": hundredths, trailing zeros dropped. Integer arithmetic: float
/// formatting with a precision was a tenth of sizing time at 10,000 services.
pub(super) fn fmt_vcpu(v: f32) -> String {
    let hundredths = (v.max(0.0) * 100.0).round() as u64;
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// A non-negative quantity rounded to a whole number, for evidence text.
pub(super) fn whole(v: f32) -> i64 {
    v.round() as i64
}

/// Headroom widened on short history: full at the whole window, up to double with one day.
pub fn effective_headroom(policy: &Policy, hours: f32) -> f32 {
    let days = (hours / 24.0).max(1.0);
    let missing = ((policy.window_days - days) / policy.window_days).clamp(0.0, 1.0);
    policy.headroom * (1.0 + missing)
}

/// The cheapest valid Fargate size holding `cpu_units` and `memory_mib`, for this architecture.
pub fn cheapest_fargate(
    rates: &FargateRates,
    arch: crate::domain::Arch,
    cpu_units: f32,
    memory_mib: f32,
) -> Option<(u32, u32)> {
    fargate_sizes()
        .iter()
        .filter(|(c, m)| *c as f32 >= cpu_units && *m as f32 >= memory_mib)
        .map(|&(c, m)| (rates.task_hourly(arch, c, m), (c, m)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, size)| size)
}

/// EC2 reservations have no fixed menu: round CPU up to 128 units and memory to 128 MiB.
fn ec2_size(cpu_units: f32, memory_mib: f32) -> (u32, u32) {
    // Saturating: absurd usage (a broken metric) gives the largest size, not an overflow.
    let up = |v: f32, step: u32| ((v / step as f32).ceil() as u32).max(1).saturating_mul(step);
    (up(cpu_units, 128), up(memory_mib, 128))
}

/// Replay the history against a size: minutes over capacity, per dimension.
pub fn backtest(history: &UsageHistory, cpu_units: u32, memory_mib: u32) -> Backtest {
    let minutes_per_point = (history.step_seconds / 60).max(1) as u32;
    let over = |values: &[f32], limit: f32| {
        values.iter().filter(|v| v.is_finite() && **v > limit).count() as u32 * minutes_per_point
    };
    Backtest {
        cpu_minutes_over: over(&history.cpu_vcpu, vcpu(cpu_units)),
        memory_minutes_over: over(&history.memory_mib, memory_mib as f32),
        minutes: history.cpu_vcpu.iter().filter(|v| v.is_finite()).count() as u32 * minutes_per_point,
    }
}

/// The hottest task sat at its Fargate reservation (≥ 98 %) in at least 1 % of the hours: what
/// it wanted above that was throttled away and never measured.
pub fn saturated(s: &EcsService, history: &UsageHistory) -> bool {
    let (pinned, points) = pinned_points(s, history);
    points > 0 && pinned * 100 >= points
}

/// The share of the history's hours the hottest task sat at its reservation; 0 without data.
pub fn pinned_share(s: &EcsService, history: &UsageHistory) -> f32 {
    let (pinned, points) = pinned_points(s, history);
    if points == 0 { 0.0 } else { pinned as f32 / points as f32 }
}

/// (hours the hottest task sat at ≥ 98 % of its reservation, hours of data).
fn pinned_points(s: &EcsService, history: &UsageHistory) -> (usize, usize) {
    let limit = s.task_cpu as f32 / 1024.0 * 0.98;
    let points = history.cpu_vcpu.iter().filter(|v| v.is_finite()).count();
    let pinned = history.cpu_vcpu.iter().filter(|v| v.is_finite() && **v >= limit).count();
    (pinned, points)
}

fn risk_of(b: &Backtest, oom_kills: u32) -> Risk {
    let over = b.cpu_minutes_over.max(b.memory_minutes_over) as f32;
    let share = over / b.minutes.max(1) as f32;
    match (b.memory_minutes_over, share) {
        (m, _) if m > 0 => Risk::High, // memory over the limit is an OOM kill
        (_, s) if s > 0.001 => Risk::High,
        (_, s) if s > 0.0 || oom_kills > 0 => Risk::Medium,
        _ => Risk::Low,
    }
}

fn spot_only_evidence(service: &EcsService) -> bool {
    service.launch_type == LaunchType::Fargate && service.spot_share > 0.0
}

/// The service's task definition as a resize sees it.
pub fn shape(service: &EcsService) -> TaskShape<'_> {
    TaskShape {
        fargate: service.launch_type == LaunchType::Fargate,
        task_level: service.task_level,
        size: (service.task_cpu, service.task_memory),
        containers: &service.containers,
    }
}

/// The smallest (cheapest, on Fargate) size holding the need whose container layout fits and
/// passes the check; None (with the reason in `evidence`) when there is none.
fn fit(
    service: &EcsService,
    policy: &Policy,
    cpu_need: f32,
    mem_need: f32,
    floors: &Floors,
    evidence: &mut Vec<String>,
) -> Option<((u32, u32), Vec<ContainerChange>)> {
    let fargate = service.launch_type == LaunchType::Fargate;
    let shape = shape(service);
    let (mut cpu, mut mem) = (cpu_need, mem_need);
    // Each round asks for a strictly larger size, so a handful is always enough.
    for _ in 0..8 {
        let size = if fargate {
            match cheapest_fargate(&policy.rates, service.arch, cpu, mem) {
                Some(p) => p,
                None => {
                    evidence.push("needs more than the largest Fargate size (16 vCPU / 120 GiB)".into());
                    return None;
                }
            }
        } else {
            ec2_size(cpu, mem)
        };
        if service.containers.is_empty() {
            return Some((size, Vec::new()));
        }
        match containers::layout(&shape, size, floors) {
            Ok(layout) => {
                let proposed = containers::effective_size(service.task_level, size, &layout);
                let resize = containers::Resize {
                    fargate,
                    task_level: service.task_level,
                    before: shape.size,
                    after: proposed,
                    containers: &layout,
                    floors: Some(floors),
                };
                if let Err(why) = containers::check(&resize) {
                    evidence.push(format!("no safe resize: {}", why.join("; ")));
                    return None;
                }
                evidence.extend(containers::notes(&shape, &layout));
                return Some((proposed, layout));
            }
            Err(needs) => {
                if (needs.cpu as f32) <= cpu && (needs.memory as f32) <= mem {
                    break;
                }
                evidence.push(format!(
                    "containers: the sidecars' reservations and the app's limits need {} MiB: sized to hold them",
                    needs.memory
                ));
                cpu = cpu.max(needs.cpu as f32);
                mem = mem.max(needs.memory as f32);
            }
        }
    }
    evidence.push("no task size holds these containers' limits and reservations".into());
    None
}

pub fn recommend(service: &EcsService, history: &UsageHistory, policy: &Policy) -> EcsRecommendation {
    recommend_with(service, history, policy, None)
}

/// `recommend`, held to the service's SLOs: while its latency objective burns, its CPU is never
/// cut (a smaller share of CPU queues requests longer: it would burn faster).
pub fn recommend_with(
    service: &EcsService,
    history: &UsageHistory,
    policy: &Policy,
    slo: Option<&crate::slo::ServiceSlo>,
) -> EcsRecommendation {
    let current = (service.task_cpu, service.task_memory);
    let key = service.key();
    let launch = service.launch_type.label();
    let hours = history.hours_of_data();
    let fargate = service.launch_type == LaunchType::Fargate;
    // The tasks it runs, or wants to run: a service stuck below its desired count (tasks failing
    // to start) still needs the right size, and is billed for the tasks it gets back.
    let tasks = service.running.max(service.desired);
    let price = |size: (u32, u32)| {
        fargate.then(|| {
            policy.rates.mixed_task_hourly(service.arch, size.0, size.1, service.spot_share)
                * tasks as f64
                * HOURS_PER_MONTH
        })
    };
    let mut rec = EcsRecommendation {
        service: key,
        identity: service.identity.clone(),
        launch_type: launch,
        finding: Finding::NotEnoughData,
        current,
        proposed: None,
        containers: Vec::new(),
        monthly_current: price(current),
        monthly_proposed: None,
        capacity_freed: None,
        risk: Risk::Low,
        backtest: None,
        evidence: Vec::new(),
        slo: slo.copied(),
        floors: None,
        compute_optimizer: None,
        priced_at: policy.price_note.filter(|_| fargate),
    };
    if hours < policy.min_hours || tasks == 0 {
        rec.evidence.push(format!(
            "{:.1} h of data with tasks running; at least {:.0} h is needed before sizing",
            hours, policy.min_hours
        ));
        return rec;
    }

    let headroom = effective_headroom(policy, hours);
    let days = hours / 24.0;
    if headroom > policy.headroom + 1e-6 {
        rec.evidence.push(format!(
            "only {days:.1} d of {:.0} d of history: headroom widened from {:.0}% to {:.0}%",
            policy.window_days,
            policy.headroom * 100.0,
            headroom * 100.0
        ));
    }

    // Memory first (the CPU trade prices sizes holding it); its evidence still reads after CPU's.
    let mut memory_evidence = Vec::new();
    let mem_need = memory_need(service, history, headroom, &mut memory_evidence);
    let (cpu_need, pinned) = cpu_need(service, history, policy, slo, headroom, mem_need, &mut rec.evidence);
    rec.evidence.append(&mut memory_evidence);

    if let Some(line) = super::need::container_evidence(history) {
        rec.evidence.push(line);
    }
    let cpu_units_need = cpu_need * 1024.0;
    let floors = floors_of(history, cpu_units_need, mem_need, headroom);
    if let Some(n) = rec.priced_at {
        rec.evidence.push(format!(
            "priced at this account's effective Fargate rate: {:.0} % of list in {} (Savings Plans covered {:.0} %); \
             list prices: $ in the TUI, --prices list",
            n.ratio * 100.0,
            n.month_label(),
            n.covered * 100.0
        ));
    }
    if spot_only_evidence(service) {
        rec.evidence.push(format!(
            "{:.0} % of its tasks run on FARGATE_SPOT: priced at Spot, so the change is not overstated",
            service.spot_share * 100.0
        ));
    }
    let Some((proposed, layout)) = fit(service, policy, cpu_units_need, mem_need, &floors, &mut rec.evidence) else {
        rec.finding = Finding::UnderProvisioned;
        rec.risk = Risk::High;
        return rec;
    };

    let least_memory = fargate_sizes().iter().filter(|s| s.0 == proposed.0).map(|s| s.1).min();
    if fargate && proposed.1 > current.1 && mem_need <= current.1 as f32 && least_memory == Some(proposed.1) {
        // Fargate's menu: each CPU has a least memory. Said, so "memory kept" is not contradicted.
        rec.evidence.push(format!(
            "memory: {} MiB, not for use: {} vCPU on Fargate comes with at least that much",
            proposed.1,
            fmt_vcpu(vcpu(proposed.0))
        ));
    }
    rec.containers = layout;
    rec.floors = Some(floors);
    rec.monthly_proposed = price(proposed);
    judge(&mut rec, service, history, proposed, tasks, pinned);
    rec
}

/// What a proposed size means: the finding against the current size, the backtest over the
/// history and its risk, and on EC2 the cluster capacity it frees.
fn judge(
    rec: &mut EcsRecommendation,
    service: &EcsService,
    history: &UsageHistory,
    proposed: (u32, u32),
    tasks: u32,
    pinned: bool,
) {
    let current = rec.current;
    let cpu_cmp = proposed.0.cmp(&current.0);
    let mem_cmp = proposed.1.cmp(&current.1);
    use std::cmp::Ordering::*;
    rec.finding = if cpu_cmp == Greater || mem_cmp == Greater {
        Finding::UnderProvisioned
    } else if cpu_cmp == Less || mem_cmp == Less {
        Finding::OverProvisioned
    } else {
        Finding::Optimized
    };
    let b = backtest(history, proposed.0, proposed.1);
    rec.risk = risk_of(&b, history.oom_kills);
    if pinned {
        rec.risk = rec.risk.max(Risk::Medium);
    }
    rec.evidence.push(format!(
        "backtest over {} h: {} min over CPU, {} min over memory at the proposed size",
        whole(b.minutes as f32 / 60.0),
        b.cpu_minutes_over,
        b.memory_minutes_over
    ));
    rec.backtest = Some(b);
    if service.launch_type != LaunchType::Fargate {
        let tasks = tasks as f32;
        rec.capacity_freed = Some((
            (vcpu(current.0) - vcpu(proposed.0)) * tasks,
            (current.1 as f32 - proposed.1 as f32) / 1024.0 * tasks,
        ));
    }
    rec.proposed = Some(proposed);
}

#[cfg(test)]
mod tests;
