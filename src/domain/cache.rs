//! ElastiCache replication groups.

use super::Stats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheEngine {
    Redis,
    Valkey,
    /// Standalone Memcached clusters: shown, priced, not sized (no memory-usage metric).
    Memcached,
}

impl CacheEngine {
    pub fn label(self) -> &'static str {
        match self {
            CacheEngine::Redis => "redis",
            CacheEngine::Valkey => "valkey",
            CacheEngine::Memcached => "memcached",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CacheGroup {
    /// The group as shown: its own id, or `ACCOUNT@REGION:ID` when several accounts or regions are.
    pub id: String,
    /// Whose it is and its own id, typed (JSON, plans, audit).
    pub identity: super::GroupKey,
    pub engine: CacheEngine,
    pub engine_version: String,
    pub node_type: String,
    pub shards: u32,
    pub replicas_per_shard: u32,
    /// The parameter group's reserved-memory-percent: memory the engine leaves to the OS and
    /// replication buffers, so usable memory is node memory × (1 − this / 100).
    pub reserved_memory_percent: f32,
    /// DatabaseMemoryUsagePercentage, worst node.
    pub memory: Stats,
    /// EngineCPUUtilization, worst node.
    pub engine_cpu: Stats,
    /// Evictions summed over the window, all nodes.
    pub evictions: u64,
    /// CurrConnections, all nodes.
    pub connections: Stats,
    /// Bytes per second across the group, averaged over the window.
    pub network_in: f32,
    pub network_out: f32,
    pub memory_spark: Vec<f32>,
    pub cpu_spark: Vec<f32>,
    /// A cache cluster outside any replication group (single-node Redis OSS/Valkey, Memcached):
    /// its node type changes through ModifyCacheCluster, not the replication-group path.
    pub standalone: bool,
    /// Metrics one read of this group requests (nine per node read).
    pub read_cost: u32,
}

impl CacheGroup {
    /// Every node is billed: shards × (1 + replicas).
    pub fn nodes(&self) -> u32 {
        self.shards * (1 + self.replicas_per_shard)
    }
}
