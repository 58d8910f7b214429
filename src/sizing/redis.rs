//! ElastiCache right-sizing: the cheapest node type whose usable memory (after
//! reserved-memory-percent) holds the peak with headroom and whose baseline network holds the
//! traffic; engine CPU judged as the single thread it is; the Redis OSS → Valkey switch as its
//! own suggestion. Pure functions: no I/O, no clock.

use super::catalog::{HOURS_PER_MONTH, NodeCatalogue, NodeType, family};
use super::recommend::{Finding, Risk};
use crate::domain::{CacheEngine, CacheGroup};
use serde::Serialize;

/// Headroom over the peak, as for ECS.
pub const HEADROOM: f32 = 0.20;
/// Engine CPU (one thread) above this p95, with headroom, needs the load spread, not a bigger node.
pub const ENGINE_CPU_LIMIT: f32 = 80.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheRecommendation {
    /// The group as shown (with its account and region when several are shown); JSON calls it
    /// `name`, and writes `identity`'s fields beside it.
    #[serde(rename = "name")]
    pub group: String,
    /// Whose it is, typed: `account_id`, `account`, `region`, `group`, `arn` in JSON.
    #[serde(flatten)]
    pub identity: crate::domain::GroupKey,
    pub finding: Finding,
    pub current: String,
    /// A different node type, when one fits better.
    pub proposed: Option<String>,
    pub nodes: u32,
    pub monthly_current: Option<f64>,
    pub monthly_proposed: Option<f64>,
    /// Monthly saving of moving a Redis OSS group to Valkey on the (proposed or current) node.
    pub valkey_saving: Option<f64>,
    /// Shards or replicas to add, in words, when the engine thread or memory needs it.
    pub topology: Option<String>,
    pub evidence: Vec<String>,
    pub risk: Risk,
}

impl CacheRecommendation {
    pub fn monthly_change(&self) -> Option<f64> {
        Some(self.monthly_proposed? - self.monthly_current?)
    }
}

/// Memory the engine may use on this node: the rest is reserved for the OS and replication.
pub fn usable_gib(node: &NodeType, reserved_percent: f32) -> f64 {
    node.memory_gib * (1.0 - (reserved_percent.clamp(0.0, 90.0) as f64) / 100.0)
}

fn monthly(node: &NodeType, engine: CacheEngine, nodes: u32) -> f64 {
    node.hourly(engine) * nodes as f64 * HOURS_PER_MONTH
}

fn gib(v: f64) -> String {
    if v < 10.0 { format!("{v:.2} GiB") } else { format!("{v:.1} GiB") }
}

/// `recommend_in` the shipped catalogue (us-east-1 prices).
pub fn recommend(g: &CacheGroup) -> CacheRecommendation {
    recommend_in(g, &NodeCatalogue::default())
}

/// The group sized among `catalogue`'s node types, at its prices.
pub fn recommend_in(g: &CacheGroup, catalogue: &NodeCatalogue) -> CacheRecommendation {
    let nodes = g.nodes();
    let mut rec = CacheRecommendation {
        group: g.id.clone(),
        identity: g.identity.clone(),
        finding: Finding::NotEnoughData,
        current: g.node_type.clone(),
        proposed: None,
        nodes,
        monthly_current: None,
        monthly_proposed: None,
        valkey_saving: None,
        topology: None,
        evidence: Vec::new(),
        risk: Risk::Low,
    };
    let Some(current) = catalogue.get(&g.node_type) else {
        rec.evidence.push(format!("{} is not in the node catalogue (serverless or unknown): not sized", g.node_type));
        return rec;
    };
    rec.monthly_current = Some(monthly(current, g.engine, nodes));
    if let Some(n) = catalogue.effective {
        rec.evidence.push(format!(
            "priced at this account's effective ElastiCache rate: {:.0} % of list in {} (reserved nodes or \
             Savings Plans covered {:.0} %); list prices: $ in the TUI, --prices list",
            n.ratio * 100.0,
            n.month_label(),
            n.covered * 100.0
        ));
    }
    if g.memory.max <= 0.0 && g.engine_cpu.max <= 0.0 {
        rec.evidence.push("no memory or engine CPU data in the window".into());
        return rec;
    }
    let reserved = g.reserved_memory_percent;
    let used = g.memory.max as f64 / 100.0 * usable_gib(current, reserved);
    // Evictions mean the data wanted more room than it had: never shrink, and ask for 20% more.
    let evicting = g.evictions > 0;
    // (The group was full when it evicted, whatever the sampled peak says.)
    let with_headroom = used * (1.0 + HEADROOM as f64);
    let need = if evicting { with_headroom.max(usable_gib(current, reserved)) * 1.2 } else { with_headroom };
    rec.evidence.push(format!(
        "peak memory {:.0}% of {} usable ({}% reserved) = {} + {:.0}% headroom{} → needs {}",
        g.memory.max,
        gib(usable_gib(current, reserved)),
        reserved,
        gib(used),
        HEADROOM * 100.0,
        if evicting { format!(" + 20% for {} evictions", g.evictions) } else { String::new() },
        gib(need)
    ));
    // Baseline bandwidth per node must carry the traffic (group traffic over its nodes).
    let per_node_gbps = (g.network_in + g.network_out) as f64 * 8.0 / 1e9 / nodes.max(1) as f64;
    let net_need = per_node_gbps * (1.0 + HEADROOM as f64);
    let cpu_need = g.engine_cpu.p95 * (1.0 + HEADROOM);
    let hot_engine = cpu_need > ENGINE_CPU_LIMIT;
    // A busy engine thread is never moved to a smaller (or burstable) node to save money.
    let allowed =
        |n: &NodeType| !hot_engine || (n.vcpu >= current.vcpu && n.hourly(g.engine) >= current.hourly(g.engine));
    // Moves go to the suggested (Graviton) families, or stay in the group's own: never to an
    // older processor generation because its hour is cheaper.
    let generation = |n: &NodeType| n.suggested() || family(&n.name) == family(&current.name);
    let fits =
        |n: &&NodeType| usable_gib(n, reserved) >= need && n.network_gbps >= net_need && allowed(n) && generation(n);
    let best = catalogue.all().filter(fits).min_by(|a, b| a.hourly(g.engine).total_cmp(&b.hourly(g.engine)));

    if hot_engine {
        let (why, topology) = hot_engine_advice(g, cpu_need, evicting);
        rec.evidence.push(why);
        rec.topology = Some(topology);
    }
    if evicting && best.is_none_or(|b| usable_gib(b, reserved) <= usable_gib(current, reserved)) {
        rec.topology.get_or_insert_with(|| format!("add a shard ({} → {}) for memory", g.shards, g.shards + 1));
    }

    match best {
        Some(b) if b.name != current.name => {
            let cheaper = b.hourly(g.engine) < current.hourly(g.engine);
            rec.finding = if cheaper { Finding::OverProvisioned } else { Finding::UnderProvisioned };
            rec.proposed = Some(b.name.to_string());
            rec.monthly_proposed = Some(monthly(b, g.engine, nodes));
            rec.evidence.push(format!(
                "{} holds it: {} usable, {} Gbit/s baseline",
                b.name,
                gib(usable_gib(b, reserved)),
                b.network_gbps
            ));
        }
        Some(_) => rec.finding = Finding::Optimized,
        None => {
            rec.finding = Finding::UnderProvisioned;
            rec.evidence.push("no single node type holds it: shard the group".into());
            rec.topology.get_or_insert_with(|| format!("add shards ({} → {})", g.shards, g.shards * 2));
        }
    }
    if rec.topology.is_some() && rec.finding != Finding::OverProvisioned {
        rec.finding = Finding::UnderProvisioned;
    }
    if g.engine == CacheEngine::Redis {
        let node = rec.proposed.as_deref().and_then(|n| catalogue.get(n)).unwrap_or(current);
        let saving = monthly(node, CacheEngine::Redis, nodes) - monthly(node, CacheEngine::Valkey, nodes);
        rec.valkey_saving = Some(saving);
        rec.evidence.push(format!("Valkey on the same nodes costs 20% less: -${saving:.0}/mo (engine upgrade)"));
    }
    // Risk of the change: shrinking toward the peak is riskier the closer the fit.
    let proposed_usable =
        rec.proposed.as_deref().and_then(|n| catalogue.get(n)).map_or(0.0, |n| usable_gib(n, reserved));
    rec.risk = match rec.finding {
        Finding::OverProvisioned if proposed_usable < need * 1.1 => Risk::Medium,
        Finding::UnderProvisioned if evicting || cpu_need > 100.0 => Risk::High,
        Finding::UnderProvisioned => Risk::Medium,
        _ => Risk::Low,
    };
    rec
}

/// Why a bigger node does not help an engine thread that is too busy, and the topology change
/// that does: another shard spreads writes (or memory), a read replica spreads reads.
fn hot_engine_advice(g: &CacheGroup, cpu_need: f32, evicting: bool) -> (String, String) {
    let why = format!(
        "engine CPU p95 {:.0}% + {:.0}% headroom = {:.0}% of its one thread: a bigger node does not help",
        g.engine_cpu.p95,
        HEADROOM * 100.0,
        cpu_need
    );
    let topology = if g.shards > 1 || evicting {
        format!("add a shard ({} → {}) to spread writes", g.shards, g.shards + 1)
    } else {
        format!("add a read replica ({} → {}) or shard the keyspace", g.replicas_per_shard, g.replicas_per_shard + 1)
    };
    (why, topology)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Stats;
    use crate::sizing::catalog::node_type;

    fn group(node: &str, mem_max: f32, cpu_p95: f32, evictions: u64) -> CacheGroup {
        CacheGroup {
            id: "g".into(),
            identity: Default::default(),
            engine: CacheEngine::Redis,
            engine_version: "7.1".into(),
            node_type: node.into(),
            shards: 1,
            replicas_per_shard: 1,
            reserved_memory_percent: 25.0,
            memory: Stats { max: mem_max, avg: mem_max * 0.8, ..Stats::default() },
            engine_cpu: Stats { p95: cpu_p95, max: cpu_p95, ..Stats::default() },
            evictions,
            connections: Stats::default(),
            network_in: 1e5,
            network_out: 1e5,
            memory_spark: Vec::new(),
            cpu_spark: Vec::new(),
            standalone: false,
            read_cost: 9,
        }
    }

    #[test]
    fn an_idle_large_node_shrinks_to_the_cheapest_that_holds_the_peak() {
        // 10% of 13.07 × 0.75 = 0.98 GiB used, + 20% = 1.18 GiB: t4g.small (1.03 usable) is too
        // small, t4g.medium (2.32 usable) is the cheapest that holds it.
        let r = recommend(&group("cache.r7g.large", 10.0, 5.0, 0));
        assert_eq!(r.finding, Finding::OverProvisioned);
        assert_eq!(r.proposed.as_deref(), Some("cache.t4g.medium"));
        assert!(r.monthly_change().unwrap() < 0.0);
        assert!(r.evidence[0].contains("25% reserved"), "{:?}", r.evidence);
        assert!(r.valkey_saving.unwrap() > 0.0);
    }

    #[test]
    fn evictions_never_shrink_and_ask_for_more_room() {
        let r = recommend(&group("cache.r7g.large", 95.0, 30.0, 5_000));
        assert_eq!(r.finding, Finding::UnderProvisioned);
        let proposed = node_type(r.proposed.as_deref().unwrap()).unwrap();
        assert!(proposed.memory_gib > 13.07);
        assert_eq!(r.risk, Risk::High);
    }

    #[test]
    fn a_hot_engine_thread_asks_for_replicas_or_shards_not_a_bigger_node() {
        let r = recommend(&group("cache.m7g.large", 40.0, 85.0, 0));
        assert_eq!(r.finding, Finding::UnderProvisioned);
        assert!(r.topology.as_deref().unwrap().contains("replica"), "{:?}", r.topology);
        assert!(r.evidence.iter().any(|e| e.contains("one thread")));
    }

    #[test]
    fn valkey_groups_get_no_engine_switch_and_unknown_nodes_are_not_sized() {
        let mut g = group("cache.m7g.large", 60.0, 20.0, 0);
        g.engine = CacheEngine::Valkey;
        assert_eq!(recommend(&g).valkey_saving, None);
        let r = recommend(&group("serverless", 50.0, 10.0, 0));
        assert_eq!(r.finding, Finding::NotEnoughData);
        assert_eq!(r.monthly_current, None);
    }

    #[test]
    fn groups_move_to_graviton_families_or_stay_in_their_own() {
        // An r5 group sized down: a Graviton node or a smaller r5, never m5 or t3.
        let r = recommend(&group("cache.r5.xlarge", 10.0, 5.0, 0));
        let to = r.proposed.unwrap();
        assert!(["t4g", "m6g", "m7g", "r6g", "r7g", "r5"].contains(&family(&to)), "{to}");
        // A full t4g group is never moved to an older t3 or m5, however cheap.
        for evicting in [0, 5_000] {
            let r = recommend(&group("cache.t4g.medium", 97.0, 10.0, evicting));
            let to = r.proposed.unwrap_or_default();
            assert!(!["t3", "m5", "r5"].contains(&family(&to)), "{to}");
        }
        assert_eq!(family("cache.m6g.2xlarge"), "m6g");
    }

    #[test]
    fn usable_memory_honours_reserved_memory_percent() {
        let n = node_type("cache.r7g.large").unwrap();
        assert!((usable_gib(n, 25.0) - 9.8025).abs() < 1e-9);
        assert_eq!(usable_gib(n, 0.0), 13.07);
        assert!(usable_gib(n, 500.0) > 0.0, "nonsense percentages clamp");
    }
}
