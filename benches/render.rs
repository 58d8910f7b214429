//! Frame build time: each pane, the four-pane dashboard and the incident view on a 200×60 TestBackend, with the
//! default demo fleet (45 services) and with 10,000 services / 1,000 Redis groups.
//! `cargo bench --bench render`; results are recorded in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use infradeck::harness::Harness;
use infradeck::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

fn bench_fleet(c: &mut Criterion, label: &str, scale: Option<usize>) {
    let mut views: Vec<(&str, Harness)> = Vec::new();
    views.push(("dashboard", Harness::with(42, scale, 200, 60)));
    for (name, key) in [("ecs", "1"), ("redis", "2"), ("cost", "3"), ("alarms", "4")] {
        let mut h = Harness::with(42, scale, 200, 60);
        h.keys(&[key, "z"]); // zoomed: the pane alone, at full size
        views.push((name, h));
    }
    // The incident view: the timeline assembled, filtered and folded on every frame.
    let mut incident = Harness::with(42, scale, 200, 60);
    incident.keys(&["i"]);
    views.push(("incident", incident));
    let mut group = c.benchmark_group(format!("render_200x60/{label}"));
    for (name, h) in &views {
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
        let theme = h.themes.get(h.state.theme);
        group.bench_function(*name, |b| {
            b.iter(|| {
                terminal.draw(|f| ui::render(f, black_box(&h.state), theme)).expect("draw");
            })
        });
    }
    group.finish();
}

fn render(c: &mut Criterion) {
    bench_fleet(c, "45_services", None);
    bench_fleet(c, "10000_services", Some(10_000));
}

criterion_group!(benches, render);
criterion_main!(benches);
