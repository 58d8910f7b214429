//! The simulated fleet's behaviour over time: pure functions of (spec, time), so any window can
//! be computed on demand and nothing but the specs is kept in memory.

use super::fleet::{Behaviour, CacheSpec, ServiceSpec};
use super::noise::{mix, signed, unit};
use crate::domain::{LaunchType, Window};

/// The daily cycle in [0, 1], peaking mid-afternoon UTC, lower at weekends.
fn daily(t: i64, phase_hours: f32) -> f32 {
    let hours = (t.rem_euclid(86_400)) as f32 / 3_600.0 + phase_hours;
    let d = 0.5 + 0.5 * ((hours - 15.0) / 24.0 * std::f32::consts::TAU).cos();
    // 1970-01-01 was a Thursday: days 2 and 3 of each week are Saturday and Sunday.
    let weekday = (t.div_euclid(86_400) + 4).rem_euclid(7);
    if weekday == 6 || weekday == 0 { d * 0.7 } else { d }
}

/// Load relative to the mean: 1.0 on average on a weekday.
fn load(t: i64, swing: f32, phase_hours: f32, jitter: f32, key: u64) -> f32 {
    let base = (1.0 - swing) + swing * 2.0 * daily(t, phase_hours);
    (base * (1.0 + jitter * signed(key, t.div_euclid(60)))).max(0.0)
}

/// A burst of load: a traffic spike, a batch job, a cache going cold. Real hottest-task CPU is
/// spiky rather than a smooth daily curve, and a sizing rule is only as good as how it treats
/// the spikes, so the demo has them: on average `bursts_per_day`, 3–20 min long, ×1.2–1.7.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Burst {
    start: i64,
    end: i64,
    factor: f32,
}

/// The burst that starts in clock hour `hour`, if any.
fn burst_in_hour(key: u64, bursts_per_day: f32, hour: i64) -> Option<Burst> {
    if unit(key ^ 0xB1, hour) >= bursts_per_day / 24.0 {
        return None;
    }
    let start = hour * 3_600 + (unit(key ^ 0xB2, hour) * 60.0) as i64 * 60;
    let minutes = 3 + (unit(key ^ 0xB3, hour) * 18.0) as i64;
    Some(Burst { start, end: start + minutes * 60, factor: 1.2 + 0.5 * unit(key ^ 0xB4, hour) })
}

/// Bursts overlapping (from, to]: those starting in the hours it spans, or in the hour before.
fn bursts_between(key: u64, bursts_per_day: f32, from: i64, to: i64) -> impl Iterator<Item = Burst> {
    (from.div_euclid(3_600) - 1..=to.div_euclid(3_600))
        .filter_map(move |h| burst_in_hour(key, bursts_per_day, h))
        .filter(move |b| b.start <= to && b.end > from)
}

/// One point of a service's metrics, as percent of its reservation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServicePoint {
    pub cpu_avg: f32,
    pub cpu_max: f32,
    pub hot_cpu: f32,
    pub mem_avg: f32,
    pub mem_max: f32,
    pub hot_mem: f32,
    pub running: u32,
}

/// The scripted bad deploy rolls out over this long; then every task runs the new revision.
pub const REGRESSION_ROLLOUT: i64 = 6 * 60;
/// Seconds ECS takes to replace a task the OOM killer stopped.
const RESTART: i64 = 120;

impl ServiceSpec {
    /// The bad revision's memory: each task starts at 1.3× what the old one used (at least 80% of
    /// the reservation) and leaks a
    /// quarter of the reservation every ten minutes until the hard limit kills it. Returns
    /// (first MiB, MiB per second, seconds per task life including its replacement). A bigger
    /// reservation lives longer, as it would.
    fn leak(&self) -> (f32, f32, i64) {
        let mem = self.task_memory as f32;
        let start = (self.memory_mib * 1.3).clamp(mem * 0.8, mem * 0.9);
        let rate = mem * 0.25 / 600.0;
        (start, rate, RESTART + ((mem - start) / rate).max(60.0) as i64)
    }

    /// Tasks' lives are staggered so the kills come one at a time.
    fn task_offset(&self, i: u32, period: i64) -> i64 {
        RESTART + i as i64 * (period - RESTART) / self.desired.max(1) as i64
    }

    /// Each task's memory (MiB) at `t` once the bad revision runs everywhere; None for a task
    /// being replaced. None before the regression (or without one).
    fn regressed(&self, t: i64) -> Option<Vec<Option<f32>>> {
        let live = self.regression? + REGRESSION_ROLLOUT;
        if t < live || self.desired == 0 {
            return None;
        }
        let (start, rate, period) = self.leak();
        Some(
            (0..self.desired)
                .map(|i| {
                    let age = (t - live + self.task_offset(i, period)).rem_euclid(period);
                    (age >= RESTART).then(|| start + (age - RESTART) as f32 * rate)
                })
                .collect(),
        )
    }

    /// The bad revision's OOM kills in (from, to]: (time, task number), oldest first.
    pub fn regression_kills(&self, from: i64, to: i64) -> Vec<(i64, u32)> {
        let Some(at) = self.regression else {
            return Vec::new();
        };
        let live = at + REGRESSION_ROLLOUT;
        let (_, _, period) = self.leak();
        let mut out = Vec::new();
        for i in 0..self.desired {
            let base = live - self.task_offset(i, period);
            let mut n = ((from - base).div_euclid(period) + 1).max(1);
            while base + n * period <= to {
                out.push((base + n * period, i));
                n += 1;
            }
        }
        out.sort_unstable();
        out
    }

    /// How long a leaky task lives before its memory hits the hard limit.
    pub fn leak_period(&self) -> i64 {
        4 * 3_600 + (mix(self.key) % (3 * 3_600)) as i64
    }

    pub fn running_at(&self, t: i64) -> u32 {
        if let Some(tasks) = self.regressed(t) {
            return tasks.iter().filter(|m| m.is_some()).count() as u32;
        }
        match (&self.autoscaling, self.behaviour) {
            (_, Behaviour::Idle) => 0,
            (Some(a), _) => {
                let total =
                    self.cpu_vcpu * self.desired as f32 * load(t, self.daily_swing, self.phase_hours, 0.0, self.key);
                let per_task_target = a.target / 100.0 * self.size_at(t).0 as f32 / 1024.0;
                ((total / per_task_target).ceil() as u32).clamp(a.min, a.max)
            }
            _ => self.desired,
        }
    }

    /// The metrics at one instant, as CloudWatch would report them.
    pub fn point(&self, t: i64) -> ServicePoint {
        self.sample(t, true)
    }

    /// `capped`: Fargate holds a task at its reservation, so what CloudWatch reports is capped;
    /// uncapped is what the task wanted (the demand a new size has to hold).
    fn sample(&self, t: i64, capped: bool) -> ServicePoint {
        let running = self.running_at(t);
        if running == 0 {
            return ServicePoint {
                cpu_avg: f32::NAN,
                cpu_max: f32::NAN,
                hot_cpu: f32::NAN,
                mem_avg: f32::NAN,
                mem_max: f32::NAN,
                hot_mem: f32::NAN,
                running,
            };
        }
        let (task_cpu, task_memory) = self.size_at(t);
        let (vcpu, task_memory) = (task_cpu as f32 / 1024.0, task_memory as f32);
        let minute = t.div_euclid(60);
        let burst = bursts_between(self.key, self.bursts_per_day, t - 1, t).map(|b| b.factor).fold(1.0, f32::max);
        let l = load(t, self.daily_swing, self.phase_hours, self.jitter, self.key) * burst;
        let per_task = match self.behaviour {
            Behaviour::Autoscaled => self.cpu_vcpu * self.desired as f32 * l / running as f32,
            _ => self.cpu_vcpu * l,
        };
        // Fargate caps a task at its reservation; on EC2 a task may borrow idle CPU.
        let cap = match (capped, self.launch_type) {
            (false, _) => f32::INFINITY,
            (true, LaunchType::Fargate) => 100.0,
            (true, _) => 140.0,
        };
        let cpu_avg = (per_task / vcpu * 100.0).min(cap);
        let hot_cpu = (cpu_avg * self.hot_skew * (1.0 + 0.5 * self.jitter * signed(self.key ^ 1, minute))).min(cap);
        let cpu_max = (hot_cpu * (1.0 + 0.12 * unit(self.key ^ 2, minute))).min(cap);

        let regressed = self.regressed(t);
        let mem_avg = match self.behaviour {
            _ if regressed.is_some() => {
                let used: Vec<f32> = regressed.iter().flatten().flatten().copied().collect();
                used.iter().sum::<f32>() / used.len().max(1) as f32 / task_memory * 100.0
            }
            Behaviour::Leaky => {
                let age = (t + (self.key % 10_000) as i64).rem_euclid(self.leak_period());
                (0.45 + 0.55 * age as f32 / self.leak_period() as f32) * 100.0
            }
            _ => {
                let swing = 1.0
                    + 0.08 * (daily(t, self.phase_hours) - 0.5)
                    + 0.02 * signed(self.key ^ 3, minute)
                    + 0.05 * (burst - 1.0);
                self.memory_mib * swing / task_memory * 100.0
            }
        };
        let hot_mem = match &regressed {
            Some(tasks) => tasks.iter().flatten().fold(0.0f32, |m, v| m.max(*v)) / task_memory * 100.0,
            None => mem_avg * (1.0 + (self.hot_skew - 1.0) * 0.3),
        }
        .min(100.0);
        ServicePoint { cpu_avg, cpu_max, hot_cpu, mem_avg, mem_max: (hot_mem * 1.02).min(100.0), hot_mem, running }
    }

    /// A period's point: the Average at the period's end and the Maximum over a few instants in it.
    pub fn period(&self, end: i64, step: i64) -> ServicePoint {
        self.period_of(end, step, true)
    }

    /// Like `period`, but what the tasks wanted rather than what they got (see `sample`).
    pub fn demand_period(&self, end: i64, step: i64) -> ServicePoint {
        self.period_of(end, step, false)
    }

    fn period_of(&self, end: i64, step: i64, capped: bool) -> ServicePoint {
        let mut p = self.sample(end, capped);
        if step > 60 && p.running > 0 {
            // CloudWatch's Maximum sees every minute: sample each burst in the period too.
            let bursts =
                bursts_between(self.key, self.bursts_per_day, end - step, end).map(|b| b.start.max(end - step + 60));
            for t in [end - step / 3, end - 2 * step / 3].into_iter().chain(bursts) {
                let q = self.sample(t, capped);
                p.cpu_max = p.cpu_max.max(q.cpu_max);
                p.mem_max = p.mem_max.max(q.mem_max);
                p.hot_cpu = p.hot_cpu.max(q.hot_cpu);
            }
        }
        p
    }

    /// Tasks killed by the OOM killer in (from, to].
    pub fn oom_kills(&self, from: i64, to: i64) -> u32 {
        let regression = self.regression_kills(from, to).len() as u32;
        if self.behaviour != Behaviour::Leaky {
            return regression;
        }
        let shift = (self.key % 10_000) as i64;
        let p = self.leak_period();
        let kills = (to + shift).div_euclid(p) - (from + shift).div_euclid(p);
        kills.max(0) as u32 * self.desired.max(1) + regression
    }

    /// The leaky behaviour's OOM kills in (from, to]: the times every task hit its limit.
    pub fn leak_kills(&self, from: i64, to: i64) -> Vec<i64> {
        if self.behaviour != Behaviour::Leaky {
            return Vec::new();
        }
        let shift = (self.key % 10_000) as i64;
        let p = self.leak_period();
        let first = (from + shift).div_euclid(p) + 1;
        let last = (to + shift).div_euclid(p);
        (first..=last).map(|n| n * p - shift).collect()
    }
}

/// Period end times for a window ending at `now`, oldest first.
pub fn period_ends(now: i64, window: Window) -> impl Iterator<Item = i64> {
    let step = window.step();
    let last = now - now.rem_euclid(60);
    (0..window.points() as i64).rev().map(move |i| last - i * step)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CachePoint {
    pub memory: f32,
    pub engine_cpu: f32,
    /// Evictions in the period, all nodes.
    pub evictions: f32,
    pub connections: f32,
    pub network_in: f32,
    pub network_out: f32,
}

impl CacheSpec {
    pub fn nodes(&self) -> u32 {
        self.shards * (1 + self.replicas_per_shard)
    }

    pub fn period(&self, t: i64, step: i64) -> CachePoint {
        let l = load(t, self.daily_swing, 0.0, 0.05, self.key);
        let minute = t.div_euclid(60);
        let memory = (self.memory_pct * (1.0 + 0.1 * (l - 1.0)) + 0.5 * signed(self.key ^ 5, minute)).clamp(0.0, 99.7);
        let evictions = if self.evictions_per_min > 0.0 {
            self.evictions_per_min * l * (1.0 + 0.5 * signed(self.key ^ 6, minute)).max(0.0) * (step / 60) as f32
        } else {
            0.0
        };
        let network_in = self.network_bps * l * self.nodes() as f32;
        // The scripted eviction storm: memory full, thousands of keys a minute pushed out.
        let storm = self.storm.is_some_and(|(a, b)| t >= a && t < b);
        let (memory, evictions, cpu_factor) = if storm {
            let per_min = 1_800.0 * (1.0 + 0.3 * signed(self.key ^ 7, minute));
            ((99.6 + 0.1 * signed(self.key ^ 5, minute)).min(99.7), evictions + per_min * (step / 60) as f32, 1.6)
        } else {
            (memory, evictions, 1.0)
        };
        CachePoint {
            memory,
            engine_cpu: (self.engine_cpu_pct * l * cpu_factor).clamp(0.0, 100.0),
            evictions,
            connections: (self.connections * l).round(),
            network_in,
            network_out: network_in * 1.6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fleet::Fleet;
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn spec(name: &str) -> ServiceSpec {
        Fleet::build(7, None).services.into_iter().find(|s| s.name == name).unwrap()
    }

    fn mean_of(s: &ServiceSpec, f: impl Fn(ServicePoint) -> f32) -> f32 {
        let ends: Vec<i64> = period_ends(NOW, Window::Fortnight).collect();
        ends.iter().map(|t| f(s.period(*t, 3_600))).sum::<f32>() / ends.len() as f32
    }

    #[test]
    fn over_provisioned_use_little_and_under_provisioned_peak_high() {
        let cart = spec("cart");
        assert!(mean_of(&cart, |p| p.cpu_avg) < 30.0);
        let checkout = spec("checkout");
        let peak = period_ends(NOW, Window::Fortnight).map(|t| checkout.period(t, 3_600).cpu_max).fold(0.0, f32::max);
        assert!(peak >= 95.0, "peak {peak}");
    }

    #[test]
    fn hot_task_hides_behind_a_calm_average() {
        let search = spec("search");
        assert!(mean_of(&search, |p| p.cpu_avg) < 35.0);
        assert!(mean_of(&search, |p| p.hot_cpu) > 60.0);
    }

    #[test]
    fn leaky_service_is_oom_killed_and_autoscaled_one_scales() {
        let payments = spec("payments");
        assert!(payments.oom_kills(NOW - 86_400, NOW) >= 3);
        let web = spec("web-frontend");
        let counts: std::collections::HashSet<u32> = period_ends(NOW, Window::Day).map(|t| web.running_at(t)).collect();
        assert!(counts.len() > 2, "task count should move with load: {counts:?}");
        assert!(mean_of(&web, |p| p.cpu_avg) > 45.0 && mean_of(&web, |p| p.cpu_avg) < 65.0);
    }

    #[test]
    fn bursts_show_in_the_hourly_maximum_and_not_in_the_smooth_curve() {
        let cart = spec("cart");
        let hours: Vec<i64> = period_ends(NOW, Window::Fortnight).collect();
        let with_burst = hours
            .iter()
            .filter(|t| bursts_between(cart.key, cart.bursts_per_day, **t - 3_600, **t).next().is_some())
            .count();
        let per_day = with_burst as f32 / 14.0;
        assert!((0.5..=6.0).contains(&per_day), "{per_day} burst hours a day");
        // Inside a burst the hottest task works harder than just before it.
        let b = hours.iter().find_map(|t| bursts_between(cart.key, cart.bursts_per_day, t - 3_600, *t).next()).unwrap();
        let (before, during) = (cart.point(b.start - 120), cart.point(b.start + 60));
        assert!(during.hot_cpu > before.hot_cpu * 1.15, "{} vs {}", during.hot_cpu, before.hot_cpu);
        // The hourly Maximum catches it even when no regular sample falls inside.
        let end = b.start - b.start.rem_euclid(3_600) + 3_600;
        assert!(cart.period(end, 3_600).hot_cpu >= during.hot_cpu - 1e-3);
    }

    #[test]
    fn idle_service_has_no_data() {
        assert!(spec("legacy-reports").point(NOW).cpu_avg.is_nan());
    }

    #[test]
    fn periods_end_on_minute_boundaries() {
        let ends: Vec<i64> = period_ends(NOW + 17, Window::Hour).collect();
        assert_eq!(ends.len(), 60);
        assert!(ends.windows(2).all(|w| w[1] - w[0] == 60));
        assert_eq!(ends[59] % 60, 0);
    }
}
