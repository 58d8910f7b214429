//! The incident view (`i`) on the demo fleet's scripted incident — a bad `orders` deploy whose
//! tasks are OOM-killed, its memory alarm, an eviction storm and failover on `sessions` — driven
//! by keys with no terminal, as a person at 3 a.m. would use it.

use infradeck::app::state::{InputKind, Overlay};
use infradeck::app::{Effect, Msg};
use infradeck::apply::AuditEntry;
use infradeck::domain::{EventKind, ResourceRef, Timeline};
use infradeck::harness::Harness;
use infradeck::incident::Note;
use infradeck::provider::ProviderError;

fn orders() -> ResourceRef {
    ResourceRef::EcsService { cluster: "prod-core".into(), service: "orders".into() }
}

fn open() -> Harness {
    let mut h = Harness::demo(160, 50);
    h.keys(&["i"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Incident)));
    h
}

fn view(h: &Harness) -> std::sync::Arc<infradeck::app::incident::View> {
    infradeck::app::incident::view(&h.state)
}

#[test]
fn the_timeline_has_every_source_in_time_order_with_changes_and_notes() {
    let mut h = open();
    // A change applied from infradeck, as the audit log has it, an hour ago (fixed clock).
    let hour_ago = Harness::fixed_now() - chrono::Duration::hours(1);
    h.state.history.push(AuditEntry {
        code: None,
        session: None,
        time: chrono::SubsecRound::trunc_subsecs(hour_ago, 0),
        caller: "alice".into(),
        target: "demo fleet".into(),
        action: "resize".into(),
        resource: infradeck::domain::ResourceRef::EcsService { cluster: "prod-core".into(), service: "cart".into() },
        identity: None,
        before: "1 vCPU / 4 GiB".into(),
        after: "0.5 vCPU / 1 GiB".into(),
        revision_before: "cart:7".into(),
        revision_after: Some("cart:8".into()),
        requests: vec![],
        result: infradeck::apply::Outcome::Applied,
    });
    h.keys(&["n"]);
    assert_eq!(h.state.input.as_ref().map(|i| i.kind), Some(InputKind::Note));
    h.type_text("paging the orders team");
    h.keys(&["enter"]);
    let v = view(&h);
    assert!(v.events.windows(2).all(|w| w[0].time <= w[1].time), "oldest first");
    let span = Harness::fixed_now() - chrono::Duration::hours(6);
    assert!(v.events.iter().all(|e| e.time >= span), "within the last 6 h");
    for kind in EventKind::ALL {
        assert!(v.events.iter().any(|e| e.kind == kind), "{kind:?} missing from the timeline");
    }
    let position = |kind: EventKind, text: &str| {
        v.events.iter().position(|e| e.kind == kind && e.summary.contains(text)).unwrap_or_else(|| panic!("{text}"))
    };
    // The story, in order: the red-herring auth deploy, the placement trouble, the bad deploy,
    // its alarm and OOM kills, the storm, the change someone made, the failover, the note.
    let order = [
        position(EventKind::Cost, "Amazon Relational Database Service"),
        position(EventKind::Deploy, "deployment auth:"),
        position(EventKind::Service, "unable to place"),
        position(EventKind::Deploy, "deployment orders:27 started"),
        position(EventKind::Deploy, "deployment orders:27 completed"),
        position(EventKind::Alarm, "orders-memory-high: OK → ALARM"),
        position(EventKind::Task, "(container orders, exit code 137)"),
        position(EventKind::Alarm, "sessions-evictions: OK → ALARM"),
        position(EventKind::Change, "infradeck resize"),
        position(EventKind::Cache, "Failover"),
        position(EventKind::Note, "paging the orders team"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let screen = h.screen();
    for text in ["incident · last 6 h", "deployment orders:27 completed", "you: paging the orders team", "×"] {
        assert!(screen.contains(text), "{text} not on screen:\n{screen}");
    }
}

#[test]
fn the_firing_alarm_is_explained_by_the_deploy_shortly_before_it() {
    let mut h = open();
    let screen = h.screen();
    assert!(
        screen.contains("deployment orders:27 completed: 4/4 tasks running — 2 min before (same resource)"),
        "{screen}"
    );
    // Selecting a firing alarm's row explains that alarm alone.
    h.keys(&["/"]);
    h.type_text("sessions-evictions");
    h.keys(&["enter", "g"]);
    let screen = h.screen();
    // Nothing changed on sessions before its storm began: said, not left blank.
    assert!(
        screen.contains("No change on the resource or its cluster in the 60 min before: sessions-evictions"),
        "{screen}"
    );
    assert!(!screen.contains("What changed before orders-memory-high"), "{screen}");
}

#[test]
fn filters_by_kind_resource_and_words() {
    let mut h = open();
    let all = view(&h).shown.len();
    h.keys(&["/"]);
    h.type_text("kind:deploy");
    let v = view(&h);
    assert!(v.shown.len() >= 4 && v.shown.len() < all);
    assert!(v.shown.iter().all(|i| v.events[*i].kind == EventKind::Deploy));
    h.keys(&["enter", "/"]);
    // The previous filter is there to edit; replace it.
    for _ in 0.."kind:deploy".len() {
        h.keys(&["backspace"]);
    }
    h.type_text("res:sessions");
    let v = view(&h);
    assert!(v.shown.iter().all(|i| v.events[*i].resource == Some(ResourceRef::CacheGroup("sessions".into()))));
    assert!(v.shown.len() >= 5, "two alarms firing and clearing, the failover and the recovery");
    h.keys(&["esc"]);
    let v = view(&h);
    assert!(v.shown.iter().all(|i| v.events[*i].kind == EventKind::Deploy), "esc restores the filter from before /");
    h.keys(&["/"]);
    for _ in 0.."kind:deploy".len() {
        h.keys(&["backspace"]);
    }
    h.keys(&["enter"]);
    assert_eq!(view(&h).shown.len(), all, "an empty filter shows everything");
    h.keys(&["/"]);
    h.type_text("kind:nope");
    assert!(h.screen().contains("filter ignored: unknown kind 'nope'"), "{}", h.screen());
}

#[test]
fn enter_opens_the_chart_with_the_event_marked_and_esc_comes_back() {
    let mut h = open();
    h.keys(&["/"]);
    h.type_text("kind:deploy orders:27 completed");
    h.keys(&["enter", "enter"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("a detail view: {:?}", h.state.status) };
    assert_eq!(d.resource, orders());
    assert!(d.from_incident && d.data.is_some());
    let (at, label) = d.marker.clone().unwrap();
    assert_eq!(at.format("%H:%M").to_string(), "12:56");
    assert!(label.contains("deployment orders:27 completed"), "{label}");
    assert_eq!(d.window, infradeck::domain::Window::Day, "94 minutes ago: the 24 h chart shows it");
    let screen = h.screen();
    assert!(screen.contains("┃ 12:56 deployment orders:27 completed"), "{screen}");
    assert!(screen.contains("esc: back to the timeline"), "{screen}");
    h.keys(&["esc"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Incident)));
    // j/k in a detail from the timeline step through its events.
    h.keys(&["/"]);
    for _ in 0.."kind:deploy orders:27 completed".len() {
        h.keys(&["backspace"]);
    }
    h.type_text("kind:deploy");
    h.keys(&["enter", "g", "enter"]);
    let first = match &h.state.overlay {
        Some(Overlay::Detail(d)) => d.marker.clone().unwrap().0,
        _ => panic!("detail"),
    };
    h.keys(&["j"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("still a detail view") };
    assert!(d.marker.clone().unwrap().0 > first, "the next event");
}

#[test]
fn header_keys_step_through_what_is_firing_short_of_tasks_and_evicting() {
    let mut h = open();
    let header = infradeck::app::incident::header(&h.state);
    assert!(header.firing.iter().any(|(n, r)| n == "orders-memory-high" && r == &Some(orders())));
    assert_eq!(header.below_desired, vec![(orders(), 3, 4)]);
    let evicting: Vec<&ResourceRef> = header.evicting.iter().map(|(r, _)| r).collect();
    assert!(evicting.contains(&&ResourceRef::CacheGroup("sessions".into())), "{evicting:?}");
    let screen = h.screen();
    assert!(screen.contains(" D below desired (1)"), "{screen}");
    assert!(screen.contains("ecs:prod-core/orders 3/4"), "{screen}");
    h.keys(&["D"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("D opens the service short of tasks") };
    assert_eq!(d.resource, orders());
    h.keys(&["esc", "E"]);
    let first = match &h.state.overlay {
        Some(Overlay::Detail(d)) => d.resource.clone(),
        _ => panic!("E opens an evicting group"),
    };
    h.keys(&["esc", "E"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("E again") };
    assert_ne!(d.resource, first, "E steps to the next evicting group");
    h.keys(&["esc", "A"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("A opens a firing alarm's resource") };
    assert!(d.marker.as_ref().is_some_and(|(_, l)| l.contains("fired")), "{:?}", d.marker);
}

#[test]
fn services_burning_an_slo_fast_are_flagged_and_b_opens_them() {
    let mut h = open();
    let header = infradeck::app::incident::header(&h.state);
    let burning: Vec<String> = header.burning.iter().map(|(r, what)| format!("{r} {what}")).collect();
    // checkout (CPU-starved: timeouts), orders (the bad deploy's 502s), search (a pinned hot task).
    assert_eq!(burning.len(), 3, "{burning:?}");
    assert!(burning[0].starts_with("ecs:prod-core/checkout 5xx 1 h ×"), "{burning:?}");
    assert!(burning[2].starts_with("ecs:prod-core/search slow"), "{burning:?}");
    assert!(h.screen().contains(" B burning SLO (3)"), "{}", h.screen());
    h.keys(&["B"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("B opens a burning service") };
    assert_eq!(d.resource, ResourceRef::EcsService { cluster: "prod-core".into(), service: "checkout".into() });
    let screen = h.screen();
    assert!(screen.contains("SLO p99 < 1000 ms, 99.9 % available over 28 d: burning fast"), "{screen}");
    assert!(screen.contains("p99 objective (1000 ms)"), "{screen}");
    h.keys(&["esc", "B"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("B again") };
    assert_eq!(d.resource, orders(), "B steps to the next one");
}

#[test]
fn notes_are_timestamped_kept_on_disk_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes/incident-notes.jsonl");
    let mut h = open();
    h.state.incident.notes_path = Some(path.clone());
    h.keys(&["n"]);
    h.type_text("rolled orders back to :26");
    h.keys(&["enter"]);
    h.keys(&[":"]);
    h.type_text("note sessions recovered on its own");
    h.keys(&["enter"]);
    let saved: Vec<Note> = infradeck::apply::JsonLog::new(path.clone()).read_lines().unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[0].text, "rolled orders back to :26");
    assert_eq!(saved[0].time, Harness::fixed_now());
    assert_eq!(saved[1].author, h.state.author);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let notes: Vec<_> = view(&h).events.iter().filter(|&e| e.kind == EventKind::Note).cloned().collect();
    assert_eq!(notes.len(), 2);
    h.keys(&["n", "enter"]);
    assert_eq!(h.state.incident.notes.len(), 2, "an empty note adds nothing");
}

#[test]
fn export_writes_a_markdown_handover() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::demo(160, 50);
    h.state.export_dir = dir.path().to_path_buf();
    // `:export` before the timeline is open: it loads, then writes.
    h.keys(&[":"]);
    h.type_text("note handing over to Sam");
    h.keys(&["enter", ":"]);
    h.type_text("export");
    h.keys(&["enter"]);
    let path = dir.path().join("infradeck-incident-20261118-1430.md");
    let md = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}: {:?}", h.state.status));
    for text in [
        "# Incident handover — 2026-11-18 14:30 UTC",
        "Source: demo fleet (seed 42) · timeline 2026-11-18 08:30 → 14:30 UTC",
        "## Now",
        "- **ALARM** orders-memory-high (watches ecs:prod-core/orders)",
        "- **below desired** ecs:prod-core/orders: 3 running / 4 desired",
        "- **evicting** redis:sessions",
        "## What changed before each alarm fired",
        "**orders-memory-high** fired 12:58 UTC",
        "- deployment orders:27 completed: 4/4 tasks running — 2 min before (same resource)",
        "## Timeline",
        "| time (UTC) | kind | resource | what |",
        "| 12:50 | deploy | ecs:prod-core/orders | deployment orders:27 started (orders:26 → orders:27) |",
        "| task | ecs:prod-core/orders | ×",
        "## Notes",
        "— you: handing over to Sam",
        "## Affected resources",
        "### ecs:prod-core/orders",
        "- tasks 3 running / 4 desired · orders:27",
        "### redis:sessions",
        "## Sign-ins and changes by hand",
        "- **sign-in** 13:16 UTC: 6 failed sign-ins from 198.51.100.23 in 7 min as alice (5 in 10 min flags)",
        "- **drift** ecs:prod-core/orders 12:10 UTC: UpdateService desiredCount 4 → 2 · by AdministratorAccess/dana (console, 192.0.2.44) · DRIFT: by hand on what CloudFormation stack prod-core-orders owns",
        "```text\nCPU %    ",
        "memory %     ",
    ] {
        assert!(md.contains(text), "missing {text:?} in\n{md}");
    }
    assert!(md.contains(['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']), "text snapshots of the charts");
    assert!(!md.contains("hunter2"));
    assert!(h.screen().contains("exported to"), "{}", h.screen());
}

#[test]
fn w_changes_the_span_and_the_timeline_refreshes_only_while_open() {
    let mut h = open();
    assert_eq!(h.state.incident.hours, 6);
    let fx = h.send_only(Msg::Key("w".parse().unwrap()));
    let Some(Effect::FetchTimeline { from, to, .. }) = fx.first() else { panic!("{fx:?}") };
    assert_eq!(*to - *from, chrono::Duration::hours(12));
    let now = Harness::fixed_now();
    h.send(Msg::TimelineLoaded { req: h.state.incident.inflight.unwrap().0, result: Ok(Timeline::default()) });
    let fx = h.send_only(Msg::Tick(now + chrono::Duration::seconds(31)));
    assert!(fx.iter().any(|e| matches!(e, Effect::FetchTimeline { .. })), "every 30 s while open: {fx:?}");
    h.send(Msg::TimelineLoaded { req: h.state.incident.inflight.unwrap().0, result: Ok(Timeline::default()) });
    h.keys(&["esc"]);
    let fx = h.send_only(Msg::Tick(now + chrono::Duration::seconds(120)));
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchTimeline { .. })), "not while closed");
    h.keys(&[":"]);
    h.type_text("incident 48");
    h.keys(&["enter"]);
    assert_eq!(h.state.incident.hours, 48);
    h.keys(&[":"]);
    h.type_text("incident 99");
    h.keys(&["enter"]);
    assert!(h.screen().contains(":incident takes hours from 1 to 48"), "{}", h.screen());
}

#[test]
fn a_failed_refresh_keeps_the_last_timeline_marked_stale_and_names_unreadable_sources() {
    let mut h = open();
    let before = view(&h).events.len();
    let fx = h.send_only(Msg::Key("r".parse().unwrap()));
    let Some(Effect::FetchTimeline { req, .. }) = fx.first() else { panic!("{fx:?}") };
    h.send(Msg::TimelineLoaded { req: *req, result: Err(ProviderError::Throttled { operation: "x".into() }) });
    assert_eq!(view(&h).events.len(), before, "the last timeline stays");
    assert!(h.screen().contains("✖ timeline stale: throttled on x"), "{}", h.screen());
    let fx = h.send_only(Msg::Key("r".parse().unwrap()));
    let Some(Effect::FetchTimeline { req, .. }) = fx.first() else { panic!("{fx:?}") };
    let mut partial = Timeline::default();
    partial
        .add("ElastiCache events", Err(ProviderError::AccessDenied { operation: "elasticache:DescribeEvents".into() }));
    h.send(Msg::TimelineLoaded { req: *req, result: Ok(partial) });
    let screen = h.screen();
    assert!(
        screen.contains(
            "could not read ElastiCache events: access denied on elasticache:DescribeEvents (add elasticache:DescribeEvents"
        ),
        "{screen}"
    );
}

#[test]
fn x_unfolds_repeats() {
    let mut h = open();
    let folded = view(&h).rows.len();
    h.keys(&["x"]);
    let v = view(&h);
    assert_eq!(v.rows.len(), v.shown.len(), "one row per event");
    assert!(v.rows.len() > folded + 10, "the OOM kills were folded: {folded} → {}", v.rows.len());
}

/// Frames draw the view `update` derived (no timeline work per frame), and the derived view
/// follows every change of what it shows: a filter, a note, a new timeline.
#[test]
fn frames_draw_the_view_update_derived_and_it_follows_every_change() {
    let mut h = open();
    let cached = |h: &Harness| std::sync::Arc::clone(&h.state.incident.cache.as_ref().expect("derived in update").view);
    assert!(std::sync::Arc::ptr_eq(&view(&h), &cached(&h)), "the frame reuses the derived view");
    let before = view(&h).events.len();
    h.keys(&["/"]);
    h.type_text("kind:deploy");
    h.keys(&["enter"]);
    let filtered = view(&h);
    assert!(std::sync::Arc::ptr_eq(&filtered, &cached(&h)));
    assert!(!filtered.shown.is_empty() && filtered.shown.len() < before, "{} of {before}", filtered.shown.len());
    h.keys(&["n"]);
    h.type_text("cache check");
    h.keys(&["enter"]);
    assert_eq!(view(&h).events.len(), before + 1, "the note is in the view at once");
    // Changed behind update's back (no message): the stale cache is not used.
    h.state.incident.notes.clear();
    assert_eq!(view(&h).events.len(), before, "a cache that no longer matches is ignored");
}

/// Who changed what (CloudTrail): the hand scale-down of `orders`, which CloudFormation owns, is
/// drift in the timeline, with who, how and from where; the pipeline's update after it reads
/// "desiredCount 2 → 4" and is one of the changes before the memory alarm fired.
#[test]
fn a_hand_change_to_a_code_owned_service_is_flagged_as_drift_with_who_how_and_where() {
    let h = open();
    let v = view(&h);
    let api: Vec<_> = v.events.iter().filter(|e| e.kind == EventKind::Api).collect();
    assert_eq!(api.len(), 2, "{api:#?}");
    assert_eq!(api[0].resource, Some(orders()));
    assert_eq!(
        api[0].summary,
        "UpdateService desiredCount 4 → 2 · by AdministratorAccess/dana (console, 192.0.2.44) · DRIFT: by hand on what \
         CloudFormation stack prod-core-orders owns"
    );
    assert_eq!(api[0].severity, infradeck::domain::Severity::Warn);
    assert!(api[1].summary.starts_with("UpdateService desiredCount 2 → 4, taskDefinition orders:26 → orders:27 · by"));
    assert!(!api[1].summary.contains("DRIFT"), "CloudFormation applying itself is not drift");
    let explained = h.screen();
    assert!(explained.contains("UpdateService desiredCount 2 → 4"), "a change before the alarm:\n{explained}");

    // The service's detail view says so too, first; its changes are listed with the rest.
    let mut h = Harness::demo(160, 50);
    h.keys(&["1", "enter", "enter"]);
    let text = h.screen();
    assert!(
        text.contains("DRIFT: changed by hand, but CloudFormation stack prod-core-orders owns it — reconcile the code"),
        "the detail view reads the timeline once for it:\n{text}"
    );
    assert!(
        text.contains("12:10 UpdateService desiredCount 4 → 2 · by AdministratorAccess/dana (console, 192.0.2.44)"),
        "{text}"
    );
}

/// Who signed in: the burst of failed sign-ins and the success after it (new source, new
/// browser, unusual hour) fill the header's security row; `L` moves the cursor to each flag
/// and says why; `[security] failures` in the config changes what a burst is.
#[test]
fn flagged_sign_ins_fill_the_security_row_and_l_steps_through_them() {
    let mut h = open();
    let screen = h.screen();
    let row = screen.lines().find(|l| l.contains(" L sign-ins (4)")).unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains("failed sign-ins 198.51.100.23 (alice)"), "{row}");
    h.keys(&["L"]);
    let v = view(&h);
    let at = infradeck::app::incident::selected_row(&h.state, v.rows.len()).unwrap();
    let e = v.event(&v.rows[at]);
    assert_eq!(e.kind, EventKind::SignIn);
    assert_eq!(e.severity, infradeck::domain::Severity::Critical);
    assert!(e.summary.contains("6 failed sign-ins from 198.51.100.23"), "{}", e.summary);
    assert!(h.screen().contains("6 failed sign-ins from 198.51.100.23 in 7 min"), "the status says why");
    h.keys(&["L"]);
    let v = view(&h);
    let at = infradeck::app::incident::selected_row(&h.state, v.rows.len()).unwrap();
    assert!(v.event(&v.rows[at]).summary.contains("not seen for them in 30 days"), "the next flag");
    // A filter for the kind shows every sign-in row.
    h.keys(&["/"]);
    h.type_text("kind:signin");
    h.keys(&["enter"]);
    let v = view(&h);
    assert!(v.rows.len() >= 4 && v.rows.iter().all(|r| v.event(r).kind == EventKind::SignIn));

    let mut strict = infradeck::config::Config::default();
    strict.security.failures = 7;
    let mut h = Harness::on(
        std::sync::Arc::new(infradeck::provider::demo::DemoProvider::new(
            42,
            None,
            infradeck::provider::demo::Clock::Fixed(infradeck::harness::FIXED_NOW),
        )),
        strict,
        160,
        50,
    );
    h.keys(&["i"]);
    assert!(h.screen().contains(" L sign-ins (3)"), "six failures are no burst at seven:\n{}", h.screen());
}

fn logs_state(h: &Harness) -> &infradeck::app::state::LogsState {
    match &h.state.overlay {
        Some(Overlay::Logs(l)) => l,
        other => panic!("the logs view, not {other:?}"),
    }
}

/// `l` on a service: its last hour, where its containers log (CloudWatch for the app, FireLens
/// for the sidecar: said so), `/` reads again with a filter pattern, `e` jumps to the next
/// error, `f` follows (asks for what came after the last line every 5 s, and stops on esc).
#[test]
fn l_opens_a_services_logs_and_the_view_filters_jumps_and_follows() {
    let mut h = Harness::demo(160, 50);
    h.keys(&["1"]); // orders (the demo incident) sorts first
    let fx = h.send_only(Msg::Key("l".parse().unwrap()));
    let Some(Effect::FetchLogs { query, .. }) = fx.first() else { panic!("{fx:?}") };
    assert_eq!(query.service, orders());
    assert_eq!(query.to - query.from, chrono::Duration::hours(1));
    h.run_effects(fx);
    let screen = h.screen();
    assert!(screen.contains("logs · ecs:prod-core/orders"), "{screen}");
    assert!(screen.contains("orders → /ecs/orders (streams orders/orders/…)"), "{screen}");
    assert!(screen.contains("FireLens (routed by its sidecar, elsewhere: not readable here)"), "{screen}");
    assert!(screen.contains("java.lang.OutOfMemoryError"), "{screen}");
    // A filter pattern is read on enter, by the provider.
    h.keys(&["/"]);
    h.type_text("ERROR");
    h.keys(&["enter"]);
    let l = logs_state(&h);
    assert_eq!(l.query.pattern, "ERROR");
    let lines = &l.page.as_ref().unwrap().lines;
    assert!(!lines.is_empty() && lines.iter().all(|x| x.message.contains("ERROR")));
    // `g` to the oldest, `e` to the next error after it.
    h.keys(&["g", "e"]);
    assert_eq!(logs_state(&h).selected, Some(1), "every line is an error here: the next one");
    // Follow: each 5 s, the lines after the last one.
    h.keys(&["f"]);
    let last = logs_state(&h).page.as_ref().unwrap().lines.last().unwrap().time;
    let fx = h.send_only(Msg::Tick(h.state.now + chrono::Duration::seconds(1)));
    let Some(Effect::FetchLogs { query, .. }) = fx.iter().find(|e| matches!(e, Effect::FetchLogs { .. })) else {
        panic!("a follow poll: {fx:?}")
    };
    assert_eq!(query.from, last);
    assert_eq!(query.pattern, "ERROR", "the pattern follows too");
    h.keys(&["esc"]);
    assert!(h.state.overlay.is_none());
    let fx = h.send_only(Msg::Tick(h.state.now + chrono::Duration::seconds(10)));
    assert!(!fx.iter().any(|e| matches!(e, Effect::FetchLogs { .. })), "closing the view stops following");
    // Only ECS services have logs here.
    h.keys(&["2", "l"]);
    assert!(h.state.overlay.is_none());
    assert!(h.screen().contains("logs are per ECS service"), "{}", h.screen());
}

/// `l` on a timeline row: ±5 minutes around the event; on a stopped task, that task's own lines
/// with its stop reason above them; esc goes back to the timeline. A password a line leaked is
/// masked before it reaches the screen.
#[test]
fn l_on_a_timeline_event_reads_the_logs_around_it_masked() {
    let mut h = open();
    h.keys(&["/"]);
    h.type_text("kind:deploy res:orders completed");
    h.keys(&["enter", "l"]);
    let l = logs_state(&h);
    assert!(l.from_incident && l.context.as_deref().is_some_and(|c| c.contains("deployment orders:27 completed")));
    assert_eq!(l.query.to - l.query.from, chrono::Duration::minutes(10));
    let lines = &l.page.as_ref().unwrap().lines;
    let leak = lines.iter().position(|x| x.message.contains("password=")).expect("the line that leaked it");
    assert!(lines[leak].message.contains("password=••••••"));
    assert!(!format!("{:?}", h.state.overlay).contains("hunter2"), "masked before it is kept");
    // Up to that line (k from the newest): it is on screen, masked.
    let up = lines.len() - 1 - leak;
    for _ in 0..up {
        h.keys(&["k"]);
    }
    let screen = h.screen();
    assert!(screen.contains("connecting to orders-db user=orders password=•••••• pool=20"), "{screen}");
    assert!(!screen.contains("hunter2"));
    h.keys(&["esc"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Incident)), "back to the timeline");
    // A stopped task: its own streams, its stop reason on top.
    h.keys(&["/"]);
    for _ in 0.."kind:deploy res:orders completed".len() {
        h.keys(&["backspace"]);
    }
    h.type_text("kind:task res:orders");
    h.keys(&["enter", "l"]);
    let l = logs_state(&h);
    let task = l.query.task.clone().expect("the stopped task's id");
    assert_eq!(l.query.to - l.query.from, chrono::Duration::minutes(11), "its last ten minutes and the one after");
    assert_eq!(task.len(), 12);
    let lines = &l.page.as_ref().unwrap().lines;
    assert!(!lines.is_empty() && lines.iter().all(|x| x.stream.contains(&task)), "{lines:?}");
    let screen = h.screen();
    assert!(screen.contains("▶ ") && screen.contains("OutOfMemoryError: Container killed"), "{screen}");
}
