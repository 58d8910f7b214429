use super::*;

fn c(name: &str, cpu: u32, hard: Option<u32>, soft: Option<u32>) -> Container {
    Container::app(name, cpu, hard, soft)
}

fn shape(containers: &[Container], fargate: bool, size: (u32, u32)) -> TaskShape<'_> {
    TaskShape { fargate, task_level: TaskLevel::default(), size, containers }
}

fn resize<'a>(s: &TaskShape, after: (u32, u32), cs: &'a [ContainerChange], floors: &'a Floors) -> Resize<'a> {
    Resize { fargate: s.fargate, task_level: s.task_level, before: s.size, after, containers: cs, floors: Some(floors) }
}

#[test]
fn soft_only_cpu_zero_containers_get_no_hard_limit_and_keep_cpu_zero() {
    // The service: 2 vCPU / 8 GiB, three containers with cpu 0 and only a soft
    // reservation of 128 MiB; the busiest task peaks at 6.6 GiB.
    let cs = [c("web", 0, None, Some(128)), c("worker", 0, None, Some(128)), c("cron", 0, None, Some(128))];
    let s = shape(&cs, true, (2048, 8192));
    let floors = Floors { task_cpu: 3000, task_memory: 8110, containers: vec![], container_cpu: vec![] };
    let out = layout(&s, (4096, 8192), &floors).unwrap();
    for o in &out {
        assert_eq!(o.memory_hard, (None, None), "{}: no hard limit invented", o.name);
        assert_eq!(o.memory_soft, (Some(128), Some(128)));
        assert_eq!(o.cpu, (0, 0), "cpu 0 stays 0");
    }
    assert_eq!(check(&resize(&s, (4096, 8192), &out, &floors)), Ok(()));
    // What today's code proposed: a 128 MiB hard limit on each: refused, with the reason.
    let mut bad = out.clone();
    bad[0].memory_hard.1 = Some(128);
    bad[0].cpu.1 = 1365;
    let why = check(&resize(&s, (4096, 8192), &bad, &floors)).unwrap_err();
    assert!(why.iter().any(|w| w.contains("hard memory limit it did not have")), "{why:?}");
    assert!(why.iter().any(|w| w.contains("cpu 0")), "{why:?}");
}

#[test]
fn sidecars_keep_their_size_and_the_app_takes_the_change() {
    let mut envoy = c("envoy", 256, Some(512), Some(256));
    envoy.image = "aws-appmesh-envoy".into();
    let mut logs = c("log_router", 64, None, Some(64));
    logs.essential = false;
    logs.log_router = true;
    let cs = [c("app", 704, Some(3072), None), envoy, logs];
    let s = shape(&cs, true, (1024, 4096));
    let floors = Floors { task_cpu: 300, task_memory: 900, containers: vec![], container_cpu: vec![] };
    let out = layout(&s, (512, 2048), &floors).unwrap();
    assert_eq!(out[1].cpu, (256, 256));
    assert_eq!(out[1].memory_hard, (Some(512), Some(512)));
    assert_eq!(out[2].memory_soft, (Some(64), Some(64)));
    assert_eq!(out[1].sidecar, Some(Sidecar::MeshProxy));
    assert_eq!(out[2].sidecar, Some(Sidecar::LogRouter));
    // The app: cpu scaled within what the sidecars leave; its hard limit loses the task's cut.
    assert_eq!(out[0].cpu.1, 512 - 256 - 64);
    assert_eq!(out[0].memory_hard.1, Some(3072 - 2048));
    assert_eq!(check(&resize(&s, (512, 2048), &out, &floors)), Ok(()));
    let notes = notes(&s, &out);
    assert!(notes[0].contains("sidecars keep their size — envoy (service-mesh proxy), log_router (log router)"));
}

#[test]
fn a_hard_limit_is_never_cut_below_the_task_need_or_the_containers_own_peak() {
    // Task 8 GiB, app hard 7.5 GiB, sidecar 512: the task needs 1800 MiB; nothing says the
    // sidecar used any of it, so the app keeps ≥ 1800 and the task must hold 1800 + 512.
    let mut agent = c("datadog-agent", 128, Some(512), None);
    agent.image = "datadog/agent".into();
    let cs = [c("app", 896, Some(7680), None), agent];
    let s = shape(&cs, true, (1024, 8192));
    let floors = Floors { task_cpu: 400, task_memory: 1800, containers: vec![], container_cpu: vec![] };
    assert_eq!(layout(&s, (512, 2048), &floors), Err(Needs { cpu: 512, memory: 2312 }));
    let out = layout(&s, (512, 3072), &floors).unwrap();
    assert_eq!(out[0].memory_hard.1, Some(2560), "7680 less the task's 5120 cut");
    // With Container Insights saying the app peaked at 1 GiB (+ headroom), the floor is that.
    let per = Floors { containers: vec![("app".into(), 1229)], ..floors.clone() };
    let out = layout(&s, (512, 2048), &per).unwrap();
    assert_eq!(out[0].memory_hard.1, Some(1536));
    let mut low = out.clone();
    low[0].memory_hard.1 = Some(1024);
    let why = check(&resize(&s, (512, 2048), &low, &per)).unwrap_err();
    assert!(why.iter().any(|w| w.contains("below what it was seen needing (1229 MiB)")), "{why:?}");
}

#[test]
fn growth_goes_to_the_apps_hard_limit() {
    // OOM-killed at its hard limit: the added memory goes to it.
    let cs = [c("app", 512, Some(2048), Some(1024))];
    let s = shape(&cs, true, (512, 2048));
    let floors = Floors { task_cpu: 500, task_memory: 3000, containers: vec![], container_cpu: vec![] };
    let out = layout(&s, (1024, 4096), &floors).unwrap();
    assert_eq!(out[0].memory_hard.1, Some(4096));
    assert_eq!(out[0].memory_soft.1, Some(1024), "a reservation is not raised with task memory");
    assert_eq!(out[0].cpu.1, 1024);
}

#[test]
fn ec2_without_task_level_sizes_moves_the_reservations_and_stays_without() {
    // queue-worker: one container, hard 2048, soft 1536, no task-level size.
    let cs = [c("worker", 1024, Some(2048), Some(1536))];
    let s = TaskShape {
        fargate: false,
        task_level: TaskLevel { cpu: false, memory: false },
        size: (1024, 1536),
        containers: &cs,
    };
    let floors = Floors { task_cpu: 800, task_memory: 2280, containers: vec![], container_cpu: vec![] };
    let out = layout(&s, (896, 2304), &floors).unwrap();
    assert_eq!(out[0].memory_soft.1, Some(2304));
    assert_eq!(out[0].memory_hard.1, Some(2048 + 768), "the hard limit moves with the reservation");
    assert_eq!(out[0].cpu.1, 896);
    assert_eq!(effective_size(s.task_level, (896, 2304), &out), (896, 2304));
    let r = Resize {
        fargate: false,
        task_level: s.task_level,
        before: s.size,
        after: (896, 2304),
        containers: &out,
        floors: Some(&floors),
    };
    assert_eq!(check(&r), Ok(()));
    assert!(notes(&s, &out).iter().any(|n| n.contains("no task-level cpu/memory")));
}

#[test]
fn registrable_mirrors_register_task_definition() {
    let cs = [c("app", 2048, Some(4096), Some(4096))];
    let changes: Vec<ContainerChange> = cs.iter().map(ContainerChange::unchanged).collect();
    let s = shape(&cs, true, (1024, 2048));
    let floors = Floors::default();
    let why = registrable(&resize(&s, (1024, 3000), &changes, &floors));
    let text = why.join("\n");
    assert!(text.contains("not a Fargate size"), "{text}");
    assert!(text.contains("reserve 2048 CPU units, more than the task's 1024"), "{text}");
    assert!(text.contains("hard limit 4096 MiB must be above its reservation 4096"), "{text}");
    assert!(text.contains("hard limit 4096 MiB is above the task's 3000"), "{text}");
    let mut none = changes.clone();
    none[0].essential = false;
    assert!(registrable(&resize(&s, (1024, 2048), &none, &floors)).iter().any(|w| w.contains("no essential")));
    let ec2 = Resize {
        fargate: false,
        task_level: TaskLevel { cpu: false, memory: false },
        before: (0, 0),
        after: (0, 0),
        containers: &[ContainerChange::unchanged(&c("bare", 0, None, None))],
        floors: None,
    };
    assert!(registrable(&ec2)[0].contains("needs memory or memoryReservation"));
}

#[test]
fn split_adds_up_exactly() {
    assert_eq!(split(10, &[1, 1, 1]), vec![4, 3, 3]);
    assert_eq!(split(-10, &[1, 1, 1]), vec![-4, -3, -3]);
    assert_eq!(split(5, &[0, 0]), vec![0, 0]);
    assert_eq!(split(7, &[3, 0, 1]).iter().sum::<i64>(), 7);
}
