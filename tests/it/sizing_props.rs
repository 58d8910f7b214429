//! Properties of the ECS recommender over arbitrary services and histories.

use infradeck::domain::{Arch, Container, EcsService, LaunchType, TaskLevel, UsageHistory};
use infradeck::sizing::catalog::{HOURS_PER_MONTH, fargate_sizes, fargate_task_hourly, is_valid_fargate};
use infradeck::sizing::containers::{ContainerChange, Resize, check, layout};
use infradeck::sizing::recommend::{Finding, Policy, effective_headroom, recommend};
use proptest::prelude::*;

fn service(launch: LaunchType, arch: Arch, (cpu, mem): (u32, u32), running: u32) -> EcsService {
    // Two containers: the split and the sums are part of what is checked.
    EcsService {
        containers: vec![
            Container::app("app", cpu * 7 / 8, Some(mem * 7 / 8), Some(mem / 2)),
            Container::app("sidecar", cpu / 8, Some(mem / 8), Some(mem / 16)),
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
                containers: Vec::new(),
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
        // A leak's sawtooth (OOM kills at the limit, a tenth of the time under 70 % of the peak)
        // keeps the memory it has: a larger limit only spaces the kills out.
        let mut mem_sorted: Vec<f32> = h.memory_mib.clone();
        mem_sorted.sort_by(f32::total_cmp);
        let low = infradeck::domain::series::percentile_sorted(&mem_sorted, 10.0);
        let leak = h.oom_kills > 0 && peak >= s.task_memory as f32 * 0.97 && low < 0.7 * peak;
        let need_mem = if leak {
            s.task_memory as f32
        } else if h.oom_kills > 0 {
            (peak * (1.0 + headroom)).max((peak + 100.0).max(peak * 1.2))
        } else {
            peak * (1.0 + headroom)
        };
        prop_assert!(mem as f32 >= need_mem - 1e-2, "memory {mem} below need {need_mem}");
        if leak {
            prop_assert!(r.evidence.iter().any(|e| e.contains("a leak, not a size")), "{:?}", r.evidence);
        }
        // Cheapest: no valid size that also fits the need and its containers costs less.
        let need_cpu = p99 * (1.0 + headroom) * 1024.0;
        let price = fargate_task_hourly(arch, cpu, mem);
        let floors = r.floors.clone().expect("a proposal carries its floors");
        let shape = infradeck::sizing::recommend::shape(&s);
        for &(c, m) in fargate_sizes() {
            if c as f32 >= need_cpu && m as f32 >= need_mem && fargate_task_hourly(arch, c, m) < price - 1e-12 {
                prop_assert!(layout(&shape, (c, m), &floors).is_err(), "{c}/{m} is cheaper and holds the containers");
            }
        }
        // Cost arithmetic: tasks × hours × price, and the change is the difference.
        let monthly = r.monthly_proposed.unwrap();
        prop_assert!((monthly - price * running as f64 * HOURS_PER_MONTH).abs() < 1e-6);
        prop_assert!((r.monthly_change().unwrap() - (monthly - r.monthly_current.unwrap())).abs() < 1e-9);
        // Containers fit inside the task, limits above reservations: what RegisterTaskDefinition
        // checks, and nothing cut below the evidence.
        let resize = Resize { fargate: true, task_level: s.task_level, before: size, after: (cpu, mem), containers: &r.containers, floors: Some(&floors) };
        prop_assert_eq!(check(&resize), Ok(()));
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

/// One container of a generated task definition, before it is made to fit its task.
#[derive(Debug, Clone)]
struct RawContainer {
    /// None: cpu 0/absent; else a share of the task's CPU.
    cpu: Option<u32>,
    /// 0 soft only, 1 hard only, 2 both.
    memory: u8,
    share: u32,
    /// How far above its reservation a hard limit sits (both set).
    over: u32,
    essential: bool,
    /// A known agent's image, or the app's.
    image: &'static str,
    firelens: bool,
}

const IMAGES: &[&str] =
    &["app", "app", "app", "aws-for-fluent-bit", "aws-appmesh-envoy", "aws-xray-daemon", "datadog-agent", "worker"];

fn arb_container() -> impl Strategy<Value = RawContainer> {
    (
        prop_oneof![Just(None), (1u32..100).prop_map(Some)],
        0u8..3,
        1u32..100,
        1u32..300,
        prop::bool::weighted(0.8),
        prop::sample::select(IMAGES),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(cpu, memory, share, over, essential, image, firelens)| RawContainer {
            cpu,
            memory,
            share,
            over,
            essential,
            image,
            firelens,
        })
}

/// A task definition AWS accepted: Fargate or EC2 (with or without task-level sizes), 1–10
/// containers whose cpu and memory settings come in every combination real accounts have.
fn arb_service() -> impl Strategy<Value = EcsService> {
    (
        proptest::collection::vec(arb_container(), 1..=10),
        any::<bool>(),
        proptest::sample::select(fargate_sizes().to_vec()),
        any::<bool>(),
        1u32..12,
    )
        .prop_map(|(raw, fargate, size, task_level, running)| {
            let (task_cpu, task_mem) = size;
            let shares: u32 = raw.iter().map(|c| c.share).sum::<u32>() + 10;
            let cpu_shares: u32 = raw.iter().filter_map(|c| c.cpu).sum::<u32>() + 10;
            let mut containers: Vec<Container> = raw
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let n = raw.len() as u64;
                    let reserved = 8 + ((task_mem as u64 - 8 * n) * r.share as u64 / shares as u64) as u32;
                    let (hard, soft) = match r.memory {
                        0 => (None, Some(reserved)),
                        1 => (Some(reserved), None),
                        _ => (Some((reserved + r.over).min(task_mem).max(reserved + 1)), Some(reserved)),
                    };
                    let cpu =
                        r.cpu.map_or(0, |c| 2 + ((task_cpu as u64 - 2 * n) * c as u64 / cpu_shares as u64) as u32);
                    let mut c = Container::app(&format!("c{i}-{}", r.image), cpu, hard, soft);
                    c.image = r.image.to_string();
                    c.essential = r.essential || i == 0;
                    c.log_router = r.firelens;
                    c
                })
                .collect();
            let launch = if fargate { LaunchType::Fargate } else { LaunchType::Ec2 };
            let mut s = EcsService::sized("c", "s", launch, Arch::X86, size, running);
            if !fargate && !task_level {
                s.task_level = TaskLevel { cpu: false, memory: false };
                s.task_cpu = containers.iter().map(|c| c.cpu).sum();
                s.task_memory = containers.iter().map(Container::reserved_memory).sum();
                if s.task_memory == 0 {
                    containers[0].memory_soft = Some(64);
                    s.task_memory = containers.iter().map(Container::reserved_memory).sum();
                }
            }
            s.containers = containers;
            s
        })
}

fn unchanged(s: &EcsService) -> Vec<ContainerChange> {
    s.containers.iter().map(ContainerChange::unchanged).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Every suggestion on every real-world shape passes the check a plan passes (what AWS
    /// would accept, nothing added, nothing cut below the evidence), or there is none, with the
    /// reason in words.
    #[test]
    fn every_suggestion_on_real_shapes_is_registrable_and_safe(s in arb_service(), h in arb_history()) {
        let before = Resize { fargate: s.launch_type == LaunchType::Fargate, task_level: s.task_level, before: (s.task_cpu, s.task_memory), after: (s.task_cpu, s.task_memory), containers: &unchanged(&s), floors: None };
        prop_assert_eq!(infradeck::sizing::containers::registrable(&before), Vec::<String>::new(), "a generated shape AWS would reject");
        let r = recommend(&s, &h, &Policy::default());
        let Some(after) = r.proposed else {
            prop_assert!(r.evidence.iter().any(|e| e.contains("largest Fargate") || e.contains("no safe resize") || e.contains("no task size")), "{:?}", r.evidence);
            return Ok(());
        };
        let floors = r.floors.clone().unwrap();
        let resize = Resize { after, floors: Some(&floors), containers: &r.containers, ..before };
        prop_assert_eq!(check(&resize), Ok(()));
        for (c, was) in r.containers.iter().zip(&s.containers) {
            prop_assert_eq!(c.memory_hard.1.is_some(), was.memory_hard.is_some(), "{}: a hard limit added or dropped", &c.name);
            if was.cpu == 0 { prop_assert_eq!(c.cpu.1, 0); }
            if let (Some(b), Some(a)) = (was.memory_hard, c.memory_hard.1) {
                prop_assert!(a >= b.min(floors.task_memory), "{}: {a} < min({b}, {})", &c.name, floors.task_memory);
            }
        }
    }

    /// The check refuses what would break the service, whatever the shape: a hard limit added,
    /// a shared-CPU container given CPU, a sidecar resized, a hard limit cut below the evidence.
    #[test]
    fn the_check_refuses_each_kind_of_unsafe_change(s in arb_service(), h in arb_history(), pick in 0usize..10, kind in 0u8..4) {
        let r = recommend(&s, &h, &Policy::default());
        let Some(after) = r.proposed else { return Ok(()) };
        let floors = r.floors.clone().unwrap();
        let mut bad = r.containers.clone();
        let i = pick % bad.len();
        let c = &mut bad[i];
        match kind {
            0 if c.memory_hard.0.is_none() => c.memory_hard.1 = Some(c.memory_soft.1.unwrap_or(64) + 1),
            1 if c.cpu.0 == 0 => c.cpu.1 = 2,
            2 if c.sidecar.is_some() && r.containers.iter().any(|o| o.sidecar.is_none() && o.essential) => c.memory_soft.1 = c.memory_soft.1.map(|m| m + 64).or(Some(64)),
            3 if c.memory_hard.0.is_some() => c.memory_hard.1 = Some(c.memory_hard.0.unwrap().min(floors.task_memory).saturating_sub(1).max(1)),
            _ => return Ok(()),
        }
        let resize = Resize {
            fargate: s.launch_type == LaunchType::Fargate,
            task_level: s.task_level,
            before: (s.task_cpu, s.task_memory),
            after,
            containers: &bad,
            floors: Some(&floors),
        };
        prop_assert!(check(&resize).is_err(), "kind {kind} on {:?} passed", bad[i]);
    }
}

proptest! {
    /// Every Redis suggestion fits the peak with headroom in usable memory (after
    /// reserved-memory-percent); an evicting group is never moved to less memory; prices add up.
    #[test]
    fn redis_suggestions_fit_usable_memory(
        node in 0usize..infradeck::sizing::catalog::node_types().len(),
        mem_max in 0.0f32..100.0,
        cpu_p95 in 0.0f32..100.0,
        evictions in prop_oneof![Just(0u64), 1u64..100_000],
        reserved in 0.0f32..60.0,
        shards in 1u32..4,
        replicas in 0u32..3,
        valkey in any::<bool>(),
    ) {
        use infradeck::domain::{CacheEngine, CacheGroup, Stats};
        use infradeck::sizing::catalog::{node_type, node_types};
        use infradeck::sizing::redis::{HEADROOM, recommend, usable_gib};
        let current = &node_types()[node];
        let g = CacheGroup {
            id: "g".into(),
            identity: Default::default(),
            engine: if valkey { CacheEngine::Valkey } else { CacheEngine::Redis },
            engine_version: "7".into(),
            node_type: current.name.clone(),
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
            standalone: false,
            read_cost: 9,
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
