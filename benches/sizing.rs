//! Sizing time: recommendations (need, Fargate pair, price, backtest) for 10,000 services with
//! 14 days of hourly usage each, as the app computes them on every sizing refresh; and a
//! suggestion found in a large infrastructure checkout (`iac`), as each plan popup does.
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
    // Compute Optimizer's answer beside each of the 10,000 (8,000-odd Fargate recommendations to
    // match by ARN or by account, region, cluster and name).
    let recs = infradeck::sizing::run::recommendations(&services, &usage, &policy, &policies, &Default::default());
    let answer = runtime.block_on(demo.optimizer_recommendations());
    assert!(answer.recommendations.len() > 5_000, "{} recommendations", answer.recommendations.len());
    group.bench_function("10000_services_compute_optimizer_attached", |b| {
        b.iter_batched(
            || recs.clone(),
            |mut recs| {
                infradeck::sizing::optimizer::attach(&mut recs, &services, black_box(&answer), &policy.rates);
                recs
            },
            criterion::BatchSize::LargeInput,
        )
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

/// A platform repository of 400 services: 200 through one Terraform module (a call each, in
/// 20 files), 200 CloudFormation templates with parameters files. One plan's code change is
/// searched for in all of it, as the plan popup does when it opens.
fn iac(c: &mut Criterion) {
    use infradeck::iac::{Field, Setting, Want, Wanted};
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("modules/svc")).unwrap();
    std::fs::write(
        root.join("modules/svc/main.tf"),
        "variable \"name\" {}\nvariable \"cpu\" {}\nvariable \"memory\" {}\nresource \"aws_ecs_task_definition\" \"this\" {\n  family = var.name\n  cpu    = var.cpu\n  memory = var.memory\n  container_definitions = jsonencode([{ name = var.name, cpu = var.cpu, essential = true }])\n}\n",
    )
    .unwrap();
    for f in 0..20 {
        let calls: String = (0..10)
            .map(|i| {
                let n = f * 10 + i;
                format!("module \"tf-{n}\" {{\n  source = \"./modules/svc\"\n  name   = \"tf-{n}\"\n  cpu    = 1024\n  memory = 2048\n}}\n\n")
            })
            .collect();
        std::fs::write(root.join(format!("services-{f}.tf")), calls).unwrap();
    }
    std::fs::create_dir_all(root.join("cfn")).unwrap();
    for n in 0..200 {
        std::fs::write(
            root.join(format!("cfn/cfn-{n}.yaml")),
            format!("Parameters:\n  TaskCpu:\n    Type: String\n    Default: \"1024\"\nResources:\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: cfn-{n}\n      Cpu: !Ref TaskCpu\n      Memory: \"2048\"\n      ContainerDefinitions:\n        - Name: app\n          Cpu: 1024\n"),
        )
        .unwrap();
        std::fs::write(
            root.join(format!("cfn/cfn-{n}.params.json")),
            "[{\"ParameterKey\": \"TaskCpu\", \"ParameterValue\": \"1024\"}]\n",
        )
        .unwrap();
    }
    let want = |name: &str| Want {
        resource: Wanted::TaskFamily(name.into()),
        stack: None,
        logical_id: None,
        settings: vec![Setting { field: Field::TaskCpu, before: "1024".into(), after: "2048".into() }],
        notes: vec![],
    };
    let roots = [root.to_path_buf()];
    for name in ["tf-199", "cfn-199"] {
        let infradeck::iac::Answer::Patch(p) = infradeck::iac::find(&roots, &want(name)) else {
            panic!("{name} found")
        };
        assert_eq!(p.edits.len(), 1, "{name}: {:?}", p.notes);
    }
    let mut group = c.benchmark_group("iac");
    group.sample_size(10);
    for name in ["tf-199", "cfn-199"] {
        group.bench_function(format!("find_{name}_in_400_services"), |b| {
            b.iter(|| infradeck::iac::find(black_box(&roots), &want(name)))
        });
    }
    group.finish();
}

criterion_group!(benches, sizing, slo, iac);
criterion_main!(benches);
