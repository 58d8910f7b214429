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

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeType {
    pub name: &'static str,
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
            CacheEngine::Redis => self.redis_hourly,
            CacheEngine::Valkey => self.redis_hourly * 0.8,
        }
    }
}

pub const NODE_TYPES: &[NodeType] = &[
    NodeType { name: "cache.t4g.micro", vcpu: 2, memory_gib: 0.5, redis_hourly: 0.016, network_gbps: 0.064 },
    NodeType { name: "cache.t4g.small", vcpu: 2, memory_gib: 1.37, redis_hourly: 0.032, network_gbps: 0.128 },
    NodeType { name: "cache.t4g.medium", vcpu: 2, memory_gib: 3.09, redis_hourly: 0.065, network_gbps: 0.256 },
    NodeType { name: "cache.m6g.large", vcpu: 2, memory_gib: 6.38, redis_hourly: 0.149, network_gbps: 0.75 },
    NodeType { name: "cache.m7g.large", vcpu: 2, memory_gib: 6.38, redis_hourly: 0.158, network_gbps: 0.937 },
    NodeType { name: "cache.m7g.xlarge", vcpu: 4, memory_gib: 12.93, redis_hourly: 0.315, network_gbps: 1.876 },
    NodeType { name: "cache.m7g.2xlarge", vcpu: 8, memory_gib: 26.04, redis_hourly: 0.629, network_gbps: 3.75 },
    NodeType { name: "cache.r6g.large", vcpu: 2, memory_gib: 13.07, redis_hourly: 0.206, network_gbps: 0.75 },
    NodeType { name: "cache.r7g.large", vcpu: 2, memory_gib: 13.07, redis_hourly: 0.219, network_gbps: 0.937 },
    NodeType { name: "cache.r7g.xlarge", vcpu: 4, memory_gib: 26.32, redis_hourly: 0.437, network_gbps: 1.876 },
    NodeType { name: "cache.r7g.2xlarge", vcpu: 8, memory_gib: 52.82, redis_hourly: 0.873, network_gbps: 3.75 },
    NodeType { name: "cache.r7g.4xlarge", vcpu: 16, memory_gib: 105.81, redis_hourly: 1.745, network_gbps: 7.5 },
];

pub fn node_type(name: &str) -> Option<&'static NodeType> {
    NODE_TYPES.iter().find(|n| n.name == name)
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
        assert!((n.hourly(CacheEngine::Valkey) - 0.1752).abs() < 1e-9);
    }
}
