use super::*;

#[tokio::test]
async fn a_resize_changes_the_reservation_and_the_utilization_it_implies() {
    let demo = DemoProvider::new(42, None, Clock::Fixed(1_795_012_200));
    let find = |v: Vec<EcsService>| v.into_iter().find(|s| s.key() == "prod-core/checkout").unwrap();
    let before = find(demo.ecs_services(Window::Day).await.unwrap());
    assert_eq!((before.task_cpu, before.task_memory), (512, 1024));
    demo.resize("prod-core", "checkout", 1024, 2048).unwrap();
    let after = find(demo.ecs_services(Window::Day).await.unwrap());
    assert_eq!((after.task_cpu, after.task_memory), (1024, 2048));
    assert_eq!(
        after.task_definition,
        format!("checkout:{}", before.task_definition.split(':').nth(1).unwrap().parse::<u32>().unwrap() + 1)
    );
    assert!(demo.resize("prod-core", "nope", 256, 512).is_err());
    // The same work on twice the reservation: half the percentage from the resize on; what
    // was measured before it keeps the size of its time.
    let now = 1_795_012_200;
    let spec = |demo: &DemoProvider| {
        demo.fleet().services.iter().find(|s| s.cluster == "prod-core" && s.name == "checkout").unwrap().clone()
    };
    let original = spec(&DemoProvider::new(42, None, Clock::Fixed(now)));
    let resized = spec(&demo);
    assert_eq!((resized.size_at(now - 1), resized.size_at(now)), ((512, 1024), (1024, 2048)));
    for t in (1..=12).map(|i| now + i * 300) {
        let (old, new) = (original.point(t), resized.point(t));
        let ratio = new.mem_avg / old.mem_avg;
        assert!((0.45..0.55).contains(&ratio), "memory ratio {ratio} at {t}");
        assert!(new.cpu_avg <= old.cpu_avg * 0.55 + 1e-3 || old.cpu_avg >= 99.9, "{new:?} vs {old:?}");
    }
    for t in (1..=12).map(|i| now - i * 300) {
        assert_eq!(original.point(t), resized.point(t), "history before the resize is as it was");
    }
}
