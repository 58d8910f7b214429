//! Properties of the ECS recommender over arbitrary services and histories.

use infradeck::domain::{Arch, Container, EcsService, LaunchType, UsageHistory};
use infradeck::sizing::catalog::{HOURS_PER_MONTH, fargate_sizes, fargate_task_hourly, is_valid_fargate};
use infradeck::sizing::recommend::{Finding, Policy, effective_headroom, recommend};
use proptest::prelude::*;

fn service(launch: LaunchType, arch: Arch, (cpu, mem): (u32, u32), running: u32) -> EcsService {
    // Two containers: the split and the sums are part of what is checked.
    EcsService {
        containers: vec![
            Container {
                name: "app".into(),
                cpu: cpu * 7 / 8,
                memory_hard: Some(mem * 7 / 8),
                memory_soft: Some(mem / 2),
            },
            Container { name: "sidecar".into(), cpu: cpu / 8, memory_hard: Some(mem / 8), memory_soft: Some(mem / 16) },
        ],
        ..EcsService::sized("c", "s", launch, arch, (cpu, mem), running)
    }
}

fn arb_history() -> impl Strategy<Value = UsageHistory> {
    (24usize..=336, 0.01f32..12.0, 16.0f32..90_000.0, 0u32..5).prop_flat_map(|(hours, cpu_max, mem_max, ooms)| {
        (proptest::collection::vec(0.0f32..=cpu_max, hours), proptest::collection::vec(0.0f32..=mem_max, hours))
            .prop_map(move |(cpu, mem)| UsageHistory {
                step_seconds: 3_600,
                cpu_vcpu: cpu,
                memory_mib: mem,
                oom_kills: ooms,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fargate_suggestions_are_valid_fit_the_need_and_are_priced_consistently(
        size in proptest::sample::select(fargate_sizes().to_vec()),
        arm in any::<bool>(),
        running in 1u32..20,
        h in arb_history(),
    ) {
        let arch = if arm { Arch::Arm } else { Arch::X86 };
        let s = service(LaunchType::Fargate, arch, size, running);
        let policy = Policy::default();
        let r = recommend(&s, &h, &policy);
        let Some((cpu, mem)) = r.proposed else {
            // Only when the need is beyond the largest Fargate size.
            prop_assert_eq!(r.finding, Finding::UnderProvisioned);
            return Ok(());
        };
        prop_assert!(is_valid_fargate(cpu, mem), "{cpu}/{mem} is not a Fargate size");
        let headroom = effective_headroom(&policy, h.hours_of_data());
        let mut sorted: Vec<f32> = h.cpu_vcpu.clone();
        sorted.sort_by(f32::total_cmp);
        let p99 = infradeck::domain::series::percentile_sorted(&sorted, 99.0);
        let peak = h.memory_mib.iter().copied().fold(0.0, f32::max);
        prop_assert!(cpu as f32 / 1024.0 >= p99 * (1.0 + headroom) - 1e-4, "cpu {cpu} below need");
        prop_assert!(mem as f32 >= peak * (1.0 + headroom) - 1e-2, "memory {mem} below need");
        if h.oom_kills > 0 {
            prop_assert!(mem as f32 >= (peak + 100.0).max(peak * 1.2) - 1e-2);
        }
        // Cheapest: no valid size that also fits costs less.
        let need_cpu = p99 * (1.0 + headroom) * 1024.0;
        let need_mem = if h.oom_kills > 0 { (peak * (1.0 + headroom)).max((peak + 100.0).max(peak * 1.2)) } else { peak * (1.0 + headroom) };
        let price = fargate_task_hourly(arch, cpu, mem);
        for &(c, m) in fargate_sizes() {
            if c as f32 >= need_cpu && m as f32 >= need_mem {
                prop_assert!(fargate_task_hourly(arch, c, m) >= price - 1e-12);
            }
        }
        // Cost arithmetic: tasks × hours × price, and the change is the difference.
        let monthly = r.monthly_proposed.unwrap();
        prop_assert!((monthly - price * running as f64 * HOURS_PER_MONTH).abs() < 1e-6);
        prop_assert!((r.monthly_change().unwrap() - (monthly - r.monthly_current.unwrap())).abs() < 1e-9);
        // Containers fit inside the task, limits above reservations.
        prop_assert!(r.containers.iter().map(|c| c.cpu).sum::<u32>() <= cpu);
        prop_assert!(r.containers.iter().map(|c| c.memory_hard).sum::<u32>() <= mem);
        prop_assert!(r.containers.iter().all(|c| c.memory_soft < c.memory_hard || c.memory_hard <= 6));
        // The finding agrees with the direction of the change.
        let (cur_c, cur_m) = size;
        match r.finding {
            Finding::UnderProvisioned => prop_assert!(cpu > cur_c || mem > cur_m),
            Finding::OverProvisioned => prop_assert!(cpu <= cur_c && mem <= cur_m && (cpu < cur_c || mem < cur_m)),
            Finding::Optimized => prop_assert_eq!((cpu, mem), size),
            Finding::NotEnoughData => prop_assert!(false, "had enough data"),
        }
    }

    #[test]
    fn ec2_suggestions_hold_the_need_in_whole_steps(
        running in 1u32..20,
        h in arb_history(),
    ) {
        let s = service(LaunchType::Ec2, Arch::X86, (1024, 2048), running);
        let r = recommend(&s, &h, &Policy::default());
        let (cpu, mem) = r.proposed.expect("EC2 always has a size");
        prop_assert!(cpu % 128 == 0 && mem % 128 == 0 && cpu > 0 && mem > 0);
        prop_assert!(r.monthly_current.is_none());
        let (freed_cpu, _) = r.capacity_freed.unwrap();
        prop_assert!((freed_cpu - (1.0 - cpu as f32 / 1024.0) * running as f32).abs() < 1e-3);
    }
}

proptest! {
    /// Every Redis suggestion fits the peak with headroom in usable memory (after
    /// reserved-memory-percent); an evicting group is never moved to less memory; prices add up.
    #[test]
    fn redis_suggestions_fit_usable_memory(
        node in 0usize..infradeck::sizing::catalog::NODE_TYPES.len(),
        mem_max in 0.0f32..100.0,
        cpu_p95 in 0.0f32..100.0,
        evictions in prop_oneof![Just(0u64), 1u64..100_000],
        reserved in 0.0f32..60.0,
        shards in 1u32..4,
        replicas in 0u32..3,
        valkey in any::<bool>(),
    ) {
        use infradeck::domain::{CacheEngine, CacheGroup, Stats};
        use infradeck::sizing::catalog::{NODE_TYPES, node_type};
        use infradeck::sizing::redis::{HEADROOM, recommend, usable_gib};
        let current = &NODE_TYPES[node];
        let g = CacheGroup {
            id: "g".into(),
            engine: if valkey { CacheEngine::Valkey } else { CacheEngine::Redis },
            engine_version: "7".into(),
            node_type: current.name.into(),
            shards,
            replicas_per_shard: replicas,
            reserved_memory_percent: reserved,
            memory: Stats { max: mem_max, avg: mem_max / 2.0, ..Stats::default() },
            engine_cpu: Stats { p95: cpu_p95, max: cpu_p95, ..Stats::default() },
            evictions,
            connections: Stats::default(),
            network_in: 1e6,
            network_out: 1e6,
            memory_spark: Vec::new(),
            cpu_spark: Vec::new(),
        };
        let r = recommend(&g);
        let used = mem_max as f64 / 100.0 * usable_gib(current, reserved);
        if let Some(p) = r.proposed.as_deref() {
            let p = node_type(p).expect("a catalogue node");
            prop_assert!(usable_gib(p, reserved) >= used * (1.0 + HEADROOM as f64) - 1e-9);
            if evictions > 0 {
                prop_assert!(p.memory_gib > current.memory_gib);
            }
            let nodes = (shards * (1 + replicas)) as f64;
            let expected = p.hourly(g.engine) * nodes * HOURS_PER_MONTH;
            prop_assert!((r.monthly_proposed.unwrap() - expected).abs() < 1e-6);
        }
        prop_assert_eq!(r.valkey_saving.is_some(), !valkey && mem_max + cpu_p95 > 0.0);
    }
}
