region               = "us-east-1"
page_cache_node_type = "cache.t4g.medium" # doubled for the autumn sale
