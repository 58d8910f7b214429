//! The code change: for each fixture repository style (tests/fixtures/iac/README.md has every
//! value and where it is written), the exact diff, `git apply` taking it, every byte outside
//! the changed tokens kept, and the patched files still parsing by an independent parser
//! (python-hcl2, cfn-lint: scripts/iac_oracle.py).

use infradeck::iac::{self, Answer, Field, Patch, Setting, Want, Wanted};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iac").join(name)
}

pub(crate) fn set(field: Field, before: &str, after: &str) -> Setting {
    Setting { field, before: before.into(), after: after.into() }
}

pub(crate) fn task(family: &str, settings: Vec<Setting>) -> Want {
    Want { resource: Wanted::TaskFamily(family.into()), stack: None, logical_id: None, settings, notes: vec![] }
}

pub(crate) fn patch(name: &str, want: &Want) -> Patch {
    match iac::find(&[fixture(name)], want) {
        Answer::Patch(p) => p,
        other => panic!("{name}: {other:?}"),
    }
}

/// The diff without its `diff --git` / `---` / `+++` headers, as `-old` / `+new` lines.
pub(crate) fn changes(p: &Patch) -> Vec<String> {
    p.diff()
        .lines()
        .filter(|l| (l.starts_with('-') && !l.starts_with("---")) || (l.starts_with('+') && !l.starts_with("+++")))
        .map(str::to_string)
        .collect()
}

/// The patch applied by `git apply` to a copy of the fixture gives exactly the patched files,
/// every other byte is what it was, and the validators accept the changed files.
pub(crate) fn applies_and_validates(name: &str, p: &Patch) {
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

/// `git -C repo ARGS`, asserted to succeed: its output, trimmed.
pub(crate) fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git").arg("-C").arg(repo).args(args).output().expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A git repository at `repo` with its files committed by Dana (a repository-local identity:
/// the commit is made as whoever the checkout says).
pub(crate) fn git_repo(repo: &Path) {
    git(repo, &["init", "--quiet", "--initial-branch", "main"]);
    git(repo, &["config", "user.name", "Dana SRE"]);
    git(repo, &["config", "user.email", "dana@example.com"]);
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "the platform's infra"]);
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
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
    // The value changes; a comment restating the old one is pointed at, not rewritten.
    assert_eq!(p.notes, ["ecs.tf:36: its comment `# 1 vCPU` describes the old value 1024: reword it in review"]);
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
    assert_eq!(p.declared, "templates/orders.yaml:70 OrdersTaskDefinition (AWS::ECS::TaskDefinition)");
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

/// A module's default serves every call that leaves it unset: it is not changed for one service.
#[test]
fn a_module_default_shared_by_several_calls_is_not_changed_for_one_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("tf-module");
    copy_dir(&fixture("tf-module"), &repo);
    // The search call no longer sets its memory: it takes the module's default, as orders would.
    let main = std::fs::read_to_string(repo.join("main.tf")).unwrap();
    let main = main.replacen("  memory = 1024\n", "", 1);
    std::fs::write(repo.join("main.tf"), &main).unwrap();
    let want = task("search", vec![set(Field::TaskMemory, "512", "1024")]);
    let Answer::Patch(p) = iac::find(&[repo], &want) else { panic!("found") };
    assert!(p.edits.is_empty(), "{:?}", p.edits);
    assert_eq!(
        p.notes,
        [
            "task memory: not changed: var.memory takes its default (modules/ecs-service/variables.tf:23), which 2 calls of modules/ecs-service share: set `memory` in this service's module call instead"
        ]
    );
}
