#!/usr/bin/env python3
"""The refresh people script by hand, for comparison with infradeck's (issue 7).

What a typical hand-written boto3 script does to show ECS services with their CPU and memory:
list clusters and services, then per service a DescribeServices call and one
GetMetricStatistics per metric and statistic (CPU/memory × Average/Maximum). Redis the same way:
DescribeReplicationGroups, then GetMetricStatistics per node, metric and statistic.

Prints one JSON line: requests by operation and wall time.
Usage: naive_refresh.py --endpoint http://127.0.0.1:5001
"""

import argparse
import datetime as dt
import json
import os
import time
from collections import Counter

import boto3
from botocore.config import Config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    cfg = Config(retries={"max_attempts": 1})
    kw = dict(region_name="us-east-1", endpoint_url=args.endpoint, config=cfg)
    ecs, cw, ec = boto3.client("ecs", **kw), boto3.client("cloudwatch", **kw), boto3.client("elasticache", **kw)
    calls = Counter()

    def call(client, op, **params):
        calls[op] += 1
        return getattr(client, op)(**params)

    end = dt.datetime.now(dt.timezone.utc)
    start = end - dt.timedelta(hours=24)
    started = time.monotonic()
    clusters = call(ecs, "list_clusters")["clusterArns"]
    for cluster in clusters:
        token = None
        while True:
            page = call(ecs, "list_services", cluster=cluster, **({"nextToken": token} if token else {}))
            for arn in page["serviceArns"]:
                service = call(ecs, "describe_services", cluster=cluster, services=[arn])["services"][0]
                dims = [{"Name": "ClusterName", "Value": cluster.rsplit("/", 1)[-1]},
                        {"Name": "ServiceName", "Value": service["serviceName"]}]
                for metric in ("CPUUtilization", "MemoryUtilization"):
                    for stat in ("Average", "Maximum"):
                        call(cw, "get_metric_statistics", Namespace="AWS/ECS", MetricName=metric, Dimensions=dims,
                             StartTime=start, EndTime=end, Period=300, Statistics=[stat])
            token = page.get("nextToken")
            if not token:
                break
    for group in call(ec, "describe_replication_groups")["ReplicationGroups"]:
        for member in group.get("MemberClusters", []):
            dims = [{"Name": "CacheClusterId", "Value": member}, {"Name": "CacheNodeId", "Value": "0001"}]
            for metric, stat in (("DatabaseMemoryUsagePercentage", "Maximum"), ("EngineCPUUtilization", "Average"),
                                 ("Evictions", "Sum"), ("CurrConnections", "Average")):
                call(cw, "get_metric_statistics", Namespace="AWS/ElastiCache", MetricName=metric, Dimensions=dims,
                     StartTime=start, EndTime=end, Period=300, Statistics=[stat])
    wall = time.monotonic() - started
    print(json.dumps({"client": "naive", "requests": sum(calls.values()), "wall_seconds": round(wall, 2),
                      "by_operation": dict(calls)}))


if __name__ == "__main__":
    main()
