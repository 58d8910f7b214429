//! The right-sizing evaluation recorded in BENCHMARKS.md:
//! `cargo run --release --example evaluate` (`-- --small`: the default demo fleet alone;
//! `--no-hindsight`: skip the searches for the best policy chosen knowing the scored week and
//! for one meeting a missed family in every one of five weeks).
//!
//! For each demo fleet, every Fargate service is sized by each method from the 14 days that end
//! one week before "now", then scored on that following week (5-minute maxima of the busiest
//! task): monthly savings, and minutes over the proposed CPU or memory. The goal is then judged
//! on the whole fleet and on each trace family in it, then again with the same sizes on each of
//! the four weeks after the scored one (`weeks.rs`).

mod weeks;

use infradeck::common::format::money;
use infradeck::provider::demo::evaluation::{
    LATER_WEEKS, NOW, OTHER_WEEKS, WEEK, cases, short_history, week_after, with_other_weeks,
};
use infradeck::provider::demo::fleet::Fleet;
use infradeck::sizing::evaluate::{Case, Goal, Method, informed_bound, score};
use infradeck::sizing::recommend::{Policy, Profile};

fn goal_row(label: &str, goal: &Goal, minutes_cap: u64, tolerance: f64) -> String {
    let gap = goal.gap_percent();
    format!(
        "| {label} | {} | {minutes_cap} | {} | {} | {gap:+.2} % | {} |",
        goal.minutes,
        money(goal.monthly_change),
        money(goal.frontier),
        match (goal.minutes <= minutes_cap, gap <= tolerance) {
            (true, true) => "met",
            (false, true) => "not met: minutes",
            (true, false) => "not met: cost",
            (false, false) => "not met: both",
        }
    )
}

/// The policy of `profile`'s kind that, knowing the scored week, comes closest to the frontier
/// within `minutes_cap`: how far any percentile/headroom(/floor) choice could get on these cases.
fn hindsight(cases: &[Case], minutes_cap: u64, profile: Profile) -> Option<(Policy, Goal)> {
    let mut best: Option<(Policy, Goal)> = None;
    let floors: &[bool] = if profile == Profile::Safe { &[false, true] } else { &[false] };
    for cpu_percentile in [90.0, 95.0, 99.0] {
        for headroom in [0.0, 0.05, 0.1, 0.2, 0.3, 0.4] {
            for &peak_floor in floors {
                let policy = Policy { cpu_percentile, headroom, peak_floor, ..Policy::of(profile) };
                let goal = Goal::judge(Method::Infradeck, cases, &policy);
                if goal.minutes <= minutes_cap
                    && best.as_ref().is_none_or(|(_, b)| goal.gap_percent() < b.gap_percent())
                {
                    best = Some((policy, goal));
                }
            }
        }
    }
    best
}

fn hindsight_row(label: &str, cases: &[Case], cap: u64, profile: Profile) {
    match hindsight(cases, cap, profile) {
        Some((p, h)) => println!(
            "| {label}, best policy with hindsight (p{} + {:.0}%{}) | {} | {cap} | {} | {} | {:+.2} % | bound |",
            p.cpu_percentile,
            p.headroom * 100.0,
            if p.peak_floor { ", ≥ busiest hour" } else { "" },
            h.minutes,
            money(h.monthly_change),
            money(h.frontier),
            h.gap_percent()
        ),
        None => println!("| {label}, best policy with hindsight | none within {cap} min | | | | | bound |"),
    }
}

/// The best a method knowing each service's demand in other weeks (its process, not the scored
/// week) could do within `cap`: the part of the gap no history closes.
fn informed_row(label: &str, cases: &[Case], cap: u64) {
    match informed_bound(cases, cap) {
        Some(b) => println!(
            "| {label}, best knowing {OTHER_WEEKS} other weeks of demand | {} | {cap} | {} | {} | {:+.2} % | bound |",
            b.minutes,
            money(b.monthly_change),
            money(b.frontier),
            b.gap_percent
        ),
        None => println!(
            "| {label}, best knowing {OTHER_WEEKS} other weeks of demand | none within {cap} min | | | | | bound |"
        ),
    }
}

/// The goal of each profile on these cases, and the best any policy could do with hindsight.
fn judge(label: &str, cases: &[Case], with_hindsight: bool) {
    let (safe, balanced) = (Policy::default(), Policy::of(Profile::Balanced));
    let g = Goal::judge(Method::Infradeck, cases, &safe);
    let vpa = score(Method::Vpa, cases, &safe);
    let vpa_minutes = vpa.cpu_minutes_over + vpa.memory_minutes_over;
    let b = Goal::judge(Method::Infradeck, cases, &balanced);
    println!("{}", goal_row(&format!("{label} · safe"), &g, g.safest, 2.0));
    if g.gap_percent() > 2.0 || g.minutes > g.safest {
        if with_hindsight {
            hindsight_row(&format!("{label} · safe"), cases, g.safest, Profile::Safe);
        }
        informed_row(&format!("{label} · safe"), cases, g.safest);
    }
    println!("{}", goal_row(&format!("{label} · balanced"), &b, vpa_minutes, 1.0));
    if b.gap_percent() > 1.0 || b.minutes > vpa_minutes {
        if with_hindsight {
            hindsight_row(&format!("{label} · balanced"), cases, vpa_minutes, Profile::Balanced);
        }
        informed_row(&format!("{label} · balanced"), cases, vpa_minutes);
    }
}

fn main() {
    let small = std::env::args().any(|a| a == "--small");
    let hindsight_wanted = !std::env::args().any(|a| a == "--no-hindsight");
    let policy = Policy::default();
    let fleets: &[(&str, u64, Option<usize>)] = if small {
        &[("default demo fleet (seed 42, 45 services)", 42, None)]
    } else {
        &[
            ("default demo fleet (seed 42, 45 services)", 42, None),
            ("generated fleet (seed 7, 1,000 services)", 7, Some(1_000)),
        ]
    };
    for &(label, seed, scale) in fleets {
        let fleet = Fleet::build(seed, scale);
        let sized_at = NOW - WEEK;
        let cases = with_other_weeks(&fleet, cases(&fleet));
        println!("\n{label}: sized on the 14 d before {sized_at}, scored on the following 7 d");
        println!(
            "| method | services sized | monthly change | CPU min over | memory min over | services over | min over, saturated services |"
        );
        println!("|---|---|---|---|---|---|---|");
        for m in Method::ALL {
            let s = score(m, &cases, &policy);
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
        // How right-sizing is judged: no more minutes over than the safest baseline, at a cost
        // within 2 % (of the sized services' bill) of the clairvoyant frontier at the same minutes;
        // `balanced`: no more minutes than VPA's rule, within 1 % at its own minutes.
        println!(
            "\ngoal per trace family: safe (cap: the safest baseline's minutes, 2 %) and balanced (cap: VPA's minutes, 1 %)"
        );
        println!(
            "| family · profile | min over | cap | monthly change | frontier at those minutes | gap (% of bill) | goal |"
        );
        println!("|---|---|---|---|---|---|---|");
        for f in family_names(cases.as_slice()) {
            let these: Vec<Case> = cases.iter().filter(|c| c.family == f).cloned().collect();
            if these.iter().all(|c| c.service.running == 0) {
                continue;
            }
            judge(&format!("{f} ({})", these.len()), &these, hindsight_wanted);
        }
        let short = short_history(&cases);
        judge(&format!("short history (2 d) ({})", short.len()), &short, hindsight_wanted);
        judge("**whole fleet**", &cases, hindsight_wanted);
        five_weeks(&cases, hindsight_wanted);
    }
}

/// The trace families of `cases`, sorted, each once.
fn family_names(cases: &[Case]) -> Vec<&str> {
    let mut families: Vec<&str> = cases.iter().map(|c| c.family.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    families
}

/// The same sizes scored on the scored week and each of the weeks after it, per family and
/// profile; then, where `safe` misses, the search for a policy of its kind that would not.
fn five_weeks(cases: &[Case], with_search: bool) {
    let weeks: Vec<Vec<Case>> =
        (0..=LATER_WEEKS).map(|k| week_after(cases, k).expect("with_other_weeks filled every week")).collect();
    println!(
        "\nthe same sizes over {} weeks: the scored one, then the {LATER_WEEKS} after it (min over / cap, gap; ✓ where the goal holds)",
        weeks.len()
    );
    let heads: Vec<String> =
        (0..weeks.len()).map(|k| if k == 0 { "scored week".into() } else { format!("+{k}") }).collect();
    println!("| family · profile | {} | weeks met |", heads.join(" | "));
    println!("|---|{}---|", "---|".repeat(weeks.len()));
    let families = family_names(cases);
    let mut groups: Vec<(String, Vec<Vec<Case>>)> = families
        .iter()
        .filter(|f| cases.iter().any(|c| c.family == **f && c.service.running > 0))
        .map(|f| {
            (f.to_string(), weeks.iter().map(|w| w.iter().filter(|c| c.family == *f).cloned().collect()).collect())
        })
        .collect();
    groups.push(("short history (2 d)".into(), weeks.iter().map(|w| short_history(w)).collect()));
    groups.push(("**whole fleet**".into(), weeks.clone()));
    let mut missed = Vec::new();
    for (label, group) in groups {
        let safe_met = weeks::row(&label, &group, &Policy::default());
        weeks::row(&label, &group, &Policy::of(Profile::Balanced));
        if safe_met < group.len() {
            missed.push((label, group));
        }
    }
    if with_search {
        weeks::search(&weeks, &missed);
    }
}
