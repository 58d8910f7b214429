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
            infradeck::sizing::run::recommendations(
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

/// SLO standings for every load-balanced service of the 10,000: the demo simulating each one's
/// 1 h / 6 h / 3 d / 28 d of requests, 5xx and slow requests, then the judging. Runs with every
/// sizing refresh.
fn slo(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let demo = DemoProvider::new(42, Some(10_000), Clock::Fixed(infradeck::harness::FIXED_NOW));
    let services = runtime.block_on(demo.ecs_services(Window::Day)).expect("services");
    let objectives = infradeck::slo::policy::Objectives::default();
    let judged = runtime.block_on(infradeck::sizing::run::slos_of(&demo, &services, &objectives)).expect("slo");
    let behind_lb = services.iter().filter(|s| s.health.read().is_some()).count();
    assert_eq!(judged.len(), behind_lb);
    eprintln!("SLO bench: {behind_lb} of {} services behind a load balancer", services.len());
    let mut group = c.benchmark_group("slo");
    group.sample_size(10);
    group.bench_function("10000_services_windows_and_standings", |b| {
        b.iter(|| runtime.block_on(infradeck::sizing::run::slos_of(&demo, black_box(&services), &objectives)))
    });
    group.finish();
}

criterion_group!(benches, sizing, slo);
criterion_main!(benches);
