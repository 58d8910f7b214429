variable "region" {
  type    = string
  default = "us-east-1"
}

variable "page_cache_node_type" {
  type        = string
  description = "Node type of the page-cache replication group"
  default     = "cache.t4g.small"
}
