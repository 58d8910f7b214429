//! The code change: for each fixture repository style (tests/fixtures/iac/README.md has every
//! value and where it is written), the exact diff, `git apply` taking it, every byte outside
//! the changed tokens kept, and the patched files still parsing by an independent parser
//! (python-hcl2, cfn-lint: scripts/iac_oracle.py).

use infradeck::iac::{self, Answer, Field, Patch, Setting, Want, Wanted};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iac").join(name)
}

fn set(field: Field, before: &str, after: &str) -> Setting {
    Setting { field, before: before.into(), after: after.into() }
}

fn task(family: &str, settings: Vec<Setting>) -> Want {
    Want { resource: Wanted::TaskFamily(family.into()), stack: None, logical_id: None, settings, notes: vec![] }
}

fn patch(name: &str, want: &Want) -> Patch {
    match iac::find(&[fixture(name)], want) {
        Answer::Patch(p) => p,
        other => panic!("{name}: {other:?}"),
    }
}

/// The diff without its `diff --git` / `---` / `+++` headers, as `-old` / `+new` lines.
fn changes(p: &Patch) -> Vec<String> {
    p.diff()
        .lines()
        .filter(|l| (l.starts_with('-') && !l.starts_with("---")) || (l.starts_with('+') && !l.starts_with("+++")))
        .map(str::to_string)
        .collect()
}

/// The patch applied by `git apply` to a copy of the fixture gives exactly the patched files,
/// every other byte is what it was, and the validators accept the changed files.
fn applies_and_validates(name: &str, p: &Patch) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(name);
    copy_dir(&fixture(name), &copy);
    let diff = dir.path().join("change.diff");
    std::fs::write(&diff, p.diff()).unwrap();
    let out = Command::new("git").arg("apply").arg("-p1").arg(&diff).current_dir(&copy).output().expect("git");
    assert!(out.status.success(), "git apply: {}\n{}", String::from_utf8_lossy(&out.stderr), p.diff());
    for (path, (before, after)) in &p.files {
        assert_eq!(&std::fs::read_to_string(copy.join(path)).unwrap(), after, "{}", path.display());
        // Outside the edits, byte for byte the same.
        let mut rebuilt = after.clone();
        let mut edits: Vec<_> = p.edits.iter().filter(|e| &e.file == path).collect();
        edits.sort_by_key(|e| e.span.start);
        // Undone in order, each edit's place in `after` is its place in `before`.
        for e in edits {
            let start = e.span.start;
            assert_eq!(&rebuilt[start..start + e.after.len()], e.after);
            rebuilt.replace_range(start..start + e.after.len(), &e.before);
        }
        assert_eq!(&rebuilt, before, "{}: only the value tokens changed", path.display());
    }
    let files: Vec<PathBuf> = p.files.keys().map(|f| copy.join(f)).collect();
    let oracle = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/iac_oracle.py"))
        .args(&files)
        .output()
        .expect("python3");
    assert!(
        oracle.status.success(),
        "the patched files must still parse (scripts/iac_oracle.py):\n{}{}",
        String::from_utf8_lossy(&oracle.stdout),
        String::from_utf8_lossy(&oracle.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn terraform_literals_and_jsonencode_containers_change_in_place_and_sidecars_keep_their_size() {
    let want = task(
        "orders",
        vec![
            set(Field::TaskCpu, "1024", "2048"),
            set(Field::TaskMemory, "2048", "4096"),
            set(Field::ContainerCpu("orders".into()), "768", "1792"),
            set(Field::ContainerReservation("orders".into()), "1536", "3584"),
        ],
    );
    let p = patch("tf-literal", &want);
    assert_eq!(p.declared, "ecs.tf:32 aws_ecs_task_definition.orders");
    assert_eq!(
        changes(&p),
        [
            "-  cpu                      = \"1024\"   # 1 vCPU",
            "-  memory                   = \"2048\"",
            "+  cpu                      = \"2048\"   # 1 vCPU",
            "+  memory                   = \"4096\"",
            "-      cpu               = 768",
            "-      memoryReservation = 1536",
            "+      cpu               = 1792",
            "+      memoryReservation = 3584",
        ]
    );
    assert!(
        p.diff().starts_with("diff --git a/ecs.tf b/ecs.tf\n--- a/ecs.tf\n+++ b/ecs.tf\n@@ -33,16 +33,16 @@\n"),
        "{}",
        p.diff()
    );
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    applies_and_validates("tf-literal", &p);

    // The node type of a replication group, in its own file.
    let want = Want {
        resource: Wanted::Group("sessions".into()),
        settings: vec![set(Field::NodeType, "cache.r7g.large", "cache.r7g.xlarge")],
        ..task("", vec![])
    };
    let p = patch("tf-literal", &want);
    assert_eq!(p.declared, "redis.tf:8 aws_elasticache_replication_group.sessions");
    assert_eq!(
        changes(&p)[..],
        ["-  node_type                  = \"cache.r7g.large\"", "+  node_type                  = \"cache.r7g.xlarge\""]
    );
    applies_and_validates("tf-literal", &p);
}

#[test]
fn terraform_values_are_followed_to_the_tfvars_the_default_and_the_local_that_set_them() {
    let want = task(
        "prod-payments",
        vec![
            set(Field::TaskCpu, "2048", "1024"),
            set(Field::TaskMemory, "4096", "3072"),
            set(Field::ContainerCpu("payments".into()), "1024", "768"),
        ],
    );
    let p = patch("tf-vars", &want);
    assert_eq!(
        changes(&p),
        [
            r#"-  payments_container_cpu = 1024"#,
            r#"+  payments_container_cpu = 768"#,
            r#"-payments_cpu = 2048"#,
            r#"+payments_cpu = 1024"#,
            r#"-  default     = 4096"#,
            r#"+  default     = 3072"#,
        ]
    );
    assert_eq!(
        p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(),
        ["main.tf", "terraform.tfvars", "variables.tf"]
    );
    let via: Vec<String> = p.edits.iter().map(|e| e.what()).collect();
    assert!(
        via.iter().any(|w| w.starts_with("task cpu at terraform.tfvars:3 via var.payments_cpu (terraform.tfvars)")),
        "{via:?}"
    );
    assert!(
        via.iter().any(|w| w.starts_with("task memory at variables.tf:20 via var.payments_memory (its default)")),
        "{via:?}"
    );
    assert!(
        via.iter().any(|w| w.starts_with("payments cpu at main.tf:16 via local.payments_container_cpu")),
        "{via:?}"
    );
    applies_and_validates("tf-vars", &p);
}

#[test]
fn a_module_input_is_changed_in_the_call_for_that_service_only() {
    let want = task(
        "orders",
        vec![set(Field::TaskCpu, "1024", "512"), set(Field::ContainerCpu("orders".into()), "1024", "512")],
    );
    let p = patch("tf-module", &want);
    assert_eq!(
        changes(&p),
        [
            r#"-  cpu           = 1024"#,
            r#"+  cpu           = 512"#,
            r#"-  container_cpu = 1024"#,
            r#"+  container_cpu = 512"#,
        ]
    );
    assert_eq!(p.declared, "modules/ecs-service/main.tf:8 module.orders.aws_ecs_task_definition.this");
    assert_eq!(p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(), ["main.tf"]);
    assert!(
        p.edits
            .iter()
            .all(|e| e.span.start < p.files["main.tf".as_ref() as &Path].0.find("module \"search\"").unwrap()),
        "only the orders call"
    );
    applies_and_validates("tf-module", &p);
}

#[test]
fn a_for_each_entry_is_changed_in_its_map_and_a_shared_token_changes_only_when_both_agree() {
    let want = task(
        "shop-inventory",
        vec![
            set(Field::TaskCpu, "256", "512"),
            set(Field::TaskMemory, "512", "1024"),
            set(Field::ContainerCpu("inventory".into()), "256", "512"),
        ],
    );
    let p = patch("tf-for-each", &want);
    assert_eq!(
        changes(&p),
        [
            r#"-      cpu = 256,  memory = 512   # tiny, mostly idle"#,
            r#"+      cpu = 512,  memory = 1024   # tiny, mostly idle"#,
        ]
    );
    assert_eq!(p.declared, "main.tf:18 aws_ecs_task_definition.svc[\"inventory\"]");
    assert_eq!(p.edits.len(), 2, "task and container cpu are one token: one edit");
    applies_and_validates("tf-for-each", &p);
    let split = task(
        "shop-checkout",
        vec![set(Field::TaskCpu, "1024", "2048"), set(Field::ContainerCpu("checkout".into()), "1024", "1536")],
    );
    let p = patch("tf-for-each", &split);
    assert!(p.edits.is_empty(), "{:?}", p.edits);
    assert_eq!(
        p.notes,
        [
            "task cpu and checkout cpu share 1024 at main.tf:8 but should become 2048 and 1536: not changed — split the value first"
        ]
    );
}

#[test]
fn templatefile_variables_and_file_containers_are_followed_into_their_json() {
    let want = task(
        "ledger",
        vec![
            set(Field::TaskCpu, "2048", "1024"),
            set(Field::ContainerCpu("ledger".into()), "1536", "768"),
            set(Field::ContainerReservation("ledger".into()), "3072", "2048"),
        ],
    );
    let p = patch("tf-templatefile", &want);
    assert_eq!(
        changes(&p),
        [
            r#"-  cpu                      = "2048""#,
            r#"+  cpu                      = "1024""#,
            r#"-    app_cpu                = 1536"#,
            r#"-    app_memory_reservation = 3072"#,
            r#"+    app_cpu                = 768"#,
            r#"+    app_memory_reservation = 2048"#,
        ]
    );
    assert!(p.edits[1].what().ends_with("via ${app_cpu} in templates/ledger.json.tpl"), "{:?}", p.edits);
    assert_eq!(
        p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(),
        ["ecs.tf"],
        "the vars in the call, not the template"
    );
    applies_and_validates("tf-templatefile", &p);
    let want = task("reports", vec![set(Field::ContainerMemory("reports".into()), "1024", "768")]);
    let p = patch("tf-templatefile", &want);
    assert_eq!(changes(&p), [r#"-    "memory": 1024,"#, r#"+    "memory": 768,"#]);
    assert_eq!(p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(), ["containers/reports.json"]);
    applies_and_validates("tf-templatefile", &p);
}

#[test]
fn cloudformation_parameters_follow_the_parameters_file_else_the_default() {
    let mut want = task(
        "prod-orders",
        vec![
            set(Field::TaskCpu, "2048", "1024"),
            set(Field::TaskMemory, "2048", "3072"),
            set(Field::ContainerCpu("orders".into()), "768", "896"),
            set(Field::ContainerReservation("orders".into()), "1536", "2048"),
        ],
    );
    want.stack = Some("prod-core-orders".into());
    want.logical_id = Some("OrdersTaskDefinition".into());
    let p = patch("cfn-yaml", &want);
    assert_eq!(
        changes(&p),
        [
            r#"-    "ParameterValue": "2048""#,
            r#"+    "ParameterValue": "1024""#,
            r#"-    Default: "2048"   # MiB"#,
            r#"+    Default: "3072"   # MiB"#,
            r#"-          Cpu: 768"#,
            r#"-          MemoryReservation: 1536"#,
            r#"+          Cpu: 896"#,
            r#"+          MemoryReservation: 2048"#,
        ]
    );
    assert_eq!(p.declared, "templates/orders.yaml:71 OrdersTaskDefinition (AWS::ECS::TaskDefinition)");
    assert_eq!(
        p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(),
        ["templates/orders.prod.json", "templates/orders.yaml"]
    );
    applies_and_validates("cfn-yaml", &p);
    // A value the parameter does not allow would fail the deploy: said, not written.
    let odd = Want { settings: vec![set(Field::TaskCpu, "2048", "1536")], ..want.clone() };
    let p = patch("cfn-yaml", &odd);
    assert!(p.edits.is_empty());
    assert_eq!(
        p.notes,
        [
            "task cpu: not changed: 1536 is not among the parameter's AllowedValues (256, 512, 1024, 2048, 4096): add it there first (templates/orders.prod.json:4)"
        ]
    );
    let group = Want {
        resource: Wanted::Group("orders-sessions".into()),
        settings: vec![set(Field::NodeType, "cache.r6g.large", "cache.r6g.xlarge")],
        ..task("", vec![])
    };
    let p = patch("cfn-yaml", &group);
    assert_eq!(changes(&p), ["-    Default: cache.r6g.large", "+    Default: cache.r6g.xlarge"]);
    applies_and_validates("cfn-yaml", &p);
}

#[test]
fn cloudformation_json_and_sam_with_samconfig_overrides() {
    let want = task(
        "billing",
        vec![
            set(Field::TaskCpu, "512", "256"),
            set(Field::TaskMemory, "1024", "512"),
            set(Field::ContainerCpu("billing".into()), "512", "256"),
            set(Field::ContainerMemory("billing".into()), "1024", "512"),
        ],
    );
    let p = patch("cfn-json", &want);
    assert_eq!(
        changes(&p),
        [
            r#"-        "Cpu": "512","#,
            r#"-        "Memory": "1024","#,
            r#"+        "Cpu": "256","#,
            r#"+        "Memory": "512","#,
            r#"-            "Cpu": 512,"#,
            r#"-            "Memory": 1024,"#,
            r#"+            "Cpu": 256,"#,
            r#"+            "Memory": 512,"#,
        ]
    );
    applies_and_validates("cfn-json", &p);
    let want = task("queue-worker", vec![set(Field::TaskCpu, "512", "1024"), set(Field::TaskMemory, "512", "1024")]);
    let p = patch("sam", &want);
    assert_eq!(
        changes(&p),
        [
            r#"-parameter_overrides = "WorkerCpu=\"512\" Environment=prod""#,
            r#"+parameter_overrides = "WorkerCpu=\"1024\" Environment=prod""#,
            r#"-    Default: "512""#,
            r#"+    Default: "1024""#,
        ]
    );
    assert_eq!(
        p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(),
        ["samconfig.toml", "template.yaml"]
    );
    applies_and_validates("sam", &p);
}

#[test]
fn two_declarations_are_listed_and_neither_changed_and_computed_values_are_explained() {
    let want = task("api", vec![set(Field::TaskCpu, "1024", "512")]);
    match iac::find(&[fixture("ambiguous")], &want) {
        Answer::Ambiguous(found) => {
            assert_eq!(found.len(), 2, "{found:?}");
            assert!(found[0].ends_with("envs/blue/main.tf:4 aws_ecs_task_definition.api"), "{found:?}");
        }
        other => panic!("{other:?}"),
    }
    let want = task("analytics", vec![set(Field::TaskCpu, "1024", "512"), set(Field::TaskMemory, "2048", "1024")]);
    let p = patch("computed", &want);
    assert!(p.edits.is_empty());
    assert_eq!(
        p.notes,
        [
            "task cpu: not changed: computed by `var.base_cpu * 2` at main.tf:14 from var.base_cpu = 512 (main.tf:5): change what it is computed from",
            "task memory: not changed: computed by `max(var.base_memory, 2048)` at main.tf:15 from var.base_memory = 1024 (main.tf:9): change what it is computed from",
        ]
    );
    match iac::find(&[fixture("computed")], &task("nothing", vec![])) {
        Answer::NotFound(looked) => {
            assert!(looked[0].ends_with("computed: 1 Terraform files, 0 CloudFormation templates"), "{looked:?}")
        }
        other => panic!("{other:?}"),
    }
}

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
        shown.report.contains("owned by cloudformation/prod-core-orders.yaml:18 OrdersTaskDefinition"),
        "{}",
        shown.report
    );
    assert!(shown.description.contains("| task cpu | `cloudformation/prod-core-orders.params.json:2` (parameter TaskCpu) | `\"1024\"` | `\"2048\"` |"), "{}", shown.description);
    assert!(shown.description.contains("Kept as they are: otel-collector (tracing agent)."), "{}", shown.description);
    assert!(shown.written.is_empty() && shown.committed.is_none());

    let git = |args: &[&str]| {
        let out = Command::new("git").arg("-C").arg(&repo).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "--quiet", "--initial-branch", "main"]);
    git(&["config", "user.name", "Dana SRE"]);
    git(&["config", "user.email", "dana@example.com"]);
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "infra"]);
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

fn cdk_orders(family: &str) -> Want {
    task(
        family,
        vec![
            set(Field::TaskCpu, "1024", "2048"),
            set(Field::TaskMemory, "2048", "4096"),
            set(Field::ContainerCpu("orders".into()), "768", "1792"),
            set(Field::ContainerReservation("orders".into()), "1536", "3584"),
        ],
    )
}

#[test]
fn a_cdk_typescript_construct_found_through_cdk_out_changes_in_its_source() {
    let p = patch("cdk-ts", &cdk_orders("OrdersStackOrdersTaskABCD1234"));
    assert_eq!(p.declared, "lib/orders-stack.ts:14 OrdersStack/OrdersTask (CDK, FargateTaskDefinition)");
    assert_eq!(
        changes(&p),
        [
            "-    const taskDef = new ecs.FargateTaskDefinition(this, 'OrdersTask', { cpu: 1024, memoryLimitMiB: 2048 });",
            "+    const taskDef = new ecs.FargateTaskDefinition(this, 'OrdersTask', { cpu: 2048, memoryLimitMiB: 4096 });",
            "-      cpu: 768,",
            "-      memoryReservationMiB: 1536,",
            "+      cpu: 1792,",
            "+      memoryReservationMiB: 3584,",
        ]
    );
    assert_eq!(
        p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(),
        ["lib/orders-stack.ts"],
        "the source, never cdk.out"
    );
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    applies_and_validates("cdk-ts", &p);
}

#[test]
fn a_cdk_python_construct_is_found_by_its_logical_id_and_changes_in_its_source() {
    let mut want = cdk_orders("unknown-family");
    want.logical_id = Some("OrdersTask1A2B3C4D".into());
    let p = patch("cdk-py", &want);
    assert_eq!(p.declared, "orders/orders_stack.py:16 OrdersStack/OrdersTask (CDK, FargateTaskDefinition)");
    assert_eq!(
        changes(&p),
        [
            r#"-        task_def = ecs.FargateTaskDefinition(self, "OrdersTask", cpu=1024, memory_limit_mib=2048)"#,
            r#"+        task_def = ecs.FargateTaskDefinition(self, "OrdersTask", cpu=2048, memory_limit_mib=4096)"#,
            "-            cpu=768,",
            "-            memory_reservation_mib=1536,",
            "+            cpu=1792,",
            "+            memory_reservation_mib=3584,",
        ]
    );
    assert_eq!(p.files.keys().map(|k| k.display().to_string()).collect::<Vec<_>>(), ["orders/orders_stack.py"]);
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    applies_and_validates("cdk-py", &p);
    // Neither the family nor the logical id: not this app's.
    assert!(matches!(iac::find(&[fixture("cdk-py")], &cdk_orders("unknown-family")), Answer::NotFound(_)));
}

/// A copy of the cdk-ts fixture with `lib/orders-stack.ts` rewritten by `edit`, and the patch
/// for the orders suggestion there.
fn cdk_ts_edited(edit: impl Fn(&str) -> String) -> (tempfile::TempDir, Patch) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("cdk-ts");
    copy_dir(&fixture("cdk-ts"), &copy);
    let stack = copy.join("lib/orders-stack.ts");
    std::fs::write(&stack, edit(&std::fs::read_to_string(&stack).unwrap())).unwrap();
    match iac::find(&[copy], &cdk_orders("OrdersStackOrdersTaskABCD1234")) {
        Answer::Patch(p) => (dir, p),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cdk_value_from_the_stack_props_is_named_and_left_alone() {
    let (_dir, p) = cdk_ts_edited(|src| src.replace("{ cpu: 1024,", "{ cpu: props.cpu,"));
    assert_eq!(
        p.notes,
        [
            "task cpu: not changed: computed by `props.cpu` at lib/orders-stack.ts:14: change it where the stack is given its props"
        ]
    );
    assert!(p.edits.iter().all(|e| e.fields != ["task cpu"]), "{:?}", p.edits);
    assert_eq!(
        changes(&p)[..2],
        [
            "-    const taskDef = new ecs.FargateTaskDefinition(this, 'OrdersTask', { cpu: props.cpu, memoryLimitMiB: 2048 });",
            "+    const taskDef = new ecs.FargateTaskDefinition(this, 'OrdersTask', { cpu: props.cpu, memoryLimitMiB: 4096 });",
        ]
    );
}

#[test]
fn a_cdk_constant_is_changed_where_it_is_declared_and_comments_are_not_code() {
    let (_dir, p) = cdk_ts_edited(|src| {
        src.replace(
            "import { Construct } from 'constructs';\n",
            "import { Construct } from 'constructs';\n\n// was: const TASK_CPU = 512;\nconst TASK_CPU = 1024; // 1 vCPU\n",
        )
        .replace("{ cpu: 1024,", "{ cpu: TASK_CPU,")
        .replace(
            "    // X-Ray daemon sidecar\n",
            "    // X-Ray daemon sidecar (the old one: new ecs.FargateTaskDefinition(this, 'OrdersTask', { cpu: 512 }))\n",
        )
    });
    assert_eq!(p.declared, "lib/orders-stack.ts:17 OrdersStack/OrdersTask (CDK, FargateTaskDefinition)");
    assert_eq!(
        changes(&p),
        [
            "-const TASK_CPU = 1024; // 1 vCPU",
            "+const TASK_CPU = 2048; // 1 vCPU",
            "-    const taskDef = new ecs.FargateTaskDefinition(this, 'OrdersTask', { cpu: TASK_CPU, memoryLimitMiB: 2048 });",
            "+    const taskDef = new ecs.FargateTaskDefinition(this, 'OrdersTask', { cpu: TASK_CPU, memoryLimitMiB: 4096 });",
            "-      cpu: 768,",
            "-      memoryReservationMiB: 1536,",
            "+      cpu: 1792,",
            "+      memoryReservationMiB: 3584,",
        ]
    );
    let cpu = p.edits.iter().find(|e| e.fields == ["task cpu"]).unwrap();
    assert_eq!(cpu.what(), "task cpu at lib/orders-stack.ts:6 via const TASK_CPU (lib/orders-stack.ts:6)");
    assert!(p.notes.is_empty(), "{:?}", p.notes);
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
            screen.contains("code       owned by cloudformation/prod-core-orders.yaml:18 OrdersTaskDefinition"),
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
