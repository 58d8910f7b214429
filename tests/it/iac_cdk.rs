//! CDK apps: the construct named by `cdk.out`'s `aws:cdk:path` changed in its TypeScript or
//! Python source (see tests/fixtures/iac/README.md for every value's place).

use super::iac::{applies_and_validates, changes, copy_dir, fixture, patch, set, task};
use infradeck::iac::{self, Answer, Field, Patch, Want};
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
    assert_eq!(
        p.notes,
        ["lib/orders-stack.ts:6: its comment `// 1 vCPU` describes the old value 1024: reword it in review"]
    );
}
