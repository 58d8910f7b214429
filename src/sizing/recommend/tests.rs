use super::*;
use crate::domain::Arch;

pub fn service(launch: LaunchType, cpu: u32, mem: u32, running: u32) -> EcsService {
    EcsService::sized("c", "s", launch, Arch::X86, (cpu, mem), running)
}

/// Target tracking on average CPU at 60 %, from 2 tasks to `max`.
fn cpu_tracking(max: u32) -> crate::domain::AutoScaling {
    crate::domain::AutoScaling { metric: "ECSServiceAverageCPUUtilization".into(), target: 60.0, min: 2, max }
}

fn history(hours: usize, cpu: f32, mem: f32) -> UsageHistory {
    UsageHistory {
        step_seconds: 3_600,
        cpu_vcpu: vec![cpu; hours],
        memory_mib: vec![mem; hours],
        oom_kills: 0,
        ..Default::default()
    }
}

#[test]
fn vcpu_amounts_read_as_people_write_them() {
    let cases = [(0.0, "0"), (0.05, "0.05"), (0.1, "0.1"), (0.31, "0.31"), (1.2, "1.2"), (2.0, "2"), (0.999, "1")];
    for (v, want) in cases {
        assert_eq!(fmt_vcpu(v), want, "{v}");
    }
}

#[test]
fn over_provisioned_service_shrinks_to_the_cheapest_fitting_pair() {
    // 2 vCPU / 8 GiB, using 0.31 vCPU and 900 MiB at most.
    let s = service(LaunchType::Fargate, 2048, 8192, 3);
    let r = recommend(&s, &history(336, 0.31, 900.0), &Policy::default());
    assert_eq!(r.finding, Finding::OverProvisioned);
    assert_eq!(r.proposed, Some((512, 1024)), "0.34 vCPU and 990 MiB need 0.5 vCPU / 1 GiB");
    assert!(r.monthly_change().unwrap() < -100.0);
    assert_eq!(r.risk, Risk::Low);
    assert!(
        r.evidence.iter().any(|e| e.contains("p99 of the hottest task 0.31 vCPU over 14 d + 10% → 0.34 vCPU")),
        "{:?}",
        r.evidence
    );
}

fn slo(latency_bad_share: f64) -> crate::slo::ServiceSlo {
    use crate::slo::{Counts, SliWindows, Windows};
    let w = |share: f64| {
        let c = |total: f64| Counts::new(total, total * share);
        Windows { hour: c(3_600.0), six_hours: c(21_600.0), three_days: c(259_200.0), period: c(2_419_200.0) }
    };
    let sli = SliWindows { requests: w(0.0), slow: Some(w(latency_bad_share)) };
    crate::slo::ServiceSlo::evaluate(crate::slo::policy::Objective::default(), &sli)
}

#[test]
fn a_service_burning_its_latency_slo_is_never_offered_a_cpu_cut() {
    // Over-provisioned on both: 2 vCPU / 8 GiB using 0.31 vCPU and 900 MiB.
    let s = service(LaunchType::Fargate, 2048, 8192, 3);
    let h = history(336, 0.31, 900.0);
    let calm = recommend_with(&s, &h, &Policy::default(), Some(&slo(0.001)));
    assert_eq!(calm.proposed, Some((512, 1024)), "within its budget: cut as usual");
    assert!(calm.slo.is_some_and(|s| !s.latency_burning()));
    for share in [0.02, 0.5] {
        // 2 % slow is burning (3 d ×2); 50 % is burning fast.
        let burning = slo(share);
        assert!(burning.latency_burning());
        let r = recommend_with(&s, &h, &Policy::default(), Some(&burning));
        let (cpu, mem) = r.proposed.unwrap();
        assert!(cpu >= 2048, "CPU cut while the latency SLO burns: {cpu}");
        assert!(mem < 8192, "memory is still sized: {mem}");
        assert!(
            r.evidence.iter().any(|e| e.contains("latency SLO (p99 < 1000 ms)") && e.contains("CPU kept at 2 vCPU"))
        );
        assert_eq!(r.slo, Some(burning), "the standing travels with the suggestion");
    }
    // Under-provisioned services still grow while burning.
    let starved = service(LaunchType::Fargate, 256, 512, 2);
    let r = recommend_with(&starved, &history(336, 0.6, 400.0), &Policy::default(), Some(&slo(0.5)));
    assert!(r.proposed.unwrap().0 >= 1024 && r.finding == Finding::UnderProvisioned);
}

#[test]
fn cpu_is_never_sized_below_the_busiest_hour_seen() {
    // Steady 0.2 vCPU with two burst hours at 0.9: p99 + 20% (0.24) would have throttled
    // them; the floor keeps 1 vCPU, and the lookback replays clean.
    let s = service(LaunchType::Fargate, 2048, 4096, 2);
    let mut h = history(336, 0.2, 900.0);
    for i in [10, 200] {
        h.cpu_vcpu[i] = 0.9;
    }
    let r = recommend(&s, &h, &Policy::default());
    assert_eq!(r.proposed, Some((1024, 2048)));
    assert_eq!(r.backtest.unwrap().cpu_minutes_over, 0);
    assert!(r.evidence.iter().any(|e| e.contains("busiest hour reached 0.9 vCPU")), "{:?}", r.evidence);
}

#[test]
fn a_task_pinned_at_its_reservation_is_flagged_as_throttled() {
    let s = service(LaunchType::Fargate, 512, 1024, 2);
    let r = recommend(&s, &history(336, 0.5, 400.0), &Policy::default());
    assert_eq!(r.finding, Finding::UnderProvisioned);
    assert!(r.risk >= Risk::Medium);
    assert!(r.evidence.iter().any(|e| e.contains("sat at its reservation")), "{:?}", r.evidence);
}

#[test]
fn under_24_hours_says_not_enough_data() {
    let s = service(LaunchType::Fargate, 1024, 2048, 2);
    let r = recommend(&s, &history(20, 0.5, 500.0), &Policy::default());
    assert_eq!(r.finding, Finding::NotEnoughData);
    assert!(r.proposed.is_none());
}

#[test]
fn short_history_widens_headroom() {
    let h = Policy::default().headroom;
    assert!((effective_headroom(&Policy::default(), 14.0 * 24.0) - h).abs() < 1e-6);
    assert!((effective_headroom(&Policy::default(), 24.0) - h * (1.0 + 13.0 / 14.0)).abs() < 1e-6);
    let s = service(LaunchType::Fargate, 1024, 2048, 2);
    let r = recommend(&s, &history(48, 0.5, 500.0), &Policy::default());
    assert!(r.evidence[0].contains("headroom widened"), "{:?}", r.evidence);
}

#[test]
fn oom_kills_raise_memory_above_the_peak() {
    let s = service(LaunchType::Fargate, 1024, 2048, 2);
    let mut h = history(336, 0.3, 2040.0);
    h.oom_kills = 4;
    let r = recommend(&s, &h, &Policy::default());
    let (_, mem) = r.proposed.unwrap();
    assert!(mem as f32 >= 2040.0 * 1.2, "{mem}");
    assert_eq!(r.finding, Finding::UnderProvisioned);
}

#[test]
fn a_leak_is_not_sized_up_but_named() {
    // Memory climbs from ~900 MiB to the 2 GiB limit every 6 h, then the task is killed.
    let s = service(LaunchType::Fargate, 1024, 2048, 2);
    let mut h = history(336, 0.3, 0.0);
    for (i, m) in h.memory_mib.iter_mut().enumerate() {
        *m = 900.0 + 1148.0 * (i % 6) as f32 / 5.0;
    }
    h.oom_kills = 56;
    let r = recommend(&s, &h, &Policy::default());
    assert_eq!(r.proposed.map(|p| p.1), Some(2048), "memory kept: a larger limit only spaces the kills");
    assert!(
        r.evidence.iter().any(|e| e.contains("a leak, not a size") && e.contains("fix the leak")),
        "{:?}",
        r.evidence
    );
    // A CPU step up still raises memory (2 vCPU comes with 4 GiB at least): said why.
    let mut busy = h.clone();
    busy.cpu_vcpu = vec![1.5; 336];
    let r = recommend(&s, &busy, &Policy::default());
    assert_eq!(r.proposed, Some((2048, 4096)));
    assert!(r.evidence.iter().any(|e| e.contains("4096 MiB, not for use: 2 vCPU")), "{:?}", r.evidence);
    // The same kills with memory sitting at the limit are a real need: sized up.
    let mut need = history(336, 0.3, 2040.0);
    need.oom_kills = 4;
    assert!(recommend(&s, &need, &Policy::default()).proposed.unwrap().1 as f32 >= 2040.0 * 1.2);
}

#[test]
fn target_tracking_out_of_room_sizes_cpu_from_usage() {
    // Tracking at 60% yet the hottest task sits at its 1 vCPU reservation: at its maximum count.
    let mut s = service(LaunchType::Fargate, 1024, 2048, 6);
    s.autoscaling = Some(cpu_tracking(6));
    let mut h = history(336, 0.6, 900.0);
    for i in (0..336).step_by(12) {
        h.cpu_vcpu[i] = 1.0;
    }
    let r = recommend(&s, &h, &Policy::default());
    assert_eq!(r.proposed.map(|p| p.0), Some(2048), "{:?}", r.evidence);
    assert!(r.evidence.iter().any(|e| e.contains("did not hold the hottest task")), "{:?}", r.evidence);
}

#[test]
fn balanced_buys_a_step_for_one_task_that_the_percentile_rule_would_not() {
    // 0.8 vCPU, 10 of 336 hours at 1.3: p95 + 5 % is 0.84 → 1 vCPU; the trade buys the second
    // vCPU for one task ($36 a month against ~300 min × $0.20) and not for twenty.
    let mut h = history(336, 0.8, 900.0);
    for i in 0..10 {
        h.cpu_vcpu[i * 30] = 1.3;
    }
    let balanced = Policy::of(Profile::Balanced);
    let rule = Policy { minute_price: None, ..balanced };
    let one = service(LaunchType::Fargate, 2048, 4096, 1);
    let r = recommend(&one, &h, &balanced);
    assert_eq!(r.proposed.map(|p| p.0), Some(2048), "{:?}", r.evidence);
    assert!(r.evidence.iter().any(|e| e.contains("CPU priced instead") && e.contains("→ 2 vCPU")), "{:?}", r.evidence);
    assert_eq!(recommend(&one, &h, &rule).proposed.map(|p| p.0), Some(1024));
    let twenty = service(LaunchType::Fargate, 2048, 4096, 20);
    assert_eq!(recommend(&twenty, &h, &balanced).proposed.map(|p| p.0), Some(1024));
}

#[test]
fn balanced_prices_pins_that_are_bursts_and_leaves_a_starved_service_to_the_rule() {
    let balanced = Policy::of(Profile::Balanced);
    // Pinned at its 1 vCPU in a third of the hours, no tracking: starved, its need unseen → 2 vCPU.
    let s = service(LaunchType::Fargate, 1024, 2048, 10);
    let mut starved = history(336, 0.6, 900.0);
    for v in starved.cpu_vcpu.iter_mut().step_by(3) {
        *v = 1.0;
    }
    let r = recommend(&s, &starved, &balanced);
    assert_eq!(r.proposed.map(|p| p.0), Some(2048), "{:?}", r.evidence);
    assert!(!r.evidence.iter().any(|e| e.contains("CPU priced")), "{:?}", r.evidence);
    // Under CPU tracking with room (10 of at most 20), pinned 3 % of the hours: doubling ten
    // tasks costs $360 a month for ~300 min a week: kept at 1 vCPU, and said so.
    let mut tracked = s.clone();
    tracked.autoscaling = Some(cpu_tracking(20));
    let mut bursts = history(336, 0.6, 900.0);
    for v in bursts.cpu_vcpu.iter_mut().step_by(34) {
        *v = 1.0;
    }
    let r = recommend(&tracked, &bursts, &balanced);
    assert_eq!(r.proposed.map(|p| p.0), Some(1024), "{:?}", r.evidence);
    assert!(r.evidence.iter().any(|e| e.contains("10 of at most 20 tasks running")), "{:?}", r.evidence);
    assert!(r.evidence.iter().any(|e| e.contains("2 vCPU would cost $360 a month more")), "{:?}", r.evidence);
    // Safe holds the reservation's peak (no trade): 2 vCPU.
    assert_eq!(recommend(&tracked, &bursts, &Policy::default()).proposed.map(|p| p.0), Some(2048));
}

#[test]
fn balanced_throttles_a_rare_burst_rather_than_buying_it() {
    // Steady 0.4 vCPU with two hours at 0.9: safe holds the bursts (1 vCPU), balanced sizes
    // the p95 (0.5 vCPU) and says so in the backtest.
    let s = service(LaunchType::Fargate, 2048, 4096, 2);
    let mut h = history(336, 0.4, 900.0);
    h.cpu_vcpu[10] = 0.9;
    h.cpu_vcpu[200] = 0.9;
    let safe = recommend(&s, &h, &Policy::default());
    let balanced = recommend(&s, &h, &Policy::of(Profile::Balanced));
    assert_eq!((safe.proposed.unwrap().0, balanced.proposed.unwrap().0), (1024, 512));
    assert_eq!(balanced.backtest.unwrap().cpu_minutes_over, 120);
    assert!(balanced.monthly_change().unwrap() < safe.monthly_change().unwrap());
}

#[test]
fn each_container_measured_on_its_own_keeps_what_it_used() {
    // 1 vCPU / 2 GiB: app 768 CPU beside an envoy of 256. The task's busiest hour is 0.45
    // vCPU, so the task alone would shrink to 0.5 vCPU — but the app alone used 400 units at
    // p99, more than its share of 0.5 vCPU (384): the app keeps 440 and the task holds it.
    let mut s = service(LaunchType::Fargate, 1024, 2048, 2);
    let mut envoy = crate::domain::Container::app("envoy", 256, Some(512), None);
    envoy.image = "envoyproxy/envoy".into();
    s.containers = vec![crate::domain::Container::app("app", 768, Some(1536), None), envoy];
    let mut h = history(336, 0.45, 700.0);
    h.containers = vec![
        crate::domain::ContainerUsage { name: "app".into(), cpu_p99: 400.0, cpu_max: 420.0, memory_peak: 600.0 },
        crate::domain::ContainerUsage { name: "envoy".into(), cpu_p99: 40.0, cpu_max: 60.0, memory_peak: 90.0 },
    ];
    let r = recommend(&s, &h, &Policy::default());
    let app = r.containers.iter().find(|c| c.name == "app").unwrap();
    assert!(app.cpu.1 >= 440, "the app keeps its own p99 + 10%: {:?}", r.containers);
    assert!(r.proposed.unwrap().0 >= app.cpu.1 + 256, "the task holds the app and the envoy: {:?}", r.proposed);
    assert!(app.memory_hard.1.unwrap() >= 660, "{:?}", app);
    assert!(
        r.evidence
            .iter()
            .any(|e| e.contains("containers, each from its own use") && e.contains("app p99 0.39 vCPU, peak 600 MiB")),
        "{:?}",
        r.evidence
    );
    // Without per-container evidence the split is by reservation, as before.
    h.containers.clear();
    let plain = recommend(&s, &h, &Policy::default());
    assert!(plain.evidence.iter().all(|e| !e.contains("each from its own use")));
}

#[test]
fn cpu_target_tracking_keeps_cpu() {
    let mut s = service(LaunchType::Fargate, 2048, 4096, 6);
    s.autoscaling = Some(cpu_tracking(12));
    let r = recommend(&s, &history(336, 0.4, 1000.0), &Policy::default());
    assert_eq!(r.proposed.unwrap().0, 2048);
    assert!(r.evidence.iter().any(|e| e.contains("target tracking")));
}

#[test]
fn ec2_saving_is_capacity_not_dollars() {
    let s = service(LaunchType::Ec2, 4096, 8192, 4);
    let r = recommend(&s, &history(336, 1.0, 2000.0), &Policy::default());
    assert!(r.monthly_current.is_none() && r.monthly_change().is_none());
    let (cpu, gib) = r.capacity_freed.unwrap();
    assert!(cpu > 8.0 && gib > 20.0, "{cpu} {gib}");
}

#[test]
fn backtest_counts_minutes_over_the_proposed_size() {
    let mut h = history(10, 0.2, 100.0);
    h.cpu_vcpu[3] = 0.9;
    h.memory_mib[4] = 600.0;
    let b = backtest(&h, 512, 512);
    assert_eq!((b.cpu_minutes_over, b.memory_minutes_over, b.minutes), (60, 60, 600));
}

#[test]
fn soft_only_containers_on_a_busy_task_keep_their_shape() {
    // The service that was OOM-killed by a plan: 2 vCPU / 8 GiB, three containers with cpu 0
    // and a 128 MiB soft reservation each; the busiest task peaks at 6.6 GiB and needs CPU.
    let mut s = service(LaunchType::Fargate, 2048, 8192, 4);
    s.containers =
        ["web", "worker", "cron"].iter().map(|n| crate::domain::Container::app(n, 0, None, Some(128))).collect();
    let r = recommend(&s, &history(336, 2.4, 6758.0), &Policy::default());
    let (cpu, mem) = r.proposed.unwrap();
    assert!(cpu >= 2703 && mem as f32 >= 6758.0 * 1.1, "{cpu}/{mem}");
    for c in &r.containers {
        assert_eq!(c.memory_hard, (None, None), "{}: no hard limit", c.name);
        assert_eq!(c.cpu, (0, 0), "{}: cpu 0 kept", c.name);
        assert_eq!(c.memory_soft, (Some(128), Some(128)));
    }
    assert!(
        r.evidence.iter().any(|e| e.contains("no hard memory limit added to web, worker, cron")),
        "{:?}",
        r.evidence
    );
    assert_eq!(r.floors.as_ref().map(|f| f.task_memory), Some((6758.0f32 * 1.1).ceil() as u32));
}

#[test]
fn a_sidecars_reservation_makes_room_for_itself() {
    // App hard limit = most of the task, an agent beside it: the app's floor (the task's
    // need) plus the agent's 512 MiB do not fit in the cheapest size for the need alone.
    let mut s = service(LaunchType::Fargate, 1024, 8192, 2);
    let mut agent = crate::domain::Container::app("datadog-agent", 128, Some(512), None);
    agent.image = "datadog/agent".into();
    s.containers = vec![crate::domain::Container::app("app", 896, Some(7680), None), agent];
    let r = recommend(&s, &history(336, 0.3, 1500.0), &Policy::default());
    let (_, mem) = r.proposed.unwrap();
    assert!(mem >= 1800 + 512, "{mem}");
    assert_eq!(r.containers[1].memory_hard, (Some(512), Some(512)), "the agent keeps its size");
    assert!(r.containers[0].memory_hard.1.unwrap() >= 1800);
    assert!(r.evidence.iter().any(|e| e.contains("sidecars keep their size — datadog-agent (monitoring agent)")));
}
