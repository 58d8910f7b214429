//! The tasks view and a shell in a container, driven by messages on the demo fleet (no
//! terminal): what `t`, `enter` and `x` show and ask for, the checks that refuse a shell before
//! anything is sent, the typed confirmation of a protected profile, and the audit entry.

use infradeck::app::state::Overlay;
use infradeck::app::{Effect, Msg};
use infradeck::config::Config;
use infradeck::exec::Handoff;
use infradeck::harness::Harness;
use infradeck::provider::Provider;
use infradeck::provider::demo::{Clock, DemoProvider};
use std::sync::Arc;

const NOW: i64 = 1_795_012_200;

fn demo(read_only: bool, protected: bool) -> Harness {
    let demo =
        DemoProvider::new(42, None, Clock::Fixed(NOW)).with_read_only(read_only).with_write_flags(false, protected);
    let provider: Arc<dyn Provider> = Arc::new(demo);
    Harness::on(provider, Config::default(), 200, 60)
}

/// The ECS pane filtered to one service, its tasks view open.
fn tasks_of(h: &mut Harness, service: &str) {
    h.keys(&["/"]);
    h.type_text(&service.replace('/', " "));
    h.keys(&["enter", "t"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Tasks(_))), "the tasks view opens");
}

fn start_exec(fx: &[Effect]) -> Option<infradeck::exec::ExecRequest> {
    fx.iter().find_map(|e| match e {
        Effect::StartExec { request, .. } => Some(request.clone()),
        _ => None,
    })
}

#[test]
fn t_lists_running_and_stopped_tasks_and_enter_their_containers() {
    let mut h = demo(false, false);
    tasks_of(&mut h, "prod-core/orders");
    let screen = h.screen();
    assert!(screen.contains("tasks · prod-core/orders · ECS Exec on"), "{screen}");
    assert!(screen.contains("running: 3"), "{screen}");
    assert!(
        screen.contains("EssentialContainerExited  137  OutOfMemoryError: Container killed due to memory usage"),
        "{screen}"
    );
    assert!(screen.contains("demo-1a") && screen.contains("HEALTHY"), "{screen}");
    h.keys(&["enter"]);
    let screen = h.screen();
    assert!(screen.contains("containers of task"), "{screen}");
    assert!(screen.contains("RUNNING") && screen.contains("8080"), "the app container, its agent and port: {screen}");
    // esc goes back to the task list, then closes the view.
    h.keys(&["esc"]);
    assert!(!h.screen().contains("containers of task"));
    h.keys(&["esc"]);
    assert!(h.state.overlay.is_none());
}

#[test]
fn x_opens_a_simulated_shell_on_the_demo_and_the_session_is_audited() {
    let mut h = demo(false, false);
    tasks_of(&mut h, "prod-core/orders");
    let fx = h.send_only(Msg::Key("x".parse().unwrap()));
    let request = start_exec(&fx).expect("x asks AWS for a session");
    assert_eq!((request.container.as_str(), request.command.as_str()), ("orders", "/bin/sh"));
    assert!(request.runtime_id.starts_with(&request.task), "{request:?}");
    // ExecuteCommand answered: the terminal is handed over next (the driver does it).
    let ready = h.block_on(infradeck::runtime::perform(
        Effect::StartExec { request: request.clone(), audit: None },
        &h.provider,
        &tokio::sync::mpsc::unbounded_channel().0,
    ));
    let fx = h.send_only(ready);
    let Some(Effect::HandOver { handoff: Handoff::Simulated(shell), .. }) = fx.first() else {
        panic!("a hand-over of the terminal: {fx:?}")
    };
    assert_eq!(shell.answer("hostname").lines, std::slice::from_ref(&request.task));
    assert!(!shell.answer("env").lines.join(" ").contains("Sup3rS3cret"), "secrets masked");
    // The session ended: said, kept in the history, the tasks read again.
    let ended = infradeck::exec::Ended {
        request: request.clone(),
        session_id: "ecs-execute-command-demo".into(),
        exit: Some(0),
        seconds: 42,
        error: None,
    };
    let entry = infradeck::exec::audit_entry(&ended, Harness::fixed_now(), "demo user".into(), "demo fleet".into());
    let fx = h.send_only(Msg::ExecEnded { ended, audit: Ok(entry.clone()) });
    assert!(fx.iter().any(|e| matches!(e, Effect::FetchTasks { .. })));
    let status = h.state.status.clone().unwrap().1;
    assert!(status.contains("ended after 42 s, exit 0"), "{status}");
    let last = h.state.history.last().expect("the session in the history");
    assert_eq!(last.action, "shell");
    let session = last.session.as_ref().unwrap();
    assert_eq!((session.seconds, session.exit, session.container.as_str()), (42, Some(0), "orders"));
    let line = serde_json::to_string(&entry).unwrap();
    assert!(line.contains("\"action\":\"shell\"") && line.contains("\"seconds\":42"), "{line}");
}

#[test]
fn read_only_refuses_a_shell_before_anything_is_sent() {
    let mut h = demo(true, false);
    tasks_of(&mut h, "prod-core/orders");
    let fx = h.send_only(Msg::Key("x".parse().unwrap()));
    assert!(start_exec(&fx).is_none(), "nothing asked of AWS: {fx:?}");
    assert!(h.screen().contains("read-only: a shell is refused here"), "{}", h.screen());
    // And the provider itself refuses, whatever asked it.
    let request = infradeck::exec::ExecRequest {
        service: infradeck::domain::ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() },
        task: "x".into(),
        container: "orders".into(),
        runtime_id: String::new(),
        command: "/bin/sh".into(),
        plugin: None,
    };
    let refused = h.block_on(h.provider.start_exec(&request));
    assert!(matches!(refused, Err(infradeck::provider::ProviderError::ReadOnly(_))), "{refused:?}");
}

#[test]
fn a_protected_profile_asks_for_the_service_name_typed() {
    let mut h = demo(false, true);
    tasks_of(&mut h, "prod-core/orders");
    let fx = h.send_only(Msg::Key("x".parse().unwrap()));
    assert!(start_exec(&fx).is_none());
    assert!(h.screen().contains("protected profile: type orders"), "{}", h.screen());
    h.type_text("order");
    let fx = h.send_only(Msg::Key("enter".parse().unwrap()));
    assert!(start_exec(&fx).is_none(), "a wrong name opens nothing");
    h.type_text("s");
    let fx = h.send_only(Msg::Key("enter".parse().unwrap()));
    assert!(start_exec(&fx).is_some(), "the typed name opens it");
}

#[test]
fn a_service_without_exec_says_how_to_enable_it() {
    let mut h = demo(false, false);
    let fleet_off = {
        let demo = DemoProvider::new(42, None, Clock::Fixed(NOW));
        let tasks: Vec<_> = demo
            .fleet()
            .services
            .iter()
            .filter(|s| s.desired > 0)
            .map(|s| (s.cluster.clone(), s.name.clone()))
            .collect();
        tasks
    };
    // The first service whose tasks have no exec agent.
    let off = fleet_off
        .into_iter()
        .find(|(c, s)| {
            let service = infradeck::domain::ResourceRef::EcsService { cluster: c.clone(), service: s.clone() };
            h.block_on(h.provider.tasks(&service)).is_ok_and(|t| !t.exec_on_service && !t.running.is_empty())
        })
        .expect("the demo has a service without ECS Exec");
    tasks_of(&mut h, &format!("{}/{}", off.0, off.1));
    assert!(h.screen().contains("ECS Exec off"));
    let fx = h.send_only(Msg::Key("x".parse().unwrap()));
    assert!(start_exec(&fx).is_none());
    let screen = h.screen();
    assert!(screen.contains("ECS Exec is not enabled on this service"), "{screen}");
    assert!(screen.contains("only new tasks get the agent"), "{screen}");
}

fn plan_action(fx: &[Effect]) -> Option<infradeck::apply::action::ServiceAction> {
    fx.iter().find_map(|e| match e {
        Effect::PlanAction { action, .. } => Some(action.clone()),
        _ => None,
    })
}

#[test]
fn the_everyday_actions_are_planned_confirmed_and_audited() {
    use infradeck::apply::action::ServiceAction;
    let mut h = demo(false, false);
    let audit = std::env::temp_dir().join(format!("infradeck-actions-audit-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&audit);
    h.state.audit_log = Some(audit.clone());
    tasks_of(&mut h, "prod-core/orders");
    // D: the desired count, typed, planned with its request, sent with y.
    let fx = h.send_only(Msg::Key("D".parse().unwrap()));
    assert!(plan_action(&fx).is_none(), "a count is asked for first");
    assert!(h.screen().contains("desired count (running now: 3)"), "{}", h.screen());
    h.type_text("5");
    h.keys(&["enter"]);
    let screen = h.screen();
    assert!(screen.contains("ecs:UpdateService cluster=prod-core service=orders desiredCount=5"), "{screen}");
    // The demo's incident service has 4 desired, 3 running (one OOM-killed task being replaced).
    assert!(
        screen.contains("now     desired 4") && screen.contains("after   desired 5") && screen.contains("y sends it"),
        "{screen}"
    );
    h.keys(&["y"]);
    let status = h.state.status.clone().unwrap().1;
    assert!(status.contains("prod-core/orders: desired count sent (1 request(s))"), "{status}");
    let entry = h.state.history.last().unwrap();
    assert_eq!(
        (entry.action.as_str(), entry.before.as_str(), entry.after.as_str()),
        ("desired count", "desired 4", "desired 5")
    );
    assert_eq!(entry.requests, ["ecs:UpdateService cluster=prod-core service=orders desiredCount=5"]);
    h.keys(&["esc"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Tasks(_))), "back to the tasks");
    let orders = infradeck::domain::ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() };
    let again = h.block_on(h.provider.plan_action(&orders, ServiceAction::Restart)).unwrap();
    assert!(again.before.ends_with("of 5 desired"), "the service has the new count: {}", again.before);
    // K: stop the selected task with a reason.
    h.keys(&["K"]);
    h.type_text("stuck on a lock");
    let fx = h.send_only(Msg::Key("enter".parse().unwrap()));
    let Some(ServiceAction::StopTask { task, reason }) = plan_action(&fx) else { panic!("{fx:?}") };
    assert_eq!(reason, "stuck on a lock");
    h.run_effects(fx);
    assert!(h.screen().contains(&format!("ecs:StopTask cluster=prod-core task={task} reason=\"stuck on a lock\"")));
    h.keys(&["y", "esc"]);
    // R: a restart is a deployment the pane follows.
    h.keys(&["R"]);
    assert!(h.screen().contains("forceNewDeployment=true"));
    h.keys(&["y"]);
    assert!(h.state.changed_at.contains_key("prod-core/orders"), "the rollout watch follows it");
    let log = std::fs::read_to_string(&audit).unwrap();
    let actions: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, ["desired count", "stop task", "restart"]);
    let _ = std::fs::remove_file(&audit);
}

#[test]
fn enabling_exec_lets_the_next_shell_open_and_read_only_sends_nothing() {
    let mut h = demo(false, false);
    let off = {
        let services: Vec<(String, String)> = DemoProvider::new(42, None, Clock::Fixed(NOW))
            .fleet()
            .services
            .iter()
            .map(|s| (s.cluster.clone(), s.name.clone()))
            .collect();
        services
            .into_iter()
            .find(|(c, s)| {
                let service = infradeck::domain::ResourceRef::EcsService { cluster: c.clone(), service: s.clone() };
                h.block_on(h.provider.tasks(&service)).is_ok_and(|t| !t.exec_on_service && !t.running.is_empty())
            })
            .unwrap()
    };
    let name = format!("{}/{}", off.0, off.1);
    tasks_of(&mut h, &name);
    h.keys(&["E"]);
    let screen = h.screen();
    assert!(screen.contains("enableExecuteCommand=true forceNewDeployment=true"), "{screen}");
    assert!(screen.contains("only tasks started after this get the agent"), "{screen}");
    h.keys(&["y", "esc"]);
    assert!(h.screen().contains("ECS Exec on"), "{}", h.screen());
    let fx = h.send_only(Msg::Key("x".parse().unwrap()));
    assert!(start_exec(&fx).is_some(), "the shell opens now: {}", h.screen());

    let mut ro = demo(true, false);
    tasks_of(&mut ro, "prod-core/orders");
    ro.keys(&["R"]);
    assert!(ro.screen().contains("read-only: this cannot be sent"), "{}", ro.screen());
    let fx = ro.send_only(Msg::Key("y".parse().unwrap()));
    assert!(fx.iter().all(|e| !matches!(e, Effect::ApplyAction { .. })), "{fx:?}");
    let plan = ro.block_on(ro.provider.plan_action(
        &infradeck::domain::ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() },
        infradeck::apply::action::ServiceAction::Restart,
    ));
    let refused = ro.block_on(ro.provider.apply_action(&plan.unwrap()));
    assert!(matches!(refused, Err(infradeck::provider::ProviderError::ReadOnly(_))));

    let mut protected = demo(false, true);
    tasks_of(&mut protected, "prod-core/orders");
    protected.keys(&["R"]);
    let fx = protected.send_only(Msg::Key("y".parse().unwrap()));
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::ApplyAction { .. })),
        "y alone does not send on a protected profile"
    );
    protected.type_text("rders");
    protected.keys(&["backspace", "backspace", "backspace", "backspace", "backspace", "backspace"]);
    protected.type_text("orders");
    let fx = protected.send_only(Msg::Key("enter".parse().unwrap()));
    assert!(fx.iter().any(|e| matches!(e, Effect::ApplyAction { .. })), "{fx:?}");
}

#[test]
fn p_on_a_redis_group_forwards_its_endpoint_through_a_services_task() {
    let mut h = demo(false, false);
    h.keys(&["2", "/"]);
    h.type_text("sessions");
    h.keys(&["enter", "p"]);
    assert!(
        h.screen().contains("through:") && h.screen().contains("a service whose task reaches sessions"),
        "{}",
        h.screen()
    );
    h.type_text("prod-core/orders 0");
    h.keys(&["enter"]);
    let status = h.state.status.clone().unwrap().1;
    assert!(status.starts_with("forward ") && status.contains("started"), "{status}");
    let f = h.state.forwards.iter().find(|f| f.label.contains("master.sessions")).expect("the forward listed");
    assert!(f.label.contains(":6379 via orders (task"), "{}", f.label);
    assert_ne!(f.local_port, 0, "a free port was picked");
    assert!(matches!(f.spec.reach, infradeck::exec::forward::Reach::RemoteHost { port: 6379, .. }));
    assert_eq!(h.state.forward_via.as_deref(), Some("prod-core/orders"), "offered again next time");
    infradeck::runtime::forwards().stop(f.id);
    // A service without a running task, or a name that is not CLUSTER/SERVICE, is said.
    h.keys(&["p"]);
    assert_eq!(h.state.input.as_ref().map(|i| i.text.as_str()), Some("prod-core/orders"));
    h.keys(&["backspace"; 16]);
    h.type_text("orders");
    h.keys(&["enter"]);
    assert!(h.state.status.clone().unwrap().1.contains("give the service as CLUSTER/SERVICE"));
}
