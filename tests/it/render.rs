//! Every pane, the dashboard, help and detail drawn on a TestBackend at fixed sizes and compared
//! with reviewed snapshots; style checks where colour carries meaning; and a sweep of every
//! terminal size from 1×1 to 300×100 without a panic.

use infradeck::app::Msg;
use infradeck::app::keymap::KeyChord;
use infradeck::app::state::PaneId;
use infradeck::domain::AlarmState;
use infradeck::harness::{Harness, buffer_text};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn snap(name: &str, h: &Harness) {
    insta::assert_snapshot!(name, h.screen());
}

#[test]
fn dashboard_at_200x60_shows_all_four_panes() {
    let h = Harness::demo(200, 60);
    let screen = h.screen();
    for title in ["ECS task sizing", "Redis / ElastiCache", "Cost trends", "CloudWatch alarms"] {
        assert!(screen.contains(title), "{title} missing");
    }
    snap("dashboard_200x60", &h);
}

#[test]
fn each_pane_alone_at_80x24_and_120x40() {
    for (w, h) in [(80, 24), (120, 40)] {
        for (key, pane) in [("1", PaneId::Ecs), ("2", PaneId::Redis), ("3", PaneId::Cost), ("4", PaneId::Alarms)] {
            let mut harness = Harness::demo(w, h);
            harness.keys(&[key]);
            assert_eq!(harness.state.focus, pane);
            snap(&format!("{}_{w}x{h}", pane.command()), &harness);
        }
    }
}

#[test]
fn help_and_detail_views() {
    let mut h = Harness::demo(120, 40);
    h.keys(&["?"]);
    snap("help_120x40", &h);
    let mut h = Harness::demo(160, 50);
    h.keys(&["enter"]);
    snap("detail_ecs_160x50", &h);
    let mut h = Harness::demo(120, 40);
    h.keys(&["2", "enter"]);
    snap("detail_redis_120x40", &h);
    let mut h = Harness::demo(120, 40);
    h.keys(&["4", "enter"]);
    snap("detail_alarm_120x40", &h);
    let mut h = Harness::demo(120, 40);
    h.keys(&["3", "enter"]);
    snap("detail_cost_120x40", &h);
    let mut h = Harness::demo(120, 40);
    h.keys(&[":"]);
    h.type_text("suggest");
    h.keys(&["enter", "j"]);
    snap("suggest_120x40", &h);
}

#[test]
fn filter_and_command_lines_show_in_the_footer() {
    let mut h = Harness::demo(100, 30);
    h.keys(&["/"]);
    h.type_text("prod-data");
    let screen = h.screen();
    assert!(screen.contains("/prod-data█"));
    assert!(screen.contains("ECS task sizing 12/45"), "title counts filtered rows:\n{screen}");
    h.keys(&["enter", ":"]);
    h.type_text("th");
    assert!(h.screen().contains("tab: theme"));
}

/// Find the first cell whose row contains `text`, and return the style of the cell at the
/// start of `cell_text` on that row.
fn style_of(buf: &Buffer, row_text: &str, cell_text: &str) -> ratatui::style::Style {
    let text = buffer_text(buf);
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(row_text))
        .unwrap_or_else(|| panic!("no row with {row_text}"));
    let byte = line.find(cell_text).unwrap_or_else(|| panic!("{cell_text} not on row {row_text}"));
    let x = line[..byte].chars().count() as u16;
    buf[(x, y as u16)].style()
}

#[test]
fn colour_carries_meaning_and_text_carries_it_too() {
    let mut h = Harness::demo(120, 40);
    let theme = h.themes.get(h.state.theme).clone();
    h.keys(&["4"]);
    let buf = h.render();
    let short = |state| h.state.alarms.rows().iter().find(|a| a.state == state && a.name.len() < 25).unwrap();
    let (alarm, ok) = (short(AlarmState::Alarm), short(AlarmState::Ok));
    assert_eq!(style_of(&buf, &alarm.name, "▲ ALARM").fg, Some(theme.palette.critical));
    assert_eq!(style_of(&buf, &ok.name, "● OK").fg, Some(theme.palette.ok));

    h.keys(&["1"]);
    let buf = h.render();
    assert_eq!(style_of(&buf, "payments", "✖ OOM").fg, Some(theme.palette.critical));
    assert_eq!(style_of(&buf, "inventory", "▼ OVER").fg, Some(theme.palette.warn));

    // The focused pane's border uses the focus role.
    h.keys(&["z"]);
    let buf = h.render();
    assert_eq!(buf[(0, 1)].style().fg, Some(theme.palette.border_focus));
}

#[test]
fn anomalous_cost_days_are_drawn_in_the_critical_role() {
    let mut h = Harness::demo(120, 40);
    h.keys(&["3"]);
    let theme = h.themes.get(h.state.theme).clone();
    let buf = h.render();
    let critical_bars = buf
        .content()
        .iter()
        .filter(|c| {
            c.symbol() != " " && c.style().fg == Some(theme.palette.critical) && "▁▂▃▄▅▆▇█".contains(c.symbol())
        })
        .count();
    assert!(critical_bars >= 1, "the spike day is highlighted");
}

#[test]
fn no_color_draws_without_any_colour() {
    let mut h = Harness::demo(120, 40);
    h.themes = infradeck::config::theme_file::ThemeSet::load(None, None, true).unwrap();
    let buf = h.render();
    assert!(buf.content().iter().all(|c| matches!(c.fg, Color::Reset) && matches!(c.bg, Color::Reset)));
    assert!(buffer_text(&buf).contains("▲ UNDER"));
}

#[test]
fn every_size_from_1x1_to_300x100_renders_without_panic() {
    let mut h = Harness::demo(80, 24);
    let views: [&[&str]; 3] = [&[], &["?"], &["esc", "enter"]];
    for keys in views {
        h.keys(keys);
        for w in 1..=300u16 {
            for ht in (1..=100u16).step_by(if w % 10 == 0 { 1 } else { 9 }) {
                h.state.size = (w, ht);
                let buf = h.render_at(w, ht);
                assert_eq!(buf.area.width, w);
            }
        }
    }
    // The suggestions view on a coarser grid.
    h.keys(&["esc", ":"]);
    h.type_text("suggest");
    h.keys(&["enter"]);
    for w in (1..=300u16).step_by(7) {
        for ht in (1..=100u16).step_by(3) {
            h.state.size = (w, ht);
            h.render_at(w, ht);
        }
    }
    // Every height at a few widths, with each pane focused.
    for pane in ["1", "2", "3", "4"] {
        h.keys(&["esc", pane]);
        for w in [1u16, 24, 80, 149, 150, 300] {
            for ht in 1..=100u16 {
                h.state.size = (w, ht);
                h.render_at(w, ht);
            }
        }
    }
}

#[test]
fn incident_view_and_a_jump_from_it() {
    let mut h = Harness::demo(160, 50);
    h.keys(&["i"]);
    snap("incident_160x50", &h);
    let mut h = Harness::demo(80, 24);
    h.keys(&["i"]);
    snap("incident_80x24", &h);
    let mut h = Harness::demo(120, 40);
    h.keys(&["i", "/"]);
    h.type_text("kind:deploy orders:27 completed");
    h.keys(&["enter", "enter"]);
    snap("incident_jump_120x40", &h);
}

#[test]
fn the_incident_view_and_its_jump_render_at_every_size() {
    let mut h = Harness::demo(80, 24);
    for keys in [&["i"][..], &["enter"][..]] {
        h.keys(keys);
        for w in (1..=300u16).step_by(7) {
            for ht in (1..=100u16).step_by(3) {
                h.state.size = (w, ht);
                assert_eq!(h.render_at(w, ht).area.height, ht);
            }
        }
    }
}

#[test]
fn a_tiny_terminal_says_so() {
    let h = Harness::demo(20, 5);
    assert!(h.screen().contains("too small"));
}

#[test]
fn ten_thousand_services_render() {
    let mut h = Harness::with(7, Some(10_000), 200, 60);
    assert_eq!(h.state.ecs.rows().len(), 10_000);
    h.keys(&["G"]);
    let screen = h.screen();
    assert!(screen.contains("10000"), "{screen}");
}

/// Every pane zoomed, every pane's detail and help, both plans (ECS and Redis) and the history,
/// at every size on a 7×3 grid from 1×1 to 300×100; then a resize in the middle of a refresh.
#[test]
fn every_pane_and_popup_renders_at_every_size() {
    let sweep = |h: &mut Harness, what: &str| {
        for w in (1..=300u16).step_by(7).chain([300]) {
            for ht in (1..=100u16).step_by(3).chain([100]) {
                h.state.size = (w, ht);
                let buf = h.render_at(w, ht);
                assert_eq!((buf.area.width, buf.area.height), (w, ht), "{what}");
            }
        }
    };
    let mut h = Harness::demo(120, 40);
    for pane in ["1", "2", "3", "4"] {
        h.keys(&["esc", "esc", pane, "z"]);
        sweep(&mut h, &format!("pane {pane} zoomed"));
        h.keys(&["z", "enter"]);
        sweep(&mut h, &format!("pane {pane} detail"));
        h.keys(&["esc", "?"]);
        sweep(&mut h, &format!("pane {pane} help"));
    }
    for pane in ["1", "2"] {
        h.keys(&["esc", "esc", pane, "a"]);
        assert!(h.state.overlay.is_some(), "a plan for pane {pane}");
        sweep(&mut h, &format!("pane {pane} plan"));
    }
    h.keys(&["esc", "esc", ":"]);
    h.type_text("history");
    h.keys(&["enter"]);
    sweep(&mut h, "history");

    // A resize while a refresh is out: the answer lands at the new size.
    let mut h = Harness::demo(120, 40);
    h.keys(&["1"]);
    let fx = h.send_only(Msg::Key("r".parse::<KeyChord>().unwrap()));
    assert!(!fx.is_empty(), "r asks for a refresh");
    for (w, ht) in [(30, 8), (1, 1), (300, 100), (80, 24)] {
        h.send_only(Msg::Resize(w, ht));
        h.render_at(w, ht);
    }
    h.run_effects(fx);
    let screen = buffer_text(&h.render_at(80, 24));
    assert!(screen.contains("ECS task sizing"), "{screen}");
}

/// At a laptop's 80×24 the ECS pane keeps what the app exists to show (the size and the
/// suggestion, beside the status and the name), drops the rest by value, and says so.
#[test]
fn the_ecs_pane_at_80x24_keeps_size_and_suggestion_and_says_what_is_hidden() {
    let mut h = Harness::demo(80, 24);
    h.keys(&["1"]);
    let screen = h.screen();
    let header = screen.lines().find(|l| l.contains("STATUS")).expect("the table header");
    for column in ["SERVICE", "SIZE", "SUGGEST", "CPU max", "MEM max"] {
        assert!(header.contains(column), "{column} missing at 80×24: {header}");
    }
    assert!(!header.contains("CPU trend") && !header.contains("CPU avg"), "trends and averages go first: {header}");
    assert!(screen.contains("columns hidden (wider shows them)"), "{screen}");
    let orders = screen.lines().find(|l| l.contains(" orders ")).expect("the orders row");
    assert!(orders.contains("▲ 2 / 4G"), "the suggestion is on the row: {orders}");
    // Wide enough, nothing is hidden and the title says nothing of it.
    let mut wide = Harness::demo(200, 60);
    wide.keys(&["1"]);
    let screen = wide.screen();
    let title = screen.lines().find(|l| l.contains("ECS task sizing")).unwrap();
    assert!(!title.contains("hidden"), "{title}");
}

/// The sizes people's terminals have (issue 22): each pane alone and each detail view at 80×24,
/// 100×30, 120×35 and 160×45, as reviewed snapshots. Every snapshot is taken before any is
/// compared, so one change shows all the screens it moves.
#[test]
fn everyday_sizes_of_every_pane_and_detail_view() {
    let mut screens = Vec::new();
    // The same views at 300×100: where every text has room, to tell a whole number from a cut one.
    let mut roomy = std::collections::HashMap::new();
    for (w, h) in [(80, 24), (100, 30), (120, 35), (160, 45), (300, 100)] {
        for (key, name) in [("1", "ecs"), ("2", "redis"), ("3", "cost"), ("4", "alarms")] {
            let mut pane = Harness::demo(w, h);
            pane.keys(&[key]);
            let (table, detail) = (format!("everyday_{name}_{w}x{h}"), format!("everyday_{name}_detail_{w}x{h}"));
            let table_screen = pane.screen();
            pane.keys(&["enter"]);
            if w == 300 {
                roomy.insert(name, (table_screen, pane.screen()));
            } else {
                screens.push((table, table_screen));
                screens.push((detail, pane.screen()));
            }
        }
    }
    for (name, screen) in &screens {
        let view = name.split('_').nth(1).unwrap();
        let wide = if name.contains("_detail_") { &roomy[view].1 } else { &roomy[view].0 };
        let cut = cut_numbers(screen, wide);
        assert!(cut.is_empty(), "{name}: numbers cut: {cut:#?}\n{screen}");
        // Restyle-proof: at 120×35 and up, every chart a detail view draws has four plot rows or
        // more (a y-axis label opens each chart's plot; its axis line `└` closes it).
        if name.contains("_detail_") && !name.ends_with("80x24") && !name.ends_with("100x30") {
            let lines: Vec<&str> = screen.lines().collect();
            let mut charts = 0;
            for (i, l) in lines.iter().enumerate() {
                for col in l.chars().enumerate().filter(|(_, c)| *c == '└').map(|(col, _)| col) {
                    let plot = lines[..i].iter().rev().take_while(|r| r.chars().nth(col) == Some('│')).count();
                    assert!(plot >= 4, "{name}: a chart {plot} plot rows tall:\n{screen}");
                    charts += 1;
                }
            }
            assert!(charts >= 1, "{name}: no chart drawn:\n{screen}");
        }
    }
    insta::with_settings!({ omit_expression => true }, {
        for (name, screen) in screens {
            insta::assert_snapshot!(name, screen);
        }
    });
}

/// Numbers `narrow` shows cut: a text ending in a digit at a line's or a border's edge whose
/// whole form (the same words on the roomy screen of the same view) goes on with a digit, a
/// decimal point, a unit or a closing parenthesis: "(1 → 2" of "(1 → 2)", "2 / 4" of "2 / 4G".
fn cut_numbers(narrow: &str, roomy: &str) -> Vec<String> {
    let mut cut = Vec::new();
    for line in narrow.lines() {
        for segment in line.split(|c| "│┃║".contains(c)) {
            let text = segment.trim_end();
            // A lone number before a border is a chart's axis label, scaled to its own size.
            if !text.ends_with(|c: char| c.is_ascii_digit()) || !text.trim().contains(' ') {
                continue;
            }
            // Up to the last three words, within the last column (a gap of two spaces ends it).
            let column = text.rsplit("  ").next().unwrap_or(text);
            let starts: Vec<usize> = column.match_indices(' ').map(|(i, _)| i + 1).collect();
            let from = if starts.len() >= 2 { starts[starts.len() - 2] } else { 0 };
            let phrase = column[from..].trim_start();
            if phrase.chars().count() < 3 {
                continue;
            }
            let continued = roomy.match_indices(phrase).any(|(at, _)| {
                roomy[at + phrase.len()..].chars().next().is_some_and(|c| c.is_alphanumeric() || ".,%)".contains(c))
            });
            if continued {
                cut.push(format!("{phrase:?} in {line:?}"));
            }
        }
    }
    cut
}

/// The oracle above, on screens whose answer is known: it must catch a cut before it is trusted.
#[test]
fn the_cut_number_check_catches_cuts_and_passes_whole_numbers() {
    let roomy =
        "│rate-limiter  ▲ add a read replica (1 → 2)   │\n│orders ▲ 2 / 4G +$30.37 │\n│budget 67 % · ×25 · 6 h│";
    assert_eq!(cut_numbers("│rate-limiter  ▲ add a read replica (1 → 2│", roomy).len(), 1);
    assert_eq!(cut_numbers("│orders ▲ 2 / 4│", roomy).len(), 1);
    assert!(cut_numbers("│orders ▲ 2 / 4G +$30.37│", roomy).is_empty());
    assert!(cut_numbers("│budget 67 % · ×25 · 6│", roomy).is_empty(), "a wrap between a number and its unit");
    assert!(cut_numbers("│rate-limiter  ▲ add a read replica…│", roomy).is_empty());
}
