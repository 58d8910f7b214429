//! The right-sizing evaluation recorded in BENCHMARKS.md:
//! `cargo run --release --example evaluate`
//!
//! For each demo fleet, every Fargate service is sized by each method from the 14 days that end
//! one week before "now", then scored on that following week (5-minute maxima of the busiest
//! task): monthly savings, and minutes over the proposed CPU or memory.

use infradeck::common::format::money;
use infradeck::domain::Window;
use infradeck::provider::demo::fleet::Fleet;
use infradeck::provider::demo::{demand_between, ecs_service, usage_history};
use infradeck::sizing::evaluate::{Case, Method, clairvoyant_bounds, current_monthly, score};
use infradeck::sizing::recommend::Policy;

const NOW: i64 = 1_795_012_200; // 2026-11-18 14:30 UTC
const WEEK: i64 = 7 * 86_400;

fn main() {
    let policy = Policy::default();
    for (label, seed, scale) in [
        ("default demo fleet (seed 42, 45 services)", 42, None),
        ("generated fleet (seed 7, 1,000 services)", 7, Some(1_000)),
    ] {
        let fleet = Fleet::build(seed, scale);
        let sized_at = NOW - WEEK;
        let cases: Vec<Case> = fleet
            .services
            .iter()
            .map(|spec| Case {
                service: ecs_service(spec, sized_at, Window::Fortnight),
                sizing: usage_history(spec, sized_at),
                following: demand_between(spec, sized_at, NOW, 300),
            })
            .collect();
        println!("\n{label}: sized on the 14 d before {sized_at}, scored on the following 7 d");
        println!(
            "| method | services sized | monthly change | CPU min over | memory min over | services over | min over, saturated services |"
        );
        println!("|---|---|---|---|---|---|---|");
        let scores: Vec<_> = Method::ALL.iter().map(|m| score(*m, &cases, &policy)).collect();
        for s in &scores {
            let m = s.method;
            println!(
                "| {} | {} | {}/month | {} | {} | {} | {} |",
                m.label(),
                s.sized,
                money(s.monthly_change),
                s.cpu_minutes_over,
                s.memory_minutes_over,
                s.services_over,
                s.minutes_over_saturated
            );
        }
        // The goal's two yardsticks, and what even a clairvoyant recommender could do between them.
        let safest = scores.iter().map(|s| s.cpu_minutes_over + s.memory_minutes_over).min().unwrap_or(0);
        let cheapest = scores.iter().map(|s| s.monthly_change).fold(f64::INFINITY, f64::min);
        let (lower, upper) = clairvoyant_bounds(&cases, safest);
        println!(
            "\nsafest baseline: {safest} min over; best baseline savings: {}/month; knowing the following \
             week, the cheapest within {safest} min over is between {} and {}/month",
            money(cheapest),
            money(lower),
            money(upper)
        );
        // How right-sizing is judged: no more minutes over than the safest baseline, at a cost
        // within 2 % (of the sized services' bill) of the clairvoyant frontier at the same minutes.
        let ours = &scores[0];
        let minutes = ours.cpu_minutes_over + ours.memory_minutes_over;
        let (_, reachable) = clairvoyant_bounds(&cases, minutes);
        let bill = current_monthly(&cases);
        let gap = (ours.monthly_change - reachable) / bill * 100.0;
        println!(
            "goal: infradeck {minutes} min over vs the safest baseline's {safest} ({}); {}/month vs the clairvoyant \
             frontier's {}/month at {minutes} min over: {gap:+.2} % of the sized services' {}/month bill ({})",
            if minutes <= safest { "met" } else { "not met" },
            money(ours.monthly_change),
            money(reachable),
            money(bill),
            if gap <= 2.0 { "within 2 %" } else { "more than 2 % above" }
        );
    }
}
