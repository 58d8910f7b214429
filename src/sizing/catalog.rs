//! Sizes and on-demand prices as data (us-east-1, late 2026), from
//! `shared/reference/aws-sizing-facts.md`: the AmazonECS guide's task-cpu-memory table and the
//! public Fargate / ElastiCache price lists. The Pricing API replaces these when reachable.

use crate::domain::{Arch, CacheEngine};

/// Hours in a billing month, as AWS prices it.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Every valid Fargate (cpu units, memory MiB) pair, ascending.
/// Built once: sizing looks the menu up for every service.
pub fn fargate_sizes() -> &'static [(u32, u32)] {
    static SIZES: std::sync::OnceLock<Vec<(u32, u32)>> = std::sync::OnceLock::new();
    SIZES.get_or_init(build_fargate_sizes)
}

fn build_fargate_sizes() -> Vec<(u32, u32)> {
    // (cpu units, first MiB, last MiB, step MiB)
    const RANGES: [(u32, u32, u32, u32); 7] = [
        (256, 512, 512, 512),
        (512, 1024, 4096, 1024),
        (1024, 2048, 8192, 1024),
        (2048, 4096, 16384, 1024),
        (4096, 8192, 30720, 1024),
        (8192, 16384, 61440, 4096),
        (16384, 32768, 122880, 8192),
    ];
    let mut sizes = Vec::with_capacity(74);
    for (cpu, first, last, step) in RANGES {
        if cpu == 256 {
            // 0.25 vCPU takes 512, 1024 or 2048: not an even step.
            sizes.extend([(256, 512), (256, 1024), (256, 2048)]);
            continue;
        }
        sizes.extend((first..=last).step_by(step as usize).map(|m| (cpu, m)));
    }
    sizes
}

pub fn is_valid_fargate(cpu: u32, memory: u32) -> bool {
    fargate_sizes().contains(&(cpu, memory))
}

/// Fargate Linux on-demand rates, USD: (per vCPU-hour, per GB-hour) for each architecture. The
/// default is the shipped us-east-1 table; the AWS provider replaces it from the Pricing API.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FargateRates {
    pub x86: (f64, f64),
    pub arm: (f64, f64),
    /// FARGATE_SPOT (x86 Linux only), when the Price List has it.
    #[serde(default)]
    pub spot: Option<(f64, f64)>,
}

impl Default for FargateRates {
    fn default() -> Self {
        FargateRates { x86: (0.04048, 0.004445), arm: (0.03238, 0.00356), spot: None }
    }
}

/// Without a Spot price from the Price List, Spot tasks are priced at the largest discount AWS
/// publishes ("up to a 70% discount off the regular Fargate price", the Fargate pricing page):
/// what a resize saves on them is then never overstated.
pub const SPOT_PRICE_FACTOR: f64 = 0.30;

impl FargateRates {
    pub fn of(&self, arch: Arch) -> (f64, f64) {
        match arch {
            Arch::X86 => self.x86,
            Arch::Arm => self.arm,
        }
    }

    /// The On-Demand rates at `ratio` of themselves (an account's effective rate); Spot, which
    /// Savings Plans do not cover, unchanged.
    pub fn scaled(&self, ratio: f64) -> FargateRates {
        let at = |(v, g): (f64, f64)| (v * ratio, g * ratio);
        FargateRates { x86: at(self.x86), arm: at(self.arm), spot: self.spot }
    }

    /// Hourly price of one Fargate task of this size.
    pub fn task_hourly(&self, arch: Arch, cpu_units: u32, memory_mib: u32) -> f64 {
        let (per_vcpu, per_gb) = self.of(arch);
        cpu_units as f64 / 1024.0 * per_vcpu + memory_mib as f64 / 1024.0 * per_gb
    }

    /// Hourly price of one FARGATE_SPOT task of this size.
    pub fn spot_task_hourly(&self, arch: Arch, cpu_units: u32, memory_mib: u32) -> f64 {
        match self.spot {
            Some((per_vcpu, per_gb)) => cpu_units as f64 / 1024.0 * per_vcpu + memory_mib as f64 / 1024.0 * per_gb,
            None => self.task_hourly(arch, cpu_units, memory_mib) * SPOT_PRICE_FACTOR,
        }
    }

    /// The average hourly price of a service's task when `spot_share` of its tasks run on Spot.
    pub fn mixed_task_hourly(&self, arch: Arch, cpu_units: u32, memory_mib: u32, spot_share: f32) -> f64 {
        let share = if spot_share.is_finite() { spot_share.clamp(0.0, 1.0) as f64 } else { 0.0 };
        let on_demand = self.task_hourly(arch, cpu_units, memory_mib);
        if share == 0.0 {
            return on_demand;
        }
        on_demand * (1.0 - share) + self.spot_task_hourly(arch, cpu_units, memory_mib) * share
    }
}

/// Hourly price of one Fargate task of this size at the shipped (us-east-1) rates.
pub fn fargate_task_hourly(arch: Arch, cpu_units: u32, memory_mib: u32) -> f64 {
    FargateRates::default().task_hourly(arch, cpu_units, memory_mib)
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeType {
    pub name: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// Redis OSS on-demand, USD per hour. Valkey is 0.8× this.
    pub redis_hourly: f64,
    /// Baseline network bandwidth, Gbit/s [unverified for burstable types].
    pub network_gbps: f64,
}

impl NodeType {
    pub fn hourly(&self, engine: CacheEngine) -> f64 {
        match engine {
            // Memcached nodes are priced as Redis OSS ones.
            CacheEngine::Redis | CacheEngine::Memcached => self.redis_hourly,
            CacheEngine::Valkey => self.redis_hourly * 0.8,
        }
    }
}

/// (name, vCPU, GiB, Redis OSS USD/h in us-east-1, baseline Gbit/s): the shipped catalogue, used
/// where the Pricing API cannot be read, and for what it leaves out. Current generation (t4g,
/// m7g, r7g) and the previous ones real accounts still run (t3, m5, m6g, r5, r6g).
/// Prices and bandwidths beyond `shared/reference/aws-sizing-facts.md`'s twelve are
/// [unverified]: the Price List replaces them when reachable.
const SHIPPED: &[(&str, u32, f64, f64, f64)] = &[
    ("cache.t4g.micro", 2, 0.5, 0.016, 0.064),
    ("cache.t4g.small", 2, 1.37, 0.032, 0.128),
    ("cache.t4g.medium", 2, 3.09, 0.065, 0.256),
    ("cache.t3.micro", 2, 0.5, 0.017, 0.064),
    ("cache.t3.small", 2, 1.37, 0.034, 0.128),
    ("cache.t3.medium", 2, 3.09, 0.068, 0.256),
    ("cache.m5.large", 2, 6.38, 0.156, 0.75),
    ("cache.m5.xlarge", 4, 12.93, 0.311, 1.25),
    ("cache.m5.2xlarge", 8, 26.04, 0.623, 2.5),
    ("cache.m5.4xlarge", 16, 52.26, 1.245, 5.0),
    ("cache.m6g.large", 2, 6.38, 0.149, 0.75),
    ("cache.m6g.xlarge", 4, 12.93, 0.298, 1.25),
    ("cache.m6g.2xlarge", 8, 26.04, 0.596, 2.5),
    ("cache.m6g.4xlarge", 16, 52.26, 1.192, 5.0),
    ("cache.m7g.large", 2, 6.38, 0.158, 0.937),
    ("cache.m7g.xlarge", 4, 12.93, 0.315, 1.876),
    ("cache.m7g.2xlarge", 8, 26.04, 0.629, 3.75),
    ("cache.m7g.4xlarge", 16, 52.26, 1.26, 7.5),
    ("cache.r5.large", 2, 13.07, 0.216, 0.75),
    ("cache.r5.xlarge", 4, 26.32, 0.431, 1.25),
    ("cache.r5.2xlarge", 8, 52.82, 0.862, 2.5),
    ("cache.r5.4xlarge", 16, 105.81, 1.724, 5.0),
    ("cache.r6g.large", 2, 13.07, 0.206, 0.75),
    ("cache.r6g.xlarge", 4, 26.32, 0.411, 1.25),
    ("cache.r6g.2xlarge", 8, 52.82, 0.821, 2.5),
    ("cache.r6g.4xlarge", 16, 105.81, 1.642, 5.0),
    ("cache.r7g.large", 2, 13.07, 0.219, 0.937),
    ("cache.r7g.xlarge", 4, 26.32, 0.437, 1.876),
    ("cache.r7g.2xlarge", 8, 52.82, 0.873, 3.75),
    ("cache.r7g.4xlarge", 16, 105.81, 1.745, 7.5),
];

/// The shipped node types (built once).
pub fn node_types() -> &'static [NodeType] {
    static TYPES: std::sync::OnceLock<Vec<NodeType>> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| {
        SHIPPED
            .iter()
            .map(|&(name, vcpu, memory_gib, redis_hourly, network_gbps)| NodeType {
                name: name.to_string(),
                vcpu,
                memory_gib,
                redis_hourly,
                network_gbps,
            })
            .collect()
    })
}

/// The families suggestions move groups to: the Graviton generations of each line
/// (`shared/reference/aws-sizing-facts.md`'s table). A group on another family (r5, m5, t3, …)
/// may stay in it, but is never moved to one because its hour is cheaper.
const SUGGESTED_FAMILIES: &[&str] = &["t4g", "m6g", "m7g", "r6g", "r7g"];

/// `cache.r6g.xlarge` → `r6g`.
pub fn family(node_type: &str) -> &str {
    node_type.strip_prefix("cache.").and_then(|n| n.split('.').next()).unwrap_or(node_type)
}

impl NodeType {
    /// A family suggestions may move a group to.
    pub fn suggested(&self) -> bool {
        SUGGESTED_FAMILIES.contains(&family(&self.name))
    }
}

/// A shipped node type by name.
pub fn node_type(name: &str) -> Option<&'static NodeType> {
    node_types().iter().find(|n| n.name == name)
}

/// The node types sizing chooses among: the region's from the Price List where it was read
/// (its prices, and types the shipped table lacks), the shipped ones for the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeCatalogue {
    priced: Vec<NodeType>,
    /// The account's effective ElastiCache rate last month, where Cost Explorer has it.
    pub effective: Option<super::recommend::PriceNote>,
}

impl NodeCatalogue {
    pub fn with_prices(priced: Vec<NodeType>) -> NodeCatalogue {
        NodeCatalogue { priced, effective: None }
    }

    /// The catalogue as suggestions are priced: every node type at the account's effective rate
    /// (`Prices::Effective`, where known; the note kept), else at list (no note).
    pub fn at(&self, prices: super::recommend::Prices) -> NodeCatalogue {
        match (prices, self.effective) {
            (super::recommend::Prices::Effective, Some(n)) => NodeCatalogue {
                priced: self
                    .all()
                    .map(|t| NodeType { redis_hourly: t.redis_hourly * n.ratio as f64, ..t.clone() })
                    .collect(),
                effective: Some(n),
            },
            _ => NodeCatalogue { priced: self.priced.clone(), effective: None },
        }
    }

    pub fn get(&self, name: &str) -> Option<&NodeType> {
        self.priced.iter().find(|n| n.name == name).or_else(|| node_type(name))
    }

    /// Every node type, each once (a priced one wins over the shipped one of its name).
    pub fn all(&self) -> impl Iterator<Item = &NodeType> {
        let shipped = node_types().iter().filter(|s| !self.priced.iter().any(|p| p.name == s.name));
        self.priced.iter().chain(shipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_74_valid_fargate_pairs() {
        let sizes = fargate_sizes();
        assert_eq!(sizes.len(), 74);
        assert!(is_valid_fargate(256, 2048));
        assert!(is_valid_fargate(4096, 30720));
        assert!(is_valid_fargate(8192, 61440));
        assert!(!is_valid_fargate(256, 1536));
        assert!(!is_valid_fargate(8192, 17408));
        assert!(sizes.windows(2).all(|w| w[0] < w[1]), "ascending, no duplicates");
    }

    #[test]
    fn spot_tasks_are_priced_at_spot() {
        let r = FargateRates::default();
        let od = r.task_hourly(Arch::X86, 1024, 2048);
        assert!((r.mixed_task_hourly(Arch::X86, 1024, 2048, 1.0) - od * SPOT_PRICE_FACTOR).abs() < 1e-12);
        assert!((r.mixed_task_hourly(Arch::X86, 1024, 2048, 0.5) - od * 0.65).abs() < 1e-12);
        assert_eq!(r.mixed_task_hourly(Arch::X86, 1024, 2048, f32::NAN), od);
        let listed = FargateRates { spot: Some((0.0125, 0.0014)), ..r };
        assert!((listed.spot_task_hourly(Arch::X86, 1024, 1024) - 0.0139).abs() < 1e-12);
    }

    #[test]
    fn fargate_price_matches_the_published_rates() {
        // 1 vCPU + 2 GB x86 = 0.04048 + 2 × 0.004445
        let p = fargate_task_hourly(Arch::X86, 1024, 2048);
        assert!((p - 0.04937).abs() < 1e-9);
        assert!(fargate_task_hourly(Arch::Arm, 1024, 2048) < p);
    }

    #[test]
    fn valkey_is_eighty_percent_of_redis() {
        let n = node_type("cache.r7g.large").unwrap();
        assert!(node_type("cache.r5.large").is_some() && node_type("cache.t3.micro").is_some());
        let priced = NodeCatalogue::with_prices(vec![
            NodeType { name: "cache.r7g.large".into(), redis_hourly: 0.25, ..n.clone() },
            NodeType {
                name: "cache.r6gd.xlarge".into(),
                vcpu: 4,
                memory_gib: 26.32,
                redis_hourly: 0.781,
                network_gbps: 1.25,
            },
        ]);
        assert_eq!(priced.get("cache.r7g.large").unwrap().redis_hourly, 0.25, "the region's price wins");
        assert!(priced.get("cache.r6gd.xlarge").is_some(), "a type the shipped table lacks");
        assert_eq!(priced.all().filter(|t| t.name == "cache.r7g.large").count(), 1);
        assert!((n.hourly(CacheEngine::Valkey) - 0.1752).abs() < 1e-9);
    }
}
