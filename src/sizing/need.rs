//! What a service needs, with the evidence for each figure: the CPU and memory of its hottest
//! task, and the floors no proposed size may go under. Pure functions, used by the recommender.

use super::containers::Floors;
use super::recommend::{Policy, fmt_vcpu, pinned_share, saturated, vcpu, whole};
use crate::domain::series::percentile_unsorted;
use crate::domain::{EcsService, LaunchType, UsageHistory};

/// The CPU the hottest task needs (vCPU): the policy's percentile plus headroom, never below the
/// busiest hour seen (`Safe`), or the Fargate step a priced minute over buys (`Balanced`, holding
/// `mem_need` MiB); kept where target tracking or a burning latency SLO depends on it. Also
/// whether the task sat pinned at its reservation (it wants more than was measured).
pub(super) fn cpu_need(
    service: &EcsService,
    history: &UsageHistory,
    policy: &Policy,
    slo: Option<&crate::slo::ServiceSlo>,
    headroom: f32,
    mem_need: f32,
    evidence: &mut Vec<String>,
) -> (f32, bool) {
    let days = history.hours_of_data() / 24.0;
    let fargate = service.launch_type == LaunchType::Fargate;
    let mut cpu: Vec<f32> = history.cpu_vcpu.iter().copied().filter(|v| v.is_finite()).collect();
    let cpu_max = cpu.iter().copied().fold(0.0, f32::max);
    let cpu_p = percentile_unsorted(&mut cpu, policy.cpu_percentile);
    let mut cpu_need = cpu_p * (1.0 + headroom);
    evidence.push(format!(
        "CPU: p{} of the hottest task {} vCPU over {} d + {}% → {} vCPU",
        policy.cpu_percentile,
        fmt_vcpu(cpu_p),
        whole(days),
        whole(headroom * 100.0),
        fmt_vcpu(cpu_need)
    ));
    let pinned = fargate && saturated(service, history);
    if pinned {
        evidence.push(
            "CPU: the hottest task sat at its reservation for hours (throttled): it wants more than was \
             measured, so check again after resizing"
                .into(),
        );
    }
    let tracking = service.autoscaling.as_ref().filter(|a| a.metric.contains("CPU"));
    // A history pinned for hours on end hides what the task wanted above its reservation: a priced
    // trade would keep a starved service starved. Pinned in under a tenth of the hours, the pins are
    // bursts that reached it; under target tracking, the hottest task's bursts while more tasks
    // carry the rest. Those are what they look like. Tracking that holds its task under the
    // reservation keeps CPU (below): nothing to trade.
    let tradable = match tracking {
        Some(_) => pinned,
        None => pinned_share(service, history) < super::trade::BURSTS_ONLY,
    };
    // What the rules below would raise CPU to anyway, so the trade's line names the size chosen:
    // the busiest hour (`Safe`); the current CPU under tracking (a smaller task only means more
    // of them) or while the latency SLO burns.
    let slo_burning = slo.is_some_and(|s| s.latency_burning() && s.latency.is_some());
    let mut floor_units = if policy.peak_floor { (cpu_max * 1024.0).ceil() as u32 } else { 0 };
    if tracking.is_some() || slo_burning {
        floor_units = floor_units.max(service.task_cpu);
    }
    if let Some(price) = policy.minute_price.filter(|_| fargate && tradable)
        && let Some(t) = super::trade::traded_cpu(service, history, policy, mem_need, price, floor_units)
    {
        let rule = super::recommend::cheapest_fargate(&policy.rates, service.arch, cpu_need * 1024.0, mem_need);
        evidence.push(super::trade::evidence(&t, price, rule.map(|size| size.0)));
        cpu_need = vcpu(t.chosen.cpu_units);
    }
    if policy.peak_floor && cpu_max > cpu_need {
        // A size the window's busiest hour already exceeded would fail its own backtest: the
        // percentile sets the steady need, the peak seen is the floor.
        cpu_need = cpu_max;
        evidence.push(format!(
            "CPU: the busiest hour reached {} vCPU, above that: never sized below the peak already seen",
            fmt_vcpu(cpu_max)
        ));
    }
    if let Some(a) = tracking.filter(|_| saturated(service, history)) {
        // Tracking at 60% never lets the hottest task sit at 100% while it can add tasks: pinned
        // means it is out of room (at its maximum count), so CPU is sized from the evidence.
        evidence.push(format!(
            "target tracking on CPU ({:.0}%) did not hold the hottest task under its reservation ({} of at \
             most {} tasks running): CPU sized from usage, not kept",
            a.target, service.running, a.max
        ));
    } else if let Some(a) = tracking {
        // Target tracking holds per-task CPU near its target by adding tasks: a smaller task
        // would only mean more of them. Keep the CPU the policy was tuned for.
        cpu_need = vcpu(service.task_cpu);
        evidence.push(format!(
            "target tracking keeps CPU near {:.0}% by scaling tasks: CPU kept at {} vCPU, memory sized alone",
            a.target,
            fmt_vcpu(cpu_need)
        ));
    }

    if let Some(latency) = slo.filter(|s| s.latency_burning()).and_then(|s| s.latency) {
        let now = vcpu(service.task_cpu);
        if cpu_need < now {
            cpu_need = now;
        }
        evidence.push(format!(
            "latency SLO (p99 < {:.0} ms) {} ({}): CPU kept at {} vCPU or more: less CPU queues requests longer",
            slo.and_then(|s| s.objective.p99_ms).unwrap_or_default(),
            latency.burn.label(),
            crate::slo::service::burn_rates_label(&latency),
            fmt_vcpu(now)
        ));
    }
    (cpu_need, pinned)
}

/// The memory the hottest task needs (MiB): its peak plus headroom; after OOM kills, at least
/// max(peak + 100 MiB, peak × 1.2), since the peak seen is where the kernel stopped it — unless
/// the kills are a leak's (`leaking`), which more memory only spaces out.
pub(super) fn memory_need(
    service: &EcsService,
    history: &UsageHistory,
    headroom: f32,
    evidence: &mut Vec<String>,
) -> f32 {
    let peak = history.memory_mib.iter().copied().filter(|v| v.is_finite()).fold(0.0, f32::max);
    let mut mem_need = peak * (1.0 + headroom);
    evidence.push(format!(
        "memory: peak of the hottest task {} MiB + {}% → {} MiB",
        whole(peak),
        whole(headroom * 100.0),
        whole(mem_need)
    ));
    if history.oom_kills == 0 {
        return mem_need;
    }
    if let Some(low) = leaking(service, history, peak) {
        // A leak grows to whatever limit it is given: a larger one only spaces the restarts out.
        // Its peak is the limit itself, so peak + headroom would only be the next size up.
        mem_need = service.task_memory as f32;
        evidence.push(format!(
            "{} OOM kill(s), each after memory climbed from about {} MiB to the limit: a leak, not a size — \
             more memory only spaces the restarts out; memory kept at {} MiB, fix the leak",
            history.oom_kills,
            whole(low),
            service.task_memory
        ));
        return mem_need;
    }
    // The peak seen is where the kernel stopped the task, not what it wanted.
    let floor = (peak + 100.0).max(peak * 1.2);
    if floor > mem_need {
        mem_need = floor;
    }
    evidence.push(format!(
        "{} OOM kill(s): memory at least max(peak + 100 MiB, peak × 1.2) = {floor:.0} MiB",
        history.oom_kills
    ));
    mem_need
}

/// The sawtooth of a leak: OOM kills at the limit, and between them the hottest task's memory
/// spends a tenth of the time under 70 % of its peak (it starts low and climbs back). A task
/// that needs more than it has sits near the limit instead. Returns that low (p10), MiB.
fn leaking(service: &EcsService, history: &UsageHistory, peak: f32) -> Option<f32> {
    let mut mem: Vec<f32> = history.memory_mib.iter().copied().filter(|v| v.is_finite()).collect();
    let at_limit = peak >= service.task_memory as f32 * 0.97;
    let low = percentile_unsorted(&mut mem, 10.0);
    (at_limit && low < 0.7 * peak).then_some(low)
}

/// The floors of a size: the task's CPU (units) and memory (MiB) needs, and each container's
/// own needs where Container Insights measured it: its CPU p99 and its memory peak, plus headroom.
pub(super) fn floors_of(history: &UsageHistory, cpu_units_need: f32, mem_need: f32, headroom: f32) -> Floors {
    let with = |v: f32| (v * (1.0 + headroom)).ceil().clamp(0.0, u32::MAX as f32) as u32;
    Floors {
        task_cpu: cpu_units_need.ceil().clamp(0.0, u32::MAX as f32) as u32,
        task_memory: mem_need.ceil().clamp(0.0, u32::MAX as f32) as u32,
        containers: history
            .containers
            .iter()
            .filter(|c| c.memory_peak.is_finite() && c.memory_peak > 0.0)
            .map(|c| (c.name.clone(), with(c.memory_peak)))
            .collect(),
        container_cpu: history
            .containers
            .iter()
            .filter(|c| c.cpu_p99.is_finite() && c.cpu_p99 > 0.0)
            .map(|c| (c.name.clone(), with(c.cpu_p99)))
            .collect(),
    }
}

/// What each container used, in the evidence: "containers (busiest task): app p99 0.62 vCPU,
/// peak 1.4 GiB; envoy …".
pub(super) fn container_evidence(history: &UsageHistory) -> Option<String> {
    if history.containers.is_empty() {
        return None;
    }
    let each: Vec<String> = history
        .containers
        .iter()
        .map(|c| format!("{} p99 {} vCPU, peak {} MiB", c.name, fmt_vcpu(c.cpu_p99 / 1024.0), whole(c.memory_peak)))
        .collect();
    Some(format!("containers, each from its own use (Container Insights, busiest task): {}", each.join("; ")))
}
