//! The recommender against the published baselines (shared/reference/rightsizing-methods.md),
//! on the same history, scored on the week *after* the sizing window: monthly savings and the
//! minutes the busiest task would have spent over the proposed size.

use super::catalog::{HOURS_PER_MONTH, fargate_task_hourly};
use super::recommend::{Policy, cheapest_fargate, recommend};
use crate::domain::series::percentile_sorted;
use crate::domain::{EcsService, LaunchType, UsageHistory};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// infradeck's default (`Profile::Safe`).
    Infradeck,
    /// infradeck's `Profile::Balanced`.
    Balanced,
    /// AWS Compute Optimizer: Maximum + 20 %; CPU left alone under CPU target tracking.
    ComputeOptimizer,
    /// Robusta KRR "simple": CPU p95 of the busiest pod, memory peak + 15 %.
    Krr,
    /// Kubernetes VPA target: CPU p90 + 15 %; memory p90 of daily peaks (last 8 days) + 15 %;
    /// after an OOM kill, at least max(used + 100 MiB, used × 1.2).
    Vpa,
}

impl Method {
    pub const ALL: [Method; 5] =
        [Method::Infradeck, Method::Balanced, Method::ComputeOptimizer, Method::Krr, Method::Vpa];
    /// The published methods infradeck is measured against.
    pub const BASELINES: [Method; 3] = [Method::ComputeOptimizer, Method::Krr, Method::Vpa];

    pub fn short(self) -> &'static str {
        match self {
            Method::Infradeck => "infradeck safe",
            Method::Balanced => "infradeck balanced",
            Method::ComputeOptimizer => "Compute Optimizer",
            Method::Krr => "KRR",
            Method::Vpa => "VPA",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Infradeck => "infradeck safe (p99 hottest task + 10%, ≥ busiest hour, leak- and tracking-aware)",
            Method::Balanced => {
                "infradeck balanced (p95 hottest task + 5%, each CPU step priced at $0.20/month per minute a week over, leak- and tracking-aware)"
            }
            Method::ComputeOptimizer => "Compute Optimizer rule (max + 20%)",
            Method::Krr => "KRR simple (CPU p95, memory peak + 15%)",
            Method::Vpa => "VPA target (p90 + 15%)",
        }
    }
}

fn finite_sorted(v: &[f32]) -> Vec<f32> {
    let mut s: Vec<f32> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f32::total_cmp);
    s
}

/// The Fargate size a method proposes from `history`; None when it makes no proposal.
pub fn propose(method: Method, s: &EcsService, history: &UsageHistory, policy: &Policy) -> Option<(u32, u32)> {
    match method {
        Method::Infradeck => return recommend(s, history, policy).proposed,
        Method::Balanced => {
            let balanced = Policy { rates: policy.rates, ..Policy::of(super::recommend::Profile::Balanced) };
            return recommend(s, history, &balanced).proposed;
        }
        _ => {}
    }
    let cpu = finite_sorted(&history.cpu_vcpu);
    let mem = finite_sorted(&history.memory_mib);
    if cpu.is_empty() || mem.is_empty() || history.hours_of_data() < 24.0 {
        return None;
    }
    let peak_mem = mem[mem.len() - 1];
    let (cpu_need, mem_need) = match method {
        Method::ComputeOptimizer => {
            let tracking = s.autoscaling.as_ref().is_some_and(|a| a.metric.contains("CPU"));
            let cpu = if tracking { s.task_cpu as f32 / 1024.0 } else { cpu[cpu.len() - 1] * 1.2 };
            (cpu, peak_mem * 1.2)
        }
        Method::Krr => (percentile_sorted(&cpu, 95.0), peak_mem * 1.15),
        Method::Vpa => {
            let per_day = (86_400 / history.step_seconds.max(1)) as usize;
            let recent = &history.memory_mib[history.memory_mib.len().saturating_sub(8 * per_day)..];
            let daily_peaks: Vec<f32> = recent
                .chunks(per_day.max(1))
                .map(|d| d.iter().copied().filter(|v| v.is_finite()).fold(0.0, f32::max))
                .collect();
            let mut memory = percentile_sorted(&finite_sorted(&daily_peaks), 90.0) * 1.15;
            if history.oom_kills > 0 {
                memory = memory.max((peak_mem + 100.0).max(peak_mem * 1.2));
            }
            (percentile_sorted(&cpu, 90.0) * 1.15, memory)
        }
        Method::Infradeck | Method::Balanced => unreachable!("handled above"),
    };
    cheapest_fargate(&policy.rates, s.arch, (cpu_need * 1024.0).max(1.0), mem_need.max(1.0))
}

/// One service to score: what it looked like at sizing time, the history sizing may use, and
/// the week that followed.
#[derive(Clone)]
pub struct Case {
    /// The kind of trace it is (`evaluate` reports the goal per family).
    pub family: String,
    pub service: EcsService,
    pub sizing: UsageHistory,
    pub following: UsageHistory,
    /// Other weeks of the same service's demand (not the scored one), for [`informed_bound`];
    /// empty unless the evaluation asked for them.
    pub others: Vec<UsageHistory>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub method: Method,
    /// Services it proposed a size for.
    pub sized: usize,
    /// USD per month, all proposals applied (negative is a saving).
    pub monthly_change: f64,
    pub cpu_minutes_over: u64,
    pub memory_minutes_over: u64,
    /// Services with any minute over capacity in the following week.
    pub services_over: usize,
    /// Of the minutes over, those on services whose sizing history was pinned at the
    /// reservation: their real need was never visible, so every method guesses there.
    pub minutes_over_saturated: u64,
}

pub fn score(method: Method, cases: &[Case], policy: &Policy) -> Score {
    let mut out = Score {
        method,
        sized: 0,
        monthly_change: 0.0,
        cpu_minutes_over: 0,
        memory_minutes_over: 0,
        services_over: 0,
        minutes_over_saturated: 0,
    };
    for c in cases.iter().filter(|c| c.service.launch_type == LaunchType::Fargate) {
        let Some((cpu, mem)) = propose(method, &c.service, &c.sizing, policy) else {
            continue;
        };
        out.sized += 1;
        let now = monthly(c, (c.service.task_cpu, c.service.task_memory));
        let (month, b) = outcome(c, (cpu, mem), &c.following);
        out.monthly_change += month - now;
        out.cpu_minutes_over += b.cpu_minutes_over as u64;
        out.memory_minutes_over += b.memory_minutes_over as u64;
        let over = (b.cpu_minutes_over + b.memory_minutes_over) as u64;
        if over > 0 {
            out.services_over += 1;
        }
        if super::recommend::saturated(&c.service, &c.sizing) {
            out.minutes_over_saturated += over;
        }
    }
    out
}

/// What the services `frontier` weighs cost a month at their current sizes: the yardstick a
/// gap to the frontier is measured against.
pub fn current_monthly(cases: &[Case]) -> f64 {
    cases.iter().filter(|c| weighed(c)).map(|c| monthly(c, (c.service.task_cpu, c.service.task_memory))).sum()
}

/// The services every baseline sizes: Fargate, with a day of history.
fn weighed(c: &Case) -> bool {
    c.service.launch_type == LaunchType::Fargate && c.sizing.hours_of_data() >= 24.0
}

fn monthly(c: &Case, (cpu, mem): (u32, u32)) -> f64 {
    fargate_task_hourly(c.service.arch, cpu, mem) * c.service.running as f64 * HOURS_PER_MONTH
}

/// What `size` would cost a month and the minutes over it `week` would spend. A fixed task
/// count, except for a CPU cut under CPU target tracking: a task with less CPU runs hotter, so
/// tracking runs more of them (up to its maximum), each carrying a smaller share of the demand —
/// the CPU-hours stay and the added tasks' memory is paid for. (Each task's memory use is taken as
/// unchanged.) Scoring it at a fixed count would credit the cut with savings tracking takes
/// straight back. A larger task is scored at the same count: tracking may then run fewer, which
/// is not credited.
fn outcome(c: &Case, size: (u32, u32), week: &UsageHistory) -> (f64, super::recommend::Backtest) {
    let running = c.service.running;
    let tracking = c.service.autoscaling.as_ref().filter(|a| a.metric.contains("CPU"));
    let (count, share) = match tracking {
        Some(a) if running > 0 && size.0 < c.service.task_cpu => {
            // Whole tasks: tracking cannot run a third of one.
            let wanted = (running as f64 * c.service.task_cpu as f64 / size.0 as f64).ceil();
            let count = wanted.min(a.max.max(running) as f64).max(a.min.max(1) as f64);
            (count, running as f64 / count)
        }
        _ => (running as f64, 1.0),
    };
    let month = fargate_task_hourly(c.service.arch, size.0, size.1) * count * HOURS_PER_MONTH;
    let mut b = super::recommend::backtest(week, size.0, size.1);
    if share != 1.0 {
        let minutes_per_point = (week.step_seconds / 60).max(1) as u32;
        let limit = size.0 as f64 / 1024.0;
        b.cpu_minutes_over = week.cpu_vcpu.iter().filter(|v| v.is_finite() && **v as f64 * share > limit).count()
            as u32
            * minutes_per_point;
    }
    (month, b)
}

/// The clairvoyant frontier: the cheapest monthly change a recommender that knew the following
/// week could reach with at most `minutes_budget` minutes over capacity (CPU + memory) in that
/// week, one valid Fargate size per service, for the services the baselines size. Exact: a
/// knapsack over the minutes (they come in whole steps of the scored series), so the goal is
/// measured against the best assignment, not a convex-hull point of it. INFINITY when even the
/// largest sizes spend more than the budget.
pub fn frontier(cases: &[Case], minutes_budget: u64) -> f64 {
    let options: Vec<Vec<(f64, u64)>> = cases
        .iter()
        .filter(|c| weighed(c))
        .map(|c| {
            let now = monthly(c, (c.service.task_cpu, c.service.task_memory));
            super::catalog::fargate_sizes()
                .iter()
                .map(|&size| {
                    let (month, b) = outcome(c, size, &c.following);
                    (month - now, (b.cpu_minutes_over + b.memory_minutes_over) as u64)
                })
                .collect()
        })
        .collect();
    // Minutes over come in multiples of the scored series' step: count in those.
    let unit = options.iter().flatten().map(|o| o.1).filter(|m| *m > 0).fold(0, gcd).max(1);
    let budget = (minutes_budget / unit) as usize;
    // best[b]: the cheapest change of the services so far with at most b units over.
    let mut best = vec![0.0f64; budget + 1];
    for service in &options {
        let mut next = vec![f64::INFINITY; budget + 1];
        for &(cost, minutes) in service {
            let units = (minutes / unit) as usize;
            for b in units..=budget {
                next[b] = next[b].min(best[b - units] + cost);
            }
        }
        best = next;
    }
    best[budget]
}

/// The best a recommender that knew each service's demand *process* (its demand in other weeks,
/// `Case::others`: uncapped, every 5 minutes, more than any history shows) but not the scored
/// week could do within `minutes_cap`: each service takes the size minimizing monthly cost + λ ×
/// its mean minutes over in the other weeks, for the one λ (chosen with hindsight) that comes
/// closest to the clairvoyant [`frontier`] at its own minutes. What is left is the scored week's
/// own luck, which no history tells: where even this misses the goal, no fixed size per service
/// chosen in advance meets it. None when no λ keeps within the cap, or a service has no other weeks.
pub fn informed_bound(cases: &[Case], minutes_cap: u64) -> Option<InformedBound> {
    // The frontier and the bill weigh every sized service: so must the bound.
    if cases.iter().any(|c| weighed(c) && c.others.is_empty()) {
        return None;
    }
    // Per service: (cost change, mean minutes over the other weeks, minutes over the scored week).
    let options: Vec<Vec<(f64, f64, u64)>> = cases
        .iter()
        .filter(|c| weighed(c) && !c.others.is_empty())
        .map(|c| {
            let others = &c.others;
            let now = monthly(c, (c.service.task_cpu, c.service.task_memory));
            super::catalog::fargate_sizes()
                .iter()
                .map(|&size| {
                    let over = |h: &UsageHistory| {
                        let b = outcome(c, size, h).1;
                        (b.cpu_minutes_over + b.memory_minutes_over) as u64
                    };
                    let expected = others.iter().map(over).sum::<u64>() as f64 / others.len() as f64;
                    (outcome(c, size, &c.following).0 - now, expected, over(&c.following))
                })
                .collect()
        })
        .collect();
    if options.is_empty() {
        return None;
    }
    // λ in $/month per expected minute a week, from nearly free to priceless (the last: fewest
    // expected minutes first, then the cheapest).
    let lambdas = (0..=60).map(|i| 0.01 * 1.3f64.powi(i)).chain([f64::INFINITY]);
    let mut tried: Vec<(u64, i64)> = Vec::new();
    let bill = current_monthly(cases);
    let mut best: Option<InformedBound> = None;
    for lambda in lambdas {
        let (mut cost, mut minutes) = (0.0, 0);
        for service in &options {
            let pick = service
                .iter()
                .min_by(|a, b| {
                    let weigh = |o: &(f64, f64, u64)| {
                        if lambda.is_infinite() { (o.1, o.0) } else { (o.0 + lambda * o.1, o.0) }
                    };
                    weigh(a).partial_cmp(&weigh(b)).unwrap_or(std::cmp::Ordering::Equal)
                })
                .expect("a size");
            cost += pick.0;
            minutes += pick.2;
        }
        // Neighbouring λs often pick the same sizes: the frontier (a knapsack) once per outcome.
        let outcome = (minutes, (cost * 100.0).round() as i64);
        if minutes > minutes_cap || tried.contains(&outcome) {
            continue;
        }
        tried.push(outcome);
        let frontier = frontier(cases, minutes);
        let gap = if bill <= 0.0 { 0.0 } else { (cost - frontier) / bill * 100.0 };
        if best.as_ref().is_none_or(|b| gap < b.gap_percent) {
            best = Some(InformedBound { monthly_change: cost, minutes, frontier, gap_percent: gap });
        }
    }
    best
}

/// [`informed_bound`]'s answer: its sizes' monthly change and minutes over on the scored week,
/// and the frontier at those minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct InformedBound {
    pub monthly_change: f64,
    pub minutes: u64,
    pub frontier: f64,
    pub gap_percent: f64,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The goal right-sizing is judged by, for one set of cases (a fleet, or one trace family of it):
/// no more minutes over capacity than the safest published baseline, at a monthly cost within
/// `tolerance` % (of the services' current bill) of the clairvoyant frontier at the same minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub method: Method,
    pub minutes: u64,
    /// The fewest minutes over any published baseline spends here, and which one.
    pub safest: u64,
    pub safest_method: Method,
    pub monthly_change: f64,
    /// The frontier's monthly change at `minutes`.
    pub frontier: f64,
    /// What the weighed services cost now, per month.
    pub bill: f64,
}

impl Goal {
    pub fn judge(method: Method, cases: &[Case], policy: &Policy) -> Goal {
        let ours = score(method, cases, policy);
        let minutes = ours.cpu_minutes_over + ours.memory_minutes_over;
        let (safest, safest_method) = Method::BASELINES
            .iter()
            .map(|m| {
                let s = score(*m, cases, policy);
                (s.cpu_minutes_over + s.memory_minutes_over, *m)
            })
            .min_by_key(|(minutes, _)| *minutes)
            .unwrap_or((0, Method::ComputeOptimizer));
        Goal {
            method,
            minutes,
            safest,
            safest_method,
            monthly_change: ours.monthly_change,
            frontier: frontier(cases, minutes),
            bill: current_monthly(cases),
        }
    }

    /// The cost above the frontier at the same minutes, in % of the bill.
    pub fn gap_percent(&self) -> f64 {
        if self.bill <= 0.0 { 0.0 } else { (self.monthly_change - self.frontier) / self.bill * 100.0 }
    }

    pub fn met(&self, minutes_cap: u64, tolerance: f64) -> bool {
        self.minutes <= minutes_cap && self.gap_percent() <= tolerance
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Arch;

    fn service() -> EcsService {
        EcsService::sized("c", "s", LaunchType::Fargate, Arch::X86, (2048, 8192), 2)
    }

    /// 14 days of hourly points: CPU 0.1..=1.0 vCPU cycling, memory 1000 MiB with one 3000 MiB spike.
    fn history() -> UsageHistory {
        let cpu: Vec<f32> = (0..336).map(|i| 0.1 + (i % 10) as f32 * 0.1).collect();
        let mut mem = vec![1000.0; 336];
        mem[10] = 3000.0;
        UsageHistory { step_seconds: 3_600, cpu_vcpu: cpu, memory_mib: mem, oom_kills: 0, ..Default::default() }
    }

    #[test]
    fn baselines_follow_their_published_rules() {
        let (s, h, p) = (service(), history(), Policy::default());
        // max 1.0 × 1.2 = 1.2 vCPU, memory 3000 × 1.2 = 3600 → 2 vCPU / 4 GiB.
        assert_eq!(propose(Method::ComputeOptimizer, &s, &h, &p), Some((2048, 4096)));
        // p95 = 1.0 vCPU, memory 3450 → 1 vCPU / 4 GiB.
        assert_eq!(propose(Method::Krr, &s, &h, &p), Some((1024, 4096)));
        // p90 0.9 × 1.15 = 1.035 vCPU → 2 vCPU; daily peaks over the last 8 days are 1000 → 1150 MiB.
        assert_eq!(propose(Method::Vpa, &s, &h, &p), Some((2048, 4096)));
    }

    #[test]
    fn scoring_counts_the_following_week_against_each_proposal() {
        let mut following = history();
        following.cpu_vcpu[5] = 1.9; // a burst over 1 vCPU, under 2
        let cases = [Case { service: service(), sizing: history(), following, family: "t".into(), others: Vec::new() }];
        let krr = score(Method::Krr, &cases, &Policy::default());
        assert_eq!((krr.sized, krr.cpu_minutes_over, krr.services_over), (1, 60, 1), "one hour over: {krr:?}");
        let co = score(Method::ComputeOptimizer, &cases, &Policy::default());
        assert_eq!(co.cpu_minutes_over, 0);
        assert!(krr.monthly_change < co.monthly_change, "KRR proposes smaller, so saves more");
    }

    #[test]
    fn the_frontier_is_the_cheapest_assignment_within_the_budget() {
        let mut following = history();
        following.cpu_vcpu[5] = 1.9; // one hour wants 1.9 vCPU
        let cases = [Case { service: service(), sizing: history(), following, family: "t".into(), others: Vec::new() }];
        let price = |c, m| fargate_task_hourly(Arch::X86, c, m) * 2.0 * HOURS_PER_MONTH;
        let now = price(2048, 8192);
        // No minute over allowed: 2 vCPU (for the 1.9 hour) with the least memory, 4 GiB (peak 3000 MiB).
        assert!((frontier(&cases, 0) - (price(2048, 4096) - now)).abs() < 0.01);
        // An hour over allowed: 1 vCPU / 3 GiB (memory still needs 3000 MiB), cheaper still.
        assert!((frontier(&cases, 60) - (price(1024, 3072) - now)).abs() < 0.01);
        // 59 minutes is not an hour: the budget is a cap, not a target.
        assert!((frontier(&cases, 59) - frontier(&cases, 0)).abs() < 0.01);
    }

    #[test]
    fn the_frontier_spends_the_budget_where_it_saves_most() {
        // Two services each with one burst hour; a budget of one hour is spent on the one whose
        // saving is larger (8 tasks rather than 2), which a convex-hull sweep need not find.
        let mut small = service();
        small.running = 2;
        let mut big = service();
        big.running = 8;
        let mut following = history();
        following.cpu_vcpu[5] = 1.9;
        let case = |s: &EcsService| Case {
            service: s.clone(),
            sizing: history(),
            following: following.clone(),
            family: "t".into(),
            others: Vec::new(),
        };
        let cases = [case(&small), case(&big)];
        let step = |n: f64| {
            (fargate_task_hourly(Arch::X86, 1024, 3072) - fargate_task_hourly(Arch::X86, 2048, 4096))
                * n
                * HOURS_PER_MONTH
        };
        let gain = frontier(&cases, 0) - frontier(&cases, 60);
        assert!((gain + step(8.0)).abs() < 0.01, "{gain}");
    }

    #[test]
    fn a_cpu_cut_under_target_tracking_is_scored_as_more_tasks() {
        let mut tracked = service();
        tracked.autoscaling = Some(crate::domain::AutoScaling {
            metric: "ECSServiceAverageCPUUtilization".into(),
            target: 60.0,
            min: 1,
            max: 10,
        });
        let mut following = history();
        following.cpu_vcpu[5] = 1.5; // over 1 vCPU at today's count
        let case = Case { service: tracked, sizing: history(), following, family: "t".into(), others: Vec::new() };
        let (month, b) = outcome(&case, (1024, 8192), &case.following);
        // Half the CPU a task: tracking runs twice the tasks, each with half the demand (0.75).
        assert_eq!(b.cpu_minutes_over, 0);
        let per_task = fargate_task_hourly(Arch::X86, 1024, 8192) * HOURS_PER_MONTH;
        assert!((month - per_task * 4.0).abs() < 0.01, "4 tasks, not 2: {month}");
        assert!(month > monthly(&case, (2048, 8192)) * 0.99, "the cut saves nothing: the memory doubles");
        // Capped by the maximum count: at 10 tasks of 0.25 vCPU each carries 2/10 of the demand.
        let (_, b) = outcome(&case, (256, 2048), &case.following);
        assert_eq!(b.cpu_minutes_over, 60, "1.5 × 2/10 = 0.3 vCPU > 0.25 in that hour");
    }

    #[test]
    fn the_informed_bound_knows_each_services_weeks_but_not_the_scored_one() {
        // Two services with the same other weeks (a 1.9 vCPU hour in each); only the first bursts
        // in the scored week.
        let mut burst = history();
        burst.cpu_vcpu[5] = 1.9;
        let case = |following: UsageHistory| Case {
            service: service(),
            sizing: history(),
            following,
            family: "t".into(),
            others: vec![burst.clone(), burst.clone()],
        };
        let cases = [case(burst.clone()), case(history())];
        // No minute allowed: the clairvoyant shrinks the calm one only; knowing only the process,
        // both look alike, so both keep 2 vCPU.
        let b = informed_bound(&cases, 0).expect("within 0 min");
        assert_eq!(b.minutes, 0);
        assert!(b.monthly_change > frontier(&cases, 0) + 1.0, "{b:?}");
        assert!(b.gap_percent > 0.0);
        // An hour allowed: both shrink, the burst's hour spent: no gap.
        let b = informed_bound(&cases, 60).expect("within 60 min");
        assert_eq!(b.minutes, 60);
        assert!(b.gap_percent.abs() < 1e-9, "{b:?}");
        // Without other weeks there is no bound.
        let bare: Vec<Case> = cases.iter().cloned().map(|c| Case { others: Vec::new(), ..c }).collect();
        assert!(informed_bound(&bare, 60).is_none());
        // Nor when one service lacks them: the frontier would weigh a service the bound does not.
        let mixed = [cases[0].clone(), bare[1].clone()];
        assert!(informed_bound(&mixed, 60).is_none());
    }
}
