//! Sizing time: recommendations (need, Fargate pair, price, backtest) for 10,000 services with
//! 14 days of hourly usage each, as the app computes them on every sizing refresh.
//! `cargo bench --bench sizing`; results are recorded in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use infradeck::domain::Window;
use infradeck::provider::Provider;
use infradeck::provider::demo::{Clock, DemoProvider};
use infradeck::sizing::policy::Policies;
use infradeck::sizing::recommend::Policy;
use std::hint::black_box;

fn sizing(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let demo = DemoProvider::new(42, Some(10_000), Clock::Fixed(infradeck::harness::FIXED_NOW));
    let (services, usage) = runtime.block_on(async {
        (demo.ecs_services(Window::Day).await.expect("services"), demo.ecs_usage().await.expect("usage"))
    });
    assert_eq!(usage.len(), 10_000);
    assert!(usage.iter().all(|(_, h)| h.cpu_vcpu.len() == 336), "14 days at 1 hour");
    let (policy, policies) = (Policy::default(), Policies::default());
    let mut group = c.benchmark_group("sizing");
    group.sample_size(20);
    group.bench_function("10000_services_14d_hourly", |b| {
        b.iter(|| {
            infradeck::report::recommendations(
                black_box(&services),
                black_box(&usage),
                &policy,
                &policies,
                &Default::default(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, sizing);
criterion_main!(benches);
