//! The demo fleets as right-sizing evaluation cases (`cargo run --release --example evaluate`):
//! each service sized on the 14 days that end a week before "now" and scored on that week's
//! demand, grouped into trace families by how the service behaves.

use super::fleet::{Behaviour, Fleet, ServiceSpec};
use super::{demand_between, ecs_service, usage_history};
use crate::domain::Window;
use crate::sizing::evaluate::Case;

/// 2026-11-18 14:30 UTC: the evaluation's "now" (fixed, so the figures are reproducible).
pub const NOW: i64 = 1_795_012_200;
pub const WEEK: i64 = 7 * 86_400;
/// Points the short-history family keeps: two days of hourly history.
const SHORT: usize = 48;
pub const SHORT_FAMILY: &str = "short history (2 d)";

/// The trace family a service belongs to.
pub fn family(spec: &ServiceSpec) -> &'static str {
    family_of(spec.behaviour)
}

fn family_of(b: Behaviour) -> &'static str {
    match b {
        Behaviour::Over => "steady, over-provisioned",
        Behaviour::Right => "near its reservation, daily cycle and bursts",
        Behaviour::Under => "pinned at its reservation (censored)",
        Behaviour::Leaky => "memory grows until an OOM restart",
        Behaviour::Autoscaled => "CPU target tracking",
        Behaviour::HotTask => "one hot task",
        Behaviour::Idle => "scaled to zero",
    }
}

/// Every service of the fleet, sized at `NOW - WEEK` and scored on the week up to `NOW`
/// (5-minute points of what the hottest task wanted).
pub fn cases(fleet: &Fleet) -> Vec<Case> {
    let sized_at = NOW - WEEK;
    fleet
        .services
        .iter()
        .map(|spec| Case {
            family: family(spec).into(),
            service: ecs_service(spec, sized_at, Window::Fortnight),
            sizing: usage_history(spec, sized_at),
            following: demand_between(spec, sized_at, NOW, 300),
            others: Vec::new(),
        })
        .collect()
}

/// Weeks of each service's demand around the scored one, for the informed bound: the
/// `OTHER_WEEKS / 2` before it and as many after.
pub const OTHER_WEEKS: i64 = 8;

/// `cases` with each service's demand in its other weeks (5-minute points) filled in.
pub fn with_other_weeks(fleet: &Fleet, mut cases: Vec<Case>) -> Vec<Case> {
    let sized_at = NOW - WEEK;
    for (case, spec) in cases.iter_mut().zip(&fleet.services) {
        case.others = (1..=OTHER_WEEKS / 2)
            .flat_map(|k| [sized_at - k * WEEK, NOW + (k - 1) * WEEK])
            .map(|from| demand_between(spec, from, from + WEEK, 300))
            .collect();
    }
    cases
}

/// The weeks after the scored one that [`with_other_weeks`] holds: a size, once applied, is lived
/// with for weeks, so `evaluate` scores the same sizes on each of them too.
pub const LATER_WEEKS: usize = (OTHER_WEEKS / 2) as usize;

/// `cases` scored on another week: 0 is the scored week itself, `k` the k-th week after it (from
/// `Case::others`, which [`with_other_weeks`] filled; the copies leave the other weeks out, so five
/// weeks of a 1,000-service fleet fit in memory). None when a case lacks that week.
pub fn week_after(cases: &[Case], k: usize) -> Option<Vec<Case>> {
    cases
        .iter()
        .map(|c| {
            // `with_other_weeks` interleaves them: [1st before, 1st after, 2nd before, 2nd after, …].
            let following = if k == 0 { Some(&c.following) } else { c.others.get(2 * k - 1) };
            following.map(|week| Case {
                family: c.family.clone(),
                service: c.service.clone(),
                sizing: c.sizing.clone(),
                following: week.clone(),
                others: Vec::new(),
            })
        })
        .collect()
}

/// The steady and near-reservation services again, as a team that started collecting two days
/// ago would see them: sizing history cut to its last 48 hours, the same week scored.
pub fn short_history(cases: &[Case]) -> Vec<Case> {
    let kept = [family_of(Behaviour::Over), family_of(Behaviour::Right)];
    cases
        .iter()
        .filter(|c| kept.contains(&c.family.as_str()))
        .map(|c| {
            let mut case = c.clone();
            case.family = SHORT_FAMILY.into();
            for series in [&mut case.sizing.cpu_vcpu, &mut case.sizing.memory_mib] {
                series.drain(..series.len().saturating_sub(SHORT));
            }
            case
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sizing::evaluate::{Goal, Method, score};
    use crate::sizing::recommend::{Policy, Profile};

    /// The evaluation on the default demo fleet (the small family CI runs; the full figures are in
    /// BENCHMARKS.md). Not timed: it checks what the profiles promise.
    #[test]
    fn each_profile_keeps_its_promise_on_the_default_demo_fleet() {
        let cases = cases(&Fleet::build(42, None));
        let safe = Goal::judge(Method::Infradeck, &cases, &Policy::default());
        assert!(
            safe.minutes <= safe.safest,
            "safe: {} min over vs the safest baseline's {}",
            safe.minutes,
            safe.safest
        );
        // Measured +3.57 % (BENCHMARKS.md): the rest of the gap is the frontier knowing which
        // near-reservation services burst next week. A regression past 4 % fails here.
        assert!(safe.gap_percent() <= 4.0, "safe: {:+.2} % of the bill above the frontier", safe.gap_percent());
        let balanced = Goal::judge(Method::Infradeck, &cases, &Policy::of(Profile::Balanced));
        let vpa = score(Method::Vpa, &cases, &Policy::default());
        assert!(balanced.minutes <= vpa.cpu_minutes_over + vpa.memory_minutes_over, "{balanced:?}");
        // Measured +0.18 % at 415 of VPA's 595 minutes (stop 42's priced CPU steps).
        assert!(balanced.gap_percent() <= 1.0, "balanced: {:+.2} %", balanced.gap_percent());
        assert!(balanced.monthly_change < safe.monthly_change, "balanced trades minutes for dollars");
    }

    #[test]
    fn other_weeks_are_the_weeks_around_the_scored_one() {
        let fleet = Fleet::build(42, None);
        let all = with_other_weeks(&fleet, cases(&fleet));
        let c = all.iter().find(|c| c.service.running > 0).expect("a running service");
        assert_eq!(c.others.len(), OTHER_WEEKS as usize);
        assert!(
            c.others.iter().all(|w| w.cpu_vcpu.len() == c.following.cpu_vcpu.len()),
            "a week of 5-minute points each"
        );
        assert!(c.others.iter().all(|w| w.cpu_vcpu != c.following.cpu_vcpu), "none is the scored week");
    }

    #[test]
    fn a_later_week_is_that_week_after_the_scored_one() {
        let fleet = Fleet::build(42, None);
        let all = with_other_weeks(&fleet, cases(&fleet));
        // NaN (no task running) never equals itself: compare a service that always ran.
        let finite = |h: &crate::domain::UsageHistory| h.cpu_vcpu.iter().chain(&h.memory_mib).all(|v| v.is_finite());
        let (i, spec) = (fleet.services.iter().enumerate())
            .find(|(i, _)| finite(&all[*i].following) && all[*i].others.iter().all(finite))
            .expect("a service that always ran");
        assert_eq!(week_after(&all, 0).expect("the scored week")[i].following, all[i].following);
        for k in 1..=LATER_WEEKS {
            let week = week_after(&all, k).expect("filled by with_other_weeks");
            let from = NOW + (k as i64 - 1) * WEEK;
            assert_eq!(week[i].following, demand_between(spec, from, from + WEEK, 300), "week {k}");
            assert_eq!(week[i].sizing, all[i].sizing, "sized on the same history");
            assert!(week[i].others.is_empty());
        }
        assert!(week_after(&all, LATER_WEEKS + 1).is_none(), "no fifth week after");
        assert!(week_after(&cases(&fleet), 1).is_none(), "other weeks not filled in");
    }

    #[test]
    fn the_short_history_family_keeps_two_days() {
        let all = cases(&Fleet::build(42, None));
        let short = short_history(&all);
        assert!(!short.is_empty() && short.iter().all(|c| c.family == SHORT_FAMILY));
        assert!(short.iter().all(|c| (c.sizing.hours_of_data() - 48.0).abs() < 0.5 || c.service.running == 0));
    }
}
