//! ElastiCache: replication groups, their member clusters (node type, engine, parameter group),
//! the parameter group's reserved-memory-percent, serverless caches, per-node metrics.

use super::metrics::{self, MetricQuery, Span};
use super::{Target, sdk_error};
use crate::common::format::downsample_max;
use crate::domain::{CacheEngine, CacheGroup, Stats, Window};
use crate::provider::ProviderError;
use std::collections::{BTreeMap, HashMap};

const PAGE: i32 = 100;
const SPARK_POINTS: usize = 48;
/// The default since 2017 when a parameter group does not say.
pub const DEFAULT_RESERVED_MEMORY_PERCENT: f32 = 25.0;

/// One replication group (or serverless cache) before metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRecord {
    pub id: String,
    pub engine: CacheEngine,
    pub engine_version: String,
    pub node_type: String,
    pub shards: u32,
    pub replicas_per_shard: u32,
    /// Member cache clusters: each is one node (`CacheNodeId` 0001).
    pub members: Vec<String>,
    pub reserved_memory_percent: f32,
    pub standalone: bool,
    /// The group's (or standalone cluster's, or serverless cache's) ARN as ElastiCache gave it.
    pub arn: Option<String>,
}

fn engine(s: Option<&str>) -> CacheEngine {
    match s {
        Some(e) if e.eq_ignore_ascii_case("valkey") => CacheEngine::Valkey,
        Some(e) if e.eq_ignore_ascii_case("memcached") => CacheEngine::Memcached,
        _ => CacheEngine::Redis,
    }
}

struct ClusterInfo {
    engine: Option<String>,
    version: String,
    node_type: String,
    parameter_group: Option<String>,
    /// None: a standalone cluster ("the cluster is not associated with any replication group").
    replication_group: Option<String>,
    nodes: u32,
    arn: Option<String>,
}

async fn cache_clusters(t: &Target) -> Result<HashMap<String, ClusterInfo>, ProviderError> {
    let mut out = HashMap::new();
    let mut marker = None;
    loop {
        let page = t
            .elasticache
            .describe_cache_clusters()
            .show_cache_node_info(true)
            .max_records(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| sdk_error("elasticache:DescribeCacheClusters", e))?;
        for c in page.cache_clusters() {
            out.insert(
                c.cache_cluster_id().unwrap_or_default().to_string(),
                ClusterInfo {
                    engine: c.engine().map(str::to_string),
                    version: c.engine_version().unwrap_or_default().to_string(),
                    node_type: c.cache_node_type().unwrap_or_default().to_string(),
                    parameter_group: c
                        .cache_parameter_group()
                        .and_then(|p| p.cache_parameter_group_name())
                        .map(str::to_string),
                    replication_group: c.replication_group_id().filter(|g| !g.is_empty()).map(str::to_string),
                    nodes: c.num_cache_nodes().unwrap_or(1).max(1) as u32,
                    arn: c.arn().map(str::to_string),
                },
            );
        }
        marker = page.marker().map(str::to_string);
        if marker.is_none() {
            return Ok(out);
        }
    }
}

async fn reserved_memory_percent(t: &Target, group: &str) -> Result<Option<f32>, ProviderError> {
    let mut marker = None;
    loop {
        let page = t
            .elasticache
            .describe_cache_parameters()
            .cache_parameter_group_name(group)
            .max_records(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| sdk_error("elasticache:DescribeCacheParameters", e))?;
        if let Some(p) = page.parameters().iter().find(|p| p.parameter_name() == Some("reserved-memory-percent")) {
            return Ok(p.parameter_value().and_then(|v| v.trim().parse().ok()));
        }
        marker = page.marker().map(str::to_string);
        if marker.is_none() {
            return Ok(None);
        }
    }
}

async fn serverless(t: &Target) -> Result<Vec<GroupRecord>, ProviderError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = t
            .elasticache
            .describe_serverless_caches()
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_error("elasticache:DescribeServerlessCaches", e))?;
        for c in page.serverless_caches() {
            out.push(GroupRecord {
                id: c.serverless_cache_name().unwrap_or_default().to_string(),
                engine: engine(c.engine()),
                engine_version: c.full_engine_version().or(c.major_engine_version()).unwrap_or_default().to_string(),
                node_type: "serverless".into(),
                shards: 0,
                replicas_per_shard: 0,
                members: Vec::new(),
                reserved_memory_percent: 0.0,
                standalone: false,
                arn: c.arn().map(str::to_string),
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

pub async fn inventory(t: &Target) -> Result<Vec<GroupRecord>, ProviderError> {
    let clusters = cache_clusters(t).await?;
    let mut groups = Vec::new();
    let mut marker = None;
    loop {
        let page = t
            .elasticache
            .describe_replication_groups()
            .max_records(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| sdk_error("elasticache:DescribeReplicationGroups", e))?;
        groups.extend(page.replication_groups().iter().cloned());
        marker = page.marker().map(str::to_string);
        if marker.is_none() {
            break;
        }
    }
    // One DescribeCacheParameters per parameter group in use, not per cluster.
    let mut percent: BTreeMap<String, f32> = BTreeMap::new();
    let in_use: std::collections::BTreeSet<String> =
        clusters.values().filter_map(|c| c.parameter_group.clone()).collect();
    for name in in_use {
        let p = reserved_memory_percent(t, &name).await?.unwrap_or(DEFAULT_RESERVED_MEMORY_PERCENT);
        percent.insert(name, p);
    }
    let mut out: Vec<GroupRecord> = groups
        .iter()
        .map(|g| {
            let members: Vec<String> = g.member_clusters().to_vec();
            let first = members.first().and_then(|m| clusters.get(m));
            let shards = g.node_groups().len().max(1) as u32;
            let nodes_per_shard = g
                .node_groups()
                .iter()
                .map(|n| n.node_group_members().len())
                .max()
                .unwrap_or(0)
                .max(members.len() / shards as usize);
            GroupRecord {
                id: g.replication_group_id().unwrap_or_default().to_string(),
                engine: engine(g.engine().or(first.and_then(|c| c.engine.as_deref()))),
                engine_version: first.map(|c| c.version.clone()).unwrap_or_default(),
                node_type: g
                    .cache_node_type()
                    .map(str::to_string)
                    .or_else(|| first.map(|c| c.node_type.clone()))
                    .unwrap_or_default(),
                shards,
                replicas_per_shard: nodes_per_shard.saturating_sub(1) as u32,
                reserved_memory_percent: first
                    .and_then(|c| c.parameter_group.as_ref())
                    .and_then(|p| percent.get(p).copied())
                    .unwrap_or(DEFAULT_RESERVED_MEMORY_PERCENT),
                members,
                standalone: false,
                arn: g.arn().map(str::to_string),
            }
        })
        .collect();
    // Cache clusters outside any replication group (single-node Redis OSS/Valkey, Memcached)
    // are caches too, and billed: each is shown as a group of its own nodes. A cluster some
    // group lists as its member is that group's, whatever its own field says.
    let members: std::collections::HashSet<&str> =
        out.iter().flat_map(|g| g.members.iter().map(String::as_str)).collect();
    let standalone: Vec<(&String, &ClusterInfo)> =
        clusters.iter().filter(|(id, c)| c.replication_group.is_none() && !members.contains(id.as_str())).collect();
    out.extend(standalone.into_iter().map(|(id, c)| GroupRecord {
        id: id.clone(),
        engine: engine(c.engine.as_deref()),
        engine_version: c.version.clone(),
        node_type: c.node_type.clone(),
        shards: 1,
        replicas_per_shard: c.nodes.saturating_sub(1),
        members: vec![id.clone()],
        reserved_memory_percent:
            c.parameter_group.as_ref().and_then(|p| percent.get(p).copied()).unwrap_or(DEFAULT_RESERVED_MEMORY_PERCENT),
        standalone: true,
        arn: c.arn.clone(),
    }));
    out.extend(serverless(t).await?);
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Queries per member node, in this order.
const NODE_QUERIES: [(&str, &str); 9] = [
    ("DatabaseMemoryUsagePercentage", "Average"),
    ("DatabaseMemoryUsagePercentage", "Maximum"),
    ("EngineCPUUtilization", "Average"),
    ("EngineCPUUtilization", "Maximum"),
    ("CurrConnections", "Average"),
    ("CurrConnections", "Maximum"),
    ("Evictions", "Sum"),
    ("NetworkBytesIn", "Sum"),
    ("NetworkBytesOut", "Sum"),
];

/// What the detail view charts of each node: a subset of `NODE_QUERIES`, so opening it costs 4
/// metrics a node, not 9.
pub const DETAIL_QUERIES: [(&str, &str); 4] = [
    ("DatabaseMemoryUsagePercentage", "Average"),
    ("EngineCPUUtilization", "Average"),
    ("CurrConnections", "Average"),
    ("Evictions", "Sum"),
];

pub fn node_queries(member: &str) -> Vec<MetricQuery> {
    queries_of(member, &NODE_QUERIES)
}

/// `asked` (metric, statistic) of one node, in that order.
pub fn queries_of(member: &str, asked: &[(&'static str, &'static str)]) -> Vec<MetricQuery> {
    asked
        .iter()
        .map(|(m, s)| {
            MetricQuery::new("AWS/ElastiCache", *m, *s).dim("CacheClusterId", member).dim("CacheNodeId", "0001")
        })
        .collect()
}

pub async fn with_metrics(
    t: &Target,
    records: &[GroupRecord],
    window: Window,
    now: i64,
) -> Result<Vec<CacheGroup>, ProviderError> {
    let queries: Vec<MetricQuery> =
        records.iter().flat_map(|g| g.members.iter().flat_map(|m| node_queries(m))).collect();
    let span = Span::for_window(window, now);
    let series = metrics::fetch(t, crate::provider::meter::MetricSource::RedisPane, &queries, span).await?;
    let mut at = 0;
    Ok(records
        .iter()
        .map(|g| {
            let n = g.members.len() * NODE_QUERIES.len();
            let nodes: Vec<&[Vec<f32>]> = series[at..at + n].chunks(NODE_QUERIES.len()).collect();
            at += n;
            group(g, &nodes, span)
        })
        .collect())
}

/// Combine a position-wise series over nodes: worst (max) or total (sum); NaN where no node has data.
/// One metric of every node (each node's series in the order `asked`, found by what they
/// measure), per bucket: the worst node's value, or with `sum` all nodes' together; NaN where none
/// had data.
pub fn across_nodes(
    nodes: &[&[Vec<f32>]],
    asked: &[(&str, &str)],
    (metric, stat): (&str, &str),
    buckets: usize,
    sum: bool,
) -> Vec<f32> {
    let index = asked.iter().position(|q| *q == (metric, stat)).unwrap_or(usize::MAX);
    combine(nodes, index, buckets, sum)
}

fn combine(nodes: &[&[Vec<f32>]], index: usize, buckets: usize, sum: bool) -> Vec<f32> {
    (0..buckets)
        .map(|b| {
            let vals = nodes.iter().filter_map(|n| n.get(index).and_then(|s| s.get(b))).filter(|v| v.is_finite());
            if sum {
                vals.fold(f32::NAN, |acc, v| if acc.is_nan() { *v } else { acc + v })
            } else {
                vals.fold(f32::NAN, |acc, v| if acc.is_nan() { *v } else { acc.max(*v) })
            }
        })
        .collect()
}

fn finite_mean(v: &[f32]) -> f32 {
    let (sum, n) = v.iter().filter(|x| x.is_finite()).fold((0.0, 0), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { sum / n as f32 }
}

/// A group row from its nodes' series (each `NODE_QUERIES` long).
pub fn group(g: &GroupRecord, nodes: &[&[Vec<f32>]], span: Span) -> CacheGroup {
    let b = span.buckets();
    let worst = |metric, stat| across_nodes(nodes, &NODE_QUERIES, (metric, stat), b, false);
    let total = |metric, stat| across_nodes(nodes, &NODE_QUERIES, (metric, stat), b, true);
    let (mem_avg, mem_max) =
        (worst("DatabaseMemoryUsagePercentage", "Average"), worst("DatabaseMemoryUsagePercentage", "Maximum"));
    let (cpu_avg, cpu_max) = (worst("EngineCPUUtilization", "Average"), worst("EngineCPUUtilization", "Maximum"));
    let (conn_avg, conn_max) = (total("CurrConnections", "Average"), total("CurrConnections", "Maximum"));
    let per_second = |v: Vec<f32>| finite_mean(&v) / span.period as f32;
    let spark = |v: &[f32]| {
        downsample_max(&v.iter().map(|x| if x.is_finite() { *x } else { 0.0 }).collect::<Vec<_>>(), SPARK_POINTS)
    };
    CacheGroup {
        id: g.id.clone(),
        identity: crate::domain::GroupKey {
            group: g.id.clone(),
            standalone: g.standalone,
            aws_arn: g.arn.clone(),
            ..Default::default()
        },
        engine: g.engine,
        engine_version: g.engine_version.clone(),
        node_type: g.node_type.clone(),
        shards: g.shards,
        replicas_per_shard: g.replicas_per_shard,
        reserved_memory_percent: g.reserved_memory_percent,
        memory: Stats::from_series(&mem_avg, &mem_max),
        engine_cpu: Stats::from_series(&cpu_avg, &cpu_max),
        evictions: total("Evictions", "Sum").iter().filter(|v| v.is_finite()).map(|v| v.max(0.0) as u64).sum(),
        connections: Stats::from_series(&conn_avg, &conn_max),
        network_in: per_second(total("NetworkBytesIn", "Sum")),
        network_out: per_second(total("NetworkBytesOut", "Sum")),
        memory_spark: spark(&mem_avg),
        cpu_spark: spark(&cpu_avg),
        standalone: g.standalone,
        read_cost: (g.members.len() * NODE_QUERIES.len()) as u32,
    }
}

/// A group as its new inventory record describes it, with the metrics of its last read: a
/// refresh that did not re-read it.
pub fn carried(r: &GroupRecord, last: &CacheGroup) -> CacheGroup {
    CacheGroup {
        engine: r.engine,
        engine_version: r.engine_version.clone(),
        node_type: r.node_type.clone(),
        shards: r.shards,
        replicas_per_shard: r.replicas_per_shard,
        reserved_memory_percent: r.reserved_memory_percent,
        standalone: r.standalone,
        read_cost: (r.members.len() * NODE_QUERIES.len()) as u32,
        ..last.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(members: &[&str]) -> GroupRecord {
        GroupRecord {
            id: "sessions".into(),
            engine: CacheEngine::Redis,
            engine_version: "7.1".into(),
            node_type: "cache.r7g.large".into(),
            shards: 1,
            replicas_per_shard: members.len().saturating_sub(1) as u32,
            members: members.iter().map(|m| m.to_string()).collect(),
            reserved_memory_percent: 25.0,
            standalone: false,
            arn: None,
        }
    }

    #[test]
    fn groups_take_the_worst_node_and_sum_connections_and_evictions() {
        let span = Span { start: 0, end: 600, period: 300 };
        let node = |mem: f32, ev: f32| -> Vec<Vec<f32>> {
            let mut v = vec![vec![mem, mem]; 9];
            v[4] = vec![10.0, 10.0];
            v[5] = vec![12.0, 12.0];
            v[6] = vec![ev, f32::NAN];
            v[7] = vec![300.0, 300.0];
            v
        };
        let (a, b) = (node(40.0, 3.0), node(70.0, 4.0));
        let g = group(&record(&["sessions-001", "sessions-002"]), &[&a, &b], span);
        assert_eq!(g.memory.max, 70.0);
        assert_eq!(g.connections.avg, 20.0);
        assert_eq!(g.evictions, 7);
        // 600 bytes per 300 s period across two nodes = 2 B/s.
        assert_eq!(g.network_in, 2.0);
        assert_eq!(g.reserved_memory_percent, 25.0);
    }

    #[test]
    fn a_group_without_nodes_or_data_is_a_sane_row() {
        let g = group(&record(&[]), &[], Span { start: 0, end: 300, period: 300 });
        assert_eq!(g.memory, Stats::default());
        assert_eq!(g.evictions, 0);
        assert_eq!(g.network_out, 0.0);
    }

    #[test]
    fn nine_queries_per_node() {
        let q = node_queries("sessions-001");
        assert_eq!(q.len(), 9);
        assert!(q.iter().all(|q| q.namespace == "AWS/ElastiCache" && q.dimensions[0].1 == "sessions-001"));
    }

    #[test]
    fn the_detail_view_asks_four_of_them_a_node() {
        let q = queries_of("sessions-001", &DETAIL_QUERIES);
        assert_eq!(q.len(), 4, "what it charts, not all nine");
        assert!(DETAIL_QUERIES.iter().all(|d| NODE_QUERIES.contains(d)), "the pane's own metrics");
    }
}
