//! The code change end to end: `plan` on the demo fleet with the demo's own code
//! (examples/iac), the git step, the plan popup's keys, and a live plan from moto's fleet.

use super::iac::copy_dir;
use std::path::Path;

/// `plan` on the demo fleet with the demo's own code (examples/iac): the diff, `--write`, and
/// the git step on a clean tree (a branch and a commit carrying the evidence; refused on a
/// dirty tree, never pushed).
#[tokio::test]
async fn the_demo_suggestion_becomes_a_diff_a_write_and_a_commit_on_a_branch() {
    use infradeck::cli::plan::{Deliver, code_change, plan_for};
    use infradeck::provider::demo::{Clock, DemoProvider};
    let demo = DemoProvider::new(42, None, Clock::Fixed(infradeck::harness::FIXED_NOW));
    let plan = plan_for(&demo, &Default::default(), &Default::default(), "prod-core/orders", None).await.unwrap();
    assert_eq!(
        plan.owner.as_ref().map(|o| o.label.as_str()),
        Some("CloudFormation stack prod-core-orders"),
        "one answer: the plan knows the owner the detail view shows"
    );
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("infra");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/iac"), &repo);
    let shown = code_change(&plan, std::slice::from_ref(&repo), &Deliver::Print).unwrap();
    assert!(shown.diff.contains("-  { \"ParameterKey\": \"TaskCpu\", \"ParameterValue\": \"1024\" },\n+  { \"ParameterKey\": \"TaskCpu\", \"ParameterValue\": \"2048\" },\n"), "{}", shown.diff);
    assert!(
        shown
            .diff
            .contains("-          Cpu: 896\n-          Memory: 2688\n+          Cpu: 1792\n+          Memory: 3712\n"),
        "{}",
        shown.diff
    );
    assert!(
        shown.report.contains("owned by cloudformation/prod-core-orders.yaml:17 OrdersTaskDefinition"),
        "{}",
        shown.report
    );
    assert!(shown.description.contains("| task cpu | `cloudformation/prod-core-orders.params.json:2` (parameter TaskCpu) | `\"1024\"` | `\"2048\"` |"), "{}", shown.description);
    assert!(shown.description.contains("Kept as they are: otel-collector (tracing agent)."), "{}", shown.description);
    assert!(shown.written.is_empty() && shown.committed.is_none());

    super::iac::git_repo(&repo);
    let git = |args: &[&str]| super::iac::git(&repo, args);
    std::fs::write(repo.join("scratch.txt"), "wip").unwrap();
    let dirty =
        code_change(&plan, std::slice::from_ref(&repo), &Deliver::Branch { date: "2026-12-06".into() }).unwrap_err();
    assert!(dirty.contains("has uncommitted changes: commit or stash them first (nothing was written)"), "{dirty}");
    std::fs::remove_file(repo.join("scratch.txt")).unwrap();
    let done = code_change(&plan, std::slice::from_ref(&repo), &Deliver::Branch { date: "2026-12-06".into() }).unwrap();
    let c = done.committed.unwrap();
    assert_eq!(c.branch, "infradeck/resize-prod-core-orders-2026-12-06");
    assert_eq!(git(&["branch", "--show-current"]), c.branch);
    assert_eq!(
        git(&["log", "-1", "--format=%an <%ae>|%s"]),
        "Dana SRE <dana@example.com>|Resize prod-core/orders: 1 vCPU / 3 GiB → 2 vCPU / 4 GiB"
    );
    assert!(git(&["log", "-1", "--format=%b"]).contains("backtest over 336 h"), "the evidence is in the commit");
    assert_eq!(git(&["status", "--porcelain"]), "", "everything written is committed");
    assert_eq!(git(&["show", "--stat", "--format=", "HEAD"]).lines().count(), 3, "two files changed");
    assert_eq!(git(&["remote"]), "", "nothing to push to, and nothing pushed");
    // Once the code says the new size there is nothing left to change.
    let again = code_change(&plan, std::slice::from_ref(&repo), &Deliver::Print).unwrap_err();
    assert!(again.contains("the code says \"2048\", AWS runs 1024"), "{again}");

    // --write, without git.
    let plain = dir.path().join("plain");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/iac"), &plain);
    let wrote = code_change(&plan, std::slice::from_ref(&plain), &Deliver::Write).unwrap();
    assert_eq!(wrote.written.len(), 2);
    let yaml = std::fs::read_to_string(plain.join("cloudformation/prod-core-orders.yaml")).unwrap();
    assert!(yaml.contains("      Memory: \"4096\"   # raised from 2048 after the OOM kills in March\n"));
}

/// The plan popup (`a`) with `[iac] paths` set: the code change comes first (owner, the diff,
/// scrollable), the direct apply second with the drift warning; `c` writes it and the audit log
/// records it, with no request sent to the fleet; the same in read-only.
#[test]
fn the_plan_popup_offers_the_code_change_first_and_c_writes_it() {
    use infradeck::app::state::{CodeState, Overlay};
    use infradeck::harness::Harness;
    use infradeck::provider::demo::{Clock, DemoProvider};
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("infra");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/iac"), &repo);
    for read_only in [false, true] {
        let mut demo = DemoProvider::new(42, None, Clock::Fixed(infradeck::harness::FIXED_NOW));
        if read_only {
            demo = demo.with_read_only(true);
        }
        let config = infradeck::config::Config {
            iac: infradeck::config::IacSettings { paths: vec![repo.clone()] },
            ..Default::default()
        };
        let mut h = Harness::on(std::sync::Arc::new(demo), config, 160, 50);
        let audit = dir.path().join(format!("audit-{read_only}.jsonl"));
        h.state.audit_log = Some(audit.clone());
        for _ in 0..40 {
            if h.state.ecs.selected().is_some_and(|s| s.name == "orders") {
                break;
            }
            h.keys(&["j"]);
        }
        h.keys(&["a"]);
        let screen = h.screen();
        assert!(
            screen.contains("code       owned by cloudformation/prod-core-orders.yaml:17 OrdersTaskDefinition"),
            "{screen}"
        );
        assert!(screen.contains("+  { \"ParameterKey\": \"TaskCpu\", \"ParameterValue\": \"2048\" },"), "{screen}");
        assert!(
            screen.contains("⚠ direct   CloudFormation stack prod-core-orders owns it: a change applied here is drift"),
            "{screen}"
        );
        assert!(
            screen.find("code       owned by").unwrap() < screen.find("⚠ direct").unwrap(),
            "the code change first"
        );
        assert!(screen.contains("c write this change · g commit it on a new branch"), "{screen}");
        assert!(screen.contains("lines 1–"), "a long diff scrolls: {screen}");
        h.keys(&["down", "down"]);
        let Some(Overlay::Plan(p)) = &h.state.overlay else { panic!("plan open") };
        assert_eq!(p.code_scroll, 2, "↓ scrolls the diff, not closes the plan");
        if read_only {
            // Writing the code sends nothing to AWS: read-only may do it; y still cannot apply.
            assert!(screen.contains("read-only"), "{screen}");
        }
        let before = h.state.ecs.rows().iter().find(|s| s.name == "orders").map(|s| s.task_definition.clone());
        h.keys(&["c"]);
        let Some(Overlay::Plan(p)) = &h.state.overlay else { panic!("the plan stays open") };
        let CodeState::Found(change) = &p.code else { panic!("{:?}", p.code) };
        assert_eq!(change.written.len(), 2);
        let yaml = std::fs::read_to_string(repo.join("cloudformation/prod-core-orders.yaml")).unwrap();
        assert!(yaml.contains("      Memory: \"4096\"   # raised from 2048"), "{yaml}");
        assert!(h.screen().contains("written into 2 file(s), not committed"), "{}", h.screen());
        let log = infradeck::apply::AuditLog::new(audit).read().unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "code change");
        assert_eq!((log[0].before.as_str(), log[0].after.as_str()), ("1 vCPU / 3 GiB", "2 vCPU / 4 GiB"));
        let code = log[0].code.as_ref().unwrap();
        assert_eq!(code.files.len(), 2);
        assert_eq!(code.root, repo);
        let after = h.state.ecs.rows().iter().find(|s| s.name == "orders").map(|s| s.task_definition.clone());
        assert_eq!(before, after, "nothing was sent to the fleet");
        h.keys(&["esc"]);
        let screen = h.screen();
        assert!(screen.contains("✎ in code: 2 / 4G"), "the pane follows the change to its deploy:\n{screen}");
        // Put the code back for the read-only round.
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/iac"), &repo);
    }
}

/// From a live plan on moto's realistic fleet: checkout's owner comes from its tags
/// (ManagedBy=terraform), the plan's sizes are found in the Terraform that declares it (a
/// tfvars override, a variable's default, the jsonencode containers), and gateway's in its
/// CloudFormation template, envoy left as the mesh team sized it. Only reads reach AWS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_plan_from_aws_becomes_a_change_to_the_terraform_and_cloudformation_that_own_it() {
    use crate::support::{halving, moto::MotoFleet};
    use infradeck::domain::Window;
    use infradeck::iac::change::{Deliver, code_change};
    use infradeck::provider::Provider;
    use infradeck::provider::aws::{AwsOptions, AwsProvider};
    let fleet = MotoFleet::start(&["--fleet", "realistic"]);
    fleet.record_as("read-only");
    let options = AwsOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(fleet.endpoint.clone()),
        credentials: Some(aws_credential_types::Credentials::new("testing", "testing", None, None, "tests")),
        retry: Some(aws_config::retry::RetryConfig::standard().with_max_attempts(1)),
        read_only: true,
        ..AwsOptions::default()
    };
    let aws = AwsProvider::connect(options).await.expect("connect");
    let services = aws.ecs_services(Window::Day).await.expect("services");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iac/moto-realistic");
    let service = |name: &str| services.iter().find(|s| s.name == name).cloned().unwrap();

    let plan = aws.plan_resize(&halving(&service("checkout"), -40.0)).await.expect("plan");
    assert_eq!(plan.owner.as_ref().map(|o| o.label.as_str()), Some("Terraform"));
    let change = code_change(&plan, std::slice::from_ref(&root), &Deliver::Print).expect("the code that owns it");
    assert!(
        change.declared.starts_with("terraform/checkout.tf:6 aws_ecs_task_definition.checkout"),
        "{}",
        change.declared
    );
    let lines: Vec<&str> = change
        .diff
        .lines()
        .filter(|l| l.starts_with(['-', '+']) && !l.starts_with("--- ") && !l.starts_with("+++ "))
        .collect();
    assert_eq!(
        lines,
        [
            "-      cpu               = 1024",
            "-      memory            = 2048",
            "-      memoryReservation = 1024 # half the limit: room for the JVM to grow",
            "+      cpu               = 512",
            "+      memory            = 1024",
            "+      memoryReservation = 512 # half the limit: room for the JVM to grow",
            "-checkout_cpu = \"1024\"",
            "+checkout_cpu = \"512\"",
            "-  default     = 2048",
            "+  default     = 1024",
        ],
        "{}",
        change.diff
    );

    // gateway doubles (halving would leave envoy more than the task).
    let mut doubling = halving(&service("gateway"), 60.0);
    doubling.after = (2048, 4096);
    let c = &mut doubling.containers[0];
    (c.cpu.1, c.memory_hard.1, c.memory_soft.1) = (1536, Some(3072), Some(2048));
    let plan = aws.plan_resize(&doubling).await.expect("plan");
    let change = code_change(&plan, std::slice::from_ref(&root), &Deliver::Print).expect("the template");
    assert!(change.declared.starts_with("cloudformation/gateway.yaml:5 GatewayTaskDefinition"), "{}", change.declared);
    assert!(
        change
            .diff
            .contains("-      Cpu: \"1024\"\n-      Memory: \"2048\"\n+      Cpu: \"2048\"\n+      Memory: \"4096\"\n"),
        "{}",
        change.diff
    );
    assert!(change.diff.contains("-          Cpu: 768\n-          Memory: 1536\n-          MemoryReservation: 1024\n+          Cpu: 1536\n+          Memory: 3072\n+          MemoryReservation: 2048\n"), "{}", change.diff);
    assert!(!change.diff.contains("-          Cpu: 256"), "envoy keeps its size: {}", change.diff);
    let counts = fleet.bridge_counts();
    let sent: Vec<&String> = counts.as_object().unwrap().keys().collect();
    assert!(sent.iter().all(|op| ["Describe", "List", "Get"].iter().any(|p| op.starts_with(p))), "{sent:?}");
}

/// Terraform seldom tags what it owns: code found in `[iac] paths` that declares the service
/// is its owner all the same, and the direct apply is named as drift.
#[test]
fn code_that_declares_an_untagged_service_owns_it() {
    use infradeck::harness::Harness;
    use infradeck::provider::demo::{Clock, DemoProvider};
    let demo = DemoProvider::new(42, None, Clock::Fixed(infradeck::harness::FIXED_NOW));
    let config = infradeck::config::Config {
        iac: infradeck::config::IacSettings { paths: vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/iac")] },
        ..Default::default()
    };
    let mut h = Harness::on(std::sync::Arc::new(demo), config, 160, 50);
    for _ in 0..40 {
        if h.state.ecs.selected().is_some_and(|s| s.key() == "prod-core/payments") {
            break;
        }
        h.keys(&["j"]);
    }
    h.keys(&["a"]);
    let screen = h.screen();
    assert!(screen.contains("⚠ direct   the Terraform at terraform/modules/fargate-service/main.tf:1"), "{screen}");
    assert!(screen.contains("-  cpu     = 1024"), "{screen}");
}
