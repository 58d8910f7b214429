use super::*;
use crate::sizing::catalog::is_valid_fargate;

#[test]
fn default_fleet_has_what_the_panes_need() {
    let f = Fleet::build(1, None);
    assert!(f.services.len() >= 40);
    let clusters: std::collections::HashSet<_> = f.services.iter().map(|s| &s.cluster).collect();
    assert!(clusters.len() >= 3);
    assert!(f.services.iter().any(|s| s.launch_type == LaunchType::Ec2));
    assert!(f.services.iter().any(|s| s.arch == Arch::Arm));
    assert!(f.services.iter().any(|s| s.containers.len() > 1));
    assert!(f.caches.len() >= 6);
    assert!(f.caches.iter().any(|c| c.shards > 1));
    assert!(f.alarms.len() >= 15);
    for s in f.services.iter().filter(|s| s.launch_type == LaunchType::Fargate) {
        assert!(is_valid_fargate(s.task_cpu, s.task_memory), "{} {}", s.name, s.task_cpu);
        let cpu: u32 = s.containers.iter().map(|c| c.cpu).sum();
        let mem: u32 = s.containers.iter().map(Container::reserved_memory).sum();
        assert!(cpu <= s.task_cpu && mem <= s.task_memory, "{}", s.name);
    }
    // The shapes real accounts have.
    let get = |key: &str| f.services.iter().find(|s| format!("{}/{}", s.cluster, s.name) == key).unwrap();
    assert!(get("prod-data/reporting-api").containers.iter().all(|c| c.cpu == 0 && c.memory_hard.is_none()));
    assert_eq!(get("prod-data/billing").controller, DeploymentController::CodeDeploy);
    assert_eq!(get("prod-core/user-profile").spot_share, 1.0);
    let etl = get("batch/nightly-etl");
    assert!(!etl.task_level.cpu && !etl.task_level.memory);
    assert_eq!(etl.task_memory, etl.containers.iter().map(Container::reserved_memory).sum::<u32>());
    assert!(f.services.iter().any(|s| s.containers.iter().any(|c| c.sidecar().is_some())));
}

#[test]
fn scale_builds_exactly_that_many_services() {
    assert_eq!(Fleet::build(1, Some(10_000)).services.len(), 10_000);
    assert_eq!(Fleet::build(1, Some(10_000)).caches.len(), 1_000);
    assert_eq!(Fleet::build(1, Some(5)).services.len(), 5);
}

#[test]
fn same_seed_same_fleet() {
    let a = Fleet::build(9, Some(200));
    let b = Fleet::build(9, Some(200));
    assert_eq!(
        a.services.iter().map(|s| &s.name).collect::<Vec<_>>(),
        b.services.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
}
