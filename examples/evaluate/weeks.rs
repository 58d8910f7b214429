//! The goal over five weeks: the sizes chosen once, scored on the scored week and each of the
//! weeks after it. A size is lived with for weeks, and one week's figure is partly that week's
//! luck; where a profile misses a family, the search below asks whether any policy of its kind
//! would have met it in every week while keeping the profile's promise on the whole fleet.

use infradeck::sizing::evaluate::{Case, Goal, Method, current_monthly, frontier, score};
use infradeck::sizing::recommend::{Policy, Profile};

/// A profile's goal on `cases`: the judged goal, its minutes cap (the safest baseline's minutes
/// for `safe`, VPA's for `balanced`) and its tolerance (% of the bill above the frontier).
pub fn promise(cases: &[Case], policy: &Policy) -> (Goal, u64, f64) {
    let goal = Goal::judge(Method::Infradeck, cases, policy);
    match policy.profile {
        Profile::Safe => {
            let cap = goal.safest;
            (goal, cap, 2.0)
        }
        Profile::Balanced => {
            let vpa = score(Method::Vpa, cases, &Policy::default());
            (goal, vpa.cpu_minutes_over + vpa.memory_minutes_over, 1.0)
        }
    }
}

/// One week of a family as the search weighs it: the cases, the fewest minutes any baseline
/// spends on them (policy-independent: worked out once) and their current bill.
struct Week<'a> {
    cases: &'a [Case],
    safest: u64,
    bill: f64,
}

impl<'a> Week<'a> {
    fn of(cases: &'a [Case]) -> Week<'a> {
        // The baselines read only the policy's prices, which every searched policy shares.
        let safest = Method::BASELINES
            .iter()
            .map(|m| {
                let s = score(*m, cases, &Policy::default());
                s.cpu_minutes_over + s.memory_minutes_over
            })
            .min()
            .unwrap_or(0);
        Week { cases, safest, bill: current_monthly(cases) }
    }

    /// Whether `policy` keeps within the minutes cap here, and whether `safe`'s whole goal holds
    /// (the frontier, the costly part, is worked out only where the minutes fit the cap): the
    /// [`Goal`] `Goal::judge` would give, without its baselines, which `of` scored once.
    fn weigh(&self, policy: &Policy) -> (bool, bool) {
        let s = score(Method::Infradeck, self.cases, policy);
        let minutes = s.cpu_minutes_over + s.memory_minutes_over;
        if minutes > self.safest {
            return (false, false);
        }
        let goal = Goal {
            method: Method::Infradeck,
            minutes,
            safest: self.safest,
            safest_method: Method::ComputeOptimizer,
            monthly_change: s.monthly_change,
            frontier: frontier(self.cases, minutes),
            bill: self.bill,
        };
        (true, goal.met(self.safest, 2.0))
    }
}

/// One row: each week's minutes over / cap and gap (✓ where the goal holds), and how many held.
pub fn row(label: &str, weeks: &[Vec<Case>], policy: &Policy) -> usize {
    let mut cells = Vec::new();
    let mut met = 0;
    for w in weeks {
        let (goal, cap, tolerance) = promise(w, policy);
        let ok = goal.met(cap, tolerance);
        met += usize::from(ok);
        cells.push(format!("{}/{cap} {:+.2} %{}", goal.minutes, goal.gap_percent(), if ok { " ✓" } else { "" }));
    }
    println!("| {label} · {} | {} | {met} of {} |", policy.profile.label(), cells.join(" | "), weeks.len());
    met
}

/// The policies of `safe`'s kind the search weighs: percentile × headroom × busiest-hour floor
/// (memory takes the same headroom, as in the product) × no price on minutes or `balanced`'s
/// trade at a price (what brought `balanced` to its goal on the whole fleet).
fn safe_kind() -> Vec<Policy> {
    let mut out = Vec::new();
    for cpu_percentile in [90.0, 95.0, 99.0] {
        for headroom in [0.0, 0.05, 0.1, 0.2, 0.3, 0.4] {
            for peak_floor in [false, true] {
                for minute_price in [None, Some(0.2), Some(1.0), Some(5.0)] {
                    out.push(Policy { cpu_percentile, headroom, peak_floor, minute_price, ..Policy::default() });
                }
            }
        }
    }
    out
}

fn describe(p: &Policy) -> String {
    format!(
        "p{} + {:.0} %{}{}",
        p.cpu_percentile,
        p.headroom * 100.0,
        if p.peak_floor { ", ≥ busiest hour" } else { "" },
        p.minute_price.map(|m| format!(", ${m} per minute")).unwrap_or_default()
    )
}

/// For each family `safe` misses in some week: the most weeks any policy of its kind meets it,
/// among those that keep `safe`'s minutes promise on the whole fleet (`fleet_weeks`) in every
/// week. Fewer than all weeks means no such policy meets that family reliably: a week it meets
/// it in is that week's luck. The policies are weighed on every core.
pub fn search(fleet_weeks: &[Vec<Case>], missed: &[(String, Vec<Vec<Case>>)]) {
    if missed.is_empty() {
        return;
    }
    let policies = safe_kind();
    let fleet: Vec<Week> = fleet_weeks.iter().map(|w| Week::of(w)).collect();
    let families: Vec<Vec<Week>> =
        missed.iter().map(|(_, weeks)| weeks.iter().map(|w| Week::of(w)).collect()).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // (policy, keeps the fleet's minutes in every week, weeks met per missed family)
    let weighed: Vec<(Policy, bool, Vec<usize>)> = std::thread::scope(|s| {
        let (fleet, families) = (&fleet, &families);
        let chunks: Vec<_> = policies
            .chunks(policies.len().div_ceil(threads))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| {
                            let fleet_ok = fleet.iter().all(|w| w.weigh(p).0);
                            let met = families
                                .iter()
                                .map(|weeks| if fleet_ok { weeks.iter().filter(|w| w.weigh(p).1).count() } else { 0 })
                                .collect();
                            (*p, fleet_ok, met)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|h| h.join().expect("a search thread")).collect()
    });
    let keeping: Vec<&(Policy, bool, Vec<usize>)> = weighed.iter().filter(|w| w.1).collect();
    println!(
        "\nsafe, where it misses a family: the best of {} policies of its kind (percentile 90/95/99 × headroom 0–40 % × busiest-hour floor × CPU steps priced at none/$0.20/$1/$5 a minute), \
         among the {} that keep safe's minutes promise on the whole fleet in all {} weeks",
        weighed.len(),
        keeping.len(),
        fleet_weeks.len()
    );
    println!("| family | most weeks met | by | safe's own |");
    println!("|---|---|---|---|");
    let safe = Policy::default();
    for (i, (label, weeks)) in missed.iter().enumerate() {
        let own = families[i].iter().filter(|w| w.weigh(&safe).1).count();
        let best = keeping.iter().map(|w| w.2[i]).max().unwrap_or(0);
        let by: Vec<String> = keeping.iter().filter(|w| w.2[i] == best).map(|w| describe(&w.0)).take(3).collect();
        let verdict = if best < weeks.len() { " (none meets it every week)" } else { "" };
        println!(
            "| {label} | {best} of {}{verdict} | {} | {own} |",
            weeks.len(),
            if best == 0 { "—".into() } else { by.join("; ") }
        );
    }
}
