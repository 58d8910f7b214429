//! `Balanced`'s trade between dollars and minutes over capacity: of the Fargate CPU sizes, the
//! one whose monthly price plus a price on each minute a week the history spent over it is least.
//! A percentile rule treats a one-task service and a forty-task one alike; the clairvoyant
//! frontier does not: a CPU step on forty tasks buys the same minutes for forty times the
//! dollars. Pure functions.

use super::catalog::{HOURS_PER_MONTH, fargate_sizes};
use super::recommend::{Policy, cheapest_fargate, fmt_vcpu, vcpu};
use crate::domain::{EcsService, UsageHistory};

/// Pinned at its reservation in fewer of the hours than this, a service's pins are bursts, and
/// the trade may price them (more and it is starved: its real need was never seen).
pub const BURSTS_ONLY: f32 = 0.10;

const MINUTES_A_WEEK: f64 = 7.0 * 1_440.0;

/// Minutes are counted against the size over 1.05 (balanced's own 5 % headroom): a size the
/// history only just fitted (or, pinned under target tracking, sat at) still counts those hours.
const MARGIN: f32 = 0.05;

/// One CPU option: the cheapest Fargate size holding it and the memory, its price a month, and
/// the minutes a week the history spent over it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub cpu_units: u32,
    pub monthly: f64,
    pub minutes_a_week: f64,
}

/// The traded CPU, and the CPU sizes either side it was weighed against (None past the ends).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade {
    pub chosen: Step,
    pub next_up: Option<Step>,
    pub next_down: Option<Step>,
}

/// The share of the history's hours whose hottest-task CPU (vCPU) passes `test`. A point is an
/// hour's maximum and counts whole, so minutes from it overstate bursts shorter than the hour.
fn share_of_hours(history: &UsageHistory, test: impl Fn(f32) -> bool) -> f64 {
    let points = history.cpu_vcpu.iter().filter(|v| v.is_finite()).count();
    if points == 0 {
        return 0.0;
    }
    let passing = history.cpu_vcpu.iter().filter(|v| v.is_finite() && test(**v)).count();
    passing as f64 / points as f64
}

/// The CPU minimizing the monthly price of the cheapest Fargate size holding it and `mem_need`
/// MiB, plus `minute_price` × its minutes over a week, of the sizes with at least `floor_units`
/// that the history came near in under [`BURSTS_ONLY`] of its hours (one it sat at more would be
/// "starved" at the next look, and sized back up by the rule: no flip-flop). None when no size
/// qualifies.
pub fn traded_cpu(
    service: &EcsService,
    history: &UsageHistory,
    policy: &Policy,
    mem_need: f32,
    minute_price: f64,
    floor_units: u32,
) -> Option<Trade> {
    let tasks = service.running.max(service.desired).max(1) as f64;
    let mut cpus: Vec<u32> = fargate_sizes().iter().map(|s| s.0).collect();
    cpus.dedup();
    let mut options: Vec<Step> = cpus
        .iter()
        .filter_map(|&c| cheapest_fargate(&policy.rates, service.arch, c as f32, mem_need))
        .map(|size| Step {
            cpu_units: size.0,
            monthly: policy.rates.mixed_task_hourly(service.arch, size.0, size.1, service.spot_share)
                * tasks
                * HOURS_PER_MONTH,
            minutes_a_week: share_of_hours(history, |v| v > vcpu(size.0) / (1.0 + MARGIN)) * MINUTES_A_WEEK,
        })
        .collect();
    // A CPU whose memory only a larger CPU holds lands on that one: weigh each size once.
    options.dedup_by_key(|o| o.cpu_units);
    // "Pinned" as the next look will judge it: at ≥ 98 % of the size (`recommend::saturated`).
    let pinned_at = |units: u32| share_of_hours(history, |v| v >= vcpu(units) * 0.98);
    options.retain(|o| o.cpu_units >= floor_units && pinned_at(o.cpu_units) < BURSTS_ONLY as f64);
    let weigh = |o: &Step| o.monthly + minute_price * o.minutes_a_week;
    let (at, chosen) = options.iter().enumerate().min_by(|a, b| weigh(a.1).total_cmp(&weigh(b.1)))?;
    let next_down = at.checked_sub(1).and_then(|i| options.get(i)).copied();
    Some(Trade { chosen: *chosen, next_up: options.get(at + 1).copied(), next_down })
}

/// The trade in the evidence: the CPU chosen against the percentile rule's (`rule_units`), its
/// minutes near or over, and what the next step would cost (left out when the chosen size has no
/// minutes to buy back).
pub fn evidence(t: &Trade, minute_price: f64, rule_units: Option<u32>) -> String {
    let chosen = fmt_vcpu(vcpu(t.chosen.cpu_units));
    let against = match rule_units {
        Some(r) if r != t.chosen.cpu_units => format!("CPU priced instead of the rule's {} vCPU", fmt_vcpu(vcpu(r))),
        _ => "CPU priced, as the rule".to_string(),
    };
    let minutes = if t.chosen.minutes_a_week > 0.0 {
        format!("the history came within 5 % of it or over for ~{:.0} min a week", t.chosen.minutes_a_week)
    } else {
        "the history never came within 5 % of it".to_string()
    };
    let line = format!(
        "{against}: each step at ${minute_price:.2} a month per minute a week near or over it → {chosen} vCPU ({minutes})"
    );
    let mut line = line;
    // Above the rule: why the step below was not enough.
    if let Some(down) = t.next_down.filter(|_| rule_units.is_some_and(|r| r < t.chosen.cpu_units)) {
        line += &format!(
            "; {} vCPU: ~{:.0} min a week near or over it, for ${:.0} a month less",
            fmt_vcpu(vcpu(down.cpu_units)),
            down.minutes_a_week,
            t.chosen.monthly - down.monthly
        );
    }
    // Minutes left: why the next step up was not bought.
    if let Some(up) = t.next_up.filter(|_| t.chosen.minutes_a_week > 0.0) {
        line += &format!(
            "; {} vCPU would cost ${:.0} a month more for ~{:.0} min less",
            fmt_vcpu(vcpu(up.cpu_units)),
            up.monthly - t.chosen.monthly,
            t.chosen.minutes_a_week - up.minutes_a_week
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Arch, LaunchType};
    use crate::sizing::recommend::Profile;

    /// 0.8 vCPU for 14 days, 10 of its hours at 1.3: 1 vCPU would have spent ~300 min a week over.
    fn history() -> UsageHistory {
        let mut cpu = vec![0.8; 336];
        for i in 0..10 {
            cpu[i * 30] = 1.3;
        }
        UsageHistory { step_seconds: 3_600, cpu_vcpu: cpu, memory_mib: vec![1_500.0; 336], ..Default::default() }
    }

    fn traded(tasks: u32) -> Trade {
        let s = EcsService::sized("c", "s", LaunchType::Fargate, Arch::X86, (2048, 4096), tasks);
        traded_cpu(&s, &history(), &Policy::of(Profile::Balanced), 1_500.0, 0.20, 0).expect("a size holds 1.5 GiB")
    }

    #[test]
    fn a_step_is_bought_where_its_minutes_are_cheap_and_not_on_many_tasks() {
        // One task: the second vCPU costs $36 a month, under 300 min × $0.20 = $60: bought.
        let one = traded(1);
        assert_eq!((one.chosen.cpu_units, one.chosen.minutes_a_week), (2048, 0.0), "{one:?}");
        // Twenty tasks: it costs $721 a month for the same minutes: not bought.
        let twenty = traded(20);
        assert_eq!(twenty.chosen.cpu_units, 1024, "{twenty:?}");
        assert!((twenty.chosen.minutes_a_week - 300.0).abs() < 1e-6);
        let up = twenty.next_up.expect("2 vCPU is weighed");
        assert_eq!(up.cpu_units, 2048);
        assert!((up.monthly - twenty.chosen.monthly - 720.8).abs() < 1.0, "{up:?}");
    }

    #[test]
    fn a_size_the_history_sat_at_for_a_tenth_of_its_hours_or_a_floor_excludes_is_never_chosen() {
        // Half a vCPU would save twenty tasks $295 a month but every hour is over it: not weighed,
        // or the next look would find it starved and size it back up.
        let s = EcsService::sized("c", "s", LaunchType::Fargate, Arch::X86, (2048, 4096), 20);
        let p = Policy::of(Profile::Balanced);
        let cheap = traded_cpu(&s, &history(), &p, 1_500.0, 0.0001, 0).unwrap();
        assert_eq!(cheap.chosen.cpu_units, 1024, "{cheap:?}");
        // A floor (the busiest hour under `safe`, the current CPU under target tracking) holds.
        let held = traded_cpu(&s, &history(), &p, 1_500.0, 0.20, 2048).unwrap();
        assert_eq!((held.chosen.cpu_units, held.chosen.minutes_a_week), (2048, 0.0));
        let line = evidence(&held, 0.20, Some(1024));
        assert!(line.starts_with("CPU priced instead of the rule's 1 vCPU:"), "{line}");
        // A floor, not the trade, ruled out the size below: it is not offered as the trade's reason.
        assert!(!line.contains("; 1 vCPU:"), "{line}");
        // Above the rule by the trade's own choice: the step below and its minutes are said.
        let one = evidence(&traded(1), 0.20, Some(1024));
        assert!(
            one.contains("→ 2 vCPU") && one.contains("; 1 vCPU: ~300 min a week near or over it, for $36 a month less"),
            "{one}"
        );
        assert!(line.contains("never came within 5 % of it") && !line.contains("would cost"), "{line}");
    }

    #[test]
    fn the_evidence_says_what_the_next_step_would_buy() {
        let line = evidence(&traded(20), 0.20, Some(1024));
        assert!(line.starts_with("CPU priced, as the rule:"), "{line}");
        assert!(line.contains("$0.20 a month per minute a week near or over it → 1 vCPU"), "{line}");
        assert!(line.contains("within 5 % of it or over for ~300 min a week"), "{line}");
        assert!(line.contains("2 vCPU would cost $721 a month more for ~300 min less"), "{line}");
    }

    #[test]
    fn memory_only_a_larger_cpu_holds_weighs_that_cpu_once() {
        let s = EcsService::sized("c", "s", LaunchType::Fargate, Arch::X86, (4096, 16384), 1);
        // 12 GiB: 0.25–1 vCPU cannot hold it, so the smallest option is 2 vCPU.
        let t = traded_cpu(&s, &history(), &Policy::of(Profile::Balanced), 12_288.0, 0.20, 0).unwrap();
        assert_eq!(t.chosen.cpu_units, 2048, "{t:?}");
        assert_eq!(t.next_up.map(|u| u.cpu_units), Some(4096));
    }
}
