resource "aws_elasticache_replication_group" "page_cache" {
  replication_group_id = "page-cache"
  description          = "Rendered page fragments (evictable)"
  engine               = "valkey"
  node_type            = var.page_cache_node_type
  num_cache_clusters   = 2
  port                 = 6379

  automatic_failover_enabled = true
  snapshot_retention_limit   = 0 # a cache: nothing to restore
}
