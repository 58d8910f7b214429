//! The app driven by messages on the demo fleet, with no terminal: what each key and each
//! provider result does to the state, and which effects `update` asks for.

use async_trait::async_trait;
use infradeck::app::state::{InputKind, Overlay, PaneId};
use infradeck::app::{Effect, Msg, Payload, update};
use infradeck::config::Config;
use infradeck::domain::{Alarm, CacheGroup, CostReport, DetailData, EcsService, ResourceRef, UsageHistory, Window};
use infradeck::harness::Harness;
use infradeck::provider::{Provider, ProviderError, SourceInfo};
use std::sync::Arc;

#[test]
fn first_tick_fetches_every_pane_once_and_fills_them() {
    let h = Harness::demo(200, 60);
    for pane in PaneId::ALL {
        assert!(h.state.has_data(pane), "{pane:?} loaded");
        assert!(h.state.fetch(pane).inflight.is_none());
        assert!(h.state.fetch(pane).next_due.is_some());
    }
    assert!(h.state.ecs.rows().len() >= 40);
    assert!(h.state.redis.rows().len() >= 6);
    assert!(h.state.alarms.rows().len() >= 15);
    assert!(h.state.cost.rows().len() >= 8);
}

/// The fetches a tick at `secs` after the first load asks for: (pane, scope).
fn fetches_at(h: &mut Harness, secs: i64) -> Vec<(PaneId, infradeck::provider::Scope)> {
    let fx = h.send_only(Msg::Tick(Harness::fixed_now() + chrono::Duration::seconds(secs)));
    fx.into_iter()
        .filter_map(|e| match e {
            Effect::Fetch { pane, scope, .. } => Some((pane, scope)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_rows_on_screen_are_read_each_minute_the_rest_every_quarter_hour() {
    use infradeck::provider::Scope;
    let mut h = Harness::demo(120, 40); // one pane at a time: ECS on screen
    assert!(fetches_at(&mut h, 1).is_empty(), "nothing is due a second after the first load");
    // A minute on: only the ECS rows on screen (not all 45, no inventory).
    let visible = infradeck::app::schedule::visible_keys(&h.state, PaneId::Ecs);
    let fx = fetches_at(&mut h, 61);
    let [(PaneId::Ecs, scope)] = fx.as_slice() else { panic!("{fx:?}") };
    let Scope { inventory: false, rows: Some(rows), describe } = scope else { panic!("{scope:?}") };
    assert!(rows.len() == visible.len() && rows.iter().all(|k| visible.contains(k)), "{rows:?}");
    assert!(rows.len() < 45 && describe.is_empty());
    // While that read is in flight, another tick asks for nothing more.
    assert!(fetches_at(&mut h, 62).is_empty());
}

#[test]
fn tab_and_number_keys_switch_panes() {
    let mut h = Harness::demo(120, 40);
    assert_eq!(h.state.focus, PaneId::Ecs);
    h.keys(&["tab"]);
    assert_eq!(h.state.focus, PaneId::Redis);
    h.keys(&["shift-tab", "shift-tab"]);
    assert_eq!(h.state.focus, PaneId::Alarms);
    h.keys(&["3"]);
    assert_eq!(h.state.focus, PaneId::Cost);
    h.keys(&[":"]);
    h.type_text("redis");
    h.keys(&["enter"]);
    assert_eq!(h.state.focus, PaneId::Redis);
}

#[test]
fn vim_keys_and_arrows_move_the_selection_and_paging_scrolls() {
    let mut h = Harness::demo(100, 20);
    h.keys(&["j", "down", "j"]);
    assert_eq!(h.state.ecs.view.selected, 3);
    h.keys(&["k", "up"]);
    assert_eq!(h.state.ecs.view.selected, 1);
    h.keys(&["G"]);
    assert_eq!(h.state.ecs.view.selected, h.state.ecs.view.rows.len() - 1);
    assert!(h.state.ecs.view.offset > 0, "scrolled to keep the last row on screen");
    h.keys(&["g"]);
    assert_eq!((h.state.ecs.view.selected, h.state.ecs.view.offset), (0, 0));
    h.keys(&["pgdn"]);
    let page = infradeck::app::layout::table_height(&h.state, PaneId::Ecs);
    assert_eq!(h.state.ecs.view.selected, page);
}

#[test]
fn filter_narrows_as_you_type_inverts_with_bang_and_esc_restores() {
    let mut h = Harness::demo(120, 40);
    let total = h.state.ecs.view.rows.len();
    h.keys(&["/"]);
    h.type_text("pay");
    assert_eq!(h.state.input.as_ref().map(|i| i.kind), Some(InputKind::Filter));
    let names: Vec<&str> = h.state.ecs.view.rows.iter().map(|i| h.state.ecs.rows()[*i].name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| *n == "payments"));
    h.keys(&["enter"]);
    assert!(h.state.input.is_none());
    assert_eq!(h.state.ecs.view.rows.len(), 2, "filter kept after enter");
    // Edit it to an inverted regex, then cancel: the kept filter comes back.
    h.keys(&["/", "backspace", "backspace", "backspace"]);
    h.type_text("!staging|batch");
    let inverted = h.state.ecs.view.rows.len();
    assert!(inverted > 10 && inverted < total);
    h.keys(&["esc"]);
    assert_eq!(h.state.ecs.view.rows.len(), 2);
    h.keys(&["esc"]);
    assert_eq!(h.state.ecs.view.rows.len(), total, "esc in normal mode clears the filter");
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut h = Harness::demo(120, 40);
    h.keys(&["s"]);
    let first = &h.state.ecs.rows()[h.state.ecs.view.rows[0]].name;
    assert_eq!(first, "admin", "sorted by name");
    h.keys(&["S"]);
    let first = &h.state.ecs.rows()[h.state.ecs.view.rows[0]].name;
    assert_eq!(first, "ws-push");
    assert!(h.state.status.as_ref().is_none_or(|(_, t)| !t.is_empty()));
    h.keys(&[":"]);
    h.type_text("sort cpu");
    h.keys(&["enter"]);
    let rows = &h.state.ecs.view.rows;
    let cpu: Vec<f32> = rows.iter().map(|i| h.state.ecs.rows()[*i].cpu.p95).collect();
    assert!(cpu.windows(2).all(|w| w[0] <= w[1]), "reversed: ascending cpu p95");
}

#[test]
fn the_ecs_table_sorts_by_slo_urgency_and_filters_by_slo_status() {
    let mut h = Harness::demo(200, 50);
    h.keys(&[":"]);
    h.type_text("sort slo");
    h.keys(&["enter"]);
    let keys: Vec<String> = h.state.ecs.view.rows.iter().map(|i| h.state.ecs.rows()[*i].key()).collect();
    let status = |k: &String| h.state.sizing.recs[k].slo.map_or("none", |s| s.status());
    let statuses: Vec<&str> = keys.iter().map(status).collect();
    // The three burning fast first, then the rest judged, then the services with no SLO.
    assert_eq!(statuses[..3], ["burning fast"; 3], "{keys:?} {statuses:?}");
    assert!(statuses[3..13].iter().all(|s| *s != "burning fast" && *s != "none"), "{statuses:?}");
    assert!(statuses[13..].iter().all(|s| *s == "none"), "{statuses:?}");
    // Within burning fast, the least budget left first.
    let left: Vec<f64> =
        keys[..3].iter().map(|k| h.state.sizing.recs[k].slo.unwrap().budget_remaining().unwrap()).collect();
    assert!(left.windows(2).all(|w| w[0] <= w[1]), "{left:?}");
    assert!(h.screen().contains("‼"), "{}", h.screen());

    h.keys(&["/"]);
    h.type_text("burning fast");
    let found: Vec<String> = h.state.ecs.view.rows.iter().map(|i| h.state.ecs.rows()[*i].key()).collect();
    assert_eq!(found, keys[..3], "/ finds the SLO status too");
}

#[test]
fn selection_stays_on_the_same_service_across_a_refresh() {
    let mut h = Harness::demo(120, 40);
    h.keys(&["j", "j", "j", "j"]);
    let before = h.state.ecs.selected().map(|s| s.key());
    h.keys(&["r"]);
    assert_eq!(h.state.ecs.selected().map(|s| s.key()), before);
}

#[test]
fn enter_opens_detail_window_switches_it_and_esc_closes() {
    let mut h = Harness::demo(160, 50);
    h.keys(&["enter"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("detail open") };
    assert_eq!(d.window, Window::Day);
    let data = d.data.as_ref().expect("detail loaded");
    // The top row (orders) sits behind a load balancer: usage, then latency and 5xx.
    use infradeck::domain::ChartKind;
    let kinds: Vec<ChartKind> = data.charts.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChartKind::TaskCpu, ChartKind::TaskMemory, ChartKind::Latency, ChartKind::Errors]);
    assert_eq!(data.charts[0].series[0].points.len(), 288, "24h at 5 min");
    // One time axis for all: a resize's effect on p99 lines up with the CPU it changed.
    let span = |c: &infradeck::domain::DetailChart| {
        let xs: Vec<f64> =
            c.series.iter().filter(|s| !s.reference).flat_map(|s| s.points.iter().map(|p| p.0)).collect();
        (xs.iter().copied().fold(f64::MAX, f64::min), xs.iter().copied().fold(f64::MIN, f64::max))
    };
    assert!(
        data.charts.iter().all(|c| span(c) == span(&data.charts[0])),
        "{:?}",
        data.charts.iter().map(span).collect::<Vec<_>>()
    );
    h.keys(&["w"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("still open") };
    assert_eq!(d.window, Window::Fortnight);
    assert_eq!(d.data.as_ref().unwrap().charts[0].series[0].points.len(), 336, "14d at 1 h");
    h.keys(&["j"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("still open") };
    assert_eq!(Some(&d.resource), h.state.selected_resource().as_ref(), "j steps to the next resource");
    h.keys(&["esc"]);
    assert!(h.state.overlay.is_none());
}

#[test]
fn window_key_refetches_metric_panes_and_cost_toggles_days() {
    let mut h = Harness::demo(120, 40);
    let fx = h.send_only(Msg::Key("w".parse().unwrap()));
    assert_eq!(h.state.window, Window::Fortnight);
    assert_eq!(fx.len(), 2);
    assert!(fx.iter().all(|e| matches!(e, Effect::Fetch { window: Window::Fortnight, .. })));
    h.keys(&["3", "w"]);
    assert_eq!(h.state.cost_days, 90);
    assert_eq!(h.state.window, Window::Fortnight, "w on the cost pane leaves the metric window alone");
}

#[test]
fn a_result_for_a_superseded_request_is_dropped() {
    let mut h = Harness::demo(120, 40);
    // Window change while nothing is in flight: request 1 goes out.
    let fx = h.send_only(Msg::Key("w".parse().unwrap()));
    let Effect::Fetch { req: old, .. } = fx[0].clone() else { panic!() };
    // A second change while it is in flight queues, rather than sending another request.
    assert!(h.send_only(Msg::Key("w".parse().unwrap())).is_empty());
    assert_eq!(h.state.window, Window::Hour);
    // The old answer (for 14d) arrives: it is shown, and a new fetch for 1h goes out at once.
    let answer = Msg::Loaded { req: old, payload: Payload::Ecs(Ok(Default::default())), degraded: None };
    let fx = update(&mut h.state, answer);
    assert!(matches!(fx.as_slice(), [Effect::Fetch { pane: PaneId::Ecs, window: Window::Hour, .. }]));
    // A late duplicate of the old answer changes nothing.
    let rows = h.state.ecs.rows().len();
    update(
        &mut h.state,
        Msg::Loaded { req: old, payload: Payload::Ecs(Err(ProviderError::Other("late".into()))), degraded: None },
    );
    assert!(h.state.ecs.fetch.error.is_none());
    assert_eq!(h.state.ecs.rows().len(), rows);
}

#[test]
fn help_overlay_opens_and_closes_and_q_there_does_not_quit() {
    let mut h = Harness::demo(120, 40);
    h.keys(&["?"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Help { .. })));
    h.keys(&["j", "j"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Help { scroll: 2 })));
    h.keys(&["q"]);
    assert!(h.state.overlay.is_none());
    assert!(!h.state.quit);
    h.keys(&["q"]);
    assert!(h.state.quit);
}

#[test]
fn theme_command_switches_and_rejects_unknown_names() {
    let mut h = Harness::demo(120, 40);
    h.keys(&[":"]);
    h.type_text("theme li");
    h.keys(&["tab"]);
    assert_eq!(h.state.input.as_ref().unwrap().text, "theme light");
    h.keys(&["enter"]);
    assert_eq!(h.state.theme_name(), "light");
    h.keys(&[":"]);
    h.type_text("theme nope");
    h.keys(&["enter"]);
    assert_eq!(h.state.theme_name(), "light");
    assert!(h.state.status.as_ref().unwrap().1.contains("no theme 'nope'"));
}

#[test]
fn rebound_keys_from_the_config_file_drive_actions() {
    let config = Config::parse("[keys]\nquit = \"x\"\ndown = [\"n\"]\n", std::path::Path::new("c.toml")).unwrap();
    let provider = Arc::new(infradeck::provider::demo::DemoProvider::new(
        1,
        None,
        infradeck::provider::demo::Clock::Fixed(infradeck::harness::FIXED_NOW),
    ));
    let mut h = Harness::on(provider, config, 120, 40);
    h.keys(&["n", "n", "j"]);
    assert_eq!(h.state.ecs.view.selected, 2, "n moves down, j no longer does");
    h.keys(&["q"]);
    assert!(!h.state.quit);
    h.keys(&["x"]);
    assert!(h.state.quit);
}

/// A provider whose calls fail, to check what the panes keep when a refresh fails.
struct Failing;

#[async_trait]
impl Provider for Failing {
    fn source(&self) -> SourceInfo {
        SourceInfo { label: "failing".into(), ..Default::default() }
    }
    async fn ecs_services(&self, _: Window) -> Result<Vec<EcsService>, ProviderError> {
        Err(ProviderError::AccessDenied { operation: "ecs:ListServices".into() })
    }
    async fn cache_groups(&self, _: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        Err(ProviderError::Throttled { operation: "elasticache:DescribeReplicationGroups".into() })
    }
    async fn ecs_usage(&self) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        Err(ProviderError::Other("boom".into()))
    }
    async fn cost(&self, _fresh: bool) -> Result<CostReport, ProviderError> {
        Err(ProviderError::Other("boom".into()))
    }
    async fn alarms(&self) -> Result<Vec<Alarm>, ProviderError> {
        Err(ProviderError::Other("boom".into()))
    }
    async fn detail(&self, r: &ResourceRef, _: Window) -> Result<DetailData, ProviderError> {
        Err(ProviderError::NotFound(r.to_string()))
    }
}

#[test]
fn a_failed_refresh_keeps_the_last_data_marked_stale_with_a_hint() {
    let mut h = Harness::demo(200, 60);
    let rows = h.state.ecs.rows().len();
    h.provider = Arc::new(Failing);
    h.keys(&["r"]);
    assert_eq!(h.state.ecs.rows().len(), rows, "last good data kept");
    let err = h.state.ecs.fetch.error.as_ref().expect("error recorded");
    assert!(err.hint().contains("ecs:ListServices"));
    let screen = h.screen();
    assert!(screen.contains("STALE"), "{screen}");
    assert!(screen.contains("access denied on ecs:ListServices"));
    assert!(screen.contains("add ecs:ListServices to the role's policy"));
    // A pane that never loaded says so rather than showing an empty table.
    let mut cold = Harness::on(Arc::new(Failing), Config::default(), 120, 40);
    cold.keys(&["2"]);
    assert!(cold.screen().contains("no data: the first load failed"));
}

/// A provider that panics, as a bug in a provider would.
struct Panicking;

#[async_trait]
impl Provider for Panicking {
    fn source(&self) -> SourceInfo {
        SourceInfo::default()
    }
    async fn ecs_services(&self, _: Window) -> Result<Vec<EcsService>, ProviderError> {
        panic!("bug in a provider")
    }
    async fn cache_groups(&self, _: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        panic!("bug in a provider")
    }
    async fn ecs_usage(&self) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        panic!("bug in a provider")
    }
    async fn cost(&self, _fresh: bool) -> Result<CostReport, ProviderError> {
        panic!("bug in a provider")
    }
    async fn alarms(&self) -> Result<Vec<Alarm>, ProviderError> {
        panic!("bug in a provider")
    }
    async fn detail(&self, _: &ResourceRef, _: Window) -> Result<DetailData, ProviderError> {
        panic!("bug in a provider")
    }
}

#[tokio::test]
async fn a_panicking_provider_becomes_that_panes_error_not_a_hung_pane() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let effect =
        Effect::Fetch { pane: PaneId::Redis, req: 7, window: Window::Day, fresh: false, scope: Default::default() };
    infradeck::runtime::execute_effect(effect, Arc::new(Panicking), tx);
    let msg = rx.recv().await.expect("a message comes back");
    let Msg::Loaded { req: 7, payload: Payload::Redis(Err(e), _), .. } = msg else { panic!("unexpected {msg:?}") };
    assert!(e.to_string().contains("internal error"), "{e}");
}

#[test]
fn suggestions_follow_the_first_ecs_load_and_show_in_the_pane_and_detail() {
    let mut h = Harness::demo(200, 50);
    assert_eq!(h.state.sizing.recs.len(), 45, "one suggestion per service");
    assert!(h.state.sizing.fetch.next_due.is_some());
    h.keys(&["z", "j"]); // payments: orders (the demo incident) sorts first
    let screen = h.screen();
    assert!(screen.contains("SUGGEST (safe 14d)"), "{screen}");
    assert!(
        screen.contains("▲ 2 / 4G +$93.85"),
        "payments needs more CPU for its bursts (at 86.8 % of list):\n{screen}"
    );
    h.keys(&["enter"]);
    let screen = h.screen();
    assert!(screen.contains("under-provisioned: 1 / 2G → 2 / 4G"), "{screen}");
    assert!(
        screen.contains("OOM kill(s)") && screen.contains("a leak, not a size"),
        "its kills are a leak's:\n{screen}"
    );
    assert!(screen.contains("proposed (200%)"), "proposed memory over the chart:\n{screen}");
    // Not sized again on every tick: once the next hour of history has closed (14:30 → 15:03).
    let now = Harness::fixed_now();
    let fx = h.send_only(Msg::Tick(now + chrono::Duration::minutes(6)));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Size { .. })));
    let fx = h.send_only(Msg::Tick(now + chrono::Duration::minutes(34)));
    assert!(fx.iter().any(|e| matches!(e, Effect::Size { .. })));
}

#[test]
fn region_and_profile_commands_reconnect_on_aws_and_explain_themselves_on_the_demo() {
    let mut h = Harness::demo(120, 40);
    h.keys(&[":"]);
    h.type_text("region eu-west-1");
    let fx = h.send_only(Msg::Key("enter".parse().unwrap()));
    assert!(fx.is_empty(), "the demo fleet has no regions: {fx:?}");
    assert!(h.state.status.as_ref().is_some_and(|(_, s)| s.contains("start infradeck with AWS credentials")));

    // The same command on an AWS source asks the driver to reconnect.
    h.state.source = SourceInfo { label: "aws prod".into(), switchable: true, ..Default::default() };
    h.keys(&[":"]);
    h.type_text("region eu-west-1,us-east-1");
    let fx = h.send_only(Msg::Key("enter".parse().unwrap()));
    assert_eq!(
        fx,
        vec![Effect::Reconnect { profiles: None, regions: Some(vec!["eu-west-1".into(), "us-east-1".into()]) }]
    );

    // Connected: every pane starts over on the new source, and stale results are dropped.
    let stale_req = h.state.next_req - 1;
    let source = SourceInfo {
        label: "aws prod".into(),
        account: Some("123".into()),
        regions: vec!["eu-west-1".into()],
        switchable: true,
        read_only: false,
        ..Default::default()
    };
    let fx = h.send_only(Msg::SourceChanged(source.clone()));
    assert_eq!(h.state.source, source);
    for pane in PaneId::ALL {
        assert!(!h.state.has_data(pane), "{pane:?} cleared");
    }
    let fetched: Vec<PaneId> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch { pane, .. } => Some(*pane),
            _ => None,
        })
        .collect();
    assert_eq!(fetched, PaneId::ALL.to_vec());
    h.send_only(Msg::Loaded { req: stale_req, payload: Payload::Ecs(Ok(Default::default())), degraded: None });
    assert!(!h.state.has_data(PaneId::Ecs), "a result from the old source is dropped");

    h.send_only(Msg::ReconnectFailed(ProviderError::NoCredentials("profile nope".into())));
    assert!(
        h.state.status.as_ref().is_some_and(|(_, s)| s.contains("could not switch") && s.contains("aws sso login"))
    );
}

#[test]
fn a_first_load_shows_rows_as_they_arrive_but_a_refresh_waits_for_the_whole_answer() {
    let mut h = Harness::demo(160, 50);
    let services = h.state.ecs.data.clone().unwrap();
    // Start over as if nothing had loaded, with an ECS request in flight.
    h.state.ecs = infradeck::app::state::PaneState::new(h.state.ecs.fetch.interval);
    let fx = h.send_only(Msg::Key("r".parse().unwrap()));
    let Some(Effect::Fetch { req, .. }) = fx.first().cloned() else { panic!("{fx:?}") };

    h.state.sizing.fetch.inflight = None;
    h.state.sizing.fetch.next_due = None;
    let sized = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::Size { services, .. } => Some(services.len()),
            _ => None,
        })
    };

    let fx = h.send_only(Msg::EcsPartial { req, rows: services[..10].to_vec() });
    assert_eq!(h.state.ecs.rows().len(), 10, "the first part is on screen");
    assert!(h.state.ecs.fetch.partial);
    let mut later = h.send_only(Msg::Tick(Harness::fixed_now() + chrono::Duration::seconds(1)));
    later.extend(fx);
    assert_eq!(sized(&later), None, "no sizing run on the first part: it would size only those rows");
    h.send_only(Msg::EcsPartial { req: req + 100, rows: services[10..20].to_vec() });
    assert_eq!(h.state.ecs.rows().len(), 10, "a part of another request is dropped");
    h.send_only(Msg::EcsPartial { req, rows: services[10..25].to_vec() });
    assert_eq!(h.state.ecs.rows().len(), 25);
    let fx = h.send_only(Msg::Loaded {
        req,
        payload: Payload::Ecs(Ok(std::sync::Arc::new(services.to_vec()))),
        degraded: None,
    });
    assert_eq!(h.state.ecs.rows().len(), services.len());
    assert!(!h.state.ecs.fetch.partial);
    assert_eq!(sized(&fx), Some(services.len()), "the whole answer is sized as soon as it is in");

    // A refresh: parts do not replace the complete table on screen.
    let fx = h.send_only(Msg::Key("r".parse().unwrap()));
    let Some(Effect::Fetch { req, .. }) = fx.first().cloned() else { panic!("{fx:?}") };
    h.send_only(Msg::EcsPartial { req, rows: services[..3].to_vec() });
    assert_eq!(h.state.ecs.rows().len(), services.len());
}

#[test]
fn suggest_ranks_every_suggestion_at_risk_first_and_enter_opens_the_resource() {
    let mut h = Harness::demo(160, 50);
    h.keys(&[":"]);
    h.type_text("suggest");
    h.keys(&["enter"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Suggest { selected: 0 })));
    let items = infradeck::app::suggest::ranked(&h.state);
    assert!(items.len() > 20, "ECS and Redis suggestions: {}", items.len());
    let first_saving = items.iter().position(|i| !i.at_risk()).unwrap();
    assert!(first_saving > 0 && items[first_saving..].iter().all(|i| !i.at_risk()), "at risk first, then savings");
    let savings: Vec<f64> = items[first_saving..].iter().filter_map(|i| i.monthly).collect();
    assert!(savings.windows(2).all(|w| w[0] <= w[1]), "largest saving first: {savings:?}");
    assert!(items.iter().any(|i| matches!(i.resource, ResourceRef::CacheGroup(_))));
    assert!(infradeck::app::suggest::total_saving(&items) > 1_000.0);

    h.keys(&["j", "j"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Suggest { selected: 2 })));
    h.keys(&["G"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Suggest { selected }) if selected == items.len() - 1));
    h.keys(&["g", "enter"]);
    let Some(Overlay::Detail(d)) = &h.state.overlay else { panic!("detail opens: {:?}", h.state.overlay.is_some()) };
    assert_eq!(d.resource, items[0].resource);
    assert!(d.data.is_some(), "the resource's detail loaded");
    h.keys(&["esc"]);
    assert!(h.state.overlay.is_none());
}

#[test]
fn a_plans_the_suggestion_enter_cancels_and_y_applies_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let mut h = Harness::demo(200, 50);
    h.state.audit_log = Some(audit.clone());
    h.keys(&["z", "j"]); // payments: orders (the demo incident) sorts first
    assert_eq!(h.state.ecs.selected().map(|s| s.name.as_str()), Some("payments"));

    // `a`: a plan from the live service; nothing is written yet.
    h.keys(&["a"]);
    let screen = h.screen();
    assert!(screen.contains("plan · resize prod-core/payments"), "{screen}");
    assert!(screen.contains("1 vCPU / 2 GiB → 2 vCPU / 4 GiB"), "{screen}");
    assert!(screen.contains("payments: cpu 896 → 1792"), "per container:\n{screen}");
    assert!(screen.contains("3. demo: point prod-core/payments at payments:21"), "the requests, in order:\n{screen}");
    assert!(screen.contains("y apply"), "{screen}");
    // Confirmation defaults to No: enter cancels.
    h.keys(&["enter"]);
    assert!(h.state.overlay.is_none());
    assert!(h.screen().contains("not applied"));
    assert!(!audit.exists(), "nothing applied, nothing recorded");
    let payments = |h: &Harness| h.state.ecs.rows().iter().find(|s| s.name == "payments").cloned().unwrap();
    assert_eq!(payments(&h).task_cpu, 1024);

    h.keys(&["a", "y"]);
    let screen = h.screen();
    assert!(screen.contains("deployment of payments:21: COMPLETED · 3/3 running"), "the rollout, watched:\n{screen}");
    assert_eq!((payments(&h).task_cpu, payments(&h).task_memory), (2048, 4096), "the pane refetched the new size");
    assert_eq!(payments(&h).task_definition, "payments:21");
    let log = infradeck::apply::AuditLog::new(audit.clone()).read().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].resource_name(), "prod-core/payments");
    assert_eq!((log[0].before.as_str(), log[0].after.as_str()), ("1 vCPU / 2 GiB", "2 vCPU / 4 GiB"));
    assert_eq!(log[0].revision_after.as_deref(), Some("payments:21"));
    assert_eq!(log[0].result, infradeck::apply::Outcome::Applied);
    h.keys(&["esc"]);
    assert!(h.state.overlay.is_none());
}

#[test]
fn read_only_shows_the_plan_but_y_cannot_apply_it() {
    let provider = Arc::new(
        infradeck::provider::demo::DemoProvider::new(
            42,
            None,
            infradeck::provider::demo::Clock::Fixed(infradeck::harness::FIXED_NOW),
        )
        .with_read_only(true),
    );
    let mut h = Harness::on(provider, infradeck::config::Config::default(), 200, 50);
    assert!(h.screen().contains("│ READ-ONLY"), "the header says so:\n{}", h.screen());
    h.keys(&["z", "j", "a"]);
    assert!(h.screen().contains("read-only: this plan can be read, not applied"), "{}", h.screen());
    let fx = h.send_only(Msg::Key("y".parse().unwrap()));
    assert!(fx.is_empty(), "no apply effect in read-only mode: {fx:?}");
    assert_eq!(h.state.ecs.rows().iter().find(|s| s.name == "payments").unwrap().task_cpu, 1024);
}

fn demo_with(read_only: bool, dry_run: bool, protected: bool) -> Harness {
    use infradeck::provider::demo::{Clock, DemoProvider};
    let demo = DemoProvider::new(42, None, Clock::Fixed(infradeck::harness::FIXED_NOW))
        .with_read_only(read_only)
        .with_write_flags(dry_run, protected)
        .with_rollout_time(std::time::Duration::ZERO);
    Harness::on(Arc::new(demo), infradeck::config::Config::default(), 200, 50)
}

fn payments(h: &Harness) -> infradeck::domain::EcsService {
    h.state.ecs.rows().iter().find(|s| s.name == "payments").cloned().unwrap()
}

#[test]
fn u_rolls_back_the_last_change_through_the_same_plan_and_history_lists_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::demo(200, 50);
    h.state.audit_log = Some(dir.path().join("audit.jsonl"));
    h.keys(&["z", "j"]); // payments: orders (the demo incident) sorts first
    h.keys(&["u"]);
    assert!(h.screen().contains("no change applied from infradeck"), "nothing to undo yet:\n{}", h.screen());
    h.keys(&["a", "y", "esc"]);
    assert_eq!(payments(&h).task_definition, "payments:21");

    h.keys(&["u"]);
    let screen = h.screen();
    assert!(screen.contains("plan · rollback prod-core/payments"), "{screen}");
    assert!(screen.contains("2 vCPU / 4 GiB → 1 vCPU / 2 GiB"), "{screen}");
    assert!(screen.contains("demo: point prod-core/payments at payments:20"), "{screen}");
    h.keys(&["y"]);
    assert!(h.screen().contains("deployment of payments:20: COMPLETED"), "{}", h.screen());
    h.keys(&["esc"]);
    let p = payments(&h);
    assert_eq!((p.task_cpu, p.task_memory, p.task_definition.as_str()), (1024, 2048, "payments:20"));

    h.keys(&[":"]);
    h.type_text("history");
    h.keys(&["enter"]);
    let screen = h.screen();
    assert!(screen.contains("history · 2 changes"), "{screen}");
    let rollback_at = screen.find("rollback").unwrap();
    let resize_at = screen.find("resize ").unwrap_or(usize::MAX);
    assert!(rollback_at < resize_at, "newest first:\n{screen}");
    let log = infradeck::apply::AuditLog::new(dir.path().join("audit.jsonl")).read().unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["resize", "rollback"]);
}

#[test]
fn a_protected_profile_is_confirmed_by_typing_the_name_not_by_y() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_with(false, false, true);
    h.state.audit_log = Some(dir.path().join("audit.jsonl"));
    h.keys(&["z", "j", "a"]);
    assert!(h.screen().contains("protected profile: type payments and enter to apply"), "{}", h.screen());
    h.keys(&["y", "enter"]);
    assert_eq!(payments(&h).task_cpu, 1024, "y is not a confirmation here");
    assert!(h.screen().contains("type payments exactly"), "{}", h.screen());
    h.keys(&["backspace"]);
    h.type_text("payments");
    h.keys(&["enter"]);
    assert_eq!(payments(&h).task_cpu, 2048);
}

#[test]
fn dry_run_shows_the_requests_sends_none_and_records_that() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_with(false, true, false);
    h.state.audit_log = Some(dir.path().join("audit.jsonl"));
    h.keys(&["z", "j", "a"]);
    assert!(h.screen().contains("dry run: y lists the requests without sending them"), "{}", h.screen());
    h.keys(&["y"]);
    assert!(h.screen().contains("dry run: nothing was sent"), "{}", h.screen());
    assert_eq!(payments(&h).task_cpu, 1024);
    let log = infradeck::apply::AuditLog::new(dir.path().join("audit.jsonl")).read().unwrap();
    assert_eq!(log[0].result, infradeck::apply::Outcome::DryRun);
    assert!(log[0].requests.iter().all(|r| r.starts_with("(dry run, not sent)")));
}

#[test]
fn e_then_a_format_key_exports_the_plan_as_code_without_applying() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::demo(200, 50);
    h.state.export_dir = dir.path().to_path_buf();
    h.keys(&["z", "j", "a", "e"]);
    assert!(h.screen().contains("export as: t terraform"), "{}", h.screen());
    h.keys(&["t"]);
    let path = dir.path().join("infradeck-prod-core-payments-resize.tf");
    let tf = std::fs::read_to_string(&path).expect("the export was written");
    assert!(tf.contains("cpu    = \"2048\" # was \"1024\""), "{tf}");
    assert!(h.screen().contains("exported to"), "{}", h.screen());
    assert!(matches!(h.state.overlay, Some(infradeck::app::state::Overlay::Plan(_))), "the plan stays open");
    h.keys(&["e", "j"]);
    let json = std::fs::read_to_string(dir.path().join("infradeck-prod-core-payments-resize.json")).unwrap();
    assert!(json.contains("\"after\""), "{json}");
    h.keys(&["esc"]);
    assert_eq!(payments(&h).task_cpu, 1024, "exporting applies nothing");
}

#[test]
fn a_deploy_that_cannot_start_fails_and_the_circuit_breaker_restores_the_old_revision() {
    use infradeck::apply::ResizeRequest;
    let mut h = demo_with(false, false, false);
    h.keys(&["z"]);
    let p = payments(&h);
    // Below what the service already uses: its tasks cannot start.
    let request = ResizeRequest {
        identity: p.identity.clone(),
        cluster: p.cluster.clone(),
        service: p.name.clone(),
        task_definition: p.task_definition.clone(),
        before: (p.task_cpu, p.task_memory),
        after: (512, 1024),
        containers: infradeck::sizing::containers::layout(
            &infradeck::sizing::recommend::shape(&p),
            (512, 1024),
            &Default::default(),
        )
        .expect("fits"),
        monthly_change: None,
        risk: infradeck::sizing::recommend::Risk::High,
        evidence: vec![],
        rollback_to: None,
        floors: None,
    };
    let plan = h.block_on(h.provider.plan_resize(&request)).expect("plan");
    h.state.overlay = Some(infradeck::app::state::Overlay::Plan(Box::new(infradeck::app::state::PlanState {
        req: 0,
        resource: infradeck::domain::ResourceRef::EcsService { cluster: p.cluster.clone(), service: p.name.clone() },
        plan: Some(plan),
        error: None,
        outcome: None,
        phase: infradeck::app::state::PlanPhase::Ready,
        typed: String::new(),
        exporting: false,
        code: Default::default(),
        code_scroll: 0,
        since: None,
        since_req: None,
        since_due: None,
    })));
    h.keys(&["y"]);
    let screen = h.screen();
    assert!(screen.contains("deployment of payments:21: FAILED"), "{screen}");
    assert!(screen.contains("circuit breaker"), "{screen}");
    assert!(screen.contains("✖ FAIL  payments"), "the pane's status says so too:\n{screen}");
    h.keys(&["esc", "r"]);
    let p = payments(&h);
    assert_eq!(
        (p.task_cpu, p.task_memory, p.task_definition.as_str()),
        (1024, 2048, "payments:20"),
        "back where it was"
    );
}

#[test]
fn a_on_a_redis_group_plans_its_node_type_in_the_maintenance_window_unless_w_says_now() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_with(false, false, false);
    h.state.audit_log = Some(dir.path().join("audit.jsonl"));
    let node = |h: &Harness| h.state.redis.rows().iter().find(|g| g.id == "page-cache").unwrap().node_type.clone();
    let before = node(&h);
    let proposed = h.state.sizing.cache_recs["page-cache"].proposed.clone().expect("a node type is suggested");
    h.keys(&["2", "/"]);
    h.type_text("page-cache");
    h.keys(&["enter", "a"]);
    let screen = h.screen();
    assert!(screen.contains(&format!("{before} → {proposed}")), "{screen}");
    assert!(screen.contains("at the next maintenance window · w switches"), "{screen}");
    h.keys(&["y"]);
    assert_eq!(node(&h), before, "nothing changes before the window");
    assert!(h.screen().contains("at the next maintenance window"), "{}", h.screen());
    h.keys(&["esc"]);

    let mut h = demo_with(false, false, false);
    h.state.audit_log = Some(dir.path().join("audit.jsonl"));
    h.keys(&["2", "/"]);
    h.type_text("page-cache");
    h.keys(&["enter", "a", "w"]);
    assert!(h.screen().contains("now (ApplyImmediately"), "{}", h.screen());
    h.keys(&["y", "esc"]);
    assert_eq!(node(&h), proposed, "applied at once");
    let log = infradeck::apply::AuditLog::new(dir.path().join("audit.jsonl")).read().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!((log[1].before.as_str(), log[1].after.as_str()), (before.as_str(), proposed.as_str()));

    // `u`: back to the node type the change replaced, through the same plan.
    h.state.history = log;
    h.keys(&["u"]);
    let screen = h.screen();
    assert!(screen.contains("plan · rollback page-cache"), "{screen}");
    assert!(screen.contains(&format!("{proposed} → {before}")), "{screen}");
    h.keys(&["w", "y", "esc"]);
    assert_eq!(node(&h), before);
}

/// The demo fleet behind 5 s of latency on every call, as a slow or throttled AWS would be.
struct Slow(infradeck::provider::demo::DemoProvider);

const LATENCY: std::time::Duration = std::time::Duration::from_secs(5);

#[async_trait]
impl Provider for Slow {
    fn source(&self) -> SourceInfo {
        self.0.source()
    }
    async fn ecs_services(&self, w: Window) -> Result<Vec<EcsService>, ProviderError> {
        tokio::time::sleep(LATENCY).await;
        self.0.ecs_services(w).await
    }
    async fn cache_groups(&self, w: Window) -> Result<Vec<CacheGroup>, ProviderError> {
        tokio::time::sleep(LATENCY).await;
        self.0.cache_groups(w).await
    }
    async fn ecs_usage(&self) -> Result<Vec<(String, UsageHistory)>, ProviderError> {
        tokio::time::sleep(LATENCY).await;
        self.0.ecs_usage().await
    }
    async fn cost(&self, fresh: bool) -> Result<CostReport, ProviderError> {
        tokio::time::sleep(LATENCY).await;
        self.0.cost(fresh).await
    }
    async fn alarms(&self) -> Result<Vec<Alarm>, ProviderError> {
        tokio::time::sleep(LATENCY).await;
        self.0.alarms().await
    }
    async fn detail(&self, r: &ResourceRef, w: Window) -> Result<DetailData, ProviderError> {
        tokio::time::sleep(LATENCY).await;
        self.0.detail(r, w).await
    }
    async fn timeline(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<infradeck::domain::Timeline, ProviderError> {
        tokio::time::sleep(LATENCY).await;
        self.0.timeline(from, to).await
    }
}

/// Responsiveness: while every provider call takes 5 s, keys still change the state at once —
/// effects run on their own tasks and only their answers come back as messages, so the next
/// frame after a key already shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_take_effect_at_once_while_every_provider_call_takes_five_seconds() {
    use infradeck::app::State;
    use infradeck::runtime::execute_effect;
    let demo = infradeck::provider::demo::DemoProvider::new(
        42,
        None,
        infradeck::provider::demo::Clock::Fixed(infradeck::harness::FIXED_NOW),
    );
    let provider: Arc<dyn Provider> = Arc::new(Slow(demo));
    let config = Config::default();
    let now = Harness::fixed_now();
    let mut state = State::new(provider.source(), config.keymap, vec!["default".into()], 0, config.intervals, now);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let fx = update(&mut state, Msg::Tick(now));
    assert_eq!(fx.len(), 4, "every pane asks for data: {fx:?}");
    for effect in fx {
        execute_effect(effect, Arc::clone(&provider), tx.clone());
    }
    for (key, check) in [
        ("2", &(|s: &State| s.focus == PaneId::Redis) as &dyn Fn(&State) -> bool),
        ("4", &|s: &State| s.focus == PaneId::Alarms),
        ("?", &|s: &State| matches!(s.overlay, Some(Overlay::Help { .. }))),
        ("esc", &|s: &State| s.overlay.is_none()),
        ("i", &|s: &State| matches!(s.overlay, Some(Overlay::Incident))),
    ] {
        let fx = update(&mut state, Msg::Key(key.parse().unwrap()));
        for effect in fx {
            execute_effect(effect, Arc::clone(&provider), tx.clone());
        }
        assert!(check(&state), "{key} took effect");
        assert!(state.dirty, "{key}: the next frame is drawn");
    }
    let elapsed = started.elapsed();
    assert!(elapsed < std::time::Duration::from_millis(500), "keys waited on the provider: {elapsed:?}");
    assert!(rx.try_recv().is_err(), "no answer yet: the provider is still sleeping");
    assert!(state.fetch(PaneId::Ecs).inflight.is_some(), "the fetch is still out");
    // And the answers do come, later, as messages.
    let first = tokio::time::timeout(std::time::Duration::from_secs(20), rx.recv()).await.expect("an answer");
    assert!(started.elapsed() >= LATENCY, "{first:?}");
}

/// The plan shows the service's health when planned; after the resize, with time passing, p99
/// and 5xx since the change beside the same span before it.
#[test]
fn a_resize_plan_shows_health_before_and_p99_since_after() {
    use infradeck::provider::demo::{Clock, DemoProvider};
    use std::sync::atomic::{AtomicI64, Ordering};
    let start = Harness::fixed_now().timestamp();
    let clock = Arc::new(AtomicI64::new(start));
    let demo =
        DemoProvider::new(42, None, Clock::Manual(Arc::clone(&clock))).with_rollout_time(std::time::Duration::ZERO);
    let mut h = Harness::on(Arc::new(demo), Config::default(), 160, 50);
    h.keys(&["/"]);
    h.type_text("prod-core checkout");
    h.keys(&["enter"]);
    assert_eq!(h.state.ecs.selected().map(|s| s.key()).as_deref(), Some("prod-core/checkout"));
    h.keys(&["a"]);
    let screen = h.screen();
    let before = regex::Regex::new(r"health now p99 (\d+) ms").unwrap();
    let p99_before: f64 = before.captures(&screen).unwrap_or_else(|| panic!("{screen}"))[1].parse().unwrap();
    assert!(p99_before > 1_000.0, "checkout is CPU-starved: {p99_before}");
    assert!(screen.contains("SLO burning fast"), "{screen}");
    h.keys(&["y"]);
    assert!(h.screen().contains("reading the service's last hour"), "{}", h.screen());
    // Ten minutes pass, a tick a minute.
    for minute in 1..=10 {
        let t = start + minute * 60;
        clock.store(t, Ordering::Relaxed);
        h.send(Msg::Tick(chrono::DateTime::from_timestamp(t, 0).unwrap()));
    }
    assert!(matches!(h.state.overlay, Some(Overlay::Plan(_))), "the plan stays open");
    let screen = h.screen();
    let since = regex::Regex::new(r"p99 (\d+) → (\d+) ms · 5xx ([\d.]+) → ([\d.]+) % \(10m before vs\. since").unwrap();
    let c = since.captures(&screen).unwrap_or_else(|| panic!("{screen}"));
    let n = |i: usize| c[i].parse::<f64>().unwrap();
    assert!(n(2) < n(1) / 3.0, "twice the CPU: p99 {} → {} ms", n(1), n(2));
    assert!(n(4) < n(3), "fewer timeouts: 5xx {} → {} %", n(3), n(4));
}

#[test]
fn nobody_at_the_keys_slows_everything_and_a_key_catches_up_at_once() {
    use infradeck::app::schedule::{self, Presence};
    let mut h = Harness::demo(200, 50); // the dashboard: ECS and Redis rows on screen
    assert_eq!(schedule::presence(&h.state), Presence::Here);
    // Someone at the keys: the focused pane's rows on screen are read a minute after the first
    // load; the dashboard's other panes' every five minutes.
    let fx = fetches_at(&mut h, 61);
    assert!(fx.iter().any(|(p, _)| *p == PaneId::Ecs) && !fx.iter().any(|(p, _)| *p == PaneId::Redis), "{fx:?}");
    h.run_effects(
        fx.into_iter()
            .map(|(pane, scope)| infradeck::app::Effect::Fetch {
                pane,
                req: 0,
                window: h.state.window,
                fresh: false,
                scope,
            })
            .collect(),
    );
    for pane in PaneId::ALL {
        h.state.fetch_mut(pane).inflight = None;
    }
    // Five minutes without a key: away. Nothing on screen is read each minute any more.
    for secs in (62..=600).step_by(30) {
        let fx = fetches_at(&mut h, secs);
        if secs > 400 {
            assert!(!fx.iter().any(|(p, _)| p.by_rows()), "read at {secs} s while away: {fx:?}");
        }
        for pane in PaneId::ALL {
            h.state.fetch_mut(pane).inflight = None;
        }
    }
    assert_eq!(schedule::presence(&h.state), Presence::Away);
    // A key: back, and what is on screen is read at the next tick, whatever its age.
    h.keys(&["j"]);
    assert_eq!(schedule::presence(&h.state), Presence::Here);
    let fx = fetches_at(&mut h, 601);
    let ecs = fx.iter().find(|(p, _)| *p == PaneId::Ecs).expect("the ECS rows on screen read at once");
    let rows = ecs.1.rows.clone().unwrap_or_default();
    let visible = schedule::visible_keys(&h.state, PaneId::Ecs);
    assert!(visible.iter().all(|k| rows.contains(k)), "every row on screen: {rows:?}");
}

#[test]
fn the_budget_holds_back_reads_and_says_so() {
    let mut h = Harness::demo(200, 50);
    // A budget of a cent a day, and more than an hour's worth of refreshes spent already.
    h.state.budget = infradeck::app::budget::Budget::new(0.01);
    let mut spend = h.provider.api_spend().unwrap();
    h.send(Msg::ApiSpend { spend: spend.clone(), asked: false });
    spend.usd += 0.01;
    h.send(Msg::ApiSpend { spend, asked: false });
    let fx = fetches_at(&mut h, 61);
    assert!(!fx.iter().any(|(p, _)| p.by_rows()), "read beyond the budget: {fx:?}");
    assert!(h.state.ecs.fetch.held, "the focused pane's rows are held back");
    let screen = h.screen();
    assert!(screen.contains("⏸ budget"), "the pane says the budget holds it back:\n{screen}");
    assert!(screen.contains("≈$0.0"), "the simulated spend in the header:\n{screen}");
    h.keys(&[":"]);
    h.type_text("budget");
    h.keys(&["enter"]);
    let screen = h.screen();
    assert!(screen.contains("held by the budget") && screen.contains("$0.01 a day"), "{screen}");
    h.keys(&["esc"]);
    // The inventory costs no metrics: it is still listed when due; the rows wait for the budget.
    let fx = fetches_at(&mut h, 3_600);
    let (_, scope) = fx.iter().find(|(p, _)| *p == PaneId::Ecs).expect("the inventory");
    assert!(scope.inventory && scope.rows.as_ref().is_some_and(|r| r.is_empty()), "{scope:?}");
}

#[test]
fn each_pane_is_read_and_retried_at_the_cadence_someone_sees_it() {
    use chrono::Duration;
    use infradeck::app::schedule;
    let mut h = Harness::demo(200, 50); // the dashboard, the ECS pane focused
    let minute = Duration::minutes(1);
    assert_eq!(schedule::cadence(&h.state, PaneId::Ecs), minute);
    assert_eq!(schedule::cadence(&h.state, PaneId::Redis), Duration::minutes(5), "shown, not focused");
    assert_eq!(schedule::cadence(&h.state, PaneId::Alarms), minute, "read whole, on screen");
    h.keys(&["2", "z"]); // Redis focused and zoomed: ECS off screen
    assert_eq!(schedule::cadence(&h.state, PaneId::Redis), minute);
    assert_eq!(schedule::cadence(&h.state, PaneId::Ecs), Duration::minutes(15), "not shown");
    assert_eq!(schedule::cadence(&h.state, PaneId::Alarms), Duration::minutes(5), "not shown");
    // A failed read backs off from the cadence (up to a minute): with panes read every 10 s, the
    // Redis pane on the dashboard without the focus (read every 50 s) is not retried within 10 s.
    h.keys(&["z", "1"]);
    for pane in PaneId::ALL {
        h.state.fetch_mut(pane).interval = Duration::seconds(10);
    }
    assert_eq!(schedule::cadence(&h.state, PaneId::Redis), Duration::seconds(50));
    let now = h.state.now + Duration::minutes(16);
    h.state.activity.last_input = now;
    let fx = h.send_only(Msg::Tick(now));
    let req = fx
        .iter()
        .find_map(|e| match e {
            infradeck::app::Effect::Fetch { pane: PaneId::Redis, req, .. } => Some(*req),
            _ => None,
        })
        .expect("the Redis rows are due after 16 minutes");
    let err = infradeck::provider::ProviderError::Unavailable {
        operation: "elasticache:DescribeReplicationGroups".into(),
        detail: "503".into(),
    };
    let catalogue = std::sync::Arc::new(infradeck::sizing::catalog::NodeCatalogue::default());
    h.send(Msg::Loaded { req, payload: infradeck::app::Payload::Redis(Err(err), catalogue), degraded: None });
    let wait = h.state.redis.fetch.next_due.unwrap() - h.state.now;
    assert!(wait >= Duration::seconds(25), "retried after {wait}: at least half of 50 s");
}

fn mouse(pointer: infradeck::app::msg::Pointer, column: u16, row: u16) -> Msg {
    Msg::Mouse(infradeck::app::msg::Mouse { pointer, column, row })
}

/// In a pairing session the person beside the keyboard points: a click focuses a pane and
/// selects a row, a click on the selected row opens it, the wheel scrolls what is under it.
#[test]
fn the_mouse_focuses_selects_opens_and_scrolls() {
    use infradeck::app::msg::Pointer::{Click, WheelDown, WheelUp};
    let mut h = Harness::demo(200, 60);
    // The dashboard: ECS across the top, Redis bottom left. A click on the Redis pane focuses it.
    h.send(mouse(Click, 20, 45));
    assert_eq!(h.state.focus, PaneId::Redis);
    // Back in the ECS pane: screen row 3 is its first data row (header line, border, table header).
    h.send(mouse(Click, 30, 5));
    assert_eq!(h.state.focus, PaneId::Ecs);
    assert_eq!(h.state.ecs.view.selected, 2, "the third row");
    let selected = h.state.selected_resource();
    // A second click on it (a double-click) opens its detail, as enter does.
    let fx = h.send_only(mouse(Click, 30, 5));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::FetchDetail { resource, .. } if Some(resource) == selected.as_ref()))
    );
    assert!(matches!(h.state.overlay, Some(Overlay::Detail(_))));
    h.keys(&["esc"]);
    // The wheel moves the table under the pointer by three rows.
    h.send(mouse(WheelDown, 30, 10));
    assert_eq!(h.state.ecs.view.selected, 5);
    h.send(mouse(WheelUp, 30, 10));
    assert_eq!(h.state.ecs.view.selected, 2);
    // A click on the header row or a border selects nothing new.
    h.send(mouse(Click, 30, 2));
    assert_eq!((h.state.focus, h.state.ecs.view.selected), (PaneId::Ecs, 2));
}

/// `M` turns the mouse off (the terminal's own text selection works again); clicks are then
/// ignored until it is turned back on. `mouse = false` in the config starts with it off.
#[test]
fn m_toggles_the_mouse_and_the_config_can_start_without_it() {
    let mut h = Harness::demo(200, 60);
    let fx = h.send_only(Msg::Key("M".parse().unwrap()));
    assert_eq!(fx, vec![Effect::MouseCapture(false)]);
    h.send_only(Msg::MouseCapture(Ok(false)));
    assert!(!h.state.mouse);
    assert!(h.screen().contains("mouse off"), "the status line says so");
    h.send(mouse(infradeck::app::msg::Pointer::Click, 20, 45));
    assert_eq!(h.state.focus, PaneId::Ecs, "ignored while off");
    let fx = h.send_only(Msg::Key("M".parse().unwrap()));
    assert_eq!(fx, vec![Effect::MouseCapture(true)]);

    let dir = std::env::temp_dir().join(format!("infradeck-mouse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, "mouse = false\n").unwrap();
    assert!(!Config::load(Some(&path)).unwrap().mouse);
    assert!(Config::default().mouse, "on by default");
    let _ = std::fs::remove_dir_all(dir);
}

/// The buttons a pointer can press: the footer's key hints (each presses its key, in any view)
/// and the plan's buttons on its bottom border, placed by the same function the renderer
/// draws them with. A protected profile's apply is typed, never clicked: it has no button.
#[test]
fn a_click_on_a_footer_hint_or_a_plan_button_presses_its_key() {
    use infradeck::app::buttons;
    use infradeck::app::msg::Pointer::Click;
    let mut h = demo_with(false, false, false);
    let footer = buttons::footer(&h.state);
    let help = footer.iter().find(|b| b.label == "help").expect("a help hint");
    let screen = h.screen();
    let last = screen.lines().last().unwrap();
    let drawn: String = last.chars().skip(help.area.x as usize).take(help.area.width as usize).collect();
    assert_eq!(drawn, "? help", "the hint is drawn where the mouse looks for it: {last}");
    h.send(mouse(Click, help.area.x + 2, help.area.y));
    assert!(matches!(h.state.overlay, Some(Overlay::Help { .. })));
    let close = buttons::footer(&h.state).into_iter().find(|b| b.label == "close").unwrap();
    h.send(mouse(Click, close.area.x, close.area.y));
    assert!(h.state.overlay.is_none(), "esc close, clicked");

    h.keys(&["z", "j", "a"]);
    let Some(Overlay::Plan(p)) = &h.state.overlay else { panic!("a plan") };
    let plan = buttons::plan(&h.state, p);
    let labels: Vec<&str> = plan.iter().map(|b| b.label).collect();
    assert_eq!(labels, ["cancel", "apply", "export as code"], "cancel where it was while planning");
    let screen = h.screen();
    let border = screen.lines().nth(plan[0].area.y as usize).unwrap();
    assert!(border.contains("[esc cancel]─[y apply]─[e export as code]"), "{border}");
    // Cancel first: nothing applied.
    h.send(mouse(Click, plan[0].area.x + 1, plan[0].area.y));
    assert!(h.state.overlay.is_none());
    assert_eq!(payments(&h).task_cpu, 1024);
    // Then apply, by its button.
    h.keys(&["a"]);
    let Some(Overlay::Plan(p)) = &h.state.overlay else { panic!("a plan") };
    let apply = buttons::plan(&h.state, p).remove(1);
    assert_eq!(apply.label, "apply");
    h.send(mouse(Click, apply.area.x, apply.area.y));
    assert_eq!(payments(&h).task_cpu, 2048, "applied by the click");

    let mut h = demo_with(false, false, true);
    h.keys(&["z", "j", "a"]);
    let Some(Overlay::Plan(p)) = &h.state.overlay else { panic!("a plan") };
    let labels: Vec<&str> = buttons::plan(&h.state, p).iter().map(|b| b.label).collect();
    assert_eq!(labels, ["cancel"], "a protected plan is applied by typing its name only");
}

/// Folded detail text is one key away: `enter` shows all of it without the charts, `j`/`k`
/// scroll it, `enter` again goes back to the charts.
#[test]
fn enter_in_a_detail_view_shows_all_its_text_and_back() {
    let mut h = Harness::demo(80, 24);
    h.keys(&["1", "enter"]);
    let folded = h.screen();
    assert!(folded.contains("more lines: enter shows all the text"), "{folded}");
    assert!(folded.contains('└'), "charts drawn:\n{folded}");
    h.keys(&["enter"]);
    let text = h.screen();
    assert!(!text.contains('└'), "no charts in the text view:\n{text}");
    assert!(text.contains("j/k: scroll · enter: charts"), "{text}");
    let first = text.lines().nth(2).unwrap().to_string();
    h.keys(&["j", "j"]);
    assert_ne!(h.screen().lines().nth(2).unwrap(), first, "j scrolls");
    h.keys(&["enter"]);
    assert!(h.screen().contains('└'), "enter goes back to the charts");
    assert!(matches!(h.state.overlay, Some(Overlay::Detail(_))));
}

#[test]
fn accounts_lists_each_accounts_totals_and_enter_narrows_the_pane_to_one() {
    use infradeck::provider::OrgAccount;
    let mut h = Harness::demo(160, 50);
    // As --org shows them: rows named by their account (`NAME@region:cluster`), and typed with
    // its id (the totals count by the id).
    let mut services: Vec<EcsService> = h.state.ecs.data.as_deref().cloned().expect("demo rows");
    let half = services.len() / 2;
    for (i, s) in services.iter_mut().enumerate() {
        let (account, id) = if i < half { ("team-01", "111111111111") } else { ("payments prod", "222222222222") };
        s.cluster = format!("{account}@demo-1:{}", s.cluster);
        s.identity.origin.account_id = Some(id.into());
        s.identity.origin.account = Some(account.into());
    }
    h.state.ecs.data = Some(Arc::new(services.clone()));
    h.state.rebuild_view(PaneId::Ecs);
    h.state.source.accounts = vec![
        OrgAccount {
            id: "111111111111".into(),
            name: "team-01".into(),
            ou: Some("prod".into()),
            unreachable: None,
            metrics: Some("through monitoring account observability".into()),
        },
        OrgAccount {
            id: "222222222222".into(),
            name: "payments prod".into(),
            ou: Some("prod/payments".into()),
            unreachable: None,
            metrics: None,
        },
        OrgAccount {
            id: "333333333333".into(),
            name: "sandbox".into(),
            ou: None,
            unreachable: Some("the role cannot be assumed".into()),
            metrics: None,
        },
    ];
    h.keys(&[":"]);
    h.type_text("accounts");
    h.keys(&["enter"]);
    assert!(matches!(h.state.overlay, Some(Overlay::Accounts { selected: 0 })));
    let screen = h.screen();
    assert!(
        screen.contains("team-01 111111111111 · through monitoring account observability"),
        "the selected account's id and where its metrics are read: {screen}"
    );
    assert!(screen.contains("accounts · 3 in the organization"), "{screen}");
    let line = |name: &str| {
        screen.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}: {screen}")).to_string()
    };
    assert!(line("team-01 ").contains(&format!(" {half} ")), "team-01's services: {}", line("team-01 "));
    assert!(line("sandbox").contains("not reached"), "{}", line("sandbox"));
    assert!(line("all accounts").contains(&format!(" {} ", services.len())), "{}", line("all accounts"));
    h.keys(&["j", "enter"]);
    assert!(h.state.overlay.is_none());
    let kept: Vec<&str> = h.state.ecs.view.rows.iter().map(|i| h.state.ecs.rows()[*i].cluster.as_str()).collect();
    assert_eq!(kept.len(), services.len() - half, "payments prod's rows only");
    assert!(kept.iter().all(|c| c.starts_with("payments prod@")), "{kept:?}");
    // Typed by hand: an OU, nested OUs included, and an account left out.
    h.keys(&["esc", "/"]);
    h.type_text("ou:prod");
    assert_eq!(h.state.ecs.view.rows.len(), services.len());
    h.keys(&["esc", "esc", "/"]);
    h.type_text("!acct:team-01");
    assert_eq!(h.state.ecs.view.rows.len(), services.len() - half);
}

/// The demo's Redis groups under team-01, its alarms under "payments prod" and its cost rows
/// under team-01 (and one of an account the organization no longer lists), as `--org` names them.
fn org_panes(width: u16) -> Harness {
    use infradeck::domain::ResourceRef;
    use infradeck::provider::OrgAccount;
    let mut h = Harness::demo(width, 60);
    let mut groups = h.state.redis.data.clone().expect("demo groups");
    for g in &mut groups {
        g.id = format!("team-01@demo-1:{}", g.id);
    }
    h.state.redis.data = Some(groups);
    let mut alarms = h.state.alarms.data.clone().expect("demo alarms");
    for a in &mut alarms {
        a.name = format!("payments prod@demo-1:{}", a.name);
        if let Some(ResourceRef::EcsService { cluster, .. }) = &mut a.resource {
            *cluster = format!("payments prod@demo-1:{cluster}");
        }
    }
    h.state.alarms.data = Some(alarms);
    let mut cost = h.state.cost.data.clone().expect("demo cost");
    for c in &mut cost.services {
        c.service = format!("team-01: {}", c.service);
    }
    cost.services[0].service = "closed-team: Amazon Elastic Compute Cloud - Compute".into();
    h.state.cost.data = Some(cost);
    let account = |id: &str, name: &str| OrgAccount { id: id.into(), name: name.into(), ..OrgAccount::default() };
    h.state.source.accounts = vec![account("111111111111", "team-01"), account("222222222222", "payments prod")];
    for pane in [PaneId::Redis, PaneId::Alarms, PaneId::Cost] {
        h.state.rebuild_view(pane);
    }
    h
}

#[test]
fn redis_alarms_and_cost_show_the_account_in_a_column_of_their_own_under_org() {
    let h = org_panes(360);
    let screen = h.screen();
    for title in ["GROUP", "SINCE", "MONTH TO DATE"] {
        let header = screen.lines().find(|l| l.contains(title)).unwrap_or_else(|| panic!("{title} header:\n{screen}"));
        let pane = header.split('│').find(|p| p.contains(title)).unwrap_or(header);
        assert!(pane.contains("ACCOUNT"), "an ACCOUNT column beside {title}: {pane}");
    }
    let group = screen.lines().find(|l| l.contains("demo-1:") && l.contains("team-01")).expect("a Redis row");
    assert!(!group.contains("team-01@"), "the group without its account: {group}");
    let alarm = screen.lines().find(|l| l.contains("payments prod")).expect("an alarm row");
    assert!(!alarm.contains("payments prod@"), "the alarm and its resource without the account: {alarm}");
    assert!(
        screen.lines().any(|l| l.contains("EC2 ") && l.contains("team-01") && !l.contains("team-01:")),
        "cost rows name the service short, the account apart:\n{screen}"
    );
    assert!(
        screen.lines().any(|l| l.contains("EC2 ") && l.contains("closed-team") && !l.contains("closed-team:")),
        "a linked account the organization no longer lists is named by the bill:\n{screen}"
    );

    // Narrow: the trends give way, the account stays, as the names do.
    let mut narrow = org_panes(100);
    for (pane, title) in [("2", "GROUP"), ("3", "MONTH TO DATE"), ("4", "SINCE")] {
        narrow.keys(&[pane, "z"]);
        let screen = narrow.screen();
        let header = screen.lines().find(|l| l.contains(title)).unwrap_or_else(|| panic!("{title}:\n{screen}"));
        assert!(header.contains("ACCOUNT"), "ACCOUNT at 100 columns beside {title}: {header}");
        narrow.keys(&["z"]);
    }

    // Without --org there is no ACCOUNT column anywhere.
    let plain = Harness::demo(360, 60).screen();
    assert!(!plain.contains("ACCOUNT"), "{plain}");
}

#[test]
fn group_orders_each_panes_rows_by_account_and_ecs_shows_the_account_in_its_own_column() {
    use infradeck::provider::OrgAccount;
    let mut h = Harness::demo(200, 50);
    // Accounts alternate row by row, as a sort by CPU would interleave them.
    let mut services: Vec<EcsService> = h.state.ecs.data.as_deref().cloned().expect("demo rows");
    for (i, s) in services.iter_mut().enumerate() {
        let account = if i % 2 == 0 { "team-01" } else { "payments prod" };
        s.cluster = format!("{account}@demo-1:{}", s.cluster);
    }
    h.state.ecs.data = Some(Arc::new(services.clone()));
    let account = |id: &str, name: &str| OrgAccount { id: id.into(), name: name.into(), ..OrgAccount::default() };
    h.state.source.accounts = vec![account("111111111111", "team-01"), account("222222222222", "payments prod")];
    h.state.rebuild_view(PaneId::Ecs);
    let screen = h.screen();
    let header = screen.lines().find(|l| l.contains("SERVICE")).expect("the ECS header");
    assert!(header.contains("ACCOUNT"), "an account column under --org: {header}");
    let first = &services[h.state.ecs.view.rows[0]];
    let row = screen.lines().find(|l| l.contains(first.name.as_str())).expect("first row");
    assert!(row.contains("payments prod") || row.contains("team-01"), "{row}");
    assert!(row.contains("demo-1:") && !row.contains("@demo-1"), "the cluster column without the account: {row}");

    let owner = |h: &Harness, i: usize| {
        h.state.ecs.rows()[h.state.ecs.view.rows[i]].cluster.split('@').next().unwrap().to_string()
    };
    let flips = |h: &Harness| (1..h.state.ecs.view.rows.len()).filter(|&i| owner(h, i) != owner(h, i - 1)).count();
    assert!(flips(&h) > 1, "sorted by status, the accounts interleave");
    h.keys(&["j", "j", "j"]);
    let chosen = h.state.ecs.selected().map(|s| s.key());
    h.keys(&[":"]);
    h.type_text("group");
    h.keys(&["enter"]);
    assert_eq!(flips(&h), 1, "grouped: one account's rows, then the other's");
    assert_eq!(h.state.ecs.selected().map(|s| s.key()), chosen, "the cursor stays on the same service");
    h.keys(&["/"]);
    h.type_text("acct:team-01");
    h.keys(&["enter"]);
    assert!((0..h.state.ecs.view.rows.len()).all(|i| owner(&h, i) == "team-01"), "a filter narrows the groups");
    h.keys(&["esc"]);
    assert_eq!(owner(&h, 0), "payments prod", "accounts in name order");
    assert!(h.screen().contains("by account"), "the pane's title says so");
    // The source's news (an account named anew: another of the same name joined) regroups,
    // and a filter on that account follows it.
    h.keys(&["/"]);
    h.type_text("acct:pay");
    h.keys(&["enter"]);
    let mut source = h.state.source.clone();
    source.accounts[1].name = "a-payments".into();
    let mut services = services.clone();
    for s in &mut services {
        s.cluster = s.cluster.replace("payments prod@", "a-payments@");
    }
    h.state.ecs.data = Some(Arc::new(services));
    h.send_only(Msg::SourceUpdated(source));
    assert_eq!(h.state.ecs.view.group, ["a-payments", "team-01"], "the groups follow the source");
    let rows = h.state.ecs.view.rows.len();
    assert!(rows > 0 && (0..rows).all(|i| owner(&h, i) == "a-payments"), "acct:pay still finds it: {rows} rows");
    h.keys(&["/"]);
    for _ in 0.."acct:pay".len() {
        h.keys(&["backspace"]);
    }
    h.keys(&["enter"]);
    assert_eq!(flips(&h), 1, "still grouped");
    assert_eq!(owner(&h, 0), "a-payments");
    h.keys(&[":"]);
    h.type_text("group");
    h.keys(&["enter"]);
    assert!(flips(&h) > 1, ":group again ends it");

    // Without an organization there is nothing to group by, and it says so.
    let mut plain = Harness::demo(200, 50);
    plain.keys(&[":"]);
    plain.type_text("group");
    plain.keys(&["enter"]);
    assert!(plain.state.ecs.view.group.is_empty());
    assert!(plain.screen().contains("grouping by account is for --org"));
    assert!(!plain.screen().lines().any(|l| l.contains("SERVICE") && l.contains("ACCOUNT")));
}

/// Keys pressed before the answer they act on say what is still loading, not "select one" or
/// "no resize suggested" (which read as a fact about the service).
#[test]
fn keys_before_the_first_answers_say_what_is_still_loading() {
    let mut h = Harness::demo(160, 50);
    // The ECS rows are listed, the first sizing run has not answered.
    h.state.sizing.recs.clear();
    h.state.sizing.fetch.fetched_at = None;
    h.keys(&["1", "a"]);
    assert!(h.state.overlay.is_none(), "no plan without a suggestion");
    let screen = h.screen();
    assert!(screen.contains("no suggestion yet (the first sizing run is still reading)"), "{screen}");
    // Nothing listed yet: `l` says the services are loading.
    h.state.ecs.data = None;
    h.keys(&["l"]);
    assert!(h.state.overlay.is_none());
    let screen = h.screen();
    assert!(screen.contains("ECS services are still loading"), "{screen}");
}

/// Issue 34: the header's text is not the source's identity. Under `--org` it says "1 slow to
/// answer" until that account answers; the update that says it answered (a new label, same
/// source) must be taken, while one from a source replaced by `:profile` is still dropped.
#[test]
fn a_source_update_with_a_new_label_is_taken_from_the_same_source_only() {
    let mut h = Harness::demo(160, 50);
    let slow = SourceInfo {
        label: "aws org: 21 accounts, 1 slow to answer (rows follow): team-01".into(),
        account: Some("123456789012 + 19 more".into()),
        regions: vec!["us-east-1".into()],
        switchable: true,
        generation: 7,
        ..Default::default()
    };
    h.send_only(Msg::SourceChanged(slow.clone()));
    let answered = SourceInfo {
        label: "aws org: 21 accounts".into(),
        account: Some("123456789012 + 20 more".into()),
        ..slow.clone()
    };
    h.send_only(Msg::SourceUpdated(answered.clone()));
    assert_eq!(h.state.source, answered, "the account that answered is no longer said to be slow");
    let header = h.screen().lines().next().unwrap_or_default().to_string();
    assert!(header.contains("aws org: 21 accounts ·") && !header.contains("slow"), "the header: {header}");

    // Later news of the same source is still taken (a second account renamed, say).
    let renamed = SourceInfo { label: "aws org: 21 accounts, metrics through monitoring for 20".into(), ..answered };
    h.send_only(Msg::SourceUpdated(renamed.clone()));
    assert_eq!(h.state.source, renamed);

    // A late answer from the source `:profile` replaced, even with the same label, is not.
    let old = SourceInfo { generation: 6, account: Some("999999999999".into()), ..renamed.clone() };
    h.send_only(Msg::SourceUpdated(old));
    assert_eq!(h.state.source, renamed, "a replaced source's news is dropped");
}

/// `P` switches the sizing profile and sizes again; the suggestions' column and the status say
/// which is in force; `:sizing safe` goes back. Balanced suggests no more than safe does.
#[test]
fn the_sizing_profile_switch_resizes_and_says_which_is_in_force() {
    use infradeck::sizing::recommend::Profile;
    let mut h = Harness::demo(200, 60);
    h.keys(&["1"]);
    assert!(h.screen().contains("SUGGEST (safe 14d)"), "{}", h.screen());
    let monthly = |h: &Harness| -> f64 { h.state.sizing.recs.values().filter_map(|r| r.monthly_proposed).sum() };
    let safe = monthly(&h);
    h.keys(&["P"]);
    assert_eq!(h.state.sizing.policies.profile, Profile::Balanced);
    let screen = h.screen();
    assert!(screen.contains("SUGGEST (balanced 14d)"), "{screen}");
    assert!(screen.contains("balanced sizing: no more minutes over capacity than VPA's rule"), "{screen}");
    assert!(monthly(&h) < safe, "balanced is cheaper: {} vs {safe}", monthly(&h));
    assert!(h.state.sizing.recs.values().all(|r| r.evidence.iter().all(|e| !e.contains("busiest hour reached"))));
    h.keys(&[":"]);
    h.type_text("sizing safe");
    h.keys(&["enter"]);
    assert_eq!(h.state.sizing.policies.profile, Profile::Safe);
    assert!((monthly(&h) - safe).abs() < 0.01, "back to the same suggestions");
    // `$`: list prices instead of the account's effective rates (the demo's Savings Plan: 86.8 %
    // of list for Fargate; its reserved nodes: 82.5 % for ElastiCache).
    assert!(h.state.sizing.recs.values().any(|r| r.priced_at.is_some_and(|n| (n.ratio - 0.868).abs() < 1e-3)));
    let cache = |h: &Harness| -> f64 { h.state.sizing.cache_recs.values().filter_map(|r| r.monthly_current).sum() };
    let cache_effective = cache(&h);
    assert!(
        h.state
            .sizing
            .cache_recs
            .values()
            .any(|r| r.evidence.iter().any(|e| e.contains("effective ElastiCache rate: 82 % of list")))
    );
    h.keys(&["$"]);
    assert!((cache(&h) * 0.825 - cache_effective).abs() < 0.5, "Redis at list: {} vs {cache_effective}", cache(&h));
    assert!(h.screen().contains("priced at On-Demand list prices"), "{}", h.screen());
    assert!(h.state.sizing.recs.values().all(|r| r.priced_at.is_none()));
    assert!((monthly(&h) * 0.868 - safe).abs() < 0.5, "list is the effective figure ÷ 0.868: {} {safe}", monthly(&h));
    h.keys(&[":"]);
    h.type_text("sizing yolo");
    h.keys(&["enter"]);
    assert!(h.screen().contains(":sizing takes safe or balanced"), "{}", h.screen());
}
